/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * igmp-socket.c - raw IGMP socket I/O (see igmp-socket.h).
 *
 * Outgoing packets: RFC 2236 2 / RFC 3376 4 require TTL 1 and the IP Router
 * Alert option (RFC 2113); both are socket options here, set once. The
 * interface and source address of each send come from an IP_PKTINFO control
 * message, so one socket serves every interface. Multicast loopback is off so
 * the daemon does not read its own queries back.
 */
#include "igmp-socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

int igmp_socket_open(void) {
        static const uint8_t router_alert[4] = { 148, 4, 0, 0 };
        int fd, one = 1, zero = 0, ttl = 1, rcvbuf = 4 * 1024 * 1024;

        fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IGMP);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0 ||
            setsockopt(fd, IPPROTO_IP, IP_OPTIONS, router_alert, sizeof router_alert) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        /* A burst of reports from many hosts must not be dropped: ask for a
         * large buffer; the privileged variant ignores rmem_max. Best effort. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        return fd;
}

int igmp_socket_router_groups(int fd, int ifindex, bool join) {
        static const in4_t groups[] = { IN4_ALL_ROUTERS, IN4_IGMPV3_ROUTERS };

        for (size_t k = 0; k < ELEMENTSOF(groups); k++) {
                struct ip_mreqn mr = {
                        .imr_multiaddr.s_addr = htonl(groups[k]),
                        .imr_ifindex = ifindex,
                };
                if (setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr, sizeof mr) < 0 &&
                    !(join && errno == EADDRINUSE) && !(!join && errno == EADDRNOTAVAIL))
                        return -errno;
        }
        return 0;
}

int igmp_socket_recv_batch(int fd, IgmpRx *rx, size_t n) {
        union {
                struct cmsghdr h;
                uint8_t buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        } control[IGMP_RX_BATCH];
        struct iovec iov[IGMP_RX_BATCH];
        struct mmsghdr mm[IGMP_RX_BATCH];
        int got;

        n = MIN(n, (size_t) IGMP_RX_BATCH);
        for (size_t k = 0; k < n; k++) {
                iov[k] = (struct iovec) { .iov_base = rx[k].buf, .iov_len = sizeof rx[k].buf };
                mm[k] = (struct mmsghdr) { .msg_hdr = {
                        .msg_iov = &iov[k],
                        .msg_iovlen = 1,
                        .msg_control = &control[k],
                        .msg_controllen = sizeof control[k],
                } };
        }
        got = recvmmsg(fd, mm, (unsigned) n, MSG_DONTWAIT, NULL);
        if (got < 0)
                return -errno;
        for (int k = 0; k < got; k++) {
                struct msghdr *mh = &mm[k].msg_hdr;
                rx[k].len = mm[k].msg_len;
                rx[k].ifindex = 0;
                rx[k].truncated = (mh->msg_flags & MSG_TRUNC) != 0;
                for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
                        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                                struct in_pktinfo pi;
                                memcpy(&pi, CMSG_DATA(c), sizeof pi);
                                rx[k].ifindex = pi.ipi_ifindex;
                        }
        }
        return got;
}

int igmp_socket_send(int fd, int ifindex, in4_t src, in4_t dst, const uint8_t *msg, size_t len) {
        union {
                struct cmsghdr h;
                uint8_t buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        } control = {};
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(dst) };
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = len };
        struct msghdr mh = {
                .msg_name = &to,
                .msg_namelen = sizeof to,
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof control,
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        struct in_pktinfo pi = { .ipi_ifindex = ifindex, .ipi_spec_dst.s_addr = htonl(src) };

        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);

        if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}
