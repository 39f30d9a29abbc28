/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-proxy.c - Check suite for the RFC 4605 proxy core (src/proxy.c).
 *
 * Covers: the upstream membership as the union of the downstream ones
 * (join at once + [Robustness - 1] repeats 1 s apart, leave when the last
 * listener goes), upstream filters, answers to upstream queries (RFC 2236 3 /
 * RFC 3376 5.2), forwarding routes from IGMPMSG_NOCACHE (RFC 4605 4.2: only
 * sources on the upstream subnet or an altnet; hosts sending on downstream
 * links: test-senders.c), routes following the
 * listeners, idle routes, the Movistar+ refresh cycle (schedule, spread,
 * auto mode), shutdown, and the upstream interface going away and coming
 * back.
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
#define SRC1 IN4(198, 18, 0, 50) /* on the upstream subnet */
#define SRC2 IN4(198, 18, 0, 51)
#define UP_ROUTER IN4(198, 18, 0, 1)

#define QI SEC(125)
#define GMI (2 * QI + SEC(10)) /* 260 s */
#define REFRESH_FIRST (T0 + SEC(10))
#define REFRESH_IVL SEC(60)

static Config defaults(void) {
        Config c;

        config_init_defaults(&c);
        c.stall_timeout = 0; /* the stall watch has its own tests below */
        return c;
}

static uint32_t bit(int vif) {
        return 1U << vif;
}

/* Upstream reports of group (or any group) in [from, to). */
static size_t reports(const Lab *l, in4_t group, usec_t from, usec_t to) {
        return lab_count_in(l, EFFECT_SEND_REPORT, group, l->up, from, to);
}

static size_t all_effects(const Lab *l) {
        return l->n_recs;
}

/* Advances to 'until' while host keeps reporting the groups every 100 s
 * (like a host answering general queries), so that no membership times out. */
static void advance_keeping(Lab *l, usec_t until, int ifindex, in4_t host, const in4_t *groups, size_t n) {
        while (l->now < until) {
                usec_t next = MIN(until, l->now + SEC(100));
                lab_advance_to(l, next);
                for (size_t k = 0; k < n; k++)
                        lab_report(l, ifindex, host, groups[k], 2);
        }
}

/* ---- joining and leaving upstream -------------------------------------- */

START_TEST(test_first_report_joins_upstream) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(proxy_n_joined(l.p), 1);
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 1);
        r = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 0);
        ck_assert_uint_eq(r->at, T0 + SEC(1));
        ck_assert_uint_eq(r->e.version, 2);
        ck_assert_int_eq(r->e.vif, l.up);
        r = lab_find_event(&l, EVENT_UPSTREAM_JOINED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(1));

        /* Robustness 2: one repeat at random within the Unsolicited Report
         * Interval (1 s, RFC 3376 5.1), then nothing. */
        lab_advance_to(&l, T0 + SEC(2));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 2);
        ck_assert_uint_gt(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->at, T0 + SEC(1));
        ck_assert_uint_le(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->at, T0 + SEC(2));
        lab_advance_to(&l, T0 + SEC(200));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, LAB_ALWAYS), 2);
        ck_assert_uint_eq(proxy_stats(l.p)->reports_sent, 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_join_repeats_follow_robustness) {
        const unsigned robustness[] = { 1, 3, 5 };

        for (size_t k = 0; k < ELEMENTSOF(robustness); k++) {
                Config c = defaults();
                Lab l;

                c.refresh = REFRESH_NO;
                c.robustness = robustness[k];
                c.startup_query_count = robustness[k];
                c.last_member_query_count = robustness[k];
                lab_init(&l, &c, false);
                lab_advance_to(&l, T0 + SEC(1));
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
                lab_advance_to(&l, T0 + SEC(100));
                ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), robustness[k]);
                ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 0)->at, T0 + SEC(1));
                /* Each repeat within the Unsolicited Report Interval (1 s) of the previous one. */
                for (unsigned n = 1; n < robustness[k]; n++) {
                        usec_t a = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, n - 1)->at;
                        usec_t b = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, n)->at;
                        ck_assert_uint_gt(b, a);
                        ck_assert_uint_le(b - a, SEC(1));
                }
                lab_done(&l);
        }
}
END_TEST

START_TEST(test_report_version_follows_config) {
        Config c = defaults();
        Lab l;

        c.refresh = REFRESH_NO;
        c.report_version = 3;
        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        /* The downstream host speaks v2; upstream we speak ReportVersion. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(5));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 2);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 0)->e.version, 3);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->e.version, 3);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert_ptr_nonnull(lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0));
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0)->e.version, 3);
        lab_done(&l);
}
END_TEST

START_TEST(test_more_listeners_no_more_joins) {
        Config c = defaults();
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(1.5));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        lab_advance_to(&l, T0 + SEC(3));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 3);
        lab_advance_to(&l, T0 + SEC(100));
        ck_assert(proxy_group_has_listener(l.p, l.down2, G1));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 2);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_UPSTREAM_JOINED, G1), 1);
        ck_assert_uint_eq(proxy_n_groups(l.p), 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_upstream_when_last_listener_goes) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.refresh = REFRESH_NO;
        c.quickleave = true;
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        lab_advance_to(&l, T0 + SEC(20));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        lab_advance_to(&l, T0 + SEC(30));
        lab_leave(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        ck_assert(!proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 1);
        r = lab_nth(&l, EFFECT_SEND_LEAVE, G1, l.up, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(30));
        ck_assert_uint_eq(r->e.version, 2);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_UPSTREAM_LEFT, G1, 0)->at, T0 + SEC(30));
        ck_assert_uint_eq(lab_find_event(&l, EVENT_UPSTREAM_LEFT, G1, 0)->e.count, 1); /* a leave went out */
        ck_assert_uint_eq(proxy_stats(l.p)->leaves_sent, 1);
        lab_done(&l);
}
END_TEST

/* Arming a timer never allocates: each owner (membership, group)
 * reserved heap room when it was created, and gives it back when it goes.
 * Checked by the heap's address across arming every reserved timer, and by
 * the invariant armed <= reserved <= capacity through a workload. */
START_TEST(test_timers_reserved_at_creation) {
        TimerQ q = {};
        Timer t[100];
        Timer **heap;
        Config c = defaults();
        Lab l;
        size_t base;

        ck_assert_int_eq(timerq_reserve(&q, 100), 0);
        heap = q.heap;
        for (int k = 0; k < 100; k++) {
                timer_init(&t[k], 0);
                ck_assert_int_eq(timerq_arm(&q, &t[k], (usec_t) (100 - k)), 0);
        }
        ck_assert_ptr_eq(q.heap, heap); /* no realloc while arming */
        ck_assert_uint_ge(q.cap, q.reserved);
        timerq_done(&q);

        lab_init(&l, &c, true);
        base = l.p->timers.reserved;
        /* refresh, refresh step, activity look, the upstream host's answer
         * and compat timers, and two per interface slot */
        ck_assert_uint_eq(base, 5 + 2 * PROXY_MAX_VIFS);
        lab_advance_to(&l, T0 + SEC(1));
        for (int g = 0; g < 300; g++) {
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 9, g / 256, g % 256), 2);
                lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, IN4(239, 9, g / 256, g % 256), 2);
                proxy_handle_nocache(l.p, l.up, SRC1, IN4(239, 9, g / 256, g % 256), l.now);
        }
        /* 300 groups: 2 memberships (3 timers each: group, query round, sources) and the group (3: repeat,
         * response, refresh); routes have no timer (activity.c reads them). */
        ck_assert_uint_eq(l.p->timers.reserved, base + 300 * (2 * 3 + 3));
        ck_assert_uint_le(l.p->timers.n, l.p->timers.reserved);
        ck_assert_uint_le(l.p->timers.reserved, l.p->timers.cap);
        /* Everything expires (GMI, route idle): the room is given back. */
        lab_advance_to(&l, T0 + SEC(1000));
        ck_assert_uint_eq(l.p->timers.reserved, base);
        ck_assert_uint_eq(proxy_stats(l.p)->alloc_failures, 0);
        ck_assert_uint_eq(proxy_stats(l.p)->effects_lost, 0);
        lab_done(&l);
}
END_TEST

/* The upstream interface goes away: its groups are dropped without a leave
 * (nothing can be sent), and the event says so (count 0), so that the journal
 * does not claim a leave was sent. */
START_TEST(test_upstream_lost_drops_without_leave) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert(proxy_group_joined(l.p, G1));
        lab_advance_to(&l, T0 + SEC(5));
        proxy_remove_iface(l.p, l.up, T0 + SEC(5));
        lab_collect(&l);
        r = lab_find_event(&l, EVENT_UPSTREAM_LEFT, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.count, 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->leaves_sent, 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_leave_cancels_join_repeats) {
        Config c = defaults();
        Lab l;

        c.refresh = REFRESH_NO;
        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        /* Left before the repeat (due in (0, 1 s]) */
        lab_advance_to(&l, T0 + SEC(1) + 1);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(10));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 1);
        /* A new listener is a new join, with its own repeats. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(20));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 3);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->at, T0 + SEC(10));
        ck_assert_uint_gt(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 2)->at, T0 + SEC(10));
        ck_assert_uint_le(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 2)->at, T0 + SEC(11));
        lab_done(&l);
}
END_TEST

START_TEST(test_upstream_blacklist_blocks_join) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { IN4(239, 1, 0, 0), 16 }, .allow = false } };
        IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1, .filters = rules, .n_filters = 1 };
        Lab l;

        lab_init_ifaces(&l, &c, false, &up, NULL);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        /* The downstream membership exists; only the upstream join is blocked. */
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        ck_assert(!proxy_group_joined(l.p, G1));
        ck_assert(proxy_group_joined(l.p, G2));
        ck_assert_uint_eq(proxy_n_joined(l.p), 1);
        ck_assert_uint_eq(proxy_n_groups(l.p), 2);
        /* Not in the join, its repeats, nor the refresh cycle. */
        lab_advance_to(&l, REFRESH_FIRST + REFRESH_IVL);
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 0);
        ck_assert_uint_eq(reports(&l, G2, LAB_ALWAYS), 4);
        lab_done(&l);
}
END_TEST

START_TEST(test_upstream_whitelist_blocks_join) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { IN4(239, 2, 0, 0), 16 }, .allow = true } };
        IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1, .filters = rules, .n_filters = 1 };
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init_ifaces(&l, &c, false, &up, NULL);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2);
        lab_advance_to(&l, T0 + SEC(10));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 0);
        ck_assert_uint_eq(reports(&l, G2, LAB_ALWAYS), 2);
        ck_assert_uint_eq(reports(&l, G3, LAB_ALWAYS), 0);
        ck_assert_uint_eq(proxy_n_joined(l.p), 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_link_local_never_joined) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(224, 0, 0, 251), 2);
        lab_v3_record(&l, LAB_DOWN_IFINDEX, HOST_A, IGMP_CHANGE_TO_EXCLUDE, IN4(224, 0, 0, 252), 0);
        lab_advance_to(&l, REFRESH_FIRST + REFRESH_IVL);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, LAB_ALWAYS), 0);
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        lab_done(&l);
}
END_TEST

/* ---- refresh cycle ----------------------------------------------------------- */

START_TEST(test_refresh_schedule_no_drift) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t last = REFRESH_FIRST + 19 * REFRESH_IVL;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        advance_keeping(&l, last + SEC(30), LAB_DOWN_IFINDEX, HOST_A, g, 1);

        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 20);
        for (size_t k = 0; k < 20; k++) {
                const Rec *r = lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, k);
                usec_t t = REFRESH_FIRST + k * REFRESH_IVL;
                ck_assert_uint_eq(r->at, t);
                ck_assert_uint_eq(r->e.count, 1);
                ck_assert_uint_eq(reports(&l, G1, t, t + 1), 1);
        }
        /* Join + repeat + one per cycle; nothing in between. */
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 2 + 20);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 2)->at, REFRESH_FIRST);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_cycles, 20);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_reports, 20);
        ck_assert_uint_eq(proxy_stats(l.p)->last_refresh, last);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_initial_delay_and_interval_follow_config) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        Lab l;

        c.refresh_initial_delay = SEC(3);
        c.refresh_interval = SEC(100);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        advance_keeping(&l, T0 + SEC(350), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 4);
        for (size_t k = 0; k < 4; k++)
                ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, k)->at,
                                  T0 + SEC(3) + k * SEC(100));
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_late_wakeup_keeps_phase) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(5));
        ck_assert_uint_eq(proxy_next_deadline(l.p), REFRESH_FIRST);
        /* The glue runs the timers 3 s late. */
        l.now = REFRESH_FIRST + SEC(3);
        proxy_run_timers(l.p, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 1);
        ck_assert_uint_eq(reports(&l, G1, l.now, l.now + 1), 1);
        lab_advance_to(&l, REFRESH_FIRST + 2 * REFRESH_IVL);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->at, REFRESH_FIRST + REFRESH_IVL);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 2)->at,
                          REFRESH_FIRST + 2 * REFRESH_IVL);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_only_joined_groups_with_listeners) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { G3, 32 }, .allow = false } };
        IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1, .filters = rules, .n_filters = 1 };
        usec_t c1 = REFRESH_FIRST + REFRESH_IVL, c2 = c1 + REFRESH_IVL, c3 = c2 + REFRESH_IVL;
        Lab l;

        c.quickleave = true;
        lab_init_ifaces(&l, &c, false, &up, NULL);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G2, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2); /* listened, not joined */
        /* Two groups fit one burst: both at once. */
        lab_advance_to(&l, REFRESH_FIRST + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST, REFRESH_FIRST + 1), 2);
        ck_assert_uint_eq(reports(&l, G1, REFRESH_FIRST, REFRESH_FIRST + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G2, REFRESH_FIRST, REFRESH_FIRST + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G3, LAB_ALWAYS), 0);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 0)->e.count, 2);

        lab_advance_to(&l, T0 + SEC(30));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_B, G2, 2);
        lab_advance_to(&l, c1 + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1, c1 + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G1, c1, c1 + 1), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->e.count, 1);

        lab_advance_to(&l, T0 + SEC(100));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, c3 + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, T0 + SEC(100), USEC_INFINITY), 0);
        /* The cycles that sent nothing are neither counted nor signalled. */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 2);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_cycles, 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_disabled) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        advance_keeping(&l, T0 + SEC(1200), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, LAB_ALWAYS), 2);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_cycles, 0);
        lab_done(&l);
}
END_TEST

/* Enabled=auto decides per group (issue 10; it used to skip whole cycles for
 * Robustness x QueryInterval after any query, so one query silenced the refresh
 * for 250 s): a group is refreshed when nothing reported it for IntervalSec. */
START_TEST(test_refresh_auto_per_group) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t tq = T0 + SEC(20);
        const Rec *answer;
        Lab l;

        c.refresh = REFRESH_AUTO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tq);
        /* The join and its repeat were reported: nothing due at the first tick. */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP, 0)->at, REFRESH_FIRST);

        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, 0, SEC(10));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_UPSTREAM_QUERY, LAB_ANY_GROUP), 1);
        advance_keeping(&l, tq + SEC(400), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(reports(&l, G1, tq, tq + SEC(10)), 1);
        answer = lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, reports(&l, G1, 0, tq));
        /* Then one refresh every IntervalSec after the answer, none in between. */
        for (size_t k = 1; k <= 6; k++) {
                usec_t due = answer->at + k * REFRESH_IVL;
                ck_assert_uint_eq(reports(&l, G1, due - REFRESH_IVL + 1, due), 0);
                ck_assert_uint_eq(reports(&l, G1, due, due + 1), 1);
        }
        ck_assert_uint_ge(proxy_stats(l.p)->refresh_reports, 6);
        ck_assert_uint_ge(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 5);
        lab_done(&l);
}
END_TEST

/* Effect.source is an IPv4 address (the glue logs it as SOURCE=): a skipped
 * cycle has no source; the time of the last upstream query is no address. */
START_TEST(test_refresh_skipped_event_has_no_source) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.refresh = REFRESH_AUTO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(20));
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, 0, SEC(10));
        lab_advance_to(&l, REFRESH_FIRST + REFRESH_IVL);
        r = lab_find_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP, 1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, REFRESH_FIRST + REFRESH_IVL);
        ck_assert_int_eq(r->e.vif, l.up);
        ck_assert_uint_eq(r->e.group, 0);
        ck_assert_uint_eq(r->e.source, 0);
        lab_done(&l);
}
END_TEST

#define N_SPREAD 1000

static in4_t spread_group(size_t k) {
        return IN4(239, 10, k >> 8, k & 0xff);
}

static long spread_index(in4_t g) {
        if ((g >> 16) != ((239u << 8) | 10u))
                return -1;
        return (long) (g & 0xffff);
}

/* Per group, the time of its report in [from, from + 1 s); checks that
 * there is exactly one and returns the number of reports seen. */
static size_t collect_cycle(const Lab *l, usec_t from, usec_t *at) {
        size_t n = 0;

        for (size_t k = 0; k < N_SPREAD; k++)
                at[k] = USEC_INFINITY;
        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                long k;
                if (r->e.type != EFFECT_SEND_REPORT || r->at < from || r->at >= from + SEC(1))
                        continue;
                k = spread_index(r->e.group);
                ck_assert_msg(k >= 0 && k < N_SPREAD, "report for an unexpected group");
                ck_assert_msg(at[k] == USEC_INFINITY, "group #%ld reported twice in one cycle", k);
                at[k] = r->at;
                n++;
        }
        return n;
}

START_TEST(test_refresh_spread) {
        Config c = defaults();
        usec_t c1 = REFRESH_FIRST + REFRESH_IVL, c2 = c1 + REFRESH_IVL;
        static usec_t at1[N_SPREAD], at2[N_SPREAD];
        size_t max_window = 0, j = 0;
        usec_t last = 0;
        Lab l;

        /* Join after the first cycle so that cycles 1 and 2 hold every group. */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(11));
        for (size_t k = 0; k < N_SPREAD; k++)
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, spread_group(k), 2);
        ck_assert_uint_eq(proxy_n_joined(l.p), N_SPREAD);
        lab_advance_to(&l, c2 + SEC(2));

        ck_assert_uint_eq(collect_cycle(&l, c1, at1), N_SPREAD);
        ck_assert_uint_eq(collect_cycle(&l, c2, at2), N_SPREAD);
        /* Nothing outside the two 1 s windows since the joins' repeats. */
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, T0 + SEC(12) + 1, c1), 0);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1 + SEC(1), c2), 0);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c2 + SEC(1), USEC_INFINITY), 0);

        for (size_t k = 0; k < N_SPREAD; k++) {
                ck_assert_uint_ge(at1[k], c1);
                ck_assert_uint_lt(at1[k], c1 + SEC(1));
                /* The same group, exactly one interval later. */
                ck_assert_uint_eq(at2[k] - at1[k], REFRESH_IVL);
                last = MAX(last, at1[k]);
        }
        ck_assert_uint_lt(last, c1 + SEC(1));

        /* Slices of at most 32 reports (REFRESH_BURST), at least 10 ms apart. */
        for (size_t i = 0; i < l.n_recs; i++) {
                size_t n = 0;
                if (l.recs[i].e.type != EFFECT_SEND_REPORT || l.recs[i].at < c1)
                        continue;
                for (j = i; j < l.n_recs && l.recs[j].at < l.recs[i].at + MSEC(10); j++)
                        if (l.recs[j].e.type == EFFECT_SEND_REPORT)
                                n++;
                max_window = MAX(max_window, n);
        }
        ck_assert_uint_le(max_window, 32);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1, c1 + 1), 32);
        /* ceil(1000 / 32) = 32 slices: the fewest the bound allows */
        {
                size_t slices = 0;
                for (size_t k = 0; k < N_SPREAD; k++) {
                        bool seen = false;
                        for (size_t i = 0; i < k && !seen; i++)
                                seen = at1[i] == at1[k];
                        slices += !seen;
                }
                ck_assert_uint_eq(slices, 32);
        }

        /* The cycle is reported once, when its last slice went out; the first
         * cycle (before the joins) sent nothing and says nothing. */
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, T0, c1), 0);
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, c1, c2), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 0)->at, last);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 0)->e.count, N_SPREAD);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_small_cycle_one_burst) {
        Config c = defaults();
        usec_t c1 = REFRESH_FIRST + REFRESH_IVL;
        Lab l;

        /* Up to 32 groups: the whole cycle at one instant (one wake-up). */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(11));
        for (size_t k = 0; k < 32; k++)
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, spread_group(k), 2);
        lab_advance_to(&l, c1 + SEC(2));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1, c1 + 1), 32);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1 + 1, c1 + SEC(2)), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_cycles, 1);
        lab_done(&l);

        /* No group: nothing sent, nothing counted, nothing signalled. */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(600));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->refresh_cycles, 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_refresh_now) {
        Config c = defaults();
        usec_t t = T0 + SEC(33);
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_advance_to(&l, t);
        proxy_refresh_now(l.p, l.now);
        lab_collect(&l);
        /* Two groups: one burst, at once. */
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t, t + 1), 2);
        lab_advance_to(&l, t + SEC(1));
        ck_assert_uint_eq(reports(&l, G1, t, t + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G2, t, t + SEC(1)), 1);
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, t, t + SEC(1)), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->e.count, 2);
        /* The regular schedule is not moved. */
        lab_advance_to(&l, REFRESH_FIRST + REFRESH_IVL + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t + SEC(1), REFRESH_FIRST + REFRESH_IVL), 0);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST + REFRESH_IVL, REFRESH_FIRST + REFRESH_IVL + 1), 2);
        lab_done(&l);
}
END_TEST

/* ---- upstream queries -------------------------------------------------------- */

#define N_ANSWER 50

START_TEST(test_upstream_general_query_answered) {
        Config c = defaults();
        usec_t tq = T0 + SEC(20);
        usec_t first = USEC_INFINITY, lastt = 0;
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        for (size_t k = 0; k < N_ANSWER; k++)
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 20, 0, 1 + k), 2);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, 0, SEC(10));
        lab_advance_to(&l, T0 + SEC(200));
        for (size_t k = 0; k < N_ANSWER; k++) {
                in4_t g = IN4(239, 20, 0, 1 + k);
                ck_assert_uint_eq(reports(&l, g, tq, tq + SEC(10)), 1);
                ck_assert_uint_eq(reports(&l, g, tq + SEC(10), USEC_INFINITY), 0);
                first = MIN(first, lab_nth(&l, EFFECT_SEND_REPORT, g, l.up, 2)->at);
                lastt = MAX(lastt, lab_nth(&l, EFFECT_SEND_REPORT, g, l.up, 2)->at);
        }
        /* Random delays, not one burst. */
        ck_assert_uint_lt(first, lastt);
        ck_assert_uint_eq(proxy_stats(l.p)->upstream_queries, 1);
        ck_assert_uint_eq(proxy_stats(l.p)->last_upstream_query, tq);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_UPSTREAM_QUERY, LAB_ANY_GROUP, 0)->at, tq);
        lab_done(&l);
}
END_TEST

START_TEST(test_upstream_v3_query_max_resp) {
        Config c = defaults();
        usec_t tq = T0 + SEC(20);
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        for (size_t k = 0; k < N_ANSWER; k++)
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 20, 0, 1 + k), 2);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 3, 0, SEC(2));
        lab_advance_to(&l, T0 + SEC(200));
        for (size_t k = 0; k < N_ANSWER; k++)
                ck_assert_uint_eq(reports(&l, IN4(239, 20, 0, 1 + k), tq, tq + SEC(2)), 1);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tq + SEC(2), USEC_INFINITY), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_upstream_group_query_answered) {
        Config c = defaults();
        usec_t tq = T0 + SEC(20);
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_advance_to(&l, tq);
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, G1, SEC(1));
        /* A query for a group we do not have is not answered. */
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, G3, SEC(1));
        lab_advance_to(&l, T0 + SEC(100));
        ck_assert_uint_eq(reports(&l, G1, tq, tq + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G1, tq + SEC(1), USEC_INFINITY), 0);
        ck_assert_uint_eq(reports(&l, G2, tq, USEC_INFINITY), 0);
        ck_assert_uint_eq(reports(&l, G3, LAB_ALWAYS), 0);
        lab_done(&l);
}
END_TEST

/* ---- forwarding routes --------------------------------------------------------- */

START_TEST(test_nocache_upstream_subnet) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(5));
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 1);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 0);
        ck_assert_uint_eq(r->at, T0 + SEC(5));
        ck_assert_int_eq(r->e.vif, l.up);
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(r->e.out_mask, bit(l.down));
        ck_assert_uint_eq(lab_find_event(&l, EVENT_ROUTE_ADDED, G1, 0)->e.source, SRC1);
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 1);

        /* The kernel asks again (it lost the entry): set again, not a new route. */
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 2);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_SET, G1, 1)->e.out_mask, bit(l.down));
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_nocache_altnet_and_rejected_source) {
        Config c = defaults();
        Prefix alt[] = { { IN4(10, 0, 0, 0), 8 } };
        IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1, .altnets = alt, .n_altnets = 1 };
        const Rec *r;
        Lab l;

        lab_init_ifaces(&l, &c, false, &up, NULL);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(5));
        proxy_handle_nocache(l.p, l.up, IN4(10, 1, 2, 3), G1, l.now);
        lab_collect(&l);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.source, IN4(10, 1, 2, 3));
        ck_assert_uint_eq(r->e.out_mask, bit(l.down));

        proxy_handle_nocache(l.p, l.up, IN4(192, 0, 2, 7), G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 1);
        r = lab_find_event(&l, EVENT_ROUTE_REJECTED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->e.source, IN4(192, 0, 2, 7));
        ck_assert_uint_eq(r->at, T0 + SEC(5));
        ck_assert_uint_eq(proxy_stats(l.p)->routes_rejected, 1);
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_nocache_outside_without_altnet_rejected) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        proxy_handle_nocache(l.p, l.up, IN4(10, 1, 2, 3), G1, l.now);
        proxy_handle_nocache(l.p, l.up, IN4(198, 18, 1, 50), G1, l.now); /* the downstream subnet */
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_ROUTE_REJECTED, G1), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_nocache_before_join) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, LAB_ANY_GROUP), 0);
        lab_advance_to(&l, T0 + SEC(5));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(5));
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(r->e.out_mask, bit(l.down));
        lab_done(&l);
}
END_TEST

START_TEST(test_nocache_long_before_join_forgotten) {
        Config c = defaults();
        Lab l;

        /* The kernel drops its unresolved entry after 10 s; by then the
         * stream must ask again. */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_advance_to(&l, T0 + SEC(12));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, LAB_ANY_GROUP), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_route_mask_follows_listeners) {
        Config c = defaults();
        const Rec *r;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(2));
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_SET, G1, 0)->e.out_mask, bit(l.down));

        lab_advance_to(&l, T0 + SEC(3));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(3));
        ck_assert_uint_eq(r->e.out_mask, bit(l.down) | bit(l.down2));
        ck_assert_uint_eq(r->e.source, SRC1);

        lab_advance_to(&l, T0 + SEC(4));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 2);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(4));
        ck_assert_uint_eq(r->e.out_mask, bit(l.down2));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);

        lab_advance_to(&l, T0 + SEC(5));
        lab_leave(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 3);
        r = lab_find(&l, EFFECT_MFC_DEL, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(5));
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_int_eq(r->e.vif, l.up);
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_LEAVE, G1, 0)->at, T0 + SEC(5));
        lab_done(&l);
}
END_TEST

/* Routes are judged on the kernel's counters: the time since a route last
 * forwarded (activity.c, routes.c). One look at the counters is armed for the
 * earliest moment a route could reach SourceIdleTimeoutSec. */
START_TEST(test_route_idle_removed_when_stream_stops) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t ta = T0 + SEC(5);
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        lab_stream(&l, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);

        /* the upcall's packet counts: the first look is one idle timeout later */
        lab_advance_to(&l, ta + SEC(60) - 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 0);
        lab_advance_to(&l, ta + SEC(60));
        r = lab_find(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, ta + SEC(60));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);

        /* The stream stops at +90 s: the route goes exactly 60 s later (the
         * looks at +120 s and +150 s). */
        lab_advance_to(&l, ta + SEC(90));
        lab_stream(&l, false);
        advance_keeping(&l, ta + SEC(160), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 3);
        r = lab_find(&l, EFFECT_MFC_DEL, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, ta + SEC(150));
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_ROUTE_REMOVED, G1, 0)->at, ta + SEC(150));
        /* Only the route goes: the group stays joined, and nothing is left to look at. */
        advance_keeping(&l, ta + SEC(400), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert(proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 3);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, G1), 0);
        /* It comes back: the kernel asks again and gets a route. */
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_route_never_flowing_removed) {
        Config c = defaults();
        usec_t ta = T0 + SEC(5);
        Lab l;

        /* Only the packet of the upcall: the route goes one idle timeout later. */
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        lab_advance_to(&l, ta + SEC(200));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 1);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_DEL, G1, 0)->at, ta + SEC(60));
        lab_done(&l);
}
END_TEST

START_TEST(test_route_kept_while_stream_flows) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t ta = T0 + SEC(5);
        Lab l;

        c.source_idle_timeout = SEC(30);
        lab_init(&l, &c, false);
        lab_stream(&l, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        advance_keeping(&l, ta + SEC(600), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 20);
        for (size_t k = 0; k < 20; k++)
                ck_assert_uint_eq(lab_find(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP, k)->at, ta + (k + 1) * SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_route_lost_by_kernel_removed) {
        Config c = defaults();
        usec_t ta = T0 + SEC(5);
        Lab l;

        /* A complete look that does not list a route: the kernel lost it; the
         * route goes (if the stream still comes, the kernel asks again). */
        c.source_idle_timeout = SEC(30);
        lab_init(&l, &c, false);
        lab_stream(&l, true);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_advance_to(&l, ta + SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);
        l.kernel_hides_routes = true;
        lab_advance_to(&l, ta + SEC(60));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 1);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_DEL, G1, 0)->at, ta + SEC(60));
        lab_done(&l);
}
END_TEST

/* ---- shutdown, upstream going away ------------------------------------------ */

START_TEST(test_shutdown) {
        Config c = defaults();
        usec_t ts = T0 + SEC(30);
        size_t n;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G3, 2);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        proxy_handle_nocache(l.p, l.up, SRC2, G1, l.now);
        proxy_handle_nocache(l.p, l.up, SRC1, G2, l.now);
        lab_advance_to(&l, ts);
        proxy_shutdown(l.p, l.now);
        lab_collect(&l);

        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, LAB_ANY_GROUP, l.up, ts, ts + 1), 3);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, G1, l.up, ts, ts + 1), 1);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, G2, l.up, ts, ts + 1), 1);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_LEAVE, G3, l.up, ts, ts + 1), 1);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_MFC_DEL, LAB_ANY_GROUP, l.up, ts, ts + 1), 3);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_MFC_DEL, G1, l.up, ts, ts + 1), 2);
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        ck_assert_uint_eq(proxy_next_deadline(l.p), USEC_INFINITY);

        /* Inert from now on: no timer, no input does anything. */
        n = all_effects(&l);
        lab_advance(&l, SEC(1000));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, IN4(239, 9, 9, 9), 2);
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, 0, SEC(10));
        proxy_handle_nocache(l.p, l.up, SRC1, G3, l.now);
        proxy_refresh_now(l.p, l.now);
        proxy_shutdown(l.p, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(all_effects(&l), n);
        lab_done(&l);
}
END_TEST

/* proxy.h: after proxy_shutdown() the Proxy is "inert". proxy_next_deadline()
 * hides the timers still armed, but a glue that runs them anyway (an
 * sd-event source armed before the shutdown) must get nothing either. */
START_TEST(test_shutdown_timers_inert) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        lab_advance_to(&l, T0 + SEC(30));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2); /* a query round is running */
        proxy_shutdown(l.p, l.now);
        lab_collect(&l);
        proxy_run_timers(l.p, l.now + SEC(10000));
        if (proxy_n_effects(l.p) > 0) {
                const Effect *e = proxy_effect(l.p, 0);
                ck_abort_msg("%zu effects after shutdown, the first: %s %s group %08x", proxy_n_effects(l.p),
                             effect_type_to_string(e->type),
                             e->type == EFFECT_EVENT ? event_type_to_string(e->event) : "", e->group);
        }
        lab_done(&l);
}
END_TEST

START_TEST(test_upstream_removed_and_back) {
        Config c = defaults();
        static IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1 };
        usec_t tr = T0 + SEC(30), ta = T0 + SEC(80);
        const Rec *r;
        int vif;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_advance_to(&l, tr);
        ck_assert_int_eq(proxy_remove_iface(l.p, l.up, l.now), 0);
        lab_collect(&l);
        r = lab_find(&l, EFFECT_MFC_DEL, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, tr);
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_LEAVE, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        ck_assert(proxy_group_has_listener(l.p, l.down, G1));
        ck_assert(proxy_group_has_listener(l.p, l.down, G2));

        /* No refresh, no route while there is no upstream. */
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, tr, USEC_INFINITY), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 1);

        vif = proxy_add_iface(l.p, LAB_UP_IFINDEX, "vlan2", ROLE_UPSTREAM, LAB_UP_ADDR, 24, &up, 0, l.now);
        ck_assert_int_ge(vif, 0);
        l.up = vif;
        lab_collect(&l);
        ck_assert_uint_eq(reports(&l, G1, ta, ta + 1), 1);
        ck_assert_uint_eq(reports(&l, G2, ta, ta + 1), 1);
        ck_assert_uint_eq(proxy_n_joined(l.p), 2);
        /* ... and repeated within the Unsolicited Report Interval (1 s). */
        lab_advance_to(&l, ta + SEC(1));
        ck_assert_uint_eq(reports(&l, G1, ta + 1, ta + SEC(1) + 1), 1);
        ck_assert_uint_eq(reports(&l, G2, ta + 1, ta + SEC(1) + 1), 1);
        /* Routes work again. */
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, G1), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_downstream_removed) {
        Config c = defaults();
        usec_t t1 = T0 + SEC(20), t2 = T0 + SEC(30);
        const Rec *r;
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_SET, G1, 0)->e.out_mask, bit(l.down) | bit(l.down2));

        /* vlan20 goes away: the route narrows, the group stays joined. */
        lab_advance_to(&l, t1);
        ck_assert_int_eq(proxy_remove_iface(l.p, l.down2, l.now), 0);
        lab_collect(&l);
        r = lab_find(&l, EFFECT_MFC_SET, G1, 1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, t1);
        ck_assert_uint_eq(r->e.out_mask, bit(l.down));
        ck_assert(proxy_group_joined(l.p, G1));
        r = lab_find_event(&l, EVENT_MEMBER_LEFT, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->e.vif, l.down2);
        ck_assert_uint_eq(r->e.count, LEAVE_REASON_INTERFACE);

        /* vlan10 goes too: route removed, group left upstream at once. */
        lab_advance_to(&l, t2);
        ck_assert_int_eq(proxy_remove_iface(l.p, l.down, l.now), 0);
        lab_collect(&l);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_DEL, G1, 0)->at, t2);
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_LEAVE, G1, 0)->at, t2);
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        lab_done(&l);
}
END_TEST

/* ---- stall watch ---------------------------------------------------------- */

static Config stall_config(void) {
        Config c = defaults();

        c.stall_timeout = SEC(2);
        c.refresh = REFRESH_NO; /* every report after the join comes from the stall watch */
        return c;
}

/* A joined group with a stream: the report, the route, the stream flowing. */
static void stall_lab(Lab *l, const Config *c) {
        lab_init(l, c, false);
        lab_stream(l, true);
        lab_report(l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        proxy_handle_nocache(l->p, l->up, SRC1, G1, l->now);
        lab_collect(l);
}

START_TEST(test_stall_detected_and_reported) {
        Config c = stall_config();
        Lab l;
        usec_t stop;
        const Rec *r;

        stall_lab(&l, &c);
        lab_advance(&l, SEC(10));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        /* one look per StallTimeoutSec while the stream flows, no more */
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 5);
        lab_clear(&l);

        lab_advance(&l, MSEC(700));
        stop = l.now;
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        r = lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0);
        ck_assert_ptr_nonnull(r);
        /* the look is armed for the moment the silence reaches StallTimeoutSec */
        ck_assert_uint_eq(r->at - stop, SEC(2));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_REPORT, G1), 1);
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_REPORT, G1, 0)->at, r->at);
        ck_assert_uint_eq(proxy_stats(l.p)->stream_stalls, 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_backs_off_while_silent) {
        Config c = stall_config();
        Lab l;

        stall_lab(&l, &c);
        lab_advance(&l, SEC(5));
        lab_stream(&l, false);
        lab_clear(&l);
        /* keep the membership alive downstream while the upstream stays silent */
        for (int k = 0; k < 4; k++) {
                lab_advance(&l, SEC(10));
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        }
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 4);
        /* each further report waits twice as long: 2 s, then 4 s, 8 s, 16 s */
        for (size_t k = 1; k < 4; k++) {
                usec_t gap = lab_nth_event(&l, EVENT_STREAM_STALLED, G1, k)->at -
                             lab_nth_event(&l, EVENT_STREAM_STALLED, G1, k - 1)->at;
                ck_assert_uint_eq(gap, SEC(2) << k);
        }
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_again_soon_after_a_brief_return) {
        Config c = stall_config();
        Lab l;
        usec_t stop;

        /* Stalled and reported (the wait doubles to 4 s), the stream comes
         * back for a moment and stops again: that stop is one like any other,
         * seen StallTimeoutSec after it, not after the doubled wait. The test
         * lab here caught a look armed for the doubled wait (1-2 s late). */
        stall_lab(&l, &c);
        lab_advance(&l, SEC(5));
        lab_stream(&l, false);
        lab_advance(&l, SEC(2) + MSEC(100));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 1);
        lab_stream(&l, true);
        lab_advance(&l, MSEC(500));
        lab_clear(&l);
        stop = l.now;
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0)->at - stop, SEC(2));
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_after_route_idle) {
        Config c = stall_config();
        Lab l;

        /* Silent past SourceIdleTimeoutSec: the route goes, the group keeps
         * its history and goes on backing off up to a minute. */
        c.source_idle_timeout = SEC(10);
        stall_lab(&l, &c);
        lab_advance(&l, SEC(5));
        lab_stream(&l, false);
        lab_clear(&l);
        for (int k = 0; k < 20; k++) {
                lab_advance(&l, SEC(10));
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        }
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 1);
        /* at +2, +6, +14, +30, +62, +122, +182 s */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 7);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_GROUP_SILENT, G1), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_wait_resets_when_traffic_returns) {
        Config c = stall_config();
        Lab l;
        usec_t stop;

        stall_lab(&l, &c);
        lab_advance(&l, SEC(5));
        lab_stream(&l, false);
        lab_advance(&l, SEC(7)); /* stalls at +2 s and +6 s */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 2);
        lab_stream(&l, true);
        lab_advance(&l, SEC(5));
        lab_clear(&l);
        stop = l.now;
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0)->at - stop, SEC(2));
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_never_flowing_group) {
        Config c = stall_config();
        const in4_t g[] = { G1 };
        Lab l;

        /* A group the upstream never streams (an SSDP join, a channel off
         * the air): no stall, no signal, said once; refreshed like any other. */
        c.refresh = REFRESH_YES;
        c.refresh_interval = SEC(60);
        lab_init(&l, &c, false);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        advance_keeping(&l, T0 + SEC(3600), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->stream_stalls, 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_GROUP_SILENT, G1), 1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_GROUP_SILENT, G1, 0)->at, T0 + SEC(2));
        /* the one look that said it, nothing since */
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 1);
        /* the join, its repeat, and one refresh a minute */
        ck_assert_uint_ge(reports(&l, G1, T0, T0 + SEC(3600)), 60);

        /* A stream starts later: from then on it is watched like any other. */
        lab_stream(&l, true);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_advance(&l, SEC(10));
        lab_clear(&l);
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_looks_do_not_grow_with_groups) {
        Config c = stall_config();
        in4_t g[200];
        Lab l;

        /* 200 streaming groups: still one look per StallTimeoutSec. */
        c.stall_timeout = SEC(5);
        lab_init(&l, &c, false);
        lab_stream(&l, true);
        for (size_t k = 0; k < ELEMENTSOF(g); k++) {
                g[k] = G1 + (in4_t) k;
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, g[k], 2);
                proxy_handle_nocache(l.p, l.up, SRC1, g[k], l.now);
        }
        lab_collect(&l);
        advance_keeping(&l, T0 + SEC(60), LAB_DOWN_IFINDEX, HOST_A, g, ELEMENTSOF(g));
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 12);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_fallback_without_idle_ages) {
        Config c = stall_config();
        Lab l;
        usec_t stop;
        const Rec *r;

        /* Per-route counters only (no time of the last packet): a changed
         * count means "now", looked at every 250-300 ms; a stall is still
         * seen within StallTimeoutSec + 0.6 s. */
        stall_lab(&l, &c);
        l.idle_unknown = true;
        lab_advance(&l, SEC(10));
        lab_clear(&l);
        lab_advance(&l, MSEC(130));
        stop = l.now;
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        r = lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_ge(r->at - stop, SEC(2));
        ck_assert_uint_le(r->at - stop, SEC(2) + MSEC(600));
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_off_and_no_listener) {
        Config c = stall_config();
        Lab l;

        c.stall_timeout = 0;
        lab_init(&l, &c, false);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance(&l, SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        lab_done(&l);

        /* on, but the only listener left: no more looks, no stall */
        c.stall_timeout = SEC(2);
        c.quickleave = true;
        stall_lab(&l, &c);
        lab_advance(&l, SEC(3));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_clear(&l);
        lab_advance(&l, SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        lab_done(&l);
}
END_TEST

static Suite *proxy_suite(void) {
        Suite *s = suite_create("proxy");
        TCase *tc;

        tc = tcase_create("upstream");
        tcase_add_test(tc, test_first_report_joins_upstream);
        tcase_add_test(tc, test_join_repeats_follow_robustness);
        tcase_add_test(tc, test_report_version_follows_config);
        tcase_add_test(tc, test_more_listeners_no_more_joins);
        tcase_add_test(tc, test_leave_upstream_when_last_listener_goes);
        tcase_add_test(tc, test_upstream_lost_drops_without_leave);
        tcase_add_test(tc, test_timers_reserved_at_creation);
        tcase_add_test(tc, test_leave_cancels_join_repeats);
        tcase_add_test(tc, test_upstream_blacklist_blocks_join);
        tcase_add_test(tc, test_upstream_whitelist_blocks_join);
        tcase_add_test(tc, test_link_local_never_joined);
        suite_add_tcase(s, tc);

        tc = tcase_create("refresh");
        tcase_add_test(tc, test_refresh_schedule_no_drift);
        tcase_add_test(tc, test_refresh_initial_delay_and_interval_follow_config);
        tcase_add_test(tc, test_refresh_late_wakeup_keeps_phase);
        tcase_add_test(tc, test_refresh_only_joined_groups_with_listeners);
        tcase_add_test(tc, test_refresh_disabled);
        tcase_add_test(tc, test_refresh_auto_per_group);
        tcase_add_test(tc, test_refresh_skipped_event_has_no_source);
        tcase_add_test(tc, test_refresh_spread);
        tcase_add_test(tc, test_refresh_small_cycle_one_burst);
        tcase_add_test(tc, test_refresh_now);
        suite_add_tcase(s, tc);

        tc = tcase_create("upstream-query");
        tcase_add_test(tc, test_upstream_general_query_answered);
        tcase_add_test(tc, test_upstream_v3_query_max_resp);
        tcase_add_test(tc, test_upstream_group_query_answered);
        suite_add_tcase(s, tc);

        tc = tcase_create("routes");
        tcase_add_test(tc, test_nocache_upstream_subnet);
        tcase_add_test(tc, test_nocache_altnet_and_rejected_source);
        tcase_add_test(tc, test_nocache_outside_without_altnet_rejected);
        tcase_add_test(tc, test_nocache_before_join);
        tcase_add_test(tc, test_nocache_long_before_join_forgotten);
        tcase_add_test(tc, test_route_mask_follows_listeners);
        tcase_add_test(tc, test_route_idle_removed_when_stream_stops);
        tcase_add_test(tc, test_route_never_flowing_removed);
        tcase_add_test(tc, test_route_kept_while_stream_flows);
        tcase_add_test(tc, test_route_lost_by_kernel_removed);
        suite_add_tcase(s, tc);

        tc = tcase_create("stall");
        tcase_add_test(tc, test_stall_detected_and_reported);
        tcase_add_test(tc, test_stall_backs_off_while_silent);
        tcase_add_test(tc, test_stall_wait_resets_when_traffic_returns);
        tcase_add_test(tc, test_stall_after_route_idle);
        tcase_add_test(tc, test_stall_again_soon_after_a_brief_return);
        tcase_add_test(tc, test_stall_never_flowing_group);
        tcase_add_test(tc, test_stall_looks_do_not_grow_with_groups);
        tcase_add_test(tc, test_stall_fallback_without_idle_ages);
        tcase_add_test(tc, test_stall_off_and_no_listener);
        suite_add_tcase(s, tc);

        tc = tcase_create("lifecycle");
        tcase_add_test(tc, test_shutdown);
        tcase_add_test(tc, test_shutdown_timers_inert);
        tcase_add_test(tc, test_upstream_removed_and_back);
        tcase_add_test(tc, test_downstream_removed);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(proxy_suite());
}
