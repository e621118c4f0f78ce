/*
 * A tiny test harness in the style of the kernel's tools/testing/vma:
 * TEST(name) defines a test, ASSERT_*() fails it (returning from it) with
 * file:line, the runner counts and prints "N passed, N failed".
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
		if (!(c)) {                                                   \
			fprintf(stderr, "    %s:%d: assertion failed: %s\n",      \
				__FILE__, __LINE__, #c);                      \
			return 1;                                             \
		}                                                             \
	} while (0)
#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))
#define ASSERT_EQ(a, b)                                                       \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a != _b) {                                               \
			fprintf(stderr, "    %s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, _a, _b);          \
			return 1;                                             \
		}                                                             \
	} while (0)
#define ASSERT_NE(a, b)                                                       \
	do {                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);           \
		if (_a == _b) {                                               \
			fprintf(stderr, "    %s:%d: %s != %s failed: both %lld\n", \
				__FILE__, __LINE__, #a, #b, _a);              \
			return 1;                                             \
		}                                                             \
	} while (0)

#endif
