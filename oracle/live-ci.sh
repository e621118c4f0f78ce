#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# CI's live-kernel case: one short scenario (32 2 MiB pages with HVO on,
# freed) through oracle/live.sh when CI runs as root on a kernel with HVO;
# otherwise one line saying why it is skipped, and success.
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "live oracle: skipped (not root)"
	exit 0
fi
if [ ! -w /proc/sys/vm/hugetlb_optimize_vmemmap ]; then
	echo "live oracle: skipped (this kernel has no vm.hugetlb_optimize_vmemmap)"
	exit 0
fi
if [ ! -d /sys/kernel/mm/hugepages/hugepages-2048kB ]; then
	echo "live oracle: skipped (no 2 MiB HugeTLB pages here)"
	exit 0
fi
exec "$here/live.sh" "$here/../tests/live/ci_2m_short.hvo"
