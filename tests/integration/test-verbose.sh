#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-verbose.sh - what -v and -vv add to the log (igmpproxy(8)): without either, no debug line;
# -v, the debug lines (a link gaining listeners, refresh cycles); -vv, also one line for every
# IGMP packet received and sent, with its version, group, source, interface, TTL and Router
# Alert. One IGMPv2 deco joins a channel under each of the three runs.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

lab_setup
deco_version deco1 2
lab_start_upstream --forget-after "$LAB_T"
cfg=$(lab_std_config igmpproxy.ini)

for level in none v vv; do
        case $level in
        none) args=() ;;
        v) args=(-v) ;;
        vv) args=(-v -v) ;;
        esac
        lab_start_proxy "$cfg" --log-target=console "${args[@]}"
        deco_join deco1 "deco-$level" --group 239.0.5.185 --duration 3
        deco_wait deco1 15
        lab_stop_proxy
        cp "$LAB_PROXY_LOG" "$LAB_TMP/log-$level"
done

L=$LAB_TMP
listeners='vlan10: listeners for 239\.0\.5\.185'
received='Received IGMPv2 report for 239\.0\.5\.185 from 198\.18\.1\.11 on vlan10 \(TTL 1, Router Alert\)'
sent='Sent IGMPv2 report for 239\.0\.5\.185 to 239\.0\.5\.185 on vlan2'
check "no option: no debug line (listeners), no packet line" \
        sh -c "! grep -Eq '$listeners' $L/log-none && ! grep -Eq 'Received IGMP|Sent IGMP' $L/log-none"
check "-v: the debug line for the new listener, no packet line" \
        sh -c "grep -Eq '$listeners' $L/log-v && ! grep -Eq 'Received IGMP|Sent IGMP' $L/log-v"
check "-vv: the deco's report as received (version, group, source, link, TTL, Router Alert)" \
        grep -Eq "$received" "$L/log-vv"
check "-vv: the report sent upstream" grep -Eq "$sent" "$L/log-vv"
diag "$(grep -E 'Received IGMP|Sent IGMP' "$L/log-vv" | head -n 4)"
lab_stop_upstream
lab_done
