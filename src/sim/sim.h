/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Creating, booting and destroying a simulated machine: the entry points
 * above the simulated kernel.  struct machine itself is in include/machine.h.
 */
#ifndef HVO_SIM_H
#define HVO_SIM_H

#include "machine.h"

/* Defaults for a config (4K pages, 64-byte struct page, one node, generic). */
void machine_config_default(struct machine_config *cfg);
/*
 * Build a machine from @cfg (layout, nodes, memblock).  Returns NULL and an
 * error message in @err (if non-NULL, @errlen bytes) when @cfg is impossible.
 */
struct machine *machine_create(const struct machine_config *cfg, char *err,
			       size_t errlen);
void machine_destroy(struct machine *m);

/* Boot: zones, sparse_init, memmap_init, hand memory to the buddy allocator. */
int machine_boot(struct machine *m, char *err, size_t errlen);
/*
 * After hugetlb_init(): the rest of the kernel's boot (device probing, the
 * initramfs, init's first processes) takes its unmovable pages.
 */
int machine_boot_late(struct machine *m, char *err, size_t errlen);

#endif
