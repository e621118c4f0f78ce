/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct page accessors: whole struct pages and single words read and
 * written through the MMU (so read-only tails fault and the TLB model
 * counts), compound_head() as the running kernel computes it, the canonical
 * contents memmap_init gives a struct page, compound page preparation, and
 * the references speculative PFN walkers take.  The byte layout and the
 * decoding are in page_struct.h.
 */
#ifndef HVO_PAGE_H
#define HVO_PAGE_H

#include "machine.h"
#include "mm/page_struct.h"

/* Read / write a whole struct page through the MMU: 0 or -EFAULT. */
int page_read(struct machine *m, vaddr_t page, struct page_struct *p);
int page_write(struct machine *m, vaddr_t page, const struct page_struct *p);
int page_read_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t *v);
int page_write_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t v);

/* The page-flag bit numbers of this machine's kernel generation. */
static inline const struct page_layout *page_layout_of(const struct machine *m)
{
	return m->gen->layout ? m->gen->layout : &page_layout_hvo;
}
/* 1 << PG_@flag in this machine's layout. */
#define page_pg(m, flag) (1ULL << PG(page_layout_of(m), flag))
/* The facts compound_head_decode() needs, from this machine. */
struct struct_page_ctx struct_page_ctx_of(const struct machine *m);

/* Does this machine use the mask encoding (compound_info_has_mask())? */
bool compound_info_has_mask(const struct machine *m);

/* Tail compound_info for a folio of @order headed at @head on this machine. */
uint64_t encode_compound_info(const struct machine *m, vaddr_t head,
			      unsigned order);

/*
 * compound_head() of the struct page at @page, read through the MMU and
 * decoded by compound_head_decode(): the head's address, or @page itself
 * for a head or order-0 page.  Returns 0 and sets *@head, or -EFAULT if a
 * read faulted.
 */
int compound_head(struct machine *m, vaddr_t page, vaddr_t *head);

/* A plain tail struct page of the compound page headed at @pfn. */
void compound_tail_struct(struct machine *m, pfn_t pfn, unsigned order,
			  struct page_struct *ps);
/*
 * Write @tmpl into struct pages [first, last) of the compound page at @pfn,
 * a vmemmap page at a time (whole pages become pattern frames).  0, or
 * -EFAULT on a read-only tail.
 */
int write_struct_pages(struct machine *m, pfn_t pfn, uint64_t first, uint64_t last,
		       const struct page_struct *tmpl);
/* The head (with @page_type in its mapcount word) and folio pages 1..3. */
int prep_compound_head(struct machine *m, pfn_t pfn, unsigned order, int32_t page_type);

/*
 * get_page_unless_zero() on the struct page of @pfn, as a speculative PFN
 * walker (compaction, memory failure) calls it without knowing what the
 * page has become: read the refcount and, unless it is 0, write it + 1
 * through the MMU.  Since bd225530a4c7 a legacy fake head is skipped
 * first (page_count_writable() under rcu_read_lock()).  True if a
 * reference was taken; a write to a read-only tail faults and takes none.
 */
bool get_page_unless_zero(struct machine *m, pfn_t pfn);
/* Drop a reference taken by get_page_unless_zero(). */
void put_page(struct machine *m, pfn_t pfn);
/* set_page_count(): the refcount word of @pfn's struct page.  0 or -EFAULT. */
int set_page_count(struct machine *m, pfn_t pfn, int32_t count);

/*
 * Speculative PFN walkers: pfn_walker_add() records a walker that has
 * sampled @pfn (an LRU page, say) and will call get_page_unless_zero() on
 * it later; pfn_walkers_run() lets the walkers whose pfn lies in
 * [@start, @start + @nr) do it now (and drop what they took).  A write
 * fault is logged as the oops it is in the kernel.  -ENOSPC when
 * MAX_PFN_WALKERS are waiting already.
 */
int pfn_walker_add(struct machine *m, pfn_t pfn);
void pfn_walkers_run(struct machine *m, pfn_t start, uint64_t nr);

/* The struct page memmap_init writes for @pfn (canonical boot contents). */
void init_single_page(struct machine *m, pfn_t pfn, struct page_struct *p);

#endif
