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
		free(a);
		a = next;
	}
	free(hm->refs.keys);
	free(hm->refs.extra);
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

static size_t refs_slot(const struct hostmem_refs *r, uintptr_t key)
{
	size_t i = (size_t)((key >> 12) * 0x9e3779b97f4a7c15ULL) & (r->cap - 1);

	while (r->keys[i] && r->keys[i] != key)
		i = (i + 1) & (r->cap - 1);
	return i;
}

static void refs_grow(struct hostmem *hm)
{
	struct hostmem_refs *r = &hm->refs, old = *r;

	r->cap = old.cap ? old.cap * 2 : 1024;
	r->keys = calloc(r->cap, sizeof(*r->keys));
	r->extra = calloc(r->cap, sizeof(*r->extra));
	if (!r->keys || !r->extra)
		hostmem_exhausted(hm, "no memory for the shared chunk table");
	for (size_t i = 0; i < old.cap; i++) {
		if (old.keys[i]) {
			size_t j = refs_slot(r, old.keys[i]);
			r->keys[j] = old.keys[i];
			r->extra[j] = old.extra[i];
		}
	}
	free(old.keys);
	free(old.extra);
}

/* Remove slot @i, moving back the entries of its probe chain. */
static void refs_delete(struct hostmem_refs *r, size_t i)
{
	size_t j = i;

	r->keys[i] = 0;
	r->nr--;
	for (;;) {
		size_t home;

		j = (j + 1) & (r->cap - 1);
		if (!r->keys[j])
			return;
		home = (size_t)((r->keys[j] >> 12) * 0x9e3779b97f4a7c15ULL) & (r->cap - 1);
		/* Does j's home lie cyclically in (i, j]?  Then it stays. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		r->keys[i] = r->keys[j];
		r->extra[i] = r->extra[j];
		r->keys[j] = 0;
		i = j;
	}
}

void hostmem_get(struct hostmem *hm, void *p)
{
	struct hostmem_refs *r = &hm->refs;
	size_t i;

	if ((r->nr + 1) * 2 > r->cap)
		refs_grow(hm);
	i = refs_slot(r, (uintptr_t)p);
	if (!r->keys[i]) {
		r->keys[i] = (uintptr_t)p;
		r->extra[i] = 0;
		r->nr++;
	}
	BUG_ON(r->extra[i] == UINT32_MAX);
	r->extra[i]++;
	hm->nr_in_use++;
	hm->nr_shared++;
}

uint64_t hostmem_refcount(const struct hostmem *hm, const void *p)
{
	const struct hostmem_refs *r = &hm->refs;
	size_t i;

	if (!r->nr)
		return 1;
	i = refs_slot(r, (uintptr_t)p);
	return r->keys[i] ? 1 + (uint64_t)r->extra[i] : 1;
}

void hostmem_free(struct hostmem *hm, void *p)
{
	struct hostmem_refs *r = &hm->refs;

	hm->nr_in_use--;
	if (r->nr) {
		size_t i = refs_slot(r, (uintptr_t)p);
		if (r->keys[i]) {
			hm->nr_shared--;
			if (!--r->extra[i])
				refs_delete(r, i);
			return;
		}
	}
	*(void **)p = hm->free_list;
	hm->free_list = p;
}
