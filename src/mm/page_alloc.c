// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buddy allocator with migratetypes and per-CPU lists, after Linux 6.12's
 * mm/page_alloc.c (see page_alloc.h for the representation).  The order of
 * operations is the kernel's wherever it decides which pfn a request gets:
 * __free_one_page() (merging, the pageblock rule above pageblock order,
 * buddy_merge_likely() for head or tail), expand() (upper halves to the
 * head), __rmqueue_smallest(), __rmqueue_claim() (largest order first,
 * whole pageblocks claimed), __rmqueue_steal(), rmqueue_bulk() (the mode
 * it remembers between pages), free_pcppages_bulk() (round robin over the
 * lists, oldest pages first) and the pcp high/batch auto-tuning of
 * nr_pcp_high(), nr_pcp_free() and nr_pcp_alloc().  Not modelled: the
 * highatomic reserve, watermark boosting, decay_pcp_high() from the vmstat
 * worker, page reporting and shuffling (all off or idle in the scenarios).
 */
#include <string.h>

#include "mm/page_alloc.h"

#define FPI_NONE 0u
#define FPI_TO_TAIL 1u

#define PCP_BATCH_SCALE_MAX 5 /* CONFIG_PCP_BATCH_SCALE_MAX */
#define PCPF_PREV_FREE_HIGH_ORDER 0x1u
#define CLAMP(v, lo, hi) MIN(MAX((v), (lo)), (hi))

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

/* The summary bit of word w of an order's bitmap: set <=> the word is not 0. */
static inline void set_free(struct buddy *b, pfn_t pfn, unsigned order)
{
	struct free_area *fa = &b->area[order];
	uint64_t i = bit_index(b, pfn, order);

	fa->bitmap[i >> 6] |= 1ULL << (i & 63);
	fa->summary[i >> 12] |= 1ULL << ((i >> 6) & 63);
}

static inline void clear_free(struct buddy *b, pfn_t pfn, unsigned order)
{
	struct free_area *fa = &b->area[order];
	uint64_t i = bit_index(b, pfn, order);

	fa->bitmap[i >> 6] &= ~(1ULL << (i & 63));
	if (!fa->bitmap[i >> 6])
		fa->summary[i >> 12] &= ~(1ULL << ((i >> 6) & 63));
}

static inline uint64_t *pcp_word(const struct buddy *b, pfn_t pfn, unsigned order,
				 uint64_t *bit)
{
	uint64_t i = bit_index(b, pfn, order);

	*bit = 1ULL << (i & 63);
	return &b->area[order].pcp_bitmap[i >> 6];
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	return q;
}

/*
 * ---- the pfn -> node hash ----
 *
 * Open addressing with linear probing.  A slot holds the node index and
 * the low 32 bits of the pfn's offset from base, so a probe reads only the
 * table; the node is read to confirm a match only where the span has more
 * than 2^32 pages (16 TiB).  The home slot keeps the offset's low three
 * bits: the free blocks of one 8-page group, and so the buddies of the
 * orders below 3 that a free merges with, share a cache line of the table
 * instead of each costing a miss.  Every node lies in [base, end); a pfn
 * outside has none, and is never looked up by a key it would alias.
 */
#define HASH_GROUP_BITS 3

static inline uint32_t hash_key(const struct buddy *b, pfn_t pfn)
{
	return (uint32_t)(pfn - b->base);
}

static inline uint64_t hash_home(const struct buddy *b, uint32_t key)
{
	uint64_t mix = (uint64_t)(key >> HASH_GROUP_BITS) * 0x9E3779B97F4A7C15ULL;

	return ((mix >> 32) << HASH_GROUP_BITS | (key & ((1u << HASH_GROUP_BITS) - 1))) &
	       (b->hash_cap - 1);
}

static void hash_insert_raw(struct buddy *b, uint32_t key, uint32_t idx)
{
	uint64_t h = hash_home(b, key);

	while (b->hash[h].idx)
		h = (h + 1) & (b->hash_cap - 1);
	b->hash[h].key = key;
	b->hash[h].idx = idx;
}

static void hash_grow(struct buddy *b)
{
	struct bslot *old = b->hash;
	uint64_t old_cap = b->hash_cap;

	b->hash_cap = old_cap ? old_cap * 2 : 1024;
	b->hash = calloc(b->hash_cap, sizeof(*b->hash));
	if (!b->hash) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	for (uint64_t i = 0; i < old_cap; i++)
		if (old[i].idx)
			hash_insert_raw(b, old[i].key, old[i].idx);
	free(old);
}

/* The slot of @pfn's node, or hash_cap if it has none. */
static uint64_t hash_slot(const struct buddy *b, pfn_t pfn)
{
	uint32_t key = hash_key(b, pfn);
	uint64_t h;

	if (!b->hash_cap || pfn - b->base >= b->end - b->base)
		return b->hash_cap;
	for (h = hash_home(b, key); b->hash[h].idx; h = (h + 1) & (b->hash_cap - 1))
		if (b->hash[h].key == key &&
		    (b->hash_key_exact || b->nodes[b->hash[h].idx].pfn == pfn))
			return h;
	return b->hash_cap;
}

static uint32_t hash_find(const struct buddy *b, pfn_t pfn)
{
	uint64_t h = hash_slot(b, pfn);

	return h < b->hash_cap ? b->hash[h].idx : 0;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void hash_remove(struct buddy *b, pfn_t pfn)
{
	uint64_t mask = b->hash_cap - 1, i = hash_slot(b, pfn), j;

	BUG_ON(i >= b->hash_cap);
	b->hash[i].idx = 0;
	for (j = (i + 1) & mask; b->hash[j].idx; j = (j + 1) & mask) {
		uint64_t k = hash_home(b, b->hash[j].key);
		/* move j to i unless its home k lies cyclically in (i, j] */
		bool stay = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stay) {
			b->hash[i] = b->hash[j];
			b->hash[j].idx = 0;
			i = j;
		}
	}
	b->hash_used--;
}

/* A node for a listed block, found through the hash (in no list yet). */
static uint32_t node_new(struct buddy *b, pfn_t pfn, unsigned order)
{
	uint32_t idx;

	if (b->free_nodes) {
		idx = b->free_nodes;
		b->free_nodes = b->nodes[idx].next;
	} else {
		if (b->nr_nodes == b->cap_nodes) {
			b->cap_nodes = b->cap_nodes ? b->cap_nodes * 2 : 256;
			b->nodes = xrealloc(b->nodes, (size_t)b->cap_nodes * sizeof(*b->nodes));
			if (!b->nr_nodes)
				b->nr_nodes = 1; /* index 0 is "none" */
		}
		idx = b->nr_nodes++;
	}
	memset(&b->nodes[idx], 0, sizeof(b->nodes[idx]));
	b->nodes[idx].pfn = pfn;
	b->nodes[idx].order = (uint8_t)order;
	if ((b->hash_used + 1) * 2 > b->hash_cap)
		hash_grow(b);
	hash_insert_raw(b, hash_key(b, pfn), idx);
	b->hash_used++;
	return idx;
}

static void node_put(struct buddy *b, uint32_t idx)
{
	hash_remove(b, b->nodes[idx].pfn);
	b->nodes[idx].next = b->free_nodes;
	b->free_nodes = idx;
}

/* ---- lists ---- */

static void blist_add(struct buddy *b, struct blist *l, uint32_t idx, bool tail)
{
	struct bnode *n = &b->nodes[idx];

	if (tail) {
		n->prev = l->tail;
		n->next = 0;
		if (l->tail)
			b->nodes[l->tail].next = idx;
		else
			l->head = idx;
		l->tail = idx;
	} else {
		n->next = l->head;
		n->prev = 0;
		if (l->head)
			b->nodes[l->head].prev = idx;
		else
			l->tail = idx;
		l->head = idx;
	}
	l->nr++;
}

static void blist_del(struct buddy *b, struct blist *l, uint32_t idx)
{
	struct bnode *n = &b->nodes[idx];

	if (n->prev)
		b->nodes[n->prev].next = n->next;
	else
		l->head = n->next;
	if (n->next)
		b->nodes[n->next].prev = n->prev;
	else
		l->tail = n->prev;
	l->nr--;
}

/* ---- pageblocks ---- */

int get_pfnblock_migratetype(const struct buddy *b, pfn_t pfn)
{
	return b->pageblock_mt[(pfn - b->base) >> b->pageblock_order] ^ b->pageblock_mt_init;
}

static void set_pageblock_migratetype(struct buddy *b, pfn_t pfn, int mt)
{
	b->pageblock_mt[(pfn - b->base) >> b->pageblock_order] = (uint8_t)mt ^ b->pageblock_mt_init;
}

void set_pageblock_range_migratetype(struct buddy *b, pfn_t start, pfn_t end, int mt)
{
	uint64_t nr = 1ULL << b->pageblock_order;

	for (pfn_t p = ALIGN_DOWN(start, nr); p < end; p += nr)
		set_pageblock_migratetype(b, p, mt);
}

static void change_pageblock_range(struct buddy *b, pfn_t pfn, unsigned order, int mt)
{
	set_pageblock_range_migratetype(b, pfn, pfn + (1ULL << order), mt);
}

/* ---- buddy free lists ---- */

static void add_to_free_list(struct buddy *b, pfn_t pfn, unsigned order, int mt, bool tail)
{
	uint32_t idx = node_new(b, pfn, order);

	b->nodes[idx].list = (uint8_t)mt;
	blist_add(b, &b->area[order].free_list[mt], idx, tail);
	b->area[order].nr_free++;
	set_free(b, pfn, order);
}

/* Remove the listed block at @pfn; returns the migratetype of its list. */
static int del_from_free_list(struct buddy *b, pfn_t pfn, unsigned order)
{
	uint32_t idx = hash_find(b, pfn);
	int mt;

	BUG_ON(!idx || b->nodes[idx].order != order);
	mt = b->nodes[idx].list;
	blist_del(b, &b->area[order].free_list[mt], idx);
	b->area[order].nr_free--;
	clear_free(b, pfn, order);
	node_put(b, idx);
	return mt;
}

static void move_to_free_list(struct buddy *b, pfn_t pfn, unsigned order, int new_mt)
{
	uint32_t idx = hash_find(b, pfn);
	struct bnode *n = &b->nodes[idx];

	blist_del(b, &b->area[order].free_list[n->list], idx);
	n->list = (uint8_t)new_mt;
	blist_add(b, &b->area[order].free_list[new_mt], idx, true);
}

static pfn_t free_list_head(const struct buddy *b, unsigned order, int mt)
{
	uint32_t idx = b->area[order].free_list[mt].head;
	return idx ? b->nodes[idx].pfn : PFN_NONE;
}

static bool block_in_zone(const struct buddy *b, pfn_t pfn, unsigned order)
{
	return pfn >= b->start && pfn + (1ULL << order) <= b->end;
}

static bool is_buddy(const struct buddy *b, pfn_t pfn, unsigned order)
{
	return block_in_zone(b, pfn, order) && test_free(b, pfn, order);
}

/*
 * If the block's parent has a free buddy one order up, the block is likely
 * to merge soon: put it at the tail.  Never for the two highest orders.
 */
static bool buddy_merge_likely(const struct buddy *b, pfn_t pfn, pfn_t buddy_pfn,
			       unsigned order)
{
	pfn_t higher;

	if (order + 1 >= b->max_order)
		return false;
	higher = buddy_pfn & pfn;
	return is_buddy(b, higher ^ (1ULL << (order + 1)), order + 1);
}

/* Counted in nr_free_pages by the caller. */
static void __free_one_page(struct buddy *b, pfn_t pfn, unsigned order, int mt,
			    unsigned fpi)
{
	pfn_t buddy_pfn = 0;
	bool to_tail;

	BUG_ON(!IS_ALIGNED(pfn, 1ULL << order) || !block_in_zone(b, pfn, order));
	while (order < b->max_order) {
		int buddy_mt = mt;

		buddy_pfn = pfn ^ (1ULL << order);
		if (!is_buddy(b, buddy_pfn, order))
			break;
		if (order >= b->pageblock_order) {
			buddy_mt = get_pfnblock_migratetype(b, buddy_pfn);
			if (mt != buddy_mt && (!migratetype_is_mergeable(mt) ||
					       !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_from_free_list(b, buddy_pfn, order);
		if (buddy_mt != mt)
			change_pageblock_range(b, buddy_pfn, order, mt);
		pfn &= buddy_pfn;
		order++;
	}
	to_tail = (fpi & FPI_TO_TAIL) || buddy_merge_likely(b, pfn, buddy_pfn, order);
	add_to_free_list(b, pfn, order, mt, to_tail);
}

/* free_one_page() -> split_large_buddy(): pageblock by pageblock. */
static void free_one_page(struct buddy *b, pfn_t pfn, unsigned order, unsigned fpi)
{
	pfn_t end = pfn + (1ULL << order);
	unsigned o = MIN(order, b->pageblock_order);

	b->nr_free_pages += 1ULL << order;
	for (; pfn < end; pfn += 1ULL << o)
		__free_one_page(b, pfn, o, get_pfnblock_migratetype(b, pfn), fpi);
}

static void expand(struct buddy *b, pfn_t pfn, unsigned low, unsigned high, int mt)
{
	while (high > low) {
		high--;
		add_to_free_list(b, pfn + (1ULL << high), high, mt, false);
	}
}

static pfn_t __rmqueue_smallest(struct buddy *b, unsigned order, int mt)
{
	for (unsigned o = order; o <= b->max_order; o++) {
		pfn_t p = free_list_head(b, o, mt);
		if (p == PFN_NONE)
			continue;
		del_from_free_list(b, p, o);
		expand(b, p, order, o, mt);
		return p;
	}
	return PFN_NONE;
}

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

static bool can_steal_fallback(const struct buddy *b, unsigned order, int start_mt)
{
	if (order >= b->pageblock_order)
		return true;
	return order >= b->pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE ||
	       start_mt == MIGRATE_UNMOVABLE;
}

static int find_suitable_fallback(const struct buddy *b, unsigned order, int mt,
				  bool *can_steal)
{
	if (!b->area[order].nr_free)
		return -1;
	*can_steal = false;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];
		if (!b->area[order].free_list[fmt].nr)
			continue;
		if (can_steal_fallback(b, order, mt))
			*can_steal = true;
		return fmt;
	}
	return -1;
}

/* The order of the free block that starts at @p, up to a pageblock, or -1. */
static int free_block_order_at(const struct buddy *b, pfn_t p)
{
	for (unsigned k = 0; k <= b->pageblock_order; k++)
		if (IS_ALIGNED(p, 1ULL << k) && test_free(b, p, k))
			return (int)k;
	return -1;
}

/*
 * __move_freepages_block(): every free block of the pageblock at @start
 * goes to the tail of @new_mt's list, and the pageblock becomes @new_mt.
 * Returns the free pages found.
 */
static uint64_t move_freepages_block(struct buddy *b, pfn_t start, int new_mt)
{
	pfn_t end = start + (1ULL << b->pageblock_order), p = start;
	uint64_t moved = 0;

	while (p < end) {
		int o = free_block_order_at(b, p);

		if (o < 0) {
			p++;
			continue;
		}
		move_to_free_list(b, p, (unsigned)o, new_mt);
		moved += 1ULL << o;
		p += 1ULL << o;
	}
	set_pageblock_migratetype(b, start, new_mt);
	return moved;
}

static pfn_t try_to_steal_block(struct buddy *b, pfn_t pfn, unsigned current_order,
				unsigned order, int start_mt)
{
	int block_mt = get_pfnblock_migratetype(b, pfn);
	pfn_t start = ALIGN_DOWN(pfn, 1ULL << b->pageblock_order);
	uint64_t nr = 1ULL << b->pageblock_order, free_pages, alike;

	if (block_mt == MIGRATE_HIGHATOMIC)
		return PFN_NONE;
	if (current_order >= b->pageblock_order) {
		del_from_free_list(b, pfn, current_order);
		change_pageblock_range(b, pfn, current_order, start_mt);
		expand(b, pfn, order, current_order, start_mt);
		return pfn;
	}
	/* prep_move_freepages_block(): the whole pageblock in the zone */
	if (start < b->start || start + nr > b->end)
		return PFN_NONE;
	free_pages = 0;
	for (pfn_t p = start; p < start + nr;) {
		int o = free_block_order_at(b, p);

		if (o < 0) {
			p++;
			continue;
		}
		free_pages += 1ULL << o;
		p += 1ULL << o;
	}
	/*
	 * No page the simulator allocates is on an LRU list or __PageMovable,
	 * so movable_pages is 0: a movable request claims a block only by its
	 * free pages, other requests count every used page of a movable block.
	 */
	if (start_mt == MIGRATE_MOVABLE)
		alike = 0;
	else
		alike = block_mt == MIGRATE_MOVABLE ? nr - free_pages : 0;
	if (free_pages + alike >= nr / 2) {
		move_freepages_block(b, start, start_mt);
		return __rmqueue_smallest(b, order, start_mt);
	}
	return PFN_NONE;
}

static pfn_t __rmqueue_claim(struct buddy *b, unsigned order, int start_mt,
			     unsigned alloc_flags)
{
	int min_order = (int)order;

	if (order < b->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = (int)b->pageblock_order;
	for (int co = (int)b->max_order; co >= min_order; co--) {
		bool can_steal;
		int fmt = find_suitable_fallback(b, (unsigned)co, start_mt, &can_steal);
		pfn_t p;

		if (fmt == -1)
			continue;
		if (!can_steal)
			break;
		p = try_to_steal_block(b, free_list_head(b, (unsigned)co, fmt),
				       (unsigned)co, order, start_mt);
		if (p != PFN_NONE)
			return p;
	}
	return PFN_NONE;
}

static pfn_t __rmqueue_steal(struct buddy *b, unsigned order, int start_mt)
{
	for (unsigned co = order; co <= b->max_order; co++) {
		bool can_steal;
		int fmt = find_suitable_fallback(b, co, start_mt, &can_steal);
		pfn_t p;

		if (fmt == -1)
			continue;
		p = free_list_head(b, co, fmt);
		del_from_free_list(b, p, co);
		expand(b, p, order, co, fmt);
		return p;
	}
	return PFN_NONE;
}

enum rmqueue_mode { RMQUEUE_NORMAL, RMQUEUE_CLAIM, RMQUEUE_STEAL };

/* __rmqueue() without the CMA lists (a CMA area is an allocator of its own). */
static pfn_t __rmqueue(struct buddy *b, unsigned order, int mt, unsigned alloc_flags,
		       enum rmqueue_mode *mode)
{
	pfn_t p;

	if (mt >= MIGRATE_PCPTYPES) /* no fallbacks for the other types */
		return __rmqueue_smallest(b, order, mt);
	switch (*mode) {
	case RMQUEUE_NORMAL:
		p = __rmqueue_smallest(b, order, mt);
		if (p != PFN_NONE)
			return p;
		/* fallthrough */
	case RMQUEUE_CLAIM:
		p = __rmqueue_claim(b, order, mt, alloc_flags);
		if (p != PFN_NONE) {
			*mode = RMQUEUE_NORMAL;
			return p;
		}
		/* fallthrough */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			p = __rmqueue_steal(b, order, mt);
			if (p != PFN_NONE) {
				*mode = RMQUEUE_STEAL;
				return p;
			}
		}
	}
	return PFN_NONE;
}

/* ---- per-CPU lists ---- */

static unsigned pcp_thp_order(const struct buddy *b)
{
	return b->pageblock_order; /* HPAGE_PMD_ORDER where it fits MAX_PAGE_ORDER */
}

static bool pcp_allowed_order(const struct buddy *b, unsigned order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == pcp_thp_order(b);
}

static int order_to_pindex(const struct buddy *b, int mt, unsigned order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		BUG_ON(order != pcp_thp_order(b));
		return NR_LOWORDER_PCP_LISTS + mt;
	}
	return MIGRATE_PCPTYPES * (int)order + mt;
}

static unsigned pindex_to_order(const struct buddy *b, int pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return pcp_thp_order(b);
	return (unsigned)(pindex / MIGRATE_PCPTYPES);
}

static void pcp_mark(struct buddy *b, pfn_t pfn, unsigned order, bool on)
{
	uint64_t bit, *w = pcp_word(b, pfn, order, &bit);

	if (on) {
		*w |= bit;
		b->nr_pcp_marked++;
	} else {
		*w &= ~bit;
		b->nr_pcp_marked--;
	}
}

/* The run's bits in the pcp bitmap are that of its lowest block and up. */
static void pcp_mark_run(struct buddy *b, const struct pcp_run *r, unsigned order, bool on)
{
	uint64_t lo = bit_index(b, pcp_run_low(r), order);

	bitmap_assign_range(b->area[order].pcp_bitmap, lo, lo + r->len - 1, on);
	if (on)
		b->nr_pcp_marked += r->len;
	else
		b->nr_pcp_marked -= r->len;
}

/*
 * Can run @a be followed by run @b in a list (a's last block, then b's
 * first) as one run?  Its step in *@step.
 */
static bool runs_join(const struct pcp_run *a, const struct pcp_run *b, unsigned order,
		      int64_t *step)
{
	int64_t d = (int64_t)(b->pfn - pcp_run_block(a, a->len - 1)), size = 1LL << order;

	if ((d != size && d != -size) || (a->len > 1 && a->step != d) ||
	    (b->len > 1 && b->step != d))
		return false;
	*step = d;
	return true;
}

static void pcp_ring_grow(struct pcp_ring *l)
{
	uint64_t cap = l->cap ? l->cap * 2 : 16;
	struct pcp_run *v = xrealloc(NULL, cap * sizeof(*v));

	for (uint64_t i = 0; i < l->nr_runs; i++)
		v[i] = l->v[(l->first + i) & (l->cap - 1)];
	free(l->v);
	l->v = v;
	l->cap = cap;
	l->first = 0;
}

static struct pcp_run *ring_at(const struct pcp_ring *l, uint64_t i)
{
	return &l->v[(l->first + i) & (l->cap - 1)];
}

/*
 * Run @r goes on list @pindex, before its head (the blocks were added one
 * by one at the head, @r's last block first) or after its tail (added at
 * the tail in @r's order); the pcp counters are the caller's.
 */
static void pcp_list_insert(struct buddy *b, int pindex, struct pcp_run r, bool tail)
{
	struct pcp_ring *l = &b->pcp.lists[pindex];
	unsigned order = pindex_to_order(b, pindex);
	int64_t step;

	pcp_mark_run(b, &r, order, true);
	l->nr += r.len;
	if (l->nr_runs) {
		struct pcp_run *h = ring_at(l, 0), *t = ring_at(l, l->nr_runs - 1);

		if (!tail && runs_join(&r, h, order, &step)) {
			h->len += r.len;
			h->pfn = r.pfn;
			h->step = step;
			return;
		}
		if (tail && runs_join(t, &r, order, &step)) {
			t->len += r.len;
			t->step = step;
			return;
		}
	}
	if (l->nr_runs == l->cap)
		pcp_ring_grow(l);
	if (!tail)
		l->first = (l->first - 1) & (l->cap - 1);
	l->nr_runs++;
	*ring_at(l, tail ? l->nr_runs - 1 : 0) = r;
}

static void pcp_add(struct buddy *b, int pindex, pfn_t pfn, unsigned order, bool tail)
{
	pcp_list_insert(b, pindex, (struct pcp_run){ pfn, 0, 1 }, tail);
	b->pcp.count += 1 << order;
	b->nr_pcp_pages += 1ULL << order;
}

static pfn_t pcp_take(struct buddy *b, int pindex, bool last)
{
	struct pcp_ring *l = &b->pcp.lists[pindex];
	unsigned order = pindex_to_order(b, pindex);
	struct pcp_run *r;
	pfn_t pfn;

	if (!l->nr)
		return PFN_NONE;
	if (last) {
		r = ring_at(l, l->nr_runs - 1);
		pfn = pcp_run_block(r, r->len - 1);
		if (!--r->len)
			l->nr_runs--;
	} else {
		r = ring_at(l, 0);
		pfn = r->pfn;
		r->pfn = pcp_run_block(r, 1);
		if (!--r->len) {
			l->first = (l->first + 1) & (l->cap - 1);
			l->nr_runs--;
		}
	}
	l->nr--;
	pcp_mark(b, pfn, order, false);
	b->pcp.count -= 1 << order;
	b->nr_pcp_pages -= 1ULL << order;
	return pfn;
}

/*
 * Up to @max order-0 pages from the tail of list @pindex, the oldest
 * first, all of its last run: as many taken one by one would come, from
 * *@first on in direction *@dir.  Their number.
 */
static uint64_t pcp_take_run(struct buddy *b, int pindex, uint64_t max, pfn_t *first, int *dir)
{
	struct pcp_ring *l = &b->pcp.lists[pindex];
	struct pcp_run *r = ring_at(l, l->nr_runs - 1);
	uint64_t k = MIN(max, r->len);
	struct pcp_run taken = { pcp_run_block(r, r->len - k), r->step, k };

	*first = pcp_run_block(r, r->len - 1);
	*dir = k > 1 ? (int)-r->step : 1;
	pcp_mark_run(b, &taken, 0, false);
	r->len -= k;
	if (!r->len)
		l->nr_runs--;
	l->nr -= k;
	b->pcp.count -= (int)k;
	b->nr_pcp_pages -= k;
	return k;
}

unsigned buddy_pcp_order(const struct buddy *b, int pindex)
{
	return pindex_to_order(b, pindex);
}

/*
 * The largest order, at most pageblock order, of an aligned block that
 * starts or ends at @pfn and fits in @n pages.
 */
static unsigned run_block_order(const struct buddy *b, pfn_t pfn, uint64_t n)
{
	unsigned o = MIN(b->pageblock_order, ilog2_u64(n));

	while (o && !IS_ALIGNED(pfn, 1ULL << o))
		o--;
	return o;
}

/*
 * __free_one_page() of the @n order-0 pages @first, @first + @dir, ...
 * (@dir 1 or -1) one after another, none of them free on entry, as the
 * aligned blocks the run is made of, largest first from its start (at
 * most pageblock order: each lies in one pageblock), each freed whole.
 * Page by page, the blocks made inside such a block B merge only inside
 * it (the buddy of an aligned block inside B is inside B), and only below
 * pageblock order, where no migratetype is asked; when B's last page is
 * freed the rest of B is free and merged, one block of each order on that
 * page's way up, so it merges into B, which goes on from B's order as
 * __free_one_page() of B does, with the same lists around it (adding to
 * a list and taking away again leaves the others in their order).  So the
 * lists end the same as page by page.
 */
static void free_run_of_pages(struct buddy *b, pfn_t first, uint64_t n, int dir)
{
	pfn_t lo = dir > 0 ? first : first - (n - 1), hi = lo + n;

	while (lo < hi) {
		unsigned o = run_block_order(b, dir > 0 ? lo : hi, hi - lo);
		pfn_t p = dir > 0 ? lo : hi - (1ULL << o);

		__free_one_page(b, p, o, get_pfnblock_migratetype(b, p), FPI_NONE);
		if (dir > 0)
			lo += 1ULL << o;
		else
			hi = p;
	}
}

/*
 * Oldest pages first, round robin over the lists from @pindex.  Order-0
 * pages taken in a row from one run of a list (consecutive pfns, up or
 * down) are freed as a run (free_run_of_pages()); taking a page from a
 * list reads no buddy state, so freeing after the takes frees the same
 * pages in the same order.
 */
static void free_pcppages_bulk(struct buddy *b, int count, int pindex)
{
	count = MIN(b->pcp.count, count);
	pindex = pindex - 1;
	while (count > 0) {
		unsigned order;

		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
		} while (!b->pcp.lists[pindex].nr);
		order = pindex_to_order(b, pindex);
		do {
			if (order || b->drain_page_by_page) {
				pfn_t pfn = pcp_take(b, pindex, true);

				count -= 1 << order;
				__free_one_page(b, pfn, order, get_pfnblock_migratetype(b, pfn),
						FPI_NONE);
			} else {
				pfn_t first;
				int dir;
				uint64_t k = pcp_take_run(b, pindex, (uint64_t)count, &first, &dir);

				count -= (int)k;
				free_run_of_pages(b, first, k, dir);
			}
		} while (count > 0 && b->pcp.lists[pindex].nr);
	}
}

static int nr_pcp_free(const struct per_cpu_pages *pcp, int batch, int high)
{
	if (high < batch)
		return 1;
	return CLAMP(pcp->free_count, batch, high - batch);
}

static int nr_pcp_high(struct per_cpu_pages *pcp, int batch)
{
	int high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);

	if (!high)
		return 0;
	if (pcp->high_min == pcp->high_max)
		return high;
	/* ZONE_BELOW_HIGH and reclaim are never set in the simulator */
	if (pcp->count >= high) {
		int need_high = pcp->free_count + batch;
		if (pcp->high < need_high)
			pcp->high = CLAMP(need_high, pcp->high_min, pcp->high_max);
	}
	return high;
}

/* free_unref_page_commit() (free_high only concerns orders 1..3 bursts). */
static void free_unref_page_commit(struct buddy *b, pfn_t pfn, int mt, unsigned order)
{
	struct per_cpu_pages *pcp = &b->pcp;
	int pindex = order_to_pindex(b, mt, order), batch = pcp->batch, high;
	bool free_high = false;

	pcp->alloc_factor >>= 1;
	pcp_add(b, pindex, pfn, order, false);
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		free_high = pcp->free_count >= batch && (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else {
		pcp->flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	if (free_high) {
		high = 0;
		pcp->high = MAX(pcp->high - (batch << PCP_BATCH_SCALE_MAX), pcp->high_min);
	} else {
		high = nr_pcp_high(pcp, batch);
	}
	if (pcp->count >= high)
		free_pcppages_bulk(b, free_high ? MIN(pcp->count, batch << PCP_BATCH_SCALE_MAX)
						: nr_pcp_free(pcp, batch, high),
				   pindex);
}

static int nr_pcp_alloc(struct per_cpu_pages *pcp, unsigned order)
{
	int base_batch = pcp->batch, batch, high;

	high = pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	if (pcp->high_min != pcp->high_max)
		high = pcp->high = MIN(high + batch, pcp->high_max);
	if (!order) {
		int max_nr_alloc = MAX(high - pcp->count - base_batch, base_batch);
		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = MIN(batch, max_nr_alloc);
	}
	if (batch > 1)
		batch = MAX(batch >> order, 2);
	return batch;
}

static pfn_t rmqueue_pcplist(struct buddy *b, unsigned order, int mt, unsigned alloc_flags)
{
	struct per_cpu_pages *pcp = &b->pcp;
	int pindex = order_to_pindex(b, mt, order);

	pcp->free_count >>= 1;
	if (!pcp->lists[pindex].nr) {
		int batch = nr_pcp_alloc(pcp, order);
		enum rmqueue_mode mode = RMQUEUE_NORMAL;

		for (int i = 0; i < batch; i++) { /* rmqueue_bulk() */
			pfn_t p = __rmqueue(b, order, mt, alloc_flags, &mode);
			if (p == PFN_NONE)
				break;
			pcp_add(b, pindex, p, order, true); /* still free memory */
		}
		if (!pcp->lists[pindex].nr)
			return PFN_NONE;
	}
	return pcp_take(b, pindex, false);
}

static bool pcp_usable(const struct buddy *b, unsigned order, int mt)
{
	return b->pcp.enabled && mt < MIGRATE_PCPTYPES && pcp_allowed_order(b, order);
}

pfn_t buddy_alloc(struct buddy *b, unsigned order, int mt, unsigned alloc_flags)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	pfn_t p = PFN_NONE;

	if (order > b->max_order)
		return PFN_NONE;
	if (pcp_usable(b, order, mt))
		p = rmqueue_pcplist(b, order, mt, alloc_flags);
	if (p == PFN_NONE)
		p = __rmqueue(b, order, mt, alloc_flags, &mode);
	if (p != PFN_NONE)
		b->nr_free_pages -= 1ULL << order;
	return p;
}

void __free_pages(struct buddy *b, pfn_t pfn, unsigned order)
{
	int mt;

	BUG_ON(!IS_ALIGNED(pfn, 1ULL << MIN(order, b->max_order)) ||
	       !block_in_zone(b, pfn, order));
	if (order > b->max_order || !b->pcp.enabled || !pcp_allowed_order(b, order)) {
		free_one_page(b, pfn, order, FPI_NONE);
		return;
	}
	mt = get_pfnblock_migratetype(b, pfn);
	if (mt >= MIGRATE_PCPTYPES) {
		if (mt == MIGRATE_ISOLATE) {
			free_one_page(b, pfn, order, FPI_NONE);
			return;
		}
		mt = MIGRATE_MOVABLE;
	}
	b->nr_free_pages += 1ULL << order;
	free_unref_page_commit(b, pfn, mt, order);
}

/*
 * The @n pages @from, @from + @dir, ... freed in that order, each to the
 * head of list @pindex: the run they make there, newest first (counted
 * by the caller).
 */
static void pcp_add_freed_run(struct buddy *b, int pindex, pfn_t from, uint64_t n, int dir)
{
	pcp_list_insert(b, pindex, (struct pcp_run){ from + (pfn_t)(dir * (int64_t)(n - 1)), -dir, n },
			false);
}

/*
 * free_unref_page_commit() of the @n order-0 pages @first, @first + @dir,
 * ... of one pageblock, to list @pindex.  The pages added since the last
 * drain wait as one run (@from, @added) outside the list: only a drain
 * looks at the list, so they join it, as the run they make at its head,
 * just before one.  Between drains a page changes only counters, and
 * while the count stays under high nothing decides on them: those pages
 * are counted all at once.
 */
static void pcp_free_pages(struct buddy *b, pfn_t first, uint64_t n, int dir, int pindex)
{
	struct per_cpu_pages *pcp = &b->pcp;
	int batch = pcp->batch, cap = batch << PCP_BATCH_SCALE_MAX;
	pfn_t from = first;
	uint64_t added = 0;

	while (n) {
		int high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
		uint64_t k = 1;

		if (high > pcp->count) /* all but the k-th stay under high */
			k = MIN(n, (uint64_t)(high - pcp->count));
		pcp->alloc_factor = k >= 8 ? 0 : pcp->alloc_factor >> k;
		pcp->flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
		if (pcp->free_count < cap)
			pcp->free_count = (int)MIN((uint64_t)cap, (uint64_t)pcp->free_count + k);
		pcp->count += (int)k;
		b->nr_pcp_pages += k;
		b->nr_free_pages += k;
		added += k;
		n -= k;
		high = nr_pcp_high(pcp, batch);
		if (pcp->count < high)
			continue;
		pcp_add_freed_run(b, pindex, from, added, dir);
		from += (pfn_t)(dir * (int64_t)added);
		added = 0;
		free_pcppages_bulk(b, nr_pcp_free(pcp, batch, high), pindex);
	}
	if (added)
		pcp_add_freed_run(b, pindex, from, added, dir);
}

void free_pages_run(struct buddy *b, pfn_t first, uint64_t n, int dir)
{
	uint64_t pb_size = 1ULL << b->pageblock_order;

	BUG_ON(dir != 1 && dir != -1);
	while (n) {
		/* the pages of this pageblock, in direction dir */
		uint64_t k = dir > 0 ? pb_size - (first & (pb_size - 1)) : (first & (pb_size - 1)) + 1;
		pfn_t last;
		int mt;

		k = MIN(k, n);
		last = first + (pfn_t)(dir * (int64_t)(k - 1));
		BUG_ON(!block_in_zone(b, MIN(first, last), 0) || !block_in_zone(b, MAX(first, last), 0));
		mt = get_pfnblock_migratetype(b, first);
		if (!b->pcp.enabled || mt == MIGRATE_ISOLATE) { /* free_one_page() each */
			b->nr_free_pages += k;
			free_run_of_pages(b, first, k, dir);
		} else {
			pcp_free_pages(b, first, k, dir,
				       order_to_pindex(b, mt < MIGRATE_PCPTYPES ? mt : MIGRATE_MOVABLE, 0));
		}
		first = last + (pfn_t)dir;
		n -= k;
	}
}

void buddy_drain_pcp(struct buddy *b)
{
	if (b->pcp.count)
		free_pcppages_bulk(b, b->pcp.count, 0);
}

void buddy_setup_pcp(struct buddy *b, int batch, int high_min, int high_max)
{
	b->pcp.enabled = true;
	b->pcp.batch = batch;
	b->pcp.high_min = high_min;
	b->pcp.high_max = high_max;
	b->pcp.high = high_min;
}

/* ---- setup, ranges, queries ---- */

int buddy_init(struct buddy *b, pfn_t start, pfn_t end, unsigned max_order,
	       unsigned pageblock_order, int mt)
{
	uint64_t nr_pb;

	memset(b, 0, sizeof(*b));
	BUG_ON(max_order > MAX_MAX_ORDER || pageblock_order > max_order);
	b->max_order = max_order;
	b->pageblock_order = pageblock_order;
	b->base = ALIGN_DOWN(start, 1ULL << max_order);
	b->start = start;
	b->end = end;
	b->hash_key_exact = end - b->base <= UINT32_MAX;
	for (unsigned o = 0; o <= max_order; o++) {
		uint64_t bits = ((end - b->base) >> o) + 1;
		b->area[o].bitmap = calloc(DIV_ROUND_UP(bits, 64), 8);
		b->area[o].summary = calloc(DIV_ROUND_UP(bits, 64 * 64), 8);
		if (pcp_allowed_order(b, o))
			b->area[o].pcp_bitmap = calloc(DIV_ROUND_UP(bits, 64), 8);
		if (!b->area[o].bitmap || !b->area[o].summary ||
		    (pcp_allowed_order(b, o) && !b->area[o].pcp_bitmap)) {
			buddy_destroy(b);
			return -ENOMEM;
		}
	}
	nr_pb = ((end - b->base) >> pageblock_order) + 1;
	b->pageblock_mt = calloc(nr_pb, 1); /* every one @mt */
	if (!b->pageblock_mt) {
		buddy_destroy(b);
		return -ENOMEM;
	}
	b->pageblock_mt_init = (uint8_t)mt;
	return 0;
}

void buddy_destroy(struct buddy *b)
{
	for (unsigned o = 0; o <= MAX_MAX_ORDER; o++) {
		free(b->area[o].bitmap);
		free(b->area[o].summary);
		free(b->area[o].pcp_bitmap);
	}
	for (int i = 0; i < NR_PCP_LISTS; i++)
		free(b->pcp.lists[i].v);
	free(b->pageblock_mt);
	free(b->nodes);
	free(b->hash);
	memset(b, 0, sizeof(*b));
}

void buddy_free_range(struct buddy *b, pfn_t start, pfn_t end)
{
	while (start < end) {
		unsigned order = b->max_order;
		while (order && (!IS_ALIGNED(start, 1ULL << order) ||
				 start + (1ULL << order) > end))
			order--;
		b->nr_free_pages += 1ULL << order;
		__free_one_page(b, start, order, get_pfnblock_migratetype(b, start),
				FPI_TO_TAIL);
		start += 1ULL << order;
	}
}

/* buddy_free_order() of the buddy lists alone. */
static int listed_order(const struct buddy *b, pfn_t pfn, pfn_t *block)
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

int buddy_free_order(const struct buddy *b, pfn_t pfn, pfn_t *block)
{
	int o = listed_order(b, pfn, block);

	if (o >= 0 || !b->nr_pcp_pages || pfn < b->start || pfn >= b->end)
		return o;
	for (unsigned k = 0; k <= b->max_order; k++) {
		pfn_t q = ALIGN_DOWN(pfn, 1ULL << k);
		if (q >= b->start && buddy_pcp_marked(b, q, k)) {
			if (block)
				*block = q;
			return (int)k;
		}
	}
	return -1;
}

/* Is any bit of [@lo, @hi] set in @bm? */
static bool bits_any(const uint64_t *bm, uint64_t lo, uint64_t hi)
{
	uint64_t wl = lo >> 6, wh = hi >> 6;
	uint64_t ml = ~0ULL << (lo & 63), mh = ~0ULL >> (63 - (hi & 63));

	if (wl == wh)
		return bm[wl] & ml & mh;
	if ((bm[wl] & ml) || (bm[wh] & mh))
		return true;
	for (uint64_t w = wl + 1; w < wh; w++)
		if (bm[w])
			return true;
	return false;
}

bool buddy_range_has_free(const struct buddy *b, pfn_t start, pfn_t end)
{
	if (start < b->start || end > b->end || start >= end)
		return true;
	for (unsigned o = 0; o <= b->max_order; o++) {
		uint64_t lo = bit_index(b, ALIGN_DOWN(start, 1ULL << o), o);
		uint64_t hi = bit_index(b, end - 1, o);

		if (b->area[o].nr_free && bits_any(b->area[o].bitmap, lo, hi))
			return true;
		if (b->area[o].pcp_bitmap && b->nr_pcp_pages &&
		    bits_any(b->area[o].pcp_bitmap, lo, hi))
			return true;
	}
	return false;
}

bool buddy_range_has_listed(const struct buddy *b, pfn_t start, pfn_t end)
{
	if (start >= end)
		return false;
	start = MAX(start, b->start);
	end = MIN(end, b->end);
	for (unsigned o = 0; start < end && o <= b->max_order; o++)
		if (b->area[o].nr_free &&
		    bits_any(b->area[o].bitmap, bit_index(b, ALIGN_DOWN(start, 1ULL << o), o),
			     bit_index(b, end - 1, o)))
			return true;
	return false;
}

bool buddy_pcp_run_marked(const struct buddy *b, const struct pcp_run *r, unsigned order)
{
	const uint64_t *bm = b->area[order].pcp_bitmap;
	pfn_t low = pcp_run_low(r);
	uint64_t lo;

	if (!bm || !r->len || low < b->base || !IS_ALIGNED(low - b->base, 1ULL << order) ||
	    pcp_run_block(r, r->len - 1) >= b->end || r->pfn >= b->end ||
	    (r->len > 1 && r->step != (int64_t)1 << order && r->step != -((int64_t)1 << order)))
		return false;
	lo = bit_index(b, low, order);
	return bitmap_range_full(bm, lo, lo + r->len - 1);
}

bool buddy_pcp_marked(const struct buddy *b, pfn_t pfn, unsigned order)
{
	uint64_t bit;

	if (order > b->max_order || !b->area[order].pcp_bitmap || pfn < b->base ||
	    pfn >= b->end || !IS_ALIGNED(pfn - b->base, 1ULL << order))
		return false;
	return *pcp_word(b, pfn, order, &bit) & bit;
}

bool buddy_range_is_free(const struct buddy *b, pfn_t start, pfn_t end)
{
	while (start < end) {
		pfn_t q;
		int o = listed_order(b, start, &q);
		if (o < 0)
			return false;
		start = q + (1ULL << o);
	}
	return true;
}

bool buddy_range_is_free_or_pcp(const struct buddy *b, pfn_t start, pfn_t end)
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

/*
 * The free blocks of [start, end) leave the lists; the parts of a block
 * outside the range go back to the tail of their lists, as the isolation
 * of the boundary pageblocks leaves them.
 */
void buddy_isolate_range(struct buddy *b, pfn_t start, pfn_t end)
{
	pfn_t p = start;

	while (p < end) {
		pfn_t q, qend;
		int o = listed_order(b, p, &q);

		BUG_ON(o < 0);
		qend = q + (1ULL << o);
		del_from_free_list(b, q, (unsigned)o);
		b->nr_free_pages -= 1ULL << o;
		if (q < start)
			buddy_free_range(b, q, start);
		if (qend > end)
			buddy_free_range(b, end, qend);
		p = qend;
	}
}

int buddy_for_each_listed(const struct buddy *b,
			  int (*fn)(void *arg, pfn_t pfn, unsigned order),
			  void *arg)
{
	for (unsigned o = 0; o <= b->max_order; o++) {
		const struct free_area *fa = &b->area[o];
		uint64_t words;
		if (!fa->nr_free)
			continue;
		words = DIV_ROUND_UP(((b->end - b->base) >> o) + 1, 64);
		for (uint64_t sw = 0; sw < DIV_ROUND_UP(words, 64); sw++) {
			uint64_t sbits = fa->summary[sw];
			while (sbits) {
				uint64_t w = sw * 64 + (unsigned)__builtin_ctzll(sbits);
				uint64_t bits = fa->bitmap[w];
				sbits &= sbits - 1;
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
	}
	return 0;
}

int buddy_for_each_free(const struct buddy *b,
			int (*fn)(void *arg, pfn_t pfn, unsigned order),
			void *arg)
{
	int ret = buddy_for_each_listed(b, fn, arg);

	for (int i = 0; !ret && i < NR_PCP_LISTS; i++)
		for (uint64_t r = 0; !ret && r < b->pcp.lists[i].nr_runs; r++) {
			const struct pcp_run *run = ring_at(&b->pcp.lists[i], r);

			for (uint64_t k = 0; !ret && k < run->len; k++)
				ret = fn(arg, pcp_run_block(run, k), pindex_to_order(b, i));
		}
	return ret;
}

const struct bnode *buddy_lookup(const struct buddy *b, pfn_t pfn)
{
	uint32_t idx = hash_find(b, pfn);
	return idx ? &b->nodes[idx] : NULL;
}

/*
 * A lookup of a pfn returns the first slot of its probe chain, from its
 * home, that holds its key (and, with inexact keys, a node of that pfn),
 * with no empty slot before it.  So slot h of node i is the one a lookup
 * of node i's pfn returns exactly when its key is that pfn's and every
 * slot from the home to h is taken by another key (or pfn): asked of each
 * taken slot, reading the table in order and only the few slots before
 * each one (in its cache line, mostly).
 */
void buddy_hash_found(const struct buddy *b, uint64_t *found)
{
	uint64_t mask = b->hash_cap - 1;

	for (uint64_t h = 0; h < b->hash_cap; h++) {
		uint32_t idx = b->hash[h].idx, key = b->hash[h].key;
		pfn_t pfn;
		uint64_t i;

		if (!idx || idx >= b->cap_nodes)
			continue;
		pfn = b->nodes[idx].pfn;
		if (pfn - b->base >= b->end - b->base || hash_key(b, pfn) != key)
			continue; /* a lookup of its pfn asks for another key, or none */
		for (i = hash_home(b, key); i != h; i = (i + 1) & mask)
			if (!b->hash[i].idx ||
			    (b->hash[i].key == key &&
			     (b->hash_key_exact || b->nodes[b->hash[i].idx].pfn == pfn)))
				break;
		if (i == h)
			found[idx / 64] |= 1ULL << (idx % 64);
	}
}

/* Copy every list in its order, so placement goes on as before. */
int buddy_resize(struct buddy *b, pfn_t start, pfn_t end)
{
	struct buddy nb;
	uint64_t nr_pb;

	BUG_ON(start > b->start || end < b->end);
	if (buddy_init(&nb, start, end, b->max_order, b->pageblock_order, MIGRATE_MOVABLE))
		return -ENOMEM;
	nr_pb = ((b->end - b->base) >> b->pageblock_order) + 1;
	for (uint64_t i = 0; i < nr_pb; i++) /* each stored XOR its buddy's initial type */
		nb.pageblock_mt[((b->base - nb.base) >> b->pageblock_order) + i] =
			b->pageblock_mt[i] ^ b->pageblock_mt_init ^ nb.pageblock_mt_init;
	for (unsigned o = 0; o <= b->max_order; o++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			for (uint32_t n = b->area[o].free_list[mt].head; n; n = b->nodes[n].next)
				add_to_free_list(&nb, b->nodes[n].pfn, o, mt, true);
	nb.pcp = b->pcp;
	for (int i = 0; i < NR_PCP_LISTS; i++) {
		nb.pcp.lists[i] = (struct pcp_ring){ 0 };
		for (uint64_t r = 0; r < b->pcp.lists[i].nr_runs; r++)
			pcp_list_insert(&nb, i, *ring_at(&b->pcp.lists[i], r), true);
	}
	nb.pcp.count = b->pcp.count;
	nb.nr_free_pages = b->nr_free_pages;
	nb.nr_pcp_pages = b->nr_pcp_pages;
	nb.drain_page_by_page = b->drain_page_by_page;
	buddy_destroy(b);
	*b = nb;
	return 0;
}
