#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-router.sh - the IPTV router of docs/ROUTER.md, built from exactly the example files that
# meson installs (conf/examples/router/, taken from a "meson install --destdir" tree), with the
# lab values of router-lab.vars substituted for the real Movistar+ ones.
#
# The router is real systemd as PID 1 in a throw-away container (sdc.sh, /proc/sys/net writable):
# the files go where the guide puts them (/etc/systemd/network, /etc/nftables.conf,
# /etc/sysctl.d, /etc/igmpproxy.conf) and are applied by the services that read them on a
# Debian 12 machine: systemd-sysctl, nftables.service, systemd-networkd, igmpproxy.service.
# Around it, in network namespaces of this test:
#
#   "up" (the ISP)                         the container (the router)          "stb"
#   ont0 ---- veth ------------------------ wan0 (enp1s0)
#   up0 = VLAN 2 on ont0, 198.18.0.1/24      vlan2  (20-vlan2.netdev, DHCP)
#     dnsmasq: DHCP, option 121                    lan0 (enp2s0) 198.18.1.1/24 ---- eth0 set-top box
#     upstream-emu.py: never queries, forgets a group LAB_HOLD s after the last report,
#     streams from LAB_STREAM_SOURCE (outside the lease's routes); dnsmasq also answers DNS
#     (stands for Movistar's DNS server on the IPTV network, LAB_SERVICE_ADDR)
#
# Checks, in order (one run is a "variant"; the first failing step ends it):
#   sysctl   systemd-sysctl applied the drop-in: every key has the file's value in the kernel
#            (vlan2's as udev applies it when the interface appears)
#   nft      nftables.service loaded the ruleset
#   parse    systemd-networkd logged no complaint (FILE:LINE) about any of the files (without
#            802.1Q: 10-wan.network and 20-vlan2.netdev are installed for this check only, with
#            vlan2 renamed vlan2x and no link for them to act on)
#   lease    networkd created vlan2 with VLAN id 2 and got a lease from the ISP's DHCP server
#   routes   the lease's classless static route is installed through vlan2; no default route
#            through vlan2
#   stb      the set-top box gets its lease from the router's DHCP server: an address of the
#            pool, the router, Movistar's DNS server and option 240, as 30-lan.network says
#   unicast  the set-top box gets an answer from the DNS server on the IPTV service network
#            through the router (the lease's route, forwarding, masquerade)
#   daemon   igmpproxy.service started by its unit (Type=notify: active = ready)
#   join     the set-top box joins a group (IGMPv3): the upstream hears the router's report
#   stream   the stream reaches the set-top box ...
#   hold     ... and flows without a gap over 1 s for 3x the upstream's hold time
# and meanwhile the guide's check commands show it (igmpproxyctl, ip mroute show, networkctl).
# The files as shipped: every step passes. The guide's alternative for a lease without option
# 121 (the commented [Route], Gateway=_dhcp4): passes up to unicast. Then one broken copy of each, each must fail, at the
# step that depends on it:
#   vlan     20-vlan2.netdev with Id=3                 -> lease  (nobody answers on VLAN 3)
#   igmp     nftables.conf without the IGMP rule       -> join   (the box's IGMPv3 reports are
#            dropped; the same box as an IGMPv2 host is heard: such reports reach the proxy
#            before the input chain, as docs/ROUTER.md says)
#   fwd      nftables.conf without the streams' forward rule -> stream (multicast forwarding
#            goes through the forward chain)
#   rpf      90-iptv-router.conf, vlan2.rp_filter = 1  -> stream (the kernel drops the stream)
# ~55 s (~75 s with 802.1Q: the VLAN variant waits 15 s for a lease that never comes).
# Needs root, systemd-networkd, nftables, dnsmasq, cgroup v2 with cgroup.kill.
#
# shellcheck source=../integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
# shellcheck source=common.sh
. "$LAB_REPO/tests/systemd/common.sh"
# shellcheck source=router-lab.vars
. "$LAB_REPO/tests/systemd/router-lab.vars"

SDC=$LAB_REPO/tests/systemd/sdc.sh
UNITDIR_SYS=/usr/lib/systemd/system
sd_container_prereqs /usr/lib/systemd/systemd /usr/lib/systemd/systemd-networkd /usr/lib/systemd/systemd-sysctl \
        systemctl nft dnsmasq unshare nsenter meson timeout
for u in systemd-networkd.service systemd-networkd.socket systemd-sysctl.service nftables.service; do
        [ -f "$UNITDIR_SYS/$u" ] || sd_skip "no $UNITDIR_SYS/$u"
done
sd_dirs_from_build || lab_bail "cannot read the install plan of $MESON_BUILD_ROOT"

SDC_NAMES=()
# shellcheck disable=SC2317 # the EXIT trap
rt_cleanup() {
        local rc=$? n
        for n in "${SDC_NAMES[@]}"; do # those that end_router has not stopped yet
                [ -d "$LAB_TMP/sdc-$n" ] && SDC_STATE=$LAB_TMP timeout 30 "$SDC" stop "$n" >/dev/null 2>&1
        done
        (exit "$rc")
        lab_cleanup
}
trap rt_cleanup EXIT

# 802.1Q in this kernel? (CONFIG_VLAN_8021Q: Debian's kernels have it; some CI kernels do not.)
# Without it, networkd cannot create vlan2 from 20-vlan2.netdev: the WAN link itself is then
# named vlan2 and carries the IPTV traffic untagged, 10-wan.network and 20-vlan2.netdev are only
# parsed (step "parse"), and the "vlan" variant is skipped; every other file and step is the same.
VLAN_KERNEL=0
ns=${LAB_PFX}vchk
if ip netns add "$ns" 2>/dev/null; then
        ip -n "$ns" link add a type veth peer name b 2>/dev/null &&
                ip -n "$ns" link add link a name a.2 type vlan id 2 2>/dev/null && VLAN_KERNEL=1
        ip netns del "$ns"
fi
[ "$VLAN_KERNEL" = 1 ] || diag "this kernel has no 802.1Q VLAN support: 10-wan.network and 20-vlan2.netdev are only" \
        "parsed (the WAN link itself is vlan2, untagged) and the 'vlan' variant is skipped"

# ---------------------------------------------------------------- the installed files
DEST=$LAB_TMP/dest
sd_install_tree "$DEST" || lab_bail "meson install --destdir $DEST failed"
UNIT=$IGMPPROXY_UNITDIR/igmpproxy.service
EXAMPLES=$(cd "$DEST" && find . -type d -path '*/doc/igmpproxy/examples/router' | head -n 1)
[ -n "$EXAMPLES" ] || lab_bail "meson did not install the router examples (doc/igmpproxy/examples/router)"
EXAMPLES=$DEST/${EXAMPLES#./}
FILES="10-wan.network 20-vlan2.netdev 20-vlan2.network 30-lan.network nftables.conf 90-iptv-router.conf igmpproxy.conf"
missing=
for f in $FILES; do [ -f "$EXAMPLES/$f" ] || missing="$missing $f"; done
check "meson installs the router examples under ${EXAMPLES#"$DEST"}${missing:+ (missing:$missing)}" test -z "$missing"
POLICY=$(cd "$DEST" && find . -path '*/dbus-1/system.d/org.igmpproxy.Movistar.conf' -type f | head -n 1)
POLICY=${POLICY#.}
CTL=$(cd "$DEST" && find . -path '*/bin/igmpproxyctl' -type f | head -n 1)
CTL=${CTL#.}
[ -n "$POLICY" ] && [ -n "$CTL" ] || lab_bail "meson did not install the bus policy or igmpproxyctl"
# Where each goes on the router (docs/ROUTER.md).
dest_of() {
        case $1 in
        *.network | *.netdev) echo "/etc/systemd/network/$1" ;;
        nftables.conf) echo /etc/nftables.conf ;;
        90-iptv-router.conf) echo "/etc/sysctl.d/$1" ;;
        igmpproxy.conf) echo /etc/igmpproxy.conf ;;
        esac
}

# lab_copy SRC DST: the examples with the lab values (ROUTER_SUBST); fails if a substitution
# matches nothing or if an IPv4 address outside LAB_ALLOWED_NETS is left.
lab_copy() {
        mkdir -p "$2"
        ROUTER_SUBST_TEXT=$(printf '%s\n' "${ROUTER_SUBST[@]}") "$PYTHON" - "$1" "$2" "$FILES" "$LAB_ALLOWED_NETS" <<'PY'
import ipaddress, os, re, sys
src, dst, files, allowed = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
subst = [l.split("|", 1) for l in os.environ["ROUTER_SUBST_TEXT"].splitlines() if l]
text = {f: open(os.path.join(src, f)).read() for f in files}
for real, lab in subst:
    if not any(real in t for t in text.values()):
        sys.exit("substitution %r -> %r matches no example file" % (real, lab))
    text = {f: t.replace(real, lab) for f, t in text.items()}
nets = [ipaddress.ip_network(n) for n in allowed]
for f, t in text.items():
    for m in re.finditer(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?![\d.])", t):
        net = ipaddress.ip_network(m.group(0), strict=False)
        if not any(net.subnet_of(n) for n in nets if n.version == net.version):
            sys.exit("%s: %s is outside the lab's networks %s" % (f, m.group(0), " ".join(allowed)))
    open(os.path.join(dst, f), "w").write(t)
PY
}

# break_copy VARIANT DIR: the broken copy of one file (checked: the file did change).
break_copy() {
        local v=$1 d=$2 f before
        case $v in
        ok) return 0 ;;
        # Not broken: the guide's alternative for a lease without option 121 (step 2), the
        # commented [Route] of 20-vlan2.network through the lease's gateway (Gateway=_dhcp4).
        route) f=20-vlan2.network; before=$(cat "$d/$f")
                sed -i -e 's/^#\[Route\]$/[Route]/' -e 's/^#\(Destination=\)/\1/' -e 's/^#\(Gateway=_dhcp4\)$/\1/' "$d/$f" ;;
        vlan) f=20-vlan2.netdev; before=$(cat "$d/$f"); sed -i 's/^Id=2$/Id=3/' "$d/$f" ;;
        igmp) f=nftables.conf; before=$(cat "$d/$f"); sed -i '/ip protocol igmp accept/d' "$d/$f" ;;
        fwd) f=nftables.conf; before=$(cat "$d/$f"); sed -i '/ip daddr 224\.0\.0\.0\/4 meta l4proto udp accept/d' "$d/$f" ;;
        rpf) f=90-iptv-router.conf; before=$(cat "$d/$f")
                sed -i 's/^net\.ipv4\.conf\.vlan2\.rp_filter = 0$/net.ipv4.conf.vlan2.rp_filter = 1/' "$d/$f" ;;
        esac
        [ "$before" != "$(cat "$d/$f")" ] || lab_bail "variant $v: the broken copy of $f is unchanged"
        diag "variant $v: $f changed: $(diff <(echo "$before") "$d/$f" | grep '^[<>]' | tr '\n' ' ')"
}

# igmpv2_probe VARIANT: the same box as an IGMPv2 host joins again; V2_JOIN says whether the
# upstream heard the router's report within 4 s. An IGMPv2 report goes to the group itself
# with Router Alert: the kernel's multicast routing hands it to the proxy's socket before the
# input chain (docs/ROUTER.md, step 5), unlike IGMPv3 reports (224.0.0.22) and leaves.
igmpv2_probe() {
        local v=$1 n i
        lab_sysctl "stb_$v" net.ipv4.conf.eth0.force_igmp_version=2
        n=$(wc -l <"$UPLOG")
        deco_join "stb_$v" "stb-$v-v2" --group "$LAB_GROUP" --duration 4
        V2_JOIN=no
        for ((i = 0; i < 40; i++)); do
                tail -n +"$((n + 1))" "$UPLOG" | grep -q "\"ev\":\"join\".*\"group\":\"$LAB_GROUP\"" && { V2_JOIN=yes; break; }
                sleep 0.1
        done
        lab_kill "${LAB_DECO_PID[stb_$v]}"
        diag "variant $v: the same box as an IGMPv2 host: the upstream heard the report: $V2_JOIN"
}

# ---------------------------------------------------------------- one router
# run_router VARIANT: builds the router from the (possibly broken) files, runs the steps;
# STEP is left at the first failing one ("" if all passed), WHY says what was seen. Every
# observation is also printed as a diagnostic.
ROUTERS=0
run_router() {
        ROUTERS=$((ROUTERS + 1))
        local v=$1 name=${LAB_PFX}r$1 up stb files tree cpid out i addr
        STEP='' WHY=''
        files=$LAB_TMP/files-$v
        lab_copy "$EXAMPLES" "$files" || { STEP=files WHY="lab copy failed"; return 1; }
        break_copy "$v" "$files"
        tree=$LAB_TMP/tree-$v
        mkdir -p "$tree"
        cp -a "$DEST/." "$tree/"
        # The bus policy where a package (prefix /usr) puts it and dbus-daemon reads it, so
        # that the guide's igmpproxyctl commands work.
        install -D -m 0644 "$DEST$POLICY" "$tree/usr/share/dbus-1/system.d/org.igmpproxy.Movistar.conf"
        for f in $FILES; do
                case $VLAN_KERNEL/$f in
                0/10-wan.network | 0/20-vlan2.netdev)
                        # Parsed but never acted on: no wan0 link in this mode, and the netdev
                        # renamed (vlan2 is the untagged link here, of another kind).
                        sed 's/vlan2/vlan2x/' "$files/$f" >"$files/$f.parse-only"
                        install -D -m 0644 "$files/$f.parse-only" "$tree$(dest_of "$f")"
                        continue ;;
                esac
                install -D -m 0644 "$files/$f" "$tree$(dest_of "$f")"
        done

        # The ISP: VLAN 2 on its end of the WAN cable (wanlink: the router's end).
        lab_add_ns "up_$v"
        lab_add_ns "stb_$v"
        up=$(lab_ns "up_$v")
        stb=$(lab_ns "stb_$v")
        local wanlink
        if [ "$VLAN_KERNEL" = 1 ]; then
                wanlink=wan0
                ip -n "$up" link add ont0 type veth peer name wan0 || lab_bail "cannot create the WAN veth"
                ip -n "$up" link add link ont0 name up0 type vlan id 2 || lab_bail "cannot create VLAN 2 at the ISP"
                ip -n "$up" link set ont0 up
        else
                wanlink=vlan2
                ip -n "$up" link add up0 type veth peer name vlan2 || lab_bail "cannot create the WAN veth"
        fi
        ip -n "$up" addr add "$LAB_ISP_ADDR" dev up0
        ip -n "$up" addr add "$LAB_SERVICE_ADDR/32" dev up0
        ip -n "$up" addr add "$LAB_STREAM_SOURCE/32" dev up0
        ip -n "$up" link set up0 up
        # The set-top box.
        ip -n "$stb" link add eth0 type veth peer name lan0 || lab_bail "cannot create the LAN veth"
        ip -n "$stb" link set eth0 up
        # An IGMPv3 host (v3 reports go to 224.0.0.22, through the router's input chain); report
        # repeats scaled to the compressed time (pitfall 6).
        lab_sysctl "stb_$v" net.ipv4.conf.eth0.force_igmp_version=3 \
                net.ipv4.conf.eth0.igmpv2_unsolicited_report_interval=100 \
                net.ipv4.conf.eth0.igmpv3_unsolicited_report_interval=100

        out=$(SDC_STATE=$LAB_TMP SDC_TREE=$tree SDC_NET_SYSCTL=rw SDC_MAX_SEC=150 \
                SDC_UNITS="$UNIT:$UNITDIR_SYS/systemd-networkd.service:$UNITDIR_SYS/systemd-networkd.socket:$UNITDIR_SYS/systemd-sysctl.service:$UNITDIR_SYS/nftables.service" \
                timeout 60 "$SDC" start "$name" 2>&1)
        local rc=$?
        SDC_NAMES+=("$name")
        [ "$rc" = 0 ] || lab_bail "variant $v: the container did not boot: $out"
        cpid=$(SDC_STATE=$LAB_TMP "$SDC" pid "$name")
        ip -n "$up" link set "$wanlink" netns "$cpid" || lab_bail "cannot move $wanlink into the container"
        ip -n "$stb" link set lan0 netns "$cpid" || lab_bail "cannot move lan0 into the container"
        ip netns attach "${LAB_PFX}ctr$v" "$cpid" || lab_bail "cannot name the container's network namespace"
        LAB_NS_CREATED+=("${LAB_PFX}ctr$v")
        X() { timeout 20 env SDC_STATE="$LAB_TMP" "$SDC" exec "$name" "$@"; }

        # The ISP's services.
        local opt121=--dhcp-option="option:classless-static-route,$LAB_ROUTE_NET,$LAB_ROUTE_GW"
        [ "$v" = route ] && opt121=--dhcp-option="option:router,$LAB_ROUTE_GW" # no option 121
        lab_bg "up_$v" "$LAB_TMP/dnsmasq-$v.log" dnsmasq --keep-in-foreground --conf-file=/dev/null \
                --no-resolv --no-hosts --user=root --group=root --interface=up0 --bind-interfaces \
                --address="/platform.iptv.lab/$LAB_SERVICE_ADDR" \
                --dhcp-authoritative --dhcp-range="$LAB_DHCP_RANGE" \
                "$opt121" \
                --dhcp-leasefile="$LAB_TMP/dnsmasq-$v.leases" --log-dhcp --log-facility=-
        RT_PIDS=("$LAB_LAST_PID")
        UPLOG=$LAB_TMP/upstream-$v.jsonl
        lab_bg "up_$v" "$LAB_TMP/upstream-$v.stderr" "$PYTHON" "$LAB_DIR/upstream-emu.py" --iface up0 \
                --source "$LAB_STREAM_SOURCE" --forget-after "$LAB_HOLD" --duration 100 --log "$UPLOG"
        RT_PIDS+=("$LAB_LAST_PID")
        for ((i = 0; i < 50; i++)); do
                grep -q '"ev":"ready"' "$UPLOG" 2>/dev/null && break
                sleep 0.1
        done

        # The install (docs/ROUTER.md, step 1): the daemon's user, then dbus-daemon reloaded so that
        # the bus policy naming that user takes effect. Then what a Debian 12 boot with the
        # services enabled does, in its order.
        X sh -c 'systemd-sysusers >/dev/null 2>&1 && systemctl try-reload-or-restart dbus.service'
        X systemctl start systemd-sysctl.service nftables.service systemd-networkd.service
        diag "variant $v: systemd-sysctl $(X systemctl is-active systemd-sysctl.service)," \
                "nftables $(X systemctl is-active nftables.service)," \
                "systemd-networkd $(X systemctl is-active systemd-networkd.service)"
        # udev's 99-systemd.rules applies the sysctl.d keys of an interface when it appears; there
        # is no udev in the container (read-only /sys): run the rule's own command for vlan2.
        for ((i = 0; i < 50; i++)); do
                X test -e /sys/class/net/vlan2 && break
                sleep 0.1
        done
        local udev_cmd
        udev_cmd=$(sed -n 's/.*SUBSYSTEM=="net".*RUN+="\([^"]*systemd-sysctl[^"]*\)".*/\1/p' \
                /usr/lib/udev/rules.d/99-systemd.rules | head -n 1)
        [ -n "$udev_cmd" ] || lab_bail "no systemd-sysctl RUN in /usr/lib/udev/rules.d/99-systemd.rules"
        # shellcheck disable=SC2086 # the rule's command line, split as udev splits it
        X ${udev_cmd//\$name/vlan2}

        # Every key of the drop-in has its value in the kernel (whatever the value: a broken
        # copy is applied as faithfully as the good one).
        local key val got bad=
        while IFS='=' read -r key val; do
                key=${key//[[:space:]]/} val=${val//[[:space:]]/}
                [ -n "$key" ] && [ "${key#\#}" = "$key" ] || continue
                got=$(X cat "/proc/sys/${key//.//}" 2>&1)
                diag "variant $v: $key = $got (file: $val)"
                [ "$got" = "$val" ] || bad="$bad $key=$got"
        done <"$files/90-iptv-router.conf"
        if [ -n "$bad" ]; then
                STEP=sysctl WHY="not as in 90-iptv-router.conf:$bad"
                return 1
        fi
        if ! X systemctl is-active -q nftables.service || ! X nft list chain inet filter forward >/dev/null; then
                STEP=nft WHY="nftables.service $(X systemctl is-active nftables.service)"
                return 1
        fi

        # networkd read every file without a complaint ("FILE:LINE: ..." in its journal).
        out=$(X journalctl -u systemd-networkd --no-pager -o cat 2>&1 | grep -E '^/etc/systemd/network/[^:]+:[0-9]+: ')
        if [ -n "$out" ]; then
                STEP=parse WHY="systemd-networkd complains about the files: $out"
                return 1
        fi
        # The lease (bounded: 15 s).
        for ((i = 0; i < 150; i++)); do
                addr=$(X ip -4 -o addr show dev vlan2 2>/dev/null | awk '{ print $4; exit }')
                [ -n "$addr" ] && break
                sleep 0.1
        done
        diag "variant $v: $(X ip -d -o link show vlan2 2>&1 | grep -o 'vlan protocol [^ ]* id [0-9]*'), address ${addr:-none} after $((i * 100)) ms"
        if [ -z "$addr" ]; then
                STEP=lease WHY="no DHCP lease on vlan2 in 15 s ($(X networkctl status vlan2 --no-pager 2>&1 | grep -m1 'State:'))"
                return 1
        fi
        VLAN_ADDR=${addr%/*}
        local routes
        routes=$(X ip -4 route show 2>&1)
        diag "variant $v: routes:
$routes"
        if ! grep -q "^$LAB_ROUTE_NET via $LAB_ROUTE_GW dev vlan2 " <<<"$routes" ||
                grep -q '^default .*dev vlan2' <<<"$routes"; then
                STEP=routes WHY="no $LAB_ROUTE_NET via $LAB_ROUTE_GW dev vlan2, or a default route through vlan2"
                return 1
        fi
        # The set-top box's lease from the router's DHCP server (30-lan.network), with what a
        # Movistar router hands it: the router, the DNS server and option 240 as in the file.
        local lease want240
        want240=$(sed -n 's/^SendOption=240:string://p' "$files/30-lan.network")
        lease=$(lab_exec "stb_$v" "$PYTHON" "$LAB_REPO/tests/systemd/dhcp-client.py" --iface eth0 \
                --vendor-class "[IAL]" --timeout 10 2>&1)
        diag "variant $v: the set-top box's lease: $lease"
        STB_ADDR=$(py "$LAB_STB_GW" "$LAB_SERVICE_ADDR" "$want240" "$LAB_STB_POOL" "$lease" <<'PY'
import ipaddress, json, sys
gw, dns, opt240, pool, lease = sys.argv[1:6]
opt240 = opt240.encode().decode("unicode_escape")   # the file's C escapes, as networkd reads them
try:
    l = json.loads(lease)
except ValueError:
    sys.exit(1)
first, last = (ipaddress.ip_address(x) for x in pool.split("-"))
if l["router"] == gw and l["dns"] == [dns] and l["opt240"] == opt240 and \
        first <= ipaddress.ip_address(l["address"]) <= last:
    print("%s/%d" % (l["address"], ipaddress.ip_network("0.0.0.0/" + l["mask"]).prefixlen))
PY
)
        if [ -z "$STB_ADDR" ]; then
                STEP=stb WHY="the set-top box's lease is not what 30-lan.network says (router $LAB_STB_GW, DNS $LAB_SERVICE_ADDR, option 240 '$want240'): $lease"
                return 1
        fi
        ip -n "$stb" addr add "$STB_ADDR" dev eth0
        ip -n "$stb" route add default via "$LAB_STB_GW"

        # The set-top box asks the IPTV network's DNS server (dnsmasq on LAB_SERVICE_ADDR) for a
        # name: a UDP exchange through the lease's route, the forward chain and the masquerade.
        local answer
        answer=$(lab_exec "stb_$v" "$PYTHON" - "$LAB_SERVICE_ADDR" <<'PY' 2>&1
import socket, struct, sys
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x08platform\x04iptv\x03lab\x00" + struct.pack("!HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
for _ in range(5):
    s.sendto(q, (sys.argv[1], 53))
    try:
        r, peer = s.recvfrom(512)
    except socket.timeout:
        continue
    ident, flags, _, an = struct.unpack("!HHHH", r[:8])
    if ident == 0x1234 and flags & 0x8000 and flags & 0xF == 0 and an >= 1:
        print("answer from %s: %s" % (peer[0], socket.inet_ntoa(r[-4:]))); sys.exit(0)
print("no answer from %s:53 in 5 s" % sys.argv[1]); sys.exit(1)
PY
)
        local arc=$?
        diag "variant $v: DNS on the IPTV network: $answer"
        if [ "$arc" != 0 ]; then
                STEP=unicast WHY="the set-top box gets no DNS answer from $LAB_SERVICE_ADDR through the router"
                [ -n "${ROUTER_DEBUG:-}" ] && sleep 100
                return 1
        fi

        [ "$v" = route ] && return 0 # the rest does not depend on where the route came from

        # The daemon, by its unit.
        if ! X systemctl start igmpproxy.service || ! X systemctl is-active -q igmpproxy.service; then
                STEP=daemon WHY="igmpproxy.service: $(X systemctl is-active igmpproxy.service); $(X journalctl -u igmpproxy --no-pager -n 5 -o cat 2>&1)"
                return 1
        fi
        diag "variant $v: igmpproxy.service active: $(X systemctl show -p StatusText --value igmpproxy.service)"

        # The set-top box watches a channel for 3 hold times and a little more.
        local watch t0
        watch=$((3 * LAB_HOLD + 4))
        t0=$(lab_now)
        echo "$t0" >"$LAB_TMP/t0-$v"
        deco_join "stb_$v" "stb-$v" --group "$LAB_GROUP" --duration "$watch" --gap-ms 1000 \
                --progress "$LAB_TMP/stb-$v.progress"
        # The upstream hears the router's report (bounded: 5 s).
        for ((i = 0; i < 50; i++)); do
                grep -q "\"ev\":\"join\".*\"group\":\"$LAB_GROUP\"" "$UPLOG" && break
                sleep 0.1
        done
        if ! grep -q "\"ev\":\"join\".*\"group\":\"$LAB_GROUP\"" "$UPLOG"; then
                STEP=join WHY="the upstream heard no report for $LAB_GROUP in 5 s"
                lab_kill "${LAB_DECO_PID[stb_$v]}"
                [ "$v" = igmp ] && igmpv2_probe "$v"
                return 1
        fi
        # The first packet at the box (bounded: 5 s after the join; the progress lines come every
        # second and count the packets so far).
        for ((i = 0; i < 50; i++)); do
                grep -q '"count": *[1-9]' "$LAB_TMP/stb-$v.progress" 2>/dev/null && break
                sleep 0.1
        done
        if ! grep -q '"count": *[1-9]' "$LAB_TMP/stb-$v.progress" 2>/dev/null; then
                STEP=stream WHY="no packet at the set-top box within 5 s of the join"
                lab_kill "${LAB_DECO_PID[stb_$v]}"
                return 1
        fi
        # While the box watches: the guide's checks (docs/ROUTER.md, steps 3 and 6) show it.
        if [ "$v" = ok ]; then
                sleep 2
                out=$(X "$CTL" 2>&1)
                diag "variant ok: igmpproxyctl:
$out"
                grep -q '^ *Upstream: vlan2$' <<<"$out" &&
                        grep -Eq '^ *Downstream: lan0 \(198\.18\.1\.1, 1 group[,)]' <<<"$out" ||
                        CTL_BAD="igmpproxyctl does not show vlan2 upstream and 1 group on lan0"
                out=$(X ip mroute show 2>&1)
                diag "variant ok: ip mroute show: $out"
                grep -q "^($LAB_STREAM_SOURCE,$LAB_GROUP) *Iif: vlan2 *Oifs: lan0" <<<"$out" ||
                        CTL_BAD="${CTL_BAD:+$CTL_BAD; }ip mroute show has no ($LAB_STREAM_SOURCE,$LAB_GROUP) vlan2 -> lan0"
                out=$(X networkctl status lan0 --no-pager 2>&1)
                grep -q 'Offered DHCP leases:' <<<"$out" ||
                        CTL_BAD="${CTL_BAD:+$CTL_BAD; }networkctl status lan0 shows no offered lease"
                diag "variant ok: networkctl status lan0: $(grep -A1 'Offered DHCP leases:' <<<"$out" | tr -s ' ' | tr '\n' ' ')"
        fi
        deco_wait "stb_$v" $((watch + 10)) || { STEP=stream WHY="no summary from the set-top box"; return 1; }
        local verdict
        verdict=$(py "$LAB_TMP/stb-$v.json" "$t0" "$LAB_HOLD" "$LAB_GROUP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t0 = float(sys.argv[2]); hold = float(sys.argv[3])
g = d["groups"].get(sys.argv[4])
if not g or not g.get("count"):
    print("stream no packet at the set-top box"); sys.exit()
first, last = g["first"] - t0, g["last"] - t0
span = g["last"] - g["first"]
print("%s first packet %.2f s after the join, %d packets over %.1f s, largest gap %.3f s, gaps over 1 s: %s"
      % ("hold" if span < 3 * hold or g["gaps"] else "ok", first, g["count"], span, g["max_gap"],
         [[round(a - t0, 2), round(b, 2)] for a, b in g["gaps"]]))
PY
)
        diag "variant $v: $verdict"
        case $verdict in
        ok\ *) return 0 ;;
        stream\ *) STEP=stream WHY=${verdict#stream } ;;
        hold\ *) STEP=hold WHY=${verdict#hold } ;;
        *) STEP=stream WHY="cannot read the set-top box's summary: $verdict" ;;
        esac
        return 1
}

# end_router VARIANT: powers the variant's container off and stops its ISP (dnsmasq, the
# emulator) before the next one starts: two cores, one router at a time.
end_router() {
        local p
        SDC_STATE=$LAB_TMP timeout 30 "$SDC" stop "${LAB_PFX}r$1" >/dev/null 2>&1
        ip netns del "${LAB_PFX}ctr$1" 2>/dev/null # its name for ip netns: the namespace goes with it
        for p in "${RT_PIDS[@]}"; do lab_kill "$p"; done
        RT_PIDS=()
}
RT_PIDS=()

# ---------------------------------------------------------------- the variants
T_START=$(lab_now)
CTL_BAD=
run_router ok
rc=$?
end_router ok
if [ "$rc" = 0 ]; then
        pass "the router from the shipped files: sysctl, nft, parse, lease (vlan2 $VLAN_ADDR), routes, stb, unicast, daemon, join, stream, hold: all pass (set-top box $STB_ADDR)"
else
        fail "the router from the shipped files: failed at '$STEP': $WHY"
fi
check "... and the guide's checks show it: igmpproxyctl (vlan2 upstream, the group on lan0), ip mroute show (the stream's entry vlan2 -> lan0), networkctl status lan0 (the box's lease)${CTL_BAD:+: $CTL_BAD}" \
        test -z "$CTL_BAD" -a -z "$STEP"
# The guide's alternative for a lease without option 121 (docs/ROUTER.md, step 2).
if [ -n "${ROUTER_VARIANTS-x}" ]; then
        run_router route
        rc=$?
        end_router route
        if [ "$rc" = 0 ]; then
                pass "a lease without option 121 and 20-vlan2.network's commented [Route] (Gateway=_dhcp4) enabled: the route via the lease's gateway is there and the set-top box reaches the IPTV network"
        else
                fail "a lease without option 121 and the commented [Route] enabled: failed at '$STEP': $WHY"
        fi
fi
declare -A EXPECT=([vlan]=lease [igmp]=join [fwd]=stream [rpf]=stream)
declare -A WHAT=([vlan]="20-vlan2.netdev with Id=3" [igmp]="nftables.conf without the IGMP rule"
        [fwd]="nftables.conf without the forward rule for the streams"
        [rpf]="90-iptv-router.conf with vlan2.rp_filter = 1")
for v in ${ROUTER_VARIANTS-vlan igmp fwd rpf}; do
        if [ "$v" = vlan ] && [ "$VLAN_KERNEL" = 0 ]; then
                pass "# SKIP broken copy (vlan: ${WHAT[$v]}): no 802.1Q in this kernel"
                continue
        fi
        run_router "$v"
        rc=$?
        end_router "$v"
        if [ "$rc" = 0 ]; then
                fail "broken copy ($v: ${WHAT[$v]}): the check still passes"
        else
                check "broken copy ($v: ${WHAT[$v]}): fails at '$STEP' (expected '${EXPECT[$v]}'): $WHY" \
                        test "$STEP" = "${EXPECT[$v]}"
        fi
done
if [ -n "${V2_JOIN:-}" ]; then
        check "... while an IGMPv2 box's report still gets through without the rule (handed to the proxy before the input chain; docs/ROUTER.md says so): $V2_JOIN" \
                test "$V2_JOIN" = yes
fi
T_END=$(lab_now)
diag "$(awk -v a="$T_START" -v b="$T_END" -v n="$ROUTERS" 'BEGIN { printf "%d routers built and checked in %.1f s", n, b - a }')"
lab_done
