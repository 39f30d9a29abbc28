/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * proxy.h - the protocol core's public API (L0).
 *
 * An RFC 4605 IGMP proxy as a deterministic state machine: inputs are parsed
 * IGMP messages, kernel upcalls, counter readings and the current monotonic
 * time; outputs are Effect records (effects.h). It never reads a clock, opens
 * a socket, logs or calls sd_*: the glue (manager.c) does all of that, so
 * every rule here is testable with a fake clock.
 *
 * Interfaces are identified by a VIF index ("vif", 0..PROXY_MAX_VIFS-1) that
 * the core hands out in proxy_add_iface(); the glue creates the kernel VIF
 * with that same index.
 */
#pragma once

#include "config.h"
#include "effects.h"
#include "igmp-packet.h"

#define PROXY_MAX_VIFS 32 /* MAXVIFS in <linux/mroute.h> */

typedef struct Proxy Proxy;

typedef struct ProxyStats {
        uint64_t igmp_received;
        uint64_t igmp_ignored;       /* valid but not for us (own packets, disabled/unknown interface, 224.0.0.x, filtered) */
        uint64_t igmp_bad_source;    /* report from an address outside the interface's subnet */
        uint64_t groups_over_limit;  /* reports dropped by MaxGroupsPerInterface */
        uint64_t queries_sent;
        uint64_t reports_sent;
        uint64_t leaves_sent;
        uint64_t refresh_cycles;
        uint64_t refresh_reports;
        uint64_t routes_added;
        uint64_t routes_rejected;
        uint64_t upstream_queries;
        uint64_t stream_stalls;      /* stall reports sent (StallTimeoutSec) */
        uint64_t report_packets;     /* IGMP messages sent upstream carrying reports or leaves (a v3
                                        report carries many groups: reports_sent counts groups) */
        uint64_t igmp_bad_ttl;       /* IGMP with an IP TTL other than 1, dropped (RFC 2236 2, RFC 3376 4) */
        uint64_t queries_no_router_alert; /* v2/v3 queries without Router Alert: ignored */
        uint64_t queries_bad_source; /* queries from outside the link's subnet: ignored */
        uint64_t reports_no_router_alert; /* downstream reports without Router Alert (accepted or
                                             dropped by AcceptReportsWithoutRouterAlert=) */
        uint64_t alloc_failures;     /* a membership, group or route not created: out of memory */
        uint64_t effects_lost;       /* effects (sends, MFC changes, events) dropped: out of memory */
        uint64_t sources_over_limit; /* a source list was full (256): the state fell back to forwarding
                                        more (INCLUDE became EXCLUDE({}), an exclusion not recorded) */
        uint64_t records_unknown;    /* IGMPv3 group records of an unknown type, skipped (RFC 3376 4.2.12) */
        usec_t last_refresh;         /* monotonic time the last cycle completed, 0 if none */
        usec_t last_upstream_query;  /* monotonic, 0 if never */
} ProxyStats;

/* cfg must outlive the Proxy (or be replaced with proxy_set_config()). seed
 * feeds the PRNG used for response delays. */
Proxy *proxy_new(const Config *cfg, uint64_t seed, usec_t now);
Proxy *proxy_free(Proxy *p);

/* Swaps in a new configuration (reload) and applies the difference:
 * interface settings and filters (looked up by interface name in the new
 * Config), querier and refresh timers. Groups still allowed keep their state
 * and their routes: no leave, no join, no MFC churn. Groups a new filter
 * forbids are left; groups it now allows are joined. Interfaces whose role
 * changed must be removed by the caller before, and added after. */
void proxy_set_config(Proxy *p, const Config *cfg, usec_t now);

/* Adds an interface with the given role; downstream interfaces start their
 * querier at once (startup queries), an upstream joins the groups that have
 * listeners at once. mtu: the link's (sizes IGMPv3 reports and queries, RFC
 * 3376 4.2.16, 4.1.8), 0 if unknown (1500). Returns the VIF index (>= 0),
 * -EEXIST, -ENOSPC (no VIF slot left), -EBUSY (a second upstream), -EINVAL. */
int proxy_add_iface(Proxy *p, int ifindex, const char *name, IfaceRole role, in4_t addr, uint8_t prefixlen,
                    const IfaceConfig *ic, unsigned mtu, usec_t now);
/* Removes an interface: its memberships end (downstream) or upstream state
 * is dropped without sending anything (upstream). Returns 0 or -ENOENT. */
int proxy_remove_iface(Proxy *p, int vif, usec_t now);
/* The upstream link's MTU (default 1500): how many group records one IGMPv3
 * report may carry (RFC 3376 4.2.16). -ENOENT, or -EINVAL below 68. */
int proxy_set_iface_mtu(Proxy *p, int vif, unsigned mtu);
/* Interface address changed: queries/reports use it from now on. */
int proxy_set_iface_address(Proxy *p, int vif, in4_t addr, uint8_t prefixlen);
int proxy_vif_by_ifindex(const Proxy *p, int ifindex);

/* A parsed IGMP message that arrived on ifindex. */
void proxy_handle_igmp(Proxy *p, int ifindex, const IpInfo *ip, const IgmpMessage *m, usec_t now);
/* Kernel IGMPMSG_NOCACHE: a packet (source, group) arrived on vif with no MFC
 * entry; vif is the upstream or a downstream interface (a host there sending:
 * RFC 4605 4.2). */
void proxy_handle_nocache(Proxy *p, int vif, in4_t source, in4_t group, usec_t now);
/* Answer to EFFECT_ACTIVITY_POLL, once per route the kernel has: its packet
 * count and how long ago it last forwarded a packet (ROUTE_IDLE_UNKNOWN if
 * the glue cannot tell; then a changed count means "just now"). Routes the
 * core does not know are ignored. */
#define ROUTE_IDLE_UNKNOWN USEC_INFINITY
void proxy_route_counters(Proxy *p, in4_t source, in4_t group, uint64_t packets, usec_t idle, usec_t now);
/* Ends the answer. complete: every route of the kernel was read (then a route
 * the kernel no longer has is dropped); false if the reading failed part way
 * (nothing is judged missing, the look is retried shortly). */
void proxy_activity_done(Proxy *p, bool complete, usec_t now);

/* Fires every timer due at now (in deadline order). */
void proxy_run_timers(Proxy *p, usec_t now);
/* Earliest pending deadline, USEC_INFINITY if none. */
usec_t proxy_next_deadline(const Proxy *p);

/* Health, for the watchdog: true when a timer of the core is overdue by more
 * than one refresh interval (at least 1 s), or the refresh is enabled but no
 * cycle is scheduled. Either means the loop no longer serves the core. */
bool proxy_overdue(const Proxy *p, usec_t now);

/* One refresh cycle at once (D-Bus RefreshNow, upstream back). */
void proxy_refresh_now(Proxy *p, usec_t now);
/* Leave every group upstream and remove every route. The Proxy stays valid
 * but inert. */
void proxy_shutdown(Proxy *p, usec_t now);

/* Effect queue: read with proxy_effects(), then proxy_effects_clear().
 * Effects appended while the glue walks the queue (proxy_activity_done from
 * an ACTIVITY_POLL) land at its end: walk by index, re-reading the count. */
const Effect *proxy_effect(const Proxy *p, size_t i);
size_t proxy_n_effects(const Proxy *p);
void proxy_effects_clear(Proxy *p);

const ProxyStats *proxy_stats(const Proxy *p);
size_t proxy_n_groups(const Proxy *p);     /* groups with downstream listeners */
size_t proxy_n_joined(const Proxy *p);     /* groups joined upstream */
size_t proxy_n_listeners(const Proxy *p, int vif); /* groups with listeners on vif */
bool proxy_is_querier(const Proxy *p, int vif);
bool proxy_group_joined(const Proxy *p, in4_t group);
bool proxy_group_has_listener(const Proxy *p, int vif, in4_t group);

/* Read-only views for the D-Bus interface (bus.c via manager.c). */
typedef struct ProxyGroupInfo {
        in4_t group;
        bool joined;           /* reported upstream, not yet left */
        bool allowed;          /* upstream filters let it through */
        uint32_t out_mask;     /* VIFs with listeners */
        usec_t joined_at;      /* monotonic, 0 if never joined */
        usec_t last_report;    /* monotonic time of the last report sent upstream, 0 if none */
        size_t n_routes;
} ProxyGroupInfo;

/* Calls cb for every group the core knows (listened to downstream, joined
 * upstream, or with routes of hosts sending to it downstream), in hash order; cb must not change the Proxy. Stops
 * early if cb returns < 0 and returns that value, else 0. */
typedef int (*ProxyGroupCallback)(const ProxyGroupInfo *info, void *userdata);
int proxy_foreach_group(const Proxy *p, ProxyGroupCallback cb, void *userdata);
/* Fills up to max sources forwarded for group; returns how many there are. */
size_t proxy_group_sources(const Proxy *p, in4_t group, in4_t *ret_sources, size_t max);
/* The router-side state of one group on one downstream interface (RFC 3376
 * 6.2.1): its filter mode, group timer and source records. */
typedef struct ProxySourceInfo {
        in4_t source;
        usec_t expires;         /* source timer (monotonic), 0 = not running (EXCLUDE mode: blocked) */
        bool forwarded;         /* traffic from it is forwarded onto this interface */
} ProxySourceInfo;

typedef struct ProxyMemberInfo {
        int vif;
        in4_t group;
        uint8_t filter_mode;    /* IGMP_MODE_IS_INCLUDE or IGMP_MODE_IS_EXCLUDE */
        usec_t expires;         /* group timer (monotonic; EXCLUDE mode), 0 if not running */
        uint8_t compat_version; /* 1, 2: an older version host is present (RFC 3376 7.3.2); else 3 */
        bool listening;         /* counts for forwarding and upstream */
        size_t n_hosts;         /* reporters tracked (quickleave) */
        bool untracked;         /* a reporter is present that is not tracked (0.0.0.0, over the cap) */
        size_t n_sources;
        const ProxySourceInfo *sources; /* valid during the callback only */
} ProxyMemberInfo;

/* Calls cb for every group with state on every downstream interface (group 0)
 * or for that group only, ordered by vif within a group; cb must not change
 * the Proxy. The compatibility version and "untracked" are judged at now (an
 * older host heard long ago no longer counts, though no input came since).
 * Stops early if cb returns < 0 and returns that value, else 0. */
typedef int (*ProxyMemberCallback)(const ProxyMemberInfo *info, void *userdata);
int proxy_foreach_member(const Proxy *p, in4_t group, usec_t now, ProxyMemberCallback cb, void *userdata);

/* The merged membership reported upstream for group (RFC 4605 4.1): filter
 * mode (IGMP_MODE_IS_INCLUDE or _EXCLUDE; an any-source join is EXCLUDE {})
 * and up to max of its sources; returns how many sources there are, -ENOENT
 * if the group is not known. */
int proxy_group_upstream_state(const Proxy *p, in4_t group, uint8_t *ret_mode, in4_t *ret_sources, size_t max);

/* Hosts tracked (reporters seen) for group on vif; 0 if not listening. A
 * listening group whose reporters are not tracked counts 1. */
size_t proxy_group_hosts(const Proxy *p, int vif, in4_t group);
/* An upstream query was heard within Robustness x Query Interval of now
 * (that querier's QRV and QQIC when it sent them, ours otherwise). */
bool proxy_upstream_querier_seen(const Proxy *p, usec_t now);

/* The upstream querier as heard (valid queries only: TTL 1, Router Alert for
 * v2/v3, a source on the link) and the version our reports use now. */
typedef struct ProxyUpstreamQuerier {
        in4_t address;          /* source of the last valid query, 0 if none heard */
        uint8_t version;        /* its version (1, 2, 3), 0 if none heard */
        uint8_t qrv;            /* QRV of its last v3 query, 0 if not given */
        usec_t qqi;             /* QQIC of its last v3 query, decoded; 0 if not given */
        usec_t max_resp;        /* Max Resp Time of its last query */
        usec_t last_heard;      /* monotonic time of its last query, 0 if never */
        usec_t v1_until;        /* RFC 3376 7.2.1 Older Version Querier Present timers: when */
        usec_t v2_until;        /*   they run out, 0 if not running */
        int report_version;     /* what reports and leaves use now: ReportVersion=, or older */
} ProxyUpstreamQuerier;
void proxy_upstream_querier(const Proxy *p, usec_t now, ProxyUpstreamQuerier *ret);
