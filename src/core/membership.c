/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * membership.c - the router side of IGMPv3 (RFC 3376 6) on each downstream
 * link: per group a filter mode, a group timer and source records, changed
 * by every record type as the tables of 6.4.1 (current state) and 6.4.2
 * (state changes) say, with the group-specific and group-and-source-specific
 * query rounds of 6.6.3 (the querier lowers timers to LMQT and asks again
 * [Last Member Query Count] times, the S flag set for what a report already
 * renewed) and the timer rules of 6.3 and 6.5.
 *
 * - Older hosts (7.3.2): an IGMPv1/v2 report is IS_EX({}) and starts that
 *   version's Older Host Present timer (GMI); while one runs BLOCK records
 *   are ignored and TO_EX(x) is TO_EX({}); while an IGMPv1 host is present
 *   IGMPv2 leaves and TO_IN records are ignored too. An IGMPv2 leave is
 *   TO_IN({}).
 * - Forwarding (6.3): INCLUDE: the sources with a record; EXCLUDE: every
 *   source but those whose timer is not running (member_source_mask).
 * - Caps: a list that would pass SOURCES_MAX falls back to the safe side: an
 *   INCLUDE state becomes EXCLUDE({}) (every source forwarded), an EXCLUDE
 *   state simply does not record more excluded sources. Either forwards more
 *   than asked, never less.
 * - Quickleave: the reporters of each group are tracked (at most
 *   MEMBER_MAX_HOSTS). IGMPv3 hosts report without suppression, so each
 *   entry has its own expiry; an IGMPv1/v2 report renews them all (those
 *   hosts suppress each other's answers). When a host leaves (IGMPv2 leave,
 *   TO_IN({})) and no tracked host is left, the link stops listening at once
 *   while the query round still runs, so a host we did not know about can
 *   answer and bring it back. Not when a reporter we cannot track was heard
 *   within GMI (one from 0.0.0.0, or past the cap): then the query round
 *   decides, as without quickleave.
 *
 * A change of a link's state for a group is told upward through
 * Proxy.member_changed (the merge in proxy.c sets it): this file never calls
 * proxy.c. It asks querier.c for the queries.
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>

#define MEMBER_TIMERS 3 /* timer, lmq_timer, src_timer: reserved when a Member is created */

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
        timerq_disarm(&p->timers, &m->src_timer);
        timerq_unreserve(&p->timers, MEMBER_TIMERS);
        hash_remove(&p->members, m, member_key(m->vif, m->group));
        i->n_members--;
        src_clear(&m->src);
        free(m->hosts);
        free(m);
}

static Member *member_new(Proxy *p, Iface *i, in4_t group, in4_t src) {
        Member *m;

        if (i->n_members >= p->cfg->max_groups) {
                p->stats.groups_over_limit++;
                /* One event per 256 drops: the glue logs it, it must not flood. */
                if ((p->stats.groups_over_limit & 0xff) == 1)
                        event_push(p, EVENT_GROUP_LIMIT, i->vif, group, src, p->stats.groups_over_limit);
                return NULL;
        }
        m = calloc(1, sizeof *m);
        if (!m || timerq_reserve(&p->timers, MEMBER_TIMERS) < 0) {
                free(m);
                p->stats.alloc_failures++;
                return NULL;
        }
        m->group = group;
        m->vif = i->vif;
        m->mode = IGMP_MODE_IS_INCLUDE; /* 6.2.1: no state = INCLUDE({}) */
        timer_init(&m->timer, TIMER_MEMBER);
        timer_init(&m->lmq_timer, TIMER_MEMBER_LMQ);
        timer_init(&m->src_timer, TIMER_MEMBER_SOURCE);
        if (hash_put(&p->members, m, member_key(i->vif, group), member_key_of) < 0) {
                timerq_unreserve(&p->timers, MEMBER_TIMERS);
                free(m);
                p->stats.alloc_failures++;
                return NULL;
        }
        i->n_members++;
        return m;
}

/* Re-derives the listening state and tells the merge; frees a record that
 * holds nothing any more (INCLUDE({}) with no query round running). */
/* What the link forwards for the group, as a 64-bit digest: 0 when it
 * forwards nothing; else its filter mode and every source with whether its
 * timer runs. Routes are re-sent to the kernel only when it changes (a
 * report that merely renews timers must not touch the kernel). */
static uint64_t forwarding_digest(const Member *m) {
        uint64_t h = 0x9e3779b97f4a7c15ULL * (m->mode + 1);

        if (!m->listening)
                return 0;
        for (size_t k = 0; k < m->src.n; k++) {
                uint64_t x = ((uint64_t) m->src.v[k].addr << 1 | (m->src.v[k].expires != 0)) + h;
                x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
                x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
                h = x ^ (x >> 31);
        }
        return h | 1;
}

static void member_update(Proxy *p, Iface *i, Member *m, EventLeaveReason why, usec_t now) {
        bool on = !m->quick_left && (m->mode == IGMP_MODE_IS_EXCLUDE || m->src.n > 0);
        in4_t group = m->group;
        uint64_t digest;
        bool changed;

        if (m->listening != on) {
                m->listening = on;
                if (on) {
                        i->n_listening++;
                        event_push(p, EVENT_MEMBER_JOINED, i->vif, group, 0, 0);
                } else {
                        i->n_listening--;
                        event_push(p, EVENT_MEMBER_LEFT, i->vif, group, 0, why);
                }
        }
        digest = forwarding_digest(m);
        changed = digest != m->forwarding;
        m->forwarding = digest;
        if (m->mode == IGMP_MODE_IS_INCLUDE && m->src.n == 0 && !timer_armed(&m->timer))
                member_free(p, i, m);
        if (changed)
                p->member_changed(p, i, group, now);
}

static void member_end(Proxy *p, Iface *i, Member *m, EventLeaveReason why, usec_t now) {
        timerq_disarm(&p->timers, &m->timer);
        timerq_disarm(&p->timers, &m->lmq_timer);
        m->mode = IGMP_MODE_IS_INCLUDE;
        m->src.n = 0;
        m->quick_left = false;
        member_update(p, i, m, why, now);
}

/* ---- hosts (quickleave) ---------------------------------------------------------- */

/* A cap keeps one chatty or hostile host from growing the list without end.
 * A host past it is untracked: the group is then not quick-left. */
#define MEMBER_MAX_HOSTS 64

static Host *host_find(Member *m, in4_t addr) {
        for (size_t k = 0; k < m->n_hosts; k++)
                if (m->hosts[k].addr == addr)
                        return &m->hosts[k];
        return NULL;
}

static void host_seen(Member *m, in4_t addr, usec_t expires) {
        Host *h = addr ? host_find(m, addr) : NULL;

        if (h) {
                h->expires = expires;
                return;
        }
        if (addr == 0 || m->n_hosts >= MEMBER_MAX_HOSTS) {
                m->untracked_until = expires;
                return;
        }
        if (m->n_hosts == m->cap_hosts) {
                size_t cap = m->cap_hosts ? m->cap_hosts * 2 : 4;
                Host *n = realloc(m->hosts, cap * sizeof *n);
                if (!n) {
                        m->untracked_until = expires;
                        return;
                }
                m->hosts = n;
                m->cap_hosts = cap;
        }
        m->hosts[m->n_hosts++] = (Host) { .addr = addr, .expires = expires };
}

/* A host said it wants nothing more of the group; true when no reporter is
 * left that we know of or could not track (quickleave may cut). */
static bool host_gone(Member *m, in4_t addr, usec_t now) {
        Host *h = addr ? host_find(m, addr) : NULL;

        if (h)
                *h = m->hosts[--m->n_hosts];
        for (size_t k = 0; k < m->n_hosts;)
                if (m->hosts[k].expires <= now)
                        m->hosts[k] = m->hosts[--m->n_hosts];
                else
                        k++;
        return m->n_hosts == 0 && m->untracked_until <= now;
}

/* ---- the tables of RFC 3376 6.4 ------------------------------------------------------ */

/* A list is full: the safe side (see the header). */
static void overflow(Proxy *p, Member *m, usec_t gmi_at) {
        p->stats.sources_over_limit++;
        if (m->mode == IGMP_MODE_IS_INCLUDE) {
                m->mode = IGMP_MODE_IS_EXCLUDE;
                m->src.n = 0;
                timerq_arm(&p->timers, &m->timer, gmi_at);
        }
}

/* (B) = timer: every source of b gets its timer set (inserted if new). */
static void set_sources(Proxy *p, Member *m, const in4_t *b, size_t nb, usec_t expires, usec_t gmi_at) {
        for (size_t k = 0; k < nb; k++) {
                SrcRec *r = src_get(&m->src, b[k], NULL);
                if (!r) {
                        overflow(p, m, gmi_at);
                        if (m->mode == IGMP_MODE_IS_EXCLUDE && m->src.n == 0)
                                return; /* now EXCLUDE({}): every source forwarded */
                        continue;
                }
                r->expires = expires;
                r->lowered = false;
        }
}

/* Adds the sources of b not yet recorded with the given timer (0: excluded). */
static void add_new_sources(Proxy *p, Member *m, const in4_t *b, size_t nb, usec_t expires, usec_t gmi_at) {
        for (size_t k = 0; k < nb; k++) {
                bool is_new;
                SrcRec *r = src_get(&m->src, b[k], &is_new);
                if (!r) {
                        if (m->mode == IGMP_MODE_IS_INCLUDE)
                                overflow(p, m, gmi_at);
                        else
                                p->stats.sources_over_limit++;
                        continue;
                }
                if (is_new)
                        r->expires = expires;
        }
}

/* Delete the records for which keep() is false. */
static void keep_sources(Member *m, SourcePick keep, const in4_t *b, size_t nb) {
        size_t w = 0;

        for (size_t k = 0; k < m->src.n; k++)
                if (keep(&m->src.v[k], b, nb))
                        m->src.v[w++] = m->src.v[k];
        m->src.n = (uint16_t) w;
}

/* INCLUDE (A) + IS_EX(B) / TO_EX(B) -> EXCLUDE (A*B, B-A): (B-A) = 0, delete
 * (A-B), group timer = GMI. */
static void include_to_exclude(Proxy *p, Member *m, const in4_t *b, size_t nb, usec_t gmi_at) {
        keep_sources(m, pick_in_b, b, nb);
        m->mode = IGMP_MODE_IS_EXCLUDE;
        add_new_sources(p, m, b, nb, 0, gmi_at);
        timerq_arm(&p->timers, &m->timer, gmi_at);
}

static void apply_record(Proxy *p, Iface *i, Member *m, uint8_t type, const in4_t *b, size_t nb, usec_t now) {
        usec_t gmi_at = now + iface_gmi(p, i);
        bool include = m->mode == IGMP_MODE_IS_INCLUDE;
        usec_t group_timer = timer_armed(&m->timer) ? m->timer.when : now;

        switch (type) {
        case IGMP_MODE_IS_INCLUDE:   /* INCLUDE: (A+B), (B)=GMI; EXCLUDE: (X+A, Y-A), (A)=GMI */
        case IGMP_ALLOW_NEW_SOURCES: /* same rows in 6.4.2 */
                set_sources(p, m, b, nb, gmi_at, gmi_at);
                break;
        case IGMP_CHANGE_TO_INCLUDE:
                if (include) {
                        /* INCLUDE (A): (A+B), (B)=GMI, Send Q(G,A-B) */
                        member_query_sources(p, i, m, pick_not_in_b, b, nb, now);
                        set_sources(p, m, b, nb, gmi_at, gmi_at);
                } else {
                        /* EXCLUDE (X,Y): (X+A, Y-A), (A)=GMI, Send Q(G,X-A), Send Q(G) */
                        member_query_sources(p, i, m, pick_requested_not_in_b, b, nb, now);
                        set_sources(p, m, b, nb, gmi_at, gmi_at);
                        member_query_group(p, i, m, now);
                }
                break;
        case IGMP_BLOCK_OLD_SOURCES:
                if (include) {
                        /* INCLUDE (A): Send Q(G,A*B) */
                        member_query_sources(p, i, m, pick_in_b, b, nb, now);
                } else {
                        /* EXCLUDE (X,Y): (X+(A-Y), Y), (A-X-Y)=Group Timer, Send Q(G,A-Y) */
                        add_new_sources(p, m, b, nb, group_timer, gmi_at);
                        member_query_sources(p, i, m, pick_requested_in_b, b, nb, now);
                }
                break;
        case IGMP_MODE_IS_EXCLUDE:
                if (include)
                        include_to_exclude(p, m, b, nb, gmi_at);
                else {
                        /* EXCLUDE (X,Y): (A-Y, Y*A), (A-X-Y)=GMI, delete (X-A), (Y-A), group timer = GMI */
                        keep_sources(m, pick_in_b, b, nb);
                        add_new_sources(p, m, b, nb, gmi_at, gmi_at);
                        timerq_arm(&p->timers, &m->timer, gmi_at);
                }
                break;
        case IGMP_CHANGE_TO_EXCLUDE:
                if (include) {
                        /* INCLUDE (A): EXCLUDE (A*B, B-A), ..., Send Q(G,A*B), group timer = GMI */
                        include_to_exclude(p, m, b, nb, gmi_at);
                        member_query_sources(p, i, m, pick_in_b, b, nb, now);
                } else {
                        /* EXCLUDE (X,Y): (A-Y, Y*A), (A-X-Y)=Group Timer, delete (X-A), (Y-A),
                         * Send Q(G,A-Y), group timer = GMI */
                        keep_sources(m, pick_in_b, b, nb);
                        add_new_sources(p, m, b, nb, group_timer, gmi_at);
                        member_query_sources(p, i, m, pick_requested_in_b, b, nb, now);
                        timerq_arm(&p->timers, &m->timer, gmi_at);
                }
                break;
        }
        member_arm_source_timer(p, m);
}

static int compat_version(const Member *m, usec_t now) {
        return m->v1_until > now ? 1 : m->v2_until > now ? 2 : 3;
}

void member_on_record(Proxy *p, Iface *i, in4_t src, in4_t group, int version, uint8_t type, const in4_t *sources,
                      size_t n, usec_t now) {
        usec_t gmi = iface_gmi(p, i);
        _cleanup_(freep) in4_t *b = NULL;
        Member *m = member_find(p, i->vif, group);
        bool interest, leave;
        int compat;

        if (type < IGMP_MODE_IS_INCLUDE || type > IGMP_BLOCK_OLD_SOURCES)
                return; /* 4.2.12: an unknown record type is skipped, the others count */
        if (version < 3) {
                /* 7.3.2: IGMPv1/v2 reports are IS_EX({}) */
                type = IGMP_MODE_IS_EXCLUDE;
                n = 0;
        }
        if (!m) {
                /* Nothing to do for "no interest" in a group without state:
                 * 6.4 leaves INCLUDE({}) as it is (and sends no query). */
                if ((type == IGMP_MODE_IS_INCLUDE || type == IGMP_CHANGE_TO_INCLUDE ||
                     type == IGMP_ALLOW_NEW_SOURCES || type == IGMP_BLOCK_OLD_SOURCES) &&
                    n == 0)
                        return;
                if (type == IGMP_BLOCK_OLD_SOURCES)
                        return; /* INCLUDE({}) + BLOCK: Q(G, {}) asks nothing */
                m = member_new(p, i, group, src);
                if (!m)
                        return;
        }
        if (version == 1)
                m->v1_until = now + gmi;
        else if (version == 2)
                m->v2_until = now + gmi;
        compat = compat_version(m, now);
        if (compat < 3) {
                /* 7.3.2: BLOCK ignored, TO_EX(x) is TO_EX({}); in IGMPv1
                 * mode "IGMPv2 Leave messages and IGMPv3 TO_IN() messages
                 * are also ignored" */
                if (type == IGMP_BLOCK_OLD_SOURCES || (compat == 1 && type == IGMP_CHANGE_TO_INCLUDE)) {
                        member_update(p, i, m, 0, now);
                        return;
                }
                if (type == IGMP_CHANGE_TO_EXCLUDE)
                        n = 0;
        }
        if (n > 0) {
                b = malloc(n * sizeof *b);
                if (!b) {
                        p->stats.alloc_failures++;
                        return;
                }
                for (size_t k = 0; k < n; k++)
                        b[k] = sources[k];
                n = in4_set_normalize(b, n);
        }

        /* Who is interested, for quickleave. */
        interest = type == IGMP_MODE_IS_EXCLUDE || type == IGMP_CHANGE_TO_EXCLUDE || n > 0;
        leave = n == 0 && (type == IGMP_CHANGE_TO_INCLUDE || type == IGMP_MODE_IS_INCLUDE);
        if (interest) {
                host_seen(m, src, now + gmi);
                if (version < 3)
                        /* Report suppression: one v1/v2 answer speaks for every host. */
                        for (size_t k = 0; k < m->n_hosts; k++)
                                m->hosts[k].expires = now + gmi;
                m->quick_left = false;
                /* The group timer goes to GMI: a running group query round
                 * goes on with the S flag set (6.6.3.1). */
                if (type == IGMP_MODE_IS_EXCLUDE || type == IGMP_CHANGE_TO_EXCLUDE)
                        m->queried = false;
        }
        if (leave && host_gone(m, src, now) && p->cfg->quickleave && m->listening &&
            type == IGMP_CHANGE_TO_INCLUDE)
                m->quick_left = true;

        apply_record(p, i, m, type, b, n, now);
        if (!m->lmq_left && !member_has_retrans(m) && timer_armed(&m->lmq_timer))
                timerq_disarm(&p->timers, &m->lmq_timer);
        member_update(p, i, m, m->quick_left ? LEAVE_REASON_QUICKLEAVE : LEAVE_REASON_QUERY, now);
}

void member_on_leave(Proxy *p, Iface *i, in4_t src, in4_t group, usec_t now) {
        Member *m = member_find(p, i->vif, group);

        /* 7.3.2: leaves are ignored while an IGMPv1 host is present; 7.3.1:
         * "When in IGMPv1 mode, routers ... MUST ignore Leave Group messages"
         * (quickleave included). */
        if (!m || compat_version(m, now) == 1 || querier_version(p, i) == 1)
                return;
        member_on_record(p, i, src, group, 3, IGMP_CHANGE_TO_INCLUDE, NULL, 0, now);
}

void member_on_group_query(Proxy *p, Iface *i, in4_t group, usec_t max_resp, const in4_t *sources, size_t n,
                           usec_t now) {
        Member *m = member_find(p, i->vif, group);
        usec_t t = now + (usec_t) p->cfg->last_member_query_count * max_resp;

        if (!m)
                return;
        if (n == 0) {
                if (timer_armed(&m->timer) && m->timer.when > t)
                        timerq_arm(&p->timers, &m->timer, t);
                return;
        }
        for (size_t k = 0; k < n; k++) {
                SrcRec *r = src_find(&m->src, sources[k]);
                if (r && r->expires > t) {
                        r->expires = t;
                        r->lowered = true;
                }
        }
        member_arm_source_timer(p, m);
}

/* 6.5: the group timer of an EXCLUDE state ran out: INCLUDE with the sources
 * whose timers run, or no state at all. */
static void group_timer_fired(Proxy *p, Iface *i, Member *m, usec_t now) {
        bool was_queried = m->queried;

        if (m->mode == IGMP_MODE_IS_EXCLUDE) {
                keep_sources(m, pick_requested_not_in_b, NULL, 0);
                m->mode = IGMP_MODE_IS_INCLUDE;
        }
        if (m->src.n == 0) {
                timerq_disarm(&p->timers, &m->lmq_timer);
                m->lmq_left = 0;
        }
        m->quick_left = false;
        m->queried = false;
        member_update(p, i, m, was_queried ? LEAVE_REASON_QUERY : LEAVE_REASON_TIMEOUT, now);
}

/* 6.3: a source timer ran out: INCLUDE: the record goes (no record left: no
 * state); EXCLUDE: the source is excluded (timer 0). */
static void source_timers_fired(Proxy *p, Iface *i, Member *m, usec_t now) {
        bool queried = false;
        size_t w = 0;

        for (size_t k = 0; k < m->src.n; k++) {
                SrcRec *r = &m->src.v[k];
                if (r->expires && r->expires <= now) {
                        queried |= r->lowered;
                        r->retrans = 0;
                        r->lowered = false;
                        if (m->mode == IGMP_MODE_IS_INCLUDE)
                                continue;
                        r->expires = 0;
                }
                m->src.v[w++] = *r;
        }
        m->src.n = (uint16_t) w;
        member_arm_source_timer(p, m);
        if (!m->lmq_left && !member_has_retrans(m))
                timerq_disarm(&p->timers, &m->lmq_timer);
        member_update(p, i, m, queried ? LEAVE_REASON_QUERY : LEAVE_REASON_TIMEOUT, now);
}

void member_timer(Proxy *p, Timer *t, usec_t now) {
        Member *m;
        Iface *i;

        switch (t->kind) {
        case TIMER_MEMBER:
                m = container_of(t, Member, timer);
                group_timer_fired(p, &p->ifaces[m->vif], m, now);
                return;
        case TIMER_MEMBER_SOURCE:
                m = container_of(t, Member, src_timer);
                source_timers_fired(p, &p->ifaces[m->vif], m, now);
                return;
        default:
                break;
        }
        m = container_of(t, Member, lmq_timer);
        i = &p->ifaces[m->vif];
        member_query_round(p, i, m, t->when, now);
}

/* 6.3 forwarding rule, per link. */
static bool member_wants(const Member *m, in4_t source) {
        const SrcRec *r;

        if (!m->listening)
                return false;
        r = src_find(&m->src, source);
        if (m->mode == IGMP_MODE_IS_INCLUDE)
                return r != NULL;
        return !r || r->expires != 0;
}

uint32_t member_source_mask(const Proxy *p, in4_t group, uint32_t vifs, in4_t source) {
        uint32_t out = 0;

        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                const Member *m;
                if (!(vifs & (1U << v)))
                        continue;
                m = member_find(p, v, group);
                if (m && member_wants(m, source))
                        out |= 1U << v;
        }
        return out;
}

void member_expire(Proxy *p, Member *m, usec_t now) {
        member_end(p, &p->ifaces[m->vif], m, LEAVE_REASON_FILTER, now);
}

void member_drop_iface(Proxy *p, Iface *i, usec_t now) {
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
                member_end(p, i, list[k], LEAVE_REASON_INTERFACE, now);
}

static void member_free_memory(void *item) {
        Member *m = item;

        src_clear(&m->src);
        free(m->hosts);
        free(m);
}

/* Frees every membership without emitting anything (proxy_free). */
void members_drain(Proxy *p) {
        hash_drain(&p->members, member_free_memory);
}
