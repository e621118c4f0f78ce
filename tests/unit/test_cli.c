// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hvo command as a user meets it, run as build/hvo through the shell:
 * output that cannot be written (/dev/full, a closed standard output, a
 * file size limit) is one line and status 2 and leaves no file damaged;
 * numbers are strict; inputs are bounded; messages and JSON stay clean
 * whatever bytes the input or its name held.  Each test works in a folder
 * of its own process, so tests run side by side.
 */
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "lib/escape.h"
#include "lib/parse.h"
#include "testutil.h"

#define HVO HVO_BUILD_DIR "/hvo"

struct sh_result {
	int status;
	char out[32768];
	char err[8192];
	unsigned err_lines;
};

/* This process's scratch folder, made on first use. */
static const char *tmpdir(void)
{
	static char dir[128];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), HVO_BUILD_DIR "/cli-test.%ld", (long)getpid());
		mkdir(dir, 0777);
	}
	return dir;
}

static void cleanup(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir());
	if (system(cmd)) {
		/* a folder left behind fails nothing */
	}
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

/*
 * Run a shell script (printf-style; "$T" is the scratch folder, "$HVO"
 * the binary) with its standard output and error captured, unless the
 * script redirects them itself.  0, or -1 if it did not exit.
 */
static int sh(struct sh_result *r, const char *fmt, ...)
{
	char script[2048], cmd[3072], out[192], err[192];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(script, sizeof(script), fmt, ap);
	va_end(ap);
	snprintf(out, sizeof(out), "%s/sh.out", tmpdir());
	snprintf(err, sizeof(err), "%s/sh.err", tmpdir());
	snprintf(cmd, sizeof(cmd), "T=%s HVO=%s; export T HVO; ( %s ) >%s 2>%s",
		 tmpdir(), HVO, script, out, err);
	memset(r, 0, sizeof(*r));
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	r->status = WEXITSTATUS(st);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
	for (char *p = r->err; *p; p++)
		r->err_lines += *p == '\n';
	return 0;
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir(), name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Status 2 and exactly one line on stderr holding @want. */
static int one_line_2(const struct sh_result *r, const char *what, const char *want)
{
	if (r->status == 2 && r->err_lines == 1 && strstr(r->err, want))
		return 0;
	fprintf(stderr, "    %s: status %d, %u error lines (wanted 2, 1 line with '%s'):\n%s",
		what, r->status, r->err_lines, want, r->err);
	return 1;
}

/* Every command that writes to standard output, with a scenario that shows nothing on stderr. */
static const char *const output_cmds[] = {
	"run $T/r.hvo",
	"run --json $T/q.hvo",
	"run --check $T/r.hvo",
	"compare $T/q.hvo",
	"explain pfn 0x2000",
	"plot strip",
	"plot chart",
	"help",
	"sweep --max-runs 2 $T/q.hvo",
};

static void write_scenarios(void)
{
	write_file("q.hvo", "machine mem=1G\nboot\n");
	write_file("r.hvo", "machine mem=1G\nboot\nshow report\n");
}

TEST(cli_stdout_on_dev_full_is_exit_2)
{
	struct sh_result r;
	int bad = 0;

	write_scenarios();
	for (unsigned i = 0; i < ARRAY_SIZE(output_cmds); i++) {
		ASSERT_EQ(sh(&r, "$HVO %s > /dev/full", output_cmds[i]), 0);
		bad |= one_line_2(&r, output_cmds[i], "standard output: ");
		/* and a closed standard output */
		ASSERT_EQ(sh(&r, "$HVO %s >&-", output_cmds[i]), 0);
		bad |= one_line_2(&r, output_cmds[i], "standard output: ");
	}
	/* the same commands, written in full, succeed */
	for (unsigned i = 0; i < ARRAY_SIZE(output_cmds); i++) {
		ASSERT_EQ(sh(&r, "$HVO %s > /dev/null", output_cmds[i]), 0);
		if (r.status != 0) {
			fprintf(stderr, "    %s: status %d\n%s", output_cmds[i], r.status, r.err);
			bad = 1;
		}
	}
	cleanup();
	return bad;
}

/*
 * Under `ulimit -f 1` (512 bytes) every output is cut short: status 2,
 * one line, and the file holds what it held before (nothing, or the
 * line an earlier command appended), never a truncated report or JSON.
 */
TEST(cli_file_size_limit_leaves_no_partial_output)
{
	struct sh_result r;
	int bad = 0;

	write_scenarios();
	for (unsigned i = 0; i < ARRAY_SIZE(output_cmds); i++) {
		if (strstr(output_cmds[i], "sweep"))
			continue; /* one short line: fits */
		ASSERT_EQ(sh(&r, "ulimit -f 1; $HVO %s > $T/o.txt", output_cmds[i]), 0);
		bad |= one_line_2(&r, output_cmds[i], "standard output: ");
		ASSERT_EQ(sh(&r, "wc -c < $T/o.txt"), 0);
		if (atoi(r.out) != 0) {
			fprintf(stderr, "    %s: %d bytes left behind\n", output_cmds[i], atoi(r.out));
			bad = 1;
		}
		ASSERT_EQ(sh(&r, "echo precious > $T/a.txt; ulimit -f 1; $HVO %s >> $T/a.txt",
			     output_cmds[i]), 0);
		bad |= one_line_2(&r, output_cmds[i], "standard output: ");
		ASSERT_EQ(sh(&r, "cat $T/a.txt"), 0);
		if (strcmp(r.out, "precious\n")) {
			fprintf(stderr, "    %s >>: file now holds '%.60s'\n", output_cmds[i], r.out);
			bad = 1;
		}
	}
	cleanup();
	return bad;
}

/* plot --out: a failed plot leaves the target and the scenario as they were. */
TEST(cli_plot_out_never_damages_a_file)
{
	struct sh_result r;

	write_scenarios();
	ASSERT_EQ(sh(&r, "echo precious > $T/e.svg; $HVO plot --out $T/e.svg tests/scenarios/boot_qemu_pc_4g.hvo strip pfn=0x400000000"), 0);
	ASSERT_EQ(one_line_2(&r, "plot beyond memory", "beyond"), 0);
	ASSERT_EQ(sh(&r, "cat $T/e.svg"), 0);
	ASSERT_TRUE(!strcmp(r.out, "precious\n"));
	ASSERT_EQ(sh(&r, "cp $T/q.hvo $T/s.hvo; $HVO plot --out $T/s.hvo $T/s.hvo strip pfn=0x400000000"), 0);
	ASSERT_EQ(one_line_2(&r, "plot over its input", "input file"), 0);
	ASSERT_EQ(sh(&r, "cmp $T/q.hvo $T/s.hvo && echo same"), 0);
	ASSERT_TRUE(!strcmp(r.out, "same\n"));
	ASSERT_EQ(sh(&r, "echo precious > $T/e.svg; ulimit -f 1; $HVO plot --out $T/e.svg strip"), 0);
	ASSERT_EQ(one_line_2(&r, "plot under ulimit", "e.svg"), 0);
	ASSERT_EQ(sh(&r, "cat $T/e.svg; ls -a $T | grep -c hvo-out"), 0);
	ASSERT_TRUE(!strcmp(r.out, "precious\n0\n")); /* and no temporary file */
	cleanup();
	return 0;
}

/* Options and words that once meant something else are refused. */
TEST(cli_numbers_are_strict)
{
	static const char *const bad[] = {
		"sweep --max-runs -1 $T/q.hvo",
		"sweep --max-runs 18446744073709551616 $T/q.hvo",
		"sweep --max-runs 12abc $T/q.hvo",
		"sweep --min-order 4294967297 $T/q.hvo",
		"sweep --min-order 64 $T/q.hvo",
		"explain pfn -1",
		"explain pfn 0x",
		"explain pfn 18446744073709551616",
		"plot strip pfn=1x",
		"plot strip count=-1",
		"run $T/wrap.hvo",
		"run $T/count.hvo",
		"run $T/node.hvo",
		"run $T/size.hvo",
	};
	struct sh_result r;
	int bad_ = 0;

	write_scenarios();
	write_file("wrap.hvo", "machine mem=4G node_mem=18446744073709547520,4294971392\nboot\n");
	write_file("count.hvo", "machine mem=1G\nboot\nhugepages 2M 18446744073709551616\n");
	write_file("node.hvo", "machine mem=1G\nboot\nhugepages 2M 1 node=-1\n");
	write_file("size.hvo", "machine mem=16777216T\nboot\n");
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(sh(&r, "$HVO %s", bad[i]), 0);
		bad_ |= one_line_2(&r, bad[i], "");
		if (r.out[0]) {
			fprintf(stderr, "    %s: wrote to stdout\n", bad[i]);
			bad_ = 1;
		}
	}
	ASSERT_EQ(sh(&r, "$HVO sweep --max-runs -1 $T/q.hvo"), 0);
	ASSERT_TRUE(strstr(r.err, "--max-runs '-1': expected an integer") != NULL);
	ASSERT_EQ(sh(&r, "$HVO run $T/wrap.hvo"), 0);
	ASSERT_TRUE(strstr(r.err, "node_mem adds up to more than 2^64 bytes") != NULL);
	cleanup();
	return bad_;
}

/* Input size, simulated memory and host memory are bounded, each with a way to change it. */
TEST(cli_resources_are_bounded)
{
	struct sh_result r;

	write_scenarios();
	ASSERT_EQ(sh(&r, "$HVO run /dev/zero"), 0);
	ASSERT_EQ(one_line_2(&r, "run /dev/zero", "larger than the input limit of 16777216 bytes (HVO_MAX_INPUT"), 0);
	ASSERT_EQ(sh(&r, "HVO_MAX_INPUT=10 $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "HVO_MAX_INPUT=10", "input limit of 10 bytes"), 0);
	ASSERT_EQ(sh(&r, "head -c 30 /dev/zero | HVO_MAX_INPUT=20 $HVO run -"), 0);
	ASSERT_EQ(one_line_2(&r, "stdin", "<stdin>: larger than the input limit"), 0);
	ASSERT_EQ(sh(&r, "HVO_MAX_INPUT=0 $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_EQ(sh(&r, "HVO_MAX_INPUT=lots $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "HVO_MAX_INPUT=lots", "HVO_MAX_INPUT 'lots': expected a size"), 0);
	ASSERT_EQ(sh(&r, "HVO_HOST_MEM=-1 $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "HVO_HOST_MEM=-1", "HVO_HOST_MEM '-1'"), 0);

	write_file("big.hvo", "machine mem=16T\nboot\nhugepages 2M 8000000\n");
	ASSERT_EQ(sh(&r, "HVO_HOST_MEM=1G $HVO run $T/big.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "pool request", "big.hvo:3: hugepages 2M 8000000: 8000000 more 2M pages need at least 31250 MiB of host memory"), 0);
	write_file("bigboot.hvo", "machine mem=16T\ncmdline hugepages=8000000\nboot\n");
	ASSERT_EQ(sh(&r, "HVO_HOST_MEM=1G $HVO run $T/bigboot.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "boot pool", "bigboot.hvo:2: hugepages=8000000: 8000000 more 2M pages"), 0);
	write_file("sysctl.hvo", "machine mem=16T\nboot\nsysctl vm.nr_hugepages=8000000\n");
	ASSERT_EQ(sh(&r, "HVO_HOST_MEM=1G $HVO run $T/sysctl.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "sysctl pool", "sysctl.hvo:3: sysctl vm.nr_hugepages=8000000: 8000000 more"), 0);
	/* a request the memory cannot hold counts only what fits */
	write_file("fits.hvo", "machine mem=1G\nboot\nhugepages 2M 100000000\n");
	ASSERT_EQ(sh(&r, "HVO_HOST_MEM=64M $HVO run $T/fits.hvo"), 0);
	ASSERT_EQ(r.status, 0);

	write_file("mem.hvo", "machine mem=17T\nboot\n");
	ASSERT_EQ(sh(&r, "$HVO run $T/mem.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "mem=17T", "mem.hvo:1: machine: mem above this run's limit of 16T (HVO_MAX_MEM"), 0);
	ASSERT_EQ(sh(&r, "HVO_MAX_MEM=512M $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "HVO_MAX_MEM=512M", "limit of 512M"), 0);
	write_file("hot.hvo", "machine mem=1G\nboot\nhotplug add node=0 size=1G\n");
	ASSERT_EQ(sh(&r, "HVO_MAX_MEM=1G $HVO run $T/hot.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "hotplug past HVO_MAX_MEM", "hot.hvo:3: hotplug"), 0);
	cleanup();
	return 0;
}

/*
 * HVO_MAX_SECONDS: a command that runs past it stops with one line and
 * status 2, and an --out file it was writing is left as it was.
 */
TEST(cli_time_limit_stops_a_command)
{
	struct sh_result r;

	write_scenarios();
	write_file("slow.hvo", "machine mem=3072G\ndesign legacy\n");
	ASSERT_EQ(sh(&r, "HVO_MAX_SECONDS=1 $HVO plan $T/slow.hvo 1G=3024"), 0);
	ASSERT_EQ(one_line_2(&r, "plan past HVO_MAX_SECONDS",
			     "hvo plan: time limit of 1 s reached (HVO_MAX_SECONDS"), 0);
	/* a 3 TiB machine whose pool is freed and regrown: seconds of work */
	write_file("slowboot.hvo", "machine mem=3072G\ncmdline hugepagesz=1G hugepages=3024 "
		   "hugetlb_free_vmemmap=on\ndesign legacy\nboot\nhugepages 1G 0\n"
		   "hugepages 1G 3000\n");
	write_file("keep.svg", "precious\n");
	ASSERT_EQ(sh(&r, "HVO_MAX_SECONDS=1 $HVO plot --out $T/keep.svg $T/slowboot.hvo strip"), 0);
	ASSERT_EQ(one_line_2(&r, "plot past HVO_MAX_SECONDS", "hvo plot: time limit of 1 s reached"), 0);
	ASSERT_EQ(sh(&r, "cat $T/keep.svg; ls -A $T | grep -c hvo-out"), 0);
	ASSERT_TRUE(strstr(r.out, "precious\n0\n"));
	ASSERT_EQ(sh(&r, "HVO_MAX_SECONDS=soon $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "HVO_MAX_SECONDS=soon", "HVO_MAX_SECONDS 'soon': expected an integer"), 0);
	ASSERT_EQ(sh(&r, "HVO_MAX_SECONDS=0 $HVO run $T/q.hvo"), 0);
	ASSERT_EQ(r.status, 0);
	cleanup();
	return 0;
}

/* Bytes outside printable ASCII in an input or a file name. */
TEST(cli_messages_and_json_stay_clean)
{
	struct sh_result r;

	write_file("\xff\xe9.hvo", "machine mem=1G\nboot\nfoo\xff\x1b[2J\n");
	ASSERT_EQ(sh(&r, "$HVO run $T/\xff\xe9.hvo"), 0);
	ASSERT_EQ(one_line_2(&r, "bad bytes", ".hvo:3: unknown command 'foo\\xff\\x1b[2J'"), 0);
	ASSERT_TRUE(strstr(r.err, "/\\xff\\xe9.hvo:3:") != NULL);
	for (const char *p = r.err; *p; p++)
		ASSERT_TRUE((unsigned char)*p < 0x80);
	write_file("\xff\xe9.hvo", "machine mem=1G\nboot\n");
	ASSERT_EQ(sh(&r, "$HVO run --json $T/\xff\xe9.hvo"), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(strstr(r.out, "/\\u00ff\\u00e9.hvo\", \"design\"") != NULL);
	for (const char *p = r.out; *p; p += utf8_seq_len((const unsigned char *)p))
		ASSERT_TRUE(utf8_seq_len((const unsigned char *)p) != 0);
	/* well-formed UTF-8 in a name passes through as it is */
	write_file("caf\xc3\xa9.hvo", "machine mem=1G\nboot\n");
	ASSERT_EQ(sh(&r, "$HVO run --json $T/caf\xc3\xa9.hvo"), 0);
	ASSERT_TRUE(strstr(r.out, "caf\xc3\xa9.hvo\"") != NULL);
	ASSERT_EQ(sh(&r, "$HVO explain --design 'x\xff' pfn 1"), 0);
	ASSERT_EQ(one_line_2(&r, "design name", "unknown design 'x\\xff'"), 0);
	ASSERT_EQ(sh(&r, "$HVO 'r\xffn'"), 0);
	ASSERT_EQ(r.status, 2);
	ASSERT_TRUE(strstr(r.err, "unknown command 'r\\xffn'") != NULL);
	cleanup();
	return 0;
}

TEST(utf8_and_escapes)
{
	static const struct {
		const char *s;
		unsigned len;
	} seq[] = {
		{ "a", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xc0\xaf", 0 },      /* overlong '/' */
		{ "\xe0\x80\xaf", 0 },  /* overlong */
		{ "\xed\xa0\x80", 0 },  /* a surrogate */
		{ "\xf4\x90\x80\x80", 0 }, /* above U+10FFFF */
		{ "\xe2\x82", 0 },      /* cut short */
		{ "\x80", 0 }, { "\xff", 0 },
	};
	char buf[128];
	FILE *f;

	for (unsigned i = 0; i < ARRAY_SIZE(seq); i++)
		ASSERT_EQ(utf8_seq_len((const unsigned char *)seq[i].s), seq[i].len);
	f = fmemopen(buf, sizeof(buf), "w");
	ASSERT_TRUE(f != NULL);
	fput_json_string(f, "q\"\\\n\xff\xc3\xa9\x7f");
	fputc('|', f);
	fput_escaped(f, "a\xff\n\x7f~");
	fclose(f);
	ASSERT_TRUE(!strcmp(buf, "q\\\"\\\\\\u000a\\u00ff\xc3\xa9\\u007f|a\\xff\\x0a\\x7f~"));
	return 0;
}

TEST(parse_uint_arg_and_checked_sums)
{
	char err[256];
	uint64_t v, sum = 0;
	unsigned u;
	FILE *null;

	ASSERT_EQ(parse_uint_arg("n", "0x10", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_EQ(v, 16);
	ASSERT_NE(parse_uint_arg("n", "101", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_TRUE(!strcmp(err, "n '101': expected an integer 0..100"));
	ASSERT_NE(parse_uint_arg("n", "-1", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", "18446744073709551616", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", " 1", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", "1 ", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", "", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", "0", 1, 100, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_uint_arg("n", "\xff", 0, 100, &v, err, sizeof(err)), 0);
	ASSERT_TRUE(!strcmp(err, "n '\\xff': expected an integer 0..100"));
	ASSERT_EQ(parse_size_arg("s", "2M", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	ASSERT_EQ(v, 2 << 20);
	ASSERT_NE(parse_size_arg("s", "16385P", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_size_arg("s", "2Q", 0, UINT64_MAX, &v, err, sizeof(err)), 0);
	ASSERT_NE(parse_size_arg("s", "2G", 0, 1 << 30, &v, err, sizeof(err)), 0);
	ASSERT_TRUE(!strcmp(err, "s '2G': expected a size 0..1G"));
	null = fopen("/dev/null", "w");
	ASSERT_TRUE(null != NULL);
	ASSERT_NE(parse_uint_opt(null, "o", "4294967296", UINT64_MAX, &u), 0);
	ASSERT_EQ(parse_uint_opt(null, "o", "4294967295", UINT64_MAX, &u), 0);
	fclose(null);
	ASSERT_EQ(u, 4294967295u);
	ASSERT_EQ(add_u64_checked(&sum, UINT64_MAX - 4095), 0);
	ASSERT_NE(add_u64_checked(&sum, 4294971392ULL), 0);
	ASSERT_EQ(sum, UINT64_MAX - 4095);
	ASSERT_EQ(add_u64_checked(&sum, 4095), 0);
	ASSERT_EQ(sum, UINT64_MAX);
	return 0;
}

/* --out naming a FIFO or device writes into it; a rename would replace the node. */
TEST(cli_plot_out_to_a_fifo_writes_in_place)
{
	struct sh_result r;

	ASSERT_EQ(sh(&r, "mkfifo $T/p && (cat $T/p > $T/got &) && $HVO plot --out $T/p strip; s=$?; sleep 0.2; [ -p $T/p ] && echo fifo; grep -c '</svg>' $T/got; exit $s"), 0);
	ASSERT_EQ(r.status, 0);
	ASSERT_TRUE(!strcmp(r.out, "fifo\n1\n"));
	cleanup();
	return 0;
}

/*
 * tools/hostile.sh: 267 hostile inputs over every command and flag;
 * any crash, hang, wrong exit, wrong stderr or damaged file fails it.
 */
TEST(cli_hostile_inputs)
{
	struct sh_result r;

	ASSERT_EQ(sh(&r, "tools/hostile.sh $HVO"), 0);
	if (r.status) {
		fprintf(stderr, "%s", r.out);
		return 1;
	}
	ASSERT_TRUE(strstr(r.out, " 0 crashes, 0 hangs") != NULL);
	cleanup();
	return 0;
}

/* `hvo CMD --help` and `-h` print the usage on stdout and exit 0, for every command. */
TEST(cli_command_help_is_usage)
{
	static const char *const cmds[] = { "run", "sweep", "compare", "explain", "plot",
					     "host", "plan", "html", "diff" };
	struct sh_result r;
	int bad = 0;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		for (int h = 0; h < 2; h++) {
			ASSERT_EQ(sh(&r, "$HVO %s %s", cmds[i], h ? "-h" : "--help"), 0);
			if (r.status || r.err[0] || !strstr(r.out, "usage: hvo run")) {
				fprintf(stderr, "    hvo %s %s: status %d, stderr '%s'\n", cmds[i],
					h ? "-h" : "--help", r.status, r.err);
				bad++;
			}
		}
	cleanup();
	return bad;
}
