/*
 * Unit tests: the size-class allocator of Duktape's small blocks
 * (worker/js/alloc.c). The same cases run in the release build and under
 * ASan (`make test`), where blocks carry a redzone and free blocks are
 * poisoned: the ASan-only cases check that poisoning.
 */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
/* the module itself, for its statics (chunk_mmap); libnd.a's copy is not linked */
#include "worker/js/alloc.c"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

/* Every size up to the largest small one: its own block, 8-aligned, of at
 * most 7 bytes more than asked (malloc's chunk: 8 to 23), in a slab. */
T_CASE(sizes_and_classes)
{
    struct nd_alloc a = {0};
    void           *p[ND_ALLOC_SMALL_MAX + 1];
    size_t          n, sum = 0;

    for (n = 1; n <= ND_ALLOC_SMALL_MAX; n++) {
        p[n] = nd_alloc_malloc(&a, n);
        T_TRUE(p[n] != NULL);
        if (p[n] == NULL) {
            return;
        }
        T_EQ_INT((uintptr_t) p[n] % 8, 0);
        memset(p[n], (int) n, n);
        if (nd_alloc_is_slab(p[n])) {
            T_TRUE(nd_alloc_size(p[n]) >= n && nd_alloc_size(p[n]) <= n + 7);
            sum += nd_alloc_size(p[n]);
        } else {
            /* only what does not fit with ASan's redzone */
            T_TRUE(n > ND_ALLOC_SMALL_MAX - 16);
            T_TRUE(nd_alloc_size(p[n]) >= n);
        }
    }
    T_TRUE(nd_alloc_is_slab(p[1]) && nd_alloc_is_slab(p[ND_ALLOC_SMALL_MAX - 16]));
    for (n = 1; n <= ND_ALLOC_SMALL_MAX; n++) {
        size_t i;
        for (i = 0; i < n; i++) {
            if (((unsigned char *) p[n])[i] != (unsigned char) n) {
                T_FAIL_("block of %zu bytes overwritten at %zu", n, i);
                break;
            }
        }
    }
    for (n = 1; n <= ND_ALLOC_SMALL_MAX; n++) {
        nd_alloc_free(&a, p[n]);
    }
    T_EQ_INT(a.small, 0);
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
    T_EQ_INT(nd_alloc_release(&a), 0);
    (void) sum;
}

/* Larger blocks, malloc's own blocks and other memory are no slab's. */
T_CASE(large_blocks_are_mallocs)
{
    struct nd_alloc a = {0};
    int             local = 0;
    void           *big = nd_alloc_malloc(&a, ND_ALLOC_SMALL_MAX + 1);
    void           *m = malloc(32);

    T_TRUE(big != NULL && m != NULL);
    T_TRUE(!nd_alloc_is_slab(big));
    T_TRUE(!nd_alloc_is_slab(m));
    T_TRUE(!nd_alloc_is_slab(&local));
    T_TRUE(!nd_alloc_is_slab(NULL));
    T_EQ_INT(nd_alloc_size(big), malloc_usable_size(big));
    T_EQ_INT(a.slabs, 0);
    nd_alloc_free(&a, big);
    free(m);
}

/* A slab that empties goes back to the pool, and the next one comes from
 * there: filling and emptying slabs again and again takes no new memory. */
T_CASE(empty_slabs_go_back_to_the_pool)
{
    struct nd_alloc       a = {0}, b = {0};
    struct nd_alloc_stats st0, st1 = {0, 0, 0, 0}, st2;
    enum { N = 3 * ND_ALLOC_SLAB / 48 };
    void                 *p[N];
    int                   round, i;

    nd_alloc_stats(&st0);
    for (round = 0; round < 50; round++) {
        struct nd_alloc *x = round % 2 ? &a : &b;
        for (i = 0; i < N; i++) {
            p[i] = nd_alloc_malloc(x, 40);
            T_TRUE(p[i] != NULL);
        }
        T_TRUE(x->slabs >= 3);
        for (i = 0; i < N; i++) {
            nd_alloc_free(x, p[i]);
        }
        nd_alloc_flush(x);
        T_EQ_INT(x->slabs, 0);
        if (round == 0) {
            nd_alloc_stats(&st1);
        }
    }
    nd_alloc_stats(&st2);
    /* at most one new chunk for the first round, none after */
    T_TRUE(st1.chunks <= st0.chunks + 1);
    T_EQ_INT(st2.chunks, st1.chunks);
    T_EQ_INT(st2.slabs_free + st2.slabs_fresh, st1.slabs_free + st1.slabs_fresh);
}

/* A block freed from a full slab is the next one handed out (its slab has
 * room again), not a block of a new slab. */
T_CASE(blocks_freed_from_full_slabs_are_reused)
{
    struct nd_alloc a = {0};
    enum { N = 2 * ND_ALLOC_SLAB / 40 };
    char           *p[N], *q;
    int             i, n = 0;

    while (n < N) {
        p[n] = nd_alloc_malloc(&a, 40);
        T_TRUE(p[n] != NULL);
        if (p[n] == NULL || a.slabs == 2) {
            break;
        }
        n++;
    }
    T_EQ_INT(a.slabs, 2);               /* p[0..n-1] filled the first slab */
    nd_alloc_free(&a, p[n / 2]);
    nd_alloc_flush(&a);                 /* (ASan: not held back) */
    q = nd_alloc_malloc(&a, 40);
    T_TRUE(q == p[n / 2]);
    T_EQ_INT(a.slabs, 2);
    p[n / 2] = q;
    for (i = 0; i <= n; i++) {
        nd_alloc_free(&a, p[i]);
    }
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
}

/* Trimming gives the pool's empty slabs beyond keep back to the kernel; they
 * are taken again (before new chunks) and work as new ones. */
T_CASE(trimmed_slabs_are_reused)
{
    struct nd_alloc       a = {0};
    struct nd_alloc_stats st0, st1, st2;
    enum { N = 10 * ND_ALLOC_SLAB / 64 };
    char                 *p[N];
    int                   i;
    size_t                given;

    for (i = 0; i < N; i++) {
        p[i] = nd_alloc_malloc(&a, 64);
        T_TRUE(p[i] != NULL);
        memset(p[i], 0x77, 64);
    }
    for (i = 0; i < N; i++) {
        nd_alloc_free(&a, p[i]);
    }
    nd_alloc_flush(&a);
    nd_alloc_stats(&st0);
    T_TRUE(st0.slabs_free >= 10);
    given = nd_alloc_trim(2);
    nd_alloc_stats(&st1);
    T_EQ_INT(st1.slabs_free, 2);
    T_EQ_INT(given, st0.slabs_free - 2);
    T_EQ_INT(st1.slabs_released, st0.slabs_released + given);
    for (i = 0; i < N; i++) {
        p[i] = nd_alloc_malloc(&a, 64);
        T_TRUE(p[i] != NULL);
        memset(p[i], i & 0xff, 64);
    }
    for (i = 0; i < N; i++) {
        if ((unsigned char) p[i][63] != (unsigned char) (i & 0xff)) {
            T_FAIL_("block %d overwritten", i);
            break;
        }
    }
    nd_alloc_stats(&st2);
    T_EQ_INT(st2.chunks, st1.chunks);   /* the released slabs came back first */
    T_TRUE(st2.slabs_released < st1.slabs_released);
    for (i = 0; i < N; i++) {
        nd_alloc_free(&a, p[i]);
    }
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
}

/* realloc: in place within a class (release builds), moved across classes,
 * to malloc and back, the contents kept up to the smaller size. */
T_CASE(realloc_moves_and_keeps_contents)
{
    struct nd_alloc a = {0};
    unsigned char  *p = nd_alloc_malloc(&a, 20), *q;
    size_t          sizes[] = {22, 24, 100, 255, 300, 5000, 200, 17, 3, 64};
    size_t          k, i, cur = 20;

    T_TRUE(p != NULL);
    for (i = 0; i < cur; i++) {
        p[i] = (unsigned char) (i * 7 + 1);
    }
    for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        q = nd_alloc_realloc(&a, p, sizes[k]);
        T_TRUE(q != NULL);
        if (q == NULL) {
            break;
        }
#if !defined(__SANITIZE_ADDRESS__)
        if (sizes[k] == 22 || sizes[k] == 24) {
            T_TRUE(q == p);     /* 20, 22 and 24 share the 24-byte class */
        }
#endif
        T_EQ_INT(nd_alloc_is_slab(q), sizes[k] + 16 <= ND_ALLOC_SMALL_MAX
                 || (sizes[k] <= ND_ALLOC_SMALL_MAX && nd_alloc_is_slab(q)));
        for (i = 0; i < (cur < sizes[k] ? cur : sizes[k]); i++) {
            if (q[i] != (unsigned char) (i * 7 + 1)) {
                T_FAIL_("realloc to %zu lost byte %zu", sizes[k], i);
                break;
            }
        }
        for (i = 0; i < sizes[k]; i++) {
            q[i] = (unsigned char) (i * 7 + 1);
        }
        cur = sizes[k];
        p = q;
    }
    nd_alloc_free(&a, p);
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
    T_EQ_INT(a.small, 0);
    T_TRUE(nd_alloc_realloc(&a, NULL, 10) != NULL);     /* = malloc */
    T_EQ_INT(a.slabs, 1);
}

/* Random mixes of malloc, realloc and free over two arenas, every block
 * filled with its own pattern: a block handed out twice, or overlapping
 * another, breaks a pattern. */
T_CASE(random_mix_keeps_every_block_intact)
{
    enum { LIVE = 4000, OPS = 200000 };
    struct nd_alloc a[2];
    struct {
        unsigned char *p;
        size_t         n;
        unsigned char  tag;
        int            arena;
    } *b = calloc(LIVE, sizeof(*b));
    unsigned int seed = 12345;
    int          op, i, bad = 0;
    size_t       small[2] = {0, 0};

    memset(a, 0, sizeof(a));
    T_TRUE(b != NULL);
    if (b == NULL) {
        return;
    }
    for (op = 0; op < OPS && !bad; op++) {
        unsigned int r;
        size_t       n;
        seed = seed * 1103515245u + 12345u;
        r = seed >> 8;
        i = (int) (r % LIVE);
        n = 1 + (r >> 12) % (r & 1 ? 64 : 400);
        if (b[i].p != NULL) {
            size_t k;
            for (k = 0; k < b[i].n; k++) {
                if (b[i].p[k] != (unsigned char) (b[i].tag + k)) {
                    T_FAIL_("op %d: block %d (%zu bytes) changed at %zu", op, i, b[i].n, k);
                    bad = 1;
                    break;
                }
            }
            if ((r >> 4) % 3 == 0) {
                nd_alloc_free(&a[b[i].arena], b[i].p);
                b[i].p = NULL;
                continue;
            }
            b[i].p = nd_alloc_realloc(&a[b[i].arena], b[i].p, n);
        } else {
            b[i].arena = (int) ((r >> 5) & 1);
            b[i].p = nd_alloc_malloc(&a[b[i].arena], n);
        }
        T_TRUE(b[i].p != NULL);
        if (b[i].p == NULL) {
            break;
        }
        b[i].n = n;
        b[i].tag = (unsigned char) r;
        {
            size_t k;
            for (k = 0; k < n; k++) {
                b[i].p[k] = (unsigned char) (b[i].tag + k);
            }
        }
    }
    for (i = 0; i < LIVE; i++) {
        if (b[i].p != NULL && nd_alloc_is_slab(b[i].p)) {
            small[b[i].arena] += nd_alloc_size(b[i].p);
        }
    }
    T_EQ_INT(a[0].small, small[0]);
    T_EQ_INT(a[1].small, small[1]);
    for (i = 0; i < LIVE; i++) {
        if (b[i].p != NULL) {
            nd_alloc_free(&a[b[i].arena], b[i].p);
        }
    }
    nd_alloc_flush(&a[0]);
    nd_alloc_flush(&a[1]);
    T_EQ_INT(a[0].slabs + a[1].slabs, 0);
    T_EQ_INT(a[0].small + a[1].small, 0);
    free(b);
}

/* A slab holds blocks of one class only: a user that fills slabs of one
 * class, keeps one block per slab and frees the rest, then does the same
 * with the next class, pinned a new slab for every block it kept while its
 * live bytes stayed small (a heap under a 2 MB memory_limit pinned 31 x 2 MB
 * of slabs; malloc's free chunks coalesce and serve any size). New chunks
 * stop past twice the live bytes (and a floor): such blocks are malloc's. */
T_CASE(pinned_slabs_of_every_class_do_not_grow_without_bound)
{
    enum { PHASE = 2 << 20, MAXN = PHASE / 8 };
    struct nd_alloc       a = {0};
    struct nd_alloc_stats st0, st1;
    void                **p = calloc(MAXN, sizeof(*p));
    void                **keep = calloc(ND_ALLOC_NCLASS * 2 * (PHASE / ND_ALLOC_SLAB + 1),
                                        sizeof(*keep));
    size_t                nkeep = 0, cls, i, grown;

    T_TRUE(p != NULL && keep != NULL);
    if (p == NULL || keep == NULL) {
        return;
    }
    nd_alloc_stats(&st0);
    for (cls = 0; cls < ND_ALLOC_NCLASS; cls++) {
        size_t sz = (cls + 1) * 8, n = PHASE / ((cls + 1) * 8);
        struct nd_slab *last = NULL;

        if (sz <= RZ) {
            continue;
        }
        sz -= RZ;
        for (i = 0; i < n; i++) {
            p[i] = nd_alloc_malloc(&a, sz);
            T_TRUE(p[i] != NULL);
            if (p[i] == NULL) {
                return;
            }
            memset(p[i], 0x3c, sz);
        }
        for (i = 0; i < n; i++) {
            if (nd_alloc_is_slab(p[i]) && slab_of(p[i]) != last) {
                last = slab_of(p[i]);
                keep[nkeep++] = p[i];
            } else {
                nd_alloc_free(&a, p[i]);
            }
        }
    }
    nd_alloc_stats(&st1);
    grown = (st1.chunks - st0.chunks) * CHUNK;
    if (grown > 6 * (size_t) PHASE) {
        T_FAIL_("%zu KB of new slabs for %zu blocks kept", grown >> 10, nkeep);
    }
    for (i = 0; i < nkeep; i++) {
        nd_alloc_free(&a, keep[i]);
    }
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
    T_EQ_INT(a.small, 0);
    free(p);
    free(keep);
}

/* Release builds take chunks from mmap, ASan builds from malloc: the mmap
 * path, checked in both (aligned, writable to its last byte, its neighbours
 * given back: a second one may lie right beside it, never across it). */
T_CASE(chunks_by_mmap_are_aligned)
{
    char *c1 = chunk_mmap(), *c2 = chunk_mmap();

    T_TRUE(c1 != NULL && c2 != NULL);
    if (c1 == NULL || c2 == NULL) {
        return;
    }
    T_EQ_INT((uintptr_t) c1 % CHUNK, 0);
    T_EQ_INT((uintptr_t) c2 % CHUNK, 0);
    T_TRUE(c2 + CHUNK <= c1 || c1 + CHUNK <= c2);
    memset(c1, 0xa5, CHUNK);
    memset(c2, 0x5a, CHUNK);
    T_EQ_INT((unsigned char) c1[CHUNK - 1], 0xa5);
    T_EQ_INT((unsigned char) c2[0], 0x5a);
    T_EQ_INT(munmap(c1, CHUNK), 0);
    T_EQ_INT(munmap(c2, CHUNK), 0);
}

/* Runs fn in a child; its exit signal (0 if it exited). */
static int
in_child(void (*fn)(void))
{
    int   st;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        /* the abort is expected: keep its noise (and ASan's) out of the log */
        if (freopen("/dev/null", "w", stderr) == NULL) {
            _exit(3);
        }
        fn();
        _exit(0);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid) {
        return -1;
    }
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void
free_in_other_arena(void)
{
    struct nd_alloc a = {0}, b = {0};
    void           *p = nd_alloc_malloc(&a, 40);

    nd_alloc_free(&b, p);
}

static void
free_inside_a_block(void)
{
    struct nd_alloc a = {0};
    char           *p = nd_alloc_malloc(&a, 40);

    nd_alloc_free(&a, p + 8);
}

/* A pointer that is not one of this arena's blocks is memory corruption:
 * abort rather than hand the memory out twice. */
T_CASE(foreign_pointers_abort)
{
    T_EQ_INT(in_child(free_in_other_arena), SIGABRT);
    T_EQ_INT(in_child(free_inside_a_block), SIGABRT);
}

#if defined(__SANITIZE_ADDRESS__)
static void
double_free(void)
{
    struct nd_alloc a = {0};
    void           *p = nd_alloc_malloc(&a, 40);
    void           *q = nd_alloc_malloc(&a, 40);

    nd_alloc_free(&a, p);
    nd_alloc_free(&a, p);
    (void) q;
}

/* Under ASan: only the bytes asked for are addressable, a freed block is
 * poisoned, a double free aborts. */
T_CASE(asan_sees_into_the_slabs)
{
    struct nd_alloc a = {0};
    char           *p = nd_alloc_malloc(&a, 13);
    char           *q = nd_alloc_malloc(&a, 13);

    T_TRUE(p != NULL && q != NULL);
    T_TRUE(!__asan_address_is_poisoned(p));
    T_TRUE(!__asan_address_is_poisoned(p + 12));
    T_TRUE(__asan_address_is_poisoned(p + 13));         /* the redzone */
    T_TRUE(__asan_address_is_poisoned(p + 16));
    nd_alloc_free(&a, p);
    T_TRUE(__asan_address_is_poisoned(p));              /* use after free */
    T_TRUE(__asan_address_is_poisoned(p + 8));
    T_TRUE(!__asan_address_is_poisoned(q));
    nd_alloc_free(&a, q);
    T_EQ_INT(in_child(double_free), SIGABRT);
}

/* Under ASan a freed block is not handed out again at once (LIFO reuse made
 * a use after free read the next object of its size, unreported: ASan's own
 * malloc holds freed memory back, a quarantine): it stays poisoned while
 * thousands of other blocks are freed and allocated. */
T_CASE(asan_freed_blocks_held_back)
{
    struct nd_alloc a = {0};
    char           *p = nd_alloc_malloc(&a, 40), *q[1000];
    int             i, reused = 0;

    T_TRUE(p != NULL);
    nd_alloc_free(&a, p);
    for (i = 0; i < 1000; i++) {
        q[i] = nd_alloc_malloc(&a, 40);
        reused += q[i] == p;
        nd_alloc_free(&a, nd_alloc_malloc(&a, 40));
    }
    if (held_on()) {       /* (not with ASAN_OPTIONS quarantine_size_mb=0) */
        T_EQ_INT(reused, 0);
        T_TRUE(__asan_address_is_poisoned(p));
    }
    for (i = 0; i < 1000; i++) {
        nd_alloc_free(&a, q[i]);
    }
    nd_alloc_flush(&a);
    T_EQ_INT(a.slabs, 0);
    T_EQ_INT(nd_alloc_release(&a), 0);
}
#endif

int
main(void)
{
    T_RUN(sizes_and_classes);
    T_RUN(large_blocks_are_mallocs);
    T_RUN(empty_slabs_go_back_to_the_pool);
    T_RUN(blocks_freed_from_full_slabs_are_reused);
    T_RUN(trimmed_slabs_are_reused);
    T_RUN(realloc_moves_and_keeps_contents);
    T_RUN(random_mix_keeps_every_block_intact);
    T_RUN(pinned_slabs_of_every_class_do_not_grow_without_bound);
    T_RUN(chunks_by_mmap_are_aligned);
    T_RUN(foreign_pointers_abort);
#if defined(__SANITIZE_ADDRESS__)
    T_RUN(asan_sees_into_the_slabs);
    T_RUN(asan_freed_blocks_held_back);
#endif
    return T_DONE();
}
