/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources-check.h - what the two source-list suites (test-sources.c,
 * test-sources-proxy.c) share: the addresses, RFC 3376's default timers and
 * the assertions on a link's state, on queries and on upstream records.
 * Static inline: each suite includes it once.
 */
#pragma once

#include <check.h>
#include <stdio.h>

#include "fake-clock.h"

#define G1 IN4(239, 1, 1, 1)
#define G2 IN4(239, 2, 2, 2)
/* Sources on the upstream subnet (198.18.0.0/24), so routes to them are allowed. */
#define S1 IN4(198, 18, 0, 11)
#define S2 IN4(198, 18, 0, 12)
#define S3 IN4(198, 18, 0, 13)
#define S4 IN4(198, 18, 0, 14)
#define S5 IN4(198, 18, 0, 15)

/* RFC 3376 8: the defaults (Robustness 2, Query Interval 125 s, Query
 * Response Interval 10 s, Last Member Query Interval 1 s, Last Member Query
 * Count = Robustness). */
#define QI SEC(125)
#define QRI SEC(10)
#define GMI (2 * QI + QRI) /* 8.4: 260 s */
#define LMQI SEC(1)
#define LMQT (2 * LMQI)    /* 8.14: 2 s */

#define TX (T0 + SEC(5))
#define T1 (T0 + SEC(10))
#define T2 (T0 + SEC(20))
#define T3 (T0 + SEC(30))
#define T4 (T0 + SEC(40))

#define IS_IN IGMP_MODE_IS_INCLUDE
#define IS_EX IGMP_MODE_IS_EXCLUDE
#define TO_IN IGMP_CHANGE_TO_INCLUDE
#define TO_EX IGMP_CHANGE_TO_EXCLUDE
#define ALLOW IGMP_ALLOW_NEW_SOURCES
#define BLOCK IGMP_BLOCK_OLD_SOURCES
#define INCLUDE IGMP_MODE_IS_INCLUDE
#define EXCLUDE IGMP_MODE_IS_EXCLUDE

/* One v3 record for G1 from host on vlan10 / from HOST_C on vlan20; REPORT: from HOST_A. */
#define DOWN(l, host, type, ...) lab_v3_record_src(l, LAB_DOWN_IFINDEX, host, type, G1, __VA_ARGS__)
#define DOWN2(l, type, ...) lab_v3_record_src(l, LAB_DOWN2_IFINDEX, HOST_C, type, G1, __VA_ARGS__)
#define REPORT(l, type, ...) DOWN(l, HOST_A, type, __VA_ARGS__)

/* A list of sources, as (pointer, count) arguments. */
#define SRCS(...) ((const in4_t[]) { __VA_ARGS__ }), (uint16_t) (sizeof((const in4_t[]) { __VA_ARGS__ }) / sizeof(in4_t))
#define NO_SRCS NULL, 0

typedef struct Want {
        in4_t addr;
        usec_t expires;
} Want;
#define WANT(...) ((const Want[]) { __VA_ARGS__ }), (sizeof((const Want[]) { __VA_ARGS__ }) / sizeof(Want))

static inline Config sources_config(void) {
        Config c;

        config_init_defaults(&c);
        c.refresh = REFRESH_NO; /* no refresh reports among the ones counted */
        return c;
}

/* Milliseconds after T0, for messages. */
static inline long long rel_ms(usec_t t) {
        return t == 0 ? -1 : ((long long) t - (long long) T0) / 1000;
}

/* The state of g on vif is exactly: mode, group timer, these sources (in
 * address order) with these source timers. */
static inline void check_state_at(const Lab *l, int vif, in4_t g, uint8_t mode, usec_t group_timer, const Want *w,
                                  size_t n, int line) {
        static LabLinkState s;

        lab_link_state(l, vif, g, &s);
        ck_assert_msg(s.present, "line %d: no state for the group on vif %d", line, vif);
        ck_assert_msg(s.mode == mode, "line %d: filter mode %u, want %u", line, s.mode, mode);
        ck_assert_msg(s.group_timer == group_timer, "line %d: group timer T0+%lld ms, want T0+%lld ms", line,
                      rel_ms(s.group_timer), rel_ms(group_timer));
        ck_assert_msg(s.n == n, "line %d: %zu sources, want %zu", line, s.n, n);
        for (size_t k = 0; k < n; k++)
                ck_assert_msg(s.src[k].addr == w[k].addr && s.src[k].expires == w[k].expires,
                              "line %d: source %zu is .%u timer T0+%lld ms, want .%u timer T0+%lld ms", line, k,
                              s.src[k].addr & 0xff, rel_ms(s.src[k].expires), w[k].addr & 0xff,
                              rel_ms(w[k].expires));
}
#define check_state(l, vif, g, mode, gt, ...) check_state_at(l, vif, g, mode, gt, __VA_ARGS__, __LINE__)

static inline void check_no_state_at(const Lab *l, int vif, in4_t g, int line) {
        static LabLinkState s;

        lab_link_state(l, vif, g, &s);
        ck_assert_msg(!s.present, "line %d: vif %d still has state for the group (mode %u, %zu sources)", line, vif,
                      s.mode, s.n);
        ck_assert_msg(!proxy_group_has_listener(l->p, vif, g), "line %d: still listening", line);
}
#define check_no_state(l, vif, g) check_no_state_at(l, vif, g, __LINE__)

static inline bool same_list(const in4_t *a, size_t na, const in4_t *b, size_t nb) {
        if (na != nb)
                return false;
        for (size_t k = 0; k < na; k++)
                if (a[k] != b[k])
                        return false;
        return true;
}

/* q is a v3 query sent at 'at' to the group, with this S flag and exactly
 * these sources (none: Q(G)), Max Resp Time LMQI. */
static inline void check_query_at(const LabQuery *q, in4_t g, usec_t at, bool s_flag, const in4_t *src, size_t n,
                                  int line) {
        ck_assert_msg(q->at == at, "line %d: query at T0+%lld ms, want T0+%lld ms", line, rel_ms(q->at), rel_ms(at));
        ck_assert_msg(q->dst == g, "line %d: query not sent to the group", line);
        ck_assert_msg(q->version == 3, "line %d: query version %u", line, q->version);
        ck_assert_msg(q->s_flag == s_flag, "line %d: S flag %d, want %d", line, q->s_flag, s_flag);
        ck_assert_msg(q->max_resp == LMQI, "line %d: max resp %llu", line, (unsigned long long) q->max_resp);
        ck_assert_msg(same_list(q->src, q->n, src, n), "line %d: %zu sources (first .%u), want %zu (first .%u)", line,
                      q->n, q->n ? q->src[0] & 0xff : 0, n, n ? src[0] & 0xff : 0);
}
#define check_query(q, g, at, s, ...) check_query_at(q, g, at, s, __VA_ARGS__, __LINE__)

/* An upstream record: its type (IgmpRecordType) and exactly these sources. */
static inline void check_up_record_at(const LabUpRecord *r, uint8_t record, const in4_t *src, size_t n, int line) {
        ck_assert_msg(r->record == record, "line %d: record type %u, want %u", line, r->record, record);
        ck_assert_msg(r->version == 3, "line %d: version %u", line, r->version);
        ck_assert_msg(same_list(r->src, r->n, src, n), "line %d: %zu sources (first .%u), want %zu (first .%u)", line,
                      r->n, r->n ? r->src[0] & 0xff : 0, n, n ? src[0] & 0xff : 0);
}
#define check_up_record(r, rec, ...) check_up_record_at(r, rec, __VA_ARGS__, __LINE__)

/* INCLUDE (A), A = {S1, S2} with source timers T1 + GMI. */
static inline void start_include(Lab *l) {
        lab_advance_to(l, T1);
        REPORT(l, IS_IN, SRCS(S1, S2));
        check_state(l, l->down, G1, INCLUDE, 0, WANT({ S1, T1 + GMI }, { S2, T1 + GMI }));
}

/* EXCLUDE (X, Y), X = {S1, S2} (timers TX + GMI), Y = {S3, S4}, group timer
 * T1 + GMI: INCLUDE (X) at TX, then IS_EX (X+Y) at T1 (6.4.1: INCLUDE (A) +
 * IS_EX (B) = EXCLUDE (A*B, B-A)). */
static inline void start_exclude(Lab *l) {
        lab_advance_to(l, TX);
        REPORT(l, IS_IN, SRCS(S1, S2));
        lab_advance_to(l, T1);
        REPORT(l, IS_EX, SRCS(S1, S2, S3, S4));
        check_state(l, l->down, G1, EXCLUDE, T1 + GMI,
                    WANT({ S1, TX + GMI }, { S2, TX + GMI }, { S3, 0 }, { S4, 0 }));
}

/* Queries for g on vlan10 from 'from' on. */
static inline size_t queries(const Lab *l, in4_t g, usec_t from, LabQuery *q, size_t max) {
        return lab_queries(l, g, l->down, from, USEC_INFINITY, q, max);
}
