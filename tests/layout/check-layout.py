#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-layout.py - the layout rules of docs/ARCHITECTURE.md, checked on the built objects.

Reads every object file of the build's static libraries and executables with `nm`, maps each
undefined symbol to the project file that defines it, and checks:
  1. no cycle between files (a file never calls, directly or through others, a file that calls it);
  2. no call against the layer order: shared < config < core < daemon, and ctl apart (it may use
     shared only); the core and config never reference sd_* (libsystemd);
  3. every source file has at most MAX_LINES lines.
Prints the file-level call graph (--graph) and exits 1 with one line per broken rule.
Usage: check-layout.py BUILDDIR SRCDIR [--graph]
"""
import collections
import glob
import os
import subprocess
import sys

MAX_LINES = 600
LAYER = {"shared": 0, "config": 1, "core": 2, "daemon": 3, "ctl": 3}


def objects(builddir):
    yield from glob.glob(os.path.join(builddir, "src", "**", "*.o"), recursive=True)


def source_of(obj, builddir, srcdir):
    """Meson names an object <target>.p/<source path relative to the target's folder, '/' as '_'>.o
    (our file names use '-', never '_')."""
    target_dir = os.path.relpath(os.path.dirname(os.path.dirname(obj)), builddir)
    name = os.path.basename(obj)[:-2].replace("_", "/")
    src = os.path.normpath(os.path.join(target_dir, name))
    return src if os.path.exists(os.path.join(srcdir, src)) else None


def nm(obj):
    out = subprocess.run(["nm", obj], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
    return defined, undefined


def main():
    builddir, srcdir = sys.argv[1], sys.argv[2]
    show = "--graph" in sys.argv
    srcdir, builddir = os.path.abspath(srcdir), os.path.abspath(builddir)
    files = {}
    for obj in objects(builddir):
        src = source_of(obj, builddir, srcdir)
        if not src or not src.startswith("src/") or src in files:
            continue
        files[src] = nm(obj)
    if not files:
        print("no objects found under %s/src: build first" % builddir)
        return 1
    owner = {}
    for src, (defined, _) in files.items():
        for sym in defined:
            owner.setdefault(sym, src)
    graph = collections.defaultdict(set)
    bad = []
    for src, (_, undefined) in files.items():
        layer = src.split("/")[1]
        for sym in undefined:
            if sym.startswith("sd_") and layer in ("shared", "config", "core"):
                bad.append("%s calls %s: libsystemd is the daemon's only" % (src, sym))
            dst = owner.get(sym)
            if not dst or dst == src:
                continue
            graph[src].add(dst)
            dlayer = dst.split("/")[1]
            if layer == "ctl" and dlayer not in ("shared", "ctl"):
                bad.append("%s calls %s (%s): ctl uses shared/ only" % (src, sym, dst))
            elif LAYER[dlayer] > LAYER[layer]:
                bad.append("%s calls %s (%s): a lower layer calls a higher one" % (src, sym, dst))
    # cycles (Tarjan's strongly connected components)
    index, low, stack, on, comps = {}, {}, [], set(), []

    def strong(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(files):
        if v not in index:
            strong(v)
    for comp in comps:
        bad.append("call cycle between: " + ", ".join(comp))
    for path in sorted(glob.glob(os.path.join(srcdir, "src", "**", "*.[ch]"), recursive=True)):
        with open(path, errors="replace") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            bad.append("%s: %d lines (at most %d)" % (os.path.relpath(path, srcdir), n, MAX_LINES))
    if show:
        for src in sorted(graph):
            print("%-28s -> %s" % (src, " ".join(sorted(graph[src]))))
    n_edges = sum(len(v) for v in graph.values())
    print("%d files, %d file-to-file calls, %d problems" % (len(files), n_edges, len(bad)))
    for b in bad:
        print("not ok: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
