/*
 * The hvo command line: runs scenario files against the simulator.
 * Exit status: 0 all good, 1 an expect or check failed, 2 bad input.
 */
#include <errno.h>
#include <string.h>

#include "lib/fault.h"
#include "lib/parse.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "cli/sweep.h"
#include "mm/vmstat.h"

static const char usage[] =
	"usage: hvo run [--json] [--check] [FILE | -]\n"
	"       hvo sweep [--transient | --persistent] [--site NAME].. [--min-order K]\n"
	"                 [--max-runs N] [-v] FILE\n"
	"       hvo compare FILE\n"
	"       hvo explain [--design D] [FILE] pfn N\n"
	"       hvo plot [--design D] [--out F.svg] [FILE] strip [pfn=START] [count=N]\n"
	"       hvo plot [--out F.svg] chart\n"
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
	"                                     memhp_default_state=online|online_movable\n"
	"                                     hvo_share_pte=on|off (not in any kernel:\n"
	"                                     shared-tail and generic share one PTE\n"
	"                                     table per zone and order among gigantic\n"
	"                                     folios whose vmemmap spans 2+ PMDs)\n"
	"  design legacy|shared-tail|generic  (default generic; variants:\n"
	"                                     legacy-6.12.115 (restore without reset),\n"
	"                                     legacy-6.12.0 (before the 2026 fixes),\n"
	"                                     legacy-6.10 (before bd225530a4c7),\n"
	"                                     legacy-6.5 (also vmemmap pages from\n"
	"                                     the folio's node only: before\n"
	"                                     2eaa6c2abb9d),\n"
	"                                     shared-tail-622026e87c40 (rollback\n"
	"                                     overwrites the head: before the\n"
	"                                     rollback fix))\n"
	"  boot\n"
	"  hugepages SIZE COUNT [node=N]      resize a pool (nr_hugepages)\n"
	"  hotplug add node=N size=S [addr=A] [memmap_on_memory] [movable|kernel]\n"
	"          | remove addr=A size=S      (movable: online into ZONE_MOVABLE,\n"
	"                                     kernel: ZONE_NORMAL; default from\n"
	"                                     memhp_default_state=)\n"
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
	"hvo explain runs FILE (default: the built-in scenario; --design D\n"
	"overrides its design) with its output discarded, then explains pfn N in\n"
	"the final state, as 'show pfn N' does: section, zone and node, the\n"
	"struct page's address, the page-table walk and TLB, the frame behind it\n"
	"and its owner, the decoded struct page, why compound_head() returns what\n"
	"it does, and the huge page it belongs to.  Explaining changes nothing.\n"
	"\n"
	"hvo plot writes SVG (to standard output without --out).  'strip' draws\n"
	"the vmemmap pages holding the struct pages of pfns [START, START+N), one\n"
	"box each, coloured by the frame behind it, with folio boundaries; by\n"
	"default one folio's worth of pfns before the lowest pool folio and four\n"
	"folios.  'chart' boots machines in every design and plots vmemmap plus\n"
	"page tables per TiB of memory for 4K pages (HVO off), 2M and 1G pages.\n"
	"\n"
	"hvo sweep runs FILE once to count allocations, then again failing\n"
	"allocation N for every N (transient: only N; persistent: N and later;\n"
	"both by default) and checks every invariant after each run.  Sites:\n"
	"memblock_memmap pgtable vmemmap_head vmemmap_restore shared_tail shared_pte\n"
	"hugetlb hotplug_memmap kernel.\n"
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
	int status[NR_DESIGNS], refused = 0;
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
		refused += status[d] == 2;
	}
	fclose(sink);
	free(buf);
	/* A design may refuse the scenario (its error is on stderr): "-". */
	if (refused == NR_DESIGNS)
		return 2;
	printf("%-24s %14s %14s %14s\n", "counter", "legacy", "shared-tail", "generic");
	for (unsigned k = 0; k < ARRAY_SIZE(compare_counters); k++) {
		printf("%-24s", compare_counters[k]);
		for (int d = 0; d < NR_DESIGNS; d++) {
			if (status[d] == 2)
				printf(" %14s", "-");
			else
				printf(" %14lld", (long long)val[d][k]);
		}
		printf("\n");
	}
	printf("%-24s", "expects and checks");
	for (int d = 0; d < NR_DESIGNS; d++)
		printf(" %14s", status[d] == 2 ? "refused" : status[d] ? "FAILED" : "ok");
	printf("\n");
	for (int d = 0; d < NR_DESIGNS; d++)
		if (status[d] == 1)
			return 1;
	return 0;
}

/* Options and words of `hvo explain` and `hvo plot`. */
struct look_args {
	int design;          /* -1: the scenario's own */
	unsigned variant;
	const char *out;     /* plot: --out FILE */
	const char *file;    /* NULL: the default scenario */
	char **words;        /* what follows FILE: "pfn N", "strip ...", "chart" */
	int nr_words;
};

/*
 * Parse [--design D] [--out F] [FILE] WORD...; @first_words are the words
 * that may start the command proper (so a FILE is anything before them).
 * One line on stderr and -1 on bad input.
 */
static int parse_look_args(const char *cmd, int argc, char **argv, bool allow_out,
			   const char *const *first_words, struct look_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->design = -1;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--design") && i + 1 < argc) {
			enum hvo_design d;
			if (design_variant_parse(argv[i + 1], &d, &a->variant)) {
				fprintf(stderr, "hvo %s: unknown design '%s' (legacy, shared-tail, generic or a variant)\n",
					cmd, argv[i + 1]);
				return -1;
			}
			a->design = (int)d;
			i++;
		} else if (allow_out && !strcmp(argv[i], "--out") && i + 1 < argc) {
			a->out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] && argv[i][1] == '-') {
			fprintf(stderr, "hvo %s: bad option '%s' (see 'hvo help')\n", cmd, argv[i]);
			return -1;
		} else
			break;
	}
	if (i < argc) {
		bool is_word = false;
		for (const char *const *w = first_words; *w; w++)
			is_word |= !strcmp(argv[i], *w);
		if (!is_word)
			a->file = argv[i++];
	}
	a->words = argv + i;
	a->nr_words = argc - i;
	for (int k = 0; k < a->nr_words; k++)
		if (!strncmp(a->words[k], "--", 2)) {
			fprintf(stderr, "hvo %s: options go before FILE: '%s'\n", cmd, a->words[k]);
			return -1;
		}
	return 0;
}

/* Boot the scenario of @a quietly; NULL after a one-line error. */
static struct machine *look_boot(const struct look_args *a, int *status)
{
	const char *file = a->file;
	struct machine *m;
	size_t len;
	char *buf = load_scenario(&file, &len);

	*status = 2;
	if (!buf)
		return NULL;
	m = scenario_boot_quietly(file, buf, len, a->design, a->variant, stderr, status);
	free(buf);
	return m;
}

static int cmd_explain(int argc, char **argv)
{
	static const char *const words[] = { "pfn", NULL };
	struct look_args a;
	struct machine *m;
	uint64_t pfn;
	int status;

	if (parse_look_args("explain", argc, argv, false, words, &a))
		return 2;
	if (a.nr_words != 2 || strcmp(a.words[0], "pfn")) {
		fprintf(stderr, "hvo explain: expected [--design D] [FILE] pfn N\n");
		return 2;
	}
	if (parse_u64(a.words[1], &pfn)) {
		fprintf(stderr, "hvo explain: '%s' is not a pfn (decimal or 0x hex)\n", a.words[1]);
		return 2;
	}
	m = look_boot(&a, &status);
	if (!m)
		return 2;
	if (show_pfn(m, pfn, stdout)) {
		fprintf(stderr, "hvo explain: pfn %#llx is beyond the end of memory (max pfn %#llx)\n",
			(unsigned long long)pfn, (unsigned long long)m->max_pfn);
		status = 2;
	}
	machine_destroy(m);
	return status;
}

/* Parse `pfn=START count=N` after `strip`; -1 after a one-line error. */
static int parse_strip_words(char **w, int n, bool *have_pfn, uint64_t *pfn,
			     bool *have_count, uint64_t *count)
{
	for (int i = 0; i < n; i++) {
		if (!strncmp(w[i], "pfn=", 4) && !parse_u64(w[i] + 4, pfn))
			*have_pfn = true;
		else if (!strncmp(w[i], "count=", 6) && !parse_u64(w[i] + 6, count) && *count)
			*have_count = true;
		else {
			fprintf(stderr, "hvo plot: strip: bad argument '%s' (expected pfn=START count=N)\n", w[i]);
			return -1;
		}
	}
	return 0;
}

static int cmd_plot(int argc, char **argv)
{
	static const char *const words[] = { "strip", "chart", NULL };
	struct look_args a;
	char err[256];
	FILE *out;
	int status = 0, ret;

	if (parse_look_args("plot", argc, argv, true, words, &a))
		return 2;
	if (!a.nr_words || (strcmp(a.words[0], "strip") && strcmp(a.words[0], "chart"))) {
		fprintf(stderr, "hvo plot: expected [--design D] [--out F.svg] [FILE] strip [pfn=START] [count=N] | chart\n");
		return 2;
	}
	if (!strcmp(a.words[0], "chart") && (a.nr_words != 1 || a.file || a.design >= 0)) {
		fprintf(stderr, "hvo plot: chart takes no FILE, --design or arguments: it measures every design itself\n");
		return 2;
	}
	if (!strcmp(a.words[0], "strip")) {
		bool have_pfn = false, have_count = false;
		uint64_t pfn = 0, count = 0;
		struct machine *m;
		if (parse_strip_words(a.words + 1, a.nr_words - 1, &have_pfn, &pfn, &have_count, &count))
			return 2;
		m = look_boot(&a, &status);
		if (!m)
			return 2;
		if (!have_pfn || !have_count) {
			pfn_t p;
			uint64_t c;
			plot_strip_default_range(m, &p, &c);
			if (!have_pfn)
				pfn = p;
			if (!have_count)
				count = c;
		}
		out = a.out ? fopen(a.out, "w") : stdout;
		if (!out) {
			fprintf(stderr, "hvo plot: %s: %s\n", a.out, strerror(errno));
			machine_destroy(m);
			return 2;
		}
		ret = plot_strip(m, a.file ? a.file : "the default scenario", pfn, count, out, err, sizeof(err));
		machine_destroy(m);
	} else {
		out = a.out ? fopen(a.out, "w") : stdout;
		if (!out) {
			fprintf(stderr, "hvo plot: %s: %s\n", a.out, strerror(errno));
			return 2;
		}
		ret = plot_chart(out, err, sizeof(err));
	}
	if (out != stdout && fclose(out) && !ret) {
		fprintf(stderr, "hvo plot: %s: %s\n", a.out, strerror(errno));
		return 2;
	}
	if (ret) {
		fprintf(stderr, "hvo plot: %s\n", err);
		if (a.out)
			remove(a.out);
		return 2;
	}
	return status;
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
	if (!strcmp(argv[1], "explain"))
		return cmd_explain(argc - 2, argv + 2);
	if (!strcmp(argv[1], "plot"))
		return cmd_plot(argc - 2, argv + 2);
	fprintf(stderr, "hvo: unknown command '%s'\n%s", argv[1], usage);
	return 2;
}
