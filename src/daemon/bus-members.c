/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-members.c - the router-side state of each group on D-Bus: the filter
 * the proxy reports upstream for it (the RFC 4605 4.1 merge) and, per
 * downstream interface, the RFC 3376 6.2.1 state (filter mode, group timer,
 * source records), the older host versions present (7.3.2) and the hosts
 * tracked. Methods ListMemberships and GetMembership, a third vtable of
 * org.igmpproxy.Movistar on BUS_PATH (sd-bus merges it with bus.c's and
 * bus-diag.c's), and the same data as JSON for Describe() (bus-state.c).
 *
 * Times are CLOCK_MONOTONIC microseconds, 0 for a timer that is not running,
 * as everywhere else in the interface.
 *
 * What it does not do: change anything, or decide anything; it reads the
 * core through proxy_foreach_group(), proxy_foreach_member() and
 * proxy_group_upstream_state().
 */
#include "bus-internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "json.h"

#define MEMBER_SIGNATURE "ssutbuba(stb)"
#define GROUP_SIGNATURE "ssasa(" MEMBER_SIGNATURE ")"

/* The vtable's userdata is &m->vifs: sd-bus refuses two vtables of one
 * interface with the same userdata (bus.c uses m, bus-diag.c &m->n_rejected). */
static Manager *members_manager(void *userdata) {
        return (Manager *) ((char *) userdata - offsetof(Manager, vifs));
}

static const char *mode_name(uint8_t mode) {
        return mode == IGMP_MODE_IS_INCLUDE ? "include" : "exclude";
}

/* The merged filter reported upstream for group: its mode and sources (in
 * *ret_sources, which is buf or an allocation the caller frees). 0, -ENOENT
 * for a group the core does not know, -ENOMEM. */
typedef struct UpstreamFilter {
        uint8_t mode;
        in4_t buf[16];
        in4_t *sources;
        size_t n;
} UpstreamFilter;

static void upstream_filter_done(UpstreamFilter *u) {
        if (u->sources != u->buf)
                free(u->sources);
}

static int upstream_filter(Manager *m, in4_t group, UpstreamFilter *ret) {
        int r;

        *ret = (UpstreamFilter) { .mode = IGMP_MODE_IS_INCLUDE };
        ret->sources = ret->buf;
        if (!m->proxy)
                return -ENOENT;
        r = proxy_group_upstream_state(m->proxy, group, &ret->mode, ret->buf, ELEMENTSOF(ret->buf));
        if (r < 0)
                return r;
        if ((size_t) r > ELEMENTSOF(ret->buf)) {
                /* More than the stack holds: ask again with room for all. */
                size_t cap = (size_t) r;
                in4_t *all = calloc(cap, sizeof *all);
                if (!all)
                        return -ENOMEM;
                ret->sources = all;
                r = proxy_group_upstream_state(m->proxy, group, &ret->mode, all, cap);
                if (r < 0)
                        return r;
                ret->n = MIN((size_t) r, cap);
        } else
                ret->n = (size_t) r;
        return 0;
}

/* ---- D-Bus -------------------------------------------------------------------------- */

typedef struct AppendCtx {
        sd_bus_message *reply;
        Manager *m;
} AppendCtx;

static int append_member(const ProxyMemberInfo *info, void *userdata) {
        AppendCtx *c = userdata;
        char e[UTF8_ESCAPED_IFNAME], a[IN4_STRLEN];
        int r;

        r = sd_bus_message_open_container(c->reply, 'r', MEMBER_SIGNATURE);
        if (r >= 0)
                r = sd_bus_message_append(c->reply, "ssutbub",
                                          utf8_escape(manager_vif_name(c->m, info->vif), e, sizeof e),
                                          mode_name(info->filter_mode), (uint32_t) info->compat_version,
                                          (uint64_t) info->expires, info->listening,
                                          (uint32_t) MIN(info->n_hosts, (size_t) UINT32_MAX), info->untracked);
        if (r >= 0)
                r = sd_bus_message_open_container(c->reply, 'a', "(stb)");
        for (size_t k = 0; r >= 0 && k < info->n_sources; k++) {
                const ProxySourceInfo *s = &info->sources[k];
                r = sd_bus_message_append(c->reply, "(stb)", in4_to_string(s->source, a), (uint64_t) s->expires,
                                          s->forwarded);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(c->reply);
        if (r >= 0)
                r = sd_bus_message_close_container(c->reply);
        return r < 0 ? r : 0;
}

/* One (group, upstream mode, upstream sources, interfaces) struct; -ENOENT
 * (nothing appended) for a group the core does not know. */
static int append_group(sd_bus_message *reply, Manager *m, in4_t group) {
        AppendCtx c = { .reply = reply, .m = m };
        UpstreamFilter u;
        char a[IN4_STRLEN];
        int r;

        r = upstream_filter(m, group, &u);
        if (r < 0) {
                upstream_filter_done(&u);
                return r;
        }
        r = sd_bus_message_open_container(reply, 'r', GROUP_SIGNATURE);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ss", in4_to_string(group, a), mode_name(u.mode));
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t k = 0; r >= 0 && k < u.n; k++)
                r = sd_bus_message_append(reply, "s", in4_to_string(u.sources[k], a));
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(" MEMBER_SIGNATURE ")");
        if (r >= 0)
                r = proxy_foreach_member(m->proxy, group, manager_now(m), append_member, &c);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        upstream_filter_done(&u);
        return r;
}

typedef struct GroupSet {
        in4_t *groups;
        size_t n, cap;
} GroupSet;

static int collect_group(const ProxyGroupInfo *info, void *userdata) {
        GroupSet *s = userdata;

        if (s->n == s->cap) {
                size_t cap = s->cap ? 2 * s->cap : 32;
                in4_t *g = realloc(s->groups, cap * sizeof *g);
                if (!g)
                        return -ENOMEM;
                s->groups = g;
                s->cap = cap;
        }
        s->groups[s->n++] = info->group;
        return 0;
}

static int cmp_in4(const void *a, const void *b) {
        in4_t x = *(const in4_t *) a, y = *(const in4_t *) b;
        return x < y ? -1 : x > y;
}

static int method_list_memberships(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = members_manager(userdata);
        GroupSet s = {};
        int r = 0;

        if (m->proxy)
                r = proxy_foreach_group(m->proxy, collect_group, &s);
        if (r >= 0 && s.n > 1)
                qsort(s.groups, s.n, sizeof *s.groups, cmp_in4);
        if (r >= 0)
                r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(" GROUP_SIGNATURE ")");
        for (size_t k = 0; r >= 0 && k < s.n; k++)
                if ((r = append_group(reply, m, s.groups[k])) == -ENOENT)
                        r = 0;
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        free(s.groups);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_membership(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = members_manager(userdata);
        const char *text;
        in4_t group;
        int r;

        r = sd_bus_message_read(msg, "s", &text);
        if (r < 0)
                return r;
        if (in4_from_string(text, &group) < 0 || !in4_is_multicast(group))
                return sd_bus_error_setf(error, BUS_ERROR_INVALID_VALUE,
                                         "Invalid group '%s': expected an IPv4 multicast address (224.0.0.0/4)",
                                         text);
        r = sd_bus_message_new_method_return(msg, &reply);
        if (r >= 0)
                r = append_group(reply, m, group);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_GROUP,
                                         "Group %s is not known: no listener downstream, not joined upstream", text);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable members_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD_WITH_ARGS("ListMemberships", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(" GROUP_SIGNATURE ")", memberships),
                                method_list_memberships, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMembership", SD_BUS_ARGS("s", group), SD_BUS_RESULT("(" GROUP_SIGNATURE ")", membership),
                                method_get_membership, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

int bus_members_add(Manager *m, sd_bus *bus) {
        return sd_bus_add_object_vtable(bus, NULL, BUS_PATH, BUS_INTERFACE, members_vtable, &m->vifs);
}

/* ---- JSON (Describe) ------------------------------------------------------------------ */

typedef struct JsonCtx {
        JsonWriter *j;
        Manager *m;
} JsonCtx;

static int json_member(const ProxyMemberInfo *info, void *userdata) {
        JsonCtx *c = userdata;
        JsonWriter *j = c->j;
        char a[IN4_STRLEN];

        json_begin_object(j);
        json_key(j, "Interface");
        json_string(j, manager_vif_name(c->m, info->vif));
        json_key(j, "Mode");
        json_string(j, mode_name(info->filter_mode));
        json_key(j, "CompatVersion");
        json_uint(j, info->compat_version);
        json_key(j, "ExpiresUSec");
        json_uint(j, info->expires);
        json_key(j, "Listening");
        json_bool(j, info->listening);
        json_key(j, "Hosts");
        json_uint(j, info->n_hosts);
        json_key(j, "Untracked");
        json_bool(j, info->untracked);
        json_key(j, "Sources");
        json_begin_array(j);
        for (size_t k = 0; k < info->n_sources; k++) {
                json_begin_object(j);
                json_key(j, "Source");
                json_string(j, in4_to_string(info->sources[k].source, a));
                json_key(j, "ExpiresUSec");
                json_uint(j, info->sources[k].expires);
                json_key(j, "Forwarded");
                json_bool(j, info->sources[k].forwarded);
                json_end_object(j);
        }
        json_end_array(j);
        json_end_object(j);
        return 0;
}

void bus_members_json(Manager *m, JsonWriter *j, in4_t group) {
        JsonCtx c = { .j = j, .m = m };
        UpstreamFilter u;
        char a[IN4_STRLEN];
        int r;

        r = upstream_filter(m, group, &u);
        json_key(j, "Upstream");
        if (r < 0)
                json_null(j);
        else {
                json_begin_object(j);
                json_key(j, "Mode");
                json_string(j, mode_name(u.mode));
                json_key(j, "Sources");
                json_begin_array(j);
                for (size_t k = 0; k < u.n; k++)
                        json_string(j, in4_to_string(u.sources[k], a));
                json_end_array(j);
                json_end_object(j);
        }
        upstream_filter_done(&u);
        json_key(j, "Memberships");
        json_begin_array(j);
        if (m->proxy)
                (void) proxy_foreach_member(m->proxy, group, manager_now(m), json_member, &c);
        json_end_array(j);
}
