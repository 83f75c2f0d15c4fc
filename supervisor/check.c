/*
 * Checks in forked children (see check.h).
 *
 * The compile check's child writes one line per app to a pipe:
 * "O i" (compiles), "F i line msg" (does not), then "D" when done. The parent
 * reads them as they come (the loop keeps serving signals meanwhile); an EOF
 * without "D" means the child died: the app it was on and those after it are
 * marked as not checked, with the reason.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sys.h"
#include "supervisor/check.h"
#include "worker/worker.h"

struct nd_check {
    pid_t              pid;
    int                fd;          /* owned: the pipe's read end */
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
 * meanwhile must not leave held), moved to fd 3. Returns it. */
static int
child_fds(int keep)
{
    if (keep != 3) {
        if (dup2(keep, 3) == -1) {
            _exit(1);
        }
    }
    close_range(4, ~0U, 0);
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

static void
child_line(int i, int line, const char *msg, void *arg)
{
    int  *fd = arg;
    char  out[1400], clean[1100];
    size_t k;
    int   n;

    if (msg == NULL) {
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
    if (n > 0 && nd_sys_write_full(*fd, out, (size_t) n < sizeof(out) ? (size_t) n
                                   : sizeof(out) - 1) == -1) {
        _exit(1);
    }
}

static pid_t
fork_checker(struct nd_config *conf, int *rfd)
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
        close(fds[0]);
        fds[1] = child_fds(fds[1]);
        child_signals();
        nd_worker_check_each(conf, child_line, &fds[1]);
        if (nd_sys_write_full(fds[1], "D\n", 2) == -1) {
            _exit(1);
        }
        _exit(0);   /* no atexit, no leak report: heaps left by fatal errors */
    }
    close(fds[1]);
    *rfd = fds[0];
    return pid;
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
    if (ck == NULL || (ck->pid = fork_checker(conf, &ck->fd)) == -1) {
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
        ck->pid = fork_checker(conf, &ck->fd);
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
        fds[1] = child_fds(fds[1]);
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
