/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus.c - org.igmpproxy.Movistar (see bus.h, and man/org.igmpproxy.Movistar.5
 * for the API), the connection to the system bus and its return after dbus
 * restarts. org.freedesktop.LogControl1 and the access check: bus-logcontrol.c;
 * the per-interface membership state (ListMemberships): bus-members.c.
 *
 * Access: everything is SD_BUS_VTABLE_UNPRIVILEGED so that sd-bus does not
 * apply its own CAP_SYS_ADMIN rule (the daemon runs as user igmpproxy with
 * CAP_NET_ADMIN only, and would then refuse root). Reading is open to every
 * local user; each change goes through bus_check_privileged(): the caller's
 * effective uid (from the bus daemon) must be 0 or the daemon's own, or polkit
 * must have authorized the call (bus-polkit.c). The bus policy
 * (dbus/org.igmpproxy.Movistar.conf) only says who may own the name.
 *
 * What it does not do: no protocol logic, no config parsing, no kernel calls
 * other than through manager_*().
 */
#include "bus-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "build-config.h"
#include "log.h"
#include "manager.h"

/* An interface name as a D-Bus string, which must be UTF-8: Linux names need
 * not be, so invalid bytes are written \xNN (buf: char[UTF8_ESCAPED_IFNAME]). */
#define IFNAME(name, buf) utf8_escape((name), (buf), sizeof(buf))

/* ---- properties: org.igmpproxy.Movistar ------------------------------------------ */

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_workaround(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", m->config->refresh != REFRESH_NO);
}

static int property_set_workaround(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int b, r;

        r = bus_read_privileged(value, error, 'b', &b);
        if (r < 0)
                return r;
        r = manager_set_refresh_mode(m, b ? REFRESH_YES : REFRESH_NO);
        return r < 0 ? r : 0;
}

static int property_get_refresh_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", refresh_mode_to_string(m->config->refresh));
}

static int property_set_refresh_mode(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *s;
        RefreshMode mode;
        int r;

        r = bus_read_privileged(value, error, 's', &s);
        if (r < 0)
                return r;
        if (strcmp(s, "auto") == 0)
                mode = REFRESH_AUTO;
        else if ((r = parse_boolean(s)) >= 0)
                mode = r ? REFRESH_YES : REFRESH_NO;
        else
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "Invalid RefreshMode '%s': expected yes, no or auto", s);
        r = manager_set_refresh_mode(m, mode);
        return r < 0 ? r : 0;
}

static int property_get_refresh_interval(sd_bus *bus, const char *path, const char *interface,
                                         const char *property, sd_bus_message *reply, void *userdata,
                                         sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "t", (uint64_t) m->config->refresh_interval);
}

static int property_get_initial_delay(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "t", (uint64_t) m->config->refresh_initial_delay);
}

static int property_set_interval(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *value, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        bool delay = strcmp(property, "InitialDelayUSec") == 0;
        usec_t min = delay ? 0 : USEC_PER_SEC, max = 259 * USEC_PER_SEC;
        uint64_t t;
        int r;

        r = bus_read_privileged(value, error, 't', &t);
        if (r < 0)
                return r;
        /* 259 s: one second under the 260 s after which Movistar+ forgets a group. */
        if (t < min || t > max)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_INTERVAL,
                                         "%s=%" PRIu64 " is out of range: it must be %s..259 s (%s..259000000 us)",
                                         property, t, delay ? "0" : "1 s", delay ? "0" : "1000000");
        r = delay ? manager_set_initial_delay(m, t) : manager_set_refresh_interval(m, t);
        return r < 0 ? r : 0;
}

static int property_get_report_version(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) m->config->report_version);
}

static int property_set_report_version(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *value, void *userdata,
                                       sd_bus_error *error) {
        Manager *m = userdata;
        uint32_t v;
        int r;

        r = bus_read_privileged(value, error, 'u', &v);
        if (r < 0)
                return r;
        if (v < 1 || v > 3)
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "ReportVersion=%" PRIu32 " is invalid: it must be 1, 2 or 3", v);
        r = manager_set_report_version(m, v);
        return r < 0 ? r : 0;
}

static int property_get_quickleave(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", m->config->quickleave);
}

static int property_get_upstream(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        char e[UTF8_ESCAPED_IFNAME];
        return sd_bus_message_append(reply, "s", IFNAME(bus_upstream_name(userdata), e));
}

static int property_get_downstreams(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        char e[UTF8_ESCAPED_IFNAME];
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (bus_vif_is_downstream(m, v) && (r = sd_bus_message_append(reply, "s", IFNAME(m->vifs[v].name, e))) < 0)
                        return r;
        return sd_bus_message_close_container(reply);
}

static int property_get_configured(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t k = 0; k < m->config->n_ifaces; k++) {
                const IfaceConfig *ic = &m->config->ifaces[k];
                if (ic->role == ROLE_DISABLED)
                        continue;
                char e[UTF8_ESCAPED_IFNAME];
                r = sd_bus_message_append(reply, "(ss)", IFNAME(ic->name, e), iface_role_to_string(ic->role));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const ProxyStats *s = m->proxy ? proxy_stats(m->proxy) : &(const ProxyStats) {};
        uint64_t v;

        if (strcmp(property, "LastRefreshUSec") == 0)
                v = s->last_refresh;
        else if (strcmp(property, "RefreshCycles") == 0)
                v = s->refresh_cycles;
        else if (strcmp(property, "PacketsReceived") == 0)
                v = s->igmp_received;
        else if (strcmp(property, "PacketsMalformed") == 0)
                v = m->rx_malformed;
        else if (strcmp(property, "PacketsDropped") == 0)
                v = bus_packets_dropped(s);
        else if (strcmp(property, "StreamStalls") == 0)
                v = s->stream_stalls;
        else
                return -EINVAL;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_querier_seen(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "b", m->proxy && proxy_upstream_querier_seen(m->proxy, manager_now(m)));
}

/* ---- methods --------------------------------------------------------------------- */

static int method_list_groups(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        GroupList l;
        int r;

        r = group_list_collect(m, &l);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssa(su)a(stt)tt)");
        for (size_t k = 0; r >= 0 && k < l.n; k++) {
                const GroupRow *g = &l.rows[k];
                char a[IN4_STRLEN];

                char e[UTF8_ESCAPED_IFNAME];

                r = sd_bus_message_open_container(reply, 'r', "ssa(su)a(stt)tt");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "ss", in4_to_string(g->info.group, a), bus_group_state(&g->info));
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "(su)");
                for (int v = 0; r >= 0 && v < PROXY_MAX_VIFS; v++)
                        if (bus_vif_is_downstream(m, v) && (g->info.out_mask & (1U << v)))
                                r = sd_bus_message_append(reply, "(su)", IFNAME(m->vifs[v].name, e),
                                                          (uint32_t) proxy_group_hosts(m->proxy, v, g->info.group));
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_open_container(reply, 'a', "(stt)");
                for (size_t s = 0; r >= 0 && s < g->n_sources; s++) {
                        uint64_t pkts = 0, bytes = 0;
                        (void) manager_route_counters(m, g->sources[s], g->info.group, &pkts, &bytes);
                        r = sd_bus_message_append(reply, "(stt)", in4_to_string(g->sources[s], a), pkts, bytes);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "tt", (uint64_t) g->info.joined_at,
                                                  (uint64_t) g->info.last_report);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        group_list_done(&l);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_list_interfaces(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sissibu)");
        for (int v = 0; r >= 0 && v < PROXY_MAX_VIFS; v++) {
                const ManagedIface *mi = &m->vifs[v];
                char a[IN4_STRLEN], e[UTF8_ESCAPED_IFNAME];
                if (!mi->active)
                        continue;
                r = sd_bus_message_append(reply, "(sissibu)", IFNAME(mi->name, e), (int32_t) mi->ifindex,
                                          iface_role_to_string(mi->role), in4_to_string(mi->addr, a), (int32_t) v,
                                          m->proxy && proxy_is_querier(m->proxy, v), (uint32_t) bus_vif_groups(m, v));
        }
        /* Interfaces that could serve but got no VIF: VIF -1, waited for. */
        for (size_t k = 0; r >= 0 && k < m->n_waits; k++) {
                const IfaceWait *w = &m->waits[k];
                char a[IN4_STRLEN], e[UTF8_ESCAPED_IFNAME];
                if (!w->reason || !w->vif_failed)
                        continue;
                r = sd_bus_message_append(reply, "(sissibu)", IFNAME(w->name, e), (int32_t) w->ifindex,
                                          iface_role_to_string(w->role), in4_to_string(w->addr, a), (int32_t) -1,
                                          false, (uint32_t) 0);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_refresh_now(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = bus_check_privileged(msg, error);
        if (r < 0)
                return r;
        r = manager_refresh_now(m);
        if (r == -ENOTCONN)
                return sd_bus_error_set(error, BUS_ERROR_NO_SUCH_INTERFACE,
                                        "No upstream interface is active: nothing to refresh");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_reload(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *why = NULL;
        Manager *m = userdata;
        int r;

        r = bus_check_privileged(msg, error);
        if (r < 0)
                return r;
        r = manager_reload(m, &why);
        if (r < 0)
                return sd_bus_error_setf(error, BUS_ERROR_CONFIG_REJECTED,
                                         "Configuration rejected, the old one is kept: %s",
                                         why ? why : strerror(-r));
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_rescan(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = bus_check_privileged(msg, error);
        if (r < 0)
                return r;
        r = manager_rescan(m);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}

static int method_describe(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(freep) char *text = bus_describe_json(userdata);

        if (!text)
                return -ENOMEM;
        return sd_bus_reply_method_return(msg, "s", text);
}

/* Flags used for each kind of member (see the header comment on access).
 * Reading a property is never privileged in sd-bus (and it refuses the
 * UNPRIVILEGED flag on read-only ones); RO_POLL ones change all the time
 * and are not announced: poll them. */
#define RO_CHANGE SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define RO_POLL 0

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),

        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_WRITABLE_PROPERTY("WorkaroundEnabled", "b", property_get_workaround, property_set_workaround, 0, RW_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("RefreshMode", "s", property_get_refresh_mode, property_set_refresh_mode, 0, RW_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("RefreshIntervalUSec", "t", property_get_refresh_interval, property_set_interval, 0, RW_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("InitialDelayUSec", "t", property_get_initial_delay, property_set_interval, 0, RW_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("ReportVersion", "u", property_get_report_version, property_set_report_version, 0, RW_CHANGE),
        SD_BUS_PROPERTY("QuickLeave", "b", property_get_quickleave, 0, RO_CHANGE),
        SD_BUS_PROPERTY("UpstreamInterface", "s", property_get_upstream, 0, RO_CHANGE),
        SD_BUS_PROPERTY("DownstreamInterfaces", "as", property_get_downstreams, 0, RO_CHANGE),
        SD_BUS_PROPERTY("ConfiguredInterfaces", "a(ss)", property_get_configured, 0, RO_CHANGE),
        SD_BUS_PROPERTY("LastRefreshUSec", "t", property_get_stat, 0, RO_CHANGE),
        SD_BUS_PROPERTY("RefreshCycles", "t", property_get_stat, 0, RO_CHANGE),
        SD_BUS_PROPERTY("UpstreamQuerierSeen", "b", property_get_querier_seen, 0, RO_POLL),
        SD_BUS_PROPERTY("PacketsReceived", "t", property_get_stat, 0, RO_POLL),
        SD_BUS_PROPERTY("PacketsMalformed", "t", property_get_stat, 0, RO_POLL),
        SD_BUS_PROPERTY("PacketsDropped", "t", property_get_stat, 0, RO_POLL),
        SD_BUS_PROPERTY("StreamStalls", "t", property_get_stat, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerier", "s", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerierVersion", "u", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerierRobustness", "u", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerierIntervalUSec", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerierMaxResponseUSec", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamQuerierLastHeardUSec", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("UpstreamReportVersion", "u", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("PacketsBadTTL", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("QueriesWithoutRouterAlert", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("QueriesFromOffLink", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("ReportsWithoutRouterAlert", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("SourcesOverLimit", "t", bus_property_get_upstream, 0, RO_POLL),
        SD_BUS_PROPERTY("RecordsUnknown", "t", bus_property_get_upstream, 0, RO_POLL),

        SD_BUS_METHOD_WITH_ARGS("ListGroups", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssa(su)a(stt)tt)", groups),
                                method_list_groups, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListInterfaces", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sissibu)", interfaces),
                                method_list_interfaces, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RefreshNow", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_refresh_now, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RescanInterfaces", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_rescan, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Describe", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", json), method_describe,
                                SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS("GroupJoined", SD_BUS_ARGS("s", group, "s", interface), 0),
        SD_BUS_SIGNAL_WITH_ARGS("GroupLeft", SD_BUS_ARGS("s", group, "s", interface), 0),
        SD_BUS_SIGNAL_WITH_ARGS("RefreshCompleted", SD_BUS_ARGS("u", groups), 0),
        SD_BUS_SIGNAL_WITH_ARGS("StreamStalled", SD_BUS_ARGS("s", group), 0),

        SD_BUS_VTABLE_END
};

/* ---- lifecycle and signals ------------------------------------------------------------------ */

static void emit_group(void *userdata, bool joined, in4_t group, const char *ifname) {
        Manager *m = userdata;
        char g[IN4_STRLEN], e[UTF8_ESCAPED_IFNAME];

        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, joined ? "GroupJoined" : "GroupLeft", "ss",
                                  in4_to_string(group, g), IFNAME(ifname ? ifname : "", e));
}

static void emit_refresh_completed(void *userdata, uint64_t groups) {
        Manager *m = userdata;

        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "RefreshCompleted", "u",
                                  (uint32_t) MIN(groups, (uint64_t) UINT32_MAX));
        (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "LastRefreshUSec", "RefreshCycles",
                                              NULL);
}

static void emit_stream_stalled(void *userdata, in4_t group) {
        Manager *m = userdata;
        char g[IN4_STRLEN];

        if (!m->bus)
                return;
        (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "StreamStalled", "s", in4_to_string(group, g));
}

static void emit_settings_changed(void *userdata) {
        Manager *m = userdata;

        if (!m->bus)
                return;
        (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "WorkaroundEnabled", "RefreshMode",
                                              "RefreshIntervalUSec", "InitialDelayUSec", "ReportVersion",
                                              "QuickLeave", NULL);
}

static void emit_interfaces_changed(void *userdata) {
        Manager *m = userdata;

        if (!m->bus)
                return;
        (void) sd_bus_emit_properties_changed(m->bus, BUS_PATH, BUS_INTERFACE, "UpstreamInterface",
                                              "DownstreamInterfaces", "ConfiguredInterfaces", NULL);
}

static const ManagerNotifier bus_notifier = {
        .group_changed = emit_group,
        .refresh_completed = emit_refresh_completed,
        .stream_stalled = emit_stream_stalled,
        .settings_changed = emit_settings_changed,
        .interfaces_changed = emit_interfaces_changed,
        .iface_changed = bus_emit_iface_changed,
        .querier_changed = bus_emit_querier_changed,
        .stream_rejected = bus_emit_stream_rejected,
};

/* The log level of a failed attempt: the first one warns, the retries after
 * a lost bus are quiet (one line when it is back). */
#define BUS_LOG(m) ((m)->bus_retry_n > 0 ? LOG_DEBUG : LOG_WARNING)

static int on_bus_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error);

static int bus_connect(Manager *m) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to connect to the system bus: %m");
        (void) sd_bus_set_description(bus, "igmpproxy");
        (void) sd_bus_set_method_call_timeout(bus, 5 * USEC_PER_SEC);
        r = sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, manager_vtable, m);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to export %s: %m", BUS_PATH);
        r = bus_polkit_add(bus);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to install the polkit filter: %m");
        r = bus_diag_add(m, bus);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to export the diagnosis members on %s: %m", BUS_PATH);
        r = bus_members_add(m, bus);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to export the membership members on %s: %m", BUS_PATH);
        r = sd_bus_add_object_vtable(bus, NULL, LOG_PATH, LOG_INTERFACE, bus_log_control_vtable, m);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to export %s: %m", LOG_PATH);
        /* sd-bus says so when the connection ends (dbus stopped or restarted). */
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                                "org.freedesktop.DBus.Local", "Disconnected", on_bus_disconnected, m);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to watch the bus connection: %m");
        r = sd_bus_attach_event(bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to attach the bus to the event loop: %m");
        /* Synchronous on purpose: READY=1 follows, and clients may rely on the name then. */
        r = sd_bus_request_name(bus, BUS_NAME, 0);
        if (r < 0)
                return log_ctx_errno(BUS_LOG(m), r, NULL, "Failed to acquire the bus name %s (another instance, or the "
                                      "bus policy dbus-1/system.d/%s.conf is not installed?): %m",
                                      BUS_NAME, BUS_NAME);
        m->bus = TAKE_PTR(bus);
        m->notifier = &bus_notifier;
        m->notifier_userdata = m;
        return 0;
}

/* Tries again after 1, 2, 4, 8, 16, then every 30 s. */
static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void bus_schedule_retry(Manager *m) {
        usec_t delay = MIN(USEC_PER_SEC << MIN(m->bus_retry_n, 5u), 30 * USEC_PER_SEC);
        int r;

        m->bus_retry_n++;
        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        r = sd_event_add_time_relative(m->event, &m->bus_retry, CLOCK_MONOTONIC, delay, 0, on_bus_retry, m);
        if (r < 0)
                log_warning_errno(r, "Cannot schedule joining the system bus again, running without it: %m");
}

static int on_bus_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        if (bus_connect(m) < 0) {
                bus_schedule_retry(m);
                return 0;
        }
        log_notice("Acquired %s on the system bus after %u attempt(s); its signals resume", BUS_NAME, m->bus_retry_n);
        m->bus_retry_n = 0;
        /* What may have changed meanwhile, for the clients that watch. */
        emit_settings_changed(m);
        return 0;
}

static int on_bus_disconnected(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;

        log_warning("Lost the system bus (dbus stopped or restarted): %s is gone until it is back; trying again",
                    BUS_NAME);
        /* No signals into a closed connection; the loop holds a reference
         * while it dispatches this message, so dropping ours here is safe. */
        if (m->notifier == &bus_notifier)
                m->notifier = m->notifier_userdata = NULL;
        m->bus = sd_bus_close_unref(m->bus);
        m->bus_retry_n = 0;
        bus_schedule_retry(m);
        return 0;
}

int bus_open(Manager *m) {
        int r;

        m->bus_retry_n = 0;
        r = bus_connect(m);
        if (r < 0) {
                /* dbus may come later (started after us, or restarted): keep trying, quietly. */
                bus_schedule_retry(m);
                return r;
        }
        log_info("Acquired %s on the system bus", BUS_NAME);
        return 0;
}

void bus_close(Manager *m) {
        m->bus_retry = sd_event_source_disable_unref(m->bus_retry);
        if (m->notifier == &bus_notifier)
                m->notifier = m->notifier_userdata = NULL;
        m->bus = sd_bus_flush_close_unref(m->bus);
        bus_polkit_done();
}
