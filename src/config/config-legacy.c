/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-legacy.c - the reader of the legacy igmpproxy.conf syntax: words
 * separated by blanks and newlines, '#' comments, keywords quickleave,
 * defaultdown, phyint NAME ROLE [ratelimit N] [threshold N], altnet,
 * whitelist, blacklist (prefixes for the last phyint); hashtablesize and
 * rescanvif are accepted with a warning.
 *
 * It does not check values nor the file as a whole: each value goes through
 * the INI key it maps to (config-value.c), and config-load.c runs the
 * whole-file checks afterwards. It does not use libinih.
 */
#include "config-internal.h"

#include <errno.h>
#include <strings.h>

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
                return parser_oom(p);
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
                        r = parser_oom(p);
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
        return apply_value(p, &config_keys[id], ic, kw->s, val->s);
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
                                    "invalid interface name (" IFNAME_RULES ")");
        if (config_find_iface(p->c, name->s))
                return parser_error(p, name->line, name->s, SIZE_MAX, "interface configured twice");
        r = parser_add_iface(p, name->s, kw->line);
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
                r = apply_value(p, &config_keys[id], ic, kw->s, t->s);
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

int parse_legacy(Parser *p) {
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
