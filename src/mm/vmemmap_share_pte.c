// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared PTE tables for gigantic folios (see vmemmap_share_pte.h): the
 * table's allocation and publication, pointing PMDs at it and taking them
 * back, and its reference counts.
 */
#include <string.h>

#include "mm/alloc.h"
#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/vmemmap_share_pte.h"

uint64_t vmemmap_share_pte_pmds(const struct geometry *g, unsigned order)
{
	uint64_t bytes = vmemmap_bytes_for_order(g, order);
	uint64_t pmd_size = 1ULL << g->pmd_shift;

	if (!g->struct_page_pow2 || bytes < 2 * pmd_size)
		return 0;
	return bytes / pmd_size - 1;
}

bool vmemmap_share_pte_order(const struct machine *m, unsigned order)
{
	return m->vmemmap_share_pte && gen_has(m, GEN_SHARED_TAILS) &&
	       hugetlb_vmemmap_optimizable_size(m, order) &&
	       vmemmap_share_pte_pmds(&m->geo, order);
}

/* Fill a new shared table: every entry the shared tail, read-only. */
static void init_shared_pte_table(struct machine *m, pfn_t table, pfn_t tail)
{
	uint64_t *pte = (uint64_t *)frame_bytes(&m->frames, table);
	uint64_t n = m->geo.ptrs_per_table;

	for (uint64_t i = 0; i < n; i++)
		pte[i] = mk_pte(tail, false);
	__atomic_fetch_add(&m->stat.nr_pte_writes, n, __ATOMIC_RELAXED);
}

pfn_t vmemmap_shared_pte_table(struct machine *m, unsigned order,
			       struct zone *zone)
{
	unsigned idx = order - vmemmap_tail_min_order(&m->geo);
	struct alloc_request req = kernel_page_request(SITE_SHARED_PTE, zone->nid);
	enum frame_origin origin =
		m->phase == PHASE_EARLY ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY;
	pfn_t t, tail, won;

	BUG_ON(!vmemmap_share_pte_order(m, order) || idx >= NR_VMEMMAP_TAILS_MAX);
	t = atomic_load(&zone->vmemmap_pte_tables[idx]);
	if (t)
		return t;
	tail = vmemmap_shared_tail_page(m, order, zone);
	if (tail == PFN_NONE)
		return PFN_NONE;
	mm_lock(m);
	t = alloc_frames(m, &req);
	if (t != PFN_NONE && frame_claim(&m->frames, t, FO_SHARED_PTE, origin)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	mm_unlock(m);
	if (t == PFN_NONE)
		return PFN_NONE;
	init_shared_pte_table(m, t, tail);
	won = vmemmap_publish_shared(m, &zone->vmemmap_pte_tables[idx], t,
				     &m->stat.nr_shared_pte_races_lost, zone, order);
	if (won != t)
		return won;
	__atomic_fetch_add(&m->stat.vmemmap_pgtable_pages, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->stat.nr_shared_pte_tables, 1, __ATOMIC_RELAXED);
	return t;
}

bool pmd_shared_pte(const struct machine *m, uint64_t pmd)
{
	return entry_present(pmd) && !pmd_leaf(pmd) &&
	       frame_owner(&m->frames, entry_pfn(pmd)) == FO_SHARED_PTE;
}

_Atomic uint64_t *shared_pte_refcount(struct machine *m, pfn_t table)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			for (unsigned i = 0; i < NR_VMEMMAP_TAILS_MAX; i++)
				if (atomic_load(&zone->vmemmap_pte_tables[i]) == table)
					return &zone->vmemmap_pte_refs[i];
		}
	}
	return NULL;
}

/*
 * Point one PMD at the shared table.  What it mapped before goes on
 * @pages (a leaf's block, a private table's own vmemmap pages); a private
 * table is freed once no CPU can walk it any more.
 */
static void vmemmap_share_pmd(struct machine *m, uint64_t *pmd, vaddr_t addr,
			      pfn_t table, _Atomic uint64_t *refs,
			      struct vmemmap_list *pages)
{
	const struct geometry *g = &m->geo;
	uint64_t old = *pmd;
	pfn_t private = PFN_NONE;

	if (pmd_leaf(old)) {
		for (uint64_t i = 0; i < g->ptrs_per_table; i++)
			vmemmap_list_add(pages, entry_pfn(old) + i);
	} else if (entry_present(old)) {
		const uint64_t *pte = pt_table(m, old);
		BUG_ON(pmd_shared_pte(m, old));
		for (uint64_t i = 0; i < g->ptrs_per_table; i++)
			if (entry_present(pte[i]) &&
			    frame_owner(&m->frames, entry_pfn(pte[i])) == FO_VMEMMAP)
				vmemmap_list_add(pages, entry_pfn(pte[i]));
		private = entry_pfn(old);
	}
	if (entry_present(old)) /* a live entry: break-before-make on arm64 */
		set_pt_entries_live(m, pmd, addr, 1ULL << g->pmd_shift, 1,
				    mk_table_entry(table), 0);
	else
		set_pt_entry(m, pmd, mk_table_entry(table));
	atomic_fetch_add(refs, 1);
	if (private != PFN_NONE) {
		flush_tlb_kernel_range(m, addr, addr + (1ULL << g->pmd_shift));
		pgtable_free_frame(m, private);
	}
}

void vmemmap_share_pte_range(struct machine *m, vaddr_t start, vaddr_t end,
			     pfn_t table, struct vmemmap_list *pages,
			     bool no_flush)
{
	uint64_t pmd_size = 1ULL << m->geo.pmd_shift;
	_Atomic uint64_t *refs = shared_pte_refcount(m, table);

	BUG_ON(!refs || !IS_ALIGNED(start, pmd_size) || !IS_ALIGNED(end, pmd_size));
	for (vaddr_t addr = start; addr < end; addr += pmd_size) {
		uint64_t *pmd = vmemmap_pmd_alloc(m, addr, 0);
		BUG_ON(!pmd); /* a folio's vmemmap has its PMD tables already */
		vmemmap_share_pmd(m, pmd, addr, table, refs, pages);
	}
	if (!no_flush && start < end)
		flush_tlb_kernel_range(m, start, end);
}

int vmemmap_unshare_pte_range(struct machine *m, vaddr_t start, vaddr_t end,
			      int nid)
{
	const struct geometry *g = &m->geo;
	uint64_t pmd_size = 1ULL << g->pmd_shift, nr = 0;
	struct vmemmap_list tables;
	struct pt_walk w;

	for (vaddr_t addr = start; addr < end; addr += pmd_size)
		nr += !vmemmap_walk_va(m, addr, &w) && pmd_shared_pte(m, *w.pmd);
	if (!nr)
		return 0;
	vmemmap_list_init(&tables);
	for (uint64_t i = 0; i < nr; i++) {
		pfn_t t = pgtable_alloc_frame(m, nid);
		if (t == PFN_NONE) {
			while (tables.nr)
				pgtable_free_frame(m, vmemmap_list_pop(&tables));
			vmemmap_list_destroy(&tables);
			return -ENOMEM;
		}
		vmemmap_list_add(&tables, t);
	}
	for (vaddr_t addr = start; addr < end; addr += pmd_size) {
		uint64_t *copy;
		const uint64_t *shared;
		pfn_t t;

		if (vmemmap_walk_va(m, addr, &w) || !pmd_shared_pte(m, *w.pmd))
			continue;
		t = vmemmap_list_pop(&tables);
		shared = pt_table(m, *w.pmd);
		copy = (uint64_t *)frame_bytes(&m->frames, t);
		for (uint64_t i = 0; i < g->ptrs_per_table; i++)
			set_pt_entry(m, &copy[i], shared[i]);
		vmemmap_unlink_shared_pte(m, w.pmd);
		/* invalid now: the TLB flush comes before the new entry on arm64 */
		set_pt_entries_live(m, w.pmd, addr, pmd_size, 1, mk_table_entry(t), 0);
		flush_tlb_kernel_range(m, addr, addr + pmd_size);
	}
	vmemmap_list_destroy(&tables);
	return (int)nr;
}

void vmemmap_unlink_shared_pte(struct machine *m, uint64_t *pmd)
{
	_Atomic uint64_t *refs = shared_pte_refcount(m, entry_pfn(*pmd));

	BUG_ON(!refs || !atomic_load(refs));
	set_pt_entry(m, pmd, 0);
	atomic_fetch_sub(refs, 1);
}

uint64_t nr_shared_pte_pmds(struct machine *m)
{
	uint64_t n = 0;

	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			for (unsigned i = 0; i < NR_VMEMMAP_TAILS_MAX; i++)
				n += atomic_load(&m->nodes[nid].node_zones[z].vmemmap_pte_refs[i]);
	return n;
}
