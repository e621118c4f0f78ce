// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVG pictures (see plot.h).
 *
 * A tiny SVG writer (rectangles, lines, escaped text) and two pictures
 * built on it.  The strip asks report.c what backs each vmemmap page, the
 * same classification `show pfn` prints, so the picture and the text never
 * disagree; it reads the page table and frame store only.  The chart's
 * numbers are measured by booting machines with the simulator itself, never
 * typed in: a change per folio times the folios in a TiB, plus the base
 * cost of a booted TiB.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/generations.h"
#include "sim/sim.h"
#include "mm/hugetlb.h"
#include "lib/parse.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"

/* ---- the SVG writer ---- */

static void svg_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void svg_begin(FILE *out, unsigned w, unsigned h, const char *title)
{
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
		w, h, w, h);
	fputs("<title>", out);
	svg_escaped(out, title);
	fputs("</title>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", w, h);
}

static void svg_end(FILE *out)
{
	fputs("</svg>\n", out);
}

/* Text at (x, y): @anchor start|middle|end, @attrs extra attributes or "". */
static void svg_text(FILE *out, double x, double y, unsigned size, const char *anchor,
		     const char *attrs, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void svg_text(FILE *out, double x, double y, unsigned size, const char *anchor,
		     const char *attrs, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%u\" text-anchor=\"%s\" %s>",
		x, y, size, anchor, attrs);
	svg_escaped(out, buf);
	fputs("</text>\n", out);
}

static void svg_rect(FILE *out, double x, double y, double w, double h, const char *fill,
		     const char *attrs)
{
	fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" %s/>\n",
		x, y, w, h, fill, attrs);
}

static void svg_line(FILE *out, double x1, double y1, double x2, double y2, const char *stroke,
		     double width)
{
	fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
		"stroke-width=\"%.1f\"/>\n", x1, y1, x2, y2, stroke, width);
}

/* "2 MiB", "16.0 GiB", "36.1 MiB" */
static const char *bytes_label(double b, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (u + 1 < ARRAY_SIZE(units) && b >= 1024) {
		b /= 1024;
		u++;
	}
	if (b == (double)(uint64_t)b)
		snprintf(buf, len, "%llu %s", (unsigned long long)b, units[u]);
	else
		snprintf(buf, len, b < 10 ? "%.2f %s" : "%.1f %s", b, units[u]);
	return buf;
}

/* ---- the strip ---- */

static const char *const use_colour[NR_VMEMMAP_USES] = {
	[VU_UNMAPPED] = "#ffffff",
	[VU_BOOT] = "#cfcfcf",
	[VU_BUDDY] = "#8c8c8c",
	[VU_SELF_HOSTED] = "#b39ddb",
	[VU_DAX] = "#80cbc4",
	[VU_HEAD] = "#1f77b4",
	[VU_LEGACY_COPY] = "#ff7f0e",
	[VU_SHARED_TAIL] = "#2ca02c",
	[VU_DAX_REUSED] = "#e377c2",
	[VU_OTHER] = "#d62728",
};

const char *plot_use_colour(enum vmemmap_use u)
{
	return u < NR_VMEMMAP_USES ? use_colour[u] : "#000000";
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int plot_strip_counts(struct machine *m, vaddr_t vstart, uint64_t nr_boxes,
		      struct strip_counts *c)
{
	uint64_t *key = malloc(sizeof(*key) * (nr_boxes ? nr_boxes : 1));
	struct vmemmap_page_info vi;
	uint64_t n = 0;

	memset(c, 0, sizeof(*c));
	if (!key)
		return -ENOMEM;
	for (uint64_t i = 0; i < nr_boxes; i++) {
		plot_classify(m, vstart + i * m->geo.page_size, &vi);
		c->boxes[vi.use]++;
		c->any_ro |= vi.mapped && !vi.w.writable;
		c->any_pmd |= vi.mapped && vi.w.leaf == PT_PMD;
		c->any_folio |= vi.folio.found;
		if (vi.mapped) /* the use in the top bits, the frame below */
			key[n++] = ((uint64_t)vi.use << 56) | (vi.w.pfn & ((1ULL << 56) - 1));
	}
	qsort(key, n, sizeof(*key), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		if (!i || key[i] != key[i - 1])
			c->frames[key[i] >> 56]++;
	free(key);
	return 0;
}

#define STRIP_COLS 32
#define BOX_W 24
#define BOX_H 34
#define BOX_GAP 2
#define ROW_PITCH (BOX_H + 30)
#define STRIP_LEFT 112
#define STRIP_TOP 96

void plot_strip_default_range(struct machine *m, pfn_t *start, uint64_t *count)
{
	uint64_t max_pfns = 256ULL * m->geo.spp;
	pfn_t best = PFN_NONE;
	unsigned order = 0;

	if (!m->geo.spp) /* struct page not a power of 2 */
		max_pfns = 256ULL * (m->geo.page_size / m->geo.struct_page_size);
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		for (unsigned nid = 0; nid < m->nr_nodes; nid++)
			for (uint64_t k = 0; k < h->freelists[nid].nr; k++)
				if (h->freelists[nid].v[k].pfn < best) {
					best = h->freelists[nid].v[k].pfn;
					order = h->order;
				}
	}
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (m->dax[i].start < best) {
			best = m->dax[i].start;
			order = m->dax[i].order;
		}
	if (best == PFN_NONE) {
		*start = 0;
		*count = max_pfns;
		return;
	}
	/* one folio's worth before it (memory outside the pool), then four folios */
	*start = best >= (1ULL << order) ? best - (1ULL << order) : 0;
	*count = MIN((best - *start) + (4ULL << order), max_pfns);
}

struct strip_layout {
	uint64_t nr_boxes;
	unsigned cols, rows;
	unsigned width, height;
	unsigned legend_top;
};

static void strip_box_xy(const struct strip_layout *l, uint64_t i, double *x, double *y)
{
	*x = STRIP_LEFT + (double)(i % l->cols) * (BOX_W + BOX_GAP);
	*y = STRIP_TOP + (double)(i / l->cols) * ROW_PITCH;
}

static void strip_defs(FILE *out)
{
	fputs("<defs>\n"
	      "<pattern id=\"ro\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\">"
	      "<rect x=\"0\" y=\"0\" width=\"2\" height=\"6\" fill=\"#000000\" fill-opacity=\"0.35\"/>"
	      "</pattern>\n"
	      "</defs>\n", out);
}

/* One vmemmap page: its colour, read-only hatching, PMD-block bar, tooltip. */
static void strip_box(FILE *out, struct machine *m, const struct strip_layout *l, uint64_t i,
		      const struct vmemmap_page_info *vi)
{
	const struct geometry *g = &m->geo;
	double x, y;

	strip_box_xy(l, i, &x, &y);
	fprintf(out, "<g><title>vmemmap page %#llx (struct pages of pfn %#llx..): ",
		(unsigned long long)((vi->va - g->vmemmap_start) >> g->page_shift),
		(unsigned long long)vi->first_pfn);
	svg_escaped(out, vmemmap_use_name(vi->use));
	if (vi->mapped)
		fprintf(out, ", frame %#llx, %s", (unsigned long long)vi->w.pfn,
			vi->w.writable ? "read-write" : "read-only");
	fputs("</title>\n", out);
	svg_rect(out, x, y, BOX_W, BOX_H, use_colour[vi->use],
		 vi->use == VU_UNMAPPED ? "stroke=\"#9e9e9e\" stroke-dasharray=\"3,2\""
					: "stroke=\"#444444\" stroke-width=\"0.6\"");
	if (vi->mapped && !vi->w.writable)
		svg_rect(out, x, y, BOX_W, BOX_H, "url(#ro)", "");
	if (vi->mapped && vi->w.leaf == PT_PMD)
		svg_rect(out, x, y + BOX_H + 2, BOX_W + BOX_GAP, 4, "#555555", "");
	fputs("</g>\n", out);
}

/*
 * Legacy's head page is the copy its tails map: one colour for the frame,
 * hatching tells the read-only tails from the head.
 */
void plot_classify(struct machine *m, vaddr_t va, struct vmemmap_page_info *vi)
{
	vmemmap_page_classify(m, va, vi);
	if (vi->use == VU_HEAD && gen_has(m, GEN_FAKE_HEADS) && !vi->folio.dax)
		vi->use = VU_LEGACY_COPY;
}

static bool same_folio(const struct folio_info *a, const struct folio_info *b)
{
	return a->found == b->found && (!a->found || (a->head == b->head && a->dax == b->dax));
}

/* The folio boundary before box @i and, room permitting, its label. */
static void strip_boundary(FILE *out, struct machine *m, const struct strip_layout *l,
			   uint64_t i, const struct folio_info *fi, double *last_label_x,
			   unsigned *last_label_row)
{
	const struct geometry *g = &m->geo;
	double x, y;
	char size[32];

	strip_box_xy(l, i, &x, &y);
	x -= BOX_GAP / 2.0;
	svg_line(out, x, y - 5, x, y + BOX_H + 8, "#000000", 2.5);
	if (!fi->found)
		return;
	if (*last_label_row == i / l->cols && x - *last_label_x < 84)
		return;
	*last_label_x = x;
	*last_label_row = (unsigned)(i / l->cols);
	bytes_label((double)(g->page_size << fi->order), size, sizeof(size));
	svg_text(out, x + 2, y + BOX_H + 20, 10, "start", "fill=\"#000000\"", "%s%#llx %s%s",
		 fi->dax ? "dax " : "", (unsigned long long)fi->head, size,
		 fi->optimized ? "" : " (not opt.)");
}

static void strip_axes(FILE *out, struct machine *m, const struct strip_layout *l,
		       const char *title, pfn_t start, uint64_t count, vaddr_t vstart)
{
	const struct geometry *g = &m->geo;
	uint64_t pfns_per_box = g->page_size / g->struct_page_size;
	double x0 = STRIP_LEFT;
	char psize[32];

	bytes_label((double)g->page_size, psize, sizeof(psize));
	svg_text(out, 16, 28, 17, "start", "font-weight=\"bold\"",
		 "vmemmap of pfns %#llx-%#llx (%s)", (unsigned long long)start,
		 (unsigned long long)(start + count - 1), title);
	svg_text(out, 16, 48, 12, "start", "fill=\"#333333\"",
		 "design %s, %s, %s pages; each box is one vmemmap page (%llu struct pages), "
		 "coloured by the frame behind it",
		 m->gen->name, g->arch, psize,
		 (unsigned long long)pfns_per_box);
	svg_text(out, x0, STRIP_TOP - 24, 12, "start", "",
		 "vmemmap page in the row (+0 .. +%u)", l->cols - 1);
	for (unsigned c = 0; c < l->cols; c += 8)
		svg_text(out, x0 + c * (BOX_W + BOX_GAP) + BOX_W / 2.0, STRIP_TOP - 8, 10, "middle",
			 "fill=\"#333333\"", "+%u", c);
	for (unsigned r = 0; r < l->rows; r++) {
		vaddr_t va = vstart + (uint64_t)r * l->cols * g->page_size;
		pfn_t p = DIV_ROUND_UP(va - g->vmemmap_start, g->struct_page_size);
		svg_text(out, STRIP_LEFT - 8, STRIP_TOP + r * ROW_PITCH + BOX_H / 2.0 + 4, 11, "end",
			 "font-family=\"DejaVu Sans Mono, monospace\"", "%#llx", (unsigned long long)p);
	}
	svg_text(out, STRIP_LEFT - 8, STRIP_TOP - 24, 12, "end", "", "first pfn");
	svg_text(out, STRIP_LEFT - 8, STRIP_TOP - 8, 10, "end", "fill=\"#333333\"", "of the row");
}

static void strip_legend(FILE *out, const struct strip_layout *l, const struct strip_counts *c)
{
	const uint64_t *nr_use = c->boxes;
	bool any_ro = c->any_ro, any_pmd = c->any_pmd, any_folio = c->any_folio;
	double y = l->legend_top, x;
	unsigned n = 0;

	svg_text(out, 16, y, 13, "start", "font-weight=\"bold\"", "Legend");
	y += 10;
	for (unsigned u = 0; u < NR_VMEMMAP_USES; u++) {
		if (!nr_use[u])
			continue;
		x = 16 + (n % 2) * 440;
		svg_rect(out, x, y + (n / 2) * 22, 18, 16, use_colour[u],
			 u == VU_UNMAPPED ? "stroke=\"#9e9e9e\" stroke-dasharray=\"3,2\""
					  : "stroke=\"#444444\" stroke-width=\"0.6\"");
		if (u == VU_UNMAPPED)
			svg_text(out, x + 26, y + (n / 2) * 22 + 13, 12, "start", "", "%s: %llu box%s",
				 vmemmap_use_name((enum vmemmap_use)u), (unsigned long long)nr_use[u],
				 nr_use[u] == 1 ? "" : "es");
		else
			svg_text(out, x + 26, y + (n / 2) * 22 + 13, 12, "start", "",
				 "%s: %llu box%s, %llu distinct frame%s",
				 vmemmap_use_name((enum vmemmap_use)u), (unsigned long long)nr_use[u],
				 nr_use[u] == 1 ? "" : "es", (unsigned long long)c->frames[u],
				 c->frames[u] == 1 ? "" : "s");
		n++;
	}
	y += ((n + 1) / 2) * 22 + 6;
	x = 16;
	if (any_ro) {
		svg_rect(out, x, y, 18, 16, "#ffffff", "stroke=\"#444444\" stroke-width=\"0.6\"");
		svg_rect(out, x, y, 18, 16, "url(#ro)", "");
		svg_text(out, x + 26, y + 13, 12, "start", "", "hatched: mapped read-only");
		x += 250;
	}
	if (any_pmd) {
		svg_rect(out, x, y + 6, 18, 4, "#555555", "");
		svg_text(out, x + 26, y + 13, 12, "start", "", "bar below: inside a PMD block (not split)");
		x += 320;
	}
	if (!any_folio)
		return;
	svg_line(out, x + 9, y - 2, x + 9, y + 18, "#000000", 2.5);
	svg_text(out, x + 20, y + 13, 12, "start", "", "folio boundary, labelled with its head pfn");
}

int plot_strip(struct machine *m, const char *title, pfn_t start, uint64_t count,
	       FILE *out, char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	pfn_t end_pfn = section_nr_to_pfn(g, m->nr_sections);
	struct strip_layout l;
	struct vmemmap_page_info vi;
	struct folio_info prev = { 0 };
	struct strip_counts counts;
	double last_label_x = -1000;
	unsigned last_label_row = ~0u, legend_rows = 0;
	vaddr_t vstart, vend;

	if (!count || start >= end_pfn || count > end_pfn - start) {
		snprintf(err, errlen, "strip: pfn range %#llx+%llu is empty or beyond the end of memory (max pfn %#llx)",
			 (unsigned long long)start, (unsigned long long)count,
			 (unsigned long long)end_pfn);
		return -EINVAL;
	}
	vstart = ALIGN_DOWN(pfn_to_page_va(g, start), g->page_size);
	vend = ALIGN_UP(pfn_to_page_va(g, start + count), g->page_size);
	memset(&l, 0, sizeof(l));
	l.nr_boxes = (vend - vstart) >> g->page_shift;
	if (l.nr_boxes > PLOT_STRIP_MAX_BOXES) {
		snprintf(err, errlen, "strip: %llu vmemmap pages; at most %d in one picture (use a smaller count=)",
			 (unsigned long long)l.nr_boxes, PLOT_STRIP_MAX_BOXES);
		return -EINVAL;
	}
	/* Count first: the legend lists what is there. */
	if (plot_strip_counts(m, vstart, l.nr_boxes, &counts)) {
		snprintf(err, errlen, "strip: host out of memory");
		return -EINVAL;
	}
	for (unsigned u = 0; u < NR_VMEMMAP_USES; u++)
		legend_rows += !!counts.boxes[u];
	l.cols = (unsigned)MIN((uint64_t)STRIP_COLS, l.nr_boxes);
	l.rows = (unsigned)DIV_ROUND_UP(l.nr_boxes, l.cols);
	l.width = MAX(STRIP_LEFT + l.cols * (BOX_W + BOX_GAP) + 40, 920u);
	l.legend_top = STRIP_TOP + l.rows * ROW_PITCH + 12;
	l.height = l.legend_top + 10 + ((legend_rows + 1) / 2) * 22 + 40;

	svg_begin(out, l.width, l.height, "hvo: vmemmap strip");
	strip_defs(out);
	strip_axes(out, m, &l, title, start, count, vstart);
	for (uint64_t i = 0; i < l.nr_boxes; i++) {
		plot_classify(m, vstart + i * g->page_size, &vi);
		strip_box(out, m, &l, i, &vi);
		if (i == 0 ? vi.folio.found : !same_folio(&vi.folio, &prev))
			strip_boundary(out, m, &l, i, &vi.folio, &last_label_x, &last_label_row);
		prev = vi.folio;
	}
	strip_legend(out, &l, &counts);
	svg_end(out);
	return 0;
}

/* ---- the chart ---- */

struct meta_pages {
	double structs; /* frames holding struct pages */
	double tables;  /* page tables under the vmemmap */
};

static struct meta_pages meta_of(const struct machine *m)
{
	return (struct meta_pages){
		.structs = (double)(m->stat.nr_memmap_pages + m->stat.nr_memmap_boot_pages +
				    (int64_t)m->stat.nr_shared_tail_pages),
		.tables = (double)m->stat.vmemmap_pgtable_pages,
	};
}

static struct machine *chart_boot(const struct hvo_generation *gen, const char *text, char *err, size_t errlen)
{
	int status;
	char *ebuf = NULL;
	size_t elen = 0;
	FILE *e = open_memstream(&ebuf, &elen);
	struct machine *m;

	if (!e) {
		snprintf(err, errlen, "chart: host out of memory");
		return NULL;
	}
	m = scenario_boot_quietly("<chart>", text, strlen(text), gen, e, &status);
	fclose(e);
	if (!m || status)
		snprintf(err, errlen, "chart: measuring machine failed: %s", ebuf ? ebuf : "");
	free(ebuf);
	if (m && status) {
		machine_destroy(m);
		m = NULL;
	}
	return m;
}

/* Change of metadata pages per folio of @size, and the fixed part. */
static int chart_slope(const struct hvo_generation *gen, uint64_t size, const char *extra,
		       struct meta_pages *slope, struct meta_pages *fixed, char *err, size_t errlen)
{
	/*
	 * 2 MiB: 64 folios fill one PTE table of the vmemmap.  The first 2 MiB
	 * folio of a fresh boot is the odd block left below the memmap at the
	 * top of the zone (the head of the order-9 free list); it is taken
	 * before m0, so the counted folios start at a PMD boundary.
	 */
	uint64_t k0 = size >= SZ_1G ? 0 : 1;
	uint64_t k1 = k0 + (size >= SZ_1G ? 2 : 64), k2 = k0 + (size >= SZ_1G ? 6 : 192);
	char text[256], sz[16];
	struct meta_pages m0, m1, m2;
	struct machine *m;
	struct hstate *h;

	format_size(size, sz, sizeof(sz));
	snprintf(text, sizeof(text), "machine mem=16G\ncmdline hugepagesz=%s hugetlb_free_vmemmap=on%s\nboot\n",
		 sz, extra);
	m = chart_boot(gen, text, err, errlen);
	if (!m)
		return -EINVAL;
	h = size_to_hstate(m, size);
	if (!h || (k0 && (hugetlb_set_nr(m, size, k0, NUMA_NO_NODE, err, errlen) ||
			  h->nr_huge_pages != k0)))
		goto fail;
	m0 = meta_of(m);
	if (hugetlb_set_nr(m, size, k1, NUMA_NO_NODE, err, errlen) || h->nr_huge_pages != k1)
		goto fail;
	m1 = meta_of(m);
	if (hugetlb_set_nr(m, size, k2, NUMA_NO_NODE, err, errlen) || h->nr_huge_pages != k2)
		goto fail;
	m2 = meta_of(m);
	slope->structs = (m2.structs - m1.structs) / (double)(k2 - k1);
	slope->tables = (m2.tables - m1.tables) / (double)(k2 - k1);
	fixed->structs = m1.structs - m0.structs - slope->structs * (double)(k1 - k0);
	fixed->tables = m1.tables - m0.tables - slope->tables * (double)(k1 - k0);
	machine_destroy(m);
	return 0;
fail:
	snprintf(err, errlen, "chart: could not allocate %llu %s pages on a 16 GiB machine",
		 (unsigned long long)k2, sz);
	machine_destroy(m);
	return -EINVAL;
}

int chart_measure(const struct hvo_generation *gen, struct chart_bar bars[CHART_BARS],
		  char *err, size_t errlen)
{
	static const uint64_t sizes[CHART_BARS] = { 0, 2 * SZ_1M, SZ_1G, SZ_1G };
	struct machine *m = chart_boot(gen, "machine mem=1T\nboot\n", err, errlen);
	struct meta_pages base;
	double psize;

	if (!m)
		return -EINVAL;
	base = meta_of(m);
	psize = (double)m->geo.page_size;
	machine_destroy(m);
	for (unsigned i = 0; i < CHART_BARS; i++) {
		struct meta_pages slope = { 0, 0 }, fixed = { 0, 0 };
		double folios = sizes[i] ? (double)SZ_1T / (double)sizes[i] : 0;
		bool share = i == CHART_SHARE_PTE;

		memset(&bars[i], 0, sizeof(bars[i]));
		bars[i].huge_size = sizes[i];
		bars[i].share_pte = share;
		if (sizes[i] && chart_slope(gen, sizes[i], share ? " hvo_share_pte=on" : "",
					    &slope, &fixed, err, errlen)) {
			if (!share)
				return -EINVAL;
			/* a design without it refuses the option: no bar */
			bars[i].refused = true;
			continue;
		}
		bars[i].per_folio_struct_pages = slope.structs;
		bars[i].per_folio_pgtable_pages = slope.tables;
		bars[i].struct_bytes = (base.structs + fixed.structs + folios * slope.structs) * psize;
		bars[i].pgtable_bytes = (base.tables + fixed.tables + folios * slope.tables) * psize;
	}
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

static const char *const bar_colour[CHART_BARS] = { "#9e9e9e", "#1f77b4", "#2ca02c", "#17becf" };
static const char *const bar_name[CHART_BARS] = {
	"4 KiB pages, HVO off", "2 MiB pages, HVO on", "1 GiB pages, HVO on",
	"1 GiB pages, hvo_share_pte=on",
};
static const char *const bar_short[CHART_BARS] = { "4K off", "2M", "1G", "1G share" };
#define PGTABLE_COLOUR "#d62728"

/*
 * The chart: one group per design, in it one pair of bars per page size
 * (struct pages, then the page tables under them, side by side), on a
 * log scale from 64 KiB to 32 GiB so that 16 GiB and 4 MiB are both
 * readable; every bar carries its value.
 */
#define NR_CHART_DESIGNS 3
#define CHART_LEFT 100
#define CHART_TOP 120
#define CHART_H 420
#define CBAR_W 22
#define PAIR_GAP 16
#define GROUP_GAP 56
#define LOG_LO (64.0 * 1024)
#define LOG_HI (32.0 * 1024 * 1024 * 1024)

/* log2 of @v > 0 without libm: the exponent, then 2 atanh((m-1)/(m+1)) / ln 2. */
static double log2_of(double v)
{
	double t, t2, sum = 0, term;
	int e = 0;

	while (v >= 2) {
		v /= 2;
		e++;
	}
	while (v < 1) {
		v *= 2;
		e--;
	}
	t = (v - 1) / (v + 1);
	t2 = t * t;
	term = t;
	for (unsigned k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return e + 2 * sum / 0.69314718055994530942;
}

static double chart_y(double v)
{
	double base_y = CHART_TOP + CHART_H;
	if (v < LOG_LO)
		return base_y;
	return base_y - (log2_of(v) - log2_of(LOG_LO)) / (log2_of(LOG_HI) - log2_of(LOG_LO)) * CHART_H;
}

/* One bar with its value written above it, turned to read upwards. */
static void chart_bar_at(FILE *out, double x, double v, const char *fill, const char *what,
			 const char *design, unsigned i)
{
	double base_y = CHART_TOP + CHART_H, y = chart_y(v);
	char b[32];

	bytes_label(v, b, sizeof(b));
	fprintf(out, "<g><title>%s, %s: %s %s</title>\n", design, bar_name[i], what, b);
	svg_rect(out, x, MIN(y, base_y - 1), CBAR_W, MAX(base_y - y, 1.0), fill, "");
	fputs("</g>\n", out);
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"start\" "
		"transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
		x + CBAR_W / 2.0 + 4, y - 4, x + CBAR_W / 2.0 + 4, y - 4, b);
}

int plot_chart(FILE *out, char *err, size_t errlen)
{
	struct chart_bar bars[NR_CHART_DESIGNS][CHART_BARS];
	double pair_w = 2 * CBAR_W + 4, group_w = CHART_BARS * pair_w + (CHART_BARS - 1) * PAIR_GAP;
	unsigned width = CHART_LEFT + (unsigned)(NR_CHART_DESIGNS * group_w + NR_CHART_DESIGNS * GROUP_GAP) + 30;
	unsigned height = CHART_TOP + CHART_H + 160;
	double base_y = CHART_TOP + CHART_H;
	char b1[32];

	for (int d = 0; d < NR_CHART_DESIGNS; d++)
		if (chart_measure(generation_compared((unsigned)d), bars[d], err, errlen))
			return -EINVAL;

	svg_begin(out, width, height, "hvo: vmemmap per TiB");
	svg_text(out, 16, 28, 17, "start", "font-weight=\"bold\"",
		 "vmemmap cost of 1 TiB of memory, by design and page size (x86-64, 4 KiB base pages)");
	svg_text(out, 16, 48, 12, "start", "fill=\"#333333\"",
		 "measured with the simulator: a booted 1 TiB machine for the base, plus the change per folio "
		 "of a 16 GiB machine's pool times the folios in 1 TiB.");
	svg_text(out, 16, 64, 12, "start", "fill=\"#333333\"",
		 "Each pair: struct pages (incl. shared tail pages), then the page tables under the vmemmap "
		 "(red). Log scale: each grid line is 4x the one below.");
	for (double v = LOG_LO; v <= LOG_HI * 1.01; v *= 4) {
		double y = chart_y(v);
		svg_line(out, CHART_LEFT, y, width - 20, y, v > LOG_LO ? "#e0e0e0" : "#000000", v > LOG_LO ? 1 : 1.5);
		svg_text(out, CHART_LEFT - 8, y + 4, 11, "end", "", "%s", bytes_label(v, b1, sizeof(b1)));
	}
	svg_line(out, CHART_LEFT, CHART_TOP - 10, CHART_LEFT, base_y, "#000000", 1.5);
	fprintf(out, "<text x=\"22\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 22 %.1f)\">bytes per TiB of memory (log scale)</text>\n",
		CHART_TOP + CHART_H / 2.0, CHART_TOP + CHART_H / 2.0);
	for (int d = 0; d < NR_CHART_DESIGNS; d++) {
		const char *design = generation_compared((unsigned)d)->name;
		double gx = CHART_LEFT + GROUP_GAP / 2.0 + d * (group_w + GROUP_GAP);
		double base_total = bars[d][0].struct_bytes + bars[d][0].pgtable_bytes;

		for (unsigned i = 0; i < CHART_BARS; i++) {
			const struct chart_bar *b = &bars[d][i];
			double x = gx + i * (pair_w + PAIR_GAP), total = b->struct_bytes + b->pgtable_bytes;

			svg_text(out, x + pair_w / 2, base_y + 16, 11, "middle", "", "%s", bar_short[i]);
			if (b->refused) {
				fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#666666\" "
					"transform=\"rotate(-90 %.1f %.1f)\">refused by this design</text>\n",
					x + pair_w / 2 + 3, base_y - 6, x + pair_w / 2 + 3, base_y - 6);
				continue;
			}
			chart_bar_at(out, x, b->struct_bytes, bar_colour[i], "struct pages", design, i);
			chart_bar_at(out, x + CBAR_W + 4, b->pgtable_bytes, PGTABLE_COLOUR, "page tables", design, i);
			svg_text(out, x + pair_w / 2, base_y + 30, 10, "middle", "fill=\"#333333\"", "%s",
				 bytes_label(total, b1, sizeof(b1)));
			if (i)
				svg_text(out, x + pair_w / 2, base_y + 43, 10, "middle", "fill=\"#333333\"",
					 "-%.2f%%", 100.0 * (1.0 - total / base_total));
		}
		svg_text(out, gx + group_w / 2, base_y + 66, 14, "middle", "font-weight=\"bold\"", "%s", design);
	}
	for (unsigned i = 0; i <= CHART_BARS; i++) {
		double x = 16 + (i % 3) * 300, y = height - 66 + (i / 3) * 20;
		svg_rect(out, x, y, 18, 14, i < CHART_BARS ? bar_colour[i] : PGTABLE_COLOUR, "");
		svg_text(out, x + 24, y + 12, 12, "start", "", "%s",
			 i < CHART_BARS ? bar_name[i] : "page tables (any size)");
	}
	svg_text(out, 16, height - 12, 11, "start", "fill=\"#333333\"",
		 "under each pair: struct pages + page tables, and the saving against 4 KiB pages with "
		 "HVO off in the same design; hvo_share_pte is in no kernel");
	svg_end(out);
	return 0;
}
