#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/sys.h"

int
nd_sys_nonblock(int fd, int on)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags == -1) {
        return -1;
    }
    flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    return fcntl(fd, F_SETFL, flags);
}

int
nd_sys_cloexec(int fd, int on)
{
    int flags = fcntl(fd, F_GETFD);

    if (flags == -1) {
        return -1;
    }
    flags = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
    return fcntl(fd, F_SETFD, flags);
}

ssize_t
nd_sys_write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t      left = len;

    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        left -= (size_t) n;
    }
    return (ssize_t) len;
}

int
nd_sys_read_file(const char *path, size_t cap, char **out, size_t *len)
{
    struct stat st;
    char       *buf = NULL;
    size_t      size = 0, alloc;
    int         fd, saved;

    /* O_NONBLOCK: opening a FIFO must not wait for a writer; only regular
     * files are read (a FIFO or a device could block or never end). */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd == -1) {
        return -1;
    }
    if (fstat(fd, &st) == -1) {
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = ENODEV;
        goto fail;
    }
    alloc = (st.st_size > 0 ? (size_t) st.st_size : 4096) + 1;
    if (alloc > cap + 1) {
        alloc = cap + 1;
    }
    buf = malloc(alloc);
    if (buf == NULL) {
        goto fail;
    }
    for (;;) {
        ssize_t n;
        if (size + 1 >= alloc) {
            char *nb;
            if (size >= cap) {
                errno = EFBIG;
                goto fail;
            }
            alloc = alloc * 2 > cap + 1 ? cap + 1 : alloc * 2;
            nb = realloc(buf, alloc);
            if (nb == NULL) {
                goto fail;
            }
            buf = nb;
        }
        n = read(fd, buf + size, alloc - 1 - size);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            goto fail;
        }
        if (n == 0) {
            break;
        }
        size += (size_t) n;
    }
    close(fd);
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return 0;

fail:
    saved = errno;
    free(buf);
    close(fd);
    errno = saved;
    return -1;
}

int64_t
nd_sys_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
nd_sys_now_ms(void)
{
    return nd_sys_now_us() / 1000;
}

int64_t
nd_sys_cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* GLOBAL: the last real reading of the thread CPU clock (one thread per
 * process uses it) and when it was taken. */
static int64_t g_cpu_at, g_cpu_wall_at = INT64_MIN / 2;

int64_t
nd_sys_cpu_est_us(void)
{
    int64_t now = nd_sys_now_us();

    if (now - g_cpu_wall_at >= ND_SYS_CPU_EST_US) {
        g_cpu_at = nd_sys_cpu_us();
        g_cpu_wall_at = now;
        return g_cpu_at;
    }
    return g_cpu_at + (now - g_cpu_wall_at);
}

void
nd_sys_cpu_est_reset(void)
{
    g_cpu_wall_at = INT64_MIN / 2;
}

int64_t
nd_sys_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
nd_sys_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : (int) n;
}

int64_t
nd_sys_rss(pid_t pid)
{
    char  path[64];
    FILE *f;
    long  size, resident;

    if (pid == 0) {
        snprintf(path, sizeof(path), "/proc/self/statm");
    } else {
        snprintf(path, sizeof(path), "/proc/%d/statm", (int) pid);
    }
    f = fopen(path, "re");
    if (f == NULL) {
        return -1;
    }
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return (int64_t) resident * sysconf(_SC_PAGESIZE);
}
