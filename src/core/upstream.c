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
 *   current-state records of the merged state (IS_EX / IS_IN with its
 *   sources; the any-source join is IS_EX {}), batched into as few v3
 *   reports as the MTU allows (4.2.16); a change of the merged state is a
 *   state-change report as the table of 5.1 says: a filter mode change is
 *   TO_EX / TO_IN with the new list (a join to EXCLUDE, a leave from
 *   EXCLUDE), a source list change ALLOW (new) + BLOCK (old) in one report
 *   (a join to INCLUDE (A) is ALLOW (A), its leave BLOCK (A)). What is
 *   pending is sent once and retransmitted [Robustness] - 1 times at random
 *   within the Unsolicited Report Interval: the mode change as a whole, each
 *   changed source on its own count; a further change sends at once what is
 *   pending then (5.1's merge). v1/v2: only joins and leaves, repeated the
 *   same way.
 * - Answers (RFC 2236 3, RFC 3376 5.2): v1/v2 (and v3 queries heard in an
 *   older mode): a random delay within Max Resp Time per group; v3: one
 *   interface timer for a general query, a group timer for a group-specific
 *   one, an earlier pending answer always stays. Max Resp Time 0 = at once.
 *   A group-and-source-specific query is answered with IS_IN of the queried
 *   sources the merged state wants (none: no answer), its sources added to
 *   a pending one's (5.2 rules 3-5).
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

/* Room for a v3 report's records: the MTU less the IP header and the report's own 8 bytes. */
static size_t report_room(const Proxy *p) {
        return p->up.mtu > IGMP_IP_HEADER_LEN + 8 ? p->up.mtu - IGMP_IP_HEADER_LEN - 8 : 0;
}

static Effect *push_record(Proxy *p, EffectType type, in4_t group, uint8_t record, const in4_t *src, size_t n);

/* RFC 3376 4.2.16: a record too big for one report: an EXCLUDE record
 * (IS_EX, TO_EX) carries as many sources as fit, the same ones each time
 * (the list is sorted); any other type is split into records of the same
 * type, each in its own report. Returns how many sources are left for the
 * last record, which the caller pushes. */
static size_t split_record(Proxy *p, EffectType type, in4_t group, uint8_t record, const in4_t **src, size_t n) {
        size_t fit = upstream_record_fit(p);

        if (p->up.report_version < 3 || n <= fit)
                return n;
        if (record == IGMP_MODE_IS_EXCLUDE || record == IGMP_CHANGE_TO_EXCLUDE)
                return fit;
        while (n > fit) {
                if (!push_record(p, type, group, record, *src, fit))
                        break;
                p->stats.report_packets++;
                *src += fit;
                n -= fit;
        }
        return n;
}

/* A v3 record with its sources (EFFECT_SOURCE effects after it), split or
 * cut to the MTU. */
static Effect *push_record(Proxy *p, EffectType type, in4_t group, uint8_t record, const in4_t *src, size_t n) {
        Effect *e;
        size_t head;

        n = split_record(p, type, group, record, &src, n);
        e = push_send(p, type, group, record);
        if (!e || p->up.report_version < 3 || n == 0)
                return e;
        head = p->n_effects - 1;
        p->effects[head].n_sources = (uint16_t) n;
        for (size_t k = 0; k < n; k++) {
                Effect *s = effect_push(p, EFFECT_SOURCE);
                if (!s)
                        break;
                s->vif = p->upstream;
                s->group = group;
                s->source = src[k];
        }
        return &p->effects[head]; /* the queue may have moved */
}

/* Something was reported for g now: its auto refresh is due IntervalSec later; with
 * Enabled=yes the next cycle comes no later than that either (InitialDelaySec may be longer:
 * a group joined before the first cycle does not wait for it), so two reports are never more
 * than IntervalSec + SpreadSec apart (igmpproxy.conf(5)). */
static void reported(Proxy *p, UpGroup *g, usec_t now) {
        usec_t due = now + p->cfg->refresh_interval;

        g->last_report = now;
        if (p->cfg->refresh == REFRESH_AUTO)
                timerq_arm(&p->timers, &g->refresh_timer, due);
        else if (p->cfg->refresh == REFRESH_YES && timer_armed(&p->refresh_timer) && p->refresh_timer.when > due)
                timerq_arm(&p->timers, &p->refresh_timer, due);
}

/* The open v3 current-state report can take one more record of this size now. */
static bool batch_has_room(const Proxy *p, size_t bytes, usec_t now) {
        const UpstreamHost *u = &p->up;
        const Effect *e;

        if (!u->batch_open || u->batch_gen != p->effects_gen || u->batch_time != now ||
            u->batch_effect >= p->n_effects)
                return false;
        e = &p->effects[u->batch_effect];
        return e->type == EFFECT_SEND_REPORT && e->version == 3 && !e->more &&
               (e->record == IGMP_MODE_IS_EXCLUDE || e->record == IGMP_MODE_IS_INCLUDE) &&
               u->batch_bytes + bytes <= report_room(p) && u->batch_effect + 1 + e->n_sources == p->n_effects;
}

/* A current-state record of g (RFC 3376 5.2: IS_EX or IS_IN with the merged
 * sources), batched with others into reports up to the MTU (4.2.16). */
void upstream_report(Proxy *p, UpGroup *g, usec_t now) {
        UpstreamHost *u = &p->up;
        size_t fit = upstream_record_fit(p);
        bool big = g->n_src > fit;
        size_t bytes = igmp_v3_record_size(big ? fit : g->n_src);
        bool join_batch = u->report_version == 3 && !big && batch_has_room(p, bytes, now);
        Effect *e;

        if (join_batch)
                p->effects[u->batch_effect].more = true;
        e = push_record(p, EFFECT_SEND_REPORT, g->group, g->mode, g->src, g->n_src);
        if (!e)
                return;
        if (u->report_version < 3)
                g->older_join = true;
        p->stats.reports_sent++;
        if (join_batch)
                u->batch_bytes += bytes;
        else {
                p->stats.report_packets++;
                u->batch_open = u->report_version == 3;
                u->batch_bytes = bytes;
                u->batch_gen = p->effects_gen;
                u->batch_time = now;
        }
        u->batch_effect = (size_t) (e - p->effects);
        reported(p, g, now);
}

/* ---- state changes (RFC 3376 5.1) ------------------------------------------------- */

/* What the upstream router is told g is now: its state while joined, INCLUDE {} once left. */
static bool up_wants(const UpGroup *g, in4_t a) {
        bool listed;

        if (!g->joined)
                return false;
        listed = in4_set_contains(g->src, g->n_src, a);
        return g->mode == IGMP_MODE_IS_EXCLUDE ? !listed : listed;
}

static bool change_pending(const UpGroup *g) {
        return g->mode_left > 0 || g->n_chg > 0;
}

/* One state-change report with what is pending: the filter mode change
 * (TO_EX / TO_IN with the current list), else the sources' ALLOW and BLOCK
 * records; below v3 the join (report) or the leave. */
static void send_pending(Proxy *p, UpGroup *g, usec_t now) {
        EffectType t = g->joined ? EFFECT_SEND_REPORT : EFFECT_SEND_LEAVE;
        _cleanup_(freep) in4_t *allow = NULL, *block = NULL;
        size_t na = 0, nb = 0, w = 0;
        Effect *e;

        if (p->up.report_version < 3 || g->mode_left > 0) {
                uint8_t rec = g->joined && g->mode == IGMP_MODE_IS_EXCLUDE ? IGMP_CHANGE_TO_EXCLUDE
                                                                            : IGMP_CHANGE_TO_INCLUDE;
                if (g->mode_left > 0)
                        g->mode_left--;
                if (p->up.report_version < 3) {
                        g->n_chg = 0;
                        rec = g->joined ? IGMP_CHANGE_TO_EXCLUDE : IGMP_CHANGE_TO_INCLUDE;
                        if (!g->joined && p->up.report_version < 2)
                                return; /* RFC 1112: no leave message */
                }
                e = push_record(p, t, g->group, rec, g->joined ? g->src : NULL, g->joined ? g->n_src : 0);
                if (p->up.report_version < 3)
                        g->older_join = g->joined;
                else if (rec == IGMP_CHANGE_TO_INCLUDE)
                        g->older_join = false; /* TO_IN puts the router in INCLUDE mode */
        } else {
                allow = malloc(g->n_chg * sizeof *allow);
                block = malloc(g->n_chg * sizeof *block);
                if (!allow || !block) {
                        p->stats.alloc_failures++;
                        g->n_chg = 0;
                        return;
                }
                for (size_t k = 0; k < g->n_chg; k++) {
                        UpSourceChange *c = &g->chg[k];
                        if (up_wants(g, c->addr))
                                allow[na++] = c->addr;
                        else
                                block[nb++] = c->addr;
                        if (--c->left > 0)
                                g->chg[w++] = *c;
                }
                g->n_chg = (uint16_t) w;
                e = NULL;
                if (na) {
                        e = push_record(p, t, g->group, IGMP_ALLOW_NEW_SOURCES, allow, na);
                        /* one report with both records when they fit (4.2.16) */
                        if (e && nb && igmp_v3_record_size(e->n_sources) + igmp_v3_record_size(nb) <= report_room(p))
                                e->more = true;
                        else if (e && nb)
                                p->stats.report_packets++;
                }
                if (nb)
                        e = push_record(p, t, g->group, IGMP_BLOCK_OLD_SOURCES, block, nb);
        }
        if (!e)
                return;
        p->stats.report_packets++;
        if (g->joined) {
                p->stats.reports_sent++;
                reported(p, g, now);
        } else
                p->stats.leaves_sent++;
}

/* RFC 3376 5.1: [Robustness] - 1 retransmissions, each at a random time in
 * (0, Unsolicited Report Interval] after the previous one. */
static void send_change(Proxy *p, UpGroup *g, usec_t now) {
        send_pending(p, g, now);
        if (change_pending(g))
                timerq_arm(&p->timers, &g->repeat_timer,
                           now + 1 + rng_below(&p->rng, p->cfg->unsolicited_report_interval));
        else
                timerq_disarm(&p->timers, &g->repeat_timer);
}

static unsigned transmissions(const Proxy *p) {
        return MAX(p->cfg->robustness, 1U);
}

/* A change of the filter mode: its record is repeated, per-source records are superseded. */
static void mode_change(Proxy *p, UpGroup *g) {
        g->mode_left = (uint8_t) transmissions(p);
        g->n_chg = 0;
}

/* Sources whose state changed get [Robustness] ALLOW/BLOCK transmissions. */
static void source_changes(Proxy *p, UpGroup *g, const in4_t *a, size_t na, const in4_t *b, size_t nb) {
        /* the symmetric difference of two sorted lists */
        size_t i = 0, j = 0;

        while (i < na || j < nb) {
                in4_t x;
                if (j >= nb || (i < na && a[i] < b[j]))
                        x = a[i++];
                else if (i >= na || b[j] < a[i])
                        x = b[j++];
                else {
                        i++, j++;
                        continue;
                }
                size_t k;
                for (k = 0; k < g->n_chg && g->chg[k].addr != x; k++)
                        ;
                if (k == g->n_chg) {
                        if (g->n_chg == g->cap_chg) {
                                size_t cap = g->cap_chg ? 2 * g->cap_chg : 4;
                                UpSourceChange *v = cap <= UINT16_MAX ? realloc(g->chg, cap * sizeof *v) : NULL;
                                if (!v) {
                                        /* cannot say it per source: say the whole state */
                                        p->stats.alloc_failures++;
                                        mode_change(p, g);
                                        return;
                                }
                                g->chg = v;
                                g->cap_chg = (uint16_t) cap;
                        }
                        g->n_chg++;
                }
                g->chg[k] = (UpSourceChange) { .addr = x, .left = (uint8_t) transmissions(p) };
        }
}

/* Joins the group upstream unless it is joined already or the filters forbid
 * it. Returns true when it joined now. INCLUDE {} -> INCLUDE (A) is ALLOW (A),
 * -> EXCLUDE (B) is TO_EX (B). */
bool upstream_join(Proxy *p, UpGroup *g, usec_t now) {
        if (g->joined || !group_upstream_allowed(p, g->group))
                return false;
        g->joined = true;
        g->joined_at = now;
        p->n_joined++;
        if (p->up.report_version < 3 || g->mode == IGMP_MODE_IS_EXCLUDE || g->mode_left > 0)
                mode_change(p, g);
        else
                source_changes(p, g, NULL, 0, g->src, g->n_src);
        send_change(p, g, now);
        event_push(p, EVENT_UPSTREAM_JOINED, p->upstream, g->group, 0, (uint64_t) p->up.report_version);
        return true;
}

void upstream_changed(Proxy *p, UpGroup *g, uint8_t old_mode, const in4_t *old_src, size_t old_n, usec_t now) {
        if (!g->joined || p->up.report_version < 3)
                return; /* RFC 3376 7.2.1: v1/v2 hosts have no source lists to change */
        if (old_mode != g->mode || g->mode_left > 0 || g->older_join)
                mode_change(p, g);
        else
                source_changes(p, g, old_src, old_n, g->src, g->n_src);
        send_change(p, g, now);
}

/* Leaves the group upstream (send: a leave goes out and is retransmitted;
 * false when the upstream link is gone and nothing can be sent). Pending
 * answers and retransmissions stop whether it was joined or not. EXCLUDE ->
 * INCLUDE {} is TO_IN ({}), INCLUDE (A) -> INCLUDE {} is BLOCK (A). */
void upstream_leave(Proxy *p, UpGroup *g, bool send, usec_t now) {
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        timerq_disarm(&p->timers, &g->refresh_timer);
        if (!g->joined) {
                g->mode_left = 0;
                g->n_chg = 0;
                return;
        }
        g->joined = false;
        p->n_joined--;
        if (send && !p->shut_down) {
                /* After an IGMPv1/v2 join the router holds the group in EXCLUDE
                 * mode (RFC 3376 7.3.2: a v2 report is IS_EX({})), where
                 * BLOCK (A) would not end it: TO_IN ({}) ends it in either mode. */
                if (p->up.report_version < 3 || g->mode == IGMP_MODE_IS_EXCLUDE || g->mode_left > 0 ||
                    g->older_join)
                        mode_change(p, g);
                else
                        source_changes(p, g, g->src, g->n_src, NULL, 0);
                send_change(p, g, now);
        } else {
                g->mode_left = 0;
                g->n_chg = 0;
        }
        /* count: whether a leave went out; the journal tells the two apart. */
        event_push(p, EVENT_UPSTREAM_LEFT, p->upstream, g->group, 0, send ? 1 : 0);
}

void upstream_init(Proxy *p) {
        p->up.report_version = (int) p->cfg->report_version;
        p->up.mtu = 1500;
        timer_init(&p->up.answer_timer, TIMER_UP_ANSWER);
        timer_init(&p->up.compat_timer, TIMER_UP_COMPAT);
}

void upstream_reconfigure(Proxy *p, usec_t now) {
        upstream_compat_update(p, 0, now);
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
                upstream_compat_arm(p);
                upstream_compat_update(p, src, now);
        }
}

/* RFC 3376 5.2 rules 3-5: a group-and-source-specific query records its
 * sources for the answer (added to those of one pending); a group-specific
 * query, or one pending without sources, answers for the whole group. */
static void record_queried_sources(Proxy *p, UpGroup *g, const IgmpMessage *m) {
        bool pending = timer_armed(&g->response_timer);
        size_t n;
        in4_t *v;

        if (m->n_sources == 0 || (pending && g->n_queried == 0)) {
                g->n_queried = 0; /* the whole group */
                return;
        }
        n = MIN((size_t) g->n_queried + m->n_sources, (size_t) SOURCES_MAX);
        v = realloc(g->queried, n * sizeof *v);
        if (!v) {
                p->stats.alloc_failures++;
                g->n_queried = 0; /* answer for the whole group instead */
                return;
        }
        g->queried = v;
        for (size_t k = g->n_queried; k < n; k++)
                v[k] = igmp_query_source(m, (uint16_t) (k - g->n_queried));
        g->n_queried = (uint16_t) in4_set_normalize(v, n);
}

/* The group's answer: its whole current state, or for a group-and-source-
 * specific query IS_IN of the queried sources it wants (none: no answer). */
static void answer_group(Proxy *p, UpGroup *g, usec_t now) {
        size_t n = 0;

        if (g->n_queried == 0 || p->up.report_version < 3) {
                g->n_queried = 0;
                upstream_report(p, g, now);
                return;
        }
        for (size_t k = 0; k < g->n_queried; k++) {
                bool listed = in4_set_contains(g->src, g->n_src, g->queried[k]);
                if (g->mode == IGMP_MODE_IS_EXCLUDE ? !listed : listed)
                        g->queried[n++] = g->queried[k];
        }
        g->n_queried = 0;
        if (n == 0)
                return;
        if (push_record(p, EFFECT_SEND_REPORT, g->group, IGMP_MODE_IS_INCLUDE, g->queried, n)) {
                p->stats.reports_sent++;
                p->stats.report_packets++;
                reported(p, g, now);
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
                if (g && g->joined) {
                        record_queried_sources(p, g, m);
                        arm_group_answer(p, g, when);
                }
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

/* The group's state changed again meanwhile: that send re-armed or
 * cancelled this timer, so what fires is always what is pending now. */
static void retransmit(Proxy *p, UpGroup *g, usec_t now) {
        if (change_pending(g))
                send_change(p, g, now);
        if (!g->joined && !timer_armed(&g->repeat_timer))
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
                        answer_group(p, g, now);
                break;
        case TIMER_UP_ANSWER:
                answer_all(p, now);
                break;
        case TIMER_UP_COMPAT:
                upstream_compat_fired(p, now);
                break;
        default:
                break;
        }
}
