/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reload.c - a new configuration swapped in while the proxy runs
 * (proxy_set_config): interface settings and filters follow the new file,
 * the querier, refresh and stall timers keep their phase where they can, and
 * groups still allowed keep their state and routes (no leave, no join, no
 * MFC churn). Groups a new filter forbids are left; groups it now allows are
 * joined.
 *
 * The top of the core: it orchestrates the other files and nothing calls it
 * but the glue. Interfaces whose role changed are the caller's business
 * (removed before, added after).
 */
#include "core.h"

#include <stdlib.h>

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

        refresh_reconfigure(p, old, now);
        upstream_reconfigure(p, now);

        /* StallTimeoutSec, SourceIdleTimeoutSec: the next look re-judges. */
        activity_reconfigure(p, now);

        /* Routes the new configuration refuses (an AltNet= taken away) go
         * first: what follows must not re-send them to the kernel. */
        routes_recompute(p);

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
                        group_stop(p, g, true, now);
                else if (!g->joined && g->out_mask && group_upstream_allowed(p, g->group))
                        group_start(p, g, now);
        }

        /* ForwardToUpstream= and the filters decide where downstream senders' streams go. */
        routes_recompute(p);
}

