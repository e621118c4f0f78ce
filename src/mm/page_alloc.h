/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy allocator of one zone: free blocks of order 0..max_order.
 *
 * Host-side representation (the simulated struct pages are not used for
 * free lists, so free memory costs no host memory for its vmemmap):
 *  - per order a bitmap, bit i set <=> the block at base + (i << order) is
 *    free at exactly that order;
 *  - per order a LIFO stack of candidate block pfns.  Entries go stale when
 *    a block is merged away or taken by a range isolation; the bitmap is the
 *    truth, so pops skip stale entries, and the stack is compacted when stale
 *    entries outnumber live ones.
 * Bitmaps are calloc()ed, so untouched parts cost no resident host memory.
 *
 * These are raw allocators: the choke point in alloc.c is their only caller
 * for allocation.
 */
#ifndef HVO_PAGE_ALLOC_H
#define HVO_PAGE_ALLOC_H

#include "types.h"

#define MAX_MAX_ORDER 13

struct free_area {
	uint64_t *bitmap;
	pfn_t *stack;
	uint64_t nr_stack, cap;
	uint64_t nr_free; /* free blocks of this order */
};

struct buddy {
	pfn_t base;             /* aligned down to a max-order block */
	pfn_t start, end;       /* the zone span this allocator serves */
	unsigned max_order;
	uint64_t nr_free_pages;
	struct free_area area[MAX_MAX_ORDER + 1];
};

int buddy_init(struct buddy *b, pfn_t start, pfn_t end, unsigned max_order);
void buddy_destroy(struct buddy *b);

/* Free a naturally aligned block of 2^order pages, merging with buddies. */
void __free_pages(struct buddy *b, pfn_t pfn, unsigned order);
/* Free an arbitrary range [start, end) as the largest aligned blocks. */
void buddy_free_range(struct buddy *b, pfn_t start, pfn_t end);
/* Take a block of 2^order pages; PFN_NONE when none is free. */
pfn_t __alloc_pages(struct buddy *b, unsigned order);
/* Is every page of [start, end) free? */
bool buddy_range_is_free(const struct buddy *b, pfn_t start, pfn_t end);
/* Take [start, end) out of the free lists; it must be free. */
void buddy_isolate_range(struct buddy *b, pfn_t start, pfn_t end);
/* Order of the free block that contains @pfn, or -1 if @pfn is not free. */
int buddy_free_order(const struct buddy *b, pfn_t pfn, pfn_t *block);

/* Grow the span served to [start, end) (a superset), keeping free blocks. */
int buddy_resize(struct buddy *b, pfn_t start, pfn_t end);

/* Visit free blocks, by order then pfn (for the checker and reports). */
int buddy_for_each_free(const struct buddy *b,
			int (*fn)(void *arg, pfn_t pfn, unsigned order),
			void *arg);

#endif
