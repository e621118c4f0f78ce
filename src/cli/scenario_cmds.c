// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario commands that act on a booted machine: sysctl, hugepages,
 * hotplug, dax, show, check, poke, speculative_get and fault.  Each parses
 * its words, calls the simulated kernel, and reports a bad line as
 * FILE:LINE: message (scenario_cmds.h).
 */
#include <string.h>

#include "arch/mmu.h"
#include "cli/limits.h"
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

/* ---- sysctl ---- */

int cmd_sysctl(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	uint64_t count;
	char *eq;
	(void)rest;

	if (need_booted(sc, "sysctl"))
		return -EINVAL;
	if (argc != 2 || !(eq = strchr(argv[1], '=')) || eq == argv[1])
		return sc_error(sc, "sysctl: expected NAME=VALUE");
	*eq = '\0';
	if (!strcmp(argv[1], "vm.nr_hugepages") && !parse_u64(eq + 1, &count) &&
	    pool_request_fits(sc->m, huge_page_size(sc->m, &sc->m->hstates[sc->m->default_hstate]),
			      count, err, sizeof(err)))
		return sc_error(sc, "sysctl vm.nr_hugepages=%s: %s", eq + 1, err);
	if (hugetlb_sysctl(sc->m, argv[1], eq + 1, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- hugepages ---- */

/* node=N, the optional last word of a pool command */
static int parse_node_word(struct scenario *sc, const char *word, int *nid)
{
	uint64_t n;

	if (strncmp(word, "node=", 5) || parse_u64(word + 5, &n) || n >= sc->m->nr_nodes)
		return sc_error(sc, "hugepages: expected node=N with N < %u", sc->m->nr_nodes);
	*nid = (int)n;
	return 0;
}

/*
 * hugepages SIZE demote N [node=N]: write N to demote.  A write that fails
 * (out of memory) is no scenario error: the kernel demoted what it could,
 * and the failure is printed as a shell would show it.
 */
static int hugepages_demote(struct scenario *sc, uint64_t size, int argc, char **argv)
{
	char err[256];
	uint64_t count;
	int nid = NUMA_NO_NODE, ret;

	if (argc < 4 || argc > 5 || parse_u64(argv[3], &count))
		return sc_error(sc, "hugepages: expected SIZE demote COUNT [node=N]");
	if (argc == 5 && parse_node_word(sc, argv[4], &nid))
		return -EINVAL;
	ret = hugetlb_demote(sc->m, size, count, nid, err, sizeof(err));
	if (ret == -EINVAL)
		return sc_error(sc, "%s", err);
	if (ret)
		fprintf(sc->out, "hugepages-%llukB/demote: %s\n",
			(unsigned long long)(size >> 10), err);
	return 0;
}

static int hugepages_demote_size(struct scenario *sc, uint64_t size, int argc, char **argv)
{
	char err[256];
	uint64_t dsize;

	if (argc != 4 || parse_size(argv[3], &dsize))
		return sc_error(sc, "hugepages: expected SIZE demote_size SIZE");
	if (hugetlb_set_demote_size(sc->m, size, dsize, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

int cmd_hugepages(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	uint64_t size, count;
	int nid = NUMA_NO_NODE;
	(void)rest;

	if (need_booted(sc, "hugepages"))
		return -EINVAL;
	if (argc >= 3 && !parse_size(argv[1], &size) && !strcmp(argv[2], "demote"))
		return hugepages_demote(sc, size, argc, argv);
	if (argc >= 3 && !parse_size(argv[1], &size) && !strcmp(argv[2], "demote_size"))
		return hugepages_demote_size(sc, size, argc, argv);
	if (argc < 3 || argc > 4 || parse_size(argv[1], &size) ||
	    parse_u64(argv[2], &count))
		return sc_error(sc, "hugepages: expected SIZE COUNT [node=N], SIZE demote COUNT [node=N] or SIZE demote_size SIZE");
	if (argc == 4 && parse_node_word(sc, argv[3], &nid))
		return -EINVAL;
	if (pool_request_fits(sc->m, size, count, err, sizeof(err)))
		return sc_error(sc, "hugepages %s %s: %s", argv[1], argv[2], err);
	if (hugetlb_set_nr(sc->m, size, count, nid, err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

/* ---- a process's huge pages ---- */

/*
 * map SIZE N [as NAME]: a process maps N huge pages (MAP_HUGETLB) and
 * writes to each.  NAME defaults to map0, map1, ... in order.  An mmap
 * that cannot be reserved fails as the kernel's does, printed, no error.
 */
int cmd_map(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256], name[24];
	uint64_t size, nr;
	int ret;
	(void)rest;

	if (need_booted(sc, "map"))
		return -EINVAL;
	if ((argc != 3 && argc != 5) || parse_size(argv[1], &size) || parse_u64(argv[2], &nr) ||
	    (argc == 5 && strcmp(argv[3], "as")))
		return sc_error(sc, "map: expected SIZE COUNT [as NAME]");
	if (argc == 5)
		snprintf(name, sizeof(name), "%s", argv[4]);
	else
		snprintf(name, sizeof(name), "map%u", sc->nr_maps);
	if (argc == 5 && strlen(argv[4]) >= sizeof(name))
		return sc_error(sc, "map: the name %s is too long", argv[4]);
	ret = hugetlb_map(sc->m, size, nr, name, err, sizeof(err));
	if (ret == -EINVAL)
		return sc_error(sc, "%s", err);
	if (ret)
		fprintf(sc->out, "map %s: %s\n", name, err);
	else
		sc->nr_maps++;
	return 0;
}

int cmd_unmap(struct scenario *sc, int argc, char **argv, const char *rest)
{
	char err[256];
	(void)rest;

	if (need_booted(sc, "unmap"))
		return -EINVAL;
	if (argc != 2)
		return sc_error(sc, "unmap: expected NAME");
	if (hugetlb_unmap(sc->m, argv[1], err, sizeof(err)))
		return sc_error(sc, "%s", err);
	return 0;
}

/* settle: the kernel's deferred work (free_hpage_workfn) runs now. */
int cmd_settle(struct scenario *sc, int argc, char **argv, const char *rest)
{
	(void)argv;
	(void)rest;
	if (need_booted(sc, "settle"))
		return -EINVAL;
	if (argc != 1)
		return sc_error(sc, "settle: expected no arguments");
	hugetlb_settle(sc->m);
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
	char sz[32];

	if (sc->max_mem_bytes &&
	    (size > sc->max_mem_bytes ||
	     machine_mem_bytes(sc->m) > sc->max_mem_bytes - size))
		return sc_error(sc, "%s: memory above this run's limit of %s (HVO_MAX_MEM=SIZE changes it)",
				what, format_size(sc->max_mem_bytes, sz, sizeof(sz)));
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
int cmd_hotplug(struct scenario *sc, int argc, char **argv, const char *rest)
{
	uint64_t size = 0, addr = 0, nid = 0;
	int mom = -1, movable = -1;
	bool add, addr_given = false;
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
		if (!strncmp(argv[i], "addr=", 5) && !parse_size(argv[i] + 5, &addr)) {
			addr_given = true;
			continue;
		}
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
	if (!add && !addr_given)
		return sc_error(sc, "hotplug remove: addr=A is required");
	if (add) {
		if (!addr_given)
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
int cmd_dax(struct scenario *sc, int argc, char **argv, const char *rest)
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
		if (!strncmp(argv[i], "addr=", 5) && !parse_size(argv[i] + 5, &addr)) {
			/* all ones means "choose one" to dax_create(): never an address */
			if (addr == (uint64_t)-1)
				return sc_error(sc, "dax create: %s is not an address", argv[i]);
			continue;
		}
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

int cmd_show(struct scenario *sc, int argc, char **argv, const char *rest)
{
	FILE *out = sc->json ? sc->err : sc->out;
	(void)rest;

	if (argc < 2)
		return sc_error(sc, "show: expected meminfo, vmstat, zoneinfo, buddyinfo, pool, hugepages, report, dmesg or pfn N");
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
	else if (!strcmp(argv[1], "buddyinfo") && argc == 2)
		show_buddyinfo(sc->m, out);
	else if (!strcmp(argv[1], "pool") && argc == 2)
		show_pool(sc->m, out);
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
		return sc_error(sc, "show: expected meminfo, vmstat, zoneinfo, buddyinfo, pool, hugepages, report, dmesg or pfn N");
	return 0;
}

/* ---- check ---- */

int run_check(struct scenario *sc, const char *what)
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
int cmd_check(struct scenario *sc, int argc, char **argv, const char *rest)
{
	struct check_report *r;
	uint64_t n;
	(void)rest;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "fails")))
		return sc_error(sc, "check: expected 'check' or 'check fails'");
	if (need_booted(sc, "check"))
		return -EINVAL;
	if (argc == 1) {
		unsigned fails = sc->nr_check_fail;
		int ret = run_check(sc, "check");

		if (!ret && sc->nr_check_fail == fails && !sc->m->nr_pfn_walkers)
			sc->checked_at = sc->nr_commands;
		return ret;
	}
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
int cmd_poke(struct scenario *sc, int argc, char **argv, const char *rest)
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
int cmd_speculative_get(struct scenario *sc, int argc, char **argv, const char *rest)
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

int cmd_fault(struct scenario *sc, int argc, char **argv, const char *rest)
{
	struct fault_attr *fa;
	(void)rest;

	if (sc->m && need_booted(sc, "fault"))
		return -EINVAL;
	if (sc->sweeping)
		return 0; /* the sweep owns fault injection */
	/* before boot: given to the machine at boot, so boot can fail */
	fa = sc->m ? &sc->m->fault : &sc->fault;
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

