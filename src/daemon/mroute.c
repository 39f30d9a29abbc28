/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mroute.c - the Linux IPv4 multicast routing API (<linux/mroute.h>).
 * All kernel multicast calls of the daemon live here. VIFs are created with
 * VIFF_USE_IFINDEX so they follow the interface, not an address.
 */
#include "mroute.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <linux/mroute.h>

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
