// SPDX-License-Identifier: GPL-2.0-only
/*
 * The comparison of two machines (diff.h).  Leaves are collected from both
 * page tables and compared in address order; the bytes behind each leaf
 * are compared frame by frame, with short cuts for frames whose form says
 * they are alike (two lazy frames of the same vmemmap page, two pattern
 * frames: their one struct page); owners are compared a block of the frame
 * store at a time, skipping blocks empty on both sides.  Only the first
 * difference is described; the caller (cli/cmd_diff.c) prints both sides'
 * explanation of it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/page_struct.h"
#include "mm/vmstat.h"
#include "sim/diff.h"

struct leaf {
	vaddr_t va;
	uint64_t entry;
	int level;
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

static int add_leaf(void *arg, vaddr_t va, enum pt_level lvl, uint64_t entry)
{
	struct leaves *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		struct leaf *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct leaf){ va, entry, (int)lvl };
	return 0;
}

static void found(struct machine_diff *d, pfn_t pfn, vaddr_t va, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void found(struct machine_diff *d, pfn_t pfn, vaddr_t va, const char *fmt, ...)
{
	va_list ap;

	if (d->found)
		return;
	d->found = true;
	d->pfn = pfn;
	d->va = va;
	va_start(ap, fmt);
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	va_end(ap);
}

/* ---- the frame class of a leaf ---- */

struct class_scan {
	pfn_t pfn;
	vaddr_t lowest;
	uint64_t nr;
};

static int count_mappers(void *arg, vaddr_t va, enum pt_level lvl, uint64_t entry)
{
	struct class_scan *s = arg;

	if (lvl == PT_PTE && entry_pfn(entry) == s->pfn) {
		if (!s->nr++)
			s->lowest = va;
	}
	return 0;
}

void vmemmap_frame_class(struct machine *m, vaddr_t va, char *buf, size_t len)
{
	struct pt_walk w;
	struct class_scan s = { 0 };
	const char *ro;

	if (vmemmap_walk_va(m, va, &w)) {
		snprintf(buf, len, "unmapped");
		return;
	}
	ro = w.writable ? "read-write" : "read-only";
	if (w.leaf == PT_PMD) {
		snprintf(buf, len, "a PMD block (frame %#llx), %s", (unsigned long long)w.pfn, ro);
		return;
	}
	switch (frame_owner(&m->frames, w.pfn)) {
	case FO_SHARED_TAIL:
		snprintf(buf, len, "a shared tail page (frame %#llx), %s",
			 (unsigned long long)w.pfn, ro);
		return;
	case FO_VMEMMAP:
		break;
	default:
		snprintf(buf, len, "frame %#llx, which is no vmemmap page (owner %d), %s",
			 (unsigned long long)w.pfn, (int)frame_owner(&m->frames, w.pfn), ro);
		return;
	}
	s.pfn = w.pfn;
	vmemmap_for_each_leaf(m, count_mappers, &s);
	if (s.nr <= 1)
		snprintf(buf, len, "its own frame %#llx, %s", (unsigned long long)w.pfn, ro);
	else if (s.lowest == ALIGN_DOWN(va, m->geo.page_size))
		snprintf(buf, len, "the reuse page (frame %#llx, %s%s), which %llu PTEs map",
			 (unsigned long long)w.pfn,
			 frame_origin(&m->frames, w.pfn) == ORIGIN_BUDDY ? "a head copy from the buddy, " : "",
			 ro, (unsigned long long)s.nr);
	else
		snprintf(buf, len, "the reuse page of va %#llx (frame %#llx), %s",
			 (unsigned long long)s.lowest, (unsigned long long)w.pfn, ro);
}

/* ---- page tables ---- */

static void diff_leaves(struct machine *a, const char *na, struct machine *b,
			const char *nb, const struct leaves *lx, const struct leaves *ly,
			struct machine_diff *d)
{
	const struct leaves x = *lx, y = *ly;

	d->nr_leaves = x.n;
	for (size_t i = 0; i < x.n || i < y.n; i++) {
		const struct leaf *p = i < x.n ? &x.v[i] : NULL, *q = i < y.n ? &y.v[i] : NULL;
		char ca[160], cb[160];
		vaddr_t va;

		if (p && q && p->va == q->va && p->entry == q->entry && p->level == q->level)
			continue;
		/* the lower address is where the mappings part */
		va = !q || (p && p->va < q->va) ? p->va : q->va;
		vmemmap_frame_class(a, va, ca, sizeof(ca));
		vmemmap_frame_class(b, va, cb, sizeof(cb));
		found(d, page_va_to_pfn(&a->geo, va), va,
		      "the vmemmap page at va %#llx: %s maps %s; %s maps %s",
		      (unsigned long long)va, na, ca, nb, cb);
		break;
	}
}

/* ---- frames ---- */

/* Are frames @fa of @a and @fb of @b alike byte for byte? */
/* (@x and @y: a page of scratch space each.) */
static bool frames_alike(struct machine *a, pfn_t fa, struct machine *b, pfn_t fb,
			 uint8_t *x, uint8_t *y, size_t *off)
{
	uint64_t ea = frame_entry(&a->frames, fa), eb = frame_entry(&b->frames, fb);
	size_t ps = a->geo.page_size;

	*off = 0;
	if ((ea & FRAME_LAZY) && (eb & FRAME_LAZY) &&
	    frame_lazy_vpage(&a->frames, fa) == frame_lazy_vpage(&b->frames, fb))
		return true;
	if ((ea & FRAME_PATTERN) && (eb & FRAME_PATTERN) &&
	    !memcmp(frame_pattern(&a->frames, fa), frame_pattern(&b->frames, fb),
		    a->geo.struct_page_size))
		return true;
	/* a frame without bytes reads as all ones: alike only if both have none */
	if (frame_read(a, fa, 0, x, ps))
		memset(x, 0xff, ps);
	if (frame_read(b, fb, 0, y, ps))
		memset(y, 0xff, ps);
	if (!memcmp(x, y, ps))
		return true;
	while (*off < ps && x[*off] == y[*off])
		(*off)++;
	return false;
}

static const char *field_name(size_t off)
{
	switch (off & ~7UL) {
	case PAGE_OFF_FLAGS: return "flags";
	case PAGE_OFF_COMPOUND_INFO: return "compound_head";
	case PAGE_OFF_LRU_PREV: return "lru.prev";
	case PAGE_OFF_MAPPING: return "mapping";
	case PAGE_OFF_INDEX: return "index";
	case PAGE_OFF_PRIVATE: return "private";
	case PAGE_OFF_MAPCOUNT: return off < PAGE_OFF_REFCOUNT ? "_mapcount" : "_refcount";
	default: return "a later word";
	}
}

static uint64_t word_at(struct machine *m, vaddr_t va)
{
	struct pt_walk w;
	uint64_t v = 0;

	if (!vmemmap_walk_va(m, va, &w))
		frame_read(m, w.pfn, va & (m->geo.page_size - 1), &v, sizeof(v));
	return v;
}

static void diff_bytes(struct machine *a, const char *na, struct machine *b,
		       const char *nb, const struct leaves *lx, uint8_t *pa, uint8_t *pb,
		       struct machine_diff *d)
{
	const struct geometry *g = &a->geo;
	const struct leaves x = *lx;

	for (size_t i = 0; i < x.n && !d->found; i++) {
		uint64_t nr = x.v[i].level == PT_PMD ? g->ptrs_per_table : 1;
		pfn_t fa = entry_pfn(x.v[i].entry);
		struct pt_walk w;

		if (vmemmap_walk_va(b, x.v[i].va, &w))
			continue; /* diff_leaves() reported it */
		for (uint64_t k = 0; k < nr && !d->found; k++) {
			vaddr_t va = x.v[i].va + k * g->page_size, fva;
			size_t off;
			pfn_t pfn;

			d->nr_pages++;
			if (frames_alike(a, fa + k, b, w.pfn + k, pa, pb, &off))
				continue;
			fva = va + off;
			pfn = page_va_to_pfn(g, fva);
			off = (fva - g->vmemmap_start) % g->struct_page_size;
			fva -= off % 8;
			found(d, pfn, pfn_to_page_va(g, pfn),
			      "the struct page of pfn %#llx, byte %zu (%s): %s %#llx, %s %#llx",
			      (unsigned long long)pfn, off, field_name(off), na,
			      (unsigned long long)word_at(a, fva), nb,
			      (unsigned long long)word_at(b, fva));
		}
	}
}

static void diff_owners(struct machine *a, const char *na, struct machine *b,
			const char *nb, struct machine_diff *d)
{
	const struct frame_store *fa = &a->frames, *fb = &b->frames;
	pfn_t end = MIN(a->max_pfn, b->max_pfn);

	if (a->max_pfn != b->max_pfn)
		found(d, PFN_NONE, 0, "max_pfn: %s %#llx, %s %#llx", na,
		      (unsigned long long)a->max_pfn, nb, (unsigned long long)b->max_pfn);
	for (pfn_t blk = 0; blk < end && !d->found; blk += FRAME_BLOCK) {
		uint64_t wa = frame_block_word(fa, blk), wb = frame_block_word(fb, blk);

		if (!wa && !wb)
			continue;
		if (wa == wb && (wa & FRAME_OWNER_MASK))
			continue; /* the same extent */
		for (pfn_t pfn = blk; pfn < blk + FRAME_BLOCK && pfn < end; pfn++) {
			enum frame_owner oa = frame_owner(fa, pfn), ob = frame_owner(fb, pfn);
			enum frame_origin ga = frame_origin(fa, pfn), gb = frame_origin(fb, pfn);

			if (oa == ob && (!oa || ga == gb))
				continue;
			found(d, pfn, 0, "the owner of frame %#llx: %s owner %d origin %d, %s owner %d origin %d "
			      "(owners: 0 none, 1 vmemmap, 2 page table, 3 shared tail, 4 kernel, 5 shared PTE; "
			      "origins: 0 memblock, 1 buddy, 2 altmap)",
			      (unsigned long long)pfn, na, (int)oa, (int)ga, nb, (int)ob, (int)gb);
			break;
		}
	}
}

/* ---- counters ---- */

static void diff_pools(struct machine *a, const char *na, struct machine *b,
		       const char *nb, struct machine_diff *d)
{
	if (a->nr_hstates != b->nr_hstates) {
		found(d, PFN_NONE, 0, "the number of huge page sizes: %s %u, %s %u", na,
		      a->nr_hstates, nb, b->nr_hstates);
		return;
	}
	for (unsigned i = 0; i < a->nr_hstates; i++) {
		const struct hstate *x = &a->hstates[i], *y = &b->hstates[i];
		uint64_t kb = (a->geo.page_size << x->order) >> 10;
		unsigned n;

		for (n = 0; n < MAX_NUMNODES; n++)
			if (x->nr_huge_pages_node[n] != y->nr_huge_pages_node[n] ||
			    x->free_huge_pages_node[n] != y->free_huge_pages_node[n] ||
			    x->surplus_huge_pages_node[n] != y->surplus_huge_pages_node[n])
				break;
		if (n == MAX_NUMNODES && x->nr_huge_pages == y->nr_huge_pages &&
		    x->free_huge_pages == y->free_huge_pages &&
		    x->surplus_huge_pages == y->surplus_huge_pages &&
		    x->resv_huge_pages == y->resv_huge_pages &&
		    x->nr_overcommit_huge_pages == y->nr_overcommit_huge_pages)
			continue;
		found(d, PFN_NONE, 0, "pool hugepages-%llukB: %s %llu pages (%llu free), %s %llu (%llu free)%s",
		      (unsigned long long)kb, na, (unsigned long long)x->nr_huge_pages,
		      (unsigned long long)x->free_huge_pages, nb,
		      (unsigned long long)y->nr_huge_pages, (unsigned long long)y->free_huge_pages,
		      n < MAX_NUMNODES ? "; per node counts differ" : "");
		return;
	}
}

/*
 * How the frame store holds bytes (real, lazy, pattern) is the simulator's
 * business: the real code's reads give a frame bytes the model leaves lazy.
 * The bytes themselves are compared.
 */
static bool representation_counter(const char *name)
{
	return !strcmp(name, "host_backed_frames") || !strcmp(name, "lazy_frames");
}

static void diff_counters(struct machine *a, const char *na, struct machine *b,
			  const char *nb, struct machine_diff *d)
{
	const struct mmu *x = &a->mmu, *y = &b->mmu;

	for (const struct counter_desc *c = counter_table; c->name && !d->found; c++) {
		int64_t va, vb;

		if (representation_counter(c->name))
			continue;
		va = c->get(a);
		vb = c->get(b);
		if (va != vb)
			found(d, PFN_NONE, 0, "counter %s: %s %lld, %s %lld", c->name, na,
			      (long long)va, nb, (long long)vb);
	}
	if (memcmp(&a->stat, &b->stat, sizeof(a->stat)))
		found(d, PFN_NONE, 0, "a vmstat word no counter shows (compare hvo run --json)");
	if (a->hugetlb_optimize_vmemmap_key != b->hugetlb_optimize_vmemmap_key)
		found(d, PFN_NONE, 0, "hugetlb_optimize_vmemmap_key: %s %lld, %s %lld", na,
		      (long long)a->hugetlb_optimize_vmemmap_key, nb,
		      (long long)b->hugetlb_optimize_vmemmap_key);
	if (x->nr_flush_all != y->nr_flush_all || x->nr_flush_range != y->nr_flush_range)
		found(d, PFN_NONE, 0, "TLB flushes (all, range): %s %llu, %llu; %s %llu, %llu", na,
		      (unsigned long long)x->nr_flush_all, (unsigned long long)x->nr_flush_range,
		      nb, (unsigned long long)y->nr_flush_all, (unsigned long long)y->nr_flush_range);
	if (x->nr_faults != y->nr_faults || x->nr_freed_while_cached != y->nr_freed_while_cached)
		found(d, PFN_NONE, 0, "MMU faults, frames freed while cached: %s %llu, %llu; %s %llu, %llu",
		      na, (unsigned long long)x->nr_faults,
		      (unsigned long long)x->nr_freed_while_cached, nb,
		      (unsigned long long)y->nr_faults, (unsigned long long)y->nr_freed_while_cached);
	for (unsigned i = 0; i < TLB_ENTRIES && !d->found; i++) {
		const struct tlb_entry pe = tlb_entry(x, i), qe = tlb_entry(y, i), *p = &pe, *q = &qe;

		/* Kernel mode reads struct pages the model does not, so it may
		 * cache more pages; one page cached differently is a difference. */
		if (p->vpage == q->vpage && p->vpage != ~0ULL &&
		    (p->pfn != q->pfn || p->writable != q->writable)) {
			vaddr_t va = p->vpage << a->geo.page_shift;
			found(d, page_va_to_pfn(&a->geo, va), va,
			      "the TLB entry of va %#llx: %s frame %#llx %s, %s frame %#llx %s",
			      (unsigned long long)va, na, (unsigned long long)p->pfn,
			      p->writable ? "rw" : "ro", nb, (unsigned long long)q->pfn,
			      q->writable ? "rw" : "ro");
		}
	}
}

int machine_diff(struct machine *a, const char *na, struct machine *b,
		 const char *nb, struct machine_diff *d)
{
	struct leaves x = { 0 }, y = { 0 };
	uint8_t *pa, *pb;
	int ret = -ENOMEM;

	memset(d, 0, sizeof(*d));
	d->pfn = PFN_NONE;
	if (a->geo.page_size != b->geo.page_size ||
	    a->geo.struct_page_size != b->geo.struct_page_size) {
		found(d, PFN_NONE, 0, "the machines' geometry (page or struct page size)");
		return 0;
	}
	pa = malloc(a->geo.page_size);
	pb = malloc(a->geo.page_size);
	if (!pa || !pb || vmemmap_for_each_leaf(a, add_leaf, &x) ||
	    vmemmap_for_each_leaf(b, add_leaf, &y))
		goto out;
	ret = 0;
	diff_leaves(a, na, b, nb, &x, &y, d);
	if (!d->found)
		diff_owners(a, na, b, nb, d);
	if (!d->found)
		diff_bytes(a, na, b, nb, &x, pa, pb, d);
	if (!d->found)
		diff_pools(a, na, b, nb, d);
	if (!d->found)
		diff_counters(a, na, b, nb, d);
out:
	free(x.v);
	free(y.v);
	free(pa);
	free(pb);
	return ret;
}
