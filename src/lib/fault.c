// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection: decides, at the allocation choke point, whether an
 * allocation fails.  Pure policy; it allocates nothing itself.
 */
#include <string.h>

#include "lib/fault.h"

static const char *const site_names[NR_ALLOC_SITES] = {
	[SITE_MEMBLOCK_MEMMAP] = "memblock_memmap",
	[SITE_PGTABLE] = "pgtable",
	[SITE_VMEMMAP_HEAD] = "vmemmap_head",
	[SITE_VMEMMAP_RESTORE] = "vmemmap_restore",
	[SITE_SHARED_TAIL] = "shared_tail",
	[SITE_SHARED_PTE] = "shared_pte",
	[SITE_HUGETLB] = "hugetlb",
	[SITE_HOTPLUG_MEMMAP] = "hotplug_memmap",
	[SITE_KERNEL] = "kernel",
};

const char *alloc_site_name(enum alloc_site site)
{
	return site < NR_ALLOC_SITES ? site_names[site] : "?";
}

int alloc_site_parse(const char *name, enum alloc_site *out)
{
	for (unsigned i = 0; i < NR_ALLOC_SITES; i++) {
		if (!strcmp(name, site_names[i])) {
			*out = (enum alloc_site)i;
			return 0;
		}
	}
	return -EINVAL;
}

void fault_attr_init(struct fault_attr *fa)
{
	memset(fa, 0, sizeof(*fa));
	fa->site_mask = SITE_MASK_ALL;
}

bool should_fail_alloc(struct fault_attr *fa, enum alloc_site site,
		       unsigned order)
{
	if (!(fa->site_mask & (1u << site)) || order < fa->min_order)
		return false;
	fa->nr_seen++;
	if (fa->hook)
		fa->hook(fa, fa->hook_arg);
	if (!fa->fail_nth)
		return false;
	if (fa->nr_seen == fa->fail_nth ||
	    (fa->persistent && fa->nr_seen > fa->fail_nth)) {
		fa->nr_injected++;
		return true;
	}
	return false;
}
