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
        if (why) {
                /* Only interfaces named in the configuration are waited for,
                 * and each state is said once, not at every event. */
                if (w && w->reason != why) {
                        log_notice("%s (%s): %s, waiting for it", name, iface_role_to_string(role), why);
                        w->reason = why;
                }
                return 0;
        }
        vif = proxy_add_iface(m->proxy, (int) ifindex, name, role, addr, plen, ic, manager_now(m));
        if (vif < 0)
                return log_error_errno(vif, "Failed to add interface %s: %m", name);
        r = mroute_add_vif(m->fd, vif, (int) ifindex, ic ? ic->threshold : 1, ic ? ic->ratelimit : 0);
        if (r < 0) {
                proxy_remove_iface(m->proxy, vif, manager_now(m));
                return log_error_errno(r, "Failed to add VIF %d for %s: %m", vif, name);
        }
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
                if (why)
                        manager_remove_vif(m, v, why);
                else if (addr != mi->addr || plen != mi->prefixlen) {
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

