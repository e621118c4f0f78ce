// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-table pages under the vmemmap: allocated through the allocation
 * choke point (memblock at boot, the buddy allocator later), freed back to
 * where they came from, the walk that allocates missing tables down to a
 * PMD or PTE entry, and the split of a PMD leaf into a PTE table.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/alloc.h"
#include "mm/pgalloc.h"

/* A table frame, given host bytes now (@bytes) or when first written. */
static pfn_t pgtable_alloc(struct machine *m, int nid, bool bytes)
{
	struct alloc_request req = kernel_page_request(SITE_PGTABLE, nid);
	enum frame_origin origin =
		m->phase == PHASE_EARLY ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY;
	pfn_t pfn = alloc_frames(m, &req);

	if (pfn == PFN_NONE)
		return PFN_NONE;
	if ((bytes ? frame_claim : frame_claim_zero)(&m->frames, pfn, FO_PGTABLE, origin)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	m->stat.vmemmap_pgtable_pages++;
	return pfn;
}

pfn_t pgtable_alloc_frame(struct machine *m, int nid)
{
	return pgtable_alloc(m, nid, true);
}

void pgtable_free_frame(struct machine *m, pfn_t pfn)
{
	enum frame_origin origin = frame_origin(&m->frames, pfn);

	frame_release(&m->frames, pfn);
	m->stat.vmemmap_pgtable_pages--;
	if (origin == ORIGIN_MEMBLOCK)
		free_reserved_frames(m, pfn, 1);
	else
		free_frames(m, pfn, 0);
}

/* Give *@parent a table if it has none; -ENOMEM if that allocation fails. */
static int pt_table_alloc(struct machine *m, uint64_t *parent, int nid)
{
	if (!entry_present(*parent)) {
		pfn_t t = pgtable_alloc_frame(m, nid);
		if (t == PFN_NONE)
			return -ENOMEM;
		set_pt_entry(m, parent, mk_table_entry(t));
	}
	return 0;
}

/* Entry at @level for @va below *@parent, allocating the table if absent. */
static uint64_t *pt_next_alloc(struct machine *m, uint64_t *parent,
			       vaddr_t va, enum pt_level level, int nid)
{
	if (pt_table_alloc(m, parent, nid))
		return NULL;
	return &pt_table_mut(m, *parent)[pt_index(&m->geo, va, level)];
}

uint64_t *vmemmap_pmd_alloc(struct machine *m, vaddr_t va, int nid)
{
	uint64_t *pgd = &m->pgd[pt_index(&m->geo, va, PT_PGD)];
	uint64_t *pud = pt_next_alloc(m, pgd, va, PT_PUD, nid);

	return pud ? pt_next_alloc(m, pud, va, PT_PMD, nid) : NULL;
}

uint64_t *vmemmap_pte_table_alloc(struct machine *m, vaddr_t va, int nid)
{
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);

	if (!pmd || pmd_leaf(*pmd) || pt_table_alloc(m, pmd, nid))
		return NULL;
	return pmd;
}

uint64_t *vmemmap_pte_alloc(struct machine *m, vaddr_t va, int nid)
{
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);

	if (!pmd || pmd_leaf(*pmd))
		return NULL;
	return pt_next_alloc(m, pmd, va, PT_PTE, nid);
}

int vmemmap_split_pmd(struct machine *m, uint64_t *pmd, vaddr_t va, int nid,
		      bool no_flush)
{
	const struct geometry *g = &m->geo;
	vaddr_t start = ALIGN_DOWN(va, 1ULL << g->pmd_shift);
	pfn_t block = entry_pfn(*pmd), table;
	bool writable = entry_writable(*pmd);

	BUG_ON(!pmd_leaf(*pmd));
	table = pgtable_alloc(m, nid, false);
	if (table == PFN_NONE)
		return -ENOMEM;
	/* block, block + 1, ...: host bytes only once the table is walked */
	set_pte_table_split(m, table, block, writable);
	/*
	 * The kernel also split_page()s a buddy-allocated block here so its
	 * pages can be freed one by one; our buddy allocator frees any
	 * order-0 page of a block already, so nothing more is needed.
	 */
	/* a live block entry becomes a table entry: break-before-make on arm64 */
	set_pt_entries_live(m, pmd, start, 1ULL << g->pmd_shift, 1, mk_table_entry(table), 0);
	m->stat.nr_pmd_splits++;
	if (!no_flush)
		flush_tlb_kernel_range(m, start, start + (1ULL << g->pmd_shift));
	return 0;
}

