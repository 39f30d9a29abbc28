/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * routes.c - forwarding (RFC 4605 4.2): the (source, group) routes the
 * kernel's multicast forwarding cache holds, for traffic arriving upstream
 * and for traffic sent by hosts on a downstream link.
 *
 * The kernel asks (IGMPMSG_NOCACHE) when a packet has no MFC entry, naming
 * the VIF it arrived on; it holds one entry per (S,G), and so does a group.
 *  - Upstream: a route is installed when the group has listeners and is
 *    joined and the source is on the upstream subnet or in an AltNet=; its
 *    outputs are the listening VIFs that want the source. Sources offered
 *    before anyone listened are remembered briefly, so a join installs their
 *    route at once instead of waiting for the kernel's retry. These routes
 *    go when the group stops being served upstream (routes_drop).
 *  - Downstream senders. RFC 4605 4.2: a proxy forwards "packets received on
 *    any downstream interface to the upstream interface, and to each
 *    downstream interface other than the incoming interface based upon the
 *    downstream interfaces' subscriptions". A source on that link's subnet,
 *    for a group its filters allow, gets a route whether or not anyone
 *    listens or the group is joined, up to MaxGroupsPerInterface= of them
 *    per link. Outputs: the upstream (when there is one, its filters allow
 *    the group and the link has ForwardToUpstream=yes) and the other
 *    listening VIFs that want the source. With no output at all it is
 *    installed anyway: the kernel stops asking and counts its packets, so it
 *    idles out like any other, and a listener that comes gets it at once.
 *    It is not the group's upstream stream: the stall watch ignores it.
 * Outputs follow the listeners, the interfaces and the configuration; only a
 * change reaches the kernel. The kernel forwards a packet only out of a VIF
 * whose threshold (>= 1) its TTL exceeds, and decrements the TTL: a sender
 * using TTL 1 (IP_MULTICAST_TTL's default) never leaves its link.
 *
 * A route that forwarded nothing for SourceIdleTimeoutSec goes (the kernel's
 * counters, read by activity.c, say when it last forwarded).
 *
 * Not here: who listens (membership.c, merged in proxy.c), joining upstream
 * (upstream.c), reading the counters (activity.c). Calls only groups.c,
 * member_source_mask() (membership.c) and the effect queue.
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
        p->n_routes--;
        p->ifaces[r->vif].n_routes_in--;
        if (tell_kernel) {
                Effect *e = effect_push(p, EFFECT_MFC_DEL);
                if (e) {
                        e->vif = r->vif;
                        e->source = r->source;
                        e->group = g->group;
                }
                event_push(p, EVENT_ROUTE_REMOVED, r->vif, g->group, r->source, 0);
        }
        free(r);
}

/* A downstream sender's stream may go upstream: there is an upstream, its
 * filters allow the group, the sender's link says yes. */
static bool sender_to_upstream(Proxy *p, const Iface *in, in4_t group) {
        return group_upstream_allowed(p, group) && !(in->cfg && in->cfg->no_forward_to_upstream);
}

/* What the kernel forwards r to (RFC 4605 4.2). */
static uint32_t route_outputs(Proxy *p, const UpGroup *g, const Route *r) {
        uint32_t out;

        if (route_from_upstream(p, r))
                return member_source_mask(p, g->group, g->out_mask, r->source);
        /* A sender's: the other links whose listeners want it, and upstream. */
        out = member_source_mask(p, g->group, g->out_mask & ~(1U << r->vif), r->source);
        if (sender_to_upstream(p, &p->ifaces[r->vif], g->group))
                out |= 1U << p->upstream;
        return out;
}

static void route_push_set(Proxy *p, UpGroup *g, Route *r) {
        uint32_t out = route_outputs(p, g, r);
        Effect *e = effect_push(p, EFFECT_MFC_SET);

        if (!e)
                return;
        e->vif = r->vif;
        e->source = r->source;
        e->group = g->group;
        e->out_mask = out;
        r->outputs = out;
}

/* The kernel hears of r again only if its outputs changed. */
static void route_refresh(Proxy *p, UpGroup *g, Route *r) {
        if (route_outputs(p, g, r) != r->outputs)
                route_push_set(p, g, r);
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

/* A group that may be forwarded from senders on downstream link i: never
 * 224.0.0.0/24 (RFC 5771), never one the link's filters refuse (its reports
 * are not heard either). */
static bool sender_group_allowed(const Iface *i, in4_t group) {
        if (!in4_is_multicast(group) || in4_is_link_local_multicast(group))
                return false;
        return !i->cfg || config_group_allowed(i->cfg, group);
}

static bool source_on_link(const Iface *i, in4_t source) {
        return i->prefixlen > 0 && (source & prefix_mask(i->prefixlen)) == (i->addr & prefix_mask(i->prefixlen));
}

/* vif: where the stream arrives. seen: when the kernel last saw a packet of
 * it (the upcall that asks for the route is one). */
static void route_add(Proxy *p, UpGroup *g, int vif, in4_t source, usec_t seen) {
        Route *r = route_find(g, source);
        usec_t watch;

        if (r && r->vif != vif) {
                /* The kernel lost the entry and the stream now comes from
                 * another link: a new route. */
                route_free(p, g, r, true);
                r = NULL;
        }
        if (r) {
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
        r->vif = vif;
        r->last_packet = seen;
        r->seen = true; /* judged from the next look on */
        r->next = g->routes;
        g->routes = r;
        g->n_routes++;
        p->n_routes++;
        p->ifaces[vif].n_routes_in++;
        route_push_set(p, g, r);
        p->stats.routes_added++;
        event_push(p, EVENT_ROUTE_ADDED, vif, g->group, source, r->outputs);
        /* The idle check follows it; a stream from upstream, the stall watch too. */
        watch = route_from_upstream(p, r) ? MIN_NONZERO(p->cfg->stall_timeout, p->cfg->source_idle_timeout)
                                          : p->cfg->source_idle_timeout;
        activity_arm_by(p, seen + watch);
}

void routes_update(Proxy *p, UpGroup *g) {
        for (Route *r = g->routes; r; r = r->next)
                route_refresh(p, g, r);
}

void routes_drop(Proxy *p, UpGroup *g) {
        Route *r, *n;

        for (r = g->routes; r; r = n) {
                n = r->next;
                if (route_from_upstream(p, r))
                        route_free(p, g, r, true);
                else
                        route_refresh(p, g, r);
        }
}

/* Walks every group with its routes: each route is kept (and its outputs
 * recomputed) or, if gone(p, r, vif), removed; a group left holding nothing
 * is freed. */
static void routes_walk(Proxy *p, bool (*gone)(Proxy *p, const Route *r, int vif), int vif) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g, *next = hash_next(&p->groups, &b, &it);

        /* One step ahead: the group at hand may be freed. */
        while ((g = next)) {
                Route *r, *n;

                next = hash_next(&p->groups, &b, &it);
                for (r = g->routes; r; r = n) {
                        n = r->next;
                        if (gone(p, r, vif))
                                route_free(p, g, r, true);
                        else
                                route_refresh(p, g, r);
                }
                group_maybe_free(p, g);
        }
}

/* A sender's route the configuration no longer allows (a reload changed the
 * link's filters). */
/* A route the configuration no longer accepts (after a reload): a sender's
 * group its link now refuses, or an upstream stream whose source is outside
 * the upstream subnet and every AltNet= now. */
static bool route_refused(Proxy *p, const Route *r, int vif) {
        (void) vif;
        if (route_from_upstream(p, r))
                return !source_allowed(p, r->source);
        return !sender_group_allowed(&p->ifaces[r->vif], r->group);
}

void routes_recompute(Proxy *p) {
        routes_walk(p, route_refused, -1);
}

static bool route_arrives_on(Proxy *p, const Route *r, int vif) {
        (void) p;
        return r->vif == vif;
}

void routes_iface_gone(Proxy *p, int vif) {
        routes_walk(p, route_arrives_on, vif);
}

void routes_remove_all(Proxy *p) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        while ((g = hash_next(&p->groups, &b, &it)))
                while (g->routes)
                        route_free(p, g, g->routes, true);
}

bool routes_any_from_upstream(const Proxy *p, const UpGroup *g) {
        for (const Route *r = g->routes; r; r = r->next)
                if (route_from_upstream(p, r))
                        return true;
        return false;
}

/* The group just got joined: streams the kernel offered before anyone
 * listened get their route now. */
void routes_take_pending(Proxy *p, UpGroup *g, usec_t now) {
        for (size_t k = 0; k < PENDING_SOURCES; k++) {
                PendingSource *ps = &p->pending[k];
                if (ps->group == g->group && ps->source != 0 && now - ps->seen < 10 * USEC_PER_SEC) {
                        /* judged again: a reload may have taken its AltNet= away */
                        if (source_allowed(p, ps->source))
                                route_add(p, g, p->upstream, ps->source, ps->seen);
                        ps->source = ps->group = 0;
                }
        }
}

/* A host on downstream link i sends to group (RFC 4605 4.2). */
static void sender_nocache(Proxy *p, Iface *i, in4_t source, in4_t group, usec_t now) {
        const Route *old;
        UpGroup *g;

        if (i->role != ROLE_DOWNSTREAM || !sender_group_allowed(i, group))
                return;
        if (!source_on_link(i, source)) {
                event_push(p, EVENT_ROUTE_REJECTED, i->vif, group, source, ROUTE_REJECT_OFF_LINK);
                return;
        }
        g = group_find(p, group);
        old = g ? route_find(g, source) : NULL;
        if ((!old || old->vif != i->vif) && i->n_routes_in >= p->cfg->max_groups) {
                event_push(p, EVENT_ROUTE_REJECTED, i->vif, group, source, ROUTE_REJECT_LIMIT);
                return;
        }
        g = group_get(p, group);
        if (g)
                route_add(p, g, i->vif, source, now);
}

void proxy_handle_nocache(Proxy *p, int vif, in4_t source, in4_t group, usec_t now) {
        UpGroup *g;

        if (p->shut_down || vif < 0 || vif >= PROXY_MAX_VIFS || !p->ifaces[vif].used)
                return;
        if (vif != p->upstream) {
                sender_nocache(p, &p->ifaces[vif], source, group, now);
                return;
        }
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
        route_add(p, g, vif, source, now);
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
 * reach the timeout, USEC_INFINITY if none is left. The caller frees the
 * group if that was all it held. */
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
