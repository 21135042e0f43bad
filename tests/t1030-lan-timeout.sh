#!/bin/sh
# A hub that stops answering: khaosat sync and clone give up after
# KHAOSAT_HUB_TIMEOUT (or khaosat.hubTimeout) seconds of silence, say so,
# and leave the survey as it was, with no fetch folder behind; Ctrl-C or
# SIGTERM while they wait ends them as cleanly (exit 130 or 143).  The
# hubs are small python3 servers on 127.0.0.1, started here: one that
# accepts connections and never answers (git://, http://, https:// and
# ssh:// URLs), and ones that serve a fetch and then go silent halfway
# through the pack (git://, http://) or go silent on the push (git://).
# Every command runs under `timeout 30` or a bounded wait, so a hang is a
# failure, not a stuck test; every hub is stopped at the end.
. "$(dirname "$0")/lib.sh"

W1=records/workshop/md01/000/md01-0001.yaml
SRV=$TRASH/srv
mkdir -p "$SRV"
unset KHAOSAT_HUB_TIMEOUT KHAOSAT_USERNAME KHAOSAT_PASSWORD SSH_AUTH_SOCK

# ---- the hubs ----

cat >"$SRV/hub.py" <<'EOF'
# hub.py MODE ROOT PORTFILE LOG: a hub on 127.0.0.1 (a free port, written
# to PORTFILE) serving the bare repositories under ROOT.
#   silent       accepts every connection and never answers
#   git-stall    git://: the ref advertisement and negotiation, then half
#                of the pack, then silence
#   git-nopush   git://: fetches are served; a push is met with silence
#   http-stall   smart HTTP: the ref advertisement, then half of the pack,
#                then silence
# LOG gets one line per connection ("accepted", the service asked for) and
# "stalled" when the hub goes silent.
import os, socket, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

mode, root, portfile, log = sys.argv[1:5]
lock = threading.Lock()
held = []


def note(line):
    with lock, open(log, "a") as f:
        f.write(line + "\n")


def publish(port):
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)


def repo(path):
    return os.path.join(root, path.lstrip("/"))


def silence(conn):
    # Keeps the connection open, reading and dropping what comes.
    held.append(conn)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        more = conn.recv(n - len(data))
        if not more:
            raise EOFError
        data += more
    return data


def serve_git(conn):
    size = int(recv_exact(conn, 4), 16)
    request = recv_exact(conn, size - 4)
    service, rest = request.split(b" ", 1)
    service = service.decode()
    note(service)
    if mode == "git-nopush" and service == "git-receive-pack":
        silence(conn)
        return
    proc = subprocess.Popen(["git", service[4:], "--strict",
                             repo(rest.split(b"\0")[0].decode())],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    done = threading.Event()

    def upstream():
        tail = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                tail = (tail + data)[-16:]
                if b"0009done\n" in tail:
                    done.set()
                proc.stdin.write(data)
                proc.stdin.flush()
            proc.stdin.close()
        except (OSError, ValueError):
            pass

    threading.Thread(target=upstream, daemon=True).start()
    while True:
        data = proc.stdout.read1(65536)
        if not data:
            break
        if mode == "git-stall" and done.is_set():
            data += proc.stdout.read()
            conn.sendall(data[:len(data) // 2])
            note("stalled")
            held.append(conn)
            return
        conn.sendall(data)
    proc.wait()
    conn.close()


def pkt(text):
    return b"%04x%s" % (len(text) + 4, text.encode())


class Http(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, kind, body, stall=False):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if not stall:
            self.wfile.write(body)
            return
        self.wfile.write(body[:len(body) // 2])
        self.wfile.flush()
        note("stalled")
        held.append(self.connection)
        while True:
            time.sleep(60)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        service = query.partition("service=")[2]
        note("GET " + service)
        out = subprocess.run(["git", service[4:], "--stateless-rpc",
                              "--advertise-refs",
                              repo(path[:-len("/info/refs")])],
                             stdout=subprocess.PIPE, check=True).stdout
        self.send("application/x-%s-advertisement" % service,
                  pkt("# service=%s\n" % service) + b"0000" + out)

    def body(self):
        if self.headers.get("Content-Length"):
            return self.rfile.read(int(self.headers["Content-Length"]))
        data = b""
        while True:
            size = int(self.rfile.readline().strip(), 16)
            chunk = self.rfile.read(size + 2)
            if not size:
                return data
            data += chunk[:-2]

    def do_POST(self):
        path = self.path.partition("?")[0]
        base, _, service = path.rpartition("/")
        note("POST " + service)
        out = subprocess.run(["git", service[4:], "--stateless-rpc",
                              repo(base)], input=self.body(),
                             stdout=subprocess.PIPE, check=True).stdout
        self.send("application/x-%s-result" % service, out,
                  stall=mode == "http-stall" and
                  service == "git-upload-pack")


def serve(handler):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    publish(srv.getsockname()[1])
    while True:
        conn, _ = srv.accept()
        note("accepted")
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


if mode == "http-stall":
    ThreadingHTTPServer.daemon_threads = True
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    publish(httpd.server_address[1])
    httpd.serve_forever()
elif mode == "silent":
    serve(silence)
else:
    serve(serve_git)
EOF

. "$(dirname "$0")/lib-lan.sh"

# hub_start MODE: the hub of that mode; its port is in $SRV/MODE.port.
hub_start() {
	rm -f "$SRV/$1.port" "$SRV/$1.log"
	python3 "$SRV/hub.py" "$1" "$TRASH" "$SRV/$1.port" "$SRV/$1.log" \
		</dev/null >>"$SRV/$1.out" 2>&1 3>&- &
	echo $! >"$SRV/$1.pid"
	hub_n_=0
	while ! [ -s "$SRV/$1.port" ]; do
		if ! alive "$(cat "$SRV/$1.pid")" || [ $hub_n_ -ge 100 ]; then
			cat "$SRV/$1.out" >&2
			return 1
		fi
		sleep 0.1
		hub_n_=$((hub_n_ + 1))
	done
}

HUBS="silent git-stall git-nopush http-stall"
hub_stop_all() {
	for h in $HUBS; do
		stop_server $h
	done
}
trap 'hub_stop_all; test_cleanup' EXIT

# hub_url MODE SCHEME: the URL of hub.git on that hub.
hub_url() {
	echo "$2://127.0.0.1:$(cat "$SRV/$1.port")/hub.git"
}

# Everything a failed sync must leave alone in a survey, fetch folders
# included (the same as lib.sh's state, with .git/khaosat listed but for
# the note of its folders, which any listing may make when they are old
# enough: wtlist.c).
state() {
	git -C "$1" for-each-ref &&
	(cd "$1" && find .git/objects .git/khaosat -type f ! -path .git/khaosat/folders |
		LC_ALL=C sort) &&
	snapshot "$1" | grep -v " \./\.git/"
}

no_fetch_folder() {
	if ls -d "$1"/.git/khaosat/fetch-* 2>/dev/null; then
		echo "a fetch folder was left behind in $1" >&2
		return 1
	fi
}

# gives_up SECONDS ARGS...: khaosat ARGS exits 4 by itself (within
# `timeout 30`), about SECONDS after it started; its stderr is in err.
gives_up() {
	gives_want_=$1
	shift
	gives_start_=$(date +%s)
	timeout 30 "$KHAOSAT_BIN" "$@" >out 2>err
	gives_rc_=$?
	gives_took_=$(($(date +%s) - gives_start_))
	cat err
	if [ $gives_rc_ -ne 4 ]; then
		echo "gives_up: wanted exit code 4, got $(test_describe_code_ $gives_rc_) (124: still waiting after 30 s): $*" >&3
		return 1
	fi
	if [ $gives_took_ -lt $((gives_want_ - 1)) ] || [ $gives_took_ -gt 20 ]; then
		echo "gives_up: gave up after ${gives_took_} s, not about $gives_want_ s: $*" >&3
		return 1
	fi
}

# The message a sync or clone gives for a hub silent for N seconds.
silent_msg() {
	if [ "$2" = 1 ]; then
		echo "error: the hub '$1' did not answer for 1 second; nothing was changed"
	else
		echo "error: the hub '$1' did not answer for $2 seconds; nothing was changed"
	fi
}

# ---- the cases ----

# The bound for the hubs that first serve a fetch: long enough that a busy
# machine still reaches the silence halfway through the pack.
STALL=4

test_expect_success 'setup: a survey, its hub, a laptop set up from it' '
	make_survey centre centre "Lê Văn Tâm" &&
	copy_samples centre &&
	(cd centre && khaosat commit -m "Samples" >/dev/null) &&
	khaosat init --bare hub.git >/dev/null &&
	khaosat -C centre sync "$PWD/hub.git" >/dev/null &&
	khaosat clone hub.git lap1 --device lap1 --surveyor "Nguyễn Thị Hoa" >/dev/null &&
	set_line lap1/$W1 "phone:" "phone: \"02253111222\"" &&
	(cd lap1 && khaosat commit -m "lap1: phone" >/dev/null) &&
	khaosat -C lap1 sync "$PWD/hub.git" >/dev/null &&
	set_line centre/$W1 "name:" "name: \"Xưởng đúc Tư\"" &&
	(cd centre && khaosat commit -m "centre: name" >/dev/null)
'

test_expect_success 'git://: a silent hub; sync gives up after KHAOSAT_HUB_TIMEOUT, nothing changed' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent git) &&
	state centre >before &&
	KHAOSAT_HUB_TIMEOUT=2 gives_up 2 -C centre sync "$url" &&
	silent_msg "$url" 2 >expect &&
	test_cmp expect err &&
	test_must_be_empty out &&
	state centre >after &&
	test_cmp before after &&
	no_fetch_folder centre &&
	grep -q "^accepted$" "$SRV/silent.log"
'

test_expect_success 'git://: a silent hub; clone gives up, leaves no folder' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent git) &&
	KHAOSAT_HUB_TIMEOUT=2 gives_up 2 clone "$url" lap9 --device lap9 --surveyor X &&
	silent_msg "$url" 2 >expect &&
	test_cmp expect err &&
	test_path_is_missing lap9
'

test_expect_success 'http:// and https://: a silent hub; sync and clone give up' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	state centre >before &&
	for scheme in http https; do
		url=$(hub_url silent $scheme) &&
		KHAOSAT_HUB_TIMEOUT=2 gives_up 2 -C centre sync "$url" &&
		silent_msg "$url" 2 >expect &&
		test_cmp expect err &&
		KHAOSAT_HUB_TIMEOUT=2 gives_up 2 clone "$url" lap9 --device lap9 --surveyor X &&
		test_cmp expect err &&
		test_path_is_missing lap9 || return 1
	done &&
	state centre >after &&
	test_cmp before after &&
	no_fetch_folder centre
'

if [ -n "$KHAOSAT_SANITIZE" ]; then
	# As in t1010: libgit2 1.5's ssh transport leaks inside
	# git_remote_connect_ext, and LeakSanitizer would blame this case.
	echo "skip: under SANITIZE=1 the two ssh cases do not run (libgit2's ssh transport leaks)"
else
test_expect_success 'ssh://: a silent hub (no ssh greeting); sync gives up' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=ssh://git@127.0.0.1:$(cat "$SRV/silent.port")/hub.git &&
	state centre >before &&
	KHAOSAT_HUB_TIMEOUT=2 gives_up 2 -C centre sync "$url" &&
	silent_msg "$url" 2 >expect &&
	test_cmp expect err &&
	state centre >after &&
	test_cmp before after &&
	no_fetch_folder centre
'
fi

test_expect_success 'git://: a hub that goes silent halfway through the pack' '
	test_when_finished "stop_server git-stall" &&
	hub_start git-stall &&
	url=$(hub_url git-stall git) &&
	state centre >before &&
	KHAOSAT_HUB_TIMEOUT=$STALL gives_up $STALL -C centre sync "$url" &&
	silent_msg "$url" $STALL >expect &&
	test_cmp expect err &&
	grep -q "^stalled$" "$SRV/git-stall.log" &&
	state centre >after &&
	test_cmp before after &&
	no_fetch_folder centre &&
	: >"$SRV/git-stall.log" &&
	KHAOSAT_HUB_TIMEOUT=$STALL gives_up $STALL clone "$url" lap9 --device lap9 --surveyor X &&
	grep -q "^stalled$" "$SRV/git-stall.log" &&
	test_cmp expect err &&
	test_path_is_missing lap9
'

test_expect_success 'http://: a hub that goes silent halfway through the pack' '
	test_when_finished "stop_server http-stall" &&
	hub_start http-stall &&
	url=$(hub_url http-stall http) &&
	state centre >before &&
	KHAOSAT_HUB_TIMEOUT=$STALL gives_up $STALL -C centre sync "$url" &&
	silent_msg "$url" $STALL >expect &&
	test_cmp expect err &&
	grep -q "^stalled$" "$SRV/http-stall.log" &&
	state centre >after &&
	test_cmp before after &&
	no_fetch_folder centre
'

test_expect_success 'git://: a hub silent on the push; the fetched work is kept' '
	test_when_finished "stop_server git-nopush" &&
	hub_start git-nopush &&
	url=$(hub_url git-nopush git) &&
	git -C hub.git for-each-ref >hub.before &&
	KHAOSAT_HUB_TIMEOUT=2 gives_up 2 -C centre sync "$url" &&
	echo "error: the hub '\''$url'\'' did not answer for 2 seconds; main may not have reached it, what came from the hub is kept here; run '\''khaosat sync'\'' again" >expect &&
	test_cmp expect err &&
	grep -q "^git-receive-pack$" "$SRV/git-nopush.log" &&
	grep -q "^phone: \"02253111222\"$" centre/$W1 &&
	git -C hub.git for-each-ref >hub.after &&
	test_cmp hub.before hub.after &&
	no_fetch_folder centre &&
	git -C centre fsck --full
'

test_expect_success 'khaosat.hubTimeout sets the bound; KHAOSAT_HUB_TIMEOUT overrides it' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent git) &&
	git -C centre config khaosat.hubTimeout 1 &&
	test_when_finished "git -C centre config --unset khaosat.hubTimeout" &&
	gives_up 1 -C centre sync "$url" &&
	silent_msg "$url" 1 >expect &&
	test_cmp expect err &&
	KHAOSAT_HUB_TIMEOUT=2 gives_up 2 -C centre sync "$url" &&
	silent_msg "$url" 2 >expect &&
	test_cmp expect err &&
	git config --global khaosat.hubTimeout 1 &&
	test_when_finished "git config --global --unset khaosat.hubTimeout" &&
	gives_up 1 clone "$url" lap9 --device lap9 --surveyor X &&
	silent_msg "$url" 1 >expect &&
	test_cmp expect err &&
	test_path_is_missing lap9
'

test_expect_success 'a bad timeout is refused before anything is tried' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent git) &&
	for v in 0 -3 abc 2x 99999999999; do
		test_expect_code 2 env KHAOSAT_HUB_TIMEOUT=$v \
			timeout 30 "$KHAOSAT_BIN" -C centre sync "$url" 2>err &&
		grep -q "KHAOSAT_HUB_TIMEOUT" err || return 1
	done &&
	git -C centre config khaosat.hubTimeout soon &&
	test_when_finished "git -C centre config --unset khaosat.hubTimeout" &&
	test_expect_code 3 timeout 30 "$KHAOSAT_BIN" -C centre sync "$url" 2>err &&
	grep -q "khaosat.hubTimeout" err &&
	! grep -q "^accepted$" "$SRV/silent.log"
'

# interrupt SIGNAL READY ARGS...: runs khaosat ARGS in the background
# (a hub is waited for a minute), sends SIGNAL once the shell command
# READY succeeds (it waits on the hub), and waits, boundedly, for it to
# end; its exit code is in rc, its stderr in err.
interrupt() {
	int_sig_=$1
	int_ready_=$2
	shift 2
	KHAOSAT_HUB_TIMEOUT=60 "$KHAOSAT_BIN" "$@" >out 2>err &
	int_pid_=$!
	int_n_=0
	until eval "$int_ready_"; do
		if [ $int_n_ -ge 100 ] || ! alive $int_pid_; then
			kill -9 $int_pid_ 2>/dev/null
			wait $int_pid_
			echo "interrupt: khaosat never waited on the hub" >&3
			cat err >&3
			return 1
		fi
		sleep 0.1
		int_n_=$((int_n_ + 1))
	done
	sleep 0.3
	kill -$int_sig_ $int_pid_
	int_n_=0
	while alive $int_pid_ && [ $int_n_ -lt 100 ]; do
		sleep 0.1
		int_n_=$((int_n_ + 1))
	done
	if alive $int_pid_; then
		kill -9 $int_pid_
		wait $int_pid_
		echo "interrupt: khaosat still ran 10 s after SIG$int_sig_" >&3
		return 1
	fi
	wait $int_pid_
	rc=$?
	cat err
}

# fetching HUB DIR: the hub HUB took a connection while DIR (a survey, or
# the folder a clone makes) has its fetch folder.
fetching() {
	grep -q "^accepted$" "$SRV/$1.log" 2>/dev/null &&
		ls -d "$2"/.git/khaosat/fetch-* >/dev/null 2>&1
}

test_expect_success 'Ctrl-C while a sync waits on the hub: fetch folder removed, exit 130' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent git) &&
	state centre >before &&
	interrupt INT "fetching silent centre" -C centre sync "$url" &&
	test "$rc" = 130 &&
	echo "error: interrupted while fetching from the hub '\''$url'\''; nothing was changed" >expect &&
	test_cmp expect err &&
	no_fetch_folder centre &&
	state centre >after &&
	test_cmp before after
'

test_expect_success 'SIGTERM while a clone waits on the hub: nothing left, exit 143' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=$(hub_url silent http) &&
	interrupt TERM "fetching silent lap9" clone "$url" lap9 --device lap9 --surveyor X &&
	test "$rc" = 143 &&
	echo "error: interrupted while fetching from the hub '\''$url'\''; nothing was changed" >expect &&
	test_cmp expect err &&
	test_path_is_missing lap9
'

test_expect_success 'Ctrl-C while a push waits on the hub: the fetched work is kept' '
	test_when_finished "stop_server git-nopush" &&
	hub_start git-nopush &&
	url=$(hub_url git-nopush git) &&
	test "$(git -C hub.git rev-parse refs/heads/devices/centre)" != \
		"$(git -C centre rev-parse main)" &&
	git -C hub.git for-each-ref >hub.before &&
	interrupt INT "grep -q ^git-receive-pack\$ \"\$SRV/git-nopush.log\" 2>/dev/null" \
		-C centre sync "$url" &&
	test "$rc" = 130 &&
	echo "error: interrupted while pushing to the hub '\''$url'\''; main may not have reached it, what came from the hub is kept here; run '\''khaosat sync'\'' again" >expect &&
	test_cmp expect err &&
	git -C hub.git for-each-ref >hub.after &&
	test_cmp hub.before hub.after &&
	no_fetch_folder centre &&
	git -C centre fsck --full
'

if [ -z "$KHAOSAT_SANITIZE" ]; then
test_expect_success 'ssh://: Ctrl-C while libssh2 waits for the greeting' '
	test_when_finished "stop_server silent" &&
	hub_start silent &&
	url=ssh://git@127.0.0.1:$(cat "$SRV/silent.port")/hub.git &&
	state centre >before &&
	interrupt INT "fetching silent centre" -C centre sync "$url" &&
	test "$rc" = 130 &&
	echo "error: interrupted while fetching from the hub '\''$url'\''; nothing was changed" >expect &&
	test_cmp expect err &&
	no_fetch_folder centre &&
	state centre >after &&
	test_cmp before after
'
fi

test_expect_success 'after all this, a sync through a working hub goes through' '
	khaosat -C centre sync "$PWD/hub.git" >out &&
	grep -q "^Sent this laptop.s survey history to" out &&
	test "$(git -C hub.git rev-parse refs/heads/devices/centre)" = \
		"$(git -C centre rev-parse main)" &&
	no_fetch_folder centre &&
	git -C centre fsck --full
'

test_expect_success 'every hub is stopped' '
	hub_stop_all &&
	for h in $HUBS; do
		test_path_is_missing "$SRV/$h.pid" || return 1
	done
'

test_done
