#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh - the benchmarks of igmpproxy (Movistar+ edition) against Debian's igmpproxy,
# in one run, in network namespaces. See docs/PERFORMANCE.md and bench/README.md.
#
# This script checks the prerequisites, installs the cleanup trap and runs bench/bench.py,
# which does the work. It builds nothing: build the daemon first (meson/ninja).

set -u

usage() {
        cat <<EOF
Usage: bench/run.sh [--quick] [--reps N] [--only LIST] [--out DIR]

Benchmarks our daemon and Debian's igmpproxy (0.3, /usr/sbin/igmpproxy) in the same run and
the same netns topology, and prints one table per benchmark with both figures and the ratio
igmpproxy/ours (> 1: ours faster or cheaper):
  zap        join → first forwarded packet (and the direct path without a proxy)
  leave      deco leave → upstream leave and → last forwarded packet (quickleave)
  cpu        CPU time per 1,000 reports at 10 .. 10,000 active groups, and at 10 / 1,000
             groups all streaming (ours with its stall watch on)
  cpustream  only the streaming half of cpu (not in the default set: cpu has it)
  refresh    CPU time and wire spread of one refresh cycle at 1,000 groups (ours only)
  idle       wakeups per minute, CPU and RSS at 0 / 100 / 1,000 silent groups and at
             2 / 1,000 streaming groups, twelve routers side by side
  startstop  start → ready and SIGTERM → exit with 1,000 groups

  --quick      tiny counts (10 zaps, 10/100 groups, 1 repetition), about 55 s: the CI smoke test
  --reps N     repetitions (default 3; quick: 1)
  --only LIST  comma-separated subset of the names above
  --out DIR    where results.md and results.json go (default: a new directory in \$TMPDIR)
  -h, --help   this text

Needs root, iproute2 (ip netns), /usr/bin/python3 and both daemons:
  ours      \$IGMPPROXY, or build/src/igmpproxy (meson setup build && ninja -C build)
  baseline  \$IGMPPROXY_BASELINE, or /usr/sbin/igmpproxy, or else Debian's igmpproxy package
            unpacked into build/baseline (apt-get download + dpkg-deb -x: nothing is
            installed and no service starts); it runs in the foreground, -n -d
Exit status: 0 every benchmark produced its figures, 1 one crashed or gave no number
(performance goals never fail the run), 2 usage or missing daemon, 77 not root / no netns /
no baseline (skip). A full run takes about 12 minutes.
EOF
}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
ARGS=()
OUT=
QUICK=0
while [ $# -gt 0 ]; do
        case $1 in
        -h | --help) usage; exit 0 ;;
        --quick) ARGS+=(--quick); QUICK=1 ;;
        --reps)
                [[ ${2:-} =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: --reps needs a number 1-99" >&2; exit 2; }
                ARGS+=(--reps "$2"); shift ;;
        --only)
                [ -n "${2:-}" ] || { echo "run.sh: --only needs a list" >&2; exit 2; }
                ARGS+=(--only "$2"); shift ;;
        --out)
                [ -n "${2:-}" ] || { echo "run.sh: --out needs a directory" >&2; exit 2; }
                OUT=$2; shift ;;
        *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
        esac
        shift
done

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: the benchmarks need root (network namespaces)"
        exit 77
fi
if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
        echo "SKIP: no 'ip netns' (iproute2)"
        exit 77
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }

OURS=${IGMPPROXY:-$REPO/build/src/igmpproxy}
if [ ! -x "$OURS" ]; then
        echo "run.sh: our daemon is not built: $OURS (meson setup build && ninja -C build, or set IGMPPROXY)" >&2
        exit 2
fi
BASE=${IGMPPROXY_BASELINE:-/usr/sbin/igmpproxy}
# Not installed: unpack Debian's package into build/baseline instead. Unpacking (dpkg-deb -x)
# runs none of its maintainer scripts, so its init script never starts a daemon on this host.
if [ ! -x "$BASE" ] && [ -z "${IGMPPROXY_BASELINE:-}" ] && command -v apt-get >/dev/null; then
        unpacked=$REPO/build/baseline/root/usr/sbin/igmpproxy
        if [ ! -x "$unpacked" ]; then
                mkdir -p "$REPO/build/baseline"
                (cd "$REPO/build/baseline" && rm -f igmpproxy_*.deb &&
                        timeout 120 apt-get download -qq igmpproxy >/dev/null 2>&1 &&
                        dpkg-deb -x igmpproxy_*.deb root) || true
        fi
        [ -x "$unpacked" ] && BASE=$unpacked
fi
if [ ! -x "$BASE" ]; then
        echo "SKIP: the baseline $BASE is missing (apt-get install -y igmpproxy, or set IGMPPROXY_BASELINE)"
        exit 77
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/igmpbench.XXXXXX") || exit 1
# Measure a snapshot: a rebuild of build/src/igmpproxy during the run must not mix two builds.
cp -p "$OURS" "$TMP/igmpproxy" || exit 1
[ -n "$OUT" ] || OUT=$TMP/results
PREFIX="igb$$"      # namespace names are global: unique per run (pitfall 13)
export PYTHONDONTWRITEBYTECODE=1    # no __pycache__ left in bench/
CHILD=

# Fallback cleanup: bench.py cleans up after itself; this catches a crash or a signal.
# Processes: only PIDs the run recorded, and only while they still live in one of our
# namespaces (a recycled PID elsewhere is left alone). Then our namespaces.
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
        local rc=$? pid ns i
        trap - EXIT INT TERM HUP
        if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
                kill -TERM "$CHILD" 2>/dev/null
                for ((i = 0; i < 100; i++)); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.1; done
        fi
        if [ -s "$TMP/pids" ]; then
                while read -r pid; do
                        ns=$(ip netns identify "$pid" 2>/dev/null) || continue
                        case $ns in
                        "$PREFIX"*) kill -TERM "$pid" 2>/dev/null ;;
                        esac
                done <"$TMP/pids"
                sleep 0.5
                while read -r pid; do
                        ns=$(ip netns identify "$pid" 2>/dev/null) || continue
                        case $ns in
                        "$PREFIX"*) kill -KILL "$pid" 2>/dev/null ;;
                        esac
                done <"$TMP/pids"
        fi
        if [ -s "$TMP/netns" ]; then
                while read -r ns; do
                        case $ns in
                        "$PREFIX"*) ip netns del "$ns" 2>/dev/null ;;
                        esac
                done <"$TMP/netns"
        fi
        if [ "$rc" = 0 ] && [ -z "${BENCH_KEEP:-}" ]; then
                if [ "$QUICK" = 1 ] && [ "$OUT" = "$TMP/results" ]; then
                        rm -rf "$TMP"           # a smoke run: its tables are in the output
                        echo "# quick run: raw results removed (give --out DIR to keep them)"
                else
                        # Keep the results, drop the raw logs.
                        find "$TMP" -mindepth 1 -maxdepth 1 ! -path "$OUT" -exec rm -rf {} + 2>/dev/null
                        [ "$OUT" = "$TMP/results" ] || rmdir "$TMP" 2>/dev/null
                fi
        else
                echo "# logs kept in $TMP"
        fi
        exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$PY" "$BENCH_DIR/bench.py" "${ARGS[@]}" --ours "$TMP/igmpproxy" --ours-origin "$OURS" --baseline "$BASE" \
        --tmp "$TMP" --prefix "$PREFIX" --out "$OUT" &
CHILD=$!
wait "$CHILD"
rc=$?
CHILD=
exit "$rc"
