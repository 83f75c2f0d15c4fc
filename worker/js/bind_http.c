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

/* worker/js/duk_dispatch.inc (appended to duktape.c) */
void nd_duk_push_object_sized(void *ctx, void *proto, unsigned n);
void nd_duk_get_key(void *ctx, duk_idx_t obj_idx, void *key);
void nd_duk_def_own_key(void *ctx, duk_idx_t obj_idx, void *key);
void nd_duk_put_key(void *ctx, duk_idx_t obj_idx, void *key);
int nd_duk_sees_arg(void *ctx, void *fn, int n);
int nd_duk_has_proto(void *ctx, duk_idx_t idx, void *proto);
void nd_duk_set_new(void *ctx, duk_idx_t obj_idx, void *key);

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
 * there). Throws on too many headers or no memory. Leaves the list's
 * elements pushed (the caller's set_top or return drops them). */
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
    duk_idx_t      lbase;

    hd->n = 0;
    hd->reason = NULL;
    hd->rlen = 0;
    /* Pass 1: how much scratch. Each element is read once and kept on the
     * stack (from lbase): the list is the app's array (headers._list), an
     * index may be a getter that answers differently the second time, and
     * pass 2 must copy exactly what was measured here. */
    lbase = duk_get_top(ctx);
    if (duk_is_array(ctx, fi)) {
        nflat = (int) duk_get_length(ctx, fi);
        if (nflat / 2 > MAX_RESP_HEADERS) {
            (void) duk_error(ctx, DUK_ERR_RANGE_ERROR, "too many response headers (max %d)",
                             MAX_RESP_HEADERS);
        }
        duk_require_stack(ctx, nflat);
        for (i = 0; i < nflat; i++) {
            duk_get_prop_index(ctx, fi, (duk_uarridx_t) i);
            duk_get_lstring(ctx, -1, &slen);
            need += slen;
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

        name = duk_get_lstring(ctx, lbase + i, &nlen);
        value = duk_get_lstring(ctx, lbase + i + 1, &vlen);
        if (name == NULL || value == NULL || forbidden_response_header(name, nlen)) {
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

/* [ id status flatHeaders|null body defaultContentType|null statusText ] at
 * base..base+5 -> the host's respond; its result. */
static int
respond_at(duk_context *ctx, struct nd_js *js, duk_idx_t base)
{
    struct head          hd;
    const unsigned char *body = NULL, *s = NULL;
    unsigned char       *p;
    double               id = duk_require_number(ctx, base);
    int                  status = duk_require_int(ctx, base + 1);
    duk_size_t           blen = 0;
    int                  utf8 = 0;

    if (duk_is_string(ctx, base + 3)) {
        s = (const unsigned char *) duk_get_lstring(ctx, base + 3, &blen);
        /* Only surrogates (0xED lead bytes) need converting: else send the string. */
        utf8 = memchr(s, 0xED, blen) != NULL;
        body = s;
    } else if (duk_is_buffer_data(ctx, base + 3)) {
        body = duk_get_buffer_data(ctx, base + 3, &blen);
    }
    p = convert_head(ctx, base + 2, base + 4, base + 5, utf8 ? blen : 0, &hd);
    if (utf8) {
        blen = nd_bind_utf8(s, blen, p);
        body = p;
    }
    return ND_JS_HOST(ctx, js, respond)(js->owner, id, status, hd.reason, hd.rlen, hd.hdrs,
                                        hd.n, body, blen);
}

/* native.respond(id, status, flatHeaders|null, body, defaultContentType|null,
 *                 statusText) */
static duk_ret_t
native_respond(duk_context *ctx)
{
    duk_push_boolean(ctx, respond_at(ctx, nd_js_of(ctx), 0) == 0);
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

/*
 * The per-request bridge in C (lib.dispatch = native.dispatch): what
 * 90-dispatch.js's JS dispatch did, without its JS activation, its two
 * constructor calls, handler.call, the instanceof and a dozen closure
 * variable lookups (a third of a hello request's instructions). The handler,
 * its `this`, env and the objects it needs are handed over once by lib.load
 * (native.dispatchInit) and kept alive in the stash.
 */
/* The slot names the bridge reads and writes, interned once by dispatchInit
 * (kept alive in the stash): a key by pointer, no literal pushed per access. */
enum { K_METHOD, K_URL, K_RAW, K_BODY, K_ID, K_CURRENT, K_HEADERS, K_TYPE, K_STREAM,
       K_BODYUSED, K_STATUS, K_LIST, K_CTYPE, K_STATUSTEXT, K_TEXT, K_COUNT };

static const char *const key_names[K_COUNT] = {
    "_method", "_url", "_raw", "_body", "_id", "currentRequest", "_headers", "_type",
    "_stream", "_bodyUsed", "_status", "_list", "_ctype", "_statusText",
    "text/plain;charset=UTF-8",     /* K_TEXT: a string body's content type (a value) */
};

struct dsp {
    void *handler;
    void *hthis;
    void *env;
    void *req_proto;        /* IncomingRequest.prototype */
    void *ctx_proto;        /* Context.prototype */
    void *resp_proto;       /* Response.prototype (fixed), for the fast instanceof */
    void *construct;        /* the Response constructor's general case (JS) */
    void *respond;          /* lib.respond */
    void *jobs;             /* lib.jobs: the microtask queue (never replaced) */
    void *unhandled;        /* lib.unhandled (never replaced) */
    void *key[K_COUNT];     /* interned slot names (key_names) */
    void *memo_arr;         /* dspRefs, where the memo strings are kept alive */
    void *memo_h[ND_JS_MEMO_SLOTS];         /* the last string pushed per slot, or NULL */
    const char *memo_p[ND_JS_MEMO_SLOTS];   /* borrowed: its bytes (while kept alive) */
    size_t memo_n[ND_JS_MEMO_SLOTS];        /* its length in bytes */
    int   want_ctx;         /* can the handler see its third argument (ctx)? */
};

/* The bridge's state, made on first use (native.responseConstructor, at boot)
 * and kept in the stash: a fixed buffer (dspState) and the references it
 * holds (dspRefs: the interned strings at REF_STR.., the rest at their REF_*). */
enum { REF_DISPATCH = 0, REF_STR = 9, REF_RESP_PROTO = REF_STR + K_COUNT, REF_CONSTRUCT,
       REF_MEMO, REF_COUNT = REF_MEMO + ND_JS_MEMO_SLOTS };

static struct dsp *
dsp_state(duk_context *ctx, struct nd_js *js)
{
    struct dsp *d;
    int         i;

    if (js->dsp != NULL) {
        return js->dsp;
    }
    duk_push_global_stash(ctx);
    d = duk_push_fixed_buffer(ctx, sizeof(*d));     /* zeroed; -> [ ... stash buf ] */
    duk_put_prop_literal(ctx, -2, "dspState");
    duk_push_array(ctx);                            /* the references, kept alive */
    for (i = 0; i < REF_COUNT; i++) {               /* all slots now: no growth later */
        duk_push_undefined(ctx);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t) i);
    }
    for (i = 0; i < K_COUNT; i++) {
        duk_push_string(ctx, key_names[i]);
        d->key[i] = duk_get_heapptr(ctx, -1);
        duk_put_prop_index(ctx, -2, (duk_uarridx_t) (REF_STR + i));
    }
    d->memo_arr = duk_get_heapptr(ctx, -1);
    duk_put_prop_literal(ctx, -2, "dspRefs");
    duk_pop(ctx);
    js->dsp = d;
    return d;
}

/* [ ... v ] -> [ ... ]: dspRefs[i] = v (keeps v alive) */
static void
dsp_keep(duk_context *ctx, int i)
{
    duk_push_global_stash(ctx);
    duk_get_prop_literal(ctx, -1, "dspRefs");
    duk_dup(ctx, -3);
    duk_put_prop_index(ctx, -2, (duk_uarridx_t) i);
    duk_pop_3(ctx);
}

/* A string longer than this is not kept for the next request. */
#define MEMO_MAX 2048

void
nd_js_push_memo(struct nd_js *js, int slot, const char *s, size_t n)
{
    duk_context *ctx = js->ctx;
    struct dsp  *d = js->dsp;

    if (d != NULL && d->memo_h[slot] != NULL && d->memo_n[slot] == n
        && memcmp(d->memo_p[slot], s, n) == 0) {
        duk_push_heapptr(ctx, d->memo_h[slot]);
        return;
    }
    duk_push_lstring(ctx, s, n);
    if (d == NULL || n > MEMO_MAX) {
        return;
    }
    d->memo_h[slot] = duk_get_heapptr(ctx, -1);
    d->memo_p[slot] = duk_get_string(ctx, -1);
    d->memo_n[slot] = n;
    duk_push_heapptr(ctx, d->memo_arr);
    duk_dup(ctx, -2);
    /* an existing slot (no allocation): the old string may be freed */
    duk_put_prop_index(ctx, -2, (duk_uarridx_t) (REF_MEMO + slot));
    duk_pop(ctx);
}

/* native.dispatchInit(handler, handlerThis, env, IncomingRequest.prototype,
 *                     Context.prototype, Response.prototype, respond, jobs,
 *                     unhandled): after native.responseConstructor */
static duk_ret_t
native_dispatch_init(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    struct dsp   *d;
    int           i;

    if (!duk_is_callable(ctx, 0) || !duk_is_callable(ctx, 6)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "dispatchInit: not a function");
    }
    for (i = 3; i < 9; i++) {
        duk_require_object(ctx, i);
    }
    d = dsp_state(ctx, js);
    if (d->resp_proto != duk_get_heapptr(ctx, 5)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "dispatchInit: not the Response.prototype");
    }
    d->handler = duk_get_heapptr(ctx, 0);
    d->hthis = duk_get_heapptr(ctx, 1);             /* NULL for a primitive: undefined */
    d->env = duk_get_heapptr(ctx, 2);
    d->req_proto = duk_get_heapptr(ctx, 3);
    d->ctx_proto = duk_get_heapptr(ctx, 4);
    d->respond = duk_get_heapptr(ctx, 6);
    d->jobs = duk_get_heapptr(ctx, 7);
    d->unhandled = duk_get_heapptr(ctx, 8);
    d->want_ctx = nd_duk_sees_arg(ctx, d->handler, 3);
    for (i = 0; i < 9; i++) {
        duk_dup(ctx, i);
        dsp_keep(ctx, REF_DISPATCH + i);
    }
    return 0;
}

/* The Response constructor (native.responseConstructor made it): `new
 * Response("text")`, a string body and no init (the usual call), is done
 * here: _body and _ctype on the new object, as the JS did; anything else
 * goes to construct(self, body, init) (30-fetch-classes.js). Called without
 * new, or with a this that is not a Response (an ES5 subclass calls it on
 * its own instance): TypeError, as `this instanceof Response` decided. */
static duk_ret_t
native_response(duk_context *ctx)
{
    struct dsp *d = nd_js_of(ctx)->dsp;

    duk_set_top(ctx, 2);
    duk_push_this(ctx);                             /* 2: this */
    if (!nd_duk_has_proto(ctx, 2, d->resp_proto)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "Failed to construct 'Response': Please use "
                         "the 'new' operator, this DOM object constructor cannot be called as "
                         "a function.");
    }
    if (duk_is_undefined(ctx, 1) && duk_is_string(ctx, 0)) {
        duk_dup(ctx, 0);
        nd_duk_set_new(ctx, 2, d->key[K_BODY]);
        duk_push_heapptr(ctx, d->key[K_TEXT]);
        nd_duk_set_new(ctx, 2, d->key[K_CTYPE]);
        return 0;
    }
    duk_push_heapptr(ctx, d->construct);
    duk_push_undefined(ctx);
    duk_dup(ctx, 2);
    duk_dup(ctx, 0);
    duk_dup(ctx, 1);
    duk_call_method(ctx, 3);
    return 0;
}

/* native.responseConstructor(prototype, construct) -> Response: a native
 * constructor named Response, length 0 (as in Node and workerd), whose
 * prototype property is the given object (not writable, as a class's) and
 * whose general case is construct(self, body, init). Once per heap, at boot. */
static duk_ret_t
native_response_constructor(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    struct dsp   *d;

    duk_require_object(ctx, 0);
    if (!duk_is_callable(ctx, 1)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR, "responseConstructor: not a function");
    }
    d = dsp_state(ctx, js);
    d->resp_proto = duk_get_heapptr(ctx, 0);
    d->construct = duk_get_heapptr(ctx, 1);
    duk_dup(ctx, 0);
    dsp_keep(ctx, REF_RESP_PROTO);
    duk_dup(ctx, 1);
    dsp_keep(ctx, REF_CONSTRUCT);
    duk_push_c_function(ctx, native_response, 2);   /* 2 */
    duk_push_literal(ctx, "name");
    duk_push_literal(ctx, "Response");
    duk_def_prop(ctx, 2, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_push_literal(ctx, "length");
    duk_push_int(ctx, 0);
    duk_def_prop(ctx, 2, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_push_literal(ctx, "prototype");
    duk_dup(ctx, 0);
    duk_def_prop(ctx, 2, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WEC | DUK_DEFPROP_FORCE);
    duk_push_literal(ctx, "constructor");
    duk_dup(ctx, 2);
    duk_def_prop(ctx, 0, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
    return 1;
}

/* [ ... v ]: lib[name](id, v) on the stack's id (index 0); pops v. */
static void
call_lib2(duk_context *ctx, struct nd_js *js, const char *name, duk_idx_t vi)
{
    vi = duk_normalize_index(ctx, vi);
    duk_push_heapptr(ctx, js->lib);
    duk_get_prop_string(ctx, -1, name);             /* lazy: may load lazy/dispatch.js */
    duk_swap_top(ctx, -2);                          /* -> [ ... v fn lib ] */
    duk_dup(ctx, 0);
    duk_dup(ctx, vi);
    duk_call_method(ctx, 2);
    duk_pop_2(ctx);
}

/* lib.drain(): the microtasks a request's handler queued. */
static void
lib_drain(duk_context *ctx, struct nd_js *js)
{
    duk_push_heapptr(ctx, js->lib);
    duk_get_prop_literal(ctx, -1, "drain");
    duk_swap_top(ctx, -2);
    duk_call_method(ctx, 0);
    duk_pop(ctx);
}

/* [ ... v ] -> [ ... ]: obj[key] = v for an object of nd_duk_push_object_sized:
 * an own data property (what the assignment makes), without the assignment's
 * walk up the chain for a setter. k: K_*; d in scope. */
#define OWN(ctx, obj, k) nd_duk_def_own_key((ctx), (obj), d->key[k])

/* -> [ ... obj[key] ] */
#define SLOT(ctx, obj, k) nd_duk_get_key((ctx), (obj), d->key[k])

/* lib.currentRequest = the value at index vi */
static void
set_current(duk_context *ctx, struct nd_js *js, const struct dsp *d, duk_idx_t vi)
{
    vi = duk_normalize_index(ctx, vi);
    duk_push_heapptr(ctx, js->lib);
    duk_dup(ctx, vi);
    nd_duk_put_key(ctx, -2, d->key[K_CURRENT]);
    duk_pop(ctx);
}

/*
 * lib.respond(id, r) (30-fetch-classes.js) for the plain case, in C: a
 * Response that is not Response.error(), has no stream and whose body was not
 * read goes as nativeRespond(id, r._status, h === null ? null : h._list,
 * r._body, r._ctype, r._statusText), h = r._headers. Reads the slots in
 * lib.respond's order. 1 when answered, 0 when it is not the plain case (the
 * caller then calls lib.respond, which decides).
 */
static int
respond_plain(duk_context *ctx, struct nd_js *js, const struct dsp *d, duk_idx_t ri)
{
    duk_idx_t   base = duk_get_top(ctx);
    const char *type;

    SLOT(ctx, ri, K_HEADERS);                      /* base: h */
    SLOT(ctx, ri, K_TYPE);
    type = duk_get_string(ctx, -1);
    SLOT(ctx, ri, K_STREAM);
    SLOT(ctx, ri, K_BODYUSED);
    if ((type != NULL && strcmp(type, "error") == 0) || !duk_is_null(ctx, -2)
        || duk_to_boolean(ctx, -1)) {
        duk_set_top(ctx, base);
        return 0;
    }
    duk_dup(ctx, 0);                                /* base + 4: id */
    SLOT(ctx, ri, K_STATUS);
    if (duk_is_null(ctx, base)) {
        duk_push_null(ctx);
    } else {
        SLOT(ctx, base, K_LIST);
    }
    SLOT(ctx, ri, K_BODY);
    SLOT(ctx, ri, K_CTYPE);
    SLOT(ctx, ri, K_STATUSTEXT);
    (void) respond_at(ctx, js, base + 4);
    duk_set_top(ctx, base);
    return 1;
}

/* native.dispatch(id, method, url, raw, body|undefined): one request, as
 *   req = new IncomingRequest(method, url, raw, body); lib.currentRequest = id;
 *   try { r = handler.call(handlerThis, req, env, new Context(id)) }
 *     (the Context only for a handler that can see a third argument)
 *   catch (e) { lib.fail(id, e); lib.drain(); lib.currentRequest = -1; return }
 *   r instanceof Response ? lib.respond(id, r) : lib.settle(id, r);
 *   if (jobs.length || unhandled.length) lib.drain(); lib.currentRequest = -1; */
static duk_ret_t
native_dispatch(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    struct dsp   *d = js->dsp;

    if (d == NULL) {
        return duk_error(ctx, DUK_ERR_ERROR, "dispatch before the app's handler was found");
    }
    duk_set_top(ctx, 5);
    nd_duk_push_object_sized(ctx, d->req_proto, 4);     /* 5: req */
    duk_dup(ctx, 1);
    OWN(ctx, 5, K_METHOD);
    duk_dup(ctx, 2);
    OWN(ctx, 5, K_URL);
    duk_dup(ctx, 3);
    OWN(ctx, 5, K_RAW);
    if (!duk_is_undefined(ctx, 4)) {
        duk_dup(ctx, 4);
        OWN(ctx, 5, K_BODY);
    }
    if (d->want_ctx) {
        nd_duk_push_object_sized(ctx, d->ctx_proto, 1); /* 6: ctx */
        duk_dup(ctx, 0);
        OWN(ctx, 6, K_ID);
    } else {
        duk_push_undefined(ctx);                        /* 6: a handler that cannot see it */
    }
    set_current(ctx, js, d, 0);
    duk_push_heapptr(ctx, d->handler);
    if (d->hthis != NULL) {
        duk_push_heapptr(ctx, d->hthis);
    } else {
        duk_push_undefined(ctx);
    }
    duk_dup(ctx, 5);
    duk_push_heapptr(ctx, d->env);
    duk_dup(ctx, 6);
    if (duk_pcall_method(ctx, 3) != DUK_EXEC_SUCCESS) {
        call_lib2(ctx, js, "fail", 7);              /* -> [ ... ] (7 popped: error) */
        lib_drain(ctx, js);
        duk_push_int(ctx, -1);
        set_current(ctx, js, d, -1);
        return 0;
    }
    if (nd_duk_has_proto(ctx, 7, d->resp_proto)) {                   /* [ ... 7: r ] */
        if (!respond_plain(ctx, js, d, 7)) {
            duk_push_heapptr(ctx, d->respond);
            duk_push_undefined(ctx);
            duk_dup(ctx, 0);
            duk_dup(ctx, 7);
            duk_call_method(ctx, 2);
            duk_pop_2(ctx);
        }
    } else {
        call_lib2(ctx, js, "settle", 7);
    }
    duk_push_heapptr(ctx, d->jobs);
    duk_push_heapptr(ctx, d->unhandled);
    if (duk_get_length(ctx, -2) != 0 || duk_get_length(ctx, -1) != 0) {
        lib_drain(ctx, js);
    }
    duk_push_int(ctx, -1);
    set_current(ctx, js, d, -1);
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
        { "dispatchInit", native_dispatch_init, 9 },
        { "responseConstructor", native_response_constructor, 2 },
        { "streamBegin", native_stream_begin, 6 },
        { "streamWrite", native_stream_write, 2 },
        { "streamEnd", native_stream_end, 2 },
        { "streamFetch", native_stream_fetch, 7 },
        { "fail", native_fail, 3 },
        { "log", native_log, 3 },
        { NULL, NULL, 0 },
    };

    native = duk_normalize_index(ctx, native);
    nd_bind_put_list(ctx, native, funcs);
    /* A function object, not a lightfunc: C keeps lib.dispatch by heap pointer.
     * Named for the profiler's folded stacks (the root of every request) and
     * stack traces, where a native frame shows only its name. */
    duk_push_c_function(ctx, native_dispatch, 5);
    duk_push_literal(ctx, "name");
    duk_push_literal(ctx, "dispatch (bootstrap/bind_http.c)");
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_put_prop_literal(ctx, native, "dispatch");
}
