# hvo: build, test, run.  `make help` lists the targets.
CC ?= cc
CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS := -lpthread

SRC := $(filter-out src/main.c,$(wildcard src/*.c))
HDR := $(wildcard src/*.h)
TEST_SRC := $(wildcard tests/unit/*.c)

BUILD := build

all: $(BUILD)/hvo

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/hvo: $(SRC) src/main.c $(HDR) | $(BUILD)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -o $@ $(SRC) src/main.c $(LDLIBS)

# Tests: unit tests and scenario files, under ASan and UBSan.
$(BUILD)/test_hvo: $(SRC) $(HDR) $(TEST_SRC) tests/harness.h tests/unit/testutil.h | $(BUILD)
	$(CC) $(CSTD) $(WARN) -O1 -g $(SAN) -DHVO_BUILD_DIR='"$(BUILD)"' -Isrc -Itests -Itests/unit -o $@ $(SRC) $(TEST_SRC) $(LDLIBS)

check: $(BUILD)/test_hvo $(BUILD)/hvo
	$(BUILD)/test_hvo

# Concurrency tests under ThreadSanitizer.
$(BUILD)/test_tsan: $(SRC) $(HDR) tests/tsan/test_concurrency.c | $(BUILD)
	$(CC) $(CSTD) $(WARN) -O1 -g -fsanitize=thread -Isrc -o $@ $(SRC) tests/tsan/test_concurrency.c $(LDLIBS)

tsan: $(BUILD)/test_tsan
	$(BUILD)/test_tsan

$(BUILD)/bench: $(SRC) $(HDR) bench/bench.c | $(BUILD)
	$(CC) $(CSTD) $(WARN) -O2 -g -Isrc -o $@ $(SRC) bench/bench.c $(LDLIBS)

# Benchmark (not a test): BENCH_TIB caps the largest booted machine.
BENCH_TIB ?= 16
bench: $(BUILD)/bench
	$(BUILD)/bench $(BENCH_TIB)

# Kernel oracle: the legacy design against Debian's Linux 6.12.113 under
# QEMU/TCG (oracle/README.md).  The first run installs QEMU and the kernel (root).
oracle: $(BUILD)/hvo
	oracle/run-suite.sh

oracle-quick: $(BUILD)/hvo
	oracle/run-suite.sh --quick

# The default scenario under valgrind (no sanitizers in this build).
valgrind: $(BUILD)/hvo
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all $(BUILD)/hvo run >/dev/null

run: $(BUILD)/hvo
	$(BUILD)/hvo run

clean:
	rm -rf $(BUILD)

help:
	@echo "make          build build/hvo"
	@echo "make run      run the built-in default scenario and print its report"
	@echo "make check    build with ASan+UBSan, run unit and scenario tests"
	@echo "make bench    the benchmark table (BENCH_TIB=1 for a quick one)"
	@echo "make valgrind the default scenario under valgrind"
	@echo "make tsan     concurrency tests under ThreadSanitizer (use CC=clang)"
	@echo "make oracle   compare with a real 6.12.113 kernel under QEMU (~2.5 min)"
	@echo "make oracle-quick  the oracle's quick subset (~1 min)"
	@echo "make clean    remove build/"

.PHONY: all check tsan valgrind bench oracle oracle-quick run clean help
