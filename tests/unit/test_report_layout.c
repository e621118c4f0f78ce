// SPDX-License-Identifier: GPL-2.0-only
/*
 * The main report's layout (`make run`, `show report`): every section name
 * flush left and every line of a section indented, hvo's own names marked,
 * and the scenario summary line with and without expects.
 */
#include "harness.h"
#include "cli/report.h"
#include "sim/sim.h"
#include "testutil.h"

#include <unistd.h>

#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif
#define HVO_BUILD_DIR_CMD HVO_BUILD_DIR

TEST(report_sections_are_indented_and_own_names_marked)
{
	struct machine *m = boot_scenario("machine mem=4G layout=qemu-pc\n"
					  "cmdline hugepagesz=2M hugepages=512 hugetlb_free_vmemmap=on\n"
					  "boot\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_TRUE(m && f);
	show_report(m, f);
	fclose(f);
	machine_destroy(m);
	for (char *line = buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ASSERT_TRUE(nl != NULL);
		*nl = '\0';
		/* a section header ends with ':' or "):"; the rest is indented */
		if (line[0] != ' ' && line[0] != '*')
			ASSERT_TRUE(strchr(line, ':') != NULL);
		*nl = '\n';
	}
	ASSERT_TRUE(strstr(buf, "\n    vmemmap_optimized*                    512  can free 28 KiB of vmemmap each\n"));
	ASSERT_TRUE(strstr(buf, "\n  vmemmap_pgtable_pages*                   12  page tables under the vmemmap\n"));
	ASSERT_TRUE(strstr(buf, "\n  nr_memmap_boot_pages                  12288  /proc/vmstat\n"));
	ASSERT_TRUE(strstr(buf, "\n  MemTotal                            4030540  kB\n"));
	ASSERT_TRUE(strstr(buf, "\nkernel log:\n  HugeTLB: registered"));
	ASSERT_TRUE(strstr(buf, "\n* hvo's own: no kernel file or counter shows it\n"));
	free(buf);
	return 0;
}

static char *summary_of(const char *text)
{
	static char line[256];
	char path[] = "/tmp/hvo-summary.XXXXXX";
	char cmd[512];
	FILE *p;
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR_CMD "/hvo run %s 2>/dev/null | tail -1", path);
	p = popen(cmd, "r");
	ASSERT_TRUE(p && fgets(line, sizeof(line), p));
	pclose(p);
	remove(path);
	return strchr(line, ' ') + 1;
}

TEST(report_summary_line_reads_naturally)
{
	ASSERT_TRUE(!strcmp(summary_of("machine mem=1G\nboot\n"),
			    "2 commands, no expects, no check failed\n"));
	ASSERT_TRUE(!strcmp(summary_of("machine mem=1G\nboot\nexpect HugePages_Total == 0\n"),
			    "3 commands, 1 of 1 expect passed, no check failed\n"));
	ASSERT_TRUE(!strcmp(summary_of("machine mem=1G\nboot\nexpect HugePages_Total == 0\n"
				       "expect HugePages_Total == 1\n"),
			    "4 commands, 1 of 2 expects passed, no check failed\n"));
	return 0;
}
