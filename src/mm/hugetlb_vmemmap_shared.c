// SPDX-License-Identifier: GPL-2.0-only
/*
 * The optimize and restore ops of the generations without fake heads
 * (shared-tail, generic): the head vmemmap page is copied to a private page
 * and every other vmemmap page of the folio is remapped read-only onto the
 * zone's shared tail page of the folio's order (vmemmap_tail.c).  A walk
 * that fails midway maps back what it remapped; restore gives every tail
 * PTE a private copy of the shared tail again.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/vmemmap_share_pte.h"
#include "mm/vmemmap_walk.h"

static int shared_remap_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			    struct vmemmap_walk *w)
{
	pfn_t old = entry_pfn(*pte);
	uint64_t size = m->geo.page_size;

	if (!w->nr_walked) { /* the head page: map the new copy read-write */
		BUG_ON(!vmemmap_list_del(w->vmemmap_pages, w->vmemmap_head));
		set_pt_entries_live(m, pte, addr, size, 1, mk_pte(w->vmemmap_head, true), 0);
	} else {
		set_pt_entries_live(m, pte, addr, size, 1, mk_pte(w->vmemmap_tail, false), 0);
	}
	vmemmap_list_add(w->vmemmap_pages, old);
	return 0;
}

/*
 * Restore one PTE from whatever it maps.  During a rollback only PTEs that
 * map the shared tail are restored (@vmemmap_tail set), so the head keeps
 * its new copy (the 2026 rollback fix, docs/bugs.md#rollback-overwrites-head).
 * Before that fix the head's page was rebuilt from the tail template as
 * well: its head and folio struct pages became plain tails.
 */
static int shared_restore_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			      struct vmemmap_walk *w)
{
	pfn_t src = entry_pfn(*pte), dst;

	if (w->vmemmap_tail != PFN_NONE && src != w->vmemmap_tail) {
		if (gen_has(m, GEN_BUG_ROLLBACK_OVERWRITES_HEAD)) {
			copy_frame(m, src, w->vmemmap_tail);
			frame_try_compact(&m->frames, src);
		}
		return 0;
	}
	dst = vmemmap_list_pop(w->vmemmap_pages);
	BUG_ON(dst == PFN_NONE);
	if (!restore_uniform_page(m, dst, src, 0, w)) {
		copy_frame(m, dst, src);
		frame_try_compact(&m->frames, dst);
	}
	set_pt_entries_live(m, pte, addr, m->geo.page_size, 1, mk_pte(dst, true), 0);
	return 0;
}

int shared_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			   struct vmemmap_list *list, unsigned flags)
{
	struct zone *zone = page_zone(m, pfn);
	vaddr_t vstart, vend, walk_end;
	struct pt_walk pw;
	struct vmemmap_walk w = {
		.remap_pte = shared_remap_pte,
		.vmemmap_pages = list,
		.flags = flags,
	};
	pfn_t shared_pte = PFN_NONE;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	w.nid = zone->nid;
	w.vmemmap_tail = vmemmap_shared_tail_page(m, order, zone);
	if (w.vmemmap_tail == PFN_NONE)
		return -ENOMEM;
	/* hvo_share_pte: walk the head's PMD only, then share the others. */
	walk_end = vend;
	if (vmemmap_share_pte_order(m, order)) {
		shared_pte = vmemmap_shared_pte_table(m, order, zone);
		if (shared_pte == PFN_NONE)
			return -ENOMEM;
		walk_end = vstart + (1ULL << m->geo.pmd_shift);
	}
	folio_set_vmemmap_optimized(m, pfn, true);
	w.vmemmap_head = alloc_vmemmap_page(m, SITE_VMEMMAP_HEAD, w.nid);
	if (w.vmemmap_head == PFN_NONE) {
		folio_set_vmemmap_optimized(m, pfn, false);
		return -ENOMEM;
	}
	BUG_ON(vmemmap_walk_va(m, vstart, &pw));
	copy_frame(m, w.vmemmap_head, pw.pfn);
	vmemmap_list_add(list, w.vmemmap_head);
	ret = vmemmap_remap_range(m, vstart, walk_end, &w);
	if (!ret && shared_pte != PFN_NONE)
		vmemmap_share_pte_range(m, walk_end, vend, shared_pte, list,
					flags & VMEMMAP_REMAP_NO_TLB_FLUSH);
	if (ret && w.nr_walked) {
		struct vmemmap_walk rb = {
			.remap_pte = shared_restore_pte,
			.vmemmap_tail = w.vmemmap_tail,
			.vmemmap_pages = list,
			.nid = w.nid,
		};
		vmemmap_remap_range(m, vstart, vstart + w.nr_walked * m->geo.page_size, &rb);
	}
	if (ret)
		folio_set_vmemmap_optimized(m, pfn, false);
	return ret;
}

/* shared-tail, generic: every tail PTE copies the shared tail it maps. */
int shared_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			  unsigned flags)
{
	struct vmemmap_walk w = {
		.remap_pte = shared_restore_pte,
		.vmemmap_tail = PFN_NONE,
		.flags = flags,
	};
	int shared, ret;

	/* hvo_share_pte: private copies of the shared tables first. */
	shared = vmemmap_unshare_folio(m, order, pfn);
	if (shared < 0)
		return shared;
	ret = vmemmap_restore_range(m, order, pfn, &w, false);
	if (ret && shared)
		vmemmap_reshare_folio(m, order, pfn);
	return ret;
}
