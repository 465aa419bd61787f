#!/usr/bin/env bash
# Build the bed's boot images from an extracted Xen/kernel tree:
#   xen.elf      the hypervisor (Debian's xen.gz, gunzipped: QEMU loads
#                it as a multiboot kernel)
#   vmlinux      the kernel, uncompressed ELF (dom0 and domUs; saves the
#                bzImage decompression that costs seconds under TCG)
#   dom0.cpio    dom0's initramfs: busybox, Xen daemons and xl, kernel
#                modules, the bed runner and scenarios, the dom0 sides of
#                the suites, the benchmarks' dom0 programs and strace
#                (when a bench-* program is given), and the domU kernel +
#                domU initramfs
#   domu.cpio    the domU initramfs (inside dom0.cpio as well)
# Images are cached under OUT/<hash of every input>; prints that path.
#
# Usage: tests/bed/mkimages.sh XENTREE OUT PROGRAM...
#   PROGRAM: test programs named <suite>-dom0 / <suite>-domu, the vGPU
#            daemon and tools, benchmark programs named bench-*
set -euo pipefail
xt=$1; out=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$xt/root
kver=$(ls "$root/lib/modules")
xbin=/usr/lib/xen-4.17/bin

# ---- the cache key: every input's content -----------------------------------
key=$( {
	cat "$xt/packages"
	find "$here" -type f \( -name '*.sh' -o -name '*.cfg.in' \
		-o -name '*.supp' \) -print0 | sort -z | xargs -0 md5sum
	md5sum "$here/../../tools/etc/xenvgpu/profiles.conf"
	command -v valgrind && valgrind --version || :
	command -v strace && strace -V | head -1 || :
	for p in "$@"; do md5sum "$p"; done
	dpkg-query -W -f='${Version}\n' busybox-static libc6 libxen-dev \
		libcunit1
} | md5sum | cut -c1-16)
dest=$out/$key
if [ -f "$dest/.done" ]; then
	echo "$dest"
	exit 0
fi
echo "bed: inputs changed: new images in $dest" >&2
rm -rf "$out"/*/ "$dest.tmp"
mkdir -p "$dest.tmp"
work=$dest.tmp

# ---- hypervisor and kernel -------------------------------------------------
gunzip -c "$root/boot/xen-4.17-amd64.gz" >"$work/xen.elf"

# vmlinuz is a bzImage wrapping a compressed ELF: find the payload by its
# magic and decompress it (what the kernel's scripts/extract-vmlinux does).
vmlinuz=$root/boot/vmlinuz-$kver
extract() { # magic decompressor
	local off
	for off in $(LC_ALL=C grep -obUaP "$1" "$vmlinuz" | cut -d: -f1 || :); do
		tail -c +$((off + 1)) "$vmlinuz" | $2 >"$work/vmlinux" \
			2>/dev/null || true
		if [ "$(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ')" = \
			'177ELF' ]; then
			return 0
		fi
	done
	return 1
}
extract '\xFD7zXZ\x00' 'xz -dc --single-stream' ||
	extract '\x28\xB5\x2F\xFD' 'zstd -dc' ||
	extract '\x1F\x8B\x08' 'gzip -dc' || {
	echo "bed: cannot extract vmlinux; using the bzImage" >&2
	cp "$vmlinuz" "$work/vmlinux"
}

# ---- staging helpers -------------------------------------------------------
# Copy an ELF program and the shared libraries ldd resolves for it.
# Directories are created as real directories so that nothing is written
# through a symlink onto the host.
copy_libs() { # stage elf
	local st=$1 elf=$2 lib
	for lib in $(ldd "$elf" 2>/dev/null | awk '
		/=> \// { print $3 } /^\t\// { print $1 }'); do
		[ -e "$st$lib" ] && continue
		mkdir -p "$st$(dirname "$lib")"
		cp -L "$lib" "$st$lib"
	done
}
stage_prog() { # stage src dst
	mkdir -p "$1$(dirname "$3")"
	cp -L "$2" "$1$3"
	copy_libs "$1" "$2"
}
base_tree() { # stage
	local st=$1 d
	for d in bin sbin lib64 proc sys dev run tmp etc var/log var/lib \
		xv/bin; do
		mkdir -p "$st/$d"
	done
	ln -s /run "$st/var/run"
	cp /bin/busybox "$st/bin/busybox"
	# glibc dlopens libgcc_s for pthread_cancel/unwinding.
	local gcc
	gcc=$(ldconfig -p | awk '/libgcc_s.so.1 .*x86-64/ && !g { g = $NF }
		END { print g }')
	mkdir -p "$st$(dirname "$gcc")"
	cp -L "$gcc" "$st$gcc"
	cp -L /lib64/ld-linux-x86-64.so.2 "$st/lib64/"
}
stage_mod() { # stage module-name...
	local st=$1 m f
	shift
	mkdir -p "$st/lib/modules"
	for m in "$@"; do
		f=$(find "$root/lib/modules/$kver" -name "$m.ko*" -print -quit)
		[ -n "$f" ] || { echo "bed: no module $m" >&2; exit 1; }
		case $f in
		*.xz) xz -dc "$f" >"$st/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$f" >"$st/lib/modules/$m.ko" ;;
		*) cp "$f" "$st/lib/modules/$m.ko" ;;
		esac
	done
}
mkcpio() { # stage out
	(cd "$1" && find . | LC_ALL=C sort |
		cpio -o -H newc --quiet -R 0:0) >"$2"
}

# ---- domU initramfs --------------------------------------------------------
du=$work/domu
base_tree "$du"
cp "$here/domu-init.sh" "$du/init"
chmod +x "$du/init"
stage_prog "$du" "$root/usr/bin/xenstore" /bin/xenstore
for t in read write exists list rm watch; do
	ln -s xenstore "$du/bin/xenstore-$t"
done
stage_mod "$du" xen-evtchn xen-gntdev xen-gntalloc
for p in "$@"; do
	case $p in *-domu) stage_prog "$du" "$p" "/xv/bin/$(basename "$p")" ;; esac
done
# The guest workload; as a suite, domu-init.sh runs xenvgpu-demo-domu:
# the demo, holding its vGPU at the end until dom0 read the statistics.
for p in "$@"; do
	case $p in */xenvgpu-demo)
		stage_prog "$du" "$p" /xv/bin/xenvgpu-demo
		printf '#!/bin/sh\nexec /xv/bin/xenvgpu-demo -H xvtest/release "$@"\n' \
			>"$du/xv/bin/xenvgpu-demo-domu"
		chmod +x "$du/xv/bin/xenvgpu-demo-domu" ;;
	esac
done
mkcpio "$du" "$work/domu.cpio"

# ---- dom0 initramfs --------------------------------------------------------
d0=$work/dom0
base_tree "$d0"
cp "$here/dom0-init.sh" "$d0/init"
chmod +x "$d0/init"
for b in xenstored xen-init-dom0 xenconsoled xl; do
	stage_prog "$d0" "$root$xbin/$b" "$xbin/$b"
done
stage_prog "$d0" "$root/usr/bin/xenstore" /bin/xenstore
for t in read write exists list ls rm watch chmod; do
	ln -s xenstore "$d0/bin/xenstore-$t"
done
cp -a "$root/etc/xen" "$d0/etc/"
mkdir -p "$d0/var/lib/xen" "$d0/var/lib/xenstored" "$d0/var/log/xen"
stage_mod "$d0" xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc
for p in "$@"; do
	case $p in *-dom0) stage_prog "$d0" "$p" "/xv/bin/$(basename "$p")" ;; esac
done
# The vGPU daemon and control tool, their profiles, and valgrind with the
# daemon's suppressions (scenarios/40-vgpu.sh runs the daemon under it).
for p in "$@"; do
	case $p in */xenvgpud | */xenvgpu-ctl)
		stage_prog "$d0" "$p" "/xv/bin/$(basename "$p")" ;;
	esac
done
# The benchmarks (bed.sh bench): a dom0 program driving the reference GPU
# directly, and strace, which counts the daemon's gntdev ioctls.
bench=""
for p in "$@"; do
	case $p in */bench/bench-*)
		stage_prog "$d0" "$p" "/xv/bin/$(basename "$p")"
		bench=1 ;;
	esac
done
if [ -n "$bench" ]; then
	command -v strace >/dev/null ||
		{ echo "bed: strace is needed for the benchmarks" >&2; exit 1; }
	stage_prog "$d0" "$(command -v strace)" /usr/bin/strace
fi
mkdir -p "$d0/etc/xenvgpu"
cp "$here/../../tools/etc/xenvgpu/profiles.conf" "$d0/etc/xenvgpu/"
cp "$here/valgrind-xenvgpud.supp" "$d0/xv/"
if command -v valgrind >/dev/null; then
	vgb=$(command -v valgrind)
	# Debian's valgrind is a shell wrapper around valgrind.bin
	[ -x "$vgb.bin" ] && vgb=$vgb.bin
	stage_prog "$d0" "$vgb" /usr/bin/valgrind
	vgl=/usr/libexec/valgrind
	mkdir -p "$d0$vgl"
	for f in memcheck-amd64-linux vgpreload_core-amd64-linux.so \
		vgpreload_memcheck-amd64-linux.so default.supp; do
		cp "$vgl/$f" "$d0$vgl/"
	done
	# valgrind must redirect ld.so's strlen: it needs ld.so's symbols,
	# from libc6-dbg's detached debug file, found by build id.
	bid=$(readelf -n /lib64/ld-linux-x86-64.so.2 |
		awk '/Build ID/ { print $3 }')
	dbg=/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug
	if [ -n "$bid" ] && [ -f "$dbg" ]; then
		mkdir -p "$d0$(dirname "$dbg")"
		cp "$dbg" "$d0$dbg"
	else
		echo "bed: no debug symbols for ld.so (libc6-dbg):" \
			"valgrind will not start in dom0" >&2
	fi
fi
cp "$here/runner.sh" "$here/vgpu-lib.sh" "$d0/xv/"
cp "$here"/*.cfg.in "$d0/xv/"
for d in scenarios run bench; do
	mkdir -p "$d0/xv/$d"
	cp "$here"/$d/*.sh "$d0/xv/$d/"
done
mkdir -p "$d0/xv/domu"
cp "$work/vmlinux" "$d0/xv/domu/vmlinux"
cp "$work/domu.cpio" "$d0/xv/domu/domu.cpio"
mkcpio "$d0" "$work/dom0.cpio"

rm -rf "$du" "$d0"
touch "$work/.done"
mv "$work" "$dest"
echo "$dest"
