// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lists of vmemmap pages: the pages a walk unmaps wait on one until the TLB
 * has been flushed, and a restore takes its new pages from one.  Freeing a
 * list returns each page to where it came from: the buddy allocator, or
 * memblock's reserved pages for a boot-time memmap.
 */
#include <errno.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/alloc.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/sparse.h"

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
void vmemmap_list_add_run(struct vmemmap_list *l, pfn_t pfn, uint64_t nr)
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
bool vmemmap_list_del(struct vmemmap_list *l, pfn_t pfn)
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

pfn_t vmemmap_list_pop_first(struct vmemmap_list *l)
{
	struct pfn_run *first;
	pfn_t pfn;

	if (!l->nr)
		return PFN_NONE;
	first = &l->v[0];
	pfn = first->start;
	l->nr--;
	if (!--first->nr) {
		memmove(first, first + 1, (l->nr_runs - 1) * sizeof(*first));
		l->nr_runs--;
	} else {
		first->start++;
	}
	return pfn;
}

/* ClearPageReserved() and a refcount of 0 in one struct page. */
static void unreserve_struct_page(struct machine *m, pfn_t pfn)
{
	vaddr_t page = pfn_to_page_va(&m->geo, pfn);
	uint64_t flags;

	BUG_ON(page_read_u64(m, page, PAGE_OFF_FLAGS, &flags));
	BUG_ON(page_write_u64(m, page, PAGE_OFF_FLAGS, flags & ~page_pg(m, reserved)));
	BUG_ON(set_page_count(m, pfn, 0));
}

/*
 * The last whole vmemmap page unreserve_struct_page_block() made: the
 * struct page it repeated before, and its frame, which repeats the result.
 */
struct unreserve_memo {
	bool valid;
	uint8_t before[MAX_PATTERN_BYTES];
	pfn_t frame;
};

/*
 * The same for the 2^n struct pages of one whole vmemmap page from @pfn
 * when they are all alike (a pattern frame, or a lazy one that can be
 * made one): they all end alike, so the frame becomes the changed struct
 * page repeated, with one translation instead of three accesses each.  A
 * page that repeated what the one before (@memo) did shares its result
 * (no interning: the freed pages of a run are alike page after page).
 * -EAGAIN if the page is not like that: the caller goes page by page.
 */
static int unreserve_struct_page_block(struct machine *m, pfn_t pfn, struct unreserve_memo *memo)
{
	const struct geometry *g = &m->geo;
	uint8_t before[MAX_PATTERN_BYTES], sp[MAX_PATTERN_BYTES];
	int32_t zero = 0;
	struct pt_walk w;
	uint64_t flags;
	pfn_t frame;

	if (vmemmap_walk_va(m, pfn_to_page_va(g, pfn), &w) || !w.writable)
		return -EAGAIN; /* page by page: the same fault, counted there */
	BUG_ON(mmu_translate_walked(m, &w, true, &frame));
	if (!frame_repeats(m, frame, before)) {
		if (frame_make_pattern(m, frame))
			return -EAGAIN;
		memcpy(before, frame_pattern(&m->frames, frame), g->struct_page_size);
	}
	if (memo->valid && memo->frame != frame &&
	    !memcmp(before, memo->before, g->struct_page_size) &&
	    frame_pattern(&m->frames, memo->frame))
		return frame_share_pattern(&m->frames, frame, memo->frame);
	memcpy(sp, before, g->struct_page_size);
	flags = page_struct_flags(sp) & ~page_pg(m, reserved);
	memcpy(sp + PAGE_OFF_FLAGS, &flags, sizeof(flags));
	memcpy(sp + PAGE_OFF_REFCOUNT, &zero, sizeof(zero));
	if (frame_set_pattern(&m->frames, frame, sp))
		return -EAGAIN;
	memo->valid = true;
	memcpy(memo->before, before, g->struct_page_size);
	memo->frame = frame;
	return 0;
}

/* free_reserved_page()'s struct page updates for [@pfn, @pfn + @nr). */
static void unreserve_struct_pages(struct machine *m, pfn_t pfn, uint64_t nr)
{
	const struct geometry *g = &m->geo;
	struct unreserve_memo memo = { .valid = false };
	pfn_t end = pfn + nr;

	memmap_alike_memo_begin(m); /* only struct pages change in this loop */
	while (pfn < end) {
		if (g->struct_page_pow2 && IS_ALIGNED(pfn, g->spp) && end - pfn >= g->spp &&
		    !unreserve_struct_page_block(m, pfn, &memo)) {
			pfn += g->spp;
			continue;
		}
		memo.valid = false; /* a page by page write may reach its frame */
		unreserve_struct_page(m, pfn++);
	}
	memmap_alike_memo_end(m);
}

/*
 * free_vmemmap_page() of each page of a run: it goes back by its origin,
 * with its counter.  The kernel's remap walk puts every page it unmaps at
 * the head of the list (list_add() in vmemmap_remap_pte()), so
 * free_vmemmap_page_list() frees them last unmapped first: in descending
 * order.  Where the list is a queue (GEN_LIST_FIFO: 6.1's list_add_tail())
 * they go back in the order they were unmapped.  One by one, through the
 * per-CPU lists.
 *
 * A boot-memmap page after boot goes through free_bootmem_page():
 * free_reserved_page() clears PG_reserved and leaves refcount 0 as the
 * page goes to the buddy allocator, so a later __free_page() of the same
 * frame (a restore's page, say) is told apart by PageReserved() as the
 * kernel tells it.  Those struct page updates are made for the whole run
 * first (nothing reads them in between, and the allocator keeps its own
 * state), then the pages are freed in the kernel's order.  At boot (still
 * memblock) the pages stay reserved.
 */
static void free_vmemmap_run(struct machine *m, pfn_t pfn, uint64_t nr,
			     enum frame_origin origin, bool fifo)
{
	if (origin == ORIGIN_MEMBLOCK && m->phase != PHASE_EARLY)
		unreserve_struct_pages(m, pfn, nr);
	if (origin == ORIGIN_MEMBLOCK)
		(fifo ? free_reserved_frames : free_reserved_frames_down)(m, pfn, nr);
	else
		(fifo ? free_frames_run : free_frames_run_down)(m, pfn, nr);
}

/* free_bootmem_page() of @nr boot-memmap pages (see free_vmemmap_run()). */
void free_bootmem_vmemmap_pages(struct machine *m, pfn_t pfn, uint64_t nr)
{
	if (m->phase != PHASE_EARLY)
		unreserve_struct_pages(m, pfn, nr);
	free_reserved_frames(m, pfn, nr);
}

struct vmemmap_seg {
	pfn_t pfn;
	uint64_t nr;
	enum frame_origin origin;
};

void free_vmemmap_page_list(struct machine *m, struct vmemmap_list *l)
{
	struct vmemmap_seg *seg = NULL;
	uint64_t nr_seg = 0, cap = 0;

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
			if (nr_seg == cap) {
				cap = cap ? cap * 2 : 16;
				seg = realloc(seg, cap * sizeof(*seg));
				if (!seg) {
					fprintf(stderr, "hvo: host out of memory\n");
					abort();
				}
			}
			seg[nr_seg++] = (struct vmemmap_seg){ pfn, n, origin };
			pfn += n;
			left -= n;
		}
	}
	if (gen_has(m, GEN_LIST_FIFO)) {
		for (uint64_t k = 0; k < nr_seg; k++)
			free_vmemmap_run(m, seg[k].pfn, seg[k].nr, seg[k].origin, true);
	} else {
		while (nr_seg--)
			free_vmemmap_run(m, seg[nr_seg].pfn, seg[nr_seg].nr, seg[nr_seg].origin, false);
	}
	free(seg);
	l->nr = l->nr_runs = 0;
}
