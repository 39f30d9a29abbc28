/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * querier.c - the router side of IGMP on each downstream link: startup and
 * general queries, group-specific queries, querier election.
 *
 * RFC 3376 6.1 / RFC 2236 3: a router starts as querier, sends
 * [Startup Query Count] general queries [Startup Query Interval] apart, then
 * one every [Query Interval]. A query heard from a lower address makes it a
 * non-querier until [Other Querier Present Interval] passes without one.
 * It does not track membership (membership.c: the merge in proxy.c hands a
 * group-specific query heard as non-querier to it) nor talk upstream. It
 * calls only the effect queue and the timer queue.
 * Not implemented: adopting the elected querier's QRV/QQI (RFC 3376 6.6.2
 * says "SHOULD"): we keep our own configured values.
 */
#include "core.h"

static void send_query(Proxy *p, Iface *i, in4_t dst, in4_t group, usec_t max_resp) {
        const Config *c = p->cfg;
        Effect *e = effect_push(p, EFFECT_SEND_QUERY);

        if (!e)
                return;
        e->vif = i->vif;
        e->dst = dst;
        e->group = group;
        e->version = (uint8_t) c->querier_version;
        e->max_resp = max_resp;
        e->qrv = (uint8_t) c->robustness;
        e->qqi = c->query_interval;
        p->stats.queries_sent++;
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

/* RFC 3376 6.6.3.1: group-specific queries go to the group itself. */
void querier_send_group_query(Proxy *p, Iface *i, in4_t group) {
        if (!i->querier)
                return;
        send_query(p, i, group, group, p->cfg->last_member_query_interval);
}

void querier_start(Proxy *p, Iface *i, usec_t now) {
        const Config *c = p->cfg;

        i->querier = true;
        i->other_querier = 0;
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

void querier_on_query(Proxy *p, Iface *i, in4_t src, const IgmpMessage *m, usec_t now) {
        /* RFC 3376 6.6.2 / RFC 2236 3: lowest IP address wins. A query from
         * 0.0.0.0 (some switches' proxy queries) takes part in no election. */
        if (src != 0 && (src < i->addr || i->addr == 0)) {
                if (i->querier || i->other_querier != src)
                        event_push(p, EVENT_QUERIER_LOST, i->vif, 0, src, 0);
                i->querier = false;
                i->other_querier = src;
                i->startup_left = 0; /* startup is over once another querier spoke */
                timerq_disarm(&p->timers, &i->query_timer);
                timerq_arm(&p->timers, &i->other_querier_timer, now + core_oqpi(p->cfg));
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
                event_push(p, EVENT_QUERIER_RESUMED, i->vif, 0, 0, 0);
                send_general_query(p, i);
                timerq_arm(&p->timers, &i->query_timer, now + c->query_interval);
        }
}
