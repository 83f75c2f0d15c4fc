/* nd_buf: growth, caps, allocation failure, and the JSON escaper. */
#include <stdint.h>
#include <stdlib.h>

/* Every allocation of buf.c goes through here: it can be made to fail, and
 * sizes no allocator could serve fail without asking one (ASan aborts). */
static int    t_alloc_fail;
static int    t_alloc_calls;
static void *
t_realloc(void *p, size_t n)
{
    t_alloc_calls++;
    if (t_alloc_fail || n > ((size_t) 1 << 32)) {
        return NULL;
    }
    return realloc(p, n);
}
#define realloc t_realloc
#include "common/buf.c"
#undef realloc
#include "tests/unit/t.h"

/* s[0..n) through nd_buf_json, as a C string (static). */
static const char *
json(const char *s, size_t n)
{
    static char   out[512];
    struct nd_buf b = { 0 };

    T_EQ_INT(nd_buf_json(&b, s, n), 0);
    snprintf(out, sizeof(out), "%s", nd_buf_str(&b));
    nd_buf_free(&b);
    return out;
}
#define JSON(lit) json((lit), sizeof(lit) - 1)

T_CASE(growth_doubles_and_keeps_contents)
{
    struct nd_buf b = { 0 };
    char          big[100000];
    size_t        i;

    T_TRUE(b.p == NULL);
    T_EQ_INT(ND_BUF_ADDS(&b, "x"), 0);
    T_EQ_INT(b.cap, ND_BUF_MIN);
    for (i = 1; i < ND_BUF_MIN; i++) {
        T_EQ_INT(nd_buf_add(&b, "y", 1), 0);
    }
    T_EQ_INT(b.len, ND_BUF_MIN);
    T_EQ_INT(b.cap, ND_BUF_MIN);           /* exactly full: no growth */
    T_EQ_INT(ND_BUF_ADDS(&b, "z"), 0);
    T_EQ_INT(b.cap, 2 * ND_BUF_MIN);
    memset(big, 'q', sizeof(big));
    T_EQ_INT(nd_buf_add(&b, big, sizeof(big)), 0);
    T_EQ_INT(b.cap, 32 * ND_BUF_MIN);      /* 4097 + 100000 -> 131072 */
    T_EQ_INT(b.len, ND_BUF_MIN + 1 + sizeof(big));
    T_TRUE(b.p[0] == 'x' && b.p[1] == 'y' && b.p[ND_BUF_MIN] == 'z');
    T_TRUE(b.p[ND_BUF_MIN + 1] == 'q' && b.p[b.len - 1] == 'q');
    T_TRUE(!b.failed);
    nd_buf_free(&b);
    T_TRUE(b.p == NULL && b.len == 0 && b.cap == 0);
}

T_CASE(reserve_moves_consumed_prefix_before_growing)
{
    struct nd_buf b = { 0 };
    char          chunk[3000];
    char         *p;

    memset(chunk, 'a', sizeof(chunk));
    T_EQ_INT(nd_buf_add(&b, chunk, sizeof(chunk)), 0);
    T_EQ_INT(ND_BUF_ADDS(&b, "tail"), 0);
    b.off = sizeof(chunk);                  /* a reader took the chunk */
    p = b.p;
    t_alloc_calls = 0;
    T_EQ_INT(nd_buf_reserve(&b, 3000), 0);  /* 4096 - 3004 < 3000: move, no realloc */
    T_EQ_INT(t_alloc_calls, 0);
    T_TRUE(b.p == p);
    T_EQ_INT(b.off, 0);
    T_EQ_INT(b.len, 4);
    T_TRUE(memcmp(b.p, "tail", 4) == 0);
    nd_buf_clear(&b, ND_BUF_MIN);           /* small enough: memory kept */
    T_TRUE(b.p == p && b.len == 0);
    T_EQ_INT(nd_buf_add(&b, chunk, sizeof(chunk)), 0);
    T_EQ_INT(nd_buf_add(&b, chunk, sizeof(chunk)), 0);
    nd_buf_clear(&b, ND_BUF_MIN);           /* grown past keep: freed */
    T_TRUE(b.p == NULL && b.cap == 0 && b.len == 0);
}

T_CASE(max_caps_live_bytes)
{
    struct nd_buf b = { 0 };

    b.max = 10;
    T_EQ_INT(ND_BUF_ADDS(&b, "12345678"), 0);
    T_EQ_INT(ND_BUF_ADDS(&b, "abc"), -1);   /* 11 > 10: nothing appended */
    T_TRUE(b.failed);
    T_EQ_INT(b.len, 8);
    T_EQ_INT(ND_BUF_ADDS(&b, "ab"), 0);     /* a smaller one still fits */
    T_EQ_STR(nd_buf_str(&b), "12345678ab"); /* the NUL is not a live byte */
    b.off = 4;                              /* consumed bytes do not count */
    T_EQ_INT(ND_BUF_ADDS(&b, "cdef"), 0);
    T_EQ_STR(nd_buf_str(&b), "5678abcdef");
    nd_buf_reset(&b);
    T_TRUE(!b.failed && b.len == 0);
    nd_buf_free(&b);
}

T_CASE(fixed_never_allocates)
{
    struct nd_buf b;
    char          mem[8];

    nd_buf_init_fixed(&b, mem, sizeof(mem));
    t_alloc_calls = 0;
    T_EQ_INT(ND_BUF_ADDS(&b, "1234567"), 0);
    T_EQ_INT(ND_BUF_ADDS(&b, "89"), -1);
    T_EQ_INT(ND_BUF_ADDS(&b, "8"), 0);
    T_TRUE(b.failed && b.len == 8 && b.p == mem);
    T_TRUE(nd_buf_str(&b) == NULL);         /* no room for the NUL */
    T_EQ_INT(nd_buf_printf(&b, "%d", 1), -1);
    T_EQ_INT(t_alloc_calls, 0);
    b.off = 2;
    T_EQ_INT(ND_BUF_ADDS(&b, "ab"), 0);     /* room made by moving, not growing */
    T_TRUE(memcmp(mem, "345678ab", 8) == 0);
    nd_buf_clear(&b, 0);                    /* never frees the caller's memory */
    T_TRUE(b.p == mem && b.cap == 8);
    nd_buf_free(&b);
    T_TRUE(b.p == NULL && !b.fixed);
}

T_CASE(allocation_failure_keeps_data)
{
    struct nd_buf b = { 0 };
    char          big[5000];

    t_alloc_fail = 1;
    T_EQ_INT(ND_BUF_ADDS(&b, "x"), -1);
    T_TRUE(b.failed && b.p == NULL && b.len == 0);
    T_TRUE(nd_buf_scratch(&b, 10) == NULL);
    T_TRUE(nd_buf_str(&b) == NULL);
    t_alloc_fail = 0;
    nd_buf_reset(&b);
    T_EQ_INT(ND_BUF_ADDS(&b, "kept"), 0);
    t_alloc_fail = 1;
    memset(big, 'b', sizeof(big));
    T_EQ_INT(nd_buf_add(&b, big, sizeof(big)), -1);
    T_EQ_INT(nd_buf_printf(&b, "%5000d", 1), -1);
    T_EQ_INT(nd_buf_json(&b, big, sizeof(big)), -1);
    T_TRUE(b.failed && b.len == 4 + 4092);  /* json filled the room it had, then stopped */
    T_TRUE(memcmp(b.p, "kept", 4) == 0);
    T_EQ_INT(nd_buf_u64(&b, 7), -1);
    t_alloc_fail = 0;
    T_EQ_INT(nd_buf_u64(&b, 18446744073709551615ULL), 0);
    T_TRUE(memcmp(b.p + b.len - 20, "18446744073709551615", 20) == 0);
    nd_buf_free(&b);
}

T_CASE(size_overflow_fails_cleanly)
{
    struct nd_buf b = { 0 };

    T_EQ_INT(ND_BUF_ADDS(&b, "abc"), 0);
    T_EQ_INT(nd_buf_reserve(&b, SIZE_MAX), -1);         /* len + n wraps */
    T_EQ_INT(nd_buf_reserve(&b, SIZE_MAX - 3), -1);     /* fits size_t; no allocator can */
    T_EQ_INT(nd_buf_reserve(&b, SIZE_MAX / 2 + 1), -1); /* doubling would wrap */
    T_EQ_INT(nd_buf_add(&b, "", SIZE_MAX), -1);
    T_TRUE(b.failed && b.len == 3 && b.cap == ND_BUF_MIN);
    b.max = 100;
    T_EQ_INT(nd_buf_reserve(&b, SIZE_MAX), -1);         /* live + n past max, no wrap */
    nd_buf_free(&b);
}

T_CASE(scratch_is_reused)
{
    struct nd_buf s = { 0 };
    char         *p, *q;

    p = nd_buf_scratch(&s, 0);
    T_TRUE(p != NULL && s.cap == ND_BUF_MIN);
    p[0] = 'x';
    q = nd_buf_scratch(&s, 100);
    T_TRUE(q == p);
    q = nd_buf_scratch(&s, 10000);
    T_TRUE(q != NULL && s.cap >= 10000);
    memset(q, 0, 10000);
    nd_buf_free(&s);
}

T_CASE(printf_and_u64)
{
    struct nd_buf b = { 0 };
    char          want[6001];

    T_EQ_INT(nd_buf_printf(&b, "%s=%d;", "a", 42), 0);
    T_EQ_INT(nd_buf_u64(&b, 0), 0);
    T_EQ_STR(nd_buf_str(&b), "a=42;0");
    T_EQ_INT(nd_buf_printf(&b, "%6000s", "r"), 0);      /* grows past one block */
    memset(want, ' ', 5999);
    want[5999] = 'r';
    want[6000] = '\0';
    T_EQ_STR(nd_buf_str(&b) + 6, want);
    nd_buf_free(&b);
}

/* Expected outputs checked against the three escapers this one replaced: the
 * error log's (common/log.c put_escaped), which it matches byte for byte on
 * every input; the access log's (admin.c put_json), which wrote \u0009,
 * \u000a, \u000d where this writes \t \n \r; /status's (metrics.c
 * nd_text_json), which also did that, and let DEL and ill-formed UTF-8
 * through as raw bytes (invalid UTF-8 in a JSON document). */
T_CASE(json_quotes_backslash_controls)
{
    T_EQ_STR(JSON("plain /path?q=1&x=y~"), "plain /path?q=1&x=y~");
    T_EQ_STR(JSON("a\"b\\c"), "a\\\"b\\\\c");
    T_EQ_STR(JSON("\n\r\t"), "\\n\\r\\t");
    T_EQ_STR(JSON("\x01\x08\x0b\x0c\x1b\x1f"),
             "\\u0001\\u0008\\u000b\\u000c\\u001b\\u001f");
    T_EQ_STR(JSON("x\x7fy"), "x\\u007fy");
    T_EQ_STR(JSON("a\0b"), "a\\u0000b");                /* by length, not NUL-terminated */
    T_EQ_STR(JSON(""), "");
}

T_CASE(json_utf8_kept_ill_formed_replaced)
{
    /* well-formed: 2, 3 and 4 bytes, U+2028/2029 (kept as is, as every old
     * escaper did: legal in JSON, and these are log lines, not script) */
    T_EQ_STR(JSON("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    T_EQ_STR(JSON("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "a\xe2\x80\xa8" "b\xe2\x80\xa9");
    T_EQ_STR(JSON("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");            /* U+10FFFF */
    /* ill-formed: one \ufffd per byte */
    T_EQ_STR(JSON("\x80"), "\\ufffd");
    T_EQ_STR(JSON("a\xffz"), "a\\ufffdz");
    T_EQ_STR(JSON("\xc0\xaf"), "\\ufffd\\ufffd");                       /* overlong '/' */
    T_EQ_STR(JSON("\xe0\x80\xaf"), "\\ufffd\\ufffd\\ufffd");            /* overlong */
    T_EQ_STR(JSON("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");            /* surrogate */
    T_EQ_STR(JSON("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd"); /* > U+10FFFF */
    T_EQ_STR(JSON("\xf5\x80"), "\\ufffd\\ufffd");
    T_EQ_STR(JSON("x\xe2\x82"), "x\\ufffd\\ufffd");                     /* cut at the end */
    T_EQ_STR(JSON("\xe2\x82" "A\""), "\\ufffd\\ufffdA\\\"");            /* cut mid-string */
    T_EQ_STR(JSON("\xc3\n"), "\\ufffd\\n");
}

T_CASE(json_cut_never_splits)
{
    struct nd_buf b;
    char          mem[16];

    nd_buf_init_fixed(&b, mem, sizeof(mem));
    b.max = 5;
    T_EQ_INT(nd_buf_json(&b, "a\x01", 2), -1);          /* "\u0001" does not fit */
    T_EQ_INT(b.len, 1);
    nd_buf_reset(&b);
    T_EQ_INT(nd_buf_json(&b, "abcd\xc3\xa9", 6), -1);   /* 'é' would need 6 */
    T_EQ_INT(b.len, 4);
    nd_buf_reset(&b);
    T_EQ_INT(nd_buf_json(&b, "abc\xe2\x82\xac", 6), -1);
    T_EQ_INT(b.len, 3);
    nd_buf_reset(&b);
    T_EQ_INT(nd_buf_json(&b, "abcdefgh", 8), -1);       /* a plain run, cut */
    T_TRUE(b.len == 5 && memcmp(mem, "abcde", 5) == 0);
    nd_buf_reset(&b);
    T_EQ_INT(nd_buf_json(&b, "ab\"", 3), 0);            /* exactly fits */
    T_TRUE(b.len == 4 && memcmp(mem, "ab\\\"", 4) == 0);
}

int
main(void)
{
    T_RUN(growth_doubles_and_keeps_contents);
    T_RUN(reserve_moves_consumed_prefix_before_growing);
    T_RUN(max_caps_live_bytes);
    T_RUN(fixed_never_allocates);
    T_RUN(allocation_failure_keeps_data);
    T_RUN(size_overflow_fails_cleanly);
    T_RUN(scratch_is_reused);
    T_RUN(printf_and_u64);
    T_RUN(json_quotes_backslash_controls);
    T_RUN(json_utf8_kept_ill_formed_replaced);
    T_RUN(json_cut_never_splits);
    return T_DONE();
}
