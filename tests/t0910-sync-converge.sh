#!/bin/sh
# Convergence simulation (issue 5): one centre and five laptops share one
# stick.  SIM_ROUNDS rounds (default 200) of random work -- field edits,
# new records, deletions, two devices editing the same field before either
# syncs, settlements -- each committed, and random visits to the stick.
# Then everyone syncs twice, in a fixed order, and:
#   - every main holds the same tree, and so does a laptop set up afresh
#     from the stick (which also works every 50 rounds);
#   - git fsck --full is clean everywhere, work trees are clean, and every
#     commit anyone made is in every main's history;
#   - no value is lost: every value a device committed that no later edit
#     (one whose history contains it) replaced is the record's value or a
#     proposal in conflicts/<record path>; a record deleted and not edited
#     concurrently is gone; every record that is gone was deleted;
#   - every record is valid except for its open conflicts.
# The random choices come from SIM_SEED (default fixed), so a run replays:
#   SIM_SEED=1234 SIM_ROUNDS=50 sh tests/t0910-sync-converge.sh -v
# When BUILD is set (BUILD=build/h3 sh tests/t0910-sync-converge.sh) and
# KHAOSAT_BIN is not, the binary is taken from $BUILD.
if [ -z "$KHAOSAT_BIN" ] && [ -n "$BUILD" ]; then
	KHAOSAT_BIN=$(cd "$(dirname "$0")/.." && pwd)/$BUILD/khaosat
fi
. "$(dirname "$0")/lib.sh"

SIM_SEED=${SIM_SEED:-20240517}
SIM_ROUNDS=${SIM_ROUNDS:-200}
STICK=$TRASH/stick
# The actors by device id, each in $TRASH/<device>: the centre, then the
# five laptops.
ACTORS="ce01 l1 l2 l3 l4 l5"
# The fields the simulation edits, all present in every sample workshop.
FIELDS="/phone /name /representative/name /workers/regular /address/village"
# Workshops often edited, so that edits meet on one field.
HOT="md01-0001 md01-0002 md02-0001"
# Sample workshops that a brand names (x-ref): never deleted, so that a
# deletion never makes another record invalid.
REFERENCED=$(grep -rhoE '(md0[12])-[0-9]{4}' "$SAMPLES/records/brand" |
	LC_ALL=C sort -u | tr '\n' ' ')

# rnd N: R is a pseudo-random number in 0..N-1 (an LCG on $seed, which the
# caller keeps; sh arithmetic is at least 64 bits wide in dash and bash).
rnd() {
	seed=$(((seed * 1103515245 + 12345) % 2147483648))
	R=$(((seed / 65536) % $1))
}

# pick WORDS...: P is one of them, at random.
pick() {
	rnd $#
	shift $R
	P=$1
}

# get_field FILE /a[/b]: prints the scalar at that path, unquoted; exit 1
# when the field is not there.
get_field() {
	awk -v p="$2" '
	BEGIN { n = split(substr(p, 2), k, "/") }
	n == 1 && index($0, k[1] ": ") == 1 {
		v = substr($0, length(k[1]) + 3); found = 1; exit
	}
	n == 2 && /^[^ ]/ { insec = ($0 == k[1] ":") }
	n == 2 && insec && index($0, "  " k[2] ": ") == 1 {
		v = substr($0, length(k[2]) + 5); found = 1; exit
	}
	END {
		if (!found) exit 1
		if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
		print v
	}' "$1"
}

# proposals FILE /a[/b]: every proposed value for that field in a
# conflict file, unquoted, one a line.
proposals() {
	[ -f "$1" ] || return 0
	awk -v f="$2" '
	/^  - field: / {
		cur = substr($0, 12)
		if (cur ~ /^".*"$/) cur = substr(cur, 2, length(cur) - 2)
	}
	cur == f && /^        value: / {
		v = substr($0, 16)
		if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
		print v
	}' "$1"
}

# value_for FIELD N: a valid value for FIELD, different for every N and
# from every sample value; as it is read back (V) and as YAML (Y).
value_for() {
	case "$1" in
	/phone) V=$(printf '0225%07d' "$2"); Y="\"$V\"" ;;
	/name) V="Cơ sở đúc số $2"; Y=$V ;;
	/representative/name) V="Người đại diện $2"; Y=$V ;;
	/workers/regular) V=$((1000 + $2)); Y=$V ;;
	/address/village) V="Xóm mới $2"; Y=$V ;;
	esac
}

# The workshop records in actor $1's work tree, as paths relative to it.
workshops() {
	(cd "$TRASH/$1" && find records/workshop -name '*.yaml' |
		LC_ALL=C sort)
}

# rid PATH: RID is the record id of the file.
rid() {
	RID=${1##*/}
	RID=${RID%.yaml}
}

deletable() {
	case " $REFERENCED " in *" $1 "*) return 1 ;; esac
	return 0
}

# edit ACTOR PATH FIELD: writes a fresh value, to be committed; the
# ledger line waits in $TRASH/pending until the commit.
edit() {
	n=$((n + 1))
	value_for "$3" "$n"
	set_field "$TRASH/$1/$2" "$3" "$Y" || {
		echo "cannot set $3 in $2 of $1" >&2
		return 1
	}
	rid "$2"
	printf 'W\t%s\t%s\t%s\n' "$RID" "$3" "$V" >>"$TRASH/pending"
	echo "  $1: $RID $3 = $V"
}

# commit ACTOR MESSAGE: commits, then moves the pending lines to the
# ledger, with the new commit and the actor:
#   W commit device id field value   a value written
#   C commit device id               a record made
#   D commit device id               a record deleted
commit() {
	khaosat -C "$TRASH/$1" commit -m "$2" >/dev/null || {
		echo "commit refused on $1" >&2
		return 1
	}
	c_head=$(git -C "$TRASH/$1" rev-parse HEAD) &&
	sed "s/^\([WCD]\)	/\1	$c_head	$1	/" "$TRASH/pending" >>"$TRASH/ledger" &&
	: >"$TRASH/pending"
}

# visit ACTOR: a sync with the stick.  It must finish without an error: no
# bundle refused, none waiting for another, a clean work tree.
visit() {
	echo "  $1: sync"
	khaosat -C "$TRASH/$1" sync "$STICK" >"$TRASH/sync.out" 2>&1 || {
		cat "$TRASH/sync.out"
		echo "sync failed on $1" >&2
		return 1
	}
	if grep -i "error\|warning" "$TRASH/sync.out"; then
		echo "sync on $1 reported a problem" >&2
		return 1
	fi
	test -z "$(git -C "$TRASH/$1" status --porcelain)" || {
		git -C "$TRASH/$1" status --porcelain
		echo "sync left changes in $1's work tree" >&2
		return 1
	}
}

# pick_record ACTOR: P is a workshop path of the actor, a hot one half of
# the time (when the actor still has it).
pick_record() {
	workshops "$1" >"$TRASH/list" || return 1
	rnd 2
	if [ "$R" -eq 0 ]; then
		pick $HOT
		hot=$(grep "/$P.yaml\$" "$TRASH/list") && {
			P=$hot
			return 0
		}
	fi
	rnd "$(wc -l <"$TRASH/list")"
	P=$(sed -n "$((R + 1))p" "$TRASH/list")
}

act_edit() {
	pick_record "$1" && path=$P &&
	pick $FIELDS && f1=$P &&
	edit "$1" "$path" "$f1" || return 1
	rnd 3
	if [ "$R" -eq 0 ]; then
		pick $FIELDS
		if [ "$P" != "$f1" ]; then
			edit "$1" "$path" "$P" || return 1
		fi
	fi
	rid "$path"
	commit "$1" "edit $RID"
}

# Two devices change the same field of one record before either syncs;
# sometimes the second deletes the record instead.
act_clash() {
	pick_record "$1" && path=$P && rid "$path" && cid=$RID &&
	pick $FIELDS && f=$P &&
	pick $(echo " $ACTORS " | sed "s/ $1 / /") && other=$P &&
	echo "  clash on $cid $f" &&
	edit "$1" "$path" "$f" &&
	commit "$1" "clash $cid" || return 1
	[ -f "$TRASH/$other/$path" ] || return 0
	rnd 4
	if [ "$R" -eq 0 ] && deletable "$cid"; then
		del "$other" "$path"
	else
		edit "$other" "$path" "$f" &&
		commit "$other" "clash $cid"
	fi
}

act_new() {
	n=$((n + 1))
	khaosat -C "$TRASH/$1" new workshop --set "name=Cơ sở đúc số $n" \
		--set legal_type=ho_kinh_doanh \
		--set "address.commune_name=Mỹ Đồng" \
		--set "address.province_name=Hải Phòng" \
		--set "address.village=Xóm mới $n" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho \
		--set "representative.name=Người đại diện $n" \
		--set "phone=$(printf '0225%07d' "$n")" \
		--set "workers.regular=$((1000 + n))" \
		--set surveyed_at=2025-06-01 >"$TRASH/new.out" || {
		cat "$TRASH/new.out"
		return 1
	}
	path=$(sed -n 's/^Saved workshop [^:]*: //p' "$TRASH/new.out") &&
	test -f "$TRASH/$1/$path" &&
	rid "$path" &&
	echo "  $1: new $RID" &&
	printf 'C\t%s\t\t\n' "$RID" >>"$TRASH/pending" &&
	for f in $FIELDS; do
		value_for "$f" "$n" &&
		printf 'W\t%s\t%s\t%s\n' "$RID" "$f" "$V" >>"$TRASH/pending" ||
			return 1
	done &&
	commit "$1" "new $RID"
}

del() {
	rid "$2" &&
	echo "  $1: delete $RID" &&
	rm "$TRASH/$1/$2" &&
	printf 'D\t%s\t\t\n' "$RID" >>"$TRASH/pending" &&
	commit "$1" "delete $RID"
}

act_delete() {
	workshops "$1" >"$TRASH/list" &&
	while read -r p; do
		rid "$p" && deletable "$RID" && echo "$p"
	done <"$TRASH/list" >"$TRASH/dlist"
	c=$(wc -l <"$TRASH/dlist")
	[ "$c" -gt 0 ] || return 0
	rnd "$c"
	del "$1" "$(sed -n "$((R + 1))p" "$TRASH/dlist")"
}

# Settles the first open conflict on one of FIELDS with a fresh value.
act_resolve() {
	khaosat -C "$TRASH/$1" conflicts >"$TRASH/conf.out" 2>&1
	rc=$?
	[ "$rc" -le 1 ] || {
		cat "$TRASH/conf.out"
		return 1
	}
	line=$(grep -E '^[a-z0-9]+-[0-9]+ /[a-z_/]+$' "$TRASH/conf.out" | head -n 1)
	[ -n "$line" ] || return 0
	id=${line% *} && f=${line#* } &&
	n=$((n + 1)) &&
	value_for "$f" "$n" &&
	echo "  $1: resolve $id $f = $V" &&
	khaosat -C "$TRASH/$1" resolve "$id" "$f" --value "$V" >/dev/null &&
	printf 'W\t%s\t%s\t%s\n' "$id" "$f" "$V" >"$TRASH/pending" &&
	c_head=$(git -C "$TRASH/$1" rev-parse HEAD) &&
	sed "s/^W	/W	$c_head	$1	/" "$TRASH/pending" >>"$TRASH/ledger" &&
	: >"$TRASH/pending"
}

# One round: a random actor does a random thing, then perhaps syncs.
round() {
	pick $ACTORS
	a=$P
	echo "round $1: $a"
	rnd 100
	if [ "$R" -lt 35 ]; then
		act_edit "$a"
	elif [ "$R" -lt 45 ]; then
		act_clash "$a"
	elif [ "$R" -lt 55 ]; then
		act_new "$a"
	elif [ "$R" -lt 61 ]; then
		act_delete "$a"
	elif [ "$R" -lt 66 ]; then
		act_resolve "$a"
	else
		visit "$a"
		return
	fi || return 1
	rnd 100
	[ "$R" -lt 40 ] || return 0
	visit "$a"
}

# A new laptop can be set up from the stick as it is now.
probe_clone() {
	echo "  a new laptop from the stick"
	rm -rf "$TRASH/probe" &&
	khaosat clone "$STICK" "$TRASH/probe" --device l9 \
		--surveyor "Người mới" >"$TRASH/probe.out" 2>&1 || {
		cat "$TRASH/probe.out"
		echo "a new laptop cannot be set up from the stick" >&2
		return 1
	}
	if grep -i "error\|warning" "$TRASH/probe.out"; then
		return 1
	fi
	git -C "$TRASH/probe" fsck --full --no-dangling --no-progress \
		>"$TRASH/probe.out" 2>&1 &&
	test_must_be_empty "$TRASH/probe.out" &&
	rm -rf "$TRASH/probe"
}

sim_rounds() {
	seed=$SIM_SEED
	n=0
	: >"$TRASH/pending"
	: >"$TRASH/ledger"
	i=1
	while [ "$i" -le "$SIM_ROUNDS" ]; do
		round "$i" || {
			echo "round $i failed (SIM_SEED=$SIM_SEED)" >&2
			return 1
		}
		if [ $((i % 50)) -eq 0 ]; then
			probe_clone || {
				echo "after round $i (SIM_SEED=$SIM_SEED)" >&2
				return 1
			}
		fi
		i=$((i + 1))
	done
}

test_expect_success 'setup: the centre with the samples, five laptops from the stick' '
	echo "SIM_SEED=$SIM_SEED SIM_ROUNDS=$SIM_ROUNDS" &&
	khaosat init ce01 --unsigned --device ce01 --surveyor "Trung tâm Khuyến công" \
		--name "Mỹ Đồng" >/dev/null &&
	copy_samples ce01 &&
	khaosat -C ce01 commit -m "Samples" >/dev/null &&
	mkdir stick &&
	khaosat -C ce01 sync "$STICK" >/dev/null &&
	for i in 1 2 3 4 5; do
		khaosat clone "$STICK" l$i --device l$i \
			--surveyor "Điều tra viên $i" >/dev/null &&
		test "$(git -C l$i rev-parse main)" = "$(git -C ce01 rev-parse main)" ||
			return 1
	done
'

test_expect_success "$SIM_ROUNDS rounds of random edits and stick visits" '
	sim_rounds &&
	test_must_be_empty pending &&
	echo "$(grep -c "^W" ledger) values, $(grep -c "^C" ledger) new records, $(grep -c "^D" ledger) deletions committed"
'

test_expect_success 'final round: everyone syncs twice' '
	for pass in 1 2; do
		for a in $ACTORS; do
			visit "$a" || return 1
		done
	done
'

test_expect_success 'every main holds the same tree' '
	git -C ce01 rev-parse "main^{tree}" >expect &&
	for a in $ACTORS; do
		git -C $a rev-parse "main^{tree}" >actual &&
		test_cmp expect actual || return 1
	done
'

test_expect_success 'git fsck --full is clean everywhere; work trees are clean' '
	for a in $ACTORS; do
		git -C $a fsck --full --no-dangling --no-progress >fsck.out 2>&1 &&
		test_must_be_empty fsck.out &&
		test -z "$(git -C $a status --porcelain)" || return 1
	done
'

test_expect_success 'every commit anyone made is in every main' '
	cut -f2 ledger | LC_ALL=C sort -u >commits &&
	for a in $ACTORS; do
		git -C $a rev-list main | LC_ALL=C sort >reach &&
		LC_ALL=C comm -23 commits reach >missing &&
		test_must_be_empty missing || return 1
	done
'

# khaosat check on the centre (ce01): exit 0 or 1, and no error but open conflicts.
check_valid() {
	khaosat -C ce01 check >/dev/null 2>check.err
	rc=$?
	[ "$rc" -le 1 ] || {
		cat check.err
		return 1
	}
	if grep ": error: " check.err | grep -v ": open conflict \(in /[^ ]* \)\?between "; then
		return 1
	fi
	grep -c ": error: " check.err
	return 0
}

test_expect_success 'records are valid but for their open conflicts' '
	check_valid
'

# The verdict on every record of the ledger, from the centre's tree and the
# ancestry of the ledger's commits.
#   - a write (W, or C: the record made) is replaced by a later W on the
#     same field, or a D, whose commit has it in its history;
#   - a deletion (D) is undone by a later W or C that has it in its history;
#   - a record that exists: every write on it not replaced is its value or
#     a proposal in its conflict file; a deletion not undone has a
#     delete-against-modify entry in its conflict file;
#   - a record that is gone: some D removed it, and every write on it was
#     replaced.
ledger_check() {
	git -C ce01 rev-list --parents main >parents || return 1
	# anc: "A D" when commit A is in the history of ledger commit D, A != D.
	awk '
	FNR == NR { p[$1] = substr($0, 42); next }
	{ want[$2] = 1 }
	END {
		for (d in want) {
			delete seen
			top = 0; stack[++top] = d
			while (top > 0) {
				c = stack[top--]
				np = split(p[c], ps, " ")
				for (j = 1; j <= np; j++)
					if (!(ps[j] in seen)) {
						seen[ps[j]] = 1; stack[++top] = ps[j]
					}
			}
			for (a in want)
				if (a in seen) print a, d
		}
	}' parents ledger >anc || return 1
	# live: the ledger lines not replaced or undone.
	awk -F '\t' '
	FNR == NR { anc[$0] = 1; next }
	{ m++; t[m] = $1; h[m] = $2; id[m] = $4; f[m] = $5; line[m] = $0 }
	END {
		for (i = 1; i <= m; i++) {
			live = 1
			for (j = 1; j <= m && live; j++) {
				if (j == i || id[j] != id[i] || h[j] == h[i] ||
				    !((h[i] " " h[j]) in anc))
					continue
				if (t[i] == "W" && (t[j] == "D" || (t[j] == "W" && f[j] == f[i])))
					live = 0
				if (t[i] == "C" && t[j] == "D")
					live = 0
				if (t[i] == "D" && (t[j] == "W" || t[j] == "C"))
					live = 0
			}
			if (live) print line[i]
		}
	}' anc ledger >live || return 1
	bad=0
	for id in $(cut -f4 ledger | LC_ALL=C sort -u); do
		rel=$(record_path workshop "$id")
		file=ce01/$rel
		conf=ce01/conflicts/$rel
		grep "	$id	" live >live.id
		if [ -f "$file" ]; then
			if grep -q "^D	.*	$id	" live &&
				! grep -q "^  - field: \"\"$" "$conf" 2>/dev/null; then
				echo "$id: a deletion not undone, but the record is here with no delete-against-modify conflict"
				bad=1
			fi
			while IFS='	' read -r t h dev r_id f v; do
				[ "$t" = W ] || continue
				now=$(get_field "$file" "$f")
				[ "$now" = "$v" ] && continue
				proposals "$conf" "$f" | grep -qxF -e "$v" && continue
				echo "$id $f: lost \"$v\" (committed by $dev in $h); the record has \"$now\"; proposals:"
				proposals "$conf" "$f" | sed "s/^/    /"
				bad=1
			done <live.id
		else
			grep -q "^D	.*	$id	" ledger || {
				echo "$id: gone, but nobody deleted it"
				bad=1
			}
			if grep "^[WC]	.*	$id	" live; then
				echo "$id: gone, with the writes above not replaced by anything that saw them"
				echo "  (edited concurrently with its deletion: delete against modify must keep the record)"
				[ -f "$conf" ] && echo "  (an orphan conflict file is left: $conf)"
				bad=1
			fi
		fi
	done
	# A sample record nobody deleted is still there.
	(cd "$SAMPLES" && find records -name "*.yaml") | while read -r p; do
		rid "$p"
		id=$RID
		[ -f "ce01/$p" ] || grep -q "^D	.*	$id	" ledger || {
			echo "$id: a sample record is gone, but nobody deleted it"
			exit 1
		}
	done || bad=1
	return $bad
}

test_expect_success 'no committed value is lost: each is there or a conflict proposal' '
	ledger_check &&
	echo "$(wc -l <live) of $(wc -l <ledger) ledger lines still in force, all found" &&
	echo "$(git -C ce01 rev-list --merges main | wc -l) merges;" \
		"$(cat ce01/conflicts/records/*/*/*/*.yaml 2>/dev/null | grep -c "^  - field: /") field conflicts and" \
		"$(cat ce01/conflicts/records/*/*/*/*.yaml 2>/dev/null | grep -c "^  - field: \"\"$") delete-against-modify open"
'

test_expect_success 'a laptop set up afresh from the stick gets the same tree' '
	khaosat clone "$STICK" fresh --device l9 --surveyor "Người mới" >/dev/null &&
	git -C ce01 rev-parse "main^{tree}" >expect &&
	git -C fresh rev-parse "main^{tree}" >actual &&
	test_cmp expect actual &&
	git -C fresh fsck --full --no-dangling --no-progress >fsck.out 2>&1 &&
	test_must_be_empty fsck.out
'

if [ "$test_failed" -ne 0 ]; then
	echo "# replay: SIM_SEED=$SIM_SEED SIM_ROUNDS=$SIM_ROUNDS sh $0 -v"
fi
test_done
