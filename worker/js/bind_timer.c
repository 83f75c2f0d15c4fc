/*
 * native.timerStart/timerClear/timerPending, native.waitBegin/waitEnd: the C
 * half of setTimeout/setInterval and ctx.waitUntil (bootstrap/lazy/timers.js).
 */
#include "worker/js/bind.h"
#include "worker/js/heap.h"

/* native.timerStart(id, ms, repeat, invocation, level) */
static duk_ret_t
native_timer_start(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    double        ms = duk_to_number(ctx, 1);
    int64_t       d;

    if (!(ms >= 0)) {
        d = 0;                  /* negative, NaN */
    } else if (ms > 9.0e15) {
        d = INT64_MAX / 2000;   /* clamped by the host (nd_timer_start) */
    } else {
        d = (int64_t) ms;
    }
    if (ND_JS_HOST(ctx, js, timer_start)(js->owner, duk_require_number(ctx, 0),
                                         duk_require_number(ctx, 3), d, duk_to_boolean(ctx, 2),
                                         duk_to_int(ctx, 4)) == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "setTimeout: out of memory");
    }
    return 0;
}

/* native.timerClear(id) -> was pending */
static duk_ret_t
native_timer_clear(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    duk_push_boolean(ctx, ND_JS_HOST(ctx, js, timer_clear)(js->owner, duk_require_number(ctx, 0)));
    return 1;
}

/* native.timerPending(id) */
static duk_ret_t
native_timer_pending(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    duk_push_boolean(ctx, ND_JS_HOST(ctx, js, timer_pending)(js->owner,
                                                             duk_require_number(ctx, 0)));
    return 1;
}

/* native.waitBegin(invocation) */
static duk_ret_t
native_wait_begin(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    if (ND_JS_HOST(ctx, js, wait_begin)(js->owner, duk_require_number(ctx, 0)) == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "ctx.waitUntil: out of memory");
    }
    return 0;
}

/* native.waitEnd(invocation) */
static duk_ret_t
native_wait_end(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    ND_JS_HOST(ctx, js, wait_end)(js->owner, duk_require_number(ctx, 0));
    return 0;
}

void
nd_bind_timer(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "timerStart", native_timer_start, 5 },
        { "timerClear", native_timer_clear, 1 },
        { "timerPending", native_timer_pending, 1 },
        { "waitBegin", native_wait_begin, 1 },
        { "waitEnd", native_wait_end, 1 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
