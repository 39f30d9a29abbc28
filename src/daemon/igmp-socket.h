/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmp-socket.h - the raw IPPROTO_IGMP socket: open, receive with the
 * arrival interface, send queries/reports/leaves out of a chosen interface
 * with TTL 1, the Router Alert option and that interface's address.
 * The same socket carries the kernel's multicast-routing upcalls once
 * mroute_init() ran on it (mroute.c tells them apart).
 */
#pragma once

#include <sys/types.h>

#include "util.h"

int igmp_socket_open(void);
/* Joins (or leaves) 224.0.0.2 and 224.0.0.22 on a downstream interface: the
 * kernel hands link-local IGMP (v2 leaves, v3 reports) only to members of
 * the destination group, multicast routing or not. Never on the upstream:
 * the kernel would then report those groups to the ISP itself. */
int igmp_socket_router_groups(int fd, int ifindex, bool join);

/* Up to IGMP_RX_BATCH datagrams in one recvmmsg(2), without blocking.
 * Returns how many were read, each with its length, the ifindex it arrived on
 * (0 for kernel upcalls, which carry no packet info) and whether it was cut;
 * or -errno (-EAGAIN when nothing is queued). */
#define IGMP_RX_BATCH 16
typedef struct IgmpRx {
        uint8_t buf[9000];
        size_t len;
        int ifindex;
        bool truncated;
} IgmpRx;
int igmp_socket_recv_batch(int fd, IgmpRx *rx, size_t n);
/* Sends an IGMP message (no IP header) to dst out of ifindex with source
 * address src. Returns 0 or -errno. */
int igmp_socket_send(int fd, int ifindex, in4_t src, in4_t dst, const uint8_t *msg, size_t len);
