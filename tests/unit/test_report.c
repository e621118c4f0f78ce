// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the explanations (show pfn, hvo explain) and the pictures
 * (hvo plot): what they say in every design, that explaining changes
 * nothing, that the SVG is well formed, that the chart's numbers are the
 * simulator's own, and the command line's one-line errors.
 */
#include <ctype.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"
#include "harness.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "testutil.h"
#include "mm/vmstat.h"

static const char *const designs[] = { "legacy", "shared-tail", "generic" };

static struct machine *boot_nr(const char *design, unsigned nr)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "machine mem=4G layout=qemu-pc\n"
		 "cmdline hugepagesz=2M hugepages=%u hugetlb_free_vmemmap=on\n"
		 "design %s\nboot\n"
		 "dax create size=1G align=2M addr=5G\n"
		 "hotplug add node=0 size=1G addr=8G memmap_on_memory\n", nr, design);
	return boot_scenario(text);
}

static struct machine *boot_2m(const char *design)
{
	return boot_nr(design, 64);
}

static pfn_t first_folio(struct machine *m)
{
	const struct hstate *h = &m->hstates[m->default_hstate];
	return h->freelists[0].nr ? h->freelists[0].v[0].pfn : PFN_NONE;
}

static pfn_t lowest_folio(struct machine *m)
{
	const struct hstate *h = &m->hstates[m->default_hstate];
	pfn_t low = PFN_NONE;

	for (uint64_t i = 0; i < h->freelists[0].nr; i++)
		low = MIN(low, h->freelists[0].v[i].pfn);
	return low;
}

/* Everything explaining could disturb. */
struct machine_state {
	struct vmstat stat;
	struct mmu mmu;
	uint64_t nr_entries, nr_lazy, nr_pattern, nr_in_use;
	int64_t counters[64];
};

static void save_state(struct machine *m, struct machine_state *s)
{
	memset(s, 0, sizeof(*s));
	s->stat = m->stat;
	s->mmu = m->mmu;
	s->nr_entries = m->frames.nr_entries;
	s->nr_lazy = m->frames.nr_lazy;
	s->nr_pattern = m->frames.nr_pattern;
	s->nr_in_use = m->frames.host.nr_in_use;
	for (unsigned i = 0; counter_table[i].name && i < ARRAY_SIZE(s->counters); i++)
		s->counters[i] = counter_table[i].get(m);
}

static bool same_state(const struct machine_state *a, const struct machine_state *b)
{
	return !memcmp(&a->stat, &b->stat, sizeof(a->stat)) &&
	       !memcmp(&a->mmu, &b->mmu, sizeof(a->mmu)) && a->nr_entries == b->nr_entries &&
	       a->nr_lazy == b->nr_lazy && a->nr_pattern == b->nr_pattern &&
	       a->nr_in_use == b->nr_in_use &&
	       !memcmp(a->counters, b->counters, sizeof(a->counters));
}

/* show_pfn() into a string (caller frees); NULL if it failed. */
static char *explain(struct machine *m, pfn_t pfn)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = show_pfn(m, pfn, f);

	fclose(f);
	if (ret) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Explain @pfn, checking that nothing changed and compound_head() agrees. */
static char *explain_checked(struct machine *m, pfn_t pfn, int *bad)
{
	struct machine_state before, after;
	vaddr_t va = pfn_to_page_va(&m->geo, pfn), mine, real;
	char why[256], *text;

	save_state(m, &before);
	text = explain(m, pfn);
	if (explain_compound_head(m, va, &mine, why, sizeof(why)))
		*bad = 1;
	save_state(m, &after);
	if (!text || !same_state(&before, &after)) {
		fprintf(stderr, "    explaining pfn %#llx changed the machine\n", (unsigned long long)pfn);
		*bad = 1;
	}
	if (compound_head(m, va, &real) || real != mine) {
		fprintf(stderr, "    pfn %#llx: explained compound_head %#llx, real %#llx\n",
			(unsigned long long)pfn, (unsigned long long)mine, (unsigned long long)real);
		*bad = 1;
	}
	return text;
}

static bool has(const char *text, const char *want)
{
	if (text && strstr(text, want))
		return true;
	fprintf(stderr, "    missing '%s' in:\n%s", want, text ? text : "(null)\n");
	return false;
}

TEST(explain_hugetlb_every_design)
{
	for (unsigned d = 0; d < ARRAY_SIZE(designs); d++) {
		struct machine *m = boot_2m(designs[d]);
		pfn_t head;
		char *t[4], want[128];
		int bad = 0;

		ASSERT_TRUE(m);
		head = first_folio(m);
		ASSERT_NE(head, PFN_NONE);
		t[0] = explain_checked(m, head, &bad);
		t[1] = explain_checked(m, head + 1, &bad);
		t[2] = explain_checked(m, head + 64, &bad); /* first struct page of vmemmap page 1 */
		t[3] = explain_checked(m, head + 65, &bad);
		ASSERT_FALSE(bad);
		snprintf(want, sizeof(want), "compound_head() = %#llx (pfn %#llx)",
			 (unsigned long long)pfn_to_page_va(&m->geo, head), (unsigned long long)head);
		for (unsigned i = 0; i < 4; i++) {
			ASSERT_TRUE(has(t[i], want));
			ASSERT_TRUE(has(t[i], "zone Normal"));
			ASSERT_TRUE(has(t[i], "PTE["));
			ASSERT_TRUE(has(t[i], "pool hugepages-2048kB, node 0, vmemmap optimized"));
			ASSERT_TRUE(has(t[i], "vmemmap: 8 pages unoptimized; now 1 private + 7 PTEs onto"));
		}
		ASSERT_TRUE(has(t[0], d == 0 ? "a real head" : "PG_head: a head page"));
		ASSERT_TRUE(has(t[1], "_flags_1: folio order 9"));
		ASSERT_TRUE(has(t[2], "leaf: a PTE (one 4 KiB page), read-only"));
		if (d == 0) {
			ASSERT_TRUE(has(t[0], "the copied head page of folio at pfn"));
			ASSERT_TRUE(has(t[1], "pointer encoding"));
			ASSERT_TRUE(has(t[2], "a fake head"));
			ASSERT_TRUE(has(t[2], "mapped read-only here"));
			ASSERT_TRUE(has(t[3], "_flags_1: folio order 9")); /* the copy of page 1 */
		} else {
			ASSERT_TRUE(has(t[0], "the private head page of folio at pfn"));
			ASSERT_TRUE(has(t[1], "mask encoding: clears the low 15 address bits (order 9)"));
			ASSERT_TRUE(has(t[2], "the zone Normal's shared tail page for order 9"));
			ASSERT_TRUE(has(t[3], "so it is a mask"));
		}
		for (unsigned i = 0; i < 4; i++)
			free(t[i]);
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

TEST(explain_plain_dax_and_hotplug_every_design)
{
	for (unsigned d = 0; d < ARRAY_SIZE(designs); d++) {
		struct machine *m = boot_2m(designs[d]);
		pfn_t dax = (5 * SZ_1G) >> 12, hot = (8 * SZ_1G) >> 12;
		char *plain, *dhead, *dtail, *self, *hole;
		int bad = 0;

		ASSERT_TRUE(m);
		plain = explain_checked(m, 0x2000, &bad);
		dhead = explain_checked(m, dax + 512, &bad);
		dtail = explain_checked(m, dax + 512 + 3 * 64, &bad);
		self = explain_checked(m, hot + 5000, &bad);
		hole = explain_checked(m, 0xa0, &bad); /* the legacy VGA hole */
		ASSERT_FALSE(bad);
		ASSERT_TRUE(has(plain, "boot memmap from memblock"));
		ASSERT_TRUE(has(plain, "not generated yet"));
		ASSERT_TRUE(has(plain, "huge page: none"));
		ASSERT_TRUE(has(dhead, "the private head page of the dax0 compound page at pfn"));
		ASSERT_TRUE(has(dhead, "device DAX dax0"));
		if (d == 2) {
			ASSERT_TRUE(has(dtail, "the zone Device's shared tail page for order 9"));
			ASSERT_TRUE(has(dtail, "now 1 private + 7 PTEs onto the shared tail"));
		} else {
			ASSERT_TRUE(has(dtail, "the second vmemmap page of the dax0 compound page"));
			ASSERT_TRUE(has(dtail, "now 2 private + 6 PTEs onto its second vmemmap page"));
		}
		ASSERT_TRUE(has(self, "self-hosted memmap"));
		ASSERT_TRUE(has(self, "from an altmap"));
		ASSERT_TRUE(has(hole, "a hole: no memory here"));
		free(plain);
		free(dhead);
		free(dtail);
		free(self);
		free(hole);
		machine_destroy(m);
	}
	return 0;
}

/* Explaining a never-touched boot memmap frame leaves it lazy. */
TEST(explain_does_not_materialize)
{
	struct machine *m = boot_2m("generic");
	pfn_t pfn = 0x3000;
	struct pt_walk w;
	char *t;

	ASSERT_TRUE(m);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(&m->geo, pfn), &w), 0);
	ASSERT_TRUE(frame_entry(&m->frames, w.pfn) & FRAME_LAZY);
	t = explain(m, pfn);
	ASSERT_TRUE(t);
	free(t);
	ASSERT_TRUE(frame_entry(&m->frames, w.pfn) & FRAME_LAZY);
	machine_destroy(m);
	return 0;
}

/* A TLB entry left behind by a missing flush is reported, not refreshed. */
TEST(explain_reports_stale_tlb)
{
	struct machine *m = boot_2m("generic");
	pfn_t head;
	vaddr_t va;
	pfn_t frame;
	pfn_t *t;
	char *text;

	ASSERT_TRUE(m);
	head = first_folio(m);
	va = pfn_to_page_va(&m->geo, head + 64);
	ASSERT_EQ(mmu_translate(m, va, false, &frame), 0);
	t = &m->mmu.tlb_pfn[(va >> m->geo.page_shift) & (TLB_ENTRIES - 1)];
	*t = frame + 1; /* as if the PTE changed without a flush */
	text = explain(m, head + 64);
	ASSERT_TRUE(has(text, "TLB: STALE: still maps frame"));
	free(text);
	*t = frame;
	text = explain(m, head + 64);
	ASSERT_TRUE(has(text, "TLB: holds the same translation"));
	free(text);
	machine_destroy(m);
	return 0;
}

TEST(explain_beyond_memory)
{
	struct machine *m = boot_2m("legacy");
	FILE *f = fopen("/dev/null", "w");

	ASSERT_TRUE(m && f);
	ASSERT_EQ(show_pfn(m, 1ULL << 40, f), -ERANGE);
	fclose(f);
	machine_destroy(m);
	return 0;
}

/* ---- SVG ---- */

/*
 * A small well-formedness check: one root element, tags nest and close,
 * attribute values are quoted, '&' starts a known entity, '<' never
 * appears in text.  Returns NULL or what is wrong.
 */
static const char *xml_check(const char *s)
{
	static char msg[128];
	char stack[64][32];
	int depth = 0, roots = 0;

	if (strncmp(s, "<?xml ", 6))
		return "no XML declaration";
	s = strstr(s, "?>") + 2;
	while (*s) {
		if (*s == '&') {
			if (strncmp(s, "&amp;", 5) && strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) &&
			    strncmp(s, "&quot;", 6) && strncmp(s, "&apos;", 6))
				return "bad entity";
			s++;
		} else if (*s == '<') {
			bool close = s[1] == '/';
			const char *p = s + 1 + close;
			size_t n = 0;
			char name[32];
			while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == ':')
				n++;
			if (!n || n >= sizeof(name))
				return "bad tag name";
			memcpy(name, p, n);
			name[n] = '\0';
			p += n;
			while (*p && *p != '>' && *p != '/') { /* attributes */
				if (isspace((unsigned char)*p)) {
					p++;
					continue;
				}
				while (isalnum((unsigned char)*p) || *p == '-' || *p == ':')
					p++;
				if (*p++ != '=' || *p != '"')
					return "unquoted attribute";
				p = strchr(p + 1, '"');
				if (!p)
					return "unterminated attribute";
				p++;
			}
			if (close) {
				if (!depth || strcmp(stack[depth - 1], name)) {
					snprintf(msg, sizeof(msg), "</%s> closes nothing open", name);
					return msg;
				}
				depth--;
			} else if (*p == '/') {
				p++;
				if (!depth)
					roots++;
			} else {
				if (depth == 64)
					return "too deep";
				if (!depth)
					roots++;
				strcpy(stack[depth++], name);
			}
			if (*p != '>')
				return "unterminated tag";
			s = p + 1;
		} else
			s++;
	}
	if (depth)
		return "unclosed element";
	return roots == 1 ? NULL : "not exactly one root element";
}

TEST(xml_check_catches_bad_svg)
{
	ASSERT_FALSE(xml_check("<?xml version=\"1.0\"?>\n<svg a=\"1\"><g><t>x &amp; y</t></g></svg>\n"));
	ASSERT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<svg><g></svg>\n"));
	ASSERT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<svg a=1></svg>\n"));
	ASSERT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<svg>a & b</svg>\n"));
	ASSERT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<svg></svg><svg></svg>\n"));
	return 0;
}

static char *strip_svg(struct machine *m, pfn_t start, uint64_t count, int *ret, char *err,
		       size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*ret = plot_strip(m, "test", start, count, f, err, errlen);
	fclose(f);
	return buf;
}

TEST(plot_strip_every_design)
{
	for (unsigned d = 0; d < ARRAY_SIZE(designs); d++) {
		struct machine *m = boot_nr(designs[d], 512); /* the default scenario's pool */
		struct machine_state before, after;
		pfn_t start;
		uint64_t count;
		char err[256], *svg;
		const char *bad;
		int ret;

		ASSERT_TRUE(m);
		plot_strip_default_range(m, &start, &count);
		ASSERT_EQ(count, 5 * 512);
		ASSERT_EQ(start + 512, lowest_folio(m));
		save_state(m, &before);
		svg = strip_svg(m, start, count, &ret, err, sizeof(err));
		save_state(m, &after);
		ASSERT_EQ(ret, 0);
		ASSERT_TRUE(same_state(&before, &after));
		bad = xml_check(svg);
		if (bad)
			fprintf(stderr, "    %s\n", bad);
		ASSERT_FALSE(bad);
		ASSERT_TRUE(has(svg, "boot memmap (memblock): 8 boxes, 8 distinct frames<"));
		if (d == 0) {
			ASSERT_TRUE(has(svg, "copied head page (legacy: head and tails map it): 32 boxes, 4 distinct frames<"));
		} else {
			ASSERT_TRUE(has(svg, "private head page: 4"));
			/* one frame mapped 28 times */
			ASSERT_TRUE(has(svg, "shared tail page (read-only): 28 boxes, 1 distinct frame<"));
		}
		ASSERT_TRUE(has(svg, "hatched: mapped read-only"));
		ASSERT_TRUE(has(svg, "folio boundary"));
		free(svg);
		/* the DAX range and the self-hosted hot-added memory */
		svg = strip_svg(m, (5 * SZ_1G) >> 12, 4096, &ret, err, sizeof(err));
		ASSERT_EQ(ret, 0);
		ASSERT_FALSE(xml_check(svg));
		ASSERT_TRUE(has(svg, "private head page: 8"));
		ASSERT_TRUE(has(svg, d == 2 ? "shared tail page (read-only): 56"
					    : "DAX tail page reused by the compound: 56"));
		free(svg);
		svg = strip_svg(m, (8 * SZ_1G) >> 12, 4096, &ret, err, sizeof(err));
		ASSERT_EQ(ret, 0);
		ASSERT_FALSE(xml_check(svg));
		ASSERT_TRUE(has(svg, "self-hosted memmap (altmap): 64"));
		free(svg);
		machine_destroy(m);
	}
	return 0;
}

TEST(plot_strip_bad_ranges)
{
	struct machine *m = boot_2m("generic");
	char err[256], *svg;
	int ret;

	ASSERT_TRUE(m);
	svg = strip_svg(m, 1ULL << 40, 64, &ret, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL);
	ASSERT_TRUE(has(err, "beyond the end of memory"));
	ASSERT_EQ(strlen(svg), 0);
	free(svg);
	svg = strip_svg(m, 0, 0, &ret, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL);
	free(svg);
	svg = strip_svg(m, 0, 64ULL * (PLOT_STRIP_MAX_BOXES + 1), &ret, err, sizeof(err));
	ASSERT_EQ(ret, -EINVAL);
	ASSERT_TRUE(has(err, "at most 4096"));
	free(svg);
	machine_destroy(m);
	return 0;
}

/*
 * The chart's measured numbers are the optimization's own: per folio, the
 * freed vmemmap (hugetlb_vmemmap_optimizable_size) and one PTE table per
 * PMD of vmemmap; the base is 16 GiB of struct pages and 17 tables.
 */
TEST(chart_numbers_match_the_formulas)
{
	for (unsigned d = 0; d < ARRAY_SIZE(designs); d++) {
		struct chart_bar bars[CHART_BARS];
		char err[256];
		struct machine *m = boot_2m(designs[d]);
		double psize, pmd_vmemmap;

		ASSERT_TRUE(m);
		psize = (double)m->geo.page_size;
		pmd_vmemmap = (double)(1ULL << m->geo.pmd_shift);
		ASSERT_EQ(chart_measure(m->gen, bars, err, sizeof(err)), 0);
		ASSERT_EQ(bars[0].struct_bytes, 16 * SZ_1G);
		ASSERT_EQ(bars[0].pgtable_bytes, 17 * psize);
		ASSERT_TRUE(bars[1].per_folio_struct_pages ==
			    -(double)hugetlb_vmemmap_optimizable_size(m, 9) / psize);
		ASSERT_TRUE(bars[1].per_folio_pgtable_pages ==
			    vmemmap_bytes_for_order(&m->geo, 9) / pmd_vmemmap);
		ASSERT_TRUE(bars[2].per_folio_struct_pages ==
			    -(double)hugetlb_vmemmap_optimizable_size(m, 18) / psize);
		ASSERT_TRUE(bars[2].per_folio_pgtable_pages ==
			    vmemmap_bytes_for_order(&m->geo, 18) / pmd_vmemmap);
		/* 2 MiB: 1/8 of the struct pages plus one shared tail per zone */
		ASSERT_TRUE(bars[1].struct_bytes >= 2.0 * SZ_1G &&
			    bars[1].struct_bytes <= 2.0 * SZ_1G + 4 * psize);
		ASSERT_TRUE(bars[2].struct_bytes >= 4.0 * SZ_1M &&
			    bars[2].struct_bytes <= 4.0 * SZ_1M + 4 * psize);
		/* hvo_share_pte=on: refused by legacy, else one PTE table per folio */
		ASSERT_TRUE(bars[CHART_SHARE_PTE].share_pte);
		ASSERT_EQ(bars[CHART_SHARE_PTE].refused, d == 0);
		if (d)
			ASSERT_TRUE(bars[CHART_SHARE_PTE].per_folio_pgtable_pages == 1.0 &&
				    bars[CHART_SHARE_PTE].struct_bytes == bars[2].struct_bytes);
		machine_destroy(m);
	}
	return 0;
}

/* ---- the command line (build/hvo, built by `make check`) ---- */

/* The Makefile names its build directory; build/ when built by hand. */
#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif

struct cli_result {
	int status;
	char out[8192];
	char err[1024];
	unsigned err_lines;
};

static int run_cli(const char *args, struct cli_result *r)
{
	char cmd[768], out[128], err[128];
	FILE *f;
	size_t n;
	int st;

	/* per process: tests may run side by side */
	snprintf(out, sizeof(out), HVO_BUILD_DIR "/cli.%ld.out", (long)getpid());
	snprintf(err, sizeof(err), HVO_BUILD_DIR "/cli.%ld.err", (long)getpid());
	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/hvo %s >%s 2>%s", args, out, err);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	r->status = WEXITSTATUS(st);
	f = fopen(out, "r");
	if (!f)
		return -1;
	n = fread(r->out, 1, sizeof(r->out) - 1, f);
	r->out[n] = '\0';
	fclose(f);
	f = fopen(err, "r");
	if (!f)
		return -1;
	n = fread(r->err, 1, sizeof(r->err) - 1, f);
	r->err[n] = '\0';
	fclose(f);
	remove(out);
	remove(err);
	for (char *p = r->err; *p; p++)
		r->err_lines += *p == '\n';
	return 0;
}

TEST(cli_explain_and_plot)
{
	struct cli_result r;

	ASSERT_EQ(run_cli("explain pfn 0x2000", &r), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(has(r.out, "design generic"));
	ASSERT_TRUE(has(r.out, "boot memmap from memblock"));
	ASSERT_EQ(run_cli("explain --design legacy tests/scenarios/runtime_2m_legacy.hvo pfn 0x2000", &r), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(has(r.out, "design legacy"));
	ASSERT_EQ(run_cli("plot --design shared-tail strip pfn=0 count=128", &r), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_FALSE(xml_check(r.out));
	ASSERT_TRUE(has(r.out, "design shared-tail"));
	ASSERT_EQ(run_cli("plot --out " HVO_BUILD_DIR "/chart-test.svg chart", &r), 0);
	ASSERT_EQ(r.status, 0);
	return 0;
}

TEST(cli_errors_are_one_line_exit_2)
{
	static const char *const bad[] = {
		"explain pfn 0x10000000000",          /* beyond memory */
		"explain pfn zz",
		"explain pfn",
		"explain",
		"explain --design nosuch pfn 1",
		"explain --frobnicate pfn 1",
		"explain tests/does-not-exist.hvo pfn 1",
		"explain tests/scenarios/errors/boot_twice.hvo pfn 1",
		"explain pfn 1 extra",
		"plot",
		"plot strip pfn=0x10000000000 count=64",
		"plot strip pfn=0 count=0",
		"plot strip pfn=0 count=1000000",
		"plot strip pfn=zz",
		"plot strip frobnicate",
		"plot strip --bad",
		"plot chart extra",
		"plot --design legacy chart",
		"plot --out /nonexistent-dir/x.svg chart",
		"plot circle",
	};
	struct cli_result r;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(run_cli(bad[i], &r), 0);
		if (r.status != 2 || r.err_lines != 1 || r.out[0]) {
			fprintf(stderr, "    hvo %s: status %d, %u error lines, stdout %zu bytes:\n%s",
				bad[i], r.status, r.err_lines, strlen(r.out), r.err);
			return 1;
		}
	}
	return 0;
}

/* hvo compare: a design that refuses the scenario shows "-", the others run. */
TEST(cli_compare_with_a_refusing_design)
{
	struct cli_result r;

	ASSERT_EQ(run_cli("compare tests/scenarios/share_pte_1g_generic.hvo", &r), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(has(r.out, "  legacy                     refused (not claimed: reported, not a failure)"));
	ASSERT_TRUE(has(r.out, "vmemmap_pgtable_pages*    pages              -            28            28"));
	/* legacy is not the scenario's design: its refusal is under its status */
	ASSERT_TRUE(has(r.out, ":7: in legacy: hvo_share_pte=on: needs the shared-tail or generic design"));
	ASSERT_EQ(r.err_lines, 0);
	ASSERT_EQ(run_cli("compare tests/scenarios/errors/unknown_command.hvo", &r), 0);
	ASSERT_EQ(r.status, 2); /* every design refuses it */
	return 0;
}
