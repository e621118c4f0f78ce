// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB demote: the sysfs files demote and demote_size of an hstate
 * (mm/hugetlb.c's demote_store, demote_pool_huge_page and
 * demote_free_hugetlb_folios).  Writing N to demote takes up to N free
 * folios out of the pool, restores their vmemmap as one batch, splits each
 * restored folio into folios of the demote size and adds those to the
 * smaller pool, optimized as one batch like any freshly allocated batch.
 *
 * A folio whose restore fails (out of memory) is never split: it goes back
 * into its pool whole and still optimized, and the write fails with
 * -ENOMEM after the folios before it were demoted.  A failure while the
 * new folios are optimized leaves them in the new pool unoptimized, as
 * every pool growth does.  So each folio ends up entirely on one side.
 */
#include "mm/hugetlb.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/page_struct.h"

/*
 * hugetlb_init_hstates(): each hstate demotes to the largest smaller one
 * (gigantic pages can be freed at run time on every architecture here;
 * hugetlb_cma is not modelled, so no size loses its demote files to it).
 */
void hugetlb_init_demote_order(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];

		h->demote_order = 0;
		for (unsigned j = 0; j < m->nr_hstates; j++) {
			unsigned o = m->hstates[j].order;
			if (o < h->order && o > h->demote_order)
				h->demote_order = o;
		}
	}
}

static struct hstate *demote_hstate(struct machine *m, const struct hstate *h)
{
	return size_to_hstate(m, m->geo.page_size << h->demote_order);
}

/* Is @pfn's head marked hardware-poisoned?  Demote skips such folios. */
static bool folio_test_hwpoison(struct machine *m, pfn_t pfn)
{
	uint64_t flags = 0;

	if (page_read_u64(m, pfn_to_page_va(&m->geo, pfn), PAGE_OFF_FLAGS, &flags))
		return false;
	return flags & page_pg(m, hwpoison);
}

/*
 * demote_free_hugetlb_folios(): restore the batch, split every folio that
 * is no longer optimized into folios of @dst, add those as one batch.
 * Folios still optimized stay in @list (the caller gives them back).
 * Returns 0 or the restore's error.
 */
static int demote_free_hugetlb_folios(struct machine *m, struct hstate *src,
				      struct hstate *dst, struct pfn_vec *list)
{
	struct pfn_vec dst_list = { 0 };
	uint64_t step = pages_per_huge_page(dst), kept = 0;
	int64_t n = hugetlb_vmemmap_restore_folios(m, src->order, list->v, list->nr);
	int rc = n < 0 ? (int)n : 0;

	if (n >= 0 && (uint64_t)n < list->nr)
		rc = -ENOMEM; /* stopped at the first folio it could not restore */
	for (uint64_t i = 0; i < list->nr; i++) {
		pfn_t pfn = list->v[i];

		if (folio_vmemmap_optimized(m, pfn)) {
			list->v[kept++] = pfn;
			continue;
		}
		for (uint64_t off = 0; off < pages_per_huge_page(src); off += step) {
			prep_new_hugetlb_folio(m, dst, pfn + off);
			pfn_vec_push(&dst_list, pfn + off);
		}
	}
	list->nr = kept;
	prep_and_add_allocated_folios(m, dst, &dst_list, false);
	free(dst_list.v);
	return rc;
}

/* Up to @max free, unpoisoned folios of node @nid taken out of the pool. */
static void isolate_free_folios(struct machine *m, struct hstate *h, unsigned nid,
				uint64_t max, struct pfn_vec *list)
{
	struct pfn_vec poisoned = { 0 };
	struct hugetlb_folio f;

	while (list->nr < max && dequeue_hugetlb_folio(m, h, (int)nid, &f)) {
		if (folio_test_hwpoison(m, f.pfn))
			pfn_vec_push(&poisoned, f.pfn);
		else
			pfn_vec_push(list, f.pfn);
	}
	for (uint64_t i = poisoned.nr; i-- > 0;)
		enqueue_hugetlb_folio(m, h, poisoned.v[i], false, false);
	free(poisoned.v);
}

/*
 * demote_pool_huge_page(): one pass over the nodes allowed (round-robin
 * from next_nid_to_free, or @nid alone).  Returns the folios demoted, a
 * negative errno, or -EBUSY when every free folio was poisoned.
 */
static int64_t demote_pool_huge_page(struct machine *m, struct hstate *src,
				     int nid, uint64_t nr_to_demote)
{
	struct hstate *dst = demote_hstate(m, src);
	uint64_t nr_demoted = 0;
	int rc = 0;

	for (unsigned t = 0; t < m->nr_nodes; t++) {
		unsigned node = nid == NUMA_NO_NODE ? src->next_nid_to_free : (unsigned)nid;
		struct pfn_vec list = { 0 };

		if (nid == NUMA_NO_NODE)
			src->next_nid_to_free = (node + 1) % m->nr_nodes;
		isolate_free_folios(m, src, node, nr_to_demote - nr_demoted, &list);
		if (!list.nr) {
			free(list.v);
			continue;
		}
		nr_demoted += list.nr;
		rc = demote_free_hugetlb_folios(m, src, dst, &list);
		/* Folios not demoted go back whole, in their original order. */
		for (uint64_t i = list.nr; i-- > 0;)
			enqueue_hugetlb_folio(m, src, list.v[i], false, false);
		nr_demoted -= list.nr;
		free(list.v);
		if (rc < 0 || nr_demoted == nr_to_demote || nid != NUMA_NO_NODE)
			break;
	}
	src->max_huge_pages -= nr_demoted;
	dst->max_huge_pages += nr_demoted << (src->order - dst->order);
	if (rc < 0)
		return rc;
	return nr_demoted ? (int64_t)nr_demoted : -EBUSY;
}

static int __hugetlb_demote(struct machine *m, struct hstate *h, uint64_t nr_demote,
			    int nid)
{
	while (nr_demote) {
		uint64_t avail = nid == NUMA_NO_NODE ? h->free_huge_pages
						     : h->free_huge_pages_node[nid];
		int64_t rc;

		if (avail <= h->resv_huge_pages)
			break;
		rc = demote_pool_huge_page(m, h, nid, nr_demote);
		if (rc < 0)
			return (int)rc;
		nr_demote -= (uint64_t)rc;
	}
	return 0;
}

int hugetlb_demote(struct machine *m, uint64_t size, uint64_t nr_demote, int nid,
		   char *err, size_t errlen)
{
	struct hstate *h = size_to_hstate(m, size);
	int ret;

	if (!h || !h->demote_order) {
		snprintf(err, errlen, "demote: hugepages-%llukB has no demote file (%s)",
			 (unsigned long long)(size >> 10),
			 h ? "no smaller huge page size to demote to" : "no such huge page size");
		return -EINVAL;
	}
	if (nid != NUMA_NO_NODE && (nid < 0 || (unsigned)nid >= m->nr_nodes)) {
		snprintf(err, errlen, "demote: node %d does not exist", nid);
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resize_lock);
	ret = __hugetlb_demote(m, h, nr_demote, nid);
	pthread_mutex_unlock(&m->resize_lock);
	if (ret == -EBUSY)
		ret = 0; /* only poisoned folios were left: the write returns */
	if (ret)
		snprintf(err, errlen, "write error: %s", ret == -ENOMEM ?
			 "Cannot allocate memory" : "Invalid argument");
	return ret;
}

int hugetlb_set_demote_size(struct machine *m, uint64_t size, uint64_t demote_size,
			    char *err, size_t errlen)
{
	struct hstate *h = size_to_hstate(m, size);
	struct hstate *d = size_to_hstate(m, demote_size);

	if (!h || !h->demote_order) {
		snprintf(err, errlen, "demote_size: hugepages-%llukB has no demote_size file",
			 (unsigned long long)(size >> 10));
		return -EINVAL;
	}
	if (!d || d->order >= h->order) {
		snprintf(err, errlen, "demote_size: expected a huge page size smaller than %llukB that this machine has",
			 (unsigned long long)(size >> 10));
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resize_lock);
	h->demote_order = d->order;
	pthread_mutex_unlock(&m->resize_lock);
	return 0;
}
