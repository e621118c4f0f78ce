// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters and /proc-style reports (see vmstat.h).
 */
#include <string.h>

#include "mm/cma.h"
#include "mm/vmemmap_share_pte.h"
#include "mm/hstate.h"
#include "mm/vmstat.h"

static int64_t pages_to_kb(struct machine *m, uint64_t pages)
{
	return (int64_t)(pages * (m->geo.page_size / 1024));
}

static struct hstate *default_hstate(struct machine *m)
{
	return m->nr_hstates ? &m->hstates[m->default_hstate] : NULL;
}

static int64_t get_memtotal(struct machine *m) { return pages_to_kb(m, global_managed_pages(m)); }
static int64_t get_memfree(struct machine *m) { return pages_to_kb(m, global_free_pages(m)); }
static int64_t get_hp_total(struct machine *m) { struct hstate *h = default_hstate(m); return h ? (int64_t)h->nr_huge_pages : 0; }
static int64_t get_hp_free(struct machine *m) { struct hstate *h = default_hstate(m); return h ? (int64_t)h->free_huge_pages : 0; }
static int64_t get_hp_rsvd(struct machine *m) { struct hstate *h = default_hstate(m); return h ? (int64_t)h->resv_huge_pages : 0; }
static int64_t get_hp_surp(struct machine *m) { struct hstate *h = default_hstate(m); return h ? (int64_t)h->surplus_huge_pages : 0; }

static int64_t get_hp_size(struct machine *m)
{
	struct hstate *h = default_hstate(m);
	return h ? pages_to_kb(m, 1ULL << h->order) : 0;
}

static int64_t get_hugetlb(struct machine *m)
{
	uint64_t pages = 0;
	for (unsigned i = 0; i < m->nr_hstates; i++)
		pages += m->hstates[i].nr_huge_pages << m->hstates[i].order;
	return pages_to_kb(m, pages);
}

static int64_t get_cma_total(struct machine *m) { return pages_to_kb(m, totalcma_pages(m)); }
static int64_t get_cma_free(struct machine *m) { return pages_to_kb(m, global_cma_free_pages(m)); }
static int64_t get_nr_free_cma(struct machine *m) { return (int64_t)global_cma_free_pages(m); }

static int64_t cma_sum(struct machine *m, bool fail)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < m->nr_cma; i++)
		n += fail ? m->cma_areas[i].alloc_pages_fail : m->cma_areas[i].alloc_pages_success;
	return (int64_t)n;
}

static int64_t get_cma_success(struct machine *m) { return cma_sum(m, false); }
static int64_t get_cma_fail(struct machine *m) { return cma_sum(m, true); }

static int64_t get_nr_free(struct machine *m) { return (int64_t)global_free_pages(m); }
static int64_t get_memmap(struct machine *m) { return m->stat.nr_memmap_pages; }
static int64_t get_memmap_boot(struct machine *m) { return m->stat.nr_memmap_boot_pages; }

static int64_t zone_sum(struct machine *m, bool managed)
{
	uint64_t n = 0;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &m->nodes[nid].node_zones[z];
			n += managed ? zone->managed_pages : zone->present_pages;
		}
	return (int64_t)n;
}

static int64_t get_zone_present(struct machine *m) { return zone_sum(m, false); }
static int64_t get_zone_managed(struct machine *m) { return zone_sum(m, true); }
static int64_t get_pgtable(struct machine *m) { return (int64_t)m->stat.vmemmap_pgtable_pages; }
static int64_t get_splits(struct machine *m) { return (int64_t)m->stat.nr_pmd_splits; }
static int64_t get_pte_writes(struct machine *m) { return (int64_t)m->stat.nr_pte_writes; }

static int64_t get_bbm(struct machine *m) { return (int64_t)m->stat.nr_bbm_sequences; }
static int64_t get_flush_all(struct machine *m) { return (int64_t)m->mmu.nr_flush_all; }
static int64_t get_flush_range(struct machine *m) { return (int64_t)m->mmu.nr_flush_range; }
static int64_t get_faults(struct machine *m) { return (int64_t)m->mmu.nr_faults; }
static int64_t get_memmap_init(struct machine *m) { return (int64_t)m->stat.memmap_init_pages; }
static int64_t get_memmap_init_boot(struct machine *m) { return (int64_t)m->stat.memmap_init_boot_pages; }
static int64_t get_memmap_init_deferred(struct machine *m) { return (int64_t)m->stat.memmap_init_deferred_pages; }
static int64_t get_memmap_peak(struct machine *m) { return (int64_t)m->stat.memmap_boot_peak; }
static int64_t get_rcu(struct machine *m) { return (int64_t)m->stat.nr_synchronize_rcu; }
static int64_t get_shared_tails(struct machine *m) { return (int64_t)m->stat.nr_shared_tail_pages; }
static int64_t get_shared_ptes(struct machine *m) { return (int64_t)m->stat.nr_shared_pte_tables; }
static int64_t get_shared_pte_pmds(struct machine *m) { return (int64_t)nr_shared_pte_pmds(m); }
static int64_t get_static_key(struct machine *m) { return m->hugetlb_optimize_vmemmap_key; }
static int64_t get_hvo_enabled(struct machine *m) { return m->vmemmap_optimize_enabled; }
static int64_t device_pageblocks(struct machine *m, bool movable_only)
{
	int64_t n = 0;
	for (unsigned i = 0; i < m->nr_dax; i++) {
		uint64_t nr = m->dax[i].nr >> MIN(9u, m->geo.max_order);
		for (uint64_t k = 0; k < nr; k++)
			n += !movable_only || m->dax[i].pageblock_mt[k] == MIGRATE_MOVABLE;
	}
	return n;
}

static int64_t get_dev_pb(struct machine *m) { return device_pageblocks(m, false); }
static int64_t get_dev_pb_movable(struct machine *m) { return device_pageblocks(m, true); }
static int64_t get_bad(struct machine *m) { return (int64_t)m->stat.nr_bad_pages; }
static int64_t get_leaked(struct machine *m) { return (int64_t)m->stat.nr_leaked_pages; }
static int64_t get_backed(struct machine *m) { return (int64_t)m->frames.host.nr_in_use; }
static int64_t get_lazy(struct machine *m) { return (int64_t)m->frames.nr_lazy; }

static int64_t get_optimized(struct machine *m)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < m->nr_hstates; i++)
		n += m->hstates[i].nr_optimized;
	return (int64_t)n;
}

static int64_t get_sections(struct machine *m)
{
	int64_t n = 0;
	for (uint64_t s = 0; s < m->nr_sections_used; s++)
		n += !!(m->mem_section[s].flags & SECTION_MARKED_PRESENT);
	return n;
}

const struct counter_desc counter_table[] = {
	{ "MemTotal", CG_MEMINFO, "kB", get_memtotal, "managed pages" },
	{ "MemFree", CG_MEMINFO, "kB", get_memfree, "free pages in the buddy allocator" },
	{ "CmaTotal", CG_MEMINFO, "kB", get_cma_total, "pages of active CMA areas" },
	{ "CmaFree", CG_MEMINFO, "kB", get_cma_free, "free CMA pages (in MemFree too)" },
	{ "HugePages_Total", CG_MEMINFO, "", get_hp_total, "default size pool" },
	{ "HugePages_Free", CG_MEMINFO, "", get_hp_free, NULL },
	{ "HugePages_Rsvd", CG_MEMINFO, "", get_hp_rsvd, NULL },
	{ "HugePages_Surp", CG_MEMINFO, "", get_hp_surp, NULL },
	{ "Hugepagesize", CG_MEMINFO, "kB", get_hp_size, NULL },
	{ "Hugetlb", CG_MEMINFO, "kB", get_hugetlb, "all sizes" },
	{ "nr_free_pages", CG_VMSTAT, "pages", get_nr_free, NULL },
	{ "nr_free_cma", CG_VMSTAT, "pages", get_nr_free_cma, NULL },
	{ "nr_memmap_pages", CG_VMSTAT, "pages", get_memmap, "memmap from buddy or altmap" },
	{ "nr_memmap_boot_pages", CG_VMSTAT, "pages", get_memmap_boot, "memmap from memblock" },
	{ "cma_alloc_pages_success", CG_HVO, "pages", get_cma_success, "sum of /sys/kernel/mm/cma/*/alloc_pages_success" },
	{ "cma_alloc_pages_fail", CG_HVO, "pages", get_cma_fail, "sum of /sys/kernel/mm/cma/*/alloc_pages_fail" },
	{ "zone_present", CG_HVO, "pages", get_zone_present, "sum of zone present_pages" },
	{ "zone_managed", CG_HVO, "pages", get_zone_managed, "sum of zone managed_pages" },
	{ "present_sections", CG_HVO, "", get_sections, NULL },
	{ "vmemmap_pgtable_pages", CG_HVO, "pages", get_pgtable, "page tables under the vmemmap (no kernel counter)" },
	{ "nr_pmd_splits", CG_HVO, "", get_splits, NULL },
	{ "nr_pte_writes", CG_HVO, "", get_pte_writes, NULL },
	{ "nr_bbm_sequences", CG_HVO, "", get_bbm, "whatif=hvo-bbm: live entries changed by break-before-make (no kernel counter)" },
	{ "nr_tlb_flush_all", CG_HVO, "", get_flush_all, NULL },
	{ "nr_tlb_flush_range", CG_HVO, "", get_flush_range, NULL },
	{ "nr_synchronize_rcu", CG_HVO, "", get_rcu, NULL },
	{ "nr_shared_tail_pages", CG_HVO, "pages", get_shared_tails, NULL },
	{ "nr_shared_pte_tables", CG_HVO, "pages", get_shared_ptes, "hvo_share_pte: shared PTE tables (in vmemmap_pgtable_pages)" },
	{ "nr_shared_pte_pmds", CG_HVO, "", get_shared_pte_pmds, "hvo_share_pte: PMDs mapping one (PTE tables not allocated)" },
	{ "nr_vmemmap_optimized", CG_HVO, "", get_optimized, "huge pages with optimized vmemmap" },
	{ "hugetlb_optimize_vmemmap", CG_HVO, "", get_hvo_enabled, "vm.hugetlb_optimize_vmemmap" },
	{ "hugetlb_optimize_vmemmap_key", CG_HVO, "", get_static_key, "legacy static key count" },
	{ "memmap_init_pages", CG_HVO, "", get_memmap_init, "struct pages memmap_init wrote" },
	{ "memmap_init_boot_pages", CG_HVO, "", get_memmap_init_boot, "struct pages written at boot (deferred_init=on: before deferred init)" },
	{ "memmap_init_deferred_pages", CG_HVO, "", get_memmap_init_deferred, "struct pages deferred_init_memmap wrote" },
	{ "memmap_boot_peak", CG_HVO, "pages", get_memmap_peak, "boot memmap before HugeTLB's late HVO (no kernel counter)" },
	{ "mmu_faults", CG_HVO, "", get_faults, "RO writes, unmapped or stale accesses" },
	{ "device_pageblocks", CG_HVO, "", get_dev_pb, "pageblocks of device DAX ranges" },
	{ "device_pageblocks_movable", CG_HVO, "", get_dev_pb_movable, "of which MIGRATE_MOVABLE" },
	{ "nr_bad_pages", CG_HVO, "", get_bad, "struct pages rejected by the free path (Bad page state)" },
	{ "nr_leaked_pages", CG_HVO, "pages", get_leaked, "pages the kernel leaked because of them" },
	{ "host_backed_frames", CG_HVO, "pages", get_backed, "frames with host bytes" },
	{ "lazy_frames", CG_HVO, "pages", get_lazy, "vmemmap frames not yet generated" },
	{ NULL, 0, NULL, NULL, NULL },
};

/* hugepages-<kB>kB/<field> and nodeN/hugepages-<kB>kB/<field> */
static int hstate_counter(struct machine *m, const char *name, int64_t *val)
{
	unsigned long long kb;
	int nid = -1, n = 0;
	char field[32];

	if (sscanf(name, "node%d/%n", &nid, &n) == 1 && n > 0)
		name += n;
	else
		nid = -1;
	if (sscanf(name, "hugepages-%llukB/%31s", &kb, field) != 2)
		return -ENOENT;
	if (nid >= (int)m->nr_nodes)
		return -ENOENT;
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		if ((uint64_t)pages_to_kb(m, 1ULL << h->order) != kb)
			continue;
		if (!strcmp(field, "nr_hugepages"))
			*val = (int64_t)(nid < 0 ? h->nr_huge_pages : h->nr_huge_pages_node[nid]);
		else if (!strcmp(field, "free_hugepages"))
			*val = (int64_t)(nid < 0 ? h->free_huge_pages : h->free_huge_pages_node[nid]);
		else if (!strcmp(field, "surplus_hugepages"))
			*val = (int64_t)(nid < 0 ? h->surplus_huge_pages : h->surplus_huge_pages_node[nid]);
		else if (!strcmp(field, "resv_hugepages") && nid < 0)
			*val = (int64_t)h->resv_huge_pages;
		else if (!strcmp(field, "nr_overcommit_hugepages") && nid < 0)
			*val = (int64_t)h->nr_overcommit_huge_pages;
		else if (!strcmp(field, "demote") && h->demote_order)
			*val = 0; /* reads as 0, as sysfs does */
		else if (!strcmp(field, "demote_size") && h->demote_order && nid < 0)
			*val = pages_to_kb(m, 1ULL << h->demote_order);
		else
			return -ENOENT;
		return 0;
	}
	return -ENOENT;
}

int counter_get(struct machine *m, const char *name, int64_t *val)
{
	for (const struct counter_desc *c = counter_table; c->name; c++) {
		if (!strcmp(c->name, name)) {
			*val = c->get(m);
			return 0;
		}
	}
	return hstate_counter(m, name, val);
}

static void show_group(struct machine *m, FILE *out, enum counter_group g)
{
	for (const struct counter_desc *c = counter_table; c->name; c++) {
		if (c->group != g)
			continue;
		if (g == CG_MEMINFO)
			fprintf(out, "%-16s%10lld%s%s\n", c->name, (long long)c->get(m),
				*c->unit ? " " : "", c->unit);
		else
			fprintf(out, "%s %lld\n", c->name, (long long)c->get(m));
	}
}

void show_meminfo(struct machine *m, FILE *out)
{
	show_group(m, out, CG_MEMINFO);
}

void show_vmstat(struct machine *m, FILE *out)
{
	show_group(m, out, CG_VMSTAT);
	show_group(m, out, CG_HVO);
}

void show_zoneinfo(struct machine *m, FILE *out)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &m->nodes[nid].node_zones[z];
			if (!zone->spanned_pages)
				continue;
			fprintf(out, "Node %u, zone %8s\n", nid, zone_name((enum zone_type)z));
			fprintf(out, "  start_pfn: %#llx\n  spanned    %llu\n  present    %llu\n  managed    %llu\n  nr_free_pages %llu\n",
				(unsigned long long)zone->zone_start_pfn,
				(unsigned long long)zone->spanned_pages,
				(unsigned long long)zone->present_pages,
				(unsigned long long)zone->managed_pages,
				(unsigned long long)zone->buddy.nr_free_pages);
		}
	}
}

void counters_json(struct machine *m, FILE *out)
{
	const char *sep = "";

	fputc('{', out);
	for (const struct counter_desc *c = counter_table; c->name; c++) {
		fprintf(out, "%s\"%s\": %lld", sep, c->name, (long long)c->get(m));
		sep = ", ";
	}
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		struct hstate *h = &m->hstates[i];
		unsigned long long kb = (unsigned long long)pages_to_kb(m, 1ULL << h->order);
		fprintf(out, ", \"hugepages-%llukB/nr_hugepages\": %llu, \"hugepages-%llukB/free_hugepages\": %llu, \"hugepages-%llukB/surplus_hugepages\": %llu",
			kb, (unsigned long long)h->nr_huge_pages, kb,
			(unsigned long long)h->free_huge_pages, kb,
			(unsigned long long)h->surplus_huge_pages);
	}
	fputc('}', out);
}

/*
 * show buddyinfo: /proc/buddyinfo's line per zone (free blocks by order,
 * then the per-CPU pages), /proc/pagetypeinfo's free blocks by migratetype
 * and order and its pageblock count by type, then, for placement work,
 * every list from pageblock order up and every per-CPU list in list order
 * (head first), as runs "PFN+N" of N adjacent blocks.
 */
/* " START+N" for each run of @nr blocks of @order at consecutive addresses. */
struct block_runs {
	pfn_t start;
	uint64_t nr;
	unsigned order;
};

static void block_runs_add(struct block_runs *br, pfn_t pfn, unsigned order, FILE *out)
{
	if (br->start != PFN_NONE && order == br->order && pfn == br->start + (br->nr << order)) {
		br->nr++;
		return;
	}
	if (br->start != PFN_NONE)
		fprintf(out, " 0x%llx+%llu", (unsigned long long)br->start, (unsigned long long)br->nr);
	*br = (struct block_runs){ pfn, 1, order };
}

static void show_blist(const struct buddy *b, const struct blist *l, FILE *out)
{
	struct block_runs br = { PFN_NONE, 0, 0 };

	for (uint32_t i = l->head; i; i = b->nodes[i].next)
		block_runs_add(&br, b->nodes[i].pfn, b->nodes[i].order, out);
	block_runs_add(&br, PFN_NONE, 0, out);
	fputc('\n', out);
}

static void show_pcp_list(const struct buddy *b, int pindex, FILE *out)
{
	struct block_runs br = { PFN_NONE, 0, 0 };

	for (uint64_t i = 0; i < b->pcp.lists[pindex].nr_runs; i++) {
		struct pcp_run r = buddy_pcp_run(b, pindex, i);

		for (uint64_t k = 0; k < r.len; k++)
			block_runs_add(&br, pcp_run_block(&r, k), buddy_pcp_order(b, pindex), out);
	}
	block_runs_add(&br, PFN_NONE, 0, out);
	fputc('\n', out);
}

static const char *const mt_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"
};

static void show_free_by_type(const struct buddy *b, FILE *out)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		uint64_t total = 0;

		for (unsigned o = 0; o <= b->max_order; o++)
			total += b->area[o].free_list[mt].nr;
		if (!total)
			continue;
		fprintf(out, "  %-12s", mt_names[mt]);
		for (unsigned o = 0; o <= b->max_order; o++)
			fprintf(out, " %6llu", (unsigned long long)b->area[o].free_list[mt].nr);
		fputc('\n', out);
	}
}

static void show_pageblock_types(const struct buddy *b, FILE *out)
{
	uint64_t nr[MIGRATE_TYPES] = { 0 };

	for (pfn_t p = b->base; p < b->end; p += 1ULL << b->pageblock_order)
		if (p >= b->start)
			nr[get_pfnblock_migratetype(b, p)]++;
	fprintf(out, "  blocks:");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(out, " %s %llu", mt_names[mt], (unsigned long long)nr[mt]);
	fputc('\n', out);
}

static void show_lists(const struct buddy *b, FILE *out)
{
	for (unsigned o = b->pageblock_order; o <= b->max_order; o++)
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (b->area[o].free_list[mt].nr) {
				fprintf(out, "  list o%u %s:", o, mt_names[mt]);
				show_blist(b, &b->area[o].free_list[mt], out);
			}
	for (int i = 0; i < NR_PCP_LISTS; i++)
		if (b->pcp.lists[i].nr) {
			fprintf(out, "  pcp list %d:", i);
			show_pcp_list(b, i, out);
		}
}

void show_buddyinfo(struct machine *m, FILE *out)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &m->nodes[nid].node_zones[z];
			const struct buddy *b = &zone->buddy;

			if (!zone->spanned_pages || !zone->initialized)
				continue;
			fprintf(out, "Node %u, zone %8s", nid, zone_name((enum zone_type)z));
			for (unsigned o = 0; o <= b->max_order; o++)
				fprintf(out, " %6llu", (unsigned long long)b->area[o].nr_free);
			fprintf(out, "   pcp %llu (count %d high %d batch %d)\n",
				(unsigned long long)b->nr_pcp_pages, b->pcp.count, b->pcp.high,
				b->pcp.batch);
			show_free_by_type(b, out);
			show_pageblock_types(b, out);
			show_lists(b, out);
		}
}

/* show pool: the free huge pages of each size and node, in list order. */
void show_pool(struct machine *m, FILE *out)
{
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];

		for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
			const struct folio_list *fl = &h->freelists[nid];

			fprintf(out, "pool order %u node %u free %llu:", h->order, nid,
				(unsigned long long)fl->nr);
			for (uint64_t k = 0; k < fl->nr; k++)
				fprintf(out, " 0x%llx", (unsigned long long)fl->v[k].pfn);
			fputc('\n', out);
		}
	}
}
