#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/demo.sh - the README's Quick start 1: shows the Movistar+ fault and the fix, live.
#
# Installs what is missing (apt-get), builds (meson + ninja), then runs a lab in network
# namespaces: an emulated Movistar+ upstream router that never queries and forgets a group
# 4 s after the last report it heard (the real one: 260 s), the daemon refreshing its upstream
# memberships every second, and a set-top box watching 239.0.5.185. One status line a second,
# a summary, and everything is torn down (also on Ctrl-C).
#
#   tests/demo.sh                      with the refresh (the picture keeps flowing)
#   tests/demo.sh --without-refresh    as a standard proxy (the picture freezes after ~4 s)
#   tests/demo.sh --duration 60        watch longer (default 30 s)
#
# Run as root (network namespaces). Nothing leaves the lab: addresses 198.18.0.0/15 only.
# shellcheck source-path=SCRIPTDIR disable=SC2119
set -u

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REFRESH=yes
DURATION=30
T=4
usage() {
        sed -n '11,14s/^#   //p' "${BASH_SOURCE[0]}"
}
while [ $# -gt 0 ]; do
        case $1 in
        --without-refresh) REFRESH=no ;;
        --with-refresh) REFRESH=yes ;;
        --duration)
                DURATION=${2:-}
                shift
                ;;
        -h | --help)
                usage
                exit 0
                ;;
        *)
                usage >&2
                exit 2
                ;;
        esac
        shift
done
if ! [[ $DURATION =~ ^[0-9]+$ ]] || [ "$DURATION" -lt 5 ] || [ "$DURATION" -gt 600 ]; then
        echo "demo: --duration must be 5..600 seconds" >&2
        exit 2
fi
if [ "$(id -u)" != 0 ]; then
        echo "demo: run as root (it builds network namespaces)" >&2
        exit 1
fi

# shellcheck source=deps.sh disable=SC1091
. "$top/tests/deps.sh"
echo "== Checking the build dependencies"
deps_install || exit 1
builddir=${BUILDDIR:-$top/build}
echo "== Building (meson + ninja in $builddir)"
build_tree "$builddir" || { echo "demo: the build failed" >&2; exit 1; }
IGMPPROXY=${IGMPPROXY:-$builddir/src/igmpproxy}
export IGMPPROXY

export LAB_T=$T
# shellcheck source=integration/lib.sh disable=SC1091
. "$top/tests/integration/lib.sh"

echo "== Building the lab (namespaces ${LAB_PFX}*)"
lab_setup
deco_version deco1 2
lab_start_upstream --forget-after "$T" --duration $((DURATION + 30))
# A query interval far beyond the demo: the deco reports only when it joins, as in real life
# between two of the proxy's general queries, so only the refresh can keep the group alive.
# The demo shows the refresh alone: the stall watch (StallTimeoutSec), which would also bring
# a frozen stream back after a few seconds, is off in both modes.
cfg=$(CFG_REFRESH=$REFRESH CFG_PROXY_EXTRA="StallTimeoutSec=0" CFG_QI=125 CFG_QRI=10 lab_std_config igmpproxy.ini)
lab_start_proxy "$cfg"
deco_join deco1 deco1 --group 239.0.5.185 --duration "$DURATION" \
        --progress "$LAB_TMP/progress.jsonl"

if [ "$REFRESH" = yes ]; then
        echo "== Refresh ON: the daemon reports 239.0.5.185 upstream every 1 s; the upstream forgets after ${T} s"
else
        echo "== Refresh OFF (a standard proxy): nobody reports after the join; the upstream forgets after ${T} s"
fi
echo "   elapsed  pkts/s  longest gap  stream         upstream   reports heard  upstream expiries"

# One status line from the deco's progress file and the emulator's log.
STATUS_PY='
import sys, labq
T = float(sys.argv[1])
p = labq.load(labq.tmp("progress.jsonl"))
log = labq.upstream()
G = "239.0.5.185"
if not p:
    sys.exit(0)
last = p[-1]
rep = labq.reports(log, G, "198.18.0.2")
exp = labq.events(log, "expire", G)
joins = labq.events(log, "join", G)
held = bool(joins) and (not exp or exp[-1]["t"] < joins[-1]["t"])
cur = last["cur_gap"]
if last["count"] == 0:
    state = "waiting"
elif cur is not None and cur > 0.5:
    state = "FROZEN %5.1fs" % cur
else:
    state = "flowing"
avoided = 0
if held and joins:
    avoided = int((last["t"] - joins[-1]["t"]) // T)
print("   %5.0fs  %6d  %9.2fs   %-13s  %-9s  %13d  avoided %d, real %d"
      % (last["elapsed"], last["count_1s"], last["max_gap"], state,
         "held" if held else "forgotten", len(rep), avoided, len(exp)))
'
for ((i = 1; i <= DURATION; i++)); do
        sleep 1
        kill -0 "${LAB_DECO_PID[deco1]}" 2>/dev/null || break
        kill -0 "$LAB_PROXY_PID" 2>/dev/null || { echo "demo: the daemon died" >&2; break; }
        py "$T" <<<"$STATUS_PY"
done
deco_wait deco1 20

echo "== Summary"
py "$T" "$REFRESH" <<'PY'
import sys, labq
T = float(sys.argv[1]); refresh = sys.argv[2] == "yes"
d = labq.summary("deco1"); log = labq.upstream(); G = "239.0.5.185"
g = d["groups"][G]
rep = labq.reports(log, G, "198.18.0.2")
exp = labq.events(log, "expire", G)
watched = d["end"] - d["join_time"]
print("   watched %.0f s; the deco received %d packets (the stream sends 50 a second)" % (watched, g["count"]))
print("   the upstream heard %d reports from the proxy and forgot the group %d time(s)" % (len(rep), len(exp)))
if g["count"] == 0:
    print("   no packet at all: see the logs")
elif g["tail"] > 0.5 or g["n_gaps"]:
    stop = g["gaps"][0][0] if g["gaps"] else g["last"]
    last_rep = max([t for t in rep if t <= stop] or [d["join_time"]])
    print("   the picture FROZE %.1f s after the join, %.1f s after the last report the upstream "
          "heard, and stayed frozen for %.1f s" % (stop - d["join_time"], stop - last_rep,
                                                   g["tail"] if not g["gaps"] else g["gaps"][0][1]))
    if not refresh:
        print("   -> this is the Movistar+ fault (real life: 260 s instead of %.0f s). Run without "
              "--without-refresh to see the fix." % T)
else:
    print("   the picture never froze: longest gap %.3f s over %.0f s, %d times the upstream's "
          "%.0f s timeout" % (g["max_gap"], watched, int(watched // T), T))
PY

lab_stop_proxy >/dev/null
lab_stop_upstream
echo "== Cleaning up (namespaces deleted)"
lab_done >/dev/null
