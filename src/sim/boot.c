// SPDX-License-Identifier: GPL-2.0-only
/*
 * The boot sequence, the one entry point that turns a created machine into
 * a running one in the order mm_core_init() and its callers use: the kernel
 * image reserved in memblock, sections marked present, zones sized,
 * boot-time gigantic pages reserved, the memmap populated (sparse_init),
 * HugeTLB's late vmemmap init, memblock freed to the buddy allocator, and
 * memmap_init().
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/cma.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_cma.h"
#include "mm/mm_init.h"
#include "mm/sparse.h"
#include "sim/sim.h"

#define KERNEL_LOAD_ADDR (16 * SZ_1M)

/* Reserve the kernel image and early firmware data at 16 MiB on node 0. */
static int reserve_kernel(struct machine *m, char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	uint64_t bytes = m->cfg.kernel_reserve_bytes;
	pfn_t base = KERNEL_LOAD_ADDR >> g->page_shift;
	uint64_t n;

	if (bytes == (uint64_t)-1)
		bytes = m->cfg.layout == LAYOUT_QEMU_PC ? 111 * SZ_1M + 420 * SZ_1K
							: 64 * SZ_1M;
	n = DIV_ROUND_UP(bytes, g->page_size);
	if (!n)
		return 0;
	if (memblock_type_pages_in(&m->memblock.memory, base, base + n) != n) {
		snprintf(err, errlen, "kernel image (%llu KiB at 16M) does not fit in node 0's memory",
			 (unsigned long long)(bytes >> 10));
		return -EINVAL;
	}
	memblock_reserve(&m->memblock, base, n);
	m->kernel_reserved_pages = n;
	return 0;
}

/*
 * start_kernel(): parameters nobody claimed go to init, and the kernel
 * says so (print_unknown_bootoptions); hvo also names each kernel
 * parameter it accepted but does not simulate.
 */
static void log_unmodelled_params(struct machine *m)
{
	char buf[sizeof(m->bp.unmodelled)], *save = NULL;

	if (m->bp.unknown[0])
		klog(m, "Unknown kernel command line parameters \"%s\", will be passed to user space.",
		     m->bp.unknown);
	snprintf(buf, sizeof(buf), "%s", m->bp.unmodelled);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		klog(m, "hvo: accepted, not modelled: %s", w);
}

int machine_boot(struct machine *m, char *err, size_t errlen)
{
	int ret;

	if (m->phase != PHASE_CONFIG) {
		snprintf(err, errlen, "machine already booted");
		return -EINVAL;
	}
	m->phase = PHASE_EARLY;
	hugetlb_cma_validate_params(m);
	log_unmodelled_params(m);
	ret = reserve_kernel(m, err, errlen);
	if (ret)
		return ret;
	memblocks_present(m);
	free_area_init(m);
	hugetlb_cma_reserve(m);
	ret = hugetlb_reserve_bootmem(m, err, errlen);
	if (ret)
		return ret;
	if (m->before_sparse_init) /* test seam: plant a wrong section order */
		m->before_sparse_init(m);
	ret = sparse_init(m, err, errlen);
	if (ret)
		return ret;
	ret = hugetlb_vmemmap_init_late(m, err, errlen);
	if (ret)
		return ret;
	/* the most memmap the boot holds: late HVO frees some of it later */
	m->stat.memmap_boot_peak = (uint64_t)m->stat.nr_memmap_boot_pages;
	ret = memblock_free_all(m);
	if (ret) {
		snprintf(err, errlen, "host out of memory");
		return ret;
	}
	memmap_init(m);
	/* page_alloc_init_late(): the deferred struct pages, before init runs */
	deferred_init_memmap(m);
	/* core_initcall cma_init_reserved_areas() */
	if (cma_init_reserved_areas(m)) {
		snprintf(err, errlen, "host out of memory");
		return -ENOMEM;
	}
	setup_per_cpu_pageset(m);
	for (uint64_t s = 0; s < m->nr_sections_used; s++)
		if (m->mem_section[s].flags & SECTION_MARKED_PRESENT)
			m->mem_section[s].flags |= SECTION_IS_ONLINE;
	return 0;
}

/*
 * The kernel's own allocations between hugetlb_init() and the first point
 * a scenario reads, on a qemu-pc guest: slab for the devices probed, page
 * tables, per-CPU data, the initramfs unpacked into the page cache, the
 * first processes.  The oracle's first reading shows them: the kernel has
 * about 7600 fewer free pages (its per-CPU lists counted) than the
 * simulator, about 1540 of them in a smaller MemTotal, so some 6000 pages
 * are allocated that the simulator otherwise does not take.  They are
 * modelled as unmovable order-0 pages on node 0, taken after hugetlb_init
 * (subsys_initcall), as most of them are, and kept: the free lists then
 * look as the kernel's do when a scenario's run-time work starts (the
 * pageblocks they claim are not the ones the boot pools left free).  The
 * checker counts them among the allocated pages (boot_kernel_pages).
 * Other layouts model no such allocations.
 */
#define QEMU_PC_BOOT_KERNEL_PAGES 6000

int machine_boot_late(struct machine *m, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	uint64_t n = m->cfg.layout == LAYOUT_QEMU_PC ? QEMU_PC_BOOT_KERNEL_PAGES : 0;

	for (uint64_t i = 0; i < n; i++) {
		/* no frame: nothing reads them, and they cost the host nothing */
		if (alloc_boot_kernel_page(m, 0) == PFN_NONE)
			break; /* a tiny machine: the kernel would not boot either */
		m->boot_kernel_pages++;
	}
	return 0;
}
