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
	unsigned map_id;  /* in use: the mapping that faulted it (hugetlb_surplus.c) */
};

/* A process's MAP_HUGETLB mapping (scenario `map`), every page faulted. */
struct hugetlb_mapping {
	char name[24];
	unsigned id;
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
	struct folio_list freelists[MAX_NUMNODES]; /* the free folios of the pool */
	struct folio_list inuse;    /* pool folios a mapping faulted (not free) */
	struct folio_list deferred; /* out of the pool, freed by free_hpage_workfn */
	struct hugetlb_mapping *maps;
	unsigned nr_maps, next_map_id;
};

#endif
