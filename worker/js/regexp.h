/*
 * RegExp on PCRE2 (32-bit library, JIT): JavaScript patterns (ES2022: flags
 * dgimsuy, named groups, lookbehind, \p{...}) are translated into PCRE2
 * syntax with JavaScript's meaning, and matched over the subject as UTF-16
 * code units (code points under 'u'), indices mapped back to JavaScript's. Duktape's own regexp
 * compiler and executor are routed here by worker/js/duk-patches/
 * 10-regexp-pcre2.patch. Worker only (one thread); any heap.
 *
 * The "bytecode" a RegExp object keeps (Duktape's internal \x82Bytecode
 * string) is ours: a flags byte, the capture count and group names, then
 * the PCRE2 pattern. Compiled code lives in a per-process cache keyed by
 * that string (bounded; see regexp.c), never in the tenant's heap.
 */
#ifndef ND_JS_REGEXP_H
#define ND_JS_REGEXP_H

#include "duktape.h"

/* Flag bits of the bytecode's first byte (g, i, m as Duktape's). */
#define ND_RE_GLOBAL   0x01
#define ND_RE_ICASE    0x02
#define ND_RE_MULTI    0x04
#define ND_RE_DOTALL   0x08
#define ND_RE_UNICODE  0x10
#define ND_RE_STICKY   0x20
#define ND_RE_INDICES  0x40

/* [ ... pattern flags ] -> [ ... escaped_source bytecode ]; SyntaxError on
 * a bad pattern or flags (the contract of Duktape's duk_regexp_compile). */
void nd_re_compile(duk_context *ctx);

/* [ ... regexp input ] -> [ ... result-or-null ]: RegExpBuiltinExec
 * (lastIndex read and written per ES2022). mode: ND_RE_EXEC_GLOBAL (as if
 * 'g': Duktape's replace/split/match loops), ND_RE_EXEC_TEST (true instead
 * of a result array: RegExp.prototype.test). */
#define ND_RE_EXEC_GLOBAL 1
#define ND_RE_EXEC_TEST   2
void nd_re_exec(duk_context *ctx, int mode);

/* Called after Duktape made a RegExp instance: loads lazy/regexp.js (the
 * prototype's ES2015+ members) into this heap the first time. */
void nd_re_instance_made(duk_context *ctx);

/* RegExp(pattern, flags), ES2022 22.2.3.1 steps 1-6, for Duktape's
 * constructor (duk-patches/31): [ pattern flags ] -> 1 and [ ... pattern ]
 * when the call returns the pattern itself, else 0 and [ ... P F ] (the
 * source and flags strings to compile). May throw (getters run). */
int nd_re_ctor_args(duk_context *ctx, int is_new);

/* The natives of lazy/regexp.js, put on native: reSymbol(name),
 * reFlags(re) (the flag bits, -1 if not a RegExp), reInfo(re)
 * ([ncaptures, names...]). */
void nd_re_bind(duk_context *ctx, duk_idx_t native_idx);

/* Frees the compiled-code cache (process exit, tests). */
void nd_re_cache_clear(void);

#endif
