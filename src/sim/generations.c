// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel generations hvo models, one row each.  A new generation is a
 * new row here, plus the functions that are really new in it: its ops if
 * it optimizes or restores differently, a GEN_* bit where a path of the
 * simulated kernel branches on it.  Usage text, parsing and error
 * messages are made from this table.  docs/generations.md describes each
 * row and the kernel commits behind it.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/hugetlb_vmemmap.h"
#include "mm/page_struct.h"
#include "sim/generations.h"
#ifdef HVO_KERNEL_MODE
#include "kmode.h" /* kernel/: make kernel KSRC=... */
#include "kpage_layout.h" /* made by kernel/build.sh from the tree */

static const struct page_layout kernel_page_layout = HVO_KERNEL_PAGE_LAYOUT;
#endif

#define LEGACY (GEN_FAKE_HEADS | GEN_RCU_PER_BATCH | GEN_STATIC_KEY)
#define SHARED_TAIL (GEN_MASK_ENCODING | GEN_SHARED_TAILS | GEN_PRE_HVO | GEN_FOLIO_PAGE3 | \
		     GEN_HUGETLB_CMA_ONLY)
#define GENERIC (SHARED_TAIL | GEN_SECTION_ORDER)
/*
 * 6.1 (Debian's 6.1.192): fake heads and the static key, but no batches,
 * no new head page, FIFO page lists, no tail check on free (GEN_UNBATCHED
 * and the next three: generation.h), and everything legacy-6.5 lacks: no
 * RCU wait (bd225530a4c7), __GFP_THISNODE (2eaa6c2abb9d), every boot
 * gigantic struct page initialized (fde1c4ecf916).  Restore resets 3
 * struct pages (no page[3] fields).
 */
#define LEGACY_61 (GEN_FAKE_HEADS | GEN_STATIC_KEY | GEN_UNBATCHED | GEN_HEAD_IN_PLACE | \
		   GEN_LIST_FIFO | GEN_NO_FREE_TAIL_CHECK | GEN_BUG_SPECULATIVE_WALKERS | \
		   GEN_BUG_VMEMMAP_THISNODE | GEN_BUG_INIT_HVO_TAILS)

#define LEGACY_OPS .design = "legacy", \
	.optimize_folio = legacy_vmemmap_optimize, \
	.restore_folio = legacy_vmemmap_restore
#define SHARED_OPS .optimize_folio = shared_vmemmap_optimize, \
	.restore_folio = shared_vmemmap_restore

const struct hvo_generation hvo_generations[] = {
	{ .name = "legacy", LEGACY_OPS, .flags = LEGACY | GEN_FOLIO_PAGE3, .compare = true,
	  .layout = &page_layout_6_12,
	  .help = "6.12.113: fake heads, pointer encoding" },
	{ .name = "legacy-6.12.115", LEGACY_OPS,
	  .flags = LEGACY | GEN_FOLIO_PAGE3 | GEN_BUG_SKIP_RESET | GEN_BUG_HEAD_IS_TAIL,
	  .layout = &page_layout_6_12,
	  .help = "Debian 6.12.115-117: restore, no reset" },
	{ .name = "legacy-6.12.0", LEGACY_OPS,
	  .flags = LEGACY | GEN_BUG_PRE_2026_FIXES | GEN_BUG_BOOT_MEMMAP_REMOVE,
	  .layout = &page_layout_6_12,
	  .help = "6.12.0: before the 2025 and 2026 fixes" },
	{ .name = "legacy-6.11", LEGACY_OPS,
	  .flags = LEGACY | GEN_BUG_PRE_2026_FIXES | GEN_BUG_BOOT_MEMMAP_REMOVE |
		   GEN_BUG_RCU_WITHOUT_HVO,
	  .help = "before c2a967f6ab0e (RCU without HVO)" },
	{ .name = "legacy-6.10", LEGACY_OPS,
	  .flags = LEGACY | GEN_BUG_SPECULATIVE_WALKERS,
	  .help = "before bd225530a4c7 (PFN walkers)" },
	{ .name = "legacy-6.9", LEGACY_OPS,
	  .flags = LEGACY | GEN_BUG_SPECULATIVE_WALKERS | GEN_BUG_DISSOLVE_CLEAR_FLAG,
	  .help = "also before 52ccdde16b65 (dissolve)" },
	{ .name = "legacy-6.5", LEGACY_OPS,
	  .flags = LEGACY | GEN_UNBATCHED | GEN_BUG_SPECULATIVE_WALKERS |
		   GEN_BUG_VMEMMAP_THISNODE | GEN_BUG_INIT_HVO_TAILS |
		   GEN_BUG_DISSOLVE_CLEAR_FLAG,
	  .help = "also before 2eaa6c2abb9d (THISNODE), unbatched" },
	{ .name = "legacy-6.1", LEGACY_OPS, .flags = LEGACY_61, .layout = &page_layout_6_1,
	  .help = "Debian 6.1.192: unbatched, head in place" },
	{ .name = "legacy-6.13", LEGACY_OPS, .flags = LEGACY | GEN_BUG_CMA_NO_WAIT,
	  .help = "before 67bab13307c8 (cma_alloc waits)" },
	{ .name = "legacy-6.18", LEGACY_OPS,
	  .flags = LEGACY | GEN_PRE_HVO | GEN_FOLIO_PAGE3 | GEN_HUGETLB_CMA_ONLY,
	  .help = "6.15-6.18: fake heads, pre-HVO at boot" },
	{ .name = "legacy-6.14", LEGACY_OPS,
	  .flags = LEGACY | GEN_PRE_HVO | GEN_BUG_PRE_2026_FIXES |
		   GEN_BUG_BOOT_MEMMAP_REMOVE | GEN_BUG_WRPROTECT_RANGE,
	  .help = "6.14: pre-HVO tails 1/64 write-protected" },
	{ .name = "legacy-6.15-rc1", LEGACY_OPS,
	  .flags = LEGACY | GEN_PRE_HVO | GEN_FOLIO_PAGE3 | GEN_HUGETLB_CMA_ONLY |
		   GEN_BUG_RESET_3 |
		   GEN_BUG_PRE_2026_FIXES | GEN_BUG_BOOT_MEMMAP_REMOVE |
		   GEN_BUG_WRPROTECT_RANGE,
	  .help = "page[3] fields, restore resets 3" },
	{ .name = "shared-tail", .design = "shared-tail", SHARED_OPS,
	  .flags = SHARED_TAIL, .compare = true,
	  .help = "no fake heads: mask, shared tails" },
	{ .name = "shared-tail-622026e87c40", .design = "shared-tail", SHARED_OPS,
	  .flags = SHARED_TAIL | GEN_BUG_ROLLBACK_OVERWRITES_HEAD,
	  .help = "before the rollback fix" },
	{ .name = "generic", .design = "generic", SHARED_OPS,
	  .flags = GENERIC, .compare = true,
	  .help = "section-driven, HugeTLB and DAX" },
#ifdef HVO_KERNEL_MODE
	/* 6.12 trees: page[3] folio fields; 6.1 trees (the page API): as legacy-6.1 */
	{ .name = "kernel", .design = "legacy",
#ifdef HVO_KERNEL_API_PAGE
	  .flags = LEGACY_61,
#else
	  .flags = LEGACY | GEN_FOLIO_PAGE3,
#endif
	  .layout = &kernel_page_layout, /* the tree's own enum pageflags */
	  .optimize_folio = kernel_vmemmap_optimize,
	  .restore_folio = kernel_vmemmap_restore,
	  .version = HVO_KERNEL_VERSION,
	  .help = "the real mm/hugetlb_vmemmap.c, " HVO_KERNEL_VERSION },
#endif
};

const unsigned nr_hvo_generations = ARRAY_SIZE(hvo_generations);

const struct hvo_generation *generation_find(const char *name)
{
	for (unsigned i = 0; i < nr_hvo_generations; i++)
		if (!strcmp(name, hvo_generations[i].name))
			return &hvo_generations[i];
	return NULL;
}

const struct hvo_generation *generation_default(void)
{
	return generation_find("generic");
}

const struct hvo_generation *generation_model_of(const char *version)
{
	unsigned long major, minor, sub;
	char *end;

	if (!version)
		return NULL;
	major = strtoul(version, &end, 10);
	if (*end++ != '.')
		return NULL;
	minor = strtoul(end, &end, 10);
	if (*end++ != '.')
		return NULL;
	sub = strtoul(end, &end, 10);
	if (major == 6 && minor == 1 && sub >= 192)
		return generation_find("legacy-6.1");
	if (major != 6 || minor != 12 || sub < 113)
		return NULL;
	/* Debian's 6.12.115 to 6.12.117 restore without the reset */
	return generation_find(sub <= 117 && sub >= 115 ? "legacy-6.12.115" : "legacy");
}

const struct hvo_generation *generation_compared(unsigned i)
{
	for (unsigned k = 0; k < nr_hvo_generations; k++)
		if (hvo_generations[k].compare && !i--)
			return &hvo_generations[k];
	return NULL;
}

void generation_names(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < nr_hvo_generations && n < len; i++) {
		const char *sep = !i ? "" : i + 1 == nr_hvo_generations ? " or " : ", ";
		int k = snprintf(buf + n, len - n, "%s%s", sep, hvo_generations[i].name);
		if (k < 0)
			break;
		n += (size_t)k;
	}
}

void generation_help(FILE *out, unsigned indent, unsigned column)
{
	int width = column > indent + 1 ? (int)(column - indent - 1) : 0;

	for (unsigned i = 0; i < nr_hvo_generations; i++)
		fprintf(out, "%*s%-*s %s\n", (int)indent, "", width,
			hvo_generations[i].name, hvo_generations[i].help);
}
