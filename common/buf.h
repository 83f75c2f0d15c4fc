/*
 * nd_buf: growable bytes, optionally capped, and the one JSON string escaper.
 * libc only; no process state: callable anywhere (supervisor, worker, the
 * job thread on a buffer of its own).
 *
 * A zeroed struct nd_buf is an empty, growable, uncapped buffer. Live bytes
 * are p[off..len): readers consume from the front by advancing off, and
 * nd_buf_reserve() moves the live bytes down before it grows the memory.
 * An append that does not fit (allocation failure, over max, or a fixed
 * buffer full) returns -1, sets failed and appends nothing; a later,
 * smaller one may still fit, so code that builds text checks failed once at
 * the end instead of every call.
 *
 *   struct nd_buf b = { 0 };
 *   ND_BUF_ADDS(&b, "{\"msg\":\"");
 *   nd_buf_json(&b, s, strlen(s));
 *   ND_BUF_ADDS(&b, "\"}");
 *   if (b.failed) ... ; use nd_buf_str(&b), b.len - b.off ...; nd_buf_free(&b);
 */
#ifndef ND_BUF_H
#define ND_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ND_BUF_MIN 4096         /* first allocation; then doubling */

struct nd_buf {
    char    *p;             /* owned (malloc), or borrowed when fixed; NULL until used */
    size_t   off;           /* bytes before it are consumed */
    size_t   len;           /* end of the data, from p */
    size_t   cap;           /* bytes at p */
    size_t   max;           /* appends fail past max live bytes (len - off); 0 = no cap */
    unsigned fixed:1;       /* p is the caller's memory: never grown nor freed */
    unsigned failed:1;      /* an append or reserve did not fit; cleared by reset/clear */
};

/* b over the caller's memory (a stack array, a static): never allocates, so
 * it works when malloc does not (the error log). */
void nd_buf_init_fixed(struct nd_buf *b, void *mem, size_t size);
/* At least n writable bytes at p + len (write there, then add to len).
 * Moves the live bytes to the front first when that makes room. 0 or -1. */
int nd_buf_reserve(struct nd_buf *b, size_t n);
int nd_buf_add(struct nd_buf *b, const void *s, size_t n);
#define ND_BUF_ADDS(b, lit) nd_buf_add((b), (lit), sizeof(lit) - 1)
int nd_buf_u64(struct nd_buf *b, uint64_t v);              /* decimal */
int nd_buf_printf(struct nd_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s[0..n) as JSON string content (no quotes): '"' and '\\' backslashed,
 * \n \r \t, other control bytes and DEL as \u00XX, well-formed UTF-8
 * (U+2028/2029 too) as is, and each byte of an ill-formed or cut sequence as
 * \ufffd, so the output is valid UTF-8 whatever s holds. A NUL is \u0000.
 * When the whole does not fit, as much as fits is appended, never half an
 * escape or half a character, and -1 is returned (failed is set). */
int nd_buf_json(struct nd_buf *b, const char *s, size_t n);
/* The live bytes as a C string (a NUL is written after them, not counted);
 * "" when empty or when there is no room for the NUL. */
const char *nd_buf_str(struct nd_buf *b);
/* Empties b, keeping its memory. */
void nd_buf_reset(struct nd_buf *b);
/* Empties b and frees its memory unless cap <= keep (a fixed b keeps it). */
void nd_buf_clear(struct nd_buf *b, size_t keep);
/* Frees the memory (unless fixed); b is then zeroed: empty and growable. */
void nd_buf_free(struct nd_buf *b);
/* A reusable scratch area of at least need bytes (contents not kept), or
 * NULL. One b per use site, kept for the process. */
void *nd_buf_scratch(struct nd_buf *b, size_t need);

/* Bytes of the well-formed UTF-8 sequence (RFC 3629: no overlong form, no
 * surrogate, at most U+10FFFF) that starts at s, within avail bytes; 0 when
 * s[0] is ASCII or starts an ill-formed or cut sequence. */
size_t nd_utf8_len(const char *s, size_t avail);

/* Appenders into memory the caller sized (e.g. after nd_buf_reserve): each
 * writes at p and returns the end. */
char *nd_put(char *p, const void *s, size_t n);
char *nd_put_u64(char *p, uint64_t v);      /* decimal */
/* A string literal: a memcpy of a constant size, which the compiler inlines
 * (a response head is a dozen of them). */
#define ND_PUTS(p, lit) ((char *) memcpy((p), (lit), sizeof(lit) - 1) + (sizeof(lit) - 1))

#endif
