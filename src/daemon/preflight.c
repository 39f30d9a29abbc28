/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * preflight.c - checks of the host that explain a failure before it happens
 * (see preflight.h): whether the service's user can read the configuration
 * file ("igmpproxy --test-config" as root), and the reverse-path filter of
 * the upstream interface, read over rtnetlink (RTM_GETNETCONF), because the
 * unit's ProcSubset=pid hides /proc/sys.
 *
 * Not here: changing anything. The daemon never writes a sysctl and never
 * changes a file's mode; it says which one and what to set.
 */
#include "preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int preflight_user_can_read(const char *path, const char *user, char *why, size_t n) {
        struct passwd *pw = getpwnam(user);
        gid_t groups[64];
        int n_groups = (int) (sizeof groups / sizeof groups[0]);
        int status = 0;
        pid_t pid;

        if (!pw) {
                snprintf(why, n, "there is no user %s (the service is not installed)", user);
                return -ENOENT;
        }
        if (geteuid() != 0 && geteuid() != pw->pw_uid) {
                snprintf(why, n, "not checked, that needs root");
                return -EPERM;
        }
        if (getgrouplist(user, pw->pw_gid, groups, &n_groups) < 0)
                n_groups = 0;
        /* The exact answer, ACLs and every directory on the way included:
         * a child takes the user's identity and opens the file. */
        pid = fork();
        if (pid < 0) {
                snprintf(why, n, "not checked: fork: %s", strerror(errno));
                return -errno;
        }
        if (pid == 0) {
                int fd;
                if (geteuid() == 0 &&
                    (setgroups((size_t) n_groups, groups) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0))
                        _exit(100);
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                _exit(fd < 0 ? (errno & 0x7f) : 0);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        snprintf(why, n, "not checked: waitpid: %s", strerror(errno));
                        return -errno;
                }
        if (!WIFEXITED(status) || WEXITSTATUS(status) == 100) {
                snprintf(why, n, "not checked: could not take the identity of %s", user);
                return -ECHILD;
        }
        if (WEXITSTATUS(status) != 0) {
                struct stat st;
                int e = WEXITSTATUS(status);
                if (stat(path, &st) == 0)
                        snprintf(why, n, "%s (mode %04o, owner %u:%u)", strerror(e), (unsigned) (st.st_mode & 07777),
                                 (unsigned) st.st_uid, (unsigned) st.st_gid);
                else
                        snprintf(why, n, "%s", strerror(e));
                return 0;
        }
        return 1;
}

/* One RTM_GETNETCONF request for ifindex; the NETCONFA_RP_FILTER of the
 * answer. */
static int netconf_rp_filter(int fd, int ifindex, uint32_t seq, int *ret) {
        struct {
                struct nlmsghdr nh;
                struct netconfmsg ncm;
                char pad[3];
                struct rtattr rta;
                int32_t ifindex;
        } req = {
                .nh.nlmsg_len = sizeof req,
                .nh.nlmsg_type = RTM_GETNETCONF,
                .nh.nlmsg_flags = NLM_F_REQUEST,
                .nh.nlmsg_seq = seq,
                .ncm.ncm_family = AF_INET,
                .rta.rta_len = RTA_LENGTH(sizeof(int32_t)),
                .rta.rta_type = NETCONFA_IFINDEX,
                .ifindex = ifindex,
        };
        uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
        ssize_t len;

        if (send(fd, &req, sizeof req, 0) < 0)
                return -errno;
        for (int tries = 0; tries < 8; tries++) {
                len = recv(fd, buf, sizeof buf, 0);
                if (len < 0)
                        return -errno;
                for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, (size_t) len); h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_seq != seq)
                                continue;
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *err = NLMSG_DATA(h);
                                return err->error < 0 ? err->error : -EPROTO;
                        }
                        if (h->nlmsg_type != RTM_NEWNETCONF)
                                continue;
                        int alen = (int) (h->nlmsg_len - NLMSG_LENGTH(sizeof(struct netconfmsg)));
                        for (struct rtattr *a = (struct rtattr *) ((uint8_t *) NLMSG_DATA(h) +
                                                                  NLMSG_ALIGN(sizeof(struct netconfmsg)));
                             RTA_OK(a, alen); a = RTA_NEXT(a, alen))
                                if (a->rta_type == NETCONFA_RP_FILTER && RTA_PAYLOAD(a) >= sizeof(int32_t)) {
                                        memcpy(ret, RTA_DATA(a), sizeof(int32_t));
                                        return 0;
                                }
                        return -ENODATA;
                }
        }
        return -ETIMEDOUT;
}

int preflight_rp_filter(int ifindex, int *ret_iface, int *ret_all) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        struct timeval tv = { .tv_sec = 1 };
        uint32_t seq = (uint32_t) time(NULL);
        int fd, r;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                r = -errno;
        else {
                r = netconf_rp_filter(fd, ifindex, seq, ret_iface);
                if (r >= 0)
                        r = netconf_rp_filter(fd, NETCONFA_IFINDEX_ALL, seq + 1, ret_all);
        }
        close(fd);
        return r;
}
