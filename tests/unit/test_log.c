/* The error log and the log-sink type: line building, open, reopen. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.c"
#include "common/sys.h"
#include "tests/unit/t.h"

static char t_dir[] = "/tmp/nd-test-log-XXXXXX";

static char *
tpath(const char *name)
{
    static char buf[4][256];
    static int  n;
    char       *p = buf[n++ & 3];

    snprintf(p, 256, "%s/%s", t_dir, name);
    return p;
}

static char *
slurp(const char *path)
{
    char  *text = NULL;
    size_t len;

    if (nd_sys_read_file(path, 1 << 20, &text, &len) == -1) {
        return NULL;
    }
    return text;
}

/* The error log's lines stay valid JSON when cut at LOG_LINE_MAX (the old
 * escaper could leave the cut value's closing quote out). */
T_CASE(log_line_cut_is_valid)
{
    char        msg[8000], *text = NULL, *path = tpath("cut.log");
    const char *kv[] = { "extra", "v", NULL };
    size_t      len = 0, i;

    T_EQ_INT(nd_log_open(path, "worker"), 0);
    memset(msg, '\x01', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    nd_log_kv(ND_LOG_ERROR, "app", kv, "%s", msg);      /* 6 bytes out per byte in */
    nd_log(ND_LOG_INFO, NULL, "tab\there \"q\" \xe2\x80\xa8 \xff");
    T_EQ_INT(nd_log_open("stderr", NULL), 0);
    T_EQ_INT(nd_sys_read_file(path, 1 << 20, &text, &len), 0);
    unlink(path);
    T_TRUE(text != NULL && memchr(text, '\n', len) != NULL);
    if (text == NULL) {
        return;
    }
    i = (size_t) ((char *) memchr(text, '\n', len) - text);
    T_TRUE(i + 1 <= LOG_LINE_MAX);
    T_TRUE(i + 1 > LOG_LINE_MAX - 8);                   /* cut near the limit */
    T_TRUE(memcmp(text + i - 8, "\\u0001\"}", 8) == 0);    /* whole escape, closed */
    T_TRUE(strstr(text, "\"extra\"") == NULL);          /* no room: field left out */
    T_TRUE(strstr(text + i + 1, ",\"msg\":\"tab\\there \\\"q\\\" \xe2\x80\xa8 \\ufffd\"}\n")
           != NULL);
    free(text);
}

static int t_flushes;
static struct nd_log_sink *t_flush_sink;
static int t_flush_saw_old;         /* the flush ran while the sink was on its old fd */
static int t_old_fd;

static void
t_flush(void)
{
    t_flushes++;
    t_flush_saw_old = t_flush_sink->fd == t_old_fd;
}

T_CASE(sinks_reopen_in_one_loop)
{
    struct nd_log_sink a = { "access log", -1, "", t_flush, NULL };
    struct nd_log_sink b = { "slowlog", -1, "", NULL, NULL };
    struct nd_log_sink c = { "other", -1, "", NULL, NULL };
    char               long_path[2000], *text;

    T_EQ_INT(nd_log_open(tpath("error.log"), "worker"), 0);
    T_EQ_INT(nd_log_sink_open(&a, tpath("a.log")), 0);
    T_EQ_INT(nd_log_sink_open(&b, tpath("b.log")), 0);
    T_EQ_INT(nd_log_sink_open(&c, "stdout"), 0);
    T_TRUE(a.fd > 2 && b.fd > 2 && c.fd == 1 && c.path[0] == '\0');
    T_TRUE(g_sinks == &g_log.sink && g_log.sink.next == &a && a.next == &b && b.next == &c);
    T_EQ_INT(nd_log_sink_open(&a, tpath("a.log")), 0);         /* listed once */
    T_TRUE(a.next == &b && b.next == &c && c.next == NULL);

    /* logrotate: every file moves; one reopen makes new files, flush first */
    T_EQ_INT(rename(tpath("a.log"), tpath("a.log.1")), 0);
    T_EQ_INT(rename(tpath("b.log"), tpath("b.log.1")), 0);
    T_EQ_INT(rename(tpath("error.log"), tpath("error.log.1")), 0);
    t_flush_sink = &a;
    t_old_fd = a.fd;
    T_EQ_INT(nd_log_reopen(), 0);
    T_EQ_INT(t_flushes, 1);
    T_TRUE(t_flush_saw_old);
    T_TRUE(access(tpath("a.log"), F_OK) == 0 && access(tpath("b.log"), F_OK) == 0);
    T_TRUE(access(tpath("error.log"), F_OK) == 0);
    T_TRUE(c.fd == 1);                                          /* a stream stays */

    /* b cannot be reopened: logged (in the new error log), b keeps its file,
     * and the sinks after it are reopened anyway */
    T_EQ_INT(rename(tpath("b.log"), tpath("b.log.2")), 0);
    T_EQ_INT(mkdir(tpath("b.log"), 0700), 0);
    T_EQ_INT(rename(tpath("a.log"), tpath("a.log.2")), 0);
    t_old_fd = b.fd;
    T_EQ_INT(nd_log_reopen(), -1);
    T_TRUE(b.fd == t_old_fd);
    T_TRUE(access(tpath("a.log"), F_OK) == 0);
    text = slurp(tpath("error.log"));
    T_TRUE(text != NULL && strstr(text, "\"msg\":\"cannot reopen the slowlog ") != NULL
           && strstr(text, "/b.log\",\"errno\":\"Is a directory\"}") != NULL);
    free(text);

    /* a path too long, or one that cannot be opened: the sink is unchanged */
    memset(long_path, 'x', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    t_old_fd = a.fd;
    errno = 0;
    T_EQ_INT(nd_log_sink_open(&a, long_path), -1);
    T_EQ_INT(errno, ENAMETOOLONG);
    T_EQ_INT(nd_log_sink_open(&a, tpath("b.log")), -1);         /* a directory */
    T_TRUE(a.fd == t_old_fd && strstr(a.path, "/a.log") != NULL);

    /* off: skipped by reopen, still listed */
    nd_log_sink_close(&a);
    T_TRUE(a.fd == -1 && a.path[0] == '\0');
    t_flushes = 0;
    rmdir(tpath("b.log"));
    T_EQ_INT(nd_log_reopen(), 0);
    T_EQ_INT(t_flushes, 0);
    nd_log_sink_close(&b);
    T_EQ_INT(nd_log_sink_open(&a, NULL), 0);
    T_EQ_INT(nd_log_open(NULL, NULL), 0);                       /* back to stderr */
    T_TRUE(g_log.sink.fd == 2 && g_log.sink.path[0] == '\0');
}

int
main(void)
{
    T_TRUE(mkdtemp(t_dir) != NULL);
    T_RUN(log_line_cut_is_valid);
    T_RUN(sinks_reopen_in_one_loop);
    {
        static const char *const names[] = { "error.log", "error.log.1", "a.log", "a.log.1",
                                              "a.log.2", "b.log", "b.log.1", "b.log.2" };
        size_t i;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
            unlink(tpath(names[i]));
        }
        rmdir(tpath("b.log"));
        rmdir(t_dir);
    }
    return T_DONE();
}
