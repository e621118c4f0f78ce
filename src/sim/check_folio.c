// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariant checker's folio checks (see check.c for the whole list):
 * every HugeTLB pool folio and every device-DAX compound page is mapped as
 * its design maps it, read-only where it must be, and compound_head() of
 * each of its struct pages, decoded from the bytes without touching the MMU
 * or TLB, is its head; shared PTE tables (hvo_share_pte) map only their
 * zone's shared tail and are referenced exactly as often as they count.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/vmemmap_share_pte.h"
#include "sim/check.h"
#include "sim/check_internal.h"

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

/*
 * The struct pages of the vmemmap frame check_folio() read last, decoded
 * slot by slot as they are asked for: the optimized tails of a folio map
 * one frame thousands of times, and the checker writes no frame.
 */
struct decoded_frame {
	pfn_t pfn; /* PFN_NONE: nothing decoded */
	struct page_struct *ps; /* g->spp slots */
	uint8_t *done;          /* slot decoded */
	/*
	 * A pattern frame's distinct struct pages, each decoded once: form 0
	 * the pattern, 1 + k the k-th run's of a pattern with exceptions.
	 */
	const uint8_t *pattern;
	const struct frame_px *px;
	struct page_struct form[1 + FRAME_PX_RUNS];
	uint8_t form_done[1 + FRAME_PX_RUNS];
};

static void decoded_init(struct decoded_frame *d, const struct geometry *g)
{
	d->pfn = PFN_NONE;
	d->ps = check_alloc(malloc(g->spp * sizeof(*d->ps)));
	d->done = check_alloc(malloc(g->spp));
}

static void decoded_destroy(struct decoded_frame *d)
{
	free(d->ps);
	free(d->done);
}

/*
 * Which of a pattern frame's distinct struct pages slot @i holds: 0 the
 * pattern, 1 + k the k-th run's of a pattern with exceptions (the frame
 * decoded_slot() was last asked about).
 */
static unsigned decoded_form(const struct decoded_frame *d, unsigned i)
{
	unsigned f = 0;

	for (unsigned k = 0; d->px && k < d->px->nr; k++)
		if (i >= d->px->run[k].first && i < d->px->run[k].first + d->px->run[k].count)
			f = 1 + k;
	return f;
}

/*
 * The first slot after @i, below @end, that may hold another of the
 * frame's distinct struct pages than slot @i (decoded_form() is the same
 * between two edges of its runs), else @end.
 */
static unsigned decoded_form_end(const struct decoded_frame *d, unsigned i, unsigned end)
{
	for (unsigned k = 0; d->px && k < d->px->nr; k++) {
		unsigned first = d->px->run[k].first, last = first + d->px->run[k].count;

		if (first > i && first < end)
			end = first;
		if (last > i && last < end)
			end = last;
	}
	return end;
}

/*
 * Slot @i of frame @pfn, whose bytes are @bytes, or NULL for a pattern
 * frame (with or without exceptions), whose few distinct struct pages
 * are decoded once each.
 */
static const struct page_struct *decoded_slot(struct decoded_frame *d, const struct machine *m,
					      pfn_t pfn, const uint8_t *bytes, unsigned i)
{
	const struct geometry *g = &m->geo;

	if (d->pfn != pfn) {
		memset(d->done, 0, g->spp);
		memset(d->form_done, 0, sizeof(d->form_done));
		d->pfn = pfn;
		d->px = frame_px(&m->frames, pfn);
		d->pattern = d->px ? frame_px_pattern(&m->frames, d->px)
				   : frame_pattern(&m->frames, pfn);
	}
	if (!bytes) {
		unsigned f = decoded_form(d, i);
		const uint8_t *sp = f ? d->px->bytes[f - 1] : d->pattern;

		BUG_ON(!sp);
		if (!d->form_done[f]) {
			page_struct_decode(g, sp, &d->form[f]);
			d->form_done[f] = 1;
		}
		return &d->form[f];
	}
	if (!d->done[i]) {
		page_struct_decode(g, bytes + i * g->struct_page_size, &d->ps[i]);
		d->done[i] = 1;
	}
	return &d->ps[i];
}

/*
 * Does tail mask @info send every struct page address of the folio
 * [@vstart, @vend) to @vstart?  When the range is a power of two in size
 * and aligned to it, exactly when the mask is a tail's (bit 0), keeps
 * every bit of @vstart and clears every offset bit above the struct page
 * alignment (the offsets are the addresses' only other bits).
 */
static bool mask_keeps_folio(uint64_t info, vaddr_t vstart, vaddr_t vend,
			     const struct geometry *g)
{
	uint64_t size = vend - vstart;

	if (!(info & 1) || size & (size - 1) || vstart & (size - 1))
		return false;
	return !(vstart & ~info) && !(info & (size - 1) & ~(uint64_t)(g->struct_page_size - 1));
}

static void check_folio(struct machine *m, struct check_report *r,
			const struct hstate *h, pfn_t pfn, struct frame_scratch *scratch,
			struct decoded_frame *dec)
{
	struct struct_page_ctx spc = struct_page_ctx_of(m);
	const struct geometry *g = &m->geo;
	vaddr_t vstart = pfn_to_page_va(g, pfn);
	vaddr_t vend = vstart + vmemmap_bytes_for_order(g, h->order);
	struct zone *z = page_zone(m, pfn);
	struct pt_walk w;
	const uint8_t *hb;
	uint8_t hbuf[MAX_STRUCT_PAGE];
	struct page_struct head;
	bool optimized;
	pfn_t head_frame, tail_frame = PFN_NONE, clean_frame = PFN_NONE;
	const uint8_t *clean_pattern = NULL;
	struct pt_cursor cur = { 0 };

	if (vmemmap_walk_va(m, vstart, &w) ||
	    !(hb = frame_view_range(m, w.pfn, vstart & (g->page_size - 1), g->struct_page_size,
				    hbuf))) {
		check_fail(r, "pfn %#llx: huge page head struct page is unmapped or was never written",
			   P(pfn));
		return;
	}
	head_frame = w.pfn;
	page_struct_decode(g, hb, &head);
	optimized = head.private_ & (1ULL << HPG_vmemmap_optimized);
	if (!(head.flags & page_pg(m, head)))
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
	/*
	 * One vmemmap page at a time; the folio's struct pages need not start
	 * or end on a page boundary (a 2 MiB folio of 64 KiB pages has 2 KiB
	 * of them).
	 */
	for (vaddr_t va = vstart, next; va < vend; va = next) {
		vaddr_t page_va = ALIGN_DOWN(va, g->page_size);
		const uint8_t *bytes;

		next = MIN(page_va + g->page_size, vend);

		if (vmemmap_walk_va_cursor(m, va, &w, &cur)) {
			check_fail(r, "pfn %#llx: vmemmap of the huge page unmapped at va %#llx", P(pfn), P(va));
			return;
		}
		uint64_t mapping_fails = r->nr_violations;
		if (va != vstart && optimized) {
			if (w.pfn != tail_frame || w.writable || w.leaf != PT_PTE)
				check_fail(r, "pfn %#llx: optimized tail at va %#llx maps frame %#llx %s, expected frame %#llx read-only",
					   P(pfn), P(va), P(w.pfn), w.writable ? "read-write" : "read-only",
					   P(tail_frame));
		} else if (va != vstart && frame_owner(&m->frames, w.pfn) != FO_VMEMMAP) {
			check_fail(r, "pfn %#llx: unoptimized huge page maps frame %#llx at va %#llx, which is not its own vmemmap page",
				   P(pfn), P(w.pfn), P(va));
		}
		/*
		 * A whole tail vmemmap page mapping the frame of one already
		 * found clean (the tails of an optimized folio map one page)
		 * gives the same verdict: with the pointer encoding a clean
		 * page's heads came from compound_info or the fake head's
		 * page[1], never from the address, and only a zone that
		 * differed looks at the pfn.  With the mask encoding the head
		 * is the address masked, so a clean page also needs every
		 * slot's mask to keep the folio's start and clear the offset
		 * bits within it (mask_holds): then every address of the
		 * folio masks to its head.
		 */
		bool whole = va == page_va && next - va == g->page_size;

		if (va != vstart && whole && w.pfn == clean_frame) {
			/*
			 * So does every following PTE that holds the same
			 * entry, when this one's mapping was found right too.
			 */
			uint64_t n = 1;
			if (w.leaf == PT_PTE && r->nr_violations == mapping_fails)
				n = pt_cursor_same_ptes(m, &cur, va, (vend - va) / g->page_size);
			r->nr_struct_pages_checked += n * g->spp;
			next = va + n * g->page_size;
			continue;
		}
		/*
		 * A whole page of the pattern (interned: one pointer per
		 * distinct struct page) of a page found clean has the same
		 * bytes in every slot as that page, so the same verdict: the
		 * unoptimized tails of a folio whose memmap init wrote them.
		 */
		const uint8_t *pattern = frame_pattern(&m->frames, w.pfn);

		if (va != vstart && whole && pattern && pattern == clean_pattern) {
			uint64_t n = 1;

			/* so is the rest of its PMD, if its frames are one pattern extent */
			if (w.leaf == PT_PMD && r->nr_violations == mapping_fails &&
			    (frame_block_extent(&m->frames, w.pfn) & (FRAME_OWNER_MASK | FRAME_PATTERN)) ==
				    (FO_VMEMMAP | FRAME_PATTERN) && g->ptrs_per_table == FRAME_BLOCK) {
				vaddr_t span = g->ptrs_per_table * g->page_size;

				n = MIN(ALIGN_DOWN(va, span) + span - va, ALIGN_DOWN(vend - va, g->page_size)) /
				    g->page_size;
			}
			r->nr_struct_pages_checked += n * g->spp;
			next = va + n * g->page_size;
			continue;
		}
		uint64_t fails = r->nr_violations;
		bool clean = true, mask_holds = true;

		/* a pattern frame is read slot by slot, no copy made */
		bytes = NULL;
		if (!pattern && !frame_px(&m->frames, w.pfn) &&
		    !(bytes = frame_view(m, w.pfn, scratch))) {
			check_fail(r, "pfn %#llx: struct pages at va %#llx were never written", P(pfn), P(va));
			continue;
		}
		for (vaddr_t pva = va; pva < next; pva += g->struct_page_size) {
			unsigned i = (unsigned)((pva - page_va) / g->struct_page_size);
			const struct page_struct *ps = decoded_slot(dec, m, w.pfn, bytes, i);

			if (spc.mask && !mask_keeps_folio(ps->compound_info, vstart, vend, g))
				mask_holds = false;
			const struct page_struct *nx =
				i + 1 < g->spp ? decoded_slot(dec, m, w.pfn, bytes, i + 1) : NULL;
			vaddr_t ch = compound_head_decode(&spc, pva, ps->flags, ps->compound_info,
							  nx ? &nx->compound_info : NULL, NULL);

			r->nr_struct_pages_checked++;
			if (ch != vstart) {
				check_fail(r, "pfn %#llx: compound_head() is %#llx, not its head %#llx (pfn %#llx)",
					   P(page_va_to_pfn(g, pva)), P(ch), P(vstart), P(pfn));
				return;
			}
			if (pva != vstart && i == 0 && (ps->flags & page_pg(m, head)) &&
			    !gen_has(m, GEN_FAKE_HEADS))
				check_fail(r, "pfn %#llx: fake head (PG_head at a vmemmap page start) in the %s design",
					   P(page_va_to_pfn(g, pva)), m->gen->design);
			if (z && pva != vstart &&
			    (flags_zone(ps->flags) != z->idx || flags_nid(ps->flags) != z->nid)) {
				struct zone *pz = page_zone(m, page_va_to_pfn(g, pva));

				clean = false;
				if (pz && (flags_zone(ps->flags) != pz->idx || flags_nid(ps->flags) != pz->nid))
					check_fail(r, "pfn %#llx: tail struct page says zone %s node %d, it is in zone %s node %d",
						   P(page_va_to_pfn(g, pva)), zone_name(flags_zone(ps->flags)),
						   flags_nid(ps->flags), zone_name(pz->idx), pz->nid);
			}
			/*
			 * The following slots of a pattern frame that hold these
			 * same bytes are found right as this one was: a tail has
			 * its head from them alone (by pointer, or by a mask that
			 * sends every address of the folio to its head), and the
			 * zone they name was right here (the fake head test is
			 * slot 0's).
			 */
			if (!bytes && clean && r->nr_violations == fails && (ps->compound_info & 1) &&
			    (!spc.mask || mask_keeps_folio(ps->compound_info, vstart, vend, g))) {
				unsigned end = i + (unsigned)((next - pva) / g->struct_page_size);
				unsigned j = decoded_form_end(dec, i, end);

				r->nr_struct_pages_checked += j - i - 1;
				pva += (vaddr_t)(j - i - 1) * g->struct_page_size;
			}
		}
		if (va != vstart && whole && clean && mask_holds && r->nr_violations == fails) {
			clean_frame = w.pfn;
			clean_pattern = pattern;
		}
	}
}

/* Pool folios in use on node @nid (a mapping faulted them). */
static uint64_t inuse_on_node(struct machine *m, const struct hstate *h, unsigned nid)
{
	uint64_t n = 0;

	for (uint64_t k = 0; k < h->inuse.nr; k++) {
		struct zone *z = page_zone(m, h->inuse.v[k].pfn);
		n += z && z->nid == (int)nid;
	}
	return n;
}

void check_hugetlb(struct machine *m, struct check_report *r, struct frame_scratch *scratch)
{
	uint64_t optimized_folios = 0;
	struct decoded_frame dec;

	decoded_init(&dec, &m->geo);

	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		uint64_t nr = 0, nr_opt = 0;

		for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
			const struct folio_list *fl = &h->freelists[nid];
			uint64_t used = nid < m->nr_nodes ? inuse_on_node(m, h, nid) : 0;
			if (fl->nr + used != h->nr_huge_pages_node[nid] && nid < m->nr_nodes)
				check_fail(r, "hugepages-%llukB node %u: %llu folios listed, %llu in use, nr_hugepages says %llu",
					   P((m->geo.page_size << h->order) >> 10), nid, P(fl->nr), P(used),
					   P(h->nr_huge_pages_node[nid]));
			if (fl->nr != h->free_huge_pages_node[nid] && nid < m->nr_nodes)
				check_fail(r, "hugepages-%llukB node %u: %llu folios listed free, free_hugepages says %llu",
					   P((m->geo.page_size << h->order) >> 10), nid, P(fl->nr),
					   P(h->free_huge_pages_node[nid]));
			for (uint64_t k = 0; k < fl->nr; k++) {
				check_folio(m, r, h, fl->v[k].pfn, scratch, &dec);
				nr_opt += folio_vmemmap_optimized(m, fl->v[k].pfn);
			}
			nr += fl->nr;
		}
		if (nr != h->free_huge_pages || nr + h->inuse.nr != h->nr_huge_pages)
			check_fail(r, "hugepages-%llukB: %llu folios free, %llu in use, nr %llu, free %llu",
				   P((m->geo.page_size << h->order) >> 10), P(nr), P(h->inuse.nr),
				   P(h->nr_huge_pages), P(h->free_huge_pages));
		for (uint64_t k = 0; k < h->inuse.nr; k++) {
			check_folio(m, r, h, h->inuse.v[k].pfn, scratch, &dec);
			nr_opt += folio_vmemmap_optimized(m, h->inuse.v[k].pfn);
		}
		if (nr_opt != h->nr_optimized)
			check_fail(r, "hugepages-%llukB: %llu folios flagged optimized, counter says %llu",
				   P((m->geo.page_size << h->order) >> 10), P(nr_opt), P(h->nr_optimized));
		if (h->surplus_huge_pages > h->nr_huge_pages)
			check_fail(r, "hugepages-%llukB: surplus %llu exceeds nr_hugepages %llu",
				   P((m->geo.page_size << h->order) >> 10),
				   P(h->surplus_huge_pages), P(h->nr_huge_pages));
		if (h->resv_huge_pages > h->free_huge_pages)
			check_fail(r, "hugepages-%llukB: %llu pages reserved, %llu free",
				   P((m->geo.page_size << h->order) >> 10),
				   P(h->resv_huge_pages), P(h->free_huge_pages));
		/* Freed, waiting for the worker: out of the pool, still optimized. */
		for (uint64_t k = 0; k < h->deferred.nr; k++) {
			check_folio(m, r, h, h->deferred.v[k].pfn, scratch, &dec);
			if (!folio_vmemmap_optimized(m, h->deferred.v[k].pfn))
				check_fail(r, "pfn %#llx: deferred free of a folio that is not optimized",
					   P(h->deferred.v[k].pfn));
			nr_opt++;
		}
		optimized_folios += nr_opt;
	}
	if (gen_has(m, GEN_STATIC_KEY) &&
	    m->hugetlb_optimize_vmemmap_key != (int64_t)optimized_folios)
		check_fail(r, "static key hugetlb_optimize_vmemmap_key is %lld, %llu folios are optimized",
			   (long long)m->hugetlb_optimize_vmemmap_key, P(optimized_folios));
	decoded_destroy(&dec);
}

/* ---- device DAX: compound_head() of every struct page ---- */

/*
 * Every struct page of every compound page of every device resolves to its
 * head.  A vmemmap page whose slots are all alike (a pattern frame, a
 * shared tail) needs its first and last slot checked only.
 */
void check_dax(struct machine *m, struct check_report *r, struct frame_scratch *scratch)
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
			struct pt_cursor cur = { 0 };

			for (vaddr_t va = ALIGN_DOWN(head, g->page_size); va < end; va += g->page_size) {
				struct pt_walk w;
				const uint8_t *bytes;
				bool alike;

				if (vmemmap_walk_va_cursor(m, va, &w, &cur)) {
					check_fail(r, "pfn %#llx: %s struct pages at va %#llx are unmapped",
						   P(page_va_to_pfn(g, va)), d->name, P(va));
					return;
				}
				/* lazy boot frames too: what memmap_init left there */
				bytes = frame_bytes(&m->frames, w.pfn);
				if (!bytes && scratch->pfn == w.pfn)
					bytes = scratch->bytes;
				if (!bytes && !frame_read(m, w.pfn, 0, scratch->bytes, g->page_size)) {
					scratch->pfn = w.pfn;
					bytes = scratch->bytes;
				}
				if (!bytes) {
					check_fail(r, "pfn %#llx: %s struct pages at va %#llx hold nothing",
						   P(page_va_to_pfn(g, va)), d->name, P(va));
					return;
				}
				alike = frame_pattern(&m->frames, w.pfn) ||
					frame_owner(&m->frames, w.pfn) == FO_SHARED_TAIL;
				/*
				 * Only the slots of this compound page: with a memmap
				 * smaller than one page (16K or 64K base pages, 2 MiB
				 * compounds) the rest of the page is another's.
				 */
				unsigned k0 = va < head ? (unsigned)((head - va) / g->struct_page_size) : 0;
				unsigned k1 = end - va < g->page_size ?
					(unsigned)((end - va) / g->struct_page_size) : g->spp;

				for (unsigned k = k0; k < k1; k++) {
					vaddr_t pva = va + k * g->struct_page_size;
					const uint8_t *sp = bytes + k * g->struct_page_size;
					vaddr_t ch;

					if (alike && k != k0 && k != k1 - 1)
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

void check_shared_pte(struct machine *m, struct check_report *r)
{
	struct shared_pte_ctx c = { .m = m, .r = r };

	if (!m->vmemmap_share_pte && !m->stat.nr_shared_pte_tables)
		return;
	c.v = check_alloc(calloc((size_t)m->nr_nodes * MAX_NR_ZONES * NR_VMEMMAP_TAILS_MAX,
				 sizeof(*c.v)));
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

