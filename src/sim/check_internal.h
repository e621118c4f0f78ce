/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the checker's files share (check.c, check_folio.c, check_cma.c,
 * check_buddy.c).
 */
#ifndef HVO_CHECK_INTERNAL_H
#define HVO_CHECK_INTERNAL_H

#include "sim/check.h"

#define P(x) ((unsigned long long)(x))

/* @p, the result of one of the checker's own allocations: out of host memory is fatal. */
void *check_alloc(void *p);

/*
 * A page of scratch space and the frame whose bytes it holds (PFN_NONE:
 * none).  The checker only reads, so a frame read into it stays right for
 * the whole check: the many tails of a folio that map one page are read
 * once.
 */
struct frame_scratch {
	uint8_t *bytes;
	pfn_t pfn;
};

/*
 * The bytes of frame @pfn to inspect: its own, or its pattern (with its
 * exceptions) in @s.  NULL for a lazy frame (right by construction) or none.
 */
const uint8_t *frame_view(struct machine *m, pfn_t pfn, struct frame_scratch *s);
/* The same for the @len bytes at @off alone, copied into @buf if not its own. */
const uint8_t *frame_view_range(struct machine *m, pfn_t pfn, size_t off, size_t len,
				uint8_t *buf);

/* Huge page folios: mappings, read-only tails, compound_head() of each page. */
void check_hugetlb(struct machine *m, struct check_report *r, struct frame_scratch *scratch);
/* Device-DAX compound pages: compound_head() of every struct page. */
void check_dax(struct machine *m, struct check_report *r, struct frame_scratch *scratch);
/* CMA areas: zone, pageblocks, free lists, pages (check_cma.c). */
void check_cma(struct machine *m, struct check_report *r);
/* Buddy and per-CPU free lists of every zone and CMA area (check_buddy.c). */
void check_free_lists(struct machine *m, struct check_report *r);
/* hvo_share_pte: shared PTE tables and their reference counts. */
void check_shared_pte(struct machine *m, struct check_report *r);

#endif
