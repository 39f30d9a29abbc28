/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * doctor-kernel.c - what igmpproxyctl doctor reads outside the daemon: the
 * kernel's multicast routing tables (/proc/net/ip_mr_vif, ip_mr_cache), a
 * probe of the mroute socket, a link's carrier and IPv4 address, rp_filter,
 * the route back to a source, and the firewall rules (nft, iptables-save).
 *
 * It gives facts, no verdicts (doctor.c) and no D-Bus.
 */
#include "doctor.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/mroute.h>

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

int doc_read_mroute(DocMroute *ret) {
        _cleanup_(fclosep) FILE *fv = NULL, *fc = NULL;
        char line[512];

        *ret = (DocMroute) {};
        fv = fopen("/proc/net/ip_mr_vif", "re");
        fc = fopen("/proc/net/ip_mr_cache", "re");
        if (!fv || !fc)
                return -errno;
        /* "%2td %-10s %8ld %7ld  %8ld %7ld %05X %08X %08X" after one header line */
        while (fgets(line, sizeof line, fv) && ret->n_vifs < DOC_MAX_VIFS) {
                DocVif *v = &ret->vifs[ret->n_vifs];
                uint64_t bin, bout;
                if (sscanf(line, "%d %31s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &v->index, v->name, &bin,
                           &v->pkts_in, &bout, &v->pkts_out) == 6)
                        ret->n_vifs++;
        }
        /* "%08X %08X %-3hd %8lu %8lu %8lu" then " vif:ttl" per output; addresses
         * as the raw network-order word. Unresolved entries have no outputs. */
        while (fgets(line, sizeof line, fc) && ret->n_routes < DOC_MAX_ROUTES) {
                DocRoute *r = &ret->routes[ret->n_routes];
                unsigned g, s;
                uint64_t bytes, wrong;
                int off = 0, vif, ttl, n;
                const char *p;
                if (sscanf(line, "%8X %8X %d %" SCNu64 " %" SCNu64 " %" SCNu64 "%n", &g, &s, &r->iif, &r->pkts, &bytes,
                           &wrong, &off) != 6)
                        continue;
                r->group = ntohl(g);
                r->source = ntohl(s);
                memset(r->ttl, 0, sizeof r->ttl);
                for (p = line + off; sscanf(p, " %d:%d%n", &vif, &ttl, &n) == 2; p += n)
                        if (vif >= 0 && vif < DOC_MAX_VIFS)
                                r->ttl[vif] = (uint8_t) MAX(ttl, 1);
                ret->n_routes++;
        }
        return 0;
}

const DocVif *doc_vif(const DocMroute *t, int index) {
        for (size_t k = 0; k < t->n_vifs; k++)
                if (t->vifs[k].index == index)
                        return &t->vifs[k];
        return NULL;
}

const DocRoute *doc_route(const DocMroute *t, in4_t source, in4_t group) {
        for (size_t k = 0; k < t->n_routes; k++)
                if (t->routes[k].source == source && t->routes[k].group == group)
                        return &t->routes[k];
        return NULL;
}

int doc_probe_mrt(void) {
        _cleanup_(closep) int fd = -1;
        int one = 1, r;

        fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IGMP);
        if (fd < 0)
                return -errno;
        r = setsockopt(fd, IPPROTO_IP, MRT_INIT, &one, sizeof one);
        if (r < 0)
                return -errno;
        /* We were the multicast router for an instant: give it back at once. */
        (void) setsockopt(fd, IPPROTO_IP, MRT_DONE, NULL, 0);
        return 0;
}

/* Same network namespace as ours; true too when it cannot be told (not root). */
static bool same_netns(const char *pid) {
        char path[300], a[64] = "", b[64] = "";
        ssize_t n;

        snprintf(path, sizeof path, "/proc/%s/ns/net", pid);
        n = readlink(path, a, sizeof a - 1);
        if (n < 0 || readlink("/proc/self/ns/net", b, sizeof b - 1) < 0)
                return true;
        return strcmp(a, b) == 0;
}

int doc_find_process(const char *comm) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        int found = 0;

        if (!d)
                return 0;
        while (!found && (de = readdir(d))) {
                char path[300], name[64] = "";
                FILE *f;
                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof path, "/proc/%s/comm", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                if (fgets(name, sizeof name, f) && (name[strcspn(name, "\n")] = 0, strcmp(name, comm) == 0) &&
                    same_netns(de->d_name))
                        found = atoi(de->d_name);
                fclose(f);
        }
        closedir(d);
        return found;
}

static int read_int_file(const char *path, int *ret) {
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        return fscanf(f, "%d", ret) == 1 ? 0 : -EINVAL;
}

void doc_read_link(const char *ifname, DocLink *ret) {
        struct ifaddrs *ifa = NULL;
        char path[128];
        int v;

        *ret = (DocLink) { .exists = if_nametoindex(ifname) > 0 };
        if (!ret->exists)
                return;
        snprintf(path, sizeof path, "/sys/class/net/%s/carrier", ifname);
        ret->carrier = read_int_file(path, &v) >= 0 && v == 1; /* EINVAL while the link is down */
        snprintf(path, sizeof path, "/sys/class/net/%s/flags", ifname);
        {
                _cleanup_(fclosep) FILE *f = fopen(path, "re");
                unsigned flags = 0;
                ret->up = f && fscanf(f, "%x", &flags) == 1 && (flags & IFF_UP);
        }
        if (getifaddrs(&ifa) < 0)
                return;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
                if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, ifname) == 0 &&
                    !ret->has_addr) {
                        in4_t mask = ntohl(((struct sockaddr_in *) i->ifa_netmask)->sin_addr.s_addr);
                        ret->addr = ntohl(((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr);
                        ret->prefixlen = (uint8_t) __builtin_popcount(mask);
                        ret->has_addr = true;
                }
        freeifaddrs(ifa);
}

int doc_rp_filter(const char *ifname) {
        char path[128];
        int all, one, r;

        r = read_int_file("/proc/sys/net/ipv4/conf/all/rp_filter", &all);
        if (r < 0)
                return r;
        snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/rp_filter", ifname);
        r = read_int_file(path, &one);
        if (r < 0)
                return r;
        return MAX(all, one);
}

int doc_route_back_via(in4_t source, in4_t ifaddr) {
        _cleanup_(closep) int fd = -1;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(source) };
        socklen_t len = sizeof sa;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return errno == ENETUNREACH || errno == EHOSTUNREACH ? -ENETUNREACH : -errno;
        if (getsockname(fd, (struct sockaddr *) &sa, &len) < 0)
                return -errno;
        return ntohl(sa.sin_addr.s_addr) == ifaddr;
}

/* ---- firewall ------------------------------------------------------------------ */

static void add_finding(char *buf, size_t n, const char *what, const char *a, const char *b) {
        size_t o = strlen(buf);
        if (o + 1 < n)
                snprintf(buf + o, n - o, "%s%s%s%s\n", what, a, b[0] ? ": " : "", b);
}

static bool has(const char *s, const char *w) {
        return strstr(s, w) != NULL;
}

static bool is_mcast_rule(const char *l) {
        return has(l, "224.0.0.0/4") || has(l, "multicast") || has(l, "239.") || has(l, "igmp");
}

static bool drops(const char *l) {
        return has(l, " drop") || has(l, "reject") || has(l, "-j DROP") || has(l, "-j REJECT");
}

/* nft list ruleset, text form: chains open with "type filter hook X ...;
 * policy P;", one rule a line. */
static int scan_nft(FILE *f, char *out, size_t n) {
        char line[1024], hook[16] = "", chain[128] = "";
        bool policy_drop = false, accepts = false;
        int found = 0;

        while (fgets(line, sizeof line, f)) {
                char *l = line + strspn(line, " \t");
                l[strcspn(l, "\n")] = 0;
                if (sscanf(l, "chain %127s", chain) == 1) {
                        hook[0] = 0;
                        policy_drop = accepts = false;
                } else if (sscanf(l, "type filter hook %15s", hook) == 1)
                        policy_drop = has(l, "policy drop");
                else if (strcmp(l, "}") == 0 && hook[0]) {
                        if (policy_drop && !accepts && (strcmp(hook, "input") == 0 || strcmp(hook, "forward") == 0)) {
                                add_finding(out, n, "nft chain ", chain,
                                            "drops by policy and no rule in it accepts IGMP or multicast");
                                found = 1;
                        }
                        hook[0] = 0;
                } else if (hook[0] && (strcmp(hook, "input") == 0 || strcmp(hook, "forward") == 0) &&
                           is_mcast_rule(l)) {
                        if (drops(l) && (strcmp(hook, "forward") == 0 || has(l, "igmp"))) {
                                add_finding(out, n, "nft chain ", chain, l);
                                found = 1;
                        } else if (has(l, "accept"))
                                accepts = true;
                }
        }
        return found;
}

/* iptables-save: "-A INPUT ... -p igmp ... -j DROP", ":FORWARD DROP [..]". */
static int scan_iptables(FILE *f, char *out, size_t n) {
        char line[1024];
        int found = 0;

        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                bool input = strncmp(line, "-A INPUT ", 9) == 0, fwd = strncmp(line, "-A FORWARD ", 11) == 0;
                if ((input && (has(line, "-p igmp") || has(line, "-p 2 ")) && drops(line)) ||
                    (fwd && is_mcast_rule(line) && drops(line))) {
                        add_finding(out, n, "iptables-save: ", line, "");
                        found = 1;
                }
        }
        return found;
}

static int run_scan(const char *cmd, int (*scan)(FILE *, char *, size_t), char *out, size_t n) {
        FILE *p = popen(cmd, "re");
        int found, st;

        if (!p)
                return -errno;
        found = scan(p, out, n);
        st = pclose(p);
        return st == 0 ? found : -EACCES;
}

int doc_firewall(char *findings, size_t n, char *how, size_t hn) {
        int a = -ENOENT, b = -ENOENT;

        findings[0] = how[0] = 0;
        if (access("/usr/sbin/nft", X_OK) == 0 || access("/sbin/nft", X_OK) == 0)
                a = run_scan("nft list ruleset 2>/dev/null", scan_nft, findings, n);
        if (access("/usr/sbin/iptables-save", X_OK) == 0 || access("/sbin/iptables-save", X_OK) == 0)
                b = run_scan("iptables-save 2>/dev/null", scan_iptables, findings, n);
        snprintf(how, hn, "nft: %s, iptables-save: %s",
                 a >= 0 ? "read" : a == -ENOENT ? "not installed" : "not readable (run as root)",
                 b >= 0 ? "read" : b == -ENOENT ? "not installed" : "not readable (run as root)");
        if (a < 0 && b < 0)
                return a == -ENOENT && b == -ENOENT ? -ENOENT : -EACCES;
        return MAX(a, 0) || MAX(b, 0);
}
