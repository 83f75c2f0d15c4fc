/*
 * SQLite connections of the job thread: see sqlite_db.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "worker/js/sqlite_db.h"

/* mkdir -p of path's directory (0700). */
static void
make_dirs(const char *path)
{
    char buf[4096], *p;

    if (strlen(path) >= sizeof(buf)) {
        return;
    }
    memcpy(buf, path, strlen(path) + 1);
    for (p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            (void) mkdir(buf, 0700);
            *p = '/';
        }
    }
}

sqlite3 *
nd_sqldb_get(struct nd_sqldb_cache *c, const char *path, const char *who, const char *setup,
             int (*authorizer)(void *, int, const char *, const char *, const char *,
                               const char *),
             char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    char    *emsg = NULL;
    int      i, free_slot = -1;

    for (i = 0; i < ND_SQLDB_MAX; i++) {
        if (c->e[i].path != NULL && strcmp(c->e[i].path, path) == 0) {
            return c->e[i].db;
        }
        if (c->e[i].path == NULL && free_slot < 0) {
            free_slot = i;
        }
    }
    if (free_slot < 0) {
        snprintf(err, errlen, "%s: too many databases open in this worker", who);
        return NULL;
    }
    make_dirs(path);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                        | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open the database: %s", who,
                 db != NULL ? sqlite3_errmsg(db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(db, ND_SQLDB_BUSY_MS);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    if (sqlite3_exec(db, setup, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot set up the database: %s", who,
                 emsg != NULL ? emsg : sqlite3_errmsg(db));
        sqlite3_free(emsg);
        goto fail;
    }
    if (authorizer != NULL) {
        sqlite3_set_authorizer(db, authorizer, NULL);
    }
    c->e[free_slot].path = strdup(path);
    if (c->e[free_slot].path == NULL) {
        snprintf(err, errlen, "%s: out of memory", who);
        goto fail;
    }
    c->e[free_slot].db = db;
    return db;
fail:
    sqlite3_close(db);
    return NULL;
}

int
nd_sqldb_on_progress(void *arg)
{
    struct nd_sqldb_progress *p = arg;

    return p->keep_going != NULL && !p->keep_going(p->kg);
}
