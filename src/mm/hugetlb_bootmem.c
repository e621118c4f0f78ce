// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB pages reserved at boot: gigantic pages taken from memblock
 * before the memmap exists (hugetlb_reserve_bootmem), their vmemmap
 * populated already optimized where the generation does pre-HVO, the late
 * vmemmap init that undoes it for a page found across two zones, and
 * hugetlb_init's gathering of those pages into the pool plus the smaller
 * pages allocated from buddy (hugetlb_late_init).
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_cma.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/sparse.h"

/* ---- boot-time gigantic pages (memblock) ---- */

static bool bootmem_crosses_zones(struct machine *m, pfn_t pfn, unsigned order)
{
	struct zone *a = page_zone(m, pfn);
	struct zone *b = page_zone(m, pfn + (1ULL << order) - 1);

	return !a || a != b;
}

static int add_bootmem_page(struct machine *m, pfn_t pfn, unsigned hidx)
{
	struct huge_bootmem_page *v =
		realloc(m->bootmem_pages, (m->nr_bootmem_pages + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->bootmem_pages = v;
	v[m->nr_bootmem_pages++] = (struct huge_bootmem_page){
		.pfn = pfn, .hidx = hidx, .nid = memblock_pfn_nid(&m->memblock, pfn),
	};
	return 0;
}

/*
 * Pre-HVO eligibility of a bootmem page (legacy-6.18, shared-tail, generic): HVO on, the
 * size optimizable, and the page aligned to a section and to the memory one
 * vmemmap PMD describes, so its vmemmap can be populated on its own.
 */
static bool bootmem_page_can_preinit(struct machine *m, const struct hstate *h,
				     pfn_t pfn)
{
	const struct geometry *g = &m->geo;
	uint64_t pmd_pfns = (1ULL << g->pmd_shift) / g->struct_page_size;
	uint64_t align = MAX(g->pages_per_section, pmd_pfns);

	if (!hugetlb_vmemmap_preinit(m) || !m->vmemmap_optimize_enabled)
		return false;
	if (!hugetlb_vmemmap_optimizable_size(m, h->order))
		return false;
	return IS_ALIGNED(pfn, align) && IS_ALIGNED(pages_per_huge_page(h), align);
}

/* One gigantic page from memblock on (or near) @nid; false when none. */
static int alloc_bootmem_page(struct machine *m, struct hstate *h, int nid,
			      bool this_node)
{
	struct alloc_request req = { SITE_HUGETLB, h->order, nid, this_node, ZONE_MOVABLE };
	pfn_t pfn = alloc_frames(m, &req);

	if (pfn == PFN_NONE)
		return 0;
	if (gen_has(m, GEN_SECTION_ORDER) && bootmem_crosses_zones(m, pfn, h->order)) {
		/* generic: a cross-zone page is freed right after allocation */
		free_reserved_frames(m, pfn, pages_per_huge_page(h));
		klog(m, "HugeTLB: bootmem page at pfn %#llx spans two zones, freed",
		     (unsigned long long)pfn);
		return 0;
	}
	if (add_bootmem_page(m, pfn, hstate_index(m, h)))
		return -ENOMEM;
	return 1;
}

static int alloc_bootmem_pages(struct machine *m, struct hstate *h)
{
	uint64_t node_count[MAX_NUMNODES] = { 0 }, allocated = 0;
	bool per_node;
	uint64_t want = boot_request(m, h, node_count, &per_node);
	unsigned next = 0;
	char buf[32];
	int ret = 1;

	if (per_node) {
		for (unsigned nid = 0; nid < m->nr_nodes; nid++)
			for (uint64_t k = 0; k < node_count[nid] && ret > 0; k++)
				if ((ret = alloc_bootmem_page(m, h, (int)nid, true)) > 0)
					allocated++;
	} else {
		for (uint64_t i = 0; i < want && ret > 0; i++) {
			/* round-robin over the nodes that have memory */
			for (unsigned t = 0; t < m->nr_nodes && !node_has_memory(m, next); t++)
				next = (next + 1) % m->nr_nodes;
			ret = alloc_bootmem_page(m, h, (int)next, false);
			next = (next + 1) % m->nr_nodes;
			if (ret > 0)
				allocated++;
		}
	}
	if (ret < 0)
		return ret;
	if (allocated < want)
		klog(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
		     (unsigned long long)want, hstate_size_str(m, h, buf, sizeof(buf)),
		     (unsigned long long)allocated);
	return 0;
}

/* hugetlb_hstate_alloc_pages() for every gigantic size, from memblock. */
static int alloc_gigantic_bootmem(struct machine *m, char *err, size_t errlen)
{
	bool warned = false;

	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		if (!hstate_is_gigantic(m, h))
			continue;
		if (hugetlb_cma_enabled(m)) {
			uint64_t want[MAX_NUMNODES];
			bool per_node;
			/*
			 * 6.15+ with hugetlb_cma_only takes them from the CMA
			 * areas at boot (hugetlb_early_cma): not modelled.
			 */
			if (!warned && boot_request(m, h, want, &per_node)) {
				klog(m, "HugeTLB: hugetlb_cma is enabled, skip boot time allocation");
				if (hugetlb_cma_exclusive_alloc(m))
					klog(m, "hvo: not modelled: boot-time gigantic pages from the CMA areas (hugetlb_cma_only)");
				warned = true;
			}
			continue;
		}
		if (alloc_bootmem_pages(m, h)) {
			snprintf(err, errlen, "host out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * The boot memory budget.  With pre-HVO (shared-tail, generic: the 2025
 * series that moved the allocation to hugetlb_bootmem_alloc(), before
 * sparse_init) the gigantic pages are taken first and their memmap is
 * populated already optimized: one page per folio.  Before it (6.12 and
 * older, legacy) hugepages= is a __setup parameter, parsed in
 * start_kernel() after setup_arch() has run paging_init() and with it
 * sparse_init(): the full memmap is allocated first, and the gigantic
 * pages get what memblock has left.  When that is too little the kernel
 * does not fail the boot: hugetlb_hstate_alloc_pages() stops at the first
 * failed allocation and warns "allocating N of page size S failed.  Only
 * allocated K hugepages.", and HVO gives the memmap of the K pages back
 * later, in hugetlb_init().  hugetlb_reserve_bootmem() does the pre-HVO
 * half, hugetlb_alloc_bootmem_after_memmap() the legacy one.
 */
static int hugetlb_alloc_bootmem_after_memmap(struct machine *m, char *err, size_t errlen)
{
	if (hugetlb_vmemmap_preinit(m))
		return 0;
	return alloc_gigantic_bootmem(m, err, errlen);
}

int hugetlb_reserve_bootmem(struct machine *m, char *err, size_t errlen)
{
	/* Without pre-HVO the pages come after the memmap (see below). */
	if (hugetlb_vmemmap_preinit(m) && alloc_gigantic_bootmem(m, err, errlen))
		return -ENOMEM;
	/* Pre-HVO: these sections are populated optimized, not by sparse_init. */
	for (uint64_t i = 0; i < m->nr_bootmem_pages; i++) {
		struct huge_bootmem_page *b = &m->bootmem_pages[i];
		struct hstate *h = &m->hstates[b->hidx];
		uint64_t first, last;

		if (!bootmem_page_can_preinit(m, h, b->pfn))
			continue;
		b->hvo = true;
		first = pfn_to_section_nr(&m->geo, b->pfn);
		last = pfn_to_section_nr(&m->geo, b->pfn + pages_per_huge_page(h) - 1);
		for (uint64_t s = first; s <= last; s++) {
			struct mem_section *ms = &m->mem_section[s];
			ms->order = (uint8_t)h->order;
			/*
			 * generic: zones are known and a cross-zone page is
			 * gone already; the order and zone are all sparse_init
			 * needs (section_vmemmap_order()).  The others populate
			 * these sections themselves, later.
			 */
			if (gen_has(m, GEN_SECTION_ORDER))
				ms->zone = (uint8_t)page_zone(m, b->pfn)->idx;
			else
				ms->flags |= SECTION_VMEMMAP_PREINIT;
		}
	}
	return 0;
}
/* ---- boot ---- */

/*
 * shared-tail and generic: populate the vmemmap of pre-HVO bootmem pages
 * now that zones are known (hugetlb_vmemmap_init_late()).  A page that
 * spans two zones, or whose optimized population fails, is populated
 * normally; shared-tail also gives a cross-zone page back to memblock.
 */
int hugetlb_vmemmap_init_late(struct machine *m, char *err, size_t errlen)
{
	uint64_t kept = 0;

	if (hugetlb_alloc_bootmem_after_memmap(m, err, errlen))
		return -ENOMEM;

	for (uint64_t i = 0; i < m->nr_bootmem_pages; i++) {
		struct huge_bootmem_page *b = &m->bootmem_pages[i];
		struct hstate *h = &m->hstates[b->hidx];
		uint64_t first = pfn_to_section_nr(&m->geo, b->pfn);
		uint64_t last = pfn_to_section_nr(&m->geo, b->pfn + pages_per_huge_page(h) - 1);
		bool crosses = bootmem_crosses_zones(m, b->pfn, h->order);
		bool drop = false;

		if (b->hvo && gen_has(m, GEN_SECTION_ORDER)) {
			/* sparse_init populated it as its sections say */
			m->bootmem_pages[kept++] = *b;
			continue;
		}
		if (b->hvo && !crosses &&
		    !vmemmap_populate_hvo(m, b->pfn, h->order, page_zone(m, b->pfn),
					  gen_has(m, GEN_SECTION_ORDER))) {
			struct zone *z = page_zone(m, b->pfn);
			for (uint64_t s = first; s <= last; s++) {
				m->mem_section[s].flags |= SECTION_HAS_MEM_MAP;
				m->mem_section[s].zone = (uint8_t)z->idx;
				m->mem_section[s].memmap_pages = s == first;
			}
		} else if (b->hvo) {
			b->hvo = false;
			drop = crosses;
			for (uint64_t s = first; s <= last; s++) {
				m->mem_section[s].order = 0;
				if (sparse_init_section(m, s, err, errlen))
					return -ENOMEM;
			}
		}
		if (drop) {
			free_reserved_frames(m, b->pfn, pages_per_huge_page(h));
			klog(m, "HugeTLB: bootmem page at pfn %#llx spans two zones, freed",
			     (unsigned long long)b->pfn);
			continue;
		}
		m->bootmem_pages[kept++] = *b;
	}
	m->nr_bootmem_pages = kept;
	return 0;
}

/* gather_bootmem_prealloc(): bootmem folios join the pool. */
static void gather_bootmem_prealloc(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		struct pfn_vec batch = { 0 };

		for (uint64_t k = 0; k < m->nr_bootmem_pages; k++) {
			struct huge_bootmem_page *b = &m->bootmem_pages[k];
			struct zone *z = page_zone(m, b->pfn);
			if (b->hidx != i)
				continue;
			z->managed_pages += pages_per_huge_page(h);
			if (b->hvo) {
				prep_bootmem_hvo_folio(m, h, b->pfn);
				if (!gen_has(m, GEN_SECTION_ORDER))
					vmemmap_wrprotect_hvo(m, b->pfn, h->order);
				if (gen_has(m, GEN_STATIC_KEY)) /* legacy-6.18 */
					m->hugetlb_optimize_vmemmap_key++;
				enqueue_hugetlb_folio(m, h, b->pfn, false, true);
			} else {
				prep_new_hugetlb_folio(m, h, b->pfn);
				pfn_vec_push(&batch, b->pfn);
			}
		}
		prep_and_add_allocated_folios(m, h, &batch, true);
		free(batch.v);
	}
}

/* Non-gigantic boot pages come from the buddy allocator at hugetlb_init. */
static void hugetlb_hstate_alloc_pages(struct machine *m, struct hstate *h)
{
	uint64_t node_count[MAX_NUMNODES] = { 0 };
	bool per_node;
	uint64_t want = boot_request(m, h, node_count, &per_node);
	char buf[32];

	if (!want || hstate_is_gigantic(m, h))
		return;
	if (per_node) {
		for (unsigned nid = 0; nid < m->nr_nodes; nid++)
			if (node_count[nid])
				grow_pool(m, h, node_count[nid], (int)nid);
	} else {
		grow_pool(m, h, want, NUMA_NO_NODE);
	}
	h->max_huge_pages = h->nr_huge_pages;
	if (h->nr_huge_pages < want)
		klog(m, "HugeTLB: allocating %llu of page size %s failed.  Only allocated %llu hugepages.",
		     (unsigned long long)want, hstate_size_str(m, h, buf, sizeof(buf)),
		     (unsigned long long)h->nr_huge_pages);
}

int hugetlb_late_init(struct machine *m, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	/*
	 * hugetlb_init(): hugetlb_init_hstates() allocates the non-gigantic
	 * boot pools from buddy first, then gather_bootmem_prealloc() optimizes
	 * the gigantic bootmem pages, whose freed vmemmap reaches the free lists
	 * only after those pools were taken.
	 */
	for (unsigned i = 0; i < m->nr_hstates; i++)
		hugetlb_hstate_alloc_pages(m, &m->hstates[i]);
	gather_bootmem_prealloc(m);
	for (unsigned i = m->nr_hstates; i-- > 0;) {
		struct hstate *h = &m->hstates[i];
		char buf[32];
		hstate_size_str(m, h, buf, sizeof(buf));
		h->max_huge_pages = h->nr_huge_pages;
		klog(m, "HugeTLB: registered %s page size, pre-allocated %llu pages", buf,
		     (unsigned long long)h->nr_huge_pages);
		klog(m, "HugeTLB: %llu KiB vmemmap can be freed for a %s page",
		     (unsigned long long)(hugetlb_vmemmap_optimizable_size(m, h->order) >> 10), buf);
	}
	return 0;
}

