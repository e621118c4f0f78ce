// SPDX-License-Identifier: GPL-2.0-only
/*
 * Geometry: derives every architecture constant the simulator needs from the
 * two run-time choices (base page size and sizeof(struct page)).
 *
 * x86-64 with 4 KiB pages uses 128 MiB sections; arm64 uses 128 MiB sections
 * with 4 KiB and 16 KiB pages and 512 MiB with 64 KiB pages
 * (docs/geometry.md#base-constants).
 * MAX_PAGE_ORDER follows each architecture's default: 10 (4K), 11 (16K),
 * 13 (64K).  We always model four page-table levels, each table one base page
 * of 8-byte entries, so a PMD maps 2 MiB / 32 MiB / 512 MiB.
 */
#include "hw/geometry.h"

/* vmemmap base: x86-64's VMEMMAP_START; aligned far beyond any folio size. */
#define VMEMMAP_START_DEFAULT 0xffffea0000000000ULL

int geometry_init(struct geometry *g, uint64_t page_size, unsigned struct_page,
		  bool arm64)
{
	if (page_size != 4096 && page_size != 16384 && page_size != 65536)
		return -EINVAL;
	if (struct_page != 56 && struct_page != 64 && struct_page != 72 &&
	    struct_page != 80)
		return -EINVAL;

	g->page_size = page_size;
	g->page_shift = ilog2_u64(page_size);
	g->struct_page_size = struct_page;
	g->struct_page_pow2 = is_pow2(struct_page);
	g->struct_page_shift = g->struct_page_pow2 ? ilog2_u64(struct_page) : 0;
	g->spp = g->struct_page_pow2 ? (unsigned)(page_size / struct_page) : 0;
	g->ptrs_shift = g->page_shift - 3;
	g->ptrs_per_table = 1ULL << g->ptrs_shift;
	g->pmd_shift = g->page_shift + g->ptrs_shift;
	g->pud_shift = g->pmd_shift + g->ptrs_shift;
	g->pgd_shift = g->pud_shift + g->ptrs_shift;
	g->vmemmap_start = VMEMMAP_START_DEFAULT;

	switch (page_size) {
	case 4096:
		g->section_shift = 27;
		g->max_order = 10;
		g->arch = arm64 ? "arm64" : "x86-64";
		g->arm64_4k = arm64;
		break;
	case 16384:
		g->section_shift = 27;
		g->max_order = 11;
		g->arch = "arm64";
		break;
	default:
		g->section_shift = 29;
		g->max_order = 13;
		g->arch = "arm64";
		break;
	}
	g->pages_per_section = 1ULL << (g->section_shift - g->page_shift);
	return 0;
}
