/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel log: a growing buffer of lines, what printk() would have
 * written to the console.  `show dmesg` prints it.
 */
#ifndef HVO_KLOG_H
#define HVO_KLOG_H

#include "types.h"

struct klog {
	char *buf;
	size_t len, cap;
};

/*
 * Append one line (printf format, newline added).  A line the host has no
 * memory for is dropped: the log is a report, never a reason to fail.
 */
void klog_append(struct klog *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void klog_destroy(struct klog *l);

#endif
