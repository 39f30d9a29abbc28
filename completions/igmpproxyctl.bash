# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for igmpproxyctl(1): verbs, options, and the values of --json=, workaround
# and log-level; after group, the groups the running daemon knows (nothing if it does not answer
# within 2 s). Installed as completions/igmpproxyctl where bash-completion looks (meson).

_igmpproxyctl() {
        local cur prev words cword
        if declare -F _init_completion >/dev/null; then
                _init_completion -n = || return
        else
                cur=${COMP_WORDS[COMP_CWORD]}
                prev=${COMP_WORDS[COMP_CWORD - 1]}
                words=("${COMP_WORDS[@]}")
                cword=$COMP_CWORD
        fi
        local verbs="status groups group interfaces refresh reload rescan workaround interval log-level doctor monitor"
        local opts="--help --version --json= --no-legend --no-pager -h"
        local levels="emerg alert crit err warning notice info debug"

        case $cur in
        --json=*)
                mapfile -t COMPREPLY < <(compgen -P "--json=" -W "pretty short off" -- "${cur#--json=}")
                return
                ;;
        -*)
                mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
                [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
                return
                ;;
        esac

        # The verb: the first word that is not an option.
        local i verb=
        for ((i = 1; i < cword; i++)); do
                if [[ ${words[i]} != -* ]]; then
                        verb=${words[i]}
                        break
                fi
        done
        case $verb in
        "") mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur") ;;
        workaround) [ "$prev" = workaround ] && mapfile -t COMPREPLY < <(compgen -W "on off auto" -- "$cur") ;;
        log-level) [ "$prev" = log-level ] && mapfile -t COMPREPLY < <(compgen -W "$levels" -- "$cur") ;;
        interval) [ "$prev" = interval ] && mapfile -t COMPREPLY < <(compgen -W "30s 60s 2min" -- "$cur") ;;
        group)
                if [ "$prev" = group ]; then
                        local known
                        known=$(timeout 2 "${words[0]}" --no-legend groups 2>/dev/null |
                                awk '$1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ { print $1 }')
                        mapfile -t COMPREPLY < <(compgen -W "$known" -- "$cur")
                fi
                ;;
        *) COMPREPLY=() ;;
        esac
}
complete -F _igmpproxyctl igmpproxyctl
