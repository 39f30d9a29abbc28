#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-carrier.sh - carrier (IFF_LOWER_UP) on the upstream link: the ISP's side of vlan2 (up0)
# goes down for 1.5 s and comes back, as when the ONT reboots or the cable is pulled; vlan2 stays
# administratively up with its address, only its carrier goes. With the refresh cycle 100 s away,
# the daemon:
#  * logs "vlan2: carrier lost" and "vlan2: carrier back";
#  * reports the joined group upstream within 1 s of the carrier coming back (as after an
#    address change), not at the next refresh cycle;
#  * sends nothing extra on other link events (a downstream carrier flap sends no report
#    upstream).
# ~12 s.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G=239.0.5.188
lab_setup
lab_start_upstream --forget-after 300
cfg=$(CFG_REFRESH_DELAY=100 CFG_REFRESH_INTERVAL=100 lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group "$G" --duration 30
# The join and its robustness repeat, then quiet until the refresh 100 s later.
sleep 3
lab_now >"$LAB_TMP/t.down"
ip -n "$(lab_ns up)" link set up0 down
sleep 1.5
lab_now >"$LAB_TMP/t.up"
ip -n "$(lab_ns up)" link set up0 up
sleep 2
# A downstream carrier flap (the deco's bridge port): nothing to report upstream for it.
lab_now >"$LAB_TMP/t.down2"
ip -n "$(lab_ns sw)" link set prtr10 down
sleep 0.5
ip -n "$(lab_ns sw)" link set prtr10 up
sleep 2
lab_now >"$LAB_TMP/t.end"
check "the daemon logged the carrier lost and back on vlan2" \
        sh -c "grep -q 'vlan2: carrier lost' '$LAB_PROXY_LOG' && grep -q 'vlan2: carrier back' '$LAB_PROXY_LOG'"
diag "$(grep carrier "$LAB_PROXY_LOG")"
check_py "carrier back: $G reported upstream within 1 s (the refresh is 100 s away)" <<'PY'
import labq
tu = float(open(labq.tmp("t.up")).read()); td = float(open(labq.tmp("t.down")).read())
r = [x["t"] - tu for x in labq.igmp(labq.upstream(), src="198.18.0.2", type="v2_report")
     if x["group"] == "239.0.5.188" and x["t"] > td]
print("reports for the group after the carrier went down, s after it came back: %s" % [round(x, 3) for x in r])
assert r and 0 <= r[0] < 1.0
PY
check_py "a downstream carrier flap sends nothing upstream" <<'PY'
import labq
t0 = float(open(labq.tmp("t.down2")).read()); t1 = float(open(labq.tmp("t.end")).read())
r = [round(x["t"] - t0, 3) for x in labq.igmp(labq.upstream(), src="198.18.0.2") if t0 < x["t"] < t1]
print("IGMP from the proxy upstream during the downstream flap: %s" % r)
assert not r
PY
lab_stop_proxy
lab_stop_upstream
lab_done
