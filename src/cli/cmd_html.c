// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo html [--design D] [FILE] --out F.html`: the HTML explorer of a run
 * (html.h), written atomically through output.h.
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/html.h"
#include "cli/output.h"
#include "sim/generations.h"

static int html_usage(const char *why)
{
	cli_error("hvo html: %s (expected [--design D] [FILE] --out F.html)", why);
	return 2;
}

int cmd_html(int argc, char **argv)
{
	const struct hvo_generation *gen = NULL;
	const char *file = NULL, *out_path = NULL;
	struct output o;
	char *buf;
	size_t len;
	int st;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--design") && i + 1 < argc) {
			gen = generation_find(argv[++i]);
			if (!gen) {
				char names[512];
				generation_names(names, sizeof(names));
				cli_error("hvo html: unknown design '%s' (expected %s)", argv[i], names);
				return 2;
			}
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out_path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return html_usage("bad option");
		} else if (file) {
			return html_usage("more than one FILE");
		} else {
			file = argv[i];
		}
	}
	if (!out_path || !strcmp(out_path, "-"))
		return html_usage("--out F.html is required");
	buf = load_scenario(&file, &len);
	if (!buf)
		return 2;
	{
		const char *inputs[] = { file, NULL };
		if (output_open(&o, "html", out_path, inputs)) {
			free(buf);
			return 2;
		}
	}
	st = html_explore(o.f, file, buf, len, gen, stderr);
	free(buf);
	if (st == 2) {
		output_abort(&o);
		return 2;
	}
	return output_commit(&o, "html") ? 2 : st;
}
