#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs, with apt-get, whatever the build, the tests and the demo need and
# this machine lacks. Sourced by tests/demo.sh and tests/run-tests.sh.
# Debian 12 package names.
IGMPPROXY_DEPS=(meson ninja-build pkg-config gcc libc6-dev libsystemd-dev libinih-dev check python3 iproute2 procps)
# The systemd tests: systemd (systemd-analyze, journalctl, systemd-sysusers, and PID 1 of the
# throw-away container), dbus (its system bus), util-linux (unshare, nsenter), man-db
# (systemd-analyze verify checks the Documentation= man pages).
IGMPPROXY_DEPS+=(systemd dbus util-linux man-db)
# The router test (tests/systemd/test-router.sh): nftables (nft, nftables.service) and the ISP's
# DHCP server: dnsmasq-base, the dnsmasq program alone (the "dnsmasq" package would also start a
# DNS/DHCP service on this machine).
IGMPPROXY_DEPS+=(nftables dnsmasq-base)
# The package test (tests/integration/test-package.sh): dpkg-buildpackage with debhelper
# (compat 13, dh's meson build system), lintian on the result.
IGMPPROXY_DEPS+=(dpkg-dev debhelper lintian)
# The completions test (tests/completions/): bash-completion (the helpers an interactive bash
# loads them with) and zsh (zsh -n on the zsh ones).
IGMPPROXY_DEPS+=(bash-completion zsh)
# The polkit test (tests/integration/test-polkit.sh): polkitd, run inside the throw-away container.
IGMPPROXY_DEPS+=(polkitd)

deps_install() {
        local missing=() p
        for p in "${IGMPPROXY_DEPS[@]}"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -ne 0 ]; then
                echo "Missing packages: ${missing[*]} (run as root to install them)" >&2
                return 1
        fi
        echo "Installing: ${missing[*]}"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Builds into $1 (default build/ at the repository root).
build_tree() {
        local top builddir
        top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
        builddir=${1:-$top/build}
        # The test build carries the watchdog tests' fault hooks (meson option test-hooks).
        if [ ! -f "$builddir/build.ninja" ]; then
                meson setup "$builddir" "$top" -Dtest-hooks=true >/dev/null || return 1
        else
                meson configure "$builddir" -Dtest-hooks=true >/dev/null || return 1
        fi
        ninja -C "$builddir" >/dev/null || ninja -C "$builddir"
}
# The proof tools (issue "Reliability"): clang and its sanitizer/libFuzzer runtimes
# (libclang_rt.fuzzer, .asan, .ubsan are in libclang-rt-14-dev, which clang does not pull in)
# for tests/fuzz/run-fuzz.sh; valgrind for tests/integration/test-valgrind.sh.
IGMPPROXY_DEPS+=(clang libclang-rt-14-dev valgrind)
# The independent parties of the upstream tests (issue 10): FRR's pimd as the upstream IGMP
# querier, tshark as the dissector (also of the codec's own packets: tests/unit/test-igmp-wire.py),
# nftables to silence FRR's queries (tests/integration/frr-lib.sh).
# tshark's debconf question (may non-root users capture) is answered "no" before the install.
IGMPPROXY_DEPS+=(frr tshark nftables)
if ! dpkg-query -W -f='${Status}' tshark 2>/dev/null | grep -q "install ok installed" && [ "$(id -u)" -eq 0 ]; then
        echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
fi
