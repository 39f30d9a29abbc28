/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager.c - turns socket and timer events into core calls and carries out
 * the core's effects (see manager.h). Holds no protocol rules: those live in
 * the core (proxy.c, membership.c, querier.c). Errors from the kernel are
 * logged and survived; only start-up failures end the daemon.
 */
#include "manager.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>

#include "bus.h"
#include "igmp-socket.h"
#include "log.h"
#include "messages.h"
#include "mroute.h"
#include "netlink.h"

#include <systemd/sd-daemon.h>

static usec_t now_usec(Manager *m) {
        uint64_t t = 0;

        if (sd_event_now(m->event, CLOCK_MONOTONIC, &t) < 0) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                t = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        }
        return t;
}

static const char *vif_name(Manager *m, int vif) {
        return vif >= 0 && vif < PROXY_MAX_VIFS && m->vifs[vif].active ? m->vifs[vif].name : "?";
}

/* ---- effects --------------------------------------------------------------- */

static void send_failed(Manager *m, int r, const char *what, int vif, in4_t group) {
        usec_t now = now_usec(m);
        char g[IN4_STRLEN];

        m->send_errors++;
        /* A link that is down makes every send fail: one line per 10 s is enough. */
        if (m->last_send_error_log && now - m->last_send_error_log < 10 * USEC_PER_SEC)
                return;
        m->last_send_error_log = now;
        LogContext ctx = { .interface = vif_name(m, vif), .group = group, .message_id = MSG_SEND_FAILED };
        log_ctx_errno(LOG_WARNING, r, &ctx, "Failed to send %s for %s on %s (%" PRIu64 " send errors so far): %m, ignoring", what,
                          in4_to_string(group, g), vif_name(m, vif), m->send_errors);
}

static void apply_send(Manager *m, const Effect *e) {
        uint8_t buf[64];
        in4_t dst;
        int len, r;
        const char *what;

        if (e->vif < 0 || e->vif >= PROXY_MAX_VIFS || !m->vifs[e->vif].active)
                return;
        switch (e->type) {
        case EFFECT_SEND_QUERY:
                len = igmp_build_query(buf, sizeof buf, e->version, e->group, e->max_resp, e->qrv, e->qqi);
                dst = e->dst;
                what = e->group ? "group-specific query" : "general query";
                break;
        case EFFECT_SEND_REPORT:
                len = igmp_build_report(buf, sizeof buf, e->version, e->group);
                dst = igmp_report_destination(e->version, e->group);
                what = "report";
                break;
        case EFFECT_SEND_LEAVE:
                if (e->version < 2)
                        return; /* IGMPv1 has no leave: the membership times out */
                len = igmp_build_leave(buf, sizeof buf, e->version, e->group);
                dst = igmp_leave_destination(e->version, e->group);
                what = "leave";
                break;
        default:
                return;
        }
        if (len < 0) {
                log_error_errno(len, "Failed to build IGMP %s: %m", what);
                return;
        }
        r = igmp_socket_send(m->fd, m->vifs[e->vif].ifindex, m->vifs[e->vif].addr, dst, buf, (size_t) len);
        if (r < 0)
                send_failed(m, r, what, e->vif, e->group);
}

static void apply_mfc(Manager *m, const Effect *e) {
        char s[IN4_STRLEN], g[IN4_STRLEN];
        uint8_t ttls[MROUTE_MAX_VIFS] = {};
        int r;

        if (e->type == EFFECT_MFC_SET) {
                for (int v = 0; v < PROXY_MAX_VIFS; v++)
                        if ((e->out_mask & (1U << v)) && m->vifs[v].active)
                                ttls[v] = (uint8_t) (m->vifs[v].threshold ? m->vifs[v].threshold : 1);
                r = mroute_set_mfc(m->fd, e->source, e->group, e->vif, ttls);
                if (r < 0)
                        log_warning_errno(r, "Failed to install route (%s, %s): %m, ignoring",
                                          in4_to_string(e->source, s), in4_to_string(e->group, g));
        } else if (e->type == EFFECT_MFC_DEL) {
                r = mroute_del_mfc(m->fd, e->source, e->group, e->vif);
                if (r < 0 && r != -ENOENT)
                        log_warning_errno(r, "Failed to remove route (%s, %s): %m, ignoring",
                                          in4_to_string(e->source, s), in4_to_string(e->group, g));
        } else if (e->type == EFFECT_GROUP_POLL) {
                in4_t sources[64];
                size_t n = proxy_group_sources(m->proxy, e->group, sources, ELEMENTSOF(sources));
                uint64_t total = 0;
                for (size_t k = 0; k < MIN(n, ELEMENTSOF(sources)); k++) {
                        uint64_t pkts = 0;
                        if (mroute_get_count(m->fd, sources[k], e->group, &pkts, NULL) >= 0)
                                total += pkts;
                }
                proxy_group_activity(m->proxy, e->group, total, now_usec(m));
        } else if (e->type == EFFECT_MFC_POLL) {
                uint64_t pkts = 0;
                r = mroute_get_count(m->fd, e->source, e->group, &pkts, NULL);
                proxy_route_activity(m->proxy, e->source, e->group, r >= 0, pkts, now_usec(m));
        }
}

static bool log_ratelimit_ok(LogRatelimit *rl, usec_t now, usec_t interval, unsigned burst) {
        if (rl->begin == 0 || now - rl->begin >= interval) {
                rl->begin = now;
                rl->n = 0;
        }
        return rl->n++ < burst;
}

static void apply_event(Manager *m, const Effect *e) {
        char g[IN4_STRLEN], s[IN4_STRLEN];
        LogContext ctx = {
                .interface = e->vif >= 0 ? vif_name(m, e->vif) : NULL,
                .group = e->group,
                .source = e->source,
        };

        in4_to_string(e->group, g);
        in4_to_string(e->source, s);
        switch (e->event) {
        case EVENT_MEMBER_JOINED:
                log_ctx(LOG_DEBUG, &ctx, "%s: listeners for %s", ctx.interface, g);
                bus_emit_group(m, true, e->group, ctx.interface);
                break;
        case EVENT_MEMBER_LEFT:
                log_ctx(LOG_DEBUG, &ctx, "%s: no more listeners for %s (%s)", ctx.interface, g,
                        leave_reason_to_string((EventLeaveReason) e->count));
                bus_emit_group(m, false, e->group, ctx.interface);
                break;
        case EVENT_UPSTREAM_JOINED:
                ctx.igmp_version = (int) e->count;
                ctx.message_id = MSG_UPSTREAM_JOINED;
                log_ctx(LOG_INFO, &ctx, "Joined %s upstream on %s (IGMPv%" PRIu64 " report)", g, ctx.interface,
                        e->count);
                bus_emit_group(m, true, e->group, ctx.interface);
                break;
        case EVENT_UPSTREAM_LEFT:
                ctx.message_id = MSG_UPSTREAM_LEFT;
                log_ctx(LOG_INFO, &ctx, "Left %s upstream on %s", g, ctx.interface);
                bus_emit_group(m, false, e->group, ctx.interface);
                break;
        case EVENT_REFRESH_CYCLE:
                ctx.message_id = MSG_REFRESH_CYCLE;
                ctx.igmp_version = (int) m->config->report_version;
                log_ctx(LOG_DEBUG, &ctx, "Refresh cycle: %" PRIu64 " report(s) sent upstream", e->count);
                bus_emit_refresh_completed(m, e->count);
                break;
        case EVENT_REFRESH_SKIPPED:
                log_ctx(LOG_DEBUG, &ctx, "Refresh cycle skipped: an upstream querier is present");
                break;
        case EVENT_ROUTE_ADDED:
                ctx.message_id = MSG_ROUTE_ADDED;
                log_ctx(LOG_INFO, &ctx, "Forwarding %s from %s", g, s);
                break;
        case EVENT_ROUTE_REMOVED:
                log_ctx(LOG_INFO, &ctx, "Stopped forwarding %s from %s", g, s);
                break;
        case EVENT_ROUTE_REJECTED:
                log_ctx(LOG_DEBUG, &ctx, "Not forwarding %s from %s: source outside the upstream subnet and altnets",
                        g, s);
                break;
        case EVENT_QUERIER_LOST:
                log_ctx(LOG_NOTICE, &ctx, "%s: %s is the querier now (lower address)", ctx.interface, s);
                break;
        case EVENT_QUERIER_RESUMED:
                log_ctx(LOG_NOTICE, &ctx, "%s: other querier gone, querying again", ctx.interface);
                break;
        case EVENT_GROUP_LIMIT:
                /* One line per 5 s however hard a host floods. */
                if (!log_ratelimit_ok(&m->group_limit_log, now_usec(m), 5 * USEC_PER_SEC, 1))
                        break;
                ctx.message_id = MSG_GROUP_LIMIT;
                log_ctx(LOG_WARNING, &ctx,
                        "%s: MaxGroupsPerInterface=%u reached, dropping report for %s from %s (%" PRIu64
                        " dropped so far)",
                        ctx.interface, m->config->max_groups, g, s, e->count);
                break;
        case EVENT_STREAM_STALLED:
                bus_emit_stream_stalled(m, e->group);
                /* Many silent groups at once must not flood the journal: five
                 * lines a second; the StreamStalls counter has them all. */
                if (!log_ratelimit_ok(&m->stall_log, now_usec(m), USEC_PER_SEC, 5))
                        break;
                ctx.message_id = MSG_STREAM_STALLED;
                log_ctx(LOG_WARNING, &ctx,
                        "No packet of %s for StallTimeoutSec=%" PRIu64 "s, reported it upstream again (%" PRIu64
                        " stalls so far)",
                        g, m->config->stall_timeout / USEC_PER_SEC, e->count);
                break;
        case EVENT_UPSTREAM_QUERY:
                ctx.igmp_version = (int) e->count;
                log_ctx(LOG_DEBUG, &ctx, "IGMPv%" PRIu64 " query heard upstream on %s", e->count, ctx.interface);
                break;
        default:
                break;
        }
}

static void manager_update_timer(Manager *m);

static void manager_apply_effects(Manager *m) {
        /* Index walk: MFC_POLL answers can append effects while we go. */
        for (size_t i = 0; i < proxy_n_effects(m->proxy); i++) {
                Effect e = *proxy_effect(m->proxy, i);
                switch (e.type) {
                case EFFECT_SEND_QUERY:
                case EFFECT_SEND_REPORT:
                case EFFECT_SEND_LEAVE:
                        apply_send(m, &e);
                        break;
                case EFFECT_MFC_SET:
                case EFFECT_MFC_DEL:
                case EFFECT_MFC_POLL:
                case EFFECT_GROUP_POLL:
                        apply_mfc(m, &e);
                        break;
                case EFFECT_EVENT:
                        apply_event(m, &e);
                        break;
                default:
                        break;
                }
        }
        proxy_effects_clear(m->proxy);
        manager_update_timer(m);
        manager_update_status(m);
}

/* ---- sd_notify ------------------------------------------------------------------ */

/* What STATUS= is made of, folded into one number: the text is rebuilt only
 * when this changes, not after every report (it cost half of the daemon's
 * instructions per report when rebuilt each time). */
static uint64_t status_fingerprint(Manager *m) {
        uint64_t h = 1469598103934665603ULL;
#define MIX(x) (h = (h ^ (uint64_t) (x)) * 1099511628211ULL)
        MIX(proxy_n_joined(m->proxy));
        MIX((uintptr_t) m->config);
        MIX((uintptr_t) m->reload_error);
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active) {
                        MIX(v);
                        MIX(m->vifs[v].ifindex);
                        MIX(proxy_n_listeners(m->proxy, v));
                }
        for (size_t k = 0; k < m->n_waits; k++)
                MIX((uintptr_t) m->waits[k].reason);
#undef MIX
        return h;
}

void manager_update_status(Manager *m) {
        char buf[512], *p = buf;
        size_t left = sizeof buf;
        uint64_t fp;
        int n;

        if (!m->proxy || m->stopping)
                return;
        fp = status_fingerprint(m);
        if (m->status && fp == m->status_fingerprint)
                return;
        m->status_fingerprint = fp;
        n = snprintf(p, left, "%zu group%s", proxy_n_joined(m->proxy), proxy_n_joined(m->proxy) == 1 ? "" : "s");
        p += n;
        left -= (size_t) n;
        for (int v = 0; v < PROXY_MAX_VIFS && left > 64; v++)
                if (m->vifs[v].active && m->vifs[v].role == ROLE_DOWNSTREAM) {
                        n = snprintf(p, left, ", %zu on %s", proxy_n_listeners(m->proxy, v), m->vifs[v].name);
                        p += n;
                        left -= (size_t) n;
                }
        if (left > 64) {
                if (m->config->refresh == REFRESH_NO)
                        n = snprintf(p, left, ", refresh off");
                else
                        n = snprintf(p, left, ", refresh%s every %" PRIu64 "s",
                                     m->config->refresh == REFRESH_AUTO ? " (auto)" : "",
                                     m->config->refresh_interval / USEC_PER_SEC);
                p += n;
                left -= (size_t) n;
        }
        for (size_t k = 0; k < m->n_waits && left > 48; k++)
                if (m->waits[k].reason && config_find_iface(m->config, m->waits[k].name)) {
                        n = snprintf(p, left, "; waiting for %s (%s)", m->waits[k].name, m->waits[k].reason);
                        p += n;
                        left -= (size_t) n;
                }
        if (m->reload_error && left > 32)
                snprintf(p, left, "; reload failed, old configuration kept: %s", m->reload_error);
        if (m->status && strcmp(m->status, buf) == 0)
                return;
        free(m->status);
        m->status = strdup(buf);
        (void) sd_notifyf(false, "STATUS=%s", buf);
}

/* The ping means "the proxy works", not just "the loop turns": it is sent
 * from the loop (so a hung loop stops it) and only while the core's timers,
 * the refresh cycle among them, are served on time (proxy_overdue()). */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        usec_t now = now_usec(m);

        if (proxy_overdue(m->proxy, now)) {
                if (!m->watchdog_unhealthy) {
                        LogContext ctx = { .message_id = MSG_WATCHDOG_UNHEALTHY };
                        log_ctx(LOG_ERR, &ctx, "Protocol timers are overdue (next due %" PRIu64 " ms ago); "
                                "withholding watchdog pings",
                                (now - proxy_next_deadline(m->proxy)) / USEC_PER_MSEC);
                }
                m->watchdog_unhealthy = true;
        } else {
                m->watchdog_unhealthy = false;
                (void) sd_notify(false, "WATCHDOG=1");
        }
        (void) sd_event_source_set_time(s, now + m->watchdog_usec / 2);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* ---- timer ------------------------------------------------------------------- */

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        proxy_run_timers(m->proxy, now_usec(m));
        manager_apply_effects(m);
        return 0;
}

static void manager_update_timer(Manager *m) {
        usec_t next = proxy_next_deadline(m->proxy);
        int r;

        if (!m->timer_source)
                return;
        if (next == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF);
                return;
        }
        r = sd_event_source_set_time(m->timer_source, next);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->timer_source, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to arm timer: %m");
}

/* ---- input --------------------------------------------------------------------- */

static void handle_packet(Manager *m, const uint8_t *buf, size_t len, int ifindex, usec_t now) {
        IgmpParseError why;
        IgmpMessage msg;
        IpInfo ip;
        int vif;
        in4_t src, grp;

        switch (mroute_parse_upcall(buf, len, &vif, &src, &grp)) {
        case MROUTE_UPCALL_NOCACHE:
                proxy_handle_nocache(m->proxy, vif, src, grp, now);
                return;
        case MROUTE_UPCALL_NONE:
                break;
        default:
                return;
        }

        if (ip_parse(buf, len, &ip) < 0) {
                ip.src = 0;
                why = IGMP_PARSE_BAD_IP;
        } else if (igmp_parse(ip.payload, ip.payload_len, &msg, &why) >= 0) {
                proxy_handle_igmp(m->proxy, ifindex, &ip, &msg, now);
                return;
        }
        {
                char a[IN4_STRLEN];
                m->rx_malformed++;
                log_debug("Dropped malformed IGMP packet from %s: %s", ip.src ? in4_to_string(ip.src, a) : "?",
                          igmp_parse_error_to_string(why));
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        uint8_t buf[9000];
        usec_t now = now_usec(m);

        /* Drain what is queued, bounded so timers get their turn. */
        for (int k = 0; k < 256; k++) {
                int ifindex = 0;
                ssize_t n = igmp_socket_recv(fd, buf, sizeof buf, &ifindex);
                if (n == -EAGAIN || n == -EINTR)
                        break;
                if (n == -EMSGSIZE) {
                        m->rx_malformed++;
                        continue;
                }
                if (n < 0) {
                        log_warning_errno((int) n, "Failed to receive on the IGMP socket: %m, ignoring");
                        break;
                }
                handle_packet(m, buf, (size_t) n, ifindex, now);
        }
        manager_apply_effects(m);
        return 0;
}

/* ---- interfaces -------------------------------------------------------------------- */

static int iface_ipv4(const char *name, in4_t *ret_addr, uint8_t *ret_prefixlen) {
        struct ifaddrs *list = NULL;
        int r = -EADDRNOTAVAIL;

        if (getifaddrs(&list) < 0)
                return -errno;
        for (struct ifaddrs *a = list; a; a = a->ifa_next) {
                if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, name) != 0)
                        continue;
                in4_t mask = ntohl(((struct sockaddr_in *) a->ifa_netmask)->sin_addr.s_addr);
                *ret_addr = ntohl(((struct sockaddr_in *) a->ifa_addr)->sin_addr.s_addr);
                *ret_prefixlen = (uint8_t) __builtin_popcount(mask);
                r = 0;
                break;
        }
        freeifaddrs(list);
        return r;
}

/* Why an interface cannot serve now (NULL: it can): it must exist, be up
 * and have an IPv4 address. */
static const char *iface_unusable(Manager *m, const char *name, unsigned *ret_ifindex, in4_t *ret_addr,
                                  uint8_t *ret_plen) {
        struct ifreq ifr = {};
        unsigned ifindex = if_nametoindex(name);

        if (ifindex == 0)
                return "absent";
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(m->fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP))
                return "down";
        if (iface_ipv4(name, ret_addr, ret_plen) < 0)
                return "no IPv4 address";
        *ret_ifindex = ifindex;
        return NULL;
}

/* Interfaces named in the configuration that are not in service, and why;
 * and which ones were in service once (so their return is announced). */
static IfaceWait *wait_get(Manager *m, const char *name, bool create) {
        for (size_t k = 0; k < m->n_waits; k++)
                if (strcmp(m->waits[k].name, name) == 0)
                        return &m->waits[k];
        if (!create || m->n_waits >= ELEMENTSOF(m->waits))
                return NULL;
        snprintf(m->waits[m->n_waits].name, IFNAMSIZ, "%s", name);
        m->waits[m->n_waits].reason = NULL;
        m->waits[m->n_waits].was_active = false;
        return &m->waits[m->n_waits++];
}

static int manager_add_iface(Manager *m, const char *name, IfaceRole role, const IfaceConfig *ic) {
        char a[IN4_STRLEN];
        unsigned ifindex = 0;
        in4_t addr = 0;
        uint8_t plen = 0;
        const char *why;
        IfaceWait *w;
        int vif, r;

        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active && strcmp(m->vifs[v].name, name) == 0)
                        return 0; /* already in service (reload) */
        why = iface_unusable(m, name, &ifindex, &addr, &plen);
        w = wait_get(m, name, ic != NULL);
        if (why) {
                /* Only interfaces named in the configuration are waited for,
                 * and each state is said once, not at every event. */
                if (w && w->reason != why) {
                        log_notice("%s (%s): %s, waiting for it", name, iface_role_to_string(role), why);
                        w->reason = why;
                }
                return 0;
        }
        vif = proxy_add_iface(m->proxy, (int) ifindex, name, role, addr, plen, ic, now_usec(m));
        if (vif < 0)
                return log_error_errno(vif, "Failed to add interface %s: %m", name);
        r = mroute_add_vif(m->fd, vif, (int) ifindex, ic ? ic->threshold : 1, ic ? ic->ratelimit : 0);
        if (r < 0) {
                proxy_remove_iface(m->proxy, vif, now_usec(m));
                return log_error_errno(r, "Failed to add VIF %d for %s: %m", vif, name);
        }
        if (role == ROLE_DOWNSTREAM) {
                r = igmp_socket_router_groups(m->fd, (int) ifindex, true);
                if (r < 0)
                        log_warning_errno(r, "%s: failed to join 224.0.0.2/224.0.0.22, IGMPv3 reports and leaves "
                                             "will not be heard: %m", name);
        }
        m->vifs[vif] = (ManagedIface) {
                .active = true,
                .ifindex = (int) ifindex,
                .role = role,
                .addr = addr,
                .prefixlen = plen,
                .threshold = ic ? ic->threshold : 1,
                .ratelimit = ic ? ic->ratelimit : 0,
        };
        snprintf(m->vifs[vif].name, sizeof m->vifs[vif].name, "%s", name);
        if (w && w->was_active) {
                LogContext ctx = { .interface = name, .message_id = MSG_INTERFACE_BACK };
                log_ctx(LOG_NOTICE, &ctx, "%s: back in service (%s, %s/%u, VIF %d)", name, iface_role_to_string(role),
                        in4_to_string(addr, a), plen, vif);
        } else
                log_info("%s: %s, %s/%u, VIF %d", name, iface_role_to_string(role), in4_to_string(addr, a), plen,
                         vif);
        if (w) {
                w->reason = NULL;
                w->was_active = true;
        }
        return 0;
}

static int manager_add_ifaces(Manager *m) {
        struct if_nameindex *all;
        int r = 0;

        /* Upstream first so downstream joins find it. */
        for (size_t k = 0; k < m->config->n_ifaces; k++) {
                const IfaceConfig *ic = &m->config->ifaces[k];
                if (ic->role == ROLE_UPSTREAM && (r = manager_add_iface(m, ic->name, ic->role, ic)) < 0)
                        return r;
        }
        for (size_t k = 0; k < m->config->n_ifaces; k++) {
                const IfaceConfig *ic = &m->config->ifaces[k];
                if (ic->role == ROLE_DOWNSTREAM && (r = manager_add_iface(m, ic->name, ic->role, ic)) < 0)
                        return r;
        }
        if (m->config->default_role != ROLE_DOWNSTREAM)
                return 0;

        /* defaultdown: every other multicast-capable interface with IPv4. */
        all = if_nameindex();
        if (!all)
                return log_error_errno(-errno, "Failed to list interfaces: %m");
        for (struct if_nameindex *x = all; x->if_index != 0; x++) {
                in4_t addr;
                uint8_t plen;
                if (config_find_iface(m->config, x->if_name) || strcmp(x->if_name, "lo") == 0)
                        continue;
                if (iface_ipv4(x->if_name, &addr, &plen) < 0)
                        continue;
                r = manager_add_iface(m, x->if_name, ROLE_DOWNSTREAM, NULL);
                if (r < 0)
                        break;
        }
        if_freenameindex(all);
        return r < 0 ? r : 0;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                _cleanup_(freep) char *err = NULL;
                (void) manager_reload(m, &err);
                return 0;
        }
        if (si->ssi_signo == SIGUSR1 && m->test_hooks) {
                /* Test hook: the core's timer stops being served while the
                 * loop goes on; the watchdog must notice. */
                log_warning("Test hook: no longer serving protocol timers");
                sd_event_source_set_enabled(m->timer_source, SD_EVENT_OFF);
                m->timer_source = sd_event_source_disable_unref(m->timer_source);
                return 0;
        }
        if (si->ssi_signo == SIGUSR2 && m->test_hooks) {
                /* Test hook: the loop hangs (bounded to 120 s). */
                log_warning("Test hook: stalling the event loop");
                for (int k = 0; k < 1200; k++)
                        usleep(100 * 1000);
                return 0;
        }
        if (si->ssi_signo == SIGUSR1 || si->ssi_signo == SIGUSR2)
                return 0;
        log_info("Received %s, shutting down", strsignal((int) si->ssi_signo));
        m->stopping = true;
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Shutting down: leaving groups upstream");
        manager_stop(m);
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

int manager_new(Config *config, const char *config_path, Manager **ret) {
        Manager *m = calloc(1, sizeof *m);
        int r;

        if (!m)
                return -ENOMEM;
        m->fd = -1;
        m->config = config;
        m->config_path = config_path ? strdup(config_path) : NULL;
        r = sd_event_default(&m->event);
        if (r < 0) {
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

static void on_netlink_change(void *userdata) {
        (void) manager_rescan(userdata);
}

int manager_start(Manager *m) {
        sigset_t ss;
        int r;

        m->fd = igmp_socket_open();
        if (m->fd < 0)
                return log_error_errno(m->fd, "Failed to open raw IGMP socket (needs CAP_NET_RAW): %m");
        r = mroute_init(m->fd);
        if (r == -EADDRINUSE) {
                LogContext ctx = { .message_id = MSG_MROUTE_BUSY };
                return log_ctx_errno(LOG_ERR, r, &ctx, "Another multicast routing daemon already owns the kernel's multicast "
                                          "routing table (MRT_INIT: %m). Find it with: ss -awp | grep -i raw "
                                          "(igmpproxy, smcroute, mcproxy, pimd...) and stop it first.");
        }
        if (r < 0)
                return log_error_errno(r, "Failed to become the kernel's multicast router (MRT_INIT, needs "
                                          "CAP_NET_ADMIN): %m");
        m->mrt_ready = true;

        m->proxy = proxy_new(m->config, ((uint64_t) getpid() << 32) ^ now_usec(m), now_usec(m));
        if (!m->proxy)
                return log_error_errno(-ENOMEM, "Out of memory");

        r = sd_event_add_time(m->event, &m->timer_source, CLOCK_MONOTONIC, USEC_INFINITY, USEC_PER_MSEC, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to create timer: %m");

        r = manager_add_ifaces(m);
        if (r < 0)
                return r;

        r = sd_event_add_io(m->event, &m->io_source, m->fd, EPOLLIN, on_io, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch the IGMP socket: %m");

        /* Interfaces that come, go, go down or change address are followed
         * from here on: the daemon never needs a restart for that. */
        r = netlink_watch(m->event, on_netlink_change, m, &m->netlink_source);
        if (r < 0)
                return log_error_errno(r, "Failed to watch interface changes (rtnetlink): %m");

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGUSR1);
        sigaddset(&ss, SIGUSR2);
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGUSR1, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGUSR2, on_signal, m)) < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        const char *hooks = getenv("IGMPPROXY_TEST_HOOKS");
        m->test_hooks = hooks && strcmp(hooks, "1") == 0;
        if (m->test_hooks)
                log_warning("IGMPPROXY_TEST_HOOKS=1: test-only stall hooks on SIGUSR1/SIGUSR2 are armed");

        if (sd_watchdog_enabled(false, &m->watchdog_usec) > 0 && m->watchdog_usec > 0) {
                r = sd_event_add_time_relative(m->event, &m->watchdog_source, CLOCK_MONOTONIC,
                                               m->watchdog_usec / 2, USEC_PER_MSEC, on_watchdog, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the watchdog timer: %m");
                (void) sd_notify(false, "WATCHDOG=1");
        }

        manager_apply_effects(m);
        return 0;
}

int manager_run(Manager *m) {
        return sd_event_loop(m->event);
}

void manager_stop(Manager *m) {
        if (m->proxy) {
                proxy_shutdown(m->proxy, now_usec(m));
                manager_apply_effects(m);
        }
        if (m->fd >= 0 && m->mrt_ready) {
                for (int v = 0; v < PROXY_MAX_VIFS; v++)
                        if (m->vifs[v].active) {
                                int r = mroute_del_vif(m->fd, v);
                                if (r < 0)
                                        log_warning_errno(r, "Failed to remove VIF %d (%s): %m, ignoring", v,
                                                          m->vifs[v].name);
                                m->vifs[v].active = false;
                        }
                /* MRT_DONE also flushes every MFC entry we might have missed. */
                mroute_done(m->fd);
                m->mrt_ready = false;
        }
}

/* Takes an interface out of service: after a reload (lost == NULL) or
 * because it went away, down or lost its address (lost = why). */
static void manager_remove_vif(Manager *m, int v, const char *lost) {
        ManagedIface *mi = &m->vifs[v];
        size_t groups = mi->role == ROLE_UPSTREAM ? proxy_n_groups(m->proxy) : proxy_n_listeners(m->proxy, v);
        int r;

        proxy_remove_iface(m->proxy, v, now_usec(m));
        manager_apply_effects(m);
        if (mi->role == ROLE_DOWNSTREAM)
                (void) igmp_socket_router_groups(m->fd, mi->ifindex, false);
        r = mroute_del_vif(m->fd, v);
        /* A deleted interface takes its VIF with it: nothing to remove then. */
        if (r < 0 && !lost)
                log_warning_errno(r, "Failed to remove VIF %d (%s): %m, ignoring", v, mi->name);
        mi->active = false;
        if (!lost) {
                log_info("%s: removed", mi->name);
                return;
        }
        IfaceWait *w = wait_get(m, mi->name, config_find_iface(m->config, mi->name) != NULL);
        if (w)
                w->reason = lost;
        LogContext ctx = { .interface = mi->name, .message_id = MSG_INTERFACE_LOST };
        if (mi->role == ROLE_UPSTREAM)
                log_ctx(LOG_WARNING, &ctx, "%s: upstream lost (%s); forwarding stops, the %zu group(s) with listeners "
                        "are joined again as soon as it is back", mi->name, lost, groups);
        else
                log_ctx(LOG_WARNING, &ctx, "%s: downstream lost (%s); its %zu group(s) dropped", mi->name, lost, groups);
}

int manager_reload(Manager *m, char **ret_error) {
        _cleanup_(config_freep) Config *old = NULL;
        _cleanup_(freep) char *error = NULL;
        Config *new = NULL;
        int r;

        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=Reloading configuration",
                          now_usec(m));
        r = config_load(m->config_path, &new, &error);
        if (r < 0) {
                LogContext ctx = { .message_id = MSG_CONFIG_REJECTED };
                log_ctx(LOG_ERR, &ctx, "Configuration not reloaded, keeping the old one: %s",
                        error ? error : strerror(-r));
                free(m->reload_error);
                m->reload_error = error ? strdup(error) : NULL;
                free(m->status); /* force a STATUS= with the reason */
                m->status = NULL;
                manager_update_status(m);
                (void) sd_notify(false, "READY=1");
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        m->reload_error = mfree(m->reload_error);
        if (new->warnings)
                log_warning("%s", new->warnings);

        /* 1. Interfaces that lost their role (or changed it, or their VIF
         *    settings) go first, while the old Config they point to lives. */
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                ManagedIface *mi = &m->vifs[v];
                const IfaceConfig *ic;
                if (!mi->active)
                        continue;
                ic = config_find_iface(new, mi->name);
                if (config_iface_role(new, mi->name) != mi->role || (ic ? ic->threshold : 1) != mi->threshold ||
                    (ic ? ic->ratelimit : 0) != mi->ratelimit)
                        manager_remove_vif(m, v, NULL);
        }

        /* 2. The core takes the new settings and filters. */
        old = m->config;
        m->config = new;
        proxy_set_config(m->proxy, new, now_usec(m));
        manager_apply_effects(m);

        /* 3. New interfaces (and the re-created ones) come in. */
        r = manager_add_ifaces(m);
        manager_apply_effects(m);
        if (r < 0)
                log_warning_errno(r, "Some interfaces could not be added after reload: %m");

        LogContext ctx = { .message_id = MSG_CONFIG_RELOADED };
        log_ctx(LOG_INFO, &ctx, "Configuration reloaded from %s", m->config_path);
        bus_emit_settings_changed(m);
        bus_emit_interfaces_changed(m);
        free(m->status);
        m->status = NULL;
        manager_update_status(m);
        (void) sd_notify(false, "READY=1");
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        bus_close(m);
        manager_stop(m);
        sd_event_source_unref(m->io_source);
        sd_event_source_unref(m->netlink_source);
        sd_event_source_unref(m->watchdog_source);
        free(m->status);
        free(m->reload_error);
        sd_event_source_unref(m->timer_source);
        proxy_free(m->proxy);
        if (m->fd >= 0)
                close(m->fd);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m->config_path);
        free(m);
        return NULL;
}

/* ---- runtime changes (D-Bus) ----------------------------------------------------------- */

usec_t manager_now(Manager *m) {
        return now_usec(m);
}

int manager_upstream_vif(Manager *m) {
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active && m->vifs[v].role == ROLE_UPSTREAM)
                        return v;
        return -1;
}

int manager_route_counters(Manager *m, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes) {
        if (m->fd < 0 || !m->mrt_ready)
                return -ENOTCONN;
        return mroute_get_count(m->fd, source, group, ret_packets, ret_bytes);
}

/* Swaps a modified copy in, as reload does (the core re-arms its schedule). */
static void manager_swap_config(Manager *m, Config *new) {
        _cleanup_(config_freep) Config *old = m->config;

        m->config = new;
        if (m->proxy) {
                proxy_set_config(m->proxy, new, now_usec(m));
                manager_apply_effects(m);
        }
        bus_emit_settings_changed(m);
}

int manager_set_refresh_mode(Manager *m, RefreshMode mode) {
        RefreshMode old = m->config->refresh;
        Config *c;

        if ((unsigned) mode >= _REFRESH_MODE_MAX)
                return -EINVAL;
        if (mode == old)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh = mode;
        manager_swap_config(m, c);
        log_info("Refresh (Movistar+ workaround) set to %s at runtime (until the next reload)",
                 refresh_mode_to_string(mode));
        /* Switched on by hand: the admin expects it to act now, not after InitialDelaySec. */
        if (old == REFRESH_NO && mode == REFRESH_YES)
                (void) manager_refresh_now(m);
        return 1;
}

int manager_set_refresh_interval(Manager *m, usec_t usec) {
        Config *c;

        if (usec < USEC_PER_SEC || usec > 259 * USEC_PER_SEC)
                return -ERANGE;
        if (usec == m->config->refresh_interval)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh_interval = usec;
        manager_swap_config(m, c);
        log_info("Refresh interval set to %" PRIu64 " ms at runtime (until the next reload)", usec / USEC_PER_MSEC);
        return 1;
}

int manager_set_initial_delay(Manager *m, usec_t usec) {
        Config *c;

        if (usec > 259 * USEC_PER_SEC)
                return -ERANGE;
        if (usec == m->config->refresh_initial_delay)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->refresh_initial_delay = usec;
        manager_swap_config(m, c);
        log_info("Refresh initial delay set to %" PRIu64 " ms at runtime (until the next reload)",
                 usec / USEC_PER_MSEC);
        return 1;
}

int manager_set_report_version(Manager *m, unsigned version) {
        Config *c;

        if (version < 1 || version > 3)
                return -EINVAL;
        if (version == m->config->report_version)
                return 0;
        c = config_dup(m->config);
        if (!c)
                return -ENOMEM;
        c->report_version = version;
        manager_swap_config(m, c);
        log_info("Upstream report version set to IGMPv%u at runtime (until the next reload)", version);
        return 1;
}

int manager_refresh_now(Manager *m) {
        if (!m->proxy || manager_upstream_vif(m) < 0)
                return -ENOTCONN;
        proxy_refresh_now(m->proxy, now_usec(m));
        manager_apply_effects(m);
        return 0;
}

int manager_rescan(Manager *m) {
        int r;

        if (!m->proxy)
                return -ENOTCONN;
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                ManagedIface *mi = &m->vifs[v];
                unsigned ifindex = 0;
                in4_t addr = 0;
                uint8_t plen = 0;
                const char *why;
                if (!mi->active)
                        continue;
                why = iface_unusable(m, mi->name, &ifindex, &addr, &plen);
                if (!why && (int) ifindex != mi->ifindex)
                        why = "re-created";
                if (why)
                        manager_remove_vif(m, v, why);
                else if (addr != mi->addr || plen != mi->prefixlen) {
                        char a[IN4_STRLEN];
                        (void) proxy_set_iface_address(m->proxy, v, addr, plen);
                        mi->addr = addr;
                        mi->prefixlen = plen;
                        log_info("%s: address now %s/%u", mi->name, in4_to_string(addr, a), plen);
                        /* The upstream router learns the new source at once,
                         * not at the next refresh cycle. */
                        if (mi->role == ROLE_UPSTREAM)
                                proxy_refresh_now(m->proxy, now_usec(m));
                }
        }
        r = manager_add_ifaces(m);
        manager_apply_effects(m);
        bus_emit_interfaces_changed(m);
        return r;
}
