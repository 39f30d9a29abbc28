/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * querier.c - the router side of IGMP on each downstream link: startup and
 * general queries, group-specific and group-and-source-specific queries,
 * querier election, and what a router takes from the querier it hears.
 *
 * RFC 3376 6.1 / RFC 2236 3: a router starts as querier, sends
 * [Startup Query Count] general queries [Startup Query Interval] apart, then
 * one every [Query Interval]. A query heard from a lower address makes it a
 * non-querier until [Other Querier Present Interval] passes without one.
 * - As non-querier it adopts the querier's QRV (4.1.6) and QQI (4.1.7) from
 *   its v3 queries (zero: our own), so its Other Querier Present Interval
 *   and Group Membership Interval are the querier's (8.4, 8.5); it takes its
 *   own values back when it becomes querier again.
 * - Older queriers (7.3.1: "the querier MUST use the lowest version of IGMP
 *   present on the network"): an IGMPv1 query or IGMPv2 general query heard
 *   on the link makes our queries that version (v1: Max Resp Time 0, no
 *   group-specific queries; v2: no source lists) until an Older Version
 *   Querier Present Interval (Robustness x Query Interval + Query Response
 *   Interval, as 8.12 for hosts) passes without one; the glue warns
 *   (EVENT_OLDER_QUERIER), as 7.3.1 asks.
 * It does not track membership (membership.c) nor talk upstream. It calls
 * only the effect queue and the timer queue.
 */
#include "core.h"

int querier_version(const Proxy *p, const Iface *i) {
        int v = (int) p->cfg->querier_version;

        if (i->older_querier && i->older_until > p->now)
                return MIN(v, (int) i->older_querier);
        return v;
}

static Effect *send_query(Proxy *p, Iface *i, in4_t dst, in4_t group, usec_t max_resp) {
        const Config *c = p->cfg;
        Effect *e = effect_push(p, EFFECT_SEND_QUERY);

        if (!e)
                return NULL;
        e->vif = i->vif;
        e->dst = dst;
        e->group = group;
        e->version = (uint8_t) querier_version(p, i);
        e->max_resp = e->version == 1 ? 0 : max_resp; /* 7.3.1: v1 queries say 0 */
        e->qrv = (uint8_t) c->robustness;
        e->qqi = c->query_interval;
        p->stats.queries_sent++;
        return e;
}

static void send_general_query(Proxy *p, Iface *i) {
        send_query(p, i, IN4_ALL_SYSTEMS, 0, p->cfg->query_response_interval);
}

/* The first query after the querier starts (daemon start, restart after a
 * crash, interface back) asks for answers within 1 s instead of the Query
 * Response Interval, so set-top boxes that were watching all along rejoin
 * at once: after a kill -9 and Restart=, their streams are back within about
 * two seconds without any action on their side. */
#define FIRST_QUERY_MAX_RESP USEC_PER_SEC

/* RFC 3376 6.6.3: group-specific and group-and-source-specific queries go
 * to the group itself; 4.1.8: a source list that does not fit the link's
 * MTU is split over several queries. */
void querier_send_group_query(Proxy *p, Iface *i, in4_t group, bool s_flag, const in4_t *sources, size_t n) {
        size_t room = i->mtu > IGMP_IP_HEADER_LEN + 12 + 4 ? (i->mtu - IGMP_IP_HEADER_LEN - 12) / 4 : 1;
        size_t done = 0;

        if (!i->querier)
                return;
        do {
                size_t chunk = MIN(n - done, MIN(room, (size_t) UINT16_MAX));
                Effect *e = send_query(p, i, group, group, p->cfg->last_member_query_interval);
                if (!e)
                        return;
                e->s_flag = s_flag && e->version == 3;
                if (e->version < 3)
                        return; /* no source lists below v3 (callers do not ask) */
                e->n_sources = (uint16_t) chunk;
                for (size_t k = 0; k < chunk; k++) {
                        Effect *s = effect_push(p, EFFECT_SOURCE);
                        if (!s)
                                return;
                        s->vif = i->vif;
                        s->group = group;
                        s->source = sources[done + k];
                }
                done += chunk;
        } while (done < n);
}

void querier_start(Proxy *p, Iface *i, usec_t now) {
        const Config *c = p->cfg;

        i->querier = true;
        i->other_querier = 0;
        i->adopted_qrv = 0;
        i->adopted_qqi = 0;
        timerq_disarm(&p->timers, &i->other_querier_timer);
        i->startup_left = c->startup_query_count;
        send_query(p, i, IN4_ALL_SYSTEMS, 0, MIN(c->query_response_interval, FIRST_QUERY_MAX_RESP));
        if (i->startup_left > 0)
                i->startup_left--;
        timerq_arm(&p->timers, &i->query_timer,
                   now + (i->startup_left > 0 ? c->startup_query_interval : c->query_interval));
}

void querier_stop(Proxy *p, Iface *i) {
        timerq_disarm(&p->timers, &i->query_timer);
        timerq_disarm(&p->timers, &i->other_querier_timer);
        i->querier = false;
}

/* 7.3.1: an IGMPv1 query, or an IGMPv2 general query, is an older querier. */
static void note_older_querier(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now) {
        bool was;

        if (m->version >= 3 || (m->version == 2 && m->group != 0) || (int) m->version >= (int) p->cfg->querier_version)
                return;
        was = i->older_querier && i->older_until > now;
        if (!was || m->version < i->older_querier)
                event_push(p, EVENT_OLDER_QUERIER, i->vif, 0, src, m->version);
        if (!was || m->version < i->older_querier)
                i->older_querier = m->version;
        i->older_until = now + (usec_t) p->cfg->robustness * p->cfg->query_interval + p->cfg->query_response_interval;
}

void querier_on_query(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now) {
        note_older_querier(p, i, src, m, now);
        /* RFC 3376 6.6.2 / RFC 2236 3: lowest IP address wins. A query from
         * 0.0.0.0 (some switches' proxy queries) takes part in no election. */
        if (src != 0 && (src < i->addr || i->addr == 0)) {
                if (i->querier || i->other_querier != src)
                        event_push(p, EVENT_QUERIER_LOST, i->vif, 0, src, 0);
                i->querier = false;
                i->other_querier = src;
                i->startup_left = 0; /* startup is over once another querier spoke */
                if (m->version == 3) {
                        /* 4.1.6, 4.1.7: adopt the querier's values (0 = ours) */
                        i->adopted_qrv = m->qrv;
                        i->adopted_qqi = m->qqi_usec;
                }
                timerq_disarm(&p->timers, &i->query_timer);
                timerq_arm(&p->timers, &i->other_querier_timer, now + iface_oqpi(p, i));
        }
}

void querier_timer(Proxy *p, Timer *t, usec_t now) {
        const Config *c = p->cfg;
        Iface *i;

        if (t->kind == TIMER_QUERY) {
                i = container_of(t, Iface, query_timer);
                if (!i->querier)
                        return;
                send_general_query(p, i);
                if (i->startup_left > 0)
                        i->startup_left--;
                /* Schedule from the deadline, not from 'now', so a late wake-up
                 * does not stretch every later interval. */
                usec_t next = t->when + (i->startup_left > 0 ? c->startup_query_interval : c->query_interval);
                if (next <= now)
                        next = now + (i->startup_left > 0 ? c->startup_query_interval : c->query_interval);
                timerq_arm(&p->timers, &i->query_timer, next);
        } else {
                i = container_of(t, Iface, other_querier_timer);
                i->other_querier = 0;
                i->querier = true;
                i->adopted_qrv = 0;
                i->adopted_qqi = 0;
                event_push(p, EVENT_QUERIER_RESUMED, i->vif, 0, 0, 0);
                send_general_query(p, i);
                timerq_arm(&p->timers, &i->query_timer, now + c->query_interval);
        }
}
