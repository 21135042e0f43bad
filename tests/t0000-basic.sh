#!/bin/sh
# The test harness itself (tests/lib.sh), the pseudo-terminal driver
# (tests/tools/ptydrive) and the binary's most basic behaviour.
. "$(dirname "$0")/lib.sh"

# Runs a script made of lib.sh and the given lines in a folder of its own.
run_sub() {
	name=$1
	shift
	mkdir "$name" &&
	{
		echo ". \"\$KHAOSAT_TOP/tests/lib.sh\""
		cat
	} >"$name/sub.sh" &&
	(cd "$name" && MARK=$TRASH/$name/mark KHAOSAT_KEEP= sh sub.sh "$@" >out 2>err)
}

# ---- lib.sh ----

test_expect_success 'a passing case is counted and the summary is last' '
	run_sub pass <<-\EOF &&
	test_expect_success "one" "true"
	test_expect_success "two" "echo hidden && true"
	test_done
	EOF
	cat >expect <<-\EOF &&
	ok 1 - one
	ok 2 - two
	2 passed, 0 failed, 0 skipped
	EOF
	test_cmp expect pass/out
'

test_expect_success 'a failing case exits 1 and shows its commands and output' '
	test_expect_code 1 run_sub fail <<-\EOF &&
	test_expect_success "good" "true"
	test_expect_success "bad" "echo visible-output && false"
	test_done
	EOF
	grep "^ok 1 - good$" fail/out &&
	grep "^not ok 2 - bad$" fail/out &&
	grep "^#	visible-output$" fail/out &&
	grep "^#	echo visible-output && false$" fail/out &&
	test "$(tail -n 1 fail/out)" = "1 passed, 1 failed, 0 skipped"
'

test_expect_success 'a command left off the && chain fails the case' '
	test_expect_code 1 run_sub chain <<-\EOF &&
	test_expect_success "broken" "
		false
		true
	"
	test_done
	EOF
	grep "^not ok 1 - broken (broken && chain in the test)$" chain/out &&
	test "$(tail -n 1 chain/out)" = "0 passed, 1 failed, 0 skipped"
'

test_expect_success 'cases run in a subshell: variables do not leak, files do' '
	run_sub scope <<-\EOF &&
	test_expect_success "set" "x=1 && echo data >f"
	test_expect_success "look" "test -z \"\$x\" && test \"\$(cat f)\" = data"
	test_done
	EOF
	test "$(tail -n 1 scope/out)" = "2 passed, 0 failed, 0 skipped"
'

test_expect_success 'a case that cannot run here counts as skipped, not passed' '
	run_sub skip <<-\EOF &&
	test_expect_success "runs" "true"
	test_skip "a tool is missing"
	test_done
	EOF
	grep "^skip: a tool is missing$" skip/out &&
	test "$(tail -n 1 skip/out)" = "1 passed, 0 failed, 1 skipped"
'

test_expect_success 'a script runs in a fresh temporary folder, removed at the end' '
	mkdir tmp &&
	cat >tmp/sub.sh <<-\EOF &&
	. "$KHAOSAT_TOP/tests/lib.sh"
	echo "$TRASH" >"$MARK"
	test_expect_success "home and cwd are the folder" "test \"\$HOME\" = \"\$TRASH\" && test \"\$(pwd)\" = \"\$TRASH\""
	test_expect_success "no system git config" "test \"\$GIT_CONFIG_NOSYSTEM\" = 1"
	test_done
	EOF
	(cd tmp && MARK=$TRASH/tmp/mark KHAOSAT_KEEP= sh sub.sh >out 2>err) &&
	test "$(tail -n 1 tmp/out)" = "2 passed, 0 failed, 0 skipped" &&
	sub_trash=$(cat tmp/mark) &&
	test -n "$sub_trash" &&
	test "$sub_trash" != "$TRASH" &&
	test_path_is_missing "$sub_trash"
'

test_expect_success 'KHAOSAT_KEEP=1 keeps the folder' '
	mkdir keep &&
	cat >keep/sub.sh <<-\EOF &&
	. "$KHAOSAT_TOP/tests/lib.sh"
	echo "$TRASH" >"$OLDPWD_MARK"
	test_expect_success "x" "echo kept >file"
	test_done
	EOF
	(cd keep && OLDPWD_MARK=$TRASH/keep/where KHAOSAT_KEEP=1 sh sub.sh >out 2>err) &&
	kept=$(cat keep/where) &&
	test_path_is_file "$kept/file" &&
	rm -rf "$(dirname "$kept")"
'

test_expect_success 'test_must_fail: ok on an error, not on success, a crash or a missing command' '
	test_must_fail false &&
	test_must_fail sh -c "exit 3" &&
	! test_must_fail true 3>err &&
	grep "command succeeded" err &&
	! test_must_fail sh -c "kill -SEGV \$\$" 3>err &&
	grep "killed by signal 11" err &&
	! test_must_fail no-such-command-here 3>err &&
	grep "command not found" err &&
	! test_must_fail sh -c "exit 99" 3>err &&
	grep "sanitizer" err
'

test_expect_success 'test_expect_code checks the exact code, and says why on fd 3' '
	test_expect_code 3 sh -c "exit 3" &&
	test_expect_code 0 true &&
	! test_expect_code 1 sh -c "exit 2" 3>err &&
	grep "wanted exit code 1, got exit code 2" err
'

test_expect_success 'a failed helper is explained in the case output' '
	test_expect_code 1 run_sub why <<-\EOF &&
	test_expect_success "code" "test_expect_code 2 sh -c \"exit 1\" 2>/dev/null"
	test_done
	EOF
	grep "^#	test_expect_code: wanted exit code 2, got exit code 1: sh -c exit 1$" why/out
'

test_expect_success 'test_when_finished runs after a pass and after a failure' '
	test_expect_code 1 run_sub fin <<-\EOF &&
	test_expect_success "pass" "test_when_finished \"echo one >>\$MARK\" && true"
	test_expect_success "fail" "test_when_finished \"echo two >>\$MARK\" && false"
	test_expect_success "cleanup fails" "test_when_finished false && true"
	test_done
	EOF
	printf "one\ntwo\n" >expect &&
	test_cmp expect fin/mark &&
	grep "^ok 1 - pass$" fin/out &&
	grep "^not ok 2 - fail$" fin/out &&
	grep "^not ok 3 - cleanup fails$" fin/out
'

test_expect_success "'|| return 1' in a loop fails the case, and the cleanup still runs" '
	test_expect_code 1 run_sub ret <<-\EOF &&
	test_expect_success "loop" "
		test_when_finished \"echo cleaned >>\$MARK\" &&
		for i in 1 2 3; do
			test \$i != 2 || return 1
		done
	"
	test_done
	EOF
	grep "^not ok 1 - loop$" ret/out &&
	echo cleaned >expect &&
	test_cmp expect ret/mark
'

test_expect_success 'test_cmp shows a diff' '
	printf "a\nb\n" >one &&
	printf "a\nc\n" >two &&
	test_cmp one one &&
	! test_cmp one two >diff &&
	grep "^-b$" diff &&
	grep "^+c$" diff
'

test_expect_success 'path helpers, line counts and snapshots' '
	mkdir d &&
	echo x >d/f &&
	test_path_is_dir d &&
	test_path_is_file d/f &&
	test_path_is_missing d/g &&
	! test_path_is_missing d/f 2>/dev/null &&
	: >empty &&
	test_must_be_empty empty &&
	! test_must_be_empty d/f 2>/dev/null &&
	printf "1\n2\n3\n" >three &&
	test_line_count = 3 three &&
	test_line_count -gt 2 three &&
	snapshot d >before &&
	snapshot d >after &&
	test_cmp before after &&
	echo y >>d/f &&
	snapshot d >after &&
	! test_cmp before after >/dev/null
'

test_expect_success 'record_path places ids in their buckets' '
	test "$(record_path workshop md01-0042)" = records/workshop/md01/000/md01-0042.yaml &&
	test "$(record_path brand md02-1000)" = records/brand/md02/010/md02-1000.yaml &&
	test "$(record_path workshop md01-0100)" = records/workshop/md01/001/md01-0100.yaml &&
	test "$(record_path brand md02-0009)" = records/brand/md02/000/md02-0009.yaml
'

# ---- ptydrive ----

test_expect_success 'ptydrive answers a prompt and returns the exit code' '
	cat >script <<-\EOF &&
	# a comment, then a blank line

	expect name? 
	send Nguyễn Thị Hoa
	expect got Nguyễn Thị Hoa
	EOF
	test_expect_code 3 ptydrive script -- \
		sh -c "printf \"name? \"; read x; echo \"got \$x\"; exit 3" >out &&
	printf "name? Nguyễn Thị Hoa\ngot Nguyễn Thị Hoa\n" >expect &&
	test_cmp expect out
'

test_expect_success 'ptydrive runs the command on a terminal' '
	echo "expect end" >script &&
	ptydrive script -- sh -c "test -t 0 && test -t 1 && echo tty; echo end" >out &&
	printf "tty\nend\n" >expect &&
	test_cmp expect out
'

test_expect_success 'ptydrive: send alone is Enter; eof is Ctrl-D' '
	cat >script <<-\EOF &&
	expect ready
	send
	send two
	eof
	expect lines=2
	EOF
	ptydrive script -- sh -c "echo ready; n=\$(wc -l); echo lines=\$n" >out &&
	grep "^lines=2$" out
'

test_expect_success 'ptydrive: sendraw types escapes without Enter' '
	printf "%s\n" "expect go" "sendraw ab\\\\c\\x41" "send x" "expect [ab\\\\cAx]" >script &&
	ptydrive script -- sh -c "echo go; IFS= read -r x; printf \"[%s]\\n\" \"\$x\"" >out &&
	grep -F "[ab\\cAx]" out
'

test_expect_success 'ptydrive: text already printed is not matched twice' '
	cat >script <<-\EOF &&
	expect x
	expect x
	expect x
	EOF
	test_expect_code 124 ptydrive -t 1 script -- sh -c "echo x; echo x; sleep 5" >out 2>err &&
	grep "script line 3: no \"x\" within 1 s" err
'

test_expect_success 'ptydrive: a timeout kills the command and shows what it printed' '
	echo "expect never" >script &&
	start=$(date +%s) &&
	test_expect_code 124 ptydrive -t 1 script -- sh -c "echo partial; sleep 30" >out 2>err &&
	test $(( $(date +%s) - start )) -lt 10 &&
	grep "^ptydrive: script line 1: no \"never\" within 1 s$" err &&
	grep "^partial$" err &&
	grep "^partial$" out
'

test_expect_success 'ptydrive: a command that ends early fails the expect' '
	echo "expect never" >script &&
	test_expect_code 124 ptydrive script -- sh -c "echo bye" >out 2>err &&
	grep "^ptydrive: script line 1: the command ended without printing \"never\"$" err
'

test_expect_success 'ptydrive: a command that does not end after the script is killed' '
	echo "expect up" >script &&
	test_expect_code 124 ptydrive -t 1 script -- sh -c "echo up; sleep 30" >out 2>err &&
	grep "^ptydrive: after the script: the command did not end within 1 s$" err
'

test_expect_success 'ptydrive: a signal death is 128 + N; a missing command 127' '
	: >script &&
	test_expect_code 137 ptydrive script -- sh -c "kill -9 \$\$" &&
	test_expect_code 127 ptydrive script -- /no/such/command >out &&
	grep "cannot run" out
'

test_expect_success 'ptydrive: -o writes the transcript to a file; -R keeps CR LF' '
	echo "expect hi" >script &&
	ptydrive -o transcript script -- sh -c "echo hi" >out &&
	test_must_be_empty out &&
	echo hi >expect &&
	test_cmp expect transcript &&
	ptydrive -R script -- sh -c "echo hi" >raw &&
	printf "hi\r\n" >expect &&
	test_cmp expect raw
'

test_expect_success 'ptydrive: the script may come from standard input' '
	printf "expect q\nsend 7\nexpect =7\n" |
	ptydrive - -- sh -c "echo q; read x; echo =\$x" >out &&
	grep "^=7$" out
'

test_expect_success 'ptydrive: a bad script or command line is exit 125' '
	echo "frobnicate x" >bad &&
	test_expect_code 125 ptydrive bad -- true 2>err &&
	grep "bad:1: unknown step \"frobnicate\"" err &&
	echo "expect" >bad &&
	test_expect_code 125 ptydrive bad -- true 2>err &&
	grep "bad:1: expect needs some text" err &&
	echo "send \\q" >bad &&
	test_expect_code 125 ptydrive bad -- true 2>err &&
	test_expect_code 125 ptydrive script 2>err &&
	grep "^usage: ptydrive" err &&
	test_expect_code 125 ptydrive -t x script -- true 2>err &&
	test_expect_code 125 ptydrive /no/such/script -- true 2>err
'

test_expect_success 'ptydrive: a long answer and a lot of output do not block' '
	awk "BEGIN { for (i = 0; i < 3000; i++) printf \"x\"; print \"\" }" >long &&
	{ echo "expect answer:" && echo "send $(cat long)" && echo "expect done"; } >script &&
	ptydrive -t 20 script -- sh -c "seq 1 20000; echo answer:; read x; echo \${#x} done" >out &&
	grep "^3000 done$" out &&
	grep "^20000$" out
'

# ---- the binary ----

test_expect_success 'khaosat --version' '
	khaosat --version >out &&
	grep "^khaosat [0-9]" out
'

test_expect_success 'khaosat with no command prints usage, exit 2' '
	test_expect_code 2 khaosat 2>err &&
	grep "^usage: khaosat" err
'

test_expect_success 'khaosat help lists every command' '
	khaosat help >out &&
	for c in init new edit check fmt status commit log show help; do
		grep "^  $c " out || return 1
	done
'

test_done
