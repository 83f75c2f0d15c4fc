#include <ctype.h>
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
        /* Track block comments that span lines (approximate: ignores strings). */
        {
            const char *c;
            for (c = p; c + 1 < eol; c++) {
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
        duk_pop(ctx);
        free(code);
        return -1;
    }
    free(code);
    return 0;
}
