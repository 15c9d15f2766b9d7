#!/usr/bin/env python3
"""Hostile requests against a running lstream-httpd (started by tests/httpd.sh with --max-upload 8
--uploads 2 --min-rate 64 --timeout 3). Each check prints PASS/FAIL; the exit status is the number failed.
usage: hostile.py PORT ROOT JOB_ID"""
import http.client
import os
import socket
import sys
import threading
import time

port, root, job = int(sys.argv[1]), sys.argv[2], sys.argv[3]
failed = 0


def check(ok, what):
    global failed
    print(("PASS: " if ok else "FAIL: ") + what)
    failed += 0 if ok else 1


def request(method, path, body=None, headers=None, timeout=20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.putrequest(method, path, skip_accept_encoding=True)  # the path exactly as given (no normalisation)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None and "Transfer-Encoding" not in (headers or {}):
        c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    if body is not None:
        try:
            c.send(body)
        except OSError:
            pass
    try:
        r = c.getresponse()
        data = r.read()
        return r.status, data, r
    except (OSError, http.client.HTTPException) as e:
        return None, str(e).encode(), None
    finally:
        c.close()


def alive():
    s, _, _ = request("GET", "/")
    return s == 200


def uploads_left():
    return sorted(f for f in os.listdir(os.path.join(root, "uploads")) if not f.endswith(".upload"))


# 1. paths: traversal, encoded traversal, hidden and odd names, symbolic links out of the root
for path in [
    f"/media/{job}/../../../../etc/passwd",
    f"/media/{job}/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    f"/media/{job}/..%2f..%2f..%2fetc%2fpasswd",
    f"/media/{job}//etc/passwd",
    f"/media/{job}/.hidden.m3u8",
    f"/media/{job}/master.m3u8%00.txt",
    f"/media/{job}/evil.m3u8",  # a symbolic link to /etc/passwd, planted by the test
    "/media/../../etc/passwd",
    "/media/0123/master.m3u8",
    f"/media/{job.upper()}/master.m3u8",
    "/assets/../../../../etc/passwd",
    "/jobs/../../etc/passwd",
    "/" + "a" * 5000,
]:
    s, body, _ = request("GET", path)
    check(s in (400, 404, 414) and b"root:" not in body, f"GET {path[:60]} refused ({s})")
s, body, _ = request("GET", f"/media/{job}/master.m3u8")
check(s == 200 and body.startswith(b"#EXTM3U"), f"the real playlist is still served ({s})")
s, _, _ = request("PUT", f"/media/{job}/master.m3u8", b"x")
check(s in (404, 405), f"PUT refused ({s})")
s, _, r = request("GET", f"/media/{job}/master.m3u8", headers={"Range": "bytes=99999999-"})
check(s == 416, f"an unsatisfiable range gives 416 ({s})")

# 2. oversize: declared (refused before the body) and undeclared (chunked, cut when it passes the limit)
big = os.urandom(9 << 20)
s, body, _ = request("POST", "/jobs", big)
check(s == 413, f"a declared 9 MB upload over --max-upload 8 is refused with 413 ({s})")
def chunks():
    for i in range(0, len(big), 65536):
        yield b"%x\r\n" % 65536 + big[i:i + 65536] + b"\r\n"
    yield b"0\r\n\r\n"
c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
c.putrequest("POST", "/jobs")
c.putheader("Transfer-Encoding", "chunked")
c.endheaders()
try:
    for piece in chunks():
        c.send(piece)
    st = c.getresponse().status
except OSError:
    st = "closed"
c.close()
check(st == 413 or st == "closed", f"a chunked 9 MB upload is cut off ({st})")
time.sleep(0.3)
check(uploads_left() == [], f"nothing of the refused uploads is left ({uploads_left()})")

# 3. a slow body (1 KB/s, under --min-rate 64) is cut off, and so is a silent connection (--timeout 3)
t0 = time.time()
sock = socket.create_connection(("127.0.0.1", port))
sock.sendall(b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
closed = False
try:
    for i in range(40):
        sock.sendall(b"x" * 1024)
        time.sleep(1)
except OSError:
    closed = True
sock.close()
check(closed and time.time() - t0 < 30, f"a 1 KB/s upload is cut off ({time.time() - t0:.0f} s)")
t0 = time.time()
sock = socket.create_connection(("127.0.0.1", port))
sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
sock.settimeout(20)
try:
    gone = sock.recv(100) == b""
except (socket.timeout, OSError):
    gone = False
sock.close()
check(gone and time.time() - t0 < 10, f"a silent connection is closed ({time.time() - t0:.1f} s)")
time.sleep(0.3)
check(uploads_left() == [], f"nothing of the cut uploads is left ({uploads_left()})")

# 4. many uploads at once: at most --uploads 2 are taken, the rest get 503, the server stays up
results = []
def slow_upload():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.putrequest("POST", "/jobs")
    c.putheader("Content-Length", str(200 * 1024))
    c.endheaders()
    try:
        for i in range(20):  # 6 s: the two accepted ones hold their slots while the others arrive, even on a busy machine
            c.send(b"y" * 10240)
            time.sleep(0.3)
        results.append(c.getresponse().status)
    except OSError:
        results.append("closed")
    c.close()
threads = [threading.Thread(target=slow_upload) for i in range(8)]
for t in threads:
    t.start()
time.sleep(0.5)
check(alive(), "the server answers while 8 uploads arrive")
for t in threads:
    t.join()
busy = results.count(503)
check(busy >= 5 and len(results) == 8, f"uploads beyond 2 at once get 503 ({sorted(map(str, results))})")
check(alive(), "the server is up after the uploads")

sys.exit(failed)
