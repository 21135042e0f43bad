#!/bin/sh
# The Windows build with a hub on the office network: git http-backend
# behind lighttpd on 127.0.0.1, which libgit2 reaches through WinHTTP on
# Windows, with and without a password, filled by a Linux laptop; and an
# sshd, which it reaches through libssh2 (on OpenSSL's libcrypto).  What
# Wine cannot do here is said as skipped.  Run by tests/windows/run.sh.
. "$(dirname "$0")/../lib.sh"

linux() {
	"$KHAOSAT_LINUX" "$@"
}

W1=records/workshop/md01/000/md01-0001.yaml
SRV=$TRASH/srv
HUB=$SRV/repos/hub.git
BACKEND=$(git --exec-path)/git-http-backend
unset SSH_AUTH_SOCK SSH_AGENT_PID KHAOSAT_USERNAME KHAOSAT_PASSWORD
mkdir -p "$SRV/repos" "$SRV/www"

. "$(dirname "$0")/../lib-lan.sh"
trap 'stop_servers; test_cleanup' EXIT

url() {
	echo "http://127.0.0.1:$(cat "$SRV/http.port")/$1/hub.git"
}

# sync_fails DIR ARGS...: khaosat.exe sync fails by itself, within 60 s.
sync_fails() {
	sync_dir_=$1
	shift
	(cd "$sync_dir_" && timeout 60 "$KHAOSAT_BIN" sync "$@" >../out 2>../err)
	sync_rc_=$?
	[ $sync_rc_ -ne 0 ] && [ $sync_rc_ -lt 124 ]
}

test_expect_success 'setup: a Linux centre with the samples, a hub' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && linux commit -m "Samples" >/dev/null) &&
	linux init --bare "$HUB" >/dev/null &&
	git -C "$HUB" config http.receivepack true &&
	printf "surveyor:secret\n" >"$SRV/users"
'

if http_available; then

test_expect_success 'http: the Windows laptop is set up from a hub the Linux centre filled' '
	(cd centre && linux remote add hub "$(url git)" >/dev/null && linux sync >/dev/null) &&
	khaosat clone "$(url git)" win --device win01 --surveyor "Nguyễn Thị Hoa" >out &&
	grep -q "^Set up survey" out &&
	test "$(git -C win rev-parse main^{tree})" = "$(git -C centre rev-parse main^{tree})"
'

test_expect_success 'http: a laptop is set up from a hub that asks for a password' '
	KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=secret \
		khaosat clone "$(url private)" win2 --device win02 --surveyor "Trần Văn Minh" >/dev/null &&
	test "$(git -C win2 rev-parse main^{tree})" = "$(git -C centre rev-parse main^{tree})"
'

test_expect_success 'http: a wrong password is refused clearly, nothing made' '
	test_must_fail env KHAOSAT_USERNAME=surveyor KHAOSAT_PASSWORD=wrong \
		"$KHAOSAT_BIN" clone "$(url private)" win3 --device win03 --surveyor "X" 2>err &&
	grep -q "cannot fetch from the hub" err &&
	test_path_is_missing win3
'

test_expect_success 'http: a hub that is not there is said to be unreachable' '
	test_must_fail "$KHAOSAT_BIN" clone "http://127.0.0.1:1/git/hub.git" win4 \
		--device win04 --surveyor "X" 2>err &&
	grep -q "cannot fetch from the hub" err &&
	test_path_is_missing win4
'

# A push through Wine's WinHTTP sends "Content-Length: 0" beside
# "Transfer-Encoding: chunked", which lighttpd answers with 400 (Windows'
# own WinHTTP sends no length): the Windows laptop's sync, which pushes,
# is not tried against this server.
test_skip "sync from the Windows build to an HTTP hub: Wine's WinHTTP sends a push's length twice, which lighttpd refuses"

fi

# silent_hub: a server on a free port of 127.0.0.1 that takes connections
# and never answers; its port in $SRV/silent.port.
silent_hub() {
	rm -f "$SRV/silent.port"
	python3 -c "
import socket, sys, time
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(8)
open(sys.argv[1], \"w\").write(\"%d\\n\" % s.getsockname()[1])
held = []
while True:
    held.append(s.accept()[0])
" "$SRV/silent.port" </dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$SRV/silent.pid"
	for i in $(seq 1 50); do
		test -s "$SRV/silent.port" && return 0
		sleep 0.1
	done
	return 1
}

test_expect_success 'a git:// hub that never answers is given up on after KHAOSAT_HUB_TIMEOUT' '
	silent_hub &&
	test_when_finished "stop_server silent" &&
	state win >before &&
	(cd win && test_must_fail env KHAOSAT_HUB_TIMEOUT=2 timeout 40 "$KHAOSAT_BIN" sync \
		"git://127.0.0.1:$(cat "$SRV/silent.port")/hub.git" >../out 2>../err) &&
	grep -q "did not answer for 2 seconds" err &&
	state win >after &&
	test_cmp before after
'

# libssh2 waits on its socket itself; the watcher sees data move in the
# connection's byte counts (SIO_TCP_INFO), which Wine does not give
# (WSAEOPNOTSUPP), so a silent ssh:// hub stays unbounded under Wine.
test_skip "a silent ssh:// hub under Wine: Wine's sockets give no SIO_TCP_INFO, by which the watcher sees libssh2's traffic"

# The Windows user's profile folder in Wine, which the Windows build
# takes for HOME: its .ssh holds the key and known_hosts, ed25519 both.
winssh=$WINEPREFIX/drive_c/users/$(id -un)/.ssh
if [ -z "$SSHD" ]; then
	test_skip "sshd is not installed (Debian package openssh-server): the ssh cases did not run"
elif ! { ssh-keygen -q -t ed25519 -N "" -C hub -f "$SRV/ssh_host_ed25519_key" &&
	rm -rf "$winssh" && mkdir -p "$winssh" &&
	ssh-keygen -q -t ed25519 -N "" -C win01 -f "$winssh/id_ed25519" &&
	cp "$winssh/id_ed25519.pub" "$SRV/authorized_keys" &&
	(sshd_start 2>"$SRV/start.err"); }; then
	test_skip "sshd did not start: the ssh cases did not run"
	say_indented "$SRV/start.err"
else

ssh_url() {
	echo "ssh://$(id -un)@127.0.0.1:$(cat "$SRV/ssh.port")$HUB"
}

test_expect_success 'ssh: the host key is learnt' '
	ssh-keyscan -p "$(cat "$SRV/ssh.port")" 127.0.0.1 >"$winssh/known_hosts" 2>/dev/null &&
	grep -q ssh-ed25519 "$winssh/known_hosts"
'

test_expect_success 'ssh: the Windows laptop syncs both ways through ssh, with its ed25519 key' '
	sed -i "s/^phone: .*/phone: \"02253111555\"/" win/$W1 &&
	(cd win && khaosat commit -m "qua ssh" >/dev/null &&
	 timeout 120 "$KHAOSAT_BIN" sync "$(ssh_url)" >../out) &&
	test "$(git -C "$HUB" rev-parse refs/heads/devices/win01)" = "$(git -C win rev-parse main)" &&
	(cd centre && linux sync >/dev/null) &&
	grep -q "^phone: \"02253111555\"$" centre/$W1 &&
	sed -i "s/^phone: .*/phone: \"02253111666\"/" centre/$W1 &&
	(cd centre && linux commit -m "từ trung tâm" >/dev/null && linux sync >/dev/null) &&
	(cd win && timeout 120 "$KHAOSAT_BIN" sync "$(ssh_url)" >/dev/null) &&
	grep -q "^phone: \"02253111666\"$" win/$W1 &&
	git -C "$HUB" fsck --full --strict
'

test_expect_success 'ssh: a key the hub does not know is refused clearly, nothing changed' '
	mv "$winssh/id_ed25519" "$winssh/id_ed25519.away" &&
	test_when_finished "mv \"$winssh/id_ed25519.away\" \"$winssh/id_ed25519\"" &&
	ssh-keygen -q -t ed25519 -N "" -C stranger -f "$winssh/id_ed25519" &&
	test_when_finished "rm -f \"$winssh/id_ed25519\" \"$winssh/id_ed25519.pub\"" &&
	sed -i "s/^phone: .*/phone: \"02253111777\"/" win/$W1 &&
	(cd win && khaosat commit -m "khoá lạ" >/dev/null) &&
	state win >before &&
	sync_fails win "$(ssh_url)" &&
	grep -q "cannot fetch from the hub" err &&
	state win >after &&
	test_cmp before after
'

fi
rm -rf "$winssh"

test_done
