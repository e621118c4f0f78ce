/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocation choke point.  Every page the simulated kernel takes, at boot
 * (memblock) or at run time (buddy, contiguous ranges), goes through
 * alloc_frames(), which first asks the fault-injection policy.  Frames come
 * back to the buddy allocator through free_frames() or, for memblock
 * frames, free_reserved_frames().
 */
#ifndef HVO_ALLOC_H
#define HVO_ALLOC_H

#include "machine.h"

struct alloc_request {
	enum alloc_site site;
	unsigned order;           /* 2^order contiguous, naturally aligned */
	int nid;                  /* preferred node, NUMA_NO_NODE for any */
	bool this_node;           /* __GFP_THISNODE: no fallback to others */
	enum zone_type high_zone; /* highest zone allowed (movable: MOVABLE) */
};

/*
 * Allocate per @req: from memblock during early boot, from the buddy
 * allocator (contiguous range search above max_order) once running.
 * Returns the first pfn or PFN_NONE (failure, injected or real).
 */
pfn_t alloc_frames(struct machine *m, const struct alloc_request *req);

/*
 * Boot: a CMA area of @nr pages aligned to @align on @nid from memblock,
 * bottom-up from 4 GiB when the node has room above it, else top-down
 * (cma_alloc_mem()).  PFN_NONE on failure.
 */
pfn_t alloc_cma_area(struct machine *m, uint64_t nr, uint64_t align, int nid);
/* Run time: cma_alloc() of 2^@order pages from @cma (site SITE_HUGETLB). */
pfn_t alloc_frames_cma(struct machine *m, struct cma *cma, unsigned order);

/*
 * The kernel's own boot-time page allocations after memblock_free_all():
 * an unmovable page on @nid from the buddy allocator, outside fault
 * injection (a failure there panics the boot, which no scenario asks for).
 */
pfn_t alloc_boot_kernel_page(struct machine *m, int nid);

/* Return a block taken from the buddy allocator (or lent by a CMA area). */
void free_frames(struct machine *m, pfn_t pfn, unsigned order);
/* Return @nr contiguous single pages taken from the buddy allocator. */
void free_frames_run(struct machine *m, pfn_t pfn, uint64_t nr);

/*
 * Return memblock-reserved pages to the buddy allocator after boot
 * (free_reserved_page): the zone's managed count grows, so MemTotal does.
 */
void free_reserved_frames(struct machine *m, pfn_t pfn, uint64_t nr);
/* The same two, from the run's last page down to its first. */
void free_frames_run_down(struct machine *m, pfn_t pfn, uint64_t nr);
void free_reserved_frames_down(struct machine *m, pfn_t pfn, uint64_t nr);

/* A kernel request for one page on @nid, in the usual zone order. */
static inline struct alloc_request kernel_page_request(enum alloc_site site,
						       int nid)
{
	struct alloc_request r = { site, 0, nid, false, ZONE_NORMAL };
	return r;
}

#endif
