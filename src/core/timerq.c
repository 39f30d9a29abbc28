/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timerq.c - binary min-heap of embedded timers (see timerq.h).
 * Ties are broken by nothing: two timers due at the same microsecond fire in
 * heap order; the core never depends on that order.
 */
#include "timerq.h"

#include <errno.h>

static void heap_set(TimerQ *q, size_t i, Timer *t) {
        q->heap[i] = t;
        t->idx = i;
}

static void sift_up(TimerQ *q, size_t i) {
        Timer *t = q->heap[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;
                if (q->heap[parent]->when <= t->when)
                        break;
                heap_set(q, i, q->heap[parent]);
                i = parent;
        }
        heap_set(q, i, t);
}

static void sift_down(TimerQ *q, size_t i) {
        Timer *t = q->heap[i];

        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                usec_t best = t->when;

                if (l < q->n && q->heap[l]->when < best) {
                        m = l;
                        best = q->heap[l]->when;
                }
                if (r < q->n && q->heap[r]->when < best)
                        m = r;
                if (m == i)
                        break;
                heap_set(q, i, q->heap[m]);
                i = m;
        }
        heap_set(q, i, t);
}

static int grow(TimerQ *q, size_t want) {
        size_t cap = q->cap ? q->cap : 64;
        Timer **h;

        while (cap < want)
                cap *= 2;
        if (cap == q->cap)
                return 0;
        h = realloc(q->heap, cap * sizeof *h);
        if (!h)
                return -ENOMEM;
        q->heap = h;
        q->cap = cap;
        return 0;
}

int timerq_reserve(TimerQ *q, size_t n) {
        int r = grow(q, q->reserved + n);

        if (r < 0)
                return r;
        q->reserved += n;
        return 0;
}

void timerq_unreserve(TimerQ *q, size_t n) {
        q->reserved -= MIN(n, q->reserved);
}

int timerq_arm(TimerQ *q, Timer *t, usec_t when) {
        if (timer_armed(t)) {
                usec_t old = t->when;
                t->when = when;
                if (when < old)
                        sift_up(q, t->idx);
                else
                        sift_down(q, t->idx);
                return 0;
        }
        if (q->n == q->cap && grow(q, q->n + 1) < 0)
                return -ENOMEM;
        t->when = when;
        heap_set(q, q->n++, t);
        sift_up(q, t->idx);
        return 0;
}

void timerq_disarm(TimerQ *q, Timer *t) {
        size_t i = t->idx;

        if (!timer_armed(t))
                return;
        t->idx = TIMER_UNARMED;
        q->n--;
        if (i == q->n)
                return;
        heap_set(q, i, q->heap[q->n]);
        if (i > 0 && q->heap[(i - 1) / 2]->when > q->heap[i]->when)
                sift_up(q, i);
        else
                sift_down(q, i);
}

usec_t timerq_next(const TimerQ *q) {
        return q->n > 0 ? q->heap[0]->when : USEC_INFINITY;
}

Timer *timerq_pop_due(TimerQ *q, usec_t now) {
        Timer *t;

        if (q->n == 0 || q->heap[0]->when > now)
                return NULL;
        t = q->heap[0];
        timerq_disarm(q, t);
        return t;
}

void timerq_done(TimerQ *q) {
        for (size_t i = 0; i < q->n; i++)
                q->heap[i]->idx = TIMER_UNARMED;
        free(q->heap);
        *q = (TimerQ) {};
}
