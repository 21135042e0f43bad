#!/bin/sh
# make check-windows: the Windows build's tests, under Wine.
#   sh tests/windows/run.sh WINDIR LINUX_KHAOSAT
# WINDIR is make windows' folder (build/windows): the release folder in it
# (khaosat/) is what is tested, as a person unzips it.  Each
# tests/windows/t*.sh runs through tests/lib.sh with KHAOSAT_BIN a
# wrapper that starts khaosat.exe in Wine, and KHAOSAT_LINUX the Linux
# build for the other laptop of the stick tests.  Ends with one line
# "N passed, N failed, N skipped"; without Wine, every test skips.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
win=$(cd "${1:?usage: run.sh WINDIR LINUX_KHAOSAT}" && pwd)
linux=$(cd "$(dirname "${2:?}")" && pwd)/$(basename "$2")
tests=$(ls "$top"/tests/windows/t*.sh)

if ! command -v wine >/dev/null 2>&1; then
	echo "skip: Wine is not installed (Debian packages wine, wine64): the Windows build is not tested"
	echo "0 passed, 0 failed, $(echo "$tests" | wc -l) skipped"
	exit 0
fi
if ! [ -x "$win/khaosat/khaosat.exe" ]; then
	echo "FAIL: no $win/khaosat/khaosat.exe; run make windows"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

# One Wine prefix for the tests, made once (Wine's first start takes
# seconds), and a folder on Wine's PATH where ssh-keygen.exe is Debian's
# ssh-keygen, as Windows' own OpenSSH is on a laptop's PATH.
export WINEPREFIX="$win/wine"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="
if ! [ -f "$WINEPREFIX/system.reg" ]; then
	wineboot --init >/dev/null 2>&1
	wineserver -w
fi
mkdir -p "$win/test-bin"
if command -v ssh-keygen >/dev/null 2>&1; then
	ln -sf "$(command -v ssh-keygen)" "$win/test-bin/ssh-keygen.exe"
fi
wrapper=$win/test-bin/khaosat
cat >"$wrapper" <<EOW
#!/bin/sh
# khaosat.exe of the release folder, in Wine (tests/windows/run.sh)
WINEPATH='Z:$(echo "$win/test-bin" | tr / '\\\\')' exec wine "$win/khaosat/khaosat.exe" "\$@"
EOW
chmod +x "$wrapper"

passed=0 failed=0 skipped=0 status=0
for t in $tests; do
	name=$(basename "$t")
	out=$(KHAOSAT_TOP=$top KHAOSAT_BIN=$wrapper KHAOSAT_LINUX=$linux KHAOSAT_WINDIR=$win \
		KHAOSAT_TOOLS="$top/build/release/tests/tools" sh "$t" 2>&1)
	rc=$?
	summary=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$summary" ]; then
		echo "$out"
		echo "FAIL $name: exit $rc, no summary line"
		failed=$((failed + 1))
		status=1
		continue
	fi
	p=$(echo "$summary" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$summary" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	if [ "$f" -ne 0 ]; then
		echo "$out"
		status=1
	else
		echo "$out" | grep -E '^(skip|SKIP)'
	fi
	echo "$name: $p passed, $f failed, ${s:-0} skipped"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + ${s:-0}))
done
wineserver -k >/dev/null 2>&1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
