/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Geometry of the simulated architecture: base page size, sizeof(struct page),
 * memory section size and the 4-level page-table shape of the vmemmap.
 *
 * One binary simulates every geometry, so these are run-time values kept in
 * the machine, never compile-time constants.  Values follow x86-64 (4K) and
 * arm64 (4K, 16K, 64K): see docs/geometry.md.
 */
#ifndef HVO_GEOMETRY_H
#define HVO_GEOMETRY_H

#include "types.h"

#define PTE_SIZE 8 /* bytes per page-table entry at every level */
#define NR_PGTABLE_LEVELS 4
#define SUBSECTION_SHIFT 21 /* fixed 2 MiB subsections */

struct geometry {
	unsigned page_shift;        /* 12, 14 or 16 */
	uint64_t page_size;
	unsigned struct_page_size;  /* 64 normally; 56, 72, 80 allowed */
	bool struct_page_pow2;      /* mask encoding and HVO need this */
	unsigned struct_page_shift; /* log2(struct_page_size) when pow2 */
	unsigned section_shift;     /* SECTION_SIZE_BITS */
	uint64_t pages_per_section;
	unsigned ptrs_shift;        /* log2(entries per table) */
	uint64_t ptrs_per_table;
	unsigned pmd_shift, pud_shift, pgd_shift;
	unsigned max_order;         /* MAX_PAGE_ORDER of the buddy allocator */
	unsigned spp;               /* struct pages per vmemmap page (pow2 only) */
	vaddr_t vmemmap_start;      /* VA of the struct page of pfn 0 */
	const char *arch;           /* "x86-64" or "arm64" */
	bool arm64_4k;              /* arm64 with 4K pages (64K and 32M huge pages) */
};

/* Fill @g for a base page of @page_size bytes and @struct_page bytes. */
int geometry_init(struct geometry *g, uint64_t page_size, unsigned struct_page,
		  bool arm64);

static inline vaddr_t pfn_to_page_va(const struct geometry *g, pfn_t pfn)
{
	return g->vmemmap_start + pfn * g->struct_page_size;
}

static inline pfn_t page_va_to_pfn(const struct geometry *g, vaddr_t va)
{
	return (va - g->vmemmap_start) / g->struct_page_size;
}

static inline uint64_t pfn_to_section_nr(const struct geometry *g, pfn_t pfn)
{
	return pfn >> (g->section_shift - g->page_shift);
}

static inline pfn_t section_nr_to_pfn(const struct geometry *g, uint64_t sec)
{
	return sec << (g->section_shift - g->page_shift);
}

/* Memmap pages the kernel accounts for one full section (DIV_ROUND_UP). */
static inline uint64_t section_memmap_pages(const struct geometry *g)
{
	return DIV_ROUND_UP(g->pages_per_section * g->struct_page_size,
			    g->page_size);
}

/* vmemmap bytes describing a compound page of @order. */
static inline uint64_t vmemmap_bytes_for_order(const struct geometry *g,
					       unsigned order)
{
	return ((uint64_t)1 << order) * g->struct_page_size;
}

#endif
