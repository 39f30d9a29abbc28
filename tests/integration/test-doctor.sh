#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-doctor.sh - igmpproxyctl doctor against a working lab router broken on purpose, one fault
# at a time, each undone before the next: a healthy router gives exit 0 with no warn/fail line;
# then strict rp_filter on the upstream (with the sources' route through another link), Threshold=
# above the stream's TTL, an nft rule dropping IGMP, AltNet= missing, the upstream without an
# address, the daemon running without its bus name (--no-bus), and the multicast routing socket
# held by another process (daemon stopped): each must
# give exit 1 and a "fail" on the check that names it (--json, checked by name), and --json must
# agree with the text output; run as uid 65534 on the healthy lab it skips what needs root and
# still exits 0. The stream comes from 198.18.100.1, a source reached through AltNet=.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.7.10
G2=239.0.7.20
CTL=$IGMPPROXYCTL
SRC=198.18.100.1
export G G2 SRC
[ -x "$CTL" ] || lab_bail "igmpproxyctl not found: $CTL"
command -v nft >/dev/null || { echo "1..0 # SKIP needs nft (tests/deps.sh)"; exit 77; }

bus_start
lab_setup
lab_start_upstream --forget-after "$LAB_T" --source "$SRC"
cfg=$(lab_std_config igmpproxy.ini)
RTR=$(lab_ns rtr)

# doctor NAME: runs doctor in the router's namespace (text and --json), keeps both outputs and
# the exit status in $LAB_TMP/NAME.{txt,json,rc}.
doctor() {
        local rc
        timeout 20 ip netns exec "$RTR" "$CTL" doctor >"$LAB_TMP/$1.txt" 2>&1
        echo $? >"$LAB_TMP/$1.rc"
        timeout 20 ip netns exec "$RTR" "$CTL" doctor --json=short >"$LAB_TMP/$1.json" 2>"$LAB_TMP/$1.jerr"
        rc=$?
        echo "$rc" >>"$LAB_TMP/$1.rc"
        diag "$(cat "$LAB_TMP/$1.txt")"
}
# expect_fail NAME CHECK TEXT: both runs exit 1, CHECK is "fail" in both, the JSON result is fail.
expect_fail() {
        NAME=$1 CHECK=$2 check_py "$3: doctor exits 1 and names '$2' as fail" <<'PY'
import json, os
t, n, c = os.environ["LAB_TMP"], os.environ["NAME"], os.environ["CHECK"]
rc = open(f"{t}/{n}.rc").read().split()
txt = open(f"{t}/{n}.txt").read().splitlines()
d = json.loads(open(f"{t}/{n}.json").read())
res = {x["Check"]: x["Result"] for x in d["Checks"]}
line = [l for l in txt if l.split()[1:2] == [c]]
print("exit", rc, "json:", res[c], "line:", line)
assert rc == ["1", "1"], rc
assert res[c] == "fail" and d["Result"] == "fail"
assert line and line[0].startswith("fail") and " Fix: " in line[0]
fix = [x["Fix"] for x in d["Checks"] if x["Check"] == c][0]
assert fix and len(fix) > 20
PY
}

lab_start_proxy "$cfg"
check "bus name acquired" bus_wait_name 5
deco_join deco1 deco1 --group "$G" --duration 120
# The stream must be forwarded before the doctor looks (bounded: 10 s).
for ((i = 0; i < 100; i++)); do
        # shellcheck disable=SC2016 # awk's own $4
        lab_exec rtr awk 'NR > 1 && $4 > 20 { f = 1 } END { exit !f }' /proc/net/ip_mr_cache && break
        sleep 0.1
done

# ---- healthy
doctor healthy
check_py "healthy lab: exit 0, every check ok or skip, text and JSON agree" <<'PY'
import json, os
t = os.environ["LAB_TMP"]
rc = open(t + "/healthy.rc").read().split()
d = json.loads(open(t + "/healthy.json").read())
txt = open(t + "/healthy.txt").read().splitlines()
res = {x["Check"]: x["Result"] for x in d["Checks"]}
print("exit", rc, res)
assert rc == ["0", "0"] and d["Result"] == "ok"
assert all(v in ("ok", "skip") for v in res.values())
for k in ("daemon", "mroute", "upstream", "rp-filter", "altnet", "ttl-threshold", "reports", "forwarding", "firewall"):
    assert res[k] == "ok", k
assert [l.split()[1] for l in txt] == [x["Check"] for x in d["Checks"]]
PY

# ---- healthy, as a plain user: the root-only checks are skipped, nothing fails
timeout 20 ip netns exec "$RTR" setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" doctor \
        >"$LAB_TMP/nobody.txt" 2>&1
rc=$?
diag "$(cat "$LAB_TMP/nobody.txt")"
check "healthy lab, doctor as uid 65534: exit 0 ($rc), the firewall check skipped (not readable)" \
        sh -c "[ $rc = 0 ] && grep -q '^skip firewall .*not readable' '$LAB_TMP/nobody.txt' &&
               ! grep -Eq '^(warn|fail)' '$LAB_TMP/nobody.txt'"

# ---- 1. strict rp_filter on the upstream; the sources' network routed through the LAN side
ip -n "$RTR" route replace 198.18.100.0/24 via 198.18.1.11 dev vlan10
lab_sysctl rtr net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.vlan2.rp_filter=1
sleep 0.5
doctor rpf
expect_fail rpf rp-filter "strict rp_filter"
check "the line says strict and names the source" grep -q "rp_filter is strict on vlan2 .*$SRC" "$LAB_TMP/rpf.txt"
lab_sysctl rtr net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vlan2.rp_filter=0
ip -n "$RTR" route replace 198.18.100.0/24 via 198.18.0.1 dev vlan2

# ---- 2. Threshold= above the stream's TTL (16): the reload re-creates vlan10's VIF with it
sed 's/^\[Interface vlan10\]$/&\nThreshold=32/' "$cfg" >"$LAB_TMP/threshold.ini"
cp "$cfg" "$LAB_TMP/good.ini"
cp "$LAB_TMP/threshold.ini" "$cfg"
check "reload with Threshold=32 on vlan10" timeout 10 "$CTL" reload
for ((i = 0; i < 100; i++)); do
        lab_exec rtr grep -q ':32' /proc/net/ip_mr_cache && break
        sleep 0.1
done
doctor ttl
expect_fail ttl ttl-threshold "Threshold=32 above TTL 16"
check "the line names vlan10 and threshold 32" grep -q "none leave on vlan10: .*threshold 32" "$LAB_TMP/ttl.txt"
cp "$LAB_TMP/good.ini" "$cfg"
check "reload back to the good configuration" timeout 10 "$CTL" reload

# ---- 3. an nft rule dropping IGMP input
ip netns exec "$RTR" nft -f - <<'NFT'
table inet ipxdoctor {
        chain input {
                type filter hook input priority 0; policy accept;
                ip protocol igmp drop
        }
}
NFT
doctor nft
expect_fail nft firewall "nft rule dropping IGMP"
check "the line quotes the rule" grep -q "ip protocol igmp drop" "$LAB_TMP/nft.txt"
ip netns exec "$RTR" nft delete table inet ipxdoctor

# ---- 4. AltNet= missing: a stream from 198.18.100.1 is refused
sed '/^AltNet=/d' "$LAB_TMP/good.ini" >"$cfg"
check "reload without AltNet=" timeout 10 "$CTL" reload
lab_bg up "$LAB_TMP/src.stderr" "$PYTHON" "$LAB_DIR/mcast-src.py" --iface up0 --source "$SRC" --group "$G2" \
        --duration 20
SRC_PID=$LAB_LAST_PID
# The deco's own stream (G, same source) may be refused first: wait, bounded, for G2's.
for ((i = 0; i < 50; i++)); do
        busctl --system get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RejectedStreams >"$LAB_TMP/rejected" 2>&1
        grep -q "\"$SRC\" \"$G2\"" "$LAB_TMP/rejected" && break
        sleep 0.1
done
v=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" StreamsRejected 2>/dev/null | awk '{print $2}')
check "StreamsRejected counts the refused stream ($v)" test "${v:-0}" -gt 0
diag "RejectedStreams: $(cat "$LAB_TMP/rejected")"
check "RejectedStreams lists $SRC for $G2" grep -q "\"$SRC\" \"$G2\"" "$LAB_TMP/rejected"
doctor altnet
expect_fail altnet altnet "AltNet= missing"
check "the line names the source and the group" grep -q "$SRC for $G2" "$LAB_TMP/altnet.txt"
lab_kill "$SRC_PID"
cp "$LAB_TMP/good.ini" "$cfg"
check "reload back to the good configuration" timeout 10 "$CTL" reload

# ---- 5. the upstream without an address
ip -n "$RTR" addr flush dev vlan2
for ((i = 0; i < 50; i++)); do
        [ -z "$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" UpstreamInterface | sed 's/^s "\(.*\)"$/\1/')" ] && break
        sleep 0.1
done
doctor noaddr
expect_fail noaddr upstream "upstream without an address"
check "the line says vlan2 has no IPv4 address" grep -q "vlan2 has no IPv4 address" "$LAB_TMP/noaddr.txt"
ip -n "$RTR" addr add 198.18.0.2/24 dev vlan2
lab_rtr_upstream_routes

# ---- an upstream querier heard: not a fault; doctor names it, its version (and its interval when
# the query carries one: an IGMPv2 query does not), and the version we answer in
lab_stop_upstream
lab_start_upstream --forget-after "$LAB_T" --source "$SRC" --query-interval 1 --query-version 2
sleep 2.5
doctor querier
check "querier heard: named with its address, version and interval, and our report version" \
        grep -q "^ok   querier .*A querier was heard (198.18.0.1, IGMPv2; we report in IGMPv2)" \
        "$LAB_TMP/querier.txt"
lab_stop_upstream
lab_start_upstream --forget-after "$LAB_T" --source "$SRC"

# ---- 6. the daemon runs without its bus name (--no-bus)
lab_stop_proxy
lab_start_proxy "$cfg" --no-bus
doctor nobus
expect_fail nobus daemon "igmpproxy running without its bus name"
check "the line says it runs with its pid, and mroute is ok" sh -c \
        "grep -q '^fail daemon .*igmpproxy runs (pid $LAB_PROXY_PID) without its bus name' '$LAB_TMP/nobus.txt' &&
         grep -q '^ok   mroute .*igmpproxy (pid $LAB_PROXY_PID)' '$LAB_TMP/nobus.txt'"

# ---- 7. another process holds the multicast routing socket (the daemon cannot start)
lab_stop_proxy
lab_bg rtr "$LAB_TMP/holder.log" "$PYTHON" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
s.setsockopt(socket.IPPROTO_IP, 200, 1)  # MRT_INIT
print("holding", flush=True)
time.sleep(30)'
HOLDER=$LAB_LAST_PID
for ((i = 0; i < 50; i++)); do grep -q holding "$LAB_TMP/holder.log" && break; sleep 0.1; done
doctor mrt
expect_fail mrt mroute "MRT_INIT held by another process"
check "and the daemon is reported as not running" grep -q "^fail daemon" "$LAB_TMP/mrt.txt"
lab_kill "$HOLDER"
doctor free
check "with the holder gone: mroute ok again" grep -q "^ok   mroute" "$LAB_TMP/free.txt"

lab_done
