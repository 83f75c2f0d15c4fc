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

#endif
