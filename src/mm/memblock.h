/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memblock: the boot-time allocator.  Two sorted region lists, "memory"
 * (what exists, with its node) and "reserved" (what is taken), in pfns.
 * Allocation is top-down within a node, as x86-64 does by default.
 * After boot, memblock_free_all() (in machine.c) hands every pfn that is
 * memory but not reserved to the buddy allocator.
 *
 * These are raw allocators: only the choke point in alloc.c calls
 * memblock_alloc_range(), so fault injection sees every allocation.
 */
#ifndef HVO_MEMBLOCK_H
#define HVO_MEMBLOCK_H

#include "types.h"

#define NUMA_NO_NODE (-1)

struct memblock_region {
	pfn_t base;
	uint64_t size; /* pages */
	int nid;
};

struct memblock_type {
	uint64_t cnt, max;
	struct memblock_region *regions;
};

struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
};

void memblock_init(struct memblock *mb);
void memblock_destroy(struct memblock *mb);
int memblock_copy(struct memblock_type *dst, const struct memblock_type *src);

int memblock_add_node(struct memblock *mb, pfn_t base, uint64_t size, int nid);
int memblock_remove(struct memblock *mb, pfn_t base, uint64_t size);
int memblock_reserve(struct memblock *mb, pfn_t base, uint64_t size);
/* Remove [base, base+size) from reserved; it must be reserved. */
int memblock_free(struct memblock *mb, pfn_t base, uint64_t size);

/*
 * Find and reserve @size pages aligned to @align pages inside [min, max) on
 * node @nid (NUMA_NO_NODE: any), top-down.  Returns the base or PFN_NONE.
 */
pfn_t memblock_alloc_range(struct memblock *mb, uint64_t size, uint64_t align,
			   pfn_t min, pfn_t max, int nid);

bool memblock_type_contains(const struct memblock_type *t, pfn_t pfn);
bool memblock_is_memory(const struct memblock *mb, pfn_t pfn);
bool memblock_is_reserved(const struct memblock *mb, pfn_t pfn);
/* Node of a memory pfn, or NUMA_NO_NODE. */
int memblock_pfn_nid(const struct memblock *mb, pfn_t pfn);
/* Pages of @t inside [start, end). */
uint64_t memblock_type_pages_in(const struct memblock_type *t, pfn_t start,
				pfn_t end);

#endif
