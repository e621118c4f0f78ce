// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machine creation: checks a machine_config, turns it into memblock regions
 * (the "firmware" memory map: flat, or QEMU's pc machine, split among NUMA
 * nodes), and sets up the empty state every layer starts from (mem_section[],
 * the frame store, the page table root, the TLB).  boot.c boots it.
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "lib/parse.h"
#include "mm/hugetlb.h"
#include "mm/sparse.h"
#include "sim/generations.h"
#include "sim/sim.h"

#define MAX_PHYSMEM_BITS 46 /* x86-64 with 4-level paging: 64 TiB */

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = 4 * SZ_1G;
	cfg->layout = LAYOUT_FLAT;
	cfg->nr_nodes = 1;
	cfg->page_size = 4096;
	cfg->struct_page = 64;
	cfg->kernel_reserve_bytes = (uint64_t)-1; /* layout default */
	cfg->gen = generation_default();
}

/* A RAM range of the firmware map, before it is split among nodes. */
struct ram_range {
	phys_t start, end;
};

/*
 * QEMU pc (i440FX): RAM below 4 GiB is all of it when smaller than 3.5 GiB,
 * otherwise 3 GiB, the rest starting at 4 GiB.  The guest sees, from the
 * firmware and the kernel's own e820 fixups: page 0 reserved, the legacy
 * hole [0x9f000, 0x100000), and the top 128 KiB of low RAM reserved by
 * SeaBIOS.  A 4 GiB guest then has 1048446 present pages in 32 sections.
 */
static unsigned qemu_pc_ranges(uint64_t mem, struct ram_range *r)
{
	uint64_t below = mem >= 0xe0000000ULL ? 0xc0000000ULL : mem;
	unsigned n = 0;

	r[n++] = (struct ram_range){ 0x1000, 0x9f000 };
	r[n++] = (struct ram_range){ 0x100000, below - 0x20000 };
	if (mem > below)
		r[n++] = (struct ram_range){ 4 * SZ_1G, 4 * SZ_1G + (mem - below) };
	return n;
}

/*
 * Where node boundaries fall in guest RAM: QEMU hands out RAM to NUMA nodes
 * in address order, counting the holes of the map as RAM of the node they
 * fall into.  @sizes[i] bytes of "RAM address space" go to node i.
 */
static int add_ranges_by_node(struct machine *m, const struct ram_range *r,
			      unsigned nr, phys_t ram_base_above,
			      const uint64_t *sizes, unsigned nodes)
{
	const struct geometry *g = &m->geo;
	/* Node i covers RAM offsets [bound[i], bound[i+1]). */
	uint64_t bound[MAX_NUMNODES + 1] = { 0 };

	for (unsigned i = 0; i < nodes; i++)
		bound[i + 1] = bound[i] + sizes[i];
	for (unsigned k = 0; k < nr; k++) {
		for (unsigned i = 0; i < nodes; i++) {
			/* RAM offset -> physical: below 4G identity; above at ram_base_above */
			phys_t s = r[k].start, e = r[k].end;
			uint64_t off_s = s >= 4 * SZ_1G ? s - 4 * SZ_1G + ram_base_above : s;
			uint64_t off_e = off_s + (e - s);
			uint64_t a = MAX(off_s, bound[i]), b = MIN(off_e, bound[i + 1]);
			if (a >= b)
				continue;
			a = s + (a - off_s);
			b = s + (b - off_s);
			if (memblock_add_node(&m->memblock, a >> g->page_shift,
					      (b - a) >> g->page_shift, (int)i))
				return -ENOMEM;
		}
	}
	return 0;
}

/* ram=: sorted, disjoint, page-aligned ranges on existing nodes, adding up to mem. */
static int validate_ram_ranges(const struct machine_config *c, char *err,
			       size_t errlen)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < c->nr_ram; i++) {
		const struct ram_range_config *r = &c->ram[i];
		if (r->start >= r->end || r->start % c->page_size || r->end % c->page_size) {
			snprintf(err, errlen, "ram range %u is empty or not page-aligned", i);
			return -EINVAL;
		}
		if (i && r->start < c->ram[i - 1].end) {
			snprintf(err, errlen, "ram ranges must be in address order and disjoint (range %u)", i);
			return -EINVAL;
		}
		if (r->end > (1ULL << MAX_PHYSMEM_BITS)) {
			snprintf(err, errlen, "ram range %u ends above 64 TiB: MAX_PHYSMEM_BITS is %d",
				 i, MAX_PHYSMEM_BITS);
			return -EINVAL;
		}
		if (r->nid >= c->nr_nodes) {
			snprintf(err, errlen, "ram range %u is on node %u of %u", i, r->nid, c->nr_nodes);
			return -EINVAL;
		}
		sum += r->end - r->start;
	}
	if (sum != c->mem_bytes) {
		snprintf(err, errlen, "ram ranges add up to %llu bytes, mem is %llu",
			 (unsigned long long)sum, (unsigned long long)c->mem_bytes);
		return -EINVAL;
	}
	return 0;
}

static int validate_config(const struct machine_config *c, char *err,
			   size_t errlen)
{
	uint64_t sum = 0;

	if (!arch_has_page_size(c->arch, c->page_size)) {
		char sizes[64];
		arch_page_sizes(c->arch, sizes, sizeof(sizes));
		snprintf(err, errlen, "%s has %s pages only", arch_name(c->arch), sizes);
		return -EINVAL;
	}
	if (c->whatif_hvo_bbm && c->arch != ARCH_ARM64 && c->arch != ARCH_S390) {
		snprintf(err, errlen, "whatif=hvo-bbm: for arm64 or s390, whose kernels have no HugeTLB HVO because a live vmemmap entry cannot be changed without break-before-make");
		return -EINVAL;
	}
	if (!c->mem_bytes || c->mem_bytes % c->page_size) {
		snprintf(err, errlen, "mem must be a non-zero multiple of the page size (%llu bytes)",
			 (unsigned long long)c->page_size);
		return -EINVAL;
	}
	if (c->mem_bytes > (1ULL << MAX_PHYSMEM_BITS) - 4 * SZ_1G) {
		snprintf(err, errlen, "mem above 64 TiB: MAX_PHYSMEM_BITS is %d",
			 MAX_PHYSMEM_BITS);
		return -EINVAL;
	}
	if (c->mem_bytes < 256 * SZ_1M) {
		snprintf(err, errlen, "mem below 256M: too small to boot");
		return -EINVAL;
	}
	if (!c->nr_nodes || c->nr_nodes > MAX_NUMNODES) {
		snprintf(err, errlen, "nodes must be 1..%d", MAX_NUMNODES);
		return -EINVAL;
	}
	if (c->layout == LAYOUT_QEMU_PC && (c->page_size != 4096 || c->arch != ARCH_X86_64)) {
		snprintf(err, errlen, "layout=qemu-pc is an x86-64 machine: it needs arch=x86-64 and page_size=4K");
		return -EINVAL;
	}
	if (c->node_mem_given) {
		for (unsigned i = 0; i < c->nr_nodes; i++) {
			if (c->node_mem[i] % c->page_size) {
				snprintf(err, errlen, "node_mem of node %u is not a multiple of the page size", i);
				return -EINVAL;
			}
			if (add_u64_checked(&sum, c->node_mem[i])) {
				snprintf(err, errlen, "node_mem adds up to more than 2^64 bytes, mem is %llu",
					 (unsigned long long)c->mem_bytes);
				return -EINVAL;
			}
		}
		if (sum != c->mem_bytes) {
			snprintf(err, errlen, "node_mem adds up to %llu bytes, mem is %llu",
				 (unsigned long long)sum, (unsigned long long)c->mem_bytes);
			return -EINVAL;
		}
		if (!c->node_mem[0]) {
			snprintf(err, errlen, "node 0 must have memory");
			return -EINVAL;
		}
	}
	if (c->nr_ram && validate_ram_ranges(c, err, errlen))
		return -EINVAL;
	if (c->movablecore_bytes >= c->mem_bytes) {
		snprintf(err, errlen, "movablecore must be smaller than mem");
		return -EINVAL;
	}
	return 0;
}

static void node_sizes(const struct machine_config *c, uint64_t *sizes)
{
	if (c->node_mem_given) {
		memcpy(sizes, c->node_mem, c->nr_nodes * sizeof(*sizes));
		return;
	}
	/* Equal shares in whole pages; node 0 takes the remainder. */
	for (unsigned i = 0; i < c->nr_nodes; i++)
		sizes[i] = ALIGN_DOWN(c->mem_bytes / c->nr_nodes, c->page_size);
	sizes[0] += c->mem_bytes - sizes[0] * c->nr_nodes;
}

/* ram=: the firmware map as given, each range on its node. */
static int add_explicit_ranges(struct machine *m)
{
	const struct machine_config *c = &m->cfg;

	for (unsigned i = 0; i < c->nr_ram; i++)
		if (memblock_add_node(&m->memblock, c->ram[i].start >> m->geo.page_shift,
				      (c->ram[i].end - c->ram[i].start) >> m->geo.page_shift,
				      (int)c->ram[i].nid))
			return -ENOMEM;
	return 0;
}

static int build_layout(struct machine *m, char *err, size_t errlen)
{
	const struct machine_config *c = &m->cfg;
	uint64_t sizes[MAX_NUMNODES];
	struct ram_range r[4];
	unsigned nr;
	phys_t above_base = 0;
	int ret;

	node_sizes(c, sizes);
	if (c->layout == LAYOUT_QEMU_PC) {
		nr = qemu_pc_ranges(c->mem_bytes, r);
		/* RAM offset where the above-4G part starts. */
		above_base = c->mem_bytes >= 0xe0000000ULL ? 0xc0000000ULL : c->mem_bytes;
	} else {
		nr = 1;
		r[0] = (struct ram_range){ 0, c->mem_bytes };
	}
	ret = c->nr_ram ? add_explicit_ranges(m)
			: add_ranges_by_node(m, r, nr, above_base, sizes, c->nr_nodes);
	if (ret) {
		snprintf(err, errlen, "host out of memory");
		return -ENOMEM;
	}
	m->max_pfn = 0;
	for (uint64_t i = 0; i < m->memblock.memory.cnt; i++) {
		const struct memblock_region *mr = &m->memblock.memory.regions[i];
		m->max_pfn = MAX(m->max_pfn, mr->base + mr->size);
	}
	return 0;
}

struct machine *machine_create(const struct machine_config *cfg, char *err,
			       size_t errlen)
{
	struct machine *m;
	char dummy[8];

	if (!err) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "host out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->resize_lock, NULL);
	if (geometry_init(&m->geo, cfg->arch, cfg->page_size, cfg->struct_page)) {
		char sizes[64];
		arch_page_sizes(cfg->arch, sizes, sizeof(sizes));
		snprintf(err, errlen, "page_size must be %s on %s and struct_page 56, 64, 72 or 80",
			 sizes, arch_name(cfg->arch));
		pthread_mutex_destroy(&m->lock);
		pthread_mutex_destroy(&m->resize_lock);
		free(m);
		return NULL;
	}
	if (validate_config(cfg, err, errlen)) {
		pthread_mutex_destroy(&m->lock);
		pthread_mutex_destroy(&m->resize_lock);
		free(m);
		return NULL;
	}
	{
		/* the one store to the const member: the generation is fixed here */
		const struct hvo_generation *gen = cfg->gen ? cfg->gen : generation_default();
		memcpy((void *)&m->gen, &gen, sizeof(gen));
	}
	m->nr_nodes = cfg->nr_nodes;
	fault_attr_init(&m->fault);
	memblock_init(&m->memblock);
	mmu_init(m);
	if (build_layout(m, err, errlen))
		goto fail;
	/* Room for hot-added memory above the boot RAM: up to the 64 TiB limit. */
	m->nr_sections = ((1ULL << MAX_PHYSMEM_BITS) >> m->geo.section_shift);
	m->mem_section = calloc(m->nr_sections, sizeof(*m->mem_section));
	if (!m->mem_section ||
	    frame_store_init(&m->frames, (1ULL << MAX_PHYSMEM_BITS) >> m->geo.page_shift,
			     /* a directory entry per section, at least 8192 pfns */
			     MAX(m->geo.section_shift - m->geo.page_shift, FRAME_BLOCK_SHIFT + 4),
			     m->geo.page_size, m->geo.struct_page_size) ||
	    pgtable_init(m)) {
		snprintf(err, errlen, "host out of memory");
		goto fail;
	}
	frame_store_set_lazy_fill(&m->frames, memmap_fill, m);
	frame_store_set_lazy_alike(&m->frames, memmap_page_alike);
	for (unsigned i = 0; i < MAX_NUMNODES; i++)
		m->nodes[i].node_id = (int)i;
	{
		struct boot_params bp;
		boot_params_init(&bp);
		if (hugetlb_apply_boot_params(m, &bp, err, errlen))
			goto fail;
	}
	return m;
fail:
	machine_destroy(m);
	return NULL;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	for (unsigned n = 0; n < MAX_NUMNODES; n++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			buddy_destroy(&m->nodes[n].node_zones[z].buddy);
	cma_destroy_areas(m);
	pgtable_destroy(m);
	frame_store_destroy(&m->frames);
	free(m->mem_section);
	free(m->boot_reserved.regions);
	memblock_destroy(&m->memblock);
	for (unsigned i = 0; i < HUGE_MAX_HSTATE; i++) {
		for (unsigned n = 0; n < MAX_NUMNODES; n++)
			free(m->hstates[i].freelists[n].v);
		hugetlb_free_host_state(&m->hstates[i]);
	}
	free(m->bootmem_pages);
	free(m->leaks);
	for (unsigned i = 0; i < m->nr_dax; i++)
		free(m->dax[i].pageblock_mt);
	klog_destroy(&m->log);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->resize_lock);
	free(m);
}
