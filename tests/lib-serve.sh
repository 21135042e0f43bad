# Helpers for the tests of khaosat serve; sourced after lib.sh.

# start_server [DIR]: khaosat serve on survey DIR (default s), on a free
# port, in the background; its pid in serve.pid, what it prints in
# serve.out.
start_server() {
	(cd "${1:-s}" && exec "$KHAOSAT_BIN" serve --port 0 >../serve.out 2>../serve.err) &
	echo $! >serve.pid
}

stop_server() {
	kill "$(cat serve.pid)" 2>/dev/null
	return 0
}

# served: waits for the address, and keeps its port and key for req -c.
served() {
	for i in $(seq 1 100); do
		grep -q "?k=" serve.out && break
		sleep 0.1
	done &&
	url=$(sed -n "s/^  \(http:.*\)$/\1/p" serve.out) &&
	echo "$url" | sed "s|^http://127.0.0.1:\([0-9]*\)/.*|\1|" >port &&
	echo "ks=${url##*?k=}" >cookie
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
