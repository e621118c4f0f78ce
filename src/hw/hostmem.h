/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host memory that backs simulated frames whose bytes matter (vmemmap pages,
 * page-table pages, shared tails).  A per-machine slab of page-sized chunks
 * carved from large mmap()ed arenas, so that host RSS stays close to the
 * number of backed frames and every chunk is aligned to at least 4 KiB.
 */
#ifndef HVO_HOSTMEM_H
#define HVO_HOSTMEM_H

#include "types.h"

struct hostmem_arena;

struct hostmem {
	size_t chunk;                 /* bytes per chunk = simulated page size */
	size_t arena_bytes;           /* bytes per arena */
	struct hostmem_arena *arenas; /* list of all arenas */
	void *free_list;              /* intrusive list of free chunks */
	char *bump, *bump_end;        /* unused tail of the newest arena */
	uint64_t nr_in_use;           /* chunks handed out */
	uint64_t nr_mapped;           /* chunks ever carved (RSS bound) */
	uint64_t limit_chunks;        /* most chunks to carve (0: no limit) */
	char limit_from[32];          /* where the limit came from */
};

/*
 * The limit on host memory for backed frames: $HVO_HOST_MEM (a size, "0"
 * for none) if set, else 7/8 of the host's MemAvailable when the store is
 * created.  Past it the simulator stops with one line saying so (status 2)
 * rather than push the host into swapping or the OOM killer.
 */
void hostmem_init(struct hostmem *hm, size_t chunk);
void hostmem_destroy(struct hostmem *hm);
/*
 * A zeroed chunk.  Never NULL: when the limit is reached or the host
 * refuses memory, prints what the run needed and exits with status 2.
 */
void *hostmem_alloc(struct hostmem *hm);
void hostmem_free(struct hostmem *hm, void *p);

#endif
