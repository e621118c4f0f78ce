// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory hotplug (see memory_hotplug.h).  A hot-added block is one memory
 * section: 128 MiB and 512 memmap pages on x86-64.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "mm/memory_hotplug.h"
#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/sparse.h"
#include "mm/vmemmap_share_pte.h"

phys_t hotplug_default_addr(const struct machine *m, uint64_t align)
{
	pfn_t end = m->max_pfn;

	for (uint64_t s = m->nr_sections_used; s-- > 0;) {
		if (m->mem_section[s].flags & SECTION_MARKED_PRESENT) {
			end = MAX(end, section_nr_to_pfn(&m->geo, s + 1));
			break;
		}
	}
	return ALIGN_UP((phys_t)end << m->geo.page_shift, align);
}

/* Free one vmemmap frame by where it came from (once, however mapped). */
static void free_vmemmap_frame(struct machine *m, pfn_t pfn)
{
	enum frame_origin origin;

	if (frame_owner(&m->frames, pfn) != FO_VMEMMAP)
		return; /* a shared tail, or already freed through another PTE */
	origin = frame_origin(&m->frames, pfn);
	frame_release(&m->frames, pfn);
	if (origin == ORIGIN_BUDDY)
		free_frames(m, pfn, 0);
	else if (origin == ORIGIN_MEMBLOCK)
		free_reserved_frames(m, pfn, 1);
	/* altmap pages belong to the memory being removed */
}

static bool table_empty(const uint64_t *t, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (entry_present(t[i]))
			return false;
	return true;
}

void vmemmap_depopulate(struct machine *m, pfn_t pfn, uint64_t nr)
{
	const struct geometry *g = &m->geo;
	vaddr_t start = pfn_to_page_va(g, pfn), end = pfn_to_page_va(g, pfn + nr);
	uint64_t pmd_size = 1ULL << g->pmd_shift;

	start = ALIGN_DOWN(start, g->page_size);
	for (vaddr_t addr = start; addr < end;) {
		vaddr_t next = MIN(ALIGN_DOWN(addr, pmd_size) + pmd_size, end);
		struct pt_walk w;
		uint64_t *pte;

		if (vmemmap_walk_va(m, addr, &w) && !w.pmd) {
			addr = next;
			continue;
		}
		if (!w.pmd || !entry_present(*w.pmd)) {
			addr = next;
			continue;
		}
		if (pmd_shared_pte(m, *w.pmd)) {
			/* hvo_share_pte: other folios still map it; drop ours */
			vmemmap_unlink_shared_pte(m, w.pmd);
			addr = next;
			continue;
		}
		if (pmd_leaf(*w.pmd)) {
			/* populated whole: the section's memmap fills the PMD */
			BUG_ON(addr != ALIGN_DOWN(addr, pmd_size) || next - addr != pmd_size);
			for (uint64_t i = 0; i < g->ptrs_per_table; i++)
				free_vmemmap_frame(m, entry_pfn(*w.pmd) + i);
			set_pt_entry(m, w.pmd, 0);
			addr = next;
			continue;
		}
		pte = pt_table_mut(m, *w.pmd);
		for (vaddr_t a = addr; a < next; a += g->page_size) {
			uint64_t *e = &pte[pt_index(g, a, PT_PTE)];
			if (!entry_present(*e))
				continue;
			free_vmemmap_frame(m, entry_pfn(*e));
			set_pt_entry(m, e, 0);
		}
		if (table_empty(pte, g->ptrs_per_table)) {
			pfn_t t = entry_pfn(*w.pmd);
			set_pt_entry(m, w.pmd, 0);
			pgtable_free_frame(m, t);
		}
		addr = next;
	}
	flush_tlb_kernel_range(m, start, end);
}

static bool range_free_of_memory(struct machine *m, pfn_t start, uint64_t nr)
{
	for (uint64_t s = pfn_to_section_nr(&m->geo, start);
	     s <= pfn_to_section_nr(&m->geo, start + nr - 1); s++)
		if (s >= m->nr_sections || m->mem_section[s].flags)
			return false;
	return true;
}

/*
 * sparse_add_section() for one block: its memmap from the altmap (the
 * block's own first pages) or from buddy, counted in nr_memmap_pages
 * either way, as the kernel does.
 */
static int sparse_add_section(struct machine *m, uint64_t s, int nid,
			      bool memmap_on_memory)
{
	const struct geometry *g = &m->geo;
	pfn_t pfn = section_nr_to_pfn(g, s);
	uint64_t pages = section_memmap_pages(g);
	struct vmem_altmap altmap = { pfn, pages, 0 };
	int ret = vmemmap_populate(m, pfn, g->pages_per_section, nid, SITE_HOTPLUG_MEMMAP,
				   memmap_on_memory ? &altmap : NULL);

	if (ret) {
		vmemmap_depopulate(m, pfn, g->pages_per_section);
		/*
		 * Before "mm/sparse-vmemmap: fix vmemmap accounting underflow"
		 * (2026), section_deactivate() subtracted the memmap of the
		 * section whose population had just failed, though nothing
		 * had been added: 6.12 before that series drifts.
		 */
		if (gen_has(m, GEN_BUG_PRE_2026_FIXES))
			m->stat.nr_memmap_pages -= (int64_t)pages;
		return ret;
	}
	m->mem_section[s] = (struct mem_section){
		.flags = SECTION_MARKED_PRESENT | SECTION_HAS_MEM_MAP | SECTION_IS_ONLINE |
			 (memmap_on_memory ? SECTION_MEMMAP_SELF_HOSTED : 0),
		.nid = (int8_t)nid,
		.memmap_pages = (uint32_t)pages,
	};
	section_mark_present(m, s);
	m->stat.nr_memmap_pages += (int64_t)pages;
	return 0;
}

/*
 * section_deactivate(): a hot-added section's memmap came from buddy
 * (depopulate_section_memmap(), nr_memmap_pages), a boot section's from
 * memblock (free_map_bootmem(), nr_memmap_boot_pages; its pages become
 * managed memory).  free_map_bootmem() forgot the counter until "mm: fix
 * accounting of memmap pages for early sections" (2025, Fixes
 * 15995a352474): nr_memmap_boot_pages stayed 512 pages high per removed
 * boot section.
 */
static void sparse_remove_section(struct machine *m, uint64_t s)
{
	const struct geometry *g = &m->geo;
	struct mem_section *ms = &m->mem_section[s];

	vmemmap_depopulate(m, section_nr_to_pfn(g, s), g->pages_per_section);
	if (!(ms->flags & SECTION_IS_EARLY))
		m->stat.nr_memmap_pages -= ms->memmap_pages;
	else if (!gen_has(m, GEN_BUG_BOOT_MEMMAP_REMOVE))
		m->stat.nr_memmap_boot_pages -= ms->memmap_pages;
	memset(ms, 0, sizeof(*ms));
}

/* [start, end) widened to take in zone @z's span, if it has one. */
static void zone_span_with(const struct zone *z, pfn_t *start, pfn_t *end)
{
	if (!z->spanned_pages)
		return;
	*start = MIN(z->zone_start_pfn, *start);
	*end = MAX(zone_end_pfn(z), *end);
}

/*
 * Would zone @zt of @nid, grown to take in [start, end), overlap another
 * zone of the node?  The kernel allows it (a page's zone is in its flags);
 * here a pfn's zone is found by span, so such an add is refused.
 */
static const char *zone_grow_overlaps(struct machine *m, int nid, enum zone_type zt,
				      pfn_t start, pfn_t end)
{
	zone_span_with(&m->nodes[nid].node_zones[zt], &start, &end);
	for (unsigned z = 0; z < ZONE_DEVICE; z++) {
		const struct zone *o = &m->nodes[nid].node_zones[z];
		if (z != zt && o->spanned_pages && o->zone_start_pfn < end &&
		    zone_end_pfn(o) > start)
			return zone_name((enum zone_type)z);
	}
	return NULL;
}

/* Grow @nid's zone @zt (and the node) to span [start, end). */
static int resize_zone_for(struct machine *m, int nid, enum zone_type zt, pfn_t start,
			   pfn_t end)
{
	struct pglist_data *pgdat = &m->nodes[nid];
	struct zone *z = &pgdat->node_zones[zt];
	pfn_t zs = start, ze = end;
	int ret;

	zone_span_with(z, &zs, &ze);

	ret = z->initialized ? buddy_resize(&z->buddy, zs, ze)
			     : buddy_init(&z->buddy, zs, ze, m->geo.max_order,
					  pageblock_order(m), MIGRATE_MOVABLE);
	if (ret)
		return ret;
	z->initialized = true;
	z->nid = nid;
	z->idx = zt;
	z->zone_start_pfn = zs;
	z->spanned_pages = ze - zs;
	if (!pgdat->node_spanned_pages) {
		pgdat->node_start_pfn = start;
		pgdat->node_spanned_pages = end - start;
	} else {
		pfn_t ns = MIN(pgdat->node_start_pfn, start);
		pfn_t ne = MAX(pgdat->node_start_pfn + pgdat->node_spanned_pages, end);
		pgdat->node_start_pfn = ns;
		pgdat->node_spanned_pages = ne - ns;
	}
	pgdat->online = true;
	return 0;
}

int add_memory(struct machine *m, int nid, phys_t start, uint64_t size,
	       bool memmap_on_memory, enum zone_type zt, char *err, size_t errlen)
{
	const char *overlap;
	const struct geometry *g = &m->geo;
	uint64_t block = 1ULL << g->section_shift;
	pfn_t pfn = start >> g->page_shift;
	uint64_t nr = size >> g->page_shift, first = pfn_to_section_nr(g, pfn);
	uint64_t nsec = size / block, done = 0, altmap_pages = 0;
	struct zone *z;
	int ret = 0;

	if (!size || size % block || start % block) {
		snprintf(err, errlen, "hotplug: address and size must be multiples of the %llu MiB memory block",
			 (unsigned long long)(block >> 20));
		return -EINVAL;
	}
	if (nid < 0 || (unsigned)nid >= m->nr_nodes) {
		snprintf(err, errlen, "hotplug: node %d does not exist", nid);
		return -EINVAL;
	}
	if (pfn_to_section_nr(g, pfn + nr - 1) >= m->nr_sections ||
	    !range_free_of_memory(m, pfn, nr)) {
		snprintf(err, errlen, "hotplug: [%#llx, %#llx) overlaps memory or lies beyond 64 TiB",
			 (unsigned long long)start, (unsigned long long)(start + size));
		return -EINVAL;
	}
	if (memmap_on_memory && (g->page_size != 4096 || !g->struct_page_pow2)) {
		snprintf(err, errlen, "hotplug: memmap_on_memory needs 4K pages and a 64-byte struct page here");
		return -EINVAL;
	}
	BUG_ON(zt != ZONE_NORMAL && zt != ZONE_MOVABLE);
	overlap = zone_grow_overlaps(m, nid, zt, pfn, pfn + nr);
	if (overlap) {
		snprintf(err, errlen, "hotplug: [%#llx, %#llx) in %s would make it overlap %s of node %d; add it %s",
			 (unsigned long long)start, (unsigned long long)(start + size), zone_name(zt),
			 overlap, nid, zt == ZONE_MOVABLE ? "above the node's other memory" : "movable");
		return -EINVAL;
	}
	for (; done < nsec; done++) {
		ret = sparse_add_section(m, first + done, nid, memmap_on_memory);
		if (ret)
			break;
	}
	if (ret) { /* roll back the blocks already added */
		while (done-- > 0)
			sparse_remove_section(m, first + done);
		snprintf(err, errlen, "out of memory for the memmap: nothing was added");
		return -ENOMEM;
	}
	if (memblock_add_node(&m->memblock, pfn, nr, nid) || resize_zone_for(m, nid, zt, pfn, pfn + nr)) {
		snprintf(err, errlen, "host out of memory");
		return -ENOMEM;
	}
	/* online_pages(): everything but the self-hosted memmap is managed. */
	z = &m->nodes[nid].node_zones[zt];
	if (memmap_on_memory)
		altmap_pages = section_memmap_pages(g);
	for (uint64_t s = 0; s < nsec; s++) {
		pfn_t b = section_nr_to_pfn(g, first + s);
		buddy_free_range(&z->buddy, b + altmap_pages, b + g->pages_per_section);
		z->managed_pages += g->pages_per_section - altmap_pages;
	}
	z->present_pages += nr;
	m->nodes[nid].node_present_pages += nr;
	return 0;
}

static bool list_overlaps(const struct folio_list *fl, unsigned order, pfn_t start,
			  pfn_t end)
{
	for (uint64_t k = 0; k < fl->nr; k++)
		if (fl->v[k].pfn < end && fl->v[k].pfn + (1ULL << order) > start)
			return true;
	return false;
}

/* Does any huge page of the pool lie in [start, end): free, or in use? */
static bool huge_pages_in(struct machine *m, pfn_t start, pfn_t end, bool in_use)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		if (in_use && (list_overlaps(&h->inuse, h->order, start, end) ||
			       list_overlaps(&h->deferred, h->order, start, end)))
			return true;
		for (unsigned nid = 0; !in_use && nid < MAX_NUMNODES; nid++)
			if (list_overlaps(&h->freelists[nid], h->order, start, end))
				return true;
	}
	return false;
}

/* Pages at the start of section @s that host its own memmap. */
static uint64_t self_hosted_pages(const struct machine *m, uint64_t s)
{
	return (m->mem_section[s].flags & SECTION_MEMMAP_SELF_HOSTED)
		       ? section_memmap_pages(&m->geo) : 0;
}

int remove_memory(struct machine *m, phys_t start, uint64_t size, char *err,
		  size_t errlen)
{
	const struct geometry *g = &m->geo;
	uint64_t block = 1ULL << g->section_shift;
	pfn_t pfn = start >> g->page_shift;
	uint64_t nr = size >> g->page_shift, first = pfn_to_section_nr(g, pfn);
	uint64_t nsec = size / block;
	struct zone *z;
	int nid, ret;

	if (!size || size % block || start % block) {
		snprintf(err, errlen, "hotplug: address and size must be multiples of the %llu MiB memory block",
			 (unsigned long long)(block >> 20));
		return -EINVAL;
	}
	for (uint64_t s = first; s < first + nsec; s++) {
		const struct mem_section *ms = s < m->nr_sections ? &m->mem_section[s] : NULL;
		if (!ms || !(ms->flags & SECTION_MARKED_PRESENT) || !(ms->flags & SECTION_HAS_MEM_MAP) ||
		    (ms->flags & (SECTION_VMEMMAP_PREINIT | SECTION_IS_DEVICE)) ||
		    section_vmemmap_order(m, ms) ||
		    ms->nid != m->mem_section[first].nid) {
			snprintf(err, errlen, "hotplug: [%#llx, %#llx) is not memory of one node with its own memmap",
				 (unsigned long long)start, (unsigned long long)(start + size));
			return -EINVAL;
		}
	}
	nid = m->mem_section[first].nid;
	z = page_zone(m, pfn);
	/* boot memory may have holes or span two zones: refuse those */
	if (memblock_type_pages_in(&m->memblock.memory, pfn, pfn + nr) != nr ||
	    !z || page_zone(m, pfn + nr - 1) != z) {
		snprintf(err, errlen, "hotplug: [%#llx, %#llx) has holes or spans two zones",
			 (unsigned long long)start, (unsigned long long)(start + size));
		return -EINVAL;
	}
	/* Huge pages in use would be migrated: not modelled. */
	if (huge_pages_in(m, pfn, pfn + nr, true)) {
		snprintf(err, errlen, "hotplug: huge pages in use in [%#llx, %#llx): unmap them first",
			 (unsigned long long)start, (unsigned long long)(start + size));
		return -EBUSY;
	}
	/* offline_pages(): free huge pages are dissolved into the buddy. */
	ret = dissolve_free_hugetlb_folios(m, pfn, pfn + nr);
	if (ret) {
		snprintf(err, errlen, "hotplug: dissolving the free huge pages of [%#llx, %#llx) failed: %s",
			 (unsigned long long)start, (unsigned long long)(start + size),
			 ret == -ENOMEM ? "out of memory for their vmemmap" : "every free page is reserved");
		return -EBUSY;
	}
	/*
	 * A huge page still there was dissolved and came back to its free
	 * list (GEN_BUG_DISSOLVE_CLEAR_FLAG): offline_pages() would dissolve
	 * it again and again until a signal stops it.
	 */
	if (huge_pages_in(m, pfn, pfn + nr, false)) {
		snprintf(err, errlen, "hotplug: a dissolved huge page in [%#llx, %#llx) went back to its pool: "
			 "offline_pages retries until interrupted",
			 (unsigned long long)start, (unsigned long long)(start + size));
		return -EBUSY;
	}
	/* offline_pages(): zone_pcp_disable() drains, then every managed page must be free. */
	buddy_drain_pcp(&z->buddy);
	for (uint64_t s = first; s < first + nsec; s++) {
		pfn_t b = section_nr_to_pfn(g, s);
		uint64_t self = self_hosted_pages(m, s);
		if (!buddy_range_is_free(&z->buddy, b + self, b + g->pages_per_section)) {
			snprintf(err, errlen, "hotplug: memory in [%#llx, %#llx) is in use",
				 (unsigned long long)start, (unsigned long long)(start + size));
			return -EBUSY;
		}
	}
	for (uint64_t s = first; s < first + nsec; s++) {
		pfn_t b = section_nr_to_pfn(g, s);
		uint64_t self = self_hosted_pages(m, s);
		buddy_isolate_range(&z->buddy, b + self, b + g->pages_per_section);
		z->managed_pages -= g->pages_per_section - self;
		sparse_remove_section(m, s);
	}
	z->present_pages -= nr;
	m->nodes[nid].node_present_pages -= nr;
	BUG_ON(memblock_remove(&m->memblock, pfn, nr));
	return 0;
}
