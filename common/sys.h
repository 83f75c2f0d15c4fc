/* Small system helpers shared by supervisor and worker. libc only. */
#ifndef ND_SYS_H
#define ND_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int nd_sys_nonblock(int fd, int on);
int nd_sys_cloexec(int fd, int on);
/* Writes all of buf unless an error other than EINTR/EAGAIN-retry occurs. */
ssize_t nd_sys_write_full(int fd, const void *buf, size_t len);
/* Reads a whole regular file, at most cap bytes (-1 with errno EFBIG beyond;
 * ENODEV for a FIFO, socket or device, opened non-blocking so that a FIFO
 * never hangs the caller). Caller frees *out (NUL-terminated). */
int nd_sys_read_file(const char *path, size_t cap, char **out, size_t *len);
/* A reusable growable buffer (one per use site, kept for the process). */
struct nd_scratch {
    unsigned char *p;       /* owned */
    size_t         cap;
};
/* At least need bytes (4 KiB minimum, doubling), or NULL; contents not kept. */
void *nd_sys_scratch(struct nd_scratch *s, size_t need);

/* Appenders for building text in a buffer the caller sized: each writes at p
 * and returns the end. */
char *nd_put(char *p, const void *s, size_t n);
char *nd_put_u64(char *p, uint64_t v);      /* decimal */
#define ND_PUTS(p, lit) nd_put((p), (lit), sizeof(lit) - 1)

int64_t nd_sys_now_ms(void);        /* CLOCK_MONOTONIC */
int64_t nd_sys_now_us(void);        /* CLOCK_MONOTONIC */
int64_t nd_sys_wall_ms(void);       /* CLOCK_REALTIME */
int64_t nd_sys_cpu_us(void);        /* CLOCK_THREAD_CPUTIME_ID: this thread's CPU time */
/* This thread's CPU time, cheaply: the real clock (a syscall) is read at most
 * once per ND_SYS_CPU_EST_US of wall time; in between, the CPU time is
 * extrapolated from the monotonic clock (vDSO), which can only overstate it,
 * by at most the time not spent running since that read. Not signal-safe. */
#define ND_SYS_CPU_EST_US 1000
int64_t nd_sys_cpu_est_us(void);
/* Forgets the last real reading: a forked child's thread CPU clock restarts
 * at 0, so a reading inherited from its parent must not be extrapolated. */
void nd_sys_cpu_est_reset(void);
int nd_sys_ncpu(void);
/* RSS of a process in bytes from /proc/PID/statm; -1 on error. pid 0 = self. */
int64_t nd_sys_rss(pid_t pid);

#endif
