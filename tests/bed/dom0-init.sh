#!/bin/busybox sh
# dom0's /init in the bed: bring up what Debian's xencommons would
# (filesystems, the Xen driver modules, xenstored, xen-init-dom0,
# xenconsoled), then run every scenario (runner.sh) and reset the machine,
# which makes QEMU (-no-reboot) exit.
#
# Progress lines go to the console (Xen's serial port, where characters
# may be dropped); results go, framed and checksummed, to the second
# serial port, which only dom0 drives (see runner.sh).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen
echo "XVBED-STAGE @$(cut -d' ' -f1 /proc/uptime) dom0 up"

# When dom0 cannot carry on: say why, hand what we have to the host, reset.
die() {
	echo "XVBED-FAIL dom0: $*"
	bed_abort "$*"
	sync
	reboot -f
	sleep 60
}

. /xv/runner.sh

for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc; do
	insmod /lib/modules/$m.ko || die "insmod $m failed"
done
mount -t xenfs xenfs /proc/xen || die "cannot mount xenfs"
xenstored --pid-file /run/xenstored.pid || die "xenstored failed"
xen-init-dom0 >/run/xen-init-dom0.log 2>&1 || die "xen-init-dom0 failed"
xenconsoled --log=guest --log-dir=/var/log/xen/console ||
	die "xenconsoled failed"
stage "dom0 xenstored+xenconsoled up"

bed_run_scenarios
bed_finish
sync
reboot -f
sleep 60
