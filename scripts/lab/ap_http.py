# The lab's "access point" HTTP server, run inside an access point's network namespace.
# argv: bind address, port, mode file. Serves NetworkManager's connectivity check (mode file: "full",
# "portal" or "limited") and /bytes/N (N bytes, for traffic in statistics tests). Prints "ready" once bound.
import http.server
import sys

BIND, PORT, MODE_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ONLINE = b"NetworkManager is online\n"


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().strip() or "full"
    except OSError:
        return "full"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        if self.path.startswith("/bytes/"):
            try:
                n = max(0, min(int(self.path[7:]), 64 * 1024 * 1024))
            except ValueError:
                n = 0
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = b"x" * 65536
            while n > 0:
                self.wfile.write(chunk[: min(n, len(chunk))])
                n -= len(chunk)
            return
        m = mode()
        if m == "limited":
            # No HTTP answer at all: NetworkManager reports "limited".
            self.close_connection = True
            return
        body = ONLINE if m == "full" else b"<html><body>Sign in to the lab portal</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server((BIND, PORT), Handler)
print("ready", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
