#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# oracle/setup.sh: prepare the host for the kernel oracle.  Safe to run again:
# every step is skipped when its result is already there.
#
#   oracle/setup.sh                     tools + Debian kernel 6.12.113 + ndctl
#   oracle/setup.sh --kernel 6.12.117   tools + that kernel (repeatable flag)
#   oracle/setup.sh --no-ndctl          leave out the ndctl tree (only the
#                                       dax scenarios, case g, need it)
#   oracle/setup.sh --check             only report what is missing (exit 1 if any)
#
# Host tools come from Debian's archive with apt-get.  Kernels are Debian's
# linux-image-<V>+deb12-amd64-unsigned packages, fetched with `apt-get download`
# and unpacked with `dpkg -x` into oracle/cache/kernel-<V>/ (git-ignored).
# ndctl and daxctl (for the pmem/device-DAX scenarios) are Debian's packages,
# fetched the same way with every shared library they need, down to libc6;
# the guest's copy is put together in oracle/cache/ndctl/ (usr/bin/ndctl,
# usr/bin/daxctl, lib/x86_64-linux-gnu/*.so*, lib64/ld-linux-x86-64.so.2).
# Needs root for apt-get install.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/cache
kernels=()
check_only=0
want_ndctl=1

usage() {
	sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; kernels+=("$2"); shift 2 ;;
	--kernel=*) kernels+=("${1#--kernel=}"); shift ;;
	--check) check_only=1; shift ;;
	--ndctl) want_ndctl=1; shift ;;
	--no-ndctl) want_ndctl=0; shift ;;
	-h|--help) usage 0 ;;
	*) echo "setup.sh: unknown argument '$1'" >&2; usage ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(6.12.113)

# Debian package -> a file it installs, to tell whether it is present.
declare -A tool_pkgs=(
	[qemu-system-x86]=/usr/bin/qemu-system-x86_64
	[busybox-static]=/bin/busybox
	[cpio]=/usr/bin/cpio
	[gzip]=/usr/bin/gzip
	[zstd]=/usr/bin/zstd
	[xz-utils]=/usr/bin/xz
	[kmod]=/usr/bin/kmod
	[binutils]=/usr/bin/readelf
)

missing=()
for p in "${!tool_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' &&
		[ -e "${tool_pkgs[$p]}" ] || missing+=("$p")
done

kernel_dir() { echo "$cache/kernel-$1"; }
kernel_ok() { compgen -G "$(kernel_dir "$1")/boot/vmlinuz-*" >/dev/null; }

need_kernels=()
for v in "${kernels[@]}"; do
	case $v in
	[0-9]*.[0-9]*.[0-9]*) ;;
	*) echo "setup.sh: '$v' is not a kernel version such as 6.12.113" >&2; exit 2 ;;
	esac
	kernel_ok "$v" || need_kernels+=("$v")
done

ndctl_tree=$cache/ndctl
need_ndctl=0
[ "$want_ndctl" = 1 ] && ! [ -x "$ndctl_tree/usr/bin/ndctl" -a -e "$ndctl_tree/lib64/ld-linux-x86-64.so.2" ] &&
	need_ndctl=1

if [ "$check_only" = 1 ]; then
	rc=0
	[ ${#missing[@]} -eq 0 ] || { echo "missing packages: ${missing[*]}"; rc=1; }
	[ ${#need_kernels[@]} -eq 0 ] || { echo "missing kernels: ${need_kernels[*]}"; rc=1; }
	[ $need_ndctl = 0 ] || { echo "missing: the ndctl tree ($ndctl_tree)"; rc=1; }
	[ $rc = 1 ] || echo "oracle setup complete: kernels ${kernels[*]}"
	exit $rc
fi

if [ ${#missing[@]} -eq 0 ] && [ ${#need_kernels[@]} -eq 0 ] && [ $need_ndctl = 0 ]; then
	echo "oracle setup: nothing to do (tools present; kernels ${kernels[*]} in $cache)"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "setup.sh: apt-get needs root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "oracle setup: apt-get update"
apt-get update -q

if [ ${#missing[@]} -gt 0 ]; then
	echo "oracle setup: installing ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$cache/debs"
for v in "${need_kernels[@]}"; do
	pkg="linux-image-$v+deb12-amd64-unsigned"
	cand=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then
		echo "setup.sh: kernel $v is not available: apt knows no candidate for $pkg" >&2
		echo "setup.sh: versions apt can see:" >&2
		apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
			awk '{print "  " $1}' >&2 || true
		exit 1
	fi
	echo "oracle setup: fetching $pkg ($cand)"
	(cd "$cache/debs" && apt-get download -q "$pkg")
	deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -1)
	tmp=$(mktemp -d "$cache/unpack.XXXXXX")
	dpkg -x "$deb" "$tmp"
	rm -rf "$(kernel_dir "$v")"
	mv "$tmp" "$(kernel_dir "$v")"
	kernel_ok "$v" || { echo "setup.sh: $deb holds no boot/vmlinuz-*" >&2; exit 1; }
	cfg=$(ls "$(kernel_dir "$v")"/boot/config-* | head -1)
	echo "oracle setup: kernel $v unpacked; its HVO configuration:"
	grep -E '^(# )?CONFIG_(HUGETLB_PAGE_OPTIMIZE_VMEMMAP|HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON|SPARSEMEM_VMEMMAP|DEFERRED_STRUCT_PAGE_INIT)[= ]' \
		"$cfg" | sed 's/^/  /'
done

# The soname's package: what owns it on this host (Debian 12, like the
# guest's userland), else Debian's naming rule (libfoo.so.1 -> libfoo1,
# libfoo2.so.0 -> libfoo2-0).
soname_pkg() {
	local s=$1 p base ver
	p=$(dpkg -S "*/x86_64-linux-gnu/$s" 2>/dev/null | head -1 | cut -d: -f1 || true)
	if [ -z "$p" ]; then
		base=${s%%.so.*} ver=${s##*.so.}
		case $base in *[0-9]) p=$base-$ver ;; *) p=$base$ver ;; esac
	fi
	echo "$p"
}

# The file of shared library $2 in unpacked tree $1, if it is there.
lib_in() {
	local d
	for d in "$1/lib/x86_64-linux-gnu" "$1/usr/lib/x86_64-linux-gnu"; do
		[ -e "$d/$2" ] && { echo "$d/$2"; return 0; }
	done
	return 0
}

# Every library the ndctl and daxctl binaries load, from Debian's packages.
if [ $need_ndctl = 1 ]; then
	debs=$cache/debs/ndctl
	unpack=$cache/ndctl-unpack
	mkdir -p "$debs"
	rm -rf "$unpack"
	mkdir -p "$unpack"
	pkgs=(ndctl daxctl libndctl6 libdaxctl1 libc6)
	for round in 1 2 3 4 5 6 7 8; do
		fetch=()
		for p in "${pkgs[@]}"; do
			compgen -G "$debs/${p}_*.deb" >/dev/null || fetch+=("$p")
		done
		if [ ${#fetch[@]} -gt 0 ]; then
			echo "oracle setup: fetching ${fetch[*]}"
			(cd "$debs" && apt-get download -q "${fetch[@]}")
		fi
		for p in "${pkgs[@]}"; do
			deb=$(ls -t "$debs/${p}_"*.deb | head -1)
			[ -e "$unpack/.$p" ] || { dpkg -x "$deb" "$unpack"; touch "$unpack/.$p"; }
		done
		# what ndctl and daxctl load, breadth first, and which of it is missing
		lacking=() seen=" " todo=("$unpack/usr/bin/ndctl" "$unpack/usr/bin/daxctl")
		while [ ${#todo[@]} -gt 0 ]; do
			f=${todo[0]} todo=("${todo[@]:1}")
			for s in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
				case $seen in *" $s "*) continue ;; esac
				seen="$seen$s "
				src=$(lib_in "$unpack" "$s")
				if [ -n "$src" ]; then todo+=("$src"); else lacking+=("$s"); fi
			done
		done
		[ ${#lacking[@]} -eq 0 ] && break
		for s in "${lacking[@]}"; do pkgs+=("$(soname_pkg "$s")"); done
		[ $round = 8 ] && { echo "setup.sh: cannot close ndctl's libraries: ${lacking[*]}" >&2; exit 1; }
	done
	# Copy ndctl, daxctl and what they load (breadth first) into the tree.
	tmp=$(mktemp -d "$cache/ndctl.XXXXXX")
	mkdir -p "$tmp/usr/bin" "$tmp/lib/x86_64-linux-gnu" "$tmp/lib64"
	cp "$unpack/usr/bin/ndctl" "$unpack/usr/bin/daxctl" "$tmp/usr/bin/"
	todo=("$tmp/usr/bin/ndctl" "$tmp/usr/bin/daxctl")
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]} todo=("${todo[@]:1}")
		for s in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$tmp/lib/x86_64-linux-gnu/$s" ] && continue
			cp -L "$(lib_in "$unpack" "$s")" "$tmp/lib/x86_64-linux-gnu/$s"
			todo+=("$tmp/lib/x86_64-linux-gnu/$s")
		done
	done
	cp -L "$(lib_in "$unpack" ld-linux-x86-64.so.2)" "$tmp/lib64/ld-linux-x86-64.so.2"
	rm -rf "$ndctl_tree" "$unpack"
	mv "$tmp" "$ndctl_tree"
	echo "oracle setup: ndctl tree in $ndctl_tree from: $(cd "$debs" && ls *.deb | sed 's/_amd64.deb//' | tr '\n' ' ')"
fi
echo "oracle setup: done"
