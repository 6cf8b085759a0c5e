# Makefile — the short commands; CMake does the building (out of tree, in build/).
#
#   make            install missing dependencies, configure, build
#   make demo       ... then run the demo (scripts/demo)
#   make test       ... then run every test against real servers (scripts/run-tests)
#   make asan       the whole test suite under AddressSanitizer + UBSan, in build-asan/
#   make fuzz       build the libFuzzer targets with clang in build-fuzz/, fuzz each FUZZ_TIME s
#   make valgrind   the main CLI paths under valgrind (tests/valgrind/test_valgrind.sh)
#   make bench      build and run the benchmarks (scripts/bench; BENCH_ROWS, BENCH_RUNS)
#   make bench-quick  the same with 1M rows, 3 runs each
#   make install    install into PREFIX (default /usr/local; DESTDIR is honoured)
#   make clean      remove the build directories (distclean: deps/ too)
#
# Variables: PREFIX, BUILD (build directory), CMAKE_FLAGS (first configure of BUILD only),
# JOBS, FUZZ_TIME. Extra ctest arguments: make test ARGS='-R url'.

PREFIX ?= /usr/local
BUILD ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_TIME ?= 30
ARGS ?=

ASAN_BUILD := build-asan
FUZZ_BUILD := build-fuzz
FORMAT_FILES = $(wildcard include/*.h src/*.[ch] src/*/*.[ch] cli/*.[ch] tests/*/*.[ch] \
	fuzz/*.c examples/*.c bench/*.c)

.PHONY: all deps configure build demo test asan valgrind fuzz bench bench-quick install clean distclean \
	format format-check

all: build

deps:
	@scripts/install-deps

# Configure once; afterwards the build itself re-runs CMake when a CMakeLists.txt changes.
configure: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@if [ -x scripts/demo ]; then SLUICE_BUILD_DIR=$(BUILD) scripts/demo; \
	else echo "make demo: scripts/demo does not exist yet" >&2; exit 1; fi

# scripts/run-tests builds through this Makefile (make build BUILD=...), starts the servers and
# runs ctest.
test:
	@SLUICE_BUILD_DIR=$(BUILD) SLUICE_CMAKE_FLAGS='$(CMAKE_FLAGS)' scripts/run-tests $(ARGS)

asan: export ASAN_OPTIONS ?= detect_leaks=1
asan: export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
asan:
	@$(MAKE) --no-print-directory test BUILD=$(ASAN_BUILD) \
		CMAKE_FLAGS="-DSANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

# The valgrind test is registered when configure finds valgrind: install it, re-check, run it.
valgrind: configure
	@scripts/install-deps valgrind
	@cmake -S . -B $(BUILD) >/dev/null
	@$(MAKE) --no-print-directory test ARGS='-R valgrind_cli $(ARGS)'

fuzz: deps
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || \
		CC=clang cmake -S . -B $(FUZZ_BUILD) -DSLUICE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@set -e; found=0; mkdir -p $(FUZZ_BUILD)/artifacts; \
	for f in $(FUZZ_BUILD)/fuzz/fuzz_*; do \
		[ -x "$$f" ] || continue; found=1; n=$${f##*/fuzz_}; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
		seeds=; [ -d fuzz/corpus/$$n ] && seeds=fuzz/corpus/$$n; \
		echo "fuzzing $$n for $(FUZZ_TIME) s (new inputs: $(FUZZ_BUILD)/corpus/$$n)"; \
		"$$f" -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- \
			$(FUZZ_BUILD)/corpus/$$n $$seeds; \
	done; [ $$found = 1 ] || echo "make fuzz: no fuzz/fuzz_*.c targets yet"

# scripts/bench starts its own throwaway servers with scripts/test-server (the URLs unset here
# keep it from using servers an `eval` of test-server left in the environment).
BENCH_ROWS ?= 5000000
BENCH_RUNS ?= 5
BENCH_ENV = env -u SLUICE_TEST_MYSQL_URL -u SLUICE_TEST_PG_URL SLUICE_BUILD_DIR=$(BUILD)

bench: build
	@$(BENCH_ENV) BENCH_ROWS=$(BENCH_ROWS) BENCH_RUNS=$(BENCH_RUNS) scripts/bench

bench-quick: build
	@$(BENCH_ENV) BENCH_ROWS=1000000 BENCH_RUNS=3 scripts/bench

# The install prefix is set at configure time (the .pc file records it), so reconfigure for it.
install: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

distclean: clean
	rm -rf deps

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)
