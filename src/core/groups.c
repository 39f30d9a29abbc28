/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * groups.c - the table of groups the proxy knows on its upstream side
 * (UpGroup, RFC 4605 4.1: one entry per group some downstream link listens
 * to, or that is still joined upstream, or that still has routes), and the
 * upstream filter that says whether a group may be reported at all.
 *
 * It owns the entries' memory and nothing else: joining and leaving are in
 * upstream.c, forwarding in routes.c, the merge of the downstream links in
 * proxy.c. Calls only the timer queue and the shared hash table.
 */
#include "core.h"

#include <stdlib.h>

/* repeat_timer, response_timer, refresh_timer: room in the heap is reserved
 * for them when the group is created, so arming them never allocates. */
#define GROUP_TIMERS 3

static uint64_t group_key_of(const void *item) {
        return ((const UpGroup *) item)->group;
}

UpGroup *group_find(const Proxy *p, in4_t group) {
        return hash_get(&p->groups, group, group_key_of);
}

UpGroup *group_get(Proxy *p, in4_t group) {
        UpGroup *g = group_find(p, group);

        if (g)
                return g;
        g = calloc(1, sizeof *g);
        if (!g || timerq_reserve(&p->timers, GROUP_TIMERS) < 0) {
                free(g);
                p->stats.alloc_failures++;
                return NULL;
        }
        g->group = group;
        g->mode = IGMP_MODE_IS_INCLUDE; /* no listener: INCLUDE {} */
        timer_init(&g->repeat_timer, TIMER_JOIN_REPEAT);
        timer_init(&g->response_timer, TIMER_RESPONSE);
        timer_init(&g->refresh_timer, TIMER_GROUP_REFRESH);
        if (hash_put(&p->groups, g, group, group_key_of) < 0) {
                timerq_unreserve(&p->timers, GROUP_TIMERS);
                free(g);
                p->stats.alloc_failures++;
                return NULL;
        }
        return g;
}

void group_maybe_free(Proxy *p, UpGroup *g) {
        /* A left group stays while its leave is being retransmitted. */
        if (g->out_mask != 0 || g->joined || g->routes || timer_armed(&g->repeat_timer))
                return;
        timerq_disarm(&p->timers, &g->repeat_timer);
        timerq_disarm(&p->timers, &g->response_timer);
        timerq_disarm(&p->timers, &g->refresh_timer);
        timerq_unreserve(&p->timers, GROUP_TIMERS);
        hash_remove(&p->groups, g, g->group);
        free(g->src);
        free(g->chg);
        free(g->queried);
        free(g);
}

void groups_free_idle(Proxy *p) {
        size_t n = 0, b = 0, cap = p->groups.n;
        _cleanup_(freep) UpGroup **list = cap ? calloc(cap, sizeof *list) : NULL;
        void *it = NULL;
        UpGroup *g;

        /* Collect first: freeing edits the table being walked. */
        if (!list)
                return;
        while ((g = hash_next(&p->groups, &b, &it)) && n < cap)
                list[n++] = g;
        for (size_t k = 0; k < n; k++)
                group_maybe_free(p, list[k]);
}

Iface *upstream_iface(Proxy *p) {
        return p->upstream >= 0 ? &p->ifaces[p->upstream] : NULL;
}

/* May this group be reported upstream at all? Never a link-local group
 * (224.0.0.0/24 is never forwarded, RFC 5771), never one the upstream's
 * filters forbid. */
bool group_upstream_allowed(Proxy *p, in4_t group) {
        Iface *up = upstream_iface(p);

        if (!up || in4_is_link_local_multicast(group))
                return false;
        return !up->cfg || config_group_allowed(up->cfg, group);
}

static void group_free_memory(void *item) {
        UpGroup *g = item;

        while (g->routes) {
                Route *r = g->routes;
                g->routes = r->next;
                free(r);
        }
        free(g->src);
        free(g->chg);
        free(g->queried);
        free(g);
}

/* Frees every group and its routes without emitting anything (proxy_free:
 * this is memory, not protocol). */
void groups_drain(Proxy *p) {
        hash_drain(&p->groups, group_free_memory);
}
