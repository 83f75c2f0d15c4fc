/*
 * The pid file: written atomically, flock()ed while the supervisor runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sys.h"
#include "supervisor/pidfile.h"

/*
 * The pid file is written atomically (a complete temporary file, then link()
 * or rename() into place) and stays flock()ed by the supervisor while it runs,
 * so a second nanod on the same file sees a live lock and refuses, whatever
 * the pid inside says; a stale file (crash) is unlocked and replaced. The
 * supervisor also keeps the lock of the stale inode it replaced, so that a
 * second nanod that opened it just before cannot take it. Messages go to
 * stderr: this runs before the workers, at start only.
 */
int
nd_pidfile_take(const char *path, int fds[2])
{
    char    buf[32], tmp[4096];
    char   *old = NULL;
    size_t  len;
    int     n, fd = -1, tfd = -1, tries;

    n = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int) getpid());
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        fprintf(stderr, "nanod: pid file %s: path too long\n", path);
        return -1;
    }
    tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (tfd == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int) getpid());
    if (flock(tfd, LOCK_EX | LOCK_NB) == -1 || nd_sys_write_full(tfd, buf, (size_t) n) == -1) {
        fprintf(stderr, "nanod: cannot write pid file %s: %s\n", tmp, strerror(errno));
        goto fail;
    }
    for (tries = 0; tries < 10; tries++) {
        if (link(tmp, path) == 0) {             /* there was none: ours now */
            unlink(tmp);
            fds[0] = tfd;
            return 0;
        }
        if (errno != EEXIST) {
            fprintf(stderr, "nanod: cannot write pid file %s: %s\n", path, strerror(errno));
            goto fail;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1) {
            continue;                           /* removed meanwhile: try again */
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
            long pid = 0;

            if (nd_sys_read_file(path, 64, &old, &len) == 0) {
                pid = strtol(old, NULL, 10);
                free(old);
            }
            fprintf(stderr, "nanod: %s is locked: another nanod is running (pid %ld); not "
                    "starting\n", path, pid);
            goto fail;
        }
        if (rename(tmp, path) == -1) {          /* a stale file: replace it */
            fprintf(stderr, "nanod: cannot write pid file %s: %s\n", path, strerror(errno));
            goto fail;
        }
        fds[0] = tfd;
        fds[1] = fd;
        return 0;
    }
    fprintf(stderr, "nanod: cannot take pid file %s: it keeps changing\n", path);

fail:
    if (fd != -1) {
        close(fd);
    }
    close(tfd);
    unlink(tmp);
    return -1;
}

void
nd_pidfile_forget(int fds[2])
{
    int i;

    for (i = 0; i < 2; i++) {
        if (fds[i] != -1) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

void
nd_pidfile_release(const char *path, int fds[2])
{
    struct stat a, b;

    if (path != NULL && fds[0] != -1 && stat(path, &a) == 0 && fstat(fds[0], &b) == 0
        && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
        unlink(path);
    }
    nd_pidfile_forget(fds);
}
