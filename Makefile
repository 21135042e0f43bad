# khaosat: build, test, install.
#
#   make            build ./khaosat
#   make deps       install missing Debian -dev packages (apt-get, as root)
#   make demo       build, then run the main job on samples/
#   make check      build and run every test; ends with "N passed, N failed"
#   make bench      benchmarks (not part of check)
#   make bench-quick  the performance targets' table at 20,000 records
#   make lint       static analysis (not part of check; see below)
#   make install    PREFIX=/usr/local DESTDIR=
#   make windows    khaosat.exe for 64-bit Windows, its zip and installer
#                   (cross-built: win/, compat/; see README)
#   make check-windows  the Windows build's tests, under Wine
#   SANITIZE=1      build and test with AddressSanitizer and UBSan
#   SANITIZE=thread the same with ThreadSanitizer (build/tsan)

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

# pkg-config module -> Debian package that provides it
DEPS = libgit2:libgit2-dev yaml-0.1:libyaml-dev zlib:zlib1g-dev \
	libutf8proc:libutf8proc-dev libpcre2-8:libpcre2-dev cmocka:libcmocka-dev \
	xlsxwriter:libxlsxwriter-dev libsodium:libsodium-dev libbsd:libbsd-dev libidn2:libidn2-dev \
	libmicrohttpd:libmicrohttpd-dev minizip:libminizip-dev sqlite3:libsqlite3-dev \
	libexif:libexif-dev libjpeg:libjpeg62-turbo-dev libpng:libpng-dev libwebp:libwebp-dev \
	nettle:nettle-dev
TOOLS = git:git pkg-config:pkg-config cc:gcc script:bsdutils ssh-keygen:openssh-client \
	lighttpd:lighttpd sshd:openssh-server python3:python3 strace:strace flock:util-linux \
	msgfmt:gettext xgettext:gettext \
	chromium:chromium chromedriver:chromium-driver \
	/usr/lib/python3/dist-packages/selenium:python3-selenium \
	/usr/lib/python3/dist-packages/PIL:python3-pil exiftool:libimage-exiftool-perl
ALL_PKGS = libgit2 yaml-0.1 zlib libutf8proc libpcre2-8 xlsxwriter libsodium libbsd libidn2 \
	libmicrohttpd minizip sqlite3 libexif libjpeg libpng libwebp nettle
PKGS = $(filter-out $(PKGS_NOT_HERE),$(ALL_PKGS))

ifeq ($(SANITIZE),1)
BUILD = build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),thread)
BUILD = build/tsan
SANFLAGS = -fsanitize=thread -fno-omit-frame-pointer
else
BUILD = build/release
SANFLAGS =
endif

# The Windows build: the same sources, compiled by mingw-w64 against the
# libraries win/deps.sh builds from Debian's source packages, with
# compat/win32.h put before each (POSIX as khaosat uses it, on Windows).
PKG_CONFIG = pkg-config
ifeq ($(WINDOWS),1)
WIN = build/windows
BUILD = $(WIN)/obj
CROSS = x86_64-w64-mingw32-
CC = $(CROSS)gcc-posix
AR = $(CROSS)ar
WINDRES = $(CROSS)windres
PKG_CONFIG = PKG_CONFIG_LIBDIR=$(CURDIR)/$(WIN)/prefix/lib/pkgconfig PKG_CONFIG_PATH= pkg-config
# -Wno-format: gcc reads "printf" here as Microsoft's, without %zu; the
# C library used is mingw's own (__USE_MINGW_ANSI_STDIO), which has it,
# and the Linux build checks every format.
WIN_CFLAGS = -include compat/win32.h -Icompat/include -D_FILE_OFFSET_BITS=64 \
	-D__USE_MINGW_ANSI_STDIO=1 -D_WIN32_WINNT=0x0A00 -Wno-format
WIN_LIBS = -lintl -lws2_32 -lbcrypt -static-libgcc \
	-Wl,-Bstatic -lwinpthread -Wl,-Bdynamic
COMPAT_SRC = compat/win32.c
EXE = .exe
# libbsd's readpassphrase() is Unix's: cmd/hubnet.c asks Windows' console
PKGS_NOT_HERE = libbsd
endif

CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wmissing-prototypes -Wstrict-prototypes -Icore -Iweb $(WIN_CFLAGS) $(SANFLAGS) $(CFLAGS) \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
# libmicrohttpd is not linked: khaosat serve loads it (web/mhd.c) by the
# soname of the library compiled against, so that no other command pays
# for it and GnuTLS at every start.
#
# The libraries only some commands use are not linked either: the first
# call of one loads it (core/lazylib.h), by the soname of the library
# compiled against, so that the others do not map them at every start
# (2.8 ms of each command's start-up).  The Windows build links them.
#
# $(call soname,NAME): the soname of lib<NAME>.so as the compiler's search
# finds it, or nothing
soname = $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | sed -n 's/^ *SONAME *//p')
ifneq ($(WINDOWS),1)
LAZY_PKGS = xlsxwriter minizip libexif libjpeg libpng libwebp libidn2
# -DKS_SONAME_<-l name>="soname" for each; none where it is not found
LAZY_CFLAGS := -DKS_LAZY_LIBS $(foreach l,xlsxwriter minizip exif jpeg png16 webp idn2,\
	$(patsubst %,-DKS_SONAME_$(l)='"%"',$(call soname,$(l))))
endif
LINKED = $(filter-out libmicrohttpd $(LAZY_PKGS),$(PKGS))
LIBS = $(shell $(PKG_CONFIG) --libs $(LINKED) 2>/dev/null) -lm -pthread $(WIN_LIBS)
ifeq ($(WINDOWS),1)
MHD_SONAME = $(notdir $(wildcard $(WIN)/prefix/bin/libmicrohttpd-*.dll))
else
MHD_SONAME = $(call soname,microhttpd)
endif

CORE_SRC = $(sort $(wildcard core/*.c)) $(COMPAT_SRC)
# web/: khaosat serve's pages, a face of the binary as cmd/ is
CMD_SRC = $(sort $(wildcard cmd/*.c)) $(sort $(wildcard web/*.c))
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schema_pack.o
# workshop first: the pack's order is the order of kinds in khaosat.yaml
PACK = schema/workshop.yaml schema/brand.yaml \
	$(filter-out schema/workshop.yaml schema/brand.yaml,$(sort $(wildcard schema/*.yaml)))
CMD_OBJ = $(CMD_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/web_static.o
# khaosat serve's style sheet and script, compiled in
WEB_STATIC = $(sort $(wildcard web/static/*.css web/static/*.js))
LINGUAS = vi
MO = $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/khaosat.mo)
LOCALEDIR = $(PREFIX)/share/locale
LIB = $(BUILD)/libkhaosat.a
BIN = $(BUILD)/khaosat$(EXE)

UNIT_SRC = $(sort $(wildcard tests/unit/*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

.PHONY: all deps demo check test bench bench-quick install clean pot
.DEFAULT_GOAL := all

all: khaosat

khaosat: $(BIN) $(MO)
	@cp $(BIN) $@
	@for l in $(LINGUAS); do \
		mkdir -p locale/$$l/LC_MESSAGES && \
		cp $(BUILD)/locale/$$l/LC_MESSAGES/khaosat.mo locale/$$l/LC_MESSAGES/; \
	done

# Translations (cmd/lang.c): each po/<language>.po compiled beside the
# program.  `make pot` extracts the messages marked in the code into
# po/khaosat.pot and brings every po/<language>.po up to date with it.
$(BUILD)/locale/%/LC_MESSAGES/khaosat.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

pot:
	@sh po/extract.sh po/khaosat.pot
	@for l in $(LINGUAS); do \
		msgmerge --quiet --update --backup=none po/$$l.po po/khaosat.pot; \
	done

$(BUILD)/web/mhd.o: ALL_CFLAGS += $(if $(MHD_SONAME),-DKS_MHD_SONAME='"$(MHD_SONAME)"')
$(BUILD)/core/lazylib.o $(BUILD)/core/media.o $(BUILD)/core/export_xlsx.o \
	$(BUILD)/core/schema_format.o $(BUILD)/web/export.o: ALL_CFLAGS += $(LAZY_CFLAGS)

$(BUILD)/%.o: %.c $(wildcard core/*.h cmd/*.h web/*.h compat/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/schema_pack.c: $(PACK) schema/embed.sh Makefile
	@mkdir -p $(dir $@)
	sh schema/embed.sh $(PACK) > $@

$(BUILD)/gen/schema_pack.o: $(BUILD)/gen/schema_pack.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/web_static.c: $(WEB_STATIC) web/static/embed.sh
	@mkdir -p $(dir $@)
	sh web/static/embed.sh $(WEB_STATIC) > $@

$(BUILD)/gen/web_static.o: $(BUILD)/gen/web_static.c web/static.h
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# core/global.c's mbedTLS file parser, exported so that libgit2 calls it
# (it puts off reading the CA bundle until a command goes on the network)
EXPORT = $(if $(EXE),,-Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file)
# Windows: the manifest that makes UTF-8 the process's code page, and the
# folder of the libraries' stamps, whose time moves when one is built
# again (the stamps' own names hold colons, which make cannot take)
WIN_RES = $(if $(EXE),$(BUILD)/win/khaosat.res)
WIN_LIBS_BUILT = $(if $(EXE),$(wildcard $(WIN)/prefix/built))

$(BIN): $(CMD_OBJ) $(LIB) $(WIN_RES) $(WIN_LIBS_BUILT)
	$(CC) $(ALL_LDFLAGS) $(EXPORT) -o $@ $(CMD_OBJ) $(WIN_RES) $(LIB) $(LIBS)

$(BUILD)/win/khaosat.res: win/khaosat.rc win/khaosat.manifest
	@mkdir -p $(dir $@)
	$(WINDRES) -I win -O coff -o $@ win/khaosat.rc

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/unit.h tests/unit/survey.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lcmocka

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS) -lutil

deps:
	@sh tests/deps.sh $(DEPS) -- $(TOOLS)

tests-built: $(BIN) $(MO) $(UNIT_BIN) $(TOOL_BIN)

$(BUILD)/cmd/lang.o: ALL_CFLAGS += -DKS_LOCALEDIR='"$(LOCALEDIR)"'

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

# the performance targets' table alone, at 20,000 records (CI-sized)
bench-quick: deps
	@$(MAKE) --no-print-directory khaosat tests-built
	@BUILD=$(BUILD) BENCH_QUICK=1 sh tests/bench/perf.sh

install: khaosat
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 khaosat $(DESTDIR)$(BINDIR)/khaosat
	install -m 644 man/khaosat.1 $(DESTDIR)$(MANDIR)/man1/khaosat.1
	@for l in $(LINGUAS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/khaosat.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/khaosat.mo; \
		if [ -f man/$$l/khaosat.1 ]; then \
			install -d $(DESTDIR)$(MANDIR)/$$l/man1 && \
			install -m 644 man/$$l/khaosat.1 \
				$(DESTDIR)$(MANDIR)/$$l/man1/khaosat.1; \
		fi; \
	done

clean:
	rm -rf build khaosat locale

# ---- Windows: a cross-built release, tested under Wine ----
#   make windows        the libraries from Debian's sources (win/deps.sh,
#                       cached in build/windows/prefix), khaosat.exe, and the
#                       release (win/release.sh): build/windows/khaosat/,
#                       its zip and its installer
#   make check-windows  tests/windows/run.sh: khaosat.exe under Wine, and
#                       the stick between it and the Linux build
WIN_TOOLS = x86_64-w64-mingw32-gcc-posix:gcc-mingw-w64-x86-64 \
	x86_64-w64-mingw32-g++-posix:g++-mingw-w64-x86-64-posix cmake:cmake \
	autoreconf:autoconf automake:automake libtoolize:libtool autopoint:autopoint \
	nasm:nasm perl:perl dpkg-source:dpkg-dev tclsh:tcl makensis:nsis zip:zip mandoc:mandoc \
	msgfmt:gettext pkg-config:pkg-config \
	/usr/share/keyrings/debian-archive-keyring.gpg:debian-archive-keyring
WINE_TOOLS = wine:wine wineserver:wine /usr/lib/wine/wine64:wine64 python3:python3 git:git
VERSION = $(shell sed -n 's/^\#define KS_VERSION "\(.*\)"/\1/p' cmd/cli.h)

.PHONY: windows windows-deps windows-release check-windows

windows-deps:
	@sh tests/deps.sh -- $(WIN_TOOLS)

windows: windows-deps
	@sh win/deps.sh build/windows
	@$(MAKE) --no-print-directory WINDOWS=1 windows-release

# (with WINDOWS=1)
windows-release: $(BIN) $(MO)
	@sh win/release.sh $(BIN) $(BUILD)/locale $(VERSION) $(WIN)

# Wine that cannot be installed makes the tests say they skipped
check-windows: deps windows
	@$(MAKE) --no-print-directory khaosat tests-built
	@sh tests/deps.sh -- $(WINE_TOOLS) || true
	@sh tests/windows/run.sh build/windows ./khaosat

# ---- fuzzing: libFuzzer targets for every reader of untrusted bytes ----
# Not part of `make check`.  Needs clang (`make fuzz-deps` installs it).
#   make fuzz             build tests/fuzz/*.c into build/fuzz/bin/
#   make fuzz-run         run each target for FUZZ_TIME seconds (default 60)
#                         from a seed corpus of samples/ and tests/data/;
#                         crashes are saved in build/fuzz/crashes/
#   make fuzz-replay      the targets without libFuzzer, for replaying
#                         inputs with any compiler (build/release/tests/fuzz/)
FUZZ_CC = clang
FUZZ_BUILD = build/fuzz
FUZZ_TIME = 60
FUZZ_TOOLS = clang:clang
FUZZ_SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra \
	-Wno-unused-parameter -Wno-missing-field-initializers -Icore \
	$(FUZZ_SANFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_BIN = $(FUZZ_NAMES:%=$(FUZZ_BUILD)/bin/%)
FUZZ_OBJ = $(CORE_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
	$(FUZZ_BUILD)/obj/gen/schema_pack.o
FUZZ_LIB = $(FUZZ_BUILD)/libkhaosat.a
# Seeds: what each target reads (records, schemas), found by content; the
# YAML test suite too when ../shared has it.
FUZZ_SHARED = $(or $(KHAOSAT_SHARED),../shared)
FUZZ_YAML_SUITE = $(wildcard $(FUZZ_SHARED)/conformance/yaml-test-suite/cases)
FUZZ_SEEDS_fuzz_record = samples/records tests/data $(FUZZ_YAML_SUITE)
FUZZ_SEEDS_fuzz_validate = samples/records tests/data
FUZZ_SEEDS_fuzz_schema = schema tests/data/validate
FUZZ_SEEDS_fuzz_bundle = tests/data/fuzz-seeds/bundle
FUZZ_SEEDS_fuzz_members = tests/data/fuzz-seeds/members
FUZZ_SEEDS_fuzz_sshsig = tests/data/sshsig

# A dictionary: JSON Schema keywords, the schema pack's field names, YAML
# punctuation.  Keywords a mutator would take long to spell.
FUZZ_KEYWORDS = \$$schema \$$id \$$ref \$$defs \$$anchor \$$dynamicRef \
	\$$dynamicAnchor type enum const required properties \
	patternProperties additionalProperties propertyNames items \
	prefixItems contains minContains maxContains minItems maxItems \
	uniqueItems minProperties maxProperties minimum maximum \
	exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength \
	pattern format allOf anyOf oneOf not if then else dependentRequired \
	dependentSchemas unevaluatedProperties unevaluatedItems title \
	x-ref x-unique x-key x-merge x-enum-titles string integer number \
	boolean object array null true false date date-time vn-tax-code \
	vn-phone email uri uuid ipv4 hostname
FUZZ_DICT = $(FUZZ_BUILD)/fuzz.dict

.PHONY: fuzz fuzz-deps fuzz-run fuzz-replay

fuzz-deps:
	@sh tests/deps.sh -- $(FUZZ_TOOLS)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

$(FUZZ_BUILD)/obj/%.o: %.c $(wildcard core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/gen/schema_pack.c: $(PACK) schema/embed.sh
	@mkdir -p $(dir $@)
	sh schema/embed.sh $(PACK) > $@

$(FUZZ_BUILD)/obj/gen/schema_pack.o: $(FUZZ_BUILD)/gen/schema_pack.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DICT): $(PACK) Makefile
	@mkdir -p $(dir $@)
	@{ for w in $(FUZZ_KEYWORDS); do echo "\"$$w\""; done; \
	sed -n 's/^ *\([a-z_][a-z_0-9]*\):.*/"\1"/p' $(PACK) | sort -u; \
	for w in ': ' '- ' '{' '}' '[' ']' ', ' '#' '&a ' '*a' '!!str ' \
		'|-' '>' '---' '...' '\"' "'" '\x0a  ' '\x0a    - ' '\x09' \
		'\xef\xbb\xbf' '\xc2\x85' '\xe2\x80\xa8' '~' '.inf' '0x' \
		'0o' '1e3' 'no' 'yes'; do echo "\"$$w\""; done; } >$@

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(LIBS)

# Without libFuzzer (any compiler, the library of $(BUILD)): the same
# targets as $(BUILD)/tests/fuzz/NAME FILE|DIR..., each input run once.
$(BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -DKS_FUZZ_STANDALONE \
		$(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

fuzz-replay: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/%)

# Each target in turn; a crash stops that target, not the others, and the
# run fails at the end.  Corpora grow in build/fuzz/corpus/<target>/.
fuzz-run: fuzz $(FUZZ_DICT)
	@status=0; \
	for t in $(FUZZ_NAMES); do \
		corpus=$(FUZZ_BUILD)/corpus/$$t; seeds=$(FUZZ_BUILD)/seeds/$$t; \
		mkdir -p $$corpus $$seeds $(FUZZ_BUILD)/crashes; \
		case $$t in \
		fuzz_schema) dirs="$(FUZZ_SEEDS_fuzz_schema)" ;; \
		fuzz_validate) dirs="$(FUZZ_SEEDS_fuzz_validate)" ;; \
		fuzz_bundle) dirs="$(FUZZ_SEEDS_fuzz_bundle)" ;; \
		fuzz_members) dirs="$(FUZZ_SEEDS_fuzz_members)" ;; \
		fuzz_sshsig) dirs="$(FUZZ_SEEDS_fuzz_sshsig)" ;; \
		*) dirs="$(FUZZ_SEEDS_fuzz_record)" ;; \
		esac; \
		find $$dirs -path tests/data/fuzz-crashes -prune -o -type f \
			\( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \
			   -o -name '*.bundle' -o -name '*.sig' -o -name '*.pub' \) \
			-print | while read -r f; do \
			cp "$$f" "$$seeds/$$(sha1sum <"$$f" | cut -c1-40)"; \
		done; \
		echo "== $$t: $(FUZZ_TIME) s"; \
		$(FUZZ_BUILD)/bin/$$t \
			-max_total_time=$(FUZZ_TIME) -timeout=10 \
			-rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
			-dict=$(FUZZ_DICT) \
			$$corpus $$seeds 2>$(FUZZ_BUILD)/$$t.log; \
		rc=$$?; \
		grep -aE '^(#[0-9]+.(INITED|DONE)|stat::|Done|==[0-9]+==ERROR|SUMMARY|fuzz oracle|artifact_prefix|Test unit written)' \
			$(FUZZ_BUILD)/$$t.log; \
		if [ $$rc -ne 0 ]; then \
			echo "FAIL $$t: exit $$rc (log: $(FUZZ_BUILD)/$$t.log)"; \
			status=1; \
		fi; \
	done; \
	exit $$status

# The replay unit test includes the fuzz targets' sources.
$(BUILD)/tests/unit/fuzzreplay: tests/fuzz/fuzz.h $(FUZZ_SRC)

# ---- lint: static analysis, not part of `make check` ----
#   make lint    cppcheck over core/, cmd/ and web/, gcc -fanalyzer over each of
#                their files, and the check that no files of core/ depend
#                on each other in a circle (tests/lint/circles.py).  Fails
#                on any finding that tests/lint/accepted does not list
#                with its reason.  Installs cppcheck when missing.
# The analyser's messages and call graph for each file are kept in
# build/lint/ and made again when the file or a header changes; the files
# are analysed in parallel ($(LINT_JOBS) at a time unless make -j says).
LINT_CC = gcc
LINT_TOOLS = cppcheck:cppcheck gcc:gcc python3:python3
LINT_BUILD = build/lint
LINT_JOBS = $(shell nproc 2>/dev/null || echo 2)
LINT_CFLAGS = -std=c11 -D_GNU_SOURCE -Icore -Iweb -DUTF8PROC_EXPORTS \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LINT_OUT = $(CORE_SRC:%.c=$(LINT_BUILD)/%.txt) $(CMD_SRC:%.c=$(LINT_BUILD)/%.txt)

.PHONY: lint lint-deps lint-analyze

lint-deps:
	@sh tests/deps.sh $(DEPS) -- $(LINT_TOOLS)

lint: lint-deps
	@$(MAKE) --no-print-directory \
		$(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(LINT_JOBS)) \
		lint-analyze
	@status=0; \
	cppcheck --quiet --enable=warning,portability --std=c11 \
		-D_GNU_SOURCE -Icore -Iweb --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		core cmd web 2>$(LINT_BUILD)/cppcheck.txt || status=1; \
	python3 tests/lint/findings.py --accepted tests/lint/accepted \
		--cppcheck $(LINT_BUILD)/cppcheck.txt $(LINT_OUT) || status=1; \
	python3 tests/lint/circles.py --accepted tests/lint/accepted \
		core $(LINT_BUILD)/core || status=1; \
	sh tests/lint/selftest.sh >$(LINT_BUILD)/selftest.txt 2>&1 || \
		{ cat $(LINT_BUILD)/selftest.txt; status=1; }; \
	if [ $$status = 0 ]; then echo "lint: clean"; fi; \
	exit $$status

lint-analyze: $(LINT_OUT)
	@:

# The messages go to the .txt, the call graph to the .ci beside it.
$(LINT_BUILD)/%.txt: %.c $(wildcard core/*.h cmd/*.h web/*.h)
	@mkdir -p $(dir $@)
	@echo "$(LINT_CC) -fanalyzer $<"
	@LC_ALL=C $(LINT_CC) $(LINT_CFLAGS) -fanalyzer -fcallgraph-info \
		-dumpbase $(LINT_BUILD)/$* -c $< -o /dev/null 2>$@.tmp || \
		{ cat $@.tmp; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
