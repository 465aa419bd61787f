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

# Fast path: the package lists and libxen-dev are as they were when the
# cached tree was resolved (apt-cache costs seconds a call under load).
stamp=$( (ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null
	dpkg-query -W -f='${Version}' libxen-dev) | md5sum | cut -c1-16)
if [ -f "$cache/resolved" ]; then
	read -r rstamp rdest <"$cache/resolved" || true
	if [ "$rstamp" = "$stamp" ] && [ -f "$rdest/.done" ]; then
		echo "$rdest"
		exit 0
	fi
fi

pkgs=(xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
      xenstore-utils)

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'
}

# apt-cache knows nothing before the first apt-get update.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-/ && !k { k = $2 } END { print k }')
if [ -z "$kpkg" ] || [ "$(candidate xen-utils-4.17)" = "(none)" ] ||
	[ -z "$(candidate xen-utils-4.17)" ]; then
	echo "bed: apt-get update (package lists missing)" >&2
	apt-get update -qq >&2
	kpkg=$(apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-/ && !k { k = $2 } END { print k }')
fi
pkgs+=("$kpkg")

# One apt-cache call for all candidates (each call costs a second or two).
declare -A cand=()
while read -r p v; do
	cand[$p]=$v
done < <(apt-cache policy "${pkgs[@]}" 2>/dev/null | awk '
	/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) }
	/^  Candidate:/ { print p, $2 }')
key=""
for p in "${pkgs[@]}"; do
	v=${cand[$p]:-}
	[ -n "$v" ] && [ "$v" != "(none)" ] ||
		{ echo "bed: no candidate for $p" >&2; exit 1; }
	key+="$p=$v "
done
# The tools are dynamically linked against the host's libxen*: they must
# be the very same build as libxen-dev (after an apt-get update brought a
# newer Xen, upgrade the host's to match).
toolv=${cand[xen-utils-4.17]}
hostv=$(dpkg-query -W -f='${Version}' libxen-dev)
if [ "$hostv" != "$toolv" ]; then
	echo "bed: libxen-dev $hostv -> $toolv, to match xen-utils-4.17" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends libxen-dev >&2
	hostv=$(dpkg-query -W -f='${Version}' libxen-dev)
	[ "$hostv" = "$toolv" ] || {
		echo "bed: libxen-dev $hostv != xen-utils-4.17 $toolv" >&2
		exit 1
	}
fi

# Several clones on one machine share the cache: one fetch at a time.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

id=$(echo "$key" | md5sum | cut -c1-12)
dest=$cache/xen-$id
remember() {
	stamp=$( (ls -l --time-style=+%s /var/lib/apt/lists/ 2>/dev/null
		dpkg-query -W -f='${Version}' libxen-dev) | md5sum | cut -c1-16)
	echo "$stamp $dest" >"$cache/resolved"
}
if [ -f "$dest/.done" ]; then
	remember
	echo "$dest"
	exit 0
fi

echo "bed: downloading ${pkgs[*]}" >&2
rm -rf "$dest" "$dest.tmp"
mkdir -p "$dest.tmp/debs" "$dest.tmp/root"
# As root, apt would drop to its _apt user and warn that it cannot.
(cd "$dest.tmp/debs" &&
	apt-get download -qq -o APT::Sandbox::User=root "${pkgs[@]}" >&2)
for deb in "$dest.tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dest.tmp/root"
done
echo "$key" >"$dest.tmp/packages"
rm -rf "$dest.tmp/debs"
touch "$dest.tmp/.done"
mv "$dest.tmp" "$dest"
remember
# Trees of older package versions are of no more use.
for old in "$cache"/xen-*; do
	[ "$old" = "$dest" ] || rm -rf "$old"
done
echo "$dest"
