/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * views.c - read-only views of the core's state for the glue (status line,
 * D-Bus properties, ListGroups, Describe) and the tests. Nothing here
 * changes the Proxy or emits an effect.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>

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
        const UpstreamHost *u = &p->up;
        usec_t rv = u->qrv ? u->qrv : p->cfg->robustness;
        usec_t qi = u->qqi ? u->qqi : p->cfg->query_interval;

        return u->last_heard != 0 && now - u->last_heard <= rv * qi;
}

void proxy_upstream_querier(const Proxy *p, usec_t now, ProxyUpstreamQuerier *ret) {
        const UpstreamHost *u = &p->up;

        *ret = (ProxyUpstreamQuerier) {
                .address = u->querier,
                .version = u->version,
                .qrv = u->qrv,
                .qqi = u->qqi,
                .max_resp = u->max_resp,
                .last_heard = u->last_heard,
                .v1_until = u->v1_until > now ? u->v1_until : 0,
                .v2_until = u->v2_until > now ? u->v2_until : 0,
                .report_version = u->report_version,
        };
}


int proxy_foreach_member(const Proxy *p, in4_t group, usec_t now, ProxyMemberCallback cb, void *userdata) {
        size_t b = 0;
        void *it = NULL, *x;

        /* Ordered by vif within a group: walk the groups, then the vifs. */
        while ((x = hash_next(&p->groups, &b, &it))) {
                const UpGroup *g = x;
                if (group != 0 && g->group != group)
                        continue;
                for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                        const Member *m = p->ifaces[v].used ? member_find(p, v, g->group) : NULL;
                        _cleanup_(freep) ProxySourceInfo *src = NULL;
                        if (!m)
                                continue;
                        if (m->src.n > 0) {
                                src = calloc(m->src.n, sizeof *src);
                                if (!src)
                                        return -ENOMEM;
                        }
                        for (size_t k = 0; k < m->src.n; k++)
                                src[k] = (ProxySourceInfo) {
                                        .source = m->src.v[k].addr,
                                        .expires = m->src.v[k].expires,
                                        .forwarded = m->listening && (m->mode == IGMP_MODE_IS_INCLUDE ||
                                                                      m->src.v[k].expires != 0),
                                };
                        ProxyMemberInfo info = {
                                .vif = v,
                                .group = m->group,
                                .filter_mode = m->mode,
                                .expires = m->mode == IGMP_MODE_IS_EXCLUDE && timer_armed(&m->timer) ? m->timer.when
                                                                                                     : 0,
                                .compat_version = m->v1_until > now ? 1 : m->v2_until > now ? 2 : 3,
                                .listening = m->listening,
                                .n_hosts = m->n_hosts,
                                .untracked = m->untracked_until > now,
                                .n_sources = m->src.n,
                                .sources = src,
                        };
                        int r = cb(&info, userdata);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int proxy_group_upstream_state(const Proxy *p, in4_t group, uint8_t *ret_mode, in4_t *ret_sources, size_t max) {
        const UpGroup *g = group_find(p, group);

        if (!g)
                return -ENOENT;
        if (ret_mode)
                *ret_mode = g->mode;
        for (size_t k = 0; k < g->n_src && k < max; k++)
                ret_sources[k] = g->src[k];
        return (int) g->n_src;
}
