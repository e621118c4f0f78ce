// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of `hvo compare`'s per-design runs (cli/compare.c): which
 * designs a scenario claims, that a failure in another design is that
 * design's and not the scenario's, that a design variant gets its own
 * column, and the units of the compared counters.
 */
#include "harness.h"
#include "cli/compare.h"
#include "sim/generations.h"

/* After growing a 2 MiB pool, legacy has waited for RCU and the others have not. */
#define RCU_SCENARIO(design_line)                                      \
	"machine mem=4G layout=qemu-pc\n"                              \
	"cmdline hugetlb_free_vmemmap=on\n" design_line "boot\n"       \
	"hugepages 2M 64\n"                                            \
	"expect nr_synchronize_rcu == 0\n"                             \
	"check\n"

static int compare_text(const char *text, struct compare_result *r)
{
	ASSERT_EQ(compare_designs("t.hvo", text, strlen(text), r), 0);
	return compare_status(r);
}

static const struct compare_run *run_of(const struct compare_result *r, const char *name)
{
	for (unsigned d = 0; d < r->nr_runs; d++)
		if (!strcmp(r->run[d].gen->name, name))
			return &r->run[d];
	return NULL;
}

TEST(compare_failure_in_an_unclaimed_design_is_reported_not_failed)
{
	struct compare_result r;

	ASSERT_EQ(compare_text(RCU_SCENARIO("design generic\n"), &r), 0);
	ASSERT_EQ(r.nr_runs, 3);
	ASSERT_TRUE(r.declared == generation_find("generic"));
	ASSERT_FALSE(run_of(&r, "legacy")->claimed);
	ASSERT_EQ(run_of(&r, "legacy")->status, 1);
	ASSERT_EQ(run_of(&r, "legacy")->expects_failed, 1);
	ASSERT_TRUE(strstr(run_of(&r, "legacy")->messages, "t.hvo:6: expect failed: nr_synchronize_rcu is") != NULL);
	ASSERT_TRUE(run_of(&r, "generic")->claimed);
	ASSERT_EQ(run_of(&r, "generic")->status, 0);
	ASSERT_EQ(run_of(&r, "shared-tail")->status, 0);
	compare_result_free(&r);
	return 0;
}

TEST(compare_failure_in_the_claimed_design_fails)
{
	struct compare_result r;
	char st[64];

	ASSERT_EQ(compare_text(RCU_SCENARIO("design legacy\n"), &r), 1);
	ASSERT_TRUE(run_of(&r, "legacy")->claimed);
	ASSERT_FALSE(run_of(&r, "generic")->claimed);
	compare_run_status(run_of(&r, "legacy"), st, sizeof(st));
	ASSERT_TRUE(!strcmp(st, "1 expect failed"));
	compare_result_free(&r);
	/* no design line: every design is claimed */
	ASSERT_EQ(compare_text(RCU_SCENARIO(""), &r), 1);
	ASSERT_TRUE(r.declared == NULL);
	for (unsigned d = 0; d < r.nr_runs; d++)
		ASSERT_TRUE(r.run[d].claimed);
	compare_result_free(&r);
	return 0;
}

TEST(compare_a_design_variant_gets_its_own_column)
{
	struct compare_result r;

	ASSERT_EQ(compare_text("machine mem=1G\ndesign legacy-6.10\nboot\nexpect HugePages_Total == 1\n", &r), 1);
	ASSERT_EQ(r.nr_runs, 4);
	ASSERT_TRUE(r.run[3].gen == generation_find("legacy-6.10"));
	ASSERT_TRUE(r.run[3].claimed);
	ASSERT_FALSE(run_of(&r, "legacy")->claimed);
	compare_result_free(&r);
	/* a refusal by the claimed design is bad input */
	ASSERT_EQ(compare_text("machine mem=4G\ncmdline hvo_share_pte=on\ndesign legacy\nboot\n", &r), 2);
	compare_result_free(&r);
	ASSERT_EQ(compare_text("machine mem=4G\ncmdline hvo_share_pte=on\ndesign generic\nboot\n", &r), 0);
	ASSERT_EQ(run_of(&r, "legacy")->status, 2);
	compare_result_free(&r);
	return 0;
}

TEST(compare_counters_have_units)
{
	ASSERT_TRUE(!strcmp(compare_unit("MemTotal"), "kB"));
	ASSERT_TRUE(!strcmp(compare_unit("Hugetlb"), "kB"));
	ASSERT_TRUE(!strcmp(compare_unit("nr_memmap_pages"), "pages"));
	ASSERT_TRUE(!strcmp(compare_unit("HugePages_Total"), "count"));
	for (unsigned k = 0; k < nr_compare_counters; k++)
		ASSERT_TRUE(compare_unit(compare_counters[k])[0] != '\0');
	return 0;
}
