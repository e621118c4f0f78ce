#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Save the files `hvo host` reads from this system into DIR, so that
# `HVO_HOST_ROOT=DIR hvo host` (or `hvo host --root DIR`) reads the copy:
# only those files, node membership as empty files.  Reading /proc/iomem's
# addresses needs root.
set -eu
[ $# -eq 1 ] || { echo "usage: tests/host/save.sh DIR" >&2; exit 2; }
d=$1
mkdir -p "$d/proc/sys/kernel" "$d/proc/sys/vm" "$d/sys/devices/system/memory" \
	"$d/sys/devices/system/node" "$d/sys/kernel/mm/hugepages"
for f in iomem zoneinfo cmdline meminfo vmstat sys/kernel/osrelease; do
	cat "/proc/$f" > "$d/proc/$f"
done
grep -E '^(MemTotal|HugePages_Total|Hugepagesize):' /proc/meminfo > "$d/proc/meminfo"
grep -E '^nr_memmap' /proc/vmstat > "$d/proc/vmstat"
grep -v '^ ' /proc/iomem > "$d/proc/iomem"
grep -E '^Node|^ +(present|managed) ' /proc/zoneinfo > "$d/proc/zoneinfo"
[ -e /proc/sys/vm/hugetlb_optimize_vmemmap ] &&
	cat /proc/sys/vm/hugetlb_optimize_vmemmap > "$d/proc/sys/vm/hugetlb_optimize_vmemmap"
m=/sys/devices/system/memory
cat $m/block_size_bytes > "$d/sys/devices/system/memory/block_size_bytes"
for b in $m/memory[0-9]*; do
	n=$(basename "$b")
	mkdir -p "$d$b"
	cat "$b/state" > "$d$b/state"
	cat "$b/valid_zones" > "$d$b/valid_zones" 2>/dev/null || true
done
for nd in /sys/devices/system/node/node[0-9]*; do
	mkdir -p "$d$nd"
	for b in "$nd"/memory[0-9]*; do
		[ -e "$b" ] && : > "$d$nd/$(basename "$b")"
	done
done
for p in /sys/kernel/mm/hugepages/hugepages-*; do
	mkdir -p "$d$p"
	cat "$p/nr_hugepages" > "$d$p/nr_hugepages"
done
