/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * membership.c - per downstream interface, per group listener state.
 *
 * Implements the router side of RFC 2236 6 and RFC 3376 6.2-6.4 without
 * source lists: a group is "listening" on a link while its group membership
 * timer runs. Leaves trigger [Last Member Query Count] group-specific queries
 * [Last Member Query Interval] apart and lower the timer to
 * LMQC x LMQI. Older-version hosts (RFC 3376 7.3.2) are remembered per group:
 * while an IGMPv1 host is present, leaves are ignored.
 *
 * Quickleave: the reporters of each group are tracked. IGMPv3 hosts report
 * without suppression, so each host entry has its own expiry. IGMPv1/v2 hosts
 * suppress their answers to queries when another host answers first, so any
 * v1/v2 report keeps every tracked host alive. When the last tracked host
 * leaves, the group stops listening at once (the upstream leave follows in
 * proxy.c) while the group-specific queries still go out, so a host we did
 * not know about can answer and bring the group straight back.
 *
 * A link gaining or losing its listening state for a group is told upward
 * through Proxy.listening_changed (the merge in proxy.c sets it): this file
 * never calls proxy.c. It asks querier.c for group-specific queries.
 * Not here: querier election (querier.c), upstream and forwarding.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>

static uint64_t member_key(int vif, in4_t group) {
        return ((uint64_t) (uint32_t) vif << 32) | group;
}

static uint64_t member_key_of(const void *item) {
        const Member *m = item;
        return member_key(m->vif, m->group);
}

Member *member_find(const Proxy *p, int vif, in4_t group) {
        return hash_get(&p->members, member_key(vif, group), member_key_of);
}

static void member_free(Proxy *p, Iface *i, Member *m) {
        timerq_disarm(&p->timers, &m->timer);
        timerq_disarm(&p->timers, &m->lmq_timer);
        timerq_unreserve(&p->timers, 2);
        hash_remove(&p->members, m, member_key(m->vif, m->group));
        i->n_members--;
        free(m->hosts);
        free(m);
}

static void member_set_listening(Proxy *p, Iface *i, Member *m, bool on, EventLeaveReason why, usec_t now) {
        if (m->listening == on)
                return;
        m->listening = on;
        if (on) {
                i->n_listening++;
                event_push(p, EVENT_MEMBER_JOINED, i->vif, m->group, 0, 0);
        } else {
                i->n_listening--;
                event_push(p, EVENT_MEMBER_LEFT, i->vif, m->group, 0, why);
        }
        p->listening_changed(p, i, m->group, on, now);
}

static void member_end(Proxy *p, Iface *i, Member *m, EventLeaveReason why, usec_t now) {
        member_set_listening(p, i, m, false, why, now);
        member_free(p, i, m);
}

static Host *host_find(Member *m, in4_t addr) {
        for (size_t k = 0; k < m->n_hosts; k++)
                if (m->hosts[k].addr == addr)
                        return &m->hosts[k];
        return NULL;
}

static void host_remove(Member *m, Host *h) {
        *h = m->hosts[--m->n_hosts];
}

/* Forget hosts whose reports are older than the group membership interval. */
static void hosts_prune(Member *m, usec_t now) {
        for (size_t k = 0; k < m->n_hosts;)
                if (m->hosts[k].expires <= now)
                        host_remove(m, &m->hosts[k]);
                else
                        k++;
}

/* A cap keeps one chatty or hostile host from growing the list without end;
 * hosts beyond it are simply not tracked, which only makes quickleave more
 * conservative (the group waits for the query round instead). */
#define MEMBER_MAX_HOSTS 64

static void host_seen(Member *m, in4_t addr, usec_t expires) {
        Host *h;

        if (addr == 0)
                return;
        h = host_find(m, addr);
        if (h) {
                h->expires = expires;
                return;
        }
        if (m->n_hosts >= MEMBER_MAX_HOSTS)
                return;
        if (m->n_hosts == m->cap_hosts) {
                size_t cap = m->cap_hosts ? m->cap_hosts * 2 : 4;
                Host *n = realloc(m->hosts, cap * sizeof *n);
                if (!n)
                        return;
                m->hosts = n;
                m->cap_hosts = cap;
        }
        m->hosts[m->n_hosts++] = (Host) { .addr = addr, .expires = expires };
}

void member_on_report(Proxy *p, Iface *i, in4_t src, in4_t group, int version, usec_t now) {
        const Config *c = p->cfg;
        usec_t gmi = core_gmi(p->cfg);
        Member *m = member_find(p, i->vif, group);

        if (!m) {
                if (i->n_members >= c->max_groups) {
                        p->stats.groups_over_limit++;
                        /* One event per 256 drops: the glue logs it, it must not flood. */
                        if ((p->stats.groups_over_limit & 0xff) == 1)
                                event_push(p, EVENT_GROUP_LIMIT, i->vif, group, src, p->stats.groups_over_limit);
                        return;
                }
                m = calloc(1, sizeof *m);
                if (!m || timerq_reserve(&p->timers, 2) < 0) {
                        free(m);
                        p->stats.alloc_failures++;
                        return;
                }
                m->group = group;
                m->vif = i->vif;
                timer_init(&m->timer, TIMER_MEMBER);
                timer_init(&m->lmq_timer, TIMER_MEMBER_LMQ);
                if (hash_put(&p->members, m, member_key(i->vif, group), member_key_of) < 0) {
                        timerq_unreserve(&p->timers, 2);
                        free(m);
                        p->stats.alloc_failures++;
                        return;
                }
                i->n_members++;
        }

        /* RFC 3376 6.4.1: the timer goes to GMI on every report. A report
         * also ends a running last-member query round. */
        timerq_arm(&p->timers, &m->timer, now + gmi);
        timerq_disarm(&p->timers, &m->lmq_timer);
        m->lmq_left = 0;
        m->leaving = false;

        if (version == 1)
                m->v1_until = now + gmi;
        else if (version == 2)
                m->v2_until = now + gmi;

        host_seen(m, src, now + gmi);
        if (version < 3)
                /* Report suppression: one v1/v2 answer speaks for every host. */
                for (size_t k = 0; k < m->n_hosts; k++)
                        m->hosts[k].expires = now + gmi;

        member_set_listening(p, i, m, true, 0, now);
}

void member_on_leave(Proxy *p, Iface *i, in4_t src, in4_t group, int version, usec_t now) {
        const Config *c = p->cfg;
        Member *m = member_find(p, i->vif, group);
        Host *h;

        if (!m)
                return;
        /* RFC 3376 7.3.2: leaves are ignored while an IGMPv1 host is present. */
        if (m->v1_until > now)
                return;

        h = host_find(m, src);
        if (h)
                host_remove(m, h);
        hosts_prune(m, now);

        if (c->quickleave && m->n_hosts == 0)
                member_set_listening(p, i, m, false, LEAVE_REASON_QUICKLEAVE, now);

        /* RFC 2236 3: a non-querier ignores leaves. */
        if (!i->querier) {
                if (!m->listening)
                        member_free(p, i, m);
                return;
        }
        if (m->leaving)
                return; /* a query round is already running */
        m->leaving = true;

        /* RFC 3376 6.6.3.1 / RFC 2236 3: query now, LMQC-1 more times, and let
         * the group go when LMQC x LMQI passes without a report. */
        usec_t lmqt = (usec_t) c->last_member_query_count * c->last_member_query_interval;
        if (!timer_armed(&m->timer) || m->timer.when > now + lmqt)
                timerq_arm(&p->timers, &m->timer, now + lmqt);
        querier_send_group_query(p, i, group);
        m->lmq_left = c->last_member_query_count > 0 ? c->last_member_query_count - 1 : 0;
        if (m->lmq_left > 0)
                timerq_arm(&p->timers, &m->lmq_timer, now + c->last_member_query_interval);
}

void member_on_group_query(Proxy *p, Iface *i, in4_t group, usec_t max_resp, usec_t now) {
        Member *m = member_find(p, i->vif, group);
        usec_t t;

        if (!m)
                return;
        t = now + (usec_t) p->cfg->last_member_query_count * max_resp;
        if (m->timer.when > t)
                timerq_arm(&p->timers, &m->timer, t);
}

void member_timer(Proxy *p, Timer *t, usec_t now) {
        Member *m;
        Iface *i;

        if (t->kind == TIMER_MEMBER) {
                m = container_of(t, Member, timer);
                i = &p->ifaces[m->vif];
                member_end(p, i, m, m->leaving ? LEAVE_REASON_QUERY : LEAVE_REASON_TIMEOUT, now);
                return;
        }

        m = container_of(t, Member, lmq_timer);
        i = &p->ifaces[m->vif];
        querier_send_group_query(p, i, m->group);
        if (m->lmq_left > 0)
                m->lmq_left--;
        if (m->lmq_left > 0)
                timerq_arm(&p->timers, &m->lmq_timer, t->when + p->cfg->last_member_query_interval);
}

uint32_t member_source_mask(const Proxy *p, in4_t group, uint32_t vifs, in4_t source) {
        (void) p;
        (void) group;
        (void) source;
        return vifs; /* no source lists yet: every listening link wants every source */
}

void member_expire(Proxy *p, Member *m, usec_t now) {
        member_end(p, &p->ifaces[m->vif], m, LEAVE_REASON_FILTER, now);
}

void member_drop_iface(Proxy *p, Iface *i) {
        _cleanup_(freep) Member **list = NULL;
        size_t n = 0, b = 0;
        void *it = NULL;
        Member *m;

        /* Collect first: ending a member edits the table being walked. */
        if (i->n_members == 0)
                return;
        list = calloc(i->n_members, sizeof *list);
        if (!list)
                return;
        while ((m = hash_next(&p->members, &b, &it)) && n < i->n_members)
                if (m->vif == i->vif)
                        list[n++] = m;
        for (size_t k = 0; k < n; k++)
                member_end(p, i, list[k], LEAVE_REASON_INTERFACE, 0);
}

static void member_free_memory(void *item) {
        Member *m = item;

        free(m->hosts);
        free(m);
}

/* Frees every membership without emitting anything (proxy_free). */
void members_drain(Proxy *p) {
        hash_drain(&p->members, member_free_memory);
}
