/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-clock.h - drives the core with a simulated monotonic clock for the
 * unit tests: time moves only when a test says so, every timer fires at its
 * exact deadline, and every effect is recorded with the time it happened.
 */
#pragma once

#include "core.h"

#define LAB_UP_IFINDEX 2
#define LAB_DOWN_IFINDEX 3
#define LAB_DOWN2_IFINDEX 4
#define LAB_UP_ADDR IN4(198, 18, 0, 2)
#define LAB_DOWN_ADDR IN4(198, 18, 1, 1)
#define LAB_DOWN2_ADDR IN4(198, 18, 2, 1)
#define HOST_A IN4(198, 18, 1, 11)
#define HOST_B IN4(198, 18, 1, 12)
#define HOST_C IN4(198, 18, 2, 13)

typedef struct Rec {
        usec_t at;
        Effect e;
} Rec;

#define LAB_MAX_KROUTES 4096
typedef struct FakeRoute {
        in4_t source, group;
        uint64_t packets;
        usec_t last;           /* when it last forwarded */
} FakeRoute;

typedef struct Lab {
        Config cfg;
        Proxy *p;
        usec_t now;
        int up, down, down2;
        Rec *recs;
        size_t n_recs, cap_recs;
        /* the fake kernel's routes, from the MFC effects, answering EFFECT_ACTIVITY_POLL */
        FakeRoute kroutes[LAB_MAX_KROUTES];
        size_t n_kroutes;
        bool stream_flowing;      /* set with lab_stream() */
        in4_t flowing_source;     /* its routes forward even while the stream is stopped (0: none) */
        bool idle_unknown;        /* answer like the SIOCGETSGCNT fallback: no idle ages */
        bool kernel_hides_routes; /* answer with no route at all (the kernel lost them) */
        size_t activity_polls;
} Lab;

/* cfg is copied; the lab starts at t = 1000 s with upstream and one
 * downstream (and a second if 'second' is set). */
void lab_init(Lab *l, const Config *cfg, bool second);
/* Same with the IfaceConfig of the upstream (vlan2) and first downstream
 * (vlan10); NULL keeps the default one (no filters, no altnets). Both must
 * outlive the lab. */
void lab_init_ifaces(Lab *l, const Config *cfg, bool second, const IfaceConfig *up_ic, const IfaceConfig *down_ic);
void lab_done(Lab *l);
/* Moves the clock to t, firing every timer due on the way at its deadline. */
void lab_advance_to(Lab *l, usec_t t);
void lab_advance(Lab *l, usec_t delta);
/* Moves the recorded effects of the core into l->recs. */
void lab_collect(Lab *l);
void lab_clear(Lab *l);

/* Inputs, at the lab's current time. */
/* Every route of the fake kernel forwards (or stops, stamping the moment). */
void lab_stream(Lab *l, bool flowing);
void lab_report(Lab *l, int ifindex, in4_t src, in4_t group, int version);
void lab_leave(Lab *l, int ifindex, in4_t src, in4_t group, int version);
void lab_v3_record(Lab *l, int ifindex, in4_t src, uint8_t type, in4_t group, uint16_t n_sources);
void lab_query(Lab *l, int ifindex, in4_t src, int version, in4_t group, usec_t max_resp);
/* One IGMPv3 group record (type 1..6) with exactly these sources, in this order. */
void lab_v3_record_src(Lab *l, int ifindex, in4_t src, uint8_t type, in4_t group, const in4_t *sources,
                       uint16_t n);
/* An IGMPv3 group-specific (n 0) or group-and-source-specific query from src, QRV 2, QQI 125 s. */
void lab_query_src(Lab *l, int ifindex, in4_t src, in4_t group, usec_t max_resp, bool s_flag, const in4_t *sources,
                   uint16_t n);

/* The IP header of a fake packet, for the validation rules (RFC 2236 2, RFC 3376 4 and 9):
 * LAB_IP(src) is what a well-behaved sender puts there (TTL 1, Router Alert); change ttl or
 * clear router_alert to make a bad one. */
typedef struct LabIp {
        in4_t src;
        uint8_t ttl;
        bool router_alert;
} LabIp;
#define LAB_IP(s) ((LabIp) { .src = (s), .ttl = 1, .router_alert = true })
/* A query with every field given (v3: qrv and qqi as sent; max_resp 0 is Max Resp Code 0). */
void lab_query_ip(Lab *l, int ifindex, LabIp ip, int version, in4_t group, usec_t max_resp, uint8_t qrv,
                  usec_t qqi);
void lab_report_ip(Lab *l, int ifindex, LabIp ip, in4_t group, int version);

/* Queries of the records. */
size_t lab_count(const Lab *l, EffectType type, in4_t group);
size_t lab_count_event(const Lab *l, EventType ev, in4_t group);
const Rec *lab_find(const Lab *l, EffectType type, in4_t group, size_t nth);
const Rec *lab_find_event(const Lab *l, EventType ev, in4_t group, size_t nth);

/* Stricter queries: group must match exactly unless LAB_ANY_GROUP (so 0 means
 * "general query"), vif must match unless LAB_ANY_VIF, time in [from, to). */
#define LAB_ANY_GROUP ((in4_t) 0xffffffffU)
#define LAB_ANY_VIF (-1000)
#define LAB_ALWAYS 0, USEC_INFINITY
size_t lab_count_in(const Lab *l, EffectType type, in4_t group, int vif, usec_t from, usec_t to);
size_t lab_count_event_in(const Lab *l, EventType ev, in4_t group, usec_t from, usec_t to);
/* nth (from 0) matching record, NULL if there are fewer. */
const Rec *lab_nth(const Lab *l, EffectType type, in4_t group, int vif, size_t nth);
const Rec *lab_nth_event(const Lab *l, EventType ev, in4_t group, size_t nth);

/* The router-side state of group on one link, as proxy_foreach_member() shows it. */
#define LAB_MAX_SOURCES 300
typedef struct LabSource {
        in4_t addr;
        usec_t expires;        /* source timer, 0 = not running */
        bool forwarded;
} LabSource;
typedef struct LabLinkState {
        bool present;          /* the link has state for the group */
        uint8_t mode;          /* IGMP_MODE_IS_INCLUDE / _EXCLUDE */
        usec_t group_timer;    /* 0 = not running */
        bool listening;
        uint8_t compat;        /* group compatibility mode (RFC 3376 7.3.2) */
        size_t n_hosts;
        bool untracked;
        size_t n;              /* sources (all of them; at most LAB_MAX_SOURCES kept in src) */
        LabSource src[LAB_MAX_SOURCES];
} LabLinkState;
void lab_link_state(const Lab *l, int vif, in4_t group, LabLinkState *ret);

/* A query as recorded: the EFFECT_SEND_QUERY and the EFFECT_SOURCE chain after it. */
#define LAB_MAX_LIST 32
typedef struct LabQuery {
        usec_t at;
        in4_t dst;
        uint8_t version;
        bool s_flag;
        usec_t max_resp;
        size_t n;              /* n_sources (at most LAB_MAX_LIST kept in src) */
        in4_t src[LAB_MAX_LIST];
} LabQuery;
/* The queries for group (0: general) on vif in [from, to), in order; returns how many (fills up to max). */
size_t lab_queries(const Lab *l, in4_t group, int vif, usec_t from, usec_t to, LabQuery *ret, size_t max);

/* A record sent upstream (EFFECT_SEND_REPORT or EFFECT_SEND_LEAVE) with its sources. */
typedef struct LabUpRecord {
        usec_t at;
        EffectType type;
        uint8_t version;
        uint8_t record;
        bool more;
        size_t n;
        in4_t src[LAB_MAX_LIST];
} LabUpRecord;
size_t lab_up_records(const Lab *l, in4_t group, usec_t from, usec_t to, LabUpRecord *ret, size_t max);

#define SEC(x) ((usec_t) ((x) * (double) USEC_PER_SEC))
#define MSEC(x) ((usec_t) (x) * USEC_PER_MSEC)
#define T0 SEC(1000)
