// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB pool (see hugetlb.h): hstates, the boot parameters, growing and
 * shrinking the pool with batched vmemmap optimization and restore, and the
 * sysctls.  Boot-time pages are in hugetlb_bootmem.c.
 *
 * Pool folios are all free (nothing maps them in the simulator).  A folio's
 * struct pages are real: prep writes the head, the folio fields in pages
 * 1..3 and every tail; the free path checks the tails the way
 * free_tail_page_prepare() does and leaks the folio if one is corrupted,
 * as the kernel does.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_cma.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "lib/parse.h"
#include "arch/pgtable.h"
#include "mm/sparse.h"

/* ---- sizes ---- */

/* arch_hugetlb_valid_size(): the sizes the architecture accepts, smallest first. */
unsigned arch_hugetlb_sizes(const struct geometry *g, uint64_t *sizes)
{
	memcpy(sizes, g->huge_sizes, g->nr_huge_sizes * sizeof(*sizes));
	return g->nr_huge_sizes;
}

struct hstate *size_to_hstate(struct machine *m, uint64_t size)
{
	for (unsigned i = 0; i < m->nr_hstates; i++)
		if (huge_page_size(m, &m->hstates[i]) == size)
			return &m->hstates[i];
	return NULL;
}

const char *hstate_size_str(const struct machine *m, const struct hstate *h,
			    char *buf, size_t len)
{
	uint64_t sz = huge_page_size(m, h);

	if (sz >= SZ_1G)
		snprintf(buf, len, "%.2f GiB", (double)sz / SZ_1G);
	else if (sz >= SZ_1M)
		snprintf(buf, len, "%.2f MiB", (double)sz / SZ_1M);
	else
		snprintf(buf, len, "%.2f KiB", (double)sz / SZ_1K);
	return buf;
}

static void supported_sizes_str(const struct machine *m, char *buf, size_t len)
{
	uint64_t sizes[8];
	unsigned n = arch_hugetlb_sizes(&m->geo, sizes);
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && off < len; i++) {
		char s[32];
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					format_size(sizes[i], s, sizeof(s)));
	}
}

bool hstate_is_gigantic(const struct machine *m, const struct hstate *h)
{
	return h->order > m->geo.max_order;
}

unsigned hstate_index(const struct machine *m, const struct hstate *h)
{
	return (unsigned)(h - m->hstates);
}

/* ---- boot parameters ---- */

/*
 * hugetlb_free_vmemmap=: an early parameter of mm/hugetlb_vmemmap.c, so a
 * kernel built without HugeTLB HVO (arm64 since 060a2c92d1b6, s390 since
 * 64e2f60f355e) does not know it, says so at boot and leaves HVO off.
 */
static void hugetlb_free_vmemmap_setup(struct machine *m, const struct boot_params *bp)
{
	if (!hugetlb_vmemmap_configured(m)) {
		if (bp->hugetlb_free_vmemmap != -1) { /* boot logs the unknown list */
			size_t n = strlen(m->bp.unknown);
			snprintf(m->bp.unknown + n, sizeof(m->bp.unknown) - n, "%shugetlb_free_vmemmap=%s",
				 n ? " " : "", bp->hugetlb_free_vmemmap ? "on" : "off");
		}
		m->vmemmap_optimize_enabled = false;
		return;
	}
	m->vmemmap_optimize_enabled = bp->hugetlb_free_vmemmap == 1;
}

int hugetlb_apply_boot_params(struct machine *m, const struct boot_params *bp,
			      char *err, size_t errlen)
{
	uint64_t sizes[8], def;
	unsigned n = arch_hugetlb_sizes(&m->geo, sizes);
	char supported[128];

	m->bp = *bp;
	m->nr_hstates = 0;
	supported_sizes_str(m, supported, sizeof(supported));
	/* Every size the architecture supports is registered, smallest first. */
	for (unsigned i = 0; i < n; i++) {
		struct hstate *h = &m->hstates[m->nr_hstates++];
		memset(h, 0, sizeof(*h));
		h->order = ilog2_u64(sizes[i]) - m->geo.page_shift;
		h->registered = true;
	}
	hugetlb_init_demote_order(m);
	for (unsigned i = 0; i < bp->nr_hugepagesz; i++) {
		char s[32];
		if (!size_to_hstate(m, bp->hugepagesz[i])) {
			snprintf(err, errlen, "hugepagesz=%s: unsupported huge page size on %s %lluK pages (supported: %s)",
				 format_size(bp->hugepagesz[i], s, sizeof(s)), m->geo.arch,
				 (unsigned long long)(m->geo.page_size >> 10), supported);
			return -EINVAL;
		}
	}
	def = bp->default_hugepagesz ? bp->default_hugepagesz : m->geo.default_huge_size;
	if (!size_to_hstate(m, def)) {
		char s[32];
		snprintf(err, errlen, "default_hugepagesz=%s: unsupported huge page size (supported: %s)",
			 format_size(def, s, sizeof(s)), supported);
		return -EINVAL;
	}
	m->default_hstate = hstate_index(m, size_to_hstate(m, def));
	for (unsigned i = 0; i < bp->nr_hp; i++) {
		if (bp->hp[i].per_node) {
			for (unsigned nid = m->nr_nodes; nid < MAX_NUMNODES; nid++) {
				if (bp->hp[i].node_count[nid]) {
					snprintf(err, errlen, "hugepages=: node %u does not exist (the machine has %u)",
						 nid, m->nr_nodes);
					return -EINVAL;
				}
			}
		}
	}
	hugetlb_free_vmemmap_setup(m, bp);
	if (bp->hvo_share_pte == 1 && !gen_has(m, GEN_SHARED_TAILS)) {
		snprintf(err, errlen, "hvo_share_pte=on: needs the shared-tail or generic design (legacy maps tails onto a copy of each folio's head page, so no two folios have a PTE table in common)");
		return -EINVAL;
	}
	m->vmemmap_share_pte = bp->hvo_share_pte == 1;
	return 0;
}

/* The boot request for @h: per-node counts in @node_count, total returned. */
uint64_t boot_request(struct machine *m, const struct hstate *h,
			     uint64_t *node_count, bool *per_node)
{
	uint64_t size = huge_page_size(m, h);
	uint64_t def = huge_page_size(m, &m->hstates[m->default_hstate]);

	*per_node = false;
	for (unsigned i = 0; i < m->bp.nr_hp; i++) {
		const struct hp_request *r = &m->bp.hp[i];
		if ((r->size ? r->size : def) != size)
			continue;
		*per_node = r->per_node;
		memcpy(node_count, r->node_count, sizeof(r->node_count));
		return r->count;
	}
	return 0;
}

/* Nodes that have memory, for round-robin allocation. */
bool node_has_memory(const struct machine *m, unsigned nid)
{
	return m->nodes[nid].online && m->nodes[nid].node_present_pages;
}

/* ---- struct pages of a folio ---- */

/* prep_new_hugetlb_folio(): every struct page of a fresh folio. */
void prep_new_hugetlb_folio(struct machine *m, const struct hstate *h,
				   pfn_t pfn)
{
	struct page_struct tail;

	compound_tail_struct(m, pfn, h->order, &tail);
	BUG_ON(prep_compound_head(m, pfn, h->order, PAGE_TYPE_HUGETLB));
	BUG_ON(write_struct_pages(m, pfn, 4, pages_per_huge_page(h), &tail));
}

/*
 * A pre-HVO bootmem folio: only the struct pages in its private head
 * vmemmap page exist to be written; the rest is the shared tail.
 */
void prep_bootmem_hvo_folio(struct machine *m, const struct hstate *h,
				   pfn_t pfn)
{
	struct page_struct tail;

	compound_tail_struct(m, pfn, h->order, &tail);
	BUG_ON(prep_compound_head(m, pfn, h->order, PAGE_TYPE_HUGETLB));
	BUG_ON(write_struct_pages(m, pfn, 4, m->geo.spp, &tail));
	folio_set_vmemmap_optimized(m, pfn, true);
}

/* Tails whose mapping word holds folio fields: page[1..2], or [1..3]. */
static uint64_t folio_tail_fields(const struct machine *m)
{
	return gen_has(m, GEN_FOLIO_PAGE3) ? 3 : 2;
}

/*
 * After tail @i at @p was found right with @hits TLB hits and no miss
 * (@misses is the count before it): how many following tails of its
 * vmemmap page hold the same bytes in a pattern-with-exceptions frame,
 * so the same reads give the same verdict.  They are counted, not read:
 * each read would hit the same TLB entry of the same frame.  Only with
 * the pointer encoding, where compound_head() of a tail not at a page's
 * start reads its compound_head word alone.
 */
static uint64_t alike_tails_after(struct machine *m, vaddr_t p, uint64_t i, uint64_t nr,
				  uint64_t misses, uint64_t hits)
{
	const struct geometry *g = &m->geo;
	unsigned slot = (unsigned)((p & (g->page_size - 1)) / g->struct_page_size);
	const struct frame_px *x;
	struct pt_walk w;
	uint64_t n;

	if (m->mmu.nr_tlb_misses != misses || struct_page_ctx_of(m).mask ||
	    i <= folio_tail_fields(m) || !slot || vmemmap_walk_va(m, p, &w) ||
	    !(x = frame_px(&m->frames, w.pfn)))
		return 0;
	n = MIN(frame_px_alike_end(x, slot, g->spp) - slot - 1, nr - i - 1);
	m->mmu.nr_tlb_hits += n * hits;
	return n;
}

/*
 * free_tail_page_prepare() for every tail: the mapping poison past the
 * folio fields, and compound_head() pointing at the head.  Returns the
 * number of bad pages (each logged, a few at most).
 */
static uint64_t check_free_tails(struct machine *m, const struct hstate *h,
				 pfn_t pfn)
{
	const struct geometry *g = &m->geo;
	vaddr_t head = pfn_to_page_va(g, pfn);
	uint64_t bad = 0, nr = pages_per_huge_page(h);

	if (gen_has(m, GEN_NO_FREE_TAIL_CHECK))
		return 0;
	for (uint64_t i = 1; i < nr; i++) {
		vaddr_t p = head + i * g->struct_page_size, ch;
		uint64_t mapping;
		const char *why = NULL;
		struct pt_walk w;

		/*
		 * A vmemmap page whose struct pages are all alike needs one
		 * look: the same bytes give the same verdict, and both
		 * encodings name the same head for every slot of the page.
		 */
		if (i > 3 && IS_ALIGNED(p, g->page_size) && i + g->spp <= nr &&
		    !vmemmap_walk_va(m, p, &w) && frame_pattern(&m->frames, w.pfn)) {
			BUG_ON(page_read_u64(m, p, PAGE_OFF_MAPPING, &mapping));
			BUG_ON(compound_head(m, p, &ch));
			if (mapping == TAIL_MAPPING && ch == head) {
				i += g->spp - 1;
				continue;
			}
		}
		uint64_t hits = m->mmu.nr_tlb_hits, misses = m->mmu.nr_tlb_misses;

		BUG_ON(page_read_u64(m, p, PAGE_OFF_MAPPING, &mapping));
		BUG_ON(compound_head(m, p, &ch));
		if (i > folio_tail_fields(m) && mapping != TAIL_MAPPING)
			why = "corrupted mapping in tail page";
		else if (ch != head)
			why = "compound_head not consistent";
		if (!why) {
			i += alike_tails_after(m, p, i, nr, misses, m->mmu.nr_tlb_hits - hits);
			continue;
		}
		bad++;
		/* bad_page() is rate limited: the first reports, then a count */
		if (m->stat.nr_bad_pages++ < 16)
			klog(m, "BUG: Bad page state in process hvo  pfn:%llx page dumped because: %s",
			     (unsigned long long)(pfn + i), why);
	}
	return bad;
}

/* Struct pages of freed memory: plain order-0 pages again. */
static void destroy_folio_struct_pages(struct machine *m, const struct hstate *h,
				       pfn_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	struct page_struct ps;

	memset(&ps, 0, sizeof(ps));
	ps.flags = page_flags_node_zone(z->nid, z->idx);
	ps.mapcount = -1;
	BUG_ON(write_struct_pages(m, pfn, 0, pages_per_huge_page(h), &ps));
}

static void record_leak(struct machine *m, pfn_t pfn, uint64_t nr)
{
	struct page_leak *v = realloc(m->leaks, (m->nr_leaks + 1) * sizeof(*v));

	if (!v) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	m->leaks = v;
	v[m->nr_leaks++] = (struct page_leak){ pfn, nr };
}

/* __update_and_free_hugetlb_folio() after its vmemmap is restored. */
void update_and_free_hugetlb_folio(struct machine *m,
					  const struct hstate *h, pfn_t pfn)
{
	if (check_free_tails(m, h, pfn)) {
		/* The kernel refuses to free it: the whole folio leaks. */
		record_leak(m, pfn, pages_per_huge_page(h));
		m->stat.nr_leaked_pages += pages_per_huge_page(h);
		return;
	}
	destroy_folio_struct_pages(m, h, pfn);
	free_frames(m, pfn, h->order);
}

/* ---- the pool ---- */

void folio_list_push(struct folio_list *l, struct hugetlb_folio f)
{
	if (l->nr == l->cap) {
		uint64_t cap = l->cap ? l->cap * 2 : 64;
		struct hugetlb_folio *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "hvo: host out of memory\n");
			abort();
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr++] = f;
}

static int pfn_nid(struct machine *m, pfn_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	return z ? z->nid : 0;
}

void enqueue_hugetlb_folio(struct machine *m, struct hstate *h,
				  pfn_t pfn, bool surplus, bool bootmem)
{
	int nid = pfn_nid(m, pfn);

	folio_list_push(&h->freelists[nid], (struct hugetlb_folio){ pfn, bootmem, 0 });
	h->nr_huge_pages++;
	h->nr_huge_pages_node[nid]++;
	h->free_huge_pages++;
	h->free_huge_pages_node[nid]++;
	if (surplus) {
		h->surplus_huge_pages++;
		h->surplus_huge_pages_node[nid]++;
	}
	if (folio_vmemmap_optimized(m, pfn))
		h->nr_optimized++;
}

/* remove_pool_hugetlb_folio(): the most recent free folio of a node. */
bool dequeue_hugetlb_folio(struct machine *m, struct hstate *h, int nid,
				  struct hugetlb_folio *out)
{
	unsigned n;

	for (unsigned t = 0; t < m->nr_nodes; t++) {
		n = nid == NUMA_NO_NODE ? h->next_nid_to_free : (unsigned)nid;
		if (nid == NUMA_NO_NODE)
			h->next_nid_to_free = (h->next_nid_to_free + 1) % m->nr_nodes;
		if (h->freelists[n].nr)
			goto found;
		if (nid != NUMA_NO_NODE)
			return false;
	}
	return false;
found:
	*out = h->freelists[n].v[--h->freelists[n].nr];
	h->nr_huge_pages--;
	h->nr_huge_pages_node[n]--;
	h->free_huge_pages--;
	h->free_huge_pages_node[n]--;
	/* Surplus is a count, not a property of a folio: it stays. */
	if (h->surplus_huge_pages_node[n] > h->nr_huge_pages_node[n]) {
		h->surplus_huge_pages--;
		h->surplus_huge_pages_node[n]--;
	}
	if (folio_vmemmap_optimized(m, out->pfn))
		h->nr_optimized--;
	return true;
}

/*
 * A fresh folio from the buddy allocator (contiguous range if gigantic).
 * A gigantic one comes from the HugeTLB CMA areas first, and only from
 * them with hugetlb_cma_only (alloc_gigantic_folio).
 */
pfn_t alloc_fresh_hugetlb_folio(struct machine *m, struct hstate *h,
				       int nid)
{
	struct alloc_request req = { SITE_HUGETLB, h->order, nid, true, ZONE_MOVABLE };
	pfn_t pfn = PFN_NONE;

	if (hstate_is_gigantic(m, h) && hugetlb_cma_enabled(m)) {
		pfn = hugetlb_cma_alloc_folio(m, h->order, nid, true);
		if (pfn == PFN_NONE && hugetlb_cma_exclusive_alloc(m))
			return PFN_NONE;
	}
	if (pfn == PFN_NONE)
		pfn = alloc_frames(m, &req);

	if (pfn == PFN_NONE)
		return pfn;
	prep_new_hugetlb_folio(m, h, pfn);
	/* Before bd225530a4c7 the allocation reference was not frozen to 0. */
	if (gen_has(m, GEN_BUG_SPECULATIVE_WALKERS))
		BUG_ON(set_page_count(m, pfn, 1));
	return pfn;
}

/* Round-robin over the nodes with memory (for_each_node_mask_to_alloc). */
static pfn_t alloc_pool_huge_folio(struct machine *m, struct hstate *h, int nid)
{
	if (nid != NUMA_NO_NODE)
		return alloc_fresh_hugetlb_folio(m, h, nid);
	for (unsigned t = 0; t < m->nr_nodes; t++) {
		unsigned n = h->next_nid_to_alloc;
		pfn_t pfn;
		h->next_nid_to_alloc = (n + 1) % m->nr_nodes;
		if (!node_has_memory(m, n))
			continue;
		pfn = alloc_fresh_hugetlb_folio(m, h, (int)n);
		if (pfn != PFN_NONE)
			return pfn;
	}
	return PFN_NONE;
}


void pfn_vec_push(struct pfn_vec *pv, pfn_t pfn)
{
	if (pv->nr == pv->cap) {
		uint64_t cap = pv->cap ? pv->cap * 2 : 64;
		pfn_t *v = realloc(pv->v, cap * sizeof(*v));
		if (!v) {
			fprintf(stderr, "hvo: host out of memory\n");
			abort();
		}
		pv->v = v;
		pv->cap = cap;
	}
	pv->v[pv->nr++] = pfn;
}

/* prep_and_add_allocated_folios(): optimize the batch, then enqueue it. */
void prep_and_add_allocated_folios(struct machine *m, struct hstate *h,
					  const struct pfn_vec *batch, bool bootmem)
{
	hugetlb_vmemmap_optimize_folios(m, h->order, batch->v, batch->nr);
	for (uint64_t i = 0; i < batch->nr; i++) {
		/*
		 * The race window of bd225530a4c7: the vmemmap is remapped,
		 * the folio is not in the pool yet.  A speculative walker that
		 * sampled one of its pfns before may call get_page_unless_zero()
		 * now.  Then the allocation reference (pre-fix kernels only)
		 * goes as the folio is enqueued.
		 */
		pfn_walkers_run(m, batch->v[i], pages_per_huge_page(h));
		if (gen_has(m, GEN_BUG_SPECULATIVE_WALKERS) && !bootmem)
			BUG_ON(set_page_count(m, batch->v[i], 0));
		enqueue_hugetlb_folio(m, h, batch->v[i], false, bootmem);
	}
}

/* Pages not counted as surplus, on @nid or everywhere. */
static uint64_t persistent_huge_pages(const struct hstate *h, int nid)
{
	if (nid == NUMA_NO_NODE)
		return h->nr_huge_pages - h->surplus_huge_pages;
	return h->nr_huge_pages_node[nid] - h->surplus_huge_pages_node[nid];
}

/* adjust_pool_surplus(-1): one surplus page becomes persistent. */
static bool adjust_pool_surplus(struct machine *m, struct hstate *h, int nid)
{
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		if ((nid != NUMA_NO_NODE && (unsigned)nid != n) ||
		    !h->surplus_huge_pages_node[n])
			continue;
		h->surplus_huge_pages--;
		h->surplus_huge_pages_node[n]--;
		return true;
	}
	return false;
}

/* adjust_pool_surplus(+1): one persistent page in use becomes surplus. */
static bool adjust_pool_surplus_up(struct machine *m, struct hstate *h, int nid)
{
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		if ((nid != NUMA_NO_NODE && (unsigned)nid != n) ||
		    h->surplus_huge_pages_node[n] >= h->nr_huge_pages_node[n])
			continue;
		h->surplus_huge_pages++;
		h->surplus_huge_pages_node[n]++;
		return true;
	}
	return false;
}

/* Grow until @count persistent pages (on @nid only if given). */
void grow_pool(struct machine *m, struct hstate *h, uint64_t count, int nid)
{
	struct pfn_vec batch = { 0 };
	uint64_t have;

	/* Surplus pages are turned into persistent ones before allocating. */
	while (persistent_huge_pages(h, nid) < count && adjust_pool_surplus(m, h, nid))
		;
	have = persistent_huge_pages(h, nid);
	while (have + batch.nr < count) {
		pfn_t pfn = alloc_pool_huge_folio(m, h, nid);
		if (pfn == PFN_NONE)
			break;
		pfn_vec_push(&batch, pfn);
	}
	prep_and_add_allocated_folios(m, h, &batch, false);
	free(batch.v);
}

/*
 * update_and_free_pages_bulk(): restore the batch's vmemmap, free what is
 * restored, retry; when a restore fails with nothing restored, go one by
 * one and turn the folios that cannot be restored into surplus pages.
 */
static void update_and_free_pages_bulk(struct machine *m, struct hstate *h,
				       struct pfn_vec *list)
{
	uint64_t pos = 0;

	if (gen_has(m, GEN_UNBATCHED)) { /* 6.1: update_and_free_page() per folio */
		for (; pos < list->nr; pos++) {
			if (hugetlb_vmemmap_restore_folio(m, h->order, list->v[pos]))
				enqueue_hugetlb_folio(m, h, list->v[pos], true, false);
			else
				update_and_free_hugetlb_folio(m, h, list->v[pos]);
		}
		return;
	}
	while (pos < list->nr) {
		int64_t n = hugetlb_vmemmap_restore_folios(m, h->order, list->v + pos,
							   list->nr - pos);
		if (n > 0) {
			for (int64_t i = 0; i < n; i++)
				update_and_free_hugetlb_folio(m, h, list->v[pos + i]);
			pos += (uint64_t)n;
			continue;
		}
		/* Nothing restored: one by one, failures become surplus. */
		for (; pos < list->nr; pos++) {
			pfn_t pfn = list->v[pos];
			if (!hugetlb_vmemmap_restore_folio(m, h->order, pfn)) {
				update_and_free_hugetlb_folio(m, h, pfn);
				pos++;
				break; /* memory came back: retry the batch */
			}
			enqueue_hugetlb_folio(m, h, pfn, true, false);
		}
	}
}

static void shrink_pool(struct machine *m, struct hstate *h, uint64_t count, int nid)
{
	struct pfn_vec list = { 0 };
	struct hugetlb_folio f;

	while (persistent_huge_pages(h, nid) > count && dequeue_hugetlb_folio(m, h, nid, &f))
		pfn_vec_push(&list, f.pfn);
	update_and_free_pages_bulk(m, h, &list);
	free(list.v);
	/* Pages in use cannot go: they become surplus (adjust_pool_surplus(+1)). */
	while (persistent_huge_pages(h, nid) > count && adjust_pool_surplus_up(m, h, nid))
		;
}

static int __hugetlb_set_nr(struct machine *m, uint64_t size, uint64_t count, int nid,
			    char *err, size_t errlen)
{
	struct hstate *h = size_to_hstate(m, size);
	uint64_t have;
	char s[32], supported[128];

	if (!h) {
		supported_sizes_str(m, supported, sizeof(supported));
		snprintf(err, errlen, "no huge page size %s on this machine (supported: %s)",
			 format_size(size, s, sizeof(s)), supported);
		return -EINVAL;
	}
	if (nid != NUMA_NO_NODE && (nid < 0 || (unsigned)nid >= m->nr_nodes)) {
		snprintf(err, errlen, "node %d does not exist", nid);
		return -EINVAL;
	}
	flush_free_hpage_work(m); /* set_max_huge_pages() waits for the worker */
	have = persistent_huge_pages(h, nid);
	if (count > have)
		grow_pool(m, h, count, nid);
	else if (count < have)
		shrink_pool(m, h, count, nid);
	h->max_huge_pages = h->nr_huge_pages - h->surplus_huge_pages;
	return 0;
}

/*
 * Pool resizes may come from several threads (one per node, say); they
 * are serialized by the machine's resize lock, as the kernel serializes
 * resizes of one size with h->resize_lock.  (The kernel lets resizes of
 * different sizes overlap; here they take turns too.)
 */
int hugetlb_set_nr(struct machine *m, uint64_t size, uint64_t count, int nid,
		   char *err, size_t errlen)
{
	int ret;

	pthread_mutex_lock(&m->resize_lock);
	ret = __hugetlb_set_nr(m, size, count, nid, err, errlen);
	pthread_mutex_unlock(&m->resize_lock);
	return ret;
}

/* ---- sysctl ---- */

static bool some_hstate_optimizable(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_hstates; i++)
		if (hugetlb_vmemmap_optimizable_size(m, m->hstates[i].order))
			return true;
	return false;
}

int hugetlb_sysctl(struct machine *m, const char *name, const char *val,
		   char *err, size_t errlen)
{
	uint64_t v;

	if (!strcmp(name, "vm.nr_hugepages")) {
		if (parse_u64(val, &v)) {
			snprintf(err, errlen, "sysctl vm.nr_hugepages=%s: expected a count", val);
			return -EINVAL;
		}
		return hugetlb_set_nr(m, huge_page_size(m, &m->hstates[m->default_hstate]),
				      v, NUMA_NO_NODE, err, errlen);
	}
	if (!strcmp(name, "vm.nr_overcommit_hugepages")) {
		if (parse_u64(val, &v)) {
			snprintf(err, errlen, "sysctl vm.nr_overcommit_hugepages=%s: expected a count", val);
			return -EINVAL;
		}
		/* Lowering it frees nothing: surplus pages go as they are freed. */
		pthread_mutex_lock(&m->resize_lock);
		m->hstates[m->default_hstate].nr_overcommit_huge_pages = v;
		pthread_mutex_unlock(&m->resize_lock);
		return 0;
	}
	if (!strcmp(name, "vm.hugetlb_optimize_vmemmap")) {
		if (!hugetlb_vmemmap_configured(m)) {
			snprintf(err, errlen, "sysctl vm.hugetlb_optimize_vmemmap does not exist (/proc/sys/vm/hugetlb_optimize_vmemmap: No such file or directory): %s kernels have no HugeTLB HVO (%s)",
				 m->geo.arch, arch_no_hvo_why(m->geo.arch_id));
			return -EINVAL;
		}
		if (!some_hstate_optimizable(m)) {
			snprintf(err, errlen, "sysctl vm.hugetlb_optimize_vmemmap does not exist: no huge page size is optimizable here");
			return -EINVAL;
		}
		/*
		 * proc_dobool: any integer the int parser takes, non-zero
		 * meaning on (writing 2 turns it on, as on a real kernel).
		 */
		int64_t on;
		if (parse_s64(val, &on) || on < INT32_MIN || on > INT32_MAX) {
			snprintf(err, errlen, "sysctl vm.hugetlb_optimize_vmemmap=%s: expected an integer (0: off, any other: on)", val);
			return -EINVAL;
		}
		/* Read per folio at allocation time: existing folios keep their state. */
		m->vmemmap_optimize_enabled = on != 0;
		return 0;
	}
	snprintf(err, errlen, "sysctl %s: unknown (expected vm.nr_hugepages, vm.nr_overcommit_hugepages or vm.hugetlb_optimize_vmemmap)", name);
	return -EINVAL;
}

/* ---- report ---- */

void show_hugepages(struct machine *m, FILE *out)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		unsigned long long kb = (unsigned long long)(huge_page_size(m, h) >> 10);
		fprintf(out, "hugepages-%llukB%s: nr_hugepages %llu free_hugepages %llu surplus_hugepages %llu vmemmap_optimized %llu (can free %llu KiB each)\n",
			kb, i == m->default_hstate ? " (default)" : "",
			(unsigned long long)h->nr_huge_pages, (unsigned long long)h->free_huge_pages,
			(unsigned long long)h->surplus_huge_pages, (unsigned long long)h->nr_optimized,
			(unsigned long long)(hugetlb_vmemmap_optimizable_size(m, h->order) >> 10));
		if (m->nr_nodes > 1)
			for (unsigned nid = 0; nid < m->nr_nodes; nid++)
				fprintf(out, "  node%u: nr_hugepages %llu free_hugepages %llu surplus_hugepages %llu\n",
					nid, (unsigned long long)h->nr_huge_pages_node[nid],
					(unsigned long long)h->free_huge_pages_node[nid],
					(unsigned long long)h->surplus_huge_pages_node[nid]);
	}
}

bool folio_test_hugetlb_vmemmap_optimized(struct machine *m, pfn_t pfn)
{
	return folio_vmemmap_optimized(m, pfn);
}
