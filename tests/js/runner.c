/*
 * Runs JavaScript test files inside a real app heap (nd_js_new: our allocator,
 * natives and the whole bootstrap), as tenant code. Built as
 * build/<mode>/tests/test_js_conformance; scripts/run-tests runs it from the
 * repo root like the unit tests.
 *
 *   test_js_conformance [FILE.js...]     (default: every tests/js/test_*.js)
 *
 * Globals for the test files (nothing else differs from an app heap):
 *   print(s)            a line on stdout
 *   readBytes(path)     the file as a Uint8Array, or null
 *   readFile(path)      the file as a string (UTF-8), or null
 *   testdata(rel)       readFile($NANOD_TESTDATA/rel or ../shared/testdata/rel)
 *   nowMicros()         monotonic clock
 *   urlStateMachineOnly(on)  URL parsing without (true) / with its C fast path
 *   urlSplit(s)         that fast path itself (native.urlSplit)
 *   T.ok(name) / T.fail(name, why) / T.skip(name, why) / T.known(name, why)
 *   T.check(name, got, want)
 *   T.eq(name, got, want): T.check of both sides' JSON.stringify
 *   T.errName(f): the name of what f() throws, or "none"
 *   T.throwsType(f): whether f() throws a TypeError
 * After each file, microtasks are drained and pending T.async work awaited.
 * Files share one heap, in name order; a file whose first line says "fresh
 * heap" runs in a heap of its own (what it tests shows only before anything
 * else ran, e.g. a lazy built-in still a stub).
 * The last line is "N passed, N failed" (", N skipped" when some were).
 * Known failures (T.known) are listed and counted apart: they are neither.
 *
 * The heap gets a small host (worker/js/host.h; no app behind it, nothing of the
 * worker level linked): console.* goes to stderr, native.respond answers -1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>

#include "common/log.h"
#include "common/sys.h"
#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/bootstrap.h"
#include "worker/js/heap.h"

#define MAX_FILE (64u << 20)

static void
host_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
    fprintf(stderr, "native.fail: %s\n%s\n", msg, stack);
}

static void
host_log(struct nd_app *app, int level, const char *msg, double rq_id)
{
    fprintf(stderr, "[log %d] %s\n", level, msg);
}

/* GLOBAL: the heap's host (no app behind it): nd_js_host_quiet printing
 * failures and console lines; set in main. */
static struct nd_js_host g_host;

/* print(s): a line of UTF-8 (the internal form keeps surrogate pairs apart). */
static duk_ret_t
js_print(duk_context *ctx)
{
    duk_size_t           len;
    const unsigned char *s = (const unsigned char *) duk_safe_to_lstring(ctx, 0, &len);
    unsigned char       *out = duk_push_fixed_buffer(ctx, len + 1);
    size_t               n = nd_bind_utf8(s, len, out);

    fwrite(out, 1, n, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    return 0;
}

/* -> [ ... Uint8Array | null ] */
static void
push_file(duk_context *ctx, const char *path)
{
    char  *data;
    size_t len;
    void  *buf;

    if (nd_sys_read_file(path, MAX_FILE, &data, &len) == -1) {
        duk_push_null(ctx);
        return;
    }
    buf = duk_push_fixed_buffer(ctx, len);
    if (len > 0) {
        memcpy(buf, data, len);
    }
    free(data);
    duk_push_buffer_object(ctx, -1, 0, len, DUK_BUFOBJ_UINT8ARRAY);
    duk_remove(ctx, -2);
}

static duk_ret_t
js_read_file(duk_context *ctx)
{
    push_file(ctx, duk_require_string(ctx, 0));
    return 1;
}

/* The directory of the shared conformance data, or "" when there is none. */
static duk_ret_t
js_testdata_dir(duk_context *ctx)
{
    const char *dir = getenv("NANOD_TESTDATA");

    if (dir == NULL || dir[0] == '\0') {
        dir = "../shared/testdata";
    }
    duk_push_string(ctx, dir);
    return 1;
}

static duk_ret_t
js_now_us(duk_context *ctx)
{
    duk_push_number(ctx, (double) nd_sys_now_us());
    return 1;
}

/* urlStateMachineOnly(on): URL parsing skips (true) or uses (false) the C
 * fast path of bind_url.c, so that test_url.js can compare the two. */
static duk_ret_t
js_url_state_machine_only(duk_context *ctx)
{
    nd_bind_url_state_machine_only(duk_to_boolean(ctx, 0));
    return 0;
}

static const char PRELUDE[] =
    "(function (g) {\n"
    "  var T = { passed: 0, failed: 0, skipped: 0, nknown: 0, pending: 0, file: '' };\n"
    "  T.ok = function (name) { T.passed++; };\n"
    "  T.fail = function (name, why) { T.failed++;\n"
    "      print('FAIL ' + T.file + ': ' + name + (why === undefined ? '' : ': ' + why)); };\n"
    "  T.skip = function (name, why) { T.skipped++;\n"
    "      print('SKIP ' + T.file + ': ' + name + (why === undefined ? '' : ': ' + why)); };\n"
    "  T.known = function (name, why) { T.nknown++;\n"
    "      print('KNOWN ' + T.file + ': ' + name + (why === undefined ? '' : ': ' + why)); };\n"
    "  T.check = function (name, got, want) {\n"
    "      if (got === want) { T.ok(name); return true; }\n"
    "      T.fail(name, 'got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want));\n"
    "      return false; };\n"
    "  T.eq = function (name, got, want) {\n"
    "      return T.check(name, JSON.stringify(got), JSON.stringify(want)); };\n"
    "  T.errName = function (f) { try { f(); } catch (e) { return e.name; }\n"
    "      return 'none'; };\n"
    "  T.throwsType = function (f) { try { f(); } catch (e) {\n"
    "      return e instanceof TypeError; } return false; };\n"
    "  T.async = function (name, p) { T.pending++;\n"
    "      p.then(function () { T.pending--; }, function (e) { T.pending--;\n"
    "          T.fail(name, e && e.stack ? e.stack : String(e)); }); };\n"
    "  g.T = T;\n"
    "  g.readFile = function (p) { var b = readBytes(p);\n"
    "      return b === null ? null : new TextDecoder().decode(b); };\n"
    "  g.testdata = function (rel) { return readFile(testdataDir() + '/' + rel); };\n"
    "})(this);\n";

static int
drain(struct nd_js *js)
{
    duk_push_heapptr(js->ctx, js->drain);
    duk_push_undefined(js->ctx);
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "drain: %s\n", duk_safe_to_string(js->ctx, -1));
        duk_pop(js->ctx);
        return -1;
    }
    duk_pop(js->ctx);
    return 0;
}

/* Runs src as a program; -1 when it threw (the error is reported as a failure). */
static int
run_source(struct nd_js *js, const char *name, const char *src, size_t len)
{
    duk_context *ctx = js->ctx;

    duk_push_string(ctx, name);
    if (duk_pcompile_lstring_filename(ctx, 0, src, len) != 0) {
        printf("FAIL %s: %s\n", name, duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    duk_push_global_object(ctx);
    if (nd_js_pcall(js, 0, 0) != 0) {
        const char *msg;
        if (duk_is_error(ctx, -1)) {
            duk_get_prop_string(ctx, -1, "stack");
            msg = duk_safe_to_string(ctx, -1);
        } else {
            msg = duk_safe_to_string(ctx, -1);
        }
        printf("FAIL %s: uncaught %s\n", name, msg);
        duk_set_top(ctx, 0);
        return -1;
    }
    duk_pop(ctx);
    return drain(js);
}

static double
t_get(duk_context *ctx, const char *key)
{
    double v;

    duk_get_global_string(ctx, "T");
    duk_get_prop_string(ctx, -1, key);
    v = duk_get_number_default(ctx, -1, 0);
    duk_pop_2(ctx);
    return v;
}

/* A new heap holds the core only: every lazy file waits for its first touch
 * (a regexp literal in code that runs at heap creation once loaded
 * lazy/regexp.js into every heap: +45 KB each). Returns the failures. */
static int
check_new_heap_loads_nothing(const struct nd_js *js)
{
    int i, bad = 0;

    for (i = 0; i < nd_boot_lazy_nfiles; i++) {
        /* es-stubs runs in every heap by design and keeps nothing (00-core.js) */
        if ((js->lazy_loaded & ((uint32_t) 1 << i)) != 0
            && strcmp(nd_boot_lazy_files[i].name, "es-stubs") != 0) {
            printf("FAIL new heap: lazy/%s.js ran at heap creation\n", nd_boot_lazy_files[i].name);
            bad++;
        }
    }
    return bad;
}

static int
lazy_index(const char *name)
{
    int i;

    for (i = 0; i < nd_boot_lazy_nfiles; i++) {
        if (strcmp(nd_boot_lazy_files[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* In a heap of its own: what a hono app touches while it loads (Babel's
 * for-of helper reads [][@@iterator], then Object.hasOwn, [].at, flatMap...)
 * loads es-natives (worker/js/builtins.c) and not core-js's es-builtins
 * (735 KB per heap). Returns the failures. */
static int
check_natives_skip_builtins(void)
{
    static const char src[] =
        "var a = [1, [2]], it = a[Symbol.iterator](), s = ''[Symbol.iterator]();"
        "Object.hasOwn({}, 'x') || a.at(-1) && a.flat() && a.flatMap(function (x) { return x; })"
        " && a.includes(1) && Object.values(a) && Object.entries(a) && a.keys() && a.entries()"
        " && 'x'.at(0) && it.next() && s.next() && Array.from('ab');";
    char          msg[512];
    struct nd_js *js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    int           nat = lazy_index("es-natives"), bi = lazy_index("es-builtins"), bad = 0;

    if (js == NULL || nat == -1 || bi == -1) {
        printf("FAIL natives heap: %s\n", js == NULL ? msg : "no es-natives/es-builtins file");
        if (js != NULL) {
            nd_js_free(js);
        }
        return 1;
    }
    if (duk_peval_string(js->ctx, src) != 0) {
        printf("FAIL natives heap: %s\n", duk_safe_to_string(js->ctx, -1));
        bad++;
    } else if ((js->lazy_loaded & ((uint32_t) 1 << nat)) == 0
               || (js->lazy_loaded & ((uint32_t) 1 << bi)) != 0) {
        printf("FAIL natives heap: es-natives loaded %d, es-builtins loaded %d (want 1, 0)\n",
               (js->lazy_loaded & ((uint32_t) 1 << nat)) != 0,
               (js->lazy_loaded & ((uint32_t) 1 << bi)) != 0);
        bad++;
    }
    nd_js_free(js);
    return bad;
}

/* In a heap of its own: a body taken whole through .body (hono's
 * `new Response(c.res.body, c.res)`, a request body forwarded) loads no
 * streams (lazy/streams.js and its polyfill: +700 KB per heap) and keeps its
 * bytes and its used state. Returns the failures. */
static int
check_body_without_streams(void)
{
    static const char src[] =
        "var r = new Response('{\"a\":1}', { headers: { 'content-type': 'application/json' } });"
        "var r2 = new Response(r.body, r); r2.headers.set('x-powered-by', 'Hono');"
        "var q = new Request('http://x/', { method: 'POST', body: new Uint8Array([7]) });"
        "var out = [];"
        "r2.json().then(function (j) { out.push(j.a, r.bodyUsed); });"
        "new Response(q.body).arrayBuffer().then(function (b) { out.push(b.byteLength); });"
        "r.text().then(null, function (e) { out.push(e instanceof TypeError); });"
        "this.__out = out;";
    char          msg[512];
    struct nd_js *js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    int           st = lazy_index("streams"), poly = lazy_index("streams-polyfill"), bad = 0;
    const char   *got = NULL;

    if (js == NULL || st == -1 || poly == -1) {
        printf("FAIL body heap: %s\n", js == NULL ? msg : "no streams/streams-polyfill file");
        if (js != NULL) {
            nd_js_free(js);
        }
        return 1;
    }
    if (duk_peval_string(js->ctx, src) != 0) {
        printf("FAIL body heap: %s\n", duk_safe_to_string(js->ctx, -1));
        bad++;
    } else if (drain(js) == -1
               || duk_peval_string(js->ctx, "JSON.stringify(this.__out)") != 0
               || strcmp((got = duk_safe_to_string(js->ctx, -1)), "[1,true,1,true]") != 0) {
        printf("FAIL body heap: results %s, want [1,true,1,true]\n", got ? got : "(none)");
        bad++;
    } else if ((js->lazy_loaded & (((uint32_t) 1 << st) | ((uint32_t) 1 << poly))) != 0) {
        printf("FAIL body heap: a body taken whole through .body loaded lazy/streams.js\n");
        bad++;
    } else {
        printf("ok body heap: .body taken whole without the streams\n");
    }
    nd_js_free(js);
    return bad;
}

/* -> [ ... obj ]: a registry target ("global", "lib.Response.prototype",
 * "~global.X", "require": lib) in this heap; 0, or -1 (not an object). */
static int
push_target(struct nd_js *js, const char *target)
{
    duk_context *ctx = js->ctx;
    const char  *p = target[0] == '~' ? target + 1 : target;
    size_t       len;

    if (strcmp(p, "require") == 0 || strncmp(p, "lib", 3) == 0) {
        duk_push_heapptr(ctx, js->lib);
        p += strcmp(p, "require") == 0 ? strlen(p) : 3;
    } else {
        duk_push_global_object(ctx);
        p += strlen("global");
    }
    while (*p == '.' && duk_is_object(ctx, -1)) {
        p++;
        len = strcspn(p, ".");
        duk_get_prop_lstring(ctx, -1, p, len);
        duk_remove(ctx, -2);
        p += len;
    }
    return duk_is_object(ctx, -1) ? 0 : -1;
}

/* What is obj[key] ([ ... obj key ] -> [ ... obj key ])? 0: absent, 1: a
 * lazy accessor (still the stub), 2: defined by something else. The first
 * descriptor on obj's prototype chain counts (core-js defines Int8Array.from
 * on %TypedArray%, as ES2015 does), without running any getter. */
static int
own_state(duk_context *ctx)
{
    duk_idx_t key = duk_normalize_index(ctx, -1);
    int       state = 0, depth;

    duk_dup(ctx, -2);                                   /* -> [ ... obj key o ] */
    for (depth = 0; depth < 16 && duk_is_object(ctx, -1); depth++) {
        duk_dup(ctx, key);
        duk_get_prop_desc(ctx, key + 1, 0);             /* -> [ ... obj key o desc ] */
        if (duk_is_object(ctx, -1)) {
            if (duk_get_prop_literal(ctx, -1, "get")) {
                state = nd_boot_lazy_is_stub(ctx, -1) ? 1 : 2;
            } else {
                duk_pop(ctx);
                duk_get_prop_literal(ctx, -1, "value");
                state = duk_is_undefined(ctx, -1) ? 0 : 2;
            }
            duk_pop_2(ctx);
            break;
        }
        duk_pop(ctx);
        duk_get_prototype(ctx, -1);
        duk_remove(ctx, -2);                            /* -> [ ... obj key proto ] */
    }
    duk_pop(ctx);
    return state;
}

/* The lazy registry (each bootstrap/lazy file's `provides:` lines) against
 * the files: in a new heap per file, every name that native.lazyProvide
 * installs is a lazy accessor, and once lib.require(file) ran, every name
 * the file provides is defined by it (a name it forgot would read as
 * undefined). Returns the failures; prints one line per file. */
static int
check_lazy_registry(void)
{
    int  f, k, bad = 0, nnames;
    char msg[512];

    for (f = 0; f < nd_boot_lazy_nfiles; f++) {
        const struct nd_lazy_file *lf = &nd_boot_lazy_files[f];
        struct nd_js              *js = NULL;
        duk_context               *ctx;
        int                        before = bad, phase;

        for (k = 0; k < nd_lazy_nprovides && nd_lazy_provides[k].file != f; k++) {
        }
        if (k == nd_lazy_nprovides) {
            continue;                   /* provides: none */
        }
        js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
        if (js == NULL) {
            printf("FAIL lazy registry %s: nd_js_new: %s\n", lf->path, msg);
            return bad + 1;
        }
        ctx = js->ctx;
        nnames = 0;
        for (phase = 0; phase < 2; phase++) {
            if (phase == 1) {
                duk_push_heapptr(ctx, js->lib);
                duk_push_literal(ctx, "require");
                duk_push_string(ctx, lf->name);
                if (duk_pcall_prop(ctx, -3, 1) != DUK_EXEC_SUCCESS) {
                    printf("FAIL lazy registry %s: lib.require: %s\n", lf->path,
                           duk_safe_to_string(ctx, -1));
                    bad++;
                    duk_set_top(ctx, 0);
                    break;
                }
                duk_set_top(ctx, 0);
            }
            for (k = 0; k < nd_lazy_nprovides; k++) {
                const struct nd_lazy_provide *e = &nd_lazy_provides[k];
                const char                   *p, *end;
                int                           st;

                /* before loading: only the accessors lazyProvide installs */
                if (e->file != f || (phase == 0 && (e->installer != NULL
                                                    || strcmp(e->target, "require") == 0))) {
                    continue;
                }
                if (push_target(js, e->target) == -1) {
                    printf("FAIL lazy registry %s: %s is not an object\n", lf->path, e->target);
                    bad++;
                    duk_set_top(ctx, 0);
                    continue;
                }
                for (p = e->names; *p != '\0'; p = *end == '\0' ? end : end + 1) {
                    end = p + strcspn(p, " ");
                    nd_boot_lazy_push_key(ctx, p, (size_t) (end - p));
                    if (duk_is_undefined(ctx, -1)) {
                        duk_pop(ctx);
                        continue;
                    }
                    st = own_state(ctx);
                    duk_pop(ctx);
                    nnames += phase;
                    if (phase == 0 && st != 1) {
                        printf("FAIL lazy registry %s: %s.%.*s is no lazy accessor in a new "
                               "heap\n", lf->path, e->target, (int) (end - p), p);
                        bad++;
                    } else if (phase == 1 && st != 2) {
                        printf("FAIL lazy registry %s: provides %s.%.*s but %s it\n", lf->path,
                               e->target, (int) (end - p), p,
                               st == 0 ? "does not define" : "left the lazy accessor for");
                        bad++;
                    }
                }
                duk_set_top(ctx, 0);
            }
        }
        nd_js_free(js);
        if (bad == before) {
            printf("ok lazy registry %s: %d names defined\n", lf->path, nnames);
        }
    }
    return bad;
}

static const duk_function_list_entry g_funcs[] = {
    { "print", js_print, 1 },
    { "readBytes", js_read_file, 1 },
    { "testdataDir", js_testdata_dir, 0 },
    { "nowMicros", js_now_us, 0 },
    { "urlStateMachineOnly", js_url_state_machine_only, 1 },
    { "urlSplit", nd_bind_url_split, 1 },
    { NULL, NULL, 0 },
};

/* A file whose first line says "fresh heap" tests what only a heap where
 * nothing ran yet shows (a lazy built-in still a stub): it runs alone in a
 * heap of its own, its counts added to the totals (*sums: passed, failed,
 * skipped, known). Returns the failures outside T's counts. */
static int
run_fresh(const char *file, const char *src, size_t len, double *sums)
{
    char          msg[512];
    struct nd_js *js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    int           errors = 0;

    if (js == NULL) {
        printf("FAIL %s: nd_js_new: %s\n", file, msg);
        return 1;
    }
    duk_push_global_object(js->ctx);
    duk_put_function_list(js->ctx, -1, g_funcs);
    duk_pop(js->ctx);
    if (run_source(js, "prelude", PRELUDE, sizeof(PRELUDE) - 1) == -1) {
        errors++;
    }
    duk_get_global_string(js->ctx, "T");
    duk_push_string(js->ctx, file);
    duk_put_prop_string(js->ctx, -2, "file");
    duk_pop(js->ctx);
    if (run_source(js, file, src, len) == -1) {
        errors++;
    }
    if (t_get(js->ctx, "pending") > 0) {
        printf("FAIL %s: %.0f async checks never settled\n", file, t_get(js->ctx, "pending"));
        errors++;
    }
    printf("%s: %.0f passed, %.0f failed (a heap of its own)\n", file, t_get(js->ctx, "passed"),
           t_get(js->ctx, "failed"));
    sums[0] += t_get(js->ctx, "passed");
    sums[1] += t_get(js->ctx, "failed");
    sums[2] += t_get(js->ctx, "skipped");
    sums[3] += t_get(js->ctx, "nknown");
    nd_js_free(js);
    return errors;
}

int
main(int argc, char **argv)
{
    struct nd_js *js;
    duk_context  *ctx;
    glob_t        g;
    char          msg[512];
    char        **files;
    size_t        nfiles, i;
    int           errors = 0;
    double        fresh[4] = { 0, 0, 0, 0 };

    nd_log_set_level(ND_LOG_WARN);
    g_host = nd_js_host_quiet;
    g_host.fail = host_fail;
    g_host.log = host_log;
    memset(&g, 0, sizeof(g));
    if (argc > 1) {
        files = argv + 1;
        nfiles = (size_t) argc - 1;
    } else {
        if (glob("tests/js/test_*.js", 0, NULL, &g) != 0) {
            fprintf(stderr, "no tests/js/test_*.js (run from the repo root)\n");
            printf("0 passed, 1 failed\n");
            return 1;
        }
        files = g.gl_pathv;
        nfiles = g.gl_pathc;
    }
    js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    if (js == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        printf("0 passed, 1 failed\n");
        globfree(&g);
        return 1;
    }
    ctx = js->ctx;
    errors += check_new_heap_loads_nothing(js);
    errors += check_natives_skip_builtins();
    errors += check_body_without_streams();
    if (argc == 1) {
        errors += check_lazy_registry();
    }
    duk_push_global_object(ctx);
    duk_put_function_list(ctx, -1, g_funcs);
    duk_pop(ctx);
    if (run_source(js, "prelude", PRELUDE, sizeof(PRELUDE) - 1) == -1) {
        errors++;
    }
    for (i = 0; i < nfiles; i++) {
        char  *src;
        size_t len;
        double before_p = t_get(ctx, "passed"), before_f = t_get(ctx, "failed");

        duk_get_global_string(ctx, "T");
        duk_push_string(ctx, files[i]);
        duk_put_prop_string(ctx, -2, "file");
        duk_pop(ctx);
        if (nd_sys_read_file(files[i], MAX_FILE, &src, &len) == -1) {
            printf("FAIL %s: cannot read it\n", files[i]);
            errors++;
            continue;
        }
        if (memchr(src, '\n', len) != NULL
            && memmem(src, (size_t) ((char *) memchr(src, '\n', len) - src), "fresh heap", 10)
               != NULL) {
            errors += run_fresh(files[i], src, len, fresh);
            free(src);
            continue;
        }
        if (run_source(js, files[i], src, len) == -1) {
            errors++;
        }
        free(src);
        if (t_get(ctx, "pending") > 0) {
            printf("FAIL %s: %.0f async checks never settled\n", files[i],
                   t_get(ctx, "pending"));
            errors++;
        }
        printf("%s: %.0f passed, %.0f failed\n", files[i], t_get(ctx, "passed") - before_p,
               t_get(ctx, "failed") - before_f);
    }
    {
        double p = t_get(ctx, "passed") + fresh[0], f = t_get(ctx, "failed") + fresh[1] + errors;
        double s = t_get(ctx, "skipped") + fresh[2], k = t_get(ctx, "nknown") + fresh[3];

        if (k > 0) {
            printf("known failures (tests/KNOWN-FAILURES.md): %.0f\n", k);
        }
        nd_js_free(js);
        globfree(&g);
        if (s > 0) {
            printf("%.0f passed, %.0f failed, %.0f skipped\n", p, f, s);
        } else {
            printf("%.0f passed, %.0f failed\n", p, f);
        }
        return f > 0 ? 1 : 0;
    }
}
