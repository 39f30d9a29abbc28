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
 * down): told apart by looking for its process in /proc (ctl-util.c).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "build-config.h"
#include "ctl.h"

/* ---- verbs ------------------------------------------------------------------------ */

static int verb_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *version = NULL, *mode = NULL, *upstream = NULL, *qaddr = NULL;
        uint64_t interval = 0, delay = 0, last = 0, cycles = 0, rx = 0, bad = 0, dropped = 0, qqi = 0, heard = 0;
        uint32_t report = 0, qversion = 0, qrv = 0, now_version = 0;
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
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "PacketsDropped", 't', &dropped)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerier", 's', &qaddr)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerierVersion", 'u', &qversion)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerierRobustness", 'u', &qrv)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerierIntervalUSec", 't', &qqi)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamQuerierLastHeardUSec", 't', &heard)) < 0 ||
            (r = get_prop(bus, BUS_PATH, BUS_INTERFACE, "UpstreamReportVersion", 'u', &now_version)) < 0)
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
        if (*qaddr) {
                printf("Upstream querier: %s, IGMPv%" PRIu32, qaddr, qversion);
                if (qrv)
                        printf(", QRV %" PRIu32, qrv);
                if (qqi)
                        printf(", query interval %s", fmt_timespan(b1, sizeof b1, qqi));
                printf(", last heard %s%s\n", fmt_ago(b2, sizeof b2, heard), querier ? "" : " (gone)");
        } else
                printf("Upstream querier: none heard\n");
        printf("  Upstream reports: IGMPv%" PRIu32 "%s\n", now_version,
               now_version < report ? " (an older querier is present, RFC 3376 7.2.1)" : "");
        printf("      QuickLeave: %s\n", quickleave ? "yes" : "no");
        printf("    IGMP packets: %" PRIu64 " received, %" PRIu64 " malformed, %" PRIu64 " dropped\n", rx, bad,
               dropped);
        return 0;
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
                        if (vif < 0) /* waiting: it got no VIF */
                                json_null(&j);
                        else
                                json_uint(&j, (uint64_t) vif);
                        json_key(&j, "Querier");
                        json_bool(&j, q);
                        json_key(&j, "Groups");
                        json_uint(&j, groups);
                        json_end_object(&j);
                } else if (vif < 0)
                        printf("%3" PRIi32 " %-15s %-10s %-15s %3s %-7s %6s\n", idx, name, role, addr, "-", "-",
                               "waiting (no VIF)");
                else
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
        { "group", 2, 2, verb_group },
        { "interfaces", 1, 1, verb_interfaces },
        { "refresh", 1, 1, verb_simple },
        { "reload", 1, 1, verb_simple },
        { "rescan", 1, 1, verb_simple },
        { "workaround", 1, 2, verb_workaround },
        { "interval", 1, 2, verb_interval },
        { "log-level", 1, 2, verb_log_level },
        { "doctor", 1, 1, verb_doctor },
        { "monitor", 1, 1, verb_monitor },
};

static void help(void) {
        printf("Usage: igmpproxyctl [OPTIONS] [COMMAND]\n"
               "\n"
               "Query and control the igmpproxy daemon (Movistar+ edition).\n"
               "\n"
               "Commands:\n"
               "  status                 Show the daemon's state (default)\n"
               "  groups                 List multicast groups, listeners, forwarded sources and\n"
               "                         the source filters other than any source\n"
               "  group GROUP            Show one group: the filter reported upstream, and per\n"
               "                         interface the filter mode, hosts, timers and sources\n"
               "  interfaces             List the interfaces in use\n"
               "  refresh                Send one refresh cycle upstream now\n"
               "  reload                 Re-read the configuration file\n"
               "  rescan                 Look for configured interfaces again\n"
               "  workaround [on|off|auto]\n"
               "                         Show or set the refresh workaround (until reload)\n"
               "  interval [SECONDS|TIMESPAN]\n"
               "                         Show or set the refresh interval (until reload)\n"
               "  log-level [LEVEL]      Show or set the daemon's log level\n"
               "  doctor                 Check the router's setup for Movistar+ TV, with fixes\n"
               "  monitor                Show the daemon's events as they happen\n"
               "\n"
               "Options:\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --json=pretty|short|off\n"
               "                         JSON output (status, groups, group, interfaces,\n"
               "                         doctor, monitor: one object a line)\n"
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
        if (r < 0 && verb->run == verb_doctor)
                return verb_doctor(NULL, nargs, args) < 0 ? 1 : 0; /* the kernel's checks still count */
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
