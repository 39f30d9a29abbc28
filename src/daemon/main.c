/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - command line, configuration, and the event loop.
 *
 * Compatible with igmpproxy's command line: igmpproxy [-h] [-n] [-d]
 * [-v [-v]] [CONFIG]. The daemon never forks (systemd supervises it);
 * -n is accepted for compatibility.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "build-config.h"
#include "bus.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "preflight.h"
#include "test-hooks.h"

#include <systemd/sd-daemon.h>

static void help(void) {
        printf("Usage: igmpproxy [OPTIONS] [CONFIG]\n"
               "\n"
               "IGMP proxy (RFC 4605) that keeps Movistar+ IPTV streams alive.\n"
               "\n"
               "  -h --help          Show this help\n"
               "     --version       Show the version\n"
               "  -n --no-daemon     Accepted for compatibility; the daemon never forks\n"
               "  -v --verbose       Log debug messages too (listeners, refresh cycles, queries);\n"
               "                     twice: also every IGMP packet received and sent\n"
               "  -d --debug         Same as -v -v\n"
               "  -t --test-config   Check the configuration, print it and exit\n"
               "     --log-target=auto|console|journal\n"
               "                     Where log messages go (default: auto)\n"
               "     --no-bus        Do not connect to the system bus (no D-Bus API)\n"
               "\n"
               "CONFIG defaults to %s.\n",
               DEFAULT_CONFIG_PATH);
}

/* The bus goes before the manager it observes. */
static void daemon_freep(Manager **m) {
        if (*m)
                bus_close(*m);
        manager_free(*m);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "no-daemon", no_argument, NULL, 'n' },
                { "debug", no_argument, NULL, 'd' },
                { "verbose", no_argument, NULL, 'v' },
                { "test-config", no_argument, NULL, 't' },
                { "log-target", required_argument, NULL, 'L' },
                { "no-bus", no_argument, NULL, 'B' },
                {}
        };
        _cleanup_(daemon_freep) Manager *m = NULL;
        _cleanup_(freep) char *error = NULL;
        Config *config = NULL;
        const char *path = DEFAULT_CONFIG_PATH;
        bool test_config = false, use_bus = true;
        LogTarget target = LOG_TARGET_AUTO;
        int c, r, verbose = 0;

        while ((c = getopt_long(argc, argv, "hndvt", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'V':
                        printf("igmpproxy %s (Movistar+ edition)%s\n", PACKAGE_VERSION,
                               test_hooks_built ? " [test hooks built in]" : "");
                        return 0;
                case 'n':
                        break;
                case 'd':
                        verbose = 2;
                        break;
                case 'v':
                        verbose++;
                        break;
                case 't':
                        test_config = true;
                        break;
                case 'B':
                        use_bus = false;
                        break;
                case 'L':
                        r = log_target_from_string(optarg);
                        if (r < 0) {
                                fprintf(stderr, "Unknown log target '%s' (auto, console or journal).\n", optarg);
                                return 2;
                        }
                        target = (LogTarget) r;
                        break;
                default:
                        fprintf(stderr, "Try 'igmpproxy --help'.\n");
                        return 2;
                }
        if (optind < argc - 1) {
                fprintf(stderr, "Too many arguments; only one configuration file may be given.\n");
                return 2;
        }
        if (optind < argc)
                path = argv[optind];
        /* Default info; -v debug; -vv debug and a line per IGMP packet. */
        log_max_level = verbose >= 1 ? LOG_DEBUG : LOG_INFO;
        log_trace_packets = verbose >= 2;
        log_setup(target);

        r = config_load(path, &config, &error);
        if (r < 0) {
                if (test_config)
                        fprintf(stderr, "%s\n", error ? error : strerror(-r));
                else
                        log_error("%s", error ? error : strerror(-r));
                (void) sd_notifyf(false, "STATUS=Invalid configuration: %s\nERRNO=%d", error ? error : "", -r);
                return 1;
        }
        if (config->warnings)
                fprintf(stderr, "%s", config->warnings);
        if (test_config) {
                _cleanup_(freep) char *dump = config_to_string(config);
                char why[256];
                printf("%s: configuration OK\n%s", path, dump ? dump : "");
                config_free(config);
                /* The service runs as its own user: a file only root can read
                 * passes here and fails there (umask 077). */
                r = preflight_user_can_read(path, SERVICE_USER, why, sizeof why);
                if (r > 0)
                        fprintf(stderr, "The service's user %s can read %s.\n", SERVICE_USER, path);
                else if (r == 0)
                        fprintf(stderr,
                                "Warning: the service's user %s cannot read %s: %s. igmpproxy.service would fail to "
                                "start; make it readable, e.g. chmod 0644 %s (or chgrp %s and chmod 0640).\n",
                                SERVICE_USER, path, why, path, SERVICE_USER);
                else
                        fprintf(stderr, "Whether the service's user %s can read %s: %s.\n", SERVICE_USER, path, why);
                return 0;
        }

        r = manager_new(config, path, &m);
        if (r < 0) {
                config_free(config);
                fprintf(stderr, "Failed to allocate the manager: %s\n", strerror(-r));
                return 1;
        }
        r = manager_start(m);
        if (r < 0) {
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
                return 1;
        }
        /* The name before READY=1, so that clients started after us find it. A
         * router without dbus must still work: no bus is a warning, not a failure. */
        if (use_bus && bus_open(m) < 0)
                log_warning("Running without D-Bus: igmpproxyctl and busctl will not reach this daemon");
        log_info("igmpproxy %s started", PACKAGE_VERSION);
        /* VIFs exist, the socket is bound, the configuration applied. */
        manager_update_status(m);
        (void) sd_notify(false, "READY=1");
        r = manager_run(m);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return 1;
        }
        return 0;
}
