#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The live oracle: run a scenario's run-time commands (hugepages, sysctl) on
# this running kernel and in the simulator on `machine from=host` (hvo host),
# and compare at every step (oracle/live.py says what and how).  Needs root
# and a kernel with vm.hugetlb_optimize_vmemmap; otherwise one line, exit 2.
# The host is put back as it was found (every pool's nr_hugepages,
# nr_overcommit_hugepages and demote_size, the sysctl; map helpers killed)
# on every way out: normal end, error, INT, TERM.
#
#   oracle/live.sh FILE...      (HVO=path/to/hvo, default build/hvo)
set -u
here=$(cd "$(dirname "$0")" && pwd)
hvo=${HVO:-$here/../build/hvo}
sysctl=/proc/sys/vm/hugetlb_optimize_vmemmap
hp=/sys/kernel/mm/hugepages

[ $# -ge 1 ] || { echo "usage: oracle/live.sh FILE..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "oracle/live.sh: needs root (it resizes this host's HugeTLB pools)" >&2; exit 2; }
[ -w $sysctl ] || { echo "oracle/live.sh: $sysctl is missing: this kernel has no HVO" >&2; exit 2; }
[ -x "$hvo" ] || { echo "oracle/live.sh: $hvo not built (make build/hvo)" >&2; exit 2; }

declare -A saved saved_over saved_demote
saved_sysctl=$(cat $sysctl)
for d in $hp/hugepages-*; do
	saved[$d]=$(cat "$d/nr_hugepages")
	saved_over[$d]=$(cat "$d/nr_overcommit_hugepages")
	[ -r "$d/demote_size" ] && saved_demote[$d]=$(cat "$d/demote_size")
done
child=
tmp=$(mktemp)
pids=$tmp.pids # live.py's map helpers, one pid a line

# Kill every map helper still alive (a pid is only taken if it still runs
# oracle/live_map.py) and wait until it is gone: its huge pages are freed
# when it exits.
stop_helpers() {
	[ -f "$pids" ] || return 0
	local p n
	while read -r p; do
		grep -qs live_map.py "/proc/$p/cmdline" || continue
		kill -KILL "$p" 2>/dev/null
		for n in $(seq 50); do [ -d "/proc/$p" ] || break; sleep 0.1; done
	done < "$pids"
	: > "$pids"
}

# Every pool and the sysctl as found: pools above their size shrink first,
# so that one below it can grow with the memory that gave back.
put_back() {
	stop_helpers
	for d in "${!saved[@]}"; do
		[ "$(cat "$d/nr_overcommit_hugepages")" != "${saved_over[$d]}" ] &&
			echo "${saved_over[$d]}" > "$d/nr_overcommit_hugepages"
		[ -n "${saved_demote[$d]:-}" ] && [ "$(cat "$d/demote_size")" != "${saved_demote[$d]}" ] &&
			echo "${saved_demote[$d]}" > "$d/demote_size"
	done
	for d in "${!saved[@]}"; do
		[ "$(cat "$d/nr_hugepages")" -gt "${saved[$d]}" ] && echo "${saved[$d]}" > "$d/nr_hugepages"
	done
	for d in "${!saved[@]}"; do
		[ "$(cat "$d/nr_hugepages")" != "${saved[$d]}" ] && echo "${saved[$d]}" > "$d/nr_hugepages"
	done
	echo "$saved_sysctl" > $sysctl
}

restore() {
	trap - EXIT INT TERM
	[ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
	put_back
	local now="sysctl $(cat $sysctl)"
	for d in "${!saved[@]}"; do
		now="$now, $(basename "$d") $(cat "$d/nr_hugepages") overcommit $(cat "$d/nr_overcommit_hugepages")"
		[ -r "$d/demote_size" ] && now="$now demote_size $(cat "$d/demote_size")"
	done
	echo "host restored: $now"
	rm -f "$tmp" "$pids"
}
trap 'restore; exit $status' EXIT
trap 'status=130; exit' INT
trap 'status=143; exit' TERM

status=0
"$hvo" host > "$tmp" || { status=2; exit; }
for f in "$@"; do
	python3 "$here/live.py" "$f" "$hvo" "$tmp" "$pids" &
	child=$!
	wait $child
	rc=$?
	child=
	[ $rc -gt $status ] && status=$rc
	put_back # between scenarios too
done
exit
