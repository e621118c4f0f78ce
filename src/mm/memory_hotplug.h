/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory hotplug of normal RAM, by memory block (one section, 128 MiB on
 * x86-64): add_memory() populates each block's memmap (from the buddy
 * allocator, or self-hosted at the start of the block with
 * memmap_on_memory) and onlines the block into ZONE_NORMAL of its node, or
 * ZONE_MOVABLE (online_movable: the way a node gets only movable memory);
 * remove_memory() offlines and depopulates.  A hot-add that fails part-way
 * rolls back exactly; in the legacy and shared-tail designs it keeps the
 * accounting imbalance the 2026 fix series removed (section_deactivate()
 * subtracting a memmap it never added).
 */
#ifndef HVO_MEMORY_HOTPLUG_H
#define HVO_MEMORY_HOTPLUG_H

#include "machine.h"

/* Where the next hot-added range goes by default (QEMU: 1 GiB aligned). */
phys_t hotplug_default_addr(const struct machine *m, uint64_t align);

int add_memory(struct machine *m, int nid, phys_t start, uint64_t size,
	       bool memmap_on_memory, enum zone_type zt, char *err, size_t errlen);
int remove_memory(struct machine *m, phys_t start, uint64_t size, char *err,
		  size_t errlen);

/* Undo the vmemmap of the struct pages of [pfn, pfn+nr): unmap and free. */
void vmemmap_depopulate(struct machine *m, pfn_t pfn, uint64_t nr);

#endif
