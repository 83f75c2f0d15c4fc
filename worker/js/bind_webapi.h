/*
 * Natives of the Web API bootstrap (issue 5): one install function per area,
 * called from nd_bind_push_natives() (bind.c). Worker only; every function
 * puts its natives on the object at index native.
 *
 *   bind_encoding.c  header name/value checks, base64, percent-encoding
 *   bind_url.c       the URL parser's fast path; IDNA domain to ASCII (libidn2)
 *   bind_crypto.c    random, digest, HMAC (OpenSSL libcrypto)
 *   bind_zlib.c      CompressionStream / DecompressionStream (zlib)
 *   boot_lazy.c      bootstrap files loaded on first use (bootstrap/lazy/)
 */
#ifndef ND_JS_BIND_WEBAPI_H
#define ND_JS_BIND_WEBAPI_H

#include "duktape.h"

void nd_bind_encoding(duk_context *ctx, duk_idx_t native);
/* -> [ ... decoded ]: native.pctDecode on s[0..len) (bind_encoding.c); s must
 * stay alive meanwhile (a string on the value stack). */
void nd_bind_pct_decode(duk_context *ctx, const unsigned char *s, duk_size_t len, int plus);
void nd_bind_url(duk_context *ctx, duk_idx_t native);
/* native.urlSplit (the URL parser's fast path), exported for tests/js. */
duk_ret_t nd_bind_url_split(duk_context *ctx);
/* Tests only (tests/js compares both ways): on, the URL fast paths
 * (urlSplit, urlCanonical, the lazy URL) say no and everything goes through
 * the state machine, in every heap of the process. nanod never calls it. */
void nd_bind_url_state_machine_only(int on);
void nd_bind_crypto(duk_context *ctx, duk_idx_t native);
void nd_bind_lazy(duk_context *ctx, duk_idx_t native);
/* CompressionStream natives on zlib (bind_zlib.c). */
void nd_bind_zlib(duk_context *ctx, duk_idx_t native);
void nd_bind_kv(duk_context *ctx, duk_idx_t native);       /* bind_kv.c: KV on SQLite */
void nd_bind_d1(duk_context *ctx, duk_idx_t native);       /* bind_d1.c: D1 on SQLite */

/* Compiles every bootstrap/lazy file to bytecode now (otherwise done with the
 * process's first heap, ~10-40 ms): call it before fork() so that workers
 * share the result. 0, or -1 with msg (the first error). Not thread-safe. */
int nd_boot_lazy_init(char *msg, size_t size);

/* 1 if the function at idx is a lazy accessor's getter or setter (the file
 * that should have replaced it did not): for tests/js's registry check. */
int nd_boot_lazy_is_stub(duk_context *ctx, duk_idx_t idx);

/* 1 if the function at idx is the getter of a stub standing for an ES
 * built-in (an es-* group: a data property once loaded) under the key at
 * key: duk-patches/102 (Object.getOwnPropertyDescriptor) loads it first.
 * Callable anywhere, no side effects. */
int nd_boot_lazy_is_es_stub(duk_context *ctx, duk_idx_t idx, duk_idx_t key);

/* -> [ ... key ]: the property key of a registry name (nd_lazy_provides):
 * "@@x" is Symbol.x (undefined when this engine has none), else the string. */
void nd_boot_lazy_push_key(duk_context *ctx, const char *name, size_t len);

#endif
