/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The comparison of two machines that ran the same scenario in two kernel
 * generations (`hvo diff`, kernel mode against its model): every vmemmap
 * leaf entry (the frame it maps, read-only or not, PMD or PTE), every
 * frame's owner and origin, the bytes of every mapped vmemmap page (so
 * every struct page of every folio), the huge page pools, every counter of
 * the counter table, the static key, the TLB flush and fault counts and
 * each TLB slot that caches the same page on both sides.  It reads the
 * page tables and the frame store only: no TLB entry, counter or lazy
 * frame changes, so it can run after every command.
 */
#ifndef HVO_DIFF_H
#define HVO_DIFF_H

#include "machine.h"

/* The first difference found, and how much was compared. */
struct machine_diff {
	bool found;
	char what[320];         /* what differs, with both sides' values */
	pfn_t pfn;              /* the page frame it concerns, or PFN_NONE */
	vaddr_t va;             /* its vmemmap address, or 0 */
	uint64_t nr_leaves;     /* vmemmap leaf entries compared */
	uint64_t nr_pages;      /* vmemmap pages whose bytes were compared */
};

/*
 * Compare @a (named @na in messages) with @b (@nb).  Returns 0 with
 * d->found telling, or -ENOMEM.
 */
int machine_diff(struct machine *a, const char *na, struct machine *b,
		 const char *nb, struct machine_diff *d);

/*
 * What the vmemmap PTE or PMD at @va maps, in words ("its own frame",
 * "the reuse page of 8 PTEs", "a shared tail page", ...): the frame class.
 */
void vmemmap_frame_class(struct machine *m, vaddr_t va, char *buf, size_t len);

#endif
