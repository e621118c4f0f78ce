/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Geometry of the simulated architecture: which architecture, its base page
 * size, sizeof(struct page), memory section size, MAX_PAGE_ORDER, HugeTLB
 * sizes, which vmemmap optimizations its Kconfig selects, and the 4-level
 * page-table shape of the vmemmap.
 *
 * One binary simulates every geometry, so these are run-time values kept in
 * the machine, never compile-time constants.  Values follow x86-64, arm64,
 * riscv64, loongarch64, s390 and powerpc (book3s64 radix): see
 * docs/geometry.md.
 */
#ifndef HVO_GEOMETRY_H
#define HVO_GEOMETRY_H

#include "types.h"

#define PTE_SIZE 8 /* bytes per page-table entry at every level */
#define NR_PGTABLE_LEVELS 4
#define SUBSECTION_SHIFT 21 /* fixed 2 MiB subsections */

enum hvo_arch {
	ARCH_X86_64,
	ARCH_ARM64,
	ARCH_RISCV64,
	ARCH_LOONGARCH64,
	ARCH_S390,
	ARCH_POWERPC,
	NR_HVO_ARCHS
};

/* What an architecture's Kconfig selects (mm/Kconfig symbols of that name). */
#define ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP (1u << 0) /* HugeTLB HVO */
#define ARCH_WANT_OPTIMIZE_DAX_VMEMMAP (1u << 1)     /* device DAX compound pages */
#define ARCH_WANT_HUGETLB_VMEMMAP_PREINIT (1u << 2)  /* pre-HVO of boot gigantic pages */

#define ARCH_MAX_HUGE_SIZES 4

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
	enum hvo_arch arch_id;
	const char *arch;           /* its name: "x86-64", "arm64", ... */
	unsigned arch_want;         /* ARCH_WANT_* the architecture selects */
	unsigned nr_huge_sizes;     /* what arch_hugetlb_valid_size() accepts */
	uint64_t huge_sizes[ARCH_MAX_HUGE_SIZES]; /* bytes, smallest first */
	uint64_t default_huge_size; /* HPAGE_SIZE: default_hugepagesz */
	vaddr_t vmemmap_align;      /* the base's alignment the arch guarantees */
};

/*
 * Fill @g for @arch with a base page of @page_size bytes and @struct_page
 * bytes.  -EINVAL if the architecture has no such page size.
 */
int geometry_init(struct geometry *g, enum hvo_arch arch, uint64_t page_size,
		  unsigned struct_page);

/* The architecture's name; its number from a name (0 or -EINVAL). */
const char *arch_name(enum hvo_arch arch);
int arch_from_name(const char *name, enum hvo_arch *arch);
/* "x86-64, arm64, ... or powerpc", for messages. */
void arch_names(char *buf, size_t len);
/* Why @arch's kernels have no HugeTLB HVO ("" where they have it). */
const char *arch_no_hvo_why(enum hvo_arch arch);
/* Base page sizes hvo models for @arch, and the one its kernels default to. */
bool arch_has_page_size(enum hvo_arch arch, uint64_t page_size);
uint64_t arch_default_page_size(enum hvo_arch arch);
/* "4K, 16K or 64K", for messages. */
void arch_page_sizes(enum hvo_arch arch, char *buf, size_t len);

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
