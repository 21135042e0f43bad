#!/bin/sh
# Files on a stick that are not bundle files (a named pipe, a symbolic
# link, a folder) are named and left alone, never waited on, and the rest
# of the sync goes on.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml

# edit DIR FILE PREFIX LINE MESSAGE: one field changed and committed.
edit() {
	set_line "$1/$2" "$3" "$4" &&
	(cd "$1" && khaosat commit -m "$5" >/dev/null)
}

# sync_in DIR [CODE]: a sync that must end within 30 seconds with CODE
# (default 0), its output in out and err.
sync_in() {
	test_expect_code "${2:-0}" timeout 30 "$KHAOSAT_BIN" -C "$1" sync ../stick \
		>out 2>err
}

test_expect_success 'setup: the centre and two laptops, all synced through the stick' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	id=$(sed -n "s/^id: *//p" centre/khaosat.yaml | tr -d "\"") &&
	test -n "$id" &&
	echo "$id" >survey-id &&
	mkdir stick &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat clone stick lap1 --device lap1 --surveyor "Nguyễn Thị Hoa" >/dev/null &&
	khaosat clone stick lap2 --device lap2 --surveyor "Trần Văn Minh" >/dev/null &&
	edit lap1 $W1 "phone:" "phone: \"02253111222\"" "lap1: phone" &&
	khaosat -C lap1 sync ../stick >/dev/null &&
	edit lap2 $W2 "phone:" "phone: \"02253333444\"" "lap2: phone" &&
	khaosat -C lap2 sync ../stick >/dev/null &&
	sync_in centre &&
	test_grep "^  lap2 *2 changed$" out &&
	sed "/^$/q" stick/$id/lap1.bundle | grep -a -q "^-" &&
	test $(wc -c <stick/$id/lap1.bundle) -gt 400
'

test_expect_success 'a named pipe called md07.bundle is named and never waited on' '
	id=$(cat survey-id) &&
	mkfifo stick/$id/md07.bundle &&
	edit lap1 $W1 "phone:" "phone: \"02253777888\"" "lap1: again" &&
	sync_in lap1 1 &&
	test_grep "stick/$id/md07.bundle: error: not a bundle file but a named pipe (FIFO); it was not read" err &&
	sync_in centre 1 &&
	test_grep "stick/$id/md07.bundle: error: not a bundle file but a named pipe (FIFO); it was not read" err &&
	test_grep "^  md07 *refused" out &&
	test_grep "^  lap1 *1 changed$" out &&
	test_grep "^Wrote centre.bundle: full history" out &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" clone stick lap4 --device lap4 --surveyor D >out 2>err &&
	test_grep "md07.bundle: error: not a bundle file but a named pipe (FIFO)" err &&
	test "$(tree lap4)" = "$(tree centre)" &&
	test -p stick/$id/md07.bundle &&
	rm stick/$id/md07.bundle
'

test_expect_success 'a symbolic link called md08.bundle is named, not followed' '
	id=$(cat survey-id) &&
	cp stick/$id/centre.bundle elsewhere.bundle &&
	ln -s "$PWD/elsewhere.bundle" stick/$id/md08.bundle &&
	sync_in centre 1 &&
	test_grep "stick/$id/md08.bundle: error: not a bundle file but a symbolic link; it was not read" err &&
	test_grep "^  md08 *refused" out &&
	test -L stick/$id/md08.bundle &&
	rm stick/$id/md08.bundle
'

test_expect_success 'a folder called md09.bundle is named' '
	id=$(cat survey-id) &&
	mkdir stick/$id/md09.bundle &&
	sync_in centre 1 &&
	test_grep "stick/$id/md09.bundle: error: not a bundle file but a folder; it was not read" err &&
	test_grep "^  md09 *refused" out &&
	rmdir stick/$id/md09.bundle &&
	sync_in centre
'

test_expect_success 'bundle verify, bundle apply and clone of a named pipe end at once' '
	mkfifo pipe.bundle &&
	ln -s pipe.bundle link.bundle &&
	state centre >before &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" -C centre bundle verify ../pipe.bundle 2>err &&
	test_grep "^../pipe.bundle: error: not a bundle file but a named pipe (FIFO); it was not read$" err &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" -C centre bundle apply ../link.bundle 2>err &&
	test_grep "^../link.bundle: error: not a bundle file but a named pipe (FIFO); it was not read$" err &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" -C centre bundle verify .. 2>err &&
	test_grep "^..: error: not a bundle file but a folder; it was not read$" err &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" clone pipe.bundle lap5 --device lap5 --surveyor E 2>err &&
	test_grep "pipe.bundle: error: neither a bundle file nor a folder, but a named pipe (FIFO)" err &&
	test_path_is_missing lap5 &&
	state centre >after &&
	test_cmp before after
'

test_done
