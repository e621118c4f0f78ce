/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux kernel command line, as far as the simulated kernel cares:
 * hugepagesz=, hugepages= (also per node: hugepages=0:2,1:3), hugetlb_cma=
 * (SIZE or NODE:SIZE,...), hugetlb_cma_only=,
 * default_hugepagesz=, hugetlb_free_vmemmap=, movablecore=,
 * memory_hotplug.memmap_on_memory=, memhp_default_state= (the zone that
 * hot-added memory goes online into), and hvo_share_pte=, which no kernel has
 * (see vmemmap_share_pte.h).  Every other well-formed parameter is
 * accepted and never dropped in silence: a kernel parameter hvo knows but
 * does not model (cma=, console=, a module's dotted parameter,
 * ...) goes on the unmodelled list, anything else on the unknown list,
 * which the kernel hands to init ("Unknown kernel command line
 * parameters ... will be passed to user space").  Boot logs both.
 * Malformed parameters are errors.
 */
#ifndef HVO_CMDLINE_H
#define HVO_CMDLINE_H

#include "mm/mmzone.h"
#include "types.h"

#define MAX_HP_REQUESTS 8

struct hp_request {
	uint64_t size;      /* bytes; 0 = the default huge page size */
	uint64_t count;     /* total, when !per_node */
	bool per_node;
	uint64_t node_count[MAX_NUMNODES];
};

struct boot_params {
	int hugetlb_free_vmemmap;       /* -1 unset, else 0/1 */
	uint64_t hugepagesz[MAX_HP_REQUESTS]; /* sizes named by hugepagesz= */
	unsigned nr_hugepagesz;
	struct hp_request hp[MAX_HP_REQUESTS];
	unsigned nr_hp;
	uint64_t default_hugepagesz;    /* 0 unset */
	bool movablecore_set;
	uint64_t movablecore;
	int memmap_on_memory;           /* -1 unset */
	bool memhp_online_movable;      /* memhp_default_state=online_movable */
	int hvo_share_pte;              /* -1 unset, else 0/1 (simulator only) */
	uint64_t hugetlb_cma_size;      /* hugetlb_cma=SIZE, bytes */
	uint64_t hugetlb_cma_size_in_node[MAX_NUMNODES]; /* hugetlb_cma=NODE:SIZE,... */
	bool hugetlb_cma_node_given;
	int hugetlb_cma_only;           /* -1 unset, else 0/1 */
	char unknown[1024];             /* space-separated: passed to user space */
	char unmodelled[1024];          /* space-separated names: known, not modelled */
};

void boot_params_init(struct boot_params *bp);
/*
 * Parse @line into @bp (appending to what is there).  0, or -EINVAL with a
 * message in @err.
 */
int cmdline_parse(struct boot_params *bp, const char *line, char *err,
		  size_t errlen);

#endif
