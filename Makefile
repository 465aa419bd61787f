# xenvgpu — one top-level Makefile.
#
#   make            build everything (-Wall -Wextra -Werror)
#   make check      install what is missing, then run every test suite
#   make run        the main job (see README)
#   make bench      benchmarks with same-run baselines (not tests): the
#                   host ones (bench-host), then on the bed (bench-bed)
#   make format     reformat with .clang-format; format-check verifies it
#
# Source lists are wildcards: a new common/foo.c, tests/unit/test-foo.c,
# tests/fuzz/fuzz-foo.c or tests/bench/bench-foo.c is picked up as is.

CC       ?= cc
CLANG    ?= clang
B        := build
CSTD     := -std=gnu11
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla
CPPFLAGS += -D_GNU_SOURCE -Icommon -Ixenstore -Ibackend -Ifrontend/include \
            -Itests/lib
CFLAGS   ?= -O2 -g
CFLAGS   += $(CSTD) $(WARN) -fno-strict-aliasing
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
# The CPU reference computations must not be contracted into FMAs.
CFLAGS   += -ffp-contract=off
XENLIBS  := -lxenstore -lxengnttab -lxenevtchn -lxenctrl -lxentoollog
LDLIBS_T := $(XENLIBS) -lcunit -lpthread -lm

# Libraries, in link order (a library may use the ones after it):
#   xvtest     tests/lib: CUnit runner, seeded RNG, test doubles, bench timing
#   xvbackend  backend/ except main.c: the dom0 daemon's parts
#   xenvgpu    frontend/lib: the domU library (public header in
#              frontend/include)
#   xvxs       xenstore/: node layout, strict parsing, xenbus states
#   xvcommon   common/: the hypervisor-agnostic core
LIB_NAMES      := xvtest xvbackend xenvgpu xvxs xvcommon
xvtest_SRCS    := $(wildcard tests/lib/*.c)
xvbackend_SRCS := $(filter-out backend/main.c,$(wildcard backend/*.c))
xenvgpu_SRCS   := $(wildcard frontend/lib/*.c)
xvxs_SRCS      := $(wildcard xenstore/*.c)
xvcommon_SRCS  := $(wildcard common/*.c)
LIBS           := $(LIB_NAMES:%=$(B)/lib%.a)
SAN_LIBS       := $(LIB_NAMES:%=$(B)/san/lib%.a)

# Programs: the daemon, the guest tools (one per frontend/tools/*.c) and
# the dom0 control tool (tools/ctl/*.c).
FE_TOOL_SRCS := $(wildcard frontend/tools/*.c)
CTL_SRCS     := $(wildcard tools/ctl/*.c)
PROGS := $(if $(wildcard backend/main.c),$(B)/bin/xenvgpud) \
         $(FE_TOOL_SRCS:frontend/tools/%.c=$(B)/bin/%) \
         $(if $(CTL_SRCS),$(B)/bin/xenvgpu-ctl)

COMMON_SRCS := $(xvcommon_SRCS)
TLIB_SRCS   := $(xvtest_SRCS)
UNIT_SRCS   := $(wildcard tests/unit/test-*.c)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz-*.c)
BENCH_SRCS  := $(wildcard tests/bench/bench-*.c)
HEADERS     := $(wildcard common/*.h xenstore/*.h backend/*.h frontend/*/*.h \
                 tools/ctl/*.h tests/lib/*.h)

UNIT_BINS   := $(UNIT_SRCS:%.c=$(B)/%)
BENCH_BINS  := $(BENCH_SRCS:%.c=$(B)/%)
SAN_BINS    := $(UNIT_SRCS:%.c=$(B)/san/%)
FUZZ_BINS   := $(FUZZ_SRCS:%.c=$(B)/fuzz/%)
HDR_STAMPS  := $(HEADERS:%.h=$(B)/hdr/%.ok)

FUZZ_SECONDS ?= 30

.PHONY: all deps check run unit unit-san fuzz fuzz-build hdrcheck bench \
        bench-host \
        format format-check clean
.DELETE_ON_ERROR:

all: $(LIBS) $(PROGS) $(UNIT_BINS) $(BENCH_BINS) hdrcheck

deps:
	@tools/install-deps.sh

# ---- the common core ------------------------------------------------------
$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# One static library per part; an empty part gives an empty archive.
define lib_rule
$(B)/lib$(1).a: $$($(1)_SRCS:%.c=$(B)/%.o)
	@mkdir -p $$(@D); rm -f $$@
	$$(AR) rcs $$@ $$^
$(B)/san/lib$(1).a: $$($(1)_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $$(@D); rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LIB_NAMES),$(eval $(call lib_rule,$(l))))

# ---- programs --------------------------------------------------------------
$(B)/bin/xenvgpud: $(B)/backend/main.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(XENLIBS) -lpthread -lm

$(FE_TOOL_SRCS:frontend/tools/%.c=$(B)/bin/%): $(B)/bin/%: \
		$(B)/frontend/tools/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(XENLIBS) -lpthread -lm

$(B)/bin/xenvgpu-ctl: $(CTL_SRCS:%.c=$(B)/%.o) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -lxlutil -lxenlight $(XENLIBS) -lpthread -lm

# ---- unit suites (CUnit) and benchmarks ------------------------------------
$(UNIT_BINS) $(BENCH_BINS): $(B)/%: $(B)/%.o $(LIBS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_T)

# ---- the same suites under ASan + UBSan -----------------------------------
$(B)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

$(SAN_BINS): $(B)/san/%: $(B)/san/%.o $(SAN_LIBS)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS_T)

# ---- libFuzzer targets (clang) --------------------------------------------
# Every library is built again with clang, instrumented for coverage and
# the sanitizers (build/fuzz/lib*.a), and each target links them as the
# unit suites do, so a target reaches any part's code through its headers.
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZFLAGS := -g -O1 $(CSTD) $(WARN) -fno-strict-aliasing -ffp-contract=off
FUZZ_LIBS := $(LIB_NAMES:%=$(B)/fuzz/lib%.a)
$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) $(FUZZFLAGS) $(FUZZ_SAN) \
		-fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
define fuzz_lib_rule
$(B)/fuzz/lib$(1).a: $$($(1)_SRCS:%.c=$(B)/fuzz/obj/%.o)
	@mkdir -p $$(@D); rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach l,$(LIB_NAMES),$(eval $(call fuzz_lib_rule,$(l))))
$(FUZZ_BINS): $(B)/fuzz/%: $(B)/fuzz/obj/%.o $(FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ \
		$(LDLIBS_T)

# ---- every header compiles on its own -------------------------------------
hdrcheck: $(HDR_STAMPS)
$(B)/hdr/%.ok: %.h
	@mkdir -p $(@D)
	@echo '#include "$(notdir $<)"' | \
		$(CC) $(CPPFLAGS) -I$(dir $<) $(CSTD) $(WARN) -fsyntax-only -x c -
	@touch $@

# ---- running ---------------------------------------------------------------
unit: $(UNIT_BINS)
	@tests/run-suites.sh unit $(UNIT_BINS)

unit-san: $(SAN_BINS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run-suites.sh unit-san $(SAN_BINS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# Builds use every core; the suites themselves run one after another.
NPROC := $(shell nproc 2>/dev/null || echo 2)
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(SAN_BINS) $(FUZZ_BINS)
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-san
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory bed

# The main job: boot Xen in QEMU and run it (tests/bed/bed.mk).
run: deps
	@$(MAKE) --no-print-directory bed-run

# One after the other, never side by side (-j): each times itself.
bench: deps
	@$(MAKE) --no-print-directory bench-host
	@$(MAKE) --no-print-directory bench-bed

bench-host: deps
	@$(MAKE) --no-print-directory $(BENCH_BINS)
	@tests/run-bench.sh $(B)/bench $(BENCH_BINS)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files clean"

clean:
	rm -rf $(B)

# The Xen-side test programs and the Xen-in-QEMU bed add their own rules.
-include tests/xen/xen.mk
-include tests/bed/bed.mk
# The control tool's parsing code as a library for its unit suites.
-include tools/ctl/ctl.mk

-include $(shell find $(B) -name '*.d' 2>/dev/null)
