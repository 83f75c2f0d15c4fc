/*
 * Byte-level helpers of the Web API bootstrap: header name/value checks
 * (Fetch), forgiving-base64 (atob/btoa), percent-encoding (URL).
 *
 * Duktape strings are kept in an extended UTF-8 form: code points < 0x10000
 * as UTF-8, and a JS surrogate pair as two 3-byte sequences. Nothing here
 * holds malloc'd memory across a call that may throw: scratch space is a
 * Duktape buffer on the value stack.
 */
#include <stdint.h>
#include <string.h>

#include "common/parse.h"
#include "worker/js/bind.h"
#include "worker/js/bind_webapi.h"

/* RFC 9110 tchar. */
static const unsigned char TCHAR[128] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

/* One code point of the internal form at p[*i] (advances *i). A surrogate
 * pair becomes its code point; a lone surrogate stays (0xD800..0xDFFF). */
static uint32_t
next_cp(const unsigned char *p, duk_size_t len, duk_size_t *i)
{
    uint32_t c = p[*i], cp;
    int      n, k;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    cp = n == 3 ? (c & 0x07) : n == 2 ? (c & 0x0F) : (c & 0x1F);
    if (n == 0 || *i + (duk_size_t) n >= len) {
        (*i)++;
        return 0xFFFD;
    }
    for (k = 1; k <= n; k++) {
        cp = (cp << 6) | (p[*i + (duk_size_t) k] & 0x3F);
    }
    *i += (duk_size_t) n + 1;
    if (cp >= 0xD800 && cp <= 0xDBFF && *i + 2 < len && p[*i] == 0xED
        && (p[*i + 1] & 0xF0) == 0xB0) {
        uint32_t lo = 0xD000u | ((p[*i + 1] & 0x3Fu) << 6) | (p[*i + 2] & 0x3Fu);
        *i += 3;
        return 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
    }
    return cp;
}

/* Appends cp in the internal form (non-BMP as a surrogate pair). */
static size_t
put_cp(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char) cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char) (0xC0 | (cp >> 6));
        o[1] = (unsigned char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char) (0xE0 | (cp >> 12));
        o[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char) (0x80 | (cp & 0x3F));
        return 3;
    }
    cp -= 0x10000;
    return put_cp(o, 0xD800 + (cp >> 10)) + put_cp(o + 3, 0xDC00 + (cp & 0x3FF));
}

/* Standard UTF-8 of cp (lone surrogates as U+FFFD). */
static size_t
put_utf8(unsigned char *o, uint32_t cp)
{
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    }
    if (cp < 0x10000) {
        return put_cp(o, cp);
    }
    o[0] = (unsigned char) (0xF0 | (cp >> 18));
    o[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char) (0x80 | (cp & 0x3F));
    return 4;
}

/* -> [ ... scratch ] of size bytes; returns its data. */
static unsigned char *
push_scratch(duk_context *ctx, duk_size_t size)
{
    return duk_push_fixed_buffer(ctx, size == 0 ? 1 : size);
}

/* [ ... scratch ] -> [ ... string ] of the first len bytes. */
static void
scratch_to_string(duk_context *ctx, duk_size_t len)
{
    const unsigned char *p = duk_get_buffer(ctx, -1, NULL);

    duk_push_lstring(ctx, (const char *) p, len);
    duk_remove(ctx, -2);
}

/* --- headers ------------------------------------------------------------ */

/* Validates and lowercases the name at idx in place on the stack. */
static void
header_name(duk_context *ctx, duk_idx_t idx)
{
    duk_size_t           len, i;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, idx, &len);
    int                  upper = 0;

    if (len == 0) {
        (void) duk_type_error(ctx, "Invalid header name: \"\"");
    }
    for (i = 0; i < len; i++) {
        if (s[i] >= 128 || !TCHAR[s[i]]) {
            (void) duk_type_error(ctx, "Invalid header name: \"%s\"", (const char *) s);
        }
        upper |= s[i] >= 'A' && s[i] <= 'Z';
    }
    if (upper) {
        unsigned char *o = push_scratch(ctx, len);
        for (i = 0; i < len; i++) {
            o[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (unsigned char) (s[i] + 32) : s[i];
        }
        scratch_to_string(ctx, len);
        duk_replace(ctx, idx);
    }
}

static int
http_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Normalizes and validates the value at idx in place on the stack. */
static void
header_value(duk_context *ctx, duk_idx_t idx, duk_idx_t name)
{
    duk_size_t           len, a = 0, b, i;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, idx, &len);

    b = len;
    while (a < b && http_ws(s[a])) {
        a++;
    }
    while (b > a && http_ws(s[b - 1])) {
        b--;
    }
    for (i = a; i < b; i++) {
        unsigned char c = s[i];
        if (c == 0 || c == '\n' || c == '\r') {
            goto bad;
        }
        if (c >= 0x80) {
            /* U+0080..U+00FF are C2/C3 lead bytes; anything else is > U+00FF. */
            if ((c != 0xC2 && c != 0xC3) || i + 1 >= b) {
                goto bad;
            }
            i++;
        }
    }
    if (a != 0 || b != len) {
        duk_push_lstring(ctx, (const char *) s + a, b - a);
        duk_replace(ctx, idx);
    }
    return;

bad:
    (void) duk_type_error(ctx, "Invalid header value for \"%s\"",
                          name >= 0 ? duk_safe_to_string(ctx, name) : "(header)");
}

/* native.hdrName(name) -> lowercased name; TypeError when not a token. */
static duk_ret_t
native_hdr_name(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    header_name(ctx, 0);
    return 1;
}

/* native.hdrValue(value, name) -> normalized value; TypeError if invalid. */
static duk_ret_t
native_hdr_value(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    header_value(ctx, 0, 1);
    duk_pop(ctx);
    return 1;
}

/* native.hdrPair(name, value) -> [lname, value]: both checked. */
static duk_ret_t
native_hdr_pair(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    header_name(ctx, 0);
    header_value(ctx, 1, 0);
    duk_push_array(ctx);
    duk_dup(ctx, 0);
    duk_put_prop_index(ctx, -2, 0);
    duk_dup(ctx, 1);
    duk_put_prop_index(ctx, -2, 1);
    return 1;
}

/* native.hdrRecord(obj, list) appends [lname, value, ...] for obj's own
 * enumerable string keys (WebIDL record<ByteString, ByteString>). */
static duk_ret_t
native_hdr_record(duk_context *ctx)
{
    duk_uarridx_t n;

    duk_set_top(ctx, 2);
    n = (duk_uarridx_t) duk_get_length(ctx, 1);
    duk_enum(ctx, 0, DUK_ENUM_OWN_PROPERTIES_ONLY);     /* -> [ obj list enum ] */
    while (duk_next(ctx, 2, 0)) {                       /* -> [ obj list enum key ] */
        duk_dup(ctx, -1);
        duk_get_prop(ctx, 0);                           /* -> [ ... key value ] */
        header_name(ctx, 3);
        header_value(ctx, 4, 3);
        duk_put_prop_index(ctx, 1, n + 1);
        duk_put_prop_index(ctx, 1, n);
        n += 2;
    }
    return 0;
}

/* native.hdrParse(raw) -> [lname, value, ...] of "Name: value\r\n" lines
 * (what the HTTP layer received; already valid). */
static duk_ret_t
native_hdr_parse(duk_context *ctx)
{
    duk_size_t           len, i = 0;
    const unsigned char *s = (const unsigned char *) duk_require_lstring(ctx, 0, &len);
    duk_uarridx_t        n = 0;

    duk_push_array(ctx);
    while (i < len) {
        duk_size_t start = i, colon = 0, end, v, k;
        int        upper = 0;
        while (i < len && s[i] != '\r') {
            if (colon == 0 && s[i] == ':') {
                colon = i;
            }
            upper |= colon == 0 && s[i] >= 'A' && s[i] <= 'Z';
            i++;
        }
        end = i;
        i += 2;
        if (colon == 0 || colon == start) {
            continue;
        }
        if (upper) {
            unsigned char *o = push_scratch(ctx, colon - start);
            for (k = 0; k < colon - start; k++) {
                unsigned char c = s[start + k];
                o[k] = (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
            }
            scratch_to_string(ctx, colon - start);
        } else {
            duk_push_lstring(ctx, (const char *) s + start, colon - start);
        }
        duk_put_prop_index(ctx, -2, n++);
        v = colon + 1;
        while (v < end && (s[v] == ' ' || s[v] == '\t')) {
            v++;
        }
        while (end > v && (s[end - 1] == ' ' || s[end - 1] == '\t')) {
            end--;
        }
        /* Header bytes are Latin-1 (obs-text): one char per byte. */
        for (k = v; k < end && s[k] < 0x80; k++) {
        }
        if (k == end) {
            duk_push_lstring(ctx, (const char *) s + v, end - v);
        } else {
            unsigned char *o = push_scratch(ctx, (end - v) * 2);
            duk_size_t     ol = 0;
            for (k = v; k < end; k++) {
                ol += put_cp(o + ol, s[k]);
            }
            scratch_to_string(ctx, ol);
        }
        duk_put_prop_index(ctx, -2, n++);
    }
    return 1;
}

/* --- forgiving-base64 --------------------------------------------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') {
        return (int) (c - 'A');
    }
    if (c >= 'a' && c <= 'z') {
        return (int) (c - 'a' + 26);
    }
    if (c >= '0' && c <= '9') {
        return (int) (c - '0' + 52);
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* native.atob(s) -> binary string, or null when s is not forgiving-base64. */
static duk_ret_t
native_atob(duk_context *ctx)
{
    duk_size_t           len, i, n = 0, ol = 0;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);
    unsigned char       *clean, *o;
    uint32_t             acc = 0;
    int                  bits = 0;

    clean = push_scratch(ctx, len);                     /* -> [ s clean ] */
    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
            continue;
        }
        if (c >= 0x80) {
            duk_push_null(ctx);
            return 1;
        }
        clean[n++] = c;
    }
    if (n % 4 == 0 && n > 0 && clean[n - 1] == '=') {
        n--;
        if (clean[n - 1] == '=') {
            n--;
        }
    }
    if (n % 4 == 1) {
        duk_push_null(ctx);
        return 1;
    }
    o = push_scratch(ctx, n * 2);                       /* -> [ s clean out ] */
    for (i = 0; i < n; i++) {
        int v = b64_value(clean[i]);
        if (v < 0) {
            duk_push_null(ctx);
            return 1;
        }
        acc = (acc << 6) | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            ol += put_cp(o + ol, (acc >> bits) & 0xFF);
        }
    }
    scratch_to_string(ctx, ol);
    return 1;
}

/* native.btoa(s) -> base64, or null when a char is above U+00FF. */
static duk_ret_t
native_btoa(duk_context *ctx)
{
    duk_size_t           len, i = 0, n = 0, ol = 0, k;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);
    unsigned char       *bytes, *o;

    bytes = push_scratch(ctx, len);
    while (i < len) {
        uint32_t cp = next_cp(s, len, &i);
        if (cp > 0xFF) {
            duk_push_null(ctx);
            return 1;
        }
        bytes[n++] = (unsigned char) cp;
    }
    o = push_scratch(ctx, (n + 2) / 3 * 4);
    for (k = 0; k + 2 < n; k += 3) {
        uint32_t v = ((uint32_t) bytes[k] << 16) | ((uint32_t) bytes[k + 1] << 8) | bytes[k + 2];
        o[ol++] = (unsigned char) B64[v >> 18];
        o[ol++] = (unsigned char) B64[(v >> 12) & 63];
        o[ol++] = (unsigned char) B64[(v >> 6) & 63];
        o[ol++] = (unsigned char) B64[v & 63];
    }
    if (n - k == 1) {
        o[ol++] = (unsigned char) B64[bytes[k] >> 2];
        o[ol++] = (unsigned char) B64[(bytes[k] & 3) << 4];
        o[ol++] = '=';
        o[ol++] = '=';
    } else if (n - k == 2) {
        uint32_t v = ((uint32_t) bytes[k] << 8) | bytes[k + 1];
        o[ol++] = (unsigned char) B64[v >> 10];
        o[ol++] = (unsigned char) B64[(v >> 4) & 63];
        o[ol++] = (unsigned char) B64[(v & 15) << 2];
        o[ol++] = '=';
    }
    scratch_to_string(ctx, ol);
    return 1;
}

/* --- percent-encoding (URL standard) ------------------------------------ */

/* Encode sets as bit masks per ASCII code; code points above 0x7E are always
 * encoded. Indexes match lib's constants in bootstrap/lazy/url.js. */
enum { SET_C0, SET_FRAGMENT, SET_QUERY, SET_SPECIAL_QUERY, SET_PATH, SET_USERINFO,
       SET_COMPONENT, SET_FORM, SET_COUNT };

static int
in_set(int set, uint32_t c)
{
    if (c < 0x20 || c > 0x7E) {
        return 1;
    }
    switch (set) {
    case SET_FORM:
        if (c == '!' || c == '\'' || c == '(' || c == ')' || c == '~') {
            return 1;
        }
        /* fall through */
    case SET_COMPONENT:
        if (c == '$' || c == '%' || c == '&' || c == '+' || c == ',') {
            return 1;
        }
        /* fall through */
    case SET_USERINFO:
        if (c == '/' || c == ':' || c == ';' || c == '=' || c == '@' || c == '[' || c == '\\'
            || c == ']' || c == '|') {
            return 1;
        }
        /* fall through */
    case SET_PATH:
        if (c == '?' || c == '^' || c == '`' || c == '{' || c == '}') {
            return 1;
        }
        /* fall through */
    case SET_QUERY:
        return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>';
    case SET_SPECIAL_QUERY:
        return c == ' ' || c == '"' || c == '#' || c == '<' || c == '>' || c == '\'';
    case SET_FRAGMENT:
        return c == ' ' || c == '"' || c == '<' || c == '>' || c == '`';
    default:
        return 0;
    }
}

/* native.pctEncode(s, set, spaceAsPlus) -> s with the code points of the set
 * percent-encoded (as UTF-8; lone surrogates as U+FFFD). */
static duk_ret_t
native_pct_encode(duk_context *ctx)
{
    static const char    HEX[] = "0123456789ABCDEF";
    duk_size_t           len, i = 0, ol = 0, k;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);
    int                  set = duk_get_int(ctx, 1), plus = duk_to_boolean(ctx, 2);
    unsigned char       *o;

    for (k = 0; k < len; k++) {
        if (in_set(set, s[k]) || (plus && s[k] == ' ')) {
            break;
        }
    }
    if (k == len) {
        duk_dup(ctx, 0);
        return 1;
    }
    o = push_scratch(ctx, len * 3 + 12);
    while (i < len) {
        uint32_t      cp = next_cp(s, len, &i);
        unsigned char u[4];
        size_t        ul, j;
        if (plus && cp == ' ') {
            o[ol++] = '+';
            continue;
        }
        if (!in_set(set, cp)) {
            o[ol++] = (unsigned char) cp;
            continue;
        }
        ul = put_utf8(u, cp);
        for (j = 0; j < ul; j++) {
            o[ol++] = '%';
            o[ol++] = (unsigned char) HEX[u[j] >> 4];
            o[ol++] = (unsigned char) HEX[u[j] & 15];
        }
    }
    scratch_to_string(ctx, ol);
    return 1;
}

/* WHATWG UTF-8 decode (replacement, no BOM handling) of b[0..n) into the
 * internal form at o; returns the output length (at most 3 * n). */
static size_t
utf8_decode(const unsigned char *b, size_t n, unsigned char *o)
{
    size_t   i = 0, ol = 0;
    uint32_t cp = 0;
    int      need = 0, seen = 0;
    unsigned lower = 0x80, upper = 0xBF;

    while (i < n) {
        unsigned c = b[i];
        if (need == 0) {
            i++;
            if (c < 0x80) {
                o[ol++] = (unsigned char) c;
            } else if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                lower = c == 0xE0 ? 0xA0 : 0x80;
                upper = c == 0xED ? 0x9F : 0xBF;
                need = 2;
                cp = c & 0x0F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                lower = c == 0xF0 ? 0x90 : 0x80;
                upper = c == 0xF4 ? 0x8F : 0xBF;
                need = 3;
                cp = c & 0x07;
            } else {
                ol += put_cp(o + ol, 0xFFFD);
            }
            continue;
        }
        if (c < lower || c > upper) {
            /* Not consumed: it starts over. */
            need = seen = 0;
            lower = 0x80;
            upper = 0xBF;
            ol += put_cp(o + ol, 0xFFFD);
            continue;
        }
        lower = 0x80;
        upper = 0xBF;
        cp = (cp << 6) | (c & 0x3F);
        i++;
        if (++seen == need) {
            ol += put_cp(o + ol, cp);
            need = seen = 0;
        }
    }
    if (need != 0) {
        ol += put_cp(o + ol, 0xFFFD);
    }
    return ol;
}

/* -> [ ... decoded ]: the UTF-8 decode (replacement) of the percent-decoding
 * of s[0..len) (Duktape's internal UTF-8); "+" is a space when plus. s must
 * not be freed meanwhile (a string on the stack is fine). */
void
nd_bind_pct_decode(duk_context *ctx, const unsigned char *s, duk_size_t len, int plus)
{
    duk_size_t     i = 0, n = 0;
    unsigned char *bytes, *o;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' || (plus && s[i] == '+') || s[i] >= 0x80) {
            break;
        }
    }
    if (i == len) {
        duk_push_lstring(ctx, (const char *) s, len);
        return;
    }
    bytes = push_scratch(ctx, len + 4);                 /* -> [ ... bytes ] */
    i = 0;
    while (i < len) {
        if (s[i] == '%' && i + 2 < len && nd_hexval(s[i + 1]) >= 0 && nd_hexval(s[i + 2]) >= 0) {
            bytes[n++] = (unsigned char) (nd_hexval(s[i + 1]) * 16 + nd_hexval(s[i + 2]));
            i += 3;
        } else if (plus && s[i] == '+') {
            bytes[n++] = ' ';
            i++;
        } else if (s[i] < 0x80) {
            bytes[n++] = s[i++];
        } else {
            n += put_utf8(bytes + n, next_cp(s, len, &i));
        }
    }
    o = push_scratch(ctx, n * 3 + 3);                   /* -> [ ... bytes o ] */
    scratch_to_string(ctx, utf8_decode(bytes, n, o));   /* -> [ ... bytes decoded ] */
    duk_remove(ctx, -2);
}

/* native.pctDecode(s, plusAsSpace) -> UTF-8 decode (replacement) of the
 * percent-decoding of s's UTF-8. */
static duk_ret_t
native_pct_decode(duk_context *ctx)
{
    duk_size_t           len;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);

    nd_bind_pct_decode(ctx, s, len, duk_to_boolean(ctx, 1));
    return 1;
}

/* native.utf8Bytes(s) -> Uint8Array of s's UTF-8 (lone surrogates U+FFFD). */
static duk_ret_t
native_utf8_bytes(duk_context *ctx)
{
    duk_size_t           len;
    const unsigned char *s = (const unsigned char *) duk_to_lstring(ctx, 0, &len);
    unsigned char       *o = push_scratch(ctx, len);
    duk_size_t           ol = nd_bind_utf8(s, len, o);

    duk_push_buffer_object(ctx, -1, 0, ol, DUK_BUFOBJ_UINT8ARRAY);
    return 1;
}

/* native.latin1(bytes) -> a string with one char (U+0000..U+00FF) per byte. */
static duk_ret_t
native_latin1(duk_context *ctx)
{
    duk_size_t           len, i, ol = 0;
    const unsigned char *b = duk_require_buffer_data(ctx, 0, &len);
    unsigned char       *o = push_scratch(ctx, len * 2);

    for (i = 0; i < len; i++) {
        ol += put_cp(o + ol, b[i]);
    }
    scratch_to_string(ctx, ol);
    return 1;
}

void
nd_bind_encoding(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry funcs[] = {
        { "hdrName", native_hdr_name, 1 },
        { "hdrValue", native_hdr_value, 2 },
        { "hdrPair", native_hdr_pair, 2 },
        { "hdrRecord", native_hdr_record, 2 },
        { "hdrParse", native_hdr_parse, 1 },
        { "atob", native_atob, 1 },
        { "btoa", native_btoa, 1 },
        { "pctEncode", native_pct_encode, 3 },
        { "pctDecode", native_pct_decode, 2 },
        { "utf8Bytes", native_utf8_bytes, 1 },
        { "latin1", native_latin1, 1 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, funcs);
}
