/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-state.c - read-only snapshots of the manager's and the core's state
 * that the D-Bus face shares between its properties, ListGroups and
 * Describe (the JSON document; each group's filters in it come from
 * bus-members.c). It changes nothing and answers no message: bus.c does that.
 */
#include "bus-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "build-config.h"
#include "json.h"

const char *bus_group_state(const ProxyGroupInfo *g) {
        return g->joined ? "joined" : !g->allowed ? "filtered" : "not-joined";
}

const char *bus_upstream_name(Manager *m) {
        int v = manager_upstream_vif(m);
        return v >= 0 ? m->vifs[v].name : "";
}

static int collect_group(const ProxyGroupInfo *info, void *userdata) {
        GroupList *l = userdata;
        GroupRow *row;

        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 16;
                GroupRow *rows = realloc(l->rows, cap * sizeof *rows);
                if (!rows)
                        return -ENOMEM;
                l->rows = rows;
                l->cap = cap;
        }
        row = &l->rows[l->n++];
        row->info = *info;
        row->n_sources = MIN(proxy_group_sources(l->m->proxy, info->group, row->sources, MAX_SOURCES_PER_GROUP),
                             (size_t) MAX_SOURCES_PER_GROUP);
        return 0;
}

static int cmp_group_row(const void *a, const void *b) {
        in4_t x = ((const GroupRow *) a)->info.group, y = ((const GroupRow *) b)->info.group;
        return x < y ? -1 : x > y;
}

int group_list_collect(Manager *m, GroupList *ret) {
        int r;

        *ret = (GroupList) { .m = m };
        if (!m->proxy)
                return 0;
        r = proxy_foreach_group(m->proxy, collect_group, ret);
        if (r < 0) {
                free(ret->rows);
                *ret = (GroupList) {};
                return r;
        }
        if (ret->n > 1)
                qsort(ret->rows, ret->n, sizeof *ret->rows, cmp_group_row);
        return 0;
}

void group_list_done(GroupList *l) {
        free(l->rows);
}

bool bus_vif_is_downstream(Manager *m, int v) {
        return m->vifs[v].active && m->vifs[v].role == ROLE_DOWNSTREAM;
}

uint64_t bus_packets_dropped(const ProxyStats *s) {
        return s->igmp_ignored + s->igmp_bad_source + s->groups_over_limit + s->igmp_bad_ttl +
               s->queries_no_router_alert + s->queries_bad_source;
}

const char *const bus_upstream_names[] = {
        "UpstreamQuerier", "UpstreamQuerierVersion", "UpstreamQuerierRobustness", "UpstreamQuerierIntervalUSec",
        "UpstreamQuerierMaxResponseUSec", "UpstreamQuerierLastHeardUSec", "UpstreamReportVersion",
        "PacketsBadTTL", "QueriesWithoutRouterAlert", "QueriesFromOffLink", "ReportsWithoutRouterAlert",
        "SourcesOverLimit", "RecordsUnknown", NULL,
};

int bus_upstream_value(Manager *m, const char *name, BusValue *ret) {
        static char addr[IN4_STRLEN];
        const ProxyStats *s = m->proxy ? proxy_stats(m->proxy) : &(const ProxyStats) {};
        ProxyUpstreamQuerier q = { .report_version = (int) m->config->report_version };
        const uint64_t values[] = {
                0, 0, 0, 0, 0, 0, 0, s->igmp_bad_ttl, s->queries_no_router_alert, s->queries_bad_source,
                s->reports_no_router_alert, s->sources_over_limit, s->records_unknown,
        };
        size_t k;

        for (k = 0; bus_upstream_names[k] && strcmp(bus_upstream_names[k], name) != 0; k++)
                ;
        if (!bus_upstream_names[k])
                return -ENOENT;
        if (m->proxy)
                proxy_upstream_querier(m->proxy, manager_now(m), &q);
        *ret = (BusValue) { .type = 't', .u = k < ELEMENTSOF(values) ? values[k] : 0 };
        switch (k) {
        case 0:
                *ret = (BusValue) { .type = 's', .s = q.address ? in4_to_string(q.address, addr) : "" };
                break;
        case 1:
                *ret = (BusValue) { .type = 'u', .u = q.version };
                break;
        case 2:
                *ret = (BusValue) { .type = 'u', .u = q.qrv };
                break;
        case 3:
                ret->u = q.qqi;
                break;
        case 4:
                ret->u = q.max_resp;
                break;
        case 5:
                ret->u = q.last_heard;
                break;
        case 6:
                *ret = (BusValue) { .type = 'u', .u = (uint64_t) q.report_version };
                break;
        default:
                break;
        }
        return 0;
}

size_t bus_vif_groups(Manager *m, int v) {
        if (!m->proxy)
                return 0;
        return m->vifs[v].role == ROLE_UPSTREAM ? proxy_n_joined(m->proxy) : proxy_n_listeners(m->proxy, v);
}

int bus_property_get_upstream(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusValue v;
        int r = bus_upstream_value(userdata, property, &v);

        if (r < 0)
                return r;
        if (v.type == 's')
                return sd_bus_message_append(reply, "s", v.s);
        if (v.type == 'u')
                return sd_bus_message_append(reply, "u", (uint32_t) v.u);
        return sd_bus_message_append(reply, "t", v.u);
}

char *bus_describe_json(Manager *m) {
        const ProxyStats *s = m->proxy ? proxy_stats(m->proxy) : &(const ProxyStats) {};
        JsonWriter j = {};
        GroupList l;
        char a[IN4_STRLEN];

        if (group_list_collect(m, &l) < 0)
                return NULL;
        json_begin_object(&j);
        json_key(&j, "Version");
        json_string(&j, PACKAGE_VERSION);
        json_key(&j, "NowUSec");
        json_uint(&j, manager_now(m));
        json_key(&j, "ConfigFile");
        json_string(&j, m->config_path);
        json_key(&j, "WorkaroundEnabled");
        json_bool(&j, m->config->refresh != REFRESH_NO);
        json_key(&j, "RefreshMode");
        json_string(&j, refresh_mode_to_string(m->config->refresh));
        json_key(&j, "RefreshIntervalUSec");
        json_uint(&j, m->config->refresh_interval);
        json_key(&j, "InitialDelayUSec");
        json_uint(&j, m->config->refresh_initial_delay);
        json_key(&j, "ReportVersion");
        json_uint(&j, m->config->report_version);
        json_key(&j, "QuickLeave");
        json_bool(&j, m->config->quickleave);
        json_key(&j, "UpstreamInterface");
        json_string(&j, bus_upstream_name(m));
        json_key(&j, "DownstreamInterfaces");
        json_begin_array(&j);
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (bus_vif_is_downstream(m, v))
                        json_string(&j, m->vifs[v].name);
        json_end_array(&j);
        json_key(&j, "LastRefreshUSec");
        json_uint(&j, s->last_refresh);
        json_key(&j, "RefreshCycles");
        json_uint(&j, s->refresh_cycles);
        json_key(&j, "UpstreamQuerierSeen");
        json_bool(&j, m->proxy && proxy_upstream_querier_seen(m->proxy, manager_now(m)));
        json_key(&j, "PacketsReceived");
        json_uint(&j, s->igmp_received);
        json_key(&j, "PacketsMalformed");
        json_uint(&j, m->rx_malformed);
        json_key(&j, "PacketsDropped");
        json_uint(&j, bus_packets_dropped(s));
        for (size_t k = 0; bus_upstream_names[k]; k++) {
                BusValue v;
                if (bus_upstream_value(m, bus_upstream_names[k], &v) < 0)
                        continue;
                json_key(&j, bus_upstream_names[k]);
                if (v.type == 's')
                        json_string(&j, v.s);
                else
                        json_uint(&j, v.u);
        }
        json_key(&j, "ReloadError");
        if (m->reload_error)
                json_string(&j, m->reload_error);
        else
                json_null(&j);

        json_key(&j, "Interfaces");
        json_begin_array(&j);
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                const ManagedIface *mi = &m->vifs[v];
                if (!mi->active)
                        continue;
                json_begin_object(&j);
                json_key(&j, "Name");
                json_string(&j, mi->name);
                json_key(&j, "Index");
                json_uint(&j, (uint64_t) mi->ifindex);
                json_key(&j, "Role");
                json_string(&j, iface_role_to_string(mi->role));
                json_key(&j, "Address");
                json_string(&j, in4_to_string(mi->addr, a));
                json_key(&j, "PrefixLength");
                json_uint(&j, mi->prefixlen);
                json_key(&j, "VIF");
                json_uint(&j, (uint64_t) v);
                json_key(&j, "Querier");
                json_bool(&j, m->proxy && proxy_is_querier(m->proxy, v));
                json_key(&j, "Groups");
                json_uint(&j, bus_vif_groups(m, v));
                json_end_object(&j);
        }
        json_end_array(&j);

        json_key(&j, "Groups");
        json_begin_array(&j);
        for (size_t k = 0; k < l.n; k++) {
                const GroupRow *g = &l.rows[k];
                json_begin_object(&j);
                json_key(&j, "Group");
                json_string(&j, in4_to_string(g->info.group, a));
                json_key(&j, "State");
                json_string(&j, bus_group_state(&g->info));
                json_key(&j, "Listeners");
                json_begin_array(&j);
                for (int v = 0; v < PROXY_MAX_VIFS; v++)
                        if (bus_vif_is_downstream(m, v) && (g->info.out_mask & (1U << v))) {
                                json_begin_object(&j);
                                json_key(&j, "Interface");
                                json_string(&j, m->vifs[v].name);
                                json_key(&j, "Hosts");
                                json_uint(&j, proxy_group_hosts(m->proxy, v, g->info.group));
                                json_end_object(&j);
                        }
                json_end_array(&j);
                json_key(&j, "Sources");
                json_begin_array(&j);
                for (size_t s2 = 0; s2 < g->n_sources; s2++) {
                        uint64_t pkts = 0, bytes = 0;
                        (void) manager_route_counters(m, g->sources[s2], g->info.group, &pkts, &bytes);
                        json_begin_object(&j);
                        json_key(&j, "Source");
                        json_string(&j, in4_to_string(g->sources[s2], a));
                        json_key(&j, "Packets");
                        json_uint(&j, pkts);
                        json_key(&j, "Bytes");
                        json_uint(&j, bytes);
                        json_end_object(&j);
                }
                json_end_array(&j);
                json_key(&j, "JoinedUSec");
                json_uint(&j, g->info.joined_at);
                json_key(&j, "LastReportUSec");
                json_uint(&j, g->info.last_report);
                bus_members_json(m, &j, g->info.group);
                json_end_object(&j);
        }
        json_end_array(&j);
        json_end_object(&j);
        group_list_done(&l);
        return json_steal(&j);
}

