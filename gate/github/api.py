"""The one module that talks to GitHub's API (through PyGithub): who the token is, list,
create, edit and hide issue comments (each with its author), and read a pull request's
head.

Every call is bounded: a 10 s timeout per request, at most 3 retries for 5xx answers and
rate limits, honouring `Retry-After` up to 60 s (a longer wait is not waited for: the
comment is then given up, which never changes the gate's verdict). Errors come out as
`ApiError`, whose text never holds the token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # PyGithub is imported where it is used: `check` never needs it
    from github.IssueComment import IssueComment

TIMEOUT_S = 10
RETRIES = 3
BACKOFF_S = 0.5  # urllib3 waits 0, 1, 2 s between retries of a 5xx answer
MAX_WAIT_S = 60  # the longest Retry-After (or secondary rate limit wait) we honour
PER_PAGE = 100
# GitHub's answer when an installation token (a workflow's GITHUB_TOKEN, a GitHub App's)
# may not do something: a fork's read-only token posting, or any of them asking GET /user.
NOT_ACCESSIBLE = "Resource not accessible by integration"
T = TypeVar("T")


class ApiError(Exception):
    """A GitHub call that failed. `status` is the HTTP status (0: no answer);
    `rate_limit_reset` the epoch second the used-up primary rate limit resets (None when
    the answer was not about it)."""

    def __init__(self, status: int, message: str, *, rate_limit_reset: int | None = None,
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.rate_limit_reset = rate_limit_reset

    @property
    def not_accessible(self) -> bool:
        """A read-only installation token (e.g. a fork pull request's GITHUB_TOKEN)."""
        return self.status == 403 and self.message.startswith(NOT_ACCESSIBLE)


@dataclass(frozen=True, kw_only=True)
class Author:
    """Who wrote a comment (or who a token is), as GitHub says: `user.login`, `user.id`
    and whether `user.type` is "Bot". `id` is None for a bot known only by its login."""

    login: str
    id: int | None
    bot: bool


@dataclass(frozen=True, kw_only=True)
class Existing:
    id: int
    body: str
    url: str
    author: Author


@dataclass(frozen=True, kw_only=True)
class Pull:
    head_sha: str
    head_repository: str | None


class GitHubApi:
    """Comments on one repository's issues and pull requests."""

    def __init__(self, *, api_url: str, token: str, repository: str) -> None:
        from github import Auth, Github  # noqa: PLC0415 (PyGithub only when commenting)

        # PyGithub logs every retried 403 at INFO; the outcome is reported once, by us.
        logging.getLogger("github").setLevel(logging.WARNING)
        self._token = token
        self._repository = repository
        self._github = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            timeout=TIMEOUT_S,
            retry=_retry(),
            per_page=PER_PAGE,
            lazy=True,  # no GET of the repository or the issue before the calls we need
            # PyGithub waits 0.25 s between requests and 1 s between writes by default;
            # the few calls of one comment need no throttle (secondary limits are retried).
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._comments: dict[int, IssueComment] = {}

    def close(self) -> None:
        self._github.close()

    # --- calls --------------------------------------------------------------------------

    def me(self) -> Author | None:
        """Who the token is (GET /user); None when GitHub will not say: 403 "Resource not
        accessible by integration" for every installation token (a workflow's
        GITHUB_TOKEN, a GitHub App's token). Any other refusal (403, 404) is None too:
        the caller then looks only for its bot's comments, which can never widen whose
        comments it edits. A used-up rate limit is an error (the next call would fail)."""

        def get() -> Author:
            user = self._github.get_user()
            return Author(login=user.login, id=user.id, bot=user.type == "Bot")

        try:
            return self._guard(get)
        except ApiError as error:
            if error.status in (403, 404) and error.rate_limit_reset is None:
                return None
            raise

    def comments(self, number: int) -> list[Existing]:
        """Every comment on the issue or pull request, through every page (`Link: next`)."""

        def fetch() -> list[Existing]:
            issue = self._github.get_repo(self._repository, lazy=True).get_issue(number)
            found = []
            for comment in issue.get_comments():
                self._comments[comment.id] = comment
                found.append(_existing(comment))
            return found

        return self._guard(fetch)

    def create(self, number: int, body: str) -> Existing:
        def post() -> Existing:
            issue = self._github.get_repo(self._repository, lazy=True).get_issue(number)
            return _existing(issue.create_comment(body))

        return self._guard(post)

    def edit(self, comment_id: int, body: str) -> str:
        comment = self._comments[comment_id]
        self._guard(lambda: comment.edit(body))
        return str(comment.html_url)

    def minimize(self, comment_id: int) -> None:
        """Hide an outdated comment (GraphQL `minimizeComment`, classifier OUTDATED)."""
        comment = self._comments[comment_id]
        self._guard(lambda: comment.minimize("OUTDATED"))

    def pull(self, number: int) -> Pull:
        def get() -> Pull:
            pr = self._github.get_repo(self._repository, lazy=True).get_pull(number)
            repo = pr.head.repo
            return Pull(head_sha=pr.head.sha, head_repository=repo.full_name if repo else None)

        return self._guard(get)

    # --- errors -------------------------------------------------------------------------

    def _guard(self, call: Callable[[], T]) -> T:
        """Run one call; PyGithub's and requests' exceptions become `ApiError` without
        the token (it could come back in an error body or a URL)."""
        from github import GithubException  # noqa: PLC0415 (PyGithub only when commenting)
        from requests import RequestException  # noqa: PLC0415

        try:
            return call()
        except GithubException as exc:
            data = exc.data if isinstance(exc.data, dict) else {}
            message = str(data.get("message") or exc.message or "")
            errors = data.get("errors")
            if isinstance(errors, list):
                details = [str(e.get("message") or e.get("code")) for e in errors
                           if isinstance(e, dict)]
                message = "; ".join(filter(None, [message, *details]))
            raise ApiError(exc.status, self._clean(message or f"HTTP {exc.status}"),
                           rate_limit_reset=_rate_limit_reset(exc.headers)) from None
        except (RequestException, OSError) as exc:
            raise ApiError(0, self._clean(f"{type(exc).__name__}: {exc}")) from None

    def _clean(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return text[:500]


def _existing(comment: IssueComment) -> Existing:
    user = comment.user  # in every comment GitHub returns: no extra request
    author = Author(login=user.login, id=user.id, bot=user.type == "Bot")
    return Existing(id=comment.id, body=comment.body or "", url=comment.html_url,
                    author=author)


def _rate_limit_reset(headers: Mapping[str, Any] | None) -> int | None:
    """When a used-up primary rate limit resets (`x-ratelimit-remaining: 0`)."""
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    reset = lower.get("x-ratelimit-reset", "")
    if lower.get("x-ratelimit-remaining") != "0" or not reset.isdigit() or len(reset) > 12:
        return None
    return int(reset)


def _retry() -> Any:
    from github import GithubException  # noqa: PLC0415 (PyGithub only when commenting)
    from github.GithubRetry import GithubRetry  # noqa: PLC0415

    class BoundedRetry(GithubRetry):
        """GithubRetry (5xx and rate limits, honouring Retry-After), but a Retry-After
        longer than MAX_WAIT_S is not waited for: the job must not hang for an hour."""

        def increment(self, method: str | None = None, url: str | None = None,
                      response: Any = None, error: Exception | None = None,
                      _pool: Any = None, _stacktrace: Any = None) -> Any:
            if response is not None:
                wait = self.get_retry_after(response)
                if wait is not None and wait > MAX_WAIT_S:
                    raise GithubException(
                        response.status,
                        {"message": f"GitHub asked to retry after {wait:.0f} s, longer than "
                                    f"the {MAX_WAIT_S} s this step waits"},
                        dict(response.headers),
                    )
            return super().increment(method, url, response, error, _pool, _stacktrace)

    return BoundedRetry(
        total=RETRIES,
        backoff_factor=BACKOFF_S,
        backoff_max=MAX_WAIT_S,
        secondary_rate_wait=MAX_WAIT_S,
        max_rate_limit_wait=MAX_WAIT_S,
        # GithubRetry retries GET and POST; an edit (PATCH) is as safe to repeat.
        allowed_methods=frozenset({"GET", "POST", "PATCH", "HEAD", "OPTIONS"}),
    )
