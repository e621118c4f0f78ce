// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of reading a host (cli/host.c) from the saved copies of its
 * /proc and /sys files under tests/host/: this 24 GiB 6.18 host, a 2-node
 * 6.12 guest, a guest with a DIMM hot-added movable, one with movablecore.
 * Each is read, turned into a scenario, booted and compared with the live
 * numbers the copy holds.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>

#include "cli/host.h"
#include "harness.h"
#include "testutil.h"
#include "mm/vmstat.h"
#include "sim/sim.h"

static int64_t counter(struct machine *m, const char *name)
{
	int64_t v = -1;
	counter_get(m, name, &v);
	return v;
}

/* Read fixture @name and boot the scenario `hvo host` would print. */
static struct machine *boot_host(const char *name, struct host_info *h)
{
	char root[256], err[1200], *text = NULL;
	size_t len = 0;
	FILE *f;
	struct machine *m;

	snprintf(root, sizeof(root), "tests/host/%s", name);
	if (host_read(root, h, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	host_print_scenario(h, f);
	fclose(f);
	m = boot_scenario(text);
	free(text);
	return m;
}

TEST(host_this_host_24g_618)
{
	struct host_info h;
	struct machine *m = boot_host("this-host", &h);

	ASSERT_TRUE(m);
	ASSERT_EQ(h.nr_ram, 3);
	ASSERT_EQ(h.ram[0].start, 0x1000);
	ASSERT_EQ(h.ram[0].end, 0x9f000); /* 0x9fbff rounded down to a page */
	ASSERT_EQ(h.ram[2].end, 0x640000000ULL);
	ASSERT_EQ(h.boot_sections, 192);
	ASSERT_TRUE(!strcmp(h.generation, "legacy-6.18"));
	ASSERT_EQ(h.sysctl_hvo, 0);
	ASSERT_TRUE(!strcmp(m->gen->name, "legacy-6.18"));
	/* the live values at boot: 192 sections x 512, and MemTotal */
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), h.nr_memmap_boot_pages);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 98304);
	ASSERT_EQ(counter(m, "zone_present"), (int64_t)h.zone_present);
	int64_t mt = counter(m, "MemTotal");
	ASSERT_TRUE(llabs(mt - (int64_t)h.memtotal_kb) * 100 < (int64_t)h.memtotal_kb);
	machine_destroy(m);
	return 0;
}

TEST(host_two_node_612)
{
	struct host_info h;
	struct machine *m = boot_host("two-node", &h);

	ASSERT_TRUE(m);
	ASSERT_EQ(h.nr_nodes, 2);
	ASSERT_EQ(h.ram[2].nid, 1);
	ASSERT_TRUE(!strcmp(m->gen->name, "legacy"));
	ASSERT_TRUE(strstr(h.cmdline, "hugepagesz=1G hugepages=2"));
	ASSERT_TRUE(!strstr(h.cmdline, "root="));
	ASSERT_EQ(m->nr_nodes, 2);
	ASSERT_EQ(counter(m, "hugepages-1048576kB/nr_hugepages"), 2);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), h.nr_memmap_boot_pages);
	ASSERT_EQ(counter(m, "nr_memmap_pages"), h.nr_memmap_pages);
	ASSERT_TRUE(counter(m, "node1/hugepages-1048576kB/nr_hugepages") >= 0);
	machine_destroy(m);
	return 0;
}

TEST(host_hot_added_movable)
{
	struct host_info h;
	struct machine *m = boot_host("hot-added", &h);

	ASSERT_TRUE(m);
	/* the DIMM is not boot RAM: it comes back as a hotplug line */
	ASSERT_EQ(h.nr_ram, 3);
	ASSERT_EQ(h.nr_hotplug, 1);
	ASSERT_EQ(h.hotplug[0].start, 0x140000000ULL);
	ASSERT_EQ(h.hotplug[0].size, 1ULL << 30);
	ASSERT_EQ(h.boot_sections, 32);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), h.nr_memmap_boot_pages);
	ASSERT_EQ(counter(m, "nr_memmap_pages"), h.nr_memmap_pages);
	int64_t mt = counter(m, "MemTotal");
	ASSERT_TRUE(llabs(mt - (int64_t)h.memtotal_kb) * 100 < (int64_t)h.memtotal_kb);
	machine_destroy(m);
	return 0;
}

TEST(host_movable_zone_at_boot)
{
	struct host_info h;
	struct machine *m = boot_host("movable-zone", &h);

	ASSERT_TRUE(m);
	/* movablecore= on the command line: the Movable blocks are boot RAM */
	ASSERT_EQ(h.nr_hotplug, 0);
	ASSERT_TRUE(strstr(h.cmdline, "movablecore=1G"));
	ASSERT_TRUE(!strcmp(h.generation, "legacy-6.18"));
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 24576);
	ASSERT_EQ(counter(m, "hugepages-2048kB/nr_hugepages"), 256);
	machine_destroy(m);
	return 0;
}

TEST(host_missing_file_one_line)
{
	struct host_info h;
	char err[1200];

	ASSERT_EQ(host_read("tests/host/no-such-host", &h, err, sizeof(err)), -1);
	ASSERT_TRUE(strstr(err, "tests/host/no-such-host/proc/cmdline: missing"));
	ASSERT_TRUE(!strchr(err, '\n'));
	return 0;
}

TEST(host_generation_by_release)
{
	ASSERT_TRUE(!strcmp(host_generation("6.18.44-fc-v1098"), "legacy-6.18"));
	ASSERT_TRUE(!strcmp(host_generation("6.15.2"), "legacy-6.18"));
	ASSERT_TRUE(!strcmp(host_generation("6.14.0"), "legacy")); /* pre-HVO is v6.15 */
	ASSERT_TRUE(!strcmp(host_generation("6.13.7"), "legacy-6.13"));
	ASSERT_TRUE(!strcmp(host_generation("6.12.113-amd64"), "legacy"));
	ASSERT_TRUE(!strcmp(host_generation("6.12.115-amd64"), "legacy-6.12.115"));
	ASSERT_TRUE(!strcmp(host_generation("6.8.0-45-generic"), "legacy-6.10"));
	ASSERT_TRUE(!strcmp(host_generation("5.15.0"), "legacy-6.5"));
	ASSERT_TRUE(!strcmp(host_generation("7.1.0"), "shared-tail"));
	return 0;
}

/* machine from=host in a scenario, with HVO_HOST_ROOT at a fixture. */
TEST(host_machine_from_host_scenario)
{
	struct scenario_result r;

	setenv("HVO_HOST_ROOT", "tests/host/this-host", 1);
	ASSERT_EQ(run_scenario_text("from-host",
				    "machine from=host\nboot\n"
				    "expect nr_memmap_boot_pages == 98304\n"
				    "hugepages 2M 64\n"
				    "expect nr_memmap_boot_pages == 98304\n"
				    "sysctl vm.hugetlb_optimize_vmemmap=1\n"
				    "hugepages 2M 0\nhugepages 2M 64\n"
				    "expect nr_memmap_pages == 64\n"
				    "expect nr_memmap_boot_pages == 97792\n"
				    "check\n", &r), 0);
	ASSERT_EQ(r.status, 0);
	free(r.err);
	setenv("HVO_HOST_ROOT", "tests/host/no-such-host", 1);
	ASSERT_EQ(run_scenario_text("from-host", "machine from=host\nboot\n", &r), 0);
	ASSERT_EQ(r.status, 2);
	ASSERT_TRUE(strstr(r.err, "from-host:1: machine from=host: hvo host: "));
	free(r.err);
	unsetenv("HVO_HOST_ROOT");
	return 0;
}

/* build/hvo ARGS with standard output in @out; the exit status or -1. */
static int run_hvo(const char *args, char *out, size_t len)
{
	char cmd[1024], path[128];
	FILE *f;
	size_t n;
	int st;

	snprintf(path, sizeof(path), HVO_BUILD_DIR "/host.%ld.out", (long)getpid());
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/hvo %s >%s 2>&1", args, path);
	st = system(cmd);
	f = fopen(path, "r");
	if (st == -1 || !WIFEXITED(st) || !f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	remove(path);
	return WEXITSTATUS(st);
}

/* The JSON object of generation @name in plan output @out. */
static const char *plan_gen(const char *out, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "{\"name\": \"%s\"", name);
	return strstr(out, key);
}

/*
 * 6.12 populates the whole memmap (sparse_init, in setup_arch) before
 * hugepages= is parsed and the gigantic pages are taken from memblock, so
 * what the memmap took is missing from the pool: 61 of 63 pages, with the
 * kernel's "Only allocated" warning.
 */
TEST(plan_fewer_boot_pages_without_pre_hvo)
{
	static char out[16384];
	const char *g;

	ASSERT_EQ(run_hvo("plan --json tests/host/plan-64g.hvo 1G=63", out, sizeof(out)), 0);
	g = plan_gen(out, "legacy");
	ASSERT_TRUE(g);
	ASSERT_TRUE(strstr(g, "\"at_boot\": {\"boots\": true, \"pages\": {\"1048576kB\": 61}") ==
		    strstr(g, "\"at_boot\""));
	/* the generations with pre-HVO boot with the whole pool */
	for (unsigned i = 0; i < 3; i++) {
		const char *name = (const char *[]){ "legacy-6.18", "shared-tail", "generic" }[i];
		g = plan_gen(out, name);
		ASSERT_TRUE(g);
		ASSERT_TRUE(strstr(g, "\"at_boot\": {\"boots\": true, \"pages\": {\"1048576kB\": 63}") ==
			    strstr(g, "\"at_boot\""));
	}
	ASSERT_TRUE(strstr(plan_gen(out, "legacy-6.18"), "\"own\": true"));
	return 0;
}

TEST(plan_host_2m_run_time)
{
	static char out[16384];
	const char *g;

	setenv("HVO_HOST_ROOT", "tests/host/this-host", 1);
	ASSERT_EQ(run_hvo("plan --json --host 2M=64", out, sizeof(out)), 0);
	unsetenv("HVO_HOST_ROOT");
	g = plan_gen(out, "legacy-6.18");
	ASSERT_TRUE(g);
	/* 7 of 8 vmemmap pages per 2 MiB page; the 64 folios' vmemmap spans
	 * two PMDs, each split into a PTE table; one grace period */
	ASSERT_TRUE(strstr(g, "\"at_run_time\": {\"boots\": true, \"pages\": {\"2048kB\": 64}, "
			      "\"vmemmap_pages_freed\": 448, \"pgtable_pages\": 2,"));
	ASSERT_TRUE(strstr(strstr(g, "\"at_run_time\""), "\"pmd_splits\": 2,"));
	ASSERT_TRUE(strstr(strstr(g, "\"at_run_time\""), "\"rcu_grace_periods\": 1}"));
	ASSERT_EQ(run_hvo("plan --host", out, sizeof(out)), 2);
	ASSERT_TRUE(strstr(out, "hvo plan: expected"));
	ASSERT_EQ(run_hvo("plan tests/host/plan-64g.hvo 1G=x", out, sizeof(out)), 2);
	ASSERT_TRUE(strstr(out, "hvo plan: '1G=x': expected SIZE=COUNT"));
	return 0;
}

TEST(host_command_missing_root)
{
	static char out[4096];

	ASSERT_EQ(run_hvo("host --root tests/host/no-such-host", out, sizeof(out)), 2);
	ASSERT_TRUE(!strcmp(out, "hvo host: tests/host/no-such-host/proc/cmdline: missing or unreadable (not a Linux host, or not mounted here)\n"));
	ASSERT_EQ(run_hvo("host --root tests/host/two-node", out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "\nmachine ram=0x1000-0x9f000,0x100000-0xbffe0000,0x100000000-0x240000000@1 nodes=2 kernel_reserve="));
	ASSERT_TRUE(strstr(out, "\ndesign legacy\nboot\n"));
	return 0;
}
