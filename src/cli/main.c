// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hvo command line: the table of commands, each in its own cmd_*.c.
 * Exit status: 0 all good, 1 an expect or check failed, 2 bad input, or
 * output that could not be written: standard output is flushed and
 * closed here, after every command, and a failure there is one line and
 * status 2, as in coreutils.
 */
#include <signal.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/output.h"

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
	{ "diff", cmd_diff },
};

static int run_command(int argc, char **argv, const char **name)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		*name = "help";
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	*name = argv[1];
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
				print_usage(stdout); /* hvo CMD --help, as hvo help */
				return 0;
			}
			if (cli_time_limit_arm(commands[i].name, stderr))
				return 2;
			return commands[i].fn(argc - 2, argv + 2);
		}
	*name = NULL;
	cli_error("hvo: unknown command '%s'", argv[1]);
	print_usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct stdout_mark mark;
	const char *name = NULL;
	int ret;

	/* past `ulimit -f` a write fails with EFBIG instead of killing us */
	signal(SIGXFSZ, SIG_IGN);
	output_guard_std_fds();
	output_stdout_mark(&mark);
	if (cli_limits_check(stderr))
		return 2;
	ret = run_command(argc, argv, &name);
	/* a command's own error line is its one line; else report the write */
	if (output_close_stdout(&mark, name, ret != 2))
		ret = 2;
	return ret;
}
