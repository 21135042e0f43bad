#!/bin/sh
# khaosat init: a survey repository on branch main with khaosat.yaml, the
# schema pack and one commit by the surveyor from the device; the device
# identity in .git/config only; refusals that change nothing.
. "$(dirname "$0")/lib.sh"

test_expect_success 'init creates a survey and says so' '
	khaosat init s --device md01 --surveyor "Nguyễn Thị Hoa" \
		--email hoa@example.vn >out 2>err &&
	test_must_be_empty err &&
	id=$(sed -n "s/^id: //p" s/khaosat.yaml) &&
	fp=$(ssh-keygen -l -f s/.git/khaosat/key.pub | cut -d" " -f2) &&
	cat >expect <<-EOF &&
	Created survey "s" (id $id) in $TRASH/s/
	Device md01, surveyor Nguyễn Thị Hoa. Add a record with '"'"'khaosat new workshop'"'"'.
	Signed survey: this laptop is its centre, with key $fp.
	Give that key to every laptop that joins: '"'"'khaosat clone'"'"' shows it to compare.
	EOF
	test_cmp expect out
'

test_expect_success 'a signed survey: the laptop has its own key, kept private' '
	test "$(stat -c %a s/.git/khaosat/key)" = 600 &&
	ssh-keygen -y -f s/.git/khaosat/key >pub &&
	test "$(cut -d" " -f1-2 pub)" = "$(cut -d" " -f1-2 s/.git/khaosat/key.pub)"
'

test_expect_success 'members.yaml names this laptop the centre, with its key' '
	key=$(cut -d" " -f1-2 s/.git/khaosat/key.pub) &&
	cat >expect <<-EOF &&
	members:
	  - device: md01
	    surveyor: "Nguyễn Thị Hoa"
	    role: centre
	    key: $key
	EOF
	grep -v "^#" s/members.yaml >got &&
	test_cmp expect got
'

test_expect_success 'the first commit is signed by that key, as git verify-commit sees it' '
	echo "md01 $(cut -d" " -f1-2 s/.git/khaosat/key.pub)" >signers &&
	git -C s -c gpg.ssh.allowedSignersFile="$TRASH/signers" verify-commit HEAD 2>out &&
	grep -q "Good \"git\" signature for md01 with ED25519 key" out
'

test_expect_success 'init --unsigned: no key, no members file, an unsigned first commit' '
	khaosat init open --unsigned --device md01 --surveyor "Nguyễn Thị Hoa" >out &&
	grep -q "^Unsigned survey: any laptop may change anything.$" out &&
	test_path_is_missing open/.git/khaosat/key &&
	test_path_is_missing open/members.yaml &&
	test -z "$(git -C open cat-file commit HEAD | sed -n "/^gpgsig /p")"
'

test_expect_success 'git accepts the repository' '
	git -C s fsck --full --strict
'

test_expect_success 'the branch is main, checked out, with one commit' '
	test "$(git -C s symbolic-ref HEAD)" = refs/heads/main &&
	git -C s for-each-ref --format="%(refname)" >refs &&
	echo refs/heads/main >expect &&
	test_cmp expect refs &&
	test "$(git -C s rev-list --count main)" = 1
'

test_expect_success 'the work tree is clean: everything made is committed' '
	git -C s status --porcelain --untracked-files=all >status &&
	test_must_be_empty status &&
	git -C s ls-files >files &&
	cat >expect <<-\EOF &&
	khaosat.yaml
	members.yaml
	schema/brand.yaml
	schema/workshop.yaml
	EOF
	test_cmp expect files
'

test_expect_success 'khaosat.yaml has the name, a 16-hex survey id and the kinds' '
	id=$(sed -n "s/^id: //p" s/khaosat.yaml) &&
	echo "$id" | grep -E "^[0-9a-f]{16}$" &&
	cat >expect <<-EOF &&
	# The survey: its name, its id (made at init, never changed), and
	# the kinds of record it holds with their schemas.
	name: s
	id: $id
	format: 1
	kinds:
	  workshop:
	    schema: schema/workshop.yaml
	    title: Cơ sở công nghiệp nông thôn
	  brand:
	    schema: schema/brand.yaml
	    title: Nhãn hiệu
	EOF
	test_cmp expect s/khaosat.yaml
'

test_expect_success 'the schema files are the default pack, byte for byte' '
	test_cmp "$KHAOSAT_TOP/schema/workshop.yaml" s/schema/workshop.yaml &&
	test_cmp "$KHAOSAT_TOP/schema/brand.yaml" s/schema/brand.yaml
'

test_expect_success 'the first commit: author surveyor, committer device, Device trailer' '
	git -C s log -1 --format="%an <%ae>%n%cn <%ce>%n%B" >commit &&
	cat >expect <<-\EOF &&
	Nguyễn Thị Hoa <hoa@example.vn>
	md01 <hoa@example.vn>
	Create survey "s"

	Device: md01

	EOF
	test_cmp expect commit &&
	git -C s log -1 --format="%(trailers:key=Device,valueonly)" >trailer &&
	printf "md01\n\n" >expect &&
	test_cmp expect trailer
'

test_expect_success 'the commit has no parent and holds exactly the survey files' '
	test "$(git -C s log -1 --format=%P)" = "" &&
	git -C s ls-tree -r --name-only HEAD >tree &&
	cat >expect <<-\EOF &&
	khaosat.yaml
	members.yaml
	schema/brand.yaml
	schema/workshop.yaml
	EOF
	test_cmp expect tree
'

test_expect_success 'the identity is in .git/config; only members.yaml names the centre' '
	test "$(git -C s config --local khaosat.device)" = md01 &&
	test "$(git -C s config --local khaosat.surveyor)" = "Nguyễn Thị Hoa" &&
	test "$(git -C s config --local khaosat.email)" = hoa@example.vn &&
	test_must_fail git -C s grep -I -e hoa@example.vn HEAD &&
	test_must_fail git -C s grep -I -e md01 -e "Nguyễn Thị Hoa" HEAD -- ":!members.yaml" &&
	test_must_fail git -C open grep -I -e md01 -e "Nguyễn Thị Hoa" HEAD &&
	test_must_fail grep -r -e md01 -e "Thị Hoa" -e hoa@example s/khaosat.yaml s/schema
'

test_expect_success 'nothing of the identity leaks into the global git config' '
	test_must_fail git config --global khaosat.device
'

test_expect_success 'init in the current folder, with --name and no e-mail' '
	mkdir here &&
	(cd here && khaosat init --device md02 --surveyor "Trần Văn Minh" \
		--name "Làng nghề đúc Mỹ Đồng" >../out) &&
	grep "^name: Làng nghề đúc Mỹ Đồng$" here/khaosat.yaml &&
	git -C here log -1 --format="%an <%ae>|%cn <%ce>|%s" >commit &&
	echo "Trần Văn Minh <md02@khaosat.invalid>|md02 <md02@khaosat.invalid>|Create survey \"Làng nghề đúc Mỹ Đồng\"" >expect &&
	test_cmp expect commit &&
	test_must_fail git -C here config khaosat.email &&
	git -C here fsck --full
'

test_expect_success 'a survey name that YAML would misread is quoted in khaosat.yaml' '
	khaosat init n --device md01 --surveyor X --name "2024" >/dev/null &&
	grep "^name: \"2024\"$" n/khaosat.yaml &&
	(cd n && khaosat status >../out) &&
	head -n 1 out >first &&
	echo "Survey \"2024\", device md01 (X)" >expect &&
	test_cmp expect first
'

test_expect_success 'two surveys get different ids' '
	khaosat init t --device md01 --surveyor X >/dev/null &&
	a=$(sed -n "s/^id: //p" s/khaosat.yaml) &&
	b=$(sed -n "s/^id: //p" t/khaosat.yaml) &&
	test -n "$a" &&
	test "$a" != "$b"
'

test_expect_success 'init makes missing parent folders' '
	khaosat init deep/er/survey --device md01 --surveyor X >/dev/null &&
	test_path_is_file deep/er/survey/khaosat.yaml &&
	git -C deep/er/survey fsck --full
'

# ---- refusals: the exit code, one message, nothing changed ----

test_expect_success 'init over an existing survey is refused (exit 3), nothing changes' '
	snapshot s >before &&
	test_expect_code 3 khaosat init s --device md09 --surveyor Y >out 2>err &&
	test_must_be_empty out &&
	echo "s: error: already holds a survey; refusing to overwrite it" >expect &&
	test_cmp expect err &&
	snapshot s >after &&
	test_cmp before after &&
	test "$(git -C s config khaosat.device)" = md01
'

test_expect_success 'init over a plain git repository is refused (exit 3), nothing changes' '
	git init -q g &&
	echo keep >g/file &&
	snapshot g >before &&
	test_expect_code 3 khaosat init g --device md01 --surveyor X >out 2>err &&
	echo "g: error: already a git repository; refusing to create a survey over it" >expect &&
	test_cmp expect err &&
	snapshot g >after &&
	test_cmp before after
'

test_expect_success 'init in a folder that holds khaosat.yaml is refused (exit 3)' '
	mkdir k &&
	echo "name: mine" >k/khaosat.yaml &&
	snapshot k >before &&
	test_expect_code 3 khaosat init k --device md01 --surveyor X >out 2>err &&
	echo "k: error: already holds a survey; refusing to overwrite it" >expect &&
	test_cmp expect err &&
	snapshot k >after &&
	test_cmp before after &&
	test_path_is_missing k/.git
'

test_expect_success 'a bad device id is a usage error (exit 2) and creates nothing' '
	test_expect_code 2 khaosat init bad --device MD01 --surveyor X >out 2>err &&
	echo "error: device id \"MD01\" must be 2 to 12 lowercase letters and digits, starting with a letter (e.g. md01)" >expect &&
	test_cmp expect err &&
	test_path_is_missing bad
'

test_expect_success 'other bad device ids are refused the same way' '
	for dev in m 1md md-01 md_01 abcdefghijklm "md 01" "mđ01"; do
		test_must_fail khaosat init bad --device "$dev" --surveyor X 2>err &&
		grep "^error: device id \"$dev\" must be" err &&
		test_path_is_missing bad || return 1
	done
'

test_expect_success 'a bad device id leaves an existing empty folder as it was' '
	mkdir empty &&
	test_must_fail khaosat init empty --device X1 --surveyor X 2>err &&
	find empty >list &&
	echo empty >expect &&
	test_cmp expect list
'

test_expect_success 'missing --device is a usage error (exit 2)' '
	test_expect_code 2 khaosat init nodev --surveyor X >out 2>err &&
	cat >expect <<-\EOF &&
	error: --device and --surveyor are required
	usage: khaosat init [DIR] --device ID --surveyor NAME [--email ADDR] [--name NAME]
	   or: khaosat init --bare DIR
	EOF
	test_cmp expect err &&
	test_path_is_missing nodev
'

test_expect_success 'missing --surveyor is a usage error (exit 2)' '
	test_expect_code 2 khaosat init nosur --device md01 2>err &&
	grep "^error: --device and --surveyor are required$" err &&
	test_path_is_missing nosur
'

test_expect_success 'an empty surveyor name is a usage error (exit 2)' '
	test_expect_code 2 khaosat init nosur --device md01 --surveyor "" 2>err &&
	echo "error: the surveyor'"'"'s name is required (--surveyor)" >expect &&
	test_cmp expect err &&
	test_path_is_missing nosur
'

test_expect_success 'two folders is a usage error (exit 2)' '
	test_expect_code 2 khaosat init a b --device md01 --surveyor X 2>err &&
	grep "^error: too many arguments$" err &&
	test_path_is_missing a &&
	test_path_is_missing b
'

test_expect_success 'an unknown option is a usage error (exit 2)' '
	test_expect_code 2 khaosat init u --device md01 --surveyor X --colour 2>err &&
	grep "^error: unknown option '"'"'--colour'"'"'$" err &&
	test_path_is_missing u
'

test_expect_success 'init --help prints the options and changes nothing' '
	khaosat init --help >out &&
	grep "^usage: khaosat init \[DIR\] --device ID --surveyor NAME" out &&
	grep -- "--device ID" out &&
	test_path_is_missing .git
'

test_expect_success 'every survey made here passes git fsck' '
	for d in s here n t deep/er/survey; do
		git -C $d fsck --full --strict || return 1
	done
'

test_done
