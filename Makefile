# khaosat: build, test, install.
#
#   make            build ./khaosat
#   make deps       install missing Debian -dev packages (apt-get, as root)
#   make demo       build, then run the main job on samples/
#   make check      build and run every test; ends with "N passed, N failed"
#   make bench      benchmarks (not part of check)
#   make install    PREFIX=/usr/local DESTDIR=
#   SANITIZE=1      build and test with AddressSanitizer and UBSan

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

# pkg-config module -> Debian package that provides it
DEPS = libgit2:libgit2-dev yaml-0.1:libyaml-dev zlib:zlib1g-dev \
	libutf8proc:libutf8proc-dev libpcre2-8:libpcre2-dev cmocka:libcmocka-dev
TOOLS = git:git pkg-config:pkg-config cc:gcc script:bsdutils ssh-keygen:openssh-client
PKGS = libgit2 yaml-0.1 zlib libutf8proc libpcre2-8

ifeq ($(SANITIZE),1)
BUILD = build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD = build/release
SANFLAGS =
endif

CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wmissing-prototypes -Wstrict-prototypes -Icore $(SANFLAGS) $(CFLAGS) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

CORE_SRC = $(sort $(wildcard core/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema_pack.o
# workshop first: the pack's order is the order of kinds in khaosat.yaml
PACK = schema/workshop.yaml schema/brand.yaml \
	$(filter-out schema/workshop.yaml schema/brand.yaml,$(sort $(wildcard schema/*.yaml)))
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libkhaosat.a
BIN = $(BUILD)/khaosat

UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

.PHONY: all deps demo check test bench install clean
.DEFAULT_GOAL := all

all: khaosat

khaosat: $(BIN)
	@cp $(BIN) $@

$(BUILD)/%.o: %.c $(wildcard core/*.h cmd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/schema_pack.c: $(PACK) schema/embed.sh Makefile
	@mkdir -p $(dir $@)
	sh schema/embed.sh $(PACK) > $@

$(BUILD)/gen/schema_pack.o: $(BUILD)/gen/schema_pack.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lutil

deps:
	@sh tests/deps.sh $(DEPS) -- $(TOOLS)

tests-built: $(BIN) $(UNIT_BIN) $(TOOL_BIN)

demo: deps
	@$(MAKE) --no-print-directory khaosat
	@sh samples/demo.sh ./khaosat samples

check: deps
	@$(MAKE) --no-print-directory khaosat tests-built
	@BUILD=$(BUILD) sh tests/run.sh

test: check

bench: deps
	@$(MAKE) --no-print-directory khaosat tests-built
	@BUILD=$(BUILD) sh tests/bench/run.sh

install: khaosat
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 khaosat $(DESTDIR)$(BINDIR)/khaosat
	install -m 644 man/khaosat.1 $(DESTDIR)$(MANDIR)/man1/khaosat.1

clean:
	rm -rf build khaosat
