# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# common.sh - shared by the systemd tests (tests/systemd/test-*.sh and
# tests/integration/test-systemd.sh): where the build tree is, a TAP-ish
# reporter for the scripts that do not use the netns lab, and the installed
# tree ("meson install --destdir", exactly what a package would ship).
#
# Environment (set by systemd/meson.build; defaults for a run by hand):
#   MESON_BUILD_ROOT       build tree (default: build/ at the top)
#   IGMPPROXY_SERVICE      the generated unit (default: $MESON_BUILD_ROOT/systemd/igmpproxy.service)
#   IGMPPROXY_UNITDIR, IGMPPROXY_SYSUSERSDIR, IGMPPROXY_CATALOGDIR, IGMPPROXY_SBINDIR,
#   IGMPPROXY_BINDIR, IGMPPROXY_MANDIR       install directories (default: from
#                          meson introspect of the build tree)

SD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SD_REPO=$(cd "$SD_DIR/../.." && pwd)
MESON_BUILD_ROOT=${MESON_BUILD_ROOT:-$SD_REPO/build}
IGMPPROXY_SERVICE=${IGMPPROXY_SERVICE:-$MESON_BUILD_ROOT/systemd/igmpproxy.service}

# sd_dirs_from_build: fills the IGMPPROXY_*DIR variables that are not set, from the build
# tree's install plan (a run by hand, outside meson test).
sd_dirs_from_build() {
        [ -n "${IGMPPROXY_UNITDIR:-}" ] && [ -n "${IGMPPROXY_SBINDIR:-}" ] && return 0
        local plan
        plan=$(python3 - "$MESON_BUILD_ROOT/meson-info/intro-installed.json" <<'PY'
import json, os, sys
inst = json.load(open(sys.argv[1]))
want = {"igmpproxy.service": "UNITDIR", "igmpproxy.catalog": "CATALOGDIR",
        "igmpproxy.conf": "SYSUSERSDIR", "igmpproxy": "SBINDIR",
        "igmpproxyctl": "BINDIR", "igmpproxy.8": "MANDIR"}
for src, dst in inst.items():
    name = os.path.basename(dst)
    if name == "igmpproxy.conf" and "sysusers" not in dst:
        continue
    if name == "igmpproxy" and "completions" in dst:  # the bash completion, not the daemon
        continue
    if name in want:
        d = os.path.dirname(dst)
        if name == "igmpproxy.8":
            d = os.path.dirname(d)
        print("IGMPPROXY_%s=%s" % (want[name], d))
PY
) || return 1
        local line name
        while IFS= read -r line; do
                name=${line%%=*}
                [ -z "${!name:-}" ] && export "${line?}"
        done <<<"$plan"
        return 0
}

SD_N=0
SD_FAILS=0
sd_ok() {
        SD_N=$((SD_N + 1))
        printf 'ok %d - %s\n' "$SD_N" "$*"
}
sd_notok() {
        SD_N=$((SD_N + 1))
        SD_FAILS=$((SD_FAILS + 1))
        printf 'not ok %d - %s\n' "$SD_N" "$*"
}
sd_diag() {
        local line
        while IFS= read -r line; do
                printf '# %s\n' "$line"
        done <<<"$*"
}
# sd_check TEXT CMD...: ok if CMD exits 0; its output becomes diagnostics.
sd_check() {
        local text=$1 out rc
        shift
        out=$("$@" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ]; then sd_ok "$text"; else sd_notok "$text"; fi
        [ -n "$out" ] && sd_diag "$out"
        return "$rc"
}
sd_done() {
        printf '1..%d\n' "$SD_N"
        if [ "$SD_FAILS" -gt 0 ]; then
                printf '# %d of %d checks failed\n' "$SD_FAILS" "$SD_N"
                exit 1
        fi
        exit 0
}
sd_skip() {
        echo "1..0 # SKIP $*"
        exit 77
}

# sd_container_prereqs TOOL...: SKIP (exit 77) unless every TOOL is found (command -v) and
# there is a cgroup v2 hierarchy, which sdc.sh needs.
sd_container_prereqs() {
        local tool
        for tool in "$@"; do
                command -v "$tool" >/dev/null || sd_skip "no $tool"
        done
        if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" != cgroup2fs ] &&
                [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]; then
                sd_skip "no cgroup v2 hierarchy"
        fi
}

# sd_lab_container_trap: for the netns-lab scripts that boot a container (test-systemd.sh,
# test-polkit.sh): the EXIT trap stops the container $NAME ($SDC, state in $LAB_TMP) once
# SDC_UP is set, then cleans the lab up, keeping the script's exit status.
# shellcheck disable=SC2317 # the EXIT trap
# shellcheck disable=SC2153 # NAME and SDC are the calling script's
sd_lab_container_cleanup() {
        local rc=$?
        if [ -n "${SDC_UP:-}" ]; then
                SDC_STATE=$LAB_TMP timeout 30 "$SDC" stop "$NAME" >/dev/null 2>&1
        fi
        (exit "$rc")
        lab_cleanup
}
sd_lab_container_trap() {
        SDC_UP=
        trap sd_lab_container_cleanup EXIT
}

# sd_install_tree DESTDIR: "meson install" of the build tree into DESTDIR (nothing is built,
# nothing outside DESTDIR is touched).
sd_install_tree() {
        local dest=$1 out
        if ! out=$(meson install -C "$MESON_BUILD_ROOT" --destdir "$dest" --no-rebuild --quiet 2>&1); then
                echo "meson install --destdir $dest failed:" >&2
                echo "$out" >&2
                return 1
        fi
}



# sdc_lab_take_rtr CPID NS: the router's links vlan2 and vlan10 move into the container (host
# PID CPID of its systemd), whose network namespace is named NS and becomes the lab's "rtr",
# with the addresses and sysctls lab_setup gave them.
sdc_lab_take_rtr() {
        local cpid=$1 ns=$2 old
        old=$(lab_ns rtr)
        ip -n "$old" link set vlan2 netns "$cpid" || lab_bail "cannot move vlan2 into the container"
        ip -n "$old" link set vlan10 netns "$cpid" || lab_bail "cannot move vlan10 into the container"
        ip netns attach "$ns" "$cpid" || lab_bail "cannot name the container's network namespace"
        LAB_NS_CREATED+=("$ns")
        # shellcheck disable=SC2034,SC2154 # lib.sh's associative array
        LAB_NSMAP[rtr]=$ns
        lab_exec rtr ip link set lo up
        lab_exec rtr ip addr add 198.18.0.2/24 dev vlan2
        lab_exec rtr ip link set vlan2 up
        lab_exec rtr ip addr add 198.18.1.1/24 dev vlan10
        lab_exec rtr ip link set vlan10 up
        lab_sysctl rtr net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
                net.ipv4.conf.vlan2.rp_filter=0 net.ipv4.conf.vlan10.rp_filter=0 net.ipv4.ip_forward=1
}
