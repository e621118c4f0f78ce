// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariants of the CMA areas (mm/cma.c): an active area lies in one
 * zone, every pageblock of it is MIGRATE_CMA, its free lists agree with
 * their counters, and its pages are exactly its free pages plus the huge
 * pages inside it (pool, in use, waiting for the free worker, or leaked):
 * nothing else may be lent CMA memory in hvo, and no huge page is both
 * allocated and free there.
 */
#include "mm/cma.h"
#include "sim/check_internal.h"

struct cma_ctx {
	uint64_t pages, per_order[MAX_MAX_ORDER + 1];
};

static int count_cma_free(void *arg, pfn_t pfn, unsigned order)
{
	struct cma_ctx *c = arg;

	(void)pfn;
	c->pages += 1ULL << order;
	c->per_order[order]++;
	return 0;
}

/* Pages of @cma that huge pages hold, each checked not to be free. */
static uint64_t folio_pages_in(struct machine *m, const struct cma *cma,
			       struct check_report *r)
{
	pfn_t end = cma->base_pfn + cma->count;
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		uint64_t nr = 1ULL << h->order;
		for (unsigned l = 0; l < MAX_NUMNODES + 2; l++) {
			const struct folio_list *fl = l < MAX_NUMNODES ? &h->freelists[l]
				: l == MAX_NUMNODES ? &h->inuse : &h->deferred;
			for (uint64_t k = 0; k < fl->nr; k++) {
				pfn_t p = fl->v[k].pfn;
				if (p < cma->base_pfn || p >= end)
					continue;
				if (p + nr > end)
					check_fail(r, "cma %s: huge page at pfn %#llx runs past the area", cma->name, P(p));
				if (buddy_free_order(&cma->free, p, NULL) >= 0)
					check_fail(r, "cma %s: huge page at pfn %#llx is also free", cma->name, P(p));
				n += nr;
			}
		}
	}
	for (uint64_t i = 0; i < m->nr_leaks; i++)
		if (m->leaks[i].pfn >= cma->base_pfn && m->leaks[i].pfn < end)
			n += m->leaks[i].nr;
	return n;
}

static void check_cma_area(struct machine *m, const struct cma *cma, struct check_report *r)
{
	struct cma_ctx c = { 0 };
	uint64_t held;

	if (!cma_validate_zones(m, cma))
		check_fail(r, "cma %s: active area spans zones", cma->name);
	for (uint64_t i = 0; i < cma->nr_pageblocks; i++)
		if (cma->pageblock_mt[i] != MIGRATE_CMA) {
			check_fail(r, "cma %s: pageblock %llu is not MIGRATE_CMA", cma->name, P(i));
			break;
		}
	buddy_for_each_free(&cma->free, count_cma_free, &c);
	for (unsigned o = 0; o <= cma->free.max_order; o++)
		if (c.per_order[o] != cma->free.area[o].nr_free)
			check_fail(r, "cma %s: %llu free blocks of order %u listed, nr_free says %llu",
				   cma->name, P(c.per_order[o]), o, P(cma->free.area[o].nr_free));
	if (c.pages != cma->free.nr_free_pages)
		check_fail(r, "cma %s: free lists hold %llu pages, nr_free_pages says %llu",
			   cma->name, P(c.pages), P(cma->free.nr_free_pages));
	held = folio_pages_in(m, cma, r);
	if (held + c.pages != cma->count)
		check_fail(r, "cma %s: %llu pages, but %llu free + %llu in huge pages",
			   cma->name, P(cma->count), P(c.pages), P(held));
}

void check_cma(struct machine *m, struct check_report *r)
{
	for (unsigned i = 0; i < m->nr_cma; i++)
		if (m->cma_areas[i].active)
			check_cma_area(m, &m->cma_areas[i], r);
}
