// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario interpreter (see scenario.h): tokenizes each line, dispatches to
 * a command, reports errors as FILE:LINE: message.  The commands that
 * describe and boot the machine are here; those that act on a booted one
 * are in scenario_cmds.c, snapshot and expect in scenario_expect.c.
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
#include "lib/escape.h"
#include "lib/parse.h"
#include "cli/host.h"
#include "cli/limits.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "cli/scenario_cmds.h"
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
	sc->max_mem_bytes = cli_max_mem();
}

void scenario_destroy(struct scenario *sc)
{
	machine_destroy(sc->m);
	sc->m = NULL;
	for (unsigned i = 0; i < sc->nr_snapshots; i++)
		free(sc->snapshots[i]);
	sc->nr_snapshots = 0;
}

int sc_error(struct scenario *sc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* one line of ASCII whatever the input or its name held */
	fput_escaped(sc->err, sc->file);
	fprintf(sc->err, ":%u: ", sc->line);
	fput_escaped(sc->err, msg);
	fputc('\n', sc->err);
	sc->error = true;
	return -EINVAL;
}

int need_booted(struct scenario *sc, const char *cmd)
{
	if (!sc->m || sc->m->phase != PHASE_RUNNING)
		return sc_error(sc, "'%s' needs a booted machine: put 'boot' first", cmd);
	return 0;
}

int need_unbooted(struct scenario *sc, const char *cmd)
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
	if (*val == ',' || val[strlen(val) - 1] == ',' || strstr(val, ",,"))
		return sc_error(sc, "node_mem=%s: an empty size in the list (expected e.g. 3G,1G)", val);
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

/* An address or size: 0x-hex, decimal, or 4G-style. */
static int parse_addr(const char *s, uint64_t *out)
{
	return parse_u64(s, out) && parse_size(s, out) ? -EINVAL : 0;
}

/* ram=START-END[@NODE],...: the firmware map, end exclusive. */
static int parse_ram(struct scenario *sc, const char *val)
{
	char buf[2048], *save = NULL, *tok;
	unsigned n = 0, nodes = 0;

	if (strlen(val) >= sizeof(buf))
		return sc_error(sc, "ram: list too long");
	strcpy(buf, val);
	sc->cfg.mem_bytes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-'), *at = strchr(tok, '@');
		uint64_t start, end, nid = 0;

		if (n == MAX_RAM_RANGES)
			return sc_error(sc, "ram: more than %d ranges", MAX_RAM_RANGES);
		if (at)
			*at = '\0';
		if (!dash || (at && at < dash))
			return sc_error(sc, "ram: '%s' is not START-END[@NODE] (e.g. 0x100000-0xc0000000@0)", tok);
		*dash = '\0';
		if (parse_addr(tok, &start) || parse_addr(dash + 1, &end) || end <= start)
			return sc_error(sc, "ram: '%s-%s' is not a range START-END with START < END", tok, dash + 1);
		if (at && (parse_u64(at + 1, &nid) || nid >= MAX_NUMNODES))
			return sc_error(sc, "ram: node '%s' is not 0..%d", at + 1, MAX_NUMNODES - 1);
		sc->cfg.ram[n++] = (struct ram_range_config){ start, end, (unsigned)nid };
		sc->cfg.mem_bytes += end - start;
		nodes = MAX(nodes, (unsigned)nid + 1);
	}
	if (!n)
		return sc_error(sc, "ram: expected ranges such as 0x1000-0x9f000,0x100000-0xc0000000");
	sc->cfg.nr_ram = n;
	sc->cfg.nr_nodes = MAX(sc->cfg.nr_nodes, nodes);
	return 0;
}

static int machine_arg(struct scenario *sc, const char *key, const char *val,
		       bool *mem_given)
{
	uint64_t v;

	if (!strcmp(key, "ram")) {
		if (parse_ram(sc, val))
			return -EINVAL;
		*mem_given = true;
	} else if (!strcmp(key, "mem")) {
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
		sc->page_size_given = true;
	} else if (!strcmp(key, "arch")) {
		char names[96];
		arch_names(names, sizeof(names));
		if (arch_from_name(val, &sc->cfg.arch))
			return sc_error(sc, "arch=%s: expected %s", val, names);
		sc->arch_given = true;
	} else if (!strcmp(key, "whatif")) {
		if (strcmp(val, "hvo-bbm"))
			return sc_error(sc, "whatif=%s: expected hvo-bbm (HugeTLB HVO with break-before-make, in no kernel)", val);
		sc->cfg.whatif_hvo_bbm = true;
	} else if (!strcmp(key, "struct_page")) {
		if (parse_u64(val, &v) || (v != 56 && v != 64 && v != 72 && v != 80))
			return sc_error(sc, "struct_page=%s: expected 56, 64, 72 or 80", val);
		sc->cfg.struct_page = (unsigned)v;
	} else if (!strcmp(key, "movablecore")) {
		if (parse_size(val, &sc->cfg.movablecore_bytes))
			return sc_error(sc, "movablecore=%s: expected a size", val);
	} else if (!strcmp(key, "deferred_init")) {
		bool b;
		if (parse_bool(val, &b))
			return sc_error(sc, "deferred_init=%s: expected on or off", val);
		sc->cfg.deferred_struct_page_init = b;
	} else if (!strcmp(key, "kernel_reserve")) {
		if (parse_size(val, &sc->cfg.kernel_reserve_bytes))
			return sc_error(sc, "kernel_reserve=%s: expected a size", val);
	} else {
		return sc_error(sc, "machine: unknown parameter '%s' (expected from, mem, ram, layout, nodes, node_mem, arch, page_size, struct_page, movablecore, deferred_init, kernel_reserve, whatif)", key);
	}
	return 0;
}

/*
 * machine from=host: the words `hvo host` would write on the machine line,
 * the host's generation (a later design line wins) and its HugeTLB boot
 * parameters (a later cmdline line adds to them).  Words after from=host
 * override the host's.
 */
static int machine_from_host(struct scenario *sc, bool *mem_given)
{
	struct host_info *h = malloc(sizeof(*h));
	char err[1200], words[2048], *save = NULL;
	int ret = 0;

	if (!h)
		return sc_error(sc, "machine from=host: out of memory");
	if (host_read(host_default_root(), h, err, sizeof(err))) {
		free(h);
		return sc_error(sc, "machine from=host: %s", err);
	}
	host_machine_words(h, words, sizeof(words));
	for (char *w = strtok_r(words, " ", &save); w && !ret; w = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(w, '=');
		*eq = '\0';
		ret = machine_arg(sc, w, eq + 1, mem_given);
	}
	if (!ret && h->cmdline[0] && cmdline_parse(&sc->bp, h->cmdline, err, sizeof(err)))
		ret = sc_error(sc, "machine from=host: the host's command line: %s", err);
	if (!ret)
		sc->gen = generation_find(h->generation);
	free(h);
	return ret;
}

/*
 * The architecture and page size: page_size=16K or 64K alone means arm64
 * (the spelling older scenarios use); arch= alone takes that
 * architecture's default page size (16K on loongarch64, 64K on powerpc).
 */
static int machine_arch(struct scenario *sc)
{
	char sizes[64];

	if (!sc->arch_given && sc->page_size_given && sc->cfg.page_size != 4096)
		sc->cfg.arch = ARCH_ARM64;
	if (!sc->page_size_given)
		sc->cfg.page_size = arch_default_page_size(sc->cfg.arch);
	if (arch_has_page_size(sc->cfg.arch, sc->cfg.page_size))
		return 0;
	arch_page_sizes(sc->cfg.arch, sizes, sizeof(sizes));
	if (sc->cfg.arch == ARCH_X86_64)
		return sc_error(sc, "machine: x86-64 has 4K pages only (arch=arm64 for 16K and 64K)");
	return sc_error(sc, "machine: %s has %s pages only", arch_name(sc->cfg.arch), sizes);
}

static int cmd_machine(struct scenario *sc, int argc, char **argv, const char *rest)
{
	bool mem_given = false, nodes_given = false;
	unsigned nodes_arg = 0;
	char sz[32];
	(void)rest;

	if (need_unbooted(sc, "machine"))
		return -EINVAL;
	if (sc->have_machine)
		return sc_error(sc, "machine is already described");
	if (argc > 1 && !strcmp(argv[1], "from=host")) {
		if (machine_from_host(sc, &mem_given))
			return -EINVAL;
		argv++;
		argc--;
	}
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
		return sc_error(sc, "machine: mem=SIZE (or ram=RANGES, or from=host) is required");
	if (sc->cfg.nr_ram && (sc->cfg.layout != LAYOUT_FLAT || sc->cfg.node_mem_given))
		return sc_error(sc, "machine: ram= is the whole memory map: it excludes layout= and node_mem=");
	if (sc->max_mem_bytes && sc->cfg.mem_bytes > sc->max_mem_bytes)
		return sc_error(sc, "machine: mem above this run's limit of %s (HVO_MAX_MEM=SIZE changes it)",
				format_size(sc->max_mem_bytes, sz, sizeof(sz)));
	if (machine_arch(sc))
		return -EINVAL;
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

/* The pools the command line asks for must fit the host-memory limit. */
static int boot_pools_fit(struct scenario *sc, unsigned line)
{
	struct machine *m = sc->m;
	char err[256];

	for (unsigned i = 0; i < sc->bp.nr_hp; i++) {
		uint64_t size = sc->bp.hp[i].size;

		if (!size)
			size = huge_page_size(m, &m->hstates[m->default_hstate]);
		if (pool_request_fits(m, size, sc->bp.hp[i].count, err, sizeof(err))) {
			sc->line = sc->cmdline_line ? sc->cmdline_line : line;
			sc_error(sc, "hugepages=%llu: %s", (unsigned long long)sc->bp.hp[i].count, err);
			sc->line = line;
			return -EINVAL;
		}
	}
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
	if (boot_pools_fit(sc, line))
		return -EINVAL;
	if (machine_boot(sc->m, err, sizeof(err)))
		return sc_error(sc, "boot failed: %s", err);
	if (hugetlb_late_init(sc->m, err, sizeof(err)) ||
	    machine_boot_late(sc->m, err, sizeof(err)))
		return sc_error(sc, "boot failed: %s", err);
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
	{ "map", cmd_map },
	{ "unmap", cmd_unmap },
	{ "settle", cmd_settle },
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

/* "machine, cmdline, ... or dax": the command table's names, for errors. */
static const char *command_names(char *names, size_t len)
{
	size_t n = 0;

	names[0] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *sep = !i ? "" : i + 1 == ARRAY_SIZE(commands) ? " or " : ", ";
		int k = snprintf(names + n, len - n, "%s%s", sep, commands[i].name);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
	return names;
}

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
	char names[256];

	return sc_error(sc, "unknown command '%s' (expected %s)", argv[0],
			command_names(names, sizeof(names)));
}

int scenario_step(struct scenario *sc, const char *buf, size_t len, size_t *pos)
{
	char line[MAX_LINE + 1];
	size_t n = 0, p = *pos;

	/* a UTF-8 byte order mark, as some editors write, is skipped */
	if (!p && len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p = 3;
	sc->line++;
	while (p < len && buf[p] != '\n') {
		if (buf[p] == '\0') {
			sc_error(sc, "NUL byte in scenario");
			return 2;
		}
		if (n == MAX_LINE) {
			sc_error(sc, "line longer than %d characters", MAX_LINE);
			return 2;
		}
		line[n++] = buf[p++];
	}
	*pos = p + 1; /* the newline */
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return run_line(sc, line) ? 2 : 0;
}

int scenario_run_buffer(struct scenario *sc, const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len)
		if (scenario_step(sc, buf, len, &pos))
			return 2;
	return scenario_status(sc);
}

int scenario_status(const struct scenario *sc)
{
	return sc->nr_expect_fail || sc->nr_check_fail ? 1 : 0;
}

void scenario_finish(struct scenario *sc)
{
	if (sc->json) {
		fprintf(sc->out, "{\"scenario\": \"");
		fput_json_string(sc->out, sc->file);
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
	if (sc->quiet || sc->error)
		return;
	/* "6 commands, no expects, no check failed"; "3 of 4 expects passed" */
	fprintf(sc->out, "%s: %u command%s, ", sc->file, sc->nr_commands,
		sc->nr_commands == 1 ? "" : "s");
	if (!sc->nr_expect_ok && !sc->nr_expect_fail)
		fprintf(sc->out, "no expects, ");
	else
		fprintf(sc->out, "%u of %u expect%s passed, ", sc->nr_expect_ok,
			sc->nr_expect_ok + sc->nr_expect_fail,
			sc->nr_expect_ok + sc->nr_expect_fail == 1 ? "" : "s");
	if (!sc->nr_check_fail)
		fprintf(sc->out, "no check failed\n");
	else
		fprintf(sc->out, "%u check%s failed\n", sc->nr_check_fail,
			sc->nr_check_fail == 1 ? "" : "s");
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
		fput_escaped(err, file);
		fprintf(err, ": the scenario boots no machine (put 'boot' in it)\n");
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

