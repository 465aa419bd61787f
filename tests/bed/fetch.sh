#!/usr/bin/env bash
# Install the bed's host tools, then download and *extract* (never
# install: that would run boot-loader hooks and start Xen services on the
# host) the Xen hypervisor, the Xen tools and the Debian kernel.
#
# Extracted trees are cached outside the clone, keyed by package version,
# so a fresh clone (CI) does not download again while Debian's versions
# stay the same. Prints the path of the extracted tree on stdout.
#
# Usage: tests/bed/fetch.sh CACHE_DIR
set -euo pipefail
cache=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# Host side: emulator, initramfs tools, the libraries the images copy.
"$top/tools/install-deps.sh" qemu-system-x86 busybox-static cpio gzip \
	zstd xz-utils binutils libyajl2 libncurses6 >&2

pkgs=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
      xenstore-utils)

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'
}

# apt-cache knows nothing before the first apt-get update.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-/ && !k { k = $2 } END { print k }')
if [ -z "$kpkg" ] || [ -z "$(candidate xen-utils-4.17)" ] ||
	[ "$(candidate xen-utils-4.17)" = "(none)" ]; then
	echo "bed: apt-get update (package lists missing)" >&2
	apt-get update -qq >&2
	kpkg=$(apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-/ && !k { k = $2 } END { print k }')
fi
pkgs+=("$kpkg")

key=""
for p in "${pkgs[@]}"; do
	v=$(candidate "$p")
	[ -n "$v" ] && [ "$v" != "(none)" ] ||
		{ echo "bed: no candidate for $p" >&2; exit 1; }
	key+="$p=$v "
done
# The tools are dynamically linked against the host's libxen*: they must
# be the very same build as libxen-dev.
hostv=$(dpkg-query -W -f='${Version}' libxen-dev)
toolv=$(candidate xen-utils-4.17)
[ "$hostv" = "$toolv" ] || {
	echo "bed: libxen-dev $hostv != xen-utils-4.17 $toolv;" \
		"run apt-get update && apt-get install libxen-dev" >&2
	exit 1
}

id=$(echo "$key" | md5sum | cut -c1-12)
dest=$cache/xen-$id
if [ -f "$dest/.done" ]; then
	echo "$dest"
	exit 0
fi

echo "bed: downloading ${pkgs[*]}" >&2
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp/debs" "$dest.tmp/root"
(cd "$dest.tmp/debs" && apt-get download -qq "${pkgs[@]}" >&2)
for deb in "$dest.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest.tmp/root"
done
echo "$key" >"$dest.tmp/packages"
rm -rf "$dest.tmp/debs"
touch "$dest.tmp/.done"
mv "$dest.tmp" "$dest"
echo "$dest"
