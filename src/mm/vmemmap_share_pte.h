/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared PTE tables for gigantic folios (hvo_share_pte=on): beyond the
 * kernel, for the shared-tail and generic designs.
 *
 * HVO splits every PMD of a folio's vmemmap into its own PTE table.  For a
 * 1 GiB folio on 4 KiB pages that is 8 tables, and 7 of them map nothing
 * but the zone's read-only shared tail page: 512 identical entries, the
 * same for every folio of that zone and order.  With this option those
 * PMDs point at one such table per zone and order instead, so an optimized
 * folio costs one private PTE table (the one that maps its head page).
 *
 * The table is allocated through the choke point (site shared_pte), filled,
 * and published by compare-and-swap, like the shared tail page, and like it
 * stays published for good; zone->vmemmap_pte_refs counts the PMDs that
 * point at it.  Its entries are never written after publication: restore
 * first gives each PMD a private copy (unshare), then remaps that.
 *
 * Only folios whose vmemmap spans two or more PMDs gain: 1 GiB on 4 KiB
 * pages (x86-64 and arm64).  With 16 KiB or 64 KiB pages a PMD maps 32 or
 * 512 MiB of vmemmap, more than any supported folio (1 GiB: 4 MiB; 16 GiB:
 * 16 MiB) has, so their folios keep one private table each.
 */
#ifndef HVO_VMEMMAP_SHARE_PTE_H
#define HVO_VMEMMAP_SHARE_PTE_H

#include "mm/hugetlb_vmemmap.h"
#include "machine.h"

/* Do optimized folios of @order share PTE tables on this machine? */
bool vmemmap_share_pte_order(const struct machine *m, unsigned order);

/* PMDs of an @order folio's vmemmap that map tails only (0: none). */
uint64_t vmemmap_share_pte_pmds(const struct geometry *g, unsigned order);

/*
 * The zone's shared PTE table for @order (allocated, filled with read-only
 * entries for the shared tail, and published on first use).  PFN_NONE if
 * allocation failed.  Safe to call from several threads at once.
 */
pfn_t vmemmap_shared_pte_table(struct machine *m, unsigned order,
			       struct zone *zone);

/* Does the PMD entry @pmd point at a shared PTE table? */
bool pmd_shared_pte(const struct machine *m, uint64_t pmd);

/* The reference count of shared table @table (NULL: not published). */
_Atomic uint64_t *shared_pte_refcount(struct machine *m, pfn_t table);

/*
 * Point every PMD of [start, end) (PMD-aligned, tails only) at @table.  A
 * PMD leaf's frames, or the vmemmap pages a private table maps, go on
 * @pages to be freed after the TLB flush; a private table is freed at once
 * after flushing its range.  The range is flushed unless @no_flush.
 * @pages may be NULL when the PMDs map nothing yet (boot population).
 */
void vmemmap_share_pte_range(struct machine *m, vaddr_t start, vaddr_t end,
			     pfn_t table, struct vmemmap_list *pages,
			     bool no_flush);

/*
 * Give every PMD of [start, end) that points at a shared table a private
 * copy of it (read-only tail entries), so its PTEs may be rewritten.  All
 * tables are allocated first (site pgtable): -ENOMEM with nothing changed.
 */
int vmemmap_unshare_pte_range(struct machine *m, vaddr_t start, vaddr_t end,
			      int nid);

/* Clear the PMD @pmd that points at a shared table; the caller flushes. */
void vmemmap_unlink_shared_pte(struct machine *m, uint64_t *pmd);

/* Sum of all PMDs that point at a shared table (vmstat nr_shared_pte_pmds). */
uint64_t nr_shared_pte_pmds(struct machine *m);

#endif
