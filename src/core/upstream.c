/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upstream.c - the host side of the proxy on its upstream link (RFC 4605
 * 4.1: "the proxy performs the host portion of IGMP on the upstream
 * interface"): it reports the merged membership, repeats the unsolicited
 * report, answers the upstream querier's queries and leaves.
 *
 * Reports go out in Config.report_version from the first one on (whatever
 * the kernel would use). Deciding *when* a group is joined or left is the
 * merge's job (proxy.c); the periodic refresh is refresh.c's and the stall
 * re-report stall.c's, both through upstream_report(). Calls only groups.c,
 * the effect queue and the timer queue.
 */
#include "core.h"

static void send_upstream(Proxy *p, EffectType type, in4_t group) {
        Effect *e = effect_push(p, type);

        if (!e)
                return;
        e->vif = p->upstream;
        e->group = group;
        e->version = (uint8_t) p->cfg->report_version;
        if (type == EFFECT_SEND_REPORT)
                p->stats.reports_sent++;
        else
                p->stats.leaves_sent++;
}

void upstream_report(Proxy *p, UpGroup *g, usec_t now) {
        send_upstream(p, EFFECT_SEND_REPORT, g->group);
        g->last_report = now;
}

/* Joins the group upstream unless it is joined already or the filters forbid
 * it. Returns true when it joined now. */
bool upstream_join(Proxy *p, UpGroup *g, usec_t now) {
        if (g->joined || !group_upstream_allowed(p, g->group))
                return false;
        g->joined = true;
        g->joined_at = now;
        p->n_joined++;
        upstream_report(p, g, now);
        event_push(p, EVENT_UPSTREAM_JOINED, p->upstream, g->group, 0, p->cfg->report_version);
        /* RFC 2236 3 / RFC 3376 5.1: repeat the unsolicited report in case
         * the first one is lost; one second apart (the IGMPv3 default). */
        g->repeats_left = p->cfg->robustness > 1 ? p->cfg->robustness - 1 : 0;
        if (g->repeats_left > 0)
                timerq_arm(&p->timers, &g->repeat_timer, now + USEC_PER_SEC);
        return true;
}

/* Leaves the group upstream (send: a leave goes out; false when the upstream
 * link is gone and nothing can be sent). Pending repeats and answers stop
 * whether it was joined or not. */
void upstream_leave(Proxy *p, UpGroup *g, bool send) {
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        if (!g->joined)
                return;
        g->joined = false;
        p->n_joined--;
        if (send)
                send_upstream(p, EFFECT_SEND_LEAVE, g->group);
        /* count: whether a leave went out; the journal tells the two apart. */
        event_push(p, EVENT_UPSTREAM_LEFT, p->upstream, g->group, 0, send ? 1 : 0);
}

void upstream_on_query(Proxy *p, const IgmpMessage *m, usec_t now) {
        usec_t max_resp = m->max_resp_usec ? m->max_resp_usec : 10 * USEC_PER_SEC;
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        p->stats.upstream_queries++;
        p->stats.last_upstream_query = now;
        event_push(p, EVENT_UPSTREAM_QUERY, p->upstream, m->group, 0, m->version);

        /* RFC 2236 3 / RFC 3376 5.2: answer each group after a random delay
         * within Max Resp Time; an earlier pending answer stays. */
        if (m->group != 0) {
                g = group_find(p, m->group);
                if (g && g->joined) {
                        usec_t t = now + rng_below(&p->rng, max_resp);
                        if (!timer_armed(&g->response_timer) || g->response_timer.when > t)
                                timerq_arm(&p->timers, &g->response_timer, t);
                }
                return;
        }
        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined) {
                        usec_t t = now + rng_below(&p->rng, max_resp);
                        if (!timer_armed(&g->response_timer) || g->response_timer.when > t)
                                timerq_arm(&p->timers, &g->response_timer, t);
                }
}


/* TIMER_JOIN_REPEAT and TIMER_RESPONSE. */
void upstream_timer(Proxy *p, Timer *t, usec_t now) {
        if (t->kind == TIMER_JOIN_REPEAT) {
                UpGroup *g = container_of(t, UpGroup, repeat_timer);
                if (g->joined) {
                        upstream_report(p, g, now);
                        if (--g->repeats_left > 0)
                                timerq_arm(&p->timers, t, t->when + USEC_PER_SEC);
                }
        } else {
                UpGroup *g = container_of(t, UpGroup, response_timer);
                if (g->joined)
                        upstream_report(p, g, now);
        }
}
