/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * upstream.c - the host side of the proxy on its upstream link (RFC 4605
 * 4.1: "the proxy performs the host portion of IGMP on the upstream
 * interface"): it reports the merged membership, retransmits joins and
 * leaves, answers the upstream querier and follows its version.
 *
 * - Host compatibility (RFC 3376 7.2.1): a v1 or v2 query starts an Older
 *   Version Querier Present timer of Robustness x Query Interval + Query
 *   Response Interval (8.12) of that querier: its QRV and QQIC from its last
 *   v3 query if it sent one, the RFC defaults (2, 125 s) otherwise, and the
 *   Max Resp Time of the query. While one runs every report and leave is in
 *   that version (v1: no leave at all); ReportVersion= is the version when
 *   none runs. A change of version cancels the pending answers and join
 *   retransmissions.
 * - Record types (RFC 3376 5): answers, refreshes and stall re-reports are
 *   current-state records (MODE_IS_EXCLUDE), batched into as few v3 reports
 *   as the MTU allows (4.2.16); joins and leaves are state-change records
 *   (CHANGE_TO_EXCLUDE / CHANGE_TO_INCLUDE), one group per report, sent once
 *   and retransmitted [Robustness] - 1 times at random within the Unsolicited
 *   Report Interval (5.1); a leave cancels the join's retransmissions and a
 *   join the leave's. v1/v2 joins and leaves repeat the same way.
 * - Answers (RFC 2236 3, RFC 3376 5.2): v1/v2 (and v3 queries heard in an
 *   older mode): a random delay within Max Resp Time per group; v3: one
 *   interface timer for a general query, a group timer for a group-specific
 *   one, an earlier pending answer always stays. Max Resp Time 0 = at once.
 * - Every report (any kind) restarts the group's Enabled=auto refresh
 *   deadline (UpGroup.refresh_timer, fired by refresh.c).
 *
 * Deciding when a group is joined or left is the merge's (proxy.c);
 * validating what is heard is proxy.c's too (only valid queries get here).
 * Calls only groups.c, the effect queue, the timer queue and the codec's
 * capacity rule.
 */
#include "core.h"

#define RFC_ROBUSTNESS 2
#define RFC_QUERY_INTERVAL (125 * USEC_PER_SEC)

static Effect *push_send(Proxy *p, EffectType type, in4_t group, uint8_t record) {
        Effect *e = effect_push(p, type);

        if (!e)
                return NULL;
        e->vif = p->upstream;
        e->group = group;
        e->version = (uint8_t) p->up.report_version;
        e->record = record;
        return e;
}

/* Something was reported for g now: its auto refresh is due IntervalSec later. */
static void reported(Proxy *p, UpGroup *g, usec_t now) {
        g->last_report = now;
        if (p->cfg->refresh == REFRESH_AUTO)
                timerq_arm(&p->timers, &g->refresh_timer, now + p->cfg->refresh_interval);
}

/* The open v3 current-state report can take one more record now. */
static bool batch_has_room(const Proxy *p, usec_t now) {
        const UpstreamHost *u = &p->up;
        const Effect *e;

        if (!u->batch_open || u->batch_gen != p->effects_gen || u->batch_time != now ||
            u->batch_effect >= p->n_effects)
                return false;
        e = &p->effects[u->batch_effect];
        return e->type == EFFECT_SEND_REPORT && e->version == 3 && e->record == IGMP_MODE_IS_EXCLUDE && !e->more &&
               u->batch_records < igmp_v3_report_capacity(u->mtu);
}

void upstream_report(Proxy *p, UpGroup *g, usec_t now) {
        UpstreamHost *u = &p->up;
        bool join_batch = u->report_version == 3 && batch_has_room(p, now);
        Effect *e;

        if (join_batch)
                p->effects[u->batch_effect].more = true;
        e = push_send(p, EFFECT_SEND_REPORT, g->group, IGMP_MODE_IS_EXCLUDE);
        if (!e)
                return;
        p->stats.reports_sent++;
        if (join_batch) {
                u->batch_records++;
        } else {
                p->stats.report_packets++;
                u->batch_open = u->report_version == 3;
                u->batch_records = 1;
                u->batch_gen = p->effects_gen;
                u->batch_time = now;
        }
        u->batch_effect = p->n_effects - 1;
        reported(p, g, now);
}

/* One state-change message: a join (TO_EX / v1-v2 report) or a leave (TO_IN /
 * v2 leave; nothing in v1). */
static void send_change(Proxy *p, UpGroup *g, uint8_t record, usec_t now) {
        if (record == IGMP_CHANGE_TO_INCLUDE) {
                if (p->up.report_version < 2)
                        return; /* RFC 1112: no leave message */
                if (push_send(p, EFFECT_SEND_LEAVE, g->group, record)) {
                        p->stats.leaves_sent++;
                        p->stats.report_packets++;
                }
                return;
        }
        if (push_send(p, EFFECT_SEND_REPORT, g->group, record)) {
                p->stats.reports_sent++;
                p->stats.report_packets++;
                reported(p, g, now);
        }
}

/* RFC 3376 5.1: [Robustness] - 1 retransmissions, each at a random time in
 * (0, Unsolicited Report Interval] after the previous one. */
static void arm_retransmission(Proxy *p, UpGroup *g, usec_t now) {
        timerq_arm(&p->timers, &g->repeat_timer, now + 1 + rng_below(&p->rng, p->cfg->unsolicited_report_interval));
}

static void state_change(Proxy *p, UpGroup *g, uint8_t record, usec_t now) {
        timerq_disarm(&p->timers, &g->repeat_timer);
        g->change_record = record;
        send_change(p, g, record, now);
        g->repeats_left = p->cfg->robustness > 1 ? p->cfg->robustness - 1 : 0;
        if (g->repeats_left > 0)
                arm_retransmission(p, g, now);
}

/* Joins the group upstream unless it is joined already or the filters forbid
 * it. Returns true when it joined now. */
bool upstream_join(Proxy *p, UpGroup *g, usec_t now) {
        if (g->joined || !group_upstream_allowed(p, g->group))
                return false;
        g->joined = true;
        g->joined_at = now;
        p->n_joined++;
        state_change(p, g, IGMP_CHANGE_TO_EXCLUDE, now);
        event_push(p, EVENT_UPSTREAM_JOINED, p->upstream, g->group, 0, (uint64_t) p->up.report_version);
        return true;
}

/* Leaves the group upstream (send: a leave goes out and is retransmitted;
 * false when the upstream link is gone and nothing can be sent). Pending
 * answers and retransmissions stop whether it was joined or not. */
void upstream_leave(Proxy *p, UpGroup *g, bool send, usec_t now) {
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        timerq_disarm(&p->timers, &g->refresh_timer);
        if (!g->joined)
                return;
        g->joined = false;
        p->n_joined--;
        if (send && !p->shut_down)
                state_change(p, g, IGMP_CHANGE_TO_INCLUDE, now);
        /* count: whether a leave went out; the journal tells the two apart. */
        event_push(p, EVENT_UPSTREAM_LEFT, p->upstream, g->group, 0, send ? 1 : 0);
}

/* ---- host compatibility (RFC 3376 7.2.1) ------------------------------------------- */

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
static void update_version(Proxy *p, in4_t by, usec_t now) {
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
                if (g->joined)
                        timerq_disarm(&p->timers, &g->repeat_timer);
        }
        event_push(p, EVENT_UPSTREAM_VERSION, p->upstream, 0, by, (uint64_t) v);
}

static void arm_compat_timer(Proxy *p) {
        usec_t a = p->up.v1_until, b = p->up.v2_until;
        usec_t next = a && b ? MIN(a, b) : a ? a : b;

        if (next)
                timerq_arm(&p->timers, &p->up.compat_timer, next);
        else
                timerq_disarm(&p->timers, &p->up.compat_timer);
}

static void compat_timer_fired(Proxy *p, usec_t now) {
        if (p->up.v1_until && p->up.v1_until <= now)
                p->up.v1_until = 0;
        if (p->up.v2_until && p->up.v2_until <= now)
                p->up.v2_until = 0;
        arm_compat_timer(p);
        update_version(p, 0, now);
}

void upstream_init(Proxy *p) {
        p->up.report_version = (int) p->cfg->report_version;
        p->up.mtu = 1500;
        timer_init(&p->up.answer_timer, TIMER_UP_ANSWER);
        timer_init(&p->up.compat_timer, TIMER_UP_COMPAT);
}

void upstream_reconfigure(Proxy *p, usec_t now) {
        update_version(p, 0, now);
}

/* ---- answers (RFC 2236 3, RFC 3376 5.2) -------------------------------------------- */

static void arm_group_answer(Proxy *p, UpGroup *g, usec_t when) {
        if (!timer_armed(&g->response_timer) || g->response_timer.when > when)
                timerq_arm(&p->timers, &g->response_timer, when);
}

static usec_t answer_delay(Proxy *p, usec_t max_resp) {
        return max_resp > 0 ? rng_below(&p->rng, max_resp) : 0;
}

static void note_querier(Proxy *p, in4_t src, const IgmpMessage *m, usec_t now) {
        UpstreamHost *u = &p->up;

        p->stats.upstream_queries++;
        p->stats.last_upstream_query = now;
        u->querier = src;
        u->version = m->version;
        u->max_resp = m->max_resp_usec;
        u->last_heard = now;
        if (m->version == 3) {
                u->qrv = m->qrv;
                u->qqi = m->qqi_usec;
        }
        event_push(p, EVENT_UPSTREAM_QUERY, p->upstream, m->group, src, m->version);
        if (m->version < 3) {
                /* RFC 3376 8.12: Robustness x the Query Interval in the last
                 * Query received + one Query Response Interval. */
                usec_t rv = u->qrv ? u->qrv : RFC_ROBUSTNESS;
                usec_t qi = u->qqi ? u->qqi : RFC_QUERY_INTERVAL;
                usec_t until = now + rv * qi + m->max_resp_usec;
                if (m->version == 1)
                        u->v1_until = until;
                else
                        u->v2_until = until;
                arm_compat_timer(p);
                update_version(p, src, now);
        }
}

void upstream_on_query(Proxy *p, in4_t src, const IgmpMessage *m, usec_t now) {
        UpstreamHost *u = &p->up;
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        note_querier(p, src, m, now);
        if (u->report_version == 3 && m->version == 3) {
                usec_t when = now + answer_delay(p, m->max_resp_usec);
                /* RFC 3376 5.2 rules 1 and 2: an interface answer due
                 * earlier covers this query. */
                if (timer_armed(&u->answer_timer) && u->answer_timer.when <= when)
                        return;
                if (m->group == 0) {
                        timerq_arm(&p->timers, &u->answer_timer, when);
                        return;
                }
                g = group_find(p, m->group);
                if (g && g->joined)
                        arm_group_answer(p, g, when);
                return;
        }
        /* RFC 2236 3: each group its own random delay; a pending answer due
         * earlier stays. */
        if (m->group != 0) {
                g = group_find(p, m->group);
                if (g && g->joined)
                        arm_group_answer(p, g, now + answer_delay(p, m->max_resp_usec));
                return;
        }
        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined)
                        arm_group_answer(p, g, now + answer_delay(p, m->max_resp_usec));
}

static void answer_all(Proxy *p, usec_t now) {
        size_t b = 0;
        void *it = NULL;
        UpGroup *g;

        while ((g = hash_next(&p->groups, &b, &it)))
                if (g->joined && g->out_mask) {
                        timerq_disarm(&p->timers, &g->response_timer);
                        upstream_report(p, g, now);
                }
}

static void retransmit(Proxy *p, UpGroup *g, usec_t now) {
        bool leave = g->change_record == IGMP_CHANGE_TO_INCLUDE;

        /* Stale: the group changed state again (that cancelled this timer) */
        if (leave == g->joined)
                return;
        send_change(p, g, g->change_record, now);
        if (g->repeats_left > 0 && --g->repeats_left > 0)
                arm_retransmission(p, g, now);
        else if (leave)
                group_maybe_free(p, g); /* the last leave went: nothing holds it */
}

void upstream_timer(Proxy *p, Timer *t, usec_t now) {
        UpGroup *g;

        switch (t->kind) {
        case TIMER_JOIN_REPEAT:
                retransmit(p, container_of(t, UpGroup, repeat_timer), now);
                break;
        case TIMER_RESPONSE:
                g = container_of(t, UpGroup, response_timer);
                if (g->joined)
                        upstream_report(p, g, now);
                break;
        case TIMER_UP_ANSWER:
                answer_all(p, now);
                break;
        case TIMER_UP_COMPAT:
                compat_timer_fired(p, now);
                break;
        default:
                break;
        }
}
