/*
 * native.respond / native.fail / native.log: the request side of the bridge.
 * The answer goes straight to the host's respond (the worker's nd_app_respond,
 * which writes it: one writev).
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "worker/js/bind.h"
#include "worker/js/heap.h"

#define MAX_RESP_HEADERS 256

/* GLOBAL: scratch for converting one response; the worker is single-threaded
 * and nd_http_respond copies what it is given. */
static struct nd_buf g_scratch;

size_t
nd_bind_utf8(const unsigned char *in, size_t len, unsigned char *out)
{
    size_t i = 0, o = 0;

    while (i < len) {
        unsigned char c = in[i];
        if (c == 0xED && i + 2 < len && (in[i + 1] & 0xE0) == 0xA0) {
            /* A surrogate, U+D800..U+DFFF, in 3-byte form. */
            unsigned hi = 0xD000u | ((in[i + 1] & 0x3Fu) << 6) | (in[i + 2] & 0x3Fu);
            if (hi < 0xDC00 && i + 5 < len && in[i + 3] == 0xED && (in[i + 4] & 0xF0) == 0xB0) {
                unsigned lo = 0xD000u | ((in[i + 4] & 0x3Fu) << 6) | (in[i + 5] & 0x3Fu);
                unsigned cp = 0x10000u + ((hi - 0xD800u) << 10) + (lo - 0xDC00u);
                out[o++] = (unsigned char) (0xF0 | (cp >> 18));
                out[o++] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
                out[o++] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
                out[o++] = (unsigned char) (0x80 | (cp & 0x3F));
                i += 6;
            } else {
                out[o++] = 0xEF;
                out[o++] = 0xBF;
                out[o++] = 0xBD;
                i += 3;
            }
            continue;
        }
        out[o++] = c;
        i++;
    }
    return o;
}

size_t
nd_bind_latin1(const unsigned char *in, size_t len, unsigned char *out)
{
    size_t i = 0, o = 0;

    while (i < len) {
        if ((in[i] == 0xC2 || in[i] == 0xC3) && i + 1 < len) {
            out[o++] = (unsigned char) (((in[i] & 0x03) << 6) | (in[i + 1] & 0x3F));
            i += 2;
        } else {
            out[o++] = in[i++];
        }
    }
    return o;
}

static int
forbidden_response_header(const char *name, size_t len)
{
    return (len == 14 && strncmp(name, "content-length", 14) == 0)
        || (len == 17 && strncmp(name, "transfer-encoding", 17) == 0)
        || (len == 10 && strncmp(name, "connection", 10) == 0)
        || (len == 10 && strncmp(name, "keep-alive", 10) == 0)
        || (len == 4 && strncmp(name, "date", 4) == 0)
        || (len == 7 && strncmp(name, "upgrade", 7) == 0);    /* no WebSockets (yet) */
}

/* A response head from JS: [flat|null at fi, default content type at ci,
 * statusText at ri]; extra: more scratch bytes after it (*tail points
 * there). Throws on too many headers or no memory. */
struct head {
    struct nd_hdr  hdrs[MAX_RESP_HEADERS + 1];
    int            n;
    const char    *reason;
    duk_size_t     rlen;
};

static unsigned char *
convert_head(duk_context *ctx, duk_idx_t fi, duk_idx_t ci, duk_idx_t ri, duk_size_t extra,
             struct head *hd)
{
    unsigned char *buf, *p;
    duk_size_t     need = extra, slen;
    int            have_ctype = 0, i, nflat = 0;

    hd->n = 0;
    hd->reason = NULL;
    hd->rlen = 0;
    /* Pass 1: how much scratch. */
    if (duk_is_array(ctx, fi)) {
        nflat = (int) duk_get_length(ctx, fi);
        if (nflat / 2 > MAX_RESP_HEADERS) {
            (void) duk_error(ctx, DUK_ERR_RANGE_ERROR, "too many response headers (max %d)",
                             MAX_RESP_HEADERS);
        }
        for (i = 0; i < nflat; i++) {
            duk_get_prop_index(ctx, fi, (duk_uarridx_t) i);
            duk_get_lstring(ctx, -1, &slen);
            need += slen;
            duk_pop(ctx);
        }
    }
    if (duk_is_string(ctx, ri)) {
        duk_get_lstring(ctx, ri, &hd->rlen);
        need += hd->rlen;
    }
    buf = nd_buf_scratch(&g_scratch, need + 1);
    if (buf == NULL) {
        (void) duk_error(ctx, DUK_ERR_ERROR, "out of memory while writing the response");
    }
    p = buf;
    for (i = 0; i + 1 < nflat; i += 2) {
        const char *name, *value;
        duk_size_t  nlen, vlen;

        duk_get_prop_index(ctx, fi, (duk_uarridx_t) i);
        duk_get_prop_index(ctx, fi, (duk_uarridx_t) i + 1);
        name = duk_get_lstring(ctx, -2, &nlen);
        value = duk_get_lstring(ctx, -1, &vlen);
        if (name == NULL || value == NULL || forbidden_response_header(name, nlen)) {
            duk_pop_2(ctx);
            continue;
        }
        hd->hdrs[hd->n].name = (const char *) p;
        memcpy(p, name, nlen);
        hd->hdrs[hd->n].name_len = nlen;
        p += nlen;
        hd->hdrs[hd->n].value = (const char *) p;
        hd->hdrs[hd->n].value_len = nd_bind_latin1((const unsigned char *) value, vlen, p);
        p += hd->hdrs[hd->n].value_len;
        have_ctype |= nlen == 12 && memcmp(name, "content-type", 12) == 0;
        hd->n++;
        duk_pop_2(ctx);
    }
    if (!have_ctype && duk_is_string(ctx, ci)) {
        duk_size_t clen;
        hd->hdrs[hd->n].name = "content-type";
        hd->hdrs[hd->n].name_len = 12;
        hd->hdrs[hd->n].value = duk_get_lstring(ctx, ci, &clen);
        hd->hdrs[hd->n].value_len = clen;
        hd->n++;
    }
    if (hd->rlen > 0) {
        /* statusText is a ByteString (the constructor checked it). */
        const unsigned char *s = (const unsigned char *) duk_get_lstring(ctx, ri, &hd->rlen);
        hd->reason = (const char *) p;
        hd->rlen = nd_bind_latin1(s, hd->rlen, p);
        p += hd->rlen;
    }
    return p;
}

/* native.respond(id, status, flatHeaders|null, body, defaultContentType|null,
 *                 statusText) */
static duk_ret_t
native_respond(duk_context *ctx)
{
    struct nd_js  *js = nd_js_of(ctx);
    struct head    hd;
    const unsigned char *body = NULL;
    unsigned char *p;
    double         id = duk_require_number(ctx, 0);
    int            status = duk_require_int(ctx, 1);
    duk_size_t     blen = 0;
    int            rc;

    if (duk_is_string(ctx, 3)) {
        duk_get_lstring(ctx, 3, &blen);
    } else if (duk_is_buffer_data(ctx, 3)) {
        body = duk_get_buffer_data(ctx, 3, &blen);
    }
    p = convert_head(ctx, 2, 4, 5, duk_is_string(ctx, 3) ? blen : 0, &hd);
    if (duk_is_string(ctx, 3)) {
        const unsigned char *s = (const unsigned char *) duk_get_lstring(ctx, 3, &blen);
        blen = nd_bind_utf8(s, blen, p);
        body = p;
    }
    rc = ND_JS_HOST(ctx, js, respond)(js->owner, id, status, hd.reason, hd.rlen, hd.hdrs, hd.n,
                                      body, blen);
    duk_push_boolean(ctx, rc == 0);
    return 1;
}

/* native.streamBegin(id, status, flatHeaders|null, defaultContentType|null,
 *                    statusText, length (-1: unknown, chunked)) -> 0, 1 (the
 * head is out and no body may follow: end now), -1 (the request is gone). */
static duk_ret_t
native_stream_begin(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    struct head   hd;
    double        id = duk_require_number(ctx, 0);
    int           status = duk_require_int(ctx, 1);
    double        len = duk_get_number_default(ctx, 5, -1);

    convert_head(ctx, 2, 3, 4, 0, &hd);
    duk_push_int(ctx, js->owner == NULL ? -1
                      : ND_JS_HOST(ctx, js, stream_begin)(js->owner, id, status, hd.reason,
                                                          hd.rlen, hd.hdrs, hd.n,
                                                          len >= 0 ? (int64_t) len : -1));
    return 1;
}

/* native.streamFetch(id, fetchId, status, flatHeaders|null, defaultContentType|null,
 *                    statusText, length) -> true, or false when either is gone:
 * fetch fetchId's streaming body becomes request id's response body, moved
 * by C (worker/fetch.c). */
static duk_ret_t
native_stream_fetch(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    struct head   hd;
    double        id = duk_require_number(ctx, 0), fid = duk_require_number(ctx, 1);
    int           status = duk_require_int(ctx, 2);
    double        len = duk_get_number_default(ctx, 6, -1);

    convert_head(ctx, 3, 4, 5, 0, &hd);
    duk_push_boolean(ctx, js->owner != NULL
                          && ND_JS_HOST(ctx, js, fetch_splice)(js->owner, fid, id, status,
                                                               hd.reason, hd.rlen, hd.hdrs, hd.n,
                                                               len >= 0 ? (int64_t) len : -1)
                             == 0);
    return 1;
}

/* native.streamWrite(id, bufferSource) -> 0, 1 (over the high-water mark:
 * wait for lib.streamEvent), -1 (gone) */
static duk_ret_t
native_stream_write(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    duk_size_t    len = 0;
    const void   *data = duk_require_buffer_data(ctx, 1, &len);

    duk_push_int(ctx, js->owner == NULL ? -1
                      : ND_JS_HOST(ctx, js, stream_write)(js->owner,
                                                          duk_require_number(ctx, 0), data, len));
    return 1;
}

/* native.streamEnd(id, abort) */
static duk_ret_t
native_stream_end(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    if (js->owner != NULL) {
        ND_JS_HOST(ctx, js, stream_end)(js->owner, duk_require_number(ctx, 0),
                                        duk_to_boolean(ctx, 1));
    }
    return 0;
}

/* native.fail(id, message, stack) */
static duk_ret_t
native_fail(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    ND_JS_HOST(ctx, js, fail)(js->owner, duk_require_number(ctx, 0), duk_safe_to_string(ctx, 1),
                              duk_is_string(ctx, 2) ? duk_get_string(ctx, 2) : "");
    return 0;
}

/* native.log(level 0..3, message, requestId|undefined) */
static duk_ret_t
native_log(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    int           level = duk_get_int(ctx, 0);

    if (level < ND_LOG_DEBUG || level > ND_LOG_ERROR) {
        level = ND_LOG_INFO;
    }
    ND_JS_HOST(ctx, js, log)(js->owner, level, duk_safe_to_string(ctx, 1),
                             duk_is_number(ctx, 2) ? duk_get_number(ctx, 2) : -1);
    return 0;
}

void
nd_bind_http(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "respond", native_respond, 6 },
        { "streamBegin", native_stream_begin, 6 },
        { "streamWrite", native_stream_write, 2 },
        { "streamEnd", native_stream_end, 2 },
        { "streamFetch", native_stream_fetch, 7 },
        { "fail", native_fail, 3 },
        { "log", native_log, 3 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
