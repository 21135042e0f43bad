#!/bin/sh
# khaosat sync and clone over a LAN through real servers started here, on
# 127.0.0.1 and free ports: git http-backend behind lighttpd (smart HTTP,
# with and without basic auth, a server that is stopped, one that cuts a
# fetch short) and an unprivileged sshd.  A server that cannot be started
# (lighttpd or sshd not installed) skips its cases and says so.  Every
# server is stopped when the script ends, whatever happened.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
W2=records/workshop/md01/000/md01-0002.yaml
W3=records/workshop/md01/000/md01-0003.yaml
SRV=$TRASH/srv
HUB=$SRV/repos/hub.git
BACKEND=$(git --exec-path)/git-http-backend
unset SSH_AUTH_SOCK SSH_AGENT_PID KHAOSAT_USERNAME KHAOSAT_PASSWORD
mkdir -p "$SRV/repos" "$SRV/www"

. "$(dirname "$0")/lib-lan.sh"
trap 'stop_servers; test_cleanup' EXIT

# ---- helpers for the cases ----

# edit DIR FILE PREFIX LINE MESSAGE: one field changed and committed.
edit() {
	set_line "$1/$2" "$3" "$4" &&
	(cd "$1" && khaosat commit -m "$5" >/dev/null)
}

url() {
	echo "http://127.0.0.1:$(cat "$SRV/http.port")/$1/hub.git"
}

# Everything a failed sync must leave alone in a survey (but the note of
# its folders, which any listing may make when they are old enough:
# wtlist.c).
state() {
	git -C "$1" for-each-ref &&
	(cd "$1" && find .git/objects .git/khaosat -type f ! -path .git/khaosat/folders |
		LC_ALL=C sort) &&
	snapshot "$1" | grep -v " \./\.git/"
}

# clone_fails ARGS...: khaosat clone fails by itself (as sync_fails).
clone_fails() {
	timeout 20 "$KHAOSAT_BIN" clone "$@" >out 2>err
	clone_rc_=$?
	if [ $clone_rc_ -eq 0 ] || [ $clone_rc_ -ge 124 ]; then
		echo "clone_fails: $(test_describe_code_ $clone_rc_) (124: timed out): clone $*" >&3
		cat err >&3
		return 1
	fi
	cat err
}

# khaosat that gives up within 20 s (124: it did not).
ks() {
	timeout 20 "$KHAOSAT_BIN" "$@"
}

# sync_fails DIR ARGS...: khaosat sync fails by itself, neither crashing
# nor running on until the timeout; its stderr is in err.
sync_fails() {
	sync_dir_=$1
	shift
	timeout 20 "$KHAOSAT_BIN" -C "$sync_dir_" sync "$@" >out 2>err
	sync_rc_=$?
	if [ $sync_rc_ -eq 0 ] || [ $sync_rc_ -ge 124 ]; then
		echo "sync_fails: $(test_describe_code_ $sync_rc_) (124: timed out): sync $*" >&3
		cat err >&3
		return 1
	fi
	cat err
}

test_expect_success 'setup: the centre with the samples, a hub' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	khaosat init --bare "$HUB" >/dev/null &&
	git -C "$HUB" config http.receivepack true &&
	printf "surveyor:secret\n" >"$SRV/users"
'

if http_available; then

test_expect_success 'http: the centre pushes the survey to the hub' '
	khaosat -C centre remote add hub "$(url git)" >/dev/null &&
	ks -C centre sync >out &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/centre)" = \
		"$(git -C centre rev-parse main)" &&
	git -C "$HUB" fsck --full --strict
'

test_expect_success 'http: two laptops are set up from the hub' '
	ks clone "$(url git)" lap1 --device lap1 \
		--surveyor "Nguyễn Thị Hoa" >out &&
	grep -q "^Set up survey \"Mỹ Đồng\"" out &&
	ks clone "$(url git)" lap2 --device lap2 \
		--surveyor "Trần Văn Minh" >/dev/null &&
	test "$(tree lap1)" = "$(tree centre)" &&
	test "$(tree lap2)" = "$(tree centre)" &&
	test "$(git -C lap1 remote get-url centre)" = "$(url git)" &&
	git -C lap1 fsck --full
'

test_expect_success 'http: an edit on one laptop reaches the others' '
	edit lap1 $W1 "phone:" "phone: \"02253111222\"" "lap1: phone" &&
	ks -C lap1 sync >/dev/null &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap1)" = \
		"$(git -C lap1 rev-parse main)" &&
	ks -C lap2 sync >out &&
	grep -q "^phone: \"02253111222\"$" lap2/$W1 &&
	ks -C centre sync >/dev/null &&
	grep -q "^phone: \"02253111222\"$" centre/$W1
'

test_expect_success 'http: a record made on a laptop reaches the others' '
	(cd lap2 && khaosat new workshop --set name="HKD Đúc gang Phạm Văn Tư" \
		--set legal_type=ho_kinh_doanh \
		--set address.commune_name="Mỹ Đồng" \
		--set address.province_name="Hải Phòng" \
		--set trade_group=do_go_gom_su_det_may_co_khi_nho >../new.out &&
		khaosat commit -m "lap2: new workshop" >/dev/null) &&
	rec=$(cd lap2 && git ls-files records/workshop/lap2) &&
	test -n "$rec" &&
	ks -C lap2 sync >/dev/null &&
	ks -C lap1 sync >/dev/null &&
	ks -C centre sync >/dev/null &&
	test_path_is_file lap1/$rec &&
	test_path_is_file centre/$rec &&
	grep -q "Phạm Văn Tư" centre/$rec
'

test_expect_success 'http: a conflict is recorded, resolved, and the resolution spreads' '
	edit lap1 $W3 "phone:" "phone: \"02253555666\"" "lap1: W3" &&
	edit lap2 $W3 "phone:" "phone: \"02253777888\"" "lap2: W3" &&
	ks -C lap1 sync >/dev/null &&
	ks -C lap2 sync >out &&
	grep -q "conflict" out &&
	test_expect_code 1 khaosat -C lap2 conflicts >c &&
	grep -q "02253555666" c &&
	grep -q "02253777888" c &&
	n=$(grep -n "02253555666" c | sed -n "1s/:.*//p") &&
	m=$(grep -n "02253777888" c | sed -n "1s/:.*//p") &&
	if [ "$n" -lt "$m" ]; then take=1; else take=2; fi &&
	(cd lap2 && khaosat resolve md01-0003 /phone --take $take >/dev/null) &&
	grep -q "^phone: \"02253555666\"$" lap2/$W3 &&
	khaosat -C lap2 conflicts >/dev/null &&
	ks -C lap2 sync >/dev/null &&
	for l in lap1 centre lap2 lap1 centre; do
		ks -C $l sync >/dev/null || return 1
	done &&
	for l in lap1 centre; do
		khaosat -C $l conflicts >/dev/null &&
		grep -q "^phone: \"02253555666\"$" $l/$W3 &&
		test_path_is_missing $l/conflicts || return 1
	done &&
	test "$(tree lap1)" = "$(tree lap2)" &&
	test "$(tree centre)" = "$(tree lap2)"
'

test_expect_success 'http: the hub is sound and every laptop has its own ref' '
	git -C "$HUB" fsck --full --strict 2>err &&
	! grep -v "^notice: HEAD points to an unborn branch" err &&
	git -C "$HUB" for-each-ref --format="%(refname)" refs/heads/devices/ >refs &&
	printf "%s\n" refs/heads/devices/centre refs/heads/devices/lap1 \
		refs/heads/devices/lap2 >expect &&
	test_cmp expect refs
'

test_expect_success 'basic auth: sync and clone work with the user and password' '
	edit lap1 $W2 "phone:" "phone: \"02253000111\"" "lap1: W2" &&
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=secret \
		ks -C lap1 sync "$(url private)" >out &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap1)" = \
		"$(git -C lap1 rev-parse main)" &&
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=secret \
		ks clone "$(url private)" lap3 --device lap3 \
		--surveyor "Lê Thị Lan" >/dev/null &&
	test "$(tree lap3)" = "$(tree lap1)"
'

test_expect_success 'basic auth: on a terminal, sync asks for the user and password' '
	ks clone "$(url git)" lapp --device lapp --surveyor "Phan Văn P" >/dev/null &&
	edit lapp $W2 "phone:" "phone: \"02253000333\"" "lapp: W2" &&
	cat >pty.script <<-\EOF &&
	expect User name:
	send surveyor
	expect Password:
	send wrong
	expect User name:
	send surveyor
	expect Password:
	send secret
	expect Sent this laptop
	EOF
	ptydrive -t 30 -o transcript pty.script -- "$KHAOSAT_BIN" -C lapp sync "$(url private)" &&
	grep -q "asks who you are" transcript &&
	! grep -q "secret" transcript &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lapp)" = \
		"$(git -C lapp rev-parse main)"
'

test_expect_success 'basic auth: on a terminal, three refusals end it clearly' '
	edit lapp $W2 "phone:" "phone: \"02253000444\"" "lapp: W2 again" &&
	cat >pty.script <<-\EOF &&
	expect User name:
	send surveyor
	expect Password:
	send wrong1
	expect User name:
	send surveyor
	expect Password:
	send wrong2
	expect User name:
	send surveyor
	expect Password:
	send wrong3
	expect refused the user name and password given
	EOF
	state lapp >before &&
	test_expect_code 4 ptydrive -t 30 -o transcript pty.script -- "$KHAOSAT_BIN" -C lapp sync "$(url private)" &&
	state lapp >after &&
	test_cmp before after
'

# interrupt_password KEYS CODE: types KEYS at lapp's password prompt, once
# it shows, as a person would (not in the microsecond between the prompt
# and the read that follows it); the sync must end with CODE and leave the
# terminal echoing what is typed.
interrupt_password() {
	cat >pty.script <<-EOF &&
	expect User name:
	send surveyor
	expect Password:
	sleep 0.3
	sendraw $1
	EOF
	test_expect_code $2 ptydrive -t 30 -e echo.state -o transcript pty.script -- \
		"$KHAOSAT_BIN" -C lapp sync "$(url private)" &&
	test "$(cat echo.state)" = "echo on"
}

test_expect_success 'basic auth: Ctrl-C at the password prompt stops, echo back on' '
	state lapp >before &&
	interrupt_password "\\x03" 130 &&
	state lapp >after &&
	test_cmp before after
'

test_expect_success 'basic auth: Ctrl-\ at the password prompt leaves the terminal echoing' '
	state lapp >before &&
	interrupt_password "\\x1c" 131 &&
	# Killed at once: only its private fetch folder is left, for a
	# later sync to sweep.
	state lapp | grep -v "^\.git/khaosat/fetch-" >after &&
	test_cmp before after
'

test_expect_success 'basic auth: without a password the sync fails clearly and changes nothing' '
	edit lap2 $W2 "phone:" "phone: \"02253000222\"" "lap2: W2" &&
	state lap2 >before &&
	git -C "$HUB" for-each-ref >hub.before &&
	sync_fails lap2 "$(url private)" &&
	grep -q "127.0.0.1:[0-9]*/private/hub.git" err &&
	grep -q "KHAOSAT_USERNAME and KHAOSAT_PASSWORD" err &&
	KHAOSAT_USERNAME=surveyor sync_fails lap2 "$(url private)" &&
	grep -q "KHAOSAT_USERNAME and KHAOSAT_PASSWORD" err &&
	state lap2 >after &&
	test_cmp before after &&
	git -C "$HUB" for-each-ref >hub.after &&
	test_cmp hub.before hub.after
'

test_expect_success 'basic auth: a wrong password is refused, and it gives up' '
	state lap2 >before &&
	git -C "$HUB" for-each-ref >hub.before &&
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=wrong \
		sync_fails lap2 "$(url private)" &&
	grep -q "127.0.0.1:[0-9]*/private/hub.git" err &&
	grep -q "KHAOSAT_USERNAME and KHAOSAT_PASSWORD" err &&
	KHAOSAT_USERNAME=nobody KHAOSAT_PASSWORD=secret \
		sync_fails lap2 "$(url private)" &&
	state lap2 >after &&
	test_cmp before after &&
	git -C "$HUB" for-each-ref >hub.after &&
	test_cmp hub.before hub.after &&
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=wrong \
		clone_fails "$(url private)" lap9 \
		--device lap9 --surveyor X &&
	test_path_is_missing lap9
'

test_expect_success 'basic auth: a wrong password is called refused' '
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=wrong \
		sync_fails lap2 "$(url private)" &&
	grep -q "refused" err &&
	! grep -q "set KHAOSAT_USERNAME and KHAOSAT_PASSWORD" err
'

test_expect_success 'a stopped server: sync names the hub, changes nothing; then it works again' '
	stop_server httpd &&
	state lap2 >before &&
	sync_fails lap2 &&
	grep -q "127.0.0.1:$(cat "$SRV/http.port")/git/hub.git" err &&
	grep -q "cannot fetch from the hub" err &&
	state lap2 >after &&
	test_cmp before after &&
	clone_fails "$(url git)" lap9 \
		--device lap9 --surveyor X &&
	test_path_is_missing lap9 &&
	http_start "$(cat "$SRV/http.port")" &&
	ks -C lap2 sync >/dev/null &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap2)" = \
		"$(git -C lap2 rev-parse main)"
'

test_expect_success 'a fetch cut short leaves no half state; the next sync completes' '
	for i in 1 2 3; do
		(cd centre && khaosat new workshop --set name="Xưởng đúc số $i" \
			--set legal_type=ho_kinh_doanh \
			--set address.commune_name="Mỹ Đồng" \
			--set address.province_name="Hải Phòng" \
			--set trade_group=do_go_gom_su_det_may_co_khi_nho \
			>/dev/null) || return 1
	done &&
	(cd centre && khaosat commit -m "centre: three workshops" >/dev/null) &&
	ks -C centre sync >/dev/null &&
	khaosat -C lap1 remote add flaky "$(url flaky)" >/dev/null &&
	echo cut >"$SRV/flaky.mode" &&
	test_when_finished "rm -f \"$SRV/flaky.mode\"" &&
	state lap1 >before &&
	sync_fails lap1 flaky &&
	test_path_is_file "$SRV/flaky.sizes" &&
	grep -q "cannot fetch from the hub" err &&
	state lap1 >after &&
	test_cmp before after &&
	git -C lap1 fsck --full &&
	rm "$SRV/flaky.mode" &&
	ks -C lap1 sync flaky >/dev/null &&
	test "$(tree lap1)" = "$(tree centre)" &&
	git -C lap1 fsck --full
'

test_expect_success 'a clone cut short leaves nothing behind' '
	echo cut >"$SRV/flaky.mode" &&
	test_when_finished "rm -f \"$SRV/flaky.mode\"" &&
	clone_fails "$(url flaky)" lap9 \
		--device lap9 --surveyor X &&
	test_path_is_missing lap9
'

test_expect_success 'the server dies mid-fetch: no half state; it completes once back' '
	edit centre $W2 "phone:" "phone: \"02253444555\"" "centre: W2" &&
	ks -C centre sync >/dev/null &&
	echo kill >"$SRV/flaky.mode" &&
	test_when_finished "rm -f \"$SRV/flaky.mode\"" &&
	state lap1 >before &&
	sync_fails lap1 flaky &&
	grep -q "cannot fetch from the hub" err &&
	state lap1 >after &&
	test_cmp before after &&
	! alive "$(cat "$SRV/httpd.pid")" &&
	rm "$SRV/flaky.mode" &&
	http_start "$(cat "$SRV/http.port")" &&
	ks -C lap1 sync flaky >/dev/null &&
	grep -q "^phone: \"02253444555\"$" lap1/$W2 &&
	git -C "$HUB" fsck --full --strict
'

fi

if [ -n "$KHAOSAT_SANITIZE" ]; then
	# libgit2 1.5's ssh transport (with libssh2) leaks inside
	# git_remote_connect_ext; LeakSanitizer would blame every ssh case.
	test_skip "under SANITIZE=1 the ssh cases do not run (libgit2's ssh transport leaks)"
elif [ -z "$SSHD" ]; then
	test_skip "sshd is not installed (Debian package openssh-server): the ssh cases did not run"
elif ! { ssh-keygen -q -t ed25519 -N "" -C hub -f "$SRV/ssh_host_ed25519_key" &&
	mkdir -p "$HOME/.ssh" &&
	ssh-keygen -q -t ed25519 -N "" -C lap -f "$HOME/.ssh/id_ed25519" &&
	cp "$HOME/.ssh/id_ed25519.pub" "$SRV/authorized_keys" &&
	(sshd_start 2>"$SRV/start.err"); }; then
	test_skip "sshd did not start: the ssh cases did not run"
	say_indented "$SRV/start.err"
else

ssh_url() {
	echo "ssh://$(id -un)@127.0.0.1:$(cat "$SRV/ssh.port")$HUB"
}

test_expect_success 'ssh: the host key is learnt' '
	ssh-keyscan -p "$(cat "$SRV/ssh.port")" 127.0.0.1 >keys 2>/dev/null &&
	grep -q "ssh-ed25519" keys &&
	cat keys >>"$HOME/.ssh/known_hosts"
'

test_expect_success 'ssh: a laptop set up from the hub folder, with a key in ~/.ssh' '
	khaosat clone "$HUB" lap5 --device lap5 --surveyor "Đỗ Văn Hùng" >/dev/null &&
	test "$(tree lap5)" = "$(git -C "$HUB" rev-parse "refs/heads/devices/centre^{tree}")"
'

test_expect_success 'ssh: the keys in ~/.ssh are used when no agent runs' '
	edit lap5 $W1 "phone:" "phone: \"02253666000\"" "lap5: W1 over ssh" &&
	ks -C lap5 sync "$(ssh_url)" >out &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap5)" = \
		"$(git -C lap5 rev-parse main)"
'

test_expect_success 'ssh: without an agent or a usable key, a clear error, nothing changed' '
	mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.away" &&
	test_when_finished "mv \"$HOME/.ssh/id_ed25519.away\" \"$HOME/.ssh/id_ed25519\"" &&
	edit lap5 $W1 "phone:" "phone: \"02253666111\"" "lap5: W1 again" &&
	state lap5 >before &&
	sync_fails lap5 "$(ssh_url)" &&
	grep -q "127.0.0.1:[0-9]*$HUB" err &&
	grep -q "cannot fetch from the hub" err &&
	grep -q "accepted none of the ssh keys tried" err &&
	state lap5 >after &&
	test_cmp before after
'

test_expect_success 'ssh: an ssh-agent with the key' '
	agent_start &&
	SSH_AUTH_SOCK=$SRV/agent.sock ssh-add -q "$HOME/.ssh/id_ed25519" 2>/dev/null &&
	SSH_AUTH_SOCK=$SRV/agent.sock ssh-add -l >keys &&
	grep -q ED25519 keys
'

test_expect_success 'ssh: a laptop syncs through ssh with the agent' '
	edit lap5 $W1 "phone:" "phone: \"02253666777\"" "lap5: W1 over ssh" &&
	SSH_AUTH_SOCK=$SRV/agent.sock ks -C lap5 sync "$(ssh_url)" >out &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap5)" = \
		"$(git -C lap5 rev-parse main)" &&
	git -C "$HUB" fsck --full --strict
'

test_expect_success 'ssh: a laptop is set up through ssh' '
	SSH_AUTH_SOCK=$SRV/agent.sock ks clone "$(ssh_url)" lap6 --device lap6 \
		--surveyor "Phạm Văn Đức" >/dev/null &&
	grep -q "^phone: \"02253666777\"$" lap6/$W1 &&
	test "$(git -C lap6 remote get-url centre)" = "$(ssh_url)"
'

test_expect_success 'ssh: a key the server does not know gives up clearly' '
	ssh-keygen -q -t ed25519 -N "" -C stranger -f stranger &&
	agent_start &&
	SSH_AUTH_SOCK=$SRV/agent.sock ssh-add -q stranger 2>/dev/null &&
	mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.away" &&
	test_when_finished "mv \"$HOME/.ssh/id_ed25519.away\" \"$HOME/.ssh/id_ed25519\"" &&
	edit lap6 $W2 "phone:" "phone: \"02253888999\"" "lap6: W2" &&
	state lap6 >before &&
	git -C "$HUB" for-each-ref >hub.before &&
	SSH_AUTH_SOCK=$SRV/agent.sock sync_fails lap6 &&
	grep -q "127.0.0.1:[0-9]*$HUB" err &&
	grep -q "cannot fetch from the hub" err &&
	state lap6 >after &&
	test_cmp before after &&
	git -C "$HUB" for-each-ref >hub.after &&
	test_cmp hub.before hub.after
'

test_expect_success 'ssh: a refused key is called refused' '
	mv "$HOME/.ssh/id_ed25519" "$HOME/.ssh/id_ed25519.away" &&
	test_when_finished "mv \"$HOME/.ssh/id_ed25519.away\" \"$HOME/.ssh/id_ed25519\"" &&
	SSH_AUTH_SOCK=$SRV/agent.sock sync_fails lap6 &&
	grep -q "accepted none of the ssh keys tried" err
'

test_expect_success 'ssh: a host key that does not match is refused' '
	agent_start &&
	SSH_AUTH_SOCK=$SRV/agent.sock ssh-add -q "$HOME/.ssh/id_ed25519" 2>/dev/null &&
	cp "$HOME/.ssh/known_hosts" known_hosts.good &&
	test_when_finished "cp known_hosts.good \"$HOME/.ssh/known_hosts\"" &&
	ssh-keygen -q -t ed25519 -N "" -C other -f other_key &&
	echo "[127.0.0.1]:$(cat "$SRV/ssh.port") $(cut -d" " -f1,2 other_key.pub)" \
		>"$HOME/.ssh/known_hosts" &&
	state lap6 >before &&
	git -C "$HUB" for-each-ref >hub.before &&
	SSH_AUTH_SOCK=$SRV/agent.sock sync_fails lap6 &&
	grep -q "127.0.0.1:[0-9]*$HUB" err &&
	grep -q "ssh hostkey" err &&
	state lap6 >after &&
	test_cmp before after &&
	git -C "$HUB" for-each-ref >hub.after &&
	test_cmp hub.before hub.after &&
	: >"$HOME/.ssh/known_hosts" &&
	SSH_AUTH_SOCK=$SRV/agent.sock sync_fails lap6 &&
	grep -q "unknown remote ssh hostkey" err &&
	state lap6 >after &&
	test_cmp before after
'

test_expect_success 'ssh: with the right host key back, the sync goes through' '
	SSH_AUTH_SOCK=$SRV/agent.sock ks -C lap6 sync >/dev/null &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/lap6)" = \
		"$(git -C lap6 rev-parse main)"
'

fi

test_expect_success 'every server is stopped' '
	stop_servers &&
	for s in httpd sshd; do
		test_path_is_missing "$SRV/$s.pid" || return 1
	done
'

test_done
