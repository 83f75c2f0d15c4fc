/*
 * A per-heap size-class allocator for Duktape's small blocks (see alloc.h).
 *
 * A slab: a header (struct nd_slab), then blocks of one size (the class's,
 * plus a redzone under ASan). Blocks are handed out from the slab's list of
 * freed blocks (linked through their first word), else from its never used
 * tail (bump). A heap keeps, per class, a list of its slabs that have room;
 * full slabs are on no list (their blocks point at them). The slab of a
 * block is its address rounded down to ND_ALLOC_SLAB.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "worker/js/alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Under ASan: a redzone after each small block (only the bytes asked for
 * are addressable), free blocks and never used space poisoned. Freed blocks
 * are reused LIFO (no quarantine): a use after free is caught until the
 * block is handed out again. */
#define RZ               16
#define POISON(p, n)     ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n)   ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define RZ               0
#define POISON(p, n)     ((void) (p), (void) (n))
#define UNPOISON(p, n)   ((void) (p), (void) (n))
#endif

#define CHUNK_SHIFT 18                          /* 256 KB chunks of slabs */
#define CHUNK       ((size_t) 1 << CHUNK_SHIFT)
#define MAP_BITS    (47 - CHUNK_SHIFT)          /* chunk numbers of user addresses */
#define L2_BITS     16
#define L2_MASK     (((uintptr_t) 1 << L2_BITS) - 1)
#define L1_N        ((size_t) 1 << (MAP_BITS - L2_BITS))
/* New chunks only while the slabs stay under twice the bytes handed out
 * from them (past a floor): a slab serves one class, so blocks kept one
 * per slab, class after class, pinned slabs without bound (31 x a heap's
 * memory_limit; test_alloc pinned_slabs_of_every_class_do_not_grow_without_bound).
 * Past that, small blocks are malloc's, whose free chunks serve any size. */
#define GROW_FLOOR  ((size_t) 8 << 20)

struct nd_slab {
    struct nd_alloc *owner;     /* borrowed: the heap's state; NULL in the pool */
    struct nd_slab  *next;      /* the owner's partial list of this class, or the pool's */
    struct nd_slab  *prev;
    void            *free;      /* freed blocks, linked through their first word */
    uint32_t         used;      /* blocks handed out */
    uint32_t         bump;      /* offset of the first never used block */
    uint16_t         size;      /* block stride, bytes (class size + RZ) */
    uint16_t         cls;
};

#define HDR (((sizeof(struct nd_slab)) + 15) & ~(size_t) 15)

/* GLOBAL: the process's pool of slabs (workers are single-threaded); chunks
 * are never freed, empty slabs are shared by every heap. */
static struct {
    struct nd_slab *free;       /* empty slabs */
    size_t          nfree;
    char           *fresh;      /* the newest chunk's never used slabs */
    char           *fresh_end;
    size_t          chunks;
    size_t          live;       /* bytes of slab blocks handed out (strides), all arenas */
    struct nd_slab **released;  /* owned: empty slabs given back to the kernel */
    size_t          nreleased;
    size_t          released_cap;
    uint8_t        *map[L1_N];  /* owned: a bit per chunk number, 8 KB per 16 GB */
} g_pool;

static int
map_set(uintptr_t addr)
{
    uintptr_t n = addr >> CHUNK_SHIFT;
    uint8_t **l2;

    if ((n >> MAP_BITS) != 0) {
        return -1;
    }
    l2 = &g_pool.map[n >> L2_BITS];
    if (*l2 == NULL) {
        *l2 = calloc(1, ((size_t) 1 << L2_BITS) / 8);
        if (*l2 == NULL) {
            return -1;
        }
    }
    (*l2)[(n & L2_MASK) >> 3] |= (uint8_t) (1u << (n & 7));
    return 0;
}

int
nd_alloc_is_slab(const void *ptr)
{
    uintptr_t      n = (uintptr_t) ptr >> CHUNK_SHIFT;
    const uint8_t *l2;

    if ((n >> MAP_BITS) != 0) {
        return 0;
    }
    l2 = g_pool.map[n >> L2_BITS];
    return l2 != NULL && ((l2[(n & L2_MASK) >> 3] >> (n & 7)) & 1) != 0;
}

static struct nd_slab *
slab_of(const void *ptr)
{
    return (struct nd_slab *) ((uintptr_t) ptr & ~(uintptr_t) (ND_ALLOC_SLAB - 1));
}

/* A CHUNK-aligned chunk by mmap, or NULL: an aligned malloc of it took one
 * more page per chunk, resident (glibc's header just below it), and more
 * RSS per loaded app in all (README "Small blocks in size classes"). */
static char *
chunk_mmap(void)
{
    char     *m = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    uintptr_t c, head;

    if (m == MAP_FAILED) {
        return NULL;
    }
    c = ((uintptr_t) m + CHUNK - 1) & ~(uintptr_t) (CHUNK - 1);
    head = c - (uintptr_t) m;
    if (head != 0) {
        munmap(m, head);
    }
    if (CHUNK - head != 0) {
        munmap((char *) c + CHUNK, CHUNK - head);
    }
    return (char *) c;
}

/* A new chunk. Under ASan malloc'd: LeakSanitizer scans malloc'd memory for
 * pointers and not mmap'd memory (blocks that only slab blocks refer to
 * would be reported); tests/unit/test_alloc.c checks chunk_mmap there. */
static char *
chunk_new(void)
{
#if defined(__SANITIZE_ADDRESS__)
    (void) chunk_mmap;
    return aligned_alloc(CHUNK, CHUNK);
#else
    return chunk_mmap();
#endif
}

static struct nd_slab *
slab_get(void)
{
    struct nd_slab *s;
    char           *c;

    if (g_pool.free != NULL) {
        s = g_pool.free;
        g_pool.free = s->next;
        g_pool.nfree--;
        return s;
    }
    if (g_pool.nreleased > 0) {
        /* its page comes back zeroed on first touch */
        return g_pool.released[--g_pool.nreleased];
    }
    if (g_pool.fresh == g_pool.fresh_end) {
        if (g_pool.chunks * CHUNK >= GROW_FLOOR && g_pool.chunks * CHUNK > 2 * g_pool.live) {
            return NULL;    /* fragmented: the caller takes malloc's block */
        }
        c = chunk_new();
        if (c == NULL) {
            return NULL;
        }
        if (map_set((uintptr_t) c) == -1) {
            /* (an address past 47 bits, or no memory: the chunk is lost) */
            return NULL;
        }
        POISON(c, CHUNK);
        g_pool.fresh = c;
        g_pool.fresh_end = c + CHUNK;
        g_pool.chunks++;
    }
    s = (struct nd_slab *) g_pool.fresh;
    g_pool.fresh += ND_ALLOC_SLAB;
    UNPOISON(s, HDR);
    return s;
}

static void
slab_put(struct nd_slab *s)
{
    s->owner = NULL;
    s->next = g_pool.free;
    g_pool.free = s;
    g_pool.nfree++;
}

static void
partial_link(struct nd_alloc *a, struct nd_slab *s)
{
    s->prev = NULL;
    s->next = a->partial[s->cls];
    if (s->next != NULL) {
        s->next->prev = s;
    }
    a->partial[s->cls] = s;
}

static void
partial_unlink(struct nd_alloc *a, struct nd_slab *s)
{
    if (s->prev != NULL) {
        s->prev->next = s->next;
    } else {
        a->partial[s->cls] = s->next;
    }
    if (s->next != NULL) {
        s->next->prev = s->prev;
    }
}

static int
slab_full(const struct nd_slab *s)
{
    return s->free == NULL && s->bump + s->size > ND_ALLOC_SLAB;
}

void *
nd_alloc_malloc(struct nd_alloc *a, size_t size)
{
    struct nd_slab *s;
    unsigned        cls;
    char           *p;

    if (size == 0 || size + RZ > ND_ALLOC_SMALL_MAX) {
        return malloc(size);
    }
    cls = (unsigned) ((size + RZ - 1) >> 3);
    s = a->partial[cls];
    if (s == NULL) {
        s = slab_get();
        if (s == NULL) {
            return malloc(size);
        }
        s->owner = a;
        s->free = NULL;
        s->used = 0;
        s->bump = HDR;
        s->size = (uint16_t) ((cls + 1) * 8);
        s->cls = (uint16_t) cls;
        partial_link(a, s);
        a->slabs++;
    }
    if (s->free != NULL) {
        p = s->free;
        UNPOISON(p, sizeof(void *));
        s->free = *(void **) p;
    } else {
        p = (char *) s + s->bump;
        s->bump += s->size;
    }
    s->used++;
    a->small += s->size - RZ;
    g_pool.live += s->size;
    if (slab_full(s)) {
        partial_unlink(a, s);
    }
    POISON(p, s->size);
    UNPOISON(p, size);
    return p;
}

static void block_put(struct nd_alloc *a, struct nd_slab *s, void *ptr);

#if defined(__SANITIZE_ADDRESS__)
/* Freed blocks held back, as ASan's own quarantine, unless that is off
 * (ASAN_OPTIONS quarantine_size_mb=0: test_density measures reuse). */
static int
held_on(void)
{
    static int on = -1;     /* GLOBAL: read once */

    if (on == -1) {
        const char *o = getenv("ASAN_OPTIONS");
        on = o == NULL || strstr(o, "quarantine_size_mb=0") == NULL;
    }
    return on;
}
#endif

void
nd_alloc_free(struct nd_alloc *a, void *ptr)
{
    struct nd_slab *s;
    uintptr_t       off;

    if (ptr == NULL) {
        return;
    }
    if (!nd_alloc_is_slab(ptr)) {
        free(ptr);
        return;
    }
    s = slab_of(ptr);
    off = (uintptr_t) ptr - (uintptr_t) s;
    if (s->owner != a || off < HDR || off >= s->bump || (off - HDR) % s->size != 0) {
        /* another heap's block, or not a block's start: memory corruption */
        fprintf(stderr, "nd_alloc_free(%p): not a block of this heap\n", ptr);
        abort();
    }
#if defined(__SANITIZE_ADDRESS__)
    if (__asan_address_is_poisoned(ptr)) {
        fprintf(stderr, "nd_alloc_free(%p): double free\n", ptr);
        abort();
    }
#endif
    a->small -= s->size - RZ;
#if defined(__SANITIZE_ADDRESS__)
    if (held_on()) {
        unsigned slot;

        POISON(ptr, s->size);
        if (a->held_n == ND_ALLOC_HELD) {
            void *old = a->held[a->held_head];

            a->held[a->held_head] = ptr;
            a->held_head = (a->held_head + 1) % ND_ALLOC_HELD;
            block_put(a, slab_of(old), old);
            return;
        }
        slot = (a->held_head + a->held_n) % ND_ALLOC_HELD;
        a->held[slot] = ptr;
        a->held_n++;
        return;
    }
#endif
    block_put(a, s, ptr);
}

/* The block at ptr (of slab s, of arena a) back on its slab's free list. */
static void
block_put(struct nd_alloc *a, struct nd_slab *s, void *ptr)
{
    int was_full = slab_full(s);

    UNPOISON(ptr, sizeof(void *));
    *(void **) ptr = s->free;
    s->free = ptr;
    POISON(ptr, s->size);
    s->used--;
    g_pool.live -= s->size;
    if (s->used == 0) {
        if (!was_full) {
            partial_unlink(a, s);
        }
        a->slabs--;
        slab_put(s);
    } else if (was_full) {
        partial_link(a, s);
    }
}

/* The bytes of a small block that its user may read: under ASan, what it
 * asked for (up to the first poisoned byte). */
static size_t
small_len(const void *ptr)
{
    const struct nd_slab *s = slab_of(ptr);
#if defined(__SANITIZE_ADDRESS__)
    const char *bad = __asan_region_is_poisoned((void *) ptr, s->size);

    return bad != NULL ? (size_t) (bad - (const char *) ptr) : s->size;
#else
    return s->size;
#endif
}

void *
nd_alloc_realloc(struct nd_alloc *a, void *ptr, size_t size)
{
    void  *np;
    size_t old;

    if (ptr == NULL) {
        return nd_alloc_malloc(a, size);
    }
    if (!nd_alloc_is_slab(ptr)) {
        if (size + RZ > ND_ALLOC_SMALL_MAX) {
            return realloc(ptr, size);
        }
        old = malloc_usable_size(ptr);
    } else {
#if !defined(__SANITIZE_ADDRESS__)
        /* (under ASan every realloc moves, as with ASan's own) */
        if (size + RZ <= ND_ALLOC_SMALL_MAX && ((size + RZ - 1) >> 3) == slab_of(ptr)->cls) {
            return ptr;
        }
#endif
        old = small_len(ptr);
    }
    np = nd_alloc_malloc(a, size);
    if (np == NULL) {
        return NULL;
    }
    memcpy(np, ptr, old < size ? old : size);
    nd_alloc_free(a, ptr);
    return np;
}

size_t
nd_alloc_size(const void *ptr)
{
    if (nd_alloc_is_slab(ptr)) {
        return slab_of(ptr)->size - RZ;
    }
    return malloc_usable_size((void *) ptr);
}

size_t
nd_alloc_release(struct nd_alloc *a)
{
    size_t held;

    nd_alloc_flush(a);
    held = a->slabs;
    /* Slabs still held have live blocks: kept (leaked), never reused. */
    memset(a->partial, 0, sizeof(a->partial));
    a->slabs = 0;
    return held;
}

size_t
nd_alloc_trim(size_t keep)
{
    size_t          n = 0;
    struct nd_slab *s;

    if (sysconf(_SC_PAGESIZE) != ND_ALLOC_SLAB) {
        return 0;               /* a slab is not a page: nothing to give back alone */
    }
    while (g_pool.nfree > keep) {
        if (g_pool.nreleased == g_pool.released_cap) {
            size_t           cap = g_pool.released_cap ? 2 * g_pool.released_cap : 256;
            struct nd_slab **r = realloc(g_pool.released, cap * sizeof(*r));
            if (r == NULL) {
                break;
            }
            g_pool.released = r;
            g_pool.released_cap = cap;
        }
        s = g_pool.free;
        g_pool.free = s->next;
        g_pool.nfree--;
        if (madvise(s, ND_ALLOC_SLAB, MADV_DONTNEED) == -1) {
            slab_put(s);        /* kept (and never given back again this round) */
            break;
        }
        g_pool.released[g_pool.nreleased++] = s;
        n++;
    }
    return n;
}

void
nd_alloc_stats(struct nd_alloc_stats *st)
{
    st->chunks = g_pool.chunks;
    st->slabs_free = g_pool.nfree;
    st->slabs_fresh = (size_t) (g_pool.fresh_end - g_pool.fresh) / ND_ALLOC_SLAB;
    st->slabs_released = g_pool.nreleased;
}

void
nd_alloc_flush(struct nd_alloc *a)
{
#if defined(__SANITIZE_ADDRESS__)
    while (a->held_n != 0) {
        void *old = a->held[a->held_head];

        a->held_head = (a->held_head + 1) % ND_ALLOC_HELD;
        a->held_n--;
        block_put(a, slab_of(old), old);
    }
#else
    (void) a;
#endif
}
