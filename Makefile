# SPDX-License-Identifier: GPL-2.0-only
# hvo: build, test, run.  `make help` lists the targets.
CC ?= cc
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS := -lpthread

# The layers, lowest first (src/README.md): each may call only those before it.
LAYERS := lib hw arch mm sim cli
SRC := $(filter-out src/cli/main.c,$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
HDR := $(wildcard src/include/*.h) $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h))
INC := -Isrc -Isrc/include
TEST_SRC := $(wildcard tests/unit/*.c)

BUILD := build

# Quiet recipes; `make V=1` shows every command.
Q := $(if $(V),,@)

all: $(BUILD)/hvo

$(BUILD):
	$(Q)mkdir -p $(BUILD)

$(BUILD)/hvo: $(SRC) src/cli/main.c $(HDR) | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) $(CFLAGS) $(INC) -o $@ $(SRC) src/cli/main.c $(LDLIBS)

# Tests: unit tests, scenario files and the fuzz corpora, under ASan and
# UBSan.  The test runner links both fuzz targets, their entry points
# renamed fuzz_TARGET_one, and replays each corpus file as one test.
FUZZ_TARGETS := scenario cmdline
CHECK_FUZZ_OBJ := $(patsubst %,$(BUILD)/check_fuzz_%.o,$(FUZZ_TARGETS))

$(BUILD)/check_fuzz_%.o: fuzz/fuzz_%.c $(HDR) | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(INC) -DLLVMFuzzerTestOneInput=fuzz_$*_one -c -o $@ $<

$(BUILD)/test_hvo: $(SRC) $(HDR) $(TEST_SRC) tests/harness.h tests/unit/testutil.h fuzz/replay.c fuzz/replay.h $(CHECK_FUZZ_OBJ) | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -DHVO_BUILD_DIR='"$(BUILD)"' $(INC) -Itests -Itests/unit -Ifuzz -o $@ $(SRC) $(TEST_SRC) fuzz/replay.c $(CHECK_FUZZ_OBJ) $(LDLIBS)

# make check runs the tests in CHECK_SHARDS shards side by side (make -j),
# each a `test_hvo --shard K/N`, and merges their results in test order.
CHECK_SHARDS ?= $(shell nproc 2>/dev/null || echo 1)
CHECK_LOGS := $(foreach k,$(shell seq 0 $$(($(CHECK_SHARDS) - 1))),$(BUILD)/check/shard-$(k).log)

check: $(BUILD)/test_hvo $(BUILD)/hvo
	@command -v chromium >/dev/null 2>&1 || echo "skipping html_in_a_real_browser: chromium is not installed (apt-get install -y chromium)"
	@rm -rf $(BUILD)/check && mkdir -p $(BUILD)/check
	@$(MAKE) -s --no-print-directory -j$(CHECK_SHARDS) $(CHECK_LOGS)
	@tools/check-merge $(BUILD)/test_times $(CHECK_LOGS)

$(BUILD)/check/shard-%.log: FORCE
	@$(BUILD)/test_hvo --shard $*/$(CHECK_SHARDS) > $@ 2>&1 || true

FORCE:

# Concurrency tests under ThreadSanitizer.
$(BUILD)/test_tsan: $(SRC) $(HDR) tests/tsan/test_concurrency.c | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g -fsanitize=thread $(INC) -o $@ $(SRC) tests/tsan/test_concurrency.c $(LDLIBS)

tsan: $(BUILD)/test_tsan
	$(BUILD)/test_tsan

$(BUILD)/bench: $(SRC) $(HDR) bench/bench.c bench/floor.c bench/floor.h | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) -O2 -g $(INC) -o $@ $(SRC) bench/bench.c bench/floor.c $(LDLIBS) -lm

# Benchmark (not a test): BENCH_TIB caps the largest booted machine (64:
# mem=65532G, the largest 4-level machine); build/bench TIB GROUP.. DESIGN..
# runs a subset.
BENCH_TIB ?= 16
# The kernel-mode row (kernel/README.md) runs when `make kernel` has built
# $(KBENCH)/bench; KBENCH=build/kernel-VERSION picks another tree's.
KBENCH ?= $(BUILD)/kernel-6.12.113
bench: $(BUILD)/bench
	$(BUILD)/bench $(BENCH_TIB)
	@if [ -x $(KBENCH)/bench ]; then $(KBENCH)/bench $(BENCH_TIB) kernel; \
	else echo "kernel mode: no $(KBENCH)/bench, row skipped (make kernel KSRC=DIR builds it)"; fi

# Kernel oracle: the legacy design against Debian's Linux 6.12.113 under
# QEMU/TCG (oracle/README.md).  The first run installs QEMU and the kernel (root).
oracle: $(BUILD)/hvo
	oracle/run-suite.sh

oracle-quick: $(BUILD)/hvo
	oracle/run-suite.sh --quick

# Fuzzing with libFuzzer (clang only): FUZZ_TARGET names the targets to
# run, each for FUZZ_SECONDS.  The tree's corpus under fuzz/corpus seeds a
# run; what libFuzzer finds goes to build/fuzz/corpus/TARGET (build/ is
# git-ignored) and crashing inputs to build/fuzz/artifacts/.
FUZZ_CC ?= clang
FUZZ_TARGET ?= $(FUZZ_TARGETS)
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 30
FUZZ_RSS_MB ?= 2048
FUZZ_FLAGS ?=
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(SRC) $(HDR) | $(BUILD)
	$(Q)$(FUZZ_CC) $(CSTD) $(WARN) -O1 -g $(FUZZ_SAN) $(INC) -o $@ $< $(SRC) $(LDLIBS)

# Standalone replayers (any CC, ASan+UBSan): `build/replay_scenario DIR|FILE`
# runs a corpus or a crash artifact without libFuzzer.
$(BUILD)/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c fuzz/replay.c fuzz/replay.h $(SRC) $(HDR) | $(BUILD)
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) $(INC) -Ifuzz -o $@ $< fuzz/replay_main.c fuzz/replay.c $(SRC) $(LDLIBS)

# What `make fuzz` found, replayed under $(CC).
fuzz-replay: $(addprefix $(BUILD)/replay_,$(FUZZ_TARGET))
	@for t in $(FUZZ_TARGET); do \
		dirs=fuzz/corpus/$$t; \
		[ -d $(BUILD)/fuzz/corpus/$$t ] && dirs="$$dirs $(BUILD)/fuzz/corpus/$$t"; \
		echo "replay_$$t $$dirs (log: $(BUILD)/replay_$$t.log)"; \
		$(BUILD)/replay_$$t $$dirs > $(BUILD)/replay_$$t.log; s=$$?; \
		grep FAILED $(BUILD)/replay_$$t.log; tail -1 $(BUILD)/replay_$$t.log; \
		[ $$s = 0 ] || exit 1; \
	done

fuzz: $(addprefix $(BUILD)/fuzz_,$(FUZZ_TARGET))
	@for t in $(FUZZ_TARGET); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/artifacts && \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s" && \
		$(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
			-dict=fuzz/$$t.dict -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/artifacts/$$t- $(FUZZ_FLAGS) \
			$(BUILD)/fuzz/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

# The default scenario under valgrind (no sanitizers in this build).
valgrind: $(BUILD)/hvo
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all $(BUILD)/hvo run >/dev/null

# The fault sweep of every scenario, every allocation, both modes, uncapped:
# each scenario cut into SWEEP_SHARDS shards (hvo sweep --shard K/N --json),
# run by make -j SWEEP_JOBS, each shard's JSON lines in build/sweep/, added
# up by tools/sweep-merge.  Scenarios with a 'check fails' line reproduce a
# bug on purpose: their violations are expected.  SWEEP_SCENARIOS picks a
# subset; SWEEP_FLAGS adds options to every shard's hvo sweep (for a capped
# sweep of the whole tree: SWEEP_FLAGS='--max-runs 100'); the README tells
# how to spread the shards over several machines.
NPROC := $(shell nproc 2>/dev/null || echo 1)
SWEEP_SHARDS ?= $(NPROC)
SWEEP_JOBS ?= $(NPROC)
SWEEP_SCENARIOS ?= $(wildcard tests/scenarios/*.hvo)
SWEEP_FLAGS ?=
SWEEP_DIR := $(BUILD)/sweep
SWEEP_NAMES := $(basename $(notdir $(SWEEP_SCENARIOS)))
SWEEP_JSON := $(foreach s,$(SWEEP_NAMES),$(foreach k,$(shell seq 1 $(SWEEP_SHARDS)),$(SWEEP_DIR)/$(s).$(k)-of-$(SWEEP_SHARDS).json))
SWEEP_BUGS := $(shell grep -l '^check fails' $(SWEEP_SCENARIOS) /dev/null)

$(SWEEP_DIR):
	mkdir -p $(SWEEP_DIR)

# One shard: exit status 1 (violations) is a result, 2 is an error.
define sweep_shard
$(SWEEP_DIR)/$(1).$(2)-of-$(SWEEP_SHARDS).json: $(filter %/$(1).hvo,$(SWEEP_SCENARIOS)) $(BUILD)/hvo | $(SWEEP_DIR)
	@$(BUILD)/hvo sweep --json -j 1 $(SWEEP_FLAGS) --shard $(2)/$(SWEEP_SHARDS) $$< > $$@.tmp 2> $$@.err; st=$$$$?; \
	if [ $$$$st -gt 1 ]; then cat $$@.err >&2; rm -f $$@.tmp; exit $$$$st; fi; \
	mv $$@.tmp $$@; echo "swept $$< shard $(2)/$(SWEEP_SHARDS)"
endef
$(foreach s,$(SWEEP_NAMES),$(foreach k,$(shell seq 1 $(SWEEP_SHARDS)),$(eval $(call sweep_shard,$(s),$(k)))))

sweep-shards: $(SWEEP_JSON)

sweep-all: $(BUILD)/hvo
	rm -f $(SWEEP_JSON)
	$(MAKE) --no-print-directory -j$(SWEEP_JOBS) sweep-shards
	tools/sweep-merge $(addprefix --expect-violations ,$(SWEEP_BUGS)) $(SWEEP_JSON) 2> $(SWEEP_DIR)/violations.log; \
	st=$$?; grep -v '^tests/' $(SWEEP_DIR)/violations.log >&2; \
	echo "violation lines: $(SWEEP_DIR)/violations.log"; exit $$st

run: $(BUILD)/hvo
	$(BUILD)/hvo run

include kernel/kernel.mk

clean:
	rm -rf $(BUILD)

help:
	@echo "make          build build/hvo"
	@echo "make run      run the built-in default scenario and print its report"
	@echo "make check    build with ASan+UBSan, run unit and scenario tests and"
	@echo "              replay the fuzz corpora, in CHECK_SHARDS shards (default:"
	@echo "              nproc) run side by side by make -j; V=1 shows commands"
	@echo "make bench    the benchmark table, each row also as a multiple of this host's"
	@echo "              measured floor (BENCH_TIB=1 for a quick one; BENCH_RUNS=3"
	@echo "              prints each row's fastest of 3 runs, for a noisy host)"
	@echo "make valgrind the default scenario under valgrind"
	@echo "make tsan     concurrency tests under ThreadSanitizer (use CC=clang)"
	@echo "make oracle   compare with a real 6.12.113 kernel under QEMU (3-4 min, 18 scenarios)"
	@echo "make oracle-quick  the oracle's quick subset (60-150 s measured)"
	@echo "make fuzz     libFuzzer on the scenario and cmdline parsers (clang;"
	@echo "              FUZZ_SECONDS=60 per target, FUZZ_TARGET=\"scenario cmdline\")"
	@echo "make fuzz-replay  replay the tree's and build/fuzz's corpora under CC"
	@echo "make kernel KSRC=DIR|linux-source-X.Y.tar.xz  build/kernel-VERSION/hvo, whose"
	@echo "              design kernel runs that tree's mm/hugetlb_vmemmap.c (kernel/README.md)"
	@echo "make kernel-check  kernel mode on Debian 6.12.113 and 6.12.117 (fetched once)"
	@echo "make sweep-all  fault sweep of every scenario, every allocation, both modes,"
	@echo "              in shards run by make -j (SWEEP_SHARDS, SWEEP_JOBS: nproc;"
	@echo "              SWEEP_SCENARIOS for a subset); results in build/sweep/"
	@echo "make clean    remove build/"

.PHONY: FORCE all check tsan valgrind bench fuzz fuzz-replay oracle oracle-quick run clean help \
	sweep-all sweep-shards
