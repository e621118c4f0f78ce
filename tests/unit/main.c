// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test runner: every TEST() of tests/unit, then every scenario file of
 * tests/scenarios and tests/oracle (the kernel oracle's scenarios, whose
 * expects hold for the simulator alone; they must succeed) and
 * tests/scenarios/errors (must fail
 * with the message named in its first line, "# error: TEXT"), then every
 * file of the fuzz corpora fuzz/corpus/{scenario,cmdline}, each through its
 * fuzz target.
 *
 *   test_hvo [-l|--list] [-v] [-t NAME] [--shard K/N]
 *
 * Every test runs in a child process of its own, one after another, so an
 * abort (BUG()), a crash, a sanitizer report, a leak (LeakSanitizer checks
 * at the child's exit) or a hang (TEST_TIMEOUT) fails that one test and
 * the run goes on.  A test's own output (its stdout and stderr) is kept in
 * a temporary file and shown only when the test fails, or with -v, which
 * also prints each test's wall time and CPU time (user + sys of the test
 * and the processes it waited for).  -t runs the unit test named NAME and
 * the files whose path contains NAME; -l lists the tests a run would run.
 * A scenario or corpus folder that is missing or empty is a failed test.
 * Ends with "N passed, N failed".
 *
 * --shard K/N runs shard K of N (0 <= K < N): `make check` starts N of
 * them with make -j and merges their results in test order
 * (tools/check-merge).  The tests are dealt to shards by their wall time in
 * the last full run (build/test_times, "MS NAME" lines), longest first,
 * each to the shard with the least time so far, so every shard computes
 * the same split; shard K records its tests' times in build/test_times.K,
 * which the merge step gathers.  Result lines carry the test's number in
 * the whole run.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "replay.h"
#include "cli/scenario.h"
#include "testutil.h"

/* Each test's wall time in the last full run: "MS NAME" lines. */
#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif
#define TEST_TIMES HVO_BUILD_DIR "/test_times"

/* Seconds one test may run before it counts as a hang. */
#ifndef TEST_TIMEOUT
#define TEST_TIMEOUT 600
#endif

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

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(NULL);
	_exit(1); /* no exit(): the half-built test's memory is no leak report */
}

enum job_kind {
	JOB_UNIT,    /* a TEST() */
	JOB_GOOD,    /* a scenario that must succeed */
	JOB_BAD,     /* a scenario that must be rejected */
	JOB_CORPUS,  /* a fuzz corpus file */
	JOB_NOFOLDER /* a folder missing or empty: fails without a child */
};

enum job_state { JOB_PENDING, JOB_RUNNING, JOB_DONE };

struct job {
	enum job_kind kind;
	char *name; /* what the result line names (owned) */
	struct test_case *tc;
	fuzz_one_fn one;
	int shard; /* the shard that runs it */
	unsigned timeout;
	double expected_ms; /* from TEST_TIMES; 0 if unknown */

	enum job_state state;
	pid_t pid;
	FILE *out; /* the child's stdout and stderr */
	struct timespec start;
	double ms;
	double cpu_ms; /* user + sys of the test and the children it waited for */
	int failed;
	char why[160];
	char *output; /* what the child wrote (owned) */
	size_t output_len;
};

static struct job *jobs;
static size_t nr_jobs;

static struct job *add_job(enum job_kind kind, const char *name)
{
	struct job *j;

	jobs = realloc(jobs, (nr_jobs + 1) * sizeof(*jobs));
	if (!jobs)
		abort();
	j = &jobs[nr_jobs++];
	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->name = strdup(name);
	if (!j->name)
		abort();
	j->timeout = TEST_TIMEOUT;
	return j;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of *.hvo files in @dir (caller frees); NULL if unreadable. */
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
	return v ? v : calloc(1, sizeof(*v));
}

static void add_nofolder(const char *dir, const char *why)
{
	struct job *j = add_job(JOB_NOFOLDER, dir);

	j->failed = 1;
	snprintf(j->why, sizeof(j->why), "%s", why);
	j->state = JOB_DONE;
}

/* The tests a run with filter @only runs, in the order they are reported. */
static void collect_jobs(const char *only)
{
	static const char *const dirs[] = { "tests/scenarios", "tests/oracle",
					    "tests/scenarios/errors" };

	for (struct test_case *t = tests; t; t = t->next) {
		struct job *j;

		if (only && strcmp(only, t->name))
			continue;
		j = add_job(JOB_UNIT, t->name);
		j->tc = t;
	}
	for (int pass = 0; pass < 3; pass++) {
		const char *dir = dirs[pass];
		unsigned k;
		char **files = list_scenarios(dir, &k);

		if (!files) {
			char why[128];
			snprintf(why, sizeof(why), "cannot open the folder: %s", strerror(errno));
			add_nofolder(dir, why);
			continue;
		}
		if (!k)
			add_nofolder(dir, "no *.hvo files in the folder");
		for (unsigned i = 0; i < k; i++) {
			if (!only || strstr(files[i], only))
				add_job(pass == 2 ? JOB_BAD : JOB_GOOD, files[i]);
			free(files[i]);
		}
		free(files);
	}
	for (size_t c = 0; c < sizeof(corpora) / sizeof(corpora[0]); c++) {
		size_t k;
		char **files = replay_list_dir(corpora[c].dir, &k);

		if (!files) {
			char why[128];
			snprintf(why, sizeof(why), "cannot open the folder: %s", strerror(errno));
			add_nofolder(corpora[c].dir, why);
			continue;
		}
		if (!k)
			add_nofolder(corpora[c].dir, "no files in the folder");
		for (size_t i = 0; i < k; i++) {
			struct job *j;

			if (only && !strstr(files[i], only))
				continue;
			j = add_job(JOB_CORPUS, files[i]);
			j->one = corpora[c].one;
			j->timeout = REPLAY_TIMEOUT;
		}
		replay_free_list(files, k);
	}
}

/* ---- what a child runs ---- */

/* A scenario that must pass: exit status 0. */
static int run_good_scenario(const char *path)
{
	struct scenario_result r;
	int bad;

	if (run_scenario_file(path, &r))
		return 1;
	fprintf(stderr, "%s", r.err);
	bad = r.status != 0;
	if (bad)
		fprintf(stderr, "    %s: status %d, wanted 0\n", path, r.status);
	free(r.err);
	return bad;
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
	fprintf(stderr, "%s", r.err);
	bad = r.status != 2 || !strstr(r.err, want + 9) || !strstr(r.err, path);
	if (bad)
		fprintf(stderr, "    %s: status %d, wanted 2 with '%s' and FILE:LINE (output above)\n",
			path, r.status, want + 9);
	free(r.err);
	return bad;
}

/* A corpus file: its fuzz target must return without a report or a hang. */
static int run_corpus_file(const char *path, fuzz_one_fn one)
{
	char *data;
	size_t size;

	if (read_whole_file(path, &data, &size))
		return 1;
	one((const uint8_t *)data, size);
	free(data);
	return 0;
}

static int run_job_body(struct job *j)
{
	switch (j->kind) {
	case JOB_UNIT:
		return j->tc->fn();
	case JOB_GOOD:
		return run_good_scenario(j->name);
	case JOB_BAD:
		return run_bad_scenario(j->name);
	case JOB_CORPUS:
		return run_corpus_file(j->name, j->one);
	case JOB_NOFOLDER:
		break;
	}
	return 1;
}

static _Noreturn void run_child(struct job *j)
{
	int fd = fileno(j->out);

	if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(125);
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and stderr in order */
	alarm(j->timeout);
	if (run_job_body(j)) {
		fflush(NULL);
		_exit(1); /* failed, and said why: no leak reports on top */
	}
	exit(0); /* LeakSanitizer checks here */
}

/* ---- the parent ---- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void start_job(struct job *j)
{
	j->out = tmpfile();
	if (!j->out) {
		j->failed = 1;
		snprintf(j->why, sizeof(j->why), "tmpfile: %s", strerror(errno));
		j->state = JOB_DONE;
		return;
	}
	fflush(NULL); /* the child must not write the parent's buffers */
	clock_gettime(CLOCK_MONOTONIC, &j->start);
	j->pid = fork();
	if (j->pid < 0) {
		j->failed = 1;
		snprintf(j->why, sizeof(j->why), "fork: %s", strerror(errno));
		fclose(j->out);
		j->out = NULL;
		j->state = JOB_DONE;
		return;
	}
	if (j->pid == 0)
		run_child(j);
	j->state = JOB_RUNNING;
}

static void read_output(struct job *j)
{
	long len;

	fflush(j->out);
	if (fseek(j->out, 0, SEEK_END) || (len = ftell(j->out)) < 0) {
		fclose(j->out);
		j->out = NULL;
		return;
	}
	rewind(j->out);
	j->output = malloc((size_t)len + 1);
	if (j->output) {
		j->output_len = fread(j->output, 1, (size_t)len, j->out);
		j->output[j->output_len] = '\0';
	}
	fclose(j->out);
	j->out = NULL;
}

/* The name of the sanitizer whose report the output holds, or NULL. */
static const char *sanitizer_in(const struct job *j)
{
	if (!j->output)
		return NULL;
	if (strstr(j->output, "ERROR: LeakSanitizer"))
		return "LeakSanitizer: memory leaked";
	if (strstr(j->output, "ERROR: AddressSanitizer"))
		return "AddressSanitizer report";
	if (strstr(j->output, "runtime error:"))
		return "UndefinedBehaviorSanitizer report";
	return NULL;
}

static double cpu_ms(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
	       (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

static void finish_job(struct job *j, int status, const struct rusage *before,
		       const struct rusage *after)
{
	const char *san;
	size_t n;

	j->ms = ms_since(&j->start);
	j->cpu_ms = cpu_ms(after) - cpu_ms(before);
	read_output(j);
	j->state = JOB_DONE;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	j->failed = 1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(j->why, sizeof(j->why), "still running after %u s", j->timeout);
	else if (WIFSIGNALED(status))
		snprintf(j->why, sizeof(j->why), "killed by signal %d, %s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(j->why, sizeof(j->why), "exit status %d", WEXITSTATUS(status));
	else
		snprintf(j->why, sizeof(j->why), "wait status 0x%x", status);
	san = sanitizer_in(j);
	n = strlen(j->why);
	if (san)
		snprintf(j->why + n, sizeof(j->why) - n, ", %s", san);
}

static void print_job(const struct job *j, unsigned n, int verbose)
{
	if (j->failed)
		printf("not ok %u - %s (%s", n, j->name, j->why);
	else
		printf("ok %u - %s", n, j->name);
	if (verbose && j->kind != JOB_NOFOLDER)
		printf("%s%.0f ms, %.0f ms cpu", j->failed ? ", " : " (", j->ms, j->cpu_ms);
	if (j->failed || verbose)
		printf(")");
	printf("\n");
	if ((j->failed || verbose) && j->output_len) {
		fwrite(j->output, 1, j->output_len, stdout);
		if (j->output[j->output_len - 1] != '\n')
			printf("\n");
	}
	fflush(stdout);
}

static void read_times(void)
{
	FILE *f = fopen(TEST_TIMES, "r");
	char line[1100], name[1024];
	double ms;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lf %1023[^\n]", &ms, name) == 2)
			for (size_t i = 0; i < nr_jobs; i++)
				if (!strcmp(jobs[i].name, name))
					jobs[i].expected_ms = ms;
	fclose(f);
}

/* This shard's tests' times, for tools/check-merge to gather. */
static void write_times(unsigned shard, unsigned nr_shards)
{
	char path[256], tmp[260];
	FILE *f;

	if (nr_shards > 1)
		snprintf(path, sizeof(path), "%s.%u", TEST_TIMES, shard);
	else
		snprintf(path, sizeof(path), "%s", TEST_TIMES);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	for (size_t i = 0; i < nr_jobs; i++)
		if (jobs[i].kind != JOB_NOFOLDER && jobs[i].shard == (int)shard)
			fprintf(f, "%.0f %s\n", jobs[i].ms, jobs[i].name);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static int cmp_expected(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;

	if (x->expected_ms != y->expected_ms)
		return x->expected_ms < y->expected_ms ? 1 : -1;
	return x < y ? -1 : x > y; /* ties in test order */
}

/*
 * Deal the tests to @nr_shards shards: longest first (by the last run's
 * times), each to the shard with the least time so far.  Unknown times
 * count as 1 ms, so a first run deals in turn.  Missing folders go to
 * shard 0, which reports them.
 */
static void deal_shards(unsigned nr_shards)
{
	struct job **order = malloc(nr_jobs * sizeof(*order));
	double *load = calloc(nr_shards, sizeof(*load));

	if (!order || !load)
		abort();
	for (size_t i = 0; i < nr_jobs; i++) {
		order[i] = &jobs[i];
		if (!jobs[i].expected_ms)
			jobs[i].expected_ms = 1;
	}
	qsort(order, nr_jobs, sizeof(*order), cmp_expected);
	for (size_t i = 0; i < nr_jobs; i++) {
		unsigned best = 0;

		if (order[i]->kind != JOB_NOFOLDER)
			for (unsigned k = 1; k < nr_shards; k++)
				if (load[k] < load[best])
					best = k;
		order[i]->shard = (int)best;
		load[best] += order[i]->expected_ms;
	}
	free(order);
	free(load);
}

/* Run this shard's tests one at a time, in test order, and print each. */
static void run_jobs(unsigned shard, int verbose, unsigned *passed, unsigned *failed)
{
	for (size_t i = 0; i < nr_jobs; i++) {
		struct job *j = &jobs[i];
		struct rusage before;
		int status;

		if (j->shard != (int)shard)
			continue;
		getrusage(RUSAGE_CHILDREN, &before);
		if (j->state == JOB_PENDING)
			start_job(j);
		while (j->state == JOB_RUNNING) {
			if (waitpid(j->pid, &status, 0) == j->pid) {
				struct rusage now;

				getrusage(RUSAGE_CHILDREN, &now);
				finish_job(j, status, &before, &now);
			}
			else if (errno != EINTR) {
				perror("waitpid");
				exit(2);
			}
		}
		print_job(j, (unsigned)i + 1, verbose);
		j->failed ? (*failed)++ : (*passed)++;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: test_hvo [-l|--list] [-v] [-t NAME] [--shard K/N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int list = 0, verbose = 0;
	unsigned passed = 0, failed = 0, shard = 0, nr_shards = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--list"))
			list = 1;
		else if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--shard") && i + 1 < argc) {
			char extra;
			if (sscanf(argv[++i], "%u/%u%c", &shard, &nr_shards, &extra) != 2 ||
			    !nr_shards || nr_shards > 1024 || shard >= nr_shards)
				usage();
		} else
			usage();
	}
	collect_jobs(only);
	read_times();
	deal_shards(nr_shards);
	if (list) {
		for (size_t i = 0; i < nr_jobs; i++)
			if (jobs[i].shard == (int)shard)
				printf("%s%s\n", jobs[i].name,
				       jobs[i].kind == JOB_NOFOLDER ? " (missing or empty folder)" : "");
	} else {
		run_jobs(shard, verbose, &passed, &failed);
		printf("%u passed, %u failed\n", passed, failed);
		if (!only)
			write_times(shard, nr_shards);
	}
	for (size_t i = 0; i < nr_jobs; i++) {
		free(jobs[i].name);
		free(jobs[i].output);
	}
	free(jobs);
	if (list)
		return 0;
	return failed ? 1 : 0;
}
