// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host memory slab: page-sized zeroed chunks from mmap()ed arenas, and
 * the reference counts of the chunks that back more than one frame.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hw/hostmem.h"
#include "lib/parse.h"

struct hostmem_arena {
	struct hostmem_arena *next;
	void *base;
	size_t bytes;
	uint32_t *extra; /* per chunk, references beyond the first; NULL: none yet */
};

/* MemAvailable of the host in bytes, 0 if unknown. */
static uint64_t host_mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

static void hostmem_set_limit(struct hostmem *hm)
{
	const char *env = getenv("HVO_HOST_MEM");
	uint64_t bytes;

	if (env && !parse_size(env, &bytes)) {
		snprintf(hm->limit_from, sizeof(hm->limit_from), "HVO_HOST_MEM");
	} else {
		bytes = host_mem_available() / 8 * 7;
		snprintf(hm->limit_from, sizeof(hm->limit_from), "7/8 of MemAvailable");
	}
	hm->limit_chunks = bytes / hm->chunk;
	if (bytes && !hm->limit_chunks)
		hm->limit_chunks = 1;
}

bool hostmem_env_flag(const char *name, bool dflt)
{
	const char *v = getenv(name);

	if (v && !strcmp(v, "0"))
		return false;
	if (v && !strcmp(v, "1"))
		return true;
	return dflt;
}

void hostmem_init(struct hostmem *hm, size_t chunk)
{
	memset(hm, 0, sizeof(*hm));
	hm->chunk = chunk;
	hm->arena_bytes = MAX((size_t)8 << 20, chunk * 64);
	while (((size_t)1 << hm->arena_shift) < hm->arena_bytes)
		hm->arena_shift++;
	hm->arena_bytes = (size_t)1 << hm->arena_shift;
	hm->thp = hostmem_env_flag("HVO_HOST_THP", true);
	hm->share = hostmem_env_flag("HVO_HOST_SHARE", true);
	hostmem_set_limit(hm);
}

/* The one place the simulator gives up for want of host memory. */
static void hostmem_exhausted(const struct hostmem *hm, const char *why)
{
	fprintf(stderr,
		"hvo: host memory exhausted (%s): the simulated metadata this run backs "
		"(vmemmap pages, page tables, shared tails) needs more than %llu MiB of host "
		"memory; simulate less memory, fewer unoptimized huge pages, or raise HVO_HOST_MEM\n",
		why, (unsigned long long)((hm->nr_mapped * hm->chunk) >> 20));
	fflush(NULL);
	_exit(2); /* mid-operation: no atexit handlers, no leak report */
}

void hostmem_destroy(struct hostmem *hm)
{
	struct hostmem_arena *a = hm->arenas;

	while (a) {
		struct hostmem_arena *next = a->next;
		munmap(a->base, a->bytes);
		free(a->extra);
		free(a);
		a = next;
	}
	free(hm->index);
	free(hm->free_stack);
	memset(hm, 0, sizeof(*hm));
}

/* The slot of arena number @nr in the index: its own, or the empty one it would take. */
static size_t index_slot(const struct hostmem *hm, uintptr_t nr)
{
	size_t i = (size_t)(nr * 0x9e3779b97f4a7c15ULL) & (hm->index_cap - 1);

	while (hm->index[i] && ((uintptr_t)hm->index[i]->base >> hm->arena_shift) != nr)
		i = (i + 1) & (hm->index_cap - 1);
	return i;
}

/* Enter @a in the index of arenas (never removed until destroy). */
static int index_add(struct hostmem *hm, struct hostmem_arena *a)
{
	if ((hm->nr_arenas + 1) * 2 > hm->index_cap) {
		size_t cap = hm->index_cap ? hm->index_cap * 2 : 64;
		struct hostmem_arena **old = hm->index, **v = calloc(cap, sizeof(*v));
		size_t ocap = hm->index_cap;

		if (!v)
			return -ENOMEM;
		hm->index = v;
		hm->index_cap = cap;
		for (size_t i = 0; i < ocap; i++)
			if (old[i])
				hm->index[index_slot(hm, (uintptr_t)old[i]->base >> hm->arena_shift)] = old[i];
		free(old);
	}
	hm->index[index_slot(hm, (uintptr_t)a->base >> hm->arena_shift)] = a;
	hm->nr_arenas++;
	return 0;
}

/* The arena chunk @p was carved from. */
static struct hostmem_arena *arena_of(const struct hostmem *hm, const void *p)
{
	struct hostmem_arena *a = hm->index[index_slot(hm, (uintptr_t)p >> hm->arena_shift)];

	BUG_ON(!a);
	return a;
}

static size_t chunk_index(const struct hostmem *hm, const struct hostmem_arena *a, const void *p)
{
	return (size_t)((const char *)p - (const char *)a->base) / hm->chunk;
}

/* @bytes of fresh memory aligned to @bytes (a power of two), or MAP_FAILED. */
static void *mmap_aligned(size_t bytes)
{
	char *p = mmap(NULL, 2 * bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return MAP_FAILED;
	start = ALIGN_UP((uintptr_t)p, (uintptr_t)bytes);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + bytes > start)
		munmap((char *)start + bytes, (uintptr_t)p + bytes - start);
	return (void *)start;
}

static int hostmem_grow(struct hostmem *hm)
{
	struct hostmem_arena *a = calloc(1, sizeof(*a));
	void *base;

	if (!a)
		return -ENOMEM;
	base = mmap_aligned(hm->arena_bytes);
	if (base == MAP_FAILED) {
		free(a);
		return -ENOMEM;
	}
#ifdef MADV_HUGEPAGE
	/*
	 * Transparent huge pages turn 512 host page faults into one, but the
	 * host must find (or compact) a free 2 MiB block for each: measured on
	 * an idle host first touch ran 2.7x faster with them, on a busy one
	 * 2 to 4x slower (README "Scale").  A hint only; the host may refuse it.
	 */
	if (hm->thp)
		madvise(base, hm->arena_bytes, MADV_HUGEPAGE);
#endif
	a->base = base;
	a->bytes = hm->arena_bytes;
	if (index_add(hm, a)) {
		munmap(base, a->bytes);
		free(a);
		return -ENOMEM;
	}
	a->next = hm->arenas;
	hm->arenas = a;
	hm->bump = base;
	hm->bump_end = (char *)base + hm->arena_bytes;
	return 0;
}

void *hostmem_alloc(struct hostmem *hm)
{
	void *p;

	if (hm->nr_free) {
		p = hm->free_stack[--hm->nr_free];
		memset(p, 0, hm->chunk);
		hm->nr_in_use++;
		hm->nr_reused++;
		return p;
	}
	if (hm->limit_chunks && hm->nr_mapped >= hm->limit_chunks) {
		char why[64];
		snprintf(why, sizeof(why), "limit %llu MiB, %s",
			 (unsigned long long)((hm->limit_chunks * hm->chunk) >> 20), hm->limit_from);
		hostmem_exhausted(hm, why);
	}
	if (hm->bump == hm->bump_end && hostmem_grow(hm))
		hostmem_exhausted(hm, "mmap failed");
	p = hm->bump; /* fresh anonymous memory is already zero */
	hm->bump += hm->chunk;
	hm->nr_in_use++;
	hm->nr_mapped++;
	return p;
}

/* ---- references of shared chunks ---- */

void hostmem_get(struct hostmem *hm, void *p)
{
	struct hostmem_arena *a = arena_of(hm, p);
	size_t i = chunk_index(hm, a, p);

	if (!a->extra) {
		a->extra = calloc(a->bytes / hm->chunk, sizeof(*a->extra));
		if (!a->extra)
			hostmem_exhausted(hm, "no memory for the reference counts");
	}
	BUG_ON(a->extra[i] == UINT32_MAX);
	a->extra[i]++;
	hm->nr_in_use++;
	hm->nr_shared++;
}

uint64_t hostmem_refcount(const struct hostmem *hm, const void *p)
{
	const struct hostmem_arena *a;

	if (!hm->nr_shared)
		return 1;
	a = arena_of(hm, p);
	return 1 + (a->extra ? a->extra[chunk_index(hm, a, p)] : 0);
}

void hostmem_free(struct hostmem *hm, void *p)
{
	hm->nr_in_use--;
	if (hm->nr_shared) {
		struct hostmem_arena *a = arena_of(hm, p);
		size_t i = chunk_index(hm, a, p);

		if (a->extra && a->extra[i]) {
			a->extra[i]--;
			hm->nr_shared--;
			return;
		}
	}
	if (hm->nr_free == hm->free_cap) {
		size_t cap = hm->free_cap ? 2 * hm->free_cap : 1024;
		void **v = realloc(hm->free_stack, cap * sizeof(*v));

		if (!v)
			hostmem_exhausted(hm, "out of memory for its free list");
		hm->free_stack = v;
		hm->free_cap = cap;
	}
	hm->free_stack[hm->nr_free++] = p;
}
