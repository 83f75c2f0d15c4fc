/*
 * Source lines of built apps: scripts/nanod-build writes OUT.lines next to
 * OUT (which source file and line each line of OUT comes from); error logs
 * and `nanod -t` show src/index.ts:12 instead of .nanod-build/app.js:2247.
 * A few tables are cached (keyed by path, size and mtime), read on the first
 * error of an app, never at load. Pure: libc only.
 */
#ifndef ND_SRCMAP_H
#define ND_SRCMAP_H

#include <stddef.h>

/* The source of line `line` of `script`: 1 with file (relative to the
 * apps.ini directory) and *src_line set; 0 when script has no OUT.lines or
 * the line maps nowhere. */
int nd_srcmap_line(const char *script, int line, char *file, size_t fsize, int *src_line);

/* Copies `in` to `out` (NUL-terminated, truncated to size) with every
 * "script:N" whose line maps replaced by "file:M". Returns how many. */
int nd_srcmap_rewrite(const char *script, const char *in, char *out, size_t size);

/* "file:M" of the first "script:N" in text that maps: 1, else 0. */
int nd_srcmap_first(const char *script, const char *text, char *where, size_t size);

/* Drops the cached tables (tests; worker exit under ASan). */
void nd_srcmap_clear(void);

#endif
