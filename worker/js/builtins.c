/*
 * The ES2015-ES2022 built-ins real libraries touch first, in C: Object.hasOwn,
 * Object.values, Object.entries, Array.from, Array.prototype at/includes/flat/flatMap,
 * Array.prototype keys/values/entries/@@iterator (the Array Iterator),
 * String.prototype at/@@iterator (the String Iterator), the getter
 * Symbol.prototype.description (ES2019; Duktape 2.7 has none: superjson
 * serializes a registered symbol as its description). Installed on a heap's
 * first touch of any of them (native.lazyLoad("es-natives") returns
 * nd_builtins_install, boot_lazy.c). They were part of core-js's es-builtins
 * group, whose first touch costs ~735 KB and 9-14 ms per heap: a hono app
 * touches these while it loads (Babel's for-of helper reads [][@@iterator]),
 * so it paid for the whole group (and Array.from, for spreading a Set). The
 * rest of es-builtins (Array.of, find, padStart, replaceAll, Math...) stays
 * core-js and lazy.
 *
 * Semantics are the spec's (ES2023 23.1.3, 20.1.2, 22.1.3): ToObject of
 * this, LengthOfArrayLike (ToLength: negative -> 0, capped at 2^53 - 1),
 * ToIntegerOrInfinity, Get that runs getters, holes skipped by flat and read
 * as undefined by includes (SameValueZero: NaN is found, -0 equals +0),
 * ArraySpeciesCreate for flat/flatMap, Array.from over the iteration protocol
 * (closing the iterator when the mapper or a define throws) or array-likes,
 * with a subclass's constructor as this, live array iterators that read the
 * length on every step (typed arrays too), code-point string iteration.
 *
 * Worker only; called from JavaScript through the natives.
 */
#include <math.h>
#include <string.h>

#include "duktape.h"
#include "worker/js/bind.h"
#include "worker/js/builtins.h"

/* worker/js/duk_collections.inc (appended to our duktape.c) */
int nd_duk_own_hidden_get(duk_context *ctx, duk_idx_t obj_idx, duk_idx_t key_idx);

#define IT_KEY      DUK_HIDDEN_SYMBOL("ndAIt")      /* iterator: [ target pos kind ] */
#define PROTO_KEY   DUK_HIDDEN_SYMBOL("ndAItProto") /* on keys/values/entries */
#define MAX_LEN     9007199254740991.0              /* 2^53 - 1 */
#define MAX_DEPTH   1000                            /* flat() recursion, C stack */

enum { IT_KEYS, IT_VALUES, IT_ENTRIES, IT_STRING };


/* ToIntegerOrInfinity of the value at idx (undefined -> 0). */
static double
to_integer(duk_context *ctx, duk_idx_t idx)
{
    double d = duk_to_number(ctx, idx);

    if (isnan(d)) {
        return 0;
    }
    return trunc(d) + 0.0;              /* -0 -> +0 */
}

/* LengthOfArrayLike(obj at idx): reads obj.length (getters run). */
static double
length_of(duk_context *ctx, duk_idx_t obj)
{
    double len;

    duk_get_prop_literal(ctx, obj, "length");
    len = to_integer(ctx, -1);
    duk_pop(ctx);
    if (len <= 0) {
        return 0;
    }
    return len > MAX_LEN ? MAX_LEN : len;
}

/* -> [ ... ToObject(this) ]; returns its index. */
static duk_idx_t
push_this_object(duk_context *ctx)
{
    duk_push_this(ctx);
    if (duk_is_null_or_undefined(ctx, -1)) {
        (void) duk_type_error(ctx, "Array.prototype method called on null or undefined");
    }
    duk_to_object(ctx, -1);
    return duk_get_top_index(ctx);
}

/* Get(obj, k) -> [ ... value ] */
static void
get_index(duk_context *ctx, duk_idx_t obj, double k)
{
    duk_push_number(ctx, k);
    duk_get_prop(ctx, obj);
}

/* Object.hasOwn(O, P) */
static duk_ret_t
object_has_own(duk_context *ctx)
{
    if (duk_is_null_or_undefined(ctx, 0)) {
        return duk_type_error(ctx, "Object.hasOwn called on null or undefined");
    }
    duk_to_object(ctx, 0);
    duk_dup(ctx, 1);
    duk_get_prop_desc(ctx, 0, 0);                       /* -> [ o p desc|undefined ] */
    duk_push_boolean(ctx, !duk_is_undefined(ctx, -1));
    return 1;
}

/* Object.values(O) (magic 0), Object.entries(O) (magic 1): own enumerable
 * string keys in order; a key deleted or made non-enumerable by an earlier
 * getter is skipped, as the spec's EnumerableOwnProperties says. */
static duk_ret_t
object_values(duk_context *ctx)
{
    int          entries = duk_get_current_magic(ctx);
    duk_uarridx_t n = 0;
    int          en;

    if (duk_is_null_or_undefined(ctx, 0)) {
        return duk_type_error(ctx, "Object.%s called on null or undefined",
                              entries ? "entries" : "values");
    }
    duk_set_top(ctx, 1);
    duk_to_object(ctx, 0);
    duk_push_array(ctx);                                /* -> [ o out ] */
    duk_enum(ctx, 0, DUK_ENUM_OWN_PROPERTIES_ONLY);     /* -> [ o out enum ] */
    while (duk_next(ctx, 2, 0)) {                       /* -> [ o out enum key ] */
        duk_dup(ctx, 3);
        duk_get_prop_desc(ctx, 0, 0);                   /* -> [ ... key desc ] */
        en = duk_is_object(ctx, -1) && duk_get_prop_literal(ctx, -1, "enumerable")
             && duk_to_boolean(ctx, -1);
        duk_set_top(ctx, 4);
        if (!en) {
            duk_pop(ctx);
            continue;
        }
        if (entries) {
            duk_push_array(ctx);                        /* -> [ ... key pair ] */
            duk_dup(ctx, 3);
            duk_put_prop_index(ctx, -2, 0);
            duk_dup(ctx, 3);
            duk_get_prop(ctx, 0);
            duk_put_prop_index(ctx, -2, 1);
        } else {
            duk_dup(ctx, 3);
            duk_get_prop(ctx, 0);
        }
        duk_put_prop_index(ctx, 1, n++);
        duk_pop(ctx);
    }
    duk_pop(ctx);
    return 1;
}

/* Array.prototype.at(index) */
static duk_ret_t
array_at(duk_context *ctx)
{
    duk_idx_t o = push_this_object(ctx);
    double    len = length_of(ctx, o), rel = to_integer(ctx, 0), k;

    k = rel >= 0 ? rel : len + rel;
    if (k < 0 || k >= len) {
        return 0;
    }
    get_index(ctx, o, k);
    return 1;
}

/* Array.prototype.includes(searchElement, fromIndex): SameValueZero */
static duk_ret_t
array_includes(duk_context *ctx)
{
    duk_idx_t o = push_this_object(ctx);
    double    len = length_of(ctx, o), n, k, a, b;
    int       num;

    if (len == 0) {
        duk_push_false(ctx);
        return 1;
    }
    n = to_integer(ctx, 1);
    if (n == INFINITY) {
        duk_push_false(ctx);
        return 1;
    }
    k = n >= 0 ? n : (len + n < 0 ? 0 : len + n);
    num = duk_is_number(ctx, 0);
    a = num ? duk_get_number(ctx, 0) : 0;
    for (; k < len; k++) {
        get_index(ctx, o, k);
        if (num && duk_is_number(ctx, -1)) {
            b = duk_get_number(ctx, -1);
            if (a == b || (isnan(a) && isnan(b))) {
                duk_push_true(ctx);
                return 1;
            }
        } else if (duk_strict_equals(ctx, 0, -1)) {
            duk_push_true(ctx);
            return 1;
        }
        duk_pop(ctx);
    }
    duk_push_false(ctx);
    return 1;
}

/* ArraySpeciesCreate(O at idx, 0) -> [ ... A ] */
static void
push_species_array(duk_context *ctx, duk_idx_t o)
{
    if (!duk_is_array(ctx, o)) {
        duk_push_array(ctx);
        return;
    }
    duk_get_prop_literal(ctx, o, "constructor");        /* -> [ ... C ] */
    if (duk_is_object(ctx, -1)) {
        duk_push_global_object(ctx);
        duk_get_prop_literal(ctx, -1, "Array");
        if (duk_strict_equals(ctx, -1, -3)) {           /* the usual case */
            duk_pop_3(ctx);
            duk_push_array(ctx);
            return;
        }
        duk_pop_2(ctx);
        duk_push_literal(ctx, DUK_WELLKNOWN_SYMBOL("Symbol.species"));
        duk_get_prop(ctx, -2);                          /* -> [ ... C S ] */
        duk_remove(ctx, -2);
        if (duk_is_null(ctx, -1)) {
            duk_pop(ctx);
            duk_push_undefined(ctx);
        }
    }
    if (duk_is_undefined(ctx, -1)) {
        duk_pop(ctx);
        duk_push_array(ctx);
        return;
    }
    if (!duk_is_constructable(ctx, -1)) {
        (void) duk_type_error(ctx, "object.constructor[Symbol.species] is not a constructor");
    }
    duk_push_int(ctx, 0);
    duk_new(ctx, 1);                                    /* -> [ ... A ] */
}

/* FlattenIntoArray(target, source, sourceLen, start, depth[, mapper, thisArg]):
 * mapper and thisArg at stack indices 0 and 1 when map is set. */
static double
flatten(duk_context *ctx, duk_idx_t target, duk_idx_t source, double len, double t,
        double depth, int map, int level)
{
    double    i;
    duk_idx_t el;

    if (level > MAX_DEPTH) {
        (void) duk_range_error(ctx, "flat(): arrays nested over %d deep (or cyclic)",
                               MAX_DEPTH);
    }
    for (i = 0; i < len; i++) {
        duk_push_number(ctx, i);
        if (!duk_has_prop(ctx, source)) {
            continue;                                   /* a hole */
        }
        get_index(ctx, source, i);
        if (map) {
            duk_dup(ctx, 0);
            duk_dup(ctx, 1);
            duk_dup(ctx, -3);
            duk_push_number(ctx, i);
            duk_dup(ctx, source);
            duk_call_method(ctx, 3);                    /* -> [ ... el mapped ] */
            duk_remove(ctx, -2);
        }
        el = duk_get_top_index(ctx);
        if (depth > 0 && duk_is_array(ctx, el)) {
            t = flatten(ctx, target, el, length_of(ctx, el), t,
                        depth == INFINITY ? depth : depth - 1, 0, level + 1);
        } else {
            if (t >= MAX_LEN) {
                (void) duk_type_error(ctx, "flat(): result too long");
            }
            duk_push_number(ctx, t);
            duk_dup(ctx, el);
            duk_def_prop(ctx, target, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                         | DUK_DEFPROP_SET_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
            t++;
        }
        duk_pop(ctx);
    }
    return t;
}

/* Array.prototype.flat(depth) */
static duk_ret_t
array_flat(duk_context *ctx)
{
    duk_idx_t o = push_this_object(ctx), a;         /* -> [ depth o ] */
    double    len = length_of(ctx, o), depth = 1;

    if (!duk_is_undefined(ctx, 0)) {
        depth = to_integer(ctx, 0);
        if (depth < 0) {
            depth = 0;
        }
    }
    push_species_array(ctx, o);
    a = duk_get_top_index(ctx);
    (void) flatten(ctx, a, o, len, 0, depth, 0, 0);
    return 1;
}

/* Array.prototype.flatMap(mapper, thisArg) */
static duk_ret_t
array_flat_map(duk_context *ctx)
{
    duk_idx_t o = push_this_object(ctx), a;         /* -> [ fn this o ] */
    double    len = length_of(ctx, o);

    if (!duk_is_callable(ctx, 0)) {
        return duk_type_error(ctx, "flatMap: mapper is not a function");
    }
    push_species_array(ctx, o);
    a = duk_get_top_index(ctx);
    (void) flatten(ctx, a, o, len, 0, 1, 1, 0);
    return 1;
}

/* Array.from's step: [ items mapfn thisArg A ... value k ] -> A[k] = mapped
 * value (CreateDataPropertyOrThrow); run under duk_safe_call so that an
 * error closes the iterator first. */
static duk_ret_t
from_step(duk_context *ctx, void *udata)
{
    duk_idx_t v = duk_get_top(ctx) - 2;

    (void) udata;
    if (!duk_is_undefined(ctx, 1)) {
        duk_dup(ctx, 1);
        duk_dup(ctx, 2);
        duk_dup(ctx, v);
        duk_dup(ctx, v + 1);
        duk_call_method(ctx, 2);                        /* -> [ ... value k mapped ] */
        duk_replace(ctx, v);
    }
    duk_dup(ctx, v + 1);
    duk_dup(ctx, v);
    duk_def_prop(ctx, 3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_SET_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    return 0;
}

/* -> [ ... A ]: new C(len) (len < 0: new C()) if this is a constructor other
 * than Array, else a new Array. */
static void
push_from_target(duk_context *ctx, double len)
{
    int plain;

    duk_push_global_object(ctx);
    duk_get_prop_literal(ctx, -1, "Array");
    duk_push_this(ctx);
    plain = duk_strict_equals(ctx, -1, -2) || !duk_is_constructable(ctx, -1);
    duk_remove(ctx, -2);
    duk_remove(ctx, -2);                                /* -> [ ... C ] */
    if (plain) {
        duk_pop(ctx);
        duk_push_array(ctx);
        return;
    }
    if (len < 0) {
        duk_new(ctx, 0);
    } else {
        duk_push_number(ctx, len);
        duk_new(ctx, 1);
    }
}

/* Array.from(items, mapfn, thisArg) */
static duk_ret_t
array_from(duk_context *ctx)
{
    double k, len;

    duk_set_top(ctx, 3);                                /* -> [ items mapfn this ] */
    if (!duk_is_undefined(ctx, 1) && !duk_is_callable(ctx, 1)) {
        return duk_type_error(ctx, "Array.from: mapper is not a function");
    }
    if (duk_is_null_or_undefined(ctx, 0)) {
        return duk_type_error(ctx, "Array.from: %s is not iterable",
                              duk_is_null(ctx, 0) ? "null" : "undefined");
    }
    duk_push_literal(ctx, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"));
    duk_get_prop(ctx, 0);                               /* GetMethod(items, @@iterator) */
    if (!duk_is_null_or_undefined(ctx, -1)) {
        if (!duk_is_callable(ctx, -1)) {
            return duk_type_error(ctx, "Array.from: items[Symbol.iterator] is not a function");
        }
        push_from_target(ctx, -1);                      /* -> [ i f t method A ] */
        duk_swap_top(ctx, -2);
        duk_dup(ctx, 0);
        duk_call_method(ctx, 0);                        /* -> [ i f t A iterator ] */
        if (!duk_is_object(ctx, 4)) {
            return duk_type_error(ctx, "Array.from: the iterator is not an object");
        }
        duk_get_prop_literal(ctx, 4, "next");           /* -> [ i f t A it next ] */
        for (k = 0;; k++) {
            duk_dup(ctx, 5);
            duk_dup(ctx, 4);
            duk_call_method(ctx, 0);                    /* -> [ ... res ] */
            if (!duk_is_object(ctx, -1)) {
                return duk_type_error(ctx, "iterator result is not an object");
            }
            duk_get_prop_literal(ctx, -1, "done");
            if (duk_to_boolean(ctx, -1)) {
                duk_pop_2(ctx);
                break;
            }
            duk_pop(ctx);
            duk_get_prop_literal(ctx, -1, "value");
            duk_remove(ctx, -2);                        /* -> [ ... value ] */
            if (k >= MAX_LEN) {
                return duk_type_error(ctx, "Array.from: too many elements");
            }
            duk_push_number(ctx, k);
            if (duk_safe_call(ctx, from_step, NULL, 2, 1) != DUK_EXEC_SUCCESS) {
                /* IteratorClose: the error wins over one from return() */
                duk_get_prop_literal(ctx, 4, "return");
                if (duk_is_callable(ctx, -1)) {
                    duk_dup(ctx, 4);
                    (void) duk_pcall_method(ctx, 0);
                }
                duk_pop(ctx);
                return duk_throw(ctx);
            }
            duk_pop(ctx);
        }
        duk_push_number(ctx, k);
        duk_put_prop_literal(ctx, 3, "length");
        duk_dup(ctx, 3);
        return 1;
    }
    duk_pop(ctx);
    duk_to_object(ctx, 0);                              /* array-like */
    len = length_of(ctx, 0);
    push_from_target(ctx, len);                         /* -> [ i f t A ] */
    for (k = 0; k < len; k++) {
        get_index(ctx, 0, k);
        duk_push_number(ctx, k);
        (void) from_step(ctx, NULL);
        duk_pop_2(ctx);
    }
    duk_push_number(ctx, len);
    duk_put_prop_literal(ctx, 3, "length");
    duk_dup(ctx, 3);
    return 1;
}

/* Array.prototype keys/values/entries/@@iterator (magic IT_*) and
 * String.prototype[@@iterator] (IT_STRING): a new iterator whose prototype
 * the running function holds. */
static duk_ret_t
make_iter(duk_context *ctx)
{
    int magic = duk_get_current_magic(ctx);

    duk_push_this(ctx);                                 /* -> [ this ] */
    if (duk_is_null_or_undefined(ctx, 0)) {
        return duk_type_error(ctx, "%s called on null or undefined",
                              magic == IT_STRING ? "String.prototype[Symbol.iterator]"
                              : "Array.prototype iterator method");
    }
    if (magic == IT_STRING) {
        duk_to_string(ctx, 0);
    } else {
        duk_to_object(ctx, 0);
    }
    duk_push_object(ctx);                               /* -> [ this it ] */
    duk_push_current_function(ctx);
    duk_get_prop_literal(ctx, -1, PROTO_KEY);
    duk_set_prototype(ctx, 1);
    duk_pop(ctx);
    duk_push_bare_array(ctx);                           /* -> [ this it st ] */
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_uint(ctx, 0);
    duk_put_prop_index(ctx, -2, 1);
    duk_push_int(ctx, magic);
    duk_put_prop_index(ctx, -2, 2);
    duk_put_prop_literal(ctx, 1, IT_KEY);
    return 1;
}

/* -> [ ... res ]: { value: <top>, done } (the value popped) */
static duk_ret_t
result(duk_context *ctx, int done)
{
    duk_push_object(ctx);
    duk_swap_top(ctx, -2);
    duk_put_prop_literal(ctx, -2, "value");
    duk_push_boolean(ctx, done);
    duk_put_prop_literal(ctx, -2, "done");
    return 1;
}

/* %ArrayIteratorPrototype%.next (magic 0), %StringIteratorPrototype%.next (1) */
static duk_ret_t
iter_next(duk_context *ctx)
{
    int          str = duk_get_current_magic(ctx), kind;
    double       pos, len;
    duk_codepoint_t c, d;

    duk_push_this(ctx);
    duk_push_literal(ctx, IT_KEY);
    if (!duk_is_object(ctx, 0) || !nd_duk_own_hidden_get(ctx, 0, 1)) {
        return duk_type_error(ctx, "next() called on an object that is not %s",
                              str ? "a String Iterator" : "an Array Iterator");
    }                                                   /* -> [ this key st ] */
    duk_get_prop_index(ctx, 2, 2);
    kind = duk_get_int(ctx, -1);
    duk_pop(ctx);
    if ((kind == IT_STRING) != str) {
        return duk_type_error(ctx, "next() called on an object that is not %s",
                              str ? "a String Iterator" : "an Array Iterator");
    }
    duk_get_prop_index(ctx, 2, 0);                      /* -> [ this key st target ] */
    if (duk_is_undefined(ctx, 3)) {
        return result(ctx, 1);
    }
    duk_get_prop_index(ctx, 2, 1);
    pos = duk_get_number(ctx, -1);
    duk_pop(ctx);
    len = str ? (double) duk_get_length(ctx, 3) : length_of(ctx, 3);
    if (pos >= len) {
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, 2, 0);                  /* done for good */
        duk_push_undefined(ctx);
        return result(ctx, 1);
    }
    if (str) {
        c = duk_char_code_at(ctx, 3, (duk_size_t) pos);
        d = pos + 1 < len ? duk_char_code_at(ctx, 3, (duk_size_t) pos + 1) : 0;
        len = c >= 0xD800 && c <= 0xDBFF && d >= 0xDC00 && d <= 0xDFFF ? 2 : 1;
        duk_substring(ctx, 3, (duk_size_t) pos, (duk_size_t) (pos + len));
        duk_push_number(ctx, pos + len);
        duk_put_prop_index(ctx, 2, 1);
        return result(ctx, 0);
    }
    duk_push_number(ctx, pos + 1);
    duk_put_prop_index(ctx, 2, 1);
    switch (kind) {
    case IT_KEYS:
        duk_push_number(ctx, pos);
        break;
    case IT_VALUES:
        get_index(ctx, 3, pos);
        break;
    default:
        duk_push_array(ctx);
        duk_push_number(ctx, pos);
        duk_put_prop_index(ctx, -2, 0);
        get_index(ctx, 3, pos);
        duk_put_prop_index(ctx, -2, 1);
        break;
    }
    return result(ctx, 0);
}

static duk_ret_t
return_this(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

/* String.prototype.at(index): a UTF-16 code unit, as charAt */
static duk_ret_t
string_at(duk_context *ctx)
{
    double len, rel, k;

    duk_push_this(ctx);
    if (duk_is_null_or_undefined(ctx, -1)) {
        return duk_type_error(ctx, "String.prototype.at called on null or undefined");
    }
    duk_to_string(ctx, -1);
    len = (double) duk_get_length(ctx, -1);
    rel = to_integer(ctx, 0);
    k = rel >= 0 ? rel : len + rel;
    if (k < 0 || k >= len) {
        return 0;
    }
    duk_substring(ctx, -1, (duk_size_t) k, (duk_size_t) k + 1);
    return 1;
}

/* get Symbol.prototype.description: this a symbol or a Symbol object. Reads
 * Duktape's internal form of the symbol (duk_bi_symbol_constructor_shared):
 * 0x80 DESC for Symbol.for(DESC); 0x81 DESC 0xff SUFFIX for Symbol(DESC),
 * with one more 0xff at the end for Symbol() (undefined description); 0x81
 * DESC 0xff for the well-known ones. Hidden symbols never reach scripts. */
static duk_ret_t
symbol_description(duk_context *ctx)
{
    const unsigned char *p, *ff;
    duk_size_t           len;

    duk_push_this(ctx);
    if (duk_is_object(ctx, -1)) {
        /* a Symbol object: its own primitive (Duktape's internal value slot;
         * the app's global Symbol and its valueOf may be anything), or a
         * TypeError below for any other object */
        duk_get_prop_literal(ctx, -1, DUK_INTERNAL_SYMBOL("Value"));
    }
    if (!duk_is_symbol(ctx, -1)) {
        return duk_type_error(ctx, "Symbol.prototype.description requires that 'this' be a Symbol");
    }
    p = (const unsigned char *) duk_get_lstring(ctx, -1, &len);
    if (p == NULL || len == 0) {
        return 0;
    }
    if (p[0] == 0x80) {
        duk_push_lstring(ctx, (const char *) p + 1, len - 1);
        return 1;
    }
    if (p[0] != 0x81) {
        return 0;
    }
    ff = memchr(p + 1, 0xff, len - 1);
    if (ff == NULL) {
        duk_push_lstring(ctx, (const char *) p + 1, len - 1);
        return 1;
    }
    if (ff != p + len - 1 && p[len - 1] == 0xff) {
        return 0;                                       /* Symbol(): undefined */
    }
    duk_push_lstring(ctx, (const char *) p + 1, (duk_size_t) (ff - (p + 1)));
    return 1;
}

/* -> [ ... proto ]: an iterator prototype (next, @@iterator, @@toStringTag) */
static void
push_iter_proto(duk_context *ctx, const char *tag, int str)
{
    const struct nd_bind_method next = { "next", iter_next, 0, 0, str };
    const struct nd_bind_method self = { "[Symbol.iterator]", return_this, 0, 0, 0 };

    duk_push_object(ctx);
    nd_bind_def_method(ctx, -1, "next", &next);
    nd_bind_def_method(ctx, -1, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"), &self);
    duk_push_literal(ctx, DUK_WELLKNOWN_SYMBOL("Symbol.toStringTag"));
    duk_push_string(ctx, tag);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* obj[key] = an iterator method (magic) whose iterators get the prototype at ip */
static void
def_iter(duk_context *ctx, duk_idx_t obj, const char *key, const char *name, int magic,
         duk_idx_t ip)
{
    const struct nd_bind_method mt = { name, make_iter, 0, 0, magic };

    obj = duk_normalize_index(ctx, obj);
    ip = duk_normalize_index(ctx, ip);
    nd_bind_def_method(ctx, obj, key, &mt);
    duk_get_prop_string(ctx, obj, key);
    duk_push_literal(ctx, PROTO_KEY);
    duk_dup(ctx, ip);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_CLEAR_CONFIGURABLE);
    duk_pop(ctx);
}

/* global[path] -> [ ... obj ] for "Object", "Array.prototype"... */
static void
push_owner(duk_context *ctx, duk_idx_t global, const char *ctor, int proto)
{
    duk_get_prop_string(ctx, global, ctor);
    if (proto) {
        duk_get_prop_literal(ctx, -1, "prototype");
        duk_remove(ctx, -2);
    }
}

duk_ret_t
nd_builtins_install(duk_context *ctx)
{
    static const struct nd_bind_method object_methods[] = {
        { "hasOwn", object_has_own, 2, 2, 0 },
        { "values", object_values, 1, 1, 0 },
        { "entries", object_values, 1, 1, 1 },
        { NULL, NULL, 0, 0, 0 }
    };
    static const struct nd_bind_method array_methods[] = {
        { "at", array_at, 1, 1, 0 },
        { "includes", array_includes, 2, 1, 0 },
        { "flat", array_flat, 1, 0, 0 },
        { "flatMap", array_flat_map, 2, 1, 0 },
        { NULL, NULL, 0, 0, 0 }
    };
    static const struct nd_bind_method string_at_m = { "at", string_at, 1, 1, 0 };
    static const struct nd_bind_method array_from_m = { "from", array_from, 3, 1, 0 };
    const struct nd_bind_method      *m;

    duk_require_object(ctx, 1);
    push_owner(ctx, 1, "Object", 0);                    /* -> [ n g l Object ] */
    for (m = object_methods; m->name != NULL; m++) {
        nd_bind_def_method(ctx, -1, m->name, m);
    }
    duk_pop(ctx);

    push_owner(ctx, 1, "Array", 0);                     /* -> [ n g l Array ] */
    nd_bind_def_method(ctx, -1, "from", &array_from_m);
    duk_pop(ctx);

    push_owner(ctx, 1, "Array", 1);                     /* -> [ n g l AP ] */
    for (m = array_methods; m->name != NULL; m++) {
        nd_bind_def_method(ctx, -1, m->name, m);
    }
    push_iter_proto(ctx, "Array Iterator", 0);          /* -> [ n g l AP ip ] */
    def_iter(ctx, -2, "keys", "keys", IT_KEYS, -1);
    def_iter(ctx, -2, "values", "values", IT_VALUES, -1);
    def_iter(ctx, -2, "entries", "entries", IT_ENTRIES, -1);
    duk_pop(ctx);
    duk_push_literal(ctx, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"));
    duk_get_prop_literal(ctx, -2, "values");            /* the same function object */
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);

    push_owner(ctx, 1, "String", 1);                    /* -> [ n g l SP ] */
    nd_bind_def_method(ctx, -1, "at", &string_at_m);
    push_iter_proto(ctx, "String Iterator", 1);
    def_iter(ctx, -2, DUK_WELLKNOWN_SYMBOL("Symbol.iterator"), "[Symbol.iterator]", IT_STRING,
             -1);
    duk_pop_2(ctx);

    push_owner(ctx, 1, "Symbol", 1);                    /* -> [ n g l SyP ] */
    duk_push_literal(ctx, "description");
    duk_push_c_function(ctx, symbol_description, 0);
    duk_push_literal(ctx, "name");
    duk_push_literal(ctx, "get description");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_CLEAR_ENUMERABLE
                 | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_pop(ctx);
    return 0;
}
