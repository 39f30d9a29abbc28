/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mroute.h - every kernel multicast-routing call: MRT_INIT/DONE, VIFs, MFC
 * entries, packet counters, and decoding of the kernel's upcalls.
 */
#pragma once

#include "util.h"

#define MROUTE_MAX_VIFS 32

int mroute_init(int fd);
void mroute_done(int fd);
int mroute_add_vif(int fd, int vif, int ifindex, unsigned threshold, unsigned ratelimit);
int mroute_del_vif(int fd, int vif);
/* ttls[v] = 0 means "not an output"; otherwise the TTL threshold. */
int mroute_set_mfc(int fd, in4_t source, in4_t group, int parent_vif, const uint8_t ttls[MROUTE_MAX_VIFS]);
int mroute_del_mfc(int fd, in4_t source, in4_t group, int parent_vif);
int mroute_get_count(int fd, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes);

/* Every route's counters in one rtnetlink dump of the multicast routing
 * table: cb gets (S,G), the input interface's ifindex, the packet count and
 * how long ago the route last forwarded (MROUTE_IDLE_UNKNOWN if the kernel
 * does not say). Returns the number of routes, or -errno. nlfd comes from
 * mroute_stats_open() (a NETLINK_ROUTE socket with a 1 s receive bound). */
#define MROUTE_IDLE_UNKNOWN UINT64_MAX
typedef void (*MrouteStatsFn)(void *userdata, in4_t source, in4_t group, int iif, uint64_t packets, uint64_t idle_usec);
int mroute_stats_open(void);
int mroute_stats_dump(int nlfd, MrouteStatsFn cb, void *userdata);

typedef enum MrouteUpcall {
        MROUTE_UPCALL_NONE,      /* not an upcall: a normal IP packet */
        MROUTE_UPCALL_NOCACHE,   /* (S,G) without an MFC entry */
        MROUTE_UPCALL_WRONGVIF,  /* (S,G) arrived on a VIF other than its parent */
        MROUTE_UPCALL_OTHER,
} MrouteUpcall;

/* Tells an upcall from an IP packet (upcalls have protocol 0 where IP has
 * its protocol byte) and decodes it. */
MrouteUpcall mroute_parse_upcall(const uint8_t *buf, size_t len, int *ret_vif, in4_t *ret_source, in4_t *ret_group);
