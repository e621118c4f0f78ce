// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine summary for people (`show report`, `make run`; see
 * report.h).  Everything printed comes from the same state the checker and
 * the counters read; nothing is estimated.  The explanation of one page
 * frame is in explain.c.
 */
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "lib/parse.h"
#include "arch/pgtable.h"
#include "cli/report.h"
#include "mm/vmstat.h"

/*
 * The report's layout: a section name flush left, its lines indented two
 * spaces (a zone four), a name column, a value column, then the unit or a
 * note.  Names that no kernel file shows are hvo's own and carry a '*',
 * explained in the last line.
 */
#define RPT_NAME 30
#define RPT_VALUE 12

static void report_value_at(FILE *out, unsigned indent, const char *name, bool own, long long v,
			    const char *note)
{
	char n[64];

	snprintf(n, sizeof(n), "%s%s", name, own ? "*" : "");
	fprintf(out, "%*s%-*s %*lld%s%s\n", (int)indent, "", (int)(RPT_NAME + 2 - indent), n,
		RPT_VALUE, v, note[0] ? "  " : "", note);
}

static void report_value(FILE *out, const char *name, bool own, long long v, const char *note)
{
	report_value_at(out, 2, name, own, v, note);
}

static void report_machine(struct machine *m, FILE *out)
{
	const struct geometry *g = &m->geo;
	uint64_t present_sections = 0;
	char s1[32];

	for (uint64_t s = 0; s < m->nr_sections_used; s++)
		present_sections += !!(m->mem_section[s].flags & SECTION_MARKED_PRESENT);
	fprintf(out, "machine: %s, %s RAM, %u node%s, %s layout, design %s\n",
		g->arch, format_size(m->cfg.mem_bytes, s1, sizeof(s1)), m->nr_nodes,
		m->nr_nodes == 1 ? "" : "s",
		m->cfg.layout == LAYOUT_QEMU_PC ? "qemu-pc" : "flat", m->gen->design);
	fprintf(out, "  %-*s %llu KiB pages, %u-byte struct page (%s), %llu MiB sections, PMD maps %llu KiB\n",
		RPT_NAME - 18, "geometry", (unsigned long long)(g->page_size >> 10), g->struct_page_size,
		g->struct_page_pow2 ? "mask encoding possible" : "not a power of 2: no HVO",
		(unsigned long long)(1ULL << (g->section_shift - 20)),
		(unsigned long long)((1ULL << g->pmd_shift) >> 10));
	fprintf(out, "  %-*s HugeTLB %s%s%s, device DAX %s, pre-HVO of boot gigantic pages %s\n",
		RPT_NAME - 18, "vmemmap opt",
		m->cfg.whatif_hvo_bbm ? "by break-before-make (whatif=hvo-bbm, in no kernel)" :
		hugetlb_vmemmap_configured(m) ? "yes" : "no (",
		hugetlb_vmemmap_configured(m) ? "" : arch_no_hvo_why(g->arch_id),
		hugetlb_vmemmap_configured(m) ? "" : ")",
		g->arch_want & ARCH_WANT_OPTIMIZE_DAX_VMEMMAP ? "yes" : "no",
		hugetlb_vmemmap_preinit(m) ? "yes" : "no");
	if (m->bp.unknown[0])
		fprintf(out, "  %-*s %s (unknown to the kernel: passed to user space)\n",
			RPT_NAME - 18, "cmdline", m->bp.unknown);
	if (m->bp.unmodelled[0])
		fprintf(out, "  %-*s %s (accepted, not modelled by hvo)\n",
			RPT_NAME - 18, "cmdline", m->bp.unmodelled);
	fprintf(out, "  %-*s %llu present sections, max pfn %#llx, kernel image %llu pages\n",
		RPT_NAME - 18, "memory", (unsigned long long)present_sections,
		(unsigned long long)m->max_pfn, (unsigned long long)m->kernel_reserved_pages);
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		const struct pglist_data *pg = &m->nodes[nid];
		char node[16];
		snprintf(node, sizeof(node), "node %u", nid);
		fprintf(out, "  %-*s %llu present pages\n", RPT_NAME - 18, node,
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
}

static void report_vmemmap(struct machine *m, FILE *out)
{
	const struct geometry *g = &m->geo;
	int64_t v;
	char note[96];

	fprintf(out, "vmemmap (in pages):\n");
	counter_get(m, "nr_memmap_boot_pages", &v);
	report_value(out, "nr_memmap_boot_pages", false, (long long)v, "/proc/vmstat");
	counter_get(m, "nr_memmap_pages", &v);
	report_value(out, "nr_memmap_pages", false, (long long)v, "/proc/vmstat");
	report_value(out, "vmemmap_pgtable_pages", true,
		     (long long)m->stat.vmemmap_pgtable_pages, "page tables under the vmemmap");
	report_value(out, "nr_shared_tail_pages", true,
		     (long long)m->stat.nr_shared_tail_pages, "read-only tails shared by folios");
	snprintf(note, sizeof(note), "%llu KiB of host memory",
		 (unsigned long long)((m->frames.host.nr_in_use * g->page_size) >> 10));
	report_value(out, "host_backed_frames", true, (long long)m->frames.host.nr_in_use, note);
	report_value(out, "lazy_frames", true, (long long)m->frames.nr_lazy,
		     "generated on first touch");
}

static void report_meminfo(struct machine *m, FILE *out)
{
	fprintf(out, "meminfo (/proc/meminfo):\n");
	for (const struct counter_desc *c = counter_table; c->name; c++)
		if (c->group == CG_MEMINFO)
			report_value(out, c->name, false, (long long)c->get(m), c->unit);
}

static void report_hugepages(struct machine *m, FILE *out)
{
	fprintf(out, "hugepages (/sys/kernel/mm/hugepages, vm.hugetlb_optimize_vmemmap=%d):\n",
		m->vmemmap_optimize_enabled);
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		unsigned long long kb = (unsigned long long)(huge_page_size(m, h) >> 10);
		char dir[48], note[96];

		snprintf(dir, sizeof(dir), "hugepages-%llukB%s", kb,
			 i == m->default_hstate ? " (default)" : "");
		fprintf(out, "  %s\n", dir);
		report_value_at(out, 4, "nr_hugepages", false, (long long)h->nr_huge_pages, "");
		report_value_at(out, 4, "free_hugepages", false, (long long)h->free_huge_pages, "");
		report_value_at(out, 4, "surplus_hugepages", false, (long long)h->surplus_huge_pages, "");
		snprintf(note, sizeof(note), "can free %llu KiB of vmemmap each",
			 (unsigned long long)(hugetlb_vmemmap_optimizable_size(m, h->order) >> 10));
		report_value_at(out, 4, "vmemmap_optimized", true, (long long)h->nr_optimized, note);
		if (m->nr_nodes > 1)
			for (unsigned nid = 0; nid < m->nr_nodes; nid++)
				fprintf(out, "    node%u: nr_hugepages %llu free_hugepages %llu surplus_hugepages %llu\n",
					nid, (unsigned long long)h->nr_huge_pages_node[nid],
					(unsigned long long)h->free_huge_pages_node[nid],
					(unsigned long long)h->surplus_huge_pages_node[nid]);
	}
}

static void report_log(struct machine *m, FILE *out)
{
	fprintf(out, "kernel log:\n");
	for (const char *s = m->log.buf; *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		fprintf(out, "  %.*s\n", (int)n, s);
		s += n + !!nl;
	}
}

void show_report(struct machine *m, FILE *out)
{
	report_machine(m, out);
	report_vmemmap(m, out);
	report_meminfo(m, out);
	if (m->nr_hstates)
		report_hugepages(m, out);
	if (m->log.len)
		report_log(m, out);
	fprintf(out, "* hvo's own: no kernel file or counter shows it\n");
}


