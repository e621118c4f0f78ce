// SPDX-License-Identifier: GPL-2.0-only
/*
 * Vmemmap population already optimized (mm/sparse-vmemmap.c): a boot-time
 * gigantic folio whose vmemmap is mapped optimized from the start (pre-HVO:
 * one private head page, every other page the zone's shared tail, or in the
 * fake-head kernels 6.15-6.18 the head page itself), its write protection,
 * and the undo of a population that failed partway.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/alloc.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/vmemmap_share_pte.h"
#include "mm/vmemmap_walk.h"

/* ========== boot population (legacy-6.18, shared-tail, generic) ========== */

/* Undo a partial vmemmap_populate_hvo(): unmap what it mapped. */
static void vmemmap_undo_hvo(struct machine *m, vaddr_t vstart, vaddr_t vend,
			     pfn_t head)
{
	const struct geometry *g = &m->geo;
	bool head_mapped = false;

	for (vaddr_t va = vstart; va < vend; va += g->page_size) {
		struct pt_walk w;
		if (vmemmap_walk_va(m, va, &w))
			continue;
		if (pmd_shared_pte(m, *w.pmd)) { /* the table is not ours to clear */
			vmemmap_unlink_shared_pte(m, w.pmd);
			va = ALIGN_DOWN(va, 1ULL << g->pmd_shift) + (1ULL << g->pmd_shift) - g->page_size;
			continue;
		}
		set_pt_entry(m, pt_walk_pte_mut(m, &w), 0);
		head_mapped |= w.pfn == head;
	}
	/* flush before the head page can be reused */
	flush_tlb_kernel_range(m, vstart, vend);
	if (head_mapped) {
		frame_release(&m->frames, head);
		free_reserved_frames(m, head, 1);
		m->stat.nr_memmap_boot_pages--;
	}
}

/* hvo_share_pte: map the tails-only PMD at @va with the shared table. */
static int vmemmap_populate_shared_pte(struct machine *m, vaddr_t va,
				       pfn_t table, int nid)
{
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);

	if (!pmd)
		return -ENOMEM;
	BUG_ON(entry_present(*pmd));
	vmemmap_share_pte_range(m, va, va + (1ULL << m->geo.pmd_shift), table,
				NULL, true);
	return 0;
}

int vmemmap_populate_hvo(struct machine *m, pfn_t pfn, unsigned order,
			 struct zone *zone, bool ro)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	struct alloc_request req = kernel_page_request(SITE_MEMBLOCK_MEMMAP, zone->nid);
	bool fake_heads = gen_has(m, GEN_FAKE_HEADS);
	pfn_t tail = fake_heads ? PFN_NONE : vmemmap_shared_tail_page(m, order, zone), head;
	pfn_t shared_pte = PFN_NONE;
	uint64_t *pte;

	if (!fake_heads && tail == PFN_NONE)
		return -ENOMEM;
	/* hvo_share_pte: the table exists before any folio needs it. */
	if (vmemmap_share_pte_order(m, order)) {
		shared_pte = vmemmap_shared_pte_table(m, order, zone);
		if (shared_pte == PFN_NONE)
			return -ENOMEM;
		if (!ro) /* shared-tail: shared at write-protect time */
			shared_pte = PFN_NONE;
	}
	folio_range(m, pfn, order, &vstart, &vend);
	pte = vmemmap_pte_alloc(m, vstart, zone->nid);
	if (!pte)
		return -ENOMEM;
	head = alloc_frames(m, &req);
	if (head == PFN_NONE)
		return -ENOMEM;
	if (frame_claim_lazy(&m->frames, head, FO_VMEMMAP, ORIGIN_MEMBLOCK,
			     (vstart - g->vmemmap_start) >> g->page_shift)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	set_pt_entry(m, pte, mk_pte(head, true));
	m->stat.nr_memmap_boot_pages++;
	if (fake_heads) /* 6.15-6.18: every tail maps the head page itself */
		tail = head;
	for (vaddr_t va = vstart + g->page_size; va < vend; va += g->page_size) {
		if (shared_pte != PFN_NONE && IS_ALIGNED(va, 1ULL << g->pmd_shift)) {
			if (vmemmap_populate_shared_pte(m, va, shared_pte, zone->nid)) {
				vmemmap_undo_hvo(m, vstart, va, head);
				return -ENOMEM;
			}
			va += (1ULL << g->pmd_shift) - g->page_size;
			continue;
		}
		if (IS_ALIGNED(va, 1ULL << g->pmd_shift) && va + (1ULL << g->pmd_shift) <= vend) {
			uint64_t *pmd = vmemmap_pte_table_alloc(m, va, zone->nid);
			if (!pmd) {
				vmemmap_undo_hvo(m, vstart, va, head);
				return -ENOMEM;
			}
			set_pte_table_fill(m, *pmd, mk_pte(tail, !ro)); /* a table of tails */
			va += (1ULL << g->pmd_shift) - g->page_size;
			continue;
		}
		/* walk once per PTE table; inside one, the next entry follows */
		if (IS_ALIGNED(va, 1ULL << g->pmd_shift))
			pte = vmemmap_pte_alloc(m, va, zone->nid);
		else
			pte++;
		if (!pte) {
			vmemmap_undo_hvo(m, vstart, va, head);
			return -ENOMEM;
		}
		set_pt_entry(m, pte, mk_pte(tail, !ro));
		pte_written(m, va); /* a table done: host bytes */
	}
	return 0;
}

/*
 * The end of what __hugetlb_vmemmap_optimize_folios() asks to write-protect.
 * From the pre-HVO series (6.14) until "mm/hugetlb_vmemmap: fix
 * __hugetlb_vmemmap_optimize_folios()" (the 2026 bootmem refactor series)
 * it added pages_per_huge_page(h) to the vmemmap address of the head, a
 * page count to a byte address: a 1 GiB folio's first 256 KiB of struct
 * pages (vmemmap pages 1 to 63) became read-only, the other 4032 tail
 * PTEs stayed writable onto the page every tail shares.
 */
static vaddr_t wrprotect_end(struct machine *m, unsigned order, vaddr_t vstart,
			     vaddr_t vend)
{
	if (!gen_has(m, GEN_BUG_WRPROTECT_RANGE))
		return vend;
	return MIN(vend, vstart + (1ULL << order));
}

void vmemmap_wrprotect_hvo(struct machine *m, pfn_t pfn, unsigned order)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	uint64_t *pte = NULL;

	folio_range(m, pfn, order, &vstart, &vend);
	vend = wrprotect_end(m, order, vstart, vend);

	for (vaddr_t va = vstart + g->page_size; va < vend; va += g->page_size) {
		/* walk once per PTE table; inside one, the next entry follows */
		if (!pte || IS_ALIGNED(va, 1ULL << g->pmd_shift)) {
			struct pt_walk w;
			uint64_t e;
			BUG_ON(vmemmap_walk_va(m, va, &w) || w.leaf != PT_PTE);
			if (IS_ALIGNED(va, 1ULL << g->pmd_shift) &&
			    va + (1ULL << g->pmd_shift) <= vend && pte_table_alike(m, *w.pmd, &e)) {
				/* a table of one entry: the same entry read-only throughout */
				set_pte_table_fill(m, *w.pmd, mk_pte(entry_pfn(e), false));
				va += (1ULL << g->pmd_shift) - g->page_size;
				pte = NULL;
				continue;
			}
			pte = pt_walk_pte_mut(m, &w);
		} else
			pte++;
		set_pt_entry(m, pte, mk_pte(entry_pfn(*pte), false));
		pte_written(m, va); /* a table done: host bytes */
	}
	flush_tlb_kernel_range(m, vstart, vend);
	if (vmemmap_share_pte_order(m, order)) /* hvo_share_pte, shared-tail */
		vmemmap_reshare_folio(m, order, pfn);
}
