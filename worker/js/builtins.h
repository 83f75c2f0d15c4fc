/*
 * Native ES2015-ES2022 built-ins a heap touches first (worker/js/builtins.c):
 * Object.hasOwn/values/entries, Array.prototype at/includes/flat/flatMap and
 * its iterators, String.prototype at/@@iterator. Worker only.
 */
#ifndef ND_JS_BUILTINS_H
#define ND_JS_BUILTINS_H

#include "duktape.h"

/* (native, global, lib) -> undefined: defines them on global's Object,
 * Array.prototype and String.prototype. native.lazyLoad("es-natives")
 * returns it (boot_lazy.c) on a heap's first touch of any of them. */
duk_ret_t nd_builtins_install(duk_context *ctx);

#endif
