// SPDX-License-Identifier: GPL-2.0-only
/*
 * memblock: sorted, merged region lists and a top-down range allocator.
 * Regions of "memory" merge only when their nodes agree; "reserved" regions
 * carry no node and merge whenever they touch.
 */
#include <string.h>

#include "mm/memblock.h"

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
}

void memblock_destroy(struct memblock *mb)
{
	free(mb->memory.regions);
	free(mb->reserved.regions);
	memset(mb, 0, sizeof(*mb));
}

int memblock_copy(struct memblock_type *dst, const struct memblock_type *src)
{
	dst->regions = malloc(MAX(src->cnt, 1) * sizeof(*src->regions));
	if (!dst->regions)
		return -ENOMEM;
	memcpy(dst->regions, src->regions, src->cnt * sizeof(*src->regions));
	dst->cnt = dst->max = src->cnt;
	return 0;
}

static int memblock_grow(struct memblock_type *t)
{
	uint64_t max = t->max ? t->max * 2 : 16;
	struct memblock_region *r = realloc(t->regions, max * sizeof(*r));

	if (!r)
		return -ENOMEM;
	t->regions = r;
	t->max = max;
	return 0;
}

static int memblock_insert(struct memblock_type *t, uint64_t idx, pfn_t base,
			   uint64_t size, int nid)
{
	if (t->cnt == t->max && memblock_grow(t))
		return -ENOMEM;
	memmove(&t->regions[idx + 1], &t->regions[idx],
		(t->cnt - idx) * sizeof(*t->regions));
	t->regions[idx] = (struct memblock_region){ base, size, nid };
	t->cnt++;
	return 0;
}

static void memblock_delete(struct memblock_type *t, uint64_t idx)
{
	memmove(&t->regions[idx], &t->regions[idx + 1],
		(t->cnt - idx - 1) * sizeof(*t->regions));
	t->cnt--;
}

/* Merge neighbours that touch (and agree on node). */
static void memblock_merge(struct memblock_type *t)
{
	uint64_t i = 0;

	while (i + 1 < t->cnt) {
		struct memblock_region *a = &t->regions[i], *b = a + 1;
		if (a->base + a->size == b->base && a->nid == b->nid) {
			a->size += b->size;
			memblock_delete(t, i + 1);
		} else {
			i++;
		}
	}
}

/* First region index whose end is above @pfn. */
static uint64_t memblock_search(const struct memblock_type *t, pfn_t pfn)
{
	uint64_t lo = 0, hi = t->cnt;

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		const struct memblock_region *r = &t->regions[mid];
		if (r->base + r->size <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Add a range that must not overlap anything already in @t. */
static int memblock_add_range(struct memblock_type *t, pfn_t base,
			      uint64_t size, int nid)
{
	uint64_t idx = memblock_search(t, base);

	if (!size)
		return 0;
	if (idx < t->cnt && t->regions[idx].base < base + size)
		return -EEXIST;
	if (memblock_insert(t, idx, base, size, nid))
		return -ENOMEM;
	memblock_merge(t);
	return 0;
}

/* Remove [base, base+size) from @t; every pfn of it must be present. */
static int memblock_remove_range(struct memblock_type *t, pfn_t base,
				 uint64_t size)
{
	pfn_t end = base + size;
	uint64_t idx = memblock_search(t, base);
	struct memblock_region *r;

	if (!size)
		return 0;
	if (idx == t->cnt)
		return -ENOENT;
	r = &t->regions[idx];
	if (r->base > base || r->base + r->size < end)
		return -ENOENT;
	if (r->base < base && r->base + r->size > end) {
		pfn_t rend = r->base + r->size;
		int nid = r->nid;
		r->size = base - r->base;
		return memblock_insert(t, idx + 1, end, rend - end, nid);
	}
	if (r->base == base) {
		r->base += size;
		r->size -= size;
		if (!r->size)
			memblock_delete(t, idx);
	} else {
		r->size -= size; /* range is a tail of r */
	}
	return 0;
}

int memblock_add_node(struct memblock *mb, pfn_t base, uint64_t size, int nid)
{
	return memblock_add_range(&mb->memory, base, size, nid);
}

int memblock_remove(struct memblock *mb, pfn_t base, uint64_t size)
{
	return memblock_remove_range(&mb->memory, base, size);
}

int memblock_reserve(struct memblock *mb, pfn_t base, uint64_t size)
{
	return memblock_add_range(&mb->reserved, base, size, NUMA_NO_NODE);
}

int memblock_free(struct memblock *mb, pfn_t base, uint64_t size)
{
	return memblock_remove_range(&mb->reserved, base, size);
}

/* Highest @align-aligned start of @size pages inside [s, e), or PFN_NONE. */
static pfn_t fit_in_gap(pfn_t s, pfn_t e, uint64_t size, uint64_t align)
{
	pfn_t cand;

	if (e < s || e - s < size)
		return PFN_NONE;
	cand = ALIGN_DOWN(e - size, align);
	return cand >= s ? cand : PFN_NONE;
}

/*
 * Highest aligned fit of @size pages in the gaps of "reserved" inside
 * [start, end), or PFN_NONE.
 */
static pfn_t memblock_fit_top_down(const struct memblock_type *rsv,
				   pfn_t start, pfn_t end, uint64_t size,
				   uint64_t align)
{
	uint64_t lo = memblock_search(rsv, start), hi = lo;
	pfn_t gap_end = end, got;

	while (hi < rsv->cnt && rsv->regions[hi].base < end)
		hi++;
	for (uint64_t i = hi; i-- > lo;) {
		const struct memblock_region *r = &rsv->regions[i];
		pfn_t rend = r->base + r->size;

		got = fit_in_gap(MAX(rend, start), gap_end, size, align);
		if (got != PFN_NONE)
			return got;
		gap_end = MAX(r->base, start);
	}
	return fit_in_gap(start, gap_end, size, align);
}

pfn_t memblock_alloc_range(struct memblock *mb, uint64_t size, uint64_t align,
			   pfn_t min, pfn_t max, int nid)
{
	const struct memblock_type *mem = &mb->memory;

	if (!size || !align || !is_pow2(align))
		return PFN_NONE;
	for (uint64_t i = mem->cnt; i-- > 0;) {
		const struct memblock_region *r = &mem->regions[i];
		pfn_t s = MAX(r->base, min), e = MIN(r->base + r->size, max);
		pfn_t got;

		if (nid != NUMA_NO_NODE && r->nid != nid)
			continue;
		if (s >= e || e - s < size)
			continue;
		got = memblock_fit_top_down(&mb->reserved, s, e, size, align);
		if (got != PFN_NONE) {
			if (memblock_reserve(mb, got, size))
				return PFN_NONE;
			return got;
		}
	}
	return PFN_NONE;
}

bool memblock_type_contains(const struct memblock_type *t, pfn_t pfn)
{
	uint64_t idx = memblock_search(t, pfn);
	return idx < t->cnt && t->regions[idx].base <= pfn;
}

bool memblock_is_memory(const struct memblock *mb, pfn_t pfn)
{
	return memblock_type_contains(&mb->memory, pfn);
}

bool memblock_is_reserved(const struct memblock *mb, pfn_t pfn)
{
	return memblock_type_contains(&mb->reserved, pfn);
}

int memblock_pfn_nid(const struct memblock *mb, pfn_t pfn)
{
	uint64_t idx = memblock_search(&mb->memory, pfn);

	if (idx < mb->memory.cnt && mb->memory.regions[idx].base <= pfn)
		return mb->memory.regions[idx].nid;
	return NUMA_NO_NODE;
}

uint64_t memblock_type_pages_in(const struct memblock_type *t, pfn_t start,
				pfn_t end)
{
	uint64_t n = 0;

	for (uint64_t i = memblock_search(t, start); i < t->cnt; i++) {
		const struct memblock_region *r = &t->regions[i];
		pfn_t s = MAX(r->base, start), e = MIN(r->base + r->size, end);
		if (r->base >= end)
			break;
		if (e > s)
			n += e - s;
	}
	return n;
}
