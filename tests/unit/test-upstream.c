/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-upstream.c - Check suite for the upstream host side of the proxy (issue 10), written
 * against the public core API (proxy.h) on the fake clock:
 *
 *   compat   RFC 3376 7.2.1 Older Version Querier Present timers for v1 and v2: started and
 *            refreshed by the queries heard, lasting Robustness x Query Interval + Query
 *            Response Interval of that querier (RFC 3376 8.12), and the version of every kind
 *            of report (answer, join, repeat, leave, refresh, stall) while they run; a mode
 *            change cancels pending answers and retransmissions.
 *   records  RFC 3376 5: current-state records (MODE_IS_EXCLUDE) answer queries and refresh,
 *            state-change records (CHANGE_TO_EXCLUDE / CHANGE_TO_INCLUDE) join and leave and
 *            are retransmitted [Robustness] - 1 times at random within the Unsolicited Report
 *            Interval; a leave cancels the join's retransmissions and vice versa; v2 joins and
 *            leaves repeat the same way.
 *   batching RFC 3376 4.2.16 / 5.2: a general query is answered with as few reports as the
 *            upstream MTU allows; a group-specific query for that group only.
 *   delays   RFC 2236 3 (v2: a random delay per group within Max Resp Time), RFC 3376 5.2 (v3:
 *            one interface timer), Max Resp Code 0 (RFC 3376 4.1.1: answer at once).
 *   refresh  the no-lapse invariant for Enabled=yes and auto: between two reports of a joined
 *            group with listeners never more than IntervalSec + SpreadSec + 1 s, under: no
 *            querier; a querier every 5 s that stops; a querier slower than IntervalSec;
 *            spoofed queries every second; a v1 querier. In auto mode no extra report while a
 *            querier answers every group often enough.
 *   validate RFC 2236 2, RFC 3376 4 and 9: IGMP with IP TTL other than 1 dropped and counted;
 *            v2/v3 queries without Router Alert, and queries from a source off the link's
 *            subnet, count for no querier election and no upstream querier (counted); reports
 *            without Router Alert accepted and counted (AcceptReportsWithoutRouterAlert=).
 *
 * T0 = 1000 s is the lab's start; every time is exact.
 */
#include <check.h>

#include "run-suite.h"
#include <stdio.h>
#include <stdlib.h>

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
#define G2 IN4(239, 2, 2, 2)
#define G3 IN4(239, 3, 3, 3)
#define UP_Q IN4(198, 18, 0, 1)       /* the upstream querier, on vlan2's 198.18.0.0/24 */
#define OFF_LINK IN4(198, 19, 200, 1) /* not on vlan2's subnet */
#define DOWN_Q IN4(198, 18, 1, 5)     /* a router on vlan10, lower than OUR_DOWN */
#define OUR_DOWN IN4(198, 18, 1, 100) /* vlan10's address in the validation tests */

static Config defaults(void) {
        Config c;

        config_init_defaults(&c);
        c.stall_timeout = 0;
        c.refresh = REFRESH_NO;
        c.report_version = 3;
        return c;
}

static Config with_upstream(unsigned report_version, RefreshMode refresh) {
        Config c = defaults();

        c.report_version = report_version;
        c.refresh = refresh;
        return c;
}

/* Reports (records) of group in [from, to) on the upstream interface. */
static size_t reports(const Lab *l, in4_t group, usec_t from, usec_t to) {
        return lab_count_in(l, EFFECT_SEND_REPORT, group, l->up, from, to);
}

static size_t leaves(const Lab *l, in4_t group, usec_t from, usec_t to) {
        return lab_count_in(l, EFFECT_SEND_LEAVE, group, l->up, from, to);
}

/* Report packets in [from, to): a report effect that is not continued by the next one. */
static size_t report_packets(const Lab *l, usec_t from, usec_t to) {
        size_t n = 0;

        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (r->e.type == EFFECT_SEND_REPORT && r->e.vif == l->up && !r->e.more && r->at >= from && r->at < to)
                        n++;
        }
        return n;
}

/* Records per packet, in order, for the reports in [from, to); returns the number of packets. */
static size_t packet_sizes(const Lab *l, usec_t from, usec_t to, size_t *sizes, size_t max) {
        size_t n = 0, cur = 0;

        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (r->e.type != EFFECT_SEND_REPORT || r->e.vif != l->up || r->at < from || r->at >= to)
                        continue;
                cur++;
                if (!r->e.more) {
                        if (n < max)
                                sizes[n] = cur;
                        n++;
                        cur = 0;
                }
        }
        ck_assert_uint_eq(cur, 0); /* no packet left open */
        return n;
}

/* Every upstream report / leave of group in [from, to) has this version and record type. */
static bool all_are(const Lab *l, EffectType type, in4_t group, usec_t from, usec_t to, int version, int record) {
        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (r->e.type != type || r->e.vif != l->up || r->at < from || r->at >= to)
                        continue;
                if (group != LAB_ANY_GROUP && r->e.group != group)
                        continue;
                if (r->e.version != version || (record >= 0 && r->e.record != record))
                        return false;
        }
        return true;
}

/* Longest time without a report of group in [from, to), the edges counting as reports. */
static usec_t max_gap(const Lab *l, in4_t group, usec_t from, usec_t to) {
        usec_t last = from, gap = 0;

        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (r->e.type != EFFECT_SEND_REPORT || r->e.vif != l->up || r->e.group != group)
                        continue;
                if (r->at < from || r->at >= to)
                        continue;
                gap = MAX(gap, r->at - last);
                last = r->at;
        }
        return MAX(gap, to - last);
}

/* Keeps the downstream listeners of the groups alive (a host answering queries every 100 s)
 * while the clock goes to until; calls tick (if any) every step. */
typedef void (*Tick)(Lab *l, void *userdata);
static void run_until(Lab *l, usec_t until, const in4_t *groups, size_t n, usec_t step, Tick tick, void *ud) {
        usec_t next_keep = l->now + SEC(100);

        while (l->now < until) {
                lab_advance_to(l, MIN(until, l->now + step));
                if (tick)
                        tick(l, ud);
                if (l->now >= next_keep) {
                        for (size_t k = 0; k < n; k++)
                                lab_report(l, LAB_DOWN_IFINDEX, HOST_A, groups[k], 2);
                        next_keep = l->now + SEC(100);
                }
        }
}

static void join(Lab *l, in4_t group) {
        lab_report(l, LAB_DOWN_IFINDEX, HOST_A, group, 2);
        ck_assert(proxy_group_joined(l->p, group));
}

static void leave(Lab *l, in4_t group) {
        lab_leave(l, LAB_DOWN_IFINDEX, HOST_A, group, 2);
        ck_assert(!proxy_group_joined(l->p, group));
}

static void query(Lab *l, int version, in4_t group, usec_t max_resp) {
        lab_query_ip(l, LAB_UP_IFINDEX, LAB_IP(UP_Q), version, group, max_resp, 2, SEC(125));
}

static int up_version(const Lab *l) {
        ProxyUpstreamQuerier q;

        proxy_upstream_querier(l->p, l->now, &q);
        return q.report_version;
}

/* ---- compat: RFC 3376 7.2.1 ----------------------------------------------------- */

START_TEST(test_v2_querier_makes_v3_host_answer_in_v2) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        const Rec *r;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        join(&l, G1);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 0)->e.version, 3);
        lab_advance(&l, SEC(5));
        ck_assert_int_eq(up_version(&l), 3);

        /* A v2 general query, Max Resp Time 10 s: the answer is an IGMPv2 report. */
        usec_t tq = l.now;
        query(&l, 2, 0, SEC(10));
        lab_advance(&l, SEC(10));
        ck_assert_uint_eq(reports(&l, G1, tq, l.now), 1);
        r = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, reports(&l, G1, LAB_ALWAYS) - 1);
        ck_assert_uint_eq(r->e.version, 2);
        ck_assert_uint_lt(r->at, tq + SEC(10));
        ck_assert_int_eq(up_version(&l), 2);
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.address, UP_Q);
        ck_assert_uint_eq(q.version, 2);
        ck_assert_uint_eq(q.last_heard, tq);
        /* RFC 3376 8.12 with the RFC defaults (a v2 query carries no QRV/QQIC): 2 x 125 s + the
         * query's 10 s. */
        ck_assert_uint_eq(q.v2_until, tq + SEC(260));
        ck_assert_uint_eq(q.v1_until, 0);

        /* Joins and leaves in v2 while it runs. */
        usec_t tj = l.now;
        join(&l, G2);
        lab_advance(&l, SEC(5));
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G2, tj, l.now, 2, -1));
        ck_assert_uint_ge(reports(&l, G2, tj, l.now), 2);
        usec_t tl = l.now;
        leave(&l, G2);
        lab_advance(&l, SEC(5));
        ck_assert_uint_ge(leaves(&l, G2, tl, l.now), 1);
        ck_assert(all_are(&l, EFFECT_SEND_LEAVE, G2, tl, l.now, 2, -1));

        /* Expiry: v3 again from tq + 260 s on. */
        lab_advance_to(&l, tq + SEC(260) - 1);
        ck_assert_int_eq(up_version(&l), 2);
        lab_advance_to(&l, tq + SEC(260));
        ck_assert_int_eq(up_version(&l), 3);
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.v2_until, 0);
        usec_t te = l.now;
        join(&l, G3);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G3, te, l.now + 1, 3, IGMP_CHANGE_TO_EXCLUDE));
        lab_done(&l);
}
END_TEST

START_TEST(test_v1_querier_no_leaves) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 1, 0, 0);
        lab_advance(&l, SEC(10));
        /* RFC 2236 4: a v1 query's Max Resp Time is 10 s; the answer is a v1 report. */
        ck_assert_uint_eq(reports(&l, G1, tq, l.now), 1);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tq, l.now, 1, -1));
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_int_eq(q.report_version, 1);
        ck_assert_uint_eq(q.version, 1);
        ck_assert_uint_eq(q.v1_until, tq + SEC(260));
        /* v1 has no leave: the group is left silently. */
        uint64_t leaves_before = proxy_stats(l.p)->leaves_sent;
        leave(&l, G1);
        lab_advance(&l, SEC(5));
        ck_assert_uint_eq(leaves(&l, G1, LAB_ALWAYS), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->leaves_sent, leaves_before);
        /* Joins are v1 reports. */
        usec_t tj = l.now;
        join(&l, G2);
        lab_advance(&l, SEC(5));
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G2, tj, l.now, 1, -1));
        lab_done(&l);
}
END_TEST

START_TEST(test_compat_timers_refresh_and_overlap) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        lab_init(&l, &c, false);
        join(&l, G1);
        usec_t t2 = l.now + SEC(1);
        lab_advance_to(&l, t2);
        query(&l, 2, 0, SEC(10));
        /* A later v2 query restarts the v2 timer from then. */
        lab_advance_to(&l, t2 + SEC(100));
        query(&l, 2, 0, SEC(5));
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.v2_until, t2 + SEC(100) + SEC(255));
        /* v1 on top: v1 wins while both run. */
        usec_t t1 = t2 + SEC(150);
        lab_advance_to(&l, t1);
        query(&l, 1, 0, 0);
        ck_assert_int_eq(up_version(&l), 1);
        /* v1 (t1 + 260) outlasts v2 (t2 + 355 = t1 + 205): v1 until its end, then v3. */
        lab_advance_to(&l, t1 + SEC(210));
        ck_assert_int_eq(up_version(&l), 1);
        lab_advance_to(&l, t1 + SEC(260));
        ck_assert_int_eq(up_version(&l), 3);

        /* Reversed: v1 ends first while v2 still runs -> v2. */
        usec_t u1 = l.now + SEC(1);
        lab_advance_to(&l, u1);
        query(&l, 1, 0, 0);
        lab_advance_to(&l, u1 + SEC(100));
        query(&l, 2, 0, SEC(10));
        lab_advance_to(&l, u1 + SEC(260));
        ck_assert_int_eq(up_version(&l), 2);
        lab_advance_to(&l, u1 + SEC(360));
        ck_assert_int_eq(up_version(&l), 3);

        /* A v3 query neither starts nor ends an older-version timer. */
        usec_t v = l.now + SEC(1);
        lab_advance_to(&l, v);
        query(&l, 3, 0, SEC(10));
        ck_assert_int_eq(up_version(&l), 3);
        query(&l, 2, 0, SEC(10));
        lab_advance_to(&l, v + SEC(10));
        query(&l, 3, 0, SEC(10));
        ck_assert_int_eq(up_version(&l), 2);
        lab_done(&l);
}
END_TEST

/* RFC 3376 8.12: "the Query Interval in the last Query received": the querier's own QRV and
 * QQIC (from its v3 queries) size the older-version timer, not ours. */
START_TEST(test_compat_timer_uses_that_queriers_values) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        lab_init(&l, &c, false);
        join(&l, G1);
        lab_advance(&l, SEC(1));
        lab_query_ip(&l, LAB_UP_IFINDEX, LAB_IP(UP_Q), 3, 0, SEC(1), 3, SEC(5));
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.qrv, 3);
        ck_assert_uint_eq(q.qqi, SEC(5));
        ck_assert_uint_eq(q.version, 3);
        lab_advance(&l, SEC(2));
        usec_t tq = l.now;
        query(&l, 2, 0, SEC(1));
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.v2_until, tq + 3 * SEC(5) + SEC(1));
        lab_advance_to(&l, tq + SEC(16));
        ck_assert_int_eq(up_version(&l), 3);
        lab_done(&l);
}
END_TEST

/* RFC 3376 7.2.1: "Whenever a host changes its compatibility mode, it cancels all its pending
 * response and retransmission timers." */
START_TEST(test_mode_change_cancels_pending) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        c.robustness = 3;
        c.startup_query_count = 3;
        c.last_member_query_count = 3;
        lab_init(&l, &c, false);
        join(&l, G1);
        usec_t tj = l.now;
        /* Two v3 retransmissions pending; a v2 query (Max Resp 0.1 s) arrives right after. */
        lab_advance(&l, 1);
        query(&l, 2, 0, MSEC(100));
        lab_advance(&l, SEC(5));
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tj + 1, l.now, 2, -1));
        ck_assert_uint_eq(reports(&l, G1, tj + 1, l.now), 1); /* the answer only */
        lab_done(&l);
}
END_TEST

START_TEST(test_every_kind_in_the_compat_version) {
        Config c = with_upstream(3, REFRESH_YES);
        Lab l;

        c.refresh_interval = SEC(10);
        c.refresh_initial_delay = SEC(2);
        c.refresh_spread = 0;
        c.stall_timeout = SEC(5);
        lab_init(&l, &c, false);
        lab_advance(&l, SEC(1));
        query(&l, 2, 0, SEC(1));
        usec_t t = l.now;
        lab_stream(&l, true);
        join(&l, G1);
        /* A stream flows, then stops: the stall watch re-reports it (only a group that
         * carried a stream can stall). */
        lab_stream(&l, true);
        proxy_handle_nocache(l.p, l.up, IN4(198, 18, 0, 50), G1, l.now);
        lab_collect(&l);
        lab_advance(&l, SEC(3));
        lab_stream(&l, false);
        lab_advance(&l, SEC(27));
        ck_assert(proxy_stats(l.p)->refresh_reports > 0);
        ck_assert(proxy_stats(l.p)->stream_stalls > 0);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, t, l.now, 2, -1));
        lab_done(&l);
}
END_TEST

/* ---- records and retransmissions: RFC 3376 5.1 ------------------------------------- */

START_TEST(test_v3_record_types) {
        Config c = with_upstream(3, REFRESH_YES);
        Lab l;

        c.quickleave = true;
        c.refresh_interval = SEC(10);
        c.refresh_initial_delay = SEC(30);
        c.refresh_spread = 0;
        lab_init(&l, &c, false);
        usec_t tj = l.now;
        join(&l, G1);
        lab_advance(&l, SEC(2));
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tj, l.now, 3, IGMP_CHANGE_TO_EXCLUDE));
        ck_assert_uint_eq(reports(&l, G1, tj, l.now), 2);

        usec_t tq = l.now;
        query(&l, 3, 0, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(reports(&l, G1, tq, l.now), 1);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tq, l.now, 3, IGMP_MODE_IS_EXCLUDE));

        usec_t tr = T0 + SEC(30);
        lab_advance_to(&l, tr + SEC(1));
        ck_assert_uint_ge(reports(&l, G1, tr, l.now), 1);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tr, l.now, 3, IGMP_MODE_IS_EXCLUDE));

        usec_t tl = l.now;
        leave(&l, G1);
        lab_advance(&l, SEC(2));
        ck_assert_uint_eq(leaves(&l, G1, tl, l.now), 2);
        ck_assert(all_are(&l, EFFECT_SEND_LEAVE, G1, tl, l.now, 3, IGMP_CHANGE_TO_INCLUDE));
        lab_done(&l);
}
END_TEST

/* [Robustness] - 1 retransmissions, each at a random time within the Unsolicited Report
 * Interval of the previous one (RFC 3376 5.1), for v3 and v2 joins and leaves alike. */
START_TEST(test_retransmissions_count_and_spacing) {
        static const unsigned versions[] = { 2, 3 };
        static const unsigned robustness[] = { 1, 2, 3, 5 };
        static const usec_t uri[] = { SEC(1), MSEC(300), SEC(5) };

        for (size_t v = 0; v < ELEMENTSOF(versions); v++)
                for (size_t k = 0; k < ELEMENTSOF(robustness); k++)
                        for (size_t u = 0; u < ELEMENTSOF(uri); u++) {
                                Config c = with_upstream(versions[v], REFRESH_NO);
                                usec_t spacing_sum = 0;
                                Lab l;

                                c.quickleave = true;
                                c.robustness = robustness[k];
                                c.startup_query_count = robustness[k];
                                c.last_member_query_count = robustness[k];
                                c.unsolicited_report_interval = uri[u];
                                lab_init(&l, &c, false);
                                usec_t tj = l.now;
                                join(&l, G1);
                                lab_advance(&l, robustness[k] * uri[u] + SEC(1));
                                ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), robustness[k]);
                                for (unsigned n = 1; n < robustness[k]; n++) {
                                        usec_t a = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, n - 1)->at;
                                        usec_t b = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, n)->at;
                                        ck_assert_uint_gt(b, a);
                                        ck_assert_uint_le(b - a, uri[u]);
                                        spacing_sum += b - a;
                                }
                                ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 0)->at, tj);
                                usec_t tl = l.now;
                                leave(&l, G1);
                                lab_advance(&l, robustness[k] * uri[u] + SEC(1));
                                ck_assert_uint_eq(leaves(&l, G1, LAB_ALWAYS), robustness[k]);
                                ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0)->at, tl);
                                for (unsigned n = 1; n < robustness[k]; n++) {
                                        usec_t a = lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, n - 1)->at;
                                        usec_t b = lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, n)->at;
                                        ck_assert_uint_gt(b, a);
                                        ck_assert_uint_le(b - a, uri[u]);
                                }
                                (void) spacing_sum;
                                lab_done(&l);
                        }
}
END_TEST

/* The intervals are random, not a fixed step: over many joins they spread across (0, URI]. */
START_TEST(test_retransmission_spacing_is_random) {
        Config c = with_upstream(3, REFRESH_NO);
        usec_t lo = USEC_INFINITY, hi = 0;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        for (int k = 0; k < 40; k++) {
                in4_t g = IN4(239, 4, 0, k + 1);
                join(&l, g);
                usec_t a = lab_nth(&l, EFFECT_SEND_REPORT, g, l.up, 0)->at;
                lab_advance(&l, SEC(2));
                const Rec *r = lab_nth(&l, EFFECT_SEND_REPORT, g, l.up, 1);
                ck_assert_ptr_nonnull(r);
                lo = MIN(lo, r->at - a);
                hi = MAX(hi, r->at - a);
        }
        ck_assert_uint_lt(lo, MSEC(300));
        ck_assert_uint_gt(hi, MSEC(700));
        ck_assert_uint_le(hi, SEC(1));
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_and_join_cancel_each_other) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        c.quickleave = true;
        c.robustness = 3;
        c.startup_query_count = 3;
        c.last_member_query_count = 3;
        lab_init(&l, &c, false);
        join(&l, G1);
        lab_advance(&l, 1); /* before any retransmission (they are in (0, 1 s]) */
        usec_t tl = l.now;
        leave(&l, G1);
        lab_advance(&l, 1);
        usec_t tj = l.now;
        join(&l, G1);
        lab_advance(&l, SEC(5));
        /* No TO_EX after the leave except the new join's; no TO_IN after the rejoin. */
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, G1, l.up, tl, tj), 0);
        ck_assert_uint_eq(leaves(&l, G1, tj, l.now), 0);
        ck_assert_uint_eq(leaves(&l, G1, tl, tj), 1);
        ck_assert_uint_eq(reports(&l, G1, tj, l.now), 3);
        lab_done(&l);
}
END_TEST

/* ---- batching: RFC 3376 4.2.16 -------------------------------------------------------- */

static void join_many(Lab *l, size_t n) {
        for (size_t k = 0; k < n; k++)
                lab_report(l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 10, (k >> 8) & 0xff, k & 0xff), 2);
        ck_assert_uint_eq(proxy_n_joined(l->p), n);
}

START_TEST(test_general_query_answer_fills_the_mtu) {
        static const struct {
                unsigned mtu;
                size_t groups;
                size_t want[3];
                size_t n_want;
        } cases[] = {
                { 1500, 183, { 183 }, 1 },
                { 1500, 184, { 183, 1 }, 2 },
                { 1500, 400, { 183, 183, 34 }, 3 },
                { 576, 100, { 68, 32 }, 2 },
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                Config c = with_upstream(3, REFRESH_NO);
                size_t sizes[8];
                Lab l;

                lab_init(&l, &c, false);
                if (cases[k].mtu != 1500)
                        ck_assert_int_eq(proxy_set_iface_mtu(l.p, l.up, cases[k].mtu), 0);
                join_many(&l, cases[k].groups);
                lab_advance(&l, SEC(5));
                usec_t tq = l.now;
                query(&l, 3, 0, SEC(2));
                lab_advance(&l, SEC(2));
                ck_assert_uint_eq(packet_sizes(&l, tq, l.now, sizes, ELEMENTSOF(sizes)), cases[k].n_want);
                for (size_t i = 0; i < cases[k].n_want; i++)
                        ck_assert_uint_eq(sizes[i], cases[k].want[i]);
                ck_assert(all_are(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, tq, l.now, 3, IGMP_MODE_IS_EXCLUDE));
                ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tq, l.now), cases[k].groups);
                lab_done(&l);
        }
}
END_TEST

START_TEST(test_group_specific_query_answers_that_group) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        join(&l, G1);
        join(&l, G2);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 3, G1, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(reports(&l, G1, tq, l.now), 1);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tq, l.now), 1);
        ck_assert_uint_eq(report_packets(&l, tq, l.now), 1);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, G1, tq, l.now, 3, IGMP_MODE_IS_EXCLUDE));
        /* A query for a group we are not joined to: nothing. */
        usec_t t3 = l.now;
        query(&l, 3, G3, SEC(1));
        query(&l, 2, G3, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t3, l.now), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_cycle_batched) {
        Config c = with_upstream(3, REFRESH_YES);
        size_t sizes[8];
        Lab l;

        c.refresh_interval = SEC(10);
        c.refresh_initial_delay = SEC(10);
        c.refresh_spread = 0;
        lab_init(&l, &c, false);
        join_many(&l, 300);
        lab_advance_to(&l, T0 + SEC(10) - 1);
        usec_t t = l.now;
        lab_advance_to(&l, T0 + SEC(10) + 1);
        ck_assert_uint_eq(packet_sizes(&l, t, l.now, sizes, ELEMENTSOF(sizes)), 2);
        ck_assert_uint_eq(sizes[0], 183);
        ck_assert_uint_eq(sizes[1], 117);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, t, l.now, 3, IGMP_MODE_IS_EXCLUDE));
        lab_done(&l);
}
END_TEST

/* ---- answer delays ------------------------------------------------------------------------ */

START_TEST(test_v2_delays_per_group) {
        Config c = with_upstream(2, REFRESH_NO);
        usec_t first = USEC_INFINITY, last = 0;
        Lab l;

        lab_init(&l, &c, false);
        join_many(&l, 50);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 2, 0, SEC(4));
        lab_advance(&l, SEC(5));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tq, l.now), 50);
        for (size_t i = 0; i < l.n_recs; i++)
                if (l.recs[i].e.type == EFFECT_SEND_REPORT && l.recs[i].at >= tq) {
                        first = MIN(first, l.recs[i].at);
                        last = MAX(last, l.recs[i].at);
                        ck_assert_uint_le(l.recs[i].at, tq + SEC(4));
                }
        /* RFC 2236 3: each group its own random delay: spread over the window. */
        ck_assert_uint_lt(first, tq + SEC(1));
        ck_assert_uint_gt(last, tq + SEC(3));
        ck_assert_uint_eq(report_packets(&l, tq, l.now), 50);
        lab_done(&l);
}
END_TEST

START_TEST(test_v3_one_interface_timer) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        join_many(&l, 50);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 3, 0, SEC(4));
        lab_advance(&l, SEC(5));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tq, l.now), 50);
        const Rec *r = lab_nth(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, l.up, reports(&l, LAB_ANY_GROUP, LAB_ALWAYS) - 50);
        ck_assert_uint_ge(r->at, tq);
        ck_assert_uint_le(r->at, tq + SEC(4));
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, l.up, r->at, r->at + 1), 50);
        ck_assert_uint_eq(report_packets(&l, tq, l.now), 1);
        lab_done(&l);
}
END_TEST

/* Max Resp Code 0 (RFC 3376 4.1.1): answer at once, not after up to 10 s. Our old code turned
 * it into 10 s. */
START_TEST(test_max_resp_zero) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 3, 0, 0);
        lab_advance(&l, 0); /* the glue runs the timers due now right after the input */
        ck_assert_uint_eq(reports(&l, G1, tq, tq + 1), 1);
        lab_done(&l);
}
END_TEST

/* RFC 3376 5.2: a pending answer that is due earlier than a new delay stays; a shorter new
 * delay replaces it. */
START_TEST(test_pending_answer_rules) {
        Config c = with_upstream(2, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t tq = l.now;
        query(&l, 2, 0, SEC(25));
        query(&l, 2, G1, MSEC(100));
        lab_advance(&l, MSEC(100));
        ck_assert_uint_eq(reports(&l, G1, tq, l.now + 1), 1);
        lab_advance(&l, SEC(30));
        ck_assert_uint_eq(reports(&l, G1, tq, l.now), 1);
        lab_done(&l);
}
END_TEST

/* ---- the refresh that cannot lapse ------------------------------------------------------- */

typedef struct Scenario {
        int version;           /* querier version, 0 = none */
        usec_t period;         /* its query interval */
        usec_t stop_at;        /* no query from then on (USEC_INFINITY: never stops) */
        LabIp ip;
        usec_t next;
        size_t sent;
} Scenario;

static void scenario_tick(Lab *l, void *ud) {
        Scenario *s = ud;

        if (s->version == 0 || l->now < s->next || l->now >= s->stop_at)
                return;
        lab_query_ip(l, LAB_UP_IFINDEX, s->ip, s->version, 0, s->version == 1 ? 0 : SEC(1), 2, s->period);
        s->next = l->now + s->period;
        s->sent++;
}

static void check_no_lapse(RefreshMode mode, Scenario s, usec_t span, usec_t *ret_gap) {
        Config c = with_upstream(2, mode);
        const in4_t groups[] = { G1, G2, G3 };
        Lab l;

        c.refresh_interval = SEC(20);
        c.refresh_spread = SEC(2);
        c.refresh_initial_delay = SEC(5);
        lab_init(&l, &c, false);
        for (size_t k = 0; k < ELEMENTSOF(groups); k++)
                join(&l, groups[k]);
        s.next = l.now + SEC(1);
        usec_t from = l.now;
        run_until(&l, from + span, groups, ELEMENTSOF(groups), MSEC(100), scenario_tick, &s);
        usec_t worst = 0;
        for (size_t k = 0; k < ELEMENTSOF(groups); k++)
                worst = MAX(worst, max_gap(&l, groups[k], from, l.now));
        ck_assert_msg(worst <= c.refresh_interval + c.refresh_spread + SEC(1),
                      "mode %d, querier v%d every %.1f s: a gap of %.3f s", mode, s.version,
                      (double) s.period / USEC_PER_SEC, (double) worst / USEC_PER_SEC);
        if (ret_gap)
                *ret_gap = worst;
        lab_done(&l);
}

START_TEST(test_no_lapse_without_querier) {
        check_no_lapse(REFRESH_AUTO, (Scenario) { 0 }, SEC(600), NULL);
        check_no_lapse(REFRESH_YES, (Scenario) { 0 }, SEC(600), NULL);
}
END_TEST

START_TEST(test_no_lapse_querier_stops) {
        Scenario s = { .version = 3, .period = SEC(5), .stop_at = T0 + SEC(200), .ip = LAB_IP(UP_Q) };

        check_no_lapse(REFRESH_AUTO, s, SEC(600), NULL);
        check_no_lapse(REFRESH_YES, s, SEC(600), NULL);
        s.version = 2;
        check_no_lapse(REFRESH_AUTO, s, SEC(600), NULL);
}
END_TEST

START_TEST(test_no_lapse_slow_querier) {
        Scenario s = { .version = 3, .period = SEC(125), .stop_at = USEC_INFINITY, .ip = LAB_IP(UP_Q) };

        check_no_lapse(REFRESH_AUTO, s, SEC(900), NULL);
        check_no_lapse(REFRESH_YES, s, SEC(900), NULL);
}
END_TEST

START_TEST(test_no_lapse_spoofed_queries) {
        const LabIp bad[] = {
                { .src = UP_Q, .ttl = 64, .router_alert = true },
                { .src = UP_Q, .ttl = 1, .router_alert = false },
                { .src = OFF_LINK, .ttl = 1, .router_alert = true },
        };

        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                Scenario s = { .version = 3, .period = SEC(1), .stop_at = USEC_INFINITY, .ip = bad[k] };
                check_no_lapse(REFRESH_AUTO, s, SEC(600), NULL);
                check_no_lapse(REFRESH_YES, s, SEC(600), NULL);
        }
}
END_TEST

START_TEST(test_no_lapse_v1_querier) {
        Scenario s = { .version = 1, .period = SEC(60), .stop_at = USEC_INFINITY, .ip = LAB_IP(UP_Q) };

        check_no_lapse(REFRESH_AUTO, s, SEC(600), NULL);
        check_no_lapse(REFRESH_YES, s, SEC(600), NULL);
}
END_TEST

/* Auto mode, querier every 5 s answering every group: no refresh report at all while it
 * queries; after it stops, the refresh takes over within IntervalSec of the last answer. */
START_TEST(test_auto_quiet_while_queried) {
        Config c = with_upstream(3, REFRESH_AUTO);
        const in4_t groups[] = { G1, G2 };
        Scenario s = { .version = 3, .period = SEC(5), .stop_at = T0 + SEC(300), .ip = LAB_IP(UP_Q) };
        Lab l;

        c.refresh_interval = SEC(20);
        c.refresh_spread = SEC(2);
        c.refresh_initial_delay = SEC(5);
        lab_init(&l, &c, false);
        join(&l, G1);
        join(&l, G2);
        s.next = l.now + SEC(1);
        run_until(&l, T0 + SEC(300), groups, 2, MSEC(100), scenario_tick, &s);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_reports, 0);
        ck_assert(all_are(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP, T0 + SEC(3), l.now, 3, IGMP_MODE_IS_EXCLUDE));
        usec_t last_answer = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, reports(&l, G1, LAB_ALWAYS) - 1)->at;
        run_until(&l, T0 + SEC(400), groups, 2, MSEC(100), NULL, NULL);
        const Rec *r = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, reports(&l, G1, 0, last_answer + 1));
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_le(r->at - last_answer, c.refresh_interval + c.refresh_spread + SEC(1));
        ck_assert_uint_gt(proxy_stats(l.p)->refresh_reports, 0);
        lab_done(&l);
}
END_TEST

/* ---- validation: RFC 2236 2, RFC 3376 4 and 9 -------------------------------------------- */

START_TEST(test_bad_ttl_dropped_everywhere) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, OUR_DOWN, 24), 0);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t t = l.now;
        lab_query_ip(&l, LAB_UP_IFINDEX, (LabIp) { UP_Q, 64, true }, 2, 0, SEC(1), 2, SEC(125));
        lab_advance(&l, SEC(2));
        ck_assert_uint_eq(reports(&l, G1, t, l.now), 0);
        ck_assert_int_eq(up_version(&l), 3);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_ttl, 1);
        /* Downstream: a report with TTL 2 makes no member. */
        lab_report_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { HOST_B, 2, true }, G2, 2);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G2));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_ttl, 2);
        /* ... and a query with TTL 0 takes no querier role away. */
        lab_query_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { DOWN_Q, 0, true }, 2, 0, SEC(1), 2, SEC(125));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_ttl, 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_query_without_router_alert) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, OUR_DOWN, 24), 0);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t t = l.now;
        lab_query_ip(&l, LAB_UP_IFINDEX, (LabIp) { UP_Q, 1, false }, 2, 0, SEC(1), 2, SEC(125));
        lab_query_ip(&l, LAB_UP_IFINDEX, (LabIp) { UP_Q, 1, false }, 3, 0, SEC(1), 2, SEC(125));
        lab_advance(&l, SEC(2));
        ck_assert_uint_eq(reports(&l, G1, t, l.now), 0);
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.address, 0);
        ck_assert_uint_eq(q.last_heard, 0);
        ck_assert_int_eq(q.report_version, 3);
        ck_assert_uint_eq(proxy_stats(l.p)->queries_no_router_alert, 2);
        ck_assert_uint_eq(proxy_stats(l.p)->upstream_queries, 0);
        /* RFC 1112 predates the Router Alert option: a v1 query without it counts. */
        lab_query_ip(&l, LAB_UP_IFINDEX, (LabIp) { UP_Q, 1, false }, 1, 0, 0, 0, 0);
        ck_assert_int_eq(up_version(&l), 1);
        /* Downstream: a v2 query without Router Alert from a lower address: we stay querier. */
        lab_query_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { DOWN_Q, 1, false }, 2, 0, SEC(1), 2, SEC(125));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(proxy_stats(l.p)->queries_no_router_alert, 3);
        /* With it, the election goes as RFC 3376 6.6.2 says. */
        lab_query_ip(&l, LAB_DOWN_IFINDEX, LAB_IP(DOWN_Q), 2, 0, SEC(1), 2, SEC(125));
        ck_assert(!proxy_is_querier(l.p, l.down));
        lab_done(&l);
}
END_TEST

START_TEST(test_query_from_off_link_source) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, OUR_DOWN, 24), 0);
        join(&l, G1);
        lab_advance(&l, SEC(5));
        usec_t t = l.now;
        lab_query_ip(&l, LAB_UP_IFINDEX, LAB_IP(OFF_LINK), 2, 0, SEC(1), 2, SEC(125));
        lab_query_ip(&l, LAB_UP_IFINDEX, LAB_IP(OFF_LINK), 1, 0, 0, 0, 0);
        lab_advance(&l, SEC(11));
        ck_assert_uint_eq(reports(&l, G1, t, l.now), 0);
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.address, 0);
        ck_assert_int_eq(q.report_version, 3);
        ck_assert_uint_eq(proxy_stats(l.p)->queries_bad_source, 2);
        /* Downstream: an off-link querier with a lower address wins no election. */
        lab_query_ip(&l, LAB_DOWN_IFINDEX, LAB_IP(IN4(10, 0, 0, 1)), 3, 0, SEC(1), 2, SEC(125));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(proxy_stats(l.p)->queries_bad_source, 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_querier_visible) {
        Config c = with_upstream(3, REFRESH_NO);
        ProxyUpstreamQuerier q;
        Lab l;

        lab_init(&l, &c, false);
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.address, 0);
        ck_assert_uint_eq(q.last_heard, 0);
        lab_advance(&l, SEC(3));
        lab_query_ip(&l, LAB_UP_IFINDEX, LAB_IP(UP_Q), 3, 0, SEC(1), 4, SEC(31));
        lab_advance(&l, SEC(1));
        proxy_upstream_querier(l.p, l.now, &q);
        ck_assert_uint_eq(q.address, UP_Q);
        ck_assert_uint_eq(q.version, 3);
        ck_assert_uint_eq(q.qrv, 4);
        ck_assert_uint_eq(q.qqi, SEC(31));
        ck_assert_uint_eq(q.last_heard, T0 + SEC(3));
        ck_assert_int_eq(q.report_version, 3);
        ck_assert_uint_eq(proxy_stats(l.p)->upstream_queries, 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_reports_without_router_alert) {
        Config c = with_upstream(3, REFRESH_NO);
        Lab l;

        lab_init(&l, &c, false);
        /* Default: accepted (a set-top box's stack may omit it), counted. */
        lab_report_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { HOST_A, 1, false }, G1, 2);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(proxy_stats(l.p)->reports_no_router_alert, 1);
        lab_done(&l);

        c.accept_reports_without_ra = false;
        lab_init(&l, &c, false);
        lab_report_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { HOST_A, 1, false }, G1, 2);
        lab_report_ip(&l, LAB_DOWN_IFINDEX, (LabIp) { HOST_A, 1, false }, G2, 3);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        ck_assert(!proxy_group_has_listener(l.p, l.down, G2));
        ck_assert_uint_eq(proxy_stats(l.p)->reports_no_router_alert, 2);
        lab_report_ip(&l, LAB_DOWN_IFINDEX, LAB_IP(HOST_A), G1, 2);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_done(&l);
}
END_TEST

/* A group-and-source-specific query heard upstream. */
static void gssq(Lab *l, in4_t group, const in4_t *sources, size_t n, usec_t max_resp) {
        uint8_t buf[128];
        IgmpMessage m;
        IpInfo ip = { .src = UP_Q, .dst = group, .ttl = 1, .protocol = 2, .router_alert = true };
        int len = igmp_build_query_sources(buf, sizeof buf, 3, group, max_resp, 2, SEC(125), false, sources, n);

        ck_assert_int_gt(len, 0);
        ck_assert_int_eq(igmp_parse(buf, (size_t) len, &m, NULL), 0);
        proxy_handle_igmp(l->p, LAB_UP_IFINDEX, &ip, &m, l->now);
        lab_collect(l);
}

/* RFC 3376 5.2: "If the expired timer is a group timer and the list of
 * recorded sources for that group is non-empty ... if the interface state is
 * INCLUDE (B), then the report contains IS_IN (A*B)"; an empty result sends
 * nothing; the sources of a second query join those recorded (rule 5). */
START_TEST(test_group_and_source_query_answer) {
        Config c = with_upstream(3, REFRESH_NO);
        in4_t s1 = IN4(198, 18, 0, 1), s2 = IN4(198, 18, 0, 2), s9 = IN4(198, 18, 0, 9);
        in4_t q1[] = { s2, s9 }, q2[] = { s9 }, q3[] = { s1 };
        const Rec *r;
        usec_t t;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        /* a host wants S1 and S2 only: INCLUDE {198.18.0.1, 198.18.0.2} */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_ALLOW_NEW_SOURCES, G1, 2);
        ck_assert(proxy_group_joined(l.p, G1));
        lab_advance(&l, SEC(10));
        t = l.now;
        gssq(&l, G1, q1, 2, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, G1, l.up, t, USEC_INFINITY), 1);
        r = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 2); /* after the ALLOW and its repeat */
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.record, IGMP_MODE_IS_INCLUDE);
        ck_assert_uint_eq(r->e.n_sources, 1);
        ck_assert_uint_eq(r[1].e.type, EFFECT_SOURCE);
        ck_assert_uint_eq(r[1].e.source, s2);
        /* nothing it wants: no answer */
        t = l.now;
        gssq(&l, G1, q2, 1, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, G1, l.up, t, USEC_INFINITY), 0);
        /* two queries before the answer: their sources together */
        t = l.now;
        gssq(&l, G1, q2, 1, SEC(1));
        gssq(&l, G1, q3, 1, SEC(1));
        lab_advance(&l, SEC(1));
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, G1, l.up, t, USEC_INFINITY), 1);
        r = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 3);
        ck_assert_uint_eq(r->e.n_sources, 1);
        ck_assert_uint_eq(r[1].e.source, s1);
        lab_done(&l);
}
END_TEST

/* Joined while a v2 querier was present, the group is IS_EX({}) at the
 * router (RFC 3376 7.3.2: an IGMPv2 report is IS_EX({})): once back in v3,
 * its leave from INCLUDE {S1} must be TO_IN({}), which ends it in either
 * mode; BLOCK {S1} (5.1's INCLUDE (A) -> INCLUDE {}) would leave it in
 * EXCLUDE mode at the router. Found by the core fuzzer. */
START_TEST(test_leave_after_v2_join_is_to_in) {
        Config c = with_upstream(3, REFRESH_NO);
        const Rec *r;
        usec_t t;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        query(&l, 2, 0, SEC(10));
        ck_assert_int_eq(up_version(&l), 2);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_ALLOW_NEW_SOURCES, G1, 1);
        ck_assert(proxy_group_joined(l.p, G1));
        for (int k = 0; k < 3; k++) { /* the host keeps wanting S1 */
                lab_advance(&l, SEC(90));
                lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_INCLUDE, G1, 1);
        }
        /* the Older Version Querier Present timer (2 x 125 + 10 s) ran out */
        ck_assert_int_eq(up_version(&l), 3);
        ck_assert_uint_eq(leaves(&l, G1, LAB_ALWAYS), 0);
        t = l.now;
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_BLOCK_OLD_SOURCES, G1, 1);
        lab_advance(&l, SEC(5));
        ck_assert(!proxy_group_joined(l.p, G1));
        ck_assert_uint_ge(leaves(&l, G1, t, USEC_INFINITY), 1);
        r = lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0);
        ck_assert_uint_eq(r->e.version, 3);
        ck_assert_uint_eq(r->e.record, IGMP_CHANGE_TO_INCLUDE);
        ck_assert_uint_eq(r->e.n_sources, 0);
        lab_done(&l);
}
END_TEST

static Suite *upstream_suite(void) {
        Suite *s = suite_create("upstream");
        TCase *tc;

        tc = tcase_create("compat");
        tcase_add_test(tc, test_v2_querier_makes_v3_host_answer_in_v2);
        tcase_add_test(tc, test_v1_querier_no_leaves);
        tcase_add_test(tc, test_compat_timers_refresh_and_overlap);
        tcase_add_test(tc, test_compat_timer_uses_that_queriers_values);
        tcase_add_test(tc, test_mode_change_cancels_pending);
        tcase_add_test(tc, test_every_kind_in_the_compat_version);
        tcase_add_test(tc, test_group_and_source_query_answer);
        tcase_add_test(tc, test_leave_after_v2_join_is_to_in);
        suite_add_tcase(s, tc);

        tc = tcase_create("records");
        tcase_add_test(tc, test_v3_record_types);
        tcase_add_test(tc, test_retransmissions_count_and_spacing);
        tcase_add_test(tc, test_retransmission_spacing_is_random);
        tcase_add_test(tc, test_leave_and_join_cancel_each_other);
        suite_add_tcase(s, tc);

        tc = tcase_create("batching");
        tcase_add_test(tc, test_general_query_answer_fills_the_mtu);
        tcase_add_test(tc, test_group_specific_query_answers_that_group);
        tcase_add_test(tc, test_refresh_cycle_batched);
        suite_add_tcase(s, tc);

        tc = tcase_create("delays");
        tcase_add_test(tc, test_v2_delays_per_group);
        tcase_add_test(tc, test_v3_one_interface_timer);
        tcase_add_test(tc, test_max_resp_zero);
        tcase_add_test(tc, test_pending_answer_rules);
        suite_add_tcase(s, tc);

        tc = tcase_create("refresh");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_no_lapse_without_querier);
        tcase_add_test(tc, test_no_lapse_querier_stops);
        tcase_add_test(tc, test_no_lapse_slow_querier);
        tcase_add_test(tc, test_no_lapse_spoofed_queries);
        tcase_add_test(tc, test_no_lapse_v1_querier);
        tcase_add_test(tc, test_auto_quiet_while_queried);
        suite_add_tcase(s, tc);

        tc = tcase_create("validate");
        tcase_add_test(tc, test_bad_ttl_dropped_everywhere);
        tcase_add_test(tc, test_query_without_router_alert);
        tcase_add_test(tc, test_query_from_off_link_source);
        tcase_add_test(tc, test_querier_visible);
        tcase_add_test(tc, test_reports_without_router_alert);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(upstream_suite());
}
