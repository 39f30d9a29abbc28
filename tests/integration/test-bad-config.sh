#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-bad-config.sh - broken configuration files, on the real binary in the lab's router
# namespace: every case is refused with "file:line: ..." and exit status 1 before the daemon
# touches the kernel (no VIF appears); and the same files given to a running daemon on SIGHUP
# leave it running with its old configuration, the deco's stream flowing.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

lab_setup
good=$(lab_std_config good.ini)
dir=$LAB_TMP/bad
mkdir -p "$dir"

# name | expected "file:line:" | expected text in the message
: >"$dir/empty.conf"
printf '[Proxy]\nQuickLeave=yes\n\177ELF\002\001\001\000\000\351\377\376\n' >"$dir/garbage.conf"
{ printf '[Proxy]\n'; printf 'QuickLeave=%*s\n' 1048576 '' | tr ' ' y; } >"$dir/longline.conf"
{ cat "$good"; printf '\n[Bogus]\nKey=1\n'; } >"$dir/section.conf"
{ cat "$good"; printf '\n[Proxy]\nQuikLeave=yes\n'; } >"$dir/key.conf"
{ cat "$good"; printf '\n[Interface vlan10]\nRole=downstream\n'; } >"$dir/duplicate.conf"
{ cat "$good"; printf '\n[Interface vlan20]\nRole=upstream\n'; } >"$dir/twoup.conf"
{ cat "$good"; printf '\n[Refresh]\nIntervalSec=300\n'; } >"$dir/range.conf"
sed 's|^AltNet=.*|AltNet=198.18.100.1/24|' "$good" >"$dir/cidr.conf"
printf 'quickleave\nphyint vlan2 upstream\nphyint vlan10 downstream\nfastleave\n' >"$dir/legacy.conf"

cases=(
        "empty:1:no interfaces configured"
        "garbage:3:binary data"
        "longline:2:line too long"
        "section:$(($(wc -l <"$good") + 2)):unknown section"
        "key:$(($(wc -l <"$good") + 3)):unknown key"
        "duplicate:$(($(wc -l <"$good") + 2)):duplicate"
        "twoup:$(($(wc -l <"$good") + 3)):only one upstream"
        "range:$(($(wc -l <"$good") + 3)):IntervalSec"
        "cidr:$(grep -n '^AltNet=' "$dir/cidr.conf" | cut -d: -f1):198.18.100.1/24"
        "legacy:4:fastleave"
)

for c in "${cases[@]}"; do
        IFS=: read -r name line text <<<"$c"
        f=$dir/$name.conf
        out=$(lab_exec rtr timeout 5 "$IGMPPROXY" --no-bus "$f" 2>&1)
        rc=$?
        vifs=$(lab_vifs | tr '\n' ' ')
        first=$(printf '%s\n' "$out" | head -n 1 | cut -c1-160)
        if [ "$rc" -eq 1 ] && [[ "$first" == *"$f:$line:"* ]] && [[ "$first" == *"$text"* ]] && [ -z "$vifs" ] &&
                printf '%s' "$out" | LC_ALL=C grep -qv '[^[:print:][:space:]]'; then
                pass "$name: refused at $f:$line with '$text', exit 1, no VIF"
        else
                fail "$name: refused at $f:$line with '$text', exit 1, no VIF"
        fi
        diag "exit $rc, VIFs [$vifs], message: $first"
done

# The same files on SIGHUP: the running daemon keeps its configuration and the stream.
lab_start_upstream --forget-after "$LAB_T"
cp "$good" "$LAB_TMP/live.conf"
lab_start_proxy "$LAB_TMP/live.conf" --no-bus
deco_join deco1 deco1 --group 239.0.5.185 --duration 16
sleep 2
for name in garbage twoup empty longline; do
        cp "$dir/$name.conf" "$LAB_TMP/live.conf"
        kill -HUP "$LAB_PROXY_PID"
        sleep 1.5
done
alive=no
kill -0 "$LAB_PROXY_PID" 2>/dev/null && alive=yes
rejected=$(grep -c "Configuration not reloaded, keeping the old one: $LAB_TMP/live.conf:" "$LAB_PROXY_LOG")
check "daemon alive after 4 rejected reloads ($rejected rejections logged with file:line)" \
        test "$alive" = yes -a "$rejected" -eq 4
check "both VIFs still in service" test "$(lab_vifs | sort | tr '\n' ' ')" = "vlan10 vlan2 "
deco_wait deco1 30
check_py "deco1 watched 239.0.5.185 through the rejected reloads without a gap" <<'PY'
import labq
g = labq.summary("deco1")["groups"]["239.0.5.185"]
print("%d packets, max gap %.3f s, gaps > 500 ms: %s" % (g["count"], g["max_gap"], g["gaps"]))
assert g["count"] > 0 and g["n_gaps"] == 0
PY
cp "$good" "$LAB_TMP/live.conf"
lab_stop_proxy
lab_stop_upstream
lab_done
