/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - reads the configuration file into one validated Config.
 *
 * Two syntaxes: INI (parsed by libinih, fed by our own line reader so we
 * know line numbers, can refuse over-long lines and NUL bytes, and are not
 * limited by libinih's small line buffer) and the legacy igmpproxy.conf
 * token syntax. Both end in the same checks and the same Config.
 *
 * It does not look at the system: interfaces named in the file need not
 * exist, nothing is resolved and nothing is logged. The only I/O is reading
 * the file in config_load(); errors and warnings are returned as text.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

/* A line longer than this (not counting the newline) is refused. */
#define CONFIG_LINE_MAX 4096U
/* A file larger than this is refused before parsing. */
#define CONFIG_FILE_MAX (1024U * 1024U + 64U * 1024U)
/* At most this many bytes of offending text are quoted in a message. */
#define QUOTE_MAX 100U
#define QUOTE_BUF (QUOTE_MAX * 4U + 8U)
#define TIMESPAN_BUF 32U

/* IntervalSec= above this is allowed but warned about: Movistar+ forgets a
 * membership 260 s after the last report, two cycles must fit in there. */
#define REFRESH_INTERVAL_WARN (130U * USEC_PER_SEC)

typedef enum Section {
        SECTION_NONE,
        SECTION_PROXY,
        SECTION_QUERIER,
        SECTION_REFRESH,
        SECTION_INTERFACE,
        _SECTION_MAX,
} Section;

static const char *const section_names[_SECTION_MAX] = {
        [SECTION_NONE] = "",
        [SECTION_PROXY] = "Proxy",
        [SECTION_QUERIER] = "Querier",
        [SECTION_REFRESH] = "Refresh",
        [SECTION_INTERFACE] = "Interface",
};

typedef enum ValueType {
        VALUE_BOOL,
        VALUE_UINT,
        VALUE_TIMESPAN,
        VALUE_DEFAULT_ROLE,
        VALUE_REFRESH,
        VALUE_ROLE,
        VALUE_ALTNET,
        VALUE_WHITELIST,
        VALUE_BLACKLIST,
} ValueType;

typedef enum KeyId {
        KEY_QUICK_LEAVE,
        KEY_DEFAULT_ROLE,
        KEY_SOURCE_IDLE_TIMEOUT,
        KEY_MAX_GROUPS,
        KEY_STALL_TIMEOUT,
        KEY_VERSION,
        KEY_ROBUSTNESS,
        KEY_QUERY_INTERVAL,
        KEY_QUERY_RESPONSE_INTERVAL,
        KEY_STARTUP_QUERY_INTERVAL,
        KEY_STARTUP_QUERY_COUNT,
        KEY_LAST_MEMBER_QUERY_INTERVAL,
        KEY_LAST_MEMBER_QUERY_COUNT,
        KEY_REFRESH_ENABLED,
        KEY_REFRESH_INITIAL_DELAY,
        KEY_REFRESH_INTERVAL,
        KEY_REFRESH_SPREAD,
        KEY_REPORT_VERSION,
        KEY_ROLE,
        KEY_ALTNET,
        KEY_WHITELIST,
        KEY_BLACKLIST,
        KEY_THRESHOLD,
        KEY_RATELIMIT,
        _KEY_MAX,
} KeyId;

typedef struct KeyDef {
        Section section;
        const char *name;
        ValueType type;
        size_t offset;     /* into Config, or into IfaceConfig for [Interface] */
        uint64_t min, max; /* VALUE_UINT: the number; VALUE_TIMESPAN: µs */
        const char *range; /* overrides the range text derived from min/max */
} KeyDef;

#define MS(x) ((uint64_t) (x) * USEC_PER_MSEC)
#define SEC(x) ((uint64_t) (x) * USEC_PER_SEC)

static const KeyDef keys[_KEY_MAX] = {
        [KEY_QUICK_LEAVE] = { SECTION_PROXY, "QuickLeave", VALUE_BOOL, offsetof(Config, quickleave) },
        [KEY_DEFAULT_ROLE] = { SECTION_PROXY, "DefaultRole", VALUE_DEFAULT_ROLE, offsetof(Config, default_role) },
        [KEY_SOURCE_IDLE_TIMEOUT] = { SECTION_PROXY, "SourceIdleTimeoutSec", VALUE_TIMESPAN,
                                      offsetof(Config, source_idle_timeout), SEC(1), SEC(3600) },
        [KEY_MAX_GROUPS] = { SECTION_PROXY, "MaxGroupsPerInterface", VALUE_UINT, offsetof(Config, max_groups), 1, 1000000 },
        [KEY_STALL_TIMEOUT] = { SECTION_PROXY, "StallTimeoutSec", VALUE_TIMESPAN, offsetof(Config, stall_timeout), 0,
                                SEC(3600), "a time span, 0 (off) or 1s..3600s" },

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

        [KEY_ROLE] = { SECTION_INTERFACE, "Role", VALUE_ROLE, offsetof(IfaceConfig, role) },
        [KEY_ALTNET] = { SECTION_INTERFACE, "AltNet", VALUE_ALTNET },
        [KEY_WHITELIST] = { SECTION_INTERFACE, "Whitelist", VALUE_WHITELIST },
        [KEY_BLACKLIST] = { SECTION_INTERFACE, "Blacklist", VALUE_BLACKLIST },
        [KEY_THRESHOLD] = { SECTION_INTERFACE, "Threshold", VALUE_UINT, offsetof(IfaceConfig, threshold), 1, 255 },
        [KEY_RATELIMIT] = { SECTION_INTERFACE, "RateLimit", VALUE_UINT, offsetof(IfaceConfig, ratelimit), 0, 1000000 },
};

/* What the parser remembers about an interface beyond IfaceConfig. */
typedef struct IfaceInfo {
        unsigned role_line;   /* 0: no Role= seen */
        unsigned altnet_line; /* first AltNet= with a value */
} IfaceInfo;

typedef struct Parser {
        Config *c;
        Config defaults;
        IfaceConfig iface_defaults;

        const char *text; /* after a byte order mark, if any */
        size_t len;
        size_t pos;       /* reader position in text */
        unsigned line;    /* number of the line last read */
        unsigned n_lines;

        Section section;
        size_t iface; /* index of the current [Interface] */
        IfaceInfo *info; /* parallel to c->ifaces */

        unsigned key_line[_KEY_MAX]; /* global keys: where set, 0 = not set */
        char *key_text[_KEY_MAX];    /* ... and the value as written */

        char *error;
        int error_r;
        FILE *warnings;
        char *warnings_buf;
        size_t warnings_size;
} Parser;

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

static int role_from_string(const char *s, IfaceRole *ret) {
        for (IfaceRole r = 0; r < _ROLE_MAX; r++)
                if (strcasecmp(s, iface_role_to_string(r)) == 0) {
                        *ret = r;
                        return 0;
                }
        return -EINVAL;
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
        };
}

static void iface_init_defaults(IfaceConfig *ic) {
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

/* Makes room for element n of an array that grows by doubling. The capacity
 * is implied by n (at least 4, then the next power of two), so the structs
 * need no capacity field; shrinking n in place keeps this true. */
static int grow_array(void **array, size_t n, size_t size) {
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

#define GROW(array, n) grow_array((void **) &(array), (n), sizeof *(array))

static bool is_blank(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static bool is_space(char ch) {
        return ch == '\n' || is_blank(ch);
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

static const char *format_timespan(char buf[static TIMESPAN_BUF], usec_t t) {
        if (t % USEC_PER_SEC == 0)
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "s", t / USEC_PER_SEC);
        else if (t % USEC_PER_MSEC == 0)
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "ms", t / USEC_PER_MSEC);
        else
                snprintf(buf, TIMESPAN_BUF, "%" PRIu64 "us", t);
        return buf;
}

static const char *format_prefix(char buf[static IN4_STRLEN + 4], const Prefix *p) {
        char a[IN4_STRLEN];

        snprintf(buf, IN4_STRLEN + 4, "%s/%u", in4_to_string(p->addr, a), p->len);
        return buf;
}

static int oom(Parser *p) {
        if (!p->error_r)
                p->error_r = -ENOMEM;
        return -ENOMEM;
}

/* Records the first error as "name:line: what: 'text'" (no quote if text is
 * NULL). Returns -EINVAL so callers can "return parser_error(...)". */
_printf_(5, 6)
static int parser_error(Parser *p, unsigned line, const char *text, size_t text_len, const char *fmt, ...) {
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

_printf_(4, 5)
static void parser_warning(Parser *p, unsigned line, const char *text, const char *fmt, ...) {
        char q[QUOTE_BUF];
        va_list ap;

        if (!p->warnings) {
                p->warnings = open_memstream(&p->warnings_buf, &p->warnings_size);
                if (!p->warnings) {
                        (void) oom(p);
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

/* Next line of text, without its newline. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **ret, size_t *ret_n) {
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

/* Strips indentation, comments ('#' or ';' at the start of the line or
 * after a blank) and trailing blanks. */
static void clean_line(const char **s, size_t *n) {
        const char *t = *s;
        size_t m = *n;

        while (m > 0 && is_blank(*t))
                t++, m--;
        if (m > 0 && (*t == '#' || *t == ';'))
                m = 0;
        for (size_t i = 1; i < m; i++)
                if ((t[i] == '#' || t[i] == ';') && is_blank(t[i - 1])) {
                        m = i;
                        break;
                }
        while (m > 0 && is_blank(t[m - 1]))
                m--;
        *s = t;
        *n = m;
}

/* Refuses NUL bytes and over-long lines anywhere in the file; counts lines. */
static int check_lines(Parser *p) {
        const char *s;
        size_t pos = 0, n;
        unsigned line = 0;

        while (next_line(p->text, p->len, &pos, &s, &n)) {
                const char *nul;

                line++;
                nul = memchr(s, '\0', n);
                if (nul)
                        return parser_error(p, line, s, (size_t) (nul - s) + 1, "binary data (NUL byte) in line");
                if (n > CONFIG_LINE_MAX)
                        return parser_error(p, line, s, n, "line too long (more than %u bytes)", CONFIG_LINE_MAX);
        }
        p->n_lines = line;
        return 0;
}

static bool looks_like_ini(const char *text, size_t len) {
        const char *s;
        size_t pos = 0, n;

        while (next_line(text, len, &pos, &s, &n)) {
                clean_line(&s, &n);
                if (n > 0)
                        return s[0] == '[';
        }
        return false;
}

/* Interface names as the kernel takes them, minus what our syntaxes could
 * not write back: 1..15 bytes, not "." or "..", no '/', ':', blanks,
 * control characters, '#' or ';'. */
static bool ifname_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n >= IFNAMSIZ)
                return false;
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *t = s; *t; t++) {
                unsigned char ch = (unsigned char) *t;

                if (ch <= 0x20 || ch == 0x7f || ch == '/' || ch == ':' || ch == '#' || ch == ';')
                        return false;
        }
        return true;
}

static int add_iface(Parser *p, const char *name, unsigned line) {
        Config *c = p->c;
        IfaceConfig *ic;

        if (GROW(c->ifaces, c->n_ifaces) < 0 || GROW(p->info, c->n_ifaces) < 0)
                return oom(p);
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
                return oom(p);
        for (char *tok = strtok_r(copy, " \t\r\v\f", &state); tok; tok = strtok_r(NULL, " \t\r\v\f", &state)) {
                Prefix pfx;

                if (prefix_from_string(tok, &pfx) < 0)
                        return bad_value(p, k, what, tok);
                if (k->type == VALUE_ALTNET) {
                        if (GROW(ic->altnets, ic->n_altnets) < 0)
                                return oom(p);
                        ic->altnets[ic->n_altnets++] = pfx;
                } else {
                        if (pfx.len < 4 || !in4_is_multicast(pfx.addr))
                                return bad_value(p, k, what, tok);
                        if (GROW(ic->filters, ic->n_filters) < 0)
                                return oom(p);
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
static int apply_value(Parser *p, const KeyDef *k, void *base, const char *what, const char *value) {
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
                    (k == &keys[KEY_STALL_TIMEOUT] && t > 0 && t < SEC(1)))
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

/* One "Key=Value" of the INI syntax, in the section the reader last saw. */
static int ini_assignment(Parser *p, const char *name, const char *value) {
        _cleanup_(freep) char *what = NULL;
        const KeyDef *k = NULL;
        KeyId id;
        void *base;
        int r;

        if (p->section == SECTION_NONE)
                return parser_error(p, p->line, name, SIZE_MAX, "assignment outside of any section");
        for (id = 0; id < _KEY_MAX; id++)
                if (keys[id].section == p->section && strcmp(keys[id].name, name) == 0) {
                        k = &keys[id];
                        break;
                }
        if (!k)
                return parser_error(p, p->line, name, SIZE_MAX, "unknown key in section [%s]", section_names[p->section]);

        if (asprintf(&what, "%s=", k->name) < 0) {
                what = NULL;
                return oom(p);
        }
        base = p->section == SECTION_INTERFACE ? (void *) &p->c->ifaces[p->iface] : (void *) p->c;
        r = apply_value(p, k, base, what, value);
        if (r < 0)
                return r;

        if (p->section == SECTION_INTERFACE) {
                IfaceInfo *info = &p->info[p->iface];

                if (id == KEY_ROLE)
                        info->role_line = p->line;
                else if (id == KEY_ALTNET && *value && info->altnet_line == 0)
                        info->altnet_line = p->line;
        } else {
                free(p->key_text[id]);
                p->key_text[id] = NULL;
                p->key_line[id] = 0;
                if (*value) {
                        p->key_text[id] = strdup(value);
                        if (!p->key_text[id])
                                return oom(p);
                        p->key_line[id] = p->line;
                }
        }
        return 0;
}

/* A "[...]" line, already stripped of blanks and comments. */
static int ini_section(Parser *p, const char *s, size_t n) {
        _cleanup_(freep) char *inner = NULL;
        const char *name;

        if (n < 2 || s[n - 1] != ']')
                return parser_error(p, p->line, s, n, "invalid section header, expected [Name]");
        inner = strndup(s + 1, n - 2);
        if (!inner)
                return oom(p);

        for (Section sec = SECTION_PROXY; sec < SECTION_INTERFACE; sec++)
                if (strcmp(inner, section_names[sec]) == 0) {
                        p->section = sec;
                        return 0;
                }

        if (strncmp(inner, "Interface", 9) != 0 || (inner[9] != '\0' && !is_blank(inner[9])))
                return parser_error(p, p->line, inner, SIZE_MAX, "unknown section");
        name = inner + 9;
        while (is_blank(*name))
                name++;
        if (!*name)
                return parser_error(p, p->line, inner, SIZE_MAX, "missing interface name in section header");
        if (!ifname_valid(name))
                return parser_error(p, p->line, name, SIZE_MAX,
                                    "invalid interface name (1..15 characters, no '/', ':', '#', ';', blanks, not '.' or '..')");
        if (config_find_iface(p->c, name))
                return parser_error(p, p->line, inner, SIZE_MAX, "duplicate section");
        if (add_iface(p, name, p->line) < 0)
                return -ENOMEM;
        p->section = SECTION_INTERFACE;
        return 0;
}

/* Assignment too long for libinih's line buffer: split it here. */
static int ini_long_assignment(Parser *p, const char *s, size_t n, const char *eq) {
        _cleanup_(freep) char *name = NULL, *value = NULL;
        size_t kn = (size_t) (eq - s), vn;
        const char *v = eq + 1;

        while (kn > 0 && is_blank(s[kn - 1]))
                kn--;
        vn = n - (size_t) (v - s);
        while (vn > 0 && is_blank(*v))
                v++, vn--;
        name = strndup(s, kn);
        value = strndup(v, vn);
        if (!name || !value)
                return oom(p);
        return ini_assignment(p, name, value);
}

/* libinih pulls lines through here. We hand it one cleaned line per line of
 * the file, so its line count stays ours; section headers and lines it could
 * not hold are dealt with here and passed on as empty lines. */
static char *config_ini_reader(char *buf, int size, void *userdata) {
        Parser *p = userdata;
        const char *s, *eq, *colon;
        size_t n;

        if (p->error_r || size < 2)
                return NULL;
        if (!next_line(p->text, p->len, &p->pos, &s, &n))
                return NULL;
        p->line++;
        buf[0] = '\0';

        clean_line(&s, &n);
        if (n == 0)
                return buf;
        if (s[0] == '[') {
                (void) ini_section(p, s, n);
                return p->error_r ? NULL : buf;
        }

        eq = memchr(s, '=', n);
        colon = memchr(s, ':', n);
        if (!eq || (colon && colon < eq)) {
                (void) parser_error(p, p->line, s, n, "cannot parse line, expected [Section] or Key=Value");
                return NULL;
        }
        if (n < (size_t) size) {
                memcpy(buf, s, n);
                buf[n] = '\0';
                return buf;
        }
        (void) ini_long_assignment(p, s, n, eq);
        return p->error_r ? NULL : buf;
}

static int config_ini_handler(void *userdata, const char *section, const char *name, const char *value) {
        Parser *p = userdata;

        return ini_assignment(p, name, value) >= 0;
}

static int parse_ini(Parser *p) {
        int r;

        r = ini_parse_stream(config_ini_reader, p, config_ini_handler, p);
        if (p->error_r)
                return p->error_r;
        if (r < 0)
                return oom(p);
        if (r > 0) {
                /* Should not happen: the reader lets only Key=Value through. */
                const char *s = NULL;
                size_t pos = 0, n = 0;

                for (int i = 0; i < r; i++)
                        if (!next_line(p->text, p->len, &pos, &s, &n))
                                break;
                return parser_error(p, (unsigned) r, s, s ? n : 0, "cannot parse line");
        }
        return 0;
}

typedef struct Token {
        const char *s;
        unsigned line;
} Token;

typedef struct Tokens {
        char *buf;
        Token *t;
        size_t n;
        size_t i;
} Tokens;

static void tokens_done(Tokens *t) {
        free(t->buf);
        free(t->t);
}

/* Splits the legacy syntax into words: blanks and newlines separate, '#'
 * starts a comment to the end of the line. */
static int legacy_tokenize(Parser *p, Tokens *tk) {
        size_t *ends = NULL;
        unsigned line = 1;
        int r = 0;

        tk->buf = malloc(p->len + 1);
        if (!tk->buf)
                return oom(p);
        memcpy(tk->buf, p->text, p->len);
        tk->buf[p->len] = '\0';

        for (size_t i = 0; i < p->len;) {
                char ch = tk->buf[i];
                size_t start;

                if (ch == '#') {
                        while (i < p->len && tk->buf[i] != '\n')
                                i++;
                        continue;
                }
                if (is_space(ch)) {
                        if (ch == '\n')
                                line++;
                        i++;
                        continue;
                }
                start = i;
                while (i < p->len && !is_space(tk->buf[i]) && tk->buf[i] != '#')
                        i++;
                if (GROW(tk->t, tk->n) < 0 || GROW(ends, tk->n) < 0) {
                        r = oom(p);
                        goto finish;
                }
                tk->t[tk->n] = (Token) { .s = tk->buf + start, .line = line };
                ends[tk->n++] = i;
        }
        /* Terminate words only now: the separators were needed above. */
        for (size_t j = 0; j < tk->n; j++)
                tk->buf[ends[j]] = '\0';
finish:
        free(ends);
        return r;
}

static const Token *tokens_next(Tokens *tk) {
        return tk->i < tk->n ? &tk->t[tk->i++] : NULL;
}

static const Token *tokens_peek(const Tokens *tk) {
        return tk->i < tk->n ? &tk->t[tk->i] : NULL;
}

static bool keyword_is(const Token *t, const char *kw) {
        return t && strcasecmp(t->s, kw) == 0;
}

/* Applies "keyword value" of the legacy syntax through the INI key k. */
static int legacy_value(Parser *p, KeyId id, IfaceConfig *ic, const Token *kw, const Token *val) {
        if (!val)
                return parser_error(p, kw->line, kw->s, SIZE_MAX, "missing value after keyword");
        p->line = val->line;
        return apply_value(p, &keys[id], ic, kw->s, val->s);
}

static int legacy_phyint(Parser *p, Tokens *tk, const Token *kw) {
        const Token *name, *role, *t;
        IfaceConfig *ic;
        int r;

        name = tokens_next(tk);
        if (!name)
                return parser_error(p, kw->line, kw->s, SIZE_MAX, "missing interface name after keyword");
        if (!ifname_valid(name->s))
                return parser_error(p, name->line, name->s, SIZE_MAX,
                                    "invalid interface name (1..15 characters, no '/', ':', '#', ';', blanks, not '.' or '..')");
        if (config_find_iface(p->c, name->s))
                return parser_error(p, name->line, name->s, SIZE_MAX, "interface configured twice");
        r = add_iface(p, name->s, kw->line);
        if (r < 0)
                return r;
        ic = &p->c->ifaces[p->iface];

        role = tokens_next(tk);
        if (!role)
                return parser_error(p, name->line, name->s, SIZE_MAX,
                                    "missing role (upstream, downstream or disabled) after interface name");
        if (role_from_string(role->s, &ic->role) < 0)
                return parser_error(p, role->line, role->s, SIZE_MAX,
                                    "invalid role of interface %s (expected upstream, downstream or disabled)", name->s);
        p->info[p->iface].role_line = role->line;

        while ((t = tokens_peek(tk)) && (keyword_is(t, "ratelimit") || keyword_is(t, "threshold"))) {
                tokens_next(tk);
                r = legacy_value(p, keyword_is(t, "ratelimit") ? KEY_RATELIMIT : KEY_THRESHOLD, ic, t, tokens_next(tk));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* altnet/whitelist/blacklist: one or more prefixes for the last phyint. */
static int legacy_prefixes(Parser *p, Tokens *tk, const Token *kw, KeyId id) {
        IfaceConfig *ic;
        const Token *t;
        int r;

        if (p->c->n_ifaces == 0)
                return parser_error(p, kw->line, kw->s, SIZE_MAX, "keyword before any phyint");
        ic = &p->c->ifaces[p->c->n_ifaces - 1];

        t = tokens_next(tk);
        if (!t)
                return parser_error(p, kw->line, kw->s, SIZE_MAX, "missing prefix after keyword");
        for (;;) {
                p->line = t->line;
                r = apply_value(p, &keys[id], ic, kw->s, t->s);
                if (r < 0)
                        return r;
                if (id == KEY_ALTNET && p->info[p->c->n_ifaces - 1].altnet_line == 0)
                        p->info[p->c->n_ifaces - 1].altnet_line = t->line;
                /* Keywords never start with a digit, prefixes always do. */
                t = tokens_peek(tk);
                if (!t || !(t->s[0] >= '0' && t->s[0] <= '9'))
                        return 0;
                tokens_next(tk);
        }
}

static int parse_legacy(Parser *p) {
        _cleanup_(tokens_done) Tokens tk = {};
        const Token *t;
        int r;

        p->c->legacy = true;
        r = legacy_tokenize(p, &tk);
        if (r < 0)
                return r;

        while ((t = tokens_next(&tk))) {
                p->line = t->line;
                if (keyword_is(t, "quickleave"))
                        p->c->quickleave = true;
                else if (keyword_is(t, "defaultdown"))
                        p->c->default_role = ROLE_DOWNSTREAM;
                else if (keyword_is(t, "phyint"))
                        r = legacy_phyint(p, &tk, t);
                else if (keyword_is(t, "altnet"))
                        r = legacy_prefixes(p, &tk, t, KEY_ALTNET);
                else if (keyword_is(t, "whitelist"))
                        r = legacy_prefixes(p, &tk, t, KEY_WHITELIST);
                else if (keyword_is(t, "blacklist"))
                        r = legacy_prefixes(p, &tk, t, KEY_BLACKLIST);
                else if (keyword_is(t, "hashtablesize") || keyword_is(t, "rescanvif")) {
                        if (!tokens_next(&tk))
                                return parser_error(p, t->line, t->s, SIZE_MAX, "missing value after keyword");
                        parser_warning(p, t->line, t->s, "keyword not supported, ignored");
                } else if (strchr(t->s, '=') || t->s[0] == '[')
                        return parser_error(p, t->line, t->s, SIZE_MAX,
                                            "unknown keyword (an INI file must start with a [Section] line)");
                else
                        return parser_error(p, t->line, t->s, SIZE_MAX, "unknown keyword");
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *key_text(Parser *p, KeyId id, char buf[static TIMESPAN_BUF], usec_t value) {
        return p->key_text[id] ? p->key_text[id] : format_timespan(buf, value);
}

/* Checks that need the whole file; resolves the derived defaults.
 * Errors about the file as a whole use its last line (1 if empty). */
static int finish(Parser *p) {
        Config *c = p->c;
        unsigned last = MAX(p->n_lines, 1U);
        char a[TIMESPAN_BUF], b[TIMESPAN_BUF];
        const IfaceConfig *up = NULL;
        bool down = false;

        for (size_t i = 0; i < c->n_ifaces; i++) {
                const IfaceConfig *ic = &c->ifaces[i];
                const IfaceInfo *info = &p->info[i];

                if (info->role_line == 0)
                        return parser_error(p, ic->line, ic->name, SIZE_MAX, "missing Role= in section [Interface]");
                if (ic->role == ROLE_UPSTREAM) {
                        if (up)
                                return parser_error(p, info->role_line, ic->name, SIZE_MAX,
                                                    "only one upstream interface is supported, %s is upstream already",
                                                    up->name);
                        up = ic;
                }
                if (ic->role == ROLE_DOWNSTREAM)
                        down = true;
        }

        /* Querier timing. */
        if (c->query_response_interval >= c->query_interval) {
                if (p->key_line[KEY_QUERY_RESPONSE_INTERVAL])
                        return parser_error(p, p->key_line[KEY_QUERY_RESPONSE_INTERVAL],
                                            key_text(p, KEY_QUERY_RESPONSE_INTERVAL, a, c->query_response_interval), SIZE_MAX,
                                            "QueryResponseIntervalSec= must be shorter than QueryIntervalSec= (%s)",
                                            format_timespan(b, c->query_interval));
                return parser_error(p, p->key_line[KEY_QUERY_INTERVAL],
                                    key_text(p, KEY_QUERY_INTERVAL, a, c->query_interval), SIZE_MAX,
                                    "QueryIntervalSec= must be longer than QueryResponseIntervalSec= (%s)",
                                    format_timespan(b, c->query_response_interval));
        }
        if (p->key_line[KEY_STARTUP_QUERY_INTERVAL]) {
                if (c->startup_query_interval > c->query_interval)
                        return parser_error(p, p->key_line[KEY_STARTUP_QUERY_INTERVAL],
                                            key_text(p, KEY_STARTUP_QUERY_INTERVAL, a, c->startup_query_interval), SIZE_MAX,
                                            "StartupQueryIntervalSec= must not be longer than QueryIntervalSec= (%s)",
                                            format_timespan(b, c->query_interval));
        } else
                c->startup_query_interval = c->query_interval / 4;
        if (!p->key_line[KEY_STARTUP_QUERY_COUNT])
                c->startup_query_count = c->robustness;
        if (!p->key_line[KEY_LAST_MEMBER_QUERY_COUNT])
                c->last_member_query_count = c->robustness;

        /* Refresh timing. */
        if (p->key_line[KEY_REFRESH_SPREAD]) {
                if (c->refresh_spread > c->refresh_interval / 2)
                        return parser_error(p, p->key_line[KEY_REFRESH_SPREAD],
                                            key_text(p, KEY_REFRESH_SPREAD, a, c->refresh_spread), SIZE_MAX,
                                            "SpreadSec= must be at most half of IntervalSec= (%s)",
                                            format_timespan(b, c->refresh_interval));
        } else
                c->refresh_spread = MIN(c->refresh_spread, c->refresh_interval / 2);

        if (c->n_ifaces == 0)
                return parser_error(p, last, NULL, 0, "no interfaces configured");
        if (!up)
                return parser_error(p, last, NULL, 0, "no upstream interface configured");
        if (!down && c->default_role != ROLE_DOWNSTREAM)
                return parser_error(p, last, NULL, 0, "no downstream interface configured (and %s)",
                                    c->legacy ? "no defaultdown" : "DefaultRole= is not downstream");

        /* Warnings. */
        if (c->refresh != REFRESH_NO && c->refresh_interval > REFRESH_INTERVAL_WARN)
                parser_warning(p, p->key_line[KEY_REFRESH_INTERVAL],
                               key_text(p, KEY_REFRESH_INTERVAL, a, c->refresh_interval),
                               "IntervalSec= above %s leaves no room for a lost refresh before Movistar+ drops the membership (260s)",
                               format_timespan(b, REFRESH_INTERVAL_WARN));
        for (size_t i = 0; i < c->n_ifaces; i++)
                if (c->ifaces[i].n_altnets > 0 && c->ifaces[i].role != ROLE_UPSTREAM)
                        parser_warning(p, p->info[i].altnet_line, c->ifaces[i].name,
                                       "%s is only used on the upstream interface, ignored on this %s interface",
                                       c->legacy ? "altnet" : "AltNet=", iface_role_to_string(c->ifaces[i].role));
        return 0;
}

static void parser_done(Parser *p) {
        for (size_t i = 0; i < _KEY_MAX; i++)
                free(p->key_text[i]);
        free(p->info);
        if (p->warnings)
                fclose(p->warnings);
        free(p->warnings_buf);
        free(p->error);
        config_free(p->c);
}

int config_parse_string(const char *text, size_t len, const char *name, Config **ret, char **ret_error) {
        _cleanup_(parser_done) Parser p = {};
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (!text)
                len = 0;

        p.c = calloc(1, sizeof *p.c);
        if (!p.c)
                return -ENOMEM;
        config_init_defaults(p.c);
        config_init_defaults(&p.defaults);
        iface_init_defaults(&p.iface_defaults);
        p.c->path = strdup(name ? name : "<string>");
        if (!p.c->path)
                return -ENOMEM;

        if (len > CONFIG_FILE_MAX) {
                if (ret_error && asprintf(ret_error, "%s: file too large (%zu bytes, at most %u allowed)",
                                          p.c->path, len, CONFIG_FILE_MAX) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }

        /* A UTF-8 byte order mark is not part of the first line. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                text += 3, len -= 3;
        p.text = text ? text : "";
        p.len = len;

        r = check_lines(&p);
        if (r >= 0)
                r = looks_like_ini(p.text, p.len) ? parse_ini(&p) : parse_legacy(&p);
        if (r >= 0)
                r = finish(&p);
        if (r >= 0 && p.error_r)
                r = p.error_r;
        if (r >= 0 && p.warnings) {
                if (fclose(p.warnings) != 0)
                        r = -ENOMEM;
                p.warnings = NULL;
                p.c->warnings = p.warnings_buf;
                p.warnings_buf = NULL;
        }
        if (r < 0) {
                if (ret_error) {
                        *ret_error = p.error;
                        p.error = NULL;
                }
                return r;
        }

        *ret = p.c;
        p.c = NULL;
        return 0;
}

int config_load(const char *path, Config **ret, char **ret_error) {
        _cleanup_(closep) int fd = -EBADF;
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0, alloc = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                goto io_error;
        }

        /* Read up to one byte past the limit, so that "too large" is known
         * without trusting st_size (pipes, /proc and /dev/stdin have none). */
        for (;;) {
                ssize_t k;

                if (size == alloc) {
                        size_t n = alloc == 0 ? 64 * 1024 : MIN(alloc * 2, (size_t) CONFIG_FILE_MAX + 1);
                        char *q;

                        if (n <= alloc)
                                break;
                        q = realloc(buf, n);
                        if (!q)
                                return -ENOMEM;
                        buf = q;
                        alloc = n;
                }
                k = read(fd, buf + size, alloc - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto io_error;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        if (size > CONFIG_FILE_MAX) {
                if (ret_error && asprintf(ret_error, "%s: file too large (more than %u bytes)", path, CONFIG_FILE_MAX) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }
        return config_parse_string(buf, size, path, ret, ret_error);

io_error:
        if (ret_error && asprintf(ret_error, "%s: %s", path, strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

char *config_to_string(const Config *c) {
        _cleanup_(freep) char *out = NULL;
        char a[TIMESPAN_BUF], pfx[IN4_STRLEN + 4], *ret;
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
        }

        if (fclose(f) != 0)
                return NULL;
        ret = out;
        out = NULL;
        return ret;
}
