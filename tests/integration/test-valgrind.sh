#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-valgrind.sh - one whole daemon lifecycle under valgrind's memcheck in the netns lab:
# start, deco1 joins 239.0.5.185 and watches through several refresh cycles (IntervalSec=1),
# SIGHUP with a changed file (IntervalSec=2, a blacklist), SIGHUP with a broken file (refused,
# the old configuration kept), deco1 leaves (quick leave: the daemon leaves upstream), SIGTERM.
# Passes if the daemon exits 0 and valgrind reports "ERROR SUMMARY: 0 errors" and no definitely
# or indirectly lost memory (--errors-for-leak-kinds=definite,indirect --error-exitcode=99: a
# leak also makes the exit status 99, which lab_stop_proxy reports).
#
# valgrind runs the daemon through a wrapper script that execs it (same PID, so lab_start_proxy,
# kill -HUP and lab_stop_proxy address the daemon as usual). Skipped (77) without valgrind or
# with a sanitizer build of the daemon (ASan and valgrind do not mix).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VALGRIND=${VALGRIND:-valgrind}
if ! command -v "$VALGRIND" >/dev/null; then
        echo "1..0 # SKIP no valgrind (tests/deps.sh installs it)"
        exit 77
fi
if ldd "$IGMPPROXY" 2>/dev/null | grep -qE 'lib(asan|ubsan|tsan)'; then
        echo "1..0 # SKIP $IGMPPROXY is a sanitizer build"
        exit 77
fi

REAL=$IGMPPROXY
VG_LOG=$LAB_TMP/valgrind.log
cat >"$LAB_TMP/igmpproxy-valgrind" <<EOF
#!/bin/sh
exec "$VALGRIND" --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \\
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \\
        --num-callers=30 --log-file="$VG_LOG" "$REAL" "\$@"
EOF
chmod +x "$LAB_TMP/igmpproxy-valgrind"
IGMPPROXY=$LAB_TMP/igmpproxy-valgrind

lab_setup
deco_version deco1 2
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
# valgrind slows the start (a few seconds): lab_start_proxy waits up to 5 s for the VIFs.
lab_start_proxy "$cfg" --no-bus

# reload EXPECT: SIGHUP, then waits (bounded, 10 s under valgrind) for the daemon's verdict line
# ("Configuration reloaded" / "Configuration not reloaded") and prints it; 0 if it is EXPECT.
# shellcheck disable=SC2317 # called through check
reload() {
        local expect=$1 pat='Configuration (not )?reloaded' n i
        n=$(grep -cE "$pat" "$LAB_PROXY_LOG")
        kill -HUP "$LAB_PROXY_PID"
        for ((i = 0; i < 100; i++)); do
                if [ "$(grep -cE "$pat" "$LAB_PROXY_LOG")" -gt "$n" ]; then
                        grep -E "$pat" "$LAB_PROXY_LOG" | tail -n1 | tee /dev/stderr | grep -q "$expect"
                        return
                fi
                sleep 0.1
        done
        echo "the daemon logged no outcome within 10 s"
        return 1
}

T_JOIN=$(lab_now)
deco_join deco1 deco1 --group 239.0.5.185 --duration 18 --leave-after 16
sleep 6
# 1. A changed, valid file: another refresh interval, a filter on the downstream interface.
CFG_REFRESH_INTERVAL=2 CFG_EXTRA='Blacklist=239.0.9.0/24' lab_std_config igmpproxy.ini >/dev/null
T_RELOAD=$(lab_now)
check "SIGHUP with a changed file: reloaded" reload 'Configuration reloaded'
sleep 3
# 2. A broken file: refused, the running configuration stays.
printf '[Refresh]\nIntervalSec=forever\n' >"$cfg"
check "SIGHUP with a broken file: refused, old configuration kept" reload 'Configuration not reloaded'
check "the daemon is still running after both reloads" kill -0 "$LAB_PROXY_PID"
deco_wait deco1 30
T_LEFT=$(lab_now)
sleep 2
lab_stop_proxy
lab_stop_upstream
export T_JOIN T_RELOAD T_LEFT

check_py "deco1 got 239.0.5.185 under valgrind and kept it until its leave (no gap > 500 ms)" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
if not g["count"]:
    labq.fail("no packet at all")
print("%d packets, first %.3f s after the join, max gap %.3f s, gaps > 500 ms: %s"
      % (g["count"], g["join_latency"], g["max_gap"], g["gaps"]))
assert g["join_latency"] < 2.0 and g["n_gaps"] == 0
PY

check_py "refresh reports upstream about every 1 s before the reload, every 2 s after it" <<'PY'
import os, labq
log = labq.upstream()
j, rl, left = (float(os.environ[k]) for k in ("T_JOIN", "T_RELOAD", "T_LEFT"))
r = labq.reports(log, "239.0.5.185", "198.18.0.2")
before = labq.stats(labq.intervals([t for t in r if j + 2 < t < rl]))
after = labq.stats(labq.intervals([t for t in r if rl + 2.5 < t < left - 4]))
print("before the reload:", labq.fmt(before), "; after:", labq.fmt(after))
assert before["n"] >= 3 and 0.7 <= before["mean"] <= 1.3
assert after["n"] >= 2 and 1.6 <= after["mean"] <= 2.4
PY

check_py "the deco's leave reached the upstream (quick leave)" <<'PY'
import os, labq
lv = [x for x in labq.igmp(labq.upstream(), src="198.18.0.2", type="leave")
      if x.get("group") == "239.0.5.185" and x["t"] >= float(os.environ["T_JOIN"]) + 15]
print("leaves for 239.0.5.185 from the daemon after the deco's leave:", len(lv))
assert lv
PY

vg_summary() {
        [ -s "$VG_LOG" ] || { echo "no valgrind log ($VG_LOG)"; return 1; }
        grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|All heap blocks|in use at exit' "$VG_LOG" |
                sed 's/^==[0-9]*== *//'
}
diag "$(vg_summary)"
check "valgrind: ERROR SUMMARY: 0 errors" grep -q 'ERROR SUMMARY: 0 errors' "$VG_LOG"
check "valgrind: no definitely or indirectly lost memory" bash -c "
        ! grep -qE '(definitely|indirectly) lost: [1-9]' '$VG_LOG' && grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' '$VG_LOG'"
if ! grep -q 'ERROR SUMMARY: 0 errors' "$VG_LOG" 2>/dev/null; then
        diag "---- valgrind log (first 200 lines) ----"
        diag "$(head -n 200 "$VG_LOG")"
fi

lab_done
