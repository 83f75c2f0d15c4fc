/*
 * Duktape heaps: allocator, limits, bootstrap bytecode.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/sys.h"
#include "worker/js/alloc.h"
#include "worker/js/bind.h"
#include "worker/js/bootstrap.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"
#include "worker/js/profile.h"

/* Per-heap accounting without a size header: small blocks come from
 * slabs of one size class each (worker/js/alloc.c: no header, no rounding
 * to 16 bytes), larger ones from malloc, whose usable size
 * malloc_usable_size() gives (glibc, and ASan's allocator). mem_used counts
 * the bytes each block holds, which is closer to what the heap really costs.
 * The slabs are the process's, not a heap's: slabs of its own per heap kept
 * the holes its first request's garbage left (the next heap's load could not
 * fill them), 562-567 KB of worker RSS per loaded hono app against 515-521
 * with malloc; shared, 490-495 (README "Small blocks in size classes"). */
/* After the deadline, how long code that swallows the timeout may go on. */
#define HARD_STOP_GRACE_US 100000

static void hk_begin(struct nd_js *js, int capped);
static void hk_end(struct nd_js *js);

/* GLOBAL: the CPU watchdog's timer, and how many heaps profile (the timer
 * then ticks every PROF_TICK_NS instead of WATCHDOG_TICK_NS). */
#define WATCHDOG_TICK_NS (10 * 1000 * 1000)
#define PROF_TICK_NS     (1000 * 1000)
static struct {
    timer_t t;
    int     started;
    int     profiling;
} g_watchdog;

/* In our duktape.c (worker/js/duk_append.inc). */
void nd_duk_poke_interrupt(duk_context *ctx);
/* In our duktape.c (duk-patches/52-gc-postpone-voluntary.patch). */
void nd_duk_gc_postpone(duk_context *ctx);

/* GLOBAL: the heap whose call is running, for the CPU watchdog's signal
 * handler (the worker is single-threaded). */
static struct nd_js *volatile g_running;

/* GLOBAL: raised by the CPU watchdog (a signal handler) once the running
 * call's deadline passed; polled by the built-ins of our duktape.c
 * (ND_NATIVE_POLL in duk_overrides.h), lowered at each call's start and end. */
volatile int nd_js_deadline_flag;

/* GLOBAL: heaps dropped after a fatal error, never freed (see nd_js_free). */
static struct {
    struct nd_js *head;
    size_t        bytes;
} g_graveyard;

size_t
nd_js_graveyard_bytes(void)
{
    return g_graveyard.bytes;
}

/* GLOBAL: the bootstrap's bytecode, compiled once per process, read-only after. */
static struct {
    void  **code;
    size_t *len;
    int     n;
} g_boot;

/* GLOBAL: the size classes every heap of the process draws from. */
static struct nd_alloc g_alloc;

static void *
js_alloc(void *udata, duk_size_t size)
{
    struct nd_js *js = udata;
    void         *p;

    if (size == 0) {
        return NULL;
    }
    if (js->mem_limit != 0 && js->mem_used + size > js->mem_limit) {
        js->mem_exceeded = 1;
        js->mem_refused++;
        return NULL;
    }
    p = nd_alloc_malloc(&g_alloc, size);
    if (p == NULL) {
        return NULL;
    }
    js->mem_used += nd_alloc_size(p);
    if (js->mem_used > js->mem_peak) {
        js->mem_peak = js->mem_used;
    }
    return p;
}

static void
js_free(void *udata, void *ptr)
{
    struct nd_js *js = udata;

    if (ptr == NULL) {
        return;
    }
    js->mem_used -= nd_alloc_size(ptr);
    nd_alloc_free(&g_alloc, ptr);
}

static void *
js_realloc(void *udata, void *ptr, duk_size_t size)
{
    struct nd_js *js = udata;
    void         *np;
    size_t        old;

    if (ptr == NULL) {
        return js_alloc(udata, size);
    }
    if (size == 0) {
        js_free(udata, ptr);
        return NULL;
    }
    old = nd_alloc_size(ptr);
    if (size > old && js->mem_limit != 0 && js->mem_used + (size - old) > js->mem_limit) {
        js->mem_exceeded = 1;
        js->mem_refused++;
        return NULL;
    }
    np = nd_alloc_realloc(&g_alloc, ptr, size);
    if (np == NULL) {
        return NULL;
    }
    js->mem_used = js->mem_used - old + nd_alloc_size(np);
    if (js->mem_used > js->mem_peak) {
        js->mem_peak = js->mem_used;
    }
    return np;
}

/* Our duktape.c's allocation retry loop (duk-patches/51-*) asks whether a
 * mark-and-sweep freed anything: the heap's bytes, or -1 for a heap that is
 * not an nd_js (the bootstrap's compile heap, the loader's check heap). */
size_t
nd_js_heap_bytes(void *udata)
{
    struct nd_js *js = udata;

    if (js == NULL || js->magic != ND_JS_MAGIC) {
        return (size_t) -1;
    }
    return js->mem_used;
}

/* Duktape calls this on errors it cannot throw. It must not return: jump back
 * to the nd_js_pcall in progress; the heap is then dropped, never reused. */
static void
js_fatal(void *udata, const char *msg)
{
    struct nd_js *js = udata;

    nd_log(ND_LOG_ERROR, NULL, "Duktape fatal error: %s", msg != NULL ? msg : "(none)");
    if (js != NULL && js->jb != NULL) {
        js->fatal = 1;
        longjmp(*js->jb, 1);
    }
    nd_log(ND_LOG_ERROR, NULL, "fatal error outside a call: worker exits");
    _exit(70);
}

/*
 * Has the current call been charged `limit` us of CPU? A thread's CPU time
 * never exceeds the wall time it has been running, so while the (vDSO,
 * ~20 ns) monotonic clock says the budget cannot be spent yet, the thread CPU
 * clock (a real syscall, ~1 us here) is not read: every call from C starts
 * with an executor interrupt, so this runs at least once per request.
 * Housekeeping (credit_us: mark-and-sweep, lazy loading) is not charged.
 */
static int64_t
js_charged(const struct nd_js *js)
{
    return nd_sys_cpu_us() - js->t0_cpu_us - js->credit_us;
}

static int
js_spent(const struct nd_js *js, int64_t limit)
{
    if (nd_sys_now_us() - js->t0_wall_us - js->credit_us < limit) {
        return 0;
    }
    return js_charged(js) >= limit;
}

/* The watchdog asked for a sample: record the running stack. Writing the
 * file (at most once a second) is housekeeping, not charged. */
static void
prof_sample(struct nd_js *js)
{
    char   buf[8192];
    size_t len;

    js->prof_due = 0;
    len = nd_duk_profile_stack(js->ctx, buf, sizeof(buf));
    if (len > 0) {
        nd_prof_add(js->prof, buf, len);
    }
    hk_begin(js, 0);
    (void) nd_prof_flush(js->prof, 0);
    hk_end(js);
}

int
nd_js_exec_timeout_check(void *udata)
{
    struct nd_js *js = udata;
    int64_t       used;

    if (js == NULL) {
        return 0;
    }
    if (js->prof_due) {
        prof_sample(js);
    }
    if (js->budget_us == 0) {
        return 0;
    }
    if (js->timed_out) {
        /* Keep failing until the error reaches our pcall. Code that catches
         * the RangeError in a loop is cut off for good after a grace period
         * (from when the deadline fired): a fatal error jumps back to
         * nd_js_pcall and the heap is dropped. */
        if (js->jb != NULL && js_spent(js, js->timeout_at_us + HARD_STOP_GRACE_US)) {
            (void) duk_fatal(js->ctx, "cpu_limit: the script kept running after its deadline");
        }
        nd_js_deadline_flag = 1;
        return 1;
    }
    if (nd_sys_now_us() - js->t0_wall_us - js->credit_us < js->budget_us) {
        return 0;
    }
    used = js_charged(js);
    if (used >= js->budget_us) {
        js->timed_out = 1;
        js->timeout_at_us = used;
        nd_js_deadline_flag = 1;        /* natives stop at once too */
        return 1;
    }
    return 0;
}

int
nd_js_native_timeout(void *udata, const char *where)
{
    struct nd_js *js = udata;

    if (nd_js_exec_timeout_check(udata)) {
        if (js->timeout_where == NULL) {
            js->timeout_where = where != NULL ? where : "a built-in function";
        }
        return 1;
    }
    nd_js_deadline_flag = 0;
    return 0;
}

static void
hk_begin(struct nd_js *js, int capped)
{
    if (js->hk_depth++ == 0) {
        js->hk_capped = capped;
        js->hk_t0_us = js->budget_us != 0 ? nd_sys_cpu_us() : 0;
    }
}

static void
hk_end(struct nd_js *js)
{
    int64_t d, room;

    if (js->hk_depth <= 0 || --js->hk_depth > 0 || js->hk_t0_us == 0 || js->budget_us == 0) {
        return;
    }
    d = nd_sys_cpu_us() - js->hk_t0_us;
    if (d <= 0) {
        return;
    }
    if (js->hk_capped) {
        js->gc_us += d;
        room = (js->gc_room_us >= 0 ? js->gc_room_us : js->budget_us) - js->gc_credit_us;
        if (d > room) {
            d = room > 0 ? room : 0;
        }
        js->gc_credit_us += d;
    }
    js->credit_us += d;
}

void
nd_js_gc_begin(void *udata)
{
    struct nd_js *js = udata;

    if (js != NULL && js->magic == ND_JS_MAGIC) {
        hk_begin(js, 1);
    }
}

void
nd_js_gc_end(void *udata)
{
    struct nd_js *js = udata;

    if (js != NULL && js->magic == ND_JS_MAGIC) {
        hk_end(js);
        js->gc_live = js->mem_used;
        js->gc_runs++;
    }
}

/* magic 1: the heap's first-request collection also compacts every object's
 * property table to its size (DUK_GC_COMPACT: what a heap keeps for good
 * once loaded; -18 KB of a hono heap's 494, see README "Lazy function
 * templates"). Duktape runs it as an emergency collection, without
 * nd_js_gc_begin/end: the caller notes gc_live itself. */
static duk_ret_t
idle_gc(duk_context *ctx)
{
    duk_gc(ctx, duk_get_current_magic(ctx) == 1 ? DUK_GC_COMPACT : 0);
    return 0;
}

int
nd_js_idle_gc(struct nd_js *js, int64_t budget_us)
{
    size_t allow;
    int    rc, compact;

    if (js == NULL || js->ctx == NULL || js->jb != NULL || js->fatal) {
        return 0;
    }
    allow = js->gc_live / 2;
    if (allow < ND_JS_GC_MIN_GROWTH) {
        allow = ND_JS_GC_MIN_GROWTH;
    }
    if (!js->gc_due && js->mem_used <= js->gc_live + allow) {
        /* No garbage worth a collection: Duktape's own trigger, which counts
         * allocations (freed ones too), must not fire in the next request. */
        nd_duk_gc_postpone(js->ctx);
        return 0;
    }
    /* A protected call (a fatal error in a finalizer jumps back to it) under
     * budget_us: the collection runs the finalizers (Duktape.fin) of what it
     * frees, tenant code that a deadline must stop like any other (without
     * one, a finalizer's endless loop hung the worker and all its apps). */
    compact = js->gc_due;
    duk_push_c_lightfunc(js->ctx, idle_gc, 0, 0, compact);
    duk_push_undefined(js->ctx);
    rc = nd_js_pcall(js, 0, budget_us);
    if (rc == -2) {
        return -1;
    }
    duk_pop(js->ctx);
    if (compact && rc == 0) {
        js->gc_live = js->mem_used;
        js->gc_runs++;
    }
    js->gc_idle_runs++;
    js->gc_due = 0;
    return js->timed_out ? 1 : 0;
}

/* Empty slabs kept for the next allocations (1 MB): what a busy heap takes
 * and gives back between two collections is not a syscall per page. */
#define TRIM_KEEP_SLABS 256

void
nd_js_trim(void)
{
    (void) nd_alloc_trim(TRIM_KEEP_SLABS);
    (void) malloc_trim(0);
}

void
nd_js_housekeeping_begin(struct nd_js *js)
{
    hk_begin(js, 0);
}

void
nd_js_housekeeping_end(struct nd_js *js)
{
    hk_end(js);
}

int
nd_js_codegen_allowed(void *udata)
{
    struct nd_js *js = udata;

    return js == NULL || js->codegen;
}

/*
 * CPU watchdog. Duktape checks the deadline only every ~256k bytecode
 * instructions, and never inside a built-in: one big join, sort or indexOf
 * ran for seconds. A timer on the thread's CPU clock (so an idle worker gets
 * no signals) fires every 10 ms of CPU; past the deadline it makes the
 * executor check at its next instruction and raises nd_js_deadline_flag,
 * which the built-ins' loops poll (ND_NATIVE_POLL).
 */
static void
on_watchdog(int sig)
{
    struct nd_js *js = g_running;

    if (js != NULL && js->prof != NULL) {
        js->prof_due = 1;
        nd_duk_poke_interrupt(js->ctx);
    }
    /* Also during housekeeping (a loop of Duktape.gc()): the check itself
     * then decides with the credit known. */
    if (js != NULL && js->budget_us != 0 && js_spent(js, js->budget_us)) {
        nd_js_deadline_flag = 1;
        nd_duk_poke_interrupt(js->ctx);
    }
}

int
nd_js_watchdog_start(void)
{
    struct sigaction  sa;
    struct sigevent   sev;
    struct itimerspec its;
    timer_t           t;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_watchdog;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPROF, &sa, NULL) == -1) {
        return -1;
    }
    memset(&sev, 0, sizeof(sev));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGPROF;
    if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &t) == -1) {
        return -1;
    }
    g_watchdog.t = t;
    g_watchdog.started = 1;
    memset(&its, 0, sizeof(its));
    its.it_interval.tv_nsec = g_watchdog.profiling > 0 ? PROF_TICK_NS : WATCHDOG_TICK_NS;
    its.it_value.tv_nsec = its.it_interval.tv_nsec;
    return timer_settime(t, 0, &its, NULL);
}

/* Profiling heaps went from 0 to 1 or back: retune the watchdog's tick. */
static void
watchdog_retune(void)
{
    struct itimerspec its;

    if (!g_watchdog.started) {
        return;
    }
    memset(&its, 0, sizeof(its));
    its.it_interval.tv_nsec = g_watchdog.profiling > 0 ? PROF_TICK_NS : WATCHDOG_TICK_NS;
    its.it_value.tv_nsec = its.it_interval.tv_nsec;
    (void) timer_settime(g_watchdog.t, 0, &its, NULL);
}

int
nd_js_profile_start(struct nd_js *js, const char *dir, const char *app)
{
    if (js->prof != NULL) {
        return 0;
    }
    js->prof = nd_prof_new(dir, app);
    if (js->prof == NULL) {
        return -1;
    }
    if (g_watchdog.profiling++ == 0) {
        watchdog_retune();
    }
    return 0;
}

/* Writes and drops the heap's profile (before the heap goes). */
static void
profile_stop(struct nd_js *js)
{
    if (js->prof == NULL) {
        return;
    }
    js->prof_due = 0;
    nd_prof_free(js->prof);
    js->prof = NULL;
    if (--g_watchdog.profiling == 0) {
        watchdog_retune();
    }
}

struct nd_js *
nd_js_of(duk_context *ctx)
{
    duk_memory_functions funcs;

    duk_get_memory_functions(ctx, &funcs);
    return funcs.udata;
}

int
nd_js_push_lib_fn(struct nd_js *js, const char *name)
{
    duk_context *ctx = js->ctx;

    duk_push_heapptr(ctx, js->lib);
    duk_get_prop_string(ctx, -1, name);
    if (!duk_is_function(ctx, -1)) {
        duk_pop_2(ctx);
        return -1;
    }
    duk_remove(ctx, -2);
    duk_push_undefined(ctx);
    return 0;
}

/* What the engine does not have, where its own words would not say so: a
 * ReferenceError for a global the language defines, a "not callable" for a
 * method it defines (README, "Does not work yet"). */
static const struct {
    const char *needle, *hint;
} missing[] = {
    { "identifier 'Intl' undefined", "Intl (no ICU in nanod's engine)" },
    { "identifier 'WebAssembly' undefined", "WebAssembly" },
    { "identifier 'SharedArrayBuffer' undefined", "SharedArrayBuffer" },
    { "identifier 'Atomics' undefined", "Atomics" },
    { "(property 'normalize' of ", "String.prototype.normalize" },
};

#define MISSING_SAYS " is not supported by nanod's JavaScript engine"

void
nd_js_missing_hint(char *msg, size_t msgsize)
{
    size_t i, len;

    /* once: a request's error passes nd_js_describe_error, then the host's fail */
    if (strstr(msg, MISSING_SAYS) != NULL) {
        return;
    }
    for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        if (strstr(msg, missing[i].needle) != NULL) {
            len = strlen(msg);
            snprintf(msg + len, msgsize - len, ": %s" MISSING_SAYS " (README: Does not work yet)",
                     missing[i].hint);
            return;
        }
    }
}

void
nd_js_describe_error(duk_context *ctx, duk_idx_t idx, char *msg, size_t msgsize, char *stack,
                     size_t stacksize)
{
    idx = duk_normalize_index(ctx, idx);
    /* The stack first: duk_safe_to_string() replaces the value with a string. */
    if (stack != NULL) {
        stack[0] = '\0';
        if (duk_is_error(ctx, idx)) {
            duk_get_prop_string(ctx, idx, "stack");
            if (duk_is_string(ctx, -1)) {
                snprintf(stack, stacksize, "%s", duk_get_string(ctx, -1));
            }
            duk_pop(ctx);
        }
    }
    snprintf(msg, msgsize, "%s", duk_safe_to_string(ctx, idx));
    nd_js_missing_hint(msg, msgsize);
}

/* Runs [ fn this args ] under the deadline, catching Duktape fatal errors. */
int
nd_js_pcall(struct nd_js *js, int nargs, int64_t budget_us)
{
    return nd_js_pcall_at(js, nargs, budget_us, budget_us > 0 ? nd_sys_cpu_us() : 0);
}

int
nd_js_pcall_at(struct nd_js *js, int nargs, int64_t budget_us, int64_t t0_cpu_us)
{
    jmp_buf  jb;
    jmp_buf *saved = js->jb;
    int64_t  saved_budget = js->budget_us, saved_cpu = js->t0_cpu_us;
    int64_t  saved_wall = js->t0_wall_us, saved_credit = js->credit_us;
    int64_t  saved_gc_credit = js->gc_credit_us, saved_gc = js->gc_us;
    struct nd_js *saved_running = g_running;
    int      rc;

    js->timed_out = 0;
    js->timeout_where = NULL;
    js->timeout_at_us = 0;
    js->credit_us = 0;
    js->gc_credit_us = 0;
    js->gc_us = 0;
    js->mem_exceeded = 0;
    nd_js_deadline_flag = 0;
    js->budget_us = budget_us > 0 ? budget_us : 0;
    js->t0_cpu_us = t0_cpu_us;
    js->t0_wall_us = nd_sys_now_us();
    js->jb = &jb;
    if (setjmp(jb) != 0) {
        rc = -2;
    } else {
        g_running = js;
        rc = duk_pcall_method(js->ctx, nargs) == DUK_EXEC_SUCCESS ? 0 : -1;
    }
    g_running = saved_running;
    nd_js_deadline_flag = 0;
    if (rc == -2) {
        js->hk_depth = 0;       /* a fatal error may have jumped out of a GC */
    }
    js->last_credit_us = js->credit_us;
    js->last_gc_credit_us = js->gc_credit_us;
    /* A nested call's housekeeping happened inside the outer call too. */
    js->credit_us += saved_credit;
    js->gc_credit_us += saved_gc_credit;
    js->gc_us += saved_gc;
    js->jb = saved;
    js->budget_us = saved_budget;
    js->t0_cpu_us = saved_cpu;
    js->t0_wall_us = saved_wall;
    return rc;
}

/* Compiles one bootstrap file in ctx: -> [ ... fn ]. */
static int
boot_compile(duk_context *ctx, const struct nd_boot_file *f, char *msg, size_t size)
{
    char name[128];

    snprintf(name, sizeof(name), "bootstrap/%s.js", f->name);
    duk_push_string(ctx, name);
    if (duk_pcompile_lstring_filename(ctx, DUK_COMPILE_FUNCTION | DUK_COMPILE_STRICT, f->src,
                                      f->len) != 0) {
        snprintf(msg, size, "%s: %s", name, duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    return 0;
}

int
nd_js_boot_init(char *msg, size_t size)
{
    duk_context *ctx;
    int          i;

    if (g_boot.n == nd_boot_nfiles && g_boot.code != NULL) {
        return 0;
    }
    ctx = duk_create_heap_default();
    if (ctx == NULL) {
        snprintf(msg, size, "cannot create a Duktape heap");
        return -1;
    }
    g_boot.code = calloc((size_t) nd_boot_nfiles, sizeof(void *));
    g_boot.len = calloc((size_t) nd_boot_nfiles, sizeof(size_t));
    if (g_boot.code == NULL || g_boot.len == NULL) {
        snprintf(msg, size, "out of memory");
        goto fail;
    }
    for (i = 0; i < nd_boot_nfiles; i++) {
        void       *buf;
        duk_size_t  len;

        if (boot_compile(ctx, &nd_boot_files[i], msg, size) == -1) {
            goto fail;
        }
        duk_dump_function(ctx);
        buf = duk_get_buffer(ctx, -1, &len);
        g_boot.code[i] = malloc(len);
        if (g_boot.code[i] == NULL) {
            snprintf(msg, size, "out of memory");
            goto fail;
        }
        memcpy(g_boot.code[i], buf, len);
        g_boot.len[i] = len;
        duk_pop(ctx);
    }
    g_boot.n = nd_boot_nfiles;
    duk_destroy_heap(ctx);
    return 0;

fail:
    for (i = 0; g_boot.code != NULL && i < nd_boot_nfiles; i++) {
        free(g_boot.code[i]);
    }
    free(g_boot.code);
    free(g_boot.len);
    memset(&g_boot, 0, sizeof(g_boot));
    duk_destroy_heap(ctx);
    return -1;
}

struct nd_js *
nd_js_new(size_t mem_limit, const struct nd_js_host *host, void *owner, char *msg, size_t size)
{
    /* A heap without a host: every op is missing (natives that need one throw). */
    static const struct nd_js_host no_host;

    struct nd_js *js;
    duk_context  *ctx;
    int           i, rc;

    if (nd_js_boot_init(msg, size) == -1) {
        return NULL;
    }
    js = calloc(1, sizeof(*js));
    if (js == NULL) {
        snprintf(msg, size, "out of memory");
        return NULL;
    }
    js->magic = ND_JS_MAGIC;
    js->mem_limit = mem_limit;
    js->host = host != NULL ? host : &no_host;
    js->owner = owner;
    js->gc_room_us = -1;
    ctx = duk_create_heap(js_alloc, js_realloc, js_free, js, js_fatal);
    if (ctx == NULL) {
        snprintf(msg, size, "cannot create a Duktape heap (memory_limit too low?)");
        free(js);
        return NULL;
    }
    js->ctx = ctx;

    /* lib: private to the bootstrap, kept in the stash. */
    duk_push_global_stash(ctx);                 /* -> [ stash ] */
    duk_push_object(ctx);                       /* -> [ stash lib ] */
    js->lib = duk_get_heapptr(ctx, -1);
    duk_dup_top(ctx);
    duk_put_prop_string(ctx, -3, "lib");
    nd_bind_push_natives(ctx);                  /* -> [ stash lib native ] */
    for (i = 0; i < g_boot.n; i++) {
        /* read in place: no copy of the dump in the heap (g_boot never changes
         * and outlives every heap: inner functions load on first use from it) */
        duk_push_external_buffer(ctx);
        duk_config_buffer(ctx, -1, g_boot.code[i], g_boot.len[i]);
        nd_duk_load_function_lazy(ctx);         /* -> [ stash lib native fn ] */
        duk_push_undefined(ctx);
        duk_dup(ctx, -3);                       /* native */
        duk_push_global_object(ctx);
        duk_dup(ctx, -6);                       /* lib */
        rc = nd_js_pcall(js, 3, 2000000);
        if (rc != 0) {
            if (rc == -1) {
                snprintf(msg, size, "bootstrap/%s.js: %s", nd_boot_files[i].name,
                         duk_safe_to_string(ctx, -1));
            } else {
                snprintf(msg, size, "bootstrap/%s.js: fatal error", nd_boot_files[i].name);
            }
            goto fail;
        }
        duk_pop(ctx);
    }
    duk_pop(ctx);                               /* -> [ stash lib ] */
    duk_get_prop_string(ctx, -1, "dispatch");
    js->dispatch = duk_get_heapptr(ctx, -1);
    duk_get_prop_string(ctx, -2, "drain");
    js->drain = duk_get_heapptr(ctx, -1);
    duk_pop_n(ctx, 4);
    /* Loading bytecode leaves each file's function templates behind (kept
     * in reference cycles, so only mark-and-sweep frees them): ~44 KB of a
     * 216 KB heap. Collected now, before the app's first request, they cost
     * ~50 KB less RSS per loaded app for well under 0.1 ms. */
    duk_gc(ctx, 0);
    if (js->dispatch == NULL || js->drain == NULL) {
        snprintf(msg, size, "bootstrap defines no lib.dispatch/lib.drain");
        js->ctx = ctx;
        nd_js_free(js);
        return NULL;
    }
    return js;

fail:
    nd_js_free(js);
    return NULL;
}

void
nd_js_free(struct nd_js *js)
{
    if (js == NULL) {
        return;
    }
    profile_stop(js);
    if (js->ctx != NULL && !js->fatal) {
        js->mem_limit = 0;      /* finalizers may allocate */
        duk_destroy_heap(js->ctx);
    } else if (js->fatal) {
        /* Freeing a heap left mid-call by a fatal error could crash: keep
         * it, reachable, in the graveyard (counted in nd_js_graveyard_bytes). */
        js->next_dead = g_graveyard.head;
        g_graveyard.head = js;
        g_graveyard.bytes += js->mem_used;
        nd_log(ND_LOG_WARN, NULL, "dropped a heap after a fatal error: %zu bytes kept "
               "(%zu in all)", js->mem_used, g_graveyard.bytes);
        return;
    }
    free(js);
}
