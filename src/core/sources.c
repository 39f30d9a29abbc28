/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sources.c - source lists: a sorted array of source records (address,
 * timer, retransmission count) for the router side (membership.c, RFC 3376
 * 6.2.3) and sorted address sets for the merged upstream state (proxy.c,
 * upstream.c). Capped: a list never holds more than SOURCES_MAX entries, so
 * a host cannot grow it without end; what the caller does when a list is
 * full is its own rule (see membership.c and proxy.c).
 *
 * Pure containers: no timers, no effects, no protocol.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

/* Binary search: the index of addr, or where it would go (*found false). */
static size_t src_pos(const SourceList *l, in4_t addr, bool *found) {
        size_t lo = 0, hi = l->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (l->v[mid].addr < addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = lo < l->n && l->v[lo].addr == addr;
        return lo;
}

SrcRec *src_find(const SourceList *l, in4_t addr) {
        bool found;
        size_t k = src_pos(l, addr, &found);

        return found ? &l->v[k] : NULL;
}

SrcRec *src_get(SourceList *l, in4_t addr, bool *ret_new) {
        bool found;
        size_t k = src_pos(l, addr, &found);

        if (ret_new)
                *ret_new = !found;
        if (found)
                return &l->v[k];
        if (l->n >= SOURCES_MAX)
                return NULL;
        if (l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 4;
                SrcRec *v = realloc(l->v, MIN(cap, (size_t) SOURCES_MAX) * sizeof *v);
                if (!v)
                        return NULL;
                l->v = v;
                l->cap = (uint16_t) MIN(cap, (size_t) SOURCES_MAX);
        }
        memmove(&l->v[k + 1], &l->v[k], (l->n - k) * sizeof *l->v);
        l->v[k] = (SrcRec) { .addr = addr };
        l->n++;
        return &l->v[k];
}

void src_remove(SourceList *l, SrcRec *r) {
        size_t k = (size_t) (r - l->v);

        memmove(&l->v[k], &l->v[k + 1], (l->n - k - 1) * sizeof *l->v);
        l->n--;
}

void src_clear(SourceList *l) {
        free(l->v);
        *l = (SourceList) {};
}

static int cmp_in4(const void *a, const void *b) {
        in4_t x = *(const in4_t *) a, y = *(const in4_t *) b;
        return x < y ? -1 : x > y;
}

/* Sorts and removes duplicates in place; returns the new count. */
size_t in4_set_normalize(in4_t *v, size_t n) {
        size_t w = 0;

        if (n == 0)
                return 0;
        qsort(v, n, sizeof *v, cmp_in4);
        for (size_t k = 1; k < n; k++)
                if (v[k] != v[w])
                        v[++w] = v[k];
        return w + 1;
}

bool in4_set_contains(const in4_t *v, size_t n, in4_t a) {
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (v[mid] == a)
                        return true;
                if (v[mid] < a)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

bool in4_set_equal(const in4_t *a, size_t na, const in4_t *b, size_t nb) {
        return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}
