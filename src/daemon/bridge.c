/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bridge.c - reads a Linux bridge's IGMP snooping settings from sysfs
 * (/sys/class/net/IF/bridge/multicast_*). It changes nothing: with snooping
 * on and its own querier off (the kernel's defaults), a bridge takes the
 * queries this daemon sends through it as those of the link's querier
 * (net/bridge/br_multicast.c: a general query, heard on a port or sent by
 * the host itself, starts its "other querier present" timer for
 * multicast_querier_interval), and from then on forwards each group only to
 * the ports that reported it, plus the router ports.
 */
#include "bridge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int read_ulong(const char *ifname, const char *key, unsigned long *ret) {
        char path[128], buf[32];
        FILE *f;

        snprintf(path, sizeof path, "/sys/class/net/%s/bridge/%s", ifname, key);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ENOENT : -errno;
        if (!fgets(buf, sizeof buf, f)) {
                fclose(f);
                return -EIO;
        }
        fclose(f);
        *ret = strtoul(buf, NULL, 10);
        return 0;
}

int bridge_mcast_read(const char *ifname, BridgeMcast *ret) {
        unsigned long snooping, querier, interval;
        long hz = sysconf(_SC_CLK_TCK);
        int r;

        if (hz <= 0)
                hz = 100;
        if ((r = read_ulong(ifname, "multicast_snooping", &snooping)) < 0 ||
            (r = read_ulong(ifname, "multicast_querier", &querier)) < 0 ||
            (r = read_ulong(ifname, "multicast_querier_interval", &interval)) < 0)
                return r;
        /* sysfs gives the intervals in clock ticks (USER_HZ). */
        *ret = (BridgeMcast) {
                .snooping = snooping != 0,
                .querier = querier != 0,
                .querier_interval = (usec_t) interval * USEC_PER_SEC / (usec_t) hz,
        };
        return 0;
}
