/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * views.c - read-only views of the core's state for the glue (status line,
 * D-Bus properties, ListGroups, Describe) and the tests. Nothing here
 * changes the Proxy or emits an effect.
 */
#include "core.h"

const ProxyStats *proxy_stats(const Proxy *p) {
        return &p->stats;
}

size_t proxy_n_groups(const Proxy *p) {
        return p->n_listened;
}

size_t proxy_n_joined(const Proxy *p) {
        return p->n_joined;
}

size_t proxy_n_listeners(const Proxy *p, int vif) {
        return vif >= 0 && vif < PROXY_MAX_VIFS && p->ifaces[vif].used ? p->ifaces[vif].n_listening : 0;
}

bool proxy_is_querier(const Proxy *p, int vif) {
        return vif >= 0 && vif < PROXY_MAX_VIFS && p->ifaces[vif].used && p->ifaces[vif].querier;
}

bool proxy_group_joined(const Proxy *p, in4_t group) {
        const UpGroup *g = group_find(p, group);
        return g && g->joined;
}

bool proxy_group_has_listener(const Proxy *p, int vif, in4_t group) {
        const Member *m = member_find(p, vif, group);
        return m && m->listening;
}

int proxy_foreach_group(const Proxy *p, ProxyGroupCallback cb, void *userdata) {
        size_t b = 0;
        void *it = NULL, *x;

        while ((x = hash_next(&p->groups, &b, &it))) {
                const UpGroup *g = x;
                ProxyGroupInfo info = {
                        .group = g->group,
                        .joined = g->joined,
                        .allowed = group_upstream_allowed((Proxy *) p, g->group),
                        .out_mask = g->out_mask,
                        .joined_at = g->joined_at,
                        .last_report = g->last_report,
                        .n_routes = g->n_routes,
                };
                int r = cb(&info, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

size_t proxy_group_sources(const Proxy *p, in4_t group, in4_t *ret_sources, size_t max) {
        const UpGroup *g = group_find(p, group);
        size_t n = 0;

        if (!g)
                return 0;
        for (const Route *r = g->routes; r; r = r->next, n++)
                if (n < max)
                        ret_sources[n] = r->source;
        return n;
}

size_t proxy_group_hosts(const Proxy *p, int vif, in4_t group) {
        const Member *m;

        if (vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used)
                return 0;
        m = member_find(p, vif, group);
        if (!m || !m->listening)
                return 0;
        return m->n_hosts > 0 ? m->n_hosts : 1;
}

bool proxy_upstream_querier_seen(const Proxy *p, usec_t now) {
        usec_t window = (usec_t) p->cfg->robustness * p->cfg->query_interval;

        return p->stats.last_upstream_query != 0 && now - p->stats.last_upstream_query <= window;
}

