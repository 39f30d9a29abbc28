/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - a tiny JSON writer (compact output) and a re-indenter, for the
 * D-Bus Describe() method and igmpproxyctl --json. Not a parser: the
 * re-indenter only walks tokens of text this writer produced. No I/O.
 */
#pragma once

#include "util.h"

typedef struct JsonWriter {
        char *buf;
        size_t len, cap;
        bool oom;
        bool need_comma;
} JsonWriter;

void json_begin_object(JsonWriter *j);
void json_end_object(JsonWriter *j);
void json_begin_array(JsonWriter *j);
void json_end_array(JsonWriter *j);
void json_key(JsonWriter *j, const char *key);
void json_string(JsonWriter *j, const char *s);
void json_uint(JsonWriter *j, uint64_t u);
void json_bool(JsonWriter *j, bool b);
void json_null(JsonWriter *j);
/* Returns the text (caller frees) or NULL if memory ran out; resets j. */
char *json_steal(JsonWriter *j);
void json_writer_done(JsonWriter *j);

/* Re-indents compact JSON: pretty (two spaces per level, like jq) or
 * compact as given. malloc'ed, NULL on out of memory. */
char *json_pretty(const char *text);
