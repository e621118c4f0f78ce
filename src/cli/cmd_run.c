// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo run`: a scenario file, standard input or the built-in default,
 * with its report as text or JSON; and reading a scenario for every
 * command (load_scenario).
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "cli/sweep.h"
#include "lib/fault.h"
#include "lib/parse.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

/*
 * All of @f, up to @max bytes (0: no limit): NULL with errno set on a read
 * error, EFBIG past the limit (read stops there: /dev/zero ends at once).
 */
static char *read_all(FILE *f, uint64_t max, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (max && n > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n < cap) {
			if (ferror(f)) {
				int err = errno ? errno : EIO;
				free(buf);
				errno = err;
				return NULL;
			}
			*len = n;
			return buf;
		}
		cap *= 2;
		char *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	errno = ENOMEM;
	return NULL;
}

int cmd_run(int argc, char **argv)
{
	struct scenario sc;
	const char *file = NULL;
	bool json = false, check = false;
	char *buf;
	size_t len;
	int ret;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--check"))
			check = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			cli_error("hvo run: unknown option '%s'", argv[i]);
			print_usage(stderr);
			return 2;
		} else if (file) {
			fprintf(stderr, "hvo run: one scenario file at a time\n");
			return 2;
		} else
			file = argv[i];
	}
	buf = load_scenario(&file, &len);
	if (!buf)
		return 2;
	scenario_init(&sc, file, stdout, stderr);
	sc.json = json;
	sc.check_each = check;
	ret = scenario_run_buffer(&sc, buf, len);
	scenario_finish(&sc);
	scenario_destroy(&sc);
	free(buf);
	return ret;
}

char *load_scenario(const char **file, size_t *len)
{
	uint64_t max = cli_max_input();
	char *buf;

	if (!*file) {
		buf = strdup(default_scenario);
		*len = buf ? strlen(buf) : 0;
		*file = "<default>";
		return buf;
	}
	if (!strcmp(*file, "-")) {
		buf = read_all(stdin, max, len);
		*file = "<stdin>";
	} else {
		FILE *f = fopen(*file, "r");
		if (!f) {
			cli_error("hvo: %s: %s", *file, strerror(errno));
			return NULL;
		}
		buf = read_all(f, max, len);
		fclose(f);
	}
	if (!buf && errno == EFBIG)
		cli_error("hvo: %s: larger than the input limit of %llu bytes (HVO_MAX_INPUT=SIZE raises it, 0 for none)",
			  *file, (unsigned long long)max);
	else if (!buf)
		cli_error("hvo: %s: cannot read: %s", *file, strerror(errno));
	return buf;
}
