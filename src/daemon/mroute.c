/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mroute.c - the Linux IPv4 multicast routing API (<linux/mroute.h>).
 * All kernel multicast calls of the daemon live here. VIFs are created with
 * VIFF_USE_IFINDEX so they follow the interface, not an address. The
 * counters of every route come in one rtnetlink dump of the multicast table
 * (RTM_GETROUTE, RTNL_FAMILY_IPMR) where the kernel gives them, one
 * SIOCGETSGCNT per route otherwise.
 */
#include "mroute.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/mroute.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

int mroute_init(int fd) {
        int one = 1;

        if (setsockopt(fd, IPPROTO_IP, MRT_INIT, &one, sizeof one) < 0)
                return -errno;
        return 0;
}

void mroute_done(int fd) {
        (void) setsockopt(fd, IPPROTO_IP, MRT_DONE, NULL, 0);
}

int mroute_add_vif(int fd, int vif, int ifindex, unsigned threshold, unsigned ratelimit) {
        struct vifctl vc = {
                .vifc_vifi = (vifi_t) vif,
                .vifc_flags = VIFF_USE_IFINDEX,
                .vifc_threshold = (unsigned char) (threshold ? threshold : 1),
                .vifc_rate_limit = ratelimit,
                .vifc_lcl_ifindex = ifindex,
        };

        if (vif < 0 || vif >= MROUTE_MAX_VIFS)
                return -EINVAL;
        if (setsockopt(fd, IPPROTO_IP, MRT_ADD_VIF, &vc, sizeof vc) < 0)
                return -errno;
        return 0;
}

int mroute_del_vif(int fd, int vif) {
        struct vifctl vc = { .vifc_vifi = (vifi_t) vif };

        if (setsockopt(fd, IPPROTO_IP, MRT_DEL_VIF, &vc, sizeof vc) < 0)
                return -errno;
        return 0;
}

int mroute_set_mfc(int fd, in4_t source, in4_t group, int parent_vif, const uint8_t ttls[MROUTE_MAX_VIFS]) {
        struct mfcctl mc = {
                .mfcc_origin.s_addr = htonl(source),
                .mfcc_mcastgrp.s_addr = htonl(group),
                .mfcc_parent = (vifi_t) parent_vif,
        };

        /* The kernel forwards out of VIF v when ttls[v] is neither 0 nor 255
         * and the packet's TTL exceeds it. */
        for (int v = 0; v < MROUTE_MAX_VIFS && v < MAXVIFS; v++)
                mc.mfcc_ttls[v] = ttls[v];
        if (setsockopt(fd, IPPROTO_IP, MRT_ADD_MFC, &mc, sizeof mc) < 0)
                return -errno;
        return 0;
}

int mroute_del_mfc(int fd, in4_t source, in4_t group, int parent_vif) {
        struct mfcctl mc = {
                .mfcc_origin.s_addr = htonl(source),
                .mfcc_mcastgrp.s_addr = htonl(group),
                .mfcc_parent = (vifi_t) parent_vif,
        };

        if (setsockopt(fd, IPPROTO_IP, MRT_DEL_MFC, &mc, sizeof mc) < 0)
                return -errno;
        return 0;
}

int mroute_get_count(int fd, in4_t source, in4_t group, uint64_t *ret_packets, uint64_t *ret_bytes) {
        struct sioc_sg_req req = {
                .src.s_addr = htonl(source),
                .grp.s_addr = htonl(group),
        };

        if (ioctl(fd, SIOCGETSGCNT, &req) < 0)
                return -errno;
        if (ret_packets)
                *ret_packets = req.pktcnt;
        if (ret_bytes)
                *ret_bytes = req.bytecnt;
        return 0;
}

MrouteUpcall mroute_parse_upcall(const uint8_t *buf, size_t len, int *ret_vif, in4_t *ret_source, in4_t *ret_group) {
        struct igmpmsg im;

        /* Byte 9 is the IP protocol of a real packet; the kernel writes 0
         * there (im_mbz) for its messages. */
        if (len < sizeof im || buf[9] != 0)
                return MROUTE_UPCALL_NONE;
        memcpy(&im, buf, sizeof im);
        *ret_vif = im.im_vif;
        *ret_source = ntohl(im.im_src.s_addr);
        *ret_group = ntohl(im.im_dst.s_addr);
        switch (im.im_msgtype) {
        case IGMPMSG_NOCACHE:
                return MROUTE_UPCALL_NOCACHE;
        case IGMPMSG_WRONGVIF:
                return MROUTE_UPCALL_WRONGVIF;
        default:
                return MROUTE_UPCALL_OTHER;
        }
}

/* ---- counters of every route in one rtnetlink dump ------------------------------ */

int mroute_stats_open(void) {
        struct timeval tv = { .tv_sec = 1 };
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

        if (fd < 0)
                return -errno;
        /* A dump is answered at once; the bound only keeps a kernel that
         * never answers from hanging the loop. */
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        return fd;
}

/* One RTM_NEWROUTE of the IPMR table: (S,G), input interface, counters and
 * RTA_EXPIRES, which for the multicast table is the time since the entry last
 * forwarded, in clock ticks (ipmr's mr_fill_mroute()). */
static void stats_entry(const struct nlmsghdr *h, long ticks, MrouteStatsFn cb, void *userdata) {
        const struct rtmsg *rtm = NLMSG_DATA(h);
        int len = (int) h->nlmsg_len - (int) NLMSG_LENGTH(sizeof *rtm);
        in4_t source = 0, group = 0;
        int iif = 0;
        bool has_stats = false, has_expires = false;
        struct rta_mfc_stats st = {};
        uint64_t expires = 0;

        if (len < 0 || rtm->rtm_family != RTNL_FAMILY_IPMR)
                return;
        for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
                size_t n = RTA_PAYLOAD(a);
                switch (a->rta_type) {
                case RTA_SRC:
                case RTA_DST: {
                        uint32_t v;
                        if (n < sizeof v)
                                break;
                        memcpy(&v, RTA_DATA(a), sizeof v);
                        *(a->rta_type == RTA_SRC ? &source : &group) = ntohl(v);
                        break;
                }
                case RTA_IIF:
                        if (n >= sizeof(uint32_t))
                                memcpy(&iif, RTA_DATA(a), sizeof(uint32_t));
                        break;
                case RTA_MFC_STATS:
                        if (n >= sizeof st) {
                                memcpy(&st, RTA_DATA(a), sizeof st);
                                has_stats = true;
                        }
                        break;
                case RTA_EXPIRES:
                        if (n >= sizeof expires) {
                                memcpy(&expires, RTA_DATA(a), sizeof expires);
                                has_expires = true;
                        }
                        break;
                default:
                        break;
                }
        }
        if (!has_stats || group == 0)
                return; /* unresolved entries carry no counters */
        cb(userdata, source, group, iif, st.mfcs_packets,
           has_expires ? expires * USEC_PER_SEC / (uint64_t) ticks : MROUTE_IDLE_UNKNOWN);
}

int mroute_stats_dump(int nlfd, MrouteStatsFn cb, void *userdata) {
        static uint32_t seq;
        struct {
                struct nlmsghdr h;
                struct rtmsg rtm;
        } req = {
                .h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                .h.nlmsg_type = RTM_GETROUTE,
                .h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                .h.nlmsg_seq = ++seq,
                .rtm.rtm_family = RTNL_FAMILY_IPMR,
        };
        long ticks = sysconf(_SC_CLK_TCK);
        union {
                char buf[32768];
                struct nlmsghdr align;
        } u;
        int entries = 0;

        if (ticks <= 0)
                ticks = 100;
        if (send(nlfd, &req, req.h.nlmsg_len, 0) < 0)
                return -errno;
        /* Bounded: a dump of MAXVIFS x many thousands of routes fits in a few
         * hundred reads; a kernel that keeps talking past that is wrong. */
        for (int reads = 0; reads < 100000; reads++) {
                ssize_t n = recv(nlfd, u.buf, sizeof u.buf, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (struct nlmsghdr *h = &u.align; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_seq != req.h.nlmsg_seq)
                                continue; /* an earlier, abandoned dump */
                        if (h->nlmsg_type == NLMSG_DONE)
                                return entries;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                return e->error < 0 ? e->error : -EPROTO;
                        }
                        if (h->nlmsg_type == RTM_NEWROUTE) {
                                stats_entry(h, ticks, cb, userdata);
                                entries++;
                        }
                }
        }
        return -E2BIG;
}
