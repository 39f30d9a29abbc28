/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fake-clock.c - the unit tests' simulated clock and recording lab (see
 * fake-clock.h). Inputs are built with the real codec and parsed back, so the
 * core sees exactly what the glue would hand it.
 */
#include "fake-clock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* The fake kernel's multicast forwarding cache: the routes the core set,
 * with their counters. While the lab's stream flows every route forwards
 * all the time; lab_stream(l, false) stamps the moment it stopped (routes
 * of Lab.flowing_source go on forwarding). */
static FakeRoute *kernel_route(Lab *l, in4_t source, in4_t group) {
        for (size_t k = 0; k < l->n_kroutes; k++)
                if (l->kroutes[k].source == source && l->kroutes[k].group == group)
                        return &l->kroutes[k];
        return NULL;
}

static void kernel_apply(Lab *l, const Effect *e) {
        FakeRoute *r = kernel_route(l, e->source, e->group);

        if (e->type == EFFECT_MFC_SET && !r) {
                assert(l->n_kroutes < LAB_MAX_KROUTES);
                /* the packet that made the upcall is forwarded once the entry resolves */
                l->kroutes[l->n_kroutes++] = (FakeRoute) { .source = e->source, .group = e->group,
                                                          .packets = 1, .last = l->now };
        } else if (e->type == EFFECT_MFC_DEL && r)
                *r = l->kroutes[--l->n_kroutes];
}

/* Answers an EFFECT_ACTIVITY_POLL like the glue: every route's counters. */
static void kernel_answer_activity(Lab *l) {
        for (size_t k = 0; k < l->n_kroutes; k++) {
                FakeRoute *r = &l->kroutes[k];
                if (l->stream_flowing || (l->flowing_source != 0 && r->source == l->flowing_source)) {
                        r->packets += 100;
                        r->last = l->now;
                }
                if (l->kernel_hides_routes)
                        continue;
                proxy_route_counters(l->p, r->source, r->group, r->packets,
                                     l->idle_unknown ? ROUTE_IDLE_UNKNOWN : l->now - r->last, l->now);
        }
        l->activity_polls++;
        proxy_activity_done(l->p, true, l->now);
}

void lab_stream(Lab *l, bool flowing) {
        if (l->stream_flowing && !flowing)
                for (size_t k = 0; k < l->n_kroutes; k++) {
                        l->kroutes[k].packets += 100;
                        l->kroutes[k].last = l->now;
                }
        l->stream_flowing = flowing;
}

static void lab_record(Lab *l) {
        for (size_t i = 0; i < proxy_n_effects(l->p); i++) {
                const Effect *e = proxy_effect(l->p, i);
                kernel_apply(l, e);
                if (e->type == EFFECT_ACTIVITY_POLL) {
                        kernel_answer_activity(l);
                        e = proxy_effect(l->p, i); /* the queue may have moved */
                }
                if (l->n_recs == l->cap_recs) {
                        l->cap_recs = l->cap_recs ? 2 * l->cap_recs : 256;
                        l->recs = realloc(l->recs, l->cap_recs * sizeof *l->recs);
                        assert(l->recs);
                }
                l->recs[l->n_recs++] = (Rec) { .at = l->now, .e = *e };
        }
        proxy_effects_clear(l->p);
}

void lab_collect(Lab *l) {
        lab_record(l);
}

void lab_clear(Lab *l) {
        lab_record(l);
        l->n_recs = 0;
}

void lab_init_ifaces(Lab *l, const Config *cfg, bool second, const IfaceConfig *up_ic, const IfaceConfig *down_ic) {
        static IfaceConfig default_up_ic = { .name = "vlan2", .role = ROLE_UPSTREAM, .threshold = 1 };
        static IfaceConfig default_down_ic = { .name = "vlan10", .role = ROLE_DOWNSTREAM, .threshold = 1 };

        *l = (Lab) { .cfg = *cfg, .now = T0 };
        l->p = proxy_new(&l->cfg, 42, l->now);
        assert(l->p);
        l->up = proxy_add_iface(l->p, LAB_UP_IFINDEX, "vlan2", ROLE_UPSTREAM, LAB_UP_ADDR, 24,
                                up_ic ? up_ic : &default_up_ic, 0, l->now);
        l->down = proxy_add_iface(l->p, LAB_DOWN_IFINDEX, "vlan10", ROLE_DOWNSTREAM, LAB_DOWN_ADDR, 24,
                                  down_ic ? down_ic : &default_down_ic, 0, l->now);
        l->down2 = second ? proxy_add_iface(l->p, LAB_DOWN2_IFINDEX, "vlan20", ROLE_DOWNSTREAM, LAB_DOWN2_ADDR, 24,
                                            NULL, 0, l->now)
                          : -1;
        assert(l->up >= 0 && l->down >= 0);
        lab_record(l);
}

void lab_init(Lab *l, const Config *cfg, bool second) {
        lab_init_ifaces(l, cfg, second, NULL, NULL);
}

void lab_done(Lab *l) {
        proxy_free(l->p);
        free(l->recs);
        *l = (Lab) {};
}

void lab_advance_to(Lab *l, usec_t t) {
        for (int guard = 0; guard < 10000000; guard++) {
                usec_t next = proxy_next_deadline(l->p);
                if (next > t)
                        break;
                if (next > l->now)
                        l->now = next;
                proxy_run_timers(l->p, l->now);
                lab_record(l);
        }
        if (t > l->now)
                l->now = t;
}

void lab_advance(Lab *l, usec_t delta) {
        lab_advance_to(l, l->now + delta);
}

static void feed_ip(Lab *l, int ifindex, LabIp lip, in4_t dst, const uint8_t *buf, int len) {
        IgmpMessage m;
        IgmpParseError why;
        IpInfo ip = { .src = lip.src, .dst = dst, .ttl = lip.ttl, .protocol = 2, .router_alert = lip.router_alert };

        assert(len > 0);
        assert(igmp_parse(buf, (size_t) len, &m, &why) == 0);
        proxy_handle_igmp(l->p, ifindex, &ip, &m, l->now);
        lab_record(l);
}

static void feed(Lab *l, int ifindex, in4_t src, in4_t dst, const uint8_t *buf, int len) {
        feed_ip(l, ifindex, LAB_IP(src), dst, buf, len);
}

void lab_report(Lab *l, int ifindex, in4_t src, in4_t group, int version) {
        uint8_t buf[64];
        int n = igmp_build_report(buf, sizeof buf, version, group);
        feed(l, ifindex, src, igmp_report_destination(version, group), buf, n);
}

void lab_leave(Lab *l, int ifindex, in4_t src, in4_t group, int version) {
        uint8_t buf[64];
        int n = igmp_build_leave(buf, sizeof buf, version, group);
        feed(l, ifindex, src, igmp_leave_destination(version, group), buf, n);
}

void lab_v3_record(Lab *l, int ifindex, in4_t src, uint8_t type, in4_t group, uint16_t n_sources) {
        uint8_t buf[16 + 8 + 4 * 16] = {};
        size_t len = 8 + 8 + 4u * n_sources;
        uint16_t sum;

        assert(n_sources <= 16);
        buf[0] = IGMP_TYPE_V3_REPORT;
        buf[7] = 1; /* one record */
        buf[8] = type;
        buf[11] = (uint8_t) n_sources;
        buf[12] = (uint8_t) (group >> 24);
        buf[13] = (uint8_t) (group >> 16);
        buf[14] = (uint8_t) (group >> 8);
        buf[15] = (uint8_t) group;
        for (uint16_t k = 0; k < n_sources; k++) {
                buf[16 + 4 * k] = 198;
                buf[17 + 4 * k] = 18;
                buf[18 + 4 * k] = 0;
                buf[19 + 4 * k] = (uint8_t) (k + 1);
        }
        sum = inet_checksum(buf, len); /* big-endian 16-bit value */
        buf[2] = (uint8_t) (sum >> 8);
        buf[3] = (uint8_t) sum;
        feed(l, ifindex, src, IN4_IGMPV3_ROUTERS, buf, (int) len);
}

void lab_query(Lab *l, int ifindex, in4_t src, int version, in4_t group, usec_t max_resp) {
        uint8_t buf[64];
        int n = igmp_build_query(buf, sizeof buf, version, group, max_resp, 2, SEC(125));
        feed(l, ifindex, src, group ? group : IN4_ALL_SYSTEMS, buf, n);
}

void lab_v3_record_src(Lab *l, int ifindex, in4_t src, uint8_t type, in4_t group, const in4_t *sources,
                       uint16_t n) {
        IgmpGroupRecord rec = { .type = type, .group = group, .n_sources = n, .sources = sources };
        size_t size = 8 + igmp_v3_record_size(n);
        uint8_t *buf = malloc(size);
        int len;

        assert(buf);
        len = igmp_build_v3_report(buf, size, &rec, 1);
        feed(l, ifindex, src, IN4_IGMPV3_ROUTERS, buf, len);
        free(buf);
}

void lab_query_src(Lab *l, int ifindex, in4_t src, in4_t group, usec_t max_resp, bool s_flag, const in4_t *sources,
                   uint16_t n) {
        size_t size = 12 + 4 * (size_t) n;
        uint8_t *buf = malloc(size);
        int len;

        assert(buf);
        len = igmp_build_query_sources(buf, size, 3, group, max_resp, 2, SEC(125), s_flag, sources, n);
        feed(l, ifindex, src, group ? group : IN4_ALL_SYSTEMS, buf, len);
        free(buf);
}

void lab_query_ip(Lab *l, int ifindex, LabIp ip, int version, in4_t group, usec_t max_resp, uint8_t qrv,
                  usec_t qqi) {
        uint8_t buf[64];
        int n = igmp_build_query(buf, sizeof buf, version, group, max_resp, qrv, qqi);
        feed_ip(l, ifindex, ip, group ? group : IN4_ALL_SYSTEMS, buf, n);
}

void lab_report_ip(Lab *l, int ifindex, LabIp ip, in4_t group, int version) {
        uint8_t buf[64];
        int n = igmp_build_report(buf, sizeof buf, version, group);
        feed_ip(l, ifindex, ip, igmp_report_destination(version, group), buf, n);
}

size_t lab_count(const Lab *l, EffectType type, in4_t group) {
        size_t n = 0;
        for (size_t i = 0; i < l->n_recs; i++)
                if (l->recs[i].e.type == type && (group == 0 || group == LAB_ANY_GROUP || l->recs[i].e.group == group))
                        n++;
        return n;
}

size_t lab_count_event(const Lab *l, EventType ev, in4_t group) {
        size_t n = 0;
        for (size_t i = 0; i < l->n_recs; i++)
                if (l->recs[i].e.type == EFFECT_EVENT && l->recs[i].e.event == ev &&
                    (group == 0 || group == LAB_ANY_GROUP || l->recs[i].e.group == group))
                        n++;
        return n;
}

const Rec *lab_find(const Lab *l, EffectType type, in4_t group, size_t nth) {
        for (size_t i = 0; i < l->n_recs; i++)
                if (l->recs[i].e.type == type && (group == 0 || group == LAB_ANY_GROUP || l->recs[i].e.group == group) && nth-- == 0)
                        return &l->recs[i];
        return NULL;
}

const Rec *lab_find_event(const Lab *l, EventType ev, in4_t group, size_t nth) {
        for (size_t i = 0; i < l->n_recs; i++)
                if (l->recs[i].e.type == EFFECT_EVENT && l->recs[i].e.event == ev &&
                    (group == 0 || group == LAB_ANY_GROUP || l->recs[i].e.group == group) && nth-- == 0)
                        return &l->recs[i];
        return NULL;
}

static bool rec_matches(const Rec *r, EffectType type, in4_t group, int vif, usec_t from, usec_t to) {
        return r->e.type == type && (group == LAB_ANY_GROUP || r->e.group == group) &&
               (vif == LAB_ANY_VIF || r->e.vif == vif) && r->at >= from && r->at < to;
}

size_t lab_count_in(const Lab *l, EffectType type, in4_t group, int vif, usec_t from, usec_t to) {
        size_t n = 0;
        for (size_t i = 0; i < l->n_recs; i++)
                if (rec_matches(&l->recs[i], type, group, vif, from, to))
                        n++;
        return n;
}

size_t lab_count_event_in(const Lab *l, EventType ev, in4_t group, usec_t from, usec_t to) {
        size_t n = 0;
        for (size_t i = 0; i < l->n_recs; i++)
                if (rec_matches(&l->recs[i], EFFECT_EVENT, group, LAB_ANY_VIF, from, to) &&
                    l->recs[i].e.event == ev)
                        n++;
        return n;
}

const Rec *lab_nth(const Lab *l, EffectType type, in4_t group, int vif, size_t nth) {
        for (size_t i = 0; i < l->n_recs; i++)
                if (rec_matches(&l->recs[i], type, group, vif, LAB_ALWAYS) && nth-- == 0)
                        return &l->recs[i];
        return NULL;
}

const Rec *lab_nth_event(const Lab *l, EventType ev, in4_t group, size_t nth) {
        for (size_t i = 0; i < l->n_recs; i++)
                if (rec_matches(&l->recs[i], EFFECT_EVENT, group, LAB_ANY_VIF, LAB_ALWAYS) &&
                    l->recs[i].e.event == ev && nth-- == 0)
                        return &l->recs[i];
        return NULL;
}

typedef struct LinkStateQuery {
        int vif;
        LabLinkState *ret;
} LinkStateQuery;

static int link_state_cb(const ProxyMemberInfo *info, void *userdata) {
        LinkStateQuery *q = userdata;
        LabLinkState *s = q->ret;

        if (info->vif != q->vif)
                return 0;
        s->present = true;
        s->mode = info->filter_mode;
        s->group_timer = info->expires;
        s->listening = info->listening;
        s->compat = info->compat_version;
        s->n_hosts = info->n_hosts;
        s->untracked = info->untracked;
        s->n = info->n_sources;
        for (size_t k = 0; k < info->n_sources && k < LAB_MAX_SOURCES; k++)
                s->src[k] = (LabSource) { .addr = info->sources[k].source,
                                          .expires = info->sources[k].expires,
                                          .forwarded = info->sources[k].forwarded };
        return 0;
}

void lab_link_state(const Lab *l, int vif, in4_t group, LabLinkState *ret) {
        LinkStateQuery q = { .vif = vif, .ret = ret };

        *ret = (LabLinkState) {};
        assert(group != 0);
        assert(proxy_foreach_member(l->p, group, l->now, link_state_cb, &q) == 0);
}

/* The EFFECT_SOURCE chain after record i: at most n, copied up to LAB_MAX_LIST. */
static void chain_sources(const Lab *l, size_t i, size_t n, in4_t *out) {
        for (size_t k = 0; k < n && i + 1 + k < l->n_recs; k++) {
                const Effect *s = &l->recs[i + 1 + k].e;
                assert(s->type == EFFECT_SOURCE);
                if (k < LAB_MAX_LIST)
                        out[k] = s->source;
        }
}

size_t lab_queries(const Lab *l, in4_t group, int vif, usec_t from, usec_t to, LabQuery *ret, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (!rec_matches(r, EFFECT_SEND_QUERY, group, vif, from, to))
                        continue;
                if (n < max) {
                        ret[n] = (LabQuery) { .at = r->at, .dst = r->e.dst, .version = r->e.version,
                                              .s_flag = r->e.s_flag, .max_resp = r->e.max_resp,
                                              .n = r->e.n_sources };
                        chain_sources(l, i, r->e.n_sources, ret[n].src);
                }
                n++;
        }
        return n;
}

size_t lab_up_records(const Lab *l, in4_t group, usec_t from, usec_t to, LabUpRecord *ret, size_t max) {
        size_t n = 0;

        for (size_t i = 0; i < l->n_recs; i++) {
                const Rec *r = &l->recs[i];
                if (!rec_matches(r, EFFECT_SEND_REPORT, group, l->up, from, to) &&
                    !rec_matches(r, EFFECT_SEND_LEAVE, group, l->up, from, to))
                        continue;
                if (n < max) {
                        ret[n] = (LabUpRecord) { .at = r->at, .type = r->e.type, .version = r->e.version,
                                                 .record = r->e.record, .more = r->e.more, .n = r->e.n_sources };
                        chain_sources(l, i, r->e.n_sources, ret[n].src);
                }
                n++;
        }
        return n;
}
