/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager.h - the daemon's glue (L3): owns the sd-event loop, the raw IGMP /
 * mroute socket, the VIFs and the one timer that follows the core's earliest
 * deadline, and carries out the effects the core returns. Its files:
 *   manager.c          loop, socket input, signals, watchdog, start and stop
 *   manager-effects.c  effects carried out, events logged and notified
 *   manager-status.c   STATUS=
 *   manager-ifaces.c   interfaces in service, VIFs, rescans
 *   manager-config.c   reload and runtime changes
 * Whoever wants to hear about changes (the D-Bus face) registers a
 * ManagerNotifier; the manager never calls it by name.
 */
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <time.h>

#include "config.h"
#include "proxy.h"

typedef struct ManagedIface {
        bool active;           /* has a VIF */
        int ifindex;
        char name[IFNAMSIZ];
        IfaceRole role;
        in4_t addr;
        uint8_t prefixlen;
        unsigned threshold;
        unsigned ratelimit;
        bool carrier;          /* IFF_LOWER_UP at the last rescan */
} ManagedIface;

typedef struct IfaceWait {
        char name[IFNAMSIZ];
        const char *reason;    /* why it is not in service now, NULL if it is */
        bool was_active;       /* was in service once: announce its return */
        /* It exists and is usable but got no VIF (the core's or the kernel's
         * 32 are taken, or MRT_ADD_VIF failed): skipped, listed by STATUS=
         * and ListInterfaces (VIF -1) even when it is not configured. */
        bool vif_failed;
        int ifindex;
        IfaceRole role;
        in4_t addr;
} IfaceWait;

/* A stream refused because its source is neither on the upstream subnet nor
 * in AltNet= (EVENT_ROUTE_REJECTED), for the D-Bus face (bus-diag.c). */
typedef struct RejectedStream {
        in4_t source, group;
        usec_t last;           /* monotonic, the last upcall refused */
        uint64_t upcalls;      /* refused upcalls of this (S,G) */
} RejectedStream;

#define MANAGER_MAX_REJECTED 8

typedef struct LogRatelimit {
        usec_t begin;
        unsigned n;
} LogRatelimit;

/* What the manager tells its observer (bus.c: D-Bus signals). Every member
 * may be NULL. */
typedef struct ManagerNotifier {
        /* a group gained (joined) or lost its listeners on ifname, or was
         * joined/left upstream (ifname = the upstream interface) */
        void (*group_changed)(void *userdata, bool joined, in4_t group, const char *ifname);
        void (*refresh_completed)(void *userdata, uint64_t groups);
        void (*stream_stalled)(void *userdata, in4_t group);
        void (*settings_changed)(void *userdata);    /* after a reload or a runtime change */
        void (*interfaces_changed)(void *userdata);  /* after a reload or a rescan */
        /* an interface came into service (in_service) or left it; reason: why
         * it left ("removed" after a reload), NULL when it came */
        void (*iface_changed)(void *userdata, const char *ifname, IfaceRole role, bool in_service,
                              const char *reason);
        /* the querier of ifname changed; state: "us" (this daemon queries),
         * "other" (querier = that router), "heard" / "gone" (upstream) */
        void (*querier_changed)(void *userdata, const char *ifname, in4_t querier, const char *state);
        /* a stream refused for its source (AltNet=) */
        void (*stream_rejected)(void *userdata, in4_t source, in4_t group);
} ManagerNotifier;

typedef struct Manager {
        sd_event *event;
        Config *config;
        char *config_path;
        Proxy *proxy;
        int fd;
        int stats_fd;              /* rtnetlink, for the routes' counters; -1: SIOCGETSGCNT per route */
        bool mrt_ready;
        sd_event_source *io_source;
        sd_event_source *timer_source;
        ManagedIface vifs[PROXY_MAX_VIFS];
        sd_event_source *watchdog_source;
        sd_event_source *netlink_source;
        IfaceWait waits[2 * PROXY_MAX_VIFS];
        LogRatelimit stall_log;
        LogRatelimit group_limit_log;
        LogRatelimit oom_log;
        uint64_t alloc_failures_seen; /* the core's counts last logged */
        uint64_t effects_lost_seen;
        size_t n_waits;
        usec_t watchdog_usec;      /* 0: no watchdog */
        bool watchdog_unhealthy;   /* pings withheld, logged once */
        bool stopping;             /* STOPPING=1 sent: STATUS= stays "Shutting down" */
        char *status;              /* last STATUS= sent */
        uint64_t status_fingerprint; /* of what that STATUS= was made of */
        char *reload_error;        /* why the last reload failed, NULL if it did not */
        uint64_t rx_malformed;
        RejectedStream rejected[MANAGER_MAX_REJECTED]; /* most recent first */
        bool upstream_querier_announced;  /* QuerierChanged "heard" sent, "gone" not yet */
        size_t n_rejected;
        uint64_t send_errors;
        usec_t last_send_error_log;
        /* the IGMPv3 report being assembled from the core's record effects
         * (Effect.more: the next record belongs to the same packet) on VIF
         * v3_vif; the records' sources, in record order, in v3_sources (their
         * .sources pointers are set when the packet is built) */
        IgmpGroupRecord *v3_records;
        size_t n_v3_records, cap_v3_records;
        in4_t *v3_sources;
        size_t n_v3_sources, cap_v3_sources;
        int v3_vif;
        sd_bus *bus;               /* NULL: running without D-Bus (bus.c) */
        sd_event_source *bus_retry; /* joining the bus again (bus.c), NULL if not pending */
        unsigned bus_retry_n;      /* attempts since the bus was lost or first failed */
        const ManagerNotifier *notifier;
        void *notifier_userdata;
} Manager;

#define manager_notify(m, what, ...)                                                    \
        do {                                                                             \
                if ((m)->notifier && (m)->notifier->what)                                \
                        (m)->notifier->what((m)->notifier_userdata, ##__VA_ARGS__);       \
        } while (0)

/* Monotonic now, as the core sees it (the loop's iteration time). */
static inline usec_t manager_now(Manager *m) {
        uint64_t t = 0;

        if (sd_event_now(m->event, CLOCK_MONOTONIC, &t) < 0) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                t = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        }
        return t;
}

/* Name of the interface behind a VIF, "?" if none. */
static inline const char *manager_vif_name(Manager *m, int vif) {
        return vif >= 0 && vif < PROXY_MAX_VIFS && m->vifs[vif].active ? m->vifs[vif].name : "?";
}

/* Takes ownership of config. */
int manager_new(Config *config, const char *config_path, Manager **ret);
Manager *manager_free(Manager *m);
/* Opens the socket, becomes the kernel's multicast router, adds the VIFs,
 * starts the core. Nothing is left in the kernel on failure. */
int manager_start(Manager *m);
int manager_run(Manager *m);
/* Leave upstream, remove MFC entries and VIFs, MRT_DONE. Idempotent. */
void manager_stop(Manager *m);
/* Re-reads the config file and applies it; on error keeps the old one and
 * returns the reason (file:line ...) in *ret_error. Sends RELOADING=1 and
 * READY=1 around it. */
int manager_reload(Manager *m, char **ret_error);
/* manager-status.c: sends STATUS= if the text changed. */
void manager_update_status(Manager *m);
/* manager-effects.c: carries out the core's queued effects, re-arms the
 * core's timer, refreshes STATUS=. */
void manager_apply_effects(Manager *m);
/* manager-ifaces.c: brings every configured (and, with DefaultRole=downstream,
 * discovered) usable interface into service; the others are waited for. */
int manager_add_ifaces(Manager *m);
/* Takes VIF v out of service: after a reload (lost == NULL) or because its
 * interface went away, down or lost its address (lost = why). */
void manager_remove_vif(Manager *m, int v, const char *lost);

/* Runtime changes (D-Bus): each builds a modified copy of the Config and
 * swaps it in whole, like a reload; nothing is written to the file, the
 * next reload or restart returns to it. Values are validated by the caller;
 * out-of-range values still get -EINVAL / -ERANGE here. */
int manager_set_refresh_mode(Manager *m, RefreshMode mode);
int manager_set_refresh_interval(Manager *m, usec_t usec);
int manager_set_initial_delay(Manager *m, usec_t usec);
int manager_set_report_version(Manager *m, unsigned version);
/* One refresh cycle at once. -ENOTCONN if no upstream interface is active. */
int manager_refresh_now(Manager *m);
/* Re-runs interface discovery: VIFs whose interface is gone (or got a new
 * ifindex) are removed, configured interfaces that now exist with an IPv4
 * address are added. */
int manager_rescan(Manager *m);
/* The kernel's counters of an (S,G) route (SIOCGETSGCNT). */
int manager_route_counters(Manager *m, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes);
/* VIF of the upstream interface, or -1. */
int manager_upstream_vif(Manager *m);

static inline void manager_freep(Manager **m) {
        manager_free(*m);
}
