/*
 * A size-class allocator for Duktape's small blocks.
 *
 * Blocks of at most ND_ALLOC_SMALL_MAX bytes come from slabs of ND_ALLOC_SLAB
 * bytes, one size class (a multiple of 8 bytes) per slab: no per-block
 * header and no rounding to 16 bytes (glibc's chunk for a 40-byte block is
 * 48 bytes, for 56 it is 64). Larger blocks are malloc's. An arena (struct
 * nd_alloc) keeps, per class, its slabs that have room; a slab that empties
 * goes back to a process-wide pool that every arena draws from. Slabs are
 * carved from chunks of 256 KB, mmap'd (malloc'd under ASan) and never
 * freed; a bitmap of chunk addresses says whether a pointer is a slab block
 * without reading the block. New chunks stop past twice the bytes in use
 * (and 8 MB): a fragmented pool's small blocks are then malloc's too
 * (blocks kept one per slab, class after class, pinned slabs without bound).
 * heap.c uses one arena for all of a process's
 * heaps (an arena per heap kept the holes of each heap's garbage: see there).
 *
 * Under AddressSanitizer the same code runs, with a redzone after each
 * small block and free blocks poisoned (see alloc.c), so that `make test`
 * exercises this allocator and catches overflows and uses after free in it;
 * a freed block is held back (poisoned) until ND_ALLOC_HELD later frees of
 * its arena, as ASan's own quarantine does (unless ASAN_OPTIONS says
 * quarantine_size_mb=0), so that a use after free is not hidden by the
 * block's next owner.
 *
 * Worker processes (and tools) are single-threaded: no locking; the pool is
 * a process global, inherited across fork like the rest of malloc's state.
 */
#ifndef ND_ALLOC_H
#define ND_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define ND_ALLOC_SLAB      4096                /* bytes, a power of two */
#define ND_ALLOC_SMALL_MAX 256                 /* larger blocks are malloc's */
#define ND_ALLOC_NCLASS    (ND_ALLOC_SMALL_MAX / 8)

#define ND_ALLOC_HELD      4096                /* ASan: freed blocks held back */

struct nd_slab;

/* An arena: zeroed = empty; nd_alloc_release() once none of its blocks is used. */
struct nd_alloc {
    struct nd_slab *partial[ND_ALLOC_NCLASS]; /* slabs with a free block, per class */
    size_t          slabs;                    /* slabs held (partial or full) */
    size_t          small;                    /* bytes of the blocks handed out (nd_alloc_size) */
#if defined(__SANITIZE_ADDRESS__)
    void           *held[ND_ALLOC_HELD];      /* freed, poisoned, not yet reusable: a ring */
    unsigned        held_head, held_n;
#endif
};

/* A block of at least size bytes (size > 0), or NULL (malloc failed). */
void *nd_alloc_malloc(struct nd_alloc *a, size_t size);
/* ptr from this arena (a slab block of another aborts: memory corruption), or NULL. */
void nd_alloc_free(struct nd_alloc *a, void *ptr);
/* realloc(3)'s contract; size > 0. On NULL, ptr is unchanged. */
void *nd_alloc_realloc(struct nd_alloc *a, void *ptr, size_t size);
/* Bytes the block holds (its class's size, or malloc_usable_size). */
size_t nd_alloc_size(const void *ptr);
/* Whether ptr lies in a slab (any heap's). */
int nd_alloc_is_slab(const void *ptr);
/* When the arena's user is done: the number of slabs it still holds (0 once
 * every block was freed); those are kept as they are, never reused. */
size_t nd_alloc_release(struct nd_alloc *a);
/* Under ASan: the blocks held back become reusable (tests); else nothing. */
void nd_alloc_flush(struct nd_alloc *a);

/* Gives the pages of the pool's empty slabs beyond keep back to the kernel
 * (madvise MADV_DONTNEED: RSS drops; a slab taken again faults in a zeroed
 * page). Returns how many. For idle times: a syscall per slab. */
size_t nd_alloc_trim(size_t keep);

/* The process's pool, for tests and tools. */
struct nd_alloc_stats {
    size_t chunks;      /* chunks malloc'd, ever */
    size_t slabs_free;  /* empty slabs in the pool */
    size_t slabs_fresh; /* never used slabs left in the newest chunk */
    size_t slabs_released; /* empty slabs whose pages went back to the kernel */
};
void nd_alloc_stats(struct nd_alloc_stats *st);

#endif
