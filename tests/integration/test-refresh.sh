#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-refresh.sh (a) - the Movistar+ workaround: with an upstream that never queries and forgets
# a group T=4 s after the last report, the daemon's periodic reports (every 1 s, IGMPv2) keep
# the streams flowing without a gap for 10 x T. A v2 deco watches 239.0.5.185, a v3 deco
# 239.0.5.186 at the same time. The daemon is stopped (SIGTERM) while both still watch: it must
# leave both groups upstream and stop forwarding.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

WATCH=$((10 * LAB_T + 2))
lab_setup
deco_version deco1 2
deco_version deco2 3
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"

deco_join deco1 deco1 --group 239.0.5.185 --duration $((WATCH + 3))
deco_join deco2 deco2 --group 239.0.5.186 --duration $((WATCH + 3))
sleep "$WATCH"
T_STOP=$(lab_now)
export T_STOP
lab_stop_proxy
deco_wait deco1 20
deco_wait deco2 20
lab_stop_upstream

for d in deco1:239.0.5.185:v2 deco2:239.0.5.186:v3; do
        IFS=: read -r DECO GROUP VER <<<"$d"
        export DECO GROUP
        check_py "$VER deco ($DECO) watches $GROUP >= 10 x T: no gap > 500 ms after the first packet" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]; T = float(os.environ["LAB_T"])
g = d["groups"][G]
stop = float(os.environ["T_STOP"])
if not g["count"]:
    labq.fail("no packet at all")
span = g["last"] - g["first"]
print("first packet %.3f s after the join, watched %.1f s, %d packets, max gap %.3f s, "
      "gaps > 500 ms: %s, last packet %.3f s before the daemon was stopped"
      % (g["join_latency"], span, g["count"], g["max_gap"], g["gaps"], stop - g["last"]))
assert g["join_latency"] < 1.0, "first packet too late"
assert span >= 10 * T, "watched less than 10 x T"
assert g["n_gaps"] == 0 and g["max_gap"] < 0.5
assert stop - g["last"] < 0.5, "the stream had stopped before the daemon was stopped"
PY
        check_py "$VER deco ($DECO): packet count plausible for 20 ms spacing, no loss" <<'PY'
import os, labq
d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
g = d["groups"][G]
src = d["sources"].get(G, {})
if not g["count"]:
    labq.fail("no packet at all")
expect = (g["last"] - g["first"]) / 0.020 + 1
print("count %d, expected about %.0f; by source: %s; lost (sequence numbers): %s"
      % (g["count"], expect, {s: v["count"] for s, v in src.items()},
         {s: v["lost"] for s, v in src.items()}))
assert list(src) == ["198.18.0.1"], "unexpected sources"
assert 0.95 * expect <= g["count"] <= 1.02 * expect
assert src["198.18.0.1"]["lost"] <= 0.01 * expect
PY
        check_py "upstream never forgot $GROUP while $DECO watched" <<'PY'
import os, labq
log = labq.upstream(); d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
ex = [e for e in labq.events(log, "expire", G) if d["join_time"] < e["t"] < float(os.environ["T_STOP"])]
print("expiries while watching:", [round(e["t"] - d["join_time"], 3) for e in ex])
assert not ex
PY
        check_py "refresh reports for $GROUP spaced about 1 s (IntervalSec=1)" <<'PY'
import os, labq
log = labq.upstream(); d = labq.summary(os.environ["DECO"]); G = os.environ["GROUP"]
r = [t for t in labq.reports(log, G, "198.18.0.2") if d["join_time"] + 3 < t < float(os.environ["T_STOP"])]
st = labq.stats(labq.intervals(r))
print("intervals between reports, from 3 s after the join:", labq.fmt(st))
assert st["n"] >= 30
assert 0.9 <= st["mean"] <= 1.1 and st["max"] <= 1.5 and st["min"] >= 0.5
PY
done

check_py "upstream heard only IGMPv2 reports from 198.18.0.2, all with TTL 1 and Router Alert" <<'PY'
import labq
m = labq.igmp(labq.upstream(), src="198.18.0.2")
kinds = {}
for x in m:
    kinds[x["type"]] = kinds.get(x["type"], 0) + 1
bad = [x for x in m if x["ttl"] != 1 or not x["ra"] or not x.get("csum_ok")]
groups = sorted({g for x in m for g in labq.groups_of(x)})
print("messages from 198.18.0.2 by type:", kinds, "groups:", groups)
if bad:
    print("bad TTL/RA/checksum:", bad[:3])
assert m and not bad
assert set(kinds) <= {"v2_report", "leave"}, "not only v2 reports (and leaves)"
assert groups == ["239.0.5.185", "239.0.5.186"]
PY

check_py "SIGTERM: the daemon left both groups upstream (v2 leaves) and stopped forwarding" <<'PY'
import os, labq
t = float(os.environ["T_STOP"])
lv = labq.igmp(labq.upstream(), src="198.18.0.2", type="leave")
got = sorted({x["group"] for x in lv if x["t"] >= t})
last = {n: labq.summary(n)["groups"][g]["last"] for n, g in (("deco1", "239.0.5.185"), ("deco2", "239.0.5.186"))}
print("leaves after SIGTERM:", got, "; last packet at the decos after SIGTERM (s):",
      {n: round(v - t, 3) if v else None for n, v in last.items()})
assert got == ["239.0.5.185", "239.0.5.186"]
assert all(v is not None and v - t < 1.0 for v in last.values())
PY

lab_done
