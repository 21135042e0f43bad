#!/bin/sh
# A stick's bundles are checked, not trusted by their header: a bundle
# damaged on the stick (a byte flipped, cut short) is named even when it
# brings nothing new, this device's own and the stick's shared bundle are
# written anew, and a new laptop
# can be set up from the stick afterwards.  What was read whole once is
# kept in .git/khaosat/bundle-cache, so an unchanged bundle is not read
# again.  Files on the stick that are not bundle files (a named pipe, a
# symbolic link, a folder) are named and left alone, never waited on.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml

# edit DIR FILE PREFIX LINE MESSAGE: one field changed and committed.
edit() {
	set_line "$1/$2" "$3" "$4" &&
	(cd "$1" && khaosat commit -m "$5" >/dev/null)
}

# flip FILE OFFSET: inverts the bits of one byte.
flip() {
	flip_byte_=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d " ") &&
	printf "$(printf '\\%03o' $((flip_byte_ ^ 255)))" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

# pack_middle FILE: the offset halfway through the pack of a bundle, far
# from its header and from the checksum at its end.
pack_middle() {
	pack_h_=$(sed "/^$/q" "$1" | wc -c) &&
	pack_s_=$(wc -c <"$1") &&
	echo $((pack_h_ + (pack_s_ - pack_h_) / 2))
}

# damage FILE: one byte flipped in the middle of its pack, as a worn
# stick or a bad copy leaves it.  The pack's checksum at the end of the
# file stays as it was: only reading the whole pack shows the damage.
damage() {
	tail -c 20 "$1" >trailer.before &&
	flip "$1" "$(pack_middle "$1")" &&
	tail -c 20 "$1" >trailer.after &&
	cmp -s trailer.before trailer.after
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

test_expect_success 'a flipped byte in a bundle that brings nothing new is named; the rest applies' '
	id=$(cat survey-id) &&
	edit lap2 $W3 "phone:" "phone: \"02253555666\"" "lap2: W3" &&
	sync_in lap2 &&
	damage stick/$id/lap1.bundle &&
	sync_in centre 1 &&
	test_grep "stick/$id/lap1.bundle: error: .*damaged" err &&
	test_grep "stick/$id/lap1.bundle: note: lap1.s bundle on this stick is damaged and was not used; sync lap1 with this stick again to write it anew" err &&
	test_grep "^  lap1 *refused" out &&
	test_grep "^  lap2 *1 changed$" out &&
	test_grep "^phone: \"02253555666\"$" centre/$W3 &&
	test_grep "^Wrote centre.bundle: what the shared bundle lacks" out &&
	git -C centre fsck --full
'

test_expect_success 'the damage is named again on the next sync: it is not remembered as good' '
	sync_in centre 1 &&
	test_grep "lap1.bundle: error: .*damaged" err &&
	test_grep "^  lap1 *refused" out
'

test_expect_success 'the device whose bundle was damaged writes it anew' '
	id=$(cat survey-id) &&
	sync_in lap1 &&
	test_grep "lap1.bundle: warning: .*damaged.*(this device.s own bundle, written again below)" err &&
	test_grep "^Wrote lap1.bundle again (the one there could not be used): " out &&
	git -C lap1 bundle verify ../stick/$id/lap1.bundle &&
	git clone -q --bare centre witness.git &&
	git -C witness.git fetch -q ../stick/$id/lap1.bundle main:refs/heads/lap1 &&
	git -C witness.git fsck --full &&
	sync_in centre &&
	test_must_be_empty err
'

test_expect_success 'the shared bundle damaged: clone says so, a sync writes it anew' '
	id=$(cat survey-id) &&
	damage stick/$id/_base.bundle &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" clone stick lap3 --device lap3 --surveyor C 2>err &&
	test_grep "_base.bundle: error: .*damaged" err &&
	test_path_is_missing lap3 &&
	sync_in lap2 &&
	test_grep "_base.bundle: warning: .*damaged.*(the stick.s shared bundle, written again below)" err &&
	test_grep "^  (shared) *not usable" out &&
	test_grep "^Wrote _base.bundle again (the one there could not be used): the whole survey history" out &&
	git -C centre bundle verify ../stick/$id/_base.bundle &&
	git clone -q stick/$id/_base.bundle base.copy &&
	test "$(tree base.copy)" = "$(tree lap2)" &&
	git -C base.copy fsck --full &&
	sync_in centre &&
	test_must_be_empty err
'

test_expect_success 'this device'"'"'s own bundle damaged: written anew, git verifies it' '
	id=$(cat survey-id) &&
	edit centre $W1 "phone:" "phone: \"02253111333\"" "centre: W1" &&
	sync_in centre &&
	damage stick/$id/centre.bundle &&
	sync_in centre &&
	test_grep "centre.bundle: warning: .*damaged.*(this device.s own bundle, written again below)" err &&
	test_grep "^Wrote centre.bundle again (the one there could not be used): what the shared bundle lacks" out &&
	git -C centre bundle verify ../stick/$id/centre.bundle
'

test_expect_success 'a new laptop set up from the repaired stick has everything' '
	id=$(cat survey-id) &&
	test_expect_code 0 timeout 30 env KHAOSAT_CRASH_TRACE=$PWD/trace.clone \
		"$KHAOSAT_BIN" clone stick lap3 --device lap3 --surveyor C >out &&
	test "$(tree lap3)" = "$(tree centre)" &&
	git -C lap3 fsck --full &&
	grep "bundle-import: indexed" trace.clone >indexed &&
	ls stick/$id/*.bundle >bundles &&
	test_line_count = $(wc -l <bundles) indexed
'

test_expect_success 'truncated bundles: another device'"'"'s is named, this device'"'"'s written anew' '
	id=$(cat survey-id) &&
	for l in lap1 lap2; do sync_in $l || return 1; done &&
	sync_in centre &&
	s=$(wc -c <stick/$id/lap2.bundle) &&
	truncate -s $((s - 30)) stick/$id/lap2.bundle &&
	s=$(wc -c <stick/$id/centre.bundle) &&
	truncate -s $((s / 2)) stick/$id/centre.bundle &&
	sync_in centre 1 &&
	test_grep "lap2.bundle: error: .*damaged" err &&
	test_grep "lap2.bundle: note: lap2.s bundle on this stick is damaged" err &&
	test_grep "centre.bundle: warning: " err &&
	test_grep "^Wrote centre.bundle again" out &&
	git -C centre bundle verify ../stick/$id/centre.bundle &&
	sync_in lap2 &&
	test_grep "^Wrote lap2.bundle again" out &&
	sync_in centre &&
	test_must_be_empty err
'

test_expect_success 'a named pipe called md07.bundle is named and never waited on' '
	id=$(cat survey-id) &&
	test_when_finished "rm -f stick/$id/md07.bundle" &&
	mkfifo stick/$id/md07.bundle &&
	edit lap1 $W1 "phone:" "phone: \"02253777888\"" "lap1: again" &&
	sync_in lap1 1 &&
	test_grep "stick/$id/md07.bundle: error: not a bundle file but a named pipe (FIFO); it was not read" err &&
	sync_in centre 1 &&
	test_grep "stick/$id/md07.bundle: error: not a bundle file but a named pipe (FIFO); it was not read" err &&
	test_grep "^  md07 *refused" out &&
	test_grep "^  lap1 *1 changed$" out &&
	test_grep "^Wrote centre.bundle: what the shared bundle lacks" out &&
	test_expect_code 1 timeout 30 "$KHAOSAT_BIN" clone stick lap4 --device lap4 --surveyor D >out 2>err &&
	test_grep "md07.bundle: error: not a bundle file but a named pipe (FIFO)" err &&
	test "$(tree lap4)" = "$(tree centre)" &&
	test -p stick/$id/md07.bundle
'

test_expect_success 'a symbolic link called md08.bundle is named, not followed' '
	id=$(cat survey-id) &&
	cp stick/$id/centre.bundle elsewhere.bundle &&
	test_when_finished "rm -f stick/$id/md08.bundle" &&
	ln -s "$PWD/elsewhere.bundle" stick/$id/md08.bundle &&
	sync_in centre 1 &&
	test_grep "stick/$id/md08.bundle: error: not a bundle file but a symbolic link; it was not read" err &&
	test_grep "^  md08 *refused" out &&
	test -L stick/$id/md08.bundle
'

test_expect_success 'a folder called md09.bundle is named' '
	id=$(cat survey-id) &&
	test_when_finished "rmdir stick/$id/md09.bundle" &&
	mkdir stick/$id/md09.bundle &&
	sync_in centre 1 &&
	test_grep "stick/$id/md09.bundle: error: not a bundle file but a folder; it was not read" err &&
	test_grep "^  md09 *refused" out
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

test_expect_success 'an unchanged bundle is read whole once, then the cache answers' '
	rm -f centre/.git/khaosat/bundle-cache trace1 trace2 &&
	test_expect_code 0 timeout 30 env KHAOSAT_CRASH_TRACE=$PWD/trace1 \
		"$KHAOSAT_BIN" -C centre sync ../stick >out &&
	grep "bundle-import: indexed" trace1 >indexed &&
	n=$(ls stick/$(cat survey-id)/*.bundle | wc -l) &&
	test "$n" -ge 3 &&
	test_line_count = $n indexed &&
	test_path_is_file centre/.git/khaosat/bundle-cache &&
	: >trace2 &&
	test_expect_code 0 timeout 30 env KHAOSAT_CRASH_TRACE=$PWD/trace2 \
		"$KHAOSAT_BIN" -C centre sync ../stick >out &&
	! grep "bundle-import" trace2
'

test_expect_success 'a bundle this laptop wrote is not read back at its next sync' '
	edit centre $W2 "phone:" "phone: \"02253444555\"" "centre: W2" &&
	sync_in centre &&
	test_grep "^Wrote centre.bundle: " out &&
	: >trace3 &&
	test_expect_code 0 timeout 30 env KHAOSAT_CRASH_TRACE=$PWD/trace3 \
		"$KHAOSAT_BIN" -C centre sync ../stick >out &&
	! grep "bundle-import" trace3
'

test_expect_success 'the cache is trusted: a byte changed behind its back goes unseen until it is gone' '
	id=$(cat survey-id) &&
	n=0 &&
	for f in lap1/records/workshop/*/*/*.yaml; do
		n=$((n + 1)) &&
		set_line "$f" "phone:" "phone: \"0225344$(printf %04d $n)\"" || return 1
	done &&
	(cd lap1 && khaosat commit -m "lap1: every phone" >/dev/null) &&
	sync_in lap1 &&
	sync_in centre &&
	b=stick/$id/lap1.bundle &&
	test $(wc -c <$b) -gt 4096 &&
	cp -p $b lap1.keep &&
	damage $b &&
	touch -r lap1.keep $b &&
	sync_in centre &&
	test_grep "^  lap1 *nothing new" out &&
	rm centre/.git/khaosat/bundle-cache &&
	sync_in centre 1 &&
	test_grep "lap1.bundle: error: .*damaged" err
'

test_expect_success 'a damaged cache is rebuilt, never trusted' '
	id=$(cat survey-id) &&
	printf "khaosat-bundle-cache 1\nlap1.bundle 12" >centre/.git/khaosat/bundle-cache &&
	sync_in centre 1 &&
	test_grep "lap1.bundle: error: .*damaged" err &&
	head -n 1 centre/.git/khaosat/bundle-cache >magic &&
	echo "khaosat-bundle-cache 1" >expect &&
	test_cmp expect magic &&
	! grep "^lap1.bundle " centre/.git/khaosat/bundle-cache &&
	grep "^lap2.bundle $(wc -c <stick/$id/lap2.bundle) " centre/.git/khaosat/bundle-cache &&
	echo "garbage" >centre/.git/khaosat/bundle-cache &&
	sync_in centre 1 &&
	test_grep "lap1.bundle: error: .*damaged" err &&
	cp lap1.keep stick/$id/lap1.bundle &&
	sync_in centre &&
	test_must_be_empty err &&
	for b in stick/$id/*.bundle; do
		git -C centre bundle verify "$PWD/$b" >/dev/null 2>&1 || return 1
	done
'

test_done
