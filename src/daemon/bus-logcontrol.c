/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-logcontrol.c - org.freedesktop.LogControl1 on /org/freedesktop/LogControl1
 * ("systemctl service-log-level/-target igmpproxy"), and the access check
 * every change over D-Bus goes through (bus_check_privileged). Not here:
 * org.igmpproxy.Movistar and the connection (bus.c).
 */
#include "bus-internal.h"

#include <errno.h>
#include <unistd.h>

#include "log.h"

int bus_check_privileged(sd_bus_message *msg, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        /* On dbus-daemon the bus reports the peer's effective uid (SO_PEERCRED)
         * as UnixUserID: trusted, unlike what /proc would tell. */
        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid == 0 || uid == getuid() || bus_polkit_authorized(msg))
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Changing igmpproxy needs root (uid %u may only read)", (unsigned) uid);
}

int bus_read_privileged(sd_bus_message *value, sd_bus_error *error, char type, void *ret) {
        int r = bus_check_privileged(value, error);

        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(value, type, ret);
        return r < 0 ? r : r == 0 ? -EBADMSG : 0;
}

static int property_get_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_level_to_string(log_max_level));
}

static int property_set_log_level(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
        const char *s;
        int level, r;

        r = bus_read_privileged(value, error, 's', &s);
        if (r < 0)
                return r;
        level = log_level_from_string(s);
        if (level < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid log level '%s' (emerg, alert, crit, err, warning, notice, info, debug)", s);
        log_info("Log level set to %s over D-Bus", log_level_to_string(level));
        log_max_level = level;
        return sd_bus_emit_properties_changed(bus, LOG_PATH, LOG_INTERFACE, "LogLevel", NULL);
}

static int property_get_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", log_target_to_string(log_get_target()));
}

static int property_set_log_target(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *value, void *userdata, sd_bus_error *error) {
        const char *s;
        int t, r;

        r = bus_read_privileged(value, error, 's', &s);
        if (r < 0)
                return r;
        t = log_target_from_string(s);
        if (t < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid log target '%s' (auto, console, journal)", s);
        log_setup((LogTarget) t);
        log_info("Log target set to %s over D-Bus", log_target_to_string(log_get_target()));
        return sd_bus_emit_properties_changed(bus, LOG_PATH, LOG_INTERFACE, "LogTarget", NULL);
}

static int property_get_syslog_identifier(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "igmpproxy");
}

const sd_bus_vtable bus_log_control_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("LogLevel", "s", property_get_log_level, property_set_log_level, 0, RW_CHANGE),
        SD_BUS_WRITABLE_PROPERTY("LogTarget", "s", property_get_log_target, property_set_log_target, 0, RW_CHANGE),
        SD_BUS_PROPERTY("SyslogIdentifier", "s", property_get_syslog_identifier, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END
};

