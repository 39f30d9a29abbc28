/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-refresh.c - Check suite for the Movistar+ refresh (src/core/refresh.c) across a change
 * of its mode at runtime (reload or D-Bus: proxy_set_config()).
 *
 * igmpproxy.conf(5), [Refresh] Enabled=: "With yes and auto, two reports of a joined group
 * with listeners are never more than IntervalSec + SpreadSec apart, whatever arrives
 * upstream." That must hold across a switch from auto to yes too: in auto mode each group is
 * on its own deadline and the cycle timer only counts, on a phase of its own (InitialDelaySec,
 * then IntervalSec), so the first cycle after the switch may not simply wait for that phase.
 * Found by tests/fuzz/fuzz-core.c.
 *
 * Every time below is exact (fake clock); T0 = 1000 s is the lab's start.
 */
#include <check.h>

#include "run-suite.h"

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
#define G2 IN4(239, 2, 2, 2)
#define IVL SEC(60)
#define SPREAD SEC(1)

static Config auto_config(void) {
        Config c;

        config_init_defaults(&c);
        c.stall_timeout = 0;
        c.refresh = REFRESH_AUTO;
        c.refresh_initial_delay = SEC(259); /* the cycle timer's phase: far from any group's deadline */
        c.refresh_interval = IVL;
        c.refresh_spread = SPREAD;
        return c;
}

/* The longest time between two upstream reports of group in [from, to], the edges included. */
static usec_t longest_gap(const Lab *l, in4_t group, usec_t from, usec_t to) {
        usec_t last = from, gap = 0;

        for (size_t k = 0; k < l->n_recs; k++) {
                const Rec *r = &l->recs[k];
                if (r->e.type != EFFECT_SEND_REPORT || r->e.group != group || r->at < from || r->at > to)
                        continue;
                gap = MAX(gap, r->at - last);
                last = r->at;
        }
        return MAX(gap, to - last);
}

/* proxy_set_config() with the lab's config but Enabled=mode, as a reload or D-Bus does. The
 * Config must outlive the proxy: one switch per lab. */
static void switch_refresh(Lab *l, RefreshMode mode) {
        static Config next;

        next = l->cfg;
        next.refresh = mode;
        proxy_set_config(l->p, &next, l->now);
}

/* The host answers like a set-top box, every 100 s, so the membership never times out. */
static void keep_listening(Lab *l, usec_t until, in4_t group) {
        while (l->now < until) {
                lab_advance_to(l, MIN(until, l->now + SEC(100)));
                lab_report(l, LAB_DOWN_IFINDEX, HOST_A, group, 2);
        }
}

/* The host keeps listening until `until`; from `from` on, no two upstream reports of group
 * (nor `from` and the first) are more than IntervalSec + SpreadSec apart (the man page). */
static void assert_refreshed(Lab *l, in4_t group, usec_t from, usec_t until) {
        keep_listening(l, until, group);
        ck_assert_uint_le(longest_gap(l, group, from, until), IVL + SPREAD);
}

START_TEST(test_auto_to_yes_keeps_groups_reported) {
        Config c = auto_config();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        keep_listening(&l, T0 + SEC(50), G1);
        /* Switched to yes 49 s after the join: the group was due at its own deadline (join
         * repeat + 60 s); the cycle timer still says T0 + 259 s. */
        switch_refresh(&l, REFRESH_YES);
        lab_collect(&l);
        assert_refreshed(&l, G1, T0 + SEC(1), T0 + SEC(600));
        ck_assert_uint_ge(lab_count_event_in(&l, EVENT_REFRESH_CYCLE, LAB_ANY_GROUP, T0 + SEC(50), T0 + SEC(600)), 8);
        lab_done(&l);
}
END_TEST

/* The glue takes an interface out before proxy_set_config() and brings it back after when its
 * settings change (manager-config.c): the upstream's groups are joined again after the switch,
 * when no group is joined during it. */
START_TEST(test_auto_to_yes_upstream_back_after_the_switch) {
        static IfaceConfig up_ic = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1 };
        Config c = auto_config();
        usec_t back;
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        keep_listening(&l, T0 + SEC(30), G1);
        ck_assert_int_eq(proxy_remove_iface(l.p, l.up, l.now), 0);
        switch_refresh(&l, REFRESH_YES);
        l.up = proxy_add_iface(l.p, LAB_UP_IFINDEX, "vlan2", ROLE_UPSTREAM, LAB_UP_ADDR, 24, &up_ic, 0, l.now);
        ck_assert_int_ge(l.up, 0);
        lab_collect(&l);
        back = l.now;
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_SEND_REPORT, G1, l.up, back, back + 1), 1); /* joined again */
        assert_refreshed(&l, G1, back, T0 + SEC(600));
        lab_done(&l);
}
END_TEST

/* A group joined after the switch (no group at all before it) is reported within IntervalSec
 * too: the first cycle is at most one interval away. */
START_TEST(test_auto_to_yes_then_join) {
        Config c = auto_config();
        Lab l;

        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(20));
        switch_refresh(&l, REFRESH_YES);
        lab_collect(&l);
        lab_advance_to(&l, T0 + SEC(21));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G2, 2);
        assert_refreshed(&l, G2, T0 + SEC(21), T0 + SEC(400));
        lab_done(&l);
}
END_TEST

/* yes -> auto keeps the per-group deadlines (last report + IntervalSec). */
START_TEST(test_yes_to_auto_keeps_groups_reported) {
        Config c = auto_config();
        Lab l;

        c.refresh = REFRESH_YES;
        c.refresh_initial_delay = SEC(10);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        keep_listening(&l, T0 + SEC(95), G1);
        switch_refresh(&l, REFRESH_AUTO);
        lab_collect(&l);
        assert_refreshed(&l, G1, T0 + SEC(11), T0 + SEC(600));
        lab_done(&l);
}
END_TEST

/* A cycle of 40 groups goes out in two slices SpreadSec apart; a RefreshNow
 * between them starts a new cycle. The groups the cut slice held must come
 * first in it, or they wait a whole interval more (found by the core fuzzer's
 * 30-minute run): every group stays within IntervalSec + SpreadSec. */
START_TEST(test_refresh_now_mid_cycle_starves_nobody) {
        Config c = auto_config();
        usec_t t0, worst = 0;
        Lab l;

        c.refresh = REFRESH_YES;
        c.refresh_initial_delay = SEC(10);
        c.refresh_interval = SEC(10);
        c.refresh_spread = SEC(4);
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        for (int g = 0; g < 40; g++)
                lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, IN4(239, 7, 0, g), 2);
        t0 = l.now;
        /* the first cycle's first slice went at T0 + 10 s; cut it short before its second */
        lab_advance_to(&l, T0 + SEC(12));
        proxy_refresh_now(l.p, l.now);
        lab_collect(&l);
        lab_advance_to(&l, T0 + SEC(60));
        for (int g = 0; g < 40; g++)
                worst = MAX(worst, longest_gap(&l, IN4(239, 7, 0, g), t0, T0 + SEC(60)));
        ck_assert_uint_le(worst, SEC(10) + SEC(4));
        lab_done(&l);
}
END_TEST

/* Enabled=yes, InitialDelaySec=259s > IntervalSec: a group joined 1 s after the start is
 * reported again within IntervalSec (+ SpreadSec) of its join, not at the first cycle 259 s
 * after the start (the man page's promise; the Movistar+ router forgets it at 260 s). */
START_TEST(test_yes_long_initial_delay) {
        Config c = auto_config();
        Lab l;

        c.refresh = REFRESH_YES;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        assert_refreshed(&l, G1, T0 + SEC(1), T0 + SEC(600));
        lab_done(&l);
}
END_TEST

/* Switched on by a reload (no -> yes) with InitialDelaySec=259s: the groups joined while it
 * was off are refreshed within IntervalSec of the switch. */
START_TEST(test_no_to_yes_long_initial_delay) {
        Config c = auto_config();
        usec_t t;
        Lab l;

        c.refresh = REFRESH_NO;
        lab_init(&l, &c, false);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_A, G1, 2);
        keep_listening(&l, T0 + SEC(50), G1);
        switch_refresh(&l, REFRESH_YES);
        lab_collect(&l);
        t = l.now;
        assert_refreshed(&l, G1, t, T0 + SEC(600));
        lab_done(&l);
}
END_TEST

static Suite *refresh_suite(void) {
        Suite *s = suite_create("refresh");
        TCase *tc = tcase_create("mode-switch");

        tcase_add_test(tc, test_auto_to_yes_keeps_groups_reported);
        tcase_add_test(tc, test_auto_to_yes_upstream_back_after_the_switch);
        tcase_add_test(tc, test_auto_to_yes_then_join);
        tcase_add_test(tc, test_yes_to_auto_keeps_groups_reported);
        tcase_add_test(tc, test_refresh_now_mid_cycle_starves_nobody);
        tcase_add_test(tc, test_yes_long_initial_delay);
        tcase_add_test(tc, test_no_to_yes_long_initial_delay);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(refresh_suite());
}
