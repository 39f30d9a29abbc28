# SPDX-License-Identifier: GPL-2.0-or-later
"""labx.py - analysis helpers shared by the robustness scenarios (test-stall.sh, test-restart.sh,
test-links.sh, test-hostile.sh, test-group-cap.sh, test-soak.sh); imported by their check_py
snippets next to labq. Standard library only; every time is CLOCK_MONOTONIC seconds.

  tfile(name)                  -> float in $LAB_TMP/NAME (a time written by the shell, lab_now)
  outage(g, t, before, after)  -> (start, end) of the gap of a deco group summary g that covers t,
                                  or starts in [t - before, t + after]; None if there is none.
                                  end is the first packet after the gap (None: never came back)
  back_after(g, t)             -> time of the first packet at or after t (None: none came)
  gaps_outside(g, windows, lim)-> the gaps of g longer than lim that overlap no window (a, b)
  snaps(name)                  -> [(t, rss_kib, nfds)] of a lab_snap file
  log_lines(path)              -> the daemon's log lines (text)
"""

import os

import labq


def tfile(name):
    with open(labq.tmp(name)) as f:
        return float(f.read().split()[0])


def _gaps(g):
    return [(s, s + l) for s, l in g.get("gaps", [])]


def outage(g, t, before=0.1, after=0.5):
    """The interruption of the stream g around time t (a deco.py group summary recorded with a
    small --gap-ms). A stream that had not yet started at t counts as an outage from t."""
    if g.get("first") is None:
        return (t, None)
    if g["first"] > t:
        return (t, g["first"])
    for s, e in _gaps(g):
        if s <= t <= e or t - before <= s <= t + after:
            return (s, e)
    if g["last"] is not None and g["last"] < t + after and g.get("tail", 0) > after:
        return (g["last"], None)
    return None


def back_after(g, t):
    if g.get("first") is None or g["last"] is None or g["last"] < t:
        return None
    if g["first"] >= t:
        return g["first"]
    for s, e in _gaps(g):
        if s <= t < e:
            return e
    return t


def gaps_outside(g, windows, lim=0.5):
    out = []
    for s, e in _gaps(g):
        if e - s <= lim:
            continue
        if any(s < b and e > a for a, b in windows):
            continue
        out.append((round(s, 3), round(e - s, 3)))
    return out


def snaps(name):
    out = []
    try:
        with open(labq.tmp(name)) as f:
            for line in f:
                p = line.split()
                if len(p) == 3:
                    out.append((float(p[0]), int(p[1]), int(p[2])))
    except FileNotFoundError:
        pass
    return out


def log_lines(path=None):
    path = path or os.environ.get("LAB_PROXY_LOG")
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except (FileNotFoundError, TypeError):
        return []
