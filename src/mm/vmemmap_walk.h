/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vmemmap walk, shared by the optimize and restore ops of every
 * generation (hugetlb_vmemmap*.c only): a walk over [start, end) of the
 * vmemmap that splits PMD leaves and calls a PTE callback, and the helpers
 * the ops build on.
 */
#ifndef HVO_VMEMMAP_WALK_H
#define HVO_VMEMMAP_WALK_H

#include "mm/hugetlb_vmemmap.h"

struct vmemmap_walk {
	int (*remap_pte)(struct machine *m, uint64_t *pte, vaddr_t addr,
			 struct vmemmap_walk *w);
	/*
	 * Optional: remap_pte() for the @n PTEs of one table from @pte, which
	 * cannot fail; the walk uses it instead of remap_pte() when set.
	 */
	void (*remap_ptes)(struct machine *m, uint64_t *pte, vaddr_t addr,
			   uint64_t n, struct vmemmap_walk *w);
	/*
	 * Optional: remap_ptes() of a whole table at @addr that a split left
	 * mapping @block, @block + 1, ... and that has no host bytes yet
	 * (pte_table_split_block()); false to be given the entries instead.
	 */
	bool (*remap_split_table)(struct machine *m, uint64_t pmd_entry, vaddr_t addr,
				  pfn_t block, struct vmemmap_walk *w);
	uint64_t nr_walked;
	/* legacy */
	pfn_t reuse_page;
	vaddr_t reuse_addr;
	/* restore: the struct page every restored tail page repeats */
	bool restore_checked;
	pfn_t restore_src;         /* the page the check was made on */
	pfn_t restore_pattern;     /* a page already made of it, or PFN_NONE */
	/* shared-tail, generic */
	pfn_t vmemmap_head, vmemmap_tail;
	struct vmemmap_list *vmemmap_pages;
	unsigned flags;
	int nid;
};

/*
 * Walk [start, end): split every PMD leaf (refusing a self-hosted memmap
 * with -ENOTSUPP), call @w's PTE callback for each PTE, flush the TLB
 * over the range unless VMEMMAP_REMAP_NO_TLB_FLUSH.  0 or the callback's
 * or the split's error, with what was walked left for the caller.
 */
int vmemmap_remap_range(struct machine *m, vaddr_t start, vaddr_t end,
			struct vmemmap_walk *w);
/*
 * Restore the vmemmap of the folio at @pfn: allocate its pages back (all or
 * nothing, counted), then walk from the head (@from_head) or the first
 * tail page with @w's callback.  0 or -ENOMEM, nothing changed.
 */
int vmemmap_restore_range(struct machine *m, unsigned order, pfn_t pfn,
			  struct vmemmap_walk *w, bool from_head);
/* One new vmemmap page from the buddy allocator, counted; PFN_NONE if none. */
pfn_t alloc_vmemmap_page(struct machine *m, enum alloc_site site, int nid);
/* alloc_vmemmap_page_list(): all @n or nothing (no accounting on failure). */
int alloc_vmemmap_page_list(struct machine *m, uint64_t n, int nid,
			    struct vmemmap_list *l);
/* copy_page() between two vmemmap frames; an all-alike copy stays compact. */
void copy_frame(struct machine *m, pfn_t dst, pfn_t src);
/* [*vstart, *vend): the struct pages of the folio of @order at @pfn. */
void folio_range(struct machine *m, pfn_t pfn, unsigned order,
		 vaddr_t *vstart, vaddr_t *vend);
/* The node of the folio at @pfn (its zone's). */
int folio_nid(struct machine *m, pfn_t pfn);
/*
 * A restored tail page whose kept struct pages (all but the first @reset)
 * are alike becomes a pattern frame of that struct page without a copy;
 * false sends the caller to copy_frame().
 */
bool restore_uniform_page(struct machine *m, pfn_t page, pfn_t src,
			  unsigned reset, struct vmemmap_walk *w);

/*
 * hvo_share_pte: give the folio's shared PMDs private PTE tables, all or
 * none (the number unshared, or -ENOMEM); and share them again.
 */
int vmemmap_unshare_folio(struct machine *m, unsigned order, pfn_t pfn);
void vmemmap_reshare_folio(struct machine *m, unsigned order, pfn_t pfn);

#endif
