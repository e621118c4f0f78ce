// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct page accessors through the MMU, compound_head() as the kernel
 * reads it, the canonical contents memmap_init gives a struct page, and
 * the references speculative PFN walkers take (get_page_unless_zero()).
 */
#include <errno.h>
#include <string.h>

#include "arch/mmu.h"
#include "mm/hugetlb.h"
#include "mm/page.h"

int page_read(struct machine *m, vaddr_t page, struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	if (vmemmap_read(m, page, buf, m->geo.struct_page_size))
		return -EFAULT;
	page_struct_decode(&m->geo, buf, p);
	return 0;
}

int page_write(struct machine *m, vaddr_t page, const struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	page_struct_encode(&m->geo, p, buf);
	return vmemmap_write(m, page, buf, m->geo.struct_page_size);
}

int page_read_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t *v)
{
	return vmemmap_read(m, page + off, v, sizeof(*v));
}

int page_write_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t v)
{
	return vmemmap_write(m, page + off, &v, sizeof(v));
}

bool compound_info_has_mask(const struct machine *m)
{
	return gen_has(m, GEN_MASK_ENCODING) && m->geo.struct_page_pow2;
}

uint64_t encode_compound_info(const struct machine *m, vaddr_t head,
			      unsigned order)
{
	return compound_info_has_mask(m) ? encode_tail_mask(&m->geo, order)
					 : encode_tail_pointer(head);
}

struct struct_page_ctx struct_page_ctx_of(const struct machine *m)
{
	return (struct struct_page_ctx){
		.mask = compound_info_has_mask(m),
		.fake_head_check = m->hugetlb_optimize_vmemmap_key != 0,
		.page_size = m->geo.page_size,
		.struct_page_size = m->geo.struct_page_size,
		.pg_head = PG(page_layout_of(m), head),
	};
}

int compound_head(struct machine *m, vaddr_t page, vaddr_t *head)
{
	struct struct_page_ctx c = struct_page_ctx_of(m);
	uint64_t info, flags = 0, next;

	if (page_read_u64(m, page, PAGE_OFF_COMPOUND_INFO, &info))
		return -EFAULT;
	/* Read only what the kernel reads: flags and page[1] for a possible fake head. */
	if (!c.mask && !(info & 1) && c.fake_head_check && IS_ALIGNED(page, c.page_size) &&
	    page_read_u64(m, page, PAGE_OFF_FLAGS, &flags))
		return -EFAULT;
	if (compound_head_needs_next(&c, page, flags, info)) {
		/* A head has at least two pages, so page[1] is readable. */
		if (page_read_u64(m, page + c.struct_page_size, PAGE_OFF_COMPOUND_INFO, &next))
			return -EFAULT;
		*head = compound_head_decode(&c, page, flags, info, &next, NULL);
		return 0;
	}
	*head = compound_head_decode(&c, page, flags, info, NULL, NULL);
	return 0;
}

static enum zone_type zone_by_address(const struct geometry *g, pfn_t pfn)
{
	phys_t pa = pfn << g->page_shift;

	if (pa < 16 * SZ_1M)
		return ZONE_DMA;
	if (pa < 4 * SZ_1G)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

void init_single_page(struct machine *m, pfn_t pfn, struct page_struct *p)
{
	struct zone *z = page_zone(m, pfn);
	struct mem_section *ms = __pfn_to_section(m, pfn);
	int nid = z ? z->nid : (ms ? ms->nid : 0);
	enum zone_type zt = z ? z->idx : zone_by_address(&m->geo, pfn);
	bool reserved;

	memset(p, 0, sizeof(*p));
	/*
	 * After memblock_free_all(): memblock-reserved pages (and holes)
	 * keep PG_reserved with a reference; everything handed to the buddy
	 * allocator has refcount 0.
	 */
	reserved = !pfn_present(m, pfn) ||
		   memblock_type_contains(&m->boot_reserved, pfn);
	p->flags = page_flags_node_zone(nid, zt);
	if (reserved)
		p->flags |= page_pg(m, reserved);
	p->refcount = reserved ? 1 : 0;
	p->mapcount = -1;
}

/* A tail struct page of the folio headed at @pfn (both encodings). */
void compound_tail_struct(struct machine *m, pfn_t pfn, unsigned order,
			  struct page_struct *ps)
{
	struct zone *z = page_zone(m, pfn);

	memset(ps, 0, sizeof(*ps));
	ps->flags = page_flags_node_zone(z->nid, z->idx);
	ps->compound_info = encode_compound_info(m, pfn_to_page_va(&m->geo, pfn), order);
	ps->mapping = TAIL_MAPPING;
	ps->mapcount = -1;
}

/*
 * Struct pages [va, pend) of vmemmap page @frame become @enc and the few
 * others keep what they hold, as a pattern with exceptions: the first
 * page of a folio (the head before its tails) then costs the host no page
 * of its own.  -EAGAIN if too many others or the store cannot: the caller
 * writes real bytes.
 */
static int write_most_of_page(struct machine *m, pfn_t frame, vaddr_t va, vaddr_t pend,
			      const uint8_t *enc)
{
	const struct geometry *g = &m->geo;
	unsigned first = (unsigned)((va & (g->page_size - 1)) / g->struct_page_size);
	unsigned end = pend & (g->page_size - 1) ?
		(unsigned)((pend & (g->page_size - 1)) / g->struct_page_size) : g->spp;
	uint8_t keep[FRAME_PX_RUNS * MAX_PATTERN_BYTES];
	unsigned slot[FRAME_PX_RUNS], nr = 0;

	if (first + (g->spp - end) > FRAME_PX_RUNS)
		return -EAGAIN;
	for (unsigned i = 0; i < g->spp; i++) {
		if (i >= first && i < end)
			continue;
		if (frame_read(m, frame, (size_t)i * g->struct_page_size,
			       keep + (size_t)nr * g->struct_page_size, g->struct_page_size))
			return -EAGAIN;
		slot[nr++] = i;
	}
	return frame_set_pattern_except(&m->frames, frame, enc, nr, slot, keep);
}

/*
 * Write @tmpl into struct pages [first, last) of the folio at @pfn, a
 * vmemmap page at a time.  0 or -EFAULT (a read-only tail, for instance).
 */
/*
 * A whole vmemmap page @frame of one repeated struct page @enc: a share of
 * *@pattern_frame's pattern if it still has one, else its own; then it is
 * the one the next page shares.
 */
static int whole_page_pattern(struct machine *m, pfn_t frame, const uint8_t *enc,
			      pfn_t *pattern_frame)
{
	if (*pattern_frame != PFN_NONE && frame_pattern(&m->frames, *pattern_frame))
		frame_share_pattern(&m->frames, frame, *pattern_frame);
	else if (frame_set_pattern(&m->frames, frame, enc))
		return -EFAULT;
	*pattern_frame = frame;
	return 0;
}

int write_struct_pages(struct machine *m, pfn_t pfn, uint64_t first, uint64_t last,
		       const struct page_struct *tmpl)
{
	const struct geometry *g = &m->geo;
	vaddr_t va = pfn_to_page_va(g, pfn) + first * g->struct_page_size;
	vaddr_t end = pfn_to_page_va(g, pfn) + last * g->struct_page_size;
	uint8_t enc[MAX_STRUCT_PAGE];
	pfn_t pattern_frame = PFN_NONE; /* a whole page already set to @enc */
	pfn_t frames[MMU_PTES_MAX];
	vaddr_t whole_end = ALIGN_DOWN(end, g->page_size); /* of the whole pages */
	uint64_t pmd_size = 1ULL << g->pmd_shift;

	page_struct_encode(g, tmpl, enc);
	if (!g->struct_page_pow2) {
		for (; va < end; va += g->struct_page_size)
			if (vmemmap_write(m, va, enc, g->struct_page_size))
				return -EFAULT;
		return 0;
	}
	while (va < end) {
		vaddr_t pstart = ALIGN_DOWN(va, g->page_size);
		vaddr_t pend = MIN(pstart + g->page_size, end);
		uint8_t *bytes;
		uint64_t nr;
		pfn_t frame;

		/*
		 * Whole vmemmap pages up to the end of a PMD leaf (a block of
		 * the boot memmap): translate them at once.
		 */
		nr = va < whole_end ? (MIN(ALIGN_DOWN(va, pmd_size) + pmd_size, whole_end) - va) >>
					      g->page_shift : 0;
		if (va == pstart && nr > 1 && !mmu_translate_block(m, va, nr, true, &frame)) {
			uint64_t done = 0;

			if (pattern_frame == PFN_NONE || !frame_pattern(&m->frames, pattern_frame)) {
				if (frame_set_pattern(&m->frames, frame, enc))
					return -EFAULT;
				pattern_frame = frame;
				done = 1;
			}
			frame_share_pattern_run(&m->frames, frame + done, nr - done, pattern_frame);
			pattern_frame = frame + nr - 1;
			va += nr * g->page_size;
			continue;
		}
		/* or PTEs of one table (a restored or split memmap): one walk */
		nr = MIN(nr, MMU_PTES_MAX);
		if (va == pstart && nr > 1 && !mmu_translate_ptes(m, va, nr, true, frames)) {
			for (uint64_t k = 0; k < nr; k++)
				if (whole_page_pattern(m, frames[k], enc, &pattern_frame))
					return -EFAULT;
			va += nr * g->page_size;
			continue;
		}
		if (mmu_translate(m, va, true, &frame))
			return -EFAULT;
		if (va == pstart && pend == pstart + g->page_size) {
			if (whole_page_pattern(m, frame, enc, &pattern_frame))
				return -EFAULT;
			va = pend;
			continue;
		}
		if (!write_most_of_page(m, frame, va, pend, enc)) {
			va = pend;
			continue;
		}
		bytes = frame_contents(m, frame);
		if (!bytes)
			return -EFAULT;
		for (; va < pend; va += g->struct_page_size)
			memcpy(bytes + (va & (g->page_size - 1)), enc, g->struct_page_size);
	}
	return 0;
}

/* The head and the folio fields in pages 1..3. */
int prep_compound_head(struct machine *m, pfn_t pfn, unsigned order, int32_t page_type)
{
	const struct geometry *g = &m->geo;
	vaddr_t head = pfn_to_page_va(g, pfn);
	struct page_struct ps;
	struct zone *z = page_zone(m, pfn);

	memset(&ps, 0, sizeof(ps));
	ps.flags = page_flags_node_zone(z->nid, z->idx) | page_pg(m, head);
	ps.mapcount = page_type;
	ps.refcount = 0;                 /* pool folios are frozen */
	if (page_write(m, head, &ps))
		return -EFAULT;
	for (unsigned i = 1; i <= 3 && i < (1u << order); i++) {
		compound_tail_struct(m, pfn, order, &ps);
		/*
		 * Folio fields overlay the mapping word of page[1] and
		 * page[2]; of page[3] only for HugeTLB from 4eeec8c89a0c on.
		 */
		if (i < 3 || (page_type == PAGE_TYPE_HUGETLB && gen_has(m, GEN_FOLIO_PAGE3)))
			ps.mapping = 0;
		if (i == 1) {
			ps.flags |= order; /* _flags_1: folio order */
			ps.lru_prev = ~0ULL; /* _large_mapcount, _entire_mapcount: -1 */
			ps.index = 1ULL << order; /* _folio_nr_pages */
		}
		if (page_write(m, head + i * g->struct_page_size, &ps))
			return -EFAULT;
	}
	return 0;
}

/* ---- references from speculative PFN walkers ---- */

/* page_is_fake_head(): PG_head at a vmemmap page start that is not the head. */
static bool page_is_fake_head(struct machine *m, vaddr_t page)
{
	uint64_t flags;
	vaddr_t head;

	if (compound_info_has_mask(m) || page_read_u64(m, page, PAGE_OFF_FLAGS, &flags) ||
	    !(flags & page_pg(m, head)))
		return false;
	return !compound_head(m, page, &head) && head != page;
}

bool get_page_unless_zero(struct machine *m, pfn_t pfn)
{
	vaddr_t va = pfn_to_page_va(&m->geo, pfn);
	int32_t ref;

	if (!gen_has(m, GEN_BUG_SPECULATIVE_WALKERS) && page_is_fake_head(m, va))
		return false;
	if (vmemmap_read(m, va + PAGE_OFF_REFCOUNT, &ref, sizeof(ref)) || !ref)
		return false;
	ref++;
	return !vmemmap_write(m, va + PAGE_OFF_REFCOUNT, &ref, sizeof(ref));
}

void put_page(struct machine *m, pfn_t pfn)
{
	vaddr_t va = pfn_to_page_va(&m->geo, pfn);
	int32_t ref;

	BUG_ON(vmemmap_read(m, va + PAGE_OFF_REFCOUNT, &ref, sizeof(ref)) || ref < 1);
	ref--;
	BUG_ON(vmemmap_write(m, va + PAGE_OFF_REFCOUNT, &ref, sizeof(ref)));
}

int set_page_count(struct machine *m, pfn_t pfn, int32_t count)
{
	return vmemmap_write(m, pfn_to_page_va(&m->geo, pfn) + PAGE_OFF_REFCOUNT,
			     &count, sizeof(count));
}

int pfn_walker_add(struct machine *m, pfn_t pfn)
{
	if (m->nr_pfn_walkers == MAX_PFN_WALKERS)
		return -ENOSPC;
	m->pfn_walkers[m->nr_pfn_walkers++] = pfn;
	return 0;
}

/* One walker's get_page_unless_zero(), an oops if it writes a read-only tail. */
static void pfn_walker_get(struct machine *m, pfn_t pfn)
{
	uint64_t faults = m->mmu.nr_faults;

	if (get_page_unless_zero(m, pfn))
		put_page(m, pfn);
	if (m->mmu.nr_faults != faults)
		klog(m, "BUG: unable to handle page fault in get_page_unless_zero() of pfn %#llx: %s",
		     (unsigned long long)pfn, m->mmu.last_fault);
}

void pfn_walkers_run(struct machine *m, pfn_t start, uint64_t nr)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < m->nr_pfn_walkers; i++) {
		pfn_t pfn = m->pfn_walkers[i];
		if (pfn >= start && pfn - start < nr)
			pfn_walker_get(m, pfn);
		else
			m->pfn_walkers[kept++] = pfn;
	}
	m->nr_pfn_walkers = kept;
}
