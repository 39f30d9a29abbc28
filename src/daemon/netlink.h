/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netlink.h - rtnetlink link and IPv4 address events, as a plain "something
 * changed" signal. The manager answers by re-reading the interfaces it cares
 * about (manager_rescan()), so no state is kept here and a lost event
 * (ENOBUFS) costs nothing but that same rescan.
 */
#pragma once

#include <systemd/sd-event.h>

typedef void (*NetlinkChanged)(void *userdata);

/* Opens a NETLINK_ROUTE socket subscribed to link and IPv4 address changes
 * and watches it on the event loop; cb runs once per batch of events. */
int netlink_watch(sd_event *e, NetlinkChanged cb, void *userdata, sd_event_source **ret_source);
