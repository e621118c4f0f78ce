/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kernel generation: what one Linux version (or one design of a series)
 * does differently in the vmemmap optimization.  Every generation hvo
 * models is one row of the table in sim/generations.c; docs/generations.md
 * tells each one's story and the commits that define it.
 *
 * A row has a name, the ops whose code really differs (optimize and
 * restore one folio's vmemmap), and flag bits for everything else: the
 * capabilities of the design (GEN_*) and the bugs of that kernel
 * (GEN_BUG_*), tested with gen_has().  The machine takes its generation at
 * creation (machine_config.gen) and keeps it: nothing changes it later.
 */
#ifndef HVO_GENERATION_H
#define HVO_GENERATION_H

#include "types.h"

struct machine;
struct page_layout;
struct vmemmap_list;

/* Capabilities of a design. */
enum {
	/* Tails remapped onto a copy of the head page (fake heads), pointer-
	 * encoded compound_head, an old head kept when no copy can be had. */
	GEN_FAKE_HEADS = 1u << 0,
	/* compound_info holds a mask (with a power-of-two struct page). */
	GEN_MASK_ENCODING = 1u << 1,
	/* Per-zone read-only shared tail pages; only the orders that have one
	 * are optimizable; hvo_share_pte=on is possible. */
	GEN_SHARED_TAILS = 1u << 2,
	/* One synchronize_rcu() per batch (bd225530a4c7) before remapping. */
	GEN_RCU_PER_BATCH = 1u << 3,
	/* The static key hugetlb_optimize_vmemmap_key counts optimized folios. */
	GEN_STATIC_KEY = 1u << 4,
	/* Boot-time gigantic folios are populated already optimized (pre-HVO). */
	GEN_PRE_HVO = 1u << 5,
	/*
	 * Sections record the compound order and zone of their pages and
	 * population reads them: pre-HVO pages are write-protected as they are
	 * populated and a page across two zones is freed at once; DAX compound
	 * pages keep one private vmemmap page and map the zone's shared tail.
	 */
	GEN_SECTION_ORDER = 1u << 6,
	/*
	 * HugeTLB keeps folio fields in page[3] (4eeec8c89a0c, v6.15; in 6.12
	 * stable with 274fe92de2c4): its mapping word is not TAIL_MAPPING,
	 * and legacy restore must reset 4 struct pages, not 3.
	 */
	GEN_FOLIO_PAGE3 = 1u << 7,
	/*
	 * What 6.1 (legacy-6.1) does, each changed later.  No batches: every
	 * folio is optimized and restored on its own, with its own PMD-split
	 * and remap TLB flushes and its pages freed at once (batching came in
	 * v6.7: 79359d6d24df, cfb8c75099db, 91f386bf0772, f4b7e3efaddb,
	 * f13b83fdd996, c24f188b2289).
	 */
	GEN_UNBATCHED = 1u << 8,
	/*
	 * The head vmemmap page stays where it is: no copy to a new page, the
	 * tails are remapped onto the old head page, whose PTE is not touched
	 * and not flushed (before 11aad2631bf7 "mm/hugetlb_vmemmap: remap
	 * head page to newly allocated page").
	 */
	GEN_HEAD_IN_PLACE = 1u << 9,
	/*
	 * The vmemmap page lists are queues (list_add_tail(), then
	 * list_first_entry()): restore maps the pages in the order they were
	 * allocated, a rollback gives each walked PTE the page it had.  6.12
	 * adds at the head (list_add()), so the last page allocated or unmapped
	 * is the first one taken.
	 */
	GEN_LIST_FIFO = 1u << 10,
	/*
	 * The free path does not look at the tails of a freed compound page:
	 * free_tail_pages_check() returns at once without CONFIG_DEBUG_VM
	 * (Debian's configuration).  From 700d2e9a36b9 (v6.4) the check runs
	 * whenever page checks are on (check_pages_enabled).
	 */
	GEN_NO_FREE_TAIL_CHECK = 1u << 11,
	/*
	 * The cmdline parameter hugetlb_cma_only: gigantic pages come from the
	 * CMA areas alone, never from alloc_contig_pages().  It came with the
	 * "hugetlb/CMA improvements for large systems" series (v6.15, posted
	 * as 20250228182928.2645936-1-fvdl@google.com); kernels before it pass
	 * the word to init as an unknown parameter.
	 */
	GEN_HUGETLB_CMA_ONLY = 1u << 12,

	/* Bugs of one kernel, fixed later (docs/bugs.md). */
	/* Restore does not reset the head copy's first struct pages. */
	GEN_BUG_SKIP_RESET = 1u << 16,
	/* Before the 2026 series fixing vmemmap accounting and initialization:
	 * DAX and failed hot-add accounting as it was. */
	GEN_BUG_PRE_2026_FIXES = 1u << 17,
	/* Before bd225530a4c7: no RCU around the remap, speculative PFN walkers
	 * can write a read-only tail through a fake head. */
	GEN_BUG_SPECULATIVE_WALKERS = 1u << 18,
	/* Rollback of a failed walk rebuilds the head page from the tail
	 * template too (shared-tail as merged in 622026e87c40). */
	GEN_BUG_ROLLBACK_OVERWRITES_HEAD = 1u << 19,
	/* Vmemmap pages from the folio's node only (before 2eaa6c2abb9d). */
	GEN_BUG_VMEMMAP_THISNODE = 1u << 20,
	/* page[3] holds folio fields but restore resets 3 struct pages
	 * (v6.15-rc1 and rc2: 4eeec8c89a0c without 274fe92de2c4). */
	GEN_BUG_RESET_3 = 1u << 21,
	/* bd225530a4c7 without c2a967f6ab0e: one synchronize_rcu() per call
	 * of the vmemmap entry points, whether anything is optimized or not. */
	GEN_BUG_RCU_WITHOUT_HVO = 1u << 22,
	/* Pre-HVO write protection given a byte count for a page count: only
	 * the first pages_per_huge_page bytes of the tails become read-only
	 * (fixed by "mm/hugetlb_vmemmap: fix __hugetlb_vmemmap_optimize_folios()"). */
	GEN_BUG_WRPROTECT_RANGE = 1u << 23,
	/* free_map_bootmem() does not take a hot-removed boot section's memmap
	 * off nr_memmap_boot_pages (before "mm: fix accounting of memmap pages
	 * for early sections", 2025, Fixes 15995a352474). */
	GEN_BUG_BOOT_MEMMAP_REMOVE = 1u << 24,
	/*
	 * The refactored walk (c0b495b91a47, as Debian 6.12.115 backports it
	 * onto fake heads): the new head page is required (no fallback onto
	 * the old one: -ENOMEM), and a rollback restores every walked PTE that
	 * maps the tail page, which is the head copy, so the head's PTE too:
	 * each gets a page from the list and the head copy is mapped nowhere.
	 */
	GEN_BUG_HEAD_IS_TAIL = 1u << 25,
	/* cma_alloc() does not wait for the HugeTLB free worker (before
	 * 67bab13307c8 "mm/hugetlb: wait for hugetlb folios to be freed"). */
	GEN_BUG_CMA_NO_WAIT = 1u << 26,
	/* Before fde1c4ecf916 ("mm: hugetlb: skip initialization of gigantic
	 * tail struct pages if freed by HVO"): memmap_init_reserved_pages()
	 * writes every struct page of a boot-time gigantic page. */
	GEN_BUG_INIT_HVO_TAILS = 1u << 27,
	/* Before 52ccdde16b65 (v6.10; Fixes 32c877191e02, v6.5): a dissolved
	 * folio whose vmemmap was restored before __update_and_free_hugetlb_folio()
	 * keeps the hugetlb type and goes back to its free list. */
	GEN_BUG_DISSOLVE_CLEAR_FLAG = 1u << 28,
};

struct hvo_generation {
	const char *name;     /* what `design NAME` and --design take */
	const char *design;   /* the design it belongs to: legacy, shared-tail, generic */
	const char *help;     /* one line for `hvo help` */
	unsigned flags;       /* GEN_* */
	bool compare;         /* one of the designs `hvo compare` runs */
	const char *version;  /* kernel mode: the version of the tree it runs */
	/* Page-flag bit numbers of that kernel (page_layout.h); NULL: hvo's own */
	const struct page_layout *layout;
	/*
	 * Optimize the vmemmap of the folio of @order at @pfn: pages it unmaps
	 * go on @list, freed by the caller after a TLB flush.  0 or -ENOMEM /
	 * -ENOTSUPP with the folio as it was.  @flags: VMEMMAP_* walk flags.
	 */
	int (*optimize_folio)(struct machine *m, unsigned order, pfn_t pfn,
			      struct vmemmap_list *list, unsigned flags);
	/* Give an optimized folio its vmemmap back: 0 or -ENOMEM, unchanged. */
	int (*restore_folio)(struct machine *m, unsigned order, pfn_t pfn,
			     unsigned flags);
};

#endif
