"""The production recipe of deploy/: nginx in front of gunicorn, tested as shipped.

gunicorn reads a request in one of its few threads, so 16 connections that send their
headers and then a trickle of body made 6 of 10 fresh GETs time out. nginx, configured by
deploy/nginx/survey-proxy.conf, reads each request whole before passing it on. These tests
start gunicorn with deploy/gunicorn.conf.py (one worker, so the in-memory rate limits are
exact) and nginx with the shipped snippet, on free ports, and attack them.

nginx comes from Debian (`apt-get install -y nginx`; .ci/run installs it). Without it these
tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import _app_env, _free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IN_CI = os.environ.get("CI", "").lower() == "true"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if Path(path).exists()), None
)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.deploy


@pytest.fixture(scope="module")
def nginx() -> str:
    if NGINX is None:
        message = "nginx is missing: install it with `apt-get install -y nginx`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return NGINX


@dataclass
class Stack:
    nginx_port: int
    gunicorn_port: int
    workdir: Path

    def log(self) -> str:
        parts = []
        for name in ("gunicorn.log", "nginx-error.log"):
            path = self.workdir / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


def _answers(port: int) -> bool:
    try:
        return get(port, "/en/", timeout=2)[0] == 200
    except OSError:
        return False


def _wait_until_answering(port: int, process: subprocess.Popen, what: str, stack_log) -> None:
    deadline = time.monotonic() + 60
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n{stack_log()}")
        time.sleep(0.1)


def nginx_config(workdir: Path, nginx_port: int, gunicorn_port: int) -> str:
    """The shipped site's upstream and proxy snippet, around a plain-HTTP server on a free
    port (the TLS server of survey.conf is checked by `nginx -t` separately)."""
    site = (DEPLOY / "nginx" / "survey.conf").read_text()
    upstream = re.search(r"upstream survey_app \{.*?\}", site, re.S).group(0)
    upstream = upstream.replace("127.0.0.1:8000", f"127.0.0.1:{gunicorn_port}")
    # As root, nginx's workers would switch to a user that cannot enter the test's folder.
    user = "user root root;" if os.geteuid() == 0 else ""
    return f"""
daemon off;
worker_processes 1;
{user}
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {workdir}/nginx-access.log;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    {upstream}
    server {{
        listen 127.0.0.1:{nginx_port};
        server_name localhost;
        include {DEPLOY}/nginx/survey-proxy.conf;
    }}
}}
"""


@pytest.fixture(scope="module")
def stack(nginx, tmp_path_factory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("deploy")
    stack = Stack(_free_port(), _free_port(), workdir)
    env = _app_env(
        f"sqlite:///{workdir / 'survey.sqlite3'}",
        {
            # One proxy in front: the client's address is the last X-Forwarded-For entry.
            "PROXY_FIX_X_FOR": 1,
            "LOGIN_RATE_LIMIT": "5 per minute",
        },
    )
    processes = []
    try:
        gunicorn = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn"),
                *("--config", str(DEPLOY / "gunicorn.conf.py")),
                *("--bind", f"127.0.0.1:{stack.gunicorn_port}", "--workers", "1"),
                *("--pythonpath", str(ROOT), "--error-logfile", str(workdir / "gunicorn.log")),
                *("--access-logfile", str(workdir / "gunicorn-access.log")),
                f"survey:create_app(instance_path={str(workdir)!r})",
            ],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(gunicorn)
        _wait_until_answering(stack.gunicorn_port, gunicorn, "gunicorn", stack.log)
        config = workdir / "nginx.conf"
        config.write_text(nginx_config(workdir, stack.nginx_port, stack.gunicorn_port))
        server = subprocess.Popen(
            [nginx, "-p", str(workdir), "-e", str(workdir / "nginx-error.log"), "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(server)
        _wait_until_answering(stack.nginx_port, server, "nginx", stack.log)
        yield stack
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(port: int, path: str, timeout: float = 5, source: str = "127.0.0.1", headers=None):
    """A GET on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


class SlowBodies:
    """Connections that send a POST's headers, then one byte of body every half second."""

    def __init__(self, port: int, count: int, length: int = 100_000):
        self.sockets = []
        for _connection in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                b"POST /en/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {length}\r\n\r\na".encode()
            )
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(0.5):
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # nginx may have cut it off
                    sock.sendall(b"a")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for sock in self.sockets:
            sock.close()


def fresh_gets(port: int, count: int = 10, timeout: float = 5) -> list[float | None]:
    """Seconds each of `count` fresh GETs took to answer 200, None for a failure."""
    times: list[float | None] = []
    for _request in range(count):
        began = time.monotonic()
        try:
            status = get(port, "/en/", timeout=timeout)[0]
        except OSError:
            status = None
        times.append(time.monotonic() - began if status == 200 else None)
    return times


def test_slow_request_bodies_do_not_starve_other_clients(stack):
    attack = SlowBodies(stack.nginx_port, 16)
    try:
        time.sleep(1.5)  # the attack is under way
        times = fresh_gets(stack.nginx_port)
    finally:
        attack.close()

    assert None not in times, f"GETs failed during the attack: {times}\n{stack.log()}"
    assert max(times) < 2.0, f"GETs were slow during the attack: {times}"


def test_a_client_that_stops_sending_its_body_is_cut_off(stack):
    sock = socket.create_connection(("127.0.0.1", stack.nginx_port), timeout=30)
    try:
        sock.sendall(
            b"POST /en/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nab"
        )
        began = time.monotonic()
        answer = sock.recv(4096)
        waited = time.monotonic() - began
    finally:
        sock.close()

    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert 8 <= waited <= 20, f"cut off after {waited:.1f} s (client_body_timeout is 10 s)"


def test_a_body_over_the_apps_limit_is_refused_before_it_is_read(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack.nginx_port, timeout=10)
    try:
        conn.putrequest("POST", "/en/")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Content-Length", str(2 * 1024 * 1024))
        conn.endheaders()
        status = conn.getresponse().status
    finally:
        conn.close()

    assert status == 413


def sign_in(port: int, source: str, email: str, forged: str | None = None) -> int:
    """A wrong password for `email` from the address `source`: the sign-in's status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", "/login")
        page = conn.getresponse()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        token = CSRF.search(page.read().decode()).group(1)
        body = urlencode({"email": email, "password": "wrong password", "csrf_token": token})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        if forged:
            headers["X-Forwarded-For"] = forged
        conn.request("POST", "/login", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_the_rate_limiter_sees_each_clients_own_address_through_nginx(stack):
    port = stack.nginx_port
    attacker = [sign_in(port, "127.0.0.2", f"guess{n}@example.org") for n in range(6)]
    forged = sign_in(port, "127.0.0.2", "another@example.org", forged="198.51.100.1")
    neighbour = sign_in(port, "127.0.0.3", "colleague@example.org")

    assert attacker == [200] * 5 + [429], "5 per minute from one client (test setting)"
    assert forged == 429, "a client's own X-Forwarded-For is overwritten by nginx"
    assert neighbour == 200, "another client behind the same nginx is not limited"


def test_the_production_site_file_is_valid_nginx(nginx, tmp_path):
    """deploy/nginx/survey.conf as shipped, with a throwaway certificate, passes `nginx -t`."""
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=survey.example.org", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "survey.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/survey.example.org/fullchain.pem", str(certificate))
    site = site.replace("/etc/letsencrypt/live/survey.example.org/privkey.pem", str(key))
    site = site.replace(
        "/etc/nginx/snippets/survey-proxy.conf", str(DEPLOY / "nginx/survey-proxy.conf")
    )
    (tmp_path / "survey.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; include {tmp_path}/survey.conf; }}\n"
    )

    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "error.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


def test_without_nginx_the_same_attack_starves_gunicorn(stack):
    """Why deploy/ exists: straight at gunicorn, 16 slow bodies hold every thread."""
    attack = SlowBodies(stack.gunicorn_port, 16)
    try:
        time.sleep(1.5)
        times = fresh_gets(stack.gunicorn_port, count=2, timeout=3)
    finally:
        attack.close()

    assert None in times, f"gunicorn answered despite the attack: {times}"
