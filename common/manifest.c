/*
 * The `source =` build check: is the output of scripts/nanod-build still
 * that of the app's sources? Pure file reads, no allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/manifest.h"

int
nd_manifest_current(const char *mpath, const char *src, char *why, size_t whysize)
{
    char        line[4096], *rel, *end, mdir[4096], path[8192], *slash;
    const char *shown;
    char        real_src[4096], real_in[4096];
    FILE       *fp = fopen(mpath, "r");
    int         lists_src = 0, ok = 1;
    struct stat st;

    if (fp == NULL) {
        snprintf(why, whysize, "no %s", mpath);
        return 0;
    }
    snprintf(mdir, sizeof(mdir), "%s", mpath);
    slash = strrchr(mdir, '/');
    if (slash != NULL) {
        *slash = '\0';
    } else {
        snprintf(mdir, sizeof(mdir), ".");
    }
    if (realpath(src, real_src) == NULL) {
        snprintf(real_src, sizeof(real_src), "%s", src);
    }
    while (ok && fgets(line, sizeof(line), fp) != NULL) {
        long long size, mtime_ms;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        size = strtoll(line, &end, 10);
        mtime_ms = strtoll(end, &rel, 10);
        if (end == line || rel == end || *rel != ' ') {
            snprintf(why, whysize, "%s: bad line \"%.80s\"", mpath, line);
            ok = 0;
            break;
        }
        rel++;
        if (rel[0] == '/' || strcmp(mdir, ".") == 0) {
            snprintf(path, sizeof(path), "%s", rel);
        } else {
            snprintf(path, sizeof(path), "%s%s%s", mdir, strcmp(mdir, "/") == 0 ? "" : "/", rel);
        }
        /* Named as the user knows it: the manifest sits in <apps.ini dir>/
         * .nanod-build/, so "../src/x.ts" is src/x.ts (not
         * .nanod-build/../src/x.ts). */
        shown = strncmp(rel, "../", 3) == 0 ? rel + 3 : path;
        if (stat(path, &st) == -1) {
            snprintf(why, whysize, "%s: %s", shown, strerror(errno));
            ok = 0;
        } else if ((long long) st.st_size != size
                   || (long long) st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000
                      != mtime_ms) {
            snprintf(why, whysize, "%s changed", shown);
            ok = 0;
        } else if (realpath(path, real_in) != NULL && strcmp(real_in, real_src) == 0) {
            lists_src = 1;
        }
    }
    fclose(fp);
    if (ok && !lists_src) {
        snprintf(why, whysize, "%s was built from another source", mpath);
        ok = 0;
    }
    return ok;
}
