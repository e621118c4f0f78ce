// SPDX-License-Identifier: GPL-2.0-only
/*
 * Frame store: sparse per-frame entries and their host bytes (see frame.h).
 */
#include <errno.h>
#include <string.h>

#include "hw/frame.h"

int frame_store_init(struct frame_store *fs, uint64_t max_pfn,
		     unsigned pfns_per_dir_shift, size_t page_size,
		     unsigned pattern_bytes)
{
	memset(fs, 0, sizeof(*fs));
	fs->pattern_bytes = pattern_bytes;
	BUG_ON(pfns_per_dir_shift < FRAME_BLOCK_SHIFT);
	fs->pfn_shift_per_dir = pfns_per_dir_shift;
	fs->nr_dirs = (max_pfn >> pfns_per_dir_shift) + 1;
	fs->dir = calloc(fs->nr_dirs, sizeof(*fs->dir));
	if (!fs->dir)
		return -ENOMEM;
	fs->nr_dir_bytes = fs->nr_dirs * sizeof(*fs->dir);
	hostmem_init(&fs->host, page_size);
	return 0;
}

/* ---- interned patterns ---- */

/*
 * Hash of a struct page's bytes, a 64-bit word at a time (struct page sizes
 * are multiples of 8; a remainder would be hashed bytewise).  Every pattern
 * lookup and release hashes, so this is on the path of many remaps.
 */
static uint32_t pattern_hash(const uint8_t *b, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (unsigned i = 0; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (unsigned i = n & ~7u; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 29));
}

static int pattern_grow_buckets(struct pattern_table *pt, unsigned n)
{
	uint32_t nb = pt->nbuckets ? pt->nbuckets * 2 : 1024;
	uint32_t *b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < pt->nr; i++) {
		struct pattern *p = &pt->v[i];
		uint32_t k;
		if (!p->ref)
			continue;
		k = pattern_hash(p->bytes, n) & (nb - 1);
		p->hash_next = b[k];
		b[k] = i + 1;
	}
	free(pt->buckets);
	pt->buckets = b;
	pt->nbuckets = nb;
	return 0;
}

/* Index of the interned copy of @sp (reference taken), or -1. */
static int64_t pattern_get(struct frame_store *fs, const uint8_t *sp)
{
	struct pattern_table *pt = &fs->patterns;
	unsigned n = fs->pattern_bytes;
	uint32_t h, i;
	struct pattern *p;

	if (pt->nr_live * 2 >= pt->nbuckets && pattern_grow_buckets(pt, n))
		return -1;
	h = pattern_hash(sp, n) & (pt->nbuckets - 1);
	for (i = pt->buckets[h]; i; i = pt->v[i - 1].hash_next) {
		if (!memcmp(pt->v[i - 1].bytes, sp, n)) {
			pt->v[i - 1].ref++;
			return i - 1;
		}
	}
	if (pt->free_head) {
		i = pt->free_head - 1;
		pt->free_head = pt->v[i].hash_next;
	} else {
		if (pt->nr == pt->cap) {
			uint32_t cap = pt->cap ? pt->cap * 2 : 256;
			struct pattern *v = realloc(pt->v, cap * sizeof(*v));
			if (!v)
				return -1;
			pt->v = v;
			pt->cap = cap;
		}
		i = pt->nr++;
	}
	p = &pt->v[i];
	memset(p->bytes, 0, sizeof(p->bytes));
	memcpy(p->bytes, sp, n);
	p->ref = 1;
	p->hash_next = pt->buckets[h];
	pt->buckets[h] = i + 1;
	pt->nr_live++;
	return i;
}

/* Drop @n references to pattern @i. */
static void pattern_put(struct frame_store *fs, uint32_t i, uint64_t n)
{
	struct pattern_table *pt = &fs->patterns;
	struct pattern *p = &pt->v[i];
	uint32_t h, *link;

	BUG_ON(p->ref < n);
	p->ref -= (uint32_t)n;
	if (p->ref)
		return;
	h = pattern_hash(p->bytes, fs->pattern_bytes) & (pt->nbuckets - 1);
	for (link = &pt->buckets[h]; *link != i + 1; link = &pt->v[*link - 1].hash_next)
		BUG_ON(!*link);
	*link = p->hash_next;
	p->hash_next = pt->free_head;
	pt->free_head = i + 1;
	pt->nr_live--;
}

/* ---- patterns with exceptions ---- */

static struct frame_px *px_rec(const struct frame_store *fs, uint32_t i)
{
	return &fs->px.slab[i >> FRAME_PX_SLAB_SHIFT][i & (FRAME_PX_PER_SLAB - 1)];
}

/* A free record (its index), or -1 if the host is out of memory. */
static int64_t px_alloc(struct frame_store *fs)
{
	struct frame_px_table *t = &fs->px;
	uint32_t i;

	if (t->free_head) {
		i = t->free_head - 1;
		t->free_head = px_rec(fs, i)->next_free;
	} else {
		if (t->nr == (uint64_t)t->nr_slabs * FRAME_PX_PER_SLAB) {
			struct frame_px **v = realloc(t->slab, (t->nr_slabs + 1) * sizeof(*v));

			if (!v)
				return -1;
			t->slab = v;
			v[t->nr_slabs] = malloc(FRAME_PX_PER_SLAB * sizeof(struct frame_px));
			if (!v[t->nr_slabs])
				return -1;
			t->nr_slabs++;
		}
		i = t->nr++;
	}
	t->nr_live++;
	return i;
}

/* Release record @i and its pattern reference. */
static void px_free(struct frame_store *fs, uint32_t i)
{
	struct frame_px *x = px_rec(fs, i);

	pattern_put(fs, x->pattern, 1);
	x->next_free = fs->px.free_head;
	fs->px.free_head = i + 1;
	fs->px.nr_live--;
}

/* ---- blocks: leaves and extents ---- */

static bool block_is_extent(uint64_t b)
{
	return b & FRAME_OWNER_MASK;
}

static uint64_t *block_leaf_of(uint64_t b)
{
	return (uint64_t *)(uintptr_t)b;
}

static uint64_t blocks_per_dir(const struct frame_store *fs)
{
	return 1ULL << (fs->pfn_shift_per_dir - FRAME_BLOCK_SHIFT);
}

void frame_store_destroy(struct frame_store *fs)
{
	if (fs->dir) {
		for (uint64_t i = fs->dir_lo; i < fs->dir_hi; i++) {
			if (!fs->dir[i])
				continue;
			for (uint64_t b = 0; b < blocks_per_dir(fs); b++)
				if (fs->dir[i][b] && !block_is_extent(fs->dir[i][b]))
					free(block_leaf_of(fs->dir[i][b]));
			free(fs->dir[i]);
		}
		free(fs->dir);
	}
	hostmem_destroy(&fs->host);
	for (uint32_t i = 0; i < fs->px.nr_slabs; i++)
		free(fs->px.slab[i]);
	free(fs->px.slab);
	free(fs->patterns.v);
	free(fs->patterns.buckets);
	memset(fs, 0, sizeof(*fs));
}

/* The word of @pfn's block; with @create, its section's words are made. */
static uint64_t *block_word(struct frame_store *fs, pfn_t pfn, bool create)
{
	uint64_t d = pfn >> fs->pfn_shift_per_dir;
	uint64_t nb = blocks_per_dir(fs);

	if (d >= fs->nr_dirs)
		return NULL;
	if (!fs->dir[d]) {
		if (!create)
			return NULL;
		fs->dir[d] = calloc(nb, sizeof(uint64_t));
		if (!fs->dir[d])
			return NULL;
		if (fs->dir_lo == fs->dir_hi) /* the first */
			fs->dir_lo = d, fs->dir_hi = d + 1;
		fs->dir_lo = MIN(fs->dir_lo, d);
		fs->dir_hi = MAX(fs->dir_hi, d + 1);
		fs->nr_dir_bytes += nb * sizeof(uint64_t);
	}
	return &fs->dir[d][(pfn & ((1ULL << fs->pfn_shift_per_dir) - 1)) >> FRAME_BLOCK_SHIFT];
}

/* The leaf of block word @bw, made (from its extent, if it is one). */
static uint64_t *block_leaf(struct frame_store *fs, uint64_t *bw)
{
	uint64_t *leaf;

	if (*bw && !block_is_extent(*bw))
		return block_leaf_of(*bw);
	leaf = malloc(FRAME_BLOCK * sizeof(uint64_t));
	if (!leaf)
		return NULL;
	for (uint64_t i = 0; i < FRAME_BLOCK; i++)
		leaf[i] = *bw ? frame_extent_entry(*bw, i) : 0;
	if (*bw)
		fs->nr_extents--;
	*bw = (uint64_t)(uintptr_t)leaf;
	fs->nr_dir_bytes += FRAME_BLOCK * sizeof(uint64_t);
	return leaf;
}

/* Drop block word @bw's leaf; its entries were all cleared. */
static void block_free_leaf(struct frame_store *fs, uint64_t *bw)
{
	free(block_leaf_of(*bw));
	*bw = 0;
	fs->nr_dir_bytes -= FRAME_BLOCK * sizeof(uint64_t);
}

/*
 * If leaf block @bw holds alike frames (one owner and origin; lazy with
 * consecutive vmemmap pages, or one pattern), make it an extent.
 */
static void block_try_extent(struct frame_store *fs, uint64_t *bw)
{
	uint64_t *leaf, first;

	if (!*bw || block_is_extent(*bw))
		return;
	leaf = block_leaf_of(*bw);
	first = leaf[0];
	if (!(first & (FRAME_LAZY | FRAME_PATTERN)))
		return;
	for (uint64_t i = 1; i < FRAME_BLOCK; i++)
		if (leaf[i] != frame_extent_entry(first, i))
			return;
	block_free_leaf(fs, bw);
	*bw = first;
	fs->nr_extents++;
}

/*
 * The entry of @pfn, to be changed: a block being changed one frame at a
 * time gets a leaf.  NULL if there is no entry and !@create, or the host
 * is out of memory.
 */
static uint64_t *frame_slot(struct frame_store *fs, pfn_t pfn, bool create)
{
	uint64_t *bw = block_word(fs, pfn, create), *leaf;

	if (!bw || (!*bw && !create))
		return NULL;
	leaf = block_leaf(fs, bw);
	return leaf ? &leaf[pfn & (FRAME_BLOCK - 1)] : NULL;
}

/*
 * The entry of @pfn in block word @bw's leaf, made if need be, for paths
 * that cannot fail (a share, a release): no host memory is fatal there.
 */
static uint64_t *block_slots(struct frame_store *fs, uint64_t *bw, pfn_t pfn)
{
	uint64_t *leaf = block_leaf(fs, bw);

	if (!leaf) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	return leaf + (pfn & (FRAME_BLOCK - 1));
}

/* Is [@pfn, @pfn + @nr) a whole block? */
static bool whole_block(pfn_t pfn, uint64_t nr)
{
	return IS_ALIGNED(pfn, FRAME_BLOCK) && nr >= FRAME_BLOCK;
}

/* @n more frames with an entry; remember the high-water mark. */
static void frame_count_entries(struct frame_store *fs, uint64_t n)
{
	fs->nr_entries += n;
	if (fs->nr_entries > fs->nr_entries_peak)
		fs->nr_entries_peak = fs->nr_entries;
}

int frame_claim(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		enum frame_origin origin)
{
	uint64_t *slot = frame_slot(fs, pfn, true);
	void *bytes;

	if (!slot)
		return -ENOMEM;
	BUG_ON(*slot);
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return -ENOMEM;
	*slot = (uint64_t)(uintptr_t)bytes | FRAME_DATA |
		((uint64_t)origin << FRAME_ORIGIN_SHIFT) | owner;
	frame_count_entries(fs, 1);
	return 0;
}

int frame_claim_zero(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		     enum frame_origin origin)
{
	uint64_t *slot;

	if (!fs->host.share)
		return frame_claim(fs, pfn, owner, origin); /* the store without sharing */
	slot = frame_slot(fs, pfn, true);
	if (!slot)
		return -ENOMEM;
	BUG_ON(*slot);
	*slot = FRAME_ZERO | ((uint64_t)origin << FRAME_ORIGIN_SHIFT) | owner;
	frame_count_entries(fs, 1);
	return 0;
}

/* Zeroed host bytes for frame @pfn, which has the bytes-less @form. */
static uint8_t *give_bytes(struct frame_store *fs, pfn_t pfn, uint64_t form)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	uint8_t *bytes;

	BUG_ON(!slot || !(*slot & form));
	bytes = hostmem_alloc(&fs->host);
	*slot = (*slot & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK)) | (uint64_t)(uintptr_t)bytes |
		FRAME_DATA;
	return bytes;
}

uint8_t *frame_materialize_zero(struct frame_store *fs, pfn_t pfn)
{
	return give_bytes(fs, pfn, FRAME_ZERO);
}

static void drop_content(struct frame_store *fs, uint64_t *slot);

void frame_set_gen(struct frame_store *fs, pfn_t pfn, uint64_t value)
{
	uint64_t *slot = frame_slot(fs, pfn, false);

	BUG_ON(!slot || !*slot || value > FRAME_GEN_MAX);
	drop_content(fs, slot);
	*slot |= (value << FRAME_PAYLOAD_SHIFT) | FRAME_GEN;
}

uint64_t frame_gen_value(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t e = frame_entry(fs, pfn);

	BUG_ON(!(e & FRAME_GEN));
	return e >> FRAME_PAYLOAD_SHIFT;
}

uint8_t *frame_materialize_gen(struct frame_store *fs, pfn_t pfn)
{
	return give_bytes(fs, pfn, FRAME_GEN);
}

int frame_claim_lazy(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		     enum frame_origin origin, uint64_t vpage)
{
	return frame_claim_lazy_run(fs, pfn, 1, owner, origin, vpage);
}

int frame_claim_lazy_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			 enum frame_owner owner, enum frame_origin origin,
			 uint64_t vpage)
{
	uint64_t flags = FRAME_LAZY | ((uint64_t)origin << FRAME_ORIGIN_SHIFT) | owner;

	while (nr) {
		uint64_t *bw = block_word(fs, pfn, true), *leaf;
		uint64_t n = MIN(nr, FRAME_BLOCK - (pfn & (FRAME_BLOCK - 1)));

		if (!bw)
			return -ENOMEM;
		if (whole_block(pfn, nr) && !*bw) {
			*bw = (vpage << FRAME_PAYLOAD_SHIFT) | flags; /* one extent */
			fs->nr_extents++;
		} else {
			leaf = block_leaf(fs, bw);
			if (!leaf)
				return -ENOMEM;
			leaf += pfn & (FRAME_BLOCK - 1);
			for (uint64_t i = 0; i < n; i++) {
				BUG_ON(leaf[i]);
				leaf[i] = ((vpage + i) << FRAME_PAYLOAD_SHIFT) | flags;
			}
		}
		frame_count_entries(fs, n);
		fs->nr_lazy += n;
		pfn += n;
		vpage += n;
		nr -= n;
	}
	return 0;
}

/*
 * References to one pattern dropped by frames in a row, given back at
 * once: the freed vmemmap pages of a run mostly hold one pattern each.
 */
struct pattern_batch {
	uint32_t id;
	uint64_t n;
};

static void pattern_put_batch(struct frame_store *fs, struct pattern_batch *b)
{
	if (b->n)
		pattern_put(fs, b->id, b->n);
	b->n = 0;
}

/*
 * Drop whatever content @slot has (bytes, laziness, pattern); a pattern's
 * reference is left in @b, given back with the next pattern's or by
 * pattern_put_batch().
 */
static void drop_content_batched(struct frame_store *fs, uint64_t *slot,
				 struct pattern_batch *b)
{
	if (*slot & FRAME_DATA)
		hostmem_free(&fs->host, (void *)(uintptr_t)(*slot & ~((1ULL << FRAME_PAYLOAD_SHIFT) - 1)));
	else if (*slot & FRAME_LAZY)
		fs->nr_lazy--;
	else if (*slot & FRAME_PATTERN) {
		uint32_t id = (uint32_t)(*slot >> FRAME_PAYLOAD_SHIFT);

		if (b->n && b->id != id)
			pattern_put_batch(fs, b);
		b->id = id;
		b->n++;
		fs->nr_pattern--;
	} else if (*slot & FRAME_PX) {
		px_free(fs, (uint32_t)(*slot >> FRAME_PAYLOAD_SHIFT));
		fs->nr_px--;
	}
	*slot &= FRAME_ORIGIN_MASK | FRAME_OWNER_MASK;
}

/* Drop whatever content @slot has, its pattern's reference at once. */
static void drop_content(struct frame_store *fs, uint64_t *slot)
{
	struct pattern_batch b = { 0, 0 };

	drop_content_batched(fs, slot, &b);
	pattern_put_batch(fs, &b);
}

/* drop_content() for every frame of extent block @bw, which stays set. */
static void drop_extent_content(struct frame_store *fs, uint64_t *bw)
{
	if (*bw & FRAME_LAZY) {
		fs->nr_lazy -= FRAME_BLOCK;
	} else {
		BUG_ON(!(*bw & FRAME_PATTERN));
		pattern_put(fs, (uint32_t)(*bw >> FRAME_PAYLOAD_SHIFT), FRAME_BLOCK);
		fs->nr_pattern -= FRAME_BLOCK;
	}
}

int frame_set_pattern(struct frame_store *fs, pfn_t pfn, const uint8_t *sp)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	int64_t i;

	BUG_ON(!slot || !*slot);
	i = pattern_get(fs, sp);
	if (i < 0)
		return -ENOMEM;
	drop_content(fs, slot);
	*slot |= ((uint64_t)i << FRAME_PAYLOAD_SHIFT) | FRAME_PATTERN;
	fs->nr_pattern++;
	return 0;
}

int frame_share_pattern(struct frame_store *fs, pfn_t pfn, pfn_t src)
{
	if (pfn != src)
		frame_share_pattern_run(fs, pfn, 1, src);
	return 0;
}

void frame_share_pattern_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			     pfn_t src)
{
	uint64_t e = frame_entry(fs, src);
	uint64_t payload = (e >> FRAME_PAYLOAD_SHIFT) << FRAME_PAYLOAD_SHIFT;
	uint32_t idx = (uint32_t)(e >> FRAME_PAYLOAD_SHIFT);

	BUG_ON(!(e & FRAME_PATTERN) || (src >= pfn && src < pfn + nr));
	while (nr) {
		uint64_t *bw = block_word(fs, pfn, false), *slot;
		uint64_t n = MIN(nr, FRAME_BLOCK - (pfn & (FRAME_BLOCK - 1)));

		BUG_ON(!bw || !*bw);
		fs->patterns.v[idx].ref += (uint32_t)n; /* before any drop */
		fs->nr_pattern += n;
		if (whole_block(pfn, nr) && block_is_extent(*bw)) {
			drop_extent_content(fs, bw);
			*bw = (*bw & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK)) | payload | FRAME_PATTERN;
		} else {
			slot = block_slots(fs, bw, pfn);
			for (uint64_t i = 0; i < n; i++, slot++) {
				BUG_ON(!*slot);
				drop_content(fs, slot);
				*slot |= payload | FRAME_PATTERN;
			}
			if (n == FRAME_BLOCK)
				block_try_extent(fs, bw);
		}
		pfn += n;
		nr -= n;
	}
}

const uint8_t *frame_pattern(const struct frame_store *fs, pfn_t pfn)
{
	return frame_entry_pattern(fs, frame_entry(fs, pfn));
}

uint8_t *frame_materialize_pattern(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	uint8_t sp[MAX_PATTERN_BYTES];
	uint8_t *bytes;

	BUG_ON(!slot || !(*slot & FRAME_PATTERN));
	memcpy(sp, frame_pattern(fs, pfn), fs->pattern_bytes);
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return NULL;
	for (size_t off = 0; off + fs->pattern_bytes <= fs->host.chunk; off += fs->pattern_bytes)
		memcpy(bytes + off, sp, fs->pattern_bytes);
	drop_content(fs, slot);
	*slot |= (uint64_t)(uintptr_t)bytes | FRAME_DATA;
	return bytes;
}

const struct frame_px *frame_entry_px(const struct frame_store *fs, uint64_t e)
{
	return (e & FRAME_PX) ? px_rec(fs, (uint32_t)(e >> FRAME_PAYLOAD_SHIFT)) : NULL;
}

const struct frame_px *frame_px(const struct frame_store *fs, pfn_t pfn)
{
	return frame_entry_px(fs, frame_entry(fs, pfn));
}

/* Make pattern frame @slot (an entry) a pattern with no exceptions yet. */
static int px_from_pattern(struct frame_store *fs, uint64_t *slot)
{
	int64_t i = px_alloc(fs);
	struct frame_px *x;

	if (i < 0)
		return -ENOMEM;
	x = px_rec(fs, (uint32_t)i);
	x->pattern = (uint32_t)(*slot >> FRAME_PAYLOAD_SHIFT); /* takes its reference */
	x->nr = 0;
	*slot = (*slot & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK)) |
		((uint64_t)i << FRAME_PAYLOAD_SHIFT) | FRAME_PX;
	fs->nr_pattern--;
	fs->nr_px++;
	return 0;
}

/*
 * Two struct pages alike?  A word at a time, inline: this is on the path
 * of every struct page write to such a frame.
 */
static bool sp_eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i + 8 <= n; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	for (unsigned i = n & ~7u; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static uint8_t *px_bytes(struct frame_px *x, unsigned k)
{
	return x->bytes[k];
}

static const uint8_t *px_pattern_bytes(const struct frame_store *fs, const struct frame_px *x)
{
	return fs->patterns.v[x->pattern].bytes;
}

/* The run holding @slot, or the index of the first run after it. */
static unsigned px_find(const struct frame_px *x, unsigned slot)
{
	unsigned k = 0;

	while (k < x->nr && x->run[k].first + x->run[k].count <= slot)
		k++;
	return k;
}

static bool px_in_run(const struct frame_px *x, unsigned k, unsigned slot)
{
	return k < x->nr && x->run[k].first <= slot;
}

unsigned frame_px_alike_end(const struct frame_px *x, unsigned slot, unsigned spp)
{
	unsigned k = px_find(x, slot);

	if (px_in_run(x, k, slot))
		return x->run[k].first + x->run[k].count;
	return k < x->nr ? x->run[k].first : spp;
}

const uint8_t *frame_px_pattern(const struct frame_store *fs, const struct frame_px *x)
{
	return px_pattern_bytes(fs, x);
}

/* Frame entry @ent (a pattern with exceptions) becomes the pattern @sp. */
static int px_to_pattern(struct frame_store *fs, uint64_t *ent, const uint8_t *sp)
{
	uint32_t i = (uint32_t)(*ent >> FRAME_PAYLOAD_SHIFT);
	uint8_t b[MAX_PATTERN_BYTES];
	int64_t pat;

	memcpy(b, sp, fs->pattern_bytes); /* @sp may be the record's, or the table's */
	pat = pattern_get(fs, b);
	if (pat < 0)
		return -ENOMEM;
	px_free(fs, i);
	*ent = (*ent & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK)) |
	       ((uint64_t)pat << FRAME_PAYLOAD_SHIFT) | FRAME_PATTERN;
	fs->nr_px--;
	fs->nr_pattern++;
	return 0;
}

/* After a change: a frame that one run covers, or none, is a pattern again. */
static int px_maybe_pattern(struct frame_store *fs, uint64_t *ent, struct frame_px *x)
{
	unsigned spp = (unsigned)(fs->host.chunk / fs->pattern_bytes);

	if (x->nr == 1 && x->run[0].count == spp)
		return px_to_pattern(fs, ent, px_bytes(x, 0));
	if (!x->nr)
		return px_to_pattern(fs, ent, px_pattern_bytes(fs, x));
	return 0;
}

/* Runs being worked out: those of a record, a split and a new one. */
struct px_build {
	unsigned nr, n;
	struct frame_px_run run[FRAME_PX_RUNS + 2];
	uint8_t bytes[FRAME_PX_RUNS + 2][MAX_PATTERN_BYTES];
};

/* Slots [first, first + count) hold @src; pieces come in slot order. */
static void px_piece(struct px_build *o, unsigned first, unsigned count, const uint8_t *src)
{
	struct frame_px_run *last = o->nr ? &o->run[o->nr - 1] : NULL;

	if (!count)
		return;
	if (last && last->first + last->count == first && sp_eq(o->bytes[o->nr - 1], src, o->n)) {
		last->count = (uint16_t)(last->count + count); /* adjacent and alike */
		return;
	}
	o->run[o->nr] = (struct frame_px_run){ (uint16_t)first, (uint16_t)count };
	memcpy(o->bytes[o->nr++], src, o->n);
}

/*
 * px_set() of a slot that is a run of its own and stays one: its bytes
 * change in place when @sp is neither the pattern nor the bytes of a run
 * it touches (which the runs worked out anew would merge it into).  false,
 * nothing changed, when the slot is not such a run.
 */
static bool px_set_in_place(const struct frame_store *fs, struct frame_px *x, unsigned slot,
			    const uint8_t *sp)
{
	unsigned n = fs->pattern_bytes;

	for (unsigned k = 0; k < x->nr && x->run[k].first <= slot; k++) {
		if (x->run[k].first != slot)
			continue;
		if (x->run[k].count != 1 || sp_eq(px_pattern_bytes(fs, x), sp, n) ||
		    (k && x->run[k - 1].first + x->run[k - 1].count == slot &&
		     sp_eq(px_bytes(x, k - 1), sp, n)) ||
		    (k + 1 < x->nr && x->run[k + 1].first == slot + 1 && sp_eq(px_bytes(x, k + 1), sp, n)))
			return false;
		memcpy(px_bytes(x, k), sp, n);
		return true;
	}
	return false;
}

/*
 * Set @slot of @x to @sp: the runs are worked out anew, in slot order, and
 * -EAGAIN, nothing changed, if they do not fit in the record.
 */
static int px_set(const struct frame_store *fs, struct frame_px *x, unsigned slot,
		  const uint8_t *sp)
{
	struct px_build o; /* only its first o.nr runs are ever read */
	bool placed;

	if (px_set_in_place(fs, x, slot, sp))
		return 0;
	o.nr = 0;
	o.n = fs->pattern_bytes;
	placed = sp_eq(px_pattern_bytes(fs, x), sp, o.n); /* the pattern: no run */

	for (unsigned k = 0; k < x->nr; k++) {
		unsigned first = x->run[k].first, end = first + x->run[k].count;

		if (!placed && slot < first) {
			px_piece(&o, slot, 1, sp);
			placed = true;
		}
		if (slot < first || slot >= end) {
			px_piece(&o, first, end - first, px_bytes(x, k));
			continue;
		}
		px_piece(&o, first, slot - first, px_bytes(x, k));
		if (!placed)
			px_piece(&o, slot, 1, sp);
		placed = true;
		px_piece(&o, slot + 1, end - slot - 1, px_bytes(x, k));
	}
	if (!placed)
		px_piece(&o, slot, 1, sp);
	if (o.nr > FRAME_PX_RUNS)
		return -EAGAIN;
	for (unsigned k = 0; k < o.nr; k++) {
		x->run[k] = o.run[k];
		memcpy(x->bytes[k], o.bytes[k], o.n);
	}
	x->nr = (uint8_t)o.nr;
	return 0;
}

int frame_set_slot(struct frame_store *fs, pfn_t pfn, unsigned slot, const uint8_t *sp)
{
	uint64_t e = frame_entry(fs, pfn), *ent;
	struct frame_px *x;

	if (!fs->host.share || !(e & (FRAME_PATTERN | FRAME_PX)))
		return -EAGAIN;
	if ((e & FRAME_PATTERN) &&
	    sp_eq(fs->patterns.v[e >> FRAME_PAYLOAD_SHIFT].bytes, sp, fs->pattern_bytes))
		return 0; /* already so */
	ent = frame_slot(fs, pfn, false);
	if (!ent)
		return -ENOMEM;
	if ((e & FRAME_PATTERN) && px_from_pattern(fs, ent))
		return -ENOMEM;
	x = px_rec(fs, (uint32_t)(*ent >> FRAME_PAYLOAD_SHIFT));
	if (px_set(fs, x, slot, sp))
		return -EAGAIN; /* the caller writes real bytes */
	return px_maybe_pattern(fs, ent, x);
}

int frame_write_in_slot(struct frame_store *fs, pfn_t pfn, size_t off, const void *buf,
			size_t len)
{
	unsigned n = fs->pattern_bytes, slot = (unsigned)(off / n);
	uint64_t e = frame_entry(fs, pfn);
	uint8_t sp[MAX_PATTERN_BYTES];
	const uint8_t *cur;

	if (!fs->host.share || !(e & (FRAME_PATTERN | FRAME_PX)) || !len ||
	    (off + len - 1) / n != slot)
		return -EAGAIN;
	if (e & FRAME_PATTERN) {
		cur = fs->patterns.v[e >> FRAME_PAYLOAD_SHIFT].bytes;
	} else {
		struct frame_px *x = px_rec(fs, (uint32_t)(e >> FRAME_PAYLOAD_SHIFT));
		unsigned k = px_find(x, slot);

		cur = px_in_run(x, k, slot) ? px_bytes(x, k) : px_pattern_bytes(fs, x);
	}
	if (!memcmp(cur + off % n, buf, len))
		return 0; /* the bytes it holds already */
	memcpy(sp, cur, n);
	memcpy(sp + off % n, buf, len);
	return frame_set_slot(fs, pfn, slot, sp);
}

int frame_set_pattern_except(struct frame_store *fs, pfn_t pfn, const uint8_t *sp,
			     unsigned nr, const unsigned *slot, const uint8_t *keep)
{
	if (nr > FRAME_PX_RUNS || !fs->host.share)
		return -EAGAIN;
	if (frame_set_pattern(fs, pfn, sp))
		return -ENOMEM;
	for (unsigned i = 0; i < nr; i++) {
		/* each slot adds one run at most: -EAGAIN cannot happen, and the frame is half made */
		if (frame_set_slot(fs, pfn, slot[i], keep + (size_t)i * fs->pattern_bytes)) {
			fprintf(stderr, "hvo: host out of memory\n");
			abort();
		}
	}
	return 0;
}

void frame_read_px(const struct frame_store *fs, pfn_t pfn, size_t off, void *buf,
		   size_t len)
{
	frame_read_px_entry(fs, frame_entry(fs, pfn), off, buf, len);
}

void frame_read_px_entry(const struct frame_store *fs, uint64_t e, size_t off, void *buf,
			 size_t len)
{
	struct frame_px *x = px_rec(fs, (uint32_t)(e >> FRAME_PAYLOAD_SHIFT));
	const uint8_t *pat = px_pattern_bytes(fs, x);
	size_t sp = fs->pattern_bytes;
	uint8_t *out = buf;
	unsigned k = 0;

	while (len) {
		size_t s = off / sp, in = off % sp, n = MIN(len, sp - in);

		while (k < x->nr && x->run[k].first + x->run[k].count <= s)
			k++;
		memcpy(out, (px_in_run(x, k, (unsigned)s) ? px_bytes(x, k) : pat) + in, n);
		out += n;
		off += n;
		len -= n;
	}
}

uint8_t *frame_materialize_px(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	uint8_t *bytes;

	BUG_ON(!slot || !(*slot & FRAME_PX));
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return NULL;
	frame_read_px(fs, pfn, 0, bytes, fs->host.chunk);
	drop_content(fs, slot);
	*slot |= (uint64_t)(uintptr_t)bytes | FRAME_DATA;
	return bytes;
}

/* frame_copy() of pattern-with-exceptions frame @src: a record of its own. */
static int frame_copy_px(struct frame_store *fs, pfn_t dst, pfn_t src)
{
	uint64_t *slot = frame_slot(fs, dst, false);
	int64_t i;

	BUG_ON(!slot || !*slot);
	if (dst == src)
		return 0;
	i = px_alloc(fs);
	if (i < 0)
		return -ENOMEM;
	*px_rec(fs, (uint32_t)i) = *frame_px(fs, src);
	fs->patterns.v[px_rec(fs, (uint32_t)i)->pattern].ref++;
	drop_content(fs, slot);
	*slot |= ((uint64_t)i << FRAME_PAYLOAD_SHIFT) | FRAME_PX;
	fs->nr_px++;
	return 0;
}

/* frame_copy() without sharing ($HVO_HOST_SHARE=0): @dst gets bytes of its own. */
static void frame_copy_real(struct frame_store *fs, uint64_t *slot, pfn_t dst,
			    const uint8_t *bytes)
{
	uint8_t *to = frame_writable_bytes(fs, dst);

	if (!to) {
		to = hostmem_alloc(&fs->host);
		drop_content(fs, slot);
		*slot |= (uint64_t)(uintptr_t)to | FRAME_DATA;
	}
	memcpy(to, bytes, fs->host.chunk);
}

int frame_copy(struct frame_store *fs, pfn_t dst, pfn_t src)
{
	uint64_t e = frame_entry(fs, src), *slot;
	uint8_t *bytes;

	if (e & FRAME_PATTERN)
		return frame_share_pattern(fs, dst, src);
	if (e & FRAME_PX)
		return frame_copy_px(fs, dst, src);
	if (!(e & FRAME_DATA))
		return -EINVAL;
	if (dst == src)
		return 0;
	bytes = frame_bytes(fs, src);
	slot = frame_slot(fs, dst, false);
	BUG_ON(!slot || !*slot);
	if (!fs->host.share) {
		frame_copy_real(fs, slot, dst, bytes);
		return 0;
	}
	if (frame_bytes(fs, dst) == bytes)
		return 0; /* already sharing them */
	hostmem_get(&fs->host, bytes);
	drop_content(fs, slot);
	*slot |= (uint64_t)(uintptr_t)bytes | FRAME_DATA | FRAME_COW;
	*frame_slot(fs, src, false) |= FRAME_COW; /* src has a leaf: it has bytes */
	return 0;
}

uint8_t *frame_unshare(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	uint8_t *bytes, *mine;

	BUG_ON(!slot || !(*slot & FRAME_COW));
	bytes = (uint8_t *)(uintptr_t)(*slot & ~((1ULL << FRAME_PAYLOAD_SHIFT) - 1));
	if (hostmem_refcount(&fs->host, bytes) == 1) {
		*slot &= ~FRAME_COW;
		return bytes;
	}
	mine = hostmem_alloc(&fs->host);
	memcpy(mine, bytes, fs->host.chunk);
	hostmem_free(&fs->host, bytes);
	*slot = (*slot & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK)) | (uint64_t)(uintptr_t)mine |
		FRAME_DATA;
	return mine;
}

void frame_try_compact(struct frame_store *fs, pfn_t pfn)
{
	const uint8_t *b = frame_bytes(fs, pfn);
	size_t n = fs->pattern_bytes;

	if (!b || fs->host.chunk % n)
		return;
	for (size_t off = n; off < fs->host.chunk; off += n)
		if (memcmp(b, b + off, n))
			return;
	frame_set_pattern(fs, pfn, b); /* on failure the bytes simply stay */
}

uint64_t frame_lazy_vpage(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t e = frame_entry(fs, pfn);

	BUG_ON(!(e & FRAME_LAZY));
	return e >> FRAME_PAYLOAD_SHIFT;
}

uint8_t *frame_materialize(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	void *bytes;

	BUG_ON(!slot || !(*slot & FRAME_LAZY));
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return NULL;
	*slot = (uint64_t)(uintptr_t)bytes | FRAME_DATA |
		(*slot & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK));
	fs->nr_lazy--;
	return bytes;
}

void frame_store_set_lazy_fill(struct frame_store *fs, frame_fill_fn fill, void *ctx)
{
	fs->lazy_fill = fill;
	fs->lazy_ctx = ctx;
}

void frame_store_set_lazy_alike(struct frame_store *fs, frame_alike_fn alike)
{
	fs->lazy_alike = alike;
}

uint8_t *frame_materialize_lazy(struct frame_store *fs, pfn_t pfn, size_t page_size)
{
	uint64_t vpage = frame_lazy_vpage(fs, pfn);
	uint8_t *bytes = frame_materialize(fs, pfn);

	if (bytes)
		fs->lazy_fill(fs->lazy_ctx, vpage, 0, bytes, page_size);
	return bytes;
}

void frame_read_lazy(const struct frame_store *fs, pfn_t pfn, size_t off, void *buf,
		     size_t len)
{
	fs->lazy_fill(fs->lazy_ctx, frame_lazy_vpage(fs, pfn), off, buf, len);
}

void frame_set_owner(struct frame_store *fs, pfn_t pfn, enum frame_owner o)
{
	uint64_t *slot = frame_slot(fs, pfn, false);

	BUG_ON(!slot || !*slot);
	*slot = (*slot & ~FRAME_OWNER_MASK) | o;
}

void frame_release(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);

	BUG_ON(!slot || !*slot);
	drop_content(fs, slot);
	*slot = 0;
	fs->nr_entries--;
}

uint64_t frame_release_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			   enum frame_owner owner, enum frame_origin *origin)
{
	struct pattern_batch batch = { 0, 0 };
	uint64_t done = 0;
	uint64_t first = frame_entry(fs, pfn) & FRAME_ORIGIN_MASK;

	*origin = (enum frame_origin)(first >> FRAME_ORIGIN_SHIFT);
	while (done < nr) {
		pfn_t p = pfn + done;
		uint64_t *bw = block_word(fs, p, false), *slot;
		uint64_t n = MIN(nr - done, FRAME_BLOCK - (p & (FRAME_BLOCK - 1)));

		BUG_ON(!bw || !*bw);
		if (whole_block(p, nr - done) && block_is_extent(*bw)) {
			BUG_ON((*bw & FRAME_OWNER_MASK) != owner);
			if ((*bw & FRAME_ORIGIN_MASK) != first)
				return done;
			drop_extent_content(fs, bw);
			*bw = 0;
			fs->nr_extents--;
			fs->nr_entries -= FRAME_BLOCK;
			done += FRAME_BLOCK;
			continue;
		}
		slot = block_slots(fs, bw, p);
		for (uint64_t i = 0; i < n;) {
			uint64_t e = slot[i], k = 1;

			BUG_ON((e & FRAME_OWNER_MASK) != owner);
			if ((e & FRAME_ORIGIN_MASK) != first) {
				pattern_put_batch(fs, &batch);
				return done;
			}
			if (e & FRAME_PATTERN) { /* a run of the same pattern: one count */
				while (i + k < n && slot[i + k] == e)
					k++;
				drop_content_batched(fs, &slot[i], &batch);
				batch.n += k - 1;
				fs->nr_pattern -= k - 1;
				memset(&slot[i], 0, k * sizeof(*slot));
			} else {
				drop_content_batched(fs, &slot[i], &batch);
				slot[i] = 0;
			}
			fs->nr_entries -= k;
			done += k;
			i += k;
		}
		pattern_put_batch(fs, &batch);
		if (n == FRAME_BLOCK)
			block_free_leaf(fs, bw);
	}
	return done;
}

bool frame_run_claimed(const struct frame_store *fs, pfn_t pfn, uint64_t nr)
{
	while (nr) {
		uint64_t w = frame_block_word(fs, pfn);
		uint64_t n = MIN(nr, FRAME_BLOCK - (pfn & (FRAME_BLOCK - 1)));

		if (!w)
			return false;
		if (!block_is_extent(w)) {
			const uint64_t *leaf = block_leaf_of(w) + (pfn & (FRAME_BLOCK - 1));
			for (uint64_t i = 0; i < n; i++)
				if (!leaf[i])
					return false;
		}
		pfn += n;
		nr -= n;
	}
	return true;
}

static int for_each_run(const struct frame_store *fs, bool by_owner,
			int (*fn)(void *arg, pfn_t pfn, uint64_t entry, uint64_t n), void *arg)
{
	uint64_t nb = blocks_per_dir(fs);

	for (uint64_t d = fs->dir_lo; d < fs->dir_hi; d++) { /* not the whole room */
		if (!fs->dir[d])
			continue;
		for (uint64_t b = 0; b < nb; b++) {
			uint64_t w = fs->dir[d][b];
			pfn_t base = (d << fs->pfn_shift_per_dir) | (b << FRAME_BLOCK_SHIFT);

			if (!w)
				continue;
			if (block_is_extent(w)) {
				int ret = fn(arg, base,
					     by_owner ? w & (FRAME_OWNER_MASK | FRAME_ORIGIN_MASK) : w,
					     FRAME_BLOCK);
				if (ret)
					return ret;
				continue;
			}
			for (uint64_t i = 0, n; i < FRAME_BLOCK; i += n) {
				const uint64_t *leaf = block_leaf_of(w);
				uint64_t e = leaf[i], kind = e & (FRAME_OWNER_MASK | FRAME_ORIGIN_MASK);
				int ret;

				n = 1;
				if (!e)
					continue;
				if (by_owner)
					while (i + n < FRAME_BLOCK && leaf[i + n] &&
					       (leaf[i + n] & (FRAME_OWNER_MASK | FRAME_ORIGIN_MASK)) == kind)
						n++;
				ret = fn(arg, base | i, by_owner ? kind : e, n);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

int frame_for_each_run(const struct frame_store *fs,
		       int (*fn)(void *arg, pfn_t pfn, uint64_t entry, uint64_t n), void *arg)
{
	return for_each_run(fs, false, fn, arg);
}

int frame_for_each_owner_run(const struct frame_store *fs,
			     int (*fn)(void *arg, pfn_t pfn, uint64_t entry, uint64_t n), void *arg)
{
	return for_each_run(fs, true, fn, arg);
}

struct frame_one {
	int (*fn)(void *arg, pfn_t pfn, uint64_t entry);
	void *arg;
};

static int frame_one_by_one(void *arg, pfn_t pfn, uint64_t e, uint64_t n)
{
	const struct frame_one *o = arg;

	for (uint64_t i = 0; i < n; i++) {
		int ret = o->fn(o->arg, pfn + i, frame_extent_entry(e, i));
		if (ret)
			return ret;
	}
	return 0;
}

int frame_for_each(const struct frame_store *fs,
		   int (*fn)(void *arg, pfn_t pfn, uint64_t entry), void *arg)
{
	struct frame_one o = { fn, arg };

	return frame_for_each_run(fs, frame_one_by_one, &o);
}
