#!/usr/bin/env bash
# oracle/setup.sh: prepare the host for the kernel oracle.  Safe to run again:
# every step is skipped when its result is already there.
#
#   oracle/setup.sh                     tools + Debian kernel 6.12.113
#   oracle/setup.sh --kernel 6.12.117   tools + that kernel (repeatable flag)
#   oracle/setup.sh --check             only report what is missing (exit 1 if any)
#
# Host tools come from Debian's archive with apt-get.  Kernels are Debian's
# linux-image-<V>+deb12-amd64-unsigned packages, fetched with `apt-get download`
# and unpacked with `dpkg -x` into oracle/cache/kernel-<V>/ (git-ignored).
# Needs root for apt-get install.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=$here/cache
kernels=()
check_only=0

usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; kernels+=("$2"); shift 2 ;;
	--kernel=*) kernels+=("${1#--kernel=}"); shift ;;
	--check) check_only=1; shift ;;
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

if [ "$check_only" = 1 ]; then
	rc=0
	[ ${#missing[@]} -eq 0 ] || { echo "missing packages: ${missing[*]}"; rc=1; }
	[ ${#need_kernels[@]} -eq 0 ] || { echo "missing kernels: ${need_kernels[*]}"; rc=1; }
	[ $rc = 1 ] || echo "oracle setup complete: kernels ${kernels[*]}"
	exit $rc
fi

if [ ${#missing[@]} -eq 0 ] && [ ${#need_kernels[@]} -eq 0 ]; then
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
echo "oracle setup: done"
