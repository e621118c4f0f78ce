/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Boot-time memory initialization (mm/mm_init.c): zone spans, and freeing
 * memblock memory to the buddy allocator.
 */
#ifndef HVO_MM_INIT_H
#define HVO_MM_INIT_H

#include "machine.h"

/* free_area_init(): node and zone spans and present pages from memblock. */
void free_area_init(struct machine *m);
/*
 * memblock_free_all(): every page memblock did not reserve goes to its
 * zone's buddy allocator; the machine enters PHASE_RUNNING.  0 or -ENOMEM.
 */
int memblock_free_all(struct machine *m);
/*
 * page_alloc_init_late()'s deferred_init_memmap(), counted: with
 * deferred_init=on, which struct pages boot wrote and which were deferred.
 */
void deferred_init_memmap(struct machine *m);

#endif
