#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-frr-selftest.sh - checks the FRR lab (frr-lib.sh) against the Linux kernel's own IGMP
# host, without the daemon: the router namespace joins a group on vlan2 itself (deco.py
# --iface vlan2, force_igmp_version=0: the kernel follows the querier it hears). For FRR's
# pimd as an IGMPv3 and then an IGMPv2 querier it checks that
#   - FRR lists the group, in the kernel's version, while the host is a member;
#   - tshark decodes what the kernel sends: v3 state-change records on join (CHANGE_TO_EXCLUDE)
#     and leave (CHANGE_TO_INCLUDE), current-state records (MODE_IS_EXCLUDE) in the answers to
#     FRR's general queries; v2 reports and a v2 leave behind the v2 querier (RFC 3376 7.2.1);
#   - frr_silence stops FRR's queries on the wire without touching its state, and FRR then
#     forgets the group one group membership interval after the last report.
# FRR queries from every address of up0 (198.18.0.1 and the two /32s of lib.sh), so the
# proxy hears queries from off-link sources too.
# These are the reference behaviours the daemon's own FRR tests (test-frr.sh) hold it to.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=frr-lib.sh
. "$(dirname "$0")/frr-lib.sh"

G=239.0.7.1
lab_setup
lab_sysctl rtr net.ipv4.conf.vlan2.igmpv2_unsolicited_report_interval=100 \
        net.ipv4.conf.vlan2.igmpv3_unsolicited_report_interval=100 \
        net.ipv4.conf.vlan2.force_igmp_version=0

for V in 3 2; do
        export V
        frr_start "$V" 2 10
        cap_start "cap$V"
        frr_group_log "$LAB_TMP/groups$V.jsonl" 0.2
        # Let the kernel hear a query of this version first (its compatibility mode).
        sleep 2.5
        T_JOIN=$(lab_now)
        lab_bg rtr "$LAB_TMP/host$V.stderr" "$PYTHON" "$LAB_DIR/deco.py" --iface vlan2 --group "$G" \
                --duration 15 --out "$LAB_TMP/host$V.json"
        HOST=$LAB_LAST_PID
        sleep 3
        T_SILENCE=$(lab_now)
        frr_silence
        sleep 8
        T_UNSILENCE=$(lab_now)
        frr_unsilence
        lab_wait_pid "$HOST" 15
        T_LEAVE=$(lab_now)
        sleep 3.5
        export T_JOIN T_LEAVE T_SILENCE T_UNSILENCE
        cap_stop "cap$V"
        frr_group_log_stop
        frr_stop
        cap_igmp "cap$V" >"$LAB_TMP/cap$V.jsonl"

        check_py "v$V: FRR listed $G while the host was a member, in IGMPv$V" <<'EOF'
import json, os, labq
V = os.environ["V"]; G = "239.0.7.1"
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
s = labq.load(labq.tmp("groups%s.jsonl" % V))
ts = float(os.environ["T_SILENCE"])
during = [x for x in s if tj + 1.0 < x["t"] < ts]
listed = [x for x in during if G in x.get("groups", {})]
first = min((x["t"] for x in s if G in x.get("groups", {})), default=None)
print("samples while a member and queried: %d, %d list the group; first listed %.3f s after the join; versions %s"
      % (len(during), len(listed), (first or 0) - tj, sorted({str(x["groups"][G]) for x in listed})))
late = [round(x["t"] - tl, 3) for x in s if x["t"] > tl + 3.0 and G in x.get("groups", {})]
print("still listed 3 s after the leave at:", late)
assert during and len(listed) == len(during)
assert all(str(x["groups"][G]) == V for x in listed)
assert not late
EOF

        check_py "v$V: tshark: FRR's queries (general, IGMPv$V, TTL 1, Router Alert) and the host's messages" <<'EOF'
import os, labq
V = int(os.environ["V"]); G = "239.0.7.1"
m = labq.load(labq.tmp("cap%d.jsonl" % V))
q = [x for x in m if x["type"] == "query" and x["src"] == "198.18.0.1"]
h = [x for x in m if x["src"] == "198.18.0.2"]
print("FRR queries: %d, versions %s, ttl %s, ra %s, max_resp %s, qrv %s, qqic %s"
      % (len(q), sorted({x["version"] for x in q}), sorted({x["ttl"] for x in q}),
         sorted({x["ra"] for x in q}), sorted({x.get("max_resp") for x in q}),
         sorted({str(x.get("qrv")) for x in q}), sorted({str(x.get("qqic")) for x in q})))
print("host messages:", [(round(x["t"] - float(os.environ["T_JOIN"]), 3), x["type"],
                          x.get("records") or x.get("group")) for x in h])
assert q and all(x["version"] == V and x["ttl"] == 1 for x in q)
assert h and all(x["ttl"] == 1 and x["ra"] for x in h)
EOF

        if [ "$V" = 3 ]; then
                check_py "v3: tshark: join CHANGE_TO_EXCLUDE, answers MODE_IS_EXCLUDE, leave CHANGE_TO_INCLUDE" <<'EOF'
import os, labq
G = "239.0.7.1"
tj, tl = float(os.environ["T_JOIN"]), float(os.environ["T_LEAVE"])
h = [x for x in labq.load(labq.tmp("cap3.jsonl")) if x["src"] == "198.18.0.2"]
assert all(x["type"] == "v3_report" for x in h), "only v3 reports behind a v3 querier"
recs = [(x["t"], r[0]) for x in h for r in x["records"] if r[1] == G]
join = [t for t, r in recs if r == "CHANGE_TO_EXCLUDE"]
ans = [t for t, r in recs if r == "MODE_IS_EXCLUDE"]
leave = [t for t, r in recs if r == "CHANGE_TO_INCLUDE"]
print("CHANGE_TO_EXCLUDE at", [round(t - tj, 3) for t in join], "MODE_IS_EXCLUDE at",
      [round(t - tj, 3) for t in ans], "CHANGE_TO_INCLUDE at", [round(t - tj, 3) for t in leave])
assert join and min(join) < tj + 0.5 and all(t < tj + 1.0 for t in join)
assert len(ans) >= 2 and all(tj < t < tl for t in ans)
assert leave and all(t >= tl - 0.5 for t in leave)
EOF
        else
                check_py "v2: tshark: the host answers the v2 querier in v2 (RFC 3376 7.2.1): v2 reports, v2 leave" <<'EOF'
import os, labq
G = "239.0.7.1"
tj = float(os.environ["T_JOIN"])
h = [x for x in labq.load(labq.tmp("cap2.jsonl")) if x["src"] == "198.18.0.2"]
kinds = sorted({x["type"] for x in h})
print("host message types:", kinds)
assert set(kinds) == {"v2_report", "leave"}
assert all(x["group"] == G for x in h)
EOF
        fi

        check_py "v$V: silenced FRR sends no query; a kernel host then lapses one GMI after its last report; back once queried" <<'EOF'
import os, labq
V = os.environ["V"]; G = "239.0.7.1"
ts, tu = float(os.environ["T_SILENCE"]), float(os.environ["T_UNSILENCE"])
m = labq.load(labq.tmp("cap%s.jsonl" % V))
q = [x["t"] for x in m if x["type"] == "query" and x["src"] == "198.18.0.1"]
rep = [x["t"] for x in m if x["src"] == "198.18.0.2" and x["type"] != "leave" and
       not any(r[0] == "CHANGE_TO_INCLUDE" for r in x.get("records", []))]
inside = [round(t - ts, 3) for t in q if ts + 0.1 < t < tu - 0.1]
last = max(t for t in rep if t < tu)
s = labq.load(labq.tmp("groups%s.jsonl" % V))
gone = min((x["t"] for x in s if last < x["t"] < tu and G not in x.get("groups", {})), default=None)
back = min((x["t"] for x in s if x["t"] > tu and G in x.get("groups", {})), default=None)
print("queries while silenced: %s; last report %.3f s into the silence; FRR dropped the group %s s "
      "after it (GMI 2 x 2 s + 1 s = 5 s); listed again %s s after the filter went"
      % (inside, last - ts, None if gone is None else round(gone - last, 3),
         None if back is None else round(back - tu, 3)))
assert not inside
assert gone is not None and 4.5 < gone - last < 6.0
assert back is not None and back - tu < 4.0
EOF
done

lab_done
