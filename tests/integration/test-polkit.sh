#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-polkit.sh - who may change the daemon over D-Bus, with the real polkitd: systemd 252 as
# PID 1 in a throw-away container (tests/systemd/sdc.sh) with the build installed as meson
# installs it, the bus policy and the polkit action (org.igmpproxy.Movistar.policy) where a
# package puts them, polkit.service started by D-Bus activation, the daemon as its unit (user
# igmpproxy). Two users besides root: ipxadmin, in a group a local rule lets manage the proxy
# (what a site admin writes in /etc/polkit-1/rules.d; the shipped default asks for an
# administrator's password, which no one types here), and ipxuser, plain. Checks, over the real
# system bus, with non-interactive calls (dbus-send):
#  * ipxadmin writes RefreshIntervalUSec and calls Reload: allowed (the daemon asked polkit);
#    igmpproxyctl as ipxadmin too;
#  * ipxuser: the write is refused with InteractiveAuthorizationRequired and changes nothing;
#    allowing interactive authorization (busctl call) with no agent to ask is refused too
#    (AccessDenied: the daemon passed the flag on to polkit);
#    reading stays open;
#  * root: allowed as before, without polkit's say;
#  * polkit masked and stopped: the service user igmpproxy allowed, ipxadmin refused with
#    AccessDenied (the root-only rule), root still allowed.
# The daemon runs with its interfaces absent (the container has none): every call above works
# without them. ~20 s. Needs root, systemd, polkitd, util-linux, cgroup v2.
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../systemd/common.sh
. "$LAB_REPO/tests/systemd/common.sh"

SDC=$LAB_REPO/tests/systemd/sdc.sh
NAME=${LAB_PFX}pk
sd_container_prereqs /usr/lib/systemd/systemd systemctl unshare nsenter meson timeout dbus-send setpriv
[ -f /usr/lib/systemd/system/polkit.service ] || sd_skip "no polkitd (tests/deps.sh)"
sd_dirs_from_build || lab_bail "cannot read the install plan of $MESON_BUILD_ROOT"

sd_lab_container_trap
X() { timeout 30 env SDC_STATE="$LAB_TMP" "$SDC" exec "$NAME" "$@"; }

DEST=$LAB_TMP/dest
sd_install_tree "$DEST" || lab_bail "meson install --destdir $DEST failed"
UNIT=$IGMPPROXY_UNITDIR/igmpproxy.service
find_installed() { (cd "$DEST" && find . -path "$1" -type f | head -n 1 | sed 's/^\.//'); }
POLICY=$(find_installed '*/dbus-1/system.d/org.igmpproxy.Movistar.conf')
ACTION=$(find_installed '*/polkit-1/actions/org.igmpproxy.Movistar.policy')
CTL=$(find_installed '*/bin/igmpproxyctl')
if [ -z "$POLICY" ] || [ -z "$CTL" ]; then lab_bail "meson did not install the bus policy or igmpproxyctl"; fi
check "meson installs the polkit action: $ACTION" test -n "$ACTION"
[ -n "$ACTION" ] || lab_bail "no polkit action installed"

out=$(SDC_STATE=$LAB_TMP SDC_TREE=$DEST SDC_UNITS=$UNIT:/usr/lib/systemd/system/polkit.service SDC_MAX_SEC=120 \
        timeout 60 "$SDC" start "$NAME" 2>&1) || lab_bail "the container did not boot: $out"
SDC_UP=1
pass "container booted: $out"

# What a package does: the user, the bus policy and the action where dbus and polkit read them.
check "systemd-sysusers creates igmpproxy" X sh -c 'systemd-sysusers && getent passwd igmpproxy'
check "bus policy and polkit action installed where a package puts them" \
        X sh -c "install -D -m 0644 '$POLICY' /usr/share/dbus-1/system.d/org.igmpproxy.Movistar.conf &&
                 install -D -m 0644 '$ACTION' /usr/share/polkit-1/actions/org.igmpproxy.Movistar.policy &&
                 systemctl try-reload-or-restart dbus.service"
check "users ipxadmin (group ipxadmins) and ipxuser; the site rule for ipxadmins" X sh -c '
        groupadd ipxadmins && useradd -M -G ipxadmins ipxadmin && useradd -M ipxuser &&
        mkdir -p /etc/polkit-1/rules.d && cat > /etc/polkit-1/rules.d/50-ipx-test.rules <<EOF
polkit.addRule(function(action, subject) {
        if (action.id == "org.igmpproxy.Movistar.manage" && subject.isInGroup("ipxadmins"))
                return polkit.Result.YES;
});
EOF'
X sh -c 'cat > /etc/igmpproxy.conf && chmod 0644 /etc/igmpproxy.conf' <"$(lab_std_config igmpproxy.ini)" ||
        lab_bail "cannot write /etc/igmpproxy.conf"
X systemctl daemon-reload
check "igmpproxy.service starts (its interfaces absent: it waits for them)" X systemctl start igmpproxy.service
X systemctl is-active polkit.service >/dev/null && diag "polkit already active before the first question"

# as USER CMD...: CMD inside the container as USER (root: as is), with its groups.
as() {
        local u=$1
        shift
        if [ "$u" = root ]; then X "$@"; else X setpriv --reuid="$u" --regid="$u" --init-groups "$@"; fi
}
# set_interval USER SECONDS: the D-Bus error name of writing RefreshIntervalUSec, OK if none.
set_interval() {
        local out
        rm -f "$LAB_TMP/last-error.txt"
        if out=$(as "$1" dbus-send --system --print-reply --reply-timeout=20000 --dest=org.igmpproxy.Movistar \
                /org/igmpproxy/Movistar org.freedesktop.DBus.Properties.Set string:org.igmpproxy.Movistar \
                string:RefreshIntervalUSec "variant:uint64:$(($2 * 1000000))" 2>&1); then
                echo OK
        else
                sed -n 's/^Error \([^:]*\):.*/\1/p' <<<"$out" | head -n 1
                printf '%s\n' "$out" >"$LAB_TMP/last-error.txt"
        fi
}
interval() {
        X busctl --system get-property org.igmpproxy.Movistar /org/igmpproxy/Movistar org.igmpproxy.Movistar \
                RefreshIntervalUSec | awk '{ print $2 / 1000000 }'
}

r=$(set_interval ipxadmin 31)
check "ipxadmin writes RefreshIntervalUSec: $r, now $(interval) s" test "$r/$(interval)" = OK/31
check "polkit.service was activated by the daemon's question" X systemctl is-active polkit.service
r=$(as ipxadmin dbus-send --system --print-reply --reply-timeout=20000 --dest=org.igmpproxy.Movistar \
        /org/igmpproxy/Movistar org.igmpproxy.Movistar.Reload 2>&1)
check "ipxadmin calls Reload: allowed (${r:0:80})" test $? = 0
check "ipxadmin: igmpproxyctl interval 42s, exit 0" as ipxadmin "$CTL" interval 42s
check "... and the interval is 42 s ($(interval))" test "$(interval)" = 42
r=$(set_interval ipxuser 33)
check "ipxuser writes RefreshIntervalUSec: $r (InteractiveAuthorizationRequired), still $(interval) s" \
        test "$r/$(interval)" = org.freedesktop.DBus.Error.InteractiveAuthorizationRequired/42
diag "$(cat "$LAB_TMP/last-error.txt" 2>/dev/null)"
out=$(as ipxuser busctl --system --timeout=20 --allow-interactive-authorization=yes call \
        org.igmpproxy.Movistar /org/igmpproxy/Movistar org.igmpproxy.Movistar Reload 2>&1)
rc=$?
check "ipxuser, interactive authorization allowed but no agent to ask: Reload refused ($rc: $out)" \
        sh -c "[ $rc != 0 ] && echo '$out' | grep -qi 'access denied'"
as ipxuser "$CTL" refresh >"$LAB_TMP/ctl-user.txt" 2>&1
rc=$?
check "ipxuser: igmpproxyctl refresh refused, exit 1 ($rc: $(cat "$LAB_TMP/ctl-user.txt"))" test "$rc" = 1
check "ipxuser still reads (igmpproxyctl status)" as ipxuser "$CTL" status
r=$(set_interval root 34)
check "root writes RefreshIntervalUSec: $r, now $(interval) s" test "$r/$(interval)" = OK/34

# ---- without polkit: root only
# The container's unit path is /run/sdc-units alone (sdc-init.sh): mask it there.
X sh -c 'systemctl stop polkit.service; ln -sfn /dev/null /run/sdc-units/polkit.service &&
        systemctl daemon-reload' >"$LAB_TMP/mask.txt" 2>&1
diag "mask: $(cat "$LAB_TMP/mask.txt"); polkit: $(X systemctl is-active polkit.service), $(X busctl --system status org.freedesktop.PolicyKit1 2>&1 | head -n 2)"
r=$(set_interval igmpproxy 37)
check "... the service user igmpproxy allowed: $r, now $(interval) s" test "$r/$(interval)" = OK/37
r=$(set_interval ipxadmin 35)
check "polkit masked and stopped: ipxadmin refused with AccessDenied ($r), still $(interval) s" \
        test "$r/$(interval)" = org.freedesktop.DBus.Error.AccessDenied/37
check "... the message is the root-only rule" grep -q "needs root" "$LAB_TMP/last-error.txt"
r=$(set_interval root 36)
check "... root still allowed: $r, now $(interval) s" test "$r/$(interval)" = OK/36
check "the daemon ran throughout (active, no restart)" test "$(X systemctl show -p NRestarts --value igmpproxy.service)/$(X systemctl is-active igmpproxy.service)" = 0/active
X journalctl -u igmpproxy.service --no-pager -n 30 >"$LAB_TMP/journal.txt" 2>&1
lab_done
