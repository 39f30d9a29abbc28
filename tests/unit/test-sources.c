/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sources.c - Check suite for the router side with source lists: every
 * row of the tables of RFC 3376 6.4.1 (current-state records) and 6.4.2
 * (state-change records), written from the RFC text, not from the code.
 *
 * Each test starts from the row's state built by records (INCLUDE (A), A =
 * {S1, S2}; EXCLUDE (X, Y), X = {S1, S2}, Y = {S3, S4}), applies the row's
 * record at T2 with a set that overlaps both (B = {S2, S3}; A = {S2, S3, S5}
 * in EXCLUDE rows) and checks the new filter mode, each source timer, the
 * group timer and the queries sent. "Send Q(G,X)" (6.6.3.2) lowers the
 * timers of the sources of X that are above LMQT to LMQT and sends [Last
 * Member Query Count] queries [Last Member Query Interval] apart, S flag
 * clear for those at LMQT; "Send Q(G)" (6.6.3.1) does the same with the
 * group timer. Defaults: GMI 260 s, LMQI 1 s, LMQT 2 s; every time is exact.
 * test-sources-timers.c has the rounds, 6.5, 6.3, 6.6.1 and section 7;
 * test-sources-proxy.c the upstream side.
 */
#include "run-suite.h"
#include "sources-check.h"

/* ---- 6.4.1 current-state records ------------------------------------------------- */

/* 6.4.1: INCLUDE (A) + IS_IN (B) -> INCLUDE (A+B), (B)=GMI. 6.3: an INCLUDE
 * source whose timer runs out is removed. */
START_TEST(test_include_is_in) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, IS_IN, SRCS(S2, S3));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T1 + GMI - 1);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T1 + GMI);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T2 + GMI);
        check_no_state(&l, l.down, G1);
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.1: INCLUDE (A) + IS_EX (B) -> EXCLUDE (A*B, B-A), (B-A)=0, Delete
 * (A-B), Group Timer=GMI. */
START_TEST(test_include_is_ex) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, IS_EX, SRCS(S2, S3));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, T1 + GMI }, { S3, 0 }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.1: EXCLUDE (X, Y) + IS_IN (A) -> EXCLUDE (X+A, Y-A), (A)=GMI. */
START_TEST(test_exclude_is_in) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, IS_IN, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, T2 + GMI }, { S3, T2 + GMI }, { S4, 0 }, { S5, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.1: EXCLUDE (X, Y) + IS_EX (A) -> EXCLUDE (A-Y, Y*A), (A-X-Y)=GMI,
 * Delete (X-A), Delete (Y-A), Group Timer=GMI. */
START_TEST(test_exclude_is_ex) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, IS_EX, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, TX + GMI }, { S3, 0 }, { S5, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* ---- 6.4.2 state-change records ---------------------------------------------------- */

/* 6.4.2: INCLUDE (A) + ALLOW (B) -> INCLUDE (A+B), (B)=GMI. */
START_TEST(test_include_allow) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, ALLOW, SRCS(S2, S3));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.2: INCLUDE (A) + BLOCK (B) -> INCLUDE (A), Send Q(G,A*B). 6.6.3.2: the
 * timers of A*B go to LMQT, [LMQC] = 2 queries LMQI apart, S clear (timers
 * not above LMQT); nobody answers: 6.3, the source is removed at LMQT. */
START_TEST(test_include_block) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, BLOCK, SRCS(S2, S3));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T2 + LMQT }));
        lab_advance_to(&l, T2 + LMQT - 1);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T2 + LMQT }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 2);
        check_query(&q[0], G1, T2, false, SRCS(S2));
        check_query(&q[1], G1, T2 + LMQI, false, SRCS(S2));
        lab_done(&l);
}
END_TEST

/* 6.4.2: INCLUDE (A) + TO_EX (B) -> EXCLUDE (A*B, B-A), (B-A)=0, Delete
 * (A-B), Send Q(G,A*B), Group Timer=GMI. 6.3: an EXCLUDE source whose
 * timer runs out is kept with timer 0 (not forwarded). */
START_TEST(test_include_to_ex) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_EX, SRCS(S2, S3));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, T2 + LMQT }, { S3, 0 }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, 0 }, { S3, 0 }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 2);
        check_query(&q[0], G1, T2, false, SRCS(S2));
        check_query(&q[1], G1, T2 + LMQI, false, SRCS(S2));
        lab_done(&l);
}
END_TEST

/* 6.4.2: INCLUDE (A) + TO_IN (B) -> INCLUDE (A+B), (B)=GMI, Send Q(G,A-B). */
START_TEST(test_include_to_in) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_include(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_IN, SRCS(S2, S3));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S1, T2 + LMQT }, { S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S2, T2 + GMI }, { S3, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 2);
        check_query(&q[0], G1, T2, false, SRCS(S1));
        check_query(&q[1], G1, T2 + LMQI, false, SRCS(S1));
        lab_done(&l);
}
END_TEST

/* 6.4.2: EXCLUDE (X, Y) + ALLOW (A) -> EXCLUDE (X+A, Y-A), (A)=GMI. */
START_TEST(test_exclude_allow) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, ALLOW, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, T2 + GMI }, { S3, T2 + GMI }, { S4, 0 }, { S5, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.2: EXCLUDE (X, Y) + BLOCK (A) -> EXCLUDE (X+(A-Y), Y), (A-X-Y)=Group
 * Timer, Send Q(G,A-Y). A-Y = {S2, S5}: both above LMQT, both lowered. */
START_TEST(test_exclude_block) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, BLOCK, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, T2 + LMQT }, { S3, 0 }, { S4, 0 }, { S5, T2 + LMQT }));
        lab_advance_to(&l, T2 + LMQT);
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, 0 }, { S3, 0 }, { S4, 0 }, { S5, 0 }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 2);
        check_query(&q[0], G1, T2, false, SRCS(S2, S5));
        check_query(&q[1], G1, T2 + LMQI, false, SRCS(S2, S5));
        lab_done(&l);
}
END_TEST

/* The (A-X-Y)=Group Timer part of the BLOCK row on its own: on a
 * non-querier no Q(G,A-Y) lowers it, so the new source keeps the group
 * timer's value. */
START_TEST(test_exclude_block_new_source_takes_group_timer) {
        Config c = sources_config();
        Lab l;

        lab_init(&l, &c, false);
        ck_assert_int_eq(proxy_set_iface_address(l.p, l.down, IN4(198, 18, 1, 100), 24), 0);
        lab_query(&l, LAB_DOWN_IFINDEX, IN4(198, 18, 1, 1), 3, 0, QRI);
        ck_assert(!proxy_is_querier(l.p, l.down));
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, BLOCK, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, TX + GMI }, { S3, 0 }, { S4, 0 }, { S5, T1 + GMI }));
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_QUERY, G1, LAB_ANY_VIF, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

/* 6.4.2: EXCLUDE (X, Y) + TO_EX (A) -> EXCLUDE (A-Y, Y*A), (A-X-Y)=Group
 * Timer, Delete (X-A), Delete (Y-A), Send Q(G,A-Y), Group Timer=GMI. */
START_TEST(test_exclude_to_ex) {
        Config c = sources_config();
        LabQuery q[4];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_EX, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, T2 + LMQT }, { S3, 0 }, { S5, T2 + LMQT }));
        lab_advance_to(&l, T2 + SEC(5));
        ck_assert_uint_eq(queries(&l, G1, T0, q, 4), 2);
        check_query(&q[0], G1, T2, false, SRCS(S2, S5));
        check_query(&q[1], G1, T2 + LMQI, false, SRCS(S2, S5));
        check_state(&l, l.down, G1, EXCLUDE, T2 + GMI, WANT({ S2, 0 }, { S3, 0 }, { S5, 0 }));
        lab_done(&l);
}
END_TEST

/* 6.4.2: EXCLUDE (X, Y) + TO_IN (A) -> EXCLUDE (X+A, Y-A), (A)=GMI, Send
 * Q(G,X-A), Send Q(G). Then 6.5: nobody answers, the group timer (LMQT)
 * runs out: INCLUDE with the sources whose timers run. */
START_TEST(test_exclude_to_in) {
        Config c = sources_config();
        LabQuery q[8];
        Lab l;

        lab_init(&l, &c, false);
        start_exclude(&l);
        lab_advance_to(&l, T2);
        REPORT(&l, TO_IN, SRCS(S2, S3, S5));
        check_state(&l, l.down, G1, EXCLUDE, T2 + LMQT,
                    WANT({ S1, T2 + LMQT }, { S2, T2 + GMI }, { S3, T2 + GMI }, { S4, 0 }, { S5, T2 + GMI }));
        lab_advance_to(&l, T2 + SEC(5));
        check_state(&l, l.down, G1, INCLUDE, 0, WANT({ S2, T2 + GMI }, { S3, T2 + GMI }, { S5, T2 + GMI }));
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        /* Q(G,X-A) and Q(G) at T2 and once more LMQI later, all S clear. */
        ck_assert_uint_eq(queries(&l, G1, T0, q, 8), 4);
        for (size_t k = 0; k < 4; k++) {
                usec_t at = k < 2 ? T2 : T2 + LMQI;
                if (q[k].n == 0)
                        check_query(&q[k], G1, at, false, NO_SRCS);
                else
                        check_query(&q[k], G1, at, false, SRCS(S1));
        }
        ck_assert_uint_ne(q[0].n, q[1].n);
        ck_assert_uint_ne(q[2].n, q[3].n);
        lab_done(&l);
}
END_TEST

static Suite *suite(void) {
        Suite *s = suite_create("sources");
        TCase *tc;

        tc = tcase_create("6.4.1");
        tcase_add_test(tc, test_include_is_in);
        tcase_add_test(tc, test_include_is_ex);
        tcase_add_test(tc, test_exclude_is_in);
        tcase_add_test(tc, test_exclude_is_ex);
        suite_add_tcase(s, tc);
        tc = tcase_create("6.4.2");
        tcase_add_test(tc, test_include_allow);
        tcase_add_test(tc, test_include_block);
        tcase_add_test(tc, test_include_to_ex);
        tcase_add_test(tc, test_include_to_in);
        tcase_add_test(tc, test_exclude_allow);
        tcase_add_test(tc, test_exclude_block);
        tcase_add_test(tc, test_exclude_block_new_source_takes_group_timer);
        tcase_add_test(tc, test_exclude_to_ex);
        tcase_add_test(tc, test_exclude_to_in);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(suite());
}
