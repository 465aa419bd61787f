# The Xen-in-QEMU test bed (included by the top-level Makefile).
#
#   make bed        boot Xen once, run every scenario in tests/bed/scenarios
#   make bed-run    the main job (tests/bed/run), output printed in full;
#                   the top-level `make run` calls it
#   make bench-bed  the benchmarks (tests/bed/bench; not tests): figures in
#                   build/bench/bed-results.json; `make bench` runs the
#                   host benchmarks and then these (docs/benchmarks.md)
# Knobs (make variables or environment), for checking the bed by hand:
#   BED_FAIL=1          domUs run their suites with one deliberate failure
#   BED_KILL_DOMU=xs    xl destroy the domU while suite xs runs
#   BED_ACCEL=kvm       use KVM (default tcg; KVM fails on nested hosts)
#   BED_CACHE=dir       where downloaded packages are kept
#   BED_ONLY="40-vgpu 55-gpu-guest"  run only these scenarios (default all)

BED_PROGS := $(B)/tests/bed/bedcheck-dom0 $(B)/tests/bed/bedcheck-domu \
             $(B)/tests/bed/exchange-dom0 $(B)/tests/bed/exchange-domu
# The cross-domain suites (tests/xen/xen.mk) name theirs XEN_TEST_PROGS.
# The vGPU daemon and control tool run in dom0 (scenarios/40-vgpu.sh).
# The guest workload (xenvgpu-demo) runs in the domUs (run/20-vgpu-demo.sh).
BED_ALL_PROGS = $(BED_PROGS) $(XEN_TEST_PROGS) $(B)/bin/xenvgpud \
                $(B)/bin/xenvgpu-ctl $(B)/bin/xenvgpu-demo

# The benchmarks add the direct-path program (dom0) and strace (bed.sh).
BED_BENCH_PROGS := $(B)/tests/bench/bench-gpu-direct

.PHONY: bed bed-progs bed-run bench-bed
export BED_FAIL BED_KILL_DOMU BED_KILL_DELAY BED_ACCEL BED_CPU BED_CACHE \
       BED_XTEST_TIMEOUT BED_ONLY

$(B)/tests/bed/bedcheck-%: $(B)/tests/bed/bedcheck-%.o $(B)/libxvtest.a
	$(CC) $(CFLAGS) -o $@ $^ -lxenstore -lcunit

$(B)/tests/bed/exchange-%: $(B)/tests/bed/exchange-%.o
	$(CC) $(CFLAGS) -o $@ $^ -lxenstore -lxengnttab -lxenevtchn

# Keep the objects: make would otherwise delete them as intermediates.
.SECONDARY: $(BED_PROGS:%=%.o)

bed-progs: $(BED_ALL_PROGS)

bed: bed-progs
	@tests/bed/bed.sh check $(BED_ALL_PROGS)

bed-run: bed-progs
	@tests/bed/bed.sh run $(BED_ALL_PROGS)

bench-bed: deps bed-progs $(BED_BENCH_PROGS)
	@tools/install-deps.sh strace
	@tests/bed/bed.sh bench $(BED_ALL_PROGS) $(BED_BENCH_PROGS)

# The bed's headers compile on their own too.
hdrcheck: $(patsubst %.h,$(B)/hdr/%.ok,$(wildcard tests/bed/*.h))
