/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bridge.h - what a downstream interface that is a Linux bridge does with
 * IGMP (snooping, its own querier, how long it believes another querier), read
 * from sysfs, so the daemon can say how the LAN will behave (bridge.c).
 */
#pragma once

#include "util.h"

typedef struct BridgeMcast {
        bool snooping;               /* multicast_snooping */
        bool querier;                /* multicast_querier: its own querier */
        usec_t querier_interval;     /* multicast_querier_interval: how long a heard querier counts */
} BridgeMcast;

/* 0 and *ret filled if ifname is a bridge; -ENOENT if it is not (or sysfs
 * does not say); another -errno on a read error. */
int bridge_mcast_read(const char *ifname, BridgeMcast *ret);
