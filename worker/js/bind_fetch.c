/*
 * native.fetchStart / fetchAbort / fetchPending: the C half of fetch()
 * (bootstrap/lazy/fetch.js). Plain values in; the result comes back later
 * through lib.fetchDone (worker/fetch.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "worker/js/bind.h"
#include "worker/js/heap.h"

#define MAX_REQ_HEADERS 1024

/* GLOBAL: scratch for one fetchStart (single-threaded worker; nd_fetch_start
 * copies what it keeps). Kept across calls so that a Duktape error never
 * leaks it. */
static struct {
    struct nd_buf buf;
    const char       *hdrs[2 * MAX_REQ_HEADERS];
    size_t            lens[2 * MAX_REQ_HEADERS];
} g_fetch_scratch;

/* native.fetchStart(id, invocation, method, url, flatHeaders, body, redirect 0|1|2) */
static duk_ret_t
native_fetch_start(duk_context *ctx)
{
    struct nd_js        *js = nd_js_of(ctx);
    struct nd_fetch_req  r;
    const unsigned char *method, *url, *sbody = NULL;
    unsigned char       *buf, *p;
    duk_size_t           mlen, ulen, blen = 0, len;
    size_t               need;
    char                 msg[1024];
    int                  nflat = 0, i, te;

    memset(&r, 0, sizeof(r));
    r.id = duk_require_number(ctx, 0);
    r.io = duk_require_number(ctx, 1);
    method = (const unsigned char *) duk_require_lstring(ctx, 2, &mlen);
    url = (const unsigned char *) duk_require_lstring(ctx, 3, &ulen);
    r.redirect = (enum nd_fetch_redirect) duk_get_int(ctx, 6);
    need = mlen + ulen + 2;
    if (duk_is_array(ctx, 4)) {
        nflat = (int) duk_get_length(ctx, 4) & ~1;
        if (nflat / 2 > MAX_REQ_HEADERS) {
            return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch: too many request headers (max %d)",
                             MAX_REQ_HEADERS);
        }
        /* Each element read once and kept on the stack (top 7..): the list
         * is the app's array (headers._list), an index may be a getter that
         * answers differently the second time, and the copy below must fit
         * what was measured here. */
        duk_set_top(ctx, 7);
        duk_require_stack(ctx, nflat);
        for (i = 0; i < nflat; i++) {
            duk_get_prop_index(ctx, 4, (duk_uarridx_t) i);
            if (duk_get_lstring(ctx, -1, &len) == NULL) {
                return duk_error(ctx, DUK_ERR_TYPE_ERROR, "fetch: bad request header list");
            }
            need += len + 1;
        }
    }
    if (duk_is_string(ctx, 5)) {
        sbody = (const unsigned char *) duk_get_lstring(ctx, 5, &blen);
        need += blen + 1;
    } else if (duk_is_buffer_data(ctx, 5)) {
        r.body = duk_get_buffer_data(ctx, 5, &blen);
        r.body_len = blen;
        if (r.body == NULL) {
            r.body = "";
        }
    }
    buf = nd_buf_scratch(&g_fetch_scratch.buf, need);
    if (buf == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "fetch: out of memory");
    }
    p = buf;
    r.method = (const char *) p;
    memcpy(p, method, mlen);
    p[mlen] = '\0';
    p += mlen + 1;
    r.url = (const char *) p;
    p += nd_bind_utf8(url, ulen, p);
    *p++ = '\0';
    for (i = 0; i < nflat; i++) {
        const unsigned char *s;

        s = (const unsigned char *) duk_get_lstring(ctx, 7 + i, &len);
        g_fetch_scratch.hdrs[i] = (const char *) p;
        g_fetch_scratch.lens[i] = (i & 1) ? nd_bind_latin1(s, len, p) : len;
        if (!(i & 1)) {
            memcpy(p, s, len);
        }
        p += g_fetch_scratch.lens[i];
        *p++ = '\0';
    }
    r.hdrs = g_fetch_scratch.hdrs;
    r.hdr_lens = g_fetch_scratch.lens;
    r.nhdrs = nflat / 2;
    if (sbody != NULL) {
        r.body = p;
        r.body_len = nd_bind_utf8(sbody, blen, p);
    }
    if (ND_JS_HOST(ctx, js, fetch_start)(js->owner, &r, &te, msg, sizeof(msg)) == -1) {
        return duk_error(ctx, te ? DUK_ERR_TYPE_ERROR : DUK_ERR_ERROR, "%s", msg);
    }
    return 0;
}

/* native.fetchAbort(id) -> was pending */
static duk_ret_t
native_fetch_abort(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    duk_push_boolean(ctx, ND_JS_HOST(ctx, js, fetch_abort)(js->owner, duk_require_number(ctx, 0)));
    return 1;
}

/* native.fetchPending(id) */
static duk_ret_t
native_fetch_pending(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);

    duk_push_boolean(ctx, ND_JS_HOST(ctx, js, fetch_pending)(js->owner,
                                                             duk_require_number(ctx, 0)));
    return 1;
}

/* native.fetchRead(id, max) -> Uint8Array | null | [] | [errorName, message] */
static duk_ret_t
native_fetch_read(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    double        max = duk_require_number(ctx, 1);

    ND_JS_HOST(ctx, js, fetch_read)(js->owner, duk_require_number(ctx, 0),
                                    max >= 1 ? (size_t) max : 1, ctx);
    return 1;
}

void
nd_bind_fetch(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "fetchStart", native_fetch_start, 7 },
        { "fetchAbort", native_fetch_abort, 1 },
        { "fetchPending", native_fetch_pending, 1 },
        { "fetchRead", native_fetch_read, 2 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
