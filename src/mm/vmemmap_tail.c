// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shared tail pages of the fake-head-free designs: per zone and folio
 * order, one read-only vmemmap page full of identical tail struct pages
 * that every optimized folio of that order in the zone maps its tails
 * onto.  It is allocated, filled and published by compare-and-swap on
 * first use, so two CPUs optimizing at once agree on one page.  The orders
 * that have one, and how much a folio of each order frees, are here too.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"

/* ---- constants ---- */

unsigned vmemmap_tail_min_order(const struct geometry *g)
{
	return ilog2_u64(2ULL * g->spp);
}

unsigned max_folio_order(const struct geometry *g)
{
	return 34 - g->page_shift; /* ilog2(16 GiB) - PAGE_SHIFT */
}

uint64_t hugetlb_vmemmap_optimizable_size(const struct machine *m,
					  unsigned order)
{
	uint64_t bytes = vmemmap_bytes_for_order(&m->geo, order);

	if (!hugetlb_vmemmap_configured(m)) /* arm64, s390, powerpc */
		return 0;
	if (!m->geo.struct_page_pow2 || bytes <= m->geo.page_size)
		return 0;
	if (gen_has(m, GEN_SHARED_TAILS) &&
	    (order < vmemmap_tail_min_order(&m->geo) || order > max_folio_order(&m->geo)))
		return 0;
	return bytes - m->geo.page_size;
}

/* ================= shared-tail and generic ================= */

void init_compound_tail_page(struct machine *m, unsigned order, int nid,
			     enum zone_type zone, uint8_t *out)
{
	struct page_struct ps;

	memset(&ps, 0, sizeof(ps));
	ps.flags = page_flags_node_zone(nid, zone);
	ps.compound_info = encode_tail_mask(&m->geo, order);
	ps.mapping = TAIL_MAPPING;
	ps.mapcount = -1;
	page_struct_encode(&m->geo, &ps, out);
}

pfn_t vmemmap_shared_tail_page(struct machine *m, unsigned order,
			       struct zone *zone)
{
	const struct geometry *g = &m->geo;
	unsigned idx = order - vmemmap_tail_min_order(g);
	struct alloc_request req = kernel_page_request(SITE_SHARED_TAIL, zone->nid);
	pfn_t t, won;
	uint8_t *bytes;

	if (order < vmemmap_tail_min_order(g) || idx >= NR_VMEMMAP_TAILS_MAX ||
	    order > max_folio_order(g)) {
		hvo_warn(__FILE__, __LINE__, __func__, "no shared tail for this order");
		return PFN_NONE;
	}
	t = atomic_load(&zone->vmemmap_tails[idx]);
	if (t)
		return t;
	mm_lock(m);
	t = alloc_frames(m, &req);
	if (t != PFN_NONE && frame_claim(&m->frames, t, FO_SHARED_TAIL,
					 m->phase == PHASE_EARLY ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	mm_unlock(m);
	if (t == PFN_NONE)
		return PFN_NONE;
	bytes = frame_bytes(&m->frames, t);
	for (unsigned i = 0; i < g->spp; i++)
		init_compound_tail_page(m, order, zone->nid, zone->idx,
					bytes + i * g->struct_page_size);
	won = vmemmap_publish_shared(m, &zone->vmemmap_tails[idx], t,
				     &m->stat.nr_shared_tail_races_lost, zone, order);
	if (won != t)
		return won;
	__atomic_fetch_add(&m->stat.nr_shared_tail_pages, 1, __ATOMIC_RELAXED);
	return t;
}

pfn_t vmemmap_publish_shared(struct machine *m, _Atomic pfn_t *slot, pfn_t t,
			     uint64_t *races_lost, struct zone *zone, unsigned order)
{
	pfn_t expected = 0;

	if (m->before_tail_publish) /* test seam: widen the race window */
		m->before_tail_publish(m, zone, order);
	/* Publish; the compare-and-swap orders the initialization before it. */
	if (atomic_compare_exchange_strong(slot, &expected, t))
		return t;
	BUG_ON(m->phase == PHASE_EARLY); /* races happen at run time only */
	__atomic_fetch_add(races_lost, 1, __ATOMIC_RELAXED);
	mm_lock(m);
	frame_release(&m->frames, t);
	free_frames(m, t, 0);
	mm_unlock(m);
	return expected;
}
