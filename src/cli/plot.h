/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pictures as SVG (`hvo plot`): the vmemmap of a pfn range as a strip of
 * vmemmap pages coloured by what backs them, and a chart of the vmemmap
 * each design costs per TiB of memory for each huge page size.
 */
#ifndef HVO_PLOT_H
#define HVO_PLOT_H

#include "machine.h"
#include "cli/report.h"

/* The largest strip: vmemmap pages (boxes) in one picture. */
#define PLOT_STRIP_MAX_BOXES 4096

/*
 * The range `hvo plot strip` shows without pfn= and count=: one folio's
 * worth of pfns before the lowest-placed pool folio (or DAX range), then
 * four folios, at most 256 boxes; without huge pages, the first 256
 * vmemmap pages.
 */
void plot_strip_default_range(struct machine *m, pfn_t *start, uint64_t *count);

/*
 * Write the strip of the vmemmap pages holding the struct pages of pfns
 * [start, start + count) to @out.  Read-only.  -EINVAL with a message in
 * @err for an empty range, one beyond memory or too many boxes.
 */
int plot_strip(struct machine *m, const char *title, pfn_t start, uint64_t count,
	       FILE *out, char *err, size_t errlen);

/* The colour of a vmemmap page's box ("#2ca02c"). */
const char *plot_use_colour(enum vmemmap_use u);
/*
 * What backs the vmemmap page at @va, as the pictures show it: legacy's
 * head page is the copy its tails map (VU_LEGACY_COPY).  Read-only.
 */
void plot_classify(struct machine *m, vaddr_t va, struct vmemmap_page_info *vi);

/* What a strip holds: boxes and distinct frames behind them, per use. */
struct strip_counts {
	uint64_t boxes[NR_VMEMMAP_USES];
	uint64_t frames[NR_VMEMMAP_USES];  /* a shared tail mapped 28 times is 1 */
	bool any_ro, any_pmd, any_folio;
};

/* Count the @nr_boxes vmemmap pages from @vstart.  0, or -ENOMEM. */
int plot_strip_counts(struct machine *m, vaddr_t vstart, uint64_t nr_boxes,
		      struct strip_counts *c);

/* One bar of the chart: vmemmap cost of 1 TiB of memory, in bytes. */
struct chart_bar {
	uint64_t huge_size;     /* 0: 4 KiB base pages, HVO off */
	double struct_bytes;    /* frames holding struct pages (incl. shared tails) */
	double pgtable_bytes;   /* page tables under the vmemmap */
	double per_folio_struct_pages;  /* measured change per folio (pages) */
	double per_folio_pgtable_pages;
	bool share_pte;         /* measured with hvo_share_pte=on */
	bool refused;           /* the design refuses hvo_share_pte=on: no bar */
};

/* 4 KiB (HVO off), 2 MiB, 1 GiB, and 1 GiB with hvo_share_pte=on */
#define CHART_BARS 4
#define CHART_SHARE_PTE 3

/*
 * Measure the bars of @design: boot 1 TiB without huge pages for the base,
 * and a 16 GiB machine whose pool grows from K1 to K2 folios for the
 * change per folio (the slope, so fixed costs such as a zone's shared tail
 * are counted once), then scale to the folios of 1 TiB.  0, or -EINVAL
 * with a message in @err.
 */
int chart_measure(const struct hvo_generation *gen, struct chart_bar bars[CHART_BARS],
		  char *err, size_t errlen);

/* Measure every design and write the chart to @out.  0 or -EINVAL. */
int plot_chart(FILE *out, char *err, size_t errlen);

#endif
