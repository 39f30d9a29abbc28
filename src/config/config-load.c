/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-load.c - config_load() and config_parse_string(): reading the file
 * (size limit), refusing NUL bytes and over-long lines, detecting the syntax,
 * running its reader, then the checks that need the whole file (one upstream,
 * a downstream, querier and refresh timing) and the derived defaults
 * (StartupQueryIntervalSec= etc.), and the warnings.
 *
 * It does not parse lines or values itself: the readers (config-ini.c,
 * config-legacy.c) do, with config-value.c. The only I/O is reading the file.
 */
#include "config-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>

/* A file larger than this is refused before parsing. */
#define CONFIG_FILE_MAX (1024U * 1024U + 64U * 1024U)

/* IntervalSec= above this is allowed but warned about: Movistar+ forgets a
 * membership 260 s after the last report, two cycles must fit in there. */
#define REFRESH_INTERVAL_WARN (130U * USEC_PER_SEC)

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

/* INI if the first line that is neither blank nor a comment starts with '['. */
static bool looks_like_ini(const char *text, size_t len) {
        const char *s;
        size_t pos = 0, n;

        while (next_line(text, len, &pos, &s, &n)) {
                while (n > 0 && is_blank(*s))
                        s++, n--;
                if (n > 0 && *s != '#' && *s != ';')
                        return *s == '[';
        }
        return false;
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
        for (size_t i = 0; i < c->n_ifaces; i++)
                if (p->info[i].forward_line > 0 && c->ifaces[i].role != ROLE_DOWNSTREAM)
                        parser_warning(p, p->info[i].forward_line, c->ifaces[i].name,
                                       "ForwardToUpstream= is only used on downstream interfaces, ignored on this %s interface",
                                       iface_role_to_string(c->ifaces[i].role));
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
