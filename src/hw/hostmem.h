/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host memory that backs simulated frames whose bytes matter (vmemmap pages,
 * page-table pages, shared tails).  A per-machine slab of page-sized chunks
 * carved from large mmap()ed arenas, so that host RSS stays close to the
 * number of backed frames and every chunk is aligned to at least 4 KiB.
 *
 * A chunk may back several frames at once (a copy not yet written, see
 * frame_copy()): it then has a reference per frame, counted in an array
 * its arena makes when it first shares a chunk (arenas are aligned to
 * their size, so a chunk's arena is found from its address), and returns
 * to the free list when the last one is put.
 *
 * The counters say what the host paid: a chunk carved from an arena is
 * fresh memory, first touched by whoever writes it (the host faults it in
 * and zeroes it); a chunk taken again from the free list is memory already
 * touched, rewritten by the memset here.  make bench prices a run's work
 * with them against the host's own rates (bench/floor.c).
 */
#ifndef HVO_HOSTMEM_H
#define HVO_HOSTMEM_H

#include "types.h"

struct hostmem_arena;

struct hostmem {
	size_t chunk;                 /* bytes per chunk = simulated page size */
	size_t arena_bytes;           /* bytes per arena */
	struct hostmem_arena *arenas; /* list of all arenas */
	struct hostmem_arena **index; /* open addressing by arena number */
	size_t index_cap, nr_arenas;
	unsigned arena_shift;         /* log2(arena_bytes) */
	/*
	 * Free chunks, the last freed on top.  Kept apart from the chunks:
	 * freeing one writes nothing into it, so a forked sweep run that
	 * frees memory it shares with its parent copies no page for it.
	 */
	void **free_stack;
	size_t nr_free, free_cap;
	char *bump, *bump_end;        /* unused tail of the newest arena */
	uint64_t nr_in_use;           /* references handed out: frames backed */
	uint64_t nr_shared;           /* of which extra references to a chunk */
	uint64_t nr_mapped;           /* chunks ever carved: fresh memory (RSS bound) */
	uint64_t nr_reused;           /* chunks handed out again from the free list */
	bool thp;                     /* arenas advised MADV_HUGEPAGE ($HVO_HOST_THP) */
	bool share;                   /* copies may share a chunk ($HVO_HOST_SHARE) */
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
/*
 * $HVO_HOST_THP: "1" advises every arena MADV_HUGEPAGE, "0" does not
 * (default 1; make bench measures both on the host it runs on).
 * $HVO_HOST_SHARE: "0" makes every copy of a frame a real copy, for
 * comparing runs (default 1).  Anything else is ignored.
 */
bool hostmem_env_flag(const char *name, bool dflt);
void hostmem_destroy(struct hostmem *hm);
/*
 * A zeroed chunk.  Never NULL: when the limit is reached or the host
 * refuses memory, prints what the run needed and exits with status 2.
 */
void *hostmem_alloc(struct hostmem *hm);
/* Drop one reference to chunk @p; the last one frees it. */
void hostmem_free(struct hostmem *hm, void *p);
/* One more reference to chunk @p, which is in use. */
void hostmem_get(struct hostmem *hm, void *p);
/* How many references chunk @p (in use) has. */
uint64_t hostmem_refcount(const struct hostmem *hm, const void *p);

#endif
