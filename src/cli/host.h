/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The running system as a machine: host.c reads /proc and /sys (under a
 * root directory tests point at fixtures) into a struct host_info, and
 * writes it as scenario text (`hvo host`) or as the words of a machine
 * line (`machine from=host`).  It also maps a kernel release to the
 * generation that models it.
 */
#ifndef HVO_HOST_H
#define HVO_HOST_H

#include <stdio.h>

#include "machine.h"

#define HOST_MAX_POOLS 4
#define HOST_MAX_HOTPLUG 16

struct host_pool {
	uint64_t size_kb, nr;
};

/* A run of memory blocks onlined movable after boot: a hotplug line. */
struct host_hotplug {
	phys_t start;
	uint64_t size;
	unsigned nid;
};

struct host_info {
	char root[512];
	char release[128];
	unsigned nr_ram;
	struct ram_range_config ram[MAX_RAM_RANGES]; /* boot RAM, per node */
	unsigned nr_nodes;
	uint64_t block_size;
	uint64_t boot_sections;    /* present sections of boot RAM */
	uint64_t offline_blocks;   /* left out of the machine */
	unsigned nr_hotplug;
	struct host_hotplug hotplug[HOST_MAX_HOTPLUG];
	uint64_t zone_present, zone_managed; /* /proc/zoneinfo, all zones */
	uint64_t memtotal_kb;
	int64_t nr_memmap_pages, nr_memmap_boot_pages; /* /proc/vmstat now */
	uint64_t kernel_reserve;   /* bytes: present - MemTotal - boot memmap */
	char cmdline[1024];        /* the HugeTLB and HVO parameters only */
	char cmdline_ignored[512]; /* related parameters hvo does not model */
	int sysctl_hvo;            /* vm.hugetlb_optimize_vmemmap, -1 missing */
	unsigned nr_pools;
	struct host_pool pools[HOST_MAX_POOLS];
	const char *generation;
};

/* HVO_HOST_ROOT, or "/" when unset or empty. */
const char *host_default_root(void);
/* Read the host under @root: 0, or -1 after one line in @err naming the file. */
int host_read(const char *root, struct host_info *h, char *err, size_t errlen);
/* The generation name that models kernel @release ("6.18.44-..."). */
const char *host_generation(const char *release);
/* The words of a machine line (KEY=VALUE each, in @buf). */
void host_machine_words(const struct host_info *h, char *buf, size_t len);
/* The whole scenario: comments, machine, cmdline, design, boot, run-time state. */
void host_print_scenario(const struct host_info *h, FILE *out);

#endif
