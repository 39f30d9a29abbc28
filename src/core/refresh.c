/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refresh.c - the Movistar+ workaround: the upstream router never queries
 * and forgets a group 260 s after the last report it heard, so every
 * IntervalSec this file reports every joined group with listeners again,
 * spread over SpreadSec so a cycle is not one burst. In auto mode a cycle is
 * skipped while an upstream querier has been heard within Robustness x
 * QueryInterval.
 *
 * Reports themselves are upstream.c's (upstream_report); which groups are
 * joined is the merge's (proxy.c). Not here: the stall watch (stall.c).
 */
#include "core.h"

#include <stdlib.h>

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

void refresh_step(Proxy *p, usec_t now) {
        size_t end = MIN(p->cycle_n, p->cycle_pos + p->cycle_per_step);

        for (; p->cycle_pos < end; p->cycle_pos++) {
                UpGroup *g = group_find(p, p->cycle_groups[p->cycle_pos]);
                /* Re-check: a group may have gone since the cycle began. */
                if (!g || !g->joined || g->out_mask == 0 || !group_upstream_allowed(p, g->group))
                        continue;
                upstream_report(p, g, now);
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

void refresh_timer(Proxy *p, Timer *t, usec_t now) {
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


/* proxy_new(): the first cycle after InitialDelaySec. */
void refresh_init(Proxy *p, usec_t now) {
        if (p->cfg->refresh != REFRESH_NO)
                timerq_arm(&p->timers, &p->refresh_timer, now + p->cfg->refresh_initial_delay);
}

/* Reload: keep the phase of the running schedule where possible. */
void refresh_reconfigure(Proxy *p, const Config *old, usec_t now) {
        const Config *cfg = p->cfg;

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
}
