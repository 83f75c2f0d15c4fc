/*
 * heap-cost: what one app heap costs, with the real bootstrap, for a snippet
 * run in it (e.g. "" for a bare heap, "new Map()" to load es-collections).
 * For each snippet: N heaps (default 200) created and kept, the snippet run
 * in each; prints RSS delta per heap, allocator bytes per heap (our counting
 * allocator) and the time per heap for creation and for the snippet.
 *
 *   make heap-cost && build/release/heap-cost [-n N] SNIPPET...
 *
 * RSS is only meaningful for the first snippet: later rounds reuse the
 * memory freed by earlier ones (run one snippet per process to compare).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sys.h"
#include "worker/js/heap.h"

static long
rss_kb(void)
{
    long  pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) {
            rss = 0;
        }
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
    char           msg[512];
    int            n = 200, i, a = 1;
    struct nd_js **js;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = (int) strtol(argv[2], NULL, 10);
        a = 3;
    }
    if (nd_js_boot_init(msg, sizeof(msg)) == -1) {
        fprintf(stderr, "boot: %s\n", msg);
        return 1;
    }
    js = calloc((size_t) n, sizeof(*js));
    /* Warm-up: the first heap compiles the lazy files. */
    nd_js_free(nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg)));
    printf("| snippet | RSS/heap KB | alloc/heap KB | create ms/heap | snippet ms/heap |\n"
           "|---|---|---|---|---|\n");
    for (; a < argc; a++) {
        long    rss0 = rss_kb(), rss1;
        int64_t t0 = nd_sys_now_us(), t1, t2;
        size_t  used = 0;

        for (i = 0; i < n; i++) {
            js[i] = nd_js_new(0, &nd_js_host_quiet, NULL, msg, sizeof(msg));
            if (js[i] == NULL) {
                fprintf(stderr, "nd_js_new: %s\n", msg);
                return 1;
            }
        }
        t1 = nd_sys_now_us();
        for (i = 0; i < n; i++) {
            if (duk_peval_string(js[i]->ctx, argv[a]) != 0) {
                fprintf(stderr, "%s: %s\n", argv[a], duk_safe_to_string(js[i]->ctx, -1));
                return 1;
            }
            duk_pop(js[i]->ctx);
            duk_gc(js[i]->ctx, 0);
            used += js[i]->mem_used;
        }
        t2 = nd_sys_now_us();
        rss1 = rss_kb();
        printf("| `%s` | %.1f | %.1f | %.3f | %.3f |\n", argv[a][0] ? argv[a] : "(none)",
               (double) (rss1 - rss0) / n, (double) used / n / 1024.0,
               (double) (t1 - t0) / n / 1000.0, (double) (t2 - t1) / n / 1000.0);
        for (i = 0; i < n; i++) {
            nd_js_free(js[i]);
        }
    }
    free(js);
    return 0;
}
