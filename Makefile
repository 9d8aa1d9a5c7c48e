# rnnsearch: `make` builds ./rnnsearch, `make test` runs the unit tests and tests/run.sh.
# The usual variables may be overridden: CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, PREFIX, DESTDIR, ...

VERSION = 1.0.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
# The Python binding (src/python/rnnsearch.py) goes where this Python looks for modules under PREFIX:
# lib/pythonX.Y/dist-packages on Debian and its kin, lib/pythonX.Y/site-packages elsewhere.
PYTHON ?= /usr/bin/python3
PYTHONDIR ?= $(shell $(PYTHON) -c 'import sys; print("$(PREFIX)/lib/python%d.%d/%s" % (sys.version_info[:2] + \
	("dist-packages" if any(p.endswith("dist-packages") for p in sys.path) else "site-packages",)))' 2>/dev/null)

CC ?= cc
CFLAGS ?= -O2
PKG_CONFIG ?= pkg-config
INSTALL ?= install

# cJSON through pkg-config where it knows it, else the plain library name. (OpenBLAS is no dependency: the
# engine's own kernels give the same bits on every CPU; only `make bench` uses it, through numpy.)
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcjson 2>/dev/null)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs libcjson 2>/dev/null || echo -lcjson)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

# Position-independent objects serve both libraries (and the CLI, linked from the static one); only the
# functions of src/include/rnnsearch.h are visible outside librnnsearch.so.
RS_CFLAGS = -std=c11 -Wall -Wextra -fPIC -fvisibility=hidden
# Two folders (README.md "Source layout"): src/engine/ (loading, text, model, search, kernels) and src/cli/ (the
# command line, sessions and writers); besides them the library's public header (src/include/rnnsearch.h) and
# its facade (src/lib/). The front ends see all; the engine sees only itself (RS_INC below), so an engine file
# that includes a front-end header does not build.
RS_INC = -Isrc/engine -Isrc/cli -Isrc/include
RS_CPPFLAGS = -D_POSIX_C_SOURCE=200809L $(RS_INC) $(DEPS_CFLAGS) \
	-DRS_VERSION='"$(VERSION)"' -DRS_DATADIR='"$(DATADIR)"'
RS_LDLIBS = $(DEPS_LIBS) -lm -pthread

SRCS := $(wildcard src/engine/*.c src/cli/*.c src/lib/*.c)
OBJS := $(patsubst src/%.c,build/%.o,$(SRCS))
MAIN_SRC = src/cli/main.c
SONAME = librnnsearch.so.1
SHARED_LIB = build/librnnsearch.so.$(VERSION)
STATIC_LIB = build/librnnsearch.a

# src/engine/kernels.c is compiled once per instruction set (kernels.h): build/engine/kernels.o is the portable
# table, and on x86-64 build/engine/kernels_avx2.o and kernels_avx512.o the others (dispatch.c picks one at run
# time, so the binary runs on any x86-64). Contraction of a * b + c stays off: every table rounds alike.
KERNEL_FLAGS = -ffp-contract=off
KERNEL_ISA_FLAGS_avx2 = -DRS_ISA_AVX2 -mavx2 -mfma -mf16c
KERNEL_ISA_FLAGS_avx512 = -DRS_ISA_AVX512 -mavx512f -mavx512bw -mavx2 -mfma -mf16c
KERNEL_ISAS := $(if $(findstring x86_64,$(shell $(CC) -dumpmachine 2>/dev/null)),avx2 avx512)
ifneq ($(KERNEL_ISAS),)
RS_CPPFLAGS += -DRS_X86_KERNELS
endif
KERNEL_SRC = src/engine/kernels.c
OBJS += $(patsubst %,build/engine/kernels_%.o,$(KERNEL_ISAS))
# The library is the engine and its facade; the program is main.o and the front end's objects linked with it.
LIB_OBJS := $(filter build/engine/% build/lib/%,$(OBJS))
CLI_OBJS := $(filter-out build/cli/main.o,$(filter build/cli/%,$(OBJS)))
# The unit tests see every part but main().
TEST_OBJS := $(filter-out build/cli/main.o,$(OBJS))

# Every build flavour (build/, build/asan/, build/fuzz/, build/coverage/) compiles the engine without the front
# end's headers.
build/engine/%.o build/asan/engine/%.o build/fuzz/engine/%.o build/coverage/engine/%.o: RS_INC = -Isrc/engine
# The facade sees the engine and its own public header, not the front end: the library holds no cli object.
build/lib/%.o build/asan/lib/%.o build/fuzz/lib/%.o build/coverage/lib/%.o: RS_INC = -Isrc/engine -Isrc/include
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,tests/bin/%,$(TEST_SRCS))

.PHONY: all lib test unit check check-full check-build check-asan check-asan-full check-valgrind fuzz fuzz-merge faults \
	coverage bench install uninstall clean FORCE

all: rnnsearch lib

# The library: static and shared (soname librnnsearch.so.1, with the usual links in build/), and its
# pkg-config file. It holds the engine and the facade of src/lib/ only. The command line is its first user:
# ./rnnsearch is main.o and the front end's objects (src/cli/) linked with librnnsearch.a.
lib: $(STATIC_LIB) build/$(SONAME) build/librnnsearch.so build/rnnsearch.pc

rnnsearch: build/cli/main.o $(CLI_OBJS) $(STATIC_LIB)
	$(CC) $(LDFLAGS) -o $@ build/cli/main.o $(CLI_OBJS) $(STATIC_LIB) $(RS_LDLIBS) $(LDLIBS)

$(STATIC_LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(SHARED_LIB): $(LIB_OBJS)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $(LIB_OBJS) $(RS_LDLIBS) $(LDLIBS)

build/$(SONAME) build/librnnsearch.so: $(SHARED_LIB)
	ln -sf $(notdir $(SHARED_LIB)) $@

# The .pc file names the installed paths: it is remade when PREFIX (or the other directories) change.
build/rnnsearch.pc: build/flags.stamp
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' 'Name: rnnsearch' \
		'Description: neural machine translation with attention (RNNsearch): translations, attention, attributions' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lrnnsearch' \
		'Libs.private: $(DEPS_LIBS) -lm -pthread' > $@

build/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build/engine/kernels.o build/engine/kernels_wide.o: RS_CFLAGS += $(KERNEL_FLAGS)
$(patsubst %,build/engine/kernels_%.o,$(KERNEL_ISAS)): build/engine/kernels_%.o: $(KERNEL_SRC)
	@mkdir -p $(@D)
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(KERNEL_FLAGS) $(KERNEL_ISA_FLAGS_$*) $(CFLAGS) -MMD -MP -c -o $@ $<

build tests/bin:
	mkdir -p $@

# main.c and the library have DATADIR and VERSION compiled in: rebuild them when they change (e.g. `make install
# PREFIX=/usr`); the .pc file names the directories.
FLAGS_TEXT = $(DATADIR) $(VERSION) $(PREFIX) $(LIBDIR) $(INCLUDEDIR)
build/flags.stamp: FORCE | build
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@

build/cli/main.o build/lib/rnnsearch.o: build/flags.stamp

# The objects are remade when the compiler flags change (an older tree's objects were not position-independent).
build/cflags.stamp: FORCE | build
	@echo '$(CC) $(RS_CFLAGS) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(RS_CFLAGS) $(CFLAGS)' > $@

$(OBJS): build/cflags.stamp

FORCE:

tests/bin/%: tests/unit/%.c $(TEST_OBJS) | tests/bin
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(RS_CFLAGS) $(CFLAGS) -MMD -MP -MF build/$*.test.d \
		$(LDFLAGS) -o $@ $< $(TEST_OBJS) $(CMOCKA_LIBS) $(RS_LDLIBS) $(LDLIBS)

# The unit tests alone.
unit: $(TEST_BINS)
	@status=0; for t in $(TEST_BINS); do echo "== $$t"; ./$$t || status=1; done; exit $$status

# tests/test_subword.py's segmentation tool (tests/unit/sp_segment.c): not a unit test (run.sh runs test_* only).
SP_TOOL = tests/bin/sp_segment

# tests/run.sh runs the unit tests too (and the Python suites); without it, only the unit tests run.
TEST_BUILD = rnnsearch lib $(TEST_BINS) $(SP_TOOL) build/faults/rnnsearch

test: $(TEST_BUILD)
	@if [ -f tests/run.sh ]; then bash tests/run.sh; else $(MAKE) --no-print-directory unit; fi

# rnnsearch against PyTorch eager on a model of tutorial-3 size (scripts/bench.py): builds the model files,
# decodes the same input with both, checks they agree and prints a table of ratios. Run it on an idle machine;
# BENCH_ARGS passes options (e.g. BENCH_ARGS="--repeats 5 --markdown bench.md").
BENCH_PYTHON ?= /usr/bin/python3
bench: rnnsearch
	$(BENCH_PYTHON) scripts/bench.py $(BENCH_ARGS)

# ---- reliability: sanitizers, valgrind, fuzzing (tests/fuzz/README.md) ----
# `make check` is what CI runs (tests/check.sh): it builds what the three phases need (make check-build), then
# runs the whole suite (make test), the suites that run C code again with the ASan + UBSan build (make check-asan:
# build/asan/rnnsearch, build/asan/bin/test_* and ASAN_PY_TESTS), then under valgrind (make check-valgrind: the
# unit tests and VALGRIND_PY_TESTS); it ends with the three summaries summed. `make check-full` is the same with
# every Python suite in the ASan phase.
# The Python suites reach the binary through tests/clitools.py (RNNSEARCH_BIN, RNNSEARCH_TEST_WRAPPER).
# ASan + UBSan with the usual compiler (gcc and clang both have them); libFuzzer needs clang.
ASAN_CC ?= $(CC)
FUZZ_CC ?= clang
SAN_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_OBJS := $(patsubst src/%.c,build/asan/%.o,$(SRCS)) $(patsubst %,build/asan/engine/kernels_%.o,$(KERNEL_ISAS))
ASAN_TEST_OBJS := $(filter-out build/asan/cli/main.o,$(ASAN_OBJS))
ASAN_TEST_BINS := $(patsubst tests/unit/%.c,build/asan/bin/%,$(TEST_SRCS))
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	RNNSEARCH_BIN=build/asan/rnnsearch RNNSEARCH_UNIT_DIR=build/asan/bin
VALGRIND ?= valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect
# Every Python suite is in one of these two lists (tests/test_suites.py checks it):
# ASAN_PY_TESTS run the build under test (tests/clitools.py's RNNSEARCH_BIN and wrapper, RNNSEARCH_UNIT_DIR's
# sp_segment): make check-asan runs them on build/asan.
ASAN_PY_TESTS ?= test_align test_attribution test_check test_cli test_determinism test_differential test_hostile test_html \
	test_interpret test_io test_parity test_progress test_readme test_reliability test_subword test_words
# NATIVE_PY_TESTS test Python code (scripts/: BLEU, plots, the PyTorch reference and export, AER, the Python
# tokenizer and generated tables, scripts/faithfulness.py, whose --explain runs test_attribution checks under
# ASan) or run a binary of their own (test_regression: ./rnnsearch on the bundled
# models, as test_readme and test_words do under ASan; test_faults: build/faults/rnnsearch, which counts
# allocations itself; test_library: the plain build/librnnsearch.so.1, against the command line whose paths the
# ASan suites run). Under ASan they would repeat `make test`'s work on the same binaries: they run in make test
# (and make check-full) only.
NATIVE_PY_TESTS ?= test_aer test_backtranslate test_bleu test_data test_export test_faithfulness test_faults test_library test_plot \
	test_reference test_regression test_rerank test_suites test_tokenizer
# The Python suites run under valgrind: those that start rnnsearch on small models, many times (the others spawn
# it on bigger models or rarely; they run in `make test` and `make check-asan`).
VALGRIND_PY_TESTS ?= test_hostile test_io test_parity

build/asan build/asan/bin build/fuzz:
	mkdir -p $@

build/asan/%.o: src/%.c
	@mkdir -p $(@D)
	$(ASAN_CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/asan/engine/kernels.o build/asan/engine/kernels_wide.o: RS_CFLAGS += $(KERNEL_FLAGS)
# The portable table at -O0: at -O1 GCC unrolls its 16-lane array loops (kernels.c's UNROLL) and ASan then takes
# about 7 CPU minutes on this one file, the longest step of `make check` (at -O0, 9 s). It runs only where no
# x86 table can (RNNSEARCH_ISA=portable, test_kernels' comparisons), so its speed does not matter.
build/asan/engine/kernels.o build/asan/engine/kernels_wide.o: SAN_FLAGS += -O0
$(patsubst %,build/asan/engine/kernels_%.o,$(KERNEL_ISAS)): build/asan/engine/kernels_%.o: $(KERNEL_SRC)
	@mkdir -p $(@D)
	$(ASAN_CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(KERNEL_FLAGS) $(KERNEL_ISA_FLAGS_$*) $(SAN_FLAGS) -MMD -MP \
		-c -o $@ $<

build/asan/cli/main.o build/asan/lib/rnnsearch.o: build/flags.stamp

build/asan/rnnsearch: $(ASAN_OBJS)
	$(ASAN_CC) $(SAN_FLAGS) -o $@ $(ASAN_OBJS) $(RS_LDLIBS)

build/asan/bin/%: tests/unit/%.c $(ASAN_TEST_OBJS) | build/asan/bin
	$(ASAN_CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(RS_CFLAGS) $(SAN_FLAGS) -MMD -MP \
		-MF build/asan/$*.test.d -o $@ $< $(ASAN_TEST_OBJS) $(CMOCKA_LIBS) $(RS_LDLIBS)

# lib: test_library's (make check-asan-full runs it)
ASAN_BUILD = build/asan/rnnsearch lib $(ASAN_TEST_BINS) build/asan/bin/sp_segment

check-asan: $(ASAN_BUILD)
	$(ASAN_ENV) RNNSEARCH_PY_TESTS="$(ASAN_PY_TESTS)" bash tests/run.sh

check-asan-full: $(ASAN_BUILD)
	$(ASAN_ENV) bash tests/run.sh

check-valgrind: rnnsearch $(TEST_BINS)
	RNNSEARCH_TEST_WRAPPER="$(VALGRIND)" RNNSEARCH_PY_TESTS="$(VALGRIND_PY_TESTS)" bash tests/run.sh

# What the phases of `make check` run, built in one make so that both cores stay busy (tests/check.sh).
check-build: $(TEST_BUILD) $(ASAN_BUILD)

check:
	@bash tests/check.sh

check-full:
	@CHECK_PHASES="test check-asan-full check-valgrind" bash tests/check.sh

# libFuzzer harnesses (clang): each runs FUZZ_SECONDS; new inputs go to build/fuzz/corpus/NAME, crashes to
# build/fuzz/NAME-crash-*. The seeds are tests/fuzz/corpus/NAME, and tests/fuzz/regressions/NAME the inputs
# that once crashed (tests/fuzz/README.md).
FUZZ_SECONDS ?= 60
FUZZERS = model file cli tokenizer decode subword
FUZZ_FLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# The fuzz builds run the portable kernels unless FUZZ_KERNEL_ISAS names others: clang 14 (Debian 12's) lacks the
# f16c feature test of src/engine/dispatch.c, and the loader, command line and search are what the harnesses are for.
FUZZ_KERNEL_ISAS ?=
FUZZ_CPPFLAGS = $(if $(FUZZ_KERNEL_ISAS),$(RS_CPPFLAGS),$(filter-out -DRS_X86_KERNELS,$(RS_CPPFLAGS)))
FUZZ_OBJS := $(patsubst src/%.c,build/fuzz/%.o,$(filter-out $(MAIN_SRC),$(SRCS))) \
	$(patsubst %,build/fuzz/engine/kernels_%.o,$(FUZZ_KERNEL_ISAS))
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZERS))
.SECONDARY: $(ASAN_OBJS) $(FUZZ_OBJS)

build/fuzz/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/engine/kernels.o build/fuzz/engine/kernels_wide.o: RS_CFLAGS += $(KERNEL_FLAGS)
$(patsubst %,build/fuzz/engine/kernels_%.o,$(KERNEL_ISAS)): build/fuzz/engine/kernels_%.o: $(KERNEL_SRC)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(KERNEL_FLAGS) $(KERNEL_ISA_FLAGS_$*) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS) | build/fuzz
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
		$(RS_LDLIBS)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZERS); do \
		mkdir -p build/fuzz/corpus/$$f; \
		dict=; [ -f tests/fuzz/$$f.dict ] && dict=-dict=tests/fuzz/$$f.dict; \
		[ $$f = file ] && dict=-dict=tests/fuzz/model.dict; \
		echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
		build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/$$f- $$dict build/fuzz/corpus/$$f tests/fuzz/corpus/$$f \
			$$(ls -d tests/fuzz/regressions/$$f 2>/dev/null) \
			|| exit 1; \
	done

# The kept corpora minimized: tests/fuzz/corpus/NAME and what `make fuzz` found (build/fuzz/corpus/NAME) merged
# into the fewest inputs that keep their coverage, written back to tests/fuzz/corpus/NAME. FUZZERS="file cli"
# picks harnesses.
fuzz-merge: $(FUZZ_BINS)
	@for f in $(FUZZERS); do \
		rm -rf build/fuzz/merged/$$f; mkdir -p build/fuzz/merged/$$f build/fuzz/corpus/$$f; \
		build/fuzz/fuzz_$$f -merge=1 -timeout=10 -rss_limit_mb=2048 build/fuzz/merged/$$f tests/fuzz/corpus/$$f \
			build/fuzz/corpus/$$f || exit 1; \
		rm -f tests/fuzz/corpus/$$f/*; cp build/fuzz/merged/$$f/* tests/fuzz/corpus/$$f/; \
	done

# Allocation-failure injection (tests/faults/alloc_faults.c, tests/test_faults.py): the objects of ./rnnsearch
# linked again with malloc, calloc, realloc and free wrapped; build/faults/rnnsearch fails its Nth allocation
# when RS_FAIL_ALLOC=N and reports leaked blocks at exit. `make test` builds it (a link step).
FAULT_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

build/faults/rnnsearch: $(OBJS) tests/faults/alloc_faults.c
	@mkdir -p build/faults
	$(CC) $(RS_CFLAGS) $(CFLAGS) $(LDFLAGS) $(FAULT_WRAP) -o $@ $(OBJS) tests/faults/alloc_faults.c $(RS_LDLIBS) $(LDLIBS)

faults: build/faults/rnnsearch

# Branch coverage (gcov, lcov from Debian): the unit tests and COVERAGE_PY_TESTS run against a --coverage build
# (build/coverage); the summary and the uncovered error paths (scripts/coverage_report.py) are printed, and
# lcov's HTML report goes to build/coverage/html. Slow: run it on an idle machine.
COVERAGE_PY_TESTS ?= test_cli test_io test_hostile test_reliability test_interpret test_words test_check
COV_FLAGS = -O0 -g --coverage
COV_OBJS := $(patsubst src/%.c,build/coverage/%.o,$(SRCS)) \
	$(patsubst %,build/coverage/engine/kernels_%.o,$(KERNEL_ISAS))
COV_TEST_OBJS := $(filter-out build/coverage/cli/main.o,$(COV_OBJS))
COV_TEST_BINS := $(patsubst tests/unit/%.c,build/coverage/bin/%,$(TEST_SRCS))

build/coverage build/coverage/bin:
	mkdir -p $@

build/coverage/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(COV_FLAGS) -c -o $@ $<

build/coverage/engine/kernels.o build/coverage/engine/kernels_wide.o: RS_CFLAGS += $(KERNEL_FLAGS)
$(patsubst %,build/coverage/engine/kernels_%.o,$(KERNEL_ISAS)): build/coverage/engine/kernels_%.o: $(KERNEL_SRC)
	@mkdir -p $(@D)
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(KERNEL_FLAGS) $(KERNEL_ISA_FLAGS_$*) $(COV_FLAGS) -c -o $@ $<

build/coverage/cli/main.o build/coverage/lib/rnnsearch.o: build/flags.stamp

build/coverage/rnnsearch: $(COV_OBJS)
	$(CC) $(COV_FLAGS) -o $@ $(COV_OBJS) $(RS_LDLIBS)

build/coverage/bin/%: tests/unit/%.c $(COV_TEST_OBJS) | build/coverage/bin
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(RS_CFLAGS) $(COV_FLAGS) -o $@ $< $(COV_TEST_OBJS) \
		$(CMOCKA_LIBS) $(RS_LDLIBS)

coverage: build/coverage/rnnsearch $(COV_TEST_BINS)
	rm -f build/coverage/*/*.gcda
	-RNNSEARCH_BIN=build/coverage/rnnsearch RNNSEARCH_UNIT_DIR=build/coverage/bin \
		RNNSEARCH_PY_TESTS="$(COVERAGE_PY_TESTS)" bash tests/run.sh > build/coverage/tests.log 2>&1
	tail -n 1 build/coverage/tests.log
	lcov --quiet --capture --rc lcov_branch_coverage=1 --directory build/coverage --base-directory . \
		--output-file build/coverage/lcov.info
	lcov --quiet --rc lcov_branch_coverage=1 --extract build/coverage/lcov.info '*/src/*' \
		--output-file build/coverage/lcov.info
	genhtml --quiet --branch-coverage --output-directory build/coverage/html build/coverage/lcov.info
	$(BENCH_PYTHON) scripts/coverage_report.py build/coverage/lcov.info

# Every bundled model (models/*.json) goes to $(DATADIR)/rnnsearch, where `rnnsearch -m NAME` finds it; the man
# page gets the real $(DATADIR) in place of the literal `$(DATADIR)` of src/cli/rnnsearch.1 ('-' escaped for roff).
MODELS := $(wildcard models/*.json)
MAN_DATADIR = $(subst -,\\-,$(DATADIR))

# The library goes to LIBDIR (librnnsearch.a, librnnsearch.so.VERSION and its links), the header to
# INCLUDEDIR, rnnsearch.pc to PKGCONFIGDIR, and the Python module to PYTHONDIR with LIBDIR written in, so that
# it finds the installed library.
install: rnnsearch lib | build
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/rnnsearch $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) $(if $(PYTHONDIR),$(DESTDIR)$(PYTHONDIR))
	$(INSTALL) -m 755 rnnsearch $(DESTDIR)$(BINDIR)/rnnsearch
	sed 's|\$$(DATADIR)|$(MAN_DATADIR)|g' src/cli/rnnsearch.1 > build/rnnsearch.1
	$(INSTALL) -m 644 build/rnnsearch.1 $(DESTDIR)$(MANDIR)/man1/rnnsearch.1
	$(if $(MODELS),$(INSTALL) -m 644 $(MODELS) $(DESTDIR)$(DATADIR)/rnnsearch/)
	$(INSTALL) -m 644 src/include/rnnsearch.h $(DESTDIR)$(INCLUDEDIR)/rnnsearch.h
	$(INSTALL) -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/librnnsearch.a
	$(INSTALL) -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB))
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/librnnsearch.so
	$(INSTALL) -m 644 build/rnnsearch.pc $(DESTDIR)$(PKGCONFIGDIR)/rnnsearch.pc
	$(if $(PYTHONDIR),sed 's|@LIBDIR@|$(LIBDIR)|' src/python/rnnsearch.py > build/rnnsearch.py)
	$(if $(PYTHONDIR),$(INSTALL) -m 644 build/rnnsearch.py $(DESTDIR)$(PYTHONDIR)/rnnsearch.py)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rnnsearch $(DESTDIR)$(MANDIR)/man1/rnnsearch.1 \
		$(addprefix $(DESTDIR)$(DATADIR)/rnnsearch/,$(notdir $(MODELS))) \
		$(DESTDIR)$(INCLUDEDIR)/rnnsearch.h $(DESTDIR)$(LIBDIR)/librnnsearch.a \
		$(DESTDIR)$(LIBDIR)/$(notdir $(SHARED_LIB)) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/librnnsearch.so \
		$(DESTDIR)$(PKGCONFIGDIR)/rnnsearch.pc $(if $(PYTHONDIR),$(DESTDIR)$(PYTHONDIR)/rnnsearch.py)
	-rmdir $(DESTDIR)$(DATADIR)/rnnsearch 2>/dev/null

clean:
	rm -rf build tests/bin rnnsearch

-include $(wildcard build/*.d build/*/*.d build/asan/*.d build/asan/*/*.d build/fuzz/*/*.d build/coverage/*/*.d)
