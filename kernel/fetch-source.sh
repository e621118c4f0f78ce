#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# kernel/fetch-source.sh VERSION (6.12.113, 6.12.117, 6.1.192, ...): fetch
# Debian's linux-source-MAJOR.MINOR package of that version with
# `apt-get download` into kernel/cache/debs/ (git-ignored), and unpack from
# it only what kernel mode compiles: the top Makefile (for the version),
# mm/hugetlb_vmemmap.c and .h, and include/linux/page-flags.h (the
# version's page-flag bit numbers, kernel/pageflags.awk), into
# kernel/cache/linux-VERSION/.  Prints
# that directory.  A cached tree or package is not fetched again.
# Exit status 2 when the package cannot be had (no network, no such version).
set -eu

[ $# -eq 1 ] || { echo "usage: kernel/fetch-source.sh VERSION" >&2; exit 2; }
v=$1
mm=${v%.*}
pkg=linux-source-$mm
cache=$(cd "$(dirname "$0")" && pwd)/cache
tree=$cache/linux-$v

if [ -f "$tree/mm/hugetlb_vmemmap.c" ] && [ -f "$tree/include/linux/page-flags.h" ]; then
	echo "$tree"
	exit 0
fi
mkdir -p "$cache/debs"
find_deb() {
	for f in "$cache/debs/${pkg}_$v"-*_all.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
if ! deb=$(find_deb); then
	dv=$(apt-cache madison "$pkg" 2>/dev/null |
		awk -v v="$v" '{ if (index($3, v "-") == 1) { print $3; exit } }')
	if [ -z "$dv" ]; then
		echo "fetch-source.sh: apt knows no $pkg of version $v (run apt-get update?)" >&2
		exit 2
	fi
	(cd "$cache/debs" && apt-get download "$pkg=$dv") >&2 || {
		echo "fetch-source.sh: apt-get download $pkg=$dv failed" >&2
		exit 2
	}
	deb=$(find_deb)
fi

tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*.tar.xz'
tar -xJf "$tmp/usr/src/$pkg.tar.xz" -C "$tmp" --no-wildcards-match-slash \
	--wildcards '*/Makefile' '*/mm/hugetlb_vmemmap.[ch]' '*/include/linux/page-flags.h'
rm -rf "$tree.part"
mkdir -p "$tree.part/mm" "$tree.part/include/linux"
mv "$tmp/$pkg/Makefile" "$tree.part/Makefile"
mv "$tmp/$pkg/mm/hugetlb_vmemmap.c" "$tmp/$pkg/mm/hugetlb_vmemmap.h" "$tree.part/mm/"
mv "$tmp/$pkg/include/linux/page-flags.h" "$tree.part/include/linux/"
rm -rf "$tree"
mv "$tree.part" "$tree"
echo "$tree"
