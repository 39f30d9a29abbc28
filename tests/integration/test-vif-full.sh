#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-vif-full.sh - an interface that cannot get a VIF does not stop the daemon: with
# DefaultRole=downstream and 33 usable downstream interfaces (vlan10 and 31 veths) plus the
# upstream, the 34th interface finds the 32 VIFs (MAXVIFS) taken. The daemon (under
# tests/systemd/notify-harness.py, on the lab's private bus):
#  * starts anyway (READY=1) with 32 VIFs, logs the failure once, naming the interface;
#  * marks the interface left out as waiting: STATUS= says "waiting for NAME (no free VIF, ...)"
#    and ListInterfaces lists it with VIF -1 (igmpproxyctl: "waiting (no VIF)", JSON VIF null);
#  * serves the others (a deco's stream flows on vlan10);
#  * gives the waiting interface the VIF freed when another interface is deleted (the rescan
#    after the rtnetlink event), and STATUS= drops the waiting;
#  * leaves no VIF on SIGTERM.
# ~15 s.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

HARNESS=$LAB_REPO/tests/systemd/notify-harness.py
G=239.0.5.187
N_DUMMY=31

bus_start
lab_setup
lab_start_upstream --forget-after 300
for ((k = 0; k < N_DUMMY; k++)); do
        # veth pairs (no dummy module everywhere); the peer has no address, so it is not used.
        lab_exec rtr ip link add "d$k" type veth peer name "p$k" || lab_bail "cannot create veth d$k"
        lab_exec rtr ip addr add "198.19.$((k + 1)).1/24" dev "d$k"
        lab_exec rtr ip link set "p$k" up
        lab_exec rtr ip link set "d$k" up
done
cfg=$(CFG_PROXY_EXTRA="DefaultRole=downstream" lab_std_config igmpproxy.ini)

status() {
        py <<'PY'
import json, labq
st = [e["value"] for e in labq.load(labq.tmp("notify.jsonl")) if e.get("ev") == "notify" and e.get("key") == "STATUS"]
print(st[-1] if st else "")
PY
}
ready() { grep -q '"key": *"READY"' "$LAB_TMP/notify.jsonl" 2>/dev/null; }

lab_bg rtr "$LAB_TMP/igmpproxy.log" "$PYTHON" "$HARNESS" --timeout 90 --log "$LAB_TMP/notify.jsonl" \
        -- "$IGMPPROXY" "$cfg"
HPID=$LAB_LAST_PID
LAB_PROXY_LOG=$LAB_TMP/igmpproxy.log
for _ in $(seq 100); do
        ready && break
        kill -0 "$HPID" 2>/dev/null || break
        sleep 0.1
done
nvifs=$(lab_vifs | wc -l)
check "READY=1 with $nvifs VIFs (34 usable interfaces, 32 VIFs)" sh -c "grep -q READY '$LAB_TMP/notify.jsonl' && test '$nvifs' = 32"
vifs=" $(lab_vifs | tr '\n' ' ')"
check "vlan2 and vlan10 (named in the file) have theirs" test "${vifs#* vlan2 }" != "$vifs" -a "${vifs#* vlan10 }" != "$vifs"
LEFT=
for ((k = 0; k < N_DUMMY; k++)); do
        [ "${vifs#* d"$k" }" = "$vifs" ] && LEFT="$LEFT d$k"
done
LEFT=${LEFT# }
check "exactly one interface is left out: '$LEFT'" test -n "$LEFT" -a "${LEFT// /}" = "$LEFT"
errs=$(grep -c "cannot add a VIF" "$LAB_TMP/igmpproxy.log")
check "the failure is logged once, naming it ($errs line(s))" \
        sh -c "test '$errs' = 1 && grep 'cannot add a VIF' '$LAB_TMP/igmpproxy.log' | grep -q '^.*$LEFT (downstream): cannot add a VIF: .*skipped, waiting for it'"
diag "$(grep "cannot add a VIF" "$LAB_TMP/igmpproxy.log")"
st=$(status)
check "STATUS= marks it waiting: '$st'" grep -q "waiting for $LEFT (no free VIF, the kernel has 32)" <<<"$st"
out=$(timeout 10 "$IGMPPROXYCTL" interfaces 2>&1)
check "ListInterfaces (igmpproxyctl interfaces) lists it as waiting, without a VIF" \
        grep -Eq "^ *[0-9]+ $LEFT +downstream +198\.19\.[0-9]+\.1 +- +- +waiting \(no VIF\)" <<<"$out"
diag "$(grep -E "IDX|vlan|$LEFT " <<<"$out")"
timeout 10 "$IGMPPROXYCTL" interfaces --json=short >"$LAB_TMP/ifaces.json" 2>&1
export LEFT
check_py "... and in JSON with \"VIF\": null" <<'PY'
import json, os, labq
d = json.load(open(labq.tmp("ifaces.json")))
rows = [i for i in d["Interfaces"] if i["Name"] == os.environ["LEFT"]]
print(rows)
assert len(rows) == 1 and rows[0]["VIF"] is None and len(d["Interfaces"]) == 33
PY

deco_join deco1 deco1 --group "$G" --duration 30
ok=0
for _ in $(seq 100); do
        lab_exec rtr ip mroute show 2>/dev/null | grep -q "$G.*Oifs: vlan10" && { ok=1; break; }
        sleep 0.05
done
check "the others are served: the deco's stream flows on vlan10" test "$ok" = 1

# A VIF is freed: the waiting interface gets it at the rescan.
FREE=d0
[ "$LEFT" = d0 ] && FREE=d1
lab_exec rtr ip link del "$FREE"
for _ in $(seq 50); do
        vifs=" $(lab_vifs | tr '\n' ' ')"
        [ "${vifs#* "$LEFT" }" != "$vifs" ] && break
        sleep 0.1
done
check "$FREE deleted: $LEFT gets the freed VIF ($(lab_vifs | wc -l) VIFs)" test "${vifs#* "$LEFT" }" != "$vifs"
for _ in $(seq 20); do
        st=$(status)
        [[ $st != *"waiting for $LEFT"* ]] && break
        sleep 0.1
done
check "... STATUS= drops the waiting: '$st'" test "${st#*waiting for "$LEFT"}" = "$st"

kill -TERM "$HPID"
lab_wait_pid "$HPID" 10
check "SIGTERM: no VIF left" test -z "$(lab_vifs)"
lab_stop_upstream
lab_done
