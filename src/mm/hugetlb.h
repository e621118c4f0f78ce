/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HugeTLB: page sizes (hstates), the boot-time and run-time pool, and the
 * sysctls.  Vmemmap optimization of the pool's folios is in
 * hugetlb_vmemmap.c; this file decides when it runs, as mm/hugetlb.c does:
 * pool growth optimizes a batch, shrinking restores a batch first, a failed
 * restore turns the folio into a surplus page.
 */
#ifndef HVO_HUGETLB_H
#define HVO_HUGETLB_H

#include "mm/cmdline.h"
#include "machine.h"

/* hugetlb private flags in the head's private word (enum hugetlb_page_flags) */
#define HPG_freed 3
#define HPG_vmemmap_optimized 4
/* page_type of a hugetlb head (its _mapcount word), as 6.12 encodes it */
#define PAGE_TYPE_HUGETLB ((int32_t)0xf4000000)

/* Sizes this geometry supports, ascending; returns how many. */
unsigned arch_hugetlb_sizes(const struct geometry *g, uint64_t *sizes);

struct hstate *size_to_hstate(struct machine *m, uint64_t size);
static inline uint64_t huge_page_size(const struct machine *m,
				      const struct hstate *h)
{
	return m->geo.page_size << h->order;
}
static inline uint64_t pages_per_huge_page(const struct hstate *h)
{
	return 1ULL << h->order;
}
/* "2.00 MiB", "1.00 GiB" as the kernel prints sizes. */
const char *hstate_size_str(const struct machine *m, const struct hstate *h,
			    char *buf, size_t len);

/* Before boot: register hstates, take the command line's requests. */
int hugetlb_apply_boot_params(struct machine *m, const struct boot_params *bp,
			      char *err, size_t errlen);
/* Early boot, before sparse_init: gigantic pages from memblock. */
int hugetlb_reserve_bootmem(struct machine *m, char *err, size_t errlen);
/*
 * Boot, after sparse_init: legacy takes its gigantic pages from memblock
 * now (after the memmap, as 6.12 does); shared-tail and generic populate
 * their pre-HVO bootmem pages.
 */
int hugetlb_vmemmap_init_late(struct machine *m, char *err, size_t errlen);
/* hugetlb_init: gather boot pages, allocate the non-gigantic boot pool. */
int hugetlb_late_init(struct machine *m, char *err, size_t errlen);

/*
 * Set the pool of @size to @count pages (on @nid only when not
 * NUMA_NO_NODE), like writing nr_hugepages.  Growing stops quietly when
 * memory runs out, as in the kernel; only bad arguments are errors.
 * Thread-safe: concurrent calls are serialized by the resize lock.
 */
int hugetlb_set_nr(struct machine *m, uint64_t size, uint64_t count, int nid,
		   char *err, size_t errlen);
/*
 * Write @nr to hugepages-<size>/demote (on node @nid only unless
 * NUMA_NO_NODE): 0, -EINVAL for a bad argument, or the write's error
 * (-ENOMEM: some folios were demoted, the rest stayed whole); @err says
 * which.  hugetlb_demote.c.
 */
int hugetlb_demote(struct machine *m, uint64_t size, uint64_t nr, int nid,
		   char *err, size_t errlen);
/* Write hugepages-<size>/demote_size. */
int hugetlb_set_demote_size(struct machine *m, uint64_t size, uint64_t demote_size,
			    char *err, size_t errlen);
/*
 * A process mapping @nr huge pages of @size (MAP_HUGETLB) and faulting
 * each, named @name; unmapping it.  hugetlb_surplus.c.  hugetlb_map
 * returns -ENOMEM (nothing changed, @err says so) when the reservation
 * cannot be met, -EINVAL for bad arguments.
 */
int hugetlb_map(struct machine *m, uint64_t size, uint64_t nr, const char *name,
		char *err, size_t errlen);
int hugetlb_unmap(struct machine *m, const char *name, char *err, size_t errlen);
/* Let the deferred-free worker (free_hpage_workfn) run to completion. */
void hugetlb_settle(struct machine *m);
/* Host memory behind an hstate's in-use, deferred and mapping records. */
void hugetlb_free_host_state(struct hstate *h);
int hugetlb_sysctl(struct machine *m, const char *name, const char *val,
		   char *err, size_t errlen);

void show_hugepages(struct machine *m, FILE *out);

/* Is the folio at @pfn (a pool folio) optimized?  Reads its head. */
bool folio_test_hugetlb_vmemmap_optimized(struct machine *m, pfn_t pfn);

/*
 * Dissolve the free huge page at @pfn of @h (hugetlb_dissolve.c): 0 (also
 * when it is not a free huge page), -EBUSY when every free page is
 * reserved, -ENOMEM when its vmemmap cannot be restored (the folio stays).
 */
int dissolve_free_hugetlb_folio(struct machine *m, struct hstate *h, pfn_t pfn);
/* Every free huge page overlapping [start, end); the first error. */
int dissolve_free_hugetlb_folios(struct machine *m, pfn_t start, pfn_t end);

#endif
