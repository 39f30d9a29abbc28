#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-analyze.sh - CI gate on the generated igmpproxy.service (meson suite 'systemd'):
#  * systemd-analyze security --offline=true --threshold=20: overall exposure <= 2.0;
#  * systemd-analyze verify prints nothing for the unit as meson installs it: the build tree
#    is installed into a scratch root (meson install --destdir) next to a copy of this
#    machine's system units, and verify runs with --root on it, so ExecStart=/ExecReload=
#    must name the installed programs and Documentation= the installed man pages (MANPATH
#    points at the scratch root only). A unit with a bogus key proves verify's output is seen;
#  * the installed unit is the generated one, and systemd-sysusers creates its User= from the
#    installed sysusers.d entry (a system user without a login shell).
# Needs systemd-analyze (package systemd); no root, no systemd running.
#
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

command -v systemd-analyze >/dev/null || sd_skip "no systemd-analyze (package systemd)"
[ -f "$IGMPPROXY_SERVICE" ] || sd_skip "no generated unit at $IGMPPROXY_SERVICE (build first)"
sd_dirs_from_build || { echo "cannot read the build tree's install plan" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/igmpproxy-analyze.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
sd_diag "unit: $IGMPPROXY_SERVICE; scratch root: $T/root"

# ---- security
out=$(systemd-analyze security --offline=true --threshold=20 --no-pager "$IGMPPROXY_SERVICE" 2>&1)
rc=$?
score=$(sed -n 's/.*Overall exposure level for igmpproxy.service: \([0-9.]*\).*/\1/p' <<<"$out")
if [ "$rc" = 0 ] && [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
        sd_ok "security --offline=true --threshold=20: exposure $score <= 2.0"
else
        sd_notok "security --offline=true --threshold=20: exposure ${score:-?} <= 2.0 (exit status $rc)"
fi
sd_diag "$(grep -F '✗' <<<"$out" | sed 's/  */ /g')"
sd_diag "$(tail -n 1 <<<"$out")"

# ---- the installed tree
R=$T/root
if ! sd_install_tree "$R"; then
        sd_notok "meson install --destdir"
        sd_done
fi
unit=$IGMPPROXY_UNITDIR/igmpproxy.service
sd_check "the installed unit ($unit) is the generated one" cmp "$IGMPPROXY_SERVICE" "$R$unit"
# meson's install hook (systemd/meson-install-hook.sh) acts on the live system only.
sd_check "with --destdir the install hook stays out: no etc/igmpproxy.conf in the tree" \
        test ! -e "$R/etc/igmpproxy.conf"
sd_check "the catalog and the sysusers.d entry are installed" \
        test -f "$R$IGMPPROXY_CATALOGDIR/igmpproxy.catalog" -a -f "$R$IGMPPROXY_SYSUSERSDIR/igmpproxy.conf"
# Exec lines name installed programs (absolute paths, "+" prefix allowed).
# shellcheck disable=SC2317 # called through sd_check
check_exec_paths() {
        local line path bad=0
        while IFS= read -r line; do
                path=${line#*=}
                path=${path#[+!@-]}
                path=${path%% *}
                echo "$line -> $R$path"
                case $path in /*) ;; *) bad=1 ;; esac
                [ -x "$R$path" ] || bad=1
        done < <(grep -E '^Exec[A-Za-z]*=' "$R$unit")
        return "$bad"
}
sd_check "every Exec*= names a program meson installed" check_exec_paths

# System units of this machine (sysinit.target, network-online.target, ...), without ours.
mkdir -p "$R/usr/lib/systemd" "$R/etc/systemd/system"
cp -rn /usr/lib/systemd/system "$R/usr/lib/systemd/" 2>/dev/null
[ -e "$R/lib" ] || ln -s usr/lib "$R/lib"

verify() {
        MANPATH=$R$IGMPPROXY_MANDIR SYSTEMD_LOG_COLOR=0 \
                systemd-analyze verify --root="$R" --man=yes --generators=no "$@" 2>&1
}
out=$(verify "$unit")
rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then
        sd_ok "systemd-analyze verify --root (installed tree): exit 0, no output"
else
        sd_notok "systemd-analyze verify --root (installed tree): exit 0, no output (exit $rc)"
        sd_diag "$out"
fi

# Self-test of the gate: the same unit with an unknown key and a missing man page must not
# pass silently.
sed 's/^Type=notify$/Type=notify\nNoSuchKey=1/; s|^Documentation=.*|Documentation=man:igmpproxy-nonexistent(8)|' \
        "$R$unit" >"$R/etc/systemd/system/igmpproxy-selftest.service"
out=$(verify /etc/systemd/system/igmpproxy-selftest.service)
if grep -q "NoSuchKey" <<<"$out" && grep -q "igmpproxy-nonexistent" <<<"$out"; then
        sd_ok "verify reports an unknown key and a missing man page (the gate can fail)"
else
        sd_notok "verify reports an unknown key and a missing man page (the gate can fail)"
        sd_diag "$out"
fi
rm -f "$R/etc/systemd/system/igmpproxy-selftest.service"

# ---- the unit's user, from the installed sysusers.d entry
user=$(sed -n 's/^User=//p' "$R$unit")
mkdir -p "$R/etc"
: >"$R/etc/passwd"
: >"$R/etc/group"
if command -v systemd-sysusers >/dev/null; then
        out=$(systemd-sysusers --root="$R" 2>&1)
        pw=$(grep "^$user:" "$R/etc/passwd")
        uid=$(cut -d: -f3 <<<"$pw")
        shell=$(cut -d: -f7 <<<"$pw")
        if [ -n "$pw" ] && [ "$uid" -lt 1000 ] && [ "$uid" -gt 0 ] && [[ $shell == */nologin ]] &&
                grep -q "^$user:" "$R/etc/group"; then
                sd_ok "systemd-sysusers creates User=$user (system uid $uid, $shell, group $user)"
        else
                sd_notok "systemd-sysusers creates User=$user as a system user"
                sd_diag "$out"
                sd_diag "passwd: ${pw:-none}"
        fi
fi

sd_done
