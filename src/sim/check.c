// SPDX-License-Identifier: GPL-2.0-only
/*
 * Invariant checker (see check.h).  What it proves, each in its own
 * function:
 *  - reachability: every present section's struct pages are mapped (asked
 *    of the ranges the walk of every leaf collects on its way);
 *  - struct page contents: node and zone bits of every generated struct
 *    page agree with the layout (lazy frames are correct by construction);
 *  - ownership: vmemmap frames, page-table frames, huge pages, free blocks
 *    and the kernel image are pairwise disjoint, and together with the
 *    frames still reserved since boot they add up to exactly the present
 *    memory, so nothing is leaked or owned twice;
 *  - the buddy allocator's free lists agree with its counters;
 *  - counters equal a recount (vmemmap pages by origin, page tables,
 *    managed pages);
 *  - huge pages and DAX compound pages (check_folio.c): every pool folio
 *    is marked hugetlb (so an optimized vmemmap implies the hugetlb flag,
 *    d8f5f7e445f0), maps its tails read-only onto the right page, and
 *    compound_head() of each of its struct pages is its head;
 *  - the TLB holds no translation the page table no longer has, and no
 *    vmemmap frame was ever freed while the TLB still mapped it;
 *  - hvo_share_pte (check_folio.c): every shared PTE table maps only its zone's shared
 *    tail, read-only, and the PMDs pointing at it are exactly the tails-only
 *    PMDs of the optimized folios of its zone and order, as many as its
 *    reference count says.
 */
#include <stdarg.h>
#include <string.h>

#include "sim/check.h"
#include "sim/check_internal.h"
#include "arch/mmu.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "arch/pgtable.h"
#include "mm/vmemmap_share_pte.h"

void check_fail(struct check_report *r, const char *fmt, ...)
{
	va_list ap;

	r->nr_violations++;
	if (r->nr_lines >= CHECK_MAX_LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(r->lines[r->nr_lines++], sizeof(r->lines[0]), fmt, ap);
	va_end(ap);
}

void *check_alloc(void *p)
{
	if (!p) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	return p;
}

/* @from's violations after @r's, its lines as far as @r has room. */
static void check_report_append(struct check_report *r, const struct check_report *from)
{
	for (unsigned i = 0; i < from->nr_lines && r->nr_lines < CHECK_MAX_LINES; i++)
		memcpy(r->lines[r->nr_lines++], from->lines[i], sizeof(r->lines[0]));
	r->nr_violations += from->nr_violations;
	r->nr_struct_pages_checked += from->nr_struct_pages_checked;
}

void check_report_print(const struct check_report *r, FILE *out)
{
	for (unsigned i = 0; i < r->nr_lines; i++)
		fprintf(out, "  %s\n", r->lines[i]);
	if (r->nr_violations > r->nr_lines)
		fprintf(out, "  ... and %llu more\n",
			(unsigned long long)(r->nr_violations - r->nr_lines));
}


/* ---- reachability ---- */

/*
 * The vmemmap the leaf walk found mapped: ranges of page-aligned
 * addresses in ascending order, each as long as the leaves that touch
 * allowed (a PMD block, a run of present PTEs, and the next one if it
 * starts where this one ends).
 */
struct mapped_ranges {
	struct va_range { vaddr_t start, end; } *v;
	uint64_t n, cap;
};

static void mapped_add(struct mapped_ranges *mr, vaddr_t start, vaddr_t end)
{
	if (mr->n && mr->v[mr->n - 1].end == start) {
		mr->v[mr->n - 1].end = end;
		return;
	}
	if (mr->n == mr->cap) {
		uint64_t cap = mr->cap ? 2 * mr->cap : 256;
		mr->v = check_alloc(realloc(mr->v, cap * sizeof(*mr->v)));
		mr->cap = cap;
	}
	mr->v[mr->n++] = (struct va_range){ start, end };
}

/* The first address from @va (page-aligned) that no range maps, or @end. */
static vaddr_t mapped_until(const struct mapped_ranges *mr, vaddr_t va, vaddr_t end)
{
	uint64_t lo = 0, hi = mr->n;

	while (lo < hi) { /* the first range ending after va */
		uint64_t mid = (lo + hi) / 2;
		if (mr->v[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == mr->n || mr->v[lo].start > va)
		return va;
	return MIN(end, mr->v[lo].end);
}

/*
 * Every present section's struct pages are mapped, each vmemmap page of
 * them by a present leaf: what a walk of each page would find, asked of
 * the ranges the leaf walk collected (@mr).
 */
static void check_sections_mapped(struct machine *m, struct check_report *r,
				  const struct mapped_ranges *mr)
{
	const struct geometry *g = &m->geo;

	for (uint64_t s = 0; s < m->nr_sections_used; s++) {
		const struct mem_section *ms = &m->mem_section[s];
		vaddr_t start, end, va;

		if (!(ms->flags & SECTION_MARKED_PRESENT))
			continue;
		if (!(ms->flags & SECTION_HAS_MEM_MAP)) {
			check_fail(r, "section %llu: present but has no memmap", P(s));
			continue;
		}
		start = pfn_to_page_va(g, section_nr_to_pfn(g, s));
		end = start + g->pages_per_section * g->struct_page_size;
		va = mapped_until(mr, ALIGN_DOWN(start, g->page_size), end);
		if (va < end)
			check_fail(r, "pfn %#llx: struct page at va %#llx is not mapped",
				   P(page_va_to_pfn(g, MAX(va, start))), P(va));
	}
}

/* ---- leaves: what every mapping points at ---- */

/*
 * Frames some leaf maps: a bit per pfn, in directories of the frame
 * store's size, found through a table of SEEN_GROUP directories each.  A
 * machine has room for 2^MAX_PHYSMEM_BITS (512k directories) and few get
 * bits, so nothing is sized by the room: a check allocates what it marks.
 */
#define SEEN_GROUP_SHIFT 9
#define SEEN_GROUP (1ULL << SEEN_GROUP_SHIFT)

struct seen_map {
	const struct frame_store *fs;
	uint64_t ***group;   /* group[d >> SEEN_GROUP_SHIFT][d & (SEEN_GROUP - 1)] */
	uint64_t nr_groups;
};

static void seen_init(struct seen_map *sm, const struct frame_store *fs)
{
	sm->fs = fs;
	sm->nr_groups = DIV_ROUND_UP(fs->nr_dirs, SEEN_GROUP);
	sm->group = check_alloc(calloc(sm->nr_groups, sizeof(*sm->group)));
}

static void seen_destroy(struct seen_map *sm)
{
	for (uint64_t g = 0; g < sm->nr_groups; g++) {
		if (!sm->group[g])
			continue;
		for (uint64_t i = 0; i < SEEN_GROUP; i++)
			if (sm->group[g][i])
				free(sm->group[g][i]);
		free(sm->group[g]);
	}
	free(sm->group);
}

static void seen_mark(struct seen_map *sm, pfn_t pfn)
{
	uint64_t d = pfn >> sm->fs->pfn_shift_per_dir;
	uint64_t i = pfn & ((1ULL << sm->fs->pfn_shift_per_dir) - 1);
	uint64_t ***g, **dir;

	if (d >= sm->fs->nr_dirs)
		return;
	g = &sm->group[d >> SEEN_GROUP_SHIFT];
	if (!*g)
		*g = check_alloc(calloc(SEEN_GROUP, sizeof(**g)));
	dir = &(*g)[d & (SEEN_GROUP - 1)];
	if (!*dir)
		*dir = check_alloc(calloc(DIV_ROUND_UP(1ULL << sm->fs->pfn_shift_per_dir, 64), 8));
	(*dir)[i >> 6] |= 1ULL << (i & 63);
}

/* seen_mark() of the FRAME_BLOCK frames from @pfn, a block's first. */
static void seen_mark_block(struct seen_map *sm, pfn_t pfn)
{
	uint64_t d = pfn >> sm->fs->pfn_shift_per_dir;
	uint64_t i = pfn & ((1ULL << sm->fs->pfn_shift_per_dir) - 1);

	seen_mark(sm, pfn);
	if (d >= sm->fs->nr_dirs)
		return;
	memset(&sm->group[d >> SEEN_GROUP_SHIFT][d & (SEEN_GROUP - 1)][i >> 6], 0xff, FRAME_BLOCK / 8);
}

static bool seen_test(const struct seen_map *sm, pfn_t pfn)
{
	uint64_t d = pfn >> sm->fs->pfn_shift_per_dir;
	uint64_t i = pfn & ((1ULL << sm->fs->pfn_shift_per_dir) - 1);
	uint64_t **g;

	if (d >= sm->fs->nr_dirs || !(g = sm->group[d >> SEEN_GROUP_SHIFT]))
		return false;
	return g[d & (SEEN_GROUP - 1)] &&
	       (g[d & (SEEN_GROUP - 1)][i >> 6] & (1ULL << (i & 63)));
}

/* seen_test() of every frame of [@pfn, @pfn + @n), a word at a time. */
static bool seen_test_run(const struct seen_map *sm, pfn_t pfn, uint64_t n)
{
	uint64_t per_dir = 1ULL << sm->fs->pfn_shift_per_dir;

	while (n) {
		uint64_t d = pfn >> sm->fs->pfn_shift_per_dir, i = pfn & (per_dir - 1);
		uint64_t k = MIN(n, per_dir - i), **g;
		const uint64_t *bm;

		if (d >= sm->fs->nr_dirs || !(g = sm->group[d >> SEEN_GROUP_SHIFT]) ||
		    !(bm = g[d & (SEEN_GROUP - 1)]))
			return false;
		if (!bitmap_range_full(bm, i, i + k - 1))
			return false;
		pfn += k;
		n -= k;
	}
	return true;
}

struct leaf_ctx {
	struct machine *m;
	struct check_report *r;
	struct seen_map seen; /* frames some leaf maps */
	struct frame_scratch scratch; /* one page, for pattern frames */
	/* the last vmemmap page found right: frame and zone (tails map one) */
	pfn_t agreed_pfn;
	const struct zone *agreed_zone;
	pfn_t owned_pfn;      /* the last frame found a vmemmap frame with bytes */
	/* the last section run_zone() was asked about whole, and its answer */
	const struct mem_section *zone_ms;
	struct zone *zone_of_ms;
	struct mapped_ranges mapped; /* what the leaves map */
};

const uint8_t *frame_view_range(struct machine *m, pfn_t pfn, size_t off, size_t len,
				uint8_t *buf)
{
	const uint8_t *b = frame_bytes(&m->frames, pfn);

	if (b)
		return b + off;
	if (!frame_pattern(&m->frames, pfn) && !frame_px(&m->frames, pfn))
		return NULL;
	frame_read(m, pfn, off, buf, len);
	return buf;
}

const uint8_t *frame_view(struct machine *m, pfn_t pfn, struct frame_scratch *s)
{
	const uint8_t *b = frame_bytes(&m->frames, pfn);

	if (b)
		return b;
	if (!frame_pattern(&m->frames, pfn) && !frame_px(&m->frames, pfn))
		return NULL;
	if (s->pfn != pfn) {
		frame_read(m, pfn, 0, s->bytes, m->geo.page_size);
		s->pfn = pfn;
	}
	return s->bytes;
}

/*
 * The zone of every pfn of [@p, @p + @n) when they are all present memory
 * of one section and one zone that page_zone() would name for each (no
 * device range, no other zone's span reaching into the run); else NULL,
 * and the caller asks pfn by pfn.
 */
static struct zone *run_zone(struct machine *m, pfn_t p, uint64_t n)
{
	pfn_t last = p + n - 1;
	struct mem_section *ms = __pfn_to_section(m, p);
	struct zone *found = NULL;

	if (!ms || ms != __pfn_to_section(m, last) || !(ms->flags & SECTION_MARKED_PRESENT))
		return NULL;
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (m->dax[i].start <= last && p < m->dax[i].start + m->dax[i].nr)
			return NULL;
	for (unsigned z = 0; z < ZONE_DEVICE; z++) {
		struct zone *zone = &m->nodes[ms->nid].node_zones[z];

		if (!zone->spanned_pages || zone->zone_start_pfn > last ||
		    zone->zone_start_pfn + zone->spanned_pages <= p)
			continue; /* spans none of the run */
		if (!zone_spans_pfn(zone, p) || !zone_spans_pfn(zone, last))
			return NULL; /* spans part of it */
		if (!found)
			found = zone; /* page_zone() takes the first */
	}
	if (!found || memblock_type_pages_in(&m->memblock.memory, p, p + n) != n)
		return NULL;
	return found;
}

/* Check the struct pages of one vmemmap page, pfn by pfn. */
static void check_struct_pages(struct leaf_ctx *c, vaddr_t va, const uint8_t *bytes)
{
	struct machine *m = c->m;
	const struct geometry *g = &m->geo;

	for (unsigned i = 0; i < g->spp; i++) {
		pfn_t p = page_va_to_pfn(g, va) + i;
		uint64_t flags;
		struct zone *z;

		if (!pfn_present(m, p))
			continue;
		z = page_zone(m, p);
		flags = page_struct_flags(bytes + i * g->struct_page_size);
		c->r->nr_struct_pages_checked++;
		if (z && (flags_nid(flags) != z->nid || flags_zone(flags) != z->idx)) {
			check_fail(c->r, "pfn %#llx: struct page says node %d zone %s, layout says node %d zone %s",
				   P(p), flags_nid(flags), zone_name(flags_zone(flags)),
				   z->nid, zone_name(z->idx));
		}
	}
}

/*
 * run_zone() for a run inside one section, through the answer for the
 * whole section: when the whole section lies in one zone, in memory and
 * in no device, so does every run inside it, in the same zone.
 */
static struct zone *run_zone_cached(struct leaf_ctx *c, pfn_t p, uint64_t n)
{
	struct machine *m = c->m;
	const struct mem_section *ms = __pfn_to_section(m, p);

	if (!ms || ms != __pfn_to_section(m, p + n - 1))
		return NULL;
	if (ms != c->zone_ms) {
		pfn_t start = ALIGN_DOWN(p, m->geo.pages_per_section);
		c->zone_ms = ms;
		c->zone_of_ms = run_zone(m, start, m->geo.pages_per_section);
	}
	return c->zone_of_ms ? c->zone_of_ms : run_zone(m, p, n);
}

/*
 * The same for a page whose pfns all lie in zone @z (run_zone()): a
 * pattern frame's one struct page (@pattern), a pattern with exceptions'
 * few (@px), else each of @bytes.  false if some struct page disagrees;
 * the caller then reports pfn by pfn.
 */
static bool struct_pages_agree(struct leaf_ctx *c, const uint8_t *pattern,
			       const struct frame_px *px, const uint8_t *bytes,
			       const struct zone *z)
{
	const struct geometry *g = &c->m->geo;
	unsigned n = pattern ? 1 : px ? 1u + px->nr : g->spp;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *sp;
		uint64_t flags;

		if (px) /* its pattern (held by some slot or none), then each run's */
			sp = i ? px->bytes[i - 1] : frame_px_pattern(&c->m->frames, px);
		else
			sp = pattern ? pattern : bytes + i * g->struct_page_size;
		flags = page_struct_flags(sp);
		if (flags_nid(flags) != z->nid || flags_zone(flags) != z->idx)
			return false;
	}
	c->r->nr_struct_pages_checked += g->spp;
	return true;
}

/*
 * Check the struct pages of one vmemmap page mapped at @va by frame @pfn,
 * its frame-store entry read once.
 */
static void check_vmemmap_page(struct leaf_ctx *c, vaddr_t va, pfn_t pfn)
{
	struct machine *m = c->m;
	const struct geometry *g = &m->geo;
	uint64_t e = frame_entry(&m->frames, pfn);
	const uint8_t *bytes = frame_entry_bytes(e);
	const uint8_t *pattern = frame_entry_pattern(&m->frames, e);
	const struct frame_px *px = frame_entry_px(&m->frames, e);
	struct zone *z;

	if (pfn != c->owned_pfn) { /* tails map one frame: ask once */
		enum frame_owner o = (enum frame_owner)(e & FRAME_OWNER_MASK);
		if (o != FO_VMEMMAP && o != FO_SHARED_TAIL) {
			check_fail(c->r, "va %#llx: maps frame %#llx, which is %s",
				   P(va), P(pfn), o == FO_NONE ? "not owned (free or foreign)" : "a page table");
			return;
		}
		seen_mark(&c->seen, pfn);
		if (!g->struct_page_pow2 || (!bytes && !pattern && !px))
			return; /* lazy: generated from the layout when touched */
		c->owned_pfn = pfn;
	}
	z = run_zone_cached(c, page_va_to_pfn(g, va), g->spp);
	if (!z && !memblock_type_pages_in(&m->memblock.memory, page_va_to_pfn(g, va),
					  page_va_to_pfn(g, va) + g->spp))
		return; /* device memory or a hole: no struct page here is present memory's */
	if (z && pfn == c->agreed_pfn && z == c->agreed_zone) {
		c->r->nr_struct_pages_checked += g->spp; /* the same bytes, the same verdict */
		return;
	}
	/* a pattern frame's few distinct struct pages are asked in place */
	if (!pattern && !px)
		bytes = frame_view(m, pfn, &c->scratch);
	if (z && struct_pages_agree(c, pattern, px, bytes, z)) {
		c->agreed_pfn = pfn;
		c->agreed_zone = z;
		return;
	}
	check_struct_pages(c, va, bytes ? bytes : frame_view(m, pfn, &c->scratch));
}

/*
 * The rest of a run of @n PTEs mapping @pfn from @va, after the first was
 * found right: each page would be found right the same way (the same frame,
 * the same zone for every pfn it describes), so it is counted, not asked,
 * while the run's pfns lie in the section whose zone answered.
 */
static uint64_t agreed_run(struct leaf_ctx *c, vaddr_t va, pfn_t pfn, uint64_t n)
{
	const struct geometry *g = &c->m->geo;
	pfn_t p = page_va_to_pfn(g, va + g->page_size);
	uint64_t k = n - 1;

	if (!k || pfn != c->owned_pfn || pfn != c->agreed_pfn || !c->zone_of_ms ||
	    c->zone_of_ms != c->agreed_zone || __pfn_to_section(c->m, p) != c->zone_ms ||
	    __pfn_to_section(c->m, p + k * g->spp - 1) != c->zone_ms)
		return 0;
	c->r->nr_struct_pages_checked += k * g->spp;
	return k;
}

/*
 * A PMD leaf whose frames are one extent of the frame store (alike frames
 * of one owner: lazy pages of the boot memmap, or pattern frames that all
 * repeat one struct page) and whose struct pages all describe pfns of one
 * zone: every page is asked as the first was, with the same answer (a
 * lazy frame is only seen; a pattern frame agrees with the zone or not by
 * its one struct page), so after the first the rest are marked seen and
 * counted.  How many of its pages were checked: all, the first alone (it
 * disagreed: each is reported), or none (not such a leaf).
 */
static uint64_t check_extent_leaf(struct leaf_ctx *c, vaddr_t va, pfn_t pfn)
{
	const struct geometry *g = &c->m->geo;
	uint64_t w = frame_block_extent(&c->m->frames, pfn), owner = w & FRAME_OWNER_MASK;

	if (g->ptrs_per_table != FRAME_BLOCK || !IS_ALIGNED(pfn, FRAME_BLOCK) ||
	    (owner != FO_VMEMMAP && owner != FO_SHARED_TAIL) || !(w & (FRAME_LAZY | FRAME_PATTERN)))
		return 0;
	if (!g->struct_page_pow2 || (w & FRAME_LAZY)) {
		seen_mark_block(&c->seen, pfn);
		return FRAME_BLOCK;
	}
	if (!run_zone_cached(c, page_va_to_pfn(g, va), FRAME_BLOCK * g->spp))
		return 0;
	c->agreed_pfn = PFN_NONE;
	check_vmemmap_page(c, va, pfn);
	if (c->agreed_pfn != pfn)
		return 1;
	seen_mark_block(&c->seen, pfn);
	c->r->nr_struct_pages_checked += (FRAME_BLOCK - 1) * g->spp;
	c->owned_pfn = c->agreed_pfn = pfn + FRAME_BLOCK - 1;
	return FRAME_BLOCK;
}

static int check_leaf(void *arg, vaddr_t va, enum pt_level lvl, uint64_t e, uint64_t n)
{
	struct leaf_ctx *c = arg;
	const struct geometry *g = &c->m->geo;

	mapped_add(&c->mapped, va, va + (lvl == PT_PMD ? 1ULL << g->pmd_shift : n << g->page_shift));
	if (lvl == PT_PMD) {
		for (uint64_t i = check_extent_leaf(c, va, entry_pfn(e)); i < g->ptrs_per_table; i++)
			check_vmemmap_page(c, va + (i << g->page_shift), entry_pfn(e) + i);
		return 0;
	}
	check_vmemmap_page(c, va, entry_pfn(e));
	for (uint64_t i = 1 + agreed_run(c, va, entry_pfn(e), n); i < n; i++)
		check_vmemmap_page(c, va + (i << g->page_shift), entry_pfn(e));
	return 0;
}

/* ---- ownership ---- */

struct folio_ref {
	pfn_t pfn;
	uint64_t nr;
};

struct owner_ctx {
	struct machine *m;
	struct check_report *r;
	uint64_t nr_vmemmap[3];  /* by origin */
	uint64_t nr_pgtable;
	uint64_t nr_shared_tail;
	uint64_t nr_memblock;    /* frames of any owner still memblock-reserved */
	uint64_t nr_altmap;      /* self-hosted memmap frames in present memory */
	uint64_t nr_buddy_owned; /* frames allocated from buddy */
	struct folio_ref *folios; /* huge pages and leaked ranges, sorted */
	uint64_t nr_folios;
	const struct seen_map *seen;
};

/* Index of the folio containing @pfn, or -1. */
static int64_t folio_lookup(const struct owner_ctx *c, pfn_t pfn)
{
	uint64_t lo = 0, hi = c->nr_folios;

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;
		if (c->folios[mid].pfn <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -1;
	lo--;
	return pfn < c->folios[lo].pfn + c->folios[lo].nr ? (int64_t)lo : -1;
}

/* Does [s, e) intersect any huge page? */
static bool folio_overlaps(const struct owner_ctx *c, pfn_t s, pfn_t e)
{
	uint64_t lo = 0, hi = c->nr_folios;

	while (lo < hi) { /* first folio starting at or after e */
		uint64_t mid = (lo + hi) / 2;
		if (c->folios[mid].pfn < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && c->folios[lo - 1].pfn + c->folios[lo - 1].nr > s;
}

/* Does [@start, @end) overlap the kernel image (placed at 16 MiB)? */
static bool kernel_image_overlaps(const struct machine *m, pfn_t start, pfn_t end)
{
	pfn_t base = (16 * SZ_1M) >> m->geo.page_shift;
	return end > base && start < base + m->kernel_reserved_pages;
}

static bool in_kernel_image(const struct machine *m, pfn_t pfn)
{
	return kernel_image_overlaps(m, pfn, pfn + 1);
}

/*
 * The free block of @pfn's zone that holds it, on a buddy list or a
 * per-CPU list (buddy_free_order()): its order, or -1 if none.
 */
static int free_block_of(const struct owner_ctx *c, pfn_t pfn, pfn_t *blk)
{
	const struct zone *z = page_zone(c->m, pfn);

	return z ? buddy_free_order(&z->buddy, pfn, blk) : -1;
}

/* Shared tails stay published for good, mapped or not. */
static bool shared_tail_published(struct machine *m, pfn_t pfn)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			for (unsigned i = 0; i < NR_VMEMMAP_TAILS_MAX; i++)
				if (atomic_load(&m->nodes[nid].node_zones[z].vmemmap_tails[i]) == pfn)
					return true;
	return false;
}

/* Count @n frames of entry @e's owner and origin. */
static void count_frames(struct owner_ctx *c, uint64_t e, uint64_t n)
{
	enum frame_owner o = (enum frame_owner)(e & FRAME_OWNER_MASK);
	enum frame_origin origin =
		(enum frame_origin)((e & FRAME_ORIGIN_MASK) >> FRAME_ORIGIN_SHIFT);

	switch (o) {
	case FO_VMEMMAP:
		c->nr_vmemmap[origin] += n;
		break;
	case FO_PGTABLE:
	case FO_SHARED_PTE: /* counted once, however many PMDs map it */
		c->nr_pgtable += n;
		break;
	case FO_SHARED_TAIL:
		c->nr_shared_tail += n;
		break;
	default:
		break;
	}
	if (origin == ORIGIN_MEMBLOCK)
		c->nr_memblock += n;
	else if (origin == ORIGIN_BUDDY)
		c->nr_buddy_owned += n;
}

static int check_frame(void *arg, pfn_t pfn, uint64_t e)
{
	struct owner_ctx *c = arg;
	enum frame_owner o = (enum frame_owner)(e & FRAME_OWNER_MASK);
	enum frame_origin origin =
		(enum frame_origin)((e & FRAME_ORIGIN_MASK) >> FRAME_ORIGIN_SHIFT);
	pfn_t blk;
	int order;

	if (o == FO_VMEMMAP && !seen_test(c->seen, pfn))
		check_fail(c->r, "pfn %#llx: vmemmap frame is mapped nowhere (leaked)", P(pfn));
	if (o == FO_SHARED_TAIL && !shared_tail_published(c->m, pfn))
		check_fail(c->r, "pfn %#llx: shared tail frame is published in no zone (leaked)", P(pfn));
	if (o == FO_SHARED_PTE && !shared_pte_refcount(c->m, pfn))
		check_fail(c->r, "pfn %#llx: shared PTE table is published in no zone (leaked)", P(pfn));
	count_frames(c, e, 1);
	if (origin == ORIGIN_ALTMAP) { /* lives in unmanaged hot-added memory */
		if (pfn_present(c->m, pfn))
			c->nr_altmap++;
		return 0;
	}
	if (!pfn_present(c->m, pfn))
		check_fail(c->r, "pfn %#llx: owned frame is not present memory", P(pfn));
	order = free_block_of(c, pfn, &blk);
	if (order >= 0)
		check_fail(c->r, "pfn %#llx: owned frame is also free (block %#llx order %d)",
			   P(pfn), P(blk), order);
	if (folio_lookup(c, pfn) >= 0)
		check_fail(c->r, "pfn %#llx: owned frame lies inside a huge page", P(pfn));
	if (in_kernel_image(c->m, pfn))
		check_fail(c->r, "pfn %#llx: owned frame lies inside the kernel image", P(pfn));
	return 0;
}

/*
 * An extent of @n frames (one owner and origin) that check_frame() would
 * find right frame by frame, asked of the whole range at once: every frame
 * mapped (vmemmap), one present section, all memory, one zone, no free block
 * overlapping, no huge page, not the kernel image.  Any doubt: false, and
 * the frames are asked one by one, for the same lines in the same order.
 */
static bool frame_run_clean(struct owner_ctx *c, pfn_t pfn, uint64_t e, uint64_t n)
{
	enum frame_owner o = (enum frame_owner)(e & FRAME_OWNER_MASK);
	enum frame_origin origin =
		(enum frame_origin)((e & FRAME_ORIGIN_MASK) >> FRAME_ORIGIN_SHIFT);
	const struct zone *z;

	if (o == FO_SHARED_TAIL || o == FO_SHARED_PTE || origin == ORIGIN_ALTMAP ||
	    !pfn_present(c->m, pfn) || !(z = page_zone_run(c->m, pfn, n)) ||
	    memblock_type_pages_in(&c->m->memblock.memory, pfn, pfn + n) != n)
		return false;
	if (o == FO_VMEMMAP && !seen_test_run(c->seen, pfn, n))
		return false;
	return !buddy_range_has_free(&z->buddy, pfn, pfn + n) &&
	       !folio_overlaps(c, pfn, pfn + n) && !kernel_image_overlaps(c->m, pfn, pfn + n);
}

static int check_frame_run(void *arg, pfn_t pfn, uint64_t e, uint64_t n)
{
	struct owner_ctx *c = arg;

	if (n > 1 && frame_run_clean(c, pfn, e, n)) {
		count_frames(c, e, n);
		return 0;
	}
	for (uint64_t i = 0; i < n; i++)
		check_frame(arg, pfn + i, frame_extent_entry(e, i));
	return 0;
}

static int check_free_block(void *arg, pfn_t pfn, unsigned order)
{
	struct owner_ctx *c = arg;
	uint64_t n = 1ULL << order;

	if (folio_overlaps(c, pfn, pfn + n))
		check_fail(c->r, "pfn %#llx: free block of order %u overlaps a huge page",
			   P(pfn), order);
	if (kernel_image_overlaps(c->m, pfn, pfn + n))
		check_fail(c->r, "pfn %#llx: free block overlaps the kernel image", P(pfn));
	if (memblock_type_pages_in(&c->m->memblock.memory, pfn, pfn + n) != n)
		check_fail(c->r, "pfn %#llx: free block of order %u covers a hole", P(pfn), order);
	return 0;
}

static int cmp_folio_ref(const void *a, const void *b)
{
	const struct folio_ref *x = a, *y = b;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static uint64_t folios_on_freelists(const struct hstate *h)
{
	uint64_t n = 0;

	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		n += h->freelists[nid].nr;
	return n;
}

static void collect_folios(struct machine *m, struct owner_ctx *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_hstates; i++)
		n += m->hstates[i].inuse.nr + m->hstates[i].deferred.nr +
		     folios_on_freelists(&m->hstates[i]);
	n += m->nr_leaks;
	c->folios = check_alloc(malloc(MAX(n, 1) * sizeof(*c->folios)));
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
			const struct folio_list *fl = &m->hstates[i].freelists[nid];
			for (uint64_t k = 0; k < fl->nr; k++)
				c->folios[c->nr_folios++] = (struct folio_ref){
					fl->v[k].pfn, 1ULL << m->hstates[i].order };
		}
		/* in use by a mapping, or freed and waiting for the worker */
		for (unsigned w = 0; w < 2; w++) {
			const struct folio_list *fl = w ? &m->hstates[i].deferred : &m->hstates[i].inuse;
			for (uint64_t k = 0; k < fl->nr; k++)
				c->folios[c->nr_folios++] = (struct folio_ref){
					fl->v[k].pfn, 1ULL << m->hstates[i].order };
		}
	}
	/* Leaked folios ("Bad page state") are owned by nobody, for good. */
	for (uint64_t i = 0; i < m->nr_leaks; i++)
		c->folios[c->nr_folios++] = (struct folio_ref){ m->leaks[i].pfn, m->leaks[i].nr };
	qsort(c->folios, c->nr_folios, sizeof(*c->folios), cmp_folio_ref);
}

static void check_folios_disjoint(struct owner_ctx *c)
{
	for (uint64_t i = 1; i < c->nr_folios; i++) {
		if (c->folios[i - 1].pfn + c->folios[i - 1].nr > c->folios[i].pfn)
			check_fail(c->r, "pfn %#llx: huge pages overlap", P(c->folios[i].pfn));
	}
}

static void check_ownership(struct machine *m, struct check_report *r,
			    const struct seen_map *seen)
{
	struct owner_ctx c = { .m = m, .r = r, .seen = seen };
	uint64_t present = 0, managed = global_managed_pages(m);
	uint64_t nr_free = global_free_pages(m), folio_pages = 0;

	collect_folios(m, &c);
	check_folios_disjoint(&c);
	frame_for_each_owner_run(&m->frames, check_frame_run, &c);
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &m->nodes[nid].node_zones[z];
			present += zone->present_pages;
			if (zone->initialized)
				buddy_for_each_free(&zone->buddy, check_free_block, &c);
		}
	for (uint64_t i = 0; i < c.nr_folios; i++)
		folio_pages += c.folios[i].nr;

	/*
	 * Managed pages: every present page that left memblock.  Bootmem
	 * huge pages became managed when they were gathered into the pool.
	 */
	if (present - managed != m->kernel_reserved_pages + c.nr_memblock + c.nr_altmap)
		check_fail(r, "managed pages %llu: present %llu - kernel %llu - memblock-held frames %llu - self-hosted memmap %llu = %llu",
			   P(managed), P(present), P(m->kernel_reserved_pages), P(c.nr_memblock),
			   P(c.nr_altmap),
			   P(present - m->kernel_reserved_pages - c.nr_memblock - c.nr_altmap));
	/* Allocated managed pages are all accounted for by an owner. */
	c.nr_buddy_owned += m->boot_kernel_pages; /* machine_boot_late(), frameless */
	if (managed - nr_free != c.nr_buddy_owned + folio_pages)
		check_fail(r, "leak: %llu managed pages are allocated but owners account for %llu (frames %llu + huge pages %llu)",
			   P(managed - nr_free), P(c.nr_buddy_owned + folio_pages),
			   P(c.nr_buddy_owned), P(folio_pages));
	/* Counters against the recount. */
	if (m->geo.struct_page_pow2) {
		if ((int64_t)c.nr_vmemmap[ORIGIN_MEMBLOCK] != m->stat.nr_memmap_boot_pages)
			check_fail(r, "nr_memmap_boot_pages is %lld, memblock vmemmap frames %llu",
				   (long long)m->stat.nr_memmap_boot_pages, P(c.nr_vmemmap[ORIGIN_MEMBLOCK]));
		if ((int64_t)(c.nr_vmemmap[ORIGIN_BUDDY] + c.nr_vmemmap[ORIGIN_ALTMAP]) != m->stat.nr_memmap_pages)
			check_fail(r, "nr_memmap_pages is %lld, buddy+altmap vmemmap frames %llu",
				   (long long)m->stat.nr_memmap_pages,
				   P(c.nr_vmemmap[ORIGIN_BUDDY] + c.nr_vmemmap[ORIGIN_ALTMAP]));
	}
	if (c.nr_pgtable != m->stat.vmemmap_pgtable_pages)
		check_fail(r, "vmemmap_pgtable_pages is %llu, page-table frames %llu",
			   P(m->stat.vmemmap_pgtable_pages), P(c.nr_pgtable));
	if (c.nr_shared_tail != m->stat.nr_shared_tail_pages)
		check_fail(r, "nr_shared_tail_pages is %llu, shared tail frames %llu",
			   P(m->stat.nr_shared_tail_pages), P(c.nr_shared_tail));
	free(c.folios);
}

struct table_count {
	struct machine *m;
	uint64_t n;           /* private tables reached */
	uint64_t shared_refs; /* visits of shared PTE tables (one per PMD) */
};

static int count_table(void *arg, pfn_t pfn, enum pt_level lvl)
{
	struct table_count *c = arg;

	if (lvl == PT_PTE && frame_owner(&c->m->frames, pfn) == FO_SHARED_PTE)
		c->shared_refs++;
	else
		c->n++;
	return 0;
}

/* Shared PTE tables are published even when no PMD maps them: add them. */
static void check_tables_reachable(struct machine *m, struct check_report *r)
{
	struct table_count c = { .m = m };
	uint64_t n;

	vmemmap_for_each_table(m, count_table, &c);
	n = c.n + m->stat.nr_shared_pte_tables;
	if (n != m->stat.vmemmap_pgtable_pages)
		check_fail(r, "page tables: %llu reachable from the PGD (+ %llu shared PTE tables), %llu counted (a table leaked or was freed in use)",
			   P(c.n), P(m->stat.nr_shared_pte_tables), P(m->stat.vmemmap_pgtable_pages));
	if (c.shared_refs != nr_shared_pte_pmds(m))
		check_fail(r, "shared PTE tables: %llu PMDs point at one, reference counts say %llu",
			   P(c.shared_refs), P(nr_shared_pte_pmds(m)));
}

/* ---- buddy ---- */

struct count_ctx {
	uint64_t per_order[MAX_MAX_ORDER + 1];
};

static int count_free(void *arg, pfn_t pfn, unsigned order)
{
	(void)pfn;
	((struct count_ctx *)arg)->per_order[order]++;
	return 0;
}

static void check_buddy(struct machine *m, struct check_report *r)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &m->nodes[nid].node_zones[z];
			struct count_ctx c = { { 0 } };
			uint64_t pages = 0;

			if (!zone->initialized)
				continue;
			buddy_for_each_listed(&zone->buddy, count_free, &c);
			for (unsigned o = 0; o <= zone->buddy.max_order; o++) {
				pages += c.per_order[o] << o;
				if (c.per_order[o] != zone->buddy.area[o].nr_free)
					check_fail(r, "node %u zone %s: order %u has %llu free blocks, counter says %llu",
						   nid, zone_name(zone->idx), o, P(c.per_order[o]),
						   P(zone->buddy.area[o].nr_free));
			}
			pages += zone->buddy.nr_pcp_pages;
			if (pages != zone->buddy.nr_free_pages)
				check_fail(r, "node %u zone %s: free lists hold %llu pages, nr_free_pages says %llu",
					   nid, zone_name(zone->idx), P(pages), P(zone->buddy.nr_free_pages));
			if (zone->managed_pages > zone->present_pages)
				check_fail(r, "node %u zone %s: managed %llu > present %llu", nid,
					   zone_name(zone->idx), P(zone->managed_pages), P(zone->present_pages));
		}
}

/* ---- TLB ---- */

static void check_tlb(struct machine *m, struct check_report *r)
{
	unsigned valid = 0;

	for (unsigned i = 0; i < TLB_ENTRIES; i++) {
		const struct tlb_entry te = tlb_entry(&m->mmu, i), *t = &te;
		vaddr_t va = t->vpage << m->geo.page_shift;
		struct pt_walk w;

		bool mapped = m->mmu.valid_map[i / 64] & (1ULL << (i % 64));

		if (mapped != (t->vpage != ~0ULL))
			check_fail(r, "TLB: entry %u is %s, its valid map says otherwise", i,
				   mapped ? "empty" : "valid");
		if (t->vpage == ~0ULL)
			continue;
		valid++;
		if (vmemmap_walk_va(m, va, &w))
			check_fail(r, "stale TLB: va %#llx cached but no longer mapped", P(va));
		else if (w.pfn != t->pfn || w.writable != t->writable)
			check_fail(r, "stale TLB: va %#llx cached as frame %#llx%s, page table says %#llx%s",
				   P(va), P(t->pfn), t->writable ? " rw" : " ro", P(w.pfn),
				   w.writable ? " rw" : " ro");
	}
	if (valid != m->mmu.nr_valid)
		check_fail(r, "TLB: %u valid entries, its count says %u", valid, m->mmu.nr_valid);
	if (m->mmu.nr_freed_while_cached)
		check_fail(r, "%llu vmemmap frame%s freed before the TLB was flushed; first: %s",
			   P(m->mmu.nr_freed_while_cached),
			   m->mmu.nr_freed_while_cached == 1 ? "" : "s",
			   m->mmu.first_freed_while_cached);
}

uint64_t mm_check(struct machine *m, struct check_report *r)
{
	struct leaf_ctx lc = { .m = m, .r = r };
	struct check_report *leaf_r;

	memset(r, 0, sizeof(*r));
	if (m->phase != PHASE_RUNNING) {
		check_fail(r, "machine is not booted");
		return r->nr_violations;
	}
	leaf_r = check_alloc(calloc(1, sizeof(*leaf_r)));
	seen_init(&lc.seen, &m->frames);
	lc.scratch = (struct frame_scratch){ check_alloc(malloc(m->geo.page_size)), PFN_NONE };
	lc.agreed_pfn = PFN_NONE;
	lc.agreed_zone = NULL;
	lc.owned_pfn = PFN_NONE;
	/*
	 * The leaf walk goes first, for the ranges the section check asks,
	 * into a report of its own: its lines follow that check's, as if it
	 * had run second.
	 */
	lc.r = leaf_r;
	vmemmap_for_each_leaf_run(m, check_leaf, &lc);
	lc.r = r;
	check_sections_mapped(m, r, &lc.mapped);
	check_report_append(r, leaf_r);
	free(leaf_r);
	free(lc.mapped.v);
	check_tables_reachable(m, r);
	check_buddy(m, r);
	check_cma(m, r);
	check_free_lists(m, r);
	check_ownership(m, r, &lc.seen);
	check_hugetlb(m, r, &lc.scratch);
	check_dax(m, r, &lc.scratch);
	check_shared_pte(m, r);
	check_tlb(m, r);
	seen_destroy(&lc.seen);
	free(lc.scratch.bytes);
	return r->nr_violations;
}
