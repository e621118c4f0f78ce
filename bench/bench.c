// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench: one table, measured in one run.  Each row runs in its own
 * forked child so its peak RSS is its own.
 *
 *  - boot: a machine whose memory is (almost) all 1 GiB huge pages reserved
 *    on the command line, per design and with HVO off;
 *  - 2 MiB cycle: 1 TiB of 2 MiB pages allocated into the pool (prep +
 *    batched optimize) and freed (batched restore), per design, with the
 *    HVO work timed on its own and its page-table writes, TLB flushes and
 *    page allocations counted per folio.
 *
 *  - kernel: in a kernel-mode build (bench/bench.c linked with a kernel
 *    tree's mm/hugetlb_vmemmap.c by `make kernel`, build/kernel-VERSION/bench),
 *    optimize and restore of 30,000 2 MiB pages by the real code (design
 *    kernel) and by the model (legacy), each timed on its own, and the
 *    ratio of their CPU times;
 *
 *  - hvo_share_pte: 1 TiB of 1 GiB pages booted with HVO off and on, with
 *    the option off (the kernel's own saving) and on (shared PTE tables);
 *    the note gives the net saving per TiB and the page tables per folio.
 *
 * "backed" is the simulated metadata the run backs at its peak: vmemmap
 * pages, page-table pages and shared tails that exist at once (every frame
 * with an entry in the frame store, its high-water mark), in bytes.  The
 * peak is what host memory must cover: a batched optimize holds a folio's
 * old and new vmemmap pages until the batch's TLB flush, as the kernel does.
 *
 * "cpu s" is the process CPU time (user + system, getrusage()) of the
 * measured phase: unlike the wall time it does not grow when other work
 * shares the host.  On a host whose speed varies (a shared VM),
 * BENCH_RUNS=N runs every row N times and prints its fastest run.
 *
 * Every run starts by measuring the host's own floor (floor.c): its
 * first-touch rate of fresh memory, with and without MADV_HUGEPAGE, and
 * its rewrite rate of touched memory.  Each row counts the host bytes the
 * frame store backed during its measured phase ("fresh MiB": chunks carved
 * from new memory; chunks reused from its free list are rewritten) and
 * prints its wall time also as a multiple of the least time this host
 * needs for those bytes ("x floor").  Ratios within one run survive a
 * noisy host; absolute seconds do not.  Unless HVO_HOST_THP is set, the
 * rows run with MADV_HUGEPAGE on or off, whichever first-touched faster.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floor.h"
#include "sim/generations.h"
#include "sim/sim.h"
#include "mm/dax.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "machine.h"
#include "mm/vmstat.h"

struct row {
	char what[64];
	char design[16];
	double seconds;      /* the measured phase */
	double cpu_seconds;  /* its process CPU time */
	double hvo_seconds;  /* of which vmemmap optimize / restore */
	long rss_kb;         /* peak RSS of the child */
	double backed_bytes; /* simulated metadata backed at the end */
	double fresh_bytes;  /* fresh host memory the frame store backed */
	double reused_bytes; /* host memory it reused from its free list */
	double pte_per_folio, flush_per_folio, alloc_per_folio;
	double copy_bytes;   /* head page copies the simulated kernel made */
	char note[256];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Process CPU seconds, user + system. */
static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* A measured phase: its times and the host memory its machine backs. */
struct phase {
	double t, cpu;
	uint64_t fresh, reused;
	const struct hostmem *hm;
};

static void phase_begin(struct phase *p, const struct machine *m)
{
	p->hm = &m->frames.host;
	p->fresh = p->hm->nr_mapped;
	p->reused = p->hm->nr_reused;
	p->t = now();
	p->cpu = cpu_now();
}

/* End phase @p: its seconds and bytes go to @r (added, for rows of several). */
static void phase_end(const struct phase *p, struct row *r)
{
	r->seconds += now() - p->t;
	r->cpu_seconds += cpu_now() - p->cpu;
	r->fresh_bytes += (double)(p->hm->nr_mapped - p->fresh) * (double)p->hm->chunk;
	r->reused_bytes += (double)(p->hm->nr_reused - p->reused) * (double)p->hm->chunk;
}

/* Simulated metadata at its peak: every frame the frame store ever held at once. */
static double backed(struct machine *m)
{
	return (double)m->frames.nr_entries_peak * (double)m->geo.page_size;
}

static struct machine *make_machine(uint64_t mem, const char *cmdline,
				    const struct hvo_generation *gen, char *err, size_t errlen)
{
	struct machine_config cfg;
	struct boot_params bp;
	struct machine *m;

	machine_config_default(&cfg);
	cfg.mem_bytes = mem;
	cfg.gen = gen;
	m = machine_create(&cfg, err, errlen);
	if (!m)
		return NULL;
	boot_params_init(&bp);
	if (cmdline_parse(&bp, cmdline, err, errlen) ||
	    hugetlb_apply_boot_params(m, &bp, err, errlen)) {
		machine_destroy(m);
		return NULL;
	}
	return m;
}

/*
 * Boot a machine of @tib TiB with everything in 1 GiB pages but what an
 * unoptimized memmap needs (1/64) and 8 GiB for the kernel.
 */
static void row_boot(struct row *r, unsigned tib, int design, bool hvo)
{
	char cmd[128], err[256];
	uint64_t mem = (uint64_t)tib << 40;
	unsigned long pages = (unsigned long)((mem >> 30) - (mem >> 36) - 8);
	struct machine *m;
	struct phase ph;

	if (tib == 64)
		mem -= 4ULL << 30; /* mem=65532G: the largest 4-level machine */
	pages = (unsigned long)((mem >> 30) - (mem >> 36) - 8);
	snprintf(r->what, sizeof(r->what), "boot %u TiB, %lu x 1G", tib, pages);
	snprintf(cmd, sizeof(cmd), "hugepagesz=1G hugepages=%lu hugetlb_free_vmemmap=%s",
		 pages, hvo ? "on" : "off");
	m = make_machine(mem, cmd, generation_compared((unsigned)design), err, sizeof(err));
	if (!m) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		return;
	}
	phase_begin(&ph, m);
	if (machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		machine_destroy(m);
		return;
	}
	phase_end(&ph, r);
	r->backed_bytes = backed(m);
	if (m->hstates[m->nr_hstates - 1].nr_huge_pages != pages) {
		snprintf(r->note, sizeof(r->note), "only %llu pages",
			 (unsigned long long)m->hstates[m->nr_hstates - 1].nr_huge_pages);
	} else {
		/* Say where the host, not the simulator, is the limit. */
		double memmap = (double)(m->stat.nr_memmap_boot_pages + m->stat.nr_memmap_pages) *
				(double)m->geo.page_size;
		double host = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
		if (memmap > host)
			snprintf(r->note, sizeof(r->note),
				 "memmap %.0f GiB > this host's %.0f GiB: held lazily, generated on touch",
				 memmap / (1 << 30), host / (1 << 30));
		else
			snprintf(r->note, sizeof(r->note), "memmap %.2f GiB, %llu frames host-backed",
				 memmap / (1 << 30), (unsigned long long)m->frames.host.nr_in_use);
	}
	machine_destroy(m);
}

/*
 * Fill the 2 MiB pool with @n folios while HVO is off, and return their
 * pfns (*@k of them) for one batch of the vmemmap entry points.
 */
static pfn_t *fill_pool_unoptimized(struct machine *m, uint64_t n, uint64_t *k)
{
	char err[256];
	struct hstate *h;
	pfn_t *pfns;

	m->vmemmap_optimize_enabled = false;
	hugetlb_set_nr(m, 2 * SZ_1M, n, NUMA_NO_NODE, err, sizeof(err));
	m->vmemmap_optimize_enabled = true;
	h = size_to_hstate(m, 2 * SZ_1M);
	pfns = malloc(n * sizeof(*pfns));
	*k = 0;
	for (unsigned nid = 0; pfns && nid < m->nr_nodes; nid++)
		for (uint64_t i = 0; i < h->freelists[nid].nr && *k < n; i++)
			pfns[(*k)++] = h->freelists[nid].v[i].pfn;
	return pfns;
}

/* Allocate 1 TiB of 2 MiB pages and free them; time the HVO parts alone. */
static void row_cycle(struct row *r, int design, bool restore)
{
	char err[256];
	uint64_t n = 524288;
	struct machine *m = make_machine(1056ULL << 30, "hugetlb_free_vmemmap=on",
					 generation_compared((unsigned)design), err, sizeof(err));
	struct hstate *h;
	pfn_t *pfns;
	uint64_t k = 0, pte0, fl0, al0;
	struct phase ph;

	snprintf(r->what, sizeof(r->what), "%s 1 TiB of 2M pages",
		 restore ? "restore" : "optimize");
	if (!m || machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		machine_destroy(m);
		return;
	}
	/* Fill the pool with HVO off, then optimize the whole list at once. */
	pfns = fill_pool_unoptimized(m, n, &k);
	h = size_to_hstate(m, 2 * SZ_1M);
	pte0 = m->stat.nr_pte_writes;
	fl0 = m->mmu.nr_flush_all + m->mmu.nr_flush_range;
	al0 = m->stat.nr_vmemmap_alloc_pages + m->stat.vmemmap_pgtable_pages;
	phase_begin(&ph, m);
	hugetlb_vmemmap_optimize_folios(m, h->order, pfns, k);
	if (restore) {
		pte0 = m->stat.nr_pte_writes;
		fl0 = m->mmu.nr_flush_all + m->mmu.nr_flush_range;
		al0 = m->stat.nr_vmemmap_alloc_pages + m->stat.vmemmap_pgtable_pages;
		phase_begin(&ph, m);
		if (hugetlb_vmemmap_restore_folios(m, h->order, pfns, k) != (int64_t)k)
			snprintf(r->note, sizeof(r->note), "restore stopped early");
	}
	phase_end(&ph, r);
	r->hvo_seconds = r->seconds;
	r->copy_bytes = (double)k * (double)m->geo.page_size; /* one head page copy per folio */
	r->pte_per_folio = (double)(m->stat.nr_pte_writes - pte0) / (double)k;
	r->flush_per_folio = (double)(m->mmu.nr_flush_all + m->mmu.nr_flush_range - fl0) / (double)k;
	r->alloc_per_folio = (double)(m->stat.nr_vmemmap_alloc_pages + m->stat.vmemmap_pgtable_pages - al0) / (double)k;
	r->backed_bytes = backed(m);
	if (k != n)
		snprintf(r->note, sizeof(r->note), "only %llu folios", (unsigned long long)k);
	free(pfns);
	machine_destroy(m);
}

/*
 * Optimize and restore 30,000 2 MiB pages in design @gen (kernel mode's
 * row): the pool is filled with HVO off, then the whole list is optimized
 * at once and restored at once.  cpu s is both phases; the note splits it.
 */
static void row_kernel(struct row *r, const char *gen)
{
	char err[256];
	uint64_t n = 30000;
	struct machine *m = make_machine(64ULL << 30, "hugetlb_free_vmemmap=on",
					 generation_find(gen), err, sizeof(err));
	struct hstate *h;
	pfn_t *pfns;
	uint64_t k = 0;
	int64_t optimized = 0;
	double t0, c0, opt, res;

	snprintf(r->what, sizeof(r->what), "optimize+restore 30000 x 2M");
	if (!m || machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		snprintf(r->note, sizeof(r->note), "%s", m ? err : "no such design in this build");
		machine_destroy(m);
		return;
	}
	pfns = fill_pool_unoptimized(m, n, &k);
	h = size_to_hstate(m, 2 * SZ_1M);
	t0 = now();
	c0 = cpu_now();
	hugetlb_vmemmap_optimize_folios(m, h->order, pfns, k);
	opt = cpu_now() - c0;
	optimized = m->hugetlb_optimize_vmemmap_key; /* legacy's key counts them */
	if (optimized != (int64_t)k ||
	    hugetlb_vmemmap_restore_folios(m, h->order, pfns, k) != (int64_t)k)
		snprintf(r->note, sizeof(r->note), "optimize or restore stopped early (%llu folios, %lld optimized)",
			 (unsigned long long)k, (long long)optimized);
	res = cpu_now() - c0 - opt;
	r->seconds = r->hvo_seconds = now() - t0;
	r->cpu_seconds = opt + res;
	r->backed_bytes = backed(m);
	if (!r->note[0])
		snprintf(r->note, sizeof(r->note), "cpu: optimize %.3f s, restore %.3f s%s", opt, res,
			 k == n ? "" : " (fewer folios)");
	free(pfns);
	machine_destroy(m);
}

/* Allocate and free the pool through nr_hugepages, as a user would. */
static void row_pool(struct row *r, int design)
{
	char err[256];
	struct machine *m = make_machine(1056ULL << 30, "hugetlb_free_vmemmap=on",
					 generation_compared((unsigned)design), err, sizeof(err));
	struct phase ph;
	double t0;

	snprintf(r->what, sizeof(r->what), "nr_hugepages 0->524288->0 (2M)");
	if (!m || machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		machine_destroy(m);
		return;
	}
	phase_begin(&ph, m);
	t0 = now();
	hugetlb_set_nr(m, 2 * SZ_1M, 524288, NUMA_NO_NODE, err, sizeof(err));
	r->hvo_seconds = now() - t0;
	r->backed_bytes = backed(m);
	hugetlb_set_nr(m, 2 * SZ_1M, 0, NUMA_NO_NODE, err, sizeof(err));
	phase_end(&ph, r);
	snprintf(r->note, sizeof(r->note), "allocate %.2f s (kernel, large VM: 4.8 s)", r->hvo_seconds);
	r->hvo_seconds = 0;
	machine_destroy(m);
}

/* 1 TiB of device DAX with its memmap in RAM: what each design keeps. */
static void row_dax(struct row *r, int design, uint64_t align)
{
	char err[256], name[16];
	struct machine *m = make_machine(40ULL << 30, "", generation_compared((unsigned)design), err, sizeof(err));
	int64_t pgt0;
	struct phase ph;

	snprintf(r->what, sizeof(r->what), "DAX 1 TiB, align %s",
		 align == 4096 ? "4K" : align == SZ_1G ? "1G" : "2M");
	if (!m || machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		machine_destroy(m);
		return;
	}
	pgt0 = (int64_t)m->stat.vmemmap_pgtable_pages;
	phase_begin(&ph, m);
	if (dax_create(m, SZ_1T, align, 0, false, (phys_t)-1, name, sizeof(name), err, sizeof(err)))
		snprintf(r->note, sizeof(r->note), "%s", err);
	else
		snprintf(r->note, sizeof(r->note), "kept: vmemmap %.1f MiB + page tables %.1f MiB + shared tails %llu pages",
			 (double)m->stat.nr_memmap_pages * m->geo.page_size / (1 << 20),
			 (double)((int64_t)m->stat.vmemmap_pgtable_pages - pgt0) * m->geo.page_size / (1 << 20),
			 (unsigned long long)m->stat.nr_shared_tail_pages);
	phase_end(&ph, r);
	r->backed_bytes = backed(m);
	machine_destroy(m);
}

/* Boot 1 TiB in 1 GiB pages; the metadata pages it keeps, and the folios. */
static double share_pte_boot(struct row *r, int design, bool hvo, bool share,
			     uint64_t *folios, double *pgtables, char *err, size_t errlen)
{
	char cmd[160];
	struct machine *m;
	struct phase ph;
	double pages;

	snprintf(cmd, sizeof(cmd), "hugepagesz=1G hugepages=1000 hugetlb_free_vmemmap=%s hvo_share_pte=%s",
		 hvo ? "on" : "off", share ? "on" : "off");
	m = make_machine(SZ_1T, cmd, generation_compared((unsigned)design), err, errlen);
	if (!m)
		return -1;
	phase_begin(&ph, m);
	if (machine_boot(m, err, errlen) || hugetlb_late_init(m, err, errlen)) {
		machine_destroy(m);
		return -1;
	}
	phase_end(&ph, r);
	*folios = m->hstates[m->nr_hstates - 1].nr_huge_pages;
	*pgtables = (double)m->stat.vmemmap_pgtable_pages;
	pages = backed(m) / (double)m->geo.page_size;
	machine_destroy(m);
	return pages;
}

/* hvo_share_pte: the net HVO saving for 1 TiB of 1 GiB pages. */
static void row_share_pte(struct row *r, int design, bool share)
{
	char err[256];
	uint64_t folios, f;
	double pgt_off, pgt_on, off, on;

	snprintf(r->what, sizeof(r->what), "1 TiB of 1G, hvo_share_pte=%s", share ? "on" : "off");
	off = share_pte_boot(r, design, false, false, &f, &pgt_off, err, sizeof(err));
	on = share_pte_boot(r, design, true, share, &folios, &pgt_on, err, sizeof(err));
	r->backed_bytes = on * 4096.0;
	if (off < 0 || on < 0 || f != folios || !folios) {
		snprintf(r->note, sizeof(r->note), "%s", err);
		return;
	}
	snprintf(r->note, sizeof(r->note),
		 "net saving %.2f MiB per TiB of 1G pages (%.2f pages/folio); page tables +%.3f/folio",
		 (off - on) * 4096.0 / (1 << 20) * 1024.0 / (double)folios,
		 (off - on) / (double)folios, (pgt_on - pgt_off) / (double)folios);
}

/* One run of row @fn in a forked child, into *@r. */
static void run_row_once(void (*fn)(struct row *, int, bool), int design, bool flag,
			 const char *dname, struct row *out)
{
	int fd[2];
	pid_t pid;
	struct row r;

	if (pipe(fd))
		exit(1);
	pid = fork();
	if (pid == 0) {
		struct rusage ru;
		memset(&r, 0, sizeof(r));
		snprintf(r.design, sizeof(r.design), "%s", dname);
		fn(&r, design, flag);
		getrusage(RUSAGE_SELF, &ru);
		r.rss_kb = ru.ru_maxrss;
		if (write(fd[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	memset(&r, 0, sizeof(r));
	if (read(fd[0], &r, sizeof(r)) != sizeof(r))
		snprintf(r.note, sizeof(r.note), "child failed");
	close(fd[0]);
	waitpid(pid, NULL, 0);
	*out = r;
}

static const char *const design_names[] = { "legacy", "shared-tail", "generic" };

static bool is_design(const char *s)
{
	for (unsigned d = 0; d < 3; d++)
		if (!strcmp(s, design_names[d]))
			return true;
	return false;
}

/*
 * Is group or design @name selected?  No group (no design) named on the
 * command line: every group (every design).
 */
static bool selected(int argc, char **argv, const char *name)
{
	bool any = false;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], name))
			return true;
		any |= is_design(argv[i]) == is_design(name);
	}
	return !any;
}

static unsigned bench_runs = 1; /* BENCH_RUNS: each row's fastest of this many */
static int sel_argc;             /* the command line, for selected() */
static char **sel_argv;
static struct host_rates rates;  /* this host's floor, measured first */
static bool rows_thp;            /* the rows' HVO_HOST_THP */

/* The least time this host needs for the host memory row @r backed. */
static double row_floor(const struct row *r)
{
	return host_floor_seconds(&rates, rows_thp, r->fresh_bytes, r->reused_bytes);
}

static struct row run_row(void (*fn)(struct row *, int, bool), int design, bool flag,
			  const char *dname)
{
	struct row r, best;
	double fl;

	memset(&best, 0, sizeof(best));
	if (is_design(dname) && !selected(sel_argc, sel_argv, dname))
		return best; /* a design not asked for */
	for (unsigned i = 0; i < bench_runs; i++) {
		run_row_once(fn, design, flag, dname, &r);
		if (!i || r.seconds < best.seconds)
			best = r;
	}
	r = best;
	fl = row_floor(&r);
	printf("%-34s %-12s %8.2f %8.2f %9.1f %9.1f %6.2f %9.1f %7.2f %6.1f %6.3f %6.3f  %s\n",
	       r.what, dname, r.seconds, r.cpu_seconds, r.rss_kb / 1024.0,
	       r.backed_bytes / (1 << 20), r.backed_bytes ? r.rss_kb * 1024.0 / r.backed_bytes : 0,
	       r.fresh_bytes / (1 << 20), fl > 0 ? r.seconds / fl : 0, r.pte_per_folio,
	       r.flush_per_folio, r.alloc_per_folio, r.note);
	fflush(stdout);
	return r;
}

/*
 * Optimize + restore of a design against the floor of its head page
 * copies: what first-touching a fresh page per copy would take this host.
 */
static void print_cycle_ratio(const char *dname, const struct row *opt, const struct row *res)
{
	double fl = host_floor_seconds(&rates, rows_thp, opt->copy_bytes, 0);

	if (fl <= 0 || !opt->copy_bytes)
		return;
	printf("  %-12s optimize + restore %.2f s (cpu %.2f s) = %.2fx (cpu %.2fx) the first touch of"
	       " its %.0f MiB of head copies (%.2f s); fresh host memory %.1f MiB, peak RSS %.0f MiB\n",
	       dname, opt->seconds + res->seconds, opt->cpu_seconds + res->cpu_seconds,
	       (opt->seconds + res->seconds) / fl, (opt->cpu_seconds + res->cpu_seconds) / fl,
	       opt->copy_bytes / (1 << 20), fl, (opt->fresh_bytes + res->fresh_bytes) / (1 << 20),
	       MAX(opt->rss_kb, res->rss_kb) / 1024.0);
}

/* Least-squares slope of log(y) against log(x): time ~ memory^slope. */
static double loglog_slope(const double *x, const double *y, unsigned n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (unsigned i = 0; i < n; i++) {
		double lx = log(x[i]), ly = log(y[i] > 1e-6 ? y[i] : 1e-6);
		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
	}
	return n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0;
}

static unsigned boot_tib;
static void boot_row(struct row *r, int design, bool hvo) { row_boot(r, boot_tib, design, hvo); }
static void cycle_row(struct row *r, int design, bool restore) { row_cycle(r, design, restore); }
static void pool_row(struct row *r, int design, bool unused) { (void)unused; row_pool(r, design); }
static void share_pte_row(struct row *r, int design, bool share) { row_share_pte(r, design, share); }
static const char *const kernel_rows[] = { "legacy", "kernel" };
static void kernel_row(struct row *r, int i, bool unused) { (void)unused; row_kernel(r, kernel_rows[i]); }

/* The model, then the real code, then the ratio of their CPU times. */
static void kernel_rows_run(void)
{
	struct row model, real;

	if (!generation_find("kernel")) {
		printf("kernel mode: not in this binary (make kernel KSRC=DIR builds "
		       "build/kernel-VERSION/bench, which make bench then runs)\n");
		return;
	}
	model = run_row(kernel_row, 0, false, "legacy");
	real = run_row(kernel_row, 1, false, "kernel");
	if (model.cpu_seconds > 0 && real.cpu_seconds > 0)
		printf("%-34s %-12s %.2fx the model's CPU time (target: within 3x)\n",
		       "kernel mode / model", "", real.cpu_seconds / model.cpu_seconds);
	else
		printf("%-34s %-12s no ratio: a row did not run\n", "kernel mode / model", "");
}

static uint64_t dax_align;
static void dax_row(struct row *r, int design, bool unused) { (void)unused; row_dax(r, design, dax_align); }

int main(int argc, char **argv)
{
	/* the designs generation_compared() lists: legacy, shared-tail, generic */
	const char *const *names = design_names;
	static const char *const groups[] = { "boot", "cycle", "pool", "share_pte", "dax", "kernel" };
	char host[256] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	unsigned max_tib = argc > 1 ? (unsigned)atoi(argv[1]) : 16;

	for (int i = 2; i < argc; i++) {
		bool known = false;
		for (unsigned g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			known |= !strcmp(argv[i], groups[g]);
		if (!known && !is_design(argv[i])) {
			fprintf(stderr, "usage: [BENCH_RUNS=N] bench [MAX_TIB] [boot|cycle|pool|share_pte|dax|kernel]..."
				" [legacy|shared-tail|generic]...\n");
			return 2;
		}
	}
	if (getenv("BENCH_RUNS")) {
		char *end;
		unsigned long n = strtoul(getenv("BENCH_RUNS"), &end, 10);
		if (*end || !n || n > 100) {
			fprintf(stderr, "bench: BENCH_RUNS must be a number of runs from 1 to 100\n");
			return 2;
		}
		bench_runs = (unsigned)n;
	}
	if (argc > 1 && !max_tib) {
		fprintf(stderr, "bench: MAX_TIB must be a number of TiB (1, 4, 16, ...)\n");
		return 2;
	}
	while (f && fgets(host, sizeof(host), f))
		if (!strncmp(host, "model name", 10))
			break;
	if (f)
		fclose(f);
	host[strcspn(host, "\n")] = 0;
	printf("host: %s, %ld CPUs; each row the fastest of %u run%s (BENCH_RUNS)\n",
	       strchr(host, ':') ? strchr(host, ':') + 2 : host, sysconf(_SC_NPROCESSORS_ONLN),
	       bench_runs, bench_runs == 1 ? "" : "s");
	sel_argc = argc;
	sel_argv = argv;
	host_rates_measure(&rates, (size_t)256 << 20, 3);
	if (getenv("HVO_HOST_THP"))
		rows_thp = hostmem_env_flag("HVO_HOST_THP", true);
	else {
		rows_thp = rates.touch_thp > rates.touch;
		setenv("HVO_HOST_THP", rows_thp ? "1" : "0", 1); /* for every row's child */
	}
	printf("floor: first touch %.2f GB/s, with MADV_HUGEPAGE %.2f GB/s (%.2fx); rewrite %.2f GB/s"
	       " (best of 3 x %zu MiB); rows run with HVO_HOST_THP=%d\n",
	       rates.touch / 1e9, rates.touch_thp / 1e9,
	       rates.touch > 0 ? rates.touch_thp / rates.touch : 0, rates.rewrite / 1e9,
	       rates.sample_bytes >> 20, rows_thp);
	printf("%-34s %-12s %8s %8s %9s %9s %6s %9s %7s %6s %6s %6s  %s\n", "what", "design",
	       "wall s", "cpu s", "RSS MiB", "back MiB", "RSS/bk", "fresh MiB", "x floor", "pte/f",
	       "tlb/f", "alloc/f", "note");
	{
		double tibs[8], wall[4][8], cpu[4][8];
		unsigned nb = 0;

		for (boot_tib = 1; selected(argc, argv, "boot") && boot_tib <= max_tib && nb < 8;
		     boot_tib *= 4, nb++) {
			struct row r = run_row(boot_row, 0, false, "HVO off");

			tibs[nb] = boot_tib;
			wall[0][nb] = r.seconds;
			cpu[0][nb] = r.cpu_seconds;
			for (int d = 0; d < 3; d++) {
				r = run_row(boot_row, d, true, names[d]);
				wall[d + 1][nb] = r.seconds;
				cpu[d + 1][nb] = r.cpu_seconds;
			}
		}
		for (int d = 0; nb > 1 && d < 4; d++)
			if (wall[d][0] > 0)
				printf("  boot %-12s wall ~ memory^%.2f, cpu ~ memory^%.2f (%g to %g TiB)\n",
				       d ? names[d - 1] : "HVO off", loglog_slope(tibs, wall[d], nb),
				       loglog_slope(tibs, cpu[d], nb), tibs[0], tibs[nb - 1]);
	}
	/* `kernel` only when named: the normal build has no kernel mode, and
	 * make bench runs the kernel-mode binary for this group alone */
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "kernel"))
			kernel_rows_run();
	for (int d = 0; selected(argc, argv, "cycle") && d < 3; d++) {
		struct row opt = run_row(cycle_row, d, false, names[d]);
		struct row res = run_row(cycle_row, d, true, names[d]);

		print_cycle_ratio(names[d], &opt, &res);
	}
	for (int d = 0; selected(argc, argv, "pool") && d < 3; d++)
		run_row(pool_row, d, false, names[d]);
	for (int on = 0; selected(argc, argv, "share_pte") && on < 2; on++)
		run_row(share_pte_row, 2, on, names[2]);
	for (unsigned a = 0; selected(argc, argv, "dax") && a < 3; a++) {
		static const uint64_t aligns[] = { 4096, 2 * SZ_1M, SZ_1G };
		dax_align = aligns[a];
		for (int d = 0; d < 3; d++) {
			if (a == 0 && d)
				break; /* no compound pages: the same in every design */
			run_row(dax_row, d, false, a == 0 ? "any" : names[d]);
		}
	}
	return 0;
}
