/*
 * nd_err: one located error ("file:line: msg"), and nd_errs, a capped list
 * of them. Library-style modules (config, listen, loader) fill these and
 * never log; the caller prints or logs each once.
 */
#ifndef ND_ERR_H
#define ND_ERR_H

#include <stddef.h>

#define ND_ERRS_MAX 64

struct nd_err {
    char file[256];             /* "" when the error has no file */
    int  line;                  /* 0 when the error has no line */
    char msg[512];
};

struct nd_errs {
    int           n;            /* entries used in e[] */
    int           dropped;      /* errors past ND_ERRS_MAX, counted only */
    struct nd_err e[ND_ERRS_MAX];
};

/* Appends one error; file may be NULL, line 0. Never fails (drops past cap). */
void nd_errs_add(struct nd_errs *errs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "file:line: msg", "file: msg" or "msg" into buf (always NUL-terminated). */
void nd_err_format(const struct nd_err *err, char *buf, size_t size);

#endif
