/*
 * The engine's way up: everything the natives of worker/js/ need from whoever
 * runs the heap goes through this table of functions, given to nd_js_new()
 * with the heap's owner. The worker installs nd_worker_js_host (worker/host.c:
 * responses, fetch(), timers, invocations, the job thread's completions);
 * tests/js/runner.c, scripts/bench/js-hot-path.c and tools/heap-cost.c
 * install their own small ones and link nothing of worker/ above the engine.
 *
 * So worker/js/ includes no worker-level header and calls no function of the
 * worker/ level: scripts/checksrc.sh checks the includes, and the JS-only
 * archive (libnd_js.a, see the Makefile) the calls, since the programs above
 * link against it alone.
 *
 * struct nd_app is opaque here: the owner pointer given to nd_js_new (NULL
 * for a heap without an app), passed back as the first argument of each op.
 * An op left NULL is "not available in this heap": the native that needs it
 * throws (ND_JS_HOST). Worker only (single-threaded: the ops run on the loop).
 */
#ifndef ND_JS_HOST_H
#define ND_JS_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/hdr.h"
#include "duktape.h"

struct event_base;
struct nd_app;
struct nd_js;

/*
 * Something a heap has pending outside JS (a timer, a transfer, a job).
 * Registered with the host's res_add(); cancel() is called when the heap is
 * discarded, or when its request (rq_id >= 0) hits request_timeout. cancel()
 * must release the resource and call res_remove(). Never call JS from cancel().
 */
struct nd_app_res {
    void             (*cancel)(struct nd_app_res *res);
    double             rq_id;       /* the request it belongs to, or -1 */
    struct nd_app_res *prev, *next;
};

enum nd_fetch_redirect {
    ND_REDIRECT_FOLLOW,
    ND_REDIRECT_MANUAL,
    ND_REDIRECT_ERROR
};

/* What native.fetchStart hands over; strings are UTF-8, header values bytes. */
struct nd_fetch_req {
    double                  id;         /* JS-visible, per heap */
    double                  io;         /* the invocation */
    const char             *method;
    const char             *url;
    const char *const      *hdrs;       /* name, value, name, value... (names lowercase) */
    const size_t           *hdr_lens;
    int                     nhdrs;      /* pairs */
    const void             *body;       /* NULL: none */
    size_t                  body_len;
    enum nd_fetch_redirect  redirect;
};

/* Each op is documented where the worker implements it (the name in brackets). */
struct nd_js_host {
    /* bind_http.c: the response of request id, console.* [worker/app.h nd_app_*] */
    int  (*respond)(struct nd_app *app, double id, int status, const char *reason,
                    size_t reason_len, const struct nd_hdr *hdrs, int n, const void *body,
                    size_t len);
    void (*fail)(struct nd_app *app, double id, const char *msg, const char *stack);
    void (*log)(struct nd_app *app, int level, const char *msg, double rq_id);
    int  (*stream_begin)(struct nd_app *app, double id, int status, const char *reason,
                         size_t reason_len, const struct nd_hdr *hdrs, int n, int64_t len);
    int  (*stream_write)(struct nd_app *app, double id, const void *data, size_t len);
    void (*stream_end)(struct nd_app *app, double id, int abort);

    /* bind_fetch.c, bind_http.c: outbound fetch() [worker/fetch.h nd_fetch_*] */
    int  (*fetch_start)(struct nd_app *app, const struct nd_fetch_req *r, int *is_type_error,
                        char *msg, size_t size);
    int  (*fetch_abort)(struct nd_app *app, double id);
    int  (*fetch_pending)(struct nd_app *app, double id);
    void (*fetch_read)(struct nd_app *app, double id, size_t max, duk_context *ctx);
    int  (*fetch_splice)(struct nd_app *app, double id, double rq_id, int status,
                         const char *reason, size_t rlen, const struct nd_hdr *hdrs, int n,
                         int64_t len);

    /* bind_timer.c: setTimeout, ctx.waitUntil [worker/timer.h, worker/invocation.h] */
    int  (*timer_start)(struct nd_app *app, double id, double io, int64_t ms, int repeat,
                        int level);
    int  (*timer_clear)(struct nd_app *app, double id);
    int  (*timer_pending)(struct nd_app *app, double id);
    int  (*wait_begin)(struct nd_app *app, double io);
    void (*wait_end)(struct nd_app *app, double io);

    /* crypto_job.c: work done off the loop, settled on it. Only called for a
     * heap with an app (owner != NULL); without one the work runs inline. */
    struct event_base *(*base)(struct nd_app *app);     /* the loop */
    struct nd_js *(*heap)(struct nd_app *app);          /* the app's heap now, or NULL */
    int  (*io_live)(struct nd_app *app, double io);     /* the invocation may run code */
    void (*io_release)(struct nd_app *app, double io);  /* its bookkeeping may go */
    int  (*charge)(struct nd_app *app, double io, int64_t us, int over);
    int  (*enter)(struct nd_app *app, double io, int nargs);
    void (*res_add)(struct nd_app *app, struct nd_app_res *res);
    void (*res_remove)(struct nd_app *app, struct nd_app_res *res);
    void (*hold)(struct nd_app *app);                   /* a drain waits until release */
    void (*release)(struct nd_app *app);

    /* bind_kv.c, bind_d1.c: the app's config and the server's state_dir */
    const struct nd_app_conf *(*conf)(struct nd_app *app);
    const char *(*state_dir)(struct nd_app *app);
    /* bind_kv.c, bind_d1.c, kv_redis.c: a binding call started for invocation io (the
     * access log's binding_calls), and one ended: kind ND_SB_BIND_*, binding b of the
     * app's conf->kv or conf->d1, failed or not (the metrics) [worker/binding.h] */
    void (*binding_call)(struct nd_app *app, double io);
    void (*binding_done)(struct nd_app *app, int kind, int b, int64_t dur_us, int failed);
};

/* The op of js's host, or throws Error "<op>: not available in this heap"
 * (a test heap without it). -> the function pointer, to call. */
#define ND_JS_HOST(ctx, js, op) \
    ((js)->host->op != NULL ? (js)->host->op : (nd_js_host_missing((ctx), #op), (js)->host->op))

/* Throws (never returns). */
void nd_js_host_missing(duk_context *ctx, const char *op);

/* For heaps without an app (tools, benches, tests; start from a copy to
 * override ops): respond refuses (-1), fail and log drop what they get;
 * every other op is missing. */
extern const struct nd_js_host nd_js_host_quiet;

#endif
