/*
 * Invocation contexts, per worker: the bookkeeping of one invocation of an
 * app (fetch() counts and queue, ctx.waitUntil, CPU after the response).
 * Worker only, on the worker's event_base.
 *
 * An invocation is a request (id >= 0, the nd_rq id) or a scheduled event
 * (id <= -2, nd_ioctx_sched_id). Timers, transfers, jobs and waitUntil
 * promises are registered under the invocation whose macrotask created them
 * (lib.currentRequest in JS). The invocation is live while its request is in
 * flight or a waitUntil promise of it is pending (bounded by
 * wait_until_timeout); once it is not, what it still has pending is cancelled:
 * a timer of an answered request without waitUntil never fires (as in
 * Workers), so nothing runs forever.
 */
#ifndef ND_INVOCATION_H
#define ND_INVOCATION_H

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

/* w->invocations. 0, or -1 (logged). */
int nd_invocations_init(struct nd_worker *w);
/* Worker exit, after every app's resources were cancelled (nd_app_cleanup). */
void nd_invocations_cleanup(struct nd_worker *w);

/* find: NULL when it has none; get: creates (NULL when out of memory). */
struct nd_ioctx *nd_ioctx_find(struct nd_app *app, double id);
struct nd_ioctx *nd_ioctx_get(struct nd_app *app, double id);
/* 1 while the invocation may still run code: its request is in flight or a
 * waitUntil promise of it is pending. */
int nd_ioctx_live(struct nd_app *app, double id);
/* Frees ctx when nothing refers to it any more (never while it is live or busy). */
void nd_ioctx_release(struct nd_ioctx *ctx);
/* The same for invocation id's context, if it has one (after a completion). */
void nd_ioctx_done(struct nd_app *app, double id);
/* ctx.waitUntil(): begin holds the worker (drain waits) until end. */
int nd_ioctx_wait_begin(struct nd_app *app, double id);
void nd_ioctx_wait_end(struct nd_app *app, double id);

/* A new scheduled event's invocation id (-2, -3, ...; wraps far below). */
double nd_ioctx_sched_id(struct nd_worker *w);

#endif
