/*
 * The `native` object handed to every bootstrap file: one install function
 * per area (bind_<area>.c). Add a line here for a new area.
 */
#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/heap.h"
#include "worker/js/regexp.h"

void
nd_bind_push_natives(duk_context *ctx)
{
    duk_idx_t native;

    duk_push_bare_object(ctx);
    native = duk_get_top_index(ctx);
    nd_bind_http(ctx, native);
    nd_bind_timer(ctx, native);
    nd_bind_fetch(ctx, native);
    nd_bind_encoding(ctx, native);
    nd_bind_url(ctx, native);
    nd_bind_crypto(ctx, native);
    nd_bind_zlib(ctx, native);
    nd_bind_kv(ctx, native);
    nd_bind_d1(ctx, native);
    nd_bind_lazy(ctx, native);
    nd_re_bind(ctx, native);
}

void
nd_bind_put_list(duk_context *ctx, duk_idx_t obj, const duk_function_list_entry *funcs)
{
    obj = duk_normalize_index(ctx, obj);
    for (; funcs->key != NULL; funcs++) {
        duk_push_c_lightfunc(ctx, funcs->value, funcs->nargs, funcs->nargs == DUK_VARARGS ? 0
                             : funcs->nargs, 0);
        duk_put_prop_string(ctx, obj, funcs->key);
    }
}

static int
quiet_respond(struct nd_app *app, double id, int status, const char *reason, size_t reason_len,
              const struct nd_hdr *hdrs, int n, const void *body, size_t len)
{
    return -1;
}

static void
quiet_fail(struct nd_app *app, double id, const char *msg, const char *stack)
{
}

static void
quiet_log(struct nd_app *app, int level, const char *msg, double rq_id)
{
}

const struct nd_js_host nd_js_host_quiet = {
    .respond = quiet_respond,
    .fail = quiet_fail,
    .log = quiet_log,
};

void
nd_js_host_missing(duk_context *ctx, const char *op)
{
    (void) duk_error(ctx, DUK_ERR_ERROR, "%s: not available in this heap (no host op)", op);
}

const struct nd_app_conf *
nd_bind_app_conf(const struct nd_js *js)
{
    if (js->owner == NULL || js->host->conf == NULL || js->host->state_dir == NULL) {
        return NULL;
    }
    return js->host->conf(js->owner);
}

void
nd_bind_def_method(duk_context *ctx, duk_idx_t obj, const char *key,
                   const struct nd_bind_method *mt)
{
    obj = duk_normalize_index(ctx, obj);
    duk_push_string(ctx, key);
    duk_push_c_function(ctx, mt->fn, mt->nargs);
    duk_set_magic(ctx, -1, mt->magic);
    duk_push_literal(ctx, "name");
    duk_push_string(ctx, mt->name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                 | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_literal(ctx, "length");
    duk_push_int(ctx, mt->length);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                 | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                 | DUK_DEFPROP_CLEAR_ENUMERABLE | DUK_DEFPROP_SET_CONFIGURABLE);
}
