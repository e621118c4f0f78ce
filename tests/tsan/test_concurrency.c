// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency test, built with ThreadSanitizer (make tsan): several threads
 * race to publish the shared tail page of one (zone, order) for the first
 * time.  A test seam holds each racer between its allocation and its
 * compare-and-swap until all have arrived, so every race really contends:
 * exactly one compare-and-swap wins, the losers free their copies, and
 * every thread ends up with the winner's page.
 * Prints "N passed, N failed".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sim/generations.h"
#include "sim/sim.h"
#include "sim/check.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "machine.h"
#include "mm/vmemmap_share_pte.h"

#define NR_THREADS 4
#define NR_MACHINES 12

struct race {
	struct machine *m;
	struct zone *zone;
	unsigned order;
	pthread_barrier_t *start;
	pfn_t got;
};

/* 1 if the invariant checker finds a violation in @m (printed), else 0. */
static int checker_finds_violations(struct machine *m, struct check_report *rep)
{
	if (!mm_check(m, rep))
		return 0;
	check_report_print(rep, stderr);
	return 1;
}

/* Hold every racer at the compare-and-swap until all have their copy. */
static void wait_for_all(struct machine *m, struct zone *z, unsigned order)
{
	(void)z;
	(void)order;
	pthread_barrier_wait(m->test_data);
}

static void *racer(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->start);
	r->got = vmemmap_shared_tail_page(r->m, r->order, r->zone);
	return NULL;
}

static void *pte_racer(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(r->start);
	r->got = vmemmap_shared_pte_table(r->m, r->order, r->zone);
	return NULL;
}

/*
 * Run NR_THREADS copies of @fn on (@m, @zone, @order), all released at once
 * and held at the compare-and-swap until every one has its own copy.  1
 * unless every thread got the same page.
 */
static int run_racers(struct machine *m, struct zone *zone, unsigned order,
		      void *(*fn)(void *))
{
	pthread_t t[NR_THREADS];
	struct race r[NR_THREADS];
	pthread_barrier_t start, publish;

	pthread_barrier_init(&start, NULL, NR_THREADS);
	pthread_barrier_init(&publish, NULL, NR_THREADS);
	m->test_data = &publish;
	m->before_tail_publish = wait_for_all;
	for (int i = 0; i < NR_THREADS; i++) {
		r[i] = (struct race){ m, zone, order, &start, PFN_NONE };
		pthread_create(&t[i], NULL, fn, &r[i]);
	}
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&publish);
	m->before_tail_publish = NULL;
	for (int i = 0; i < NR_THREADS; i++) {
		if (r[i].got == PFN_NONE || r[i].got != r[0].got) {
			fprintf(stderr, "order %u: thread %d got %#llx, thread 0 got %#llx\n",
				order, i, (unsigned long long)r[i].got, (unsigned long long)r[0].got);
			return 1;
		}
	}
	return 0;
}

/*
 * hvo_share_pte: threads race to publish one (zone, order)'s shared PTE
 * table, held at the compare-and-swap like the tail racers.  One wins, the
 * others free their tables, all return the winner's, and it counts once.
 */
static int pte_race(const struct hvo_generation *gen)
{
	struct machine_config cfg;
	struct check_report *rep = malloc(sizeof(*rep));
	char err[256];
	struct machine *m;
	struct zone *zone;
	uint64_t pgt;
	unsigned order = 18; /* 1 GiB: 8 PMDs of vmemmap */
	int bad = 0;

	machine_config_default(&cfg);
	cfg.mem_bytes = 6ULL << 30;
	cfg.gen = gen;
	m = machine_create(&cfg, err, sizeof(err));
	if (!m || !rep || machine_boot(m, err, sizeof(err))) {
		fprintf(stderr, "boot: %s\n", err);
		free(rep);
		return 1;
	}
	m->vmemmap_share_pte = true;
	zone = &m->nodes[0].node_zones[ZONE_NORMAL];
	if (vmemmap_shared_tail_page(m, order, zone) == PFN_NONE) /* tail first: no seam there */
		bad = 1;
	pgt = m->stat.vmemmap_pgtable_pages;
	bad |= run_racers(m, zone, order, pte_racer);
	if (m->stat.nr_shared_pte_tables != 1 || m->stat.vmemmap_pgtable_pages != pgt + 1 ||
	    m->stat.nr_shared_pte_races_lost != NR_THREADS - 1) {
		fprintf(stderr, "%s: %llu tables, +%llu page tables, %llu races lost\n", gen->name,
			(unsigned long long)m->stat.nr_shared_pte_tables,
			(unsigned long long)(m->stat.vmemmap_pgtable_pages - pgt),
			(unsigned long long)m->stat.nr_shared_pte_races_lost);
		bad = 1;
	}
	bad |= checker_finds_violations(m, rep);
	free(rep);
	machine_destroy(m);
	return bad;
}

static int one_race(struct machine *m, struct zone *zone, unsigned order)
{
	uint64_t before = m->stat.nr_shared_tail_pages;
	uint64_t free_before = zone->buddy.nr_free_pages;
	uint64_t lost_before = m->stat.nr_shared_tail_races_lost;

	if (run_racers(m, zone, order, racer))
		return 1;
	if (m->stat.nr_shared_tail_pages != before + 1) {
		fprintf(stderr, "order %u: %llu tails published\n", order,
			(unsigned long long)(m->stat.nr_shared_tail_pages - before));
		return 1;
	}
	if (m->stat.nr_shared_tail_races_lost != lost_before + NR_THREADS - 1) {
		fprintf(stderr, "order %u: %llu losers, expected %d\n", order,
			(unsigned long long)(m->stat.nr_shared_tail_races_lost - lost_before),
			NR_THREADS - 1);
		return 1;
	}
	/* One page kept by the winner (on this zone or a fallback one). */
	if (free_before - zone->buddy.nr_free_pages > 1) {
		fprintf(stderr, "order %u: losers leaked %llu pages\n", order,
			(unsigned long long)(free_before - zone->buddy.nr_free_pages - 1));
		return 1;
	}
	return 0;
}

struct pool_job {
	struct machine *m;
	uint64_t size;
	int nid;
	uint64_t counts[4];
	int ret;
};

/* A node's pool grows and shrinks in steps, while other threads do the same. */
static void *pool_worker(void *arg)
{
	struct pool_job *j = arg;
	char err[128];

	for (unsigned i = 0; i < ARRAY_SIZE(j->counts) && !j->ret; i++)
		j->ret = hugetlb_set_nr(j->m, j->size, j->counts[i], j->nid, err, sizeof(err));
	return NULL;
}

/*
 * Pool operations on different nodes and sizes from separate threads: every
 * design ends with the pools each thread asked for last, and every
 * invariant holds.
 */
static int pool_threads(const struct hvo_generation *gen)
{
	struct machine_config cfg;
	struct check_report *rep = malloc(sizeof(*rep));
	struct boot_params bp;
	char err[256];
	struct machine *m;
	pthread_t t[3];
	struct pool_job j[3];
	int bad = 0;

	machine_config_default(&cfg);
	cfg.mem_bytes = 8ULL << 30;
	cfg.nr_nodes = 2;
	cfg.gen = gen;
	m = machine_create(&cfg, err, sizeof(err));
	boot_params_init(&bp);
	bp.hugetlb_free_vmemmap = 1;
	if (!m || hugetlb_apply_boot_params(m, &bp, err, sizeof(err)) ||
	    machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err))) {
		fprintf(stderr, "boot: %s\n", err);
		exit(1);
	}
	j[0] = (struct pool_job){ m, 2 * SZ_1M, 0, { 300, 100, 400, 250 }, 0 };
	j[1] = (struct pool_job){ m, 2 * SZ_1M, 1, { 200, 500, 50, 120 }, 0 };
	j[2] = (struct pool_job){ m, SZ_1G, 1, { 1, 0, 2, 1 }, 0 };
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, pool_worker, &j[i]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		bad |= j[i].ret != 0;
	bad |= size_to_hstate(m, 2 * SZ_1M)->nr_huge_pages_node[0] != 250;
	bad |= size_to_hstate(m, 2 * SZ_1M)->nr_huge_pages_node[1] != 120;
	bad |= size_to_hstate(m, SZ_1G)->nr_huge_pages_node[1] != 1;
	bad |= checker_finds_violations(m, rep);
	free(rep);
	machine_destroy(m);
	return bad;
}

int main(void)
{
	unsigned passed = 0, failed = 0;
	uint64_t lost = 0;

	for (int k = 0; k < NR_MACHINES; k++) {
		struct machine_config cfg;
		struct check_report *rep = malloc(sizeof(*rep));
		char err[256];
		struct machine *m;
		struct zone *zone;
		int bad = 0;

		machine_config_default(&cfg);
		cfg.mem_bytes = 6ULL << 30;
		m = machine_create(&cfg, err, sizeof(err));
		if (!m || machine_boot(m, err, sizeof(err))) {
			fprintf(stderr, "boot: %s\n", err);
			return 1;
		}
		zone = &m->nodes[0].node_zones[k % 2 ? ZONE_NORMAL : ZONE_DMA32];
		for (unsigned order = vmemmap_tail_min_order(&m->geo);
		     order <= max_folio_order(&m->geo); order++)
			bad |= one_race(m, zone, order);
		bad |= checker_finds_violations(m, rep);
		printf("%s %d - shared tail publication race, machine %d\n",
		       bad ? "not ok" : "ok", k + 1, k);
		bad ? failed++ : passed++;
		free(rep);
		lost += m->stat.nr_shared_tail_races_lost;
		machine_destroy(m);
	}
	/* The losing path must have run, or this test proved nothing. */
	printf("%s %d - losers of the compare-and-swap freed their copies (%llu races lost)\n",
	       lost ? "ok" : "not ok", NR_MACHINES + 1, (unsigned long long)lost);
	lost ? passed++ : failed++;
	for (unsigned d = 0; generation_compared(d); d++) {
		int bad = pool_threads(generation_compared(d));
		printf("%s %d - pool operations on two nodes from three threads, %s\n",
		       bad ? "not ok" : "ok", NR_MACHINES + 2 + d, generation_compared(d)->name);
		bad ? failed++ : passed++;
	}
	for (unsigned d = 1; generation_compared(d); d++) { /* shared-tail, generic */
		int bad = pte_race(generation_compared(d));
		printf("%s %d - shared PTE table publication race, %s\n", bad ? "not ok" : "ok",
		       NR_MACHINES + 2 + 3 + d - 1, generation_compared(d)->name);
		bad ? failed++ : passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
