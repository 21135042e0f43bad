#!/bin/sh
# Hostile survey layouts: histories that plain git accepts and that
# khaosat's byte-level checks (symlinks, .git, sizes of records, YAML that
# does not read; see t0800) let through, but that would brick, split or
# swamp a survey: a khaosat.yaml that does not parse, of another survey or
# naming a schema that is missing or does not compile, an unknown kind,
# files that are not records where records go, records filed in the wrong
# device or counter folder, executables, files no kind names, oversized
# survey files, folders with too many entries and paths deeper than the
# layout.
#
# Each case is one hostile commit made by an attacking laptop (la1) with git
# plumbing on top of the shared main, and delivered to a victim laptop (lv1)
# that starts from the same fixture every time:
#   - as la1.bundle on the stick, beside a legitimate lg1.bundle: sync exits
#     1, names la1.bundle and the offending path, refuses la1.bundle whole,
#     and still applies lg1's change (the victim ends exactly as a sync with
#     lg1.bundle alone leaves it);
#   - through "bundle apply": exit 1, the path named, nothing changed;
#   - on a stick holding only the centre's bundle and the hostile one:
#     "clone" never sets up a survey holding the hostile commit;
#   - for some cases, pushed by plain git to a hub as devices/la1: "sync hub"
#     refuses it by path, and lg1's work on the hub still arrives.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W5=records/workshop/md01/000/md01-0005.yaml

# ---- helpers ----

# Restores the victim, the stick and the hub from the fixture.
restore() {
	rm -rf victim stick hub.git newlap cstick &&
	tar xf fixture.tar
}

# The outcome of a sync in the survey at DIR: its refs, the ids of all its
# objects (however they are stored), its work tree and git's view of it.
outcome() {
	git -C "$1" for-each-ref &&
	git -C "$1" cat-file --batch-all-objects --batch-check="%(objectname) %(objecttype)" &&
	snapshot "$1" | grep -v " \./\.git/" &&
	git -C "$1" status --porcelain
}

# hostile NAME SUBJECT [PARENT] <ENTRIES: a commit of the attacker (la1)
# on top of PARENT (default: the shared base) whose tree is PARENT's with
# ENTRIES applied, one per line "path<TAB>mode<TAB>file", file relative to
# $TRASH, or ":OID" for a blob already in the attacker's repository; mode
# "-" removes the path.  Writes h/NAME.commit, and h/NAME.bundle made by
# git bundle create with refs/heads/main and ^base, as a laptop's bundle.
hostile() {
	mkdir -p h &&
	cat >"h/$1.list" &&
	(
		base=$(cat base) &&
		parent=${3:-$base} &&
		cd attacker &&
		GIT_INDEX_FILE="$TRASH/h/$1.index" &&
		export GIT_INDEX_FILE &&
		rm -f "$GIT_INDEX_FILE" &&
		git read-tree "$parent" &&
		awk -F "	" -v top="$TRASH" '$2 != "-" && $3 !~ /^:/ { print top "/" $3 }' \
			"../h/$1.list" | git hash-object -w --stdin-paths >"../h/$1.oids" &&
		awk -F "	" -v oids="../h/$1.oids" '
			$2 == "-" { printf "0 %040d\t%s\n", 0, $1; next }
			$3 ~ /^:/ { printf "%s %s\t%s\n", $2, substr($3, 2), $1; next }
			{ getline o <oids; printf "%s %s\t%s\n", $2, o, $1 }' \
			"../h/$1.list" | git update-index --index-info &&
		t=$(git write-tree) &&
		c=$(printf "%s\n\nDevice: la1\n" "$2" |
			GIT_AUTHOR_NAME="Kẻ Gian" GIT_AUTHOR_EMAIL=la1@example.vn \
			GIT_COMMITTER_NAME=la1 GIT_COMMITTER_EMAIL=la1@example.vn \
			git commit-tree -p "$parent" "$t") &&
		git update-ref refs/heads/main "$c" "$base" &&
		git bundle create -q "../h/$1.bundle" main "^$base"
		rc=$?
		git update-ref refs/heads/main "$base" "$c" &&
		[ $rc -eq 0 ] &&
		git bundle verify -q "../h/$1.bundle" 2>/dev/null &&
		echo "$c" >"../h/$1.commit"
	)
}

# said WHAT RC OUT ERR: shows what a command printed, for the case's output.
said() {
	echo "# $1 exited $2; it printed:" &&
	cat "$3" "$4"
}

# exit_code WANT RC WHAT: RC is WANT, or a line says otherwise.
exit_code() {
	[ "$2" -eq "$1" ] || {
		echo "$3: wanted exit code $1, got $(test_describe_code_ "$2")" >&3
		return 1
	}
}

# bounded CMD...: CMD, stopped after $BOUND seconds (default 120) with
# exit 124 and a line that says so.
bounded() {
	timeout -k 5 "${BOUND:-120}" "$@"
	bounded_rc=$?
	[ $bounded_rc -eq 124 ] &&
		echo "bounded: stopped after ${BOUND:-120} seconds: $*" >&3
	return $bounded_rc
}

# refused_by_sync NAME PATTERN: the hostile bundle as la1.bundle on the
# stick, beside lg1.bundle.  Sync exits 1, its errors name la1.bundle and
# PATTERN (an extended regular expression: the offending path), and the
# victim ends exactly as the sync with lg1.bundle alone left it: lg1's
# change in, nothing of the hostile commit.  la1.bundle stays as it was.
refused_by_sync() {
	restore &&
	id=$(cat survey-id) &&
	cp "h/$1.bundle" "stick/$id/la1.bundle" &&
	{ bounded "$KHAOSAT_BIN" -C victim sync ../stick >sync.out 2>sync.err; rc=$?; } &&
	said "sync ../stick" $rc sync.out sync.err &&
	exit_code 1 $rc "sync ../stick" &&
	grep "la1\.bundle" sync.err &&
	grep -E -e "$2" sync.err &&
	cmp "h/$1.bundle" "stick/$id/la1.bundle" &&
	! git -C victim cat-file -e "$(cat "h/$1.commit")" 2>/dev/null &&
	test "$(git -C victim rev-parse main)" = "$(git -C legit rev-parse main)" &&
	outcome victim >outcome.sync &&
	test_cmp expect.sync outcome.sync
}

# refused_by_apply NAME PATTERN: bundle apply exits 1, names PATTERN, and
# changes nothing.
refused_by_apply() {
	restore &&
	state victim >state.before &&
	{ bounded "$KHAOSAT_BIN" -C victim bundle apply "../h/$1.bundle" >apply.out 2>apply.err; rc=$?; } &&
	said "bundle apply" $rc apply.out apply.err &&
	exit_code 1 $rc "bundle apply" &&
	grep -E -e "$2" apply.err &&
	state victim >state.after &&
	test_cmp state.before state.after
}

# refused_by_clone NAME PATTERN: a stick with the shared bundle, the
# centre's and the hostile one as la1.bundle.  Clone names la1.bundle;
# either it refuses (an error exit, no folder left) or it sets up newlap
# from the others alone: main at the shared base, the hostile commit
# nowhere.
refused_by_clone() {
	restore &&
	id=$(cat survey-id) &&
	mkdir -p "cstick/$id" &&
	cp "stick/$id/_base.bundle" "stick/$id/ce01.bundle" "stick/$id/README.txt" "cstick/$id/" &&
	cp "h/$1.bundle" "cstick/$id/la1.bundle" &&
	{ bounded "$KHAOSAT_BIN" clone cstick newlap --device ln1 --surveyor "Đỗ Văn Mới" \
		>clone.out 2>clone.err; rc=$?; } &&
	said clone $rc clone.out clone.err &&
	if [ $rc -ge 126 ] || [ $rc -eq 98 ] || [ $rc -eq 99 ]; then
		echo "clone: $(test_describe_code_ $rc)" && false
	fi &&
	cat clone.out clone.err | grep "la1\.bundle" &&
	if [ $rc -ne 0 ] && ! [ -d newlap/.git ]; then
		test_path_is_missing newlap
	else
		test "$(git -C newlap rev-parse main)" = "$(cat base)" &&
		git -C newlap rev-list --all >clone.revs &&
		! grep "$(cat "h/$1.commit")" clone.revs
	fi
}

# refused_by_hub NAME PATTERN: the hostile commit pushed by plain git to
# the hub as devices/la1, where lg1 pushed its work.  sync hub exits 1,
# names la1 and PATTERN, and the victim's refs and work tree end exactly
# as a sync with lg1's work alone left them; the hostile commit is
# reachable from no ref.  (Whether its objects stay in the store, out of
# reach, is the case "a refused hub ref leaves none of its objects".)
refused_by_hub() {
	restore &&
	git -C attacker push -q ../hub.git "$(cat "h/$1.commit"):refs/heads/devices/la1" &&
	{ bounded "$KHAOSAT_BIN" -C victim sync hub >hub.out 2>hub.err; rc=$?; } &&
	said "sync hub" $rc hub.out hub.err &&
	exit_code 1 $rc "sync hub" &&
	grep "la1" hub.err &&
	grep -E -e "$2" hub.err &&
	test "$(git -C victim rev-parse main)" = "$(git -C legit rev-parse main)" &&
	git -C victim rev-list --all >hub.revs &&
	! grep "$(cat "h/$1.commit")" hub.revs &&
	outcome victim | grep -v "^[0-9a-f]\{40\} [a-z]*\$" >outcome.hub &&
	grep -v "^[0-9a-f]\{40\} [a-z]*\$" expect.hub >expect.hub.refs &&
	test_cmp expect.hub.refs outcome.hub
}

# refused NAME PATTERN: by sync, bundle apply and clone.
refused() {
	refused_by_sync "$1" "$2" &&
	refused_by_apply "$1" "$2" &&
	refused_by_clone "$1" "$2"
}

# pad FILE BYTES: appends a comment line so that FILE holds exactly BYTES.
pad() {
	have=$(wc -c <"$1") &&
	n=$(($2 - have - 3)) &&
	[ $n -ge 0 ] &&
	{ printf "# " && head -c $n /dev/zero | tr "\0" x && echo; } >>"$1" &&
	test "$(wc -c <"$1")" -eq "$2"
}

# many LIST SHAPE: 10,001 valid workshop records made from f/template.yaml,
# written as blobs into the attacker's repository in one go (git
# fast-import), and LIST, their "path<TAB>100644<TAB>:OID" entries for
# hostile.  SHAPE "buckets": records of la1 in the bucket folders 000 ..
# 10000 of one device folder (counters 1, 101, ..., 1000001); "devices":
# record 0001 of each of the devices d00000 .. d10000.
many() {
	LC_ALL=C awk -v shape="$2" -v paths="$1.paths" '
		{ t[++n] = $0 }
		END {
			for (k = 0; k <= 10000; k++) {
				if (shape == "buckets") {
					id = sprintf("la1-%04d", k * 100 + 1)
					path = sprintf("records/workshop/la1/%03d/%s.yaml", k, id)
				} else {
					dev = sprintf("d%05d", k)
					id = dev "-0001"
					path = "records/workshop/" dev "/000/" id ".yaml"
				}
				s = ""
				for (i = 1; i <= n; i++)
					s = s (t[i] ~ /^id: / ? "id: " id : t[i]) "\n"
				printf "blob\nmark :%d\ndata %d\n%s\n", k + 1, length(s), s
				print path >paths
			}
		}' f/template.yaml |
	git -C attacker fast-import --quiet --export-marks="$TRASH/$1.marks" &&
	sort -t: -k2n "$1.marks" | cut -d" " -f2 | paste "$1.paths" - |
	sed "s/	/	100644	:/" >"$1" &&
	test "$(wc -l <"$1")" -eq 10001
}

# long_schema BYTES FILE: the workshop schema with its description made
# one long line, so that FILE holds exactly BYTES.
long_schema() {
	rest=$(sed -n "1,3p;8,\$p" f/workshop.yaml | wc -c) &&
	{ sed -n "1,3p" f/workshop.yaml &&
	  printf "description: " &&
	  head -c $(($1 - rest - 14)) /dev/zero | tr "\0" x &&
	  echo &&
	  sed -n "8,\$p" f/workshop.yaml; } >"$2" &&
	test "$(wc -c <"$2")" -eq "$1" &&
	sed -n "5p" "$2" | grep -q "^type: object$" &&
	test "$(grep -c "^description:" "$2")" -eq 1
}

# checks_with PATH FILE: the attacker's survey with FILE as PATH passes
# khaosat check (the file is a valid survey file, whatever its size).
checks_with() {
	rm -rf scratch &&
	cp -R attacker scratch &&
	cp "$2" "scratch/$1" &&
	khaosat -C scratch check >check.out 2>&1 &&
	rm -rf scratch
}

# ---- set-up ----

test_expect_success 'setup: centre, stick, victim, attacker, a legitimate laptop, a hub' '
	khaosat init centre --unsigned --device ce01 --surveyor "Lê Văn Tâm" \
		--email tam@example.vn --name "Mỹ Đồng" >/dev/null &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	sed -n "s/^id: *//p" centre/khaosat.yaml | tr -d "\"" >survey-id &&
	id=$(cat survey-id) && test -n "$id" &&
	git -C centre rev-parse main >base &&
	git -C centre rev-parse "main^{tree}" >base.tree &&
	mkdir stick &&
	khaosat -C centre sync ../stick >/dev/null &&
	test_path_is_file stick/$id/ce01.bundle &&
	khaosat clone stick victim --device lv1 --surveyor "Nguyễn Thị Hoa" >/dev/null &&
	khaosat clone stick attacker --device la1 --surveyor "Kẻ Gian" >/dev/null &&
	khaosat clone stick legit --device lg1 --surveyor "Trần Văn Minh" >/dev/null &&
	khaosat init --bare hub.git >/dev/null &&
	khaosat -C victim remote add hub ../hub.git >/dev/null &&
	khaosat -C victim sync hub >/dev/null &&
	set_field legit/$W1 /phone "\"0912999888\"" &&
	(cd legit && khaosat commit -m "lg1: phone of md01-0001" >/dev/null) &&
	khaosat -C legit sync ../stick >/dev/null &&
	test_path_is_file stick/$id/lg1.bundle &&
	khaosat -C legit remote add hub ../hub.git >/dev/null &&
	khaosat -C legit sync hub >/dev/null &&
	test "$(git -C hub.git rev-parse refs/heads/devices/lg1)" = "$(git -C legit rev-parse main)" &&
	test "$(git -C victim rev-parse main)" = "$(cat base)" &&
	test "$(git -C attacker rev-parse main)" = "$(cat base)" &&
	tar cf fixture.tar victim stick hub.git
'

test_expect_success 'setup: what a sync with lg1 alone leaves, by stick and by hub' '
	restore &&
	khaosat -C victim sync ../stick >/dev/null &&
	outcome victim >expect.sync &&
	restore &&
	khaosat -C victim sync hub >/dev/null &&
	outcome victim >expect.hub
'

test_expect_success 'setup: a valid record of la1, its commit, the files the attacker brings' '
	mkdir f &&
	# A household business like md01-0001 (no tax code, which only
	# md01-0001 may hold), as record la1-0001 of the attacker.
	grep -v "^tax_code:" attacker/$W1 |
	sed -e "s/^legal_type:.*/legal_type: ho_kinh_doanh/" \
		-e "s/^name:.*/name: Cơ sở đúc la1/" >f/template.yaml &&
	sed "s/^id: .*/id: la1-0001/" f/template.yaml >f/la1-0001.yaml &&
	mkdir -p attacker/records/workshop/la1/000 &&
	cp f/la1-0001.yaml attacker/records/workshop/la1/000/ &&
	khaosat -C attacker check >check.out 2>&1 &&
	rm -r attacker/records/workshop/la1 &&
	test -z "$(git -C attacker status --porcelain)" &&
	sed "s/^id: .*/id: md01-0099/" f/template.yaml >f/md01-0099.yaml &&
	git -C attacker show main:$W5 >f/md01-0005.yaml &&
	printf "note: gặp chủ cơ sở lúc 9 giờ\n" >f/notes.yaml &&
	printf "#!/bin/sh\nrm -rf \"\$HOME\"\n" >f/run.sh &&
	git -C attacker show main:schema/workshop.yaml >f/workshop.yaml &&
	git -C attacker show main:khaosat.yaml >f/khaosat.yaml &&
	hostile la1-record "Workshop la1-0001" <<-EOF
	records/workshop/la1/000/la1-0001.yaml	100644	f/la1-0001.yaml
	EOF
'

# ---- the controls ----

test_expect_success 'control: lg1.bundle alone on the stick is applied' '
	restore &&
	khaosat -C victim sync ../stick >out &&
	test "$(git -C victim rev-parse main)" = "$(git -C legit rev-parse main)" &&
	git -C victim show main:$W1 | grep "^phone: \"0912999888\"$" &&
	grep "^phone: \"0912999888\"$" victim/$W1 &&
	test -z "$(git -C victim status --porcelain)"
'

test_expect_success 'control: a file at the root outside the layout (README.md), refused today' '
	printf "# Đọc tôi\n" >f/README.md &&
	hostile rootfile "Add a README" <<-EOF &&
	README.md	100644	f/README.md
	EOF
	refused rootfile "README\.md" &&
	refused_by_hub rootfile "README\.md"
'

# A hub sync fetches every device's ref in one pack; when one is refused,
# only what the others reach is kept.
test_expect_success 'a refused hub ref leaves none of its objects in the store' '
	refused_by_hub rootfile "README\.md" &&
	outcome victim >outcome.hub.all &&
	test_cmp expect.hub outcome.hub.all
'

test_expect_success 'control: a plumbing-made la1 commit with a valid record is applied' '
	restore &&
	khaosat -C victim bundle apply ../h/la1-record.bundle >out &&
	test "$(git -C victim rev-parse main)" = "$(cat h/la1-record.commit)" &&
	git -C victim show main:records/workshop/la1/000/la1-0001.yaml >rec &&
	test_cmp f/la1-0001.yaml rec &&
	restore &&
	id=$(cat survey-id) &&
	cp h/la1-record.bundle stick/$id/la1.bundle &&
	khaosat -C victim sync ../stick >out &&
	git -C victim merge-base --is-ancestor "$(cat h/la1-record.commit)" main &&
	git -C victim merge-base --is-ancestor "$(git -C legit rev-parse main)" main &&
	test -z "$(git -C victim status --porcelain)"
'

test_expect_success 'refusal is whole: la1.bundle with a valid commit, then a hostile one' '
	hostile two-step "Weapon la1-0002" "$(cat h/la1-record.commit)" <<-EOF &&
	records/weapon/la1/000/la1-0002.yaml	100644	f/la1-0001.yaml
	EOF
	git -C attacker rev-list "$(cat base)..$(cat h/two-step.commit)" >commits &&
	test_line_count = 2 commits &&
	refused_by_sync two-step "records/weapon" &&
	! git -C victim cat-file -e "$(cat h/la1-record.commit)" 2>/dev/null &&
	refused_by_apply two-step "records/weapon"
'

# ---- khaosat.yaml and schemas ----

test_expect_success 'khaosat.yaml that does not parse is refused' '
	printf "name: [\n" >f/broken.yaml &&
	hostile unparsable "Survey settings" <<-EOF &&
	khaosat.yaml	100644	f/broken.yaml
	EOF
	refused unparsable "khaosat\.yaml"
'

test_expect_success 'a members.yaml that does not read is refused' '
	printf "members:\n  - device: md01\n    role: boss\n" >f/members.yaml &&
	hostile members "Members" <<-EOF &&
	members.yaml	100644	f/members.yaml
	EOF
	refused members "members file that does not read: members.yaml:2:5: .*needs a surveyor"
'

test_expect_success 'commit refuses a members.yaml that does not read, located' '
	restore &&
	cp f/members.yaml victim/members.yaml &&
	test_expect_code 1 khaosat -C victim commit -m members 2>err &&
	grep -q "^members.yaml:2:5: error: member md01 needs a surveyor" err &&
	rm victim/members.yaml
'

test_expect_success 'khaosat.yaml with another survey id is refused (stick, apply, clone, hub)' '
	id=$(cat survey-id) &&
	sed "s/^id: .*/id: 0123456789abcdef/" f/khaosat.yaml >f/other-id.yaml &&
	! grep "$id" f/other-id.yaml &&
	test "$(diff f/khaosat.yaml f/other-id.yaml | grep -c "^[<>]")" -eq 2 &&
	hostile survey-id "Survey settings" <<-EOF &&
	khaosat.yaml	100644	f/other-id.yaml
	EOF
	refused survey-id "khaosat\.yaml" &&
	refused_by_hub survey-id "khaosat\.yaml"
'

test_expect_success 'khaosat.yaml naming a schema file that does not exist is refused' '
	{ cat f/khaosat.yaml &&
	  printf "  tool:\n    schema: schema/tool.yaml\n    title: Công cụ\n"; } >f/tool-kind.yaml &&
	hostile missing-schema "Kind tool" <<-EOF &&
	khaosat.yaml	100644	f/tool-kind.yaml
	EOF
	git -C attacker show "$(cat h/missing-schema.commit):khaosat.yaml" | grep -q "^  tool:$" &&
	refused missing-schema "schema/tool\.yaml"
'

test_expect_success 'a schema that does not compile (type: 42) is refused' '
	sed "s/^type: object$/type: 42/" f/workshop.yaml >f/type42.yaml &&
	grep -q "^type: 42$" f/type42.yaml &&
	hostile bad-schema "Workshop schema" <<-EOF &&
	schema/workshop.yaml	100644	f/type42.yaml
	EOF
	refused bad-schema "schema/workshop\.yaml"
'

# ---- the records/ layout ----

test_expect_success 'an unknown kind folder (records/weapon) is refused (stick, apply, clone, hub)' '
	hostile weapon "Weapon la1-0001" <<-EOF &&
	records/weapon/la1/000/la1-0001.yaml	100644	f/la1-0001.yaml
	EOF
	refused weapon "records/weapon" &&
	refused_by_hub weapon "records/weapon"
'

test_expect_success 'a file in a record folder not named after a record id is refused' '
	hostile notes "Notes" <<-EOF &&
	records/workshop/md01/000/notes.yaml	100644	f/notes.yaml
	EOF
	refused notes "records/workshop/md01/000/notes\.yaml"
'

test_expect_success 'a record filed under another device folder is refused' '
	hostile other-device "Workshop md01-0099" <<-EOF &&
	records/workshop/md02/000/md01-0099.yaml	100644	f/md01-0099.yaml
	EOF
	refused other-device "records/workshop/md02/000/md01-0099\.yaml"
'

test_expect_success 'a record in the wrong counter folder is refused' '
	hostile wrong-bucket "Move md01-0005" <<-EOF &&
	$W5	-	-
	records/workshop/md01/001/md01-0005.yaml	100644	f/md01-0005.yaml
	EOF
	git -C attacker ls-tree -r --name-only "$(cat h/wrong-bucket.commit)" >paths &&
	! grep "^$W5\$" paths &&
	refused wrong-bucket "records/workshop/md01/001/md01-0005\.yaml"
'

test_expect_success 'a record path deeper than the layout is refused' '
	hostile deeper "Workshop la1-0001" <<-EOF &&
	records/workshop/la1/000/x/la1-0001.yaml	100644	f/la1-0001.yaml
	EOF
	refused deeper "records/workshop/la1/000/x"
'

# ---- modes and files nobody names ----

test_expect_success 'an executable file in schema/ (schema/run.sh, 100755) is refused' '
	hostile run-sh "Helper" <<-EOF &&
	schema/run.sh	100755	f/run.sh
	EOF
	refused run-sh "schema/run\.sh"
'

test_expect_success 'an existing schema turned executable (100755) is refused' '
	hostile exec-schema "Workshop schema" <<-EOF &&
	schema/workshop.yaml	100755	f/workshop.yaml
	EOF
	git -C attacker ls-tree "$(cat h/exec-schema.commit)" schema/workshop.yaml >entry &&
	grep -q "^100755 blob $(git -C attacker rev-parse main:schema/workshop.yaml)	" entry &&
	refused exec-schema "schema/workshop\.yaml"
'

# The files a survey knows in schema/ are the kinds' schemas and what
# they $ref: the compiler says which it read.
test_expect_success 'a file in schema/ that khaosat.yaml does not name is refused' '
	hostile extra-schema "Extra schema" <<-EOF &&
	schema/extra.yaml	100644	f/workshop.yaml
	EOF
	refused extra-schema "schema/extra\.yaml"
'

# ---- sizes ----

test_expect_success 'a schema over 1 MiB (a long description) is refused' '
	long_schema 1048576 f/schema-at-limit.yaml &&
	checks_with schema/workshop.yaml f/schema-at-limit.yaml &&
	long_schema 1048577 f/big-schema.yaml &&
	hostile big-schema "Workshop schema" <<-EOF &&
	schema/workshop.yaml	100644	f/big-schema.yaml
	EOF
	test $(wc -c <h/big-schema.bundle) -lt 65536 &&
	refused big-schema "schema/workshop\.yaml"
'

test_expect_success 'an allowed_signers over 1 MiB is refused' '
	ssh-keygen -q -t ed25519 -N "" -C la1@example.vn -f la1-key &&
	printf "la1@example.vn namespaces=\"git\" %s\n" "$(cut -d" " -f1,2 la1-key.pub)" >f/allowed_signers &&
	pad f/allowed_signers 1048577 &&
	hostile big-signers "Keys" <<-EOF &&
	allowed_signers	100644	f/allowed_signers
	EOF
	test $(wc -c <h/big-signers.bundle) -lt 65536 &&
	refused big-signers "allowed_signers"
'

test_expect_success 'a khaosat.yaml over 64 KiB (a long comment) is refused' '
	cp f/khaosat.yaml f/khaosat-at-limit.yaml &&
	pad f/khaosat-at-limit.yaml 65536 &&
	checks_with khaosat.yaml f/khaosat-at-limit.yaml &&
	cp f/khaosat.yaml f/big-khaosat.yaml &&
	pad f/big-khaosat.yaml 65537 &&
	hostile big-khaosat "Survey settings" <<-EOF &&
	khaosat.yaml	100644	f/big-khaosat.yaml
	EOF
	refused big-khaosat "khaosat\.yaml"
'

# ---- too many entries ----

test_expect_success 'a device folder with 10,001 entries is refused' '
	many many-buckets.list buckets &&
	sed -n 1p many-buckets.list >first &&
	printf "records/workshop/la1/000/la1-0001.yaml\t100644\t:%s\n" \
		"$(git hash-object f/la1-0001.yaml)" >expect &&
	test_cmp expect first &&
	grep -q "^records/workshop/la1/10000/la1-1000001.yaml	" many-buckets.list &&
	hostile many-buckets "Many workshops" <many-buckets.list &&
	git -C attacker ls-tree "$(cat h/many-buckets.commit):records/workshop/la1" >entries &&
	test "$(wc -l <entries)" -eq 10001 &&
	BOUND=10 &&
	refused many-buckets "records/workshop/la1/?([^/0-9a-z]|\$)"
'

test_expect_success 'a kind folder with 10,001 device folders is refused' '
	many many-devices.list devices &&
	grep -q "^records/workshop/d10000/000/d10000-0001.yaml	" many-devices.list &&
	hostile many-devices "Many devices" <many-devices.list &&
	git -C attacker ls-tree "$(cat h/many-devices.commit):records/workshop" >entries &&
	test "$(wc -l <entries)" -eq 10003 &&
	BOUND=10 &&
	refused many-devices "records/workshop/?([^/0-9a-z]|\$)"
'

test_expect_success 'commit refuses what every peer would refuse, naming it' '
	restore &&
	W=records/workshop/md01/000/md01-0001.yaml &&
	for p in schema/run.sh records/weapon/lv1/000/lv1-0001.yaml \
		records/workshop/md01/000/notes.yaml schema/extra.yaml; do
		mkdir -p "victim/$(dirname $p)" &&
		cp victim/$W "victim/$p" &&
		test_expect_code 1 khaosat -C victim commit -m "$p" 2>err &&
		grep -F "$p: error: cannot be committed" err &&
		rm -f "victim/$p" || return 1
	done &&
	head -c 70000 /dev/zero | tr "\0" "#" >pad &&
	cp victim/khaosat.yaml khaosat.yaml.orig &&
	cat pad >>victim/khaosat.yaml &&
	test_expect_code 1 khaosat -C victim commit -m big 2>err &&
	grep -F "khaosat.yaml: error: cannot be committed: " err &&
	cp khaosat.yaml.orig victim/khaosat.yaml &&
	test -z "$(git -C victim status --porcelain)"
'

test_done
