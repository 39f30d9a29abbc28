#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-soak.sh - a compressed soak: 200 refresh cycles (IntervalSec=1, ~205 s) against the
# emulated upstream that forgets after T = 4 s, while three decos zap between groups (deco1 v2
# and deco2 v3 on vlan10, 4 and 5 s per channel; deco3 v2 on vlan20, 6 s per channel; one
# deco.py run per channel), and the upstream link flaps twice (vlan2 down ~2 s, then up).
# Checks:
#  - no gap over 500 ms inside any channel's viewing, apart from the flaps (a zap's start-up is
#    the expected cost of a change of channel: reported, bounded to 1 s outside the flaps);
#  - after each flap every deco watching has its stream back within 1 s of vlan2 being up;
#  - at least 195 refresh cycles ran (the daemon's debug log: a cycle with nothing to send, as
#    during the two 2 s flaps of the upstream, is not logged);
#  - VmRSS growth < 5 % between refresh cycle ~20 and the end; the fd count does not grow.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

RUN=205           # s from the daemon's start: 1 s initial delay + 200 cycles + slack
FLAPS="60 130"    # s from the daemon's start
FLAP_DOWN=2
export RUN FLAPS FLAP_DOWN
lab_setup --second-downstream
deco_version deco1 2
deco_version deco2 3
deco_version deco3 2
lab_start_upstream --forget-after "$LAB_T" --duration $((RUN + 40))
cfg=$(CFG_SECOND_DOWNSTREAM=1 lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg" -v
T0=$(lab_now)
echo "$T0" >"$LAB_TMP/t.start"
RTR=$(lab_ns rtr)

# sleep_until S: sleeps until S seconds after the daemon's start (at once if past).
sleep_until() {
        sleep "$(awk -v t0="$T0" -v s="$1" -v now="$(lab_now)" 'BEGIN { d = t0 + s - now; if (d < 0) d = 0; printf "%.3f", d }')"
}

# zapper DECO PER_CHANNEL_S GROUP...: one deco.py run per channel, round robin, until RUN - 2 s
# after the daemon's start; at most 80 runs. Summaries: $LAB_TMP/DECO-zK.json.
zapper() {
        local d=$1 per=$2 ns k=0 child=
        shift 2
        local groups=("$@")
        ns=$(lab_ns "$d")
        trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
        while [ "$k" -lt 80 ]; do
                local left
                left=$(awk -v t0="$T0" -v r="$RUN" -v now="$(lab_now)" 'BEGIN { printf "%.3f", t0 + r - 2 - now }')
                awk -v l="$left" -v p="$per" 'BEGIN { exit !(l > p) }' || break
                k=$((k + 1))
                ip netns exec "$ns" "$PYTHON" "$LAB_DIR/deco.py" --iface eth0 --group "${groups[$(((k - 1) % ${#groups[@]}))]}" \
                        --gap-ms 100 --duration "$per" --out "$LAB_TMP/$d-z$k.json" \
                        >>"$LAB_TMP/$d-zap.stderr" 2>&1 </dev/null &
                child=$!
                wait "$child"
                child=
        done
}

ZAPPERS=()
zapper deco1 4 239.0.10.1 239.0.10.2 239.0.10.3 239.0.10.4 &
ZAPPERS+=("$!")
zapper deco2 5 239.0.20.1 239.0.20.2 239.0.20.3 &
ZAPPERS+=("$!")
zapper deco3 6 239.0.30.1 239.0.30.2 239.0.30.3 239.0.30.4 239.0.30.5 &
ZAPPERS+=("$!")
LAB_PIDS+=("${ZAPPERS[@]}")

# resources every 10 s, and at the marks
(
        for ((i = 0; i < 25; i++)); do
                lab_snap "$LAB_TMP/snaps.txt"
                sleep 10
        done
) &
LAB_PIDS+=("$!")

sleep_until 21
lab_snap "$LAB_TMP/snap.c20"
k=0
for at in $FLAPS; do
        k=$((k + 1))
        sleep_until "$at"
        lab_now >"$LAB_TMP/t.flap$k.down"
        ip -n "$RTR" link set vlan2 down
        sleep "$FLAP_DOWN"
        lab_now >"$LAB_TMP/t.flap$k.up"
        ip -n "$RTR" link set vlan2 up
        lab_rtr_upstream_routes
done
sleep_until "$RUN"
lab_snap "$LAB_TMP/snap.end"
for pid in "${ZAPPERS[@]}"; do
        lab_wait_pid "$pid" 10 || fail "a zapper (pid $pid) did not end in time"
done
check "the daemon ran through the soak" kill -0 "$LAB_PROXY_PID"
cp "$LAB_PROXY_LOG" "$LAB_TMP/daemon.log"
lab_stop_proxy
lab_stop_upstream

check_py "the decos zapped: each ran channel after channel for the whole soak" <<'PY'
import glob, json, labq, os
ok = True
for d, per in (("deco1", 4), ("deco2", 5), ("deco3", 6)):
    runs = sorted(glob.glob(labq.tmp(d + "-z*.json")), key=lambda p: int(p.rsplit("-z", 1)[1][:-5]))
    ch = [list(json.load(open(p))["groups"])[0] for p in runs]
    print("%s: %d channels of %d s, %s ..." % (d, len(runs), per, ch[:6]))
    ok = ok and len(runs) >= (int(os.environ["RUN"]) - 10) / (per + 0.5)
assert ok
PY

check_py "no gap over 500 ms while watching, apart from the flaps; zap start-up <= 1 s outside the flaps" <<'PY'
import glob, json, labq, labx, os
flaps = []
for k in (1, 2):
    flaps.append((labx.tfile("t.flap%d.down" % k) - 0.1, labx.tfile("t.flap%d.up" % k) + 1.5))
bad = []
lat = []
for p in sorted(glob.glob(labq.tmp("deco*-z*.json"))):
    d = json.load(open(p))
    G, g = list(d["groups"].items())[0]
    name = os.path.basename(p)[:-5]
    in_flap = any(d["join_time"] < b and d["end"] > a for a, b in flaps)
    if g["first"] is None:
        if not in_flap:
            bad.append((name, G, "no packet"))
        continue
    if not in_flap:
        lat.append(g["join_latency"])
        if g["join_latency"] > 1.0:
            bad.append((name, G, "start-up %.3f s" % g["join_latency"]))
    x = labx.gaps_outside(g, flaps)
    if g["tail"] > 0.5 and not any(g["last"] < b and d["end"] > a for a, b in flaps):
        x.append(("tail", g["tail"]))
    if x:
        bad.append((name, G, x))
st = labq.stats(lat)
print("%d channel views; zap start-up outside the flaps: %s, median %.3f s"
      % (len(glob.glob(labq.tmp("deco*-z*.json"))), labq.fmt(st), st["median"] or 0))
print("views with a gap > 500 ms outside the flaps (or start-up > 1 s): %s" % bad[:10])
assert st["n"] >= 60 and not bad
PY

check_py "each flap: vlan2 down ~2 s; every deco watching (or joining during it) has its stream within 1 s of vlan2 up" <<'PY'
import glob, json, labq, labx
ok = True
for k in (1, 2):
    td = labx.tfile("t.flap%d.down" % k); tu = labx.tfile("t.flap%d.up" % k)
    res = []
    for p in sorted(glob.glob(labq.tmp("deco*-z*.json"))):
        d = json.load(open(p))
        G, g = list(d["groups"].items())[0]
        if not (d["join_time"] < tu < d["end"] - 1.2):
            continue
        b = labx.back_after(g, tu)
        o = labx.outage(g, td) if d["join_time"] < td else None
        res.append((p.rsplit("/", 1)[1][:-5], G, round(o[0] - td, 3) if o else None,
                    round(b - tu, 3) if b else None))
    print("flap %d (down %.2f s): views when vlan2 came back up (name, group, stream stopped s after "
          "down, back s after up): %s" % (k, tu - td, res))
    ok = ok and len(res) >= 2 and all(r[3] is not None and r[3] <= 1.0 for r in res)
assert ok
PY

check_py "at least 195 refresh cycles ran; the upstream never forgot a group being watched outside the flaps" <<'PY'
import glob, json, labq, labx
L = labx.log_lines(labq.tmp("daemon.log"))
cyc = [l for l in L if l.startswith("<7>Refresh cycle")]
flaps = [(labx.tfile("t.flap%d.down" % k), labx.tfile("t.flap%d.up" % k) + 1.5) for k in (1, 2)]
views = []
for p in glob.glob(labq.tmp("deco*-z*.json")):
    d = json.load(open(p))
    views.append((list(d["groups"])[0], d["join_time"] + 1, d["end"] - 0.5))
ex = [e for e in labq.events(labq.upstream(), "expire") if e.get("reason") == "timeout"
      and any(g == e["group"] and a < e["t"] < b for g, a, b in views)
      and not any(a <= e["t"] <= b + 4 for a, b in flaps)]
print("refresh cycles logged: %d; upstream expiries of a watched group outside the flaps: %s"
      % (len(cyc), [(e["group"], round(e["t"] - labx.tfile("t.start"), 1)) for e in ex[:5]]))
assert len(cyc) >= 195 and not ex
PY

check_py "VmRSS growth < 5 % between cycle ~20 and the end; no fd growth" <<'PY'
import labq, labx
a = labx.snaps("snap.c20")[0]; b = labx.snaps("snap.end")[0]
s = labx.snaps("snaps.txt"); t0 = labx.tfile("t.start")
print("cycle ~20 (%.0f s): RSS %d KiB, %d fds; end (%.0f s): RSS %d KiB (%+.2f %%), %d fds; every 10 s: %s"
      % (a[0] - t0, a[1], a[2], b[0] - t0, b[1], 100.0 * (b[1] - a[1]) / a[1], b[2],
         [(round(x[0] - t0), x[1], x[2]) for x in s]))
assert b[1] < a[1] * 1.05
assert b[2] <= a[2] and max(x[2] for x in s if x[0] >= a[0]) <= a[2]
PY

lab_done
