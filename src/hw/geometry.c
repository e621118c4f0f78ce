// SPDX-License-Identifier: GPL-2.0-only
/*
 * Geometry: every architecture constant the simulator needs, from the three
 * run-time choices (architecture, base page size, sizeof(struct page)).
 *
 * Each architecture is one row of arch_table[] below: the base page sizes
 * hvo models for it, SECTION_SIZE_BITS and ARCH_FORCE_MAX_ORDER (the
 * buddy's MAX_PAGE_ORDER) per page size, the HugeTLB sizes its
 * arch_hugetlb_valid_size() accepts and its HPAGE_SIZE, and which of the
 * vmemmap optimizations its Kconfig selects (mm/Kconfig
 * ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP, ARCH_WANT_OPTIMIZE_DAX_VMEMMAP,
 * ARCH_WANT_HUGETLB_VMEMMAP_PREINIT).  docs/geometry.md#architectures
 * tells each row's story and the kernel commits behind it.
 *
 * The vmemmap page table is hvo's own on every architecture: four levels,
 * each table one base page of 8-byte entries, so a PMD maps 2 MiB /
 * 32 MiB / 512 MiB of vmemmap with 4K / 16K / 64K pages.  The vmemmap base
 * is x86-64's VMEMMAP_START on every architecture: it satisfies every
 * architecture's alignment rule (vmemmap_align), which is what HVO cares
 * about.
 */
#include <string.h>

#include "hw/geometry.h"

/* vmemmap base: x86-64's VMEMMAP_START; aligned far beyond any folio size. */
#define VMEMMAP_START_DEFAULT 0xffffea0000000000ULL

/* One base page size of one architecture. */
struct arch_page_geometry {
	uint64_t page_size;       /* 0 ends the list */
	unsigned section_shift;   /* SECTION_SIZE_BITS */
	unsigned max_order;       /* MAX_PAGE_ORDER (ARCH_FORCE_MAX_ORDER) */
	uint64_t huge_sizes[ARCH_MAX_HUGE_SIZES]; /* smallest first, 0 ends */
	uint64_t default_huge_size; /* HPAGE_SIZE */
};

struct arch_desc {
	const char *name;
	unsigned want;            /* ARCH_WANT_* */
	uint64_t default_page_size;
	/* the vmemmap base alignment is max(PMD_SIZE, the folio's) there */
	bool vmemmap_align_pmd;
	const char *no_hvo_why;   /* without HugeTLB HVO: since when, why */
	struct arch_page_geometry pages[4];
};

#define K4 4096ULL
#define K16 16384ULL
#define K64 65536ULL

static const struct arch_desc arch_table[NR_HVO_ARCHS] = {
	/* ARCH_WANT_* since 0b376f1e0ff5, pre-HVO since 08efe2935030 */
	[ARCH_X86_64] = {
		.name = "x86-64",
		.want = ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP | ARCH_WANT_OPTIMIZE_DAX_VMEMMAP |
			ARCH_WANT_HUGETLB_VMEMMAP_PREINIT,
		.default_page_size = K4,
		.pages = { { K4, 27, 10, { 2 * SZ_1M, SZ_1G }, 2 * SZ_1M } },
	},
	/* HugeTLB HVO disabled by 060a2c92d1b6; no DAX optimization selected */
	[ARCH_ARM64] = {
		.name = "arm64",
		.want = 0,
		.no_hvo_why = "disabled by 060a2c92d1b6: no break-before-make",
		.default_page_size = K4,
		.pages = {
			/* cont-PTE, PMD, cont-PMD, PUD */
			{ K4, 27, 10, { 64 * SZ_1K, 2 * SZ_1M, 32 * SZ_1M, SZ_1G }, 2 * SZ_1M },
			/* cont-PTE, PMD, cont-PMD */
			{ K16, 27, 11, { 2 * SZ_1M, 32 * SZ_1M, SZ_1G }, 32 * SZ_1M },
			{ K64, 29, 13, { 2 * SZ_1M, 512 * SZ_1M, 16 * SZ_1G }, 512 * SZ_1M },
		},
	},
	/* HugeTLB and DAX; the vmemmap aligned by 476849b0fba4 */
	[ARCH_RISCV64] = {
		.name = "riscv64",
		.want = ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP | ARCH_WANT_OPTIMIZE_DAX_VMEMMAP,
		.default_page_size = K4,
		.pages = { { K4, 27, 10, { 2 * SZ_1M, SZ_1G }, 2 * SZ_1M } },
	},
	/* HugeTLB only (no device DAX); PMD-sized pages only; 2969b42c8f99 */
	[ARCH_LOONGARCH64] = {
		.name = "loongarch64",
		.want = ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP,
		.default_page_size = K16,
		.vmemmap_align_pmd = true,
		.pages = {
			{ K4, 29, 10, { 2 * SZ_1M }, 2 * SZ_1M },
			{ K16, 29, 11, { 32 * SZ_1M }, 32 * SZ_1M },
			{ K64, 29, 13, { 512 * SZ_1M }, 512 * SZ_1M },
		},
	},
	/* enabled by 00a34d5a99c0, disabled again by 64e2f60f355e */
	[ARCH_S390] = {
		.name = "s390",
		.want = 0,
		.no_hvo_why = "disabled again by 64e2f60f355e: no valid-to-valid PTE change",
		.default_page_size = K4,
		/* segment (1 MiB) and region-third (2 GiB) frames */
		.pages = { { K4, 28, 10, { SZ_1M, 2 * SZ_1G }, SZ_1M } },
	},
	/*
	 * book3s64 radix: the DAX form only (ARCH_WANT_OPTIMIZE_DAX_VMEMMAP if
	 * PPC_RADIX_MMU).  4K pages only: with 64K pages (MAX_PAGE_ORDER 8) a
	 * 16 MiB section's memmap is a quarter of a page, which the kernel's
	 * per-section accounting rounds up to a whole one; hvo does not model
	 * memmap pages shared by sections.
	 */
	[ARCH_POWERPC] = {
		.name = "powerpc",
		.want = ARCH_WANT_OPTIMIZE_DAX_VMEMMAP,
		.no_hvo_why = "never selected: the DAX form only",
		.default_page_size = K4,
		.pages = { { K4, 24, 12, { 2 * SZ_1M, SZ_1G }, 2 * SZ_1M } },
	},
};

static const struct arch_page_geometry *arch_page(enum hvo_arch arch,
						  uint64_t page_size)
{
	if ((unsigned)arch >= NR_HVO_ARCHS)
		return NULL;
	for (const struct arch_page_geometry *p = arch_table[arch].pages; p->page_size; p++)
		if (p->page_size == page_size)
			return p;
	return NULL;
}

const char *arch_name(enum hvo_arch arch)
{
	return (unsigned)arch < NR_HVO_ARCHS ? arch_table[arch].name : "?";
}

int arch_from_name(const char *name, enum hvo_arch *arch)
{
	for (unsigned a = 0; a < NR_HVO_ARCHS; a++) {
		if (!strcmp(name, arch_table[a].name)) {
			*arch = (enum hvo_arch)a;
			return 0;
		}
	}
	return -EINVAL;
}

void arch_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned a = 0; a < NR_HVO_ARCHS && off < len; a++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					a ? (a + 1 == NR_HVO_ARCHS ? " or " : ", ") : "",
					arch_table[a].name);
}

const char *arch_no_hvo_why(enum hvo_arch arch)
{
	const char *why = (unsigned)arch < NR_HVO_ARCHS ? arch_table[arch].no_hvo_why : NULL;

	return why ? why : "";
}

bool arch_has_page_size(enum hvo_arch arch, uint64_t page_size)
{
	return arch_page(arch, page_size) != NULL;
}

uint64_t arch_default_page_size(enum hvo_arch arch)
{
	return (unsigned)arch < NR_HVO_ARCHS ? arch_table[arch].default_page_size : K4;
}

void arch_page_sizes(enum hvo_arch arch, char *buf, size_t len)
{
	size_t off = 0;
	unsigned n = 0;

	buf[0] = '\0';
	if ((unsigned)arch >= NR_HVO_ARCHS)
		return;
	for (const struct arch_page_geometry *p = arch_table[arch].pages; p->page_size; p++)
		n++;
	for (unsigned i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lluK",
					i ? (i + 1 == n ? " or " : ", ") : "",
					(unsigned long long)(arch_table[arch].pages[i].page_size >> 10));
}

/*
 * MAX_FOLIO_VMEMMAP_ALIGN (the memmap of a 16 GiB folio): where the vmemmap
 * base must be aligned for the mask encoding of the fake-head-free kernels
 * (9f94db4c7eaa checks it); LoongArch takes the larger of it and PMD_SIZE.
 */
static uint64_t vmemmap_align(const struct arch_desc *a, const struct geometry *g)
{
	uint64_t folio = g->struct_page_pow2 ? ((16 * SZ_1G) >> g->page_shift) * g->struct_page_size : 0;

	if (a->vmemmap_align_pmd)
		return MAX(folio, 1ULL << g->pmd_shift);
	return folio ? folio : 1ULL << g->section_shift;
}

int geometry_init(struct geometry *g, enum hvo_arch arch, uint64_t page_size,
		  unsigned struct_page)
{
	const struct arch_page_geometry *p = arch_page(arch, page_size);
	const struct arch_desc *a;

	if (!p)
		return -EINVAL;
	if (struct_page != 56 && struct_page != 64 && struct_page != 72 &&
	    struct_page != 80)
		return -EINVAL;
	a = &arch_table[arch];
	memset(g, 0, sizeof(*g));
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
	g->section_shift = p->section_shift;
	g->max_order = p->max_order;
	g->pages_per_section = 1ULL << (g->section_shift - g->page_shift);
	g->arch_id = arch;
	g->arch = a->name;
	g->arch_want = a->want;
	for (unsigned i = 0; i < ARCH_MAX_HUGE_SIZES && p->huge_sizes[i]; i++)
		g->huge_sizes[g->nr_huge_sizes++] = p->huge_sizes[i];
	g->default_huge_size = p->default_huge_size;
	g->vmemmap_align = vmemmap_align(a, g);
	return 0;
}
