# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# bus-lib.sh - a private, system-bus-like dbus-daemon for the D-Bus tests (test-dbus.sh,
# test-ctl.sh). Source it after lib.sh. bus_start writes a bus configuration with the default
# policy of /usr/share/dbus-1/system.conf (no <user> switch, no activation) that includes a
# copy of the shipped dbus/org.igmpproxy.Movistar.conf, starts dbus-daemon (its PID joins
# LAB_PIDS, so lib.sh's EXIT trap stops it by PID) and exports DBUS_SYSTEM_BUS_ADDRESS: both
# the daemon (sd_bus_open_system) and busctl/dbus-send/igmpproxyctl use it. The bus socket is
# a path socket, so it is reachable from inside the lab's network namespaces.
#
# API: bus_start / bus_wait_name [TIMEOUT_S] / B ARGS (busctl --system, 5 s timeout) /
#      bus_nobody CMD... (CMD as uid/gid 65534) / bus_error_name CMD...: the D-Bus error name of
#      a dbus-send call (a method without arguments, or "call METHOD TYPE:ARG" with one), "OK"
#      if it succeeded (full text: bus_error_text).

BUS_NAME=org.igmpproxy.Movistar
BUS_PATH=/org/igmpproxy/Movistar
BUS_IFACE=org.igmpproxy.Movistar
IGMPPROXYCTL=${IGMPPROXYCTL:-$(dirname "$IGMPPROXY")/igmpproxyctl}

bus_start() {
        local tool
        for tool in dbus-daemon dbus-send busctl setpriv; do
                if ! command -v "$tool" >/dev/null; then
                        echo "1..0 # SKIP needs dbus-daemon, dbus-send, busctl and setpriv (tests/deps.sh)"
                        exit 77
                fi
        done
        # uid 65534 must reach the socket: the run's temp dir is mode 0700.
        chmod 755 "$LAB_TMP"
        BUS_DIR=$LAB_TMP/bus
        mkdir -p "$BUS_DIR/system.d"
        cp "$LAB_REPO/dbus/org.igmpproxy.Movistar.conf" "$BUS_DIR/system.d/"
        cat >"$BUS_DIR/bus.conf" <<EOF2
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>$BUS_DIR/system.d</includedir>
</busconfig>
EOF2
        bus_launch
        pass "private system-like bus up (pid $BUS_PID) with the shipped policy"
}

# bus_launch: (re)starts the private dbus-daemon on the same socket path (bus_start did the rest).
bus_launch() {
        local addr
        rm -f "$BUS_DIR/pid" "$BUS_DIR/system_bus_socket"
        # --fork returns once the socket listens; fd 3 gets the PID. The shipped policy names
        # user igmpproxy, which may not exist here: dbus-daemon warns and goes on.
        addr=$(timeout 10 dbus-daemon --config-file="$BUS_DIR/bus.conf" \
                --address="unix:path=$BUS_DIR/system_bus_socket" --fork \
                --print-address=1 --print-pid=3 3>"$BUS_DIR/pid" 2>"$BUS_DIR/stderr")
        if [ -z "$addr" ] || [ ! -s "$BUS_DIR/pid" ]; then
                lab_bail "private dbus-daemon did not start: $(cat "$BUS_DIR/stderr")"
        fi
        BUS_PID=$(cat "$BUS_DIR/pid")
        LAB_PIDS+=("$BUS_PID")
        chmod 755 "$BUS_DIR"
        # Without the ",guid=": like the real system bus address, it stays right when the bus is
        # restarted (sd-bus refuses a server whose guid differs from the address's).
        export DBUS_SYSTEM_BUS_ADDRESS=${addr%%,guid=*}
}

# bus_stop: stops the private dbus-daemon (SIGTERM, by PID), bounded 5 s.
bus_stop() {
        local i
        kill -TERM "$BUS_PID" 2>/dev/null
        for ((i = 0; i < 50; i++)); do
                kill -0 "$BUS_PID" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -KILL "$BUS_PID" 2>/dev/null
}

B() {
        timeout 10 busctl --system --timeout=5 "$@"
}

bus_wait_name() {
        local i max=$((${1:-5} * 10))
        for ((i = 0; i < max; i++)); do
                B status "$BUS_NAME" >/dev/null 2>&1 && return 0
                sleep 0.1
        done
        return 1
}

bus_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# bus_error_name [--nobody] METHOD|call METHOD TYPE:ARG|set PROP TYPE:VALUE|setlog PROP TYPE:VALUE
bus_error_name() {
        local pre=() out
        if [ "$1" = --nobody ]; then
                pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
                shift
        fi
        case $1 in
        set) out=$(timeout 10 "${pre[@]}" dbus-send --system --print-reply --reply-timeout=5000 \
                        --dest="$BUS_NAME" "$BUS_PATH" org.freedesktop.DBus.Properties.Set \
                        "string:$BUS_IFACE" "string:$2" "variant:$3" 2>&1) ;;
        setlog) out=$(timeout 10 "${pre[@]}" dbus-send --system --print-reply --reply-timeout=5000 \
                        --dest="$BUS_NAME" /org/freedesktop/LogControl1 org.freedesktop.DBus.Properties.Set \
                        string:org.freedesktop.LogControl1 "string:$2" "variant:$3" 2>&1) ;;
        call) out=$(timeout 10 "${pre[@]}" dbus-send --system --print-reply --reply-timeout=5000 \
                        --dest="$BUS_NAME" "$BUS_PATH" "$BUS_IFACE.$2" "$3" 2>&1) ;;
        *) out=$(timeout 10 "${pre[@]}" dbus-send --system --print-reply --reply-timeout=5000 \
                        --dest="$BUS_NAME" "$BUS_PATH" "$BUS_IFACE.$1" 2>&1) ;;
        esac
        local rc=$?
        # The caller runs us in $(...): the message goes through a file.
        printf '%s\n' "$out" >"$LAB_TMP/bus-error.txt"
        if [ $rc = 0 ]; then echo OK; return; fi
        # "Error org.example.Name: message"
        sed -n 's/^Error \([^:]*\):.*/\1/p' <<<"$out" | head -n 1
}

bus_error_text() {
        cat "$LAB_TMP/bus-error.txt" 2>/dev/null
}
