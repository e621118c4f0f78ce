// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB dissolve (mm/hugetlb.c's dissolve_free_hugetlb_folio and
 * dissolve_free_hugetlb_folios): a free huge page in a range that memory
 * offline (hot-remove) must empty is taken out of its pool and handed back
 * to the buddy allocator as plain pages.
 *
 * The folio leaves its free list and max_huge_pages drops by one.  Its
 * vmemmap is restored first, while the folio can still go back: when the
 * restore fails (out of memory) the folio returns to its free list,
 * optimized as before, max_huge_pages is raised again and the dissolve
 * fails with -ENOMEM, which fails the offline.  Otherwise the folio goes
 * through __update_and_free_hugetlb_folio(), which clears the hugetlb page
 * type and frees it.
 *
 * Before 52ccdde16b65 ("mm/hugetlb: fix DEBUG_LOCKS_WARN_ON(1) when
 * dissolve_free_hugetlb_folio()", 2024, Fixes 32c877191e02) that function
 * decided whether to clear the hugetlb type from the vmemmap-optimized
 * flag as it found it on entry (clear_flag).  A folio whose vmemmap had
 * been restored before it got there, by dissolve itself or by a bulk
 * restore racing with it (hugetlb_vmemmap_restore_folios() clears the
 * flag), kept the hugetlb type; folio_put() then took it to
 * free_huge_folio(), whose _hugetlb_subpool had just been overwritten by
 * INIT_LIST_HEAD(&folio->_deferred_list) (the two share a word):
 * DEBUG_LOCKS_WARN_ON(1) in hugepage_subpool_put_pages(), and the folio
 * back on its free list although remove_hugetlb_folio() had already taken
 * it out of nr_hugepages.  Flag: GEN_BUG_DISSOLVE_CLEAR_FLAG
 * (docs/bugs.md#dissolve-clear-flag).
 */
#include <stdlib.h>
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/mmzone.h"

/* remove_hugetlb_folio() of the free folio at @pfn; false if not free. */
static bool remove_free_folio(struct machine *m, struct hstate *h, pfn_t pfn,
			      struct hugetlb_folio *out)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		struct folio_list *fl = &h->freelists[nid];

		for (uint64_t k = 0; k < fl->nr; k++) {
			if (fl->v[k].pfn != pfn)
				continue;
			*out = fl->v[k];
			memmove(&fl->v[k], &fl->v[k + 1], (fl->nr - k - 1) * sizeof(fl->v[0]));
			fl->nr--;
			h->nr_huge_pages--;
			h->nr_huge_pages_node[nid]--;
			h->free_huge_pages--;
			h->free_huge_pages_node[nid]--;
			if (h->surplus_huge_pages_node[nid] > h->nr_huge_pages_node[nid]) {
				h->surplus_huge_pages--;
				h->surplus_huge_pages_node[nid]--;
			}
			if (folio_vmemmap_optimized(m, pfn))
				h->nr_optimized--;
			return true;
		}
	}
	return false;
}

/*
 * free_huge_folio() of a folio that still has the hugetlb type after its
 * dissolve (GEN_BUG_DISSOLVE_CLEAR_FLAG): the subpool warning, and the
 * folio enqueued as a free page of a pool that no longer counts it.
 */
static void free_huge_folio_after_dissolve(struct machine *m, struct hstate *h,
					   const struct hugetlb_folio *f)
{
	struct zone *z = page_zone(m, f->pfn);
	int nid = z ? z->nid : 0;

	klog(m, "DEBUG_LOCKS_WARN_ON(1)");
	klog(m, "WARNING: at kernel/locking/lockdep.c in hugepage_subpool_put_pages, pfn %#llx: "
	     "_hugetlb_subpool overwritten by _deferred_list",
	     (unsigned long long)f->pfn);
	folio_list_push(&h->freelists[nid], *f);
	h->free_huge_pages++;
	h->free_huge_pages_node[nid]++;
}

int dissolve_free_hugetlb_folio(struct machine *m, struct hstate *h, pfn_t pfn)
{
	struct hugetlb_folio f;
	bool optimized;

	if (h->free_huge_pages <= h->resv_huge_pages) /* !available_huge_pages() */
		return -EBUSY;
	if (!remove_free_folio(m, h, pfn, &f))
		return 0; /* not a free huge page (any more) */
	h->max_huge_pages--;
	optimized = folio_vmemmap_optimized(m, pfn);
	if (optimized && hugetlb_vmemmap_restore_folio(m, h->order, pfn)) {
		enqueue_hugetlb_folio(m, h, pfn, false, f.bootmem);
		h->max_huge_pages++;
		return -ENOMEM;
	}
	/* __update_and_free_hugetlb_folio(): clear_flag is read now */
	if (optimized && gen_has(m, GEN_BUG_DISSOLVE_CLEAR_FLAG)) {
		free_huge_folio_after_dissolve(m, h, &f);
		return 0;
	}
	update_and_free_hugetlb_folio(m, h, pfn);
	return 0;
}

int dissolve_free_hugetlb_folios(struct machine *m, pfn_t start, pfn_t end)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		struct pfn_vec todo = { 0 };
		int ret = 0;

		for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
			const struct folio_list *fl = &h->freelists[nid];
			for (uint64_t k = 0; k < fl->nr; k++)
				if (fl->v[k].pfn < end &&
				    fl->v[k].pfn + pages_per_huge_page(h) > start)
					pfn_vec_push(&todo, fl->v[k].pfn);
		}
		for (uint64_t k = 0; k < todo.nr && !ret; k++)
			ret = dissolve_free_hugetlb_folio(m, h, todo.v[k]);
		free(todo.v);
		if (ret)
			return ret;
	}
	return 0;
}
