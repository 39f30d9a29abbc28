#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-notify.sh - the daemon's side of Type=notify and WatchdogSec=, without systemd: the real
# daemon runs in the lab's router namespace under tests/systemd/notify-harness.py, which plays
# systemd (NOTIFY_SOCKET, WATCHDOG_USEC/WATCHDOG_PID) and logs every notification.
#  A. READY=1 only once the VIFs exist (the harness freezes the daemon at READY=1 and reads
#     /proc/net/ip_mr_vif of the router); STATUS= text before and after a deco joins; WATCHDOG=1
#     every WATCHDOG_USEC/2; SIGHUP -> RELOADING=1 with MONOTONIC_USEC= (the daemon's
#     CLOCK_MONOTONIC at the reload) then READY=1 and the new STATUS=; a broken file on SIGHUP ->
#     still alive, STATUS= says "reload failed, old configuration kept: FILE:LINE ..."; with
#     IGMPPROXY_TEST_HOOKS=1, SIGUSR1 (protocol timers no longer served) stops the pings while
#     the process lives and its loop still answers SIGHUP; SIGTERM -> STOPPING=1, exit 0, no VIF
#     and no MFC entry left.
#  B. IGMPPROXY_TEST_HOOKS=1, SIGUSR2 stalls the loop: the pings stop and the harness's
#     watchdog fires SIGABRT, like WatchdogSec= would.
#  C. Without IGMPPROXY_TEST_HOOKS the same signals change nothing: the pings go on.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# The watchdog checks use the fault hooks, built only with -Dtest-hooks=true (tests/run-tests.sh
# builds so); a build without them skips this test instead of failing it.
if ! "$IGMPPROXY" --version 2>/dev/null | grep -q 'test hooks built in'; then
        echo "1..0 # SKIP $IGMPPROXY was built without -Dtest-hooks=true"
        exit 77
fi

HARNESS=$LAB_REPO/tests/systemd/notify-harness.py
G=239.0.5.185
WD=2 # WatchdogSec of the harness: pings expected every 1 s
HARNESS_PID=
NLOG=

# harness_start NAME [harness options] -- DAEMON ARGS: runs the harness in the host namespace,
# the daemon (ip netns exec execs it, so its PID is the one the harness started) in RTR.
harness_start() {
        local name=$1
        shift
        NLOG=$LAB_TMP/$name.jsonl
        : >"$NLOG"
        rm -f "$LAB_TMP/$name.pid"
        "$PYTHON" "$HARNESS" --log "$NLOG" --pid-file "$LAB_TMP/$name.pid" "$@" \
                >"$LAB_TMP/$name.out" 2>&1 </dev/null &
        HARNESS_PID=$!
        LAB_PIDS+=("$HARNESS_PID")
        LAB_PROXY_LOG=$LAB_TMP/$name.out
}

daemon_pid() {
        cat "$LAB_TMP/$1.pid" 2>/dev/null
}

# nlog_count PATTERN: how many lines of the harness log contain PATTERN (fixed string).
nlog_count() {
        grep -cF -- "$1" "$NLOG" 2>/dev/null
}

# wait_count PATTERN N TIMEOUT_S: waits (bounded) until PATTERN occurs N times in the log.
wait_count() {
        local pat=$1 n=$2 i max
        max=$(awk -v t="$3" 'BEGIN { printf "%d", t * 20 }')
        for ((i = 0; i < max; i++)); do
                [ "$(nlog_count "$pat")" -ge "$n" ] && return 0
                sleep 0.05
        done
        return 1
}

# alive PID: running and not a zombie (kill -0 is true for zombies).
# shellcheck disable=SC2317 # called through check
alive() {
        [ -n "$1" ] && grep -q '^State:[^Z]*$' "/proc/$1/status" 2>/dev/null
}

mark() {
        lab_now >"$LAB_TMP/mark.$1"
}

lab_setup
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)
RTR=$(lab_ns rtr)

# ------------------------------------------------------------------ A
harness_start a --watchdog-sec "$WD" --watchdog-action none --timeout 90 \
        --freeze-on-ready --on-ready "ip netns exec $RTR cat /proc/net/ip_mr_vif" \
        -- ip netns exec "$RTR" env IGMPPROXY_TEST_HOOKS=1 "$IGMPPROXY" "$cfg"
if ! wait_count '"key":"READY","value":"1"' 1 5; then
        lab_bail "no READY=1 within 5 s ($(tail -n 5 "$LAB_TMP/a.out" | tr '\n' ' '))"
fi
PID=$(daemon_pid a)
diag "daemon PID $PID"

check_py "A: READY=1 arrives when the VIFs of vlan2 and vlan10 exist (daemon frozen at READY=1)" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
r = [e for e in log if e["ev"] == "on_ready"]
assert r, "the on-ready check did not run"
out = r[0]["out"]
print("/proc/net/ip_mr_vif at READY=1:\n" + out.strip())
names = [l.split()[1] for l in out.splitlines()[1:] if len(l.split()) > 1]
assert r[0]["rc"] == 0 and "vlan2" in names and "vlan10" in names
PY

check_py "A: STATUS= before READY=1 tells the groups, listeners and refresh" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
n = [e for e in log if e["ev"] == "notify"]
ready = next(e["msg"] for e in n if e["key"] == "READY")
st = [e["value"] for e in n if e["key"] == "STATUS" and e["msg"] <= ready]
print("STATUS= up to READY=1:", st)
assert st and st[-1] == "0 groups, 0 on vlan10, refresh every 1s"
PY

deco_join deco1 deco1 --group "$G" --duration 60
wait_count '"value":"1 group, 1 on vlan10, refresh every 1s"' 1 5
check "A: STATUS= follows the join: \"1 group, 1 on vlan10, refresh every 1s\"" \
        grep -F '"key":"STATUS","value":"1 group, 1 on vlan10, refresh every 1s"' "$NLOG"

sleep 4
check_py "A: WATCHDOG=1 every WATCHDOG_USEC/2 (= 1 s), first one at start" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
start = log[0]["t"]
p = [e["t"] for e in log if e["ev"] == "notify" and e["key"] == "WATCHDOG"]
st = labq.stats(labq.intervals(p))
print("pings: %d, first %.3f s after the start; intervals %s" % (len(p), p[0] - start, labq.fmt(st)))
assert p[0] - start < 1.0
assert st["n"] >= 4 and 0.95 <= st["mean"] <= 1.05 and st["max"] < 1.3 and st["min"] > 0.7
assert not [e for e in log if e["ev"] == "watchdog_timeout"]
PY

# -- SIGHUP with a changed file (IntervalSec=2): RELOADING=1 + MONOTONIC_USEC=, READY=1.
CFG_REFRESH_INTERVAL=2 lab_std_config igmpproxy.ini.new >/dev/null
mv "$LAB_TMP/igmpproxy.ini.new" "$cfg"
n_ready=$(nlog_count '"key":"READY"')
mark hup1
kill -HUP "$PID"
wait_count '"key":"READY"' $((n_ready + 1)) 5
mark hup1_done
check_py "A: SIGHUP -> RELOADING=1 with MONOTONIC_USEC= of the reload, then READY=1 and the new STATUS=" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
t1 = float(open(labq.tmp("mark.hup1")).read()); t2 = float(open(labq.tmp("mark.hup1_done")).read())
n = [e for e in log if e["ev"] == "notify" and e["t"] >= t1]
rl = [e for e in n if e["key"] == "RELOADING"]
assert rl, "no RELOADING=1"
msg = rl[0]["msg"]
same = {e["key"]: e["value"] for e in n if e["msg"] == msg}
mono = int(same["MONOTONIC_USEC"]) / 1e6
rdy = [e for e in n if e["key"] == "READY" and e["msg"] > msg]
after = [e["value"] for e in n if e["key"] == "STATUS" and e["msg"] > msg]
print("RELOADING=1 %.3f s after SIGHUP, in one datagram with %s" % (rl[0]["t"] - t1, sorted(same)))
print("MONOTONIC_USEC=%s: %.3f s after SIGHUP; READY=1 %.3f s after RELOADING=1" %
      (same["MONOTONIC_USEC"], mono - t1, rdy[0]["t"] - rl[0]["t"] if rdy else -1))
print("STATUS= after:", after)
assert same.get("RELOADING") == "1"
assert t1 <= mono <= rl[0]["t"], "MONOTONIC_USEC not the time of the reload"
assert rdy and rdy[0]["t"] <= t2
assert after and after[-1] == "1 group, 1 on vlan10, refresh every 2s"
PY

# -- SIGHUP with a broken file: the daemon lives on with the old configuration.
cp "$cfg" "$LAB_TMP/good.ini"
printf '[Proxy]\nQuickLeave=maybe\n' >"$LAB_TMP/igmpproxy.ini.new"
mv "$LAB_TMP/igmpproxy.ini.new" "$cfg"
n_ready=$(nlog_count '"key":"READY"')
mark hup2
kill -HUP "$PID"
wait_count '"key":"READY"' $((n_ready + 1)) 5
sleep 0.3
export CFG=$cfg
check_py "A: broken file on SIGHUP: RELOADING=1, READY=1, STATUS= names FILE:LINE, old settings kept" <<'PY'
import os, labq
log = labq.load(labq.tmp("a.jsonl"))
t = float(open(labq.tmp("mark.hup2")).read())
n = [e for e in log if e["ev"] == "notify" and e["t"] >= t]
keys = [e["key"] for e in n]
st = [e["value"] for e in n if e["key"] == "STATUS"]
print("after SIGHUP:", keys)
print("STATUS=", st[-1] if st else None)
assert "RELOADING" in keys and "READY" in keys
want = "1 group, 1 on vlan10, refresh every 2s; reload failed, old configuration kept: %s:2" % os.environ["CFG"]
assert st and st[-1].startswith(want), "expected it to start with " + want
PY
check "A: the daemon is still running after the rejected reload" alive "$PID"
cp "$LAB_TMP/good.ini" "$cfg"

# -- SIGUSR1 (test hook): protocol timers no longer served, the loop runs on.
mark usr1
kill -USR1 "$PID"
sleep 7
mark usr1_end
check_py "A: SIGUSR1 hook: WATCHDOG=1 stops once a timer is one IntervalSec (2 s) overdue; none since" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
t = float(open(labq.tmp("mark.usr1")).read()); t_end = float(open(labq.tmp("mark.usr1_end")).read())
p = [e["t"] for e in log if e["ev"] == "notify" and e["key"] == "WATCHDOG" and e["t"] >= t]
to = [e["t"] - t for e in log if e["ev"] == "watchdog_timeout" and e["t"] >= t]
last = p[-1] - t if p else 0.0
print("pings after SIGUSR1: %d, the last %.3f s after it; silent for %.3f s up to the check; "
      "harness watchdog timeouts at %s s" % (len(p), last, t_end - t - last, [round(x, 2) for x in to]))
# The next timer is due within QueryIntervalSec (2 s), overdue IntervalSec (2 s) later.
assert last <= 4.0, "pings went on"
assert t_end - t - last >= 2.5
assert to, "the harness saw no watchdog timeout"
PY
check "A: ... while the process lives" alive "$PID"
check "A: ... and logs why it withholds the pings" grep -q "Protocol timers are overdue" "$LAB_TMP/a.out"
n_ready=$(nlog_count '"key":"READY"')
kill -HUP "$PID"
check "A: ... and its loop still answers SIGHUP (RELOADING=1/READY=1)" wait_count '"key":"READY"' $((n_ready + 1)) 5

# -- SIGTERM: STOPPING=1, exit 0, nothing left in the kernel.
mark term
kill -TERM "$PID"
lab_wait_pid "$HARNESS_PID" 10
check_py "A: SIGTERM -> STOPPING=1, then exit status 0" <<'PY'
import labq
log = labq.load(labq.tmp("a.jsonl"))
t = float(open(labq.tmp("mark.term")).read())
n = [e for e in log if e["ev"] == "notify" and e["t"] >= t]
ex = [e for e in log if e["ev"] == "exit"]
stop = [e for e in n if e["key"] == "STOPPING"]
print("after SIGTERM:", ["%s=%s" % (e["key"], e["value"]) for e in n], "exit:", ex)
assert stop and stop[0]["value"] == "1"
assert ex and ex[0].get("status") == 0
PY
vifs=$(lab_vifs | tr '\n' ' ')
mfc=$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)
check "A: no VIF and no MFC entry left (VIFs: ${vifs:-none}, MFC: $mfc)" test -z "$vifs" -a "$mfc" = 0
deco_wait deco1 5

# ------------------------------------------------------------------ B
harness_start b --watchdog-sec "$WD" --watchdog-action abort --timeout 30 \
        -- ip netns exec "$RTR" env IGMPPROXY_TEST_HOOKS=1 "$IGMPPROXY" "$cfg"
wait_count '"key":"READY","value":"1"' 1 5 || lab_bail "B: no READY=1 within 5 s"
sleep 1.5
mark usr2
kill -USR2 "$(daemon_pid b)"
lab_wait_pid "$HARNESS_PID" 15
hrc=$?
check "B: SIGUSR2 stall: the harness's watchdog fired (exit status 2, got $hrc)" test "$hrc" = 2
check_py "B: the pings stopped with the stall; SIGABRT within WatchdogSec of the last one; the daemon died of it" <<'PY'
import labq
log = labq.load(labq.tmp("b.jsonl"))
t = float(open(labq.tmp("mark.usr2")).read())
p = [e["t"] for e in log if e["ev"] == "notify" and e["key"] == "WATCHDOG"]
before = [x for x in p if x < t]
after = [x for x in p if x >= t]
to = [e for e in log if e["ev"] == "watchdog_timeout"]
ex = [e for e in log if e["ev"] == "exit"]
print("pings before the stall: %d, after: %d; SIGABRT %.3f s after SIGUSR2, %.3f s after the last ping; exit %s"
      % (len(before), len(after), to[0]["t"] - t, to[0]["t"] - p[-1], ex))
assert len(before) >= 2 and not after
assert to and to[0]["t"] - p[-1] <= 2.2 and to[0]["t"] - t <= 2.2
assert ex and ex[0].get("signal") == "ABRT"
PY
vifs=$(lab_vifs | tr '\n' ' ')
check "B: the killed daemon left no VIF behind (the kernel drops them with its socket): ${vifs:-none}" \
        test -z "$vifs"

# ------------------------------------------------------------------ C
harness_start c --watchdog-sec "$WD" --watchdog-action abort --timeout 30 \
        -- ip netns exec "$RTR" env -u IGMPPROXY_TEST_HOOKS "$IGMPPROXY" "$cfg"
wait_count '"key":"READY","value":"1"' 1 5 || lab_bail "C: no READY=1 within 5 s"
PID=$(daemon_pid c)
mark c
kill -USR2 "$PID"
kill -USR1 "$PID"
sleep 3.5
check_py "C: without IGMPPROXY_TEST_HOOKS=1, SIGUSR1/SIGUSR2 change nothing: pings go on" <<'PY'
import labq
log = labq.load(labq.tmp("c.jsonl"))
t = float(open(labq.tmp("mark.c")).read())
p = [e["t"] for e in log if e["ev"] == "notify" and e["key"] == "WATCHDOG" and e["t"] >= t]
print("pings in the 3.5 s after SIGUSR2+SIGUSR1:", len(p))
assert len(p) >= 3 and not [e for e in log if e["ev"] == "watchdog_timeout"]
PY
kill -TERM "$PID"
lab_wait_pid "$HARNESS_PID" 10
hrc=$?
check "C: exit 0 on SIGTERM (harness status $hrc)" test "$hrc" = 0
grep -F 'test-only' "$LAB_TMP/c.out" && fail "C: the daemon armed the test hooks without the variable"

lab_stop_upstream
lab_done
