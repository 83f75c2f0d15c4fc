/* Unit tests: app source rewriting (loader) and Duktape string -> UTF-8. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "common/bytecode.h"
#include "worker/js/bind.h"
#include "worker/js/heap.h"
#include "worker/js/loader.h"

static char *
xform(const char *src, int *line, char *msg)
{
    size_t n;

    return nd_loader_transform(src, strlen(src), &n, line, msg, 512);
}

T_CASE(export_default_rewritten)
{
    char  msg[512];
    int   line = -1;
    char *out = xform("// app\nexport default {\n  fetch: function () {}\n};\n", &line, msg);

    T_TRUE(out != NULL);
    T_EQ_STR(out, "// app\nmodule.exports = {\n  fetch: function () {}\n};\n");
    free(out);
}

T_CASE(export_default_indented_keeps_lines)
{
    char  msg[512];
    int   line = -1;
    char *out = xform("var a = 1;\n  export  default a;\nvar b = 2;", &line, msg);

    T_TRUE(out != NULL);
    T_EQ_STR(out, "var a = 1;\n  module.exports = a;\nvar b = 2;");
    free(out);
}

T_CASE(export_in_comment_or_word_untouched)
{
    char  msg[512];
    int   line = -1;
    char *out = xform("/*\nexport default x\n*/\nvar exported = 1; // export default\n"
                      "var s = 'export default';\n", &line, msg);

    T_TRUE(out != NULL);
    T_EQ_STR(out, "/*\nexport default x\n*/\nvar exported = 1; // export default\n"
             "var s = 'export default';\n");
    free(out);
}

T_CASE(comment_marks_in_strings_ignored)
{
    char  msg[512];
    int   line = -1;
    char *out = xform("var a = new URLPattern({ pathname: \"/files/*\" });\n"
                      "var b = '/*', c = \"\\\"/*\", d = `/*`; /* a\n b */\n"
                      "export default { a: a };\n", &line, msg);

    T_TRUE(out != NULL);
    T_EQ_STR(out, "var a = new URLPattern({ pathname: \"/files/*\" });\n"
             "var b = '/*', c = \"\\\"/*\", d = `/*`; /* a\n b */\n"
             "module.exports = { a: a };\n");
    free(out);
}

T_CASE(named_export_rejected_with_line)
{
    char  msg[512];
    int   line = 0;
    char *out = xform("var a = 1;\n\nexport const b = 2;\n", &line, msg);

    T_TRUE(out == NULL);
    T_EQ_INT(line, 3);
    T_TRUE(strstr(msg, "nanod-build") != NULL);
}

T_CASE(import_rejected_with_line)
{
    char  msg[512];
    int   line = 0;
    char *out = xform("import { x } from './x.js';\n", &line, msg);

    T_TRUE(out == NULL);
    T_EQ_INT(line, 1);
    T_TRUE(strstr(msg, "import") != NULL);
    out = xform("var important = 1;\nimportScripts;\n", &line, msg);
    T_TRUE(out != NULL);
    free(out);
}

T_CASE(utf8_from_cesu)
{
    /* U+1F600 as a CESU-8 surrogate pair -> 4-byte UTF-8. */
    const unsigned char in[] = { 'a', 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 'b' };
    const unsigned char want[] = { 'a', 0xF0, 0x9F, 0x98, 0x80, 'b' };
    unsigned char       out[16];
    size_t              n = nd_bind_utf8(in, sizeof(in), out);

    T_EQ_INT(n, sizeof(want));
    T_TRUE(memcmp(out, want, sizeof(want)) == 0);
}

T_CASE(utf8_lone_surrogate_replaced)
{
    const unsigned char in[] = { 0xED, 0xA0, 0xBD, 'x', 0xED, 0xB8, 0x80 };
    const unsigned char want[] = { 0xEF, 0xBF, 0xBD, 'x', 0xEF, 0xBF, 0xBD };
    unsigned char       out[16];
    size_t              n = nd_bind_utf8(in, sizeof(in), out);

    T_EQ_INT(n, sizeof(want));
    T_TRUE(memcmp(out, want, sizeof(want)) == 0);
}

T_CASE(utf8_plain_unchanged)
{
    const char    *in = "h\xC3\xA9llo \xE2\x9C\x93";
    unsigned char  out[32];
    size_t         n = nd_bind_utf8((const unsigned char *) in, strlen(in), out);

    T_EQ_INT(n, strlen(in));
    T_TRUE(memcmp(out, in, n) == 0);
}

/* Compiles src in a scratch heap: -1 with line and msg, or 0. */
static int
compile(const char *src, int *line, char *msg)
{
    duk_context *ctx = duk_create_heap_default();
    int          rc = nd_loader_compile(ctx, "apps/x.js", src, strlen(src), line, msg, 512);

    duk_destroy_heap(ctx);
    return rc;
}

#define MODERN(name, src, wline, what)                                                         \
    T_CASE(name)                                                                               \
    {                                                                                          \
        char msg[512];                                                                         \
        int  line = 0;                                                                         \
        T_EQ_INT(compile(src, &line, msg), -1);                                                \
        T_EQ_INT(line, wline);                                                                 \
        T_EQ_STR(msg, what " not supported by the engine; build this app with "               \
                 "scripts/nanod-build (see README)");                                          \
    }

#define PAD "var a = 1;\n// two\n/* three\n   four */\nvar s = '=> `x` ...';\n"
MODERN(diag_arrow_line, PAD "\n\n\n\n\n\nvar f = function () {\n  return [1].map(x => x + 1);\n};\n",
       13, "arrow functions are")
MODERN(diag_let, PAD "let x = 1;\n", 6, "let declarations are")
MODERN(diag_class, PAD "class A extends B {\n}\n", 6, "classes are")
MODERN(diag_template, PAD "var t = `a ${b}`;\n", 6, "template literals are")
MODERN(diag_async, PAD "module.exports = { fetch: async function (r) { return 1; } };\n", 6,
       "async functions are")
MODERN(diag_await, "function f() {\n  var x = await g();\n}\n", 2, "async functions (await) are")
MODERN(diag_destructuring, PAD "var { a, b } = o;\n", 6, "destructuring declarations are")
MODERN(diag_spread, PAD "f(...args);\n", 6, "spread and rest syntax (...) is")
MODERN(diag_optional, PAD "var z = a?.b;\n", 6, "optional chaining (?.) is")
MODERN(diag_nullish, PAD "var z = a ?? b;\n", 6, "the ?? operator is")
MODERN(diag_for_of, PAD "for (var k of list) {\n}\n", 6, "for-of loops are")
MODERN(diag_generator, PAD "function* g() {\n  yield 1;\n}\n", 6, "generators are")
MODERN(diag_regex_not_arrow, "var r = /=>/;\nvar f = a => a;\n", 2, "arrow functions are")

T_CASE(diag_plain_es5_error_kept)
{
    char msg[512];
    int  line = 0;

    /* "=>" only inside a string and a comment: Duktape's own message stays. */
    T_EQ_INT(compile("var s = '=>'; // =>\nvar x = ;\n", &line, msg), -1);
    T_EQ_INT(line, 2);
    T_TRUE(strncmp(msg, "SyntaxError", 11) == 0);
    T_TRUE(strstr(msg, "nanod-build") == NULL);
}

T_CASE(diag_es5_compiles)
{
    char msg[512];
    int  line = 0;

    T_EQ_INT(compile("const a = 1; var b = a ? .5 : 2; var c = 2 / 1 / 2;\n"
                     "module.exports = { fetch: function () {} };\n", &line, msg), 0);
}

/* The compile check: a capped scratch heap; a script too big to compile within
 * the cap is an "out of memory" error (no abort), and the checker goes on. */
T_CASE(checker_caps_compile_memory)
{
    struct nd_loader_checker *c = nd_loader_checker_new();
    const char               *fn = "function f(a) { var x = a * 3; return [x, a, x + 1]; }\n";
    size_t                    n = 40000, i, fl = strlen(fn);
    char                     *src = malloc(n * fl + 1), msg[512];
    int                       line;

    T_TRUE(c != NULL && src != NULL);
    for (i = 0; i < n; i++) {
        memcpy(src + i * fl, fn, fl);
    }
    src[n * fl] = '\0';
    T_EQ_INT(nd_loader_check(c, "big.js", src, n * fl, 1 << 20, &line, msg, sizeof(msg)), -1);
    T_TRUE(strstr(msg, "out of memory while compiling") != NULL);
    T_EQ_INT(line, 0);
    T_EQ_INT(nd_loader_check(c, "ok.js", "var a = 1;", 10, 1 << 20, &line, msg, sizeof(msg)),
             0);
    T_EQ_INT(nd_loader_check(c, "bad.js", "var a = ;", 9, 1 << 20, &line, msg, sizeof(msg)),
             -1);
    T_TRUE(strstr(msg, "SyntaxError") != NULL);
    T_EQ_INT(nd_loader_check(c, "big.js", src, n * fl, 0, &line, msg, sizeof(msg)), 0);
    nd_loader_checker_free(c);
    free(src);
}

/* The compile check's dump (what the workers get instead of compiling):
 * loaded into a real heap it runs like the compile, and keeps the file name
 * and line numbers for stack traces. */
T_CASE(checker_dump_loads_and_keeps_lines)
{
    struct nd_loader_checker *c = nd_loader_checker_new();
    const char               *src = "var x = 1;\n\nfunction boom() {\n"
                                    "    throw new Error('at line 4');\n}\n"
                                    "module.exports = { n: 41 + x, boom: boom };\n";
    char                      msg[512], stack[2048];
    int                       line;
    void                     *code = NULL;
    size_t                    code_len = 0;
    struct nd_js             *js;
    duk_context              *ctx;

    T_TRUE(c != NULL);
    T_EQ_INT(nd_loader_check_dump(c, "apps/lines.js", src, strlen(src), 1 << 20, &line, msg,
                                  sizeof(msg), &code, &code_len), 0);
    T_TRUE(code != NULL && code_len > 0);
    /* a failed check gives no code */
    {
        void  *none = (void *) 1;
        size_t nlen = 1;
        T_EQ_INT(nd_loader_check_dump(c, "bad.js", "var = ;", 7, 1 << 20, &line, msg,
                                      sizeof(msg), &none, &nlen), -1);
        T_TRUE(none == NULL && nlen == 0);
    }
    nd_loader_checker_free(c);

    js = nd_js_new(0, NULL, NULL, msg, sizeof(msg));
    T_TRUE(js != NULL);
    if (js == NULL) {
        free(code);
        return;
    }
    ctx = js->ctx;
    duk_push_heapptr(ctx, js->lib);                     /* -> [ lib ] */
    T_EQ_INT(nd_loader_load(ctx, code, code_len, msg, sizeof(msg)), 0);
    duk_push_global_object(ctx);                        /* -> [ lib fn global ] */
    T_EQ_INT(nd_js_pcall(js, 0, 0), 0);
    duk_pop(ctx);
    duk_get_global_string(ctx, "module");
    duk_get_prop_string(ctx, -1, "exports");            /* -> [ lib module exports ] */
    duk_get_prop_string(ctx, -1, "n");
    T_EQ_INT(duk_get_int(ctx, -1), 42);
    duk_pop(ctx);
    duk_get_prop_string(ctx, -1, "boom");
    duk_push_undefined(ctx);
    T_EQ_INT(nd_js_pcall(js, 0, 0), -1);
    nd_js_describe_error(ctx, -1, msg, sizeof(msg), stack, sizeof(stack));
    T_TRUE(strstr(msg, "at line 4") != NULL);
    T_TRUE(strstr(stack, "apps/lines.js:4") != NULL);
    duk_pop_n(ctx, 4);
    nd_js_free(js);
    free(code);
}

/* Runs src's top level in a fresh heap, compiled or loaded from the check's
 * dump; module.exports.result, malloc'd (NULL on failure). */
static char *
run_result(const char *src, int from_dump, size_t *live)
{
    struct nd_loader_checker *c = nd_loader_checker_new();
    char                      msg[512], *out = NULL;
    int                       line;
    void                     *code = NULL;
    size_t                    code_len = 0;
    struct nd_js             *js = nd_js_new(0, NULL, NULL, msg, sizeof(msg));
    duk_context              *ctx;

    if (c == NULL || js == NULL) {
        goto done;
    }
    ctx = js->ctx;
    duk_push_heapptr(ctx, js->lib);                     /* -> [ lib ] */
    if (from_dump) {
        if (nd_loader_check_dump(c, "t.js", src, strlen(src), 0, &line, msg, sizeof(msg),
                                 &code, &code_len) != 0 || code == NULL
            || nd_loader_load(ctx, code, code_len, msg, sizeof(msg)) != 0) {
            goto done;
        }
    } else if (nd_loader_compile(ctx, "t.js", src, strlen(src), &line, msg, sizeof(msg)) != 0) {
        goto done;
    }
    duk_push_global_object(ctx);                        /* -> [ lib fn global ] */
    if (nd_js_pcall(js, 0, 0) != 0) {
        fprintf(stderr, "  %s\n", duk_safe_to_string(ctx, -1));
        goto done;
    }
    duk_get_global_string(ctx, "module");
    duk_get_prop_string(ctx, -1, "exports");
    duk_get_prop_string(ctx, -1, "result");
    out = strdup(duk_safe_to_string(ctx, -1));
    duk_pop_3(ctx);
    duk_gc(ctx, 0);
    duk_gc(ctx, 0);
    if (live != NULL) {
        *live = js->mem_used;
    }

done:
    nd_loader_checker_free(c);
    nd_js_free(js);
    free(code);
    return out;
}

/* Inner functions loaded from a dump are templates without .prototype,
 * .length or a name environment of their own (duk-patches/75): closures made
 * from them behave exactly as closures of the compiled script. */
T_CASE(loaded_templates_like_compiled)
{
    static const char src[] =
        "var out = [];\n"
        "function Outer(a, b) { this.a = a; }\n"
        "Outer.prototype.get = function () { return this.a; };\n"
        "var named = function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); };\n"
        "function mk() { return function inner(x, y, z) { return typeof inner; }; }\n"
        "var f1 = mk(), f2 = mk();\n"
        "function withArgs() { var v = 1; return arguments.length + v; }\n"
        "function Sub() { Outer.call(this, 3); }\n"
        "Sub.prototype = Object.create(Outer.prototype);\n"
        "var s = new Sub();\n"
        "out.push(new Outer(7).get(), Outer.length, named(5), named.length, f1.length, f1(),\n"
        "    f1 !== f2, f1.prototype !== f2.prototype, typeof f1.prototype,\n"
        "    f1.prototype.constructor === f1, new f1() instanceof f1, withArgs(1, 2, 3),\n"
        "    Object.getOwnPropertyNames(mk).sort().join(','), named.name, f1.name,\n"
        "    s.get(), s instanceof Outer, Object.keys(Outer.prototype).join(','),\n"
        "    (function () { try { return fact; } catch (e) { return e.name; } })());\n"
        "module.exports = { result: JSON.stringify(out) };\n";
    static const char want[] =
        "[7,2,120,1,3,\"function\",true,true,\"object\",true,true,4,"
        "\"fileName,length,name,prototype\",\"fact\",\"inner\",3,true,\"get\",\"ReferenceError\"]";
    char *compiled = run_result(src, 0, NULL), *loaded = run_result(src, 1, NULL);

    T_EQ_STR(compiled, want);
    T_EQ_STR(loaded, want);
    free(compiled);
    free(loaded);
}

/* ... and cost no more memory than the compiled script: 400 constructable
 * inner functions (each template used to get a .prototype object, a .length
 * and an empty _Varmap when loaded: ~40 KB more). */
T_CASE(loaded_templates_cost_what_compiled_ones_do)
{
    char   *src = malloc(400 * 64 + 128), *p = src, *a, *b;
    size_t  live_c = 0, live_l = 0;
    int     i;

    T_TRUE(src != NULL);
    p += snprintf(p, 64, "var fs = [];\n");
    for (i = 0; i < 400; i++) {
        p += snprintf(p, 64, "fs.push(function f%d(a) { return a + %d; });\n", i, i);
    }
    snprintf(p, 128, "module.exports = { result: String(fs[399](1)) };\n");
    a = run_result(src, 0, &live_c);
    b = run_result(src, 1, &live_l);
    T_EQ_STR(a, "400");
    T_EQ_STR(b, "400");
    T_TRUE(live_c > 0 && live_l > 0);
    /* within 32 bytes a function (measured: 16; 106 before duk-patches/75) */
    T_TRUE(live_l <= live_c + 400 * 32);
    if (live_l > live_c + 400 * 32) {
        fprintf(stderr, "  loaded %zu bytes, compiled %zu\n", live_l, live_c);
    }
    free(a);
    free(b);
    free(src);
}

int
main(void)
{
    T_RUN(export_default_rewritten);
    T_RUN(export_default_indented_keeps_lines);
    T_RUN(export_in_comment_or_word_untouched);
    T_RUN(comment_marks_in_strings_ignored);
    T_RUN(named_export_rejected_with_line);
    T_RUN(import_rejected_with_line);
    T_RUN(utf8_from_cesu);
    T_RUN(utf8_lone_surrogate_replaced);
    T_RUN(utf8_plain_unchanged);
    T_RUN(diag_arrow_line);
    T_RUN(diag_let);
    T_RUN(diag_class);
    T_RUN(diag_template);
    T_RUN(diag_async);
    T_RUN(diag_await);
    T_RUN(diag_destructuring);
    T_RUN(diag_spread);
    T_RUN(diag_optional);
    T_RUN(diag_nullish);
    T_RUN(diag_for_of);
    T_RUN(diag_generator);
    T_RUN(diag_regex_not_arrow);
    T_RUN(diag_plain_es5_error_kept);
    T_RUN(diag_es5_compiles);
    T_RUN(checker_caps_compile_memory);
    T_RUN(checker_dump_loads_and_keeps_lines);
    T_RUN(loaded_templates_like_compiled);
    T_RUN(loaded_templates_cost_what_compiled_ones_do);
    return T_DONE();
}
