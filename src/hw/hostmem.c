// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host memory slab: page-sized zeroed chunks from mmap()ed arenas.
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

void hostmem_init(struct hostmem *hm, size_t chunk)
{
	memset(hm, 0, sizeof(*hm));
	hm->chunk = chunk;
	hm->arena_bytes = MAX((size_t)8 << 20, chunk * 64);
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

void hostmem_free(struct hostmem *hm, void *p)
{
	*(void **)p = hm->free_list;
	hm->free_list = p;
	hm->nr_in_use--;
}
