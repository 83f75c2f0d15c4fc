/*
 * Checks in forked children (see check.h).
 *
 * The compile check's child writes one line per app to a pipe:
 * "O i" (compiles), "F i line msg" (does not), then "D" when done. The parent
 * reads them as they come (the loop keeps serving signals meanwhile); an EOF
 * without "D" means the child died: the app it was on and those after it are
 * marked as not checked, with the reason.
 *
 * The bytecode of each compile (common/bytecode.h) goes to the workers: the
 * child appends it to a memfd that the supervisor made for this check (no
 * name, no path: only this process and its child hold it) and says
 * "O i offset length"; the parent copies it into the app's conf->bytecode,
 * which every worker of that generation inherits with the config. A worker
 * checks it again (nd_bytecode_open) before Duktape loads it.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bytecode.h"
#include "common/log.h"
#include "common/sys.h"
#include "supervisor/check.h"
#include "worker/worker.h"

struct nd_check {
    pid_t              pid;
    int                fd;          /* owned: the pipe's read end */
    int                mem;         /* owned: the memfd the child writes bytecode to, or -1 */
    struct event      *ev;          /* owned */
    struct nd_config  *conf;        /* borrowed */
    char              *seen;        /* owned: napps flags, result received */
    char               buf[4096];   /* a partial line */
    size_t             len;
    int                done_marker; /* "D" received */
    struct nd_errs     errs;
    nd_check_done_fn  *done;
    void              *arg;
};

/* In a child of the supervisor: only the pipe stays open (not the listeners,
 * the workers' channels or the pid file's lock, which a supervisor killed
 * meanwhile must not leave held), moved to fd 3, and keep2 (when not -1)
 * moved to fd 4. Returns 3. */
static int
child_fds(int keep, int keep2)
{
    int a = fcntl(keep, F_DUPFD, 10), b = keep2 == -1 ? -1 : fcntl(keep2, F_DUPFD, 10);

    if (a == -1 || dup2(a, 3) == -1 || (keep2 != -1 && (b == -1 || dup2(b, 4) == -1))) {
        _exit(1);
    }
    close_range(keep2 == -1 ? 4 : 5, ~0U, 0);
    return 3;
}

/* In a child of the supervisor: its signal handlers (libevent's) must not run
 * here, and a closed pipe must end the child. */
static void
child_signals(void)
{
    static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2,
                                SIGPIPE };
    sigset_t         set;
    size_t           i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        signal(sigs[i], SIG_DFL);
    }
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
}

struct child_out {
    int   fd;                   /* the pipe */
    int   mem;                  /* the memfd for bytecode */
    off_t off;                  /* bytes written to mem */
};

/* Test hook (tests/e2e/test_bytecode.py): ND_TEST_BYTECODE_DAMAGE=flip or
 * truncate damages every blob on its way, as a bug or a bad copy would; the
 * workers must refuse it and compile. Returns the bytes to write. */
static size_t
test_damage(unsigned char *blob, size_t len)
{
    const char *how = getenv("ND_TEST_BYTECODE_DAMAGE");

    if (how != NULL && strcmp(how, "flip") == 0) {
        blob[len - len / 3] ^= 0x20;
    } else if (how != NULL && strcmp(how, "truncate") == 0) {
        return len - len / 3;
    }
    return len;
}

static void
child_line(int i, int line, const char *msg, const void *code, size_t code_len, void *arg)
{
    struct child_out *co = arg;
    char              out[1400], clean[1100];
    size_t            k;
    int               n;

    if (msg == NULL && code != NULL) {
        size_t len = test_damage((unsigned char *) code, code_len);
        if (nd_sys_write_full(co->mem, code, len) == (ssize_t) len) {
            n = snprintf(out, sizeof(out), "O %d %lld %zu\n", i, (long long) co->off, len);
            co->off += (off_t) len;
        } else {
            n = snprintf(out, sizeof(out), "O %d\n", i);   /* the workers compile it */
        }
    } else if (msg == NULL) {
        n = snprintf(out, sizeof(out), "O %d\n", i);
    } else {
        snprintf(clean, sizeof(clean), "%s", msg);
        for (k = 0; clean[k] != '\0'; k++) {
            if (clean[k] == '\n' || clean[k] == '\r') {
                clean[k] = ' ';
            }
        }
        n = snprintf(out, sizeof(out), "F %d %d %s\n", i, line, clean);
    }
    if (n > 0 && nd_sys_write_full(co->fd, out, (size_t) n < sizeof(out) ? (size_t) n
                                   : sizeof(out) - 1) == -1) {
        _exit(1);
    }
}

/* mem: a memfd for the child's bytecode, or -1 (then none is made). */
static pid_t
fork_checker(struct nd_config *conf, int mem, int *rfd)
{
    int   fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) == -1) {
        return -1;
    }
    pid = fork();
    if (pid == -1) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        struct child_out co = { 3, mem == -1 ? -1 : 4, 0 };
        close(fds[0]);
        child_fds(fds[1], mem);
        child_signals();
        nd_worker_check_each(conf, mem != -1, child_line, &co);
        if (nd_sys_write_full(co.fd, "D\n", 2) == -1) {
            _exit(1);
        }
        _exit(0);   /* no atexit, no leak report: heaps left by fatal errors */
    }
    close(fds[1]);
    *rfd = fds[0];
    return pid;
}

/* "OFFSET LENGTH" after "O i": the app's bytecode, copied from the memfd. */
static void
take_bytecode(struct nd_check *ck, struct nd_app_conf *app, const char *rest)
{
    char         *end;
    long long     off = strtoll(rest, &end, 10);
    unsigned long len = end != rest ? strtoul(end, &end, 10) : 0;
    unsigned char *buf;
    size_t        got = 0;

    if (ck->mem == -1 || off < 0 || len == 0 || len > (unsigned long) ND_BYTECODE_MAX) {
        return;
    }
    buf = malloc(len);
    while (buf != NULL && got < len) {
        ssize_t n = pread(ck->mem, buf + got, len - got, (off_t) off + (off_t) got);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t) n;
    }
    if (buf == NULL || got < len) {
        nd_log(ND_LOG_WARN, app->name, "compile check: cannot read the script's bytecode (%s): "
               "the workers compile it", buf == NULL ? "out of memory" : "short read");
        free(buf);
        return;
    }
    free(app->bytecode);
    app->bytecode = buf;
    app->bytecode_len = len;
}

/* Applies one line from the child. */
static void
apply_line(struct nd_check *ck, char *line)
{
    struct nd_app_conf *app;
    char               *end, *msg, full[1400];
    long                i, ln = 0;

    if (strcmp(line, "D") == 0) {
        ck->done_marker = 1;
        return;
    }
    if ((line[0] != 'O' && line[0] != 'F') || line[1] != ' ') {
        return;
    }
    i = strtol(line + 2, &end, 10);
    if (end == line + 2 || i < 0 || i >= ck->conf->napps) {
        return;
    }
    ck->seen[i] = 1;
    if (line[0] == 'O') {
        if (*end == ' ') {
            take_bytecode(ck, &ck->conf->apps[i], end + 1);
        }
        return;
    }
    ln = strtol(end, &msg, 10);
    if (*msg == ' ') {
        msg++;
    }
    app = &ck->conf->apps[i];
    nd_errs_add(&ck->errs, app->script, (int) ln, "%s", msg);
    if (app->error == NULL) {
        if (ln > 0) {
            snprintf(full, sizeof(full), "%s:%ld: %s", app->script, ln, msg);
        } else {
            snprintf(full, sizeof(full), "%s: %s", app->script, msg);
        }
        app->error = strdup(full);
    }
}

/* Reads what is there; 1 at EOF. */
static int
read_some(struct nd_check *ck)
{
    for (;;) {
        ssize_t n = read(ck->fd, ck->buf + ck->len, sizeof(ck->buf) - 1 - ck->len);
        char   *nl, *p;

        if (n == 0) {
            return 1;
        }
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN ? 0 : 1;
        }
        ck->len += (size_t) n;
        ck->buf[ck->len] = '\0';
        p = ck->buf;
        while ((nl = memchr(p, '\n', ck->len - (size_t) (p - ck->buf))) != NULL) {
            *nl = '\0';
            apply_line(ck, p);
            p = nl + 1;
        }
        ck->len -= (size_t) (p - ck->buf);
        memmove(ck->buf, p, ck->len);
        if (ck->len == sizeof(ck->buf) - 1) {
            ck->len = 0;        /* a line too long: cannot come from child_line */
        }
    }
}

/* EOF: what the child did not report (it died) is not checked. */
static void
finish(struct nd_check *ck)
{
    int i, first = 1;

    if (ck->done_marker) {
        return;
    }
    for (i = 0; i < ck->conf->napps; i++) {
        struct nd_app_conf *app = &ck->conf->apps[i];
        char                full[600];
        const char         *why;

        if (ck->seen[i] || app->source == NULL) {
            continue;
        }
        why = first ? "the compile check died while compiling this script"
                    : "not checked: the compile check died on an earlier script";
        first = 0;
        nd_errs_add(&ck->errs, app->script, 0, "%s", why);
        if (app->error == NULL) {
            snprintf(full, sizeof(full), "%s: %s", app->script, why);
            app->error = strdup(full);
        }
    }
}

static struct nd_check *
check_new(struct nd_config *conf)
{
    struct nd_check *ck = calloc(1, sizeof(*ck));

    if (ck == NULL) {
        return NULL;
    }
    ck->seen = calloc((size_t) conf->napps + 1, 1);
    if (ck->seen == NULL) {
        free(ck);
        return NULL;
    }
    ck->conf = conf;
    ck->fd = -1;
    ck->pid = -1;
    /* Without it the check still runs; the workers compile every script. */
    ck->mem = memfd_create("nanod-bytecode", MFD_CLOEXEC);
    if (ck->mem == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "memfd_create() failed while starting the "
                     "compile check: the workers compile every script");
    }
    return ck;
}

static void
check_free(struct nd_check *ck)
{
    if (ck->ev != NULL) {
        event_free(ck->ev);
    }
    if (ck->fd != -1) {
        close(ck->fd);
    }
    if (ck->mem != -1) {
        close(ck->mem);
    }
    free(ck->seen);
    free(ck);
}

static void
merge_errs(struct nd_errs *to, const struct nd_errs *from)
{
    int i;

    for (i = 0; i < from->n; i++) {
        nd_errs_add(to, from->e[i].file, from->e[i].line, "%s", from->e[i].msg);
    }
    to->dropped += from->dropped;
}

int
nd_check_apps_sync(struct nd_config *conf, struct nd_errs *errs)
{
    struct nd_check *ck;

    if (conf->napps == 0) {
        return 0;
    }
    ck = check_new(conf);
    if (ck == NULL || (ck->pid = fork_checker(conf, ck->mem, &ck->fd)) == -1) {
        nd_errs_add(errs, conf->path, 0, "cannot start the compile check: %s",
                    strerror(errno));
        if (ck != NULL) {
            check_free(ck);
        }
        return -1;
    }
    while (!read_some(ck)) {
    }
    waitpid(ck->pid, NULL, 0);
    finish(ck);
    merge_errs(errs, &ck->errs);
    check_free(ck);
    return 0;
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct nd_check *ck = arg;

    (void) fd;
    (void) what;
    if (!read_some(ck)) {
        return;
    }
    event_del(ck->ev);
    finish(ck);
    /* The child is reaped by the supervisor's SIGCHLD handler (unknown pid). */
    ck->pid = -1;
    ck->done(ck, ck->conf, &ck->errs, ck->arg);
    check_free(ck);
}

struct nd_check *
nd_check_apps_start(struct event_base *base, struct nd_config *conf, nd_check_done_fn *done,
                    void *arg)
{
    struct nd_check *ck = check_new(conf);
    struct timeval   now = { 0, 0 };

    if (ck == NULL) {
        return NULL;
    }
    ck->done = done;
    ck->arg = arg;
    if (conf->napps > 0) {
        ck->pid = fork_checker(conf, ck->mem, &ck->fd);
        if (ck->pid == -1 || nd_sys_nonblock(ck->fd, 1) == -1) {
            goto fail;
        }
        ck->ev = event_new(base, ck->fd, EV_READ | EV_PERSIST, on_readable, ck);
        if (ck->ev == NULL || event_add(ck->ev, NULL) == -1) {
            goto fail;
        }
    } else {
        /* Nothing to compile: finish from the loop, as for any other check. */
        ck->done_marker = 1;
        ck->ev = event_new(base, -1, 0, on_readable, ck);
        if (ck->ev == NULL || event_add(ck->ev, &now) == -1) {
            goto fail;
        }
    }
    return ck;

fail:
    if (ck->pid > 0) {
        kill(ck->pid, SIGKILL);
    }
    check_free(ck);
    return NULL;
}

void
nd_check_cancel(struct nd_check *ck)
{
    if (ck == NULL) {
        return;
    }
    if (ck->pid > 0) {
        kill(ck->pid, SIGKILL);
    }
    check_free(ck);
}

/* --- as the workers' user ------------------------------------------------------- */

int
nd_check_drop_privileges(const struct nd_config *conf, char *msg, size_t size)
{
    const struct nd_server_conf *sc = &conf->server;
    gid_t                        gid = (gid_t) sc->gid;

    if ((sc->uid < 0 && sc->gid < 0) || geteuid() != 0) {
        return 0;
    }
    if (sc->gid >= 0) {
        if ((sc->user != NULL ? initgroups(sc->user, gid) : setgroups(1, &gid)) == -1
            || setgid(gid) == -1) {
            snprintf(msg, size, "cannot switch to group %lld: %s", (long long) sc->gid,
                     strerror(errno));
            return -1;
        }
    }
    if (sc->uid >= 0) {
        if (setuid((uid_t) sc->uid) == -1) {
            snprintf(msg, size, "cannot switch to user %s: %s", sc->user, strerror(errno));
            return -1;
        }
        if (setuid(0) == 0) {
            snprintf(msg, size, "could regain root after switching to user %s", sc->user);
            return -1;
        }
    }
    return 0;
}

/* In the child, as the workers' user: "line msg\n" for a file it cannot reach. */
static void
check_file_as_user(int fd, const struct nd_config *conf, const char *key, const char *path,
                   int line)
{
    char        dcopy[PATH_MAX], out[PATH_MAX + 512];
    const char *dir, *who = conf->server.user != NULL ? conf->server.user : "the workers' user";
    struct stat st;
    int         n = 0;

    if (path == NULL || strcmp(path, "stderr") == 0 || strcmp(path, "stdout") == 0
        || strlen(path) >= sizeof(dcopy)) {
        return;
    }
    memcpy(dcopy, path, strlen(path) + 1);
    dir = dirname(dcopy);
    if (access(dir, X_OK) == -1) {
        n = snprintf(out, sizeof(out), "%d %s %s: %s (user %s) cannot reach the directory "
                     "%s (%s): the workers could not open or reopen it; give that user "
                     "search (x) permission on it or log elsewhere\n", line, key, path, who,
                     who, dir, strerror(errno));
    } else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        n = snprintf(out, sizeof(out), "%d %s %s is a directory\n", line, key, path);
    }
    if (n > 0) {
        nd_sys_write_full(fd, out, (size_t) n < sizeof(out) ? (size_t) n : sizeof(out) - 1);
    }
}

int
nd_check_worker_files(const struct nd_config *conf, struct nd_errs *errs)
{
    const struct nd_server_conf *sc = &conf->server;
    int                          fds[2], nerr = 0, status;
    char                         buf[8192], *p, *nl;
    size_t                       len = 0;
    pid_t                        pid;

    if ((sc->uid < 0 && sc->gid < 0) || geteuid() != 0) {
        return 0;
    }
    if (pipe2(fds, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
        nd_errs_add(errs, conf->path, 0, "cannot check the log files as user %s: %s",
                    sc->user != NULL ? sc->user : "(group only)", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        char msg[256];
        close(fds[0]);
        fds[1] = child_fds(fds[1], -1);
        child_signals();
        if (nd_check_drop_privileges(conf, msg, sizeof(msg)) == -1) {
            int n = snprintf(buf, sizeof(buf), "0 %s\n", msg);
            nd_sys_write_full(fds[1], buf, (size_t) n);
            _exit(0);
        }
        check_file_as_user(fds[1], conf, "error_log", sc->error_log, sc->error_log_line);
        check_file_as_user(fds[1], conf, "access_log", sc->access_log, sc->access_log_line);
        check_file_as_user(fds[1], conf, "slowlog", sc->slowlog, sc->slowlog_line);
        _exit(0);
    }
    close(fds[1]);
    for (;;) {
        ssize_t n = read(fds[0], buf + len, sizeof(buf) - 1 - len);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        len += (size_t) n;
        if (len == sizeof(buf) - 1) {
            break;
        }
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    buf[len] = '\0';
    for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        char *msg;
        long  line;
        *nl = '\0';
        line = strtol(p, &msg, 10);
        nd_errs_add(errs, conf->path, (int) line, "%s", *msg == ' ' ? msg + 1 : msg);
        nerr++;
    }
    return nerr;
}
