// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of `hvo diff` (cli/diff.c, sim/diff.c): two designs that
 * differ are caught at the command where they part, identical designs
 * give none after every command, and a difference planted in one machine
 * (a tail PTE made writable, a struct page byte, a TLB flush count) is
 * reported at the command it was planted after, with its pfn.
 */
#include <stdlib.h>

#include "harness.h"
#include "testutil.h"
#include "arch/pgtable.h"
#include "cli/cli.h"
#include "cli/diff.h"
#include "sim/generations.h"

/* The 1-based line of @buf that is exactly @line. */
static unsigned line_of(const char *buf, const char *line)
{
	size_t n = strlen(line);
	unsigned nr = 1;

	for (const char *p = buf; *p; p++) {
		if ((p == buf || p[-1] == '\n') && !strncmp(p, line, n) &&
		    (p[n] == '\n' || !p[n]))
			return nr;
		nr += *p == '\n';
	}
	return 0;
}

/* Diff @buf in designs @a and @b into @r; the exit status. */
static int diff_text(const char *buf, const char *a, const char *b, struct diff_run *r,
		     void (*plant)(struct machine *, unsigned, void *), void *arg)
{
	FILE *sink = fopen("/dev/null", "w");
	int s;

	ASSERT_TRUE(sink);
	*r = (struct diff_run){ .file = "t.hvo", .a = generation_find(a),
				.b = generation_find(b), .out = sink, .err = sink,
				.after_command = plant, .arg = arg };
	ASSERT_TRUE(r->a && r->b);
	s = diff_scenario(r, buf, strlen(buf));
	fclose(sink);
	return s;
}

static int diff_file(const char *path, const char *a, const char *b, struct diff_run *r,
		     char **buf)
{
	size_t len;

	ASSERT_EQ(read_whole_file(path, buf, &len), 0);
	return diff_text(*buf, a, b, r, NULL, NULL);
}

TEST(diff_legacy_and_6_12_115_part_at_the_restore)
{
	struct diff_run r;
	char *buf;

	/* legacy-6.12.115 skips the reset: the struct pages part when the
	 * pool shrinks, not before */
	ASSERT_EQ(diff_file("tests/scenarios/legacy_6.12.115_leak.hvo", "legacy",
			    "legacy-6.12.115", &r, &buf), 1);
	ASSERT_NE(line_of(buf, "hugepages 2M 0"), 0);
	ASSERT_EQ(r.diff_line, line_of(buf, "hugepages 2M 0"));
	ASSERT_NE(r.diff_pfn, PFN_NONE);
	free(buf);
	return 0;
}

TEST(diff_6_12_115_has_no_head_fallback)
{
	struct diff_run r;
	char *buf;

	/* the first command where a head page cannot be had */
	ASSERT_EQ(diff_file("tests/scenarios/legacy_6.12.115_no_head_fallback.hvo", "legacy",
			    "legacy-6.12.115", &r, &buf), 1);
	ASSERT_EQ(r.diff_line, line_of(buf, "hugepages 2M 8"));
	free(buf);
	return 0;
}

TEST(diff_identical_designs_differ_nowhere)
{
	static const char *const files[] = {
		"tests/scenarios/runtime_2m_legacy.hvo",
		"tests/scenarios/rollback_mid_walk_legacy.hvo",
		"tests/scenarios/legacy_6.12.115_leak.hvo",
	};
	struct diff_run r;

	for (unsigned i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf;
		ASSERT_EQ(diff_file(files[i], "legacy", "legacy", &r, &buf), 0);
		ASSERT_EQ(r.diff_line, 0);
		ASSERT_TRUE(r.nr_commands > 5);
		free(buf);
	}
	/* legacy-6.12.115 is legacy until something is restored */
	ASSERT_EQ(diff_text("machine mem=4G layout=qemu-pc\ncmdline hugetlb_free_vmemmap=on\n"
			    "boot\nhugepages 2M 64\ncheck\n", "legacy", "legacy-6.12.115",
			    &r, NULL, NULL), 0);
	return 0;
}

#define PLANT_SCENARIO                                                  \
	"machine mem=4G layout=qemu-pc\n"                               \
	"cmdline hugetlb_free_vmemmap=on\n"                             \
	"boot\n"                                                        \
	"hugepages 2M 16\n"                                             \
	"# a comment, then the line the plant follows\n"                \
	"sysctl vm.hugetlb_optimize_vmemmap=1\n"                        \
	"hugepages 2M 0\n"

enum plant_kind { PLANT_RW_TAIL, PLANT_BYTE, PLANT_FLUSH };

struct plant {
	enum plant_kind kind;
	unsigned at;  /* the line to plant after */
	pfn_t pfn;    /* what was planted on */
};

static int find_ro_pte(void *arg, vaddr_t va, enum pt_level lvl, uint64_t entry)
{
	vaddr_t *out = arg;

	if (lvl == PT_PTE && !entry_writable(entry) && !*out)
		*out = va;
	return 0;
}

static void plant(struct machine *m, unsigned line, void *arg)
{
	struct plant *p = arg;
	struct pt_walk w;
	vaddr_t va = 0;

	if (line != p->at)
		return;
	switch (p->kind) {
	case PLANT_RW_TAIL: /* a tail remapped read-write */
		vmemmap_for_each_leaf(m, find_ro_pte, &va);
		ASSERT_TRUE(va && !vmemmap_walk_va(m, va, &w));
		*pt_walk_pte_mut(m, &w) |= _PAGE_RW;
		p->pfn = page_va_to_pfn(&m->geo, va);
		break;
	case PLANT_BYTE: /* the mapping of one struct page, in its frame */
		va = pfn_to_page_va(&m->geo, p->pfn);
		ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
		ASSERT_TRUE(frame_bytes(&m->frames, w.pfn) ||
			    frame_materialize_lazy(&m->frames, w.pfn, m->geo.page_size));
		frame_bytes(&m->frames, w.pfn)[(va & (m->geo.page_size - 1)) + 24] ^= 1;
		break;
	case PLANT_FLUSH: /* a TLB flush the other side did not do */
		m->mmu.nr_flush_all++;
		break;
	}
}

TEST(diff_reports_a_planted_difference_at_its_command)
{
	const char *text = PLANT_SCENARIO;
	unsigned at = line_of(text, "sysctl vm.hugetlb_optimize_vmemmap=1");
	struct plant p = { PLANT_RW_TAIL, at, PFN_NONE };
	struct diff_run r;

	ASSERT_EQ(diff_text(text, "legacy", "legacy", &r, plant, &p), 1);
	ASSERT_EQ(r.diff_line, at);
	ASSERT_NE(p.pfn, PFN_NONE);
	ASSERT_EQ(r.diff_pfn, p.pfn);

	p = (struct plant){ PLANT_BYTE, at, 0x1000 };
	ASSERT_EQ(diff_text(text, "legacy", "legacy", &r, plant, &p), 1);
	ASSERT_EQ(r.diff_line, at);
	ASSERT_EQ(r.diff_pfn, 0x1000);

	p = (struct plant){ PLANT_FLUSH, at, PFN_NONE };
	ASSERT_EQ(diff_text(text, "legacy", "legacy", &r, plant, &p), 1);
	ASSERT_EQ(r.diff_line, at);
	ASSERT_EQ(r.diff_pfn, PFN_NONE);

	/* planted nowhere: none */
	p.at = 0;
	ASSERT_EQ(diff_text(text, "legacy", "legacy", &r, plant, &p), 0);
	return 0;
}

TEST(diff_bad_input_is_one_line_and_status_2)
{
	struct diff_run r;
	char *av[] = { "--design", "legacy", "--model", "nosuch", "t.hvo" };

	ASSERT_EQ(diff_text("machine mem=4G\nboot\nfrobnicate\n", "legacy", "legacy", &r,
			    NULL, NULL), 2);
	ASSERT_EQ(diff_text("machine mem=4G\n", "legacy", "legacy", &r, NULL, NULL), 2);
	ASSERT_EQ(cmd_diff(5, av), 2);
	/* the normal build has no design kernel to default to */
	ASSERT_EQ(cmd_diff(1, av + 4), 2);
	return 0;
}
