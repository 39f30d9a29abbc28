#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-frr.sh - the daemon's upstream side against an IGMP router nobody here wrote (issue 10):
# FRR's pimd is the querier on the upstream link (query interval 2 s, max response 1 s, QRV 2:
# it forgets a group 5 s after the last report), a stream reaches the set-top box only while FRR
# lists the group (frr_gate), and tshark decodes every message on the link. Cases:
#   r2f2 r3f2 r2f3 r3f3   ReportVersion=2|3 behind FRR IGMPv2|v3, Enabled=no (answers only): FRR
#                         lists the group, the deco keeps the picture, our reports are in FRR's
#                         version when it is older (RFC 3376 7.2.1), v3 records are
#                         CHANGE_TO_EXCLUDE (join), MODE_IS_EXCLUDE (answers), CHANGE_TO_INCLUDE
#                         (leave); the leave is accepted (FRR drops the group).
#   auto                  Enabled=auto, IntervalSec=4 (longer than FRR's query interval + max
#                         response, shorter than its 5 s membership interval): no report of ours
#                         but answers while FRR queries; then FRR's queries are dropped (nftables
#                         in its namespace): FRR never drops the group, the picture never stops.
#   yes                   Enabled=yes, IntervalSec=2 behind FRR v2 with ReportVersion=3: refreshes
#                         as well as answers, all in v2, FRR never drops the group.
# First, with no FRR: hand-made queries with TTL 64, without Router Alert and from an off-link
# source are dropped or ignored and counted (D-Bus). In every case, 2 s after the join, the daemon's view of the querier on D-Bus and in
# igmpproxyctl status (a private bus, bus-lib.sh): FRR's address, version, QRV and query
# interval, the version our reports use, and the queries FRR sends from the two off-link /32s
# of up0 counted as QueriesFromOffLink.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=frr-lib.sh
. "$(dirname "$0")/frr-lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.7.2
export G
lab_setup
bus_start

# probe_bus NAME: the daemon's D-Bus view of the upstream querier, as JSON in $LAB_TMP/bus-NAME.json,
# and igmpproxyctl status in $LAB_TMP/status-NAME.txt.
probe_bus() {
        local p out="{"
        for p in UpstreamQuerier UpstreamQuerierVersion UpstreamQuerierRobustness \
                UpstreamQuerierIntervalUSec UpstreamQuerierLastHeardUSec UpstreamReportVersion \
                UpstreamQuerierSeen QueriesFromOffLink QueriesWithoutRouterAlert PacketsBadTTL; do
                out+="\"$p\": $(B --json=short get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" "$p" |
                        "$PYTHON" -c 'import json, sys; print(json.dumps(json.load(sys.stdin)["data"]))'), "
        done
        printf '%s"now": %s}\n' "$out" "$(lab_now)" >"$LAB_TMP/bus-$1.json"
        "$IGMPPROXYCTL" status >"$LAB_TMP/status-$1.txt" 2>&1
}

# run_case NAME FRR_VERSION REPORT_VERSION REFRESH WATCH_S [SILENCE_AFTER_S] (IVL: IntervalSec, 2)
run_case() {
        local name=$1 fv=$2 rv=$3 mode=$4 watch=$5 silence=${6:-}
        local cfg
        frr_start "$fv" 2 10
        cfg=$(CFG_REFRESH=$mode CFG_REPORT_VERSION=$rv CFG_REFRESH_INTERVAL=${IVL:-2} CFG_REFRESH_DELAY=1 \
                CFG_REFRESH_EXTRA="SpreadSec=0" lab_std_config "$name.ini")
        cap_start "cap-$name"
        frr_gate "$LAB_TMP/frr-$name.jsonl" "$G"
        lab_start_proxy "$cfg"
        bus_wait_name 5 || fail "$name: the daemon owns $BUS_NAME"
        # FRR queries at once and every 2 s: the daemon has heard it before the deco joins.
        sleep 2.5
        T_JOIN=$(lab_now)
        deco_join deco1 "deco-$name" --group "$G" --duration "$watch"
        sleep 2
        probe_bus "$name"
        T_SILENCE=
        if [ -n "$silence" ]; then
                sleep "$((silence - 2))"
                T_SILENCE=$(lab_now)
                frr_silence
        fi
        deco_wait deco1 $((watch + 20))
        T_LEAVE=$(lab_now)
        sleep 3
        T_END=$(lab_now)
        if [ -n "$silence" ]; then
                diag "$name: FRR queries dropped by nftables: $(frr_dropped)"
                frr_unsilence
        fi
        lab_stop_proxy
        lab_proxy_keep_log "igmpproxy-$name.log"
        frr_group_log_stop
        cap_stop "cap-$name"
        frr_stop
        cap_igmp "cap-$name" >"$LAB_TMP/cap-$name.jsonl"
        export NAME=$name FV=$fv RV=$rv MODE=$mode T_JOIN T_LEAVE T_SILENCE T_END

        check_py "$name: FRR (IGMPv$fv) lists $G from the join until the leave, never drops it; the deco keeps the picture" <<'EOF'
import os, labq
G, N = os.environ["G"], os.environ["NAME"]
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
s = [x for x in labq.load(labq.tmp("frr-%s.jsonl" % N)) if "groups" in x]
first = min((x["t"] for x in s if x["t"] > tj and G in x["groups"]), default=None)
held = [x for x in s if first is not None and first <= x["t"] < tl - 0.3]
missing = [round(x["t"] - tj, 3) for x in held if G not in x["groups"]]
g = labq.summary("deco-" + N)["groups"][G]
print("FRR listed the group %s s after the join; %d samples until the leave, missing in: %s; "
      "versions %s" % (None if first is None else round(first - tj, 3), len(held), missing,
                       sorted({str(x["groups"][G]) for x in held if G in x["groups"]})))
print("deco: first packet %s s after the join, %d packets, max gap %.3f s, gaps > 0.5 s: %s"
      % (g["join_latency"], g["count"], g["max_gap"], g["gaps"]))
assert first is not None and first - tj < 1.5, "FRR never / late listed the group"
assert held and not missing, "FRR dropped the group"
assert g["count"] and g["join_latency"] < 1.5 and g["n_gaps"] == 0
EOF

        check_py "$name: tshark: our messages TTL 1, Router Alert, in the version RFC 3376 7.2.1 asks; the leave is accepted" <<'EOF'
import os, labq
G, N = os.environ["G"], os.environ["NAME"]
fv, rv = int(os.environ["FV"]), int(os.environ["RV"])
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
m = labq.load(labq.tmp("cap-%s.jsonl" % N))
ours = [x for x in m if x["src"] == "198.18.0.2" and x["t"] > tj - 0.2]
want = min(fv, rv)
kinds = {}
for x in ours:
    kinds[(x["type"], x["version"])] = kinds.get((x["type"], x["version"]), 0) + 1
print("our messages since the join (type, version): count", kinds)
assert ours and all(x["ttl"] == 1 and x["ra"] for x in ours)
types = {2: {"v2_report", "leave"}, 3: {"v3_report"}}[want]
assert {x["type"] for x in ours} <= types, "reports in the wrong version"
s = [x for x in labq.load(labq.tmp("frr-%s.jsonl" % N)) if "groups" in x]
gone = min((x["t"] for x in s if x["t"] > tl and G not in x["groups"]), default=None)
print("FRR dropped the group %s s after the deco left" % (None if gone is None else round(gone - tl, 3)))
assert gone is not None and gone - tl < 3.0
EOF

        check_py "$name: D-Bus and igmpproxyctl status show FRR as the querier, our report version, the off-link queries" <<'EOF'
import json, os, labq
N, fv, rv = os.environ["NAME"], int(os.environ["FV"]), int(os.environ["RV"])
b = json.load(open(labq.tmp("bus-%s.json" % N)))
st = open(labq.tmp("status-%s.txt" % N)).read()
print(json.dumps(b, sort_keys=True))
print("".join(l for l in st.splitlines(True) if "pstream" in l))
assert b["UpstreamQuerier"] == "198.18.0.1" and b["UpstreamQuerierVersion"] == fv
assert b["UpstreamReportVersion"] == min(fv, rv)
if fv == 3:
    assert b["UpstreamQuerierRobustness"] == 2 and b["UpstreamQuerierIntervalUSec"] == 2000000
assert 0 < b["now"] * 1e6 - b["UpstreamQuerierLastHeardUSec"] < 2.5e6
assert b["UpstreamQuerierSeen"] is True
assert b["QueriesFromOffLink"] > 0, "FRR also queries from 198.18.100.1 and 198.19.200.1"
assert b["QueriesWithoutRouterAlert"] == 0 and b["PacketsBadTTL"] == 0
assert "Upstream querier: 198.18.0.1, IGMPv%d" % fv in st
assert "Upstream reports: IGMPv%d" % min(fv, rv) in st
EOF

        if [ "$fv" = 3 ] && [ "$rv" = 3 ]; then
                check_py "$name: tshark: join CHANGE_TO_EXCLUDE, answers and refreshes MODE_IS_EXCLUDE, leave CHANGE_TO_INCLUDE" <<'EOF'
import os, labq
G, N = os.environ["G"], os.environ["NAME"]
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
m = labq.load(labq.tmp("cap-%s.jsonl" % N))
recs = [(x["t"], r[0]) for x in m if x["src"] == "198.18.0.2" and x["type"] == "v3_report"
        for r in x["records"] if r[1] == G]
by = {}
for t, r in recs:
    by.setdefault(r, []).append(round(t - tj, 3))
print("records for %s by type (s after the join):" % G, by)
assert set(by) == {"CHANGE_TO_EXCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE"}, "record types"
assert len(by["CHANGE_TO_EXCLUDE"]) == 2 and max(by["CHANGE_TO_EXCLUDE"]) < 1.2
assert len(by["CHANGE_TO_INCLUDE"]) == 2 and min(by["CHANGE_TO_INCLUDE"]) > tl - tj - 0.5
assert all(0 < t < tl - tj + 0.2 for t in by["MODE_IS_EXCLUDE"])
EOF
        fi
}

# check_spacing NAME INTERVAL: our reports of G at most IntervalSec + SpreadSec (0) + 1 s apart.
check_spacing() {
        export MAXGAP=$(($2 + 1))
        check_py "$1: our reports of $G never more than IntervalSec + SpreadSec + 1 s = $MAXGAP s apart" <<'EOF'
import os, labq
G, N = os.environ["G"], os.environ["NAME"]
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
m = labq.load(labq.tmp("cap-%s.jsonl" % N))
t = [x["t"] for x in m if x["src"] == "198.18.0.2" and tj - 0.1 < x["t"] < tl - 0.1 and
     (x.get("group") == G and x["type"] != "leave" or any(r[1] == G and r[0] != "CHANGE_TO_INCLUDE" for r in x.get("records", [])))]
st = labq.stats(labq.intervals(t))
print("intervals between our reports:", labq.fmt(st))
assert st["n"] >= 3 and st["max"] <= float(os.environ["MAXGAP"])
EOF
}

# Validation on the wire, before FRR runs: hand-made v2 queries from UP with TTL 64, without
# Router Alert, and from an off-link source; none of them is the upstream querier.
cfg=$(lab_std_config validate.ini)
lab_start_proxy "$cfg"
bus_wait_name 5 || fail "validate: the daemon owns $BUS_NAME"
for q in "--src 198.18.0.1 --ttl 64" "--src 198.18.0.1 --no-ra" "--src 198.19.200.1"; do
        # shellcheck disable=SC2086
        lab_exec up "$PYTHON" "$LAB_DIR/frr-pcap.py" query --iface up0 $q
done
sleep 0.5
probe_bus validate
lab_stop_proxy
check_py "validate: TTL 64 dropped, no Router Alert and off-link queries ignored, all counted; no querier" <<'EOF'
import json, labq
b = json.load(open(labq.tmp("bus-validate.json")))
print(json.dumps(b, sort_keys=True))
assert b["PacketsBadTTL"] == 1 and b["QueriesWithoutRouterAlert"] == 1 and b["QueriesFromOffLink"] == 1
assert b["UpstreamQuerier"] == "" and b["UpstreamQuerierSeen"] is False and b["UpstreamQuerierLastHeardUSec"] == 0
EOF

for c in "r2f2 2 2" "r3f2 2 3" "r2f3 3 2" "r3f3 3 3"; do
        read -r n fv rv <<<"$c"
        run_case "$n" "$fv" "$rv" no 8
done

# auto: 6 s with FRR querying, then 12 s (more than twice FRR's 5 s membership interval) without.
IVL=4 run_case auto 3 3 auto 18 6
check_py "auto: while FRR queried, every report of ours answers a query (no own refresh)" <<'EOF'
import os, labq
G = os.environ["G"]
tj, ts = float(os.environ["T_JOIN"]), float(os.environ["T_SILENCE"])
m = labq.load(labq.tmp("cap-auto.jsonl"))
q = [x["t"] for x in m if x["type"] == "query" and x["src"] == "198.18.0.1"]
ans = [x["t"] for x in m if x["src"] == "198.18.0.2" and tj + 1.5 < x["t"] < ts and
       any(r == ["MODE_IS_EXCLUDE", G] for r in x.get("records", []))]
lag = [round(t - max([u for u in q if u <= t], default=-1e9), 3) for t in ans]
print("our current-state reports while FRR queried: %d, each after the last query by %s s" % (len(ans), lag))
assert ans and all(0 <= x <= 1.1 for x in lag)
EOF
check_py "auto: FRR silenced: no query on the wire, our refresh took over, FRR kept the group" <<'EOF'
import os, labq
G = os.environ["G"]
ts, tl = float(os.environ["T_SILENCE"]), float(os.environ["T_LEAVE"])
m = labq.load(labq.tmp("cap-auto.jsonl"))
q = [x["t"] for x in m if x["type"] == "query" and ts + 0.1 < x["t"] < tl]
ours = [round(x["t"] - ts, 3) for x in m if x["src"] == "198.18.0.2" and ts < x["t"] < tl - 0.1]
print("queries while silenced: %d; our reports (s into the silence): %s" % (len(q), ours))
assert not q and len(ours) >= 2
EOF
check_spacing auto 4

run_case yes 2 3 yes 10
check_spacing yes 2
check_py "yes: refreshes between FRR's queries, all IGMPv2" <<'EOF'
import os, labq
G = os.environ["G"]
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
m = labq.load(labq.tmp("cap-yes.jsonl"))
q = [x["t"] for x in m if x["type"] == "query" and x["src"] == "198.18.0.1"]
ours = [x["t"] for x in m if x["src"] == "198.18.0.2" and x["type"] == "v2_report" and tj + 1.5 < x["t"] < tl]
own = [t for t in ours if not any(0 <= t - u <= 1.1 for u in q)]
print("our v2 reports: %d, of which %d not right after a query" % (len(ours), len(own)))
assert own
EOF

lab_done
