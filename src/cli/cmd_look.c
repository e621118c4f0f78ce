// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo explain` and `hvo plot`: run a scenario quietly and look at the
 * machine it leaves: one page frame explained, a strip of the vmemmap or
 * the chart of every design as SVG.
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/output.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "cli/sweep.h"
#include "lib/fault.h"
#include "lib/parse.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

/* Options and words of `hvo explain` and `hvo plot`. */
struct look_args {
	const struct hvo_generation *gen; /* NULL: the scenario's own */
	const char *out;     /* plot: --out FILE */
	const char *file;    /* NULL: the default scenario */
	char **words;        /* what follows FILE: "pfn N", "strip ...", "chart" */
	int nr_words;
};

/*
 * Parse [--design D] [--out F] [FILE] WORD...; @first_words are the words
 * that may start the command proper (so a FILE is anything before them).
 * One line on stderr and -1 on bad input.
 */
static int parse_look_args(const char *cmd, int argc, char **argv, bool allow_out,
			   const char *const *first_words, struct look_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--design") && i + 1 < argc) {
			char names[512];

			a->gen = generation_find(argv[i + 1]);
			if (!a->gen) {
				generation_names(names, sizeof(names));
				cli_error("hvo %s: unknown design '%s' (expected %s)",
					cmd, argv[i + 1], names);
				return -1;
			}
			i++;
		} else if (allow_out && !strcmp(argv[i], "--out") && i + 1 < argc) {
			a->out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] && argv[i][1] == '-') {
			cli_error("hvo %s: bad option '%s' (see 'hvo help')", cmd, argv[i]);
			return -1;
		} else
			break;
	}
	if (i < argc) {
		bool is_word = false;
		for (const char *const *w = first_words; *w; w++)
			is_word |= !strcmp(argv[i], *w);
		if (!is_word)
			a->file = argv[i++];
	}
	a->words = argv + i;
	a->nr_words = argc - i;
	for (int k = 0; k < a->nr_words; k++)
		if (!strncmp(a->words[k], "--", 2)) {
			cli_error("hvo %s: options go before FILE: '%s'", cmd, a->words[k]);
			return -1;
		}
	return 0;
}

/* Boot the scenario of @a quietly; NULL after a one-line error. */
static struct machine *look_boot(const struct look_args *a, int *status)
{
	const char *file = a->file;
	struct machine *m;
	size_t len;
	char *buf = load_scenario(&file, &len);

	*status = 2;
	if (!buf)
		return NULL;
	m = scenario_boot_quietly(file, buf, len, a->gen, stderr, status);
	free(buf);
	return m;
}

int cmd_explain(int argc, char **argv)
{
	static const char *const words[] = { "pfn", NULL };
	struct look_args a;
	struct machine *m;
	uint64_t pfn;
	int status;

	if (parse_look_args("explain", argc, argv, false, words, &a))
		return 2;
	if (a.nr_words != 2 || strcmp(a.words[0], "pfn")) {
		cli_error("hvo explain: expected [--design D] [FILE] pfn N");
		return 2;
	}
	if (parse_u64(a.words[1], &pfn)) {
		cli_error("hvo explain: '%s' is not a pfn (decimal or 0x hex)", a.words[1]);
		return 2;
	}
	m = look_boot(&a, &status);
	if (!m)
		return 2;
	if (show_pfn(m, pfn, stdout)) {
		cli_error("hvo explain: pfn %#llx is beyond the end of memory (max pfn %#llx)",
			(unsigned long long)pfn, (unsigned long long)m->max_pfn);
		status = 2;
	}
	machine_destroy(m);
	return status;
}

/* Parse `pfn=START count=N` after `strip`; -1 after a one-line error. */
static int parse_strip_words(char **w, int n, bool *have_pfn, uint64_t *pfn,
			     bool *have_count, uint64_t *count)
{
	for (int i = 0; i < n; i++) {
		if (!strncmp(w[i], "pfn=", 4) && !parse_u64(w[i] + 4, pfn))
			*have_pfn = true;
		else if (!strncmp(w[i], "count=", 6) && !parse_u64(w[i] + 6, count) && *count)
			*have_count = true;
		else {
			cli_error("hvo plot: strip: bad argument '%s' (expected pfn=START count=N)", w[i]);
			return -1;
		}
	}
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	static const char *const words[] = { "strip", "chart", NULL };
	struct look_args a;
	struct output out;
	char err[256];
	int status = 0, ret;

	if (parse_look_args("plot", argc, argv, true, words, &a))
		return 2;
	if (!a.nr_words || (strcmp(a.words[0], "strip") && strcmp(a.words[0], "chart"))) {
		cli_error("hvo plot: expected [--design D] [--out F.svg] [FILE] strip [pfn=START] [count=N] | chart");
		return 2;
	}
	if (!strcmp(a.words[0], "chart") && (a.nr_words != 1 || a.file || a.gen)) {
		cli_error("hvo plot: chart takes no FILE, --design or arguments: it measures every design itself");
		return 2;
	}
	if (!strcmp(a.words[0], "strip")) {
		const char *inputs[] = { a.file, NULL };
		bool have_pfn = false, have_count = false;
		uint64_t pfn = 0, count = 0;
		struct machine *m;
		if (parse_strip_words(a.words + 1, a.nr_words - 1, &have_pfn, &pfn, &have_count, &count))
			return 2;
		if (output_open(&out, "plot", a.out, inputs))
			return 2;
		m = look_boot(&a, &status);
		if (!m) {
			output_abort(&out);
			return 2;
		}
		if (!have_pfn || !have_count) {
			pfn_t p;
			uint64_t c;
			plot_strip_default_range(m, &p, &c);
			if (!have_pfn)
				pfn = p;
			if (!have_count)
				count = c;
		}
		ret = plot_strip(m, a.file ? a.file : "the default scenario", pfn, count, out.f, err, sizeof(err));
		machine_destroy(m);
	} else {
		if (output_open(&out, "plot", a.out, NULL))
			return 2;
		ret = plot_chart(out.f, err, sizeof(err));
	}
	if (ret) {
		cli_error("hvo plot: %s", err);
		output_abort(&out);
		return 2;
	}
	if (output_commit(&out, "plot"))
		return 2;
	return status;
}
