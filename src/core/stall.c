/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stall.c - the stream stall watch (StallTimeoutSec=): a joined group with
 * listeners whose stream stops for that long may have been forgotten by the
 * upstream router on its own (the Movistar+ router forgets 260 s after the
 * last report it heard, and a lost report is never repeated by anyone); it
 * is reported again at once, with a backoff while it stays silent.
 *
 * Only a group that carried a stream since it was joined (or since the
 * upstream came back: the join starts afresh) can stall: one the upstream
 * never streamed (a TV's SSDP group, a channel off the air) is refreshed
 * like any other, said once at debug level, and raises nothing.
 *
 * When the group last carried a packet is its routes' business (routes.c,
 * from the counters activity.c reads): only routes of traffic arriving
 * upstream count, not those of hosts sending on a downstream link.
 * Reporting is upstream.c's. Not here: the periodic refresh (refresh.c).
 */
#include "core.h"

/* A group was joined upstream: its watch starts from scratch, and the
 * counters are read once StallTimeoutSec has passed, to say it if no stream
 * came by then. */
void stall_on_join(Proxy *p, UpGroup *g, usec_t now) {
        g->stall_wait = p->cfg->stall_timeout;
        g->stall_reported = 0;
        g->last_packet = 0;
        g->silence_logged = false;
        if (p->cfg->stall_timeout > 0)
                activity_arm_by(p, now + p->cfg->stall_timeout);
}

/* The last packet of any of the group's streams from upstream since the
 * join, 0 if it never carried one (a host on a downstream link sending to
 * the group is no sign of the upstream's membership). Kept on the group: a
 * stream silent long enough loses its route (SourceIdleTimeoutSec), not its
 * history. */
static usec_t group_last_packet(const Proxy *p, UpGroup *g) {
        for (const Route *r = g->routes; r; r = r->next)
                if (route_from_upstream(p, r))
                        g->last_packet = MAX(g->last_packet, r->last_packet);
        return g->last_packet;
}

/* Judges g on fresh counters. Returns when it should be looked at next
 * (USEC_INFINITY: only a new stream can change its verdict, and a new route
 * asks for a look itself). */
usec_t stall_check(Proxy *p, UpGroup *g, usec_t now) {
        usec_t timeout = p->cfg->stall_timeout, last, quiet;

        if (timeout == 0 || !g->joined || g->out_mask == 0 || p->shut_down)
                return USEC_INFINITY;
        last = group_last_packet(p, g);
        if (last == 0) {
                if (!g->silence_logged && now - g->joined_at >= timeout) {
                        /* Said once, at debug level: nothing is wrong. */
                        g->silence_logged = true;
                        event_push(p, EVENT_GROUP_SILENT, p->upstream, g->group, 0, 0);
                }
                return g->silence_logged ? USEC_INFINITY : g->joined_at + timeout;
        }
        if (last > g->stall_reported)
                g->stall_wait = timeout; /* it flowed again: the backoff starts over */
        quiet = MAX(last, g->stall_reported);
        if (now - quiet >= g->stall_wait) {
                /* Silent for StallTimeoutSec: the upstream may have lost the
                 * membership on its own. Report at once; if the group stays
                 * silent (a channel off the air), wait twice as long each
                 * time, up to a minute, rather than report it every few
                 * seconds forever. */
                upstream_report(p, g, now);
                p->stats.stream_stalls++;
                event_push(p, EVENT_STREAM_STALLED, p->upstream, g->group, 0, p->stats.stream_stalls);
                g->stall_reported = quiet = now;
                g->stall_wait = MIN(2 * g->stall_wait, MAX(timeout, 60 * USEC_PER_SEC));
        }
        /* Next: when the silence would reach the wait. While backing off, also
         * after one StallTimeoutSec: a stream that came back meanwhile may stop
         * again, and that stop must be seen within StallTimeoutSec too. */
        if (g->stall_reported >= last)
                return MIN(quiet + g->stall_wait, now + timeout);
        return quiet + g->stall_wait;
}
