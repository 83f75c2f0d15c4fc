/*
 * nd_worker_js_host: what the natives of worker/js/ reach above the engine.
 * Most ops are the worker's functions themselves; the few below adapt the
 * ones the engine must not see the structs of (struct nd_app, nd_worker).
 */
#include "worker/app.h"
#include "worker/binding.h"
#include "worker/fetch.h"
#include "worker/host.h"
#include "worker/invocation.h"
#include "worker/js/heap.h"
#include "worker/timer.h"

static struct event_base *
app_base(struct nd_app *app)
{
    return app->w->base;
}

static struct nd_js *
app_heap(struct nd_app *app)
{
    return app->js;
}

static void
app_hold(struct nd_app *app)
{
    nd_worker_hold(app->w);
}

static void
app_release(struct nd_app *app)
{
    nd_worker_release(app->w);
}

static const struct nd_app_conf *
app_conf(struct nd_app *app)
{
    return app->conf;
}

static const char *
state_dir(struct nd_app *app)
{
    return app->w->conf->server.state_dir;
}

const struct nd_js_host nd_worker_js_host = {
    .respond = nd_app_respond,
    .fail = nd_app_fail,
    .log = nd_app_log,
    .stream_begin = nd_app_stream_begin,
    .stream_write = nd_app_stream_write,
    .stream_end = nd_app_stream_end,
    .fetch_start = nd_fetch_start,
    .fetch_abort = nd_fetch_abort,
    .fetch_pending = nd_fetch_pending,
    .fetch_read = nd_fetch_read,
    .fetch_splice = nd_fetch_splice,
    .timer_start = nd_timer_start,
    .timer_clear = nd_timer_clear,
    .timer_pending = nd_timer_pending,
    .wait_begin = nd_ioctx_wait_begin,
    .wait_end = nd_ioctx_wait_end,
    .base = app_base,
    .heap = app_heap,
    .io_live = nd_ioctx_live,
    .io_release = nd_ioctx_done,
    .charge = nd_app_charge,
    .enter = nd_app_enter,
    .res_add = nd_app_res_add,
    .res_remove = nd_app_res_remove,
    .hold = app_hold,
    .release = app_release,
    .conf = app_conf,
    .state_dir = state_dir,
    .binding_call = nd_app_binding_call,
    .binding_done = nd_binding_done,
};
