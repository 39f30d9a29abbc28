/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.c - one line per message on stderr, with a "<N>" syslog priority
 * prefix when stderr is not a terminal. Context fields are appended in
 * brackets for humans. No colours, no timestamps (the journal has its own).
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

int log_max_level = LOG_INFO;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",     [LOG_ERR] = "err",
        [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        return level >= 0 && level < (int) ELEMENTSOF(level_names) ? level_names[level] : NULL;
}

int log_internal(int level, int error, const LogContext *ctx, const char *format, ...) {
        char msg[1024];
        va_list ap;
        int saved = errno;

        error = error < 0 ? -error : error;
        if (level > log_max_level) {
                errno = saved;
                return -error;
        }

        errno = error; /* for %m */
        va_start(ap, format);
        vsnprintf(msg, sizeof msg, format, ap);
        va_end(ap);

        if (!isatty(STDERR_FILENO))
                fprintf(stderr, "<%d>", level);
        fputs(msg, stderr);
        if (ctx && log_max_level >= LOG_DEBUG) {
                char a[IN4_STRLEN];
                if (ctx->interface)
                        fprintf(stderr, " [interface=%s]", ctx->interface);
                if (ctx->group)
                        fprintf(stderr, " [group=%s]", in4_to_string(ctx->group, a));
                if (ctx->source)
                        fprintf(stderr, " [source=%s]", in4_to_string(ctx->source, a));
        }
        fputc('\n', stderr);
        errno = saved;
        return -error;
}
