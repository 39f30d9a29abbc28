/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-core.c - a stateful libFuzzer target for the protocol core (issue 15).
 *
 * The input is a program. The harness plays the glue around the core through proxy.h only,
 * on a fake clock, and carries out every effect against models of the kernel, the upstream
 * router and the downstream hosts (fuzz-core-model.c). After every step (each input call,
 * each wake-up of the timers) it checks the invariants; when one breaks it runs the same
 * program again printing every step and every effect, then the broken rule, and aborts.
 * FUZZ_CORE_TRACE=1 prints the trace of any program (e.g. a seed): ./fuzz-core FILE.
 *
 * Program: 3 header bytes, then steps until the input ends (at most MAX_STEPS); a byte read
 * past the end is 0.
 *   header: config (% N_CONFIGS), links present at start (bit per slot), PRNG seed.
 *   step:   an opcode byte (low 4 bits, op_table) and its operands:
 *   LINK_UP s / LINK_DOWN s       a link appears or goes; the glue takes it in or out of service
 *                                 by its role in the config in force (upstream first)
 *   V12 s src flags group         flags & 3: 0 v1 report, 1 and 3 v2 report, 2 v2 leave
 *   V3 s src flags nrec {type group ns src...}   an IGMPv3 report; type >= 0xf0: raw type
 *                                 (type & 15: unknown ones make the parser drop the packet),
 *                                 else 1 + type % 6; ns & 15 sources, ns & 16: one aux word
 *   QUERY s src flags ver group code qrvs qqic ns src...   ver & 3: 0 v1, 1 v2, 2-3 v3;
 *                                 qrvs & 7 the QRV, & 8 the S flag; ns & 7 sources
 *   ADVANCE kind n                kind % 6: 0 n x 10 ms, 1 n s, 2 to the next deadline,
 *                                 3 to 1 us before it, 4 a late wake-up n x 10 ms after it
 *                                 (every timer due fires at once, late), 5 n ms
 *   NOCACHE vifsel src group      a kernel upcall (vifsel & 7: 0-4 upstream, 5 a downstream,
 *                                 6 VIF -1, 7 VIF 31)
 *   KERNEL flags                  how the kernel answers ACTIVITY_POLL: bit 1 no idle ages,
 *                                 2 hides its routes, 3 an incomplete reading, bits 4-7: groups
 *                                 whose table index % 4 is set carry a stream
 *   RELOAD c                      config c % N_CONFIGS, applied like manager-config.c
 *   MISC x [n]                    x % 8: 3 shutdown, 4-5 upstream MTU 68 + 6 n, else refresh-now
 *   BULK s src flags first count  count & 63 groups from group index first: flags & 3: 0 v2
 *                                 reports, 1 one v3 report of IS_EX records, 2 one v3 report
 *                                 of TO_IN({}) records, 3 v1 reports; with 0 or 3 and flags & 4,
 *                                 group first from count different hosts
 * Packet operands: s % N_SLOTS is the link; src picks a sender (below 0x80, src & 15: hosts
 * below and above our address, 0.0.0.0, our own addresses, off-link ones; else 128 hosts); flags bit 6 sets TTL 2, bit 7 drops
 * the Router Alert option; groups and sources index group_table and source_table.
 * Packets are built as bytes and go through igmp_parse() like the glue's input.
 * After the last step the clock runs on until nothing is left (every host is silent), then
 * the proxy shuts down; the shutdown invariants are checked and the proxy is poked once more.
 *
 * Build and run: tests/fuzz/run-fuzz.sh (target fuzz-core). Seeds: tests/fuzz/corpus-core,
 * written by tests/fuzz/gen-core-seeds.py.
 */
#include <errno.h>
#include <stdio.h>

#include "fuzz-core.h"

/* Bugs of the core this fuzzer found (all fixed; their reproducers are seeds in corpus-core/):
 * a group left in the table for good when the upstream went while its leave was being
 * repeated (upstream-gone-during-leave); a link going ended its memberships at time 0, so
 * the leave's repeat went out at once (downstream-gone-double-leave); a reload taking an
 * AltNet= away kept that source's routes and routed an offered one at the next join
 * (altnet-removed-*); a group joined while an IGMPv1/v2 querier was heard was left with
 * BLOCK back in v3, which does not end it at a router holding it in EXCLUDE mode
 * (leave-by-block-after-v2); switching Enabled=auto to yes kept the auto timer's phase
 * (test-refresh). */
#define MAX_STEPS 600
#define MAX_WAKEUPS_PER_ADVANCE 50000

enum {
        OP_LINK_UP, OP_LINK_DOWN, OP_V12, OP_V3, OP_QUERY, OP_ADVANCE, OP_NOCACHE, OP_KERNEL,
        OP_RELOAD, OP_MISC, OP_BULK,
};
/* opcode byte & 15 -> op; the weights favour packets and time */
static const uint8_t op_table[16] = {
        OP_LINK_UP, OP_LINK_DOWN, OP_V12, OP_V12, OP_V3, OP_V3, OP_QUERY, OP_QUERY,
        OP_ADVANCE, OP_ADVANCE, OP_ADVANCE, OP_NOCACHE, OP_KERNEL, OP_RELOAD, OP_MISC, OP_BULK,
};

/* The configs a program moves between: each Refresh mode, several intervals and spreads,
 * quickleave on and off, report versions 1-3, filters, a link changing role. */
static const char *const config_names[N_CONFIGS] = {
        "A: refresh yes 60s/1s, v2 reports, QI 20s",
        "B: refresh auto 8s/2s, v3, quickleave, MaxGroups 8, filters, DefaultRole=downstream",
        "C: refresh no, v1 reports, querier v2, Robustness 1, quickleave, no RA accepted, vlan30 off",
        "D: refresh yes 5s/2s after InitialDelaySec 30s, v3, Robustness 3, vlan99 upstream, vlan2 downstream",
        "E: refresh auto 200s/100s, v2, RFC querier defaults",
        "F: refresh yes 1s/0, v3, LMQC 10 x 25500ms, QI 1s",
};
static const char *const config_text[N_CONFIGS] = {
        "[Proxy]\nStallTimeoutSec=5s\n"
        "[Querier]\nQueryIntervalSec=20s\nQueryResponseIntervalSec=2s\n"
        "[Refresh]\nEnabled=yes\nInitialDelaySec=10s\nIntervalSec=60s\nSpreadSec=1s\n"
        "[Interface vlan2]\nRole=upstream\nAltNet=198.19.5.0/24\n"
        "[Interface vlan10]\nRole=downstream\n[Interface vlan20]\nRole=downstream\n"
        "[Interface vlan30]\nRole=downstream\n[Interface vlan99]\nRole=downstream\n",

        "[Proxy]\nQuickLeave=yes\nDefaultRole=downstream\nMaxGroupsPerInterface=8\nSourceIdleTimeoutSec=5s\n"
        "StallTimeoutSec=2s\n"
        "[Querier]\nRobustness=2\nQueryIntervalSec=10s\nQueryResponseIntervalSec=1s\n"
        "LastMemberQueryIntervalSec=500ms\nLastMemberQueryCount=2\n"
        "[Refresh]\nEnabled=auto\nInitialDelaySec=0\nIntervalSec=8s\nSpreadSec=2s\nReportVersion=3\n"
        "UnsolicitedReportIntervalSec=500ms\n"
        "[Interface vlan2]\nRole=upstream\nAltNet=198.19.5.0/24\nWhitelist=239.0.0.0/8\n"
        "Blacklist=239.255.255.250/32\n"
        "[Interface vlan10]\nRole=downstream\n[Interface vlan20]\nRole=downstream\nBlacklist=239.1.1.2/32\n"
        "[Interface vlan30]\nRole=downstream\n[Interface vlan99]\nRole=downstream\n",

        "[Proxy]\nQuickLeave=yes\nStallTimeoutSec=0\nSourceIdleTimeoutSec=3s\nAcceptReportsWithoutRouterAlert=no\n"
        "[Querier]\nVersion=2\nRobustness=1\nQueryIntervalSec=5s\nQueryResponseIntervalSec=1s\n"
        "StartupQueryCount=1\nLastMemberQueryIntervalSec=200ms\nLastMemberQueryCount=1\n"
        "[Refresh]\nEnabled=no\nReportVersion=1\n"
        "[Interface vlan2]\nRole=upstream\n"
        "[Interface vlan10]\nRole=downstream\n[Interface vlan20]\nRole=downstream\nWhitelist=239.0.5.0/24\n"
        "[Interface vlan30]\nRole=disabled\n[Interface vlan99]\nRole=downstream\n",

        "[Proxy]\nMaxGroupsPerInterface=40\nStallTimeoutSec=1s\n"
        "[Querier]\nRobustness=3\nQueryIntervalSec=30s\nQueryResponseIntervalSec=5s\n"
        "LastMemberQueryIntervalSec=1s\n"
        "[Refresh]\nEnabled=yes\nInitialDelaySec=30s\nIntervalSec=5s\nSpreadSec=2s\nReportVersion=3\n"
        "UnsolicitedReportIntervalSec=2s\n"
        "[Interface vlan99]\nRole=upstream\nAltNet=198.18.0.0/24 198.19.5.0/24\n"
        "[Interface vlan2]\nRole=downstream\n[Interface vlan10]\nRole=downstream\n"
        "[Interface vlan20]\nRole=downstream\n[Interface vlan30]\nRole=downstream\n",

        "[Proxy]\nStallTimeoutSec=10s\n"
        "[Refresh]\nEnabled=auto\nInitialDelaySec=259s\nIntervalSec=200s\nSpreadSec=100s\nReportVersion=2\n"
        "[Interface vlan2]\nRole=upstream\n"
        "[Interface vlan10]\nRole=downstream\n[Interface vlan20]\nRole=downstream\n"
        "[Interface vlan30]\nRole=downstream\n[Interface vlan99]\nRole=downstream\n",

        "[Proxy]\nStallTimeoutSec=1s\nSourceIdleTimeoutSec=2s\n"
        "[Querier]\nQueryIntervalSec=1s\nQueryResponseIntervalSec=500ms\nLastMemberQueryIntervalSec=25500ms\n"
        "LastMemberQueryCount=10\n"
        "[Refresh]\nEnabled=yes\nInitialDelaySec=0\nIntervalSec=1s\nSpreadSec=0\nReportVersion=3\n"
        "UnsolicitedReportIntervalSec=100ms\n"
        "[Interface vlan2]\nRole=upstream\n"
        "[Interface vlan10]\nRole=downstream\n[Interface vlan20]\nRole=downstream\n"
        "[Interface vlan30]\nRole=downstream\n[Interface vlan99]\nRole=downstream\n",
};
static Config *configs[N_CONFIGS];

static void configs_load(void) {
        if (configs[0])
                return;
        for (int k = 0; k < N_CONFIGS; k++) {
                char *err = NULL;
                int r = config_parse_string(config_text[k], strlen(config_text[k]), config_names[k], &configs[k], &err);
                if (r < 0) {
                        fprintf(stderr, "fuzz-core: config %s refused: %s\n", config_names[k], err ? err : strerror(-r));
                        abort();
                }
        }
}

typedef struct Reader {
        const uint8_t *d;
        size_t n, pos;
} Reader;

static uint8_t rd(Reader *r) {
        return r->pos < r->n ? r->d[r->pos++] : 0;
}

static const char *tnow(const Harness *h) {
        static char b[32];
        snprintf(b, sizeof b, "+%llu.%06llus", (unsigned long long) ((h->now - T0) / USEC_PER_SEC),
                 (unsigned long long) ((h->now - T0) % USEC_PER_SEC));
        return b;
}

/* ---- the glue: time, links, reloads ------------------------------------------------------ */

/* What the loop does after any input: carry out the effects, fire what is due now. */
static void after_input(Harness *h) {
        apply_effects(h);
        if (!h->shut_down && proxy_next_deadline(h->p) <= h->now) {
                say(h, "  [%s] timers due now", tnow(h));
                proxy_run_timers(h->p, h->now);
                apply_effects(h);
        }
        check_state(h, true);
}

static void wake(Harness *h) {
        h->wakeups++;
        say(h, "  [%s] timers", tnow(h));
        proxy_run_timers(h->p, h->now);
        apply_effects(h);
        check_state(h, true);
}

/* The clock moves to t; every timer fires at its deadline on the way. */
static void advance_to(Harness *h, usec_t t) {
        unsigned long n = 0;
        usec_t from = h->now;

        while (!h->shut_down) {
                usec_t next = proxy_next_deadline(h->p);
                if (next > t)
                        break;
                if (next > h->now)
                        h->now = next;
                if (++n > MAX_WAKEUPS_PER_ADVANCE)
                        fail(h, "timer storm: more than %d wake-ups between +%llus and +%llus",
                             MAX_WAKEUPS_PER_ADVANCE, (unsigned long long) ((from - T0) / USEC_PER_SEC),
                             (unsigned long long) ((t - T0) / USEC_PER_SEC));
                wake(h);
        }
        if (t > h->now)
                h->now = t;
        check_state(h, true);
}

static void slot_add(Harness *h, int s) {
        const SlotDef *d = &slot_defs[s];
        IfaceRole role = config_iface_role(h->cfg, d->name);
        int vif;

        if (role != ROLE_UPSTREAM && role != ROLE_DOWNSTREAM)
                return;
        vif = proxy_add_iface(h->p, d->ifindex, d->name, role, d->addr, d->plen, config_find_iface(h->cfg, d->name),
                              h->slot[s].mtu, h->now);
        say(h, "  add %s as %s: VIF %d", d->name, iface_role_to_string(role), vif);
        if (vif < 0)
                return;
        model_slot_in(h, s, role, vif);
        apply_effects(h);
}

static void slot_remove(Harness *h, int s) {
        int vif = h->slot[s].vif;

        say(h, "  remove %s (VIF %d)", slot_defs[s].name, vif);
        if (proxy_remove_iface(h->p, vif, h->now) < 0)
                fail(h, "proxy_remove_iface(%d) refused a VIF it gave", vif);
        h->removing_vif = vif;
        apply_effects(h); /* the glue carries them out before MRT_DEL_VIF */
        h->removing_vif = -1;
        model_slot_out(h, s);
}

/* Present links with a role come into service, the upstream first (manager_add_ifaces). */
static void bring_in(Harness *h) {
        for (int pass = 0; pass < 2; pass++)
                for (int s = 0; s < N_SLOTS; s++)
                        if (h->slot[s].present && h->slot[s].vif < 0 &&
                            config_iface_role(h->cfg, slot_defs[s].name) == (pass ? ROLE_DOWNSTREAM : ROLE_UPSTREAM))
                                slot_add(h, s);
}

/* manager_reload(): links that lose or change their role go first, the core takes the new
 * config, then links with a role come in. */
static void reload(Harness *h, int c) {
        const Config *old = h->cfg, *cfg = configs[c];

        say(h, "[%s] #%u reload: config %s", tnow(h), h->step, config_names[c]);
        for (int s = 0; s < N_SLOTS; s++) {
                const IfaceConfig *a, *b;
                if (h->slot[s].vif < 0)
                        continue;
                a = config_find_iface(old, slot_defs[s].name);
                b = config_find_iface(cfg, slot_defs[s].name);
                if (config_iface_role(cfg, slot_defs[s].name) != h->slot[s].role ||
                    (a ? a->threshold : 1) != (b ? b->threshold : 1) || (a ? a->ratelimit : 0) != (b ? b->ratelimit : 0))
                        slot_remove(h, s);
        }
        h->cfg = cfg;
        h->cfg_idx = c;
        proxy_set_config(h->p, cfg, h->now);
        model_config(h, old, cfg);
        apply_effects(h);
        bring_in(h);
        after_input(h);
}

/* ---- packets -------------------------------------------------------------------------- */

static in4_t sender(int s, uint8_t b) {
        in4_t net = slot_defs[s].addr & 0xffffff00U;

        if (b >= 0x80)
                return net | (20 + (b & 0x7f)); /* one of 128 hosts, .20 to .147 */
        switch (b & 15) {
        case 0: case 1: case 2: case 3:
                return net | (10 + (b & 3));       /* below our address: may win an election */
        case 4: case 5: case 6: case 7:
                return net | (200 + (b & 3));      /* above it */
        case 8:
                return 0;
        case 9:
                return slot_defs[s].addr;          /* our own, looped back */
        case 10:
                return slot_defs[(s + 1) % N_SLOTS].addr; /* our own on another link */
        case 11:
                return (slot_defs[(s + 1) % N_SLOTS].addr & 0xffffff00U) | 10; /* off-link */
        case 12:
                return IN4(198, 19, 200, 1);       /* off-link */
        case 13:
                return net | 1;
        case 14:
                return net | 99;
        default:
                return net | 101;
        }
}

static void put16(uint8_t *p, unsigned v) {
        p[0] = (uint8_t) (v >> 8);
        p[1] = (uint8_t) v;
}

static void put32(uint8_t *p, in4_t v) {
        put16(p, v >> 16);
        put16(p + 2, v & 0xffff);
}

static void feed(Harness *h, int s, in4_t src, in4_t dst, uint8_t flags, uint8_t *buf, size_t len, const char *what) {
        IgmpParseError why = IGMP_PARSE_OK;
        IgmpMessage m;
        IpInfo ip = { .src = src, .dst = dst, .ttl = (flags & 0x40) ? 2 : 1, .protocol = 2,
                      .router_alert = !(flags & 0x80) };
        uint16_t c = inet_checksum(buf, len);

        put16(buf + 2, c);
        say(h, "[%s] #%u %s on %s from %s (ttl %u%s, %zu bytes)", tnow(h), h->step, what, slot_defs[s].name,
            addr_str(src), ip.ttl, ip.router_alert ? ", RA" : ", no RA", len);
        if (igmp_parse(buf, len, &m, &why) < 0) {
                say(h, "  dropped by the parser: %s", igmp_parse_error_to_string(why));
                return;
        }
        model_input(h, s, &ip, &m);
        proxy_handle_igmp(h->p, slot_defs[s].ifindex, &ip, &m, h->now);
        after_input(h);
}

static in4_t group_at(uint8_t b) {
        return group_table[b % N_GROUPS];
}

static void op_v12(Harness *h, Reader *r) {
        int s = rd(r) % N_SLOTS;
        in4_t src = sender(s, rd(r));
        uint8_t flags = rd(r), buf[8] = { 0 };
        in4_t g = group_at(rd(r));
        static const uint8_t types[4] = { IGMP_TYPE_V1_REPORT, IGMP_TYPE_V2_REPORT, IGMP_TYPE_V2_LEAVE,
                                          IGMP_TYPE_V2_REPORT };
        char what[64];

        buf[0] = types[flags & 3];
        put32(buf + 4, g);
        snprintf(what, sizeof what, "%s %s", buf[0] == IGMP_TYPE_V1_REPORT   ? "v1 report"
                                             : buf[0] == IGMP_TYPE_V2_REPORT ? "v2 report"
                                                                             : "v2 leave",
                 addr_str(g));
        feed(h, s, src, buf[0] == IGMP_TYPE_V2_LEAVE ? IN4_ALL_ROUTERS : g, flags, buf, 8, what);
}

static const char *rec_name(unsigned t) {
        static const char *const n[] = { "type0", "IS_IN", "IS_EX", "TO_IN", "TO_EX", "ALLOW", "BLOCK" };
        return t < ELEMENTSOF(n) ? n[t] : "type?";
}

static void op_v3(Harness *h, Reader *r) {
        static uint8_t buf[8 + 64 * (8 + 4 + 15 * 4)];
        static char what[4096];
        int s = rd(r) % N_SLOTS;
        in4_t src = sender(s, rd(r));
        uint8_t flags = rd(r);
        unsigned nrec = rd(r) & 63;
        size_t len = 8, w;

        memset(buf, 0, 8);
        buf[0] = IGMP_TYPE_V3_REPORT;
        put16(buf + 6, nrec);
        w = (size_t) snprintf(what, sizeof what, "v3 report:");
        for (unsigned k = 0; k < nrec; k++) {
                uint8_t t = rd(r);
                in4_t g = group_at(rd(r));
                uint8_t ns = rd(r);
                unsigned n = ns & 15, aux = (ns >> 4) & 1;
                uint8_t *p = buf + len;

                p[0] = t >= 0xf0 ? (t & 15) : (uint8_t) (1 + t % 6);
                p[1] = (uint8_t) aux;
                put16(p + 2, n);
                put32(p + 4, g);
                if (w < sizeof what - 64)
                        w += (size_t) snprintf(what + w, sizeof what - w, " %s %s {", rec_name(p[0]), addr_str(g));
                len += 8;
                for (unsigned j = 0; j < n; j++) {
                        in4_t sa = source_table[rd(r) % N_SOURCES];
                        put32(buf + len, sa);
                        len += 4;
                        if (w < sizeof what - 64)
                                w += (size_t) snprintf(what + w, sizeof what - w, "%s%s", j ? " " : "", addr_str(sa));
                }
                if (aux) {
                        put32(buf + len, 0xdeadbeef);
                        len += 4;
                }
                if (w < sizeof what - 64)
                        w += (size_t) snprintf(what + w, sizeof what - w, "}%s", aux ? "+aux" : "");
        }
        feed(h, s, src, IN4_IGMPV3_ROUTERS, flags, buf, len, what);
}

static void op_query(Harness *h, Reader *r) {
        uint8_t buf[12 + 7 * 4] = { 0 };
        int s = rd(r) % N_SLOTS;
        in4_t src = sender(s, rd(r));
        uint8_t flags = rd(r), ver = rd(r) & 3;
        in4_t g = group_at(rd(r));
        uint8_t code = rd(r), qrvs = rd(r), qqic = rd(r);
        unsigned n = rd(r) & 7;
        size_t len = 8;
        char what[160];

        buf[0] = IGMP_TYPE_QUERY;
        buf[1] = ver == 0 ? 0 : code;
        put32(buf + 4, g);
        if (ver >= 2) {
                buf[8] = qrvs & 15;
                buf[9] = qqic;
                put16(buf + 10, n);
                len = 12;
                for (unsigned k = 0; k < n; k++) {
                        put32(buf + len, source_table[rd(r) % N_SOURCES]);
                        len += 4;
                }
        }
        snprintf(what, sizeof what, "query %s code %u%s qrv %u qqic %u sources %u", g ? addr_str(g) : "general",
                 buf[1], (buf[8] & 8) ? " S" : "", buf[8] & 7, buf[9], ver >= 2 ? n : 0);
        feed(h, s, src, g ? g : IN4_ALL_SYSTEMS, flags, buf, len, what);
}

static void op_bulk(Harness *h, Reader *r) {
        static uint8_t buf[8 + 64 * 8];
        int s = rd(r) % N_SLOTS;
        in4_t src = sender(s, rd(r));
        uint8_t flags = rd(r), first = rd(r);
        unsigned count = rd(r) & 63, kind = flags & 3;
        char what[64];

        if (kind == 1 || kind == 2) {
                memset(buf, 0, sizeof buf);
                buf[0] = IGMP_TYPE_V3_REPORT;
                put16(buf + 6, count);
                for (unsigned k = 0; k < count; k++) {
                        buf[8 + 8 * k] = kind == 1 ? IGMP_MODE_IS_EXCLUDE : IGMP_CHANGE_TO_INCLUDE;
                        put32(buf + 12 + 8 * k, group_at((uint8_t) (first + k)));
                }
                snprintf(what, sizeof what, "v3 report: %u x %s from %s", count, kind == 1 ? "IS_EX {}" : "TO_IN {}",
                         addr_str(group_at(first)));
                feed(h, s, src, IN4_IGMPV3_ROUTERS, flags, buf, 8 + 8 * count, what);
                return;
        }
        for (unsigned k = 0; k < count && !h->shut_down; k++) {
                /* flags & 4: one group (first) from count different hosts */
                in4_t g = group_at((uint8_t) ((flags & 4) ? first : first + k));
                if (flags & 4)
                        src = sender(s, (uint8_t) (0x80 | (k + first)));
                memset(buf, 0, 8);
                buf[0] = kind == 3 ? IGMP_TYPE_V1_REPORT : IGMP_TYPE_V2_REPORT;
                put32(buf + 4, g);
                snprintf(what, sizeof what, "v%d report %s (bulk)", kind == 3 ? 1 : 2, addr_str(g));
                feed(h, s, src, g, flags, buf, 8, what);
        }
}

/* ---- the other steps --------------------------------------------------------------------- */

static void op_advance(Harness *h, Reader *r) {
        uint8_t kind = rd(r) % 6, n = rd(r);
        usec_t next = proxy_next_deadline(h->p);

        switch (kind) {
        case 0:
                say(h, "[%s] #%u advance %u0 ms", tnow(h), h->step, n);
                advance_to(h, h->now + n * 10 * USEC_PER_MSEC);
                break;
        case 1:
                say(h, "[%s] #%u advance %u s", tnow(h), h->step, n);
                advance_to(h, h->now + n * USEC_PER_SEC);
                break;
        case 2:
        case 3:
                say(h, "[%s] #%u advance to %sthe next deadline", tnow(h), h->step, kind == 2 ? "" : "1 us before ");
                if (next != USEC_INFINITY && (kind == 2 || next > h->now + 1))
                        advance_to(h, kind == 2 ? next : next - 1);
                break;
        case 4:
                if (next == USEC_INFINITY || h->shut_down)
                        break;
                /* A glue that wakes up late: everything due fires at once, late by up to 2.55 s. */
                h->now = MAX(h->now, next + n * 10 * USEC_PER_MSEC);
                h->slack = MAX(h->slack, h->now - next);
                say(h, "[%s] #%u late wake-up, %u0 ms after the deadline", tnow(h), h->step, n);
                wake(h);
                break;
        default:
                say(h, "[%s] #%u advance %u ms", tnow(h), h->step, n);
                advance_to(h, h->now + n * USEC_PER_MSEC);
                break;
        }
}

static void op_nocache(Harness *h, Reader *r) {
        uint8_t sel = rd(r);
        in4_t src = source_table[rd(r) % N_SOURCES], g = group_at(rd(r));
        int vif;

        switch (sel & 7) {
        case 5:
                vif = h->slot[1 + (sel >> 3) % (N_SLOTS - 1)].vif;
                break;
        case 6:
                vif = -1;
                break;
        case 7:
                vif = 31;
                break;
        default:
                vif = h->up_slot >= 0 ? h->slot[h->up_slot].vif : -1;
        }
        say(h, "[%s] #%u kernel upcall (%s, %s) on VIF %d", tnow(h), h->step, addr_str(src), addr_str(g), vif);
        /* The kernel asks only for what it has no entry for: if it asks again, it lost it. */
        for (size_t k = 0; k < h->n_mfc; k++)
                if (h->mfc[k].source == src && h->mfc[k].group == g && h->mfc[k].iif == vif) {
                        h->mfc[k] = h->mfc[--h->n_mfc];
                        break;
                }
        if (vif >= 0 && vif == (h->up_slot >= 0 ? h->slot[h->up_slot].vif : -1) && source_allowed_up(h, src))
        proxy_handle_nocache(h->p, vif, src, g, h->now);
        after_input(h);
}

static void op_kernel(Harness *h, Reader *r) {
        uint8_t f = rd(r);
        uint8_t mask = f >> 4;

        say(h, "[%s] #%u kernel: streams on groups %%4 in 0x%x%s%s%s", tnow(h), h->step, mask,
            (f & 2) ? ", no idle ages" : "", (f & 4) ? ", routes hidden" : "", (f & 8) ? ", readings incomplete" : "");
        /* streams that stop: their last packet is now */
        for (size_t k = 0; k < h->n_mfc; k++) {
                int gi = group_index(h->mfc[k].group);
                if ((h->flow_mask >> (gi & 3) & 1) && !(mask >> (gi & 3) & 1)) {
                        h->mfc[k].packets += 100;
                        h->mfc[k].last = h->now;
                }
        }
        h->flow_mask = mask;
        h->idle_unknown = f & 2;
        h->hide_routes = f & 4;
        h->incomplete = f & 8;
}

static void shutdown_and_poke(Harness *h) {
        uint8_t buf[8] = { IGMP_TYPE_V2_REPORT };
        IpInfo ip = { .src = IN4(198, 18, 1, 10), .dst = group_table[0], .ttl = 1, .protocol = 2, .router_alert = true };
        IgmpMessage m;

        say(h, "[%s] #%u shutdown", tnow(h), h->step);
        proxy_shutdown(h->p, h->now);
        apply_effects(h);
        h->shut_down = true;
        check_shutdown(h);
        /* Inert from now on: nothing may be sent or routed whatever comes. */
        put32(buf + 4, group_table[0]);
        put16(buf + 2, inet_checksum(buf, 8));
        if (igmp_parse(buf, 8, &m, NULL) == 0)
                proxy_handle_igmp(h->p, slot_defs[1].ifindex, &ip, &m, h->now);
        proxy_handle_nocache(h->p, h->up_slot >= 0 ? h->slot[h->up_slot].vif : 0, source_table[0], group_table[0],
                             h->now);
        proxy_refresh_now(h->p, h->now);
        proxy_set_config(h->p, configs[(h->cfg_idx + 1) % N_CONFIGS], h->now);
        proxy_set_config(h->p, h->cfg, h->now);
        proxy_run_timers(h->p, h->now + 1000 * USEC_PER_SEC);
        apply_effects(h);
        check_shutdown(h);
}

static void op_misc(Harness *h, Reader *r) {
        uint8_t x = rd(r) % 8;

        if (x == 3) {
                shutdown_and_poke(h);
        } else if (x == 4 || x == 5) {
                unsigned mtu = MIN(68 + 6 * (unsigned) rd(r), 1500);
                say(h, "[%s] #%u upstream MTU %u", tnow(h), h->step, mtu);
                for (int s = 0; s < N_SLOTS; s++)
                        h->slot[s].mtu = mtu;
                if (h->up_slot >= 0 && proxy_set_iface_mtu(h->p, h->slot[h->up_slot].vif, mtu) < 0)
                        fail(h, "MTU %u refused", mtu);
        } else {
                say(h, "[%s] #%u refresh now", tnow(h), h->step);
                proxy_refresh_now(h->p, h->now);
                after_input(h);
        }
}

static void op_link(Harness *h, Reader *r, bool up) {
        int s = rd(r) % N_SLOTS;

        say(h, "[%s] #%u link %s %s", tnow(h), h->step, slot_defs[s].name, up ? "up" : "down");
        if (up && !h->slot[s].present) {
                h->slot[s].present = true;
                bring_in(h);
        } else if (!up && h->slot[s].present) {
                h->slot[s].present = false;
                if (h->slot[s].vif >= 0)
                        slot_remove(h, s);
        }
        after_input(h);
}

/* Nothing more comes: the clock runs until nothing is left joined, routed or kept. */
static void settle(Harness *h) {
        say(h, "[%s] the program ends: the clock runs on until nothing is left", tnow(h));
        for (int k = 0; k < 200 && !h->shut_down; k++) {
                bool busy = h->n_mfc > 0 || proxy_n_joined(h->p) > 0 || proxy_n_groups(h->p) > 0;
                size_t listed = 0;
                for (int gi = 0; gi < N_GROUPS; gi++)
                        if (h->wire[gi].seen)
                                listed++;
                if (!busy && listed == 0)
                        break;
                advance_to(h, h->now + 10 * USEC_PER_SEC);
        }
        if (!h->shut_down)
                shutdown_and_poke(h);
}

static int run(Harness *h, const uint8_t *data, size_t size, bool verbose) {
        Reader r = { .d = data, .n = size };
        uint8_t c, present, seed;

        memset(h, 0, sizeof *h);
        h->verbose = verbose;
        if (setjmp(h->fail_jmp)) {
                h->p = proxy_free(h->p);
                return -1;
        }
        c = rd(&r) % N_CONFIGS;
        present = rd(&r);
        seed = rd(&r);
        model_reset(h);
        h->cfg = configs[c];
        h->cfg_idx = c;
        h->now = T0;
        h->p = proxy_new(h->cfg, seed, h->now);
        if (!h->p)
                fail(h, "proxy_new() failed");
        say(h, "[%s] start: config %s, links present 0x%02x, seed %u", tnow(h), config_names[c], present & 63, seed);
        model_config(h, NULL, h->cfg);
        for (int s = 0; s < N_SLOTS; s++)
                h->slot[s].present = present >> s & 1;
        bring_in(h);
        after_input(h);

        while (r.pos < r.n && h->step < MAX_STEPS && !h->shut_down) {
                uint8_t op = op_table[rd(&r) & 15];
                h->step++;
                switch (op) {
                case OP_LINK_UP:
                case OP_LINK_DOWN:
                        op_link(h, &r, op == OP_LINK_UP);
                        break;
                case OP_V12:
                        op_v12(h, &r);
                        break;
                case OP_V3:
                        op_v3(h, &r);
                        break;
                case OP_QUERY:
                        op_query(h, &r);
                        break;
                case OP_ADVANCE:
                        op_advance(h, &r);
                        break;
                case OP_NOCACHE:
                        op_nocache(h, &r);
                        break;
                case OP_KERNEL:
                        op_kernel(h, &r);
                        break;
                case OP_RELOAD:
                        reload(h, rd(&r) % N_CONFIGS);
                        break;
                case OP_MISC:
                        op_misc(h, &r);
                        break;
                default:
                        op_bulk(h, &r);
                        break;
                }
        }
        h->step++;
        settle(h);
        h->p = proxy_free(h->p);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Harness h;
        static int trace = -1;

        configs_load();
        if (trace < 0)
                trace = getenv("FUZZ_CORE_TRACE") != NULL;
        if (run(&h, data, size, trace) == 0)
                return 0;
        /* Broken: the same program again, saying every step and effect, to the broken rule. */
        fprintf(stderr, "==== fuzz-core: %s\n==== the program again, step by step:\n", h.why);
        run(&h, data, size, true);
        fprintf(stderr, "invariant failed (but not on the replay: is the core deterministic?): %s\n", h.why);
        abort();
}
