/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager-effects.c - carries out the Effect records the core returns:
 * IGMP packets onto the raw socket (a query's or v3 report record's source
 * list gathered from the EFFECT_SOURCE effects after it, v3 records of one
 * packet over Effect.more), MFC changes and counter reads through
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
#include <stdio.h>
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

/* ---- sends --------------------------------------------------------------------- */

/* A query or v3 record with Effect.n_sources > 0 heads a chain: its sources are the
 * EFFECT_SOURCE effects right after it. How many there are, at most want: fewer if the core
 * lost some (out of memory; the core counts them, check_memory() says so). */
static size_t chain_count(Manager *m, size_t head, size_t want) {
        const Effect *s;
        size_t k = 0;

        while (k < want && (s = proxy_effect(m->proxy, head + 1 + k)) && s->type == EFFECT_SOURCE)
                k++;
        return k;
}

static void chain_copy(Manager *m, size_t head, size_t n, in4_t *out) {
        for (size_t k = 0; k < n; k++)
                out[k] = proxy_effect(m->proxy, head + 1 + k)->source;
}

/* Makes room for need elements of size elem in *p (capacity *cap). */
static int grow(void **p, size_t *cap, size_t need, size_t elem) {
        size_t c = *cap ? *cap : 64;
        void *a;

        if (need <= *cap)
                return 0;
        while (c < need)
                c *= 2;
        a = realloc(*p, c * elem);
        if (!a)
                return -ENOMEM;
        *p = a;
        *cap = c;
        return 0;
}

/* Sends one built message on the effect's VIF; -vv: one line, extra says what more it held. */
static void send_packet(Manager *m, int vif, const char *what, uint8_t version, in4_t group, in4_t dst,
                        const uint8_t *buf, size_t len, const char *extra) {
        int r = igmp_socket_send(m->fd, m->vifs[vif].ifindex, m->vifs[vif].addr, dst, buf, len);

        if (log_trace_packets) {
                char d[IN4_STRLEN], g[IN4_STRLEN];
                log_debug("Sent IGMPv%u %s for %s to %s on %s%s%s", version, what, in4_to_string(group, g),
                          in4_to_string(dst, d), m->vifs[vif].name, extra, r < 0 ? " (failed)" : "");
        }
        if (r < 0)
                send_failed(m, r, what, vif, group);
}

/* The IGMPv3 report assembled so far (records of Effect.more chains, with their sources): one
 * packet to 224.0.0.22 (RFC 3376 4.2.14), sized to the MTU by the core. Called at the record
 * with more = false, and for a packet cut short by lost effects (a record for another VIF, the
 * end of the batch): what came is sent. */
static void v3_report_flush(Manager *m) {
        size_t n = m->n_v3_records, n_src = 0, size = 8;
        int vif = m->v3_vif, len;
        const IgmpGroupRecord *last;
        char extra[128];
        uint8_t *buf;

        m->n_v3_records = 0;
        m->n_v3_sources = 0;
        if (n == 0 || vif < 0 || vif >= PROXY_MAX_VIFS || !m->vifs[vif].active)
                return;
        for (size_t k = 0; k < n; k++) {
                IgmpGroupRecord *r = &m->v3_records[k];

                r->sources = r->n_sources ? m->v3_sources + n_src : NULL;
                n_src += r->n_sources;
                size += igmp_v3_record_size(r->n_sources);
        }
        buf = malloc(size);
        if (!buf) {
                log_error_errno(-ENOMEM, "Failed to build an IGMPv3 report: %m");
                return;
        }
        len = igmp_build_v3_report(buf, size, m->v3_records, n);
        if (len < 0) {
                log_error_errno(len, "Failed to build IGMPv3 report: %m");
                free(buf);
                return;
        }
        last = &m->v3_records[n - 1];
        (void) snprintf(extra, sizeof extra, ", %zu record(s), %zu source(s), last record type %u", n, n_src,
                        last->type);
        send_packet(m, vif, "report", 3, last->group, IN4_IGMPV3_ROUTERS, buf, (size_t) len, extra);
        free(buf);
}

/* An IGMPv3 report record (Effect.record, Effect.group, its sources in the chain after it at
 * index i): collected until the record that ends the packet (more = false). */
static void v3_report_add(Manager *m, size_t i, const Effect *e) {
        size_t n = chain_count(m, i, e->n_sources);

        if (m->n_v3_records > 0 && m->v3_vif != e->vif)
                v3_report_flush(m);
        if (e->n_sources > 0 && n == 0) {
                /* Its whole source list was lost: sent without it the record would say
                 * something else (TO_IN({}) is a leave, TO_EX({}) a join of every source). */
                if (log_trace_packets) {
                        char g[IN4_STRLEN];
                        log_debug("Not sending the IGMPv3 record type %u for %s: its %u source(s) were lost",
                                  e->record, in4_to_string(e->group, g), e->n_sources);
                }
        } else if (grow((void **) &m->v3_records, &m->cap_v3_records, m->n_v3_records + 1, sizeof(IgmpGroupRecord)) < 0 ||
                   grow((void **) &m->v3_sources, &m->cap_v3_sources, m->n_v3_sources + n, sizeof(in4_t)) < 0) {
                m->n_v3_records = m->n_v3_sources = 0;
                log_error_errno(-ENOMEM, "Failed to assemble an IGMPv3 report: %m");
                return;
        } else {
                chain_copy(m, i, n, m->v3_sources + m->n_v3_sources);
                m->n_v3_sources += n;
                m->v3_records[m->n_v3_records++] = (IgmpGroupRecord) {
                        .type = e->record, .group = e->group, .n_sources = (uint16_t) n };
                m->v3_vif = e->vif;
        }
        if (!e->more)
                v3_report_flush(m);
}

/* A query; a v3 one may carry the S flag and a source list (the chain after it at index i).
 * v1/v2 queries have neither: a chain after one is skipped. */
static void send_query(Manager *m, size_t i, const Effect *e) {
        uint8_t small[64], *buf = small;
        size_t n = 0, size = sizeof small;
        bool s_flag = e->version == 3 && e->s_flag;
        in4_t *src = NULL;
        const char *what = e->group ? "group-specific query" : "general query";
        char extra[64] = "";
        int len;

        if (e->version == 3 && e->n_sources > 0) {
                n = chain_count(m, i, e->n_sources);
                if (n == 0) {
                        /* Without its sources it would be another question (about the whole
                         * group): not sent. */
                        if (log_trace_packets) {
                                char g[IN4_STRLEN];
                                log_debug("Not sending the IGMPv3 query for %s: its %u source(s) were lost",
                                          in4_to_string(e->group, g), e->n_sources);
                        }
                        return;
                }
                size = 12 + 4 * n;
                src = malloc(n * sizeof *src);
                buf = malloc(size);
                if (!src || !buf) {
                        log_error_errno(-ENOMEM, "Failed to build an IGMPv3 query: %m");
                        goto out;
                }
                chain_copy(m, i, n, src);
                what = "group-and-source-specific query";
        }
        len = igmp_build_query_sources(buf, size, e->version, e->group, e->max_resp, e->qrv, e->qqi, s_flag, src, n);
        if (len < 0) {
                log_error_errno(len, "Failed to build IGMP %s: %m", what);
                goto out;
        }
        if (e->version == 3)
                (void) snprintf(extra, sizeof extra, ", %zu source(s)%s", n, s_flag ? ", S flag" : "");
        send_packet(m, e->vif, what, e->version, e->group, e->dst, buf, (size_t) len, extra);
out:
        free(src);
        if (buf != small)
                free(buf);
}

/* The send effect at index i (its source chain, if any, follows it). */
static void apply_send(Manager *m, size_t i, const Effect *e) {
        uint8_t buf[64];
        in4_t dst;
        int len;
        const char *what;

        if (e->vif < 0 || e->vif >= PROXY_MAX_VIFS || !m->vifs[e->vif].active)
                return;
        if ((e->type == EFFECT_SEND_REPORT || e->type == EFFECT_SEND_LEAVE) && e->version == 3) {
                v3_report_add(m, i, e);
                return;
        }
        switch (e->type) {
        case EFFECT_SEND_QUERY:
                send_query(m, i, e);
                return;
        case EFFECT_SEND_REPORT:
                /* v1/v2: any-source, a source chain after it is skipped. */
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
        send_packet(m, e->vif, what, e->version, e->group, dst, buf, (size_t) len, "");
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

/* Every route, whatever it arrives on (upstream, or a downstream sender's
 * link): one per (S,G) in the kernel; the core ignores those it does not know. */
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
        const char *on = sender ? ", a sender on " : "", *on_if = sender ? ctx.interface : "";

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
                log_ctx(LOG_INFO, &ctx, "Forwarding %s from %s%s%s", g, s, on, on_if);
                break;
        case EVENT_ROUTE_REMOVED:
                log_ctx(LOG_INFO, &ctx, "Stopped forwarding %s from %s%s%s", g, s, on, on_if);
                break;
        case EVENT_ROUTE_REJECTED:
                if (sender) { /* not the upstream's AltNet= business: no StreamRejected */
                        log_ctx(LOG_DEBUG, &ctx, "Not forwarding %s from %s%s%s: %s", g, s, on, on_if,
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
        case EVENT_OLDER_QUERIER:
                /* RFC 3376 7.3.1: the lowest version on the link should be configured; the
                 * core follows it, we warn once per appearance (the core pushes it once). */
                ctx.igmp_version = (int) e->count;
                ctx.message_id = MSG_OLDER_QUERIER;
                log_ctx(LOG_WARNING, &ctx,
                        "%s: IGMPv%" PRIu64 " querier %s heard: our queries there are IGMPv%" PRIu64
                        " while it is present (set [Querier] Version= to match the link's oldest router)",
                        ctx.interface, e->count, s, e->count);
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
                        apply_send(m, i, &e);
                        break;
                case EFFECT_SOURCE:
                        /* Read by the query or record it follows; or an orphan whose head
                         * was lost, or after a v1/v2 send: nothing to do. */
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
        /* A v3 report whose closing record was lost: what came is sent. */
        v3_report_flush(m);
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
