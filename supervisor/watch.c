#include <errno.h>
#include <event2/event.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sys.h"
#include "supervisor/supervisor.h"
#include "supervisor/watch.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE \
                    | IN_ATTRIB | IN_MODIFY)
#define DEBOUNCE_MAX_MS 2000        /* a burst that never pauses still reloads this often */

struct nd_watch {
    struct nd_sv *sv;               /* borrowed */
    int           fd;
    struct event *ev;
    struct event *debounce;
    int          *wds;              /* owned: one per watched directory */
    int           nwds;
    char        **names;            /* owned: basenames that matter */
    int           nnames;
    int           cap;              /* entries of wds and names */
    int64_t       burst_ms;         /* first change of the pending burst */
    char          what[128];        /* its file name, for the log */
};

static void
clear(struct nd_watch *w)
{
    int i;

    for (i = 0; i < w->nwds; i++) {
        inotify_rm_watch(w->fd, w->wds[i]);
    }
    for (i = 0; i < w->nnames; i++) {
        free(w->names[i]);
    }
    free(w->wds);
    free(w->names);
    w->wds = NULL;
    w->names = NULL;
    w->nwds = 0;
    w->nnames = 0;
    w->cap = 0;
}

/* Watches dirname(path) and remembers basename(path). */
static void
add_one(struct nd_watch *w, const char *path)
{
    char dcopy[PATH_MAX], bcopy[PATH_MAX];
    int  wd, i;

    if (strlen(path) >= sizeof(dcopy) || w->nnames >= w->cap) {
        return;
    }
    memcpy(dcopy, path, strlen(path) + 1);
    memcpy(bcopy, path, strlen(path) + 1);
    wd = inotify_add_watch(w->fd, dirname(dcopy), WATCH_MASK);
    if (wd == -1 && errno != ENOENT) {    /* a missing directory: its parent is watched */
        nd_log_errno(ND_LOG_WARN, NULL, errno, "inotify_add_watch(%s) failed: edits there need "
                     "a SIGUSR2", dcopy);
    } else if (wd != -1) {
        for (i = 0; i < w->nwds && w->wds[i] != wd; i++) {
        }
        if (i == w->nwds) {
            w->wds[w->nwds++] = wd;
        }
    }
    w->names[w->nnames] = strdup(basename(bcopy));
    if (w->names[w->nnames] != NULL) {
        w->nnames++;
    }
}

/* path as written, and where it really is when that differs (a symlink, as in a
 * ConfigMap: its target directory changes when "..data" is swapped). */
static void
add_path(struct nd_watch *w, const char *path)
{
    char real[PATH_MAX];

    add_one(w, path);
    if (realpath(path, real) != NULL && strcmp(real, path) != 0) {
        add_one(w, real);
    }
}

void
nd_watch_update(struct nd_watch *w, const struct nd_config *conf)
{
    int cap, i;

    if (w == NULL) {
        return;
    }
    clear(w);
    cap = 5 * conf->napps + 3;
    w->wds = calloc((size_t) cap, sizeof(int));
    w->names = calloc((size_t) cap, sizeof(char *));
    if (w->wds == NULL || w->names == NULL) {
        nd_log(ND_LOG_ERROR, NULL, "out of memory while watching files");
        return;
    }
    w->cap = cap;
    add_path(w, conf->path);
    for (i = 0; i < conf->napps; i++) {
        const struct nd_app_conf *app = &conf->apps[i];
        char                      p[PATH_MAX];

        add_path(w, app->script);
        if (app->source_path == NULL) {
            continue;
        }
        /* source =: a new build (APP.js, then its manifest), and the build
         * directory itself, which does not exist before the first build. */
        snprintf(p, sizeof(p), "%s.manifest", app->script);
        add_path(w, p);
        snprintf(p, sizeof(p), "%s", app->script);
        if (strrchr(p, '/') != NULL) {
            *strrchr(p, '/') = '\0';
            add_one(w, p);
        }
    }
    /* Kubernetes ConfigMap volumes swap this symlink atomically. */
    w->names[w->nnames] = strdup("..data");
    if (w->names[w->nnames] != NULL) {
        w->nnames++;
    }
}

static void
on_debounce(evutil_socket_t fd, short what, void *arg)
{
    struct nd_watch *w = arg;
    char             why[160];

    snprintf(why, sizeof(why), "file change: %s", w->what);
    nd_sv_request_reload(w->sv, why);
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
    struct nd_watch *w = arg;
    char             buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    struct timeval   tv = { 0, ND_WATCH_DEBOUNCE_MS * 1000 };
    ssize_t          n;
    const char      *hit = NULL;

    while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
        char *p;
        for (p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *) p;
            int                   i;
            if (ev->len > 0) {
                for (i = 0; i < w->nnames && hit == NULL; i++) {
                    if (strcmp(ev->name, w->names[i]) == 0) {
                        hit = w->names[i];
                    }
                }
            }
            p += sizeof(*ev) + ev->len;
        }
    }
    if (hit == NULL) {
        return;
    }
    /* Debounce: every change pushes the reload 200 ms further, for at most
     * DEBOUNCE_MAX_MS after the first change of the burst. */
    if (!evtimer_pending(w->debounce, NULL)) {
        w->burst_ms = nd_sys_now_ms();
        snprintf(w->what, sizeof(w->what), "%s", hit);
    }
    if (nd_sys_now_ms() - w->burst_ms < DEBOUNCE_MAX_MS) {
        evtimer_add(w->debounce, &tv);
    }
}

struct nd_watch *
nd_watch_new(struct nd_sv *sv, const struct nd_config *conf)
{
    struct nd_watch *w;

    w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    w->sv = sv;
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd == -1) {
        nd_log_errno(ND_LOG_WARN, NULL, errno, "inotify_init1() failed: reload with SIGUSR2");
        free(w);
        return NULL;
    }
    w->ev = event_new(sv->base, w->fd, EV_READ | EV_PERSIST, on_inotify, w);
    w->debounce = evtimer_new(sv->base, on_debounce, w);
    if (w->ev == NULL || w->debounce == NULL || event_add(w->ev, NULL) == -1) {
        nd_watch_free(w);
        return NULL;
    }
    nd_watch_update(w, conf);
    return w;
}

void
nd_watch_close_in_child(struct nd_watch *w)
{
    if (w == NULL) {
        return;
    }
    event_free(w->ev);
    event_free(w->debounce);
    w->ev = NULL;
    w->debounce = NULL;
    close(w->fd);
    w->fd = -1;
}

void
nd_watch_free(struct nd_watch *w)
{
    if (w == NULL) {
        return;
    }
    if (w->fd != -1) {
        clear(w);
        close(w->fd);
    }
    if (w->ev != NULL) {
        event_free(w->ev);
    }
    if (w->debounce != NULL) {
        event_free(w->debounce);
    }
    free(w->wds);
    free(w->names);
    free(w);
}
