#!/bin/sh
# khaosat sync and clone through a stick folder: a centre and laptops that
# exchange bundles (one shared whole history, and each laptop's work beyond
# it), relay
# between laptops that never meet, conflicts that never stop a sync, and
# bundles that are refused (damaged, hostile, missing a prerequisite)
# while the others still apply.  Plain git is the witness.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml

# edit DIR FILE PREFIX LINE MESSAGE: one field changed and committed.
edit() {
	set_line "$1/$2" "$3" "$4" &&
	(cd "$1" && khaosat commit -m "$5" >/dev/null)
}

test_expect_success 'setup: the centre with the samples' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	id=$(sed -n "s/^id: *//p" centre/khaosat.yaml | tr -d "\"") &&
	test -n "$id" &&
	echo "$id" >survey-id &&
	mkdir stick
'

test_expect_success 'the first sync writes the shared bundle, whole, under the survey id' '
	id=$(cat survey-id) &&
	khaosat -C centre sync ../stick >out &&
	grep -q "^Wrote _base.bundle: the whole survey history, shared by every laptop, 2 saves, " out &&
	grep -q "^Wrote centre.bundle: nothing beyond the shared bundle, " out &&
	test_path_is_file stick/$id/_base.bundle &&
	test_path_is_file stick/$id/README.txt &&
	cp stick/$id/_base.bundle first.bundle &&
	grep -q "khaosat clone" stick/$id/README.txt &&
	! { sed "/^$/q" stick/$id/_base.bundle | grep -a -q "^-"; } &&
	git -C centre bundle verify ../stick/$id/_base.bundle >verify 2>&1 &&
	grep -q "complete history" verify &&
	git clone -q stick/$id/_base.bundle gitcopy &&
	test "$(tree gitcopy)" = "$(tree centre)" &&
	git -C gitcopy fsck --full --strict
'

test_expect_success 'the device bundle requires the shared tip; git reads both' '
	id=$(cat survey-id) &&
	grep -a -q "^-$(git -C centre rev-parse main) " stick/$id/centre.bundle &&
	git -C centre bundle verify ../stick/$id/centre.bundle &&
	git -C gitcopy pull -q --ff-only ../stick/$id/centre.bundle main &&
	test "$(git -C gitcopy rev-parse HEAD)" = "$(git -C centre rev-parse main)"
'

test_expect_success 'a second sync with nothing new leaves the stick alone' '
	id=$(cat survey-id) &&
	ls -l --time-style=full-iso stick/$id >before &&
	khaosat -C centre sync ../stick >out &&
	grep -q "^centre.bundle there is up to date\.$" out &&
	grep -q "^Nothing came in: the survey history is as it was\.$" out &&
	! grep -v "^From " out | grep -q "main\|commit\|[0-9a-f]\{10\}" &&
	khaosat -C centre sync -v ../stick >out &&
	grep -q "^main unchanged at $(git -C centre rev-parse --short=10 main)\.$" out &&
	ls -l --time-style=full-iso stick/$id >after &&
	test_cmp before after
'

test_expect_success 'clone sets up a laptop from the stick' '
	khaosat clone stick lap1 --device lap1 --surveyor "Nguyễn Thị Hoa" >out &&
	grep -q "^Set up survey \"Mỹ Đồng\" (id $(cat survey-id)) in " out &&
	test "$(tree lap1)" = "$(tree centre)" &&
	test "$(git -C lap1 config khaosat.device)" = lap1 &&
	test "$(git -C lap1 config khaosat.surveyor)" = "Nguyễn Thị Hoa" &&
	test "$(git -C lap1 symbolic-ref HEAD)" = refs/heads/main &&
	(cd lap1 && khaosat status >status) &&
	grep -q "Nothing to save" lap1/status &&
	git -C lap1 fsck --full
'

test_expect_success 'clone also takes the survey folder, a bundle file and a git repository' '
	id=$(cat survey-id) &&
	khaosat clone stick/$id c1 --device cc1 --surveyor A >/dev/null &&
	khaosat clone stick/$id/_base.bundle c2 --device cc2 --surveyor B >/dev/null &&
	khaosat clone centre c3 --device cc3 --surveyor C >/dev/null &&
	for c in c1 c2 c3; do test "$(tree $c)" = "$(tree centre)" || return 1; done &&
	test "$(git -C c3 remote)" = centre
'

test_expect_success 'clone refuses a device id in use, a used folder, no source' '
	test_expect_code 3 khaosat clone stick x1 --device centre --surveyor A 2>err &&
	grep -q "device id \"centre\" is already used on this stick" err &&
	test_path_is_missing x1 &&
	test_expect_code 3 khaosat clone stick x2 --device md01 --surveyor A 2>err &&
	grep -q "device id \"md01\" is already used by records in this survey" err &&
	test_path_is_missing x2 &&
	mkdir x3 && echo keep >x3/file &&
	test_expect_code 3 khaosat clone stick x3 --device zz9 --surveyor A 2>err &&
	grep -q "already exists and is not empty" err &&
	test "$(cat x3/file)" = keep &&
	test_expect_code 1 khaosat clone nosuch x4 --device zz9 --surveyor A 2>err &&
	grep -q "no such file or folder" err &&
	test_path_is_missing x4 &&
	test_expect_code 2 khaosat clone stick x5 --device ZZ --surveyor A 2>err &&
	test_path_is_missing x5 &&
	mkdir x6 &&
	test_expect_code 1 khaosat clone x6 x7 --device zz9 --surveyor A 2>err &&
	grep -q "holds no khaosat bundles" err
'

test_expect_success 'a laptop writes only what the others lack' '
	id=$(cat survey-id) &&
	edit lap1 $W1 "phone:" "phone: \"02253111222\"" "lap1: phone" &&
	khaosat -C lap1 sync ../stick >out &&
	grep -q "^Wrote lap1.bundle: what the shared bundle lacks, 1 save, " out &&
	! grep -q "_base.bundle" out &&
	grep -a -q "^-$(git -C centre rev-parse main) " stick/$id/lap1.bundle &&
	test $(wc -c <stick/$id/lap1.bundle) -lt $(wc -c <stick/$id/_base.bundle) &&
	git -C centre bundle verify ../stick/$id/lap1.bundle
'

test_expect_success 'the centre takes the change and says where it came from' '
	khaosat -C centre sync ../stick >out &&
	grep -q "^  lap1 *1 changed$" out &&
	grep -q "^phone: \"02253111222\"$" centre/$W1 &&
	test "$(tree centre)" = "$(tree lap1)" &&
	git -C centre fsck --full
'

test_expect_success 'sync refuses uncommitted changes and touches nothing' '
	id=$(cat survey-id) &&
	echo "# draft" >>lap1/$W2 &&
	state lap1 >before &&
	ls -l --time-style=full-iso stick/$id >stick.before &&
	test_expect_code 1 khaosat -C lap1 sync ../stick >out 2>err &&
	grep -q "uncommitted changes; commit them first" err &&
	state lap1 >after &&
	test_cmp before after &&
	ls -l --time-style=full-iso stick/$id >stick.after &&
	test_cmp stick.before stick.after &&
	git -C lap1 checkout -q -- $W2
'

test_expect_success 'relay: a change reaches a laptop that never met its maker' '
	khaosat clone stick lap2 --device lap2 --surveyor "Trần Văn Minh" >/dev/null &&
	mkdir stick2 &&
	khaosat -C centre sync ../stick2 >/dev/null &&
	khaosat -C lap2 sync ../stick2 >/dev/null &&
	mv lap2 lap2.away &&
	edit lap1 $W2 "phone:" "phone: \"02253333444\"" "lap1: phone of W2" &&
	khaosat -C lap1 sync ../stick >/dev/null &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat -C centre sync ../stick2 >/dev/null &&
	mv lap2.away lap2 &&
	khaosat -C lap2 sync ../stick2 >out &&
	grep -q "^  centre *1 changed$" out &&
	grep -q "^phone: \"02253333444\"$" lap2/$W2 &&
	test_path_is_missing stick2/$(cat survey-id)/lap1.bundle
'

test_expect_success 'a conflict is recorded and the sync finishes' '
	edit lap1 $W3 "phone:" "phone: \"02253555666\"" "lap1: W3" &&
	edit lap2 $W3 "phone:" "phone: \"02253777888\"" "lap2: W3" &&
	khaosat -C lap1 sync ../stick >/dev/null &&
	khaosat -C lap2 sync ../stick >out &&
	grep -q "^  lap1 .*1 conflict kept for review$" out &&
	grep -q "khaosat conflicts" out &&
	test_expect_code 1 khaosat -C lap2 conflicts >c &&
	grep -q "02253555666" c &&
	grep -q "02253777888" c
'

test_expect_success 'everyone converges after syncing twice' '
	for round in 1 2; do
		for l in centre lap1 lap2; do
			khaosat -C $l sync ../stick >/dev/null || return 1
		done
	done &&
	test "$(tree centre)" = "$(tree lap1)" &&
	test "$(tree centre)" = "$(tree lap2)" &&
	for l in centre lap1 lap2; do
		git -C $l fsck --full --strict 2>err && test_must_be_empty err || return 1
	done
'

test_expect_success 'git verifies every bundle on the stick; one of them is full' '
	id=$(cat survey-id) &&
	full=0 &&
	for b in stick/$id/*.bundle; do
		git -C centre bundle verify ../$b >/dev/null 2>&1 || return 1
		sed "/^$/q" $b | grep -a -q "^-" || full=$((full + 1))
	done &&
	test $full -ge 1
'

test_expect_success 'a new laptop set up from the stick alone has everything' '
	khaosat clone stick lap3 --device lap3 --surveyor C >/dev/null &&
	test "$(tree lap3)" = "$(tree centre)"
'

test_expect_success 'an unfinished temporary file of this device is swept' '
	id=$(cat survey-id) &&
	echo partial >stick/$id/lap1.bundle.tmp-AbC123 &&
	edit lap1 $W1 "phone:" "phone: \"02253999000\"" "lap1: again" &&
	khaosat -C lap1 sync ../stick >out &&
	grep -q "^Removed 1 unfinished temporary file\.$" out &&
	test_path_is_missing stick/$id/lap1.bundle.tmp-AbC123
'

test_expect_success 'a damaged bundle is refused by name; the others still apply' '
	id=$(cat survey-id) &&
	edit lap2 $W2 "phone:" "phone: \"02253121212\"" "lap2: W2" &&
	khaosat -C lap2 sync ../stick >/dev/null &&
	cp stick/$id/lap2.bundle lap2.good &&
	size=$(wc -c <stick/$id/lap2.bundle) &&
	printf "\377" | dd of=stick/$id/lap2.bundle bs=1 seek=$((size - 30)) \
		count=1 conv=notrunc 2>/dev/null &&
	state centre >before &&
	test_expect_code 1 khaosat -C centre sync ../stick >out 2>err &&
	grep -q "lap2.bundle: error: the pack is damaged" err &&
	grep -q "^  lap2 *refused" out &&
	grep -q "^  lap1 *1 changed$" out &&
	grep -q "^Wrote centre.bundle: what the shared bundle lacks" out &&
	grep -q "^phone: \"02253999000\"$" centre/$W1 &&
	! grep -q "02253121212" centre/$W2 &&
	git -C centre fsck --full &&
	cp lap2.good stick/$id/lap2.bundle
'

test_expect_success 'the shared bundle goes first; one that needs a missing commit says so' '
	id=$(cat survey-id) &&
	make_survey other zz1 "Người khác" &&
	mkdir -p lone/$id &&
	cp stick/$id/lap2.bundle stick/$id/_base.bundle lone/$id/ &&
	khaosat clone lone lap4 --device lap4 --surveyor D >/dev/null &&
	test "$(tree lap4)" = "$(tree lap2)" &&
	rm lone/$id/_base.bundle &&
	git -C lap2 bundle create -q ../lone/$id/lap2.bundle main ^main~1 &&
	khaosat clone first.bundle lap5 --device lap5 --surveyor D >/dev/null &&
	git -C lap5 rev-parse main >lap5.before &&
	test_expect_code 1 khaosat -C lap5 sync ../lone >out 2>err &&
	grep -q "lap2.bundle: error: not applied: it needs commit [0-9a-f]\{10\}" err &&
	grep -q "^  lap2 *not applied" out &&
	test "$(git -C lap5 rev-parse main)" = "$(cat lap5.before)"
'

test_expect_success 'a bundle of another survey is refused' '
	id=$(cat survey-id) &&
	khaosat -C other bundle create ../other.bundle >/dev/null &&
	cp other.bundle stick/$id/zz1.bundle &&
	test_expect_code 1 khaosat -C centre sync ../stick 2>err &&
	grep -q "zz1.bundle: error: the bundle belongs to another survey" err &&
	rm stick/$id/zz1.bundle
'

test_expect_success 'a hostile bundle on the stick is refused by its reason' '
	id=$(cat survey-id) &&
	git clone -q centre h &&
	link=$(printf "/etc/passwd" | git -C h hash-object -w --stdin) &&
	rec=$({ git -C h ls-tree main:records &&
		printf "120000 blob %s\tevil.yaml\n" $link; } | git -C h mktree) &&
	root=$({ git -C h ls-tree main | grep -v "	records\$" &&
		printf "040000 tree %s\trecords\n" $rec; } | git -C h mktree) &&
	c=$(git -C h commit-tree -p main -m evil $root) &&
	git -C h update-ref refs/heads/main $c &&
	git -C h bundle create -q ../stick/$id/zz2.bundle main &&
	state centre >before &&
	test_expect_code 1 khaosat -C centre sync ../stick >out 2>err &&
	grep -q "zz2.bundle: error: unsafe tree in commit [0-9a-f]*: records/evil.yaml: a symbolic link is not allowed" err &&
	grep -q "^  zz2 *refused" out &&
	test_path_is_missing centre/records/evil.yaml &&
	git -C centre fsck --full &&
	! git -C centre cat-file -e $c 2>/dev/null &&
	rm stick/$id/zz2.bundle
'

test_expect_success 'a stick with two surveys: clone asks which' '
	khaosat -C other sync ../stick >/dev/null &&
	test_expect_code 1 khaosat clone stick x8 --device zz8 --surveyor A 2>err &&
	grep -q "holds 2 surveys; give the folder of one" err &&
	test_path_is_missing x8
'

test_expect_success 'the shared bundle stays while the work beyond it is under 1 MiB' '
	id=$(cat survey-id) &&
	for l in centre lap1 lap2; do
		khaosat -C $l sync ../stick >/dev/null || return 1
	done &&
	cp stick/$id/_base.bundle base.before &&
	edit lap1 $W1 "phone:" "phone: \"02253000111\"" "lap1: small" &&
	khaosat -C lap1 sync ../stick >out &&
	grep -q "^Wrote lap1.bundle: what the shared bundle lacks, " out &&
	! grep -q "_base.bundle" out &&
	cmp base.before stick/$id/_base.bundle
'

test_expect_success 'with khaosat.stickRewrite 0, the shared bundle is written anew once the work beyond it outweighs a quarter of it' '
	id=$(cat survey-id) &&
	n=0 &&
	for f in lap1/records/*/*/*/*.yaml; do
		n=$((n + 1)) &&
		set_line "$f" "name:" "name: \"Cơ sở số $n\"" || return 1
	done &&
	(cd lap1 && khaosat commit -m "lap1: every name" >/dev/null) &&
	khaosat -C lap1 sync ../stick >out &&
	! grep -q "_base.bundle" out &&
	cmp base.before stick/$id/_base.bundle &&
	test $(cat stick/$id/[a-z]*.bundle | wc -c) -gt $(($(wc -c <base.before) / 4)) &&
	git -C lap1 config khaosat.stickRewrite 0 &&
	edit lap1 $W2 "phone:" "phone: \"02253000222\"" "lap1: one more" &&
	khaosat -C lap1 sync ../stick >out &&
	grep -q "^Wrote _base.bundle: the whole survey history, shared by every laptop, " out &&
	grep -q "^Wrote lap1.bundle: nothing beyond the shared bundle, " out &&
	git -C lap1 bundle list-heads ../stick/$id/_base.bundle refs/heads/main >heads &&
	test "$(cut -d" " -f1 heads)" = "$(git -C lap1 rev-parse main)" &&
	git -C lap1 config --unset khaosat.stickRewrite
'

test_expect_success 'after the new shared bundle, every laptop converges and a new one sets up' '
	id=$(cat survey-id) &&
	for l in centre lap2 lap1; do
		khaosat -C $l sync ../stick >/dev/null || return 1
	done &&
	grep -a -q "^-$(cut -d" " -f1 heads) " stick/$id/centre.bundle &&
	for b in stick/$id/*.bundle; do
		git -C centre bundle verify ../$b >/dev/null 2>&1 || return 1
	done &&
	khaosat clone stick/$id lap6 --device lap6 --surveyor F >/dev/null &&
	test "$(tree lap6)" = "$(tree centre)" &&
	test "$(tree lap1)" = "$(tree centre)" &&
	git -C lap6 fsck --full --strict
'

test_expect_success 'a missing stick is named' '
	test_expect_code 1 khaosat -C centre sync ../nostick 2>err &&
	grep -q "no such folder (is the stick plugged in and mounted?)" err
'

test_expect_success 'sync and clone: usage' '
	test_expect_code 2 khaosat -C centre sync 2>err &&
	test_expect_code 2 khaosat -C centre sync a b 2>err &&
	test_expect_code 2 khaosat clone stick 2>err &&
	test_expect_code 2 khaosat clone stick x9 --device zz 2>err
'

test_done
