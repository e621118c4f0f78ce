#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Hostile inputs for every hvo command and flag, as a careless or curious
# user would type them: each case is a shell command and the exit status
# it must give.  A case fails if hvo dies of a signal (a crash), runs past
# its time limit (a hang), exits with another status, prints more or less
# than one line on stderr with status 2 (unless the case allows the usage
# text), or leaves a file damaged: the two files every case may see
# (keep.txt and s.hvo) must keep their bytes, and no temporary output file
# may stay behind.  Prints one line per failure and the counts; exit 0
# only if every count of trouble is 0.
#
#   tools/hostile.sh [build/hvo]        (about 10 s on an idle host)
set -u
HVO=$(cd "$(dirname "${1:-build/hvo}")" && pwd)/$(basename "${1:-build/hvo}")
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d "${TMPDIR:-/tmp}/hvo-hostile.XXXXXX")
trap 'rm -rf "$D"' EXIT
export HVO D TOP
LIMIT=${HOSTILE_TIMEOUT:-20}
unset HVO_MAX_INPUT HVO_MAX_MEM HVO_HOST_MEM

n=0 crash=0 hang=0 wrong=0 damaged=0 lines=0

printf 'precious\n' > "$D/keep.txt"
printf 'machine mem=1G\nboot\n' > "$D/s.hvo"
sums() { cksum "$D/keep.txt" "$D/s.hvo"; ls -a "$D" | grep -c '^\.hvo-out' ; }
SUMS=$(sums)

# scenario files, each one line of trouble after a valid machine
mk() { printf '%b' "$2" > "$D/$1"; }
mk empty.hvo ''
mk nul.hvo 'machine mem=1G\n\0boot\n'
mk bin.hvo '\377\376\001\002\033[2J\200'
mk crlf.hvo 'machine mem=1G\r\nboot\r\n'
mk bom.hvo '\357\273\277machine mem=1G\nboot\n'
mk bom2.hvo '\357\273\277\357\273\277machine mem=1G\nboot\n'
mk words.hvo 'machine mem=1G a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a\n'
mk noboot.hvo 'machine mem=1G\n'
mk typo.hvo 'machin mem=4G\nboot\n'
mk fail.hvo 'machine mem=1G\nboot\nexpect MemTotal == 1\n'
awk 'BEGIN { printf "machine mem=1G\n#"; for (i = 0; i < 5000; i++) printf "x"; printf "\nboot\n" }' > "$D/long.hvo"
awk 'BEGIN { printf "machine mem=1G\nboot\n"; for (i = 0; i < 20000; i++) printf "show meminfo\n" }' > "$D/many.hvo"
cp "$D/s.hvo" "$D/$(printf 'n\377\351.hvo')"

# line L of a scenario after "machine mem=1G" (or its own machine line) and boot
sc() { printf 'machine mem=%s\n%b\n' "$1" "$2" > "$D/l.hvo"; }

t() {
	want=$1
	shift
	n=$((n + 1))
	timeout -k 2 "$LIMIT" sh -c "$*" > "$D/out" 2> "$D/err" < /dev/null
	rc=$?
	nl=$(wc -l < "$D/err")
	bad=
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		hang=$((hang + 1)); bad="hang"
	elif [ $rc -gt 128 ]; then
		crash=$((crash + 1)); bad="signal $((rc - 128))"
	elif [ "$rc" != "${want%u}" ]; then
		wrong=$((wrong + 1)); bad="status $rc, wanted ${want%u}"
	elif [ "$want" = 2 ] && [ "$nl" -ne 1 ]; then
		lines=$((lines + 1)); bad="$nl lines on stderr"
	elif grep -q 'runtime error\|AddressSanitizer\|BUG' "$D/err"; then
		crash=$((crash + 1)); bad="sanitizer or BUG report"
	fi
	if [ "$(sums)" != "$SUMS" ]; then
		damaged=$((damaged + 1)); bad="$bad file damaged"
		printf 'precious\n' > "$D/keep.txt"
		printf 'machine mem=1G\nboot\n' > "$D/s.hvo"
		rm -f "$D"/.hvo-out.*
	fi
	[ -n "$bad" ] && printf 'FAIL %s: %s%s\n    %s\n' "$n" "$*" "$text" "$bad: $(head -c 300 "$D/err")"
	text=
}
text=

# a scenario line, as `hvo run`
r() { want=$1; shift; text=" ($*)"; printf 'machine mem=1G\nboot\n%b\n' "$*" > "$D/l$n.hvo"; t "$want" "\$HVO run \$D/l$n.hvo"; }
# a machine line
m() { want=$1; shift; text=" ($*)"; printf '%b\nboot\n' "$*" > "$D/l$n.hvo"; t "$want" "\$HVO run \$D/l$n.hvo"; }

# ---- the command line ----
t 2u '$HVO'
t 0 '$HVO help'
t 0 '$HVO --help'
t 0 '$HVO -h'
t 2u '$HVO frobnicate'
t 2u '$HVO ""'
t 2u "\$HVO \"\$(printf 'r\\377n')\""
t 2 '$HVO help > /dev/full'
t 2 '$HVO help >&-'
t 0 '$HVO help 2>&-'
# ---- run: files ----
t 0 '$HVO run'
t 0 '$HVO run $D/s.hvo'
t 2 '$HVO run $D/missing.hvo'
t 2 '$HVO run $D'
t 2 '$HVO run /dev/zero'
t 0 '$HVO run /dev/null'
t 0 '$HVO run $D/empty.hvo'
t 2 '$HVO run $D/nul.hvo'
t 2 '$HVO run $D/bin.hvo'
t 0 '$HVO run $D/crlf.hvo'
t 0 '$HVO run $D/bom.hvo'
t 2 '$HVO run $D/bom2.hvo'
t 2 '$HVO run $D/words.hvo'
t 2 '$HVO run $D/long.hvo'
t 0 '$HVO run $D/many.hvo > /dev/null'
t 0 '$HVO run $D/noboot.hvo'
t 2 '$HVO run $D/typo.hvo'
t 1 '$HVO run $D/fail.hvo'
t 0 "\$HVO run \"\$D/\$(printf 'n\\377\\351.hvo')\""
t 0 "\$HVO run --json \"\$D/\$(printf 'n\\377\\351.hvo')\" | python3 -c 'import json,sys; json.load(sys.stdin)'"
t 2 '$HVO run $D/s.hvo $D/s.hvo'
t 2u '$HVO run --bogus'
t 2u '$HVO run --json=yes'
t 0 '$HVO run - < $D/s.hvo'
t 2 'head -c 20000000 /dev/zero | $HVO run -'
t 2 'printf "machine mem=1G\nboot\n" | HVO_MAX_INPUT=8 $HVO run -'
t 0 '$HVO run --json --check $D/s.hvo | python3 -c "import json,sys; json.load(sys.stdin)"'
t 2 '$HVO run --json $D/typo.hvo | python3 -c "import json,sys; d = json.load(sys.stdin); sys.exit(2 if d[\"error\"] else 0)"'
t 2 '$HVO run $D/s.hvo > /dev/full'
t 2 '$HVO run --json $D/s.hvo > /dev/full'
t 2 '$HVO run $D/s.hvo >&-'
t 2 'ulimit -f 1; $HVO run --json $D/s.hvo > $D/j.json; s=$?; [ ! -s $D/j.json ] || exit 9; exit $s'
t 2 'ulimit -f 1; $HVO run --json $D/s.hvo >> $D/keep.txt'
# ---- environment ----
t 2 'HVO_MAX_INPUT=lots $HVO run $D/s.hvo'
t 2 'HVO_MAX_INPUT=-1 $HVO run $D/s.hvo'
t 2 'HVO_MAX_INPUT=18446744073709551616 $HVO run $D/s.hvo'
t 2 'HVO_MAX_INPUT=10 $HVO run $D/s.hvo'
t 0 'HVO_MAX_INPUT=0 $HVO run $D/s.hvo'
t 2 'HVO_MAX_MEM=1x $HVO run'
t 2 'HVO_MAX_MEM=512M $HVO run $D/s.hvo'
t 0 'HVO_MAX_MEM=0 $HVO run $D/s.hvo'
t 2 'HVO_HOST_MEM= $HVO run $D/s.hvo'
t 2 'HVO_HOST_MEM=1k $HVO run'
# ---- machine ----
m 2 'machine'
m 2 'machine mem='
m 2 'machine mem=0'
m 2 'machine mem=-1G'
m 2 'machine mem=+1G'
m 2 'machine mem=1G1'
m 2 'machine mem=1.5G'
m 2 'machine mem=1GG'
m 2 'machine mem=1Gx'
m 2 'machine mem=16777216T'
m 2 'machine mem=18446744073709551616'
m 2 'machine mem=0x'
m 0 'machine mem=0x40000000'
m 0 'machine mem=1GB'
m 2 'machine mem=17T'
m 2 'machine mem=100M'
m 2 'machine mem=1G mem=2G nodes=0'
m 2 'machine mem=4G nodes=-1'
m 2 'machine mem=4G nodes=4294967297'
m 2 'machine mem=4G nodes=65'
m 2 'machine mem=4G node_mem=18446744073709547520,4294971392'
m 2 'machine mem=4G node_mem=2G,2G,'
m 2 'machine mem=4G node_mem=,,,'
m 0 'machine mem=4G node_mem=4G,0'   # a memoryless node 1
m 2 'machine mem=4G node_mem=0,4G'
m 0 'machine mem=4G node_mem=3G,1G'
m 2 'machine mem=4G nodes=3 node_mem=3G,1G'
m 2 'machine mem=4G page_size=8K arch=arm64'
m 2 'machine mem=4G page_size=4294971392 arch=arm64'
m 2 'machine mem=4G struct_page=4294967360'
m 2 'machine mem=4G struct_page=-64'
m 2 'machine mem=4G movablecore=4G'
m 2 'machine mem=4G movablecore=-1'
m 2 'machine mem=4G kernel_reserve=1x'
m 2 'machine mem=4G layout=qemu'
m 2 'machine mem=4G arch=riscv'
m 2 'machine mem=4G =1'
m 2 "machine mem=4G \377=1"
m 2 'machine mem=4G\nmachine mem=4G'
# ---- cmdline ----
r 2 'cmdline hugepages=1'
m 2 'machine mem=1G\ncmdline hugepages=-1'
m 2 'machine mem=1G\ncmdline hugepages=18446744073709551616'
m 2 'machine mem=1G\ncmdline hugepages=1x'
m 0 'machine mem=1G\ncmdline hugepages=99999999999'
m 2 'machine mem=1G\ncmdline hugepages=0:18446744073709551615,1:1'
m 2 'machine mem=1G\ncmdline hugepages=-1:1'
m 2 'machine mem=1G\ncmdline hugepages=4294967296:1'
m 2 'machine mem=1G\ncmdline hugepagesz=0'
m 2 'machine mem=1G\ncmdline hugepagesz=-2M'
m 2 'machine mem=1G\ncmdline hugepagesz=3M hugepages=1'
m 2 'machine mem=1G\ncmdline default_hugepagesz=16777216T'
m 2 'machine mem=1G\ncmdline movablecore=1x'
m 2 'machine mem=1G\ncmdline hugetlb_free_vmemmap=maybe'
m 2 'machine mem=1G\ncmdline memhp_default_state=offline'
m 2 'machine mem=1G\ncmdline hvo_share_pte=2'
m 2 'machine mem=1G\ncmdline hugepages=1\ncmdline hugepages=2'
m 2 "machine mem=1G\ncmdline hugepages=\377"
m 2 'machine mem=16T\ncmdline hugepages=8000000 hugetlb_free_vmemmap=on'
# ---- hugepages and sysctl ----
r 0 'hugepages 2M 10'
r 2 'hugepages 2M -1'
r 2 'hugepages 2M 18446744073709551616'
r 2 'hugepages 2M 1x'
r 2 'hugepages 2M'
r 2 'hugepages -2M 1'
r 2 'hugepages 3M 1'
r 2 'hugepages 0 1'
r 2 'hugepages 2M 1 node=1'
r 2 'hugepages 2M 1 node=-1'
r 2 'hugepages 2M 1 node=4294967296'
r 2 'hugepages 2M 1 node=0 node=0'
r 0 'hugepages 2M 18446744073709551615'
m 2 'machine mem=16T\nboot\nhugepages 2M 8000000'
m 2 'machine mem=16T\nboot\nsysctl vm.nr_hugepages=8000000'
r 0 'sysctl vm.nr_hugepages=5'
r 2 'sysctl vm.nr_hugepages=-5'
r 2 'sysctl vm.nr_hugepages=5x'
r 2 'sysctl vm.nr_hugepages=18446744073709551616'
r 2 'sysctl vm.nr_hugepages'
r 2 'sysctl =5'
r 2 'sysctl vm.hugetlb_optimize_vmemmap=on'
r 2 'sysctl vm.nosuch=1'
# ---- hotplug and dax ----
r 0 'hotplug add node=0 size=128M'
r 2 'hotplug add node=0 size=-128M'
r 2 'hotplug add node=0 size=127M'
r 2 'hotplug add node=-1 size=128M'
r 2 'hotplug add node=4294967296 size=128M'
r 2 'hotplug add node=0 size=16777216T'
r 2 'hotplug add node=0 size=32T memmap_on_memory'
r 2 'hotplug add node=0 size=128M addr=18446744073709551615'
r 2 'hotplug add node=0 size=128M memmap_on_memory=2'
r 2 'hotplug remove addr=0 size=0'
r 2 'hotplug remove addr=-1 size=128M'
r 2 'hotplug'
r 0 'dax create size=1G align=2M'
r 2 'dax create size=1G align=3M'
r 2 'dax create size=-1G align=2M'
r 2 'dax create size=32T align=2M'
r 2 'dax create size=1G align=2M node=64'
r 2 'dax create size=1G align=2M memmap=disk'
r 2 'dax destroy dax99'
r 2 'dax destroy dax-1'
# ---- show, poke, speculative_get, fault, expect, snapshot, check ----
r 0 'show pfn 0x1000'
r 2 'show pfn -1'
r 2 'show pfn 18446744073709551616'
r 2 'show pfn 0x'
r 2 'show pfn 1e3'
r 2 'show pfn 18446744073709551615'
r 2 'show nothing'
r 2 'poke pfn -1'
r 2 'poke pfn 18446744073709551615'
r 2 'poke huge 2M 0 0'
r 2 'poke huge 2M -1 0'
r 2 'speculative_get pfn 18446744073709551615'
r 2 'speculative_get pfn 1x'
r 2 'fault nth=0'
r 2 'fault nth=-1'
r 2 'fault nth=18446744073709551616'
r 2 'fault nth=1 min_order=64'
r 2 'fault nth=1 min_order=-1'
r 2 'fault nth=1 site=nosuch'
r 0 'expect MemTotal > 0'
r 0 'expect MemTotal > -1'
r 2 'expect MemTotal > 9223372036854775808'
r 2 'expect MemTotal > 1x'
r 2 'expect MemTotal >> 1'
r 2 'expect nosuch == 1'
r 2 'expect hugepages-18446744073709551616kB/nr_hugepages == 0'
r 2 'expect node-1/hugepages-2048kB/nr_hugepages == 0'
r 2 'expect node4294967296/hugepages-2048kB/nr_hugepages == 0'
r 2 'expect MemTotal since nolabel == 0'
r 2 "expect Mem\377Total == 0"
r 0 'snapshot a\nsnapshot a'   # taken again
r 2 'dax create size=1G align=2M addr=18446744073709551615'
r 2 'hotplug remove addr=18446744073709551615 size=128M'
r 2 'expect hugepages--2048kB/nr_hugepages == 0'
r 2 'expect node0x/hugepages-2048kB/nr_hugepages == 0'
r 2 'snapshot a b'
r 2 'check maybe'
r 2 'design legacy'
r 2 'boot now'
# ---- sweep ----
t 2u '$HVO sweep'
t 0 '$HVO sweep --max-runs 3 $D/s.hvo'
t 2 '$HVO sweep --max-runs -1 $D/s.hvo'
t 2 '$HVO sweep --max-runs 18446744073709551616 $D/s.hvo'
t 2 '$HVO sweep --max-runs 3x $D/s.hvo'
t 2 '$HVO sweep --max-runs "" $D/s.hvo'
t 2 '$HVO sweep --min-order 4294967297 $D/s.hvo'
t 2 '$HVO sweep --min-order -1 $D/s.hvo'
t 2 '$HVO sweep --min-order 64 $D/s.hvo'
t 0 '$HVO sweep --min-order 9 --max-runs 3 $D/s.hvo'
t 2u '$HVO sweep --site nosuch $D/s.hvo'
t 2u '$HVO sweep --max-runs'
t 2 '$HVO sweep $D/missing.hvo'
t 2 '$HVO sweep /dev/zero'
t 2 '$HVO sweep --max-runs 3 $D/s.hvo > /dev/full'
t 2 '$HVO sweep --max-runs 3 $D/s.hvo >&-'
# ---- compare ----
t 0 '$HVO compare $D/s.hvo'
t 2 '$HVO compare $D/missing.hvo'
t 2 '$HVO compare /dev/zero'
t 2 '$HVO compare $D/s.hvo > /dev/full'
t 2 'ulimit -f 1; $HVO compare $D/s.hvo >> $D/keep.txt'
# ---- diff ----
t 0 '$HVO diff --design legacy --model legacy $D/s.hvo'
t 2 '$HVO diff $D/s.hvo'
t 2 '$HVO diff --design legacy $D/s.hvo'
t 2 '$HVO diff --design nosuch --model legacy $D/s.hvo'
t 2 '$HVO diff --design legacy --model'
t 2 '$HVO diff --design legacy --model legacy'
t 2 '$HVO diff --bogus x $D/s.hvo'
t 2 '$HVO diff --design legacy --model legacy $D/missing.hvo'
t 2 '$HVO diff --design legacy --model legacy /dev/zero'
t 2 '$HVO diff --design legacy --model legacy $D/typo.hvo'
t 2 '$HVO diff --design legacy --model legacy $D/noboot.hvo'
t 2 '$HVO diff --design legacy --model legacy $D/s.hvo > /dev/full'
# ---- explain ----
t 0 '$HVO explain pfn 0x1000'
t 2 '$HVO explain pfn -1'
t 2 '$HVO explain pfn 0x'
t 2 '$HVO explain pfn 18446744073709551616'
t 2 '$HVO explain pfn 18446744073709551615'
t 2 '$HVO explain pfn 1 2'
t 2 '$HVO explain --design'
t 2 "\$HVO explain --design \"\$(printf 'x\\377')\" pfn 1"
t 2 '$HVO explain --out x.svg pfn 1'
t 2 '$HVO explain $D/typo.hvo pfn 1'
t 2 '$HVO explain $D/noboot.hvo pfn 1'
t 2 '$HVO explain /dev/zero pfn 1'
t 2 '$HVO explain pfn 0x1000 > /dev/full'
t 2 'ulimit -f 1; $HVO explain pfn 0x1000 >> $D/keep.txt'
# ---- plot ----
t 0 '$HVO plot strip > /dev/null'
t 0 '$HVO plot --out $D/o.svg strip && grep -q "</svg>" $D/o.svg'
t 2 '$HVO plot strip pfn=-1'
t 2 '$HVO plot strip pfn=18446744073709551616'
t 2 '$HVO plot strip count=0'
t 2 '$HVO plot strip count=-1'
t 2 '$HVO plot strip count=18446744073709551615'
t 2 '$HVO plot strip pfn=0x400000000'
t 2 '$HVO plot strip pfn=1 pfn=x'
t 2 '$HVO plot --out $D/keep.txt strip pfn=0x400000000'
t 2 '$HVO plot --out $D/s.hvo $D/s.hvo strip'
t 2 '$HVO plot --out $D/nodir/o.svg strip'
t 2 '$HVO plot --out $D strip'
t 0 'mkfifo $D/fifo; cat $D/fifo > $D/got & $HVO plot --out $D/fifo strip; s=$?; wait; [ -p $D/fifo ] && grep -q "</svg>" $D/got || exit 9; rm -f $D/fifo; exit $s'
# a reader that goes away: SIGPIPE ends hvo, as it ends cat (silent in pipelines)
t 0 'mkfifo $D/fifo; (exec 3<$D/fifo) & $HVO plot --out $D/fifo strip; s=$?; wait; [ -p $D/fifo ] || exit 9; rm -f $D/fifo; [ $s -eq 141 ]'
t 2 '$HVO plot strip > /dev/full'
t 2 '$HVO plot strip >&-'
t 2 'ulimit -f 1; $HVO plot --out $D/keep.txt strip'
t 2 'ulimit -f 1; $HVO plot strip >> $D/keep.txt'
t 0 '$HVO plot chart > /dev/null'
t 2 '$HVO plot chart extra'
t 2 '$HVO plot --design legacy chart'
t 2 '$HVO plot $D/s.hvo chart'
t 2 '$HVO plot chart > /dev/full'
t 2 '$HVO plot circle'
t 2 '$HVO plot'
t 2 '$HVO plot --out'

printf '%d inputs: %d crashes, %d hangs past %d s, %d wrong exits, %d wrong stderr line counts, %d files damaged\n' \
	"$n" "$crash" "$hang" "$LIMIT" "$wrong" "$lines" "$damaged"
[ $((crash + hang + wrong + lines + damaged)) -eq 0 ]
