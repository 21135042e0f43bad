#!/bin/sh
# khaosat bundle create, verify and apply, with plain git as the witness in
# both directions: git reads what khaosat writes, khaosat reads what git
# writes, and every damaged or hostile bundle is refused whole, leaving the
# repository as it was (refs and object files compared before and after).
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml

# A second laptop: a copy of the survey with its own device identity.
laptop() {
	git clone -q "$1" "$2" &&
	git -C "$2" config khaosat.device "$3" &&
	git -C "$2" config khaosat.surveyor "$4"
}

# refused DIR BUNDLE MESSAGE: apply and verify both fail with exit 1 and
# MESSAGE (a fixed string), and DIR is unchanged.
refused() {
	state "$1" >state.before &&
	test_expect_code 1 khaosat -C "$1" bundle verify "$2" 2>err.verify &&
	test_expect_code 1 khaosat -C "$1" bundle apply "$2" >out 2>err &&
	state "$1" >state.after &&
	test_cmp state.before state.after &&
	grep -F -e "$3" err &&
	grep -F -e "$3" err.verify &&
	test_must_be_empty out
}

# flip FILE OFFSET: inverts the bits of one byte.
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d " ") &&
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

test_expect_success 'setup: laptop a with the samples, laptop b a copy' '
	make_survey a md01 "Nguyễn Thị Hoa" &&
	copy_samples a &&
	(cd a && khaosat commit -m "Samples" >/dev/null) &&
	laptop a b md02 "Trần Văn Minh" &&
	git -C a rev-parse HEAD >base
'

test_expect_success 'create writes a full v2 bundle with main and HEAD' '
	khaosat -C a bundle create ../full.bundle >out &&
	grep -q "^Wrote ../full.bundle: 2 commits, [0-9]* objects, [0-9]* bytes, full history\.$" out &&
	head -n 1 full.bundle >line &&
	echo "# v2 git bundle" >expect &&
	test_cmp expect line &&
	sed -n "2,4p" full.bundle >refs &&
	h=$(git -C a rev-parse main) &&
	printf "%s refs/heads/main\n%s HEAD\n\n" $h $h >expect &&
	test_cmp expect refs &&
	ls >files &&
	! grep tmp files
'

test_expect_success 'git verifies, clones and fscks the full bundle' '
	git -C b bundle verify ../full.bundle &&
	git clone -q full.bundle g 2>err &&
	test_must_be_empty err &&
	test_path_is_file g/khaosat.yaml &&
	test_path_is_file g/$W1 &&
	git -C g fsck --full --strict &&
	test "$(git -C g rev-parse HEAD)" = "$(git -C a rev-parse main)"
'

test_expect_success 'an incremental bundle names its boundary; git fetches it' '
	set_line a/$W1 "  regular:" "  regular: 41" &&
	(cd a && khaosat commit -m "a: workers" >/dev/null) &&
	khaosat -C a bundle create ../inc.bundle --since HEAD~1 >out &&
	grep -q "incremental\.$" out &&
	grep -q "^Readers need 1 prerequisite commit: HEAD~1 and its history\.$" out &&
	grep -a -q "^-$(cat base) Samples$" inc.bundle &&
	test $(wc -c <inc.bundle) -lt $(wc -c <full.bundle) &&
	git -C g bundle verify ../inc.bundle &&
	git -C g fetch -q ../inc.bundle main:refs/remotes/inc/main &&
	test "$(git -C g rev-parse inc/main)" = "$(git -C a rev-parse main)" &&
	git -C g fsck --full
'

test_expect_success 'a bundle of nothing new lists the tip as prerequisite' '
	khaosat -C a bundle create ../none.bundle --since main >out &&
	grep -q "^Wrote ../none.bundle: 0 commits, 0 objects" out &&
	grep -a -q "^-$(git -C a rev-parse main) " none.bundle &&
	git -C g bundle verify ../none.bundle
'

test_expect_success 'create: usage errors exit 2' '
	test_expect_code 2 khaosat -C a bundle create x.bundle --full --since HEAD 2>err &&
	grep -q "exclude each other" err &&
	test_expect_code 2 khaosat -C a bundle verify x.bundle --full 2>err &&
	test_expect_code 2 khaosat -C a bundle frob x.bundle 2>err &&
	grep -q "unknown subcommand" err &&
	test_expect_code 2 khaosat -C a bundle 2>err &&
	test_expect_code 1 khaosat -C a bundle create x.bundle --since nosuch 2>err &&
	grep -q "unknown revision \"nosuch\"" err
'

test_expect_success 'verify reads a full bundle made by git and keeps nothing' '
	git -C a bundle create -q ../git-full.bundle main &&
	state b >before &&
	khaosat -C b bundle verify ../git-full.bundle >out &&
	state b >after &&
	test_cmp before after &&
	grep -q "^../git-full.bundle is okay: " out &&
	grep -q "^$(git -C a rev-parse main) refs/heads/main$" out
'

test_expect_success 'apply takes an incremental bundle made by git (a thin pack)' '
	git -C a bundle create -q ../git-inc.bundle main ^HEAD~1 &&
	grep -a -q "^-$(cat base)" git-inc.bundle &&
	hdr=$(sed -n "/^\$/=" git-inc.bundle | head -n 1) &&
	hbytes=$(head -n "$hdr" git-inc.bundle | wc -c) &&
	tail -c +$((hbytes + 1)) git-inc.bundle >thin.pack &&
	git init -q empty &&
	! git -C empty index-pack --stdin <thin.pack 2>err &&
	grep -q "unresolved deltas" err &&
	khaosat -C b bundle apply ../git-inc.bundle >out &&
	grep -q "^Imported ../git-inc.bundle: " out &&
	grep -q "^Fast-forward to " out &&
	test "$(git -C b rev-parse main)" = "$(git -C a rev-parse main)" &&
	test "$(git -C b rev-parse refs/khaosat/bundles/git-inc.bundle)" = "$(git -C a rev-parse main)" &&
	grep -q "^  regular: 41$" b/$W1 &&
	test -z "$(git -C b status --porcelain)" &&
	git -C b fsck --full
'

test_expect_success 'apply merges concurrent changes field by field' '
	git -C a rev-parse main >common &&
	git clone -q a c &&
	set_line a/$W1 "name:" "name: Cơ khí Hoa Sen" &&
	(cd a && khaosat commit -m "a: name" >/dev/null) &&
	set_line b/$W2 "  regular:" "  regular: 9" &&
	(cd b && khaosat commit -m "b: md01-0002" >/dev/null) &&
	khaosat -C a bundle create ../a.bundle --since $(cat common) >/dev/null &&
	khaosat -C b bundle apply ../a.bundle >out &&
	grep -q "^\[main [0-9a-f]*\] Merged bundle a.bundle: 0 records merged field by field, 0 conflicts in 0 records\.$" out &&
	grep -q "^name: Cơ khí Hoa Sen$" b/$W1 &&
	grep -q "^  regular: 9$" b/$W2 &&
	khaosat -C b bundle create ../b.bundle --since $(cat common) >/dev/null &&
	khaosat -C a bundle apply ../b.bundle >out &&
	grep -q "^Fast-forward to " out &&
	test "$(git -C a rev-parse HEAD^{tree})" = "$(git -C b rev-parse HEAD^{tree})" &&
	git -C a fsck --full && git -C b fsck --full
'

test_expect_success 'after a merge and a fast-forward, the index noted as main is main' '
	for s in a b; do
		git -C $s diff --cached --quiet &&
		cut -d" " -f5 $s/.git/khaosat/index-head >noted &&
		git -C $s rev-parse "HEAD^{tree}" >tree &&
		test_cmp tree noted || return 1
	done
'

test_expect_success 'applying the same bundle again changes nothing' '
	khaosat -C a bundle apply ../b.bundle >out &&
	grep -q "^Already up to date\.$" out &&
	git -C a fsck --full
'

test_expect_success 'setup: the refused bundles made from a real one' '
	khaosat -C a bundle create ../good.bundle --since $(cat common) >/dev/null &&
	test "$(git -C c rev-parse main)" = "$(cat common)" &&
	git -C c config khaosat.device md03 &&
	git -C c config khaosat.surveyor "Lê Văn C" &&
	khaosat -C c bundle verify ../good.bundle >/dev/null &&
	size=$(wc -c <good.bundle) &&
	hdr=$(sed -n "/^\$/=" good.bundle | head -n 1) &&
	hbytes=$(head -n "$hdr" good.bundle | wc -c) &&
	head -c $((size - 7)) good.bundle >truncated.bundle &&
	head -c $((hbytes + 100)) good.bundle >truncated-pack.bundle &&
	head -c 60 good.bundle >truncated-header.bundle &&
	cp good.bundle flipped.bundle &&
	flip flipped.bundle $((hbytes + (size - hbytes) / 2)) &&
	cp good.bundle flipped-sum.bundle &&
	flip flipped-sum.bundle $((size - 3)) &&
	{ printf "# v3 git bundle\n@object-format=sha256\n" &&
	  tail -n +2 good.bundle; } >sha256.bundle &&
	{ printf "# v3 git bundle\n@object-format=sha1\n@frobnicate=yes\n" &&
	  tail -n +2 good.bundle; } >unknown-cap.bundle &&
	{ printf "# v3 git bundle\n@filter=blob:none\n" &&
	  tail -n +2 good.bundle; } >filter.bundle &&
	{ printf "# v3 git bundle\n@object-format=sha1\n" &&
	  tail -n +2 good.bundle; } >v3.bundle &&
	{ printf "# v2 git bundle\n-1234 oops\n" &&
	  tail -n +2 good.bundle; } >bad-prereq.bundle
'

test_expect_success 'a v3 bundle with @object-format=sha1 is read' '
	khaosat -C c bundle verify ../v3.bundle >out &&
	grep -q "is okay" out
'

test_expect_success 'a truncated bundle is refused, nothing changes' '
	refused c ../truncated.bundle "../truncated.bundle: error: the pack is damaged"
'

test_expect_success 'a bundle cut inside its pack is refused' '
	refused c ../truncated-pack.bundle "../truncated-pack.bundle: error: the pack is damaged"
'

test_expect_success 'a bundle cut inside its header is refused at the line' '
	refused c ../truncated-header.bundle "../truncated-header.bundle:2:1: error: the header ends before its empty line (truncated bundle?)"
'

test_expect_success 'a bit flipped in the pack data is refused' '
	refused c ../flipped.bundle "../flipped.bundle: error: the pack is damaged"
'

test_expect_success 'a bit flipped in the pack checksum is refused' '
	refused c ../flipped-sum.bundle "../flipped-sum.bundle: error: the pack is damaged"
'

test_expect_success 'a sha256 bundle is refused, naming the format' '
	refused c ../sha256.bundle "../sha256.bundle:2:1: error: object format \"sha256\" is not supported (only sha1)"
'

test_expect_success 'an unknown capability is refused, named' '
	refused c ../unknown-cap.bundle "../unknown-cap.bundle:3:1: error: unknown capability \"@frobnicate=yes\""
'

test_expect_success 'a partial (@filter) bundle is refused' '
	refused c ../filter.bundle "../filter.bundle:2:1: error: partial bundles are not supported (capability \"@filter=blob:none\")"
'

test_expect_success 'a malformed prerequisite line is refused at its line' '
	refused c ../bad-prereq.bundle "../bad-prereq.bundle:2:1: error: malformed prerequisite line"
'

test_expect_success 'a file that is not a bundle is refused' '
	echo "hello" >not.bundle &&
	refused c ../not.bundle "../not.bundle:1:1: error: not a git bundle"
'

test_expect_success 'a missing prerequisite is named, nothing imported' '
	git -C a rev-parse main >tip &&
	set_line a/$W2 "  regular:" "  regular: 10" &&
	(cd a && khaosat commit -m "a: md01-0002 again" >/dev/null) &&
	khaosat -C a bundle create ../ahead.bundle --since $(cat tip) >/dev/null &&
	refused c ../ahead.bundle "../ahead.bundle: error: missing prerequisite commit $(cat tip) (\"Merge bundle a.bundle\"): this survey does not have it yet"
'

test_expect_success 'a bundle from another survey is refused' '
	make_survey other md09 "Phạm Thị D" &&
	khaosat -C other bundle create ../other.bundle >/dev/null &&
	refused c ../other.bundle "../other.bundle: error: the bundle belongs to another survey: the history of refs/heads/main does not contain this survey'"'"'s first commit" &&
	git clone -q other.bundle other2 &&
	git -C other2 fsck
'

# hostile NAME "ENTRY" [records]: a commit on top of main whose root tree
# (or records/ tree) gains ENTRY ("mode type oid<TAB>name"), bundled by git.
hostile() {
	(
		cd h &&
		if [ "$3" = records ]; then
			rec=$({ git ls-tree main:records && printf "%s\n" "$2"; } | git mktree) &&
			root=$({ git ls-tree main | grep -v "	records\$" &&
				printf "040000 tree %s\trecords\n" "$rec"; } | git mktree)
		else
			root=$({ git ls-tree main && printf "%s\n" "$2"; } | git mktree)
		fi &&
		c=$(git commit-tree -p main -m "hostile $1" "$root") &&
		git update-ref refs/heads/h-$1 "$c" &&
		git bundle create -q ../$1.bundle h-$1 ^main
	)
}

# hostile_at NAME PATH OID: a commit on top of main with the blob OID at
# PATH (folders made on the way), bundled by git.
hostile_at() {
	(
		cd h &&
		GIT_INDEX_FILE=../hostile.index && export GIT_INDEX_FILE &&
		git read-tree main &&
		git update-index --add --cacheinfo "100644,$3,$2" &&
		root=$(git write-tree) &&
		rm -f ../hostile.index &&
		c=$(git commit-tree -p main -m "hostile $1" "$root") &&
		git update-ref refs/heads/h-$1 "$c" &&
		git bundle create -q ../$1.bundle h-$1 ^main
	)
}

# Where a hostile record goes: a record's own place in the layout.
R=records/workshop/md01/000/md01-0099.yaml

test_expect_success 'setup: hostile trees made with git plumbing' '
	git clone -q a h &&
	git -C c fetch -q ../a main:refs/remotes/a/main &&
	git -C c reset -q --hard a/main &&
	blob=$(printf "name: x\n" | git -C h hash-object -w --stdin) &&
	link=$(printf "/etc/passwd" | git -C h hash-object -w --stdin) &&
	schema=$(git -C h rev-parse main:schema) &&
	hostile symlink "120000 blob $link	evil.yaml" records &&
	hostile dotgit "040000 tree $schema	.GIT" &&
	hostile dotgit-rec "040000 tree $schema	.git" records &&
	hostile dotdot "040000 tree $schema	.." &&
	hostile outside "100644 blob $blob	run.sh" &&
	hostile submodule "160000 commit $(git -C h rev-parse main)	sub" records &&
	hostile case "100644 blob $blob	KHAOSAT.yaml" &&
	head -c 17000000 /dev/zero | tr "\0" "a" >big &&
	bigblob=$(git -C h hash-object -w ../big) &&
	hostile_at big $R $bigblob &&
	head -c 104857600 /dev/zero >huge &&
	hugeblob=$(git -C h hash-object -w ../huge) &&
	rm huge &&
	hostile_at huge $R $hugeblob &&
	p=a &&
	bomb=$({ printf "a: &a [x, x, x, x, x, x, x, x, x, x]\n" &&
		for i in b c d e f g h i j; do
			printf "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" \
				$i $i $p $p $p $p $p $p $p $p $p $p &&
			p=$i || return 1
		done; } | git -C h hash-object -w --stdin) &&
	hostile_at bomb $R $bomb &&
	torn=$(printf "name: [unclosed\n" | git -C h hash-object -w --stdin) &&
	hostile_at torn $R $torn
'

test_expect_success 'hostile: a symbolic link is refused' '
	refused c ../symlink.bundle ": records/evil.yaml: a symbolic link is not allowed"
'

test_expect_success 'hostile: .GIT at the root is refused' '
	refused c ../dotgit.bundle ": .GIT: the name \".git\" is not allowed, in any case"
'

test_expect_success 'hostile: .git under records/ is refused' '
	refused c ../dotgit-rec.bundle ": records/.git: the name \".git\" is not allowed, in any case"
'

test_expect_success 'hostile: .. is refused' '
	refused c ../dotdot.bundle ": ..: the name \"..\" is not allowed"
'

test_expect_success 'hostile: a path outside the survey layout is refused' '
	refused c ../outside.bundle ": run.sh: outside the survey layout (khaosat.yaml, members.yaml, allowed_signers, schema/, records/, attachments/, conflicts/)"
'

test_expect_success 'hostile: a submodule is refused' '
	refused c ../submodule.bundle ": records/sub: a submodule is not allowed"
'

test_expect_success 'hostile: names colliding without case are refused' '
	refused c ../case.bundle ": \"KHAOSAT.yaml\" and \"khaosat.yaml\" collide on a case-insensitive file system"
'

test_expect_success 'hostile: a record over 16 MiB is refused' '
	refused c ../big.bundle ": $R: 17000000 bytes, over the limit of 16777216 for such a file"
'

test_expect_success 'hostile: a 100 MB blob is refused' '
	refused c ../huge.bundle ": $R: 104857600 bytes, over the limit of 16777216 for such a file"
'

test_expect_success 'hostile: a record with an alias bomb is refused' '
	refused c ../bomb.bundle "brings a record that does not read: $R:1:"
'

test_expect_success 'a record that is not YAML is refused, located' '
	refused c ../torn.bundle "brings a record that does not read: $R:2:1:"
'

test_expect_success 'hostile: folders deeper than the layout are refused' '
	t=$(printf "name: x\n" | git -C h hash-object -w --stdin) &&
	t=$(printf "100644 blob %s\tx.yaml\n" $t | git -C h mktree) &&
	for i in $(seq 40); do
		t=$(printf "040000 tree %s\td\n" $t | git -C h mktree) || return 1
	done &&
	hostile deep "040000 tree $t	deep" records &&
	refused c ../deep.bundle ": records/deep: not a kind of this survey" &&
	y=$(printf "name: y\n" | git -C h hash-object -w --stdin) &&
	hostile_at deeper records/workshop/md01/000/d/d/d/md01-0099.yaml $y &&
	refused c ../deeper.bundle ": records/workshop/md01/000/d: deeper than the record layout"
'

# incomplete NAME OBJECT...: a bundle on top of main whose pack holds only
# the given objects (the first is its tip), made with git pack-objects.
incomplete() {
	(
		cd h &&
		name=$1 && shift &&
		printf "%s\n" "$@" | git pack-objects -q --stdout >../$name.pack &&
		printf "# v2 git bundle\n-%s main\n%s refs/heads/main\n\n" \
			$(git rev-parse main) $1 >../$name.bundle &&
		cat ../$name.pack >>../$name.bundle
	)
}

test_expect_success 'a pack that lacks a blob its tree names is refused' '
	lost=$(printf "name: y\n" | git -C h hash-object -w --stdin) &&
	hostile_at lost $R $lost &&
	c=$(git -C h rev-parse h-lost) &&
	incomplete lost-blob $c $(for p in "" records records/workshop \
		records/workshop/md01 records/workshop/md01/000; do
		git -C h rev-parse "$c:$p" || return 1; done) &&
	refused c ../lost-blob.bundle "../lost-blob.bundle: error: incomplete bundle: commit $(echo $c | cut -c1-10) names $R, which neither the bundle nor this survey holds"
'

test_expect_success 'a pack that lacks a parent commit is refused' '
	c1=$(git -C h commit-tree -p main -m one main^{tree}) &&
	c2=$(git -C h commit-tree -p $c1 -m two main^{tree}) &&
	incomplete lost-parent $c2 &&
	refused c ../lost-parent.bundle "../lost-parent.bundle: error: incomplete bundle: commit $(echo $c1 | cut -c1-10)"
'

test_expect_success 'the refusing laptop still works: git fsck, a good bundle applies' '
	git -C c fsck --full &&
	khaosat -C a bundle create ../last.bundle --since $(git -C c rev-parse main) >/dev/null &&
	state c >before &&
	khaosat -C c bundle apply ../last.bundle >out &&
	grep -q "^Already up to date\.$" out &&
	state c | grep -v "refs/khaosat/bundles/last.bundle\|refs/khaosat/seen/" >after &&
	test_cmp before after
'

test_expect_success 'a check killed midway leaves a folder the next one sweeps' '
	mkdir -p c/.git/objects/ks-incoming-old/pack c/.git/objects/ks-incoming-new/pack &&
	echo x >c/.git/objects/ks-incoming-old/pack/pack_git2_1 &&
	echo x >c/.git/objects/ks-incoming-new/pack/pack_git2_2 &&
	touch -d "2 hours ago" c/.git/objects/ks-incoming-old &&
	git -C c fsck --full &&
	khaosat -C c bundle verify ../last.bundle >/dev/null &&
	test_path_is_missing c/.git/objects/ks-incoming-old &&
	test_path_is_file c/.git/objects/ks-incoming-new/pack/pack_git2_2 &&
	rm -r c/.git/objects/ks-incoming-new
'

test_done
