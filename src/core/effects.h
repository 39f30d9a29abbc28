/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * effects.h - what the core asks the outside world to do.
 *
 * The core (membership.c, querier.c, proxy.c) never touches a socket or the
 * kernel: every input call appends Effect records to a queue that the glue
 * (manager.c) drains in order. Sends and MFC changes are effects; so are
 * events, which the glue turns into log lines, journal fields and (later)
 * D-Bus signals. Interfaces are named by their VIF index ("slot"), which the
 * core assigns and the glue uses verbatim in MRT_ADD_VIF / mfcc_ttls.
 */
#pragma once

#include "util.h"

typedef enum EffectType {
        EFFECT_SEND_QUERY,   /* vif, dst, group (0 = general), version, max_resp, qrv, qqi, s_flag;
                                v3 group-and-source-specific: n_sources EFFECT_SOURCE follow */
        EFFECT_SEND_REPORT,  /* vif (upstream), group, version, record; v3: more = the next
                                EFFECT_SEND_REPORT effect is a record of the same packet; v3
                                source-list records: n_sources EFFECT_SOURCE follow */
        EFFECT_SEND_LEAVE,   /* vif (upstream), group, version (2 or 3), record */
        EFFECT_MFC_SET,      /* source, group, vif = input VIF, out_mask = output VIFs */
        EFFECT_MFC_DEL,      /* source, group, vif = input VIF */
        EFFECT_ACTIVITY_POLL, /* glue reads every route's packet count and last use (one dump),
                                 calls proxy_route_counters() for each, then
                                 proxy_activity_done() */
        EFFECT_EVENT,        /* event, vif, group, source, version, count */
        EFFECT_SOURCE,       /* source: one source address of the query or report record right
                                before it (see Effect.n_sources) */
        _EFFECT_TYPE_MAX,
} EffectType;

typedef enum EventType {
        EVENT_MEMBER_JOINED,     /* a downstream interface gained its first listener of group */
        EVENT_MEMBER_LEFT,       /* ... lost its last one (count: EventLeaveReason) */
        EVENT_UPSTREAM_JOINED,   /* group joined upstream (first report sent) */
        EVENT_UPSTREAM_LEFT,     /* group left upstream (count: 1 a leave was sent, 0 none could be:
                                    the upstream interface is gone) */
        EVENT_REFRESH_CYCLE,     /* a refresh cycle completed; count = reports sent */
        EVENT_REFRESH_SKIPPED,   /* auto mode: an upstream querier is present */
        EVENT_ROUTE_ADDED,       /* (S,G) forwarded (vif: where it arrives; count: output VIFs) */
        EVENT_ROUTE_REMOVED,     /* (S,G) no longer forwarded (vif: where it arrived) */
        EVENT_ROUTE_REJECTED,    /* (S,G) not forwarded: on the upstream vif, a source outside the
                                    upstream subnet and altnets; on a downstream vif, a sender there
                                    (count: RouteRejectReason) */
        EVENT_QUERIER_LOST,      /* another querier with a lower address took over (source) */
        EVENT_QUERIER_RESUMED,   /* other querier timed out, we query again */
        EVENT_GROUP_LIMIT,       /* a report dropped because the interface's group cap is reached */
        EVENT_UPSTREAM_QUERY,    /* an IGMP query was heard upstream (version) */
        EVENT_STREAM_STALLED,    /* a listened group got no packet for StallTimeoutSec: reported
                                    upstream again (count: stalls so far) */
        EVENT_GROUP_SILENT,      /* a joined group carried no stream in its first StallTimeoutSec:
                                    it cannot stall (said once) */
        EVENT_UPSTREAM_VERSION,  /* the version of our upstream reports changed (count: new version;
                                    source: the querier that made it older, 0 when a timer ran out) */
        EVENT_OLDER_QUERIER,     /* an IGMPv1/v2 querier (source) was heard on a downstream link: our
                                    queries there use its version (count) for a while (RFC 3376 7.3.1) */
        _EVENT_TYPE_MAX,
} EventType;

typedef enum EventLeaveReason {
        LEAVE_REASON_QUICKLEAVE,  /* last known host left (quickleave) */
        LEAVE_REASON_TIMEOUT,     /* group membership timer expired */
        LEAVE_REASON_QUERY,       /* no answer to group-specific queries */
        LEAVE_REASON_INTERFACE,   /* the interface went away */
        LEAVE_REASON_FILTER,      /* a reloaded configuration forbids the group */
        _LEAVE_REASON_MAX,
} EventLeaveReason;

/* Why a downstream sender's stream got no route (EVENT_ROUTE_REJECTED on a downstream vif). */
typedef enum RouteRejectReason {
        ROUTE_REJECT_OFF_LINK,    /* its source is not on the link's subnet */
        ROUTE_REJECT_LIMIT,       /* the link has MaxGroupsPerInterface routes of senders already */
        _ROUTE_REJECT_MAX,
} RouteRejectReason;

typedef struct Effect {
        EffectType type;
        EventType event;
        int vif;
        in4_t dst;
        in4_t group;
        in4_t source;
        uint8_t version;
        uint8_t qrv;
        uint8_t record;      /* reports and leaves: the IGMPv3 record type that says what it is
                                (MODE_IS_EXCLUDE/INCLUDE: answer or refresh; CHANGE_TO_EXCLUDE:
                                join; CHANGE_TO_INCLUDE: leave, or a change to a source list;
                                ALLOW_NEW_SOURCES / BLOCK_OLD_SOURCES: source-list changes), set
                                whatever the version (v1/v2 reports are any-source joins) */
        bool more;           /* v3 report records: another record of the same packet follows
                                (after this record's EFFECT_SOURCE effects) */
        bool s_flag;         /* v3 queries: Suppress Router-Side Processing (RFC 3376 4.1.5) */
        uint16_t n_sources;  /* queries (v3 group-and-source-specific) and v3 report records: this
                                many EFFECT_SOURCE effects follow, one source each, in order. If
                                effects were lost (out of memory) fewer may follow: the glue takes
                                the consecutive EFFECT_SOURCE effects it finds, at most n_sources */
        usec_t max_resp;
        usec_t qqi;
        uint32_t out_mask;
        uint64_t count;
} Effect;

const char *effect_type_to_string(EffectType t);
const char *event_type_to_string(EventType t);
const char *leave_reason_to_string(EventLeaveReason r);
