#!/bin/busybox sh
# A bed domU's /init: load the Xen driver modules, then run the domU sides
# of the suites named by xvtest=<suite>[,<suite>...] on the kernel command
# line, in order. Before each suite it waits until dom0's runner writes
# "<index>:<suite>" to xvtest/go in this domain's xenstore home, so both
# sides run the same suite at the same time. Everything it prints goes to
# the console, which xenconsoled logs in dom0; the runner reads the
# XVTEST-UP / XVTEST-BEGIN / XVTEST-END lines from there.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

suites=""
panic_in=""
gntlimit=32768
for arg in $(cat /proc/cmdline); do
	case $arg in
	xvtest=*) suites=$(echo "${arg#xvtest=}" | tr , ' ') ;;
	xvtest_fail=1) export XV_XTEST_INJECT_FAIL=1 ;;
	xvtest_timeout=*) export XV_XTEST_TIMEOUT=${arg#xvtest_timeout=} ;;
	xvtest_gntalloc_limit=*) gntlimit=${arg#xvtest_gntalloc_limit=} ;;
	xvtest_panic=*) panic_in=${arg#xvtest_panic=} ;;
	esac
done

# gntalloc's default limit is 1024 pages for the whole domain (4 MiB).
insmod /lib/modules/xen-evtchn.ko
insmod /lib/modules/xen-gntdev.ko
insmod /lib/modules/xen-gntalloc.ko limit="$gntlimit"
echo "XVTEST-UP suites=$(echo $suites | tr ' ' ,)"

i=0
for s in $suites; do
	i=$((i + 1))
	waited=0
	while [ "$(xenstore-read xvtest/go 2>/dev/null)" != "$i:$s" ]; do
		sleep 0.2
		waited=$((waited + 1))
		if [ $waited -ge 1500 ]; then
			echo "XVTEST-END $s rc=124 (no go from dom0 in 300 s)"
			continue 2
		fi
	done
	echo "XVTEST-BEGIN $s"
	# Checking the bed itself: a kernel crash in the middle of a suite.
	if [ "$panic_in" = "$s" ]; then
		echo c >/proc/sysrq-trigger
	fi
	if [ -x /xv/bin/$s-domu ]; then
		/xv/bin/$s-domu 2>&1
		rc=$?
	else
		echo "no program /xv/bin/$s-domu in the domU image"
		rc=127
	fi
	echo "XVTEST-END $s rc=$rc"
done
echo "XVTEST-DONE"
while :; do sleep 3600; done
