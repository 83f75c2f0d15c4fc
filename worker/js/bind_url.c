/*
 * native.idnaToAscii(domain): the URL standard's "domain to ASCII" for a
 * domain with non-ASCII code points (all-ASCII domains are only lowercased,
 * in bootstrap/lazy/url.js), on libidn2 (UTS #46 mapping, nontransitional).
 *
 * libidn2 applies IDNA2008 rules the URL standard does not (CheckHyphens,
 * a 63-byte label limit, a 253-byte domain limit, symbols disallowed), so it
 * is run label by label: ASCII labels are lowercased here (an "xn--" one must
 * decode to a non-ASCII label), the others go through idn2_to_ascii_8z.
 * tests/KNOWN-FAILURES.md lists what still differs.
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"

/* Length of a label separator at p (".", U+3002, U+FF0E, U+FF61), or 0. */
static size_t
dot_len(const unsigned char *p, size_t left)
{
    if (p[0] == '.') {
        return 1;
    }
    if (left >= 3 && ((p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82)
                      || (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8E)
                      || (p[0] == 0xEF && p[1] == 0xBD && p[2] == 0xA1))) {
        return 3;
    }
    return 0;
}

/* One label (NUL-terminated UTF-8) -> out (lowercase ASCII); its length, or
 * -1 when invalid or longer than cap. */
static long
label_to_ascii(char *label, size_t len, char *out, size_t cap)
{
    char  *res = NULL;
    size_t i, rl;
    int    ascii = 1;

    for (i = 0; i < len; i++) {
        ascii &= (unsigned char) label[i] < 0x80;
    }
    if (ascii) {
        if (len > cap) {
            return -1;
        }
        for (i = 0; i < len; i++) {
            char c = label[i];
            out[i] = (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
        }
        if (len >= 4 && strncmp(out, "xn--", 4) == 0) {
            int bad;
            out[len] = '\0';
            if (idn2_to_unicode_8z8z(out, &res, 0) != IDN2_OK || res == NULL) {
                free(res);
                return -1;
            }
            bad = res[0] == '\0';
            for (i = 0, ascii = 1; res[i] != '\0'; i++) {
                ascii &= (unsigned char) res[i] < 0x80;
            }
            bad |= ascii;
            if (!bad) {
                /* The decoded label must be valid too (xn--a is U+0080). */
                char *check = NULL;
                int   rc = idn2_to_ascii_8z(res, &check, IDN2_NONTRANSITIONAL);
                idn2_free(check);
                bad = rc != IDN2_OK && rc != IDN2_2HYPHEN && rc != IDN2_HYPHEN_STARTEND
                    && rc != IDN2_TOO_BIG_LABEL;
            }
            idn2_free(res);
            if (bad) {
                return -1;
            }
        }
        return (long) len;
    }
    if (idn2_to_ascii_8z(label, &res, IDN2_NONTRANSITIONAL) != IDN2_OK || res == NULL) {
        idn2_free(res);
        return -1;
    }
    rl = strlen(res);
    if (rl > cap) {
        idn2_free(res);
        return -1;
    }
    memcpy(out, res, rl);
    idn2_free(res);
    return (long) rl;
}

/* native.idnaToAscii(domain) -> ASCII domain, or null when invalid. */
static duk_ret_t
native_idna_to_ascii(duk_context *ctx)
{
    duk_size_t           len, ul, cap, ol = 0, i = 0, start;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);
    unsigned char       *utf8;
    char                *out, *label;

    /* [ s ] -> [ s utf8 label out ]: no malloc'd memory across a throw. */
    utf8 = duk_push_fixed_buffer(ctx, len + 1);
    ul = nd_bind_utf8(s, len, utf8);
    label = duk_push_fixed_buffer(ctx, ul + 1);
    cap = ul * 8 + 64;
    out = duk_push_fixed_buffer(ctx, cap);
    while (i <= ul) {
        long n;
        size_t d = 0;
        start = i;
        while (i < ul && (d = dot_len(utf8 + i, ul - i)) == 0) {
            i++;
        }
        memcpy(label, utf8 + start, i - start);
        label[i - start] = '\0';
        if (i > start) {
            n = label_to_ascii(label, i - start, out + ol, cap - ol - 1);
            if (n < 0) {
                duk_push_null(ctx);
                return 1;
            }
            ol += (size_t) n;
        }
        if (i == ul) {
            break;
        }
        out[ol++] = '.';
        i += d;
    }
    duk_push_lstring(ctx, out, ol);
    return 1;
}

void
nd_bind_url(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "idnaToAscii", native_idna_to_ascii, 1 },
        { NULL, NULL, 0 },
    };

    duk_put_function_list(ctx, native, funcs);
}
