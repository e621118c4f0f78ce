// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault sweep: every allocation of small scenarios fails once
 * (transient) and from there on (persistent), in every design; no run may
 * leave a violated invariant behind.  The fork sweep gives, run by run,
 * what the replaying sweep gives; shards add up to the whole; a scenario
 * that does not run cleanly without injection is refused, never swept.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "cli/sweep.h"
#include "testutil.h"

static int sweep_text(const char *text, struct sweep_result *res, uint64_t max_runs)
{
	struct sweep_opts o = { .transient = true, .persistent = true, .max_runs = max_runs };
	FILE *log = stderr;

	return fault_sweep("<sweep>", text, strlen(text), &o, res, log);
}

TEST(sweep_runtime_pool_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign %s\nboot\n"
			 "hugepages 2M 3\nhugepages 2M 1\nhugepages 1G 0\nhugepages 2M 0\n"
			 "hugepages 2M 2\ncheck\n", designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 0), 0);
		ASSERT_TRUE(res.allocations > 20);
		/* every N up to the count injects in both modes */
		ASSERT_EQ(res.runs, 2 * res.allocations);
		ASSERT_TRUE(res.injected >= res.runs);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Boot-time gigantic pages with pre-HVO population and the restore path.
 * Restoring a 1 GiB page allocates 4095 pages, so this one strides: about
 * 60 allocations each way, spread over the whole run (hvo sweep does all).
 */
TEST(sweep_boot_gigantic_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=3G\ncmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
			 "design %s\nboot\nhugepages 1G 0\nhugepages 2M 2\nhugepages 1G 1\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 60), 0);
		ASSERT_TRUE(res.panics > 0); /* memmap failures at boot panic */
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Demote (1 GiB to 32 MiB on 16K pages: restore 255 pages, 32 heads, the
 * new folios optimized as one batch) under allocation failures: each
 * folio ends whole and optimized in the old pool or split into the new
 * one, never half of each (the checker sees every pool folio's struct
 * pages and vmemmap).  Strided; hvo sweep over
 * tests/scenarios/demote_16k_pages.hvo does every allocation.
 */
TEST(sweep_demote_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=3G arch=arm64 page_size=16K whatif=hvo-bbm\n"
			 "cmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
			 "design %s\nboot\nhugepages 1G demote 1\ncheck\nhugepages 32M 0\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 40), 0);
		ASSERT_TRUE(res.allocations > 300);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Surplus pages faulted, unmapped, freed by the worker, under every
 * allocation failure (the single-folio optimize, the worker's restore,
 * a failed mmap freeing what it gathered): nothing leaks, every counter
 * agrees with the folios (every allocation, both modes).
 */
TEST(sweep_surplus_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign %s\nboot\n"
			 "hugepages 2M 1\nsysctl vm.nr_overcommit_hugepages=3\n"
			 "map 2M 4 as a\ncheck\nmap 2M 1 as b\nunmap a\ncheck\nsettle\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 0), 0);
		ASSERT_TRUE(res.allocations > 20);
		ASSERT_EQ(res.runs, 2 * res.allocations);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/* A scenario with a syntax error is refused, not swept. */
TEST(sweep_refuses_bad_scenarios)
{
	struct sweep_result res;

	ASSERT_EQ(sweep_text("machine mem=1G\nboot\nfrobnicate\n", &res, 0), 2);
	return 0;
}

/*
 * Hot-add and hot-remove under every allocation failure: each failed add
 * rolls back exactly (generic carries the accounting fix; legacy would
 * show its underflow, see tests/scenarios/hotplug_add_fails_legacy.hvo).
 */
TEST(sweep_hotplug_generic)
{
	struct sweep_result res;
	static const char text[] =
		"machine mem=2G nodes=2\ncmdline hugetlb_free_vmemmap=on\ndesign generic\nboot\n"
		"hotplug add node=1 size=512M\nhugepages 2M 4 node=1\nhugepages 2M 0\n"
		"hotplug add node=0 size=256M memmap_on_memory\ncheck\n";

	ASSERT_EQ(sweep_text(text, &res, 0), 0);
	ASSERT_TRUE(res.allocations > 10);
	ASSERT_EQ(res.violations, 0);
	return 0;
}

/* One sweep with its log (every run, -v) and its JSON lines captured. */
struct captured_sweep {
	int status;
	struct sweep_result res;
	char *log, *json;
	size_t log_len, json_len;
};

static void sweep_capture(const char *text, const struct sweep_opts *base, bool replay,
			  struct captured_sweep *c)
{
	struct sweep_opts o = *base;
	FILE *log = open_memstream(&c->log, &c->log_len);
	FILE *json = open_memstream(&c->json, &c->json_len);

	ASSERT_TRUE(log && json);
	o.verbose = true;
	o.replay = replay;
	o.json = json;
	c->status = fault_sweep("<sweep>", text, strlen(text), &o, &c->res, log);
	fclose(log);
	fclose(json);
}

static void captured_free(struct captured_sweep *c)
{
	free(c->log);
	free(c->json);
}

/*
 * The fork sweep and the replaying one agree, run by run, on @text;
 * returns the number of runs with a violation.
 */
static uint64_t assert_fork_matches_replay(const char *what, const char *text,
					   const struct sweep_opts *o)
{
	uint64_t violations;

	struct captured_sweep fork_c, replay_c;

	sweep_capture(text, o, false, &fork_c);
	sweep_capture(text, o, true, &replay_c);
	if (strcmp(fork_c.log, replay_c.log) || strcmp(fork_c.json, replay_c.json)) {
		fprintf(stderr, "    %s: fork sweep:\n%s%s    replaying sweep:\n%s%s", what,
			fork_c.log, fork_c.json, replay_c.log, replay_c.json);
		test_fail(__FILE__, __LINE__, "%s: the two sweeps differ", what);
	}
	ASSERT_EQ(fork_c.status, 0);
	ASSERT_EQ(replay_c.status, 0);
	ASSERT_EQ(fork_c.res.allocations, replay_c.res.allocations);
	ASSERT_EQ(fork_c.res.runs, replay_c.res.runs);
	ASSERT_EQ(fork_c.res.injected, replay_c.res.injected);
	ASSERT_EQ(fork_c.res.panics, replay_c.res.panics);
	ASSERT_EQ(fork_c.res.violations, replay_c.res.violations);
	ASSERT_TRUE(fork_c.res.runs > 0);
	violations = fork_c.res.violations;
	captured_free(&fork_c);
	captured_free(&replay_c);
	return violations;
}

static char *scenario_file(const char *path)
{
	char *buf;
	size_t len;

	ASSERT_EQ(read_whole_file(path, &buf, &len), 0);
	return buf;
}

/*
 * Runtime pools, boot-time gigantic pages (strided), hot-add with its
 * memmap on the memory, and a scenario that reproduces a bug (legacy's
 * hot-add accounting underflow), so that violations and their messages
 * are compared too, not only clean runs.  The fork sweep runs three
 * children at once.
 */
TEST(sweep_fork_matches_replay)
{
	static const char *const files[] = {
		"tests/scenarios/hotplug_add_fails_legacy.hvo",
	};
	/* three forked runs at once: reported in allocation order all the same */
	struct sweep_opts both = { .transient = true, .persistent = true, .jobs = 3 };
	struct sweep_opts strided = both;
	struct sweep_opts sites = both;
	uint64_t violations = 0;

	strided.max_runs = 8;
	sites.site_mask = 1u << SITE_PGTABLE | 1u << SITE_VMEMMAP_HEAD;
	assert_fork_matches_replay("runtime pool",
		"machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign legacy\nboot\n"
		"hugepages 2M 3\nhugepages 2M 1\ncheck\nhugepages 2M 0\n", &both);
	assert_fork_matches_replay("boot gigantic, strided",
		"machine mem=3G\ncmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
		"design shared-tail\nboot\nhugepages 1G 0\nhugepages 2M 2\nhugepages 1G 1\n", &strided);
	assert_fork_matches_replay("hotplug, two sites",
		"machine mem=2G nodes=2\ncmdline hugetlb_free_vmemmap=on\ndesign generic\nboot\n"
		"hotplug add node=1 size=512M\nhugepages 2M 4 node=1\nhugepages 2M 0\n"
		"hotplug add node=0 size=256M memmap_on_memory\n", &sites);
	for (unsigned i = 0; i < ARRAY_SIZE(files); i++) {
		char *text = scenario_file(files[i]);

		violations += assert_fork_matches_replay(files[i], text, &both);
		free(text);
	}
	ASSERT_TRUE(violations > 0); /* the bugs show: violations were compared */
	return 0;
}

/*
 * A run whose scenario ends in a `check` that found nothing is not checked
 * again (the machine is as that check saw it); with recheck it is.  Both
 * sweeps agree, run by run, on scenarios that end in a check: a runtime
 * pool, walkers told to wait (a check with walkers pending must not count
 * as the final one), and Debian 6.12.115's rollback after a failed
 * page-table allocation (docs/bugs.md, legacy_6.12.115_rollback_leak.hvo),
 * which the last check finds, so violating runs are compared too.
 */
TEST(sweep_final_check_shortcut_matches_recheck)
{
	static const struct {
		const char *what, *text;
		unsigned site_mask;
		uint64_t max_runs;
	} cases[] = {
		{ "runtime pool",
		  "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign shared-tail\nboot\n"
		  "hugepages 2M 3\nhugepages 2M 1\ncheck\nhugepages 2M 0\nhugepages 2M 2\ncheck\n", 0, 12 },
		{ "walkers pending",
		  "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign legacy-6.10\nboot\n"
		  "speculative_get pfn 0x3ec40 later\nhugepages 2M 1\ncheck\n", 0, 12 },
		{ "rollback leak",
		  "machine mem=4G\ncmdline hugetlb_free_vmemmap=on\ndesign legacy-6.12.115\nboot\n"
		  "hugepages 1G 1\ncheck\n", 1u << SITE_PGTABLE, 6 },
	};
	uint64_t violations = 0, shortcuts = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sweep_opts o = { .transient = true, .persistent = true,
					.site_mask = cases[i].site_mask,
					.max_runs = cases[i].max_runs };
		struct sweep_opts re = o;
		struct captured_sweep fast, full;

		re.recheck = true;
		sweep_capture(cases[i].text, &o, false, &fast);
		sweep_capture(cases[i].text, &re, false, &full);
		if (strcmp(fast.log, full.log) || strcmp(fast.json, full.json)) {
			fprintf(stderr, "    %s: shortcut:\n%s%s    recheck:\n%s%s", cases[i].what,
				fast.log, fast.json, full.log, full.json);
			test_fail(__FILE__, __LINE__, "%s: the shortcut and the recheck differ",
				  cases[i].what);
		}
		ASSERT_EQ(fast.status, 0);
		ASSERT_EQ(full.status, 0);
		ASSERT_TRUE(fast.res.runs > 0);
		violations += full.res.violations;
		shortcuts += fast.res.final_checks_skipped;
		ASSERT_EQ(full.res.final_checks_skipped, 0);
		captured_free(&fast);
		captured_free(&full);
	}
	ASSERT_TRUE(violations > 0); /* violating runs were compared too */
	ASSERT_TRUE(shortcuts > 0);  /* and the shortcut was taken */
	return 0;
}

/* Count the lines of @s. */
static unsigned nr_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * Shards 1/3, 2/3 and 3/3 run disjoint runs that add up to the whole
 * sweep; only shard 1 counts the clean run's own violation.
 */
TEST(sweep_shards_add_up)
{
	char *text = scenario_file("tests/scenarios/dax_early_section.hvo");
	struct sweep_opts o = { .transient = true, .persistent = true };
	struct captured_sweep whole, part;
	struct sweep_result sum = { 0 };

	sweep_capture(text, &o, false, &whole);
	ASSERT_EQ(whole.status, 0);
	/* the clean run violates (a bug on purpose): shard 1 has its JSON line */
	ASSERT_TRUE(whole.res.violations > 0);
	o.shard_n = 3;
	for (o.shard_k = 1; o.shard_k <= 3; o.shard_k++) {
		sweep_capture(text, &o, false, &part);
		ASSERT_EQ(part.status, 0);
		ASSERT_EQ(part.res.allocations, whole.res.allocations);
		/* one JSON line per run (and the clean run in shard 1), one summary */
		ASSERT_EQ(nr_lines(part.json), part.res.runs + 1 + (o.shard_k == 1));
		sum.runs += part.res.runs;
		sum.injected += part.res.injected;
		sum.panics += part.res.panics;
		sum.violations += part.res.violations;
		captured_free(&part);
	}
	ASSERT_EQ(sum.runs, whole.res.runs);
	ASSERT_EQ(sum.injected, whole.res.injected);
	ASSERT_EQ(sum.panics, whole.res.panics);
	ASSERT_EQ(sum.violations, whole.res.violations);
	captured_free(&whole);
	free(text);
	return 0;
}

/*
 * A scenario that fails without any injection (a typo, no machine, no
 * boot) is not a clean sweep: status 2 and the scenario's own message.
 */
TEST(sweep_refuses_scenarios_that_do_not_run_cleanly)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "machin mem=4G\nboot\n", "<sweep>:1: unknown command 'machin'" },
		{ "boot\n", "<sweep>:1: boot: no machine described" },
		{ "machine mem=1G\n", "it boots no machine" },
		{ "machine mem=1G\nboot\nhugepages 3M 1\n", "<sweep>:3: " },
	};
	struct sweep_opts o = { .transient = true, .persistent = true };

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct captured_sweep c;

		sweep_capture(bad[i].text, &o, false, &c);
		ASSERT_EQ(c.status, 2);
		ASSERT_EQ(c.res.runs, 0);
		ASSERT_EQ(nr_lines(c.log), 1);
		ASSERT_TRUE(strstr(c.log, "does not run cleanly without injection"));
		ASSERT_TRUE(strstr(c.log, bad[i].why));
		ASSERT_EQ(c.json_len, 0);
		captured_free(&c);
	}
	return 0;
}

#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif

/* build/hvo sweep ARGS: its exit status, stdout bytes and stderr lines. */
static int hvo_sweep_cli(const char *args, size_t *out_bytes, unsigned *err_lines)
{
	char cmd[512], out[96], err[96];
	FILE *f;
	int st, c;

	snprintf(out, sizeof(out), HVO_BUILD_DIR "/sweep-cli.%ld.out", (long)getpid());
	snprintf(err, sizeof(err), HVO_BUILD_DIR "/sweep-cli.%ld.err", (long)getpid());
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/hvo sweep %s >%s 2>%s", args, out, err);
	st = system(cmd);
	ASSERT_TRUE(st != -1 && WIFEXITED(st));
	*out_bytes = 0;
	*err_lines = 0;
	f = fopen(out, "r");
	ASSERT_TRUE(f);
	while (fgetc(f) != EOF)
		++*out_bytes;
	fclose(f);
	f = fopen(err, "r");
	ASSERT_TRUE(f);
	while ((c = fgetc(f)) != EOF)
		*err_lines += c == '\n';
	fclose(f);
	remove(out);
	remove(err);
	return WEXITSTATUS(st);
}

/*
 * `printf 'machin mem=4G\nboot\n' > t.hvo; hvo sweep t.hvo` said "0
 * violations" and exited 0 (issue 14): now one line and status 2, as
 * for bad --shard values.
 */
TEST(sweep_cli_broken_scenario_is_exit_2)
{
	static const char *const bad[] = {
		"%s", "--json %s", "--shard 0/2 %s", "--shard 3/2 %s", "--shard 1/ %s",
		"--shard /2 %s", "--shard 1/2x %s", "--shard -1/2 %s",
	};
	char path[96], args[256];
	size_t out_bytes;
	unsigned err_lines;
	FILE *f;

	snprintf(path, sizeof(path), HVO_BUILD_DIR "/sweep-cli.%ld.hvo", (long)getpid());
	f = fopen(path, "w");
	ASSERT_TRUE(f);
	fputs("machin mem=4G\nboot\n", f);
	fclose(f);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(args, sizeof(args), bad[i], path);
		if (hvo_sweep_cli(args, &out_bytes, &err_lines) != 2 || out_bytes || err_lines != 1) {
			remove(path);
			test_fail(__FILE__, __LINE__, "hvo sweep %s: %zu bytes out, %u lines on stderr",
				  args, out_bytes, err_lines);
		}
	}
	remove(path);
	ASSERT_EQ(hvo_sweep_cli("--shard 1/2 --json --max-runs 3 tests/scenarios/dax_early_section.hvo",
				&out_bytes, &err_lines), 1);
	ASSERT_TRUE(out_bytes > 0);
	return 0;
}

/* The whole of file @path in a fresh buffer (empty if missing). */
static char *slurp(const char *path)
{
	char *buf;
	size_t len;

	if (read_whole_file(path, &buf, &len))
		return strdup("");
	return buf;
}

/*
 * tools/sweep-estimate: a scenario of at most 30 allocations is swept whole
 * (exact), a larger one sampled, each line naming the allocations and the
 * runs of the full sweep as hvo sweep counts them; a total line follows;
 * a file that cannot be swept is exit status 2.
 */
TEST(sweep_estimate_names_allocations_and_runs)
{
	char cmd[1024], out[160], *o;
	int st;

	snprintf(out, sizeof(out), HVO_BUILD_DIR "/sweep-estimate.%ld.out", (long)getpid());
	snprintf(cmd, sizeof(cmd),
		 "tools/sweep-estimate --hvo " HVO_BUILD_DIR "/hvo "
		 "tests/scenarios/tails_read_only_shared-tail.hvo "
		 "tests/scenarios/hotplug_add_fails_legacy.hvo >%s", out);
	ASSERT_EQ(system(cmd), 0);
	o = slurp(out);
	if (!strstr(o, "tests/scenarios/tails_read_only_shared-tail.hvo: 22 allocations, 44 runs, ") ||
	    !strstr(o, "(exact)\ntests/scenarios/hotplug_add_fails_legacy.hvo: 42 allocations, 84 runs, ") ||
	    !strstr(o, "(sampled)\n2 scenarios: 64 allocations, 128 runs, "))
		fprintf(stderr, "    %s", o);
	ASSERT_TRUE(strstr(o, "(sampled)\n2 scenarios: 64 allocations, 128 runs, ") != NULL);
	ASSERT_TRUE(strstr(o, ": 22 allocations, 44 runs, ") && strstr(o, "(exact)\n"));
	free(o);
	snprintf(cmd, sizeof(cmd), "tools/sweep-estimate --hvo " HVO_BUILD_DIR "/hvo "
		 "tests/scenarios/no-such-file.hvo >/dev/null 2>&1");
	st = system(cmd);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 2);
	remove(out);
	return 0;
}

/*
 * Three shards run as separate processes and added up by
 * tools/sweep-merge print exactly what one `hvo sweep -v` prints, on
 * both streams, with the same exit status; a missing shard is an error.
 */
TEST(sweep_cli_merged_shards_equal_one_process)
{
	static const char scen[] = "tests/scenarios/hotplug_add_fails_legacy.hvo";
	char cmd[1024], dir[96], p[4][160];
	int st;

	snprintf(dir, sizeof(dir), HVO_BUILD_DIR "/sweep-merge.%ld", (long)getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && " HVO_BUILD_DIR "/hvo sweep -v %s >%s/one.out 2>%s/one.err; "
		 "[ $? = 1 ] && for k in 1 2 3; do " HVO_BUILD_DIR "/hvo sweep --json --shard $k/3 %s "
		 ">%s/$k.json 2>/dev/null; [ $? -le 1 ] || exit 9; done",
		 dir, scen, dir, dir, scen, dir);
	ASSERT_EQ(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "tools/sweep-merge -v %s/1.json %s/2.json %s/3.json "
		 ">%s/merged.out 2>%s/merged.err", dir, dir, dir, dir, dir);
	st = system(cmd);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 1); /* the underflow: violations, as in one process */
	snprintf(p[0], sizeof(p[0]), "%s/one.out", dir);
	snprintf(p[1], sizeof(p[1]), "%s/merged.out", dir);
	snprintf(p[2], sizeof(p[2]), "%s/one.err", dir);
	snprintf(p[3], sizeof(p[3]), "%s/merged.err", dir);
	for (unsigned i = 0; i < 4; i += 2) {
		char *a = slurp(p[i]), *b = slurp(p[i + 1]);
		bool same = a[0] && !strcmp(a, b);

		if (!same)
			fprintf(stderr, "    %s:\n%s    %s:\n%s", p[i], a, p[i + 1], b);
		free(a);
		free(b);
		ASSERT_TRUE(same);
	}
	snprintf(cmd, sizeof(cmd), "tools/sweep-merge %s/1.json %s/3.json >/dev/null 2>%s/missing.err",
		 dir, dir, dir);
	st = system(cmd);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 2);
	snprintf(p[0], sizeof(p[0]), "%s/missing.err", dir);
	{
		char *e = slurp(p[0]);
		bool named = strstr(e, "missing shard 2 of 3") != NULL;

		free(e);
		ASSERT_TRUE(named);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
	return 0;
}
