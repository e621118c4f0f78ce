/*
 * The hvo command line: runs scenario files against the simulator.
 * Exit status: 0 all good, 1 an expect or check failed, 2 bad input.
 */
#include <errno.h>
#include <string.h>

#include "fault.h"
#include "scenario.h"
#include "sweep.h"
#include "vmstat.h"

static const char usage[] =
	"usage: hvo run [--json] [--check] [FILE | -]\n"
	"       hvo sweep [--transient | --persistent] [--site NAME].. [--min-order K]\n"
	"                 [--max-runs N] [-v] FILE\n"
	"       hvo compare FILE\n"
	"       hvo help\n"
	"\n"
	"Simulates Linux's HugeTLB Vmemmap Optimization (HVO) on a simulated\n"
	"machine described by a scenario file (one command per line):\n"
	"\n"
	"  machine mem=SIZE [layout=flat|qemu-pc] [nodes=N | node_mem=S,S,..]\n"
	"          [arch=x86-64|arm64] [page_size=4K|16K|64K]\n"
	"          [struct_page=56|64|72|80] [movablecore=SIZE] [kernel_reserve=SIZE]\n"
	"  cmdline LINUX KERNEL COMMAND LINE   hugepagesz= hugepages= default_hugepagesz=\n"
	"                                     hugetlb_free_vmemmap= movablecore=\n"
	"                                     memory_hotplug.memmap_on_memory=\n"
	"  design legacy|shared-tail|generic  (default generic; variants:\n"
	"                                     legacy-6.12.115 (restore without reset),\n"
	"                                     legacy-6.12.0 (before the 2026 fixes),\n"
	"                                     legacy-6.10 (before bd225530a4c7),\n"
	"                                     shared-tail-622026e87c40 (rollback\n"
	"                                     overwrites the head: before F7))\n"
	"  boot\n"
	"  hugepages SIZE COUNT [node=N]      resize a pool (nr_hugepages)\n"
	"  hotplug add node=N size=S [addr=A] [memmap_on_memory] | remove addr=A size=S\n"
	"  dax create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A]\n"
	"  dax destroy NAME                   (dax0, dax1, ... in creation order)\n"
	"  sysctl vm.nr_hugepages=N | vm.hugetlb_optimize_vmemmap=0|1\n"
	"  show meminfo|vmstat|zoneinfo|hugepages|report|dmesg|pfn N\n"
	"  check [fails]                      run the invariant checker (fails: it must\n"
	"                                     find a violation, for bug scenarios)\n"
	"  snapshot [LABEL]                   remember every counter\n"
	"  expect NAME[+NAME..] [since LABEL] OP VALUE   OP: == != < <= > >=\n"
	"  fault nth=N [persistent] [site=NAME].. [min_order=K] | fault off\n"
	"  poke pfn N | poke huge SIZE INDEX OFFSET   write a struct page (RO faults)\n"
	"  speculative_get pfn N [later]      get_page_unless_zero() as a PFN walker\n"
	"                                     does it (later: during the next command,\n"
	"                                     once a pool growth has remapped pfn N)\n"
	"\n"
	"Without FILE, runs the built-in default scenario (a 4 GiB QEMU guest\n"
	"with 512 2 MiB huge pages and HVO on).  '-' reads standard input.\n"
	"\n"
	"options:\n"
	"  --json    print one JSON object with every counter instead of text\n"
	"  --check   run the invariant checker after every command\n"
	"\n"
	"hvo compare runs FILE once in each design (its own 'design' lines are\n"
	"ignored) and prints the vmemmap counters side by side.\n"
	"\n"
	"hvo sweep runs FILE once to count allocations, then again failing\n"
	"allocation N for every N (transient: only N; persistent: N and later;\n"
	"both by default) and checks every invariant after each run.  Sites:\n"
	"memblock_memmap pgtable vmemmap_head vmemmap_restore shared_tail hugetlb\n"
	"hotplug_memmap kernel.\n"
	"\n"
	"exit status: 0 success, 1 an expect, check or sweep violation, 2 bad input\n";

/* The scenario named on the command line: its text and display name. */
static char *load_scenario(const char **file, size_t *len);

static int cmd_sweep(int argc, char **argv)
{
	struct sweep_opts o = { 0 };
	struct sweep_result res;
	const char *file = NULL;
	char *buf;
	size_t len;
	int ret;

	for (int i = 0; i < argc; i++) {
		enum alloc_site site;
		char *end;
		if (!strcmp(argv[i], "--transient"))
			o.transient = true;
		else if (!strcmp(argv[i], "--persistent"))
			o.persistent = true;
		else if (!strcmp(argv[i], "-v"))
			o.verbose = true;
		else if (!strcmp(argv[i], "--site") && i + 1 < argc &&
			 !alloc_site_parse(argv[i + 1], &site))
			o.site_mask |= 1u << site, i++;
		else if (!strcmp(argv[i], "--min-order") && i + 1 < argc &&
			 (o.min_order = (unsigned)strtoul(argv[i + 1], &end, 10), !*end && *argv[i + 1]))
			i++;
		else if (!strcmp(argv[i], "--max-runs") && i + 1 < argc &&
			 (o.max_runs = strtoull(argv[i + 1], &end, 10), !*end && *argv[i + 1]))
			i++;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "hvo sweep: bad option '%s'\n%s", argv[i], usage);
			return 2;
		} else if (file) {
			fprintf(stderr, "hvo sweep: one scenario file at a time\n");
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		fprintf(stderr, "hvo sweep: a scenario FILE is required\n%s", usage);
		return 2;
	}
	if (!o.transient && !o.persistent)
		o.transient = o.persistent = true;
	buf = load_scenario(&file, &len);
	if (!buf)
		return 2;
	ret = fault_sweep(file, buf, len, &o, &res, stderr);
	free(buf);
	if (ret) {
		fprintf(stderr, "hvo sweep: %s does not run cleanly: fix it with 'hvo run' first\n", file);
		return 2;
	}
	printf("%s: %llu allocations, %llu runs, %llu injected failures, %llu boot panics, %llu violations\n",
	       file, (unsigned long long)res.allocations, (unsigned long long)res.runs,
	       (unsigned long long)res.injected, (unsigned long long)res.panics,
	       (unsigned long long)res.violations);
	return res.violations ? 1 : 0;
}

static const char *const compare_counters[] = {
	"nr_memmap_boot_pages", "nr_memmap_pages", "vmemmap_pgtable_pages",
	"nr_shared_tail_pages", "nr_vmemmap_optimized", "nr_free_pages", "MemTotal",
	"HugePages_Total", "Hugetlb", "nr_synchronize_rcu", "nr_pte_writes",
	"nr_tlb_flush_all", "memmap_init_pages", "mmu_faults",
};

static int cmd_compare(int argc, char **argv)
{
	const char *file = argc == 1 ? argv[0] : NULL;
	int64_t val[NR_DESIGNS][ARRAY_SIZE(compare_counters)];
	int status[NR_DESIGNS];
	char *buf;
	size_t len;
	FILE *sink;

	if (argc != 1 || argv[0][0] == '-' ) {
		fprintf(stderr, "hvo compare: exactly one scenario FILE\n%s", usage);
		return 2;
	}
	buf = load_scenario(&file, &len);
	sink = fopen("/dev/null", "w");
	if (!buf || !sink)
		return 2;
	for (int d = 0; d < NR_DESIGNS; d++) {
		struct scenario sc;
		scenario_init(&sc, file, sink, stderr);
		sc.quiet = true;
		sc.forced_design = d;
		sc.design = (enum hvo_design)d;
		status[d] = scenario_run_buffer(&sc, buf, len);
		for (unsigned k = 0; k < ARRAY_SIZE(compare_counters); k++)
			if (!sc.m || sc.m->phase != PHASE_RUNNING ||
			    counter_get(sc.m, compare_counters[k], &val[d][k]))
				val[d][k] = 0;
		scenario_destroy(&sc);
		if (status[d] == 2) {
			free(buf);
			fclose(sink);
			return 2;
		}
	}
	fclose(sink);
	free(buf);
	printf("%-24s %14s %14s %14s\n", "counter", "legacy", "shared-tail", "generic");
	for (unsigned k = 0; k < ARRAY_SIZE(compare_counters); k++)
		printf("%-24s %14lld %14lld %14lld\n", compare_counters[k], (long long)val[0][k],
		       (long long)val[1][k], (long long)val[2][k]);
	printf("%-24s %14s %14s %14s\n", "expects and checks", status[0] ? "FAILED" : "ok",
	       status[1] ? "FAILED" : "ok", status[2] ? "FAILED" : "ok");
	return status[0] || status[1] || status[2];
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
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
	return NULL;
}

static int cmd_run(int argc, char **argv)
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
			fprintf(stderr, "hvo run: unknown option '%s'\n%s", argv[i], usage);
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

static char *load_scenario(const char **file, size_t *len)
{
	char *buf;

	if (!*file) {
		buf = strdup(default_scenario);
		*len = buf ? strlen(buf) : 0;
		*file = "<default>";
	} else if (!strcmp(*file, "-")) {
		buf = read_all(stdin, len);
		*file = "<stdin>";
	} else {
		FILE *f = fopen(*file, "r");
		if (!f) {
			fprintf(stderr, "hvo: %s: %s\n", *file, strerror(errno));
			return NULL;
		}
		buf = read_all(f, len);
		fclose(f);
	}
	if (!buf)
		fprintf(stderr, "hvo: %s: cannot read\n", *file);
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 2, argv + 2);
	if (!strcmp(argv[1], "compare"))
		return cmd_compare(argc - 2, argv + 2);
	fprintf(stderr, "hvo: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
