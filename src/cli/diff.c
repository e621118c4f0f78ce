// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lockstep of `hvo diff` (diff.h): both scenarios step one line at a
 * time; after each line that is a command, once both machines are booted,
 * sim/diff.c compares them.  Side a's error lines are kept and printed
 * only when the scenario itself is bad (status 2); expects that fail in
 * one design are not errors, the counters behind them are compared.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/diff.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "lib/escape.h"
#include "sim/diff.h"

static bool running(const struct scenario *sc)
{
	return sc->m && sc->m->phase == PHASE_RUNNING;
}

/* "FILE:LINE: `COMMAND`: " for the line of @buf at [@start, @end). */
static void print_command(struct diff_run *r, unsigned line, const char *buf,
			  size_t start, size_t end)
{
	size_t n = end > start ? end - start : 0;
	char text[160];

	while (n && (buf[start + n - 1] == '\n' || buf[start + n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n; i++)
		if (buf[start + i] == '#') {
			n = i;
			break;
		}
	while (n && (buf[start + n - 1] == ' ' || buf[start + n - 1] == '\t'))
		n--;
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, buf + start, n);
	text[n] = '\0';
	fput_escaped(r->out, r->file);
	fprintf(r->out, ":%u: after '", line);
	fput_escaped(r->out, text);
	fprintf(r->out, "': ");
}

static void print_difference(struct diff_run *r, struct scenario *sa, struct scenario *sb,
			     const struct machine_diff *d)
{
	fprintf(r->out, "first difference: %s\n", d->what);
	if (d->pfn != PFN_NONE) {
		fprintf(r->out, "  pfn %#llx", (unsigned long long)d->pfn);
		if (d->va)
			fprintf(r->out, ", va %#llx", (unsigned long long)d->va);
		fprintf(r->out, "\n--- design %s:\n", r->a->name);
		show_pfn(sa->m, d->pfn, r->out);
		fprintf(r->out, "--- design %s:\n", r->b->name);
		show_pfn(sb->m, d->pfn, r->out);
	}
}

/* A difference in how the two runs went, before their machines are compared. */
static bool diff_status(struct diff_run *r, struct scenario *sa, struct scenario *sb,
			struct machine_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->pfn = PFN_NONE;
	if (running(sa) != running(sb))
		snprintf(d->what, sizeof(d->what), "design %s has a booted machine, design %s none",
			 running(sa) ? r->a->name : r->b->name, running(sa) ? r->b->name : r->a->name);
	else if (sa->nr_check_fail != sb->nr_check_fail)
		snprintf(d->what, sizeof(d->what), "failed checks: design %s %u, design %s %u",
			 r->a->name, sa->nr_check_fail, r->b->name, sb->nr_check_fail);
	else if (sa->nr_expect_fail != sb->nr_expect_fail)
		snprintf(d->what, sizeof(d->what), "failed expects: design %s %u, design %s %u",
			 r->a->name, sa->nr_expect_fail, r->b->name, sb->nr_expect_fail);
	else
		return false;
	d->found = true;
	return true;
}

/* Step both sides over one line; 0 on, 1 a difference, 2 an error. */
static int step_both(struct diff_run *r, struct scenario *sa, struct scenario *sb,
		     const char *buf, size_t len, size_t *pa, size_t *pb,
		     struct machine_diff *d)
{
	unsigned cmds = sa->nr_commands, line = sa->line + 1;
	size_t start = *pa;
	int ra = scenario_step(sa, buf, len, pa);
	int rb = scenario_step(sb, buf, len, pb);

	if (ra && rb)
		return 2;
	if (ra || rb) {
		print_command(r, line, buf, start, *pa);
		fprintf(r->out, "first difference: design %s stops with an error, design %s does not\n",
			ra ? r->a->name : r->b->name, ra ? r->b->name : r->a->name);
		r->diff_line = line;
		return 1;
	}
	if (sa->nr_commands == cmds)
		return 0; /* a comment or an empty line */
	r->nr_commands++;
	if (!diff_status(r, sa, sb, d) && running(sa)) {
		if (r->after_command)
			r->after_command(sa->m, line, r->arg);
		if (machine_diff(sa->m, r->a->name, sb->m, r->b->name, d)) {
			fprintf(r->err, "hvo diff: out of memory\n");
			return 2;
		}
	}
	if (!d->found)
		return 0;
	print_command(r, line, buf, start, *pa);
	print_difference(r, sa, sb, d);
	r->diff_line = line;
	r->diff_pfn = d->pfn;
	return 1;
}

int diff_scenario(struct diff_run *r, const char *buf, size_t len)
{
	struct scenario sa, sb;
	char *msgs = NULL;
	size_t msgs_len = 0, pa = 0, pb = 0;
	FILE *sink = fopen("/dev/null", "w"), *ea = open_memstream(&msgs, &msgs_len);
	struct machine_diff d = { .pfn = PFN_NONE };
	int ret = 0;

	r->nr_commands = 0;
	r->diff_line = 0;
	r->diff_pfn = PFN_NONE;
	if (!sink || !ea) {
		fprintf(r->err, "hvo diff: cannot open /dev/null or a memory stream\n");
		if (sink)
			fclose(sink);
		if (ea)
			fclose(ea);
		free(msgs);
		return 2;
	}
	scenario_init(&sa, r->file, sink, ea);
	scenario_init(&sb, r->file, sink, sink);
	sa.quiet = sb.quiet = true;
	sa.forced_gen = r->a;
	sb.forced_gen = r->b;
	while (!ret && pa < len)
		ret = step_both(r, &sa, &sb, buf, len, &pa, &pb, &d);
	fclose(ea);
	if (ret == 2)
		fputs(msgs ? msgs : "", r->err);
	else if (!running(&sa)) {
		fput_escaped(r->err, r->file);
		fprintf(r->err, ": the scenario boots no machine (put 'boot' in it)\n");
		ret = 2;
	} else if (!ret) {
		fput_escaped(r->out, r->file);
		fprintf(r->out, ": 0 differences between design %s and design %s after each of "
			"%u commands (at the end: %llu vmemmap leaves, %llu vmemmap pages' bytes)\n",
			r->a->name, r->b->name, r->nr_commands,
			(unsigned long long)d.nr_leaves, (unsigned long long)d.nr_pages);
	} else {
		fput_escaped(r->out, r->file);
		fprintf(r->out, ": 1 difference between design %s and design %s, at line %u "
			"(command %u; the comparison stops there)\n",
			r->a->name, r->b->name, r->diff_line, r->nr_commands);
	}
	free(msgs);
	scenario_destroy(&sa);
	scenario_destroy(&sb);
	fclose(sink);
	return ret;
}
