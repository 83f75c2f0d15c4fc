/*
 * Fuzz target: apps.ini parsing and validation (common/config.c).
 * The input is written to a memfd and loaded by path; errors are fine,
 * crashes, leaks and sanitizer reports are not. Every error must carry the
 * file name, and a line number within the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nd_errs    errs;
    struct nd_config *conf;
    char              path[64];
    int               fd, i, lines = 1;
    size_t            k;

    if (size > 1 << 16) {
        return 0;
    }
    for (k = 0; k < size; k++) {
        lines += data[k] == '\n';
    }
    fd = memfd_create("apps.ini", 0);
    if (fd == -1) {
        abort();
    }
    if (size > 0 && write(fd, data, size) != (ssize_t) size) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    memset(&errs, 0, sizeof(errs));
    conf = nd_config_load(path, &errs);
    for (i = 0; i < errs.n; i++) {
        if (strcmp(errs.e[i].file, path) == 0 && errs.e[i].line > lines) {
            fprintf(stderr, "error line %d past the end (%d lines): %s\n", errs.e[i].line,
                    lines, errs.e[i].msg);
            abort();
        }
    }
    if (conf == NULL && errs.n == 0) {
        fprintf(stderr, "load failed without an error\n");
        abort();
    }
    nd_config_free(conf);
    close(fd);
    return 0;
}
