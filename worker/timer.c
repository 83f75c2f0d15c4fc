/*
 * setTimeout/setInterval, per worker.
 *
 * Timers sit in one binary min-heap ordered by (deadline, creation order) under
 * one evtimer: equal deadlines fire in the order they were set (HTML), which
 * libevent's own heap does not promise. Each firing is a macrotask through
 * nd_app_enter() (microtasks drained after it): lib.runTimer(id, level) finds
 * the callback, which JS keeps; C knows only ids.
 */
#include <event2/event.h>
#include <stdlib.h>

#include "common/idmap.h"
#include "common/log.h"
#include "common/sys.h"
#include "worker/invocation.h"
#include "worker/js/heap.h"
#include "worker/timer.h"

#define HTML_NESTING_MAX 5          /* past this level, delays under 4 ms become 4 ms */
#define HTML_CLAMP_MS    4
#define TIMER_MAX_MS     2147483647LL

struct nd_timer {
    struct nd_app_res res;          /* first: cancel() gets it; rq_id = the invocation */
    struct nd_timers *ts;
    struct nd_app    *app;
    double            id;           /* JS-visible */
    int64_t           when_us;      /* monotonic deadline */
    uint64_t          seq;          /* creation order, ties */
    int64_t           period_ms;    /* setInterval; 0 = once */
    int               level;        /* HTML timer nesting level of its task */
    size_t            hidx;         /* index in ts->heap */
    struct nd_timer  *hnext;        /* id hash chain */
};

struct nd_timers {
    struct nd_worker  *w;
    struct event      *ev;          /* owned: the earliest timer */
    struct nd_timer  **heap;        /* owned */
    size_t             n, cap;
    uint64_t           seq;
    struct nd_idmap    timer_ids;   /* (app, id) -> nd_timer */
};

static void timer_cancel(struct nd_app_res *res);

/* --- the timer heap ------------------------------------------------------------ */

static int
earlier(const struct nd_timer *a, const struct nd_timer *b)
{
    return a->when_us < b->when_us || (a->when_us == b->when_us && a->seq < b->seq);
}

static void
heap_set(struct nd_timers *ts, size_t i, struct nd_timer *t)
{
    ts->heap[i] = t;
    t->hidx = i;
}

static void
heap_up(struct nd_timers *ts, size_t i)
{
    struct nd_timer *t = ts->heap[i];

    while (i > 0 && earlier(t, ts->heap[(i - 1) / 2])) {
        heap_set(ts, i, ts->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(ts, i, t);
}

static void
heap_down(struct nd_timers *ts, size_t i)
{
    struct nd_timer *t = ts->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= ts->n) {
            break;
        }
        if (c + 1 < ts->n && earlier(ts->heap[c + 1], ts->heap[c])) {
            c++;
        }
        if (!earlier(ts->heap[c], t)) {
            break;
        }
        heap_set(ts, i, ts->heap[c]);
        i = c;
    }
    heap_set(ts, i, t);
}

static void
heap_remove(struct nd_timers *ts, struct nd_timer *t)
{
    size_t           i = t->hidx;
    struct nd_timer *last = ts->heap[--ts->n];

    if (last != t) {
        heap_set(ts, i, last);
        heap_down(ts, i);
        heap_up(ts, last->hidx);
    }
}

static void
arm(struct nd_timers *ts)
{
    struct timeval tv;
    int64_t        d;

    if (ts->n == 0) {
        event_del(ts->ev);
        return;
    }
    d = ts->heap[0]->when_us - nd_sys_now_us();
    if (d < 0) {
        d = 0;
    }
    tv.tv_sec = (time_t) (d / 1000000);
    tv.tv_usec = (suseconds_t) (d % 1000000);
    evtimer_add(ts->ev, &tv);
}

/* Unlinks t from everything and frees it. */
static void
timer_free(struct nd_timer *t)
{
    struct nd_timers *ts = t->ts;
    int               top = t->hidx == 0;

    nd_idmap_remove(&ts->timer_ids, t);
    heap_remove(ts, t);
    nd_app_res_remove(t->app, &t->res);
    free(t);
    if (top) {
        arm(ts);
    }
}

static void
timer_cancel(struct nd_app_res *res)
{
    timer_free((struct nd_timer *) res);
}

static void
run_timer(struct nd_timers *ts, struct nd_timer *t)
{
    struct nd_app *app = t->app;
    double         id = t->id, io = t->res.rq_id;
    int            level = t->level;

    if (!nd_ioctx_live(app, io)) {
        timer_free(t);          /* its invocation is over: it never fires */
        return;
    }
    if (t->period_ms > 0) {
        t->level++;
        if (t->level > HTML_NESTING_MAX && t->period_ms < HTML_CLAMP_MS) {
            t->period_ms = HTML_CLAMP_MS;
        }
        t->when_us = nd_sys_now_us() + t->period_ms * 1000;
        t->seq = ts->seq++;
        heap_down(ts, t->hidx);
    } else {
        timer_free(t);
    }
    /* t may be gone from here on (clearInterval in its callback, heap discarded). */
    if (app->js == NULL || nd_js_push_lib_fn(app->js, "runTimer") == -1) {
        return;
    }
    duk_push_number(app->js->ctx, id);
    duk_push_int(app->js->ctx, level);
    nd_app_enter(app, io, 2);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct nd_timers *ts = arg;
    int64_t           now = nd_sys_now_us();
    uint64_t          seq = ts->seq;

    /* Only timers due now and set before this pass: a setTimeout(f, 0) loop
     * yields to I/O between rounds. */
    while (ts->n > 0 && ts->heap[0]->when_us <= now && ts->heap[0]->seq < seq) {
        run_timer(ts, ts->heap[0]);
    }
    arm(ts);
}

int
nd_timer_start(struct nd_app *app, double id, double io, int64_t ms, int repeat, int level)
{
    struct nd_timers *ts = app->w->timers;
    struct nd_timer  *t, *old;

    if (ts == NULL) {
        return -1;
    }
    if (ms < 0) {
        ms = 0;
    } else if (ms > TIMER_MAX_MS) {
        ms = 1;                 /* as Node and browsers do with overlong delays */
    }
    if (level > HTML_NESTING_MAX && ms < HTML_CLAMP_MS) {
        ms = HTML_CLAMP_MS;
    }
    if (repeat && ms == 0) {
        ms = 1;
    }
    old = nd_idmap_find(&ts->timer_ids, app, id);
    if (old != NULL) {
        timer_free(old);
    }
    if (ts->n == ts->cap) {
        size_t            cap = ts->cap == 0 ? 64 : ts->cap * 2;
        struct nd_timer **h = realloc(ts->heap, cap * sizeof(*h));
        if (h == NULL) {
            return -1;
        }
        ts->heap = h;
        ts->cap = cap;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return -1;
    }
    t->res.cancel = timer_cancel;
    t->res.rq_id = io;
    t->ts = ts;
    t->app = app;
    t->id = id;
    t->when_us = nd_sys_now_us() + ms * 1000;
    t->seq = ts->seq++;
    t->period_ms = repeat ? ms : 0;
    t->level = level;
    if (nd_idmap_add(&ts->timer_ids, t) == -1) {
        free(t);
        return -1;
    }
    t->hidx = ts->n++;
    ts->heap[t->hidx] = t;
    heap_up(ts, t->hidx);
    nd_app_res_add(app, &t->res);
    if (t->hidx == 0) {
        arm(ts);
    }
    return 0;
}

int
nd_timer_clear(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;
    struct nd_timer  *t = ts != NULL ? nd_idmap_find(&ts->timer_ids, app, id) : NULL;

    if (t == NULL) {
        return 0;
    }
    timer_free(t);
    return 1;
}

int
nd_timer_pending(struct nd_app *app, double id)
{
    struct nd_timers *ts = app->w->timers;

    return ts != NULL && nd_idmap_find(&ts->timer_ids, app, id) != NULL;
}

/* --- per worker --------------------------------------------------------------------- */

int
nd_timers_init(struct nd_worker *w)
{
    struct nd_timers *ts = calloc(1, sizeof(*ts));

    if (ts == NULL) {
        return -1;
    }
    ts->w = w;
    ts->timer_ids = (struct nd_idmap) ND_IDMAP_INIT(struct nd_timer, app, id, hnext);
    ts->ev = evtimer_new(w->base, on_timer, ts);
    w->timers = ts;
    if (ts->ev == NULL) {
        nd_log(ND_LOG_ERROR, NULL, "cannot set up timers: out of memory");
        nd_timers_cleanup(w);
        return -1;
    }
    return 0;
}

/* After every app's resources were cancelled (nd_app_cleanup). */
void
nd_timers_cleanup(struct nd_worker *w)
{
    struct nd_timers *ts = w->timers;

    if (ts == NULL) {
        return;
    }
    while (ts->n > 0) {
        timer_free(ts->heap[0]);
    }
    if (ts->ev != NULL) {
        event_free(ts->ev);
    }
    free(ts->heap);
    nd_idmap_free(&ts->timer_ids);
    free(ts);
    w->timers = NULL;
}
