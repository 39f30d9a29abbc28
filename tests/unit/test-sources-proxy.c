/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sources-proxy.c - Check suite for source lists on the proxy's
 * upstream side, written from the RFC text: the RFC 4605 4.1 merge of two
 * downstream links (RFC 3376 3.2's rules), the state-change records it sends
 * upstream (RFC 3376 5.1) with their retransmissions, the refresh with the
 * merged lists, an IGMPv2 upstream querier (7.2.1); then quickleave's host
 * tracking and the 256-source cap of a link's list.
 */
#include "run-suite.h"
#include "sources-check.h"

/* ---- RFC 4605 4.1 merge, RFC 3376 5.1 state changes ------------------------------------ */

static Config merge_config(void) {
        Config c = sources_config();

        c.report_version = 3;
        return c;
}

/* The merged state proxy_group_upstream_state() reports for G1 is exactly this. */
static void check_upstream_at(const Lab *l, uint8_t mode, const in4_t *src, size_t n, int line) {
        in4_t v[16];
        uint8_t m = 0;
        int r = proxy_group_upstream_state(l->p, G1, &m, v, 16);

        ck_assert_msg(r >= 0 && (size_t) r == n, "line %d: %d upstream sources, want %zu", line, r, n);
        ck_assert_msg(m == mode, "line %d: upstream mode %u, want %u", line, m, mode);
        ck_assert_msg(same_list(v, (size_t) r, src, n), "line %d: upstream sources differ", line);
}
#define check_upstream(l, mode, ...) check_upstream_at(l, mode, __VA_ARGS__, __LINE__)

/* Records for G1 sent upstream in [from, to): exactly 'times' of them, each
 * of this type with exactly these sources, the first at 'first', the others
 * within the Unsolicited Report Interval (1 s) of the one before (5.1). */
static void check_sent_at(const Lab *l, usec_t from, usec_t to, usec_t first, size_t times, uint8_t record,
                          const in4_t *src, size_t n, int line) {
        LabUpRecord r[16];
        size_t got = lab_up_records(l, G1, from, to, r, 16);

        ck_assert_msg(got == times, "line %d: %zu records upstream, want %zu", line, got, times);
        for (size_t k = 0; k < got; k++) {
                check_up_record_at(&r[k], record, src, n, line);
                if (k == 0)
                        ck_assert_msg(r[k].at == first, "line %d: first at T0+%lld ms", line, rel_ms(r[k].at));
                else
                        ck_assert_msg(r[k].at > r[k - 1].at && r[k].at <= r[k - 1].at + SEC(1),
                                      "line %d: retransmission %zu at T0+%lld ms", line, k, rel_ms(r[k].at));
        }
}
#define check_sent(l, from, to, first, times, record, ...) \
        check_sent_at(l, from, to, first, times, record, __VA_ARGS__, __LINE__)

/* RFC 4605 4.1 with RFC 3376 3.2: INCLUDE + INCLUDE = INCLUDE (union). 5.1:
 * INCLUDE (A) -> INCLUDE (B) sends ALLOW (B-A) and BLOCK (A-B), each
 * [Robustness] = 2 times; a source one link still wants is not blocked. */
START_TEST(test_merge_include_include) {
        Config c = merge_config();
        LabUpRecord r[16];
        size_t n, allows = 0, blocks = 0;
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_IN, SRCS(S1, S2));
        check_upstream(&l, INCLUDE, SRCS(S1, S2));
        lab_advance_to(&l, T2);
        check_sent(&l, T1, T2, T1, 2, ALLOW, SRCS(S1, S2));
        DOWN2(&l, IS_IN, SRCS(S2, S3));
        check_upstream(&l, INCLUDE, SRCS(S1, S2, S3));
        lab_advance_to(&l, T3);
        check_sent(&l, T2, T3, T2, 2, ALLOW, SRCS(S3));
        /* S1 goes (vlan10 blocks it, nobody answers) while S4 comes (vlan20):
         * however the records share reports, S4 is allowed twice and S1
         * blocked twice. */
        DOWN(&l, HOST_A, BLOCK, SRCS(S1));
        lab_advance_to(&l, T3 + SEC(1.5));
        DOWN2(&l, ALLOW, SRCS(S4));
        lab_advance_to(&l, T4);
        check_upstream(&l, INCLUDE, SRCS(S2, S3, S4));
        n = lab_up_records(&l, G1, T3, T4, r, 16);
        for (size_t k = 0; k < n; k++) {
                if (r[k].record == ALLOW) {
                        check_up_record(&r[k], ALLOW, SRCS(S4));
                        ck_assert_uint_ge(r[k].at, T3 + SEC(1.5));
                        allows++;
                } else {
                        check_up_record(&r[k], BLOCK, SRCS(S1));
                        ck_assert_uint_ge(r[k].at, T3 + LMQT);
                        blocks++;
                }
        }
        ck_assert_uint_eq(allows, 2);
        ck_assert_uint_eq(blocks, 2);
        /* vlan10 drops S2 too, but vlan20 still wants it: nothing upstream. */
        DOWN(&l, HOST_A, BLOCK, SRCS(S2));
        lab_advance_to(&l, T4 + SEC(10));
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        check_upstream(&l, INCLUDE, SRCS(S2, S3, S4));
        ck_assert_uint_eq(lab_up_records(&l, G1, T4, T4 + SEC(10), r, 16), 0);
        lab_done(&l);
}
END_TEST

/* RFC 3376 3.2 via RFC 4605 4.1: INCLUDE (A) + EXCLUDE (Y) = EXCLUDE (Y-A).
 * 5.1: INCLUDE -> EXCLUDE is TO_EX (B), EXCLUDE -> INCLUDE is TO_IN (B). */
START_TEST(test_merge_include_exclude) {
        Config c = merge_config();
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_IN, SRCS(S1, S2));
        lab_advance_to(&l, T2);
        DOWN2(&l, IS_EX, SRCS(S2, S3));
        check_upstream(&l, EXCLUDE, SRCS(S3));
        lab_advance_to(&l, T3);
        check_sent(&l, T2, T3, T2, 2, TO_EX, SRCS(S3));
        /* vlan20 leaves: nobody answers its Q(G), its group timer ends at LMQT (6.5). */
        DOWN2(&l, TO_IN, NO_SRCS);
        check_upstream(&l, EXCLUDE, SRCS(S3));
        lab_advance_to(&l, T4);
        check_upstream(&l, INCLUDE, SRCS(S1, S2));
        check_sent(&l, T3, T4, T3 + LMQT, 2, TO_IN, SRCS(S1, S2));
        lab_done(&l);
}
END_TEST

/* EXCLUDE + EXCLUDE = EXCLUDE (intersection). 5.1: EXCLUDE (A) -> EXCLUDE
 * (B) sends ALLOW (A-B) and BLOCK (B-A). */
START_TEST(test_merge_exclude_exclude) {
        Config c = merge_config();
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_EX, SRCS(S1, S2));
        check_upstream(&l, EXCLUDE, SRCS(S1, S2));
        lab_advance_to(&l, T2);
        check_sent(&l, T1, T2, T1, 2, TO_EX, SRCS(S1, S2));
        /* vlan20: EXCLUDE ({S1}, {S2, S3}): S1 requested there (its timer
         * runs), so only S2 is excluded by both. */
        DOWN2(&l, IS_IN, SRCS(S1));
        DOWN2(&l, IS_EX, SRCS(S1, S2, S3));
        check_state(&l, l.down2, G1, EXCLUDE, T2 + GMI, WANT({ S1, T2 + GMI }, { S2, 0 }, { S3, 0 }));
        check_upstream(&l, EXCLUDE, SRCS(S2));
        lab_advance_to(&l, T3);
        check_sent(&l, T2, T3, T2, 2, ALLOW, SRCS(S1));
        /* vlan10 asks for S2 (EXCLUDE ({S2}, {S1})): nothing is excluded by both. */
        DOWN(&l, HOST_A, ALLOW, SRCS(S2));
        check_upstream(&l, EXCLUDE, NO_SRCS);
        lab_advance_to(&l, T4);
        check_sent(&l, T3, T4, T3, 2, ALLOW, SRCS(S2));
        /* and blocks it again: excluded once its timer (LMQT) runs out. */
        DOWN(&l, HOST_A, BLOCK, SRCS(S2));
        check_upstream(&l, EXCLUDE, NO_SRCS);
        lab_advance_to(&l, T4 + SEC(10));
        check_upstream(&l, EXCLUDE, SRCS(S2));
        check_sent(&l, T4, T4 + SEC(10), T4 + LMQT, 2, BLOCK, SRCS(S2));
        lab_done(&l);
}
END_TEST

/* 5.1: "it is retransmitted [Robustness Variable] - 1 more times, at
 * intervals chosen at random from the range (0, [Unsolicited Report
 * Interval])": Robustness 3, three TO_EX; the leave (TO_IN ({})) too. */
START_TEST(test_state_change_robustness) {
        Config c = merge_config();
        LabUpRecord r[8];
        Lab l;

        c.robustness = 3;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_EX, SRCS(S1));
        lab_advance_to(&l, T2);
        check_sent(&l, T1, T2, T1, 3, TO_EX, SRCS(S1));
        DOWN(&l, HOST_A, TO_IN, NO_SRCS);
        lab_advance_to(&l, T3);
        check_sent(&l, T2, T3, T2 + LMQT, 3, TO_IN, NO_SRCS);
        lab_up_records(&l, G1, T2, T3, r, 8);
        for (size_t k = 0; k < 3; k++)
                ck_assert_int_eq(r[k].type, EFFECT_SEND_LEAVE);
        lab_done(&l);
}
END_TEST

/* The refresh (Enabled=yes) reports current state: IS_EX / IS_IN with the
 * merged lists (RFC 3376 4.2.12 record types, RFC 4605 4.1 merge). */
START_TEST(test_refresh_reports_merged_lists) {
        Config c = merge_config();
        LabUpRecord r[8];
        Lab l;

        c.refresh = REFRESH_YES;
        c.refresh_interval = SEC(20);
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        DOWN(&l, HOST_A, IS_IN, SRCS(S1, S2));
        DOWN2(&l, IS_EX, SRCS(S2, S3));
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_IN, G2, SRCS(S1, S2));
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, IS_IN, G2, SRCS(S3));
        lab_advance_to(&l, T0 + SEC(35));
        /* cycles at T0 + 10 s and T0 + 30 s (InitialDelaySec 10, IntervalSec 20) */
        for (usec_t t = T0 + SEC(10); t <= T0 + SEC(30); t += SEC(20)) {
                ck_assert_uint_eq(lab_up_records(&l, G1, t, t + 1, r, 8), 1);
                check_up_record(&r[0], IS_EX, SRCS(S3));
                ck_assert_uint_eq(lab_up_records(&l, G2, t, t + 1, r, 8), 1);
                check_up_record(&r[0], IS_IN, SRCS(S1, S2, S3));
        }
        lab_done(&l);
}
END_TEST

/* With an IGMPv2 querier upstream (RFC 3376 7.2.1: IGMPv2 Querier Present)
 * our reports are IGMPv2: the group is joined and left as any source, and
 * source-list changes have nothing to say. */
START_TEST(test_v2_upstream_only_any_source) {
        Config c = merge_config();
        ProxyUpstreamQuerier uq;
        LabUpRecord r[8];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_query(&l, LAB_UP_IFINDEX, IN4(198, 18, 0, 1), 2, 0, QRI);
        proxy_upstream_querier(l.p, l.now, &uq);
        ck_assert_int_eq(uq.report_version, 2);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_IN, SRCS(S1));
        lab_advance_to(&l, T2);
        ck_assert_uint_eq(lab_up_records(&l, G1, T1, T2, r, 8), 2);
        for (size_t k = 0; k < 2; k++) {
                ck_assert_int_eq(r[k].type, EFFECT_SEND_REPORT);
                ck_assert_uint_eq(r[k].version, 2);
                ck_assert_uint_eq(r[k].n, 0);
        }
        DOWN(&l, HOST_A, ALLOW, SRCS(S2));
        check_upstream(&l, INCLUDE, SRCS(S1, S2));
        lab_advance_to(&l, T3);
        DOWN(&l, HOST_A, IS_EX, SRCS(S3));
        check_upstream(&l, EXCLUDE, SRCS(S3));
        lab_advance_to(&l, T4);
        ck_assert_uint_eq(lab_up_records(&l, G1, T2, T4, r, 8), 0);
        DOWN(&l, HOST_A, TO_IN, NO_SRCS);
        lab_advance_to(&l, T4 + SEC(10));
        ck_assert_uint_eq(lab_up_records(&l, G1, T4, T4 + SEC(10), r, 8), 2);
        for (size_t k = 0; k < 2; k++) {
                ck_assert_int_eq(r[k].type, EFFECT_SEND_LEAVE);
                ck_assert_uint_eq(r[k].version, 2);
                ck_assert_uint_eq(r[k].n, 0);
        }
        ck_assert_uint_eq(r[0].at, T4 + LMQT);
        lab_done(&l);
}
END_TEST

/* ---- quickleave ----------------------------------------------------------------------- */

static Config quick_config(void) {
        Config c = sources_config();

        c.quickleave = true;
        return c;
}

/* The last tracked host leaves and no untracked reporter was heard: the
 * link stops listening at once (and is left upstream); the query round
 * still runs so a host we do not know can answer. B's TO_IN({}) during A's
 * round is "Send Q(G)" again (RFC 3376 6.4.2, 6.6.3.1): a query at once and
 * one retransmission LMQI after it, replacing A's pending one. */
START_TEST(test_quickleave_last_tracked_host) {
        Config c = quick_config();
        usec_t tb = T2 + SEC(0.5);
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_EX, NO_SRCS);
        DOWN(&l, HOST_B, IS_EX, NO_SRCS);
        lab_advance_to(&l, T2);
        DOWN(&l, HOST_A, TO_IN, NO_SRCS);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, tb);
        DOWN(&l, HOST_B, TO_IN, NO_SRCS);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_MEMBER_LEFT, G1, 0)->at, tb);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_MEMBER_LEFT, G1, 0)->e.count, LEAVE_REASON_QUICKLEAVE);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0)->at, tb);
        lab_advance_to(&l, T2 + SEC(10));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 3);
        check_query(&q[0], G1, T2, false, NO_SRCS);
        check_query(&q[1], G1, tb, false, NO_SRCS);
        check_query(&q[2], G1, tb + LMQI, false, NO_SRCS);
        lab_done(&l);
}
END_TEST

/* A report from 0.0.0.0 (RFC 3376 4.2.13: accepted) within GMI is a host we
 * cannot track: the leave of the only known host does not cut the link, the
 * query round decides. Older than GMI, it no longer counts. */
START_TEST(test_quickleave_unspecified_reporter) {
        Config c = quick_config();
        usec_t tl = T1 + GMI + SEC(20);
        static LabLinkState s;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, 0, G2, 2);
        lab_advance_to(&l, T1 + SEC(5));
        lab_report(&l, LAB_DOWN_IFINDEX, 0, G1, 2);
        lab_link_state(&l, l.down, G1, &s);
        ck_assert(s.untracked);
        ck_assert_uint_eq(s.n_hosts, 1);
        lab_advance_to(&l, T2);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T2 + LMQT - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T2 + LMQT);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_MEMBER_LEFT, G1, 0)->e.count, LEAVE_REASON_QUERY);
        /* G2: the 0.0.0.0 report at T1 is older than GMI when HOST_A leaves. */
        lab_advance_to(&l, T0 + SEC(200));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_advance_to(&l, T1 + GMI + SEC(10));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G2));
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_MEMBER_LEFT, G2, 0)->at, tl);
        lab_done(&l);
}
END_TEST

/* What the views say is judged when they are asked: an IGMPv2 host and a 0.0.0.0 reporter
 * heard at T1 make the group IGMPv2-compatible (RFC 3376 7.3.2) and untracked until T1 + GMI;
 * an IGMPv3 host keeps it listened to after that. 1 s past T1 + GMI, with no input and no
 * timer since, the link shows compat 3 and no untracked reporter. */
START_TEST(test_views_judged_now) {
        Config c = quick_config();
        static LabLinkState s;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, 0, G1, 2);
        lab_advance_to(&l, T1 + SEC(100));
        DOWN(&l, HOST_B, IS_EX, NO_SRCS);
        lab_link_state(&l, l.down, G1, &s);
        ck_assert_uint_eq(s.compat, 2);
        ck_assert(s.untracked);
        lab_advance_to(&l, T1 + GMI + SEC(1));
        lab_link_state(&l, l.down, G1, &s);
        ck_assert(s.listening);
        ck_assert_uint_eq(s.compat, 3);
        ck_assert(!s.untracked);
        lab_done(&l);
}
END_TEST

/* The 65th reporter is past the cap (64): untracked, so when the 64 tracked
 * hosts leave the link still listens until the query round ends. With 64
 * reporters only, the last leave cuts at once. */
START_TEST(test_quickleave_host_cap) {
        Config c = quick_config();
        static LabLinkState s;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        for (unsigned k = 0; k < 65; k++) {
                lab_v3_record_src(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 20 + k), IS_EX, G1, NO_SRCS);
                if (k < 64)
                        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 20 + k), IS_EX, G2, NO_SRCS);
        }
        lab_link_state(&l, l.down, G1, &s);
        ck_assert_uint_eq(s.n_hosts, 64);
        ck_assert(s.untracked);
        lab_link_state(&l, l.down, G2, &s);
        ck_assert_uint_eq(s.n_hosts, 64);
        ck_assert(!s.untracked);
        lab_advance_to(&l, T2);
        for (unsigned k = 0; k < 64; k++) {
                lab_v3_record_src(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 20 + k), TO_IN, G1, NO_SRCS);
                lab_v3_record_src(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 20 + k), TO_IN, G2, NO_SRCS);
                ck_assert(proxy_group_has_listener(l.p, l.down, G1));
                ck_assert(proxy_group_has_listener(l.p, l.down, G2) == (k < 63));
        }
        lab_advance_to(&l, T2 + LMQT - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T2 + LMQT);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        lab_done(&l);
}
END_TEST

/* ---- the cap ------------------------------------------------------------------------------- */

#define CAP_SRC(k) (IN4(198, 18, 4, 0) + (in4_t) (k))

/* More than 256 sources in INCLUDE: EXCLUDE ({}) (forward every source,
 * more than asked, never less), group timer GMI, counted. In EXCLUDE the
 * 257th exclusion is not recorded (counted too). */
START_TEST(test_source_cap) {
        Config c = sources_config();
        static in4_t v[257];
        static LabLinkState s;
        Lab l;

        for (unsigned k = 0; k < 257; k++)
                v[k] = CAP_SRC(k);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        DOWN(&l, HOST_A, IS_IN, v, 256);
        lab_link_state(&l, l.down, G1, &s);
        ck_assert_uint_eq(s.mode, INCLUDE);
        ck_assert_uint_eq(s.n, 256);
        ck_assert_uint_eq(proxy_stats(l.p)->sources_over_limit, 0);
        lab_advance_to(&l, T2);
        DOWN(&l, HOST_A, ALLOW, v + 256, 1);
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, NO_SRCS);
        ck_assert_uint_eq(proxy_stats(l.p)->sources_over_limit, 1);
        check_upstream(&l, EXCLUDE, NO_SRCS);
        /* all 257 at once */
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_IN, G2, v, 257);
        lab_link_state(&l, l.down, G2, &s);
        ck_assert_uint_eq(s.mode, EXCLUDE);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_uint_eq(s.group_timer, T2 + GMI);
        ck_assert_uint_eq(proxy_stats(l.p)->sources_over_limit, 2);
        /* EXCLUDE: 256 exclusions kept, the 257th not */
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_EX, IN4(239, 3, 3, 3), v, 257);
        lab_link_state(&l, l.down, IN4(239, 3, 3, 3), &s);
        ck_assert_uint_eq(s.mode, EXCLUDE);
        ck_assert_uint_eq(s.n, 256);
        ck_assert_uint_eq(s.src[255].addr, v[255]);
        ck_assert_uint_eq(proxy_stats(l.p)->sources_over_limit, 3);
        lab_done(&l);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("sources-proxy");
        TCase *tc;

        tc = tcase_create("merge");
        tcase_add_test(tc, test_merge_include_include);
        tcase_add_test(tc, test_merge_include_exclude);
        tcase_add_test(tc, test_merge_exclude_exclude);
        tcase_add_test(tc, test_state_change_robustness);
        tcase_add_test(tc, test_refresh_reports_merged_lists);
        tcase_add_test(tc, test_v2_upstream_only_any_source);
        suite_add_tcase(s, tc);
        tc = tcase_create("quickleave");
        tcase_add_test(tc, test_quickleave_last_tracked_host);
        tcase_add_test(tc, test_quickleave_unspecified_reporter);
        tcase_add_test(tc, test_quickleave_host_cap);
        tcase_add_test(tc, test_views_judged_now);
        suite_add_tcase(s, tc);
        tc = tcase_create("cap");
        tcase_add_test(tc, test_source_cap);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
