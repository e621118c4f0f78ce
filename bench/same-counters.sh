#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The frame store's sharing (copy-on-write copies, pages with no host bytes
# until written) must change what the host pays, never what the simulated
# kernel does.  This runs every scenario under tests/scenarios (errors/
# included) twice: with HVO_HOST_SHARE=0 (every frame its own bytes, every
# copy real: the store without sharing) and as usual, and compares the
# whole `hvo run --json` line (every counter, nr_pte_writes, the expect
# and check results) and the exit status; all but host_backed_frames, the
# frames with host bytes of their own, which is what the host pays and what
# sharing is there to change.  Prints one line per difference
# and "same counters: N scenarios" at the end; status 1 if any differ.
#
# usage: [HVO=build/hvo] [OTHER=HVO2] bench/same-counters.sh [FILE...]
#   FILEs default to the whole tree.  With OTHER (another build, e.g. from
#   before a change) the first run of each uses OTHER instead of
#   HVO_HOST_SHARE=0.
HVO=${HVO:-build/hvo}
OTHER=${OTHER:-}
[ $# -gt 0 ] || set -- tests/scenarios/*.hvo tests/scenarios/errors/*.hvo
n=0
bad=0
for f in "$@"; do
	[ -f "$f" ] || continue
	if [ -n "$OTHER" ]; then
		a=$("$OTHER" run --json "$f" 2>&1); sa=$?
	else
		a=$(HVO_HOST_SHARE=0 "$HVO" run --json "$f" 2>&1); sa=$?
	fi
	b=$("$HVO" run --json "$f" 2>&1); sb=$?
	a=$(printf '%s\n' "$a" | sed 's/"host_backed_frames": [0-9]*, //')
	b=$(printf '%s\n' "$b" | sed 's/"host_backed_frames": [0-9]*, //')
	n=$((n + 1))
	if [ "$a" != "$b" ] || [ $sa != $sb ]; then
		echo "differs: $f (status $sa, $sb)"
		bad=$((bad + 1))
	fi
done
echo "same counters: $((n - bad)) of $n scenarios"
[ $bad = 0 ]
