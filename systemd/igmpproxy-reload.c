/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmpproxy-reload.c - a synchronous "systemctl reload igmpproxy" on
 * systemd 252, where Type=notify does not wait for RELOADING=1/READY=1 (that
 * is Type=notify-reload, systemd 253): the reload job ends when ExecReload=
 * exits, so ExecReload= itself must wait. The unit runs
 *
 *     ExecReload=+/usr/libexec/igmpproxy-reload $MAINPID
 *
 * It sends SIGHUP to the daemon and returns once the daemon has logged the
 * outcome, which it does for every reload, with a MESSAGE_ID of its own
 * (src/messages.h): "configuration reloaded" -> exit 0; "configuration
 * rejected, old one kept" -> the daemon's message on stderr, exit 1, so that
 * systemctl reports the failed reload. It fails at once if the daemon exits
 * meanwhile (a pidfd), and after --timeout (default 30 s). Only journal
 * entries of that PID, written after the signal was sent, count. It waits on
 * the journal's inotify descriptor: no polling, no sleep.
 *
 * What it does not do: read the configuration, talk to D-Bus, or need
 * anything from the daemon beyond the journal entries it writes anyway. It
 * needs read access to the system journal (root, hence the "+" in the unit,
 * or the systemd-journal group). When the D-Bus Reload() method exists, a
 * busctl call can replace it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "messages.h"

#define USEC_PER_SEC 1000000ULL

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int pidfd_open_compat(pid_t pid) {
#ifdef SYS_pidfd_open
        return (int) syscall(SYS_pidfd_open, pid, 0);
#else
        errno = ENOSYS;
        return -1;
#endif
}

/* The process is gone (or a zombie: kill(0) would still succeed on those). */
static bool process_gone(pid_t pid) {
        char path[64], line[128];
        bool gone = true;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return true;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "State:", 6) == 0) {
                        gone = strchr(line, 'Z') != NULL || strchr(line, 'X') != NULL;
                        break;
                }
        fclose(f);
        return gone;
}

/* Copies the value of FIELD= of the current entry into buf (empty if absent). */
static void entry_field(sd_journal *j, const char *field, char *buf, size_t size) {
        const void *data;
        size_t len, flen = strlen(field);

        buf[0] = 0;
        if (sd_journal_get_data(j, field, &data, &len) < 0 || len <= flen + 1)
                return;
        len -= flen + 1;
        if (len >= size)
                len = size - 1;
        memcpy(buf, (const char *) data + flen + 1, len);
        buf[len] = 0;
}

static void help(void) {
        printf("Usage: igmpproxy-reload [--timeout=SEC] PID\n"
               "\n"
               "Sends SIGHUP to the igmpproxy daemon PID and waits until it has logged the\n"
               "outcome of the reload to the journal. Exit 0 if the new configuration is in\n"
               "force, 1 if it was rejected (the old one is kept), the daemon exited, or no\n"
               "outcome was logged within the timeout (default 30 s).\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "timeout", required_argument, NULL, 't' },
                {}
        };
        sd_journal *j = NULL;
        sd_id128_t this_boot;
        unsigned long timeout_sec = 30;
        uint64_t t0, deadline;
        char match[64], *end;
        int c, r, jfd, pidfd, rc = 1;
        long pid;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 't':
                        errno = 0;
                        timeout_sec = strtoul(optarg, &end, 10);
                        if (errno || *end || timeout_sec == 0 || timeout_sec > 3600) {
                                fprintf(stderr, "Invalid --timeout '%s' (1..3600 seconds).\n", optarg);
                                return 2;
                        }
                        break;
                default:
                        return 2;
                }
        if (optind != argc - 1) {
                fprintf(stderr, "Expected exactly one argument, the daemon's PID ($MAINPID).\n");
                return 2;
        }
        errno = 0;
        pid = strtol(argv[optind], &end, 10);
        if (errno || *end || pid <= 1 || pid > 0x3fffffff) {
                fprintf(stderr, "Invalid PID '%s'.\n", argv[optind]);
                return 2;
        }

        r = sd_id128_get_boot(&this_boot);
        if (r < 0) {
                fprintf(stderr, "Failed to read the boot ID: %s\n", strerror(-r));
                return 1;
        }
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "Failed to open the journal: %s\n", strerror(-r));
                return 1;
        }
        /* Before reading anything, so that no change is missed. */
        jfd = sd_journal_get_fd(j);
        if (jfd < 0) {
                fprintf(stderr, "Failed to watch the journal: %s\n", strerror(-jfd));
                goto out;
        }
        snprintf(match, sizeof match, "_PID=%ld", pid);
        if ((r = sd_journal_add_match(j, match, 0)) < 0 ||
            (r = sd_journal_add_match(j, "MESSAGE_ID=" MSG_CONFIG_RELOADED, 0)) < 0 ||
            (r = sd_journal_add_match(j, "MESSAGE_ID=" MSG_CONFIG_REJECTED, 0)) < 0) {
                fprintf(stderr, "Failed to add journal matches: %s\n", strerror(-r));
                goto out;
        }
        /* Start after the last entry that exists now. */
        if ((r = sd_journal_seek_tail(j)) < 0 || (r = sd_journal_previous(j)) < 0) {
                fprintf(stderr, "Failed to seek the journal: %s\n", strerror(-r));
                goto out;
        }

        pidfd = pidfd_open_compat((pid_t) pid);
        t0 = now_usec();
        deadline = t0 + timeout_sec * USEC_PER_SEC;
        if (kill((pid_t) pid, SIGHUP) < 0) {
                fprintf(stderr, "Failed to send SIGHUP to PID %ld: %m\n", pid);
                goto out;
        }

        for (;;) {
                uint64_t now, mono = 0, jtimeout = (uint64_t) -1;
                struct pollfd p[2];
                int n = 1, ms;

                /* Every new entry of that PID with one of the two IDs. */
                while ((r = sd_journal_next(j)) > 0) {
                        char id[40], msg[1024];
                        sd_id128_t boot;

                        /* Only what was logged after the signal, in this boot. */
                        if (sd_journal_get_monotonic_usec(j, &mono, &boot) < 0 ||
                            !sd_id128_equal(boot, this_boot) || mono < t0)
                                continue;
                        entry_field(j, "MESSAGE_ID", id, sizeof id);
                        entry_field(j, "MESSAGE", msg, sizeof msg);
                        if (strcmp(id, MSG_CONFIG_RELOADED) == 0) {
                                rc = 0;
                                goto out;
                        }
                        if (strcmp(id, MSG_CONFIG_REJECTED) == 0) {
                                fprintf(stderr, "%s\n", msg[0] ? msg : "Configuration rejected, old one kept.");
                                goto out;
                        }
                }
                if (r < 0) {
                        fprintf(stderr, "Failed to read the journal: %s\n", strerror(-r));
                        goto out;
                }
                if (process_gone((pid_t) pid)) {
                        fprintf(stderr, "igmpproxy (PID %ld) exited during the reload.\n", pid);
                        goto out;
                }
                now = now_usec();
                if (now >= deadline) {
                        fprintf(stderr,
                                "igmpproxy (PID %ld) logged no reload outcome within %lu s "
                                "(is it logging to the journal? see journalctl -u igmpproxy).\n",
                                pid, timeout_sec);
                        goto out;
                }
                p[0] = (struct pollfd) { .fd = jfd, .events = (short) sd_journal_get_events(j) };
                if (pidfd >= 0)
                        p[n++] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
                (void) sd_journal_get_timeout(j, &jtimeout);
                ms = (int) ((deadline - now + 999) / 1000);
                if (jtimeout != (uint64_t) -1) {
                        /* jtimeout is an absolute CLOCK_MONOTONIC time. */
                        uint64_t jms = jtimeout > now ? (jtimeout - now + 999) / 1000 : 0;
                        if (jms < (uint64_t) ms)
                                ms = (int) jms;
                }
                /* Without a pidfd (kernel < 5.3), look at the process every 200 ms. */
                if (pidfd < 0 && ms > 200)
                        ms = 200;
                if (poll(p, (nfds_t) n, ms) < 0 && errno != EINTR) {
                        fprintf(stderr, "poll() failed: %m\n");
                        goto out;
                }
                r = sd_journal_process(j);
                if (r < 0) {
                        fprintf(stderr, "Failed to process journal changes: %s\n", strerror(-r));
                        goto out;
                }
        }
out:
        sd_journal_close(j);
        return rc;
}
