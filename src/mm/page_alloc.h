/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The buddy allocator of one zone, placing pages as Linux 6.12 does:
 * pageblocks with a migratetype, one free list per order and migratetype
 * with the kernel's head/tail placement, __rmqueue_smallest() first, then
 * the fallback order with pageblock claiming (__rmqueue_claim) and single
 * block stealing (__rmqueue_steal), and per-CPU page lists in front of it
 * for the orders 6.12 keeps there (0..PAGE_ALLOC_COSTLY_ORDER and the PMD
 * order).  One CPU's lists are modelled: the simulator runs every command
 * on one CPU.
 *
 * Host-side representation (the simulated struct pages are not used for
 * free lists, so free memory costs no host memory for its vmemmap):
 *  - per order a bitmap, bit i set <=> the block at base + (i << order) is
 *    on a buddy free list at exactly that order (PageBuddy + buddy_order),
 *    and a summary of it, a bit per word that is not 0, so a walk of the
 *    free blocks in pfn order skips empty memory 4096 blocks at a time;
 *  - per order kept on the per-CPU lists a second bitmap, bit i set <=>
 *    the block at base + (i << order) is on a per-CPU list at that order;
 *  - every block on a buddy list has a node in a pool; nodes are linked
 *    into doubly linked lists, so list_add, list_add_tail and list_del are
 *    the kernel's operations on the same order of blocks, and a node is
 *    found by its block's first pfn through an open-addressing hash
 *    (merging takes a buddy off its list);
 *  - a per-CPU list is only ever added to and taken from at its ends, so
 *    it is a ring, head first, of runs of blocks at consecutive pfns (up
 *    or down; its order is the list's): the thousands of pages a batch of
 *    frees puts there one after another are one entry;
 *  - one byte per pageblock for its migratetype (the pageblock bitmap).
 * Bitmaps are calloc()ed, so untouched parts cost no resident host memory.
 *
 * nr_free_pages counts every free page of the allocator, on buddy lists
 * or per-CPU lists (what /proc/meminfo's MemFree plus the pcp "count:"
 * lines of /proc/zoneinfo show); nr_pcp_pages is the per-CPU part.
 *
 * These are raw allocators: the choke point in alloc.c is their only caller
 * for allocation.
 */
#ifndef HVO_PAGE_ALLOC_H
#define HVO_PAGE_ALLOC_H

#include "types.h"

#define MAX_MAX_ORDER 13

/* enum migratetype (include/linux/mmzone.h, CONFIG_CMA and isolation on) */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

/* Only blocks of these types merge with blocks of another type. */
static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

#define PAGE_ALLOC_COSTLY_ORDER 3
#define NR_LOWORDER_PCP_LISTS (MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + MIGRATE_PCPTYPES)

/* alloc_flags the allocator itself looks at */
#define ALLOC_NOFRAGMENT 0x1u /* do not split pageblocks of another type */

/* A list of nodes (indices into buddy.nodes; 0 is "none"). */
struct blist {
	uint32_t head, tail;
	uint64_t nr;
};

struct bnode {
	pfn_t pfn;
	uint32_t prev, next;
	uint8_t order;
	uint8_t list;   /* migratetype */
};

/*
 * Blocks of one order at pfn, pfn + step, ..., len of them, next to each
 * other in a per-CPU list in that order from its head; step is plus or
 * minus the block size (any value while len is 1).
 */
struct pcp_run {
	pfn_t pfn;
	int64_t step;
	uint64_t len;
};

/* The @i-th block of run @r. */
static inline pfn_t pcp_run_block(const struct pcp_run *r, uint64_t i)
{
	return r->pfn + (pfn_t)(r->step * (int64_t)i);
}

/* The lowest pfn of a block of run @r (its first or its last block). */
static inline pfn_t pcp_run_low(const struct pcp_run *r)
{
	return r->len > 1 && r->step < 0 ? pcp_run_block(r, r->len - 1) : r->pfn;
}

/*
 * A per-CPU list as a ring of runs: v[(first + i) & (cap - 1)] is its i-th
 * run from the head; nr counts its blocks.  Pages freed one after another
 * at consecutive pfns, as the vmemmap and the boot memmap are, make one
 * run, so a list of thousands of pages is a few entries.
 */
struct pcp_ring {
	struct pcp_run *v;
	uint64_t cap, first, nr_runs; /* cap: 0 or a power of two */
	uint64_t nr;
};

/* A hash slot: the low 32 bits of pfn - base, and the node (0 = empty). */
struct bslot {
	uint32_t key, idx;
};

struct free_area {
	uint64_t *bitmap;
	uint64_t *summary;    /* bit w set <=> bitmap word w is not 0 */
	uint64_t *pcp_bitmap; /* NULL for an order no per-CPU list holds */
	uint64_t nr_free; /* free blocks of this order, all migratetypes */
	struct blist free_list[MIGRATE_TYPES];
};

/* struct per_cpu_pages: one CPU's lists and the 6.12 high/batch tuning. */
struct per_cpu_pages {
	bool enabled;
	int count, high, high_min, high_max, batch;
	int free_count, alloc_factor;
	unsigned flags;
	struct pcp_ring lists[NR_PCP_LISTS];
};

struct buddy {
	pfn_t base;             /* aligned down to a max-order block */
	pfn_t start, end;       /* the zone span this allocator serves */
	unsigned max_order, pageblock_order;
	uint64_t nr_free_pages; /* buddy lists + per-CPU lists */
	uint64_t nr_pcp_pages;
	/*
	 * Per pageblock from base, each type XOR pageblock_mt_init (the type
	 * buddy_init() gave them all): zeroed memory the host backs only
	 * where a pageblock changed type.
	 */
	uint8_t *pageblock_mt;
	uint8_t pageblock_mt_init;
	struct free_area area[MAX_MAX_ORDER + 1];
	struct bnode *nodes;
	uint32_t nr_nodes, cap_nodes, free_nodes;
	struct bslot *hash;     /* open-addressed pfn -> node of a listed block */
	uint64_t hash_cap, hash_used;
	uint64_t nr_pcp_marked; /* bits set in the pcp bitmaps */
	bool hash_key_exact;    /* end - base fits the slot's 32-bit key */
	/*
	 * Tests only: a drain frees one page at a time, as the kernel's loop
	 * does, instead of a run of consecutive pages at once (same lists).
	 */
	bool drain_page_by_page;
	struct per_cpu_pages pcp;
};

/*
 * An allocator for [start, end) whose pageblocks all start as @mt (memmap
 * init marks every pageblock MIGRATE_MOVABLE; a CMA area's are MIGRATE_CMA).
 */
int buddy_init(struct buddy *b, pfn_t start, pfn_t end, unsigned max_order,
	       unsigned pageblock_order, int mt);
void buddy_destroy(struct buddy *b);

/*
 * Turn the per-CPU lists on with @batch and the high range (zone_batchsize
 * and zone_highsize); a zone starts with the boot pageset (no lists).
 */
void buddy_setup_pcp(struct buddy *b, int batch, int high_min, int high_max);
/* drain_pages_zone(): every per-CPU page back to the buddy lists. */
void buddy_drain_pcp(struct buddy *b);

/* Migratetype of the pageblock holding @pfn. */
int get_pfnblock_migratetype(const struct buddy *b, pfn_t pfn);
/* set_pageblock_migratetype() for the pageblocks of [start, end). */
void set_pageblock_range_migratetype(struct buddy *b, pfn_t start, pfn_t end, int mt);

/*
 * free_unref_page()/__free_pages(): a naturally aligned block of 2^order
 * pages, through the per-CPU lists for the orders kept there, else to the
 * buddy lists pageblock by pageblock (split_large_buddy), merging.
 */
void __free_pages(struct buddy *b, pfn_t pfn, unsigned order);
/*
 * __free_pages() of the @n order-0 pages @first, @first + @dir, ... (@dir
 * 1 or -1), one after another, none of them free: the same lists, per-CPU
 * lists and counters as @n calls, at the cost of the drains they make.
 */
void free_pages_run(struct buddy *b, pfn_t first, uint64_t n, int dir);
/*
 * __free_pages_core() of [start, end): memory handed to the allocator for
 * the first time (memblock_free_all, onlining, range isolation undone), as
 * the largest aligned blocks, each to the tail of its list (FPI_TO_TAIL).
 */
void buddy_free_range(struct buddy *b, pfn_t start, pfn_t end);
/*
 * rmqueue(): 2^order pages of migratetype @mt, with @alloc_flags
 * (ALLOC_NOFRAGMENT); PFN_NONE when none is free.
 */
pfn_t buddy_alloc(struct buddy *b, unsigned order, int mt, unsigned alloc_flags);
/* An unmovable request without flags (tests, simple callers). */
static inline pfn_t __alloc_pages(struct buddy *b, unsigned order)
{
	return buddy_alloc(b, order, MIGRATE_UNMOVABLE, 0);
}
/* Is every page of [start, end) on a buddy free list (not per-CPU)? */
bool buddy_range_is_free(const struct buddy *b, pfn_t start, pfn_t end);
/* Is every page of [start, end) free, on a buddy or a per-CPU list? */
bool buddy_range_is_free_or_pcp(const struct buddy *b, pfn_t start, pfn_t end);
/* Take [start, end) out of the buddy free lists; it must be free. */
void buddy_isolate_range(struct buddy *b, pfn_t start, pfn_t end);
/*
 * Order of the free block that contains @pfn, on a buddy list or a
 * per-CPU list, or -1 if @pfn is not free.
 */
int buddy_free_order(const struct buddy *b, pfn_t pfn, pfn_t *block);

/* Grow the span served to [start, end) (a superset), keeping free blocks. */
int buddy_resize(struct buddy *b, pfn_t start, pfn_t end);

/* Visit blocks on the buddy free lists, by order then pfn. */
int buddy_for_each_listed(const struct buddy *b,
			  int (*fn)(void *arg, pfn_t pfn, unsigned order),
			  void *arg);
/* Visit every free block: the buddy lists, then the per-CPU lists. */
int buddy_for_each_free(const struct buddy *b,
			int (*fn)(void *arg, pfn_t pfn, unsigned order),
			void *arg);

/*
 * For the checker: does a free block, on a buddy list or a per-CPU list,
 * overlap [start, end) (true also for a range outside the zone's span)?
 */
bool buddy_range_has_free(const struct buddy *b, pfn_t start, pfn_t end);
/* For the checker: is the block of @order at @pfn marked as on a pcp list? */
bool buddy_pcp_marked(const struct buddy *b, pfn_t pfn, unsigned order);
/* For the checker: the node of the listed block starting at @pfn, or NULL. */
const struct bnode *buddy_lookup(const struct buddy *b, pfn_t pfn);
/*
 * For the checker: set bit i of @found (cap_nodes bits, zeroed by the
 * caller) for each node i that buddy_lookup() of its pfn finds, from one
 * pass over the pfn hash in slot order instead of a lookup per node.
 */
void buddy_hash_found(const struct buddy *b, uint64_t *found);
/* The order of the blocks of per-CPU list @pindex. */
unsigned buddy_pcp_order(const struct buddy *b, int pindex);
/* The @i-th run from the head of per-CPU list @pindex (i < its nr_runs). */
static inline struct pcp_run buddy_pcp_run(const struct buddy *b, int pindex, uint64_t i)
{
	const struct pcp_ring *l = &b->pcp.lists[pindex];

	return l->v[(l->first + i) & (l->cap - 1)];
}
/* For the checker: does a block on a buddy list overlap [start, end)? */
bool buddy_range_has_listed(const struct buddy *b, pfn_t start, pfn_t end);
/* For the checker: are the pcp bits of the blocks of run @r all set? */
bool buddy_pcp_run_marked(const struct buddy *b, const struct pcp_run *r, unsigned order);
static inline const struct bnode *buddy_node(const struct buddy *b, uint32_t i)
{
	return i ? &b->nodes[i] : NULL;
}

#endif
