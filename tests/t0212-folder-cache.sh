#!/bin/sh
# The walk for new files does not read a folder that held only the
# index's files when it was last read and whose times, inode and entries
# in the index are as noted (.git/khaosat/folders).  Every new file must
# still be found, whatever was done to the folder or the index since.
. "$(dirname "$0")/lib.sh"

W=records/workshop/md01/000
N=$W/md01-0099.yaml
CACHE=s/.git/khaosat/folders

# new_record: a record md01-0099 in the folder $W (md01-0001's copy, so
# invalid: a new file all the same), not committed
new_record() {
	sed "s/^id: .*/id: md01-0099/" "s/$W/md01-0001.yaml" >"s/$N"
}

# listed_new PATH: khaosat status in s lists PATH as new
listed_new() {
	(cd s && khaosat status >../out) &&
	grep -q "^  new  *$1" out
}

test_expect_success 'setup: a committed survey, its folders older than two seconds, listed once' '
	make_survey s &&
	copy_samples s &&
	(cd s && khaosat commit -m samples >/dev/null) &&
	sleep 3 &&
	(cd s && khaosat status >../out) &&
	grep -q "^Nothing to save" out
'

if ! sed -n 2p $CACHE 2>/dev/null | grep -q "^fs [0-9]* -*[0-9]* 1$"; then
	test_skip "the file system of $TRASH is not one whose folders' times khaosat trusts (core/foldercache.h): the note is not used there"
	test_done
	exit 0
fi

test_expect_success 'every folder of the survey is noted' '
	sed -n 1p $CACHE | grep -q "^khaosat-folders 1$" &&
	for f in records records/workshop records/workshop/md01 $W schema; do
		grep -q " $f$" $CACHE || return 1
	done
'

# reads: how many times khaosat status in s read a folder (getdents64;
# LeakSanitizer cannot run under ptrace)
reads() {
	(cd s && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o ../trace -e trace=getdents64 "$KHAOSAT_BIN" status >/dev/null 2>&1) &&
	grep -c "getdents64(" trace
}

# Before anything changes a folder: a folder changed in the last two
# seconds is read whatever the cache says.
if ! command -v strace >/dev/null 2>&1; then
	test_skip "strace is not installed (Debian package strace): the folders read are not counted"
else
	test_expect_success 'a listing reads no folder but the top when every folder is as noted' '
		rm $CACHE &&
		all=$(reads) &&
		noted=$(reads) &&
		echo "read $all times without the cache, $noted with it" &&
		test "$all" -ge 20 &&
		test "$noted" -le 4
	'

	test_expect_success 'a file system found wanting is not trusted, nor tested again' '
		sed -i "2s/ 1$/ 0/" $CACHE &&
		cp $CACHE cache.before &&
		n=$(reads) &&
		test "$n" -ge 20 &&
		test_cmp cache.before $CACHE
	'

	test_expect_success 'another file system is tested again' '
		sed -i "2s/^fs [0-9]* /fs 1 /" $CACHE &&
		reads >/dev/null &&
		sed -n 2p $CACHE | grep -q "^fs [0-9]* -*[0-9]* 1$" &&
		! sed -n 2p $CACHE | grep -q "^fs 1 " &&
		n=$(reads) &&
		test "$n" -le 4 &&
		! ls s/.git/khaosat | grep -q folders-test
	'
fi

test_expect_success 'a test folder that a killed process left is removed at the next test' '
	mkdir -p s/.git/khaosat/folders-test.99999/c &&
	touch -d "2 hours ago" s/.git/khaosat/folders-test.99999 &&
	sed -i "2s/^fs [0-9]* /fs 1 /" $CACHE &&
	(cd s && khaosat status >/dev/null) &&
	test_path_is_missing s/.git/khaosat/folders-test.99999 &&
	sed -n 2p $CACHE | grep -q "^fs [0-9]* -*[0-9]* 1$" &&
	! ls s/.git/khaosat | grep -q folders-test
'

test_expect_success 'a new record in a noted folder is found, and gone when removed' '
	grep -q " $W$" $CACHE &&
	new_record &&
	listed_new $N &&
	rm s/$N &&
	(cd s && khaosat status >../out) &&
	grep -q "^Nothing to save" out
'

test_expect_success 'a new record is found in a folder whose modification time was set back' '
	W2=records/workshop/md02/000 &&
	grep -q " $W2$" $CACHE &&
	m=$(stat -c %.9Y s/$W2) &&
	sed "s/^id: .*/id: md02-0099/" "s/$W2/md02-0001.yaml" >s/$W2/md02-0099.yaml &&
	touch -m -d "@$m" s/$W2 &&
	test "$(stat -c %.9Y s/$W2)" = "$m" &&
	listed_new $W2/md02-0099.yaml &&
	rm s/$W2/md02-0099.yaml
'

test_expect_success 'a file that git no longer holds, left in its folder, is new' '
	B=records/brand/md01/000 &&
	grep -q " $B$" $CACHE &&
	f=$(ls s/$B | head -n 1) &&
	git -C s rm -q --cached $B/$f &&
	git -C s -c user.name=T -c user.email=t@example.vn commit -q -m untrack &&
	test_path_is_file s/$B/$f &&
	listed_new $B/$f &&
	(cd s && khaosat commit -m again >/dev/null) &&
	(cd s && khaosat status >../out) &&
	grep -q "^Nothing to save" out
'

test_expect_success 'a new folder with a record in it, inside a noted folder, is found' '
	grep -q " records/workshop/md02$" $CACHE &&
	mkdir s/records/workshop/md02/009 &&
	sed "s/^id: .*/id: md02-0950/" "s/records/workshop/md02/000/md02-0001.yaml" \
		>s/records/workshop/md02/009/md02-0950.yaml &&
	listed_new records/workshop/md02/009/md02-0950.yaml &&
	rm -r s/records/workshop/md02/009
'

test_expect_success 'a record in a new folder inside a noted folder is found' '
	B2=records/brand/md02/000 &&
	grep -q " $B2$" $CACHE &&
	mkdir s/$B2/sub &&
	f=$(ls s/$B2 | grep yaml | head -n 1) &&
	cp s/$B2/$f s/$B2/sub/$f &&
	listed_new $B2/sub/$f &&
	rm -r s/$B2/sub
'

test_expect_success 'a record made in a folder that was empty when its parent was read is found' '
	mkdir s/records/brand/md01/later &&
	sleep 3 &&
	(cd s && khaosat status >/dev/null) &&
	! grep -q " records/brand/md01$" $CACHE &&
	f=$(ls s/records/brand/md01/000 | head -n 1) &&
	cp s/records/brand/md01/000/$f s/records/brand/md01/later/$f &&
	listed_new records/brand/md01/later/$f &&
	rm -r s/records/brand/md01/later
'

test_expect_success 'a damaged cache is made anew, and nothing new is missed' '
	printf "khaosat-folders 1\nfs 1 2 1\nnot a line\n" >$CACHE &&
	new_record &&
	listed_new $N &&
	sed -n 2p $CACHE | grep -q "^fs [0-9]* -*[0-9]* 1$" &&
	! grep -q "^fs 1 2 1$" $CACHE &&
	head -c 100 /dev/urandom >$CACHE &&
	listed_new $N &&
	sed -n 1p $CACHE | grep -q "^khaosat-folders 1$" &&
	rm s/$N
'

# path_order: the cache's folders, as the file lists them and sorted
path_order() {
	sed 1,2d $CACHE | cut -d" " -f7- >paths &&
	LC_ALL=C sort paths >paths.sorted
}

test_expect_success 'folders out of order: the cache is not used, and made anew' '
	(cd s && khaosat status >/dev/null) &&
	{ sed -n 1,2p $CACHE && sed 1,2d $CACHE | LC_ALL=C sort -r -k7; } >cache.rev &&
	cp cache.rev $CACHE &&
	path_order &&
	! test_cmp paths.sorted paths >/dev/null &&
	new_record &&
	listed_new $N &&
	rm s/$N &&
	(cd s && khaosat status >/dev/null) &&
	path_order &&
	test_cmp paths.sorted paths
'

test_expect_success 'a folder changed less than two seconds before a listing is noted only later' '
	mkdir s/records/workshop/md01/009 &&
	sed -e "s/^id: .*/id: md01-0950/" -e "s/^tax_code: .*/tax_code: \"0200094492\"/" "s/$W/md01-0001.yaml" \
		>s/records/workshop/md01/009/md01-0950.yaml &&
	(cd s && khaosat commit -m md01-0950 >/dev/null && khaosat status >/dev/null) &&
	! grep -q " records/workshop/md01/009$" $CACHE &&
	! grep -q " records/workshop/md01$" $CACHE &&
	grep -q " schema$" $CACHE &&
	sleep 3 &&
	(cd s && khaosat status >/dev/null) &&
	grep -q " records/workshop/md01/009$" $CACHE &&
	grep -q " records/workshop/md01$" $CACHE
'

test_done
