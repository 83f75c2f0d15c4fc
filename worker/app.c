/*
 * Apps and requests in flight.
 *
 *   on_request -> nd_app_handle -> heap (lazy) -> lib.dispatch(id, ...)
 *   JS answers through native.respond/fail -> nd_app_respond/fail -> http
 * Every JS entry goes through app_call(), which turns a broken limit into
 * 503s for that app's requests and a rebuild of its heap on next use.
 */
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/bytecode.h"
#include "common/log.h"
#include "common/scoreboard.h"
#include "common/sys.h"
#include "worker/app.h"
#include "worker/host.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"
#include "worker/srcmap.h"
#include "worker/invocation.h"

#define SLOT_BITS     20
#define MAX_SLOTS     (1u << SLOT_BITS)
#define LOAD_BUDGET_US 1000000      /* top-level script code: 1 s of CPU */
#define RQ_POOL_MAX   256           /* finished rqs kept for reuse */
#define LOG_CUT_MAX   8000          /* common/log.c keeps 8 KB of a message: cut below it */

static const char *log_cut(struct nd_app *app, const char *s, char *buf, size_t size);
static struct nd_rq *rq_find(struct nd_worker *w, double id);
static void shed_answer(struct nd_app *app, struct nd_req *req, int reason);

/* The id logs use for rq: its x-request-id (what the client and the access
 * log see), else the internal number (a cron run, an answered request). */
static const char *
rq_log_id(const struct nd_rq *rq, double id, char *buf, size_t size)
{
    if (rq != NULL && rq->req->rid_len > 0) {
        snprintf(buf, size, "%.*s", (int) rq->req->rid_len, rq->req->rid);
    } else {
        snprintf(buf, size, "%.0f", id);
    }
    return buf;
}

void
nd_app_rq_log_id(struct nd_app *app, double id, char *buf, size_t size)
{
    struct nd_rq    *rq = rq_find(app->w, id);
    struct nd_ioctx *c;

    if (rq != NULL && rq->app == app) {
        rq_log_id(rq, id, buf, size);
    } else if ((c = nd_ioctx_find(app, id)) != NULL && c->rid[0] != '\0') {
        snprintf(buf, size, "%s", c->rid);     /* after the response */
    } else {
        rq_log_id(NULL, id, buf, size);
    }
}

/* GLOBAL: scratch for the raw header block and the URL of one request. */
static struct nd_buf g_req_scratch;

/* GLOBAL: the JS call in progress (app_call), so that a response sent from
 * inside it is charged the CPU used so far. */
static struct {
    double  id;
    int64_t t0;
} g_call = { -1, 0 };

/*
 * CPU time for accounting (access log, metrics) and for the start of a
 * cpu_limit budget comes from nd_sys_cpu_est_us(): the thread CPU clock is a
 * syscall (~2 us here, 10% of a hello request) while the estimate costs a
 * vDSO read. The estimate errs high by at most ND_SYS_CPU_EST_US (1 ms) of
 * time not spent running, so a budget starts at most 1 ms late (lenient) and
 * the deadline itself is checked on the real clock (heap.c js_spent).
 */
static int64_t
cpu_since(int64_t t0)
{
    int64_t d = nd_sys_cpu_est_us() - t0;

    return d > 0 ? d : 0;
}

/* Before answering rq: its CPU so far, for the access log and metrics. */
static void
rq_account(struct nd_rq *rq)
{
    rq->req->cpu_us = rq->cpu_us + (g_call.id == rq->id ? cpu_since(g_call.t0) : 0);
}


/* A plain-text answer; retry_s > 0 adds Retry-After. */
static void
respond_text_v(struct nd_req *req, int status, int64_t retry_s, const char *fmt, va_list ap)
{
    struct nd_hdr hdrs[2] = { { "content-type", 12, "text/plain; charset=utf-8", 25 },
                              { "retry-after", 11, NULL, 0 } };
    char          body[1024], retry[24];
    int           n;

    n = vsnprintf(body, sizeof(body) - 1, fmt, ap);
    if (n < 0) {
        n = 0;
    } else if ((size_t) n > sizeof(body) - 2) {
        n = (int) sizeof(body) - 2;
    }
    body[n++] = '\n';
    if (retry_s > 0) {
        int k = snprintf(retry, sizeof(retry), "%lld", (long long) retry_s);
        hdrs[1].value = retry;
        hdrs[1].value_len = (size_t) k;
    }
    nd_http_respond(req, status, hdrs, retry_s > 0 ? 2 : 1, body, (size_t) n);
}

void
nd_worker_respond_text(struct nd_req *req, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    respond_text_v(req, status, 0, fmt, ap);
    va_end(ap);
}

/* 503 with Retry-After, without running the app (fairness). */
static void __attribute__((format(printf, 3, 4)))
respond_shed(struct nd_req *req, int64_t retry_s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    respond_text_v(req, 503, retry_s, fmt, ap);
    va_end(ap);
}

/* --- requests in flight ---------------------------------------------------- */

static struct nd_rq *
rq_find(struct nd_worker *w, double id)
{
    uint64_t      v;
    struct nd_rq *rq;

    if (!(id >= 0) || id > 9007199254740991.0) {
        return NULL;
    }
    v = (uint64_t) id;
    if ((v & (MAX_SLOTS - 1)) >= w->nslots) {
        return NULL;
    }
    rq = w->slots[v & (MAX_SLOTS - 1)];
    return rq != NULL && rq->id == id ? rq : NULL;
}

static void
rq_finish(struct nd_rq *rq)
{
    struct nd_worker *w = rq->app->w;
    struct nd_js     *js = rq->app->js;
    uint32_t          slot = (uint32_t) ((uint64_t) rq->id & (MAX_SLOTS - 1));

    if (js != NULL && !js->first_done) {
        /* What loading the app and serving its first request leave behind
         * (the lazy files' top levels, the request's closures and scopes:
         * cycles only mark-and-sweep frees) is garbage in every loaded
         * heap, under the growth trigger (~75 KB of a hono heap's 605):
         * collected once, after the macrotask, charged to no request. */
        js->first_done = 1;
        js->gc_due = 1;
    }
    w->slots[slot] = NULL;
    rq->app->ninflight--;
    if (slot < w->free_hint) {
        w->free_hint = slot;
    }
    if (rq->prev != NULL) {
        rq->prev->next = rq->next;
    } else {
        rq->app->inflight = rq->next;
    }
    if (rq->next != NULL) {
        rq->next->prev = rq->prev;
    }
    if (rq->timer != NULL) {
        evtimer_del(rq->timer);
    }
    if (w->rq_pooled < RQ_POOL_MAX) {
        rq->next = w->rq_pool;
        w->rq_pool = rq;
        w->rq_pooled++;
        return;
    }
    if (rq->timer != NULL) {
        event_free(rq->timer);
    }
    free(rq);
}

void
nd_app_rq_pool_free(struct nd_worker *w)
{
    struct nd_rq *rq;

    while ((rq = w->rq_pool) != NULL) {
        w->rq_pool = rq->next;
        if (rq->timer != NULL) {
            event_free(rq->timer);
        }
        free(rq);
    }
    w->rq_pooled = 0;
}

static void
on_rq_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct nd_rq *rq = arg;
    char          idbuf[80];
    const char   *kv[] = { "request_id", idbuf, NULL };

    struct nd_sb_app *m = nd_sb_my_app(rq->app->conf->sb_index);

    if (rq->shed != ND_SHED_NONE) {
        shed_answer(rq->app, rq->req, rq->shed);
        rq_finish(rq);
        return;
    }
    if (m != NULL) {
        m->kill_timeout++;
    }
    rq_log_id(rq, rq->id, idbuf, sizeof(idbuf));
    nd_log_kv(ND_LOG_ERROR, rq->app->conf->name, kv, "request_timeout exceeded (%lld ms)%s",
              (long long) rq->app->conf->limits.request_timeout_ms,
              rq->streaming ? " while streaming the response: cut" : "");
    rq_account(rq);
    if (rq->streaming) {
        nd_http_stream_abort(rq->req);
        /* Released: a splice that nd_app_res_cancel drops below must not end it again. */
        rq->streaming = 0;
        rq->on_stream = NULL;
        rq->stream_arg = NULL;
    } else {
        nd_worker_respond_text(rq->req, 504, "Gateway Timeout: the app did not answer within "
                               "request_timeout (%lld ms)",
                               (long long) rq->app->conf->limits.request_timeout_ms);
    }
    nd_app_res_cancel(rq->app, rq->id);
    rq_finish(rq);
}

static struct nd_rq *
rq_new(struct nd_app *app, struct nd_req *req)
{
    struct nd_worker *w = app->w;
    struct nd_rq     *rq;
    uint32_t          slot;
    int64_t           ms = app->conf->limits.request_timeout_ms;

    for (slot = w->free_hint; slot < w->nslots && w->slots[slot] != NULL; slot++) {
    }
    if (slot == w->nslots) {
        uint32_t       n = w->nslots == 0 ? 64 : w->nslots * 2;
        struct nd_rq **s;
        if (n > MAX_SLOTS) {
            return NULL;
        }
        s = realloc(w->slots, n * sizeof(*s));
        if (s == NULL) {
            return NULL;
        }
        memset(s + w->nslots, 0, (n - w->nslots) * sizeof(*s));
        w->slots = s;
        w->nslots = n;
    }
    /* A pooled rq keeps its timer event (its callback argument is the rq
     * itself): no calloc, evtimer_new, event_free, free per request. */
    if (w->rq_pool != NULL) {
        struct event *timer;
        rq = w->rq_pool;
        w->rq_pool = rq->next;
        w->rq_pooled--;
        timer = rq->timer;
        memset(rq, 0, sizeof(*rq));
        rq->timer = timer;
    } else {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL) {
            return NULL;
        }
    }
    w->seq = (w->seq + 1) & 0xFFFFFFFFu;
    rq->id = (double) (slot | (w->seq << SLOT_BITS));
    rq->req = req;
    rq->app = app;
    if (ms > 0) {
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        if (rq->timer == NULL) {
            rq->timer = evtimer_new(w->base, on_rq_timeout, rq);
        }
        if (rq->timer == NULL || evtimer_add(rq->timer, &tv) == -1) {
            if (rq->timer != NULL) {
                event_free(rq->timer);
            }
            free(rq);
            return NULL;
        }
    }
    w->slots[slot] = rq;
    w->free_hint = slot + 1;
    rq->next = app->inflight;
    if (app->inflight != NULL) {
        app->inflight->prev = rq;
    }
    app->inflight = rq;
    app->ninflight++;
    return rq;
}

/* --- heaps ------------------------------------------------------------------- */

/* Cancels the resources of invocation rq_id, or all of them. */
static void
res_cancel(struct nd_app *app, double rq_id, int all)
{
    struct nd_app_res *r = app->res, *next;

    while (r != NULL) {
        next = r->next;
        if (all || r->rq_id == rq_id) {
            r->cancel(r);       /* removes itself; frees nothing else in the list */
        }
        r = next;
    }
}

void
nd_app_res_cancel(struct nd_app *app, double rq_id)
{
    res_cancel(app, rq_id, 0);
}

void
nd_app_res_add(struct nd_app *app, struct nd_app_res *res)
{
    res->prev = NULL;
    res->next = app->res;
    if (app->res != NULL) {
        app->res->prev = res;
    }
    app->res = res;
}

void
nd_app_res_remove(struct nd_app *app, struct nd_app_res *res)
{
    if (res->prev != NULL) {
        res->prev->next = res->next;
    } else if (app->res == res) {
        app->res = res->next;
    }
    if (res->next != NULL) {
        res->next->prev = res->prev;
    }
    res->prev = res->next = NULL;
}

void
nd_worker_hold(struct nd_worker *w)
{
    w->holds++;
}

void
nd_worker_release(struct nd_worker *w)
{
    if (--w->holds == 0 && w->idle_cb != NULL) {
        w->idle_cb(w->idle_arg);
    }
}

/* --- LRU of loaded heaps (max_loaded_apps) ---------------------------------- */

static void
lru_unlink(struct nd_app *app)
{
    struct nd_worker *w = app->w;

    if (app->lru_prev != NULL) {
        app->lru_prev->lru_next = app->lru_next;
    } else if (w->lru_head == app) {
        w->lru_head = app->lru_next;
    }
    if (app->lru_next != NULL) {
        app->lru_next->lru_prev = app->lru_prev;
    } else if (w->lru_tail == app) {
        w->lru_tail = app->lru_prev;
    }
    app->lru_prev = app->lru_next = NULL;
}

static void
lru_touch(struct nd_app *app)
{
    struct nd_worker *w = app->w;

    app->used_gen = w->sweep_gen;
    if (w->lru_head == app) {
        return;
    }
    lru_unlink(app);
    app->lru_next = w->lru_head;
    if (w->lru_head != NULL) {
        w->lru_head->lru_prev = app;
    }
    w->lru_head = app;
    if (w->lru_tail == NULL) {
        w->lru_tail = app;
    }
}

static void
discard_heap(struct nd_app *app)
{
    res_cancel(app, -1, 1);
    if (app->js != NULL) {
        struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
        if (m != NULL) {
            m->loaded_heaps--;
        }
        nd_js_free(app->js);
        app->js = NULL;
        app->w->loaded--;
        app->w->trim_due = 1;
        lru_unlink(app);
    }
}

/* Over max_loaded_apps: destroy the least recently used idle heaps (no
 * request in flight, nothing pending). Busy ones are skipped. */
static void
lru_evict(struct nd_worker *w, const struct nd_app *keep)
{
    struct nd_app *app = w->lru_tail, *prev;

    while (w->loaded > w->conf->server.max_loaded_apps && app != NULL) {
        prev = app->lru_prev;
        if (app != keep && app->inflight == NULL && app->res == NULL) {
            discard_heap(app);
            w->evictions++;
        }
        app = prev;
    }
}

/* A limit broke the heap during a call: answer its requests and drop it. */
static void
heap_broken(struct nd_app *app, const char *reason, const char *detail, struct nd_rq *cur)
{
    char        idbuf[80];
    const char *kv[] = { "request_id", idbuf, NULL };

    rq_log_id(cur, cur != NULL ? cur->id : 0.0, idbuf, sizeof(idbuf));
    nd_log_kv(ND_LOG_ERROR, app->conf->name, cur != NULL ? kv : NULL, "%s (%s): heap discarded, "
              "rebuilt on the next request", reason, detail);
    while (app->inflight != NULL) {
        struct nd_rq *rq = app->inflight;
        rq_account(rq);
        if (rq->streaming) {
            nd_http_stream_abort(rq->req);
        } else {
            nd_worker_respond_text(rq->req, 503, "Service Unavailable: %s (%s)", reason,
                                   detail);
        }
        rq_finish(rq);
    }
    discard_heap(app);
}

/* --- fairness: cpu_backoff, max_concurrent_requests ------------------------------ */

/*
 * A request (or its timers, callbacks, waitUntil tail) of app broke cpu_limit.
 * cpu_backoff_after of them in a row, with no answer from the app in between,
 * start a back-off: for cpu_backoff its requests get 503 without running
 * instead of burning cpu_limit each; the next kill after one doubles it (up to
 * cpu_backoff_max). Any answer from the app's JavaScript ends the series.
 */
static void
fair_cpu_kill(struct nd_app *app)
{
    const struct nd_limits *l = &app->conf->limits;
    int64_t                 ms;

    app->cpu_kills++;
    if (l->cpu_backoff_after <= 0 || app->cpu_kills < l->cpu_backoff_after) {
        return;
    }
    ms = app->backoff_ms > 0 ? app->backoff_ms * 2 : l->cpu_backoff_ms;
    if (ms > l->cpu_backoff_max_ms) {
        ms = l->cpu_backoff_max_ms;
    }
    app->backoff_ms = ms;
    app->backoff_until_us = nd_sys_now_us() + ms * 1000;
    nd_log(ND_LOG_WARN, app->conf->name, "%lld requests in a row exceeded cpu_limit (%lld ms): "
           "the app's requests are refused with 503 for %lld ms in this worker (cpu_backoff)",
           (long long) app->cpu_kills, (long long) l->cpu_limit_ms, (long long) ms);
}

/* The app answered a request itself: it is not (or no longer) a CPU hog. */
static void
fair_answered(struct nd_app *app)
{
    app->cpu_kills = 0;
    app->backoff_ms = 0;
}

/* The 503 of a refused request (reason ND_SHED_*), with Retry-After. */
static void
shed_answer(struct nd_app *app, struct nd_req *req, int reason)
{
    const struct nd_limits *l = &app->conf->limits;
    int64_t                 left;

    if (reason == ND_SHED_BACKOFF) {
        left = app->backoff_until_us - nd_sys_now_us();
        if (left < 1000) {
            left = 1000;
        }
        respond_shed(req, (left + 999999) / 1000000, "Service Unavailable: cpu_limit exceeded "
                     "by the app's last %lld requests in a row (cpu_limit = %lld ms); its "
                     "requests are refused for %lld ms more (cpu_backoff), retry later",
                     (long long) app->cpu_kills, (long long) l->cpu_limit_ms,
                     (long long) ((left + 999) / 1000));
    } else {
        respond_shed(req, 1, "Service Unavailable: the app has too many requests in flight in "
                     "this worker (max_concurrent_requests = %lld), retry later",
                     (long long) l->max_concurrent_requests);
    }
}

/*
 * 1 when req is refused without running the app: its 503 goes out after
 * shed_delay (the connection reads nothing more meanwhile, so a client that
 * hammers a refused app gets a few answers a second per connection instead of
 * taking the worker's time from other apps), or at once when that is 0.
 */
static int
fair_shed(struct nd_app *app, struct nd_req *req)
{
    const struct nd_limits *l = &app->conf->limits;
    struct nd_sb_app       *m = nd_sb_my_app(app->conf->sb_index);
    struct nd_rq           *rq;
    int                     reason = ND_SHED_NONE;

    if (app->backoff_until_us != 0) {
        if (app->backoff_until_us > nd_sys_now_us()) {
            reason = ND_SHED_BACKOFF;
        } else {
            app->backoff_until_us = 0;
        }
    }
    if (reason == ND_SHED_NONE && l->max_concurrent_requests > 0
        && app->ninflight >= l->max_concurrent_requests) {
        reason = ND_SHED_CONCURRENCY;
    }
    if (reason == ND_SHED_NONE) {
        return 0;
    }
    if (m != NULL) {
        if (reason == ND_SHED_BACKOFF) {
            m->shed_backoff++;
        } else {
            m->shed_concurrency++;
        }
    }
    if (l->shed_delay_ms > 0 && (rq = rq_new(app, req)) != NULL) {
        struct timeval tv = { (time_t) (l->shed_delay_ms / 1000),
                              (suseconds_t) (l->shed_delay_ms % 1000) * 1000 };
        rq->shed = reason;
        evtimer_add(rq->timer, &tv);    /* instead of request_timeout */
        return 1;
    }
    shed_answer(app, req, reason);
    return 1;
}

/*
 * Runs [ fn this args ] in app's heap under budget_us and handles the
 * outcome: limits -> heap_broken; a stray error -> logged (and the current
 * request, if still open, gets 500). Pops the result.
 */
static int
app_call(struct nd_app *app, int nargs, int64_t budget_us, struct nd_rq *cur)
{
    struct nd_js *js = app->js;
    int64_t       t0 = nd_sys_cpu_est_us(), used;
    double        cur_id = cur != NULL ? cur->id : -1;
    char          detail[160];
    int           rc;
    struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);

    g_call.id = cur_id;
    g_call.t0 = t0;
    /* Mark-and-sweep is not charged to the request that happens to run it,
     * up to cpu_limit per request in all (heap.c, SECURITY.md). */
    js->gc_room_us = -1;
    if (cur != NULL && budget_us > 0) {
        used = app->conf->limits.cpu_limit_ms * 1000 - cur->gc_us;
        js->gc_room_us = used > 0 ? used : 0;
    }
    rc = nd_js_pcall_at(js, nargs, budget_us, t0);
    js->gc_room_us = -1;
    g_call.id = -1;
    /* cur may have been answered (and freed, its CPU charged by rq_account)
     * during the call: look it up. */
    cur = cur != NULL ? rq_find(app->w, cur_id) : NULL;
    if (cur != NULL) {
        used = cpu_since(t0) - js->last_credit_us;
        cur->cpu_us += used > 0 ? used : 0;
        cur->gc_us += js->last_gc_credit_us;
    }
    if (m != NULL) {
        if (js->timed_out) {
            m->kill_cpu++;
        } else if (js->mem_exceeded) {
            m->kill_memory++;
        }
    }
    if (js->timed_out) {
        fair_cpu_kill(app);
    }
    if (rc == -2 && js->timed_out) {
        snprintf(detail, sizeof(detail), "cpu_limit = %lld ms; the script swallowed the "
                 "timeout", (long long) app->conf->limits.cpu_limit_ms);
        heap_broken(app, "cpu_limit exceeded", detail, cur);
        return -1;
    }
    if (rc == -2) {
        snprintf(detail, sizeof(detail), "Duktape fatal error");
        heap_broken(app, "the app's engine failed", detail, cur);
        return -1;
    }
    if (js->timed_out) {
        snprintf(detail, sizeof(detail), "cpu_limit = %lld ms%s%s",
                 (long long) app->conf->limits.cpu_limit_ms,
                 js->timeout_where != NULL ? "; stopped inside " : "",
                 js->timeout_where != NULL ? js->timeout_where : "");
        duk_pop(js->ctx);
        heap_broken(app, "cpu_limit exceeded", detail, cur);
        return -1;
    }
    if (js->mem_exceeded) {
        snprintf(detail, sizeof(detail), "memory_limit = %lld bytes",
                 (long long) app->conf->limits.memory_limit);
        duk_pop(js->ctx);
        heap_broken(app, "memory_limit exceeded", detail, cur);
        return -1;
    }
    if (rc == -1) {
        char msg[1024], stack[4096], mapped[4096];
        nd_js_describe_error(js->ctx, -1, msg, sizeof(msg), stack, sizeof(stack));
        duk_pop(js->ctx);
        /* A built app: its source lines, not the bundle's (worker/srcmap.c). */
        if (nd_srcmap_rewrite(app->conf->script, stack, mapped, sizeof(mapped)) > 0) {
            memcpy(stack, mapped, sizeof(stack));
        }
        if (cur != NULL) {
            nd_app_fail(app, cur->id, msg, stack);
        } else {
            const char *kv[] = { "stack", stack, NULL };
            if (nd_app_log_admit(app)) {
                nd_log_kv(ND_LOG_ERROR, app->conf->name, kv, "%s", msg);
            }
            if (m != NULL) {
                m->exceptions++;
            }
        }
        return -1;
    }
    duk_pop(js->ctx);
    return 0;
}

int
nd_app_charge(struct nd_app *app, double rq_id, int64_t us, int over)
{
    struct nd_rq     *rq = rq_id >= 0 ? rq_find(app->w, rq_id) : NULL;
    int64_t           limit = app->conf->limits.cpu_limit_ms * 1000;
    struct nd_sb_app *m;
    char              detail[64];

    if (rq == NULL || rq->app != app) {
        return 0;
    }
    rq->cpu_us += us;
    if (limit <= 0 || (!over && rq->cpu_us <= limit)) {
        return 0;
    }
    m = nd_sb_my_app(app->conf->sb_index);
    if (m != NULL) {
        m->kill_cpu++;
    }
    snprintf(detail, sizeof(detail), "cpu_limit = %lld ms", (long long) (limit / 1000));
    heap_broken(app, "cpu_limit exceeded", detail, rq);
    return -1;
}

int
nd_app_rq_live(struct nd_app *app, double id)
{
    struct nd_rq *rq = rq_find(app->w, id);

    return rq != NULL && rq->app == app && rq->shed == ND_SHED_NONE;
}

/*
 * What is left of invocation rq_id's CPU budget: cpu_limit minus what its
 * request used while in flight (*rqp set), or, after the response (waitUntil
 * tail) and for scheduled events, minus what the tail used so far (kept in
 * its ioctx). 0: used up. -1: no limit.
 */
static int64_t
enter_budget(struct nd_app *app, double rq_id, struct nd_rq **rqp)
{
    struct nd_rq    *rq = rq_id >= 0 ? rq_find(app->w, rq_id) : NULL;
    struct nd_ioctx *c;
    int64_t          left = app->conf->limits.cpu_limit_ms * 1000;

    *rqp = NULL;
    if (left <= 0) {
        return -1;
    }
    if (rq != NULL && rq->app == app) {
        *rqp = rq;
        left -= rq->cpu_us;
    } else if ((c = nd_ioctx_find(app, rq_id)) != NULL) {
        left -= c->tail_cpu_us;
    }
    return left > 0 ? left : 0;
}

/* Invocation rq_id used its cpu_limit over several macrotasks (timers,
 * callbacks, microtasks): its request gets 503 (or, after the response, its
 * waitUntil work stops) and everything it has pending is cancelled. The heap
 * is fine: no call was cut short. */
static void
over_budget(struct nd_app *app, double rq_id, struct nd_rq *rq)
{
    struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
    long long         lim = (long long) app->conf->limits.cpu_limit_ms;
    char              idbuf[80];
    const char       *kv[] = { "request_id", idbuf, NULL };

    nd_app_rq_log_id(app, rq_id, idbuf, sizeof(idbuf));
    if (m != NULL) {
        m->kill_cpu++;
    }
    if (rq != NULL) {
        nd_log_kv(ND_LOG_ERROR, app->conf->name, kv, "cpu_limit exceeded (cpu_limit = %lld ms) "
                  "by the request's timers and callbacks: its pending work is cancelled", lim);
        rq_account(rq);
        nd_worker_respond_text(rq->req, 503, "Service Unavailable: cpu_limit exceeded "
                               "(cpu_limit = %lld ms, used by the request's timers and "
                               "callbacks)", lim);
        rq_finish(rq);
    } else {
        nd_log_kv(ND_LOG_ERROR, app->conf->name, kv, "cpu_limit exceeded (cpu_limit = %lld ms) "
                  "by work after the response (timers, callbacks, ctx.waitUntil()): it is "
                  "cancelled", lim);
    }
    nd_app_res_cancel(app, rq_id);
    fair_cpu_kill(app);
}

/* After a macrotask and its microtasks: the heap's housekeeping collection,
 * if one is due (heap.h), outside every request's CPU. */
static void
app_idle_gc(struct nd_app *app)
{
    int rc;

    if (app->js == NULL) {
        return;
    }
    rc = nd_js_idle_gc(app->js, app->conf->limits.cpu_limit_ms * 1000);
    if (rc == -1) {
        heap_broken(app, "the app's engine failed", "Duktape fatal error in a collection",
                    NULL);
    } else if (rc == 1) {
        nd_log(ND_LOG_WARN, app->conf->name, "cpu_limit exceeded (cpu_limit = %lld ms) by "
               "finalizers (Duktape.fin) run by a collection between requests: stopped",
               (long long) app->conf->limits.cpu_limit_ms);
    }
}

/* Idle heaps' garbage. A busy heap is collected when it grew by half its
 * live size, at least ND_JS_GC_MIN_GROWTH (nd_js_idle_gc): cycles its
 * requests left (a hono request: ~10 KB) stay until then, so an app that
 * served 50 requests and went quiet held twice its live heap for good. Every
 * SWEEP_TICK_S, the least recently used heaps that were not used for a whole
 * tick and hold more than SWEEP_MIN_GARBAGE over their last collection are
 * collected (at most SWEEP_MAX per tick, outside every request), and then
 * the memory no heap uses goes back to the kernel (nd_js_trim); so too after
 * a heap was discarded (memory_limit, cpu_limit, eviction, reload): a
 * tenant's 64 MB bomb left the worker at its peak RSS for good. */
#define SWEEP_TICK_S      1
#define SWEEP_MIN_GARBAGE (32 * 1024)
#define SWEEP_MAX         8

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct nd_worker *w = arg;
    struct nd_app    *app, *prev;
    int               n = 0;

    w->sweep_gen++;
    for (app = w->lru_tail; app != NULL && n < SWEEP_MAX; app = prev) {
        prev = app->lru_prev;
        if (w->sweep_gen - app->used_gen < 2) {
            break;              /* used in the last tick, and so is every app before it */
        }
        if (app->js == NULL || app->inflight != NULL || app->res != NULL
            || app->js->mem_used <= app->js->gc_live + SWEEP_MIN_GARBAGE) {
            continue;
        }
        app->js->gc_due = 1;    /* (compacting, as after a heap's first request) */
        app_idle_gc(app);       /* may discard the heap (and unlink app) */
        n++;
    }
    if (n > 0 || w->trim_due) {
        nd_js_trim();
        w->trim_due = 0;
    }
}

static void
sweep_start(struct nd_worker *w)
{
    struct timeval tv = { SWEEP_TICK_S, 0 };

    if (w->sweep_ev != NULL) {
        return;
    }
    w->sweep_ev = event_new(w->base, -1, EV_PERSIST, on_sweep, w);
    if (w->sweep_ev != NULL) {
        event_add(w->sweep_ev, &tv);    /* (without it, heaps keep their garbage) */
    }
}

void
nd_app_sweep_free(struct nd_worker *w)
{
    if (w->sweep_ev != NULL) {
        event_free(w->sweep_ev);
        w->sweep_ev = NULL;
    }
}

/* CPU used since t0 by invocation rq_id after its response: its tail budget. */
static void
charge_tail(struct nd_app *app, double rq_id, int64_t t0)
{
    struct nd_ioctx *c;

    if (nd_app_rq_live(app, rq_id)) {
        return;                 /* app_call charged the request */
    }
    c = nd_ioctx_find(app, rq_id);
    if (c != NULL) {
        c->tail_cpu_us += cpu_since(t0);
    }
}

int
nd_app_enter(struct nd_app *app, double rq_id, int nargs)
{
    struct nd_js *js = app->js;
    struct nd_rq *rq;
    int64_t       budget = enter_budget(app, rq_id, &rq), t0;
    int           rc;

    if (budget == 0) {
        duk_pop_n(js->ctx, nargs + 2);
        over_budget(app, rq_id, rq);
        return -1;
    }
    if (budget > 0 && budget < 1000) {
        budget = 1000;          /* the rest is refused at the next macrotask */
    }
    t0 = nd_sys_cpu_est_us();
    rc = app_call(app, nargs, budget < 0 ? 0 : budget, rq);
    charge_tail(app, rq_id, t0);
    if (rc == -1 && app->js == NULL) {
        return -1;
    }
    /* The macrotask is over: run its microtasks, within what is left. */
    budget = enter_budget(app, rq_id, &rq);
    if (budget >= 0 && budget < 1000) {
        budget = 1000;
    }
    t0 = nd_sys_cpu_est_us();
    duk_push_heapptr(js->ctx, js->drain);
    duk_push_undefined(js->ctx);
    rc = app_call(app, 0, budget < 0 ? 0 : budget, rq);
    charge_tail(app, rq_id, t0);
    app_idle_gc(app);
    return rc;
}

/* [ ... lib ] -> [ ... lib env ]: a frozen object of the app's env.* strings and kv.*
 * namespaces. */
static void
push_env(duk_context *ctx, const struct nd_app_conf *conf)
{
    int i;

    duk_push_object(ctx);
    for (i = 0; i < conf->nenv; i++) {
        duk_push_string(ctx, conf->env[i].value);
        duk_put_prop_string(ctx, -2, conf->env[i].key);
    }
    for (i = 0; i < conf->nkv; i++) {                   /* KV namespaces (bind_kv.c) */
        duk_get_prop_string(ctx, -2, "kvNamespace");    /* -> [ lib env fn ] */
        duk_push_int(ctx, i);
        if (duk_pcall(ctx, 1) == DUK_EXEC_SUCCESS) {
            duk_put_prop_string(ctx, -2, conf->kv[i].key);
        } else {
            nd_log(ND_LOG_ERROR, conf->name, "KV binding %s: %s", conf->kv[i].key,
                   duk_safe_to_string(ctx, -1));
            duk_pop(ctx);
        }
    }
    for (i = 0; i < conf->nd1; i++) {                   /* D1 databases (bind_d1.c) */
        duk_get_prop_string(ctx, -2, "d1Database");     /* -> [ lib env fn ] */
        duk_push_int(ctx, i);
        if (duk_pcall(ctx, 1) == DUK_EXEC_SUCCESS) {
            duk_put_prop_string(ctx, -2, conf->d1[i].key);
        } else {
            nd_log(ND_LOG_ERROR, conf->name, "D1 binding %s: %s", conf->d1[i].key,
                   duk_safe_to_string(ctx, -1));
            duk_pop(ctx);
        }
    }
    duk_freeze(ctx, -1);
}

/*
 * Service-worker format apps see their env.* bindings as global variables, as
 * on Workers. Which format an app is shows only after its script ran, so they
 * are defined before it runs (a global that exists already is left alone) and
 * removed again (add = 0) when the app turned out to be a module.
 * -> [ ... ] unchanged.
 */
static void
env_globals(duk_context *ctx, const struct nd_app_conf *conf, int add)
{
    int i;

    duk_push_global_object(ctx);                        /* -> [ ... global ] */
    for (i = 0; i < conf->nenv; i++) {
        const char *k = conf->env[i].key, *v = conf->env[i].value;
        if (add) {
            if (!duk_has_prop_string(ctx, -1, k)) {
                duk_push_string(ctx, v);
                duk_put_prop_string(ctx, -2, k);
            }
            continue;
        }
        if (duk_get_prop_string(ctx, -1, k) && duk_is_string(ctx, -1)
            && strcmp(duk_get_string(ctx, -1), v) == 0) {
            duk_pop(ctx);
            duk_del_prop_string(ctx, -1, k);
        } else {
            duk_pop(ctx);
        }
    }
    duk_pop(ctx);
}

/* The app's heap, created on first use. NULL with msg (and status) on failure. */
static struct nd_js *
app_heap(struct nd_app *app, int *status, char *msg, size_t size)
{
    struct nd_js *js;
    duk_context  *ctx;
    int           line, rc;

    if (app->js != NULL) {
        return app->js;
    }
    *status = 500;
    js = nd_js_new((size_t) app->conf->limits.memory_limit, &nd_worker_js_host, app, msg, size);
    if (js == NULL) {
        *status = 503;
        return NULL;
    }
    ctx = js->ctx;
    app->js = js;
    if (app->conf->profile_dir != NULL &&
        nd_js_profile_start(js, app->conf->profile_dir, app->conf->name) == -1) {
        nd_log(ND_LOG_WARN, app->conf->name, "profile: out of memory, not profiling");
    }
    app->w->loaded++;
    app->heap_builds++;
    {
        struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
        if (m != NULL) {
            m->heap_builds++;
            m->loaded_heaps++;
        }
    }
    lru_touch(app);
    lru_evict(app->w, app);
    sweep_start(app->w);

    duk_push_heapptr(ctx, js->lib);                     /* -> [ lib ] */
    push_env(ctx, app->conf);
    duk_put_prop_string(ctx, -2, "env");
    if (app->code == NULL && app->conf->bytecode != NULL) {
        /* The supervisor's compile check's (common/bytecode.h): loaded in
         * place, once it is shown whole and of this very source. */
        const void *dump;
        size_t      dump_len;
        const char *why;
        if (nd_bytecode_open(app->conf->bytecode, app->conf->bytecode_len, app->conf->source,
                             app->conf->source_len, (uint32_t) DUK_VERSION, &dump, &dump_len,
                             &why) == 0) {
            app->code = (void *) dump;
            app->code_len = dump_len;
            app->code_borrowed = 1;
        } else {
            nd_log(ND_LOG_WARN, app->conf->name, "bytecode from the compile check refused "
                   "(%s): compiling %s instead", why, app->conf->script);
        }
    }
    if (app->code != NULL) {
        if (nd_loader_load(ctx, app->code, app->code_len, msg, size) == -1) {
            char tmp[1024];
            snprintf(tmp, sizeof(tmp), "%s", msg);
            snprintf(msg, size, "%s: %s", app->conf->script, tmp);
            *status = 503;
            goto fail;
        }                                               /* -> [ lib fn ] */
    } else {
        struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
        if (m != NULL) {
            m->script_compiles++;
        }
        if (nd_loader_compile(ctx, app->conf->script, app->conf->source, app->conf->source_len,
                              &line, msg, size) == -1) {
            char tmp[1024];
            snprintf(tmp, sizeof(tmp), "%s", msg);
            snprintf(msg, size, "%s:%d: %s", app->conf->script, line, tmp);
            goto fail;
        }
        /* for the heap's rebuilds in this worker (NULL: they compile too) */
        app->code = nd_loader_dump(ctx, &app->code_len);
    }
    env_globals(ctx, app->conf, 1);
    duk_push_global_object(ctx);                        /* -> [ lib fn global ] */
    rc = nd_js_pcall(js, 0, LOAD_BUDGET_US);
    if (rc != 0) {
        if (rc == -1 && !js->timed_out && !js->mem_exceeded) {
            char m[1024], stack[2048], where[512];
            nd_js_describe_error(ctx, -1, m, sizeof(m), stack, sizeof(stack));
            if (nd_srcmap_first(app->conf->script, stack, where, sizeof(where))) {
                snprintf(msg, size, "%s: top-level code threw %s (at %s)", app->conf->script, m,
                         where);
            } else {
                snprintf(msg, size, "%s: top-level code threw %s", app->conf->script, m);
            }
        } else {
            *status = 503;
            snprintf(msg, size, "%s: top-level code %s", app->conf->script,
                     js->timed_out ? "ran longer than 1 s" : js->mem_exceeded
                     ? "exceeded memory_limit" : "hit a fatal engine error");
        }
        goto fail;
    }
    duk_pop(ctx);                                       /* -> [ lib ] */
    duk_get_prop_string(ctx, -1, "load");
    duk_push_heapptr(ctx, js->lib);
    if (nd_js_pcall(js, 0, LOAD_BUDGET_US) != 0 || duk_get_length(ctx, -1) > 0) {
        snprintf(msg, size, "%s: %s", app->conf->script, duk_safe_to_string(ctx, -1));
        goto fail;
    }
    if (!duk_get_prop_string(ctx, -2, "listeners") && app->conf->nenv > 0) {
        env_globals(ctx, app->conf, 0);                 /* a module: no env globals */
    }
    duk_pop_3(ctx);                                     /* [ lib result listeners ] */
    return js;

fail:
    discard_heap(app);
    /* The same script would fail the same way: remember it (issue 16). */
    free(app->load_failed);
    app->load_failed = strdup(msg);
    {
        struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
        if (m != NULL) {
            m->load_failed = 1;
        }
    }
    return NULL;
}

struct nd_js *
nd_app_load(struct nd_app *app, char *msg, size_t size)
{
    struct nd_js *js;
    int           status;

    if (app->conf->load_error != NULL) {
        snprintf(msg, size, "%s", app->conf->load_error);
        return NULL;
    }
    if (app->load_failed != NULL) {
        snprintf(msg, size, "%s", app->load_failed);
        return NULL;
    }
    js = app_heap(app, &status, msg, size);
    if (js != NULL) {
        lru_touch(app);
    }
    return js;
}

/* --- serving ----------------------------------------------------------------- */

/* -> [ ... url ]: absolute URL of the request. */
static int
push_url(struct nd_js *js, const struct nd_req *req)
{
    size_t hl = req->host != NULL ? req->host_len : 9, i;
    char  *buf, *p;

    if (req->target_len > 7 && (strncmp(req->target, "http://", 7) == 0
                                || strncmp(req->target, "https://", 8) == 0)) {
        nd_js_push_memo(js, 0, req->target, req->target_len);
        return 0;
    }
    buf = nd_buf_scratch(&g_req_scratch, 7 + hl + req->target_len + 1);
    if (buf == NULL) {
        return -1;
    }
    memcpy(buf, "http://", 7);
    p = buf + 7;
    if (req->host != NULL) {
        for (i = 0; i < hl; i++) {
            char c = req->host[i];
            *p++ = (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
        }
    } else {
        memcpy(p, "localhost", 9);
        p += 9;
    }
    if (req->target_len == 0 || req->target[0] != '/') {
        *p++ = '/';
    }
    memcpy(p, req->target, req->target_len);
    p += req->target_len;
    nd_js_push_memo(js, 0, buf, (size_t) (p - buf));
    return 0;
}

static int
hdr_is(const struct nd_hdr *h, const char *name)
{
    size_t n = strlen(name);

    return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

/* -> [ ... raw ]: "name: value\r\n" for every header, as received, except the
 * client-address ones, which nanod sets as Cloudflare does: CF-Connecting-IP and
 * X-Real-IP = the client (a client's own are dropped), X-Forwarded-For = what came
 * (all lines, joined) + ", " + the connection's peer. */
static int
push_raw_headers(struct nd_js *js, const struct nd_req *req)
{
    struct nd_ip peer;
    char         client[64], hop[64];
    size_t       need = 0, cl, hl;
    char        *buf, *p;
    int          i, xff = 0;

    nd_ip_from_sockaddr(&req->peer, &peer);
    cl = nd_ip_format(&req->client, client, sizeof(client));
    if (peer.family != 0 && peer.family == req->client.family
        && memcmp(peer.addr, req->client.addr, peer.family == AF_INET ? 4 : 16) == 0) {
        memcpy(hop, client, cl + 1);        /* no proxy in between: the same text */
        hl = cl;
    } else {
        hl = nd_ip_format(&peer, hop, sizeof(hop));
    }
    for (i = 0; i < req->nheaders; i++) {
        need += req->headers[i].name_len + req->headers[i].value_len + 4;
    }
    buf = nd_buf_scratch(&g_req_scratch, need + 2 * cl + hl + 80);
    if (buf == NULL) {
        return -1;
    }
    p = buf;
    for (i = 0; i < req->nheaders; i++) {
        const struct nd_hdr *h = &req->headers[i];

        if (hdr_is(h, "cf-connecting-ip") || hdr_is(h, "x-real-ip")
            || hdr_is(h, "x-forwarded-for")) {
            continue;
        }
        memcpy(p, h->name, h->name_len);
        p += h->name_len;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, h->value, h->value_len);
        p += h->value_len;
        *p++ = '\r';
        *p++ = '\n';
    }
    if (cl > 0) {
        memcpy(p, "cf-connecting-ip: ", 18);
        memcpy(p + 18, client, cl);
        p += 18 + cl;
        memcpy(p, "\r\nx-real-ip: ", 13);
        memcpy(p + 13, client, cl);
        p += 13 + cl;
        *p++ = '\r';
        *p++ = '\n';
    }
    memcpy(p, "x-forwarded-for: ", 17);
    p += 17;
    for (i = 0; i < req->nheaders; i++) {
        const struct nd_hdr *h = &req->headers[i];
        if (hdr_is(h, "x-forwarded-for") && h->value_len > 0) {
            if (xff++) {
                *p++ = ',';
                *p++ = ' ';
            }
            memcpy(p, h->value, h->value_len);
            p += h->value_len;
        }
    }
    if (hl > 0) {
        if (xff) {
            *p++ = ',';
            *p++ = ' ';
        }
        memcpy(p, hop, hl);
        p += hl;
    }
    if (xff || hl > 0) {
        *p++ = '\r';
        *p++ = '\n';
    } else {
        p -= 17;
    }
    nd_js_push_memo(js, 1, buf, (size_t) (p - buf));
    return 0;
}

/* -> [ ... method ]: the common methods from Duktape's literal cache (a pointer
 * lookup), the others interned from the request (hashed: ~350 instructions). */
static void
push_method(duk_context *ctx, const char *m, size_t n)
{
    if (n == 3 && memcmp(m, "GET", 3) == 0) {
        duk_push_literal(ctx, "GET");
    } else if (n == 4 && memcmp(m, "POST", 4) == 0) {
        duk_push_literal(ctx, "POST");
    } else if (n == 4 && memcmp(m, "HEAD", 4) == 0) {
        duk_push_literal(ctx, "HEAD");
    } else {
        duk_push_lstring(ctx, m, n);
    }
}

void
nd_app_handle(struct nd_app *app, struct nd_req *req)
{
    struct nd_js *js;
    struct nd_rq *rq;
    duk_context  *ctx;
    duk_idx_t     top;
    char          msg[1024];
    int           status;

    if (app->conf->load_error != NULL) {
        nd_worker_respond_text(req, 503, "Service Unavailable: %s", app->conf->load_error);
        return;
    }
    if ((int64_t) req->body_len > app->conf->limits.max_body_size) {
        nd_worker_respond_text(req, 413, "Payload Too Large: the body exceeds max_body_size "
                               "(%lld bytes)", (long long) app->conf->limits.max_body_size);
        return;
    }
    if (app->load_failed != NULL) {
        nd_worker_respond_text(req, 503, "Service Unavailable: app \"%s\" failed to load (see "
                               "the error log); it is not retried until its script changes",
                               app->conf->name);
        return;
    }
    if (fair_shed(app, req)) {
        return;
    }
    js = app_heap(app, &status, msg, sizeof(msg));
    if (js == NULL) {
        nd_log(ND_LOG_ERROR, app->conf->name, "cannot load the app: %s%s", msg,
               app->load_failed != NULL ? " (not retried until the script changes: 503)" : "");
        nd_worker_respond_text(req, status, "%s: the app could not be loaded (see the error "
                               "log)", status == 503 ? "Service Unavailable"
                               : "Internal Server Error");
        return;
    }
    lru_touch(app);
    rq = rq_new(app, req);
    if (rq == NULL) {
        nd_worker_respond_text(req, 503, "Service Unavailable: too many requests in flight");
        return;
    }
    ctx = js->ctx;
    top = duk_get_top(ctx);
    duk_push_heapptr(ctx, js->dispatch);
    duk_push_undefined(ctx);
    duk_push_number(ctx, rq->id);
    push_method(ctx, req->method, req->method_len);
    if (push_url(js, req) == -1 || push_raw_headers(js, req) == -1) {
        duk_set_top(ctx, top);
        nd_worker_respond_text(req, 500, "Internal Server Error: out of memory");
        rq_finish(rq);
        return;
    }
    if (req->body_len > 0) {
        void *buf = duk_push_fixed_buffer(ctx, req->body_len);
        memcpy(buf, req->body, req->body_len);
        duk_push_buffer_object(ctx, -1, 0, req->body_len, DUK_BUFOBJ_UINT8ARRAY);
        duk_remove(ctx, -2);
    } else {
        duk_push_undefined(ctx);
    }
    app_call(app, 5, app->conf->limits.cpu_limit_ms * 1000, rq);
    app_idle_gc(app);
}

/* An allocation was refused at memory_limit during the running call: whatever
 * the script answers, even after catching the error, the request gets the
 * limit's 503 and the heap is rebuilt when the call returns (heap_broken
 * answers every request still in flight), as a cpu_limit kill does. */
static int
over_memory(const struct nd_app *app)
{
    return app->js != NULL && app->js->mem_exceeded;
}

int
nd_app_respond(struct nd_app *app, double id, int status, const char *reason, size_t reason_len,
               const struct nd_hdr *hdrs, int n, const void *body, size_t len)
{
    struct nd_rq *rq = rq_find(app->w, id);

    if (rq == NULL || rq->app != app || rq->shed != ND_SHED_NONE || rq->streaming
        || over_memory(app)) {
        return -1;              /* a refused request is not the app's to answer */
    }
    rq_account(rq);
    nd_http_respond_reason(rq->req, status, reason, reason_len, hdrs, n, body, len);
    rq_finish(rq);
    fair_answered(app);
    return 0;
}

void
nd_app_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
    struct nd_rq *rq = rq_find(app->w, id);
    char          idbuf[80], mapped[4096], hinted[LOG_CUT_MAX + 128];
    const char   *kv[] = { "request_id", idbuf, "stack", stack, NULL };

    if (rq != NULL && (rq->app != app || rq->shed != ND_SHED_NONE)) {
        rq = NULL;
    }
    snprintf(hinted, sizeof(hinted), "%s", msg);
    nd_js_missing_hint(hinted, sizeof(hinted));
    msg = hinted;
    rq_log_id(rq, id, idbuf, sizeof(idbuf));
    /* A built app: its source lines, not the bundle's (worker/srcmap.c). */
    if (stack != NULL && nd_srcmap_rewrite(app->conf->script, stack, mapped, sizeof(mapped)) > 0) {
        kv[3] = mapped;
    }
    if (nd_app_log_admit(app)) {
        char cut[LOG_CUT_MAX + 128], cut2[LOG_CUT_MAX + 128];
        if (kv[3] != NULL) {
            kv[3] = log_cut(app, kv[3], cut2, sizeof(cut2));
        }
        nd_log_kv(ND_LOG_ERROR, app->conf->name, kv, "%s", log_cut(app, msg, cut, sizeof(cut)));
    }
    if (rq == NULL || (rq->streaming && app->js != NULL && !app->js->mem_exceeded
                       && !app->js->timed_out)) {
        return;         /* a streaming response ends through its stream */
    }
    if (rq->streaming) {
        rq_account(rq);
        nd_http_stream_abort(rq->req);
        rq_finish(rq);
        return;
    }
    rq_account(rq);
    if (app->js != NULL && (app->js->mem_exceeded || app->js->timed_out)) {
        /* The error is the limit's doing: say so (the heap is dropped after
         * this call returns). */
        if (app->js->mem_exceeded) {
            nd_worker_respond_text(rq->req, 503, "Service Unavailable: memory_limit exceeded "
                                   "(memory_limit = %lld bytes)",
                                   (long long) app->conf->limits.memory_limit);
        } else {
            const char *where = app->js->timeout_where;
            nd_worker_respond_text(rq->req, 503, "Service Unavailable: cpu_limit exceeded "
                                   "(cpu_limit = %lld ms%s%s)",
                                   (long long) app->conf->limits.cpu_limit_ms,
                                   where != NULL ? "; stopped inside " : "",
                                   where != NULL ? where : "");
        }
        rq_finish(rq);
        return;
    }
    {
        struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
        if (m != NULL) {
            m->exceptions++;
        }
    }
    nd_worker_respond_text(rq->req, 500, "Internal Server Error: the app failed (request %s; "
                           "see the error log)", idbuf);
    rq_finish(rq);
}

/* --- streaming responses ---------------------------------------------------- */

struct nd_rq *
nd_app_stream_rq(struct nd_app *app, double id)
{
    struct nd_rq *rq = rq_find(app->w, id);

    return rq != NULL && rq->app == app && rq->streaming ? rq : NULL;
}

/* http: the connection drained below its low-water mark, or the client left
 * (req->aborted). Tells the producer: a C one, or the JS pump. */
static void
on_stream_writable(struct nd_req *req, void *arg)
{
    struct nd_rq  *rq = arg;
    struct nd_app *app = rq->app;
    double         id = rq->id;
    int            gone = req->aborted;
    duk_context   *ctx;

    if (rq->on_stream != NULL) {
        rq->on_stream(rq, gone, rq->stream_arg);
        return;
    }
    if (app->js == NULL) {
        nd_app_stream_end(app, id, 1);
        return;
    }
    ctx = app->js->ctx;
    duk_push_heapptr(ctx, app->js->lib);
    duk_get_prop_literal(ctx, -1, "streamEvent");       /* -> [ lib fn ] */
    duk_swap_top(ctx, -2);                              /* -> [ fn lib ] */
    duk_push_number(ctx, id);
    duk_push_int(ctx, gone);
    nd_app_enter(app, id, 2);
    if (gone && nd_app_stream_rq(app, id) != NULL) {
        nd_app_stream_end(app, id, 1);                  /* nobody was pumping it */
    }
}

int
nd_app_stream_begin(struct nd_app *app, double id, int status, const char *reason,
                    size_t reason_len, const struct nd_hdr *hdrs, int n, int64_t len)
{
    struct nd_rq *rq = rq_find(app->w, id);

    if (rq == NULL || rq->app != app || rq->streaming || rq->shed != ND_SHED_NONE
        || over_memory(app)) {
        return -1;              /* a refused request is not the app's to answer */
    }
    rq->streaming = 1;
    fair_answered(app);
    if (nd_http_stream_begin_ex(rq->req, status, reason, reason_len, hdrs, n, len,
                                on_stream_writable, rq) == -1) {
        rq_account(rq);
        nd_http_stream_end(rq->req);
        rq_finish(rq);
        return -1;
    }
    return rq->req->head || status == 204 || status == 304 ? 1 : 0;
}

int
nd_app_stream_write(struct nd_app *app, double id, const void *data, size_t len)
{
    struct nd_rq *rq = nd_app_stream_rq(app, id);

    if (rq == NULL || rq->req->aborted) {
        return -1;
    }
    return nd_http_stream_write(rq->req, data, len);
}

void
nd_app_stream_end(struct nd_app *app, double id, int abort)
{
    struct nd_rq *rq = nd_app_stream_rq(app, id);

    if (rq == NULL) {
        return;
    }
    rq_account(rq);
    if (abort || rq->req->aborted) {
        nd_http_stream_abort(rq->req);
    } else {
        nd_http_stream_end(rq->req);
    }
    rq_finish(rq);
}

void
nd_app_subrequest(struct nd_app *app, double rq_id)
{
    struct nd_sb_app *m = nd_sb_my_app(app->conf->sb_index);
    struct nd_rq     *rq = rq_id >= 0 ? rq_find(app->w, rq_id) : NULL;

    if (m != NULL) {
        m->subrequests++;
    }
    if (rq != NULL && rq->app == app) {
        rq->req->subrequests++;
    }
}

void
nd_app_binding_call(struct nd_app *app, double rq_id)
{
    struct nd_rq *rq = rq_id >= 0 ? rq_find(app->w, rq_id) : NULL;

    if (rq != NULL && rq->app == app) {
        rq->req->binding_calls++;
    }
}

/* --- app log lines: log_rate, log_line_max ---------------------------------------- */

/* The drops of the window that ended, in one line. */
static void
log_report(struct nd_app *app)
{
    if (app->log_dropped > 0) {
        nd_log(ND_LOG_WARN, app->conf->name, "app %s: %lld log lines dropped in the last 1 s "
               "(log_rate = %lld lines/s per worker)", app->conf->name,
               (long long) app->log_dropped, (long long) app->conf->limits.log_rate);
        app->log_dropped = 0;
    }
}

static void
on_log_window(evutil_socket_t fd, short what, void *arg)
{
    log_report(arg);
}

int
nd_app_log_admit(struct nd_app *app)
{
    int64_t           rate = app->conf->limits.log_rate, now;
    struct nd_sb_app *m;

    if (rate <= 0) {
        return 1;
    }
    now = nd_sys_now_us();
    if (now - app->log_window_us >= 1000000) {
        log_report(app);
        app->log_window_us = now;
        app->log_lines = 0;
    }
    if (app->log_lines < rate) {
        app->log_lines++;
        return 1;
    }
    if (app->log_dropped++ == 0) {
        struct timeval tv;
        int64_t        left = app->log_window_us + 1000000 - now;
        if (app->log_ev == NULL) {
            app->log_ev = evtimer_new(app->w->base, on_log_window, app);
        }
        tv.tv_sec = 0;
        tv.tv_usec = (suseconds_t) (left > 0 ? left : 0);
        if (app->log_ev != NULL) {
            evtimer_add(app->log_ev, &tv);
        }
    }
    m = nd_sb_my_app(app->conf->sb_index);
    if (m != NULL) {
        m->log_dropped++;
    }
    return 0;
}

/* s, or its first log_line_max bytes (whole UTF-8 characters) in buf with a
 * note of how much was cut. */
static const char *
log_cut(struct nd_app *app, const char *s, char *buf, size_t size)
{
    size_t            max = (size_t) app->conf->limits.log_line_max, len = strlen(s), n;
    struct nd_sb_app *m;

    if (max > LOG_CUT_MAX) {
        max = LOG_CUT_MAX;
    }
    if (len <= max || size < 128) {
        return s;
    }
    n = max < size - 96 ? max : size - 96;
    while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80) {
        n--;                    /* not inside a UTF-8 sequence */
    }
    snprintf(buf, size, "%.*s... [%zu more bytes cut: log_line_max]", (int) n, s, len - n);
    m = nd_sb_my_app(app->conf->sb_index);
    if (m != NULL) {
        m->log_truncated++;
    }
    return buf;
}

void
nd_app_log(struct nd_app *app, int level, const char *msg, double rq_id)
{
    struct nd_rq *rq;
    const char   *kv[3] = { NULL, NULL, NULL };
    char          rid[80], cut[LOG_CUT_MAX + 128];

    if (level < app->conf->log_level || !nd_app_log_admit(app)) {
        return;
    }
    rq = rq_id >= 0 ? rq_find(app->w, rq_id) : NULL;
    if (rq != NULL && rq->app == app && rq->req->rid_len > 0) {
        snprintf(rid, sizeof(rid), "%.*s", (int) rq->req->rid_len, rq->req->rid);
        kv[0] = "request_id";
        kv[1] = rid;
    }
    nd_log_kv((enum nd_log_level) level, app->conf->name, kv, "%s",
              log_cut(app, msg, cut, sizeof(cut)));
}

int
nd_app_init(struct nd_app *app, struct nd_worker *w, const struct nd_app_conf *conf)
{
    memset(app, 0, sizeof(*app));
    app->conf = conf;
    app->w = w;
    return 0;
}

void
nd_app_cleanup(struct nd_app *app)
{
    if (app->log_ev != NULL) {
        log_report(app);
        event_free(app->log_ev);
        app->log_ev = NULL;
    }
    while (app->inflight != NULL) {
        struct nd_rq *rq = app->inflight;
        nd_worker_respond_text(rq->req, 503, "Service Unavailable: the worker is stopping");
        rq_finish(rq);
    }
    discard_heap(app);
    if (!app->code_borrowed) {
        free(app->code);
    }
    app->code = NULL;
    free(app->load_failed);
    app->load_failed = NULL;
}
