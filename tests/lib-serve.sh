# Helpers for the tests of khaosat serve; sourced after lib.sh.

# start_server [DIR [OPTION...]]: khaosat serve on survey DIR (default s),
# on a free port, in the background; its pid in serve.pid, what it prints
# in serve.out.
start_server() {
	rm -f serve.out addr
	dir=${1:-s}
	[ $# -gt 0 ] && shift
	(cd "$dir" && exec "$KHAOSAT_BIN" serve --port 0 "$@" >../serve.out 2>../serve.err) &
	echo $! >serve.pid
}

# stop_server: SIGTERM, and waits for the server to end; fails when a
# sanitizer reported anything in what the server wrote to stderr.
stop_server() {
	kill "$(cat serve.pid)" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$(cat serve.pid)" 2>/dev/null || break
		sleep 0.1
	done
	! grep -s "Sanitizer\|runtime error" serve.err
}

# served: waits for the address, and keeps its address, port and key for
# req -c.
served() {
	# a minute: a server under a sanitizer on a loaded machine is slow
	for i in $(seq 1 600); do
		grep -q "?k=" serve.out && break
		sleep 0.1
	done
	grep -q "?k=" serve.out || { echo "the server printed no address"; cat serve.err; return 1; }
	url=$(sed -n "s/^  \(http:.*\)$/\1/p" serve.out) &&
	echo "$url" | sed "s|^http://\([0-9.]*\):\([0-9]*\)/.*|\1|" >addr &&
	echo "$url" | sed "s|^http://\([0-9.]*\):\([0-9]*\)/.*|\2|" >port &&
	echo "ks=${url##*?k=}" >cookie
}

# lan_address: this machine's first IPv4 address that is not loopback, or
# nothing.
lan_address() {
	python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect((\"192.0.2.1\", 9)); a = s.getsockname()[0]
except OSError:
    a = \"\"
print(a if a and not a.startswith(\"127.\") else \"\")"
}

# req [-c] [-H HOST] [-O ORIGIN] [-T TYPE] [-f] METHOD PATH [BODY | NAME=VALUE...]
# (tools/req.py): prints "STATUS\nheaders\n\nbody" of one request.
req() {
	python3 "$KHAOSAT_TOP/tests/tools/req.py" "$@"
}

# status FILE: the status line req printed into FILE.
status() {
	head -1 "$1"
}

# token: the CSRF token the server puts in its forms.
token() {
	req -c GET /new/workshop | sed -n "s/.*name=\"csrf\" value=\"\([0-9a-f]*\)\".*/\1/p" | head -1
}

# two_laptops: survey c with the samples, on the stick, and c2 set up
# from the stick as md07; edit both, then exchange_laptops.
two_laptops() {
	make_survey c &&
	copy_samples c &&
	(cd c && khaosat commit -m samples >/dev/null) &&
	mkdir stick &&
	khaosat -C c sync ../stick >/dev/null &&
	khaosat clone stick c2 --device md07 --surveyor "Trần Văn Minh" >/dev/null
}

# exchange_laptops: c and c2 commit, and sync through the stick so that
# c holds both (and the conflicts between them).
exchange_laptops() {
	(cd c && khaosat commit -m c >/dev/null) &&
	(cd c2 && khaosat commit -m c2 >/dev/null && khaosat sync ../stick >/dev/null) &&
	khaosat -C c sync ../stick >/dev/null
}
