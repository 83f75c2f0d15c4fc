/* Unit tests: built apps' line tables (worker/srcmap.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include "worker/srcmap.c"

static char g_dir[] = "/tmp/nd-srcmap-XXXXXX";
static char g_script[256];

static void
write_lines(const char *text)
{
    char  path[300];
    FILE *f;

    snprintf(path, sizeof(path), "%s.lines", g_script);
    f = fopen(path, "w");
    T_TRUE(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void
setup(void)
{
    if (g_script[0] == '\0') {
        T_TRUE(mkdtemp(g_dir) != NULL);
        snprintf(g_script, sizeof(g_script), "%s/app.js", g_dir);
    }
    nd_srcmap_clear();
}

T_CASE(maps_lines_and_the_lines_between)
{
    char file[64];
    int  line = 0;

    setup();
    write_lines("nanod-build lines 1\nF src/index.ts\nF src/util.ts\n10 0 3\n14 1 9\n");
    T_TRUE(nd_srcmap_line(g_script, 9, file, sizeof(file), &line) == 0);
    T_TRUE(nd_srcmap_line(g_script, 10, file, sizeof(file), &line) == 1);
    T_EQ_STR(file, "src/index.ts");
    T_TRUE(line == 3);
    T_TRUE(nd_srcmap_line(g_script, 13, file, sizeof(file), &line) == 1 && line == 3);
    T_TRUE(nd_srcmap_line(g_script, 500, file, sizeof(file), &line) == 1);
    T_EQ_STR(file, "src/util.ts");
    T_TRUE(line == 9);
}

T_CASE(rewrites_stack_frames_of_the_script_only)
{
    char in[1024], out[1024];

    setup();
    write_lines("nanod-build lines 1\nF src/util.ts\n136 0 9\n");
    snprintf(in, sizeof(in), "Error: x\n    at explode (%s:136)\n    at [anon] (%s:1)\n"
             "    at [anon] (bootstrap/90-dispatch.js:73) strict", g_script, g_script);
    T_TRUE(nd_srcmap_rewrite(g_script, in, out, sizeof(out)) == 1);
    snprintf(in, sizeof(in), "Error: x\n    at explode (src/util.ts:9)\n    at [anon] (%s:1)\n"
             "    at [anon] (bootstrap/90-dispatch.js:73) strict", g_script);
    T_EQ_STR(out, in);
    T_TRUE(nd_srcmap_rewrite(g_script, "no frames here", out, sizeof(out)) == 0);
    T_EQ_STR(out, "no frames here");
    T_TRUE(nd_srcmap_rewrite(g_script, "abcdef", out, 4) == 0);
    T_EQ_STR(out, "abc");
}

T_CASE(first_mapped_frame)
{
    char in[1024], where[128];

    setup();
    write_lines("nanod-build lines 1\nF src/a.ts\n5 0 2\n");
    snprintf(in, sizeof(in), "at x (%s:2)\nat y (%s:7)", g_script, g_script);
    T_TRUE(nd_srcmap_first(g_script, in, where, sizeof(where)) == 1);
    T_EQ_STR(where, "src/a.ts:2");
}

T_CASE(bad_or_missing_tables_map_nothing)
{
    char file[64], out[256];
    int  line;

    setup();
    write_lines("something else\n1 0 1\n");
    T_TRUE(nd_srcmap_line(g_script, 1, file, sizeof(file), &line) == 0);
    write_lines("nanod-build lines 1\nF a.ts\n3 5 1\n");         /* no file 5 */
    T_TRUE(nd_srcmap_line(g_script, 3, file, sizeof(file), &line) == 0);
    write_lines("nanod-build lines 1\nF a.ts\n3 0 1\n2 0 1\n");   /* not sorted */
    T_TRUE(nd_srcmap_line(g_script, 3, file, sizeof(file), &line) == 0);
    T_TRUE(nd_srcmap_line("/nonexistent/app.js", 3, file, sizeof(file), &line) == 0);
    T_TRUE(nd_srcmap_rewrite("/nonexistent/app.js", "/nonexistent/app.js:3", out,
                               sizeof(out)) == 0);
}

T_CASE(cache_sees_a_rebuilt_table)
{
    char file[64];
    int  line;

    setup();
    write_lines("nanod-build lines 1\nF a.ts\n1 0 1\n");
    T_TRUE(nd_srcmap_line(g_script, 1, file, sizeof(file), &line) == 1 && line == 1);
    write_lines("nanod-build lines 1\nF a.ts\nF b.ts\n1 1 42\n");  /* size differs */
    T_TRUE(nd_srcmap_line(g_script, 1, file, sizeof(file), &line) == 1 && line == 42);
    T_EQ_STR(file, "b.ts");
    nd_srcmap_clear();
    snprintf(file, sizeof(file), "%s", "");
    {
        char path[300];

        snprintf(path, sizeof(path), "%s.lines", g_script);
        unlink(path);
        rmdir(g_dir);
    }
}

int
main(void)
{
    T_RUN(maps_lines_and_the_lines_between);
    T_RUN(rewrites_stack_frames_of_the_script_only);
    T_RUN(first_mapped_frame);
    T_RUN(bad_or_missing_tables_map_nothing);
    T_RUN(cache_sees_a_rebuilt_table);
    return T_DONE();
}
