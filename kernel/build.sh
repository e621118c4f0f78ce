#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kernel/build.sh KSRC: the kernel-mode binary build/kernel-VERSION/hvo from
# a kernel tree (a directory) or a linux-source-*.tar.xz (only the top
# Makefile, mm/hugetlb_vmemmap.[ch] and include/linux/page-flags.h are
# unpacked, into kernel/cache/).  The tree's page-flag bit numbers
# (kernel/pageflags.awk) become the layout of the `kernel` row.
# The tree's mm/hugetlb_vmemmap.c is compiled unmodified by kernel/kmode.c
# against the shim (kernel/kshim.h) and linked with the simulator, whose
# generation table then has a row `kernel`.  Called by `make kernel`, which
# passes CC, CSTD, WARN, CFLAGS and SRC.  A tree whose code needs what the
# shim does not have fails with one line naming the first missing symbol.
set -eu

ksrc=${1:-}
: "${CC:=cc}" "${CFLAGS:=-O2 -g}"
die() { echo "make kernel: $*" >&2; exit 2; }
[ -n "$ksrc" ] || die "KSRC=DIR (a kernel tree) or KSRC=linux-source-X.Y.tar.xz is required"
[ -n "${SRC:-}" ] || die "run it through make kernel (SRC is not set)"

if [ -f "$ksrc" ]; then
	case $ksrc in
	*.tar.xz) ;;
	*) die "KSRC=$ksrc: neither a directory nor a .tar.xz" ;;
	esac
	key=$(basename "$ksrc" .tar.xz)-$(cksum < "$ksrc" | cut -d' ' -f1)
	tree=kernel/cache/tar-$key
	if [ ! -f "$tree/mm/hugetlb_vmemmap.c" ] || [ ! -f "$tree/include/linux/page-flags.h" ]; then
		tmp=$(mktemp -d kernel/cache/.unpack.XXXXXX 2>/dev/null) ||
			{ mkdir -p kernel/cache && tmp=$(mktemp -d kernel/cache/.unpack.XXXXXX); }
		tar -xJf "$ksrc" -C "$tmp" --no-wildcards-match-slash \
			--wildcards '*/Makefile' '*/mm/hugetlb_vmemmap.[ch]' '*/include/linux/page-flags.h' ||
			{ rm -rf "$tmp"; die "KSRC=$ksrc: no mm/hugetlb_vmemmap.c in it"; }
		top=$(ls "$tmp")
		mkdir -p "$tree"
		cp -r "$tmp/$top/." "$tree/"
		rm -rf "$tmp"
	fi
elif [ -d "$ksrc" ]; then
	tree=$ksrc
else
	die "KSRC=$ksrc: no such directory or file"
fi
[ -f "$tree/mm/hugetlb_vmemmap.c" ] || die "$tree: no mm/hugetlb_vmemmap.c"
[ -f "$tree/include/linux/page-flags.h" ] ||
	die "$tree: no include/linux/page-flags.h (the page-flag bit numbers; kernel/fetch-source.sh unpacks it)"
tree=$(cd "$tree" && pwd)

version=unknown
if [ -f "$tree/Makefile" ]; then
	version=$(awk '/^VERSION =/ { v = $3 } /^PATCHLEVEL =/ { p = $3 }
		/^SUBLEVEL =/ { s = $3 } END { if (v != "") print v "." p "." s }' "$tree/Makefile")
	[ -n "$version" ] || version=unknown
fi
out=build/kernel-$version
mkdir -p "$out"

# The API generation, from the file: 6.1's page API defines
# hugetlb_vmemmap_optimize(h, head) and hugetlb_vmemmap_restore(h, head);
# anything else is compiled as the 6.12 folio API, and a file of a third
# generation then fails below naming the first symbol the shim lacks.
api=folio
kdef=
if grep -Eq '^(void|int) hugetlb_vmemmap_(optimize|restore)\(const struct hstate \*h, struct page \*head\)' \
	"$tree/mm/hugetlb_vmemmap.c"; then
	api=page
	kdef=-DKS_API_PAGE
fi

# The kernel's file is the kernel's code: its own warnings policy
# (no -Wunused-parameter, -Wsign-compare), its aliasing rules.
if ! LC_ALL=C $CC -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-sign-compare -fno-strict-aliasing $CFLAGS $kdef -Ikernel/include -Ikernel \
	-DHVO_KERNEL_FILE="\"$tree/mm/hugetlb_vmemmap.c\"" \
	-c kernel/kmode.c -o "$out/kmode.o" 2> "$out/kmode.err"; then
	first=$(grep -m1 'error:' "$out/kmode.err" || true)
	sym=$(printf '%s\n' "$first" | grep -E "implicit declaration|undeclared|unknown type name|has no member named|storage size of|incomplete type" |
		sed -n "s/^[^']*'\([^']*\)'.*/\1/p")
	loc=$(printf '%s\n' "$first" | cut -d: -f1-2)
	[ -n "$first" ] || die "$tree: kernel/kmode.c did not compile (see $out/kmode.err)"
	if [ -n "$sym" ]; then
		die "$loc: unknown API generation: first missing symbol '$sym' (not in kernel/kshim.h; all errors in $out/kmode.err)"
	fi
	die "$loc: unknown API generation: $(printf '%s' "$first" | sed 's/.*error: //') (all errors in $out/kmode.err)"
fi
rm -f "$out/kmode.err"
# The tree's page-flag bit numbers, for the `kernel` row's layout.
awk -v version="$version" -f kernel/pageflags.awk "$tree/include/linux/page-flags.h" \
	> "$out/kpage_layout.h" || die "$tree: include/linux/page-flags.h: no page-flag numbers (see above)"
# shellcheck disable=SC2086
$CC $CSTD $WARN $CFLAGS -DHVO_KERNEL_MODE -DHVO_KERNEL_VERSION="\"$version\"" ${kdef:+-DHVO_KERNEL_API_PAGE} \
	-Isrc -Isrc/include -Ikernel -I"$out" -o "$out/hvo" $SRC kernel/kshim_backend.c \
	"$out/kmode.o" -lpthread -ldl
# make bench's kernel row (bench/bench.c): the simulator without its main.
# shellcheck disable=SC2086
$CC $CSTD $WARN $CFLAGS -DHVO_KERNEL_MODE -DHVO_KERNEL_VERSION="\"$version\"" ${kdef:+-DHVO_KERNEL_API_PAGE} \
	-Isrc -Isrc/include -Ikernel -I"$out" -o "$out/bench" bench/bench.c bench/floor.c \
	$(printf '%s\n' $SRC | grep -v '^src/cli/main.c$') kernel/kshim_backend.c \
	"$out/kmode.o" -lpthread -ldl -lm
echo "$out/hvo: design kernel is $tree/mm/hugetlb_vmemmap.c ($version, $api API)"
