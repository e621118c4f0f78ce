/*
 * Test runner: every TEST() of tests/unit, then every scenario file of
 * tests/scenarios and tests/oracle (the kernel oracle's scenarios, whose
 * expects hold for the simulator alone; they must succeed) and
 * tests/scenarios/errors (must fail
 * with the message named in its first line, "# error: TEXT"), then every
 * file of the fuzz corpora fuzz/corpus/{scenario,cmdline}, each through its
 * fuzz target in a child process (fuzz/replay.c).
 *
 *   test_hvo [-l] [-t NAME] [-v]
 * Ends with "N passed, N failed".
 */
#include <dirent.h>
#include <stdlib.h>

#include "harness.h"
#include "replay.h"
#include "cli/scenario.h"
#include "testutil.h"

/* The fuzz targets' entry points, renamed by the Makefile for this binary. */
int fuzz_scenario_one(const uint8_t *data, size_t size);
int fuzz_cmdline_one(const uint8_t *data, size_t size);

static const struct {
	const char *dir;
	fuzz_one_fn one;
} corpora[] = {
	{ "fuzz/corpus/scenario", fuzz_scenario_one },
	{ "fuzz/corpus/cmdline", fuzz_cmdline_one },
};

static struct test_case *tests, **tail = &tests;

void test_register(struct test_case *t)
{
	*tail = t;
	tail = &t->next;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of *.hvo files in @dir (caller frees). */
static char **list_scenarios(const char *dir, unsigned *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".hvo"))
			continue;
		v = realloc(v, (*n + 1) * sizeof(*v));
		v[*n] = malloc(strlen(dir) + len + 2);
		sprintf(v[*n], "%s/%s", dir, e->d_name);
		(*n)++;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

/* A corpus file: its fuzz target must return without a report or a hang. */
static int run_corpus_file(const char *path, fuzz_one_fn one)
{
	char why[128];

	if (!replay_file(path, one, why, sizeof(why)))
		return 0;
	fprintf(stderr, "    %s: %s\n", path, why);
	return 1;
}

/* A scenario that must pass: exit status 0. */
static int run_good_scenario(const char *path, int verbose)
{
	struct scenario_result r;

	if (run_scenario_file(path, &r))
		return 1;
	if (r.status != 0 || verbose)
		fprintf(stderr, "%s", r.err);
	free(r.err);
	return r.status != 0;
}

/* A scenario that must be rejected with the message its first line names. */
static int run_bad_scenario(const char *path)
{
	struct scenario_result r;
	char want[256] = "";
	FILE *f = fopen(path, "r");
	int bad;

	if (!f || !fgets(want, sizeof(want), f) || strncmp(want, "# error: ", 9)) {
		fprintf(stderr, "    %s: first line must be '# error: TEXT'\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	if (run_scenario_file(path, &r))
		return 1;
	bad = r.status != 2 || !strstr(r.err, want + 9) || !strstr(r.err, path);
	if (bad)
		fprintf(stderr, "    %s: status %d, wanted 2 with '%s' and FILE:LINE; got:\n%s",
			path, r.status, want + 9, r.err);
	free(r.err);
	return bad;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int list = 0, verbose = 0;
	unsigned passed = 0, failed = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l"))
			list = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			only = argv[++i];
		else {
			fprintf(stderr, "usage: test_hvo [-l] [-v] [-t NAME]\n");
			return 2;
		}
	}
	for (struct test_case *t = tests; t; t = t->next) {
		int r;
		if (list) {
			printf("%s\n", t->name);
			continue;
		}
		if (only && strcmp(only, t->name))
			continue;
		r = t->fn();
		printf("%s %u - %s\n", r ? "not ok" : "ok", ++n, t->name);
		fflush(stdout);
		r ? failed++ : passed++;
	}
	if (list)
		return 0;
	for (int pass = 0; pass < 3; pass++) {
		static const char *const dirs[] = { "tests/scenarios", "tests/oracle",
						    "tests/scenarios/errors" };
		const char *dir = dirs[pass];
		unsigned k;
		char **files = list_scenarios(dir, &k);
		for (unsigned i = 0; i < k; i++) {
			int r = 0;
			if (!only || strstr(files[i], only)) {
				r = pass == 2 ? run_bad_scenario(files[i])
					      : run_good_scenario(files[i], verbose);
				printf("%s %u - %s\n", r ? "not ok" : "ok", ++n, files[i]);
				fflush(stdout);
				r ? failed++ : passed++;
			}
			free(files[i]);
		}
		free(files);
	}
	for (size_t c = 0; c < sizeof(corpora) / sizeof(corpora[0]); c++) {
		size_t k;
		char **files = replay_list_dir(corpora[c].dir, &k);
		if (!files) {
			printf("not ok %u - %s: cannot open\n", ++n, corpora[c].dir);
			failed++;
			continue;
		}
		for (size_t i = 0; i < k; i++) {
			int r;
			if (only && !strstr(files[i], only))
				continue;
			r = run_corpus_file(files[i], corpora[c].one);
			printf("%s %u - %s\n", r ? "not ok" : "ok", ++n, files[i]);
			fflush(stdout);
			r ? failed++ : passed++;
		}
		replay_free_list(files, k);
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
