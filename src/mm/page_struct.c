// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct page bytes (see page_struct.h): encode, decode, compound_head().
 */
#include <string.h>

#include "mm/page_struct.h"

/*
 * The layouts.  6.1 and 6.12 are enum pageflags of Debian's trees
 * (linux-source 6.1.192 and 6.12.113) with its x86-64 configuration:
 * CONFIG_MMU, CONFIG_ARCH_USES_PG_UNCACHED (X86_PAT), CONFIG_MEMORY_FAILURE
 * and CONFIG_64BIT on; kernel/pageflags.awk computes the same from a tree.
 */
const struct page_layout page_layout_hvo = {
	.name = "hvo", .pg_locked = PG_locked, .pg_referenced = PG_referenced,
	.pg_uptodate = PG_uptodate, .pg_dirty = PG_dirty, .pg_lru = PG_lru,
	.pg_head = PG_head, .pg_active = PG_active, .pg_reserved = PG_reserved,
	.pg_private = PG_private, .pg_hwpoison = PG_hwpoison,
};
const struct page_layout page_layout_6_1 = {
	.name = "6.1", .pg_locked = 0, .pg_referenced = 1, .pg_uptodate = 2,
	.pg_dirty = 3, .pg_lru = 4, .pg_head = 16, .pg_active = 5,
	.pg_reserved = 12, .pg_private = 13, .pg_hwpoison = 23,
};
const struct page_layout page_layout_6_12 = {
	.name = "6.12", .pg_locked = 0, .pg_referenced = 2, .pg_uptodate = 3,
	.pg_dirty = 4, .pg_lru = 5, .pg_head = 6, .pg_active = 8,
	.pg_reserved = 13, .pg_private = 14, .pg_hwpoison = 20,
};

static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint64_t get64(const uint8_t *b, unsigned off) { uint64_t v; memcpy(&v, b + off, 8); return v; }

void page_struct_encode(const struct geometry *g, const struct page_struct *p,
			uint8_t *out)
{
	uint8_t buf[MAX_STRUCT_PAGE] = { 0 };

	put64(buf, PAGE_OFF_FLAGS, p->flags);
	put64(buf, PAGE_OFF_COMPOUND_INFO, p->compound_info);
	put64(buf, PAGE_OFF_LRU_PREV, p->lru_prev);
	put64(buf, PAGE_OFF_MAPPING, p->mapping);
	put64(buf, PAGE_OFF_INDEX, p->index);
	put64(buf, PAGE_OFF_PRIVATE, p->private_);
	memcpy(buf + PAGE_OFF_MAPCOUNT, &p->mapcount, 4);
	memcpy(buf + PAGE_OFF_REFCOUNT, &p->refcount, 4);
	put64(buf, 56, p->memcg_data);
	put64(buf, 64, p->extra[0]);
	put64(buf, 72, p->extra[1]);
	if (g->struct_page_size == 64) /* the usual size: a copy the compiler inlines */
		memcpy(out, buf, 64);
	else
		memcpy(out, buf, g->struct_page_size);
}

void page_struct_decode(const struct geometry *g, const uint8_t *in,
			struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	if (g->struct_page_size == 64) { /* the usual size: a copy the compiler inlines */
		memcpy(buf, in, 64);
		memset(buf + 64, 0, sizeof(buf) - 64);
	} else {
		memset(buf, 0, sizeof(buf));
		memcpy(buf, in, g->struct_page_size);
	}
	p->flags = get64(buf, PAGE_OFF_FLAGS);
	p->compound_info = get64(buf, PAGE_OFF_COMPOUND_INFO);
	p->lru_prev = get64(buf, PAGE_OFF_LRU_PREV);
	p->mapping = get64(buf, PAGE_OFF_MAPPING);
	p->index = get64(buf, PAGE_OFF_INDEX);
	p->private_ = get64(buf, PAGE_OFF_PRIVATE);
	memcpy(&p->mapcount, buf + PAGE_OFF_MAPCOUNT, 4);
	memcpy(&p->refcount, buf + PAGE_OFF_REFCOUNT, 4);
	p->memcg_data = get64(buf, 56);
	p->extra[0] = get64(buf, 64);
	p->extra[1] = get64(buf, 72);
}

bool compound_head_needs_next(const struct struct_page_ctx *c, vaddr_t va,
			      uint64_t flags, uint64_t info)
{
	return !c->mask && !(info & 1) && c->fake_head_check &&
	       IS_ALIGNED(va, c->page_size) && test_flag(flags, c->pg_head);
}

vaddr_t compound_head_decode(const struct struct_page_ctx *c, vaddr_t va,
			     uint64_t flags, uint64_t info,
			     const uint64_t *next_info,
			     enum compound_head_reason *why)
{
	enum compound_head_reason r;
	vaddr_t head = va;

	if (c->mask) {
		/* branch-free in the kernel: mask = ((info & 1) - 1) | info */
		head = va & (((info & 1) - 1) | info);
		r = (info & 1) ? CH_MASK_TAIL : CH_NOT_TAIL;
	} else if (info & 1) {
		head = info - 1;
		r = CH_POINTER_TAIL;
	} else if (!c->fake_head_check) {
		r = CH_NO_KEY;
	} else if (!IS_ALIGNED(va, c->page_size)) {
		r = CH_UNALIGNED;
	} else if (!test_flag(flags, c->pg_head)) {
		r = CH_NOT_HEAD;
	} else if (!next_info) {
		r = CH_NO_NEXT;
	} else if (!(*next_info & 1)) {
		r = CH_HEAD_NO_TAIL;
	} else {
		head = *next_info - 1; /* == va for a real head */
		r = head == va ? CH_REAL_HEAD : CH_FAKE_HEAD;
	}
	if (why)
		*why = r;
	return head;
}
