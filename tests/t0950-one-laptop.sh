#!/bin/sh
# Nothing a surveyor saved is lost on one laptop: one writer at a time (the
# survey lock), no lock file left by a killed command blocks anyone, and no
# merge, recovery or undo overwrites a file the surveyor changed.
#   HANDS_ROUNDS=100 sh tests/t0950-one-laptop.sh   the longer run
. "$(dirname "$0")/lib.sh"

ROUNDS=${HANDS_ROUNDS:-8}
W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

commit() {
	(cd "$1" && khaosat commit -m "$2" >/dev/null)
}

# Waits (at most 20 s) until process $1 is stopped.
wait_stopped() {
	i=0
	while [ "$(cut -d" " -f3 "/proc/$1/stat" 2>/dev/null)" != T ]; do
		i=$((i + 1))
		[ $i -gt 400 ] && return 1
		sleep 0.05
	done
}

test_expect_success 'setup: the centre and a laptop, a stick between them' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	commit centre "Samples" &&
	mkdir stick &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat clone stick lap --device lap --surveyor "Trần Thị Bình" >/dev/null &&
	tar cf fixture.tar centre stick lap &&
	# A new workshop like W1, without the tax code only W1 may hold (a
	# household business, which may have none).
	grep -v "^tax_code:" lap/$W1 |
	sed "s/^legal_type:.*/legal_type: ho_kinh_doanh/" >from-w1.yaml
'

# ---- the lock ----

test_expect_success 'a lock file left by a killed command is removed, and the command runs' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	for f in refs/heads/main.lock index.lock config.lock HEAD.lock; do
		: >lap/.git/$f || return 1
	done &&
	set_field lap/$W1 /phone "\"0912000001\"" &&
	(cd lap && khaosat commit -m "a phone" 2>err) &&
	grep "note: removed 4 lock files left by a command that was stopped" lap/err &&
	test_path_is_missing lap/.git/refs/heads/main.lock &&
	test_path_is_missing lap/.git/index.lock &&
	git -C lap show main:$W1 | grep -q 0912000001 &&
	: >lap/.git/refs/heads/main.lock &&
	khaosat -C lap sync ../stick >out 2>err &&
	test_path_is_missing lap/.git/refs/heads/main.lock &&
	git -C lap fsck --full --strict
'

test_expect_success 'a lock file that a running git holds is named, with its age and what to do' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	set_field lap/$W1 /phone "\"0912000002\"" &&
	state lap >before &&
	{ python3 -c "
import sys, time
f = open(sys.argv[1], \"w\")
open(sys.argv[2], \"w\").close()
time.sleep(30)
" lap/.git/refs/heads/main.lock ready & holder=$!; } &&
	test_when_finished "kill $holder 2>/dev/null; wait $holder 2>/dev/null; true" &&
	i=0 && while ! test -f ready && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done &&
	test_expect_code 4 khaosat -C lap commit -m x 2>err &&
	grep "refs/heads/main.lock: error: is held by python3 (pid $holder) since [0-9]* seconds ago; nothing was changed; wait for that program to finish, or stop it, then run the command again" err &&
	state lap | grep -v main.lock >after &&
	grep -v main.lock before >before.nolock &&
	test_cmp before.nolock after
'

test_expect_success 'a second writer waits for the first, and says for what' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	set_field lap/$W1 /phone "\"0912000003\"" &&
	mkdir -p lap/.git/khaosat &&
	{ flock lap/.git/khaosat/lock sh -c "echo \"\$\$ khaosat sync\" >lap/.git/khaosat/lock; sleep 2" & holder=$!; } &&
	sleep 0.5 &&
	(cd lap && khaosat commit -m "while a sync runs" 2>../err >/dev/null) &&
	wait $holder &&
	grep "^waiting for khaosat sync (pid [0-9]*) to finish\.\.\.$" err &&
	git -C lap show main:$W1 | grep -q 0912000003
'

test_expect_success 'past the wait: exit 4, the holder named, nothing changed' '
	mkdir -p lap/.git/khaosat &&
	{ flock lap/.git/khaosat/lock sh -c "echo \"\$\$ khaosat sync\" >lap/.git/khaosat/lock; sleep 4" & holder=$!; } &&
	sleep 0.5 &&
	set_field lap/$W1 /phone "\"0912000004\"" &&
	state lap >before &&
	test_expect_code 4 env KHAOSAT_LOCK_TIMEOUT=1 "$KHAOSAT_BIN" -C lap commit -m x 2>err &&
	grep "error: the survey is busy: khaosat sync (pid [0-9]*) was still working after 1 second; nothing was changed; run the command again when it has finished" err &&
	state lap >after &&
	test_cmp before after &&
	test_expect_code 4 env KHAOSAT_LOCK_TIMEOUT=1 "$KHAOSAT_BIN" -C lap status 2>err &&
	grep "the survey is busy" err &&
	wait $holder &&
	khaosat -C lap status >/dev/null
'

test_expect_success "two syncs at once on one laptop: one waits, nothing is undone ($ROUNDS rounds)" '
	rm -rf centre stick lap && tar xf fixture.tar &&
	r=0 &&
	while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)) &&
		set_field centre/$W1 /phone "\"0912010$(printf %03d $r)\"" &&
		set_field centre/$W2 /phone "\"0912020$(printf %03d $r)\"" &&
		commit centre "round $r" &&
		khaosat -C centre sync ../stick >/dev/null &&
		{ khaosat -C lap sync ../stick >out1 2>&1 & p1=$!; } &&
		{ khaosat -C lap sync ../stick >out2 2>&1 & p2=$!; } &&
		wait $p1 && wait $p2 &&
		(cd lap && khaosat status) >st &&
		grep -q "Nothing to save" st &&
		grep -q "0912010$(printf %03d $r)" lap/$W1 &&
		grep -q "0912020$(printf %03d $r)" lap/$W2 &&
		git -C lap diff --quiet main -- records || return 1
	done &&
	git -C lap fsck --full --strict
'

test_expect_success "two new at once: two records, two ids ($ROUNDS rounds)" '
	rm -rf centre stick lap && tar xf fixture.tar &&
	r=0 &&
	while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)) &&
		{ khaosat -C lap new workshop --from "$TRASH/from-w1.yaml" --set name="Cơ sở A$r" >a 2>&1 & p1=$!; } &&
		{ khaosat -C lap new workshop --from "$TRASH/from-w1.yaml" --set name="Cơ sở B$r" >b 2>&1 & p2=$!; } &&
		wait $p1 && wait $p2 || return 1
	done &&
	grep -rl "^name: Cơ sở A" lap/records | wc -l >na &&
	grep -rl "^name: Cơ sở B" lap/records | wc -l >nb &&
	echo $ROUNDS >expect && test_cmp expect na && test_cmp expect nb &&
	ls lap/records/workshop/lap/*/ | grep -c yaml >n &&
	echo $((2 * ROUNDS)) >expect && test_cmp expect n
'

test_expect_success "sync and commit at once: every committed value arrives ($ROUNDS rounds)" '
	rm -rf centre stick lap && tar xf fixture.tar &&
	r=0 &&
	while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)) &&
		set_field centre/$W1 /phone "\"0913010$(printf %03d $r)\"" &&
		commit centre "round $r" &&
		khaosat -C centre sync ../stick >/dev/null &&
		set_field lap/$W2 /phone "\"0913020$(printf %03d $r)\"" &&
		{ khaosat -C lap sync ../stick >out1 2>&1 & p1=$!; } &&
		{ (cd lap && khaosat commit -m "lap $r") >out2 2>&1 & p2=$!; } &&
		wait $p2 &&
		{ wait $p1 || khaosat -C lap sync ../stick >out1; } &&
		git -C lap show main:$W1 | grep -q "0913010$(printf %03d $r)" &&
		git -C lap show main:$W2 | grep -q "0913020$(printf %03d $r)" || return 1
	done &&
	git -C lap fsck --full --strict
'

# (A hand edit is made as an editor makes it: read the file, write it
# back.  If the editor read the file before the sync rewrote it, its save
# puts back the older values of other fields too; that is the editor's
# doing, as with any program that changes a file an editor holds open.
# khaosat edit merges instead: see below.)
test_expect_success "hand edits saved while syncs run are never lost ($ROUNDS rounds)" '
	rm -rf centre stick lap && tar xf fixture.tar &&
	r=0 &&
	while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)) &&
		set_field centre/$W1 /phone "\"0917010$(printf %03d $r)\"" &&
		commit centre "round $r" &&
		khaosat -C centre sync ../stick >/dev/null &&
		{ khaosat -C lap sync ../stick >sync.out 2>&1 & p=$!; } &&
		sleep 0.0$(( (r * 7) % 10 )) &&
		set_field lap/$W1 /main_trade "Nghề $r" &&
		set_field lap/$W2 /main_trade "Nghề $r" &&
		{ wait $p || grep -q "changed while khaosat was merging\|has uncommitted changes" sync.out ||
			{ echo "round $r: the sync failed:"; cat sync.out; false; }; } &&
		for f in $W1 $W2; do
			grep -q "^main_trade: Nghề $r$" lap/$f ||
				{ echo "round $r: the hand edit of $f was lost:"; cat sync.out;
				  grep "^main_trade\|^phone" lap/$f; return 1; }
		done &&
		(cd lap && khaosat commit -m "round $r" >/dev/null) &&
		khaosat -C lap sync ../stick >/dev/null &&
		git -C lap show main:$W1 | grep -q "^main_trade: Nghề $r$" &&
		git -C lap show main:$W2 | grep -q "^main_trade: Nghề $r$" ||
			{ echo "round $r: the hand edits are not on main"; return 1; }
	done &&
	git -C lap fsck --full --strict
'

test_expect_success "two init into one folder at once: one survey, one refusal ($ROUNDS rounds)" '
	r=0 &&
	while [ $r -lt $ROUNDS ]; do
		r=$((r + 1)) &&
		rm -rf two &&
		{ khaosat init two --unsigned --device md01 --surveyor A >i1 2>&1 & p1=$!; } &&
		{ khaosat init two --unsigned --device md02 --surveyor B >i2 2>&1 & p2=$!; } &&
		{ wait $p1; e1=$?; wait $p2; e2=$?; true; } &&
		test $((e1 + e2)) -eq 3 &&
		git -C two fsck --full --strict 2>/dev/null &&
		test "$(git -C two rev-list --count main)" = 1 &&
		(cd two && khaosat status >/dev/null) || return 1
	done
'

# ---- the work tree is the surveyor's ----

test_expect_success 'setup: the centre changes a phone; the laptop sync passes a merge journal' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	set_field centre/$W1 /phone "\"0914000001\"" &&
	commit centre "centre: a phone" &&
	khaosat -C centre sync ../stick >/dev/null &&
	rm -rf trace.lap && cp -R lap trace.lap &&
	KHAOSAT_CRASH_TRACE=$PWD/trace khaosat -C trace.lap sync ../stick >/dev/null &&
	grep -q " merge: journal written$" trace &&
	tar cf fixture2.tar centre stick lap
'

test_expect_success 'recovering an interrupted merge keeps a hand edit of another field' '
	rm -rf centre stick lap && tar xf fixture2.tar &&
	test_expect_code 137 env KHAOSAT_CRASH_AT="merge: journal written" "$KHAOSAT_BIN" -C lap sync ../stick &&
	set_field lap/$W1 /main_trade "Đúc gang và nhôm" &&
	(cd lap && khaosat status) >out 2>err &&
	grep "finished a merge that was interrupted" err &&
	grep "$W1: note: was changed by hand during an interrupted merge: kept, and merged with what the merge brought" err &&
	grep -q "^main_trade: Đúc gang và nhôm$" lap/$W1 &&
	grep -q "^phone: \"0914000001\"$" lap/$W1 &&
	git -C lap show main:$W1 | grep -q 0914000001 &&
	grep -q "md01-0001" out &&
	(cd lap && khaosat commit -m "the trade" >/dev/null) &&
	git -C lap show main:$W1 | grep -q "^main_trade: Đúc gang và nhôm$" &&
	git -C lap fsck --full --strict
'

test_expect_success 'recovering keeps a hand edit of the same field as a proposal' '
	rm -rf centre stick lap && tar xf fixture2.tar &&
	old=$(grep "^phone:" lap/$W1) &&
	test_expect_code 137 env KHAOSAT_CRASH_AT="merge: journal written" "$KHAOSAT_BIN" -C lap sync ../stick &&
	set_field lap/$W1 /phone "\"0987654321\"" &&
	(cd lap && khaosat status) >out 2>err &&
	grep "1 conflict recorded" err &&
	grep -q "^$old$" lap/$W1 &&
	grep -q "0987654321" lap/conflicts/$W1 &&
	grep -q "0914000001" lap/conflicts/$W1 &&
	(cd lap && test_expect_code 1 khaosat conflicts) >c &&
	grep -q "0987654321" c &&
	grep -q "by Trần Thị Bình on lap, .*, not saved to the history yet" c
'

test_expect_success 'a hand edit saved while a sync merges is left as saved, and named' '
	rm -rf centre stick lap && tar xf fixture2.tar &&
	git -C lap rev-parse main >main.before &&
	{ KHAOSAT_CRASH_SIGNAL=STOP KHAOSAT_CRASH_AT="merge: journal written" "$KHAOSAT_BIN" -C lap sync ../stick >out 2>err & pid=$!; } &&
	wait_stopped $pid &&
	set_field lap/$W1 /main_trade "Đúc đồng" &&
	cp lap/$W1 edited &&
	kill -CONT $pid &&
	test_expect_code 1 wait $pid &&
	grep "error: .$W1. changed while khaosat was merging; it was left as you saved it and nothing was merged; save your change to the survey history (.khaosat commit.), then run this again" err &&
	test_cmp edited lap/$W1 &&
	git -C lap rev-parse main >main.after &&
	test_cmp main.before main.after &&
	(cd lap && khaosat commit -m "the trade" >/dev/null) &&
	khaosat -C lap sync ../stick >/dev/null &&
	grep -q "^main_trade: Đúc đồng$" lap/$W1 &&
	grep -q "^phone: \"0914000001\"$" lap/$W1 &&
	git -C lap fsck --full --strict
'

# ---- plain files and folders, main only ----

test_expect_success 'records/ moved to another disk and linked back: refused, nothing deleted' '
	rm -rf centre stick lap big && tar xf fixture.tar &&
	mkdir big && mv lap/records big/ && ln -s "$PWD/big/records" lap/records &&
	git -C lap rev-parse main >before &&
	test_expect_code 1 khaosat -C lap status 2>err &&
	grep "^records: error: is a symbolic link, not a folder; khaosat keeps a survey in plain folders and files, and changed nothing" err &&
	test_expect_code 1 khaosat -C lap check 2>err &&
	grep "^records: error: is a symbolic link" err &&
	! grep "checked 0 records" err &&
	(cd lap && test_must_fail khaosat commit -m "moved" 2>../err) &&
	grep "^records: error: is a symbolic link" err &&
	test_must_fail khaosat -C lap sync ../stick 2>err &&
	grep "^records: error: is a symbolic link" err &&
	git -C lap rev-parse main >after &&
	test_cmp before after &&
	git -C lap ls-tree -r main | grep -q md01-0001.yaml
'

test_expect_success 'a record file that is a link or a named pipe: refused by name, never read' '
	rm -rf centre stick lap big && tar xf fixture.tar &&
	mv lap/$W1 w1.yaml && ln -s "$PWD/w1.yaml" lap/$W1 &&
	test_expect_code 1 khaosat -C lap status 2>err &&
	grep "^$W1: error: is a symbolic link, not a plain file; khaosat keeps records as plain files, and changed nothing" err &&
	(cd lap && test_must_fail khaosat commit -m x 2>../err) &&
	grep "^$W1: error: is a symbolic link" err &&
	rm lap/$W1 && mv w1.yaml lap/$W1 &&
	mkfifo lap/records/workshop/md01/000/md01-0098.yaml &&
	test_expect_code 1 timeout 20 "$KHAOSAT_BIN" -C lap check md01-0098 2>err &&
	grep "md01-0098.yaml: error: is not a plain file (a named pipe, a device or a socket); it was not read" err &&
	test_expect_code 1 timeout 20 "$KHAOSAT_BIN" -C lap stats 2>err &&
	grep "md01-0098.yaml: error: is a named pipe, not a plain file" err &&
	rm lap/records/workshop/md01/000/md01-0098.yaml
'

test_expect_success 'git HEAD on another branch: commit, merge, resolve and sync refuse, main untouched' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	git -C lap checkout -q -b audit main~0 &&
	set_field lap/$W1 /phone "\"0915000001\"" &&
	git -C lap commit -q -am "an auditor'"'"'s branch" &&
	git -C lap rev-parse main >before &&
	set_field lap/$W2 /phone "\"0915000002\"" &&
	(cd lap && test_expect_code 3 khaosat commit -m x 2>../err) &&
	grep "error: the survey is not on main: git.s HEAD is on .audit. (someone ran .git checkout.); nothing was changed; return to main with .git checkout main." err &&
	test_expect_code 3 khaosat -C lap sync ../stick 2>err &&
	grep "the survey is not on main" err &&
	test_expect_code 3 khaosat -C lap merge audit 2>err &&
	grep "the survey is not on main" err &&
	test_expect_code 3 khaosat -C lap resolve md01-0001 /phone --base 2>err &&
	grep "the survey is not on main" err &&
	git -C lap checkout -q --detach &&
	(cd lap && test_expect_code 3 khaosat commit -m x 2>../err) &&
	grep "git.s HEAD is detached at [0-9a-f]\{10\}" err &&
	git -C lap rev-parse main >after &&
	test_cmp before after
'

test_expect_success 'a device or a named pipe as an output is refused, never replaced' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	mkfifo pipe &&
	test_expect_code 4 timeout 20 "$KHAOSAT_BIN" -C lap bundle create ../pipe 2>err &&
	grep "pipe: error: cannot write: it is a named pipe; nothing was written" err &&
	test -p pipe &&
	test_expect_code 4 timeout 20 "$KHAOSAT_BIN" -C lap export --format json -o ../pipe 2>err &&
	test -p pipe &&
	ln -s /dev/null devlink &&
	test_expect_code 4 khaosat -C lap bundle create ../devlink 2>err &&
	grep "devlink: error: cannot write: it is a symbolic link; nothing was written" err &&
	test -L devlink &&
	if test -w /dev/full && test "$(id -u)" = 0; then
		test_expect_code 4 khaosat -C lap bundle create /dev/full 2>err &&
		grep "/dev/full: error: cannot write: it is a device; nothing was written" err &&
		test -c /dev/full
	fi
'

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): durability is not traced"
else
test_expect_success 'saved is durable: a record is flushed, renamed, and its folder flushed' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	# LeakSanitizer cannot run under ptrace; memory errors are still caught.
	(cd lap && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o ../trace -e trace=fsync,fdatasync,rename,renameat,renameat2,openat \
		"$KHAOSAT_BIN" new workshop --from "$TRASH/from-w1.yaml" --set name="Cơ sở X" >/dev/null) &&
	rec=$(ls lap/records/workshop/lap/000/) &&
	awk -v rec="$rec" "
		/openat\\(.*${rec}\\.tmp-.*O_CREAT/ { tmp = 1 }
		tmp && /fsync\\(/ && !renamed { synced = 1 }
		synced && /rename.*\\.tmp-.*${rec}\"/ { renamed = 1; next }
		renamed && /openat\\(.*O_DIRECTORY/ { dir = 1 }
		dir && /fsync\\(/ { ok = 1 }
		END { exit !ok }" trace
'
fi

# ---- edit merges what arrived while the editor was open ----

# An editor that changes FIELD to VALUE in the copy, and meanwhile the
# laptop syncs (what a second terminal would do while the editor is open).
editor_with_sync() {
	cat >editor <<-EOF &&
	#!/bin/sh
	sed -i "s|^$1: .*|$1: $2|" "\$1" &&
	"$KHAOSAT_BIN" -C "$PWD/lap" sync "$PWD/stick" >"$PWD/sync.out" 2>&1
	EOF
	chmod +x editor
}

test_expect_success 'edit merges a change that a sync brought while the editor was open' '
	rm -rf centre stick lap && tar xf fixture2.tar &&
	editor_with_sync main_trade "Đúc gang và nhôm" &&
	(cd lap && EDITOR=../editor khaosat edit md01-0001 >../out 2>&1) &&
	grep "your changes were merged with it, field by field" out &&
	grep -q "^main_trade: Đúc gang và nhôm$" lap/$W1 &&
	grep -q "^phone: \"0914000001\"$" lap/$W1 &&
	test_path_is_missing lap/conflicts/$W1 &&
	(cd lap && khaosat commit -m "trade" >/dev/null) &&
	git -C lap show main:$W1 | grep -q "^phone: \"0914000001\"$"
'

test_expect_success 'edit of the same field a sync changed: a conflict, both values kept' '
	rm -rf centre stick lap && tar xf fixture2.tar &&
	old=$(grep "^phone:" lap/$W1) &&
	editor_with_sync phone "\"0987000111\"" &&
	(cd lap && EDITOR=../editor khaosat edit md01-0001 >../out 2>&1) &&
	grep "1 field that both changed is kept as a conflict" out &&
	grep -q "^$old$" lap/$W1 &&
	grep -q "0987000111" lap/conflicts/$W1 &&
	grep -q "0914000001" lap/conflicts/$W1 &&
	(cd lap && test_expect_code 1 khaosat conflicts -v) >c &&
	grep -q "by Trần Thị Bình on lap, .*, not saved to the history yet" c &&
	grep -q "by Lê Văn Tâm on centre, .*, commit [0-9a-f]\{10\}" c &&
	(cd lap && test_expect_code 1 khaosat conflicts) >c &&
	grep -q "by Lê Văn Tâm on centre, [^,]*$" c
'

test_expect_success 'edit of a record deleted meanwhile keeps the edit' '
	rm -rf centre stick lap && tar xf fixture.tar &&
	cat >editor <<-EOF &&
	#!/bin/sh
	sed -i "s|^main_trade: .*|main_trade: Đúc thép|" "\$1" &&
	rm "$PWD/lap/$W1"
	EOF
	chmod +x editor &&
	(cd lap && EDITOR=../editor khaosat edit md01-0001 >../out 2>&1) &&
	grep -q "^main_trade: Đúc thép$" lap/$W1 &&
	grep -q "deleted: true" lap/conflicts/$W1
'

test_done
