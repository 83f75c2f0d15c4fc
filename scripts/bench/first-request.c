/*
 * first-request: where the first request of a freshly loaded app goes, phase
 * by phase, inside real heaps (nd_js_new: our allocator, natives and
 * bootstrap) without sockets: heap creation, getting the app's code (compiled
 * from source, or loaded from a bytecode dump of that compile), running its
 * top level, lib.load, the first request (dispatch and microtasks, loading
 * the lazy groups it touches) and a second one. For each way of getting the
 * code, N fresh heaps; prints the median thread-CPU time of each phase.
 *
 *   build/release/first-request [-n N] APP.js [URL]
 *
 * CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time: on a shared box the
 * phases' ratios hold even when the wall clock says little.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sys.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"
#include "scripts/bench/js-request.h"

/* GLOBAL: what the host's ops saw (single-threaded benchmark). */
static struct {
    long responses, failures;
    int  last_status;
    char last_fail[256];
} g_seen;

static int
host_respond(struct nd_app *app, double id, int status, const char *reason,
             size_t reason_len, const struct nd_hdr *hdrs, int n, const void *body,
             size_t len)
{
    g_seen.responses++;
    g_seen.last_status = status;
    return 0;
}

static void
host_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
    g_seen.failures++;
    snprintf(g_seen.last_fail, sizeof(g_seen.last_fail), "%s", msg);
}

/* a request's CPU budget (as cpu_limit: housekeeping is measured only then) */
#define BUDGET_US 10000000

/* GLOBAL: the heaps' host, nd_js_host_quiet counting responses; set in main. */
static struct nd_js_host g_host;

enum { P_CREATE, P_CODE, P_TOP, P_LOAD, P_REQ1, P_REQ2, P_HK1, P_LIVE, P_N };
static const char *const PHASES[P_N] = {
    "heap creation (bootstrap)", "app code: compile or load", "app top level",
    "lib.load (exports)", "first request", "second request",
    "... of the first request: housekeeping (lazy groups, GC)",
    "live heap after two requests and a collection (KB, not ms)"
};

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

    return x < y ? -1 : x > y;
}

/* One request through lib.dispatch, then the microtask drain; 0 or -1.
 * *hk_us: the CPU of it that was housekeeping (lazy groups loaded, GC). */
static int
one_request(struct nd_js *js, const char *url, int64_t *hk_us)
{
    long before = g_seen.responses;

    if (nd_bench_request(js, 1, url, "Host: app.test\r\nUser-Agent: first-request\r\n"
                         "Accept: */*\r\n", BUDGET_US, hk_us) == -1) {
        return -1;
    }
    if (g_seen.responses != before + 1 || g_seen.last_status != 200) {
        fprintf(stderr, "%s: no 200 response (status %d, failures %ld: %s)\n", url,
                g_seen.last_status, g_seen.failures, g_seen.last_fail);
        return -1;
    }
    return 0;
}

/* One fresh heap through every phase; t[P_*] filled (us). 0 or -1. */
static int
one_heap(const char *file, const char *src, size_t len, const void *code, size_t code_len,
         const char *url, int64_t *t)
{
    struct nd_js *js;
    duk_context  *ctx;
    char          msg[1024];
    int           line, rc = -1;
    int64_t       t0 = nd_sys_cpu_us(), t1, hk;

    js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    if (js == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        return -1;
    }
    ctx = js->ctx;
    t1 = nd_sys_cpu_us();
    t[P_CREATE] = t1 - t0;
    t0 = t1;
    duk_push_heapptr(ctx, js->lib);                         /* -> [ lib ] */
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, "env");
    if (code != NULL) {
        memcpy(duk_push_fixed_buffer(ctx, code_len), code, code_len);
        duk_load_function(ctx);                             /* -> [ lib fn ] */
    } else if (nd_loader_compile(ctx, file, src, len, &line, msg, sizeof(msg)) == -1) {
        fprintf(stderr, "%s:%d: %s\n", file, line, msg);
        goto done;
    }
    t1 = nd_sys_cpu_us();
    t[P_CODE] = t1 - t0;
    t0 = t1;
    duk_push_global_object(ctx);                            /* -> [ lib fn global ] */
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "%s: %s\n", file, duk_safe_to_string(ctx, -1));
        goto done;
    }
    duk_pop(ctx);
    t1 = nd_sys_cpu_us();
    t[P_TOP] = t1 - t0;
    t0 = t1;
    duk_get_prop_string(ctx, -1, "load");
    duk_push_heapptr(ctx, js->lib);
    if (nd_js_pcall(js, 0, 0) != 0 || duk_get_length(ctx, -1) > 0) {
        fprintf(stderr, "%s: %s\n", file, duk_safe_to_string(ctx, -1));
        goto done;
    }
    duk_pop_2(ctx);
    t1 = nd_sys_cpu_us();
    t[P_LOAD] = t1 - t0;
    t0 = t1;
    if (one_request(js, url, &t[P_HK1]) == -1) {
        goto done;
    }
    t1 = nd_sys_cpu_us();
    t[P_REQ1] = t1 - t0;
    t0 = t1;
    if (one_request(js, url, &hk) == -1) {
        goto done;
    }
    t[P_REQ2] = nd_sys_cpu_us() - t0;
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    t[P_LIVE] = (int64_t) js->mem_used;   /* bytes: printed /1000 as "KB" */
    rc = 0;

done:
    nd_js_free(js);
    return rc;
}

/* The dump of src's compile (what the supervisor's compile check makes). */
static void *
dump_of(const char *file, const char *src, size_t len, size_t *code_len)
{
    duk_context *ctx = duk_create_heap_default();
    char         msg[1024];
    int          line;
    void        *out = NULL, *buf;
    duk_size_t   n;

    if (ctx == NULL) {
        return NULL;
    }
    if (nd_loader_compile(ctx, file, src, len, &line, msg, sizeof(msg)) == 0) {
        duk_dump_function(ctx);
        buf = duk_get_buffer(ctx, -1, &n);
        out = malloc(n);
        if (out != NULL) {
            memcpy(out, buf, n);
            *code_len = n;
        }
    } else {
        fprintf(stderr, "%s:%d: %s\n", file, line, msg);
    }
    duk_destroy_heap(ctx);
    return out;
}

int
main(int argc, char **argv)
{
    int          n = 20, a = 1, mode, i, p;
    const char  *file, *url;
    char        *src;
    size_t       len, code_len = 0;
    void        *code;
    int64_t     *t[2][P_N], tot[2];
    FILE        *f;
    long         flen;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = (int) strtol(argv[2], NULL, 10);
        a = 3;
    }
    if (a >= argc || n <= 0) {
        fprintf(stderr, "usage: first-request [-n N] APP.js [URL]\n");
        return 2;
    }
    file = argv[a];
    url = a + 1 < argc ? argv[a + 1] : "http://app.test/";
    f = fopen(file, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (flen = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (src = malloc((size_t) flen + 1)) == NULL
        || fread(src, 1, (size_t) flen, f) != (size_t) flen) {
        fprintf(stderr, "%s: cannot read it\n", file);
        return 1;
    }
    fclose(f);
    len = (size_t) flen;
    src[len] = '\0';
    nd_log_set_level(ND_LOG_WARN);
    g_host = nd_js_host_quiet;
    g_host.respond = host_respond;
    g_host.fail = host_fail;
    {
        /* what the supervisor does once before the first fork */
        int64_t b0 = nd_sys_cpu_us();
        char    msg[512];
        if (nd_js_boot_init(msg, sizeof(msg)) == -1 || nd_boot_lazy_init(msg, sizeof(msg)) == -1) {
            fprintf(stderr, "bootstrap: %s\n", msg);
            return 1;
        }
        printf("bootstrap compiled once per process (eager + lazy files): %.1f ms\n",
               (double) (nd_sys_cpu_us() - b0) / 1000.0);
    }
    code = dump_of(file, src, len, &code_len);
    if (code == NULL) {
        return 1;
    }
    for (mode = 0; mode < 2; mode++) {
        for (p = 0; p < P_N; p++) {
            t[mode][p] = calloc((size_t) n, sizeof(int64_t));
        }
    }
    /* Warm-up: the process's first heap compiles the bootstrap's lazy files. */
    {
        int64_t w[P_N];
        if (one_heap(file, src, len, NULL, 0, url, w) == -1) {
            return 1;
        }
    }
    /* Interleaved, so both ways see the same box. */
    for (i = 0; i < n; i++) {
        for (mode = 0; mode < 2; mode++) {
            int64_t w[P_N];
            if (one_heap(file, src, len, mode ? code : NULL, code_len, url, w) == -1) {
                return 1;
            }
            for (p = 0; p < P_N; p++) {
                t[mode][p][i] = w[p];
            }
        }
    }
    printf("%s: %zu bytes of source, %zu bytes of bytecode; %s; median of %d heaps, "
           "thread CPU ms\n\n", file, len, code_len, url, n);
    printf("| phase | from source | from bytecode |\n|---|---|---|\n");
    tot[0] = tot[1] = 0;
    for (p = 0; p < P_N; p++) {
        for (mode = 0; mode < 2; mode++) {
            qsort(t[mode][p], (size_t) n, sizeof(int64_t), cmp_i64);
        }
        printf("| %s | %.3f | %.3f |\n", PHASES[p], (double) t[0][p][n / 2] / 1000.0,
               (double) t[1][p][n / 2] / 1000.0);
        if (p < P_REQ2) {
            tot[0] += t[0][p][n / 2];
            tot[1] += t[1][p][n / 2];
        }
    }
    printf("| **sum: heap creation to first response** | **%.3f** | **%.3f** |\n",
           (double) tot[0] / 1000.0, (double) tot[1] / 1000.0);
    for (mode = 0; mode < 2; mode++) {
        for (p = 0; p < P_N; p++) {
            free(t[mode][p]);
        }
    }
    free(code);
    free(src);
    return 0;
}
