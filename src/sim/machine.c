/*
 * Machine creation and boot: turns a machine_config into memblock regions
 * (the "firmware" memory map: flat, or QEMU's pc machine), then boots the
 * way mm_core_init() does: zones, sparse_init(), memmap_init(),
 * memblock_free_all() into the buddy allocator.
 */
#include <stdarg.h>
#include <string.h>

#include "mm/alloc.h"
#include "mm/hugetlb.h"
#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/sparse.h"

#define MAX_PHYSMEM_BITS 46 /* x86-64 with 4-level paging: 64 TiB */
#define KERNEL_LOAD_ADDR (16 * SZ_1M)

static const char *const design_names[NR_DESIGNS] = {
	[DESIGN_LEGACY] = "legacy",
	[DESIGN_SHARED_TAIL] = "shared-tail",
	[DESIGN_GENERIC] = "generic",
};

const char *design_name(enum hvo_design d)
{
	return d < NR_DESIGNS ? design_names[d] : "?";
}

int design_parse(const char *s, enum hvo_design *out)
{
	for (unsigned i = 0; i < NR_DESIGNS; i++) {
		if (!strcmp(s, design_names[i])) {
			*out = (enum hvo_design)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	enum hvo_design design;
	unsigned variant;
} design_variants[] = {
	{ "legacy-6.12.115", DESIGN_LEGACY, VARIANT_SKIP_RESET },
	{ "legacy-6.12.0", DESIGN_LEGACY, VARIANT_PRE_2026_FIXES },
	{ "legacy-6.10", DESIGN_LEGACY, VARIANT_PRE_SPECULATIVE_FIX },
	{ "legacy-6.5", DESIGN_LEGACY, VARIANT_PRE_SPECULATIVE_FIX | VARIANT_VMEMMAP_THISNODE },
	{ "shared-tail-622026e87c40", DESIGN_SHARED_TAIL, VARIANT_ROLLBACK_OVERWRITES_HEAD },
};

int design_variant_parse(const char *s, enum hvo_design *out, unsigned *variant)
{
	for (unsigned i = 0; i < ARRAY_SIZE(design_variants); i++) {
		if (!strcmp(s, design_variants[i].name)) {
			*out = design_variants[i].design;
			*variant = design_variants[i].variant;
			return 0;
		}
	}
	*variant = 0;
	return design_parse(s, out);
}

const char *design_variant_name(enum hvo_design d, unsigned variant)
{
	for (unsigned i = 0; i < ARRAY_SIZE(design_variants); i++)
		if (design_variants[i].design == d && design_variants[i].variant == variant)
			return design_variants[i].name;
	return design_name(d);
}

const char *zone_name(enum zone_type z)
{
	static const char *const names[MAX_NR_ZONES] = {
		"DMA", "DMA32", "Normal", "Movable", "Device"
	};
	return z < MAX_NR_ZONES ? names[z] : "?";
}

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = 4 * SZ_1G;
	cfg->layout = LAYOUT_FLAT;
	cfg->nr_nodes = 1;
	cfg->page_size = 4096;
	cfg->struct_page = 64;
	cfg->kernel_reserve_bytes = (uint64_t)-1; /* layout default */
}

void klog(struct machine *m, const char *fmt, ...)
{
	struct klog *l = &m->log;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (l->len + (size_t)n + 2 > l->cap) {
		size_t cap = MAX(l->cap * 2, l->len + (size_t)n + 256);
		char *b = realloc(l->buf, cap);
		if (!b)
			return;
		l->buf = b;
		l->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(l->buf + l->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0';
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

static int validate_config(const struct machine_config *c, char *err,
			   size_t errlen)
{
	uint64_t sum = 0;

	if (!c->arm64 && c->page_size != 4096) {
		snprintf(err, errlen, "x86-64 has 4K pages only: use arch=arm64 for 16K and 64K");
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
	if (c->layout == LAYOUT_QEMU_PC && (c->page_size != 4096 || c->arm64)) {
		snprintf(err, errlen, "layout=qemu-pc is an x86-64 machine: it needs arch=x86-64 and page_size=4K");
		return -EINVAL;
	}
	if (c->node_mem_given) {
		for (unsigned i = 0; i < c->nr_nodes; i++) {
			if (c->node_mem[i] % c->page_size) {
				snprintf(err, errlen, "node_mem of node %u is not a multiple of the page size", i);
				return -EINVAL;
			}
			sum += c->node_mem[i];
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

static int build_layout(struct machine *m, char *err, size_t errlen)
{
	const struct machine_config *c = &m->cfg;
	uint64_t sizes[MAX_NUMNODES];
	struct ram_range r[4];
	unsigned nr;
	phys_t above_base = 0;

	node_sizes(c, sizes);
	if (c->layout == LAYOUT_QEMU_PC) {
		nr = qemu_pc_ranges(c->mem_bytes, r);
		/* RAM offset where the above-4G part starts. */
		above_base = c->mem_bytes >= 0xe0000000ULL ? 0xc0000000ULL : c->mem_bytes;
	} else {
		nr = 1;
		r[0] = (struct ram_range){ 0, c->mem_bytes };
	}
	if (add_ranges_by_node(m, r, nr, above_base, sizes, c->nr_nodes)) {
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
	if (geometry_init(&m->geo, cfg->page_size, cfg->struct_page, cfg->arm64)) {
		snprintf(err, errlen, "page_size must be 4K, 16K or 64K and struct_page 56, 64, 72 or 80");
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
	m->design = DESIGN_GENERIC;
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
			     m->geo.section_shift - m->geo.page_shift,
			     m->geo.page_size, m->geo.struct_page_size) ||
	    pgtable_init(m)) {
		snprintf(err, errlen, "host out of memory");
		goto fail;
	}
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
	pgtable_destroy(m);
	frame_store_destroy(&m->frames);
	free(m->mem_section);
	free(m->boot_reserved.regions);
	memblock_destroy(&m->memblock);
	for (unsigned i = 0; i < HUGE_MAX_HSTATE; i++)
		for (unsigned n = 0; n < MAX_NUMNODES; n++)
			free(m->hstates[i].freelists[n].v);
	free(m->bootmem_pages);
	free(m->leaks);
	for (unsigned i = 0; i < m->nr_dax; i++)
		free(m->dax[i].pageblock_mt);
	free(m->log.buf);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->resize_lock);
	free(m);
}

/* Reserve the kernel image and early firmware data at 16 MiB on node 0. */
static int reserve_kernel(struct machine *m, char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	uint64_t bytes = m->cfg.kernel_reserve_bytes;
	pfn_t base = KERNEL_LOAD_ADDR >> g->page_shift;
	uint64_t n;

	if (bytes == (uint64_t)-1)
		bytes = m->cfg.layout == LAYOUT_QEMU_PC ? 111 * SZ_1M + 420 * SZ_1K
							: 64 * SZ_1M;
	n = DIV_ROUND_UP(bytes, g->page_size);
	if (!n)
		return 0;
	if (memblock_type_pages_in(&m->memblock.memory, base, base + n) != n) {
		snprintf(err, errlen, "kernel image (%llu KiB at 16M) does not fit in node 0's memory",
			 (unsigned long long)(bytes >> 10));
		return -EINVAL;
	}
	memblock_reserve(&m->memblock, base, n);
	m->kernel_reserved_pages = n;
	return 0;
}

/* Zone ranges by address (x86-64), in pfns. */
static void arch_zone_limits(const struct geometry *g, pfn_t *dma_end,
			     pfn_t *dma32_end)
{
	*dma_end = (16 * SZ_1M) >> g->page_shift;
	*dma32_end = (4 * SZ_1G) >> g->page_shift;
}

/* First pfn of ZONE_MOVABLE on @nid (node end when none). */
static pfn_t zone_movable_start(struct machine *m, int nid, pfn_t node_start,
				pfn_t node_end, pfn_t normal_start)
{
	uint64_t total = global_present_pages_memblock(m);
	uint64_t node_pages, want;
	pfn_t start;

	if (!m->cfg.movablecore_bytes || node_end <= normal_start)
		return node_end;
	node_pages = memblock_type_pages_in(&m->memblock.memory, node_start, node_end);
	want = (m->cfg.movablecore_bytes >> m->geo.page_shift) * node_pages / total;
	start = node_end > want ? node_end - want : 0;
	start = ALIGN_UP(start, 1ULL << m->geo.max_order);
	(void)nid;
	return MAX(start, normal_start);
}

uint64_t global_present_pages_memblock(const struct machine *m)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < m->memblock.memory.cnt; i++)
		n += m->memblock.memory.regions[i].size;
	return n;
}

static void node_span(struct machine *m, int nid, pfn_t *start, pfn_t *end)
{
	const struct memblock_type *mem = &m->memblock.memory;

	*start = PFN_NONE;
	*end = 0;
	for (uint64_t i = 0; i < mem->cnt; i++) {
		if (mem->regions[i].nid != nid)
			continue;
		*start = MIN(*start, mem->regions[i].base);
		*end = MAX(*end, mem->regions[i].base + mem->regions[i].size);
	}
}

static void init_zone(struct machine *m, struct pglist_data *pgdat,
		      enum zone_type zt, pfn_t start, pfn_t end)
{
	struct zone *z = &pgdat->node_zones[zt];

	z->nid = pgdat->node_id;
	z->idx = zt;
	if (start >= end) {
		z->zone_start_pfn = 0;
		z->spanned_pages = 0;
		return;
	}
	z->zone_start_pfn = start;
	z->spanned_pages = end - start;
	z->present_pages = memblock_type_pages_in(&m->memblock.memory, start, end);
}

/* free_area_init(): node and zone spans and present pages. */
static void free_area_init(struct machine *m)
{
	pfn_t dma_end, dma32_end;

	arch_zone_limits(&m->geo, &dma_end, &dma32_end);
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		struct pglist_data *pgdat = &m->nodes[nid];
		pfn_t s, e, mov;

		pgdat->node_id = (int)nid;
		node_span(m, (int)nid, &s, &e);
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			pgdat->node_zones[z].nid = (int)nid;
			pgdat->node_zones[z].idx = (enum zone_type)z;
		}
		if (s == PFN_NONE)
			continue; /* memoryless node */
		pgdat->online = true;
		pgdat->node_start_pfn = s;
		pgdat->node_spanned_pages = e - s;
		pgdat->node_present_pages =
			memblock_type_pages_in(&m->memblock.memory, s, e);
		mov = zone_movable_start(m, (int)nid, s, e, MAX(s, dma32_end));
		init_zone(m, pgdat, ZONE_DMA, s, MIN(e, dma_end));
		init_zone(m, pgdat, ZONE_DMA32, MAX(s, dma_end), MIN(e, dma32_end));
		init_zone(m, pgdat, ZONE_NORMAL, MAX(s, dma32_end), MIN(e, mov));
		init_zone(m, pgdat, ZONE_MOVABLE, MAX(s, mov), e);
	}
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

bool pfn_present(struct machine *m, pfn_t pfn)
{
	struct mem_section *ms = __pfn_to_section(m, pfn);

	return ms && (ms->flags & SECTION_MARKED_PRESENT) &&
	       memblock_is_memory(&m->memblock, pfn);
}

/* memblock_free_all(): everything not reserved goes to the buddy allocator. */
static int memblock_free_all(struct machine *m)
{
	const struct memblock_type *mem = &m->memblock.memory;
	const struct memblock_type *rsv = &m->memblock.reserved;

	if (memblock_copy(&m->boot_reserved, rsv))
		return -ENOMEM;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		for (unsigned zi = 0; zi < MAX_NR_ZONES; zi++) {
			struct zone *z = &m->nodes[nid].node_zones[zi];
			if (!z->spanned_pages)
				continue;
			if (buddy_init(&z->buddy, z->zone_start_pfn,
				       zone_end_pfn(z), m->geo.max_order))
				return -ENOMEM;
			z->initialized = true;
		}
	}
	m->phase = PHASE_RUNNING;
	for (uint64_t i = 0; i < mem->cnt; i++) {
		pfn_t p = mem->regions[i].base, end = p + mem->regions[i].size;
		while (p < end) {
			struct zone *z = page_zone(m, p);
			pfn_t chunk_end = MIN(end, zone_end_pfn(z));
			pfn_t q = p;
			/* Walk the reserved gaps inside [p, chunk_end). */
			while (q < chunk_end) {
				pfn_t r_end;
				if (memblock_type_contains(rsv, q)) {
					/* skip to the end of this reserved region */
					uint64_t lo = 0, hi = rsv->cnt;
					while (lo < hi) {
						uint64_t mid = (lo + hi) / 2;
						if (rsv->regions[mid].base + rsv->regions[mid].size <= q)
							lo = mid + 1;
						else
							hi = mid;
					}
					q = MIN(chunk_end, rsv->regions[lo].base + rsv->regions[lo].size);
					continue;
				}
				r_end = chunk_end;
				for (uint64_t k = 0; k < rsv->cnt; k++) {
					if (rsv->regions[k].base > q) {
						r_end = MIN(r_end, rsv->regions[k].base);
						break;
					}
				}
				buddy_free_range(&z->buddy, q, r_end);
				z->managed_pages += r_end - q;
				q = r_end;
			}
			p = chunk_end;
		}
	}
	return 0;
}

int machine_boot(struct machine *m, char *err, size_t errlen)
{
	int ret;

	if (m->phase != PHASE_CONFIG) {
		snprintf(err, errlen, "machine already booted");
		return -EINVAL;
	}
	m->phase = PHASE_EARLY;
	ret = reserve_kernel(m, err, errlen);
	if (ret)
		return ret;
	memblocks_present(m);
	free_area_init(m);
	ret = hugetlb_reserve_bootmem(m, err, errlen);
	if (ret)
		return ret;
	ret = sparse_init(m, err, errlen);
	if (ret)
		return ret;
	ret = hugetlb_vmemmap_init_late(m, err, errlen);
	if (ret)
		return ret;
	ret = memblock_free_all(m);
	if (ret) {
		snprintf(err, errlen, "host out of memory");
		return ret;
	}
	memmap_init(m);
	for (uint64_t s = 0; s < m->nr_sections; s++)
		if (m->mem_section[s].flags & SECTION_MARKED_PRESENT)
			m->mem_section[s].flags |= SECTION_IS_ONLINE;
	return 0;
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
	return n;
}
