/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-manager-effects.c - Check suite for the sends of src/daemon/manager-effects.c: how the
 * glue turns the core's send effects, and the EFFECT_SOURCE chains after them (effects.h),
 * into packets. Links manager-effects.c, log.c, the core library and libsystemd; the socket and
 * the mroute calls are stubs here that record what was sent.
 *
 * Covered: a v3 query with the S flag and its source list (bytes as igmp_build_query_sources()
 * makes them, read back by igmp_parse()); a chain shorter than n_sources (effects lost: what
 * came is sent) and one lost whole (nothing sent); v1/v2 queries and reports ignore a chain; v3
 * report records with sources collected over Effect.more into one packet, also across other
 * effects in between; source-less records produce the exact bytes they did before source
 * lists; a record whose sources were all lost is left out; a packet whose closing record was
 * lost is still sent at the end of the batch; orphan EFFECT_SOURCE effects are ignored; the
 * -vv trace lines carry the source count.
 *
 * Not covered: the events, routes and counter reads (the integration tests run them).
 */
#include <check.h>

#include "run-suite.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "igmp-packet.h"
#include "igmp-socket.h"
#include "log.h"
#include "manager.h"
#include "mroute.h"

#define UP 0            /* VIF of the upstream interface */
#define DOWN 1          /* VIF of a downstream interface */
#define UP_ADDR IN4(198, 18, 0, 2)
#define DOWN_ADDR IN4(198, 18, 1, 1)
#define G1 IN4(232, 1, 1, 1)
#define G2 IN4(232, 1, 1, 2)
#define G3 IN4(239, 1, 2, 3)
#define S1 IN4(198, 18, 0, 1)
#define S2 IN4(198, 18, 0, 2)
#define S3 IN4(198, 18, 0, 3)

/* ---- stubs: what would have gone to the kernel ------------------------------------ */

typedef struct Sent {
        int ifindex;
        in4_t src, dst;
        uint8_t *msg;
        size_t len;
} Sent;

static Sent sent[16];
static size_t n_sent;
static char trace[8][256];
static size_t n_trace;

int igmp_socket_send(int fd, int ifindex, in4_t src, in4_t dst, const uint8_t *msg, size_t len) {
        (void) fd;
        ck_assert_uint_lt(n_sent, ELEMENTSOF(sent));
        sent[n_sent] = (Sent) { .ifindex = ifindex, .src = src, .dst = dst, .msg = malloc(len), .len = len };
        ck_assert_ptr_nonnull(sent[n_sent].msg);
        memcpy(sent[n_sent].msg, msg, len);
        n_sent++;
        return 0;
}

int mroute_set_mfc(int fd, in4_t source, in4_t group, int parent_vif, const uint8_t ttls[MROUTE_MAX_VIFS]) {
        (void) fd, (void) source, (void) group, (void) parent_vif, (void) ttls;
        return 0;
}

int mroute_del_mfc(int fd, in4_t source, in4_t group, int parent_vif) {
        (void) fd, (void) source, (void) group, (void) parent_vif;
        return 0;
}

int mroute_get_count(int fd, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes) {
        (void) fd, (void) source, (void) group, (void) ret_packets, (void) ret_bytes;
        return -ENOENT;
}

int mroute_stats_dump(int nlfd, MrouteStatsFn cb, void *userdata) {
        (void) nlfd, (void) cb, (void) userdata;
        return -EOPNOTSUPP;
}

void manager_update_status(Manager *m) {
        (void) m;
}

static void sink(int level, int error, const LogContext *ctx, const char *message, void *userdata) {
        (void) level, (void) error, (void) ctx, (void) userdata;
        if (strncmp(message, "Sent IGMP", 9) == 0 && n_trace < ELEMENTSOF(trace))
                snprintf(trace[n_trace++], sizeof trace[0], "%s", message);
}

/* ---- the lab: a manager with two VIFs around a real core --------------------------- */

static Config cfg;
static Manager mgr;

static void setup(void) {
        config_init_defaults(&cfg);
        memset(&mgr, 0, sizeof mgr);
        ck_assert_int_ge(sd_event_new(&mgr.event), 0);
        mgr.proxy = proxy_new(&cfg, 1, 1000 * USEC_PER_SEC);
        ck_assert_ptr_nonnull(mgr.proxy);
        mgr.config = &cfg;
        mgr.fd = -1;
        mgr.stats_fd = -1;
        mgr.vifs[UP] = (ManagedIface) { .active = true, .ifindex = 7, .name = "vlan2", .addr = UP_ADDR };
        mgr.vifs[DOWN] = (ManagedIface) { .active = true, .ifindex = 8, .name = "lan0", .addr = DOWN_ADDR };
        n_sent = 0;
        n_trace = 0;
        log_setup(LOG_TARGET_CONSOLE);
        log_max_level = LOG_DEBUG;
        log_trace_packets = true;
        log_set_sink(sink, NULL);
        /* Whatever proxy_new() queued is not what these tests look at. */
        proxy_effects_clear(mgr.proxy);
}

static void teardown(void) {
        for (size_t i = 0; i < n_sent; i++)
                free(sent[i].msg);
        log_set_sink(NULL, NULL);
        free(mgr.v3_records);
        free(mgr.v3_sources);
        proxy_free(mgr.proxy);
        sd_event_unref(mgr.event);
}

static Effect *push(EffectType type) {
        Effect *e = effect_push(mgr.proxy, type);

        ck_assert_ptr_nonnull(e);
        return e;
}

static void push_query(int version, in4_t group, bool s_flag, uint16_t n_sources) {
        Effect *e = push(EFFECT_SEND_QUERY);

        e->vif = DOWN;
        e->dst = group ? group : IN4(224, 0, 0, 1);
        e->group = group;
        e->version = (uint8_t) version;
        e->max_resp = USEC_PER_SEC;
        e->qrv = 2;
        e->qqi = 125 * USEC_PER_SEC;
        e->s_flag = s_flag;
        e->n_sources = n_sources;
}

static void push_record(EffectType type, uint8_t version, uint8_t record, in4_t group, uint16_t n_sources, bool more) {
        Effect *e = push(type);

        e->vif = UP;
        e->group = group;
        e->version = version;
        e->record = record;
        e->n_sources = n_sources;
        e->more = more;
}

static void push_source(in4_t s) {
        push(EFFECT_SOURCE)->source = s;
}

static void push_event(void) {
        Effect *e = push(EFFECT_EVENT);

        e->event = EVENT_REFRESH_SKIPPED;
}

static void assert_sent(size_t i, int ifindex, in4_t src, in4_t dst, const uint8_t *want, size_t len) {
        ck_assert_uint_lt(i, n_sent);
        ck_assert_int_eq(sent[i].ifindex, ifindex);
        ck_assert_uint_eq(sent[i].src, src);
        ck_assert_uint_eq(sent[i].dst, dst);
        ck_assert_uint_eq(sent[i].len, len);
        ck_assert_mem_eq(sent[i].msg, want, len);
}

/* ---- queries ------------------------------------------------------------------------ */

START_TEST(test_query_with_sources) {
        const in4_t src[] = { S1, S2 };
        uint8_t want[64];
        IgmpMessage m;
        int len;

        push_query(3, G1, true, 2);
        push_source(S1);
        push_source(S2);
        manager_apply_effects(&mgr);

        len = igmp_build_query_sources(want, sizeof want, 3, G1, USEC_PER_SEC, 2, 125 * USEC_PER_SEC, true, src, 2);
        ck_assert_int_eq(len, 20);
        ck_assert_uint_eq(n_sent, 1);
        assert_sent(0, 8, DOWN_ADDR, G1, want, 20);
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert(m.s_flag);
        ck_assert_uint_eq(m.n_sources, 2);
        ck_assert_uint_eq(igmp_query_source(&m, 0), S1);
        ck_assert_uint_eq(igmp_query_source(&m, 1), S2);
        ck_assert_uint_eq(n_trace, 1);
        ck_assert_str_eq(trace[0], "Sent IGMPv3 group-and-source-specific query for 232.1.1.1 to 232.1.1.1 on "
                                   "lan0, 2 source(s), S flag");
}
END_TEST

START_TEST(test_query_s_flag_only) {
        uint8_t want[64];
        int len;

        push_query(3, G1, true, 0);
        push_query(3, 0, false, 0);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 2);
        len = igmp_build_query_sources(want, sizeof want, 3, G1, USEC_PER_SEC, 2, 125 * USEC_PER_SEC, true, NULL, 0);
        ck_assert_int_eq(len, 12);
        assert_sent(0, 8, DOWN_ADDR, G1, want, 12);
        ck_assert_uint_eq(sent[0].msg[8], 0x0a);
        /* The general query: the bytes igmp_build_query() made before source lists. */
        len = igmp_build_query(want, sizeof want, 3, 0, USEC_PER_SEC, 2, 125 * USEC_PER_SEC);
        assert_sent(1, 8, DOWN_ADDR, IN4(224, 0, 0, 1), want, (size_t) len);
        ck_assert_str_eq(trace[0], "Sent IGMPv3 group-specific query for 232.1.1.1 to 232.1.1.1 on lan0, 0 source(s), "
                                   "S flag");
        ck_assert_str_eq(trace[1], "Sent IGMPv3 general query for 0.0.0.0 to 224.0.0.1 on lan0, 0 source(s)");
}
END_TEST

/* Fewer sources than n_sources (the core lost some): those that came are asked for; the
 * effect after the short chain is carried out as usual. */
START_TEST(test_query_short_chain) {
        IgmpMessage m;

        push_query(3, G1, false, 3);
        push_source(S1);
        push_source(S2);
        push_query(2, G2, false, 0);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 2);
        ck_assert_uint_eq(sent[0].len, 20);
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert(!m.s_flag);
        ck_assert_uint_eq(m.n_sources, 2);
        ck_assert_uint_eq(igmp_query_source(&m, 1), S2);
        ck_assert_uint_eq(sent[1].len, 8);
        ck_assert_int_eq(igmp_parse(sent[1].msg, sent[1].len, &m, NULL), 0);
        ck_assert_uint_eq(m.version, 2);
        ck_assert_uint_eq(m.group, G2);
}
END_TEST

/* Every source lost: a query about the whole group would be another question; not sent. */
START_TEST(test_query_chain_lost) {
        push_query(3, G1, true, 2);
        push_event();
        push_source(S3); /* an orphan after the event: not this query's */
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 0);
}
END_TEST

/* At most n_sources are taken: a source after them is an orphan, ignored. */
START_TEST(test_query_chain_longer) {
        IgmpMessage m;

        push_query(3, G1, false, 1);
        push_source(S1);
        push_source(S2);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert_uint_eq(m.n_sources, 1);
        ck_assert_uint_eq(igmp_query_source(&m, 0), S1);
}
END_TEST

/* v1/v2 queries have no S flag and no sources (RFC 2236 2): sent as they always were. */
START_TEST(test_query_v2_ignores_sources) {
        uint8_t want[8];

        push_query(2, G1, true, 2);
        push_source(S1);
        push_source(S2);
        push_query(1, 0, true, 0);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 2);
        ck_assert_int_eq(igmp_build_query(want, sizeof want, 2, G1, USEC_PER_SEC, 0, 0), 8);
        assert_sent(0, 8, DOWN_ADDR, G1, want, 8);
        ck_assert_int_eq(igmp_build_query(want, sizeof want, 1, 0, 0, 0, 0), 8);
        assert_sent(1, 8, DOWN_ADDR, IN4(224, 0, 0, 1), want, 8);
        ck_assert_str_eq(trace[0], "Sent IGMPv2 group-specific query for 232.1.1.1 to 232.1.1.1 on lan0");
}
END_TEST

/* ---- v3 reports ----------------------------------------------------------------------- */

/* IS_IN(232.1.1.1, {198.18.0.1, 198.18.0.2}) and BLOCK(232.1.1.2, {198.18.0.3}), as in
 * test-igmp-packet.c (checksum 0xb2b5 computed by hand). */
static const uint8_t pkt_v3_sources[] = {
        0x22, 0x00, 0xb2, 0xb5, 0x00, 0x00, 0x00, 0x02,
        0x01, 0x00, 0x00, 0x02, 0xe8, 0x01, 0x01, 0x01,
        0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02,
        0x06, 0x00, 0x00, 0x01, 0xe8, 0x01, 0x01, 0x02,
        0xc6, 0x12, 0x00, 0x03,
};

/* Two records with their sources, an event between them: one packet to 224.0.0.22. */
START_TEST(test_report_records_with_sources) {
        push_record(EFFECT_SEND_REPORT, 3, IGMP_MODE_IS_INCLUDE, G1, 2, true);
        push_source(S1);
        push_source(S2);
        push_event();
        push_record(EFFECT_SEND_REPORT, 3, IGMP_BLOCK_OLD_SOURCES, G2, 1, false);
        push_source(S3);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        assert_sent(0, 7, UP_ADDR, IN4(224, 0, 0, 22), pkt_v3_sources, sizeof pkt_v3_sources);
        ck_assert_uint_eq(n_trace, 1);
        ck_assert_str_eq(trace[0], "Sent IGMPv3 report for 232.1.1.2 to 224.0.0.22 on vlan2, 2 record(s), 3 source(s), "
                                   "last record type 6");
}
END_TEST

/* Source-less records: exactly the bytes of before (test-igmp-packet.c pkt_v3_two_records,
 * checksum 0xf8f6 computed by hand). */
START_TEST(test_report_any_source_bytes) {
        static const uint8_t want[] = {
                0x22, 0x00, 0xf8, 0xf6, 0x00, 0x00, 0x00, 0x02,
                0x02, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x03,
                0x03, 0x00, 0x00, 0x00, 0xef, 0x00, 0x00, 0x01,
        };
        static const uint8_t join[] = { 0x22, 0x00, 0xe8, 0xf9, 0x00, 0x00, 0x00, 0x01,
                                        0x04, 0x00, 0x00, 0x00, 0xef, 0x01, 0x02, 0x03 };

        push_record(EFFECT_SEND_REPORT, 3, IGMP_MODE_IS_EXCLUDE, G3, 0, true);
        push_record(EFFECT_SEND_LEAVE, 3, IGMP_CHANGE_TO_INCLUDE, IN4(239, 0, 0, 1), 0, false);
        push_record(EFFECT_SEND_REPORT, 3, IGMP_CHANGE_TO_EXCLUDE, G3, 0, false);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 2);
        assert_sent(0, 7, UP_ADDR, IN4(224, 0, 0, 22), want, sizeof want);
        assert_sent(1, 7, UP_ADDR, IN4(224, 0, 0, 22), join, sizeof join);
}
END_TEST

/* A v3 leave record with sources (TO_IN of a source list) is a record like any other. */
START_TEST(test_leave_record_with_sources) {
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        push_record(EFFECT_SEND_LEAVE, 3, IGMP_CHANGE_TO_INCLUDE, G1, 1, false);
        push_source(S2);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        ck_assert_uint_eq(sent[0].dst, IN4(224, 0, 0, 22));
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_CHANGE_TO_INCLUDE);
        ck_assert_uint_eq(rec.n_sources, 1);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), S2);
}
END_TEST

/* A record whose sources were all lost is left out (TO_IN({}) would be a leave); a record
 * with part of its sources keeps those; the packet goes out with the rest. */
START_TEST(test_report_records_lost_sources) {
        IgmpMessage m;
        IgmpRecord rec;
        size_t cur = 0;

        push_record(EFFECT_SEND_REPORT, 3, IGMP_CHANGE_TO_INCLUDE, G1, 2, true);
        push_record(EFFECT_SEND_REPORT, 3, IGMP_ALLOW_NEW_SOURCES, G2, 3, true);
        push_source(S1);
        push_record(EFFECT_SEND_REPORT, 3, IGMP_MODE_IS_EXCLUDE, G3, 0, false);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, 2);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.type, IGMP_ALLOW_NEW_SOURCES);
        ck_assert_uint_eq(rec.group, G2);
        ck_assert_uint_eq(rec.n_sources, 1);
        ck_assert_uint_eq(igmp_record_source(&rec, 0), S1);
        ck_assert_int_eq(igmp_record_next(&m, &cur, &rec), 1);
        ck_assert_uint_eq(rec.group, G3);
        ck_assert_uint_eq(rec.n_sources, 0);
}
END_TEST

/* The closing record was lost: what came goes out at the end of the batch, not merged into
 * the next batch's packet. */
START_TEST(test_report_closing_record_lost) {
        IgmpMessage m;

        push_record(EFFECT_SEND_REPORT, 3, IGMP_MODE_IS_INCLUDE, G1, 1, true);
        push_source(S1);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        ck_assert_int_eq(igmp_parse(sent[0].msg, sent[0].len, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, 1);

        push_record(EFFECT_SEND_REPORT, 3, IGMP_MODE_IS_EXCLUDE, G3, 0, false);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 2);
        ck_assert_int_eq(igmp_parse(sent[1].msg, sent[1].len, &m, NULL), 0);
        ck_assert_uint_eq(m.n_records, 1);
}
END_TEST

/* v1/v2 reports are any-source: a chain after one is ignored; orphan sources alone do
 * nothing. */
START_TEST(test_v2_report_and_orphans) {
        static const uint8_t v2_report[] = { 0x16, 0x00, 0xfa, 0xfd, 0xef, 0x00, 0x00, 0x01 };

        push_source(S1);
        push_source(S2);
        push_record(EFFECT_SEND_REPORT, 2, IGMP_CHANGE_TO_EXCLUDE, IN4(239, 0, 0, 1), 2, false);
        push_source(S1);
        push_source(S2);
        manager_apply_effects(&mgr);
        ck_assert_uint_eq(n_sent, 1);
        assert_sent(0, 7, UP_ADDR, IN4(239, 0, 0, 1), v2_report, sizeof v2_report);
        ck_assert_str_eq(trace[0], "Sent IGMPv2 report for 239.0.0.1 to 239.0.0.1 on vlan2");
}
END_TEST

static Suite *manager_effects_suite(void) {
        Suite *s = suite_create("manager-effects");
        TCase *tc;

        tc = tcase_create("queries");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_query_with_sources);
        tcase_add_test(tc, test_query_s_flag_only);
        tcase_add_test(tc, test_query_short_chain);
        tcase_add_test(tc, test_query_chain_lost);
        tcase_add_test(tc, test_query_chain_longer);
        tcase_add_test(tc, test_query_v2_ignores_sources);
        suite_add_tcase(s, tc);

        tc = tcase_create("reports");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_report_records_with_sources);
        tcase_add_test(tc, test_report_any_source_bytes);
        tcase_add_test(tc, test_leave_record_with_sources);
        tcase_add_test(tc, test_report_records_lost_sources);
        tcase_add_test(tc, test_report_closing_record_lost);
        tcase_add_test(tc, test_v2_report_and_orphans);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return run_suite(manager_effects_suite());
}
