/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-senders.c - Check suite for downstream senders (src/core/routes.c).
 *
 * RFC 4605 4.2: a proxy forwards "packets received on any downstream
 * interface to the upstream interface, and to each downstream interface
 * other than the incoming interface based upon the downstream interfaces'
 * subscriptions". Covers: the route of a host sending on vlan10 (input VIF
 * vlan10; outputs the upstream and vlan20 when vlan20 listens), with no
 * listener (upstream only), with ForwardToUpstream=no (no upstream), with
 * the upstream's filters refusing the group, the other links' source lists
 * (RFC 3376 6.3); sources off the link's subnet,
 * 224.0.0.x and groups the link's filters refuse get nothing; the routes
 * follow the listeners, the interfaces, reloads and stay when the group's
 * last listener goes; the cap per link (MaxGroupsPerInterface=); they do not
 * feed the stall watch but idle out after SourceIdleTimeoutSec.
 *
 * Lab (fake-clock.h): vlan2 upstream 198.18.0.2/24, vlan10 198.18.1.1/24
 * (HOST_A, HOST_B), vlan20 198.18.2.1/24 (HOST_C). T0 = 1000 s.
 */
#include <check.h>

#include "run-suite.h"
#include <stdlib.h>

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
#define G2 IN4(239, 2, 2, 2)
#define SRC1 IN4(198, 18, 0, 50) /* on the upstream subnet */

static Config defaults(void) {
        Config c;

        config_init_defaults(&c);
        c.stall_timeout = 0; /* its own tests below */
        return c;
}

static uint32_t bit(int vif) {
        return 1U << vif;
}

static bool rec_is(const Rec *r, EffectType type, in4_t source, in4_t group) {
        return r->e.type == type && r->e.source == source && r->e.group == group;
}

static size_t count_of(const Lab *l, EffectType type, in4_t source, in4_t group) {
        size_t n = 0;

        for (size_t k = 0; k < l->n_recs; k++)
                n += rec_is(&l->recs[k], type, source, group);
        return n;
}

/* The last MFC_SET (or MFC_DEL) of (source, group), NULL if none. */
static const Rec *last_of(const Lab *l, EffectType type, in4_t source, in4_t group) {
        for (size_t k = l->n_recs; k > 0; k--)
                if (rec_is(&l->recs[k - 1], type, source, group))
                        return &l->recs[k - 1];
        return NULL;
}

static uint32_t outputs(const Lab *l, in4_t source, in4_t group) {
        const Rec *r = last_of(l, EFFECT_MFC_SET, source, group);

        ck_assert_msg(r, "no MFC_SET for %08x, %08x", source, group);
        return r->e.out_mask;
}

static void nocache(Lab *l, int vif, in4_t source, in4_t group) {
        proxy_handle_nocache(l->p, vif, source, group, l->now);
        lab_collect(l);
}

static int count_group(const ProxyGroupInfo *info, void *userdata) {
        (void) info;
        (*(size_t *) userdata)++;
        return 0;
}

static size_t n_groups_known(const Lab *l) {
        size_t n = 0;

        proxy_foreach_group(l->p, count_group, &n);
        return n;
}

/* ---- where a sender's stream goes --------------------------------------- */

START_TEST(test_sender_to_listener_and_upstream) {
        Config c = defaults();
        const Rec *r;
        in4_t src[4];
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        lab_advance_to(&l, T0 + SEC(2));
        nocache(&l, l.down, HOST_A, G1);

        r = last_of(&l, EFFECT_MFC_SET, HOST_A, G1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(2));
        ck_assert_int_eq(r->e.vif, l.down);
        ck_assert_uint_eq(r->e.out_mask, bit(l.up) | bit(l.down2));
        r = lab_find_event(&l, EVENT_ROUTE_ADDED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->e.vif, l.down);
        ck_assert_uint_eq(r->e.source, HOST_A);
        ck_assert_uint_eq(r->e.count, bit(l.up) | bit(l.down2));
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 1);
        ck_assert_uint_eq(proxy_group_sources(l.p, G1, src, 4), 1);
        ck_assert_uint_eq(src[0], HOST_A);

        /* The kernel asks again (it lost the entry): set again, no new route. */
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 1);

        /* A listener on the sender's own link is no output ("other than the
         * incoming interface"): the kernel hears nothing new. */
        lab_report(&l, LAB_DOWN_IFINDEX, HOST_B, G1, 2);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 2);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_without_listener_goes_upstream) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_int_eq(last_of(&l, EFFECT_MFC_SET, HOST_A, G1)->e.vif, l.down);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up));
        /* Sending is not listening: nothing is joined or reported. */
        ck_assert(!proxy_group_joined(l.p, G1));
        ck_assert_uint_eq(proxy_n_groups(l.p), 0);
        ck_assert_uint_eq(proxy_n_joined(l.p), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_SEND_REPORT, G1), 0);
        ck_assert_uint_eq(n_groups_known(&l), 1);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_forward_to_upstream_off) {
        Config c = defaults();
        IfaceConfig down = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1,
                             .no_forward_to_upstream = true };
        Lab l;

        lab_init_ifaces(&l, &c, true, NULL, &down);
        lab_advance_to(&l, T0 + SEC(1));
        /* No listener, no upstream: installed with no output all the same,
         * so the kernel stops asking. */
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 1);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), 0);
        ck_assert_uint_eq(proxy_group_sources(l.p, G1, NULL, 0), 1);

        /* A listener on vlan20: it gets the stream, the upstream still not. */
        lab_advance_to(&l, T0 + SEC(2));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.down2));
        ck_assert_uint_eq(last_of(&l, EFFECT_MFC_SET, HOST_A, G1)->at, T0 + SEC(2));

        /* The key is vlan10's: a sender on vlan20 (default yes) goes upstream. */
        nocache(&l, l.down2, HOST_C, G2);
        ck_assert_uint_eq(outputs(&l, HOST_C, G2), bit(l.up));
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_upstream_filter) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { G1, 32 }, .allow = false } };
        IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1, .filters = rules, .n_filters = 1 };
        Lab l;

        lab_init_ifaces(&l, &c, true, &up, NULL);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.down2));
        nocache(&l, l.down, HOST_A, G2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G2), bit(l.up));
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_rejected) {
        Config c = defaults();
        FilterRule rules[] = { { .prefix = { G2, 32 }, .allow = false } };
        IfaceConfig down = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1, .filters = rules,
                             .n_filters = 1 };
        const Rec *r;
        Lab l;

        lab_init_ifaces(&l, &c, true, NULL, &down);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        lab_clear(&l);
        /* Off vlan10's subnet: vlan20's, the upstream's. */
        nocache(&l, l.down, HOST_C, G1);
        nocache(&l, l.down, SRC1, G1);
        /* 224.0.0.x is never forwarded; G2 is refused by vlan10's filters. */
        nocache(&l, l.down, HOST_A, IN4(224, 0, 0, 251));
        nocache(&l, l.down, HOST_A, G2);

        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->routes_added, 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_ROUTE_REJECTED, LAB_ANY_GROUP), 2);
        for (size_t k = 0; k < 2; k++) {
                r = lab_find_event(&l, EVENT_ROUTE_REJECTED, G1, k);
                ck_assert_int_eq(r->e.vif, l.down);
                ck_assert_uint_eq(r->e.count, ROUTE_REJECT_OFF_LINK);
                ck_assert_uint_eq(r->e.source, k == 0 ? HOST_C : SRC1);
        }
        /* StreamsRejected counts the upstream's AltNet= refusals only. */
        ck_assert_uint_eq(proxy_stats(l.p)->routes_rejected, 0);
        ck_assert_uint_eq(proxy_group_sources(l.p, G1, NULL, 0), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_routes_capped_per_link) {
        Config c = defaults();
        Lab l;

        c.max_groups = 2;
        lab_init(&l, &c, true);
        nocache(&l, l.down, HOST_A, G1);
        nocache(&l, l.down, HOST_A, G2);
        nocache(&l, l.down, HOST_B, G1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_SET, LAB_ANY_GROUP), 2);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_B, G1), 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_ROUTE_REJECTED, G1), 1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_ROUTE_REJECTED, G1, 0)->e.count, ROUTE_REJECT_LIMIT);
        /* A route it has is no new one; the cap is per link. */
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 2);
        nocache(&l, l.down2, HOST_C, G1);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_C, G1), 1);
        lab_done(&l);
}
END_TEST

/* RFC 3376 6.3 on the other links: a listener in INCLUDE mode gets only
 * the senders it lists, one in EXCLUDE mode all but those it excludes. */
START_TEST(test_sender_source_lists) {
        Config c = defaults();
        const in4_t a[] = { HOST_A };
        Lab l;

        lab_init(&l, &c, true);
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, IGMP_CHANGE_TO_INCLUDE, G1, a, 1);
        lab_v3_record_src(&l, LAB_DOWN2_IFINDEX, HOST_C, IGMP_CHANGE_TO_EXCLUDE, G2, a, 1);
        nocache(&l, l.down, HOST_A, G1);
        nocache(&l, l.down, HOST_B, G1);
        nocache(&l, l.down, HOST_A, G2);
        nocache(&l, l.down, HOST_B, G2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));
        ck_assert_uint_eq(outputs(&l, HOST_B, G1), bit(l.up));
        ck_assert_uint_eq(outputs(&l, HOST_A, G2), bit(l.up));
        ck_assert_uint_eq(outputs(&l, HOST_B, G2), bit(l.up) | bit(l.down2));
        lab_done(&l);
}
END_TEST

/* ---- the routes follow listeners, interfaces, reloads ------------------- */

static const ProxyGroupInfo *find_info;

static int find_group(const ProxyGroupInfo *info, void *userdata) {
        static ProxyGroupInfo copy;

        if (info->group == *(in4_t *) userdata) {
                copy = *info;
                find_info = &copy;
        }
        return 0;
}

static const ProxyGroupInfo *group_info(const Lab *l, in4_t group) {
        find_info = NULL;
        proxy_foreach_group(l->p, find_group, &group);
        return find_info;
}

START_TEST(test_sender_route_stays_when_listener_leaves) {
        Config c = defaults();
        usec_t t3 = T0 + SEC(3);
        const ProxyGroupInfo *gi;
        const Rec *r;
        Lab l;

        c.quickleave = true;
        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        lab_advance_to(&l, T0 + SEC(2));
        nocache(&l, l.up, SRC1, G1);
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(outputs(&l, SRC1, G1), bit(l.down2));
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));

        /* The last listener goes: the upstream's stream goes, the sender's
         * route stays and only loses vlan20. */
        lab_advance_to(&l, t3);
        lab_leave(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        r = last_of(&l, EFFECT_MFC_DEL, SRC1, G1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, t3);
        ck_assert_int_eq(r->e.vif, l.up);
        ck_assert_uint_eq(lab_find(&l, EFFECT_SEND_LEAVE, G1, 0)->at, t3);
        r = last_of(&l, EFFECT_MFC_SET, HOST_A, G1);
        ck_assert_uint_eq(r->at, t3);
        ck_assert_uint_eq(r->e.out_mask, bit(l.up));
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_A, G1), 0);

        /* The group stays known for its route, long after the leave. */
        lab_advance(&l, SEC(30));
        gi = group_info(&l, G1);
        ck_assert_ptr_nonnull(gi);
        ck_assert(!gi->joined);
        ck_assert_uint_eq(gi->out_mask, 0);
        ck_assert_uint_eq(gi->n_routes, 1);

        /* A listener comes back: the sender's route has it at once. */
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));
        ck_assert(proxy_group_joined(l.p, G1));
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_interfaces_go_and_come) {
        Config c = defaults();
        static IfaceConfig up = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1 };
        const Rec *r;
        Lab l;

        lab_init(&l, &c, true);
        lab_advance_to(&l, T0 + SEC(1));
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        nocache(&l, l.down, HOST_A, G1);  /* vlan10 -> upstream, vlan20 */
        nocache(&l, l.down2, HOST_C, G2); /* vlan20 -> upstream */
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));
        ck_assert_uint_eq(outputs(&l, HOST_C, G2), bit(l.up));

        /* The upstream goes: it leaves every output, the routes stay. */
        lab_advance_to(&l, T0 + SEC(10));
        ck_assert_int_eq(proxy_remove_iface(l.p, l.up, l.now), 0);
        lab_collect(&l);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.down2));
        ck_assert_uint_eq(outputs(&l, HOST_C, G2), 0);
        ck_assert_uint_eq(lab_count(&l, EFFECT_MFC_DEL, LAB_ANY_GROUP), 0);

        /* It comes back: they go upstream again. */
        lab_advance_to(&l, T0 + SEC(20));
        l.up = proxy_add_iface(l.p, LAB_UP_IFINDEX, "vlan2", ROLE_UPSTREAM, LAB_UP_ADDR, 24, &up, 0, l.now);
        ck_assert_int_ge(l.up, 0);
        lab_collect(&l);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up) | bit(l.down2));
        ck_assert_uint_eq(outputs(&l, HOST_C, G2), bit(l.up));
        ck_assert_uint_eq(last_of(&l, EFFECT_MFC_SET, HOST_C, G2)->at, T0 + SEC(20));

        /* vlan20 goes: its sender's route goes, the other loses vlan20. */
        lab_advance_to(&l, T0 + SEC(30));
        ck_assert_int_eq(proxy_remove_iface(l.p, l.down2, l.now), 0);
        lab_collect(&l);
        r = last_of(&l, EFFECT_MFC_DEL, HOST_C, G2);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, T0 + SEC(30));
        ck_assert_int_eq(r->e.vif, l.down2);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up));

        /* vlan10 goes: its sender's route goes, and nothing holds a group. */
        lab_advance_to(&l, T0 + SEC(40));
        ck_assert_int_eq(proxy_remove_iface(l.p, l.down, l.now), 0);
        lab_collect(&l);
        r = last_of(&l, EFFECT_MFC_DEL, HOST_A, G1);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->e.vif, l.down);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 4);
        lab_advance(&l, SEC(10)); /* the leave of G1 is repeated meanwhile */
        ck_assert_uint_eq(n_groups_known(&l), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_reload) {
        Config c = defaults();
        IfaceConfig down = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1,
                             .no_forward_to_upstream = true };
        FilterRule rules[] = { { .prefix = { G1, 32 }, .allow = false } };
        IfaceConfig down_filtered = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1, .filters = rules,
                                      .n_filters = 1 };
        Config on, off, filtered;
        Lab l;

        lab_init_ifaces(&l, &c, true, NULL, &down);
        nocache(&l, l.down, HOST_A, G1);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), 0);

        /* A reload without the key: the default, yes. */
        on = l.cfg;
        proxy_set_config(l.p, &on, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), bit(l.up));
        /* ... and with it again. */
        off = l.cfg;
        off.ifaces = &down;
        off.n_ifaces = 1;
        proxy_set_config(l.p, &off, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(outputs(&l, HOST_A, G1), 0);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_SET, HOST_A, G1), 3);
        /* vlan10's filters now refuse G1: the route goes. */
        filtered = l.cfg;
        filtered.ifaces = &down_filtered;
        filtered.n_ifaces = 1;
        proxy_set_config(l.p, &filtered, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_A, G1), 1);
        ck_assert_uint_eq(n_groups_known(&l), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_shutdown) {
        Config c = defaults();
        Lab l;

        lab_init(&l, &c, true);
        nocache(&l, l.down, HOST_A, G1);
        proxy_shutdown(l.p, l.now);
        lab_collect(&l);
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_A, G1), 1);
        ck_assert_int_eq(last_of(&l, EFFECT_MFC_DEL, HOST_A, G1)->e.vif, l.down);
        lab_done(&l);
}
END_TEST

/* ---- stall watch and idle timeout ------------------------------------------ */

static Config stall_config(void) {
        Config c = defaults();

        c.stall_timeout = SEC(2);
        c.refresh = REFRESH_NO; /* every report after the join comes from the stall watch */
        return c;
}

/* The upstream's stream stops while a host on vlan10 keeps sending to the
 * group: that is no sign of the upstream membership, the stall is seen. */
START_TEST(test_sender_traffic_is_no_upstream_stream) {
        Config c = stall_config();
        usec_t stop;
        const Rec *r;
        Lab l;

        lab_init(&l, &c, true);
        lab_stream(&l, true);
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        nocache(&l, l.up, SRC1, G1);
        nocache(&l, l.down, HOST_A, G1);
        lab_advance(&l, SEC(10));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        lab_clear(&l);

        lab_advance(&l, MSEC(700));
        stop = l.now;
        l.flowing_source = HOST_A;
        lab_stream(&l, false);
        lab_advance(&l, SEC(3));
        r = lab_find_event(&l, EVENT_STREAM_STALLED, G1, 0);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at - stop, SEC(2));
        ck_assert_uint_eq(proxy_stats(l.p)->stream_stalls, 1);
        /* the sender's route still forwards */
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_A, G1), 0);
        lab_done(&l);
}
END_TEST

/* A joined group that only ever carried a downstream sender's stream never
 * carried one from upstream: said once, never a stall. */
START_TEST(test_sender_only_group_is_silent) {
        Config c = stall_config();
        Lab l;

        lab_init(&l, &c, true);
        lab_stream(&l, true);
        lab_report(&l, LAB_DOWN2_IFINDEX, HOST_C, G1, 2);
        nocache(&l, l.down, HOST_A, G1);
        lab_advance(&l, SEC(100));
        ck_assert_uint_eq(lab_count_event(&l, EVENT_STREAM_STALLED, LAB_ANY_GROUP), 0);
        ck_assert_uint_eq(proxy_stats(l.p)->stream_stalls, 0);
        ck_assert_uint_eq(lab_count_event(&l, EVENT_GROUP_SILENT, G1), 1);
        ck_assert_uint_eq(lab_find_event(&l, EVENT_GROUP_SILENT, G1, 0)->at, T0 + SEC(2));
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_A, G1), 0);
        lab_done(&l);
}
END_TEST

START_TEST(test_sender_route_idles_out) {
        Config c = defaults();
        usec_t ta = T0 + SEC(5), tb;
        const Rec *r;
        Lab l;

        /* No listener, nothing joined: the counters are read all the same,
         * one idle timeout after the upcall's packet. */
        lab_init(&l, &c, true);
        lab_advance_to(&l, ta);
        nocache(&l, l.down, HOST_A, G1);
        lab_advance_to(&l, ta + SEC(60) - 1);
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 0);
        lab_advance_to(&l, ta + SEC(60));
        r = last_of(&l, EFFECT_MFC_DEL, HOST_A, G1);
        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->at, ta + SEC(60));
        ck_assert_int_eq(r->e.vif, l.down);
        ck_assert_int_eq(lab_find_event(&l, EVENT_ROUTE_REMOVED, G1, 0)->e.vif, l.down);
        ck_assert_uint_eq(n_groups_known(&l), 0);
        /* nothing left to look at */
        lab_advance(&l, SEC(600));
        ck_assert_uint_eq(lab_count(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP), 1);

        /* A sender that keeps sending keeps its route: one look per idle timeout. */
        tb = l.now;
        l.flowing_source = HOST_B;
        nocache(&l, l.down, HOST_B, G2);
        lab_advance(&l, SEC(600));
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_B, G2), 0);
        ck_assert_uint_eq(lab_count_in(&l, EFFECT_ACTIVITY_POLL, LAB_ANY_GROUP, LAB_ANY_VIF, tb, USEC_INFINITY), 10);
        /* ... and loses it one idle timeout after it stops. */
        l.flowing_source = 0;
        lab_stream(&l, false);
        lab_advance(&l, SEC(120));
        ck_assert_uint_eq(count_of(&l, EFFECT_MFC_DEL, HOST_B, G2), 1);
        lab_done(&l);
}
END_TEST

static Suite *senders_suite(void) {
        Suite *s = suite_create("senders");
        TCase *tc;

        tc = tcase_create("outputs");
        tcase_add_test(tc, test_sender_to_listener_and_upstream);
        tcase_add_test(tc, test_sender_without_listener_goes_upstream);
        tcase_add_test(tc, test_sender_forward_to_upstream_off);
        tcase_add_test(tc, test_sender_upstream_filter);
        tcase_add_test(tc, test_sender_rejected);
        tcase_add_test(tc, test_sender_routes_capped_per_link);
        tcase_add_test(tc, test_sender_source_lists);
        suite_add_tcase(s, tc);

        tc = tcase_create("changes");
        tcase_add_test(tc, test_sender_route_stays_when_listener_leaves);
        tcase_add_test(tc, test_sender_interfaces_go_and_come);
        tcase_add_test(tc, test_sender_reload);
        tcase_add_test(tc, test_sender_shutdown);
        suite_add_tcase(s, tc);

        tc = tcase_create("activity");
        tcase_add_test(tc, test_sender_traffic_is_no_upstream_stream);
        tcase_add_test(tc, test_sender_only_group_is_silent);
        tcase_add_test(tc, test_sender_route_idles_out);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(senders_suite());
}
