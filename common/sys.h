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
