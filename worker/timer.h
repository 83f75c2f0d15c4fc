/*
 * setTimeout/setInterval, per worker: one binary min-heap of timers under one
 * evtimer on the worker's event_base. A timer belongs to the invocation that
 * set it (worker/invocation.h) and never fires once that is over. Worker only.
 */
#ifndef ND_TIMER_H
#define ND_TIMER_H

#include <stdint.h>

#include "worker/app.h"

/* 0, or -1 (logged). */
int nd_timers_init(struct nd_worker *w);
/* After every app's resources were cancelled (nd_app_cleanup). */
void nd_timers_cleanup(struct nd_worker *w);

/*
 * setTimeout/setInterval: timer id (chosen by JS, per heap) fires after ms
 * (clamped to >= 4 ms when level > 5, HTML's nesting rule) and then every ms
 * when repeat. io: the invocation. 0, or -1 when out of memory.
 */
int nd_timer_start(struct nd_app *app, double id, double io, int64_t ms, int repeat, int level);
/* 1 when the timer was pending (and is now gone), else 0. */
int nd_timer_clear(struct nd_app *app, double id);
int nd_timer_pending(struct nd_app *app, double id);

#endif
