// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory initialization at boot, as mm/mm_init.c does it: free_area_init()
 * gives nodes and zones their spans and present pages, memblock_free_all()
 * hands every page memblock did not reserve to the buddy allocator.
 * (memmap_init() is in sparse.c, next to the lazy memmap it accounts.)
 */
#include "mm/hugetlb_vmemmap.h"
#include "mm/mm_init.h"

/* Zone ranges by address (x86-64), in pfns. */
static void arch_zone_limits(const struct geometry *g, pfn_t *dma_end,
			     pfn_t *dma32_end)
{
	*dma_end = (16 * SZ_1M) >> g->page_shift;
	*dma32_end = (4 * SZ_1G) >> g->page_shift;
}

/* First pfn of ZONE_MOVABLE on @nid (node end when none). */
static pfn_t zone_movable_start(struct machine *m, int nid, pfn_t node_start,
				pfn_t node_end, pfn_t normal_start)
{
	uint64_t total = global_present_pages_memblock(m);
	uint64_t node_pages, want;
	pfn_t start;

	if (!m->cfg.movablecore_bytes || node_end <= normal_start)
		return node_end;
	node_pages = memblock_type_pages_in(&m->memblock.memory, node_start, node_end);
	want = (m->cfg.movablecore_bytes >> m->geo.page_shift) * node_pages / total;
	start = node_end > want ? node_end - want : 0;
	start = ALIGN_UP(start, 1ULL << m->geo.max_order);
	(void)nid;
	return MAX(start, normal_start);
}

static void node_span(struct machine *m, int nid, pfn_t *start, pfn_t *end)
{
	const struct memblock_type *mem = &m->memblock.memory;

	*start = PFN_NONE;
	*end = 0;
	for (uint64_t i = 0; i < mem->cnt; i++) {
		if (mem->regions[i].nid != nid)
			continue;
		*start = MIN(*start, mem->regions[i].base);
		*end = MAX(*end, mem->regions[i].base + mem->regions[i].size);
	}
}

static void init_zone(struct machine *m, struct pglist_data *pgdat,
		      enum zone_type zt, pfn_t start, pfn_t end)
{
	struct zone *z = &pgdat->node_zones[zt];

	z->nid = pgdat->node_id;
	z->idx = zt;
	if (start >= end) {
		z->zone_start_pfn = 0;
		z->spanned_pages = 0;
		return;
	}
	z->zone_start_pfn = start;
	z->spanned_pages = end - start;
	z->present_pages = memblock_type_pages_in(&m->memblock.memory, start, end);
}

/* free_area_init(): node and zone spans and present pages. */
void free_area_init(struct machine *m)
{
	pfn_t dma_end, dma32_end;

	arch_zone_limits(&m->geo, &dma_end, &dma32_end);
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];
		pfn_t s, e, mov;

		pgdat->node_id = (int)nid;
		node_span(m, (int)nid, &s, &e);
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			pgdat->node_zones[z].nid = (int)nid;
			pgdat->node_zones[z].idx = (enum zone_type)z;
		}
		if (s == PFN_NONE)
			continue; /* memoryless node */
		pgdat->online = true;
		pgdat->node_start_pfn = s;
		pgdat->node_spanned_pages = e - s;
		pgdat->node_present_pages =
			memblock_type_pages_in(&m->memblock.memory, s, e);
		mov = zone_movable_start(m, (int)nid, s, e, MAX(s, dma32_end));
		init_zone(m, pgdat, ZONE_DMA, s, MIN(e, dma_end));
		init_zone(m, pgdat, ZONE_DMA32, MAX(s, dma_end), MIN(e, dma32_end));
		init_zone(m, pgdat, ZONE_NORMAL, MAX(s, dma32_end), MIN(e, mov));
		init_zone(m, pgdat, ZONE_MOVABLE, MAX(s, mov), e);
	}
}

static pfn_t first_deferred_pfn(struct machine *m, const struct pglist_data *pgdat);
static void deferred_pageblock_types(struct machine *m, pfn_t first, pfn_t end);

/* memblock_free_all(): everything not reserved goes to the buddy allocator. */
int memblock_free_all(struct machine *m)
{
	const struct memblock_type *mem = &m->memblock.memory;
	const struct memblock_type *rsv = &m->memblock.reserved;

	if (memblock_copy(&m->boot_reserved, rsv))
		return -ENOMEM;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &m->nodes[nid].node_zones[zi];
			if (!z->spanned_pages)
				continue;
			if (buddy_init(&z->buddy, z->zone_start_pfn,
				       zone_end_pfn(z), m->geo.max_order,
				       pageblock_order(m), MIGRATE_MOVABLE))
				return -ENOMEM;
			z->initialized = true;
		}
	}
	/* before the frees: deferred_free_pages() frees to these types */
	if (m->cfg.deferred_struct_page_init)
		for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
			const struct pglist_data *pgdat = &m->nodes[nid];
			if (pgdat->online)
				deferred_pageblock_types(m, first_deferred_pfn(m, pgdat),
							 pgdat->node_start_pfn + pgdat->node_spanned_pages);
		}
	m->phase = PHASE_RUNNING;
	for (uint64_t i = 0; i < mem->cnt; i++) {
		pfn_t p = mem->regions[i].base, end = p + mem->regions[i].size;
		while (p < end) {
			struct zone *z = page_zone(m, p);
			pfn_t chunk_end = MIN(end, zone_end_pfn(z));
			pfn_t q = p;
			/* Walk the reserved gaps inside [p, chunk_end). */
			while (q < chunk_end) {
				pfn_t r_end;
				if (memblock_type_contains(rsv, q)) {
					/* skip to the end of this reserved region */
					uint64_t lo = 0, hi = rsv->cnt;
					while (lo < hi) {
						uint64_t mid = (lo + hi) / 2;
						if (rsv->regions[mid].base + rsv->regions[mid].size <= q)
							lo = mid + 1;
						else
							hi = mid;
					}
					q = MIN(chunk_end, rsv->regions[lo].base + rsv->regions[lo].size);
					continue;
				}
				r_end = chunk_end;
				for (uint64_t k = 0; k < rsv->cnt; k++) {
					if (rsv->regions[k].base > q) {
						r_end = MIN(r_end, rsv->regions[k].base);
						break;
					}
				}
				buddy_free_range(&z->buddy, q, r_end);
				z->managed_pages += r_end - q;
				q = r_end;
			}
			p = chunk_end;
		}
	}
	return 0;
}

/*
 * CONFIG_DEFERRED_STRUCT_PAGE_INIT.  memmap_init() writes the struct pages
 * of the low zones and of the first section of each node's highest zone;
 * from the next section boundary (pgdat->first_deferred_pfn, set by
 * defer_init()) it stops, and deferred_init_memmap() writes the free pages
 * there later, in page_alloc_init_late(), which hvo runs at the end of
 * boot.  Memblock-reserved pages in the deferred range are written at boot
 * by memmap_init_reserved_pages(), except those marked NOINIT: the
 * boot-time gigantic pages HVO will optimize (fde1c4ecf916 "mm: hugetlb:
 * skip initialization of gigantic tail struct pages if freed by HVO", 6.7),
 * whose struct pages HugeTLB writes itself, only the ones in the head
 * vmemmap page (page_size / sizeof(struct page) of them).  In the generic
 * design memmap_init never counted the shared tails of those pages.
 *
 * Counted, not timed: memmap_init_boot_pages and memmap_init_deferred_pages.
 */
static pfn_t first_deferred_pfn(struct machine *m, const struct pglist_data *pgdat)
{
	pfn_t end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
	uint64_t pps = m->geo.pages_per_section;

	for (int z = ZONE_MOVABLE; z >= 0; z--) {
		const struct zone *zone = &pgdat->node_zones[z];
		if (!zone->spanned_pages || zone_end_pfn(zone) != end)
			continue;
		/* defer_init(): past PAGES_PER_SECTION pages, at a section boundary */
		return MIN(end, ALIGN_UP(zone->zone_start_pfn + pps, pps));
	}
	return end;
}

/* Struct pages of boot-time huge pages in [start, end) that boot skips. */
static uint64_t bootmem_noinit_pages(struct machine *m, pfn_t start, pfn_t end)
{
	uint64_t n = 0;

	if (gen_has(m, GEN_BUG_INIT_HVO_TAILS) || gen_has(m, GEN_SECTION_ORDER))
		return 0;
	for (uint64_t i = 0; i < m->nr_bootmem_pages; i++) {
		const struct huge_bootmem_page *b = &m->bootmem_pages[i];
		unsigned order = m->hstates[b->hidx].order;
		if (b->pfn < start || b->pfn >= end || !m->vmemmap_optimize_enabled ||
		    !hugetlb_vmemmap_optimizable_size(m, order))
			continue;
		n += (1ULL << order) - m->geo.spp;
	}
	return n;
}

/*
 * The pageblock types deferred_init_memmap() leaves in the deferred range.
 * memmap_init_range() marks every pageblock MIGRATE_MOVABLE, but it stops
 * at first_deferred_pfn; past it only deferred_free_pages() marks them, at
 * the pageblock-aligned pfns of the free ranges it hands to the buddy
 * allocator.  memmap_init_reserved_pages() marks none, and the section
 * usemap is zeroed memblock memory, so a pageblock whose first pfn is
 * memblock-reserved at boot (the boot-time gigantic pages, the memmap,
 * the kernel image) stays MIGRATE_UNMOVABLE (0): 1021 of ZONE_NORMAL's
 * 1536 pageblocks on the 6 GiB qemu-pc guest of oracle case i, Debian
 * 6.12.113 (/proc/pagetypeinfo).  The vmemmap HVO frees from those pages
 * then goes to the unmovable lists, out of reach of movable allocations.
 */
static void deferred_pageblock_types(struct machine *m, pfn_t first, pfn_t end)
{
	uint64_t pb = 1ULL << pageblock_order(m);

	for (pfn_t p = ALIGN_UP(first, pb); p < end; p += pb) {
		struct zone *z = page_zone(m, p);
		if (!z || !z->initialized || z->idx == ZONE_DEVICE)
			continue;
		if (memblock_type_contains(&m->memblock.memory, p) &&
		    !memblock_type_contains(&m->boot_reserved, p))
			continue;
		set_pageblock_range_migratetype(&z->buddy, p, MIN(p + pb, zone_end_pfn(z)),
						MIGRATE_UNMOVABLE);
	}
}

void deferred_init_memmap(struct machine *m)
{
	uint64_t deferred = 0, skipped = 0;

	if (m->cfg.deferred_struct_page_init) {
		for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
			const struct pglist_data *pgdat = &m->nodes[nid];
			pfn_t end = pgdat->node_start_pfn + pgdat->node_spanned_pages;
			pfn_t first = first_deferred_pfn(m, pgdat);
			uint64_t present, reserved;

			if (!pgdat->online || first >= end)
				continue;
			present = memblock_type_pages_in(&m->memblock.memory, first, end);
			reserved = memblock_type_pages_in(&m->boot_reserved, first, end);
			deferred += present - MIN(present, reserved);
			skipped += bootmem_noinit_pages(m, first, end);
		}
	}
	m->stat.memmap_init_deferred_pages = deferred;
	m->stat.memmap_init_boot_pages = m->stat.memmap_init_pages - deferred - skipped;
}
