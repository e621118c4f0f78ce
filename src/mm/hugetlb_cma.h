/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HugeTLB's CMA areas (mm/hugetlb_cma.c): hugetlb_cma= reserves one area
 * per node at boot, aligned to the gigantic page size; gigantic pages
 * allocated at run time come from them first (only from them with
 * hugetlb_cma_only, in the kernels that have it), are optimized there and
 * go back to them when freed.
 */
#ifndef HVO_HUGETLB_CMA_H
#define HVO_HUGETLB_CMA_H

#include "machine.h"

/*
 * Before boot: hugetlb_cma_only in a kernel that lacks it is an unknown
 * parameter, passed to init.
 */
void hugetlb_cma_validate_params(struct machine *m);
/* hugetlb_cma_reserve(): the areas, from memblock (boot, before bootmem pages). */
void hugetlb_cma_reserve(struct machine *m);
/* Is any HugeTLB CMA area set up (hugetlb_cma_size)? */
bool hugetlb_cma_enabled(const struct machine *m);
/* hugetlb_cma_exclusive_alloc(): hugetlb_cma_only, in kernels that have it. */
bool hugetlb_cma_exclusive_alloc(const struct machine *m);
/* Does this kernel generation parse hugetlb_cma_only? */
bool hugetlb_cma_only_supported(const struct machine *m);
/*
 * hugetlb_cma_alloc_folio(): 2^@order pages from @nid's area, or from the
 * others unless @this_node.  PFN_NONE when none.
 */
pfn_t hugetlb_cma_alloc_folio(struct machine *m, unsigned order, int nid, bool this_node);

/*
 * alloc_contig_range()'s HugeTLB part for [start, end): migrate every
 * HugeTLB folio in use there (the old one is freed as a temporary page,
 * through the free worker if optimized).  0, or -EBUSY when a folio could
 * not be moved or a free pool folio lies in the range.
 */
int hugetlb_cma_migrate_range(struct machine *m, pfn_t start, pfn_t end);
/* wait_for_freed_hugetlb_folios() (67bab13307c8): run the free worker. */
void wait_for_freed_hugetlb_folios(struct machine *m);

#endif
