/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-querier.c - Check suite for the downstream querier (src/querier.c).
 *
 * Covers RFC 3376 6.1 / 8.x and RFC 2236 3: startup general queries
 * ([Startup Query Count] of them [Startup Query Interval] apart), then one
 * every [Query Interval] on a fixed grid; the query fields; the election
 * (lowest address wins, [Other Querier Present Interval], resuming); a
 * non-querier lowering a group timer on a group-specific query (RFC 3376
 * 6.6.1); per-interface state.
 *
 * Everything runs on the fake clock of fake-clock.c, so every time below is
 * exact to the microsecond. T0 = 1000 s is the time the lab starts (and the
 * first startup query goes out).
 */
#include <check.h>

#include "run-suite.h"
#include <stdio.h>
#include <stdlib.h>

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
/* Our downstream address is moved to .100 in the election tests so that a
 * router at .1 wins and one at .200 loses. */
#define OUR_ADDR IN4(198, 18, 1, 100)
#define LOWER_ROUTER IN4(198, 18, 1, 1)
#define HIGHER_ROUTER IN4(198, 18, 1, 200)

#define QI SEC(125)
#define SQI SEC(31.25)
#define QRI SEC(10)
#define OQPI (2 * QI + QRI / 2) /* 255 s with the defaults */
#define GMI (2 * QI + QRI)      /* 260 s */

static Config defaults(void) {
        Config c;

        config_init_defaults(&c);
        return c;
}

/* General queries (group 0) sent on vif in [from, to). */
static size_t general_queries(const Lab *l, int vif, usec_t from, usec_t to) {
        return lab_count_in(l, EFFECT_SEND_QUERY, 0, vif, from, to);
}

/* Time of the nth general query on vif; fails the test if there is none. */
static usec_t general_query_at(const Lab *l, int vif, size_t nth) {
        const Rec *r = lab_nth(l, EFFECT_SEND_QUERY, 0, vif, nth);

        ck_assert_msg(r != NULL, "general query #%zu on vif %d missing", nth, vif);
        return r->at;
}

static void lab_init_our_addr(Lab *l, const Config *c, bool second) {
        lab_init(l, c, second);
        ck_assert_int_eq(proxy_set_iface_address(l->p, l->down, OUR_ADDR, 24), 0);
}

/* ---- startup and the regular schedule -------------------------------- */

START_TEST(test_startup_queries) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        ck_assert(proxy_is_querier(l.p, l.down));
        /* The first one goes out when the interface is added. */
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 1);
        ck_assert_uint_eq(general_query_at(&l, l.down, 0), T0);

        lab_advance_to(&l, T0 + SQI - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 1);
        lab_advance_to(&l, T0 + SQI);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 2);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), T0 + SQI);

        /* StartupQueryCount = 2: the third is a regular one, QI later. */
        lab_advance_to(&l, T0 + SQI + QI - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 2);
        lab_advance_to(&l, T0 + SQI + QI);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 3);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), T0 + SQI + QI);
        /* No query goes upstream: there we are a host. */
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_QUERY, LAB_ANY_GROUP, l.up, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_startup_count_follows_config) {
        Config c = defaults();
        Lab l;

        /* Robustness 3 (the parser derives StartupQueryCount from it), and a
         * shorter query interval with its derived startup interval. */
        c.robustness = 3;
        c.startup_query_count = 3;
        c.query_interval = SEC(60);
        c.startup_query_interval = SEC(15);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(15) * 2 + SEC(60) * 2);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 5);
        ck_assert_uint_eq(general_query_at(&l, l.down, 0), T0);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), T0 + SEC(15));
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), T0 + SEC(30));
        ck_assert_uint_eq(general_query_at(&l, l.down, 3), T0 + SEC(90));
        ck_assert_uint_eq(general_query_at(&l, l.down, 4), T0 + SEC(150));
        lab_done(&l);
}
END_TEST

START_TEST(test_regular_queries_no_drift) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SQI + 10 * QI);
        /* 2 startup + 10 regular, each exactly on the grid. */
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 12);
        for (size_t k = 1; k <= 10; k++)
                ck_assert_uint_eq(general_query_at(&l, l.down, 1 + k), T0 + SQI + k * QI);
        lab_done(&l);
}
END_TEST

START_TEST(test_late_wakeup_does_not_shift_schedule) {
        Config c = defaults();
        Lab l;

        c.refresh = REFRESH_NO; /* the only timer is the query timer */
        lab_init(&l, &c, false);
        ck_assert_uint_eq(proxy_next_deadline(l.p), T0 + SQI);

        /* The glue wakes up 3 s late for the second startup query. */
        l.now = T0 + SQI + SEC(3);
        proxy_run_timers(l.p, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 2);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), T0 + SQI + SEC(3));
        /* The next one stays on the original grid. */
        ck_assert_uint_eq(proxy_next_deadline(l.p), T0 + SQI + QI);
        lab_advance_to(&l, T0 + SQI + 3 * QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), T0 + SQI + QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 3), T0 + SQI + 2 * QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 4), T0 + SQI + 3 * QI);
        lab_done(&l);
}
END_TEST

/* ---- query fields -------------------------------------------------------- */

START_TEST(test_first_query_short_max_resp_only_if_shorter) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.query_response_interval = MSEC(500);
        lab_init(&l, &c, false);
        r = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.max_resp, MSEC(500));
        lab_done(&l);
}
END_TEST

START_TEST(test_query_fields_v3) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SQI + QI);
        for (size_t k = 0; k < 3; k++) {
                r = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, k);
                ck_assert_ptr_nonnull(r);
                ck_assert_uint_eq(r->e.dst, IN4_ALL_SYSTEMS);
                ck_assert_uint_eq(r->e.group, 0);
                ck_assert_uint_eq(r->e.version, 3);
                /* the first query after start asks for answers within 1 s (fast rejoin) */
                ck_assert_uint_eq(r->e.max_resp, k == 0 ? SEC(1) : SEC(10));
                ck_assert_uint_eq(r->e.qrv, 2);
                ck_assert_uint_eq(r->e.qqi, SEC(125));
        }
        ck_assert_uint_eq(proxy_stats(l.p)->queries_sent, 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_query_fields_follow_config) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.robustness = 3;
        c.startup_query_count = 3;
        c.query_interval = SEC(90);
        c.startup_query_interval = SEC(22.5);
        c.query_response_interval = SEC(4.5);
        lab_init(&l, &c, false);
        r = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.max_resp, SEC(1));
        lab_advance_to(&l, T0 + SEC(22.5));
        r = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, 1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.max_resp, SEC(4.5));
        ck_assert_uint_eq(r->e.qrv, 3);
        ck_assert_uint_eq(r->e.qqi, SEC(90));
        ck_assert_uint_eq(r->e.version, 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_query_fields_v2) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.querier_version = 2;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SQI + QI);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 3);
        for (size_t k = 0; k < 3; k++) {
                r = lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, k);
                ck_assert_uint_eq(r->e.version, 2);
                ck_assert_uint_eq(r->e.dst, IN4_ALL_SYSTEMS);
                ck_assert_uint_eq(r->e.group, 0);
                ck_assert_uint_eq(r->e.max_resp, k == 0 ? SEC(1) : SEC(10));
        }
        lab_done(&l);
}
END_TEST

/* ---- election ----------------------------------------------------------- */

START_TEST(test_lower_querier_takes_over) {
        Config c = defaults();
        const Rec *r;
        usec_t tq = T0 + SEC(40);
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, tq);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 2);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 3, 0, SEC(10));
        ck_assert(!proxy_is_querier(l.p, l.down));
        r = lab_find_event(&l, EVENT_QUERIER_LOST, 0, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, tq);
        ck_assert_uint_eq(r->e.source, LOWER_ROUTER);
        ck_assert_int_eq(r->e.vif, l.down);

        /* Silent for the whole Other Querier Present Interval. */
        lab_advance_to(&l, tq + OQPI - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 0);
        ck_assert(!proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_QUERIER_RESUMED, 0), 0);

        /* Then exactly one query at the expiry ... */
        lab_advance_to(&l, tq + OQPI);
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 1);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), tq + OQPI);
        r = lab_find_event(&l, EVENT_QUERIER_RESUMED, 0, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, tq + OQPI);

        /* ... and regular ones every Query Interval after it. */
        lab_advance_to(&l, tq + OQPI + 4 * QI);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 5);
        for (size_t k = 1; k <= 4; k++)
                ck_assert_uint_eq(general_query_at(&l, l.down, 2 + k), tq + OQPI + k * QI);
        lab_done(&l);
}
END_TEST

START_TEST(test_lower_querier_keeps_us_silent) {
        Config c = defaults();
        usec_t last = 0;
        Lab l;

        lab_init_our_addr(&l, &c, false);
        /* The other querier queries every 125 s for a while. */
        for (int k = 0; k < 6; k++) {
                last = T0 + SEC(40) + (usec_t) k * QI;
                lab_advance_to(&l, last);
                lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 3, 0, SEC(10));
        }
        lab_advance_to(&l, last + OQPI - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, T0 + SEC(40), USEC_INFINITY), 0);
        /* One "lost" event, not one per query. */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_QUERIER_LOST, 0), 1);
        lab_advance_to(&l, last + OQPI);
        ck_assert_uint_eq(general_queries(&l, l.down, T0 + SEC(40), USEC_INFINITY), 1);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), last + OQPI);
        lab_done(&l);
}
END_TEST

START_TEST(test_oqpi_follows_config) {
        Config c = defaults();
        usec_t tq = T0 + SEC(50);
        usec_t oqpi = 3 * SEC(60) + SEC(4) / 2; /* 182 s */
        Lab l;

        c.robustness = 3;
        c.startup_query_count = 3;
        c.query_interval = SEC(60);
        c.startup_query_interval = SEC(15);
        c.query_response_interval = SEC(4);
        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, 0, SEC(10));
        lab_advance_to(&l, tq + oqpi - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 0);
        lab_advance_to(&l, tq + oqpi);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 1);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_QUERY, 0, l.down, 3)->at, tq + oqpi);
        lab_done(&l);
}
END_TEST

/* Lost the election during the startup queries: once the other querier is
 * gone we query again, then every Query Interval (the unfinished startup
 * sequence must not come back). The other querier's v3 query says QRV 2,
 * QQI 125 s: as non-querier we adopt them (RFC 3376 4.1.6, 4.1.7), so the
 * Other Querier Present Interval is 2 x 125 + 10 / 2 s, not ours (3 x 125). */
START_TEST(test_resume_after_election_during_startup) {
        Config c = defaults();
        usec_t tq = T0 + SEC(1);
        usec_t oqpi = 2 * SEC(125) + QRI / 2; /* 255 s */
        Lab l;

        c.robustness = 3;
        c.startup_query_count = 3;
        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 3, 0, SEC(10));
        lab_advance_to(&l, tq + oqpi + 3 * QI);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 4);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), tq + oqpi);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), tq + oqpi + QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 3), tq + oqpi + 2 * QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 4), tq + oqpi + 3 * QI);
        lab_done(&l);
}
END_TEST

START_TEST(test_higher_querier_changes_nothing) {
        Config c = defaults();
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(40));
        lab_query(&l, LAB_DOWN_IFINDEX, HIGHER_ROUTER, 3, 0, SEC(10));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_QUERIER_LOST, 0), 0);
        lab_advance_to(&l, T0 + SQI + 3 * QI);
        ck_assert_uint_eq(general_queries(&l, l.down, LAB_ALWAYS), 5);
        for (size_t k = 1; k <= 3; k++)
                ck_assert_uint_eq(general_query_at(&l, l.down, 1 + k), T0 + SQI + k * QI);
        lab_done(&l);
}
END_TEST

START_TEST(test_query_from_unspecified_source_takes_no_part) {
        Config c = defaults();
        Lab l;

        /* Snooping switches send "proxy queries" from 0.0.0.0. */
        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(40));
        lab_query(&l, LAB_DOWN_IFINDEX, 0, 2, 0, SEC(10));
        ck_assert(proxy_is_querier(l.p, l.down));
        lab_advance_to(&l, T0 + SQI + QI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 2), T0 + SQI + QI);
        lab_done(&l);
}
END_TEST

START_TEST(test_own_query_ignored) {
        Config c = defaults();
        Lab l;

        /* Our own query looped back (from our address, which is the lowest
         * on the link) must not make us a non-querier. */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(5));
        lab_query(&l, LAB_DOWN_IFINDEX, LAB_DOWN_ADDR, 3, 0, SEC(10));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(proxy_stats(l.p)->igmp_ignored, 1);
        lab_advance_to(&l, T0 + SQI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), T0 + SQI);
        lab_done(&l);
}
END_TEST

/* ---- group-specific queries from the elected querier ---------------------- */

START_TEST(test_group_query_lowers_group_timer) {
        Config c = defaults();
        usec_t tg = T0 + SEC(50);
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(2));
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, 0, SEC(10));
        ck_assert(!proxy_is_querier(l.p, l.down));

        /* Max resp 3 s: the group ends after LMQC x 3 s = 6 s (not after
         * LMQC x our own LMQI = 2 s, nor at GMI). */
        lab_advance_to(&l, tg);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, G1, SEC(3));
        lab_advance_to(&l, tg + SEC(6) - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, tg + SEC(6));
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_ptr_nonnull(lab_find(&l, EFFECT_SEND_LEAVE, G1, 0));
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_LEAVE, G1, 0)->at, tg + SEC(6));
        /* A non-querier sends no group-specific query of its own. */
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_QUERY, G1, LAB_ANY_VIF, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_group_query_never_raises_group_timer) {
        Config c = defaults();
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, 0, SEC(10));
        /* Timer ends at T0 + 261 s; LMQC x 10 s from T0 + 258 s would be later. */
        lab_advance_to(&l, T0 + SEC(258));
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, G1, SEC(10));
        lab_advance_to(&l, T0 + SEC(1) + GMI - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        lab_advance_to(&l, T0 + SEC(1) + GMI);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        lab_done(&l);
}
END_TEST

START_TEST(test_report_after_group_query_keeps_group) {
        Config c = defaults();
        usec_t tg = T0 + SEC(50);
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, 0, SEC(10));
        lab_advance_to(&l, tg);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, G1, SEC(1));
        lab_advance_to(&l, tg + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tg + SEC(1) + GMI - 1);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, tg + SEC(1) + GMI);
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        lab_done(&l);
}
END_TEST

START_TEST(test_group_query_for_unknown_group) {
        Config c = defaults();
        Lab l;

        lab_init_our_addr(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 2, G1, SEC(1));
        /* The group-specific query still counts for the election. */
        ck_assert(!proxy_is_querier(l.p, l.down));
        ck_assert(!proxy_group_has_listener(l.p, l.down, G1));
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        lab_done(&l);
}
END_TEST

/* ---- several downstream interfaces --------------------------------------- */

START_TEST(test_second_downstream_keeps_own_state) {
        Config c = defaults();
        usec_t tq = T0 + SEC(40);
        Lab l;

        lab_init_our_addr(&l, &c, true);
        ck_assert_int_ge(l.down2, 0);
        ck_assert_uint_eq(general_queries(&l, l.down2, LAB_ALWAYS), 1);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_DOWN_IFINDEX, LOWER_ROUTER, 3, 0, SEC(10));
        ck_assert(!proxy_is_querier(l.p, l.down));
        ck_assert(proxy_is_querier(l.p, l.down2));

        lab_advance_to(&l, tq + OQPI - 1);
        ck_assert_uint_eq(general_queries(&l, l.down, tq, USEC_INFINITY), 0);
        /* vlan20 goes on with its own schedule: T0 + 31.25 s + k x 125 s. */
        ck_assert_uint_eq(general_queries(&l, l.down2, LAB_ALWAYS), 4);
        ck_assert_uint_eq(general_query_at(&l, l.down2, 0), T0);
        ck_assert_uint_eq(general_query_at(&l, l.down2, 1), T0 + SQI);
        ck_assert_uint_eq(general_query_at(&l, l.down2, 2), T0 + SQI + QI);
        ck_assert_uint_eq(general_query_at(&l, l.down2, 3), T0 + SQI + 2 * QI);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_QUERIER_LOST, 0), 1);
        ck_assert_int_eq(lab_find_event(&l, EVENT_QUERIER_LOST, 0, 0)->e.vif, l.down);
        lab_done(&l);
}
END_TEST

START_TEST(test_query_on_upstream_is_not_an_election) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(5));
        lab_query(&l, LAB_UP_IFINDEX, IN4(198, 18, 0, 1), 2, 0, SEC(10));
        ck_assert(proxy_is_querier(l.p, l.down));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_QUERIER_LOST, 0), 0);
        lab_advance_to(&l, T0 + SQI);
        ck_assert_uint_eq(general_query_at(&l, l.down, 1), T0 + SQI);
        lab_done(&l);
}
END_TEST

START_TEST(test_iface_added_later_starts_its_own_schedule) {
        Config c = defaults();
        usec_t ta = T0 + SEC(50), tr = ta + SQI + QI + SEC(1);
        int vif;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, ta);
        vif = proxy_add_iface(l.p, LAB_DOWN2_IFINDEX, "vlan20", ROLE_DOWNSTREAM, LAB_DOWN2_ADDR, 24, NULL, 0, l.now);
        ck_assert_int_ge(vif, 0);
        ck_assert_int_ne(vif, l.down);
        lab_collect(&l);
        lab_advance_to(&l, tr);
        ck_assert_uint_eq(general_queries(&l, vif, LAB_ALWAYS), 3);
        ck_assert_uint_eq(general_query_at(&l, vif, 0), ta);
        ck_assert_uint_eq(general_query_at(&l, vif, 1), ta + SQI);
        ck_assert_uint_eq(general_query_at(&l, vif, 2), ta + SQI + QI);
        /* Removed: its queries stop; the other link is unaffected. */
        ck_assert_int_eq(proxy_remove_iface(l.p, vif, l.now), 0);
        ck_assert(!proxy_is_querier(l.p, vif));
        lab_advance_to(&l, tr + 4 * QI);
        ck_assert_uint_eq(general_queries(&l, vif, tr, USEC_INFINITY), 0);
        ck_assert_uint_eq(general_queries(&l, l.down, tr, USEC_INFINITY), 4);
        lab_done(&l);
}
END_TEST

static Suite *querier_suite(void) {
        Suite *s = suite_create("querier");
        TCase *tc;

        tc = tcase_create("schedule");
        tcase_add_test(tc, test_startup_queries);
        tcase_add_test(tc, test_startup_count_follows_config);
        tcase_add_test(tc, test_regular_queries_no_drift);
        tcase_add_test(tc, test_late_wakeup_does_not_shift_schedule);
        suite_add_tcase(s, tc);

        tc = tcase_create("fields");
        tcase_add_test(tc, test_query_fields_v3);
        tcase_add_test(tc, test_first_query_short_max_resp_only_if_shorter);
        tcase_add_test(tc, test_query_fields_follow_config);
        tcase_add_test(tc, test_query_fields_v2);
        suite_add_tcase(s, tc);

        tc = tcase_create("election");
        tcase_add_test(tc, test_lower_querier_takes_over);
        tcase_add_test(tc, test_lower_querier_keeps_us_silent);
        tcase_add_test(tc, test_oqpi_follows_config);
        tcase_add_test(tc, test_resume_after_election_during_startup);
        tcase_add_test(tc, test_higher_querier_changes_nothing);
        tcase_add_test(tc, test_query_from_unspecified_source_takes_no_part);
        tcase_add_test(tc, test_own_query_ignored);
        tcase_add_test(tc, test_query_on_upstream_is_not_an_election);
        suite_add_tcase(s, tc);

        tc = tcase_create("group-query");
        tcase_add_test(tc, test_group_query_lowers_group_timer);
        tcase_add_test(tc, test_group_query_never_raises_group_timer);
        tcase_add_test(tc, test_report_after_group_query_keeps_group);
        tcase_add_test(tc, test_group_query_for_unknown_group);
        suite_add_tcase(s, tc);

        tc = tcase_create("interfaces");
        tcase_add_test(tc, test_second_downstream_keeps_own_state);
        tcase_add_test(tc, test_iface_added_later_starts_its_own_schedule);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(querier_suite());
}
