#!/usr/bin/env python3
"""Memory of the local server before, during and after a flood of slow connections.

Starts the given `service` binary on a free loopback port, measures its resident memory (VmRSS)
when idle, then opens CONNECTIONS connections in waves, each sending a request head one byte a
second and never finishing it, for FLOOD_SECS; samples the peak; closes every client socket,
and measures again 10 s and 30 s later; checks the health check still answers. Loopback only.

    python3 service/scripts/slow_flood.py target/debug/service [CONNECTIONS] [FLOOD_SECS]

Needs a descriptor limit above CONNECTIONS for this script and the server (`ulimit -n`).
"""

import os
import resource
import socket
import subprocess
import sys
import time

SETTLE_SECS = (10, 30)  # when memory is measured again after the flood
WAVE = 500  # connections opened per tick


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def start(binary):
    env = dict(os.environ, PORT="0", RUST_LOG="warn,service=info")
    env.pop("AWS_LAMBDA_RUNTIME_API", None)
    server = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, text=True)
    for line in server.stdout:
        if "listening on http://" in line:
            address = line.split("listening on http://")[1].split()[0]
            host, port = address.rsplit(":", 1)
            assert host == "127.0.0.1", address
            return server, int(port)
    raise RuntimeError("the server did not start")


def health(port):
    try:
        return ask_health(port)
    except OSError as error:
        return f"no answer ({error})"


def ask_health(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /api/v1/health_check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        return answer.split(b"\r\n", 1)[0].decode()


def open_slow(port):
    sock = socket.socket()
    sock.setblocking(False)
    sock.connect_ex(("127.0.0.1", port))
    return sock


def trickle(socks, first):
    for sock in socks:
        try:
            sock.send(b"GET /api/v1/health_check HTTP/1.1\r\nX-Slow: " if first else b"a")
        except OSError:
            pass


def main():
    binary = sys.argv[1]
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    flood_secs = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft > connections + 100, f"ulimit -n {soft} is too low for {connections}"
    server, port = start(binary)
    try:
        print("health:", health(port))
        time.sleep(1)
        idle = rss_kib(server.pid)
        socks, peak, started = [], idle, time.monotonic()
        while time.monotonic() - started < flood_secs:
            new = [open_slow(port) for _ in range(min(WAVE, connections - len(socks)))]
            time.sleep(0.05)
            trickle(new, True)
            trickle(socks, False)
            socks.extend(new)
            peak = max(peak, rss_kib(server.pid))
            time.sleep(0.95)
        during = rss_kib(server.pid)
        print("health during the flood:", health(port))
        for sock in socks:
            sock.close()
        after = []
        for settle in SETTLE_SECS:
            time.sleep(settle - sum(SETTLE_SECS[: len(after)]))
            after.append(rss_kib(server.pid))
        print("health after:", health(port))
        hwm = rss_kib(server.pid, "VmHWM")
        print(f"connections={len(socks)} flood={flood_secs}s")
        settled = " ".join(f"after {secs}s={rss / 1024:.1f} MB" for secs, rss in zip(SETTLE_SECS, after))
        print(f"RSS idle={idle / 1024:.1f} MB peak={max(peak, hwm) / 1024:.1f} MB "
              f"end of flood={during / 1024:.1f} MB {settled}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
