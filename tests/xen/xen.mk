# Cross-domain test pairs, run on real Xen booted in QEMU by the bed.
#
# tests/xen/<suite>-dom0.c and <suite>-domu.c become
# build/tests/xen/<suite>-dom0 and -domu, each linked with the shared
# tests/xen/xtest.c (rendezvous, waits, domain-gone detection) and
# libxvtest.a (xv_test_main). See docs/testing-on-xen.md.

XEN_TEST_SRCS := $(wildcard tests/xen/*-dom0.c tests/xen/*-domu.c)
XEN_TEST_BINS := $(XEN_TEST_SRCS:%.c=$(B)/%)
XEN_TEST_LIBS := -lxenstore -lxengnttab -lxenevtchn -lxenctrl -lcunit \
                 -lpthread
XEN_HDR_STAMPS := $(patsubst %.h,$(B)/hdr/%.ok,$(wildcard tests/xen/*.h))

$(XEN_TEST_BINS): $(B)/%: $(B)/%.o $(B)/tests/xen/xtest.o $(B)/libxvtest.a
	$(CC) $(CFLAGS) -o $@ $^ $(XEN_TEST_LIBS)

# The generic $(B)/%.o rule compiles them; xtest.h and vgtest.h live
# beside them.
$(XEN_TEST_BINS:%=%.o) $(B)/tests/xen/xtest.o $(B)/tests/xen/vgtest.o: \
	CPPFLAGS += -Itests/xen

.PHONY: xen-tests
xen-tests: $(XEN_TEST_BINS)

all: $(XEN_TEST_BINS)
hdrcheck: $(XEN_HDR_STAMPS)

# The bed (tests/bed/bed.mk) copies these into the images under this name.
XEN_TEST_PROGS = $(XEN_TEST_BINS)

# The vGPU scenario's domU programs (vg*-domu) share tests/xen/vgtest.c
# and use the frontend library (after vgtest.o on the link line: it
# calls the library).
$(filter $(B)/tests/xen/vg%,$(XEN_TEST_BINS)): $(B)/tests/xen/vgtest.o \
	$(B)/libxenvgpu.a $(B)/libxvxs.a $(B)/libxvcommon.a
