// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault sweep (see sweep.h): the clean run, the fork pass and the replay
 * pass, and the report of each run (log lines, JSON lines, the totals).
 * The fork pass reaches "before allocation N" through the fault
 * attribute's hook, which the choke point (mm/alloc.c, lib/fault.c) calls
 * at every counted allocation.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/check.h"
#include "cli/scenario.h"
#include "cli/sweep.h"

struct one_run {
	int status;
	uint64_t seen, injected;
	bool booted;
	bool checked; /* the scenario's last `check` stood for the final one */
	uint64_t violations;
	char first[200];
};

/* A forked run the parent has not collected yet. */
struct pending_run {
	pid_t pid;
	int fd;     /* the parent's end of its result pipe */
	uint64_t n; /* the allocation it fails */
};

struct sweep_ctx {
	const char *name;
	const char *buf;
	size_t len;
	const struct sweep_opts *o;
	struct sweep_result *res;
	FILE *log;
	struct fault_attr base; /* the filters, nothing injected */
	uint64_t step;          /* run every step-th allocation point */
	bool persistent;        /* the mode of this pass */
	bool child;             /* this process is a forked run */
	int fd;                 /* the child's end of its result pipe */
	int error;              /* fork or pipe failed: errno */
	/* forked runs not yet collected, oldest first (at most jobs) */
	struct pending_run *pending;
	unsigned jobs, nr_pending, first_pending;
};

static const char *mode_name(bool persistent)
{
	return persistent ? "persistent" : "transient";
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the parent then sees a short result */
		c += w;
		n -= (size_t)w;
	}
}

/* A forked run is over: hand the result to the parent and leave at once. */
static _Noreturn void child_report(struct sweep_ctx *ctx, const struct one_run *r)
{
	write_all(ctx->fd, r, sizeof(*r));
	_exit(0); /* no atexit handlers, no leak report, no stdio flush */
}

/*
 * Run the scenario with @fa, its output discarded and its error messages
 * on @err, then check the final machine.  In a forked child this does not
 * return: the result goes to the parent.
 */
static void run_once(struct sweep_ctx *ctx, const struct fault_attr *fa,
		     struct one_run *r, FILE *err)
{
	struct scenario sc;
	FILE *sink = fopen("/dev/null", "w");
	struct check_report *rep = malloc(sizeof(*rep));

	memset(r, 0, sizeof(*r));
	if (!sink || !rep) {
		r->status = 2;
		fprintf(err, "hvo sweep: host out of memory or no /dev/null\n");
		goto out;
	}
	scenario_init(&sc, ctx->name, sink, err ? err : sink);
	sc.quiet = true;
	sc.sweeping = true;
	sc.fault = *fa;
	r->status = scenario_run_buffer(&sc, ctx->buf, ctx->len);
	r->violations = sc.nr_check_fail;
	if (sc.m) {
		r->seen = sc.m->fault.nr_seen;
		r->injected = sc.m->fault.nr_injected;
		r->booted = sc.m->phase == PHASE_RUNNING;
		/* the scenario's own last `check` saw this very machine */
		bool checked = sc.checked_at && sc.checked_at == sc.nr_commands &&
			       !ctx->o->recheck;

		r->checked = r->booted && checked;
		if (r->booted && !checked && mm_check(sc.m, rep)) {
			r->violations++;
			snprintf(r->first, sizeof(r->first), "%s", rep->lines[0]);
		} else if (sc.nr_check_fail) {
			snprintf(r->first, sizeof(r->first), "a 'check' command failed");
		}
	}
	if (ctx->child)
		child_report(ctx, r);
	scenario_destroy(&sc);
out:
	free(rep);
	if (sink)
		fclose(sink);
}

/* @s as the inside of a JSON string. */
static void json_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

/* One JSON line for the run failing allocation @n (0: the clean run). */
static void json_run(struct sweep_ctx *ctx, uint64_t n, const char *mode,
		     const struct one_run *r)
{
	FILE *out = ctx->o->json;
	const char *outcome = r->violations ? "violation" : !r->booted ? "panic" : "ok";

	fputs("{\"file\": \"", out);
	json_escaped(out, ctx->name);
	fprintf(out, "\", \"n\": %llu, \"mode\": \"%s\", \"outcome\": \"%s\", \"injected\": %llu, "
		"\"panic\": %s, \"violations\": %llu, \"message\": \"",
		(unsigned long long)n, mode, outcome, (unsigned long long)r->injected,
		r->booted ? "false" : "true", (unsigned long long)r->violations);
	json_escaped(out, r->first);
	fputs("\"}\n", out);
}

static void json_summary(struct sweep_ctx *ctx)
{
	const struct sweep_result *res = ctx->res;
	FILE *out = ctx->o->json;

	fputs("{\"file\": \"", out);
	json_escaped(out, ctx->name);
	fprintf(out, "\", \"summary\": true, \"shard\": \"%llu/%llu\", \"allocations\": %llu, "
		"\"runs\": %llu, \"injected\": %llu, \"panics\": %llu, \"violations\": %llu}\n",
		(unsigned long long)(ctx->o->shard_n ? ctx->o->shard_k : 1),
		(unsigned long long)(ctx->o->shard_n ? ctx->o->shard_n : 1),
		(unsigned long long)res->allocations, (unsigned long long)res->runs,
		(unsigned long long)res->injected, (unsigned long long)res->panics,
		(unsigned long long)res->violations);
}

/* Count the run that failed allocation @n, and say what it found. */
static void report_run(struct sweep_ctx *ctx, uint64_t n, const struct one_run *r)
{
	const char *mode = mode_name(ctx->persistent);

	ctx->res->runs++;
	ctx->res->injected += r->injected;
	ctx->res->final_checks_skipped += r->checked;
	if (!r->booted)
		ctx->res->panics++;
	if (r->violations) {
		ctx->res->violations++;
		fprintf(ctx->log, "%s: fail allocation %llu (%s): %s\n", ctx->name,
			(unsigned long long)n, mode, r->first);
	} else if (ctx->o->verbose) {
		fprintf(ctx->log, "%s: fail allocation %llu (%s): ok%s\n", ctx->name,
			(unsigned long long)n, mode, r->booted ? "" : " (boot failed: panic)");
	}
	if (ctx->o->json) {
		json_run(ctx, n, mode, r);
		fflush(ctx->o->json); /* next to the log lines, whatever -j */
	}
}

/* Is allocation @n one this sweep (and this shard of it) runs? */
static bool selected(const struct sweep_ctx *ctx, uint64_t n)
{
	uint64_t point;

	if (n < 1 || n > ctx->res->allocations || (n - 1) % ctx->step)
		return false;
	point = (n - 1) / ctx->step; /* 0-based index among the points */
	return !ctx->o->shard_n || point % ctx->o->shard_n == ctx->o->shard_k - 1;
}

/*
 * The run without injection.  It must boot and end without an error;
 * otherwise the sweep stops with the scenario's own message, since no run
 * with a failure injected could say anything about the kernel.
 */
static int clean_run(struct sweep_ctx *ctx)
{
	char *msg = NULL;
	size_t msg_len = 0;
	FILE *err = open_memstream(&msg, &msg_len);
	struct one_run r;

	if (!err) {
		fprintf(ctx->log, "hvo sweep: host out of memory\n");
		return 2;
	}
	run_once(ctx, &ctx->base, &r, err);
	fclose(err);
	if (r.status == 2 || !r.booted) {
		msg[strcspn(msg, "\n")] = '\0'; /* its one line */
		fprintf(ctx->log, "hvo sweep: %s does not run cleanly without injection: %s\n",
			ctx->name, r.status == 2 ? msg : "it boots no machine (put 'boot' in it)");
		free(msg);
		return 2;
	}
	free(msg);
	ctx->res->allocations = r.seen;
	if (r.violations && (!ctx->o->shard_n || ctx->o->shard_k == 1)) {
		fprintf(ctx->log, "%s: the clean run already violates an invariant: %s\n",
			ctx->name, r.first);
		ctx->res->violations++;
		if (ctx->o->json)
			json_run(ctx, 0, "clean", &r);
	}
	return 0;
}

/* Every chosen allocation of one mode, each run from the start. */
static void replay_pass(struct sweep_ctx *ctx)
{
	struct fault_attr fa = ctx->base;
	struct one_run r;

	for (uint64_t n = 1; n <= ctx->res->allocations; n += ctx->step) {
		if (!selected(ctx, n))
			continue;
		fa.fail_nth = n;
		fa.persistent = ctx->persistent;
		run_once(ctx, &fa, &r, NULL);
		report_run(ctx, n, &r);
		if (!r.injected) /* nothing failed: later N cannot either */
			break;
	}
}

/* Read a child's result; a child that died before writing counts as a violation. */
static void collect_child(pid_t pid, int fd, struct one_run *r)
{
	size_t got = 0;
	int wstatus = 0;

	while (got < sizeof(*r)) {
		ssize_t n = read(fd, (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(*r) && WIFEXITED(wstatus) && !WEXITSTATUS(wstatus))
		return;
	memset(r, 0, sizeof(*r));
	r->booted = true;
	r->injected = 1;
	r->violations = 1;
	if (WIFSIGNALED(wstatus))
		snprintf(r->first, sizeof(r->first), "the run died: signal %d (%s)",
			 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(r->first, sizeof(r->first), "the run ended with exit status %d and no result",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
}

/* Collect and report the oldest forked run still pending. */
static void collect_oldest(struct sweep_ctx *ctx)
{
	struct pending_run *pr = &ctx->pending[ctx->first_pending];
	struct one_run r;

	collect_child(pr->pid, pr->fd, &r);
	close(pr->fd);
	report_run(ctx, pr->n, &r);
	ctx->first_pending = (ctx->first_pending + 1) % ctx->jobs;
	ctx->nr_pending--;
}

/* Queue a forked run; with jobs runs pending, collect the oldest. */
static void add_pending(struct sweep_ctx *ctx, pid_t pid, int fd, uint64_t n)
{
	unsigned jobs = ctx->jobs;

	ctx->pending[(ctx->first_pending + ctx->nr_pending) % jobs] =
		(struct pending_run){ pid, fd, n };
	ctx->nr_pending++;
	if (ctx->nr_pending == jobs)
		collect_oldest(ctx);
}

/* In a new child: the other runs' pipes are none of its business. */
static void forget_pending(struct sweep_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->nr_pending; i++)
		close(ctx->pending[(ctx->first_pending + i) % ctx->jobs].fd);
	ctx->nr_pending = 0;
}

/*
 * The fault hook of the fork pass, at allocation fa->nr_seen.  The parent
 * forks one run and lets the allocation succeed, with up to jobs runs
 * going at once; results are collected and reported oldest first, so in
 * allocation order whatever finishes first.  The child makes allocation
 * N (and in persistent mode every later one) fail and goes on to the end
 * of the scenario, where run_once() hands its result back.
 */
static void fork_point(struct fault_attr *fa, void *arg)
{
	struct sweep_ctx *ctx = arg;
	uint64_t n = fa->nr_seen;
	int p[2];
	pid_t pid;

	if (!selected(ctx, n))
		return;
	if (pipe(p)) {
		ctx->error = errno;
		fa->hook = NULL;
		return;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid = fork();
	if (pid < 0) {
		ctx->error = errno;
		fa->hook = NULL;
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		forget_pending(ctx);
		ctx->child = true;
		ctx->fd = p[1];
		fa->hook = NULL;
		fa->fail_nth = n;
		fa->persistent = ctx->persistent;
		return;
	}
	close(p[1]);
	add_pending(ctx, pid, p[0], n);
}

/* Every chosen allocation of one mode, from one run that forks at each. */
static int fork_pass(struct sweep_ctx *ctx)
{
	struct fault_attr fa = ctx->base;
	struct one_run r;

	fa.hook = fork_point;
	fa.hook_arg = ctx;
	run_once(ctx, &fa, &r, NULL);
	while (ctx->nr_pending)
		collect_oldest(ctx);
	if (ctx->error) {
		fprintf(ctx->log, "hvo sweep: %s: cannot start a run: %s\n", ctx->name,
			strerror(ctx->error));
		return 2;
	}
	if (r.seen != ctx->res->allocations) {
		fprintf(ctx->log, "hvo sweep: %s is not deterministic: %llu allocations, then %llu\n", ctx->name,
			(unsigned long long)ctx->res->allocations, (unsigned long long)r.seen);
		return 2;
	}
	return 0;
}

int fault_sweep(const char *name, const char *buf, size_t len,
		const struct sweep_opts *o, struct sweep_result *res, FILE *log)
{
	struct sweep_ctx ctx = {
		.name = name, .buf = buf, .len = len, .o = o, .res = res, .log = log,
		.step = 1, .fd = -1,
	};
	int ret = 0;

	memset(res, 0, sizeof(*res));
	ctx.jobs = o->jobs ? o->jobs : 1;
	ctx.pending = calloc(ctx.jobs, sizeof(*ctx.pending));
	if (!ctx.pending) {
		fprintf(log, "hvo sweep: host out of memory\n");
		return 2;
	}
	fault_attr_init(&ctx.base);
	if (o->site_mask)
		ctx.base.site_mask = o->site_mask;
	ctx.base.min_order = o->min_order;
	if (clean_run(&ctx)) {
		free(ctx.pending);
		return 2;
	}
	if (o->max_runs && res->allocations > o->max_runs)
		ctx.step = DIV_ROUND_UP(res->allocations, o->max_runs);
	for (int mode = 0; mode < 2 && !ret; mode++) {
		if ((mode == 0 && !o->transient) || (mode == 1 && !o->persistent))
			continue;
		ctx.persistent = mode == 1;
		if (o->replay)
			replay_pass(&ctx);
		else
			ret = fork_pass(&ctx);
	}
	free(ctx.pending);
	if (!ret && o->json)
		json_summary(&ctx);
	return ret;
}
