/*
 * Unit tests: when an app heap collects (worker/js/heap.c's nd_js_idle_gc and
 * our duktape.c's duk-patches/52-gc-postpone-voluntary.patch). Issue 22: no
 * request pays for the heap's housekeeping. Counted, not timed: nd_js.gc_runs
 * (every collection but emergency ones) and gc_idle_runs (those between
 * macrotasks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "worker/js/heap.h"
#include "worker/js/host.h"

/* Runs fn(arg) as one macrotask, then what the worker runs after one. */
static int
macrotask(struct nd_js *js, int arg)
{
    int rc;

    duk_get_global_string(js->ctx, "task");
    duk_push_undefined(js->ctx);
    duk_push_int(js->ctx, arg);
    rc = nd_js_pcall(js, 1, 10 * 1000000);
    duk_pop(js->ctx);
    if (nd_js_idle_gc(js, 10 * 1000000) == -1) {
        return -1;
    }
    return rc;
}

static struct nd_js *
heap_with(const char *src)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg));

    if (js == NULL) {
        fprintf(stderr, "  nd_js_new: %s\n", msg);
        return NULL;
    }
    if (duk_peval_string(js->ctx, src) != 0) {
        fprintf(stderr, "  eval: %s\n", duk_safe_to_string(js->ctx, -1));
        nd_js_free(js);
        return NULL;
    }
    duk_pop(js->ctx);
    return js;
}

/* Garbage that refcounting frees at once (some 4,000 allocations a task): no
 * collection at all, between tasks or inside one. Duktape's own trigger
 * counts allocations, freed ones too: without the postponement it collected
 * inside a task every few tasks. */
T_CASE(acyclic_garbage_never_collects_inside_a_task)
{
    struct nd_js *js = heap_with("var keep = [];"
                                 "function task(n) {"
                                 "    for (var i = 0; i < 1000; i++) { var o = { i: i, a: [n] }; }"
                                 "    keep.push(n);"
                                 "}");
    size_t        runs0, inside = 0;
    int           t;

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    runs0 = js->gc_runs;
    for (t = 0; t < 300; t++) {
        size_t before = js->gc_runs, idle = js->gc_idle_runs;

        T_EQ_INT(macrotask(js, t), 0);
        inside += js->gc_runs - before - (js->gc_idle_runs - idle);
    }
    printf("  300 tasks x 1000 objects: %zu collections, %zu inside a task\n",
           js->gc_runs - runs0, inside);
    T_EQ_INT(inside, 0);
    nd_js_free(js);
}

/* Cyclic garbage (each task leaves ~40 KB of cycles): collected between
 * tasks, so the heap stays near what it holds live. */
T_CASE(cyclic_garbage_collected_between_tasks)
{
    struct nd_js *js = heap_with("function task(n) {"
                                 "    for (var i = 0; i < 200; i++) {"
                                 "        var a = { n: n, pad: [1, 2, 3, 4, 5, 6, 7, 8] }; a.self = a;"
                                 "    }"
                                 "}");
    size_t        base, peak = 0, inside = 0;
    int           t;

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(macrotask(js, 0), 0);
    duk_gc(js->ctx, 0);
    base = js->mem_used;
    for (t = 0; t < 300; t++) {
        size_t before = js->gc_runs, idle = js->gc_idle_runs;

        T_EQ_INT(macrotask(js, t), 0);
        inside += js->gc_runs - before - (js->gc_idle_runs - idle);
        if (js->mem_used > peak) {
            peak = js->mem_used;
        }
    }
    printf("  300 tasks of cycles: %zu collections between tasks, %zu inside; heap %zu KB, "
           "at most %zu KB after a task\n", js->gc_idle_runs, inside, base / 1024, peak / 1024);
    T_TRUE(js->gc_idle_runs >= 3);
    T_EQ_INT(inside, 0);
    T_TRUE(peak < base + 2 * ND_JS_GC_MIN_GROWTH + base);
    nd_js_free(js);
}

/* One task that allocates without end still meets Duktape's own trigger:
 * the postponement happens only between tasks. */
T_CASE(one_long_task_still_collects)
{
    struct nd_js *js = heap_with("function task(n) {"
                                 "    for (var i = 0; i < 400000; i++) { var a = { i: i }; a.self = a; }"
                                 "}");
    size_t        before;

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    before = js->gc_runs;
    T_EQ_INT(macrotask(js, 0), 0);
    printf("  one task of 400,000 cycles: %zu collections\n", js->gc_runs - before);
    T_TRUE(js->gc_runs - before - js->gc_idle_runs >= 1);
    nd_js_free(js);
}

int
main(void)
{
    T_RUN(acyclic_garbage_never_collects_inside_a_task);
    T_RUN(cyclic_garbage_collected_between_tasks);
    T_RUN(one_long_task_still_collects);
    return T_DONE();
}
