/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Frame store: what the simulator knows about the simulated physical frames
 * whose contents matter.
 *
 * Huge-page data and free memory are never backed.  A frame owned by the
 * kernel's vmemmap machinery (a vmemmap page, a page-table page, a shared
 * tail page) has an entry here recording its owner, where it came from
 * (memblock, buddy, altmap) and its bytes.  Bytes are either real host memory
 * or "lazy": a vmemmap page whose contents are exactly what memmap_init wrote
 * for one vmemmap page index, generated on first touch (see sparse.c).
 *
 * A third form serves the many vmemmap pages whose struct pages are all
 * alike (the tails of one folio, the freed pages of a zone): a "pattern"
 * frame records one interned struct page that every slot of the page
 * repeats.  Reads are served from it.  A fourth, "pattern with
 * exceptions", serves a page that is such a pattern but for a few runs of
 * slots (the first vmemmap page of a folio: the head and the folio fields
 * of pages 1..3, then tails; a page of the boot memmap whose pages are
 * being freed one by one, in order): a small record holds the pattern and
 * up to FRAME_PX_RUNS runs of alike struct pages of their own.  A write of
 * one struct page into a pattern frame (or an alike lazy or zero one)
 * makes it one, a run that grows to the whole page makes it a pattern
 * again, and a write that needs more runs gives the frame real bytes.  This keeps host memory proportional to the
 * distinct contents, not to the terabytes simulated.
 *
 * Entries live in a table indexed by section, allocated only for sections
 * that hold such frames, so a 16 TiB machine costs nothing for the frames
 * that carry no metadata.  A section holds one word per block of
 * FRAME_BLOCK frames: 0 (no entries), a leaf array of FRAME_BLOCK entries,
 * or an "extent", one word standing for a whole block of alike frames: the
 * entry of its first frame, for a lazy block whose frames hold consecutive
 * vmemmap pages (a PMD block of the boot memmap) or a pattern block whose
 * frames all repeat one struct page (the tails of a gigantic folio).  Runs
 * of frames are claimed, shared and released a block at a time; changing
 * one frame of an extent first gives its block a leaf.  An extent has owner
 * bits set; a leaf pointer is 8-byte aligned, so never has.
 *
 * Entry encoding (64 bits):
 *   bits 0-2  owner (enum frame_owner, 0 = no entry)
 *   bits 3-4  origin (enum frame_origin)
 *   bit  5    FRAME_LAZY: bits 12..63 hold the vmemmap page index
 *   bit  6    FRAME_DATA: bits 12..63 hold the host address (4 KiB aligned)
 *   bit  7    FRAME_PATTERN: bits 12..63 hold a pattern index
 *   bit  8    FRAME_COW: with FRAME_DATA, the host bytes may back other
 *             frames too: read them freely, write only after frame_unshare()
 *   bit  9    FRAME_ZERO: a claimed frame with no host bytes yet; it reads
 *             as zeros and gets bytes when written (or copied into)
 *   bit 10    FRAME_PX: bits 12..63 hold the index of a pattern-with-
 *             exceptions record (struct frame_px)
 *   bit 11    FRAME_GEN: no host bytes yet; bits 12..63 hold a value from
 *             which the owner's layer makes them when it first needs them
 *             (a PTE table just split from a PMD block: its first entry)
 */
#ifndef HVO_FRAME_H
#define HVO_FRAME_H

#include "hw/hostmem.h"
#include "types.h"

enum frame_owner {
	FO_NONE = 0,
	FO_VMEMMAP,     /* holds struct pages mapped in the vmemmap */
	FO_PGTABLE,     /* a PUD/PMD/PTE table under the vmemmap */
	FO_SHARED_TAIL, /* a read-only shared tail page (zone, order) */
	FO_KERNEL,      /* other kernel memory we track by frame */
	FO_SHARED_PTE,  /* a read-only PTE table shared by gigantic folios */
};

enum frame_origin {
	ORIGIN_MEMBLOCK = 0, /* boot allocator: PG_reserved, boot counter */
	ORIGIN_BUDDY,        /* page allocator */
	ORIGIN_ALTMAP,       /* self-hosted in hot-added memory */
};

#define FRAME_OWNER_MASK 0x7ULL
#define FRAME_ORIGIN_SHIFT 3
#define FRAME_ORIGIN_MASK (0x3ULL << FRAME_ORIGIN_SHIFT)
#define FRAME_LAZY (1ULL << 5)
#define FRAME_DATA (1ULL << 6)
#define FRAME_PATTERN (1ULL << 7)
#define FRAME_COW (1ULL << 8)
#define FRAME_ZERO (1ULL << 9)
#define FRAME_PX (1ULL << 10)
#define FRAME_GEN (1ULL << 11)
#define FRAME_CONTENT_MASK (FRAME_LAZY | FRAME_DATA | FRAME_PATTERN | FRAME_COW | FRAME_ZERO | \
			    FRAME_PX | FRAME_GEN)
#define FRAME_GEN_MAX ((1ULL << (64 - FRAME_PAYLOAD_SHIFT)) - 1)
#define MAX_PATTERN_BYTES 80
#define FRAME_PX_RUNS 4
#define FRAME_PAYLOAD_SHIFT 12
#define FRAME_BLOCK_SHIFT 9
#define FRAME_BLOCK (1ULL << FRAME_BLOCK_SHIFT)

/* Interned struct page contents, reference counted. */
struct pattern {
	uint8_t bytes[MAX_PATTERN_BYTES];
	uint32_t ref;
	uint32_t hash_next; /* index + 1 of the next in the bucket, 0 = end */
};

/*
 * A pattern frame whose struct pages differ from @pattern in up to
 * FRAME_PX_RUNS runs: slots [run[i].first, run[i].first + run[i].count)
 * all hold @bytes[i], sorted by slot, never touching an alike neighbour.
 */
struct frame_px_run {
	uint16_t first, count;
};

struct frame_px {
	uint32_t pattern;   /* index in the pattern table (a reference) */
	uint32_t next_free; /* index + 1 of the next free record, 0 = end */
	uint8_t nr;         /* runs */
	struct frame_px_run run[FRAME_PX_RUNS];
	uint8_t bytes[FRAME_PX_RUNS][MAX_PATTERN_BYTES];
};

/* The records, in slabs of FRAME_PX_PER_SLAB that never move. */
#define FRAME_PX_SLAB_SHIFT 12
#define FRAME_PX_PER_SLAB (1u << FRAME_PX_SLAB_SHIFT)
struct frame_px_table {
	struct frame_px **slab;
	uint32_t nr_slabs;
	uint32_t nr;        /* records handed out from the slabs */
	uint32_t free_head; /* index + 1 of a released record */
	uint64_t nr_live;
};

struct pattern_table {
	struct pattern *v;
	uint32_t nr, cap;
	uint32_t *buckets; /* index + 1 of the first pattern, 0 = none */
	uint32_t nbuckets;
	uint32_t free_head; /* index + 1 of a released slot, chained by hash_next */
	uint32_t nr_live;
};

/*
 * How the bytes of a lazy frame are made: write bytes [off, off + len) of
 * vmemmap page @vpage into @buf.  The layer that owns the memmap installs
 * it (frame_store_set_lazy_fill()); the frame store and the MMU call it
 * without knowing what it computes.
 */
typedef void (*frame_fill_fn)(void *ctx, uint64_t vpage, size_t off, void *buf,
			      size_t len);
/*
 * Whether every struct page the fill makes for vmemmap page @vpage is the
 * same: true with that struct page in @sp, false when they differ or the
 * answer is not known cheaply (the caller then reads the page).
 */
typedef bool (*frame_alike_fn)(void *ctx, uint64_t vpage, void *sp);

struct frame_store {
	unsigned pfn_shift_per_dir; /* log2(pfns per directory entry) */
	uint64_t nr_dirs;
	uint64_t **dir;             /* dir[i] = block words of a section or NULL */
	uint64_t dir_lo, dir_hi;    /* every dir[i] made lies in [dir_lo, dir_hi) */
	struct hostmem host;
	struct pattern_table patterns;
	struct frame_px_table px;
	unsigned pattern_bytes;     /* sizeof(struct page) */
	uint64_t nr_entries;        /* frames with an entry */
	uint64_t nr_entries_peak;   /* most frames with an entry at once */
	uint64_t nr_pattern;        /* of which pattern frames */
	uint64_t nr_lazy;           /* of which lazy */
	uint64_t nr_px;             /* of which patterns with exceptions */
	uint64_t nr_extents;        /* blocks held as one word */
	uint64_t nr_dir_bytes;      /* host bytes used by the directory */
	frame_fill_fn lazy_fill;    /* makes a lazy frame's bytes */
	frame_alike_fn lazy_alike;  /* NULL: not known without the bytes */
	void *lazy_ctx;
};

int frame_store_init(struct frame_store *fs, uint64_t max_pfn,
		     unsigned pfns_per_dir_shift, size_t page_size,
		     unsigned pattern_bytes);
void frame_store_destroy(struct frame_store *fs);

/* The entry of frame @i of the block whose word is @b (an extent). */
static inline uint64_t frame_extent_entry(uint64_t b, uint64_t i)
{
	return (b & FRAME_LAZY) ? b + (i << FRAME_PAYLOAD_SHIFT) : b;
}

/* The word of @pfn's block: 0 (no entries), an extent or a leaf. */
static inline uint64_t frame_block_word(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t d = pfn >> fs->pfn_shift_per_dir;

	if (d >= fs->nr_dirs || !fs->dir[d])
		return 0;
	return fs->dir[d][(pfn & ((1ULL << fs->pfn_shift_per_dir) - 1)) >> FRAME_BLOCK_SHIFT];
}

/*
 * The word of @pfn's block if that block is an extent (its FRAME_BLOCK
 * frames alike, of one owner and origin), else 0.
 */
static inline uint64_t frame_block_extent(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t b = frame_block_word(fs, pfn);

	return b & FRAME_OWNER_MASK ? b : 0;
}

static inline uint64_t frame_entry(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t b = frame_block_word(fs, pfn);

	if (b & FRAME_OWNER_MASK)
		return frame_extent_entry(b, pfn & (FRAME_BLOCK - 1));
	return b ? ((const uint64_t *)(uintptr_t)b)[pfn & (FRAME_BLOCK - 1)] : 0;
}

static inline enum frame_owner frame_owner(const struct frame_store *fs,
					   pfn_t pfn)
{
	return (enum frame_owner)(frame_entry(fs, pfn) & FRAME_OWNER_MASK);
}

static inline enum frame_origin frame_origin(const struct frame_store *fs,
					     pfn_t pfn)
{
	return (enum frame_origin)((frame_entry(fs, pfn) & FRAME_ORIGIN_MASK) >>
				   FRAME_ORIGIN_SHIFT);
}

/* The host bytes an entry @e names (FRAME_DATA), or NULL. */
static inline uint8_t *frame_entry_bytes(uint64_t e)
{
	if (!(e & FRAME_DATA))
		return NULL;
	return (uint8_t *)(uintptr_t)(e & ~((1ULL << FRAME_PAYLOAD_SHIFT) - 1));
}

/* The interned struct page an entry @e names (FRAME_PATTERN), or NULL. */
static inline const uint8_t *frame_entry_pattern(const struct frame_store *fs, uint64_t e)
{
	return (e & FRAME_PATTERN) ? fs->patterns.v[e >> FRAME_PAYLOAD_SHIFT].bytes : NULL;
}

/*
 * Host bytes of @pfn, or NULL if it has none (yet).  Of a FRAME_COW frame
 * they may be another frame's too: write through frame_writable_bytes().
 */
static inline uint8_t *frame_bytes(const struct frame_store *fs, pfn_t pfn)
{
	return frame_entry_bytes(frame_entry(fs, pfn));
}

/*
 * Give FRAME_COW frame @pfn host bytes of its own (the same contents) and
 * return them; the last frame on a chunk keeps it without a copy.
 */
uint8_t *frame_unshare(struct frame_store *fs, pfn_t pfn);

/* Host bytes of data frame @pfn that may be written (unshared first). */
static inline uint8_t *frame_writable_bytes(struct frame_store *fs, pfn_t pfn)
{
	if (frame_entry(fs, pfn) & FRAME_COW)
		return frame_unshare(fs, pfn);
	return frame_bytes(fs, pfn);
}

/* Claim @pfn for @owner with zeroed host bytes. -ENOMEM if the host is out. */
int frame_claim(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		enum frame_origin origin);
/*
 * Claim @pfn for @owner with zero contents but no host bytes yet: for a
 * page that is copied into at once (frame_copy()), which then costs the
 * host nothing.  Reads see zeros; frame_materialize_zero() backs it.
 */
int frame_claim_zero(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		     enum frame_origin origin);
/* Give a FRAME_ZERO frame its (zeroed) host bytes. */
uint8_t *frame_materialize_zero(struct frame_store *fs, pfn_t pfn);
/*
 * Claimed frame @pfn drops its contents and becomes FRAME_GEN with
 * @value (at most FRAME_GEN_MAX): its owner's layer alone knows what bytes
 * that stands for, and makes them with frame_materialize_gen().
 */
void frame_set_gen(struct frame_store *fs, pfn_t pfn, uint64_t value);
/* The value of FRAME_GEN frame @pfn. */
uint64_t frame_gen_value(const struct frame_store *fs, pfn_t pfn);
/* Give FRAME_GEN frame @pfn host bytes (zeroed) for its owner to fill. */
uint8_t *frame_materialize_gen(struct frame_store *fs, pfn_t pfn);
/* Claim @pfn for @owner with contents generated later from @vpage. */
int frame_claim_lazy(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		     enum frame_origin origin, uint64_t vpage);
/*
 * frame_claim_lazy() for @nr consecutive frames from @pfn holding vmemmap
 * pages @vpage, @vpage + 1, ... (a PMD block of the boot memmap).  On
 * -ENOMEM the frames claimed so far stay claimed.
 */
int frame_claim_lazy_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			 enum frame_owner owner, enum frame_origin origin,
			 uint64_t vpage);
/* For a lazy frame: the vmemmap page index whose contents it holds. */
uint64_t frame_lazy_vpage(const struct frame_store *fs, pfn_t pfn);
/* Give a lazy frame its host bytes (zeroed); the caller fills them. */
uint8_t *frame_materialize(struct frame_store *fs, pfn_t pfn);
void frame_store_set_lazy_fill(struct frame_store *fs, frame_fill_fn fill, void *ctx);
/* The shortcut for asking whether a lazy frame repeats one struct page (same ctx). */
void frame_store_set_lazy_alike(struct frame_store *fs, frame_alike_fn alike);
/* Give a lazy frame host bytes filled by the lazy fill; NULL if the host is out. */
uint8_t *frame_materialize_lazy(struct frame_store *fs, pfn_t pfn, size_t page_size);
/* Bytes [off, off + len) of lazy frame @pfn, made by the lazy fill. */
void frame_read_lazy(const struct frame_store *fs, pfn_t pfn, size_t off, void *buf,
		     size_t len);
/* Change the owner of a claimed frame, keeping bytes and origin. */
void frame_set_owner(struct frame_store *fs, pfn_t pfn, enum frame_owner o);
/*
 * Make every struct page of claimed frame @pfn equal @sp (pattern_bytes
 * long), dropping its bytes.  -ENOMEM if the host is out of memory.
 */
int frame_set_pattern(struct frame_store *fs, pfn_t pfn, const uint8_t *sp);
/*
 * Make claimed frame @pfn repeat the pattern of pattern frame @src (no
 * hashing: the cheap path for runs of alike vmemmap pages).  Returns 0.
 */
int frame_share_pattern(struct frame_store *fs, pfn_t pfn, pfn_t src);
/* frame_share_pattern() for @nr consecutive frames from @pfn (not @src). */
void frame_share_pattern_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			     pfn_t src);
/* The repeated struct page of a pattern frame, or NULL. */
const uint8_t *frame_pattern(const struct frame_store *fs, pfn_t pfn);
/* Give a pattern frame real bytes (the pattern repeated); NULL if out. */
uint8_t *frame_materialize_pattern(struct frame_store *fs, pfn_t pfn);
/* The record of a pattern-with-exceptions frame, or NULL. */
const struct frame_px *frame_px(const struct frame_store *fs, pfn_t pfn);
/* The record an entry @e names (FRAME_PX), or NULL. */
const struct frame_px *frame_entry_px(const struct frame_store *fs, uint64_t e);
/* The struct page a pattern-with-exceptions record repeats outside its runs. */
const uint8_t *frame_px_pattern(const struct frame_store *fs, const struct frame_px *x);
/*
 * The end of the stretch of slots from @slot of @x that hold the same bytes
 * as @slot: its run of exceptions, or the pattern up to the next run (or
 * @spp, the slots of a frame).
 */
unsigned frame_px_alike_end(const struct frame_px *x, unsigned slot, unsigned spp);
/*
 * Set struct page @slot of pattern or pattern-with-exceptions frame @pfn
 * to @sp without giving it real bytes.  0; -EAGAIN, nothing changed, if
 * the frame has another form or would need more than FRAME_PX_RUNS runs, or
 * the store does not share ($HVO_HOST_SHARE=0): the caller writes real
 * bytes instead; -ENOMEM if the host is out.
 */
int frame_set_slot(struct frame_store *fs, pfn_t pfn, unsigned slot, const uint8_t *sp);
/*
 * Write @len bytes at @off of frame @pfn, all within one struct page,
 * through frame_set_slot(): 0, or its -EAGAIN or -ENOMEM.
 */
int frame_write_in_slot(struct frame_store *fs, pfn_t pfn, size_t off, const void *buf,
			size_t len);
/*
 * Make claimed frame @pfn repeat @sp but in the @nr slots @slot[i], which
 * hold @keep[i] (pattern_bytes each): frame_set_pattern() and
 * frame_set_slot() in one.  -EAGAIN, nothing done, if @nr exceeds
 * FRAME_PX_RUNS or the store does not share; -ENOMEM if the host is out.
 */
int frame_set_pattern_except(struct frame_store *fs, pfn_t pfn, const uint8_t *sp,
			     unsigned nr, const unsigned *slot, const uint8_t *keep);
/* Bytes [off, off + len) of pattern-with-exceptions frame @pfn. */
/* The same from the frame's entry @e (FRAME_PX), already looked up. */
void frame_read_px_entry(const struct frame_store *fs, uint64_t e, size_t off, void *buf,
			 size_t len);
void frame_read_px(const struct frame_store *fs, pfn_t pfn, size_t off, void *buf,
		   size_t len);
/* Give a pattern-with-exceptions frame its real bytes; NULL if out. */
uint8_t *frame_materialize_px(struct frame_store *fs, pfn_t pfn);
/*
 * Make claimed frame @dst a copy of @src: a pattern frame's pattern is
 * shared, a pattern with exceptions gets a record of its own, a data
 * frame's host bytes are shared copy-on-write (or copied, with
 * $HVO_HOST_SHARE=0).  -EINVAL, nothing done, if @src is neither
 * (a lazy frame: the caller copies its generated bytes).
 */
int frame_copy(struct frame_store *fs, pfn_t dst, pfn_t src);
/* If every struct page of data frame @pfn is equal, make it a pattern. */
void frame_try_compact(struct frame_store *fs, pfn_t pfn);

/* Drop @pfn's entry and its host bytes. */
void frame_release(struct frame_store *fs, pfn_t pfn);
/*
 * frame_release() from @pfn on, for up to @nr frames owned by @owner, as
 * long as they have the origin of the first (returned in *@origin).
 * Returns how many were released.
 */
uint64_t frame_release_run(struct frame_store *fs, pfn_t pfn, uint64_t nr,
			   enum frame_owner owner, enum frame_origin *origin);

/* Has every frame of [@pfn, @pfn + @nr) an entry? */
bool frame_run_claimed(const struct frame_store *fs, pfn_t pfn, uint64_t nr);

/* Visit every frame with an entry, in pfn order.  Stops on non-zero return. */
int frame_for_each(const struct frame_store *fs,
		   int (*fn)(void *arg, pfn_t pfn, uint64_t entry), void *arg);
/*
 * The same, an extent at a time: @n frames from @pfn (FRAME_BLOCK for an
 * extent, else 1) whose entries are frame_extent_entry(@entry, i): the
 * same owner and origin, payloads that may count up.
 */
int frame_for_each_run(const struct frame_store *fs,
		       int (*fn)(void *arg, pfn_t pfn, uint64_t entry, uint64_t n), void *arg);
/*
 * The same, a run at a time of frames next to each other with one owner
 * and origin (an extent, or frames of one block): @entry holds only those
 * bits, for each of the @n.
 */
int frame_for_each_owner_run(const struct frame_store *fs,
			     int (*fn)(void *arg, pfn_t pfn, uint64_t entry, uint64_t n), void *arg);

#endif
