#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# oracle/run-suite.sh: run every tests/oracle/*.hvo through the kernel oracle
# (oracle/oracle.py) and print one line per scenario.
#
#   oracle/run-suite.sh                    all scenarios, kernel 6.12.113
#   oracle/run-suite.sh --quick            the quick subset (a few minutes)
#   oracle/run-suite.sh --kernel 6.12.117  another Debian kernel
#   oracle/run-suite.sh --strict           'shift' verdicts count as failures
#   oracle/run-suite.sh FILE.hvo...        just these scenarios
#
# A scenario with a line "# oracle-kernels: V..." runs only on those
# kernels; on others it is listed as SKIP with the line after it as reason.
# Runs oracle/setup.sh first (a no-op when everything is there).  Each
# scenario's full table goes to oracle/work/suite-<kernel>/<name>.txt.
# Exit status: 0 all passed, 1 a scenario failed a rule, 3 a scenario could
# not be run (bad scenario, missing kernel, QEMU or simulator trouble).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
kernel=6.12.113
quick=0
pass_args=()
files=()

# The quick subset: one case per behaviour (boot baseline, boot-time HVO
# with restore and re-optimization, run-time 2 MiB cycles, the sysctl read
# per page, run-time 1 GiB pages).
quick_set=(a_none_4g b_boot2m_on d_rt2m_on d_toggle e_rt1g_on)

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; shift ;;
	--kernel) [ $# -ge 2 ] || { echo "run-suite.sh: --kernel needs a version" >&2; exit 3; }
		kernel=$2; shift 2 ;;
	--kernel=*) kernel=${1#--kernel=}; shift ;;
	--strict) pass_args+=(--strict); shift ;;
	--design) pass_args+=(--design "$2"); shift 2 ;;
	-h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run-suite.sh: unknown option '$1'" >&2; exit 3 ;;
	*) files+=("$1"); shift ;;
	esac
done

if [ ${#files[@]} -eq 0 ]; then
	if [ $quick = 1 ]; then
		for n in "${quick_set[@]}"; do files+=("$repo/tests/oracle/$n.hvo"); done
	else
		files=("$repo"/tests/oracle/*.hvo)
	fi
fi

# ndctl (for the dax scenarios, case g) only when a scenario needs it
ndctl=--no-ndctl
grep -qE '^[[:space:]]*dax[[:space:]]' "${files[@]}" 2>/dev/null && ndctl=--ndctl
"$here/setup.sh" --kernel "$kernel" $ndctl >/dev/null || {
	echo "run-suite.sh: oracle/setup.sh --kernel $kernel $ndctl failed" >&2
	exit 3
}
if [ ! -x "$repo/build/hvo" ]; then
	make -C "$repo" build/hvo >/dev/null || { echo "run-suite.sh: building build/hvo failed" >&2; exit 3; }
fi

out=$here/work/suite-$kernel
mkdir -p "$out"
start=$SECONDS
npass=0 nfail=0 nerr=0 nskip=0
summary=()
printf '%-22s %-7s %8s %6s %6s %8s\n' scenario verdict failures shifts bugs seconds
for f in "${files[@]}"; do
	name=$(basename "$f" .hvo)
	t0=$SECONDS
	only=$(sed -n 's/^# oracle-kernels: *//p' "$f" | head -1)
	if [ -n "$only" ] && ! grep -qw -- "$kernel" <<<"$only"; then
		printf '%-22s %-7s  (runs on %s only: %s)\n' "$name" SKIP "$only" \
			"$(grep -A1 '^# oracle-kernels:' "$f" | sed -n '2s/^# *//p')"
		nskip=$((nskip + 1))
		continue
	fi
	python3 "$here/oracle.py" "$f" --kernel "$kernel" --quiet --no-legend "${pass_args[@]}" \
		>"$out/$name.txt" 2>"$out/$name.err"
	rc=$?
	line=$(grep '^ORACLE ' "$out/$name.txt" | tail -1)
	get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
	case $rc in
	0) verdict=PASS; npass=$((npass + 1)) ;;
	1) verdict=FAIL; nfail=$((nfail + 1)) ;;
	*) verdict="ERROR($rc)"; nerr=$((nerr + 1)) ;;
	esac
	row=$(printf '%-22s %-7s %8s %6s %6s %8s' "$name" "$verdict" "$(get failures)" "$(get shifts)" \
		"$(get kernel_bugs)" "$((SECONDS - t0))")
	echo "$row"
	summary+=("$row")
	if [ $rc -ge 2 ]; then
		sed 's/^/    /' "$out/$name.err" | tail -5
	elif [ $rc = 1 ]; then
		# each failing row under the heading of its point
		awk '/^-- point / { head = $0; shown = 0; next }
		     / FAIL$/ { if (!shown) print "    " head; shown = 1; print "    " $0 }
		     /^kernel log after/ && !/: 0 / { print "    " $0 }' "$out/$name.txt" | head -24
	fi
done
echo
echo "kernel $kernel: $npass passed, $nfail failed, $nerr not run, $nskip skipped;" \
	"$((SECONDS - start)) s wall time" \
	"(tables in ${out#$repo/}/)"
python3 "$here/oracle.py" --legend | sed 's/^/  /'
[ $nerr = 0 ] || exit 3
[ $nfail = 0 ] || exit 1
exit 0
