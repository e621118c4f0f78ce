// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo plan [--json] [--host | FILE] SIZE=COUNT..`: what a HugeTLB pool
 * would save and cost on a machine (this host, or the machine, cmdline
 * and design lines of FILE), in every design and in the machine's own
 * generation.  Nothing is computed by formula: for each generation the
 * simulator boots the machine three times, without the pool, with the pool
 * on the kernel command line (hugepagesz= hugepages= with HVO on), and
 * without it but grown at run time with HVO on, and the plan is the
 * difference of their counters: vmemmap pages freed, page-table pages, the
 * boot memmap peak, whether the boot runs out of memory before HVO can
 * free anything, and the kernel's work (PMD splits, PTE writes, TLB
 * flushes, RCU grace periods).
 */
#include <string.h>

#include "cli/cli.h"
#include "cli/limits.h"
#include "cli/host.h"
#include "cli/scenario.h"
#include "lib/escape.h"
#include "lib/parse.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

#define MAX_REQ 4
#define MAX_PLAN_GENS 8

struct plan_req {
	uint64_t size, count;
};

static const char *const plan_counters[] = {
	"nr_memmap_pages", "nr_memmap_boot_pages", "vmemmap_pgtable_pages",
	"memmap_boot_peak", "nr_pmd_splits", "nr_pte_writes", "nr_tlb_flush_all",
	"nr_tlb_flush_range", "nr_synchronize_rcu", "MemTotal", "nr_vmemmap_optimized",
};
enum { P_MEMMAP, P_BOOT, P_PGTABLE, P_PEAK, P_SPLITS, P_PTES, P_FLUSH_ALL,
       P_FLUSH_RANGE, P_RCU, P_MEMTOTAL, P_OPTIMIZED, NR_P };

/* One boot of the plan: its counters and pools, or why it failed. */
struct plan_run {
	bool ok;
	char error[512];
	int64_t c[NR_P];
	int64_t got[MAX_REQ];
};

struct plan {
	const char *source;
	char *machine;          /* machine, design and the other cmdline words */
	char cmdline[1024];     /* the machine's cmdline minus HugeTLB pool words */
	const char *own;        /* the generation its design line names */
	unsigned nr_req;
	struct plan_req req[MAX_REQ];
	bool json;
};

static void pool_name(uint64_t size, char *buf, size_t len)
{
	snprintf(buf, len, "hugepages-%llukB/nr_hugepages", (unsigned long long)(size >> 10));
}

/* Boot @text in @gen; the counters and pool sizes, or the error line. */
static void plan_boot(const struct plan *p, const char *text,
		      const struct hvo_generation *gen, struct plan_run *r)
{
	char *errbuf = NULL;
	size_t errlen = 0;
	FILE *err = open_memstream(&errbuf, &errlen);
	int status;
	struct machine *m;

	memset(r, 0, sizeof(*r));
	if (!err) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return;
	}
	m = scenario_boot_quietly(p->source, text, strlen(text), gen, err, &status);
	fclose(err);
	if (!m) {
		char *nl = errbuf ? strchr(errbuf, '\n') : NULL;
		const char *why = errbuf ? strstr(errbuf, "boot failed: ") : NULL;
		if (nl)
			*nl = '\0';
		/* the line of the generated scenario means nothing to the user */
		snprintf(r->error, sizeof(r->error), "%s",
			 why ? why + 13 : errbuf ? errbuf : "boot failed");
		free(errbuf);
		return;
	}
	free(errbuf);
	r->ok = true;
	for (unsigned k = 0; k < NR_P; k++)
		counter_get(m, plan_counters[k], &r->c[k]);
	for (unsigned i = 0; i < p->nr_req; i++) {
		char name[64];
		pool_name(p->req[i].size, name, sizeof(name));
		counter_get(m, name, &r->got[i]);
	}
	machine_destroy(m);
}

/* The three scenarios of one generation: base, pool at boot, at run time. */
static void plan_generation(const struct plan *p, const struct hvo_generation *gen,
			    struct plan_run runs[3])
{
	char text[8192], words[512] = "", grow[512] = "", sz[32];
	size_t n = 0, g = 0;

	for (unsigned i = 0; i < p->nr_req; i++) {
		format_size(p->req[i].size, sz, sizeof(sz));
		n += (size_t)snprintf(words + n, sizeof(words) - n, " hugepagesz=%s hugepages=%llu",
				      sz, (unsigned long long)p->req[i].count);
		g += (size_t)snprintf(grow + g, sizeof(grow) - g, "hugepages %s %llu\n", sz,
				      (unsigned long long)p->req[i].count);
	}
	snprintf(text, sizeof(text), "%scmdline %s hugetlb_free_vmemmap=on\nboot\n",
		 p->machine, p->cmdline);
	plan_boot(p, text, gen, &runs[0]);
	snprintf(text, sizeof(text), "%scmdline %s%s hugetlb_free_vmemmap=on\nboot\n",
		 p->machine, p->cmdline, words);
	plan_boot(p, text, gen, &runs[1]);
	snprintf(text, sizeof(text), "%scmdline %s hugetlb_free_vmemmap=on\nboot\n%s",
		 p->machine, p->cmdline, grow);
	plan_boot(p, text, gen, &runs[2]);
}

static int64_t memmap_sum(const struct plan_run *r)
{
	return r->c[P_MEMMAP] + r->c[P_BOOT];
}

/* What a run changed against the run without a pool, as both reports show it. */
struct plan_delta {
	long long freed, pgtable, peak, boot, memmap, memtotal_kb;
	long long optimized, splits, ptes, flushes, flush_all, rcu;
};

static struct plan_delta plan_delta(const struct plan_run *base, const struct plan_run *r)
{
	return (struct plan_delta){
		.freed = (long long)(memmap_sum(base) - memmap_sum(r)),
		.pgtable = (long long)(r->c[P_PGTABLE] - base->c[P_PGTABLE]),
		.peak = (long long)r->c[P_PEAK],
		.boot = (long long)r->c[P_BOOT],
		.memmap = (long long)r->c[P_MEMMAP],
		.memtotal_kb = (long long)(r->c[P_MEMTOTAL] - base->c[P_MEMTOTAL]),
		.optimized = (long long)r->c[P_OPTIMIZED],
		.splits = (long long)(r->c[P_SPLITS] - base->c[P_SPLITS]),
		.ptes = (long long)(r->c[P_PTES] - base->c[P_PTES]),
		.flushes = (long long)(r->c[P_FLUSH_ALL] + r->c[P_FLUSH_RANGE] -
				       base->c[P_FLUSH_ALL] - base->c[P_FLUSH_RANGE]),
		.flush_all = (long long)(r->c[P_FLUSH_ALL] - base->c[P_FLUSH_ALL]),
		.rcu = (long long)(r->c[P_RCU] - base->c[P_RCU]),
	};
}

static void print_run_text(const struct plan *p, const char *when,
			   const struct plan_run *base, const struct plan_run *r)
{
	struct plan_delta d = plan_delta(base, r);
	char sz[32];

	printf("  %s:\n", when);
	if (!r->ok) {
		printf("    boot fails: %s\n", r->error);
		printf("    (out of memory before HVO can free anything)\n");
		return;
	}
	for (unsigned i = 0; i < p->nr_req; i++) {
		format_size(p->req[i].size, sz, sizeof(sz));
		if ((uint64_t)r->got[i] < p->req[i].count)
			printf("    HugeTLB: allocating %llu of page size %s failed.  Only allocated %lld hugepages.\n",
			       (unsigned long long)p->req[i].count, sz, (long long)r->got[i]);
		else
			printf("    HugeTLB: %s pool of %lld pages\n", sz, (long long)r->got[i]);
	}
	printf("    vmemmap: %lld pages freed (%lld MiB), %lld folios optimized; page tables %+lld pages\n",
	       d.freed, d.freed * 4 / 1024, d.optimized, d.pgtable);
	printf("    memmap: boot peak %lld pages (%lld MiB), after %lld boot + %lld buddy pages; MemTotal %+lld kB\n",
	       d.peak, d.peak * 4 / 1024, d.boot, d.memmap, d.memtotal_kb);
	printf("    work: %lld PMD splits, %lld PTE writes, %lld TLB flushes (%lld full), %lld RCU grace periods\n",
	       d.splits, d.ptes, d.flushes, d.flush_all, d.rcu);
}

static void print_run_json(const struct plan *p, const char *when,
			   const struct plan_run *base, const struct plan_run *r)
{
	struct plan_delta d = plan_delta(base, r);

	printf("\"%s\": {\"boots\": %s", when, r->ok ? "true" : "false");
	if (!r->ok) {
		printf(", \"error\": \"");
		fput_json_string(stdout, r->error);
		printf("\"}");
		return;
	}
	printf(", \"pages\": {");
	for (unsigned i = 0; i < p->nr_req; i++)
		printf("%s\"%llukB\": %lld", i ? ", " : "",
		       (unsigned long long)(p->req[i].size >> 10), (long long)r->got[i]);
	printf("}, \"vmemmap_pages_freed\": %lld, \"pgtable_pages\": %lld, "
	       "\"memmap_boot_peak\": %lld, \"nr_memmap_boot_pages\": %lld, \"nr_memmap_pages\": %lld, "
	       "\"MemTotal_change_kB\": %lld, \"pmd_splits\": %lld, \"pte_writes\": %lld, "
	       "\"tlb_flushes\": %lld, \"tlb_flush_all\": %lld, \"rcu_grace_periods\": %lld}",
	       d.freed, d.pgtable, d.peak, d.boot, d.memmap, d.memtotal_kb, d.splits, d.ptes,
	       d.flushes, d.flush_all, d.rcu);
}

static bool is_pool_word(const char *w)
{
	static const char *const keys[] = { "hugepagesz=", "hugepages=", "default_hugepagesz=",
					    "hugetlb_free_vmemmap=" };
	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strncmp(w, keys[i], strlen(keys[i])))
			return true;
	return false;
}

/* The machine and design lines of @text, and its cmdline minus pool words. */
static int plan_machine(struct plan *p, const char *text)
{
	size_t cap = strlen(text) + 1, n = 0;
	const char *line = text;

	p->machine = calloc(1, cap);
	if (!p->machine)
		return -ENOMEM;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[4096];

		snprintf(buf, sizeof(buf), "%.*s", (int)MIN(len, sizeof(buf) - 1), line);
		buf[strcspn(buf, "#")] = '\0';
		if (!strncmp(buf, "boot", 4))
			break;
		if (!strncmp(buf, "machine ", 8) || !strncmp(buf, "design ", 7)) {
			n += (size_t)snprintf(p->machine + n, cap - n, "%s\n", buf);
			if (!strncmp(buf, "design ", 7))
				p->own = generation_find(strtok(buf + 7, " \t\r")) ?
					generation_find(strtok(buf + 7, " \t\r"))->name : NULL;
		} else if (!strncmp(buf, "cmdline ", 8)) {
			char *save = NULL;
			for (char *w = strtok_r(buf + 8, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save))
				if (!is_pool_word(w) && strlen(p->cmdline) + strlen(w) + 2 < sizeof(p->cmdline))
					strcat(strcat(p->cmdline, " "), w);
		}
		line = end ? end + 1 : line + len;
	}
	return 0;
}

static int plan_source(struct plan *p, bool host, const char *file)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (host) {
		struct host_info *h = malloc(sizeof(*h));
		char err[1200];
		FILE *f;
		if (!h)
			return -ENOMEM;
		if (host_read(host_default_root(), h, err, sizeof(err))) {
			cli_error("%s", err);
			free(h);
			return -EINVAL;
		}
		f = open_memstream(&text, &len);
		if (!f) {
			free(h);
			return -ENOMEM;
		}
		host_print_scenario(h, f);
		fclose(f);
		free(h);
		p->source = "this host";
	} else {
		p->source = file;
		text = load_scenario(&p->source, &len);
		if (!text)
			return -EINVAL;
	}
	ret = plan_machine(p, text);
	free(text);
	if (!ret && !strstr(p->machine, "machine ")) {
		cli_error("hvo plan: %s has no machine line", p->source);
		return -EINVAL;
	}
	return ret;
}

static int plan_args(struct plan *p, int argc, char **argv, bool *host, const char **file)
{
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!strcmp(argv[i], "--json")) {
			p->json = true;
		} else if (!strcmp(argv[i], "--host")) {
			*host = true;
		} else if (eq) {
			char size[32];
			struct plan_req *r = &p->req[p->nr_req];
			snprintf(size, sizeof(size), "%.*s", (int)(eq - argv[i]), argv[i]);
			if (p->nr_req == MAX_REQ || parse_size(size, &r->size) || !r->size ||
			    parse_u64(eq + 1, &r->count) || !r->count) {
				cli_error("hvo plan: '%s': expected SIZE=COUNT such as 1G=16 (at most %d)",
					argv[i], MAX_REQ);
				return -EINVAL;
			}
			p->nr_req++;
		} else if (!*file && argv[i][0] != '-') {
			*file = argv[i];
		} else {
			cli_error("hvo plan: unexpected '%s'", argv[i]);
			return -EINVAL;
		}
	}
	if (*host == !!*file || !p->nr_req) {
		cli_error("hvo plan: expected [--json] (--host | FILE) SIZE=COUNT..");
		return -EINVAL;
	}
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	struct plan p = { 0 };
	bool host = false;
	const char *file = NULL;
	const struct hvo_generation *gens[MAX_PLAN_GENS];
	unsigned nr = 0;

	if (plan_args(&p, argc, argv, &host, &file) || plan_source(&p, host, file)) {
		free(p.machine);
		return 2;
	}
	for (unsigned i = 0; generation_compared(i) && nr < MAX_PLAN_GENS; i++)
		gens[nr++] = generation_compared(i);
	if (p.own && strcmp(p.own, gens[0]->name) && strcmp(p.own, gens[1]->name) &&
	    strcmp(p.own, gens[2]->name))
		gens[nr++] = generation_find(p.own);
	if (p.json)
		printf("{\"source\": \"%s\", \"generations\": [", host ? "host" : "file");
	else
	{
		char sz[32];
		printf("hvo plan for %s:", p.source);
		for (unsigned i = 0; i < p.nr_req; i++)
			printf(" %s x %llu", format_size(p.req[i].size, sz, sizeof(sz)),
			       (unsigned long long)p.req[i].count);
		printf(" (HVO on)%s%s\n", p.cmdline[0] ? ", cmdline" : "", p.cmdline);
	}
	for (unsigned i = 0; i < nr; i++) {
		struct plan_run runs[3];
		bool own = p.own && !strcmp(p.own, gens[i]->name);
		plan_generation(&p, gens[i], runs);
		if (p.json) {
			printf("%s{\"name\": \"%s\", \"own\": %s, ", i ? ", " : "", gens[i]->name,
			       own ? "true" : "false");
			print_run_json(&p, "at_boot", &runs[0], &runs[1]);
			printf(", ");
			print_run_json(&p, "at_run_time", &runs[0], &runs[2]);
			printf("}");
			continue;
		}
		printf("\ndesign %s (%s)%s\n", gens[i]->name, gens[i]->help,
		       own ? ", this machine's generation" : "");
		if (!runs[0].ok) {
			printf("  the machine does not boot: %s\n", runs[0].error);
			continue;
		}
		print_run_text(&p, "pool on the kernel command line (boot)", &runs[0], &runs[1]);
		print_run_text(&p, "pool grown at run time (sysctl on)", &runs[0], &runs[2]);
	}
	if (p.json)
		printf("]}\n");
	free(p.machine);
	return 0;
}
