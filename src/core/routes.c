/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes.c - forwarding (RFC 4605 4.2): the (source, group) routes the
 * kernel's multicast forwarding cache holds for traffic arriving upstream.
 *
 * The kernel asks (IGMPMSG_NOCACHE) when a packet has no MFC entry; a route
 * is installed when the group has listeners and the source is on the
 * upstream subnet or in an AltNet=, with the group's listening VIFs as its
 * outputs. Routes whose counters stop moving for SourceIdleTimeoutSec go.
 * Sources offered before anyone listened are remembered briefly, so a join
 * installs their route at once instead of waiting for the kernel's retry.
 *
 * Not here: who listens (membership.c, merged in proxy.c), joining upstream
 * (upstream.c). Calls only groups.c, the effect queue and the timer queue.
 */
#include "core.h"

#include <stdlib.h>

static void route_free(Proxy *p, UpGroup *g, Route *r, bool tell_kernel) {
        Route **pp;

        for (pp = &g->routes; *pp; pp = &(*pp)->next)
                if (*pp == r) {
                        *pp = r->next;
                        break;
                }
        g->n_routes--;
        timerq_disarm(&p->timers, &r->timer);
        timerq_unreserve(&p->timers, 1);
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
        if (!r || timerq_reserve(&p->timers, 1) < 0) {
                free(r);
                p->stats.alloc_failures++;
                return;
        }
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

/* The group's outputs changed: every route follows (RFC 4605 4.2). */
void routes_update(Proxy *p, UpGroup *g) {
        for (Route *r = g->routes; r; r = r->next)
                route_push_set(p, g, r);
}

/* Removes every route of the group, telling the kernel. */
void routes_drop(Proxy *p, UpGroup *g) {
        while (g->routes)
                route_free(p, g, g->routes, true);
}

/* The group just got joined: streams the kernel offered before anyone
 * listened get their route now. */
void routes_take_pending(Proxy *p, UpGroup *g, usec_t now) {
        for (size_t k = 0; k < PENDING_SOURCES; k++) {
                PendingSource *ps = &p->pending[k];
                if (ps->group == g->group && ps->source != 0 && now - ps->seen < 10 * USEC_PER_SEC) {
                        route_add(p, g, ps->source, now);
                        ps->source = ps->group = 0;
                }
        }
}

/* TIMER_ROUTE_IDLE: ask the glue for the route's packet counter; the answer
 * comes back through proxy_route_activity(). */
void routes_timer(Proxy *p, Timer *t) {
        Route *r = container_of(t, Route, timer);
        Effect *e = effect_push(p, EFFECT_MFC_POLL);

        if (!e)
                return;
        e->vif = p->upstream;
        e->source = r->source;
        e->group = r->group;
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

