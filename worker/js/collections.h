/*
 * Native Map, Set, WeakMap, WeakSet (worker/js/collections.c). Worker only.
 */
#ifndef ND_JS_COLLECTIONS_H
#define ND_JS_COLLECTIONS_H

#include "duktape.h"

/* (native, global, lib) -> undefined: defines global.Map, Set, WeakMap and
 * WeakSet. native.lazyLoad("es-collections") returns it (boot_lazy.c) on a
 * heap's first touch of any of the four. */
duk_ret_t nd_collections_install(duk_context *ctx);

#endif
