/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contiguous memory allocator (mm/cma.c): areas reserved from memblock
 * at boot, activated once the buddy allocator runs (their pageblocks become
 * MIGRATE_CMA and their pages free), then lent to movable allocations and
 * taken back whole by cma_alloc().
 *
 * Host-side representation: an area's free pages are in a buddy allocator
 * of their own, standing for the zone's MIGRATE_CMA free lists restricted
 * to that area.  They are managed pages of their zone and count in MemFree
 * (global_free_pages()), as NR_FREE_CMA_PAGES pages count in NR_FREE_PAGES.
 * Unmovable allocations never see them; movable ones use them first when
 * more than half of the zone's free memory is CMA, and as a fallback
 * otherwise (__rmqueue's balancing).
 */
#ifndef HVO_CMA_H
#define HVO_CMA_H

#include "mm/page_alloc.h"
#include "types.h"

#define MAX_CMA_AREAS 64

struct cma {
	char name[16];
	pfn_t base_pfn;
	uint64_t count;          /* pages */
	unsigned order_per_bit;  /* the smallest piece cma_release() takes back */
	int nid;
	bool active;             /* cma_activate_area() succeeded */
	struct buddy free;       /* its free pages (MIGRATE_CMA free lists) */
	uint8_t *pageblock_mt;   /* migratetype of each pageblock */
	uint64_t nr_pageblocks;
	/* /sys/kernel/mm/cma/<name>/alloc_pages_{success,fail} */
	uint64_t alloc_pages_success, alloc_pages_fail;
};

struct machine;
struct zone;

/*
 * cma_declare_contiguous_nid(): reserve @nr pages aligned to @align pages on
 * @nid from memblock (bottom-up from 4 GiB first when the node has room
 * there, then top-down, as cma_alloc_mem() does).  0, or -ENOMEM.
 */
int cma_declare_contiguous_nid(struct machine *m, uint64_t nr, uint64_t align,
			       unsigned order_per_bit, const char *name, int nid,
			       struct cma **out);
/* cma_validate_zones(): does the area lie within one zone? */
bool cma_validate_zones(struct machine *m, const struct cma *cma);
/* cma_init_reserved_areas(): activate every area (after memblock_free_all). */
int cma_init_reserved_areas(struct machine *m);

/* The active area holding @pfn, or NULL. */
struct cma *cma_of_pfn(struct machine *m, pfn_t pfn);
/*
 * cma_alloc() of 2^@order pages aligned to themselves: PFN_NONE when no
 * range of the area could be had.  Call through alloc_frames_cma().
 */
pfn_t cma_alloc(struct machine *m, struct cma *cma, unsigned order);
/* cma_release(): @pfn..+2^order back to the area's free lists. */
void cma_release(struct machine *m, struct cma *cma, pfn_t pfn, unsigned order);

/* Movable allocations (__rmqueue_cma_fallback): a block from @z's areas. */
pfn_t cma_alloc_movable(struct machine *m, struct zone *z, unsigned order);
/* Should a movable allocation in @z try CMA first? */
bool cma_first(struct machine *m, const struct zone *z);

uint64_t cma_free_pages_zone(const struct machine *m, const struct zone *z);
uint64_t totalcma_pages(const struct machine *m);
uint64_t global_cma_free_pages(const struct machine *m);
void cma_destroy_areas(struct machine *m);

#endif
