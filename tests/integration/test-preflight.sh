#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-preflight.sh - the checks that explain a failure before it happens:
#  * igmpproxy --test-config, as root, says whether the service's user igmpproxy can read the
#    file: a file written under umask 077 (mode 0600), a readable file in a directory the user
#    cannot enter, a readable file, and no such user. The user exists only in a private mount
#    namespace (a copy of /etc/passwd and /etc/group with igmpproxy, bound over them);
#  * at start-up, with AltNet= on the upstream, a strict rp_filter (1) on vlan2, on "all", or on
#    both gives a warning naming exactly the sysctl(s) to change; loose (2) or off (0) gives none.
# ~15 s.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || { echo "1..0 # SKIP no unshare (util-linux)"; exit 77; }

# ---------------------------------------------------------------- --test-config
cfg=$(lab_std_config igmpproxy.ini)
U=$LAB_TMP/users
mkdir -p "$U"
grep -v '^igmpproxy:' /etc/passwd >"$U/passwd"
grep -v '^igmpproxy:' /etc/group >"$U/group"
echo 'igmpproxy:x:64999:64999:test:/:/usr/sbin/nologin' >>"$U/passwd"
echo 'igmpproxy:x:64999:' >>"$U/group"
grep -v '^igmpproxy:' /etc/passwd >"$U/passwd-none"
# as_user_db [none] CMD...: CMD in a private mount namespace where /etc/passwd and /etc/group
# have (or, with "none", lack) the user igmpproxy.
as_user_db() {
        local pw=$U/passwd
        if [ "$1" = none ]; then
                pw=$U/passwd-none
                shift
        fi
        unshare --mount --propagation private sh -c \
                'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"' \
                sh "$pw" "$U/group" "$@"
}
D=$LAB_TMP/conf
mkdir -p "$D"
chmod 0755 "$LAB_TMP" "$D"
(umask 077 && cp "$cfg" "$D/private.conf")
cp "$cfg" "$D/open.conf"
chmod 0644 "$D/open.conf"
mkdir -m 0700 "$D/closed"
cp "$cfg" "$D/closed/open.conf"
chmod 0644 "$D/closed/open.conf"

tc() { as_user_db "$@" >"$LAB_TMP/tc.out" 2>"$LAB_TMP/tc.err"; }
tc "$IGMPPROXY" --test-config "$D/private.conf"
rc=$?
check "umask 077 file: --test-config exits 0 (the file is valid) but warns that igmpproxy cannot read it (rc $rc)" \
        grep -q "^Warning: the service's user igmpproxy cannot read $D/private.conf: Permission denied (mode 0600, owner 0:0)\. .*chmod 0644 $D/private.conf" "$LAB_TMP/tc.err"
diag "$(cat "$LAB_TMP/tc.err")"
check "... and still prints the configuration" grep -q "configuration OK" "$LAB_TMP/tc.out"
tc "$IGMPPROXY" --test-config "$D/closed/open.conf"
check "a 0644 file in a 0700 directory: cannot read it either" \
        grep -q "^Warning: the service's user igmpproxy cannot read $D/closed/open.conf: Permission denied" "$LAB_TMP/tc.err"
diag "$(cat "$LAB_TMP/tc.err")"
tc "$IGMPPROXY" --test-config "$D/open.conf"
check "a 0644 file: the service's user can read it" \
        grep -qx "The service's user igmpproxy can read $D/open.conf\." "$LAB_TMP/tc.err"
tc none "$IGMPPROXY" --test-config "$D/private.conf"
check "no user igmpproxy: says so, no verdict" \
        grep -q "^Whether the service's user igmpproxy can read $D/private.conf: there is no user igmpproxy" "$LAB_TMP/tc.err"
diag "$(cat "$LAB_TMP/tc.err")"

# ---------------------------------------------------------------- rp_filter
lab_setup
# run_with IFACE_RPF ALL_RPF: starts and stops the daemon (AltNet= on vlan2) with those values.
# out= the daemon's rp_filter lines.
run_with() {
        lab_sysctl rtr "net.ipv4.conf.vlan2.rp_filter=$1" "net.ipv4.conf.all.rp_filter=$2"
        lab_start_proxy "$cfg"
        sleep 0.3
        lab_stop_proxy
        out=$(grep "rp_filter" "$LAB_PROXY_LOG")
}
run_with 1 0
check "vlan2 rp_filter=1: a warning naming net.ipv4.conf.vlan2.rp_filter only" \
        grep -q "vlan2: rp_filter is strict (net.ipv4.conf.vlan2.rp_filter = 1): .*set net.ipv4.conf.vlan2.rp_filter to 2 (loose) or 0" <<<"$out"
diag "$out"
run_with 0 1
check "all rp_filter=1: names net.ipv4.conf.all.rp_filter" \
        grep -q "rp_filter is strict (net.ipv4.conf.all.rp_filter = 1): .*set net.ipv4.conf.all.rp_filter to 2" <<<"$out"
run_with 1 1
check "both 1: names both" \
        grep -q "(net.ipv4.conf.vlan2.rp_filter and net.ipv4.conf.all.rp_filter = 1)" <<<"$out"
run_with 2 0
check "loose (2): no warning" test -z "$out"
run_with 0 0
check "off (0): no warning" test -z "$out"
lab_sysctl rtr net.ipv4.conf.vlan2.rp_filter=0 net.ipv4.conf.all.rp_filter=0
lab_done
