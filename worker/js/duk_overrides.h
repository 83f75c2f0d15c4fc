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

/* Integer fast path (amd64 has 64-bit ops). */
#undef DUK_USE_FASTINT
#define DUK_USE_FASTINT

#endif
