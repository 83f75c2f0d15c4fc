/*
 * The last good version of each app on disk (see state.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sys.h"
#include "supervisor/state.h"

#define STATE_SCRIPT_MAX (16 * 1024 * 1024)     /* as config.c's SCRIPT_MAX */

static int
make_dir(const char *path, char *msg, size_t size)
{
    struct stat st;

    if (mkdir(path, 0700) == -1 && errno != EEXIST) {
        snprintf(msg, size, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
        snprintf(msg, size, "%s is not a directory", path);
        return -1;
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
        snprintf(msg, size, "%s must belong to uid %d and not be writable by others "
                 "(mode %o)", path, (int) geteuid(), (unsigned) (st.st_mode & 07777));
        return -1;
    }
    return 0;
}

int
nd_state_prepare(const char *dir, char *msg, size_t size)
{
    char path[PATH_MAX], *p;

    if (strlen(dir) + 6 >= sizeof(path)) {
        snprintf(msg, size, "state_dir %s: path too long", dir);
        return -1;
    }
    /* Parents as needed (0755, like mkdir -p), the state directory itself 0700. */
    snprintf(path, sizeof(path), "%s", dir);
    for (p = path + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0755) == -1 && errno != EEXIST) {
                snprintf(msg, size, "cannot create %s: %s", path, strerror(errno));
                return -1;
            }
            *p = '/';
        }
    }
    if (make_dir(dir, msg, size) == -1) {
        return -1;
    }
    snprintf(path, sizeof(path), "%s/apps", dir);
    return make_dir(path, msg, size);
}

static int
app_path(const char *dir, const char *name, const char *suffix, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/apps/%s.js%s", dir, name, suffix);

    return n < 0 || (size_t) n >= size ? -1 : 0;
}

char *
nd_state_load(const char *dir, const char *name, size_t *len, int64_t *built_unix_ms)
{
    char        path[PATH_MAX], *src = NULL;
    struct stat st;

    if (app_path(dir, name, "", path, sizeof(path)) == -1
        || nd_sys_read_file(path, STATE_SCRIPT_MAX, &src, len) == -1) {
        return NULL;
    }
    if (stat(path, &st) == 0) {
        *built_unix_ms = (int64_t) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    } else {
        *built_unix_ms = 0;
    }
    return src;
}

int
nd_state_save(const char *dir, const char *name, const char *src, size_t len,
              int64_t built_unix_ms, char *msg, size_t size)
{
    char            path[PATH_MAX], tmp[PATH_MAX], *old;
    size_t          old_len;
    int64_t         old_built;
    int             fd;
    struct timespec ts[2];
    struct stat     st;

    if (app_path(dir, name, "", path, sizeof(path)) == -1
        || app_path(dir, name, ".tmp", tmp, sizeof(tmp)) == -1) {
        snprintf(msg, size, "state_dir %s: path too long", dir);
        return -1;
    }
    /* The same version stored already (the usual case at a reload): one stat. */
    if (stat(path, &st) == 0 && (size_t) st.st_size == len
        && (int64_t) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 == built_unix_ms) {
        old = nd_state_load(dir, name, &old_len, &old_built);
        if (old != NULL) {
            int same = old_len == len && memcmp(old, src, len) == 0;
            free(old);
            if (same) {
                return 0;
            }
        }
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd == -1) {
        snprintf(msg, size, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    ts[0].tv_sec = ts[1].tv_sec = (time_t) (built_unix_ms / 1000);
    ts[0].tv_nsec = ts[1].tv_nsec = (long) (built_unix_ms % 1000) * 1000000;
    /* No fsync per file (thousands of apps): the caller syncs the directory's
     * file system once (nd_state_sync). */
    if (nd_sys_write_full(fd, src, len) == -1
        || (built_unix_ms > 0 && futimens(fd, ts) == -1)) {
        snprintf(msg, size, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) == -1) {
        snprintf(msg, size, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 1;
}

void
nd_state_sync(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd != -1) {
        syncfs(fd);
        close(fd);
    }
}
