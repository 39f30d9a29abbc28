/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - the one validated, immutable configuration of the daemon.
 *
 * Two readers produce the same Config: the INI format (libinih, systemd-style
 * CamelCase keys) and the legacy igmpproxy.conf syntax (quickleave, phyint,
 * altnet, whitelist, blacklist, ...). Every error carries file:line and the
 * offending text. No I/O beyond reading the file, no kernel, no sd_*.
 */
#pragma once

#include <net/if.h>

#include "util.h"

typedef enum IfaceRole {
        ROLE_DISABLED,
        ROLE_UPSTREAM,
        ROLE_DOWNSTREAM,
        _ROLE_MAX,
} IfaceRole;

const char *iface_role_to_string(IfaceRole r);

typedef enum RefreshMode {
        REFRESH_NO,
        REFRESH_YES,
        REFRESH_AUTO,
        _REFRESH_MODE_MAX,
} RefreshMode;

const char *refresh_mode_to_string(RefreshMode m);

typedef struct FilterRule {
        Prefix prefix;
        bool allow; /* true: whitelist, false: blacklist */
} FilterRule;

typedef struct IfaceConfig {
        char name[IFNAMSIZ];
        IfaceRole role;
        Prefix *altnets;       /* extra source networks accepted on upstream */
        size_t n_altnets;
        FilterRule *filters;   /* in file order; last match wins */
        size_t n_filters;
        unsigned threshold;    /* TTL threshold of the VIF, 1..255, default 1 */
        unsigned ratelimit;    /* kbit/s of the VIF, 0 = none (default) */
        bool no_forward_to_upstream; /* ForwardToUpstream=no (downstream): multicast sent by hosts on
                                        this link is not forwarded upstream (RFC 4605 4.2 says it is,
                                        the default). Stored negated: a zeroed IfaceConfig has the
                                        default */
        unsigned line;         /* where it was defined, for messages */
} IfaceConfig;

typedef struct Config {
        char *path;                 /* file it came from (or "<string>") */
        bool legacy;                /* read with the legacy syntax */

        /* [Proxy] */
        bool quickleave;            /* QuickLeave=, legacy "quickleave"; default no */
        IfaceRole default_role;     /* DefaultRole= disabled|downstream, legacy "defaultdown"; default disabled */
        usec_t source_idle_timeout; /* SourceIdleTimeoutSec=: (S,G) routes with no traffic this long are removed; default 60 s */
        unsigned max_groups;        /* MaxGroupsPerInterface=: cap per downstream interface; default 4096 */
        usec_t stall_timeout;       /* StallTimeoutSec=: a listened group without a packet this long is
                                       reported upstream at once; 0 = off; default 5 s */
        bool accept_reports_without_ra; /* AcceptReportsWithoutRouterAlert=: downstream reports without
                                           the IP Router Alert option count (and are counted); default yes */

        /* [Querier] RFC 3376 8.x defaults in brackets */
        unsigned querier_version;   /* Version= 2|3 [3] */
        unsigned robustness;        /* Robustness= 1..7 [2] */
        usec_t query_interval;      /* QueryIntervalSec= [125 s], 1 s .. 31744 s */
        usec_t query_response_interval;      /* QueryResponseIntervalSec= [10 s], 0.1 s .. 3174.4 s, < QueryInterval */
        usec_t startup_query_interval;       /* StartupQueryIntervalSec= [QueryInterval/4] */
        unsigned startup_query_count;        /* StartupQueryCount= [Robustness] */
        usec_t last_member_query_interval;   /* LastMemberQueryIntervalSec= [1 s], 0.1 .. 25.5 s */
        unsigned last_member_query_count;    /* LastMemberQueryCount= [Robustness] */

        /* [Refresh] the Movistar+ workaround */
        RefreshMode refresh;        /* Enabled= yes|no|auto [yes] */
        usec_t refresh_initial_delay; /* InitialDelaySec= [10 s], 0 .. 259 s */
        usec_t refresh_interval;    /* IntervalSec= [60 s], 1 .. 259 s (warning above 130 s) */
        usec_t refresh_spread;      /* SpreadSec= [1 s], 0 .. IntervalSec/2: window one cycle's reports are spread over */
        unsigned report_version;    /* ReportVersion= 1|2|3 [2]: version of the reports sent upstream while
                                       no older querier is heard there (RFC 3376 7.2.1) */
        usec_t unsolicited_report_interval; /* UnsolicitedReportIntervalSec= [1 s], 100ms..25.5s: joins and
                                               leaves are repeated at random within it (RFC 3376 8.11) */

        IfaceConfig *ifaces;        /* [Interface NAME] sections / phyint lines, in file order */
        size_t n_ifaces;

        /* Warnings that do not stop the start (e.g. IntervalSec above 130 s), one
         * per line "file:line: text"; NULL if none. */
        char *warnings;
} Config;

/* Fills *c with every default (no interfaces). */
void config_init_defaults(Config *c);

/* Reads a file; the format is detected: a file whose first non-blank,
 * non-comment line starts with '[' is INI, anything else legacy.
 * Returns 0 and a new Config, or a negative errno and *ret_error set to a
 * malloc'ed message "path:line: what is wrong: 'offending text'" (for I/O
 * errors "path: strerror"). Nothing is returned in *ret on error. */
int config_load(const char *path, Config **ret, char **ret_error);

/* Same for a string in memory; name is used in messages. */
int config_parse_string(const char *text, size_t len, const char *name, Config **ret, char **ret_error);

Config *config_free(Config *c);
/* A deep copy (runtime changes over D-Bus edit a copy and swap it in whole).
 * NULL on out of memory. */
Config *config_dup(const Config *c);
static inline void config_freep(Config **c) {
        config_free(*c);
}

/* Looks an interface up by name; NULL if not configured. */
const IfaceConfig *config_find_iface(const Config *c, const char *name);

/* Role of an interface name: its section/phyint role, else default_role. */
IfaceRole config_iface_role(const Config *c, const char *name);

/* Filter verdict for a group on an interface (NULL iface = allow): no rules
 * -> allowed; otherwise start from "allowed unless some whitelist rule exists",
 * then every matching rule in order overrides (last match wins). */
bool config_group_allowed(const IfaceConfig *ic, in4_t group);

/* A multi-line human dump (what --test-config prints). malloc'ed. */
char *config_to_string(const Config *c);
