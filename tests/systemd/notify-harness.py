#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""notify-harness.py - stands in for systemd's side of Type=notify and WatchdogSec= (no systemd
needed): binds an AF_UNIX datagram socket, runs CMD with NOTIFY_SOCKET (and WATCHDOG_USEC and
WATCHDOG_PID with --watchdog-sec), and records every notification.

usage: notify-harness.py [options] -- CMD ARGS...

  --watchdog-sec S        export WATCHDOG_USEC; when no WATCHDOG=1 came for S seconds (counted
                          from the start, like systemd), act per --watchdog-action
  --watchdog-action A     abort (default: SIGABRT, like systemd) or none (only log the timeout
                          and re-arm: for checking that pings stop while the process lives)
  --timeout S             bound of the whole run (then SIGKILL); default 30
  --on-ready CMD          shell command run when the first READY=1 arrives; its exit status and
                          output are logged (event "on_ready")
  --freeze-on-ready       stop the child (SIGSTOP) while --on-ready runs, so the command sees
                          the state of the moment READY=1 arrived; SIGCONT afterwards
  --send-after-ready SIG:DELAY   send SIG DELAY s after READY=1 (repeatable), e.g. HUP:0.5
  --stop-after-ready S    SIGTERM S seconds after READY=1
  --log FILE              JSON lines (see below); --pid-file FILE: the child's PID

Output: one line per notification on stdout, "+T.TTT pid=N KEY=VALUE" (T from the start), and
in --log one JSON object per line, "t" in CLOCK_MONOTONIC seconds (comparable with the lab's
other logs): {"ev":"start","pid"} {"ev":"notify","pid","key","value","msg"} (msg numbers the
datagram) {"ev":"on_ready","rc","out"} {"ev":"watchdog_timeout","since"} {"ev":"signal","sig"}
{"ev":"exit","status"|"signal"}.
Exit status: 0 if READY=1 was seen and the watchdog never had to abort the child, 2 if the
watchdog fired SIGABRT, 1 otherwise.

Forwards SIGTERM/SIGINT/SIGHUP it receives itself as SIGTERM to the child, then SIGKILL after
2 s: the child never outlives the harness. Standard library only (/usr/bin/python3).
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--watchdog-sec", type=float, default=0)
ap.add_argument("--watchdog-action", choices=("abort", "none"), default="abort")
ap.add_argument("--timeout", type=float, default=30)
ap.add_argument("--on-ready")
ap.add_argument("--freeze-on-ready", action="store_true")
ap.add_argument("--send-after-ready", action="append", default=[], metavar="SIG:DELAY")
ap.add_argument("--stop-after-ready", type=float)
ap.add_argument("--log")
ap.add_argument("--pid-file")
ap.add_argument("cmd", nargs="+")
a = ap.parse_args()

logf = open(a.log, "a", buffering=1) if a.log else None
t0 = time.monotonic()


def log(ev, **kw):
    if logf:
        d = {"t": round(time.monotonic(), 6), "ev": ev}
        d.update(kw)
        logf.write(json.dumps(d, separators=(",", ":")) + "\n")


def say(text):
    print("+%.3f %s" % (time.monotonic() - t0, text), flush=True)


d = tempfile.mkdtemp(prefix="notify-")
path = os.path.join(d, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
env = dict(os.environ, NOTIFY_SOCKET=path)
cmd = a.cmd
if a.watchdog_sec:
    env["WATCHDOG_USEC"] = str(int(a.watchdog_sec * 1e6))
    # WATCHDOG_PID must be the service's own PID: set it from a shell that execs CMD.
    cmd = ["sh", "-c", 'WATCHDOG_PID=$$ exec "$0" "$@"'] + cmd

stop_req = {"sig": None}


def on_sig(signum, frame):
    stop_req["sig"] = signum


for sg in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sg, on_sig)

p = subprocess.Popen(cmd, env=env)
if a.pid_file:
    with open(a.pid_file + ".tmp", "w") as f:
        f.write("%d\n" % p.pid)
    os.replace(a.pid_file + ".tmp", a.pid_file)
log("start", pid=p.pid, cmd=a.cmd, watchdog_sec=a.watchdog_sec)
ready_at = None
last_wd = time.monotonic()
fired = False
nmsg = 0
pending = []
for x in a.send_after_ready:
    name, _, dly = x.partition(":")
    pending.append((getattr(signal, "SIG" + name), float(dly or 0)))
if a.stop_after_ready is not None:
    pending.append((signal.SIGTERM, a.stop_after_ready))


def send(sig):
    say("harness: sending %s" % sig.name)
    log("signal", sig=sig.name[3:])
    try:
        p.send_signal(sig)
    except ProcessLookupError:
        pass


def on_ready():
    if a.freeze_on_ready:
        p.send_signal(signal.SIGSTOP)
    try:
        r = subprocess.run(a.on_ready, shell=True, capture_output=True, text=True, timeout=10)
        rc, out = r.returncode, r.stdout + r.stderr
    except subprocess.TimeoutExpired:
        rc, out = 124, "timeout"
    finally:
        if a.freeze_on_ready:
            p.send_signal(signal.SIGCONT)
    log("on_ready", rc=rc, out=out)
    say("harness: on-ready command exit %d" % rc)


def receive(timeout):
    """One datagram (or none within timeout); returns True if one was handled."""
    global ready_at, last_wd, nmsg
    s.settimeout(timeout)
    try:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        return False
    pid = None
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
    nmsg += 1
    run_ready = False
    for line in msg.decode(errors="replace").splitlines():
        key, _, value = line.partition("=")
        say("pid=%s %s" % (pid, line))
        log("notify", pid=pid, key=key, value=value, msg=nmsg)
        if line == "READY=1" and ready_at is None:
            ready_at = time.monotonic()
            run_ready = a.on_ready is not None
        if line == "WATCHDOG=1":
            last_wd = time.monotonic()
    if run_ready:
        on_ready()
    return True


killed_for_timeout = False
while p.poll() is None:
    now = time.monotonic()
    if stop_req["sig"] is not None:
        say("harness: got %s, stopping the child" % signal.Signals(stop_req["sig"]).name)
        stop_req["sig"] = None
        send(signal.SIGTERM)
        try:
            p.wait(2)
        except subprocess.TimeoutExpired:
            p.kill()
        break
    if now - t0 > a.timeout:
        say("harness: timeout, SIGKILL")
        log("timeout")
        killed_for_timeout = True
        p.kill()
        break
    if a.watchdog_sec and now - last_wd > a.watchdog_sec:
        since = now - last_wd
        if a.watchdog_action == "abort" and not fired:
            say("harness: watchdog timeout (%.3f s without WATCHDOG=1), SIGABRT" % since)
            log("watchdog_timeout", since=round(since, 6), action="abort")
            send(signal.SIGABRT)
            fired = True
        elif a.watchdog_action == "none":
            say("harness: watchdog timeout (%.3f s without WATCHDOG=1), no action" % since)
            log("watchdog_timeout", since=round(since, 6), action="none")
        last_wd = now        # re-arm (systemd acts once; "none" keeps reporting)
    if ready_at is not None:
        for sig, dly in list(pending):
            if now - ready_at >= dly:
                pending.remove((sig, dly))
                send(sig)
    receive(0.02)

rc = p.wait()
# What the child sent just before it ended (STOPPING=1, a last STATUS=).
while receive(0.05):
    pass
if rc < 0:
    say("harness: child killed by %s" % signal.Signals(-rc).name)
    log("exit", signal=signal.Signals(-rc).name[3:])
else:
    say("harness: child exit %d" % rc)
    log("exit", status=rc)
s.close()
os.unlink(path)
os.rmdir(d)
if logf:
    logf.close()
sys.exit(2 if fired else (0 if ready_at is not None and not killed_for_timeout else 1))
