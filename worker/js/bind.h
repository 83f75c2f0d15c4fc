/*
 * Natives: the C functions the bootstrap reaches through its `native`
 * argument (never a global). Worker only.
 */
#ifndef ND_JS_BIND_H
#define ND_JS_BIND_H

#include <stddef.h>

#include "common/config.h"
#include "duktape.h"

struct nd_js;

/* -> [ ... native ] with every binding installed (bind.c). */
void nd_bind_push_natives(duk_context *ctx);

/* One per area: puts its functions on the native object at index native. */
void nd_bind_http(duk_context *ctx, duk_idx_t native);
void nd_bind_timer(duk_context *ctx, duk_idx_t native);     /* bind_timer.c */
void nd_bind_fetch(duk_context *ctx, duk_idx_t native);     /* bind_fetch.c */

/* Like duk_put_function_list, but as lightfuncs (a tagged value: no object
 * per native per heap; ~5 KB a heap). nargs <= 14 or DUK_VARARGS. */
void nd_bind_put_list(duk_context *ctx, duk_idx_t obj, const duk_function_list_entry *funcs);

/* A native method as other engines show it: a full function object whose
 * .name and .length read as the spec says (collections.c, builtins.c). */
struct nd_bind_method {
    const char    *name;
    duk_c_function fn;
    duk_idx_t      nargs;       /* stack args (DUK_VARARGS never) */
    int            length;      /* .length */
    int            magic;
};

/* Defines mt on the object at obj as key: writable, configurable, not
 * enumerable. -> [ ... ] */
void nd_bind_def_method(duk_context *ctx, duk_idx_t obj, const char *key,
                        const struct nd_bind_method *mt);

/* The config of the heap's app (its host's conf op), or NULL for a heap
 * without an app or a host that has no conf and state_dir ops. */
const struct nd_app_conf *nd_bind_app_conf(const struct nd_js *js);

/* Converts a Duktape string (CESU-8-ish internal form) to UTF-8: surrogate
 * pairs become 4-byte sequences, lone surrogates U+FFFD. out must hold
 * len bytes (the result is never longer). Returns the output length. */
size_t nd_bind_utf8(const unsigned char *in, size_t len, unsigned char *out);

/* A ByteString (every char <= U+00FF, as header values are) from Duktape's
 * internal UTF-8 form to one byte per char. out holds len bytes (the result
 * is never longer). Returns the output length. */
size_t nd_bind_latin1(const unsigned char *in, size_t len, unsigned char *out);

#endif
