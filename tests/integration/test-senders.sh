#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-senders.sh - hosts sending on a downstream link (RFC 4605 4.2: a proxy forwards "packets
# received on any downstream interface to the upstream interface, and to each downstream
# interface other than the incoming interface based upon the downstream interfaces'
# subscriptions"). deco1 (vlan10) sends G with TTL 4 and G1 with TTL 1; deco3 (vlan20) listens to
# both, and so does a host on the upstream link (the UP namespace, on up0). Checks, with the
# default ForwardToUpstream=yes: the kernel's route of (198.18.1.11, G) arrives on vlan10 and
# leaves on vlan2 and vlan20; deco3 and the upstream host get G; the daemon logs the route as a
# sender's. Then the file gets ForwardToUpstream=no on vlan10 and the daemon reloads (SIGHUP):
# the route leaves on vlan20 only, deco3 keeps G without a gap, the upstream host gets nothing
# more. G1, sent with TTL 1, reaches neither (the kernel forwards a packet only if its TTL
# exceeds the VIF threshold, 1, and decrements it). The argument picks the LAN: plain (the lab's
# default bridges) or snooping (IGMP snooping bridges between the router and the hosts, as in
# most homes); meson runs both (downstream-senders, downstream-senders-snooping).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# Namespaces of this test: ipxsnd<PID><role> (lib.sh names them ipx<PID><role>).
LAB_PFX="ipxsnd$$"
diag "namespaces of this run: ${LAB_PFX}*"

G=239.0.7.1
G1=239.0.7.2
SRC=198.18.1.11
export G G1 SRC
case ${1:-plain} in
plain) opts=(--second-downstream) ;;
snooping) opts=(--second-downstream --snooping) ;;
*) lab_bail "usage: $0 plain|snooping" ;;
esac
export VARIANT=${1:-plain}

lab_setup "${opts[@]}"
# The upstream host hears a source it has no route back to (pitfall 3).
lab_sysctl up net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.up0.rp_filter=0
cfg=$(CFG_SECOND_DOWNSTREAM=1 lab_std_config senders.ini)
lab_start_proxy "$cfg" --log-target=console
check "vlan20 has its VIF too" grep -qw vlan20 <(lab_vifs)

# Listeners first (deco3's first report goes out at once), then the senders for 10 s.
deco_join deco3 deco3 --group "$G" --group "$G1" --duration 13
deco_join up up --iface up0 --group "$G" --group "$G1" --wire --duration 13
sleep 1.5
lab_bg deco1 "$LAB_TMP/src.stderr" "$PYTHON" "$LAB_DIR/mcast-src.py" --iface eth0 --source "$SRC" \
        --group "$G" --ttl 4 --interval-ms 20 --duration 10
src_pid=$LAB_LAST_PID
lab_bg deco1 "$LAB_TMP/src1.stderr" "$PYTHON" "$LAB_DIR/mcast-src.py" --iface eth0 --source "$SRC" \
        --group "$G1" --ttl 1 --interval-ms 20 --duration 10
src1_pid=$LAB_LAST_PID
sleep 4
lab_exec rtr ip mroute show >"$LAB_TMP/mroute.yes"

# ForwardToUpstream=no on vlan10, applied by a reload.
sed -i 's/^\[Interface vlan10\]$/&\nForwardToUpstream=no/' "$cfg"
lab_now >"$LAB_TMP/t.reload"
kill -HUP "$LAB_PROXY_PID"
sleep 4
lab_exec rtr ip mroute show >"$LAB_TMP/mroute.no"

lab_wait_pid "$src_pid" 10 || lab_kill "$src_pid"
lab_wait_pid "$src1_pid" 10 || lab_kill "$src1_pid"
deco_wait deco3 20
deco_wait up 20
lab_stop_proxy

check "$VARIANT: the route of ($SRC, $G) arrives on vlan10 and leaves on vlan2 and vlan20" \
        grep -Eq "^\($SRC, ?$G\) +Iif: vlan10 +Oifs: (vlan2 vlan20|vlan20 vlan2)( |$)" "$LAB_TMP/mroute.yes"
diag "$(cat "$LAB_TMP/mroute.yes")"
check "$VARIANT: the daemon logged it as a sender's route" \
        grep -q "Forwarding $G from $SRC, a sender on vlan10" "$LAB_PROXY_LOG"
check_py "$VARIANT: deco3 (vlan20) got $G from $SRC, without a gap through the reload" <<'PY'
import os, labq
d = labq.summary("deco3"); s = d["sources"].get(os.environ["G"], {}).get(os.environ["SRC"])
assert s, "nothing from the sender: %s" % d["sources"]
print("%d packets, max gap %.3f s, lost %d" % (s["count"], s["max_gap"], s["lost"]))
assert s["count"] > 300 and s["n_gaps"] == 0
PY
check_py "$VARIANT: the upstream host got $G from $SRC while ForwardToUpstream=yes" <<'PY'
import os, labq
t = float(open(labq.tmp("t.reload")).read())
s = labq.summary("up")["sources"].get(os.environ["G"], {}).get(os.environ["SRC"])
assert s, "nothing from the sender upstream"
print("%d packets, the first %.3f s and the last %.3f s before the reload" % (s["count"], t - s["first"], t - s["last"]))
assert s["count"] > 100 and s["last"] > t - 0.5
PY
check "$VARIANT: after the reload the route leaves on vlan20 only" \
        grep -Eq "^\($SRC, ?$G\) +Iif: vlan10 +Oifs: vlan20( |$)" "$LAB_TMP/mroute.no"
diag "$(cat "$LAB_TMP/mroute.no")"
check_py "$VARIANT: with ForwardToUpstream=no nothing more reached the upstream link" <<'PY'
import os, labq
t = float(open(labq.tmp("t.reload")).read())
d = labq.summary("up"); G = os.environ["G"]
s = d["sources"][G][os.environ["SRC"]]; w = d["wire"][G]
print("last packet %.3f s after the reload (socket), %.3f s (wire); sender ran ~6 s more" % (s["last"] - t, w["last"] - t))
assert s["last"] < t + 0.5 and w["last"] < t + 0.5
PY
check_py "$VARIANT: $G1 sent with TTL 1 crossed nothing" <<'PY'
import os, labq
G1 = os.environ["G1"]
n3 = labq.summary("deco3")["groups"][G1]["count"]; up = labq.summary("up")
print("deco3: %d, upstream host: %d (socket) %d (wire)" % (n3, up["groups"][G1]["count"], up["wire"][G1]["count"]))
assert n3 == 0 and up["groups"][G1]["count"] == 0 and up["wire"][G1]["count"] == 0
PY
lab_done
