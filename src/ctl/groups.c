/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * groups.c - igmpproxyctl's group verbs. "groups": every group with its
 * upstream state, listeners and forwarded sources (ListGroups), and, on lines
 * of their own, the source filters that are not "any source" (ListMemberships:
 * per downstream interface, and the one reported upstream). "group G": one
 * group in detail (ListGroups and GetMembership): the filter reported
 * upstream, per downstream interface the filter mode, hosts, older host
 * versions present, group timer and every source record with its timer.
 * --json carries everything, under the names Describe() uses.
 *
 * What it does not do: keep state, or decide anything about the protocol; it
 * formats what the daemon says.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

#define GROUP_ROW "ssa(su)a(stt)tt"
#define MEMBER_ROW "ssutbuba(stb)"
#define FILTER_ROW "ssasa(" MEMBER_ROW ")"

/* ---- ListGroups rows --------------------------------------------------------------- */

typedef struct Listener {
        const char *iface;
        uint32_t hosts;
} Listener;

typedef struct SourceRow {
        const char *source;
        uint64_t packets, bytes;
} SourceRow;

typedef struct GroupRow {
        const char *group, *state;
        Listener ls[32];
        SourceRow ss[64];
        size_t nl, ns;
        uint64_t joined, last;
} GroupRow;

/* One row of ListGroups (the array entered): 1, 0 at its end, or < 0. */
static int read_group_row(sd_bus_message *reply, GroupRow *g) {
        int r;

        *g = (GroupRow) {};
        r = sd_bus_message_enter_container(reply, 'r', GROUP_ROW);
        if (r <= 0)
                return r;
        if ((r = sd_bus_message_read(reply, "ss", &g->group, &g->state)) < 0 ||
            (r = sd_bus_message_enter_container(reply, 'a', "(su)")) < 0)
                return r;
        while (g->nl < ELEMENTSOF(g->ls) &&
               (r = sd_bus_message_read(reply, "(su)", &g->ls[g->nl].iface, &g->ls[g->nl].hosts)) > 0)
                g->nl++;
        if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
            (r = sd_bus_message_enter_container(reply, 'a', "(stt)")) < 0)
                return r;
        while (g->ns < ELEMENTSOF(g->ss) && (r = sd_bus_message_read(reply, "(stt)", &g->ss[g->ns].source,
                                                                       &g->ss[g->ns].packets, &g->ss[g->ns].bytes)) > 0)
                g->ns++;
        if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
            (r = sd_bus_message_read(reply, "tt", &g->joined, &g->last)) < 0 ||
            (r = sd_bus_message_exit_container(reply)) < 0)
                return r;
        return 1;
}

/* ---- ListMemberships / GetMembership rows -------------------------------------------- */

typedef struct MSource {
        const char *source;
        uint64_t expires;
        int forwarded;
} MSource;

typedef struct MIface {
        const char *name, *mode;
        uint32_t compat, hosts;
        uint64_t expires;
        int listening, untracked;
        MSource *src;
        size_t n_src;
} MIface;

typedef struct Filters {
        const char *group, *mode;  /* mode: the one reported upstream */
        const char **up;
        size_t n_up;
        MIface *ifs;
        size_t n_ifs;
} Filters;

/* Appends one zeroed element to a malloc'ed array. */
static int push_(void **array, size_t *n, size_t size) {
        void *p = realloc(*array, (*n + 1) * size);

        if (!p)
                return -ENOMEM;
        memset((char *) p + *n * size, 0, size);
        *array = p;
        (*n)++;
        return 0;
}
#define PUSH(array, n) push_((void **) &(array), &(n), sizeof *(array))

static void filters_done(Filters *f) {
        for (size_t k = 0; k < f->n_ifs; k++)
                free(f->ifs[k].src);
        free(f->ifs);
        free(f->up);
        *f = (Filters) {};
}

static void filters_free_all(Filters *f, size_t n) {
        for (size_t k = 0; k < n; k++)
                filters_done(&f[k]);
        free(f);
}

/* One (group, mode, sources, interfaces) struct: 1, 0 at the end of the
 * enclosing array, or < 0. Strings point into the message. */
static int read_filters(sd_bus_message *reply, Filters *f) {
        int r;

        *f = (Filters) {};
        r = sd_bus_message_enter_container(reply, 'r', FILTER_ROW);
        if (r <= 0)
                return r;
        if ((r = sd_bus_message_read(reply, "ss", &f->group, &f->mode)) < 0 ||
            (r = sd_bus_message_enter_container(reply, 'a', "s")) < 0)
                return r;
        for (const char *s; (r = sd_bus_message_read(reply, "s", &s)) > 0;) {
                if (PUSH(f->up, f->n_up) < 0)
                        return -ENOMEM;
                f->up[f->n_up - 1] = s;
        }
        if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
            (r = sd_bus_message_enter_container(reply, 'a', "(" MEMBER_ROW ")")) < 0)
                return r;
        while ((r = sd_bus_message_enter_container(reply, 'r', MEMBER_ROW)) > 0) {
                MIface *i;
                if (PUSH(f->ifs, f->n_ifs) < 0)
                        return -ENOMEM;
                i = &f->ifs[f->n_ifs - 1];
                if ((r = sd_bus_message_read(reply, "ssutbub", &i->name, &i->mode, &i->compat, &i->expires,
                                             &i->listening, &i->hosts, &i->untracked)) < 0 ||
                    (r = sd_bus_message_enter_container(reply, 'a', "(stb)")) < 0)
                        return r;
                for (MSource s; (r = sd_bus_message_read(reply, "(stb)", &s.source, &s.expires, &s.forwarded)) > 0;) {
                        if (PUSH(i->src, i->n_src) < 0)
                                return -ENOMEM;
                        i->src[i->n_src - 1] = s;
                }
                if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
                    (r = sd_bus_message_exit_container(reply)) < 0)
                        return r;
        }
        if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
            (r = sd_bus_message_exit_container(reply)) < 0)
                return r;
        return 1;
}

/* A filter in a few words: "any source" (exclude, nothing blocked),
 * "exclude {S, ...}" (the sources blocked), "include {S, ...}", or "no source"
 * (include, none). For an interface, pass its records (blocked = not
 * forwarded in exclude mode); for the upstream, its plain list. */
static const char *filter_text(char *buf, size_t n, const char *mode, const MSource *src, size_t n_src,
                               const char *const *plain, size_t n_plain) {
        bool include = strcmp(mode, "include") == 0;
        size_t o = (size_t) snprintf(buf, n, "%s {", mode), shown = 0;

        for (size_t k = 0; k < n_src + n_plain && o < n; k++) {
                if (!include && k < n_src && src[k].forwarded)
                        continue; /* exclude mode: only the blocked ones make the filter */
                o += (size_t) snprintf(buf + o, n - o, "%s%s", shown++ ? ", " : "",
                                       k < n_src ? src[k].source : plain[k - n_src]);
        }
        if (shown == 0)
                snprintf(buf, n, include ? "no source" : "any source");
        else if (o < n)
                snprintf(buf + o, n - o, "}");
        return buf;
}

/* f NULL: not known (the group appeared between the two calls, or a daemon
 * without ListMemberships): both keys null. */
static void json_filters(JsonWriter *j, const Filters *f) {
        json_key(j, "Upstream");
        if (!f)
                json_null(j);
        else {
                json_begin_object(j);
                json_key(j, "Mode");
                json_string(j, f->mode);
                json_key(j, "Sources");
                json_begin_array(j);
                for (size_t k = 0; k < f->n_up; k++)
                        json_string(j, f->up[k]);
                json_end_array(j);
                json_end_object(j);
        }
        json_key(j, "Memberships");
        if (!f) {
                json_null(j);
                return;
        }
        json_begin_array(j);
        for (size_t k = 0; k < f->n_ifs; k++) {
                const MIface *i = &f->ifs[k];
                json_begin_object(j);
                json_key(j, "Interface");
                json_string(j, i->name);
                json_key(j, "Mode");
                json_string(j, i->mode);
                json_key(j, "CompatVersion");
                json_uint(j, i->compat);
                json_key(j, "ExpiresUSec");
                json_uint(j, i->expires);
                json_key(j, "Listening");
                json_bool(j, i->listening);
                json_key(j, "Hosts");
                json_uint(j, i->hosts);
                json_key(j, "Untracked");
                json_bool(j, i->untracked);
                json_key(j, "Sources");
                json_begin_array(j);
                for (size_t s = 0; s < i->n_src; s++) {
                        json_begin_object(j);
                        json_key(j, "Source");
                        json_string(j, i->src[s].source);
                        json_key(j, "ExpiresUSec");
                        json_uint(j, i->src[s].expires);
                        json_key(j, "Forwarded");
                        json_bool(j, i->src[s].forwarded);
                        json_end_object(j);
                }
                json_end_array(j);
                json_end_object(j);
        }
        json_end_array(j);
}

/* A group as groups --json and group --json print it (Describe's names). */
static void json_group(JsonWriter *j, const GroupRow *g, const Filters *f) {
        json_begin_object(j);
        json_key(j, "Group");
        json_string(j, g->group);
        json_key(j, "State");
        json_string(j, g->state);
        json_key(j, "Listeners");
        json_begin_array(j);
        for (size_t k = 0; k < g->nl; k++) {
                json_begin_object(j);
                json_key(j, "Interface");
                json_string(j, g->ls[k].iface);
                json_key(j, "Hosts");
                json_uint(j, g->ls[k].hosts);
                json_end_object(j);
        }
        json_end_array(j);
        json_key(j, "Sources");
        json_begin_array(j);
        for (size_t k = 0; k < g->ns; k++) {
                json_begin_object(j);
                json_key(j, "Source");
                json_string(j, g->ss[k].source);
                json_key(j, "Packets");
                json_uint(j, g->ss[k].packets);
                json_key(j, "Bytes");
                json_uint(j, g->ss[k].bytes);
                json_end_object(j);
        }
        json_end_array(j);
        json_key(j, "JoinedUSec");
        json_uint(j, g->joined);
        json_key(j, "LastReportUSec");
        json_uint(j, g->last);
        json_filters(j, f);
        json_end_object(j);
}

/* ---- groups ------------------------------------------------------------------------- */

/* Every row of ListMemberships, in the daemon's order (by group address).
 * None, and 0, from a daemon older than the method. */
static int read_all_filters(sd_bus *bus, sd_bus_message **ret_reply, Filters **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Filters *all = NULL;
        size_t n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "ListMemberships", &e, ret_reply, NULL);
        if (r < 0 && sd_bus_error_has_name(&e, SD_BUS_ERROR_UNKNOWN_METHOD))
                return 0;
        if (r < 0)
                return bus_failed(&e, r, "list memberships");
        r = sd_bus_message_enter_container(*ret_reply, 'a', "(" FILTER_ROW ")");
        while (r >= 0) {
                Filters f;
                r = read_filters(*ret_reply, &f);
                if (r > 0 && PUSH(all, n) < 0)
                        r = -ENOMEM;
                if (r <= 0) {
                        filters_done(&f);
                        break;
                }
                all[n - 1] = f;
        }
        if (r < 0) {
                filters_free_all(all, n);
                return bus_failed(NULL, r, "read ListMemberships()");
        }
        *ret = all;
        *ret_n = n;
        return 0;
}

static const Filters *find_filters(const Filters *all, size_t n, const char *group) {
        for (size_t k = 0; k < n; k++)
                if (strcmp(all[k].group, group) == 0)
                        return &all[k];
        return NULL;
}

int verb_groups(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *mreply = NULL;
        usec_t now = now_monotonic();
        Filters *all = NULL;
        size_t n_all = 0;
        JsonWriter j = {};
        unsigned n = 0;
        int r;

        r = call(bus, BUS_PATH, BUS_INTERFACE, "ListGroups", &reply, "list groups");
        if (r < 0)
                return r;
        r = read_all_filters(bus, &mreply, &all, &n_all);
        if (r < 0)
                return r;
        if (arg_json != JSON_OFF) {
                json_begin_object(&j);
                json_key(&j, "Groups");
                json_begin_array(&j);
        } else if (arg_legend)
                printf("%-15s %-10s %-22s %-15s %10s %9s %11s %s\n", "GROUP", "STATE", "LISTENERS", "SOURCE",
                       "PACKETS", "BYTES", "AVG RATE", "JOINED");

        r = sd_bus_message_enter_container(reply, 'a', "(" GROUP_ROW ")");
        for (GroupRow g; r >= 0 && (r = read_group_row(reply, &g)) > 0;) {
                const Filters *f = find_filters(all, n_all, g.group);
                char listeners[256] = "", b1[32], b2[32], b3[32], b4[48], text[1024];

                n++;
                if (arg_json != JSON_OFF) {
                        json_group(&j, &g, f);
                        continue;
                }
                for (size_t k = 0, o = 0; k < g.nl && o < sizeof listeners - 1; k++)
                        o += (size_t) snprintf(listeners + o, sizeof listeners - o, "%s%s(%" PRIu32 ")",
                                               k ? "," : "", g.ls[k].iface, g.ls[k].hosts);
                /* One line per source; the first carries the group's columns. */
                for (size_t k = 0; k < MAX(g.ns, (size_t) 1); k++) {
                        usec_t span = g.joined && now > g.joined ? now - g.joined : 0;
                        bool first = k == 0;
                        printf("%-15s %-10s %-22s %-15s %10s %9s %11s %s\n", first ? g.group : "",
                               first ? g.state : "", first ? (g.nl ? listeners : "-") : "", g.ns ? g.ss[k].source : "-",
                               g.ns ? (snprintf(b1, sizeof b1, "%" PRIu64, g.ss[k].packets), b1) : "-",
                               g.ns ? fmt_bytes(b2, sizeof b2, g.ss[k].bytes) : "-",
                               g.ns ? fmt_rate(b3, sizeof b3, g.ss[k].bytes, span) : "-",
                               first ? (g.joined ? fmt_ago(b4, sizeof b4, g.joined) : "-") : "");
                }
                /* Then the filters that are not "any source", under LISTENERS. */
                if (f && strcmp(g.state, "joined") == 0 &&
                    strcmp(filter_text(text, sizeof text, f->mode, NULL, 0, f->up, f->n_up), "any source") != 0)
                        printf("%27s%s: %s\n", "", "upstream", text);
                for (size_t k = 0; f && k < f->n_ifs; k++) {
                        const MIface *i = &f->ifs[k];
                        if (strcmp(filter_text(text, sizeof text, i->mode, i->src, i->n_src, NULL, 0), "any source") != 0)
                                printf("%27s%s: %s\n", "", i->name, text);
                }
        }
        filters_free_all(all, n_all);
        return list_finish(&j, r, "read ListGroups()", n, "group");
}

/* ---- group G ------------------------------------------------------------------------- */

static const char *fmt_left(char *buf, size_t n, uint64_t mono, usec_t now) {
        char t[32];

        if (mono == 0)
                snprintf(buf, n, "-");
        else if (mono <= now)
                snprintf(buf, n, "expired");
        else
                snprintf(buf, n, "%s", fmt_timespan(t, sizeof t, mono - now));
        return buf;
}

static void print_iface(const MIface *i, usec_t now) {
        bool include = strcmp(i->mode, "include") == 0;
        char text[1024], b[32];

        printf("%16s: %s", i->name, filter_text(text, sizeof text, i->mode, i->src, i->n_src, NULL, 0));
        printf(", %" PRIu32 " host%s%s", i->hosts, i->hosts == 1 ? "" : "s",
               i->untracked ? " and untracked ones" : "");
        if (i->compat < 3)
                printf(", IGMPv%" PRIu32 " host present", i->compat);
        if (i->expires)
                printf(", group timer %s", fmt_left(b, sizeof b, i->expires, now));
        printf("%s\n", i->listening ? "" : ", not listening");
        for (size_t k = 0; k < i->n_src; k++)
                printf("%18s%-15s %9s  %s\n", "", i->src[k].source, fmt_left(b, sizeof b, i->src[k].expires, now),
                       i->src[k].forwarded ? "forwarded" : include ? "not forwarded" : "blocked");
}

int verb_group(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL, *mreply = NULL;
        usec_t now = now_monotonic();
        GroupRow g = {}, row;
        Filters f = {};
        in4_t addr;
        char b1[48], b2[48], text[1024];
        bool found = false;
        int r;

        if (in4_from_string(argv[1], &addr) < 0 || !in4_is_multicast(addr)) {
                fprintf(stderr, "Invalid group '%s': expected an IPv4 multicast address (224.0.0.0/4).\n", argv[1]);
                return ERR_USAGE;
        }
        r = sd_bus_call_method(bus, BUS_NAME, BUS_PATH, BUS_INTERFACE, "GetMembership", &e, &mreply, "s", argv[1]);
        if (r < 0)
                return bus_failed(&e, r, "show the group");
        r = read_filters(mreply, &f);
        if (r <= 0) {
                filters_done(&f);
                return bus_failed(NULL, r < 0 ? r : -EBADMSG, "read GetMembership()");
        }
        r = call(bus, BUS_PATH, BUS_INTERFACE, "ListGroups", &reply, "list groups");
        if (r < 0) {
                filters_done(&f);
                return r;
        }
        r = sd_bus_message_enter_container(reply, 'a', "(" GROUP_ROW ")");
        while (r >= 0 && !found && (r = read_group_row(reply, &row)) > 0)
                if (strcmp(row.group, f.group) == 0) {
                        g = row;
                        found = true;
                }
        if (r < 0) {
                filters_done(&f);
                return bus_failed(NULL, r, "read ListGroups()");
        }
        if (!found) /* gone between the two calls: what GetMembership said still holds */
                g = (GroupRow) { .group = f.group, .state = "not-joined" };

        if (arg_json != JSON_OFF) {
                _cleanup_(freep) char *out = NULL;
                JsonWriter j = {};
                json_group(&j, &g, &f);
                filters_done(&f);
                out = json_steal(&j);
                return out ? print_json(out) : -ENOMEM;
        }
        printf("%16s: %s\n", "Group", g.group);
        if (strcmp(g.state, "joined") == 0 && g.joined)
                printf("%16s: joined %s", "State", fmt_ago(b1, sizeof b1, g.joined));
        else if (g.joined)
                printf("%16s: %s (last joined %s)", "State", g.state, fmt_ago(b1, sizeof b1, g.joined));
        else
                printf("%16s: %s", "State", g.state);
        printf(", last report %s\n", fmt_ago(b2, sizeof b2, g.last));
        printf("%16s: %s\n", "Upstream", filter_text(text, sizeof text, f.mode, NULL, 0, f.up, f.n_up));
        if (f.n_ifs == 0)
                printf("%16s: none\n", "Listeners");
        for (size_t k = 0; k < f.n_ifs; k++)
                print_iface(&f.ifs[k], now);
        if (g.ns == 0)
                printf("%16s: none\n", "Forwarding");
        for (size_t k = 0; k < g.ns; k++) {
                usec_t span = g.joined && now > g.joined ? now - g.joined : 0;
                char b3[32];
                printf("%16s%c %-15s %" PRIu64 " packets, %s, %s\n", k ? "" : "Forwarding", k ? ' ' : ':',
                       g.ss[k].source, g.ss[k].packets, fmt_bytes(b1, sizeof b1, g.ss[k].bytes),
                       fmt_rate(b3, sizeof b3, g.ss[k].bytes, span));
        }
        filters_done(&f);
        return 0;
}
