#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sdc-init.sh - PID 1 of the fresh pid/mount/uts/ipc/net/cgroup namespaces started by sdc.sh:
# builds a throw-away root (overlay: this machine's / below, a tmpfs above), fresh API file
# systems, copies the tree to test over it, pivots into it and execs systemd.
# Args: STATE_DIR SHARE_DIR TREE_DIR UNITS [NET_SYSCTL]
#   SHARE_DIR  bound read-only at /lab
#   TREE_DIR   copied over the root (may be empty: nothing copied)
#   UNITS      ':'-separated unit files or directories (paths inside the root, after the copy),
#              linked into the container's only unit directory /run/sdc-units
#   NET_SYSCTL rw: /proc/sys/net stays writable (default ro: all of /proc/sys read-only)
set -eu
S=$1 SHARE=$2 TREE=$3 UNITS=$4 NET_SYSCTL=${5:-ro}
# Host PID of this shell (= the future systemd), read before /proc is replaced. Use bash's own
# redirect: in `awk ... /proc/self/status`, "self" would be awk.
while read -r k v _; do [ "$k" = NSpid: ] && echo "$v" >"$S/pid.tmp"; done </proc/self/status
R=$S/root T=$S/t
# libmount (mount/umount) writes its utab under /run/mount even in a private mount namespace:
# point it elsewhere, the host's /run is not ours.
export LIBMOUNT_UTAB=$S/utab
mkdir -p "$R" "$T"
mount -t tmpfs -o mode=755 sdc "$T"
mkdir -p "$T/upper" "$T/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R"
# /proc of the new pid namespace; /proc/sys read-only: systemd as PID 1 otherwise raises the
# GLOBAL fs.nr_open/fs.file-max, and units could write kernel.* sysctls of the host.
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
for p in sys sysrq-trigger; do
        [ -e "$R/proc/$p" ] || continue
        mount --bind "$R/proc/$p" "$R/proc/$p"
        mount -o remount,bind,ro "$R/proc/$p"
done
# /proc/sys/net shows the container's own network namespace (the few machine-wide entries seen
# there, e.g. net.core.rmem_max on 6.x, refuse writes from a non-initial namespace): writable on
# request, for systemd-sysctl and systemd-networkd inside.
if [ "$NET_SYSCTL" = rw ]; then
        mount --bind "$R/proc/sys/net" "$R/proc/sys/net"
        mount -o remount,bind,rw "$R/proc/sys/net"
fi
# sysfs read-only (the new net namespace gives its own /sys/class/net); a private cgroup2 at
# the cgroup namespace's root.
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
# A minimal /dev.
mount -t tmpfs -o mode=755,nosuid,strictatime,size=4m dev "$R/dev"
for n in null zero full random urandom tty; do
        touch "$R/dev/$n"
        mount --bind "/dev/$n" "$R/dev/$n"
done
mkdir -p "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$R/dev/shm"
mount -t mqueue -o nosuid,nodev,noexec mqueue "$R/dev/mqueue"
ln -s /proc/self/fd "$R/dev/fd"
for i in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${i%%:*}" "$R/dev/${i#*:}"; done
# /dev/console must be a tty for systemd to use it; systemd logs to the journal instead.
touch "$R/dev/console"
mount --bind /dev/null "$R/dev/console"
# Private /run and /tmp.
mount -t tmpfs -o mode=755,nosuid,nodev run "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$R/tmp"
mkdir -p "$R/lab"
mount --bind "$SHARE" "$R/lab"
mount -o remount,bind,ro "$R/lab"
# The tree under test (a meson DESTDIR), over the overlay: the host's tree is untouched.
if [ -n "$TREE" ]; then
        cp -a "$TREE/." "$R/"
fi
# The unit set: only what is listed. SYSTEMD_UNIT_PATH without a trailing ':' replaces the
# whole search path, so none of the host's enabled units and wants are booted.
U=$R/run/sdc-units
mkdir -p "$U"
for u in sysinit.target basic.target sockets.target local-fs.target \
        systemd-journald.service systemd-journald.socket systemd-journald-dev-log.socket \
        dbus.socket dbus.service \
        network-pre.target network.target network-online.target multi-user.target \
        shutdown.target umount.target final.target poweroff.target systemd-poweroff.service \
        halt.target systemd-halt.service exit.target systemd-exit.service; do
        ln -s "/usr/lib/systemd/system/$u" "$U/$u"
done
cp "$(dirname "$0")/units/test.target" "$U/"
IFS=: read -ra items <<<"$UNITS"
for it in "${items[@]}"; do
        [ -n "$it" ] || continue
        if [ -d "$R$it" ]; then
                for f in "$R$it"/*; do ln -s "${f#"$R"}" "$U/$(basename "$f")"; done
        else
                ln -s "$it" "$U/$(basename "$it")"
        fi
done
basename "$S" >"$R/etc/hostname"
mv "$S/pid.tmp" "$S/pid"
cd "$R"
mkdir -p .oldroot
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot
mkdir -p /run/sdc-gen # empty generator directory: no fstab/getty/... generators
exec env -i container=sdc PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        SYSTEMD_UNIT_PATH=/run/sdc-units SYSTEMD_GENERATOR_PATH=/run/sdc-gen \
        SYSTEMD_ENVIRONMENT_GENERATOR_PATH=/run/sdc-gen \
        /usr/lib/systemd/systemd --unit=test.target --log-target=journal --show-status=no
