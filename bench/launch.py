#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""launch.py - starts one daemon in the current (router) namespace and times its start and
its stop. Used for every daemon run of the benchmark.

  launch.py [--notify] [--vifs vlan2,vlan10] --log FILE [--max-life S] -- CMD [ARGS...]

Prints JSON lines on stdout (times CLOCK_REALTIME ns):
  {"ev":"started","pid","t0"}          t0 just before the fork
  {"ev":"up","vifs","ready","status"}  vifs: all of --vifs listed in /proc/net/ip_mr_vif
                                       (polled every 0.5 ms); ready: READY=1 on the
                                       NOTIFY_SOCKET (only with --notify), else null
  {"ev":"status","status"}             on SIGUSR2: the daemon's last STATUS=
  {"ev":"exited","t_term","t_exit","rc","killed","status","status_term"}
                                       after SIGUSR1/SIGTERM/SIGINT to us: SIGTERM to the
                                       daemon, then its exit (pidfd); status_term: the
                                       STATUS= in force when SIGTERM was sent
  {"ev":"died","t","rc"}               the daemon exited by itself (we exit 1)
With --notify, NOTIFY_SOCKET is an abstract unix socket we keep draining (a full queue
would block the daemon's sd_notify). Bounded: the start waits 10 s at most, the stop 10 s
(then SIGKILL), and the daemon is stopped after --max-life seconds in any case.
"""

import argparse
import json
import os
import select
import signal
import socket
import subprocess
import sys

import bpkt


def out(**kw):
    try:
        sys.stdout.write(json.dumps(kw, separators=(",", ":")) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:     # the driver is gone (interrupted): carry on stopping
        pass


def vifs_listed():
    try:
        with open("/proc/net/ip_mr_vif") as f:
            return {line.split()[1] for line in f.readlines()[1:] if len(line.split()) > 1}
    except OSError:
        return set()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notify", action="store_true")
    ap.add_argument("--vifs", default="vlan2,vlan10")
    ap.add_argument("--log", required=True)
    ap.add_argument("--max-life", type=float, default=3600.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")
    want = set(a.vifs.split(",")) if a.vifs else set()

    stop = []
    asked = []
    for sig in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda n, _f: stop.append(n))
    signal.signal(signal.SIGUSR2, lambda n, _f: asked.append(n))
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)

    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    ns = None
    status = None
    if a.notify:
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        name = "igbench-%d" % os.getpid()
        ns.bind("\0" + name)
        ns.setblocking(False)
        env["NOTIFY_SOCKET"] = "@" + name

    ready = None

    def drain_notify(now):
        nonlocal ready, status
        if ns is None:
            return
        for _ in range(1000):
            try:
                msg = ns.recv(4096).decode(errors="replace")
            except (BlockingIOError, InterruptedError):
                return
            for line in msg.split("\n"):
                if line == "READY=1" and ready is None:
                    ready = now
                elif line.startswith("STATUS="):
                    status = line[7:]

    log = open(a.log, "ab")
    t0 = bpkt.now_ns()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         env=env, close_fds=True)
    out(ev="started", pid=p.pid, t0=t0)
    pidfd = os.pidfd_open(p.pid)
    fds = [pidfd, wake_r] + ([ns] if ns else [])

    def died():
        rc = p.wait()
        out(ev="died", t=bpkt.now_ns(), rc=rc)
        return 1

    t_vifs = None
    deadline = t0 + 10 * 10**9
    while not stop:
        r, _, _ = select.select(fds, [], [], 0.0005)
        now = bpkt.now_ns()
        if ns in r:
            drain_notify(now)
        if pidfd in r:
            return died()
        if t_vifs is None and want <= vifs_listed():
            t_vifs = now
        if t_vifs is not None and (ns is None or ready is not None):
            break
        if now > deadline:
            break
    out(ev="up", vifs=t_vifs, ready=ready, status=status)

    life_end = t0 + int(a.max_life * 1e9)
    while not stop and bpkt.now_ns() < life_end:
        r, _, _ = select.select(fds, [], [], 1.0)
        if wake_r in r:
            try:
                os.read(wake_r, 64)
            except BlockingIOError:
                pass
        if ns in r:
            drain_notify(bpkt.now_ns())
        if pidfd in r:
            return died()
        if asked:
            asked.clear()
            drain_notify(bpkt.now_ns())
            out(ev="status", status=status)

    status_term = status
    t_term = bpkt.now_ns()
    p.send_signal(signal.SIGTERM)
    t_exit = None
    killed = False
    end = t_term + 10 * 10**9
    while t_exit is None:
        now = bpkt.now_ns()
        if now > end:
            p.kill()
            killed = True
            break
        r, _, _ = select.select([pidfd] + ([ns] if ns else []), [], [], (end - now) / 1e9)
        if ns in r:
            drain_notify(bpkt.now_ns())
        if pidfd in r:
            t_exit = bpkt.now_ns()
    rc = p.wait()
    out(ev="exited", t_term=t_term, t_exit=t_exit, rc=rc, killed=killed, status=status,
        status_term=status_term)
    return 0


if __name__ == "__main__":
    sys.exit(main())
