// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo diff [--design A] [--model B] FILE...`: each scenario run in two
 * generations in lockstep and compared after every command (cli/diff.c).
 * In a kernel-mode build A defaults to `kernel` and B to the model row
 * that claims to be the tree's version (generation_model_of()); in the
 * normal build both are named.  Exit 0: no difference in any file; 1: a
 * difference; 2: bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/diff.h"
#include "cli/limits.h"
#include "sim/generations.h"

static const struct hvo_generation *diff_generation(const char *opt, const char *name)
{
	const struct hvo_generation *g = generation_find(name);
	char names[512];

	if (!g) {
		generation_names(names, sizeof(names));
		cli_error("hvo diff: %s %s: unknown design (expected %s)", opt, name, names);
	}
	return g;
}

/* The defaults of a kernel-mode build; one line and NULL where none is. */
static bool diff_defaults(const struct hvo_generation **a, const struct hvo_generation **b)
{
	const struct hvo_generation *k = generation_find("kernel");

	if (!*a && !k) {
		cli_error("hvo diff: --design A is needed: design kernel is only in a kernel-mode "
			  "build (make kernel KSRC=DIR)");
		return false;
	}
	if (!*a)
		*a = k;
	if (!*b)
		*b = generation_model_of((*a)->version);
	if (!*b) {
		cli_error("hvo diff: --model B is needed: design %s claims to be no model's kernel",
			  (*a)->name);
		return false;
	}
	return true;
}

int cmd_diff(int argc, char **argv)
{
	const struct hvo_generation *a = NULL, *b = NULL;
	int i, ret = 0;

	for (i = 0; i < argc && !strncmp(argv[i], "--", 2); i += 2) {
		const struct hvo_generation **g = !strcmp(argv[i], "--design") ? &a :
						  !strcmp(argv[i], "--model") ? &b : NULL;
		if (!g || i + 1 >= argc) {
			cli_error("hvo diff: bad option '%s' (expected --design A, --model B)", argv[i]);
			return 2;
		}
		if (!(*g = diff_generation(argv[i], argv[i + 1])))
			return 2;
	}
	if (i >= argc) {
		cli_error("hvo diff: expected a scenario FILE (usage: hvo diff [--design A] [--model B] FILE..)");
		return 2;
	}
	if (!diff_defaults(&a, &b))
		return 2;
	for (; i < argc; i++) {
		const char *name = argv[i];
		size_t len;
		char *buf = load_scenario(&name, &len);
		struct diff_run r = { .file = name, .a = a, .b = b, .out = stdout, .err = stderr };
		int s;

		if (!buf)
			return 2;
		s = diff_scenario(&r, buf, len);
		free(buf);
		if (s == 2)
			return 2;
		if (s > ret)
			ret = s;
	}
	return ret;
}
