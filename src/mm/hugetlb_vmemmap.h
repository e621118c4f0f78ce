/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HugeTLB Vmemmap Optimization in the three designs (docs/generations.md;
 * their mappings are drawn in docs/vmemmap-layout.md):
 *
 *  legacy       tails remapped read-only onto a fresh copy of the head
 *               vmemmap page (or the old head page when that copy cannot be
 *               allocated): fake heads, pointer-encoded tails, one RCU grace
 *               period per batch, a static key, restore resets the first
 *               struct pages of every copied page.
 *  shared-tail  mask-encoded tails; tails map the zone's read-only shared
 *               tail page of the folio's order, published by compare-and-
 *               swap; no RCU, no static key, no fallback head.
 *  generic      shared-tail's runtime path, reached through the same
 *               vmemmap_shared_tail_page() that boot population uses, with
 *               the compound order and zone recorded per section.
 */
#ifndef HVO_HUGETLB_VMEMMAP_H
#define HVO_HUGETLB_VMEMMAP_H

#include "machine.h"

/* Walk flags */
#define VMEMMAP_SPLIT_NO_TLB_FLUSH (1u << 0)
#define VMEMMAP_REMAP_NO_TLB_FLUSH (1u << 1)
#define VMEMMAP_SYNCHRONIZE_RCU (1u << 2)

/*
 * A list of vmemmap pages (pfns) waiting to be freed or used, in the order
 * added, kept as runs of consecutive pfns: a batch that frees the boot
 * memmap of thousands of gigantic folios costs a few bytes per folio, not
 * 8 per page (the kernel threads its list through the struct pages).
 */
struct vmemmap_list {
	struct pfn_run *v;
	uint64_t nr_runs, cap;
	uint64_t nr;               /* pages on the list */
};

void vmemmap_list_init(struct vmemmap_list *l);
void vmemmap_list_destroy(struct vmemmap_list *l);
void vmemmap_list_add(struct vmemmap_list *l, pfn_t pfn);
/* Add @nr pages from @pfn at the end of the list. */
void vmemmap_list_add_run(struct vmemmap_list *l, pfn_t pfn, uint64_t nr);
/* Take @pfn off the list (the latest runs first); false if it is not on it. */
bool vmemmap_list_del(struct vmemmap_list *l, pfn_t pfn);
/* The page added last, taken off the list; PFN_NONE if empty. */
pfn_t vmemmap_list_pop(struct vmemmap_list *l);
/* The page added first (GEN_LIST_FIFO's list_first_entry()); PFN_NONE if empty. */
pfn_t vmemmap_list_pop_first(struct vmemmap_list *l);
/* free_bootmem_page() of @nr boot-memmap pages from @pfn (PG_reserved off). */
void free_bootmem_vmemmap_pages(struct machine *m, pfn_t pfn, uint64_t nr);
/* Free every page of @l back to where it came from, and empty @l. */
void free_vmemmap_page_list(struct machine *m, struct vmemmap_list *l);

/* Legacy restore resets this many struct pages (3 before 274fe92de2c4). */
#define NR_RESET_STRUCT_PAGE 4

/* Smallest order whose struct pages fill two vmemmap pages. */
unsigned vmemmap_tail_min_order(const struct geometry *g);
/* Largest folio order with a shared tail (16 GiB folios). */
unsigned max_folio_order(const struct geometry *g);

/* Bytes of vmemmap an optimized folio of @order frees (0: not optimizable). */
uint64_t hugetlb_vmemmap_optimizable_size(const struct machine *m,
					  unsigned order);

/*
 * The zone's shared tail page for @order (allocated, initialized and
 * published on first use).  PFN_NONE if @order has none or allocation
 * failed.  Safe to call from several threads at once.
 */
pfn_t vmemmap_shared_tail_page(struct machine *m, unsigned order,
			       struct zone *zone);

/*
 * Publish @t, a frame just claimed and filled, in *@slot unless another
 * thread got there first: the compare-and-swap orders the filling before
 * the publication, and a loser frees its frame (counting *@races_lost).
 * Returns the published frame (@t if it won).  The shared tail pages and
 * shared PTE tables are published this way.
 */
pfn_t vmemmap_publish_shared(struct machine *m, _Atomic pfn_t *slot, pfn_t t,
			     uint64_t *races_lost, struct zone *zone, unsigned order);

/* Optimize one folio / a batch.  0, -ENOMEM or -ENOTSUPP. */
int hugetlb_vmemmap_optimize_folio(struct machine *m, unsigned order,
				   pfn_t pfn);
void hugetlb_vmemmap_optimize_folios(struct machine *m, unsigned order,
				     const pfn_t *pfns, uint64_t nr);
/* Restore one folio: 0 or -ENOMEM (nothing changed). */
int hugetlb_vmemmap_restore_folio(struct machine *m, unsigned order,
				  pfn_t pfn);
/*
 * Restore a batch in order; stops at the first failure.  Returns the number
 * of folios now unoptimized (restored or never optimized) from the front of
 * @pfns, or a negative errno if none could be.
 */
int64_t hugetlb_vmemmap_restore_folios(struct machine *m, unsigned order,
				       const pfn_t *pfns, uint64_t nr);

/*
 * The generations' ops (include/generation.h): fake heads
 * (hugetlb_vmemmap_legacy.c) and shared tails (hugetlb_vmemmap_shared.c).
 */
int legacy_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			    struct vmemmap_list *list, unsigned flags);
int legacy_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			   unsigned flags);
int shared_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			    struct vmemmap_list *list, unsigned flags);
int shared_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			   unsigned flags);

/* Folio flag HPG_vmemmap_optimized, read / written in the head struct page. */
bool folio_vmemmap_optimized(struct machine *m, pfn_t pfn);
void folio_set_vmemmap_optimized(struct machine *m, pfn_t pfn, bool on);

/*
 * Boot (shared-tail, generic): populate the vmemmap of the bootmem folio at
 * @pfn already optimized: one private head page, every other vmemmap page
 * the zone's shared tail.  @ro maps the tails read-only at once (generic);
 * otherwise they are write-protected at gather time.  0 or -ENOMEM.
 */
int vmemmap_populate_hvo(struct machine *m, pfn_t pfn, unsigned order,
			 struct zone *zone, bool ro);
/* Make every tail PTE of an optimized folio read-only (vmemmap_wrprotect_hvo). */
void vmemmap_wrprotect_hvo(struct machine *m, pfn_t pfn, unsigned order);

/* The tail struct page every optimized folio's tails share (mask encoding). */
void init_compound_tail_page(struct machine *m, unsigned order, int nid,
			     enum zone_type zone, uint8_t *out);

#endif
