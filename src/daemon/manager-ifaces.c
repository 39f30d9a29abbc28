/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manager-ifaces.c - the interfaces in service: which configured (or, with
 * DefaultRole=downstream, discovered) interfaces exist, are up and have an
 * IPv4 address; their VIFs in the kernel and their slots in the core; the
 * ones waited for and why; rescans after rtnetlink events.
 *
 * It reads the kernel's interface list itself (getifaddrs, if_nametoindex,
 * SIOCGIFFLAGS) at each rescan, so no mirrored state can drift. Not here:
 * watching rtnetlink (netlink.c), applying a new configuration
 * (manager-config.c).
 */
#include "manager.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "bridge.h"
#include "igmp-socket.h"
#include "log.h"
#include "messages.h"
#include "mroute.h"
#include "preflight.h"

static int iface_ipv4(const char *name, in4_t *ret_addr, uint8_t *ret_prefixlen) {
        struct ifaddrs *list = NULL;
        int r = -EADDRNOTAVAIL;

        if (getifaddrs(&list) < 0)
                return -errno;
        for (struct ifaddrs *a = list; a; a = a->ifa_next) {
                if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, name) != 0)
                        continue;
                in4_t mask = ntohl(((struct sockaddr_in *) a->ifa_netmask)->sin_addr.s_addr);
                *ret_addr = ntohl(((struct sockaddr_in *) a->ifa_addr)->sin_addr.s_addr);
                *ret_prefixlen = (uint8_t) __builtin_popcount(mask);
                r = 0;
                break;
        }
        freeifaddrs(list);
        return r;
}

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* <linux/if.h>, which clashes with <net/if.h> */
#endif

/* Whether the link has carrier (IFF_LOWER_UP: the cable or the ONT is there).
 * SIOCGIFFLAGS has only the low 16 flag bits; getifaddrs() has them all. */
static bool iface_carrier(const char *name) {
        struct ifaddrs *list = NULL;
        bool carrier = true; /* unknown: as if there were, no refresh is triggered */

        if (getifaddrs(&list) < 0)
                return carrier;
        for (struct ifaddrs *a = list; a; a = a->ifa_next)
                if (a->ifa_addr && a->ifa_addr->sa_family == AF_PACKET && strcmp(a->ifa_name, name) == 0) {
                        carrier = a->ifa_flags & IFF_LOWER_UP;
                        break;
                }
        freeifaddrs(list);
        return carrier;
}

/* Coming back into service, a link must also run (IFF_RUNNING): the kernel
 * sets it a moment after IFF_UP, once the carrier is on and the link's queue
 * is attached (linkwatch); a query sent before that is dropped, so a set-top
 * box would wait for the next startup query (the links test saw it). The
 * change comes as an rtnetlink event, which rescans. At start-up links are
 * taken as they are (READY=1 follows); once in service, carrier is followed
 * on its own. */
static bool iface_running(Manager *m, const char *name) {
        struct ifreq ifr = {};

        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        return ioctl(m->fd, SIOCGIFFLAGS, &ifr) < 0 || (ifr.ifr_flags & IFF_RUNNING);
}

/* Why an interface cannot serve now (NULL: it can): it must exist, be up
 * and have an IPv4 address. */
static const char *iface_unusable(Manager *m, const char *name, unsigned *ret_ifindex, in4_t *ret_addr,
                                  uint8_t *ret_plen) {
        struct ifreq ifr = {};
        unsigned ifindex = if_nametoindex(name);

        if (ifindex == 0)
                return "absent";
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(m->fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP))
                return "down";
        if (iface_ipv4(name, ret_addr, ret_plen) < 0)
                return "no IPv4 address";
        *ret_ifindex = ifindex;
        return NULL;
}

/* Interfaces named in the configuration that are not in service, and why;
 * and which ones were in service once (so their return is announced). */
static IfaceWait *wait_get(Manager *m, const char *name, bool create) {
        for (size_t k = 0; k < m->n_waits; k++)
                if (strcmp(m->waits[k].name, name) == 0)
                        return &m->waits[k];
        if (!create || m->n_waits >= ELEMENTSOF(m->waits))
                return NULL;
        snprintf(m->waits[m->n_waits].name, IFNAMSIZ, "%s", name);
        m->waits[m->n_waits].reason = NULL;
        m->waits[m->n_waits].was_active = false;
        m->waits[m->n_waits].vif_failed = false;
        return &m->waits[m->n_waits++];
}

/* A downstream interface that is a Linux bridge (a home router's br-lan):
 * say how it will treat the streams, and what to change when that is not
 * what a router owner wants (igmpproxy(8), "SNOOPING BRIDGES"). */
static void describe_bridge(Manager *m, const char *name) {
        LogContext ctx = { .interface = name, .message_id = MSG_BRIDGE_SNOOPING };
        BridgeMcast b;

        if (bridge_mcast_read(name, &b) < 0)
                return; /* not a bridge, or nothing to read */
        if (!b.snooping) {
                log_ctx(LOG_NOTICE, &ctx,
                        "%s: a bridge without IGMP snooping: every stream reaches every port (Wi-Fi included). To "
                        "send each group only to the ports that asked for it: ip link set %s type bridge "
                        "mcast_snooping 1",
                        name, name);
                return;
        }
        if (m->config->query_interval >= b.querier_interval) {
                log_ctx(LOG_WARNING, &ctx,
                        "%s: a snooping bridge believes a querier for %" PRIu64 "s after its last query, but "
                        "QueryIntervalSec=%" PRIu64 "s: between our queries it floods every stream to every port. "
                        "Lower QueryIntervalSec= or raise the bridge's: ip link set %s type bridge "
                        "mcast_querier_interval %" PRIu64,
                        name, b.querier_interval / USEC_PER_SEC, m->config->query_interval / USEC_PER_SEC, name,
                        (2 * m->config->query_interval + m->config->query_response_interval) * 100 / USEC_PER_SEC);
                return;
        }
        log_ctx(LOG_INFO, &ctx,
                "%s: a bridge with IGMP snooping: it takes our queries as the link's querier%s and forwards each "
                "group only to the ports that reported it (the first second after start it floods)",
                name, b.querier ? " (its own querier stays silent while ours is heard)" : "");
}

/* The link's MTU sizes the core's IGMPv3 reports and queries (RFC 3376 4.2.16, 4.1.8); 0 if
 * unknown (the core takes 1500). */
static unsigned link_mtu(Manager *m, const char *name) {
        struct ifreq ifr = {};

        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ioctl(m->fd, SIOCGIFMTU, &ifr) < 0 || ifr.ifr_mtu <= 0)
                return 0;
        return (unsigned) ifr.ifr_mtu;
}

static void set_mtu(Manager *m, int vif, const char *name) {
        unsigned mtu = link_mtu(m, name);

        if (mtu > 0)
                (void) proxy_set_iface_mtu(m->proxy, vif, mtu);
}

/* An interface that could serve got no VIF (err): logged once per reason,
 * kept waiting (a rescan tries again, e.g. when a VIF is freed) and skipped,
 * so that start-up and the rescan go on with the others. */
static int vif_failed(Manager *m, IfaceWait *w, const char *name, IfaceRole role, unsigned ifindex, in4_t addr,
                      int err) {
        const char *why = err == -ENOSPC || err == -ENFILE ? "no free VIF, the kernel has 32" : "MRT_ADD_VIF failed";

        if (!w)
                w = wait_get(m, name, true);
        if (!w || w->reason != why)
                log_error_errno(err, "%s (%s): cannot add a VIF: %m; skipped, waiting for it", name,
                                iface_role_to_string(role));
        if (w) {
                w->reason = why;
                w->vif_failed = true;
                w->ifindex = (int) ifindex;
                w->role = role;
                w->addr = addr;
        }
        return 0;
}

/* AltNet= sources lie outside the upstream's subnet: a strict reverse-path
 * filter (rp_filter 1, the larger of the interface's and "all" counts) drops
 * their packets unless a route to them leads back through the upstream. The
 * daemon cannot change it (ProtectKernelTunables=): it names the sysctl. */
static void check_rp_filter(const char *name, int ifindex, const IfaceConfig *ic) {
        char which[96];
        int iface = 0, all = 0, r;

        if (!ic || ic->n_altnets == 0)
                return;
        r = preflight_rp_filter(ifindex, &iface, &all);
        if (r < 0) {
                log_debug_errno(r, "%s: cannot read rp_filter over rtnetlink: %m", name);
                return;
        }
        if (MAX(iface, all) != 1)
                return;
        if (iface == 1)
                snprintf(which, sizeof which, "net.ipv4.conf.%s.rp_filter%s", name,
                         all == 1 ? " and net.ipv4.conf.all.rp_filter" : "");
        else
                snprintf(which, sizeof which, "net.ipv4.conf.all.rp_filter");
        log_warning("%s: rp_filter is strict (%s = 1): multicast from the AltNet= sources outside %s's subnet is "
                    "dropped unless a route to them leads back through %s; set %s to 2 (loose) or 0, e.g. in "
                    "/etc/sysctl.d/",
                    name, which, name, name, which);
}

static int add_iface(Manager *m, const char *name, IfaceRole role, const IfaceConfig *ic) {
        char a[IN4_STRLEN];
        unsigned ifindex = 0;
        in4_t addr = 0;
        uint8_t plen = 0;
        const char *why;
        IfaceWait *w;
        int vif, r;

        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active && strcmp(m->vifs[v].name, name) == 0)
                        return 0; /* already in service (reload) */
        why = iface_unusable(m, name, &ifindex, &addr, &plen);
        w = wait_get(m, name, ic != NULL);
        if (!why && w && w->was_active && !iface_running(m, name))
                why = "no carrier yet";
        if (why) {
                /* Only interfaces named in the configuration are waited for,
                 * and each state is said once, not at every event. */
                if (w && w->reason != why) {
                        log_notice("%s (%s): %s, waiting for it", name, iface_role_to_string(role), why);
                        w->reason = why;
                }
                return 0;
        }
        vif = proxy_add_iface(m->proxy, (int) ifindex, name, role, addr, plen, ic, link_mtu(m, name), manager_now(m));
        if (vif < 0)
                return vif_failed(m, w, name, role, ifindex, addr, vif);
        r = mroute_add_vif(m->fd, vif, (int) ifindex, ic ? ic->threshold : 1, ic ? ic->ratelimit : 0);
        if (r < 0) {
                proxy_remove_iface(m->proxy, vif, manager_now(m));
                return vif_failed(m, w, name, role, ifindex, addr, r);
        }
        if (role == ROLE_UPSTREAM)
                check_rp_filter(name, (int) ifindex, ic);
        if (role == ROLE_DOWNSTREAM) {
                r = igmp_socket_router_groups(m->fd, (int) ifindex, true);
                if (r < 0)
                        log_warning_errno(r, "%s: failed to join 224.0.0.2/224.0.0.22, IGMPv3 reports and leaves "
                                             "will not be heard: %m", name);
        }
        m->vifs[vif] = (ManagedIface) {
                .active = true,
                .ifindex = (int) ifindex,
                .role = role,
                .addr = addr,
                .prefixlen = plen,
                .threshold = ic ? ic->threshold : 1,
                .ratelimit = ic ? ic->ratelimit : 0,
                .carrier = iface_carrier(name),
        };
        snprintf(m->vifs[vif].name, sizeof m->vifs[vif].name, "%s", name);
        if (w && w->was_active) {
                LogContext ctx = { .interface = name, .message_id = MSG_INTERFACE_BACK };
                log_ctx(LOG_NOTICE, &ctx, "%s: back in service (%s, %s/%u, VIF %d)", name, iface_role_to_string(role),
                        in4_to_string(addr, a), plen, vif);
        } else
                log_info("%s: %s, %s/%u, VIF %d", name, iface_role_to_string(role), in4_to_string(addr, a), plen,
                         vif);
        if (w) {
                w->reason = NULL;
                w->was_active = true;
                w->vif_failed = false;
        }
        if (role == ROLE_DOWNSTREAM)
                describe_bridge(m, name);
        manager_notify(m, iface_changed, name, role, true, NULL);
        return 0;
}

int manager_add_ifaces(Manager *m) {
        struct if_nameindex *all;
        int r = 0;

        /* Upstream first so downstream joins find it. */
        for (size_t k = 0; k < m->config->n_ifaces; k++) {
                const IfaceConfig *ic = &m->config->ifaces[k];
                if (ic->role == ROLE_UPSTREAM && (r = add_iface(m, ic->name, ic->role, ic)) < 0)
                        return r;
        }
        for (size_t k = 0; k < m->config->n_ifaces; k++) {
                const IfaceConfig *ic = &m->config->ifaces[k];
                if (ic->role == ROLE_DOWNSTREAM && (r = add_iface(m, ic->name, ic->role, ic)) < 0)
                        return r;
        }
        if (m->config->default_role != ROLE_DOWNSTREAM)
                return 0;

        /* defaultdown: every other multicast-capable interface with IPv4. */
        all = if_nameindex();
        if (!all)
                return log_error_errno(-errno, "Failed to list interfaces: %m");
        for (struct if_nameindex *x = all; x->if_index != 0; x++) {
                in4_t addr;
                uint8_t plen;
                if (config_find_iface(m->config, x->if_name) || strcmp(x->if_name, "lo") == 0)
                        continue;
                if (iface_ipv4(x->if_name, &addr, &plen) < 0)
                        continue;
                r = add_iface(m, x->if_name, ROLE_DOWNSTREAM, NULL);
                if (r < 0)
                        break;
        }
        if_freenameindex(all);
        return r < 0 ? r : 0;
}

/* Takes an interface out of service: after a reload (lost == NULL) or
 * because it went away, down or lost its address (lost = why). */
void manager_remove_vif(Manager *m, int v, const char *lost) {
        ManagedIface *mi = &m->vifs[v];
        size_t groups = mi->role == ROLE_UPSTREAM ? proxy_n_groups(m->proxy) : proxy_n_listeners(m->proxy, v);
        int r;

        proxy_remove_iface(m->proxy, v, manager_now(m));
        manager_apply_effects(m);
        if (mi->role == ROLE_DOWNSTREAM)
                (void) igmp_socket_router_groups(m->fd, mi->ifindex, false);
        r = mroute_del_vif(m->fd, v);
        /* A deleted interface takes its VIF with it: nothing to remove then. */
        if (r < 0 && !lost)
                log_warning_errno(r, "Failed to remove VIF %d (%s): %m, ignoring", v, mi->name);
        mi->active = false;
        manager_notify(m, iface_changed, mi->name, mi->role, false, lost ? lost : "removed");
        if (!lost) {
                log_info("%s: removed", mi->name);
                return;
        }
        IfaceWait *w = wait_get(m, mi->name, config_find_iface(m->config, mi->name) != NULL);
        if (w)
                w->reason = lost;
        LogContext ctx = { .interface = mi->name, .message_id = MSG_INTERFACE_LOST };
        if (mi->role == ROLE_UPSTREAM)
                log_ctx(LOG_WARNING, &ctx, "%s: upstream lost (%s); forwarding stops, the %zu group(s) with listeners "
                        "are joined again as soon as it is back", mi->name, lost, groups);
        else
                log_ctx(LOG_WARNING, &ctx, "%s: downstream lost (%s); its %zu group(s) dropped", mi->name, lost, groups);
}

int manager_upstream_vif(Manager *m) {
        for (int v = 0; v < PROXY_MAX_VIFS; v++)
                if (m->vifs[v].active && m->vifs[v].role == ROLE_UPSTREAM)
                        return v;
        return -1;
}

int manager_rescan(Manager *m) {
        int r;

        if (!m->proxy)
                return -ENOTCONN;
        for (int v = 0; v < PROXY_MAX_VIFS; v++) {
                ManagedIface *mi = &m->vifs[v];
                unsigned ifindex = 0;
                in4_t addr = 0;
                uint8_t plen = 0;
                const char *why;
                if (!mi->active)
                        continue;
                why = iface_unusable(m, mi->name, &ifindex, &addr, &plen);
                if (!why && (int) ifindex != mi->ifindex)
                        why = "re-created";
                if (why) {
                        manager_remove_vif(m, v, why);
                        continue;
                }
                if (mi->role == ROLE_UPSTREAM)
                        set_mtu(m, v, mi->name);
                bool carrier = iface_carrier(mi->name);
                if (carrier != mi->carrier) {
                        mi->carrier = carrier;
                        log_info("%s: carrier %s", mi->name, carrier ? "back" : "lost");
                        /* The cable or the ONT is back: the upstream router may
                         * have lost every membership meanwhile; report them now,
                         * as after an address change, not at the next cycle. */
                        if (carrier && mi->role == ROLE_UPSTREAM)
                                proxy_refresh_now(m->proxy, manager_now(m));
                }
                if (addr != mi->addr || plen != mi->prefixlen) {
                        char a[IN4_STRLEN];
                        (void) proxy_set_iface_address(m->proxy, v, addr, plen);
                        mi->addr = addr;
                        mi->prefixlen = plen;
                        log_info("%s: address now %s/%u", mi->name, in4_to_string(addr, a), plen);
                        /* The upstream router learns the new source at once,
                         * not at the next refresh cycle. */
                        if (mi->role == ROLE_UPSTREAM)
                                proxy_refresh_now(m->proxy, manager_now(m));
                }
        }
        r = manager_add_ifaces(m);
        manager_apply_effects(m);
        manager_notify(m, interfaces_changed);
        return r;
}

