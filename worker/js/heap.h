/*
 * One Duktape heap (one per app per worker): counting allocator with a memory
 * cap, exec-timeout deadline, fatal-error recovery, and the bootstrap loaded
 * from per-process bytecode. Worker only (and nd_worker_check's scratch heaps).
 */
#ifndef ND_JS_HEAP_H
#define ND_JS_HEAP_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "duktape.h"
#include "worker/js/host.h"

/* struct nd_js's first member: Duktape's GC hooks get every heap's udata,
 * and other heaps (nd_loader_check's) carry structs of their own. */
#define ND_JS_MAGIC 0x736a646eu

struct nd_js {
    uint32_t     magic;         /* ND_JS_MAGIC */
    duk_context *ctx;
    size_t       mem_used;      /* bytes held by the heap (nd_alloc_size) */
    size_t       mem_peak;
    size_t       mem_limit;     /* 0 = no cap */
    int64_t      budget_us;     /* CPU budget of the current call; 0 = none */
    int64_t      t0_cpu_us;     /* thread CPU clock (nd_sys_cpu_us) at its start */
    int64_t      t0_wall_us;    /* monotonic clock (nd_sys_now_us) at its start */
    int          timed_out;     /* the deadline fired during the current call */
    const char  *timeout_where; /* static: the built-in the deadline stopped, or NULL */
    int64_t      timeout_at_us; /* CPU charged when the deadline fired (for the grace) */
    int64_t      credit_us;     /* CPU of the current call not charged: housekeeping */
    int64_t      gc_credit_us;  /* ... of which mark-and-sweep (at most gc_room_us) */
    int64_t      gc_room_us;    /* GC credit the current call may get; < 0 = its budget */
    int64_t      gc_us;         /* mark-and-sweep CPU during the current call */
    int64_t      hk_t0_us;      /* thread CPU at the start of the housekeeping in progress */
    int          hk_depth;      /* housekeeping nesting (GC inside a lazy load...) */
    int          hk_capped;     /* ... the outermost one is a GC (credit bounded) */
    int64_t      last_credit_us; /* credit_us of the last finished call (for accounting) */
    int64_t      last_gc_credit_us; /* gc_credit_us of the last finished call */
    int          mem_exceeded;  /* an allocation was refused during the current call */
    size_t       mem_refused;   /* allocations refused by mem_limit, ever (tests, accounting) */
    int          codegen;       /* eval/new Function allowed (app code: never) */
    int          fatal;         /* Duktape fatal error: the heap must be dropped, not freed */
    jmp_buf     *jb;            /* the active nd_js_pcall's recovery point, or NULL */
    const struct nd_js_host *host; /* borrowed: the ops natives call (worker/js/host.h) */
    void        *owner;         /* borrowed: struct nd_app *, passed to host's ops */
    void        *dispatch;      /* heap pointers kept alive by the stash */
    void        *drain;
    void        *lib;
    void        *dsp;           /* bind_http.c: native.dispatch's state (in the stash) or NULL */
    uint32_t     lazy_loaded;   /* bit i: bootstrap/lazy file i ran in this heap */
    struct nd_js *next_dead;    /* the graveyard list (after a fatal error) */
    struct nd_prof *prof;       /* owned or NULL: the JS sampling profiler (profile = DIR) */
    volatile int prof_due;      /* set by the CPU watchdog: take a sample at the next interrupt */
    size_t       gc_live;       /* mem_used after the last mark-and-sweep, bytes */
    size_t       gc_idle_runs;  /* collections nd_js_idle_gc ran */
    size_t       gc_runs;       /* collections of any kind but emergency ones, ever */
    int          gc_due;        /* nd_js_idle_gc collects whatever the growth (app.c) */
    int          first_done;    /* the heap's first request has finished (app.c) */
};

/* -> [ ... string ]: the string s[0..n) as duk_push_lstring pushes it, but
 * the last one pushed in each slot (0: the request's URL, 1: its header
 * block) is kept alive (up to 2 KB) and pushed again when the next is the
 * same bytes: no allocation, hashing or string table insert for a URL or
 * header block repeated from one request to the next. Before the bootstrap
 * ran, a plain push. Called outside JS (no error thrown but out of memory).
 * worker/js/bind_http.c. */
#define ND_JS_MEMO_SLOTS 2
void nd_js_push_memo(struct nd_js *js, int slot, const char *s, size_t n);

/* Compiles the embedded bootstrap once per process and keeps its bytecode.
 * 0, or -1 with msg. */
int nd_js_boot_init(char *msg, size_t size);

/* Starts the per-process CPU watchdog (SIGPROF on the thread CPU clock, every
 * 10 ms of CPU). Worker only, once, after fork. 0 or -1 with errno. */
int nd_js_watchdog_start(void);

/* Turns the JS sampling profiler on for this heap (worker/js/profile.h):
 * while any heap of the worker profiles, the CPU watchdog ticks every 1 ms
 * of CPU instead of 10 ms. 0, or -1 (out of memory). */
int nd_js_profile_start(struct nd_js *js, const char *dir, const char *app);

/* A heap with natives and the bootstrap installed, or NULL with msg. host
 * (static, outlives the heap; NULL: none) and owner (NULL: no app) are what
 * its natives call up into (worker/js/host.h). */
struct nd_js *nd_js_new(size_t mem_limit, const struct nd_js_host *host, void *owner,
                        char *msg, size_t size);
/* Destroys the heap; after a fatal error it may be corrupt, so it is kept
 * (reachable, never reused) instead: nd_js_graveyard_bytes() says how much.
 * A worker whose graveyard grows large should be replaced. */
void nd_js_free(struct nd_js *js);
size_t nd_js_graveyard_bytes(void);

/* [ ... fn this arg1..argN ] -> [ ... result-or-error ]. Runs with a CPU
 * deadline of budget_us (0 = none). Returns 0 on success, -1 when an error
 * is on the stack, -2 after a fatal error (stack unusable; drop the heap). */
int nd_js_pcall(struct nd_js *js, int nargs, int64_t budget_us);
/* The same, for a caller that has just read the thread CPU clock for its own
 * accounting (t0_cpu_us = nd_sys_cpu_us(), or nd_sys_cpu_est_us(): a value
 * that may be late, never early), saving a syscall per call. */
int nd_js_pcall_at(struct nd_js *js, int nargs, int64_t budget_us, int64_t t0_cpu_us);

/* -> [ ... fn undefined ]: the function lib[name] (a lazy member loads its
 * file), ready for nd_js_pcall. 0, or -1 with nothing pushed when it is not
 * a function. */
int nd_js_push_lib_fn(struct nd_js *js, const char *name);

/*
 * Housekeeping: CPU a call spends on work it did not cause is not charged to
 * its deadline. nd_js_gc_begin/end bracket every mark-and-sweep (our
 * duktape.c): credited up to gc_room_us per call (an app that makes the
 * collector run constantly is still stopped, at cpu_limit + gc_room_us at
 * worst). nd_js_housekeeping_begin/end bracket the loading of a lazy
 * bootstrap group (once per heap): credited in full. Nestable; never across
 * a longjmp (callers use protected calls inside).
 */
void nd_js_gc_begin(void *udata);
void nd_js_gc_end(void *udata);
/* For our duktape.c's allocation retry loop: the heap's bytes (mem_used) if
 * udata is a struct nd_js, else (size_t) -1. Any context. */
size_t nd_js_heap_bytes(void *udata);
void nd_js_housekeeping_begin(struct nd_js *js);
void nd_js_housekeeping_end(struct nd_js *js);

/*
 * Between calls (the heap runs nothing): if the heap grew by more than its
 * garbage allowance since the last mark-and-sweep (half of what it held
 * after it, at least ND_JS_GC_MIN_GROWTH), collect now, so that the garbage
 * only mark-and-sweep frees (reference cycles: every closure and its
 * prototype, a function and the scope it is declared in) never piles up to
 * a long collection inside a request; or whenever js->gc_due is set (once,
 * after a heap's first request: app.c). Not charged to any request. When no
 * collection is due, Duktape's own trigger (a count of allocations, freed
 * ones too) starts over (duk-patches/52-*), so that it does not collect
 * inside the next request for garbage that is not there. Worker only, never
 * inside a call or a callback of one. The finalizers it runs are stopped at
 * budget_us of CPU (the app's cpu_limit; 0: no limit). 0; 1 when a finalizer
 * was stopped at budget_us; or -1 after a Duktape fatal error (drop the heap,
 * as after nd_js_pcall's -2).
 */
#define ND_JS_GC_MIN_GROWTH (512 * 1024)
int nd_js_idle_gc(struct nd_js *js, int64_t budget_us);

/* After collections of idle heaps: gives memory no heap uses back to the
 * kernel (the slab pool's empty slabs beyond a reserve, malloc's free pages).
 * Worker only, outside calls. */
void nd_js_trim(void);

/* A built-in's deadline poll (ND_NATIVE_POLL): 1 when the current call's
 * deadline passed (where: the built-in, for the 503), else 0 (and the
 * watchdog's flag is lowered). */
int nd_js_native_timeout(void *udata, const char *where);

/* Appends to msg (NUL-terminated, in a buffer of msgsize) why, when it is
 * the engine's words for a feature it does not have ("identifier 'Intl'
 * undefined": ": Intl (no ICU...) is not supported by nanod's JavaScript
 * engine..."). nd_js_describe_error does it; so does the host's fail. */
void nd_js_missing_hint(char *msg, size_t msgsize);

/* "Name: message" and the stack of the value at idx (an error or anything),
 * with nd_js_missing_hint. */
void nd_js_describe_error(duk_context *ctx, duk_idx_t idx, char *msg, size_t msgsize,
                          char *stack, size_t stacksize);

/* The nd_js of a context (from the allocator's udata). */
struct nd_js *nd_js_of(duk_context *ctx);

#endif
