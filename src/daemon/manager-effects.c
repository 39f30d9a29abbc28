/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager-effects.c - carries out the Effect records the core returns:
 * IGMP packets onto the raw socket, MFC changes and counter reads through
 * mroute.c, events into log lines (with journal fields) and notifier calls
 * (D-Bus signals); then re-arms the one timer for the core's next deadline
 * and refreshes STATUS=.
 *
 * No protocol rule is decided here, and nothing here reads input: sockets and
 * signals are manager.c's, interfaces manager-ifaces.c's.
 */
#include "manager.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "igmp-socket.h"
#include "log.h"
#include "messages.h"
#include "mroute.h"

static void send_failed(Manager *m, int r, const char *what, int vif, in4_t group) {
        usec_t now = manager_now(m);
        char g[IN4_STRLEN];

        m->send_errors++;
        /* A link that is down makes every send fail: one line per 10 s is enough. */
        if (m->last_send_error_log && now - m->last_send_error_log < 10 * USEC_PER_SEC)
                return;
        m->last_send_error_log = now;
        LogContext ctx = { .interface = manager_vif_name(m, vif), .group = group, .message_id = MSG_SEND_FAILED };
        log_ctx_errno(LOG_WARNING, r, &ctx, "Failed to send %s for %s on %s (%" PRIu64 " send errors so far): %m, ignoring", what,
                          in4_to_string(group, g), manager_vif_name(m, vif), m->send_errors);
}

/* An IGMPv3 report record (Effect.record, Effect.group): collected until the
 * record that ends the packet (more = false), then sent as one report with
 * all of them (the core sized it to the MTU). */
static void send_v3_report(Manager *m, const Effect *e) {
        uint8_t *buf;
        size_t n;
        int len, r;

        if (m->n_v3_records == m->cap_v3_records) {
                size_t cap = m->cap_v3_records ? 2 * m->cap_v3_records : 64;
                IgmpGroupRecord *a = realloc(m->v3_records, cap * sizeof *a);
                if (!a) {
                        m->n_v3_records = 0;
                        log_error_errno(-ENOMEM, "Failed to assemble an IGMPv3 report: %m");
                        return;
                }
                m->v3_records = a;
                m->cap_v3_records = cap;
        }
        m->v3_records[m->n_v3_records++] = (IgmpGroupRecord) { .type = e->record, .group = e->group };
        if (e->more && e->type == EFFECT_SEND_REPORT)
                return;
        n = m->n_v3_records;
        m->n_v3_records = 0;
        buf = malloc(8 + 8 * n);
        if (!buf) {
                log_error_errno(-ENOMEM, "Failed to build an IGMPv3 report: %m");
                return;
        }
        len = igmp_build_v3_report(buf, 8 + 8 * n, m->v3_records, n);
        if (len < 0) {
                log_error_errno(len, "Failed to build IGMPv3 report: %m");
                free(buf);
                return;
        }
        r = igmp_socket_send(m->fd, m->vifs[e->vif].ifindex, m->vifs[e->vif].addr, IN4_IGMPV3_ROUTERS, buf,
                             (size_t) len);
        free(buf);
        if (log_trace_packets) {
                char g[IN4_STRLEN];
                log_debug("Sent IGMPv3 report, %zu record(s), last %u for %s, on %s%s", n, e->record,
                          in4_to_string(e->group, g), m->vifs[e->vif].name, r < 0 ? " (failed)" : "");
        }
        if (r < 0)
                send_failed(m, r, "report", e->vif, e->group);
}

static void apply_send(Manager *m, const Effect *e) {
        uint8_t buf[64];
        in4_t dst;
        int len, r;
        const char *what;

        if (e->vif < 0 || e->vif >= PROXY_MAX_VIFS || !m->vifs[e->vif].active)
                return;
        if ((e->type == EFFECT_SEND_REPORT || e->type == EFFECT_SEND_LEAVE) && e->version == 3) {
                send_v3_report(m, e);
                return;
        }
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
        if (log_trace_packets) {
                char d[IN4_STRLEN], g[IN4_STRLEN];
                log_debug("Sent IGMPv%u %s for %s to %s on %s%s", e->version, what, in4_to_string(e->group, g),
                          in4_to_string(dst, d), m->vifs[e->vif].name, r < 0 ? " (failed)" : "");
        }
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
        }
}

/* ---- EFFECT_ACTIVITY_POLL ------------------------------------------------------ */

typedef struct StatsCtx {
        Manager *m;
        usec_t now;
} StatsCtx;

/* Every route of the table, whatever it arrives on (the upstream, or a
 * downstream link with a sender): the kernel holds one per (S,G), and the
 * core ignores those it does not know. */
static void on_route_stats(void *userdata, in4_t source, in4_t group, int iif, uint64_t packets, uint64_t idle) {
        StatsCtx *c = userdata;

        (void) iif;
        proxy_route_counters(c->m->proxy, source, group, packets, idle, c->now);
}

typedef struct SourceList {
        in4_t *pairs; /* source, group, source, group, ... */
        size_t n, cap;
        Proxy *proxy;
} SourceList;

static int collect_sources(const ProxyGroupInfo *info, void *userdata) {
        SourceList *l = userdata;
        in4_t sources[64];
        size_t n = proxy_group_sources(l->proxy, info->group, sources, ELEMENTSOF(sources));

        n = MIN(n, ELEMENTSOF(sources));

        if (l->n + 2 * n > l->cap) {
                size_t cap = MAX(2 * l->cap, l->n + 2 * n + 64);
                in4_t *p = realloc(l->pairs, cap * sizeof *p);
                if (!p)
                        return -ENOMEM;
                l->pairs = p;
                l->cap = cap;
        }
        for (size_t k = 0; k < n; k++) {
                l->pairs[l->n++] = sources[k];
                l->pairs[l->n++] = info->group;
        }
        return 0;
}

/* Where the dump is not to be had: one SIOCGETSGCNT per route the core
 * knows, without the time of the last packet. Returns false if the routes
 * could not even be listed. */
static bool read_activity_per_route(Manager *m, usec_t now) {
        SourceList l = { .proxy = m->proxy };
        bool ok = proxy_foreach_group(m->proxy, collect_sources, &l) >= 0;

        for (size_t k = 0; ok && k + 1 < l.n; k += 2) {
                uint64_t pkts = 0;
                if (mroute_get_count(m->fd, l.pairs[k], l.pairs[k + 1], &pkts, NULL) >= 0)
                        proxy_route_counters(m->proxy, l.pairs[k], l.pairs[k + 1], pkts, ROUTE_IDLE_UNKNOWN, now);
        }
        free(l.pairs);
        return ok;
}

/* One look at every route's counters (activity.c in the core): one rtnetlink
 * dump of the multicast routing table. If the kernel refuses such dumps the
 * daemon says so once and reads each route with SIOCGETSGCNT from then on; a
 * dump that fails otherwise (a busy socket) falls back for this look only. */
static void read_activity(Manager *m) {
        usec_t now = manager_now(m);
        bool complete;
        int r = -ENOTCONN;

        if (m->stats_fd >= 0) {
                StatsCtx c = { .m = m, .now = now };
                r = mroute_stats_dump(m->stats_fd, on_route_stats, &c);
                if (r == -EOPNOTSUPP || r == -EINVAL || r == -EPROTONOSUPPORT || r == -EPERM) {
                        log_notice_errno(r, "The kernel does not list multicast routes over rtnetlink (%m): reading "
                                            "each route's counters instead");
                        close(m->stats_fd);
                        m->stats_fd = -1;
                }
        }
        complete = r >= 0 ? true : read_activity_per_route(m, now);
        proxy_activity_done(m->proxy, complete, now);
}

static bool log_ratelimit_ok(LogRatelimit *rl, usec_t now, usec_t interval, unsigned burst) {
        if (rl->begin == 0 || now - rl->begin >= interval) {
                rl->begin = now;
                rl->n = 0;
        }
        return rl->n++ < burst;
}

/* Keeps the last few refused (S,G), most recent first, one row each. */
static void remember_rejected(Manager *m, in4_t source, in4_t group) {
        RejectedStream r = { .source = source, .group = group };
        size_t k;

        for (k = 0; k < m->n_rejected; k++)
                if (m->rejected[k].source == source && m->rejected[k].group == group)
                        break;
        if (k < m->n_rejected)
                r = m->rejected[k];
        else
                k = m->n_rejected < MANAGER_MAX_REJECTED ? m->n_rejected++ : MANAGER_MAX_REJECTED - 1;
        memmove(&m->rejected[1], &m->rejected[0], k * sizeof r);
        r.last = manager_now(m);
        r.upcalls++;
        m->rejected[0] = r;
}

static void apply_event(Manager *m, const Effect *e) {
        char g[IN4_STRLEN], s[IN4_STRLEN];
        LogContext ctx = {
                .interface = e->vif >= 0 ? manager_vif_name(m, e->vif) : NULL,
                .group = e->group,
                .source = e->source,
        };

        /* Route events on a downstream VIF are about a host sending there (RFC 4605 4.2). */
        bool sender = e->vif >= 0 && e->vif < PROXY_MAX_VIFS && m->vifs[e->vif].active &&
                      m->vifs[e->vif].role == ROLE_DOWNSTREAM;

        in4_to_string(e->group, g);
        in4_to_string(e->source, s);
        switch (e->event) {
        case EVENT_MEMBER_JOINED:
                log_ctx(LOG_DEBUG, &ctx, "%s: listeners for %s", ctx.interface, g);
                manager_notify(m, group_changed, true, e->group, ctx.interface);
                break;
        case EVENT_MEMBER_LEFT:
                log_ctx(LOG_DEBUG, &ctx, "%s: no more listeners for %s (%s)", ctx.interface, g,
                        leave_reason_to_string((EventLeaveReason) e->count));
                manager_notify(m, group_changed, false, e->group, ctx.interface);
                break;
        case EVENT_UPSTREAM_JOINED:
                ctx.igmp_version = (int) e->count;
                ctx.message_id = MSG_UPSTREAM_JOINED;
                log_ctx(LOG_INFO, &ctx, "Joined %s upstream on %s (IGMPv%" PRIu64 " report)", g, ctx.interface,
                        e->count);
                manager_notify(m, group_changed, true, e->group, ctx.interface);
                break;
        case EVENT_UPSTREAM_LEFT:
                if (e->count == 0) { /* the upstream interface is gone: nothing was sent */
                        ctx.message_id = MSG_UPSTREAM_DROPPED;
                        log_ctx(LOG_INFO, &ctx, "Dropped %s upstream on %s: the interface is lost, no leave sent",
                                g, ctx.interface);
                } else {
                        ctx.message_id = MSG_UPSTREAM_LEFT;
                        log_ctx(LOG_INFO, &ctx, "Left %s upstream on %s", g, ctx.interface);
                }
                manager_notify(m, group_changed, false, e->group, ctx.interface);
                break;
        case EVENT_REFRESH_CYCLE:
                ctx.message_id = MSG_REFRESH_CYCLE;
                ctx.igmp_version = (int) m->config->report_version;
                log_ctx(LOG_DEBUG, &ctx, "Refresh cycle: %" PRIu64 " report(s) sent upstream", e->count);
                manager_notify(m, refresh_completed, e->count);
                break;
        case EVENT_REFRESH_SKIPPED:
                log_ctx(LOG_DEBUG, &ctx, "Refresh cycle skipped: an upstream querier is present");
                break;
        case EVENT_ROUTE_ADDED:
                ctx.message_id = MSG_ROUTE_ADDED;
                if (sender)
                        log_ctx(LOG_INFO, &ctx, "Forwarding %s from %s, a sender on %s", g, s, ctx.interface);
                else
                        log_ctx(LOG_INFO, &ctx, "Forwarding %s from %s", g, s);
                break;
        case EVENT_ROUTE_REMOVED:
                if (sender)
                        log_ctx(LOG_INFO, &ctx, "Stopped forwarding %s from %s, a sender on %s", g, s, ctx.interface);
                else
                        log_ctx(LOG_INFO, &ctx, "Stopped forwarding %s from %s", g, s);
                break;
        case EVENT_ROUTE_REJECTED:
                if (sender) {
                        /* Not the upstream's AltNet= business: no StreamRejected, no RejectedStreams. */
                        log_ctx(LOG_DEBUG, &ctx, "Not forwarding %s from %s, a sender on %s: %s", g, s, ctx.interface,
                                e->count == ROUTE_REJECT_LIMIT ? "MaxGroupsPerInterface= routes of senders there already"
                                                               : "source outside the interface's subnet");
                        break;
                }
                remember_rejected(m, e->source, e->group);
                manager_notify(m, stream_rejected, e->source, e->group);
                log_ctx(LOG_DEBUG, &ctx, "Not forwarding %s from %s: source outside the upstream subnet and altnets",
                        g, s);
                break;
        case EVENT_QUERIER_LOST:
                log_ctx(LOG_NOTICE, &ctx, "%s: %s is the querier now (lower address)", ctx.interface, s);
                manager_notify(m, querier_changed, ctx.interface, e->source, "other");
                break;
        case EVENT_QUERIER_RESUMED:
                log_ctx(LOG_NOTICE, &ctx, "%s: other querier gone, querying again", ctx.interface);
                manager_notify(m, querier_changed, ctx.interface, m->vifs[e->vif].addr, "us");
                break;
        case EVENT_GROUP_LIMIT:
                /* One line per 5 s however hard a host floods. */
                if (!log_ratelimit_ok(&m->group_limit_log, manager_now(m), 5 * USEC_PER_SEC, 1))
                        break;
                ctx.message_id = MSG_GROUP_LIMIT;
                log_ctx(LOG_WARNING, &ctx,
                        "%s: MaxGroupsPerInterface=%u reached, dropping report for %s from %s (%" PRIu64
                        " dropped so far)",
                        ctx.interface, m->config->max_groups, g, s, e->count);
                break;
        case EVENT_STREAM_STALLED:
                manager_notify(m, stream_stalled, e->group);
                /* Many silent groups at once must not flood the journal: five
                 * lines a second; the StreamStalls counter has them all. */
                if (!log_ratelimit_ok(&m->stall_log, manager_now(m), USEC_PER_SEC, 5))
                        break;
                ctx.message_id = MSG_STREAM_STALLED;
                log_ctx(LOG_WARNING, &ctx,
                        "No packet of %s for StallTimeoutSec=%" PRIu64 "s, reported it upstream again (%" PRIu64
                        " stalls so far)",
                        g, m->config->stall_timeout / USEC_PER_SEC, e->count);
                break;
        case EVENT_GROUP_SILENT:
                log_ctx(LOG_DEBUG, &ctx,
                        "No stream of %s since it was joined %" PRIu64 "s ago: refreshed like any other group, it "
                        "cannot stall until a stream arrives", g, m->config->stall_timeout / USEC_PER_SEC);
                break;
        case EVENT_UPSTREAM_QUERY:
                ctx.igmp_version = (int) e->count;
                log_ctx(LOG_DEBUG, &ctx, "IGMPv%" PRIu64 " query heard upstream on %s from %s", e->count,
                        ctx.interface, s);
                if (!m->upstream_querier_announced) {
                        m->upstream_querier_announced = true;
                        manager_notify(m, querier_changed, ctx.interface, 0, "heard");
                }
                break;
        case EVENT_UPSTREAM_VERSION:
                /* RFC 3376 7.2.1: an older querier came or its timer ran out. */
                ctx.igmp_version = (int) e->count;
                if (e->source)
                        log_ctx(LOG_NOTICE, &ctx, "%s: IGMPv%" PRIu64 " querier %s heard, reporting in IGMPv%" PRIu64
                                " while it is present", ctx.interface, e->count, s, e->count);
                else
                        log_ctx(LOG_NOTICE, &ctx, "%s: no older querier any more, reporting in IGMPv%" PRIu64,
                                ctx.interface, e->count);
                break;
        default:
                break;
        }
}


static void update_timer(Manager *m) {
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

/* The core could not allocate: a membership, group or route was not created,
 * or effects were dropped. Said at once, at most every 10 s, with the totals:
 * the daemon is no longer doing all it should. */
static void check_memory(Manager *m) {
        const ProxyStats *s = proxy_stats(m->proxy);

        if (s->alloc_failures == m->alloc_failures_seen && s->effects_lost == m->effects_lost_seen)
                return;
        if (!log_ratelimit_ok(&m->oom_log, manager_now(m), 10 * USEC_PER_SEC, 1))
                return;
        m->alloc_failures_seen = s->alloc_failures;
        m->effects_lost_seen = s->effects_lost;
        log_error("Out of memory: %" PRIu64 " membership, group or route record(s) not created and %" PRIu64
                  " effect(s) (sends, routes, events) lost so far; receivers may miss streams until memory is "
                  "freed (restart igmpproxy if this repeats)",
                  s->alloc_failures, s->effects_lost);
}

void manager_apply_effects(Manager *m) {
        /* Index walk: an ACTIVITY_POLL answer can append effects while we go. */
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
                        apply_mfc(m, &e);
                        break;
                case EFFECT_ACTIVITY_POLL:
                        read_activity(m);
                        break;
                case EFFECT_EVENT:
                        apply_event(m, &e);
                        break;
                default:
                        break;
                }
        }
        proxy_effects_clear(m->proxy);
        check_memory(m);
        /* The core has no event for a querier no longer heard: it shows at the
         * next batch of effects (at the latest one query interval later). */
        if (m->upstream_querier_announced && !proxy_upstream_querier_seen(m->proxy, manager_now(m))) {
                const char *up = "";
                for (int v = 0; v < PROXY_MAX_VIFS; v++)
                        if (m->vifs[v].active && m->vifs[v].role == ROLE_UPSTREAM)
                                up = m->vifs[v].name;
                m->upstream_querier_announced = false;
                manager_notify(m, querier_changed, up, 0, "gone");
        }
        update_timer(m);
        manager_update_status(m);
}
