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
#include "lib/parse.h"
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
}

void scenario_destroy(struct scenario *sc)
{
	machine_destroy(sc->m);
	sc->m = NULL;
	for (unsigned i = 0; i < sc->nr_snapshots; i++)
		free(sc->snapshots[i]);
	sc->nr_snapshots = 0;
}

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

int sc_error(struct scenario *sc, const char *fmt, ...)
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

