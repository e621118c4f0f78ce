// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel log buffer (see klog.h).
 */
#include <stdarg.h>

#include "lib/klog.h"

void klog_append(struct klog *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (l->len + (size_t)n + 2 > l->cap) {
		size_t cap = MAX(l->cap * 2, l->len + (size_t)n + 256);
		char *b = realloc(l->buf, cap);
		if (!b)
			return;
		l->buf = b;
		l->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(l->buf + l->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	l->len += (size_t)n;
	l->buf[l->len++] = '\n';
	l->buf[l->len] = '\0';
}

void klog_destroy(struct klog *l)
{
	free(l->buf);
	*l = (struct klog){ 0 };
}
