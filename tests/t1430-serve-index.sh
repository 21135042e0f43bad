#!/bin/sh
# The reading index behind khaosat serve's overview, list, search and
# filters, and behind find and dupes: whatever changes a record while the
# server runs (a command, an editor writing in place, a file removed, a
# new device's folder, a form of the form's schema) is on the next page;
# a damaged index is made anew; the index never holds what the records
# do not say.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-serve.sh"

W1=records/workshop/md01/000/md01-0001.yaml
DB=s/.git/khaosat/read-index.sqlite

# count_records PAGE: the number the records page says it lists.
count_records() {
	sed -n "s|^<p>\([0-9]*\) hồ sơ</p>$|\1|p" "$1"
}

# workshops PAGE: the number of workshops the overview counts.
workshops() {
	sed -n "s|^<tr><td>Cơ sở công nghiệp nông thôn</td><td>\([0-9]*\)</td>.*|\1|p" "$1"
}

# in_place FILE OLD NEW: replaces OLD by NEW in FILE without making a new
# file (the same inode, as an editor that writes in place does).
in_place() {
	python3 -c "
import sys
p, old, new = sys.argv[1:]
with open(p, 'r+b') as f:
    t = f.read().replace(old.encode(), new.encode())
    f.seek(0); f.write(t); f.truncate()" "$@"
}

test_expect_success 'set-up: the samples, served; the index is made at start' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	start_server && served &&
	test -s $DB &&
	req -c GET / >out &&
	workshops out >n0 &&
	test "$(cat n0)" = "$(ls s/records/workshop/*/*/*.yaml | wc -l)"
'

test_expect_success 'a name changed in place by an editor is found by the next search' '
	ino=$(stat -c %i s/$W1) &&
	in_place s/$W1 "Cơ khí đúc Hưng Phát" "Cơ khí đúc Trường Xuân" &&
	test "$(stat -c %i s/$W1)" = "$ino" &&
	req -c GET "/records?q=truong%20xuan" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	req -c GET "/records?q=hung%20phat" >out &&
	! grep -q "md01-0001\"" out
'

test_expect_success 'a record added by a command is counted, listed and filtered' '
	grep -v "^\(tax_code\|phone\):" s/$W1 >from.yaml &&
	(cd s && khaosat new workshop --from ../from.yaml \
		--set tax_code=0242424255 >../new.out 2>&1) &&
	id=$(sed -n "s/.*\(md01-[0-9]*\).*/\1/p" new.out | head -1) &&
	test -n "$id" &&
	req -c GET / >out &&
	test "$(workshops out)" = "$(($(cat n0) + 1))" &&
	req -c GET "/records?q=truong%20xuan" >out &&
	grep -q "<a href=\"/records/$id\">$id</a>" out &&
	legal=$(sed -n "s/^legal_type: //p" s/$W1) &&
	req -c GET "/records?kind=workshop&f.legal_type=$legal" >out &&
	grep -q "<a href=\"/records/$id\">$id</a>" out &&
	test "$(count_records out)" = "$(grep -l "^legal_type: $legal$" s/records/workshop/*/*/*.yaml | wc -l)"
'

test_expect_success 'a value changed in place leaves the filter it no longer holds' '
	legal=$(sed -n "s/^legal_type: //p" s/$W1) &&
	other=hop_tac_xa && test "$legal" != $other &&
	in_place s/$W1 "legal_type: $legal" "legal_type: $other" &&
	req -c GET "/records?kind=workshop&f.legal_type=$legal" >out &&
	! grep -q "md01-0001\"" out &&
	req -c GET "/records?kind=workshop&f.legal_type=$other" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	test "$(count_records out)" = "$(grep -l "^legal_type: $other$" s/records/workshop/*/*/*.yaml | wc -l)"
'

test_expect_success 'a record file removed is gone from the count and the list' '
	id=$(sed -n "s/.*\(md01-[0-9]*\).*/\1/p" new.out | head -1) &&
	rm s/$(cd s && ls records/workshop/*/*/$id.yaml) &&
	req -c GET / >out &&
	test "$(workshops out)" = "$(cat n0)" &&
	req -c GET "/records?kind=workshop" >out &&
	! grep -q "$id\"" out
'

test_expect_success 'a new device folder, made while served, is read too' '
	mkdir -p s/records/workshop/md09/000 &&
	sed "s/^id: md01-0001$/id: md09-0001/" s/$W1 >s/records/workshop/md09/000/md09-0001.yaml &&
	req -c GET "/records?q=truong%20xuan" >out &&
	grep -q "<a href=\"/records/md09-0001\">md09-0001</a>" out &&
	in_place s/records/workshop/md09/000/md09-0001.yaml "Trường Xuân" "Bình Minh Mới" &&
	req -c GET "/records?q=binh%20minh%20moi" >out &&
	grep -q "md09-0001\"" out &&
	rm -r s/records/workshop/md09 &&
	req -c GET "/records?q=binh%20minh%20moi" >out &&
	! grep -q "md09-0001\"" out
'

# start_unwatched: start_server, with inotify_init1 failing (strace);
# serve.pid then names the server itself, since strace would leave it
# running when stopped.
start_unwatched() {
	rm -f serve.out
	# LeakSanitizer cannot work under ptrace
	(cd s && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		exec strace -f -o /dev/null -e inject=inotify_init1:error=EMFILE \
		"$KHAOSAT_BIN" serve --port 0 >../serve.out 2>../serve.err) &
	tracer=$!
	for i in $(seq 1 100); do
		ps -o pid= --ppid $tracer >serve.pid && test -s serve.pid && return 0
		sleep 0.1
	done
	return 1
}

if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): no server without a watch"
else
	test_expect_success 'without a watch (inotify refused), each page compares every file' '
		stop_server &&
		start_unwatched && served &&
		req -c GET "/records?q=hung%20phat" >out &&
		! grep -q "md01-0001\"" out &&
		in_place s/$W1 "Trường Xuân" "Hưng Phát" &&
		req -c GET "/records?q=hung%20phat" >out &&
		grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
		in_place s/$W1 "Hưng Phát" "Trường Xuân" &&
		req -c GET "/records?q=hung%20phat" >out &&
		! grep -q "md01-0001\"" out &&
		stop_server &&
		start_server && served
	'
fi

test_expect_success 'find and dupes read the same index, kept fresh by each run' '
	(cd s && khaosat find "truong xuan" >../out) &&
	grep -q "^md01-0001 " out &&
	in_place s/$W1 "Trường Xuân" "Phú Lộc Tây" &&
	(cd s && test_must_fail khaosat find "truong xuan" >../out) &&
	(cd s && khaosat find "phu loc tay" >../out) &&
	grep -q "^md01-0001 " out &&
	(cd s && khaosat dupes >../out 2>&1; test $? -le 1)
'

test_expect_success 'a record that does not read is listed by id, and left out of find' '
	printf "name: [unclosed\n" >>s/$W1 &&
	req -c GET "/records?kind=workshop" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	(cd s && khaosat find "phu loc tay" >../out 2>../err; test $? -le 1) &&
	! grep -q "^md01-0001 " out &&
	grep -q "md01-0001" err &&
	(cd s && git checkout -q -- $W1)
'

test_expect_success 'a damaged index is made anew, by the server and by find' '
	stop_server &&
	head -c 5000 /dev/urandom >$DB &&
	rm -f $DB-wal $DB-shm &&
	start_server && served &&
	req -c GET "/records?q=hung%20phat" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	req -c GET / >out &&
	test "$(workshops out)" = "$(cat n0)" &&
	stop_server &&
	printf "SQLite format 3\000garbage" >$DB &&
	(cd s && khaosat find "hung phat" >../out) &&
	grep -q "^md01-0001 " out &&
	python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute(\"PRAGMA integrity_check\").fetchone()[0] == \"ok\"
n = c.execute(\"SELECT count(*) FROM rec\").fetchone()[0]
assert n == int(sys.argv[2]), n" $DB "$(ls s/records/*/*/*/*.yaml | wc -l)"
'

test_expect_success 'a choice field added to the form is filtered at once' '
	python3 -c "
import sys
p = sys.argv[1]
t = open(p, encoding=\"utf-8\").read()
add = (\"  kiln_kind:\n    title: Loại lò\n    enum: [lo_dien, lo_than]\n\")
t = t.replace(\"  association_member:\n\", add + \"  association_member:\n\", 1)
open(p, \"w\", encoding=\"utf-8\").write(t)" s/schema/workshop.yaml &&
	printf "kiln_kind: lo_dien\n" >>s/$W1 &&
	start_server && served &&
	req -c GET "/records?kind=workshop&f.kiln_kind=lo_dien" >out &&
	grep -q "<a href=\"/records/md01-0001\">md01-0001</a>" out &&
	test "$(count_records out)" = 1 &&
	req -c GET "/records?kind=workshop&f.kiln_kind=lo_than" >out &&
	! grep -q "md01-0001\"" out
'

test_expect_success 'a brand form offers the workshops by their names of now' '
	in_place s/$W1 "Cơ khí đúc Hưng Phát" "Cơ khí đúc Tân Lập" &&
	req -c GET /new/brand >out &&
	grep -q "<datalist id=\"ref-workshop\">" out &&
	grep -q "<option value=\"md01-0001\">Công ty TNHH Cơ khí đúc Tân Lập, " out &&
	test "$(grep -o "<option value=\"[a-z0-9]*-[0-9]*\">" out | sort -u | wc -l)" = \
		"$(ls s/records/workshop/*/*/*.yaml | wc -l)" &&
	! grep -q "<option value=\"md01-0001\">[^<]*Hưng Phát" out
'

test_expect_success 'stop' '
	stop_server
'

test_done
