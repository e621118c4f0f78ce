// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo compare`: one scenario in each design, counters side by side with
 * their units, each design's run with its own status.  Messages of the
 * designs the scenario claims go to standard error, those of the others
 * under their status line; exit 1 only for a failure in a claimed design
 * (compare.h says which those are).
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/compare.h"
#include "mm/vmstat.h"
#include "sim/generations.h"

/* hvo's own counters (no kernel file shows them) are marked with '*'. */
static bool own_counter(const char *name)
{
	for (const struct counter_desc *c = counter_table; c->name; c++)
		if (!strcmp(c->name, name))
			return c->group == CG_HVO;
	return false;
}

/*
 * One message line of design @d: "FILE:LINE: expect failed: ..." becomes
 * "FILE:LINE: expect failed in D: ...", other "FILE:LINE: ..." lines
 * "FILE:LINE: in D: ...".
 */
static void print_message(FILE *out, const char *indent, const char *file, const char *d,
			  const char *line, size_t n)
{
	size_t flen = strlen(file), p = flen + 1;
	static const char ef[] = "expect failed: ";

	fputs(indent, out);
	if (n > flen + 2 && !strncmp(line, file, flen) && line[flen] == ':') {
		while (p < n && line[p] >= '0' && line[p] <= '9')
			p++;
		if (p + 1 < n && line[p] == ':' && line[p + 1] == ' ') {
			p += 2;
			fwrite(line, 1, p, out);
			if (n - p > sizeof(ef) - 1 && !strncmp(line + p, ef, sizeof(ef) - 1))
				fprintf(out, "expect failed in %s: ", d), p += sizeof(ef) - 1;
			else
				fprintf(out, "in %s: ", d);
			fwrite(line + p, 1, n - p, out);
			fputc('\n', out);
			return;
		}
	}
	fwrite(line, 1, n, out);
	fputc('\n', out);
}

static void print_messages(FILE *out, const char *indent, const char *file,
			   const struct compare_run *c)
{
	for (const char *s = c->messages; s && *s;) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		print_message(out, indent, file, c->gen->name, s, n);
		s += n + !!nl;
	}
}

static void print_table(const struct compare_result *r, const unsigned *w)
{
	printf("%-25s %-6s", "counter", "unit");
	for (unsigned d = 0; d < r->nr_runs; d++)
		printf(" %*s", w[d], r->run[d].gen->name);
	printf("\n");
	for (unsigned k = 0; k < nr_compare_counters; k++) {
		char name[40];
		snprintf(name, sizeof(name), "%s%s", compare_counters[k],
			 own_counter(compare_counters[k]) ? "*" : "");
		printf("%-25s %-6s", name, compare_unit(compare_counters[k]));
		for (unsigned d = 0; d < r->nr_runs; d++) {
			if (r->run[d].status == 2)
				printf(" %*s", w[d], "-");
			else
				printf(" %*lld", w[d], (long long)r->run[d].val[k]);
		}
		printf("\n");
	}
	printf("* hvo's own counter: no kernel file shows it\n");
}

static void print_status(const char *file, const struct compare_result *r)
{
	if (r->declared)
		printf("\nstatus (the scenario's design line claims its expects and checks for %s):\n",
		       r->declared->name);
	else
		printf("\nstatus (no design line: its expects and checks are claimed for every design):\n");
	for (unsigned d = 0; d < r->nr_runs; d++) {
		const struct compare_run *c = &r->run[d];
		char st[64];

		compare_run_status(c, st, sizeof(st));
		printf("  %-26s %s%s\n", c->gen->name, st,
		       c->claimed ? "" : c->status ? " (not claimed: reported, not a failure)" : "");
		if (c->claimed)
			print_messages(stderr, "", file, c);
		else if (c->status)
			print_messages(stdout, "    ", file, c);
	}
}

int cmd_compare(int argc, char **argv)
{
	const char *file = argc == 1 ? argv[0] : NULL;
	struct compare_result r;
	unsigned w[COMPARE_MAX_DESIGNS];
	char *buf;
	size_t len;
	int st;

	if (argc != 1 || argv[0][0] == '-') {
		cli_error("hvo compare: exactly one scenario FILE");
		print_usage(stderr);
		return 2;
	}
	buf = load_scenario(&file, &len);
	if (!buf)
		return 2;
	if (compare_designs(file, buf, len, &r)) {
		free(buf);
		cli_error("hvo compare: host out of memory");
		return 2;
	}
	free(buf);
	st = compare_status(&r);
	if (st == 2 && r.declared == NULL) {
		/* every design refuses it: the same error, once */
		fputs(r.run[0].messages ? r.run[0].messages : "", stderr);
		compare_result_free(&r);
		return 2;
	}
	for (unsigned d = 0; d < r.nr_runs; d++)
		w[d] = (unsigned)MAX(strlen(r.run[d].gen->name), (size_t)13);
	print_table(&r, w);
	print_status(file, &r);
	compare_result_free(&r);
	return st;
}
