// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo host [--root DIR]`: the running system as a scenario a user can
 * save, edit and share (cli/host.c reads it).  DIR, or HVO_HOST_ROOT,
 * stands for / so that saved copies of /proc and /sys can be read.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/host.h"

int cmd_host(int argc, char **argv)
{
	const char *root = host_default_root();
	struct host_info *h;
	char err[1200];
	int i = 0;

	if (argc >= 2 && !strcmp(argv[0], "--root")) {
		root = argv[1];
		i = 2;
	}
	if (i != argc) {
		cli_error("hvo host: expected [--root DIR]");
		return 2;
	}
	h = malloc(sizeof(*h));
	if (!h) {
		cli_error("hvo host: out of memory");
		return 2;
	}
	if (host_read(root, h, err, sizeof(err))) {
		cli_error("%s", err);
		free(h);
		return 2;
	}
	host_print_scenario(h, stdout);
	free(h);
	return 0;
}
