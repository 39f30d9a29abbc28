#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-nonutf8.sh - an interface whose name is not valid UTF-8 (Linux allows any byte but '/',
# ':' and white space; D-Bus strings and JSON must be UTF-8). With DefaultRole=downstream the
# daemon serves "w<0xff>x" and a receiver on it; on the lab's private bus:
#  * ListInterfaces, ListGroups, ListMemberships, DownstreamInterfaces and Describe answer
#    (before: the whole reply failed), with the name written "w\xffx";
#  * igmpproxyctl interfaces, groups and group show it; GroupJoined is emitted for it;
#  * the daemon runs on.
# ~10 s.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.5.189
W=$'w\xffx'
ESC='w\xffx'

bus_start
lab_setup
lab_start_upstream --forget-after 300
lab_add_ns rx
RX=$(lab_ns rx)
lab_exec rtr ip link add "$W" type veth peer name eth0 netns "$RX" || lab_bail "cannot create the veth $ESC"
lab_exec rtr ip addr add 198.18.9.1/24 dev "$W"
lab_exec rtr ip link set "$W" up
ip -n "$RX" addr add 198.18.9.11/24 dev eth0
ip -n "$RX" link set eth0 up
lab_sysctl rtr "net.ipv4.conf.all.rp_filter=0"
lab_sysctl rx net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.force_igmp_version=2
cfg=$(CFG_PROXY_EXTRA="DefaultRole=downstream" lab_std_config igmpproxy.ini)

timeout 30 busctl --system monitor --match "type='signal',interface='$BUS_IFACE',member='GroupJoined'" \
        >"$LAB_TMP/monitor.txt" 2>&1 &
MON=$!
LAB_PIDS+=("$MON")
lab_start_proxy "$cfg"
check "bus name acquired" bus_wait_name 5
vifs=$(lab_vifs | tr '\n' ' ')
check "$ESC has a VIF: $(cat -v <<<"$vifs")" grep -q "$W" <<<"$vifs"
deco_join rx rx --group "$G" --duration 20
for _ in $(seq 60); do
        B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListGroups 2>/dev/null | grep -q "$G" && break
        sleep 0.1
done

out=$(B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListInterfaces 2>&1)
check "ListInterfaces answers, the name written $ESC" grep -qF "\"$ESC\"" <<<"${out//\\\\/\\}"
diag "$out"
out=$(B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListGroups 2>&1)
check "ListGroups answers: $G listened to on $ESC" grep -qF "$ESC" <<<"${out//\\\\/\\}"
diag "$out"
out=$(B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListMemberships 2>&1)
check "ListMemberships answers: $G's filter on $ESC" grep -qF "\"$ESC\" \"exclude\"" <<<"${out//\\\\/\\}"
diag "$out"
out=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" DownstreamInterfaces 2>&1)
check "DownstreamInterfaces answers: $out" grep -qF "$ESC" <<<"${out//\\\\/\\}"
B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" Describe --json=short >"$LAB_TMP/describe.json" 2>&1
check_py "Describe answers with valid JSON naming $ESC" <<'PY'
import json, labq
outer = json.load(open(labq.tmp("describe.json")))
d = json.loads(outer["data"][0])
print(d.get("DownstreamInterfaces"))
assert "w\\xffx" in d["DownstreamInterfaces"]
PY
out=$(timeout 10 "$IGMPPROXYCTL" interfaces 2>&1)
check "igmpproxyctl interfaces shows it" grep -qF "$ESC" <<<"$out"
out=$(timeout 10 "$IGMPPROXYCTL" groups 2>&1)
check "igmpproxyctl groups shows the group on it" grep -F "$G" <<<"$out"
diag "$out"
out=$(timeout 10 "$IGMPPROXYCTL" group "$G" 2>&1)
check "igmpproxyctl group $G shows its filter on $ESC" grep -qF "$ESC: any source" <<<"$out"
diag "$out"
sleep 0.3
check "GroupJoined was emitted for $G on $ESC" grep -qF "$ESC" <(sed 's/\\\\/\\/g' "$LAB_TMP/monitor.txt")
check "the daemon runs on" kill -0 "$LAB_PROXY_PID"
lab_stop_proxy
lab_stop_upstream
lab_done
