/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-value.c - what both readers share below their syntax: the table of
 * keys (section, name, type, field, range), parsing and range-checking one
 * value into its field, adding an interface, interface name rules, the parse
 * state's messages ("file:line: what: 'text'", warnings) and next_line().
 *
 * It does not know either syntax (sections, keys, keywords, comments: the
 * readers handle those and call down into here), nor the whole-file checks
 * (config-load.c). No I/O.
 */
#include "config-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <strings.h>

#define MS(x) ((uint64_t) (x) * USEC_PER_MSEC)
#define SEC(x) ((uint64_t) (x) * USEC_PER_SEC)

const KeyDef config_keys[_KEY_MAX] = {
        [KEY_QUICK_LEAVE] = { SECTION_PROXY, "QuickLeave", VALUE_BOOL, offsetof(Config, quickleave) },
        [KEY_DEFAULT_ROLE] = { SECTION_PROXY, "DefaultRole", VALUE_DEFAULT_ROLE, offsetof(Config, default_role) },
        [KEY_SOURCE_IDLE_TIMEOUT] = { SECTION_PROXY, "SourceIdleTimeoutSec", VALUE_TIMESPAN,
                                      offsetof(Config, source_idle_timeout), SEC(1), SEC(3600) },
        [KEY_MAX_GROUPS] = { SECTION_PROXY, "MaxGroupsPerInterface", VALUE_UINT, offsetof(Config, max_groups), 1, 1000000 },
        [KEY_STALL_TIMEOUT] = { SECTION_PROXY, "StallTimeoutSec", VALUE_TIMESPAN, offsetof(Config, stall_timeout), 0,
                                SEC(3600), "a time span, 0 (off) or 1s..3600s" },
        [KEY_ACCEPT_REPORTS_WITHOUT_RA] = { SECTION_PROXY, "AcceptReportsWithoutRouterAlert", VALUE_BOOL,
                                            offsetof(Config, accept_reports_without_ra) },

        [KEY_VERSION] = { SECTION_QUERIER, "Version", VALUE_UINT, offsetof(Config, querier_version), 2, 3 },
        [KEY_ROBUSTNESS] = { SECTION_QUERIER, "Robustness", VALUE_UINT, offsetof(Config, robustness), 1, 7 },
        [KEY_QUERY_INTERVAL] = { SECTION_QUERIER, "QueryIntervalSec", VALUE_TIMESPAN,
                                 offsetof(Config, query_interval), SEC(1), SEC(31744) },
        [KEY_QUERY_RESPONSE_INTERVAL] = { SECTION_QUERIER, "QueryResponseIntervalSec", VALUE_TIMESPAN,
                                          offsetof(Config, query_response_interval), MS(100), MS(3174400) },
        [KEY_STARTUP_QUERY_INTERVAL] = { SECTION_QUERIER, "StartupQueryIntervalSec", VALUE_TIMESPAN,
                                         offsetof(Config, startup_query_interval), MS(100), SEC(31744),
                                         "a time span, 100ms..QueryIntervalSec" },
        [KEY_STARTUP_QUERY_COUNT] = { SECTION_QUERIER, "StartupQueryCount", VALUE_UINT,
                                      offsetof(Config, startup_query_count), 1, 10 },
        [KEY_LAST_MEMBER_QUERY_INTERVAL] = { SECTION_QUERIER, "LastMemberQueryIntervalSec", VALUE_TIMESPAN,
                                             offsetof(Config, last_member_query_interval), MS(100), MS(25500) },
        [KEY_LAST_MEMBER_QUERY_COUNT] = { SECTION_QUERIER, "LastMemberQueryCount", VALUE_UINT,
                                          offsetof(Config, last_member_query_count), 1, 10 },

        [KEY_REFRESH_ENABLED] = { SECTION_REFRESH, "Enabled", VALUE_REFRESH, offsetof(Config, refresh) },
        [KEY_REFRESH_INITIAL_DELAY] = { SECTION_REFRESH, "InitialDelaySec", VALUE_TIMESPAN,
                                        offsetof(Config, refresh_initial_delay), 0, SEC(259) },
        [KEY_REFRESH_INTERVAL] = { SECTION_REFRESH, "IntervalSec", VALUE_TIMESPAN,
                                   offsetof(Config, refresh_interval), SEC(1), SEC(259) },
        [KEY_REFRESH_SPREAD] = { SECTION_REFRESH, "SpreadSec", VALUE_TIMESPAN,
                                 offsetof(Config, refresh_spread), 0, MS(129500),
                                 "a time span, 0..IntervalSec/2" },
        [KEY_REPORT_VERSION] = { SECTION_REFRESH, "ReportVersion", VALUE_UINT, offsetof(Config, report_version), 1, 3 },
        [KEY_UNSOLICITED_REPORT_INTERVAL] = { SECTION_REFRESH, "UnsolicitedReportIntervalSec", VALUE_TIMESPAN,
                                              offsetof(Config, unsolicited_report_interval), MS(100), MS(25500) },

        [KEY_ROLE] = { SECTION_INTERFACE, "Role", VALUE_ROLE, offsetof(IfaceConfig, role) },
        [KEY_ALTNET] = { SECTION_INTERFACE, "AltNet", VALUE_ALTNET },
        [KEY_WHITELIST] = { SECTION_INTERFACE, "Whitelist", VALUE_WHITELIST },
        [KEY_BLACKLIST] = { SECTION_INTERFACE, "Blacklist", VALUE_BLACKLIST },
        [KEY_THRESHOLD] = { SECTION_INTERFACE, "Threshold", VALUE_UINT, offsetof(IfaceConfig, threshold), 1, 255 },
        [KEY_RATELIMIT] = { SECTION_INTERFACE, "RateLimit", VALUE_UINT, offsetof(IfaceConfig, ratelimit), 0, 1000000 },
        [KEY_FORWARD_TO_UPSTREAM] = { SECTION_INTERFACE, "ForwardToUpstream", VALUE_BOOL_NEGATED,
                                      offsetof(IfaceConfig, no_forward_to_upstream) },
};

int role_from_string(const char *s, IfaceRole *ret) {
        for (IfaceRole r = 0; r < _ROLE_MAX; r++)
                if (strcasecmp(s, iface_role_to_string(r)) == 0) {
                        *ret = r;
                        return 0;
                }
        return -EINVAL;
}

/* Makes room for element n of an array that grows by doubling. The capacity
 * is implied by n (at least 4, then the next power of two), so the structs
 * need no capacity field; shrinking n in place keeps this true. */
int grow_array(void **array, size_t n, size_t size) {
        void *q;

        if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
                return 0;
        if (n > SIZE_MAX / 2 / size)
                return -ENOMEM;
        q = reallocarray(*array, n == 0 ? 4 : n * 2, size);
        if (!q)
                return -ENOMEM;
        *array = q;
        return 0;
}


/* Next line of text, without its newline. */
bool next_line(const char *text, size_t len, size_t *pos, const char **ret, size_t *ret_n) {
        const char *s, *nl;
        size_t n;

        if (*pos >= len)
                return false;
        s = text + *pos;
        nl = memchr(s, '\n', len - *pos);
        n = nl ? (size_t) (nl - s) : len - *pos;
        *pos += n + (nl ? 1 : 0);
        *ret = s;
        *ret_n = n;
        return true;
}


/* Escapes control characters and bytes outside ASCII (binary garbage must not
 * reach a terminal or the journal raw) and cuts long text, for messages. */
static const char *quote(char buf[static QUOTE_BUF], const char *s, size_t n) {
        size_t o = 0;

        for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
                unsigned char ch = (unsigned char) s[i];

                if (ch < 0x20 || ch >= 0x7f || ch == '\\')
                        o += (size_t) snprintf(buf + o, QUOTE_BUF - o, "\\x%02x", ch);
                else
                        buf[o++] = (char) ch;
        }
        if (n > QUOTE_MAX) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

int parser_oom(Parser *p) {
        if (!p->error_r)
                p->error_r = -ENOMEM;
        return -ENOMEM;
}

/* Records the first error as "name:line: what: 'text'" (no quote if text is
 * NULL). Returns -EINVAL so callers can "return parser_error(...)". */
int parser_error(Parser *p, unsigned line, const char *text, size_t text_len, const char *fmt, ...) {
        _cleanup_(freep) char *what = NULL;
        char q[QUOTE_BUF];
        va_list ap;
        int r;

        if (p->error_r)
                return p->error_r;
        p->error_r = -EINVAL;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0) {
                /* No memory for the message: the caller still sees -EINVAL. */
                what = NULL;
                return -EINVAL;
        }
        if (text)
                r = asprintf(&p->error, "%s:%u: %s: '%s'", p->c->path, line, what,
                             quote(q, text, text_len == SIZE_MAX ? strlen(text) : text_len));
        else
                r = asprintf(&p->error, "%s:%u: %s", p->c->path, line, what);
        if (r < 0)
                p->error = NULL;
        return -EINVAL;
}

void parser_warning(Parser *p, unsigned line, const char *text, const char *fmt, ...) {
        char q[QUOTE_BUF];
        va_list ap;

        if (!p->warnings) {
                p->warnings = open_memstream(&p->warnings_buf, &p->warnings_size);
                if (!p->warnings) {
                        (void) parser_oom(p);
                        return;
                }
        }
        fprintf(p->warnings, "%s:%u: ", p->c->path, line);
        va_start(ap, fmt);
        vfprintf(p->warnings, fmt, ap);
        va_end(ap);
        if (text)
                fprintf(p->warnings, ": '%s'", quote(q, text, strlen(text)));
        fputc('\n', p->warnings);
}

/* Interface names as the kernel takes them, minus what our syntaxes could
 * not write back: 1..15 bytes, not "." or "..", no '/', ':', blanks,
 * control characters, '#', ';' or ']' (libinih ends a section name at the
 * first ']', so "[Interface a]b]" cannot name "a]b"). */
bool ifname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ)
                return false;
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *t = s; *t; t++) {
                unsigned char ch = (unsigned char) *t;

                if (ch <= 0x20 || ch == 0x7f || ch == '/' || ch == ':' || ch == '#' || ch == ';' ||
                    ch == ']')
                        return false;
        }
        return true;
}

int parser_add_iface(Parser *p, const char *name, unsigned line) {
        Config *c = p->c;
        IfaceConfig *ic;

        if (GROW(c->ifaces, c->n_ifaces) < 0 || GROW(p->info, c->n_ifaces) < 0)
                return parser_oom(p);
        ic = &c->ifaces[c->n_ifaces];
        *ic = p->iface_defaults;
        strcpy(ic->name, name);
        ic->line = line;
        p->info[c->n_ifaces] = (IfaceInfo) {};
        p->iface = c->n_ifaces++;
        return 0;
}

static void describe_range(const KeyDef *k, char *buf, size_t size) {
        char a[TIMESPAN_BUF], b[TIMESPAN_BUF];

        if (k->range) {
                snprintf(buf, size, "%s", k->range);
                return;
        }
        switch (k->type) {
        case VALUE_BOOL:
        case VALUE_BOOL_NEGATED:
                snprintf(buf, size, "yes or no");
                break;
        case VALUE_UINT:
                if (k->max == k->min + 1)
                        snprintf(buf, size, "%" PRIu64 " or %" PRIu64, k->min, k->max);
                else
                        snprintf(buf, size, "an integer, %" PRIu64 "..%" PRIu64, k->min, k->max);
                break;
        case VALUE_TIMESPAN:
                snprintf(buf, size, "a time span, %s..%s", format_timespan(a, k->min), format_timespan(b, k->max));
                break;
        case VALUE_DEFAULT_ROLE:
                snprintf(buf, size, "disabled or downstream");
                break;
        case VALUE_REFRESH:
                snprintf(buf, size, "yes, no or auto");
                break;
        case VALUE_ROLE:
                snprintf(buf, size, "upstream, downstream or disabled");
                break;
        case VALUE_ALTNET:
                snprintf(buf, size, "IPv4 prefixes like 172.0.0.0/8, without host bits");
                break;
        case VALUE_WHITELIST:
        case VALUE_BLACKLIST:
                snprintf(buf, size, "multicast prefixes inside 224.0.0.0/4 like 239.0.0.0/8, without host bits");
                break;
        }
}

static int bad_value(Parser *p, const KeyDef *k, const char *what, const char *value) {
        char range[128];

        describe_range(k, range, sizeof range);
        return parser_error(p, p->line, value, SIZE_MAX, "invalid value for %s (expected %s)", what, range);
}

static int add_prefixes(Parser *p, const KeyDef *k, IfaceConfig *ic, const char *what, const char *value) {
        _cleanup_(freep) char *copy = strdup(value);
        char *state = NULL;

        if (!copy)
                return parser_oom(p);
        for (char *tok = strtok_r(copy, " \t\r\v\f", &state); tok; tok = strtok_r(NULL, " \t\r\v\f", &state)) {
                Prefix pfx;

                if (prefix_from_string(tok, &pfx) < 0)
                        return bad_value(p, k, what, tok);
                if (k->type == VALUE_ALTNET) {
                        if (GROW(ic->altnets, ic->n_altnets) < 0)
                                return parser_oom(p);
                        ic->altnets[ic->n_altnets++] = pfx;
                } else {
                        if (pfx.len < 4 || !in4_is_multicast(pfx.addr))
                                return bad_value(p, k, what, tok);
                        if (GROW(ic->filters, ic->n_filters) < 0)
                                return parser_oom(p);
                        ic->filters[ic->n_filters++] = (FilterRule) {
                                .prefix = pfx,
                                .allow = k->type == VALUE_WHITELIST,
                        };
                }
        }
        return 0;
}

/* An empty list assignment clears what that key added before. */
static void clear_prefixes(const KeyDef *k, IfaceConfig *ic) {
        size_t j = 0;

        if (k->type == VALUE_ALTNET) {
                free(ic->altnets);
                ic->altnets = NULL;
                ic->n_altnets = 0;
                return;
        }
        for (size_t i = 0; i < ic->n_filters; i++)
                if (ic->filters[i].allow != (k->type == VALUE_WHITELIST))
                        ic->filters[j++] = ic->filters[i];
        ic->n_filters = j;
}

/* Parses value into the field k describes in base (a Config or an
 * IfaceConfig); an empty value restores the default. what names the key in
 * messages ("Threshold=" or legacy "threshold"). */
int apply_value(Parser *p, const KeyDef *k, void *base, const char *what, const char *value) {
        const void *def = k->section == SECTION_INTERFACE ? (const void *) &p->iface_defaults : (const void *) &p->defaults;
        void *field = (uint8_t *) base + k->offset;
        const void *dfield = (const uint8_t *) def + k->offset;
        unsigned long u;
        usec_t t;
        int r;

        switch (k->type) {
        case VALUE_BOOL:
                if (!*value) {
                        *(bool *) field = *(const bool *) dfield;
                        return 0;
                }
                r = parse_boolean(value);
                if (r < 0)
                        return bad_value(p, k, what, value);
                *(bool *) field = r;
                return 0;

        case VALUE_BOOL_NEGATED:
                if (!*value) {
                        *(bool *) field = *(const bool *) dfield;
                        return 0;
                }
                r = parse_boolean(value);
                if (r < 0)
                        return bad_value(p, k, what, value);
                *(bool *) field = !r;
                return 0;

        case VALUE_UINT:
                if (!*value) {
                        *(unsigned *) field = *(const unsigned *) dfield;
                        return 0;
                }
                if (parse_uint(value, (unsigned long) k->max, &u) < 0 || u < k->min)
                        return bad_value(p, k, what, value);
                *(unsigned *) field = (unsigned) u;
                return 0;

        case VALUE_TIMESPAN:
                if (!*value) {
                        *(usec_t *) field = *(const usec_t *) dfield;
                        return 0;
                }
                if (parse_timespan(value, &t) < 0 || t < k->min || t > k->max ||
                    (k == &config_keys[KEY_STALL_TIMEOUT] && t > 0 && t < SEC(1)))
                        return bad_value(p, k, what, value);
                *(usec_t *) field = t;
                return 0;

        case VALUE_DEFAULT_ROLE: {
                IfaceRole role;

                if (!*value) {
                        *(IfaceRole *) field = *(const IfaceRole *) dfield;
                        return 0;
                }
                if (role_from_string(value, &role) < 0 || role == ROLE_UPSTREAM)
                        return bad_value(p, k, what, value);
                *(IfaceRole *) field = role;
                return 0;
        }

        case VALUE_REFRESH:
                if (!*value) {
                        *(RefreshMode *) field = *(const RefreshMode *) dfield;
                        return 0;
                }
                if (strcasecmp(value, "auto") == 0) {
                        *(RefreshMode *) field = REFRESH_AUTO;
                        return 0;
                }
                r = parse_boolean(value);
                if (r < 0)
                        return bad_value(p, k, what, value);
                *(RefreshMode *) field = r ? REFRESH_YES : REFRESH_NO;
                return 0;

        case VALUE_ROLE: {
                IfaceRole role;

                if (role_from_string(value, &role) < 0)
                        return bad_value(p, k, what, value);
                *(IfaceRole *) field = role;
                return 0;
        }

        case VALUE_ALTNET:
        case VALUE_WHITELIST:
        case VALUE_BLACKLIST:
                if (!*value) {
                        clear_prefixes(k, base);
                        return 0;
                }
                return add_prefixes(p, k, base, what, value);
        }
        return -EINVAL;
}
