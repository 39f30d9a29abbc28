/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * monitor.c - igmpproxyctl monitor: the daemon's D-Bus signals as they come,
 * one line each with the wall-clock time of receipt: joins and leaves,
 * refresh cycles, stalls, interfaces in and out of service, querier changes,
 * refused streams, property changes, and the daemon appearing on or leaving
 * the bus. --json: one object a line.
 *
 * It only listens: it calls no method and keeps no state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"

/* Argument names of the signals (as in the introspection XML); a signal
 * not listed here is still shown, its arguments as arg0, arg1, ... */
static const struct {
        const char *member;
        const char *names[4];
} arg_names[] = {
        { "GroupJoined", { "group", "interface" } },
        { "GroupLeft", { "group", "interface" } },
        { "RefreshCompleted", { "groups" } },
        { "StreamStalled", { "group" } },
        { "InterfaceChanged", { "interface", "role", "in_service", "reason" } },
        { "QuerierChanged", { "interface", "querier", "state" } },
        { "StreamRejected", { "source", "group" } },
};

typedef struct Line {
        JsonWriter j;
        char text[1024];
        size_t o;
} Line;

static void line_begin(Line *l, const char *event) {
        struct timespec ts;
        struct tm tm;
        char stamp[64];

        clock_gettime(CLOCK_REALTIME, &ts);
        localtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        *l = (Line) {};
        if (arg_json != JSON_OFF) {
                json_begin_object(&l->j);
                json_key(&l->j, "Timestamp");
                snprintf(stamp + strlen(stamp), sizeof stamp - strlen(stamp), ".%06ld", ts.tv_nsec / 1000);
                json_string(&l->j, stamp);
                json_key(&l->j, "RealtimeUSec");
                json_uint(&l->j, (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000);
                json_key(&l->j, "Event");
                json_string(&l->j, event);
        } else {
                stamp[10] = ' ';
                l->o = (size_t) snprintf(l->text, sizeof l->text, "%s.%03ld %s", stamp, ts.tv_nsec / 1000000, event);
        }
}

static void line_str(Line *l, const char *key, const char *value) {
        if (arg_json != JSON_OFF) {
                json_key(&l->j, key);
                json_string(&l->j, value);
        } else if (l->o < sizeof l->text) {
                bool quote = !*value || strpbrk(value, " \"");
                l->o += (size_t) snprintf(l->text + l->o, sizeof l->text - l->o, quote ? " %s=\"%s\"" : " %s=%s", key,
                                          value);
        }
}

static void line_uint(Line *l, const char *key, uint64_t v) {
        char b[32];

        if (arg_json != JSON_OFF) {
                json_key(&l->j, key);
                json_uint(&l->j, v);
        } else {
                snprintf(b, sizeof b, "%" PRIu64, v);
                line_str(l, key, b);
        }
}

static void line_bool(Line *l, const char *key, bool v) {
        if (arg_json != JSON_OFF) {
                json_key(&l->j, key);
                json_bool(&l->j, v);
        } else
                line_str(l, key, v ? "yes" : "no");
}

static void line_end(Line *l) {
        if (arg_json != JSON_OFF) {
                _cleanup_(freep) char *text = NULL;
                json_end_object(&l->j);
                text = json_steal(&l->j);
                if (text)
                        printf("%s\n", text);
        } else
                printf("%s\n", l->text);
        fflush(stdout);
}

/* Reads one basic value into the line; false at the end or on a container. */
static bool add_basic(Line *l, sd_bus_message *m, const char *key) {
        const char *contents;
        char type;
        union {
                const char *s;
                uint32_t u;
                int32_t i;
                uint64_t t;
                int b;
                uint8_t y;
        } v;

        if (sd_bus_message_peek_type(m, &type, &contents) <= 0)
                return false;
        switch (type) {
        case 's':
        case 'o':
                if (sd_bus_message_read_basic(m, type, &v.s) < 0)
                        return false;
                line_str(l, key, v.s);
                return true;
        case 'u':
                if (sd_bus_message_read_basic(m, type, &v.u) < 0)
                        return false;
                line_uint(l, key, v.u);
                return true;
        case 't':
                if (sd_bus_message_read_basic(m, type, &v.t) < 0)
                        return false;
                line_uint(l, key, v.t);
                return true;
        case 'i':
                if (sd_bus_message_read_basic(m, type, &v.i) < 0)
                        return false;
                line_uint(l, key, (uint64_t) (int64_t) v.i);
                return true;
        case 'y':
                if (sd_bus_message_read_basic(m, type, &v.y) < 0)
                        return false;
                line_uint(l, key, v.y);
                return true;
        case 'b':
                if (sd_bus_message_read_basic(m, type, &v.b) < 0)
                        return false;
                line_bool(l, key, v.b);
                return true;
        default:
                line_str(l, key, "...");
                (void) sd_bus_message_skip(m, NULL);
                return false;
        }
}

/* PropertiesChanged: the names and basic values of what changed. */
static void on_properties(sd_bus_message *m, Line *l) {
        const char *iface, *name;

        if (sd_bus_message_read(m, "s", &iface) < 0)
                return;
        line_str(l, "interface", iface);
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *contents;
                if (sd_bus_message_read(m, "s", &name) < 0 || sd_bus_message_peek_type(m, NULL, &contents) < 0 ||
                    sd_bus_message_enter_container(m, 'v', contents) < 0)
                        return;
                (void) add_basic(l, m, name);
                if (sd_bus_message_exit_container(m) < 0 || sd_bus_message_exit_container(m) < 0)
                        return;
        }
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *member = sd_bus_message_get_member(m), *iface = sd_bus_message_get_interface(m);
        const char *const *names = NULL;
        Line l;

        if (!member || !iface)
                return 0;
        if (strcmp(iface, "org.freedesktop.DBus") == 0) {
                const char *name, *old, *new;
                if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || strcmp(name, BUS_NAME) != 0)
                        return 0;
                line_begin(&l, *new ? "DaemonStarted" : "DaemonStopped");
                line_str(&l, "name", name);
                line_end(&l);
                return 0;
        }
        if (strcmp(iface, "org.freedesktop.DBus.Properties") == 0) {
                if (strcmp(member, "PropertiesChanged") != 0)
                        return 0;
                line_begin(&l, member);
                on_properties(m, &l);
                line_end(&l);
                return 0;
        }
        if (strcmp(iface, BUS_INTERFACE) != 0)
                return 0;
        for (size_t k = 0; k < ELEMENTSOF(arg_names); k++)
                if (strcmp(arg_names[k].member, member) == 0)
                        names = arg_names[k].names;
        line_begin(&l, member);
        for (size_t k = 0;; k++) {
                char key[16];
                if (!names || k >= 4 || !names[k])
                        snprintf(key, sizeof key, "arg%zu", k);
                if (!add_basic(&l, m, names && k < 4 && names[k] ? names[k] : key))
                        break;
        }
        line_end(&l);
        return 0;
}

int verb_monitor(sd_bus *bus, int argc, char **argv) {
        static const char *const matches[] = {
                "type='signal',path='" BUS_PATH "'",
                "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
                "member='NameOwnerChanged',arg0='" BUS_NAME "'",
        };
        int r;

        for (size_t k = 0; k < ELEMENTSOF(matches); k++) {
                r = sd_bus_add_match(bus, NULL, matches[k], on_signal, NULL);
                if (r < 0)
                        return bus_failed(NULL, r, "subscribe to the daemon's signals");
        }
        fprintf(stderr, "Monitoring %s%s (Ctrl-C to stop).\n", BUS_NAME,
                sd_bus_get_name_creds(bus, BUS_NAME, 0, NULL) >= 0 ? "" : ", not running now");
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return bus_failed(NULL, r, "read from the bus");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return bus_failed(NULL, r, "wait on the bus");
        }
}
