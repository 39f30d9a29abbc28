/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager.c - the daemon's life: the sd-event loop, the raw IGMP / mroute
 * socket and what arrives on it (IGMP to the core, kernel upcalls), the one
 * timer that follows the core's earliest deadline, signals, the watchdog,
 * start-up and an orderly stop that leaves nothing in the kernel.
 *
 * Holds no protocol rule (the core does) and decides nothing about
 * interfaces (manager-ifaces.c) or configuration (manager-config.c); effects
 * are carried out by manager-effects.c. It never calls the D-Bus code: the
 * bus registers a ManagerNotifier. Errors from the kernel are logged and
 * survived; only start-up failures end the daemon.
 */
#include "manager.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "igmp-socket.h"
#include "log.h"
#include "messages.h"
#include "mroute.h"
#include "netlink.h"
#include "test-hooks.h"

/* The ping means "the proxy works", not just "the loop turns": it is sent
 * from the loop (so a hung loop stops it) and only while the core's timers,
 * the refresh cycle among them, are served on time (proxy_overdue()). */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        usec_t now = manager_now(m);

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

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        proxy_run_timers(m->proxy, manager_now(m));
        manager_apply_effects(m);
        return 0;
}

/* -vv: one line per IGMP packet received. */
static void trace_packet(int ifindex, const IpInfo *ip, const IgmpMessage *msg) {
        char ifname[IF_NAMESIZE] = "?", a[IN4_STRLEN], g[IN4_STRLEN], extra[48] = "";
        const char *what;

        switch (msg->type) {
        case IGMP_TYPE_QUERY:
                what = msg->group ? "group-specific query" : "general query";
                break;
        case IGMP_TYPE_V1_REPORT:
        case IGMP_TYPE_V2_REPORT:
        case IGMP_TYPE_V3_REPORT:
                what = "report";
                break;
        case IGMP_TYPE_V2_LEAVE:
                what = "leave";
                break;
        default:
                what = "message";
        }
        if (msg->type == IGMP_TYPE_QUERY && msg->version == 3)
                (void) snprintf(extra, sizeof extra, ", %u source(s)%s", msg->n_sources,
                                msg->s_flag ? ", S flag" : "");
        else if (msg->type == IGMP_TYPE_V3_REPORT)
                (void) snprintf(extra, sizeof extra, ", %u record(s)", msg->n_records);
        (void) if_indextoname((unsigned) ifindex, ifname);
        log_debug("Received IGMPv%u %s for %s from %s on %s (TTL %u%s%s)", msg->version, what,
                  in4_to_string(msg->group, g), in4_to_string(ip->src, a), ifname, ip->ttl,
                  ip->router_alert ? ", Router Alert" : "", extra);
}

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
                if (log_trace_packets)
                        trace_packet(ifindex, &ip, &msg);
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
        static IgmpRx rx[IGMP_RX_BATCH];
        Manager *m = userdata;
        usec_t now = manager_now(m);

        /* Drain what is queued, IGMP_RX_BATCH packets a system call, bounded
         * (256 packets) so timers get their turn. */
        for (int total = 0; total < 256;) {
                int n = igmp_socket_recv_batch(fd, rx, ELEMENTSOF(rx));
                if (n == -EAGAIN || n == -EINTR || n == 0)
                        break;
                if (n < 0) {
                        log_warning_errno(n, "Failed to receive on the IGMP socket: %m, ignoring");
                        break;
                }
                for (int k = 0; k < n; k++) {
                        if (rx[k].truncated)
                                m->rx_malformed++;
                        else
                                handle_packet(m, rx[k].buf, rx[k].len, rx[k].ifindex, now);
                }
                total += n;
                if (n < (int) ELEMENTSOF(rx))
                        break; /* the queue is empty */
        }
        manager_apply_effects(m);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                _cleanup_(freep) char *err = NULL;
                (void) manager_reload(m, &err);
                return 0;
        }
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
        m->stats_fd = -1;
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
        /* Every route's counters in one dump (without it, one ioctl per route). */
        m->stats_fd = mroute_stats_open();
        if (m->stats_fd < 0)
                log_notice_errno(m->stats_fd, "No rtnetlink socket for the routes' counters (%m): reading each "
                                              "route's counters instead");

        m->proxy = proxy_new(m->config, ((uint64_t) getpid() << 32) ^ manager_now(m), manager_now(m));
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
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m)) < 0)
                return log_error_errno(r, "Failed to watch signals: %m");

        r = test_hooks_setup(m);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the test hooks: %m");

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
                proxy_shutdown(m->proxy, manager_now(m));
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

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        manager_stop(m);
        sd_event_source_unref(m->io_source);
        sd_event_source_unref(m->netlink_source);
        sd_event_source_unref(m->watchdog_source);
        free(m->status);
        free(m->v3_records);
        free(m->v3_sources);
        free(m->reload_error);
        sd_event_source_unref(m->timer_source);
        proxy_free(m->proxy);
        if (m->fd >= 0)
                close(m->fd);
        if (m->stats_fd >= 0)
                close(m->stats_fd);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m->config_path);
        free(m);
        return NULL;
}

int manager_route_counters(Manager *m, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes) {
        if (m->fd < 0 || !m->mrt_ready)
                return -ENOTCONN;
        return mroute_get_count(m->fd, source, group, ret_packets, ret_bytes);
}

