#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/listen.h"

#define LISTEN_BACKLOG 4096

static struct nd_listener *
find(struct nd_listener *list, const struct nd_listen_spec *spec)
{
    for (; list != NULL; list = list->next) {
        if (list->addrlen == spec->addrlen
            && memcmp(&list->addr, &spec->addr, spec->addrlen) == 0) {
            return list;
        }
    }
    return NULL;
}

/*
 * SO_REUSEPORT would let us bind beside another process's listener (a second
 * nanod, a stale one) and silently split its traffic. A probe bound without
 * SO_REUSEPORT fails with EADDRINUSE when anyone listens there: refuse then.
 */
static int
probe_free(const struct nd_listen_spec *spec, const char *file, struct nd_errs *errs)
{
    int fd, on = 1, rc = 0;

    fd = socket(spec->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return 0;       /* the real bind reports it */
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (spec->addr.ss_family == AF_INET6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }
    if (bind(fd, (const struct sockaddr *) &spec->addr, spec->addrlen) == -1
        && errno == EADDRINUSE) {
        nd_errs_add(errs, file, spec->line, "bind(%s): address already in use by another "
                    "process (another nanod?)", spec->text);
        rc = -1;
    }
    close(fd);
    return rc;
}

static int
bind_one(const struct nd_listen_spec *spec, const char *file, struct nd_errs *errs)
{
    int fd, on = 1;

    if (probe_free(spec, file, errs) == -1) {
        return -1;
    }

    fd = socket(spec->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        nd_errs_add(errs, file, spec->line, "socket(%s): %s", spec->text, strerror(errno));
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1) {
        nd_errs_add(errs, file, spec->line, "setsockopt(%s): %s", spec->text, strerror(errno));
        goto fail;
    }
    if (spec->addr.ss_family == AF_INET6
        && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
        nd_errs_add(errs, file, spec->line, "setsockopt(%s, IPV6_V6ONLY): %s", spec->text,
                     strerror(errno));
        goto fail;
    }
    if (bind(fd, (const struct sockaddr *) &spec->addr, spec->addrlen) == -1) {
        nd_errs_add(errs, file, spec->line, "bind(%s): %s", spec->text, strerror(errno));
        goto fail;
    }
    if (listen(fd, LISTEN_BACKLOG) == -1) {
        nd_errs_add(errs, file, spec->line, "listen(%s): %s", spec->text, strerror(errno));
        goto fail;
    }
    return fd;

fail:
    close(fd);
    return -1;
}

int
nd_listen_bind(const struct nd_listen_spec *spec, const char *file, struct nd_errs *errs)
{
    return bind_one(spec, file, errs);
}

int
nd_listen_acquire(struct nd_listener **list, const struct nd_config *conf, int *fds,
                  struct nd_errs *errs)
{
    int i;
    int n = conf->server.nlisten;

    for (i = 0; i < n; i++) {
        const struct nd_listen_spec *spec = &conf->server.listen[i];
        struct nd_listener          *l = find(*list, spec);

        if (l == NULL) {
            int fd = bind_one(spec, conf->path, errs);
            if (fd == -1) {
                goto fail;
            }
            l = calloc(1, sizeof(*l));
            if (l == NULL || (l->text = strdup(spec->text)) == NULL) {
                free(l);
                close(fd);
                nd_errs_add(errs, conf->path, spec->line, "out of memory");
                goto fail;
            }
            l->addr = spec->addr;
            l->addrlen = spec->addrlen;
            l->fd = fd;
            l->next = *list;
            *list = l;
        }
        l->refs++;
        fds[i] = l->fd;
    }
    return 0;

fail:
    /* Undo the references taken so far; fresh, unused listeners get closed. */
    {
        struct nd_config partial = *conf;
        partial.server.nlisten = i;
        nd_listen_release(list, &partial);
    }
    return -1;
}

void
nd_listen_release(struct nd_listener **list, const struct nd_config *conf)
{
    struct nd_listener **pp;
    int                  i;

    for (i = 0; i < conf->server.nlisten; i++) {
        struct nd_listener *l = find(*list, &conf->server.listen[i]);
        if (l != NULL && l->refs > 0) {
            l->refs--;
        }
    }
    pp = list;
    while (*pp != NULL) {
        struct nd_listener *l = *pp;
        if (l->refs == 0) {
            *pp = l->next;
            close(l->fd);
            free(l->text);
            free(l);
        } else {
            pp = &l->next;
        }
    }
}

void
nd_listen_close_all(struct nd_listener **list)
{
    while (*list != NULL) {
        struct nd_listener *l = *list;
        *list = l->next;
        close(l->fd);
        free(l->text);
        free(l);
    }
}
