/*
 * RegExp on PCRE2: JavaScript pattern -> PCRE2 pattern (the translation
 * layer), a per-process cache of compiled code, and RegExpBuiltinExec.
 * See regexp.h. Nothing malloc'd is held across a call that may throw:
 * scratch space is Duktape buffers on the value stack; cache entries are
 * complete before they are inserted.
 *
 * Why a translation and not PCRE2's own syntax options: JavaScript and
 * PCRE2 differ in meaning more than in spelling. Measured corners (tests in
 * tests/js/test_regexp.js):
 *   - \d \w \b are ASCII in JS (PCRE2_UCP, needed for non-u case folding,
 *     would make them Unicode): emitted as explicit classes;
 *   - \s and . know U+2028/2029 and the Unicode spaces; $ is end-only,
 *     ^ and $ under 'm' know \r, \n, U+2028, U+2029 (not \r\n as one);
 *   - [^] is any char, [] nothing; Annex B: ] { } as literals, \c, octal
 *     escapes, \8, backreferences past the group count as octal;
 *   - named groups become plain numbered groups (PCRE2 names are ASCII
 *     only; ours are kept in the bytecode); \k<name> becomes \g{N};
 *   - an unset backreference matches empty (PCRE2_MATCH_UNSET_BACKREF);
 *   - the subject is 32-bit elements, never in PCRE2's UTF mode: without
 *     'u' each UTF-16 unit is one, with 'u' each code point (a pair joined,
 *     a lone surrogate kept: JavaScript matches it as a code point, which
 *     PCRE2_UTF cannot; PCRE2_UCP gives \p{...} and Unicode case folding
 *     over any value); indices are mapped back to UTF-16 units;
 *   - \p{...} names are JavaScript's exact spellings, mapped to PCRE2's.
 */
#define PCRE2_CODE_UNIT_WIDTH 32
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "common/sys.h"
#include "worker/js/bind.h"
#include "worker/js/bootstrap.h"
#include "worker/js/heap.h"
#include "worker/js/regexp.h"

#define KEY_BYTECODE "\x82" "Bytecode"
#define MAX_PATTERN  (1u << 20)         /* units of a JS pattern */
#define MAX_DEPTH    256                /* group nesting */
#define MAX_QUANT    65535              /* PCRE2's largest {n,m} bound */
#define NR(a)        (sizeof(a) / sizeof((a)[0]))

extern int nd_js_exec_timeout_check(void *udata);  /* heap.c (duk_overrides.h) */

/* ------------------------------------------------------------------ */
/* Duktape strings <-> UTF-16 code units                               */
/* ------------------------------------------------------------------ */

/* Decodes Duktape's internal form (UTF-8, with surrogates as 3-byte
 * sequences and, from UTF-8 source text, non-BMP chars as 4-byte ones)
 * into UTF-16 units. out holds len units (never more are needed). Sets
 * *has4 when a 4-byte sequence (one Duktape char, two units) was seen.
 * map (NULL, or len + 1 entries): map[unit] = Duktape char offset.
 * Returns the number of units. */
static size_t
to_units(const unsigned char *p, size_t len, uint16_t *out, int *has4, uint32_t *map)
{
    size_t   i = 0, n = 0, ch = 0;
    uint32_t cp;
    int      k, need;

    *has4 = 0;
    while (i < len) {
        unsigned char c = p[i];

        if (c < 0x80) {
            if (map != NULL) {
                map[n] = (uint32_t) ch;
            }
            out[n++] = c;
            ch++;
            i++;
            continue;
        }
        if (c < 0xC0) {                 /* stray continuation: not a char for Duktape */
            i++;
            continue;
        }
        need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : c < 0xF8 ? 3 : c < 0xFC ? 4 : c < 0xFE ? 5 : 6;
        cp = c & (0x3F >> need);
        i++;
        for (k = 0; k < need && i < len && (p[i] & 0xC0) == 0x80; k++, i++) {
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (map != NULL) {
            map[n] = (uint32_t) ch;
        }
        if (need == 3 && cp >= 0x10000 && cp <= 0x10FFFF) {
            cp -= 0x10000;
            out[n++] = (uint16_t) (0xD800 + (cp >> 10));
            if (map != NULL) {
                map[n] = (uint32_t) ch;
            }
            out[n++] = (uint16_t) (0xDC00 + (cp & 0x3FF));
            *has4 = 1;
        } else {
            out[n++] = cp > 0xFFFF ? 0xFFFD : (uint16_t) cp;
        }
        ch++;
    }
    if (map != NULL) {
        map[n] = (uint32_t) ch;
    }
    return n;
}

/*
 * The subject for PCRE2 (32-bit code units, no UTF mode): without 'u' one
 * element per UTF-16 unit; with 'u' one per code point, a surrogate pair
 * joined, a lone surrogate kept as its own value (JavaScript matches it as
 * a code point; PCRE2's UTF mode could only skip it as invalid). Sets
 * *mapped when an element's index differs from its Duktape char offset
 * somewhere (a joined pair, or a 4-byte char split without 'u'); map (NULL,
 * or len + 1 entries): map[element] = Duktape char offset. Returns the
 * number of elements.
 */
static size_t
to_subject(const unsigned char *p, size_t len, uint32_t *out, int u, int *mapped, uint32_t *map)
{
    size_t   i = 0, n = 0, ch = 0, hich = 0;
    uint32_t cp, hi = 0;
    int      k, need;

    *mapped = 0;
    while (i < len) {
        unsigned char c = p[i];

        if (c < 0x80) {
            cp = c;
            i++;
        } else if (c < 0xC0) {          /* stray continuation: not a char for Duktape */
            i++;
            continue;
        } else {
            need = c < 0xE0 ? 1 : c < 0xF0 ? 2 : c < 0xF8 ? 3 : c < 0xFC ? 4 : c < 0xFE ? 5 : 6;
            cp = c & (0x3F >> need);
            i++;
            for (k = 0; k < need && i < len && (p[i] & 0xC0) == 0x80; k++, i++) {
                cp = (cp << 6) | (p[i] & 0x3F);
            }
            if (cp > 0x10FFFF) {
                cp = 0xFFFD;
            }
        }
        if (hi != 0) {                  /* u: a high surrogate waits for its pair */
            if (map != NULL) {
                map[n] = (uint32_t) hich;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                out[n++] = 0x10000 + ((hi - 0xD800) << 10) + (cp - 0xDC00);
                hi = 0;
                *mapped = 1;
                ch++;
                continue;
            }
            *mapped |= n != hich;
            out[n++] = hi;
            hi = 0;
        }
        if (u && cp >= 0xD800 && cp <= 0xDBFF) {
            hi = cp;
            hich = ch++;
            continue;
        }
        if (map != NULL) {
            map[n] = (uint32_t) ch;
        }
        *mapped |= n != ch;
        if (cp >= 0x10000 && !u) {
            out[n++] = 0xD800 + ((cp - 0x10000) >> 10);
            if (map != NULL) {
                map[n] = (uint32_t) ch;
            }
            cp = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            *mapped = 1;
        }
        out[n++] = cp;
        ch++;
    }
    if (hi != 0) {
        if (map != NULL) {
            map[n] = (uint32_t) hich;
        }
        *mapped |= n != hich;
        out[n++] = hi;
    }
    if (map != NULL) {
        map[n] = (uint32_t) ch;
    }
    return n;
}

/* Appends code point cp as UTF-8 (surrogates as 3-byte sequences). */
static size_t
put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char) (0xC0 | (cp >> 6));
        o[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char) (0xE0 | (cp >> 12));
        o[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char) (0xF0 | (cp >> 18));
    o[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

/* ------------------------------------------------------------------ */
/* Translation: JS pattern (units) -> PCRE2 pattern (ASCII)            */
/* ------------------------------------------------------------------ */

struct tr {
    duk_context    *ctx;
    duk_idx_t       pat_idx;    /* the JS pattern string (for messages) */
    duk_idx_t       out_idx;    /* dynamic buffer: the PCRE2 pattern */
    duk_idx_t       names_idx;  /* array: names[k] of group k+1, or undefined */
    const uint16_t *s;
    size_t          n, i;
    size_t          olen;
    int             u, icase, ucp;
    int             dotall, multi;
    int             ncaps;      /* from the prescan */
    int             has_names;
    int             cap;        /* groups opened so far */
    int             depth;
};

static duk_ret_t
tr_fail(struct tr *t, const char *msg)
{
    return duk_error(t->ctx, DUK_ERR_SYNTAX_ERROR, "Invalid regular expression: /%s/: %s",
                     duk_get_string(t->ctx, t->pat_idx), msg);
}

static void
emit_n(struct tr *t, const char *p, size_t len)
{
    duk_size_t cap;
    char      *b = duk_get_buffer(t->ctx, t->out_idx, &cap);

    if (t->olen + len > cap) {
        size_t ncap = cap * 2 + len + 64;

        if (ncap > 64u * MAX_PATTERN) {
            (void) tr_fail(t, "pattern too large");
        }
        b = duk_resize_buffer(t->ctx, t->out_idx, ncap);
    }
    memcpy(b + t->olen, p, len);
    t->olen += len;
}

static void
emit(struct tr *t, const char *p)
{
    emit_n(t, p, strlen(p));
}

/* A code point as a literal PCRE2 atom (or class member). */
static void
emit_cp(struct tr *t, uint32_t cp)
{
    char b[16];

    if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z')) {
        b[0] = (char) cp;
        emit_n(t, b, 1);
        return;
    }
    snprintf(b, sizeof(b), "\\x{%x}", (unsigned) cp);
    emit(t, b);
}

/*
 * A literal atom. Without 'u', JavaScript's case-insensitive match compares
 * toUpperCase() forms and never maps a non-ASCII char to an ASCII one; PCRE2
 * (UCP) uses Unicode case folding. They differ for the Kelvin sign, long s,
 * the Angstrom and Ohm signs and capital sharp s: those atoms get their
 * JavaScript set, matched case-sensitively.
 */
static void
emit_atom_cp(struct tr *t, uint32_t cp)
{
    static const struct {
        uint32_t    cp;
        const char *set;
    } fold[] = {
        { 'k', "(?-i:[kK])" }, { 'K', "(?-i:[kK])" }, { 0x212A, "(?-i:\\x{212a})" },
        { 's', "(?-i:[sS])" }, { 'S', "(?-i:[sS])" }, { 0x17F, "(?-i:\\x{17f})" },
        { 0xE5, "(?-i:[\\x{e5}\\x{c5}])" }, { 0xC5, "(?-i:[\\x{e5}\\x{c5}])" },
        { 0x212B, "(?-i:\\x{212b})" },
        { 0x3C9, "(?-i:[\\x{3c9}\\x{3a9}])" }, { 0x3A9, "(?-i:[\\x{3c9}\\x{3a9}])" },
        { 0x2126, "(?-i:\\x{2126})" }, { 0xDF, "(?-i:\\x{df})" }, { 0x1E9E, "(?-i:\\x{1e9e})" },
    };
    size_t k;

    if (t->ucp) {
        for (k = 0; k < NR(fold); k++) {
            if (fold[k].cp == cp) {
                emit(t, fold[k].set);
                return;
            }
        }
    }
    emit_cp(t, cp);
}

static int
peek(const struct tr *t, size_t k)
{
    return t->i + k < t->n ? t->s[t->i + k] : -1;
}

/* The code point at i (a pair is one under 'u'); advances. */
static uint32_t
next_cp(struct tr *t)
{
    uint32_t c = t->s[t->i++];

    if (t->u && c >= 0xD800 && c <= 0xDBFF && t->i < t->n && t->s[t->i] >= 0xDC00
        && t->s[t->i] <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (t->s[t->i++] - 0xDC00);
    }
    return c;
}

static int
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* After "\u" (i at the char after 'u'): \uXXXX, a pair \uXXXX\uXXXX (when
 * pairs), \u{X...} (when braces). -1: not a valid escape (i unchanged). */
static int32_t
parse_u_escape(struct tr *t, int pairs, int braces)
{
    size_t   save = t->i;
    uint32_t v = 0;
    int      k, h;

    if (braces && peek(t, 0) == '{') {
        t->i++;
        if (nd_hexval(peek(t, 0)) < 0) {
            goto bad;
        }
        while ((h = nd_hexval(peek(t, 0))) >= 0) {
            v = v * 16 + (uint32_t) h;
            if (v > 0x10FFFF) {
                goto bad;
            }
            t->i++;
        }
        if (peek(t, 0) != '}') {
            goto bad;
        }
        t->i++;
        return (int32_t) v;
    }
    for (k = 0; k < 4; k++) {
        if ((h = nd_hexval(peek(t, k))) < 0) {
            goto bad;
        }
        v = v * 16 + (uint32_t) h;
    }
    t->i += 4;
    if (pairs && v >= 0xD800 && v <= 0xDBFF && peek(t, 0) == '\\' && peek(t, 1) == 'u') {
        uint32_t lo = 0;

        for (k = 0; k < 4; k++) {
            if ((h = nd_hexval(peek(t, 2 + k))) < 0) {
                break;
            }
            lo = lo * 16 + (uint32_t) h;
        }
        if (k == 4 && lo >= 0xDC00 && lo <= 0xDFFF) {
            t->i += 6;
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        }
    }
    return (int32_t) v;
bad:
    t->i = save;
    return -1;
}

/* A group name after "(?<" or "\k<", up to and past '>'; pushed as a
 * UTF-8 string. */
static void
parse_group_name(struct tr *t)
{
    char   buf[256 * 4];
    size_t len = 0;
    int    first = 1;

    for (;;) {
        int32_t c;

        if (t->i >= t->n) {
            (void) tr_fail(t, "invalid capture group name");
        }
        if (t->s[t->i] == '>') {
            t->i++;
            break;
        }
        if (t->s[t->i] == '\\') {
            t->i++;
            if (peek(t, 0) != 'u') {
                (void) tr_fail(t, "invalid capture group name");
            }
            t->i++;
            c = parse_u_escape(t, 1, 1);
            if (c < 0) {
                (void) tr_fail(t, "invalid Unicode escape in a group name");
            }
        } else {
            int su = t->u;

            t->u = 1;                   /* names pair surrogates in any mode */
            c = (int32_t) next_cp(t);
            t->u = su;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_'
              || (!first && is_digit(c)) || (c >= 0x80 && !(c >= 0xD800 && c <= 0xDFFF)
                                             && c != 0x2028 && c != 0x2029 && c != 0xA0
                                             && c != 0xFEFF && c != 0x3000))) {
            (void) tr_fail(t, "invalid capture group name");
        }
        if (len + 4 >= sizeof(buf)) {
            (void) tr_fail(t, "capture group name too long");
        }
        len += put_utf8(buf + len, (uint32_t) c);
        first = 0;
    }
    if (len == 0) {
        (void) tr_fail(t, "invalid capture group name");
    }
    duk_push_lstring(t->ctx, buf, len);
}

/* Group number of the name on top (popped), or 0. */
static int
name_lookup(struct tr *t)
{
    int k;

    for (k = 0; k < t->ncaps; k++) {
        duk_get_prop_index(t->ctx, t->names_idx, (duk_uarridx_t) k);
        if (duk_is_string(t->ctx, -1) && duk_equals(t->ctx, -1, -2)) {
            duk_pop_2(t->ctx);
            return k + 1;
        }
        duk_pop(t->ctx);
    }
    duk_pop(t->ctx);
    return 0;
}

/* Counts capture groups and collects their names (duplicates: error). */
static void
prescan(struct tr *t)
{
    int in_class = 0;

    t->ncaps = 0;
    t->has_names = 0;
    for (t->i = 0; t->i < t->n; t->i++) {
        uint16_t c = t->s[t->i];

        if (c == '\\') {
            t->i++;
        } else if (in_class) {
            in_class = c != ']';
        } else if (c == '[') {
            in_class = 1;
        } else if (c == '(') {
            if (peek(t, 1) != '?') {
                t->ncaps++;
            } else if (peek(t, 2) == '<' && peek(t, 3) != '=' && peek(t, 3) != '!') {
                t->ncaps++;
                t->has_names = 1;
                t->i += 3;
                parse_group_name(t);
                duk_dup_top(t->ctx);
                if (t->ncaps > 1 && name_lookup(t) != 0) {
                    (void) tr_fail(t, "duplicate capture group name");
                }
                duk_put_prop_index(t->ctx, t->names_idx, (duk_uarridx_t) (t->ncaps - 1));
                t->i--;
            }
        }
    }
    t->i = 0;
}

/* --- character classes ------------------------------------------------ */

struct range {
    uint32_t lo, hi;
};

static const struct range R_DIGIT[] = { { '0', '9' } };
static const struct range R_WORD[] = { { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' } };
static const struct range R_WORD_UI[] = { { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' },
                                          { 0x17F, 0x17F }, { 0x212A, 0x212A } };
static const struct range R_SPACE[] = {
    { 0x09, 0x0D }, { 0x20, 0x20 }, { 0xA0, 0xA0 }, { 0x1680, 0x1680 }, { 0x2000, 0x200A },
    { 0x2028, 0x2029 }, { 0x202F, 0x202F }, { 0x205F, 0x205F }, { 0x3000, 0x3000 },
    { 0xFEFF, 0xFEFF },
};
static const struct range R_LINE[] = { { 0x0A, 0x0A }, { 0x0D, 0x0D }, { 0x2028, 0x2029 } };


static void
emit_range(struct tr *t, uint32_t lo, uint32_t hi)
{
    emit_cp(t, lo);
    if (hi != lo) {
        emit(t, "-");
        emit_cp(t, hi);
    }
}

/* Class members for ranges r (sorted), or their complement up to max. */
static void
emit_ranges(struct tr *t, const struct range *r, size_t nr, int negate)
{
    uint32_t max = t->u ? 0x10FFFF : 0xFFFF, at = 0;
    size_t   k;

    for (k = 0; k < nr; k++) {
        if (!negate) {
            emit_range(t, r[k].lo, r[k].hi);
        } else {
            if (r[k].lo > at) {
                emit_range(t, at, r[k].lo - 1);
            }
            at = r[k].hi + 1;
        }
    }
    if (negate && at <= max) {
        emit_range(t, at, max);
    }
}

/* The ranges of class escape c (d D s S w W), negated for upper case. */
static void
class_escape_ranges(struct tr *t, int c, const struct range **r, size_t *nr)
{
    switch (c | 0x20) {
    case 'd':
        *r = R_DIGIT;
        *nr = NR(R_DIGIT);
        break;
    case 's':
        *r = R_SPACE;
        *nr = NR(R_SPACE);
        break;
    default:
        if (t->u && t->icase) {
            *r = R_WORD_UI;
            *nr = NR(R_WORD_UI);
        } else {
            *r = R_WORD;
            *nr = NR(R_WORD);
        }
    }
}

/* --- Unicode property escapes ------------------------------------------ */

static const char *const GC[][3] = {    /* short, long, alias */
    { "C", "Other", NULL }, { "Cc", "Control", "cntrl" }, { "Cf", "Format", NULL },
    { "Cn", "Unassigned", NULL }, { "Co", "Private_Use", NULL }, { "Cs", "Surrogate", NULL },
    { "L", "Letter", NULL }, { "LC", "Cased_Letter", NULL }, { "Ll", "Lowercase_Letter", NULL },
    { "Lm", "Modifier_Letter", NULL }, { "Lo", "Other_Letter", NULL },
    { "Lt", "Titlecase_Letter", NULL }, { "Lu", "Uppercase_Letter", NULL },
    { "M", "Mark", "Combining_Mark" }, { "Mc", "Spacing_Mark", NULL },
    { "Me", "Enclosing_Mark", NULL }, { "Mn", "Nonspacing_Mark", NULL },
    { "N", "Number", NULL }, { "Nd", "Decimal_Number", "digit" }, { "Nl", "Letter_Number", NULL },
    { "No", "Other_Number", NULL }, { "P", "Punctuation", "punct" },
    { "Pc", "Connector_Punctuation", NULL }, { "Pd", "Dash_Punctuation", NULL },
    { "Pe", "Close_Punctuation", NULL }, { "Pf", "Final_Punctuation", NULL },
    { "Pi", "Initial_Punctuation", NULL }, { "Po", "Other_Punctuation", NULL },
    { "Ps", "Open_Punctuation", NULL }, { "S", "Symbol", NULL }, { "Sc", "Currency_Symbol", NULL },
    { "Sk", "Modifier_Symbol", NULL }, { "Sm", "Math_Symbol", NULL },
    { "So", "Other_Symbol", NULL }, { "Z", "Separator", NULL }, { "Zl", "Line_Separator", NULL },
    { "Zp", "Paragraph_Separator", NULL }, { "Zs", "Space_Separator", NULL },
};

static const char *const BINPROP[][2] = {       /* long, short (ES2022 table 67) */
    { "ASCII", NULL }, { "ASCII_Hex_Digit", "AHex" }, { "Alphabetic", "Alpha" }, { "Any", NULL },
    { "Assigned", NULL }, { "Bidi_Control", "Bidi_C" }, { "Bidi_Mirrored", "Bidi_M" },
    { "Case_Ignorable", "CI" }, { "Cased", NULL }, { "Changes_When_Casefolded", "CWCF" },
    { "Changes_When_Casemapped", "CWCM" }, { "Changes_When_Lowercased", "CWL" },
    { "Changes_When_NFKC_Casefolded", "CWKCF" }, { "Changes_When_Titlecased", "CWT" },
    { "Changes_When_Uppercased", "CWU" }, { "Dash", NULL },
    { "Default_Ignorable_Code_Point", "DI" }, { "Deprecated", "Dep" }, { "Diacritic", "Dia" },
    { "Emoji", NULL }, { "Emoji_Component", "EComp" }, { "Emoji_Modifier", "EMod" },
    { "Emoji_Modifier_Base", "EBase" }, { "Emoji_Presentation", "EPres" },
    { "Extended_Pictographic", "ExtPict" }, { "Extender", "Ext" }, { "Grapheme_Base", "Gr_Base" },
    { "Grapheme_Extend", "Gr_Ext" }, { "Hex_Digit", "Hex" }, { "IDS_Binary_Operator", "IDSB" },
    { "IDS_Trinary_Operator", "IDST" }, { "ID_Continue", "IDC" }, { "ID_Start", "IDS" },
    { "Ideographic", "Ideo" }, { "Join_Control", "Join_C" },
    { "Logical_Order_Exception", "LOE" }, { "Lowercase", "Lower" }, { "Math", NULL },
    { "Noncharacter_Code_Point", "NChar" }, { "Pattern_Syntax", "Pat_Syn" },
    { "Pattern_White_Space", "Pat_WS" }, { "Quotation_Mark", "QMark" }, { "Radical", NULL },
    { "Regional_Indicator", "RI" }, { "Sentence_Terminal", "STerm" }, { "Soft_Dotted", "SD" },
    { "Terminal_Punctuation", "Term" }, { "Unified_Ideograph", "UIdeo" },
    { "Uppercase", "Upper" }, { "Variation_Selector", "VS" }, { "White_Space", "space" },
    { "XID_Continue", "XIDC" }, { "XID_Start", "XIDS" },
};

static int
gc_index(const char *v)
{
    size_t k;

    for (k = 0; k < NR(GC); k++) {
        if (strcmp(v, GC[k][0]) == 0 || strcmp(v, GC[k][1]) == 0
            || (GC[k][2] != NULL && strcmp(v, GC[k][2]) == 0)) {
            return (int) k;
        }
    }
    return -1;
}

static int
binprop_index(const char *v)
{
    size_t k;

    for (k = 0; k < NR(BINPROP); k++) {
        if (strcmp(v, BINPROP[k][0]) == 0 || (BINPROP[k][1] != NULL
                                               && strcmp(v, BINPROP[k][1]) == 0)) {
            return (int) k;
        }
    }
    return -1;
}

/* After "\p" or "\P" (u mode): emits the property as a class member
 * (in_class) or an atom. */
static void
parse_property_raw(struct tr *t, int negate, int in_class)
{
    char   name[64], value[64], b[160];
    size_t nl = 0, vl = 0;
    int    eq = 0, k;

    if (peek(t, 0) != '{') {
        (void) tr_fail(t, "invalid property name");
    }
    t->i++;
    for (;;) {
        int c = peek(t, 0);

        if (c == '}') {
            t->i++;
            break;
        }
        if (c == '=' && !eq) {
            eq = 1;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_') {
            if (eq) {
                if (vl + 1 >= sizeof(value)) {
                    (void) tr_fail(t, "invalid property name");
                }
                value[vl++] = (char) c;
            } else {
                if (nl + 1 >= sizeof(name)) {
                    (void) tr_fail(t, "invalid property name");
                }
                name[nl++] = (char) c;
            }
        } else {
            (void) tr_fail(t, "invalid property name");
        }
        t->i++;
    }
    name[nl] = value[vl] = '\0';
    if (nl == 0 || (eq && vl == 0)) {
        (void) tr_fail(t, "invalid property name");
    }
    if (eq) {
        if (strcmp(name, "General_Category") == 0 || strcmp(name, "gc") == 0) {
            if ((k = gc_index(value)) < 0) {
                (void) tr_fail(t, "invalid property name");
            }
            goto gc;
        }
        if (strcmp(name, "Script") == 0 || strcmp(name, "sc") == 0
            || strcmp(name, "Script_Extensions") == 0 || strcmp(name, "scx") == 0) {
            if (!((value[0] >= 'A' && value[0] <= 'Z'))) {
                (void) tr_fail(t, "invalid property name");
            }
            snprintf(b, sizeof(b), "%s\\%c{%s:%s}%s", in_class ? "" : "[", negate ? 'P' : 'p',
                     name[1] == 'c' && name[2] == 'x' ? "scx"
                     : strcmp(name, "Script_Extensions") == 0 ? "scx" : "sc", value,
                     in_class ? "" : "]");
            emit(t, b);
            return;
        }
        (void) tr_fail(t, "invalid property name");
    }
    if ((k = gc_index(name)) >= 0) {
        goto gc;
    }
    if ((k = binprop_index(name)) < 0) {
        (void) tr_fail(t, "invalid property name");
    }
    if (strcmp(BINPROP[k][0], "ASCII") == 0) {
        static const struct range ascii[] = { { 0, 0x7F } };

        if (!in_class) {
            emit(t, "[");
        }
        emit_ranges(t, ascii, 1, negate);
        if (!in_class) {
            emit(t, "]");
        }
        return;
    }
    if (strcmp(BINPROP[k][0], "Assigned") == 0) {
        emit(t, negate ? "\\p{Cn}" : "\\P{Cn}");
        return;
    }
    snprintf(b, sizeof(b), "\\%c{%s}", negate ? 'P' : 'p', BINPROP[k][0]);
    emit(t, b);
    return;
gc:
    snprintf(b, sizeof(b), "\\%c{%s}", negate ? 'P' : 'p',
             strcmp(GC[k][0], "LC") == 0 ? "L&" : GC[k][0]);
    emit(t, b);
}

/*
 * Under 'i' JavaScript matches \p{X} case-insensitively like any class
 * (/\p{Lu}/iu matches "a"), PCRE2 never does (its \p ignores caseless). So
 * the property just emitted at output offset at is replaced by its code
 * points as explicit ranges, which PCRE2 does close over case: found by
 * matching it over every code point once (a few ms; the compiled pattern is
 * cached). Left as it is if that fails (no memory).
 */
#define CP_END 0x110000

/* GLOBAL: the last fold's ranges (lo, hi pairs), kept between calls so that
 * nothing malloc'd is held while Duktape may throw; grows as needed. */
static uint32_t *g_fold;
static size_t    g_fold_cap;

/* GLOBAL: the ranges of the last FOLD_CACHE properties folded (a handler
 * calling new RegExp("\\p{L}", "iu") per request pays the sweep once). */
#define FOLD_CACHE 16
static struct {
    PCRE2_UCHAR pat[256];
    size_t      plen;
    uint32_t   *ranges;                 /* owned */
    long        nr;
} g_fold_cache[FOLD_CACHE];
static int g_fold_next;                 /* GLOBAL: the slot replaced next */

static long class_ranges(const PCRE2_UCHAR *pat, size_t plen);

/* class_ranges() through g_fold_cache. */
static long
class_ranges_cached(const PCRE2_UCHAR *pat, size_t plen)
{
    long      nr;
    uint32_t *copy;
    int       k;

    for (k = 0; k < FOLD_CACHE; k++) {
        if (g_fold_cache[k].ranges != NULL && g_fold_cache[k].plen == plen
            && memcmp(g_fold_cache[k].pat, pat, plen * sizeof(*pat)) == 0) {
            nr = g_fold_cache[k].nr;
            if (2 * (size_t) nr > g_fold_cap) {
                uint32_t *nb = realloc(g_fold, 2 * (size_t) nr * sizeof(*nb));

                if (nb == NULL) {
                    return -1;
                }
                g_fold = nb;
                g_fold_cap = 2 * (size_t) nr;
            }
            memcpy(g_fold, g_fold_cache[k].ranges, 2 * (size_t) nr * sizeof(*g_fold));
            return nr;
        }
    }
    nr = class_ranges(pat, plen);
    if (nr < 0 || plen > NR(g_fold_cache[0].pat)
        || (copy = malloc(2 * (size_t) nr * sizeof(*copy) + 1)) == NULL) {
        return nr;
    }
    memcpy(copy, g_fold, 2 * (size_t) nr * sizeof(*copy));
    k = g_fold_next;
    g_fold_next = (g_fold_next + 1) % FOLD_CACHE;
    free(g_fold_cache[k].ranges);
    memcpy(g_fold_cache[k].pat, pat, plen * sizeof(*pat));
    g_fold_cache[k].plen = plen;
    g_fold_cache[k].ranges = copy;
    g_fold_cache[k].nr = nr;
    return nr;
}

/* The code points of class pat (plen units, "[...]") as ranges into g_fold;
 * the number of ranges, or -1 (no memory, bad pattern). Never throws. */
static long
class_ranges(const PCRE2_UCHAR *pat, size_t plen)
{
    uint32_t         *all = malloc((size_t) CP_END * sizeof(*all));
    pcre2_code       *code = NULL;
    pcre2_match_data *md = NULL;
    PCRE2_SIZE        eoff, pos = 0, *ov;
    long              nr = -1;
    int               err;
    size_t            k;

    code = all == NULL ? NULL : pcre2_compile(pat, plen, 0, &err, &eoff, NULL);
    md = code == NULL ? NULL : pcre2_match_data_create(1, NULL);
    if (md == NULL) {
        goto done;
    }
    (void) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    for (k = 0; k < CP_END; k++) {
        all[k] = (uint32_t) k;
    }
    nr = 0;
    while (pos < CP_END && pcre2_match(code, all, CP_END, pos, 0, md, NULL) > 0) {
        ov = pcre2_get_ovector_pointer(md);
        if (2 * (size_t) nr + 2 > g_fold_cap) {
            size_t    ncap = g_fold_cap * 2 + 512;
            uint32_t *nb = realloc(g_fold, ncap * sizeof(*nb));

            if (nb == NULL) {
                nr = -1;
                goto done;
            }
            g_fold = nb;
            g_fold_cap = ncap;
        }
        g_fold[2 * nr] = (uint32_t) ov[0];
        g_fold[2 * nr + 1] = (uint32_t) ov[1] - 1;
        nr++;
        pos = ov[1];
    }
done:
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    free(all);
    return nr;
}

static void
fold_property(struct tr *t, size_t at, int in_class)
{
    PCRE2_UCHAR pat[256];
    const char *o = duk_get_buffer(t->ctx, t->out_idx, NULL);
    size_t      flen = t->olen - at, k = 0, j;
    long        nr, r;
    uint32_t   *rg;
    int         wrap = o[at] != '[';

    if (flen + 4 > NR(pat)) {
        return;                         /* not a property escape's output */
    }
    if (wrap) {
        pat[k++] = '[';
    }
    for (j = 0; j < flen; j++) {
        pat[k++] = (unsigned char) o[at + j];
    }
    if (wrap) {
        pat[k++] = ']';
    }
    pat[k++] = '+';
    if ((nr = class_ranges_cached(pat, k)) < 0) {
        return;
    }
    rg = duk_push_fixed_buffer(t->ctx, (size_t) nr * 2 * sizeof(uint32_t) + 1);
    memcpy(rg, g_fold, (size_t) nr * 2 * sizeof(uint32_t));
    t->olen = at;
    if (!in_class) {
        emit(t, "[");
    }
    for (r = 0; r < nr; r++) {
        emit_range(t, rg[2 * r], rg[2 * r + 1]);
    }
    if (nr == 0) {
        emit(t, "\\x{110000}");       /* a value no subject holds */
    }
    if (!in_class) {
        emit(t, "]");
    }
    duk_pop(t->ctx);
}

static void
parse_property(struct tr *t, int negate, int in_class)
{
    size_t at = t->olen;

    parse_property_raw(t, negate, in_class);
    if (t->icase) {
        fold_property(t, at, in_class);
    }
}

/* --- escapes ------------------------------------------------------------ */

/* Legacy octal escape (Annex B) at i: up to 3 digits, value <= 0377. */
static uint32_t
legacy_octal(struct tr *t)
{
    uint32_t v = (uint32_t) (t->s[t->i++] - '0');

    if (peek(t, 0) >= '0' && peek(t, 0) <= '7') {
        v = v * 8 + (uint32_t) (t->s[t->i++] - '0');
        if (v < 040 && peek(t, 0) >= '0' && peek(t, 0) <= '7') {
            v = v * 8 + (uint32_t) (t->s[t->i++] - '0');
        }
    }
    return v;
}

static int
is_syntax_char(int c)
{
    return c >= 0 && c < 128 && strchr("^$\\.*+?()[]{}|/", c) != NULL;
}

/* A CharacterEscape after '\' (i at the char after it) that denotes one
 * code point; -1 when c is not one (i unchanged). in_class: ClassEscape. */
static int32_t
char_escape(struct tr *t, int in_class)
{
    int     c = peek(t, 0);
    int32_t v;

    switch (c) {
    case 'f':
        t->i++;
        return '\f';
    case 'n':
        t->i++;
        return '\n';
    case 'r':
        t->i++;
        return '\r';
    case 't':
        t->i++;
        return '\t';
    case 'v':
        t->i++;
        return '\v';
    case 'c': {
        int x = peek(t, 1);

        if ((x >= 'a' && x <= 'z') || (x >= 'A' && x <= 'Z')) {
            t->i += 2;
            return x % 32;
        }
        if (!t->u && in_class && (is_digit(x) || x == '_')) {
            t->i += 2;
            return x % 32;
        }
        if (t->u) {
            (void) tr_fail(t, "invalid escape");
        }
        return '\\';                    /* Annex B: "\c" is a backslash, then c */
    }
    case 'x': {
        int h1 = nd_hexval(peek(t, 1)), h2 = nd_hexval(peek(t, 2));

        if (h1 >= 0 && h2 >= 0) {
            t->i += 3;
            return h1 * 16 + h2;
        }
        if (t->u) {
            (void) tr_fail(t, "invalid escape");
        }
        t->i++;
        return 'x';
    }
    case 'u':
        t->i++;
        v = parse_u_escape(t, t->u, t->u);
        if (v >= 0) {
            return v;
        }
        if (t->u) {
            (void) tr_fail(t, "invalid Unicode escape");
        }
        return 'u';
    case '0':
        if (!is_digit(peek(t, 1))) {
            t->i++;
            return 0;
        }
        if (t->u) {
            (void) tr_fail(t, "invalid decimal escape");
        }
        return (int32_t) legacy_octal(t);
    default:
        break;
    }
    if (c < 0) {
        (void) tr_fail(t, "\\ at end of pattern");
    }
    if (t->u) {
        if (is_syntax_char(c) || (in_class && c == '-')) {
            t->i++;
            return c;
        }
        (void) tr_fail(t, "invalid escape");
    }
    /* Annex B identity escapes (k is special once the pattern has names) */
    if (c == 'k' && t->has_names) {
        (void) tr_fail(t, "invalid named reference");
    }
    return (int32_t) next_cp(t);
}

/* --- the parser --------------------------------------------------------- */

static void parse_disjunction(struct tr *t);

static void
emit_any(struct tr *t, int dot)
{
    if (dot && !t->dotall) {
        emit(t, "[^");
        emit_ranges(t, R_LINE, NR(R_LINE), 0);
        emit(t, "]");
    } else {
        emit(t, t->u ? "[\\x{0}-\\x{10ffff}]" : "[\\x{0}-\\x{ffff}]");
    }
}

/* After '[': the class, up to and past ']'. */
static void
parse_class(struct tr *t)
{
    size_t start = t->olen;
    int    negate = 0, members = 0;

    if (peek(t, 0) == '^') {
        negate = 1;
        t->i++;
    }
    emit(t, negate ? "[^" : "[");
    for (;;) {
        int32_t lo, hi;
        int     lo_set = 0, hi_set = 0;

        if (t->i >= t->n) {
            (void) tr_fail(t, "unterminated character class");
        }
        if (t->s[t->i] == ']') {
            t->i++;
            break;
        }
        /* one ClassAtom: a char (lo >= 0) or a set (emitted, lo = -1) */
        if (t->s[t->i] == '\\') {
            int c;

            t->i++;
            c = peek(t, 0);
            if (c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W') {
                const struct range *r;
                size_t              nr;

                t->i++;
                class_escape_ranges(t, c, &r, &nr);
                emit_ranges(t, r, nr, c < 'a');
                lo = -1;
            } else if (t->u && (c == 'p' || c == 'P')) {
                t->i++;
                parse_property(t, c == 'P', 1);
                lo = -1;
            } else if (c == 'b') {
                t->i++;
                lo = '\b';
            } else if (c == '-' && t->u) {
                t->i++;
                lo = '-';
            } else if (is_digit(c) && !t->u) {
                lo = c >= '8' ? (t->i++, c) : (int32_t) legacy_octal(t);
            } else if (c == 'k' && !t->u && !t->has_names) {
                t->i++;
                lo = 'k';
            } else {
                lo = char_escape(t, 1);
                if (lo == '\\' && peek(t, 0) == 'c') {
                    lo = '\\';          /* Annex B: \c as two members */
                }
            }
        } else {
            lo = (int32_t) next_cp(t);
        }
        lo_set = lo >= 0;
        /* a range? */
        if (peek(t, 0) == '-' && peek(t, 1) != ']' && peek(t, 1) >= 0) {
            size_t save_i = t->i, save_o = t->olen;

            t->i++;
            if (t->s[t->i] == '\\') {
                int c;

                t->i++;
                c = peek(t, 0);
                if (c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W'
                    || (t->u && (c == 'p' || c == 'P'))) {
                    if (t->u) {
                        (void) tr_fail(t, "invalid character class range");
                    }
                    hi = -1;            /* Annex B: "-" is literal; reparse */
                } else if (c == 'b') {
                    t->i++;
                    hi = '\b';
                } else if (c == '-' && t->u) {
                    t->i++;
                    hi = '-';
                } else if (is_digit(c) && !t->u) {
                    hi = c >= '8' ? (t->i++, c) : (int32_t) legacy_octal(t);
                } else if (c == 'k' && !t->u && !t->has_names) {
                    t->i++;
                    hi = 'k';
                } else {
                    hi = char_escape(t, 1);
                }
            } else {
                hi = (int32_t) next_cp(t);
            }
            hi_set = hi >= 0;
            if (lo_set && hi_set) {
                if (lo > hi) {
                    (void) tr_fail(t, "range out of order in character class");
                }
                t->olen = save_o;
                emit_range(t, (uint32_t) lo, (uint32_t) hi);
                members++;
                continue;
            }
            if (t->u) {
                (void) tr_fail(t, "invalid character class range");
            }
            /* Annex B: a set at either end makes '-' a literal member */
            t->i = save_i;
        }
        if (lo_set) {
            emit_cp(t, (uint32_t) lo);
            members++;
        } else {
            members++;
        }
        if (!lo_set && peek(t, 0) == '-' && peek(t, 1) != ']' && peek(t, 1) >= 0) {
            t->i++;
            emit_cp(t, '-');
        }
    }
    if (members == 0) {
        t->olen = start;
        if (negate) {
            emit_any(t, 0);             /* [^] */
        } else {
            emit(t, "(?!)");            /* [] */
        }
        return;
    }
    emit(t, "]");
}

/* Parses {n}, {n,}, {n,m} at i; 1 if one is there (i past it), else 0. */
static int
parse_braces(struct tr *t, double *min, double *max)
{
    size_t save = t->i;
    double a = 0, b;

    if (peek(t, 0) != '{' || !is_digit(peek(t, 1))) {
        return 0;
    }
    t->i++;
    while (is_digit(peek(t, 0))) {
        a = a * 10 + (t->s[t->i++] - '0');
    }
    b = a;
    if (peek(t, 0) == ',') {
        t->i++;
        if (is_digit(peek(t, 0))) {
            b = 0;
            while (is_digit(peek(t, 0))) {
                b = b * 10 + (t->s[t->i++] - '0');
            }
        } else {
            b = -1;
        }
    }
    if (peek(t, 0) != '}') {
        t->i = save;
        return 0;
    }
    t->i++;
    *min = a;
    *max = b;
    return 1;
}

/* A quantifier at i (after an atom that starts at output offset atom_at);
 * quantifiable: 0 makes one an error. */
static void
parse_quantifier(struct tr *t, size_t atom_at, int quantifiable, int wrap)
{
    double min, max;
    char   b[64];
    int    c = peek(t, 0), braces = 0;

    if (c == '*' || c == '+' || c == '?') {
        t->i++;
    } else if (c == '{' && parse_braces(t, &min, &max)) {
        braces = 1;
        if (max >= 0 && min > max) {
            (void) tr_fail(t, "numbers out of order in {} quantifier");
        }
    } else {
        return;
    }
    if (!quantifiable) {
        (void) tr_fail(t, "nothing to repeat");
    }
    if (wrap) {
        /* a lookahead (Annex B allows quantifying one): (?:...) around it */
        size_t     len = t->olen - atom_at;
        duk_size_t cap;
        char      *o;

        emit(t, "(?:");
        o = duk_get_buffer(t->ctx, t->out_idx, &cap);
        memmove(o + atom_at + 3, o + atom_at, len);
        memcpy(o + atom_at, "(?:", 3);
        emit(t, ")");
    }
    if (braces) {
        if (min > MAX_QUANT) {
            (void) tr_fail(t, "quantifier bound above 65535 (nanod's limit)");
        }
        if (max > MAX_QUANT) {
            max = -1;
        }
        if (max < 0) {
            snprintf(b, sizeof(b), "{%d,}", (int) min);
        } else if (max == min) {
            snprintf(b, sizeof(b), "{%d}", (int) min);
        } else {
            snprintf(b, sizeof(b), "{%d,%d}", (int) min, (int) max);
        }
        emit(t, b);
    } else {
        b[0] = (char) c;
        emit_n(t, b, 1);
    }
    if (peek(t, 0) == '?') {
        t->i++;
        emit(t, "?");
    }
}

static void
emit_word_boundary(struct tr *t, int negate)
{
    const struct range *r;
    size_t              nr, k;
    const char         *parts[4];

    if (!t->ucp && !(t->u && t->icase)) {
        emit(t, negate ? "\\B" : "\\b");
        return;
    }
    class_escape_ranges(t, 'w', &r, &nr);
    if (t->ucp) {
        emit(t, "(?-i:");
    }
    if (negate) {
        parts[0] = "(?:(?<=";
        parts[1] = ")(?=";
        parts[2] = ")|(?<!";
        parts[3] = ")(?!";
    } else {
        parts[0] = "(?:(?<=";
        parts[1] = ")(?!";
        parts[2] = ")|(?<!";
        parts[3] = ")(?=";
    }
    for (k = 0; k < 4; k++) {
        emit(t, parts[k]);
        emit(t, "[");
        emit_ranges(t, r, nr, 0);
        emit(t, "]");
    }
    emit(t, t->ucp ? ")))" : "))");
}

/* One Term at i; 0 at the end of an Alternative. */
static int
parse_term(struct tr *t)
{
    size_t at = t->olen;
    int    c = peek(t, 0);

    if (c < 0 || c == '|' || c == ')') {
        return 0;
    }
    switch (c) {
    case '^':
        t->i++;
        if (t->multi) {
            emit(t, "(?:^|(?<=[");
            emit_ranges(t, R_LINE, NR(R_LINE), 0);
            emit(t, "]))");
        } else {
            emit(t, "^");
        }
        parse_quantifier(t, at, 0, 0);
        return 1;
    case '$':
        t->i++;
        if (t->multi) {
            emit(t, "(?=[");
            emit_ranges(t, R_LINE, NR(R_LINE), 0);
            emit(t, "]|\\z)");
        } else {
            emit(t, "\\z");
        }
        parse_quantifier(t, at, 0, 0);
        return 1;
    case '.':
        t->i++;
        emit_any(t, 1);
        break;
    case '[':
        t->i++;
        parse_class(t);
        break;
    case '(': {
        int look = 0, behind = 0;

        t->i++;
        if (++t->depth > MAX_DEPTH) {
            (void) tr_fail(t, "groups nested too deeply");
        }
        if (peek(t, 0) == '?') {
            int c1 = peek(t, 1), c2 = peek(t, 2);

            if (c1 == ':') {
                t->i += 2;
                emit(t, "(?:");
            } else if (c1 == '=' || c1 == '!') {
                t->i += 2;
                look = 1;
                emit(t, c1 == '=' ? "(?=" : "(?!");
            } else if (c1 == '<' && (c2 == '=' || c2 == '!')) {
                t->i += 3;
                behind = 1;
                emit(t, c2 == '=' ? "(?<=" : "(?<!");
            } else if (c1 == '<') {
                t->i += 2;
                parse_group_name(t);
                duk_pop(t->ctx);
                t->cap++;
                emit(t, "(");
            } else {
                (void) tr_fail(t, "invalid group");
            }
        } else {
            t->cap++;
            emit(t, "(");
        }
        parse_disjunction(t);
        if (peek(t, 0) != ')') {
            (void) tr_fail(t, "unterminated group");
        }
        t->i++;
        t->depth--;
        emit(t, ")");
        parse_quantifier(t, at, !behind && !(look && t->u), look);
        return 1;
    }
    case '*':
    case '+':
    case '?':
        (void) tr_fail(t, "nothing to repeat");
        break;
    case '{': {
        double a, b;

        if (t->u || parse_braces(t, &a, &b)) {
            (void) tr_fail(t, t->u ? "lone quantifier brackets" : "nothing to repeat");
        }
        t->i++;
        emit_cp(t, '{');
        break;
    }
    case '}':
    case ']':
        if (t->u) {
            (void) tr_fail(t, "lone quantifier brackets");
        }
        t->i++;
        emit_cp(t, (uint32_t) c);
        break;
    case '\\': {
        int c1;

        t->i++;
        c1 = peek(t, 0);
        if (c1 == 'b' || c1 == 'B') {
            t->i++;
            emit_word_boundary(t, c1 == 'B');
            parse_quantifier(t, at, 0, 0);
            return 1;
        }
        if (c1 == 'd' || c1 == 'D' || c1 == 's' || c1 == 'S' || c1 == 'w' || c1 == 'W') {
            const struct range *r;
            size_t              nr;

            t->i++;
            class_escape_ranges(t, c1, &r, &nr);
            /* the sets hold both cases already: folding would only add the
             * non-ASCII chars JS does not fold (long s, Kelvin sign) */
            emit(t, t->ucp ? "(?-i:" : "");
            emit(t, c1 < 'a' ? "[^" : "[");
            emit_ranges(t, r, nr, 0);
            emit(t, t->ucp ? "])" : "]");
            break;
        }
        if (t->u && (c1 == 'p' || c1 == 'P')) {
            t->i++;
            parse_property(t, c1 == 'P', 0);
            break;
        }
        if (c1 == 'k' && (t->u || t->has_names)) {
            char b[32];
            int  g;

            t->i++;
            if (peek(t, 0) != '<') {
                (void) tr_fail(t, "invalid named reference");
            }
            t->i++;
            parse_group_name(t);
            if ((g = name_lookup(t)) == 0) {
                (void) tr_fail(t, "invalid named capture referenced");
            }
            snprintf(b, sizeof(b), "\\g{%d}", g);
            emit(t, b);
            break;
        }
        if (c1 >= '1' && c1 <= '9') {
            size_t save = t->i;
            double v = 0;

            while (is_digit(peek(t, 0))) {
                v = v * 10 + (t->s[t->i++] - '0');
            }
            if (v <= t->ncaps) {
                char b[32];

                snprintf(b, sizeof(b), "\\g{%d}", (int) v);
                emit(t, b);
                break;
            }
            if (t->u) {
                (void) tr_fail(t, "invalid escape");
            }
            t->i = save;
            if (c1 >= '8') {
                t->i++;
                emit_cp(t, (uint32_t) c1);
            } else {
                emit_cp(t, legacy_octal(t));
            }
            break;
        }
        emit_atom_cp(t, (uint32_t) char_escape(t, 0));
        break;
    }
    default:
        emit_atom_cp(t, next_cp(t));
        break;
    }
    parse_quantifier(t, at, 1, 0);
    return 1;
}

static void
parse_disjunction(struct tr *t)
{
    for (;;) {
        while (parse_term(t)) {
        }
        if (peek(t, 0) != '|') {
            return;
        }
        t->i++;
        emit(t, "|");
    }
}

/* Flags string at idx -> bits; SyntaxError on a bad one. */
static int
parse_flags(duk_context *ctx, duk_idx_t idx)
{
    duk_size_t  len, k;
    const char *f = duk_get_lstring(ctx, idx, &len);
    int         bits = 0, b;

    for (k = 0; k < len; k++) {
        switch (f[k]) {
        case 'g': b = ND_RE_GLOBAL; break;
        case 'i': b = ND_RE_ICASE; break;
        case 'm': b = ND_RE_MULTI; break;
        case 's': b = ND_RE_DOTALL; break;
        case 'u': b = ND_RE_UNICODE; break;
        case 'y': b = ND_RE_STICKY; break;
        case 'd': b = ND_RE_INDICES; break;
        default: b = 0;
        }
        if (b == 0 || (bits & b) != 0) {
            return duk_error(ctx, DUK_ERR_SYNTAX_ERROR, "Invalid regular expression flags '%s'",
                             f);
        }
        bits |= b;
    }
    return bits;
}

/* -> [ ... escaped ]: source for .source (EscapeRegExpPattern): "/" and
 * line terminators escaped, "(?:)" for an empty pattern. */
static void
push_escaped_source(duk_context *ctx, duk_idx_t idx)
{
    duk_size_t           len, k;
    const unsigned char *p = (const unsigned char *) duk_get_lstring(ctx, idx, &len);
    unsigned char       *o;
    size_t               n = 0;
    int                  in_class = 0;

    if (len == 0) {
        duk_push_literal(ctx, "(?:)");
        return;
    }
    o = duk_push_fixed_buffer(ctx, len * 2 + 8);
    for (k = 0; k < len; k++) {
        unsigned char c = p[k];

        if (c == '\\' && k + 1 < len) {
            o[n++] = c;
            c = p[++k];
            if (c == '\n' || c == '\r') {
                o[n++] = c == '\n' ? 'n' : 'r';
                continue;
            }
        } else if (c == '[') {
            in_class = 1;
        } else if (c == ']') {
            in_class = 0;
        } else if (c == '/' && !in_class) {
            o[n++] = '\\';
        } else if (c == '\n' || c == '\r') {
            o[n++] = '\\';
            o[n++] = c == '\n' ? 'n' : 'r';
            continue;
        } else if (c == 0xE2 && k + 2 < len && p[k + 1] == 0x80
                   && (p[k + 2] == 0xA8 || p[k + 2] == 0xA9)) {
            memcpy(o + n, p[k + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            n += 6;
            k += 2;
            continue;
        }
        o[n++] = c;
        if (n + 8 > len * 2 + 8) {
            break;                      /* cannot happen: each byte adds <= 2 */
        }
    }
    duk_push_lstring(ctx, (const char *) o, n);
    duk_remove(ctx, -2);
}

void
nd_re_compile(duk_context *ctx)
{
    struct tr  t;
    duk_size_t plen;
    const char *pat;
    uint16_t  *units;
    int        flags, has4, k;
    duk_idx_t  base;
    char       head[32];

    /* [ ... pattern flags ] */
    duk_require_string(ctx, -2);
    duk_require_string(ctx, -1);
    base = duk_get_top(ctx) - 2;
    flags = parse_flags(ctx, base + 1);
    pat = duk_get_lstring(ctx, base, &plen);
    if (plen > MAX_PATTERN) {
        (void) duk_error(ctx, DUK_ERR_SYNTAX_ERROR, "Invalid regular expression: pattern too long");
    }
    memset(&t, 0, sizeof(t));
    t.ctx = ctx;
    t.pat_idx = base;
    units = duk_push_fixed_buffer(ctx, (plen + 1) * sizeof(uint16_t));     /* base+2 */
    t.s = units;
    t.n = to_units((const unsigned char *) pat, plen, units, &has4, NULL);
    t.u = (flags & ND_RE_UNICODE) != 0;
    t.icase = (flags & ND_RE_ICASE) != 0;
    t.ucp = !t.u && t.icase;
    t.dotall = (flags & ND_RE_DOTALL) != 0;
    t.multi = (flags & ND_RE_MULTI) != 0;
    duk_push_dynamic_buffer(ctx, plen * 2 + 64);                            /* base+3 */
    t.out_idx = base + 3;
    duk_push_bare_array(ctx);                                                /* base+4 */
    t.names_idx = base + 4;

    prescan(&t);
    parse_disjunction(&t);
    if (t.i < t.n) {
        (void) tr_fail(&t, "unmatched ')'");
    }

    /* bytecode: flags byte, "ncaps [k=name,...]\n", PCRE2 pattern */
    head[0] = (char) flags;             /* may be 0 or '\n': never searched */
    snprintf(head + 1, sizeof(head) - 1, "%d ", t.ncaps);
    duk_push_lstring(ctx, head, 1 + strlen(head + 1));
    for (k = 0; k < t.ncaps; k++) {
        duk_get_prop_index(ctx, t.names_idx, (duk_uarridx_t) k);
        if (duk_is_string(ctx, -1)) {
            duk_push_sprintf(ctx, "%d=", k + 1);
            duk_insert(ctx, -2);
            duk_push_literal(ctx, ",");
            duk_concat(ctx, 3);
            duk_concat(ctx, 2);
        } else {
            duk_pop(ctx);
        }
    }
    duk_push_literal(ctx, "\n");
    duk_push_lstring(ctx, duk_get_buffer(ctx, t.out_idx, NULL), t.olen);
    duk_concat(ctx, 3);                                                      /* base+5 */
    push_escaped_source(ctx, base);                                          /* base+6 */
    duk_swap_top(ctx, -2);
    /* -> [ ... pattern flags units out names escaped bytecode ] */
    duk_replace(ctx, base + 1);
    duk_replace(ctx, base);
    duk_set_top(ctx, base + 2);
}

/* The flags string of a bytecode's flag bits ([[OriginalFlags]]). */
static void
push_flags(duk_context *ctx, int bits)
{
    static const struct {
        int  bit;
        char c;
    } order[] = { { ND_RE_INDICES, 'd' }, { ND_RE_GLOBAL, 'g' }, { ND_RE_ICASE, 'i' },
                  { ND_RE_MULTI, 'm' }, { ND_RE_DOTALL, 's' }, { ND_RE_UNICODE, 'u' },
                  { ND_RE_STICKY, 'y' } };
    char   b[8];
    size_t k, n = 0;

    for (k = 0; k < NR(order); k++) {
        if (bits & order[k].bit) {
            b[n++] = order[k].c;
        }
    }
    duk_push_lstring(ctx, b, n);
}

int
nd_re_ctor_args(duk_context *ctx, int is_new)
{
    int is_re = 0, matcher = 0, same;

    /* [ pattern flags ] */
    if (duk_is_object(ctx, 0)) {
        matcher = duk_get_prop_literal(ctx, 0, KEY_BYTECODE) && duk_is_string(ctx, -1);
        duk_pop(ctx);
        duk_push_literal(ctx, "\x81" "Symbol.match" "\xff");
        duk_get_prop(ctx, 0);
        is_re = duk_is_undefined(ctx, -1) ? matcher : (int) duk_to_boolean(ctx, -1);
        duk_pop(ctx);
    }
    if (!is_new && is_re && duk_is_undefined(ctx, 1)) {
        duk_get_prop_literal(ctx, 0, "constructor");
        duk_push_current_function(ctx);
        same = duk_strict_equals(ctx, -1, -2);
        duk_pop_2(ctx);
        if (same) {
            duk_dup(ctx, 0);
            return 1;
        }
    }
    if (matcher) {
        duk_get_prop_literal(ctx, 0, "\x82" "Source");
        if (duk_is_undefined(ctx, 1)) {
            duk_get_prop_literal(ctx, 0, KEY_BYTECODE);
            push_flags(ctx, (unsigned char) duk_get_string(ctx, -1)[0]);
            duk_remove(ctx, -2);
        } else {
            duk_dup(ctx, 1);
        }
    } else if (is_re) {
        duk_get_prop_literal(ctx, 0, "source");
        if (duk_is_undefined(ctx, 1)) {
            duk_get_prop_literal(ctx, 0, "flags");
        } else {
            duk_dup(ctx, 1);
        }
    } else {
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
    }
    /* [ pattern flags P F ]: undefined is "" (ToString rejects Symbols) */
    if (duk_is_undefined(ctx, -2)) {
        duk_push_literal(ctx, "");
        duk_replace(ctx, -3);
    }
    if (duk_is_undefined(ctx, -1)) {
        duk_push_literal(ctx, "");
        duk_replace(ctx, -2);
    }
    duk_to_string(ctx, -2);
    duk_to_string(ctx, -1);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Compiled code cache (per process)                                   */
/* ------------------------------------------------------------------ */

#define CACHE_SLOTS   1024              /* a power of 2 */
#define CACHE_MAX     512               /* entries before the cache is emptied */
#define CACHE_BYTES   (32u << 20)       /* compiled bytes before it is emptied */

struct re_name {
    int    group;
    size_t off, len;                    /* in key */
};

struct re_code {
    char           *key;                /* owned: the bytecode string */
    size_t          keylen;
    uint32_t        hash;
    pcre2_code     *code;               /* owned */
    int             flags;
    int             ncaps;
    int             nnames;
    struct re_name *names;              /* owned */
    size_t          bytes;
};

/* GLOBAL: compiled patterns of every heap of this (single-threaded) worker;
 * code is immutable and shared. Bounded by CACHE_MAX and CACHE_BYTES. */
static struct re_code *g_cache[CACHE_SLOTS];
static int             g_cache_n;       /* GLOBAL: entries in g_cache */
static size_t          g_cache_bytes;   /* GLOBAL: their compiled size */
/* GLOBAL: matching state reused by every exec (never used re-entrantly). */
static pcre2_match_context *g_mctx;
static pcre2_jit_stack     *g_jstack;
static pcre2_match_data    *g_mdata;
static uint32_t             g_mdata_pairs;
static uint32_t            *g_subj;     /* the last subject's elements */
static size_t               g_subj_cap;
static void                *g_subj_key; /* its Duktape string (NULL: none cached) */
static struct nd_js        *g_subj_js;  /* in that heap */
static size_t               g_subj_n;   /* elements */
static int                  g_subj_u;   /* converted with 'u' (code points) */

static void
entry_free(struct re_code *e)
{
    if (e != NULL) {
        pcre2_code_free(e->code);
        free(e->names);
        free(e->key);
        free(e);
    }
}

void
nd_re_cache_clear(void)
{
    int k;

    for (k = 0; k < CACHE_SLOTS; k++) {
        entry_free(g_cache[k]);
        g_cache[k] = NULL;
    }
    g_cache_n = 0;
    g_cache_bytes = 0;
    for (k = 0; k < FOLD_CACHE; k++) {
        free(g_fold_cache[k].ranges);
        g_fold_cache[k].ranges = NULL;
    }
}

static uint32_t
fnv(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    size_t   k;

    for (k = 0; k < len; k++) {
        h = (h ^ (unsigned char) p[k]) * 16777619u;
    }
    return h;
}

/* Rewrites {n,m} with m > max into {n,} in a translated pattern (where "{"
 * after a backslash and x, p, P or g opens an escape, and any other "{" a
 * quantifier: literal braces are always \x{7b}). Returns the new length. */
static size_t
unbound_repeats(PCRE2_UCHAR *p, size_t len, unsigned max)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        p[o++] = p[i];
        if (p[i] != '{' || (i >= 2 && p[i - 2] == '\\' && (p[i - 1] == 'x' || p[i - 1] == 'p'
                                                          || p[i - 1] == 'P'
                                                          || p[i - 1] == 'g'))) {
            continue;
        }
        {
            size_t   j = i + 1, comma = 0;
            unsigned hi = 0;

            while (j < len && p[j] != '}') {
                if (p[j] == ',') {
                    comma = j;
                } else if (comma != 0) {
                    hi = hi * 10 + (unsigned) (p[j] - '0');
                }
                j++;
            }
            if (j < len && comma != 0 && comma + 1 < j && hi > max) {
                /* copy "n," then "}" */
                while (i + 1 <= comma) {
                    p[o++] = p[++i];
                }
                p[o++] = '}';
                i = j;
            }
        }
    }
    return o;
}

/* Builds an entry for bytecode (key, len); NULL with msg on failure. */
static struct re_code *
entry_new(const char *key, size_t len, uint32_t hash, char *msg, size_t msgsize)
{
    struct re_code *e = calloc(1, sizeof(*e));
    const char     *nl = len > 1 ? memchr(key + 1, '\n', len - 1) : NULL, *p;
    PCRE2_UCHAR    *pat = NULL;
    size_t          plen, k;
    uint32_t        opts;
    int             err;
    PCRE2_SIZE      eoff;

    if (e == NULL || nl == NULL || len < 3) {
        snprintf(msg, msgsize, "%s", e == NULL ? "out of memory" : "bad regexp bytecode");
        goto fail;
    }
    e->key = malloc(len);
    if (e->key == NULL) {
        snprintf(msg, msgsize, "out of memory");
        goto fail;
    }
    memcpy(e->key, key, len);
    e->keylen = len;
    e->hash = hash;
    e->flags = (unsigned char) key[0];
    e->ncaps = (int) strtol(key + 1, NULL, 10);
    /* names: "k=name," up to the newline */
    p = memchr(key + 1, ' ', (size_t) (nl - key - 1));
    p = p == NULL ? nl : p + 1;
    for (k = 0; p + k < nl; k++) {
        e->nnames += p[k] == ',';
    }
    if (e->nnames > 0) {
        e->names = calloc((size_t) e->nnames, sizeof(*e->names));
        if (e->names == NULL) {
            snprintf(msg, msgsize, "out of memory");
            goto fail;
        }
    }
    for (k = 0; p < nl && (int) k < e->nnames; k++) {
        const char *eq = memchr(p, '=', (size_t) (nl - p));
        const char *comma = eq == NULL ? NULL : memchr(eq, ',', (size_t) (nl - eq));

        if (comma == NULL) {
            snprintf(msg, msgsize, "bad regexp bytecode");
            goto fail;
        }
        e->names[k].group = (int) strtol(p, NULL, 10);
        e->names[k].off = (size_t) (eq + 1 - key);
        e->names[k].len = (size_t) (comma - eq - 1);
        p = comma + 1;
    }
    /* the pattern is ASCII: widen it */
    plen = len - (size_t) (nl + 1 - key);
    pat = malloc((plen + 1) * sizeof(*pat));
    if (pat == NULL) {
        snprintf(msg, msgsize, "out of memory");
        goto fail;
    }
    for (k = 0; k < plen; k++) {
        pat[k] = (unsigned char) nl[1 + k];
    }
    /* never UTF mode: the subject holds code points under 'u' (see
     * to_subject), so a lone surrogate is one like any other */
    opts = PCRE2_MATCH_UNSET_BACKREF | PCRE2_NEVER_BACKSLASH_C | PCRE2_DOLLAR_ENDONLY;
    if (e->flags & ND_RE_ICASE) {
        opts |= PCRE2_CASELESS | PCRE2_UCP;     /* Unicode case folding */
    }
    e->code = pcre2_compile(pat, plen, opts, &err, &eoff, NULL);
    if (e->code == NULL && err == PCRE2_ERROR_PATTERN_TOO_LARGE) {
        /* PCRE2 copies a group once per counted repeat and its code is at
         * most 64 KB (LINK_SIZE 2): marked's (...){0,999} guards do not
         * fit. Large upper bounds become unbounded, which changes a result
         * only for input with more repetitions than the bound. */
        plen = unbound_repeats(pat, plen, 64);
        e->code = pcre2_compile(pat, plen, opts, &err, &eoff, NULL);
    }
    free(pat);
    pat = NULL;
    if (e->code == NULL) {
        PCRE2_UCHAR ebuf[160];
        char        m8[160];
        int         n = pcre2_get_error_message(err, ebuf, 160);

        for (k = 0; n > 0 && k < (size_t) n && k + 1 < sizeof(m8); k++) {
            m8[k] = ebuf[k] < 128 ? (char) ebuf[k] : '?';
        }
        m8[k] = '\0';
        snprintf(msg, msgsize, "%s (not supported by nanod's PCRE2 10.42)", m8);
        goto fail;
    }
    (void) pcre2_jit_compile(e->code, PCRE2_JIT_COMPLETE);  /* the interpreter otherwise */
    {
        size_t sz = 0, jsz = 0;

        (void) pcre2_pattern_info(e->code, PCRE2_INFO_SIZE, &sz);
        (void) pcre2_pattern_info(e->code, PCRE2_INFO_JITSIZE, &jsz);
        e->bytes = sz + jsz + len + sizeof(*e);
    }
    return e;
fail:
    free(pat);
    entry_free(e);
    return NULL;
}

/* The entry of the bytecode string at idx; throws on failure. */
static struct re_code *
cache_get(duk_context *ctx, duk_idx_t idx)
{
    duk_size_t      len;
    const char     *key = duk_get_lstring(ctx, idx, &len);
    uint32_t        h = fnv(key, len), k;
    struct re_code *e;
    char            msg[256];

    for (k = 0; k < CACHE_SLOTS; k++) {
        e = g_cache[(h + k) & (CACHE_SLOTS - 1)];
        if (e == NULL) {
            break;
        }
        if (e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0) {
            return e;
        }
    }
    e = entry_new(key, len, h, msg, sizeof(msg));
    if (e == NULL) {
        (void) duk_error(ctx, DUK_ERR_SYNTAX_ERROR, "Invalid regular expression: %s", msg);
    }
    if (g_cache_n >= CACHE_MAX || g_cache_bytes + e->bytes > CACHE_BYTES) {
        nd_re_cache_clear();
    }
    for (k = 0; g_cache[(h + k) & (CACHE_SLOTS - 1)] != NULL; k++) {
    }
    g_cache[(h + k) & (CACHE_SLOTS - 1)] = e;
    g_cache_n++;
    g_cache_bytes += e->bytes;
    return e;
}

/* ------------------------------------------------------------------ */
/* Exec                                                                */
/* ------------------------------------------------------------------ */

#define LIMIT_FIRST 1000000u            /* ~4 ms of JIT backtracking */
#define LIMIT_CAP   400000000u          /* ~1.5 s: heaps without a deadline */

/*
 * pcre2_match under the heap's CPU deadline. PCRE2 cannot be interrupted,
 * only bounded (a match limit: backtracking steps), so the match runs with
 * a small limit first (no clock read: most matches end far below it); on
 * hitting it, the deadline is checked, and the next attempt gets a limit
 * sized from the speed just measured and the CPU time left (at most 4x the
 * last): an attempt that cannot finish in time uses up the budget, then the
 * deadline check turns it into the same RangeError (-> 503) as a JS loop.
 * Heaps without a deadline stop at LIMIT_CAP.
 */
static int
run_match(duk_context *ctx, struct re_code *e, size_t n, size_t start, uint32_t opts)
{
    struct nd_js *js = nd_js_of(ctx);
    double        limit = LIMIT_FIRST, next;
    int64_t       t0 = 0, t1;
    int           rc;

    for (;;) {
        pcre2_set_match_limit(g_mctx, (uint32_t) limit);
        rc = pcre2_match(e->code, g_subj, n, start, opts, g_mdata, g_mctx);
        if (rc != PCRE2_ERROR_MATCHLIMIT) {
            break;
        }
        if (nd_js_exec_timeout_check(js)) {
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s",
                             "cpu_limit exceeded in a regular expression");
        }
        t1 = nd_sys_cpu_us();
        next = limit * 4;
        if (js != NULL && js->budget_us > 0) {
            if (t0 != 0 && t1 > t0) {
                double rate = limit / (double) (t1 - t0);          /* steps per us */
                double left = (double) (js->budget_us - (t1 - js->t0_cpu_us));

                if (left < 1000) {
                    left = 1000;
                }
                if (rate * left * 1.1 < next) {
                    next = rate * left * 1.1;
                }
            }
        } else if (limit >= LIMIT_CAP) {
            return duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s",
                             "regular expression too complex (backtracking limit)");
        }
        if (next > 4e9) {
            next = 4e9;
        }
        limit = next < LIMIT_FIRST ? LIMIT_FIRST : next;
        t0 = t1;
    }
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_HEAPLIMIT
        || rc == PCRE2_ERROR_DEPTHLIMIT) {
        return duk_error(ctx, DUK_ERR_RANGE_ERROR, "%s",
                         "regular expression too complex (stack limit)");
    }
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        return duk_error(ctx, DUK_ERR_ERROR, "regular expression match failed (PCRE2 %d)", rc);
    }
    return rc;
}

static void
match_state_init(duk_context *ctx, uint32_t pairs)
{
    if (g_mctx == NULL) {
        g_mctx = pcre2_match_context_create(NULL);
        g_jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
        if (g_mctx == NULL || g_jstack == NULL) {
            (void) duk_error(ctx, DUK_ERR_ERROR, "out of memory (regexp)");
        }
        pcre2_jit_stack_assign(g_mctx, NULL, g_jstack);
        pcre2_set_heap_limit(g_mctx, 64 * 1024);        /* KiB, interpreter only */
    }
    if (g_mdata == NULL || g_mdata_pairs < pairs) {
        pcre2_match_data_free(g_mdata);
        g_mdata = pcre2_match_data_create(pairs < 16 ? 16 : pairs, NULL);
        g_mdata_pairs = pairs < 16 ? 16 : pairs;
        if (g_mdata == NULL) {
            g_mdata_pairs = 0;
            (void) duk_error(ctx, DUK_ERR_ERROR, "out of memory (regexp)");
        }
    }
}

/*
 * The last long subject stays converted: Duktape's global replace, match and
 * split call exec once per match on the same string, which would otherwise
 * convert it each time (quadratic). The string is kept alive in the heap's
 * stash, so that its address identifies it while cached.
 */
#define SUBJ_CACHE_MIN 64               /* bytes: shorter ones just convert */
#define KEY_SUBJECT    "\xff" "ndReSubject"

static int
subject_cached(duk_context *ctx, duk_idx_t in)
{
    void *hp = duk_get_heapptr(ctx, in);
    int   same;

    if (g_subj_key == NULL || g_subj_key != hp || g_subj_js != nd_js_of(ctx)) {
        return 0;
    }
    duk_push_global_stash(ctx);
    duk_get_prop_literal(ctx, -1, KEY_SUBJECT);
    same = duk_get_heapptr(ctx, -1) == hp;
    duk_pop_2(ctx);
    return same;
}

static void
subject_keep(duk_context *ctx, duk_idx_t in)
{
    duk_push_global_stash(ctx);
    duk_dup(ctx, in);
    duk_put_prop_literal(ctx, -2, KEY_SUBJECT);
    duk_pop(ctx);
}

/* Duktape char offset of unit offset u (map: unit -> char, or NULL). */
static double
to_char(const uint32_t *map, size_t u)
{
    return map == NULL ? (double) u : (double) map[u];
}

static void
put_last_index(duk_context *ctx, duk_idx_t re, double v)
{
    duk_push_number(ctx, v);
    duk_put_prop_literal(ctx, re, "lastIndex");
}

void
nd_re_exec(duk_context *ctx, int mode)
{
    duk_idx_t       re = duk_get_top(ctx) - 2, in = re + 1;
    struct re_code *e;
    duk_size_t      blen;
    const char     *s;
    double          li;
    size_t          n, start, k;
    int             global, sticky, mapped, uflag, rc, g;
    uint32_t       *map = NULL;
    PCRE2_SIZE     *ov, *ovc;

    /* [ ... re input ] */
    if (!duk_is_object(ctx, re) || !duk_get_prop_literal(ctx, re, KEY_BYTECODE)
        || !duk_is_string(ctx, -1)) {
        (void) duk_type_error(ctx, "not a RegExp");
    }
    s = duk_to_string(ctx, in);
    e = cache_get(ctx, -1);
    duk_pop(ctx);
    global = (mode & ND_RE_EXEC_GLOBAL) || (e->flags & ND_RE_GLOBAL);
    sticky = (e->flags & ND_RE_STICKY) != 0;

    duk_get_prop_literal(ctx, re, "lastIndex");
    li = duk_to_number(ctx, -1);
    duk_pop(ctx);
    if (li != li || li < 0) {
        li = 0;
    }
    if (!global && !sticky) {
        li = 0;
    }

    /* the subject as UTF-16 units (code points under 'u'), in a
     * per-process buffer. An allocation in this heap may run a finalizer
     * (JS, maybe another exec): so the buffers pushed here come first, and
     * the ovector is copied out. */
    ovc = duk_push_fixed_buffer(ctx, 2 * ((size_t) e->ncaps + 1) * sizeof(PCRE2_SIZE));
    s = duk_get_lstring(ctx, in, &blen);
    uflag = (e->flags & ND_RE_UNICODE) != 0;
    if (blen >= SUBJ_CACHE_MIN && g_subj_u == uflag && subject_cached(ctx, in)) {
        n = g_subj_n;                   /* a global replace/split/match loop */
    } else {
        if (blen >= SUBJ_CACHE_MIN) {
            subject_keep(ctx, in);      /* before converting: it may allocate */
        }
        if (blen + 1 > g_subj_cap) {
            size_t    cap = blen + 1 < 256 ? 256 : blen + 1;
            uint32_t *nb = malloc(cap * sizeof(uint32_t));

            if (nb == NULL) {
                (void) duk_error(ctx, DUK_ERR_ERROR, "out of memory (regexp subject)");
            }
            free(g_subj);
            g_subj = nb;
            g_subj_cap = cap;
        }
        g_subj_key = NULL;
        n = to_subject((const unsigned char *) s, blen, g_subj, uflag, &mapped, NULL);
        if (mapped) {
            /* elements and Duktape chars differ somewhere: map them */
            map = duk_push_fixed_buffer(ctx, (n + 1) * sizeof(uint32_t));
            (void) to_subject((const unsigned char *) s, blen, g_subj, uflag, &mapped, map);
        } else if (blen >= SUBJ_CACHE_MIN) {
            g_subj_key = duk_get_heapptr(ctx, in);
            g_subj_js = nd_js_of(ctx);
            g_subj_n = n;
            g_subj_u = uflag;
        }
    }
    /* lastIndex (Duktape chars) -> the element holding it */
    if (map != NULL && li <= (double) map[n]) {
        size_t u = 0;

        while (u < n && map[u + 1] <= li) {
            u++;
        }
        start = u;
    } else {
        start = li > (double) n ? n + 1 : (size_t) li;
    }
    rc = PCRE2_ERROR_NOMATCH;
    if (start <= n) {
        match_state_init(ctx, (uint32_t) e->ncaps + 1);
        rc = run_match(ctx, e, n, start, sticky ? PCRE2_ANCHORED : 0);
    }
    if (rc == PCRE2_ERROR_NOMATCH) {
        if (global || sticky) {
            put_last_index(ctx, re, 0);
        }
        duk_push_null(ctx);
        duk_replace(ctx, re);
        duk_set_top(ctx, re + 1);
        return;
    }
    if (rc == 0) {
        rc = (int) g_mdata_pairs;
    }
    {
        PCRE2_SIZE *mv = pcre2_get_ovector_pointer(g_mdata);

        for (k = 0; k < 2 * ((size_t) e->ncaps + 1); k++) {
            ovc[k] = k < 2 * (size_t) rc ? mv[k] : PCRE2_UNSET;
        }
    }
    ov = ovc;
    if (global || sticky) {
        put_last_index(ctx, re, to_char(map, ov[1]));
    }

    if (mode & ND_RE_EXEC_TEST) {
        duk_push_true(ctx);
        duk_replace(ctx, re);
        duk_set_top(ctx, re + 1);
        return;
    }
    /* the result: [ ... re input map? ] -> [ ... re input map? res ] */
    duk_push_array(ctx);
    {
        duk_idx_t res = duk_get_top_index(ctx);
        duk_idx_t groups = -1, indices = -1, igroups = -1;   /* -1: none */

        duk_push_number(ctx, to_char(map, ov[0]));
        duk_put_prop_literal(ctx, res, "index");
        duk_dup(ctx, in);
        duk_put_prop_literal(ctx, res, "input");
        if (e->flags & ND_RE_INDICES) {
            duk_push_array(ctx);
            indices = duk_get_top_index(ctx);
        }
        if (e->nnames > 0) {
            duk_push_bare_object(ctx);
            groups = duk_get_top_index(ctx);
            if (indices >= 0) {
                duk_push_bare_object(ctx);
                igroups = duk_get_top_index(ctx);
            }
        }
        for (g = 0; g <= e->ncaps; g++) {
            int set = ov[2 * g] != PCRE2_UNSET;

            if (set) {
                duk_dup(ctx, in);
                duk_substring(ctx, -1, (duk_size_t) to_char(map, ov[2 * g]),
                              (duk_size_t) to_char(map, ov[2 * g + 1]));
            } else {
                duk_push_undefined(ctx);
            }
            duk_put_prop_index(ctx, res, (duk_uarridx_t) g);
            if (indices >= 0) {
                if (set) {
                    duk_push_array(ctx);
                    duk_push_number(ctx, to_char(map, ov[2 * g]));
                    duk_put_prop_index(ctx, -2, 0);
                    duk_push_number(ctx, to_char(map, ov[2 * g + 1]));
                    duk_put_prop_index(ctx, -2, 1);
                } else {
                    duk_push_undefined(ctx);
                }
                duk_put_prop_index(ctx, indices, (duk_uarridx_t) g);
            }
        }
        for (k = 0; k < (size_t) e->nnames; k++) {
            struct re_name *nm = &e->names[k];

            duk_push_lstring(ctx, e->key + nm->off, nm->len);
            duk_get_prop_index(ctx, res, (duk_uarridx_t) nm->group);
            duk_put_prop(ctx, groups);
            if (igroups >= 0) {
                duk_push_lstring(ctx, e->key + nm->off, nm->len);
                duk_get_prop_index(ctx, indices, (duk_uarridx_t) nm->group);
                duk_put_prop(ctx, igroups);
            }
        }
        if (igroups >= 0) {
            duk_dup(ctx, igroups);
            duk_put_prop_literal(ctx, indices, "groups");
        } else if (indices >= 0) {
            duk_push_undefined(ctx);
            duk_put_prop_literal(ctx, indices, "groups");
        }
        /* Duktape's own replace/split/match loops never read .groups */
        if (groups >= 0 || !(mode & ND_RE_EXEC_GLOBAL)) {
            if (groups >= 0) {
                duk_dup(ctx, groups);
            } else {
                duk_push_undefined(ctx);
            }
            duk_put_prop_literal(ctx, res, "groups");
        }
        if (indices >= 0) {
            duk_dup(ctx, indices);
            duk_put_prop_literal(ctx, res, "indices");
        }
        duk_set_top(ctx, res + 1);
    }
    /* [ ... re input map? res ] -> [ ... res ] */
    duk_replace(ctx, re);
    duk_set_top(ctx, re + 1);
}

/* ------------------------------------------------------------------ */
/* Lazy JS side and natives                                            */
/* ------------------------------------------------------------------ */

static int g_re_file = -1;              /* GLOBAL: index of lazy/regexp.js (-2: none) */

void
nd_re_instance_made(duk_context *ctx)
{
    struct nd_js *js = nd_js_of(ctx);
    int           i;

    if (g_re_file == -1) {
        for (i = 0; i < nd_boot_lazy_nfiles; i++) {
            if (strcmp(nd_boot_lazy_files[i].name, "regexp") == 0) {
                g_re_file = i;
            }
        }
        if (g_re_file == -1) {
            g_re_file = -2;
        }
    }
    /* lazy_loaded's bit is set as the file starts to run: a regexp made by
     * lazy/regexp.js itself does not come back here */
    if (js == NULL || js->lib == NULL || g_re_file < 0 || g_re_file >= ND_LAZY_MAX
        || (js->lazy_loaded & ((uint32_t) 1 << g_re_file)) != 0) {
        return;
    }
    /* [ ... re ] */
    duk_push_heapptr(ctx, js->lib);
    duk_push_literal(ctx, "require");
    duk_push_literal(ctx, "regexp");
    duk_call_prop(ctx, -3, 1);
    duk_pop_2(ctx);
}

/* native.reSymbol(name): the well-known symbol Symbol.<name> (the same
 * internal bytes in every heap). */
static duk_ret_t
native_re_symbol(duk_context *ctx)
{
    duk_size_t  len;
    const char *name = duk_require_lstring(ctx, 0, &len);
    char        b[64];

    if (len > 40) {
        return duk_range_error(ctx, "bad symbol name");
    }
    snprintf(b, sizeof(b), "\x81Symbol.%s\xff", name);
    duk_push_lstring(ctx, b, strlen(b));
    return 1;
}

/* native.reFlags(x): the flag bits of RegExp x, or -1 when x is not one. */
static duk_ret_t
native_re_flags(duk_context *ctx)
{
    const char *bc;

    if (!duk_is_object(ctx, 0) || !duk_get_prop_literal(ctx, 0, KEY_BYTECODE)
        || (bc = duk_get_string(ctx, -1)) == NULL) {
        duk_push_int(ctx, -1);
        return 1;
    }
    {
        const char *sp = strchr(bc + 1, ' ');
        int         named = sp != NULL && sp[1] != '\n';

        duk_push_int(ctx, (unsigned char) bc[0] | (named ? 0x100 : 0));
    }
    return 1;
}

/* native.reExec(re, s): RegExpBuiltinExec (this = ignored). */
static duk_ret_t
native_re_exec(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    nd_re_exec(ctx, 0);
    return 1;
}

void
nd_re_bind(duk_context *ctx, duk_idx_t native)
{
    static const duk_function_list_entry fns[] = {
        { "reSymbol", native_re_symbol, 1 },
        { "reFlags", native_re_flags, 1 },
        { "reExec", native_re_exec, 2 },
        { NULL, NULL, 0 },
    };

    nd_bind_put_list(ctx, native, fns);
}
