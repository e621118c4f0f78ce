// SPDX-License-Identifier: GPL-2.0-only
/*
 * HugeTLB's CMA areas (see hugetlb_cma.h), as mm/hugetlb_cma.c has them
 * since 6.15 (in mm/hugetlb.c before; cf11e85fc08c "mm: hugetlb:
 * optionally allocate gigantic hugepages using cma" brought them).
 *
 * hugetlb_cma=SIZE spreads SIZE over the nodes with memory, in pieces
 * rounded up to the gigantic page size; hugetlb_cma=NODE:SIZE,... names
 * each node's piece.  Each piece is one area named hugetlbN, aligned to
 * the gigantic page size, whose order per bit is the PMD order (a demoted
 * folio's pieces go back one by one).  With any area set up, boot-time
 * gigantic pages are skipped ("hugetlb_cma is enabled, skip boot time
 * allocation").  hugetlb_cma_only (6.15, from "hugetlb/CMA improvements
 * for large systems") stops gigantic allocations from falling back to the
 * rest of memory; the kernels before it do not know the parameter and
 * pass it to init.  The 2026 generic series checks at reserve time that an
 * area lies in one zone and drops it from HugeTLB if not; before it the
 * check came when the area was activated (cma_activate_area()), which
 * gives the area's pages to the buddy allocator as ordinary memory.
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/cma.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_cma.h"
#include "mm/hugetlb_internal.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"

bool hugetlb_cma_only_supported(const struct machine *m)
{
	return gen_has(m, GEN_HUGETLB_CMA_ONLY);
}

bool hugetlb_cma_enabled(const struct machine *m)
{
	return m->hugetlb_cma_size != 0;
}

bool hugetlb_cma_exclusive_alloc(const struct machine *m)
{
	return hugetlb_cma_enabled(m) && m->bp.hugetlb_cma_only == 1 &&
	       hugetlb_cma_only_supported(m);
}

void hugetlb_cma_validate_params(struct machine *m)
{
	size_t len = strlen(m->bp.unknown);

	if (m->bp.hugetlb_cma_only == -1 || hugetlb_cma_only_supported(m))
		return;
	snprintf(m->bp.unknown + len, sizeof(m->bp.unknown) - len, "%shugetlb_cma_only=%d",
		 len ? " " : "", m->bp.hugetlb_cma_only);
}

/* arch_hugetlb_cma_order(): the largest (PUD or cont-PMD) huge page. */
static unsigned hugetlb_cma_order(const struct machine *m)
{
	unsigned order = 0;

	for (unsigned i = 0; i < m->nr_hstates; i++)
		order = MAX(order, m->hstates[i].order);
	return order;
}

static struct cma *node_cma(struct machine *m, int nid)
{
	unsigned i = m->hugetlb_cma_area[nid];

	return i ? &m->cma_areas[i - 1] : NULL;
}

/* Node sizes after the checks; the total in the return value. */
static uint64_t hugetlb_cma_node_sizes(struct machine *m, uint64_t gigantic,
				       uint64_t *size, bool *node_specific)
{
	const struct boot_params *bp = &m->bp;
	uint64_t total = 0;

	*node_specific = false;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		size[nid] = bp->hugetlb_cma_size_in_node[nid];
		if (!size[nid])
			continue;
		if (nid >= m->nr_nodes || !node_has_memory(m, nid)) {
			klog(m, "hugetlb_cma: invalid node %u specified", nid);
			size[nid] = 0;
		} else if (size[nid] % gigantic) {
			klog(m, "hugetlb_cma: cma area of node %u must be a multiple of %llu MiB",
			     nid, (unsigned long long)(gigantic >> 20));
			size[nid] = 0;
		} else {
			*node_specific = true;
		}
		total += size[nid];
	}
	return bp->hugetlb_cma_node_given ? total : bp->hugetlb_cma_size;
}

/* One node's area: declared, checked by zone in the generic design. */
static uint64_t hugetlb_cma_reserve_node(struct machine *m, int nid, uint64_t bytes,
					 uint64_t gigantic)
{
	const struct geometry *g = &m->geo;
	char name[16];
	struct cma *cma;
	int res;

	snprintf(name, sizeof(name), "hugetlb%d", nid);
	res = cma_declare_contiguous_nid(m, bytes >> g->page_shift, gigantic >> g->page_shift,
					 g->pmd_shift - g->page_shift, name, nid, &cma);
	if (res) {
		klog(m, "hugetlb_cma: reservation failed: err %d, node %d", res, nid);
		return 0;
	}
	if (gen_has(m, GEN_SECTION_ORDER) && !cma_validate_zones(m, cma)) {
		/* the area stays declared: activation gives it to the buddy */
		klog(m, "hugetlb_cma: reserved area spans zones, err 0, node %d", nid);
		return 0;
	}
	m->hugetlb_cma_area[nid] = (uint8_t)(cma - m->cma_areas + 1);
	klog(m, "hugetlb_cma: reserved %llu MiB on node %d", (unsigned long long)(bytes >> 20), nid);
	return bytes;
}

void hugetlb_cma_reserve(struct machine *m)
{
	uint64_t size[MAX_NUMNODES], total, per_node = 0, reserved = 0, gigantic;
	unsigned nr_mem_nodes = 0;
	bool node_specific;

	if (!m->bp.hugetlb_cma_size && !m->bp.hugetlb_cma_node_given)
		return;
	gigantic = m->geo.page_size << hugetlb_cma_order(m);
	total = hugetlb_cma_node_sizes(m, gigantic, size, &node_specific);
	if (!total)
		return;
	if (total % gigantic) {
		klog(m, "hugetlb_cma: cma area must be a multiple of %llu MiB",
		     (unsigned long long)(gigantic >> 20));
		return;
	}
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		nr_mem_nodes += node_has_memory(m, nid);
	if (!node_specific) {
		per_node = ALIGN_UP(DIV_ROUND_UP(total, nr_mem_nodes), gigantic);
		klog(m, "hugetlb_cma: reserve %llu MiB, up to %llu MiB per node",
		     (unsigned long long)(total >> 20), (unsigned long long)(per_node >> 20));
	}
	for (unsigned nid = 0; nid < m->nr_nodes && reserved < total; nid++) {
		uint64_t bytes = node_specific ? size[nid] : MIN(per_node, total - reserved);
		if (!node_has_memory(m, nid) || !bytes)
			continue;
		reserved += hugetlb_cma_reserve_node(m, (int)nid, bytes, gigantic);
	}
	m->hugetlb_cma_size = reserved;
}

pfn_t hugetlb_cma_alloc_folio(struct machine *m, unsigned order, int nid, bool this_node)
{
	int first = nid == NUMA_NO_NODE ? 0 : nid;
	pfn_t pfn = PFN_NONE;

	if (node_cma(m, first))
		pfn = alloc_frames_cma(m, node_cma(m, first), order);
	if (pfn != PFN_NONE || (this_node && nid != NUMA_NO_NODE))
		return pfn;
	for (unsigned n = 0; n < m->nr_nodes && pfn == PFN_NONE; n++)
		if ((int)n != first && node_cma(m, (int)n))
			pfn = alloc_frames_cma(m, node_cma(m, (int)n), order);
	return pfn;
}

static bool in_range(pfn_t pfn, uint64_t nr, pfn_t start, pfn_t end)
{
	return pfn < end && pfn + nr > start;
}

/*
 * Migrate one in-use folio (alloc_migration_target, then
 * move_hugetlb_state): a fresh folio on the same node, outside CMA and
 * ZONE_MOVABLE (hvo's stand-in for "not in the range being isolated"),
 * takes the old one's place in the pool and its mapping; the old one is
 * freed as a temporary page, so an optimized one waits for the worker.
 */
static int migrate_hugetlb_folio(struct machine *m, struct hstate *h, struct hugetlb_folio *f)
{
	int nid = page_zone(m, f->pfn)->nid;
	struct alloc_request req = { SITE_HUGETLB, h->order, nid, true, ZONE_NORMAL };
	pfn_t new = alloc_frames(m, &req);
	struct hugetlb_folio old = *f;
	bool old_opt;

	if (new == PFN_NONE)
		return -ENOMEM;
	prep_new_hugetlb_folio(m, h, new);
	hugetlb_vmemmap_optimize_folio(m, h->order, new);
	BUG_ON(set_page_count(m, new, 1));
	old_opt = folio_vmemmap_optimized(m, old.pfn);
	h->nr_optimized += folio_vmemmap_optimized(m, new);
	h->nr_optimized -= old_opt;
	f->pfn = new;
	BUG_ON(set_page_count(m, old.pfn, 0));
	old.map_id = 0;
	if (old_opt)
		folio_list_push(&h->deferred, old);
	else
		update_and_free_hugetlb_folio(m, h, old.pfn);
	return 0;
}

int hugetlb_cma_migrate_range(struct machine *m, pfn_t start, pfn_t end)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		uint64_t nr = pages_per_huge_page(h);

		/* free pool folios would be dissolved: hvo calls them busy */
		for (unsigned nid = 0; nid < m->nr_nodes; nid++)
			for (uint64_t k = 0; k < h->freelists[nid].nr; k++)
				if (in_range(h->freelists[nid].v[k].pfn, nr, start, end))
					return -EBUSY;
		for (uint64_t k = 0; k < h->inuse.nr; k++) {
			if (!in_range(h->inuse.v[k].pfn, nr, start, end))
				continue;
			if (hstate_is_gigantic(m, h) || migrate_hugetlb_folio(m, h, &h->inuse.v[k]))
				return -EBUSY;
		}
	}
	return 0;
}

void wait_for_freed_hugetlb_folios(struct machine *m)
{
	for (unsigned i = 0; i < m->nr_hstates; i++)
		if (m->hstates[i].deferred.nr) {
			flush_free_hpage_work(m);
			return;
		}
}
