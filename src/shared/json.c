/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.c - see json.h. Strings are escaped per RFC 8259 section 7: quote,
 * backslash and control characters; bytes >= 0x80 pass through (UTF-8 in,
 * UTF-8 out).
 */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>

static void put(JsonWriter *j, const char *s, size_t n) {
        if (j->oom)
                return;
        if (j->len + n + 1 > j->cap) {
                size_t cap = MAX(j->cap * 2, j->len + n + 256);
                char *b = realloc(j->buf, cap);
                if (!b) {
                        j->oom = true;
                        return;
                }
                j->buf = b;
                j->cap = cap;
        }
        memcpy(j->buf + j->len, s, n);
        j->len += n;
        j->buf[j->len] = 0;
}

static void puts_(JsonWriter *j, const char *s) {
        put(j, s, strlen(s));
}

static void value_start(JsonWriter *j) {
        if (j->need_comma)
                put(j, ",", 1);
        j->need_comma = false;
}

void json_begin_object(JsonWriter *j) {
        value_start(j);
        put(j, "{", 1);
}

void json_end_object(JsonWriter *j) {
        put(j, "}", 1);
        j->need_comma = true;
}

void json_begin_array(JsonWriter *j) {
        value_start(j);
        put(j, "[", 1);
}

void json_end_array(JsonWriter *j) {
        put(j, "]", 1);
        j->need_comma = true;
}

static void put_quoted(JsonWriter *j, const char *s) {
        put(j, "\"", 1);
        for (const unsigned char *p = (const unsigned char *) (s ? s : ""); *p; p++) {
                char esc[8];
                if (*p == '"' || *p == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char) *p;
                        put(j, esc, 2);
                } else if (*p < 0x20) {
                        snprintf(esc, sizeof esc, "\\u%04x", *p);
                        puts_(j, esc);
                } else if (*p < 0x80)
                        put(j, (const char *) p, 1);
                else {
                        /* JSON is UTF-8: a byte outside a valid sequence (an
                         * interface name may have one) becomes the text \xNN. */
                        size_t len = utf8_sequence_len(p);
                        if (len == 0) {
                                snprintf(esc, sizeof esc, "\\\\x%02x", *p);
                                puts_(j, esc);
                        } else {
                                put(j, (const char *) p, len);
                                p += len - 1;
                        }
                }
        }
        put(j, "\"", 1);
}

void json_key(JsonWriter *j, const char *key) {
        value_start(j);
        put_quoted(j, key);
        put(j, ":", 1);
}

void json_string(JsonWriter *j, const char *s) {
        value_start(j);
        put_quoted(j, s);
        j->need_comma = true;
}

void json_uint(JsonWriter *j, uint64_t u) {
        char b[24];

        value_start(j);
        snprintf(b, sizeof b, "%" PRIu64, u);
        puts_(j, b);
        j->need_comma = true;
}

void json_bool(JsonWriter *j, bool b) {
        value_start(j);
        puts_(j, b ? "true" : "false");
        j->need_comma = true;
}

void json_null(JsonWriter *j) {
        value_start(j);
        puts_(j, "null");
        j->need_comma = true;
}

void json_writer_done(JsonWriter *j) {
        free(j->buf);
        *j = (JsonWriter) {};
}

char *json_steal(JsonWriter *j) {
        char *s = NULL;

        if (!j->oom)
                s = j->buf ? j->buf : strdup("");
        else
                free(j->buf);
        *j = (JsonWriter) {};
        return s;
}

static void indent(JsonWriter *j, int level) {
        put(j, "\n", 1);
        for (int k = 0; k < level; k++)
                put(j, "  ", 2);
}

char *json_pretty(const char *text) {
        JsonWriter j = {};
        int level = 0;
        bool in_string = false;

        for (const char *p = text; *p; p++) {
                char c = *p;
                if (in_string) {
                        put(&j, p, 1);
                        if (c == '\\' && p[1])
                                put(&j, ++p, 1);
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                switch (c) {
                case '"':
                        in_string = true;
                        put(&j, p, 1);
                        break;
                case '{':
                case '[':
                        put(&j, p, 1);
                        if (p[1] == (c == '{' ? '}' : ']')) {
                                put(&j, ++p, 1);
                                break;
                        }
                        indent(&j, ++level);
                        break;
                case '}':
                case ']':
                        indent(&j, --level);
                        put(&j, p, 1);
                        break;
                case ',':
                        put(&j, p, 1);
                        indent(&j, level);
                        break;
                case ':':
                        put(&j, ": ", 2);
                        break;
                case ' ':
                case '\n':
                case '\t':
                case '\r':
                        break;
                default:
                        put(&j, p, 1);
                }
        }
        put(&j, "", 0);
        return json_steal(&j);
}
