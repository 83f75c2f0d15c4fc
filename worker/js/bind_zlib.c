/*
 * CompressionStream / DecompressionStream natives on zlib (Debian zlib1g):
 *
 *   native.zlibNew(format, inflate) -> handle   format 0 deflate (zlib
 *       wrapper), 1 gzip, 2 deflate-raw; inflate: decompress
 *   native.zlibPush(handle, Uint8Array|null, final) -> [Uint8Array...]
 *       feeds bytes (null: none) and returns what came out; final flushes
 *       the end (deflate) or checks that the data ended (inflate). Corrupt
 *       or truncated input throws TypeError, as the Compression standard says.
 *
 * zlib's state is allocated from the app heap's allocator (duk_alloc), so it
 * counts against memory_limit, and is freed by the handle's finalizer (or
 * once the stream ends).
 */
#include <string.h>
#include <zlib.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"

#define OUT_CHUNK 16384                 /* bytes per output Uint8Array */

struct zs {
    z_stream     z;
    duk_context *ctx;                   /* borrowed: the heap, for the allocator */
    int          inflate;
    int          live;                  /* z is initialized */
    int          ended;                 /* inflate saw Z_STREAM_END */
};

static voidpf
zs_alloc(voidpf opaque, uInt items, uInt size)
{
    struct zs *s = opaque;

    return duk_alloc(s->ctx, (duk_size_t) items * size);
}

static void
zs_free(voidpf opaque, voidpf p)
{
    struct zs *s = opaque;

    duk_free(s->ctx, p);
}

static void
zs_end(struct zs *s)
{
    if (s->live) {
        if (s->inflate) {
            inflateEnd(&s->z);
        } else {
            deflateEnd(&s->z);
        }
        s->live = 0;
    }
}

static duk_ret_t
zs_finalize(duk_context *ctx)
{
    struct zs *s;

    duk_get_prop_literal(ctx, 0, DUK_HIDDEN_SYMBOL("zs"));
    s = duk_get_buffer_data(ctx, -1, NULL);
    if (s != NULL) {
        zs_end(s);
    }
    return 0;
}

/* native.zlibNew(format, inflate) */
static duk_ret_t
native_zlib_new(duk_context *ctx)
{
    int        format = duk_require_int(ctx, 0), rc;
    int        bits = format == 1 ? 15 + 16 : format == 2 ? -15 : 15;
    struct zs *s;

    duk_push_bare_object(ctx);                          /* -> [ f inf obj ] */
    s = duk_push_fixed_buffer(ctx, sizeof(*s));         /* zeroed */
    s->ctx = ctx;
    s->inflate = duk_to_boolean(ctx, 1);
    s->z.zalloc = zs_alloc;
    s->z.zfree = zs_free;
    s->z.opaque = s;
    rc = s->inflate ? inflateInit2(&s->z, bits)
                    : deflateInit2(&s->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8,
                                   Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        return duk_error(ctx, DUK_ERR_ERROR, "zlib: cannot start (%s)",
                         rc == Z_MEM_ERROR ? "out of memory" : "bad parameters");
    }
    s->live = 1;
    duk_put_prop_literal(ctx, -2, DUK_HIDDEN_SYMBOL("zs"));
    duk_push_c_function(ctx, zs_finalize, 1);
    duk_set_finalizer(ctx, -2);
    return 1;
}

/* native.zlibPush(handle, bytes|null, final) */
static duk_ret_t
native_zlib_push(duk_context *ctx)
{
    struct zs     *s;
    duk_size_t     len = 0;
    unsigned char *in = NULL;
    int            final = duk_to_boolean(ctx, 2), rc, flush;
    duk_uarridx_t  n = 0;

    duk_require_object(ctx, 0);
    duk_get_prop_literal(ctx, 0, DUK_HIDDEN_SYMBOL("zs"));
    s = duk_get_buffer_data(ctx, -1, NULL);
    duk_pop(ctx);
    if (s == NULL) {
        return duk_type_error(ctx, "not a compression stream");
    }
    if (!duk_is_null_or_undefined(ctx, 1)) {
        in = duk_require_buffer_data(ctx, 1, &len);
    }
    duk_push_array(ctx);                                /* -> [ h in final out ] */
    if (!s->live) {
        if (len > 0 && s->inflate) {
            return duk_type_error(ctx, "DecompressionStream: data after the end of the "
                                  "compressed stream");
        }
        return 1;
    }
    s->z.next_in = in;
    s->z.avail_in = (uInt) len;
    flush = final ? Z_FINISH : Z_NO_FLUSH;
    for (;;) {
        unsigned char out[OUT_CHUNK];
        size_t        got;

        if (s->inflate && s->ended) {
            if (s->z.avail_in > 0) {
                return duk_type_error(ctx, "DecompressionStream: data after the end of the "
                                      "compressed stream");
            }
            break;
        }
        s->z.next_out = out;
        s->z.avail_out = sizeof(out);
        rc = s->inflate ? inflate(&s->z, Z_NO_FLUSH) : deflate(&s->z, flush);
        got = sizeof(out) - s->z.avail_out;
        if (got > 0) {
            void *p = duk_push_fixed_buffer(ctx, got);
            memcpy(p, out, got);
            duk_push_buffer_object(ctx, -1, 0, got, DUK_BUFOBJ_UINT8ARRAY);
            duk_remove(ctx, -2);
            duk_put_prop_index(ctx, -2, n++);
        }
        if (rc == Z_STREAM_END) {
            if (s->inflate) {
                s->ended = 1;
                continue;
            }
            break;
        }
        if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            zs_end(s);
            return duk_type_error(ctx, "DecompressionStream: the compressed data is corrupt "
                                  "(%s)", s->z.msg != NULL ? s->z.msg : "zlib data error");
        }
        if (rc == Z_MEM_ERROR) {
            return duk_error(ctx, DUK_ERR_ERROR, "zlib: out of memory");
        }
        if (rc == Z_BUF_ERROR || (s->z.avail_in == 0 && s->z.avail_out > 0)) {
            break;      /* no progress possible, or all input taken and output flushed */
        }
    }
    if (final) {
        if (s->inflate && !s->ended) {
            zs_end(s);
            return duk_type_error(ctx, "DecompressionStream: the compressed data ended too "
                                  "early");
        }
        zs_end(s);
    }
    return 1;
}

void
nd_bind_zlib(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "zlibNew", native_zlib_new, 2 },
        { "zlibPush", native_zlib_push, 3 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
