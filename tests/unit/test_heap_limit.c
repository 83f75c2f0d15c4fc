/*
 * Unit tests: an app heap at its memory_limit (worker/js/heap.c's allocator
 * and our duktape.c's duk-patches/51-gc-at-memory-limit.patch).
 *
 * A failed allocation at the cap must cost a few collections, not a storm:
 * Debian's retry loop ran ten mark-and-sweeps per failed allocation, each
 * emergency one compacting every object, each compaction failing at the cap
 * into the same loop again. How long that took depended only on which
 * allocation hit the cap first (the heap's layout), so each bomb runs under
 * a range of limits. What is counted is deterministic: the allocations the
 * cap refused (nd_js.mem_refused), not time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "common/sys.h"
#include "worker/js/heap.h"
#include "worker/js/host.h"

/* Refusals one bomb may cause: the refused allocation, its retries after
 * each collection, the emergency compaction's first failure, and as much
 * again for the error that reports it. The storm refused 10^3-10^6. */
#define MAX_REFUSED 64

static const char *const bombs[] = {
    /* tests/apps/limits_bad.js /objs: small objects, exact size */
    "var o = []; while (true) { o.push({ n: o.length, l: [1, 2, 3] }); }",
    /* objects grown by assignment: property tables with slack to compact */
    "var o = []; while (true) { var x = {}; x.a = 1; x.b = 2; x.c = 3; x.d = 4; x.e = 5;"
    " o.push(x); }",
    /* closures, each constructable (a lazily made .prototype, 50-*.patch) */
    "var o = []; while (true) { o.push(function () { return o.length; }); }",
    /* a function's prototype looked at on every one */
    "var o = []; while (true) { var f = function () {}; f.prototype.k = 1; o.push(f); }",
    /* tests/apps/limits_bad.js /bomb: doubling strings */
    "var a = [], s = 'x'; while (true) { s = s + s; a.push(s); }",
};

/* Runs src in a fresh heap capped at limit: -> 0 when it ended with the
 * memory_limit, *refused = allocations refused. */
static int
run_bomb(const char *src, size_t limit, size_t *refused, double *cpu_ms)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(limit, &nd_js_host_quiet, NULL, msg, sizeof(msg));
    int64_t       c0;
    int           rc;

    if (js == NULL) {
        fprintf(stderr, "  nd_js_new: %s\n", msg);
        return -1;
    }
    duk_push_string(js->ctx, "bomb");
    if (duk_pcompile_string_filename(js->ctx, 0, src) != 0) {
        fprintf(stderr, "  compile: %s\n", duk_safe_to_string(js->ctx, -1));
        nd_js_free(js);
        return -1;
    }
    duk_push_undefined(js->ctx);
    js->mem_refused = 0;
    c0 = nd_sys_cpu_us();
    rc = nd_js_pcall(js, 0, 60 * 1000000);
    *cpu_ms = (double) (nd_sys_cpu_us() - c0) / 1000.0;
    *refused = js->mem_refused;
    rc = (rc == -1 && js->mem_exceeded && !js->timed_out) ? 0 : -1;
    nd_js_free(js);
    return rc;
}

T_CASE(bomb_at_memory_limit_costs_few_collections)
{
    size_t i, k, refused, worst = 0;
    double cpu, worst_cpu = 0;

    for (i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
        /* 2 MB and up, in steps that are not a multiple of any block size */
        for (k = 0; k < 12; k++) {
            size_t limit = (2u << 20) + k * 40961;

            if (run_bomb(bombs[i], limit, &refused, &cpu) != 0) {
                T_FAIL_("bomb %zu at %zu bytes did not end with the memory_limit", i, limit);
                continue;
            }
            if (refused > MAX_REFUSED) {
                T_FAIL_("bomb %zu at %zu bytes: %zu allocations refused (%.0f ms CPU), want "
                        "at most %d", i, limit, refused, cpu, MAX_REFUSED);
            }
            if (refused > worst) {
                worst = refused;
                worst_cpu = cpu;
            }
        }
    }
    printf("  worst: %zu allocations refused (%.1f ms CPU)\n", worst, worst_cpu);
}

/* The heap is usable again once the program drops what it held. */
T_CASE(heap_recovers_after_the_limit)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(3u << 20, &nd_js_host_quiet, NULL, msg, sizeof(msg));

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(duk_peval_string(js->ctx, "var keep = []; try { while (true) { keep.push({ a: "
                              "[keep.length] }); } } catch (e) { keep = null; }"), 0);
    duk_pop(js->ctx);
    T_TRUE(js->mem_refused > 0);
    T_EQ_INT(duk_peval_string(js->ctx, "var s = 0; for (var i = 0; i < 20000; i++) "
                              "{ s += [i, { i: i }].length; } s"), 0);
    T_EQ_INT(duk_get_int(js->ctx, -1), 40000);
    duk_pop(js->ctx);
    nd_js_free(js);
}

/* -> [ ... fs[i].prototype ] (udata: &i) */
static duk_ret_t
look_at_prototype(duk_context *ctx, void *udata)
{
    duk_get_global_string(ctx, "fs");
    duk_get_prop_index(ctx, -1, (duk_uarridx_t) *(int *) udata);
    duk_get_prop_string(ctx, -1, "prototype");
    return 1;
}

/* A function's .prototype made on first look (50-lazy-function-prototype):
 * a look that fails at the memory_limit leaves it pending, not lost. */
T_CASE(lazy_prototype_survives_the_limit)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(3u << 20, &nd_js_host_quiet, NULL, msg, sizeof(msg));
    int           i, failed = 0;

    T_TRUE(js != NULL);
    if (js == NULL) {
        return;
    }
    T_EQ_INT(duk_peval_string(js->ctx, "var fs = [];"
                              "for (var i = 0; i < 40; i++) { fs.push(function () {}); }"), 0);
    duk_pop(js->ctx);
    duk_require_stack(js->ctx, 64);
    /* Fill the heap with small objects until one cannot be allocated. */
    T_EQ_INT(duk_peval_string(js->ctx, "var fill = null; while (true) { fill = { n: fill }; }"),
             1);
    duk_pop(js->ctx);
    for (i = 0; i < 40; i++) {
        if (duk_safe_call(js->ctx, look_at_prototype, &i, 0, 1) != DUK_EXEC_SUCCESS) {
            failed++;
        }
        duk_pop(js->ctx);
    }
    printf("  %d of 40 first looks at .prototype failed at the limit\n", failed);
    T_TRUE(failed > 0);
    duk_push_null(js->ctx);
    duk_put_global_string(js->ctx, "fill");             /* frees the list */
    T_EQ_INT(duk_peval_string(js->ctx, "var ok = 0;"
        "for (var i = 0; i < fs.length; i++) {"
        "    var p = fs[i].prototype;"
        "    if (typeof p === 'object' && p.constructor === fs[i] && new fs[i]() instanceof fs[i]"
        "        && Object.getOwnPropertyDescriptor(fs[i], 'prototype').writable) { ok++; }"
        "}"
        "ok"), 0);
    T_EQ_INT(duk_get_int(js->ctx, -1), 40);
    duk_pop(js->ctx);
    nd_js_free(js);
}

/* The hint for a missing engine feature is added once: a request's error
 * passes nd_js_describe_error and then the host's fail (app.c), and both
 * call nd_js_missing_hint. A tenant's message naming Intl gets it once too. */
T_CASE(missing_feature_hint_added_once)
{
    char        msg[512];
    const char *want = "Intl (no ICU in nanod's engine) is not supported";
    const char *first;

    snprintf(msg, sizeof(msg), "ReferenceError: identifier 'Intl' undefined");
    nd_js_missing_hint(msg, sizeof(msg));
    first = strstr(msg, want);
    T_TRUE(first != NULL);
    nd_js_missing_hint(msg, sizeof(msg));
    T_TRUE(first != NULL && strstr(first + 1, want) == NULL);
    snprintf(msg, sizeof(msg), "TypeError: not callable");
    nd_js_missing_hint(msg, sizeof(msg));
    T_EQ_STR(msg, "TypeError: not callable");
    /* a full buffer: cut, still a string */
    memset(msg, 'x', 20);
    memcpy(msg, "identifier 'Atomics' undefined", 30);
    msg[30] = '\0';
    {
        char small[40];
        memcpy(small, msg, 31);
        nd_js_missing_hint(small, sizeof(small));
        T_EQ_INT((int) strlen(small), (int) sizeof(small) - 1);
    }
}

int
main(void)
{
    T_RUN(bomb_at_memory_limit_costs_few_collections);
    T_RUN(heap_recovers_after_the_limit);
    T_RUN(lazy_prototype_survives_the_limit);
    T_RUN(missing_feature_hint_added_once);
    return T_DONE();
}
