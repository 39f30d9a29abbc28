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
        TIMER_MEMBER_LMQ,     /* Member.lmq_timer: next group-specific query */
        TIMER_JOIN_REPEAT,    /* UpGroup.repeat_timer: unsolicited report repetition */
        TIMER_RESPONSE,       /* UpGroup.response_timer: answer to an upstream query */
        TIMER_ROUTE_IDLE,     /* Route.timer */
        TIMER_REFRESH,        /* Proxy.refresh_timer: next refresh cycle */
        TIMER_REFRESH_STEP,   /* Proxy.step_timer: next slice of a spread cycle */
        TIMER_STALL,          /* Proxy.stall_timer: look at every joined group's counters */
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
        size_t n_members;       /* Member entries (listening or leaving) */
        size_t n_listening;
} Iface;

typedef struct Host {
        in4_t addr;
        usec_t expires;
} Host;

/* A group on one downstream interface (RFC 3376 6.2.1 / RFC 2236 6). */
typedef struct Member {
        struct Member *hnext;
        in4_t group;
        int vif;
        bool listening;        /* counts as a listener for forwarding and upstream */
        bool leaving;          /* a last-member query round is running */
        Timer timer;           /* group membership timer */
        Timer lmq_timer;       /* next group-specific query retransmission */
        unsigned lmq_left;
        usec_t v1_until;       /* older version host present (RFC 3376 7.3.2) */
        usec_t v2_until;
        Host *hosts;           /* reporters seen, for quickleave */
        size_t n_hosts, cap_hosts;
} Member;

typedef struct Route {
        struct Route *next;
        in4_t source;
        in4_t group;
        Timer timer;           /* idle check */
        uint64_t last_packets;
        bool polled_once;
} Route;

/* A group on the upstream side (RFC 4605 4.1: the merged membership). */
typedef struct UpGroup {
        struct UpGroup *hnext;
        in4_t group;
        uint32_t out_mask;     /* VIFs with listeners */
        bool joined;           /* reported upstream, not yet left */
        usec_t joined_at;
        usec_t last_report;
        Timer repeat_timer;
        unsigned repeats_left;
        Timer response_timer;
        Route *routes;
        size_t n_routes;
        /* stall watch: packets at the last look, since when unchanged, how long to wait */
        uint64_t stall_packets;
        usec_t stall_since;
        usec_t stall_wait;
        bool stall_polled;
} UpGroup;

/* Sources recently seen by the kernel for groups without listeners, so that a
 * join installs its route at once instead of waiting for the kernel to retry
 * the upcall (it holds an unresolved entry for 10 s). Bounded ring. */
#define PENDING_SOURCES 64
typedef struct PendingSource {
        in4_t source, group;
        usec_t seen;
} PendingSource;

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
        PendingSource pending[PENDING_SOURCES];
        size_t pending_next;
        /* refresh cycle */
        Timer refresh_timer;
        Timer step_timer;
        Timer stall_timer;
        in4_t *cycle_groups;
        size_t cycle_n, cycle_pos, cycle_per_step, cycle_sent;
        usec_t cycle_step_usec;
        bool shut_down;
        ProxyStats stats;
        Effect *effects;
        size_t n_effects, cap_effects;
        /* membership.c tells the merge (proxy.c) through this */
        void (*listening_changed)(Proxy *p, Iface *i, in4_t group, bool listening, usec_t now);
};

/* derived intervals (RFC 3376 8.4, 8.5) */
/* Group membership interval: Robustness x Query Interval + Query Response Interval. */
static inline usec_t core_gmi(const Config *c) {
        return (usec_t) c->robustness * c->query_interval + c->query_response_interval;
}
/* Other querier present interval: Robustness x Query Interval + Query Response Interval / 2. */
static inline usec_t core_oqpi(const Config *c) {
        return (usec_t) c->robustness * c->query_interval + c->query_response_interval / 2;
}

/* effects.c */
/* Room for this many effects is taken by proxy_new(); the queue grows past it
 * and counts what it could not hold (ProxyStats.effects_lost). */
#define EFFECTS_INITIAL 256
Effect *effect_push(Proxy *p, EffectType type);
void event_push(Proxy *p, EventType ev, int vif, in4_t group, in4_t source, uint64_t count);

/* querier.c */
void querier_start(Proxy *p, Iface *i, usec_t now);
void querier_stop(Proxy *p, Iface *i);
/* Querier election on a query heard on i (RFC 3376 6.6.2, RFC 2236 3). */
void querier_on_query(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now);
void querier_timer(Proxy *p, Timer *t, usec_t now);
void querier_send_group_query(Proxy *p, Iface *i, in4_t group);

/* membership.c (reports changes through Proxy.listening_changed) */
Member *member_find(const Proxy *p, int vif, in4_t group);
void member_on_report(Proxy *p, Iface *i, in4_t src, in4_t group, int version, usec_t now);
void member_on_leave(Proxy *p, Iface *i, in4_t src, in4_t group, int version, usec_t now);
void member_on_group_query(Proxy *p, Iface *i, in4_t group, usec_t max_resp, usec_t now);
void member_timer(Proxy *p, Timer *t, usec_t now);
void member_drop_iface(Proxy *p, Iface *i);
/* Ends a membership now (reload: a filter forbids it). */
void member_expire(Proxy *p, Member *m, usec_t now);
void members_drain(Proxy *p);

/* groups.c */
UpGroup *group_find(const Proxy *p, in4_t group);
UpGroup *group_get(Proxy *p, in4_t group);
/* Frees g once nothing holds it (no listener, not joined, no route). */
void group_maybe_free(Proxy *p, UpGroup *g);
Iface *upstream_iface(Proxy *p);
bool group_upstream_allowed(Proxy *p, in4_t group);
void groups_drain(Proxy *p);

/* routes.c (also proxy_handle_nocache, proxy_route_activity) */
void routes_update(Proxy *p, UpGroup *g);
void routes_drop(Proxy *p, UpGroup *g);
void routes_take_pending(Proxy *p, UpGroup *g, usec_t now);
void routes_timer(Proxy *p, Timer *t);

/* upstream.c */
void upstream_report(Proxy *p, UpGroup *g, usec_t now);
bool upstream_join(Proxy *p, UpGroup *g, usec_t now);
void upstream_leave(Proxy *p, UpGroup *g, bool send);
void upstream_on_query(Proxy *p, const IgmpMessage *m, usec_t now);
void upstream_timer(Proxy *p, Timer *t, usec_t now);

/* stall.c (also proxy_group_activity) */
void stall_on_join(Proxy *p, UpGroup *g, usec_t now);
void stall_reconfigure(Proxy *p, usec_t now);
void stall_timer(Proxy *p, usec_t now);

/* refresh.c (also proxy_refresh_now) */
void refresh_init(Proxy *p, usec_t now);
void refresh_reconfigure(Proxy *p, const Config *old, usec_t now);
void refresh_timer(Proxy *p, Timer *t, usec_t now);
void refresh_step(Proxy *p, usec_t now);

/* proxy.c, for reload.c */
void group_start(Proxy *p, UpGroup *g, usec_t now);
void group_stop(Proxy *p, UpGroup *g, bool send);
