"""Database models: responses with their answers in long form, accounts, translations."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import get_history
from werkzeug.security import check_password_hash, generate_password_hash

from survey.extensions import db

if TYPE_CHECKING:
    # Flask-SQLAlchemy makes db.Model at run time; type checkers see its declarative base.
    from survey.extensions import Base as Model
else:
    Model = db.Model

DRAFT = "draft"
SUBMITTED = "submitted"
#: Submitted, then left out of every figure and export by an admin (a test answer, a
#: duplicate, spam); nothing is deleted, and restoring makes it submitted again.
EXCLUDED = "excluded"
STATUSES = (DRAFT, SUBMITTED, EXCLUDED)
#: Where a response came from.
SOURCES = ("web", "import", "demo")
#: Submitted responses the live result counters have not taken in yet.
NEW_SUBMISSIONS = "status = 'submitted' AND NOT counted"
#: Responses counted into the results that are no longer submitted.
COUNTED_NOT_SUBMITTED = "counted AND status <> 'submitted'"


def utcnow() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    """Tokens are high-entropy random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


class Response(Model):
    """One respondent's questionnaire, in whatever state they left it."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted', 'excluded')", name="ck_responses_status"),
        Index("ix_responses_status_language", "status", "language"),
        Index("ix_responses_status_submitted_at", "status", "submitted_at"),
        # The responses list pages through these orders (keyset: the id breaks ties).
        Index("ix_responses_started_at_id", "started_at", "id"),
        Index("ix_responses_submitted_at_id", "submitted_at", "id"),
        # Finds the few submitted responses the result counters have not taken in yet. Only
        # those are in it on PostgreSQL, whose planner otherwise reads the whole table.
        Index(
            "ix_responses_new_submissions",
            "status",
            "counted",
            postgresql_where=text(NEW_SUBMISSIONS),
        ),
        # The few responses counted into the results that no longer count (no longer
        # submitted): the results' rows leave them out (survey.aggregation.by_response).
        Index(
            "ix_responses_counted_not_submitted",
            "id",
            postgresql_where=text(COUNTED_NOT_SUBMITTED),
            sqlite_where=text(COUNTED_NOT_SUBMITTED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Opaque public identifier, used in exports and the results pages.
    uuid: Mapped[str] = mapped_column(
        String(36), unique=True, nullable=False, default=lambda: str(uuid.uuid4())
    )
    #: SHA-256 of the respondent's resume token; the token itself is only in their link.
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Language the respondent last answered in (en, ru, ...).
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DRAFT)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Last questionnaire page the respondent saved, so a resume lands there.
    last_page: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: What was typed on pages left with "Back" while they had errors, not validated and
    #: not counted anywhere: JSON {page number: [[field, value], …]}; shown again on return.
    unsaved: Mapped[str | None] = mapped_column(Text)
    #: Where the answers came from: "web", "import" (`import-csv`) or "demo" (`seed-demo`).
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="web")
    #: Whether the live result counters hold this response (see `survey.aggregation.counters`).
    counted: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    #: When an admin excluded it from the figures, who, and why (None while it counts; a
    #: restored response keeps no trace here, the audit log has the history).
    excluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    excluded_reason: Mapped[str | None] = mapped_column(Text)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    excluded_by: Mapped[User | None] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.status == SUBMITTED

    @property
    def is_excluded(self) -> bool:
        return self.status == EXCLUDED

    @staticmethod
    def new_resume_token() -> str:
        return secrets.token_urlsafe(24)

    def __repr__(self) -> str:
        return f"<Response {self.uuid} {self.language} {self.status}>"


class Answer(Model):
    """One answered question, chosen option or ranked item of a response (long form).

    Choice questions hold one row per chosen option code; rankings one row per offered item
    (rank NULL = not applicable); text questions one row with an empty option.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question", "option", name="uq_answers_cell"),
        # Counting by GROUP BY (ranks too) and filtering respondents by an answer read this
        # index only, never the table.
        Index("ix_answers_question_option_response", "question", "option", "response_id", "rank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), nullable=False
    )
    #: Question code from the questionnaire (q1, q2_role, q17, ...).
    question: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Option or item code; empty (never NULL, so the unique key holds) for plain text.
    option: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    #: Rank for ranking items, NULL for "not applicable".
    rank: Mapped[int | None] = mapped_column(Integer)
    #: Free text: the answer itself, an "other" specification, a contact detail.
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
    translations: Mapped[list[Translation]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Answer {self.question}/{self.option} rank={self.rank}>"


class Translation(Model):
    """An analyst's translation of one free-text answer into one target language."""

    __tablename__ = "translations"
    __table_args__ = (
        UniqueConstraint("answer_id", "language", name="uq_translations_answer_language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: Target language of this translation.
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    translated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="translations")
    translated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Translation answer={self.answer_id} {self.language}>"


#: Working-group roles, least allowed first: a viewer reads results; an analyst may also
#: translate and code open answers; an admin may also see contact details.
ROLES = ("viewer", "analyst", "admin")
#: Roles that may change translations and codings.
ANNOTATING_ROLES = frozenset({"analyst", "admin"})


class User(UserMixin, Model):
    """A working-group member: see `ROLES`."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'analyst', 'admin')", name="ck_users_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="viewer")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Carried by every signed-in session of this account, which ends when it no longer
    #: matches: signing out, a new password, another role or disabling increments it
    #: (`end_sessions_on_account_change`, `survey.auth.sessions`).
    session_generation: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default=text("0")
    )
    #: A disabled account cannot sign in, and its sessions and API tokens are refused.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Set with a one-time password an admin gave: the next sign-in must choose a new one.
    password_change_required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    #: SHA-256 of a pending invitation's token (its link is shown once to the admin); the
    #: account has no usable password until the invitation is accepted.
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The last successful sign-in, for the accounts list.
    signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses to sign in an inactive account."""
        return self.disabled_at is None

    @property
    def may_annotate(self) -> bool:
        """May change translations and the coding of open answers (viewers may not)."""
        return self.role in ANNOTATING_ROLES

    @property
    def is_invited(self) -> bool:
        """Invited and not signed up yet: no password of its own."""
        return self.invitation_hash is not None

    @property
    def invitation_expired(self) -> bool:
        expires = self.invitation_expires_at
        if expires is None:
            return False
        return (expires if expires.tzinfo else expires.replace(tzinfo=UTC)) <= utcnow()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


#: Changing any of these ends the account's sessions.
_SESSION_ENDING_CHANGES = ("password_hash", "role", "disabled_at")


@event.listens_for(User, "before_update")
def end_sessions_on_account_change(_mapper, _connection, user: User) -> None:
    """A new password, another role, disabling: every session signed in before ends.

    Here rather than in each command or page that changes an account, so that none can
    forget it.
    """
    if any(get_history(user, name).has_changes() for name in _SESSION_ENDING_CHANGES):
        user.session_generation = (user.session_generation or 0) + 1


class ApiToken(Model):
    """A bearer token for scripts; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    #: First characters of the token, so a user can tell their tokens apart when revoking.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    #: What its owner called it ("R script"), to tell tokens apart.
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… user={self.user_id}>"


class AccessLog(Model):
    """The access and audit log: who obtained personal data (contact details), excluded or
    restored a response, changed an account or opened and closed the survey; when and why.

    `action` names what happened (`survey.auth.audit.ACTIONS`); `detail` says what it was
    about (the export and its filters, the response id and reason, the account).
    """

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: E-mail at the time of access, kept even if the account is later removed.
    user_email: Mapped[str] = mapped_column(String(254), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    #: What was obtained: the export format and its filters.
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<AccessLog {self.user_email} {self.action} {self.at}>"


#: A background job's states: waiting for a worker, being made, finished (its file is there
#: until `expires_at`), given up after its attempts, past its expiry (file deleted).
JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_EXPIRED = (
    "queued",
    "running",
    "done",
    "failed",
    "expired",
)
JOB_STATES = (JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_EXPIRED)


class Job(Model):
    """A file made in the background (a large export, a report) for the account that asked.

    The row is the truth about the job; the queue (Huey) only carries "run job X, attempt
    N" to a worker. Each attempt writes to a temporary name and renames it when complete,
    and only the attempt whose number the row holds may mark the job done, so a worker
    killed mid-way is retried and never leaves a half file on offer.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'expired')", name="ck_jobs_status"
        ),
        Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Public identifier in URLs (not guessable, unlike the id).
    uuid: Mapped[str] = mapped_column(
        String(36), unique=True, nullable=False, default=lambda: str(uuid.uuid4())
    )
    #: The registered kind of job (`survey.jobs.register`), e.g. "responses.xlsx".
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    #: What the kind needs to make the file (for exports: the query string's pairs).
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    #: What is made, for people and the access log ("responses.xlsx; filters: q2=yes").
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The file holds personal data: downloading it needs an admin and is access-logged.
    personal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=JOB_QUEUED)
    #: Which attempt is the current one; only it may finish the job.
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    done_steps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_steps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The file's name in the jobs folder once complete (never a temporary name).
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    #: Why it failed, for the person who asked (no answers in it).
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Last sign of life of the attempt running it; a stale one is run again.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_done(self) -> bool:
        return self.status == JOB_DONE

    @property
    def percent(self) -> int:
        if self.status == JOB_DONE:
            return 100
        if not self.total_steps:
            return 0
        return min(99, int(100 * self.done_steps / self.total_steps))

    def __repr__(self) -> str:
        return f"<Job {self.uuid} {self.kind} {self.status} attempt={self.attempt}>"


class CodingCategory(Model):
    """A category the working group codes one open field's answers into ("Financing").

    `field` is the open field (q9, q2_role, q6_other, ...). The `code` is stable: it names
    the category in filters (`?q9_code=financing`), the API and the export columns
    (`q9_code_financing`), and is never given to another category of the field, even after
    this one is deleted (the row stays, marked deleted).
    """

    __tablename__ = "coding_categories"
    __table_args__ = (UniqueConstraint("field", "code", name="uq_coding_categories_field_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    #: The name in each language it was given in ({"en": "Financing", "ru": "..."}).
    names: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The order the working group chose (lowest first).
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Retired: no longer offered for coding, still counted and exported.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Deleted with its codings; kept so that its code is never reused.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def name(self, language: str) -> str:
        """The name in `language`, else in any language it has (then its code)."""
        return self.names.get(language) or next(iter(self.names.values()), "") or self.code

    def __repr__(self) -> str:
        return f"<CodingCategory {self.field} {self.code}>"


class Coding(Model):
    """One open answer coded into one category: the coding that counts."""

    __tablename__ = "codings"
    __table_args__ = (
        # Counting answers per category reads this index only.
        Index("ix_codings_category_answer", "category_id", "answer_id"),
    )

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("coding_categories.id", ondelete="CASCADE"), primary_key=True
    )
    #: The answer's response (as in `answers`): the coded figures of a million respondents
    #: join their codings by respondent instead of looking up each coded answer.
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE", name="fk_codings_response_id_responses"),
        nullable=False,
        index=True,
    )
    coded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    coded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<Coding answer={self.answer_id} category={self.category_id}>"


class CoderCoding(Model):
    """A tick of one of two coders who code a field independently (double coding).

    Each coder sees only their own ticks until both have reviewed an answer; agreement
    (Cohen's kappa) is computed from these, and the reconciled coding is a `Coding`.
    """

    __tablename__ = "coder_codings"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("coding_categories.id", ondelete="CASCADE"), primary_key=True
    )
    coder_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    coded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoderReview(Model):
    """A coder has coded an answer of a double-coded field (possibly into no category)."""

    __tablename__ = "coder_reviews"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    coder_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodingField(Model):
    """How an open field is coded: by anyone (the default), or by two coders independently."""

    __tablename__ = "coding_fields"

    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    second_coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_double(self) -> bool:
        return self.first_coder_id is not None and self.second_coder_id is not None


class AnswerNote(Model):
    """A coder's free note on one open answer."""

    __tablename__ = "answer_notes"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChangeCounter(Model):
    """How many times something that the results show changed (`coding`: categories and
    codings), so that the data version changes with it."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Recode(Model):
    """An "other (please specify)" answer recoded into one of its question's own options.

    What the respondent gave never changes: results and exports show figures as given by
    default, and as recoded on request.
    """

    __tablename__ = "recodes"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    option: Mapped[str] = mapped_column(String(32), nullable=False)
    recoded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recoded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SurveyState(Model):
    """Whether the survey takes responses: one row (id 1); no row means open, no schedule.

    Respondents may start and submit while `is_open` and now is within the optional
    `opens_at` … `closes_at` (UTC). See `survey.survey_state`.
    """

    __tablename__ = "survey_state"
    __table_args__ = (CheckConstraint("id = 1", name="ck_survey_state_one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    #: The admin's switch: closed means closed whatever the schedule says.
    is_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When the switch was last turned to closed (the closing date respondents are told).
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        switch = "open" if self.is_open else "closed"
        return f"<SurveyState {switch} {self.opens_at} … {self.closes_at}>"


class ResultCount(Model):
    """One live figure of the results, kept up to date as responses are submitted.

    A *cell* is a set of submitted responses: those in `lang` ('' for every language) that
    chose `cell_option` of `cell_question` (both '' for all of them). For each cell the table
    holds what `survey.aggregation` counts, one row per figure: `metric` "total" (responses),
    "option" (answer rows of `question`/`option`), "rank" (rows of a ranking item at `rank`;
    0 stands for N/A), "distinct" (respondents who answered `question`) and "other" ("other"
    answers of `question` with a text). Maintained by `survey.aggregation.counters`.
    """

    __tablename__ = "result_counts"
    __table_args__ = (
        # A cell's rows are one range of the key: reading a cell or a comparison reads it.
        PrimaryKeyConstraint(
            "cell_question",
            "cell_option",
            "lang",
            "metric",
            "question",
            "option",
            "rank",
            name="pk_result_counts",
        ),
        # Counting updates a few hundred rows per response in place: with room left in each
        # page PostgreSQL updates them without touching the key's index.
        {"postgresql_with": {"fillfactor": 50}},
    )

    cell_question: Mapped[str] = mapped_column(String(32))
    cell_option: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    metric: Mapped[str] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(String(32))
    option: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False)

    def __repr__(self) -> str:
        cell = f"{self.lang or '*'}/{self.cell_question or '*'}/{self.cell_option or '*'}"
        figure = f"{self.metric} {self.question}/{self.option}/{self.rank}"
        return f"<ResultCount {cell} {figure} = {self.n}>"


class SavedView(Model):
    """A dashboard view a member named: its filters and comparison, for the whole group."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("name", name="uq_saved_views_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    #: The dashboard's query string without the page's own arguments (`q2=yes&compare=q1`),
    #: as checked when the view was saved.
    query: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SavedView {self.name!r} {self.query!r}>"


# The tables, for Core statements: to a type checker `__table__` is only a FromClause.
RESPONSES = cast(Table, Response.__table__)
ANSWERS = cast(Table, Answer.__table__)
RESULT_COUNTS = cast(Table, ResultCount.__table__)
CODINGS = cast(Table, Coding.__table__)
RECODES = cast(Table, Recode.__table__)
CATEGORIES = cast(Table, CodingCategory.__table__)
CHANGE_COUNTERS = cast(Table, ChangeCounter.__table__)
JOBS = cast(Table, Job.__table__)
