// SPDX-License-Identifier: GPL-2.0-only
/*
 * The contiguous memory allocator (see cma.h), as mm/cma.c and the
 * contiguous-range half of mm/page_alloc.c (alloc_contig_range) do it.
 *
 * cma_alloc() walks the area's aligned ranges lowest first.  For each it
 * runs alloc_contig_range(): HugeTLB folios in use inside the range are
 * migrated out (hugetlb_cma.c), then, in kernels with 67bab13307c8
 * ("mm/hugetlb: wait for hugetlb folios to be freed"), the HugeTLB free
 * worker is waited for, and then the range must be wholly free or the
 * attempt fails with -EBUSY and the next range is tried.  hvo migrates
 * nothing else: a range holding any other allocation is busy.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/cma.h"
#include "mm/hugetlb_cma.h"
#include "mm/mmzone.h"

int cma_declare_contiguous_nid(struct machine *m, uint64_t nr, uint64_t align,
			       unsigned order_per_bit, const char *name, int nid,
			       struct cma **out)
{
	struct cma *cma;
	pfn_t base;

	if (m->nr_cma == MAX_CMA_AREAS)
		return -ENOSPC;
	base = alloc_cma_area(m, nr, align, nid);
	if (base == PFN_NONE)
		return -ENOMEM;
	cma = &m->cma_areas[m->nr_cma++];
	memset(cma, 0, sizeof(*cma));
	snprintf(cma->name, sizeof(cma->name), "%s", name);
	cma->base_pfn = base;
	cma->count = nr;
	cma->order_per_bit = order_per_bit;
	cma->nid = nid;
	*out = cma;
	return 0;
}

bool cma_validate_zones(struct machine *m, const struct cma *cma)
{
	struct zone *first = page_zone(m, cma->base_pfn);

	return first && page_zone(m, cma->base_pfn + cma->count - 1) == first &&
	       zone_spans_pfn(first, cma->base_pfn + cma->count - 1);
}

/*
 * cma_activate_area(): in one zone, every pageblock becomes MIGRATE_CMA and
 * every page a managed free page; across zones, the kernel says so and
 * hands the pages to the buddy allocator as ordinary memory.
 */
static int cma_activate_area(struct machine *m, struct cma *cma)
{
	struct zone *z = page_zone(m, cma->base_pfn);
	pfn_t end = cma->base_pfn + cma->count;

	if (!cma_validate_zones(m, cma)) {
		klog(m, "cma: CMA area %s could not be activated", cma->name);
		BUG_ON(memblock_free(&m->memblock, cma->base_pfn, cma->count));
		free_reserved_frames(m, cma->base_pfn, cma->count);
		cma->count = 0;
		return 0;
	}
	cma->nr_pageblocks = cma->count >> pageblock_order(m);
	cma->pageblock_mt = malloc(MAX(cma->nr_pageblocks, 1));
	if (!cma->pageblock_mt || buddy_init(&cma->free, cma->base_pfn, end, m->geo.max_order,
						  pageblock_order(m), MIGRATE_CMA))
		return -ENOMEM;
	memset(cma->pageblock_mt, MIGRATE_CMA, cma->nr_pageblocks);
	BUG_ON(memblock_free(&m->memblock, cma->base_pfn, cma->count));
	buddy_free_range(&cma->free, cma->base_pfn, end);
	z->managed_pages += cma->count;
	cma->active = true;
	return 0;
}

int cma_init_reserved_areas(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		int ret = cma_activate_area(m, &m->cma_areas[i]);
		if (ret)
			return ret;
	}
	return 0;
}

struct cma *cma_of_pfn(struct machine *m, pfn_t pfn)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		struct cma *c = &m->cma_areas[i];
		if (c->active && pfn >= c->base_pfn && pfn < c->base_pfn + c->count)
			return c;
	}
	return NULL;
}

/* alloc_contig_range() of [start, end) inside @cma: 0 or -EBUSY. */
static int alloc_contig_range(struct machine *m, struct cma *cma, pfn_t start, pfn_t end)
{
	if (hugetlb_cma_migrate_range(m, start, end))
		return -EBUSY;
	if (!gen_has(m, GEN_BUG_CMA_NO_WAIT))
		wait_for_freed_hugetlb_folios(m);
	/* test_pages_isolated(): every page must be free now */
	if (!buddy_range_is_free(&cma->free, start, end))
		return -EBUSY;
	buddy_isolate_range(&cma->free, start, end);
	return 0;
}

pfn_t cma_alloc(struct machine *m, struct cma *cma, unsigned order)
{
	uint64_t n = 1ULL << order;

	if (cma->active) {
		pfn_t end = cma->base_pfn + cma->count;
		for (pfn_t p = ALIGN_UP(cma->base_pfn, n); p + n <= end; p += n) {
			if (!alloc_contig_range(m, cma, p, p + n)) {
				cma->alloc_pages_success += n;
				return p;
			}
		}
	}
	cma->alloc_pages_fail += n;
	klog(m, "cma_alloc: %s: alloc failed, req-size: %llu pages, ret: -16", cma->name,
	     (unsigned long long)n);
	return PFN_NONE;
}

void cma_release(struct machine *m, struct cma *cma, pfn_t pfn, unsigned order)
{
	(void)m;
	BUG_ON(pfn < cma->base_pfn || pfn + (1ULL << order) > cma->base_pfn + cma->count);
	if (order > cma->free.max_order)
		buddy_free_range(&cma->free, pfn, pfn + (1ULL << order));
	else
		__free_pages(&cma->free, pfn, order);
}

static bool cma_in_zone(const struct machine *m, const struct cma *c, const struct zone *z)
{
	(void)m;
	return c->active && zone_spans_pfn(z, c->base_pfn);
}

pfn_t cma_alloc_movable(struct machine *m, struct zone *z, unsigned order)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		struct cma *c = &m->cma_areas[i];
		pfn_t p;
		if (!cma_in_zone(m, c, z))
			continue;
		p = buddy_alloc(&c->free, order, MIGRATE_CMA, 0);
		if (p != PFN_NONE)
			return p;
	}
	return PFN_NONE;
}

uint64_t cma_free_pages_zone(const struct machine *m, const struct zone *z)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_cma; i++)
		if (cma_in_zone(m, &m->cma_areas[i], z))
			n += m->cma_areas[i].free.nr_free_pages;
	return n;
}

bool cma_first(struct machine *m, const struct zone *z)
{
	uint64_t cma = m->nr_cma ? cma_free_pages_zone(m, z) : 0;

	/* NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2, CMA pages counted in both */
	return cma && cma > (z->buddy.nr_free_pages + cma) / 2;
}

uint64_t totalcma_pages(const struct machine *m)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_cma; i++)
		if (m->cma_areas[i].active)
			n += m->cma_areas[i].count;
	return n;
}

uint64_t global_cma_free_pages(const struct machine *m)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_cma; i++)
		if (m->cma_areas[i].active)
			n += m->cma_areas[i].free.nr_free_pages;
	return n;
}

void cma_destroy_areas(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_cma; i++) {
		buddy_destroy(&m->cma_areas[i].free);
		free(m->cma_areas[i].pageblock_mt);
	}
	m->nr_cma = 0;
}
