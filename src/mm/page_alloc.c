// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buddy allocator (see page_alloc.h for the representation).
 */
#include <string.h>

#include "mm/page_alloc.h"

static inline uint64_t bit_index(const struct buddy *b, pfn_t pfn,
				 unsigned order)
{
	return (pfn - b->base) >> order;
}

static inline bool test_free(const struct buddy *b, pfn_t pfn, unsigned order)
{
	uint64_t i = bit_index(b, pfn, order);
	return b->area[order].bitmap[i >> 6] & (1ULL << (i & 63));
}

static inline void set_free(struct buddy *b, pfn_t pfn, unsigned order)
{
	uint64_t i = bit_index(b, pfn, order);
	b->area[order].bitmap[i >> 6] |= 1ULL << (i & 63);
}

static inline void clear_free(struct buddy *b, pfn_t pfn, unsigned order)
{
	uint64_t i = bit_index(b, pfn, order);
	b->area[order].bitmap[i >> 6] &= ~(1ULL << (i & 63));
}

int buddy_init(struct buddy *b, pfn_t start, pfn_t end, unsigned max_order)
{
	memset(b, 0, sizeof(*b));
	BUG_ON(max_order > MAX_MAX_ORDER);
	b->max_order = max_order;
	b->base = ALIGN_DOWN(start, 1ULL << max_order);
	b->start = start;
	b->end = end;
	for (unsigned o = 0; o <= max_order; o++) {
		uint64_t bits = ((end - b->base) >> o) + 1;
		b->area[o].bitmap = calloc(DIV_ROUND_UP(bits, 64), 8);
		if (!b->area[o].bitmap) {
			buddy_destroy(b);
			return -ENOMEM;
		}
	}
	return 0;
}

void buddy_destroy(struct buddy *b)
{
	for (unsigned o = 0; o <= MAX_MAX_ORDER; o++) {
		free(b->area[o].bitmap);
		free(b->area[o].stack);
	}
	memset(b, 0, sizeof(*b));
}

/* Drop stale and duplicate entries; the bitmap says which are live. */
static void free_area_compact(struct buddy *b, unsigned order)
{
	struct free_area *fa = &b->area[order];
	uint64_t n = 0;

	for (uint64_t i = 0; i < fa->nr_stack; i++) {
		pfn_t p = fa->stack[i];
		if (test_free(b, p, order)) {
			clear_free(b, p, order); /* marks "kept" */
			fa->stack[n++] = p;
		}
	}
	for (uint64_t i = 0; i < n; i++)
		set_free(b, fa->stack[i], order);
	fa->nr_stack = n;
}

static void free_area_push(struct buddy *b, pfn_t pfn, unsigned order)
{
	struct free_area *fa = &b->area[order];

	if (fa->nr_stack == fa->cap) {
		if (fa->nr_stack > 2 * fa->nr_free + 64)
			free_area_compact(b, order);
		if (fa->nr_stack == fa->cap) {
			uint64_t cap = fa->cap ? fa->cap * 2 : 64;
			pfn_t *s = realloc(fa->stack, cap * sizeof(*s));
			if (!s) {
				fprintf(stderr, "hvo: host out of memory\n");
				abort();
			}
			fa->stack = s;
			fa->cap = cap;
		}
	}
	fa->stack[fa->nr_stack++] = pfn;
	set_free(b, pfn, order);
	fa->nr_free++;
}

static void free_area_del(struct buddy *b, pfn_t pfn, unsigned order)
{
	clear_free(b, pfn, order); /* its stack entry is now stale */
	b->area[order].nr_free--;
}

static bool block_in_zone(const struct buddy *b, pfn_t pfn, unsigned order)
{
	return pfn >= b->start && pfn + (1ULL << order) <= b->end;
}

void __free_pages(struct buddy *b, pfn_t pfn, unsigned order)
{
	BUG_ON(!IS_ALIGNED(pfn, 1ULL << order) || !block_in_zone(b, pfn, order));
	b->nr_free_pages += 1ULL << order;
	while (order < b->max_order) {
		pfn_t buddy = pfn ^ (1ULL << order);
		if (!block_in_zone(b, buddy, order) ||
		    !test_free(b, buddy, order))
			break;
		free_area_del(b, buddy, order);
		pfn = MIN(pfn, buddy);
		order++;
	}
	free_area_push(b, pfn, order);
}

void buddy_free_range(struct buddy *b, pfn_t start, pfn_t end)
{
	while (start < end) {
		unsigned order = b->max_order;
		while (order && (!IS_ALIGNED(start, 1ULL << order) ||
				 start + (1ULL << order) > end))
			order--;
		__free_pages(b, start, order);
		start += 1ULL << order;
	}
}

static pfn_t free_area_pop(struct buddy *b, unsigned order)
{
	struct free_area *fa = &b->area[order];

	while (fa->nr_free && fa->nr_stack) {
		pfn_t p = fa->stack[--fa->nr_stack];
		if (test_free(b, p, order)) {
			free_area_del(b, p, order);
			return p;
		}
	}
	return PFN_NONE;
}

pfn_t __alloc_pages(struct buddy *b, unsigned order)
{
	for (unsigned o = order; o <= b->max_order; o++) {
		pfn_t p = free_area_pop(b, o);
		if (p == PFN_NONE)
			continue;
		while (o > order) { /* expand: give back the upper halves */
			o--;
			free_area_push(b, p + (1ULL << o), o);
		}
		b->nr_free_pages -= 1ULL << order;
		return p;
	}
	return PFN_NONE;
}

int buddy_free_order(const struct buddy *b, pfn_t pfn, pfn_t *block)
{
	if (pfn < b->start || pfn >= b->end)
		return -1;
	for (unsigned o = 0; o <= b->max_order; o++) {
		pfn_t q = ALIGN_DOWN(pfn, 1ULL << o);
		if (q >= b->start && test_free(b, q, o)) {
			if (block)
				*block = q;
			return (int)o;
		}
	}
	return -1;
}

bool buddy_range_is_free(const struct buddy *b, pfn_t start, pfn_t end)
{
	while (start < end) {
		pfn_t q;
		int o = buddy_free_order(b, start, &q);
		if (o < 0)
			return false;
		start = q + (1ULL << o);
	}
	return true;
}

void buddy_isolate_range(struct buddy *b, pfn_t start, pfn_t end)
{
	pfn_t p = start;

	while (p < end) {
		pfn_t q, qend;
		int o = buddy_free_order(b, p, &q);

		BUG_ON(o < 0);
		qend = q + (1ULL << o);
		free_area_del(b, q, (unsigned)o);
		b->nr_free_pages -= 1ULL << o;
		/* Give back the parts of the block outside [start, end). */
		if (q < start)
			buddy_free_range(b, q, start);
		if (qend > end)
			buddy_free_range(b, end, qend);
		p = qend;
	}
}

int buddy_for_each_free(const struct buddy *b,
			int (*fn)(void *arg, pfn_t pfn, unsigned order),
			void *arg)
{
	for (unsigned o = 0; o <= b->max_order; o++) {
		const struct free_area *fa = &b->area[o];
		uint64_t words;
		if (!fa->nr_free)
			continue;
		words = DIV_ROUND_UP(((b->end - b->base) >> o) + 1, 64);
		for (uint64_t w = 0; w < words; w++) {
			uint64_t bits = fa->bitmap[w];
			while (bits) {
				unsigned i = (unsigned)__builtin_ctzll(bits);
				int ret;
				bits &= bits - 1;
				ret = fn(arg, b->base + ((w * 64 + i) << o), o);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

struct resize_ctx {
	struct buddy *nb;
};

static int move_free_block(void *arg, pfn_t pfn, unsigned order)
{
	struct resize_ctx *c = arg;

	free_area_push(c->nb, pfn, order);
	c->nb->nr_free_pages += 1ULL << order;
	return 0;
}

int buddy_resize(struct buddy *b, pfn_t start, pfn_t end)
{
	struct buddy nb;
	struct resize_ctx c = { &nb };

	BUG_ON(start > b->start || end < b->end);
	if (buddy_init(&nb, start, end, b->max_order))
		return -ENOMEM;
	buddy_for_each_free(b, move_free_block, &c);
	BUG_ON(nb.nr_free_pages != b->nr_free_pages);
	buddy_destroy(b);
	*b = nb;
	return 0;
}
