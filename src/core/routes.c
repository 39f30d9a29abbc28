/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes.c - forwarding (RFC 4605 4.2): the (source, group) routes the
 * kernel's multicast forwarding cache holds for traffic arriving upstream.
 *
 * The kernel asks (IGMPMSG_NOCACHE) when a packet has no MFC entry; a route
 * is installed when the group has listeners and the source is on the
 * upstream subnet or in an AltNet=, with the group's listening VIFs as its
 * outputs. A route that forwarded nothing for SourceIdleTimeoutSec goes (the
 * kernel's counters, read by activity.c, say when it last forwarded).
 * Sources offered before anyone listened are remembered briefly, so a join
 * installs their route at once instead of waiting for the kernel's retry.
 *
 * Not here: who listens (membership.c, merged in proxy.c), joining upstream
 * (upstream.c), reading the counters (activity.c). Calls only groups.c and
 * the effect queue.
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
        e->out_mask = member_source_mask(p, g->group, g->out_mask, r->source);
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

/* seen: when the kernel last saw a packet of it (the upcall that asks for
 * the route is one). */
static void route_add(Proxy *p, UpGroup *g, in4_t source, usec_t seen) {
        Route *r;

        for (r = g->routes; r; r = r->next)
                if (r->source == source) {
                        route_push_set(p, g, r); /* the kernel asked again: it lost it */
                        r->last_packet = MAX(r->last_packet, seen);
                        return;
                }
        r = calloc(1, sizeof *r);
        if (!r) {
                p->stats.alloc_failures++;
                return;
        }
        r->source = source;
        r->group = g->group;
        r->last_packet = seen;
        r->seen = true; /* judged from the next look on */
        r->next = g->routes;
        g->routes = r;
        g->n_routes++;
        route_push_set(p, g, r);
        p->stats.routes_added++;
        event_push(p, EVENT_ROUTE_ADDED, p->upstream, g->group, source, g->out_mask);
        /* A stream flows now: the stall watch and the idle check follow it. */
        activity_arm_by(p, seen + MIN_NONZERO(p->cfg->stall_timeout, p->cfg->source_idle_timeout));
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
                        route_add(p, g, ps->source, ps->seen);
                        ps->source = ps->group = 0;
                }
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

Route *route_find(const UpGroup *g, in4_t source) {
        Route *r;

        for (r = g->routes; r && r->source != source; r = r->next)
                ;
        return r;
}

/* A reading of the kernel's counters of r. idle: how long ago the kernel
 * last forwarded a packet of it, ROUTE_IDLE_UNKNOWN if it cannot tell (then
 * a change of the packet count since the last reading means "now"). */
void route_counters(Route *r, uint64_t packets, usec_t idle, usec_t now) {
        if (idle != ROUTE_IDLE_UNKNOWN) {
                /* The kernel stamps a new entry with its creation time: without
                 * a packet counted, that is not a packet. */
                if (packets > 0 && idle <= now)
                        r->last_packet = MAX(r->last_packet, now - idle);
        } else if (packets != r->packets)
                r->last_packet = now;
        r->packets = packets;
        r->seen = true;
}

/* Removes the group's routes that forwarded nothing for SourceIdleTimeoutSec
 * (and, when the look was complete, those the kernel no longer has: if the
 * stream comes back the kernel asks again). Returns when the next one could
 * reach the timeout, USEC_INFINITY if none is left. */
usec_t routes_check_idle(Proxy *p, UpGroup *g, bool complete, usec_t now) {
        usec_t next = USEC_INFINITY;
        Route *r, *n;

        for (r = g->routes; r; r = n) {
                n = r->next;
                if ((complete && !r->seen) || now - r->last_packet >= p->cfg->source_idle_timeout) {
                        route_free(p, g, r, true);
                        continue;
                }
                r->seen = false;
                next = MIN(next, r->last_packet + p->cfg->source_idle_timeout);
        }
        return next;
}
