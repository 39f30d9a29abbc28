/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upstream-compat.c - host compatibility on the upstream link (RFC 3376
 * 7.2.1): the version our reports use while an Older Version Querier
 * Present timer runs (UpstreamHost.v1_until / v2_until, set by upstream.c
 * when it hears a v1/v2 query), and what a change of version cancels.
 *
 * Called by upstream.c; calls only the queues and the group table.
 */
#include "core.h"

static int compat_version(const Proxy *p) {
        int v = (int) p->cfg->report_version;

        if (p->up.v1_until)
                return 1;
        if (p->up.v2_until)
                return MIN(v, 2);
        return v;
}

/* A new version: "Whenever a host changes its compatibility mode, it cancels
 * all its pending response and retransmission timers." Leaves already sent
 * keep being repeated (in the new version) so a left group is not forgotten
 * half-way. */
void upstream_compat_update(Proxy *p, in4_t by, usec_t now) {
        int v = compat_version(p);
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        (void) now;
        if (v == p->up.report_version)
                return;
        p->up.report_version = v;
        p->up.batch_open = false;
        timerq_disarm(&p->timers, &p->up.answer_timer);
        while ((g = hash_next(&p->groups, &b, &it))) {
                timerq_disarm(&p->timers, &g->response_timer);
                if (g->joined) {
                        timerq_disarm(&p->timers, &g->repeat_timer);
                        g->mode_left = 0;
                        g->n_chg = 0;
                }
        }
        event_push(p, EVENT_UPSTREAM_VERSION, p->upstream, 0, by, (uint64_t) v);
}

void upstream_compat_arm(Proxy *p) {
        usec_t a = p->up.v1_until, b = p->up.v2_until;
        usec_t next = a && b ? MIN(a, b) : a ? a : b;

        if (next)
                timerq_arm(&p->timers, &p->up.compat_timer, next);
        else
                timerq_disarm(&p->timers, &p->up.compat_timer);
}

void upstream_compat_fired(Proxy *p, usec_t now) {
        if (p->up.v1_until && p->up.v1_until <= now)
                p->up.v1_until = 0;
        if (p->up.v2_until && p->up.v2_until <= now)
                p->up.v2_until = 0;
        upstream_compat_arm(p);
        upstream_compat_update(p, 0, now);
}
