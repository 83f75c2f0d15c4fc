/*
 * Per worker: setTimeout/setInterval on one evtimer, the invocation contexts
 * that timers and fetch() belong to (ctx.waitUntil), and the cron scheduler.
 * Worker only, on the worker's event_base.
 *
 * An invocation is a request (id >= 0, the nd_rq id) or a scheduled event
 * (id <= -2). Timers, transfers and waitUntil promises are registered under
 * the invocation whose macrotask created them (lib.currentRequest in JS).
 * The invocation is live while its request is in flight or a waitUntil
 * promise of it is pending (bounded by wait_until_timeout); once it is not,
 * what it still has pending is cancelled: a timer of an answered request
 * without waitUntil never fires (as in Workers), so nothing runs forever.
 */
#ifndef ND_TIMER_H
#define ND_TIMER_H

#include <stdint.h>

#include "worker/app.h"

struct nd_fetch;

/* One invocation's bookkeeping, created on first use (a plain request that
 * uses neither fetch() nor waitUntil never has one). */
struct nd_ioctx {
    double             id;
    struct nd_app     *app;
    int64_t            subreq_total;    /* fetch() calls so far (max_subrequests) */
    int64_t            subreq_active;   /* transfers in flight (max_concurrent_subrequests) */
    struct nd_fetch   *queue_head;      /* waiting for a concurrency slot (fetch.c) */
    struct nd_fetch   *queue_tail;
    int                waits;           /* pending waitUntil promises */
    struct event      *wait_timer;      /* owned: wait_until_timeout, while waits > 0 */
    struct nd_app_res  wait_res;        /* registered while waits > 0 */
    int64_t            tail_cpu_us;     /* JS CPU after the response (cpu_limit bounds it) */
    char               rid[72];         /* the request's id for logs (nd_app_rq_log_id) */
    struct nd_ioctx   *hnext;
};

/* 0, or -1 (logged). Also arms cron when this worker runs it. */
int nd_timers_init(struct nd_worker *w);
void nd_timers_cleanup(struct nd_worker *w);

/* Before the first fork (nd_worker_global_init): the shared page that keeps
 * cron to one run per minute across generations. 0 or -1. */
int nd_timers_global_init(void);

/* Drain: stop running cron in this worker. */
void nd_timers_drain(struct nd_worker *w);

/*
 * setTimeout/setInterval: timer id (chosen by JS, per heap) fires after ms
 * (clamped to >= 4 ms when level > 5, HTML's nesting rule) and then every ms
 * when repeat. io: the invocation. 0, or -1 when out of memory.
 */
int nd_timer_start(struct nd_app *app, double id, double io, int64_t ms, int repeat, int level);
/* 1 when the timer was pending (and is now gone), else 0. */
int nd_timer_clear(struct nd_app *app, double id);
int nd_timer_pending(struct nd_app *app, double id);

/* Invocations. find: NULL when it has none; get: creates (NULL when out of memory). */
struct nd_ioctx *nd_ioctx_find(struct nd_app *app, double id);
struct nd_ioctx *nd_ioctx_get(struct nd_app *app, double id);
/* 1 while the invocation may still run code: its request is in flight or a
 * waitUntil promise of it is pending. */
int nd_ioctx_live(struct nd_app *app, double id);
/* Frees ctx when nothing refers to it any more (never while it is live or busy). */
void nd_ioctx_release(struct nd_ioctx *ctx);
/* ctx.waitUntil(): begin holds the worker (drain waits) until end. */
int nd_ioctx_wait_begin(struct nd_app *app, double id);
void nd_ioctx_wait_end(struct nd_app *app, double id);

#endif
