/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-ini.c - the reader of the INI syntax. libinih does the tokenizing:
 * section headers, Key=Value splitting, blanks, comments ('#' or ';' at the
 * start of a line or after a blank). This file feeds it the text one line at
 * a time through ini_parse_stream() (so the handler knows the line number of
 * every callback), maps sections and keys onto the key table and turns what
 * libinih refuses into "file:line: what: 'text'".
 *
 * It does not split lines into sections, keys or comments itself (it only
 * refuses, on the raw line, two things libinih would take silently: text
 * after a header's ']' and "Key: Value"), nor check values (config-value.c)
 * or the file as a whole (config-load.c).
 *
 * libinih as Debian 12 ships it (r55) has a 200-byte line buffer (a longer
 * line is cut, its rest parsed as another line), multi-line values on, no
 * callback on a section header, and gives no line number through its ini.h
 * (the library passes one, but the header's handler type has none, and the
 * count would include our probe lines). Debian's build exports run-time
 * switches, set before each parse: no multi-line values, '#' and ';'
 * comments, stop on the first error, and a line buffer that holds
 * CONFIG_LINE_MAX bytes. The line number is ours: the reader is called once
 * per line and counts. For a header the reader hands libinih one extra line
 * right after it, PROBE_LINE, whose callback tells the handler the section
 * libinih parsed; it is not a line of the file.
 */
#include "config-internal.h"

#include <errno.h>
#include <ini.h>

/* Size of libinih's section name buffer (MAX_SECTION in its ini.c, not in
 * ini.h): a longer name arrives cut to INIH_SECTION_MAX - 1 bytes. */
#define INIH_SECTION_MAX 50U

/* "Key=" with a key no line of a file can hold at that moment: the reader
 * sends it only right after a header line, and the handler expects it then. */
#define PROBE_KEY "\x01"
#define PROBE_LINE PROBE_KEY "=\n"

static const char *const section_names[_SECTION_MAX] = {
        [SECTION_NONE] = "",
        [SECTION_PROXY] = "Proxy",
        [SECTION_QUERIER] = "Querier",
        [SECTION_REFRESH] = "Refresh",
        [SECTION_INTERFACE] = "Interface",
};

typedef struct IniReader {
        Parser *p;
        size_t pos;      /* in p->text */
        const char *raw; /* the line of the file last handed to libinih, no newline */
        size_t raw_n;
        bool header;     /* ... it is a section header: the probe comes next */
        bool probing;    /* the probe is what libinih is parsing now */
        Section section;
} IniReader;

/* The raw line without its leading and trailing blanks, for messages. */
static const char *raw_trimmed(const IniReader *r, size_t *ret_n) {
        const char *s = r->raw;
        size_t n = r->raw_n;

        while (n > 0 && is_blank(*s))
                s++, n--;
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        *ret_n = n;
        return s;
}

static int bad_line(IniReader *r, const char *what) {
        size_t n;
        const char *s = raw_trimmed(r, &n);

        return parser_error(r->p, r->p->line, s, n, "%s", what);
}

/* One "Key=Value" as libinih split it, in the section last seen. */
static int ini_assignment(IniReader *r, const char *name, const char *value) {
        _cleanup_(freep) char *what = NULL;
        Parser *p = r->p;
        const KeyDef *k = NULL;
        const char *sep;
        size_t n;
        KeyId id;
        void *base;
        int ret;

        /* libinih also splits "Key: Value" (Python's configparser); this
         * syntax is systemd's, where only '=' separates. */
        sep = raw_trimmed(r, &n);
        for (size_t i = strlen(name); i < n; i++)
                if (!is_blank(sep[i])) {
                        if (sep[i] != '=')
                                return bad_line(r, "cannot parse line, expected [Section] or Key=Value");
                        break;
                }

        if (r->section == SECTION_NONE)
                return parser_error(p, p->line, name, SIZE_MAX, "assignment outside of any section");
        for (id = 0; id < _KEY_MAX; id++)
                if (config_keys[id].section == r->section && strcmp(config_keys[id].name, name) == 0) {
                        k = &config_keys[id];
                        break;
                }
        if (!k)
                return parser_error(p, p->line, name, SIZE_MAX, "unknown key in section [%s]", section_names[r->section]);

        if (asprintf(&what, "%s=", k->name) < 0) {
                what = NULL;
                return parser_oom(p);
        }
        base = r->section == SECTION_INTERFACE ? (void *) &p->c->ifaces[p->iface] : (void *) p->c;
        ret = apply_value(p, k, base, what, value);
        if (ret < 0)
                return ret;

        if (r->section == SECTION_INTERFACE) {
                IfaceInfo *info = &p->info[p->iface];

                if (id == KEY_ROLE)
                        info->role_line = p->line;
                else if (id == KEY_ALTNET && *value && info->altnet_line == 0)
                        info->altnet_line = p->line;
                else if (id == KEY_FORWARD_TO_UPSTREAM)
                        info->forward_line = *value ? p->line : 0;
        } else {
                free(p->key_text[id]);
                p->key_text[id] = NULL;
                p->key_line[id] = 0;
                if (*value) {
                        p->key_text[id] = strdup(value);
                        if (!p->key_text[id])
                                return parser_oom(p);
                        p->key_line[id] = p->line;
                }
        }
        return 0;
}

/* The section libinih parsed from the header on line p->line. */
static int ini_section(IniReader *r, const char *inner) {
        Parser *p = r->p;
        size_t inner_n = strlen(inner), n;
        const char *s = raw_trimmed(r, &n), *rest, *name;

        if (inner_n >= INIH_SECTION_MAX - 1)
                return bad_line(r, "section header too long (at most 48 characters between [ and ])");
        /* libinih ignores what follows the ']': only blanks, then a comment, may. */
        rest = s + inner_n + 2;
        for (const char *t = rest; t < s + n; t++)
                if (!is_blank(*t)) {
                        if (t == rest || (*t != '#' && *t != ';'))
                                return bad_line(r, "invalid section header, expected [Name]");
                        break;
                }

        for (Section sec = SECTION_PROXY; sec < SECTION_INTERFACE; sec++)
                if (strcmp(inner, section_names[sec]) == 0) {
                        r->section = sec;
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
                return parser_error(p, p->line, name, SIZE_MAX, "invalid interface name (" IFNAME_RULES ")");
        if (config_find_iface(p->c, name))
                return parser_error(p, p->line, inner, SIZE_MAX, "duplicate section");
        if (parser_add_iface(p, name, p->line) < 0)
                return -ENOMEM;
        r->section = SECTION_INTERFACE;
        return 0;
}

/* libinih's fgets(): one whole line of the file per call (never a piece of
 * one), or the probe after a section header. */
static char *config_ini_reader(char *buf, int size, void *userdata) {
        IniReader *r = userdata;
        Parser *p = r->p;
        const char *s;
        size_t n, i;

        if (p->error_r)
                return NULL;
        if (r->header) {
                r->header = false;
                if (size < (int) sizeof PROBE_LINE)
                        return NULL;
                memcpy(buf, PROBE_LINE, sizeof PROBE_LINE);
                r->probing = true;
                return buf;
        }
        r->probing = false;
        if (!next_line(p->text, p->len, &r->pos, &s, &n))
                return NULL;
        p->line++;
        r->raw = s;
        r->raw_n = n;
        /* config-load.c refused lines over CONFIG_LINE_MAX; this is for a
         * libinih whose buffer is smaller than asked for. */
        if (size < 2 || n > (size_t) size - 2) {
                (void) parser_error(p, p->line, s, n, "line too long (more than %d bytes)", MAX(size - 2, 0));
                return NULL;
        }
        memcpy(buf, s, n);
        buf[n] = '\n';
        buf[n + 1] = '\0';
        /* The test libinih makes for a header (first non-blank byte). */
        for (i = 0; i < n && is_blank(s[i]); i++)
                ;
        r->header = i < n && s[i] == '[';
        return buf;
}

static int config_ini_handler(void *userdata, const char *section, const char *name, const char *value) {
        IniReader *r = userdata;

        if (r->probing) {
                r->probing = false;
                return ini_section(r, section) >= 0;
        }
        return ini_assignment(r, name, value) >= 0;
}

int parse_ini(Parser *p) {
        static char comment_prefixes[] = "#;";
        IniReader r = { .p = p };
        int ret;

        ini_allow_multiline = false; /* an indented line is a line of its own */
        ini_start_comment_prefixes = comment_prefixes;
        ini_allow_inline_comments = true;
        ini_inline_comment_prefixes = comment_prefixes;
        ini_allow_no_value = false;
        ini_stop_on_first_error = true;
        ini_max_line = (int) CONFIG_LINE_MAX + 3; /* the line, "\r\n", NUL */

        ret = ini_parse_stream(config_ini_reader, &r, config_ini_handler, &r);
        if (p->error_r)
                return p->error_r;
        if (ret < 0)
                return parser_oom(p);
        if (ret > 0)
                /* libinih refused the line last read (it stops there). */
                return bad_line(&r, r.header ? "invalid section header, expected [Name]"
                                             : "cannot parse line, expected [Section] or Key=Value");
        return 0;
}
