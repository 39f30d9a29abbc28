#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-ctl.sh - igmpproxyctl (every verb, tables and JSON, group G and its errors, exit codes,
# daemon not running, daemon running without its bus name: exit 3 and 4, in PID namespaces of
# their own) and
# hooks/igmpproxy-dispatcher run the way NetworkManager ($1 $2) and networkd-dispatcher ($IFACE,
# $STATE) run it, against the real daemon in the netns lab on a private system-like bus:
# an interface named in the configuration that appears later is taken into service by the hook
# (RescanInterfaces), the upstream coming up triggers one RefreshNow, unmanaged interfaces and a
# missing daemon are no-ops that exit 0 at once.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.5.186
HOOK=$LAB_REPO/hooks/igmpproxy-dispatcher
CTL=$IGMPPROXYCTL
export G
[ -x "$CTL" ] || lab_bail "igmpproxyctl not found: $CTL"

bus_start
lab_setup
lab_start_upstream --forget-after "$LAB_T"
cfg=$(CFG_EXTRA=$'[Interface vlan30]\nRole=downstream' lab_std_config igmpproxy.ini)
cp "$cfg" "$LAB_TMP/igmpproxy.ini.good"

# ctl_rc WANT TEXT ARGS...: runs igmpproxyctl, output to $LAB_TMP/ctl.out, checks the exit status.
# With CTL_ALONE=1 it runs in a PID namespace of its own, where no igmpproxy of this machine is
# seen (igmpproxyctl looks for the daemon's process when the bus name is missing).
ctl_rc() {
        local want=$1 text=$2 rc wrap=()
        shift 2
        [ "${CTL_ALONE:-}" = 1 ] && wrap=(unshare --pid --fork --mount-proc)
        timeout 20 "${wrap[@]}" "$CTL" "$@" >"$LAB_TMP/ctl.out" 2>&1
        rc=$?
        if [ "$rc" = "$want" ]; then pass "$text (exit $rc)"; else fail "$text (exit $rc, wanted $want)"; fi
        diag "$(head -n 12 "$LAB_TMP/ctl.out")"
}
prop() {
        B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" "$1"
}

# ---- not running
CTL_ALONE=1 ctl_rc 3 "status with no daemon: exit 3" status
check "one line: igmpproxy is not running (...)" test "$(cat "$LAB_TMP/ctl.out")" = \
        "igmpproxy is not running (org.igmpproxy.Movistar not on the system bus)"
CTL_ALONE=1 ctl_rc 3 "groups with no daemon: exit 3" groups
CTL_ALONE=1 ctl_rc 3 "group G with no daemon: exit 3" group "$G"
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_TMP/nonexistent CTL_ALONE=1 ctl_rc 3 "no system bus at all: exit 3" status
check "... igmpproxy is not running (cannot connect to the system bus: ...)" \
        grep -q "^igmpproxy is not running (cannot connect to the system bus: " "$LAB_TMP/ctl.out"
# ---- running without its bus name: the daemon with --no-bus and igmpproxyctl in one PID
# namespace of their own (the daemon in RTR, where the lab's interfaces are).
# shellcheck disable=SC2016 # expanded by the inner shell
lab_exec rtr unshare --pid --fork --mount-proc sh -c '
        "$1" --no-bus "$2" >"$3/nobus.log" 2>&1 &
        d=$!
        for i in $(seq 50); do
                "$4" status >"$3/ctl.out" 2>&1
                rc=$?
                [ "$rc" != 3 ] && break
                sleep 0.1
        done
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=$3/nonexistent "$4" status >"$3/ctl2.out" 2>&1
        echo "$rc $?" >"$3/ctl.rc"
        kill "$d"
        wait "$d"' sh "$IGMPPROXY" "$cfg" "$LAB_TMP" "$CTL"
read -r rc rc2 <"$LAB_TMP/ctl.rc"
check "the daemon runs with --no-bus: igmpproxyctl status exits 4, not 3 (exit $rc)" test "$rc" = 4
diag "$(cat "$LAB_TMP/ctl.out")"
check "... says it runs (its PID) and what gives it the name" \
        grep -Eq "^igmpproxy is running \(PID [0-9]+\) but cannot be reached: org.igmpproxy.Movistar not on the system bus\. .*bus policy \(/.*/dbus-1/system.d/org.igmpproxy.Movistar.conf\)" "$LAB_TMP/ctl.out"
check "... and with no system bus at all: exit 4 too ($rc2)" \
        test "$rc2" = 4 -a "$(grep -c "igmpproxy is running (PID" "$LAB_TMP/ctl2.out")" = 1
t0=$(lab_now)
IFACE=vlan2 STATE=routable timeout 10 "$HOOK"
rc=$?
t1=$(lab_now)
check "hook with no daemon: exit 0 ($rc) in < 1 s ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}') s)" \
        awk -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN{exit !(rc == 0 && b - a < 1)}'
t0=$(lab_now)
DBUS_SYSTEM_BUS_ADDRESS=unix:path=$LAB_TMP/nonexistent timeout 10 "$HOOK" vlan2 up
rc=$?
t1=$(lab_now)
check "hook with no bus at all: exit 0 ($rc) in < 1 s" awk -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN{exit !(rc == 0 && b - a < 1)}'

lab_start_proxy "$cfg"
check "bus name acquired" bus_wait_name 5
deco_join deco1 deco1 --group "$G" --duration 60
sleep 3

# ---- options
ctl_rc 0 "--version" --version
ctl_rc 0 "-h" -h
ctl_rc 2 "unknown verb: exit 2" frobnicate
ctl_rc 2 "bad --json= mode: exit 2" --json=yaml status

# ---- status / groups / interfaces, human and JSON
ctl_rc 0 "status (default verb)"
check "status shows upstream vlan2 and downstream vlan10" \
        sh -c "grep -q 'Upstream: vlan2' '$LAB_TMP/ctl.out' && grep -q 'Downstream: vlan10' '$LAB_TMP/ctl.out'"
ctl_rc 0 "status --json=pretty" status --json=pretty
check_py "status --json=pretty: valid JSON over several lines, the deco's group in it" <<'PY'
import json, os
t = open(os.environ["LAB_TMP"] + "/ctl.out").read()
d = json.loads(t)
print("%d lines; keys: %s" % (t.count("\n"), sorted(d)[:8]))
assert t.count("\n") > 20 and d["UpstreamInterface"] == "vlan2"
assert [g["Group"] for g in d["Groups"]] == [os.environ["G"]]
PY
ctl_rc 0 "groups" groups
check "groups table: header, a row for the group with a source, legend" sh -c \
        "head -n1 '$LAB_TMP/ctl.out' | grep -q '^GROUP  *STATE  *LISTENERS' && grep -q '^$G  *joined  *vlan10(1)  *198.18.0.1 ' '$LAB_TMP/ctl.out' && tail -n1 '$LAB_TMP/ctl.out' | grep -qx '1 group listed.'"
ctl_rc 0 "groups --no-legend" groups --no-legend
check "--no-legend: one line, no header or footer" test "$(wc -l <"$LAB_TMP/ctl.out")" = 1
ctl_rc 0 "groups --json=short" --json=short groups
check_py "groups --json=short: one line, Sources with packet and byte counts" <<'PY'
import json, os
t = open(os.environ["LAB_TMP"] + "/ctl.out").read()
d = json.loads(t)
g = d["Groups"][0]
print(g)
assert t.count("\n") == 1 and g["Group"] == os.environ["G"] and g["State"] == "joined"
assert g["Listeners"] == [{"Interface": "vlan10", "Hosts": 1}]
assert g["Sources"][0]["Source"] == "198.18.0.1" and g["Sources"][0]["Packets"] > 50 and g["Sources"][0]["Bytes"] > 0
PY
ctl_rc 0 "group $G" group "$G"
check "group: joined, upstream any source, vlan10 any source with 1 host (an IGMPv2 deco)" sh -c \
        "grep -Eq '^ +State: joined ' '$LAB_TMP/ctl.out' && grep -Eq '^ +Upstream: any source$' '$LAB_TMP/ctl.out' && grep -Eq '^ +vlan10: any source, 1 host, IGMPv2 host present, ' '$LAB_TMP/ctl.out'"
ctl_rc 0 "group --json=pretty" --json=pretty group "$G"
check_py "group --json=pretty: one object with Upstream and Memberships" <<'PY'
import json, os
g = json.load(open(os.environ["LAB_TMP"] + "/ctl.out"))
print(g["Upstream"], g["Memberships"])
assert g["Group"] == os.environ["G"] and g["Upstream"] == {"Mode": "exclude", "Sources": []}
assert [(m["Interface"], m["Mode"], m["CompatVersion"]) for m in g["Memberships"]] == [("vlan10", "exclude", 2)]
PY
ctl_rc 1 "group 239.0.5.199 (nobody asked for it): exit 1" group 239.0.5.199
check "one line: the daemon says the group is not known" sh -c \
        "test \$(wc -l <'$LAB_TMP/ctl.out') = 1 && grep -q 'Group 239.0.5.199 is not known' '$LAB_TMP/ctl.out'"
ctl_rc 2 "group 198.18.0.1 (not multicast): refused locally, exit 2" group 198.18.0.1
ctl_rc 2 "group without an address: exit 2" group
ctl_rc 0 "interfaces" interfaces
check "interfaces table: vlan2 upstream, vlan10 downstream querier, legend" sh -c \
        "grep -Eq ' vlan2 +upstream +198.18.0.2 ' '$LAB_TMP/ctl.out' && grep -Eq ' vlan10 +downstream +198.18.1.1 +1 +yes +1$' '$LAB_TMP/ctl.out' && tail -n1 '$LAB_TMP/ctl.out' | grep -qx '2 interfaces listed.'"
ctl_rc 0 "interfaces --json=pretty" --json=pretty interfaces
check_py "interfaces JSON" <<'PY'
import json, os
d = json.load(open(os.environ["LAB_TMP"] + "/ctl.out"))
print([(i["Name"], i["Role"], i["VIF"]) for i in d["Interfaces"]])
assert [(i["Name"], i["Role"]) for i in d["Interfaces"]] == [("vlan2", "upstream"), ("vlan10", "downstream")]
PY

# ---- changes
ctl_rc 0 "interval 2min" interval 2min
check "RefreshIntervalUSec = 120 s" test "$(prop RefreshIntervalUSec)" = "t 120000000"
ctl_rc 0 "interval (show)" interval
check "shows 2min 0s" grep -qx "2min 0s" "$LAB_TMP/ctl.out"
ctl_rc 1 "interval 0: refused by the daemon, exit 1" interval 0
check "one-line error with the daemon's message" sh -c "test \$(wc -l <'$LAB_TMP/ctl.out') = 1 && grep -q 'out of range' '$LAB_TMP/ctl.out'"
ctl_rc 2 "interval soon: refused locally, exit 2" interval soon
c1=$(prop RefreshCycles | awk '{print $2}')
ctl_rc 0 "refresh" refresh
c2=$(prop RefreshCycles | awk '{print $2}')
check "refresh: RefreshCycles +1 ($c1 -> $c2)" test "$c2" = $((c1 + 1))
ctl_rc 0 "workaround off" workaround off
check "RefreshMode no" test "$(prop RefreshMode)" = 's "no"'
ctl_rc 0 "workaround auto" workaround auto
check "RefreshMode auto" test "$(prop RefreshMode)" = 's "auto"'
ctl_rc 0 "workaround on" workaround on
check "RefreshMode yes" test "$(prop RefreshMode)" = 's "yes"'
ctl_rc 2 "workaround sometimes: exit 2" workaround sometimes
ctl_rc 0 "log-level debug" log-level debug
ctl_rc 0 "log-level (show)" log-level
check "shows debug" grep -qx debug "$LAB_TMP/ctl.out"
ctl_rc 0 "log-level info" log-level info
timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" interval 30s >"$LAB_TMP/ctl.out" 2>&1
rc=$?
check "uid 65534: interval 30s -> exit 1, access denied ($rc: $(cat "$LAB_TMP/ctl.out"))" sh -c "test $rc = 1 && grep -qi 'needs root' '$LAB_TMP/ctl.out'"
timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" groups >/dev/null 2>&1
check "uid 65534: groups works" test $? = 0
timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" group "$G" >/dev/null 2>&1
check "uid 65534: group works" test $? = 0
ctl_rc 0 "rescan" rescan
printf '\n[Refresh]\nReportVersion=9\n' >>"$cfg"
ctl_rc 1 "reload of a broken file: exit 1" reload
check "one line naming file:line" sh -c "test \$(wc -l <'$LAB_TMP/ctl.out') = 1 && grep -q 'igmpproxy.ini:[0-9]' '$LAB_TMP/ctl.out'"
cp "$LAB_TMP/igmpproxy.ini.good" "$cfg"
ctl_rc 0 "reload" reload
check "reload restored IntervalSec=1 from the file" test "$(prop RefreshIntervalUSec)" = "t 1000000"

# ---- the dispatcher hook
B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec t 200000000
sleep 1.2
c1=$(prop RefreshCycles | awk '{print $2}')
check "NetworkManager: 'vlan2 up' exits 0" timeout 10 "$HOOK" vlan2 up
c2=$(prop RefreshCycles | awk '{print $2}')
check "upstream up: RefreshNow ran (RefreshCycles $c1 -> $c2)" test "$c2" = $((c1 + 1))
check "NetworkManager: 'vlan10 dhcp4-change' exits 0" timeout 10 "$HOOK" vlan10 dhcp4-change
check "NetworkManager: 'eth7 up' (not ours) exits 0" timeout 10 "$HOOK" eth7 up
check "NetworkManager: 'vlan2 pre-up' (ignored action) exits 0" timeout 10 "$HOOK" vlan2 pre-up
c3=$(prop RefreshCycles | awk '{print $2}')
check "no RefreshNow for a downstream or foreign interface ($c2 -> $c3)" test "$c3" = "$c2"

# vlan30 is in the file but did not exist at start; it appears, networkd-dispatcher runs us.
check "vlan30 not in use yet" sh -c "! busctl --system get-property $BUS_NAME $BUS_PATH $BUS_IFACE DownstreamInterfaces | grep -q vlan30"
lab_exec rtr ip link add vlan30 type veth peer name vlan30p
lab_exec rtr ip addr add 198.18.3.1/24 dev vlan30
lab_exec rtr ip link set vlan30 up
lab_exec rtr ip link set vlan30p up
mkdir -p "$LAB_TMP/routable.d" "$LAB_TMP/off.d"
ln -s "$HOOK" "$LAB_TMP/routable.d/90-igmpproxy"
ln -s "$HOOK" "$LAB_TMP/off.d/90-igmpproxy"
check "networkd-dispatcher: routable.d with IFACE=vlan30 STATE=routable exits 0" \
        env IFACE=vlan30 STATE=routable AdministrativeState=configured OperationalState=routable \
        timeout 10 "$LAB_TMP/routable.d/90-igmpproxy"
check "RescanInterfaces took vlan30 into service" sh -c \
        "busctl --system get-property $BUS_NAME $BUS_PATH $BUS_IFACE DownstreamInterfaces | grep -q '\"vlan30\"'"
check "kernel VIF for vlan30" sh -c "ip netns exec $(lab_ns rtr) cat /proc/net/ip_mr_vif | grep -q vlan30"
lab_exec rtr ip link del vlan30
check "networkd-dispatcher: off.d with IFACE=vlan30 (no STATE: from the directory) exits 0" \
        env IFACE=vlan30 timeout 10 "$LAB_TMP/off.d/90-igmpproxy"
check "RescanInterfaces dropped the deleted vlan30" sh -c \
        "! busctl --system get-property $BUS_NAME $BUS_PATH $BUS_IFACE DownstreamInterfaces | grep -q vlan30"

lab_stop_proxy
lab_kill "${LAB_DECO_PID[deco1]}"
LAB_DECO_PID[deco1]=
lab_stop_upstream
t0=$(lab_now)
IFACE=vlan2 STATE=routable timeout 10 "$HOOK"
rc=$?
t1=$(lab_now)
check "hook after the daemon stopped: exit 0 ($rc) in < 1 s" awk -v a="$t0" -v b="$t1" -v rc="$rc" 'BEGIN{exit !(rc == 0 && b - a < 1)}'
CTL_ALONE=1 ctl_rc 3 "igmpproxyctl after the daemon stopped: exit 3" status

lab_done
