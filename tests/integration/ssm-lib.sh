# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# ssm-lib.sh - the source-list tests' additions to the lab (test-ssm.sh, test-compat.sh). Sourced
# after lib.sh (and before lab_setup: it renames the namespaces ssm<PID><role>, a prefix of
# these tests only). Skips (exit 77) without tshark/dumpcap.
#
#   S1 S2 S3                      three stream sources, extra addresses of up0 in the upstream
#                                 subnet 198.18.0.0/24 (so the daemon accepts them)
#   ssm_sources                   adds them to up0 (after lab_setup)
#   ssm_stream GROUP...           the upstream emulator, streaming every GROUP from S1, S2 and
#                                 S3 at once whatever is joined (--static-group), 40 packets/s
#                                 per (source, group), TTL 16; it also logs what it hears
#   ssm_host ROLE NAME DURATION 'T ACTION GROUP [SOURCE]'...
#                                 ssm-host.py in ROLE's namespace on eth0 (its summary in
#                                 $LAB_TMP/NAME.json); ssm_host_wait NAME [TIMEOUT]
#   ssm_cap_start NAME ROLE IFACE [FILTER]   dumpcap on IFACE in ROLE's namespace (default
#                                 filter: IGMP and the stream's UDP port) to $LAB_TMP/NAME.pcap
#   ssm_cap_stop NAME             stops it and decodes it with tshark (ssmq.py) to
#                                 $LAB_TMP/NAME.jsonl

if [ -n "${SSM_LIB_SOURCED:-}" ]; then
        return 0
fi
SSM_LIB_SOURCED=1

if ! command -v tshark >/dev/null || ! command -v dumpcap >/dev/null; then
        echo "1..0 # SKIP tshark/dumpcap not installed: apt-get install tshark"
        exit 77
fi

# Namespaces of these tests: ssm<PID><role> (lib.sh's own default is ipx<PID>).
LAB_PFX="ssm$$"
diag "namespaces: ${LAB_PFX}* (not ipx$$*)"

S1=198.18.0.21
S2=198.18.0.22
S3=198.18.0.23
export S1 S2 S3
declare -A SSM_PID=()
declare -A SSM_CAP=()

ssm_sources() {
        local s up
        up=$(lab_ns up)
        for s in "$S1" "$S2" "$S3"; do
                ip -n "$up" addr add "$s/24" dev up0 || lab_bail "cannot add $s to up0"
        done
}

ssm_stream() {
        local a=() g
        for g in "$@"; do a+=(--static-group "$g"); done
        lab_start_upstream --forget-after 30 --interval-ms 25 --source "$S1" --source "$S2" \
                --source "$S3" "${a[@]}"
}

ssm_host() {
        local role=$1 name=$2 dur=$3 a=() s
        shift 3
        for s in "$@"; do a+=(--step "$s"); done
        rm -f "$LAB_TMP/$name.json"
        lab_bg "$role" "$LAB_TMP/$name.stderr" "$PYTHON" "$LAB_DIR/ssm-host.py" --iface eth0 \
                --duration "$dur" --out "$LAB_TMP/$name.json" "${a[@]}"
        SSM_PID[$name]=$LAB_LAST_PID
}

ssm_host_wait() {
        local name=$1 timeout=${2:-60} rc=0
        lab_wait_pid "${SSM_PID[$name]}" "$timeout" || rc=$?
        if [ "$rc" = 124 ]; then
                lab_kill "${SSM_PID[$name]}"
        fi
        if [ ! -s "$LAB_TMP/$name.json" ]; then
                fail "$name (ssm-host.py) wrote its summary (status $rc)"
                diag "$(cat "$LAB_TMP/$name.stderr" 2>/dev/null)"
                return 1
        fi
}

ssm_cap_start() {
        local name=$1 role=$2 iface=$3 filter=${4:-igmp or udp port 5000} i
        rm -f "$LAB_TMP/$name.pcap"
        lab_bg "$role" "$LAB_TMP/$name.cap.log" dumpcap -q -i "$iface" -f "$filter" \
                -w "$LAB_TMP/$name.pcap"
        SSM_CAP[$name]=$LAB_LAST_PID
        for ((i = 0; i < 100; i++)); do
                grep -q "Capturing on" "$LAB_TMP/$name.cap.log" 2>/dev/null && return 0
                sleep 0.1
        done
        lab_bail "dumpcap did not start on $iface in $role ($(cat "$LAB_TMP/$name.cap.log"))"
}

ssm_cap_stop() {
        local name=$1
        kill -INT "${SSM_CAP[$name]}" 2>/dev/null
        lab_wait_pid "${SSM_CAP[$name]}" 5 || lab_kill "${SSM_CAP[$name]}"
        PYTHONPATH=$LAB_DIR "$PYTHON" "$LAB_DIR/ssmq.py" decode "$LAB_TMP/$name.pcap" \
                >"$LAB_TMP/$name.jsonl" || fail "tshark decodes $name.pcap"
}
