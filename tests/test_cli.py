"""The commands: create-user asks twice on a terminal and takes --password-stdin from
scripts; no command's normal output carries Alembic's INFO lines."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as select_rows

from survey.extensions import db
from survey.models import User

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


def users(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(u.email, u.role) for u in db.session.scalars(select_rows(User))]


def test_piped_input_without_password_stdin_creates_nothing(app, runner):
    result = runner.invoke(
        args=["create-user", "x@example.org"], input="first password\nsecond password\n"
    )
    assert result.exit_code == 1
    assert "No terminal to ask for the password twice" in result.output
    assert "--password-stdin" in result.output
    assert users(app) == []


def test_password_stdin_takes_one_line(app, runner, auth):
    result = runner.invoke(
        args=["create-user", "x@example.org", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert users(app) == [("x@example.org", "viewer")]
    assert auth.login("x@example.org", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "piped", ["first password\nsecond password\n", "same password\nsame password\n"]
)
def test_password_stdin_refuses_two_lines(app, runner, piped):
    result = runner.invoke(args=["create-user", "x@example.org", "--password-stdin"], input=piped)
    assert result.exit_code == 1
    assert "--password-stdin reads one password" in result.output
    assert users(app) == []


def test_a_russian_operator_is_told_to_use_password_stdin_in_russian(app, runner):
    result = runner.invoke(
        args=["create-user", "x@example.org"], input="x\n", env={"LANG": "ru_RU.UTF-8"}
    )
    assert result.exit_code == 1
    assert "--password-stdin" in result.output
    assert "терминал" in result.output


def test_set_password_reads_the_password_the_same_way(app, runner, auth, make_user):
    make_user("member@example.org")
    piped = runner.invoke(args=["set-password", "member@example.org"], input="new password 1\n")
    assert piped.exit_code == 1
    assert "--password-stdin" in piped.output
    twice = runner.invoke(
        args=["set-password", "member@example.org", "--password-stdin"],
        input="new password 1\nnew password 2\n",
    )
    assert twice.exit_code == 1
    assert auth.login("member@example.org", "new password 1").status_code == 200  # refused
    once = runner.invoke(
        args=["set-password", "member@example.org", "--password-stdin"], input="new password 1\n"
    )
    assert once.exit_code == 0, once.output
    assert auth.login("member@example.org", "new password 1").status_code == 302


# --------------------------------------------------------------------------- a real terminal


def flask_command(tmp_path: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "LC_", "LANG"))}
    env["FLASK_SECRET_KEY"] = "cli-test-not-secret"
    env["PYTHONPATH"] = str(ROOT)
    app = f"survey:create_app(instance_path={str(tmp_path)!r})"
    return [sys.executable, "-m", "flask", "--app", app, *args], env


class Terminal:
    """A command on a pseudo-terminal, as an operator at a keyboard runs it."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"the terminal never showed {text!r}; it showed:\n{self.seen}")
            ready, _w, _x = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the command ended
                    chunk = b""
                if not chunk:
                    pytest.fail(f"the command ended before {text!r}:\n{self.seen}")
                self.seen += chunk.decode(errors="replace")
        # What comes next is read from here on.
        self.seen = self.seen[self.seen.index(text) + len(text) :]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def finish(self) -> int:
        code = self.process.wait(60)
        os.close(self.master)
        return code


def test_on_a_terminal_the_password_is_asked_twice_until_both_match(tmp_path):
    command, env = flask_command(tmp_path, "create-user", "desk@example.org", "--role", "admin")
    terminal = Terminal(command, env)
    terminal.expect("Password:")
    terminal.type("one password here")
    terminal.expect("Repeat the password:")
    terminal.type("another password")
    terminal.expect("do not match")
    terminal.expect("Password:")
    terminal.type(PASSWORD)
    terminal.expect("Repeat the password:")
    terminal.type(PASSWORD)
    terminal.expect("Created admin desk@example.org.")
    assert terminal.finish() == 0
    # Typed passwords are not echoed.
    assert PASSWORD not in terminal.seen

    check, env = flask_command(tmp_path, "create-user", "desk@example.org", "--password-stdin")
    again = subprocess.run(check, env=env, cwd=ROOT, input="x" * 12, capture_output=True, text=True)
    assert "already exists" in again.stderr + again.stdout


def test_two_different_passwords_on_a_terminal_never_create_the_account(tmp_path):
    command, env = flask_command(tmp_path, "create-user", "desk@example.org")
    terminal = Terminal(command, env)
    terminal.expect("Password:")
    terminal.type("one password here")
    terminal.expect("Repeat the password:")
    terminal.type("another password")
    terminal.expect("do not match")
    terminal.expect("Password:")
    os.write(terminal.master, b"\x04")  # the operator gives up: Ctrl-D
    assert terminal.finish() != 0
    listing, env = flask_command(tmp_path, "list-tokens", "desk@example.org")
    result = subprocess.run(listing, env=env, cwd=ROOT, capture_output=True, text=True)
    assert "No user with e-mail desk@example.org." in result.stderr


# --------------------------------------------------------------------------- quiet commands


def test_no_command_prints_alembic_info_lines(tmp_path):
    """Each command starts the app, which migrates the embedded SQLite database."""
    out = tmp_path / "codebook.csv"
    runs = [
        (("db", "upgrade"), None),
        (("create-user", "quiet@example.org", "--password-stdin"), PASSWORD + "\n"),
        (("create-token", "quiet@example.org"), None),
        (("seed-demo", "3", "--drafts", "0"), None),
        (("rebuild-result-counts",), None),
        (("export", "codebook", "--out", str(out)), None),
        (("db", "current"), None),
    ]
    fresh = tmp_path / "instance"
    for args, given in runs:
        command, env = flask_command(fresh, *args)
        result = subprocess.run(
            command, env=env, cwd=ROOT, input=given, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        for line in (result.stdout + result.stderr).splitlines():
            assert not line.startswith("INFO") and "[alembic" not in line, (args, line)
    assert out.exists()
