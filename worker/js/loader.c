#include <ctype.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/js/loader.h"

static int
word_at(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);

    return (size_t) (end - p) >= n && memcmp(p, word, n) == 0
        && (p + n == end || !(isalnum((unsigned char) p[n]) || p[n] == '_' || p[n] == '$'));
}

/*
 * Line-based: module syntax sits at the start of a top-level line in practice.
 * Lines inside block comments are skipped; strings spanning lines cannot start
 * with these keywords in valid code.
 */
char *
nd_loader_transform(const char *src, size_t len, size_t *outlen, int *line, char *msg,
                    size_t msgsize)
{
    static const char repl[] = "module.exports =";
    const char       *p = src, *end = src + len;
    char             *out, *o;
    int               lineno = 1, in_comment = 0;

    /* "export default" (14) -> "module.exports =" (16): +2 per occurrence. */
    out = malloc(len + len / 7 + 16);
    if (out == NULL) {
        snprintf(msg, msgsize, "out of memory");
        *line = 0;
        return NULL;
    }
    o = out;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t) (end - p)), *q = p;
        if (eol == NULL) {
            eol = end;
        }
        while (q < eol && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (!in_comment && word_at(q, eol, "export")) {
            const char *r = q + 6;
            while (r < eol && (*r == ' ' || *r == '\t')) {
                r++;
            }
            if (word_at(r, eol, "default")) {
                memcpy(o, p, (size_t) (q - p));
                o += q - p;
                memcpy(o, repl, sizeof(repl) - 1);
                o += sizeof(repl) - 1;
                p = r + 7;
            } else {
                snprintf(msg, msgsize, "SyntaxError: ES module syntax (export other than a "
                         "top-level `export default`) is not supported by the engine; build "
                         "this app with scripts/nanod-build (see README)");
                goto fail;
            }
        } else if (!in_comment && word_at(q, eol, "import") && q + 6 < eol
                   && (q[6] == ' ' || q[6] == '{' || q[6] == '*' || q[6] == '\t')) {
            snprintf(msg, msgsize, "SyntaxError: ES module imports are not supported by the "
                     "engine; bundle this app with scripts/nanod-build (see README)");
            goto fail;
        }
        /* Track block comments that span lines (approximate: a string ends on
         * its line, so a slash-star in quotes, a URLPattern route, opens none). */
        {
            const char *c;
            for (c = p; c + 1 < eol; c++) {
                if (!in_comment && (c[0] == '"' || c[0] == '\'' || c[0] == '`')) {
                    char quote = c[0];
                    for (c++; c < eol && *c != quote; c++) {
                        if (*c == '\\' && c + 1 < eol) {
                            c++;
                        }
                    }
                    continue;
                }
                if (!in_comment && c[0] == '/' && c[1] == '/') {
                    break;
                }
                if (!in_comment && c[0] == '/' && c[1] == '*') {
                    in_comment = 1;
                    c++;
                } else if (in_comment && c[0] == '*' && c[1] == '/') {
                    in_comment = 0;
                    c++;
                }
            }
        }
        if (eol < end) {
            eol++;
            lineno++;
        }
        memcpy(o, p, (size_t) (eol - p));
        o += eol - p;
        p = eol;
    }
    *o = '\0';
    *outlen = (size_t) (o - out);
    return out;

fail:
    *line = lineno;
    free(out);
    return NULL;
}

/*
 * Syntax diagnosis: when Duktape rejects a script, name the modern construct
 * behind it. A small tokenizer (comments, strings, template literals, regex
 * literals by the previous token) finds constructs Duktape 2.7 lacks; the one
 * on the error's line wins, else the last one before it.
 */
struct tok {
    const char *p;      /* start */
    size_t      n;      /* length; 0 at the end */
    int         line;
    int         kind;   /* 'i' identifier/keyword, 'n' number, 's' string, '`' template,
                         * 'r' regex, 'p' punctuator */
};

struct lexer {
    const char *p, *end;
    int         line;
    struct tok  prev;   /* last significant token, for the regex/division choice */
};

static int
ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static int
tok_is(const struct tok *t, const char *s)
{
    return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

/* A '/' here starts a regex literal (not a division). */
static int
regex_allowed(const struct tok *prev)
{
    static const char *const kw[] = { "return", "typeof", "instanceof", "in", "of", "new",
                                      "delete", "void", "throw", "case", "do", "else", NULL };
    int i;

    if (prev->n == 0) {
        return 1;
    }
    if (prev->kind == 'i') {
        for (i = 0; kw[i] != NULL; i++) {
            if (tok_is(prev, kw[i])) {
                return 1;
            }
        }
        return 0;
    }
    if (prev->kind == 'p') {
        return !(tok_is(prev, ")") || tok_is(prev, "]") || tok_is(prev, "}"));
    }
    return 0;
}

static void
skip_quoted(struct lexer *lx, char q)
{
    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\\' && lx->p + 1 < lx->end) {
            lx->p++;
        }
        if (*lx->p == '\n') {
            lx->line++;
            if (q != '`') {
                return;     /* unterminated string: let Duktape say so */
            }
        }
        lx->p++;
    }
    if (lx->p < lx->end) {
        lx->p++;
    }
}

static void
next_tok(struct lexer *lx, struct tok *t)
{
    static const char *const puncts[] = { ">>>=", "...", "===", "!==", "**=", ">>>", "<<=",
                                          ">>=", "&&=", "||=", "?\?=", "=>", "?.", "??", "**",
                                          "==", "!=", "<=", ">=", "&&", "||", "++", "--",
                                          "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<",
                                          ">>", NULL };
    const char *p;
    int         i;

    for (;;) {
        while (lx->p < lx->end && isspace((unsigned char) *lx->p)) {
            if (*lx->p == '\n') {
                lx->line++;
            }
            lx->p++;
        }
        if (lx->p + 1 < lx->end && lx->p[0] == '/' && lx->p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n') {
                lx->p++;
            }
            continue;
        }
        if (lx->p + 1 < lx->end && lx->p[0] == '/' && lx->p[1] == '*') {
            lx->p += 2;
            while (lx->p + 1 < lx->end && !(lx->p[0] == '*' && lx->p[1] == '/')) {
                lx->line += *lx->p == '\n';
                lx->p++;
            }
            lx->p = lx->p + 1 < lx->end ? lx->p + 2 : lx->end;
            continue;
        }
        break;
    }
    t->p = p = lx->p;
    t->line = lx->line;
    t->n = 0;
    if (p >= lx->end) {
        return;
    }
    if (ident_char((unsigned char) *p) && !isdigit((unsigned char) *p)) {
        while (lx->p < lx->end && ident_char((unsigned char) *lx->p)) {
            lx->p++;
        }
        t->kind = 'i';
    } else if (isdigit((unsigned char) *p) || (*p == '.' && p + 1 < lx->end
                                               && isdigit((unsigned char) p[1]))) {
        while (lx->p < lx->end && (ident_char((unsigned char) *lx->p) || *lx->p == '.')) {
            lx->p++;
        }
        t->kind = 'n';
    } else if (*p == '"' || *p == '\'' || *p == '`') {
        lx->p++;
        skip_quoted(lx, *p);
        t->kind = *p == '`' ? '`' : 's';
    } else if (*p == '/' && regex_allowed(&lx->prev)) {
        int cls = 0;
        lx->p++;
        while (lx->p < lx->end && *lx->p != '\n' && (*lx->p != '/' || cls)) {
            if (*lx->p == '\\' && lx->p + 1 < lx->end) {
                lx->p++;
            } else if (*lx->p == '[') {
                cls = 1;
            } else if (*lx->p == ']') {
                cls = 0;
            }
            lx->p++;
        }
        if (lx->p < lx->end && *lx->p == '/') {
            lx->p++;
        }
        while (lx->p < lx->end && ident_char((unsigned char) *lx->p)) {
            lx->p++;
        }
        t->kind = 'r';
    } else {
        t->kind = 'p';
        lx->p++;
        for (i = 0; puncts[i] != NULL; i++) {
            size_t n = strlen(puncts[i]);
            if ((size_t) (lx->end - p) >= n && memcmp(p, puncts[i], n) == 0) {
                /* "?.5" is "? .5", not optional chaining */
                if (strcmp(puncts[i], "?.") == 0 && p + 2 < lx->end
                    && isdigit((unsigned char) p[2])) {
                    continue;
                }
                lx->p = p + n;
                break;
            }
        }
    }
    t->n = (size_t) (lx->p - p);
    lx->prev = *t;
}

/* The construct a token starts (with the tokens after it), or NULL. */
static const char *
construct_at(const struct tok *t, const struct tok *n1, const struct tok *n2,
             const struct tok *n3, int *in_for_head)
{
    if (t->kind == '`') {
        return "template literals are";
    }
    if (t->kind == 'p') {
        if (tok_is(t, "=>")) {
            return "arrow functions are";
        }
        if (tok_is(t, "...")) {
            return "spread and rest syntax (...) is";
        }
        if (tok_is(t, "?.")) {
            return "optional chaining (?.) is";
        }
        if (tok_is(t, "??") || tok_is(t, "?\?=")) {
            return "the ?? operator is";
        }
        if (tok_is(t, "**") || tok_is(t, "**=")) {
            return "the ** operator is";
        }
        return NULL;
    }
    if (t->kind != 'i') {
        return NULL;
    }
    if (tok_is(t, "for") && tok_is(n1, "(")) {
        *in_for_head = 1;
        return NULL;
    }
    if ((tok_is(t, "var") || tok_is(t, "let") || tok_is(t, "const"))
        && (tok_is(n1, "{") || tok_is(n1, "["))) {
        return "destructuring declarations are";
    }
    if (*in_for_head && (tok_is(t, "var") || tok_is(t, "let") || tok_is(t, "const"))
        && n1->kind == 'i' && tok_is(n2, "of")) {
        return "for-of loops are";
    }
    if (*in_for_head && t->kind == 'i' && tok_is(n1, "of") && n2->n > 0 && !tok_is(n2, ")")) {
        return "for-of loops are";
    }
    if (tok_is(t, "let") && (n1->kind == 'i' || tok_is(n1, "[") || tok_is(n1, "{"))) {
        return "let declarations are";
    }
    if (tok_is(t, "class") && (n1->kind == 'i' || tok_is(n1, "{"))) {
        return "classes are";
    }
    if (tok_is(t, "async") && (tok_is(n1, "function") || (n1->kind == 'i' && tok_is(n2, "("))
                               || (n1->kind == 'i' && tok_is(n2, "=>")) || tok_is(n1, "("))) {
        return "async functions are";
    }
    if (tok_is(t, "await") && (n1->kind == 'i' || tok_is(n1, "(") || n1->kind == 's')) {
        return "async functions (await) are";
    }
    if (tok_is(t, "function") && (tok_is(n1, "*") || (n1->kind == 'i' && tok_is(n2, "*")))) {
        return "generators are";
    }
    if (tok_is(t, "yield") && n1->n > 0 && !tok_is(n1, ")") && !tok_is(n1, ";")
        && !tok_is(n1, ",") && !tok_is(n1, "=") && !tok_is(n1, ":")) {
        return "generators (yield) are";
    }
    (void) n3;
    return NULL;
}

const char *
nd_loader_diagnose(const char *src, size_t len, int line, int *found_line)
{
    struct lexer lx;
    struct tok   w[4];
    const char  *best = NULL, *what;
    int          i, in_for_head = 0, depth = 0;

    memset(&lx, 0, sizeof(lx));
    lx.p = src;
    lx.end = src + len;
    lx.line = 1;
    *found_line = 0;
    for (i = 0; i < 4; i++) {
        next_tok(&lx, &w[i]);
    }
    while (w[0].n > 0) {
        if (in_for_head) {
            /* the head ends with its closing parenthesis */
            if (tok_is(&w[0], "(")) {
                depth++;
            } else if (tok_is(&w[0], ")") && --depth <= 0) {
                in_for_head = 0;
                depth = 0;
            }
        }
        what = construct_at(&w[0], &w[1], &w[2], &w[3], &in_for_head);
        if (what != NULL && (line <= 0 || w[0].line <= line)) {
            if (best == NULL || line <= 0 || *found_line != line) {
                best = what;
                *found_line = w[0].line;
            }
            if (line <= 0) {
                break;
            }
        }
        if (line > 0 && w[0].line > line) {
            break;
        }
        w[0] = w[1];
        w[1] = w[2];
        w[2] = w[3];
        next_tok(&lx, &w[3]);
    }
    return best;
}

int
nd_loader_compile(duk_context *ctx, const char *file, const char *src, size_t len, int *line,
                  char *msg, size_t msgsize)
{
    char  *code;
    size_t clen;

    *line = 0;
    code = nd_loader_transform(src, len, &clen, line, msg, msgsize);
    if (code == NULL) {
        return -1;
    }
    duk_push_string(ctx, file);
    if (duk_pcompile_lstring_filename(ctx, 0, code, clen) != 0) {
        /* -> [ ... err ] */
        const char *m = duk_safe_to_string(ctx, -1), *l;
        /* Duktape puts the line in the message: "... (line 12)". */
        l = strstr(m, "(line ");
        if (l != NULL) {
            *line = (int) strtol(l + 6, NULL, 10);
        }
        snprintf(msg, msgsize, "%s", m);
        if (strncmp(m, "SyntaxError", 11) == 0) {
            int         at;
            const char *what = nd_loader_diagnose(code, clen, *line, &at);
            if (what != NULL) {
                *line = at;
                snprintf(msg, msgsize, "%s not supported by the engine; build this app with "
                         "scripts/nanod-build (see README)", what);
            }
        }
        duk_pop(ctx);
        free(code);
        return -1;
    }
    free(code);
    return 0;
}

struct load_arg {
    const void *code;
    size_t      len;
};

/* [ ] -> [ fn ] (in a safe call: an allocation failure throws). */
static duk_ret_t
load_safe(duk_context *ctx, void *udata)
{
    struct load_arg *a = udata;

    duk_push_external_buffer(ctx);
    duk_config_buffer(ctx, -1, (void *) a->code, a->len);
    /* inner functions load on first use, from a->code (the app's: it
     * outlives every heap of the app, see nd_app_cleanup) */
    nd_duk_load_function_lazy(ctx);
    return 1;
}

int
nd_loader_load(duk_context *ctx, const void *code, size_t len, char *msg, size_t msgsize)
{
    struct load_arg a = { code, len };

    if (duk_safe_call(ctx, load_safe, &a, 0, 1) != 0) {
        snprintf(msg, msgsize, "loading the script's bytecode: %s", duk_safe_to_string(ctx, -1));
        duk_pop(ctx);
        return -1;
    }
    return 0;
}

/* [ fn ] -> [ buf ] (in a safe call). */
static duk_ret_t
dump_safe(duk_context *ctx, void *udata)
{
    (void) udata;
    duk_dump_function(ctx);
    return 1;
}

void *
nd_loader_dump(duk_context *ctx, size_t *len)
{
    void      *out = NULL, *buf;
    duk_size_t n;

    *len = 0;
    duk_dup_top(ctx);
    if (duk_safe_call(ctx, dump_safe, NULL, 1, 1) == 0) {
        buf = duk_get_buffer(ctx, -1, &n);
        if (buf != NULL && n > 0 && (out = malloc(n)) != NULL) {
            memcpy(out, buf, n);
            *len = n;
        }
    }
    duk_pop(ctx);
    return out;
}

/* --- compile checks ------------------------------------------------------------ */

#define CHECK_HEAP_REUSE 256
#define CHECK_CAP_DEFAULT ((size_t) 1 << 30)

struct nd_loader_checker {
    duk_context *ctx;           /* owned (abandoned after a fatal error) */
    size_t       used;          /* usable bytes allocated by ctx */
    size_t       limit;         /* allocations past this fail; SIZE_MAX between checks */
    int          uses;          /* scripts checked in ctx */
    int          jb_set;
    jmp_buf      jb;
};

static void *
ck_alloc(void *udata, duk_size_t size)
{
    struct nd_loader_checker *c = udata;
    void                     *p;

    if (size == 0 || c->used + size > c->limit) {
        return NULL;
    }
    p = malloc(size);
    if (p != NULL) {
        c->used += malloc_usable_size(p);
    }
    return p;
}

static void
ck_free(void *udata, void *ptr)
{
    struct nd_loader_checker *c = udata;

    if (ptr != NULL) {
        c->used -= malloc_usable_size(ptr);
        free(ptr);
    }
}

static void *
ck_realloc(void *udata, void *ptr, duk_size_t size)
{
    struct nd_loader_checker *c = udata;
    size_t                    old;
    void                     *np;

    if (ptr == NULL) {
        return ck_alloc(udata, size);
    }
    if (size == 0) {
        ck_free(udata, ptr);
        return NULL;
    }
    old = malloc_usable_size(ptr);
    if (size > old && c->used + (size - old) > c->limit) {
        return NULL;
    }
    np = realloc(ptr, size);
    if (np != NULL) {
        c->used = c->used - old + malloc_usable_size(np);
    }
    return np;
}

/* Must not return: back to nd_loader_check, which abandons the heap. */
static void
ck_fatal(void *udata, const char *msg)
{
    struct nd_loader_checker *c = udata;

    (void) msg;
    if (c != NULL && c->jb_set) {
        longjmp(c->jb, 1);
    }
    abort();    /* not reached: Duktape calls it only inside nd_loader_check */
}

struct nd_loader_checker *
nd_loader_checker_new(void)
{
    return calloc(1, sizeof(struct nd_loader_checker));
}

int
nd_loader_check(struct nd_loader_checker *c, const char *file, const char *src, size_t len,
                size_t cap, int *line, char *msg, size_t msgsize)
{
    return nd_loader_check_dump(c, file, src, len, cap, line, msg, msgsize, NULL, NULL);
}

int
nd_loader_check_dump(struct nd_loader_checker *c, const char *file, const char *src, size_t len,
                     size_t cap, int *line, char *msg, size_t msgsize, void **code,
                     size_t *code_len)
{
    volatile int rc = -1;

    *line = 0;
    if (code != NULL) {
        *code = NULL;
        *code_len = 0;
    }
    if (c->ctx != NULL && c->uses >= CHECK_HEAP_REUSE) {
        c->limit = (size_t) -1;
        duk_destroy_heap(c->ctx);
        c->ctx = NULL;
    }
    if (c->ctx == NULL) {
        c->used = 0;
        c->uses = 0;
        c->limit = (size_t) -1;
        c->ctx = duk_create_heap(ck_alloc, ck_realloc, ck_free, c, ck_fatal);
        if (c->ctx == NULL) {
            snprintf(msg, msgsize, "cannot create a Duktape heap to check the script");
            return -1;
        }
    }
    c->uses++;
    c->limit = c->used + (cap > 0 ? cap : CHECK_CAP_DEFAULT);
    if (setjmp(c->jb) != 0) {
        /* A fatal error: the heap is unusable. Leave it (freeing it could crash). */
        c->jb_set = 0;
        c->ctx = NULL;
        *line = 0;
        snprintf(msg, msgsize, "compiling the script hit a fatal engine error (out of memory: "
                 "more than memory_limit while compiling?)");
        return -1;
    }
    c->jb_set = 1;
    if (nd_loader_compile(c->ctx, file, src, len, line, msg, msgsize) == 0) {
        /* -> [ fn ]: the dump is ours, not the script's: no cap for it */
        c->limit = (size_t) -1;
        if (code != NULL) {
            *code = nd_loader_dump(c->ctx, code_len);
        }
        duk_pop(c->ctx);
        rc = 0;
    } else if (c->used + 4096 > c->limit || strstr(msg, "alloc failed") != NULL) {
        *line = 0;      /* where it ran out says nothing about the script */
        snprintf(msg, msgsize, "out of memory while compiling the script (it needs more than "
                 "memory_limit, %zu KiB)", (cap > 0 ? cap : CHECK_CAP_DEFAULT) / 1024);
    }
    c->jb_set = 0;
    c->limit = (size_t) -1;
    duk_gc(c->ctx, 0);
    return rc;
}

void
nd_loader_checker_free(struct nd_loader_checker *c)
{
    if (c == NULL) {
        return;
    }
    if (c->ctx != NULL) {
        c->limit = (size_t) -1;
        duk_destroy_heap(c->ctx);
    }
    free(c);
}
