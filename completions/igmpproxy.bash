# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for igmpproxy(8): options, --log-target= values, and the configuration file.
# Installed as completions/igmpproxy where bash-completion looks (meson).

_igmpproxy() {
        local cur=${COMP_WORDS[COMP_CWORD]}
        local opts="--help --version --no-daemon --verbose --debug --test-config --log-target= --no-bus -h -n -v -d -t"

        case $cur in
        --log-target=*)
                mapfile -t COMPREPLY < <(compgen -P "--log-target=" -W "auto console journal" -- "${cur#--log-target=}")
                ;;
        -*)
                mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
                [[ ${COMPREPLY[0]-} == *= ]] && compopt -o nospace 2>/dev/null
                ;;
        *)
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                ;;
        esac
}
complete -F _igmpproxy igmpproxy
