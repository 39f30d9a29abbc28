/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmpproxyctl - query and control the running igmpproxy over D-Bus
 * (org.igmpproxy.Movistar on the system bus), in the manner of networkctl
 * and resolvectl. Everything it shows comes from the daemon; it keeps no
 * state and reads no configuration file.
 *
 * Exit status: 0 success, 1 the daemon refused or failed the request (the
 * message says why), 2 usage error, 3 the daemon is not running, 4 it runs
 * but is not on the system bus under its name (no bus policy, --no-bus, dbus
 * down): told apart by looking for its process in /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "build-config.h"
#include "json.h"
#include "util.h"

#define BUS_NAME "org.igmpproxy.Movistar"
#define BUS_PATH "/org/igmpproxy/Movistar"
#define BUS_INTERFACE "org.igmpproxy.Movistar"
#define LOG_PATH "/org/freedesktop/LogControl1"
#define LOG_INTERFACE "org.freedesktop.LogControl1"

#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3
#define EXIT_NO_BUS_NAME 4
#define ERR_USAGE (-EDOM) /* a value refused before asking the daemon */
#define ERR_NO_BUS_NAME (-ENOANO) /* the daemon runs, but not on the bus under its name */

typedef enum JsonMode { JSON_OFF, JSON_SHORT, JSON_PRETTY } JsonMode;

static JsonMode arg_json = JSON_OFF;
static bool arg_legend = true;

/* ---- formatting ------------------------------------------------------------------ */

static usec_t now_monotonic(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static const char *fmt_timespan(char *buf, size_t n, usec_t t) {
        uint64_t s = t / USEC_PER_SEC;

        if (t < USEC_PER_SEC)
                snprintf(buf, n, "%" PRIu64 "ms", t / USEC_PER_MSEC);
        else if (s < 60)
                snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "s", s, (t % USEC_PER_SEC) / (100 * USEC_PER_MSEC));
        else if (s < 3600)
                snprintf(buf, n, "%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, n, "%" PRIu64 "h %" PRIu64 "min", s / 3600, (s % 3600) / 60);
        else
                snprintf(buf, n, "%" PRIu64 "d %" PRIu64 "h", s / 86400, (s % 86400) / 3600);
        return buf;
}

static const char *fmt_ago(char *buf, size_t n, usec_t mono) {
        usec_t now = now_monotonic();
        char t[32];

        if (mono == 0)
                snprintf(buf, n, "never");
        else
                snprintf(buf, n, "%s ago", fmt_timespan(t, sizeof t, now > mono ? now - mono : 0));
        return buf;
}

/* 1024-based, like systemd's format_bytes(): 512B, 1.5K, 12.3M. */
static const char *fmt_bytes(char *buf, size_t n, uint64_t b) {
        static const char units[] = "KMGTPE";
        double v = (double) b;
        int u = -1;

        while (v >= 1024.0 && u < 5) {
                v /= 1024.0;
                u++;
        }
        if (u < 0)
                snprintf(buf, n, "%" PRIu64 "B", b);
        else
                snprintf(buf, n, "%.1f%c", v, units[u]);
        return buf;
}

/* Decimal bit rate, as links are rated: 950bit/s, 3.2Mbit/s. */
static const char *fmt_rate(char *buf, size_t n, uint64_t bytes, usec_t span) {
        static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s" };
        double v;
        int u = 0;

        if (span < USEC_PER_SEC) {
                snprintf(buf, n, "-");
                return buf;
        }
        v = (double) bytes * 8.0 * (double) USEC_PER_SEC / (double) span;
        while (v >= 1000.0 && u < 3) {
                v /= 1000.0;
                u++;
        }
        snprintf(buf, n, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
        return buf;
}

static int print_json(const char *text) {
        _cleanup_(freep) char *pretty = NULL;

        if (arg_json == JSON_PRETTY) {
                pretty = json_pretty(text);
                if (!pretty)
                        return -ENOMEM;
                text = pretty;
        }
        printf("%s\n", text);
        return 0;
}

/* ---- bus helpers ------------------------------------------------------------------- */

/* The PID of a running igmpproxy daemon in this PID namespace (its comm is
 * "igmpproxy"; zombies do not count), or 0. */
static pid_t daemon_pid(void) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        pid_t found = 0;

        if (!d)
                return 0;
        while (found == 0 && (de = readdir(d))) {
                char path[64], comm[32], state = 0, *end;
                long pid = strtol(de->d_name, &end, 10);
                FILE *f;
                int n;

                if (*end != '\0' || pid <= 0 || pid == (long) getpid())
                        continue;
                snprintf(path, sizeof path, "/proc/%ld/stat", pid);
                f = fopen(path, "re");
                if (!f)
                        continue;
                /* "PID (comm) S ...": the daemon's comm has no ")". */
                n = fscanf(f, "%*d (%31[^)]) %c", comm, &state);
                fclose(f);
                if (n == 2 && strcmp(comm, "igmpproxy") == 0 && state != 'Z' && state != 'X')
                        found = (pid_t) pid;
        }
        closedir(d);
        return found;
}

/* The daemon cannot be reached over the bus (why: the reason): tells "not
 * running" (-EHOSTDOWN, exit 3) from "running without its bus name"
 * (ERR_NO_BUS_NAME, exit 4). */
static int not_reachable(const char *why) {
        pid_t pid = daemon_pid();

        if (pid <= 0) {
                fprintf(stderr, "igmpproxy is not running (%s)\n", why);
                return -EHOSTDOWN;
        }
        fprintf(stderr,
                "igmpproxy is running (PID %ld) but cannot be reached: %s. It takes the name only with its bus "
                "policy (%s) installed, without --no-bus, and while dbus runs; 'journalctl -u igmpproxy' says "
                "why it has not.\n",
                (long) pid, why, BUS_POLICY_PATH);
        return ERR_NO_BUS_NAME;
}

static int bus_failed(const sd_bus_error *e, int r, const char *what) {
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return not_reachable(BUS_NAME " not on the system bus");
        fprintf(stderr, "Failed to %s: %s\n", what, e && e->message ? e->message : strerror(-r));
        return r < 0 ? r : -EIO;
}

static int call(sd_bus *bus, const char *path, const char *iface, const char *method, sd_bus_message **ret,
                const char *what) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, iface, method, &e, ret, NULL);
        if (r < 0)
                return bus_failed(&e, r, what);
        return 0;
}

static int get_prop(sd_bus *bus, const char *path, const char *iface, const char *name, char type, void *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char what[128];
        int r;

        snprintf(what, sizeof what, "get %s", name);
        if (type == 's') {
                r = sd_bus_get_property_string(bus, BUS_NAME, path, iface, name, &e, (char **) ret);
                return r < 0 ? bus_failed(&e, r, what) : 0;
        }
        r = sd_bus_get_property(bus, BUS_NAME, path, iface, name, &e, &reply, (char[]) { type, 0 });
        if (r < 0)
                return bus_failed(&e, r, what);
        if (type == 'b') {
                int b;
                r = sd_bus_message_read_basic(reply, 'b', &b);
                *(bool *) ret = b;
        } else
                r = sd_bus_message_read_basic(reply, type, ret);
        return r < 0 ? bus_failed(NULL, r, what) : 0;
}

static int set_prop(sd_bus *bus, const char *path, const char *iface, const char *name, const char *type, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        char what[128];
        va_list ap;
        int r;

        snprintf(what, sizeof what, "set %s", name);
        r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, path, "org.freedesktop.DBus.Properties", "Set");
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", iface, name);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', type);
        if (r >= 0) {
                va_start(ap, type);
                r = sd_bus_message_appendv(m, type, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_failed(NULL, r, what);
        r = sd_bus_call(bus, m, 0, &e, &reply);
        return r < 0 ? bus_failed(&e, r, what) : 0;
}

/* ---- verbs ------------------------------------------------------------------------ */

static int verb_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *version = NULL, *mode = NULL, *upstream = NULL;
        uint64_t interval = 0, delay = 0, last = 0, cycles = 0, rx = 0, bad = 0, dropped = 0;
        uint32_t report = 0;
        bool querier = false, quickleave = false;
        char b1[64], b2[64], b3[64];
        const char *s;
        int r;

        if (arg_json != JSON_OFF) {
                r = call(bus, BUS_PATH, BUS_INTERFACE, "Describe", &reply, "describe the daemon");
                if (r < 0)
                        return r;
                r = sd_bus_message_read(reply, "s", &s);
                return r < 0 ? bus_failed(NULL, r, "read Describe()") : print_json(s);
        }
        if ((r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "Version", 's', &version)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshMode", 's', &mode)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamInterface", 's', &upstream)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshIntervalUSec", 't', &interval)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "InitialDelayUSec", 't', &delay)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "ReportVersion", 'u', &report)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "QuickLeave", 'b', &quickleave)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "LastRefreshUSec", 't', &last)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshCycles", 't', &cycles)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerierSeen", 'b', &querier)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "PacketsReceived", 't', &rx)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "PacketsMalformed", 't', &bad)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "PacketsDropped", 't', &dropped)) < 0)
                return r;

        r = call(bus, BUS_PATH, BUS_INTERFACE, "ListInterfaces", &reply, "list interfaces");
        if (r < 0)
                return r;
        printf("         Version: %s\n", version);
        printf("        Upstream: %s\n", *upstream ? upstream : "(none)");
        r = sd_bus_message_enter_container(reply, 'a', "(sissibu)");
        for (;;) {
                const char *name, *role, *addr;
                int32_t idx, vif;
                int q;
                uint32_t groups;
                r = sd_bus_message_read(reply, "(sissibu)", &name, &idx, &role, &addr, &vif, &q, &groups);
                if (r <= 0)
                        break;
                if (strcmp(role, "downstream") == 0)
                        printf("      Downstream: %s (%s, %" PRIu32 " group%s%s)\n", name, addr, groups,
                               groups == 1 ? "" : "s", q ? ", querier" : "");
        }
        if (r < 0)
                return bus_failed(NULL, r, "read ListInterfaces()");
        printf("      Workaround: %s", mode);
        if (strcmp(mode, "no") != 0)
                printf(", IGMPv%" PRIu32 " reports every %s, first after %s", report,
                       fmt_timespan(b1, sizeof b1, interval), fmt_timespan(b2, sizeof b2, delay));
        printf("\n    Last refresh: %s (%" PRIu64 " cycle%s)\n", fmt_ago(b3, sizeof b3, last), cycles,
               cycles == 1 ? "" : "s");
        printf("Upstream querier: %s\n", querier ? "heard recently" : "none heard");
        printf("      QuickLeave: %s\n", quickleave ? "yes" : "no");
        printf("    IGMP packets: %" PRIu64 " received, %" PRIu64 " malformed, %" PRIu64 " dropped\n", rx, bad,
               dropped);
        return 0;
}

typedef struct Listener {
        const char *iface;
        uint32_t hosts;
} Listener;

typedef struct SourceRow {
        const char *source;
        uint64_t packets, bytes;
} SourceRow;

/* Ends a listing: the read error if any, else the JSON document or the legend line. */
static int list_finish(JsonWriter *j, int r, const char *what, unsigned n, const char *noun) {
        if (r < 0) {
                json_writer_done(j);
                return bus_failed(NULL, r, what);
        }
        if (arg_json != JSON_OFF) {
                _cleanup_(freep) char *text = NULL;
                json_end_array(j);
                json_end_object(j);
                text = json_steal(j);
                return text ? print_json(text) : -ENOMEM;
        }
        if (arg_legend)
                printf("\n%u %s%s listed.\n", n, noun, n == 1 ? "" : "s");
        return 0;
}

static int verb_groups(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        usec_t now = now_monotonic();
        JsonWriter j = {};
        unsigned n = 0;
        int r;

        r = call(bus, BUS_PATH, BUS_INTERFACE, "ListGroups", &reply, "list groups");
        if (r < 0)
                return r;
        if (arg_json != JSON_OFF) {
                json_begin_object(&j);
                json_key(&j, "Groups");
                json_begin_array(&j);
        } else if (arg_legend)
                printf("%-15s %-10s %-22s %-15s %10s %9s %11s %s\n", "GROUP", "STATE", "LISTENERS", "SOURCE",
                       "PACKETS", "BYTES", "AVG RATE", "JOINED");

        r = sd_bus_message_enter_container(reply, 'a', "(ssa(su)a(stt)tt)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssa(su)a(stt)tt")) > 0) {
                const char *group, *state;
                Listener ls[32];
                SourceRow ss[64];
                size_t nl = 0, ns = 0;
                uint64_t joined, last;
                char listeners[256] = "", b1[32], b2[32], b3[32], b4[48];

                if ((r = sd_bus_message_read(reply, "ss", &group, &state)) < 0 ||
                    (r = sd_bus_message_enter_container(reply, 'a', "(su)")) < 0)
                        break;
                while (nl < ELEMENTSOF(ls) &&
                       (r = sd_bus_message_read(reply, "(su)", &ls[nl].iface, &ls[nl].hosts)) > 0)
                        nl++;
                if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
                    (r = sd_bus_message_enter_container(reply, 'a', "(stt)")) < 0)
                        break;
                while (ns < ELEMENTSOF(ss) &&
                       (r = sd_bus_message_read(reply, "(stt)", &ss[ns].source, &ss[ns].packets, &ss[ns].bytes)) > 0)
                        ns++;
                if (r < 0 || (r = sd_bus_message_exit_container(reply)) < 0 ||
                    (r = sd_bus_message_read(reply, "tt", &joined, &last)) < 0 ||
                    (r = sd_bus_message_exit_container(reply)) < 0)
                        break;
                n++;

                if (arg_json != JSON_OFF) {
                        json_begin_object(&j);
                        json_key(&j, "Group");
                        json_string(&j, group);
                        json_key(&j, "State");
                        json_string(&j, state);
                        json_key(&j, "Listeners");
                        json_begin_array(&j);
                        for (size_t k = 0; k < nl; k++) {
                                json_begin_object(&j);
                                json_key(&j, "Interface");
                                json_string(&j, ls[k].iface);
                                json_key(&j, "Hosts");
                                json_uint(&j, ls[k].hosts);
                                json_end_object(&j);
                        }
                        json_end_array(&j);
                        json_key(&j, "Sources");
                        json_begin_array(&j);
                        for (size_t k = 0; k < ns; k++) {
                                json_begin_object(&j);
                                json_key(&j, "Source");
                                json_string(&j, ss[k].source);
                                json_key(&j, "Packets");
                                json_uint(&j, ss[k].packets);
                                json_key(&j, "Bytes");
                                json_uint(&j, ss[k].bytes);
                                json_end_object(&j);
                        }
                        json_end_array(&j);
                        json_key(&j, "JoinedUSec");
                        json_uint(&j, joined);
                        json_key(&j, "LastReportUSec");
                        json_uint(&j, last);
                        json_end_object(&j);
                        continue;
                }
                for (size_t k = 0, o = 0; k < nl && o < sizeof listeners - 1; k++)
                        o += (size_t) snprintf(listeners + o, sizeof listeners - o, "%s%s(%" PRIu32 ")",
                                               k ? "," : "", ls[k].iface, ls[k].hosts);
                /* One line per source; the first carries the group's columns. */
                for (size_t k = 0; k < MAX(ns, (size_t) 1); k++) {
                        usec_t span = joined && now > joined ? now - joined : 0;
                        bool first = k == 0;
                        printf("%-15s %-10s %-22s %-15s %10s %9s %11s %s\n", first ? group : "",
                               first ? state : "", first ? (nl ? listeners : "-") : "", ns ? ss[k].source : "-",
                               ns ? (snprintf(b1, sizeof b1, "%" PRIu64, ss[k].packets), b1) : "-",
                               ns ? fmt_bytes(b2, sizeof b2, ss[k].bytes) : "-",
                               ns ? fmt_rate(b3, sizeof b3, ss[k].bytes, span) : "-",
                               first ? (joined ? fmt_ago(b4, sizeof b4, joined) : "-") : "");
                }
        }
        return list_finish(&j, r, "read ListGroups()", n, "group");
}

static int verb_interfaces(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        JsonWriter j = {};
        unsigned n = 0;
        int r;

        r = call(bus, BUS_PATH, BUS_INTERFACE, "ListInterfaces", &reply, "list interfaces");
        if (r < 0)
                return r;
        if (arg_json != JSON_OFF) {
                json_begin_object(&j);
                json_key(&j, "Interfaces");
                json_begin_array(&j);
        } else if (arg_legend)
                printf("%3s %-15s %-10s %-15s %3s %-7s %6s\n", "IDX", "NAME", "ROLE", "ADDRESS", "VIF", "QUERIER",
                       "GROUPS");
        r = sd_bus_message_enter_container(reply, 'a', "(sissibu)");
        while (r >= 0) {
                const char *name, *role, *addr;
                int32_t idx, vif;
                int q;
                uint32_t groups;
                r = sd_bus_message_read(reply, "(sissibu)", &name, &idx, &role, &addr, &vif, &q, &groups);
                if (r <= 0)
                        break;
                n++;
                if (arg_json != JSON_OFF) {
                        json_begin_object(&j);
                        json_key(&j, "Name");
                        json_string(&j, name);
                        json_key(&j, "Index");
                        json_uint(&j, (uint64_t) idx);
                        json_key(&j, "Role");
                        json_string(&j, role);
                        json_key(&j, "Address");
                        json_string(&j, addr);
                        json_key(&j, "VIF");
                        json_uint(&j, (uint64_t) vif);
                        json_key(&j, "Querier");
                        json_bool(&j, q);
                        json_key(&j, "Groups");
                        json_uint(&j, groups);
                        json_end_object(&j);
                } else
                        printf("%3" PRIi32 " %-15s %-10s %-15s %3" PRIi32 " %-7s %6" PRIu32 "\n", idx, name, role, addr,
                               vif, strcmp(role, "downstream") != 0 ? "-" : q ? "yes" : "no", groups);
        }
        return list_finish(&j, r, "read ListInterfaces()", n, "interface");
}

static int verb_simple(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *method = strcmp(argv[0], "refresh") == 0 ? "RefreshNow"
                             : strcmp(argv[0], "reload") == 0 ? "Reload"
                                                              : "RescanInterfaces";
        char what[64];

        snprintf(what, sizeof what, "call %s()", method);
        return call(bus, BUS_PATH, BUS_INTERFACE, method, &reply, what);
}

static int verb_workaround(sd_bus *bus, int argc, char **argv) {
        const char *mode;
        int b;

        if (argc < 2) {
                _cleanup_(freep) char *cur = NULL;
                int r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshMode", 's', &cur);
                if (r >= 0)
                        printf("%s\n", cur);
                return r;
        }
        if (strcmp(argv[1], "auto") == 0)
                mode = "auto";
        else if ((b = parse_boolean(argv[1])) >= 0)
                mode = b ? "yes" : "no";
        else {
                fprintf(stderr, "Invalid workaround mode '%s': expected on, off or auto.\n", argv[1]);
                return ERR_USAGE;
        }
        return set_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshMode", "s", mode);
}

static int verb_interval(sd_bus *bus, int argc, char **argv) {
        usec_t t;
        char b[32];

        if (argc < 2) {
                uint64_t cur = 0;
                int r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshIntervalUSec", 't', &cur);
                if (r >= 0)
                        printf("%s\n", fmt_timespan(b, sizeof b, cur));
                return r;
        }
        if (parse_timespan(argv[1], &t) < 0) {
                fprintf(stderr, "Invalid interval '%s': expected seconds or a time span like 30s, 2min.\n", argv[1]);
                return ERR_USAGE;
        }
        return set_prop(bus, BUS_PATH, BUS_INTERFACE, "RefreshIntervalUSec", "t", (uint64_t) t);
}

static int verb_log_level(sd_bus *bus, int argc, char **argv) {
        if (argc < 2) {
                _cleanup_(freep) char *cur = NULL;
                int r = get_prop(bus, LOG_PATH, LOG_INTERFACE, "LogLevel", 's', &cur);
                if (r >= 0)
                        printf("%s\n", cur);
                return r;
        }
        return set_prop(bus, LOG_PATH, LOG_INTERFACE, "LogLevel", "s", argv[1]);
}

/* ---- main ------------------------------------------------------------------------------ */

typedef struct Verb {
        const char *name;
        int min_args, max_args; /* including the verb */
        int (*run)(sd_bus *bus, int argc, char **argv);
} Verb;

static const Verb verbs[] = {
        { "status", 1, 1, verb_status },
        { "groups", 1, 1, verb_groups },
        { "interfaces", 1, 1, verb_interfaces },
        { "refresh", 1, 1, verb_simple },
        { "reload", 1, 1, verb_simple },
        { "rescan", 1, 1, verb_simple },
        { "workaround", 1, 2, verb_workaround },
        { "interval", 1, 2, verb_interval },
        { "log-level", 1, 2, verb_log_level },
};

static void help(void) {
        printf("Usage: igmpproxyctl [OPTIONS] [COMMAND]\n"
               "\n"
               "Query and control the igmpproxy daemon (Movistar+ edition).\n"
               "\n"
               "Commands:\n"
               "  status                 Show the daemon's state (default)\n"
               "  groups                 List multicast groups, listeners and forwarded sources\n"
               "  interfaces             List the interfaces in use\n"
               "  refresh                Send one refresh cycle upstream now\n"
               "  reload                 Re-read the configuration file\n"
               "  rescan                 Look for configured interfaces again\n"
               "  workaround [on|off|auto]\n"
               "                         Show or set the refresh workaround (until reload)\n"
               "  interval [SECONDS|TIMESPAN]\n"
               "                         Show or set the refresh interval (until reload)\n"
               "  log-level [LEVEL]      Show or set the daemon's log level\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json=pretty|short|off\n"
               "                         JSON output (status, groups, interfaces)\n"
               "     --no-legend         Do not print the column headers and the footer\n"
               "     --no-pager          Accepted for compatibility; output is never paged\n"
               "\n"
               "See igmpproxyctl(1) and org.igmpproxy.Movistar(5).\n");
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_JSON, ARG_NO_LEGEND, ARG_NO_PAGER };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", required_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const Verb *verb = NULL;
        char *dflt[] = { (char *) "status", NULL };
        int c, r, nargs;
        char **args;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("igmpproxyctl %s (Movistar+ edition)\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        if (strcmp(optarg, "pretty") == 0)
                                arg_json = JSON_PRETTY;
                        else if (strcmp(optarg, "short") == 0)
                                arg_json = JSON_SHORT;
                        else if (strcmp(optarg, "off") == 0)
                                arg_json = JSON_OFF;
                        else {
                                fprintf(stderr, "Unknown --json= mode '%s' (pretty, short or off).\n", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_PAGER:
                        break;
                default:
                        fprintf(stderr, "Try 'igmpproxyctl --help'.\n");
                        return EXIT_USAGE;
                }

        args = optind < argc ? argv + optind : dflt;
        nargs = optind < argc ? argc - optind : 1;
        for (size_t k = 0; k < ELEMENTSOF(verbs); k++)
                if (strcmp(verbs[k].name, args[0]) == 0)
                        verb = &verbs[k];
        if (!verb) {
                fprintf(stderr, "Unknown command '%s'. Try 'igmpproxyctl --help'.\n", args[0]);
                return EXIT_USAGE;
        }
        if (nargs < verb->min_args || nargs > verb->max_args) {
                fprintf(stderr, "Wrong number of arguments for '%s'. Try 'igmpproxyctl --help'.\n", verb->name);
                return EXIT_USAGE;
        }

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                char why[128];

                snprintf(why, sizeof why, "cannot connect to the system bus: %s", strerror(-r));
                return not_reachable(why) == ERR_NO_BUS_NAME ? EXIT_NO_BUS_NAME : EXIT_NOT_RUNNING;
        }
        (void) sd_bus_set_method_call_timeout(bus, 10 * USEC_PER_SEC);

        r = verb->run(bus, nargs, args);
        if (r == -EHOSTDOWN)
                return EXIT_NOT_RUNNING;
        if (r == ERR_NO_BUS_NAME)
                return EXIT_NO_BUS_NAME;
        if (r == ERR_USAGE)
                return EXIT_USAGE;
        return r < 0 ? 1 : 0;
}
