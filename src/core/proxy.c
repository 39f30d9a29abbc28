/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.c - the RFC 4605 proxy core: interfaces, the upstream membership,
 * forwarding routes and the Movistar+ refresh cycle.
 *
 * RFC 4605 4.1: the upstream membership is the union of the downstream ones.
 * A group gets listeners on some downstream link -> this proxy reports it
 * upstream at once (in Config.report_version, whatever the kernel would use)
 * and repeats the report [Robustness - 1] times; it loses them all -> it
 * leaves. RFC 4605 4.2: packets from upstream are forwarded to the links with
 * listeners; the kernel asks (IGMPMSG_NOCACHE) and we answer with an MFC
 * entry when the source is on the upstream subnet or an altnet.
 *
 * The refresh cycle: the Movistar+ upstream router never queries and forgets
 * a group 260 s after the last report, so every IntervalSec this core reports
 * every joined group with listeners again, spread over SpreadSec so a cycle
 * is not one burst. In auto mode a cycle is skipped while an upstream querier
 * has been heard within Robustness x QueryInterval.
 *
 * Nothing here does I/O: every action is an Effect (effects.h).
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>

/* ---- effects ---------------------------------------------------------- */

Effect *effect_push(Proxy *p, EffectType type) {
        if (p->n_effects == p->cap_effects) {
                size_t cap = p->cap_effects ? p->cap_effects * 2 : 64;
                Effect *e = realloc(p->effects, cap * sizeof *e);
                if (!e)
                        return NULL;
                p->effects = e;
                p->cap_effects = cap;
        }
        p->effects[p->n_effects] = (Effect) { .type = type, .vif = -1 };
        return &p->effects[p->n_effects++];
}

void event_push(Proxy *p, EventType ev, int vif, in4_t group, in4_t source, uint64_t count) {
        Effect *e = effect_push(p, EFFECT_EVENT);

        if (!e)
                return;
        e->event = ev;
        e->vif = vif;
        e->group = group;
        e->source = source;
        e->count = count;
}

const Effect *proxy_effect(const Proxy *p, size_t i) {
        return i < p->n_effects ? &p->effects[i] : NULL;
}

size_t proxy_n_effects(const Proxy *p) {
        return p->n_effects;
}

void proxy_effects_clear(Proxy *p) {
        p->n_effects = 0;
}

static const char *const effect_names[_EFFECT_TYPE_MAX] = {
        [EFFECT_SEND_QUERY] = "send-query",   [EFFECT_SEND_REPORT] = "send-report",
        [EFFECT_SEND_LEAVE] = "send-leave",   [EFFECT_MFC_SET] = "mfc-set",
        [EFFECT_MFC_DEL] = "mfc-del",         [EFFECT_MFC_POLL] = "mfc-poll",
        [EFFECT_GROUP_POLL] = "group-poll",  [EFFECT_EVENT] = "event",
};

static const char *const event_names[_EVENT_TYPE_MAX] = {
        [EVENT_MEMBER_JOINED] = "member-joined",       [EVENT_MEMBER_LEFT] = "member-left",
        [EVENT_UPSTREAM_JOINED] = "upstream-joined",   [EVENT_UPSTREAM_LEFT] = "upstream-left",
        [EVENT_REFRESH_CYCLE] = "refresh-cycle",       [EVENT_REFRESH_SKIPPED] = "refresh-skipped",
        [EVENT_ROUTE_ADDED] = "route-added",           [EVENT_ROUTE_REMOVED] = "route-removed",
        [EVENT_ROUTE_REJECTED] = "route-rejected",     [EVENT_QUERIER_LOST] = "querier-lost",
        [EVENT_QUERIER_RESUMED] = "querier-resumed",   [EVENT_GROUP_LIMIT] = "group-limit",
        [EVENT_UPSTREAM_QUERY] = "upstream-query",     [EVENT_STREAM_STALLED] = "stream-stalled",
};

static const char *const leave_reason_names[_LEAVE_REASON_MAX] = {
        [LEAVE_REASON_QUICKLEAVE] = "quickleave",
        [LEAVE_REASON_TIMEOUT] = "timeout",
        [LEAVE_REASON_QUERY] = "no answer to group-specific query",
        [LEAVE_REASON_INTERFACE] = "interface removed",
        [LEAVE_REASON_FILTER] = "filtered by the new configuration",
};

const char *effect_type_to_string(EffectType t) {
        return t < _EFFECT_TYPE_MAX ? effect_names[t] : NULL;
}

const char *event_type_to_string(EventType t) {
        return t < _EVENT_TYPE_MAX ? event_names[t] : NULL;
}

const char *leave_reason_to_string(EventLeaveReason r) {
        return r < _LEAVE_REASON_MAX ? leave_reason_names[r] : NULL;
}

usec_t proxy_gmi(const Proxy *p) {
        return (usec_t) p->cfg->robustness * p->cfg->query_interval + p->cfg->query_response_interval;
}

/* RFC 3376 8.5: Robustness x Query Interval + Query Response Interval / 2. */
usec_t proxy_oqpi(const Proxy *p) {
        return (usec_t) p->cfg->robustness * p->cfg->query_interval + p->cfg->query_response_interval / 2;
}

/* ---- upstream groups ------------------------------------------------------- */

static uint64_t group_key_of(const void *item) {
        return ((const UpGroup *) item)->group;
}

static UpGroup *group_find(const Proxy *p, in4_t group) {
        return hash_get(&p->groups, group, group_key_of);
}

static UpGroup *group_get(Proxy *p, in4_t group) {
        UpGroup *g = group_find(p, group);

        if (g)
                return g;
        g = calloc(1, sizeof *g);
        if (!g)
                return NULL;
        g->group = group;
        timer_init(&g->repeat_timer, TIMER_JOIN_REPEAT);
        timer_init(&g->response_timer, TIMER_RESPONSE);
        if (hash_put(&p->groups, g, group, group_key_of) < 0) {
                free(g);
                return NULL;
        }
        return g;
}

static Iface *upstream_iface(Proxy *p) {
        return p->upstream >= 0 ? &p->ifaces[p->upstream] : NULL;
}

/* May this group be reported upstream at all? */
static bool group_upstream_allowed(Proxy *p, in4_t group) {
        Iface *up = upstream_iface(p);

        if (!up || in4_is_link_local_multicast(group))
                return false;
        return !up->cfg || config_group_allowed(up->cfg, group);
}

static void send_upstream(Proxy *p, EffectType type, in4_t group) {
        Effect *e = effect_push(p, type);

        if (!e)
                return;
        e->vif = p->upstream;
        e->group = group;
        e->version = (uint8_t) p->cfg->report_version;
        if (type == EFFECT_SEND_REPORT)
                p->stats.reports_sent++;
        else
                p->stats.leaves_sent++;
}

static void group_report(Proxy *p, UpGroup *g, usec_t now) {
        send_upstream(p, EFFECT_SEND_REPORT, g->group);
        g->last_report = now;
}

static void route_free(Proxy *p, UpGroup *g, Route *r, bool tell_kernel) {
        Route **pp;

        for (pp = &g->routes; *pp; pp = &(*pp)->next)
                if (*pp == r) {
                        *pp = r->next;
                        break;
                }
        g->n_routes--;
        timerq_disarm(&p->timers, &r->timer);
        if (tell_kernel) {
                Effect *e = effect_push(p, EFFECT_MFC_DEL);
                if (e) {
                        e->vif = p->upstream;
                        e->source = r->source;
                        e->group = g->group;
                }
                event_push(p, EVENT_ROUTE_REMOVED, p->upstream, g->group, r->source, 0);
        }
        free(r);
}

static void route_push_set(Proxy *p, UpGroup *g, Route *r) {
        Effect *e = effect_push(p, EFFECT_MFC_SET);

        if (!e)
                return;
        e->vif = p->upstream;
        e->source = r->source;
        e->group = g->group;
        e->out_mask = g->out_mask;
}

static bool source_allowed(Proxy *p, in4_t source) {
        Iface *up = upstream_iface(p);

        if (!up)
                return false;
        if (up->prefixlen > 0 && (source & prefix_mask(up->prefixlen)) == (up->addr & prefix_mask(up->prefixlen)))
                return true;
        if (up->cfg)
                for (size_t k = 0; k < up->cfg->n_altnets; k++)
                        if (prefix_contains(&up->cfg->altnets[k], source))
                                return true;
        return false;
}

static void route_add(Proxy *p, UpGroup *g, in4_t source, usec_t now) {
        Route *r;

        for (r = g->routes; r; r = r->next)
                if (r->source == source) {
                        route_push_set(p, g, r); /* the kernel asked again: it lost it */
                        return;
                }
        r = calloc(1, sizeof *r);
        if (!r)
                return;
        r->source = source;
        r->group = g->group;
        timer_init(&r->timer, TIMER_ROUTE_IDLE);
        r->next = g->routes;
        g->routes = r;
        g->n_routes++;
        route_push_set(p, g, r);
        timerq_arm(&p->timers, &r->timer, now + p->cfg->source_idle_timeout);
        p->stats.routes_added++;
        event_push(p, EVENT_ROUTE_ADDED, p->upstream, g->group, source, g->out_mask);
}

static void group_maybe_free(Proxy *p, UpGroup *g) {
        if (g->out_mask != 0 || g->joined || g->routes)
                return;
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        hash_remove(&p->groups, g, g->group);
        free(g);
}

/* How often the stall watch looks. The counters only say "something came
 * since the last look", so silence is measured from the first look that saw
 * no change's predecessor: a stall is declared between StallTimeoutSec and
 * StallTimeoutSec + 2 ticks after the last packet. A quarter of the timeout,
 * between 250 ms and 300 ms, keeps that within StallTimeoutSec + 0.6 s, so the
 * stream is back within StallTimeoutSec + 1 s. The watch runs only while some
 * group is joined. */
static usec_t stall_tick(const Proxy *p) {
        return MIN(MAX(p->cfg->stall_timeout / 4, 250 * USEC_PER_MSEC), 300 * USEC_PER_MSEC);
}

static void group_join_upstream(Proxy *p, UpGroup *g, usec_t now) {
        if (g->joined || !group_upstream_allowed(p, g->group))
                return;
        g->joined = true;
        g->joined_at = now;
        p->n_joined++;
        g->stall_polled = false;
        g->stall_wait = p->cfg->stall_timeout;
        if (p->cfg->stall_timeout > 0 && !timer_armed(&p->stall_timer))
                timerq_arm(&p->timers, &p->stall_timer, now + stall_tick(p));
        group_report(p, g, now);
        event_push(p, EVENT_UPSTREAM_JOINED, p->upstream, g->group, 0, p->cfg->report_version);
        /* RFC 2236 3 / RFC 3376 5.1: repeat the unsolicited report in case
         * the first one is lost; one second apart (the IGMPv3 default). */
        g->repeats_left = p->cfg->robustness > 1 ? p->cfg->robustness - 1 : 0;
        if (g->repeats_left > 0)
                timerq_arm(&p->timers, &g->repeat_timer, now + USEC_PER_SEC);

        /* Streams the kernel already offered before anyone listened. */
        for (size_t k = 0; k < PENDING_SOURCES; k++) {
                PendingSource *ps = &p->pending[k];
                if (ps->group == g->group && ps->source != 0 && now - ps->seen < 10 * USEC_PER_SEC) {
                        route_add(p, g, ps->source, now);
                        ps->source = ps->group = 0;
                }
        }
}

static void group_leave_upstream(Proxy *p, UpGroup *g, bool send) {
        while (g->routes)
                route_free(p, g, g->routes, true);
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        if (!g->joined)
                return;
        g->joined = false;
        p->n_joined--;
        if (send)
                send_upstream(p, EFFECT_SEND_LEAVE, g->group);
        event_push(p, EVENT_UPSTREAM_LEFT, p->upstream, g->group, 0, 0);
}

void proxy_listening_changed(Proxy *p, Iface *i, in4_t group, bool listening, usec_t now) {
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
                group_join_upstream(p, g, now);
        } else if (g->out_mask == 0) {
                p->n_listened--;
                group_leave_upstream(p, g, true);
                group_maybe_free(p, g);
                return;
        }
        /* Output interfaces changed: every route follows (RFC 4605 4.2). */
        for (Route *r = g->routes; r; r = r->next)
                route_push_set(p, g, r);
}

/* ---- interfaces ------------------------------------------------------------ */

Proxy *proxy_new(const Config *cfg, uint64_t seed, usec_t now) {
        Proxy *p = calloc(1, sizeof *p);

        if (!p)
                return NULL;
        p->cfg = cfg;
        p->upstream = -1;
        rng_seed(&p->rng, seed);
        for (int k = 0; k < PROXY_MAX_VIFS; k++) {
                p->ifaces[k].vif = k;
                timer_init(&p->ifaces[k].query_timer, TIMER_QUERY);
                timer_init(&p->ifaces[k].other_querier_timer, TIMER_OTHER_QUERIER);
        }
        timer_init(&p->refresh_timer, TIMER_REFRESH);
        timer_init(&p->step_timer, TIMER_REFRESH_STEP);
        timer_init(&p->stall_timer, TIMER_STALL);
        if (cfg->refresh != REFRESH_NO)
                timerq_arm(&p->timers, &p->refresh_timer, now + cfg->refresh_initial_delay);
        return p;
}

static void member_free_memory(void *item) {
        Member *m = item;

        free(m->hosts);
        free(m);
}

static void group_free_memory(void *item) {
        UpGroup *g = item;

        while (g->routes) {
                Route *r = g->routes;
                g->routes = r->next;
                free(r);
        }
        free(g);
}

Proxy *proxy_free(Proxy *p) {
        if (!p)
                return NULL;
        /* Unhook every timer before its owner goes. */
        timerq_done(&p->timers);
        /* Free without emitting anything: this is memory, not protocol. */
        hash_drain(&p->members, member_free_memory);
        hash_drain(&p->groups, group_free_memory);
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
                                group_join_upstream(p, g, now);
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
                        group_leave_upstream(p, g, false);
                p->upstream = -1;
        }
        i->used = false;
        i->cfg = NULL;
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

/* ---- upstream queries ------------------------------------------------------- */

static void upstream_on_query(Proxy *p, const IgmpMessage *m, usec_t now) {
        usec_t max_resp = m->max_resp_usec ? m->max_resp_usec : 10 * USEC_PER_SEC;
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        p->stats.upstream_queries++;
        p->stats.last_upstream_query = now;
        event_push(p, EVENT_UPSTREAM_QUERY, p->upstream, m->group, 0, m->version);

        /* RFC 2236 3 / RFC 3376 5.2: answer each group after a random delay
         * within Max Resp Time; an earlier pending answer stays. */
        if (m->group != 0) {
                g = group_find(p, m->group);
                if (g && g->joined) {
                        usec_t t = now + rng_below(&p->rng, max_resp);
                        if (!timer_armed(&g->response_timer) || g->response_timer.when > t)
                                timerq_arm(&p->timers, &g->response_timer, t);
                }
                return;
        }
        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined) {
                        usec_t t = now + rng_below(&p->rng, max_resp);
                        if (!timer_armed(&g->response_timer) || g->response_timer.when > t)
                                timerq_arm(&p->timers, &g->response_timer, t);
                }
}

/* ---- input ------------------------------------------------------------------ */

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

void proxy_handle_igmp(Proxy *p, int ifindex, const IpInfo *ip, const IgmpMessage *m, usec_t now) {
        int vif = proxy_vif_by_ifindex(p, ifindex);
        Iface *i;

        p->stats.igmp_received++;
        if (p->shut_down || vif < 0 || is_own_address(p, ip->src)) {
                p->stats.igmp_ignored++;
                return;
        }
        i = &p->ifaces[vif];

        if (i->role == ROLE_UPSTREAM) {
                /* Upstream we are a host: only queries concern us. */
                if (m->type == IGMP_TYPE_QUERY)
                        upstream_on_query(p, m, now);
                else
                        p->stats.igmp_ignored++;
                return;
        }

        if (m->type == IGMP_TYPE_QUERY) {
                querier_on_query(p, i, ip->src, m, now);
                return;
        }
        if (!source_on_link(i, ip->src)) {
                p->stats.igmp_bad_source++;
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

void proxy_handle_nocache(Proxy *p, int vif, in4_t source, in4_t group, usec_t now) {
        UpGroup *g;

        if (p->shut_down || vif < 0 || vif != p->upstream)
                return; /* only upstream traffic is forwarded (RFC 4605 4.2) */
        if (!source_allowed(p, source)) {
                p->stats.routes_rejected++;
                event_push(p, EVENT_ROUTE_REJECTED, vif, group, source, 0);
                return;
        }
        g = group_find(p, group);
        if (!g || g->out_mask == 0 || !g->joined) {
                PendingSource *ps = &p->pending[p->pending_next];
                *ps = (PendingSource) { .source = source, .group = group, .seen = now };
                p->pending_next = (p->pending_next + 1) % PENDING_SOURCES;
                return;
        }
        route_add(p, g, source, now);
}

void proxy_route_activity(Proxy *p, in4_t source, in4_t group, bool ok, uint64_t packets, usec_t now) {
        UpGroup *g = group_find(p, group);
        Route *r = NULL;

        if (g)
                for (r = g->routes; r && r->source != source; r = r->next)
                        ;
        if (!r)
                return;
        if (ok && (!r->polled_once || packets != r->last_packets)) {
                r->last_packets = packets;
                r->polled_once = true;
                timerq_arm(&p->timers, &r->timer, now + p->cfg->source_idle_timeout);
                return;
        }
        /* No packet since the last look (or the kernel lost it): the stream
         * stopped; if it comes back the kernel asks again. */
        route_free(p, g, r, true);
        group_maybe_free(p, g);
}

/* ---- stall watch -------------------------------------------------------------- */

static void stall_timer_fired(Proxy *p, usec_t now) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        if (p->cfg->stall_timeout == 0 || p->n_joined == 0)
                return; /* re-armed by the next join */
        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined && g->out_mask) {
                        Effect *e = effect_push(p, EFFECT_GROUP_POLL);
                        if (e) {
                                e->vif = p->upstream;
                                e->group = g->group;
                        }
                }
        timerq_arm(&p->timers, &p->stall_timer, now + stall_tick(p));
}

void proxy_group_activity(Proxy *p, in4_t group, uint64_t packets, usec_t now) {
        usec_t timeout = p->cfg->stall_timeout;
        UpGroup *g = group_find(p, group);

        if (!g || !g->joined || g->out_mask == 0 || timeout == 0 || p->shut_down)
                return;
        if (!g->stall_polled || packets != g->stall_packets) {
                g->stall_polled = true;
                g->stall_packets = packets;
                g->stall_since = now;
                g->stall_wait = timeout;
                return;
        }
        if (now - g->stall_since < g->stall_wait)
                return;
        /* Silent for StallTimeoutSec: the upstream may have lost the
         * membership on its own. Report at once; if the group stays silent
         * (a channel off the air), wait twice as long each time, up to a
         * minute, rather than report it every few seconds forever. */
        group_report(p, g, now);
        p->stats.stream_stalls++;
        event_push(p, EVENT_STREAM_STALLED, p->upstream, g->group, 0, p->stats.stream_stalls);
        g->stall_since = now;
        g->stall_wait = MIN(2 * g->stall_wait, MAX(timeout, 60 * USEC_PER_SEC));
}

/* ---- refresh ----------------------------------------------------------------- */

#define REFRESH_STEP_USEC (10 * USEC_PER_MSEC)

static bool refresh_wanted(const Proxy *p, usec_t now) {
        switch (p->cfg->refresh) {
        case REFRESH_YES:
                return true;
        case REFRESH_AUTO: {
                usec_t window = (usec_t) p->cfg->robustness * p->cfg->query_interval;
                return p->stats.last_upstream_query == 0 || now - p->stats.last_upstream_query > window;
        }
        default:
                return false;
        }
}

static void refresh_finish(Proxy *p, usec_t now) {
        p->stats.refresh_cycles++;
        p->stats.last_refresh = now;
        event_push(p, EVENT_REFRESH_CYCLE, p->upstream, 0, 0, p->cycle_sent);
        p->cycle_n = p->cycle_pos = 0;
}

static void refresh_step(Proxy *p, usec_t now) {
        size_t end = MIN(p->cycle_n, p->cycle_pos + p->cycle_per_step);

        for (; p->cycle_pos < end; p->cycle_pos++) {
                UpGroup *g = group_find(p, p->cycle_groups[p->cycle_pos]);
                /* Re-check: a group may have gone since the cycle began. */
                if (!g || !g->joined || g->out_mask == 0 || !group_upstream_allowed(p, g->group))
                        continue;
                group_report(p, g, now);
                p->cycle_sent++;
                p->stats.refresh_reports++;
        }
        if (p->cycle_pos < p->cycle_n)
                timerq_arm(&p->timers, &p->step_timer, p->step_timer.when + p->cycle_step_usec);
        else
                refresh_finish(p, now);
}

static void refresh_start(Proxy *p, usec_t now) {
        const Config *c = p->cfg;
        size_t b = 0, n = 0;
        void *it = NULL;
        UpGroup *g;

        timerq_disarm(&p->timers, &p->step_timer);
        p->cycle_n = p->cycle_pos = p->cycle_sent = 0;
        if (p->n_joined > 0) {
                in4_t *list = realloc(p->cycle_groups, p->n_joined * sizeof *list);
                if (!list)
                        return;
                p->cycle_groups = list;
                while ((g = hash_next(&p->groups, &b, &it)) && n < p->n_joined)
                        if (g->joined && g->out_mask)
                                list[n++] = g->group;
        }
        p->cycle_n = n;

        /* Spread: one slice every 10 ms over min(SpreadSec, IntervalSec/2). */
        usec_t spread = MIN(c->refresh_spread, c->refresh_interval / 2);
        size_t steps = (size_t) (spread / REFRESH_STEP_USEC);
        if (steps < 1)
                steps = 1;
        p->cycle_per_step = n == 0 ? 1 : (n + steps - 1) / steps;
        p->cycle_step_usec = REFRESH_STEP_USEC;
        p->step_timer.when = now;
        refresh_step(p, now);
}

void proxy_refresh_now(Proxy *p, usec_t now) {
        if (p->shut_down)
                return;
        refresh_start(p, now);
}

static void refresh_timer_fired(Proxy *p, Timer *t, usec_t now) {
        const Config *c = p->cfg;
        usec_t next = t->when + c->refresh_interval;

        if (next <= now)
                next = now + c->refresh_interval;
        if (c->refresh != REFRESH_NO)
                timerq_arm(&p->timers, &p->refresh_timer, next);
        if (refresh_wanted(p, now))
                refresh_start(p, now);
        else
                event_push(p, EVENT_REFRESH_SKIPPED, p->upstream, 0, 0, p->stats.last_upstream_query);
}

/* ---- reload ------------------------------------------------------------------ */

static void rearm_sooner(Proxy *p, Timer *t, usec_t when) {
        if (timer_armed(t) && t->when > when)
                timerq_arm(&p->timers, t, when);
}

void proxy_set_config(Proxy *p, const Config *cfg, usec_t now) {
        const Config *old = p->cfg;
        size_t b = 0;
        void *it = NULL;
        void *x;

        p->cfg = cfg;
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                if (p->ifaces[k].used)
                        p->ifaces[k].cfg = config_find_iface(cfg, p->ifaces[k].name);
        if (p->shut_down)
                return;

        /* Querier: a shorter interval takes effect now, a longer one at the next query. */
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                if (p->ifaces[k].used && p->ifaces[k].role == ROLE_DOWNSTREAM && p->ifaces[k].querier)
                        rearm_sooner(p, &p->ifaces[k].query_timer, now + cfg->query_interval);

        /* Refresh: keep the phase of the running schedule where possible. */
        if (cfg->refresh == REFRESH_NO) {
                timerq_disarm(&p->timers, &p->refresh_timer);
        } else if (!timer_armed(&p->refresh_timer)) {
                timerq_arm(&p->timers, &p->refresh_timer, now + cfg->refresh_initial_delay);
        } else if (cfg->refresh_interval != old->refresh_interval) {
                usec_t last = p->refresh_timer.when > old->refresh_interval
                                      ? p->refresh_timer.when - old->refresh_interval
                                      : now;
                usec_t next = last + cfg->refresh_interval;
                timerq_arm(&p->timers, &p->refresh_timer, next > now ? next : now);
        }

        /* Stall watch switched on with groups already joined. */
        if (cfg->stall_timeout > 0 && p->n_joined > 0 && !timer_armed(&p->stall_timer))
                timerq_arm(&p->timers, &p->stall_timer, now + stall_tick(p));

        /* Downstream filters: memberships a filter now forbids end. */
        {
                Member **drop = NULL;
                size_t n = 0, cap = 0;
                while ((x = hash_next(&p->members, &b, &it))) {
                        Member *m = x;
                        Iface *i = &p->ifaces[m->vif];
                        if (!i->cfg || config_group_allowed(i->cfg, m->group))
                                continue;
                        if (n == cap) {
                                Member **d = realloc(drop, (cap = cap ? 2 * cap : 16) * sizeof *d);
                                if (!d)
                                        break;
                                drop = d;
                        }
                        drop[n++] = m;
                }
                for (size_t k = 0; k < n; k++)
                        member_expire(p, drop[k], now);
                free(drop);
        }

        /* Upstream filters: leave what is forbidden now, join what is allowed now. */
        b = 0;
        it = NULL;
        while ((x = hash_next(&p->groups, &b, &it))) {
                UpGroup *g = x;
                if (g->joined && !group_upstream_allowed(p, g->group))
                        group_leave_upstream(p, g, true);
                else if (!g->joined && g->out_mask && group_upstream_allowed(p, g->group))
                        group_join_upstream(p, g, now);
        }
}

/* ---- timers ------------------------------------------------------------------ */

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
                case TIMER_JOIN_REPEAT: {
                        UpGroup *g = container_of(t, UpGroup, repeat_timer);
                        if (g->joined) {
                                group_report(p, g, now);
                                if (--g->repeats_left > 0)
                                        timerq_arm(&p->timers, t, t->when + USEC_PER_SEC);
                        }
                        break;
                }
                case TIMER_RESPONSE: {
                        UpGroup *g = container_of(t, UpGroup, response_timer);
                        if (g->joined)
                                group_report(p, g, now);
                        break;
                }
                case TIMER_ROUTE_IDLE: {
                        Route *r = container_of(t, Route, timer);
                        Effect *e = effect_push(p, EFFECT_MFC_POLL);
                        if (e) {
                                e->vif = p->upstream;
                                e->source = r->source;
                                e->group = r->group;
                        }
                        break;
                }
                case TIMER_REFRESH:
                        refresh_timer_fired(p, t, now);
                        break;
                case TIMER_REFRESH_STEP:
                        refresh_step(p, now);
                        break;
                case TIMER_STALL:
                        stall_timer_fired(p, now);
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
        while ((g = hash_next(&p->groups, &b, &it)))
                group_leave_upstream(p, g, true);
        /* Inert from now on: no timer of any kind may fire again. */
        timerq_done(&p->timers);
        for (int k = 0; k < PROXY_MAX_VIFS; k++)
                p->ifaces[k].querier = false;
        p->shut_down = true;
}

/* ---- accessors ----------------------------------------------------------------- */

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
}/* ---- intervals ------------------------------------------------------------ */


