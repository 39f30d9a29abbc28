/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - the configuration model: defaults, the name tables of roles and
 * refresh modes, lookups (interface, role, group filter verdict), deep copy,
 * free, and config_to_string() (the effective configuration as INI text).
 *
 * It does not read or parse anything: the readers (config-ini.c,
 * config-legacy.c) and the entry points config_load()/config_parse_string()
 * (config-load.c) build a Config on top of this file. See config-internal.h
 * for the order of the files.
 */
#include "config-internal.h"

#include <inttypes.h>
#include <stdio.h>

const char *iface_role_to_string(IfaceRole r) {
        static const char *const t[_ROLE_MAX] = {
                [ROLE_DISABLED] = "disabled",
                [ROLE_UPSTREAM] = "upstream",
                [ROLE_DOWNSTREAM] = "downstream",
        };

        return (unsigned) r < _ROLE_MAX ? t[r] : NULL;
}

const char *refresh_mode_to_string(RefreshMode m) {
        static const char *const t[_REFRESH_MODE_MAX] = {
                [REFRESH_NO] = "no",
                [REFRESH_YES] = "yes",
                [REFRESH_AUTO] = "auto",
        };

        return (unsigned) m < _REFRESH_MODE_MAX ? t[m] : NULL;
}

void config_init_defaults(Config *c) {
        *c = (Config) {
                .quickleave = false,
                .default_role = ROLE_DISABLED,
                .source_idle_timeout = 60 * USEC_PER_SEC,
                .stall_timeout = 5 * USEC_PER_SEC,
                .max_groups = 4096,

                .querier_version = 3,
                .robustness = 2,
                .query_interval = 125 * USEC_PER_SEC,
                .query_response_interval = 10 * USEC_PER_SEC,
                .startup_query_interval = 125 * USEC_PER_SEC / 4,
                .startup_query_count = 2,
                .last_member_query_interval = 1 * USEC_PER_SEC,
                .last_member_query_count = 2,

                .refresh = REFRESH_YES,
                .refresh_initial_delay = 10 * USEC_PER_SEC,
                .refresh_interval = 60 * USEC_PER_SEC,
                .refresh_spread = 1 * USEC_PER_SEC,
                .report_version = 2,
                .unsolicited_report_interval = 1 * USEC_PER_SEC,
                .accept_reports_without_ra = true,
        };
}

void iface_init_defaults(IfaceConfig *ic) {
        *ic = (IfaceConfig) {
                .role = ROLE_DISABLED,
                .threshold = 1,
                .ratelimit = 0,
        };
}

static void iface_config_done(IfaceConfig *ic) {
        free(ic->altnets);
        free(ic->filters);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_ifaces; i++)
                iface_config_done(&c->ifaces[i]);
        free(c->ifaces);
        free(c->path);
        free(c->warnings);
        free(c);
        return NULL;
}

static void *memdup_or_null(const void *p, size_t n, bool *oom) {
        void *q;

        if (!p || n == 0)
                return NULL;
        q = malloc(n);
        if (!q)
                *oom = true;
        else
                memcpy(q, p, n);
        return q;
}

Config *config_dup(const Config *c) {
        Config *d;
        bool oom = false;

        if (!c)
                return NULL;
        d = malloc(sizeof *d);
        if (!d)
                return NULL;
        *d = *c;
        d->path = c->path ? strdup(c->path) : NULL;
        d->warnings = NULL; /* already shown once */
        d->ifaces = memdup_or_null(c->ifaces, c->n_ifaces * sizeof *c->ifaces, &oom);
        if (!d->ifaces)
                d->n_ifaces = 0;
        for (size_t i = 0; i < d->n_ifaces; i++) {
                IfaceConfig *ic = &d->ifaces[i];
                ic->altnets = memdup_or_null(ic->altnets, ic->n_altnets * sizeof *ic->altnets, &oom);
                if (!ic->altnets)
                        ic->n_altnets = 0;
                ic->filters = memdup_or_null(ic->filters, ic->n_filters * sizeof *ic->filters, &oom);
                if (!ic->filters)
                        ic->n_filters = 0;
        }
        if (oom || (c->path && !d->path))
                return config_free(d);
        return d;
}

const IfaceConfig *config_find_iface(const Config *c, const char *name) {
        if (!c || !name)
                return NULL;
        for (size_t i = 0; i < c->n_ifaces; i++)
                if (strcmp(c->ifaces[i].name, name) == 0)
                        return &c->ifaces[i];
        return NULL;
}

IfaceRole config_iface_role(const Config *c, const char *name) {
        const IfaceConfig *ic = config_find_iface(c, name);

        if (ic)
                return ic->role;
        return c ? c->default_role : ROLE_DISABLED;
}

bool config_group_allowed(const IfaceConfig *ic, in4_t group) {
        bool allowed = true;

        if (!ic || ic->n_filters == 0)
                return true;
        for (size_t i = 0; i < ic->n_filters; i++)
                if (ic->filters[i].allow) {
                        allowed = false;
                        break;
                }
        for (size_t i = 0; i < ic->n_filters; i++)
                if (prefix_contains(&ic->filters[i].prefix, group))
                        allowed = ic->filters[i].allow;
        return allowed;
}

const char *format_timespan(char buf[static TIMESPAN_BUF], usec_t t) {
        if (t % USEC_PER_SEC == 0)
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "s", t / USEC_PER_SEC);
        else if (t % USEC_PER_MSEC == 0)
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "ms", t / USEC_PER_MSEC);
        else
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "us", t);
        return buf;
}

const char *format_prefix(char buf[static PREFIX_BUF], const Prefix *p) {
        char a[IN4_STRLEN];

        snprintf(buf, PREFIX_BUF, "%s/%u", in4_to_string(p->addr, a), p->len);
        return buf;
}

char *config_to_string(const Config *c) {
        _cleanup_(freep) char *out = NULL;
        char a[TIMESPAN_BUF], pfx[PREFIX_BUF], *ret;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&out, &size);
        if (!f)
                return NULL;

        fprintf(f, "# Effective configuration, read from ");
        for (const char *s = c->path ? c->path : "<string>"; *s; s++)
                fputc((unsigned char) *s < 0x20 ? '?' : *s, f);
        fprintf(f, "%s\n", c->legacy ? " (legacy syntax)" : "");

        fprintf(f, "\n[Proxy]\n");
        fprintf(f, "QuickLeave=%s\n", c->quickleave ? "yes" : "no");
        fprintf(f, "DefaultRole=%s\n", iface_role_to_string(c->default_role));
        fprintf(f, "SourceIdleTimeoutSec=%s\n", format_timespan(a, c->source_idle_timeout));
        fprintf(f, "MaxGroupsPerInterface=%u\n", c->max_groups);
        fprintf(f, "StallTimeoutSec=%s\n", format_timespan(a, c->stall_timeout));
        fprintf(f, "AcceptReportsWithoutRouterAlert=%s\n", c->accept_reports_without_ra ? "yes" : "no");

        fprintf(f, "\n[Querier]\n");
        fprintf(f, "Version=%u\n", c->querier_version);
        fprintf(f, "Robustness=%u\n", c->robustness);
        fprintf(f, "QueryIntervalSec=%s\n", format_timespan(a, c->query_interval));
        fprintf(f, "QueryResponseIntervalSec=%s\n", format_timespan(a, c->query_response_interval));
        fprintf(f, "StartupQueryIntervalSec=%s\n", format_timespan(a, c->startup_query_interval));
        fprintf(f, "StartupQueryCount=%u\n", c->startup_query_count);
        fprintf(f, "LastMemberQueryIntervalSec=%s\n", format_timespan(a, c->last_member_query_interval));
        fprintf(f, "LastMemberQueryCount=%u\n", c->last_member_query_count);

        fprintf(f, "\n[Refresh]\n");
        fprintf(f, "Enabled=%s\n", refresh_mode_to_string(c->refresh));
        fprintf(f, "InitialDelaySec=%s\n", format_timespan(a, c->refresh_initial_delay));
        fprintf(f, "IntervalSec=%s\n", format_timespan(a, c->refresh_interval));
        fprintf(f, "SpreadSec=%s\n", format_timespan(a, c->refresh_spread));
        fprintf(f, "ReportVersion=%u\n", c->report_version);
        fprintf(f, "UnsolicitedReportIntervalSec=%s\n", format_timespan(a, c->unsolicited_report_interval));

        for (size_t i = 0; i < c->n_ifaces; i++) {
                const IfaceConfig *ic = &c->ifaces[i];

                fprintf(f, "\n[Interface %s]\n", ic->name);
                fprintf(f, "Role=%s\n", iface_role_to_string(ic->role));
                for (size_t j = 0; j < ic->n_altnets; j++)
                        fprintf(f, "AltNet=%s\n", format_prefix(pfx, &ic->altnets[j]));
                for (size_t j = 0; j < ic->n_filters; j++)
                        fprintf(f, "%s=%s\n", ic->filters[j].allow ? "Whitelist" : "Blacklist",
                                format_prefix(pfx, &ic->filters[j].prefix));
                fprintf(f, "Threshold=%u\n", ic->threshold);
                fprintf(f, "RateLimit=%u\n", ic->ratelimit);
                if (ic->role == ROLE_DOWNSTREAM)
                        fprintf(f, "ForwardToUpstream=%s\n", ic->no_forward_to_upstream ? "no" : "yes");
        }

        if (fclose(f) != 0)
                return NULL;
        ret = out;
        out = NULL;
        return ret;
}
