#!/bin/sh
# A device's history only grows.  A laptop remembers the last tip it took
# in from each other device (refs/khaosat/seen/<device>); a bundle on the
# stick or a device ref on the hub that no longer holds it was rewritten
# (git commit --amend, git reset, an older copy of the survey folder that
# made new commits) and is refused whole, naming the device and the commit
# it lost, with nothing applied; the other devices' work still arrives.  An
# older bundle of the same device (an old stick) is no rewrite.  Plain git
# makes the rewritten histories.
. "$(dirname "$0")/lib.sh"

R2=records/workshop/md02/000/md02-0001.yaml

test_expect_success 'setup: md01 with a stick and a hub; md02 and md03 from the stick' '
	khaosat init md01 --unsigned --device md01 --surveyor "Người 1" --name "Mỹ Đồng" >/dev/null &&
	khaosat init --bare hub.git >/dev/null &&
	mkdir stick &&
	(cd md01 && khaosat remote add hub ../hub.git >/dev/null &&
	 khaosat sync hub >/dev/null && khaosat sync ../stick >/dev/null) &&
	for l in md02 md03; do
		khaosat clone stick $l --device $l --surveyor "Người $l" >/dev/null &&
		(cd $l && khaosat remote add hub ../hub.git >/dev/null) || return 1
	done &&
	(cd md02 && khaosat new workshop --from "$TEST_DATA/workshop-min.yaml" >/dev/null 2>&1 ||
	 khaosat new workshop --from "$SAMPLES/records/workshop/md01/000/md01-0001.yaml" >/dev/null) &&
	(cd md02 && khaosat commit -m "md02 first" >/dev/null &&
	 khaosat sync ../stick >/dev/null && khaosat sync hub >/dev/null) &&
	(cd md01 && khaosat sync ../stick >/dev/null) &&
	(cd md03 && khaosat sync ../stick >/dev/null) &&
	test_path_is_file md01/$R2 &&
	test "$(git -C md01 rev-parse refs/khaosat/seen/md02)" = "$(git -C md02 rev-parse main)" &&
	survey=$(ls stick) && echo "$survey" >survey &&
	cp stick/$survey/md02.bundle md02-old.bundle
'

test_expect_success 'a bundle whose history lost a commit md01 took in is refused whole' '
	survey=$(cat survey) &&
	git -C md02 -c user.name=md02 -c user.email=md02@x commit -q --amend -m "md02 first, rewritten" -m "Device: md02" &&
	sed -i "s/^phone:.*/phone: \"0912000777\"/" md02/$R2 &&
	git -C md02 -c user.name=md02 -c user.email=md02@x commit -q -a -m "md02 after the rewrite" -m "Device: md02" &&
	git -C md02 bundle create -q "$TRASH/stick/$survey/md02.bundle" main &&
	(cd md03 && khaosat new workshop --from ../md02/$R2 >/dev/null &&
	 khaosat commit -m "md03 work" >/dev/null) &&
	test_expect_code 1 khaosat -C md03 sync ../stick >out3 2>&1 &&
	grep -q "rewritten history" out3 &&
	test_expect_code 1 khaosat -C md01 sync ../stick >out 2>err &&
	grep "md02.bundle" err | grep -q "rewritten history" &&
	grep -q "no longer holds commit $(git -C md01 rev-parse --short=10 refs/khaosat/seen/md02)" err &&
	! grep -q 0912000777 md01/$R2 &&
	test_path_is_file md01/records/workshop/md03/000/md03-0001.yaml &&
	git -C md01 log --format=%s main >log &&
	! grep -q "rewritten" log && ! grep -q "after the rewrite" log &&
	git -C md01 fsck --no-progress >fsck 2>&1 && ! grep -v dangling fsck
'

test_expect_success 'the rewritten commits are not kept either' '
	! git -C md01 cat-file -e $(git -C md02 rev-parse main) 2>/dev/null
'

test_expect_success 'an older bundle of the same device is no rewrite' '
	survey=$(cat survey) &&
	rm -rf md01b && cp -R md01 md01b &&
	cp md02-old.bundle stick/$survey/md02.bundle &&
	khaosat -C md01b sync ../stick >out 2>err &&
	! grep -q "rewritten" err
'

test_expect_success 'a device ref on the hub that lost its commit is refused; the others arrive' '
	# The hub refuses a forced push; one whose disk was written to (or an
	# older khaosat hub) lets it through.
	git -C md02 push -q ../hub.git main:refs/heads/rewritten &&
	git -C hub.git update-ref refs/heads/devices/md02 refs/heads/rewritten &&
	(cd md03 && sed -i "s/^phone:.*/phone: \"0912000888\"/" records/workshop/md03/000/md03-0001.yaml &&
	 khaosat commit -m "md03 on the hub" >/dev/null) &&
	test_expect_code 1 khaosat -C md03 sync hub >out3 2>&1 &&
	grep "(md02)" out3 | grep -q "rewritten history" &&
	test_expect_code 1 khaosat -C md01 sync hub >out 2>err &&
	grep "(md02)" err | grep -q "rewritten history" &&
	! grep -q 0912000777 md01/$R2 &&
	grep -q 0912000888 md01/records/workshop/md03/000/md03-0001.yaml &&
	! git -C md01 cat-file -e $(git -C md02 rev-parse main) 2>/dev/null
'

test_expect_success 'the rewritten history, already in the store by other means, is still refused' '
	survey=$(cat survey) &&
	git -C md02 bundle create -q "$TRASH/stick/$survey/md02.bundle" main &&
	git -C md01 fetch -q ../md02 main:refs/planted &&
	git -C md01 update-ref -d refs/planted &&
	before=$(git -C md01 rev-parse main) &&
	test_expect_code 1 khaosat -C md01 sync ../stick >out 2>err &&
	grep "md02" err | grep -q "rewritten history: md02" &&
	test "$(git -C md01 rev-parse main)" = "$before"
'

test_expect_success 'bundle apply: a bundle whose history lost a commit taken in before is refused' '
	rm -rf md01c && cp -R md01 md01c &&
	git -C md02 bundle create -q "$TRASH/rewritten.bundle" main &&
	state() { git -C md01c for-each-ref; git -C md01c rev-parse main; } &&
	state >before &&
	test_expect_code 1 khaosat -C md01c bundle apply ../rewritten.bundle >out 2>err &&
	grep -q "rewritten history: it no longer holds commit" err &&
	state >after && test_cmp before after
'

test_expect_success 'bundle apply remembers what it took in: a later rewrite is refused too' '
	khaosat clone stick md04 --device md04 --surveyor "Người 4" >/dev/null &&
	git -C md04 -c user.name=md04 -c user.email=md04@x commit -q --allow-empty -m "md04 one" -m "Device: md04" &&
	git -C md04 bundle create -q "$TRASH/md04-1.bundle" main &&
	khaosat -C md03 bundle apply ../md04-1.bundle >/dev/null &&
	test "$(git -C md03 rev-parse refs/khaosat/seen/md04)" = "$(git -C md04 rev-parse main)" &&
	git -C md04 -c user.name=md04 -c user.email=md04@x commit -q --amend --allow-empty -m "md04 one, amended" -m "Device: md04" &&
	git -C md04 bundle create -q "$TRASH/md04-2.bundle" main &&
	test_expect_code 1 khaosat -C md03 bundle apply ../md04-2.bundle 2>err &&
	grep -q "rewritten history" err
'

test_done
