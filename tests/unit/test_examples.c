// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every example of README.md and `hvo help` runs as written
 * (tools/examples.py: the scenario blocks, the `build/hvo` command lines,
 * the explain sample and its output, every cmdline value the help lists),
 * and the extractor notices a broken one, an exit status other than the
 * `# exit N` a line says, and skips lines that need a kernel-mode build
 * that is not there.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif

/* Run tools/examples.py @args; its exit status, its output in @out. */
static int examples(const char *args, char *out, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "python3 tools/examples.py %s 2>&1", args);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	ASSERT_TRUE(WIFEXITED(st));
	return WEXITSTATUS(st);
}

TEST(readme_and_help_examples_run_as_written)
{
	static char out[16384];

	if (examples("", out, sizeof(out)))
		test_fail(__FILE__, __LINE__, "broken examples:\n%s", out);
	ASSERT_TRUE(strstr(out, " examples, 0 broken") != NULL);
	return 0;
}

/*
 * A README with one broken line of each kind and nothing else: each is
 * reported, the good line and the missing kernel-mode build are not.
 */
TEST(examples_checker_reports_a_broken_example)
{
	static char out[16384];
	char path[128], args[192];
	FILE *f;

	snprintf(path, sizeof(path), HVO_BUILD_DIR "/README.%ld.md", (long)getpid());
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL);
	fputs("# broken examples\n"
	      "\n```\nmachine mem=4G\nboot\nhotplug add node=1 size=1G\n```\n"
	      "\n```sh\nbuild/hvo run tests/does-not-exist.hvo\n```\n"
	      "\n```\n$ build/hvo explain pfn 0x1000\nno such line in the output\n```\n"
	      /* an exit status other than the one its comment says */
	      "\n```sh\nbuild/hvo diff --design legacy --model legacy "
	      "tests/scenarios/runtime_2m_legacy.hvo   # exit 1\n"
	      "build/hvo run tests/does-not-exist.hvo   # exit 2\n"
	      /* a kernel-mode build that does not exist is skipped */
	      "build/kernel-0.0.0-none/hvo run tests/scenarios/runtime_2m_legacy.hvo\n```\n", f);
	ASSERT_EQ(fclose(f), 0);
	snprintf(args, sizeof(args), "--readme %s", path);
	ASSERT_EQ(examples(args, out, sizeof(out)), 1);
	remove(path);
	ASSERT_TRUE(strstr(out, "scenario block: status 2: <stdin>:3: hotplug add: node 1 does not exist") != NULL);
	ASSERT_TRUE(strstr(out, "`build/hvo run tests/does-not-exist.hvo`: status 2") != NULL);
	ASSERT_TRUE(strstr(out, "output lacks: no such line in the output") != NULL);
	ASSERT_TRUE(strstr(out, "runtime_2m_legacy.hvo`: status 0") != NULL);
	/* four broken, the `# exit 2` line good, the kernel-mode line skipped */
	ASSERT_TRUE(strstr(out, " examples, 4 broken, 1 skipped (no kernel-mode build") != NULL);
	return 0;
}
