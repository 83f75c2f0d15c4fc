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
#include <stdint.h>
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
/* Sets of ASCII bytes as two 64-bit masks (bytes >= 0x80 are in none). */
#define BIT(c)   ((uint64_t) 1 << ((c) & 63))
#define LO_PRINT (~(uint64_t) 0 << 33)  /* 0x21..0x3F */
#define HI_PRINT (~(uint64_t) 0 >> 1)   /* 0x40..0x7E */

/* What may stay as is: the path percent-encode set's complement (C0, space,
 * " # < > ? ` { } ^ and > 0x7E are encoded), without "\\" which special URLs
 * read as "/"; the special-query set's (C0, space, " # < > ' and > 0x7E); the
 * fragment set's (C0, space, " < > ` and > 0x7E); a plain domain's bytes. */
static const uint64_t PATH_OK[2] = {
    LO_PRINT & ~(BIT('"') | BIT('#') | BIT('<') | BIT('>') | BIT('?')),
    HI_PRINT & ~(BIT('`') | BIT('{') | BIT('}') | BIT('^') | BIT('\\'))
};
static const uint64_t QUERY_OK[2] = {
    LO_PRINT & ~(BIT('"') | BIT('#') | BIT('<') | BIT('>') | BIT('\'')), HI_PRINT
};
static const uint64_t FRAGMENT_OK[2] = {
    LO_PRINT & ~(BIT('"') | BIT('<') | BIT('>')), HI_PRINT & ~BIT('`')
};
static const uint64_t HOST_OK[2] = {
    BIT('-') | BIT('.') | (((uint64_t) 1 << 10) - 1) << ('0' & 63),
    (((uint64_t) 1 << 26) - 1) << ('a' & 63)
};

static int
in_set(const uint64_t *set, unsigned char c)
{
    return c < 0x80 && ((set[c >> 6] >> (c & 63)) & 1);
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

/* GLOBAL: set by tests/js only (nd_bind_url_state_machine_only), to compare
 * the fast paths with the state machine; a flag, so that url.js has nothing
 * to check per parse. */
static int g_state_machine_only;

void
nd_bind_url_state_machine_only(int on)
{
    g_state_machine_only = on;
}

/* Where the pieces of a URL urlSplit accepts are; offsets into the input.
 * The query and fragment offsets are just after their "?" / "#", or 0 when
 * there is none; port_end == host_end when there is no port. */
struct url_split {
    size_t scheme_len, host_start, host_end, port_end, path_start, path_end;
    size_t query, query_end, frag;
    long   port;                    /* -1: none */
};

/* 0 if s[0..len) is a URL urlSplit takes (see above), with *u filled; -1 if
 * the state machine must judge it. */
static int
url_scan(const char *s, size_t len, struct url_split *u)
{
    static const struct {
        const char *name;
        size_t      len;
        long        port;
    } schemes[] = { { "http", 4, 80 }, { "https", 5, 443 }, { "ws", 2, 80 }, { "wss", 3, 443 } };
    size_t i, k, label, ps, seg;
    long   defport = -1;

    if (g_state_machine_only) {
        return -1;
    }
    for (i = 0; i < len && s[i] != ':'; i++) {
    }
    for (k = 0; k < sizeof(schemes) / sizeof(schemes[0]); k++) {
        if (i == schemes[k].len && memcmp(s, schemes[k].name, i) == 0) {
            defport = schemes[k].port;
            break;
        }
    }
    if (defport < 0 || i + 3 > len || s[i + 1] != '/' || s[i + 2] != '/') {
        return -1;
    }
    u->scheme_len = i;
    /* Host: non-empty labels of [a-z0-9-], none "xn--" (IDNA has its say);
     * a last label starting with a digit is an IPv4 address to the standard. */
    u->host_start = label = i + 3;
    for (i = u->host_start; i < len && in_set(HOST_OK, (unsigned char) s[i]); i++) {
        if (s[i] == '.') {
            if (i == label || (i - label >= 4 && memcmp(s + label, "xn--", 4) == 0)) {
                return -1;
            }
            label = i + 1;
        }
    }
    if (i - label >= 4 && memcmp(s + label, "xn--", 4) == 0) {
        return -1;
    }
    if (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':') {
        return -1;
    }
    u->host_end = u->port_end = i;
    if (i == label) {
        return -1;          /* empty host, or a trailing dot */
    }
    if (s[label] >= '0' && s[label] <= '9'
        && !canonical_ipv4(s + u->host_start, i - u->host_start)) {
        return -1;
    }
    u->port = -1;
    if (i < len && s[i] == ':') {
        ps = ++i;
        u->port = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            u->port = u->port * 10 + (s[i] - '0');
            if (u->port > 65535) {
                return -1;
            }
            i++;
        }
        if (i == ps || (s[ps] == '0' && i - ps > 1) || u->port == defport
            || (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')) {
            return -1;
        }
        u->port_end = i;
    }
    /* Path: "/..." or none (an empty path is [""] for special URLs); no
     * dot segment ("." "..", or one spelled with %2e). */
    u->path_start = i;
    if (i < len && s[i] == '/') {
        for (seg = ++i;; i++) {
            if (i == len || s[i] == '/' || !in_set(PATH_OK, (unsigned char) s[i])) {
                if ((i - seg == 1 && s[seg] == '.')
                    || (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.')) {
                    return -1;
                }
                if (i == len || s[i] != '/') {
                    break;
                }
                seg = i + 1;
            } else if (s[i] == '%' && i + 2 < len && s[i + 1] == '2'
                       && (s[i + 2] | 0x20) == 'e') {
                return -1;
            }
        }
    }
    u->path_end = i;
    u->query = u->query_end = u->frag = 0;
    if (i < len && s[i] == '?') {
        for (u->query = ++i; i < len && in_set(QUERY_OK, (unsigned char) s[i]); i++) {
        }
        u->query_end = i;
    }
    if (i < len && s[i] == '#') {
        for (u->frag = ++i; i < len && in_set(FRAGMENT_OK, (unsigned char) s[i]); i++) {
        }
    }
    if (i < len) {
        return -1;          /* a byte to percent-encode, or a "?" or "#" after the path */
    }
    return 0;
}

/* native.urlSplit(input) -> [scheme, host, port|null, [segments], query|null,
 * fragment|null], or undefined (see above). */
duk_ret_t
nd_bind_url_split(duk_context *ctx)
{
    struct url_split u;
    duk_size_t       len;
    duk_uarridx_t    n = 0;
    const char      *s;
    size_t           i, j;

    if (!duk_is_string(ctx, 0)) {
        return 0;
    }
    s = duk_get_lstring(ctx, 0, &len);
    if (url_scan(s, len, &u) == -1) {
        return 0;
    }
    duk_push_array(ctx);                                /* -> [ in out ] */
    duk_push_lstring(ctx, s, u.scheme_len);
    duk_put_prop_index(ctx, -2, 0);
    duk_push_lstring(ctx, s + u.host_start, u.host_end - u.host_start);
    duk_put_prop_index(ctx, -2, 1);
    if (u.port >= 0) {
        duk_push_int(ctx, (duk_int_t) u.port);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 2);
    duk_push_array(ctx);                                /* -> [ in out segments ] */
    if (u.path_end == u.path_start) {
        duk_push_string(ctx, "");
        duk_put_prop_index(ctx, -2, n);
    } else {
        for (i = u.path_start + 1;; i = j + 1) {
            for (j = i; j < u.path_end && s[j] != '/'; j++) {
            }
            duk_push_lstring(ctx, s + i, j - i);
            duk_put_prop_index(ctx, -2, n++);
            if (j == u.path_end) {
                break;
            }
        }
    }
    duk_put_prop_index(ctx, -2, 3);
    if (u.query > 0) {
        duk_push_lstring(ctx, s + u.query, u.query_end - u.query);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 4);
    if (u.frag > 0) {
        duk_push_lstring(ctx, s + u.frag, len - u.frag);
    } else {
        duk_push_null(ctx);
    }
    duk_put_prop_index(ctx, -2, 5);
    return 1;
}

/*
 * The lazy URL (bootstrap/lazy/url.js): a URL whose input urlSplit takes and
 * that has a path ("/..."; "http://h" serializes as "http://h/") is its own
 * href, byte for byte. Such a URL keeps only that string; its getters read
 * their piece out of it here, and it becomes a parsed record only when
 * something changes it.
 *   native.urlCanonical(input) -> true if input is such a URL
 *   native.urlPart(href, which) -> the piece (a getter's value), or undefined
 *   when href is not such a URL. which: the URL_* below.
 */
enum {
    URL_PROTOCOL, URL_HOST, URL_HOSTNAME, URL_PORT, URL_PATHNAME, URL_SEARCH, URL_HASH,
    URL_ORIGIN, URL_QUERY
};

static int
url_lazy_scan(duk_context *ctx, struct url_split *u, const char **s, duk_size_t *len)
{
    if (!duk_is_string(ctx, 0)) {
        return -1;
    }
    *s = duk_get_lstring(ctx, 0, len);
    if (url_scan(*s, *len, u) == -1 || u->path_end == u->path_start) {
        return -1;
    }
    return 0;
}

static duk_ret_t
native_url_canonical(duk_context *ctx)
{
    struct url_split u;
    const char      *s;
    duk_size_t       len;

    duk_push_boolean(ctx, url_lazy_scan(ctx, &u, &s, &len) == 0);
    return 1;
}

static duk_ret_t
native_url_part(duk_context *ctx)
{
    struct url_split u;
    const char      *s;
    duk_size_t       len;
    size_t           a = 0, b = 0;

    if (url_lazy_scan(ctx, &u, &s, &len) == -1) {
        return 0;
    }
    switch (duk_to_int(ctx, 1)) {
    case URL_PROTOCOL:
        b = u.scheme_len + 1;
        break;
    case URL_HOST:
        a = u.host_start;
        b = u.port_end;
        break;
    case URL_HOSTNAME:
        a = u.host_start;
        b = u.host_end;
        break;
    case URL_PORT:
        a = u.host_end < u.port_end ? u.host_end + 1 : u.port_end;
        b = u.port_end;
        break;
    case URL_PATHNAME:
        a = u.path_start;
        b = u.path_end;
        break;
    case URL_SEARCH:                    /* "" for no query and for "?" */
        if (u.query > 0 && u.query_end > u.query) {
            a = u.query - 1;
            b = u.query_end;
        }
        break;
    case URL_HASH:
        if (u.frag > 0 && len > u.frag) {
            a = u.frag - 1;
            b = len;
        }
        break;
    case URL_ORIGIN:
        b = u.port_end;
        break;
    case URL_QUERY:                     /* the query without "?", or null */
        if (u.query == 0) {
            duk_push_null(ctx);
            return 1;
        }
        a = u.query;
        b = u.query_end;
        break;
    default:
        return 0;
    }
    duk_push_lstring(ctx, s + a, b - a);
    return 1;
}

/*
 * native.urlencodedParse(s) -> [name, value, name, value...]: the
 * application/x-www-form-urlencoded parser (URL standard 5.1) in one call:
 * split at "&", skip empty sequences, split at the first "=", "+" is a
 * space, percent-decode, UTF-8 decode with replacement (nd_bind_pct_decode).
 */
static void
push_urlencoded(duk_context *ctx, const unsigned char *s, size_t len)
{
    duk_uarridx_t n = 0;
    size_t        i = 0, j, eq;

    duk_push_array(ctx);                                /* -> [ ... out ] */
    while (i <= len) {
        for (j = i; j < len && s[j] != '&'; j++) {
        }
        if (j > i) {
            for (eq = i; eq < j && s[eq] != '='; eq++) {
            }
            nd_bind_pct_decode(ctx, s + i, eq - i, 1);
            duk_put_prop_index(ctx, -2, n++);
            if (eq < j) {
                nd_bind_pct_decode(ctx, s + eq + 1, j - eq - 1, 1);
            } else {
                duk_push_string(ctx, "");
            }
            duk_put_prop_index(ctx, -2, n++);
        }
        i = j + 1;
    }
}

static duk_ret_t
native_urlencoded_parse(duk_context *ctx)
{
    duk_size_t  len;
    const char *s = duk_to_lstring(ctx, 0, &len);

    push_urlencoded(ctx, (const unsigned char *) s, len);
    return 1;
}

/* native.urlQueryParse(href) -> urlencodedParse of a lazy URL's query ([]
 * when it has none), or undefined when href is not such a URL. */
static duk_ret_t
native_url_query_parse(duk_context *ctx)
{
    struct url_split u;
    const char      *s;
    duk_size_t       len;

    if (url_lazy_scan(ctx, &u, &s, &len) == -1) {
        return 0;
    }
    push_urlencoded(ctx, (const unsigned char *) s + u.query, u.query_end - u.query);
    return 1;
}

void
nd_bind_url(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "idnaToAscii", native_idna_to_ascii, 1 },
        { "urlSplit", nd_bind_url_split, 1 },
        { "urlCanonical", native_url_canonical, 1 },
        { "urlPart", native_url_part, 2 },
        { "urlencodedParse", native_urlencoded_parse, 1 },
        { "urlQueryParse", native_url_query_parse, 1 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
