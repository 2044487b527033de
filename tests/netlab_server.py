"""Web server for the network lab (run inside the server namespace by tests/netlab.py).

usage: netlab_server.py ADDRESS RUNDIR
HTTP on ADDRESS:80: ``/`` 200, ``/generate_204`` 204 (the connectivity check),
``/portal`` 302 to ``/login`` (a captive portal), ``/login`` 200 HTML.
HTTPS on :443 with RUNDIR/cert.pem (valid one year) and on :8443 with
RUNDIR/short.pem (expires in 3 days), same pages.
"""

from __future__ import annotations

import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path == "/generate_204":
            self.send_response(204)
            self.end_headers()
            return
        if self.path == "/portal":
            self.send_response(302)
            self.send_header("Location", "/login")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"<html><body>fieldkit lab</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args: object) -> None:
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


class Server(ThreadingHTTPServer):
    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a reverse DNS lookup that waits
        # for the resolver's timeout in a namespace: skip it, the name is not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def serve(address: str, port: int, cert: Path | None) -> None:
    server = Server((address, port), Handler)
    if cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, cert.with_suffix(".key"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main() -> None:
    address, rundir = sys.argv[1], Path(sys.argv[2])
    serve(address, 80, None)
    serve(address, 443, rundir / "cert.pem")
    serve(address, 8443, rundir / "short.pem")
    threading.Event().wait()


if __name__ == "__main__":
    main()
