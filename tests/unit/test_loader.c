/* Unit tests: app source rewriting (loader) and Duktape string -> UTF-8. */
#include <stdlib.h>

#include "t.h"
#include "worker/js/bind.h"
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

int
main(void)
{
    T_RUN(export_default_rewritten);
    T_RUN(export_default_indented_keeps_lines);
    T_RUN(export_in_comment_or_word_untouched);
    T_RUN(named_export_rejected_with_line);
    T_RUN(import_rejected_with_line);
    T_RUN(utf8_from_cesu);
    T_RUN(utf8_lone_surrogate_replaced);
    T_RUN(utf8_plain_unchanged);
    return T_DONE();
}
