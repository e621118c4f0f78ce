/*
 * Reports for people (see report.h).  Everything printed comes from the
 * same state the checker and the counters read; nothing is estimated.
 */
#include <string.h>

#include "hugetlb.h"
#include "hugetlb_vmemmap.h"
#include "mmu.h"
#include "page.h"
#include "parse.h"
#include "pgtable.h"
#include "report.h"
#include "vmstat.h"

static const char *owner_name(enum frame_owner o)
{
	static const char *const names[] = { "none", "vmemmap page", "page table",
					     "shared tail page", "kernel" };
	return o <= FO_KERNEL ? names[o] : "?";
}

static const char *origin_name(enum frame_origin o)
{
	static const char *const names[] = { "memblock", "buddy", "altmap" };
	return o <= ORIGIN_ALTMAP ? names[o] : "?";
}

void show_report(struct machine *m, FILE *out)
{
	const struct geometry *g = &m->geo;
	int64_t v;
	char s1[32];
	uint64_t present_sections = 0;

	for (uint64_t s = 0; s < m->nr_sections; s++)
		present_sections += !!(m->mem_section[s].flags & SECTION_MARKED_PRESENT);
	fprintf(out, "machine: %s, %s RAM, %u node%s, %s layout, design %s\n",
		g->arch, format_size(m->cfg.mem_bytes, s1, sizeof(s1)), m->nr_nodes,
		m->nr_nodes == 1 ? "" : "s",
		m->cfg.layout == LAYOUT_QEMU_PC ? "qemu-pc" : "flat", design_name(m->design));
	fprintf(out, "geometry: %llu KiB pages, %u-byte struct page (%s), %llu MiB sections, PMD maps %llu KiB\n",
		(unsigned long long)(g->page_size >> 10), g->struct_page_size,
		g->struct_page_pow2 ? "mask encoding possible" : "not a power of 2: no HVO",
		(unsigned long long)(1ULL << (g->section_shift - 20)),
		(unsigned long long)((1ULL << g->pmd_shift) >> 10));
	fprintf(out, "memory: %llu present sections, max pfn %#llx, kernel image %llu pages\n",
		(unsigned long long)present_sections, (unsigned long long)m->max_pfn,
		(unsigned long long)m->kernel_reserved_pages);
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		const struct pglist_data *pg = &m->nodes[nid];
		fprintf(out, "  node %u: %llu present pages\n", nid,
			(unsigned long long)pg->node_present_pages);
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &pg->node_zones[z];
			if (!zone->spanned_pages)
				continue;
			fprintf(out, "    %-8s pfn [%#llx, %#llx) present %llu managed %llu free %llu\n",
				zone_name(zone->idx), (unsigned long long)zone->zone_start_pfn,
				(unsigned long long)zone_end_pfn(zone),
				(unsigned long long)zone->present_pages,
				(unsigned long long)zone->managed_pages,
				(unsigned long long)zone->buddy.nr_free_pages);
		}
	}
	fprintf(out, "vmemmap:\n");
	counter_get(m, "nr_memmap_boot_pages", &v);
	fprintf(out, "  nr_memmap_boot_pages  %10lld\n", (long long)v);
	counter_get(m, "nr_memmap_pages", &v);
	fprintf(out, "  nr_memmap_pages       %10lld\n", (long long)v);
	fprintf(out, "  vmemmap_pgtable_pages %10llu  (page tables: no kernel counter shows them)\n",
		(unsigned long long)m->stat.vmemmap_pgtable_pages);
	fprintf(out, "  shared tail pages     %10llu\n",
		(unsigned long long)m->stat.nr_shared_tail_pages);
	fprintf(out, "  host: %llu frames backed (%llu KiB), %llu generated lazily on first touch\n",
		(unsigned long long)m->frames.host.nr_in_use,
		(unsigned long long)((m->frames.host.nr_in_use * g->page_size) >> 10),
		(unsigned long long)m->frames.nr_lazy);
	fprintf(out, "meminfo:\n");
	show_meminfo(m, out);
	if (m->nr_hstates) {
		fprintf(out, "hugepages (vm.hugetlb_optimize_vmemmap=%d):\n", m->vmemmap_optimize_enabled);
		show_hugepages(m, out);
	}
	if (m->log.len) {
		fprintf(out, "kernel log:\n");
		fputs(m->log.buf, out);
	}
}

static void print_flags(uint64_t flags, FILE *out)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ PG_locked, "locked" }, { PG_head, "head" }, { PG_reserved, "reserved" },
		{ PG_private, "private" }, { PG_hwpoison, "hwpoison" },
	};
	const char *sep = "";

	fprintf(out, "%#llx [", (unsigned long long)flags);
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (test_flag(flags, names[i].bit)) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = "|";
		}
	}
	fprintf(out, "%snode=%d zone=%s]", sep, flags_nid(flags), zone_name(flags_zone(flags)));
}

int show_pfn(struct machine *m, pfn_t pfn, FILE *out)
{
	const struct geometry *g = &m->geo;
	struct mem_section *ms = __pfn_to_section(m, pfn);
	vaddr_t va = pfn_to_page_va(g, pfn), head;
	struct pt_walk w;
	struct page_struct ps;
	struct zone *z;

	if (!ms)
		return -ERANGE;
	fprintf(out, "pfn %#llx (phys %#llx): section %llu%s\n", (unsigned long long)pfn,
		(unsigned long long)(pfn << g->page_shift),
		(unsigned long long)pfn_to_section_nr(g, pfn),
		(ms->flags & SECTION_MARKED_PRESENT) ? "" : " (not present)");
	z = page_zone(m, pfn);
	if (z)
		fprintf(out, "  node %d, zone %s%s\n", z->nid, zone_name(z->idx),
			pfn_present(m, pfn) ? "" : " (a hole: no memory here)");
	fprintf(out, "  struct page at va %#llx\n", (unsigned long long)va);
	if (vmemmap_walk_va(m, va, &w)) {
		fprintf(out, "  not mapped: this section has no memmap\n");
		return 0;
	}
	fprintf(out, "  mapped by a %s, %s, to frame %#llx: %s from %s\n",
		w.leaf == PT_PMD ? "PMD leaf (2 MiB block)" : "PTE",
		w.writable ? "read-write" : "read-only", (unsigned long long)w.pfn,
		owner_name(frame_owner(&m->frames, w.pfn)),
		origin_name(frame_origin(&m->frames, w.pfn)));
	if (page_read(m, va, &ps)) {
		fprintf(out, "  reading it faulted: %s\n", m->mmu.last_fault);
		return 0;
	}
	fprintf(out, "  flags ");
	print_flags(ps.flags, out);
	fprintf(out, "\n  compound_info %#llx: ", (unsigned long long)ps.compound_info);
	if (ps.compound_info & 1)
		fprintf(out, "a tail, %s encoding\n",
			compound_info_has_mask(m) ? "mask" : "pointer");
	else
		fprintf(out, "not a tail\n");
	fprintf(out, "  mapping %#llx private %#llx refcount %d mapcount %d\n",
		(unsigned long long)ps.mapping, (unsigned long long)ps.private_,
		ps.refcount, ps.mapcount);
	if (!compound_head(m, va, &head)) {
		if (head == va && test_flag(ps.flags, PG_head))
			fprintf(out, "  compound_head() = itself: a head page\n");
		else if (head == va)
			fprintf(out, "  compound_head() = itself: not part of a compound page\n");
		else
			fprintf(out, "  compound_head() = %#llx, the struct page of pfn %#llx%s\n",
				(unsigned long long)head,
				(unsigned long long)page_va_to_pfn(g, head),
				!(ps.compound_info & 1) ? " (a fake head: resolved through page[1])" : "");
	}
	return 0;
}
