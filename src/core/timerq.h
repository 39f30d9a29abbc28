/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timerq.h - a binary min-heap of deadlines for the core.
 *
 * The core keeps every protocol timer (queries, group timers, refresh cycle,
 * route idle checks) in one heap and never reads a clock: the glue asks for
 * the earliest deadline, arms one sd-event timer for it and, when it fires,
 * hands the current time back. O(log n) per arm/disarm so thousands of groups
 * cost the same per event as ten. Timers are embedded in their owners; the
 * heap only stores pointers and each timer remembers its heap slot.
 */
#pragma once

#include "util.h"

#define TIMER_UNARMED SIZE_MAX

typedef struct Timer {
        usec_t when;
        size_t idx;   /* position in the heap, TIMER_UNARMED if not armed */
        uint8_t kind; /* what owns it; used by the dispatcher */
} Timer;

typedef struct TimerQ {
        Timer **heap;
        size_t n, cap;
        size_t reserved; /* heap slots promised to the owners of timers (cap >= reserved) */
} TimerQ;

static inline void timer_init(Timer *t, uint8_t kind) {
        *t = (Timer) { .when = USEC_INFINITY, .idx = TIMER_UNARMED, .kind = kind };
}

static inline bool timer_armed(const Timer *t) {
        return t->idx != TIMER_UNARMED;
}

/* Room for n more timers, taken when their owner is created (a membership,
 * a group, a route), so that arming them later never allocates and cannot
 * fail: -ENOMEM here, and the owner is not created. Given back when the
 * owner goes. */
int timerq_reserve(TimerQ *q, size_t n);
void timerq_unreserve(TimerQ *q, size_t n);
/* Arms t at 'when' (moves it if already armed). Cannot fail while every armed
 * timer's owner reserved its room; -ENOMEM only for an unreserved one when
 * growing fails. */
int timerq_arm(TimerQ *q, Timer *t, usec_t when);
void timerq_disarm(TimerQ *q, Timer *t);
/* Earliest deadline, USEC_INFINITY if empty. */
usec_t timerq_next(const TimerQ *q);
/* Removes and returns the earliest timer due at or before now, NULL if none. */
Timer *timerq_pop_due(TimerQ *q, usec_t now);
void timerq_done(TimerQ *q);
