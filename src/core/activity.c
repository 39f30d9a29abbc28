/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * activity.c - reading the kernel's forwarding counters, for the stall
 * watch (stall.c) and the idle check of routes (routes.c).
 *
 * A look is one EFFECT_ACTIVITY_POLL: the glue reads every route's packet
 * count and how long ago it last forwarded (one rtnetlink dump of the
 * multicast routing table), hands each reading to proxy_route_counters() and
 * ends with proxy_activity_done(). The next look is armed for the earliest
 * moment a verdict could change: a flowing group reaching StallTimeoutSec
 * since its last packet, a route reaching SourceIdleTimeoutSec, a silent
 * group's first StallTimeoutSec. While streams flow that is one look per
 * StallTimeoutSec, whatever the number of groups; with nothing to watch,
 * none. When the glue cannot tell how long ago a route forwarded (it falls
 * back to per-route counters), a changed count means "now", so the look runs
 * at a steady pace instead: a quarter of StallTimeoutSec, 250 to 300 ms,
 * which keeps a stall seen within StallTimeoutSec + 0.6 s.
 *
 * It decides nothing itself: the verdicts are stall.c's and routes.c's; it
 * only frees a group that held nothing but routes once the last one is gone
 * (a downstream sender's, for a group nobody listens to). The glue reads
 * every route, whatever interface it arrives on.
 */
#include "core.h"

/* The steady pace of the fallback. */
static usec_t fallback_tick(const Proxy *p) {
        return MIN(MAX(p->cfg->stall_timeout / 4, 250 * USEC_PER_MSEC), 300 * USEC_PER_MSEC);
}

/* TIMER_ACTIVITY: ask the glue for the counters. */
void activity_timer(Proxy *p, usec_t now) {
        Effect *e;

        if (p->n_joined == 0 && p->n_routes == 0)
                return; /* no route, no joined group: the next join or route asks again */
        e = effect_push(p, EFFECT_ACTIVITY_POLL);
        if (e)
                e->vif = p->upstream;
        else
                /* No room to ask: try again shortly rather than never. */
                timerq_arm(&p->timers, &p->activity_timer, now + fallback_tick(p));
}

void proxy_route_counters(Proxy *p, in4_t source, in4_t group, uint64_t packets, usec_t idle, usec_t now) {
        UpGroup *g = group_find(p, group);
        Route *r = g ? route_find(g, source) : NULL;

        if (!r)
                return; /* not ours, or gone since */
        if (idle == ROUTE_IDLE_UNKNOWN)
                p->activity_fallback = true;
        route_counters(r, packets, idle, now);
}

void proxy_activity_done(Proxy *p, bool complete, usec_t now) {
        usec_t next = USEC_INFINITY;
        bool flowing = false;
        size_t b = 0;
        void *it = NULL;
        UpGroup *g, *after;

        if (p->shut_down)
                return;
        /* One step ahead: a group that held only routes of downstream
         * senders goes with its last one. */
        after = hash_next(&p->groups, &b, &it);
        while ((g = after)) {
                after = hash_next(&p->groups, &b, &it);
                /* (MIN evaluates its arguments twice: the verdicts go first.) */
                usec_t idle_next = routes_check_idle(p, g, complete, now);
                usec_t stall_next = stall_check(p, g, now);
                next = MIN(next, MIN(idle_next, stall_next));
                flowing = flowing || (g->joined && routes_any_from_upstream(p, g));
                group_maybe_free(p, g);
        }
        if (!complete)
                next = MIN(next, now + fallback_tick(p)); /* the look failed: again soon */
        else if (p->activity_fallback && flowing && p->cfg->stall_timeout > 0)
                next = MIN(next, now + fallback_tick(p));
        if (next == USEC_INFINITY) {
                timerq_disarm(&p->timers, &p->activity_timer);
                return;
        }
        /* Counters have a 10 ms grain: never spin on a deadline just passed. */
        timerq_arm(&p->timers, &p->activity_timer, MAX(next, now + 10 * USEC_PER_MSEC));
}

/* Reload: StallTimeoutSec or SourceIdleTimeoutSec may have changed; look
 * now and let the look arm the next one. */
void activity_reconfigure(Proxy *p, usec_t now) {
        if (p->n_joined > 0 || p->n_routes > 0)
                activity_arm_by(p, now);
}
