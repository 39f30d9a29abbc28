/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl-util.c - igmpproxyctl's helpers: human formatting of times, sizes and
 * rates, --json output, and D-Bus calls and property access that report
 * failures the way the tool's exit status promises. No verb lives here.
 */
#include "ctl.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"

JsonMode arg_json = JSON_OFF;
bool arg_legend = true;

usec_t now_monotonic(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

const char *fmt_timespan(char *buf, size_t n, usec_t t) {
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

const char *fmt_ago(char *buf, size_t n, usec_t mono) {
        usec_t now = now_monotonic();
        char t[32];

        if (mono == 0)
                snprintf(buf, n, "never");
        else
                snprintf(buf, n, "%s ago", fmt_timespan(t, sizeof t, now > mono ? now - mono : 0));
        return buf;
}

/* 1024-based, like systemd's format_bytes(): 512B, 1.5K, 12.3M. */
const char *fmt_bytes(char *buf, size_t n, uint64_t b) {
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
const char *fmt_rate(char *buf, size_t n, uint64_t bytes, usec_t span) {
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

/* Ends a listing: the read error if any, else the JSON document or the legend line. */
int list_finish(JsonWriter *j, int r, const char *what, unsigned n, const char *noun) {
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

int print_json(const char *text) {
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

int not_reachable(const char *why) {
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

int bus_failed(const sd_bus_error *e, int r, const char *what) {
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return not_reachable(BUS_NAME " not on the system bus");
        fprintf(stderr, "Failed to %s: %s\n", what, e && e->message ? e->message : strerror(-r));
        return r < 0 ? r : -EIO;
}

int call(sd_bus *bus, const char *path, const char *iface, const char *method, sd_bus_message **ret,
                const char *what) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BUS_NAME, path, iface, method, &e, ret, NULL);
        if (r < 0)
                return bus_failed(&e, r, what);
        return 0;
}

int get_prop(sd_bus *bus, const char *path, const char *iface, const char *name, char type, void *ret) {
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

int set_prop(sd_bus *bus, const char *path, const char *iface, const char *name, const char *type, ...) {
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

