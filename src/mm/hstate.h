/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct hstate: one HugeTLB page size and its pool counters (the numbers
 * behind /sys/kernel/mm/hugepages/hugepages-<size>kB and HugePages_* in
 * /proc/meminfo).  The pool operations live in hugetlb.c.
 */
#ifndef HVO_HSTATE_H
#define HVO_HSTATE_H

#include "mm/mmzone.h"
#include "types.h"

#define HUGE_MAX_HSTATE 4

/* Host-side record of one huge page (folio) owned by the pool. */
struct hugetlb_folio {
	pfn_t pfn;
	bool bootmem;     /* came from memblock at boot */
};

/* The free folios of one node, most recently enqueued last. */
struct folio_list {
	struct hugetlb_folio *v;
	uint64_t nr, cap;
};

struct hstate {
	unsigned order;
	unsigned demote_order;    /* 0: no demote / demote_size files */
	bool registered;
	uint64_t nr_huge_pages, free_huge_pages, surplus_huge_pages;
	uint64_t resv_huge_pages, nr_overcommit_huge_pages;
	uint64_t max_huge_pages;
	uint64_t nr_huge_pages_node[MAX_NUMNODES];
	uint64_t free_huge_pages_node[MAX_NUMNODES];
	uint64_t surplus_huge_pages_node[MAX_NUMNODES];
	uint64_t nr_optimized;    /* folios whose vmemmap is optimized */
	unsigned next_nid_to_alloc, next_nid_to_free;
	struct folio_list freelists[MAX_NUMNODES]; /* every folio in the pool */
};

#endif
