/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * effects.c - the core's output queue: Effect records (sends, MFC changes,
 * counter polls, events) appended by every core file and drained in order by
 * the glue, and the names of effects, events and leave reasons.
 *
 * It decides nothing and knows no protocol rule; it never reads the clock or
 * touches a socket. The lowest file of the core: it calls no other core file.
 */
#include "core.h"

Effect *effect_push(Proxy *p, EffectType type) {
        if (p->n_effects == p->cap_effects) {
                size_t cap = p->cap_effects ? p->cap_effects * 2 : 64;
                Effect *e = realloc(p->effects, cap * sizeof *e);
                if (!e) {
                        p->stats.effects_lost++; /* the glue logs it */
                        return NULL;
                }
                p->effects = e;
                p->cap_effects = cap;
        }
        p->effects[p->n_effects] = (Effect) { .type = type, .vif = -1 };
        return &p->effects[p->n_effects++];
}

void event_push(Proxy *p, EventType ev, int vif, in4_t group, in4_t source, uint64_t count) {
        Effect *e = effect_push(p, EFFECT_EVENT);

        if (!e)
                return;
        e->event = ev;
        e->vif = vif;
        e->group = group;
        e->source = source;
        e->count = count;
}

const Effect *proxy_effect(const Proxy *p, size_t i) {
        return i < p->n_effects ? &p->effects[i] : NULL;
}

size_t proxy_n_effects(const Proxy *p) {
        return p->n_effects;
}

void proxy_effects_clear(Proxy *p) {
        p->n_effects = 0;
        p->effects_gen++;
}

static const char *const effect_names[_EFFECT_TYPE_MAX] = {
        [EFFECT_SEND_QUERY] = "send-query",   [EFFECT_SEND_REPORT] = "send-report",
        [EFFECT_SEND_LEAVE] = "send-leave",   [EFFECT_MFC_SET] = "mfc-set",
        [EFFECT_MFC_DEL] = "mfc-del",         [EFFECT_ACTIVITY_POLL] = "activity-poll",
        [EFFECT_EVENT] = "event",             [EFFECT_SOURCE] = "source",
};

static const char *const event_names[_EVENT_TYPE_MAX] = {
        [EVENT_MEMBER_JOINED] = "member-joined",       [EVENT_MEMBER_LEFT] = "member-left",
        [EVENT_UPSTREAM_JOINED] = "upstream-joined",   [EVENT_UPSTREAM_LEFT] = "upstream-left",
        [EVENT_REFRESH_CYCLE] = "refresh-cycle",       [EVENT_REFRESH_SKIPPED] = "refresh-skipped",
        [EVENT_ROUTE_ADDED] = "route-added",           [EVENT_ROUTE_REMOVED] = "route-removed",
        [EVENT_ROUTE_REJECTED] = "route-rejected",     [EVENT_QUERIER_LOST] = "querier-lost",
        [EVENT_QUERIER_RESUMED] = "querier-resumed",   [EVENT_GROUP_LIMIT] = "group-limit",
        [EVENT_UPSTREAM_QUERY] = "upstream-query",     [EVENT_STREAM_STALLED] = "stream-stalled",
        [EVENT_GROUP_SILENT] = "group-silent",
        [EVENT_UPSTREAM_VERSION] = "upstream-version",
        [EVENT_OLDER_QUERIER] = "older-querier",
};

static const char *const leave_reason_names[_LEAVE_REASON_MAX] = {
        [LEAVE_REASON_QUICKLEAVE] = "quickleave",
        [LEAVE_REASON_TIMEOUT] = "timeout",
        [LEAVE_REASON_QUERY] = "no answer to group-specific query",
        [LEAVE_REASON_INTERFACE] = "interface removed",
        [LEAVE_REASON_FILTER] = "filtered by the new configuration",
};

const char *effect_type_to_string(EffectType t) {
        return t < _EFFECT_TYPE_MAX ? effect_names[t] : NULL;
}

const char *event_type_to_string(EventType t) {
        return t < _EVENT_TYPE_MAX ? event_names[t] : NULL;
}

const char *leave_reason_to_string(EventLeaveReason r) {
        return r < _LEAVE_REASON_MAX ? leave_reason_names[r] : NULL;
}

