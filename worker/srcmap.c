/*
 * OUT.lines (tools/nanod-build.js lineTable()):
 *     nanod-build lines 1
 *     F src/index.ts                    one per source file, index from 0
 *     136 1 9                           OUT line, file index, source line
 * Lines of OUT between two entries belong to the earlier one (a statement
 * spread over several lines); lines before the first map nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "worker/srcmap.h"

#define CACHE_SLOTS   4
#define MAX_LINES_FILE (64u << 20)

struct entry {
    int out, file, line;
};

struct table {
    char         *path;     /* owned: the script's path (cache key) */
    off_t         size;     /* of OUT.lines when read */
    long long     mtime_ns;
    char        **files;    /* owned: nfiles strings */
    int           nfiles;
    struct entry *e;        /* owned: sorted by out */
    int           n;
    unsigned long used;     /* LRU clock */
};

static struct table  g_cache[CACHE_SLOTS];
static unsigned long g_clock;

static void
table_free(struct table *t)
{
    int i;

    for (i = 0; i < t->nfiles; i++) {
        free(t->files[i]);
    }
    free(t->files);
    free(t->e);
    free(t->path);
    memset(t, 0, sizeof(*t));
}

void
nd_srcmap_clear(void)
{
    int i;

    for (i = 0; i < CACHE_SLOTS; i++) {
        table_free(&g_cache[i]);
    }
}

/* Parses f into t (fields zeroed before): 0, or -1 (t may hold parts). */
static int
table_read(struct table *t, FILE *f)
{
    char   line[4096];
    size_t cap_e = 0;
    int    cap_f = 0, a, b, c;

    if (fgets(line, sizeof(line), f) == NULL || strcmp(line, "nanod-build lines 1\n") != 0) {
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);

        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
        }
        if (line[0] == 'F' && line[1] == ' ') {
            if (t->nfiles == cap_f) {
                char **p;

                cap_f = cap_f ? cap_f * 2 : 16;
                p = realloc(t->files, (size_t) cap_f * sizeof(*p));
                if (p == NULL) {
                    return -1;
                }
                t->files = p;
            }
            t->files[t->nfiles] = strdup(line + 2);
            if (t->files[t->nfiles] == NULL) {
                return -1;
            }
            t->nfiles++;
        } else if (sscanf(line, "%d %d %d", &a, &b, &c) == 3) {
            if (b < 0 || b >= t->nfiles || a < 1 || c < 1
                || (t->n > 0 && a <= t->e[t->n - 1].out)) {
                return -1;
            }
            if ((size_t) t->n == cap_e) {
                struct entry *p;

                cap_e = cap_e ? cap_e * 2 : 256;
                p = realloc(t->e, cap_e * sizeof(*p));
                if (p == NULL) {
                    return -1;
                }
                t->e = p;
            }
            t->e[t->n].out = a;
            t->e[t->n].file = b;
            t->e[t->n].line = c;
            t->n++;
        } else if (line[0] != '\0') {
            return -1;
        }
    }
    return 0;
}

/* The table of script, from the cache or read now; NULL if none. */
static const struct table *
table_of(const char *script)
{
    char         path[4096];
    struct stat  st;
    struct table fresh, *slot = NULL;
    long long    mtime_ns;
    FILE        *f;
    int          i, ok;

    if (snprintf(path, sizeof(path), "%s.lines", script) >= (int) sizeof(path)
        || stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_LINES_FILE) {
        return NULL;
    }
    mtime_ns = (long long) st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    for (i = 0; i < CACHE_SLOTS; i++) {
        struct table *t = &g_cache[i];

        if (t->path != NULL && strcmp(t->path, script) == 0) {
            if (t->size == st.st_size && t->mtime_ns == mtime_ns) {
                t->used = ++g_clock;
                return t;
            }
            table_free(t);
        }
    }
    f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    memset(&fresh, 0, sizeof(fresh));
    ok = table_read(&fresh, f) == 0;
    fclose(f);
    fresh.path = ok ? strdup(script) : NULL;
    if (fresh.path == NULL) {
        table_free(&fresh);
        return NULL;
    }
    fresh.size = st.st_size;
    fresh.mtime_ns = mtime_ns;
    fresh.used = ++g_clock;
    for (i = 0; i < CACHE_SLOTS; i++) {
        if (g_cache[i].path == NULL) {
            slot = &g_cache[i];
            break;
        }
        if (slot == NULL || g_cache[i].used < slot->used) {
            slot = &g_cache[i];
        }
    }
    table_free(slot);
    *slot = fresh;
    return slot;
}

/* The entry covering OUT line `line`, or NULL. */
static const struct entry *
find(const struct table *t, int line)
{
    int lo = 0, hi = t->n - 1, mid;

    if (t->n == 0 || line < t->e[0].out) {
        return NULL;
    }
    while (lo < hi) {                   /* the last entry with out <= line */
        mid = lo + (hi - lo + 1) / 2;
        if (t->e[mid].out <= line) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return &t->e[lo];
}

int
nd_srcmap_line(const char *script, int line, char *file, size_t fsize, int *src_line)
{
    const struct table *t = table_of(script);
    const struct entry *e = t != NULL ? find(t, line) : NULL;

    if (e == NULL) {
        return 0;
    }
    snprintf(file, fsize, "%s", t->files[e->file]);
    *src_line = e->line;
    return 1;
}

/* At p: "script:N" (N digits, not followed by another digit)? N and its end. */
static int
match_at(const char *p, const char *script, size_t slen, int *n, const char **end)
{
    long v = 0;
    const char *q;

    if (strncmp(p, script, slen) != 0 || p[slen] != ':' || p[slen + 1] < '0'
        || p[slen + 1] > '9') {
        return 0;
    }
    for (q = p + slen + 1; *q >= '0' && *q <= '9' && v < 100000000; q++) {
        v = v * 10 + (*q - '0');
    }
    *n = (int) v;
    *end = q;
    return 1;
}

int
nd_srcmap_rewrite(const char *script, const char *in, char *out, size_t size)
{
    const struct table *t = NULL;
    size_t      slen = strlen(script), o = 0, k;
    const char *p = in, *end;
    char        rep[4200];
    int         n, count = 0, looked = 0;

    if (size == 0) {
        return 0;
    }
    while (*p != '\0' && o + 1 < size) {
        const struct entry *e = NULL;

        if (slen > 0 && match_at(p, script, slen, &n, &end)) {
            if (!looked) {
                t = table_of(script);
                looked = 1;
            }
            e = t != NULL ? find(t, n) : NULL;
        }
        if (e != NULL) {
            snprintf(rep, sizeof(rep), "%s:%d", t->files[e->file], e->line);
            for (k = 0; rep[k] != '\0' && o + 1 < size; k++) {
                out[o++] = rep[k];
            }
            p = end;
            count++;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return count;
}

int
nd_srcmap_first(const char *script, const char *text, char *where, size_t size)
{
    size_t      slen = strlen(script);
    const char *p, *end;
    char        file[4096];
    int         n, line;

    for (p = text; slen > 0 && (p = strstr(p, script)) != NULL; p++) {
        if (match_at(p, script, slen, &n, &end) && nd_srcmap_line(script, n, file, sizeof(file),
                                                                  &line)) {
            snprintf(where, size, "%s:%d", file, line);
            return 1;
        }
    }
    return 0;
}
