/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MMU for the vmemmap: every read or write of a struct page goes through
 * translate(), which consults a direct-mapped TLB before walking the page
 * table.  Translations stay cached until flush_tlb_all() or
 * flush_tlb_kernel_range(), so code that changes a PTE and forgets to flush
 * keeps using the old frame, and is caught: an access through a TLB entry
 * whose frame has been freed is a fault, and the checker compares every TLB
 * entry with the page table.  A write through a read-only translation is a
 * fault.  Faults are counted and the last one is kept as a message; the
 * access returns -EFAULT and changes nothing.
 *
 * Host side only (nothing the simulated kernel sees): the TLB keeps each
 * field in its own array with a map of the valid entries, so a full flush
 * visits only those, and a block fill (a PMD block's 512 pages at once)
 * stays a pending range until something needs its entries; a later fill
 * over the same entries replaces it.  tlb_entry() reads through both.
 */
#ifndef HVO_MMU_H
#define HVO_MMU_H

#include "machine.h"

struct pt_walk;

void mmu_init(struct machine *m);

/* Translate @va for reading or writing; -EFAULT records a fault. */
int mmu_translate(struct machine *m, vaddr_t va, bool write, pfn_t *pfn);
/*
 * mmu_translate() of @w->va for a caller that has just walked it (@w, a
 * walk that found it mapped, no table changed since): a TLB miss fills
 * from @w instead of walking again; the same counts and faults.
 */
int mmu_translate_walked(struct machine *m, const struct pt_walk *w, bool write, pfn_t *pfn);

/*
 * Translate the @n pages from page-aligned @va at once, when one PMD leaf
 * maps them all and the TLB holds none of them: the same TLB fills and counters as @n
 * calls of mmu_translate(), one page-table walk.  *@pfn is the frame of
 * the first page, the others follow.  -EAGAIN when the shortcut does not
 * apply (translate page by page), -EFAULT as mmu_translate().
 */
int mmu_translate_block(struct machine *m, vaddr_t va, uint64_t n, bool write,
			pfn_t *pfn);

/*
 * The same for @n pages (at most MMU_PTES_MAX) that PTEs of one table map,
 * each present, to a frame in use, and writable if @write: one walk, the
 * frame of page i in @pfns[i].  -EAGAIN when that does not hold or the
 * TLB holds one of them (translate page by page), with nothing changed.
 */
#define MMU_PTES_MAX 512
int mmu_translate_ptes(struct machine *m, vaddr_t va, uint64_t n, bool write, pfn_t *pfns);

/* Write block fills still pending into the TLB's arrays (for code that reads them). */
void mmu_tlb_sync(struct machine *m);

/* Copy bytes out of / into the vmemmap; -EFAULT on any fault. */
int vmemmap_read(struct machine *m, vaddr_t va, void *buf, size_t len);
int vmemmap_write(struct machine *m, vaddr_t va, const void *buf, size_t len);

/*
 * Host bytes of frame @pfn for writing: a lazy memmap frame or a pattern
 * frame gets real bytes first.  NULL if it holds no struct pages.
 */
uint8_t *frame_contents(struct machine *m, pfn_t pfn);
/* Read bytes of a frame in any form without giving it host memory. */
int frame_read(struct machine *m, pfn_t pfn, size_t off, void *buf, size_t len);
/*
 * A lazy or zero frame whose struct pages are all alike becomes a pattern
 * frame with the same contents (no host bytes).  0, or -EAGAIN if it has
 * another form or its struct pages differ.
 */
int frame_make_pattern(struct machine *m, pfn_t pfn);
/*
 * The struct page every slot of frame @pfn repeats, in @sp, when that is
 * known without making bytes: a pattern frame's, or a lazy frame's whose
 * generated struct pages are all alike.  false otherwise.
 */
bool frame_repeats(struct machine *m, pfn_t pfn, uint8_t *sp);

void flush_tlb_all(struct machine *m);
/*
 * The frames of @runs[0..@nr_runs) are about to be freed: any TLB entry
 * that still translates to one of them is a missing flush (a CPU could
 * write freed memory).  Each is a fault and counted in nr_freed_while_cached, which
 * the invariant checker reports.
 */
void tlb_check_before_free(struct machine *m, const struct pfn_run *runs,
			   uint64_t nr_runs);
void flush_tlb_kernel_range(struct machine *m, vaddr_t start, vaddr_t end);

/* Record a fault: counted, message kept (printf format). */
void mmu_fault(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
