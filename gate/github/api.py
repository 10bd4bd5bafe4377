"""The one module that talks to GitHub's API (through PyGithub): list, create, edit and
hide issue comments, and read a pull request's head.

Every call is bounded: a 10 s timeout per request, at most 3 retries for 5xx answers and
rate limits, honouring `Retry-After` up to 60 s (a longer wait is not waited for: the
comment is then given up, which never changes the gate's verdict). Errors come out as
`ApiError`, whose text never holds the token.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # PyGithub is imported where it is used: `check` never needs it
    from github.IssueComment import IssueComment

TIMEOUT_S = 10
RETRIES = 3
BACKOFF_S = 0.5  # urllib3 waits 0, 1, 2 s between retries of a 5xx answer
MAX_WAIT_S = 60  # the longest Retry-After (or secondary rate limit wait) we honour
PER_PAGE = 100
T = TypeVar("T")


class ApiError(Exception):
    """A GitHub call that failed. `status` is the HTTP status (0: no answer)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def forbidden(self) -> bool:
        return self.status in (401, 403)


@dataclass(frozen=True, kw_only=True)
class Existing:
    id: int
    body: str
    url: str


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

    def comments(self, number: int) -> list[Existing]:
        """Every comment on the issue or pull request, through every page (`Link: next`)."""

        def fetch() -> list[Existing]:
            issue = self._github.get_repo(self._repository, lazy=True).get_issue(number)
            found = []
            for comment in issue.get_comments():
                self._comments[comment.id] = comment
                found.append(Existing(id=comment.id, body=comment.body or "",
                                      url=comment.html_url))
            return found

        return self._guard(fetch)

    def create(self, number: int, body: str) -> str:
        def post() -> str:
            issue = self._github.get_repo(self._repository, lazy=True).get_issue(number)
            return str(issue.create_comment(body).html_url)

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
            raise ApiError(exc.status, self._clean(message or f"HTTP {exc.status}")) from None
        except (RequestException, OSError) as exc:
            raise ApiError(0, self._clean(f"{type(exc).__name__}: {exc}")) from None

    def _clean(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return text[:500]


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
