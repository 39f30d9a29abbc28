#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-systemd.sh - the daemon as a systemd service, for real: systemd 252 boots as PID 1 in a
# throw-away container (tests/systemd/sdc.sh: an overlay of this machine's tree, its own
# namespaces), with the build installed into it exactly as meson installs it (meson install
# --destdir, the unit linked into the container's unit path; then "meson install" without
# DESTDIR inside the container, whose install hook runs systemd-sysusers and journalctl
# --update-catalog and installs /etc/igmpproxy.conf from the example if there is none). The lab's veth links vlan2 and vlan10
# are moved into the container's network namespace: the upstream emulator and the decos stay
# outside. Checks:
#  * systemctl start returns with the unit active only after READY=1 (the daemon's "started"
#    line precedes systemd's "Started"), the VIFs exist then, the deco's stream flows;
#  * StatusText= is the daemon's STATUS=; the process runs as the sysusers.d user igmpproxy
#    with exactly CAP_NET_ADMIN|CAP_NET_RAW (CapEff/CapPrm/CapBnd/CapAmb), NoNewPrivs, seccomp;
#  * journalctl -u igmpproxy GROUP=... finds the upstream join with its MESSAGE_ID and fields,
#    and journalctl -x shows the catalog text;
#  * systemctl reload is synchronous (the new STATUS= is there when it returns), keeps the
#    stream without a gap over 500 ms, and fails, leaving the daemon running with the old
#    configuration, when the file is broken;
#  * with a drop-in (Environment=IGMPPROXY_TEST_HOOKS=1, WatchdogSec=2s) a SIGUSR2 stall makes
#    systemd kill it (result 'watchdog'), a reload meanwhile does not report success, and
#    Restart=on-failure brings the stream back;
#  * D-Bus: with the shipped policy (dbus-1/system.d) where the container's bus reads it, the
#    unit (BusName=) owns org.igmpproxy.Movistar from its main PID, busctl reads Version, the
#    installed igmpproxyctl shows the group (status, groups), a D-Bus Reload keeps the stream
#    without a gap over 500 ms, and systemctl service-log-level sets and reads the level over
#    org.freedesktop.LogControl1;
#  * systemctl stop leaves no VIF and no MFC entry in the container's network namespace.
# ~30 s. Needs root, systemd, util-linux, cgroup v2 with cgroup.kill (Linux >= 5.14).
#
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# The watchdog checks use the fault hooks, built only with -Dtest-hooks=true (tests/run-tests.sh
# builds so); a build without them skips this test instead of failing it.
if ! "$IGMPPROXY" --version 2>/dev/null | grep -q 'test hooks built in'; then
        echo "1..0 # SKIP $IGMPPROXY was built without -Dtest-hooks=true"
        exit 77
fi
# shellcheck source=../systemd/common.sh
. "$LAB_REPO/tests/systemd/common.sh"

SDC=$LAB_REPO/tests/systemd/sdc.sh
NAME=${LAB_PFX}sd
G=239.0.5.185
MESSAGES=$LAB_REPO/src/daemon/messages.h
msg_id() { sed -n "s/^#define $1 \"\\(.*\\)\"/\\1/p" "$MESSAGES"; }

sd_container_prereqs /usr/lib/systemd/systemd systemctl journalctl unshare nsenter meson timeout
sd_dirs_from_build || lab_bail "cannot read the install plan of $MESON_BUILD_ROOT"

sd_lab_container_trap

X() { timeout 20 env SDC_STATE="$LAB_TMP" "$SDC" exec "$NAME" "$@"; }
prop() { X systemctl show -p "$1" --value igmpproxy.service; }
mark() { lab_now >"$LAB_TMP/t.$1"; }

# mroute_wait TIMEOUT_S: waits until the router's MFC forwards $G (resolved, with an output).
mroute_wait() {
        local i max
        max=$(awk -v t="$1" 'BEGIN { printf "%d", t * 20 }')
        for ((i = 0; i < max; i++)); do
                lab_exec rtr ip mroute show 2>/dev/null | grep -q "$G.*Oifs: vlan10" && return 0
                sleep 0.05
        done
        return 1
}

# ---------------------------------------------------------------- the installed tree, the lab
DEST=$LAB_TMP/dest
sd_install_tree "$DEST" || lab_bail "meson install --destdir $DEST failed"
UNIT=$IGMPPROXY_UNITDIR/igmpproxy.service
[ -f "$DEST$UNIT" ] || lab_bail "meson did not install the unit at $UNIT"
lab_setup
lab_start_upstream --forget-after "$LAB_T"

# ---------------------------------------------------------------- boot
out=$(SDC_STATE=$LAB_TMP SDC_TREE=$DEST SDC_UNITS=$UNIT SDC_MAX_SEC=170 timeout 60 "$SDC" start "$NAME" 2>&1)
rc=$?
SDC_UP=1
[ "$rc" = 0 ] || lab_bail "the container did not boot: $out"
pass "container booted: $out"
CPID=$(SDC_STATE=$LAB_TMP "$SDC" pid "$NAME")
[ "$(X cat /proc/1/comm)" = systemd ] || lab_bail "PID 1 in the container is not systemd"

# The router's links into the container; its network namespace becomes the lab's "rtr".
sdc_lab_take_rtr "$CPID" "${LAB_PFX}ctr"

# "meson install" into the container's live root (no DESTDIR; the root is a throw-away overlay):
# its install hook creates the user (systemd-sysusers), compiles the catalog and installs the
# example as /etc/igmpproxy.conf, readable by the user; a second install keeps that file.
X rm -f /etc/igmpproxy.conf
check "meson install without DESTDIR in the container" \
        X meson install -C "$MESON_BUILD_ROOT" --no-rebuild --quiet
check "... created the unit's user igmpproxy (systemd-sysusers): $(X getent passwd igmpproxy)" \
        X sh -c 'getent passwd igmpproxy | grep -q ":/usr/sbin/nologin$"'
check "... compiled the catalog (journalctl --list-catalog knows $(msg_id MSG_UPSTREAM_JOINED))" \
        grep -q "^$(msg_id MSG_UPSTREAM_JOINED) " <(X journalctl --list-catalog --no-pager)
EXAMPLE=${IGMPPROXY_DATADIR:-${IGMPPROXY_MANDIR%/man}}/doc/igmpproxy/examples/igmpproxy.conf
check "... installed the example ($EXAMPLE) as /etc/igmpproxy.conf, mode $(X stat -c %a /etc/igmpproxy.conf)" \
        X sh -c "cmp '$EXAMPLE' /etc/igmpproxy.conf && test \"\$(stat -c %a /etc/igmpproxy.conf)\" = 644"
X sh -c 'echo "# mine" >> /etc/igmpproxy.conf'
check "... and a second meson install leaves an existing /etc/igmpproxy.conf alone" \
        X sh -c "meson install -C '$MESON_BUILD_ROOT' --no-rebuild --quiet && tail -n 1 /etc/igmpproxy.conf | grep -qx '# mine'"
# The bus policy: meson puts it under the prefix (/usr/local/share/dbus-1/system.d), which
# dbus-daemon does not read; a package ships it in /usr/share/dbus-1/system.d. Copy it there and
# have dbus-daemon reread its configuration (if it is running yet; else it reads it at start).
POLICY=$(cd "$DEST" && find . -path '*/dbus-1/system.d/org.igmpproxy.Movistar.conf' -type f | head -n 1)
POLICY=${POLICY#.}
[ -n "$POLICY" ] || lab_bail "meson did not install the bus policy org.igmpproxy.Movistar.conf"
CTL=$(cd "$DEST" && find . -path '*/bin/igmpproxyctl' -type f | head -n 1)
CTL=${CTL#.}
[ -n "$CTL" ] || lab_bail "meson did not install igmpproxyctl"
check "the installed bus policy ($POLICY) in /usr/share/dbus-1/system.d, dbus-daemon reloaded" \
        X sh -c "install -D -m 0644 '$POLICY' /usr/share/dbus-1/system.d/org.igmpproxy.Movistar.conf &&
                 systemctl try-reload-or-restart dbus.service"
cfg=$(lab_std_config igmpproxy.ini)
X sh -c 'cat > /etc/igmpproxy.conf && chmod 0644 /etc/igmpproxy.conf' <"$cfg" ||
        lab_bail "cannot write /etc/igmpproxy.conf in the container"
X systemctl daemon-reload
check "systemd loads it from where meson installed it ($UNIT)" \
        test "$(X readlink -f "$(prop FragmentPath)")" = "$UNIT"
LOADED=$(prop LoadState)/$(prop Type)/$(prop NotifyAccess)/$(prop Restart)/$(prop User)
check "... loaded, Type=notify, NotifyAccess=main, Restart=on-failure, User=igmpproxy: $LOADED" \
        test "$LOADED" = loaded/notify/main/on-failure/igmpproxy

deco_join deco1 deco1 --group "$G" --duration 110 --progress "$LAB_TMP/deco1.progress"
sleep 0.5

# ---------------------------------------------------------------- start
mark start
if X systemctl start igmpproxy.service; then start_rc=0; else start_rc=$?; fi
mark started
state=$(prop ActiveState)
vifs=$(lab_vifs | tr '\n' ' ')
check "systemctl start: exit 0 and the unit active when it returns (rc $start_rc, $state)" \
        test "$start_rc/$state" = 0/active
check "... the VIFs exist by then: $vifs" test "$vifs" = "vlan2 vlan10 "
check "... with the unit's watchdog (WatchdogUSec=$(prop WatchdogUSec))" test "$(prop WatchdogUSec)" = 30s
X journalctl -o json --no-pager -u igmpproxy.service >"$LAB_TMP/journal-start.jsonl"
check_py "... and systemd's \"Started\" comes after the daemon's READY=1 (its \"started\" line is logged just before)" <<'PY'
import json, labq
j = labq.load(labq.tmp("journal-start.jsonl"))
mine = [e for e in j if e.get("SYSLOG_IDENTIFIER") == "igmpproxy" and e.get("MESSAGE", "").endswith(" started")]
sysd = [e for e in j if e.get("MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf"]  # unit started
assert mine and sysd, "entries missing: daemon %d, systemd %d" % (len(mine), len(sysd))
d = (int(sysd[0]["__MONOTONIC_TIMESTAMP"]) - int(mine[0]["__MONOTONIC_TIMESTAMP"])) / 1000
print("daemon: %r; systemd: %r, %.1f ms later" % (mine[0]["MESSAGE"], sysd[0]["MESSAGE"], d))
assert d >= 0
PY
if mroute_wait 5; then
        mark flowing
        pass "the deco's stream flows (MFC entry for $G to vlan10)"
else
        fail "the deco's stream flows (MFC entry for $G to vlan10 within 5 s)"
fi
for _ in $(seq 30); do
        [ "$(prop StatusText)" = "1 group, 1 on vlan10, refresh every 1s" ] && break
        sleep 0.1
done
check "StatusText is the daemon's: '$(prop StatusText)'" \
        test "$(prop StatusText)" = "1 group, 1 on vlan10, refresh every 1s"

# ---------------------------------------------------------------- D-Bus
MAINPID=$(prop MainPID)
BUSST=$(X busctl --system status org.igmpproxy.Movistar 2>&1)
owner=$(sed -n 's/^PID=//p' <<<"$BUSST")/$(sed -n 's/^Unit=//p' <<<"$BUSST")
check "BusName=$(prop BusName): org.igmpproxy.Movistar owned by igmpproxy.service, main PID $MAINPID ($owner)" \
        test "$(prop BusName)/$owner" = "org.igmpproxy.Movistar/$MAINPID/igmpproxy.service"
diag "the unit's dependencies with BusName=: Requires=$(prop Requires); After=$(prop After)"
check "... busctl --system list agrees" grep -Eq "^org\.igmpproxy\.Movistar +$MAINPID +igmpproxy +igmpproxy .* igmpproxy\.service " \
        <(X busctl --system list --no-pager --no-legend)
want_ver=$(X "$IGMPPROXY_SBINDIR/igmpproxy" --version | awk '{ print $2; exit }')
ver=$(X busctl --system get-property org.igmpproxy.Movistar /org/igmpproxy/Movistar org.igmpproxy.Movistar Version 2>&1)
check "busctl get-property ... Version: $ver (igmpproxy --version: $want_ver)" test "$ver" = "s \"$want_ver\""
# status counts the groups per downstream interface; groups lists them.
ctl_out=$(X "$CTL" status 2>&1)
check "the installed $CTL status: the group on vlan10" \
        grep -Eq '^ *Downstream: vlan10 \(198\.18\.1\.1, 1 group[,)]' <<<"$ctl_out"
diag "$ctl_out"
ctl_out=$(X "$CTL" groups 2>&1)
check "... $CTL groups lists $G" grep -qF "$G" <<<"$ctl_out"
diag "$ctl_out"
mark dbus_reload
if out=$(X busctl --system call org.igmpproxy.Movistar /org/igmpproxy/Movistar org.igmpproxy.Movistar Reload 2>&1); then
        drc=0
else
        drc=$?
fi
check "D-Bus Reload: busctl call succeeds (rc $drc${out:+, $out}), same main PID, active" \
        test "$drc/$(prop MainPID)/$(prop ActiveState)" = "0/$MAINPID/active"
check "... the daemon logged \"configuration reloaded\" (MESSAGE_ID=$(msg_id MSG_CONFIG_RELOADED)) for it" \
        X journalctl -u igmpproxy.service --no-pager -q -o cat "MESSAGE_ID=$(msg_id MSG_CONFIG_RELOADED)" \
        --since "-10s" --grep .
sleep 1
mark dbus_reload_done
LVL0=$(X systemctl service-log-level igmpproxy.service 2>&1)
check "systemctl service-log-level igmpproxy debug" X systemctl service-log-level igmpproxy.service debug
lvl=$(X systemctl service-log-level igmpproxy.service 2>&1)
check "... systemctl service-log-level igmpproxy prints it: $lvl (was $LVL0)" test "$lvl" = debug
check "... and back to $LVL0" X systemctl service-log-level igmpproxy.service "$LVL0"

# ---------------------------------------------------------------- identity
PID=$(prop MainPID)
X cat "/proc/$PID/status" >"$LAB_TMP/status.txt"
uid=$(X id -u igmpproxy)
export UID_WANT=$uid
check_py "runs as igmpproxy (uid $uid) with exactly CAP_NET_ADMIN|CAP_NET_RAW, NoNewPrivs, seccomp" <<'PY'
import os, labq
st = dict(l.split(":", 1) for l in open(labq.tmp("status.txt")) if ":" in l)
st = {k: v.split() for k, v in st.items()}
u = os.environ["UID_WANT"]
caps = {k: st[k][0] for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")}
print("Uid:", st["Uid"], "Gid:", st["Gid"], caps, "NoNewPrivs:", st["NoNewPrivs"], "Seccomp:", st["Seccomp"])
want = "%016x" % ((1 << 12) | (1 << 13))   # CAP_NET_ADMIN = 12, CAP_NET_RAW = 13
assert st["Uid"] == [u] * 4
assert all(v == want for v in caps.values()), "capabilities are not exactly " + want
assert st["NoNewPrivs"] == ["1"] and st["Seccomp"] == ["2"]
PY

# ---------------------------------------------------------------- journal
JOINED=$(msg_id MSG_UPSTREAM_JOINED)
sleep 0.3
X journalctl -u igmpproxy "GROUP=$G" --no-pager -o json >"$LAB_TMP/journal-group.jsonl"
export JOINED
check_py "journalctl -u igmpproxy GROUP=$G finds the upstream join (MESSAGE_ID, INTERFACE=, IGMP_VERSION=)" <<'PY'
import os, labq
j = labq.load(labq.tmp("journal-group.jsonl"))
joins = [e for e in j if e.get("MESSAGE_ID") == os.environ["JOINED"]]
for e in j:
    print(e.get("MESSAGE"), {k: e.get(k) for k in ("MESSAGE_ID", "INTERFACE", "GROUP", "SOURCE", "IGMP_VERSION", "PRIORITY")})
assert joins
e = joins[0]
assert e["INTERFACE"] == "vlan2" and e["IGMP_VERSION"] == "2" and e["SYSLOG_IDENTIFIER"] == "igmpproxy"
assert e["PRIORITY"] == "6" and e["_SYSTEMD_UNIT"] == "igmpproxy.service"
PY
check "journalctl -x explains it from the catalog" \
        grep -q "Subject: Joined $G upstream on vlan2" \
        <(X journalctl -u igmpproxy -x "MESSAGE_ID=$JOINED" --no-pager)

# ---------------------------------------------------------------- reload
CFG_REFRESH_INTERVAL=2 lab_std_config igmpproxy2.ini >/dev/null
X sh -c 'cat > /etc/igmpproxy.conf' <"$LAB_TMP/igmpproxy2.ini"
mark reload
t0=$(lab_now)
if X systemctl reload igmpproxy.service; then rrc=0; else rrc=$?; fi
t1=$(lab_now)
status=$(prop StatusText)
RELOAD_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
check "systemctl reload: exit 0 in $RELOAD_MS ms, the new STATUS= already there when it returns ('$status')" \
        test "$rrc/$status" = "0/1 group, 1 on vlan10, refresh every 2s"
check "... same main PID ($PID)" test "$(prop MainPID)" = "$PID"
check "a second reload (an earlier outcome is in the journal) also waits and succeeds" \
        X systemctl reload igmpproxy.service

printf '[Interface vlan2]\nRole=upstream\nThreshold=0\n' | X sh -c 'cat > /etc/igmpproxy.conf'
if X systemctl reload igmpproxy.service 2>"$LAB_TMP/reload-broken.err"; then rrc=0; else rrc=$?; fi
status=$(prop StatusText)
check "a broken file: systemctl reload fails (rc $rrc, ReloadResult=$(prop ReloadResult))" test "$rrc" != 0
check "... the daemon runs on (same PID, active) with the old configuration: '$status'" \
        test "$(prop MainPID)/$(prop ActiveState)" = "$PID/active" -a \
        "${status%%;*}" = "1 group, 1 on vlan10, refresh every 2s"
check "... STATUS= names the file and line" grep -q "reload failed, old configuration kept: /etc/igmpproxy.conf:3:" <<<"$status"
X sh -c 'cat > /etc/igmpproxy.conf' <"$LAB_TMP/igmpproxy2.ini"
check "fixed file: systemctl reload succeeds and STATUS= drops the failure" \
        X sh -c 'systemctl reload igmpproxy.service && systemctl show -p StatusText --value igmpproxy.service | grep -vq failed'
sleep 1
mark reloads_done

# ---------------------------------------------------------------- watchdog
X sh -c 'mkdir -p /run/sdc-units/igmpproxy.service.d && cat > /run/sdc-units/igmpproxy.service.d/50-test-hooks.conf' <<'EOF'
[Service]
Environment=IGMPPROXY_TEST_HOOKS=1
WatchdogSec=2s
EOF
X systemctl daemon-reload
mark restart
check "drop-in: restart with IGMPPROXY_TEST_HOOKS=1 and WatchdogSec=2s" \
        X sh -c 'systemctl restart igmpproxy.service && systemctl show -p WatchdogUSec --value igmpproxy.service | grep -qx 2s'
mroute_wait 5 || fail "the stream is back after the restart (within 5 s)"
sleep 2
PID1=$(prop MainPID)
NR0=$(prop NRestarts)
mark stall
X systemctl kill --kill-who=main -s SIGUSR2 igmpproxy.service
sleep 0.2 # the loop is stalled by now (a SIGHUP pending with SIGUSR2 would be read first)
t0=$(lab_now)
if X timeout 15 systemctl reload igmpproxy.service 2>/dev/null; then rrc=0; else rrc=$?; fi
t1=$(lab_now)
STALL_RELOAD_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
check "a reload during the stall does not report success (rc $rrc after $STALL_RELOAD_MS ms)" test "$rrc" != 0
for _ in $(seq 100); do
        [ "$(prop NRestarts)" -gt "$NR0" ] && [ "$(prop ActiveState)" = active ] && break
        sleep 0.1
done
mark back_active
PID2=$(prop MainPID)
check "Restart=on-failure: active again with a new main PID ($PID1 -> $PID2, NRestarts $NR0 -> $(prop NRestarts))" \
        test "$(prop ActiveState)" = active -a "$PID2" != "$PID1" -a "$(prop NRestarts)" -gt "$NR0"
if mroute_wait 10; then mark back_flowing; fi
X journalctl -o json --no-pager -u igmpproxy.service >"$LAB_TMP/journal-wd.jsonl"
check_py "systemd killed it for the watchdog (SIGABRT, result 'watchdog')" <<'PY'
import labq
j = labq.load(labq.tmp("journal-wd.jsonl"))
t = float(open(labq.tmp("t.stall")).read())
after = [e for e in j if int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 >= t]
msgs = [(round(int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 - t, 3), e.get("MESSAGE")) for e in after
        if e.get("_PID") == "1" or e.get("SYSLOG_IDENTIFIER") in ("systemd", "igmpproxyctl")]
for m in msgs[:12]:
    print("%+.3f s  %s" % m)
text = "\n".join(m[1] or "" for m in msgs)
assert "Watchdog timeout" in text and "SIGABRT" in text and "result 'watchdog'" in text
PY

# ---------------------------------------------------------------- stop
mark stop
check "systemctl stop" X systemctl stop igmpproxy.service
check "... inactive" test "$(prop ActiveState)" = inactive
vifs=$(lab_vifs | tr '\n' ' ')
mfc=$(lab_exec rtr cat /proc/net/ip_mr_cache 2>/dev/null | awk 'NR > 1' | wc -l)
check "... no VIF and no MFC entry left in the container's netns (VIFs: ${vifs:-none}, MFC: $mfc)" \
        test -z "$vifs" -a "$mfc" = 0
sleep 0.3
deco_wait deco1 0.2
lab_stop_upstream

# ---------------------------------------------------------------- the stream, measured at the deco
check_py "start: the deco's first packet within 2 s of systemctl start" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
t = float(open(labq.tmp("t.start")).read())
print("first packet %.3f s after systemctl start" % (g["first"] - t))
assert g["first"] is not None and 0 <= g["first"] - t < 2.0
PY
check_py "reloads: no gap over 500 ms from the first packet until the drop-in restart" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
t_r = float(open(labq.tmp("t.reload")).read()); t_end = float(open(labq.tmp("t.restart")).read())
gaps = [x for x in g["gaps"] if x[0] < t_end]
# The deco's progress lines carry the largest inter-packet gap so far.
prog = [x for x in labq.load(labq.tmp("deco1.progress")) if x["t"] < t_end]
print("4 reloads from %.1f s after the first packet; largest inter-packet gap up to %.1f s before the "
      "restart: %.3f s; gaps > 500 ms: %s" % (t_r - g["first"], t_end - prog[-1]["t"], prog[-1]["max_gap"], gaps))
assert not gaps and prog and prog[-1]["t"] > float(open(labq.tmp("t.reloads_done")).read()) - 1.0
assert prog[-1]["max_gap"] < 0.5
PY
check_py "D-Bus Reload: no gap over 500 ms across it" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
t0 = float(open(labq.tmp("t.dbus_reload")).read()); t1 = float(open(labq.tmp("t.dbus_reload_done")).read())
gaps = [x for x in g["gaps"] if x[0] < t1 and x[0] + x[1] > t0 - 0.5]
pkts = [x for x in labq.load(labq.tmp("deco1.progress")) if t0 - 0.5 <= x["t"] <= t1 + 0.5]
print("Reload at %.1f s after the first packet; progress lines around it: %d; gaps > 500 ms: %s"
      % (t0 - g["first"], len(pkts), gaps))
# The progress lines carry the largest inter-packet gap so far.
assert g["first"] < t0 and g["last"] > t1 and not gaps and pkts
print("largest inter-packet gap up to %.1f s after the reload: %.3f s" % (pkts[-1]["t"] - t0, pkts[-1]["max_gap"]))
assert pkts[-1]["max_gap"] < 0.5
PY
check_py "watchdog: the stream comes back after the kill and the restart" <<'PY'
import labq
d = labq.summary("deco1"); g = d["groups"]["239.0.5.185"]
t = float(open(labq.tmp("t.stall")).read())
j = labq.load(labq.tmp("journal-wd.jsonl"))
kill = [int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 for e in j
        if "Watchdog timeout" in (e.get("MESSAGE") or "") and int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 >= t]
started = [int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 for e in j
           if e.get("MESSAGE_ID") == "39f53479d3a045ac8e11786248231fbf" and int(e["__MONOTONIC_TIMESTAMP"]) / 1e6 >= t]
gaps = [x for x in g["gaps"] if x[0] + x[1] > t]
print("stall at 0; systemd's watchdog kill at +%.3f s; active again at +%.3f s; the deco's gap: %s"
      % (kill[0] - t if kill else -1, started[0] - t if started else -1,
         ["from +%.3f s, %.3f s long" % (x[0] - t, x[1]) for x in gaps]))
assert kill and started and gaps
back = gaps[0][0] + gaps[0][1] - t
print("stream back %.3f s after the stall, %.3f s after the kill" % (back, back - (kill[0] - t)))
assert back < 10 and g["last"] > gaps[0][0] + gaps[0][1]
PY
check_py "stop: the upstream heard the daemon leave $G" <<'PY'
import labq
t = float(open(labq.tmp("t.stop")).read())
lv = [x["t"] - t for x in labq.igmp(labq.upstream(), src="198.18.0.2", type="leave") if x["group"] == "239.0.5.185" and x["t"] >= t]
print("leave %s s after systemctl stop" % [round(x, 3) for x in lv])
assert lv and lv[0] < 2
PY

lab_done
