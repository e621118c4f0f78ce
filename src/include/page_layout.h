/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The page-flag bit numbers of one kernel: enum pageflags of its
 * include/linux/page-flags.h, for the flags hvo writes or reads.  The
 * numbers moved between versions (PG_head is bit 16 in 6.1 and bit 6 in
 * 6.12, PG_reserved 12 and 13), so the bytes a kernel's own code writes
 * decode correctly only with that kernel's numbers.  Every generation row
 * names its layout (hvo_generation.layout; NULL is hvo's own); kernel
 * mode takes the tree's, read from its page-flags.h at build time
 * (kernel/pageflags.awk).  The tables are in mm/page_struct.c.
 */
#ifndef HVO_PAGE_LAYOUT_H
#define HVO_PAGE_LAYOUT_H

struct page_layout {
	const char *name;       /* "hvo", "6.1", "6.12", or a kernel tree's version */
	unsigned char pg_locked, pg_referenced, pg_uptodate, pg_dirty, pg_lru;
	unsigned char pg_head, pg_active, pg_reserved, pg_private, pg_hwpoison;
};

#endif
