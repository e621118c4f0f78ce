/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection policy for the single allocation choke point.
 *
 * Modelled on the kernel's fault_attr / fail_page_alloc and SQLite's
 * MemFault: allocations are numbered from 1 as they reach the choke point;
 * "fail_nth = N" fails the N-th (transient) or the N-th and every later one
 * (persistent).  Filters restrict which allocations count: a mask of sites and
 * a minimum order.  Counters record how many allocations were seen and how
 * many were failed.
 *
 * A hook, when set, is called at every counted allocation after it is
 * numbered (nr_seen is its number) and before the decision, and may change
 * the attribute: the fork sweep (cli/sweep.c) forks there, and the child
 * sets fail_nth to this allocation.
 */
#ifndef HVO_FAULT_H
#define HVO_FAULT_H

#include "types.h"

/* Where an allocation comes from; one bit each so filters can be masks. */
enum alloc_site {
	SITE_MEMBLOCK_MEMMAP = 0, /* boot: vmemmap population */
	SITE_PGTABLE,             /* page-table pages under the vmemmap */
	SITE_VMEMMAP_HEAD,        /* HVO: new head vmemmap page */
	SITE_VMEMMAP_RESTORE,     /* HVO: pages allocated back on restore */
	SITE_SHARED_TAIL,         /* shared tail page (zone, order) */
	SITE_SHARED_PTE,          /* shared PTE table (zone, order): hvo_share_pte */
	SITE_HUGETLB,             /* huge page from buddy / contig / memblock */
	SITE_HOTPLUG_MEMMAP,      /* hot-add vmemmap population */
	SITE_KERNEL,              /* any other kernel allocation */
	NR_ALLOC_SITES
};

#define SITE_MASK_ALL ((1u << NR_ALLOC_SITES) - 1)

struct fault_attr {
	uint64_t fail_nth;    /* 0 = off; else the 1-based allocation to fail */
	bool persistent;      /* fail every allocation after fail_nth too */
	unsigned site_mask;   /* which sites count (bits of enum alloc_site) */
	unsigned min_order;   /* smaller orders do not count */
	uint64_t nr_seen;     /* counted allocations so far */
	uint64_t nr_injected; /* failures injected so far */
	void (*hook)(struct fault_attr *fa, void *arg); /* NULL: none */
	void *hook_arg;
};

const char *alloc_site_name(enum alloc_site site);
int alloc_site_parse(const char *name, enum alloc_site *out);

void fault_attr_init(struct fault_attr *fa);

/* The choke point's question: should this allocation fail? Counts it. */
bool should_fail_alloc(struct fault_attr *fa, enum alloc_site site,
		       unsigned order);

#endif
