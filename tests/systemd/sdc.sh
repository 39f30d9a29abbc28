#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sdc.sh - a throw-away container with the real systemd as PID 1, for the systemd tests.
# Adapted from the team's recipe (shared/recipes/systemd, "A"); no nspawn, no image.
#
#   sdc.sh start NAME      boot; returns when systemd reports running/degraded
#   sdc.sh exec  NAME CMD  run CMD inside (all namespaces, the container's root)
#   sdc.sh pid   NAME      the host PID of the container's systemd (for ip link ... netns PID)
#   sdc.sh stop  NAME      poweroff (SIGRTMIN+4), SIGKILL fallback, then removes every trace
#
# The container: new pid, mount, uts, ipc, net and cgroup namespaces; the root is an overlay
# of this machine's own tree (never modified) with a tmpfs on top; /proc/sys and /sys
# read-only; its own empty network namespace (move links in from outside); a hard lifetime
# bound (timeout -s KILL). systemd boots test.target with only the units listed in
# sdc-init.sh plus what SDC_UNITS names, so nothing of the host's configuration starts.
#
# Environment:
#   SDC_MAX_SEC   hard lifetime in seconds (default 600)     SDC_BOOT_SEC  boot bound (30)
#   SDC_TREE      a directory copied over the root before boot (e.g. a meson DESTDIR)
#   SDC_UNITS     ':'-separated unit files or directories of unit files, given as paths
#                 inside the container (after SDC_TREE is copied); linked into the unit path
#   SDC_SHARE     directory bound read-only at /lab (default: this directory)
#   SDC_STATE     parent of the state directory (default /tmp)
#   SDC_NET_SYSCTL=rw  leaves /proc/sys/net writable (the rest of /proc/sys stays read-only):
#                 the sysctls under it belong to the container's own network namespace, so
#                 systemd-sysctl and systemd-networkd inside may set them (tests/systemd/test-router.sh)
# Needs root, unshare/nsenter (util-linux), cgroup v2 with cgroup.kill (Linux >= 5.14).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?start|exec|pid|stop} NAME=${2:?name}
S=${SDC_STATE:-/tmp}/sdc-$NAME
# The cgroup v2 hierarchy: /sys/fs/cgroup/unified on hybrid machines, else /sys/fs/cgroup.
if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        CG=/sys/fs/cgroup/unified/sdc-$NAME
else
        CG=/sys/fs/cgroup/sdc-$NAME
fi
pid() { cat "$S/pid"; }
ins() { nsenter -t "$(pid)" -m -u -i -n -p -C -- "$@"; }
# kill -0 is true for zombies (reaped late by the host's PID 1): check State
alive() { [ -n "$1" ] && grep -q '^State:[^Z]*$' "/proc/$1/status" 2>/dev/null; }
rm_cg() {
        [ -d "$1" ] || return 0
        local d
        for d in "$1"/*/; do [ -d "$d" ] && rm_cg "${d%/}"; done
        rmdir "$1"
}
case $cmd in
start)
        mkdir "$S" # fails if already there
        mkdir "$CG" # becomes the container's cgroup-namespace root
        (
                echo "$BASHPID" >"$CG/cgroup.procs"
                exec timeout -s KILL "${SDC_MAX_SEC:-600}" \
                        unshare --fork --pid --mount --uts --ipc --net --cgroup --propagation private \
                        --kill-child=SIGKILL -- "$HERE/sdc-init.sh" "$S" "${SDC_SHARE:-$HERE}" \
                        "${SDC_TREE:-}" "${SDC_UNITS:-}" "${SDC_NET_SYSCTL:-ro}"
        ) </dev/null >"$S/console.log" 2>&1 &
        echo $! >"$S/outer.pid"
        st=
        for _ in $(seq $((${SDC_BOOT_SEC:-30} * 10))); do
                if [ -s "$S/pid" ]; then
                        st=$(ins timeout 5 systemctl is-system-running 2>/dev/null || true)
                        case $st in running | degraded)
                                echo "sdc $NAME: $st (host pid $(pid))"
                                exit 0
                                ;;
                        esac
                fi
                alive "$(cat "$S/outer.pid")" || {
                        echo "sdc $NAME: died"
                        cat "$S/console.log"
                        exit 1
                }
                sleep 0.1
        done
        echo "sdc $NAME: boot timeout (state ${st:-?})"
        exit 1
        ;;
exec)
        shift 2
        ins "$@"
        ;;
pid)
        pid
        ;;
stop)
        if [ -s "$S/pid" ] && alive "$(pid)"; then
                kill -s RTMIN+4 "$(pid)" || true # systemd: start poweroff.target
                for _ in $(seq 100); do
                        alive "$(pid)" || break
                        sleep 0.1
                done
                alive "$(pid)" && {
                        echo "sdc $NAME: poweroff timeout, SIGKILL"
                        kill -KILL "$(pid)"
                }
        fi
        # Whatever is left (timeout, unshare, a half-booted init) lives in our own cgroup
        # subtree and nowhere else: cgroup.kill ends exactly that.
        [ -d "$CG" ] && echo 1 >"$CG/cgroup.kill"
        for _ in $(seq 50); do
                grep -q 'populated 0' "$CG/cgroup.events" 2>/dev/null && break
                sleep 0.1
        done
        rm_cg "$CG"
        rm -rf "$S"
        ;;
*)
        echo "usage: sdc.sh start|exec|pid|stop NAME [CMD...]" >&2
        exit 2
        ;;
esac
