/*
 * Unit tests: the microtask drain (bootstrap/00-core.js lib.drain) in a real
 * app heap. It keeps the queue and its position in locals and clears each
 * job before running it, so: jobs run once each and in order, a throwing job
 * does not stop the ones after it, a drain re-entered from C (a job calling
 * a native that drains) runs the rest in order and the outer one then runs
 * nothing twice, a drain aborted by the CPU deadline leaves the queue so that
 * the next drain runs what is left (not what already ran), and the queue
 * compacts under thousands of jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "worker/js/heap.h"
#include "worker/js/host.h"

/* GLOBAL: the heap that reenter() drains (a Duktape native has no udata) */
static struct nd_js *g_js;

/* reenter(): lib.drain() from C, as a native that runs JS would */
static duk_ret_t
reenter(duk_context *ctx)
{
    duk_push_heapptr(ctx, g_js->drain);
    duk_push_undefined(ctx);
    duk_call_method(ctx, 0);
    return 0;
}

static struct nd_js *
new_heap(void)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg));

    if (js == NULL) {
        fprintf(stderr, "  nd_js_new: %s\n", msg);
        return NULL;
    }
    g_js = js;
    duk_push_c_function(js->ctx, reenter, 0);
    duk_put_global_string(js->ctx, "reenter");
    return js;
}

/* Runs src (queues jobs, no drain): 0 or -1 */
static int
run(struct nd_js *js, const char *src)
{
    if (duk_peval_string(js->ctx, src) != 0) {
        fprintf(stderr, "  eval: %s\n", duk_safe_to_string(js->ctx, -1));
        duk_pop(js->ctx);
        return -1;
    }
    duk_pop(js->ctx);
    return 0;
}

/* lib.drain() with a CPU budget (0 = none): nd_js_pcall's result */
static int
drain(struct nd_js *js, int64_t budget_us)
{
    int rc;

    duk_push_heapptr(js->ctx, js->drain);
    duk_push_undefined(js->ctx);
    rc = nd_js_pcall(js, 0, budget_us);
    if (rc != -2) {
        duk_pop(js->ctx);
    }
    return rc;
}

/* JSON of the global `out`, copied to buf */
static const char *
out_json(struct nd_js *js, char *buf, size_t size)
{
    if (duk_peval_string(js->ctx, "JSON.stringify(out)") != 0) {
        snprintf(buf, size, "(error: %s)", duk_safe_to_string(js->ctx, -1));
    } else {
        snprintf(buf, size, "%s", duk_safe_to_string(js->ctx, -1));
    }
    duk_pop(js->ctx);
    return buf;
}

T_CASE(jobs_run_in_order_past_exceptions)
{
    struct nd_js *js = new_heap();
    char          buf[512];

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(run(js, "var out = [];"
                     "queueMicrotask(function () { out.push(1); throw new Error('x'); });"
                     "Promise.resolve(2).then(function (v) { out.push(v); "
                     "    queueMicrotask(function () { out.push(5); }); });"
                     "queueMicrotask(function () { out.push(3); throw 'y'; });"
                     "Promise.reject(4).then(null, function (v) { out.push(v); });"), 0);
    T_EQ_INT(drain(js, 0), 0);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[1,2,3,4,5]");
    /* nothing left to run twice */
    T_EQ_INT(drain(js, 0), 0);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[1,2,3,4,5]");
    nd_js_free(js);
}

T_CASE(a_drain_reentered_from_c_runs_the_rest_once)
{
    struct nd_js *js = new_heap();
    char          buf[512];

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(run(js, "var out = [];"
                     "queueMicrotask(function () { out.push('a1'); reenter(); out.push('a2'); "
                     "    queueMicrotask(function () { out.push('d'); }); });"
                     "queueMicrotask(function () { out.push('b'); "
                     "    queueMicrotask(function () { out.push('c'); }); });"), 0);
    T_EQ_INT(drain(js, 0), 0);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[\"a1\",\"b\",\"c\",\"a2\",\"d\"]");
    nd_js_free(js);
}

T_CASE(the_drain_after_an_aborted_one_runs_what_is_left)
{
    struct nd_js *js = new_heap();
    char          buf[512];
    int           rc;

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(run(js, "var out = [], spin = true;"
                     "queueMicrotask(function () { out.push(1); });"
                     "queueMicrotask(function () { out.push(2); while (spin) {} });"
                     "queueMicrotask(function () { out.push(3); });"
                     "Promise.resolve(4).then(function (v) { out.push(v); });"), 0);
    rc = drain(js, 50 * 1000);
    T_EQ_INT(rc, -1);
    T_TRUE(js->timed_out);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[1,2]");
    T_EQ_INT(drain(js, 0), 0);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[1,2,3,4]");
    nd_js_free(js);
}

T_CASE(thousands_of_jobs_compact_the_queue_in_order)
{
    struct nd_js *js = new_heap();
    char          buf[512];

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    /* 3000 jobs queued up front, each of the first 1500 queueing one more:
     * the queue is spliced while jobs still queue behind the position */
    T_EQ_INT(run(js, "var out = [], n = 0, bad = 0, i;"
                     "function job(k) { return function () {"
                     "    if (k !== n) { bad++; } n++;"
                     "    if (k < 1500) { queueMicrotask(job(k + 3000)); } }; }"
                     "for (i = 0; i < 3000; i++) { queueMicrotask(job(i)); }"), 0);
    T_EQ_INT(drain(js, 0), 0);
    T_EQ_INT(run(js, "out = [n, bad];"), 0);
    T_EQ_STR(out_json(js, buf, sizeof(buf)), "[4500,0]");
    nd_js_free(js);
}

int
main(void)
{
    T_RUN(jobs_run_in_order_past_exceptions);
    T_RUN(a_drain_reentered_from_c_runs_the_rest_once);
    T_RUN(the_drain_after_an_aborted_one_runs_what_is_left);
    T_RUN(thousands_of_jobs_compact_the_queue_in_order);
    return T_DONE();
}
