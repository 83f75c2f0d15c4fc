/*
 * App scripts: source -> compiled program. Duktape has no modules: a
 * top-level `export default` is rewritten to `module.exports =`; any other
 * import/export gets a clear error naming the line. Worker and -t check.
 */
#ifndef ND_JS_LOADER_H
#define ND_JS_LOADER_H

#include <stddef.h>

#include "duktape.h"

/* -> [ ... fn ] and 0; or -1 with *line (0 if unknown) and msg
 * ("SyntaxError: ..."), nothing pushed. */
int nd_loader_compile(duk_context *ctx, const char *file, const char *src, size_t len, int *line,
                      char *msg, size_t msgsize);

/* -> [ ... fn ] from a bytecode dump of nd_loader_compile's function, made
 * by this same binary from a checked script (common/bytecode.h checked it
 * first: Duktape trusts what it loads). The dump is read in place (no copy
 * in the heap). 0; or -1 with msg (out of memory), nothing pushed. */
int nd_loader_load(duk_context *ctx, const void *code, size_t len, char *msg, size_t msgsize);

/* duk_load_function whose inner functions load on their first closure
 * (duk-patches/80-lazy-templates.patch): [ ... extbuf ] -> [ ... fn ]; the
 * external buffer's bytes must stay valid and unchanged while the heap
 * lives (the placeholders point into them). Throws as duk_load_function. */
void nd_duk_load_function_lazy(duk_context *ctx);

/* [ ... fn ] unchanged: fn's bytecode dump, malloc'd (*len bytes), or NULL
 * (out of memory). Protected: never throws. */
void *nd_loader_dump(duk_context *ctx, size_t *len);

/*
 * Compile checks of many scripts (supervisor's -t, start and reload, run in a
 * forked child): one scratch heap, re-made every 256 scripts and after a
 * fatal error, whose allocator refuses to grow past the script's cap (so a
 * script that exhausts memory while compiling gets "out of memory" instead of
 * taking the process down) and whose fatal handler jumps back here (the heap
 * is then abandoned, not freed: callers exit soon after).
 */
struct nd_loader_checker;
struct nd_loader_checker *nd_loader_checker_new(void);
/* 0, or -1 with *line and msg. cap: bytes the compile may allocate (0 = 1 GiB). */
int nd_loader_check(struct nd_loader_checker *c, const char *file, const char *src, size_t len,
                    size_t cap, int *line, char *msg, size_t msgsize);
/* The same; on success, when code is not NULL, also the bytecode dump of the
 * compiled function in *code (malloc'd, *code_len bytes; NULL when it could
 * not be made: the script is fine, the worker will compile it). */
int nd_loader_check_dump(struct nd_loader_checker *c, const char *file, const char *src,
                         size_t len, size_t cap, int *line, char *msg, size_t msgsize,
                         void **code, size_t *code_len);
void nd_loader_checker_free(struct nd_loader_checker *c);

/* The rewrite alone (for tests): a malloc'd copy, or NULL with *line and
 * msg set when the source uses unsupported module syntax. */
char *nd_loader_transform(const char *src, size_t len, size_t *outlen, int *line, char *msg,
                          size_t msgsize);

/* The modern construct (ES2015+ syntax Duktape lacks) that most likely caused
 * a SyntaxError at `line` (0: the first anywhere), e.g. "arrow functions are",
 * with its line in *found_line; NULL when none is found. */
const char *nd_loader_diagnose(const char *src, size_t len, int line, int *found_line);

#endif
