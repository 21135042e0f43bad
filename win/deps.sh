#!/bin/sh
# Build the libraries khaosat.exe needs, for 64-bit Windows, from the
# Debian source packages pinned in win/deps.lock.
#
#   sh win/deps.sh OUT
#
# OUT/apt     a private apt configuration naming Debian's source archive
#             (the system's own apt configuration is left alone, and no
#             root is needed)
# OUT/src     the downloaded packages, unpacked with Debian's patches
# OUT/prefix  include/, lib/, bin/ (the DLLs) and lib/pkgconfig/
# OUT/log     one build log a package
#
# Each package built leaves a stamp naming its version (and the build's
# revision, deps.lock's fourth column) in OUT/prefix/built/, so a second
# run only checks the stamps.  Static
# libraries where the licence allows it (OpenSSL's libcrypto, under
# libssh2, among them); the LGPL libraries (libidn2, nettle, libexif,
# libmicrohttpd, libintl) as DLLs shipped beside the program, so that
# they can be replaced.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: sh win/deps.sh OUT}
mkdir -p "$out"
out=$(cd "$out" && pwd)
lock=$here/deps.lock
prefix=$out/prefix
host=x86_64-w64-mingw32
jobs=$(nproc 2>/dev/null || echo 2)

die() { echo "win/deps.sh: $*" >&2; exit 1; }

# --- what has to be there ---------------------------------------------
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$t is missing (make deps installs it)"
	done
}
need $host-gcc-posix $host-g++-posix $host-windres apt-get dpkg-source cmake make sha256sum tclsh autoreconf libtoolize perl nasm

mkdir -p "$prefix/built" "$prefix/lib/pkgconfig" "$prefix/include" "$prefix/bin" "$out/log" "$out/src"

# --- fetching ---------------------------------------------------------
apt_dir=$out/apt
apt_opts="-o Dir::Etc::SourceList=$apt_dir/sources.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir/cache -o Debug::NoLocking=1
 -o APT::Sandbox::User=root -o Acquire::Retries=3"

apt_setup() {
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	key=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$key" ] || die "$key is missing (package debian-archive-keyring)"
	{
		echo "deb-src [signed-by=$key] http://deb.debian.org/debian bookworm main"
		echo "deb-src [signed-by=$key] http://deb.debian.org/debian bookworm-updates main"
		echo "deb-src [signed-by=$key] http://deb.debian.org/debian-security bookworm-security main"
	} > "$apt_dir/sources.list"
	if ! ls "$apt_dir/lists/"*Sources* >/dev/null 2>&1; then
		echo "win/deps.sh: reading Debian's source archive"
		# shellcheck disable=SC2086
		apt-get $apt_opts update > "$out/log/apt-update.log" 2>&1 < /dev/null ||
			{ tail -5 "$out/log/apt-update.log" >&2; die "apt-get update failed"; }
	fi
}

# dsc file name: the version without its epoch
dsc_of() { echo "$1_${2#*:}.dsc"; }

fetch() { # source version sha256 -> unpacked tree in $out/src/$1
	src=$1 ver=$2 sum=$3
	dsc=$(dsc_of "$src" "$ver")
	if [ ! -f "$out/src/$dsc" ] || ! echo "$sum  $out/src/$dsc" | sha256sum -c --quiet - 2>/dev/null; then
		[ -f "$apt_dir/sources.list" ] || apt_setup
		echo "win/deps.sh: fetching $src $ver"
		# shellcheck disable=SC2086
		(cd "$out/src" && apt-get $apt_opts source --download-only "$src=$ver" < /dev/null) \
			> "$out/log/$src.fetch.log" 2>&1 ||
			{ tail -5 "$out/log/$src.fetch.log" >&2; die "could not fetch $src $ver"; }
	fi
	echo "$sum  $out/src/$dsc" | sha256sum -c --quiet - ||
		die "$dsc does not match the checksum in win/deps.lock"
	rm -rf "$out/src/$src"
	(cd "$out/src" && dpkg-source --no-copy -x "$dsc" "$src") > "$out/log/$src.unpack.log" 2>&1 < /dev/null ||
		{ tail -5 "$out/log/$src.unpack.log" >&2; die "could not unpack $dsc"; }
}

# --- building ---------------------------------------------------------
export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
export PKG_CONFIG_PATH=
cc="$host-gcc-posix"
cflags="-O2 -I$prefix/include"
ldflags="-L$prefix/lib"

cm() { # cmake configure, build, install of the tree in the current folder
	cmake -S . -B _win -G "Unix Makefiles" \
		-DCMAKE_TOOLCHAIN_FILE="$here/toolchain.cmake" -DKS_WIN_PREFIX="$prefix" \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_PREFIX_PATH="$prefix" -DBUILD_SHARED_LIBS=OFF "$@"
	cmake --build _win -j "$jobs"
	cmake --install _win
}

ac() { # autotools configure, build, install
	# Debian's trees without a generated configure are made by autoreconf
	[ -x configure ] || autoreconf -fi
	./configure --host=$host --prefix="$prefix" CC="$cc" CFLAGS="$cflags" \
		CPPFLAGS="-I$prefix/include" LDFLAGS="$ldflags" "$@"
	make -j "$jobs"
	make install
}

pc() { # name version libs cflags: a pkg-config file for a library built by hand
	cat > "$prefix/lib/pkgconfig/$1.pc" <<EOF
prefix=$prefix
Name: $1
Description: $1 for Windows
Version: $2
Libs: -L\${prefix}/lib $3
Cflags: -I\${prefix}/include $4
EOF
}

build_zlib() {
	# Debian's tree has no Windows makefile: the library is these files
	for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite \
		infback inffast inflate inftrees trees uncompr zutil; do
		$cc $cflags -c $f.c -o $f.o
	done
	$host-ar rcs libz.a *.o
	cp zlib.h zconf.h "$prefix/include/"
	cp libz.a "$prefix/lib/"
	pc zlib 1.2.13 -lz ""
	# minizip, from zlib's contrib: the web pages' zip of tables
	mkdir -p "$prefix/include/minizip"
	(cd contrib/minizip &&
		for f in ioapi iowin32 zip unzip; do
			$cc $cflags -I../.. -c $f.c -o $f.o || exit 1
		done &&
		$host-ar rcs libminizip.a ioapi.o iowin32.o zip.o unzip.o &&
		cp ioapi.h iowin32.h zip.h unzip.h "$prefix/include/minizip/" &&
		cp libminizip.a "$prefix/lib/")
	pc minizip 1.2.13 "-lminizip -lz" "-I\${prefix}/include/minizip"
}

build_libyaml() {
	cm -DBUILD_TESTING=OFF -DYAML_STATIC_LIB_NAME=yaml
	pc yaml-0.1 0.2.5 -lyaml -DYAML_DECLARE_STATIC
}

build_pcre2() {
	cm -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF -DPCRE2_SUPPORT_JIT=ON
	pc libpcre2-8 10.42 -lpcre2-8 -DPCRE2_STATIC
}

build_utf8proc() {
	cm -DUTF8PROC_INSTALL=ON -DUTF8PROC_ENABLE_TESTING=OFF
	pc libutf8proc 2.8.0 -lutf8proc -DUTF8PROC_STATIC
}

build_http_parser() {
	$cc $cflags -c http_parser.c -o http_parser.o
	$host-ar rcs libhttp_parser.a http_parser.o
	cp http_parser.h "$prefix/include/"
	cp libhttp_parser.a "$prefix/lib/"
}

build_openssl() {
	# libcrypto alone, static, for libssh2: the ed25519 and ECDSA keys
	# that Windows' own cryptography (CNG) does not give libssh2 1.10
	./Configure mingw64 no-shared no-tests no-engine no-module \
		--cross-compile-prefix=$host- --prefix="$prefix" --libdir=lib
	make -j "$jobs" build_libs
	make install_dev
}

build_libssh2() {
	cm -DCRYPTO_BACKEND=OpenSSL -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON \
		-DBUILD_EXAMPLES=OFF -DBUILD_TESTING=OFF -DENABLE_ZLIB_COMPRESSION=OFF
}

build_libgit2() {
	# HTTPS through WinHTTP, SSH through libssh2 (WinCNG), regular
	# expressions through PCRE2, all static.  mingw-w64 has had WinHTTP's
	# header and import library for years; the private copy libgit2 would
	# use instead is not in Debian's tree.
	sed -i 's/^\tif(MINGW)$/\tif(FALSE)/' cmake/SelectWinHTTP.cmake
	cm -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_EXAMPLES=OFF -DBUILD_FUZZERS=OFF \
		-DUSE_HTTPS=WinHTTP -DUSE_SSH=ON -DUSE_HTTP_PARSER=system -DREGEX_BACKEND=pcre2 \
		-DUSE_BUNDLED_ZLIB=OFF -DUSE_NTLMCLIENT=OFF -DUSE_GSSAPI=OFF \
		-DHTTP_PARSER_INCLUDE_DIR="$prefix/include" -DHTTP_PARSER_LIBRARY="$prefix/lib/libhttp_parser.a" \
		-DPCRE2_INCLUDE_DIR="$prefix/include" -DPCRE2_LIBRARY="$prefix/lib/libpcre2-8.a" \
		-DCMAKE_C_FLAGS="-DPCRE2_STATIC"
	pc libgit2 1.5.1 "-lgit2 -lssh2 -lcrypto -lpcre2-8 -lhttp_parser -lz -lwinhttp -lrpcrt4 -lcrypt32 -lole32 -lbcrypt -lws2_32 -lsecur32 -luser32" ""
}

build_libxlsxwriter() {
	cm -DUSE_SYSTEM_MINIZIP=OFF -DBUILD_TESTS=OFF -DBUILD_EXAMPLES=OFF -DZLIB_ROOT="$prefix"
	pc xlsxwriter 1.1.4 "-lxlsxwriter -lz" ""
}

build_libsodium() {
	ac --disable-shared --enable-static --disable-pie --enable-minimal=no
	pc libsodium 1.0.18 -lsodium -DSODIUM_STATIC
}

build_nettle() {
	ac --enable-shared --disable-static --disable-public-key --disable-documentation \
		--disable-openssl --disable-assembler
}

build_libidn2() {
	ac --enable-shared --disable-static --disable-doc --disable-nls --without-libiconv-prefix \
		--disable-gtk-doc
}

build_sqlite3() {
	# the amalgamation is made by the source tree's own tcl tools
	mkdir -p _native && (cd _native && ../configure --disable-tcl > /dev/null && make sqlite3.c)
	$cc $cflags -DSQLITE_THREADSAFE=1 -DSQLITE_OMIT_LOAD_EXTENSION -c _native/sqlite3.c -o sqlite3.o
	$host-ar rcs libsqlite3.a sqlite3.o
	cp _native/sqlite3.h "$prefix/include/"
	cp libsqlite3.a "$prefix/lib/"
	pc sqlite3 3.40.1 -lsqlite3 ""
}

build_libexif() {
	ac --enable-shared --disable-static --disable-docs --disable-nls
}

build_libjpeg_turbo() {
	cm -DENABLE_SHARED=OFF -DENABLE_STATIC=ON -DWITH_TURBOJPEG=OFF -DCMAKE_ASM_NASM_COMPILER=nasm \
		-DWITH_SIMD="$(command -v nasm >/dev/null && echo ON || echo OFF)"
}

build_libpng1_6() {
	cm -DPNG_SHARED=OFF -DPNG_STATIC=ON -DPNG_TESTS=OFF -DPNG_EXECUTABLES=OFF -DZLIB_ROOT="$prefix"
}

build_libwebp() {
	cm -DWEBP_BUILD_ANIM_UTILS=OFF -DWEBP_BUILD_CWEBP=OFF -DWEBP_BUILD_DWEBP=OFF \
		-DWEBP_BUILD_GIF2WEBP=OFF -DWEBP_BUILD_IMG2WEBP=OFF -DWEBP_BUILD_VWEBP=OFF \
		-DWEBP_BUILD_WEBPINFO=OFF -DWEBP_BUILD_WEBPMUX=OFF -DWEBP_BUILD_EXTRAS=OFF
}

build_libmicrohttpd() {
	ac --enable-shared --disable-static --disable-https --disable-doc --disable-examples \
		--disable-curl --without-gnutls
}

build_gettext() {
	# libintl alone, from gettext-runtime
	cd gettext-runtime
	./configure --host=$host --prefix="$prefix" CC="$cc" CFLAGS="$cflags" LDFLAGS="$ldflags" \
		--enable-shared --disable-static --disable-java --disable-csharp --disable-libasprintf \
		--disable-openmp --without-libiconv-prefix --disable-nls-compat 2>&1 ||
		return 1
	make -C intl -j "$jobs"
	make -C intl install
}

# sh win/deps.sh OUT --build SRC: one package, in its unpacked tree, in
# a shell of its own so that set -e stops it at its first failure
if [ "${2:-}" = --build ]; then
	cd "$out/src/$3"
	build_$(echo "$3" | tr -- '-.' '__')
	exit 0
fi

# every stamp present: nothing to do
all_built=1
while read -r src ver sum rev; do
	case $src in ''|\#*) continue ;; esac
	[ -f "$prefix/built/$src=$ver${rev:++$rev}" ] && [ -f "$prefix/share/licenses/$src.txt" ] ||
		all_built=0
done < "$lock"
[ $all_built = 1 ] && exit 0

while read -r src ver sum rev; do
	case $src in ''|\#*) continue ;; esac
	stamp=$prefix/built/$src=$ver${rev:++$rev}
	licence=$prefix/share/licenses/$src.txt
	[ -f "$stamp" ] && [ -f "$licence" ] && continue
	fetch "$src" "$ver" "$sum"
	if [ ! -f "$stamp" ]; then
		echo "win/deps.sh: building $src $ver"
		if ! sh "$here/deps.sh" "$out" --build "$src" > "$out/log/$src.log" 2>&1 < /dev/null; then
			tail -20 "$out/log/$src.log" >&2
			die "building $src failed; the whole log is $out/log/$src.log"
		fi
	fi
	# its licence travels with the release (doc/licenses/)
	mkdir -p "$prefix/share/licenses"
	cp "$out/src/$src/debian/copyright" "$licence"
	rm -rf "$out/src/$src"
	echo "$src $ver" > "$stamp"
done < "$lock"
