/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor.h - igmpproxyctl doctor: what the checks (doctor.c) read from the
 * kernel and the system (doctor-kernel.c). doctor-kernel.c knows nothing of
 * D-Bus or of the verdicts; doctor.c decides and words them.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define DOC_MAX_VIFS 32
#define DOC_MAX_ROUTES 256

typedef struct DocVif {
        int index;
        char name[32];
        uint64_t pkts_in, pkts_out;
} DocVif;

typedef struct DocRoute {
        in4_t group, source;
        int iif;
        uint64_t pkts;
        uint8_t ttl[DOC_MAX_VIFS]; /* the threshold for each VIF; 0 = not an output */
} DocRoute;

/* One reading of /proc/net/ip_mr_vif and /proc/net/ip_mr_cache. */
typedef struct DocMroute {
        DocVif vifs[DOC_MAX_VIFS];
        size_t n_vifs;
        DocRoute routes[DOC_MAX_ROUTES];
        size_t n_routes;
} DocMroute;

int doc_read_mroute(DocMroute *ret);
const DocVif *doc_vif(const DocMroute *t, int index);
const DocRoute *doc_route(const DocMroute *t, in4_t source, in4_t group);

/* MRT_INIT on a scratch socket: 0 free (released again), -EADDRINUSE held
 * by some process, other -errno: cannot tell (no CAP_NET_ADMIN...). */
int doc_probe_mrt(void);

/* The PID of a process whose command name is comm in our network namespace
 * (the first found; as non-root, in any), 0 if none. */
int doc_find_process(const char *comm);

typedef struct DocLink {
        bool exists, carrier, up;
        in4_t addr;
        uint8_t prefixlen;
        bool has_addr;
} DocLink;
void doc_read_link(const char *ifname, DocLink *ret);

/* rp_filter in effect on ifname: the larger of conf/all and conf/IF
 * (Documentation/networking/ip-sysctl.rst); 0 off, 1 strict, 2 loose; -errno. */
int doc_rp_filter(const char *ifname);

/* Whether the route back to source leaves through ifname (a UDP connect()
 * and SO_BINDTODEVICE-free check: the local address the kernel picks for
 * the source must be ifname's). 1 yes, 0 no, -ENETUNREACH no route at all. */
int doc_route_back_via(in4_t source, in4_t ifaddr);

/* Firewall rules, best effort. Each finding is one sentence in *findings
 * (newline separated); *how says what was read ("nft", "iptables-save") or
 * why nothing could be. Returns 1 some rule drops, 0 nothing found, -errno
 * could not read anything. */
int doc_firewall(char *findings, size_t n, char *how, size_t hn);
