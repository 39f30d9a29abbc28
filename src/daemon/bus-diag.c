/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-diag.c - the members of org.igmpproxy.Movistar that exist for
 * diagnosis (igmpproxyctl doctor and monitor): the streams refused by the
 * AltNet= rule, and the signals InterfaceChanged, QuerierChanged and
 * StreamRejected (emitted through the ManagerNotifier bus.c registers). A second vtable on the same object and interface as bus.c's
 * (sd-bus merges them; introspection shows one interface), so that bus.c
 * stays the home of the settings and the listings.
 *
 * What it does not do: change anything, or decide anything; it reads the
 * manager (m->rejected, filled by manager-effects.c) and the core's stats.
 */
#include "bus-internal.h"

#include <stddef.h>

/* The vtable's userdata is &m->n_rejected: sd-bus refuses two vtables of one
 * interface with the same userdata. */
static Manager *diag_manager(void *userdata) {
        return (Manager *) ((char *) userdata - offsetof(Manager, n_rejected));
}

static int property_get_streams_rejected(sd_bus *bus, const char *path, const char *interface,
                                         const char *property, sd_bus_message *reply, void *userdata,
                                         sd_bus_error *error) {
        Manager *m = diag_manager(userdata);
        return sd_bus_message_append(reply, "t", m->proxy ? proxy_stats(m->proxy)->routes_rejected : (uint64_t) 0);
}

static int property_get_rejected_streams(sd_bus *bus, const char *path, const char *interface,
                                         const char *property, sd_bus_message *reply, void *userdata,
                                         sd_bus_error *error) {
        Manager *m = diag_manager(userdata);
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sstt)");
        for (size_t k = 0; r >= 0 && k < m->n_rejected; k++) {
                char s[IN4_STRLEN], g[IN4_STRLEN];
                const RejectedStream *rs = &m->rejected[k];
                r = sd_bus_message_append(reply, "(sstt)", in4_to_string(rs->source, s), in4_to_string(rs->group, g),
                                          (uint64_t) rs->last, rs->upcalls);
        }
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable diag_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("StreamsRejected", "t", property_get_streams_rejected, 0, 0),
        SD_BUS_PROPERTY("RejectedStreams", "a(sstt)", property_get_rejected_streams, 0, 0),
        SD_BUS_SIGNAL_WITH_ARGS("InterfaceChanged",
                                SD_BUS_ARGS("s", interface, "s", role, "b", in_service, "s", reason), 0),
        SD_BUS_SIGNAL_WITH_ARGS("QuerierChanged", SD_BUS_ARGS("s", interface, "s", querier, "s", state), 0),
        SD_BUS_SIGNAL_WITH_ARGS("StreamRejected", SD_BUS_ARGS("s", source, "s", group), 0),
        SD_BUS_VTABLE_END
};

void bus_emit_iface_changed(void *userdata, const char *ifname, IfaceRole role, bool in_service, const char *reason) {
        Manager *m = userdata;

        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "InterfaceChanged", "ssbs", ifname,
                                          iface_role_to_string(role), in_service, reason ? reason : "");
}

void bus_emit_querier_changed(void *userdata, const char *ifname, in4_t querier, const char *state) {
        Manager *m = userdata;
        char q[IN4_STRLEN];

        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "QuerierChanged", "sss", ifname,
                                          querier ? in4_to_string(querier, q) : "", state);
}

void bus_emit_stream_rejected(void *userdata, in4_t source, in4_t group) {
        Manager *m = userdata;
        char s[IN4_STRLEN], g[IN4_STRLEN];

        if (m->bus)
                (void) sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "StreamRejected", "ss",
                                          in4_to_string(source, s), in4_to_string(group, g));
}

int bus_diag_add(Manager *m, sd_bus *bus) {
        return sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, diag_vtable, &m->n_rejected);
}
