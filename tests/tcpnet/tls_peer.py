#!/usr/bin/env python3
"""TLS peers for the device's tests, on Python's ssl module (OpenSSL underneath), loopback only.

  tls_peer.py send CERT KEY FILE       serve one client: FILE, then close_notify, then close
  tls_peer.py truncate CERT KEY FILE   serve one client: FILE, then a TCP close without close_notify
  tls_peer.py reply CERT KEY           serve one client: read until its close_notify (half-close),
                                       then answer "got N bytes\\n" and the bytes reversed, close
  tls_peer.py client PORT CA TEXT      connect to 127.0.0.1:PORT as "localhost", verify with CA,
                                       send TEXT, print what comes back until the server's close

Servers print "PORT n" first; everything is bounded by a 30 s socket timeout.
"""
import os
import socket
import ssl
import sys


def serve(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(30)
    print("PORT", listener.getsockname()[1], flush=True)
    conn, _ = listener.accept()
    conn.settimeout(30)
    return ctx.wrap_socket(conn, server_side=True)


def main():
    mode = sys.argv[1]
    if mode in ("send", "truncate"):
        tls = serve(sys.argv[2], sys.argv[3])
        with open(sys.argv[4], "rb") as f:
            tls.sendall(f.read())
        if mode == "send":
            tls.unwrap().close()  # close_notify, then the TCP close
        else:
            os.close(tls.detach())  # the TCP close alone: the stream looks cut
    elif mode == "reply":
        tls = serve(sys.argv[2], sys.argv[3])
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:  # the peer's close_notify
                break
            data += chunk
        tls.sendall(b"got %d bytes\n" % len(data) + data[::-1])
        tls.unwrap().close()
    elif mode == "client":
        ctx = ssl.create_default_context(cafile=sys.argv[3])
        raw = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30)
        tls = ctx.wrap_socket(raw, server_hostname="localhost")
        tls.sendall(sys.argv[4].encode())
        out = b""
        while True:
            try:
                chunk = tls.recv(65536)
            except ssl.SSLEOFError:
                out += b"[cut]"
                break
            if not chunk:
                break
            out += chunk
        sys.stdout.write(tls.version() + " " + out.decode(errors="replace") + "\n")
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
