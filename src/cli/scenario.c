/*
 * Scenario interpreter (see scenario.h): tokenizes each line, dispatches to
 * a command, reports errors as FILE:LINE: message.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "sim/generations.h"
#include "sim/sim.h"
#include "sim/check.h"
#include "mm/hugetlb.h"
#include "mm/dax.h"
#include "mm/memory_hotplug.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "lib/parse.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "mm/vmstat.h"

#define MAX_LINE 4096
#define MAX_ARGS 32

const char default_scenario[] =
	"# Built-in default scenario: a 4 GiB QEMU pc guest with 512 2 MiB\n"
	"# huge pages reserved at boot and HVO on, in the generic design.\n"
	"machine mem=4G layout=qemu-pc\n"
	"cmdline hugepagesz=2M hugepages=512 hugetlb_free_vmemmap=on\n"
	"design generic\n"
	"boot\n"
	"check\n"
	"show report\n";

struct counter_snapshot {
	char label[32];
	unsigned nr;
	struct {
		char name[64];
		int64_t val;
	} v[96];
};

void scenario_init(struct scenario *sc, const char *file, FILE *out, FILE *err)
{
	memset(sc, 0, sizeof(*sc));
	sc->file = file;
	sc->out = out;
	sc->err = err;
	machine_config_default(&sc->cfg);
	fault_attr_init(&sc->fault);
	sc->gen = generation_default();
	boot_params_init(&sc->bp);
}

void scenario_destroy(struct scenario *sc)
{
	machine_destroy(sc->m);
	sc->m = NULL;
	for (unsigned i = 0; i < sc->nr_snapshots; i++)
		free(sc->snapshots[i]);
	sc->nr_snapshots = 0;
}

static int sc_error(struct scenario *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * One line, whatever the input held: control bytes (a stray escape
 * sequence, a NUL, a newline inside a quoted token) are shown as \xNN.
 */
static void put_printable(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static int sc_error(struct scenario *sc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(sc->err, "%s:%u: ", sc->file, sc->line);
	put_printable(sc->err, msg);
	fputc('\n', sc->err);
	sc->error = true;
	return -EINVAL;
}

static int need_booted(struct scenario *sc, const char *cmd)
{
	if (!sc->m || sc->m->phase != PHASE_RUNNING)
		return sc_error(sc, "'%s' needs a booted machine: put 'boot' first", cmd);
	return 0;
}

static int need_unbooted(struct scenario *sc, const char *cmd)
{
	if (sc->m)
		return sc_error(sc, "'%s' must come before 'boot'", cmd);
	return 0;
}

/* ---- machine ---- */

static int parse_node_mem(struct scenario *sc, const char *val)
{
	char buf[1024], *save = NULL, *tok;
	unsigned n = 0;

	if (strlen(val) >= sizeof(buf))
		return sc_error(sc, "node_mem: list too long");
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t sz;
		if (n == MAX_NUMNODES)
			return sc_error(sc, "node_mem: more than %d nodes", MAX_NUMNODES);
		if (parse_size(tok, &sz))
			return sc_error(sc, "node_mem: '%s' is not a size (expected e.g. 3G,1G)", tok);
		sc->cfg.node_mem[n++] = sz;
	}
	if (!n)
		return sc_error(sc, "node_mem: expected a list of sizes such as 3G,1G");
	sc->cfg.nr_nodes = n;
	sc->cfg.node_mem_given = true;
	return 0;
}

static int machine_arg(struct scenario *sc, const char *key, const char *val,
		       bool *mem_given)
{
	uint64_t v;

	if (!strcmp(key, "mem")) {
		if (parse_size(val, &sc->cfg.mem_bytes))
			return sc_error(sc, "mem=%s: expected a size such as 4G", val);
		*mem_given = true;
	} else if (!strcmp(key, "layout")) {
		if (!strcmp(val, "flat"))
			sc->cfg.layout = LAYOUT_FLAT;
		else if (!strcmp(val, "qemu-pc"))
			sc->cfg.layout = LAYOUT_QEMU_PC;
		else
			return sc_error(sc, "layout=%s: expected flat or qemu-pc", val);
	} else if (!strcmp(key, "nodes")) {
		if (parse_u64(val, &v) || !v || v > MAX_NUMNODES)
			return sc_error(sc, "nodes=%s: expected 1..%d", val, MAX_NUMNODES);
		sc->cfg.nr_nodes = (unsigned)v;
	} else if (!strcmp(key, "node_mem")) {
		return parse_node_mem(sc, val);
	} else if (!strcmp(key, "page_size")) {
		if (parse_size(val, &v) || (v != 4096 && v != 16384 && v != 65536))
			return sc_error(sc, "page_size=%s: expected 4K, 16K or 64K", val);
		sc->cfg.page_size = v;
	} else if (!strcmp(key, "arch")) {
		if (strcmp(val, "x86-64") && strcmp(val, "arm64"))
			return sc_error(sc, "arch=%s: expected x86-64 or arm64", val);
		sc->cfg.arm64 = !strcmp(val, "arm64");
		sc->arch_given = true;
	} else if (!strcmp(key, "struct_page")) {
		if (parse_u64(val, &v) || (v != 56 && v != 64 && v != 72 && v != 80))
			return sc_error(sc, "struct_page=%s: expected 56, 64, 72 or 80", val);
		sc->cfg.struct_page = (unsigned)v;
	} else if (!strcmp(key, "movablecore")) {
		if (parse_size(val, &sc->cfg.movablecore_bytes))
			return sc_error(sc, "movablecore=%s: expected a size", val);
	} else if (!strcmp(key, "kernel_reserve")) {
		if (parse_size(val, &sc->cfg.kernel_reserve_bytes))
			return sc_error(sc, "kernel_reserve=%s: expected a size", val);
	} else {
		return sc_error(sc, "machine: unknown parameter '%s' (expected mem, layout, nodes, node_mem, arch, page_size, struct_page, movablecore, kernel_reserve)", key);
	}
	return 0;
}

static int cmd_machine(struct scenario *sc, int argc, char **argv, const char *rest)
{
	bool mem_given = false, nodes_given = false;
	unsigned nodes_arg = 0;
	(void)rest;

	if (need_unbooted(sc, "machine"))
		return -EINVAL;
	if (sc->have_machine)
		return sc_error(sc, "machine is already described");
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i] || !eq[1])
			return sc_error(sc, "machine: expected KEY=VALUE, got '%s'", argv[i]);
		*eq = '\0';
		if (machine_arg(sc, argv[i], eq + 1, &mem_given))
			return -EINVAL;
		if (!strcmp(argv[i], "nodes")) {
			nodes_given = true;
			nodes_arg = sc->cfg.nr_nodes;
		}
	}
	if (!mem_given)
		return sc_error(sc, "machine: mem=SIZE is required");
	if (sc->max_mem_bytes && sc->cfg.mem_bytes > sc->max_mem_bytes)
		return sc_error(sc, "machine: mem above this run's cap of %llu MiB",
				(unsigned long long)(sc->max_mem_bytes >> 20));
	if (!sc->arch_given)
		sc->cfg.arm64 = sc->cfg.page_size != 4096;
	if (!sc->cfg.arm64 && sc->cfg.page_size != 4096)
		return sc_error(sc, "machine: x86-64 has 4K pages only (arch=arm64 for 16K and 64K)");
	if (nodes_given && sc->cfg.node_mem_given && nodes_arg != sc->cfg.nr_nodes)
		return sc_error(sc, "machine: nodes=%u disagrees with node_mem (%u sizes)",
				nodes_arg, sc->cfg.nr_nodes);
	sc->have_machine = true;
	return 0;
}

static int cmd_cmdline(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	(void)argc;
	(void)argv;

	if (need_unbooted(sc, "cmdline"))
		return -EINVAL;
	if (sc->cmdline_line)
		return sc_error(sc, "cmdline given twice (first at line %u): put all parameters on one line",
				sc->cmdline_line);
	if (cmdline_parse(&sc->bp, rest, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	sc->cmdline_line = sc->line;
	return 0;
}

static int cmd_design(struct scenario *sc, int argc, char **argv, const char *rest)
{
	(void)rest;
	if (need_unbooted(sc, "design"))
		return -EINVAL;
	const struct hvo_generation *gen = argc == 2 ? generation_find(argv[1]) : NULL;
	char names[512];

	if (sc->forced_gen)
		return 0;
	if (!gen) {
		generation_names(names, sizeof(names));
		return sc_error(sc, "design: expected %s", names);
	}
	sc->gen = gen;
	return 0;
}

static int cmd_boot(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	unsigned line = sc->line;
	(void)argv;
	(void)rest;

	if (argc != 1)
		return sc_error(sc, "boot takes no arguments");
	if (need_unbooted(sc, "boot"))
		return -EINVAL;
	if (!sc->have_machine)
		return sc_error(sc, "boot: no machine described (add e.g. 'machine mem=4G')");
	if (sc->bp.movablecore_set)
		sc->cfg.movablecore_bytes = sc->bp.movablecore;
	sc->cfg.gen = sc->forced_gen ? sc->forced_gen : sc->gen;
	sc->m = machine_create(&sc->cfg, err, sizeof(err));
	if (!sc->m)
		return sc_error(sc, "impossible machine: %s", err);
	sc->m->fault = sc->fault;
	/* Errors about the command line point at the cmdline line. */
	if (hugetlb_apply_boot_params(sc->m, &sc->bp, err, sizeof(err))) {
		sc->line = sc->cmdline_line ? sc->cmdline_line : line;
		sc_error(sc, "%s", err);
		sc->line = line;
		return -EINVAL;
	}
	if (machine_boot(sc->m, err, sizeof(err)))
		return sc_error(sc, "boot failed: %s", err);
	if (hugetlb_late_init(sc->m, err, sizeof(err)))
		return sc_error(sc, "boot failed: %s", err);
	return 0;
}

/* ---- sysctl ---- */

static int cmd_sysctl(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	char *eq;
	(void)rest;

	if (need_booted(sc, "sysctl"))
		return -EINVAL;
	if (argc != 2 || !(eq = strchr(argv[1], '=')) || eq == argv[1])
		return sc_error(sc, "sysctl: expected NAME=VALUE");
	*eq = '\0';
	if (hugetlb_sysctl(sc->m, argv[1], eq + 1, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- hugepages ---- */

static int cmd_hugepages(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	uint64_t size, count;
	int nid = NUMA_NO_NODE;
	(void)rest;

	if (need_booted(sc, "hugepages"))
		return -EINVAL;
	if (argc < 3 || argc > 4 || parse_size(argv[1], &size) ||
	    parse_u64(argv[2], &count))
		return sc_error(sc, "hugepages: expected SIZE COUNT [node=N]");
	if (argc == 4) {
		uint64_t n;
		if (strncmp(argv[3], "node=", 5) || parse_u64(argv[3] + 5, &n) ||
		    n >= sc->m->nr_nodes)
			return sc_error(sc, "hugepages: expected node=N with N < %u", sc->m->nr_nodes);
		nid = (int)n;
	}
	if (hugetlb_set_nr(sc->m, size, count, nid, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- hotplug ---- */

/* Bytes of memory the machine has: boot RAM, hot-added memory, DAX ranges. */
static uint64_t machine_mem_bytes(const struct machine *m)
{
	uint64_t pages = global_present_pages_memblock(m);

	for (unsigned i = 0; i < m->nr_dax; i++)
		pages += m->dax[i].nr;
	return pages << m->geo.page_shift;
}

/*
 * max_mem_bytes caps memory added after boot too: without it one line
 * (hotplug add size=32T memmap_on_memory) takes minutes and tens of GiB.
 */
static int check_mem_cap(struct scenario *sc, const char *what, uint64_t size)
{
	if (sc->max_mem_bytes &&
	    (size > sc->max_mem_bytes ||
	     machine_mem_bytes(sc->m) > sc->max_mem_bytes - size))
		return sc_error(sc, "%s: memory above this run's cap of %llu MiB", what,
				(unsigned long long)(sc->max_mem_bytes >> 20));
	return 0;
}

/*
 * hotplug add node=N size=S [addr=A] [memmap_on_memory[=0|1]] [movable|kernel]
 * hotplug remove addr=A size=S
 * movable onlines the memory into ZONE_MOVABLE, as online_movable does,
 * kernel into ZONE_NORMAL; the default is memhp_default_state=.
 * A failed add (no memory for the memmap) is an outcome, not an error: it
 * is reported and the run goes on, with nothing added.
 */
static int cmd_hotplug(struct scenario *sc, int argc, char **argv, const char *rest)
{
	uint64_t size = 0, addr = (uint64_t)-1, nid = 0;
	int mom = -1, movable = -1;
	bool add;
	char err[256];
	int ret;
	(void)rest;

	if (need_booted(sc, "hotplug"))
		return -EINVAL;
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove")))
		return sc_error(sc, "hotplug: expected 'add node=N size=S [addr=A] [memmap_on_memory] [movable|kernel]' or 'remove addr=A size=S'");
	add = !strcmp(argv[1], "add");
	for (int i = 2; i < argc; i++) {
		bool b;
		if (!strncmp(argv[i], "size=", 5) && !parse_size(argv[i] + 5, &size))
			continue;
		if (!strncmp(argv[i], "addr=", 5) && !parse_size(argv[i] + 5, &addr))
			continue;
		if (add && !strncmp(argv[i], "node=", 5) && !parse_u64(argv[i] + 5, &nid))
			continue;
		if (add && !strcmp(argv[i], "memmap_on_memory")) {
			mom = 1;
			continue;
		}
		if (add && !strncmp(argv[i], "memmap_on_memory=", 17) && !parse_bool(argv[i] + 17, &b)) {
			mom = b;
			continue;
		}
		if (add && !strcmp(argv[i], "movable")) {
			movable = 1;
			continue;
		}
		if (add && !strcmp(argv[i], "kernel")) {
			movable = 0;
			continue;
		}
		return sc_error(sc, "hotplug %s: bad argument '%s'", argv[1], argv[i]);
	}
	if (!size)
		return sc_error(sc, "hotplug %s: size=S is required", argv[1]);
	if (!add && addr == (uint64_t)-1)
		return sc_error(sc, "hotplug remove: addr=A is required");
	if (add) {
		if (addr == (uint64_t)-1)
			addr = hotplug_default_addr(sc->m, SZ_1G);
		if (mom < 0)
			mom = sc->m->bp.memmap_on_memory == 1;
		if (movable < 0)
			movable = sc->m->bp.memhp_online_movable;
		if (nid >= sc->m->nr_nodes)
			return sc_error(sc, "hotplug add: node %llu does not exist", (unsigned long long)nid);
		if (check_mem_cap(sc, "hotplug add", size))
			return -EINVAL;
		ret = add_memory(sc->m, (int)nid, addr, size, mom,
				 movable ? ZONE_MOVABLE : ZONE_NORMAL, err, sizeof(err));
	} else {
		ret = remove_memory(sc->m, addr, size, err, sizeof(err));
	}
	if (ret == -ENOMEM || ret == -EBUSY) {
		fprintf(sc->json ? sc->err : sc->out, "%s:%u: hotplug %s failed: %s\n",
			sc->file, sc->line, argv[1], err);
		return 0;
	}
	if (ret)
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- dax ---- */

/*
 * dax create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A]
 * dax destroy NAME          (devices are named dax0, dax1, ... in order)
 */
static int cmd_dax(struct scenario *sc, int argc, char **argv, const char *rest)
{
	uint64_t size = 0, align = 0, addr = (uint64_t)-1, nid = 0;
	bool on_device = false;
	char err[256], name[16];
	int ret;
	(void)rest;

	if (need_booted(sc, "dax"))
		return -EINVAL;
	if (argc == 3 && !strcmp(argv[1], "destroy")) {
		if (dax_destroy(sc->m, argv[2], err, sizeof(err)))
			return sc_error(sc, "%s", err);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "create"))
		return sc_error(sc, "dax: expected 'create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A]' or 'destroy NAME'");
	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "size=", 5) && !parse_size(argv[i] + 5, &size))
			continue;
		if (!strncmp(argv[i], "align=", 6) && !parse_size(argv[i] + 6, &align))
			continue;
		if (!strncmp(argv[i], "addr=", 5) && !parse_size(argv[i] + 5, &addr))
			continue;
		if (!strncmp(argv[i], "node=", 5) && !parse_u64(argv[i] + 5, &nid) && nid < MAX_NUMNODES)
			continue;
		if (!strcmp(argv[i], "memmap=ram") || !strcmp(argv[i], "memmap=device")) {
			on_device = !strcmp(argv[i], "memmap=device");
			continue;
		}
		return sc_error(sc, "dax create: bad argument '%s'", argv[i]);
	}
	if (!size || !align)
		return sc_error(sc, "dax create: size=S and align=A are required");
	if (check_mem_cap(sc, "dax create", size))
		return -EINVAL;
	ret = dax_create(sc->m, size, align, (int)nid, on_device, addr, name, sizeof(name),
			 err, sizeof(err));
	if (ret == -ENOMEM) {
		fprintf(sc->json ? sc->err : sc->out, "%s:%u: dax create failed: %s\n",
			sc->file, sc->line, err);
		return 0;
	}
	if (ret)
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- show ---- */

static int cmd_show(struct scenario *sc, int argc, char **argv, const char *rest)
{
	FILE *out = sc->json ? sc->err : sc->out;
	(void)rest;

	if (argc < 2)
		return sc_error(sc, "show: expected meminfo, vmstat, zoneinfo, hugepages, report, dmesg or pfn N");
	if (need_booted(sc, "show"))
		return -EINVAL;
	if (!strcmp(argv[1], "meminfo") && argc == 2)
		show_meminfo(sc->m, out);
	else if (!strcmp(argv[1], "vmstat") && argc == 2)
		show_vmstat(sc->m, out);
	else if (!strcmp(argv[1], "zoneinfo") && argc == 2)
		show_zoneinfo(sc->m, out);
	else if (!strcmp(argv[1], "hugepages") && argc == 2)
		show_hugepages(sc->m, out);
	else if (!strcmp(argv[1], "report") && argc == 2)
		show_report(sc->m, out);
	else if (!strcmp(argv[1], "dmesg") && argc == 2)
		fputs(sc->m->log.buf ? sc->m->log.buf : "", out);
	else if (!strcmp(argv[1], "pfn") && argc == 3) {
		uint64_t pfn;
		if (parse_u64(argv[2], &pfn))
			return sc_error(sc, "show pfn: expected a pfn (decimal or 0x hex)");
		if (show_pfn(sc->m, pfn, out))
			return sc_error(sc, "show pfn %s: beyond the end of memory (max pfn %#llx)",
					argv[2], (unsigned long long)sc->m->max_pfn);
	} else
		return sc_error(sc, "show: expected meminfo, vmstat, zoneinfo, hugepages, report, dmesg or pfn N");
	return 0;
}

/* ---- check ---- */

static int run_check(struct scenario *sc, const char *what)
{
	struct check_report *r = malloc(sizeof(*r));

	if (!r)
		return sc_error(sc, "host out of memory");
	if (mm_check(sc->m, r)) {
		fprintf(sc->err, "%s:%u: %s: %llu invariant violation%s\n", sc->file, sc->line,
			what, (unsigned long long)r->nr_violations,
			r->nr_violations == 1 ? "" : "s");
		check_report_print(r, sc->err);
		sc->nr_check_fail++;
	}
	free(r);
	return 0;
}

/*
 * `check` must find nothing; `check fails` must find something: a scenario
 * that reproduces a kernel bug states that the checker catches it.
 */
static int cmd_check(struct scenario *sc, int argc, char **argv, const char *rest)
{
	struct check_report *r;
	uint64_t n;
	(void)rest;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "fails")))
		return sc_error(sc, "check: expected 'check' or 'check fails'");
	if (need_booted(sc, "check"))
		return -EINVAL;
	if (argc == 1)
		return run_check(sc, "check");
	if (sc->sweeping)
		return 0; /* injected failures may steer around the bug */
	r = malloc(sizeof(*r));
	if (!r)
		return sc_error(sc, "host out of memory");
	n = mm_check(sc->m, r);
	if (n) {
		fprintf(sc->json ? sc->err : sc->out, "%s:%u: check fails, as expected: %llu violation%s\n",
			sc->file, sc->line, (unsigned long long)n, n == 1 ? "" : "s");
		check_report_print(r, sc->json ? sc->err : sc->out);
	} else {
		fprintf(sc->err, "%s:%u: check fails: expected a violation, found none\n",
			sc->file, sc->line);
		sc->nr_check_fail++;
	}
	free(r);
	return 0;
}

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

static int cmd_snapshot(struct scenario *sc, int argc, char **argv, const char *rest)
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
		if (counter_get(sc->m, tok, &v))
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

static int cmd_expect(struct scenario *sc, int argc, char **argv, const char *rest)
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

/* ---- poke: a stray write to a struct page ---- */

/*
 * `poke pfn N` writes the struct page of pfn N (its refcount, as a
 * speculative get_page() would) through the MMU.  A read-only tail faults:
 * the write is refused and mmu_faults counts it; the run goes on.
 */
/* The @idx-th folio of the @size pool (node by node, oldest first). */
static int nth_folio(struct machine *m, uint64_t size, uint64_t idx, pfn_t *pfn)
{
	struct hstate *h = size_to_hstate(m, size);

	if (!h)
		return -EINVAL;
	for (unsigned nid = 0; nid < m->nr_nodes; nid++) {
		if (idx < h->freelists[nid].nr) {
			*pfn = h->freelists[nid].v[idx].pfn;
			return 0;
		}
		idx -= h->freelists[nid].nr;
	}
	return -ENOENT;
}

/*
 * `poke pfn N` or `poke huge SIZE INDEX OFFSET` writes a struct page (its
 * refcount, as a speculative get_page() would) through the MMU.  A
 * read-only tail faults: the write is refused and mmu_faults counts it; the
 * run goes on.  A write that lands is undone: poke only probes.
 */
static int cmd_poke(struct scenario *sc, int argc, char **argv, const char *rest)
{
	uint64_t pfn, size, idx, off;
	vaddr_t va;
	int32_t ref = 0;
	(void)rest;

	if (need_booted(sc, "poke"))
		return -EINVAL;
	if (argc == 3 && !strcmp(argv[1], "pfn") && !parse_u64(argv[2], &pfn)) {
		if (pfn >= sc->m->max_pfn || !pfn_present(sc->m, pfn))
			return sc_error(sc, "poke pfn %s: not present memory", argv[2]);
	} else if (argc == 5 && !strcmp(argv[1], "huge") && !parse_size(argv[2], &size) &&
		   !parse_u64(argv[3], &idx) && !parse_u64(argv[4], &off)) {
		if (nth_folio(sc->m, size, idx, &pfn))
			return sc_error(sc, "poke huge: no %s huge page number %s in the pool", argv[2], argv[3]);
		if (off >= size / sc->m->geo.page_size)
			return sc_error(sc, "poke huge: offset %s is beyond the huge page", argv[4]);
		pfn += off;
	} else {
		return sc_error(sc, "poke: expected 'poke pfn N' or 'poke huge SIZE INDEX OFFSET'");
	}
	va = pfn_to_page_va(&sc->m->geo, pfn) + 52; /* _refcount */
	if (!vmemmap_read(sc->m, va, &ref, sizeof(ref))) {
		int32_t probe = ref + 1;
		if (!vmemmap_write(sc->m, va, &probe, sizeof(probe)))
			vmemmap_write(sc->m, va, &ref, sizeof(ref));
	}
	return 0;
}

/* ---- speculative_get: a PFN walker's get_page_unless_zero() ---- */

/*
 * `speculative_get pfn N` calls get_page_unless_zero() on pfn N now, as a
 * speculative PFN walker (compaction) does on a pfn it saw in passing, and
 * drops the reference it took.  `speculative_get pfn N later` has the
 * walker sample pfn N now and call it during the next command: right after
 * a pool growth remaps the vmemmap of the folio that takes pfn N, before
 * that folio enters the pool (the race of bd225530a4c7), or at the end of
 * the command if no folio takes it.  A write to a read-only tail faults
 * (mmu_faults) and is logged as the kernel's oops.
 */
static int cmd_speculative_get(struct scenario *sc, int argc, char **argv, const char *rest)
{
	uint64_t pfn;
	(void)rest;

	if (need_booted(sc, "speculative_get"))
		return -EINVAL;
	if ((argc != 3 && argc != 4) || strcmp(argv[1], "pfn") || parse_u64(argv[2], &pfn) ||
	    (argc == 4 && strcmp(argv[3], "later")))
		return sc_error(sc, "speculative_get: expected 'speculative_get pfn N [later]'");
	if (pfn >= sc->m->max_pfn || !pfn_present(sc->m, pfn))
		return sc_error(sc, "speculative_get pfn %s: not present memory", argv[2]);
	if (pfn_walker_add(sc->m, pfn))
		return sc_error(sc, "speculative_get: more than %d walkers waiting", MAX_PFN_WALKERS);
	if (argc == 3)
		pfn_walkers_run(sc->m, pfn, 1);
	return 0;
}

/* ---- fault injection ---- */

static int cmd_fault(struct scenario *sc, int argc, char **argv, const char *rest)
{
	struct fault_attr *fa;
	(void)rest;

	if (need_booted(sc, "fault"))
		return -EINVAL;
	if (sc->sweeping)
		return 0; /* the sweep owns fault injection */
	fa = &sc->m->fault;
	if (argc == 2 && !strcmp(argv[1], "off")) {
		fa->fail_nth = 0;
		fa->persistent = false;
		return 0;
	}
	fault_attr_init(fa);
	for (int i = 1; i < argc; i++) {
		uint64_t v;
		enum alloc_site site;
		if (!strncmp(argv[i], "nth=", 4) && !parse_u64(argv[i] + 4, &v) && v) {
			fa->fail_nth = v;
		} else if (!strcmp(argv[i], "persistent")) {
			fa->persistent = true;
		} else if (!strncmp(argv[i], "site=", 5) && !alloc_site_parse(argv[i] + 5, &site)) {
			if (fa->site_mask == SITE_MASK_ALL)
				fa->site_mask = 0;
			fa->site_mask |= 1u << site;
		} else if (!strncmp(argv[i], "min_order=", 10) && !parse_u64(argv[i] + 10, &v) && v < 64) {
			fa->min_order = (unsigned)v;
		} else {
			return sc_error(sc, "fault: expected nth=N [persistent] [site=NAME]... [min_order=K], or off");
		}
	}
	if (!fa->fail_nth)
		return sc_error(sc, "fault: nth=N (N >= 1) is required");
	return 0;
}

struct command {
	const char *name;
	int (*fn)(struct scenario *sc, int argc, char **argv, const char *rest);
};

static const struct command commands[] = {
	{ "machine", cmd_machine },
	{ "cmdline", cmd_cmdline },
	{ "design", cmd_design },
	{ "boot", cmd_boot },
	{ "sysctl", cmd_sysctl },
	{ "hugepages", cmd_hugepages },
	{ "show", cmd_show },
	{ "check", cmd_check },
	{ "snapshot", cmd_snapshot },
	{ "expect", cmd_expect },
	{ "fault", cmd_fault },
	{ "poke", cmd_poke },
	{ "speculative_get", cmd_speculative_get },
	{ "hotplug", cmd_hotplug },
	{ "dax", cmd_dax },
};

/* Split @line in place; '#' at the start of a token ends the line. */
static int tokenize(char *line, char **argv, const char **rest)
{
	int argc = 0;
	char *p = line;

	*rest = "";
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == MAX_ARGS)
			return -1;
		argv[argc++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (argc == 1) {
			char *r = p;
			while (isspace((unsigned char)*r))
				r++;
			*rest = r;
		}
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

static int run_line(struct scenario *sc, char *line)
{
	char copy[MAX_LINE + 1];
	char *argv[MAX_ARGS];
	const char *rest;
	int argc;

	strcpy(copy, line);
	argc = tokenize(line, argv, &rest);
	if (argc < 0)
		return sc_error(sc, "more than %d words on one line", MAX_ARGS);
	if (!argc)
		return 0;
	/* cmdline keeps the raw rest of the line (minus a trailing comment). */
	if (!strcmp(argv[0], "cmdline")) {
		char *r = copy + (rest - line), *hash;
		for (hash = r; (hash = strchr(hash, '#'));) {
			if (hash == r || isspace((unsigned char)hash[-1])) {
				*hash = '\0';
				break;
			}
			hash++;
		}
		rest = r;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			int ret;
			sc->nr_commands++;
			ret = commands[i].fn(sc, argc, argv, rest);
			/* walkers told to wait for this command run by its end */
			if (!ret && sc->m && sc->m->phase == PHASE_RUNNING &&
			    commands[i].fn != cmd_speculative_get)
				pfn_walkers_run(sc->m, 0, UINT64_MAX);
			if (!ret && sc->check_each && sc->m && sc->m->phase == PHASE_RUNNING &&
			    strcmp(argv[0], "check"))
				run_check(sc, "check after command");
			return ret;
		}
	}
	return sc_error(sc, "unknown command '%s' (expected machine, cmdline, design, boot, sysctl, hugepages, hotplug, dax, show, check, snapshot, expect, fault, poke or speculative_get)",
			argv[0]);
}

int scenario_run_buffer(struct scenario *sc, const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		char line[MAX_LINE + 1];
		size_t n = 0;

		sc->line++;
		while (pos < len && buf[pos] != '\n') {
			if (buf[pos] == '\0') {
				sc_error(sc, "NUL byte in scenario");
				return 2;
			}
			if (n == MAX_LINE) {
				sc_error(sc, "line longer than %d characters", MAX_LINE);
				return 2;
			}
			line[n++] = buf[pos++];
		}
		pos++; /* the newline */
		if (n && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (run_line(sc, line))
			return 2;
	}
	return sc->nr_expect_fail || sc->nr_check_fail ? 1 : 0;
}

/* @s with JSON's escapes (no surrounding quotes). */
static void json_string(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
}

void scenario_finish(struct scenario *sc)
{
	if (sc->json) {
		fprintf(sc->out, "{\"scenario\": \"");
		json_string(sc->out, sc->file);
		fprintf(sc->out, "\", \"design\": \"%s\", \"error\": %s, \"expects_passed\": %u, \"expects_failed\": %u, \"checks_failed\": %u, \"counters\": ",
			(sc->forced_gen ? sc->forced_gen : sc->gen)->name,
			sc->error ? "true" : "false",
			sc->nr_expect_ok, sc->nr_expect_fail, sc->nr_check_fail);
		if (sc->m && sc->m->phase == PHASE_RUNNING)
			counters_json(sc->m, sc->out);
		else
			fputs("null", sc->out);
		fputs("}\n", sc->out);
		return;
	}
	if (!sc->quiet && !sc->error)
		fprintf(sc->out, "%s: %u commands, %u expects passed, %u failed, %u checks failed\n",
			sc->file, sc->nr_commands, sc->nr_expect_ok, sc->nr_expect_fail,
			sc->nr_check_fail);
}

struct machine *scenario_boot_quietly(const char *file, const char *buf, size_t len,
				      const struct hvo_generation *gen, FILE *err,
				      int *status)
{
	struct scenario sc;
	struct machine *m = NULL;
	FILE *sink = fopen("/dev/null", "w");

	*status = 2;
	if (!sink) {
		fprintf(err, "hvo: cannot open /dev/null\n");
		return NULL;
	}
	scenario_init(&sc, file, sink, err);
	sc.quiet = true;
	sc.forced_gen = gen;
	*status = scenario_run_buffer(&sc, buf, len);
	if (*status != 2 && (!sc.m || sc.m->phase != PHASE_RUNNING)) {
		fprintf(err, "%s: the scenario boots no machine (put 'boot' in it)\n", file);
		*status = 2;
	}
	if (*status != 2) {
		m = sc.m;
		sc.m = NULL;
	}
	scenario_destroy(&sc);
	fclose(sink);
	return m;
}
