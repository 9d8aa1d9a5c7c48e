# rnnsearch: `make` builds ./rnnsearch, `make test` runs the unit tests and tests/run.sh.
# The usual variables may be overridden: CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS, PREFIX, DESTDIR, ...

VERSION = 1.0.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2
PKG_CONFIG ?= pkg-config
INSTALL ?= install

# cJSON and OpenBLAS through pkg-config where it knows them, else the plain library names.
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcjson openblas 2>/dev/null)
DEPS_LIBS := $(shell $(PKG_CONFIG) --libs libcjson openblas 2>/dev/null || echo -lcjson -lopenblas)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

RS_CFLAGS = -std=c11 -Wall -Wextra
RS_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -Isrc $(DEPS_CFLAGS) \
	-DRS_VERSION='"$(VERSION)"' -DRS_DATADIR='"$(DATADIR)"'
RS_LDLIBS = $(DEPS_LIBS) -lm

SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,build/%.o,$(SRCS))
LIB_OBJS := $(filter-out build/main.o,$(OBJS))
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(patsubst tests/unit/%.c,tests/bin/%,$(TEST_SRCS))

.PHONY: all test unit install uninstall clean FORCE

all: rnnsearch

rnnsearch: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(RS_LDLIBS) $(LDLIBS)

build/%.o: src/%.c | build
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(RS_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

build tests/bin:
	mkdir -p $@

# main.c has DATADIR and VERSION compiled in: rebuild it when they change (e.g. `make install PREFIX=/usr`).
build/flags.stamp: FORCE | build
	@echo '$(DATADIR) $(VERSION)' | cmp -s - $@ || echo '$(DATADIR) $(VERSION)' > $@

build/main.o: build/flags.stamp

FORCE:

tests/bin/%: tests/unit/%.c $(LIB_OBJS) | tests/bin
	$(CC) $(RS_CPPFLAGS) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(RS_CFLAGS) $(CFLAGS) -MMD -MP -MF build/$*.test.d \
		$(LDFLAGS) -o $@ $< $(LIB_OBJS) $(CMOCKA_LIBS) $(RS_LDLIBS) $(LDLIBS)

# The unit tests alone.
unit: $(TEST_BINS)
	@status=0; for t in $(TEST_BINS); do echo "== $$t"; ./$$t || status=1; done; exit $$status

# tests/run.sh runs the unit tests too (and the Python suites); without it, only the unit tests run.
test: rnnsearch $(TEST_BINS)
	@if [ -f tests/run.sh ]; then bash tests/run.sh; else $(MAKE) --no-print-directory unit; fi

install: rnnsearch
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/rnnsearch
	$(INSTALL) -m 755 rnnsearch $(DESTDIR)$(BINDIR)/rnnsearch
	$(INSTALL) -m 644 src/rnnsearch.1 $(DESTDIR)$(MANDIR)/man1/rnnsearch.1
	if [ -f models/deu-eng.json ]; then \
		$(INSTALL) -m 644 models/deu-eng.json $(DESTDIR)$(DATADIR)/rnnsearch/deu-eng.json; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rnnsearch $(DESTDIR)$(MANDIR)/man1/rnnsearch.1 \
		$(DESTDIR)$(DATADIR)/rnnsearch/deu-eng.json
	-rmdir $(DESTDIR)$(DATADIR)/rnnsearch 2>/dev/null

clean:
	rm -rf build tests/bin rnnsearch

-include $(wildcard build/*.d)
