/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ops of the `kernel` generation (kshim_backend.c): one folio's
 * optimize and restore by a kernel tree's own mm/hugetlb_vmemmap.c.
 * Only in the kernel-mode binary (make kernel KSRC=...).
 */
#ifndef HVO_KMODE_H
#define HVO_KMODE_H

#include "machine.h"

struct vmemmap_list;

int kernel_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			    struct vmemmap_list *list, unsigned flags);
int kernel_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			   unsigned flags);

#endif
