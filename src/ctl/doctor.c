/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor.c - igmpproxyctl doctor: the checks a router owner needs when
 * Movistar+ TV does not play, each with a verdict (ok, warn, fail, or skip
 * when it cannot be told) and the fix in plain words. Facts come from the
 * daemon over D-Bus and from the kernel (doctor-kernel.c); nothing is
 * changed, except that, as root with no daemon, the mroute socket is probed
 * with MRT_INIT for an instant.
 *
 * Exit status: 0 when every check is ok or skipped, 1 when one warns or fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"
#include "doctor.h"

/* Movistar+'s router forgets a membership this long after the last report. */
#define MOVISTAR_HOLD_USEC (260 * USEC_PER_SEC)
/* How long the counters are watched. */
#define SAMPLE_USEC (1200 * USEC_PER_MSEC)

typedef enum { DOC_OK, DOC_SKIP, DOC_WARN, DOC_FAIL } DocLevel;
static const char *const level_names[] = { "ok", "skip", "warn", "fail" };

typedef struct DocGroup {
        char group[IN4_STRLEN];
        bool joined;
        unsigned listeners;
        char sources[8][IN4_STRLEN];
        size_t n_sources;
        uint64_t last_report;
} DocGroup;

typedef struct Doctor {
        sd_bus *bus;
        bool daemon;               /* the bus name has an owner */
        int pid;                   /* of a process named igmpproxy, 0 if none */
        char upstream[64];         /* in service, "" if none */
        char configured_up[64];    /* from the configuration */
        DocLink link;
        DocGroup groups[64];
        size_t n_groups;
        DocMroute before, after;   /* counters SAMPLE_USEC apart */
        bool sampled;
        JsonWriter j;
        unsigned worst;
} Doctor;

static void report(Doctor *d, const char *check, DocLevel level, const char *fix, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        d->worst = MAX(d->worst, (unsigned) level);
        if (arg_json != JSON_OFF) {
                json_begin_object(&d->j);
                json_key(&d->j, "Check");
                json_string(&d->j, check);
                json_key(&d->j, "Result");
                json_string(&d->j, level_names[level]);
                json_key(&d->j, "Message");
                json_string(&d->j, msg);
                json_key(&d->j, "Fix");
                if (fix && level >= DOC_WARN)
                        json_string(&d->j, fix);
                else
                        json_null(&d->j);
                json_end_object(&d->j);
                return;
        }
        printf("%-4s %-13s %s%s%s\n", level_names[level], check, msg, fix && level >= DOC_WARN ? " Fix: " : "",
               fix && level >= DOC_WARN ? fix : "");
}

static int name_owned(sd_bus *bus) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *c = NULL;
        return bus && sd_bus_get_name_creds(bus, BUS_NAME, 0, &c) >= 0;
}

/* Quiet property read: the doctor goes on without what it cannot read. */
static bool quiet_prop(Doctor *d, const char *name, char type, void *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int b;

        if (!d->daemon)
                return false;
        if (type == 's')
                return sd_bus_get_property_string(d->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, name, &e, ret) >= 0;
        if (sd_bus_get_property(d->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, name, &e, &m, (char[]) { type, 0 }) < 0)
                return false;
        if (type != 'b')
                return sd_bus_message_read_basic(m, type, ret) >= 0;
        if (sd_bus_message_read_basic(m, 'b', &b) < 0)
                return false;
        *(bool *) ret = b;
        return true;
}

static void read_groups(Doctor *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!d->daemon || sd_bus_call_method(d->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListGroups", NULL, &reply, NULL) < 0)
                return;
        r = sd_bus_message_enter_container(reply, 'a', "(ssa(su)a(stt)tt)");
        while (r >= 0 && d->n_groups < ELEMENTSOF(d->groups) &&
               (r = sd_bus_message_enter_container(reply, 'r', "ssa(su)a(stt)tt")) > 0) {
                DocGroup *g = &d->groups[d->n_groups];
                const char *group, *state, *s;
                uint64_t joined, pk, by;
                uint32_t hosts;

                *g = (DocGroup) {};
                if (sd_bus_message_read(reply, "ss", &group, &state) < 0 ||
                    sd_bus_message_enter_container(reply, 'a', "(su)") < 0)
                        return;
                while (sd_bus_message_read(reply, "(su)", &s, &hosts) > 0)
                        g->listeners++;
                if (sd_bus_message_exit_container(reply) < 0 || sd_bus_message_enter_container(reply, 'a', "(stt)") < 0)
                        return;
                while (sd_bus_message_read(reply, "(stt)", &s, &pk, &by) > 0)
                        if (g->n_sources < ELEMENTSOF(g->sources))
                                snprintf(g->sources[g->n_sources++], IN4_STRLEN, "%s", s);
                if (sd_bus_message_exit_container(reply) < 0 ||
                    sd_bus_message_read(reply, "tt", &joined, &g->last_report) < 0 ||
                    sd_bus_message_exit_container(reply) < 0)
                        return;
                snprintf(g->group, sizeof g->group, "%s", group);
                g->joined = strcmp(state, "joined") == 0;
                d->n_groups++;
        }
}

static void read_configured_upstream(Doctor *d) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const char *name, *role;

        if (!d->daemon || sd_bus_get_property(d->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ConfiguredInterfaces", &e, &m,
                                              "a(ss)") < 0 ||
            sd_bus_message_enter_container(m, 'a', "(ss)") < 0)
                return;
        while (sd_bus_message_read(m, "(ss)", &name, &role) > 0)
                if (strcmp(role, "upstream") == 0)
                        snprintf(d->configured_up, sizeof d->configured_up, "%s", name);
}

/* ---- the checks ----------------------------------------------------------------- */

static void check_daemon(Doctor *d) {
        if (d->daemon)
                report(d, "daemon", DOC_OK, NULL, "igmpproxy is running and owns %s on the system bus.", BUS_NAME);
        else if (d->pid > 0)
                report(d, "daemon", DOC_FAIL,
                       "Run it as its unit (systemctl restart igmpproxy) without --no-bus, with the bus policy "
                       "installed (/usr/share/dbus-1/system.d/org.igmpproxy.Movistar.conf); see journalctl -u "
                       "igmpproxy -b.",
                       "igmpproxy runs (pid %d) without its bus name %s: nothing can ask or steer it.", d->pid,
                       BUS_NAME);
        else
                report(d, "daemon", DOC_FAIL,
                       "Start it (systemctl start igmpproxy) and read why it stopped: journalctl -u igmpproxy -b.",
                       "igmpproxy is not running (%s has no owner on the system bus).", BUS_NAME);
}

static void check_mroute(Doctor *d) {
        DocMroute t;
        bool have = doc_read_mroute(&t) >= 0;
        int r;

        /* A running daemon holds the socket: it does not start without it. */
        if (d->daemon && have && t.n_vifs > 0) {
                report(d, "mroute", DOC_OK, NULL, "igmpproxy holds the kernel's multicast routing socket (%zu VIFs).",
                       t.n_vifs);
                return;
        }
        r = doc_probe_mrt();
        if (r == -EADDRINUSE && d->daemon)
                report(d, "mroute", DOC_OK, NULL, "igmpproxy holds the kernel's multicast routing socket (no VIF yet).");
        else if ((r == -EADDRINUSE || (have && t.n_vifs > 0)) && d->pid > 0)
                report(d, "mroute", DOC_OK, NULL,
                       "The multicast routing socket is held, most likely by igmpproxy (pid %d).", d->pid);
        else if (r == -EADDRINUSE || (r < 0 && have && t.n_vifs > 0 && !d->daemon))
                report(d, "mroute", DOC_FAIL,
                       "Find the other multicast router with 'ss -wap' (a raw socket of protocol igmp: another "
                       "igmpproxy, mcproxy, smcroute, pimd, a Docker or VPN helper), stop and disable it, then "
                       "start igmpproxy.",
                       "Another process holds the kernel's multicast routing socket (MRT_INIT%s): only one "
                       "program may route multicast, so igmpproxy cannot start.",
                       r == -EADDRINUSE ? " is refused" : "; the kernel has VIFs and igmpproxy is not running");
        else if (r == 0)
                report(d, "mroute", d->daemon ? DOC_WARN : DOC_OK,
                       d->daemon ? "Run igmpproxyctl doctor in the network namespace igmpproxy runs in." : NULL,
                       d->daemon ? "igmpproxy answers on the bus but nobody holds the multicast routing socket "
                                   "here: it runs in another network namespace."
                                 : "No process holds the kernel's multicast routing socket: igmpproxy can take it.");
        else
                report(d, "mroute", DOC_SKIP, NULL,
                       "Cannot tell whether another process holds the multicast routing socket (%s; run as root).",
                       strerror(-r));
}

static void check_upstream(Doctor *d) {
        const char *name = d->upstream[0] ? d->upstream : d->configured_up;
        char a[IN4_STRLEN];

        if (!d->daemon) {
                report(d, "upstream", DOC_SKIP, NULL, "Which interface is upstream is the daemon's to say.");
                return;
        }
        if (!name[0]) {
                report(d, "upstream", DOC_FAIL,
                       "Name the interface facing the ISP's TV network (VLAN 2 on Movistar+) with Role=upstream in "
                       "igmpproxy.ini, then igmpproxyctl reload.",
                       "No upstream interface is configured.");
                return;
        }
        doc_read_link(name, &d->link);
        if (!d->link.exists)
                report(d, "upstream", DOC_FAIL,
                       "Create the VLAN (e.g. ip link add link eth0 name vlan2 type vlan id 2) or fix the name in "
                       "igmpproxy.ini.", "The upstream interface %s does not exist.", name);
        else if (!d->link.up || !d->link.carrier)
                report(d, "upstream", DOC_FAIL,
                       "Bring it up (ip link set dev IFACE up) and check the cable to the ONT.",
                       "The upstream interface %s is %s.", name, !d->link.up ? "down" : "up but has no carrier");
        else if (!d->link.has_addr)
                report(d, "upstream", DOC_FAIL,
                       "Give it its IPv4 address: on Movistar+ VLAN 2 gets one by DHCP (check the DHCP client "
                       "on that interface) or set the static one your ISP gave you.",
                       "The upstream interface %s has no IPv4 address: IGMP reports cannot be sent.", name);
        else if (!d->upstream[0])
                report(d, "upstream", DOC_FAIL, "Run igmpproxyctl rescan, and see journalctl -u igmpproxy.",
                       "The upstream interface %s is usable but igmpproxy has not taken it into service.", name);
        else
                report(d, "upstream", DOC_OK, NULL, "%s is up with carrier and %s/%u.", name,
                       in4_to_string(d->link.addr, a), d->link.prefixlen);
}

/* Every source seen for the watched groups and in the refused streams. */
static size_t sources_seen(Doctor *d, in4_t *out, size_t n) {
        size_t k = 0;
        for (size_t g = 0; g < d->n_groups; g++)
                for (size_t s = 0; s < d->groups[g].n_sources; s++)
                        if (k < n && in4_from_string(d->groups[g].sources[s], &out[k]) >= 0)
                                k++;
        return k;
}

static bool group_watched(const DocGroup *g) {
        return g->joined && g->listeners > 0;
}

static void check_rp_filter(Doctor *d) {
        static const char *const modes[] = { "off", "strict", "loose" };
        in4_t src[128];
        size_t n = sources_seen(d, src, ELEMENTSOF(src)), silent = 0;
        char a[IN4_STRLEN];
        int rp;

        if (!d->upstream[0] || !d->link.has_addr) {
                report(d, "rp-filter", DOC_SKIP, NULL, "No upstream interface in service to look at.");
                return;
        }
        rp = doc_rp_filter(d->upstream);
        if (rp < 0 || rp > 2) {
                report(d, "rp-filter", DOC_SKIP, NULL, "Cannot read rp_filter of %s.", d->upstream);
                return;
        }
        for (size_t k = 0; k < n; k++) {
                int via = doc_route_back_via(src[k], d->link.addr);
                if ((rp == 1 && via == 0) || via == -ENETUNREACH) {
                        report(d, "rp-filter", DOC_FAIL,
                               "Set it to loose: sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.IFACE.rp_filter=2 "
                               "(and in /etc/sysctl.d/), or add a route to the sources' network through the upstream.",
                               "rp_filter is %s on %s and the route back to source %s %s: the kernel drops its "
                               "packets.", modes[rp], d->upstream, in4_to_string(src[k], a),
                               via == 0 ? "does not go through it" : "does not exist");
                        return;
                }
        }
        for (size_t g = 0; g < d->n_groups; g++)
                silent += group_watched(&d->groups[g]) && d->groups[g].n_sources == 0;
        if (rp == 1 && silent > 0)
                report(d, "rp-filter", DOC_FAIL,
                       "Set it to loose: sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.IFACE.rp_filter=2 (and "
                       "in /etc/sysctl.d/): IPTV sources (172.26.x on Movistar+) are rarely routed back through "
                       "the TV VLAN.",
                       "rp_filter is strict on %s and %zu watched group%s no stream at all: strict rp_filter drops "
                       "streams whose source is not routed back through %s.", d->upstream, silent,
                       silent == 1 ? " has" : "s have", d->upstream);
        else
                report(d, "rp-filter", DOC_OK, NULL, "rp_filter is %s on %s%s.", modes[rp], d->upstream,
                       n ? "; every source seen routes back through it" : "");
}

static void check_altnet(Doctor *d) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        uint64_t total = 0, last, upcalls, newest = 0;
        char list[512] = "", b[48];
        const char *s, *g;
        size_t o = 0;

        if (!quiet_prop(d, "StreamsRejected", 't', &total)) {
                report(d, "altnet", DOC_SKIP, NULL, "The daemon does not say which streams it refused.");
                return;
        }
        if (sd_bus_get_property(d->bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "RejectedStreams", &e, &m, "a(sstt)") >= 0 &&
            sd_bus_message_enter_container(m, 'a', "(sstt)") >= 0)
                while (sd_bus_message_read(m, "(sstt)", &s, &g, &last, &upcalls) > 0) {
                        newest = MAX(newest, last);
                        if (o < sizeof list - 1)
                                o += (size_t) snprintf(list + o, sizeof list - o, "%s%s for %s (%s)", o ? ", " : "", s,
                                                       g, fmt_ago(b, sizeof b, last));
                }
        if (total == 0)
                report(d, "altnet", DOC_OK, NULL, "No stream was refused for its source.");
        else
                report(d, "altnet", newest && now_monotonic() - newest < 60 * USEC_PER_SEC ? DOC_FAIL : DOC_WARN,
                       "Add the sources' network under the upstream's section, e.g. AltNet=172.0.0.0/8 for "
                       "Movistar+ (the address above, widened to its network), then igmpproxyctl reload.",
                       "%" PRIu64 " stream arrival%s refused: the source is neither on the upstream subnet nor in "
                       "AltNet=: %s.", total, total == 1 ? " was" : "s were", list);
}

/* The kernel forwards a packet out of a VIF only if its TTL is above the
 * VIF's threshold (ip_mr_forward()). The packets' TTL is in no counter and
 * the NOCACHE upcall carries it overwritten, so the check is what the
 * counters show: the route's counter moves while the output VIF's does not. */
static void check_ttl(Doctor *d) {
        char s[IN4_STRLEN], g[IN4_STRLEN];
        unsigned checked = 0;

        if (!d->sampled) {
                report(d, "ttl-threshold", DOC_SKIP, NULL, "No stream is being forwarded to look at.");
                return;
        }
        for (size_t k = 0; k < d->after.n_routes; k++) {
                const DocRoute *ra = &d->after.routes[k], *rb = doc_route(&d->before, ra->source, ra->group);
                if (!rb || ra->pkts <= rb->pkts)
                        continue;
                for (int v = 0; v < DOC_MAX_VIFS; v++) {
                        const DocVif *va = doc_vif(&d->after, v), *vb = doc_vif(&d->before, v);
                        if (!ra->ttl[v] || !va || !vb)
                                continue;
                        checked++;
                        if (va->pkts_out == vb->pkts_out) {
                                report(d, "ttl-threshold", DOC_FAIL,
                                       "Lower Threshold= in that interface's section (or remove it: the default 1 "
                                       "forwards every stream), then igmpproxyctl reload.",
                                       "Packets of %s from %s arrive (%" PRIu64 " in %.1f s) but none leave on %s: "
                                       "their TTL is not above its threshold %u (Threshold=).",
                                       in4_to_string(ra->group, g), in4_to_string(ra->source, s),
                                       ra->pkts - rb->pkts, (double) SAMPLE_USEC / USEC_PER_SEC, va->name, ra->ttl[v]);
                                return;
                        }
                }
        }
        if (checked)
                report(d, "ttl-threshold", DOC_OK, NULL, "Every moving stream leaves on each of its interfaces.");
        else
                report(d, "ttl-threshold", DOC_SKIP, NULL, "No stream moved while watched: nothing to compare.");
}

static void check_querier(Doctor *d) {
        _cleanup_(freep) char *mode = NULL, *addr = NULL;
        uint32_t version = 0, reporting = 0;
        uint64_t interval = 0;
        char facts[96] = "";
        bool seen = false;

        if (!quiet_prop(d, "UpstreamQuerierSeen", 'b', &seen) || !quiet_prop(d, "RefreshMode", 's', &mode)) {
                report(d, "querier", DOC_SKIP, NULL, "The daemon does not say whether an upstream querier was heard.");
                return;
        }
        /* Who it is and in which version we answer it (older daemons lack these). */
        if (seen && quiet_prop(d, "UpstreamQuerier", 's', &addr) && quiet_prop(d, "UpstreamQuerierVersion", 'u', &version) &&
            quiet_prop(d, "UpstreamQuerierIntervalUSec", 't', &interval) &&
            quiet_prop(d, "UpstreamReportVersion", 'u', &reporting))
        {
                char every[32] = ""; /* an IGMPv1/v2 query carries no interval */
                if (interval > 0)
                        snprintf(every, sizeof every, ", every %" PRIu64 " s", interval / 1000000);
                snprintf(facts, sizeof facts, " (%s, IGMPv%" PRIu32 "%s; we report in IGMPv%" PRIu32 ")", addr,
                         version, every, reporting);
        }
        if (!seen && strcmp(mode, "no") == 0)
                report(d, "querier", DOC_WARN,
                       "Turn the workaround on: [Refresh] Enabled=auto (or igmpproxyctl workaround auto).",
                       "No querier heard upstream and the refresh workaround is off: Movistar+ forgets every "
                       "channel 260 s after it was joined.");
        else
                report(d, "querier", DOC_OK, NULL, "%s%s upstream; refresh workaround %s%s.",
                       seen ? "A querier was heard" : "No querier heard (usual on Movistar+)", facts, mode,
                       strcmp(mode, "auto") == 0
                               ? (seen ? ": a group is refreshed only when no answer reported it for IntervalSec"
                                       : ": every group is refreshed each IntervalSec")
                               : "");
}

static void check_reports(Doctor *d) {
        usec_t now = now_monotonic(), oldest = 0;
        const char *worst = NULL;
        char b[32];
        size_t n = 0;

        for (size_t k = 0; k < d->n_groups; k++) {
                const DocGroup *g = &d->groups[k];
                usec_t age = g->last_report && now > g->last_report ? now - g->last_report : 0;
                if (!g->joined)
                        continue;
                n++;
                if (!g->last_report || age > oldest) {
                        oldest = g->last_report ? age : USEC_INFINITY;
                        worst = g->group;
                }
        }
        if (n == 0)
                report(d, "reports", d->daemon ? DOC_OK : DOC_SKIP, NULL, "No group is joined upstream.");
        else if (oldest >= MOVISTAR_HOLD_USEC * 3 / 4)
                report(d, "reports",
                       oldest >= MOVISTAR_HOLD_USEC ? DOC_FAIL : DOC_WARN,
                       "Enable the refresh workaround ([Refresh] Enabled=auto) with IntervalSec= well under 260 s.",
                       "The last report of %s went upstream %s ago: Movistar+ forgets a group 260 s after it.", worst,
                       oldest == USEC_INFINITY ? "never" : fmt_timespan(b, sizeof b, oldest));
        else
                report(d, "reports", DOC_OK, NULL, "%zu joined group%s, the oldest report %s old (Movistar+ holds 260 s).",
                       n, n == 1 ? "" : "s", fmt_timespan(b, sizeof b, oldest));
}

static void check_firewall(Doctor *d) {
        char findings[1024], how[128];
        int r = doc_firewall(findings, sizeof findings, how, sizeof how);

        if (r < 0)
                report(d, "firewall", DOC_SKIP, NULL, "Could not read the firewall rules (%s).", how);
        else if (r > 0) {
                findings[strcspn(findings, "\n")] = 0; /* the first one */
                report(d, "firewall", DOC_FAIL,
                       "Accept IGMP on input (nft: ip protocol igmp accept) and multicast forwarded from the "
                       "upstream (nft: iifname IFACE ip daddr 224.0.0.0/4 accept) before that rule.",
                       "A rule drops IGMP or forwarded multicast: %s.", findings);
        } else
                report(d, "firewall", DOC_OK, NULL, "No rule found that drops IGMP or forwarded multicast (%s).", how);
}

static void check_forwarding(Doctor *d) {
        unsigned watched = 0, moving = 0;
        char gs[IN4_STRLEN];

        for (size_t k = 0; k < d->n_groups; k++) {
                const DocGroup *g = &d->groups[k];
                in4_t group, src;
                uint64_t delta = 0;
                if (!group_watched(g) || in4_from_string(g->group, &group) < 0)
                        continue;
                watched++;
                for (size_t s = 0; s < g->n_sources; s++) {
                        const DocRoute *ra, *rb;
                        if (in4_from_string(g->sources[s], &src) < 0)
                                continue;
                        ra = doc_route(&d->after, src, group);
                        rb = doc_route(&d->before, src, group);
                        if (ra && rb && ra->pkts > rb->pkts)
                                delta += ra->pkts - rb->pkts;
                }
                if (delta > 0) {
                        moving++;
                        continue;
                }
                report(d, "forwarding", DOC_FAIL,
                       g->n_sources ? "Check the channel on the set-top box and the checks above; igmpproxyctl "
                                      "refresh sends the reports again."
                                    : "See the checks above (altnet, rp-filter, firewall); if they are ok, the ISP "
                                      "is not sending it: igmpproxyctl refresh.",
                       "%s is watched but %s.", in4_to_string(group, gs),
                       g->n_sources ? "its stream did not move while watched" : "no stream of it has arrived");
                return;
        }
        if (!d->daemon)
                report(d, "forwarding", DOC_SKIP, NULL, "Which groups are watched is the daemon's to say.");
        else
                report(d, "forwarding", DOC_OK, NULL, "%u watched group%s, %u with its stream moving.", watched,
                       watched == 1 ? "" : "s", moving);
}

int verb_doctor(sd_bus *bus, int argc, char **argv) {
        Doctor *d = calloc(1, sizeof *d);
        _cleanup_(freep) char *up = NULL;
        unsigned worst;

        if (!d)
                return -ENOMEM;
        d->bus = bus;
        d->daemon = name_owned(bus);
        d->pid = d->daemon ? 0 : doc_find_process("igmpproxy");
        if (quiet_prop(d, "UpstreamInterface", 's', &up))
                snprintf(d->upstream, sizeof d->upstream, "%s", up);
        read_configured_upstream(d);
        read_groups(d);
        if (doc_read_mroute(&d->before) >= 0 && d->before.n_routes > 0) {
                usleep(SAMPLE_USEC);
                d->sampled = doc_read_mroute(&d->after) >= 0;
        }
        if (arg_json != JSON_OFF) {
                json_begin_object(&d->j);
                json_key(&d->j, "Checks");
                json_begin_array(&d->j);
        }
        check_daemon(d);
        check_mroute(d);
        check_upstream(d);
        check_rp_filter(d);
        check_altnet(d);
        check_ttl(d);
        check_querier(d);
        check_reports(d);
        check_firewall(d);
        check_forwarding(d);
        worst = d->worst;
        if (arg_json != JSON_OFF) {
                _cleanup_(freep) char *text = NULL;
                json_end_array(&d->j);
                json_key(&d->j, "Result");
                json_string(&d->j, worst >= DOC_WARN ? level_names[worst] : "ok");
                json_end_object(&d->j);
                text = json_steal(&d->j);
                if (text)
                        print_json(text);
        }
        free(d);
        return worst >= DOC_WARN ? -EPROTO : 0;
}
