// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB Vmemmap Optimization: the walk and the entry points.
 *
 * Addresses: vstart is the VA of the folio's head struct page, vend the end
 * of its struct pages; the vmemmap page at vstart holds the head and the
 * first SPP-1 tails (incl. the folio fields in pages 1..3) and is never
 * shared.  All other vmemmap pages of the folio hold plain tails only.
 *
 * A walk visits the PMDs of [start, end), splitting PMD leaves into PTE
 * tables, and calls its PTE callback for every PTE of the range.  Pages
 * that the walk unmaps go on a list and are freed only after the TLB has
 * been flushed, so no CPU can still reach them.  What each remapped PTE
 * points at is the generation's business: its optimize and restore ops
 * (hugetlb_vmemmap_legacy.c, hugetlb_vmemmap_shared.c) supply the
 * callbacks; the entry points here batch folios, flush the TLB and free.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/vmemmap_share_pte.h"
#include "mm/vmemmap_walk.h"

/* One new vmemmap page from the buddy allocator, counted. */
pfn_t alloc_vmemmap_page(struct machine *m, enum alloc_site site,
				int nid)
{
	struct alloc_request req = kernel_page_request(site, nid);
	pfn_t pfn;

	req.this_node = gen_has(m, GEN_BUG_VMEMMAP_THISNODE); /* __GFP_THISNODE before v6.6 */
	pfn = alloc_frames(m, &req);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	/* no host bytes until it is copied into or written */
	if (frame_claim_zero(&m->frames, pfn, FO_VMEMMAP, ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	m->stat.nr_memmap_pages++;
	m->stat.nr_vmemmap_alloc_pages++;
	return pfn;
}

/* alloc_vmemmap_page_list(): all @n or nothing (no accounting on failure). */
int alloc_vmemmap_page_list(struct machine *m, uint64_t n, int nid,
				   struct vmemmap_list *l)
{
	for (uint64_t i = 0; i < n; i++) {
		pfn_t p = alloc_vmemmap_page(m, SITE_VMEMMAP_RESTORE, nid);
		if (p == PFN_NONE) {
			free_vmemmap_page_list(m, l);
			m->stat.nr_vmemmap_alloc_pages -= i;
			m->stat.nr_vmemmap_free_pages -= i;
			return -ENOMEM;
		}
		vmemmap_list_add(l, p);
	}
	return 0;
}

/* ---- folio flag ---- */

bool folio_vmemmap_optimized(struct machine *m, pfn_t pfn)
{
	uint64_t priv = 0;

	if (page_read_u64(m, pfn_to_page_va(&m->geo, pfn), PAGE_OFF_PRIVATE, &priv))
		return false;
	return priv & (1ULL << HPG_vmemmap_optimized);
}

void folio_set_vmemmap_optimized(struct machine *m, pfn_t pfn, bool on)
{
	vaddr_t head = pfn_to_page_va(&m->geo, pfn);
	uint64_t priv = 0;

	BUG_ON(page_read_u64(m, head, PAGE_OFF_PRIVATE, &priv));
	if (on)
		priv |= 1ULL << HPG_vmemmap_optimized;
	else
		priv &= ~(1ULL << HPG_vmemmap_optimized);
	BUG_ON(page_write_u64(m, head, PAGE_OFF_PRIVATE, priv));
}

/* ---- the walk ---- */

/* The PMD entry that covers @va; the vmemmap of a folio is always populated. */
static uint64_t *vmemmap_pmd(struct machine *m, vaddr_t va)
{
	uint64_t *pmd = vmemmap_walk_pmd(m, va);

	BUG_ON(!pmd || !entry_present(*pmd));
	return pmd;
}

/* Is the vmemmap page at @va hosted by the memory it describes? */
static bool vmemmap_self_hosted(struct machine *m, vaddr_t va)
{
	struct pt_walk w;

	return !vmemmap_walk_va(m, va, &w) &&
	       frame_origin(&m->frames, w.pfn) == ORIGIN_ALTMAP;
}

int vmemmap_remap_range(struct machine *m, vaddr_t start, vaddr_t end,
			       struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	uint64_t pmd_size = 1ULL << g->pmd_shift;

	for (vaddr_t addr = start; addr < end;) {
		vaddr_t next = MIN(ALIGN_DOWN(addr, pmd_size) + pmd_size, end);
		uint64_t *pmd = vmemmap_pmd(m, addr);

		/* vmemmap_split_pmd(): refuse a self-hosted memmap first. */
		if (!w->nr_walked && vmemmap_self_hosted(m, addr))
			return -ENOTSUPP;
		if (pmd_leaf(*pmd)) {
			int ret = vmemmap_split_pmd(m, pmd, addr, w->nid,
						    w->flags & VMEMMAP_SPLIT_NO_TLB_FLUSH);
			if (ret)
				return ret;
		}
		if (w->remap_ptes) {
			uint64_t n = (next - addr) >> g->page_shift;
			pfn_t block;

			if (next - addr == pmd_size && w->remap_split_table &&
			    pte_table_split_block(m, *pmd, &block) &&
			    w->remap_split_table(m, *pmd, addr, block, w)) {
				w->nr_walked += n;
				addr = next; /* it shares host bytes already, if it can */
				continue;
			}
			w->remap_ptes(m, &pt_table_mut(m, *pmd)[pt_index(g, addr, PT_PTE)], addr, n, w);
			w->nr_walked += n;
		} else if (w->remap_pte) {
			uint64_t *pte = pt_table_mut(m, *pmd);
			for (vaddr_t a = addr; a < next; a += g->page_size) {
				int ret = w->remap_pte(m, &pte[pt_index(g, a, PT_PTE)], a, w);
				if (ret)
					return ret;
				w->nr_walked++;
			}
		}
		/* a table the walk rewrote whole may share host bytes with one alike */
		if ((w->remap_ptes || w->remap_pte) && next - addr == pmd_size)
			pte_table_try_share(m, *pmd);
		addr = next;
	}
	if ((w->remap_pte || w->remap_ptes) && !(w->flags & VMEMMAP_REMAP_NO_TLB_FLUSH)) {
		/* GEN_HEAD_IN_PLACE: the walk starts at the head, never remapped */
		if (gen_has(m, GEN_HEAD_IN_PLACE))
			start += g->page_size;
		flush_tlb_kernel_range(m, start, end);
	}
	return 0;
}

/*
 * copy_page() between two vmemmap frames: an all-alike copy stays
 * compact, a copy of real bytes shares them until written (frame_copy()).
 */
void copy_frame(struct machine *m, pfn_t dst, pfn_t src)
{
	uint8_t *d;

	if (!frame_copy(&m->frames, dst, src))
		return;
	d = frame_contents(m, dst);
	if (!d || frame_read(m, src, 0, d, m->geo.page_size)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
}

void folio_range(struct machine *m, pfn_t pfn, unsigned order,
			vaddr_t *vstart, vaddr_t *vend)
{
	*vstart = pfn_to_page_va(&m->geo, pfn);
	*vend = *vstart + vmemmap_bytes_for_order(&m->geo, order);
}

int folio_nid(struct machine *m, pfn_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	return z ? z->nid : 0;
}

/*
 * restore_uniform_page() of a pattern-with-exceptions @src: uniform when
 * all of its own struct pages are among the first @reset.
 */
static bool restore_px_page(struct machine *m, pfn_t page, pfn_t src, unsigned reset,
			    struct vmemmap_walk *w)
{
	const struct frame_px *x = frame_px(&m->frames, src);
	uint8_t sp[MAX_PATTERN_BYTES];

	if (x->nr && x->run[x->nr - 1].first + x->run[x->nr - 1].count > reset)
		return false;
	BUG_ON(frame_read(m, src, (size_t)reset * m->geo.struct_page_size, sp,
			  m->geo.struct_page_size));
	if (frame_set_pattern(&m->frames, page, sp))
		return false;
	w->restore_pattern = page;
	return true;
}

/*
 * The fast path of a restored tail page: when every struct page of @src
 * that the copy keeps (all but the first @reset, which the caller turns
 * into copies of the next ones) is alike, the copy is that one struct page
 * repeated, so @page becomes a pattern frame without a copy, exactly as
 * copy + reset + frame_try_compact() would have left it.  @src is checked
 * once per walk; false sends the caller to the copy.
 */
bool restore_uniform_page(struct machine *m, pfn_t page, pfn_t src,
				 unsigned reset, struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	size_t sp = g->struct_page_size;
	const uint8_t *b;

	if (w->restore_checked && w->restore_src == src) {
		if (w->restore_pattern == PFN_NONE || !frame_pattern(&m->frames, w->restore_pattern))
			return false;
		frame_share_pattern(&m->frames, page, w->restore_pattern);
		return true;
	}
	w->restore_checked = true;
	w->restore_src = src;
	w->restore_pattern = PFN_NONE;
	b = frame_bytes(&m->frames, src);
	if (!b && frame_px(&m->frames, src))
		return restore_px_page(m, page, src, reset, w);
	if (!b || g->page_size % sp)
		return false;
	for (size_t off = (reset + 1) * sp; off + sp <= g->page_size; off += sp)
		if (memcmp(b + reset * sp, b + off, sp))
			return false;
	if (frame_set_pattern(&m->frames, page, b + reset * sp))
		return false;
	w->restore_pattern = page;
	return true;
}

/*
 * Restore the vmemmap of the folio at @pfn: allocate its pages back (all or
 * nothing, counted), then walk [walk_start, vend) with @w's callback, which
 * maps each page in turn.  PMDs are split already, so the walk cannot fail.
 */
int vmemmap_restore_range(struct machine *m, unsigned order, pfn_t pfn,
				 struct vmemmap_walk *w, bool from_head)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	struct vmemmap_list list;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	w->reuse_addr = vstart;
	w->nid = folio_nid(m, pfn);
	w->vmemmap_pages = &list;
	vmemmap_list_init(&list);
	ret = alloc_vmemmap_page_list(m, (vend - vstart) / g->page_size - 1, w->nid, &list);
	if (ret) {
		vmemmap_list_destroy(&list);
		return ret;
	}
	ret = vmemmap_remap_range(m, from_head ? vstart : vstart + g->page_size, vend, w);
	BUG_ON(ret || list.nr);
	vmemmap_list_destroy(&list);
	folio_set_vmemmap_optimized(m, pfn, false);
	return 0;
}

/*
 * hvo_share_pte: give the folio's shared PMDs private tables (all of them
 * or none: the number unshared, or -ENOMEM), and share them again.
 */
int vmemmap_unshare_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	vaddr_t vstart, vend;

	if (!vmemmap_share_pte_order(m, order))
		return 0;
	folio_range(m, pfn, order, &vstart, &vend);
	return vmemmap_unshare_pte_range(m, vstart + (1ULL << m->geo.pmd_shift),
					 vend, folio_nid(m, pfn));
}

void vmemmap_reshare_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	struct zone *zone = page_zone(m, pfn);
	pfn_t table = vmemmap_shared_pte_table(m, order, zone); /* published */
	struct vmemmap_list none;
	vaddr_t vstart, vend;

	BUG_ON(table == PFN_NONE);
	folio_range(m, pfn, order, &vstart, &vend);
	vmemmap_list_init(&none);
	vmemmap_share_pte_range(m, vstart + (1ULL << m->geo.pmd_shift), vend,
				table, &none, false);
	BUG_ON(none.nr); /* the private copies mapped the shared tail only */
	vmemmap_list_destroy(&none);
}

/* ================= entry points ================= */

static bool vmemmap_should_optimize_folio(struct machine *m, unsigned order,
					  pfn_t pfn)
{
	if (folio_vmemmap_optimized(m, pfn))
		return false;
	if (!m->vmemmap_optimize_enabled)
		return false;
	return hugetlb_vmemmap_optimizable_size(m, order) != 0;
}

static int __hugetlb_vmemmap_optimize_folio(struct machine *m, unsigned order,
					    pfn_t pfn, struct vmemmap_list *list,
					    unsigned flags)
{
	if (!vmemmap_should_optimize_folio(m, order, pfn))
		return 0;
	return m->gen->optimize_folio(m, order, pfn, list, flags);
}

/*
 * The grace period that keeps speculative page_ref_add_unless() writers
 * off a vmemmap being remapped (bd225530a4c7): once per entry point
 * call, before looking at the folios, until c2a967f6ab0e "don't
 * synchronize_rcu() without HVO" moved it into the walk
 * (VMEMMAP_SYNCHRONIZE_RCU), after the checks.  Returns the flag the walk
 * gets: none when the wait is already done here.
 */
static unsigned vmemmap_rcu_flag(struct machine *m)
{
	if (gen_has(m, GEN_BUG_RCU_WITHOUT_HVO)) {
		m->stat.nr_synchronize_rcu++;
		return 0;
	}
	return VMEMMAP_SYNCHRONIZE_RCU;
}

int hugetlb_vmemmap_optimize_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	struct vmemmap_list list;
	int ret;

	vmemmap_list_init(&list);
	ret = __hugetlb_vmemmap_optimize_folio(m, order, pfn, &list,
					       vmemmap_rcu_flag(m));
	free_vmemmap_page_list(m, &list);
	vmemmap_list_destroy(&list);
	return ret;
}

/* Split-only walk over a folio's vmemmap (batch phase one). */
static int hugetlb_vmemmap_split_folio(struct machine *m, unsigned order,
				       pfn_t pfn)
{
	vaddr_t vstart, vend;
	struct vmemmap_walk w = { .flags = VMEMMAP_SPLIT_NO_TLB_FLUSH };

	if (!vmemmap_should_optimize_folio(m, order, pfn))
		return 0;
	folio_range(m, pfn, order, &vstart, &vend);
	if (vmemmap_share_pte_order(m, order)) /* the others get shared */
		vend = vstart + (1ULL << m->geo.pmd_shift);
	w.nid = folio_nid(m, pfn);
	return vmemmap_remap_range(m, vstart, vend, &w);
}

void hugetlb_vmemmap_optimize_folios(struct machine *m, unsigned order,
				     const pfn_t *pfns, uint64_t nr)
{
	struct vmemmap_list list;
	unsigned flags = VMEMMAP_REMAP_NO_TLB_FLUSH;

	if (gen_has(m, GEN_UNBATCHED)) { /* 6.1: hugetlb_vmemmap_optimize() per folio */
		for (uint64_t i = 0; i < nr; i++)
			hugetlb_vmemmap_optimize_folio(m, order, pfns[i]);
		return;
	}
	for (uint64_t i = 0; i < nr; i++) {
		/* Stop splitting at the first ENOMEM: the optimize walks split on demand. */
		if (hugetlb_vmemmap_split_folio(m, order, pfns[i]) == -ENOMEM)
			break;
	}
	flush_tlb_all(m);
	if (gen_has(m, GEN_RCU_PER_BATCH))
		flags |= vmemmap_rcu_flag(m);
	vmemmap_list_init(&list);
	for (uint64_t i = 0; i < nr; i++) {
		int ret = __hugetlb_vmemmap_optimize_folio(m, order, pfns[i], &list, flags);
		flags &= ~VMEMMAP_SYNCHRONIZE_RCU;
		/*
		 * Out of memory with pages collected: free them (after a
		 * flush) and retry this folio once.
		 */
		if (ret == -ENOMEM && list.nr) {
			if (!m->test_skip_enomem_flush)
				flush_tlb_all(m);
			free_vmemmap_page_list(m, &list);
			__hugetlb_vmemmap_optimize_folio(m, order, pfns[i], &list, flags);
		}
	}
	flush_tlb_all(m);
	free_vmemmap_page_list(m, &list);
	vmemmap_list_destroy(&list);
}

static int __hugetlb_vmemmap_restore_folio(struct machine *m, unsigned order,
					   pfn_t pfn, unsigned flags)
{
	if (!folio_vmemmap_optimized(m, pfn))
		return 0;
	return m->gen->restore_folio(m, order, pfn, flags);
}

int hugetlb_vmemmap_restore_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	return __hugetlb_vmemmap_restore_folio(m, order, pfn,
					       gen_has(m, GEN_RCU_PER_BATCH) ? vmemmap_rcu_flag(m) : 0);
}

int64_t hugetlb_vmemmap_restore_folios(struct machine *m, unsigned order,
				       const pfn_t *pfns, uint64_t nr)
{
	unsigned flags = VMEMMAP_REMAP_NO_TLB_FLUSH;
	uint64_t restored = 0, done = 0;
	int ret = 0;

	if (gen_has(m, GEN_UNBATCHED)) /* each with its own TLB flush */
		flags = 0;
	else if (gen_has(m, GEN_RCU_PER_BATCH))
		flags |= vmemmap_rcu_flag(m);
	for (; done < nr; done++) {
		if (folio_vmemmap_optimized(m, pfns[done])) {
			ret = __hugetlb_vmemmap_restore_folio(m, order, pfns[done], flags);
			flags &= ~VMEMMAP_SYNCHRONIZE_RCU;
			if (ret)
				break;
			restored++;
		}
	}
	if (restored && !gen_has(m, GEN_UNBATCHED))
		flush_tlb_all(m);
	if (ret && !done)
		return ret;
	return (int64_t)done;
}
