/*
 * js-hot-path: the JS side of one request, inside one real heap (nd_js_new:
 * our allocator, natives and bootstrap), without sockets. Prints us per
 * request for a few handlers, and the cost of creating a heap.
 *
 *   build/release/js-hot-path [requests [handler-index]]
 *   build/release/js-hot-path requests --app FILE URL...
 *   (scripts/bench/js-hot-path runs it; with an index, only that handler runs:
 *   `perf stat -e instructions:u` then gives a load-independent measure; with
 *   --app, FILE (e.g. a nanod-build bundle) is the app and the requests go to
 *   the URLs in turn: `valgrind --tool=callgrind` counts compare two builds)
 *
 * Its heaps get a small host (worker/js/host.h) and link only the engine (libnd_js.a):
 * native.respond does all its work (header list, body to UTF-8) and then
 * lands here instead of in an HTTP connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sys.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"
#include "scripts/bench/js-request.h"

/* GLOBAL: what the host's ops saw (single-threaded benchmark). */
static struct {
    long   responses, failures;
    int    last_status;
    size_t last_len;
    char   last_fail[256];
} g_seen;

static int
host_respond(struct nd_app *app, double id, int status, const char *reason,
             size_t reason_len, const struct nd_hdr *hdrs, int n, const void *body,
             size_t len)
{
    g_seen.responses++;
    g_seen.last_status = status;
    g_seen.last_len = len;
    return 0;
}

static void
host_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
    g_seen.failures++;
    snprintf(g_seen.last_fail, sizeof(g_seen.last_fail), "%s", msg);
}

/* GLOBAL: the heaps' host (no app behind them): nd_js_host_quiet counting
 * responses and failures; set in main. */
static struct nd_js_host g_host;

static const char *const RAW_HEADERS =
    "Host: hello.localhost\r\nUser-Agent: wrk/4.2.0\r\nAccept: */*\r\n";

struct handler {
    const char *name;
    const char *src;
    const char *prelude;    /* a file run before src (relative to the repo), or NULL */
    const char *url;        /* the request's URL, or NULL for DEFAULT_URL */
};

#define DEFAULT_URL "http://hello.localhost/some/path?q=1"

static const struct handler HANDLERS[] = {
    { "bare handler call (returns a prebuilt Response)",
      "var r = new Response('Hello World');"
      "module.exports = { fetch: function (request, env, ctx) { return r; } };", NULL, NULL },
    { "hello: new Response(\"Hello World\")",
      "module.exports = { fetch: function (request, env, ctx) {"
      "    return new Response('Hello World'); } };", NULL, NULL },
    { "hello + headers: new Response(s, {headers: {2 entries}})",
      "module.exports = { fetch: function (request, env, ctx) {"
      "    return new Response('Hello World', { headers: { 'content-type': 'text/plain',"
      "        'x-powered-by': 'nanod' } }); } };", NULL, NULL },
    { "JSON: Response.json(obj) + request.headers.get + url",
      "module.exports = { fetch: function (request, env, ctx) {"
      "    return Response.json({ ok: true, ua: request.headers.get('user-agent'),"
      "        method: request.method, url: request.url, n: [1, 2, 3] }); } };", NULL, NULL },
    { "async: Promise.resolve().then(() => new Response(...))",
      "module.exports = { fetch: function (request, env, ctx) {"
      "    return Promise.resolve(1).then(function () { return new Response('Hello'); }); } };", NULL, NULL },
    { "URL: new URL(request.url).pathname",
      "module.exports = { fetch: function (request, env, ctx) {"
      "    return new Response(new URL(request.url).pathname); } };", NULL, NULL },
    { "bench json: scripts/bench/peers/common.js's jsonBody + Response.json",
      "module.exports = { fetch: function (request) {"
      "    return Response.json(jsonBody(request.url)); } };",
      "scripts/bench/peers/common.js", "http://bench.test/json?a=1&b=two" },
    { "url-hello: common.js's urlFetch (new URL + new Response)",
      "module.exports = { fetch: urlFetch };",
      "scripts/bench/peers/common.js", "http://bench.test/url" },
    { "url-json: common.js's urlFetch (URL + searchParams.forEach + Response.json)",
      "module.exports = { fetch: urlFetch };",
      "scripts/bench/peers/common.js", "http://bench.test/url/json?a=1&b=two" },
};

/* prelude's text followed by src, malloc'ed; NULL with a message. */
static char *
handler_source(const struct handler *h)
{
    FILE  *f;
    char  *out;
    long   len;
    size_t srclen = strlen(h->src);

    if (h->prelude == NULL) {
        return strdup(h->src);
    }
    f = fopen(h->prelude, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "%s: cannot read it (run from the repository's root)\n", h->prelude);
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    out = malloc((size_t) len + srclen + 2);
    if (out == NULL || fread(out, 1, (size_t) len, f) != (size_t) len) {
        fprintf(stderr, "%s: read failed\n", h->prelude);
        free(out);
        fclose(f);
        return NULL;
    }
    fclose(f);
    out[len] = '\n';
    memcpy(out + len + 1, h->src, srclen + 1);
    return out;
}

/* Loads src as the app script in js; 0 or -1. (What app.c's app_heap does.) */
static int
load_app(struct nd_js *js, const char *src)
{
    duk_context *ctx = js->ctx;
    char         msg[512];
    int          line;

    duk_push_heapptr(ctx, js->lib);                         /* -> [ lib ] */
    duk_push_object(ctx);
    duk_put_prop_string(ctx, -2, "env");
    if (nd_loader_compile(ctx, "bench.js", src, strlen(src), &line, msg, sizeof(msg)) == -1) {
        fprintf(stderr, "bench.js:%d: %s\n", line, msg);
        duk_pop(ctx);
        return -1;
    }
    duk_push_global_object(ctx);                            /* -> [ lib fn global ] */
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "bench.js: %s\n", duk_safe_to_string(ctx, -1));
        duk_pop_2(ctx);
        return -1;
    }
    duk_pop(ctx);
    duk_get_prop_string(ctx, -1, "load");
    duk_push_heapptr(ctx, js->lib);
    if (nd_js_pcall(js, 0, 0) != 0 || duk_get_length(ctx, -1) > 0) {
        fprintf(stderr, "bench.js: %s\n", duk_safe_to_string(ctx, -1));
        duk_pop_2(ctx);
        return -1;
    }
    duk_pop_2(ctx);
    return 0;
}

/* One request through lib.dispatch, then the microtask drain; 0 or -1. */
static int
one_request(struct nd_js *js, double id, const char *url)
{
    return nd_bench_request(js, id, url, RAW_HEADERS, 0, NULL);
}

static int
bench_handler(const struct handler *h, long n)
{
    struct nd_js *js;
    char          msg[512];
    int64_t       t0, t1;
    long          i, before;
    int           round;
    double        best = 1e9;
    const char   *url = h->url != NULL ? h->url : DEFAULT_URL;
    char         *src = handler_source(h);

    if (src == NULL) {
        return -1;
    }
    js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    if (js == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        free(src);
        return -1;
    }
    if (load_app(js, src) == -1) {
        nd_js_free(js);
        free(src);
        return -1;
    }
    free(src);
    /* Warm up, then the best of 3 rounds (the box is shared with the build). */
    for (i = 0; i < n / 10 + 1; i++) {
        if (one_request(js, (double) i, url) == -1) {
            goto fail;
        }
    }
    for (round = 0; round < 3; round++) {
        before = g_seen.responses;
        t0 = nd_sys_now_us();
        for (i = 0; i < n; i++) {
            if (one_request(js, (double) i, url) == -1) {
                goto fail;
            }
        }
        t1 = nd_sys_now_us();
        if (g_seen.responses - before != n) {
            fprintf(stderr, "%s: %ld responses for %ld requests (failures %ld: %s)\n", h->name,
                    g_seen.responses - before, n, g_seen.failures, g_seen.last_fail);
            goto fail;
        }
        if ((double) (t1 - t0) / (double) n < best) {
            best = (double) (t1 - t0) / (double) n;
        }
    }
    printf("%8.2f us/request  %s  (status %d, %zu body bytes)\n", best, h->name,
           g_seen.last_status, g_seen.last_len);
    nd_js_free(js);
    return 0;

fail:
    nd_js_free(js);
    return -1;
}

/* --app FILE URL...: FILE's app, n requests spread over the urls in turn. */
static int
bench_app(const char *file, char **urls, int nurls, long n)
{
    struct handler h;
    FILE          *f = fopen(file, "rb");
    char          *src = NULL;
    long           len, i;
    struct nd_js  *js = NULL;
    char           msg[512];
    int64_t        t0, t1;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (src = malloc((size_t) len + 1)) == NULL
        || fread(src, 1, (size_t) len, f) != (size_t) len) {
        fprintf(stderr, "%s: cannot read it\n", file);
        goto fail;
    }
    src[len] = '\0';
    memset(&h, 0, sizeof(h));
    h.name = file;
    js = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    if (js == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        goto fail;
    }
    if (load_app(js, src) == -1) {
        goto fail;
    }
    t0 = nd_sys_now_us();
    for (i = 0; i < n; i++) {
        if (one_request(js, (double) i, urls[i % nurls]) == -1) {
            goto fail;
        }
    }
    t1 = nd_sys_now_us();
    if (g_seen.responses != n || g_seen.last_status != 200) {
        fprintf(stderr, "%s: %ld responses for %ld requests, last status %d (failures %ld: %s)\n",
                file, g_seen.responses, n, g_seen.last_status, g_seen.failures,
                g_seen.last_fail);
        goto fail;
    }
    printf("%8.2f us/request  %s  (%d urls, last: %zu body bytes)\n",
           (double) (t1 - t0) / (double) n, file, nurls, g_seen.last_len);
    nd_js_free(js);
    free(src);
    fclose(f);
    return 0;

fail:
    if (js != NULL) {
        nd_js_free(js);
    }
    free(src);
    if (f != NULL) {
        fclose(f);
    }
    return -1;
}

static int
bench_heaps(int n)
{
    struct nd_js **heaps = calloc((size_t) n, sizeof(*heaps));
    char           msg[512];
    int64_t        t0, t1, rss0, rss1;
    size_t         mem = 0;
    int            i;

    if (heaps == NULL) {
        return -1;
    }
    /* The first heap compiles the bootstrap (once per process): not counted. */
    heaps[0] = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
    if (heaps[0] == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        free(heaps);
        return -1;
    }
    nd_js_free(heaps[0]);
    rss0 = nd_sys_rss(getpid());
    t0 = nd_sys_now_us();
    for (i = 0; i < n; i++) {
        heaps[i] = nd_js_new(0, &g_host, NULL, msg, sizeof(msg));
        if (heaps[i] == NULL) {
            fprintf(stderr, "nd_js_new: %s\n", msg);
            break;
        }
        mem += heaps[i]->mem_used;
    }
    t1 = nd_sys_now_us();
    rss1 = nd_sys_rss(getpid());
    if (i == n) {
        printf("%8.3f ms/heap      heap creation with the bootstrap (%d heaps)\n",
               (double) (t1 - t0) / 1000.0 / n, n);
        printf("%8.1f KB/heap      allocated by Duktape right after creation\n",
               (double) mem / 1024.0 / n);
        printf("%8.1f KB/heap      RSS growth\n", (double) (rss1 - rss0) / 1024.0 / n);
    }
    while (i-- > 0) {
        nd_js_free(heaps[i]);
    }
    free(heaps);
    return 0;
}

int
main(int argc, char **argv)
{
    long   n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long   only = argc > 2 ? strtol(argv[2], NULL, 10) : -1;
    size_t i;
    int    rc = 0;

    if (n <= 0) {
        fprintf(stderr, "usage: js-hot-path [requests [handler-index]]\n");
        return 2;
    }
    nd_log_set_level(ND_LOG_WARN);
    g_host = nd_js_host_quiet;
    g_host.respond = host_respond;
    g_host.fail = host_fail;
    if (argc > 2 && strcmp(argv[2], "--app") == 0) {
        if (argc < 5) {
            fprintf(stderr, "usage: js-hot-path requests --app FILE URL...\n");
            return 2;
        }
        return bench_app(argv[3], argv + 4, argc - 4, n) == -1 ? 1 : 0;
    }
    if (only < 0 && bench_heaps(200) == -1) {
        rc = 1;
    }
    for (i = 0; i < sizeof(HANDLERS) / sizeof(HANDLERS[0]); i++) {
        if (only >= 0 && (size_t) only != i) {
            continue;
        }
        if (bench_handler(&HANDLERS[i], n) == -1) {
            printf("   (failed)  %s\n", HANDLERS[i].name);
            rc = 1;
        }
    }
    return rc;
}
