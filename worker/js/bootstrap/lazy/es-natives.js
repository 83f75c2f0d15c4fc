/*
 * Object.hasOwn/values/entries, Array.from, Array.prototype at/includes/flat/flatMap/
 * keys/values/entries/@@iterator, String.prototype at/@@iterator,
 * Symbol.prototype.description (a getter): native, in
 * C (worker/js/builtins.c; they were in core-js's es-builtins group, whose
 * first touch costs ~735 KB and 9-14 ms per heap). This file only names the
 * group: native.lazyLoad("es-natives") returns the C installer
 * (worker/js/boot_lazy.c), never this function.
 * Loaded on first touch of any of them (es-stubs.js, whose table
 * tools/gen-polyfills.js keeps; it does not write this file).
 *
 * provides: global.Array: from
 * provides: global.Array.prototype: includes flat flatMap entries keys values at @@iterator
 * provides: global.String.prototype: at @@iterator
 * provides: global.Object: entries values hasOwn
 * provides: global.Symbol.prototype: description
 * installed-by: es-stubs
 */
function (native, global, lib) {
    "use strict";
    throw new Error("es-natives is native (worker/js/builtins.c)");
}
