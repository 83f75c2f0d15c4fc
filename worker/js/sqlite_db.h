/*
 * SQLite connections of the job thread (crypto_job.c), shared by the KV
 * (bind_kv.c) and D1 (bind_d1.c) bindings: one connection per database file,
 * opened on first use and kept for the worker's life.
 */
#ifndef ND_SQLITE_DB_H
#define ND_SQLITE_DB_H

#include <stddef.h>

#include <sqlite3.h>

#define ND_SQLDB_MAX     64             /* open databases per cache */
#define ND_SQLDB_BUSY_MS 30000          /* wait for other workers' writes */

/* One per binding kind (a static of its module): a path opened by KV is
 * never handed to D1 with KV's setup, and the other way round. */
struct nd_sqldb_cache {
    struct {
        char    *path;          /* owned */
        sqlite3 *db;            /* owned */
    } e[ND_SQLDB_MAX];
};

/* Job thread only. The cache's connection to path, opened on first use:
 * path's directories made (0700), busy_timeout, extension loading off, then
 * setup (SQL run once; e.g. WAL and the schema) and authorizer (NULL: none).
 * NULL on failure, err = "<who>: ..." (e.g. who "KV", "D1_ERROR"). */
sqlite3 *nd_sqldb_get(struct nd_sqldb_cache *c, const char *path, const char *who,
                      const char *setup,
                      int (*authorizer)(void *, int, const char *, const char *,
                                        const char *, const char *),
                      char *err, size_t errlen);

/* sqlite3_progress_handler's callback: stops the statement once the job's
 * keep_going (nd_job_submit's, the request's CPU budget) says no. */
struct nd_sqldb_progress {
    int  (*keep_going)(void *kg);
    void  *kg;
};
int nd_sqldb_on_progress(void *arg);    /* arg: struct nd_sqldb_progress * */

#endif
