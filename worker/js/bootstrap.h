/* The embedded bootstrap sources (build/gen/bootstrap.c, scripts/embed-js). */
#ifndef ND_BOOTSTRAP_H
#define ND_BOOTSTRAP_H

#include <stddef.h>

struct nd_boot_file {
    const char *name;       /* file name without ".js", e.g. "00-core" */
    const char *src;        /* NUL-terminated */
    size_t      len;
};

extern const struct nd_boot_file nd_boot_files[];
extern const int nd_boot_nfiles;

/*
 * The lazy bootstrap files and their registry (build/gen/bootstrap_lazy.c,
 * written by scripts/gen-lazy from the `provides:` lines of each
 * bootstrap/lazy/[generated/]NAME.js). At most ND_LAZY_MAX files: a bit each
 * in nd_js.lazy_loaded; one more fails the build.
 */
#define ND_LAZY_MAX 32

struct nd_lazy_file {
    const char *name;       /* without ".js", as lib.require() names it: "url" */
    const char *path;       /* for stack traces: "bootstrap/lazy/url.js" */
    const char *src;        /* NUL-terminated */
    size_t      len;
};

/* One `provides: TARGET: names` line: file defines those members of TARGET
 * ("global", "lib", "lib.Response.prototype"..., or "require": lib members
 * reached only through lib.require). */
struct nd_lazy_provide {
    int         file;       /* index in nd_boot_lazy_files */
    const char *target;
    const char *names;      /* space-separated; "@@x" is Symbol.x */
    const char *installer;  /* NULL: native.lazyProvide(obj, target) installs the
                             * accessors; else the file that does ("es-stubs") */
};

extern const struct nd_lazy_file    nd_boot_lazy_files[];
extern const int                    nd_boot_lazy_nfiles;
extern const struct nd_lazy_provide nd_lazy_provides[];
extern const int                    nd_lazy_nprovides;

#endif
