/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nodes, zones and memory sections of the simulated machine (the kernel's
 * pglist_data, struct zone and struct mem_section).
 *
 * Zone boundaries follow x86-64 for every geometry: DMA below 16 MiB, DMA32
 * below 4 GiB, Normal above, Movable carved from the top of each node's
 * highest zone by movablecore=, Device for ZONE_DEVICE (DAX) ranges.
 */
#ifndef HVO_MMZONE_H
#define HVO_MMZONE_H

#include <stdatomic.h>

#include "mm/page_alloc.h"
#include "types.h"

#define MAX_NUMNODES 64

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	MAX_NR_ZONES
};

/*
 * Shared tail pages exist for orders MIN..MAX (see
 * docs/geometry.md#shared-tail-constants); the largest range over all
 * geometries is 16 entries (4K: orders 7..22).
 */
#define NR_VMEMMAP_TAILS_MAX 16

struct zone {
	int nid;
	enum zone_type idx;
	pfn_t zone_start_pfn;
	uint64_t spanned_pages;
	uint64_t present_pages;
	uint64_t managed_pages;
	bool initialized;
	struct buddy buddy;
	/* Published shared tail pages, PFN_NONE-free: 0 means none yet. */
	_Atomic pfn_t vmemmap_tails[NR_VMEMMAP_TAILS_MAX];
	/*
	 * hvo_share_pte=on: the published PTE table that maps nothing but the
	 * shared tail of an order (0: none yet), and how many PMDs point at it.
	 */
	_Atomic pfn_t vmemmap_pte_tables[NR_VMEMMAP_TAILS_MAX];
	_Atomic uint64_t vmemmap_pte_refs[NR_VMEMMAP_TAILS_MAX];
};

/* pageblock_order: the PMD order, or MAX_PAGE_ORDER where that is smaller */
#define pageblock_order(m) MIN((m)->geo.pmd_shift - (m)->geo.page_shift, (m)->geo.max_order)

static inline pfn_t zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline bool zone_spans_pfn(const struct zone *z, pfn_t pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

struct pglist_data {
	int node_id;
	bool online;
	pfn_t node_start_pfn;
	uint64_t node_spanned_pages;
	uint64_t node_present_pages;
	struct zone node_zones[MAX_NR_ZONES];
};

/* mem_section flags */
#define SECTION_MARKED_PRESENT (1u << 0)
#define SECTION_HAS_MEM_MAP (1u << 1)
#define SECTION_IS_ONLINE (1u << 2)
#define SECTION_IS_EARLY (1u << 3)
#define SECTION_MEMMAP_SELF_HOSTED (1u << 4) /* memmap_on_memory altmap */
#define SECTION_VMEMMAP_PREINIT (1u << 5) /* populated by HugeTLB, optimized */
#define SECTION_IS_DEVICE (1u << 6)     /* ZONE_DEVICE (DAX) memory */

struct mem_section {
	uint8_t flags;
	int8_t nid;
	uint8_t order;   /* generic design: compound order of its pages */
	uint8_t zone;    /* generic design: zone of those compound pages */
	uint32_t memmap_pages; /* memmap pages accounted for this section */
};

struct machine;

const char *zone_name(enum zone_type z);
/* Zone that spans @pfn on its node (or the device zone of a DAX range), or NULL. */
struct zone *page_zone(struct machine *m, pfn_t pfn);
/*
 * page_zone() of every pfn of [@pfn, @pfn + @n) when it is one RAM zone,
 * found from the run's ends, in one section; NULL when it is not (or the
 * run spans sections, or a device range).
 */
struct zone *page_zone_run(struct machine *m, pfn_t pfn, uint64_t n);
/* Is @pfn present (in a present section and in memblock memory)? */
bool pfn_present(struct machine *m, pfn_t pfn);
/*
 * Section @s is marked present: scans of the sections stop after the
 * highest one ever present (m->nr_sections_used), not at the room for
 * 2^MAX_PHYSMEM_BITS of them.
 */
void section_mark_present(struct machine *m, uint64_t s);

uint64_t global_managed_pages(const struct machine *m);
uint64_t global_present_pages_memblock(const struct machine *m);
uint64_t global_free_pages(const struct machine *m);
/*
 * setup_per_cpu_pageset(), then the CPU-online update: each zone's per-CPU
 * lists get zone_batchsize() and zone_highsize() for PCP_NR_CPUS CPUs.
 */
void setup_per_cpu_pageset(struct machine *m);

#endif
