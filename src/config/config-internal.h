/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-internal.h - what the configuration readers share, not for use outside src/config/.
 *
 * The files of this folder, bottom up (each calls only the ones above it in this list):
 *   config.c         the model: defaults, lookups, filters, config_to_string(), free, dup
 *   config-value.c   the key table, the parse state (Parser), error and warning messages,
 *                    and parsing/range-checking one value for a key
 *   config-ini.c     the INI reader (libinih tokenizes; we feed it lines and map keys)
 *   config-legacy.c  the legacy igmpproxy.conf reader (its own word tokenizer)
 *   config-load.c    config_load()/config_parse_string(): limits, format detection, running
 *                    a reader, the whole-file checks and derived defaults
 * No reader calls the other, and the value code calls no reader.
 */
#pragma once

#include <stdio.h>

#include "config.h"

/* A line longer than this (not counting the newline) is refused. */
#define CONFIG_LINE_MAX 4096U
/* At most this many bytes of offending text are quoted in a message. */
#define QUOTE_MAX 100U
#define QUOTE_BUF (QUOTE_MAX * 4U + 8U)
#define TIMESPAN_BUF 32U
#define PREFIX_BUF (IN4_STRLEN + 4U)

typedef enum Section {
        SECTION_NONE,
        SECTION_PROXY,
        SECTION_QUERIER,
        SECTION_REFRESH,
        SECTION_INTERFACE,
        _SECTION_MAX,
} Section;

typedef enum ValueType {
        VALUE_BOOL,
        VALUE_BOOL_NEGATED, /* a yes/no key stored in a bool field that means its opposite */
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
        KEY_ACCEPT_REPORTS_WITHOUT_RA,
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
        KEY_UNSOLICITED_REPORT_INTERVAL,
        KEY_ROLE,
        KEY_ALTNET,
        KEY_WHITELIST,
        KEY_BLACKLIST,
        KEY_THRESHOLD,
        KEY_RATELIMIT,
        KEY_FORWARD_TO_UPSTREAM,
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

/* Every key of the INI syntax; the legacy keywords map onto some of them. */
extern const KeyDef config_keys[_KEY_MAX];

/* What the parser remembers about an interface beyond IfaceConfig. */
typedef struct IfaceInfo {
        unsigned role_line;   /* 0: no Role= seen */
        unsigned altnet_line; /* first AltNet= with a value */
        unsigned forward_line; /* last ForwardToUpstream= with a value */
} IfaceInfo;

/* The state of one parse, shared by the readers and the whole-file checks. */
typedef struct Parser {
        Config *c;
        Config defaults;
        IfaceConfig iface_defaults;

        const char *text; /* after a byte order mark, if any; no NUL byte, no over-long line */
        size_t len;
        unsigned line;    /* the line being read: messages about a value use it */
        unsigned n_lines;

        size_t iface;     /* index of the interface last added */
        IfaceInfo *info;  /* parallel to c->ifaces */

        unsigned key_line[_KEY_MAX]; /* global keys: where set, 0 = not set */
        char *key_text[_KEY_MAX];    /* ... and the value as written */

        char *error;
        int error_r;
        FILE *warnings;
        char *warnings_buf;
        size_t warnings_size;
} Parser;

static inline bool is_blank(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static inline bool is_space(char ch) {
        return ch == '\n' || is_blank(ch);
}

/* config.c */
void iface_init_defaults(IfaceConfig *ic);
const char *format_timespan(char buf[static TIMESPAN_BUF], usec_t t);
const char *format_prefix(char buf[static PREFIX_BUF], const Prefix *p);

/* config-value.c */
int grow_array(void **array, size_t n, size_t size);
#define GROW(array, n) grow_array((void **) &(array), (n), sizeof *(array))
bool next_line(const char *text, size_t len, size_t *pos, const char **ret, size_t *ret_n);
int role_from_string(const char *s, IfaceRole *ret);
bool ifname_valid(const char *s);
#define IFNAME_RULES "1..15 characters, no '/', ':', '#', ';', ']', blanks, not '.' or '..'"
int parser_oom(Parser *p);
_printf_(5, 6)
int parser_error(Parser *p, unsigned line, const char *text, size_t text_len, const char *fmt, ...);
_printf_(4, 5)
void parser_warning(Parser *p, unsigned line, const char *text, const char *fmt, ...);
int parser_add_iface(Parser *p, const char *name, unsigned line);
int apply_value(Parser *p, const KeyDef *k, void *base, const char *what, const char *value);

/* The readers: each fills p->c from p->text (0, or the negative errno of the first error,
 * which is in p->error). */
int parse_ini(Parser *p);    /* config-ini.c */
int parse_legacy(Parser *p); /* config-legacy.c */
