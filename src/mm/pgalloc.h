/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page-table pages under the vmemmap (pgalloc.c).
 */
#ifndef HVO_PGALLOC_H
#define HVO_PGALLOC_H

#include "arch/pgtable.h"

/*
 * Return the PMD entry for @va, allocating missing PUD and PMD tables on
 * @nid through the choke point.  NULL on allocation failure.
 */
uint64_t *vmemmap_pmd_alloc(struct machine *m, vaddr_t va, int nid);
/*
 * Return the PTE entry for @va, allocating missing tables.  NULL on
 * allocation failure or when @va is covered by a PMD leaf.
 */
uint64_t *vmemmap_pte_alloc(struct machine *m, vaddr_t va, int nid);
/*
 * The same walk, but return the PMD entry for @va with a PTE table below
 * it (allocated if absent), for writers of a whole table.
 */
uint64_t *vmemmap_pte_table_alloc(struct machine *m, vaddr_t va, int nid);

/* Allocate / free one page-table frame. */
pfn_t pgtable_alloc_frame(struct machine *m, int nid);
void pgtable_free_frame(struct machine *m, pfn_t pfn);

/*
 * Split the PMD leaf *@pmd (mapping the block that contains @va) into a PTE
 * table with the same frames, read-write.  Flushes the PMD's range from the
 * TLB unless @no_flush.  -ENOMEM if the table cannot be allocated.
 */
int vmemmap_split_pmd(struct machine *m, uint64_t *pmd, vaddr_t va, int nid,
		      bool no_flush);

#endif
