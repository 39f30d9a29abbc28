/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.c - the RFC 4605 proxy: the merge between the router side on the
 * downstream links and the host side on the upstream link, and the core's
 * entry points (interfaces, received IGMP, timers, shutdown).
 *
 * RFC 4605 4.1: the upstream membership is the merge of the downstream
 * ones (filter modes and source lists, merge() below). A group gets its
 * first listener on some downstream link -> it is joined upstream
 * (upstream.c), its stall watch starts (stall.c) and streams already offered
 * get their routes (routes.c); its merged state changes -> the change is
 * reported (upstream_changed); it loses its last listener -> the routes of
 * its upstream streams go and it is left (routes of senders on downstream
 * links stay: they still go upstream, routes.c). Any change of a link's
 * state moves every route's outputs, per source (RFC 4605 4.2, RFC 3376
 * 6.3).
 *
 * Received IGMP is dispatched here: queries and reports on downstream links
 * to the querier (querier.c) and the membership state (membership.c), queries
 * on the upstream link to upstream.c. Timers are dispatched by kind to their
 * owner. Nothing here does I/O: every action is an Effect (effects.h). The
 * only file above it is reload.c.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Start serving a group upstream: join, watch, forward what was offered. */
void group_start(Proxy *p, UpGroup *g, usec_t now) {
        if (!upstream_join(p, g, now))
                return;
        stall_on_join(p, g, now);
        routes_take_pending(p, g, now);
}

/* Stop serving a group upstream: its routes go, then the leave (send: false
 * when the upstream link is gone and nothing can be sent). */
void group_stop(Proxy *p, UpGroup *g, bool send, usec_t now) {
        routes_drop(p, g);
        upstream_leave(p, g, send, now);
}

/* RFC 4605 4.1 with RFC 3376 3.2's merge: one link in EXCLUDE mode makes
 * the result EXCLUDE, with the sources every EXCLUDE link excludes and no
 * INCLUDE link wants; otherwise INCLUDE with every source some link wants.
 * A link's EXCLUDE state excludes the sources whose timers do not run. A
 * list too long for one report record (SOURCES_MAX, the upstream MTU) falls
 * back to the safe side: INCLUDE becomes EXCLUDE {} (any source). Returns
 * the count written to out (room for SOURCES_MAX). */
static size_t merge(const Proxy *p, const UpGroup *g, uint8_t *ret_mode, in4_t *out) {
        size_t cap = MIN((size_t) SOURCES_MAX, upstream_record_fit(p));
        bool any_exclude = false, first = true;
        size_t n = 0;

        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                const Member *m = (g->out_mask & (1U << v)) ? member_find(p, v, g->group) : NULL;
                if (m && m->mode == IGMP_MODE_IS_EXCLUDE) {
                        size_t w = 0;
                        any_exclude = true;
                        if (first) {
                                for (size_t k = 0; k < m->src.n; k++)
                                        if (m->src.v[k].expires == 0)
                                                out[w++] = m->src.v[k].addr;
                                first = false;
                        } else {
                                for (size_t k = 0; k < n; k++) {
                                        const SrcRec *r = src_find(&m->src, out[k]);
                                        if (r && r->expires == 0)
                                                out[w++] = out[k];
                                }
                        }
                        n = w;
                }
        }
        if (any_exclude) {
                size_t w = 0;
                for (size_t k = 0; k < n; k++) {
                        bool wanted = false;
                        for (int v = 0; v < PROXY_MAX_VIFS && !wanted; v++) {
                                const Member *m = (g->out_mask & (1U << v)) ? member_find(p, v, g->group) : NULL;
                                wanted = m && m->mode == IGMP_MODE_IS_INCLUDE && src_find(&m->src, out[k]);
                        }
                        if (!wanted)
                                out[w++] = out[k];
                }
                *ret_mode = IGMP_MODE_IS_EXCLUDE;
                return MIN(w, cap);
        }
        *ret_mode = IGMP_MODE_IS_INCLUDE;
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                const Member *m = (g->out_mask & (1U << v)) ? member_find(p, v, g->group) : NULL;
                for (size_t k = 0; m && k < m->src.n; k++) {
                        if (in4_set_contains(out, n, m->src.v[k].addr))
                                continue;
                        if (n >= cap) {
                                *ret_mode = IGMP_MODE_IS_EXCLUDE; /* too many: any source */
                                return 0;
                        }
                        out[n++] = m->src.v[k].addr;
                        n = in4_set_normalize(out, n);
                }
        }
        return n;
}

/* membership.c's Proxy.member_changed: the state of group on link i changed. */
static void member_changed(Proxy *p, Iface *i, in4_t group, usec_t now) {
        const Member *m = member_find(p, i->vif, group);
        UpGroup *g = group_get(p, group);
        in4_t merged[SOURCES_MAX], *old_src;
        uint8_t mode, old_mode;
        uint32_t old;
        size_t n, old_n;

        if (!g)
                return;
        old = g->out_mask;
        if (m && m->listening)
                g->out_mask |= 1U << i->vif;
        else
                g->out_mask &= ~(1U << i->vif);

        if (old != 0 && g->out_mask == 0) {
                p->n_listened--;
                group_stop(p, g, true, now);
                free(g->src);
                g->src = NULL;
                g->n_src = 0;
                g->mode = IGMP_MODE_IS_INCLUDE;
                group_maybe_free(p, g);
                return;
        }
        if (g->out_mask == 0) {
                group_maybe_free(p, g);
                return;
        }

        n = merge(p, g, &mode, merged);
        old_mode = g->mode;
        old_src = g->src;
        old_n = g->n_src;
        if (old == 0 || mode != old_mode || !in4_set_equal(merged, n, old_src, old_n)) {
                in4_t *v = n ? malloc(n * sizeof *v) : NULL;
                if (n && !v) {
                        /* cannot keep the list: the safe side, any source */
                        p->stats.alloc_failures++;
                        mode = IGMP_MODE_IS_EXCLUDE;
                        n = 0;
                }
                for (size_t k = 0; k < n; k++)
                        v[k] = merged[k];
                g->src = v;
                g->n_src = (uint16_t) n;
                g->mode = mode;
                if (old == 0) {
                        p->n_listened++;
                        group_start(p, g, now);
                } else
                        upstream_changed(p, g, old_mode, old_src, old_n, now);
                free(old_src);
        }
        routes_update(p, g);
}

Proxy *proxy_new(const Config *cfg, uint64_t seed, usec_t now) {
        Proxy *p = calloc(1, sizeof *p);

        if (!p)
                return NULL;
        p->cfg = cfg;
        p->upstream = -1;
        p->member_changed = member_changed;
        rng_seed(&p->rng, seed);
        for (int k = 0; k < PROXY_MAX_VIFS; k++) {
                p->ifaces[k].vif = k;
                timer_init(&p->ifaces[k].query_timer, TIMER_QUERY);
                timer_init(&p->ifaces[k].other_querier_timer, TIMER_OTHER_QUERIER);
        }
        timer_init(&p->refresh_timer, TIMER_REFRESH);
        timer_init(&p->step_timer, TIMER_REFRESH_STEP);
        timer_init(&p->activity_timer, TIMER_ACTIVITY);
        upstream_init(p);
        /* Reserved now: the proxy's (refresh, refresh step, activity), the
         * upstream host's (answer, compat) and the interfaces' own timers, and
         * a first effect queue; what comes later reserves its own or fails
         * visibly (ProxyStats.alloc_failures, effects_lost). */
        p->effects = malloc(EFFECTS_INITIAL * sizeof *p->effects);
        if (!p->effects || timerq_reserve(&p->timers, 5 + 2 * PROXY_MAX_VIFS) < 0) {
                free(p->effects);
                timerq_done(&p->timers);
                free(p);
                return NULL;
        }
        p->cap_effects = EFFECTS_INITIAL;
        refresh_init(p, now);
        return p;
}

Proxy *proxy_free(Proxy *p) {
        if (!p)
                return NULL;
        /* Unhook every timer before its owner goes. */
        timerq_done(&p->timers);
        /* Free without emitting anything: this is memory, not protocol. */
        members_drain(p);
        groups_drain(p);
        free(p->cycle_groups);
        free(p->effects);
        free(p);
        return NULL;
}

int proxy_vif_by_ifindex(const Proxy *p, int ifindex) {
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                if (p->ifaces[k].used && p->ifaces[k].ifindex == ifindex)
                        return k;
        return -ENOENT;
}

int proxy_add_iface(Proxy *p, int ifindex, const char *name, IfaceRole role, in4_t addr, uint8_t prefixlen,
                    const IfaceConfig *ic, unsigned mtu, usec_t now) {
        Iface *i = NULL;

        p->now = now;
        if (role != ROLE_UPSTREAM && role != ROLE_DOWNSTREAM)
                return -EINVAL;
        if (ifindex <= 0 || prefixlen > 32)
                return -EINVAL;
        if (proxy_vif_by_ifindex(p, ifindex) >= 0)
                return -EEXIST;
        if (role == ROLE_UPSTREAM && p->upstream >= 0)
                return -EBUSY;
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                if (!p->ifaces[k].used) {
                        i = &p->ifaces[k];
                        break;
                }
        if (!i)
                return -ENOSPC;

        i->used = true;
        i->ifindex = ifindex;
        snprintf(i->name, sizeof i->name, "%s", name ? name : "");
        i->role = role;
        i->addr = addr;
        i->prefixlen = prefixlen;
        i->cfg = ic;
        i->n_members = i->n_listening = 0;
        /* known before the upstream's first reports are sized (RFC 3376 4.2.16) */
        i->mtu = mtu >= 68 ? mtu : 1500;
        i->adopted_qrv = 0;
        i->adopted_qqi = 0;
        i->older_querier = 0;
        i->older_until = 0;
        if (role == ROLE_UPSTREAM) {
                p->upstream = i->vif;
                p->up.mtu = i->mtu;
                /* Groups that already have listeners get joined now. */
                size_t b = 0;
                void *it = NULL;
                UpGroup *g;
                while ((g = hash_next(&p->groups, &b, &it)))
                        if (g->out_mask)
                                group_start(p, g, now);
                routes_recompute(p); /* downstream senders' routes go upstream too */
        } else
                querier_start(p, i, now);
        return i->vif;
}

int proxy_remove_iface(Proxy *p, int vif, usec_t now) {
        Iface *i;

        if (vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used)
                return -ENOENT;
        i = &p->ifaces[vif];
        if (i->role == ROLE_DOWNSTREAM) {
                querier_stop(p, i);
                member_drop_iface(p, i, now);
        } else {
                /* Upstream gone: nothing can be sent there; routes go, the
                 * downstream state stays so the groups rejoin when it is back. */
                size_t b = 0;
                void *it = NULL;
                UpGroup *g;
                while ((g = hash_next(&p->groups, &b, &it)))
                        group_stop(p, g, false, now);
                p->upstream = -1;
        }
        i->used = false;
        i->cfg = NULL;
        routes_iface_gone(p, vif);
        /* A group whose leave was still being repeated when the upstream
         * went holds nothing now (the repeats stopped): it goes. */
        groups_free_idle(p);
        return 0;
}

int proxy_set_iface_mtu(Proxy *p, int vif, unsigned mtu) {
        if (vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used)
                return -ENOENT;
        if (mtu < 68) /* RFC 791: every IPv4 link carries 68 octets */
                return -EINVAL;
        p->ifaces[vif].mtu = mtu;
        if (vif == p->upstream)
                p->up.mtu = mtu;
        return 0;
}

int proxy_set_iface_address(Proxy *p, int vif, in4_t addr, uint8_t prefixlen) {
        if (vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used || prefixlen > 32)
                return -ENOENT;
        p->ifaces[vif].addr = addr;
        p->ifaces[vif].prefixlen = prefixlen;
        return 0;
}

static bool is_own_address(const Proxy *p, in4_t a) {
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                if (p->ifaces[k].used && p->ifaces[k].addr == a && a != 0)
                        return true;
        return false;
}

static bool source_on_link(const Iface *i, in4_t src) {
        /* RFC 3376 4.2.13: reports from 0.0.0.0 are accepted. */
        if (src == 0 || i->prefixlen == 0)
                return true;
        return (src & prefix_mask(i->prefixlen)) == (i->addr & prefix_mask(i->prefixlen));
}

static bool downstream_group_ok(Proxy *p, Iface *i, in4_t group) {
        if (in4_is_link_local_multicast(group) || !in4_is_multicast(group))
                return false;
        return !i->cfg || config_group_allowed(i->cfg, group);
}

static void handle_v3_report(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now) {
        size_t cursor = 0;
        IgmpRecord rec;

        while (igmp_record_next(m, &cursor, &rec) > 0) {
                _cleanup_(freep) in4_t *sources = NULL;

                if (rec.type < IGMP_MODE_IS_INCLUDE || rec.type > IGMP_BLOCK_OLD_SOURCES) {
                        /* RFC 3376 4.2.12: skip the record, keep the others */
                        p->stats.records_unknown++;
                        continue;
                }
                if (!downstream_group_ok(p, i, rec.group)) {
                        p->stats.igmp_ignored++;
                        continue;
                }
                if (rec.n_sources > 0) {
                        sources = malloc(rec.n_sources * sizeof *sources);
                        if (!sources) {
                                p->stats.alloc_failures++;
                                continue;
                        }
                        for (uint16_t k = 0; k < rec.n_sources; k++)
                                sources[k] = igmp_record_source(&rec, k);
                }
                member_on_record(p, i, src, rec.group, 3, rec.type, sources, rec.n_sources, now);
        }
}

/* RFC 2236 2 / RFC 3376 4: every IGMP message is sent with IP TTL 1 and the
 * Router Alert option; RFC 3376 9.1 lists what forged queries do (take the
 * querier role, silence a refresh, drag hosts to an older version). So a
 * query counts for the querier election and as the upstream querier only
 * when it carries Router Alert (v1 queries excepted: RFC 1112 predates the
 * option) and comes from the link's subnet (or 0.0.0.0, which takes part in
 * no election). Anything else is counted and otherwise ignored. */
static bool query_valid(Proxy *p, const Iface *i, const IpInfo *ip, const IgmpMessage *m) {
        if (m->version >= 2 && !ip->router_alert) {
                p->stats.queries_no_router_alert++;
                return false;
        }
        if (!source_on_link(i, ip->src)) {
                p->stats.queries_bad_source++;
                return false;
        }
        return true;
}

void proxy_handle_igmp(Proxy *p, int ifindex, const IpInfo *ip, const IgmpMessage *m, usec_t now) {
        int vif = proxy_vif_by_ifindex(p, ifindex);
        Iface *i;

        p->now = now;
        p->stats.igmp_received++;
        if (p->shut_down || vif < 0 || is_own_address(p, ip->src)) {
                p->stats.igmp_ignored++;
                return;
        }
        i = &p->ifaces[vif];
        if (ip->ttl != 1) {
                /* RFC 2236 2, RFC 3376 4: IP TTL 1; anything else crossed a
                 * router or was forged. */
                p->stats.igmp_bad_ttl++;
                return;
        }
        if (m->type == IGMP_TYPE_QUERY && !query_valid(p, i, ip, m))
                return;

        if (i->role == ROLE_UPSTREAM) {
                /* Upstream we are a host: only queries concern us. */
                if (m->type == IGMP_TYPE_QUERY)
                        upstream_on_query(p, ip->src, m, now);
                else
                        p->stats.igmp_ignored++;
                return;
        }

        if (m->type == IGMP_TYPE_QUERY) {
                querier_on_query(p, i, ip->src, m, now);
                /* RFC 2236 3 / RFC 3376 6.6.1: a non-querier lowers the
                 * group's timer (group-and-source-specific: the sources'
                 * timers) on a query from the querier, unless its S flag
                 * says not to (4.1.5). */
                if (m->group != 0 && !i->querier && !m->s_flag) {
                        _cleanup_(freep) in4_t *sources = m->n_sources ? malloc(m->n_sources * sizeof *sources) : NULL;
                        if (m->n_sources && !sources) {
                                p->stats.alloc_failures++;
                                return;
                        }
                        for (uint16_t k = 0; k < m->n_sources; k++)
                                sources[k] = igmp_query_source(m, k);
                        member_on_group_query(p, i, m->group, m->max_resp_usec, sources, m->n_sources, now);
                }
                return;
        }
        if (!source_on_link(i, ip->src)) {
                p->stats.igmp_bad_source++;
                return;
        }
        /* Reports without Router Alert: the Linux kernel always sets it, some
         * set-top box stacks may not; counted, and accepted unless
         * AcceptReportsWithoutRouterAlert=no. */
        if (!ip->router_alert) {
                p->stats.reports_no_router_alert++;
                if (!p->cfg->accept_reports_without_ra)
                        return;
        }
        switch (m->type) {
        case IGMP_TYPE_V1_REPORT:
        case IGMP_TYPE_V2_REPORT:
                if (!downstream_group_ok(p, i, m->group)) {
                        p->stats.igmp_ignored++;
                        return;
                }
                member_on_record(p, i, ip->src, m->group, m->type == IGMP_TYPE_V1_REPORT ? 1 : 2,
                                 IGMP_MODE_IS_EXCLUDE, NULL, 0, now);
                break;
        case IGMP_TYPE_V2_LEAVE:
                if (!downstream_group_ok(p, i, m->group)) {
                        p->stats.igmp_ignored++;
                        return;
                }
                member_on_leave(p, i, ip->src, m->group, now);
                break;
        case IGMP_TYPE_V3_REPORT:
                handle_v3_report(p, i, ip->src, m, now);
                break;
        default:
                p->stats.igmp_ignored++;
        }
}

void proxy_run_timers(Proxy *p, usec_t now) {
        Timer *t;

        p->now = now;
        /* Bounded: a timer re-armed at or before 'now' cannot spin forever. */
        for (size_t guard = 0; guard < 1000000 && (t = timerq_pop_due(&p->timers, now)); guard++) {
                switch (t->kind) {
                case TIMER_QUERY:
                case TIMER_OTHER_QUERIER:
                        querier_timer(p, t, now);
                        break;
                case TIMER_MEMBER:
                case TIMER_MEMBER_LMQ:
                case TIMER_MEMBER_SOURCE:
                        member_timer(p, t, now);
                        break;
                case TIMER_JOIN_REPEAT:
                case TIMER_RESPONSE:
                case TIMER_UP_ANSWER:
                case TIMER_UP_COMPAT:
                        upstream_timer(p, t, now);
                        break;
                case TIMER_GROUP_REFRESH:
                        refresh_group_due(p, container_of(t, UpGroup, refresh_timer), now);
                        break;
                case TIMER_REFRESH:
                        refresh_timer(p, t, now);
                        break;
                case TIMER_REFRESH_STEP:
                        refresh_step(p, now);
                        break;
                case TIMER_ACTIVITY:
                        activity_timer(p, now);
                        break;
                }
        }
}

usec_t proxy_next_deadline(const Proxy *p) {
        return p->shut_down ? USEC_INFINITY : timerq_next(&p->timers);
}

bool proxy_overdue(const Proxy *p, usec_t now) {
        usec_t grace = MAX(p->cfg->refresh_interval, USEC_PER_SEC);
        usec_t next = timerq_next(&p->timers);

        if (p->shut_down)
                return false;
        if (next != USEC_INFINITY && now > next + grace)
                return true;
        return p->cfg->refresh != REFRESH_NO && !timer_armed(&p->refresh_timer);
}

void proxy_shutdown(Proxy *p, usec_t now) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        if (p->shut_down)
                return;
        routes_remove_all(p);
        while ((g = hash_next(&p->groups, &b, &it)))
                group_stop(p, g, true, now);
        /* Inert from now on: no timer of any kind may fire again. */
        timerq_done(&p->timers);
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                p->ifaces[k].querier = false;
        p->shut_down = true;
}

