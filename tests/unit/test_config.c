/* Unit tests: apps.ini parsing and validation (common/config.c). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "common/config.c"

static char tmpdir[64];
static char errbuf[16384];      /* the last load's errors, "\n"-joined */
static int  last_dropped;

static void
write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static void
write_str(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

static struct nd_config *
load_path(const char *path)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    size_t            off = 0;
    int               i;

    memset(&errs, 0, sizeof(errs));
    conf = nd_config_load(path, &errs);
    errbuf[0] = '\0';
    for (i = 0; i < errs.n; i++) {
        char line[1024];

        nd_err_format(&errs.e[i], line, sizeof(line));
        off += (size_t) snprintf(errbuf + off, sizeof(errbuf) - off, "%s%s", i ? "\n" : "", line);
        if (off >= sizeof(errbuf)) {
            off = sizeof(errbuf) - 1;
        }
    }
    last_dropped = errs.dropped;
    return conf;
}

/* Writes text to ./apps.ini (cwd is the temp dir) and loads it. */
static struct nd_config *
load_len(const char *text, size_t len)
{
    write_file("apps.ini", text, len);
    return load_path("apps.ini");
}

static struct nd_config *
load(const char *text)
{
    return load_len(text, strlen(text));
}

/* --- loading: defaults and a full round trip ------------------------------ */

T_CASE(empty_config_defaults)
{
    struct nd_config     *conf = load("; nothing here\n");
    struct sockaddr_in   *sin;

    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf == NULL) {
        return;
    }
    T_EQ_STR(conf->path, "apps.ini");
    T_EQ_STR(conf->dir, ".");
    T_EQ_INT(conf->napps, 0);
    T_EQ_INT(conf->server.nlisten, 1);
    T_EQ_STR(conf->server.listen[0].text, "127.0.0.1:8080");
    T_EQ_INT(conf->server.listen[0].line, 0);
    sin = (struct sockaddr_in *) &conf->server.listen[0].addr;
    T_EQ_INT(sin->sin_family, AF_INET);
    T_EQ_INT(ntohs(sin->sin_port), 8080);
    T_EQ_INT(ntohl(sin->sin_addr.s_addr), 0x7f000001);
    T_EQ_INT(conf->server.workers, sysconf(_SC_NPROCESSORS_ONLN));
    T_EQ_STR(conf->server.error_log, "stderr");
    T_EQ_INT(conf->server.graceful_timeout_ms, 30000);
    T_EQ_INT(conf->server.watch, 1);
    T_TRUE(conf->server.pid_file == NULL);
    T_EQ_INT(conf->server.max_requests, 0);
    T_EQ_INT(conf->server.worker_rss_limit, 0);
    T_EQ_INT(conf->server.client_header_timeout_ms, 10000);
    T_EQ_INT(conf->server.client_body_timeout_ms, 30000);
    T_EQ_INT(conf->server.keepalive_timeout_ms, 75000);
    T_EQ_INT(conf->server.max_header_size, 32 * 1024);
    T_EQ_INT(conf->server.max_url_size, 8 * 1024);
    T_EQ_INT(conf->server.max_connections, 10000);
    T_EQ_INT(conf->server.max_loaded_apps, 1000);
    T_EQ_INT(conf->server.limits.cpu_limit_ms, 50);
    T_EQ_INT(conf->server.limits.memory_limit, 128 * 1024 * 1024);
    T_EQ_INT(conf->server.limits.request_timeout_ms, 30000);
    T_EQ_INT(conf->server.limits.max_body_size, 1024 * 1024);
    nd_config_free(conf);

    conf = load("");                    /* an empty file, and an empty [server] */
    T_TRUE(conf != NULL);
    nd_config_free(conf);
    conf = load("[server]\n");
    T_TRUE(conf != NULL && conf->server.nlisten == 1);
    nd_config_free(conf);
}

T_CASE(full_round_trip)
{
    char              text[4096], abs_b[512];
    struct nd_config *conf;
    struct nd_app_conf *a, *b;

    snprintf(abs_b, sizeof(abs_b), "%s/apps/b.js", tmpdir);
    snprintf(text, sizeof(text),
             "; full config\n"                                          /* 1 */
             "[server]\n"
             "listen = 127.0.0.1:8081, [::1]:8082 , *:8083\n"
             "workers = 3\n"
             "error_log = /var/log/nanod.log\n"                         /* 5 */
             "graceful_timeout = 5m\n"
             "watch = off\n"
             "pid_file = /run/nanod-test.pid\n"
             "client_header_timeout = 2s\n"
             "client_body_timeout = 3s\n"                               /* 10 */
             "keepalive_timeout = 4\n"
             "max_header_size = 16k\n"
             "max_url_size = 2K\n"
             "max_connections = 500\n"
             "max_loaded_apps = 20\n"                                   /* 15 */
             "cpu_limit = 70ms\n"
             "memory_limit = 64m\n"
             "request_timeout = 10s\n"
             "max_body_size = 2m\n"
             "\n"                                                       /* 20 */
             "[app:hello]\n"
             "script = apps/a.js\n"
             "hosts = Hello.Localhost, *.hello.example.com:8080\n"
             "default = yes\n"
             "env.GREETING = hello world ; a comment\n"                 /* 25 */
             "env.EMPTY =\n"
             "env.SEMI = a;b\n"
             "cpu_limit = 100ms\n"
             "memory_limit = 32m\n"
             "request_timeout = 1s\n"                                   /* 30 */
             "max_body_size = 0\n"
             "\n"
             "[app:other-app_2]\n"
             "script = %s\n"
             "hosts = other.example.\n"                                 /* 35 */
             "default = no\n",
             abs_b);
    conf = load(text);
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf == NULL) {
        return;
    }
    T_EQ_INT(conf->server.nlisten, 3);
    T_EQ_STR(conf->server.listen[0].text, "127.0.0.1:8081");
    T_EQ_STR(conf->server.listen[1].text, "[::1]:8082");
    T_EQ_STR(conf->server.listen[2].text, "*:8083");
    T_EQ_INT(conf->server.listen[1].addr.ss_family, AF_INET6);
    T_EQ_INT(conf->server.listen[2].line, 3);
    T_EQ_INT(conf->server.workers, 3);
    T_EQ_STR(conf->server.error_log, "/var/log/nanod.log");
    T_EQ_INT(conf->server.graceful_timeout_ms, 300000);
    T_EQ_INT(conf->server.watch, 0);
    T_EQ_STR(conf->server.pid_file, "/run/nanod-test.pid");
    T_EQ_INT(conf->server.client_header_timeout_ms, 2000);
    T_EQ_INT(conf->server.client_body_timeout_ms, 3000);
    T_EQ_INT(conf->server.keepalive_timeout_ms, 4000);
    T_EQ_INT(conf->server.max_header_size, 16384);
    T_EQ_INT(conf->server.max_url_size, 2048);
    T_EQ_INT(conf->server.max_connections, 500);
    T_EQ_INT(conf->server.max_loaded_apps, 20);
    T_EQ_INT(conf->server.limits.cpu_limit_ms, 70);
    T_EQ_INT(conf->server.limits.memory_limit, 64 * 1024 * 1024);
    T_EQ_INT(conf->server.limits.request_timeout_ms, 10000);
    T_EQ_INT(conf->server.limits.max_body_size, 2 * 1024 * 1024);

    T_EQ_INT(conf->napps, 2);
    if (conf->napps != 2) {
        nd_config_free(conf);
        return;
    }
    a = &conf->apps[0];
    T_EQ_STR(a->name, "hello");
    T_EQ_INT(a->line, 21);
    T_EQ_STR(a->script, "apps/a.js");
    T_EQ_INT(a->script_line, 22);
    T_EQ_STR(a->source, "export default { fetch: function () { return new Response('a'); } };\n");
    T_EQ_INT(a->source_len, strlen(a->source));
    T_TRUE(a->load_error == NULL);
    T_EQ_INT(a->nhosts, 2);
    T_EQ_STR(a->hosts[0], "hello.localhost");
    T_EQ_STR(a->hosts[1], "*.hello.example.com");
    T_EQ_INT(a->host_lines[0], 23);
    T_EQ_INT(a->host_lines[1], 23);
    T_EQ_INT(a->is_default, 1);
    T_EQ_INT(a->default_line, 24);
    T_EQ_INT(a->nenv, 3);
    T_EQ_STR(a->env[0].key, "GREETING");
    T_EQ_STR(a->env[0].value, "hello world");
    T_EQ_STR(a->env[1].key, "EMPTY");
    T_EQ_STR(a->env[1].value, "");
    T_EQ_STR(a->env[2].key, "SEMI");
    T_EQ_STR(a->env[2].value, "a;b");
    T_EQ_INT(a->limits.cpu_limit_ms, 100);
    T_EQ_INT(a->limits.memory_limit, 32 * 1024 * 1024);
    T_EQ_INT(a->limits.request_timeout_ms, 1000);
    T_EQ_INT(a->limits.max_body_size, 0);

    b = &conf->apps[1];
    T_EQ_STR(b->name, "other-app_2");
    T_EQ_INT(b->line, 33);
    T_EQ_STR(b->script, abs_b);         /* absolute: unchanged */
    T_EQ_STR(b->source, "export default {};\n");
    T_EQ_INT(b->nhosts, 1);
    T_EQ_STR(b->hosts[0], "other.example");
    T_EQ_INT(b->host_lines[0], 35);
    T_EQ_INT(b->is_default, 0);
    T_EQ_INT(b->nenv, 0);
    T_TRUE(b->env == NULL);
    /* inherited from [server] */
    T_EQ_INT(b->limits.cpu_limit_ms, 70);
    T_EQ_INT(b->limits.memory_limit, 64 * 1024 * 1024);
    T_EQ_INT(b->limits.request_timeout_ms, 10000);
    T_EQ_INT(b->limits.max_body_size, 2 * 1024 * 1024);
    nd_config_free(conf);
}

/* Worker recycling (issue 7): max_requests and worker_rss_limit, [server] only. */
T_CASE(recycling_keys)
{
    struct nd_config *conf;

    conf = load("[server]\nmax_requests = 50\nworker_rss_limit = 256m\n");
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_INT(conf->server.max_requests, 50);
        T_EQ_INT(conf->server.worker_rss_limit, 256 * 1024 * 1024);
    }
    nd_config_free(conf);
    conf = load("[server]\nmax_requests = 0\nworker_rss_limit = 0\n");   /* explicit off */
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL && conf->server.max_requests == 0 && conf->server.worker_rss_limit == 0);
    nd_config_free(conf);
    conf = load("[server]\nmax_requests = 1000000\nworker_rss_limit = 1024g\n");
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL && conf->server.max_requests == 1000000 &&
           conf->server.worker_rss_limit == 1024LL * 1024 * 1024 * 1024);
    nd_config_free(conf);
}

T_CASE(limits_inherit_and_override)
{
    /* [server] after the apps: resolution happens at the end */
    struct nd_config *conf = load(
        "[app:a]\nscript = apps/a.js\nhosts = a.test\nmemory_limit = 1m\n"
        "[app:b]\nscript = apps/b.js\nhosts = b.test\ncpu_limit = 0\n"
        "[server]\ncpu_limit = 20ms\nmax_body_size = 5k\n");

    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL && conf->napps == 2);
    if (conf == NULL || conf->napps != 2) {
        nd_config_free(conf);
        return;
    }
    T_EQ_INT(conf->apps[0].limits.cpu_limit_ms, 20);
    T_EQ_INT(conf->apps[0].limits.memory_limit, 1024 * 1024);
    T_EQ_INT(conf->apps[0].limits.request_timeout_ms, 30000);
    T_EQ_INT(conf->apps[0].limits.max_body_size, 5 * 1024);
    T_EQ_INT(conf->apps[1].limits.cpu_limit_ms, 0);          /* 0 = off, explicit */
    T_EQ_INT(conf->apps[1].limits.memory_limit, 128 * 1024 * 1024);
    T_EQ_INT(conf->apps[1].limits.max_body_size, 5 * 1024);
    nd_config_free(conf);
}

T_CASE(workers_auto_and_default_only_app)
{
    struct nd_config *conf = load(
        "[server]\nworkers = auto\n[app:fallback]\nscript = apps/a.js\ndefault = on\n");

    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_INT(conf->server.workers, sysconf(_SC_NPROCESSORS_ONLN));
        T_EQ_INT(conf->apps[0].nhosts, 0);
        T_EQ_INT(conf->apps[0].is_default, 1);
    }
    nd_config_free(conf);
}

T_CASE(syntax_bom_crlf_comments_indent)
{
    static const char text[] =
        "\xEF\xBB\xBF; comment after a BOM\r\n"
        "# hash comment\r\n"
        "[server] ; trailing comment\r\n"
        "  workers = 2   \r\n"                  /* indentation is cosmetic */
        "\terror_log = a#b ; c\r\n"
        "\r\n"
        "[app:x]\r\n"
        "    script = apps/a.js\r\n"
        "    hosts = x.test\r\n"
        "    env.A = 1;2\r\n"
        "    env.B = q ;\r\n"
        "    env.C: colon separator\r\n"
        "    env.D = \"quotes kept\"\r\n"
        "    env.E = x = y\r\n";
    struct nd_config *conf = load(text);

    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf == NULL) {
        return;
    }
    T_EQ_INT(conf->server.workers, 2);
    T_EQ_STR(conf->server.error_log, "a#b");
    T_EQ_INT(conf->apps[0].line, 7);
    T_EQ_STR(conf->apps[0].script, "apps/a.js");
    T_EQ_INT(conf->apps[0].nenv, 5);
    if (conf->apps[0].nenv == 5) {
        T_EQ_STR(conf->apps[0].env[0].value, "1;2");
        T_EQ_STR(conf->apps[0].env[1].value, "q");
        T_EQ_STR(conf->apps[0].env[2].value, "colon separator");
        T_EQ_STR(conf->apps[0].env[3].value, "\"quotes kept\"");
        T_EQ_STR(conf->apps[0].env[4].value, "x = y");
    }
    nd_config_free(conf);
}

T_CASE(long_lines_and_long_names)
{
    /* longer than the 200-byte lines and 50-byte section names of inih's buffers */
    static char text[32768];
    char        name[65], hosts[3000];
    size_t      off = 0;
    int         i;
    struct nd_config *conf;

    memset(name, 'n', 64);
    name[64] = '\0';
    off = 0;
    for (i = 0; i < 150; i++) {
        off += (size_t) snprintf(hosts + off, sizeof(hosts) - off, "%sh%03d.example",
                                 i ? "," : "", i);
    }
    snprintf(text, sizeof(text), "[app:%s]\nscript = apps/a.js\nhosts = %s\nenv.X = y\n"
             "[server]\nbogus = 1\n", name, hosts);
    conf = load(text);
    T_EQ_STR(errbuf, "apps.ini:6: unknown key \"bogus\" in [server]");
    T_TRUE(conf == NULL);

    snprintf(text, sizeof(text), "[app:%s]\nscript = apps/a.js\nhosts = %s\n", name, hosts);
    conf = load(text);
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_STR(conf->apps[0].name, name);
        T_EQ_INT(conf->apps[0].nhosts, 150);
        T_EQ_STR(conf->apps[0].hosts[149], "h149.example");
    }
    nd_config_free(conf);

    /* exactly the maximum is fine, one more byte is not; line numbers stay right */
    off = (size_t) snprintf(text, sizeof(text), "[app:a]\nscript = apps/a.js\nhosts = a.test\n"
                            "env.X = ");
    memset(text + off, 'v', 8192 - 8);
    off += 8192 - 8;
    off += (size_t) snprintf(text + off, sizeof(text) - off, "\nenv.Y = ");
    memset(text + off, 'v', 8192 - 7);
    off += 8192 - 7;
    off += (size_t) snprintf(text + off, sizeof(text) - off, "\r\nenv.Z = ");
    memset(text + off, 'v', 8192 - 8);
    off += 8192 - 8;
    snprintf(text + off, sizeof(text) - off, "\r\nnope = 1\n");
    conf = load(text);
    T_EQ_STR(errbuf, "apps.ini:5: line too long (max 8192 bytes)\n"
                     "apps.ini:7: unknown key \"nope\" in [app:a]");
    T_TRUE(conf == NULL);
}

T_CASE(script_paths)
{
    struct nd_config *conf;

    mkdir("sub", 0755);
    mkdir("sub/apps", 0755);
    write_str("sub/apps/s.js", "1;\n");
    write_str("sub/apps.ini", "[app:s]\nscript = apps/s.js\nhosts = s.test\n");
    conf = load_path("sub/apps.ini");
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_STR(conf->dir, "sub");
        T_EQ_STR(conf->apps[0].script, "sub/apps/s.js");
        T_EQ_STR(conf->apps[0].source, "1;\n");
        T_EQ_INT(conf->apps[0].source_len, 3);
    }
    nd_config_free(conf);

    conf = load_path("./sub/apps.ini");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_STR(conf->apps[0].script, "./sub/apps/s.js");
    }
    nd_config_free(conf);

    write_str("sub/bad.ini", "[app:s]\nscript = apps/missing.js\nhosts = s.test\n");
    conf = load_path("sub/bad.ini");
    T_TRUE(conf != NULL && conf->apps[0].error != NULL);
    nd_config_free(conf);
    T_EQ_STR(errbuf, "sub/bad.ini:2: script \"sub/apps/missing.js\" not found: "
                     "No such file or directory");

    conf = load("[app:s]\nscript = apps/a.js\nhosts = s.test\n");
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_EQ_STR(conf->apps[0].script, "apps/a.js");     /* dir ".": no "./" prefix */
    }
    nd_config_free(conf);

    {
        char *d = dir_of("/apps.ini");
        T_EQ_STR(d, "/");
        free(d);
        d = dir_of("a//b//apps.ini");
        T_EQ_STR(d, "a//b");
        free(d);
    }
}

T_CASE(ten_thousand_apps)
{
    enum { N = 10000 };
    size_t            cap = (size_t) N * 100, off = 0;
    char             *text = malloc(cap);
    struct nd_config *conf;
    struct timespec   t0, t1;
    int               i;

    T_TRUE(text != NULL);
    if (text == NULL) {
        return;
    }
    for (i = 0; i < N; i++) {
        off += (size_t) snprintf(text + off, cap - off, "[app:app%d]\nscript = apps/b.js\n"
                                 "hosts = app%d.test, *.w%d.test\n", i, i, i);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    conf = load_len(text, off);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL && conf->napps == N);
    if (conf != NULL && conf->napps == N) {
        T_EQ_STR(conf->apps[N - 1].name, "app9999");
        T_EQ_STR(conf->apps[N - 1].hosts[1], "*.w9999.test");
        T_EQ_INT(conf->apps[N - 1].host_lines[1], 3 * N);
    }
    printf("# %d apps loaded in %ld ms\n", N, (long) ((t1.tv_sec - t0.tv_sec) * 1000 +
                                                      (t1.tv_nsec - t0.tv_nsec) / 1000000));
    nd_config_free(conf);

    /* duplicates at the end are still found by name and by host */
    off += (size_t) snprintf(text + off, cap - off, "[app:app5]\n[app:z]\nscript = apps/b.js\n"
                             "hosts = APP7.test\n");
    conf = load_len(text, off);
    T_TRUE(conf == NULL);
    T_EQ_STR(errbuf, "apps.ini:30001: duplicate section [app:app5] (first at line 16)\n"
                     "apps.ini:30004: duplicate host \"app7.test\" (already in [app:app7] at "
                     "line 24)");
    free(text);
}

/* --- validation errors: exact messages --------------------------------------- */

#define APP_A "[app:a]\nscript = apps/a.js\nhosts = a.test\n"     /* lines 1-3 */

static const struct {
    const char *text;
    const char *want;
} err_cases[] = {
    /* sections */
    { "[foo]\nx = 1\n",
      "apps.ini:1: unknown section [foo] (use [server] or [app:NAME])" },
    { "[Server]\n",
      "apps.ini:1: unknown section [Server] (use [server] or [app:NAME])" },
    { "[app:bad name]\nscript = x\n",
      "apps.ini:1: bad app name \"bad name\" (use 1-64 of A-Z a-z 0-9 _ -)" },
    { "[app:]\n",
      "apps.ini:1: bad app name \"\" (use 1-64 of A-Z a-z 0-9 _ -)" },
    { "[app:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
      "apps.ini:1: bad app name "
      "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
      "(use 1-64 of A-Z a-z 0-9 _ -)" },
    { "[server]\nworkers = 1\n[server]\nworkers = 2\n",
      "apps.ini:3: duplicate section [server] (first at line 1)" },
    { APP_A "[app:a]\nscript = apps/b.js\n",
      "apps.ini:4: duplicate section [app:a] (first at line 1)" },
    { "[server\n",
      "apps.ini:1: section header without \"]\"" },
    { "[server] junk\n",
      "apps.ini:1: unexpected text after \"]\"" },
    /* lines */
    { "workers = 2\n[server]\n",
      "apps.ini:1: key \"workers\" outside of any section (put it under [server] or [app:NAME])" },
    { "[server]\nlisten\n",
      "apps.ini:2: expected \"key = value\", \"[section]\" or a comment" },
    { APP_A "env.X = a,\n   b\n",
      "apps.ini:5: indented line without \"=\": continuation lines are not supported "
      "(put the whole value on one line)" },
    { "[server]\n= 2\n",
      "apps.ini:2: missing key before \"=\"" },
    /* keys */
    { APP_A "hostnme = x\n",
      "apps.ini:4: unknown key \"hostnme\" in [app:a]" },
    { "[server]\nlisten_on = *:1\n",
      "apps.ini:2: unknown key \"listen_on\" in [server]" },
    { "[server]\nworkers = 2\nworkers = 3\n",
      "apps.ini:3: duplicate key \"workers\" in [server] (first at line 2)" },
    { APP_A "script = apps/b.js\n",
      "apps.ini:4: duplicate key \"script\" in [app:a] (first at line 2)" },
    { APP_A "env.X = 1\nenv.X = 2\n",
      "apps.ini:5: duplicate key \"env.X\" in [app:a] (first at line 4)" },
    { "[app:a]\nscript =\nhosts = a.test\n",
      "apps.ini:2: empty value for script" },
    { "[server]\nerror_log =   ; nothing\n",
      "apps.ini:2: empty value for error_log" },
    { "[server]\nlisten =\n",
      "apps.ini:2: empty value for listen" },
    /* numbers */
    { "[server]\ngraceful_timeout = 3x\n",
      "apps.ini:2: bad duration \"3x\" for graceful_timeout (use e.g. 250ms, 30s, 5m)" },
    { "[server]\nrequest_timeout = 0\n",
      "apps.ini:2: bad duration \"0\" for request_timeout (must be 1ms to 24h)" },
    { "[server]\ncpu_limit = 25h\n",
      "apps.ini:2: bad duration \"25h\" for cpu_limit (must be 0 to 24h)" },
    { APP_A "request_timeout = soon\n",
      "apps.ini:4: bad duration \"soon\" for request_timeout (use e.g. 250ms, 30s, 5m)" },
    { "[server]\nmax_body_size = 1t\n",
      "apps.ini:2: bad size \"1t\" for max_body_size (use e.g. 512, 64k, 1m, 2g)" },
    { "[server]\nmax_header_size = 0\n",
      "apps.ini:2: bad size \"0\" for max_header_size (must be 1 to 1024g)" },
    { APP_A "memory_limit = 2000g\n",
      "apps.ini:4: bad size \"2000g\" for memory_limit (must be 0 to 1024g)" },
    { "[server]\nwatch = maybe\n",
      "apps.ini:2: bad boolean \"maybe\" for watch (use yes/no, on/off, true/false, 1/0)" },
    { APP_A "default = 2\n",
      "apps.ini:4: bad boolean \"2\" for default (use yes/no, on/off, true/false, 1/0)" },
    { "[server]\nmax_connections = 10x\n",
      "apps.ini:2: bad number \"10x\" for max_connections (use an integer from 1 to 1000000)" },
    { "[server]\nmax_loaded_apps = 0\n",
      "apps.ini:2: bad number \"0\" for max_loaded_apps (use an integer from 1 to 1000000)" },
    { "[server]\nmax_requests = -1\n",
      "apps.ini:2: bad number \"-1\" for max_requests (use an integer from 0 to 1000000)" },
    { "[server]\nmax_requests = 2000000\n",
      "apps.ini:2: bad number \"2000000\" for max_requests (use an integer from 0 to 1000000)" },
    { "[server]\nworker_rss_limit = 1t\n",
      "apps.ini:2: bad size \"1t\" for worker_rss_limit (use e.g. 512, 64k, 1m, 2g)" },
    { APP_A "max_requests = 10\n",
      "apps.ini:4: unknown key \"max_requests\" in [app:a]" },
    { "[server]\nworkers = many\n",
      "apps.ini:2: bad number \"many\" for workers (use auto or an integer from 1 to 1024)" },
    { "[server]\nworkers = 0\n",
      "apps.ini:2: bad number \"0\" for workers (use auto or an integer from 1 to 1024)" },
    /* listen */
    { "[server]\nlisten = localhost:8080\n",
      "apps.ini:2: bad listen address \"localhost:8080\": host names are not allowed "
      "(use an IP address, e.g. 127.0.0.1:8080)" },
    { "[server]\nlisten = 127.0.0.1\n",
      "apps.ini:2: bad listen address \"127.0.0.1\": missing port (use e.g. 127.0.0.1:8080)" },
    { "[server]\nlisten = 127.0.0.1:70000\n",
      "apps.ini:2: bad listen address \"127.0.0.1:70000\": bad port \"70000\" (use 1-65535)" },
    { "[server]\nlisten = *:8080, 0.0.0.0:8080\n",
      "apps.ini:2: duplicate listen address \"0.0.0.0:8080\" (same as \"*:8080\" at line 2)" },
    { "[server]\nlisten = [::1]:80,[0::1]:80\n",
      "apps.ini:2: duplicate listen address \"[0::1]:80\" (same as \"[::1]:80\" at line 2)" },
    { "[server]\nlisten = *:80,,*:81\n",
      "apps.ini:2: empty item in listen list" },
    /* hosts */
    { APP_A "[app:b]\nscript = apps/b.js\nhosts = b.test, A.TEST.\n",
      "apps.ini:6: duplicate host \"a.test\" (already in [app:a] at line 3)" },
    { "[app:a]\nscript = apps/a.js\nhosts = a.test, x.test, a.test:80\n",
      "apps.ini:3: duplicate host \"a.test\" (already in [app:a] at line 3)" },
    { APP_A "[app:b]\nscript = apps/b.js\nhosts = *.a.test\n[app:c]\nscript = apps/b.js\n"
      "hosts = *.A.test\n",
      "apps.ini:9: duplicate host \"*.a.test\" (already in [app:b] at line 6)" },
    { "[app:a]\nscript = apps/a.js\nhosts = a.*.test\n",
      "apps.ini:3: bad host \"a.*.test\": a wildcard is allowed only as a \"*.\" prefix, "
      "e.g. *.example.com" },
    { "[app:a]\nscript = apps/a.js\nhosts = *a.test\n",
      "apps.ini:3: bad host \"*a.test\": a wildcard is allowed only as a \"*.\" prefix, "
      "e.g. *.example.com" },
    { "[app:a]\nscript = apps/a.js\nhosts = *\n",
      "apps.ini:3: bad host \"*\": a wildcard is allowed only as a \"*.\" prefix, "
      "e.g. *.example.com" },
    { "[app:a]\nscript = apps/a.js\nhosts = a..test\n",
      "apps.ini:3: bad host \"a..test\": empty label" },
    { "[app:a]\nscript = apps/a.js\nhosts = *.\n",
      "apps.ini:3: bad host \"*.\": a wildcard is allowed only as a \"*.\" prefix, "
      "e.g. *.example.com" },
    { "[app:a]\nscript = apps/a.js\nhosts = *..a\n",
      "apps.ini:3: bad host \"*..a\": empty label" },
    { "[app:a]\nscript = apps/a.js\nhosts = .a\n",
      "apps.ini:3: bad host \".a\": empty label" },
    { "[app:a]\nscript = apps/a.js\nhosts = a b.test\n",
      "apps.ini:3: bad host \"a b.test\" (use letters, digits, \"-\", \"_\", \".\", "
      "at most 253 characters)" },
    { "[app:a]\nscript = apps/a.js\nhosts = a.test,\n",
      "apps.ini:3: empty item in hosts list" },
    /* default, script, reachability */
    { "[app:a]\nscript = apps/a.js\ndefault = yes\n[app:b]\nscript = apps/b.js\ndefault = true\n",
      "apps.ini:6: more than one default app (first: [app:a] at line 3)" },
    { "[app:a]\nhosts = a.test\n",
      "apps.ini:1: [app:a] has no script" },
    { "[app:a]\nscript = apps/a.js\n",
      "apps.ini:1: [app:a] is unreachable: give it hosts or default = yes" },
    { "[app:a]\nscript = apps/a.js\ndefault = no\n",
      "apps.ini:1: [app:a] is unreachable: give it hosts or default = yes" },
    /* env */
    { APP_A "env.1X = y\n",
      "apps.ini:4: bad env key \"env.1X\" (use env.NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)" },
    { APP_A "env.A-B = y\n",
      "apps.ini:4: bad env key \"env.A-B\" (use env.NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)" },
    { APP_A "env. = y\n",
      "apps.ini:4: bad env key \"env.\" (use env.NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)" },
    { "[server]\nenv.X = 1\n",
      "apps.ini:2: unknown key \"env.X\" in [server]" },
    /* several errors, one pass, file order */
    { "[server]\nworkers = x\nbogus = 1\n[app:b]\nhosts = *.*\nscript = apps/none.js\n"
      "[nope]\nwhatever\n",
      "apps.ini:2: bad number \"x\" for workers (use auto or an integer from 1 to 1024)\n"
      "apps.ini:3: unknown key \"bogus\" in [server]\n"
      "apps.ini:5: bad host \"*.*\": a wildcard is allowed only as a \"*.\" prefix, "
      "e.g. *.example.com\n"
      "apps.ini:6: script \"apps/none.js\" not found: No such file or directory\n"
      "apps.ini:7: unknown section [nope] (use [server] or [app:NAME])\n"
      "apps.ini:8: expected \"key = value\", \"[section]\" or a comment" },
};

/* Errors of an app's script, not of apps.ini: the load succeeds, the app
 * carries the error (the supervisor runs its last good version). */
static const struct {
    const char *text;
    const char *want;
} app_err_cases[] = {
    { "[app:a]\nscript = apps/x.js\nhosts = a.test\n",
      "apps.ini:2: script \"apps/x.js\" not found: No such file or directory" },
    { "[app:a]\nscript = apps\nhosts = a.test\n",
      "apps.ini:2: script \"apps\" cannot be read: Is a directory" },
    { "[app:a]\nscript = apps/a.js/x\nhosts = a.test\n",
      "apps.ini:2: script \"apps/a.js/x\" not found: Not a directory" },
    { "[app:a]\nscript = fifo\nhosts = a.test\n",
      "apps.ini:2: script \"fifo\" is not a regular file (a FIFO, socket or device): "
      "refused" },
};

T_CASE(app_errors_do_not_fail_the_load)
{
    size_t i;

    unlink("fifo");
    T_EQ_INT(mkfifo("fifo", 0600), 0);
    for (i = 0; i < sizeof(app_err_cases) / sizeof(app_err_cases[0]); i++) {
        struct nd_config *conf = load(app_err_cases[i].text);

        if (conf == NULL || strcmp(errbuf, app_err_cases[i].want) != 0
            || conf->apps[0].error == NULL || conf->apps[0].source != NULL
            || strcmp(conf->apps[0].error, app_err_cases[i].want) != 0) {
            T_FAIL_("case %zu: conf %s, errors:\n%s\n  want:\n%s", i, conf ? "!= NULL" : "NULL",
                    errbuf, app_err_cases[i].want);
        }
        nd_config_free(conf);
    }
    unlink("fifo");
}

T_CASE(validation_errors)
{
    size_t i;

    for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
        struct nd_config *conf = load(err_cases[i].text);

        if (conf != NULL || strcmp(errbuf, err_cases[i].want) != 0) {
            T_FAIL_("case %zu: conf %s, errors:\n%s\n  want:\n%s", i, conf ? "!= NULL" : "NULL",
                    errbuf, err_cases[i].want);
        }
        nd_config_free(conf);
    }
}

T_CASE(nul_byte)
{
    static const char text[] = "[server]\nwork\0ers = 2\nbad = 1\n";
    struct nd_config *conf = load_len(text, sizeof(text) - 1);

    T_TRUE(conf == NULL);
    T_EQ_STR(errbuf, "apps.ini:2: line contains a NUL byte\n"
                     "apps.ini:3: unknown key \"bad\" in [server]");
}

T_CASE(missing_file)
{
    struct nd_config *conf = load_path("nope.ini");

    T_TRUE(conf == NULL);
    T_EQ_STR(errbuf, "nope.ini: cannot open: No such file or directory");
    conf = load_path("apps");
    T_TRUE(conf == NULL);
    T_EQ_STR(errbuf, "apps: read error: Is a directory");
}

T_CASE(errors_capped_and_appended)
{
    char              text[8192];
    size_t            off;
    int               i;
    struct nd_errs    errs;
    struct nd_config *conf;

    off = (size_t) snprintf(text, sizeof(text), "[server]\n");
    for (i = 0; i < 100; i++) {
        off += (size_t) snprintf(text + off, sizeof(text) - off, "bad%d = 1\n", i);
    }
    write_file("apps.ini", text, off);
    memset(&errs, 0, sizeof(errs));
    nd_errs_add(&errs, "earlier", 1, "from the caller");
    conf = nd_config_load("apps.ini", &errs);
    T_TRUE(conf == NULL);
    T_EQ_INT(errs.n, ND_ERRS_MAX);
    T_EQ_INT(errs.dropped, 101 - ND_ERRS_MAX);
    T_EQ_STR(errs.e[0].msg, "from the caller");      /* load appends, never resets */
    T_EQ_STR(errs.e[1].file, "apps.ini");
    T_EQ_INT(errs.e[1].line, 2);
    T_EQ_STR(errs.e[1].msg, "unknown key \"bad0\" in [server]");

    /* earlier errors alone do not fail a good config */
    memset(&errs, 0, sizeof(errs));
    nd_errs_add(&errs, NULL, 0, "unrelated");
    write_str("apps.ini", APP_A);
    conf = nd_config_load("apps.ini", &errs);
    T_TRUE(conf != NULL);
    T_EQ_INT(errs.n, 1);
    nd_config_free(conf);
}

T_CASE(err_format)
{
    struct nd_err e;
    char          buf[64];

    memset(&e, 0, sizeof(e));
    snprintf(e.msg, sizeof(e.msg), "boom");
    nd_err_format(&e, buf, sizeof(buf));
    T_EQ_STR(buf, "boom");
    snprintf(e.file, sizeof(e.file), "apps.ini");
    nd_err_format(&e, buf, sizeof(buf));
    T_EQ_STR(buf, "apps.ini: boom");
    e.line = 12;
    nd_err_format(&e, buf, sizeof(buf));
    T_EQ_STR(buf, "apps.ini:12: boom");
    nd_err_format(&e, buf, 6);
    T_EQ_STR(buf, "apps.");
}

/* --- fetch, waitUntil and cron keys (issue 6) ------------------------------- */

T_CASE(fetch_limits_allow_and_cron)
{
    struct nd_config *conf = load(
        "[server]\nfetch_timeout = 5s\nmax_subrequests = 10\nfetch_allow = 10.0.0.1/8, ::1\n"
        "[app:a]\nscript = apps/a.js\nhosts = a.test\nmax_concurrent_subrequests = 2\n"
        "fetch_max_response_size = 1m\ncron = */5 * * * *, 0,30 12 * * mon-fri\n"
        "[app:b]\nscript = apps/a.js\nhosts = b.test\nfetch_allow = none\n"
        "wait_until_timeout = 250ms\nfetch_timeout = 1s\n");
    uint8_t           ten[4] = { 10, 9, 8, 7 }, eleven[4] = { 11, 0, 0, 1 };
    uint8_t           mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3 };

    T_EQ_STR(errbuf, "");
    T_TRUE(conf != NULL && conf->napps == 2);
    if (conf == NULL || conf->napps != 2) {
        nd_config_free(conf);
        return;
    }
    T_EQ_INT(conf->server.limits.fetch_max_response_size, 32 * 1024 * 1024);
    T_EQ_INT(conf->apps[0].limits.fetch_timeout_ms, 5000);
    T_EQ_INT(conf->apps[0].limits.max_subrequests, 10);
    T_EQ_INT(conf->apps[0].limits.max_concurrent_subrequests, 2);
    T_EQ_INT(conf->apps[0].limits.fetch_max_response_size, 1024 * 1024);
    T_EQ_INT(conf->apps[0].limits.wait_until_timeout_ms, 30000);
    T_EQ_INT(conf->apps[1].limits.fetch_timeout_ms, 1000);
    T_EQ_INT(conf->apps[1].limits.max_concurrent_subrequests, 6);
    T_EQ_INT(conf->apps[1].limits.wait_until_timeout_ms, 250);
    /* the server's list is inherited (a copy); "none" empties it */
    T_EQ_INT(conf->server.nfetch_allow, 2);
    T_EQ_INT(conf->apps[0].nfetch_allow, 2);
    T_EQ_INT(conf->apps[1].nfetch_allow, 0);
    T_TRUE(conf->apps[0].fetch_allow != conf->server.fetch_allow);
    T_EQ_INT(conf->server.fetch_allow[0].bits, 8);
    T_EQ_INT(conf->server.fetch_allow[0].addr[3], 0);       /* host bits cleared */
    T_EQ_INT(nd_cidr_match(&conf->server.fetch_allow[0], AF_INET, ten), 1);
    T_EQ_INT(nd_cidr_match(&conf->server.fetch_allow[0], AF_INET, eleven), 0);
    T_EQ_INT(nd_cidr_match(&conf->server.fetch_allow[0], AF_INET6, mapped), 1);
    T_EQ_INT(nd_cidr_match(&conf->server.fetch_allow[1], AF_INET, ten), 0);
    T_EQ_INT(conf->apps[0].ncron, 2);
    T_EQ_STR(conf->apps[0].cron[0], "*/5 * * * *");
    T_EQ_STR(conf->apps[0].cron[1], "0,30 12 * * mon-fri");
    T_EQ_INT(conf->apps[0].cron_line, 10);
    T_EQ_INT(conf->apps[1].ncron, 0);
    nd_config_free(conf);

    conf = load("[server]\nfetch_allow = example.com\nmax_concurrent_subrequests = 0\n"
                "[app:a]\nscript = apps/a.js\nhosts = a.test\ncron = */5 * * *\n"
                "fetch_allow = 10.0.0.0/33\n");
    T_TRUE(conf == NULL);
    T_EQ_STR(errbuf,
             "apps.ini:2: fetch_allow: bad address \"example.com\" (use e.g. 127.0.0.1, "
             "10.0.0.0/8, ::1, fc00::/7; host names are not allowed)\n"
             "apps.ini:3: bad number \"0\" for max_concurrent_subrequests (use an integer from 1 "
             "to 1000000)\n"
             "apps.ini:7: bad cron \"*/5 * * *\": 4 fields in \"*/5 * * *\", want 5 (minute hour "
             "day-of-month month day-of-week)\n"
             "apps.ini:8: fetch_allow: bad prefix length \"33\" (use 0-32)");
}

/* Every key the parser knows appears in etc/CONFIG.md as `key`. */
static char config_md[65536];

T_CASE(config_md_lists_every_key)
{
    const struct key_def *k;
    char                  want[64];

    if (config_md[0] == '\0') {
        T_FAIL_("%s", "cannot read etc/CONFIG.md (run the test from the repository root)");
        return;
    }
    for (k = server_keys; k->name != NULL; k++) {
        snprintf(want, sizeof(want), "`%s`", k->name);
        if (strstr(config_md, want) == NULL) {
            T_FAIL_("etc/CONFIG.md does not mention %s", want);
        }
    }
    for (k = app_keys; k->name != NULL; k++) {
        snprintf(want, sizeof(want), "`%s`", k->name);
        if (strstr(config_md, want) == NULL) {
            T_FAIL_("etc/CONFIG.md does not mention %s", want);
        }
    }
    for (k = limit_keys; k->name != NULL; k++) {
        snprintf(want, sizeof(want), "`%s`", k->name);
        if (strstr(config_md, want) == NULL) {
            T_FAIL_("etc/CONFIG.md does not mention %s", want);
        }
    }
    T_TRUE(strstr(config_md, "`env.NAME`") != NULL);
    T_TRUE(strstr(config_md, "`kv.NAME`") != NULL);
    T_TRUE(strstr(config_md, "`d1.NAME`") != NULL);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* source = : the build output .nanod-build/APP.js, refused when missing or stale. */
T_CASE(source_key_uses_fresh_build)
{
    struct nd_config *conf;
    char              manifest[512];
    struct stat       st;
    const char       *ini = "[app:m]\nsource = src/i.ts\ndefault = yes\n";

    mkdir("src", 0755);
    write_str("src/i.ts", "export default {};\n");
    conf = load(ini);
    T_TRUE(conf != NULL && conf->apps[0].error != NULL && conf->apps[0].source == NULL);
    nd_config_free(conf);
    T_TRUE(strstr(errbuf, "apps.ini:2: [app:m] source src/i.ts is not built (no ") != NULL);
    T_TRUE(strstr(errbuf, "run scripts/nanod-build -c apps.ini") != NULL);

    mkdir(".nanod-build", 0755);
    write_str(".nanod-build/m.js", "module.exports = {};\n");
    T_EQ_INT(stat("src/i.ts", &st), 0);
    snprintf(manifest, sizeof(manifest), "# nanod-build manifest 1\n%lld %lld ../src/i.ts\n",
             (long long) st.st_size,
             (long long) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000);
    write_str(".nanod-build/m.js.manifest", manifest);
    conf = load(ini);
    T_TRUE(conf != NULL);
    if (conf != NULL) {
        T_TRUE(strstr(conf->apps[0].script, ".nanod-build/m.js") != NULL);
        T_EQ_STR(conf->apps[0].source, "module.exports = {};\n");
        nd_config_free(conf);
    }

    write_str("src/i.ts", "export default { changed: 1 };\n");
    conf = load(ini);
    T_TRUE(conf != NULL && conf->apps[0].error != NULL && conf->apps[0].source == NULL);
    if (conf != NULL && conf->apps[0].error != NULL) {
        T_TRUE(strstr(conf->apps[0].error, "is newer than its build") != NULL);
    }
    nd_config_free(conf);
    T_TRUE(strstr(errbuf, "apps.ini:2: [app:m] source src/i.ts is newer than its build (") != NULL);
    T_TRUE(strstr(errbuf, "src/i.ts changed): run scripts/nanod-build -c apps.ini") != NULL);

    conf = load("[app:m]\nscript = src/i.ts\nsource = src/i.ts\ndefault = yes\n");
    T_TRUE(conf == NULL);
    T_TRUE(strstr(errbuf, "apps.ini:3: [app:m] has both script and source (line 2)") != NULL);
}

int
main(void)
{
    static const char a_js[] =
        "export default { fetch: function () { return new Response('a'); } };\n";
    FILE *f = fopen("etc/CONFIG.md", "r");

    if (f != NULL) {
        size_t n = fread(config_md, 1, sizeof(config_md) - 1, f);
        config_md[n] = '\0';
        fclose(f);
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/nd_test_config.XXXXXX");
    if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1 || mkdir("apps", 0755) == -1) {
        perror("test setup");
        return 2;
    }
    write_str("apps/a.js", a_js);
    write_str("apps/b.js", "export default {};\n");

    T_RUN(empty_config_defaults);
    T_RUN(full_round_trip);
    T_RUN(recycling_keys);
    T_RUN(limits_inherit_and_override);
    T_RUN(workers_auto_and_default_only_app);
    T_RUN(syntax_bom_crlf_comments_indent);
    T_RUN(long_lines_and_long_names);
    T_RUN(script_paths);
    T_RUN(ten_thousand_apps);
    T_RUN(validation_errors);
    T_RUN(app_errors_do_not_fail_the_load);
    T_RUN(nul_byte);
    T_RUN(missing_file);
    T_RUN(errors_capped_and_appended);
    T_RUN(err_format);
    T_RUN(fetch_limits_allow_and_cron);
    T_RUN(config_md_lists_every_key);
    T_RUN(source_key_uses_fresh_build);

    if (chdir("/") == 0) {
        nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    return T_DONE();
}
