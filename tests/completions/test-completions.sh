#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-completions.sh SRCDIR - the shell completions load in a fresh bash with no error, with and
# without bash-completion's helpers, and complete what they promise: igmpproxyctl's verbs (all
# the verbs its --help lists), --json= values, workaround modes and log levels, the group addresses
# of 'igmpproxyctl --no-legend groups' after 'group' (a stand-in igmpproxyctl first in PATH); igmpproxy's
# options (all the long options its --help lists) and --log-target= values. zsh files: parsed by
# zsh -n when zsh is installed. TAP output.
SRC=${1:?usage: test-completions.sh SRCDIR [IGMPPROXYCTL IGMPPROXY]}
CTL=${2:-}
DAEMON=${3:-}
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; }

# complete_line WITH_BC FILE CMDLINE: the candidates the completion offers for CMDLINE (the last
# word being completed), one a line, from a fresh non-interactive bash.
complete_line() {
        local with=$1 file=$2 line=$3
        LINE=$line FILE=$file WITH=$with bash --norc --noprofile -c '
                set -u
                if [ "$WITH" = 1 ]; then . /usr/share/bash-completion/bash_completion || exit 9; fi
                . "$FILE" || exit 8
                read -r -a COMP_WORDS <<<"$LINE"
                [[ $LINE == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                COMP_LINE=$LINE
                COMP_POINT=${#LINE}
                fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
                "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}"' 2>"$TMP/err"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for f in igmpproxyctl.bash igmpproxy.bash; do
        if bash --norc --noprofile -n "$SRC/completions/$f" 2>"$TMP/err" && [ ! -s "$TMP/err" ] &&
                bash --norc --noprofile -c "set -eu; . '$SRC/completions/$f'" 2>"$TMP/err" && [ ! -s "$TMP/err" ]; then
                ok "$f: parses and loads in a plain bash with no error"
        else
                notok "$f: parses and loads in a plain bash with no error: $(cat "$TMP/err")"
        fi
done

modes=(0)
[ -r /usr/share/bash-completion/bash_completion ] && modes+=(1)
for with in "${modes[@]}"; do
        tag=$([ "$with" = 1 ] && echo "with bash-completion" || echo "plain bash")
        # expect TEXT FILE CMDLINE WORD...: every WORD is offered, and nothing went to stderr
        expect() {
                local text=$1 file=$2 line=$3 out w missing=
                shift 3
                out=$(complete_line "$with" "$SRC/completions/$file" "$line")
                for w in "$@"; do grep -qxF -- "$w" <<<"$out" || missing+=" $w"; done
                if [ -z "$missing" ] && [ ! -s "$TMP/err" ]; then
                        ok "$tag: $text"
                else
                        notok "$tag: $text (missing:${missing:-none}; got: $(tr '\n' ' ' <<<"$out"); stderr: $(cat "$TMP/err"))"
                fi
        }
        verbs=(status groups interfaces refresh reload rescan workaround interval log-level doctor monitor)
        if [ -x "$CTL" ]; then
                mapfile -t verbs < <("$CTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-][a-z-]*\).*/\1/p')
        fi
        expect "igmpproxyctl <TAB>: every verb (${#verbs[@]})" igmpproxyctl.bash "igmpproxyctl " "${verbs[@]}"
        expect "igmpproxyctl do<TAB>: doctor" igmpproxyctl.bash "igmpproxyctl do" doctor
        expect "igmpproxyctl --json=<TAB>" igmpproxyctl.bash "igmpproxyctl --json=" --json=pretty --json=short --json=off
        expect "igmpproxyctl --json=short <TAB>: verbs after an option" igmpproxyctl.bash "igmpproxyctl --json=short " monitor status
        expect "igmpproxyctl workaround <TAB>" igmpproxyctl.bash "igmpproxyctl workaround " on off auto
        expect "igmpproxyctl log-level <TAB>" igmpproxyctl.bash "igmpproxyctl log-level " emerg alert crit err warning notice info debug
        # group <TAB>: the first column of the group rows of 'igmpproxyctl --no-legend groups', not
        # the filter lines under them; a stand-in igmpproxyctl prints what the real one would.
        mkdir -p "$TMP/bin"
        cat >"$TMP/bin/igmpproxyctl" <<'EOF2'
#!/bin/sh
[ "$1 $2" = "--no-legend groups" ] || exit 2
printf '%s\n' '239.0.5.185     joined     vlan10(1)              198.18.0.1            2480    222.9K   36.8kbit/s 49.6s ago' \
        '239.0.5.188     joined     vlan10(1)              -                        -         -           - 2.0s ago' \
        '                           vlan10: include {198.18.0.1}'
EOF2
        chmod +x "$TMP/bin/igmpproxyctl"
        PATH="$TMP/bin:$PATH" expect "igmpproxyctl group <TAB>: the daemon's groups" igmpproxyctl.bash "igmpproxyctl group " \
                239.0.5.185 239.0.5.188
        out=$(PATH="$TMP/bin:$PATH" complete_line "$with" "$SRC/completions/igmpproxyctl.bash" "igmpproxyctl group ")
        if [ "$(wc -l <<<"$out")" = 2 ]; then
                ok "$tag: igmpproxyctl group <TAB>: only the two groups"
        else
                notok "$tag: igmpproxyctl group <TAB>: only the two groups (got: $(tr '\n' ' ' <<<"$out"))"
        fi
        out=$(PATH=/nonexistent:/usr/bin:/bin complete_line "$with" "$SRC/completions/igmpproxyctl.bash" "igmpproxyctl group ")
        if [ -z "$out" ] && [ ! -s "$TMP/err" ]; then
                ok "$tag: igmpproxyctl group <TAB> with no igmpproxyctl to ask: nothing, no error"
        else
                notok "$tag: igmpproxyctl group <TAB> with no igmpproxyctl to ask: nothing, no error (got: $out; $(cat "$TMP/err"))"
        fi
        expect "igmpproxyctl --<TAB>" igmpproxyctl.bash "igmpproxyctl --" --help --version --json= --no-legend --no-pager
        longs=(--help --version --no-daemon --verbose --debug --test-config --log-target= --no-bus)
        if [ -x "$DAEMON" ]; then
                mapfile -t longs < <("$DAEMON" --help | grep -o -- '--[a-z-]*=\?' | sort -u)
        fi
        expect "igmpproxy --<TAB>: every long option (${#longs[@]})" igmpproxy.bash "igmpproxy --" "${longs[@]}"
        expect "igmpproxy --log-target=<TAB>" igmpproxy.bash "igmpproxy --log-target=" \
                --log-target=auto --log-target=console --log-target=journal
done

if command -v zsh >/dev/null; then
        for f in _igmpproxyctl _igmpproxy; do
                if zsh -n "$SRC/completions/$f" 2>"$TMP/err"; then ok "$f: zsh -n"; else notok "$f: zsh -n: $(cat "$TMP/err")"; fi
        done
else
        echo "# zsh not installed: the zsh files are not parsed"
fi
echo "1..$n"
[ "$bad" = 0 ]
