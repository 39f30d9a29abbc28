/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * refresh.c - the Movistar+ workaround: the upstream router never queries
 * and forgets a group 260 s after the last report it heard.
 *
 * Enabled=yes: every IntervalSec this file reports every joined group with
 * listeners again, spread over SpreadSec so a cycle is not one burst.
 * Enabled=auto decides per group, not per querier: a group is reported when
 * nothing reported it upstream (an answer, a join, a refresh, a stall
 * re-report) for IntervalSec: every report restarts the group's deadline
 * (UpGroup.refresh_timer, armed by upstream.c), so while a querier answers
 * every group at least that often no extra report goes out, and when its
 * queries stop (or were never valid) the refresh takes over within
 * IntervalSec of the last answer. Whatever arrives upstream, two reports of a
 * joined group with listeners are never more than IntervalSec + SpreadSec
 * apart. In auto mode the cycle timer only accounts: each IntervalSec it
 * tells how many refreshes went out (a cycle) or that none was needed.
 *
 * Reports themselves are upstream.c's (upstream_report); which groups are
 * joined is the merge's (proxy.c). Not here: the stall watch (stall.c).
 */
#include "core.h"

#include <stdlib.h>

/* At most this many reports go out at one wake-up: a cycle of up to 32
 * groups is one burst (one wake-up); a larger one is cut into as few slices
 * of 32 as it takes, spread evenly over SpreadSec, never closer than 10 ms. */
#define REFRESH_BURST 32
#define REFRESH_MIN_STEP_USEC (10 * USEC_PER_MSEC)

/* A cycle that sent nothing (no group joined) is no cycle: not counted, not
 * signalled, so an idle router says nothing a minute. */
static void refresh_finish(Proxy *p, usec_t now) {
        if (p->cycle_sent > 0) {
                p->stats.refresh_cycles++;
                p->stats.last_refresh = now;
                event_push(p, EVENT_REFRESH_CYCLE, p->upstream, 0, 0, p->cycle_sent);
        }
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

static int by_last_report(const void *a, const void *b) {
        const UpGroup *x = *(UpGroup *const *) a, *y = *(UpGroup *const *) b;

        if (x->last_report != y->last_report)
                return x->last_report < y->last_report ? -1 : 1;
        return x->group < y->group ? -1 : x->group > y->group;
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
                UpGroup **order = malloc(p->n_joined * sizeof *order);
                if (!list || !order) {
                        free(order);
                        if (list)
                                p->cycle_groups = list;
                        p->stats.alloc_failures++;
                        return;
                }
                p->cycle_groups = list;
                while ((g = hash_next(&p->groups, &b, &it)) && n < p->n_joined)
                        if (g->joined && g->out_mask)
                                order[n++] = g;
                /* Oldest report first: a cycle started again before its last
                 * slice (RefreshNow, the upstream back) must not starve the
                 * groups that slice held. */
                qsort(order, n, sizeof *order, by_last_report);
                for (size_t k = 0; k < n; k++)
                        list[k] = order[k]->group;
                free(order);
        }
        p->cycle_n = n;

        /* Spread: ceil(n / REFRESH_BURST) slices evenly over
         * min(SpreadSec, IntervalSec/2), at least 10 ms apart. */
        usec_t spread = MIN(c->refresh_spread, c->refresh_interval / 2);
        size_t steps = n <= REFRESH_BURST ? 1 : (n + REFRESH_BURST - 1) / REFRESH_BURST;
        usec_t step = steps > 1 ? spread / (steps - 1) : 0;
        if (steps > 1 && step < REFRESH_MIN_STEP_USEC) {
                /* Too short a window for slices of 32: more per slice. */
                step = REFRESH_MIN_STEP_USEC;
                steps = MAX((size_t) (spread / step) + 1, 1);
        }
        p->cycle_per_step = n == 0 ? 1 : (n + steps - 1) / steps;
        p->cycle_step_usec = step;
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
        if (c->refresh == REFRESH_YES) {
                refresh_start(p, now);
        } else if (p->auto_sent > 0) {
                p->cycle_sent = p->auto_sent;
                p->auto_sent = 0;
                refresh_finish(p, now);
        } else {
                event_push(p, EVENT_REFRESH_SKIPPED, p->upstream, 0, 0, p->stats.last_upstream_query);
        }
}

/* Enabled=auto: nothing reported g for IntervalSec. */
void refresh_group_due(Proxy *p, UpGroup *g, usec_t now) {
        if (p->cfg->refresh != REFRESH_AUTO || !g->joined || g->out_mask == 0 || !group_upstream_allowed(p, g->group))
                return;
        upstream_report(p, g, now);
        p->auto_sent++;
        p->stats.refresh_reports++;
}

/* Enabled=auto switched on or off, or its interval changed: every joined
 * group's deadline follows. */
static void refresh_auto_deadlines(Proxy *p, usec_t now) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        while ((g = hash_next(&p->groups, &b, &it))) {
                if (p->cfg->refresh != REFRESH_AUTO || !g->joined) {
                        timerq_disarm(&p->timers, &g->refresh_timer);
                        continue;
                }
                usec_t due = g->last_report + p->cfg->refresh_interval;
                timerq_arm(&p->timers, &g->refresh_timer, MAX(due, now));
        }
}


/* Enabled=auto -> yes: each group was on its own deadline (its last report + IntervalSec) and
 * the cycle timer only kept the accounting phase, which may be far later (InitialDelaySec, an
 * old IntervalSec). The first cycle comes no later than the earliest of those deadlines, nor
 * than IntervalSec from now (groups joined from now on, e.g. when the upstream comes back
 * after the reload), so no group waits longer than IntervalSec (+ SpreadSec) across the switch. */
static void refresh_from_auto(Proxy *p, usec_t now) {
        usec_t first = now + p->cfg->refresh_interval;
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined && g->out_mask)
                        first = MIN(first, MAX(g->last_report + p->cfg->refresh_interval, now));
        if (!timer_armed(&p->refresh_timer) || p->refresh_timer.when > first)
                timerq_arm(&p->timers, &p->refresh_timer, first);
}

/* proxy_new(): the first cycle after InitialDelaySec, or IntervalSec after an earlier report
 * (upstream.c's reported()). */
void refresh_init(Proxy *p, usec_t now) {
        if (p->cfg->refresh != REFRESH_NO)
                timerq_arm(&p->timers, &p->refresh_timer, now + p->cfg->refresh_initial_delay);
}

/* Reload: keep the phase of the running schedule where possible. */
void refresh_reconfigure(Proxy *p, const Config *old, usec_t now) {
        const Config *cfg = p->cfg;

        if (cfg->refresh != old->refresh || cfg->refresh_interval != old->refresh_interval)
                refresh_auto_deadlines(p, now);
        if (cfg->refresh == REFRESH_NO) {
                timerq_disarm(&p->timers, &p->refresh_timer);
        } else if (!timer_armed(&p->refresh_timer)) {
                /* Switched on: InitialDelaySec is for the start; groups joined while the
                 * refresh was off are not left waiting longer than IntervalSec. */
                timerq_arm(&p->timers, &p->refresh_timer,
                           now + MIN(cfg->refresh_initial_delay, cfg->refresh_interval));
        } else if (cfg->refresh_interval != old->refresh_interval) {
                usec_t last = p->refresh_timer.when > old->refresh_interval
                                      ? p->refresh_timer.when - old->refresh_interval
                                      : now;
                usec_t next = last + cfg->refresh_interval;
                timerq_arm(&p->timers, &p->refresh_timer, next > now ? next : now);
        }
        if (old->refresh == REFRESH_AUTO && cfg->refresh == REFRESH_YES)
                refresh_from_auto(p, now);
}
