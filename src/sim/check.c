/*
 * Invariant checker (see check.h).  What it proves, each in its own
 * function:
 *  - reachability: every present section's struct pages are mapped;
 *  - struct page contents: node and zone bits of every generated struct
 *    page agree with the layout (lazy frames are correct by construction);
 *  - ownership: vmemmap frames, page-table frames, huge pages, free blocks
 *    and the kernel image are pairwise disjoint, and together with the
 *    frames still reserved since boot they add up to exactly the present
 *    memory, so nothing is leaked or owned twice;
 *  - the buddy allocator's free lists agree with its counters;
 *  - counters equal a recount (vmemmap pages by origin, page tables,
 *    managed pages);
 *  - huge pages: every pool folio is marked hugetlb (so an optimized
 *    vmemmap implies the hugetlb flag, d8f5f7e445f0), maps its tails
 *    read-only onto the right page, and compound_head() of each of its
 *    struct pages is its head;
 *  - the TLB holds no translation the page table no longer has, and no
 *    vmemmap frame was ever freed while the TLB still mapped it;
 *  - hvo_share_pte: every shared PTE table maps only its zone's shared
 *    tail, read-only, and the PMDs pointing at it are exactly the tails-only
 *    PMDs of the optimized folios of its zone and order, as many as its
 *    reference count says.
 */
#include <stdarg.h>
#include <string.h>

#include "sim/check.h"
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

void check_report_print(const struct check_report *r, FILE *out)
{
	for (unsigned i = 0; i < r->nr_lines; i++)
		fprintf(out, "  %s\n", r->lines[i]);
	if (r->nr_violations > r->nr_lines)
		fprintf(out, "  ... and %llu more\n",
			(unsigned long long)(r->nr_violations - r->nr_lines));
}

#define P(x) ((unsigned long long)(x))

/* ---- reachability ---- */

static void check_sections_mapped(struct machine *m, struct check_report *r)
{
	const struct geometry *g = &m->geo;

	for (uint64_t s = 0; s < m->nr_sections; s++) {
		const struct mem_section *ms = &m->mem_section[s];
		vaddr_t start, end;
		struct pt_walk w;

		if (!(ms->flags & SECTION_MARKED_PRESENT))
			continue;
		if (!(ms->flags & SECTION_HAS_MEM_MAP)) {
			check_fail(r, "section %llu: present but has no memmap", P(s));
			continue;
		}
		start = pfn_to_page_va(g, section_nr_to_pfn(g, s));
		end = start + g->pages_per_section * g->struct_page_size;
		for (vaddr_t va = ALIGN_DOWN(start, g->page_size); va < end;
		     va += g->page_size) {
			if (vmemmap_walk_va(m, va, &w)) {
				check_fail(r, "pfn %#llx: struct page at va %#llx is not mapped",
					   P(page_va_to_pfn(g, MAX(va, start))), P(va));
				break;
			}
			if (w.leaf == PT_PMD) /* skip the rest of the block */
				va = ALIGN_DOWN(va, 1ULL << g->pmd_shift) +
				     (1ULL << g->pmd_shift) - g->page_size;
		}
	}
}

/* ---- leaves: what every mapping points at ---- */

/* Frames reached from the page table, one bit per frame-store slot. */
struct seen_map {
	const struct frame_store *fs;
	uint64_t **bits;
};

static void seen_init(struct seen_map *sm, const struct frame_store *fs)
{
	sm->fs = fs;
	sm->bits = calloc(fs->nr_dirs, sizeof(*sm->bits));
	if (!sm->bits) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
}

static void seen_destroy(struct seen_map *sm)
{
	for (uint64_t d = 0; d < sm->fs->nr_dirs; d++)
		free(sm->bits[d]);
	free(sm->bits);
}

static void seen_mark(struct seen_map *sm, pfn_t pfn)
{
	uint64_t d = pfn >> sm->fs->pfn_shift_per_dir;
	uint64_t i = pfn & ((1ULL << sm->fs->pfn_shift_per_dir) - 1);

	if (d >= sm->fs->nr_dirs)
		return;
	if (!sm->bits[d]) {
		sm->bits[d] = calloc(DIV_ROUND_UP(1ULL << sm->fs->pfn_shift_per_dir, 64), 8);
		if (!sm->bits[d]) {
			fprintf(stderr, "hvo: host out of memory\n");
			abort();
		}
	}
	sm->bits[d][i >> 6] |= 1ULL << (i & 63);
}

static bool seen_test(const struct seen_map *sm, pfn_t pfn)
{
	uint64_t d = pfn >> sm->fs->pfn_shift_per_dir;
	uint64_t i = pfn & ((1ULL << sm->fs->pfn_shift_per_dir) - 1);

	return d < sm->fs->nr_dirs && sm->bits[d] &&
	       (sm->bits[d][i >> 6] & (1ULL << (i & 63)));
}

struct leaf_ctx {
	struct machine *m;
	struct check_report *r;
	struct seen_map seen; /* frames some leaf maps */
	uint8_t *scratch;     /* one page, for pattern frames */
};

/*
 * The bytes of frame @pfn to inspect: its own, or its pattern repeated in
 * @scratch.  NULL for a lazy frame (right by construction) or none.
 */
static const uint8_t *frame_view(struct machine *m, pfn_t pfn, uint8_t *scratch)
{
	const uint8_t *b = frame_bytes(&m->frames, pfn);

	if (b)
		return b;
	if (!frame_pattern(&m->frames, pfn))
		return NULL;
	frame_read(m, pfn, 0, scratch, m->geo.page_size);
	return scratch;
}

/* Check the struct pages of one vmemmap page mapped at @va by frame @pfn. */
static void check_vmemmap_page(struct leaf_ctx *c, vaddr_t va, pfn_t pfn)
{
	struct machine *m = c->m;
	const struct geometry *g = &m->geo;
	enum frame_owner o = frame_owner(&m->frames, pfn);
	const uint8_t *bytes;

	if (o != FO_VMEMMAP && o != FO_SHARED_TAIL) {
		check_fail(c->r, "va %#llx: maps frame %#llx, which is %s",
			   P(va), P(pfn), o == FO_NONE ? "not owned (free or foreign)" : "a page table");
		return;
	}
	seen_mark(&c->seen, pfn);
	bytes = frame_view(m, pfn, c->scratch);
	if (!bytes || !g->struct_page_pow2)
		return; /* lazy: generated from the layout when touched */
	for (unsigned i = 0; i < g->spp; i++) {
		pfn_t p = page_va_to_pfn(g, va) + i;
		struct page_struct ps;
		struct zone *z;

		if (!pfn_present(m, p))
			continue;
		z = page_zone(m, p);
		page_struct_decode(g, bytes + i * g->struct_page_size, &ps);
		c->r->nr_struct_pages_checked++;
		if (z && (flags_nid(ps.flags) != z->nid || flags_zone(ps.flags) != z->idx)) {
			check_fail(c->r, "pfn %#llx: struct page says node %d zone %s, layout says node %d zone %s",
				   P(p), flags_nid(ps.flags), zone_name(flags_zone(ps.flags)),
				   z->nid, zone_name(z->idx));
		}
	}
}

static int check_leaf(void *arg, vaddr_t va, enum pt_level lvl, uint64_t e)
{
	struct leaf_ctx *c = arg;
	const struct geometry *g = &c->m->geo;

	if (lvl == PT_PMD) {
		for (uint64_t i = 0; i < g->ptrs_per_table; i++)
			check_vmemmap_page(c, va + (i << g->page_shift), entry_pfn(e) + i);
	} else {
		check_vmemmap_page(c, va, entry_pfn(e));
	}
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

static bool in_kernel_image(const struct machine *m, pfn_t pfn)
{
	pfn_t base = (16 * SZ_1M) >> m->geo.page_shift;
	return pfn >= base && pfn < base + m->kernel_reserved_pages;
}

static struct zone *free_block_zone(struct machine *m, pfn_t pfn, pfn_t *blk,
				    int *order)
{
	struct zone *z = page_zone(m, pfn);

	*order = z ? buddy_free_order(&z->buddy, pfn, blk) : -1;
	return z;
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
	switch (o) {
	case FO_VMEMMAP:
		c->nr_vmemmap[origin]++;
		break;
	case FO_PGTABLE:
	case FO_SHARED_PTE: /* counted once, however many PMDs map it */
		c->nr_pgtable++;
		break;
	case FO_SHARED_TAIL:
		c->nr_shared_tail++;
		break;
	default:
		break;
	}
	if (origin == ORIGIN_MEMBLOCK)
		c->nr_memblock++;
	else if (origin == ORIGIN_BUDDY)
		c->nr_buddy_owned++;
	if (origin == ORIGIN_ALTMAP) { /* lives in unmanaged hot-added memory */
		if (pfn_present(c->m, pfn))
			c->nr_altmap++;
		return 0;
	}
	if (!pfn_present(c->m, pfn))
		check_fail(c->r, "pfn %#llx: owned frame is not present memory", P(pfn));
	free_block_zone(c->m, pfn, &blk, &order);
	if (order >= 0)
		check_fail(c->r, "pfn %#llx: owned frame is also free (block %#llx order %d)",
			   P(pfn), P(blk), order);
	if (folio_lookup(c, pfn) >= 0)
		check_fail(c->r, "pfn %#llx: owned frame lies inside a huge page", P(pfn));
	if (in_kernel_image(c->m, pfn))
		check_fail(c->r, "pfn %#llx: owned frame lies inside the kernel image", P(pfn));
	return 0;
}

static int check_free_block(void *arg, pfn_t pfn, unsigned order)
{
	struct owner_ctx *c = arg;
	uint64_t n = 1ULL << order;

	if (folio_overlaps(c, pfn, pfn + n))
		check_fail(c->r, "pfn %#llx: free block of order %u overlaps a huge page",
			   P(pfn), order);
	if (in_kernel_image(c->m, pfn) || in_kernel_image(c->m, pfn + n - 1))
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

static void collect_folios(struct machine *m, struct owner_ctx *c)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < m->nr_hstates; i++)
		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
			n += m->hstates[i].freelists[nid].nr;
	n += m->nr_leaks;
	c->folios = malloc(MAX(n, 1) * sizeof(*c->folios));
	if (!c->folios) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
			const struct folio_list *fl = &m->hstates[i].freelists[nid];
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
	frame_for_each(&m->frames, check_frame, &c);
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
			buddy_for_each_free(&zone->buddy, count_free, &c);
			for (unsigned o = 0; o <= zone->buddy.max_order; o++) {
				pages += c.per_order[o] << o;
				if (c.per_order[o] != zone->buddy.area[o].nr_free)
					check_fail(r, "node %u zone %s: order %u has %llu free blocks, counter says %llu",
						   nid, zone_name(zone->idx), o, P(c.per_order[o]),
						   P(zone->buddy.area[o].nr_free));
			}
			if (pages != zone->buddy.nr_free_pages)
				check_fail(r, "node %u zone %s: free lists hold %llu pages, nr_free_pages says %llu",
					   nid, zone_name(zone->idx), P(pages), P(zone->buddy.nr_free_pages));
			if (zone->managed_pages > zone->present_pages)
				check_fail(r, "node %u zone %s: managed %llu > present %llu", nid,
					   zone_name(zone->idx), P(zone->managed_pages), P(zone->present_pages));
		}
}

/* ---- huge pages: mappings and compound_head() of every struct page ---- */

/*
 * compound_head() of the struct page at @va whose bytes are @sp (and, for a
 * possible fake head, @next: the following struct page), without touching
 * the MMU or TLB.
 */
static vaddr_t head_from_bytes(struct machine *m, vaddr_t va, const uint8_t *sp,
			       const uint8_t *next)
{
	struct struct_page_ctx c = struct_page_ctx_of(m);
	struct page_struct ps, nx;

	page_struct_decode(&m->geo, sp, &ps);
	if (next)
		page_struct_decode(&m->geo, next, &nx);
	return compound_head_decode(&c, va, ps.flags, ps.compound_info,
				    next ? &nx.compound_info : NULL, NULL);
}

static void check_folio(struct machine *m, struct check_report *r,
			const struct hstate *h, pfn_t pfn, uint8_t *scratch)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart = pfn_to_page_va(g, pfn);
	vaddr_t vend = vstart + vmemmap_bytes_for_order(g, h->order);
	struct zone *z = page_zone(m, pfn);
	struct pt_walk w;
	const uint8_t *hb;
	struct page_struct head;
	bool optimized;
	pfn_t head_frame, tail_frame = PFN_NONE;

	if (vmemmap_walk_va(m, vstart, &w) || !(hb = frame_view(m, w.pfn, scratch))) {
		check_fail(r, "pfn %#llx: huge page head struct page is unmapped or was never written",
			   P(pfn));
		return;
	}
	head_frame = w.pfn;
	page_struct_decode(g, hb + (vstart & (g->page_size - 1)), &head);
	optimized = head.private_ & (1ULL << HPG_vmemmap_optimized);
	if (!test_flag(head.flags, PG_head))
		check_fail(r, "pfn %#llx: huge page head lacks PG_head", P(pfn));
	/* d8f5f7e445f0: a folio whose vmemmap is optimized is a hugetlb folio */
	if (head.mapcount != PAGE_TYPE_HUGETLB)
		check_fail(r, "pfn %#llx: pool folio is not marked hugetlb (page type %#x)%s",
			   P(pfn), (unsigned)head.mapcount,
			   optimized ? ", yet its vmemmap is optimized" : "");
	if (optimized && !w.writable)
		check_fail(r, "pfn %#llx: optimized head vmemmap page is read-only", P(pfn));
	if (optimized) {
		if (gen_has(m, GEN_FAKE_HEADS))
			tail_frame = head_frame;
		else if (z)
			tail_frame = atomic_load(&z->vmemmap_tails[h->order - vmemmap_tail_min_order(g)]);
	}
	if (!g->struct_page_pow2)
		return;
	for (vaddr_t va = vstart; va < vend; va += g->page_size) {
		const uint8_t *bytes;

		if (vmemmap_walk_va(m, va, &w)) {
			check_fail(r, "pfn %#llx: vmemmap of the huge page unmapped at va %#llx", P(pfn), P(va));
			return;
		}
		if (va != vstart && optimized) {
			if (w.pfn != tail_frame || w.writable || w.leaf != PT_PTE)
				check_fail(r, "pfn %#llx: optimized tail at va %#llx maps frame %#llx %s, expected frame %#llx read-only",
					   P(pfn), P(va), P(w.pfn), w.writable ? "read-write" : "read-only",
					   P(tail_frame));
		} else if (va != vstart && frame_owner(&m->frames, w.pfn) != FO_VMEMMAP) {
			check_fail(r, "pfn %#llx: unoptimized huge page maps frame %#llx at va %#llx, which is not its own vmemmap page",
				   P(pfn), P(w.pfn), P(va));
		}
		bytes = frame_view(m, w.pfn, scratch);
		if (!bytes) {
			check_fail(r, "pfn %#llx: struct pages at va %#llx were never written", P(pfn), P(va));
			continue;
		}
		for (unsigned i = 0; i < g->spp; i++) {
			const uint8_t *sp = bytes + i * g->struct_page_size;
			vaddr_t pva = va + i * g->struct_page_size;
			vaddr_t ch = head_from_bytes(m, pva, sp, i + 1 < g->spp ? sp + g->struct_page_size : NULL);
			struct page_struct ps;

			r->nr_struct_pages_checked++;
			if (ch != vstart) {
				check_fail(r, "pfn %#llx: compound_head() is %#llx, not its head %#llx (pfn %#llx)",
					   P(page_va_to_pfn(g, pva)), P(ch), P(vstart), P(pfn));
				return;
			}
			page_struct_decode(g, sp, &ps);
			if (pva != vstart && i == 0 && test_flag(ps.flags, PG_head) &&
			    !gen_has(m, GEN_FAKE_HEADS))
				check_fail(r, "pfn %#llx: fake head (PG_head at a vmemmap page start) in the %s design",
					   P(page_va_to_pfn(g, pva)), m->gen->design);
			if (z && pva != vstart &&
			    (flags_zone(ps.flags) != z->idx || flags_nid(ps.flags) != z->nid)) {
				struct zone *pz = page_zone(m, page_va_to_pfn(g, pva));
				if (pz && (flags_zone(ps.flags) != pz->idx || flags_nid(ps.flags) != pz->nid))
					check_fail(r, "pfn %#llx: tail struct page says zone %s node %d, it is in zone %s node %d",
						   P(page_va_to_pfn(g, pva)), zone_name(flags_zone(ps.flags)),
						   flags_nid(ps.flags), zone_name(pz->idx), pz->nid);
			}
		}
	}
}

static void check_hugetlb(struct machine *m, struct check_report *r, uint8_t *scratch)
{
	uint64_t optimized_folios = 0;

	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		uint64_t nr = 0, nr_opt = 0;

		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
			const struct folio_list *fl = &h->freelists[nid];
			if (fl->nr != h->nr_huge_pages_node[nid] && nid < m->nr_nodes)
				check_fail(r, "hugepages-%llukB node %u: %llu folios listed, nr_hugepages says %llu",
					   P((m->geo.page_size << h->order) >> 10), nid, P(fl->nr),
					   P(h->nr_huge_pages_node[nid]));
			for (uint64_t k = 0; k < fl->nr; k++) {
				check_folio(m, r, h, fl->v[k].pfn, scratch);
				nr_opt += folio_vmemmap_optimized(m, fl->v[k].pfn);
			}
			nr += fl->nr;
		}
		if (nr != h->nr_huge_pages || h->free_huge_pages != nr)
			check_fail(r, "hugepages-%llukB: %llu folios, nr %llu, free %llu",
				   P((m->geo.page_size << h->order) >> 10), P(nr),
				   P(h->nr_huge_pages), P(h->free_huge_pages));
		if (nr_opt != h->nr_optimized)
			check_fail(r, "hugepages-%llukB: %llu folios flagged optimized, counter says %llu",
				   P((m->geo.page_size << h->order) >> 10), P(nr_opt), P(h->nr_optimized));
		if (h->surplus_huge_pages > h->nr_huge_pages)
			check_fail(r, "hugepages-%llukB: surplus %llu exceeds nr_hugepages %llu",
				   P((m->geo.page_size << h->order) >> 10),
				   P(h->surplus_huge_pages), P(h->nr_huge_pages));
		optimized_folios += nr_opt;
	}
	if (gen_has(m, GEN_STATIC_KEY) &&
	    m->hugetlb_optimize_vmemmap_key != (int64_t)optimized_folios)
		check_fail(r, "static key hugetlb_optimize_vmemmap_key is %lld, %llu folios are optimized",
			   (long long)m->hugetlb_optimize_vmemmap_key, P(optimized_folios));
}

/* ---- device DAX: compound_head() of every struct page ---- */

/*
 * Every struct page of every compound page of every device resolves to its
 * head.  A vmemmap page whose slots are all alike (a pattern frame, a
 * shared tail) needs its first and last slot checked only.
 */
static void check_dax(struct machine *m, struct check_report *r, uint8_t *scratch)
{
	const struct geometry *g = &m->geo;

	if (!g->struct_page_pow2)
		return;
	for (unsigned i = 0; i < m->nr_dax; i++) {
		const struct dax_dev *d = &m->dax[i];
		uint64_t compound = 1ULL << d->order;

		if (!d->order)
			continue;
		for (pfn_t p = d->start; p < d->start + d->nr; p += compound) {
			vaddr_t head = pfn_to_page_va(g, p);
			vaddr_t end = pfn_to_page_va(g, p + compound);

			for (vaddr_t va = ALIGN_DOWN(head, g->page_size); va < end; va += g->page_size) {
				struct pt_walk w;
				const uint8_t *bytes;
				bool alike;

				if (vmemmap_walk_va(m, va, &w)) {
					check_fail(r, "pfn %#llx: %s struct pages at va %#llx are unmapped",
						   P(page_va_to_pfn(g, va)), d->name, P(va));
					return;
				}
				/* lazy boot frames too: what memmap_init left there */
				bytes = frame_bytes(&m->frames, w.pfn);
				if (!bytes && !frame_read(m, w.pfn, 0, scratch, g->page_size))
					bytes = scratch;
				if (!bytes) {
					check_fail(r, "pfn %#llx: %s struct pages at va %#llx hold nothing",
						   P(page_va_to_pfn(g, va)), d->name, P(va));
					return;
				}
				alike = frame_pattern(&m->frames, w.pfn) ||
					frame_owner(&m->frames, w.pfn) == FO_SHARED_TAIL;
				for (unsigned k = 0; k < g->spp; k++) {
					vaddr_t pva = va + k * g->struct_page_size;
					const uint8_t *sp = bytes + k * g->struct_page_size;
					vaddr_t ch;

					if (alike && k && k != g->spp - 1)
						continue;
					r->nr_struct_pages_checked++;
					ch = head_from_bytes(m, pva, sp, k + 1 < g->spp ? sp + g->struct_page_size : NULL);
					if (ch != head) {
						check_fail(r, "pfn %#llx: %s compound_head() is %#llx, not its head %#llx (uninitialized struct page?)",
							   P(page_va_to_pfn(g, pva)), d->name, P(ch), P(head));
						goto next_device;
					}
				}
			}
		}
next_device:;
	}
}

/* ---- hvo_share_pte: shared PTE tables ---- */

struct shared_pte_tally {
	pfn_t table;
	struct zone *zone;
	unsigned order;
	uint64_t walk_refs;  /* PMDs reached from the PGD that point at it */
	uint64_t folio_refs; /* PMDs of optimized folios of its zone and order */
};

struct shared_pte_ctx {
	struct machine *m;
	struct check_report *r;
	struct shared_pte_tally *v;
	unsigned nr;
};

static struct shared_pte_tally *tally_find(struct shared_pte_ctx *c, pfn_t table)
{
	for (unsigned i = 0; i < c->nr; i++)
		if (c->v[i].table == table)
			return &c->v[i];
	return NULL;
}

/* A published table is FO_SHARED_PTE and maps its zone's shared tail, RO. */
static void check_shared_pte_table(struct shared_pte_ctx *c, struct zone *z,
				   unsigned idx, pfn_t table)
{
	struct machine *m = c->m;
	const uint64_t *pte = (const uint64_t *)frame_bytes(&m->frames, table);
	pfn_t tail = atomic_load(&z->vmemmap_tails[idx]);
	unsigned order = idx + vmemmap_tail_min_order(&m->geo);

	c->v[c->nr++] = (struct shared_pte_tally){ table, z, order, 0, 0 };
	if (frame_owner(&m->frames, table) != FO_SHARED_PTE || !pte) {
		check_fail(c->r, "node %d zone %s order %u: shared PTE table %#llx is not an owned page table",
			   z->nid, zone_name(z->idx), order, P(table));
		return;
	}
	for (uint64_t i = 0; i < m->geo.ptrs_per_table; i++) {
		if (!tail || pte[i] != mk_pte(tail, false)) {
			check_fail(c->r, "node %d zone %s order %u: shared PTE table %#llx entry %llu is %#llx, not the shared tail %#llx read-only",
				   z->nid, zone_name(z->idx), order, P(table), P(i), P(pte[i]), P(tail));
			return;
		}
	}
}

static int tally_walk_ref(void *arg, pfn_t pfn, enum pt_level lvl)
{
	struct shared_pte_ctx *c = arg;
	struct shared_pte_tally *t;

	if (lvl != PT_PTE || frame_owner(&c->m->frames, pfn) != FO_SHARED_PTE)
		return 0;
	t = tally_find(c, pfn);
	if (t)
		t->walk_refs++;
	else
		check_fail(c->r, "a PMD points at shared PTE table %#llx, which no zone published", P(pfn));
	return 0;
}

/*
 * The tails-only PMDs of an optimized folio of a sharing order point at
 * the shared table of its zone and order; an unoptimized folio's at none.
 */
static void tally_folio_refs(struct shared_pte_ctx *c, const struct hstate *h, pfn_t pfn)
{
	struct machine *m = c->m;
	const struct geometry *g = &m->geo;
	uint64_t pmd_size = 1ULL << g->pmd_shift;
	vaddr_t vstart = pfn_to_page_va(g, pfn);
	vaddr_t vend = vstart + vmemmap_bytes_for_order(g, h->order);
	struct zone *z = page_zone(m, pfn);
	bool optimized = folio_vmemmap_optimized(m, pfn);
	pfn_t want = z ? atomic_load(&z->vmemmap_pte_tables[h->order - vmemmap_tail_min_order(g)]) : 0;

	for (vaddr_t va = vstart; va < vend; va += pmd_size) {
		struct pt_walk w;
		bool shared;
		struct shared_pte_tally *t;

		if (vmemmap_walk_va(m, va, &w))
			continue; /* check_folio reports it */
		shared = pmd_shared_pte(m, *w.pmd);
		if (!optimized || va == vstart) {
			if (shared)
				check_fail(c->r, "pfn %#llx: %s PMD at va %#llx maps a shared PTE table",
					   P(pfn), va == vstart ? "the head's" : "an unoptimized folio's", P(va));
			continue;
		}
		if (!shared || entry_pfn(*w.pmd) != want) {
			check_fail(c->r, "pfn %#llx: optimized folio's PMD at va %#llx maps %s %#llx, not its zone's shared PTE table %#llx",
				   P(pfn), P(va), shared ? "shared table" : "private table",
				   P(entry_pfn(*w.pmd)), P(want));
			continue;
		}
		t = tally_find(c, want);
		if (t)
			t->folio_refs++;
	}
}

static void check_shared_pte(struct machine *m, struct check_report *r)
{
	struct shared_pte_ctx c = { .m = m, .r = r };

	if (!m->vmemmap_share_pte && !m->stat.nr_shared_pte_tables)
		return;
	c.v = calloc((size_t)m->nr_nodes * MAX_NR_ZONES * NR_VMEMMAP_TAILS_MAX, sizeof(*c.v));
	if (!c.v) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &m->nodes[nid].node_zones[zi];
			for (unsigned i = 0; i < NR_VMEMMAP_TAILS_MAX; i++) {
				pfn_t t = atomic_load(&z->vmemmap_pte_tables[i]);
				if (t)
					check_shared_pte_table(&c, z, i, t);
				else if (atomic_load(&z->vmemmap_pte_refs[i]))
					check_fail(r, "node %u zone %s: %llu PMDs counted on an unpublished shared PTE table",
						   nid, zone_name(z->idx), P(atomic_load(&z->vmemmap_pte_refs[i])));
			}
		}
	if (c.nr != m->stat.nr_shared_pte_tables)
		check_fail(r, "nr_shared_pte_tables is %llu, %u published",
			   P(m->stat.nr_shared_pte_tables), c.nr);
	vmemmap_for_each_table(m, tally_walk_ref, &c);
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		if (!vmemmap_share_pte_order(m, h->order))
			continue;
		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
			for (uint64_t k = 0; k < h->freelists[nid].nr; k++)
				tally_folio_refs(&c, h, h->freelists[nid].v[k].pfn);
	}
	for (unsigned i = 0; i < c.nr; i++) {
		const struct shared_pte_tally *t = &c.v[i];
		uint64_t refs = *shared_pte_refcount(m, t->table);
		if (t->walk_refs != refs || t->folio_refs != refs)
			check_fail(r, "node %d zone %s order %u: shared PTE table %#llx has %llu references, %llu PMDs point at it, %llu of them in optimized folios of that zone and order",
				   t->zone->nid, zone_name(t->zone->idx), t->order, P(t->table),
				   P(refs), P(t->walk_refs), P(t->folio_refs));
	}
	free(c.v);
}

/* ---- TLB ---- */

static void check_tlb(struct machine *m, struct check_report *r)
{
	unsigned valid = 0;

	for (unsigned i = 0; i < TLB_ENTRIES; i++) {
		const struct tlb_entry *t = &m->mmu.tlb[i];
		vaddr_t va = t->vpage << m->geo.page_shift;
		struct pt_walk w;

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

	memset(r, 0, sizeof(*r));
	if (m->phase != PHASE_RUNNING) {
		check_fail(r, "machine is not booted");
		return r->nr_violations;
	}
	seen_init(&lc.seen, &m->frames);
	lc.scratch = malloc(m->geo.page_size);
	if (!lc.scratch) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	check_sections_mapped(m, r);
	vmemmap_for_each_leaf(m, check_leaf, &lc);
	check_tables_reachable(m, r);
	check_buddy(m, r);
	check_ownership(m, r, &lc.seen);
	check_hugetlb(m, r, lc.scratch);
	check_dax(m, r, lc.scratch);
	check_shared_pte(m, r);
	check_tlb(m, r);
	seen_destroy(&lc.seen);
	free(lc.scratch);
	return r->nr_violations;
}
