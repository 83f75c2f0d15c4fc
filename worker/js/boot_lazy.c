/*
 * Bootstrap files loaded on first use: worker/js/bootstrap/lazy/NAME.js,
 * embedded as nd_boot_lazy_files (Makefile: build/gen/bootstrap_lazy.c).
 * An eager bootstrap file installs globals (URL, crypto, Blob...) as
 * accessors that call native.lazyLoad("NAME") the first time they are
 * touched and run the returned function (native, global, lib).
 *
 * Each file is compiled once per process, in a scratch heap so the tenant's
 * memory and CPU limits do not pay for it (all of them when the process's
 * first heap gets its natives), and its bytecode kept; every heap then loads
 * that bytecode (like heap.c does for the eager files).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"
#include "worker/js/bootstrap.h"

extern const struct nd_boot_file nd_boot_lazy_files[];
extern const int nd_boot_lazy_nfiles;

#define MAX_LAZY 32

/* GLOBAL: bytecode per lazy file, compiled on first use in this process;
 * read-only once set (the worker is single-threaded). */
static struct {
    void  *code;
    size_t len;
} g_lazy[MAX_LAZY];

/* Compiles file i into g_lazy[i]; 0, or -1 with msg. */
static int
compile(int i, char *msg, size_t size)
{
    const struct nd_boot_file *f = &nd_boot_lazy_files[i];
    duk_context               *scratch = duk_create_heap_default();
    char                       name[128];
    void                      *buf;
    duk_size_t                 len;

    if (scratch == NULL) {
        snprintf(msg, size, "cannot create a Duktape heap");
        return -1;
    }
    snprintf(name, sizeof(name), "bootstrap/lazy/%s.js", f->name);
    duk_push_string(scratch, name);
    if (duk_pcompile_lstring_filename(scratch, DUK_COMPILE_FUNCTION | DUK_COMPILE_STRICT, f->src,
                                      f->len) != 0) {
        snprintf(msg, size, "%s: %s", name, duk_safe_to_string(scratch, -1));
        duk_destroy_heap(scratch);
        return -1;
    }
    duk_dump_function(scratch);
    buf = duk_get_buffer(scratch, -1, &len);
    g_lazy[i].code = malloc(len);
    if (g_lazy[i].code == NULL) {
        snprintf(msg, size, "out of memory");
        duk_destroy_heap(scratch);
        return -1;
    }
    memcpy(g_lazy[i].code, buf, len);
    g_lazy[i].len = len;
    duk_destroy_heap(scratch);
    return 0;
}

/* native.lazyLoad(name) -> the file's function (native, global, lib) */
static duk_ret_t
native_lazy_load(duk_context *ctx)
{
    const char *name = duk_require_string(ctx, 0);
    char        msg[512];
    void       *buf;
    int         i;

    for (i = 0; i < nd_boot_lazy_nfiles && i < MAX_LAZY; i++) {
        if (strcmp(nd_boot_lazy_files[i].name, name) == 0) {
            break;
        }
    }
    if (i == nd_boot_lazy_nfiles || i == MAX_LAZY) {
        return duk_error(ctx, DUK_ERR_ERROR, "no bootstrap file lazy/%s.js", name);
    }
    if (g_lazy[i].code == NULL && compile(i, msg, sizeof(msg)) == -1) {
        return duk_error(ctx, DUK_ERR_ERROR, "%s", msg);
    }
    buf = duk_push_fixed_buffer(ctx, g_lazy[i].len);
    memcpy(buf, g_lazy[i].code, g_lazy[i].len);
    duk_load_function(ctx);
    return 1;
}

int
nd_boot_lazy_init(char *msg, size_t size)
{
    int i, rc = 0;

    for (i = 0; i < nd_boot_lazy_nfiles && i < MAX_LAZY; i++) {
        if (g_lazy[i].code == NULL && compile(i, msg, size) == -1) {
            rc = -1;
        }
    }
    return rc;
}

void
nd_bind_lazy(duk_context *ctx, duk_idx_t native)
{
    /* GLOBAL: set once the lazy files were compiled in this process. */
    static int compiled;
    char       msg[512];

    /* With the process's first heap (outside any request's CPU budget), unless
     * nd_boot_lazy_init() ran before (e.g. before fork). A file that fails to
     * compile reports its error when it is first used. */
    if (!compiled) {
        compiled = 1;
        (void) nd_boot_lazy_init(msg, sizeof(msg));
    }
    duk_push_c_function(ctx, native_lazy_load, 1);
    duk_put_prop_string(ctx, native, "lazyLoad");
}
