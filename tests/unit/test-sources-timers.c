/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sources-timers.c - Check suite for the router side with source lists
 * beyond the 6.4 tables, written from the text of RFC 3376: the query rounds
 * (6.6.3.1, 6.6.3.2: counts, spacing, the S flag and its split), the group
 * timer running out in EXCLUDE mode (6.5), forwarding per source (6.3), a
 * non-querier following the querier's queries (6.6.1) and adopting its QRV
 * and QQI (4.1.6, 4.1.7), older hosts (7.3.2) and older queriers (7.3.1).
 */
#include "run-suite.h"
#include "sources-check.h"

/* The group compatibility mode of G1 on vlan10 now (the view compares with
 * the core's last time: a no-op run of the timers brings it to l->now). */
static uint8_t compat(Lab *l) {
        static LabLinkState s;

        proxy_run_timers(l->p, l->now);
        lab_collect(l);
        lab_link_state(l, l->down, G1, &s);
        ck_assert(s.present);
        return s.compat;
}

/* ---- 6.6.3 query rounds ----------------------------------------------------------- */

/* 6.6.3.1: "Send Q(G)": the group timer to LMQT, a query now and [LMQC] - 1
 * retransmissions every [LMQI]; here LMQC 3, LMQI 0.5 s, LMQT 1.5 s. */
START_TEST(test_group_round_count_and_spacing) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        c.last_member_query_count = 3;
        c.last_member_query_interval = SEC(0.5);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        REPORT(&l, IS_EX, NO_SRCS);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_IN, NO_SRCS);
        check_state(&l, l.down, G1, EXCLUDE, T2 + SEC(1.5), NO_SRCS);
        lab_advance_to(&l, T2 + SEC(1.5) - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T2 + SEC(1.5));
        check_no_state(&l, l.down, G1);
        lab_advance_to(&l, T2 + SEC(10));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 8), 3);
        for (size_t k = 0; k < 3; k++) {
                ck_assert_uint_eq(q[k].at, T2 + k * SEC(0.5));
                ck_assert(!q[k].s_flag);
                ck_assert_uint_eq(q[k].n, 0);
                ck_assert_uint_eq(q[k].max_resp, SEC(0.5));
                ck_assert_uint_eq(q[k].dst, G1);
        }
        lab_done(&l);
}
END_TEST

/* 6.6.3.2: "Send Q(G,X)": retransmissions = [LMQC] per source, timers to
 * LMQT; LMQC 3, LMQI 0.5 s. */
START_TEST(test_source_round_count_and_spacing) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        c.last_member_query_count = 3;
        c.last_member_query_interval = SEC(0.5);
        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, BLOCK, SRCS(S1));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + SEC(1.5) }, { S2, T1 + GMI }));
        lab_advance_to(&l, T2 + SEC(1.5) - 1);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + SEC(1.5) }, { S2, T1 + GMI }));
        lab_advance_to(&l, T2 + SEC(10));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S2, T1 + GMI }));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 8), 3);
        for (size_t k = 0; k < 3; k++) {
                ck_assert_uint_eq(q[k].at, T2 + k * SEC(0.5));
                ck_assert(!q[k].s_flag);
                ck_assert_uint_eq(q[k].n, 1);
                ck_assert_uint_eq(q[k].src[0], S1);
                ck_assert_uint_eq(q[k].max_resp, SEC(0.5));
        }
        lab_done(&l);
}
END_TEST

/* 6.6.3.1: "When transmitting a group specific query, if the group timer is
 * larger than LMQT, the Suppress Router-Side Processing bit is set": another
 * host's IS_EX in between raised it to GMI. */
START_TEST(test_group_retransmission_s_flag) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        REPORT(&l, IS_EX, NO_SRCS);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_IN, NO_SRCS);
        lab_advance_to(&l, T2 + SEC(0.5));
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_B, IS_EX, G1, NO_SRCS);
        check_state(&l, l.down, G1, EXCLUDE, T2 + SEC(0.5) + GMI, NO_SRCS);
        lab_advance_to(&l, T2 + SEC(10));
        check_state(&l, l.down, G1, EXCLUDE, T2 + SEC(0.5) + GMI, NO_SRCS);
        ck_assert_uint_eq(queries(&l, G1, T0, q, 8), 2);
        check_query(&q[0], G1, T2, false, NO_SRCS);
        check_query(&q[1], G1, T2 + LMQI, true, NO_SRCS);
        lab_done(&l);
}
END_TEST

/* 6.6.3.2: each round is two queries, "the first one has the S bit set and
 * contains all the sources with retransmission state and timers greater
 * than LMQT. The second has the S bit clear and contains all the sources
 * with retransmission state and timers lower or equal to LMQT"; an empty
 * one is not sent. S1 is renewed by an ALLOW between the rounds, S2 is not
 * and goes at LMQT. */
START_TEST(test_source_round_split_by_s_flag) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, BLOCK, SRCS(S1, S2));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + LMQT }, { S2, T2 + LMQT }));
        lab_advance_to(&l, T2 + SEC(0.5));
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_B, ALLOW, G1, SRCS(S1));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + SEC(0.5) + GMI }, { S2, T2 + LMQT }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + SEC(0.5) + GMI }));
        lab_advance_to(&l, T2 + SEC(10));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 8), 3);
        check_query(&q[0], G1, T2, false, SRCS(S1, S2));
        check_query(&q[1], G1, T2 + LMQI, true, SRCS(S1));
        check_query(&q[2], G1, T2 + LMQI, false, SRCS(S2));
        lab_done(&l);
}
END_TEST

/* ---- 6.5, 6.3, 6.6.1, 4.1.6-7 ------------------------------------------------------ */

/* 6.5: "If the group timer expires [in EXCLUDE mode] ... a router switches
 * to filter-mode of INCLUDE using those source records [with timers greater
 * than zero]. Source records whose timers are zero ... are deleted." S2's
 * own timer ran out first: 6.3, excluded (0), kept until then. */
START_TEST(test_group_timer_expiry_to_include) {
        Config c = sources_config();
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T0 + SEC(100));
        REPORT(&l, IS_IN, SRCS(S1));
        lab_advance_to(&l, TX + GMI);
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, T0 + SEC(100) + GMI }, { S2, 0 }, { S3, 0 }, { S4, 0 }));
        lab_advance_to(&l, T1 + GMI - 1);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, G1, LAB_ANY_VIF, LAB_ALWAYS), 0);
        lab_advance_to(&l, T1 + GMI);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T0 + SEC(100) + GMI }));
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T0 + SEC(100) + GMI);
        check_no_state(&l, l.down, G1);
        lab_done(&l);
}
END_TEST

/* The out_mask of the route a NOCACHE upcall installs for (S, G). */
static uint32_t route_mask(Lab *l, in4_t source) {
        const Rec *r = NULL;

        proxy_handle_nocache(l->p, l->up, source, G1, l->now);
        lab_collect(l);
        for (size_t k = 0; k < l->n_recs; k++)
                if (l->recs[k].e.type == EFFECT_MFC_SET && l->recs[k].e.source == source && l->recs[k].e.group == G1)
                        r = &l->recs[k];
        ck_assert_ptr_nonnull(r);
        return r->e.out_mask;
}

/* The last MFC_SET of (S, G1) recorded. */
static uint32_t last_mask(const Lab *l, in4_t source) {
        const Rec *r = NULL;

        for (size_t k = 0; k < l->n_recs; k++)
                if (l->recs[k].e.type == EFFECT_MFC_SET && l->recs[k].e.source == source && l->recs[k].e.group == G1)
                        r = &l->recs[k];
        ck_assert_ptr_nonnull(r);
        return r->e.out_mask;
}

/* 6.3: INCLUDE: forward a source with a record (timer > 0); EXCLUDE: forward
 * a source with timer > 0 or with no record, not one with timer 0. Per link:
 * vlan10 INCLUDE ({S1}), vlan20 EXCLUDE ({S3}, {S2}). */
START_TEST(test_forwarding_per_source) {
        Config c = sources_config();
        uint32_t d1, d2;
        Lab l;

        lab_init(&l, &c, true);
        d1 = 1U << l.down;
        d2 = 1U << l.down2;
        lab_advance_to(&l, T1);
        REPORT(&l, IS_IN, SRCS(S1));
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, IS_IN, G1, SRCS(S3));
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, IS_EX, G1, SRCS(S2, S3));
        check_state(&l, l.down2, G1, EXCLUDE, T1 + GMI, WANT({ S2, 0 }, { S3, T1 + GMI }));
        lab_advance_to(&l, T2);
        ck_assert_uint_eq(route_mask(&l, S1), d1 | d2);
        ck_assert_uint_eq(route_mask(&l, S2), 0);
        ck_assert_uint_eq(route_mask(&l, S3), d2);
        ck_assert_uint_eq(route_mask(&l, S4), d2);
        /* vlan10 asks for S2 as well: its route follows at once. */
        lab_advance_to(&l, T3);
        REPORT(&l, ALLOW, SRCS(S2));
        ck_assert_uint_eq(last_mask(&l, S2), d1);
        ck_assert_uint_eq(last_mask(&l, S1), d1 | d2);
        ck_assert_uint_eq(last_mask(&l, S4), d2);
        /* vlan20's S3 is not asked for again: excluded at its timer (6.3). */
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, BLOCK, G1, SRCS(S3));
        lab_advance_to(&l, T3 + LMQT);
        ck_assert_uint_eq(last_mask(&l, S3), 0);
        lab_done(&l);
}
END_TEST

/* 6.6.1: "Q(G,A): Source Timer for sources in A are lowered to LMQT; Q(G):
 * Group Timer is lowered to LMQT" for a query received with the S flag
 * clear; "When a router sends or receives a query with the Suppress
 * Router-Side Processing flag set, it will not update its timers." (The
 * querier's Max Resp Time is our LMQI, so LMQT is 2 s either way.) */
START_TEST(test_non_querier_follows_queries) {
        Config c = sources_config();
        in4_t querier = IN4(198, 18, 1, 1);
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, IN4(198, 18, 1, 100), 24), 0);
        lab_query(&l, LAB_DOWN_IFINDEX, querier, 3, 0, QRI);
        ck_assert(!proxy_is_querier(l.p, l.down));
        start_include(&l);
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_B, IS_EX, G2, SRCS(S3));
        lab_advance_to(&l, T2);
        /* S set: nothing changes. */
        lab_query_src(&l, LAB_DOWN_IFINDEX, querier, G1, LMQI, true, SRCS(S1, S2));
        lab_query_src(&l, LAB_DOWN_IFINDEX, querier, G2, LMQI, true, NO_SRCS);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T1 + GMI }));
        check_state(&l, l.down, G2, EXCLUDE, T1 + GMI, WANT({ S3, 0 }));
        /* S clear: the sources asked for and the group timer go to LMQT. */
        lab_query_src(&l, LAB_DOWN_IFINDEX, querier, G1, LMQI, false, SRCS(S1));
        lab_query_src(&l, LAB_DOWN_IFINDEX, querier, G2, LMQI, false, NO_SRCS);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + LMQT }, { S2, T1 + GMI }));
        check_state(&l, l.down, G2, EXCLUDE, T2 + LMQT, WANT({ S3, 0 }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S2, T1 + GMI }));
        check_no_state(&l, l.down, G2);
        /* A non-querier asks nothing itself. */
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_QUERY, G1, l.down, LAB_ALWAYS), 0);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_QUERY, G2, l.down, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

/* 4.1.6: "Routers adopt the QRV value from the most recently received
 * Query as their own [Robustness Variable] value, unless that most recently
 * received QRV was zero"; 4.1.7: non-queriers adopt its QQI likewise. So
 * GMI (8.4) = 3 x 60 + 10 = 190 s and the Other Querier Present Interval
 * (8.5) = 3 x 60 + 5 = 185 s. Zero: our own values (260 s, 255 s). */
START_TEST(test_non_querier_adopts_qrv_qqi) {
        Config c = sources_config();
        LabIp querier = LAB_IP(IN4(198, 18, 1, 1));
        usec_t tq2 = T2 + SEC(60);
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, IN4(198, 18, 1, 100), 24), 0);
        lab_advance_to(&l, T1);
        lab_query_ip(&l, LAB_DOWN_IFINDEX, querier, 3, 0, QRI, 3, SEC(60));
        ck_assert(!proxy_is_querier(l.p, l.down));
        lab_advance_to(&l, T2);
        DOWN(&l, HOST_A, IS_EX, NO_SRCS);
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_IN, G2, SRCS(S1));
        check_state(&l, l.down, G1, EXCLUDE, T2 + SEC(190), NO_SRCS);
        check_state(&l, l.down, G2, INCLUDE, 0, WANT({ S1, T2 + SEC(190) }));
        /* QRV 0 and QQI 0: ours again. */
        lab_advance_to(&l, tq2);
        lab_query_ip(&l, LAB_DOWN_IFINDEX, querier, 3, 0, QRI, 0, 0);
        DOWN(&l, HOST_A, IS_EX, NO_SRCS);
        check_state(&l, l.down, G1, EXCLUDE, tq2 + GMI, NO_SRCS);
        lab_advance_to(&l, tq2 + SEC(255) - 1);
        ck_assert(!proxy_is_querier(l.p, l.down));
        lab_advance_to(&l, tq2 + SEC(255));
        ck_assert(proxy_is_querier(l.p, l.down));
        lab_done(&l);
}
END_TEST

START_TEST(test_non_querier_other_querier_interval_adopted) {
        Config c = sources_config();
        LabIp querier = LAB_IP(IN4(198, 18, 1, 1));
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, IN4(198, 18, 1, 100), 24), 0);
        lab_advance_to(&l, T1);
        lab_query_ip(&l, LAB_DOWN_IFINDEX, querier, 3, 0, QRI, 3, SEC(60));
        lab_advance_to(&l, T1 + SEC(185) - 1);
        ck_assert(!proxy_is_querier(l.p, l.down));
        lab_advance_to(&l, T1 + SEC(185));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_QUERIER_RESUMED, LAB_ANY_GROUP, 0)->at, T1 + SEC(185));
        lab_done(&l);
}
END_TEST

/* ---- 7.3 older versions --------------------------------------------------------------- */

/* 7.3.2: an IGMPv2 report is IS_EX ({}) and starts the IGMPv2 Host Present
 * timer (Older Host Present Interval, 8.13: 260 s); in IGMPv2 mode "BLOCK
 * (x): Ignore; TO_EX (x): TO_EX ({})". After the interval, v3 again: the same
 * BLOCK adds the source (X+(A-Y)) and asks Q(G,A-Y). */
START_TEST(test_v2_host_mode) {
        Config c = sources_config();
        usec_t tb = T1 + GMI + SEC(1);
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI, NO_SRCS);
        ck_assert_uint_eq(compat(&l), 2);
        lab_advance_to(&l, T2);
        DOWN(&l, HOST_B, BLOCK, SRCS(S1));
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI, NO_SRCS);
        DOWN(&l, HOST_B, TO_EX, SRCS(S1));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, NO_SRCS);
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        /* A v3 host keeps the group; the v2 host goes silent. */
        lab_advance_to(&l, T0 + SEC(100));
        DOWN(&l, HOST_B, IS_EX, NO_SRCS);
        lab_advance_to(&l, T1 + GMI - 1);
        ck_assert_uint_eq(compat(&l), 2);
        lab_advance_to(&l, T1 + GMI);
        ck_assert_uint_eq(compat(&l), 3);
        lab_advance_to(&l, tb);
        DOWN(&l, HOST_B, BLOCK, SRCS(S1));
        check_state(&l, l.down, G1, EXCLUDE, T0 + SEC(100) + GMI, WANT({ S1, tb + LMQT }));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 1);
        check_query(&q[0], G1, tb, false, SRCS(S1));
        lab_done(&l);
}
END_TEST

/* 7.3.2: in IGMPv1 mode, "In addition to ignoring IGMPv3 BLOCK messages
 * and source-lists in TO_EX() messages as in IGMPv2 Group Compatibility
 * Mode, IGMPv2 Leave messages and IGMPv3 TO_IN() messages are also
 * ignored" (IGMPv2 reports do not lift it); once the IGMPv1 Host Present
 * timer runs out a leave is TO_IN ({}) and asks Q(G). */
START_TEST(test_v1_host_mode) {
        Config c = sources_config();
        usec_t tl = T2 + GMI + SEC(1);
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 1);
        ck_assert_uint_eq(compat(&l), 1);
        lab_advance_to(&l, T2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert_uint_eq(compat(&l), 1);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, NO_SRCS);
        DOWN(&l, HOST_B, TO_IN, NO_SRCS);
        DOWN(&l, HOST_B, TO_IN, SRCS(S1));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, NO_SRCS);
        DOWN(&l, HOST_B, TO_EX, SRCS(S1));
        DOWN(&l, HOST_B, BLOCK, SRCS(S2));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, NO_SRCS);
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        /* v1 until T1 + GMI, then v2 until T2 + GMI; a v3 host stays. */
        lab_advance_to(&l, T0 + SEC(100));
        DOWN(&l, HOST_B, IS_EX, NO_SRCS);
        lab_advance_to(&l, T1 + GMI);
        ck_assert_uint_eq(compat(&l), 2);
        lab_advance_to(&l, T2 + GMI);
        ck_assert_uint_eq(compat(&l), 3);
        lab_advance_to(&l, tl);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        check_state(&l, l.down, G1, EXCLUDE, tl + LMQT, NO_SRCS);
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 1);
        check_query(&q[0], G1, tl, false, NO_SRCS);
        lab_done(&l);
}
END_TEST

/* 7.3.1: "the querier MUST use the lowest version of IGMP present on the
 * network": an IGMPv2 general query heard from another router (a higher
 * address: we stay querier) makes our queries IGMPv2, without source lists
 * (no Q(G,X) at all: a v2 host cannot read one), until the Older Version
 * Querier Present Interval (RV x QI + QRI = 260 s) passes without one. */
START_TEST(test_older_querier_v2) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T1);
        lab_query(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 200), 2, 0, QRI);
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_OLDER_QUERIER, LAB_ANY_GROUP), 1);
        DOWN(&l, HOST_A, IS_EX, NO_SRCS);
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_IN, G2, SRCS(S1, S2));
        lab_advance_to(&l, T2);
        DOWN(&l, HOST_A, TO_IN, NO_SRCS);
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, BLOCK, G2, SRCS(S1));
        ck_assert_uint_eq(queries(&l, G1, T2, q, 8), 1);
        ck_assert_uint_eq(q[0].version, 2);
        ck_assert_uint_eq(q[0].n, 0);
        ck_assert(!q[0].s_flag);
        ck_assert_uint_eq(q[0].max_resp, LMQI);
        ck_assert_uint_eq(queries(&l, G2, T0, q, 8), 0);
        check_state(&l, l.down, G2, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T1 + GMI }));
        /* General queries: v2 until T1 + 260 s, v3 after. */
        lab_advance_to(&l, T0 + SEC(400));
        /* (startup: T0 and T0 + 31.25 s, then every 125 s) */
        ck_assert_uint_eq(queries(&l, 0, T1, q, 8), 3);
        ck_assert_uint_eq(q[0].at, T0 + SEC(31.25));
        ck_assert_uint_eq(q[0].version, 2);
        ck_assert_uint_eq(q[0].max_resp, QRI);
        ck_assert_uint_eq(q[1].at, T0 + SEC(156.25));
        ck_assert_uint_eq(q[1].version, 2);
        ck_assert_uint_eq(q[2].at, T0 + SEC(281.25));
        ck_assert_uint_eq(q[2].version, 3);
        /* and group-and-source-specific queries are back */
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, IS_IN, G2, SRCS(S1, S2));
        lab_v3_record_src(&l, LAB_DOWN_IFINDEX, HOST_A, BLOCK, G2, SRCS(S1));
        ck_assert_uint_eq(queries(&l, G2, T0, q, 8), 1);
        check_query(&q[0], G2, T0 + SEC(400), false, SRCS(S1));
        lab_done(&l);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("sources-timers");
        TCase *tc;

        tc = tcase_create("6.6.3");
        tcase_add_test(tc, test_group_round_count_and_spacing);
        tcase_add_test(tc, test_source_round_count_and_spacing);
        tcase_add_test(tc, test_group_retransmission_s_flag);
        tcase_add_test(tc, test_source_round_split_by_s_flag);
        suite_add_tcase(s, tc);
        tc = tcase_create("6.5-6.3-6.6.1");
        tcase_add_test(tc, test_group_timer_expiry_to_include);
        tcase_add_test(tc, test_forwarding_per_source);
        tcase_add_test(tc, test_non_querier_follows_queries);
        tcase_add_test(tc, test_non_querier_adopts_qrv_qqi);
        tcase_add_test(tc, test_non_querier_other_querier_interval_adopted);
        suite_add_tcase(s, tc);
        tc = tcase_create("7.3");
        tcase_add_test(tc, test_v2_host_mode);
        tcase_add_test(tc, test_v1_host_mode);
        tcase_add_test(tc, test_older_querier_v2);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
