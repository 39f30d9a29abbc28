/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus.h - the D-Bus face of the daemon (L3): org.igmpproxy.Movistar on
 * /org/igmpproxy/Movistar and org.freedesktop.LogControl1 on
 * /org/freedesktop/LogControl1, on the system bus, attached to the
 * manager's sd-event loop. No protocol logic: it validates, calls
 * manager_*(), reads the core through proxy.h accessors, and replies.
 *
 * The manager never calls it: bus_open() registers a ManagerNotifier.
 */
#pragma once

#include "util.h"

typedef struct Manager Manager;

#define BUS_NAME "org.igmpproxy.Movistar"
#define BUS_PATH "/org/igmpproxy/Movistar"
#define BUS_INTERFACE "org.igmpproxy.Movistar"

#define BUS_ERROR_INVALID_INTERVAL "org.igmpproxy.Movistar.Error.InvalidInterval"
#define BUS_ERROR_NO_SUCH_INTERFACE "org.igmpproxy.Movistar.Error.NoSuchInterface"
#define BUS_ERROR_CONFIG_REJECTED "org.igmpproxy.Movistar.Error.ConfigRejected"
#define BUS_ERROR_INVALID_VALUE "org.igmpproxy.Movistar.Error.InvalidValue"
#define BUS_ERROR_NO_SUCH_GROUP "org.igmpproxy.Movistar.Error.NoSuchGroup"

/* Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS honoured), exports
 * both objects and acquires the name, synchronously (call it before
 * READY=1). On failure nothing is left behind and m->bus stays NULL; the
 * caller decides whether that is fatal (it is not for the daemon). */
int bus_open(Manager *m);
void bus_close(Manager *m);
/* Signals (GroupJoined/GroupLeft, RefreshCompleted, StreamStalled,
 * PropertiesChanged) are emitted through the ManagerNotifier that bus_open()
 * registers with the manager. */
