#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-filters.sh (e) - what the daemon forwards and what it reports upstream:
#  * a stream from the upstream subnet (198.18.0.1) and from the AltNet (198.18.100.1) is
#    forwarded, one from outside both (198.19.200.1) is not (same group);
#  * a blacklisted group (Blacklist=239.9.0.0/16 on the upstream) is never reported upstream and
#    never forwarded, although the emulated upstream streams it anyway (--static-group);
#  * a deco joining 224.0.0.251 (mDNS, link-local) never causes an upstream report for it.
# deco1 is an IGMPv2 host, deco2 an IGMPv3 host (one report, several records).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WATCH=8
lab_setup
deco_version deco1 2
deco_version deco2 3
lab_start_upstream --forget-after "$LAB_T" --source 198.18.0.1 --source 198.18.100.1 \
        --source 198.19.200.1 --static-group 239.9.0.5 --static-group 239.9.0.6
cfg=$(CFG_UP_EXTRA="Blacklist=239.9.0.0/16" lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group 239.0.5.185 --group 239.9.0.5 --group 224.0.0.251 --duration "$WATCH"
deco_join deco2 deco2 --group 239.0.5.186 --group 239.9.0.6 --group 224.0.0.251 --duration "$WATCH"
deco_wait deco1 $((WATCH + 20))
deco_wait deco2 10
lab_stop_proxy
lab_stop_upstream

for d in deco1:239.0.5.185:239.9.0.5:v2 deco2:239.0.5.186:239.9.0.6:v3; do
        IFS=: read -r DECO GROUP BLACK VER <<<"$d"
        export DECO GROUP BLACK
        check_py "$VER: $GROUP from 198.18.0.1 (upstream subnet) and 198.18.100.1 (AltNet) forwarded" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
src = d["sources"].get(G, {})
print({s: {"count": v["count"], "max_gap": v["max_gap"], "first_after_join": round(v["first"] - d["join_time"], 3)}
       for s, v in src.items()})
for s in ("198.18.0.1", "198.18.100.1"):
    assert s in src and src[s]["count"] > 0, "nothing from " + s
    assert src[s]["first"] - d["join_time"] < 1.0 and src[s]["n_gaps"] == 0, s
PY
        check_py "$VER: $GROUP from 198.19.200.1 (outside both) not forwarded" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
n = d["sources"].get(G, {}).get("198.19.200.1", {}).get("count", 0)
print("packets from 198.19.200.1:", n)
assert n == 0
PY
        check_py "$VER: blacklisted $BLACK not forwarded although the upstream streams it" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); B = os.environ["BLACK"]
print("packets of %s at the deco: %d" % (B, d["groups"][B]["count"]))
assert d["groups"][B]["count"] == 0
PY
done

check_py "neither the blacklisted groups nor 224.0.0.251 were ever reported upstream" <<'PY'
import labq
log = labq.upstream()
m = labq.igmp(log, src="198.18.0.2")
named = sorted({g for x in m for g in labq.groups_of(x)})
print("groups named by the daemon upstream:", named)
assert "224.0.0.251" not in named
assert not [g for g in named if g.startswith("239.9.")]
assert "239.0.5.185" in named and "239.0.5.186" in named
sent = [e for e in log if e.get("ev") == "exit"]
print("the upstream sent %s packets in all" % (sent[0]["sent"] if sent else "?"))
PY

lab_done
