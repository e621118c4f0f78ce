// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault sweep (see sweep.h).
 */
#include <string.h>

#include "sim/check.h"
#include "cli/scenario.h"
#include "cli/sweep.h"

struct one_run {
	int status;
	uint64_t seen, injected;
	bool booted;
	uint64_t violations;
	char first[200];
};

static void run_once(const char *name, const char *buf, size_t len,
		     const struct fault_attr *fa, struct one_run *r)
{
	struct scenario sc;
	FILE *sink = fopen("/dev/null", "w");
	struct check_report *rep = malloc(sizeof(*rep));

	memset(r, 0, sizeof(*r));
	scenario_init(&sc, name, sink, sink);
	sc.quiet = true;
	sc.sweeping = true;
	sc.fault = *fa;
	r->status = scenario_run_buffer(&sc, buf, len);
	r->violations = sc.nr_check_fail;
	if (sc.m) {
		r->seen = sc.m->fault.nr_seen;
		r->injected = sc.m->fault.nr_injected;
		r->booted = sc.m->phase == PHASE_RUNNING;
		if (r->booted && mm_check(sc.m, rep)) {
			r->violations++;
			snprintf(r->first, sizeof(r->first), "%s", rep->lines[0]);
		} else if (sc.nr_check_fail) {
			snprintf(r->first, sizeof(r->first), "a 'check' command failed");
		}
	}
	free(rep);
	scenario_destroy(&sc);
	fclose(sink);
}

int fault_sweep(const char *name, const char *buf, size_t len,
		const struct sweep_opts *o, struct sweep_result *res, FILE *log)
{
	struct fault_attr fa;
	struct one_run r;
	uint64_t step = 1;

	memset(res, 0, sizeof(*res));
	fault_attr_init(&fa);
	if (o->site_mask)
		fa.site_mask = o->site_mask;
	fa.min_order = o->min_order;
	run_once(name, buf, len, &fa, &r);
	if (r.status == 2 && r.booted) /* the scenario is bad, not the kernel */
		return 2;
	if (r.violations) {
		fprintf(log, "%s: the clean run already violates an invariant: %s\n", name, r.first);
		res->violations++;
	}
	res->allocations = r.seen;
	if (o->max_runs && r.seen > o->max_runs)
		step = DIV_ROUND_UP(r.seen, o->max_runs);
	for (int mode = 0; mode < 2; mode++) {
		if ((mode == 0 && !o->transient) || (mode == 1 && !o->persistent))
			continue;
		for (uint64_t n = 1; n <= res->allocations; n += step) {
			fa.fail_nth = n;
			fa.persistent = mode == 1;
			run_once(name, buf, len, &fa, &r);
			res->runs++;
			res->injected += r.injected;
			if (!r.booted)
				res->panics++;
			if (r.violations) {
				res->violations++;
				fprintf(log, "%s: fail allocation %llu (%s): %s\n", name,
					(unsigned long long)n, mode ? "persistent" : "transient", r.first);
			} else if (o->verbose) {
				fprintf(log, "%s: fail allocation %llu (%s): ok%s\n", name,
					(unsigned long long)n, mode ? "persistent" : "transient",
					r.booted ? "" : " (boot failed: panic)");
			}
			if (!r.injected) /* nothing failed: later N cannot either */
				break;
		}
	}
	return 0;
}
