// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB pages in use by a process, surplus pages and the deferred free
 * (mm/hugetlb.c: hugetlb_reserve_pages, gather_surplus_pages,
 * alloc_surplus_hugetlb_folio, free_huge_folio, free_hpage_workfn).
 *
 * A mapping stands for a process that mmap()s N huge pages with
 * MAP_HUGETLB and writes one byte to each: the mmap reserves N pages
 * (resv_huge_pages), allocating surplus pages up to nr_overcommit_hugepages
 * when the free pool is short; each fault takes a free page and consumes
 * one reservation.  Surplus pages are allocated one at a time, so each is
 * optimized through the single-folio path, hugetlb_vmemmap_optimize_folio().
 *
 * Unmapping frees each page with free_huge_folio(): a persistent page goes
 * back to the free list; a surplus page leaves the pool at once (the pool
 * counters move), but free_huge_folio() may run where it cannot sleep, so
 * an optimized one is handed to a worker, which restores its vmemmap and
 * frees it later: the memmap counters move only when the worker runs.
 * Here the worker runs at `settle` (hugetlb_settle) and, as in the kernel,
 * before every pool resize (set_max_huge_pages flushes it first).  A
 * folio whose restore fails in the worker goes back into the pool as a
 * free surplus page, still optimized.
 */
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "lib/parse.h"

static int folio_node(struct machine *m, pfn_t pfn)
{
	struct zone *z = page_zone(m, pfn);
	return z ? z->nid : 0;
}

/*
 * alloc_surplus_hugetlb_folio(): one fresh folio counted as surplus, or
 * PFN_NONE when the overcommit limit is reached, the size is gigantic
 * (never surplus) or memory is out.  Tries the nodes in order from 0 (the
 * faulting task's policy, which hvo puts on node 0).
 */
static pfn_t alloc_surplus_hugetlb_folio(struct machine *m, struct hstate *h)
{
	pfn_t pfn = PFN_NONE;

	if (hstate_is_gigantic(m, h) || h->surplus_huge_pages >= h->nr_overcommit_huge_pages)
		return PFN_NONE;
	for (unsigned n = 0; n < m->nr_nodes && pfn == PFN_NONE; n++)
		if (node_has_memory(m, n))
			pfn = alloc_fresh_hugetlb_folio(m, h, (int)n);
	if (pfn == PFN_NONE)
		return PFN_NONE;
	/* The single-folio path: no batch, its own grace period and flush. */
	hugetlb_vmemmap_optimize_folio(m, h->order, pfn);
	if (gen_has(m, GEN_BUG_SPECULATIVE_WALKERS))
		BUG_ON(set_page_count(m, pfn, 0));
	return pfn;
}

/*
 * free_huge_folio() of a folio that is not in the pool's lists: back to
 * the free list, or, when its node has surplus, out of the pool, freed
 * now if not optimized and by the worker if optimized.
 */
static void free_huge_folio(struct machine *m, struct hstate *h, struct hugetlb_folio f)
{
	int nid = folio_node(m, f.pfn);
	bool optimized = folio_vmemmap_optimized(m, f.pfn);

	BUG_ON(set_page_count(m, f.pfn, 0));
	f.map_id = 0;
	if (!h->surplus_huge_pages_node[nid]) {
		folio_list_push(&h->freelists[nid], f);
		h->free_huge_pages++;
		h->free_huge_pages_node[nid]++;
		return;
	}
	/* remove_hugetlb_folio(h, folio, true) */
	h->nr_huge_pages--;
	h->nr_huge_pages_node[nid]--;
	h->surplus_huge_pages--;
	h->surplus_huge_pages_node[nid]--;
	if (optimized)
		h->nr_optimized--;
	/* update_and_free_hugetlb_folio(h, folio, atomic=true) */
	if (optimized)
		folio_list_push(&h->deferred, f);
	else
		update_and_free_hugetlb_folio(m, h, f.pfn);
}

/*
 * gather_surplus_pages(): enough free pages for @delta more reservations,
 * allocating surplus pages; all or nothing (what was allocated is freed
 * again, through free_huge_folio, on failure).
 */
static int gather_surplus_pages(struct machine *m, struct hstate *h, uint64_t delta)
{
	struct pfn_vec got = { 0 };
	uint64_t needed;
	int ret = 0;

	if (h->resv_huge_pages + delta <= h->free_huge_pages)
		goto out;
	needed = h->resv_huge_pages + delta - h->free_huge_pages;
	while (got.nr < needed) {
		pfn_t pfn = alloc_surplus_hugetlb_folio(m, h);
		if (pfn == PFN_NONE) {
			ret = -ENOMEM;
			break;
		}
		pfn_vec_push(&got, pfn);
		/* counted as the kernel counts them while they are on its list */
		h->nr_huge_pages++;
		h->nr_huge_pages_node[folio_node(m, pfn)]++;
		h->surplus_huge_pages++;
		h->surplus_huge_pages_node[folio_node(m, pfn)]++;
		if (folio_vmemmap_optimized(m, pfn))
			h->nr_optimized++;
	}
	for (uint64_t i = 0; i < got.nr; i++) {
		if (ret)
			free_huge_folio(m, h, (struct hugetlb_folio){ got.v[i], false, 0 });
		else {
			int nid = folio_node(m, got.v[i]);
			folio_list_push(&h->freelists[nid], (struct hugetlb_folio){ got.v[i], false, 0 });
			h->free_huge_pages++;
			h->free_huge_pages_node[nid]++;
		}
	}
	free(got.v);
out:
	if (!ret)
		h->resv_huge_pages += delta;
	return ret;
}

/* A fault that consumes a reservation: the most recent free folio. */
static void fault_reserved_folio(struct machine *m, struct hstate *h, unsigned id)
{
	struct hugetlb_folio f;
	unsigned n;

	for (n = 0; n < m->nr_nodes && !h->freelists[n].nr; n++)
		;
	BUG_ON(n == m->nr_nodes); /* the reservation guarantees a free page */
	f = h->freelists[n].v[--h->freelists[n].nr];
	h->free_huge_pages--;
	h->free_huge_pages_node[n]--;
	h->resv_huge_pages--;
	BUG_ON(set_page_count(m, f.pfn, 1));
	f.map_id = id;
	folio_list_push(&h->inuse, f);
}

static struct hugetlb_mapping *find_mapping(struct machine *m, const char *name,
					    struct hstate **hp)
{
	for (unsigned i = 0; i < m->nr_hstates; i++)
		for (unsigned k = 0; k < m->hstates[i].nr_maps; k++)
			if (!strcmp(m->hstates[i].maps[k].name, name)) {
				*hp = &m->hstates[i];
				return &m->hstates[i].maps[k];
			}
	return NULL;
}

int hugetlb_map(struct machine *m, uint64_t size, uint64_t nr, const char *name,
		char *err, size_t errlen)
{
	struct hstate *h = size_to_hstate(m, size), *other;
	struct hugetlb_mapping *v;
	unsigned id;
	char s[32];

	if (!h) {
		snprintf(err, errlen, "map: no huge page size %s on this machine",
			 format_size(size, s, sizeof(s)));
		return -EINVAL;
	}
	if (strlen(name) >= sizeof(v->name) || find_mapping(m, name, &other)) {
		snprintf(err, errlen, "map: the name %s is %s", name,
			 strlen(name) >= sizeof(v->name) ? "too long" : "taken");
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resize_lock);
	if (gather_surplus_pages(m, h, nr)) {
		pthread_mutex_unlock(&m->resize_lock);
		snprintf(err, errlen, "mmap: Cannot allocate memory");
		return -ENOMEM;
	}
	id = ++h->next_map_id;
	for (uint64_t i = 0; i < nr; i++)
		fault_reserved_folio(m, h, id);
	v = realloc(h->maps, (h->nr_maps + 1) * sizeof(*v));
	if (!v) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	h->maps = v;
	memset(&v[h->nr_maps], 0, sizeof(v[0]));
	snprintf(v[h->nr_maps].name, sizeof(v->name), "%s", name);
	v[h->nr_maps++].id = id;
	pthread_mutex_unlock(&m->resize_lock);
	return 0;
}

int hugetlb_unmap(struct machine *m, const char *name, char *err, size_t errlen)
{
	struct hstate *h;
	struct hugetlb_mapping *map = find_mapping(m, name, &h);
	uint64_t kept = 0;
	unsigned id;

	if (!map) {
		snprintf(err, errlen, "unmap: no mapping named %s", name);
		return -EINVAL;
	}
	pthread_mutex_lock(&m->resize_lock);
	id = map->id;
	*map = h->maps[--h->nr_maps];
	/* zap: every page of the mapping is put, the last reference frees it */
	for (uint64_t i = 0; i < h->inuse.nr; i++) {
		struct hugetlb_folio f = h->inuse.v[i];
		if (f.map_id == id)
			free_huge_folio(m, h, f);
		else
			h->inuse.v[kept++] = f;
	}
	h->inuse.nr = kept;
	pthread_mutex_unlock(&m->resize_lock);
	return 0;
}

/* free_hpage_workfn(): restore and free every deferred folio. */
void flush_free_hpage_work(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];

		while (h->deferred.nr) {
			pfn_t pfn = h->deferred.v[--h->deferred.nr].pfn;

			if (hugetlb_vmemmap_restore_folio(m, h->order, pfn))
				enqueue_hugetlb_folio(m, h, pfn, true, false);
			else
				update_and_free_hugetlb_folio(m, h, pfn);
		}
	}
}

void hugetlb_settle(struct machine *m)
{
	pthread_mutex_lock(&m->resize_lock);
	flush_free_hpage_work(m);
	pthread_mutex_unlock(&m->resize_lock);
}

void hugetlb_free_host_state(struct hstate *h)
{
	free(h->inuse.v);
	free(h->deferred.v);
	free(h->maps);
}
