/*
 * The JS sampling profiler of one app heap (`profile = DIR` in apps.ini):
 * call stacks sampled about every millisecond of the worker's CPU while the
 * app's JavaScript runs, counted per distinct stack and written as folded
 * stacks ("fn (file:line);fn2 (file:line) COUNT" lines, what flamegraph.pl,
 * inferno and speedscope read) to DIR/<app>.<pid>.folded: rewritten (by
 * rename) at most once a second while samples come in, and when the heap is
 * dropped. Worker only; off (no table, no 1 ms timer) unless configured.
 */
#ifndef ND_JS_PROFILE_H
#define ND_JS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct nd_prof;

/* A profile writing dir/<app>.<pid>.folded, or NULL (out of memory). */
struct nd_prof *nd_prof_new(const char *dir, const char *app);
/* Counts one sample of stack (len bytes, no NUL needed). */
void nd_prof_add(struct nd_prof *p, const char *stack, size_t len);
/* Writes the file if samples came in since the last write and at least
 * 1 s passed (force: whenever samples came in). 0, or -1 (logged once). */
int nd_prof_flush(struct nd_prof *p, int force);
/* Flushes and frees. NULL is fine. */
void nd_prof_free(struct nd_prof *p);

/* In our duktape.c (worker/js/duk_profile.inc): the running stack of the
 * heap of ctx as a folded line without the count; its length, 0 = none. */
size_t nd_duk_profile_stack(void *ctx, char *buf, size_t size);

#endif
