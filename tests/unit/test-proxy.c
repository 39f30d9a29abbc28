/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-proxy.c - Check suite for the RFC 4605 proxy core (src/proxy.c).
 *
 * Covers: the upstream membership as the union of the downstream ones
 * (join at once + [Robustness - 1] repeats 1 s apart, leave when the last
 * listener goes), upstream filters, answers to upstream queries (RFC 2236 3 /
 * RFC 3376 5.2), forwarding routes from IGMPMSG_NOCACHE (RFC 4605 4.2: only
 * sources on the upstream subnet or an altnet), routes following the
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

        /* Robustness 2: one repeat, 1 s later, then nothing. */
        lab_advance_to(&l, T0 + SEC(2) - 1);
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 1);
        lab_advance_to(&l, T0 + SEC(2));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 2);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->at, T0 + SEC(2));
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
                for (unsigned n = 0; n < robustness[k]; n++)
                        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, n)->at, T0 + SEC(1 + n));
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

/* The upstream interface goes away: its groups are dropped without a leave
 * (nothing can be sent), and the event says so (count 0), so that the journal
 * does not claim a leave was sent. */
/* Arming a timer never allocates: each owner (membership, group, route)
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
        ck_assert_uint_eq(base, 3 + 2 * PROXY_MAX_VIFS);
        lab_advance_to(&l, T0 + SEC(1));
        for (int g = 0; g < 300; g++) {
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 9, g / 256, g % 256), 2);
                lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, IN4(239, 9, g / 256, g % 256), 2);
                proxy_handle_nocache(l.p, l.up, SRC1, IN4(239, 9, g / 256, g % 256), l.now);
        }
        /* 300 groups: 2 memberships (2 timers each), the group (2) and a route (1). */
        ck_assert_uint_eq(l.p->timers.reserved, base + 300 * (2 * 2 + 2 + 1));
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
        lab_advance_to(&l, T0 + SEC(1.5));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(10));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 1);
        /* A new listener is a new join, with its own repeats. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, T0 + SEC(20));
        ck_assert_uint_eq(reports(&l, G1, LAB_ALWAYS), 3);
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 1)->at, T0 + SEC(10));
        ck_assert_uint_eq(lab_nth(&l, EFFECT_SEND_REPORT, G1, l.up, 2)->at, T0 + SEC(11));
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
        /* Two groups, SpreadSec 1 s: one report per 10 ms slice. */
        lab_advance_to(&l, REFRESH_FIRST + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST, REFRESH_FIRST + 1), 1);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST + MSEC(10), REFRESH_FIRST + MSEC(10) + 1), 1);
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
        /* The cycles still run (and say they sent nothing). */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 4);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 2)->at, c2);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 2)->e.count, 0);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 3)->e.count, 0);
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

START_TEST(test_refresh_auto_skips_while_upstream_queries) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t tq = T0 + SEC(20);
        /* Robustness x QI = 250 s: cycles at +50..+230 s after the query are
         * skipped, the one at +290 s runs. */
        usec_t resume = REFRESH_FIRST + 5 * REFRESH_IVL;
        Lab l;

        c.refresh = REFRESH_AUTO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, tq);
        /* No upstream query heard yet: the first cycle ran. */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 0)->at, REFRESH_FIRST);

        lab_query(&l, LAB_UP_IFINDEX, UP_ROUTER, 2, 0, SEC(10));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_UPSTREAM_QUERY, LAB_ANY_GROUP), 1);
        advance_keeping(&l, resume + REFRESH_IVL, LAB_DOWN_IFINDEX, HOST_A, g, 1);

        ck_assert_uint_eq(lab_count_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP), 4);
        for (size_t k = 0; k < 4; k++)
                ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP, k)->at,
                                  REFRESH_FIRST + (k + 1) * REFRESH_IVL);
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, tq, resume), 0);
        /* Only the answer to the query went up in the skipped stretch. */
        ck_assert_uint_eq(reports(&l, G1, tq, tq + SEC(10)), 1);
        ck_assert_uint_eq(reports(&l, G1, tq + SEC(10), resume), 0);
        /* Then the cycles resume, on the same grid. */
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, resume, USEC_INFINITY), 2);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->at, resume);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 2)->at, resume + REFRESH_IVL);
        ck_assert_uint_eq(reports(&l, G1, resume, resume + 1), 1);
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
        r = lab_find_event(&l, EVENT_REFRESH_SKIPPED, LAB_ANY_GROUP, 0);
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

        /* At most ceil(1000 / 100) reports in any 10 ms window. */
        for (size_t i = 0; i < l.n_recs; i++) {
                size_t n = 0;
                if (l.recs[i].e.type != EFFECT_SEND_REPORT || l.recs[i].at < c1)
                        continue;
                for (j = i; j < l.n_recs && l.recs[j].at < l.recs[i].at + MSEC(10); j++)
                        if (l.recs[j].e.type == EFFECT_SEND_REPORT)
                                n++;
                max_window = MAX(max_window, n);
        }
        ck_assert_uint_le(max_window, 10);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, c1, c1 + 1), 10);

        /* The cycle is reported once, when its last slice went out. */
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, c1, c2), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->at, last);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->e.count, N_SPREAD);
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
        /* The first slice goes at once, the second 10 ms later. */
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t, t + 1), 1);
        lab_advance_to(&l, t + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t + MSEC(10), t + MSEC(10) + 1), 1);
        ck_assert_uint_eq(reports(&l, G1, t, t + SEC(1)), 1);
        ck_assert_uint_eq(reports(&l, G2, t, t + SEC(1)), 1);
        ck_assert_uint_eq(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, t, t + SEC(1)), 1);
        ck_assert_uint_eq(lab_nth_event(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, 1)->e.count, 2);
        /* The regular schedule is not moved. */
        lab_advance_to(&l, REFRESH_FIRST + REFRESH_IVL + SEC(1));
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, t + SEC(1), REFRESH_FIRST + REFRESH_IVL), 0);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST + REFRESH_IVL, REFRESH_FIRST + REFRESH_IVL + 1), 1);
        ck_assert_uint_eq(reports(&l, LAB_ANY_GROUP, REFRESH_FIRST + REFRESH_IVL, REFRESH_FIRST + REFRESH_IVL + SEC(1)),
                          2);
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

START_TEST(test_nocache_on_downstream_ignored) {
        Config c = defaults();
        size_t before;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        before = all_effects(&l);
        proxy_handle_nocache(l.p, l.down, HOST_A, G1, l.now);
        proxy_handle_nocache(l.p, l.down, SRC1, G1, l.now);
        ck_assert_uint_eq(proxy_n_effects(l.p), 0);
        lab_collect(&l);
        ck_assert_uint_eq(all_effects(&l), before);
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

START_TEST(test_route_idle_removed_when_stream_stops) {
        Config c = defaults();
        const in4_t g[] = { G1 };
        usec_t ta = T0 + SEC(5);
        const Rec *r;
        Lab l;

        lab_init(&l, &c, false);
        l.stream_flowing = true;
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_collect(&l);

        lab_advance_to(&l, ta + SEC(60) - 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_POLL, G1), 0);
        lab_advance_to(&l, ta + SEC(60));
        r = lab_find(&l, EFFECT_MFC_POLL, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, ta + SEC(60));
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);

        /* The stream stops: the next look sees no new packet. */
        l.stream_flowing = false;
        advance_keeping(&l, ta + SEC(120), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_POLL, G1), 2);
        r = lab_find(&l, EFFECT_MFC_DEL, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, ta + SEC(120));
        ck_assert_uint_eq(r->e.source, SRC1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_ROUTE_REMOVED, G1, 0)->at, ta + SEC(120));
        /* Only the route goes: the group stays joined, and no more polls. */
        advance_keeping(&l, ta + SEC(400), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert(proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_POLL, G1), 2);
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

        /* The first reading is the baseline (the kernel counts the packet
         * that made the upcall); the first unchanged reading removes it. */
        lab_init(&l, &c, false);
        l.stream_flowing = false;
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        lab_advance_to(&l, ta + SEC(200));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 1);
        ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_DEL, G1, 0)->at, ta + SEC(120));
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
        l.stream_flowing = true;
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance_to(&l, ta);
        proxy_handle_nocache(l.p, l.up, SRC1, G1, l.now);
        advance_keeping(&l, ta + SEC(600), LAB_DOWN_IFINDEX, HOST_A, g, 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_POLL, G1), 20);
        for (size_t k = 0; k < 20; k++)
                ck_assert_uint_eq(lab_find(&l, EFFECT_MFC_POLL, G1, k)->at, ta + (k + 1) * SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, G1), 0);
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

        vif = proxy_add_iface(l.p, LAB_UP_IFINDEX, "vlan2", ROLE_UPSTREAM, LAB_UP_ADDR, 24, &up, l.now);
        ck_assert_int_ge(vif, 0);
        l.up = vif;
        lab_collect(&l);
        ck_assert_uint_eq(reports(&l, G1, ta, ta + 1), 1);
        ck_assert_uint_eq(reports(&l, G2, ta, ta + 1), 1);
        ck_assert_uint_eq(proxy_n_joined(l.p), 2);
        lab_advance_to(&l, ta + SEC(1));
        ck_assert_uint_eq(reports(&l, G1, ta + SEC(1), ta + SEC(1) + 1), 1);
        ck_assert_uint_eq(reports(&l, G2, ta + SEC(1), ta + SEC(1) + 1), 1);
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

START_TEST(test_stall_detected_and_reported) {
        Config c = stall_config();
        Lab l;
        usec_t stop;
        const Rec *r;

        lab_init(&l, &c, false);
        l.stream_flowing = true;
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance(&l, SEC(10));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        ck_assert_uint_gt(lab_count(&l, EFFECT_GROUP_POLL, G1), 10);
        lab_clear(&l);

        stop = l.now;
        l.stream_flowing = false;
        lab_advance(&l, SEC(3));
        r = lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0);
        ck_assert_ptr_nonnull(r);
        /* seen after StallTimeoutSec, at most one tick (StallTimeoutSec/4) later */
        ck_assert_uint_ge(r->at - stop, SEC(2));
        ck_assert_uint_le(r->at - stop, SEC(2) + MSEC(500));
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_REPORT, G1), 1);
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_REPORT, G1, 0)->at, r->at);
        ck_assert_uint_eq(proxy_stats(l.p)->stream_stalls, 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_backs_off_while_silent) {
        Config c = stall_config();
        Lab l;

        lab_init(&l, &c, false);
        l.stream_flowing = true;
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance(&l, SEC(5));
        l.stream_flowing = false;
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
                usec_t want = SEC(2) << k;
                ck_assert_uint_ge(gap, want);
                ck_assert_uint_le(gap, want + MSEC(500));
        }
        lab_done(&l);
}
END_TEST

START_TEST(test_stall_wait_resets_when_traffic_returns) {
        Config c = stall_config();
        Lab l;
        usec_t stop;

        lab_init(&l, &c, false);
        l.stream_flowing = true;
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance(&l, SEC(5));
        l.stream_flowing = false;
        lab_advance(&l, SEC(7)); /* stalls at +2 s and +6 s */
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 2);
        l.stream_flowing = true;
        lab_advance(&l, SEC(5));
        lab_clear(&l);
        stop = l.now;
        l.stream_flowing = false;
        lab_advance(&l, SEC(3));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, G1), 1);
        ck_assert_uint_le(lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0)->at - stop, SEC(2) + MSEC(500));
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
        ck_assert_uint_eq(lab_count(&l, EFFECT_GROUP_POLL, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        lab_done(&l);

        /* on, but the only listener left: no more polls, no stall */
        c.stall_timeout = SEC(2);
        c.quickleave = true;
        lab_init(&l, &c, false);
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_advance(&l, SEC(3));
        lab_leave(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        lab_clear(&l);
        lab_advance(&l, SEC(30));
        ck_assert_uint_eq(lab_count(&l, EFFECT_GROUP_POLL, LAB_ANY_GROUP), 0);
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
        tcase_add_test(tc, test_refresh_auto_skips_while_upstream_queries);
        tcase_add_test(tc, test_refresh_skipped_event_has_no_source);
        tcase_add_test(tc, test_refresh_spread);
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
        tcase_add_test(tc, test_nocache_on_downstream_ignored);
        tcase_add_test(tc, test_nocache_before_join);
        tcase_add_test(tc, test_nocache_long_before_join_forgotten);
        tcase_add_test(tc, test_route_mask_follows_listeners);
        tcase_add_test(tc, test_route_idle_removed_when_stream_stops);
        tcase_add_test(tc, test_route_never_flowing_removed);
        tcase_add_test(tc, test_route_kept_while_stream_flows);
        suite_add_tcase(s, tc);

        tc = tcase_create("stall");
        tcase_add_test(tc, test_stall_detected_and_reported);
        tcase_add_test(tc, test_stall_backs_off_while_silent);
        tcase_add_test(tc, test_stall_wait_resets_when_traffic_returns);
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
