/*
 * Our Duktape configuration, included in place of the
 * "__OVERRIDE_DEFINES__" line of Debian's duk_config.h (the Makefile patches a
 * copy in build/duk/). Changing anything here changes the bytecode format:
 * bytecode is only ever dumped and loaded inside one process.
 */
#ifndef ND_DUK_OVERRIDES_H
#define ND_DUK_OVERRIDES_H

/* CPU limit: Duktape calls the check every few thousand bytecode ops; it
 * gets the heap udata (struct nd_js *) and returns non-zero once the
 * request's deadline has passed (worker/js/heap.c). */
#define DUK_USE_INTERRUPT_COUNTER
#undef DUK_USE_EXEC_TIMEOUT_CHECK
extern int nd_js_exec_timeout_check(void *udata);
#define DUK_USE_EXEC_TIMEOUT_CHECK(udata) nd_js_exec_timeout_check((udata))

/* eval() / new Function(): our patched duktape.c calls this first (see the
 * Makefile). nd_js_codegen_allowed(heap udata) is 0 for app code, at load
 * and at request time alike (as on Workers: a library's feature detection at
 * load must see what it will get later, zod's does). */
extern int nd_js_codegen_allowed(void *udata);
#define ND_CODEGEN_CHECK(thr) do { \
        if (!nd_js_codegen_allowed((thr)->heap->heap_udata)) { \
            (void) duk_error((duk_context *) (thr), DUK_ERR_EVAL_ERROR, "%s", \
                             "code generation from strings (eval, new Function) is " \
                             "disallowed, as on Cloudflare Workers"); \
        } \
    } while (0)

/* Regex backtracking: every 64k steps, the same deadline as bytecode. */
extern int nd_js_native_timeout(void *udata, const char *where);
#define ND_REGEX_STEP_CHECK(thr, steps) do { \
        if (((steps) & 0xFFFF) == 0 && \
            nd_js_native_timeout((thr)->heap->heap_udata, "a regular expression")) { \
            (void) duk_error((duk_context *) (thr), DUK_ERR_RANGE_ERROR, "%s", \
                             "cpu_limit exceeded in a regular expression"); \
        } \
    } while (0)

/* Built-ins (join, sort, indexOf, JSON...) never reach the executor's
 * interrupt: our patched duktape.c (worker/js/duk-patches/10-*) polls
 * nd_js_deadline_flag in their loops, one load per iteration. The CPU
 * watchdog (worker/js/heap.c) raises it once the running call's deadline
 * passed; nd_duk_native_deadline() (worker/js/duk_append.inc) then checks
 * the deadline and throws RangeError "cpu_limit exceeded in <where>". */
extern volatile int nd_js_deadline_flag;
extern void nd_duk_native_deadline(void *thr, const char *where);
#define ND_NATIVE_POLL(thr, where) do { \
        if (nd_js_deadline_flag) { \
            nd_duk_native_deadline((thr), (where)); \
        } \
    } while (0)

/* Mark-and-sweep time (duk-patches/12-*): not charged to the request that
 * happens to trigger it, within a bound (worker/js/heap.c). Emergency
 * collections (an allocation failed: the app is at its memory_limit) are the
 * app's doing and stay charged. */
extern void nd_js_gc_begin(void *udata);
extern void nd_js_gc_end(void *udata);
#define ND_GC_BEGIN(udata, flags) do { \
        if (((flags) & DUK_MS_FLAG_EMERGENCY) == 0) { \
            nd_js_gc_begin((udata)); \
        } \
    } while (0)
#define ND_GC_END(udata, flags) do { \
        if (((flags) & DUK_MS_FLAG_EMERGENCY) == 0) { \
            nd_js_gc_end((udata)); \
        } \
    } while (0)

/* Density (thousands of heaps per worker): built-in functions as
 * lightfuncs (no object per built-in function) and a small initial string
 * table. Measured: see README "Density". */
#undef DUK_USE_LIGHTFUNC_BUILTINS
#define DUK_USE_LIGHTFUNC_BUILTINS
#undef DUK_USE_STRTAB_MINSIZE
#define DUK_USE_STRTAB_MINSIZE 64

/* Integer fast path (amd64 has 64-bit ops). */
#undef DUK_USE_FASTINT
#define DUK_USE_FASTINT

/* JSON.stringify without replacer/indent skips the generic encoder's
 * per-value property lookups (Response.json's path). Falls back to the
 * slow path by itself for anything unusual (Proxy, toJSON, getters). */
#undef DUK_USE_JSON_STRINGIFY_FASTPATH
#define DUK_USE_JSON_STRINGIFY_FASTPATH

/* Property tables. An object's table grows by (size + 16) / DIVISOR slots
 * when full: with 8, a hono request's objects were reallocated and copied
 * ~320 times (0 -> 2 -> 4 -> 6 -> 8 -> 11 ...; its Context has ~30
 * properties); with 4, 0 -> 4 -> 9 -> 15 -> 22. A hash part only from 16
 * properties (was 8): below that a lookup scans the keys, and small objects
 * carry no hash array. The hono app (callgrind, README "Performance"):
 * -4% instructions per request; a loaded hono heap +2 KB, a bare heap
 * -2 KB. (Divisor 2: -2% more, but +23 KB per hono heap and +8 KB per bare
 * heap: not kept.) */
#undef DUK_USE_HOBJECT_HASH_PROP_LIMIT
#define DUK_USE_HOBJECT_HASH_PROP_LIMIT 16
#undef DUK_USE_HOBJECT_ENTRY_MINGROW_DIVISOR
#define DUK_USE_HOBJECT_ENTRY_MINGROW_DIVISOR 4

/* JSON.stringify writes U+2028 and U+2029 as they are (ES2019, V8): Duktape
 * escaped them as \u2028 for JSONP's sake, and a Worker's Response.json
 * differed from Workers'. Lone surrogates: duk-patches/121. */
#undef DUK_USE_NONSTD_JSON_ESC_U2028_U2029

/* Date strings as V8 writes and reads them (toString, toUTCString, the
 * toLocale* en-US forms, and Date.parse of HTTP dates and of toString's
 * output): worker/js/duk_date.inc, appended to duktape.c, declared by
 * duk-patches/120, which also sends every format but toISOString's here. */
#define DUK_USE_DATE_FORMAT_STRING(ctx, parts, tzoffset, flags) \
    nd_duk_date_format((ctx), (parts), (tzoffset), (flags))
#define DUK_USE_DATE_PARSE_STRING(ctx, str) nd_duk_date_parse((ctx), (str))

#endif
