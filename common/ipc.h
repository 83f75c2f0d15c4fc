/*
 * Supervisor <-> worker messages: fixed-size records on a SOCK_SEQPACKET
 * socketpair (one per worker), so a message is never split or merged.
 * Both ends are non-blocking; a message that does not fit is dropped with
 * EAGAIN (the socket buffer holds hundreds: only a stuck peer fills it).
 */
#ifndef ND_IPC_H
#define ND_IPC_H

#include <stdint.h>

enum nd_ipc_type {
    ND_IPC_READY = 1,       /* worker -> sv: listening, bootstrap compiled */
    ND_IPC_FAILED,          /* worker -> sv: could not start; text says why */
    ND_IPC_DRAIN,           /* sv -> worker: stop accepting, finish, exit 0 */
    ND_IPC_REOPEN,          /* sv -> worker: reopen log files */
    ND_IPC_RETIRE,          /* worker -> sv: replace me (max_requests, worker_rss_limit);
                               arg = requests served, text says why. The worker serves on
                               until the supervisor sends DRAIN (its successor is READY). */
};

struct nd_ipc_msg {
    uint32_t type;          /* enum nd_ipc_type */
    int32_t  arg;
    char     text[240];     /* NUL-terminated */
};

/* fds[0] for the supervisor, fds[1] for the worker; both CLOEXEC. */
int nd_ipc_pair(int fds[2]);
/* 0, or -1 with errno (EAGAIN when the peer's queue is full). */
int nd_ipc_send(int fd, uint32_t type, int32_t arg, const char *text);
/* 1 with *msg, 0 on EOF (peer gone), -1 with errno (EAGAIN: nothing yet). */
int nd_ipc_recv(int fd, struct nd_ipc_msg *msg);

#endif
