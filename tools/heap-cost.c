/*
 * heap-cost: what one app heap costs, with the real bootstrap, for a snippet
 * run in it (e.g. "" for a bare heap, "new Map()" to load es-collections).
 * For each snippet: N heaps (default 200) created and kept, the snippet run
 * in each; prints RSS delta per heap, allocator bytes per heap (our counting
 * allocator) and the time per heap for creation and for the snippet.
 *
 *   make heap-cost && build/release/heap-cost [-n N] SNIPPET...
 *
 * With --app FILE (an app script, e.g. a bundle from scripts/nanod-build):
 * N heaps each compile FILE, run its top level and one GET URL (default
 * http://a.test/) through the real dispatch, as a worker's first request
 * does, then the worker's compacting collection after a heap's first
 * request; prints allocator bytes per heap after each stage, then, for one
 * more heap: the compiled app's sections (its duk_dump_function, by
 * section), each lazy group its load and first request pull in (lib.require
 * metered), and what is reachable through properties after the request, by
 * kind (a walk with duk_inspect_value: header and property-table bytes).
 * The app is loaded from its bytecode dump, as a worker loads the compile
 * check's; with --from-source, compiled in each heap instead.
 *
 *   build/release/heap-cost [-n N] --app FILE [--url URL] [--from-source]
 *
 * RSS is only meaningful for the first snippet: later rounds reuse the
 * memory freed by earlier ones (run one snippet per process to compare).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sys.h"
#include "worker/js/heap.h"
#include "worker/js/host.h"
#include "worker/js/loader.h"
#include "scripts/bench/js-request.h"

/* GLOBAL: the heaps' host: nd_js_host_quiet, respond/fail noted (main) */
static struct nd_js_host g_app_host;

static long
rss_kb(void)
{
    long  pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) {
            rss = 0;
        }
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- --app FILE: where a loaded app's heap goes ---------------------- */

/* GLOBAL: the heap whose lazy loads the require wrapper is timing (one at a
 * time, single-threaded tool) */
static struct nd_js *g_meter;

/* native memUsed() for the lib.require wrapper: allocator bytes now */
static duk_ret_t
mem_used(duk_context *ctx)
{
    duk_push_number(ctx, g_meter != NULL ? (double) g_meter->mem_used : 0.0);
    return 1;
}

/* Wraps lib.require: each group's first load records [name, inclusive
 * bytes, bytes of the groups it loaded itself] into lib.__groups. */
static const char *const WRAP =
    "function (lib, mem) {\n"
    "    var req = lib.require, seen = {}, out = [], depth = [];\n"
    "    lib.__groups = out;\n"
    "    lib.require = function (name) {\n"
    "        var m0, rec;\n"
    "        if (seen[name] === true) { return req(name); }\n"
    "        seen[name] = true;\n"
    "        rec = [name, 0, 0, lib.__stage];\n"
    "        out.push(rec);\n"
    "        depth.push(rec);\n"
    "        m0 = mem();\n"
    "        try { return req(name); } finally {\n"
    "            rec[1] = mem() - m0;\n"
    "            depth.pop();\n"
    "            if (depth.length > 0) { depth[depth.length - 1][2] += rec[1]; }\n"
    "        }\n"
    "    };\n"
    "}";

static char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *out = NULL;
    long  n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0 || (out = malloc((size_t) n + 1)) == NULL
        || fread(out, 1, (size_t) n, f) != (size_t) n) {
        fprintf(stderr, "%s: cannot read it\n", path);
        free(out);
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    fclose(f);
    out[n] = '\0';
    *len = (size_t) n;
    return out;
}

/* GLOBAL: the app's bytecode dump, loaded in place into every heap as a
 * worker loads the compile check's (app.c); NULL with --from-source */
static void  *g_dump;
static size_t g_dump_len;

/* The app script, compiled (or loaded from g_dump): [ ... ] -> [ ... lib fn ];
 * 0 or -1 (nothing pushed). */
static int
app_compile(struct nd_js *js, const char *file, const char *src, size_t len)
{
    char msg[512];
    int  line = 0;

    duk_push_heapptr(js->ctx, js->lib);
    duk_push_object(js->ctx);
    duk_put_prop_string(js->ctx, -2, "env");
    if (g_dump != NULL ? nd_loader_load(js->ctx, g_dump, g_dump_len, msg, sizeof(msg))
                       : nd_loader_compile(js->ctx, file, src, len, &line, msg, sizeof(msg))) {
        fprintf(stderr, "%s:%d: %s\n", file, line, msg);
        duk_pop(js->ctx);
        return -1;
    }
    return 0;
}

/* [ ... lib fn ] -> [ ... ]: runs the top level and lib.load (as app.c does). */
static int
app_load(struct nd_js *js, const char *file)
{
    duk_context *ctx = js->ctx;

    duk_push_global_object(ctx);
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "%s: %s\n", file, duk_safe_to_string(ctx, -1));
        duk_pop_2(ctx);
        return -1;
    }
    duk_pop(ctx);
    duk_get_prop_string(ctx, -1, "load");
    duk_push_heapptr(ctx, js->lib);
    if (nd_js_pcall(js, 0, 0) != 0 || duk_get_length(ctx, -1) > 0) {
        fprintf(stderr, "%s: %s\n", file, duk_safe_to_string(ctx, -1));
        duk_pop_2(ctx);
        return -1;
    }
    duk_pop_2(ctx);
    return 0;
}

/* GLOBAL: what the heaps' native.respond saw (single-threaded tool) */
static int g_status;

static int
app_respond(struct nd_app *app, double id, int status, const char *reason, size_t reason_len,
            const struct nd_hdr *hdrs, int n, const void *body, size_t len)
{
    g_status = status;
    return 0;
}

static void
app_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
    fprintf(stderr, "request failed: %s\n", msg);
    g_status = -1;
}

/* One GET url through lib.dispatch and the microtask drain; 0 or -1. */
static int
app_request(struct nd_js *js, const char *url)
{
    g_status = 0;
    if (nd_bench_request(js, 1, url, "Host: a.test\r\nUser-Agent: heap-cost\r\n"
                         "Accept: */*\r\n", 0, NULL) == -1) {
        return -1;
    }
    if (g_status <= 0) {
        fprintf(stderr, "%s: no response\n", url);
        return -1;
    }
    return 0;
}

/* --- the compiled function's dump, by section (duk__dump_func's format) --- */

struct dump_sum {
    long funcs, instr, consts_str, consts_num, inner;
    long bytes_code, bytes_str, bytes_pc2line, bytes_varmap, varmap_n, bytes_formals,
         formals_n, bytes_names;
};

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/* One function at *p (advanced); 0, or -1 when the dump runs short. */
static int
dump_walk(const unsigned char **pp, const unsigned char *end, struct dump_sum *s)
{
    const unsigned char *p = *pp;
    uint32_t             ni, nc, nf, i, n;

#define NEED(k) do { if ((size_t) (end - p) < (size_t) (k)) { return -1; } } while (0)
    NEED(28);
    ni = be32(p);
    nc = be32(p + 4);
    nf = be32(p + 8);
    p += 28;
    s->funcs++;
    s->instr += ni;
    s->inner += nf;
    NEED((size_t) ni * 4);
    p += (size_t) ni * 4;
    s->bytes_code += (long) ni * 4;
    for (i = 0; i < nc; i++) {
        NEED(1);
        if (*p++ == 0) {                    /* DUK__SER_STRING */
            NEED(4);
            n = be32(p);
            NEED(4 + (size_t) n);
            p += 4 + n;
            s->consts_str++;
            s->bytes_str += n;
        } else {
            NEED(8);
            p += 8;
            s->consts_num++;
        }
    }
    for (i = 0; i < nf; i++) {
        if (dump_walk(&p, end, s) == -1) {
            return -1;
        }
    }
    NEED(4);
    p += 4;                                 /* length */
    for (i = 0; i < 2; i++) {               /* name, fileName */
        NEED(4);
        n = be32(p);
        NEED(4 + (size_t) n);
        p += 4 + n;
        s->bytes_names += n;
    }
    NEED(4);                                /* _Pc2line */
    n = be32(p);
    NEED(4 + (size_t) n);
    p += 4 + n;
    s->bytes_pc2line += n;
    for (;;) {                              /* _Varmap: (key, reg)*, 0 */
        NEED(4);
        n = be32(p);
        p += 4;
        if (n == 0) {
            break;
        }
        NEED((size_t) n + 4);
        p += n + 4;
        s->bytes_varmap += n;
        s->varmap_n++;
    }
    NEED(4);                                /* _Formals: count or 0xffffffff */
    n = be32(p);
    p += 4;
    if (n != 0xffffffffU) {
        for (i = 0; i < n; i++) {
            uint32_t k;
            NEED(4);
            k = be32(p);
            NEED(4 + (size_t) k);
            p += 4 + k;
            s->bytes_formals += k;
            s->formals_n++;
        }
    }
#undef NEED
    *pp = p;
    return 0;
}

/* --- a walk of what is reachable through properties ------------------- */

enum { K_STRING, K_COMPFUNC, K_NATFUNC, K_ARRAY, K_OBJECT, K_BUFFER, K_NKINDS };
static const char *const KIND_NAMES[K_NKINDS] = {
    "strings", "function instances (compiled)", "native functions", "arrays",
    "other objects", "buffers (incl. _Pc2line)"
};

struct walk {
    void  **seen;       /* open addressing set of heap pointers */
    size_t  cap, n;
    void  **todo;
    size_t  ntodo, captodo;
    long    count[K_NKINDS];
    double  hbytes[K_NKINDS], pbytes[K_NKINDS];
};

static int
walk_add(struct walk *w, void *h)
{
    size_t i;

    if (h == NULL) {
        return 0;
    }
    if (w->n * 2 >= w->cap) {
        size_t  ncap = w->cap ? w->cap * 2 : 4096, j;
        void  **ns = calloc(ncap, sizeof(*ns));
        if (ns == NULL) {
            return -1;
        }
        for (j = 0; j < w->cap; j++) {
            if (w->seen[j] != NULL) {
                for (i = ((uintptr_t) w->seen[j] >> 4) & (ncap - 1); ns[i] != NULL;
                     i = (i + 1) & (ncap - 1)) {
                }
                ns[i] = w->seen[j];
            }
        }
        free(w->seen);
        w->seen = ns;
        w->cap = ncap;
    }
    for (i = ((uintptr_t) h >> 4) & (w->cap - 1); w->seen[i] != NULL; i = (i + 1) & (w->cap - 1)) {
        if (w->seen[i] == h) {
            return 0;
        }
    }
    w->seen[i] = h;
    w->n++;
    if (w->ntodo == w->captodo) {
        size_t  nc = w->captodo ? w->captodo * 2 : 1024;
        void  **nt = realloc(w->todo, nc * sizeof(*nt));
        if (nt == NULL) {
            return -1;
        }
        w->todo = nt;
        w->captodo = nc;
    }
    w->todo[w->ntodo++] = h;
    return 0;
}

/* Queues the value at idx when it is a heap value. */
static int
walk_value(duk_context *ctx, struct walk *w, duk_idx_t idx)
{
    if (duk_is_string(ctx, idx) || duk_is_object(ctx, idx) || duk_is_buffer(ctx, idx)) {
        return walk_add(w, duk_get_heapptr(ctx, idx));
    }
    return 0;
}

static int
inspect_int(duk_context *ctx, const char *key)
{
    int v;

    duk_get_prop_string(ctx, -1, key);
    v = duk_get_int(ctx, -1);
    duk_pop(ctx);
    return v;
}

/* Every string, object and buffer reachable from lib and the global object
 * through own properties (hidden ones too, accessors not called) and
 * prototypes, by kind: header bytes and property table bytes. */
/* GLOBAL: the walk walk_safe runs (single-threaded tool) */
static struct walk *g_walk;

static duk_ret_t
walk_safe(duk_context *ctx, void *udata)
{
    struct walk *w = g_walk;

    while (w->ntodo > 0) {
        void *h = w->todo[--w->ntodo];
        int   k, type, cls;

        duk_push_heapptr(ctx, h);                       /* -> [ v ] */
        duk_inspect_value(ctx, -1);                     /* -> [ v info ] */
        type = inspect_int(ctx, "type");
        cls = inspect_int(ctx, "class");
        if (type == DUK_TYPE_STRING) {
            k = K_STRING;
        } else if (type != DUK_TYPE_OBJECT) {
            k = K_BUFFER;
        } else if (cls == 3) {
            k = inspect_int(ctx, "bcbytes") > 0 ? K_COMPFUNC : K_NATFUNC;
        } else if (cls == 2) {
            k = K_ARRAY;
        } else {
            k = K_OBJECT;
        }
        w->count[k]++;
        w->hbytes[k] += inspect_int(ctx, "hbytes");
        w->pbytes[k] += inspect_int(ctx, "pbytes");
        duk_pop(ctx);                                   /* -> [ v ] */
        if (type == DUK_TYPE_OBJECT) {
            if (duk_get_prototype(ctx, -1), walk_value(ctx, w, -1) == -1) {
                return duk_error(ctx, DUK_ERR_ERROR, "out of memory");
            }
            duk_pop(ctx);
            duk_enum(ctx, -1, DUK_ENUM_OWN_PROPERTIES_ONLY | DUK_ENUM_INCLUDE_NONENUMERABLE
                     | DUK_ENUM_INCLUDE_HIDDEN | DUK_ENUM_INCLUDE_SYMBOLS
                     | DUK_ENUM_NO_PROXY_BEHAVIOR);     /* -> [ v enum ] */
            while (duk_next(ctx, -1, 0)) {              /* -> [ v enum key ] */
                const char *key = duk_get_string(ctx, -1);
                /* An array index is made as a string for the enumeration
                 * only (gone once popped): not a heap string to count. */
                if (key != NULL && strspn(key, "0123456789") != strlen(key)) {
                    walk_value(ctx, w, -1);
                }
                duk_get_prop_desc(ctx, -3, 0);          /* -> [ v enum desc ] */
                if (duk_is_object(ctx, -1)) {
                    duk_get_prop_string(ctx, -1, "value");
                    walk_value(ctx, w, -1);
                    duk_pop(ctx);
                    duk_get_prop_string(ctx, -1, "get");
                    walk_value(ctx, w, -1);
                    duk_pop(ctx);
                    duk_get_prop_string(ctx, -1, "set");
                    walk_value(ctx, w, -1);
                    duk_pop(ctx);
                }
                duk_pop(ctx);
            }
            duk_pop(ctx);
        }
        duk_pop(ctx);
    }
    return 0;
}

static int
walk_heap(struct nd_js *js, struct walk *w)
{
    duk_context *ctx = js->ctx;

    duk_push_global_object(ctx);
    walk_add(w, duk_get_heapptr(ctx, -1));
    duk_pop(ctx);
    walk_add(w, js->lib);
    g_walk = w;
    if (duk_safe_call(ctx, walk_safe, NULL, 0, 1) != 0) {
        fprintf(stderr, "walk: %s\n", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    duk_pop(ctx);
    return 0;
}

#define KB(x) ((double) (x) / 1024.0)

static int
app_mode(int n, const char *file, const char *url, int from_source)
{
    size_t         len, i;
    char          *src = read_all(file, &len), msg[512];
    struct nd_js **js = calloc((size_t) n, sizeof(*js));
    double         st[5] = { 0 }, live[5] = { 0 };
    static const char *const STAGES[5] = {
        "bare heap (nd_js_new: bootstrap)", "+ the app compiled or loaded (function templates)",
        "+ the app loaded (top level, lib.load)", "+ its first request (and the lazy groups "
        "it loads)", "after the worker's first-request collection (compacting)"
    };
    long           rss0, rss1;
    int64_t        t0, t1;
    int            h, k, pass, rc = 1;
    struct nd_js  *one;
    struct walk    w;
    struct dump_sum ds;
    size_t         used;

    memset(&w, 0, sizeof(w));
    memset(&ds, 0, sizeof(ds));
    if (src == NULL || js == NULL) {
        goto fail;
    }
    if (!from_source) {
        /* As the supervisor's compile check makes it, in a heap of its own. */
        int line;
        if ((one = nd_js_new(0, &g_app_host, NULL, msg, sizeof(msg))) == NULL) {
            goto fail;
        }
        if (nd_loader_compile(one->ctx, file, src, len, &line, msg, sizeof(msg)) == -1) {
            fprintf(stderr, "%s:%d: %s\n", file, line, msg);
            nd_js_free(one);
            goto fail;
        }
        g_dump = nd_loader_dump(one->ctx, &g_dump_len);
        nd_js_free(one);
        if (g_dump == NULL) {
            goto fail;
        }
    }
    /* Pass 0 as a worker runs (st), pass 1 with a full collection after
     * each stage (live): what the stage left reachable. */
    for (pass = 0; pass < 2; pass++) {
        double *acc = pass == 0 ? st : live;
        rss0 = rss_kb();
        t0 = nd_sys_now_us();
        for (h = 0; h < n; h++) {
            if ((js[h] = nd_js_new(0, &g_app_host, NULL, msg, sizeof(msg))) == NULL) {
                fprintf(stderr, "nd_js_new: %s\n", msg);
                goto fail;
            }
            for (k = 0; k < 4; k++) {
                if ((k == 1 && app_compile(js[h], file, src, len) == -1)
                    || (k == 2 && app_load(js[h], file) == -1)
                    || (k == 3 && app_request(js[h], url) == -1)) {
                    goto fail;
                }
                if (pass == 1) {
                    duk_gc(js[h]->ctx, 0);
                    duk_gc(js[h]->ctx, 0);
                }
                acc[k] += js[h]->mem_used;
            }
            /* as nd_js_idle_gc after a heap's first request (app.c's gc_due) */
            duk_gc(js[h]->ctx, DUK_GC_COMPACT);
            acc[4] += js[h]->mem_used;
        }
        t1 = nd_sys_now_us();
        rss1 = rss_kb();
        if (pass == 0) {
            printf("%s, GET %s, %d heaps: RSS %.1f KB per heap, %.2f ms per heap (all stages)"
                   "\n\n", file, url, n, (double) (rss1 - rss0) / n,
                   (double) (t1 - t0) / n / 1000.0);
        }
        for (h = 0; h < n; h++) {
            nd_js_free(js[h]);
            js[h] = NULL;
        }
    }
    printf("| stage | allocated KB per heap | this stage | live after a full collection | "
           "this stage |\n|---|---|---|---|---|\n");
    for (h = 0; h < 5; h++) {
        printf("| %s | %.1f | %+.1f | %.1f | %+.1f |\n", STAGES[h], KB(st[h] / n),
               h == 0 ? KB(st[0] / n) : KB((st[h] - st[h - 1]) / n), KB(live[h] / n),
               h == 0 ? KB(live[0] / n) : KB((live[h] - live[h - 1]) / n));
    }

    /* One more heap, its lazy loads metered. */
    if ((one = nd_js_new(0, &g_app_host, NULL, msg, sizeof(msg))) == NULL) {
        fprintf(stderr, "nd_js_new: %s\n", msg);
        goto fail;
    }
    g_meter = one;
    duk_push_string(one->ctx, "heap-cost");
    if (duk_pcompile_string_filename(one->ctx, DUK_COMPILE_FUNCTION, WRAP) != 0) {
        fprintf(stderr, "wrapper: %s\n", duk_safe_to_string(one->ctx, -1));
        goto fail_one;
    }
    duk_push_heapptr(one->ctx, one->lib);
    duk_push_c_function(one->ctx, mem_used, 0);
    if (duk_pcall(one->ctx, 2) != 0) {
        fprintf(stderr, "wrapper: %s\n", duk_safe_to_string(one->ctx, -1));
        goto fail_one;
    }
    duk_pop(one->ctx);
    duk_push_heapptr(one->ctx, one->lib);
    duk_push_string(one->ctx, "load");
    duk_put_prop_string(one->ctx, -2, "__stage");
    duk_pop(one->ctx);
    if (app_compile(one, file, src, len) == -1) {
        goto fail_one;
    }
    /* -> [ lib fn ]: the compiled app, dumped: its sections */
    duk_dup_top(one->ctx);
    duk_dump_function(one->ctx);
    {
        duk_size_t           dlen;
        const unsigned char *p = duk_get_buffer(one->ctx, -1, &dlen);
        const unsigned char *end = p + dlen;

        p++;
        if (dump_walk(&p, end, &ds) == -1) {
            fprintf(stderr, "dump: cut short\n");
        }
        printf("\nThe compiled app (duk_dump_function, %.1f KB): %ld functions, %ld "
               "instructions (%.1f KB), %ld string constants (%.1f KB), %ld number "
               "constants, _Pc2line %.1f KB, _Varmap %ld names (%.1f KB), _Formals %ld names "
               "(%.1f KB), name + fileName %.1f KB\n", KB(dlen), ds.funcs, ds.instr,
               KB(ds.bytes_code), ds.consts_str, KB(ds.bytes_str), ds.consts_num,
               KB(ds.bytes_pc2line), ds.varmap_n, KB(ds.bytes_varmap), ds.formals_n,
               KB(ds.bytes_formals), KB(ds.bytes_names));
    }
    duk_pop(one->ctx);
    if (app_load(one, file) == -1) {
        goto fail_one;
    }
    duk_push_heapptr(one->ctx, one->lib);
    duk_push_string(one->ctx, "request");
    duk_put_prop_string(one->ctx, -2, "__stage");
    duk_pop(one->ctx);
    if (app_request(one, url) == -1) {
        goto fail_one;
    }
    printf("\n| lazy group | loaded by | KB (its own) | KB (with groups it loaded) |\n"
           "|---|---|---|---|\n");
    duk_push_heapptr(one->ctx, one->lib);
    duk_get_prop_string(one->ctx, -1, "__groups");
    for (i = 0; i < duk_get_length(one->ctx, -1); i++) {
        double incl, nested;
        duk_get_prop_index(one->ctx, -1, (duk_uarridx_t) i);
        duk_get_prop_index(one->ctx, -1, 1);
        incl = duk_get_number(one->ctx, -1);
        duk_get_prop_index(one->ctx, -2, 2);
        nested = duk_get_number(one->ctx, -1);
        duk_get_prop_index(one->ctx, -3, 0);
        duk_get_prop_index(one->ctx, -4, 3);
        printf("| %s | %s | %.1f | %.1f |\n", duk_get_string(one->ctx, -2),
               duk_get_string(one->ctx, -1), KB(incl - nested), KB(incl));
        duk_pop_n(one->ctx, 5);
    }
    duk_pop(one->ctx);
    duk_del_prop_string(one->ctx, -1, "__groups");
    duk_pop(one->ctx);
    duk_gc(one->ctx, DUK_GC_COMPACT);     /* as the worker after a first request */
    used = one->mem_used;
    if (walk_heap(one, &w) == -1) {
        goto fail_one;
    }
    {
        double th = 0, tp = 0;
        printf("\nReachable through properties after the request (%.1f KB allocated in all):\n\n"
               "| kind | count | header KB | property tables KB |\n|---|---|---|---|\n",
               KB(used));
        for (h = 0; h < K_NKINDS; h++) {
            printf("| %s | %ld | %.1f | %.1f |\n", KIND_NAMES[h], w.count[h], KB(w.hbytes[h]),
                   KB(w.pbytes[h]));
            th += w.hbytes[h];
            tp += w.pbytes[h];
        }
        printf("| total | %zu | %.1f | %.1f |\n", w.n, KB(th), KB(tp));
        printf("\nThe rest (%.1f KB) is not reachable through properties: function templates "
               "and their bytecode, constants and inner functions, scopes (environment "
               "records), the string table, allocator headers.\n",
               KB((double) used - th - tp));
    }
    rc = 0;
fail_one:
    g_meter = NULL;
    nd_js_free(one);
fail:
    free(w.seen);
    free(w.todo);
    if (js != NULL) {
        for (h = 0; h < n; h++) {
            if (js[h] != NULL) {
                nd_js_free(js[h]);
            }
        }
    }
    free(js);
    free(src);
    free(g_dump);
    g_dump = NULL;
    return rc;
}

int
main(int argc, char **argv)
{
    char           msg[512];
    int            n = 200, i, a = 1;
    struct nd_js **js;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = (int) strtol(argv[2], NULL, 10);
        a = 3;
    }
    if (nd_js_boot_init(msg, sizeof(msg)) == -1) {
        fprintf(stderr, "boot: %s\n", msg);
        return 1;
    }
    if (a + 1 < argc && strcmp(argv[a], "--app") == 0) {
        g_app_host = nd_js_host_quiet;
        g_app_host.respond = app_respond;
        g_app_host.fail = app_fail;
        return app_mode(n, argv[a + 1], a + 3 < argc && strcmp(argv[a + 2], "--url") == 0
                        ? argv[a + 3] : "http://a.test/",
                        strcmp(argv[argc - 1], "--from-source") == 0);
    }
    js = calloc((size_t) n, sizeof(*js));
    /* Warm-up: the first heap compiles the lazy files. */
    nd_js_free(nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg)));
    printf("| snippet | RSS/heap KB | alloc/heap KB | create ms/heap | snippet ms/heap |\n"
           "|---|---|---|---|---|\n");
    for (; a < argc; a++) {
        long    rss0 = rss_kb(), rss1;
        int64_t t0 = nd_sys_now_us(), t1, t2;
        size_t  used = 0;

        for (i = 0; i < n; i++) {
            js[i] = nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg));
            if (js[i] == NULL) {
                fprintf(stderr, "nd_js_new: %s\n", msg);
                return 1;
            }
        }
        t1 = nd_sys_now_us();
        for (i = 0; i < n; i++) {
            if (duk_peval_string(js[i]->ctx, argv[a]) != 0) {
                fprintf(stderr, "%s: %s\n", argv[a], duk_safe_to_string(js[i]->ctx, -1));
                return 1;
            }
            duk_pop(js[i]->ctx);
            duk_gc(js[i]->ctx, 0);
            used += js[i]->mem_used;
        }
        t2 = nd_sys_now_us();
        rss1 = rss_kb();
        printf("| `%s` | %.1f | %.1f | %.3f | %.3f |\n", argv[a][0] ? argv[a] : "(none)",
               (double) (rss1 - rss0) / n, (double) used / n / 1024.0,
               (double) (t1 - t0) / n / 1000.0, (double) (t2 - t1) / n / 1000.0);
        for (i = 0; i < n; i++) {
            nd_js_free(js[i]);
        }
    }
    free(js);
    return 0;
}
