/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-internal.h - what bus.c, bus-state.c, bus-members.c, bus-diag.c,
 * bus-polkit.c and bus-logcontrol.c share. Not for the rest of the daemon
 * (bus.h is).
 */
#pragma once

#include "bus.h"
#include "json.h"
#include "manager.h"

#define MAX_SOURCES_PER_GROUP 64

/* Snapshot of the groups, so the D-Bus reply and the JSON share one walk. */
typedef struct GroupRow {
        ProxyGroupInfo info;
        in4_t sources[MAX_SOURCES_PER_GROUP];
        size_t n_sources;
} GroupRow;

typedef struct GroupList {
        GroupRow *rows;
        size_t n, cap;
        Manager *m;
} GroupList;

/* Every group the core knows, sorted by address, with its forwarded sources. */
int group_list_collect(Manager *m, GroupList *ret);
void group_list_done(GroupList *l);

const char *bus_group_state(const ProxyGroupInfo *g);  /* joined, filtered, not-joined */
const char *bus_upstream_name(Manager *m);             /* "" if none in service */
bool bus_vif_is_downstream(Manager *m, int v);
uint64_t bus_packets_dropped(const ProxyStats *s);
size_t bus_vif_groups(Manager *m, int v);
/* The upstream querier as heard and the counters of what validation dropped
 * (issue 10): one name -> value table for the properties and Describe(). */
typedef struct BusValue {
        char type;           /* 's', 'u' or 't' */
        const char *s;       /* 's': valid until the next call */
        uint64_t u;
} BusValue;
extern const char *const bus_upstream_names[];
/* 0 and *ret filled, or -ENOENT for a name not in bus_upstream_names. */
int bus_upstream_value(Manager *m, const char *name, BusValue *ret);
/* The sd-bus getter of every property named in bus_upstream_names. */
int bus_property_get_upstream(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error);
/* Describe(): the whole state as one JSON object; NULL on allocation failure. */
char *bus_describe_json(Manager *m);

#define LOG_PATH "/org/freedesktop/LogControl1"
#define LOG_INTERFACE "org.freedesktop.LogControl1"
/* Read-write properties emit PropertiesChanged with their value. */
#define RW_CHANGE (SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE)
/* bus-logcontrol.c: 0 if the sender of msg may change the daemon (root or the
 * daemon's own uid), else an AccessDenied error in *error. */
int bus_check_privileged(sd_bus_message *msg, sd_bus_error *error);
/* A property setter's first step: the access check above, then the new value
 * (one basic D-Bus type, read into *ret). 0 or a negative errno. */
int bus_read_privileged(sd_bus_message *value, sd_bus_error *error, char type, void *ret);
extern const sd_bus_vtable bus_log_control_vtable[];
/* bus-diag.c: the diagnosis members (doctor, monitor) on BUS_PATH. */
int bus_diag_add(Manager *m, sd_bus *bus);
/* bus-diag.c: ManagerNotifier members (userdata: the Manager). */
void bus_emit_iface_changed(void *userdata, const char *ifname, IfaceRole role, bool in_service, const char *reason);
void bus_emit_querier_changed(void *userdata, const char *ifname, in4_t querier, const char *state);
void bus_emit_stream_rejected(void *userdata, in4_t source, in4_t group);
/* bus-members.c: ListMemberships and GetMembership on BUS_PATH. */
int bus_members_add(Manager *m, sd_bus *bus);
/* bus-members.c: the keys "Upstream" (the filter reported upstream, null if
 * the group is not known) and "Memberships" (per downstream interface) of
 * group, written into the JSON object open in j (Describe). */
void bus_members_json(Manager *m, JsonWriter *j, in4_t group);
/* bus-polkit.c: polkit for the callers that are neither root nor the service
 * user. bus_polkit_authorized(): this message was authorized (consumes it). */
int bus_polkit_add(sd_bus *bus);
bool bus_polkit_authorized(sd_bus_message *m);
void bus_polkit_done(void);
