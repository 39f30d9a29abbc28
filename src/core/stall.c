/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stall.c - the stream stall watch (StallTimeoutSec=): a joined group with
 * listeners whose kernel packet counters stop moving for that long may have
 * been forgotten by the upstream router on its own; it is reported again at
 * once, with a backoff while it stays silent.
 *
 * It asks for counters (EFFECT_GROUP_POLL) and judges the answers
 * (proxy_group_activity); the glue reads the kernel. Reporting is
 * upstream.c's. Not here: the periodic refresh (refresh.c).
 */
#include "core.h"

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


/* A group was joined upstream: its watch starts from scratch, and the
 * periodic look runs while any group is joined. */
void stall_on_join(Proxy *p, UpGroup *g, usec_t now) {
        g->stall_polled = false;
        g->stall_wait = p->cfg->stall_timeout;
        stall_reconfigure(p, now);
}

/* The watch was switched on (reload, or the first join): start looking. */
void stall_reconfigure(Proxy *p, usec_t now) {
        if (p->cfg->stall_timeout > 0 && p->n_joined > 0 && !timer_armed(&p->stall_timer))
                timerq_arm(&p->timers, &p->stall_timer, now + stall_tick(p));
}

void stall_timer(Proxy *p, usec_t now) {
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
        upstream_report(p, g, now);
        p->stats.stream_stalls++;
        event_push(p, EVENT_STREAM_STALLED, p->upstream, g->group, 0, p->stats.stream_stalls);
        g->stall_since = now;
        g->stall_wait = MIN(2 * g->stall_wait, MAX(timeout, 60 * USEC_PER_SEC));
}

