/*
 * HugeTLB Vmemmap Optimization (see hugetlb_vmemmap.h for the designs).
 *
 * Addresses: vstart is the VA of the folio's head struct page, vend the end
 * of its struct pages; the vmemmap page at vstart holds the head and the
 * first SPP-1 tails (incl. the folio fields in pages 1..3) and is never
 * shared.  All other vmemmap pages of the folio hold plain tails only.
 *
 * A walk visits the PMDs of [start, end), splitting PMD leaves into PTE
 * tables, and calls its PTE callback for every PTE of the range.  Pages
 * that the walk unmaps go on a list and are freed only after the TLB has
 * been flushed, so no CPU can still reach them.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "arch/pgtable.h"
#include "mm/vmemmap_share_pte.h"

/* ---- lists of vmemmap pages ---- */

void vmemmap_list_init(struct vmemmap_list *l)
{
	memset(l, 0, sizeof(*l));
}

void vmemmap_list_destroy(struct vmemmap_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void vmemmap_list_insert_run(struct vmemmap_list *l, uint64_t at,
				    pfn_t start, uint64_t nr)
{
	if (l->nr_runs == l->cap) {
		uint64_t cap = l->cap ? l->cap * 2 : 16;
		struct pfn_run *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "hvo: host out of memory\n");
			abort();
		}
		l->v = v;
		l->cap = cap;
	}
	memmove(&l->v[at + 1], &l->v[at], (l->nr_runs - at) * sizeof(*l->v));
	l->v[at].start = start;
	l->v[at].nr = nr;
	l->nr_runs++;
}

/* Add @nr pages from @pfn at the end of the list. */
static void vmemmap_list_add_run(struct vmemmap_list *l, pfn_t pfn, uint64_t nr)
{
	struct pfn_run *last = l->nr_runs ? &l->v[l->nr_runs - 1] : NULL;

	if (last && last->start + last->nr == pfn)
		last->nr += nr;
	else
		vmemmap_list_insert_run(l, l->nr_runs, pfn, nr);
	l->nr += nr;
}

void vmemmap_list_add(struct vmemmap_list *l, pfn_t pfn)
{
	vmemmap_list_add_run(l, pfn, 1);
}

/* Take @pfn off the list (the latest runs first); false if it is not on it. */
static bool vmemmap_list_del(struct vmemmap_list *l, pfn_t pfn)
{
	for (uint64_t i = l->nr_runs; i-- > 0;) {
		struct pfn_run *r = &l->v[i];

		if (pfn < r->start || pfn >= r->start + r->nr)
			continue;
		if (r->nr == 1) {
			memmove(r, r + 1, (l->nr_runs - i - 1) * sizeof(*r));
			l->nr_runs--;
		} else if (pfn == r->start) {
			r->start++, r->nr--;
		} else if (pfn == r->start + r->nr - 1) {
			r->nr--;
		} else {
			uint64_t head = pfn - r->start;
			pfn_t rest = pfn + 1;
			uint64_t rest_nr = r->nr - head - 1;
			r->nr = head;
			vmemmap_list_insert_run(l, i + 1, rest, rest_nr);
		}
		l->nr--;
		return true;
	}
	return false;
}

pfn_t vmemmap_list_pop(struct vmemmap_list *l)
{
	struct pfn_run *last;

	if (!l->nr)
		return PFN_NONE;
	last = &l->v[l->nr_runs - 1];
	l->nr--;
	if (!--last->nr) {
		l->nr_runs--;
		return last->start;
	}
	return last->start + last->nr;
}

/*
 * free_vmemmap_page(): each page goes back by its origin, with its counter.
 * The list is freed in order; consecutive pfns of one origin (a boot
 * memmap's 2 MiB blocks, mostly) go back to the allocator as one run.
 */
static void free_vmemmap_run(struct machine *m, pfn_t pfn, uint64_t nr,
			     enum frame_origin origin)
{
	if (origin == ORIGIN_MEMBLOCK)
		free_reserved_frames(m, pfn, nr);
	else
		free_frames_run(m, pfn, nr);
}

void free_vmemmap_page_list(struct machine *m, struct vmemmap_list *l)
{
	tlb_check_before_free(m, l->v, l->nr_runs);
	for (uint64_t r = 0; r < l->nr_runs; r++) {
		pfn_t pfn = l->v[r].start;
		uint64_t left = l->v[r].nr;

		/* a run of pfns may still mix origins: free it by origin */
		while (left) {
			enum frame_origin origin;
			uint64_t n = frame_release_run(&m->frames, pfn, left, FO_VMEMMAP, &origin);

			BUG_ON(!n || (origin != ORIGIN_MEMBLOCK && origin != ORIGIN_BUDDY));
			m->stat.nr_vmemmap_free_pages += n;
			if (origin == ORIGIN_MEMBLOCK)
				m->stat.nr_memmap_boot_pages -= (int64_t)n;
			else
				m->stat.nr_memmap_pages -= (int64_t)n;
			free_vmemmap_run(m, pfn, n, origin);
			pfn += n;
			left -= n;
		}
	}
	l->nr = l->nr_runs = 0;
}

/* One new vmemmap page from the buddy allocator, counted. */
static pfn_t alloc_vmemmap_page(struct machine *m, enum alloc_site site,
				int nid)
{
	struct alloc_request req = kernel_page_request(site, nid);
	pfn_t pfn;

	req.this_node = kernel_vmemmap_thisnode(m); /* __GFP_THISNODE before v6.6 */
	pfn = alloc_frames(m, &req);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	if (frame_claim(&m->frames, pfn, FO_VMEMMAP, ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	m->stat.nr_memmap_pages++;
	m->stat.nr_vmemmap_alloc_pages++;
	return pfn;
}

/* alloc_vmemmap_page_list(): all @n or nothing (no accounting on failure). */
static int alloc_vmemmap_page_list(struct machine *m, uint64_t n, int nid,
				   struct vmemmap_list *l)
{
	for (uint64_t i = 0; i < n; i++) {
		pfn_t p = alloc_vmemmap_page(m, SITE_VMEMMAP_RESTORE, nid);
		if (p == PFN_NONE) {
			free_vmemmap_page_list(m, l);
			m->stat.nr_vmemmap_alloc_pages -= i;
			m->stat.nr_vmemmap_free_pages -= i;
			return -ENOMEM;
		}
		vmemmap_list_add(l, p);
	}
	return 0;
}

/* ---- constants ---- */

unsigned vmemmap_tail_min_order(const struct geometry *g)
{
	return ilog2_u64(2ULL * g->spp);
}

unsigned max_folio_order(const struct geometry *g)
{
	return 34 - g->page_shift; /* ilog2(16 GiB) - PAGE_SHIFT */
}

uint64_t hugetlb_vmemmap_optimizable_size(const struct machine *m,
					  unsigned order)
{
	uint64_t bytes = vmemmap_bytes_for_order(&m->geo, order);

	if (!m->geo.struct_page_pow2 || bytes <= m->geo.page_size)
		return 0;
	if (m->design != DESIGN_LEGACY &&
	    (order < vmemmap_tail_min_order(&m->geo) || order > max_folio_order(&m->geo)))
		return 0;
	return bytes - m->geo.page_size;
}

/* ---- folio flag ---- */

bool folio_vmemmap_optimized(struct machine *m, pfn_t pfn)
{
	uint64_t priv = 0;

	if (page_read_u64(m, pfn_to_page_va(&m->geo, pfn), PAGE_OFF_PRIVATE, &priv))
		return false;
	return priv & (1ULL << HPG_vmemmap_optimized);
}

void folio_set_vmemmap_optimized(struct machine *m, pfn_t pfn, bool on)
{
	vaddr_t head = pfn_to_page_va(&m->geo, pfn);
	uint64_t priv = 0;

	BUG_ON(page_read_u64(m, head, PAGE_OFF_PRIVATE, &priv));
	if (on)
		priv |= 1ULL << HPG_vmemmap_optimized;
	else
		priv &= ~(1ULL << HPG_vmemmap_optimized);
	BUG_ON(page_write_u64(m, head, PAGE_OFF_PRIVATE, priv));
}

/* ---- the walk ---- */

struct vmemmap_walk {
	int (*remap_pte)(struct machine *m, uint64_t *pte, vaddr_t addr,
			 struct vmemmap_walk *w);
	/*
	 * Optional: remap_pte() for the @n PTEs of one table from @pte, which
	 * cannot fail; the walk uses it instead of remap_pte() when set.
	 */
	void (*remap_ptes)(struct machine *m, uint64_t *pte, vaddr_t addr,
			   uint64_t n, struct vmemmap_walk *w);
	uint64_t nr_walked;
	/* legacy */
	pfn_t reuse_page;
	vaddr_t reuse_addr;
	/* restore: the struct page every restored tail page repeats */
	bool restore_checked;
	pfn_t restore_src;         /* the page the check was made on */
	pfn_t restore_pattern;     /* a page already made of it, or PFN_NONE */
	/* shared-tail, generic */
	pfn_t vmemmap_head, vmemmap_tail;
	struct vmemmap_list *vmemmap_pages;
	unsigned flags;
	int nid;
};

/* The PMD entry that covers @va; the vmemmap of a folio is always populated. */
static uint64_t *vmemmap_pmd(struct machine *m, vaddr_t va)
{
	struct pt_walk w;

	if (vmemmap_walk_va(m, va, &w))
		BUG();
	return w.pmd;
}

/* Is the vmemmap page at @va hosted by the memory it describes? */
static bool vmemmap_self_hosted(struct machine *m, vaddr_t va)
{
	struct pt_walk w;

	return !vmemmap_walk_va(m, va, &w) &&
	       frame_origin(&m->frames, w.pfn) == ORIGIN_ALTMAP;
}

static int vmemmap_remap_range(struct machine *m, vaddr_t start, vaddr_t end,
			       struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	uint64_t pmd_size = 1ULL << g->pmd_shift;

	for (vaddr_t addr = start; addr < end;) {
		vaddr_t next = MIN(ALIGN_DOWN(addr, pmd_size) + pmd_size, end);
		uint64_t *pmd = vmemmap_pmd(m, addr);

		/* vmemmap_split_pmd(): refuse a self-hosted memmap first. */
		if (!w->nr_walked && vmemmap_self_hosted(m, addr))
			return -ENOTSUPP;
		if (pmd_leaf(*pmd)) {
			int ret = vmemmap_split_pmd(m, pmd, addr, w->nid,
						    w->flags & VMEMMAP_SPLIT_NO_TLB_FLUSH);
			if (ret)
				return ret;
		}
		if (w->remap_ptes) {
			uint64_t n = (next - addr) >> g->page_shift;

			w->remap_ptes(m, &pt_table(m, *pmd)[pt_index(g, addr, PT_PTE)], addr, n, w);
			w->nr_walked += n;
		} else if (w->remap_pte) {
			uint64_t *pte = pt_table(m, *pmd);
			for (vaddr_t a = addr; a < next; a += g->page_size) {
				int ret = w->remap_pte(m, &pte[pt_index(g, a, PT_PTE)], a, w);
				if (ret)
					return ret;
				w->nr_walked++;
			}
		}
		addr = next;
	}
	if ((w->remap_pte || w->remap_ptes) && !(w->flags & VMEMMAP_REMAP_NO_TLB_FLUSH))
		flush_tlb_kernel_range(m, start, end);
	return 0;
}

/* copy_page() between two vmemmap frames; an all-alike copy stays compact. */
static void copy_frame(struct machine *m, pfn_t dst, pfn_t src)
{
	const uint8_t *pat = frame_pattern(&m->frames, src);
	uint8_t *d;

	if (pat) {
		frame_share_pattern(&m->frames, dst, src);
		return;
	}
	d = frame_contents(m, dst);
	if (!d || frame_read(m, src, 0, d, m->geo.page_size)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
}

static void folio_range(struct machine *m, pfn_t pfn, unsigned order,
			vaddr_t *vstart, vaddr_t *vend)
{
	*vstart = pfn_to_page_va(&m->geo, pfn);
	*vend = *vstart + vmemmap_bytes_for_order(&m->geo, order);
}

static int folio_nid(struct machine *m, pfn_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	return z ? z->nid : 0;
}

/* ================= legacy ================= */

static int legacy_remap_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			    struct vmemmap_walk *w)
{
	pfn_t old = entry_pfn(*pte);
	bool rw;

	if (w->reuse_page == PFN_NONE) { /* no new head: keep the old one */
		w->reuse_page = old;
		return 0;
	}
	rw = addr == w->reuse_addr;
	if (rw) /* the new head must not be freed */
		BUG_ON(!vmemmap_list_del(w->vmemmap_pages, w->reuse_page));
	vmemmap_list_add(w->vmemmap_pages, old);
	set_pt_entry(m, pte, mk_pte(w->reuse_page, rw));
	return 0;
}

/*
 * legacy_remap_pte() for a table's worth of PTEs: past the reuse PTE every
 * one maps the reuse page read-only, and the pages they mapped, mostly
 * consecutive, go on the list a run at a time.
 */
static void legacy_remap_ptes(struct machine *m, uint64_t *pte, vaddr_t addr,
			      uint64_t n, struct vmemmap_walk *w)
{
	uint64_t i = 0, ro;

	for (; i < n && (w->reuse_page == PFN_NONE || addr == w->reuse_addr); i++) {
		legacy_remap_pte(m, &pte[i], addr, w);
		addr += m->geo.page_size;
	}
	ro = mk_pte(w->reuse_page, false);
	while (i < n) {
		pfn_t start = entry_pfn(pte[i]);
		uint64_t k = 1;

		while (i + k < n && entry_pfn(pte[i + k]) == start + k)
			k++;
		vmemmap_list_add_run(w->vmemmap_pages, start, k);
		set_pt_entries(m, &pte[i], k, ro, 0);
		i += k;
	}
}

/* Struct pages restore resets: 3 before 274fe92de2c4 moved the count to cover page[3]. */
static unsigned legacy_reset_struct_pages(const struct machine *m)
{
	if (m->variant & VARIANT_SKIP_RESET)
		return 0;
	return kernel_pre_2026_fixes(m) ? NR_RESET_STRUCT_PAGE - 1 : NR_RESET_STRUCT_PAGE;
}

/*
 * The fast path of a restored tail page: when every struct page of @src
 * that the copy keeps (all but the first @reset, which the caller turns
 * into copies of the next ones) is alike, the copy is that one struct page
 * repeated, so @page becomes a pattern frame without a copy, exactly as
 * copy + reset + frame_try_compact() would have left it.  @src is checked
 * once per walk; false sends the caller to the copy.
 */
static bool restore_uniform_page(struct machine *m, pfn_t page, pfn_t src,
				 unsigned reset, struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	size_t sp = g->struct_page_size;
	const uint8_t *b;

	if (w->restore_checked && w->restore_src == src) {
		if (w->restore_pattern == PFN_NONE || !frame_pattern(&m->frames, w->restore_pattern))
			return false;
		frame_share_pattern(&m->frames, page, w->restore_pattern);
		return true;
	}
	w->restore_checked = true;
	w->restore_src = src;
	w->restore_pattern = PFN_NONE;
	b = frame_bytes(&m->frames, src);
	if (!b || g->page_size % sp)
		return false;
	for (size_t off = (reset + 1) * sp; off + sp <= g->page_size; off += sp)
		if (memcmp(b + reset * sp, b + off, sp))
			return false;
	if (frame_set_pattern(&m->frames, page, b + reset * sp))
		return false;
	w->restore_pattern = page;
	return true;
}

/* Restore: copy the head page, then turn its first struct pages into tails. */
static int legacy_restore_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			      struct vmemmap_walk *w)
{
	const struct geometry *g = &m->geo;
	pfn_t page;
	uint8_t *to;
	unsigned r;

	(void)addr;
	if (w->reuse_page == PFN_NONE) {
		w->reuse_page = entry_pfn(*pte);
		return 0;
	}
	BUG_ON(entry_pfn(*pte) != w->reuse_page);
	page = vmemmap_list_pop(w->vmemmap_pages);
	BUG_ON(page == PFN_NONE);
	if (restore_uniform_page(m, page, w->reuse_page, legacy_reset_struct_pages(m), w)) {
		set_pt_entry(m, pte, mk_pte(page, true));
		return 0;
	}
	copy_frame(m, page, w->reuse_page);
	to = frame_contents(m, page);
	r = legacy_reset_struct_pages(m); /* 0 in legacy-6.12.115 */
	BUG_ON(2 * r > g->spp);
	memcpy(to, to + r * g->struct_page_size, r * g->struct_page_size);
	frame_try_compact(&m->frames, page); /* plain tails: all alike */
	set_pt_entry(m, pte, mk_pte(page, true));
	return 0;
}

static int legacy_remap_free(struct machine *m, vaddr_t start, vaddr_t end,
			     vaddr_t reuse, struct vmemmap_list *list,
			     unsigned flags, int nid)
{
	struct vmemmap_walk w = {
		.remap_pte = legacy_remap_pte,
		.remap_ptes = legacy_remap_ptes,
		.reuse_addr = reuse,
		.reuse_page = PFN_NONE,
		.vmemmap_pages = list,
		.flags = flags,
		.nid = nid,
	};
	pfn_t newhead = alloc_vmemmap_page(m, SITE_VMEMMAP_HEAD, nid);
	struct pt_walk pw;
	int ret;

	BUG_ON(start - reuse != m->geo.page_size);
	if (newhead != PFN_NONE) {
		BUG_ON(vmemmap_walk_va(m, reuse, &pw));
		copy_frame(m, newhead, pw.pfn);
		vmemmap_list_add(list, newhead);
		w.reuse_page = newhead;
	}
	ret = vmemmap_remap_range(m, reuse, end, &w);
	if (ret && w.nr_walked) {
		vaddr_t rend = reuse + w.nr_walked * m->geo.page_size;
		struct vmemmap_walk rb = {
			.remap_pte = legacy_restore_pte,
			.reuse_addr = reuse,
			.reuse_page = PFN_NONE,
			.vmemmap_pages = list,
			.flags = 0,
			.nid = nid,
		};
		vmemmap_remap_range(m, reuse, rend, &rb);
	}
	return ret;
}

static int legacy_optimize(struct machine *m, unsigned order, pfn_t pfn,
			   struct vmemmap_list *list, unsigned flags)
{
	vaddr_t vstart, vend;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	m->hugetlb_optimize_vmemmap_key++;
	if ((flags & VMEMMAP_SYNCHRONIZE_RCU) && !kernel_pre_speculative_fix(m))
		m->stat.nr_synchronize_rcu++;
	/* Set the flag first: stale TLB writers see the same head either way. */
	folio_set_vmemmap_optimized(m, pfn, true);
	ret = legacy_remap_free(m, vstart + m->geo.page_size, vend, vstart, list,
				flags, folio_nid(m, pfn));
	if (ret) {
		m->hugetlb_optimize_vmemmap_key--;
		folio_set_vmemmap_optimized(m, pfn, false);
	}
	return ret;
}

/*
 * Restore the vmemmap of the folio at @pfn: allocate its pages back (all or
 * nothing, counted), then walk [walk_start, vend) with @w's callback, which
 * maps each page in turn.  PMDs are split already, so the walk cannot fail.
 */
static int vmemmap_restore_range(struct machine *m, unsigned order, pfn_t pfn,
				 struct vmemmap_walk *w, bool from_head)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	struct vmemmap_list list;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	w->reuse_addr = vstart;
	w->nid = folio_nid(m, pfn);
	w->vmemmap_pages = &list;
	vmemmap_list_init(&list);
	ret = alloc_vmemmap_page_list(m, (vend - vstart) / g->page_size - 1, w->nid, &list);
	if (ret) {
		vmemmap_list_destroy(&list);
		return ret;
	}
	ret = vmemmap_remap_range(m, from_head ? vstart : vstart + g->page_size, vend, w);
	BUG_ON(ret || list.nr);
	vmemmap_list_destroy(&list);
	folio_set_vmemmap_optimized(m, pfn, false);
	return 0;
}

/* Legacy: the walk starts at the head PTE, whose page it copies (reuse). */
static int legacy_restore(struct machine *m, unsigned order, pfn_t pfn,
			  unsigned flags)
{
	struct vmemmap_walk w = {
		.remap_pte = legacy_restore_pte,
		.reuse_page = PFN_NONE,
		.flags = flags,
	};
	int ret;

	if ((flags & VMEMMAP_SYNCHRONIZE_RCU) && !kernel_pre_speculative_fix(m))
		m->stat.nr_synchronize_rcu++;
	ret = vmemmap_restore_range(m, order, pfn, &w, true);
	if (!ret)
		m->hugetlb_optimize_vmemmap_key--;
	return ret;
}

/* ================= shared-tail and generic ================= */

void init_compound_tail_page(struct machine *m, unsigned order, int nid,
			     enum zone_type zone, uint8_t *out)
{
	struct page_struct ps;

	memset(&ps, 0, sizeof(ps));
	ps.flags = page_flags_node_zone(nid, zone);
	ps.compound_info = encode_tail_mask(&m->geo, order);
	ps.mapping = TAIL_MAPPING;
	ps.mapcount = -1;
	page_struct_encode(&m->geo, &ps, out);
}

pfn_t vmemmap_shared_tail_page(struct machine *m, unsigned order,
			       struct zone *zone)
{
	const struct geometry *g = &m->geo;
	unsigned idx = order - vmemmap_tail_min_order(g);
	struct alloc_request req = kernel_page_request(SITE_SHARED_TAIL, zone->nid);
	pfn_t t, won;
	uint8_t *bytes;

	if (order < vmemmap_tail_min_order(g) || idx >= NR_VMEMMAP_TAILS_MAX ||
	    order > max_folio_order(g)) {
		hvo_warn(__FILE__, __LINE__, __func__, "no shared tail for this order");
		return PFN_NONE;
	}
	t = atomic_load(&zone->vmemmap_tails[idx]);
	if (t)
		return t;
	mm_lock(m);
	t = alloc_frames(m, &req);
	if (t != PFN_NONE && frame_claim(&m->frames, t, FO_SHARED_TAIL,
					 m->phase == PHASE_EARLY ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	mm_unlock(m);
	if (t == PFN_NONE)
		return PFN_NONE;
	bytes = frame_bytes(&m->frames, t);
	for (unsigned i = 0; i < g->spp; i++)
		init_compound_tail_page(m, order, zone->nid, zone->idx,
					bytes + i * g->struct_page_size);
	won = vmemmap_publish_shared(m, &zone->vmemmap_tails[idx], t,
				     &m->stat.nr_shared_tail_races_lost, zone, order);
	if (won != t)
		return won;
	__atomic_fetch_add(&m->stat.nr_shared_tail_pages, 1, __ATOMIC_RELAXED);
	return t;
}

pfn_t vmemmap_publish_shared(struct machine *m, _Atomic pfn_t *slot, pfn_t t,
			     uint64_t *races_lost, struct zone *zone, unsigned order)
{
	pfn_t expected = 0;

	if (m->before_tail_publish) /* test seam: widen the race window */
		m->before_tail_publish(m, zone, order);
	/* Publish; the compare-and-swap orders the initialization before it. */
	if (atomic_compare_exchange_strong(slot, &expected, t))
		return t;
	BUG_ON(m->phase == PHASE_EARLY); /* races happen at run time only */
	__atomic_fetch_add(races_lost, 1, __ATOMIC_RELAXED);
	mm_lock(m);
	frame_release(&m->frames, t);
	free_frames(m, t, 0);
	mm_unlock(m);
	return expected;
}

static int shared_remap_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			    struct vmemmap_walk *w)
{
	pfn_t old = entry_pfn(*pte);

	(void)addr;
	if (!w->nr_walked) { /* the head page: map the new copy read-write */
		BUG_ON(!vmemmap_list_del(w->vmemmap_pages, w->vmemmap_head));
		set_pt_entry(m, pte, mk_pte(w->vmemmap_head, true));
	} else {
		set_pt_entry(m, pte, mk_pte(w->vmemmap_tail, false));
	}
	vmemmap_list_add(w->vmemmap_pages, old);
	return 0;
}

/*
 * Restore one PTE from whatever it maps.  During a rollback only PTEs that
 * map the shared tail are restored (@vmemmap_tail set), so the head keeps
 * its new copy (the 2026 rollback fix, docs/bugs.md#rollback-overwrites-head).
 * Before that fix the head's page was rebuilt from the tail template as
 * well: its head and folio struct pages became plain tails.
 */
static int shared_restore_pte(struct machine *m, uint64_t *pte, vaddr_t addr,
			      struct vmemmap_walk *w)
{
	pfn_t src = entry_pfn(*pte), dst;

	(void)addr;
	if (w->vmemmap_tail != PFN_NONE && src != w->vmemmap_tail) {
		if (m->variant & VARIANT_ROLLBACK_OVERWRITES_HEAD) {
			copy_frame(m, src, w->vmemmap_tail);
			frame_try_compact(&m->frames, src);
		}
		return 0;
	}
	dst = vmemmap_list_pop(w->vmemmap_pages);
	BUG_ON(dst == PFN_NONE);
	if (!restore_uniform_page(m, dst, src, 0, w)) {
		copy_frame(m, dst, src);
		frame_try_compact(&m->frames, dst);
	}
	set_pt_entry(m, pte, mk_pte(dst, true));
	return 0;
}

static int shared_optimize(struct machine *m, unsigned order, pfn_t pfn,
			   struct vmemmap_list *list, unsigned flags)
{
	struct zone *zone = page_zone(m, pfn);
	vaddr_t vstart, vend, walk_end;
	struct pt_walk pw;
	struct vmemmap_walk w = {
		.remap_pte = shared_remap_pte,
		.vmemmap_pages = list,
		.flags = flags,
	};
	pfn_t shared_pte = PFN_NONE;
	int ret;

	folio_range(m, pfn, order, &vstart, &vend);
	w.nid = zone->nid;
	w.vmemmap_tail = vmemmap_shared_tail_page(m, order, zone);
	if (w.vmemmap_tail == PFN_NONE)
		return -ENOMEM;
	/* hvo_share_pte: walk the head's PMD only, then share the others. */
	walk_end = vend;
	if (vmemmap_share_pte_order(m, order)) {
		shared_pte = vmemmap_shared_pte_table(m, order, zone);
		if (shared_pte == PFN_NONE)
			return -ENOMEM;
		walk_end = vstart + (1ULL << m->geo.pmd_shift);
	}
	folio_set_vmemmap_optimized(m, pfn, true);
	w.vmemmap_head = alloc_vmemmap_page(m, SITE_VMEMMAP_HEAD, w.nid);
	if (w.vmemmap_head == PFN_NONE) {
		folio_set_vmemmap_optimized(m, pfn, false);
		return -ENOMEM;
	}
	BUG_ON(vmemmap_walk_va(m, vstart, &pw));
	copy_frame(m, w.vmemmap_head, pw.pfn);
	vmemmap_list_add(list, w.vmemmap_head);
	ret = vmemmap_remap_range(m, vstart, walk_end, &w);
	if (!ret && shared_pte != PFN_NONE)
		vmemmap_share_pte_range(m, walk_end, vend, shared_pte, list,
					flags & VMEMMAP_REMAP_NO_TLB_FLUSH);
	if (ret && w.nr_walked) {
		struct vmemmap_walk rb = {
			.remap_pte = shared_restore_pte,
			.vmemmap_tail = w.vmemmap_tail,
			.vmemmap_pages = list,
			.nid = w.nid,
		};
		vmemmap_remap_range(m, vstart, vstart + w.nr_walked * m->geo.page_size, &rb);
	}
	if (ret)
		folio_set_vmemmap_optimized(m, pfn, false);
	return ret;
}

/*
 * hvo_share_pte: give the folio's shared PMDs private tables (all of them
 * or none: the number unshared, or -ENOMEM), and share them again.
 */
static int vmemmap_unshare_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	vaddr_t vstart, vend;

	if (!vmemmap_share_pte_order(m, order))
		return 0;
	folio_range(m, pfn, order, &vstart, &vend);
	return vmemmap_unshare_pte_range(m, vstart + (1ULL << m->geo.pmd_shift),
					 vend, folio_nid(m, pfn));
}

static void vmemmap_reshare_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	struct zone *zone = page_zone(m, pfn);
	pfn_t table = vmemmap_shared_pte_table(m, order, zone); /* published */
	struct vmemmap_list none;
	vaddr_t vstart, vend;

	BUG_ON(table == PFN_NONE);
	folio_range(m, pfn, order, &vstart, &vend);
	vmemmap_list_init(&none);
	vmemmap_share_pte_range(m, vstart + (1ULL << m->geo.pmd_shift), vend,
				table, &none, false);
	BUG_ON(none.nr); /* the private copies mapped the shared tail only */
	vmemmap_list_destroy(&none);
}

/* shared-tail, generic: every tail PTE copies the shared tail it maps. */
static int shared_restore(struct machine *m, unsigned order, pfn_t pfn,
			  unsigned flags)
{
	struct vmemmap_walk w = {
		.remap_pte = shared_restore_pte,
		.vmemmap_tail = PFN_NONE,
		.flags = flags,
	};
	int shared, ret;

	/* hvo_share_pte: private copies of the shared tables first. */
	shared = vmemmap_unshare_folio(m, order, pfn);
	if (shared < 0)
		return shared;
	ret = vmemmap_restore_range(m, order, pfn, &w, false);
	if (ret && shared)
		vmemmap_reshare_folio(m, order, pfn);
	return ret;
}

/* ================= entry points ================= */

static bool vmemmap_should_optimize_folio(struct machine *m, unsigned order,
					  pfn_t pfn)
{
	if (folio_vmemmap_optimized(m, pfn))
		return false;
	if (!m->vmemmap_optimize_enabled)
		return false;
	return hugetlb_vmemmap_optimizable_size(m, order) != 0;
}

static int __hugetlb_vmemmap_optimize_folio(struct machine *m, unsigned order,
					    pfn_t pfn, struct vmemmap_list *list,
					    unsigned flags)
{
	if (!vmemmap_should_optimize_folio(m, order, pfn))
		return 0;
	if (m->design == DESIGN_LEGACY)
		return legacy_optimize(m, order, pfn, list, flags);
	return shared_optimize(m, order, pfn, list, flags);
}

int hugetlb_vmemmap_optimize_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	struct vmemmap_list list;
	int ret;

	vmemmap_list_init(&list);
	ret = __hugetlb_vmemmap_optimize_folio(m, order, pfn, &list,
					       VMEMMAP_SYNCHRONIZE_RCU);
	free_vmemmap_page_list(m, &list);
	vmemmap_list_destroy(&list);
	return ret;
}

/* Split-only walk over a folio's vmemmap (batch phase one). */
static int hugetlb_vmemmap_split_folio(struct machine *m, unsigned order,
				       pfn_t pfn)
{
	vaddr_t vstart, vend;
	struct vmemmap_walk w = { .flags = VMEMMAP_SPLIT_NO_TLB_FLUSH };

	if (!vmemmap_should_optimize_folio(m, order, pfn))
		return 0;
	folio_range(m, pfn, order, &vstart, &vend);
	if (vmemmap_share_pte_order(m, order)) /* the others get shared */
		vend = vstart + (1ULL << m->geo.pmd_shift);
	w.nid = folio_nid(m, pfn);
	return vmemmap_remap_range(m, vstart, vend, &w);
}

void hugetlb_vmemmap_optimize_folios(struct machine *m, unsigned order,
				     const pfn_t *pfns, uint64_t nr)
{
	struct vmemmap_list list;
	unsigned flags = VMEMMAP_REMAP_NO_TLB_FLUSH;

	if (m->design == DESIGN_LEGACY)
		flags |= VMEMMAP_SYNCHRONIZE_RCU;
	for (uint64_t i = 0; i < nr; i++) {
		/* Stop splitting at the first ENOMEM: the optimize walks split on demand. */
		if (hugetlb_vmemmap_split_folio(m, order, pfns[i]) == -ENOMEM)
			break;
	}
	flush_tlb_all(m);
	vmemmap_list_init(&list);
	for (uint64_t i = 0; i < nr; i++) {
		int ret = __hugetlb_vmemmap_optimize_folio(m, order, pfns[i], &list, flags);
		flags &= ~VMEMMAP_SYNCHRONIZE_RCU;
		/*
		 * Out of memory with pages collected: free them (after a
		 * flush) and retry this folio once.
		 */
		if (ret == -ENOMEM && list.nr) {
			if (!m->test_skip_enomem_flush)
				flush_tlb_all(m);
			free_vmemmap_page_list(m, &list);
			__hugetlb_vmemmap_optimize_folio(m, order, pfns[i], &list, flags);
		}
	}
	flush_tlb_all(m);
	free_vmemmap_page_list(m, &list);
	vmemmap_list_destroy(&list);
}

static int __hugetlb_vmemmap_restore_folio(struct machine *m, unsigned order,
					   pfn_t pfn, unsigned flags)
{
	if (!folio_vmemmap_optimized(m, pfn))
		return 0;
	if (m->design == DESIGN_LEGACY)
		return legacy_restore(m, order, pfn, flags);
	return shared_restore(m, order, pfn, flags);
}

int hugetlb_vmemmap_restore_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	return __hugetlb_vmemmap_restore_folio(m, order, pfn,
					       m->design == DESIGN_LEGACY ? VMEMMAP_SYNCHRONIZE_RCU : 0);
}

int64_t hugetlb_vmemmap_restore_folios(struct machine *m, unsigned order,
				       const pfn_t *pfns, uint64_t nr)
{
	unsigned flags = VMEMMAP_REMAP_NO_TLB_FLUSH;
	uint64_t restored = 0, done = 0;
	int ret = 0;

	if (m->design == DESIGN_LEGACY)
		flags |= VMEMMAP_SYNCHRONIZE_RCU;
	for (; done < nr; done++) {
		if (folio_vmemmap_optimized(m, pfns[done])) {
			ret = __hugetlb_vmemmap_restore_folio(m, order, pfns[done], flags);
			flags &= ~VMEMMAP_SYNCHRONIZE_RCU;
			if (ret)
				break;
			restored++;
		}
	}
	if (restored)
		flush_tlb_all(m);
	if (ret && !done)
		return ret;
	return (int64_t)done;
}

/* ================= boot population (shared-tail, generic) ================= */

/* Undo a partial vmemmap_populate_hvo(): unmap what it mapped. */
static void vmemmap_undo_hvo(struct machine *m, vaddr_t vstart, vaddr_t vend,
			     pfn_t head)
{
	const struct geometry *g = &m->geo;
	bool head_mapped = false;

	for (vaddr_t va = vstart; va < vend; va += g->page_size) {
		struct pt_walk w;
		if (vmemmap_walk_va(m, va, &w))
			continue;
		if (pmd_shared_pte(m, *w.pmd)) { /* the table is not ours to clear */
			vmemmap_unlink_shared_pte(m, w.pmd);
			va = ALIGN_DOWN(va, 1ULL << g->pmd_shift) + (1ULL << g->pmd_shift) - g->page_size;
			continue;
		}
		set_pt_entry(m, w.pte, 0);
		head_mapped |= w.pfn == head;
	}
	/* flush before the head page can be reused */
	flush_tlb_kernel_range(m, vstart, vend);
	if (head_mapped) {
		frame_release(&m->frames, head);
		free_reserved_frames(m, head, 1);
		m->stat.nr_memmap_boot_pages--;
	}
}

/* hvo_share_pte: map the tails-only PMD at @va with the shared table. */
static int vmemmap_populate_shared_pte(struct machine *m, vaddr_t va,
				       pfn_t table, int nid)
{
	uint64_t *pmd = vmemmap_pmd_alloc(m, va, nid);

	if (!pmd)
		return -ENOMEM;
	BUG_ON(entry_present(*pmd));
	vmemmap_share_pte_range(m, va, va + (1ULL << m->geo.pmd_shift), table,
				NULL, true);
	return 0;
}

int vmemmap_populate_hvo(struct machine *m, pfn_t pfn, unsigned order,
			 struct zone *zone, bool ro)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	struct alloc_request req = kernel_page_request(SITE_MEMBLOCK_MEMMAP, zone->nid);
	pfn_t tail = vmemmap_shared_tail_page(m, order, zone), head;
	pfn_t shared_pte = PFN_NONE;
	uint64_t *pte;

	if (tail == PFN_NONE)
		return -ENOMEM;
	/* hvo_share_pte: the table exists before any folio needs it. */
	if (vmemmap_share_pte_order(m, order)) {
		shared_pte = vmemmap_shared_pte_table(m, order, zone);
		if (shared_pte == PFN_NONE)
			return -ENOMEM;
		if (!ro) /* shared-tail: shared at write-protect time */
			shared_pte = PFN_NONE;
	}
	folio_range(m, pfn, order, &vstart, &vend);
	pte = vmemmap_pte_alloc(m, vstart, zone->nid);
	if (!pte)
		return -ENOMEM;
	head = alloc_frames(m, &req);
	if (head == PFN_NONE)
		return -ENOMEM;
	if (frame_claim_lazy(&m->frames, head, FO_VMEMMAP, ORIGIN_MEMBLOCK,
			     (vstart - g->vmemmap_start) >> g->page_shift)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	set_pt_entry(m, pte, mk_pte(head, true));
	m->stat.nr_memmap_boot_pages++;
	for (vaddr_t va = vstart + g->page_size; va < vend; va += g->page_size) {
		if (shared_pte != PFN_NONE && IS_ALIGNED(va, 1ULL << g->pmd_shift)) {
			if (vmemmap_populate_shared_pte(m, va, shared_pte, zone->nid)) {
				vmemmap_undo_hvo(m, vstart, va, head);
				return -ENOMEM;
			}
			va += (1ULL << g->pmd_shift) - g->page_size;
			continue;
		}
		/* walk once per PTE table; inside one, the next entry follows */
		if (IS_ALIGNED(va, 1ULL << g->pmd_shift))
			pte = vmemmap_pte_alloc(m, va, zone->nid);
		else
			pte++;
		if (!pte) {
			vmemmap_undo_hvo(m, vstart, va, head);
			return -ENOMEM;
		}
		set_pt_entry(m, pte, mk_pte(tail, !ro));
	}
	return 0;
}

void vmemmap_wrprotect_hvo(struct machine *m, pfn_t pfn, unsigned order)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart, vend;
	uint64_t *pte = NULL;

	folio_range(m, pfn, order, &vstart, &vend);

	for (vaddr_t va = vstart + g->page_size; va < vend; va += g->page_size) {
		/* walk once per PTE table; inside one, the next entry follows */
		if (!pte || IS_ALIGNED(va, 1ULL << g->pmd_shift)) {
			struct pt_walk w;
			BUG_ON(vmemmap_walk_va(m, va, &w) || w.leaf != PT_PTE);
			pte = w.pte;
		} else
			pte++;
		set_pt_entry(m, pte, mk_pte(entry_pfn(*pte), false));
	}
	flush_tlb_kernel_range(m, vstart, vend);
	if (vmemmap_share_pte_order(m, order)) /* hvo_share_pte, shared-tail */
		vmemmap_reshare_folio(m, order, pfn);
}
