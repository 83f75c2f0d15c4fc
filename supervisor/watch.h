/*
 * inotify on apps.ini and every app script -> nd_sv_request_reload().
 * Watches the directories (editors save by rename; a Kubernetes ConfigMap
 * swaps its "..data" symlink), debounced: a burst of saves is one reload.
 * Supervisor only.
 */
#ifndef ND_WATCH_H
#define ND_WATCH_H

#include "common/config.h"

struct nd_sv;
struct nd_watch;

#define ND_WATCH_DEBOUNCE_MS 200

/* NULL (logged) when inotify is unavailable: reload by signal still works. */
struct nd_watch *nd_watch_new(struct nd_sv *sv, const struct nd_config *conf);
/* Re-targets the watches to conf's files (after a reload or a failed one). */
void nd_watch_update(struct nd_watch *w, const struct nd_config *conf);
/* In a forked worker: close the inotify fd without touching the loop. */
void nd_watch_close_in_child(struct nd_watch *w);
void nd_watch_free(struct nd_watch *w);

#endif
