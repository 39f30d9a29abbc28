#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-bus-restart.sh - the system bus restarted under the running daemon (the lab's private
# dbus-daemon, stopped and started again on the same socket):
#  * the daemon logs the loss, keeps forwarding, and takes org.igmpproxy.Movistar again within
#    3 s of a quick restart, logging it;
#  * its signals resume on the new bus (GroupJoined for a new receiver) and igmpproxyctl works;
#  * after the bus stayed away for 3 s it also comes back (retries 1, 2, 4 ... s, quiet: one
#    warning per loss, no line per failed attempt).
# ~20 s.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G1=239.0.5.190
G2=239.0.5.191

bus_start
lab_setup
lab_start_upstream --forget-after 300
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
check "bus name acquired" bus_wait_name 5
deco_join deco1 deco1 --group "$G1" --duration 40
sleep 1

# ---- a quick restart
bus_stop
bus_launch
t0=$(lab_now)
ok=0
for _ in $(seq 60); do
        B status "$BUS_NAME" >/dev/null 2>&1 && { ok=1; break; }
        sleep 0.05
done
t1=$(lab_now)
check "dbus restarted: the name is back within 3 s ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s)" \
        awk -v ok="$ok" -v a="$t0" -v b="$t1" 'BEGIN{exit !(ok && b - a < 3)}'
check "the daemon logged the loss and the return" \
        sh -c "grep -q 'Lost the system bus' '$LAB_PROXY_LOG' && grep -q 'Acquired org.igmpproxy.Movistar on the system bus after' '$LAB_PROXY_LOG'"
diag "$(grep -E 'system bus' "$LAB_PROXY_LOG")"
check "the stream kept flowing" grep -q "$G1.*Oifs: vlan10" <(lab_exec rtr ip mroute show 2>/dev/null)
timeout 15 busctl --system monitor --match "type='signal',interface='$BUS_IFACE',member='GroupJoined'" \
        >"$LAB_TMP/monitor.txt" 2>&1 &
MON=$!
LAB_PIDS+=("$MON")
sleep 0.5
deco_join deco2 deco2 --group "$G2" --duration 20
for _ in $(seq 40); do
        grep -q "$G2" "$LAB_TMP/monitor.txt" && break
        sleep 0.1
done
check "signals resume: GroupJoined for $G2 on the new bus" grep -q "$G2" "$LAB_TMP/monitor.txt"
out=$(timeout 10 "$IGMPPROXYCTL" status 2>&1)
check "igmpproxyctl status works again" grep -q "Downstream: vlan10" <<<"$out"

# ---- the bus away for 3 s
n_warn=$(grep -c 'Lost the system bus' "$LAB_PROXY_LOG")
bus_stop
sleep 3
bus_launch
ok=0
for _ in $(seq 150); do
        B status "$BUS_NAME" >/dev/null 2>&1 && { ok=1; break; }
        sleep 0.05
done
check "away for 3 s: the name is back" test "$ok" = 1
check "... one more warning for that loss, no line per failed attempt" \
        test "$(grep -c 'Lost the system bus' "$LAB_PROXY_LOG")" = $((n_warn + 1)) -a \
        "$(grep -c 'Failed to connect to the system bus' "$LAB_PROXY_LOG")" = 0
check "the daemon runs on" kill -0 "$LAB_PROXY_PID"
lab_stop_proxy
lab_stop_upstream
lab_done
