// SPDX-License-Identifier: GPL-2.0-only
/*
 * The allocation choke point (see alloc.h).  Zone fallback follows the
 * kernel's zonelist: the preferred node's zones from the highest allowed
 * down, then the other nodes in id order.  Ranges larger than a buddy block
 * are found like alloc_contig_pages(): the lowest aligned, wholly free range
 * of a zone (we never migrate, so only free memory qualifies); the zone's
 * per-CPU lists are drained when a range is tried (drain_all_pages() in
 * alloc_contig_range()).
 *
 * The migratetype is gfp_migratetype() of the caller's mask: a request whose
 * highest zone is ZONE_MOVABLE carries __GFP_MOVABLE (HugeTLB's
 * htlb_alloc_mask, GFP_HIGHUSER_MOVABLE), every other one is GFP_KERNEL
 * (vmemmap pages: GFP_KERNEL | __GFP_NORETRY for the head page and
 * GFP_KERNEL | __GFP_RETRY_MAYFAIL on restore in 6.12; page tables; shared
 * tails) and so MIGRATE_UNMOVABLE.  alloc_flags_nofragment(): when the
 * preferred zone is ZONE_NORMAL the first pass over the zonelist may not
 * split pageblocks of another type below pageblock order; only when every
 * zone failed does a second pass allow it.
 */
#include "mm/alloc.h"

static pfn_t alloc_contig_in_zone(struct zone *z, unsigned order)
{
	uint64_t n = 1ULL << order;
	pfn_t end = zone_end_pfn(z);

	for (pfn_t p = ALIGN_UP(z->zone_start_pfn, n); p + n <= end; p += n) {
		/*
		 * A range the kernel would try (pfn_range_valid_contig(): here,
		 * every page free, per-CPU lists included) gets
		 * alloc_contig_range(), which drains the zone's lists first;
		 * a zone with no such range is not drained.
		 */
		if (!buddy_range_is_free_or_pcp(&z->buddy, p, p + n))
			continue;
		buddy_drain_pcp(&z->buddy);
		if (buddy_range_is_free(&z->buddy, p, p + n)) {
			buddy_isolate_range(&z->buddy, p, p + n);
			return p;
		}
	}
	return PFN_NONE;
}

/*
 * A movable request (__GFP_MOVABLE: the highest zone allowed is
 * ZONE_MOVABLE) may take pages of the zone's CMA areas: first when they
 * hold more than half of the zone's free memory, else when the rest is
 * out.  Nothing else ever gets CMA pages.
 */
static int gfp_migratetype(const struct alloc_request *req)
{
	return req->high_zone == ZONE_MOVABLE ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE;
}

static pfn_t alloc_from_zone(struct machine *m, struct zone *z,
			     const struct alloc_request *req, unsigned alloc_flags)
{
	bool cma = req->high_zone == ZONE_MOVABLE && m->nr_cma &&
		   req->order <= z->buddy.max_order;
	pfn_t p;

	if (!z->initialized || !z->managed_pages)
		return PFN_NONE;
	if (req->order > z->buddy.max_order)
		return alloc_contig_in_zone(z, req->order);
	if (cma && cma_first(m, z)) {
		p = cma_alloc_movable(m, z, req->order);
		if (p != PFN_NONE)
			return p;
	}
	p = buddy_alloc(&z->buddy, req->order, gfp_migratetype(req), alloc_flags);
	if (p == PFN_NONE && cma)
		p = cma_alloc_movable(m, z, req->order);
	return p;
}

static pfn_t alloc_from_node(struct machine *m, int nid,
			     const struct alloc_request *req, unsigned alloc_flags)
{
	struct pglist_data *pgdat = &m->nodes[nid];

	for (int z = (int)req->high_zone; z >= 0; z--) {
		pfn_t p;
		if (z == ZONE_DEVICE)
			continue;
		p = alloc_from_zone(m, &pgdat->node_zones[z], req, alloc_flags);
		if (p != PFN_NONE)
			return p;
	}
	return PFN_NONE;
}

static pfn_t alloc_zonelist(struct machine *m, const struct alloc_request *req,
			    int first, unsigned alloc_flags)
{
	pfn_t p = alloc_from_node(m, first, req, alloc_flags);

	if (p != PFN_NONE || req->this_node)
		return p;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		if ((int)nid == first)
			continue;
		p = alloc_from_node(m, (int)nid, req, alloc_flags);
		if (p != PFN_NONE)
			return p;
	}
	return PFN_NONE;
}

/* The first zone of the zonelist that has memory (ac->preferred_zoneref). */
static const struct zone *preferred_zone(struct machine *m, int nid,
					 const struct alloc_request *req)
{
	for (int z = (int)req->high_zone; z >= 0; z--) {
		const struct zone *zone = &m->nodes[nid].node_zones[z];
		if (z != ZONE_DEVICE && zone->initialized && zone->managed_pages)
			return zone;
	}
	return NULL;
}

static unsigned alloc_flags_nofragment(struct machine *m, int nid,
				       const struct alloc_request *req)
{
	const struct zone *z = preferred_zone(m, nid, req);

	if (!z || z->idx != ZONE_NORMAL)
		return 0;
	if (m->nr_nodes > 1 && !m->nodes[nid].node_zones[ZONE_DMA32].present_pages)
		return 0;
	return ALLOC_NOFRAGMENT;
}

/*
 * drain_all_pages(NULL): every zone's per-CPU pages back to the buddy
 * lists.  The slow path does it once when direct reclaim frees nothing
 * (__alloc_pages_direct_reclaim()) and tries the zonelist again; every
 * caller here may reclaim (GFP_KERNEL, GFP_HIGHUSER_MOVABLE), nothing can
 * be reclaimed, so a request that failed gets exactly that one retry.
 * Without it pages freed to a list of another migratetype (the vmemmap
 * pages HVO frees land on MOVABLE lists) would stay out of reach while the
 * zone is full of them.  false if no list held a page.
 */
static bool drain_all_pages(struct machine *m)
{
	bool drained = false;

	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &m->nodes[nid].node_zones[zi];

			if (!z->initialized || zi == ZONE_DEVICE || !z->buddy.nr_pcp_pages)
				continue;
			buddy_drain_pcp(&z->buddy);
			drained = true;
		}
	return drained;
}

static pfn_t alloc_buddy(struct machine *m, const struct alloc_request *req)
{
	int first = req->nid == NUMA_NO_NODE ? 0 : req->nid;
	unsigned flags;
	pfn_t p;

	if (first >= (int)m->nr_nodes)
		return PFN_NONE;
	flags = req->order <= m->geo.max_order ? alloc_flags_nofragment(m, first, req) : 0;
	p = alloc_zonelist(m, req, first, flags);
	if (p == PFN_NONE && flags)
		p = alloc_zonelist(m, req, first, 0);
	if (p == PFN_NONE && drain_all_pages(m))
		p = alloc_zonelist(m, req, first, 0);
	return p;
}

static pfn_t alloc_memblock(struct machine *m, const struct alloc_request *req)
{
	uint64_t n = 1ULL << req->order;
	pfn_t p = memblock_alloc_range(&m->memblock, n, n, 0, m->max_pfn,
				       req->nid);

	if (p == PFN_NONE && req->nid != NUMA_NO_NODE && !req->this_node)
		p = memblock_alloc_range(&m->memblock, n, n, 0, m->max_pfn,
					 NUMA_NO_NODE);
	return p;
}

pfn_t alloc_frames(struct machine *m, const struct alloc_request *req)
{
	if (should_fail_alloc(&m->fault, req->site, req->order))
		return PFN_NONE;
	if (m->phase == PHASE_EARLY)
		return alloc_memblock(m, req);
	return alloc_buddy(m, req);
}

pfn_t alloc_boot_kernel_page(struct machine *m, int nid)
{
	struct alloc_request req = kernel_page_request(SITE_KERNEL, nid);

	BUG_ON(m->phase != PHASE_RUNNING);
	return alloc_buddy(m, &req);
}

/* Bottom-up from @min: the lowest aligned free run of @nr pages on @nid. */
static pfn_t memblock_fit_bottom_up(struct machine *m, uint64_t nr, uint64_t align,
				    pfn_t min, int nid)
{
	const struct memblock *mb = &m->memblock;

	for (pfn_t p = ALIGN_UP(min, align); p + nr <= m->max_pfn; p += align) {
		if (memblock_pfn_nid(mb, p) != nid || memblock_pfn_nid(mb, p + nr - 1) != nid ||
		    memblock_type_pages_in(&mb->memory, p, p + nr) != nr ||
		    memblock_type_pages_in(&mb->reserved, p, p + nr))
			continue;
		if (memblock_reserve(&m->memblock, p, nr))
			return PFN_NONE;
		return p;
	}
	return PFN_NONE;
}

pfn_t alloc_cma_area(struct machine *m, uint64_t nr, uint64_t align, int nid)
{
	pfn_t four_g = (4 * SZ_1G) >> m->geo.page_shift, p = PFN_NONE;

	if (should_fail_alloc(&m->fault, SITE_HUGETLB, ilog2_u64(nr)) || m->phase != PHASE_EARLY)
		return PFN_NONE;
	if (m->max_pfn >= four_g + nr)
		p = memblock_fit_bottom_up(m, nr, align, four_g, nid);
	if (p == PFN_NONE)
		p = memblock_alloc_range(&m->memblock, nr, align, 0, m->max_pfn, nid);
	return p;
}

pfn_t alloc_frames_cma(struct machine *m, struct cma *cma, unsigned order)
{
	if (should_fail_alloc(&m->fault, SITE_HUGETLB, order)) {
		cma->alloc_pages_fail += 1ULL << order;
		return PFN_NONE;
	}
	return cma_alloc(m, cma, order);
}

void free_frames(struct machine *m, pfn_t pfn, unsigned order)
{
	struct zone *z = page_zone(m, pfn);
	struct cma *cma = m->nr_cma ? cma_of_pfn(m, pfn) : NULL;

	BUG_ON(!z || m->phase != PHASE_RUNNING);
	if (cma) { /* a CMA page goes back to its area's free lists */
		cma_release(m, cma, pfn, order);
		return;
	}
	__free_pages(&z->buddy, pfn, order);
}

/*
 * Free the run [pfn, pfn + nr) page by page, in ascending order or (@down)
 * from its last page to its first, as free_vmemmap_page_list() and
 * free_reserved_page() do: each page goes through the per-CPU lists,
 * whose drains decide where it lands on the buddy lists.  @reserved: the
 * pages were memblock-reserved and become managed pages of their zone.
 */
static void free_run(struct machine *m, pfn_t pfn, uint64_t nr, bool reserved, bool down)
{
	pfn_t lo = pfn, hi = pfn + nr;

	while (lo < hi) {
		struct zone *z = page_zone(m, down ? hi - 1 : lo);
		pfn_t from, to;

		BUG_ON(!z);
		from = down ? MAX(lo, z->zone_start_pfn) : lo;
		to = down ? hi : MIN(hi, zone_end_pfn(z));
		if (reserved)
			z->managed_pages += to - from;
		if (down) {
			free_pages_run(&z->buddy, to - 1, to - from, -1);
			hi = from;
		} else {
			free_pages_run(&z->buddy, from, to - from, 1);
			lo = to;
		}
	}
}

void free_frames_run(struct machine *m, pfn_t pfn, uint64_t nr)
{
	BUG_ON(m->phase != PHASE_RUNNING);
	free_run(m, pfn, nr, false, false);
}

void free_frames_run_down(struct machine *m, pfn_t pfn, uint64_t nr)
{
	BUG_ON(m->phase != PHASE_RUNNING);
	free_run(m, pfn, nr, false, true);
}

static void free_reserved(struct machine *m, pfn_t pfn, uint64_t nr, bool down)
{
	if (m->phase == PHASE_EARLY) { /* still boot: back to memblock */
		BUG_ON(memblock_free(&m->memblock, pfn, nr));
		return;
	}
	/*
	 * After boot memblock is gone, as in the kernel: a reserved page
	 * becomes a managed page of its zone (MemTotal grows) and is freed.
	 */
	free_run(m, pfn, nr, true, down);
}

void free_reserved_frames(struct machine *m, pfn_t pfn, uint64_t nr)
{
	free_reserved(m, pfn, nr, false);
}

void free_reserved_frames_down(struct machine *m, pfn_t pfn, uint64_t nr)
{
	free_reserved(m, pfn, nr, true);
}
