"""Sends N GET requests over one keep-alive HTTP/1.1 connection, one at a time, and checks that
each is answered 200 with the expected body (Content-Length or chunked framing)."""
import socket
import sys


def read_response(sock, buf):
    while b"\r\n\r\n" not in buf:
        buf += recv(sock)
    head, _, buf = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    fields = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    if "content-length" in fields:
        n = int(fields["content-length"])
        while len(buf) < n:
            buf += recv(sock)
        return status, buf[:n], buf[n:]
    body = b""
    while True:  # chunked
        while b"\r\n" not in buf:
            buf += recv(sock)
        size_line, _, buf = buf.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        while len(buf) < size + 2:
            buf += recv(sock)
        body += buf[:size]
        buf = buf[size + 2:]
        if size == 0:
            return status, body, buf


def recv(sock):
    data = sock.recv(65536)
    if not data:
        raise SystemExit("the server closed the connection")
    return data


def main():
    port, count, want = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
    sock = socket.create_connection(("127.0.0.1", port))
    request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    buf = b""
    for i in range(count):
        sock.sendall(request)
        status, body, buf = read_response(sock, buf)
        if status != 200 or body != want:
            raise SystemExit(f"request {i}: status {status}, body {body!r}")


main()
