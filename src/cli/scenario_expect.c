// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters in scenarios: `snapshot [LABEL]` remembers every counter,
 * `expect NAME[+NAME..] [since LABEL] OP VALUE` compares a sum of counters,
 * or its change since a snapshot, with a value.
 */
#include <string.h>

#include "arch/mmu.h"
#include "cli/report.h"
#include "cli/scenario_cmds.h"
#include "lib/parse.h"
#include "mm/dax.h"
#include "mm/hugetlb.h"
#include "mm/memory_hotplug.h"
#include "mm/page.h"
#include "mm/vmstat.h"
#include "sim/check.h"
#include "sim/sim.h"

/* ---- snapshot / expect ---- */

static void snapshot_add(struct counter_snapshot *s, const char *name, int64_t v)
{
	if (s->nr == ARRAY_SIZE(s->v))
		return;
	snprintf(s->v[s->nr].name, sizeof(s->v[0].name), "%s", name);
	s->v[s->nr++].val = v;
}

static void snapshot_take(struct machine *m, struct counter_snapshot *s)
{
	char name[64];

	s->nr = 0;
	for (const struct counter_desc *c = counter_table; c->name; c++)
		snapshot_add(s, c->name, c->get(m));
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		static const char *const f[] = { "nr_hugepages", "free_hugepages", "surplus_hugepages" };
		unsigned long long kb = (m->geo.page_size << m->hstates[i].order) >> 10;
		for (unsigned k = 0; k < 3; k++) {
			int64_t v;
			snprintf(name, sizeof(name), "hugepages-%llukB/%s", kb, f[k]);
			if (!counter_get(m, name, &v))
				snapshot_add(s, name, v);
		}
	}
}

static struct counter_snapshot *snapshot_find(struct scenario *sc, const char *label)
{
	for (unsigned i = 0; i < sc->nr_snapshots; i++)
		if (!strcmp(sc->snapshots[i]->label, label))
			return sc->snapshots[i];
	return NULL;
}

int cmd_snapshot(struct scenario *sc, int argc, char **argv, const char *rest)
{
	const char *label = argc > 1 ? argv[1] : "last";
	struct counter_snapshot *s;
	(void)rest;

	if (argc > 2 || strlen(label) >= sizeof(s->label))
		return sc_error(sc, "snapshot: expected an optional LABEL (up to 31 characters)");
	if (need_booted(sc, "snapshot"))
		return -EINVAL;
	s = snapshot_find(sc, label);
	if (!s) {
		if (sc->nr_snapshots == MAX_SNAPSHOTS)
			return sc_error(sc, "snapshot: more than %d labels", MAX_SNAPSHOTS);
		s = calloc(1, sizeof(*s));
		if (!s)
			return sc_error(sc, "host out of memory");
		snprintf(s->label, sizeof(s->label), "%s", label);
		sc->snapshots[sc->nr_snapshots++] = s;
	}
	snapshot_take(sc->m, s);
	return 0;
}

static bool compare(int64_t a, const char *op, int64_t b, bool *ok)
{
	if (!strcmp(op, "=="))
		*ok = a == b;
	else if (!strcmp(op, "!="))
		*ok = a != b;
	else if (!strcmp(op, "<"))
		*ok = a < b;
	else if (!strcmp(op, "<="))
		*ok = a <= b;
	else if (!strcmp(op, ">"))
		*ok = a > b;
	else if (!strcmp(op, ">="))
		*ok = a >= b;
	else
		return false;
	return true;
}

/* The digits of @name from @from up to @to, as a strict number below @max. */
static bool strict_part(const char *from, const char *to, uint64_t max)
{
	char num[32];
	uint64_t v;

	if (to <= from || (size_t)(to - from) >= sizeof(num))
		return false;
	memcpy(num, from, (size_t)(to - from));
	num[to - from] = '\0';
	return !parse_u64(num, &v) && v < max;
}

/*
 * The numbers in nodeN/ and hugepages-NkB/ are whole numbers: "node-1/"
 * or "node4294967296/" is no node (not the whole machine, not node 0).
 */
static bool counter_name_strict(const char *name)
{
	const char *end;

	if (!strncmp(name, "node", 4) && (end = strchr(name, '/'))) {
		if (!strict_part(name + 4, end, MAX_NUMNODES))
			return false;
		name = end + 1;
	}
	if (!strncmp(name, "hugepages-", 10) && (end = strstr(name, "kB/")))
		return strict_part(name + 10, end, UINT64_MAX);
	return true;
}

/* Value of NAME or NAME+NAME+... now (@s NULL) or at snapshot @s. */
static int counter_sum(struct scenario *sc, const char *expr,
		       const struct counter_snapshot *s, int64_t *out)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(expr) >= sizeof(buf))
		return sc_error(sc, "expect: counter expression too long");
	strcpy(buf, expr);
	*out = 0;
	for (tok = strtok_r(buf, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		int64_t v;
		if (!counter_name_strict(tok) || counter_get(sc->m, tok, &v))
			return sc_error(sc, "expect: unknown counter '%s' (see 'show vmstat' and 'show meminfo')", tok);
		if (s) {
			unsigned i;
			for (i = 0; i < s->nr && strcmp(s->v[i].name, tok); i++)
				;
			if (i == s->nr)
				return sc_error(sc, "expect: counter '%s' did not exist at snapshot '%s'",
						tok, s->label);
			v = s->v[i].val;
		}
		*out += v;
	}
	if (!*expr || expr[strlen(expr) - 1] == '+' || strstr(expr, "++") || *expr == '+')
		return sc_error(sc, "expect: malformed counter sum '%s'", expr);
	return 0;
}

int cmd_expect(struct scenario *sc, int argc, char **argv, const char *rest)
{
	const char *name, *op, *valstr, *label = NULL;
	int64_t actual, want, before = 0;
	bool ok;
	(void)rest;

	if (argc == 4) {
		name = argv[1]; op = argv[2]; valstr = argv[3];
	} else if (argc == 6 && !strcmp(argv[2], "since")) {
		name = argv[1]; label = argv[3]; op = argv[4]; valstr = argv[5];
	} else {
		return sc_error(sc, "expect: expected NAME[+NAME...] [since LABEL] OP VALUE");
	}
	if (need_booted(sc, "expect"))
		return -EINVAL;
	if (parse_s64(valstr, &want))
		return sc_error(sc, "expect: '%s' is not an integer", valstr);
	if (!compare(0, op, 0, &ok))
		return sc_error(sc, "expect: unknown operator '%s' (expected == != < <= > >=)", op);
	if (counter_sum(sc, name, NULL, &actual))
		return -EINVAL;
	if (label) {
		struct counter_snapshot *s = snapshot_find(sc, label);
		if (!s)
			return sc_error(sc, "expect: no snapshot named '%s'", label);
		if (counter_sum(sc, name, s, &before))
			return -EINVAL;
		actual -= before;
	}
	compare(actual, op, want, &ok);
	if (ok) {
		sc->nr_expect_ok++;
		return 0;
	}
	sc->nr_expect_fail++;
	if (sc->sweeping)
		return 0; /* injected failures change the numbers: not a verdict */
	if (label)
		fprintf(sc->err, "%s:%u: expect failed: %s since %s: %+lld (%lld -> %lld), expected %s %lld\n",
			sc->file, sc->line, name, label, (long long)actual, (long long)before,
			(long long)(before + actual), op, (long long)want);
	else
		fprintf(sc->err, "%s:%u: expect failed: %s is %lld, expected %s %lld\n",
			sc->file, sc->line, name, (long long)actual, op, (long long)want);
	return 0;
}

