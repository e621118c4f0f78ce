// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sparse vmemmap: sections, population, memmap_init (see sparse.h).
 *
 * Laziness: a vmemmap page populated here is claimed as a lazy frame that
 * remembers its vmemmap page index.  Its bytes are generated on the first
 * access through the MMU by running init_single_page() for every struct page
 * it holds, which is exactly what memmap_init() would have written.  A
 * freshly booted 1 TiB machine therefore costs host memory only for the
 * frames anything has touched, yet every struct page reads back correctly.
 * Generation is refused during early boot, because the canonical contents
 * are those after memblock_free_all().
 */
#include <string.h>

#include "mm/alloc.h"
#include "arch/mmu.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/sparse.h"
#include "mm/vmemmap_share_pte.h"

void memblocks_present(struct machine *m)
{
	const struct memblock_type *mem = &m->memblock.memory;

	for (uint64_t i = 0; i < mem->cnt; i++) {
		const struct memblock_region *r = &mem->regions[i];
		uint64_t first = pfn_to_section_nr(&m->geo, r->base);
		uint64_t last = pfn_to_section_nr(&m->geo, r->base + r->size - 1);

		for (uint64_t s = first; s <= last; s++) {
			struct mem_section *ms = &m->mem_section[s];
			if (!(ms->flags & SECTION_MARKED_PRESENT))
				ms->nid = (int8_t)r->nid;
			ms->flags |= SECTION_IS_EARLY;
			section_mark_present(m, s);
		}
	}
}

static uint64_t va_to_vpage(const struct geometry *g, vaddr_t va)
{
	return (va - g->vmemmap_start) >> g->page_shift;
}

static enum frame_origin origin_for(const struct machine *m,
				     const struct vmem_altmap *altmap)
{
	if (altmap)
		return ORIGIN_ALTMAP;
	return m->phase == PHASE_EARLY ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY;
}

/*
 * vmemmap_alloc_block_buf(): 2^order pages from the altmap when there is
 * one, else from memblock or buddy; both through the choke point's policy.
 */
static pfn_t vmemmap_alloc_block(struct machine *m, unsigned order, int nid,
				 enum alloc_site site, struct vmem_altmap *altmap)
{
	struct alloc_request req = kernel_page_request(site, nid);
	uint64_t n = 1ULL << order;
	pfn_t p;

	if (!altmap) {
		req.order = order;
		return alloc_frames(m, &req);
	}
	if (should_fail_alloc(&m->fault, site, order))
		return PFN_NONE;
	p = ALIGN_UP(altmap->base_pfn + altmap->alloc, n);
	if (p + n > altmap->base_pfn + altmap->free)
		return PFN_NONE;
	altmap->alloc = p + n - altmap->base_pfn;
	return p;
}

static void claim_vmemmap_frame(struct machine *m, pfn_t pfn, vaddr_t va,
				const struct vmem_altmap *altmap)
{
	if (frame_claim_lazy(&m->frames, pfn, FO_VMEMMAP, origin_for(m, altmap),
			     va_to_vpage(&m->geo, va))) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
}

/* Map one base page at @va if it is not mapped yet. */
static int vmemmap_pte_populate(struct machine *m, vaddr_t va, int nid,
				enum alloc_site site, struct vmem_altmap *altmap)
{
	uint64_t *pte = vmemmap_pte_alloc(m, va, nid);
	pfn_t pfn;

	if (!pte)
		return -ENOMEM;
	if (entry_present(*pte))
		return 0;
	pfn = vmemmap_alloc_block(m, 0, nid, site, altmap);
	if (pfn == PFN_NONE)
		return -ENOMEM;
	claim_vmemmap_frame(m, pfn, va, altmap);
	set_pt_entry(m, pte, mk_pte(pfn, true));
	return 0;
}

static int vmemmap_populate_basepages(struct machine *m, vaddr_t start,
				      vaddr_t end, int nid, enum alloc_site site,
				      struct vmem_altmap *altmap)
{
	for (vaddr_t va = ALIGN_DOWN(start, m->geo.page_size); va < end;
	     va += m->geo.page_size) {
		int ret = vmemmap_pte_populate(m, va, nid, site, altmap);
		if (ret)
			return ret;
	}
	return 0;
}

/* Try one PMD block at @va; 1 if mapped (now or before), 0 to fall back. */
static int vmemmap_pmd_populate(struct machine *m, vaddr_t va, int nid,
				enum alloc_site site, struct vmem_altmap *altmap)
{
	const struct geometry *g = &m->geo;
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);
	pfn_t block;

	if (!pmd)
		return -ENOMEM;
	if (entry_present(*pmd))
		return pmd_leaf(*pmd) ? 1 : 0;
	block = vmemmap_alloc_block(m, g->pmd_shift - g->page_shift, nid, site, altmap);
	if (block == PFN_NONE)
		return 0; /* x86 falls back to base pages */
	if (frame_claim_lazy_run(&m->frames, block, g->ptrs_per_table, FO_VMEMMAP,
				 origin_for(m, altmap), va_to_vpage(g, va))) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	set_pt_entry(m, pmd, mk_pmd_leaf(block, true));
	return 1;
}

unsigned section_vmemmap_order(const struct machine *m, const struct mem_section *ms)
{
	const struct geometry *g = &m->geo;

	if (!gen_has(m, GEN_SECTION_ORDER) || !g->struct_page_pow2 ||
	    ms->order < vmemmap_tail_min_order(g) || ms->order > max_folio_order(g))
		return 0;
	return ms->order;
}

uint64_t section_nr_vmemmap_pages(const struct machine *m, uint64_t s)
{
	const struct geometry *g = &m->geo;
	unsigned order = section_vmemmap_order(m, &m->mem_section[s]);

	if (!order)
		return section_memmap_pages(g);
	if ((1ULL << order) < g->pages_per_section)
		return g->pages_per_section >> order; /* one head page per compound */
	return IS_ALIGNED(section_nr_to_pfn(g, s), 1ULL << order) ? 1 : 0;
}

/* hvo_share_pte: point the tails-only PMD at @va at the shared table. */
static int vmemmap_pmd_share(struct machine *m, vaddr_t va, pfn_t table, int nid)
{
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);

	if (!pmd)
		return -ENOMEM;
	if (!entry_present(*pmd))
		vmemmap_share_pte_range(m, va, va + (1ULL << m->geo.pmd_shift), table,
					NULL, true);
	return 0;
}

/*
 * Generic design: the vmemmap of [start, end), inside one section that
 * holds compound pages of @order in @zone, mapped PTE by PTE as the
 * section's order says: the first vmemmap page of each compound a private
 * page (allocated as any vmemmap page), read-write; every other one the
 * zone's shared tail for @order, read-only from the start.  A PTE already
 * present is left alone, so a compound that spans sections is populated
 * the same whichever section asks first.  Device memory keeps a private
 * PTE table per PMD (hvo_share_pte is HugeTLB's).
 */
static int vmemmap_populate_compound_pages(struct machine *m, vaddr_t start,
					   vaddr_t end, unsigned order,
					   struct zone *zone, enum alloc_site site)
{
	const struct geometry *g = &m->geo;
	uint64_t cbytes = vmemmap_bytes_for_order(g, order), pmd_size = 1ULL << g->pmd_shift;
	pfn_t tail = vmemmap_shared_tail_page(m, order, zone), table = PFN_NONE;
	int nid = zone->nid;
	uint64_t *pte = NULL; /* the entry of the page before, if its table is va's */

	if (tail == PFN_NONE)
		return -ENOMEM;
	if (zone->idx != ZONE_DEVICE && vmemmap_share_pte_order(m, order)) {
		table = vmemmap_shared_pte_table(m, order, zone);
		if (table == PFN_NONE)
			return -ENOMEM;
	}
	for (vaddr_t va = ALIGN_DOWN(start, g->page_size); va < end; va += g->page_size) {
		vaddr_t head = g->vmemmap_start + ALIGN_DOWN(va - g->vmemmap_start, cbytes);
		int ret;

		if (va == head) {
			pte = NULL;
			ret = vmemmap_pte_populate(m, va, nid, site, NULL);
			if (ret)
				return ret;
			continue;
		}
		if (table != PFN_NONE && IS_ALIGNED(va, pmd_size) &&
		    va + pmd_size <= MIN(head + cbytes, end)) {
			pte = NULL;
			ret = vmemmap_pmd_share(m, va, table, nid);
			if (ret)
				return ret;
			va += pmd_size - g->page_size;
			continue;
		}
		if (IS_ALIGNED(va, pmd_size) && va + pmd_size <= MIN(head + cbytes, end)) {
			uint64_t *pmd = vmemmap_pte_table_alloc(m, va, nid), v;

			if (!pmd)
				return -ENOMEM;
			if (pte_table_alike(m, *pmd, &v) && !entry_present(v)) {
				/* a table of tails with none present yet: all written at once */
				set_pte_table_fill(m, *pmd, mk_pte(tail, false));
				pte = NULL;
				va += pmd_size - g->page_size;
				continue;
			}
		}
		/* walk once per PTE table; inside one, the next entry follows */
		if (pte && !IS_ALIGNED(va, pmd_size))
			pte++;
		else
			pte = vmemmap_pte_alloc(m, va, nid);
		if (!pte)
			return -ENOMEM;
		if (!entry_present(*pte))
			set_pt_entry(m, pte, mk_pte(tail, false));
		pte_written(m, va); /* a table done: host bytes; the next va walks again */
	}
	return 0;
}

/* The section at @va's memmap: its recorded order and zone, or 0. */
static unsigned va_section_order(struct machine *m, vaddr_t va, struct zone **zone)
{
	const struct geometry *g = &m->geo;
	pfn_t pfn = (va - g->vmemmap_start) / g->struct_page_size;
	const struct mem_section *ms = __pfn_to_section(m, pfn);
	unsigned order = ms ? section_vmemmap_order(m, ms) : 0;

	if (order)
		*zone = &m->nodes[ms->nid].node_zones[ms->zone];
	return order;
}

static int __vmemmap_populate(struct machine *m, vaddr_t start, vaddr_t end,
			      int nid, enum alloc_site site, struct vmem_altmap *altmap);

/*
 * vmemmap_populate(): the generic design asks each section what it holds
 * (section_vmemmap_order()); sections without an optimizable order, and
 * every section in the other designs or with an altmap, get the plain
 * mapping.
 */
int vmemmap_populate(struct machine *m, pfn_t start_pfn, uint64_t nr_pages,
		     int nid, enum alloc_site site, struct vmem_altmap *altmap)
{
	const struct geometry *g = &m->geo;
	vaddr_t start = pfn_to_page_va(g, start_pfn);
	vaddr_t end = pfn_to_page_va(g, start_pfn + nr_pages);
	uint64_t sbytes = g->pages_per_section * g->struct_page_size;

	if (!gen_has(m, GEN_SECTION_ORDER) || altmap)
		return __vmemmap_populate(m, start, end, nid, site, altmap);
	for (vaddr_t va = start; va < end;) {
		/* sbytes need not be a power of two (struct_page=72) */
		vaddr_t next = MIN(g->vmemmap_start + ((va - g->vmemmap_start) / sbytes + 1) * sbytes, end);
		struct zone *zone = NULL;
		unsigned order = va_section_order(m, va, &zone);
		int ret = order ? vmemmap_populate_compound_pages(m, va, next, order, zone, site)
				: __vmemmap_populate(m, va, next, nid, site, NULL);

		if (ret)
			return ret;
		va = next;
	}
	return 0;
}

static int __vmemmap_populate(struct machine *m, vaddr_t start, vaddr_t end,
			      int nid, enum alloc_site site, struct vmem_altmap *altmap)
{
	const struct geometry *g = &m->geo;
	uint64_t pmd_size = 1ULL << g->pmd_shift;
	bool use_pmd = g->page_size == 4096 &&
		       end - start >= g->pages_per_section * g->struct_page_size;

	if (!use_pmd)
		return vmemmap_populate_basepages(m, start, end, nid, site, altmap);
	for (vaddr_t va = ALIGN_DOWN(start, pmd_size); va < end;
	     va += pmd_size) {
		vaddr_t s = MAX(va, start), e = MIN(va + pmd_size, end);
		int ret = vmemmap_pmd_populate(m, va, nid, site, altmap);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			ret = vmemmap_populate_basepages(m, s, e, nid, site, altmap);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * A section's memmap could not be allocated at boot.  The generic series
 * panics ("mm/sparse: panic on memmap and usemap allocation failure").
 * Before it, sparse_init_nid() logs "memory map backing failed.  Some
 * memory will not be available.", clears section_mem_map of that section
 * and of every present section after it on the node, and returns; but
 * their RAM is still memblock memory, and memmap_init_range() (6.12 has
 * no pfn_valid() check there) then writes their struct pages through a
 * vmemmap that was never mapped: the boot dies a moment later, in
 * memmap_init, instead of in sparse_init.  Either way we stop the boot
 * (docs/failure-modes.md#sparse-init).
 */
static void sparse_init_failed(struct machine *m, uint64_t s, char *err, size_t errlen)
{
	int nid = m->mem_section[s].nid;

	if (gen_has(m, GEN_SECTION_ORDER)) {
		snprintf(err, errlen,
			 "sparse_init: node %d section %llu: memory map backing failed (kernel panic)",
			 nid, (unsigned long long)s);
		return;
	}
	klog(m, "sparse_init_nid: node[%d] memory map backing failed. Some memory will not be available.",
	     nid);
	snprintf(err, errlen,
		 "sparse_init: node %d section %llu: memory map backing failed, section dropped; "
		 "memmap_init then faults on its unmapped struct pages (kernel oops)",
		 nid, (unsigned long long)s);
}

int sparse_init_section(struct machine *m, uint64_t s, char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	struct mem_section *ms = &m->mem_section[s];
	int ret = vmemmap_populate(m, section_nr_to_pfn(g, s), g->pages_per_section,
				   ms->nid, SITE_MEMBLOCK_MEMMAP, NULL);

	if (ret) {
		sparse_init_failed(m, s, err, errlen);
		return ret;
	}
	ms->flags |= SECTION_HAS_MEM_MAP;
	ms->memmap_pages = (uint32_t)section_nr_vmemmap_pages(m, s);
	m->stat.nr_memmap_boot_pages += ms->memmap_pages;
	return 0;
}

int sparse_init(struct machine *m, char *err, size_t errlen)
{
	for (uint64_t s = 0; s < m->nr_sections_used; s++) {
		const struct mem_section *ms = &m->mem_section[s];
		int ret;

		if (!(ms->flags & SECTION_MARKED_PRESENT) ||
		    (ms->flags & SECTION_VMEMMAP_PREINIT))
			continue;
		ret = sparse_init_section(m, s, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Struct pages memmap_init writes in section @s.  The generic design goes
 * by the section's order: for an optimizable one, only the struct pages in
 * the head vmemmap page of each compound that starts in it (the rest are
 * in the shared tail, written once when it was made).  Before it,
 * memmap_init writes every struct page of the section, the shared tails of
 * a pre-HVO folio included (they are still writable then: write protection
 * comes at gather time).
 */
static uint64_t memmap_init_section_pages(struct machine *m, uint64_t s)
{
	const struct geometry *g = &m->geo;

	if (!section_vmemmap_order(m, &m->mem_section[s]))
		return g->pages_per_section;
	return MIN(section_nr_vmemmap_pages(m, s) * g->spp, g->pages_per_section);
}

void memmap_init(struct machine *m)
{
	/*
	 * The struct pages of each populated section are written lazily (see
	 * the top of this file); here we account for how many memmap_init
	 * writes.
	 */
	for (uint64_t s = 0; s < m->nr_sections_used; s++) {
		if (!(m->mem_section[s].flags & SECTION_HAS_MEM_MAP))
			continue;
		m->stat.memmap_init_pages += memmap_init_section_pages(m, s);
	}
}

/*
 * Does init_single_page() give every pfn of [@p0, @p1) the same struct
 * page?  It does when they share a section, lie in one zone with no
 * zone's edge between them (page_zone() could name another), and are all
 * memory or none, all boot-reserved or none.
 */
static bool memmap_run_alike(struct machine *m, pfn_t p0, pfn_t p1)
{
	const struct geometry *g = &m->geo;
	uint64_t n = p1 - p0, mem, rsv;
	struct zone *z = page_zone(m, p0);

	if (!z || page_zone(m, p1 - 1) != z ||
	    pfn_to_section_nr(g, p0) != pfn_to_section_nr(g, p1 - 1))
		return false;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			const struct zone *o = &m->nodes[nid].node_zones[zi];

			if (!o->spanned_pages)
				continue;
			if ((o->zone_start_pfn > p0 && o->zone_start_pfn < p1) ||
			    (zone_end_pfn(o) > p0 && zone_end_pfn(o) < p1))
				return false;
		}
	mem = memblock_type_pages_in(&m->memblock.memory, p0, p1);
	rsv = memblock_type_pages_in(&m->boot_reserved, p0, p1);
	return (mem == 0 || mem == n) && (rsv == 0 || rsv == n);
}

void memmap_generate(struct machine *m, uint64_t vpage, size_t off, void *buf,
		     size_t len)
{
	const struct geometry *g = &m->geo;
	uint64_t start = (vpage << g->page_shift) + off; /* byte offset in the memmap */
	uint64_t sp = g->struct_page_size;

	/* a whole run of alike struct pages: one made, the rest copies */
	if (start % sp == 0 && len % sp == 0 && len / sp > 2 &&
	    memmap_run_alike(m, start / sp, (start + len) / sp)) {
		uint8_t enc[MAX_STRUCT_PAGE];
		struct page_struct ps;

		init_single_page(m, start / sp, &ps);
		page_struct_encode(g, &ps, enc);
		for (size_t i = 0; i < len; i += sp)
			memcpy((uint8_t *)buf + i, enc, sp);
		return;
	}
	for (pfn_t p = start / sp; p * sp < start + len; p++) {
		uint8_t enc[MAX_STRUCT_PAGE];
		struct page_struct ps;
		uint64_t s = MAX(p * sp, start), e = MIN(p * sp + sp, start + len);

		init_single_page(m, p, &ps);
		page_struct_encode(g, &ps, enc);
		memcpy((uint8_t *)buf + (s - start), enc + (s - p * sp), e - s);
	}
}

void memmap_fill(void *m, uint64_t vpage, size_t off, void *buf, size_t len)
{
	memmap_generate(m, vpage, off, buf, len);
}

void memmap_alike_memo_begin(struct machine *m)
{
	m->memmap_alike_memo.active = true;
	m->memmap_alike_memo.start = m->memmap_alike_memo.end = 0;
}

void memmap_alike_memo_end(struct machine *m)
{
	m->memmap_alike_memo.active = false;
}

/* With the memo active: is [@p0, @p1) in a section of one struct page (into @sp)? */
static bool memmap_section_alike(struct machine *m, pfn_t p0, pfn_t p1, void *sp)
{
	const struct geometry *g = &m->geo;
	struct memmap_alike_memo *memo = &m->memmap_alike_memo;
	uint64_t s = pfn_to_section_nr(g, p0);
	pfn_t s0 = section_nr_to_pfn(g, s), s1 = s0 + g->pages_per_section;
	struct page_struct ps;

	if (p0 < memo->start || p1 > memo->end) {
		if (p1 > s1 || !memmap_run_alike(m, s0, s1))
			return false;
		init_single_page(m, s0, &ps);
		page_struct_encode(g, &ps, memo->sp);
		memo->start = s0;
		memo->end = s1;
	}
	memcpy(sp, memo->sp, g->struct_page_size);
	return true;
}

bool memmap_page_alike(void *mp, uint64_t vpage, void *sp)
{
	struct machine *m = mp;
	const struct geometry *g = &m->geo;
	uint64_t start = vpage << g->page_shift;
	pfn_t p0 = start / g->struct_page_size, p1 = (start + g->page_size) / g->struct_page_size;
	struct page_struct ps;

	if (!g->struct_page_pow2)
		return false;
	if (m->memmap_alike_memo.active && memmap_section_alike(m, p0, p1, sp))
		return true;
	if (!memmap_run_alike(m, p0, p1))
		return false;
	init_single_page(m, p0, &ps);
	page_struct_encode(g, &ps, sp);
	return true;
}
