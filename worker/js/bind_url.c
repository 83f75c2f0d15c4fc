/*
 * native.urlSplit(input): the URL parser's fast path (below).
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

/*
 * native.urlSplit(input): the URL parser's fast path (bootstrap/lazy/url.js
 * asks it first). An absolute http, https, ws or wss URL that is already in
 * the form the standard's parser outputs (lowercase ASCII scheme and host, no
 * credentials, a canonical non-default port or none, no dot segment, nothing
 * to percent-encode or strip, a host that is a plain domain or a canonical
 * dotted quad) parses to the input cut in pieces:
 *   [scheme, host, port|null, [path segments], query|null, fragment|null]
 * Anything else -> undefined and url.js runs the full state machine. Every
 * check below errs on the side of the state machine. request.url is always such a URL, and the
 * pure-JS state machine costs ~50 us on it. tests/js/test_url.js compares
 * both paths on every WPT input and on generated ones.
 */
static int
path_char_ok(unsigned char c)
{
    /* The path percent-encode set (C0, space, " # < > ? ` { } ^, > 0x7E),
     * and "\\" which special URLs read as "/". */
    return c > 0x20 && c < 0x7F && c != '"' && c != '#' && c != '<' && c != '>' && c != '?'
           && c != '`' && c != '{' && c != '}' && c != '^' && c != '\\';
}

static int
query_char_ok(unsigned char c)
{
    /* The special-query percent-encode set: C0, space, " # < > ' and > 0x7E. */
    return c > 0x20 && c < 0x7F && c != '"' && c != '#' && c != '<' && c != '>' && c != '\'';
}

static int
fragment_char_ok(unsigned char c)
{
    /* The fragment percent-encode set: C0, space, " < > ` and > 0x7E. */
    return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '`';
}

/* s[0..len) is a dotted quad the IPv4 serializer would print back unchanged. */
static int
canonical_ipv4(const char *s, size_t len)
{
    size_t i = 0;
    int    part;

    for (part = 0; part < 4; part++) {
        size_t start = i;
        int    v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            v = v * 10 + (s[i] - '0');
            i++;
        }
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1)) {
            return 0;
        }
        if (part < 3) {
            if (i >= len || s[i] != '.') {
                return 0;
            }
            i++;
        }
    }
    return i == len;
}

/* Pushes s[start..end) split at "/" (start is just after the leading "/");
 * 0, or -1 for a dot segment ("." "..", or one spelled with %2e). */
static int
push_segments(duk_context *ctx, const char *s, size_t start, size_t end)
{
    duk_uarridx_t n = 0;
    size_t        i = start, j;

    duk_push_array(ctx);
    for (;;) {
        for (j = i; j < end && s[j] != '/'; j++) {
            if (s[j] == '%' && j + 2 < end && s[j + 1] == '2' && (s[j + 2] | 0x20) == 'e') {
                return -1;
            }
        }
        if ((j - i == 1 && s[i] == '.') || (j - i == 2 && s[i] == '.' && s[i + 1] == '.')) {
            return -1;
        }
        duk_push_lstring(ctx, s + i, j - i);
        duk_put_prop_index(ctx, -2, n++);
        if (j == end) {
            return 0;
        }
        i = j + 1;
    }
}

duk_ret_t
nd_bind_url_split(duk_context *ctx)
{
    static const struct {
        const char *name;
        size_t      len;
        long        port;
    } schemes[] = { { "http", 4, 80 }, { "https", 5, 443 }, { "ws", 2, 80 }, { "wss", 3, 443 } };
    duk_size_t  len;
    const char *s;
    size_t      i, k, hs, he, label, ps, qs;
    long        port = -1, defport = -1;

    if (!duk_is_string(ctx, 0)) {
        return 0;
    }
    s = duk_get_lstring(ctx, 0, &len);
    for (i = 0; i < len && s[i] != ':'; i++) {
    }
    for (k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
        if (i == schemes[k].len && memcmp(s, schemes[k].name, i) == 0) {
            defport = schemes[k].port;
            break;
        }
    }
    if (defport < 0 || i + 3 > len || s[i + 1] != '/' || s[i + 2] != '/') {
        return 0;
    }
    /* Host: non-empty labels of [a-z0-9-], none "xn--" (IDNA has its say);
     * a last label starting with a digit is an IPv4 address to the standard. */
    hs = label = i + 3;
    for (i = hs; i < len && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':'; i++) {
        char c = s[i];
        if (c == '.') {
            if (i == label) {
                return 0;
            }
            label = i + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return 0;
        } else if (i == label + 3 && memcmp(s + label, "xn--", 4) == 0) {
            return 0;
        }
    }
    he = i;
    if (he == label) {
        return 0;           /* empty host, or a trailing dot */
    }
    if (s[label] >= '0' && s[label] <= '9' && !canonical_ipv4(s + hs, he - hs)) {
        return 0;
    }
    if (i < len && s[i] == ':') {
        ps = ++i;
        port = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            port = port * 10 + (s[i] - '0');
            if (port > 65535) {
                return 0;
            }
            i++;
        }
        if (i == ps || (s[ps] == '0' && i - ps > 1) || port == defport
            || (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')) {
            return 0;
        }
    }
    duk_push_array(ctx);                                /* -> [ in out ] */
    duk_push_lstring(ctx, s, schemes[k].len);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_lstring(ctx, s + hs, he - hs);
    duk_put_prop_index(ctx, -2, 1);
    if (port >= 0) {
        duk_push_int(ctx, (duk_int_t) port);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 2);
    /* Path: "/..." or none (an empty path is [""] for special URLs). */
    ps = i;
    if (i < len && s[i] == '/') {
        for (i++; i < len && s[i] != '?' && s[i] != '#'; i++) {
            if (!path_char_ok((unsigned char) s[i])) {
                return 0;
            }
        }
        if (push_segments(ctx, s, ps + 1, i) == -1) {
            return 0;
        }
    } else {
        duk_push_array(ctx);
        duk_push_string(ctx, "");
        duk_put_prop_index(ctx, -2, 0);
    }
    duk_put_prop_index(ctx, -2, 3);
    if (i < len && s[i] == '?') {
        for (qs = ++i; i < len && s[i] != '#'; i++) {
            if (!query_char_ok((unsigned char) s[i])) {
                return 0;
            }
        }
        duk_push_lstring(ctx, s + qs, i - qs);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 4);
    if (i < len) {                                      /* s[i] == '#' */
        for (qs = ++i; i < len; i++) {
            if (!fragment_char_ok((unsigned char) s[i])) {
                return 0;
            }
        }
        duk_push_lstring(ctx, s + qs, len - qs);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 5);
    return 1;
}

void
nd_bind_url(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "idnaToAscii", native_idna_to_ascii, 1 },
        { "urlSplit", nd_bind_url_split, 1 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
