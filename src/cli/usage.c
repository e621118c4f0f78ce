// SPDX-License-Identifier: GPL-2.0-only
/*
 * The usage text of every command and of the scenario language; the list
 * of kernel generations in it is made from the table (sim/generations.c).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "sim/generations.h"

/* The usage text up to the scenario language's design line. */
static const char usage_head[] =
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
	"                                     memhp_default_state=online|online_kernel|\n"
	"                                     online_movable\n"
	"                                     hvo_share_pte=on|off (not in any kernel:\n"
	"                                     shared-tail and generic share one PTE\n"
	"                                     table per zone and order among gigantic\n"
	"                                     folios whose vmemmap spans 2+ PMDs)\n";

/* The rest of the usage text, after the generation table. */
static const char usage_tail[] =
	"  boot\n"
	"  hugepages SIZE COUNT [node=N]      resize a pool (nr_hugepages)\n"
	"  hugepages SIZE demote N [node=N]   demote N free pages to demote_size\n"
	"                                     (restore, split, optimize the new\n"
	"                                     pages as one batch)\n"
	"  hugepages SIZE demote_size SIZE    set demote_size (default: the next\n"
	"                                     smaller size)\n"
	"  hotplug add node=N size=S [addr=A] [memmap_on_memory] [movable|kernel]\n"
	"          | remove addr=A size=S      (movable: online into ZONE_MOVABLE,\n"
	"                                     kernel: ZONE_NORMAL; default from\n"
	"                                     memhp_default_state=)\n"
	"  dax create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A]\n"
	"  dax destroy NAME                   (dax0, dax1, ... in creation order)\n"
	"  map SIZE N [as NAME]               a process maps N huge pages and faults\n"
	"                                     each (surplus pages up to overcommit)\n"
	"  unmap NAME                         it unmaps them: optimized surplus pages\n"
	"                                     are freed by a worker, later\n"
	"  settle                             the worker runs (also before every\n"
	"                                     pool resize, as in the kernel)\n"
	"  sysctl vm.nr_hugepages=N | vm.nr_overcommit_hugepages=N\n"
	"         | vm.hugetlb_optimize_vmemmap=0|1\n"
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

/* The whole usage text; the design list comes from the generation table. */
void print_usage(FILE *out)
{
	fputs(usage_head, out);
	fputs("  design NAME                        the kernel generation (default generic):\n", out);
	generation_help(out, 4, 37);
	fputs(usage_tail, out);
}

