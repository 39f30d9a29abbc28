/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-core-model.c - the world around the core for fuzz-core.c: the kernel (VIFs, MFC with
 * output masks and counters), the upstream router (our membership as our reports and leaves
 * tell it) and the downstream hosts (how long the RFC lets each membership last), and the
 * invariants checked against them after every step. See fuzz-core.h.
 *
 * Every bound is an upper bound on what the RFC allows, computed from the inputs and the
 * configuration alone, so a correct core never trips it whatever membership.c does inside
 * (any-source today, RFC 3376 source lists tomorrow). Where the RFC leaves the core a choice
 * (adopting another querier's QRV/QQIC, how an IGMPv1 querier's timeout is counted), the
 * model takes the most lenient reading.
 *
 * The invariants (each fail() below says which rule broke):
 *  refresh   Enabled=yes/auto: a group joined upstream, with listeners, allowed, is reported
 *            at least every IntervalSec + min(SpreadSec, IntervalSec/2) + 1 s (from the later
 *            of its last report, the moment it became owed, the moment the refresh was
 *            switched on; InitialDelaySec gives no licence; across a reload the larger bound);
 *  leave     a group is left upstream once no listener can remain on any link: GMI after the
 *            last report that asked for traffic, LMQT after a leave heard as querier with no
 *            IGMPv1 host (RFC 3376 6.4, 6.6.3.1, 7.3.2); the moment a link goes or a reload's
 *            filter forbids it; IGMPv1 (no leave): then no report after that moment;
 *  union     a group with listeners, allowed upstream, with an upstream, is joined (RFC 4605 4.1);
 *  routes    no MFC output to a link where no listener can remain; none to a link whose
 *            listeners, in the core's own member view, do not want that source (RFC 3376 6.3:
 *            filter mode and source records); MFC input the upstream in service, or a downstream
 *            whose subnet holds the source (a sender, RFC 4605 4.2), never among the outputs;
 *            outputs only downstreams in service (and the upstream for a sender); no route keeps
 *            the VIF of a link that went; upstream routes only for sources on the upstream
 *            subnet or an AltNet=; never for 224.0.0.0/24;
 *  version   no report or leave above ReportVersion= or an older querier's version while its
 *            Older Version Querier Present timer must still run (RFC 3376 7.2.1); no v1 leave;
 *            v1/v2 messages carry no source (a v1/v2 report is an any-source join whatever
 *            its record says);
 *  linklocal 224.0.0.0/24 never reported upstream (RFC 5771); nothing forbidden upstream joined;
 *  querier   no query while a lower-address querier may be present (RFC 3376 6.6.2), none in
 *            a version above Version= (7.3.1 may make it lower);
 *  wire      v3 records assembled as the glue does stay within the MTU (RFC 3376 4.2.16) and
 *            never end half way; a state change is never sent twice at one instant (5.1);
 *            sources follow their record, distinct, from what hosts or the kernel named;
 *  bounded   per link at most MaxGroupsPerInterface groups (the largest in force since it came
 *            in), at most 64 hosts tracked per group and link; a group kept with no listener, no join and no route at most Robustness x
 *            UnsolicitedReportInterval + 1 s (its leave repeats); no effect or timer storm;
 *            no effect lost, no allocation failed;
 *  timers    after proxy_run_timers() the next deadline is in the future and proxy_overdue()
 *            is false; every send and MFC change names a VIF in service;
 *  views     proxy_foreach_group() and proxy_foreach_member() agree (out_mask = listening
 *            links), a group said joined was joined on the wire, "allowed" is the filters';
 *  shutdown  nothing joined (a leave for each, IGMPv1 excepted), no route, no timer; then
 *            inert: no send and no MFC change whatever comes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "fuzz-core.h"

#define S(x) ((usec_t) (x) * USEC_PER_SEC)
#define RFC_QI S(125)  /* RFC 3376 8.2 default Query Interval */
#define RFC_ROB 2      /* RFC 3376 8.1 default Robustness */
#define HOSTS_CAP 64   /* hosts tracked per group and link (membership.c MEMBER_MAX_HOSTS) */

const SlotDef slot_defs[N_SLOTS] = {
        { "vlan2", 2, IN4(198, 18, 0, 100), 24 },  { "vlan10", 3, IN4(198, 18, 1, 100), 24 },
        { "vlan20", 4, IN4(198, 18, 2, 100), 24 }, { "vlan30", 5, IN4(198, 18, 3, 100), 24 },
        { "vlan99", 6, IN4(198, 18, 4, 100), 24 }, { "eth5", 7, IN4(198, 18, 5, 100), 24 },
};

#define R8(b) IN4(239, 1, 2, (b)), IN4(239, 1, 2, (b) + 1), IN4(239, 1, 2, (b) + 2), IN4(239, 1, 2, (b) + 3), \
              IN4(239, 1, 2, (b) + 4), IN4(239, 1, 2, (b) + 5), IN4(239, 1, 2, (b) + 6), IN4(239, 1, 2, (b) + 7)
const in4_t group_table[N_GROUPS] = {
        IN4(239, 1, 1, 1),     IN4(239, 1, 1, 2),   IN4(239, 2, 2, 2),  IN4(239, 0, 5, 1),
        IN4(239, 255, 255, 250), IN4(224, 0, 0, 251), IN4(224, 0, 0, 22), IN4(224, 0, 1, 1),
        IN4(232, 1, 1, 1),     IN4(238, 1, 1, 1),   IN4(239, 1, 1, 3),  IN4(239, 1, 1, 4),
        IN4(239, 1, 1, 5),     0 /* general query; not a group */, IN4(198, 18, 0, 1) /* not multicast */,
        IN4(239, 1, 1, 6),     R8(0), R8(8), R8(16), R8(24), R8(32), R8(40),
};

const in4_t source_table[N_SOURCES] = {
        IN4(198, 18, 0, 50), IN4(198, 18, 0, 51), IN4(198, 18, 0, 52), IN4(198, 18, 0, 53),
        IN4(198, 18, 0, 54), IN4(198, 18, 0, 55), IN4(198, 18, 0, 56), IN4(198, 18, 0, 57),
        IN4(198, 19, 5, 5) /* AltNet in some configs */, IN4(198, 19, 200, 1) /* never allowed */,
        IN4(198, 18, 4, 50) /* vlan99's subnet */, IN4(239, 9, 9, 9) /* multicast: bogus */,
        IN4(198, 18, 1, 10) /* a downstream host */, 0, IN4(198, 18, 0, 100) /* our own */,
        IN4(198, 18, 2, 10) /* a host on vlan20 */,
};

int group_index(in4_t g) {
        if ((g & 0xffffff00U) == IN4(239, 1, 2, 0) && (g & 0xff) < 48)
                return 16 + (int) (g & 0xff);
        for (int k = 0; k < 16; k++)
                if (group_table[k] == g)
                        return k;
        return -1;
}

int source_index(in4_t s) {
        for (int k = 0; k < N_SOURCES; k++)
                if (source_table[k] == s)
                        return k;
        return -1;
}

const char *addr_str(in4_t a) {
        static char bufs[8][IN4_STRLEN];
        static unsigned k;
        return in4_to_string(a, bufs[k++ % 8]);
}

static const char *dur(usec_t u) {
        static char bufs[8][32];
        static unsigned k;
        char *b = bufs[k++ % 8];

        if (u == USEC_INFINITY)
                return "never";
        snprintf(b, 32, "%llu.%06llus", (unsigned long long) (u / USEC_PER_SEC),
                 (unsigned long long) (u % USEC_PER_SEC));
        return b;
}

/* A moment, as time since the start (T0). */
static const char *at(usec_t t) {
        return t >= T0 ? dur(t - T0) : "before start";
}

void say_(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

_Noreturn void fail(Harness *h, const char *fmt, ...) {
        va_list ap;
        int n;

        n = snprintf(h->why, sizeof h->why, "step %u at +%s: ", h->step, at(h->now));
        va_start(ap, fmt);
        vsnprintf(h->why + n, sizeof h->why - (size_t) n, fmt, ap);
        va_end(ap);
        if (h->verbose) {
                fprintf(stderr, "invariant failed: %s\n", h->why);
                abort();
        }
        longjmp(h->fail_jmp, 1);
}

/* ---- small helpers ------------------------------------------------------------------ */

static int slot_of_vif(const Harness *h, int vif) {
        for (int s = 0; s < N_SLOTS; s++)
                if (vif >= 0 && h->slot[s].vif == vif)
                        return s;
        return -1;
}

static const char *vif_name(const Harness *h, int vif) {
        int s = slot_of_vif(h, vif);
        return s >= 0 ? slot_defs[s].name : "(no such VIF)";
}

static bool live_down(const Harness *h, int vif) {
        int s = slot_of_vif(h, vif);
        return s >= 0 && h->slot[s].role == ROLE_DOWNSTREAM;
}

static int up_vif(const Harness *h) {
        return h->up_slot >= 0 ? h->slot[h->up_slot].vif : -1;
}

static bool own_address(const Harness *h, in4_t a) {
        for (int s = 0; s < N_SLOTS; s++)
                if (a != 0 && h->slot[s].vif >= 0 && slot_defs[s].addr == a)
                        return true;
        return false;
}

static bool on_link(int s, in4_t a) {
        return a == 0 || ((a ^ slot_defs[s].addr) & prefix_mask(slot_defs[s].plen)) == 0;
}

static bool wire_joined(const WireGroup *w) {
        return w->exclude || w->sources != 0;
}

/* May the group be reported upstream now (RFC 5771: never 224.0.0.0/24; the upstream
 * interface's Whitelist=/Blacklist=)? */
static bool allowed_up(const Harness *h, in4_t g) {
        if (h->up_slot < 0 || in4_is_link_local_multicast(g) || !in4_is_multicast(g))
                return false;
        return config_group_allowed(config_find_iface(h->cfg, slot_defs[h->up_slot].name), g);
}

/* Could the core have been reporting in IGMPv1 at t, so that it had no leave to send (RFC
 * 1112)? Lenient: an IGMPv1 querier's timeout by the longest reading, ReportVersion=1. */
static bool could_be_v1(const Harness *h, usec_t t) {
        return t <= h->v1_max || h->cfg->report_version == 1;
}

static usec_t refresh_bound(const Config *c) {
        return c->refresh_interval + MIN(c->refresh_spread, c->refresh_interval / 2) + USEC_PER_SEC;
}

/* Group Membership Interval (RFC 3376 8.4) on a link: the configured one, or larger if the core
 * adopts the values of a querier heard there. */
static usec_t gmi_bound(const Harness *h, int s) {
        const Config *c = h->cfg;
        const SlotModel *sl = &h->slot[s];

        return (usec_t) MAX(c->robustness, sl->qrv_max) * MAX(c->query_interval, sl->qqi_max) +
               MAX(c->query_response_interval, sl->mrt_max);
}

/* Last Member Query Time (RFC 3376 8.8): Last Member Query Count x Interval. */
static usec_t lmqt_bound(const Harness *h, int s) {
        const Config *c = h->cfg;
        return (usec_t) MAX(c->last_member_query_count, h->slot[s].qrv_max) * c->last_member_query_interval;
}

/* ---- setup and the glue's moves ------------------------------------------------------- */

void model_reset(Harness *h) {
        h->up_slot = -1;
        h->removing_vif = -1;
        for (int s = 0; s < N_SLOTS; s++) {
                h->slot[s] = (SlotModel) { .vif = -1, .mtu = 1500 };
        }
}

void model_config(Harness *h, const Config *old, const Config *cfg) {
        h->max_rob = MAX(h->max_rob, cfg->robustness);
        h->max_uri = MAX(h->max_uri, cfg->unsolicited_report_interval);
        if (old && old->report_version == 1)
                h->v1_max = MAX(h->v1_max, h->now);
        /* The refresh schedule (re)starts when the refresh is switched on: no group waits
         * longer than IntervalSec (+ SpreadSec) from then, whatever InitialDelaySec says
         * (igmpproxy.conf(5): two reports never more than IntervalSec + SpreadSec apart). */
        if ((!old || old->refresh == REFRESH_NO) && cfg->refresh != REFRESH_NO)
                h->sched_start = h->now;
        for (int g = 0; g < N_GROUPS; g++)
                h->wire[g].bound = MAX(h->wire[g].bound, refresh_bound(cfg));
        for (int s = 0; s < N_SLOTS; s++) {
                const IfaceConfig *ic = config_find_iface(cfg, slot_defs[s].name);
                if (h->slot[s].vif < 0)
                        continue;
                h->slot[s].max_cap = MAX(h->slot[s].max_cap, cfg->max_groups);
                /* proxy_set_config(): memberships a filter now forbids end at once. */
                for (int g = 0; g < N_GROUPS && old; g++)
                        if (!config_group_allowed(ic, group_table[g]))
                                h->slot[s].keep[g].until = MIN(h->slot[s].keep[g].until, h->now);
        }
}

void model_slot_in(Harness *h, int s, IfaceRole role, int vif) {
        SlotModel *sl = &h->slot[s];

        sl->vif = vif;
        sl->role = role;
        sl->max_cap = h->cfg->max_groups;
        sl->other_min = sl->other_max = 0; /* the querier starts (RFC 3376 6.1) */
        if (role == ROLE_UPSTREAM)
                h->up_slot = s;
}

void model_slot_out(Harness *h, int s) {
        SlotModel *sl = &h->slot[s];

        if (h->up_slot == s) {
                /* The link is gone: the router behind it forgets us; a new one may not be an
                 * older-version querier (the lenient reading: forget the compatibility too). */
                h->up_slot = -1;
                for (int g = 0; g < N_GROUPS; g++)
                        h->wire[g].exclude = false, h->wire[g].sources = 0, h->wire[g].change_type = 0;
                h->v1_min = h->v2_min = 0;
        }
        if (sl->role == ROLE_DOWNSTREAM)
        /* The link's VIF goes (and may be handed out again at once): no route may keep it. */
        for (size_t k = 0; k < h->n_mfc; k++)
                if (h->mfc[k].iif == sl->vif || (h->mfc[k].out >> sl->vif & 1))
                        fail(h, "route (%s, %s) still has %s's VIF %d (in %d, out 0x%x) after it went",
                             addr_str(h->mfc[k].source), addr_str(h->mfc[k].group), slot_defs[s].name, sl->vif,
                             h->mfc[k].iif, h->mfc[k].out);
        /* Its memberships end now (kept as the moment they ended, for the IGMPv1 rule). */
        for (int g = 0; g < N_GROUPS; g++) {
                sl->keep[g].until = MIN(sl->keep[g].until, h->now);
                sl->keep[g].v1_until = MIN(sl->keep[g].v1_until, h->now);
        }
        sl->vif = -1;
}

/* ---- what the hosts and the queriers said ------------------------------------------------ */

static void host_report(Harness *h, int s, int gi, bool v1) {
        Keep *k = &h->slot[s].keep[gi];
        usec_t until = h->now + gmi_bound(h, s);

        /* RFC 3376 6.4: a report that asks for traffic sets the group (or its sources') timer
         * to GMI; v1 reports also start the IGMPv1 host present timer (7.3.2). */
        k->until = MAX(k->until, until);
        if (v1)
                k->v1_until = MAX(k->v1_until, until);
        h->touched |= 1ULL << gi;
        h->wire[gi].ever = true;
}

static void host_leave(Harness *h, int s, int gi, in4_t src) {
        SlotModel *sl = &h->slot[s];
        Keep *k = &sl->keep[gi];

        /* RFC 3376 6.4.2 / 6.6.3.1, RFC 2236 3: a leave (TO_IN({}), IGMPv2 Leave) makes the
         * querier query and lower the group's and sources' timers to LMQT. It counts here only
         * when it surely applies: we are the querier (no lower-address querier could still be
         * present), no IGMPv1 host is (7.3.2), and it names its sender. */
        if (src == 0 || h->now <= sl->other_max || h->now <= k->v1_until || h->now <= sl->v1q_until)
                return;
        k->until = MIN(k->until, h->now + lmqt_bound(h, s));
}

static bool group_ok_down(const Harness *h, int s, in4_t g) {
        if (!in4_is_multicast(g) || in4_is_link_local_multicast(g))
                return false;
        return config_group_allowed(config_find_iface(h->cfg, slot_defs[s].name), g);
}

static void upstream_query(Harness *h, const IgmpMessage *m) {
        usec_t d;

        if (m->version == 3) {
                /* The lowest and highest values any v3 query ever gave (0 = not given: the default). */
                unsigned qrv = m->qrv ? m->qrv : RFC_ROB;
                usec_t qqi = m->qqi_usec ? m->qqi_usec : RFC_QI;
                h->up_qrv = h->up_qrv ? MIN(h->up_qrv, qrv) : qrv;
                h->up_qqi = h->up_qqi ? MIN(h->up_qqi, qqi) : qqi;
                h->up_qrv_max = MAX(h->up_qrv_max, qrv);
                h->up_qqi_max = MAX(h->up_qqi_max, qqi);
                return;
        }
        if (m->version == 1) {
                /* the longest: any QRV/QQI heard, the defaults, our own Robustness and QI */
                usec_t rob = MAX(MAX(h->up_qrv_max, RFC_ROB), h->cfg->robustness);
                usec_t qi = MAX(MAX(h->up_qqi_max, RFC_QI), h->cfg->query_interval);
                h->v1_max = MAX(h->v1_max, h->now + rob * qi + MAX(m->max_resp_usec, h->cfg->query_response_interval));
        }
        /* RFC 3376 7.2.1 / 8.12: Older Version Querier Present Timeout = Robustness x the
         * querier's Query Interval + one Query Response Interval: at least the shortest of
         * the readings (its last v3 values, or the defaults) plus this query's Max Resp Time. */
        d = MIN((usec_t) RFC_ROB * RFC_QI, (usec_t) (h->up_qrv ? h->up_qrv : RFC_ROB) * (h->up_qqi ? h->up_qqi : RFC_QI)) +
            m->max_resp_usec;
        if (m->version == 1)
                h->v1_min = h->now + d;
        else
                h->v2_min = h->now + d;
}

void model_input(Harness *h, int s, const IpInfo *ip, const IgmpMessage *m) {
        SlotModel *sl = &h->slot[s];
        const Config *c = h->cfg;
        size_t cursor = 0;
        IgmpRecord rec;
        int gi;

        /* RFC 2236 2, RFC 3376 4: TTL 1; our own packets looped back are not input. */
        if (h->shut_down || sl->vif < 0 || own_address(h, ip->src) || ip->ttl != 1)
                return;
        if (m->type == IGMP_TYPE_QUERY) {
                /* A query counts with Router Alert (v1 excepted) from the link (or 0.0.0.0):
                 * RFC 3376 9.1 (proxy.c query_valid). */
                if ((m->version >= 2 && !ip->router_alert) || !on_link(s, ip->src))
                        return;
                if (sl->role == ROLE_UPSTREAM) {
                        upstream_query(h, m);
                        return;
                }
                sl->mrt_max = MAX(sl->mrt_max, m->max_resp_usec);
                if (m->version == 3) {
                        sl->qrv_max = MAX(sl->qrv_max, m->qrv);
                        sl->qqi_max = MAX(sl->qqi_max, m->qqi_usec);
                        if (m->qrv)
                                sl->qrv_min = sl->qrv_min ? MIN(sl->qrv_min, m->qrv) : m->qrv;
                        if (m->qqi_usec)
                                sl->qqi_min = sl->qqi_min ? MIN(sl->qqi_min, m->qqi_usec) : m->qqi_usec;
                }
                /* RFC 3376 7.3.1: an IGMPv1 querier on the link puts the router in IGMPv1 mode,
                 * where leaves are ignored, for up to an Older Version Querier Present Interval. */
                if (m->version == 1)
                        sl->v1q_until = MAX(sl->v1q_until, h->now + gmi_bound(h, s));
                /* RFC 3376 6.6.2: a query from a lower address makes us a non-querier for the
                 * Other Querier Present Interval (8.5): at least by the shortest values we or
                 * any querier heard here gave (a non-querier adopts the querier's QRV and QQI,
                 * 4.1.6-4.1.7), at most by the longest. */
                if (ip->src != 0 && ip->src < slot_defs[s].addr) {
                        usec_t rob = sl->qrv_min ? MIN(c->robustness, sl->qrv_min) : c->robustness;
                        usec_t qi = sl->qqi_min ? MIN(c->query_interval, sl->qqi_min) : c->query_interval;
                        usec_t oqpi = rob * qi + MIN(c->query_response_interval, m->max_resp_usec) / 2;
                        usec_t oqpi_max = (usec_t) MAX(c->robustness, sl->qrv_max) * MAX(c->query_interval, sl->qqi_max) +
                                          MAX(c->query_response_interval, sl->mrt_max) / 2;
                        sl->other_min = h->now + oqpi;
                        sl->other_max = MAX(sl->other_max, h->now + oqpi_max);
                }
                return;
        }
        if (sl->role != ROLE_DOWNSTREAM || !on_link(s, ip->src))
                return;
        if (!ip->router_alert && !c->accept_reports_without_ra)
                return;
        switch (m->type) {
        case IGMP_TYPE_V1_REPORT:
        case IGMP_TYPE_V2_REPORT:
                if (group_ok_down(h, s, m->group) && (gi = group_index(m->group)) >= 0)
                        host_report(h, s, gi, m->type == IGMP_TYPE_V1_REPORT);
                break;
        case IGMP_TYPE_V2_LEAVE:
                if (group_ok_down(h, s, m->group) && (gi = group_index(m->group)) >= 0)
                        host_leave(h, s, gi, ip->src);
                break;
        case IGMP_TYPE_V3_REPORT:
                while (igmp_record_next(m, &cursor, &rec) > 0) {
                        if (!group_ok_down(h, s, rec.group) || (gi = group_index(rec.group)) < 0)
                                continue;
                        switch (rec.type) {
                        case IGMP_MODE_IS_EXCLUDE:
                        case IGMP_CHANGE_TO_EXCLUDE:
                                host_report(h, s, gi, false);
                                break;
                        case IGMP_MODE_IS_INCLUDE:
                        case IGMP_ALLOW_NEW_SOURCES:
                                if (rec.n_sources > 0)
                                        host_report(h, s, gi, false);
                                break;
                        case IGMP_CHANGE_TO_INCLUDE:
                                if (rec.n_sources > 0)
                                        host_report(h, s, gi, false);
                                else if (c->querier_version == 3)
                                        host_leave(h, s, gi, ip->src);
                                break;
                        default: /* BLOCK_OLD_SOURCES lowers timers only */
                                break;
                        }
                }
                break;
        default:
                break;
        }
}

/* ---- carrying out the effects ---------------------------------------------------------- */

static const char *const record_names[] = { "?", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW", "BLOCK" };

static const char *record_name(unsigned r) {
        return r < ELEMENTSOF(record_names) ? record_names[r] : "?";
}

/* The EFFECT_SOURCE effects after effect i: checked, as source_table bits. */
static uint16_t take_sources(Harness *h, size_t i, unsigned n, const char *what) {
        uint16_t bits = 0;

        for (unsigned k = 1; k <= n; k++) {
                const Effect *s = proxy_effect(h->p, i + k);
                int si;
                if (!s || s->type != EFFECT_SOURCE)
                        fail(h, "%s says %u sources follow, effect %u after it is not one", what, n, k);
                si = source_index(s->source);
                if (si < 0)
                        fail(h, "%s lists source %s, which no host or kernel ever named", what, addr_str(s->source));
                if (bits & (1U << si))
                        fail(h, "%s lists source %s twice", what, addr_str(s->source));
                bits |= (uint16_t) (1U << si);
                say(h, "        source %s", addr_str(s->source));
        }
        return bits;
}

/* RFC 3376 7.2.1: never report in a version above an older querier's, nor above ReportVersion=. */
static void check_version(Harness *h, unsigned v, const char *what, in4_t g) {
        if (v < 1 || v > 3)
                fail(h, "%s of %s in IGMP version %u", what, addr_str(g), v);
        if (v > h->cfg->report_version)
                fail(h, "%s of %s in IGMPv%u above ReportVersion=%u", what, addr_str(g), v, h->cfg->report_version);
        if (v > 1 && h->now < h->v1_min)
                fail(h, "%s of %s in IGMPv%u while an IGMPv1 querier is present upstream (until at least +%s; "
                     "RFC 3376 7.2.1)", what, addr_str(g), v, at(h->v1_min));
        if (v > 2 && h->now < h->v2_min)
                fail(h, "%s of %s in IGMPv3 while an IGMPv2 querier is present upstream (until at least +%s; "
                     "RFC 3376 7.2.1)", what, addr_str(g), at(h->v2_min));
}

/* The upstream router applies one record of ours (RFC 3376 6.4 for a single host). */
static void wire_record(Harness *h, unsigned type, in4_t g, uint16_t bits, unsigned version) {
        int gi = group_index(g);
        WireGroup *w;

        if (gi < 0 || !in4_is_multicast(g))
                fail(h, "upstream record for %s, which no host asked for", addr_str(g));
        if (in4_is_link_local_multicast(g))
                fail(h, "upstream record for the link-local group %s (RFC 5771: never proxied)", addr_str(g));
        w = &h->wire[gi];
        switch (type) {
        case IGMP_MODE_IS_INCLUDE:
        case IGMP_CHANGE_TO_INCLUDE:
                w->exclude = false, w->sources = bits;
                break;
        case IGMP_MODE_IS_EXCLUDE:
        case IGMP_CHANGE_TO_EXCLUDE:
                w->exclude = true, w->sources = bits;
                break;
        case IGMP_ALLOW_NEW_SOURCES:
                w->sources = w->exclude ? w->sources & ~bits : w->sources | bits;
                break;
        case IGMP_BLOCK_OLD_SOURCES:
                w->sources = w->exclude ? w->sources | bits : w->sources & ~bits;
                break;
        default:
                fail(h, "upstream record of type %u for %s", type, addr_str(g));
        }
        /* RFC 3376 5.1: a state change is repeated Robustness - 1 times at random in (0, Unsolicited
         * Report Interval]: never twice at one instant, unless a new change came then, whose
         * report carries what is still pending (5.1's merge): judged when the effects end. A
         * report in another version is no repeat: a version change cancels the retransmissions
         * (7.2.1) and the state is said anew in the new version. */
        if (type >= IGMP_CHANGE_TO_INCLUDE) {
                if (w->change_type == type && w->change_at == h->now && w->change_sources == bits &&
                    w->change_version == version)
                        w->dup_now = true;
                else
                        w->new_now = true;
                w->change_type = (uint8_t) type, w->change_at = h->now, w->change_sources = bits;
                w->change_version = (uint8_t) version;
        }
        w->last_version = (uint8_t) version;
        w->ever = true;
        h->touched |= 1ULL << gi;
        if (wire_joined(w)) {
                if (!allowed_up(h, g))
                        fail(h, "%s reported upstream, but the upstream filters forbid it", addr_str(g));
                w->last_report = h->now;
                w->bound = refresh_bound(h->cfg);
        }
}

static void check_upstream_vif(Harness *h, const Effect *e, const char *what) {
        if (e->vif < 0 || e->vif != up_vif(h))
                fail(h, "%s of %s on VIF %d, which is not the upstream in service", what, addr_str(e->group), e->vif);
}

/* One record of a report or a leave, as the glue takes it (manager-effects.c): v1/v2 one
 * message each; v3 records go into the packet being assembled, which leaves with the first
 * record whose more is false when the glue reaches it (effects in between are carried out
 * on their own). Returns the index of its last EFFECT_SOURCE. */
static size_t do_record(Harness *h, size_t i) {
        const Effect *e = proxy_effect(h->p, i);
        bool leave = e->type == EFFECT_SEND_LEAVE;
        const char *what = leave ? "leave" : "report";
        unsigned version = e->version, record = e->record;
        in4_t g = e->group;
        uint16_t bits;
        bool more = !leave && e->more;

        say(h, "    -> %s %s v%u %s %s n_sources %u%s", what, vif_name(h, e->vif), version, record_name(record),
            addr_str(g), e->n_sources, more ? " (more)" : "");
        check_upstream_vif(h, e, what);
        check_version(h, version, what, g);
        if (leave && version < 2)
                fail(h, "a leave of %s in IGMPv1, which has none", addr_str(g));
        if (version < 3 && (e->n_sources || e->more))
                fail(h, "an IGMPv%u %s with %u sources%s", version, what, e->n_sources,
                     e->more ? " and more records" : "");
        bits = take_sources(h, i, e->n_sources, what);
        /* What goes on the wire (effects.h, manager-effects.c): v1/v2 reports are any-source
         * joins and v2 leaves leaves, whatever their record says. */
        if (version < 3)
                record = leave ? IGMP_CHANGE_TO_INCLUDE : record == IGMP_MODE_IS_INCLUDE || record == IGMP_MODE_IS_EXCLUDE
                                                                  ? IGMP_MODE_IS_EXCLUDE
                                                                  : IGMP_CHANGE_TO_EXCLUDE;
        {
                wire_record(h, leave && !record ? IGMP_CHANGE_TO_INCLUDE : record, g, bits, version);
        }
        if (version == 3) {
                h->pkt_records++;
                h->pkt_bytes += igmp_v3_record_size(e->n_sources);
                /* RFC 3376 4.2.16: a report never exceeds the link's MTU. */
                if (IGMP_IP_HEADER_LEN + 8 + h->pkt_bytes > h->slot[h->up_slot].mtu)
                        fail(h, "a v3 report of %u records is %zu bytes, over the upstream MTU %u", h->pkt_records,
                             IGMP_IP_HEADER_LEN + 8 + h->pkt_bytes, h->slot[h->up_slot].mtu);
                if (!more)
                        h->pkt_records = 0, h->pkt_bytes = 0;
        }
        return i + e->n_sources;
}

static size_t do_query(Harness *h, size_t i) {
        const Effect *e = proxy_effect(h->p, i);
        int s = slot_of_vif(h, e->vif);

        say(h, "    -> query %s v%u %s max_resp %s n_sources %u%s", vif_name(h, e->vif), e->version,
            e->group ? addr_str(e->group) : "general", dur(e->max_resp), e->n_sources, e->s_flag ? " S" : "");
        if (s < 0 || h->slot[s].role != ROLE_DOWNSTREAM)
                fail(h, "query on VIF %d, which is no downstream in service", e->vif);
        /* RFC 3376 6.6.2, RFC 2236 3: a non-querier sends no query. */
        if (h->now < h->slot[s].other_min)
                fail(h, "query on %s while a querier with a lower address is present (until +%s, RFC 3376 6.6.2)",
                     slot_defs[s].name, at(h->slot[s].other_min));
        /* RFC 3376 7.3.1: the configured version, or an older querier's on the link */
        if (e->version < 1 || e->version > h->cfg->querier_version)
                fail(h, "IGMPv%u query with Version=%u", e->version, h->cfg->querier_version);
        if (e->group == 0 ? e->dst != IN4_ALL_SYSTEMS : (e->dst != e->group || !in4_is_multicast(e->group) ||
                                                          in4_is_link_local_multicast(e->group)))
                fail(h, "query for %s sent to %s", addr_str(e->group), addr_str(e->dst));
        if (e->n_sources && (e->version != 3 || e->group == 0))
                fail(h, "a v%u %s query with sources", e->version, e->group ? "group" : "general");
        take_sources(h, i, e->n_sources, "query");
        return i + e->n_sources;
}

static MfcEntry *mfc_find(Harness *h, in4_t s, in4_t g) {
        for (size_t k = 0; k < h->n_mfc; k++)
                if (h->mfc[k].source == s && h->mfc[k].group == g)
                        return &h->mfc[k];
        return NULL;
}

bool source_allowed_up(const Harness *h, in4_t src) {
        const IfaceConfig *ic;

        if (h->up_slot < 0)
                return false;
        if (on_link(h->up_slot, src) && src != 0)
                return true;
        ic = config_find_iface(h->cfg, slot_defs[h->up_slot].name);
        for (size_t k = 0; ic && k < ic->n_altnets; k++)
                if (prefix_contains(&ic->altnets[k], src))
                        return true;
        return false;
}

/* The input VIF of a route: the upstream in service (traffic from upstream), or a downstream in
 * service whose subnet holds the source (a downstream sender, RFC 4605 4.2). */
static bool input_ok(const Harness *h, int vif, in4_t source) {
        int s = slot_of_vif(h, vif);

        if (s < 0)
                return false;
        return h->slot[s].role == ROLE_UPSTREAM || (h->slot[s].role == ROLE_DOWNSTREAM && on_link(s, source) && source);
}

static void do_mfc(Harness *h, const Effect *e) {
        MfcEntry *m = mfc_find(h, e->source, e->group);
        bool from_up = e->vif >= 0 && e->vif == up_vif(h);

        say(h, "    -> %s (%s, %s) in %s out 0x%x", e->type == EFFECT_MFC_SET ? "mfc-set" : "mfc-del",
            addr_str(e->source), addr_str(e->group), vif_name(h, e->vif), e->out_mask);
        if (e->type == EFFECT_MFC_DEL) {
                if (m && m->iif != e->vif)
                        fail(h, "MFC delete of (%s, %s) names input VIF %d, the entry has %d", addr_str(e->source),
                             addr_str(e->group), e->vif, m->iif);
                if (m)
                        *m = h->mfc[--h->n_mfc];
                return;
        }
        if (!input_ok(h, e->vif, e->source))
                fail(h, "MFC entry (%s, %s) with input VIF %d: neither the upstream nor a downstream with that "
                     "source on its subnet", addr_str(e->source), addr_str(e->group), e->vif);
        if (group_index(e->group) < 0 || !in4_is_multicast(e->group) || in4_is_link_local_multicast(e->group))
                fail(h, "route for %s, which is no group to forward", addr_str(e->group));
        if (source_index(e->source) < 0)
                fail(h, "route for source %s, which the kernel never offered", addr_str(e->source));
        /* RFC 4605 4.2 (routes.c): only sources on the upstream subnet or in its AltNet=, also
         * after a reload took an AltNet= away (a route made or a source offered before it). */
        if (from_up && !source_allowed_up(h, e->source))
                fail(h, "route for (%s, %s): the source is outside the upstream subnet and AltNet=",
                     addr_str(e->source), addr_str(e->group));
        for (int v = 0; v < 32; v++)
                if ((e->out_mask >> v & 1) && (v == e->vif || (!live_down(h, v) && (from_up || v != up_vif(h)))))
                        fail(h, "route for (%s, %s) from VIF %d outputs to VIF %d: not a downstream in service%s",
                             addr_str(e->source), addr_str(e->group), e->vif, v,
                             from_up ? "" : " nor the upstream");
        if (m && m->iif != e->vif)
                fail(h, "MFC entry (%s, %s) moved from input VIF %d to %d", addr_str(e->source), addr_str(e->group),
                     m->iif, e->vif);
        if (!m) {
                if (h->n_mfc == MAX_MFC)
                        fail(h, "more than %d MFC entries", MAX_MFC);
                m = &h->mfc[h->n_mfc++];
                /* the packet that made the upcall is forwarded once the entry resolves */
                *m = (MfcEntry) { .source = e->source, .group = e->group, .packets = 1, .last = h->now };
        }
        m->iif = e->vif;
        m->out = e->out_mask;
}

static bool mfc_flows(const Harness *h, const MfcEntry *m) {
        int gi = group_index(m->group);
        return gi >= 0 && (h->flow_mask >> (gi & 3) & 1);
}

/* EFFECT_ACTIVITY_POLL: one reading of every route, like mroute.c's dump. */
static void do_activity(Harness *h) {
        say(h, "    -> activity-poll (answered: %zu routes%s%s%s)", h->n_mfc, h->idle_unknown ? ", no idle ages" : "",
            h->hide_routes ? ", hidden" : "", h->incomplete ? ", incomplete" : "");
        for (size_t k = 0; k < h->n_mfc; k++) {
                MfcEntry *m = &h->mfc[k];
                if (mfc_flows(h, m)) {
                        m->packets += 100;
                        m->last = h->now;
                }
                if (!h->hide_routes)
                        proxy_route_counters(h->p, m->source, m->group, m->packets,
                                             h->idle_unknown ? ROUTE_IDLE_UNKNOWN : h->now - m->last, h->now);
        }
        proxy_activity_done(h->p, !h->incomplete, h->now);
}

/* EVENT_UPSTREAM_LEFT: the core left the group; a leave went out before it (count 1), or the
 * upstream is going away (count 0: nothing can be sent), or IGMPv1 is in force, which has no
 * leave: the router forgets the group by itself (RFC 1112). */
static void upstream_left(Harness *h, const Effect *e) {
        int gi = group_index(e->group);
        WireGroup *w;

        if (gi < 0)
                fail(h, "left upstream %s, which nothing ever named", addr_str(e->group));
        w = &h->wire[gi];
        if (!wire_joined(w) || e->count == 0)
                return;
        if (!could_be_v1(h, h->now))
                fail(h, "%s left upstream (event, a leave sent) but the router was told no leave", addr_str(e->group));
        /* a state change nobody saw: the next join is a new one */
        w->exclude = false, w->sources = 0, w->owed_since = 0, w->change_type = 0;
}

void apply_effects(Harness *h) {
        const ProxyStats *st = proxy_stats(h->p);

        for (size_t i = 0; i < proxy_n_effects(h->p); i++) {
                const Effect *e = proxy_effect(h->p, i);

                if (i > 200000)
                        fail(h, "more than 200000 effects from one call");
                if (h->shut_down && e->type != EFFECT_EVENT)
                        fail(h, "effect %d after shutdown", e->type);
                switch (e->type) {
                case EFFECT_SEND_QUERY:
                        i = do_query(h, i);
                        break;
                case EFFECT_SEND_REPORT:
                case EFFECT_SEND_LEAVE:
                        i = do_record(h, i);
                        break;
                case EFFECT_MFC_SET:
                case EFFECT_MFC_DEL:
                        do_mfc(h, e);
                        break;
                case EFFECT_ACTIVITY_POLL:
                        do_activity(h); /* appends effects: e is stale from here */
                        break;
                case EFFECT_EVENT:
                        say(h, "    -> event %s %s %s %s count %llu", event_type_to_string(e->event),
                            e->vif >= 0 ? vif_name(h, e->vif) : "-", addr_str(e->group), addr_str(e->source),
                            (unsigned long long) e->count);
                        if (e->vif != -1 && slot_of_vif(h, e->vif) < 0)
                                fail(h, "event %s names VIF %d, not in service", event_type_to_string(e->event),
                                     e->vif);
                        if (e->event == EVENT_UPSTREAM_LEFT)
                                upstream_left(h, e);
                        break;
                case EFFECT_SOURCE:
                        fail(h, "a source effect follows no query or record");
                default:
                        fail(h, "unknown effect type %d", e->type);
                }
        }
        proxy_effects_clear(h->p);
        for (int gi = 0; gi < N_GROUPS; gi++) {
                WireGroup *w = &h->wire[gi];
                if (w->dup_now && !w->new_now)
                        fail(h, "%s %s sent twice at one instant with no new change: its repeat is not spaced "
                             "(RFC 3376 5.1)", record_name(w->change_type), addr_str(group_table[gi]));
                w->dup_now = w->new_now = false;
        }
        if (h->pkt_records)
                fail(h, "the effects end with an IGMPv3 report half assembled (%u records, the last says more "
                     "follow): the glue would hold it until some later report", h->pkt_records);
        if (st->effects_lost || st->alloc_failures)
                fail(h, "%llu effects lost, %llu allocations failed", (unsigned long long) st->effects_lost,
                     (unsigned long long) st->alloc_failures);
}

/* ---- the invariants on the state ------------------------------------------------------ */

typedef struct CoreGroup {
        bool listed, joined;
        uint32_t out;
        size_t routes;
} CoreGroup;

typedef struct MemberView {
        bool listed, listening, include;
        uint16_t sources, running; /* source_table bits: records, records whose timer runs */
} MemberView;

typedef struct View {
        Harness *h;
        CoreGroup g[N_GROUPS];
        MemberView m[N_SLOTS][N_GROUPS];
        size_t per_slot[N_SLOTS];
} View;

static int view_group(const ProxyGroupInfo *info, void *userdata) {
        View *v = userdata;
        int gi = group_index(info->group);

        if (gi < 0)
                fail(v->h, "the core knows group %s, which nothing ever named", addr_str(info->group));
        v->g[gi] = (CoreGroup) { .listed = true, .joined = info->joined, .out = info->out_mask, .routes = info->n_routes };
        if (info->allowed != allowed_up(v->h, info->group))
                fail(v->h, "the group view says %s is %sallowed upstream", addr_str(info->group), info->allowed ? "" : "not ");
        /* joined means a join went out (IGMPv1 included) and no leave since */
        if (info->joined && !wire_joined(&v->h->wire[gi]))
                fail(v->h, "the group view says %s is joined upstream, but the router was told no join (or a leave)",
                     addr_str(info->group));
        return 0;
}

static int view_member(const ProxyMemberInfo *info, void *userdata) {
        View *v = userdata;
        Harness *h = v->h;
        int gi = group_index(info->group), s = slot_of_vif(h, info->vif);
        MemberView *mv;

        if (gi < 0 || s < 0 || h->slot[s].role != ROLE_DOWNSTREAM)
                fail(h, "member state for %s on VIF %d, which is no downstream in service", addr_str(info->group),
                     info->vif);
        mv = &v->m[s][gi];
        mv->listed = true;
        mv->listening = info->listening;
        mv->include = info->filter_mode == IGMP_MODE_IS_INCLUDE;
        if (info->filter_mode != IGMP_MODE_IS_INCLUDE && info->filter_mode != IGMP_MODE_IS_EXCLUDE)
                fail(h, "member %s on %s in filter mode %u", addr_str(info->group), slot_defs[s].name,
                     info->filter_mode);
        for (size_t k = 0; k < info->n_sources; k++) {
                int si = source_index(info->sources[k].source);
                if (si < 0)
                        fail(h, "member %s on %s has source %s, which no host named", addr_str(info->group),
                             slot_defs[s].name, addr_str(info->sources[k].source));
                if (mv->sources & (1U << si))
                        fail(h, "member %s on %s lists source %s twice", addr_str(info->group), slot_defs[s].name,
                             addr_str(info->sources[k].source));
                mv->sources |= (uint16_t) (1U << si);
                if (info->sources[k].expires > h->now)
                        mv->running |= (uint16_t) (1U << si);
        }
        /* Reporters tracked for quickleave: membership.c's cap (MEMBER_MAX_HOSTS), so a LAN
         * with many hosts (or forged sources) cannot grow the list without end. */
        if (info->n_hosts > HOSTS_CAP)
                fail(h, "member %s on %s tracks %zu hosts, over %d", addr_str(info->group), slot_defs[s].name,
                     info->n_hosts, HOSTS_CAP);
        v->per_slot[s]++;
        return 0;
}

/* RFC 3376 6.3: do the listeners of this link want traffic from source s? INCLUDE: a record
 * whose timer runs; EXCLUDE: no record, or one whose timer runs. */
static bool member_wants(const MemberView *mv, int si) {
        uint16_t b = (uint16_t) (1U << si);

        if (!mv->listening)
                return false;
        return mv->include ? (mv->running & b) != 0 : !(mv->sources & b) || (mv->running & b);
}

static void check_group(Harness *h, View *v, int gi) {
        const Config *c = h->cfg;
        WireGroup *w = &h->wire[gi];
        CoreGroup *cg = &v->g[gi];
        in4_t g = group_table[gi];
        uint32_t listening = 0;
        usec_t deadline = 0;
        bool busy = cg->listed && (cg->out || cg->joined || cg->routes);
        bool joined = wire_joined(w), allowed = allowed_up(h, g);

        for (int s = 0; s < N_SLOTS; s++) {
                if (v->m[s][gi].listening)
                        listening |= 1U << h->slot[s].vif;
                deadline = MAX(deadline, h->slot[s].keep[gi].until); /* out of service: capped */
        }
        if (cg->out != listening)
                fail(h, "%s: the group view says listeners on 0x%x, the member view on 0x%x", addr_str(g), cg->out,
                     listening);

        /* State bounded: a group the core keeps must have a reason (listeners, joined, routes),
         * or have just lost it (its leave is being repeated: Robustness x Unsolicited Report
         * Interval at most). */
        w->seen = cg->listed;
        if (busy || !cg->listed) {
                w->idle_since = 0;
        } else {
                if (!w->idle_since)
                        w->idle_since = h->now; /* nothing happens to the core between two checks */
                if (h->now > w->idle_since + h->max_rob * h->max_uri + USEC_PER_SEC + h->slack)
                        fail(h, "%s kept since +%s with no listener, no join and no route", addr_str(g),
                             at(w->idle_since));
        }

        /* RFC 4605 4.1: the upstream membership is the union of the downstream ones. */
        if (cg->out && allowed && !joined)
                fail(h, "%s has listeners (0x%x) and may be joined upstream, but is not", addr_str(g), cg->out);

        if (joined) {
                /* Left within the RFC's timers: GMI after the last report on any link, LMQT
                 * after a leave heard as querier (v1: no leave exists; then no more reports). */
                if (h->now > deadline + h->slack) {
                        if (!could_be_v1(h, deadline))
                                fail(h, "%s still joined upstream: no listener may remain since +%s (GMI after "
                                     "the last report, LMQT after a leave)", addr_str(g), at(deadline));
                        if (w->last_report > deadline + h->slack)
                                fail(h, "%s reported upstream at +%s, after its listeners were gone (+%s)",
                                     addr_str(g), at(w->last_report), at(deadline));
                        /* IGMPv1 has no leave: the router forgets it by itself (RFC 1112). */
                        w->exclude = false, w->sources = 0, w->owed_since = 0, w->change_type = 0;
                        return;
                }
                if (h->up_slot >= 0 && !allowed) {
                        if (!w->forbidden_since)
                                w->forbidden_since = h->now;
                        if (!could_be_v1(h, w->forbidden_since))
                                fail(h, "%s joined upstream though the upstream filters forbid it", addr_str(g));
                        w->exclude = false, w->sources = 0, w->owed_since = w->forbidden_since = 0;
                        w->change_type = 0;
                        return;
                }
        }
        w->forbidden_since = 0;

        /* The Movistar+ refresh: reported at least every IntervalSec + SpreadSec + 1 s while
         * joined, with listeners and allowed. */
        if (c->refresh != REFRESH_NO && allowed && cg->out && joined) {
                usec_t from;
                if (!w->owed_since) {
                        w->owed_since = h->now;
                        w->bound = refresh_bound(c);
                }
                from = MAX(MAX(w->last_report, w->owed_since), h->sched_start);
                if (h->now > from + w->bound + h->slack)
                        fail(h, "%s (listeners 0x%x) not reported upstream since +%s: more than %s (IntervalSec + "
                             "SpreadSec + 1 s) ago", addr_str(g), cg->out, at(MAX(w->last_report, w->owed_since)),
                             dur(w->bound));
        } else
                w->owed_since = 0;
}

void check_state(Harness *h, bool after_timers) {
        static View v;
        Proxy *p = h->p;

        if (after_timers && !h->shut_down) {
                usec_t next = proxy_next_deadline(p);
                if (next <= h->now)
                        fail(h, "after proxy_run_timers() a timer is still due (at +%s)", at(next));
                if (proxy_overdue(p, h->now))
                        fail(h, "proxy_overdue() after the timers ran (next due +%s)", at(next));
        }
        if (h->shut_down) {
                check_shutdown(h);
                return;
        }
        memset(&v, 0, sizeof v);
        v.h = h;
        proxy_foreach_group(p, view_group, &v);
        proxy_foreach_member(p, 0, h->now, view_member, &v);

        for (int s = 0; s < N_SLOTS; s++) {
                SlotModel *sl = &h->slot[s];
                if (sl->vif < 0 || sl->role != ROLE_DOWNSTREAM)
                        continue;
                /* MaxGroupsPerInterface= (the largest in force since the link came in). */
                if (v.per_slot[s] > sl->max_cap || proxy_n_listeners(p, sl->vif) > sl->max_cap)
                        fail(h, "%s holds %zu groups (%zu listening), over MaxGroupsPerInterface=%u",
                             slot_defs[s].name, v.per_slot[s], proxy_n_listeners(p, sl->vif), sl->max_cap);
        }
        for (int gi = 0; gi < N_GROUPS; gi++)
                if ((h->touched >> gi & 1) || v.g[gi].listed)
                        check_group(h, &v, gi);

        for (size_t k = 0; k < h->n_mfc; k++) {
                const MfcEntry *m = &h->mfc[k];
                int gi = group_index(m->group), si = source_index(m->source);
                if (!input_ok(h, m->iif, m->source))
                        fail(h, "route (%s, %s) left with input VIF %d, neither the upstream nor a downstream sender's",
                             addr_str(m->source), addr_str(m->group), m->iif);
                for (int vif = 0; vif < 32; vif++) {
                        int s = slot_of_vif(h, vif);
                        if (!(m->out >> vif & 1) || (vif == up_vif(h) && m->iif != vif))
                                continue; /* a downstream sender's stream to the upstream needs no listener */
                        if (s < 0 || h->slot[s].role != ROLE_DOWNSTREAM)
                                fail(h, "route (%s, %s) outputs to VIF %d, no downstream in service",
                                     addr_str(m->source), addr_str(m->group), vif);
                        /* No output towards a link whose listeners' timers have all run out. */
                        if (h->now > h->slot[s].keep[gi].until + h->slack)
                                fail(h, "route (%s, %s) still outputs to %s: no listener may remain there since +%s",
                                     addr_str(m->source), addr_str(m->group), slot_defs[s].name,
                                     at(h->slot[s].keep[gi].until));
                        /* ... nor towards one whose listeners (by the core's own view) do not
                         * want this source (RFC 3376 6.3). */
                        if (!member_wants(&v.m[s][gi], si))
                                fail(h, "route (%s, %s) outputs to %s, whose listeners do not want that source "
                                     "(listening %d, %s, sources 0x%x, running 0x%x)", addr_str(m->source),
                                     addr_str(m->group), slot_defs[s].name, v.m[s][gi].listening,
                                     v.m[s][gi].include ? "INCLUDE" : "EXCLUDE", v.m[s][gi].sources,
                                     v.m[s][gi].running);
                }
        }
}

/* proxy_shutdown(): nothing joined upstream (a leave went for each group, except where
 * IGMPv1 has none), no route, no timer. */
void check_shutdown(Harness *h) {
        if (proxy_n_joined(h->p) != 0)
                fail(h, "%zu groups still joined after shutdown", proxy_n_joined(h->p));
        if (h->n_mfc)
                fail(h, "route (%s, %s) left after shutdown", addr_str(h->mfc[0].source), addr_str(h->mfc[0].group));
        for (int gi = 0; gi < N_GROUPS; gi++)
                if (wire_joined(&h->wire[gi]) && !could_be_v1(h, h->now))
                        fail(h, "%s still joined upstream after shutdown (no leave sent)", addr_str(group_table[gi]));
        if (proxy_next_deadline(h->p) != USEC_INFINITY)
                fail(h, "a timer still armed after shutdown (+%s)", at(proxy_next_deadline(h->p)));
}
