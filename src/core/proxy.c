/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.c - the RFC 4605 proxy: the merge between the router side on the
 * downstream links and the host side on the upstream link, and the core's
 * entry points (interfaces, received IGMP, timers, shutdown).
 *
 * RFC 4605 4.1: the upstream membership is the union of the downstream ones.
 * A group gets its first listener on some downstream link -> it is joined
 * upstream (upstream.c), its stall watch starts (stall.c) and streams already
 * offered get their routes (routes.c); it loses its last listener -> routes
 * go and it is left. Any change of the listening links moves every route's
 * outputs (RFC 4605 4.2).
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

/* membership.c's ListeningChangedFn: interface i gained or lost its
 * listening state for group. */
static void listening_changed(Proxy *p, Iface *i, in4_t group, bool listening, usec_t now) {
        UpGroup *g = group_get(p, group);
        uint32_t old;

        if (!g)
                return;
        old = g->out_mask;
        if (listening)
                g->out_mask |= 1U << i->vif;
        else
                g->out_mask &= ~(1U << i->vif);
        if (old == g->out_mask)
                return;

        if (old == 0) {
                p->n_listened++;
                group_start(p, g, now);
        } else if (g->out_mask == 0) {
                p->n_listened--;
                group_stop(p, g, true, now);
                group_maybe_free(p, g);
                return;
        }
        routes_update(p, g);
}

Proxy *proxy_new(const Config *cfg, uint64_t seed, usec_t now) {
        Proxy *p = calloc(1, sizeof *p);

        if (!p)
                return NULL;
        p->cfg = cfg;
        p->upstream = -1;
        p->listening_changed = listening_changed;
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
                    const IfaceConfig *ic, usec_t now) {
        Iface *i = NULL;

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
        if (role == ROLE_UPSTREAM) {
                p->upstream = i->vif;
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
                member_drop_iface(p, i);
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
        return 0;
}

int proxy_set_iface_mtu(Proxy *p, int vif, unsigned mtu) {
        if (vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used)
                return -ENOENT;
        if (mtu < 68) /* RFC 791: every IPv4 link carries 68 octets */
                return -EINVAL;
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

        /* Source lists are not tracked (see igmpproxy.conf(5)): anything that
         * asks for traffic joins the whole group, an empty include leaves. */
        while (igmp_record_next(m, &cursor, &rec) > 0) {
                bool join;

                if (!downstream_group_ok(p, i, rec.group)) {
                        p->stats.igmp_ignored++;
                        continue;
                }
                switch (rec.type) {
                case IGMP_MODE_IS_EXCLUDE:
                case IGMP_CHANGE_TO_EXCLUDE:
                        join = true;
                        break;
                case IGMP_MODE_IS_INCLUDE:
                case IGMP_CHANGE_TO_INCLUDE:
                        join = rec.n_sources > 0;
                        break;
                case IGMP_ALLOW_NEW_SOURCES:
                        if (rec.n_sources == 0)
                                continue;
                        join = true;
                        break;
                default: /* BLOCK_OLD_SOURCES: ignored */
                        continue;
                }
                if (join)
                        member_on_report(p, i, src, rec.group, 3, now);
                else
                        member_on_leave(p, i, src, rec.group, 3, now);
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
                 * group's timer on a group-specific query from the querier. */
                if (m->group != 0 && !i->querier)
                        member_on_group_query(p, i, m->group, m->max_resp_usec, now);
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
                member_on_report(p, i, ip->src, m->group, m->type == IGMP_TYPE_V1_REPORT ? 1 : 2, now);
                break;
        case IGMP_TYPE_V2_LEAVE:
                if (!downstream_group_ok(p, i, m->group)) {
                        p->stats.igmp_ignored++;
                        return;
                }
                member_on_leave(p, i, ip->src, m->group, 2, now);
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
        /* Bounded: a timer re-armed at or before 'now' cannot spin forever. */
        for (size_t guard = 0; guard < 1000000 && (t = timerq_pop_due(&p->timers, now)); guard++) {
                switch (t->kind) {
                case TIMER_QUERY:
                case TIMER_OTHER_QUERIER:
                        querier_timer(p, t, now);
                        break;
                case TIMER_MEMBER:
                case TIMER_MEMBER_LMQ:
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

