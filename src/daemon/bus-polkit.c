/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-polkit.c - who may change the daemon over D-Bus besides root and the
 * service user: whoever polkit authorizes for org.igmpproxy.Movistar.manage
 * (dbus/org.igmpproxy.Movistar.policy), asked asynchronously.
 *
 * A bus filter sees each change (RefreshNow, Reload, RescanInterfaces, and
 * Properties.Set on either object) before the object dispatch. From root or
 * the service user it lets it through; from anyone else it holds the
 * message, asks org.freedesktop.PolicyKit1.Authority.CheckAuthorization
 * (interactive when the caller allowed it) and returns to the loop. On "yes"
 * the message is queued again (sd_bus_enqueue_for_read) and marked, and
 * bus.c's check_privileged() accepts it once; on "no", or when polkit is not
 * on the bus, the caller gets AccessDenied: without polkit, root only.
 *
 * What it does not do: decide anything else, cache answers (polkit's
 * auth_admin_keep does that), or block the loop.
 */
#include "bus-internal.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define POLKIT_ACTION "org.igmpproxy.Movistar.manage"
#define MAX_PENDING 64

typedef struct PolkitQuery {
        sd_bus_message *request;
        sd_bus_slot *slot;
        bool authorized;           /* queued again: let it through once */
        usec_t since;              /* an authorized call no handler took expires */
} PolkitQuery;

static PolkitQuery queries[MAX_PENDING];

static usec_t mono_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

static bool is_change(sd_bus_message *m) {
        const char *path = sd_bus_message_get_path(m);

        if (!path || (strcmp(path, BUS_PATH) != 0 && strcmp(path, "/org/freedesktop/LogControl1") != 0))
                return false;
        return sd_bus_message_is_method_call(m, BUS_INTERFACE, "RefreshNow") > 0 ||
               sd_bus_message_is_method_call(m, BUS_INTERFACE, "Reload") > 0 ||
               sd_bus_message_is_method_call(m, BUS_INTERFACE, "RescanInterfaces") > 0 ||
               sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Properties", "Set") > 0;
}

static void query_free(PolkitQuery *q) {
        q->slot = sd_bus_slot_unref(q->slot);
        q->request = sd_bus_message_unref(q->request);
        q->authorized = false;
}

static int sender_uid(sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        return r < 0 ? r : sd_bus_creds_get_euid(creds, ret);
}

static void deny(PolkitQuery *q, const char *error_name, const char *why) {
        uid_t uid = (uid_t) -1;

        (void) sender_uid(q->request, &uid);
        (void) sd_bus_reply_method_errorf(q->request, error_name,
                                          "Changing igmpproxy needs root%s (uid %u may only read)", why,
                                          (unsigned) uid);
        query_free(q);
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        sd_bus *bus = sd_bus_message_get_bus(q->request);
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                /* No polkit on the bus (or not allowed to ask it): today's rule. */
                log_debug("polkit not asked (%s: %s): root only", e->name, e->message);
                deny(q, SD_BUS_ERROR_ACCESS_DENIED, "");
                return 0;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                log_warning_errno(r, "Unreadable answer from polkit: %m");
                deny(q, SD_BUS_ERROR_ACCESS_DENIED, "");
                return 0;
        }
        if (!authorized) {
                if (challenge && !sd_bus_message_get_allow_interactive_authorization(q->request))
                        deny(q, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                             " or an administrator's authentication (allow interactive authorization)");
                else
                        deny(q, SD_BUS_ERROR_ACCESS_DENIED, " or polkit's " POLKIT_ACTION);
                return 0;
        }
        q->authorized = true;
        q->since = mono_now();
        r = sd_bus_enqueue_for_read(bus, q->request);
        if (r < 0) {
                log_warning_errno(r, "Failed to requeue an authorized call: %m");
                deny(q, SD_BUS_ERROR_FAILED, "");
        }
        return 0;
}

static int polkit_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        sd_bus *bus = sd_bus_message_get_bus(m);
        PolkitQuery *q = NULL;
        uid_t uid;
        int interactive, r;

        if (!is_change(m) || sender_uid(m, &uid) < 0 || uid == 0 || uid == getuid())
                return 0; /* check_privileged() decides */
        for (size_t k = 0; k < MAX_PENDING; k++) {
                if (queries[k].request == m)
                        return queries[k].authorized ? 0 : 1;
                /* Authorized but taken by no handler (a Set refused before its
                 * setter): dropped after a minute. Held until then, so its
                 * address cannot come back as another message's. */
                if (queries[k].authorized && mono_now() - queries[k].since > 60 * USEC_PER_SEC)
                        query_free(&queries[k]);
                if (!queries[k].request && !q)
                        q = &queries[k];
        }
        if (!q)
                return sd_bus_reply_method_errorf(m, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                                  "Too many authorizations pending, try again") < 0 ? 0 : 1;
        interactive = sd_bus_message_get_allow_interactive_authorization(m) > 0;
        log_debug("Asking polkit whether uid %u may call %s.%s (interactive: %s)", (unsigned) uid,
                  sd_bus_message_get_interface(m), sd_bus_message_get_member(m), interactive ? "yes" : "no");
        r = sd_bus_call_method_async(bus, &q->slot, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
                                     "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization", on_polkit_reply, q,
                                     "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s",
                                     sd_bus_message_get_sender(m), POLKIT_ACTION, 0, (uint32_t) interactive, "");
        if (r < 0) {
                log_debug_errno(r, "Cannot ask polkit: %m");
                return 0; /* check_privileged() refuses it */
        }
        q->request = sd_bus_message_ref(m);
        return 1;
}

bool bus_polkit_authorized(sd_bus_message *m) {
        for (size_t k = 0; k < MAX_PENDING; k++)
                if (queries[k].request == m && queries[k].authorized) {
                        query_free(&queries[k]);
                        return true;
                }
        return false;
}

int bus_polkit_add(sd_bus *bus) {
        return sd_bus_add_filter(bus, NULL, polkit_filter, NULL);
}

void bus_polkit_done(void) {
        for (size_t k = 0; k < MAX_PENDING; k++)
                query_free(&queries[k]);
}
