# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# frr-lib.sh - an IGMP router nobody here wrote, for the netns lab: FRR's zebra and pimd as the
# upstream querier on up0 (in the UP namespace of lib.sh), and tshark as the independent
# dissector of what crosses the upstream link. Sourced after lib.sh. Skips the test (exit 77)
# when frr or tshark is not installed (tests/deps.sh installs both).
#
# FRR gets its own path space: its config, pid files, vty sockets and crash-log directory live
# in $LAB_TMP/frr, bind-mounted (in a private mount namespace of its own, unshare -m) over
# /etc/frr, /var/run/frr and /var/tmp. Nothing of the host's FRR installation is read or
# written, and two runs never share a socket. The daemons run in the foreground (not -d), so
# their PIDs are ours (lab_bg) and the EXIT trap stops them.
#
# API:
#   frr_start VERSION [QUERY_INTERVAL_S [MAX_RESP_DS]]   zebra + pimd, "ip igmp" on up0
#       (query interval default 2 s, max response time default 10 ds = 1 s); waits (bounded)
#       until pimd lists up0 as an IGMP interface and is its querier. Elsewhere than on up0 in
#       UP: FRR_ROLE (namespace role, default up), FRR_IFACE (default up0) and FRR_ADDR (its
#       address there, default 198.18.0.1).
#   frr_stop                      stops pimd then zebra (by PID)
#   frr_vtysh CMD...              runs vtysh -c CMD ... against this run's daemons
#   frr_groups                    prints "GROUP VERSION" per group FRR lists on up0
#   frr_group_log FILE [PERIOD]   background: appends "T GROUP..." (monotonic s) every PERIOD
#                                 (default 0.2 s) to FILE; frr_group_log_stop ends it
#   frr_gate FILE GROUP...        background, in UP: streams to each GROUP from 198.18.0.1 on up0
#                                 only while FRR lists it (frr-pcap.py gate), logging FRR's
#                                 group list to FILE like frr_group_log; frr_group_log_stop ends it
#   frr_silence / frr_unsilence   drop / pass FRR's outgoing queries (nftables in UP: stopping
#                                 pimd would flush its group state)
#   cap_start NAME [IFACE [ROLE]] tshark capture of IGMP on IFACE (default up0 in UP) to
#                                 $LAB_TMP/NAME.pcap; cap_stop NAME ends it
#   cap_igmp NAME                 prints the capture as JSON lines (frr-pcap.py): one per IGMP
#                                 message, fields t, src, dst, ttl, ra, type, version, records
#
# The LAB_T-style compression: FRR's query interval is a whole number of seconds (>= 1), its
# max response time in tenths of a second.

if [ -n "${FRR_LIB_SOURCED:-}" ]; then
        return 0
fi
FRR_LIB_SOURCED=1

FRR_BIN=${FRR_BIN:-/usr/lib/frr}
FRR_DIR=
FRR_ZEBRA_PID=
FRR_PIMD_PID=
FRR_GLOG_PID=
declare -A CAP_PID=()

if [ ! -x "$FRR_BIN/zebra" ] || [ ! -x "$FRR_BIN/pimd" ] || ! command -v vtysh >/dev/null; then
        echo "1..0 # SKIP FRR (zebra, pimd, vtysh) not installed: apt-get install frr"
        exit 77
fi
if ! command -v tshark >/dev/null; then
        echo "1..0 # SKIP tshark not installed: apt-get install tshark"
        exit 77
fi
if ! command -v nft >/dev/null; then
        echo "1..0 # SKIP nft not installed: apt-get install nftables"
        exit 77
fi

# frr_daemon NAME ARGS...: starts FRR daemon NAME in UP, in a private mount namespace where
# /etc/frr, /var/run/frr and /var/tmp are this run's directories; its PID (the exec chain ip
# netns exec -> unshare -> sh -> daemon keeps it) goes to LAB_LAST_PID.
frr_daemon() {
        local name=$1
        shift
        # shellcheck disable=SC2016
        lab_bg "${FRR_ROLE:-up}" "$FRR_DIR/$name.out" unshare -m sh -c '
                d=$1; shift
                mount --make-rprivate / &&
                mount --bind "$d/etc" /etc/frr &&
                mount --bind "$d/run" /var/run/frr &&
                mount --bind "$d/tmp" /var/tmp &&
                exec "$@"' frr-"$name" "$FRR_DIR" "$FRR_BIN/$name" -f /etc/frr/frr.conf \
                -i "/var/run/frr/$name.pid" -P 0 --log "file:$FRR_DIR/$name.log" "$@"
}

# frr_wait_file PATH TIMEOUT_S
frr_wait_file() {
        local i max
        max=$(awk -v t="$2" 'BEGIN { printf "%d", t * 10 }')
        for ((i = 0; i < max; i++)); do
                [ -e "$1" ] && return 0
                sleep 0.1
        done
        return 1
}

frr_start() {
        local version=$1 qi=${2:-2} mrt=${3:-10}
        FRR_DIR=$LAB_TMP/frr
        rm -rf "$FRR_DIR"
        mkdir -p "$FRR_DIR/etc" "$FRR_DIR/run" "$FRR_DIR/tmp"
        # The max response time must not exceed the query interval (FRR refuses the config):
        # it goes first.
        cat >"$FRR_DIR/etc/frr.conf" <<EOF
frr defaults traditional
hostname ipx-up
!
interface ${FRR_IFACE:-up0}
 ip igmp
 ip igmp version $version
 ip igmp query-max-response-time $mrt
 ip igmp query-interval $qi
 ip igmp last-member-query-interval 5
 ip igmp last-member-query-count 2
!
EOF
        : >"$FRR_DIR/etc/vtysh.conf"
        chown -R frr:frr "$FRR_DIR"
        frr_daemon zebra
        FRR_ZEBRA_PID=$LAB_LAST_PID
        frr_wait_file "$FRR_DIR/run/zserv.api" 10 || lab_bail "FRR zebra did not start ($(cat "$FRR_DIR/zebra.out"))"
        frr_daemon pimd
        FRR_PIMD_PID=$LAB_LAST_PID
        frr_wait_file "$FRR_DIR/run/pimd.vty" 10 || lab_bail "FRR pimd did not start ($(cat "$FRR_DIR/pimd.out"))"
        local i out='' addr=${FRR_ADDR:-198.18.0.1}
        for ((i = 0; i < 100; i++)); do
                out=$(frr_vtysh 'show ip igmp interface' 2>&1)
                if grep -Eq "^${FRR_IFACE:-up0} +up +${addr//./\\.} +$version +local" <<<"$out"; then
                        pass "FRR pimd (IGMPv$version querier, query interval ${qi}s, max resp ${mrt}ds) up on ${FRR_IFACE:-up0}"
                        return 0
                fi
                sleep 0.1
        done
        diag "$out"
        lab_bail "FRR pimd is not the IGMPv$version querier on ${FRR_IFACE:-up0} within 10 s"
}

frr_stop() {
        frr_group_log_stop
        lab_kill "$FRR_PIMD_PID"
        lab_kill "$FRR_ZEBRA_PID"
        FRR_PIMD_PID=
        FRR_ZEBRA_PID=
}

frr_vtysh() {
        local a=()
        for c in "$@"; do a+=(-c "$c"); done
        vtysh --vty_socket "$FRR_DIR/run" "${a[@]}"
}

# frr_groups: "GROUP VERSION" per group on up0, from FRR's own JSON.
frr_groups() {
        frr_vtysh 'show ip igmp groups json' | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
for g in d.get("up0", {}).get("groups", []):
    print(g["group"], g.get("version", "?"))'
}

# frr_group_log FILE [PERIOD_S]: samples FRR's group list of up0 in the background.
frr_group_log() {
        local file=$1 period=${2:-0.2}
        : >"$file"
        PYTHONPATH=$LAB_DIR "$PYTHON" "$LAB_DIR/frr-pcap.py" poll --vty-socket "$FRR_DIR/run" \
                --period "$period" --out "$file" --duration 600 2>"$file.stderr" &
        FRR_GLOG_PID=$!
        LAB_PIDS+=("$FRR_GLOG_PID")
}

frr_gate() {
        local file=$1 a=() g
        shift
        for g in "$@"; do a+=(--group "$g"); done
        : >"$file"
        lab_bg up "$file.stderr" "$PYTHON" "$LAB_DIR/frr-pcap.py" gate --vty-socket "$FRR_DIR/run" \
                --out "$file" --duration 600 "${a[@]}"
        FRR_GLOG_PID=$LAB_LAST_PID
}

frr_group_log_stop() {
        [ -n "$FRR_GLOG_PID" ] || return 0
        lab_kill "$FRR_GLOG_PID"
        FRR_GLOG_PID=
}

# frr_silence: FRR's queries no longer leave UP (its state stays, its timers run).
frr_silence() {
        lab_exec up nft -f - <<'EOF' || lab_bail "nft: cannot install the query filter"
table ip ipxfrr {
        chain out {
                type filter hook output priority 0; policy accept;
                ip protocol igmp @th,0,8 0x11 counter drop
        }
}
EOF
}

frr_unsilence() {
        lab_exec up nft delete table ip ipxfrr 2>/dev/null || true
}

# frr_dropped: how many queries the filter dropped so far.
frr_dropped() {
        lab_exec up nft list table ip ipxfrr 2>/dev/null | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# cap_start NAME [IFACE [ROLE]]: capture IGMP on IFACE (default up0 in UP) until cap_stop.
cap_start() {
        local name=$1 iface=${2:-up0} role=${3:-up} i
        rm -f "$LAB_TMP/$name.pcap"
        lab_bg "$role" "$LAB_TMP/$name.tshark.log" tshark -q -n -i "$iface" -f igmp -w "$LAB_TMP/$name.pcap"
        CAP_PID[$name]=$LAB_LAST_PID
        # tshark says "Capturing on" once the capture runs (bounded wait, 10 s).
        for ((i = 0; i < 100; i++)); do
                grep -q "Capturing on" "$LAB_TMP/$name.tshark.log" 2>/dev/null && return 0
                sleep 0.1
        done
        lab_bail "tshark did not start capturing on $iface ($(cat "$LAB_TMP/$name.tshark.log"))"
}

cap_stop() {
        local name=$1
        # tshark writes the last packets on SIGINT.
        kill -INT "${CAP_PID[$name]}" 2>/dev/null
        lab_wait_pid "${CAP_PID[$name]}" 5 || lab_kill "${CAP_PID[$name]}"
        CAP_PID[$name]=
}

# cap_igmp NAME: the capture decoded by tshark, one JSON line per IGMP message.
cap_igmp() {
        PYTHONPATH=$LAB_DIR "$PYTHON" "$LAB_DIR/frr-pcap.py" decode "$LAB_TMP/$1.pcap"
}
