/* nd_err / nd_errs: located errors, filled by library-style modules. */
#include <stdarg.h>
#include <stdio.h>

#include "common/err.h"

void
nd_errs_add(struct nd_errs *errs, const char *file, int line, const char *fmt, ...)
{
    struct nd_err *e;
    va_list        ap;

    if (errs->n >= ND_ERRS_MAX) {
        errs->dropped++;
        return;
    }
    e = &errs->e[errs->n++];
    snprintf(e->file, sizeof(e->file), "%s", file != NULL ? file : "");
    e->line = line;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

void
nd_err_format(const struct nd_err *err, char *buf, size_t size)
{
    if (size == 0) {
        return;
    }
    if (err->file[0] != '\0' && err->line > 0) {
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->msg);
    } else if (err->file[0] != '\0') {
        snprintf(buf, size, "%s: %s", err->file, err->msg);
    } else {
        snprintf(buf, size, "%s", err->msg);
    }
}
