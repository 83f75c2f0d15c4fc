/*
 * Apps inside one worker: a lazily created Duktape heap per app, the
 * requests in flight (struct nd_rq), and what happens when a heap breaks a
 * limit (every request on it gets 503, the heap is rebuilt on next use).
 * Worker only.
 */
#ifndef ND_APP_H
#define ND_APP_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "worker/http.h"
#include "worker/js/host.h"     /* struct nd_app_res: pending work of a heap */
#include "worker/worker.h"      /* struct nd_worker */

struct event;
struct nd_js;
struct nd_app;

enum { ND_SHED_NONE, ND_SHED_BACKOFF, ND_SHED_CONCURRENCY };

/* One request in flight, from routing to its response. */
struct nd_rq {
    double          id;         /* JS-visible: slot | seq << 20, exact in a double */
    struct nd_req  *req;        /* borrowed from http until answered */
    struct nd_app  *app;
    struct event   *timer;      /* owned: request_timeout */
    int64_t         cpu_us;     /* JS time charged to this request (no housekeeping) */
    int64_t         gc_us;      /* mark-and-sweep time credited to it (not charged) */
    int             shed;       /* ND_SHED_*: refused without JS, answered 503 when its
                                   timer fires (shed_delay) */
    struct nd_rq   *prev, *next; /* app->inflight; next: w->rq_pool when pooled */
    /* Streaming response (nd_app_stream_begin): the head is out, the body goes
     * out as it comes; ends with nd_app_stream_end. */
    unsigned        streaming:1;
    /* Set by a C producer (fetch.c's splice) instead of the JS pump: called
     * when the connection drained (gone = 0) or the client left (gone = 1). */
    void          (*on_stream)(struct nd_rq *rq, int gone, void *arg);
    void           *stream_arg;
};

struct nd_app {
    const struct nd_app_conf *conf; /* borrowed */
    struct nd_worker         *w;
    struct nd_js             *js;   /* owned, lazy */
    void                     *code; /* owned: the script's bytecode, compiled once;
                                       borrowed from conf->bytecode when code_borrowed */
    size_t                    code_len;
    int                       code_borrowed;
    struct nd_rq             *inflight;
    struct nd_app_res        *res;  /* pending timers, transfers... of the heap */
    uint64_t                  heap_builds;
    char                     *load_failed; /* owned or NULL: why the script failed to load;
                                              cached for the worker's life (a new script
                                              comes with a new generation): 503, no rebuild */
    struct nd_app            *lru_prev, *lru_next;
    /* fairness: max_concurrent_requests, cpu_backoff* */
    int64_t                   ninflight;        /* requests in flight (app->inflight) */
    uint32_t                  used_gen;         /* w->sweep_gen when last used (lru_touch) */
    int64_t                   cpu_kills;        /* cpu_limit kills since the app last answered */
    int64_t                   backoff_ms;       /* last back-off; 0 = none since it answered */
    int64_t                   backoff_until_us; /* monotonic; 0 = not backing off */
    /* log_rate: lines in the current 1 s window, and the drops reported at its end */
    int64_t                   log_window_us;
    int64_t                   log_lines;
    int64_t                   log_dropped;
    struct event             *log_ev;           /* owned, lazy: reports log_dropped */
};

int nd_app_init(struct nd_app *app, struct nd_worker *w, const struct nd_app_conf *conf);
void nd_app_cleanup(struct nd_app *app);

/* Serves one routed request (always answers it, now or later). */
void nd_app_handle(struct nd_app *app, struct nd_req *req);

/*
 * Runs a macrotask in app's heap: [ fn this arg1..argN ] already pushed on
 * app->js->ctx. The CPU budget is what is left of request rq_id's cpu_limit
 * (the full cpu_limit when rq_id < 0 or the request is done). Microtasks are
 * drained afterwards. A broken limit answers the app's requests with 503 and
 * discards the heap (its resources are cancelled). Pops everything it was
 * given. Returns 0, or -1 (error logged; heap maybe gone: re-check app->js).
 */
int nd_app_enter(struct nd_app *app, double rq_id, int nargs);

/* CPU time us spent off the event loop for request rq_id (crypto_job.c):
 * charged to it. Past its cpu_limit (or when over: the work stopped at its
 * budget) the heap breaks as when JS runs too long (503, heap discarded) and
 * -1 is returned; else 0 (also when rq_id is no live request). */
int nd_app_charge(struct nd_app *app, double rq_id, int64_t us, int over);

/* The app's heap, loaded now if needed (as for a request): for work that does
 * not come from a request (scheduled events). NULL with msg on failure. */
struct nd_js *nd_app_load(struct nd_app *app, char *msg, size_t size);

/* 1 while request id is in flight (not answered, not timed out). */
int nd_app_rq_live(struct nd_app *app, double id);
/* Frees the pool of finished request records (worker exit). */
void nd_app_rq_pool_free(struct nd_worker *w);
/* The idle-heap collections' timer (started with the first heap). Worker exit. */
void nd_app_sweep_free(struct nd_worker *w);

void nd_app_res_add(struct nd_app *app, struct nd_app_res *res);
void nd_app_res_remove(struct nd_app *app, struct nd_app_res *res);
/* Cancels what invocation rq_id (a request, >= 0, a scheduled event, <= -2,
 * or background work, -1) still has pending: its timers, transfers, jobs,
 * waitUntil hold. */
void nd_app_res_cancel(struct nd_app *app, double rq_id);

/* Background work that a graceful drain must wait for (bounded by the
 * supervisor's graceful_timeout). */
void nd_worker_hold(struct nd_worker *w);
void nd_worker_release(struct nd_worker *w);

/* From natives. id unknown (already answered, timed out) -> -1, ignored. */
int nd_app_respond(struct nd_app *app, double id, int status, const char *reason,
                   size_t reason_len, const struct nd_hdr *hdrs, int n, const void *body,
                   size_t len);
void nd_app_fail(struct nd_app *app, double id, const char *msg, const char *stack);

/* Streaming responses (a Response whose body is a ReadableStream). begin
 * sends the head (chunked, or Content-Length when len >= 0) and returns 0,
 * or 1 when no body goes out (HEAD, 204, 304: end it now), -1 when the
 * request is gone; write returns 0,
 * 1 when the connection's output is over its high-water mark (the JS pump
 * then waits for lib.streamEvent(id, 0)), -1 when the request is gone; end
 * finishes it (abort: cut the connection instead of ending the body). A
 * client hang-up calls lib.streamEvent(id, 1) (or rq->on_stream). request_timeout
 * still applies to the whole request: a stream running past it is cut. */
int nd_app_stream_begin(struct nd_app *app, double id, int status, const char *reason,
                        size_t reason_len, const struct nd_hdr *hdrs, int n, int64_t len);
int nd_app_stream_write(struct nd_app *app, double id, const void *data, size_t len);
void nd_app_stream_end(struct nd_app *app, double id, int abort);
/* The streaming request id, or NULL. */
struct nd_rq *nd_app_stream_rq(struct nd_app *app, double id);
/* console.*: dropped below the app's log_level; tagged with the request id
 * of request rq_id while it is in flight (rq_id < 0: none). */
void nd_app_log(struct nd_app *app, int level, const char *msg, double rq_id);
/* 1 when the app may write one more log line now (log_rate per second per
 * worker); 0: the line is dropped and counted, and one line reports the drops
 * at the end of the second. */
int nd_app_log_admit(struct nd_app *app);
/* The id log lines use for request id: its x-request-id while it is in
 * flight, else the number. */
void nd_app_rq_log_id(struct nd_app *app, double id, char *buf, size_t size);
/* A fetch() started for request rq_id (or background work, -1): metrics. */
void nd_app_subrequest(struct nd_app *app, double rq_id);
/* A binding call (KV, D1) started for request rq_id: its access-log count. */
void nd_app_binding_call(struct nd_app *app, double rq_id);

/* Plain-text answer from the worker itself ("404 Not Found: ..."). */
void nd_worker_respond_text(struct nd_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
