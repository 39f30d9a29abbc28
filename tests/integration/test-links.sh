#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-links.sh - interfaces coming and going at runtime (rtnetlink). The refresh runs every 5 s
# and the emulated upstream holds a group 10 s, so a recovery within 1 s is the daemon's own
# immediate report, not the next refresh cycle.
#  A. The daemon starts while vlan2 (upstream) is absent / down / without an IPv4 address: it
#     runs, says "waiting for it" (log and STATUS=), and serves the deco that joined meanwhile
#     within 1 s of vlan2 becoming usable (created+addressed+up / set up / address added).
#  B. While a deco watches: vlan2 set down and up again (same ifindex); vlan2 deleted and
#     re-created (a new veth pair, new ifindex; the emulator restarts on the new up0); the
#     address of vlan2 changed (198.18.0.2 -> 198.18.0.3). Each time: the daemon lives, the
#     VIF and the routes go while the link is unusable, the group is reported at once when it is
#     usable again, the stream is back within 1 s; after the change every report comes from the
#     new address.
#  C. vlan20 (second downstream) down and up while deco3 watches on it and deco1 on vlan10:
#     deco3's membership is dropped (leave upstream), it hears startup queries at once when
#     vlan20 is back and gets its stream back; deco1 has no gap > 500 ms throughout.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

G1=239.0.5.185
G3=239.0.5.187
export G1 G3
FORGET=10
lab_setup --second-downstream
deco_version deco1 2
deco_version deco3 2
lab_start_upstream --forget-after "$FORGET" --duration 400
cfg=$(CFG_REFRESH_INTERVAL=5 CFG_SECOND_DOWNSTREAM=1 lab_std_config igmpproxy.ini)
RTR=$(lab_ns rtr)

# A notify socket (STATUS= lines) for the daemon, as systemd would give it.
"$PYTHON" -c '
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(0.5)
end = time.monotonic() + float(sys.argv[3])
with open(sys.argv[2], "a", buffering=1) as f:
    while time.monotonic() < end:
        try:
            m = s.recv(4096)
        except socket.timeout:
            continue
        f.write(json.dumps({"t": round(time.monotonic(), 6), "msg": m.decode(errors="replace")}) + "\n")
' "$LAB_TMP/notify.sock" "$LAB_TMP/notify.jsonl" 300 &
LAB_PIDS+=("$!")
for ((i = 0; i < 30; i++)); do [ -S "$LAB_TMP/notify.sock" ] && break; sleep 0.1; done
export NOTIFY_SOCKET=$LAB_TMP/notify.sock

ifindex() {
        ip -n "$RTR" -o link show "$1" 2>/dev/null | cut -d: -f1
}

# usable_now TAG CMD...: records the time in $LAB_TMP/t.TAG, then runs CMD (which makes the
# upstream usable).
usable_now() {
        local tag=$1
        shift
        lab_now >"$LAB_TMP/t.$tag"
        "$@" || fail "$tag: command failed: $*"
}

# ------------------------------------------------------------------ A
# a_case TAG: vlan2 is in the unusable state already; starts the daemon, the deco, then calls
# a_usable_TAG.
a_case() {
        local tag=$1 reason=$2
        local n0
        n0=$(wc -l <"$LAB_TMP/notify.jsonl")
        echo "$n0" >"$LAB_TMP/notify.n.$tag"
        lab_start_proxy_vifs "vlan10 vlan20" "$cfg"
        sleep 0.5
        check "A-$tag: the daemon runs without vlan2 and logs why it waits" \
                grep -E "vlan2 \(upstream\): $reason, waiting for it" "$LAB_PROXY_LOG"
        # (in any order: a link is taken into service once it runs, not in file order)
        vifs=$(lab_vifs | sort | tr '\n' ' ')
        check "A-$tag: VIFs for the downstreams only ($vifs)" test "$vifs" = "vlan10 vlan20 "
        deco_join deco1 "a-$tag" --group "$G1" --gap-ms 100 --duration 6
        sleep 2
        "a_usable_$tag"
        sleep 3.5
        deco_wait deco1 10
        lab_stop_proxy
        lab_proxy_keep_log "a-$tag.log"
}

# shellcheck disable=SC2317  # called indirectly (a_usable_$tag)
a_usable_absent() {
        usable_now A-absent ip -n "$RTR" -b - <<EOF
link set tmpv2 name vlan2
address add 198.18.0.2/24 dev vlan2
link set vlan2 up
EOF
        lab_rtr_upstream_routes
}
# shellcheck disable=SC2317
a_usable_down() {
        usable_now A-down ip -n "$RTR" link set vlan2 up
        lab_rtr_upstream_routes
}
# shellcheck disable=SC2317
a_usable_noaddr() {
        usable_now A-noaddr ip -n "$RTR" address add 198.18.0.2/24 dev vlan2
        lab_rtr_upstream_routes
}

# absent: a fresh pair whose router end is not called vlan2 yet.
lab_upstream_link_del
lab_upstream_link_add --as tmpv2
lab_restart_upstream --forget-after "$FORGET" --duration 400
a_case absent absent
# down
ip -n "$RTR" link set vlan2 down
a_case down down
# no address
ip -n "$RTR" address flush dev vlan2
a_case noaddr "no IPv4 address"

# ------------------------------------------------------------------ B
lab_start_proxy "$cfg"
deco_join deco1 b --group "$G1" --gap-ms 100 --duration 42
sleep 3

# lost_state TAG: VIFs, MFC and the daemon while the upstream is unusable.
lost_state() {
        local vifs mfc
        vifs=$(lab_vifs | tr '\n' ' ')
        mfc=$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)
        # shellcheck disable=SC2016  # evaluated by check
        check "B-$1: while vlan2 is unusable the daemon runs, no vlan2 VIF, no route (VIFs: ${vifs:-none}, MFC entries: $mfc)" \
                eval 'kill -0 "$LAB_PROXY_PID" && [[ " $vifs " != *" vlan2 "* ]] && [ "$mfc" = 0 ]'
}

# B1: down / up, same ifindex
IFX_BEFORE=$(ifindex vlan2)
lab_now >"$LAB_TMP/t.B-down.lost"
ip -n "$RTR" link set vlan2 down
sleep 1.5
lost_state down
usable_now B-down ip -n "$RTR" link set vlan2 up
lab_rtr_upstream_routes
sleep 4
# B2: deleted and re-created: new ifindex
lab_now >"$LAB_TMP/t.B-recreate.lost"
lab_upstream_link_del
sleep 1.5
lost_state recreate
lab_upstream_link_add --as tmpv2
lab_restart_upstream --forget-after "$FORGET" --duration 400
usable_now B-recreate ip -n "$RTR" -b - <<EOF
link set tmpv2 name vlan2
address add 198.18.0.2/24 dev vlan2
link set vlan2 up
EOF
lab_rtr_upstream_routes
IFX_AFTER=$(ifindex vlan2)
check "B-recreate: vlan2 has a new ifindex ($IFX_BEFORE -> $IFX_AFTER)" test "$IFX_BEFORE" != "$IFX_AFTER"
sleep 4
# B3: the address removed, a new one 1.5 s later (lost, then back with a new address)
lab_now >"$LAB_TMP/t.B-addr.lost"
ip -n "$RTR" address del 198.18.0.2/24 dev vlan2
sleep 1.5
lost_state addr
usable_now B-addr ip -n "$RTR" address add 198.18.0.3/24 dev vlan2
lab_rtr_upstream_routes
sleep 4
# B4: the address swapped at once (an address change, as a DHCP client with a new lease does it)
lab_now >"$LAB_TMP/t.B-swap.lost"
usable_now B-swap ip -n "$RTR" -b - <<EOF
address del 198.18.0.3/24 dev vlan2
address add 198.18.0.4/24 dev vlan2
EOF
lab_rtr_upstream_routes
sleep 12
deco_wait deco1 20
lab_now >"$LAB_TMP/t.B.end"
lab_stop_proxy
lab_proxy_keep_log b.log
# back to the usual address for C
ip -n "$RTR" -b - <<EOF
address del 198.18.0.4/24 dev vlan2
address add 198.18.0.2/24 dev vlan2
EOF
lab_rtr_upstream_routes

# ------------------------------------------------------------------ C
lab_start_proxy "$cfg"
deco_join deco1 c-deco1 --group "$G1" --gap-ms 100 --duration 13
deco_join deco3 c-deco3 --group "$G3" --gap-ms 100 --duration 13 --sniff-queries "$LAB_TMP/c-q3.jsonl"
sleep 4
lab_now >"$LAB_TMP/t.C.down"
ip -n "$RTR" link set vlan20 down
sleep 2.5
vifs=$(lab_vifs | sort | tr '\n' ' ')
check "C: vlan20 down: its VIF is gone, the others stay ($vifs)" test "$vifs" = "vlan10 vlan2 "
lab_now >"$LAB_TMP/t.C.up"
ip -n "$RTR" link set vlan20 up
sleep 5
deco_wait deco1 15
deco_wait deco3 10
lab_stop_proxy
lab_proxy_keep_log c.log
lab_stop_upstream

# ------------------------------------------------------------------ checks
for tag in absent down noaddr; do
        export TAG=$tag
        check_py "A-$tag: deco1's stream within 1 s of vlan2 becoming usable (reported at once)" <<'PY'
import os, labq, labx
tag = os.environ["TAG"]
tu = labx.tfile("t.A-" + tag)
d = labq.summary("a-" + tag); g = d["groups"]["239.0.5.185"]
rep = [t - tu for t in labq.reports(labq.upstream(), "239.0.5.185", "198.18.0.2") if t > d["join_time"]]
early = [x for x in rep if x < 0]
print("deco joined %.3f s before vlan2 was usable; first packet %s s after it; the daemon's first "
      "report upstream %s s after it (reports before: %d); then max gap %.3f s, %d packets"
      % (tu - d["join_time"], "%.3f" % (g["first"] - tu) if g["first"] else "never",
         "%.3f" % min([x for x in rep if x >= 0]) if [x for x in rep if x >= 0] else "none", len(early),
         g["max_gap"], g["count"]))
assert g["first"] is not None and g["first"] >= tu
assert g["first"] - tu <= 1.0
assert not early
assert g["n_gaps"] == 0 or all(l < 0.5 for s, l in g["gaps"])
PY
done

check_py "A: STATUS= says which interface the daemon waits for, and why" <<'PY'
import json, labq
lines = [json.loads(l) for l in open(labq.tmp("notify.jsonl"))]
ok = True
for tag, why in (("absent", "absent"), ("down", "down"), ("noaddr", "no IPv4 address")):
    n0 = int(open(labq.tmp("notify.n." + tag)).read())
    st = [l["msg"] for l in lines[n0:] if "STATUS=" in l["msg"]]
    w = [s for s in st if "waiting for vlan2 (%s)" % why in s]
    print("%s: %d STATUS= lines, %d say 'waiting for vlan2 (%s)'; first: %r"
          % (tag, len(st), len(w), why, (w or st or [""])[0][:160]))
    ok = ok and bool(w)
assert ok
PY

for tag in down recreate addr swap; do
        export TAG=$tag
        check_py "B-$tag: the stream is back within 1 s of vlan2 being usable again (down, recreate: reported at once)" <<'PY'
import os, labq, labx
tag = os.environ["TAG"]
tl = labx.tfile("t.B-%s.lost" % tag); tu = labx.tfile("t.B-" + tag)
g = labq.summary("b")["groups"]["239.0.5.185"]
o = labx.outage(g, tl)
log = labq.upstream()
src = {"addr": "198.18.0.3", "swap": "198.18.0.4"}.get(tag, "198.18.0.2")
rep = [t - tu for t in labq.reports(log, "239.0.5.185", src) if t > tu - 0.05]
back = o[1] if o else None
print("stream stopped %s s after the link was taken away, back %s s after it was usable (outage %s s);"
      " first report from %s %s s after it was usable"
      % ("%.3f" % (o[0] - tl) if o else "-", "%.3f" % (back - tu) if back else ("no outage" if not o else "never"),
         "%.3f" % (back - o[0]) if o and back else "-", src, "%.3f" % rep[0] if rep else "none"))
if tag == "swap":
    # The VIF may survive an address change (the upstream still holds the group): then there
    # is no outage at all, and the next report from the new address may be the refresh.
    assert o is None or (back is not None and back - tu <= 1.0)
    assert rep and rep[0] <= 5.5, "no report from the new address within one refresh interval"
else:
    assert o is not None and back is not None and back - tu <= 1.0
    assert rep and rep[0] <= 0.5, "no report at once"
PY
done

check_py "B-addr/B-swap: after each address change every report and leave upstream comes from the new address" <<'PY'
import labq, labx
ok = True
for tag, nxt, new in (("addr", "t.B-swap", "198.18.0.3"), ("swap", "t.B.end", "198.18.0.4")):
    tu = labx.tfile("t.B-" + tag); te = labx.tfile(nxt)
    m = [x for x in labq.igmp(labq.upstream()) if tu + 0.05 < x["t"] < te and x["src"].startswith("198.18.0.")
         and x["src"] != "198.18.0.1"]
    by = {}
    for x in m:
        by[x["src"]] = by.get(x["src"], 0) + 1
    r = [x["t"] - tu for x in labq.igmp(labq.upstream(), src=new, type="v2_report") if tu < x["t"] < te]
    print("B-%s: IGMP heard upstream from 50 ms after the change to the next one, by source: %s; "
          "reports from %s at %s s" % (tag, by, new, [round(x, 3) for x in r[:8]]))
    # every IGMP after the first 50 ms is from the new address (the join and its random repeat
    # may both fall inside those 50 ms: then nothing else is heard before the next change)
    ok = ok and set(by) <= {new} and len(r) >= (2 if tag == "addr" else 4)
assert ok
PY

check_py "B: the daemon logged the losses (the group dropped, no leave claimed) and returns, and no send errors" <<'PY'
import labq, labx
L = labx.log_lines(labq.tmp("b.log"))
lost = [l for l in L if "upstream lost" in l]
back = [l for l in L if "vlan2: back in service" in l or "vlan2: address now" in l]
err = [l for l in L if "Failed to send" in l or "Failed to remove" in l or "Failed to add" in l]
# At each loss the joined group is dropped without a leave (none can be sent): its own message.
dropped = [l for l in L if "upstream on vlan2: the interface is lost, no leave sent" in l]
left = [l for l in L if l.split(">", 1)[-1].startswith("Left ")]
for l in lost + back + dropped[:2]:
    print("   ", l[:160])
print("failures logged: %d %s; 'Dropped' lines: %d; 'Left' lines: %d" % (len(err), err[:3], len(dropped), len(left)))
assert len(lost) >= 3 and len(back) >= 4
assert not err
assert len(dropped) == len(lost)
PY

check_py "C: vlan20 down drops deco3's membership (leave upstream within 1 s); deco1 unaffected" <<'PY'
import labq, labx
td = labx.tfile("t.C.down")
lv = [x["t"] - td for x in labq.igmp(labq.upstream(), src="198.18.0.2", type="leave")
      if x["group"] == "239.0.5.187" and x["t"] > td]
L = labx.log_lines(labq.tmp("c.log"))
lost = [l for l in L if "vlan20: downstream lost" in l]
print("leave for 239.0.5.187 %s s after vlan20 went down; log: %s"
      % ("%.3f" % lv[0] if lv else "none", lost[:1]))
assert lv and lv[0] <= 1.0 and lost
PY

check_py "C: vlan20 back: deco3 hears a startup query at once, its stream is back within 2 s" <<'PY'
import labq, labx
tu = labx.tfile("t.C.up")
q = [x for x in labq.load(labq.tmp("c-q3.jsonl")) if x.get("general") and x["src"] == "198.18.2.1"
     and x["t"] > tu]
g = labq.summary("c-deco3")["groups"]["239.0.5.187"]
b = labx.back_after(g, tu)
rep = [t - tu for t in labq.reports(labq.upstream(), "239.0.5.187", "198.18.0.2") if t > tu]
print("general queries on vlan20 after it came back: at %s s (max resp %s); stream back %s s after; "
      "report upstream %s s after"
      % ([round(x["t"] - tu, 3) for x in q[:3]], [x["max_resp"] for x in q[:3]],
         "%.3f" % (b - tu) if b else "never", "%.3f" % rep[0] if rep else "none"))
assert q and q[0]["t"] - tu <= 0.5
assert b is not None and b - tu <= 2.0
PY

check_py "C: deco1 on vlan10 had no gap over 500 ms throughout" <<'PY'
import labq
g = labq.summary("c-deco1")["groups"]["239.0.5.185"]
print("first packet %.3f s after the join, %d packets, max gap %.3f s, gaps > 100 ms: %s"
      % (g["join_latency"], g["count"], g["max_gap"], g["gaps"][:5]))
assert g["count"] > 0 and g["max_gap"] < 0.5 and g["tail"] < 0.5
PY

lab_done
