#!/bin/sh
# The Windows release, from the cross-built program (make windows):
#
#   sh win/release.sh EXE MO_DIR VERSION OUT
#
# OUT/khaosat/       the folder a person runs from, as the zip and the
#                    installer hold it: khaosat.exe, the DLLs of the LGPL
#                    libraries, locale/, doc/ (the man pages as HTML, the
#                    libraries' licences), BAT-DAU.txt (how to start, in
#                    Vietnamese), khaosat-web.cmd (the Start menu's way
#                    into khaosat serve)
# OUT/khaosat-VERSION-windows-x64.zip
# OUT/khaosat-VERSION-setup.exe   (NSIS: Program Files, PATH, Start menu)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
exe=$1 mo=$2 version=$3
out=$(mkdir -p "$4" && cd "$4" && pwd)
prefix=$out/prefix
stage=$out/khaosat
host=x86_64-w64-mingw32

rm -rf "$stage"
mkdir -p "$stage/doc/licenses" "$stage/locale"
$host-strip -o "$stage/khaosat.exe" "$exe"
# the DLLs khaosat.exe names, and those they name in turn
need_dlls() {
	$host-objdump -p "$1" | sed -n 's/^\tDLL Name: //p' | while read -r dll; do
		if [ -f "$prefix/bin/$dll" ] && [ ! -f "$stage/$dll" ]; then
			$host-strip -o "$stage/$dll" "$prefix/bin/$dll"
			need_dlls "$stage/$dll"
		fi
	done
}
need_dlls "$stage/khaosat.exe"
# libmicrohttpd is loaded by name when khaosat serve starts (web/mhd.c)
for dll in "$prefix"/bin/libmicrohttpd-*.dll; do
	$host-strip -o "$stage/$(basename "$dll")" "$dll"
	need_dlls "$stage/$(basename "$dll")"
done
cp -r "$mo"/. "$stage/locale/"
# the man pages as HTML
mandoc -Thtml "$top/man/khaosat.1" > "$stage/doc/khaosat.html"
mandoc -Thtml "$top/man/vi/khaosat.1" > "$stage/doc/khaosat.vi.html"
cp "$prefix"/share/licenses/*.txt "$stage/doc/licenses/"
# text for Notepad: CRLF
for f in BAT-DAU.txt khaosat-web.cmd; do
	sed 's/$/\r/' "$here/$f" > "$stage/$f"
done
sed "s/@VERSION@/$version/" "$here/README-windows.txt" | sed 's/$/\r/' > "$stage/README.txt"

zip=$out/khaosat-$version-windows-x64.zip
rm -f "$zip"
(cd "$out" && zip -q -r -X "$zip" khaosat)

setup=$out/khaosat-$version-setup.exe
rm -f "$setup"
makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$version" -DSTAGE="$stage" \
	-DOUTFILE="$setup" "$here/installer.nsi"
echo "$zip"
echo "$setup"
