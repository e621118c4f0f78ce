// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML explorer (see html.h).  The scenario is run one line at a time
 * so the counters can be read at each `snapshot` (and after `boot` and at
 * the end); the strip and the explanations come from the final machine
 * through the same read-only functions `hvo plot` and `hvo explain` use;
 * the side-by-side table is `hvo compare`'s.
 */
#include <errno.h>
#include <string.h>

#include "cli/compare.h"
#include "cli/html.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

#define HTML_MAX_POINTS 64

struct timeline_point {
	char label[48];
	unsigned line;
	int64_t val[COMPARE_MAX_COUNTERS];
};

struct timeline {
	unsigned nr;
	struct timeline_point p[HTML_MAX_POINTS];
};

static void html_escaped(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(s[i], out);
		}
	}
}

static void html_str(FILE *out, const char *s)
{
	html_escaped(out, s, strlen(s));
}

static void timeline_add(struct timeline *t, struct machine *m, const char *label, unsigned line)
{
	struct timeline_point *p;

	if (t->nr == HTML_MAX_POINTS || !m || m->phase != PHASE_RUNNING)
		return;
	p = &t->p[t->nr++];
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->line = line;
	for (unsigned k = 0; k < nr_compare_counters; k++)
		if (counter_get(m, compare_counters[k], &p->val[k]))
			p->val[k] = 0;
}

/* The first word of a scenario line and its second ("snapshot full"). */
static void words_of(const char *line, size_t n, char *w1, char *w2, size_t len)
{
	char tmp[256];
	size_t k = MIN(n, sizeof(tmp) - 1);

	memcpy(tmp, line, k);
	tmp[k] = '\0';
	char *hash = strchr(tmp, '#');
	if (hash)
		*hash = '\0';
	w1[0] = w2[0] = '\0';
	if (sscanf(tmp, "%63s %63s", w1, w2) < 2)
		w2[0] = '\0';
	(void)len;
}

/* Run @buf line by line in @sc, recording the timeline.  0, 1 or 2. */
static int run_recording(struct scenario *sc, const char *buf, size_t len, struct timeline *t)
{
	size_t pos = 0;
	int st = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
		char w1[64], w2[64];

		st = scenario_run_buffer(sc, buf + pos, n);
		if (st == 2)
			return 2;
		words_of(buf + pos, n, w1, w2, sizeof(w1));
		if (!strcmp(w1, "boot"))
			timeline_add(t, sc->m, "boot", sc->line);
		else if (!strcmp(w1, "snapshot"))
			timeline_add(t, sc->m, w2[0] ? w2 : "(unnamed)", sc->line);
		pos += n;
	}
	timeline_add(t, sc->m, "end", sc->line);
	return sc->nr_expect_fail || sc->nr_check_fail ? 1 : 0;
}

static const char page_style[] =
	"body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:16px;color:#222}"
	"h1{font-size:20px}h2{font-size:16px;margin-top:22px}"
	"#strip{display:grid;grid-template-columns:repeat(32,22px);gap:2px;margin:8px 0}"
	".box{width:22px;height:30px;border:1px solid #444;box-sizing:border-box;cursor:pointer}"
	".box.ro{background-image:repeating-linear-gradient(45deg,rgba(0,0,0,.35) 0 2px,transparent 2px 6px)}"
	".box.fs{border-left:3px solid #000}.box.sel{outline:3px solid #d62728}"
	"#explain{background:#f5f5f5;border:1px solid #ccc;padding:8px;min-height:60px;"
	"white-space:pre;font-size:12px;overflow:auto;max-height:420px}"
	"table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;"
	"text-align:right}th{background:#eee}td.n,th.n{text-align:left}"
	".chg{background:#fff3c4}.key{display:inline-block;width:14px;height:12px;border:1px solid #444;"
	"margin:0 4px 0 12px;vertical-align:middle}.bad{color:#b71c1c;font-weight:bold}";

/* Clicking a box shows its explanation; #click-first clicks box 0 once loaded. */
static const char page_script[] =
	"function show(b){var p=document.querySelectorAll('.box.sel');"
	"for(var i=0;i<p.length;i++)p[i].classList.remove('sel');b.classList.add('sel');"
	"document.getElementById('explain').textContent="
	"document.getElementById('e'+b.dataset.i).textContent;}"
	"window.addEventListener('load',function(){"
	"var bs=document.querySelectorAll('.box');"
	"for(var i=0;i<bs.length;i++)bs[i].addEventListener('click',function(ev){show(ev.currentTarget);});"
	"if(location.hash==='#click-first'&&bs.length)bs[0].click();});";

static int html_strip(FILE *out, struct machine *m)
{
	const struct geometry *g = &m->geo;
	pfn_t start;
	uint64_t count, nr;
	vaddr_t vstart, vend;
	struct strip_counts c;
	struct vmemmap_page_info vi;
	struct folio_info prev = { 0 };
	char *text = NULL;
	size_t tlen = 0;

	plot_strip_default_range(m, &start, &count);
	vstart = ALIGN_DOWN(pfn_to_page_va(g, start), g->page_size);
	vend = ALIGN_UP(pfn_to_page_va(g, start + count), g->page_size);
	nr = (vend - vstart) >> g->page_shift;
	if (plot_strip_counts(m, vstart, nr, &c))
		return -ENOMEM;
	fprintf(out, "<h2>vmemmap of pfns %#llx-%#llx</h2>\n<p>design %s; one box per vmemmap page "
		"(%llu struct pages), coloured by the frame behind it, hatched where read-only, "
		"a thick left edge where a folio starts.  Click a box for its <code>explain</code>.</p>\n<p>",
		(unsigned long long)start, (unsigned long long)(start + count - 1), m->gen->name,
		(unsigned long long)(g->page_size / g->struct_page_size));
	for (unsigned u = 0; u < NR_VMEMMAP_USES; u++)
		if (c.boxes[u])
			fprintf(out, "<span class=\"key\" style=\"background:%s\"></span>%s: %llu boxes, "
				"%llu distinct frames\n", plot_use_colour((enum vmemmap_use)u),
				vmemmap_use_name((enum vmemmap_use)u), (unsigned long long)c.boxes[u],
				(unsigned long long)c.frames[u]);
	if (!c.any_folio)
		fputs("<br>(no huge page or DAX range is left at the end of the run: these are the "
		      "first vmemmap pages)", out);
	fputs("</p>\n<div id=\"strip\">\n", out);
	for (uint64_t i = 0; i < nr; i++) {
		bool first;
		plot_classify(m, vstart + i * g->page_size, &vi);
		first = vi.folio.found && (!prev.found || prev.head != vi.folio.head || prev.dax != vi.folio.dax);
		prev = vi.folio;
		fprintf(out, "<div class=\"box%s%s\" data-i=\"%llu\" style=\"background-color:%s\" "
			"title=\"pfn %#llx: %s\"></div>\n",
			vi.mapped && !vi.w.writable ? " ro" : "", first ? " fs" : "",
			(unsigned long long)i, plot_use_colour(vi.use),
			(unsigned long long)vi.first_pfn, vmemmap_use_name(vi.use));
	}
	fputs("</div>\n<h3>explain</h3>\n<div id=\"explain\">(click a box)</div>\n", out);
	/* each box's explanation, hidden, shown by the script */
	for (uint64_t i = 0; i < nr; i++) {
		FILE *f = open_memstream(&text, &tlen);
		pfn_t p = DIV_ROUND_UP(vstart + i * g->page_size - g->vmemmap_start, g->struct_page_size);

		if (!f)
			return -ENOMEM;
		show_pfn(m, p, f);
		fclose(f);
		fprintf(out, "<pre id=\"e%llu\" hidden>", (unsigned long long)i);
		html_escaped(out, text ? text : "", tlen);
		fputs("</pre>\n", out);
		free(text);
		text = NULL;
	}
	return 0;
}

static void html_timeline(FILE *out, const struct timeline *t)
{
	fputs("<h2>timeline</h2>\n<p>The counters after <code>boot</code>, at each "
	      "<code>snapshot</code> and at the end; a changed value is shaded.</p>\n"
	      "<table id=\"timeline\"><tr><th class=\"n\">counter</th><th class=\"n\">unit</th>", out);
	for (unsigned i = 0; i < t->nr; i++) {
		fprintf(out, "<th>");
		html_str(out, t->p[i].label);
		fprintf(out, "<br>line %u</th>", t->p[i].line);
	}
	fputs("</tr>\n", out);
	for (unsigned k = 0; k < nr_compare_counters; k++) {
		fprintf(out, "<tr><td class=\"n\">%s</td><td class=\"n\">%s</td>", compare_counters[k],
			compare_unit(compare_counters[k]));
		for (unsigned i = 0; i < t->nr; i++)
			fprintf(out, "<td%s>%lld</td>",
				i && t->p[i].val[k] != t->p[i - 1].val[k] ? " class=\"chg\"" : "",
				(long long)t->p[i].val[k]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void html_designs(FILE *out, const struct compare_result *r)
{
	fputs("<h2>the designs side by side</h2>\n<p>The same scenario run in each design at its "
	      "end (<code>hvo compare</code>).</p>\n<table id=\"designs\"><tr><th class=\"n\">counter</th>"
	      "<th class=\"n\">unit</th>", out);
	for (unsigned d = 0; d < r->nr_runs; d++)
		fprintf(out, "<th>%s</th>", r->run[d].gen->name);
	fputs("</tr>\n", out);
	for (unsigned k = 0; k < nr_compare_counters; k++) {
		fprintf(out, "<tr><td class=\"n\">%s</td><td class=\"n\">%s</td>", compare_counters[k],
			compare_unit(compare_counters[k]));
		for (unsigned d = 0; d < r->nr_runs; d++) {
			if (r->run[d].status == 2)
				fputs("<td>-</td>", out);
			else
				fprintf(out, "<td>%lld</td>", (long long)r->run[d].val[k]);
		}
		fputs("</tr>\n", out);
	}
	fputs("<tr><td class=\"n\">status</td><td></td>", out);
	for (unsigned d = 0; d < r->nr_runs; d++) {
		char st[64];
		compare_run_status(&r->run[d], st, sizeof(st));
		fprintf(out, "<td%s>%s%s</td>", r->run[d].status ? " class=\"bad\"" : "", st,
			r->run[d].claimed ? "" : " (not claimed)");
	}
	fputs("</tr>\n</table>\n", out);
}

int html_explore(FILE *out, const char *file, const char *buf, size_t len,
		 const struct hvo_generation *gen, FILE *err)
{
	static struct timeline t;
	struct compare_result r;
	struct scenario sc;
	FILE *sink = fopen("/dev/null", "w");
	int st;

	if (!sink)
		return 2;
	memset(&t, 0, sizeof(t));
	scenario_init(&sc, file, sink, err);
	sc.quiet = true;
	sc.forced_gen = gen;
	st = run_recording(&sc, buf, len, &t);
	if (st != 2 && (!sc.m || sc.m->phase != PHASE_RUNNING)) {
		fprintf(err, "%s: the scenario boots no machine (put 'boot' in it)\n", file);
		st = 2;
	}
	if (st == 2 || compare_designs(file, buf, len, &r)) {
		scenario_destroy(&sc);
		fclose(sink);
		return 2;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>hvo: ", out);
	html_str(out, file);
	fprintf(out, "</title>\n<style>%s</style>\n<script>%s</script>\n</head><body>\n<h1>hvo: ", page_style,
		page_script);
	html_str(out, file);
	fprintf(out, "</h1>\n<p>design %s, %s; %u commands, ", sc.m->gen->name, sc.m->geo.arch,
		sc.nr_commands);
	if (sc.nr_expect_ok + sc.nr_expect_fail)
		fprintf(out, "%u of %u expects passed, ", sc.nr_expect_ok,
			sc.nr_expect_ok + sc.nr_expect_fail);
	else
		fputs("no expects, ", out);
	fprintf(out, "%u checks failed</p>\n", sc.nr_check_fail);
	if (html_strip(out, sc.m))
		st = 2;
	html_timeline(out, &t);
	html_designs(out, &r);
	fputs("</body></html>\n", out);
	compare_result_free(&r);
	scenario_destroy(&sc);
	fclose(sink);
	return st == 2 ? 2 : 0;
}
