#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzz.sh [SECONDS] - builds every libFuzzer target of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined, UBSan not recoverable) into a temp dir and runs each for
# SECONDS (default 60) on a temp copy of its seed corpus (the repository is never written).
# fuzz-core is the stateful one: the protocol core driven by a program (see fuzz-core.c).
# Prints the executions per target; exits 1 on any crash, leak, timeout or sanitizer report
# (the reproducer is printed as hex and kept with the log in the temp dir, whose path is
# printed), 77 (meson: SKIP) without clang or libinih.
#
# Environment: FUZZ_JOBS  targets run at once (default: the number of CPUs, at most 4);
#              FUZZ_TARGETS  space-separated subset of the target names;
#              CC  the clang to use (default: clang).
# Meson: `meson test -C build --suite fuzz` (tests/fuzz/meson.build).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-60}
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

# target name -> sources it needs besides the target itself (under src/, globs allowed;
# fuzz/X: tests/fuzz/X)
declare -A SOURCES=(
        [fuzz-igmp-packet]="shared/util.c core/igmp-packet.c"
        [fuzz-igmp-v3-records]="shared/util.c core/igmp-packet.c"
        [fuzz-config-ini]="shared/util.c config/config.c config/config-value.c config/config-ini.c config/config-legacy.c config/config-load.c"
        [fuzz-config-legacy]="shared/util.c config/config.c config/config-value.c config/config-ini.c config/config-legacy.c config/config-load.c"
        [fuzz-core]="shared/util.c shared/hash.c config/*.c core/*.c fuzz/fuzz-core-model.c"
)
declare -A CORPUS=(
        [fuzz-igmp-packet]=corpus-igmp
        [fuzz-igmp-v3-records]=corpus-igmp-v3
        [fuzz-config-ini]=corpus-config-ini
        [fuzz-config-legacy]=corpus-config-legacy
        [fuzz-core]=corpus-core
)
declare -A DICT=(
        [fuzz-config-ini]=config-ini.dict
        [fuzz-config-legacy]=config-legacy.dict
)
read -r -a targets <<<"${FUZZ_TARGETS:-fuzz-igmp-packet fuzz-igmp-v3-records fuzz-config-ini fuzz-config-legacy fuzz-core}"

cc=${CC:-clang}
case $cc in *clang*) ;; *) cc=clang ;; esac
if ! command -v "$cc" >/dev/null; then
        echo "1..0 # SKIP no clang (install clang and libclang-rt-14-dev: tests/deps.sh)"
        exit 77
fi
if ! inih=$(pkg-config --cflags --libs inih 2>/dev/null); then
        echo "1..0 # SKIP no libinih (pkg-config inih)"
        exit 77
fi
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -gt 4 ] && jobs=4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/igmpproxy-fuzz.XXXXXX") || exit 1
keep=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
        local f
        # Stop the fuzzers still running (interrupt, timeout), by PID.
        for f in "$tmp"/*.pid; do
                [ -f "$f" ] && [ ! -f "${f%.pid}.rc" ] && kill -TERM "$(cat "$f")" 2>/dev/null
        done
        wait 2>/dev/null
        if [ "$keep" = 1 ]; then
                echo "# logs and reproducers kept in $tmp"
        else
                rm -rf "$tmp"
        fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

cflags=(-g -O1 -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer
        "-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=all -I"$top/src/shared" -I"$top/src/config" -I"$top/src/core")

# Build (all first: a target that does not compile fails the run before any fuzzing).
t0=$SECONDS
for t in "${targets[@]}"; do
        if [ -z "${SOURCES[$t]:-}" ]; then
                echo "unknown target $t" >&2
                exit 2
        fi
        srcs=("$here/$t.c")
        for s in ${SOURCES[$t]}; do
                case $s in
                fuzz/*) srcs+=("$here/${s#fuzz/}") ;; # the target's own helpers
                *) for f in "$top/src/"$s; do srcs+=("$f"); done ;; # a glob: a whole layer
                esac
        done
        # shellcheck disable=SC2086 # pkg-config output is a word list
        if ! "$cc" "${cflags[@]}" "${srcs[@]}" $inih -o "$tmp/$t" 2>"$tmp/$t.build.log"; then
                cat "$tmp/$t.build.log"
                echo "not ok - $t does not build"
                keep=1
                exit 1
        fi
done
echo "# built ${#targets[@]} targets with $("$cc" --version | head -n1) in $((SECONDS - t0)) s"

# run_one TARGET: fuzzes SECONDS on a temp corpus; the verdict goes to $tmp/TARGET.rc.
run_one() {
        local t=$1 rc dict=()
        local corpus=$tmp/corpus-$t
        mkdir -p "$corpus" "$tmp/artifacts-$t"
        cp "$here/${CORPUS[$t]}/"* "$corpus/"
        [ -n "${DICT[$t]:-}" ] && dict=(-dict="$here/${DICT[$t]}")
        # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a blow-up is a finding.
        ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
                "$tmp/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
                -print_final_stats=1 "${dict[@]}" -artifact_prefix="$tmp/artifacts-$t/" \
                "$corpus" >"$tmp/$t.log" 2>&1 </dev/null &
        echo $! >"$tmp/$t.pid"
        wait $!
        rc=$?
        echo "$rc" >"$tmp/$t.rc"
}

t0=$SECONDS
running=0
for t in "${targets[@]}"; do
        if [ "$running" -ge "$jobs" ]; then
                wait -n
                running=$((running - 1))
        fi
        run_one "$t" &
        running=$((running + 1))
done
wait

failed=0 n=0
for t in "${targets[@]}"; do
        n=$((n + 1))
        rc=$(cat "$tmp/$t.rc" 2>/dev/null || echo 1)
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log" | tail -n1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$t.log" | tail -n1)
        cov=$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$tmp/$t.log" | tail -n1 |
                sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
        if [ "$rc" = 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed' "$tmp/$t.log"; then
                echo "ok $n - $t: ${execs:-?} executions in $secs s (${rate:-?}/s; ${cov:-no coverage line})"
                continue
        fi
        failed=$((failed + 1))
        keep=1
        echo "not ok $n - $t: exit status $rc after ${execs:-?} executions"
        echo "# ---- $t: findings (log $tmp/$t.log) ----"
        if grep -q '^==== the program again' "$tmp/$t.log"; then
                # fuzz-core replays the broken program step by step: its end, to the broken rule
                sed -n '/^==== fuzz-core:/,/^invariant failed/p' "$tmp/$t.log" | tail -n 300 | sed 's/^/# /'
        else
                grep -E -A40 'ERROR: |runtime error:|invariant failed|re-parsing|differs|prints differently' \
                        "$tmp/$t.log" | head -n 120 | sed 's/^/# /'
        fi
        for a in "$tmp/artifacts-$t/"*; do
                [ -f "$a" ] || continue
                echo "# reproducer $(basename "$a") ($(stat -c %s "$a") bytes), hex:"
                head -c 4096 "$a" | od -An -tx1 -v | sed 's/^/#  /'
                echo "# reproduce: $tmp/$t $a"
                [ "$t" = fuzz-core ] && echo "#   (FUZZ_CORE_TRACE=1 prints every step)"
        done
done
echo "1..$n"
echo "# fuzzing took $((SECONDS - t0)) s ($jobs at a time)"
[ "$failed" -eq 0 ] || exit 1
exit 0
