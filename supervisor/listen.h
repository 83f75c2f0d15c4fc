/*
 * Listening sockets, owned by the supervisor for its whole life: bound once,
 * shared with every worker through fork, never closed while a generation
 * uses them (closing a socket drops the connections queued on it).
 * A reload binds only addresses that are new and closes only those that no
 * live generation uses any more. Supervisor only.
 */
#ifndef ND_LISTEN_H
#define ND_LISTEN_H

#include <sys/socket.h>

#include "common/config.h"
#include "common/err.h"

struct nd_listener {
    char                   *text;   /* owned: spec as written */
    struct sockaddr_storage addr;
    socklen_t               addrlen;
    int                     fd;
    int                     refs;   /* generations using it */
    struct nd_listener     *next;
};

/* Finds or binds a listener for every conf listen spec, fills fds[i] (in
 * conf->server.listen order) and takes a reference on each. On failure
 * nothing is referenced or left bound, and errs says why. */
int nd_listen_acquire(struct nd_listener **list, const struct nd_config *conf, int *fds,
                      struct nd_errs *errs);
/* Drops the references taken for conf; closes listeners left unused. */
void nd_listen_release(struct nd_listener **list, const struct nd_config *conf);
void nd_listen_close_all(struct nd_listener **list);
/* Binds one listener outside the list (the admin listener): its fd, or -1 and errs. */
int nd_listen_bind(const struct nd_listen_spec *spec, const char *file, struct nd_errs *errs);

#endif
