/*
 * struct page as real bytes in the vmemmap, and compound_head() in both
 * encodings.
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
#ifndef HVO_PAGE_H
#define HVO_PAGE_H

#include "machine.h"

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

/* Read / write a whole struct page through the MMU: 0 or -EFAULT. */
int page_read(struct machine *m, vaddr_t page, struct page_struct *p);
int page_write(struct machine *m, vaddr_t page, const struct page_struct *p);
int page_read_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t *v);
int page_write_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t v);

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

/* Does this machine use the mask encoding (compound_info_has_mask())? */
bool compound_info_has_mask(const struct machine *m);

static inline uint64_t encode_tail_pointer(vaddr_t head)
{
	return head | 1;
}

static inline uint64_t encode_tail_mask(const struct geometry *g,
					unsigned order)
{
	return (~0ULL << (order + g->struct_page_shift)) | 1;
}

/* Tail compound_info for a folio of @order headed at @head on this machine. */
uint64_t encode_compound_info(const struct machine *m, vaddr_t head,
			      unsigned order);

/*
 * compound_head() of the struct page at @page: the head's address, or @page
 * itself for a head or order-0 page.  Legacy follows the fake-head rule
 * (docs/encoding.md#pointer-encoding) when @fake_head_check (the static key)
 * is on.  Returns 0 and sets *@head, or -EFAULT if a read faulted.
 */
int compound_head(struct machine *m, vaddr_t page, vaddr_t *head);

/* A plain tail struct page of the compound page headed at @pfn. */
void compound_tail_struct(struct machine *m, pfn_t pfn, unsigned order,
			  struct page_struct *ps);
/*
 * Write @tmpl into struct pages [first, last) of the compound page at @pfn,
 * a vmemmap page at a time (whole pages become pattern frames).  0, or
 * -EFAULT on a read-only tail.
 */
int write_struct_pages(struct machine *m, pfn_t pfn, uint64_t first, uint64_t last,
		       const struct page_struct *tmpl);
/* The head (with @page_type in its mapcount word) and folio pages 1..3. */
int prep_compound_head(struct machine *m, pfn_t pfn, unsigned order, int32_t page_type);

/*
 * get_page_unless_zero() on the struct page of @pfn, as a speculative PFN
 * walker (compaction, memory failure) calls it without knowing what the
 * page has become: read the refcount and, unless it is 0, write it + 1
 * through the MMU.  Since bd225530a4c7 a legacy fake head is skipped
 * first (page_count_writable() under rcu_read_lock()).  True if a
 * reference was taken; a write to a read-only tail faults and takes none.
 */
bool get_page_unless_zero(struct machine *m, pfn_t pfn);
/* Drop a reference taken by get_page_unless_zero(). */
void put_page(struct machine *m, pfn_t pfn);
/* set_page_count(): the refcount word of @pfn's struct page.  0 or -EFAULT. */
int set_page_count(struct machine *m, pfn_t pfn, int32_t count);

/*
 * Speculative PFN walkers: pfn_walker_add() records a walker that has
 * sampled @pfn (an LRU page, say) and will call get_page_unless_zero() on
 * it later; pfn_walkers_run() lets the walkers whose pfn lies in
 * [@start, @start + @nr) do it now (and drop what they took).  A write
 * fault is logged as the oops it is in the kernel.  -ENOSPC when
 * MAX_PFN_WALKERS are waiting already.
 */
int pfn_walker_add(struct machine *m, pfn_t pfn);
void pfn_walkers_run(struct machine *m, pfn_t start, uint64_t nr);

/* The struct page memmap_init writes for @pfn (canonical boot contents). */
void init_single_page(struct machine *m, pfn_t pfn, struct page_struct *p);

#endif
