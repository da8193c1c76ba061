# Collective: one binary, its tests and its tools.
#
#   make            build ./collective
#   make run        install what is missing, build, start on SQLite with demo data
#   make check      install what is missing, build, run every test suite
#   make check SAN=1  the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make bench      print the performance figures the issues name
#   make lint       clang-format check, clang-tidy, cppcheck, banned functions
#   make fuzz       build the libFuzzer targets and run each for FUZZ_SECONDS
#
# Sources are found, not listed: every src/**/*.c is part of the program,
# every tests/unit/test_*.c is a cmocka suite, every tests/fuzz/fuzz_*.c a
# fuzz target, every tests/*/run a suite that `make check` runs.

SAN ?= 0
CC ?= gcc
ifeq ($(CC),cc)
CC := gcc
endif

BUILD ?= build$(if $(filter 1,$(SAN)),-san,)
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium pangocairo cairo libcmark inih zlib libqrencode xlsxwriter librsvg-2.0

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# The document libraries are compiled against but not linked: src/render
# loads them with dlopen() when a PDF, PNG or spreadsheet is first made.
PKGS_LOADED := pangocairo cairo libqrencode xlsxwriter librsvg-2.0
PKG_LIBS = $(shell pkg-config --libs $(filter-out $(PKGS_LOADED),$(PKGS)) 2>/dev/null) -lglpk -lm -lpthread -ldl
# Unit tests may call the document libraries directly (to reset their caches).
PKG_LIBS_TESTS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lglpk -lm -lpthread -ldl

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wvla -Wno-unused-parameter -Werror=implicit-function-declaration
OPT := -O2 -g
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Isrc -I$(BUILD)/gen \
	$(WARN) $(OPT) -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(if $(filter 1,$(SAN)),-fsanitize=address$(comma)undefined,) $(LDFLAGS)
comma := ,

SRCS := $(shell find src -name '*.c' ! -path 'src/cli/main.c' | sort)
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/cli/main.o
LIB := $(BUILD)/libcollective.a

# Files built into the binary: templates, catalogues, migrations, static assets.
ASSETS := $(shell find src -path '*/templates/*' -type f | sort) \
	$(shell find src -path '*/migrations/*.sql' -type f | sort) \
	$(shell find src -path '*/po/*.po' -type f | sort) \
	$(shell find static -type f 2>/dev/null | sort)
ASSET_OBJ := $(BUILD)/gen/assets.o

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_HELPERS := $(sort $(wildcard tests/unit/helpers/*.c))

.PHONY: all run check bench lint fuzz clean setup spc-reference unit print-pkgs
all: collective

collective: $(BUILD)/collective
	@if [ "$(SAN)" = 1 ]; then cp $< collective-san; else cp $< $@; fi

$(BUILD)/collective: $(MAIN_OBJ) $(LIB) $(ASSET_OBJ)
	$(CC) $(OPT) -o $@ $(MAIN_OBJ) $(ASSET_OBJ) $(LIB) $(PKG_LIBS) $(LDFLAGS_ALL)

$(LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $(OBJS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -o $@ $<

$(BUILD)/gen/assets.c: $(BUILD)/tools/embed $(ASSETS) Makefile
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(ASSETS)

$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	$(CC) -std=c11 -O1 -Isrc -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(ASSET_OBJ) $(TEST_HELPERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(TEST_HELPERS) $(ASSET_OBJ) $(LIB) \
		$(PKG_LIBS_TESTS) $(shell pkg-config --libs cmocka) $(LDFLAGS_ALL)

unit: $(UNIT_BINS)

setup:
	@scripts/setup

run: setup
	@$(MAKE) --no-print-directory collective
	@scripts/run

check: setup
	@$(MAKE) --no-print-directory collective unit
	@SAN=$(SAN) BUILD=$(BUILD) scripts/check

spc-reference: collective
	@tests/spc-reference/run $(DIR)

bench: setup
	@$(MAKE) --no-print-directory collective
	@scripts/bench

lint:
	@scripts/lint

FUZZ_SECONDS ?= 20
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz

clean:
	rm -rf build build-san build-fuzz collective collective-san

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BINS:=.d)

# For scripts that compile outside make (fuzz, lint): the pkg-config names.
print-pkgs:
	@echo $(PKGS)
