/*
 * The pid file: written atomically (a complete temporary file, then link()
 * or rename() into place) and kept flock()ed while the supervisor runs, so a
 * second nanod on the same file refuses to start; a stale one is replaced.
 * Supervisor only.
 */
#ifndef ND_PIDFILE_H
#define ND_PIDFILE_H

/* Writes our pid to path and keeps it locked: fds[0] the file we wrote,
 * fds[1] the stale file it replaced (or left -1); both owned by the caller
 * (nd_pidfile_release). 0, or -1 with the reason on stderr (start-up only). */
int nd_pidfile_take(const char *path, int fds[2]);

/* Removes path if it is still the file we wrote; closes fds (set to -1). */
void nd_pidfile_release(const char *path, int fds[2]);

/* Closes fds without touching the file (a forked child: the lock stays the
 * supervisor's). */
void nd_pidfile_forget(int fds[2]);

#endif
