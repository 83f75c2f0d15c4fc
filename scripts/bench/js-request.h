/*
 * One GET request through a heap's lib.dispatch, then its microtask drain:
 * the driver the heap-only tools share (scripts/bench/js-hot-path.c,
 * scripts/bench/first-request.c, tools/heap-cost.c). Header-only: the
 * tools link libnd_js.a and nothing of theirs goes into it.
 */
#ifndef ND_BENCH_JS_REQUEST_H
#define ND_BENCH_JS_REQUEST_H

#include <stdint.h>
#include <stdio.h>

#include "worker/js/heap.h"

/* Request id for url with raw_headers ("Name: value\r\n"...), each call under
 * budget_us (0: no deadline). *hk_us, when not NULL: the CPU of both calls that
 * was housekeeping (lazy groups loaded, GC). 0, or -1 with the error on stderr. */
static inline int
nd_bench_request(struct nd_js *js, double id, const char *url, const char *raw_headers,
                 int64_t budget_us, int64_t *hk_us)
{
    duk_context *ctx = js->ctx;

    duk_push_heapptr(ctx, js->dispatch);
    duk_push_undefined(ctx);
    duk_push_number(ctx, id);
    duk_push_lstring(ctx, "GET", 3);
    duk_push_string(ctx, url);
    duk_push_string(ctx, raw_headers);
    duk_push_undefined(ctx);
    if (nd_js_pcall(js, 5, budget_us) != 0) {
        fprintf(stderr, "dispatch: %s\n", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    if (hk_us != NULL) {
        *hk_us = js->last_credit_us;
    }
    duk_pop(ctx);
    duk_push_heapptr(ctx, js->drain);
    duk_push_undefined(ctx);
    if (nd_js_pcall(js, 0, budget_us) != 0) {
        fprintf(stderr, "drain: %s\n", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    if (hk_us != NULL) {
        *hk_us += js->last_credit_us;
    }
    duk_pop(ctx);
    return 0;
}

#endif
