/*
 * Runs a fuzz target once per corpus file (no fuzzing): make test uses it
 * under ASan+UBSan so that every corpus entry, including past crashers,
 * stays fixed. Prints "N passed, 0 failed"; a crash aborts the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    static char *dflt[] = { NULL, ND_CORPUS };
    int          i, n = 0, skipped = 0;

    if (argc < 2) {
        argc = 2;
        argv = dflt;
    }
    for (i = 1; i < argc; i++) {
        DIR           *d = opendir(argv[i]);
        struct dirent *e;

        if (d == NULL) {
            fprintf(stderr, "%s: cannot open\n", argv[i]);
            return 1;
        }
        while ((e = readdir(d)) != NULL) {
            char   path[4096];
            char  *buf;
            size_t len;

            if (e->d_name[0] == '.') {
                continue;
            }
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (nd_sys_read_file(path, 1 << 20, &buf, &len) == -1) {
                skipped++;
                continue;
            }
            LLVMFuzzerTestOneInput((const uint8_t *) buf, len);
            free(buf);
            n++;
        }
        closedir(d);
    }
    if (skipped > 0) {
        printf("%d passed, 0 failed, %d skipped\n", n, skipped);
    } else {
        printf("%d passed, 0 failed\n", n);
    }
    return 0;
}
