// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hvo command line: the table of commands, each in its own cmd_*.c.
 * Exit status: 0 all good, 1 an expect or check failed, 2 bad input.
 */
#include <string.h>

#include "cli/cli.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "sweep", cmd_sweep },
	{ "compare", cmd_compare },
	{ "explain", cmd_explain },
	{ "plot", cmd_plot },
	{ "host", cmd_host },
	{ "plan", cmd_plan },
	{ "html", cmd_html },
};

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "hvo: unknown command '%s'\n", argv[1]);
	print_usage(stderr);
	return 2;
}
