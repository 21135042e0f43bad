# A small test harness for khaosat's end-to-end scripts, in the spirit of
# git's t/test-lib.sh.  A script sources it, runs titled cases and ends:
#
#	. "$(dirname "$0")/lib.sh"
#	test_expect_success 'init makes a survey' '
#		khaosat init s --device md01 --surveyor "Nguyễn Thị Hoa" &&
#		test_path_is_file s/khaosat.yaml
#	'
#	test_done
#
# Every script runs in a fresh temporary folder (also $HOME, so nobody's
# git configuration takes part), removed at the end unless KHAOSAT_KEEP=1.
# Cases run one after another in that folder, each in a subshell: files
# persist from case to case, variables do not.  A case passes when its
# commands, chained with &&, all succeed; a command left off the chain is
# reported as a broken test.  test_done prints "N passed, N failed,
# N skipped" as the last line (tests/run.sh adds these up) and exits 1 on
# any failure; test_skip counts cases that cannot run here.
#
# Options: -v shows every case's output, -x traces the commands, -i stops at
# the first failure (and keeps the folder).  KHAOSAT_BIN is the binary
# (default build/release/khaosat); KHAOSAT_TOOLS the test tools.

KHAOSAT_TOP=${KHAOSAT_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
KHAOSAT_BIN=${KHAOSAT_BIN:-$KHAOSAT_TOP/build/release/khaosat}
KHAOSAT_TOOLS=${KHAOSAT_TOOLS:-$(dirname "$KHAOSAT_BIN")/tests/tools}
KHAOSAT_SHARED=${KHAOSAT_SHARED:-$KHAOSAT_TOP/../shared}
TEST_DATA=$KHAOSAT_TOP/tests/data
SAMPLES=$KHAOSAT_TOP/samples
export KHAOSAT_TOP KHAOSAT_BIN KHAOSAT_TOOLS KHAOSAT_SHARED TEST_DATA SAMPLES

test_verbose=
test_trace=
test_immediate=
for test_arg in "$@"; do
	case "$test_arg" in
	-v | --verbose) test_verbose=t ;;
	-x) test_trace=t ;;
	-i | --immediate) test_immediate=t ;;
	*)
		echo "usage: sh $0 [-v] [-x] [-i]" >&2
		exit 2
		;;
	esac
done

# A clean, fixed environment: nothing from the person running the tests.
LC_ALL=C.UTF-8
LANG=C.UTF-8
TZ=UTC
GIT_CONFIG_NOSYSTEM=1
export LC_ALL LANG TZ GIT_CONFIG_NOSYSTEM
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_CONFIG GIT_CONFIG_GLOBAL GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT \
	GIT_CEILING_DIRECTORIES XDG_CONFIG_HOME EDITOR VISUAL CDPATH \
	LANGUAGE LC_MESSAGES KHAOSAT_LANGUAGE KHAOSAT_LOCALEDIR
# Fixed identity for commits made with plain git (khaosat uses its own).
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL=author@example.com
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL=committer@example.com
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
# A sanitizer error must not pass for an expected exit code 1.
ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=99:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-exitcode=98:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

test_tmp=$(mktemp -d "${TMPDIR:-/tmp}/khaosat-test.XXXXXX") || {
	echo "error: cannot make a temporary folder" >&2
	echo "0 passed, 1 failed"
	exit 1
}
TRASH=$test_tmp/trash
HOME=$TRASH
export TRASH HOME
mkdir "$TRASH" || exit 1
# The user's global git config is now $TRASH/.gitconfig.  A default branch
# other than main shows whether khaosat names its branch itself.
cat >"$TRASH/.gitconfig" <<'EOF'
[user]
	name = A U Thor
	email = author@example.com
[init]
	defaultBranch = trunk
[advice]
	detachedHead = false
EOF
cd "$TRASH" || exit 1

# Helpers report on fd 3: the case's output, whatever the command's
# stderr was redirected to.
exec 3>&2

test_count=0
test_passed=0
test_failed=0
test_broken=0
test_fixed=0
test_skipped=0

test_cleanup() {
	cd / || return
	if [ -n "$KHAOSAT_KEEP" ] || { [ -n "$test_immediate" ] &&
		[ "$test_failed" -ne 0 ]; }; then
		echo "# kept $test_tmp" >&2
		return
	fi
	chmod -R u+rwx "$test_tmp" 2>/dev/null
	rm -rf "$test_tmp"
}
trap test_cleanup EXIT
trap 'exit 130' INT TERM

# The binary under test, so that scripts read "khaosat check".
khaosat() {
	if ! [ -x "$KHAOSAT_BIN" ]; then
		echo "error: no khaosat binary at $KHAOSAT_BIN; run make" >&2
		return 127
	fi
	"$KHAOSAT_BIN" "$@"
}

ptydrive() {
	"$KHAOSAT_TOOLS/ptydrive" "$@"
}

say_indented() {
	sed -e 's/^/#	/' "$@"
}

# The body in a function of its own, so that "|| return 1" in a loop ends
# the body and still lets the cleanup run.
test_body_() {
	eval "$1"
}

# Runs one case body in a subshell inside $TRASH; output goes to $1.
test_run_() {
	(
		cd "$TRASH" || exit 1
		test_cleanup_=:
		[ -n "$test_trace" ] && set -x
		test_body_ "$2"
		test_rc_=$?
		eval "$test_cleanup_"
		exit "$test_rc_"
	) >"$1" 2>&1 3>&1 </dev/null
}

# 0 when every command of the body is chained with &&: then the chain
# stops at the leading (exit 117) and nothing else runs.
test_chain_ok_() {
	(
		cd "$TRASH" || exit 1
		eval "(exit 117) && $1"
	) >/dev/null 2>&1 </dev/null
	[ $? -eq 117 ]
}

test_report_() {
	test_count=$((test_count + 1))
	case "$1" in
	pass)
		test_passed=$((test_passed + 1))
		echo "ok $test_count - $2"
		;;
	fail)
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $2"
		;;
	broken)
		test_broken=$((test_broken + 1))
		echo "not ok $test_count - $2 # TODO known breakage"
		;;
	fixed)
		test_fixed=$((test_fixed + 1))
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $2 # known breakage now passes: use test_expect_success"
		;;
	esac
}

test_show_() {
	say_indented <<EOF
$1
EOF
	if [ -s "$test_tmp/out" ]; then
		test_lines_=$(wc -l <"$test_tmp/out")
		if [ "$test_lines_" -gt 200 ] && [ -z "$test_verbose" ]; then
			echo "# output (the last 200 of $test_lines_ lines; -v shows all):"
			tail -n 200 "$test_tmp/out" | say_indented
		else
			echo "# output:"
			say_indented "$test_tmp/out"
		fi
	fi
}

# test_expect_success 'title' 'commands'
test_expect_success() {
	if [ $# -ne 2 ]; then
		echo "error: test_expect_success needs a title and a body" >&2
		exit 1
	fi
	if ! test_chain_ok_ "$2"; then
		test_report_ fail "$1 (broken && chain in the test)"
		test_show_ "$2"
	elif test_run_ "$test_tmp/out" "$2"; then
		test_report_ pass "$1"
		[ -n "$test_verbose" ] && [ -s "$test_tmp/out" ] &&
			say_indented "$test_tmp/out"
	else
		test_report_ fail "$1"
		test_show_ "$2"
		if [ -n "$test_immediate" ]; then
			test_done
		fi
	fi
	return 0
}

# test_expect_failure 'title' 'commands': a known bug, kept visible.
test_expect_failure() {
	if test_run_ "$test_tmp/out" "$2"; then
		test_report_ fixed "$1"
	else
		test_report_ broken "$1"
		[ -n "$test_verbose" ] && test_show_ "$2"
	fi
	return 0
}

# test_skip WHY: cases that cannot run here (a tool or an input missing)
# count as skipped, never as passed.
test_skip() {
	echo "skip: $1"
	test_skipped=$((test_skipped + 1))
}

test_done() {
	trap - INT TERM
	if [ "$test_broken" -ne 0 ]; then
		echo "# $test_broken known breakage(s)"
	fi
	if [ "$test_count" -eq 0 ]; then
		echo "# no test ran"
	fi
	echo "$test_passed passed, $test_failed failed, $test_skipped skipped"
	[ "$test_failed" -eq 0 ] && exit 0
	exit 1
}

# ---- helpers for case bodies ----

# test_when_finished 'commands': runs them when the case ends, passed or
# failed (the last registered first); their failure fails the case.  Call it
# in the case body itself, not in a subshell.
test_when_finished() {
	test_cleanup_="{ $*
	} && (exit \"\$test_rc_\"); test_rc_=\$?; $test_cleanup_"
}

# test_cmp EXPECTED ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# The exit status of a command, in words, for failure messages.
test_describe_code_() {
	if [ "$1" -eq 127 ]; then
		echo "command not found (127)"
	elif [ "$1" -eq 98 ] || [ "$1" -eq 99 ]; then
		echo "a sanitizer error ($1)"
	elif [ "$1" -gt 128 ]; then
		echo "killed by signal $(($1 - 128))"
	else
		echo "exit code $1"
	fi
}

# test_must_fail CMD...: CMD exits with an error of its own, not 0, and
# neither crashes, nor is missing, nor trips a sanitizer.
test_must_fail() {
	"$@"
	test_rc_=$?
	if [ "$test_rc_" -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&3
		return 1
	fi
	if [ "$test_rc_" -ge 126 ] || [ "$test_rc_" -eq 98 ] ||
		[ "$test_rc_" -eq 99 ]; then
		echo "test_must_fail: $(test_describe_code_ "$test_rc_"): $*" >&3
		return 1
	fi
	return 0
}

# test_expect_code CODE CMD...
test_expect_code() {
	test_want_=$1
	shift
	"$@"
	test_rc_=$?
	if [ "$test_rc_" -ne "$test_want_" ]; then
		echo "test_expect_code: wanted exit code $test_want_, got $(test_describe_code_ "$test_rc_"): $*" >&3
		return 1
	fi
	return 0
}

test_path_is_file() {
	[ -f "$1" ] || {
		echo "not a file: $1" >&2
		return 1
	}
}

test_path_is_dir() {
	[ -d "$1" ] || {
		echo "not a folder: $1" >&2
		return 1
	}
}

test_path_is_missing() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "should not exist: $1" >&2
		ls -ld "$1" >&2
		return 1
	fi
}

test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' should be empty but holds:" >&2
		cat "$1" >&2
		return 1
	fi
}

# test_line_count = 3 FILE
test_line_count() {
	test_n_=$(wc -l <"$3")
	if ! [ "$test_n_" "$1" "$2" ]; then
		echo "test_line_count: $3 has $test_n_ lines, wanted $1 $2:" >&2
		cat "$3" >&2
		return 1
	fi
}

# test_grep PATTERN FILE, that shows the file when the pattern is absent.
test_grep() {
	if ! grep -e "$1" "$2" >/dev/null; then
		echo "no line matches '$1' in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# Every file under a folder (default .) with its SHA-1, sorted by name:
# compare two of these to show that a command changed nothing.  The survey
# lock (.git/khaosat/lock) is left out: every command that writes names
# itself there for others to read, even when it then changes nothing; so
# is the note of the survey's folders (.git/khaosat/folders), which any
# listing of the work tree may make once they are old enough (wtlist.c).
snapshot() {
	(cd "${1:-.}" && find . -type f ! -path "*/.git/khaosat/lock" \
		! -path "*/.git/khaosat/folders" \
		-exec sha1sum {} + | LC_ALL=C sort -k 2)
}

# Same, with the modification time of each file.
snapshot_mtime() {
	(cd "${1:-.}" && find . -type f ! -path "*/.git/khaosat/lock" \
		-printf '%p %T@\n' | LC_ALL=C sort)
}

# write_file PATH <<EOF: writes stdin to PATH, making its folders.
write_file() {
	mkdir -p "$(dirname "$1")" && cat >"$1"
}

# start_git_daemon BASE FIRST_PORT: git daemon on 127.0.0.1 serving the
# folder BASE (pushes allowed), on the first free port from FIRST_PORT of
# the next hundred.  It is taken as started once it serves a repository
# made for the purpose in BASE: another test's daemon on the same port
# (tests run side by side) answers for its own hub.git, never for that
# one.  The port goes into $TRASH/daemon.port, the pid into
# $TRASH/daemon.pid; stop_git_daemon ends it.
start_git_daemon() {
	sgd_port=$2
	sgd_probe=probe-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d " ").git
	git init -q --bare "$1/$sgd_probe" || return 1
	while [ $sgd_port -lt $(($2 + 100)) ]; do
		git daemon --base-path="$1" --export-all --enable=receive-pack \
			--reuseaddr --listen=127.0.0.1 --port=$sgd_port \
			--pid-file="$TRASH/daemon.pid" --detach "$1" 2>/dev/null &&
		for sgd_i in 1 2 3 4 5 6 7 8 9 10; do
			if git ls-remote git://127.0.0.1:$sgd_port/$sgd_probe >/dev/null 2>&1; then
				echo $sgd_port >"$TRASH/daemon.port"
				rm -rf "${1:?}/$sgd_probe"
				return 0
			fi
			sleep 0.2
		done
		[ -f "$TRASH/daemon.pid" ] && kill "$(cat "$TRASH/daemon.pid")" 2>/dev/null
		sgd_port=$((sgd_port + 1))
	done
	rm -rf "${1:?}/$sgd_probe"
	return 1
}
stop_git_daemon() {
	[ -f "$TRASH/daemon.pid" ] && kill "$(cat "$TRASH/daemon.pid")" 2>/dev/null
	return 0
}

# make_survey DIR [DEVICE [SURVEYOR]]: a new survey, quietly.
make_survey() {
	khaosat init "$1" --unsigned --device "${2:-md01}" \
		--surveyor "${3:-Nguyễn Thị Hoa}" --email hoa@example.vn \
		--name "Mỹ Đồng" >/dev/null
}

# Copies the sample records into the survey at DIR.
copy_samples() {
	cp -R "$SAMPLES/records" "$1/"
}

# set_line FILE PATTERN REPLACEMENT: replaces the one line matching
# ^PATTERN, and fails when the replacement is not there afterwards.
set_line() {
	sed -i "s|^$2.*|$3|" "$1" && grep -q "^$3\$" "$1"
}

# set_field FILE /a[/b] YAML-SCALAR: replaces the value of an existing
# field of a canonical record, top-level or one mapping down (exit 1 if it
# is not there).
set_field() {
	awk -v p="$2" -v val="$3" '
	BEGIN { n = split(substr(p, 2), k, "/") }
	!done && n == 1 && index($0, k[1] ": ") == 1 {
		print k[1] ": " val; done = 1; next
	}
	n == 2 && /^[^ ]/ { insec = ($0 == k[1] ":") }
	!done && n == 2 && insec && index($0, "  " k[2] ": ") == 1 {
		print "  " k[2] ": " val; done = 1; next
	}
	{ print }
	END { if (!done) exit 1 }' "$1" >"$1.new" &&
	mv "$1.new" "$1"
}

# The tree at the tip of main in the survey at DIR.
tree() {
	git -C "$1" rev-parse "main^{tree}"
}

# Everything a refused bundle or sync must leave alone in the survey at
# DIR: its refs, its object files and its work tree.
state() {
	git -C "$1" for-each-ref &&
	(cd "$1" && find .git/objects -type f | LC_ALL=C sort) &&
	snapshot "$1" | grep -v " \./\.git/"
}

# The path of a record of KIND with ID, relative to the survey.
record_path() {
	printf 'records/%s/%s/%03d/%s.yaml\n' "$1" "${2%%-*}" \
		"$(( $(echo "${2#*-}" | sed 's/^0*//;s/^$/0/') / 100))" "$2"
}
