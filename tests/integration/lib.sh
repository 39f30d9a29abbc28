# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# lib.sh - the netns lab of the integration tests. Sourced by every tests/integration/test-*.sh
# and by tests/demo.sh. Sourcing it checks the prerequisites (root, ip netns; exit 77 = skip
# otherwise), makes the per-run temp dir and installs the cleanup trap.
#
# Topology (interface names fixed, namespace names unique per run: ipx<PID><role>):
#
#   UP (the ISP)                RTR (the proxy)              SW (bridges)        decos
#   up0 198.18.0.1/24  ------   vlan2  198.18.0.2/24
#       198.18.100.1/32 altnet  vlan10 198.18.1.1/24 ------  br0 (no snooping) -- deco1 eth0 198.18.1.11/24
#       198.19.200.1/32 outside                                                 -- deco2 eth0 198.18.1.12/24
#                               vlan20 198.18.2.1/24 ------  br1 (no snooping) -- deco3 eth0 198.18.2.13/24
#                               (vlan20/deco3 with lab_setup --second-downstream)
#
# Rules kept here: addresses only from 198.18.0.0/15, groups only from 239.0.0.0/8, every loop
# bounded, processes stopped by PID, namespaces deleted by the EXIT trap (also on failure/Ctrl-C).
#
# API (see each function):
#   lab_setup [--second-downstream]          lab_ns ROLE  /  lab_exec ROLE CMD...
#   lab_start_upstream [emulator args]       lab_stop_upstream
#   lab_config NAME <<EOF ... EOF            (prints the path of the file written in $LAB_TMP)
#   lab_start_proxy CONFIG [daemon args]     lab_stop_proxy
#   deco_version DECO 2|3                    deco_sysctl DECO KEY=VALUE
#   deco_join DECO NAME [deco.py args]       deco_wait DECO [TIMEOUT]
#   pass TEXT / fail TEXT / check TEXT CMD... / check_py TEXT <<EOF (python) / diag TEXT
#   lab_bail TEXT (fatal) / lab_done (prints the plan, exits 0 or 1)

if [ -n "${LAB_SOURCED:-}" ]; then
        return 0
fi
LAB_SOURCED=1

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_DIR/../.." && pwd)
LAB_NAME=$(basename "${0%.sh}")

if [ -z "${PYTHON:-}" ]; then
        if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
if [ -z "${IGMPPROXY:-}" ]; then
        if [ -n "${MESON_BUILD_ROOT:-}" ] && [ -e "$MESON_BUILD_ROOT/src/igmpproxy" ]; then
                IGMPPROXY=$MESON_BUILD_ROOT/src/igmpproxy
        else
                IGMPPROXY=$LAB_REPO/build/src/igmpproxy
        fi
fi

# Time compression used by the scenarios (the emulated upstream forgets after T seconds).
LAB_T=${LAB_T:-4}

LAB_PFX="ipx$$"
declare -A LAB_NSMAP=()          # role -> namespace name
LAB_NS_CREATED=()                # in creation order
LAB_PIDS=()                      # every background process we started
declare -A LAB_DECO_PID=()
declare -A LAB_DECO_OUT=()
LAB_PROXY_PID=
LAB_PROXY_LOG=
LAB_PROXY_CONFIG=
LAB_UPSTREAM_PID=
LAB_UPSTREAM_LOG=
LAB_N=0
LAB_FAILS=0
LAB_DONE=0
LAB_CLEANED=0

# ---------------------------------------------------------------- TAP-ish reporting

diag() {
        local line
        while IFS= read -r line; do
                printf '# %s\n' "$line"
        done <<<"$*"
}

pass() {
        LAB_N=$((LAB_N + 1))
        printf 'ok %d - %s\n' "$LAB_N" "$*"
}

fail() {
        LAB_N=$((LAB_N + 1))
        LAB_FAILS=$((LAB_FAILS + 1))
        printf 'not ok %d - %s\n' "$LAB_N" "$*"
}

# check TEXT CMD [ARGS...]: ok if CMD exits 0; its output is shown as diagnostics.
check() {
        local text=$1 out rc
        shift
        out=$("$@" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ]; then pass "$text"; else fail "$text"; fi
        if [ -n "$out" ]; then diag "$out"; fi
        return "$rc"
}

# check_py TEXT <<'EOF' ... EOF: runs a Python snippet (stdin) with labq importable and the
# environment variables LAB_TMP, LAB_T, LAB_UPSTREAM_LOG, LAB_PROXY_LOG set; ok if it exits 0.
# Whatever it prints becomes diagnostics (print the measured figures there).
check_py() {
        local text=$1 code
        code=$(cat)
        check "$text" env PYTHONPATH="$LAB_DIR" LAB_TMP="$LAB_TMP" LAB_T="$LAB_T" \
                LAB_UPSTREAM_LOG="$LAB_UPSTREAM_LOG" LAB_PROXY_LOG="$LAB_PROXY_LOG" \
                "$PYTHON" -c "$code"
}

# py <<'EOF': same environment as check_py, no verdict; prints the snippet's output.
py() {
        local code
        code=$(cat)
        env PYTHONPATH="$LAB_DIR" LAB_TMP="$LAB_TMP" LAB_T="$LAB_T" \
                LAB_UPSTREAM_LOG="$LAB_UPSTREAM_LOG" LAB_PROXY_LOG="$LAB_PROXY_LOG" \
                "$PYTHON" -c "$code" "$@"
}

# lab_bail TEXT: a fatal error (the lab or the daemon cannot go on): not ok + exit 1.
lab_bail() {
        fail "$*"
        printf 'Bail out! %s\n' "$*"
        exit 1
}

lab_done() {
        LAB_DONE=1
        printf '1..%d\n' "$LAB_N"
        if [ "$LAB_FAILS" -gt 0 ]; then
                printf '# %s: %d of %d checks failed\n' "$LAB_NAME" "$LAB_FAILS" "$LAB_N"
                exit 1
        fi
        printf '# %s: all %d checks passed\n' "$LAB_NAME" "$LAB_N"
        exit 0
}

# ---------------------------------------------------------------- processes

# lab_wait_pid PID TIMEOUT_S: waits (bounded) for a child to exit; returns its status,
# or 124 if it is still running at the timeout.
lab_wait_pid() {
        local pid=$1 timeout=$2 i max
        max=$(awk -v t="$timeout" 'BEGIN { printf "%d", t * 10 }')
        for ((i = 0; i < max; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
                return 124
        fi
        wait "$pid" 2>/dev/null
}

# lab_kill PID: SIGTERM, bounded wait (3 s), then SIGKILL. Only PIDs we started.
lab_kill() {
        local pid=$1
        [ -n "$pid" ] || return 0
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        kill -TERM "$pid" 2>/dev/null
        if ! lab_wait_pid "$pid" 3; then
                if kill -0 "$pid" 2>/dev/null; then
                        kill -KILL "$pid" 2>/dev/null
                        lab_wait_pid "$pid" 2
                fi
        fi
        return 0
}

# lab_bg ROLE LOGFILE CMD...: starts CMD in ROLE's namespace in the background, stdout+stderr
# to LOGFILE; the PID (ip netns exec execs CMD, so it is CMD's PID) goes to LAB_LAST_PID.
lab_bg() {
        local role=$1 log=$2
        shift 2
        ip netns exec "$(lab_ns "$role")" "$@" >"$log" 2>&1 </dev/null &
        LAB_LAST_PID=$!
        LAB_PIDS+=("$LAB_LAST_PID")
}

# ---------------------------------------------------------------- namespaces

lab_ns() {
        local ns=${LAB_NSMAP[$1]:-}
        if [ -z "$ns" ]; then
                echo "lab_ns: no namespace for role '$1'" >&2
                return 1
        fi
        printf '%s\n' "$ns"
}

lab_exec() {
        local ns
        ns=$(lab_ns "$1") || return 1
        shift
        ip netns exec "$ns" "$@"
}

lab_add_ns() {
        local role=$1 ns="${LAB_PFX}${1}"
        ip netns add "$ns" || lab_bail "cannot create namespace $ns"
        LAB_NSMAP[$role]=$ns
        LAB_NS_CREATED+=("$ns")
        ip -n "$ns" link set lo up
        # No IPv6: no MLD/ND noise on the links.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
                net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

# lab_sysctl ROLE KEY=VALUE...
lab_sysctl() {
        local role=$1
        shift
        lab_exec "$role" sysctl -qw "$@" >/dev/null || lab_bail "sysctl $* in $role failed"
}

# lab_add_deco ROLE ADDR/LEN BRIDGE GATEWAY
lab_add_deco() {
        local role=$1 addr=$2 br=$3 gw=$4 port="p${1}"
        lab_add_ns "$role"
        local ns sw
        ns=$(lab_ns "$role")
        sw=$(lab_ns sw)
        # --lan-bridge: br0 stands for the router's own LAN bridge (vlan10 in RTR).
        if [ "${LAB_LAN_BRIDGE:-0}" = 1 ] && [ "$br" = br0 ]; then
                sw=$(lab_ns rtr)
                br=vlan10
        fi
        ip -n "$ns" link add eth0 type veth peer name "$port" netns "$sw" ||
                lab_bail "cannot create the veth of $role"
        ip -n "$sw" link set "$port" master "$br" up
        ip -n "$ns" addr add "$addr" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$gw"
        lab_sysctl "$role" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
                net.ipv4.conf.eth0.rp_filter=0
        # Pitfall 6: scale the unsolicited report repeats to the compressed time (100 ms),
        # so a late repeat never looks like a recovery. Version 2 unless a test says otherwise.
        lab_sysctl "$role" net.ipv4.conf.eth0.igmpv2_unsolicited_report_interval=100 \
                net.ipv4.conf.eth0.igmpv3_unsolicited_report_interval=100 \
                net.ipv4.conf.eth0.force_igmp_version=2
}

# lab_setup [--second-downstream] [--snooping] [--lan-bridge]: builds the topology above.
#   --snooping    the switch bridges br0/br1 in SW as Linux creates them: IGMP snooping on, their
#                 own querier off (a snooping switch between the router and the decos);
#   --lan-bridge  the LAN as most home routers have it: vlan10 in RTR is itself a Linux bridge
#                 with its defaults (snooping on, querier off) and deco1/deco2 on its ports (no SW
#                 bridge in between); the daemon's downstream interface is that bridge.
lab_setup() {
        local second=0
        LAB_SNOOPING=${LAB_SNOOPING:-0}
        LAB_LAN_BRIDGE=0
        while [ $# -gt 0 ]; do
                case $1 in
                --second-downstream) second=1 ;;
                --snooping) LAB_SNOOPING=1 ;;
                --lan-bridge) LAB_LAN_BRIDGE=1 ;;
                *) lab_bail "lab_setup: unknown option $1" ;;
                esac
                shift
        done
        lab_add_ns up
        lab_add_ns rtr
        lab_add_ns sw
        local up rtr sw
        up=$(lab_ns up)
        rtr=$(lab_ns rtr)
        sw=$(lab_ns sw)

        # Upstream link: up0 (UP) <-> vlan2 (RTR). Created inside the namespaces only.
        ip -n "$up" link add up0 type veth peer name vlan2 netns "$rtr" ||
                lab_bail "cannot create the upstream veth"
        ip -n "$up" addr add 198.18.0.1/24 dev up0
        ip -n "$up" addr add 198.18.100.1/32 dev up0
        ip -n "$up" addr add 198.19.200.1/32 dev up0
        ip -n "$up" link set up0 up
        ip -n "$rtr" addr add 198.18.0.2/24 dev vlan2
        ip -n "$rtr" link set vlan2 up

        # Downstream LAN: vlan10 (RTR) <-> br0 (SW) <-> decos; or, with --lan-bridge, vlan10 is
        # a bridge in RTR with the decos on its ports.
        if [ "$LAB_LAN_BRIDGE" = 1 ]; then
                ip -n "$rtr" link add vlan10 type bridge stp_state 0 || lab_bail "cannot create the LAN bridge"
        else
                ip -n "$sw" link add br0 type bridge mcast_snooping "$LAB_SNOOPING" stp_state 0
                ip -n "$sw" link set br0 up
                ip -n "$rtr" link add vlan10 type veth peer name prtr10 netns "$sw" ||
                        lab_bail "cannot create the downstream veth"
                ip -n "$sw" link set prtr10 master br0 up
        fi
        ip -n "$rtr" addr add 198.18.1.1/24 dev vlan10
        ip -n "$rtr" link set vlan10 up

        local rtr_ifs="vlan2 vlan10"
        if [ "$second" = 1 ]; then
                ip -n "$sw" link add br1 type bridge mcast_snooping "$LAB_SNOOPING" stp_state 0
                ip -n "$sw" link set br1 up
                ip -n "$rtr" link add vlan20 type veth peer name prtr20 netns "$sw" ||
                        lab_bail "cannot create the second downstream veth"
                ip -n "$sw" link set prtr20 master br1 up
                ip -n "$rtr" addr add 198.18.2.1/24 dev vlan20
                ip -n "$rtr" link set vlan20 up
                rtr_ifs="$rtr_ifs vlan20"
        fi

        # Reverse path: routes back to the other source networks through the upstream, and
        # rp_filter off anyway (pitfall 3).
        ip -n "$rtr" route add 198.18.100.0/24 via 198.18.0.1 dev vlan2
        ip -n "$rtr" route add 198.19.200.0/24 via 198.18.0.1 dev vlan2
        local keys=(net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
                net.ipv4.ip_forward=1)
        local i
        for i in $rtr_ifs; do keys+=("net.ipv4.conf.$i.rp_filter=0"); done
        lab_sysctl rtr "${keys[@]}"

        lab_add_deco deco1 198.18.1.11/24 br0 198.18.1.1
        lab_add_deco deco2 198.18.1.12/24 br0 198.18.1.1
        if [ "$second" = 1 ]; then
                lab_add_deco deco3 198.18.2.13/24 br1 198.18.2.1
        fi
        LAB_RTR_IFS=$rtr_ifs
        export LAB_RTR_IFS
}

# ---------------------------------------------------------------- upstream emulator

# lab_start_upstream [upstream-emu.py args]: starts the emulated ISP router in UP, logging to
# $LAB_UPSTREAM_LOG (JSON lines), and waits (bounded, 5 s) for its "ready" line.
lab_start_upstream() {
        LAB_UPSTREAM_LOG=$LAB_TMP/upstream.jsonl
        : >"$LAB_UPSTREAM_LOG"
        lab_bg up "$LAB_TMP/upstream.stderr" "$PYTHON" "$LAB_DIR/upstream-emu.py" \
                --iface up0 --log "$LAB_UPSTREAM_LOG" "$@"
        LAB_UPSTREAM_PID=$LAB_LAST_PID
        local i
        for ((i = 0; i < 50; i++)); do
                grep -q '"ev":"ready"' "$LAB_UPSTREAM_LOG" 2>/dev/null && return 0
                kill -0 "$LAB_UPSTREAM_PID" 2>/dev/null || break
                sleep 0.1
        done
        cat "$LAB_TMP/upstream.stderr" >&2
        lab_bail "the upstream emulator did not start"
}

lab_stop_upstream() {
        lab_kill "$LAB_UPSTREAM_PID"
        LAB_UPSTREAM_PID=
}

# lab_upstream_forget: the ISP router loses every membership at once (SIGUSR1).
lab_upstream_forget() {
        kill -USR1 "$LAB_UPSTREAM_PID"
}

# ---------------------------------------------------------------- the daemon

# lab_config NAME: writes stdin to $LAB_TMP/NAME and prints the path.
lab_config() {
        cat >"$LAB_TMP/$1"
        printf '%s\n' "$LAB_TMP/$1"
}

# lab_std_config NAME: the lab's usual INI configuration (time compressed: refresh every
# 1 s against the emulator's T=4 s), written to $LAB_TMP/NAME; prints the path. Tunables, as
# environment variables of the call (defaults in brackets):
#   CFG_QUICKLEAVE [yes]  CFG_QUERIER_VERSION [3]  CFG_QI [2]  CFG_QRI [1]  CFG_LMQI [200ms]
#   CFG_REFRESH [yes]  CFG_REFRESH_DELAY [1]  CFG_REFRESH_INTERVAL [1]  CFG_REPORT_VERSION [2]
#   CFG_REFRESH_EXTRA  lines added to [Refresh]        CFG_UP_EXTRA  lines added to [Interface vlan2]
#   CFG_PROXY_EXTRA    lines added to [Proxy]          CFG_EXTRA     lines appended at the end
#   CFG_SECOND_DOWNSTREAM=1  adds [Interface vlan20] Role=downstream
lab_std_config() {
        {
                printf '[Proxy]\nQuickLeave=%s\n' "${CFG_QUICKLEAVE:-yes}"
                [ -n "${CFG_PROXY_EXTRA:-}" ] && printf '%s\n' "$CFG_PROXY_EXTRA"
                printf '\n[Querier]\nVersion=%s\nQueryIntervalSec=%s\nQueryResponseIntervalSec=%s\n' \
                        "${CFG_QUERIER_VERSION:-3}" "${CFG_QI:-2}" "${CFG_QRI:-1}"
                printf 'LastMemberQueryIntervalSec=%s\n' "${CFG_LMQI:-200ms}"
                printf '\n[Refresh]\nEnabled=%s\nInitialDelaySec=%s\nIntervalSec=%s\nReportVersion=%s\n' \
                        "${CFG_REFRESH:-yes}" "${CFG_REFRESH_DELAY:-1}" "${CFG_REFRESH_INTERVAL:-1}" \
                        "${CFG_REPORT_VERSION:-2}"
                [ -n "${CFG_REFRESH_EXTRA:-}" ] && printf '%s\n' "$CFG_REFRESH_EXTRA"
                printf '\n[Interface vlan2]\nRole=upstream\nAltNet=198.18.100.0/24\n'
                [ -n "${CFG_UP_EXTRA:-}" ] && printf '%s\n' "$CFG_UP_EXTRA"
                printf '\n[Interface vlan10]\nRole=downstream\n'
                if [ -n "${CFG_SECOND_DOWNSTREAM:-}" ]; then
                        printf '\n[Interface vlan20]\nRole=downstream\n'
                fi
                [ -n "${CFG_EXTRA:-}" ] && printf '\n%s\n' "$CFG_EXTRA"
        } >"$LAB_TMP/$1"
        printf '%s\n' "$LAB_TMP/$1"
}

lab_vifs() {
        lab_exec rtr cat /proc/net/ip_mr_vif 2>/dev/null | awk 'NR > 1 { print $2 }'
}

# lab_start_proxy CONFIG [extra daemon args]: runs "$IGMPPROXY" CONFIG in RTR in the
# background (log: $LAB_PROXY_LOG) and waits, bounded 5 s, until /proc/net/ip_mr_vif lists
# vlan2 and vlan10. Bails out (not ok + exit 1) if the daemon exits or the VIFs do not appear.
lab_start_proxy() {
        local config=$1
        shift
        LAB_PROXY_CONFIG=$config
        export LAB_PROXY_CONFIG
        LAB_PROXY_LOG=$LAB_TMP/igmpproxy.log
        if [ ! -x "$IGMPPROXY" ]; then
                lab_bail "daemon not found or not executable: $IGMPPROXY (build it, or set IGMPPROXY)"
        fi
        lab_bg rtr "$LAB_PROXY_LOG" "$IGMPPROXY" "$config" "$@"
        LAB_PROXY_PID=$LAB_LAST_PID
        local i vifs=""
        for ((i = 0; i < 50; i++)); do
                if ! kill -0 "$LAB_PROXY_PID" 2>/dev/null; then
                        local rc=0
                        wait "$LAB_PROXY_PID" 2>/dev/null || rc=$?
                        LAB_PROXY_PID=
                        lab_bail "the daemon ($IGMPPROXY) exited with status $rc before adding its VIFs"
                fi
                vifs=$(lab_vifs | tr '\n' ' ')
                if [[ " $vifs " == *" vlan2 "* && " $vifs " == *" vlan10 "* ]]; then
                        pass "daemon started, VIFs: $vifs(after $((i * 100)) ms)"
                        return 0
                fi
                sleep 0.1
        done
        lab_bail "the daemon did not add VIFs for vlan2 and vlan10 within 5 s (VIFs: ${vifs:-none})"
}

# lab_stop_proxy: SIGTERM by PID, bounded wait (5 s), then checks the exit status and that the
# daemon removed every VIF and MFC entry (reported as checks).
lab_stop_proxy() {
        local pid=$LAB_PROXY_PID rc=0
        [ -n "$pid" ] || return 0
        if ! kill -0 "$pid" 2>/dev/null; then
                wait "$pid" 2>/dev/null || rc=$?
                LAB_PROXY_PID=
                fail "the daemon was still running at the end (it exited earlier, status $rc)"
                return 1
        fi
        kill -TERM "$pid"
        lab_wait_pid "$pid" 5 || rc=$?
        if [ "$rc" = 124 ]; then
                fail "the daemon exits within 5 s of SIGTERM"
                kill -KILL "$pid" 2>/dev/null
                lab_wait_pid "$pid" 2
                LAB_PROXY_PID=
                return 1
        fi
        LAB_PROXY_PID=
        if [ "$rc" = 0 ]; then pass "daemon exited 0 on SIGTERM"; else fail "daemon exited 0 on SIGTERM (status $rc)"; fi
        local vifs mfc
        vifs=$(lab_vifs | tr '\n' ' ')
        mfc=$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)
        if [ -z "$vifs" ] && [ "$mfc" = 0 ]; then
                pass "VIF table and MFC empty after the daemon stopped"
        else
                fail "VIF table and MFC empty after the daemon stopped (VIFs: ${vifs:-none}, MFC entries: $mfc)"
        fi
}

# ---------------------------------------------------------------- decos

# deco_version DECO 2|3: force_igmp_version of the deco's eth0.
deco_version() {
        lab_sysctl "$1" "net.ipv4.conf.eth0.force_igmp_version=$2"
}

deco_sysctl() {
        local d=$1
        shift
        lab_sysctl "$d" "$@"
}

# deco_join DECO NAME [deco.py args]: starts deco.py in DECO in the background; its summary goes
# to $LAB_TMP/NAME.json (also in LAB_DECO_OUT[DECO]), its stderr to $LAB_TMP/NAME.stderr.
# Give --duration (deco.py's default is 10 s).
deco_join() {
        local d=$1 name=$2
        shift 2
        LAB_DECO_OUT[$d]=$LAB_TMP/$name.json
        rm -f "$LAB_TMP/$name.json"
        lab_bg "$d" "$LAB_TMP/$name.stderr" "$PYTHON" "$LAB_DIR/deco.py" --iface eth0 \
                --out "$LAB_TMP/$name.json" "$@"
        LAB_DECO_PID[$d]=$LAB_LAST_PID
}

# deco_wait DECO [TIMEOUT_S]: waits for the deco's run to end (default: 120 s bound) and for
# its summary; fails the check if it did not write one.
deco_wait() {
        local d=$1 timeout=${2:-120} pid=${LAB_DECO_PID[$1]:-} rc=0
        [ -n "$pid" ] || return 0
        lab_wait_pid "$pid" "$timeout" || rc=$?
        if [ "$rc" = 124 ]; then
                lab_kill "$pid"
                rc=0
        fi
        LAB_DECO_PID[$d]=
        if [ ! -s "${LAB_DECO_OUT[$d]}" ]; then
                fail "$d wrote its summary (${LAB_DECO_OUT[$d]}, status $rc)"
                diag "$(cat "${LAB_DECO_OUT[$d]%.json}.stderr" 2>/dev/null)"
                return 1
        fi
        return 0
}

# lab_now: CLOCK_MONOTONIC seconds, the time base of every tool's log.
lab_now() {
        "$PYTHON" -c 'import time; print("%.6f" % time.monotonic())'
}

# ---------------------------------------------------------------- cleanup

lab_cleanup() {
        local rc=$?
        [ "$LAB_CLEANED" = 1 ] && return
        LAB_CLEANED=1
        trap - INT TERM HUP
        if [ "$rc" = 0 ] && [ "$LAB_FAILS" -gt 0 ]; then rc=1; fi
        if [ "$LAB_DONE" = 0 ] && [ "$rc" != 77 ]; then
                printf '1..%d\n' "$LAB_N"
                [ "$rc" = 0 ] && rc=1
        fi
        local pid
        for pid in "${LAB_PIDS[@]}"; do
                lab_kill "$pid"
        done
        local ns
        for ns in "${LAB_NS_CREATED[@]}"; do
                ip netns del "$ns" 2>/dev/null
        done
        if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "${LAB_TMP:-}" ]; then
                if [ -s "${LAB_PROXY_LOG:-/nonexistent}" ]; then
                        echo "# ---- daemon log (last 200 lines of $LAB_PROXY_LOG) ----"
                        tail -n 200 "$LAB_PROXY_LOG" | sed 's/^/# /'
                fi
                if [ -s "${LAB_UPSTREAM_LOG:-/nonexistent}" ]; then
                        echo "# ---- upstream emulator: last 30 IGMP/membership lines ----"
                        grep -v '"ev":"status"' "$LAB_UPSTREAM_LOG" | tail -n 30 | sed 's/^/# /'
                fi
                echo "# logs kept in $LAB_TMP"
        elif [ -n "${LAB_TMP:-}" ] && [ -d "$LAB_TMP" ] && [ -z "${LAB_KEEP:-}" ]; then
                rm -rf "$LAB_TMP"
        fi
        exit "$rc"
}

lab_init() {
        if [ "$(id -u)" != 0 ]; then
                echo "1..0 # SKIP needs root (network namespaces)"
                exit 77
        fi
        if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
                echo "1..0 # SKIP no 'ip netns' (iproute2)"
                exit 77
        fi
        if ! "$PYTHON" -c 'import socket' 2>/dev/null; then
                echo "1..0 # SKIP no python3 ($PYTHON)"
                exit 77
        fi
        LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ipx-$LAB_NAME.XXXXXX") || exit 1
        trap lab_cleanup EXIT
        trap 'echo "# interrupted"; exit 130' INT TERM HUP
        diag "$LAB_NAME: namespaces ${LAB_PFX}*, logs in $LAB_TMP, daemon $IGMPPROXY"
}

lab_init

# ---------------------------------------------------------------- additions: links, restarts, soak
#
#   lab_start_proxy_vifs "VIFS" CONFIG [daemon args]   lab_proxy_kill9   lab_proxy_keep_log NAME
#   lab_upstream_link_del   lab_upstream_link_add [--down] [--noaddr] [--as NAME] [ADDR/LEN]
#   lab_rtr_upstream_routes   lab_restart_upstream [emulator args]
#   lab_rss PID (VmRSS, KiB)   lab_nfds PID   lab_snap FILE (appends "t rss_kib nfds")

# lab_start_proxy_vifs "VIFS" CONFIG [daemon args]: like lab_start_proxy, but waits (bounded 5 s)
# only for the VIFs listed in VIFS (space separated; may be empty: then only checks that the
# daemon is still alive after 0.5 s). For a daemon started while an interface of its
# configuration is absent, down or without an address. Bails out if the daemon exits.
lab_start_proxy_vifs() {
        local want=$1 config=$2
        shift 2
        LAB_PROXY_CONFIG=$config
        export LAB_PROXY_CONFIG
        LAB_PROXY_LOG=$LAB_TMP/igmpproxy.log
        if [ ! -x "$IGMPPROXY" ]; then
                lab_bail "daemon not found or not executable: $IGMPPROXY (build it, or set IGMPPROXY)"
        fi
        lab_bg rtr "$LAB_PROXY_LOG" "$IGMPPROXY" "$config" "$@"
        LAB_PROXY_PID=$LAB_LAST_PID
        local i v ok vifs=""
        for ((i = 0; i < 50; i++)); do
                if ! kill -0 "$LAB_PROXY_PID" 2>/dev/null; then
                        local rc=0
                        wait "$LAB_PROXY_PID" 2>/dev/null || rc=$?
                        LAB_PROXY_PID=
                        lab_bail "the daemon ($IGMPPROXY) exited with status $rc at start (waiting for VIFs: ${want:-none})"
                fi
                vifs=$(lab_vifs | tr '\n' ' ')
                ok=1
                for v in $want; do
                        [[ " $vifs " == *" $v "* ]] || ok=0
                done
                if [ "$ok" = 1 ] && { [ -n "$want" ] || [ "$i" -ge 5 ]; }; then
                        pass "daemon started (pid $LAB_PROXY_PID), VIFs: ${vifs:-none} (after $((i * 100)) ms)"
                        return 0
                fi
                sleep 0.1
        done
        lab_bail "the daemon did not add VIFs for '$want' within 5 s (VIFs: ${vifs:-none})"
}

# lab_proxy_kill9: SIGKILL to the daemon (no cleanup of its own), reaps it.
lab_proxy_kill9() {
        [ -n "$LAB_PROXY_PID" ] || return 0
        kill -KILL "$LAB_PROXY_PID" 2>/dev/null
        lab_wait_pid "$LAB_PROXY_PID" 3
        LAB_PROXY_PID=
}

# lab_proxy_keep_log NAME: moves the daemon's log to $LAB_TMP/NAME (before a restart, which
# would truncate it); LAB_PROXY_LOG then points to the moved file.
lab_proxy_keep_log() {
        [ -n "$LAB_PROXY_LOG" ] && [ -e "$LAB_PROXY_LOG" ] || return 0
        mv "$LAB_PROXY_LOG" "$LAB_TMP/$1"
        LAB_PROXY_LOG=$LAB_TMP/$1
}

# lab_upstream_link_del: deletes the upstream veth pair (up0 in UP and vlan2 in RTR both go).
lab_upstream_link_del() {
        ip -n "$(lab_ns up)" link del up0 || lab_bail "cannot delete up0"
}

# lab_rtr_upstream_routes: the router's routes back to the other source networks (see lab_setup);
# the kernel flushes them when vlan2 loses its address or goes away.
lab_rtr_upstream_routes() {
        local rtr
        rtr=$(lab_ns rtr)
        ip -n "$rtr" route replace 198.18.100.0/24 via 198.18.0.1 dev vlan2
        ip -n "$rtr" route replace 198.19.200.0/24 via 198.18.0.1 dev vlan2
}

# lab_upstream_link_add [--down] [--noaddr] [--as NAME] [ADDR/LEN]: (re)creates the upstream
# veth pair as lab_setup does (a new ifindex for both ends): up0 up with its three addresses;
# vlan2 with ADDR/LEN (default 198.18.0.2/24, must be in 198.18.0.0/24) unless --noaddr, up
# unless --down. --as NAME: the router's end is called NAME and left down without an address
# (so that "vlan2" appears later, with ip link set NAME name vlan2, while up0 already exists).
# The emulator must be restarted afterwards (lab_restart_upstream): its sockets were on the old up0.
lab_upstream_link_add() {
        local down=0 noaddr=0 addr=198.18.0.2/24 name=vlan2 up rtr
        while [ $# -gt 0 ]; do
                case $1 in
                --down) down=1 ;;
                --noaddr) noaddr=1 ;;
                --as) name=$2; down=1; noaddr=1; shift ;;
                198.18.0.*/*) addr=$1 ;;
                *) lab_bail "lab_upstream_link_add: bad argument $1" ;;
                esac
                shift
        done
        up=$(lab_ns up)
        rtr=$(lab_ns rtr)
        ip -n "$up" link add up0 type veth peer name "$name" netns "$rtr" ||
                lab_bail "cannot re-create the upstream veth"
        ip -n "$up" addr add 198.18.0.1/24 dev up0
        ip -n "$up" addr add 198.18.100.1/32 dev up0
        ip -n "$up" addr add 198.19.200.1/32 dev up0
        ip -n "$up" link set up0 up
        lab_sysctl rtr "net.ipv4.conf.$name.rp_filter=0"
        [ "$noaddr" = 1 ] || ip -n "$rtr" addr add "$addr" dev vlan2
        if [ "$down" = 0 ]; then
                ip -n "$rtr" link set vlan2 up
                [ "$noaddr" = 1 ] || lab_rtr_upstream_routes
        fi
}

# lab_restart_upstream [upstream-emu.py args]: stops the emulator and starts it again (on the
# current up0), appending to the same $LAB_UPSTREAM_LOG; waits (bounded 5 s) for its new
# "ready" line. Its memberships start empty.
lab_restart_upstream() {
        local n i
        lab_stop_upstream
        n=$(grep -c '"ev":"ready"' "$LAB_UPSTREAM_LOG" 2>/dev/null)
        lab_bg up "$LAB_TMP/upstream.stderr.$n" "$PYTHON" "$LAB_DIR/upstream-emu.py" \
                --iface up0 --log "$LAB_UPSTREAM_LOG" "$@"
        LAB_UPSTREAM_PID=$LAB_LAST_PID
        for ((i = 0; i < 50; i++)); do
                [ "$(grep -c '"ev":"ready"' "$LAB_UPSTREAM_LOG" 2>/dev/null)" -gt "$n" ] && return 0
                kill -0 "$LAB_UPSTREAM_PID" 2>/dev/null || break
                sleep 0.1
        done
        cat "$LAB_TMP/upstream.stderr.$n" >&2
        lab_bail "the upstream emulator did not restart"
}

# lab_rss PID: VmRSS of PID in KiB (empty if gone).
lab_rss() {
        awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# lab_nfds PID: number of open file descriptors of PID (empty if gone).
lab_nfds() {
        [ -d "/proc/$1/fd" ] || return 0
        find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# lab_snap FILE [PID]: appends "MONOTONIC_S RSS_KIB NFDS" of PID (default: the daemon) to FILE.
lab_snap() {
        local pid=${2:-$LAB_PROXY_PID}
        printf '%s %s %s\n' "$(lab_now)" "$(lab_rss "$pid")" "$(lab_nfds "$pid")" >>"$1"
}
