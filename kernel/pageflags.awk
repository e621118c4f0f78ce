# SPDX-License-Identifier: GPL-2.0-only
# kernel/pageflags.awk: the page-flag bit numbers of a kernel tree, from
# its include/linux/page-flags.h (enum pageflags), with Debian's x86-64
# configuration for the #ifdefs inside the enum.  Prints the initializer
# of hvo's struct page_layout (src/include/page_layout.h) as a #define for
# kernel/build.sh; a flag hvo needs that the enum lacks is an error.
#   awk -v version=6.1.192 -f kernel/pageflags.awk TREE/include/linux/page-flags.h
function on(sym) {
	# Debian's x86-64 kernels: these are set; any other CONFIG_ is not.
	return sym == "CONFIG_MMU" || sym == "CONFIG_64BIT" ||
	       sym == "CONFIG_MEMORY_FAILURE" || sym == "CONFIG_ARCH_USES_PG_UNCACHED" ||
	       sym == "CONFIG_PAGE_IDLE_FLAG"
}
function cond(expr,   n, i, parts, t, all) {
	# "defined(A) && defined(B)" or "A": true if every symbol is on
	gsub(/[()!]/, " ", expr)
	gsub(/defined/, " ", expr)
	gsub(/&&/, " ", expr)
	n = split(expr, parts, " ")
	all = 1
	for (i = 1; i <= n; i++)
		if (parts[i] != "" && !on(parts[i]))
			all = 0
	return all
}
BEGIN { inenum = 0; depth = 0; live[0] = 1; bit = 0; incomment = 0 }
/^enum pageflags[ \t]*\{/ { inenum = 1; next }
!inenum { next }
{
	line = $0
	if (incomment) {
		if (sub(/.*\*\//, "", line)) incomment = 0; else next
	}
	gsub(/\/\*[^*]*(\*[^\/][^*]*)*\*\//, "", line)
	if (sub(/\/\*.*/, "", line)) incomment = 1
}
line ~ /^#[ \t]*ifdef[ \t]/ { split(line, w, /[ \t]+/); depth++; live[depth] = live[depth - 1] && on(w[2]); next }
line ~ /^#[ \t]*ifndef[ \t]/ { split(line, w, /[ \t]+/); depth++; live[depth] = live[depth - 1] && !on(w[2]); next }
line ~ /^#[ \t]*if[ \t]/ { e = line; sub(/^#[ \t]*if[ \t]+/, "", e); depth++; live[depth] = live[depth - 1] && cond(e); next }
line ~ /^#[ \t]*else/ { live[depth] = live[depth - 1] && !live[depth]; next }
line ~ /^#[ \t]*endif/ { depth--; next }
line ~ /__NR_PAGEFLAGS/ { done = 1; exit }
{
	gsub(/[ \t,]/, "", line)
	if (line == "" || !live[depth])
		next
	if (line ~ /=/) { bad = "an enumerator with a value before __NR_PAGEFLAGS: " line; exit }
	pg[line] = bit++
}
END {
	if (bad != "") { print "pageflags.awk: " FILENAME ": " bad > "/dev/stderr"; exit 2 }
	if (!done) { print "pageflags.awk: " FILENAME ": no enum pageflags ending in __NR_PAGEFLAGS" > "/dev/stderr"; exit 2 }
	split("locked referenced uptodate dirty lru head active reserved private hwpoison", need, " ")
	out = "#define HVO_KERNEL_PAGE_LAYOUT { .name = \"" version "\""
	for (i = 1; i <= 10; i++) {
		if (!(("PG_" need[i]) in pg)) {
			print "pageflags.awk: " FILENAME ": no PG_" need[i] " in enum pageflags" > "/dev/stderr"
			exit 2
		}
		out = out ", .pg_" need[i] " = " pg["PG_" need[i]]
	}
	print "/* made by kernel/pageflags.awk from " FILENAME " */"
	print out " }"
}
