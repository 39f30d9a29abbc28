/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netlink.c - rtnetlink watch (see netlink.h). Reads and discards the
 * messages after checking their type: the manager re-reads what it needs
 * with getifaddrs()/if_nametoindex(), which is simpler than mirroring the
 * kernel's tables and cannot drift from them.
 */
#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct NetlinkWatch {
        NetlinkChanged cb;
        void *userdata;
} NetlinkWatch;

static int on_netlink(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        NetlinkWatch *w = userdata;
        uint8_t buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
        bool changed = false;

        /* Bounded: a storm of events still lets the rest of the loop run. */
        for (int k = 0; k < 64; k++) {
                ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == ENOBUFS) { /* events were lost: rescan anyway */
                                changed = true;
                                continue;
                        }
                        break; /* EAGAIN, EINTR */
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n))
                        switch (h->nlmsg_type) {
                        case RTM_NEWLINK:
                        case RTM_DELLINK:
                        case RTM_NEWADDR:
                        case RTM_DELADDR:
                                changed = true;
                                break;
                        default:
                                break;
                        }
        }
        if (changed)
                w->cb(w->userdata);
        return 0;
}

static void watch_free(void *p) {
        free(p);
}

int netlink_watch(sd_event *e, NetlinkChanged cb, void *userdata, sd_event_source **ret_source) {
        struct sockaddr_nl sa = {
                .nl_family = AF_NETLINK,
                .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR,
        };
        sd_event_source *s = NULL;
        NetlinkWatch *w;
        int fd, r;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        w = calloc(1, sizeof *w);
        if (!w) {
                close(fd);
                return -ENOMEM;
        }
        w->cb = cb;
        w->userdata = userdata;
        r = sd_event_add_io(e, &s, fd, EPOLLIN, on_netlink, w);
        if (r < 0) {
                free(w);
                close(fd);
                return r;
        }
        (void) sd_event_source_set_io_fd_own(s, true);
        (void) sd_event_source_set_destroy_callback(s, watch_free);
        *ret_source = s;
        return 0;
}
