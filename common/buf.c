/*
 * Growable bytes and the JSON string escaper (see buf.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

void
nd_buf_init_fixed(struct nd_buf *b, void *mem, size_t size)
{
    memset(b, 0, sizeof(*b));
    b->p = mem;
    b->cap = size;
    b->fixed = 1;
}

int
nd_buf_reserve(struct nd_buf *b, size_t n)
{
    size_t  live = b->len - b->off, cap;
    char   *p;

    if (b->max > 0 && (live > b->max || n > b->max - live)) {
        goto fail;
    }
    if (b->cap - b->len >= n) {
        return 0;
    }
    if (b->off > 0) {
        memmove(b->p, b->p + b->off, live);
        b->off = 0;
        b->len = live;
        if (b->cap - b->len >= n) {
            return 0;
        }
    }
    if (b->fixed || n > SIZE_MAX - b->len) {
        goto fail;
    }
    cap = b->cap > 0 ? b->cap : ND_BUF_MIN;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            cap = SIZE_MAX;         /* b->len + n fits: n <= SIZE_MAX - len */
            break;
        }
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (p == NULL) {
        goto fail;
    }
    b->p = p;
    b->cap = cap;
    return 0;

fail:
    b->failed = 1;
    return -1;
}

int
nd_buf_add(struct nd_buf *b, const void *s, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (nd_buf_reserve(b, n) == -1) {
        return -1;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

int
nd_buf_u64(struct nd_buf *b, uint64_t v)
{
    char tmp[24];

    return nd_buf_add(b, tmp, (size_t) (nd_put_u64(tmp, v) - tmp));
}

int
nd_buf_printf(struct nd_buf *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || nd_buf_reserve(b, (size_t) n + 1) == -1) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
    return 0;
}

size_t
nd_utf8_len(const char *str, size_t avail)
{
    const unsigned char *s = (const unsigned char *) str;
    unsigned char        c = s[0];
    unsigned char        lo = 0x80, hi = 0xBF;
    size_t               n, i;

    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n > avail || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* Bytes of the character at s that JSON takes as is (printable ASCII but '"'
 * and '\\', or a well-formed UTF-8 sequence); 0 when it needs an escape. */
static size_t
json_plain(const char *s, size_t avail)
{
    unsigned char c = (unsigned char) s[0];

    if (c >= 0x80) {
        return nd_utf8_len(s, avail);
    }
    return c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
}

/* The escape of byte c, which json_plain() refused, into e; its length. */
static size_t
json_escape(unsigned char c, char *e)
{
    static const char hex[] = "0123456789abcdef";

    e[0] = '\\';
    switch (c) {
    case '"':  e[1] = '"'; return 2;
    case '\\': e[1] = '\\'; return 2;
    case '\n': e[1] = 'n'; return 2;
    case '\r': e[1] = 'r'; return 2;
    case '\t': e[1] = 't'; return 2;
    default:
        break;
    }
    if (c >= 0x80) {
        memcpy(e, "\\ufffd", 6);        /* a byte of an ill-formed sequence */
        return 6;
    }
    memcpy(e, "\\u00", 4);
    e[4] = hex[c >> 4];
    e[5] = hex[c & 15];
    return 6;
}

int
nd_buf_json(struct nd_buf *b, const char *s, size_t n)
{
    size_t i = 0, j, k;
    char   e[6];

    while (i < n) {
        /* The longest run that needs no escape goes in with one copy. */
        for (j = i; j < n && (k = json_plain(s + j, n - j)) > 0; j += k) {
        }
        if (j > i && nd_buf_add(b, s + i, j - i) == -1) {
            /* Cut: as many whole characters of the run as fit. */
            for (; i < j; i += k) {
                k = json_plain(s + i, n - i);
                if (nd_buf_add(b, s + i, k) == -1) {
                    return -1;
                }
            }
            return -1;
        }
        if (j == n) {
            break;
        }
        if (nd_buf_add(b, e, json_escape((unsigned char) s[j], e)) == -1) {
            return -1;
        }
        i = j + 1;
    }
    return 0;
}

const char *
nd_buf_str(struct nd_buf *b)
{
    size_t max = b->max;

    b->max = 0;                 /* the NUL is not a live byte */
    if (nd_buf_reserve(b, 1) == -1) {
        b->max = max;
        return NULL;
    }
    b->max = max;
    b->p[b->len] = '\0';
    return b->p + b->off;
}

void
nd_buf_reset(struct nd_buf *b)
{
    b->off = 0;
    b->len = 0;
    b->failed = 0;
}

void
nd_buf_clear(struct nd_buf *b, size_t keep)
{
    nd_buf_reset(b);
    if (!b->fixed && b->cap > keep) {
        free(b->p);
        b->p = NULL;
        b->cap = 0;
    }
}

void
nd_buf_free(struct nd_buf *b)
{
    if (!b->fixed) {
        free(b->p);
    }
    memset(b, 0, sizeof(*b));
}

void *
nd_buf_scratch(struct nd_buf *b, size_t need)
{
    nd_buf_reset(b);
    if (nd_buf_reserve(b, need > 0 ? need : 1) == -1) {
        return NULL;
    }
    return b->p;
}

char *
nd_put(char *p, const void *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

char *
nd_put_u64(char *p, uint64_t v)
{
    char  tmp[24];
    char *e = tmp + sizeof(tmp);
    char *s = e;

    do {
        *--s = (char) ('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return nd_put(p, s, (size_t) (e - s));
}
