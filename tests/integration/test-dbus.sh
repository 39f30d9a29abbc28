#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-dbus.sh - the D-Bus API (org.igmpproxy.Movistar, org.freedesktop.LogControl1) of the
# real daemon in the netns lab, on a private system-like bus that uses the shipped policy:
# introspection matches dbus/org.igmpproxy.Movistar.xml; ListGroups shows the deco's group with
# growing kernel counters; RefreshIntervalUSec changes the interval measured at the emulated
# upstream; invalid values are refused with the named errors and change nothing;
# WorkaroundEnabled=false lets the upstream forget the group after T, true brings it back within
# one interval; RefreshNow runs exactly one cycle; uid 65534 may read but every change is
# AccessDenied; Reload of a broken file is ConfigRejected and the daemon goes on; a good Reload
# drops the runtime changes; PropertiesChanged, GroupJoined/GroupLeft, RefreshCompleted are
# emitted (busctl monitor --json=short); LogLevel changes log_max_level. ListMemberships,
# GetMembership, Describe and igmpproxyctl groups/group show each interface's filter: an IGMPv2
# host's group in exclude mode with compat version 2, an IGMPv3 any-source join as exclude {}
# with 1 host and its group timer running; an INCLUDE {S1}
# join (IP_ADD_SOURCE_MEMBERSHIP) and a blocked source (IP_BLOCK_SOURCE), which need the core's
# source lists (RFC 3376 6.4).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=bus-lib.sh
. "$(dirname "$0")/bus-lib.sh"

G=239.0.5.185
G2=239.0.5.187      # deco2, IGMPv3, any source
G3=239.0.5.188      # deco2, IGMPv3, INCLUDE {S1}
G4=239.0.5.189      # deco2, IGMPv3, any source then BLOCK S2
S1=198.18.0.1
S2=198.18.100.1
export G G2 G3 G4 S1 S2
bus_start
lab_setup
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
cp "$cfg" "$LAB_TMP/igmpproxy.ini.good"

# Signals: everything the daemon sends, as JSON lines (root may monitor on this bus).
timeout 120 busctl --system monitor --json=short >"$LAB_TMP/monitor.jsonl" 2>"$LAB_TMP/monitor.stderr" &
LAB_PIDS+=("$!")
sleep 0.3

lab_start_proxy "$cfg"
check "bus name acquired (before or right after READY)" bus_wait_name 5

# ---- introspection vs. dbus/org.igmpproxy.Movistar.xml
B introspect --xml-interface "$BUS_NAME" "$BUS_PATH" >"$LAB_TMP/introspect.xml"
export XML_SHIPPED=$LAB_REPO/dbus/org.igmpproxy.Movistar.xml
check_py "introspection of $BUS_PATH matches dbus/org.igmpproxy.Movistar.xml" <<'PY'
import os, xml.etree.ElementTree as ET
def norm(path):
    root = ET.parse(path).getroot()
    it = [i for i in root.iter("interface") if i.get("name") == "org.igmpproxy.Movistar"]
    assert len(it) == 1, path + ": interface missing"
    out = []
    for m in it[0]:
        args = tuple((a.get("type"), a.get("name") or "", a.get("direction") or "") for a in m.iter("arg"))
        ann = tuple(sorted((a.get("name"), a.get("value")) for a in m.iter("annotation")))
        out.append((m.tag, m.get("name"), m.get("type") or "", m.get("access") or "", args, ann))
    return sorted(out)
live = norm(os.environ["LAB_TMP"] + "/introspect.xml"); shipped = norm(os.environ["XML_SHIPPED"])
print("%d members live, %d in the file" % (len(live), len(shipped)))
for x in sorted(set(live) ^ set(shipped)):
    print("differs:", "live" if x in live else "file", x)
assert live == shipped
PY
check "LogControl1: SyslogIdentifier is igmpproxy" \
        test "$(B get-property "$BUS_NAME" /org/freedesktop/LogControl1 org.freedesktop.LogControl1 SyslogIdentifier)" = 's "igmpproxy"'

# ---- ListGroups with the deco watching (deco1: IGMPv2, the lab's default); deco2 joins G2 from
# any source with IGMPv3, for ListMemberships below
deco_join deco1 deco1 --group "$G" --duration 60
deco_version deco2 3
deco_join deco2 deco2 --group "$G2" --duration 60
sleep 3
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListGroups >"$LAB_TMP/groups1.json"
sleep 2
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListGroups >"$LAB_TMP/groups2.json"
check_py "ListGroups: $G joined, vlan10 with 1 host, source 198.18.0.1 with growing packet/byte counters" <<'PY'
import json, os
def get(n):
    d = json.load(open(os.environ["LAB_TMP"] + "/groups%d.json" % n))
    rows = {r[0]: r for r in d["data"][0]}
    return rows[os.environ["G"]]
a, b = get(1), get(2)
print("first:", a); print("2 s later:", b)
assert a[1] == "joined" and a[2] == [["vlan10", 1]], a
sa, sb = dict((s[0], s[1:]) for s in a[3]), dict((s[0], s[1:]) for s in b[3])
assert list(sa) == ["198.18.0.1"] and list(sb) == ["198.18.0.1"]
dp = sb["198.18.0.1"][0] - sa["198.18.0.1"][0]; db = sb["198.18.0.1"][1] - sa["198.18.0.1"][1]
print("packets +%d, bytes +%d in ~2 s (stream every 20 ms: ~100)" % (dp, db))
assert 60 <= dp <= 140 and db > 0
assert a[4] > 0 and b[5] >= a[5] > 0
PY
check "ListGroups and ListInterfaces are readable by uid 65534" bus_nobody busctl --system --timeout=5 call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListGroups
check "Describe is readable by uid 65534 and is JSON" sh -c \
        "setpriv --reuid=65534 --regid=65534 --clear-groups busctl --system --timeout=5 --json=short call $BUS_NAME $BUS_PATH $BUS_IFACE Describe | $PYTHON -c 'import json,sys; d=json.loads(json.load(sys.stdin)[\"data\"][0]); print(d[\"Groups\"][0][\"Group\"], d[\"Interfaces\"][0][\"Name\"]); assert d[\"UpstreamInterface\"]==\"vlan2\"'"

# ---- ListMemberships, GetMembership, Describe and igmpproxyctl: each interface's filter (RFC 3376
# 6.2.1) and the one reported upstream (RFC 4605 4.1). GMI (RFC 3376 8.4) = Robustness 2 x Query
# Interval 2 s + Query Response Interval 1 s = 5 s.
T0=$(lab_now)
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListMemberships >"$LAB_TMP/members.json"
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" GetMembership s "$G2" >"$LAB_TMP/member-g2.json"
T1=$(lab_now)
export T0 T1
check_py "ListMemberships: $G (IGMPv2 host) exclude, compat 2; $G2 (IGMPv3, any source) exclude {}, compat 3; 1 host each, group timers within GMI; upstream exclude {}" <<'PY'
import json, os
T0, T1, GMI = float(os.environ["T0"]), float(os.environ["T1"]), 5.0
rows = {r[0]: r for r in json.load(open(os.environ["LAB_TMP"] + "/members.json"))["data"][0]}
print("groups:", sorted(rows))
g, g2 = rows[os.environ["G"]], rows[os.environ["G2"]]
print(g); print(g2)
# Both are any-source joins, so is the merge reported upstream: exclude {}.
assert g[1:3] == ["exclude", []] and g2[1:3] == ["exclude", []]
# An IGMPv2 report counts as IS_EX {} and sets the older host present timer (RFC 3376 7.3.2).
(i,) = g[3]
assert i[0:3] == ["vlan10", "exclude", 2] and i[4:8] == [True, 1, False, []], i
print("group timer of %s: %.3f s after the call" % (g[0], i[3] / 1e6 - T1))
assert T0 < i[3] / 1e6 <= T1 + GMI + 0.1
# IGMPv3 any-source join: IS_EX {} / TO_EX {} -> EXCLUDE ({}, {}), group timer = GMI (RFC 3376 6.4.1, 6.4.2).
(i,) = g2[3]
assert i[0:3] == ["vlan10", "exclude", 3] and i[4:8] == [True, 1, False, []], i
print("group timer of %s: %.3f s after the call" % (g2[0], i[3] / 1e6 - T1))
assert T0 < i[3] / 1e6 <= T1 + GMI + 0.1
e = json.load(open(os.environ["LAB_TMP"] + "/member-g2.json"))["data"][0]
print("GetMembership %s: %s" % (os.environ["G2"], e))
assert e[0:3] == [os.environ["G2"], "exclude", []] and [x[0:3] + x[4:] for x in e[3]] == [["vlan10", "exclude", 3, True, 1, False, []]]
PY
got=$(bus_error_name call GetMembership string:239.0.5.199)
check "GetMembership of a group nobody asked for: NoSuchGroup ($got)" test "$got" = org.igmpproxy.Movistar.Error.NoSuchGroup
diag "$(bus_error_text)"
for bad in 198.18.0.1 239.0.5 "" 239.0.5.256; do
        got=$(bus_error_name call GetMembership "string:$bad")
        check "GetMembership '$bad': InvalidValue ($got)" test "$got" = org.igmpproxy.Movistar.Error.InvalidValue
done
check "ListMemberships is readable by uid 65534" bus_nobody busctl --system --timeout=5 call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListMemberships
check "GetMembership is readable by uid 65534" bus_nobody busctl --system --timeout=5 call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" GetMembership s "$G"
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" Describe >"$LAB_TMP/describe.json"
check_py "Describe: each group carries Upstream and Memberships ($G compat 2, $G2 compat 3)" <<'PY'
import json, os
d = json.loads(json.load(open(os.environ["LAB_TMP"] + "/describe.json"))["data"][0])
gs = {g["Group"]: g for g in d["Groups"]}
for name, compat in ((os.environ["G"], 2), (os.environ["G2"], 3)):
    g = gs[name]
    print(name, g["Upstream"], g["Memberships"])
    assert g["Upstream"] == {"Mode": "exclude", "Sources": []}
    (m,) = g["Memberships"]
    assert {k: m[k] for k in m if k != "ExpiresUSec"} == {"Interface": "vlan10", "Mode": "exclude", "CompatVersion": compat,
        "Listening": True, "Hosts": 1, "Untracked": False, "Sources": []}, m
    assert m["ExpiresUSec"] > 0
PY
timeout 20 "$IGMPPROXYCTL" groups >"$LAB_TMP/ctl-groups.txt" 2>&1
check "igmpproxyctl groups: any-source joins look as before (a row each, no filter line)" sh -c \
        "grep -Eq '^$G +joined +vlan10\\(1\\) +198\\.18\\.0\\.1 ' '$LAB_TMP/ctl-groups.txt' && grep -Eq '^$G2 +joined +vlan10\\(1\\) ' '$LAB_TMP/ctl-groups.txt' && ! grep -Eq '^ +[^ ]+: ' '$LAB_TMP/ctl-groups.txt'"
diag "$(cat "$LAB_TMP/ctl-groups.txt")"
timeout 20 "$IGMPPROXYCTL" --json=short groups >"$LAB_TMP/ctl-groups.json" 2>&1
check_py "igmpproxyctl --json=short groups: Upstream and Memberships as in Describe" <<'PY'
import json, os
gs = {g["Group"]: g for g in json.load(open(os.environ["LAB_TMP"] + "/ctl-groups.json"))["Groups"]}
for name, compat in ((os.environ["G"], 2), (os.environ["G2"], 3)):
    g = gs[name]
    print(name, g["Upstream"], g["Memberships"])
    assert g["Upstream"] == {"Mode": "exclude", "Sources": []}
    (m,) = g["Memberships"]
    assert (m["Interface"], m["Mode"], m["CompatVersion"], m["Hosts"], m["Listening"], m["Untracked"], m["Sources"]) == \
        ("vlan10", "exclude", compat, 1, True, False, []) and m["ExpiresUSec"] > 0
PY
timeout 20 "$IGMPPROXYCTL" group "$G" >"$LAB_TMP/ctl-group.txt" 2>&1
check "igmpproxyctl group $G: joined, upstream any source, vlan10 any source with 1 host, IGMPv2, group timer" sh -c \
        "grep -Eq '^ +State: joined ' '$LAB_TMP/ctl-group.txt' && grep -Eq '^ +Upstream: any source$' '$LAB_TMP/ctl-group.txt' && grep -Eq '^ +vlan10: any source, 1 host, IGMPv2 host present, group timer [0-9.]+m?s$' '$LAB_TMP/ctl-group.txt' && grep -Eq '^ +Forwarding: 198\\.18\\.0\\.1 +[0-9]+ packets' '$LAB_TMP/ctl-group.txt'"
diag "$(cat "$LAB_TMP/ctl-group.txt")"
timeout 20 "$IGMPPROXYCTL" --json=short group "$G2" >"$LAB_TMP/ctl-group.json" 2>&1
check_py "igmpproxyctl --json=short group $G2: one object, exclude {} on vlan10, compat 3" <<'PY'
import json, os
g = json.load(open(os.environ["LAB_TMP"] + "/ctl-group.json"))
print(g)
assert g["Group"] == os.environ["G2"] and g["State"] == "joined" and g["Upstream"] == {"Mode": "exclude", "Sources": []}
assert [(m["Interface"], m["Mode"], m["CompatVersion"], m["Sources"]) for m in g["Memberships"]] == [("vlan10", "exclude", 3, [])]
PY

# Source-specific joins: the core's RFC 3376 source lists (6.4).
lab_bg deco2 "$LAB_TMP/source-host.out" "$PYTHON" "$LAB_DIR/source-host.py" --addr 198.18.1.12 \
        --include "$G3" "$S1" --block "$G4" "$S2" --duration 60
SRC_PID=$LAB_LAST_PID
for ((i = 0; i < 50; i++)); do
        grep -q ready "$LAB_TMP/source-host.out" 2>/dev/null && break
        sleep 0.1
done
check "deco2 asks for $G3 from $S1 only and for $G4 from any source but $S2 (source-host.py)" \
        grep -q ready "$LAB_TMP/source-host.out"
# Past the kernel's report repeats (100 ms apart) and the last member query time of S2
# (2 x 200 ms) after the block.
sleep 2
T0=$(lab_now)
B --json=short call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ListMemberships >"$LAB_TMP/members-src.json"
T1=$(lab_now)
export T0 T1
check_py "INCLUDE join: $G3 on vlan10 include {$S1}, its timer within GMI, forwarded; upstream include {$S1}" <<'PY'
import json, os
T0, T1, GMI = float(os.environ["T0"]), float(os.environ["T1"]), 5.0
G3, S1 = os.environ["G3"], os.environ["S1"]
rows = {r[0]: r for r in json.load(open(os.environ["LAB_TMP"] + "/members-src.json"))["data"][0]}
g = rows[G3]
print(g)
# RFC 3376 6.4.1/6.4.2: INCLUDE ({}) + IS_IN ({S1}) or ALLOW ({S1}) -> INCLUDE ({S1}), timer (S1) = GMI;
# RFC 4605 4.1: the only listener's filter is the merge reported upstream.
assert g[1:3] == ["include", [S1]], g[1:3]
(i,) = g[3]
assert i[0:2] == ["vlan10", "include"] and i[2] == 3 and i[5] == 1, i
(s,) = i[7]
print("source timer of %s: %.3f s after the call" % (S1, s[1] / 1e6 - T1))
assert s[0] == S1 and T0 < s[1] / 1e6 <= T1 + GMI + 0.1 and s[2] is True, s
PY
check_py "blocked source: $G4 on vlan10 exclude with $S2 at 0 s left, not forwarded; upstream exclude {$S2}" <<'PY'
import json, os
G4, S2 = os.environ["G4"], os.environ["S2"]
rows = {r[0]: r for r in json.load(open(os.environ["LAB_TMP"] + "/members-src.json"))["data"][0]}
g = rows[G4]
print(g)
# RFC 3376 6.4.2: EXCLUDE ({}, {}) + BLOCK ({S2}) -> EXCLUDE ({S2}, {}), timer (S2) = group timer,
# Send Q(G, {S2}); nobody asks for S2 again, so its timer runs out after the last member query
# time and, in EXCLUDE mode, the record stays with its timer at 0: S2 is blocked (6.3).
assert g[1] == "exclude" and S2 in g[2], g[1:3]
(i,) = g[3]
assert i[0:2] == ["vlan10", "exclude"] and i[3] > 0, i
blocked = [s for s in i[7] if s[0] == S2]
assert blocked == [[S2, 0, False]], i[7]
PY
timeout 20 "$IGMPPROXYCTL" groups >"$LAB_TMP/ctl-groups-src.txt" 2>&1
check "igmpproxyctl groups: 'vlan10: include {$S1}' under $G3, 'vlan10: exclude {$S2}' under $G4" sh -c \
        "grep -Eq '^ +vlan10: include \\{$S1\\}$' '$LAB_TMP/ctl-groups-src.txt' && grep -Eq '^ +vlan10: exclude \\{$S2\\}$' '$LAB_TMP/ctl-groups-src.txt'"
diag "$(cat "$LAB_TMP/ctl-groups-src.txt")"
timeout 20 "$IGMPPROXYCTL" group "$G4" >"$LAB_TMP/ctl-group-src.txt" 2>&1
check "igmpproxyctl group $G4: $S2 blocked, no time left" grep -Eq "^ +$S2 +- +blocked$" "$LAB_TMP/ctl-group-src.txt"
diag "$(cat "$LAB_TMP/ctl-group-src.txt")"

# The counters of what a list cannot hold and of records skipped: one IGMPv3 report from
# deco2 (raw socket, Router Alert, TTL 1) with a record of an unknown type (0x37) and an
# ALLOW of 300 sources for $G4, held by vlan10 in EXCLUDE mode with its one record ($S2):
# 255 fit the list of 256, 45 do not (igmpproxy.conf(5)); RFC 3376 4.2.12: the unknown
# record is skipped, the ALLOW still counts.
counter() { B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" "$1" | awk '{ print $2 }'; }
over0=$(counter SourcesOverLimit) unk0=$(counter RecordsUnknown)
lab_exec deco2 "$PYTHON" - "$G4" <<'PY'
import socket, struct, sys
g = socket.inet_aton(sys.argv[1])
srcs = b"".join(socket.inet_aton("198.19.%d.%d" % (1 + i // 200, 1 + i % 200)) for i in range(300))
recs = struct.pack("!BBH4s", 0x37, 0, 0, g) + struct.pack("!BBH4s", 5, 0, 300, g) + srcs
msg = struct.pack("!BBHHH", 0x22, 0, 0, 0, 2) + recs
s = sum(struct.unpack("!%dH" % (len(msg) // 2), msg))
s = (s & 0xFFFF) + (s >> 16); s = (s & 0xFFFF) + (s >> 16)
msg = msg[:2] + struct.pack("!H", ~s & 0xFFFF) + msg[4:]
k = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
k.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x94\x04\x00\x00")
k.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
k.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.18.1.12"))
k.sendto(msg, ("224.0.0.22", 0))
PY
sleep 0.3
over1=$(counter SourcesOverLimit) unk1=$(counter RecordsUnknown)
check "SourcesOverLimit +45 ($over0 -> $over1), RecordsUnknown +1 ($unk0 -> $unk1) after 300 sources and an unknown record" \
        test "$((over1 - over0))/$((unk1 - unk0))" = 45/1
lab_kill "$SRC_PID"
lab_kill "${LAB_DECO_PID[deco2]}"
LAB_DECO_PID[deco2]=

# ---- RefreshIntervalUSec = 2 s, measured on the wire
T_SET2=$(lab_now)
check "set RefreshIntervalUSec=2000000 (root)" B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec t 2000000
sleep 9
T_SET1=$(lab_now)
check "set RefreshIntervalUSec=1000000 (root)" B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec t 1000000
sleep 4
T_END1=$(lab_now)
export T_SET2 T_SET1 T_END1
check_py "reports upstream every ~2 s after RefreshIntervalUSec=2 s, every ~1 s after it went back" <<'PY'
import os, labq
log = labq.upstream(); G = os.environ["G"]
t2, t1, te = (float(os.environ[k]) for k in ("T_SET2", "T_SET1", "T_END1"))
r = labq.reports(log, G, "198.18.0.2")
a = labq.stats(labq.intervals([t for t in r if t2 + 1.0 < t < t1]))
b = labq.stats(labq.intervals([t for t in r if t1 + 1.5 < t < te]))
print("interval 2 s:", labq.fmt(a)); print("interval 1 s:", labq.fmt(b))
assert a["n"] >= 3 and 1.85 <= a["mean"] <= 2.15
assert b["n"] >= 1 and 0.85 <= b["mean"] <= 1.15
PY

# ---- invalid values: named errors, nothing changes
before=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec InitialDelayUSec ReportVersion RefreshMode | tr '\n' ' ')
for spec in "RefreshIntervalUSec uint64:0 InvalidInterval" "RefreshIntervalUSec uint64:500000 InvalidInterval" \
        "RefreshIntervalUSec uint64:260000000 InvalidInterval" "InitialDelayUSec uint64:300000000 InvalidInterval" \
        "ReportVersion uint32:4 InvalidValue" "ReportVersion uint32:0 InvalidValue" "RefreshMode string:maybe InvalidValue"; do
        read -r prop val want <<<"$spec"
        got=$(bus_error_name set "$prop" "$val")
        if [ "$got" = "org.igmpproxy.Movistar.Error.$want" ]; then
                pass "$prop=$val refused with $got"
        else
                fail "$prop=$val refused with org.igmpproxy.Movistar.Error.$want (got: ${got:-?})"
        fi
        diag "$(bus_error_text)"
done
got=$(bus_error_name setlog LogLevel string:loud)
check "LogLevel=loud refused with InvalidArgs" test "$got" = org.freedesktop.DBus.Error.InvalidArgs
after=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec InitialDelayUSec ReportVersion RefreshMode | tr '\n' ' ')
check "refused values changed nothing ($after)" test "$before" = "$after"

# ---- uid 65534: reads yes, every change AccessDenied
check "uid 65534 reads RefreshIntervalUSec" bus_nobody busctl --system --timeout=5 get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec
denied=0 total=0 who=""
for spec in "set WorkaroundEnabled boolean:false" "set RefreshMode string:no" "set RefreshIntervalUSec uint64:5000000" \
        "set InitialDelayUSec uint64:5000000" "set ReportVersion uint32:3" "RefreshNow" "Reload" "RescanInterfaces" \
        "setlog LogLevel string:debug" "setlog LogTarget string:console"; do
        # shellcheck disable=SC2086
        got=$(bus_error_name --nobody $spec)
        total=$((total + 1))
        if [ "$got" = org.freedesktop.DBus.Error.AccessDenied ]; then denied=$((denied + 1)); else who="$who [$spec: $got]"; fi
done
check "uid 65534: all $total changes refused with AccessDenied ($denied)$who" test "$denied" = "$total"
after2=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec InitialDelayUSec ReportVersion RefreshMode | tr '\n' ' ')
check "nothing changed by the refused calls" test "$after" = "$after2"
check "log level still info" test "$(B get-property "$BUS_NAME" /org/freedesktop/LogControl1 org.freedesktop.LogControl1 LogLevel)" = 's "info"'

# ---- WorkaroundEnabled=false: the upstream forgets after T; true: back within one interval
T_OFF=$(lab_now)
check "set WorkaroundEnabled=false" B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" WorkaroundEnabled b false
check "RefreshMode reads no" test "$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshMode)" = 's "no"'
for ((i = 0; i < 100; i++)); do
        grep -q "\"ev\":\"expire\".*\"$G\"\|\"group\":\"$G\".*\"ev\":\"expire\"" "$LAB_UPSTREAM_LOG" && break
        sleep 0.1
done
sleep 1
T_ON=$(lab_now)
check "set WorkaroundEnabled=true" B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" WorkaroundEnabled b true
sleep 3
export T_OFF T_ON
check_py "workaround off: upstream forgot $G about T after the last report; on: joined again within 1 interval" <<'PY'
import os, labq
log = labq.upstream(); G = os.environ["G"]; T = float(os.environ["LAB_T"])
off, on = float(os.environ["T_OFF"]), float(os.environ["T_ON"])
ex = [e["t"] for e in labq.events(log, "expire", G) if e["t"] > off]
rep_before = [t for t in labq.reports(log, G, "198.18.0.2") if t <= off]
rep_after = [t for t in labq.reports(log, G, "198.18.0.2") if t > off]
assert ex, "never expired"
print("expired %.3f s after WorkaroundEnabled=false (%.3f s after the last report; T=%.0f s)" %
      (ex[0] - off, ex[0] - rep_before[-1], T))
assert T - 0.3 <= ex[0] - rep_before[-1] <= T + 0.5
assert all(t > on for t in rep_after), "reports while off: %s" % [round(t - off, 3) for t in rep_after if t <= on]
back = [t for t in rep_after if t > on]
print("first report %.3f s after WorkaroundEnabled=true" % (back[0] - on))
assert back[0] - on <= 1.0
j = [e["t"] for e in labq.events(log, "join", G) if e["t"] > on]
assert j and j[0] - on <= 1.0
PY

# ---- RefreshNow: exactly one cycle (the schedule put far away first)
B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshIntervalUSec t 200000000
sleep 1.2
c1=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshCycles | awk '{print $2}')
T_NOW=$(lab_now)
check "RefreshNow (root)" B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshNow
sleep 0.5
c2=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" RefreshCycles | awk '{print $2}')
check "RefreshCycles +1 after RefreshNow ($c1 -> $c2)" test "$c2" = $((c1 + 1))
export T_NOW
check_py "RefreshNow: one report for $G upstream within 100 ms" <<'PY'
import os, labq
t = float(os.environ["T_NOW"])
r = [x - t for x in labq.reports(labq.upstream(), os.environ["G"], "198.18.0.2") if t < x < t + 0.5]
print("reports after RefreshNow (s):", [round(x, 3) for x in r])
assert len(r) == 1 and r[0] < 0.1
PY
lastr=$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" LastRefreshUSec | awk '{print $2}')
check_py "LastRefreshUSec is CLOCK_MONOTONIC of that cycle" <<PY
import os, time
t = float(os.environ["T_NOW"]); v = $lastr / 1e6
print("LastRefreshUSec - call time: %.3f s" % (v - t))
assert 0 <= v - t < 0.3
PY

# ---- runtime changes last until a reload; a broken file is ConfigRejected
B set-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ReportVersion u 3
printf '\n[Refresh]\nIntervalSec=forever\n' >>"$cfg"
got=$(bus_error_name Reload)
check "Reload of a broken file: ConfigRejected" test "$got" = org.igmpproxy.Movistar.Error.ConfigRejected
diag "$(bus_error_text)"
check "the message names file:line" grep -q "igmpproxy.ini:[0-9]" "$LAB_TMP/bus-error.txt"
check "daemon still running and answering" B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" Version
check "runtime ReportVersion=3 kept after the rejected reload" \
        test "$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ReportVersion)" = "u 3"
cp "$LAB_TMP/igmpproxy.ini.good" "$cfg"
check "Reload of the good file" B call "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" Reload
check "after reload: ReportVersion, RefreshIntervalUSec back to the file (2, 1 s)" test \
        "$(B get-property "$BUS_NAME" "$BUS_PATH" "$BUS_IFACE" ReportVersion RefreshIntervalUSec | tr '\n' ' ')" = "u 2 t 1000000 "

# ---- LogControl1
check "LogLevel=debug (root)" B set-property "$BUS_NAME" /org/freedesktop/LogControl1 org.freedesktop.LogControl1 LogLevel s debug
sleep 1.5
check "debug messages logged after LogLevel=debug" grep -q "Refresh cycle:" "$LAB_PROXY_LOG"
check "LogTarget reads console" test "$(B get-property "$BUS_NAME" /org/freedesktop/LogControl1 org.freedesktop.LogControl1 LogTarget)" = 's "console"'

# ---- end: the deco leaves (quickleave), signals
lab_kill "${LAB_DECO_PID[deco1]}"
LAB_DECO_PID[deco1]=
sleep 2
lab_stop_proxy
lab_stop_upstream
sleep 0.3
check_py "signals: GroupJoined/GroupLeft for $G on vlan2 and vlan10, RefreshCompleted, PropertiesChanged" <<'PY'
import json, os
G = os.environ["G"]
sig = []
for line in open(os.environ["LAB_TMP"] + "/monitor.jsonl"):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("type") == "signal":
        sig.append(m)
def member(n):
    return [m for m in sig if m.get("member") == n]
def args(m):
    return [a for a in m["payload"]["data"]]
joined = {tuple(args(m)) for m in member("GroupJoined")}
left = {tuple(args(m)) for m in member("GroupLeft")}
rc = member("RefreshCompleted")
pc = {}
for m in member("PropertiesChanged"):
    d = args(m)
    for k in d[1]:
        pc[k] = pc.get(k, 0) + 1
print("GroupJoined:", sorted(joined)); print("GroupLeft:", sorted(left))
print("RefreshCompleted: %d, last payload %s" % (len(rc), args(rc[-1]) if rc else None))
print("PropertiesChanged counts:", pc)
assert (G, "vlan2") in joined and (G, "vlan10") in joined
assert (G, "vlan2") in left and (G, "vlan10") in left
assert len(rc) >= 5 and args(rc[-1])[0] >= 0
for k in ("RefreshIntervalUSec", "WorkaroundEnabled", "RefreshMode", "ReportVersion", "LastRefreshUSec", "RefreshCycles"):
    assert pc.get(k), k + " never announced"
PY

lab_done
