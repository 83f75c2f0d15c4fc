/* Unit tests: the bytecode envelope (common/bytecode.c): whatever is damaged,
 * truncated or made from another source is refused before Duktape sees it. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "common/bytecode.h"

static const char SRC[] = "module.exports = { fetch: function () { return 1; } };\n";

/* A stand-in for a Duktape dump: any bytes do for the envelope. */
static unsigned char *
fake_dump(size_t n)
{
    unsigned char *d = malloc(n);
    size_t         i;

    for (i = 0; d != NULL && i < n; i++) {
        d[i] = (unsigned char) (i * 131 + 7);
    }
    return d;
}

static int
open_blob(const void *blob, size_t len, const char *src, uint32_t engine, const char **why)
{
    const void *dump = NULL;
    size_t      dump_len = 0;

    return nd_bytecode_open(blob, len, src, strlen(src), engine, &dump, &dump_len, why);
}

T_CASE(round_trip)
{
    unsigned char *d = fake_dump(1000);
    size_t         len = 0, dump_len = 0;
    const void    *dump = NULL;
    const char    *why = NULL;
    unsigned char *blob = nd_bytecode_wrap(d, 1000, SRC, strlen(SRC), 20700, &len);

    T_TRUE(blob != NULL);
    T_EQ_INT(len, sizeof(struct nd_bytecode_hdr) + 1000);
    T_EQ_INT(nd_bytecode_open(blob, len, SRC, strlen(SRC), 20700, &dump, &dump_len, &why), 0);
    T_EQ_INT(dump_len, 1000);
    T_TRUE(dump == blob + sizeof(struct nd_bytecode_hdr));
    T_TRUE(memcmp(dump, d, 1000) == 0);
    free(blob);
    free(d);
}

T_CASE(every_truncation_refused)
{
    unsigned char *d = fake_dump(300);
    size_t         len = 0, n;
    const char    *why;
    unsigned char *blob = nd_bytecode_wrap(d, 300, SRC, strlen(SRC), 1, &len);
    int            refused = 0;

    T_TRUE(blob != NULL);
    for (n = 0; n < len; n++) {
        why = NULL;
        refused += open_blob(blob, n, SRC, 1, &why) == -1 && why != NULL;
    }
    T_EQ_INT(refused, len);
    T_EQ_INT(open_blob(NULL, 0, SRC, 1, &why), -1);
    T_EQ_STR(why, "shorter than its header");
    T_EQ_INT(open_blob(blob, len - 1, SRC, 1, &why), -1);
    T_EQ_STR(why, "truncated (its length does not match its header)");
    /* and one byte too many (two blobs run together) */
    {
        unsigned char *longer = malloc(len + 1);
        memcpy(longer, blob, len);
        longer[len] = 0;
        T_EQ_INT(open_blob(longer, len + 1, SRC, 1, &why), -1);
        free(longer);
    }
    free(blob);
    free(d);
}

T_CASE(every_flipped_bit_refused)
{
    unsigned char *d = fake_dump(200);
    size_t         len = 0, i;
    const char    *why;
    unsigned char *blob = nd_bytecode_wrap(d, 200, SRC, strlen(SRC), 1, &len);
    int            bit, refused = 0, tried = 0;

    T_TRUE(blob != NULL);
    for (i = 0; i < len; i++) {
        for (bit = 0; bit < 8; bit++) {
            blob[i] ^= (unsigned char) (1 << bit);
            tried++;
            refused += open_blob(blob, len, SRC, 1, &why) == -1;
            blob[i] ^= (unsigned char) (1 << bit);
        }
    }
    T_EQ_INT(refused, tried);
    T_EQ_INT(open_blob(blob, len, SRC, 1, &why), 0);
    blob[len - 5] ^= 1;
    T_EQ_INT(open_blob(blob, len, SRC, 1, &why), -1);
    T_EQ_STR(why, "damaged (checksum mismatch)");
    free(blob);
    free(d);
}

T_CASE(other_source_or_engine_refused)
{
    unsigned char *d = fake_dump(64);
    size_t         len = 0;
    const char    *why;
    unsigned char *blob = nd_bytecode_wrap(d, 64, SRC, strlen(SRC), 20700, &len);
    char           other[sizeof(SRC)];

    T_TRUE(blob != NULL);
    memcpy(other, SRC, sizeof(SRC));
    other[20] = 'X';                                /* same length, one byte changed */
    T_EQ_INT(open_blob(blob, len, other, 20700, &why), -1);
    T_EQ_STR(why, "compiled from another version of the script");
    T_EQ_INT(open_blob(blob, len, "var a;", 20700, &why), -1);
    T_EQ_INT(open_blob(blob, len, SRC, 20701, &why), -1);
    T_EQ_STR(why, "compiled by another engine version");
    memcpy(blob, "XDBC", 4);
    T_EQ_INT(open_blob(blob, len, SRC, 20700, &why), -1);
    T_EQ_STR(why, "not our bytecode header");
    free(blob);
    free(d);
}

T_CASE(empty_dump_not_wrapped)
{
    size_t len = 0;

    T_TRUE(nd_bytecode_wrap("", 0, SRC, strlen(SRC), 1, &len) == NULL);
}

T_CASE(hash_sees_every_byte_and_length)
{
    unsigned char buf[100];
    uint64_t      h0;
    size_t        i, n;
    int           same = 0;

    memset(buf, 0, sizeof(buf));
    for (n = 0; n < sizeof(buf); n++) {
        h0 = nd_bytecode_hash(buf, n);
        same += h0 == nd_bytecode_hash(buf, n + 1);
        for (i = 0; i < n; i++) {
            buf[i] = 1;
            same += nd_bytecode_hash(buf, n) == h0;
            buf[i] = 0;
        }
    }
    T_EQ_INT(same, 0);
}

int
main(void)
{
    T_RUN(round_trip);
    T_RUN(every_truncation_refused);
    T_RUN(every_flipped_bit_refused);
    T_RUN(other_source_or_engine_refused);
    T_RUN(empty_dump_not_wrapped);
    T_RUN(hash_sees_every_byte_and_length);
    return T_DONE();
}
