// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct page bytes (see page_struct.h): encode, decode, compound_head().
 */
#include <string.h>

#include "mm/page_struct.h"

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
	memcpy(out, buf, g->struct_page_size);
}

void page_struct_decode(const struct geometry *g, const uint8_t *in,
			struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE] = { 0 };

	memcpy(buf, in, g->struct_page_size);
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
	       IS_ALIGNED(va, c->page_size) && test_flag(flags, PG_head);
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
	} else if (!test_flag(flags, PG_head)) {
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
