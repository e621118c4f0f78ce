// SPDX-License-Identifier: GPL-2.0-only
/*
 * The optimize and restore ops of the fake-head generations (Linux up to
 * 6.12): the head vmemmap page is copied to a fresh page (or kept when no
 * copy can be had) and every tail PTE is remapped read-only onto that
 * copy, so the tails' struct pages read as copies of the head's page:
 * "fake heads".  One RCU grace period per batch; a static key counts the
 * optimized folios; restore copies the head page back into every tail
 * page and resets the first struct pages of each copy.
 */
#include <errno.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/vmemmap_walk.h"

static int legacy_remap_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			    struct vmemmap_walk *w)
{
	pfn_t old = entry_pfn(*pte);
	bool rw;

	if (w->reuse_page == PFN_NONE) { /* no new head: keep the old one */
		w->reuse_page = old;
		return 0;
	}
	rw = addr == w->reuse_addr;
	if (rw) /* the new head must not be freed */
		BUG_ON(!vmemmap_list_del(w->vmemmap_pages, w->reuse_page));
	vmemmap_list_add(w->vmemmap_pages, old);
	set_pt_entries_live(m, pte, addr, m->geo.page_size, 1, mk_pte(w->reuse_page, rw), 0);
	return 0;
}

/*
 * legacy_remap_pte() for a table's worth of PTEs: past the reuse PTE every
 * one maps the reuse page read-only, and the pages they mapped, mostly
 * consecutive, go on the list a run at a time.
 */
static void legacy_remap_ptes(struct machine *m, uint64_t *pte, vaddr_t addr,
			      uint64_t n, struct vmemmap_walk *w)
{
	uint64_t i = 0, ro;

	for (; i < n && (w->reuse_page == PFN_NONE || addr == w->reuse_addr); i++) {
		legacy_remap_pte(m, &pte[i], addr, w);
		addr += m->geo.page_size;
	}
	ro = mk_pte(w->reuse_page, false);
	while (i < n) {
		pfn_t start = entry_pfn(pte[i]);
		uint64_t k = 1;

		while (i + k < n && entry_pfn(pte[i + k]) == start + k)
			k++;
		vmemmap_list_add_run(w->vmemmap_pages, start, k);
		set_pt_entries_live(m, &pte[i], addr, m->geo.page_size, k, ro, 0);
		addr += k * m->geo.page_size;
		i += k;
	}
}

/*
 * legacy_remap_ptes() of a whole split table past the reuse PTE: its
 * pages, @block onwards, go on the list as one run, and every entry maps
 * the reuse page read-only, without the table's bytes ever made.
 */
static bool legacy_remap_split_table(struct machine *m, uint64_t pmd_entry, vaddr_t addr,
				     pfn_t block, struct vmemmap_walk *w)
{
	uint64_t n = m->geo.ptrs_per_table;

	if (w->reuse_page == PFN_NONE || pt_needs_bbm(m) ||
	    (w->reuse_addr >= addr && w->reuse_addr < addr + n * m->geo.page_size))
		return false;
	vmemmap_list_add_run(w->vmemmap_pages, block, n);
	set_pte_table_fill(m, pmd_entry, mk_pte(w->reuse_page, false));
	return true;
}

/*
 * Struct pages restore resets: the head and the tails that hold folio
 * fields.  3 (head, page[1], page[2]) until HugeTLB moved its fields into
 * page[3] (4eeec8c89a0c, v6.15-rc1); 4 from 274fe92de2c4 (v6.15-rc3),
 * which came to 6.12 stable together with page[3].  v6.15-rc1 and rc2
 * kept 3 with page[3] written: GEN_BUG_RESET_3.
 */
static unsigned legacy_reset_struct_pages(const struct machine *m)
{
	if (gen_has(m, GEN_BUG_SKIP_RESET))
		return 0;
	if (!gen_has(m, GEN_FOLIO_PAGE3) || gen_has(m, GEN_BUG_RESET_3))
		return NR_RESET_STRUCT_PAGE - 1;
	return NR_RESET_STRUCT_PAGE;
}

/*
 * Struct pages [0, @r) of @page become copies of [@r, 2 @r) without real
 * bytes, if it is a pattern (with exceptions) that can take them; -EAGAIN
 * otherwise (what it did is then redone on real bytes, the same result).
 */
static int reset_slots_in_place(struct machine *m, pfn_t page, unsigned r)
{
	size_t sp = m->geo.struct_page_size;
	uint8_t b[MAX_PATTERN_BYTES];

	for (unsigned i = 0; i < r; i++)
		if (frame_read(m, page, (i + r) * sp, b, sp) ||
		    frame_set_slot(&m->frames, page, i, b))
			return -EAGAIN;
	return 0;
}

/* Map @pte onto a page from the list holding a copy of @src, reset. */
static void legacy_restore_from(struct machine *m, uint64_t *pte, vaddr_t addr,
				pfn_t src, struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	pfn_t page;
	uint8_t *to;
	unsigned r;

	page = gen_has(m, GEN_LIST_FIFO) ? vmemmap_list_pop_first(w->vmemmap_pages)
					 : vmemmap_list_pop(w->vmemmap_pages);
	BUG_ON(page == PFN_NONE);
	if (restore_uniform_page(m, page, src, legacy_reset_struct_pages(m), w)) {
		set_pt_entries_live(m, pte, addr, g->page_size, 1, mk_pte(page, true), 0);
		return;
	}
	copy_frame(m, page, src);
	r = legacy_reset_struct_pages(m); /* 0 in legacy-6.12.115 */
	BUG_ON(2 * r > g->spp);
	if (r && reset_slots_in_place(m, page, r)) {
		to = frame_contents(m, page);
		memcpy(to, to + r * g->struct_page_size, r * g->struct_page_size);
	}
	frame_try_compact(&m->frames, page); /* plain tails: all alike */
	set_pt_entries_live(m, pte, addr, g->page_size, 1, mk_pte(page, true), 0);
}

/* Restore: copy the head page, then turn its first struct pages into tails. */
static int legacy_restore_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			      struct vmemmap_walk *w)
{
	if (w->reuse_page == PFN_NONE) {
		w->reuse_page = entry_pfn(*pte);
		return 0;
	}
	BUG_ON(entry_pfn(*pte) != w->reuse_page);
	legacy_restore_from(m, pte, addr, w->reuse_page, w);
	return 0;
}

/*
 * GEN_BUG_HEAD_IS_TAIL's rollback: every PTE that maps the tail page (the
 * head copy: the head's PTE as well) gets a page of the list back, holding
 * a copy of what it maps; the head copy itself is then mapped nowhere.
 */
static int legacy_rollback_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			       struct vmemmap_walk *w)
{
	pfn_t src = entry_pfn(*pte);

	if (src != w->vmemmap_tail)
		return 0;
	legacy_restore_from(m, pte, addr, src, w);
	return 0;
}

/* Roll back the @nr_walked PTEs from @reuse that a failed walk remapped. */
static void legacy_rollback(struct machine *m, vaddr_t reuse, uint64_t nr_walked,
			    pfn_t tail, struct vmemmap_list *list, int nid)
{
	vaddr_t rend = reuse + nr_walked * m->geo.page_size;
	struct vmemmap_walk rb = {
		.remap_pte = legacy_restore_pte,
		.reuse_addr = reuse,
		.reuse_page = PFN_NONE,
		.vmemmap_tail = tail,
		.vmemmap_pages = list,
		.flags = 0,
		.nid = nid,
	};

	if (gen_has(m, GEN_BUG_HEAD_IS_TAIL))
		rb.remap_pte = legacy_rollback_pte;
	vmemmap_remap_range(m, reuse, rend, &rb);
}

static int legacy_remap_free(struct machine *m, vaddr_t start, vaddr_t end,
			     vaddr_t reuse, struct vmemmap_list *list,
			     unsigned flags, int nid)
{
	struct vmemmap_walk w = {
		.remap_pte = legacy_remap_pte,
		.remap_ptes = legacy_remap_ptes,
		.remap_split_table = legacy_remap_split_table,
		.reuse_addr = reuse,
		.reuse_page = PFN_NONE,
		.vmemmap_pages = list,
		.flags = flags,
		.nid = nid,
	};
	pfn_t newhead = PFN_NONE;
	struct pt_walk pw;
	int ret;

	/* GEN_HEAD_IN_PLACE: the tails map the old head page, nothing is copied */
	if (!gen_has(m, GEN_HEAD_IN_PLACE))
		newhead = alloc_vmemmap_page(m, SITE_VMEMMAP_HEAD, nid);

	BUG_ON(start - reuse != m->geo.page_size);
	if (newhead == PFN_NONE && gen_has(m, GEN_BUG_HEAD_IS_TAIL))
		return -ENOMEM; /* no fallback onto the old head */
	if (newhead != PFN_NONE) {
		BUG_ON(vmemmap_walk_va(m, reuse, &pw));
		copy_frame(m, newhead, pw.pfn);
		vmemmap_list_add(list, newhead);
		w.reuse_page = newhead;
	}
	ret = vmemmap_remap_range(m, reuse, end, &w);
	if (ret && w.nr_walked)
		legacy_rollback(m, reuse, w.nr_walked, newhead, list, nid);
	return ret;
}

int legacy_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			   struct vmemmap_list *list, unsigned flags)
{
	vaddr_t vstart, vend;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	m->hugetlb_optimize_vmemmap_key++;
	if ((flags & VMEMMAP_SYNCHRONIZE_RCU) && !gen_has(m, GEN_BUG_SPECULATIVE_WALKERS))
		m->stat.nr_synchronize_rcu++;
	/* Set the flag first: stale TLB writers see the same head either way. */
	folio_set_vmemmap_optimized(m, pfn, true);
	ret = legacy_remap_free(m, vstart + m->geo.page_size, vend, vstart, list,
				flags, folio_nid(m, pfn));
	if (ret) {
		m->hugetlb_optimize_vmemmap_key--;
		folio_set_vmemmap_optimized(m, pfn, false);
	}
	return ret;
}

/* Legacy: the walk starts at the head PTE, whose page it copies (reuse). */
int legacy_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			  unsigned flags)
{
	struct vmemmap_walk w = {
		.remap_pte = legacy_restore_pte,
		.reuse_page = PFN_NONE,
		.flags = flags,
	};
	int ret;

	if ((flags & VMEMMAP_SYNCHRONIZE_RCU) && !gen_has(m, GEN_BUG_SPECULATIVE_WALKERS))
		m->stat.nr_synchronize_rcu++;
	ret = vmemmap_restore_range(m, order, pfn, &w, true);
	if (!ret)
		m->hugetlb_optimize_vmemmap_key--;
	return ret;
}
