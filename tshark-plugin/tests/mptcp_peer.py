#!/usr/bin/env python3
"""One end of an MPTCP connection for the capture test (protocol 262).

usage: mptcp_peer.py server ADDR PORT
       mptcp_peer.py client ADDR PORT MESSAGES

The server echoes every byte back until the client closes. The client sends
MESSAGES messages of varied sizes, each below one MSS and waits for its echo,
pausing between them so the path manager has time to open extra subflows.
"""

import socket
import sys
import time

IPPROTO_MPTCP = 262


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(addr, port):
    srv = socket.socket(family(addr), socket.SOCK_STREAM, IPPROTO_MPTCP)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    conn.settimeout(30)
    while True:
        data = conn.recv(65536)
        if not data:
            break
        conn.sendall(data)
    conn.close()


def client(addr, port, messages):
    sock = socket.socket(family(addr), socket.SOCK_STREAM, IPPROTO_MPTCP)
    sock.settimeout(30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.connect((addr, port))
    for i in range(messages):
        size = 1 + (i * 97) % 1200
        msg = bytes((i + j) & 0xFF for j in range(size))
        sock.sendall(msg)
        got = b""
        while len(got) < size:
            chunk = sock.recv(size - len(got))
            if not chunk:
                sys.exit("mptcp_peer: server closed early")
            got += chunk
        if got != msg:
            sys.exit("mptcp_peer: echo differs")
        time.sleep(0.05)
    sock.close()


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
