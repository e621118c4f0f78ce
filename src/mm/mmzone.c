// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zone and node lookups every subsystem uses: the zone of a pfn (by section,
 * device range and zone span, as page_zone() reads it from the page flags in
 * the kernel), whether a pfn is present memory, zone names, and the global
 * page counts behind MemTotal and MemFree.
 */
#include "machine.h"

const char *zone_name(enum zone_type z)
{
	static const char *const names[MAX_NR_ZONES] = {
		"DMA", "DMA32", "Normal", "Movable", "Device"
	};
	return z < MAX_NR_ZONES ? names[z] : "?";
}

struct zone *page_zone(struct machine *m, pfn_t pfn)
{
	struct mem_section *ms = __pfn_to_section(m, pfn);
	struct pglist_data *pgdat;

	if (!ms || !(ms->flags & SECTION_MARKED_PRESENT))
		return NULL;
	/*
	 * ZONE_DEVICE by device range, not by span: a device can sit in a
	 * hole of a RAM zone, and two devices can have RAM between them.
	 */
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (pfn >= m->dax[i].start && pfn < m->dax[i].start + m->dax[i].nr)
			return &m->nodes[m->dax[i].nid].node_zones[ZONE_DEVICE];
	pgdat = &m->nodes[ms->nid];
	for (unsigned z = 0; z < ZONE_DEVICE; z++) {
		struct zone *zone = &pgdat->node_zones[z];
		if (zone->spanned_pages && zone_spans_pfn(zone, pfn))
			return zone;
	}
	/* A section shared by two nodes: ask memblock for the node. */
	{
		int nid = memblock_pfn_nid(&m->memblock, pfn);
		if (nid == NUMA_NO_NODE || nid == ms->nid)
			return NULL;
		pgdat = &m->nodes[nid];
		for (unsigned z = 0; z < ZONE_DEVICE; z++) {
			struct zone *zone = &pgdat->node_zones[z];
			if (zone->spanned_pages && zone_spans_pfn(zone, pfn))
				return zone;
		}
	}
	return NULL;
}

struct zone *page_zone_run(struct machine *m, pfn_t pfn, uint64_t n)
{
	pfn_t last = pfn + n - 1;
	struct mem_section *ms = __pfn_to_section(m, pfn);
	struct zone *z = page_zone(m, pfn);
	struct pglist_data *pgdat;

	if (!z || !ms || ms != __pfn_to_section(m, last) || z->idx == ZONE_DEVICE ||
	    z->nid != ms->nid || !zone_spans_pfn(z, last))
		return NULL;
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (pfn < m->dax[i].start + m->dax[i].nr && m->dax[i].start <= last)
			return NULL;
	/* page_zone() of a pfn is the first zone that spans it */
	pgdat = &m->nodes[ms->nid];
	for (unsigned k = 0; k < (unsigned)z->idx; k++) {
		const struct zone *o = &pgdat->node_zones[k];
		if (o->spanned_pages && o->zone_start_pfn <= last && zone_end_pfn(o) > pfn)
			return NULL;
	}
	return z;
}

void section_mark_present(struct machine *m, uint64_t s)
{
	m->mem_section[s].flags |= SECTION_MARKED_PRESENT;
	if (s + 1 > m->nr_sections_used)
		m->nr_sections_used = s + 1;
}

bool pfn_present(struct machine *m, pfn_t pfn)
{
	struct mem_section *ms = __pfn_to_section(m, pfn);

	return ms && (ms->flags & SECTION_MARKED_PRESENT) &&
	       memblock_is_memory(&m->memblock, pfn);
}

uint64_t global_present_pages_memblock(const struct machine *m)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < m->memblock.memory.cnt; i++)
		n += m->memblock.memory.regions[i].size;
	return n;
}

uint64_t global_managed_pages(const struct machine *m)
{
	uint64_t n = 0;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			n += m->nodes[nid].node_zones[z].managed_pages;
	return n;
}

uint64_t global_free_pages(const struct machine *m)
{
	uint64_t n = 0;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			n += m->nodes[nid].node_zones[z].buddy.nr_free_pages;
	return n + global_cma_free_pages(m); /* NR_FREE_PAGES counts CMA pages */
}

/*
 * The oracle's guests run with -smp 2; the simulator models one CPU's
 * lists with the high limits the kernel computes for two.
 */
#define PCP_NR_CPUS 2

/* zone_batchsize(): a quarter of the zone's managed pages / 1024, <= 1 MiB. */
static int zone_batchsize(const struct machine *m, const struct zone *z)
{
	uint64_t batch = MIN(z->managed_pages >> 10, (uint64_t)SZ_1M >> m->geo.page_shift);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while (batch & (batch - 1)) /* rounddown_pow_of_two */
		batch &= batch - 1;
	return (int)batch - 1;
}

/*
 * zone_highsize() with percpu_pagelist_high_fraction 0, as the last CPU
 * coming online computes it (zone_pcp_update(zone, 1)): the watermarks are
 * not set yet then (init_per_zone_wmark_min() is a later initcall), so
 * high_min is batch * 4; high_max splits an eighth of the zone between the
 * node's CPUs plus the one coming online.
 */
void setup_per_cpu_pageset(struct machine *m)
{
	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &m->nodes[nid].node_zones[zi];
			int batch, split = nid == 0 ? PCP_NR_CPUS + 1 : 1, high_max;

			if (!z->initialized || zi == ZONE_DEVICE)
				continue;
			batch = MAX(1, zone_batchsize(m, z));
			high_max = (int)MIN(z->managed_pages / 8 / (uint64_t)split, (uint64_t)1 << 30);
			buddy_setup_pcp(&z->buddy, batch, batch << 2, MAX(high_max, batch << 2));
		}
}
