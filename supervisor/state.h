/*
 * The last good version of each app, kept in [server] state_dir so that it
 * survives a restart or a reboot: DIR/apps/NAME.js holds the source that last
 * compiled, its mtime is when that source was built (the script's mtime when
 * it was good). The directory is created 0700 (the scripts may hold secrets);
 * files are written 0600 to a temporary name, then renamed. Supervisor only.
 */
#ifndef ND_SV_STATE_H
#define ND_SV_STATE_H

#include <stddef.h>
#include <stdint.h>

/* Creates DIR and DIR/apps when missing. 0, or -1 with msg. */
int nd_state_prepare(const char *dir, char *msg, size_t size);

/* Stores name's good source (unless the stored one is the same) with built_unix_ms
 * as its mtime. 0 (1 when it wrote), or -1 with msg. */
int nd_state_save(const char *dir, const char *name, const char *src, size_t len,
                  int64_t built_unix_ms, char *msg, size_t size);

/* After saves: flushes the file system that holds dir (one syncfs). */
void nd_state_sync(const char *dir);

/* The stored source of name (caller frees), its length and build time; NULL
 * when there is none. */
char *nd_state_load(const char *dir, const char *name, size_t *len, int64_t *built_unix_ms);

#endif
