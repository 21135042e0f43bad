#!/bin/sh
# A sync killed with SIGKILL at every point where khaosat stops between two
# steps (KHAOSAT_CRASH_AT, core/crash.h): importing two bundles, merging
# them (a merge commit, a conflict, the work tree), writing the stick's
# shared bundle anew and this device's bundle.  After each kill: git fsck
# is clean, the stick holds a complete shared bundle and a bundle for the
# device (the old ones or the new ones), and running sync again ends
# exactly where an uninterrupted sync ends.
. "$(dirname "$0")/lib.sh"

# Kill points to try: every step, then points spread over the bulk of
# writing and reading pack data up to this many.
POINTS=${CRASH_POINTS:-54}

# edit DIR N VALUE: the phone of sample workshop md01-000N.
edit() {
	set_line "$1/records/workshop/md01/000/md01-000$2.yaml" "phone:" "phone: \"$3\""
}

# phones DIR DEVICE PREFIX: a new phone in every sample workshop of DEVICE.
phones() {
	n=10 &&
	for f in "$1"/records/workshop/$2/000/*.yaml; do
		n=$((n + 1)) &&
		set_line "$f" "phone:" "phone: \"$3$n\"" || return 1
	done
}

commit() {
	(cd "$1" && khaosat commit -m "$2" >/dev/null)
}

# The tree at the tip of the centre's bundle (git bundle verify checks it
# is complete against the centre's repository).
bundle_tree() {
	tip=$(git -C centre bundle list-heads "$PWD/$1" refs/heads/main | cut -d" " -f1) &&
	git -C centre rev-parse "$tip^{tree}"
}

test_expect_success 'setup: a centre behind two laptops, with a conflict to come' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	commit centre "Samples" &&
	mkdir stick &&
	khaosat -C centre sync ../stick >/dev/null &&
	khaosat clone stick lap1 --device lap1 --surveyor A >/dev/null &&
	khaosat clone stick lap2 --device lap2 --surveyor B >/dev/null &&
	phones lap1 md01 022531110 &&
	commit lap1 "lap1: phones" &&
	khaosat -C lap1 sync ../stick >/dev/null &&
	phones lap2 md02 022532220 &&
	commit lap2 "lap2: phones" &&
	khaosat -C lap2 bundle create "$(echo $PWD/stick/*)/lap2.bundle" >/dev/null &&
	git -C centre config khaosat.stickRewrite 0 &&
	edit centre 1 "02253999001" &&
	set_line centre/records/workshop/md02/000/md02-0001.yaml "phone:" "phone: \"02253999002\"" &&
	commit centre "centre: two phones" &&
	tar cf fixture.tar centre stick
'

test_expect_success 'an uninterrupted sync, for reference' '
	khaosat -C centre sync ../stick >out &&
	grep -q "conflicts\? kept for review" out &&
	grep -q "^Wrote _base.bundle: the whole survey history" out &&
	tree centre >expect.tree &&
	bundle_tree stick/*/centre.bundle >expect.bundle &&
	test_cmp expect.tree expect.bundle
'

test_expect_success 'the run passes enough kill points' '
	rm -rf centre stick && tar xf fixture.tar &&
	KHAOSAT_CRASH_TRACE=$PWD/trace khaosat -C centre sync ../stick >/dev/null &&
	n=$(wc -l <trace) &&
	echo "$n kill points" &&
	test "$n" -ge 50 &&
	echo "$n" >npoints
'

# crash_at K: restore the fixture, kill the sync at point K, check what is
# left, finish with a second sync and compare with the reference.  Runs in
# the current folder, which holds fixture.tar and expect.tree.
crash_at() {
	rm -rf centre stick && tar xf fixture.tar &&
	# Merge commits carry the time, so a run can pass a few points fewer
	# than the traced one; one that never reaches K just finishes.
	{ env KHAOSAT_CRASH_AT=$1 "$KHAOSAT_BIN" -C centre sync ../stick \
		>/dev/null 2>&1; test_rc_=$?; [ $test_rc_ -eq 137 ] || [ $test_rc_ -eq 0 ]; } &&
	git -C centre fsck --full --no-dangling 2>fsck.err >&2 &&
	test_must_be_empty fsck.err &&
	for b in stick/*/_base.bundle stick/*/centre.bundle; do
		git -C centre bundle verify "$PWD/$b" >/dev/null 2>&1 || return 1
	done &&
	khaosat -C centre sync ../stick >/dev/null 2>sync.err &&
	tree centre >got.tree &&
	test_cmp expect.tree got.tree &&
	bundle_tree stick/*/centre.bundle >got.bundle &&
	test_cmp expect.tree got.bundle &&
	(cd centre && khaosat status) >status &&
	grep -q "Nothing to save" status &&
	git -C centre fsck --full --no-dangling 2>fsck.err >&2 &&
	test_must_be_empty fsck.err &&
	! ls stick/*/*.tmp-* 2>/dev/null
}

# crash_all LIST: crash_at each point of LIST, in the current folder;
# prints the points that failed, with what went wrong.
crash_all() {
	for k in $(cat "$1"); do
		if ! crash_at $k >crash.log 2>&1 3>&1; then
			echo "failed at $k: $(sed -n "${k}p" ../trace | cut -d" " -f2-)"
			sed "s/^/	/" crash.log
		fi
	done
}

# Two workers, one per core, each on half of the points.
crash_parallel() {
	for j in 1 2; do
		mkdir w$j && cp fixture.tar expect.tree w$j/ || return 1
	done
	(cd w1 && crash_all ../points.1 >failed) &
	(cd w2 && crash_all ../points.2 >failed) &
	wait
}

test_expect_success "killed at up to $POINTS points, every one recovers" '
	awk -v want=$POINTS "
		/pack data/ { data[nd++] = \$1; next }
		{ print \$1; want-- }
		END {
			for (i = 0; i < want && i < nd; i++)
				print data[int(i * nd / want)]
		}" trace | sort -n -u >points &&
	echo "$(wc -l <points) points" &&
	test $(wc -l <points) -ge 50 &&
	awk "NR % 2 == 1" points >points.1 &&
	awk "NR % 2 == 0" points >points.2 &&
	crash_parallel &&
	cat w1/failed w2/failed &&
	test_must_be_empty w1/failed &&
	test_must_be_empty w2/failed
'

test_done
