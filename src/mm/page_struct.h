/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct page as bytes: the layout, the page-flag bits, encoding and
 * decoding, and compound_head() decoded from bytes with its reason.  Pure
 * functions of bytes and a few machine facts (struct_page_ctx): no MMU, no
 * TLB, so the accessors (page.c), the invariant checker and `explain` all
 * decode a struct page the same way.
 *
 * Layout (64-bit, little endian; 64 bytes by default, the first 56 always):
 *   off  0  flags: page-flag bits low, zone in bits 51..53, node in 54..63
 *   off  8  compound_info (tail: bit 0 set) / lru.next
 *   off 16  lru.prev           (folio page 1: _large_mapcount, _entire_mapcount)
 *   off 24  mapping            (tails: TAIL_MAPPING; page 1: _nr_pages_mapped, _pincount)
 *   off 32  index              (page 1: _folio_nr_pages)
 *   off 40  private            (hugetlb head: HPG_* flags incl. vmemmap_optimized)
 *   off 48  _mapcount (s32)    off 52  _refcount (s32)
 *   off 56  memcg_data         (absent with a 56-byte struct page)
 *   off 64.. further words for 72- and 80-byte configurations
 * A large folio overlays struct pages 0..3: page 1 holds the folio order in
 * the low byte of its flags (_flags_1) and the large-folio counters; pages 2
 * and 3 hold HugeTLB's subpool, cgroup and hwpoison fields.
 *
 * Tail encodings of compound_info (docs/encoding.md):
 *   pointer: address of the head struct page | 1          (legacy)
 *   mask:    (~0 << (order + log2(sizeof(struct page)))) | 1   (shared-tail, generic)
 * With the mask, every tail of one order is byte-identical within a zone.
 */
#ifndef HVO_PAGE_STRUCT_H
#define HVO_PAGE_STRUCT_H

#include <string.h>

#include "hw/geometry.h"
#include "mm/mmzone.h"
#include "page_layout.h"
#include "types.h"

/*
 * Page-flag bit numbers (page_layout.h): every row's layout, tested as
 * PG(layout, head).  The PG_* constants are hvo's own layout, that of the
 * rows which name no kernel's (page_layout_hvo); simulated kernel code
 * asks the machine's layout (page.h: page_pg()).
 */
#define PG_locked 0
#define PG_referenced 2
#define PG_uptodate 3
#define PG_dirty 4
#define PG_lru 5
#define PG_head 6
#define PG_active 8
#define PG_reserved 10
#define PG_private 11
#define PG_hwpoison 19

extern const struct page_layout page_layout_hvo; /* the PG_* above */
extern const struct page_layout page_layout_6_1;  /* Debian 6.1, x86-64 */
extern const struct page_layout page_layout_6_12; /* Debian 6.12, x86-64 */
#define PG(layout, flag) ((layout)->pg_##flag)

#define ZONES_PGSHIFT 51
#define ZONES_MASK 0x7ULL
#define NODES_PGSHIFT 54
#define NODES_MASK 0x3ffULL

#define POISON_POINTER_DELTA 0xdead000000000000ULL
#define TAIL_MAPPING (0x400 + POISON_POINTER_DELTA)

#define MAX_STRUCT_PAGE 80

/* A decoded copy of one struct page. */
struct page_struct {
	uint64_t flags;
	uint64_t compound_info;
	uint64_t lru_prev;
	uint64_t mapping;
	uint64_t index;
	uint64_t private_;
	int32_t mapcount;
	int32_t refcount;
	uint64_t memcg_data;
	uint64_t extra[2];
};

#define PAGE_OFF_FLAGS 0
#define PAGE_OFF_COMPOUND_INFO 8
#define PAGE_OFF_LRU_PREV 16
#define PAGE_OFF_MAPPING 24
#define PAGE_OFF_INDEX 32
#define PAGE_OFF_PRIVATE 40
#define PAGE_OFF_MAPCOUNT 48
#define PAGE_OFF_REFCOUNT 52

void page_struct_encode(const struct geometry *g, const struct page_struct *p,
			uint8_t *out);
void page_struct_decode(const struct geometry *g, const uint8_t *in,
			struct page_struct *p);

/* The flags word alone of the encoded struct page @in (a checker asking its zone). */
static inline uint64_t page_struct_flags(const uint8_t *in)
{
	uint64_t flags;

	memcpy(&flags, in + PAGE_OFF_FLAGS, sizeof(flags));
	return flags;
}

static inline uint64_t page_flags_node_zone(int nid, enum zone_type z)
{
	return ((uint64_t)nid << NODES_PGSHIFT) | ((uint64_t)z << ZONES_PGSHIFT);
}

static inline int flags_nid(uint64_t flags)
{
	return (int)((flags >> NODES_PGSHIFT) & NODES_MASK);
}

static inline enum zone_type flags_zone(uint64_t flags)
{
	return (enum zone_type)((flags >> ZONES_PGSHIFT) & ZONES_MASK);
}

static inline bool test_flag(uint64_t flags, unsigned bit)
{
	return flags & (1ULL << bit);
}

static inline uint64_t encode_tail_pointer(vaddr_t head)
{
	return head | 1;
}

static inline uint64_t encode_tail_mask(const struct geometry *g,
					unsigned order)
{
	return (~0ULL << (order + g->struct_page_shift)) | 1;
}

/* What compound_head() needs to know besides the bytes. */
struct struct_page_ctx {
	bool mask;              /* compound_info_has_mask(): mask encoding */
	bool fake_head_check;   /* pointer encoding with the static key on */
	uint64_t page_size;     /* of a vmemmap page */
	unsigned struct_page_size;
	unsigned pg_head;       /* PG_head's bit in this machine's layout */
};

/* Why compound_head_decode() answered what it did. */
enum compound_head_reason {
	CH_MASK_TAIL,      /* mask encoding, bit 0 set: va & compound_info */
	CH_POINTER_TAIL,   /* pointer encoding, bit 0 set: compound_info - 1 */
	CH_NOT_TAIL,       /* mask encoding, bit 0 clear: the page itself */
	CH_NO_KEY,         /* pointer, bit 0 clear, static key off: no fake-head check */
	CH_UNALIGNED,      /* not the first struct page of a vmemmap page */
	CH_NOT_HEAD,       /* PG_head clear: not part of a compound page */
	CH_FAKE_HEAD,      /* PG_head on a remapped page: page[1] names the real head */
	CH_REAL_HEAD,      /* PG_head and page[1] points back: a real head */
	CH_HEAD_NO_TAIL,   /* PG_head but page[1] is not a tail: the page itself */
	CH_NO_NEXT,        /* the fake-head check needs page[1], which is not at hand */
};

/*
 * compound_head() of the struct page at @va with words @flags and @info;
 * @next_info is page[1]'s compound_info, or NULL when the caller cannot
 * read it (only the fake-head check needs it).  Returns the head's address
 * and the reason in *@why (if non-NULL).
 */
vaddr_t compound_head_decode(const struct struct_page_ctx *c, vaddr_t va,
			     uint64_t flags, uint64_t info,
			     const uint64_t *next_info,
			     enum compound_head_reason *why);
/* Does the fake-head check need page[1] for the struct page at @va? */
bool compound_head_needs_next(const struct struct_page_ctx *c, vaddr_t va,
			      uint64_t flags, uint64_t info);

#endif
