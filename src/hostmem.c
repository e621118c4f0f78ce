/*
 * Host memory slab: page-sized zeroed chunks from mmap()ed arenas.
 */
#define _DEFAULT_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "hostmem.h"

struct hostmem_arena {
	struct hostmem_arena *next;
	void *base;
	size_t bytes;
};

void hostmem_init(struct hostmem *hm, size_t chunk)
{
	memset(hm, 0, sizeof(*hm));
	hm->chunk = chunk;
	hm->arena_bytes = MAX((size_t)8 << 20, chunk * 64);
}

void hostmem_destroy(struct hostmem *hm)
{
	struct hostmem_arena *a = hm->arenas;

	while (a) {
		struct hostmem_arena *next = a->next;
		munmap(a->base, a->bytes);
		free(a);
		a = next;
	}
	memset(hm, 0, sizeof(*hm));
}

static int hostmem_grow(struct hostmem *hm)
{
	struct hostmem_arena *a = malloc(sizeof(*a));
	void *base;

	if (!a)
		return -ENOMEM;
	base = mmap(NULL, hm->arena_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		free(a);
		return -ENOMEM;
	}
#ifdef MADV_HUGEPAGE
	/*
	 * Backed frames are touched all over an arena: transparent huge pages
	 * turn hundreds of thousands of host page faults into a few thousand.
	 * A hint only; the host may refuse it.
	 */
	madvise(base, hm->arena_bytes, MADV_HUGEPAGE);
#endif
	a->base = base;
	a->bytes = hm->arena_bytes;
	a->next = hm->arenas;
	hm->arenas = a;
	hm->bump = base;
	hm->bump_end = (char *)base + hm->arena_bytes;
	return 0;
}

void *hostmem_alloc(struct hostmem *hm)
{
	void *p;

	if (hm->free_list) {
		p = hm->free_list;
		hm->free_list = *(void **)p;
		memset(p, 0, hm->chunk);
		hm->nr_in_use++;
		return p;
	}
	if (hm->bump == hm->bump_end && hostmem_grow(hm))
		return NULL;
	p = hm->bump; /* fresh anonymous memory is already zero */
	hm->bump += hm->chunk;
	hm->nr_in_use++;
	hm->nr_mapped++;
	return p;
}

void hostmem_free(struct hostmem *hm, void *p)
{
	*(void **)p = hm->free_list;
	hm->free_list = p;
	hm->nr_in_use--;
}
