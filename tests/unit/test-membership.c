/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-membership.c - Check suite for the per-link listener state
 * (src/membership.c and the input checks of proxy_handle_igmp()).
 *
 * Covers RFC 2236 3/6 and RFC 3376 6.2-6.6 without source lists: the group
 * membership interval, leaves and the last-member query round, older-version
 * hosts (RFC 3376 7.3.2), a non-querier ignoring leaves, the IGMPv3 record
 * types, quickleave host tracking, and what is dropped before it reaches a
 * membership (224.0.0.x, off-link sources, the per-interface group cap,
 * downstream filters).
 *
 * Every time below is exact (fake clock); T0 = 1000 s is the lab's start.
 */
#include <check.h>

#include "run-suite.h"
#include <stdio.h>
#include <stdlib.h>

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
#define G2 IN4(239, 2, 2, 2)
#define G3 IN4(239, 3, 3, 3)
#define G4 IN4(239, 4, 4, 4)
#define G5 IN4(239, 5, 5, 5)

#define QI SEC(125)
#define QRI SEC(10)
#define GMI (2 * QI + QRI) /* 260 s */
#define LMQI SEC(1)
#define LMQT (2 * LMQI)

static Config defaults(void) {
        Config c;

        config_init_defaults(&c);
        return c;
}

static bool listening(const Lab *l, in4_t group) {
        return proxy_group_has_listener(l->p, l->down, group);
}

/* Group-specific queries for group on the first downstream in [from, to). */
static size_t gsq(const Lab *l, in4_t group, usec_t from, usec_t to) {
        return lab_count_in(l, EFFECT_SEND_QUERY, group, l->down, from, to);
}

static usec_t leave_at(const Lab *l, in4_t group) {
        const Rec *r = lab_nth(l, EFFECT_SEND_LEAVE, group, l->up, 0);

        ck_assert_msg(r != NULL, "no upstream leave for the group");
        return r->at;
}

/* The reason (EventLeaveReason) of the first MEMBER_LEFT of group. */
static uint64_t left_reason(const Lab *l, in4_t group) {
        const Rec *r = lab_nth_event(l, EVENT_MEMBER_LEFT, group, 0);

        ck_assert_msg(r != NULL, "no member-left event for the group");
        return r->e.count;
}

/* Loses the querier election on vlan10 (our address moves to .100, a router
 * at .1 queries). */
static void become_non_querier(Lab *l) {
        ck_assert_int_eq(proxy_set_iface_address(l->p, l->down, IN4(198, 18, 1, 100), 24), 0);
        lab_query(l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 1), 3, 0, SEC(10));
        ck_assert(!proxy_is_querier(l->p, l->down));
}

/* ---- reports and the group membership interval ------------------------ */

START_TEST(test_report_makes_listening) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        ck_assert(!listening(&l, G1));
        lab_advance(&l, SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 1);
        ck_assert_uint_eq(proxy_n_groups(l.p), 1);
        r = lab_find_event(&l, EVENT_MEMBER_JOINED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(1));
        ck_assert_int_eq(r->e.vif, l.down);
        /* A second report is no second "joined". */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_MEMBER_JOINED, G1), 1);
        /* v1 and v3 reports join as well. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 3);
        ck_assert(listening(&l, G2));
        ck_assert(listening(&l, G3));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_group_ends_at_gmi_after_last_report) {
        Config c = defaults();
        usec_t last = T0 + SEC(101);
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, last);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, last + GMI - 1);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, last + GMI);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 0);
        ck_assert_uint_eq(leave_at(&l, G1), last + GMI);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_MEMBER_LEFT, G1, 0)->at, last + GMI);
        ck_assert_uint_eq(left_reason(&l, G1), LEAVE_REASON_TIMEOUT);
        /* The querier sent no group-specific query for a timeout. */
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_gmi_follows_config) {
        Config c = defaults();
        usec_t gmi = 3 * SEC(100) + SEC(20); /* 320 s */
        Lab l;

        c.robustness = 3;
        c.startup_query_count = 3;
        c.last_member_query_count = 3;
        c.query_interval = SEC(100);
        c.startup_query_interval = SEC(25);
        c.query_response_interval = SEC(20);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 3);
        lab_advance_to(&l, T0 + SEC(1) + gmi - 1);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, T0 + SEC(1) + gmi);
        ck_assert(!listening(&l, G1));
        lab_done(&l);
}
END_TEST

/* ---- leaves (querier, no quickleave) ---------------------------------- */

START_TEST(test_leave_runs_query_round) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);

        /* A group-specific query at once, to the group address. */
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 1);
        r = lab_nth(&l, EFFECT_SEND_QUERY, G1, l.down, 0);
        ck_assert_uint_eq(r->at, tl);
        ck_assert_uint_eq(r->e.dst, G1);
        ck_assert_uint_eq(r->e.group, G1);
        ck_assert_uint_eq(r->e.max_resp, LMQI);
        ck_assert_uint_eq(r->e.version, 3);
        ck_assert(listening(&l, G1));

        /* LMQC - 1 = 1 more, LMQI later; then nothing. */
        lab_advance_to(&l, tl + LMQT - 1);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 2);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_QUERY, G1, l.down, 1)->at, tl + LMQI);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);

        /* The group ends at LMQC x LMQI, and the upstream leave goes then. */
        lab_advance_to(&l, tl + LMQT);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl + LMQT);
        ck_assert_uint_eq(left_reason(&l, G1), LEAVE_REASON_QUERY);
        lab_advance(&l, SEC(30));
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 2);
        /* The leave and its Robustness - 1 = 1 retransmission (RFC 3376 5.1). */
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_round_follows_config) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.last_member_query_count = 3;
        c.last_member_query_interval = SEC(0.5);
        c.querier_version = 2;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl + SEC(1.5) - 1);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 3);
        for (size_t k = 0; k < 3; k++) {
                const Rec *r = lab_nth(&l, EFFECT_SEND_QUERY, G1, l.down, k);
                ck_assert_uint_eq(r->at, tl + k * SEC(0.5));
                ck_assert_uint_eq(r->e.max_resp, SEC(0.5));
                ck_assert_uint_eq(r->e.version, 2);
        }
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, tl + SEC(1.5));
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl + SEC(1.5));
        lab_done(&l);
}
END_TEST

/* HOST_A joins G1, leaves at tl and leaves again 0.5 s later; the lab is left at tl + LMQT,
 * where the membership has ended LMQT after the first leave (the group timer is only ever
 * lowered, whatever the second leave does to the query round). */
static void second_leave(Lab *l, Config *c, usec_t tl) {
        lab_init(l, c, false);
        lab_advance_to(l, T0 + SEC(1));
        lab_report(l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(l, tl);
        lab_leave(l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(l, tl + SEC(0.5));
        lab_leave(l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(l, tl + LMQT);
        ck_assert(!listening(l, G1));
        ck_assert_uint_eq(leave_at(l, G1), tl + LMQT);
        ck_assert_uint_eq(gsq(l, G1, tl, tl + 1), 1);
}

/* As an IGMPv3 querier (the default) the second leave is TO_IN({}) (RFC 3376 7.3.2) and
 * EXCLUDE + TO_IN(A) is "Send Q(G)" (6.4.2): a query at once and LMQC - 1 = 1 retransmission
 * LMQI after it (6.6.3.1): queries at tl, tl + 0.5 s and tl + 1.5 s (the round restarted, its
 * pending tl + 1 s retransmission replaced). */
START_TEST(test_second_leave_restarts_round_v3) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        second_leave(&l, &c, tl);
        ck_assert_uint_eq(gsq(&l, G1, tl + SEC(0.5), tl + SEC(0.5) + 1), 1);
        ck_assert_uint_eq(gsq(&l, G1, tl + SEC(1.5), tl + SEC(1.5) + 1), 1);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 3);
        lab_done(&l);
}
END_TEST

/* As an IGMPv2 querier ([Querier] Version=2): RFC 2236 7, in "Checking Membership" a leave
 * is no event: the round goes on, two queries LMQI apart, no more. */
START_TEST(test_second_leave_keeps_round_v2) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.querier_version = 2;
        second_leave(&l, &c, tl);
        ck_assert_uint_eq(gsq(&l, G1, tl + SEC(1), tl + SEC(1) + 1), 1);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_report_during_round_cancels_leave) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50), tr = tl + SEC(0.5);
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tr);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, tr + GMI - 1);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_MEMBER_LEFT, G1), 0);
        /* Back to the normal timer: GMI after that report. */
        lab_advance_to(&l, tr + GMI);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tr + GMI);
        ck_assert_uint_eq(left_reason(&l, G1), LEAVE_REASON_TIMEOUT);
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_for_unknown_group) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_INCLUDE, G2, 0);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        ck_assert_uint_eq(gsq(&l, G2, LAB_ALWAYS), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_non_querier_ignores_leave) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        become_non_querier(&l);
        lab_advance_to(&l, T0 + SEC(2));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(10));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        lab_advance_to(&l, T0 + SEC(2) + GMI - 1);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, T0 + SEC(2) + GMI);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), T0 + SEC(2) + GMI);
        lab_done(&l);
}
END_TEST

/* RFC 3376 7.3.2: while an IGMPv1 host is present, leaves are ignored;
 * the older host present timer is GMI after its last v1 report. */
START_TEST(test_v1_host_present_leaves_ignored) {
        Config c = defaults();
        usec_t t1 = T0 + SEC(1), v1_gone = t1 + GMI;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, t1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 1);
        lab_advance_to(&l, T0 + SEC(200));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);

        lab_advance_to(&l, v1_gone - 1);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        ck_assert(listening(&l, G1));

        lab_advance_to(&l, v1_gone);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 1);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_QUERY, G1, l.down, 0)->at, v1_gone);
        lab_advance_to(&l, v1_gone + LMQT);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), v1_gone + LMQT);
        lab_done(&l);
}
END_TEST

START_TEST(test_v1_host_present_quickleave_ignored) {
        Config c = defaults();
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 1);
        lab_advance_to(&l, T0 + SEC(2));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

/* ---- quickleave ---------------------------------------------------------- */

START_TEST(test_quickleave_single_host) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        const Rec *r;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(!listening(&l, G1));
        r = lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, tl);
        ck_assert_uint_eq(r->e.version, 2);
        ck_assert_uint_eq(left_reason(&l, G1), LEAVE_REASON_QUICKLEAVE);
        /* The group-specific query still goes out, for hosts we do not know. */
        ck_assert_uint_eq(gsq(&l, G1, tl, tl + 1), 1);
        lab_advance(&l, SEC(10));
        /* The leave and its Robustness - 1 = 1 retransmission (RFC 3376 5.1). */
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 2);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, G1, l.up, tl, tl + 1), 1);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_MEMBER_LEFT, G1), 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_quickleave_unknown_host_answers) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(!listening(&l, G1));
        lab_advance_to(&l, tl + SEC(0.5));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, tl + SEC(0.5) + GMI - 1);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, tl + SEC(0.5) + GMI);
        ck_assert(!listening(&l, G1));
        lab_done(&l);
}
END_TEST

START_TEST(test_quickleave_two_v2_hosts_other_answers) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(2));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        ck_assert_uint_eq(gsq(&l, G1, tl, tl + 1), 1);
        /* B answers the group-specific query. */
        lab_advance_to(&l, tl + SEC(0.7));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, tl + SEC(0.7) + GMI - 1);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_quickleave_two_v2_hosts_no_answer) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        /* B left without a leave (or it was lost): the normal round ends it. */
        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tl + LMQT - 1);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, tl + LMQT);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl + LMQT);
        ck_assert_uint_eq(left_reason(&l, G1), LEAVE_REASON_QUERY);
        lab_done(&l);
}
END_TEST

START_TEST(test_quickleave_two_v2_hosts_both_leave) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(30));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, tl + SEC(0.3));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl + SEC(0.3));
        lab_done(&l);
}
END_TEST

START_TEST(test_quickleave_two_v3_hosts) {
        Config c = defaults();
        usec_t tl = T0 + SEC(50);
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_B, IGMP_CHANGE_TO_EXCLUDE, G1, 0);
        lab_advance_to(&l, tl);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_INCLUDE, G1, 0);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, tl + SEC(0.4));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_B, IGMP_CHANGE_TO_INCLUDE, G1, 0);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl + SEC(0.4));
        lab_done(&l);
}
END_TEST

/* IGMPv3 hosts do not suppress: a host that has not reported for GMI is
 * gone, so the leave of the last recent one is a quick leave. */
START_TEST(test_quickleave_v3_silent_host_expires) {
        Config c = defaults();
        usec_t tl = T0 + SEC(1) + GMI;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_advance_to(&l, T0 + SEC(200));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_B, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_advance_to(&l, tl);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_B, IGMP_CHANGE_TO_INCLUDE, G1, 0);
        ck_assert(!listening(&l, G1));
        ck_assert_uint_eq(leave_at(&l, G1), tl);
        lab_done(&l);
}
END_TEST

/* A v2 report speaks for every host (report suppression): a host that has
 * not reported itself for GMI is still counted. */
START_TEST(test_quickleave_v2_suppressed_host_kept) {
        Config c = defaults();
        usec_t tl = T0 + SEC(300);
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        for (usec_t t = T0 + SEC(100); t < tl; t += SEC(100)) {
                lab_advance_to(&l, t);
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        }
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_done(&l);
}
END_TEST

/* ---- IGMPv3 records ------------------------------------------------------- */

START_TEST(test_v3_exclude_records_join) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_EXCLUDE, G2, 0);
        /* EXCLUDE with sources still asks for (almost) everything. */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_EXCLUDE, G3, 2);
        ck_assert(listening(&l, G1));
        ck_assert(listening(&l, G2));
        ck_assert(listening(&l, G3));
        lab_advance_to(&l, T0 + SEC(1) + GMI - 1);
        ck_assert(listening(&l, G1));
        lab_advance_to(&l, T0 + SEC(1) + GMI);
        ck_assert(!listening(&l, G1));
        lab_done(&l);
}
END_TEST

START_TEST(test_v3_include_with_sources_join) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_INCLUDE, G1, 1);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_ALLOW_NEW_SOURCES, G2, 3);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_INCLUDE, G3, 2);
        ck_assert(listening(&l, G1));
        ck_assert(listening(&l, G2));
        ck_assert(listening(&l, G3));
        lab_done(&l);
}
END_TEST

/* TO_IN({}) is a leave (RFC 3376 6.4.2: EXCLUDE + TO_IN(A) sends Q(G));
 * IS_IN({}) is a current-state record and 6.4.1 never lowers a timer or
 * queries on one: the group stays until its timer runs out. */
START_TEST(test_v3_empty_include_leaves) {
        Config c = defaults();
        usec_t tl = T0 + SEC(20);
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G2, 0);
        lab_advance_to(&l, tl);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_INCLUDE, G1, 0);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_INCLUDE, G2, 0);
        ck_assert_uint_eq(gsq(&l, G1, tl, tl + 1), 1);
        ck_assert_uint_eq(gsq(&l, G2, tl, tl + 1), 0);
        lab_advance_to(&l, tl + LMQT - 1);
        ck_assert(listening(&l, G1));
        ck_assert(listening(&l, G2));
        lab_advance_to(&l, tl + LMQT);
        ck_assert(!listening(&l, G1));
        ck_assert(listening(&l, G2));
        lab_advance_to(&l, T0 + SEC(1) + GMI - 1);
        ck_assert(listening(&l, G2));
        lab_advance_to(&l, T0 + SEC(1) + GMI);
        ck_assert(!listening(&l, G2));
        ck_assert_uint_eq(gsq(&l, G2, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

/* BLOCK and ALLOW({}) on groups without state create none. */
START_TEST(test_v3_block_and_empty_allow_ignored) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G1, 0);
        lab_advance_to(&l, T0 + SEC(20));
        /* BLOCK on an any-source group (EXCLUDE {}): RFC 3376 6.4.2 asks for
         * those sources only (Q(G,A-Y)), the group stays. */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_BLOCK_OLD_SOURCES, G1, 2);
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 1);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_QUERY, G1, l.down, 0)->e.n_sources, 2);
        ck_assert(listening(&l, G1));
        /* ... nor a join, nor ALLOW with no source. */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_BLOCK_OLD_SOURCES, G2, 1);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_ALLOW_NEW_SOURCES, G3, 0);
        ck_assert(!listening(&l, G2));
        ck_assert(!listening(&l, G3));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 1);
        /* BLOCK does not refresh the group timer either. */
        lab_advance_to(&l, T0 + SEC(1) + GMI);
        ck_assert(!listening(&l, G1));
        lab_done(&l);
}
END_TEST

/* RFC 3376 7.3.1: "When in IGMPv1 mode, routers MUST send Periodic Queries
 * with a Max Response Time of 0 and MUST ignore Leave Group messages": an
 * IGMPv1 querier heard on the link (a higher address: we stay querier) puts
 * us in v1 mode, where a leave neither quick-leaves nor queries. */
START_TEST(test_v1_querier_mode_ignores_leaves) {
        Config c = defaults();
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_query(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 200), 1, 0, 0);
        ck_assert(proxy_is_querier(l.p, l.down));
        lab_advance_to(&l, T0 + SEC(20));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        /* our own general queries are v1 now, Max Resp Time 0 */
        lab_advance_to(&l, T0 + SEC(1) + QI);
        const Rec *q = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, 1);
        ck_assert_ptr_nonnull(q);
        ck_assert_uint_eq(q->e.version, 1);
        ck_assert_uint_eq(q->e.max_resp, 0);
        lab_done(&l);
}
END_TEST

/* ---- what never becomes a membership ------------------------------------- */

START_TEST(test_link_local_groups_ignored) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(224, 0, 0, 251), 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(224, 0, 0, 252), 1);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, IN4(224, 0, 0, 22), 0);
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_ignored, 3);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_MEMBER_JOINED, LAB_ANY_GROUP), 0);
        /* Just outside 224.0.0.0/24 is an ordinary group. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(224, 0, 1, 1), 2);
        ck_assert(listening(&l, IN4(224, 0, 1, 1)));
        lab_done(&l);
}
END_TEST

START_TEST(test_report_from_off_link_source) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, IN4(10, 9, 9, 9), G1, 2);
        /* HOST_C lives on vlan20, not vlan10. */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_C, IGMP_MODE_IS_EXCLUDE, G2, 0);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_source, 2);
        ck_assert(!listening(&l, G1));
        ck_assert(!listening(&l, G2));
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        /* The same host on its own link is fine. */
        lab_v3_record(&l, LAB_DOWN2_IFINDEX, HOST_C, IGMP_MODE_IS_EXCLUDE, G2, 0);
        ck_assert(proxy_group_has_listener(l.p, l.down2, G2));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_source, 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_from_off_link_source_ignored) {
        Config c = defaults();
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_leave(&l, LAB_DOWN_IFINDEX, IN4(10, 9, 9, 9), G1, 2);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_source, 1);
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(gsq(&l, G1, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_report_from_unspecified_source_accepted) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, 0, G1, 2);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, 0, IGMP_CHANGE_TO_EXCLUDE, G2, 0);
        ck_assert(listening(&l, G1));
        ck_assert(listening(&l, G2));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_bad_source, 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_group_cap) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.max_groups = 3;
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2);
        ck_assert_uint_eq(proxy_stats(l.p)->groups_over_limit, 0);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G4, 2);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, G5, 0);
        ck_assert_uint_eq(proxy_stats(l.p)->groups_over_limit, 2);
        ck_assert(!listening(&l, G4));
        ck_assert(!listening(&l, G5));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 3);
        ck_assert(!proxy_group_joined(l.p, G4));
        /* One event, not one per drop. */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_GROUP_LIMIT, LAB_ANY_GROUP), 1);
        r = lab_nth_event(&l, EVENT_GROUP_LIMIT, LAB_ANY_GROUP, 0);
        ck_assert_uint_eq(r->e.group, G4);
        ck_assert_int_eq(r->e.vif, l.down);

        /* Existing groups are refreshed as usual. */
        lab_advance_to(&l, T0 + SEC(100));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert_uint_eq(proxy_stats(l.p)->groups_over_limit, 2);
        /* The cap is per interface: vlan20 still takes groups. */
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G4, 2);
        ck_assert(proxy_group_has_listener(l.p, l.down2, G4));

        /* G2 and G3 time out; G1 (refreshed) stays; room for G4 again. */
        lab_advance_to(&l, T0 + SEC(1) + GMI);
        ck_assert(listening(&l, G1));
        ck_assert(!listening(&l, G2));
        ck_assert(!listening(&l, G3));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G4, 2);
        ck_assert(listening(&l, G4));
        ck_assert_uint_eq(proxy_stats(l.p)->groups_over_limit, 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_downstream_blacklist) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { IN4(239, 1, 0, 0), 16 }, .allow = false } };
        IfaceConfig down = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1,
                             .filters = rules, .n_filters = 1 };
        Lab l;

        lab_init_ifaces(&l, &c, false, NULL, &down);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2); /* 239.1.1.1: blacklisted */
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_MODE_IS_EXCLUDE, IN4(239, 1, 200, 7), 0);
        ck_assert(!listening(&l, G1));
        ck_assert(!listening(&l, IN4(239, 1, 200, 7)));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_ignored, 2);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_REPORT, LAB_ANY_GROUP), 0);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2); /* 239.2.2.2: allowed */
        ck_assert(listening(&l, G2));
        lab_done(&l);
}
END_TEST

START_TEST(test_downstream_whitelist_last_match_wins) {
        Config c = defaults();
        FilterRule rules[] = {
                { .prefix = { IN4(239, 0, 0, 0), 8 }, .allow = true },
                { .prefix = { IN4(239, 3, 0, 0), 16 }, .allow = false },
        };
        IfaceConfig down = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1,
                             .filters = rules, .n_filters = 2 };
        Lab l;

        lab_init_ifaces(&l, &c, false, NULL, &down);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(232, 1, 1, 1), 2); /* not whitelisted */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2);                 /* whitelisted, then blacklisted */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);                 /* whitelisted */
        ck_assert(!listening(&l, IN4(232, 1, 1, 1)));
        ck_assert(!listening(&l, G3));
        ck_assert(listening(&l, G1));
        ck_assert_uint_eq(proxy_n_listeners(l.p, l.down), 1);
        /* A leave for a filtered group does nothing either. */
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2);
        ck_assert_uint_eq(gsq(&l, G3, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_reports_on_upstream_ignored) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_UP_IFINDEX, IN4(198, 18, 0, 50), G1, 2);
        lab_v3_record(&l, LAB_UP_IFINDEX, IN4(198, 18, 0, 50), IGMP_MODE_IS_EXCLUDE, G2, 0);
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_ignored, 2);
        /* And on an unknown interface. */
        lab_report(&l, 99, IN4(198, 18, 9, 9), G1, 2);
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_ignored, 3);
        lab_done(&l);
}
END_TEST

static Suite *membership_suite(void) {
        Suite *s = suite_create("membership");
        TCase *tc;

        tc = tcase_create("timer");
        tcase_add_test(tc, test_report_makes_listening);
        tcase_add_test(tc, test_group_ends_at_gmi_after_last_report);
        tcase_add_test(tc, test_gmi_follows_config);
        suite_add_tcase(s, tc);

        tc = tcase_create("leave");
        tcase_add_test(tc, test_leave_runs_query_round);
        tcase_add_test(tc, test_leave_round_follows_config);
        tcase_add_test(tc, test_second_leave_restarts_round_v3);
        tcase_add_test(tc, test_second_leave_keeps_round_v2);
        tcase_add_test(tc, test_report_during_round_cancels_leave);
        tcase_add_test(tc, test_leave_for_unknown_group);
        tcase_add_test(tc, test_non_querier_ignores_leave);
        tcase_add_test(tc, test_v1_host_present_leaves_ignored);
        tcase_add_test(tc, test_v1_host_present_quickleave_ignored);
        suite_add_tcase(s, tc);

        tc = tcase_create("quickleave");
        tcase_add_test(tc, test_quickleave_single_host);
        tcase_add_test(tc, test_quickleave_unknown_host_answers);
        tcase_add_test(tc, test_quickleave_two_v2_hosts_other_answers);
        tcase_add_test(tc, test_quickleave_two_v2_hosts_no_answer);
        tcase_add_test(tc, test_quickleave_two_v2_hosts_both_leave);
        tcase_add_test(tc, test_quickleave_two_v3_hosts);
        tcase_add_test(tc, test_quickleave_v3_silent_host_expires);
        tcase_add_test(tc, test_quickleave_v2_suppressed_host_kept);
        suite_add_tcase(s, tc);

        tc = tcase_create("v3-records");
        tcase_add_test(tc, test_v3_exclude_records_join);
        tcase_add_test(tc, test_v3_include_with_sources_join);
        tcase_add_test(tc, test_v3_empty_include_leaves);
        tcase_add_test(tc, test_v3_block_and_empty_allow_ignored);
        tcase_add_test(tc, test_v1_querier_mode_ignores_leaves);
        suite_add_tcase(s, tc);

        tc = tcase_create("input");
        tcase_add_test(tc, test_link_local_groups_ignored);
        tcase_add_test(tc, test_report_from_off_link_source);
        tcase_add_test(tc, test_leave_from_off_link_source_ignored);
        tcase_add_test(tc, test_report_from_unspecified_source_accepted);
        tcase_add_test(tc, test_group_cap);
        tcase_add_test(tc, test_downstream_blacklist);
        tcase_add_test(tc, test_downstream_whitelist_last_match_wins);
        tcase_add_test(tc, test_reports_on_upstream_ignored);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(membership_suite());
}
