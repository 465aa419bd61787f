# tools/ctl/ctl.mk — included by the top-level Makefile.
#
# The control tool's parsing code (every tools/ctl/*.c but main.c) also
# goes into build/libxvctl.a, and the unit suites named test-ctl-* link
# it together with libxlutil/libxenlight, so the parsers are tested on
# the host exactly as the tool runs them.

CTL_LIB_SRCS  := $(filter-out tools/ctl/main.c,$(CTL_SRCS))
CTL_TESTS     := $(filter $(B)/tests/unit/test-ctl-%,$(UNIT_BINS))
CTL_SAN_TESTS := $(filter $(B)/san/tests/unit/test-ctl-%,$(SAN_BINS))
CTL_LDLIBS    := -lxlutil -lxenlight $(LDLIBS_T)

$(B)/libxvctl.a: $(CTL_LIB_SRCS:%.c=$(B)/%.o)
	@mkdir -p $(@D); rm -f $@
	$(AR) rcs $@ $^
$(B)/san/libxvctl.a: $(CTL_LIB_SRCS:%.c=$(B)/san/%.o)
	@mkdir -p $(@D); rm -f $@
	$(AR) rcs $@ $^

$(CTL_TESTS): $(B)/libxvctl.a
$(CTL_TESTS): LDLIBS_T = $(B)/libxvctl.a $(LIBS) $(CTL_LDLIBS)
$(CTL_SAN_TESTS): $(B)/san/libxvctl.a
$(CTL_SAN_TESTS): LDLIBS_T = $(B)/san/libxvctl.a $(SAN_LIBS) $(CTL_LDLIBS)
