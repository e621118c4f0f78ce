/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny test harness in the style of the kernel's tools/testing/vma:
 * TEST(name) defines a test, ASSERT_*() fails it with file:line, the
 * runner (tests/unit/main.c) runs every test in a child process of its own
 * and prints "N passed, N failed".
 *
 * A failed assertion prints its message and ends the test's process at once
 * (test_fail(): _exit(1) after flushing), so a half-built machine left
 * behind is not reported as a flood of leaks.  A test that returns 0 exits
 * through exit(), where LeakSanitizer checks for leaks.
 */
#ifndef HVO_HARNESS_H
#define HVO_HARNESS_H

#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	int (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *t);

/* Print "    FILE:LINE: MESSAGE" to stderr and end the test's process: failed. */
_Noreturn void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TEST(name)                                                            \
	static int test_##name(void);                                         \
	static struct test_case tc_##name = { #name, __FILE__, test_##name, 0 }; \
	__attribute__((constructor)) static void reg_##name(void)             \
	{                                                                     \
		test_register(&tc_##name);                                    \
	}                                                                     \
	static int test_##name(void)

#define ASSERT_TRUE(c)                                                        \
	do {                                                                  \
		if (!(c))                                                     \
			test_fail(__FILE__, __LINE__, "assertion failed: %s", #c); \
	} while (0)
#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))
#define ASSERT_EQ(a, b)                                                       \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a != _b)                                                 \
			test_fail(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", \
				  #a, #b, _a, _b);                            \
	} while (0)
#define ASSERT_NE(a, b)                                                       \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a == _b)                                                 \
			test_fail(__FILE__, __LINE__, "%s != %s failed: both %lld", \
				  #a, #b, _a);                                \
	} while (0)

#endif
