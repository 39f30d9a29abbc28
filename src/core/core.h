/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core.h - the core's internal state and the calls between its files. Not an
 * API: only the core files and the unit tests include it (the glue uses
 * proxy.h).
 *
 * The files, bottom up; each calls only files listed above it
 * (docs/ARCHITECTURE.md draws the graph):
 *   effects.c    the output queue
 *   timerq.c     the deadline heap (timerq.h)
 *   querier.c    downstream: general and group-specific queries, election
 *   membership.c downstream: per-link, per-group listener state, quickleave
 *   groups.c     upstream: the table of groups, the upstream filter
 *   routes.c     forwarding: (S,G) routes, pending sources
 *   upstream.c   upstream: the host side (reports, repeats, answers, leaves)
 *   stall.c      the stream stall watch
 *   activity.c   reading the kernel's counters: stall watch and idle routes
 *   refresh.c    the Movistar+ refresh cycle
 *   proxy.c      the RFC 4605 merge and the entry points
 *   views.c      read-only accessors
 *   reload.c     proxy_set_config()
 */
#pragma once

#include "proxy.h"
#include "timerq.h"
#include "hash.h"

/* What owns a timer; proxy_run_timers() dispatches on it. */
enum {
        TIMER_QUERY,          /* Iface.query_timer: next general (startup) query */
        TIMER_OTHER_QUERIER,  /* Iface.other_querier_timer */
        TIMER_MEMBER,         /* Member.timer: group membership timer */
        TIMER_MEMBER_LMQ,     /* Member.lmq_timer: next group(-and-source)-specific query */
        TIMER_MEMBER_SOURCE,  /* Member.src_timer: a source timer runs out */
        TIMER_JOIN_REPEAT,    /* UpGroup.repeat_timer: state-change (join/leave) retransmission */
        TIMER_RESPONSE,       /* UpGroup.response_timer: answer to an upstream query for the group */
        TIMER_UP_ANSWER,      /* UpstreamHost.answer_timer: v3 answer to a general query (one per link) */
        TIMER_UP_COMPAT,      /* UpstreamHost.compat_timer: an older-version querier timer runs out */
        TIMER_GROUP_REFRESH,  /* UpGroup.refresh_timer: Enabled=auto, the group is due for a refresh */
        TIMER_REFRESH,        /* Proxy.refresh_timer: next refresh cycle */
        TIMER_REFRESH_STEP,   /* Proxy.step_timer: next slice of a spread cycle */
        TIMER_ACTIVITY,       /* Proxy.activity_timer: read the kernel's counters (activity.c) */
};

#define container_of(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))

typedef struct Iface {
        bool used;
        int vif;
        int ifindex;
        char name[IFNAMSIZ];
        IfaceRole role;
        in4_t addr;
        uint8_t prefixlen;
        const IfaceConfig *cfg; /* filters, altnets; may be NULL (defaults) */
        /* querier (downstream) */
        bool querier;
        in4_t other_querier;
        unsigned startup_left;
        Timer query_timer;
        Timer other_querier_timer;
        uint8_t adopted_qrv;    /* non-querier: QRV of the querier's last v3 query (RFC 3376 4.1.6), 0 = ours */
        usec_t adopted_qqi;     /* non-querier: its QQI (4.1.7), 0 = ours */
        unsigned mtu;           /* queries with many sources are split to fit it */
        uint8_t older_querier;  /* 1 or 2: an older version querier was heard (7.3.1), 0 = none */
        usec_t older_until;     /* ... until then */
        size_t n_members;       /* Member entries (listening or leaving) */
        size_t n_listening;
        size_t n_routes_in;     /* routes arriving on it (routes.c) */
} Iface;

/* A source record (RFC 3376 6.2.3) of a group on one downstream link. */
typedef struct SrcRec {
        in4_t addr;
        usec_t expires;        /* source timer; 0 = not running (EXCLUDE mode: the source is blocked) */
        uint8_t retrans;       /* group-and-source-specific query retransmissions left (6.6.3.2) */
        bool lowered;          /* its timer was lowered by a query (for the leave reason) */
} SrcRec;

/* At most this many sources per list (a group on a link, the merged
 * upstream state): 256 records of 4 bytes fit one report record at any MTU
 * of 1064 bytes or more. */
#define SOURCES_MAX 256

/* Sorted by address (sources.c). */
typedef struct SourceList {
        SrcRec *v;
        uint16_t n, cap;
} SourceList;

typedef struct Host {
        in4_t addr;
        usec_t expires;
} Host;

/* A group on one downstream interface (RFC 3376 6.2.1 / RFC 2236 6): its
 * filter mode, group timer and source records (membership.c). */
typedef struct Member {
        struct Member *hnext;
        in4_t group;
        int vif;
        uint8_t mode;          /* IGMP_MODE_IS_INCLUDE or IGMP_MODE_IS_EXCLUDE */
        bool listening;        /* counts as a listener for forwarding and upstream */
        bool quick_left;       /* quickleave cut it: not listening until a report comes */
        bool queried;          /* a group-specific query round lowered its timer */
        Timer timer;           /* group timer (EXCLUDE mode) */
        Timer lmq_timer;       /* next group-specific / group-and-source-specific query retransmission */
        Timer src_timer;       /* the earliest running source timer */
        unsigned lmq_left;     /* group-specific query retransmissions left */
        usec_t v1_until;       /* older version host present (RFC 3376 7.3.2) */
        usec_t v2_until;
        SourceList src;        /* INCLUDE: the sources wanted; EXCLUDE: requested (timer running) and
                                  excluded (timer 0) */
        Host *hosts;           /* reporters seen, for quickleave */
        size_t n_hosts, cap_hosts;
        usec_t untracked_until; /* a reporter we do not track (0.0.0.0, over the cap) is present */
        uint64_t forwarding;   /* digest of what it forwards (membership.c), 0 = nothing */
} Member;

/* One (source, group) entry of the kernel's forwarding cache (routes.c). The
 * kernel holds one entry per (S,G), so does the group: a stream arriving
 * upstream, or one sent by a host on a downstream link (RFC 4605 4.2). */
typedef struct Route {
        struct Route *next;
        in4_t source;
        in4_t group;
        int vif;               /* input VIF: the upstream, or the downstream link of a sender */
        uint32_t outputs;      /* output VIFs as last given to the kernel */
        uint64_t packets;      /* the kernel's count at the last reading */
        usec_t last_packet;    /* when the kernel last forwarded (or offered) a packet of it */
        bool seen;             /* in the kernel's table at the last look */
} Route;

typedef struct UpSourceChange {
        in4_t addr;
        uint8_t left;          /* retransmissions left */
} UpSourceChange;

/* A group on the upstream side (RFC 4605 4.1: the merged membership). */
typedef struct UpGroup {
        struct UpGroup *hnext;
        in4_t group;
        uint32_t out_mask;     /* VIFs with listeners */
        bool joined;           /* reported upstream, not yet left */
        usec_t joined_at;
        usec_t last_report;
        /* the merged membership of the downstream links (RFC 4605 4.1), what is
         * reported while joined: EXCLUDE {} is the any-source join */
        uint8_t mode;          /* IGMP_MODE_IS_INCLUDE or IGMP_MODE_IS_EXCLUDE */
        in4_t *src;            /* sorted */
        uint16_t n_src;
        /* state-change retransmissions (RFC 3376 5.1): the filter mode change,
         * or per source its ALLOW/BLOCK; below v3 mode_left counts the join or
         * leave repeats */
        Timer repeat_timer;
        uint8_t mode_left;
        bool older_join;       /* an IGMPv1/v2 report of it went out since the last v3 TO_IN: the
                                  router may hold it in EXCLUDE mode (a leave is then TO_IN {}) */
        struct UpSourceChange *chg;
        uint16_t n_chg, cap_chg;
        Timer response_timer;
        in4_t *queried;        /* sources of the group-and-source-specific queries it answers */
        uint16_t n_queried;    /* 0: the answer is for the whole group */
        Timer refresh_timer;   /* Enabled=auto: last_report + IntervalSec */
        Route *routes;
        size_t n_routes;
        /* stall watch (stall.c) */
        usec_t last_packet;    /* the last packet of its streams since the join, 0 if none */
        usec_t stall_wait;     /* silence that counts as a stall now (grows while it lasts) */
        usec_t stall_reported; /* the last stall report, 0 if none since the join */
        bool silence_logged;   /* "never carried a stream" said once */
} UpGroup;

/* Sources recently seen by the kernel for groups without listeners, so that a
 * join installs its route at once instead of waiting for the kernel to retry
 * the upcall (it holds an unresolved entry for 10 s). Bounded ring. */
#define PENDING_SOURCES 64
typedef struct PendingSource {
        in4_t source, group;
        usec_t seen;
} PendingSource;

/* The host side on the upstream link (upstream.c): the querier heard there and
 * RFC 3376 7.2.1 host compatibility. */
typedef struct UpstreamHost {
        in4_t querier;         /* source of the last valid query, 0 = none */
        uint8_t version, qrv;  /* its version, QRV of its last v3 query (0 = none) */
        usec_t qqi, max_resp, last_heard;
        usec_t v1_until, v2_until; /* Older Version Querier Present timers, 0 = not running */
        int report_version;    /* what reports use now */
        Timer answer_timer;    /* v3 general query answer (RFC 3376 5.2: one interface timer) */
        Timer compat_timer;    /* fires at the earlier running Older Version Querier timer */
        unsigned mtu;
        /* the v3 current-state report being filled (records go in one packet up to the MTU) */
        uint64_t batch_gen;    /* effects_gen when it was opened */
        size_t batch_effect;   /* index of its last record in the effect queue */
        size_t batch_bytes;    /* its records' bytes so far */
        usec_t batch_time;
        bool batch_open;
} UpstreamHost;

struct Proxy {
        const Config *cfg;
        Rng rng;
        TimerQ timers;
        Iface ifaces[PROXY_MAX_VIFS];
        int upstream;          /* vif or -1 */
        HashTable members;     /* key: vif << 32 | group */
        HashTable groups;      /* key: group -> UpGroup */
        size_t n_joined;
        size_t n_listened;     /* UpGroups with out_mask != 0 */
        size_t n_routes;       /* Routes of every group (routes.c) */
        PendingSource pending[PENDING_SOURCES];
        size_t pending_next;
        /* refresh cycle */
        Timer refresh_timer;
        Timer step_timer;
        Timer activity_timer;
        bool activity_fallback; /* the glue cannot tell idle ages: look at a steady pace */
        in4_t *cycle_groups;
        size_t cycle_n, cycle_pos, cycle_per_step, cycle_sent;
        usec_t cycle_step_usec;
        size_t auto_sent;      /* Enabled=auto: refresh reports since the last cycle tick */
        UpstreamHost up;
        bool shut_down;
        ProxyStats stats;
        Effect *effects;
        size_t n_effects, cap_effects;
        uint64_t effects_gen;  /* bumped by proxy_effects_clear() */
        usec_t now;            /* the time of the input being handled (views compare with it) */
        /* membership.c tells the merge (proxy.c) through this: what group's
         * state on i forwards changed (listening or not, filter mode, sources
         * and whether their timers run); a report that only renews timers
         * does not call it */
        void (*member_changed)(Proxy *p, Iface *i, in4_t group, usec_t now);
};

/* The robustness and query interval a downstream link runs with: ours, or
 * as non-querier the querier's (RFC 3376 4.1.6, 4.1.7). */
static inline unsigned iface_robustness(const Proxy *p, const Iface *i) {
        return i->adopted_qrv ? i->adopted_qrv : p->cfg->robustness;
}
static inline usec_t iface_query_interval(const Proxy *p, const Iface *i) {
        return i->adopted_qqi ? i->adopted_qqi : p->cfg->query_interval;
}
/* 8.4 Group Membership Interval (also 8.13 Older Host Present Interval). */
static inline usec_t iface_gmi(const Proxy *p, const Iface *i) {
        return (usec_t) iface_robustness(p, i) * iface_query_interval(p, i) + p->cfg->query_response_interval;
}
/* 8.5 Other Querier Present Interval. */
static inline usec_t iface_oqpi(const Proxy *p, const Iface *i) {
        return (usec_t) iface_robustness(p, i) * iface_query_interval(p, i) + p->cfg->query_response_interval / 2;
}
/* 8.8 Last Member Query Time. */
static inline usec_t core_lmqt(const Config *c) {
        return (usec_t) c->last_member_query_count * c->last_member_query_interval;
}

/* The most sources one v3 record can carry in a report alone on the upstream
 * link: its MTU less the IP header (24), the report's 8 bytes and the
 * record's 8 (at least 7: every link carries RFC 791's 68 bytes). */
static inline size_t upstream_record_fit(const Proxy *p) {
        return p->up.mtu > IGMP_IP_HEADER_LEN + 8 + 8 + 4 ? (p->up.mtu - IGMP_IP_HEADER_LEN - 8 - 8) / 4 : 1;
}

/* derived intervals (RFC 3376 8.4, 8.5) */
/* Group membership interval: Robustness x Query Interval + Query Response Interval. */
static inline usec_t core_gmi(const Config *c) {
        return (usec_t) c->robustness * c->query_interval + c->query_response_interval;
}
/* Other querier present interval: Robustness x Query Interval + Query Response Interval / 2. */
static inline usec_t core_oqpi(const Config *c) {
        return (usec_t) c->robustness * c->query_interval + c->query_response_interval / 2;
}

/* The smaller of two time spans, a zero one meaning "off". */
#define MIN_NONZERO(a, b) ((a) == 0 ? (b) : (b) == 0 ? (a) : MIN((a), (b)))

/* Makes sure the kernel's counters are read by 'when' (activity.c); any file
 * may ask, so it is no call into activity.c. */
static inline void activity_arm_by(Proxy *p, usec_t when) {
        if (!timer_armed(&p->activity_timer) || p->activity_timer.when > when)
                timerq_arm(&p->timers, &p->activity_timer, when);
}

/* effects.c */
/* Room for this many effects is taken by proxy_new(); the queue grows past it
 * and counts what it could not hold (ProxyStats.effects_lost). */
#define EFFECTS_INITIAL 256
Effect *effect_push(Proxy *p, EffectType type);
void event_push(Proxy *p, EventType ev, int vif, in4_t group, in4_t source, uint64_t count);

/* sources.c */
SrcRec *src_find(const SourceList *l, in4_t addr);
/* Finds or inserts addr (a new record is zeroed: timer not running); NULL if
 * the list is full (SOURCES_MAX) or out of memory. */
SrcRec *src_get(SourceList *l, in4_t addr, bool *ret_new);
void src_remove(SourceList *l, SrcRec *r);
void src_clear(SourceList *l);
size_t in4_set_normalize(in4_t *v, size_t n);
bool in4_set_contains(const in4_t *v, size_t n, in4_t a);
bool in4_set_equal(const in4_t *a, size_t na, const in4_t *b, size_t nb);

/* querier.c */
void querier_start(Proxy *p, Iface *i, usec_t now);
void querier_stop(Proxy *p, Iface *i);
/* Querier election on a query heard on i (RFC 3376 6.6.2, RFC 2236 3). */
void querier_on_query(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now);
void querier_timer(Proxy *p, Timer *t, usec_t now);
/* RFC 3376 6.6.3: a group-specific query (n == 0) or a group-and-source-
 * specific one, split to fit the link's MTU. Only as querier. */
void querier_send_group_query(Proxy *p, Iface *i, in4_t group, bool s_flag, const in4_t *sources, size_t n);
/* The version our queries on i use now (7.3.1). */
int querier_version(const Proxy *p, const Iface *i);

/* member-query.c (for membership.c) */
typedef bool (*SourcePick)(const SrcRec *r, const in4_t *b, size_t nb);
bool pick_in_b(const SrcRec *r, const in4_t *b, size_t nb);
bool pick_not_in_b(const SrcRec *r, const in4_t *b, size_t nb);
bool pick_requested_not_in_b(const SrcRec *r, const in4_t *b, size_t nb); /* EXCLUDE: X - B */
bool pick_requested_in_b(const SrcRec *r, const in4_t *b, size_t nb);     /* EXCLUDE: B - Y */
void member_arm_source_timer(Proxy *p, Member *m);
bool member_has_retrans(const Member *m);
void member_query_group(Proxy *p, Iface *i, Member *m, usec_t now);
void member_query_sources(Proxy *p, Iface *i, Member *m, SourcePick pick, const in4_t *b, size_t nb, usec_t now);
void member_query_round(Proxy *p, Iface *i, Member *m, usec_t when, usec_t now);

/* membership.c (reports changes through Proxy.member_changed) */
Member *member_find(const Proxy *p, int vif, in4_t group);
/* A group record heard on i from src (RFC 3376 6.4): type 1..6
 * (IgmpRecordType), its sources in any order (duplicates allowed). version
 * 1 or 2: an IGMPv1/v2 report, given as IS_EX({}) (7.3.2); 3: a v3 record. */
void member_on_record(Proxy *p, Iface *i, in4_t src, in4_t group, int version, uint8_t type, const in4_t *sources,
                      size_t n, usec_t now);
/* An IGMPv2 leave: TO_IN({}) unless an IGMPv1 host is present (7.3.2). */
void member_on_leave(Proxy *p, Iface *i, in4_t src, in4_t group, usec_t now);
/* A group-specific (n == 0) or group-and-source-specific query from the
 * querier, S flag clear, heard as non-querier (6.6.1): timers go to LMQT. */
void member_on_group_query(Proxy *p, Iface *i, in4_t group, usec_t max_resp, const in4_t *sources, size_t n,
                           usec_t now);
void member_timer(Proxy *p, Timer *t, usec_t now);
void member_drop_iface(Proxy *p, Iface *i, usec_t now);
/* The VIFs among vifs whose listeners want traffic from source to group
 * (RFC 3376 6.3: INCLUDE: a source record with its timer running; EXCLUDE:
 * no record, or one with its timer running). */
uint32_t member_source_mask(const Proxy *p, in4_t group, uint32_t vifs, in4_t source);
/* Ends a membership now (reload: a filter forbids it). */
void member_expire(Proxy *p, Member *m, usec_t now);
void members_drain(Proxy *p);

/* groups.c */
UpGroup *group_find(const Proxy *p, in4_t group);
UpGroup *group_get(Proxy *p, in4_t group);
/* Frees g once nothing holds it (no listener, not joined, no route). */
void group_maybe_free(Proxy *p, UpGroup *g);
/* Frees every group that holds nothing any more (group_maybe_free on each). */
void groups_free_idle(Proxy *p);
Iface *upstream_iface(Proxy *p);
bool group_upstream_allowed(Proxy *p, in4_t group);
void groups_drain(Proxy *p);

/* routes.c (also proxy_handle_nocache) */
/* Traffic of r arrives upstream (else it is a downstream sender's). */
static inline bool route_from_upstream(const Proxy *p, const Route *r) {
        return r->vif == p->upstream;
}
/* The group's listeners changed: every route's outputs follow. */
void routes_update(Proxy *p, UpGroup *g);
/* The group is no longer served upstream: its routes from upstream go, its
 * downstream senders' routes stay (their outputs follow). */
void routes_drop(Proxy *p, UpGroup *g);
void routes_take_pending(Proxy *p, UpGroup *g, usec_t now);
/* Every route's outputs again (the upstream came, a reload); routes the
 * configuration no longer allows go. */
void routes_recompute(Proxy *p);
/* Interface vif was removed (after its memberships and, for the upstream,
 * after p->upstream was cleared): routes arriving on it go, the others lose
 * it from their outputs. */
void routes_iface_gone(Proxy *p, int vif);
/* Removes every route (proxy_shutdown). */
void routes_remove_all(Proxy *p);
/* The group has a route of traffic arriving upstream. */
bool routes_any_from_upstream(const Proxy *p, const UpGroup *g);
Route *route_find(const UpGroup *g, in4_t source);
void route_counters(Route *r, uint64_t packets, usec_t idle, usec_t now);
usec_t routes_check_idle(Proxy *p, UpGroup *g, bool complete, usec_t now);

/* upstream-compat.c (for upstream.c) */
/* Re-derives the report version; a change cancels pending answers and the
 * joined groups' retransmissions (by: the querier that made it older). */
void upstream_compat_update(Proxy *p, in4_t by, usec_t now);
void upstream_compat_arm(Proxy *p);
void upstream_compat_fired(Proxy *p, usec_t now);

/* upstream.c */
void upstream_init(Proxy *p);
/* A current-state report of g (answer, refresh, stall re-report), batched. */
void upstream_report(Proxy *p, UpGroup *g, usec_t now);
/* Joins g upstream with its state (g->mode, g->src) unless it is joined
 * already or the filters forbid it; true when it joined now. */
bool upstream_join(Proxy *p, UpGroup *g, usec_t now);
void upstream_leave(Proxy *p, UpGroup *g, bool send, usec_t now);
/* The merged state of a joined g changed from (old_mode, old_src): the
 * state-change records go out (RFC 3376 5.1). */
void upstream_changed(Proxy *p, UpGroup *g, uint8_t old_mode, const in4_t *old_src, size_t old_n, usec_t now);
/* A valid query heard on the upstream link from src. */
void upstream_on_query(Proxy *p, in4_t src, const IgmpMessage *m, usec_t now);
void upstream_timer(Proxy *p, Timer *t, usec_t now);
/* Reload: ReportVersion= may have changed. */
void upstream_reconfigure(Proxy *p, usec_t now);

/* stall.c */
void stall_on_join(Proxy *p, UpGroup *g, usec_t now);
usec_t stall_check(Proxy *p, UpGroup *g, usec_t now);

/* activity.c (also proxy_route_counters, proxy_activity_done) */
void activity_timer(Proxy *p, usec_t now);
void activity_reconfigure(Proxy *p, usec_t now);

/* refresh.c (also proxy_refresh_now) */
void refresh_init(Proxy *p, usec_t now);
void refresh_reconfigure(Proxy *p, const Config *old, usec_t now);
void refresh_timer(Proxy *p, Timer *t, usec_t now);
void refresh_step(Proxy *p, usec_t now);
void refresh_group_due(Proxy *p, UpGroup *g, usec_t now);

/* proxy.c, for reload.c */
void group_start(Proxy *p, UpGroup *g, usec_t now);
void group_stop(Proxy *p, UpGroup *g, bool send, usec_t now);
