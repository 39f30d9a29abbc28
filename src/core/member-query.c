/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * member-query.c - the querier's question rounds for one group on one link
 * (RFC 3376 6.6.3): "Send Q(G)" lowers the group timer to LMQT and asks
 * [Last Member Query Count] times [Last Member Query Interval] apart, with
 * the S flag set once a report raised the timer above LMQT again
 * (6.6.3.1); "Send Q(G,X)" does the same per source, each query round
 * split in two: S set for the sources renewed meanwhile, S clear for the
 * others (6.6.3.2). Also the source timer of a Member (the earliest running
 * source timer) and the predicates that pick sources for the tables.
 *
 * Called by membership.c; calls only querier.c, sources.c and the queues.
 */
#include "core.h"

#include <stdlib.h>

void member_arm_source_timer(Proxy *p, Member *m) {
        usec_t next = USEC_INFINITY;

        for (size_t k = 0; k < m->src.n; k++)
                if (m->src.v[k].expires)
                        next = MIN(next, m->src.v[k].expires);
        if (next == USEC_INFINITY)
                timerq_disarm(&p->timers, &m->src_timer);
        else
                timerq_arm(&p->timers, &m->src_timer, next);
}

bool member_has_retrans(const Member *m) {
        for (size_t k = 0; k < m->src.n; k++)
                if (m->src.v[k].retrans)
                        return true;
        return false;
}

/* One round of queries for what is pending (6.6.3.1, 6.6.3.2): the group
 * query with the S flag set when a report raised the group timer past LMQT
 * meanwhile; the sources in two queries, S set for those whose timers are
 * above LMQT again, S clear for the others. */
static void send_pending_queries(Proxy *p, Iface *i, Member *m, bool group_query, usec_t now) {
        usec_t lmqt = now + core_lmqt(p->cfg);
        in4_t *set = NULL, *clear = NULL;
        size_t ns = 0, nc = 0;

        if (group_query)
                querier_send_group_query(p, i, m->group, timer_armed(&m->timer) && m->timer.when > lmqt, NULL, 0);
        if (!member_has_retrans(m))
                return;
        set = malloc(m->src.n * sizeof *set);
        clear = malloc(m->src.n * sizeof *clear);
        if (set && clear) {
                for (size_t k = 0; k < m->src.n; k++) {
                        SrcRec *r = &m->src.v[k];
                        if (!r->retrans)
                                continue;
                        r->retrans--;
                        if (r->expires > lmqt)
                                set[ns++] = r->addr;
                        else
                                clear[nc++] = r->addr;
                }
                if (ns)
                        querier_send_group_query(p, i, m->group, true, set, ns);
                if (nc)
                        querier_send_group_query(p, i, m->group, false, clear, nc);
        } else
                p->stats.alloc_failures++;
        free(set);
        free(clear);
}

static void arm_lmq(Proxy *p, Member *m, usec_t from) {
        if (m->lmq_left > 0 || member_has_retrans(m))
                timerq_arm(&p->timers, &m->lmq_timer, from + p->cfg->last_member_query_interval);
        else
                timerq_disarm(&p->timers, &m->lmq_timer);
}

/* Whether this link can run query rounds now: only the querier sends them
 * (6.6.3), none in IGMPv1 mode (7.3.1: v1 has no group-specific query) and
 * no source-specific ones below v3. */
static bool can_query(const Proxy *p, const Iface *i, bool sources) {
        int v = querier_version(p, i);
        return i->querier && v >= 2 && (!sources || v >= 3);
}

/* "Send Q(G)" (6.6.3.1): the group timer to LMQT, a query now and
 * [LMQC] - 1 more [LMQI] apart. */
void member_query_group(Proxy *p, Iface *i, Member *m, usec_t now) {
        usec_t t = now + core_lmqt(p->cfg);

        if (!can_query(p, i, false))
                return;
        /* A leave heard while a round runs: as an IGMPv3 querier "Send Q(G)" again, a
         * query now and LMQC - 1 retransmissions after it (RFC 3376 6.4.2, EXCLUDE +
         * TO_IN, and 6.6.3.1; the group timer only ever lowered, so the membership
         * still ends LMQT after the first leave). As an IGMPv2 querier (Version=2, or
         * an older querier present: 7.3.1) RFC 2236 7 applies: in "Checking
         * Membership" a leave is no event, the round goes on unchanged. */
        if (m->queried && timer_armed(&m->timer) && m->timer.when <= t && querier_version(p, i) < 3)
                return;
        if (!timer_armed(&m->timer) || m->timer.when > t)
                timerq_arm(&p->timers, &m->timer, t);
        m->queried = true;
        m->lmq_left = p->cfg->last_member_query_count > 0 ? p->cfg->last_member_query_count - 1 : 0;
        querier_send_group_query(p, i, m->group, false, NULL, 0);
        arm_lmq(p, m, now);
}

/* "Send Q(G,X)" (6.6.3.2): each source of X whose timer is above LMQT gets
 * [LMQC] retransmissions and its timer lowered to LMQT; then the first
 * round goes out. X is a predicate over the records, evaluated now. */
void member_query_sources(Proxy *p, Iface *i, Member *m, SourcePick pick, const in4_t *b, size_t nb, usec_t now) {
        usec_t t = now + core_lmqt(p->cfg);
        bool any = false;

        if (!can_query(p, i, true))
                return;
        for (size_t k = 0; k < m->src.n; k++) {
                SrcRec *r = &m->src.v[k];
                if (!pick(r, b, nb) || r->expires <= t)
                        continue;
                r->retrans = (uint8_t) p->cfg->last_member_query_count;
                r->expires = t;
                r->lowered = true;
                any = true;
        }
        if (!any)
                return;
        member_arm_source_timer(p, m);
        send_pending_queries(p, i, m, false, now);
        if (!timer_armed(&m->lmq_timer))
                arm_lmq(p, m, now);
}

bool pick_in_b(const SrcRec *r, const in4_t *b, size_t nb) {
        return in4_set_contains(b, nb, r->addr);
}

bool pick_not_in_b(const SrcRec *r, const in4_t *b, size_t nb) {
        return !in4_set_contains(b, nb, r->addr);
}

/* Q(G, X-A) in EXCLUDE mode: requested sources (timer running) not in A. */
bool pick_requested_not_in_b(const SrcRec *r, const in4_t *b, size_t nb) {
        return r->expires != 0 && !in4_set_contains(b, nb, r->addr);
}

/* Q(G, A-Y) in EXCLUDE mode: sources of A whose timer runs. */
bool pick_requested_in_b(const SrcRec *r, const in4_t *b, size_t nb) {
        return r->expires != 0 && in4_set_contains(b, nb, r->addr);
}


/* lmq_timer fired (deadline 'when'): the next round, or nothing when
 * another querier took over (it asks now). */
void member_query_round(Proxy *p, Iface *i, Member *m, usec_t when, usec_t now) {
        if (!i->querier) {
                m->lmq_left = 0;
                for (size_t k = 0; k < m->src.n; k++)
                        m->src.v[k].retrans = 0;
                return;
        }
        send_pending_queries(p, i, m, m->lmq_left > 0, now);
        if (m->lmq_left > 0)
                m->lmq_left--;
        arm_lmq(p, m, when);
}
