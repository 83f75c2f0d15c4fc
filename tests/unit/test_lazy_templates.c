/*
 * Unit tests: inner functions of a loaded dump load on their first closure
 * (duk-patches/80-lazy-templates.patch, nd_duk_load_function_lazy, which
 * nd_loader_load uses). Closures of lazily loaded templates must behave as
 * the compiled script's; dumps of lazily loaded functions must be the bytes
 * they were loaded from; references moved from a placeholder to its template
 * must keep every sharer's template alive (ASan in `make test`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "worker/js/bind.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"

enum how { COMPILED, EAGER, LAZY };

/* The check's dump of src (as the supervisor makes it), malloc'd; NULL on failure. */
static void *
dump_of(const char *src, size_t *len)
{
    struct nd_loader_checker *c = nd_loader_checker_new();
    char                      msg[512];
    int                       line;
    void                     *code = NULL;

    *len = 0;
    if (c == NULL || nd_loader_check_dump(c, "t.js", src, strlen(src), 0, &line, msg,
                                          sizeof(msg), &code, len) != 0) {
        fprintf(stderr, "  check: %s\n", msg);
        code = NULL;
    }
    nd_loader_checker_free(c);
    return code;
}

/* [ ] -> [ fn ]: duk_load_function of a copy (every template at once). */
static duk_ret_t
load_eager(duk_context *ctx, void *udata)
{
    void  **code = udata;
    size_t  len = *(size_t *) code[1];

    memcpy(duk_push_fixed_buffer(ctx, len), code[0], len);
    duk_load_function(ctx);
    return 1;
}

/* Runs src's top level in a fresh heap (compiled, or the check's dump loaded
 * eagerly or lazily), then `module.exports.result()`, twice with full
 * collections between (templates made by the first call must survive the
 * closures that made them); the second result, malloc'd, NULL on failure.
 * *live: the heap's bytes after the top level and a collection. */
static char *
run(const char *src, enum how how, size_t *live)
{
    char          msg[512], *out = NULL;
    int           line, i;
    void         *code = NULL;
    size_t        code_len = 0;
    struct nd_js *js = nd_js_new(0, NULL, NULL, msg, sizeof(msg));
    duk_context  *ctx;

    if (js == NULL) {
        goto done;
    }
    ctx = js->ctx;
    js->codegen = 1;    /* eval inside closures (off for apps) */
    duk_push_heapptr(ctx, js->lib);                     /* -> [ lib ] */
    if (how == COMPILED) {
        if (nd_loader_compile(ctx, "t.js", src, strlen(src), &line, msg, sizeof(msg)) != 0) {
            fprintf(stderr, "  compile: %s\n", msg);
            goto done;
        }
    } else {
        void *arg[2];
        code = dump_of(src, &code_len);
        arg[0] = code;
        arg[1] = &code_len;
        if (code == NULL || (how == LAZY
                             ? nd_loader_load(ctx, code, code_len, msg, sizeof(msg))
                             : duk_safe_call(ctx, load_eager, arg, 0, 1)) != 0) {
            goto done;
        }
    }
    duk_push_global_object(ctx);                        /* -> [ lib fn global ] */
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "  top level: %s\n", duk_safe_to_string(ctx, -1));
        goto done;
    }
    duk_pop(ctx);
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    if (live != NULL) {
        *live = js->mem_used;
    }
    for (i = 0; i < 2; i++) {
        duk_get_global_string(ctx, "module");
        duk_get_prop_string(ctx, -1, "exports");
        duk_get_prop_string(ctx, -1, "result");
        duk_push_undefined(ctx);
        if (nd_js_pcall(js, 0, 0) != 0) {
            fprintf(stderr, "  result(): %s\n", duk_safe_to_string(ctx, -1));
            goto done;
        }
        free(out);
        out = strdup(duk_safe_to_string(ctx, -1));
        duk_pop_3(ctx);
        duk_gc(ctx, 0);
        duk_gc(ctx, 0);
    }

done:
    nd_js_free(js);     /* before its dump: lazy templates point into it */
    free(code);
    return out;
}

/* What a closure exposes, from every level of nesting, made first at
 * various times: name, length, fileName, own property names, toString,
 * stack traces with lines, named function expressions, eval and with inside
 * closures, accessors, strict functions, arguments, constructors. */
static const char SEMANTICS[] =
    "function outer(a, b) {\n"                                      /* 1 */
    "    var k = a + b;\n"
    "    function mid(c) {\n"
    "        return function deep(d, e, f) {\n"
    "            var err = new Error('x');\n"                       /* 5 */
    "            return [k + c + d, deep.length, deep.name, typeof deep.fileName,\n"
    "                    /t\\.js:5/.test(err.stack), /t\\.js:30/.test(err.stack),\n"
    "                    String(deep)];\n"
    "        };\n"
    "    }\n"                                                        /* 10 */
    "    return mid;\n"
    "}\n"
    "function withEval(o) {\n"
    "    return function () { var z = 5; with (o) { return eval('q + z'); } };\n"
    "}\n"                                                            /* 15 */
    "function acc() {\n"
    "    return { get v() { return 'g'; }, set v(x) { this.w = x; } };\n"
    "}\n"
    "function strict() { 'use strict'; return function s() { return this; }; }\n"
    "function args() { return function () { return arguments.length; }; }\n"   /* 20 */
    "function Ctor(x) { this.x = x; }\n"
    "Ctor.prototype.get = function get() { return this.x; };\n"
    "var fact = function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); };\n"
    "function thrower() { return function t() { null.x; }; }\n"
    "module.exports = { result: function () {\n"                    /* 25 */
    "    var m1 = outer(1, 2), m2 = outer(10, 20), d1 = m1(100), d2 = m2(200), o = acc(), r;\n"
    "    o.v = 3;\n"
    "    var line = '';\n"
    "    try { thrower()(); } catch (e) { line = /t\\.js:24/.test(e.stack); }\n"
    "    r = [d1(1000), d2(2000), m1.length, m1.name, Object.getOwnPropertyNames(d1).sort(),\n"
    "         withEval({ q: 7 })(), o.v, o.w, strict()(), args()(1, 2, 3), new Ctor(4).get(),\n"
    "         fact(5), fact.name, line, Object.getOwnPropertyNames(strict()).sort(),\n"
    "         Object.getOwnPropertyNames(Ctor.prototype.get).sort()];\n"
    "    return JSON.stringify(r);\n"
    "} };\n";

T_CASE(lazy_closures_behave_as_compiled)
{
    char *c = run(SEMANTICS, COMPILED, NULL), *e = run(SEMANTICS, EAGER, NULL);
    char *l = run(SEMANTICS, LAZY, NULL);

    T_TRUE(c != NULL);
    T_EQ_STR(e, c);
    T_EQ_STR(l, c);
    /* the values themselves (so that a change in all three shows too); a
     * strict function has no own caller/arguments (duk-patches/82) */
    T_EQ_STR(l, "[[1103,3,\"deep\",\"string\",true,true,\"function deep() { [ecmascript code] }\"],"
                "[2230,3,\"deep\",\"string\",true,true,\"function deep() { [ecmascript code] }\"],"
                "1,\"mid\",[\"fileName\",\"length\",\"name\",\"prototype\"],12,\"g\",3,null,3,4,"
                "120,\"fact\",true,[\"fileName\",\"length\",\"name\","
                "\"prototype\"],[\"fileName\",\"length\",\"name\",\"prototype\"]]");
    free(c);
    free(e);
    free(l);
}

/* Templates shared by many closures: the placeholder's references (one per
 * function sharing the data) move to the template. Closures of the same
 * outer function are made before and after its inner function's first use,
 * dropped one by one (refcount frees, then collections), and the survivors
 * still make and run closures of it. A reference lost or kept too many is a
 * use-after-free (ASan) or a different result. */
static const char SHARING[] =
    "function outer(i) { return function mid() { return function leaf() { return i; }; }; }\n"
    "var keep = [];\n"
    "module.exports = { result: function () {\n"
    "    var ms = [], s = 0, j;\n"
    "    for (j = 0; j < 5; j++) { ms.push(outer(j)); }\n"
    "    s += ms[2]()();\n"
    "    ms.push(outer(5));\n"
    "    ms[0] = null; ms[2] = null;\n"
    "    for (j = 0; j < ms.length; j++) { if (ms[j]) { s += ms[j]()(); } }\n"
    "    keep.push(ms[5]());\n"
    "    ms = null;\n"
    "    s += keep[keep.length - 1]();\n"
    "    if (keep.length > 1) { keep.shift(); }\n"
    "    return String(s);\n"
    "} };\n";

T_CASE(lazy_templates_shared_by_many_closures)
{
    char *c = run(SHARING, COMPILED, NULL), *l = run(SHARING, LAZY, NULL);

    T_EQ_STR(c, "20");
    T_EQ_STR(l, "20");
    free(c);
    free(l);
}

/* A dump of a lazily loaded function is the bytes it was loaded from, before
 * and after some of its templates were loaded. */
T_CASE(lazy_dump_is_the_loaded_bytes)
{
    char          msg[512];
    size_t        len = 0, n1 = 0, n2 = 0;
    void         *code = dump_of(SEMANTICS, &len), *d1 = NULL, *d2 = NULL;
    struct nd_js *js = nd_js_new(0, NULL, NULL, msg, sizeof(msg));
    duk_context  *ctx;

    T_TRUE(code != NULL && js != NULL);
    if (code == NULL || js == NULL) {
        goto done;
    }
    ctx = js->ctx;
    js->codegen = 1;
    T_EQ_INT(nd_loader_load(ctx, code, len, msg, sizeof(msg)), 0);   /* -> [ fn ] */
    d1 = nd_loader_dump(ctx, &n1);
    /* run its top level and result(): templates get loaded (the dump then
     * writes them from the heap; the compiled script's dump writes the same) */
    duk_dup_top(ctx);
    duk_push_global_object(ctx);
    T_EQ_INT(nd_js_pcall(js, 0, 0), 0);
    duk_pop(ctx);
    duk_eval_string(ctx, "module.exports.result()");
    duk_pop(ctx);
    d2 = nd_loader_dump(ctx, &n2);
    T_TRUE(d1 != NULL && d2 != NULL);
    T_EQ_INT(n1, len);
    T_TRUE(d1 != NULL && n1 == len && memcmp(d1, code, len) == 0);
    T_EQ_INT(n2, n1);
    T_TRUE(d2 != NULL && n2 == n1 && memcmp(d2, d1, n1) == 0);
    duk_pop(ctx);

done:
    nd_js_free(js);
    free(d1);
    free(d2);
    free(code);
}

/* Templates never used cost nothing but a placeholder: 400 functions inside
 * one never called. */
T_CASE(unused_templates_not_loaded)
{
    char   *src = malloc(400 * 80 + 256), *p = src, *a, *b;
    size_t  live_e = 0, live_l = 0;
    int     i;

    T_TRUE(src != NULL);
    p += snprintf(p, 80, "var fs = [];\nfunction unused() {\n");
    for (i = 0; i < 400; i++) {
        p += snprintf(p, 80, "  fs.push(function f%d(a) { return a + 'k%d'; });\n", i, i);
    }
    snprintf(p, 256, "}\nmodule.exports = { result: function () {\n"
             "  if (fs.length === 0) { unused(); }\n  return fs[399]('x'); } };\n");
    a = run(src, EAGER, &live_e);
    b = run(src, LAZY, &live_l);
    T_EQ_STR(a, "xk399");
    T_EQ_STR(b, "xk399");
    /* eager: 400 templates (~410 bytes each with their strings); lazy: one
     * placeholder (measured: 290.0 KB eager, 129.2 KB lazy) */
    T_TRUE(live_l + 400 * 200 < live_e);
    if (!(live_l + 400 * 200 < live_e)) {
        fprintf(stderr, "  lazy %zu bytes, eager %zu\n", live_l, live_e);
    }
    free(a);
    free(b);
    free(src);
}

/* A collection during a template's lazy load (an allocation failing at the
 * heap's cap runs mark-and-sweep, whose finalizers run right after it) whose
 * finalizer makes the first closure of that same template: the nested load
 * puts its template in the slot, the outer one must neither free the
 * placeholder under the outer's hands nor move references twice. The cap is
 * armed k bytes above what the heap holds, for many k, so that the failing
 * allocation lands inside the template's load (ASan: use-after-free). */
static struct nd_js *g_fin_js;  /* GLOBAL: the heap the natives below cap */

static duk_ret_t
native_arm(duk_context *ctx)
{
    g_fin_js->mem_limit = g_fin_js->mem_used + (size_t) duk_require_uint(ctx, 0);
    return 0;
}

static duk_ret_t
native_disarm(duk_context *ctx)
{
    g_fin_js->mem_limit = 0;
    return 0;
}

static const char NESTED[] =
    "function outer() { return function inner(a, b) { var s = a + b; return s * 2; }; }\n"
    "var got = 0;\n"
    "module.exports = { result: function (k) {\n"
    "    (function () { var a = {}; a.self = a;\n"
    "        Duktape.fin(a, function () { disarm(); got += outer()(1, 2); }); })();\n"
    "    var r = 0;\n"
    "    arm(k);\n"
    "    try { r = outer()(3, 4); } catch (e) { disarm(); r = outer()(3, 4); }\n"
    "    disarm();\n"
    "    Duktape.gc();\n"
    "    return String(r) + '/' + got;\n"
    "} };\n";

T_CASE(closure_made_by_a_finalizer_during_the_lazy_load)
{
    char    msg[512];
    size_t  len = 0;
    void   *code = dump_of(NESTED, &len);
    unsigned k;
    int     bad = 0, nested = 0;

    T_TRUE(code != NULL);
    for (k = 0; code != NULL && k < 4000 && bad == 0; k += 8) {
        struct nd_js *js = nd_js_new(0, NULL, NULL, msg, sizeof(msg));
        duk_context  *ctx;
        const char   *r;

        if (js == NULL) {
            bad = 1;
            break;
        }
        g_fin_js = js;
        ctx = js->ctx;
        duk_push_c_function(ctx, native_arm, 1);
        duk_put_global_string(ctx, "arm");
        duk_push_c_function(ctx, native_disarm, 0);
        duk_put_global_string(ctx, "disarm");
        if (nd_loader_load(ctx, code, len, msg, sizeof(msg)) != 0) {
            bad = 1;
        } else {
            duk_push_global_object(ctx);
            if (nd_js_pcall(js, 0, 0) != 0) {
                fprintf(stderr, "  top level: %s\n", duk_safe_to_string(ctx, -1));
                bad = 1;
            }
            duk_pop(ctx);
            duk_get_global_string(ctx, "module");
            duk_get_prop_string(ctx, -1, "exports");
            duk_get_prop_string(ctx, -1, "result");
            duk_push_undefined(ctx);
            duk_push_uint(ctx, k);
            if (bad == 0 && nd_js_pcall(js, 1, 0) != 0) {
                fprintf(stderr, "  k=%u result(): %s\n", k, duk_safe_to_string(ctx, -1));
                bad = 1;
            }
            r = duk_safe_to_string(ctx, -1);
            if (bad == 0 && strcmp(r, "14/6") == 0) {
                nested++;
            } else if (bad == 0 && strcmp(r, "14/0") != 0) {
                fprintf(stderr, "  k=%u result(): %s\n", k, r);
                bad = 1;
            }
            duk_pop_3(ctx);
        }
        nd_js_free(js);
    }
    T_EQ_INT(bad, 0);
    T_TRUE(nested > 0);     /* the finalizer ran (at some k) */
    free(code);
}

int
main(void)
{
    T_RUN(lazy_closures_behave_as_compiled);
    T_RUN(lazy_templates_shared_by_many_closures);
    T_RUN(lazy_dump_is_the_loaded_bytes);
    T_RUN(unused_templates_not_loaded);
    T_RUN(closure_made_by_a_finalizer_during_the_lazy_load);
    return T_DONE();
}
