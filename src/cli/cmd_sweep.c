// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo sweep`: fail every allocation of a scenario in turn, transient and
 * persistent, and check every invariant after each run (sweep.c).
 * --shard K/N and --json let an outside runner split one sweep into
 * processes whose JSON lines tools/sweep-merge adds up; --replay makes
 * every run start from the beginning (the reference the fork sweep is
 * compared with).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

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

/* "K/N" with 1 <= K <= N. */
static int parse_shard(const char *s, struct sweep_opts *o)
{
	char k[32];
	const char *slash = strchr(s, '/');

	if (!slash || (size_t)(slash - s) >= sizeof(k))
		return -EINVAL;
	memcpy(k, s, (size_t)(slash - s));
	k[slash - s] = '\0';
	if (parse_u64(k, &o->shard_k) || parse_u64(slash + 1, &o->shard_n) ||
	    !o->shard_k || o->shard_k > o->shard_n)
		return -EINVAL;
	return 0;
}

static void print_summary(const char *file, const struct sweep_result *res)
{
	printf("%s: %llu allocations, %llu runs, %llu injected failures, %llu boot panics, %llu violations\n",
	       file, (unsigned long long)res->allocations, (unsigned long long)res->runs,
	       (unsigned long long)res->injected, (unsigned long long)res->panics,
	       (unsigned long long)res->violations);
}

int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o = { 0 };
	struct sweep_result res;
	const char *file = NULL;
	char *buf;
	size_t len;
	int ret;

	for (int i = 0; i < argc; i++) {
		enum alloc_site site;
		if (!strcmp(argv[i], "--transient"))
			o.transient = true;
		else if (!strcmp(argv[i], "--persistent"))
			o.persistent = true;
		else if (!strcmp(argv[i], "-v"))
			o.verbose = true;
		else if (!strcmp(argv[i], "--replay"))
			o.replay = true;
		else if (!strcmp(argv[i], "--json"))
			o.json = stdout;
		else if (!strcmp(argv[i], "--shard") && i + 1 < argc) {
			if (parse_shard(argv[++i], &o)) {
				cli_error("hvo sweep: --shard: expected K/N with 1 <= K <= N, not '%s'",
					argv[i]);
				return 2;
			}
		}
		else if (!strcmp(argv[i], "--site") && i + 1 < argc &&
			 !alloc_site_parse(argv[i + 1], &site))
			o.site_mask |= 1u << site, i++;
		else if (!strcmp(argv[i], "--min-order") && i + 1 < argc) {
			if (parse_uint_opt(stderr, "hvo sweep: --min-order", argv[++i], 63, &o.min_order))
				return 2;
		} else if ((!strcmp(argv[i], "-j") || !strcmp(argv[i], "--jobs")) && i + 1 < argc) {
			if (parse_uint_opt(stderr, "hvo sweep: -j", argv[++i], 1024, &o.jobs))
				return 2;
			if (!o.jobs) {
				cli_error("hvo sweep: -j: expected at least 1 run at a time, not '%s'", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--max-runs") && i + 1 < argc) {
			if (parse_u64_opt(stderr, "hvo sweep: --max-runs", argv[++i], UINT64_MAX, &o.max_runs))
				return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_error("hvo sweep: bad option '%s'", argv[i]);
			print_usage(stderr);
			return 2;
		} else if (file) {
			cli_error("hvo sweep: one scenario file at a time");
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		cli_error("hvo sweep: a scenario FILE is required");
		print_usage(stderr);
		return 2;
	}
	if (!o.transient && !o.persistent)
		o.transient = o.persistent = true;
	if (!o.jobs) { /* default: a run per core */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o.jobs = n > 0 ? (unsigned)MIN(n, 1024) : 1;
	}
	buf = load_scenario(&file, &len);
	if (!buf)
		return 2;
	ret = fault_sweep(file, buf, len, &o, &res, stderr);
	free(buf);
	if (ret) /* fault_sweep() said why, in one line */
		return 2;
	if (!o.json)
		print_summary(file, &res);
	return res.violations ? 1 : 0;
}

