#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/ipc.h"

int
nd_ipc_pair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds);
}

int
nd_ipc_send(int fd, uint32_t type, int32_t arg, const char *text)
{
    struct nd_ipc_msg msg;
    ssize_t           n;

    memset(&msg, 0, sizeof(msg));
    msg.type = type;
    msg.arg = arg;
    if (text != NULL) {
        snprintf(msg.text, sizeof(msg.text), "%s", text);
    }
    do {
        n = send(fd, &msg, sizeof(msg), MSG_NOSIGNAL);
    } while (n == -1 && errno == EINTR);
    return n == (ssize_t) sizeof(msg) ? 0 : -1;
}

int
nd_ipc_recv(int fd, struct nd_ipc_msg *msg)
{
    ssize_t n;

    do {
        n = recv(fd, msg, sizeof(*msg), 0);
    } while (n == -1 && errno == EINTR);
    if (n == 0) {
        return 0;
    }
    if (n != (ssize_t) sizeof(*msg)) {
        if (n >= 0) {
            errno = EPROTO;
        }
        return -1;
    }
    msg->text[sizeof(msg->text) - 1] = '\0';
    return 1;
}
