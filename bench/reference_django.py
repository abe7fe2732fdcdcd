"""The reference, measured in the same run: a one-page Django survey under the same load.

Issue #3 compares us with "a one-page Django survey package on this same 2-core machine"
(12 responses/s at concurrency 1, 24 at 16). The machine's speed varies up to 3× from one
day to the next, so a fixed figure is no yardstick: this script measures the reference
itself, right before or after `bench.load_responses`, on the same machine.

    python -m bench.reference_django --n 150     # SQLite and PostgreSQL, concurrency 1 and 16
    python -m bench.load_responses --workers 2 --threads 4 --n 150

What it does:

1. Creates (or reuses, when its pinned versions are all there) a throwaway virtualenv
   outside the repository (`--venv`, default ~/.cache/survey-bench/django-reference-venv)
   and pip-installs PINS into it from PyPI. Nothing of it enters our own virtualenv.
2. For every configuration, generates a minimal Django project in a temporary directory
   (DEBUG off, a random SECRET_KEY, CSRF on, django-survey-and-report as its docs install
   it), on a fresh SQLite file (WAL) or a fresh PostgreSQL database `bench_ref_…` (dropped
   afterwards), migrates it and creates one survey mirroring our questionnaire (QUESTIONS:
   17 questions, all optional, all on one page, public, anonymous answers).
3. Serves it with gunicorn, the same worker settings as ours (default 2 workers × 4 threads,
   gthread), and warms the workers up with GETs only.
4. Drives N whole responses, `--concurrency` respondents at a time, with the client
   processes, threads and statistics of `bench.load_responses`: each respondent (own cookie
   jar, keep-alive connection) GETs the survey page, POSTs plausible answers with the page's
   CSRF token, and GETs the confirmation page the package redirects to.
5. Checks in the database that exactly N responses, each with its 17 answers, were stored.

The script itself uses the standard library only (the Django project runs in the other
virtualenv); as the other bench scripts it needs our virtualenv for `bench.common`
(psycopg) and takes the country list from our app, so the reference's country select
offers exactly our options.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Server,
    drop_postgres_database,
    fresh_postgres_database,
    percentile,
    print_table,
    scalar,
    start_gunicorn,
)
from bench.load_responses import (  # noqa: E402
    SENTENCES,
    Browser,
    LoadError,
    add_load_options,
    expect,
    run_load,
)

DEFAULT_VENV = Path.home() / ".cache" / "survey-bench" / "django-reference-venv"

#: Everything the reference's virtualenv holds, pinned: what pip resolved for
#: django-survey-and-report 1.5.0 + gunicorn + psycopg[binary] on Python 3.11 (Django 6
#: needs Python 3.12). gunicorn and psycopg are the versions our own virtualenv runs, so
#: the server and the database driver are the same on both sides.
PINS = {
    "django-survey-and-report": "1.5.0",
    "Django": "5.2.19",
    "gunicorn": "27.0.1",
    "psycopg": "3.3.9",
    "psycopg-binary": "3.3.9",
    "asgiref": "3.13.0",
    "sqlparse": "0.6.1",
    "pytz": "2026.6",
    "PyYAML": "6.0.4",
    "typing_extensions": "4.16.0",
}

#: The package's choices are one string split on settings.CHOICES_SEPARATOR (default ",");
#: our labels contain commas ("0 – 4,999"), so the generated project sets another one.
CHOICES_SEPARATOR = "|"

PARTNERS = [
    "Other libraries",
    "Government agencies",
    "Commercial / businesses",
    "Non-profit organizations",
    "Local, regional or international library associations",
    "Other (please specify)",
]
YES_NO = ["Yes", "No"]
COUNTRIES = "countries"  # placeholder: our app's country names, filled in at run time

#: Our 17 questions (see shared/questionnaire.md) in the package's question types:
#: (code, type, English wording, choices). The package has no conditional follow-ups and
#: no ranking, so: "other (please specify)" and the q2/q5 follow-ups have no field of
#: their own, each ranking (q7, q14) is one short text where the respondent types the
#: order, and the contact details (q17) are one short text.
QUESTIONS: list[tuple[str, str, str, list[str] | str]] = [
    (
        "q1",
        "radio",
        "Please mark the type of library you represent.",
        [
            "Professional union / association",
            "Public / community library",
            "National library",
            "Academic library",
            "School library",
            "Other (please specify)",
        ],
    ),
    ("q2", "radio", "Are you a member of a library association?", YES_NO),
    ("q3", "select", "In which country is your library?", COUNTRIES),
    (
        "q4",
        "radio",
        "How many people does your library serve?",
        [
            "0 – 4,999",
            "5,000 – 24,999",
            "25,000 – 49,999",
            "50,000 – 99,999",
            "100,000+",
            "N/A",
        ],
    ),
    (
        "q5",
        "radio",
        "Does your library organization have a budget for advocacy efforts?",
        YES_NO,
    ),
    (
        "q6",
        "select-multiple",
        "What types of organizations has your library partnered with for advocacy? "
        "Please select all that apply.",
        PARTNERS,
    ),
    (
        "q7",
        "short-text",
        "Of the organizations that your library partners with, please rank them in order of "
        "who makes the best partners for your advocacy efforts, #1 being the best partner "
        "(type them in order, best first).",
        [],
    ),
    (
        "q8",
        "text",
        "Please give an example of a successful partnership and mention the advocacy "
        "programs or policies you implemented.",
        [],
    ),
    (
        "q9",
        "text",
        "During your experiences partnering on advocacy efforts, please describe any "
        "challenges you have encountered, whether you were able to resolve them, and if so "
        "how.",
        [],
    ),
    (
        "q10",
        "text",
        "Please mention important achievements or benefits you realized through your partnership.",
        [],
    ),
    (
        "q11",
        "text",
        "Please describe the work you and your advocacy partner(s) are engaged in. If you "
        "have created advocacy tools, resources or materials, please include links to them "
        "or contact information for accessing them.",
        [],
    ),
    (
        "q12",
        "radio",
        "Do you have support within your library organization to pursue collaborative "
        "partnerships toward advocacy?",
        YES_NO,
    ),
    ("q13", "text", "How does this support (or lack of support) impact your work?", []),
    (
        "q14",
        "short-text",
        "Beyond your existing partnerships, please rank which community stakeholders you "
        "would like to partner with on advocacy efforts, #1 being the best potential partner "
        "(type them in order, best first).",
        [],
    ),
    (
        "q15",
        "text",
        "What would you want this collaboration or partnership to accomplish?",
        [],
    ),
    (
        "q16",
        "select-multiple",
        "What steps, tools and/or resources would you take to pursue a new collaboration "
        "for advocacy efforts?",
        [
            "Face-to-face persuasive meetings",
            "Focus group discussions",
            "Partnership agreement (memorandum of understanding, MOU)",
            "Public statements",
            "Other (please specify)",
        ],
    ),
    (
        "q17",
        "short-text",
        "If you would like to take part in further collaboration, please leave your contact "
        "details (name, organization, e-mail).",
        [],
    ),
]
STAKEHOLDERS = ["Other libraries", "Government agencies", "Business", "NGOs", "Associations"]

CSRF = re.compile(r'name="csrfmiddlewaretoken"[^>]*value="([^"]+)"')
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="(question_\d+)"')
FORM_ERROR = re.compile(r'class="help-inline"[^>]*>\s*<strong>(.*?)</strong>', re.S)
#: How the generated project's LOGGING marks Django's own warnings and errors in the log.
DJANGO_LOG = "django-log:"
CONFIRM_PATH = re.compile(r"^/survey/confirm/\w+/$")
THANKS = "Thanks! Your answers have been saved"


class SetupError(RuntimeError):
    """The reference could not be installed, generated or started."""


# --------------------------------------------------------------------------- virtualenv


def requirements() -> list[str]:
    return [
        f"psycopg[binary]=={version}" if name == "psycopg" else f"{name}=={version}"
        for name, version in PINS.items()
    ]


def installed_versions(python: Path) -> dict[str, str] | None:
    """The versions of PINS' packages installed for `python` (None: no usable interpreter)."""
    if not python.exists():
        return None
    probe = (
        "import importlib.metadata as m, json, sys\n"
        "found = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run(
        [str(python), "-c", probe, json.dumps(list(PINS))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


def ensure_venv(venv: Path) -> Path:
    """The reference virtualenv's interpreter, creating or completing the virtualenv first."""
    python = venv / "bin" / "python"
    versions = installed_versions(python)
    if versions == PINS:
        return python
    if versions is None:
        # `venv --clear` empties the directory: only ever one that is ours (or empty).
        if venv.exists() and any(venv.iterdir()) and not (venv / "pyvenv.cfg").exists():
            raise SetupError(f"{venv} exists and is not a virtualenv: give another --venv")
        print(f"creating the reference virtualenv in {venv}", flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "venv", "--clear", str(venv)], "python -m venv")
    print(f"installing {', '.join(requirements())} from PyPI", flush=True)
    run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", *requirements()],
        "pip install",
        timeout=900,
    )
    versions = installed_versions(python)
    if versions != PINS:
        raise SetupError(f"the reference virtualenv holds {versions}, not {PINS}")
    return python


def run(
    command: list[str],
    what: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> str:
    """Run a command; its output, or a SetupError carrying that output when it fails."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        raise SetupError(f"{what} did not finish within {timeout} s") from error
    if result.returncode != 0:
        raise SetupError(
            f"{what} failed ({result.returncode}):\n{result.stdout[-4000:]}{result.stderr[-4000:]}"
        )
    return result.stdout


# --------------------------------------------------------------------------- the project

SETTINGS = """\
# Generated by bench/reference_django.py: a minimal project serving django-survey-and-report
# as its documentation installs it (startproject's defaults + the app), for a benchmark.
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = {secret_key!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "survey",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "benchref.urls"
WSGI_APPLICATION = "benchref.wsgi.application"
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]
DATABASES = {{"default": {database!r}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"  # what the package's migrations use
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"

# django-survey-and-report's settings.
CHOICES_SEPARATOR = {choices_separator!r}
USER_DID_NOT_ANSWER = "Left blank"
DEFAULT_SURVEY_PUBLISHING_DURATION = 7
CSV_DIRECTORY = BASE_DIR / "csv"
TEX_DIRECTORY = BASE_DIR / "tex"

# With DEBUG off Django logs request errors only to mail_admins: send them, and its warnings
# (403s, 404s, refused CSRF tokens), to stderr, which gunicorn's --capture-output writes into
# its log, where the benchmark counts every line so marked.
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {{"marked": {{"format": {log_format!r}}}}},
    "handlers": {{"stderr": {{"class": "logging.StreamHandler", "formatter": "marked"}}}},
    "loggers": {{
        "django": {{"handlers": ["stderr"], "level": "WARNING"}},
        "survey": {{"handlers": ["stderr"], "level": "WARNING"}},
    }},
}}
"""

URLS = """\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("survey/", include("survey.urls"))]
"""

WSGI = """\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchref.settings")
application = get_wsgi_application()
"""

# Run with the reference's interpreter: creates the survey from spec.json and prints its
# path and, per question code, the form field's name and the values its choices post.
CREATE_SURVEY = """\
import json
import sys
from datetime import timedelta

import django

django.setup()

from django.urls import reverse
from django.utils import timezone
from survey.models import Question, Survey

spec = json.load(open(sys.argv[1], encoding="utf-8"))
today = timezone.now().date()
survey = Survey.objects.create(
    name=spec["name"],
    description=spec["description"],
    is_published=True,
    need_logged_user=False,
    editable_answers=True,
    display_method=Survey.ALL_IN_ONE_PAGE,
    publish_date=today - timedelta(days=1),
    expire_date=today + timedelta(days=365),
    redirect_url="",
)
fields = {}
for order, (code, kind, text, choices) in enumerate(spec["questions"], start=1):
    question = Question.objects.create(
        survey=survey,
        order=order,
        text=text,
        type=kind,
        required=False,
        choices=spec["separator"].join(choices) or None,
    )
    values = [value for value, _label in question.get_choices()]
    if len(set(values)) != len(values):
        sys.exit(f"{code}: two choices give the same value")
    fields[code] = {"name": f"question_{question.pk}", "choices": values}
print(json.dumps({"path": reverse("survey-detail", kwargs={"id": survey.pk}), "fields": fields}))
"""


def country_names() -> list[str]:
    """Our app's country list (English names, in its order) and our q3's "prefer not to say"."""
    from survey.i18n import countries  # our app, in our virtualenv: the same 257 options

    return [name for _code, name in countries("en")] + ["Prefer not to say"]


def database_settings(backend: str, where: Path, name: str) -> tuple[dict[str, Any], str]:
    """Django's DATABASES["default"] for a fresh database, and that database's URI for
    bench.common.scalar."""
    # Persistent connections (one per gunicorn thread) like our app's pool; Django's default
    # (0) would open a connection per request, which is not what a deployment runs.
    if backend == "postgresql":
        uri = fresh_postgres_database(name)
        parts = urlsplit(uri)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": parts.username or "postgres",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 5432),
            "CONN_MAX_AGE": 600,
        }, uri
    path = where / "reference.sqlite3"
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 600,
        # As our app (survey/database.py): WAL, synchronous=NORMAL, a 15 s busy timeout,
        # write transactions that take the lock up front (Django ≥ 5.1 options).
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 15,
        },
    }, f"sqlite:///{path}"


def write_project(project: Path, database: dict[str, Any]) -> None:
    package = project / "benchref"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(
        SETTINGS.format(
            secret_key=secrets.token_urlsafe(50),
            database=database,
            choices_separator=CHOICES_SEPARATOR,
            log_format=f"{DJANGO_LOG} %(levelname)s %(name)s: %(message)s",
        )
    )
    (package / "urls.py").write_text(URLS)
    (package / "wsgi.py").write_text(WSGI)
    (project / "create_survey.py").write_text(CREATE_SURVEY)


def django_env(project: Path) -> dict[str, str]:
    """The reference's environment: its settings, and only its project on the path (our
    repository has a package named `survey` too)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTHON")) and key != "VIRTUAL_ENV"
    }
    env["DJANGO_SETTINGS_MODULE"] = "benchref.settings"
    env["PYTHONPATH"] = str(project)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def create_survey(python: Path, project: Path, env: dict[str, str]) -> dict[str, Any]:
    """Migrate the fresh database and create the survey; its path and form fields."""
    run([str(python), "-m", "django", "migrate", "--noinput"], "migrate", env=env, cwd=project)
    questions = [
        [code, kind, text, country_names() if choices == COUNTRIES else choices]
        for code, kind, text, choices in QUESTIONS
    ]
    spec = {
        "name": "Library advocacy partnerships",
        "description": "Partnerships between libraries and other organizations for advocacy.",
        "separator": CHOICES_SEPARATOR,
        "questions": questions,
    }
    (project / "spec.json").write_text(json.dumps(spec, ensure_ascii=False))
    out = run(
        [str(python), "create_survey.py", "spec.json"], "creating the survey", env=env, cwd=project
    )
    return json.loads(out.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the server


def start_reference_server(
    python: Path,
    project: Path,
    env: dict[str, str],
    workdir: Path,
    survey_path: str,
    workers: int,
    threads: int,
    startup_timeout: float = 60,
) -> Server:
    """gunicorn serving the reference on 127.0.0.1, with the settings ours runs under."""
    try:
        return start_gunicorn(
            "benchref.wsgi:application",
            # Django's own error log goes to stderr (see SETTINGS): into the same log.
            ["--chdir", str(project), "--capture-output"],
            cwd=project,
            env=env,
            workdir=workdir,
            owns_workdir=False,
            ready_path=survey_path,
            workers=workers,
            threads=threads,
            startup_timeout=startup_timeout,
            python=python,
        )
    except RuntimeError as error:
        raise SetupError(str(error)) from error


def warm_up(server: Server, path: str, rounds: int) -> None:
    """GETs only (no response is stored): every worker loads its templates and connection."""
    for __ in range(rounds):
        browser = Browser(server.host, server.port)
        for __ in range(2):
            browser.request("GET", path)
        browser.close()


# --------------------------------------------------------------------------- the respondent


def answers_for(
    person: random.Random, lang: str, skip_q6: bool, fields: dict[str, dict[str, Any]]
) -> dict[str, list[str]]:
    """Plausible answers by question code, drawn as bench.load_responses draws ours (same
    texts, same lengths, same share of empty q6 and of contact details)."""
    text = SENTENCES[lang]

    def para(k: int) -> str:
        return " ".join(person.choice(text) for _ in range(k))

    def one(code: str) -> list[str]:
        return [person.choice(fields[code]["choices"])]

    partners = fields["q6"]["choices"]
    chosen = [] if skip_q6 else person.sample(partners, person.randint(1, len(partners)))
    steps = fields["q16"]["choices"]
    ranked = person.sample(STAKEHOLDERS, person.randint(0, len(STAKEHOLDERS)))
    answers = {
        "q1": one("q1"),
        "q2": one("q2"),
        "q3": one("q3"),
        "q4": one("q4"),
        "q5": one("q5"),
        "q6": chosen,
        "q7": [" > ".join(person.sample(chosen, len(chosen)))] if chosen else [],
        "q8": [para(3)],
        "q9": [para(4)],
        "q10": [para(2)],
        "q11": [para(2) + " https://example.org/toolkit"],
        "q12": one("q12"),
        "q13": [para(2)],
        "q14": [" > ".join(ranked)] if ranked else [],
        "q15": [para(2)],
        "q16": person.sample(steps, person.randint(0, len(steps))),
    }
    if person.random() < 0.5:
        answers["q17"] = ["Test Respondent, Bench Library, respondent@example.org"]
    return answers


def respond(
    browser: Browser, index: int, seed: int, *, path: str, fields: dict[str, dict[str, Any]]
) -> None:
    """One whole response as a browser gives it: GET the page, POST it, follow the redirect."""
    person = random.Random(seed * 1_000_003 + index)
    lang = "ru" if index % 2 else "en"
    status, _, html = browser.request("GET", path)
    expect(status == 200, f"GET {path} gave {status}")
    token = CSRF.search(html)
    expect(token is not None, f"no CSRF token on {path}")
    names = set(FIELD.findall(html))
    expected = {field["name"] for field in fields.values()}
    expect(names == expected, f"{path} has fields {sorted(names)}, not {sorted(expected)}")
    answers = answers_for(person, lang, skip_q6=index % 5 == 0, fields=fields)
    form = [("csrfmiddlewaretoken", unescape(token.group(1)))]  # type: ignore[union-attr]
    form += [(fields[code]["name"], value) for code, values in answers.items() for value in values]
    status, location, body = browser.request("POST", path, form)
    if status == 200:
        errors = [unescape(re.sub(r"<[^>]+>", "", e)).strip() for e in FORM_ERROR.findall(body)]
        detail = "; ".join(filter(None, errors)) or body[:200]
        raise LoadError(f"POST {path} refused the answers: {detail}")
    expect(status in (302, 303), f"POST {path} gave {status}")
    target = urlsplit(location or "").path
    expect(CONFIRM_PATH.match(target) is not None, f"unexpected redirect to {location!r}")
    status, _, html = browser.request("GET", target)
    expect(status == 200, f"GET {target} gave {status}")
    expect(THANKS in html, f"{target} does not confirm the response")


# --------------------------------------------------------------------------- a configuration


def configuration(
    backend: str, concurrency: int, args: argparse.Namespace, python: Path, tmp: str
) -> dict[str, object]:
    workdir = Path(tmp) / f"{backend}-c{concurrency}"
    project = workdir / "project"
    project.mkdir(parents=True)
    # Unique per run, so two people's runs on one server do not drop each other's database.
    database_name = f"bench_ref_{os.getpid()}_c{concurrency}"
    database, uri = database_settings(backend, workdir, database_name)
    try:
        write_project(project, database)
        env = django_env(project)
        survey = create_survey(python, project, env)
        path, fields = survey["path"], survey["fields"]
        with start_reference_server(
            python, project, env, workdir, path, args.workers, args.threads
        ) as server:
            warm_up(server, path, rounds=4 * args.workers)
            respondent = functools.partial(respond, path=path, fields=fields)
            stats, elapsed = run_load(
                server,
                args.n,
                concurrency,
                args.seed,
                processes=args.client_processes,
                respondent=respondent,
            )
            # bench.common's error markers (tracebacks…) and every line Django logged.
            flagged = set(server.errors_in_log())
            log_errors = [
                line
                for line in server.log().splitlines()
                if line in flagged or line.startswith(DJANGO_LOG)
            ]
        stored = scalar(uri, "SELECT count(*) FROM survey_response")
        answered = scalar(uri, "SELECT count(DISTINCT response_id) FROM survey_answer")
        answers = scalar(uri, "SELECT count(*) FROM survey_answer")
    finally:
        if backend == "postgresql" and not args.keep_databases:
            drop_postgres_database(database_name)
    problems = list(stats.errors) + [f"server log: {line}" for line in log_errors]
    if stats.completed + len(stats.errors) != args.n:
        problems.append(
            f"{args.n - stats.completed - len(stats.errors)} respondents neither finished nor "
            "failed (a client thread crashed: see its traceback above)"
        )
    expected_answers = args.n * len(QUESTIONS)
    if (stored, answered, answers) != (args.n, args.n, expected_answers):
        problems.append(
            f"database holds {stored} responses, {answered} with answers, {answers} answers; "
            f"expected {args.n}, {args.n}, {expected_answers}"
        )
    return {
        "backend": backend,
        "concurrency": concurrency,
        "completed": stats.completed,
        "elapsed": elapsed,
        "responses_per_s": stats.completed / elapsed,
        "requests_per_s": stats.requests / elapsed,
        "requests_per_response": stats.requests / max(stats.completed + len(stats.errors), 1),
        "p50": percentile(stats.latencies_ms, 50),
        "p95": percentile(stats.latencies_ms, 95),
        "errors": len(stats.errors) + len(log_errors),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--venv",
        type=Path,
        default=DEFAULT_VENV,
        help=f"the reference's throwaway virtualenv (default {DEFAULT_VENV})",
    )
    parser.add_argument(
        "--keep-databases", action="store_true", help="do not drop the PostgreSQL databases"
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    try:
        python = ensure_venv(args.venv.expanduser())
    except SetupError as error:
        print(f"reference_django: {error}", file=sys.stderr)
        return 2
    kind = "sync" if args.threads == 1 else f"gthread × {args.threads} threads"
    print(
        f"Reference: django-survey-and-report {PINS['django-survey-and-report']} on Django "
        f"{PINS['Django']}, one page of {len(QUESTIONS)} optional questions, anonymous. "
        f"{args.n} responses per configuration; gunicorn {args.workers} workers ({kind}); "
        f"up to {args.client_processes} client processes; every 5th respondent leaves q6 "
        f"empty; half write Russian texts.",
        flush=True,
    )
    results = []
    tmp = tempfile.mkdtemp(prefix="survey-bench-ref-")
    try:
        for backend in args.backends:
            for concurrency in args.concurrency:
                print(f"… {backend}, concurrency {concurrency}", flush=True)
                result = configuration(backend, concurrency, args, python, tmp)
                results.append(result)
                for problem in result["problems"][:10]:
                    print(f"   ERROR {problem}", flush=True)
    except SetupError as error:
        print(f"reference_django: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print_table(
        [
            "database",
            "concurrency",
            "responses",
            "seconds",
            "responses/s",
            "requests/s",
            "req/response",
            "p50 ms",
            "p95 ms",
            "errors",
        ],
        [
            [
                r["backend"],
                r["concurrency"],
                r["completed"],
                r["elapsed"],
                r["responses_per_s"],
                r["requests_per_s"],
                r["requests_per_response"],
                r["p50"],
                r["p95"],
                r["errors"],
            ]
            for r in results
        ],
        markdown=args.markdown,
    )
    per_response = sorted({round(float(r["requests_per_response"]), 2) for r in results})
    print(
        f"\nThe reference made {' / '.join(f'{x:g}' for x in per_response)} HTTP requests per "
        "response: GET the survey page, POST the answers, GET the confirmation page the "
        "package redirects to."
    )
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
