/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the HugeTLB pool (hugetlb.c) and its boot-time half
 * (hugetlb_bootmem.c) share.
 */
#ifndef HVO_HUGETLB_INTERNAL_H
#define HVO_HUGETLB_INTERNAL_H

#include "mm/hugetlb.h"

/* A growing array of pfns (a batch of folios). */
struct pfn_vec {
	pfn_t *v;
	uint64_t nr, cap;
};

bool node_has_memory(const struct machine *m, unsigned nid);
bool hstate_is_gigantic(const struct machine *m, const struct hstate *h);
void prep_bootmem_hvo_folio(struct machine *m, const struct hstate *h,
				   pfn_t pfn);
uint64_t boot_request(struct machine *m, const struct hstate *h,
			     uint64_t *node_count, bool *per_node);
unsigned hstate_index(const struct machine *m, const struct hstate *h);
void prep_and_add_allocated_folios(struct machine *m, struct hstate *h,
					  const struct pfn_vec *batch, bool bootmem);
void enqueue_hugetlb_folio(struct machine *m, struct hstate *h,
				  pfn_t pfn, bool surplus, bool bootmem);
void grow_pool(struct machine *m, struct hstate *h, uint64_t count, int nid);
void pfn_vec_push(struct pfn_vec *pv, pfn_t pfn);
bool dequeue_hugetlb_folio(struct machine *m, struct hstate *h, int nid,
			   struct hugetlb_folio *out);
void folio_list_push(struct folio_list *l, struct hugetlb_folio f);
pfn_t alloc_fresh_hugetlb_folio(struct machine *m, struct hstate *h, int nid);
void update_and_free_hugetlb_folio(struct machine *m, const struct hstate *h,
				   pfn_t pfn);
/* free_hpage_workfn() run to completion (the caller holds the resize lock). */
void flush_free_hpage_work(struct machine *m);
void hugetlb_init_demote_order(struct machine *m);
void prep_new_hugetlb_folio(struct machine *m, const struct hstate *h,
				   pfn_t pfn);

#endif
