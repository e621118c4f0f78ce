/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device DAX: a ZONE_DEVICE range whose struct pages form compound pages of
 * the device's alignment (4K, 2M, 1G), with its memmap in RAM or on the
 * device (an altmap, map=dev).  The vmemmap of compound pages is optimized
 * in every design:
 *   legacy, shared-tail  each compound keeps 2 private vmemmap pages (head
 *                        and first tail page); the rest map the second,
 *                        read-write (sparse-vmemmap's compound population);
 *   generic              each compound keeps 1 (its head page); the rest map
 *                        the ZONE_DEVICE zone's shared tail, read-only,
 *                        through the same per-section order and zone as
 *                        HugeTLB.
 * nr_memmap_pages counts what each section really uses (the DAX accounting
 * fix that Linux 6.12.113 already carries, as the QEMU oracle measured),
 * and the full memmap when it lives on the device.
 */
#ifndef HVO_DAX_H
#define HVO_DAX_H

#include "machine.h"

int dax_create(struct machine *m, uint64_t size, uint64_t align, int nid,
	       bool memmap_on_device, phys_t addr, char *name, size_t namelen,
	       char *err, size_t errlen);
int dax_destroy(struct machine *m, const char *name, char *err, size_t errlen);

#endif
