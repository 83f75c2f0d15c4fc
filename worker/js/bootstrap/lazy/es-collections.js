/*
 * Map, Set, WeakMap, WeakSet and their iterators: native, in C
 * (worker/js/collections.c; core-js's polyfill, which this file held, cost
 * ~1.2 MB and 10-13 ms per heap on first touch). This file only names the
 * group: native.lazyLoad("es-collections") returns the C installer
 * (worker/js/boot_lazy.c), never this function.
 * Loaded on first touch of Map, Set, WeakMap, WeakSet (es-stubs.js, whose
 * table tools/gen-polyfills.js keeps; it does not write this file).
 *
 * provides: global: Map Set WeakMap WeakSet
 * installed-by: es-stubs
 */
function (native, global, lib) {
    "use strict";
    throw new Error("es-collections is native (worker/js/collections.c)");
}
