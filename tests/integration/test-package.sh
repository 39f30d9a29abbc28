#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-package.sh - the Debian package, built and installed the way a user would (meson suite
# 'systemd', test 'package'):
#  * dpkg-buildpackage -us -uc -b on a clean copy of the source tree (the files git tracks plus
#    the new ones it does not ignore), once per run; lintian on the result: no error and no
#    warning (the remaining tags are overridden in debian/*.lintian-overrides, with a reason);
#  * systemd 252 boots as PID 1 in a throw-away container (tests/systemd/sdc.sh) and
#    "apt-get install ./igmpproxy-movistar_*.deb" installs it: a stand-in for Debian's igmpproxy
#    (same /usr/sbin/igmpproxy, same conffile /etc/igmpproxy.conf) is installed first and is
#    replaced (Conflicts/Replaces) without a file conflict; the service is enabled and active
#    right after, as user igmpproxy (created by systemd-sysusers), with the shipped Movistar
#    example as the conffile /etc/igmpproxy.conf, waiting for vlan2 and vlan10, which do not
#    exist yet; the catalog is compiled (journalctl -x knows the MESSAGE_IDs);
#  * the lab's vlan2 and vlan10 are moved in: the daemon takes them into service on its own,
#    a deco's stream flows, "igmpproxyctl status" (over the shipped bus policy) shows it;
#  * at log level notice ("systemctl service-log-level igmpproxy notice": the daemon logs
#    nothing at info, so nothing a journal reader could wait for), and again with log target
#    console and journald Storage=none, systemctl reload succeeds with the new file in force
#    when it returns, and fails on a broken file (the daemon runs on with the old one);
#    igmpproxyctl reload fails with exit status 1 naming file:line;
#  * apt-get remove: the service stopped, no VIF and no MFC entry left, the conffile and the
#    user kept; apt-get purge: no conffile, no user, no group, no file of the package, no
#    enablement symlink left.
# IGMPPROXY_DEB=path/to/igmpproxy-movistar_*.deb skips the build and tests that package.
# ~40 s (build ~12 s, lintian ~4 s). Needs root, dpkg-dev, debhelper, lintian and the build
# dependencies of debian/control, systemd, util-linux, cgroup v2 with cgroup.kill.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../systemd/common.sh
. "$LAB_REPO/tests/systemd/common.sh"

SDC=$LAB_REPO/tests/systemd/sdc.sh
NAME=${LAB_PFX}pk
G=239.0.5.185
MESSAGES=$LAB_REPO/src/daemon/messages.h
UNIT=/lib/systemd/system/igmpproxy.service
msg_id() { sed -n "s/^#define $1 \"\\(.*\\)\"/\\1/p" "$MESSAGES"; }

sd_container_prereqs /usr/lib/systemd/systemd systemctl unshare nsenter timeout dpkg-deb
if [ -z "${IGMPPROXY_DEB:-}" ]; then
        for tool in dpkg-buildpackage dh lintian; do
                command -v "$tool" >/dev/null || { echo "1..0 # SKIP no $tool (tests/deps.sh installs it)"; exit 77; }
        done
fi

sd_lab_container_trap

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- build, lintian
SHARE=$LAB_TMP/share
mkdir -p "$SHARE"
if [ -n "${IGMPPROXY_DEB:-}" ]; then
        cp "$IGMPPROXY_DEB" "$SHARE/" || lab_bail "cannot read IGMPPROXY_DEB=$IGMPPROXY_DEB"
        pass "package given: $IGMPPROXY_DEB (not built, no lintian)"
else
        SRC=$LAB_TMP/deb/src
        mkdir -p "$SRC"
        if git -C "$LAB_REPO" rev-parse --git-dir >/dev/null 2>&1; then
                git -C "$LAB_REPO" ls-files -z --cached --others --exclude-standard |
                        (cd "$LAB_REPO" && tar --null --ignore-failed-read -T - -c) | tar -x -C "$SRC"
        else
                tar -C "$LAB_REPO" --exclude='./build*' --exclude='./obj-*' -c . | tar -x -C "$SRC"
        fi
        [ -f "$SRC/debian/control" ] || lab_bail "no debian/control in the copy of the source tree"
        t0=$(lab_now)
        if (cd "$SRC" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
                timeout 300 dpkg-buildpackage -us -uc -b) >"$LAB_TMP/build.log" 2>&1; then
                BUILD_S=$(secs "$t0" "$(lab_now)")
                pass "dpkg-buildpackage -us -uc -b on a clean copy: ok in $BUILD_S s"
        else
                fail "dpkg-buildpackage -us -uc -b on a clean copy"
                diag "$(tail -n 40 "$LAB_TMP/build.log")"
                lab_bail "no package to test"
        fi
        diag "$(grep -E '^(Ok|Fail):' "$LAB_TMP/build.log" | tr -s ' ' | tr '\n' ' ') (unit suites, dh_auto_test)"
        cp "$LAB_TMP"/deb/igmpproxy-movistar_*.deb "$SHARE/"
        t0=$(lab_now)
        out=$(cd "$LAB_TMP/deb" && timeout 180 lintian --allow-root --fail-on error,warning \
                --display-info --display-experimental --pedantic --show-overrides \
                igmpproxy-movistar_*.changes 2>&1)
        rc=$?
        check "lintian: no error, no warning (rc $rc, $(secs "$t0" "$(lab_now)") s; every tag shown, overridden ones with O:)" \
                test "$rc" = 0
        [ -n "$out" ] && diag "$out"
fi
DEB=
for f in "$SHARE"/igmpproxy-movistar_*.deb; do [ -f "$f" ] && DEB=${f##*/}; done
[ -n "$DEB" ] || lab_bail "no igmpproxy-movistar_*.deb"
dpkg-deb -c "$SHARE/$DEB" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' | grep -v '^$' >"$LAB_TMP/files"
diag "$DEB: $(dpkg-deb -f "$SHARE/$DEB" Package Version Depends Provides Conflicts Replaces | tr '\n' ';')"

# A stand-in for Debian's igmpproxy 0.3-1 (not downloaded: the test runs offline): the same
# /usr/sbin/igmpproxy and the same conffile /etc/igmpproxy.conf.
FAKE=$LAB_TMP/fake
mkdir -p "$FAKE/DEBIAN" "$FAKE/usr/sbin" "$FAKE/etc"
printf '#!/bin/sh\nexit 0\n' >"$FAKE/usr/sbin/igmpproxy"
chmod 0755 "$FAKE/usr/sbin/igmpproxy"
printf 'phyint vlan2 upstream ratelimit 0 threshold 1\nphyint vlan10 downstream ratelimit 0 threshold 1\n' \
        >"$FAKE/etc/igmpproxy.conf"
printf '/etc/igmpproxy.conf\n' >"$FAKE/DEBIAN/conffiles"
cat >"$FAKE/DEBIAN/control" <<EOF
Package: igmpproxy
Version: 0.3-1
Architecture: all
Maintainer: test <test@example.invalid>
Description: stand-in for Debian's igmpproxy
 Owns the same paths as Debian's igmpproxy 0.3-1.
EOF
dpkg-deb --root-owner-group -b "$FAKE" "$SHARE/igmpproxy_0.3-1_all.deb" >/dev/null ||
        lab_bail "cannot build the stand-in for Debian's igmpproxy"

# ---------------------------------------------------------------- the lab, the container
lab_setup
lab_start_upstream --forget-after 300
# The unit path of the container is only /run/sdc-units: the link to where the package puts
# the unit is made at boot, before the package exists (dangling until apt-get install).
out=$(SDC_STATE=$LAB_TMP SDC_SHARE=$SHARE SDC_UNITS=$UNIT SDC_MAX_SEC=200 timeout 60 "$SDC" start "$NAME" 2>&1)
rc=$?
SDC_UP=1
[ "$rc" = 0 ] || lab_bail "the container did not boot: $out"
pass "container booted: $out"
CPID=$(SDC_STATE=$LAB_TMP "$SDC" pid "$NAME")
X() { timeout 120 env SDC_STATE="$LAB_TMP" "$SDC" exec "$NAME" "$@"; }
prop() { X systemctl show -p "$1" --value igmpproxy.service; }
[ "$(X cat /proc/1/comm)" = systemd ] || lab_bail "PID 1 in the container is not systemd"
# This machine's tree (the container's lower layer) is a Docker image whose policy-rc.d forbids
# starting services from maintainer scripts; a Debian system has none.
X rm -f /usr/sbin/policy-rc.d
X sh -c 'test -S /run/dbus/system_bus_socket || systemctl start dbus.service'
# PID 1 reads units only from /run/sdc-units, so the "enable" of the package (a symlink in
# /etc/systemd/system/multi-user.target.wants, which deb-systemd-invoke then asks PID 1 about
# before it starts the unit) would go unseen: that directory is made one with
# /run/sdc-units/multi-user.target.wants (an empty tmpfs, which also hides this machine's own
# enablement links).
X sh -c 'mkdir -p /run/sdc-units/multi-user.target.wants /etc/systemd/system/multi-user.target.wants &&
         mount -t tmpfs -o mode=0755 sdc-wants /run/sdc-units/multi-user.target.wants &&
         mount --bind /run/sdc-units/multi-user.target.wants /etc/systemd/system/multi-user.target.wants' ||
        lab_bail "cannot make /etc/systemd/system/multi-user.target.wants visible to PID 1"

# ---------------------------------------------------------------- install
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0)
check "the stand-in for Debian's igmpproxy 0.3-1 is installed (dpkg -i)" \
        X dpkg -i /lab/igmpproxy_0.3-1_all.deb
t0=$(lab_now)
if X "${APT[@]}" install "/lab/$DEB" >"$LAB_TMP/install.log" 2>&1; then irc=0; else irc=$?; fi
INSTALL_S=$(secs "$t0" "$(lab_now)")
check "apt-get install ./$DEB: exit 0 in $INSTALL_S s (rc $irc)" test "$irc" = 0
diag "$(grep -Ev '^(Reading|Building|Selecting|\(Reading)' "$LAB_TMP/install.log" | tail -n 20)"
# shellcheck disable=SC2016 # expanded by dpkg-query
check "... it replaced igmpproxy (Conflicts/Replaces: removed, no file conflict)" \
        X sh -c '! dpkg-query -W -f="\${Status}" igmpproxy 2>/dev/null | grep -q "ok installed"'
check "... /usr/sbin/igmpproxy is ours now" X sh -c '/usr/sbin/igmpproxy --version | grep -q .'
check "... /etc/igmpproxy.conf is our conffile, the Movistar example" \
        X sh -c "dpkg-query -W -f='\${Conffiles}\n' igmpproxy-movistar | grep -q '^ /etc/igmpproxy.conf ' &&
                 cmp /etc/igmpproxy.conf /usr/share/doc/igmpproxy-movistar/examples/igmpproxy.conf"
check "... readable by the unit's user: $(X stat -c '%A %U:%G' /etc/igmpproxy.conf)" \
        test "$(X stat -c '%a' /etc/igmpproxy.conf)" = 644
check "systemd-sysusers created the system user igmpproxy: $(X getent passwd igmpproxy)" \
        X sh -c 'getent passwd igmpproxy | grep -q ":/usr/sbin/nologin$" && getent group igmpproxy'
check "enabled (dh_installsystemd): $(X readlink /etc/systemd/system/multi-user.target.wants/igmpproxy.service), $(X systemctl is-enabled igmpproxy)" \
        test "$(X readlink /etc/systemd/system/multi-user.target.wants/igmpproxy.service)" = "$UNIT"
MAINPID=$(prop MainPID)
check "started by the install: $(prop ActiveState)/$(prop SubState), main PID $MAINPID, user $(X ps -o user= -p "$MAINPID" 2>/dev/null)" \
        test "$(prop ActiveState)/$(X ps -o user= -p "$MAINPID" 2>/dev/null)" = active/igmpproxy
check "... waiting for the interfaces of the example that do not exist: '$(prop StatusText)'" \
        grep -q "waiting for vlan2" <<<"$(prop StatusText)"
JOINED=$(msg_id MSG_UPSTREAM_JOINED)
check "the catalog is compiled (journalctl --list-catalog knows $JOINED)" \
        grep -q "^$JOINED " <(X journalctl --list-catalog --no-pager)

# ---------------------------------------------------------------- the links come
sdc_lab_take_rtr "$CPID" "${LAB_PFX}pkc"
vifs=
for _ in $(seq 50); do
        vifs=$(lab_vifs | tr '\n' ' ')
        [ "$vifs" = "vlan2 vlan10 " ] && break
        sleep 0.1
done
check "the daemon takes vlan2 and vlan10 into service when they appear (VIFs: ${vifs:-none})" \
        test "$vifs" = "vlan2 vlan10 "
deco_join deco1 deco1 --group "$G" --duration 60
mfc=
for _ in $(seq 100); do
        mfc=$(lab_exec rtr ip mroute show 2>/dev/null)
        grep -q "$G.*Oifs: vlan10" <<<"$mfc" && break
        sleep 0.05
done
check "the deco's stream flows (MFC entry for $G to vlan10)" grep -q "$G.*Oifs: vlan10" <<<"$mfc"
ctl_out=$(X igmpproxyctl status 2>&1)
check "igmpproxyctl status (over the shipped bus policy): the group on vlan10" \
        grep -Eq '^ *Downstream: vlan10 \(198\.18\.1\.1, 1 group[,)]' <<<"$ctl_out"
diag "$ctl_out"

# ---------------------------------------------------------------- reload at log level notice
check "systemctl service-log-level igmpproxy notice" X systemctl service-log-level igmpproxy notice
check "... reads back notice" test "$(X systemctl service-log-level igmpproxy 2>&1)" = notice
X cp /etc/igmpproxy.conf /root/igmpproxy.conf.orig
X sed -i 's/^#IntervalSec=60s$/IntervalSec=30s/' /etc/igmpproxy.conf
t0=$(lab_now)
if X systemctl reload igmpproxy.service 2>"$LAB_TMP/reload.err"; then rrc=0; else rrc=$?; fi
RELOAD_S=$(secs "$t0" "$(lab_now)")
status=$(prop StatusText)
check "systemctl reload at log level notice: exit 0 in $RELOAD_S s, the new interval in force when it returns ('$status')" \
        test "$rrc" = 0 -a "${status#*refresh every 30s}" != "$status"
diag "$(cat "$LAB_TMP/reload.err")"
check "... same main PID, active" test "$(prop MainPID)/$(prop ActiveState)" = "$MAINPID/active"
# Log target console and a journald that stores nothing (routers on flash): still synchronous.
X sh -c 'mkdir -p /run/systemd/journald.conf.d &&
         printf "[Journal]\nStorage=none\n" > /run/systemd/journald.conf.d/50-none.conf &&
         systemctl restart systemd-journald.service'
# shellcheck disable=SC2016 # expanded inside the container
check "systemctl service-log-target igmpproxy console, journald Storage=none" \
        X sh -c 'systemctl service-log-target igmpproxy console &&
                 test "$(systemctl service-log-target igmpproxy)" = console'
X sed -i 's/^IntervalSec=30s$/IntervalSec=20s/' /etc/igmpproxy.conf
t0=$(lab_now)
if X systemctl reload igmpproxy.service 2>"$LAB_TMP/reload.err"; then rrc=0; else rrc=$?; fi
status=$(prop StatusText)
check "... systemctl reload: exit 0 in $(secs "$t0" "$(lab_now)") s, the new interval in force when it returns ('$status')" \
        test "$rrc" = 0 -a "${status#*refresh every 20s}" != "$status"
diag "$(cat "$LAB_TMP/reload.err")"
printf '[Interface vlan2]\nRole=upstream\nThreshold=0\n' | X sh -c 'cat > /etc/igmpproxy.conf'
t0=$(lab_now)
if X systemctl reload igmpproxy.service 2>"$LAB_TMP/reload-broken.err"; then rrc=0; else rrc=$?; fi
check "a broken file: systemctl reload fails (rc $rrc in $(secs "$t0" "$(lab_now)") s, ReloadResult=$(prop ReloadResult))" \
        test "$rrc" != 0
diag "$(cat "$LAB_TMP/reload-broken.err")"
if ctl_out=$(X igmpproxyctl reload 2>&1); then crc=0; else crc=$?; fi
check "... igmpproxyctl reload: exit status 1, naming the file and line (rc $crc: $ctl_out)" \
        test "$crc" = 1 -a "${ctl_out#*/etc/igmpproxy.conf:3}" != "$ctl_out"
status=$(prop StatusText)
check "... the daemon runs on with the old configuration (same PID, active): '$status'" \
        test "$(prop MainPID)/$(prop ActiveState)" = "$MAINPID/active" -a "${status#*refresh every 20s}" != "$status"
X cp /root/igmpproxy.conf.orig /etc/igmpproxy.conf
check "the file restored: systemctl reload succeeds" X systemctl reload igmpproxy.service
check "... the stream still flows" grep -q "$G.*Oifs: vlan10" <(lab_exec rtr ip mroute show 2>/dev/null)

# ---------------------------------------------------------------- remove, purge
t0=$(lab_now)
if X "${APT[@]}" remove igmpproxy-movistar >"$LAB_TMP/remove.log" 2>&1; then arc=0; else arc=$?; fi
check "apt-get remove: exit 0 in $(secs "$t0" "$(lab_now)") s (rc $arc)" test "$arc" = 0
[ "$arc" = 0 ] || diag "$(tail -n 20 "$LAB_TMP/remove.log")"
check "... the service stopped ($(prop ActiveState)), its process gone" \
        X sh -c "test \"\$(systemctl show -p ActiveState --value igmpproxy.service)\" != active && ! kill -0 $MAINPID 2>/dev/null"
vifs=$(lab_vifs | tr '\n' ' ')
mfc=$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)
check "... no VIF and no MFC entry left (VIFs: ${vifs:-none}, MFC entries: $mfc)" test -z "$vifs" -a "$mfc" = 0
# shellcheck disable=SC2016 # expanded by dpkg-query
check "... the conffile and the user kept (dpkg status $(X dpkg-query -W -f='${db:Status-Abbrev}' igmpproxy-movistar))" \
        X sh -c 'test -f /etc/igmpproxy.conf && getent passwd igmpproxy >/dev/null'
t0=$(lab_now)
if X "${APT[@]}" purge igmpproxy-movistar >"$LAB_TMP/purge.log" 2>&1; then arc=0; else arc=$?; fi
check "apt-get purge: exit 0 in $(secs "$t0" "$(lab_now)") s (rc $arc)" test "$arc" = 0
[ "$arc" = 0 ] || diag "$(tail -n 20 "$LAB_TMP/purge.log")"
check "... dpkg knows it no more" X sh -c '! dpkg-query -W igmpproxy-movistar >/dev/null 2>&1'
check "... no /etc/igmpproxy.conf, no user, no group igmpproxy" \
        X sh -c '! test -e /etc/igmpproxy.conf && ! getent passwd igmpproxy && ! getent group igmpproxy'
# shellcheck disable=SC2016 # expanded inside the container
left=$(X sh -c 'while read -r f; do [ -e "$f" ] && [ ! -d "$f" ] && echo "$f"; done; 
               ls /etc/systemd/system/multi-user.target.wants/igmpproxy.service 2>/dev/null; true' <"$LAB_TMP/files")
check "... no file of the package left, no enablement symlink: ${left:-none}" test -z "$left"
check "... and the network namespace is as before: no VIF, no MFC entry" \
        test -z "$(lab_vifs)" -a "$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)" = 0

lab_stop_upstream
lab_done
