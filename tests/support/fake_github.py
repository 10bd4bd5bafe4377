"""A local, stateful fake of the parts of GitHub's REST and GraphQL APIs a sticky PR comment
uses, so the real PyGithub can be tested over real HTTP (no mocks).

In a test::

    from tests.support.fake_github import FakeGitHub, Fault

    with FakeGitHub() as gh:                       # 127.0.0.1, a free port
        gh.add_pull("octo/app", 7, head_sha="abc")  # the repository is created on demand
        env = {"GITHUB_API_URL": gh.api_url, ...}
        ...                                          # run `locust-gate comment`
        gh.comments("octo/app", 7)                   # the state: list of comment dicts
        gh.requests                                  # the log: list of `Request`
        gh.fail(Fault(method="POST", path=r"/comments$", status=502, times=1))

From another process (an `act` run, a shell script)::

    python -m tests.support.fake_github --port 8765 --pull octo/app#7@abc

prints `ready http://127.0.0.1:8765` and serves until SIGINT/SIGTERM. The same control
API is then available over HTTP (never logged as GitHub traffic):

    GET  /_fake/requests   the request log (JSON list)
    GET  /_fake/state      repositories, pulls and comments
    POST /_fake/pulls      {"repo", "number", "head_sha", "head_repo"?}
    POST /_fake/comments   {"repo", "number", "body", "user"?: login}
    POST /_fake/tokens     {"token", "login", "id", "type", "installation"?},
                           or {"token", "bad": true}
    POST /_fake/faults     a `Fault` as JSON, or {"preset": "fork" | "secondary-rate-limit"}
    POST /_fake/reset      forget everything

`prefix="/api/v3"` serves the REST API under that path and GraphQL at `/api/graphql`,
as GitHub Enterprise Server does. Every URL in a response points back to this server
(PyGithub refuses to follow URLs to another host). Response bodies are GitHub's own
examples (`github_examples.json`, from the `@octokit/openapi` npm package) with our
values filled in. The comments list paginates with a `Link` header in the
`/repositories/{id}/issues/{n}/comments?page=N` form GitHub uses.

Who a token is: every comment carries `user.login/id/type` as GitHub's do, and a
comment posted through the API is written by the token's identity. A token not named
with `add_token` is a workflow's `GITHUB_TOKEN` (`github-actions[bot]`, an installation
token); `add_token(token, User(...), installation=False)` makes a personal token (GET
/user answers who it is), `installation=True` a GitHub App's installation token. GET
/user answers an installation token 403 "Resource not accessible by integration", as
GitHub does; `bad_token(token)` makes a token GitHub no longer knows (401 "Bad
credentials" on every call).

Faults answer matching requests instead of the normal handler, `times` times (None:
forever), in the order added. Requests without an `Authorization` header get 401, as
GitHub answers for writes. The log records whether a request was authorised, never
the token.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import re
import signal
import sys
import threading
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["BOT", "FORK_MESSAGE", "OCTOCAT", "SECONDARY_MESSAGE", "FakeGitHub", "Fault",
           "Request", "User"]

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).with_name("github_examples.json")).read_text(encoding="utf-8")
)
FORK_MESSAGE = "Resource not accessible by integration"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID."
)
PRIMARY_MESSAGE = "API rate limit exceeded for installation ID 4242."
BAD_CREDENTIALS = {"message": "Bad credentials",
                   "documentation_url": "https://docs.github.com/rest", "status": "401"}


@dataclass(frozen=True, kw_only=True)
class User:
    """A comment's author as GitHub gives it (`user.login`, `user.id`, `user.type`)."""

    login: str
    id: int
    type: str = "User"  # "User" or "Bot"


# What a workflow's GITHUB_TOKEN posts as on github.com.
BOT = User(login="github-actions[bot]", id=41898282, type="Bot")
OCTOCAT = User(login="octocat", id=1, type="User")


@dataclass(frozen=True, kw_only=True)
class Fault:
    """Answer requests whose method matches `method` ("*" for any) and whose path (without
    the query and the prefix) matches the regex `path` with `status`, `body` and `headers`."""

    method: str = "*"
    path: str = ".*"
    status: int = 500
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    times: int | None = 1

    @staticmethod
    def fork() -> Fault:
        """A fork PR's read-only GITHUB_TOKEN: every write answers 403."""
        return Fault(
            method="POST|PATCH|DELETE",
            path=r"^/(repos/.*|graphql)$",
            status=403,
            body={
                "message": FORK_MESSAGE,
                "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
                "status": "403",
            },
            times=None,
        )

    @staticmethod
    def rate_limit(reset: int, *, times: int | None = None) -> Fault:
        """The primary rate limit is used up until the epoch second `reset`."""
        return Fault(
            status=403,
            body={
                "message": PRIMARY_MESSAGE,
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits",
                "status": "403",
            },
            headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                     "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset),
                     "x-ratelimit-resource": "core"},
            times=times,
        )

    @staticmethod
    def secondary_rate_limit(retry_after: int = 1, *, times: int = 1, method: str = "*") -> Fault:
        return Fault(
            method=method,
            status=403,
            body={
                "message": SECONDARY_MESSAGE,
                "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                "status": "403",
            },
            headers={"Retry-After": str(retry_after)},
            times=times,
        )


@dataclass(frozen=True, kw_only=True)
class Request:
    method: str
    path: str  # without the prefix
    query: dict[str, str]
    body: Any
    status: int
    authorised: bool


@dataclass
class _State:
    repos: dict[str, dict[str, Any]] = field(default_factory=dict)  # full_name -> repo
    pulls: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[list[Any]] = field(default_factory=list)  # [Fault, remaining]
    # token -> (who it is, installation token?); None: a token GitHub does not know
    tokens: dict[str, tuple[User, bool] | None] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    next_id: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)


class FakeGitHub:
    """The fake API on 127.0.0.1. `url` is the server's root; `api_url` is what
    `GITHUB_API_URL` must be (root + prefix)."""

    def __init__(self, *, port: int = 0, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")
        self.state = _State()
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + self.prefix

    @property
    def graphql_path(self) -> str:
        # GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
        return "/api/graphql" if self.prefix.endswith("/v3") else "/graphql"

    # --- setup and inspection -----------------------------------------------------------

    def add_repo(self, full_name: str) -> dict[str, Any]:
        with self.state.lock:
            if full_name not in self.state.repos:
                repo_id = 1296269 + len(self.state.repos)
                self.state.repos[full_name] = self._repo_body(full_name, repo_id)
            return self.state.repos[full_name]

    def add_pull(
        self, repo: str, number: int, *, head_sha: str = "6dcb09b5b57875f334f61aebed695e2e4193db5e",
        head_repo: str | None = None,
    ) -> None:
        """A pull request on `repo`; `head_repo` another full name makes it a fork PR."""
        self.add_repo(repo)
        with self.state.lock:
            self.state.pulls[(repo, number)] = {"head_sha": head_sha,
                                                "head_repo": head_repo or repo}

    def add_token(self, token: str, user: User, *, installation: bool = False) -> None:
        """`token` is `user`'s: a personal token, or (`installation`) a GitHub App's."""
        with self.state.lock:
            self.state.tokens[token] = (user, installation)

    def bad_token(self, token: str) -> None:
        """`token` is revoked or expired: 401 on every call."""
        with self.state.lock:
            self.state.tokens[token] = None

    def identity(self, token: str) -> tuple[User, bool] | None:
        """Who `token` is and whether it is an installation token (None: unknown)."""
        with self.state.lock:
            return self.state.tokens.get(token, (BOT, True))

    def add_comment(self, repo: str, number: int, body: str, *,
                    user: User | str = OCTOCAT) -> int:
        """A comment by `user` (a login alone: a person with an id made from it)."""
        if isinstance(user, str):
            user = User(login=user, id=_user_id(user),
                        type="Bot" if user.endswith("[bot]") else "User")
        self.add_repo(repo)
        with self.state.lock:
            self.state.next_id += 1
            cid = self.state.next_id
            self.state.comments[cid] = {"id": cid, "repo": repo, "number": number,
                                        "body": body, "user": asdict(user), "minimized": None}
            return cid

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The comments of one issue or PR, oldest first (copies)."""
        with self.state.lock:
            return [copy.deepcopy(c) for c in sorted(self.state.comments.values(),
                                                     key=lambda c: c["id"])
                    if c["repo"] == repo and c["number"] == number]

    def fail(self, fault: Fault) -> None:
        with self.state.lock:
            self.state.faults.append([fault, fault.times])

    @property
    def requests(self) -> list[Request]:
        with self.state.lock:
            return list(self.state.log)

    def writes(self) -> list[Request]:
        """Logged requests that could change something (POST, PATCH, PUT, DELETE)."""
        return [r for r in self.requests if r.method not in ("GET", "HEAD")]

    def reset(self) -> None:
        with self.state.lock:
            self.state.repos.clear()
            self.state.pulls.clear()
            self.state.comments.clear()
            self.state.faults.clear()
            self.state.tokens.clear()
            self.state.log.clear()

    def snapshot(self) -> dict[str, Any]:
        with self.state.lock:
            return {
                "repos": sorted(self.state.repos),
                "pulls": [{"repo": r, "number": n, **p}
                          for (r, n), p in sorted(self.state.pulls.items())],
                "comments": sorted(self.state.comments.values(), key=lambda c: c["id"]),
            }

    # --- response bodies (GitHub's examples, our values) ---------------------------------

    def _rewrite(self, value: Any) -> Any:
        """Point every api.github.com URL of an example at this server."""
        text = json.dumps(value).replace("https://api.github.com", self.api_url)
        return json.loads(text)

    def _repo_body(self, full_name: str, repo_id: int) -> dict[str, Any]:
        owner, name = full_name.split("/", 1)
        text = json.dumps(EXAMPLES["repository"]).replace("octocat/Hello-World", full_name)
        body: dict[str, Any] = self._rewrite(json.loads(text))
        body.update(id=repo_id, name=name, full_name=full_name,
                    node_id=base64.b64encode(f"010:Repository{repo_id}".encode()).decode())
        body["owner"] = dict(body["owner"], login=owner)
        return body

    def _comment_body(self, comment: dict[str, Any]) -> dict[str, Any]:
        repo, number, cid = comment["repo"], comment["number"], comment["id"]
        body: dict[str, Any] = self._rewrite(copy.deepcopy(EXAMPLES["issue-comment"]))
        body.update(
            id=cid,
            node_id=_node_id("IssueComment", cid),
            url=f"{self.api_url}/repos/{repo}/issues/comments/{cid}",
            html_url=f"https://github.com/{repo}/pull/{number}#issuecomment-{cid}",
            issue_url=f"{self.api_url}/repos/{repo}/issues/{number}",
            body=comment["body"],
            minimized=comment["minimized"],
        )
        body["user"] = self._user_body(User(**comment["user"]))
        return body

    def _user_body(self, user: User) -> dict[str, Any]:
        """A user as GitHub's examples show one, with `user`'s login, id and type."""
        example = self._rewrite(copy.deepcopy(EXAMPLES["issue-comment"]["user"]))
        text = json.dumps(example).replace("octocat", user.login)
        body: dict[str, Any] = json.loads(text)
        body.update(login=user.login, id=user.id, type=user.type,
                    node_id=_node_id("User" if user.type == "User" else "Bot", user.id))
        return body

    def _pull_body(self, repo: str, number: int, pull: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(EXAMPLES["pull-request"]).replace("octocat/Hello-World", repo)
        body: dict[str, Any] = self._rewrite(json.loads(text))
        base_repo = self.state.repos[repo]
        body.update(number=number, url=f"{self.api_url}/repos/{repo}/pulls/{number}",
                    issue_url=f"{self.api_url}/repos/{repo}/issues/{number}",
                    comments_url=f"{self.api_url}/repos/{repo}/issues/{number}/comments")
        body["head"] = dict(body["head"], sha=pull["head_sha"])
        head_owner = pull["head_repo"].split("/", 1)[0]
        body["head"]["repo"] = dict(body["head"]["repo"], full_name=pull["head_repo"],
                                    fork=pull["head_repo"] != repo,
                                    owner=dict(body["head"]["repo"]["owner"], login=head_owner))
        body["base"]["repo"] = dict(body["base"]["repo"], id=base_repo["id"], full_name=repo)
        return body

    # --- routing ------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: Any,  # noqa: PLR0917
               authorised: bool, token: str = "") -> tuple[int, Any, dict[str, str]]:
        """Answer one API request: (status, JSON body, headers)."""
        with self.state.lock:
            for entry in self.state.faults:
                fault, remaining = entry
                if remaining == 0:
                    continue
                method_matches = fault.method == "*" or re.fullmatch(fault.method, method)
                if method_matches and re.search(fault.path, path):
                    if remaining is not None:
                        entry[1] = remaining - 1
                    return fault.status, dict(fault.body or {"message": "fault"}), dict(
                        fault.headers)
            if not authorised:
                return 401, {"message": "Requires authentication",
                             "documentation_url": "https://docs.github.com/rest"}, {}
            who = self.identity(token)
            if who is None:
                return 401, dict(BAD_CREDENTIALS), {}
            if path == "/user" and method == "GET":
                return self._authenticated_user(*who)
            return self._route(method, path, query, body, who[0])

    def _authenticated_user(self, user: User, installation: bool,
                            ) -> tuple[int, Any, dict[str, str]]:
        if installation:  # GitHub's answer to a GITHUB_TOKEN or an App's installation token
            return 403, {"message": FORK_MESSAGE,
                         "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                         "status": "403"}, {}
        return 200, self._user_body(user), {}

    def _route(  # noqa: PLR0911, PLR0912 (a router: one branch per endpoint)
        self, method: str, path: str, query: dict[str, str], body: Any, user: User,
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/graphql" and method == "POST":
            return self._graphql(body)
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)(/.*)?", path)
        n = re.fullmatch(r"/repositories/(\d+)(/.*)?", path)
        if n:
            found = [r for r, v in self.state.repos.items() if v["id"] == int(n.group(1))]
            m = re.fullmatch(r"(.*)", found[0]) if found else None
            rest = n.group(2) or ""
        else:
            rest = (m.group(2) or "") if m else ""
        repo = m.group(1) if m else None
        if repo is None or repo not in self.state.repos:
            return _not_found()
        if rest == "" and method == "GET":
            return 200, self.state.repos[repo], {}
        if (p := re.fullmatch(r"/pulls/(\d+)", rest)) and method == "GET":
            pull = self.state.pulls.get((repo, int(p.group(1))))
            if pull is None:
                return _not_found()
            return 200, self._pull_body(repo, int(p.group(1)), pull), {}
        if (c := re.fullmatch(r"/issues/(\d+)/comments", rest)):
            number = int(c.group(1))
            if (repo, number) not in self.state.pulls:
                return _not_found()
            if method == "GET":
                return self._list_comments(repo, number, query)
            if method == "POST":
                text = body.get("body") if isinstance(body, dict) else None
                if not isinstance(text, str) or not text or len(text) > 65536:
                    return _invalid("body", "is too long (maximum is 65536 characters)"
                                    if isinstance(text, str) and text else "missing")
                cid = self.add_comment(repo, number, text, user=user)
                created = self._comment_body(self.state.comments[cid])
                return 201, created, {"Location": created["url"]}
        if (e := re.fullmatch(r"/issues/comments/(\d+)", rest)):
            comment = self.state.comments.get(int(e.group(1)))
            if comment is None or comment["repo"] != repo:
                return _not_found()
            if method == "GET":
                return 200, self._comment_body(comment), {}
            if method == "PATCH":
                text = body.get("body") if isinstance(body, dict) else None
                if not isinstance(text, str) or not text or len(text) > 65536:
                    return _invalid("body", "is too long (maximum is 65536 characters)")
                comment["body"] = text
                return 200, self._comment_body(comment), {}
            if method == "DELETE":
                del self.state.comments[comment["id"]]
                return 204, None, {}
        return _not_found()

    def _list_comments(self, repo: str, number: int,
                       query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(100, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
        items = [c for c in sorted(self.state.comments.values(), key=lambda c: c["id"])
                 if c["repo"] == repo and c["number"] == number]
        pages = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        repo_id = self.state.repos[repo]["id"]
        base = f"{self.api_url}/repositories/{repo_id}/issues/{number}/comments"
        links = []
        if page < pages:
            links.append(f'<{base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}?per_page={per_page}&page={pages}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?per_page={per_page}&page={page - 1}>; rel="prev"')
            links.append(f'<{base}?per_page={per_page}&page=1>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, [self._comment_body(c) for c in chunk], headers

    def _graphql(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        query = body.get("query", "") if isinstance(body, dict) else ""
        variables = (body.get("variables") or {}) if isinstance(body, dict) else {}
        variables = variables.get("input", variables)  # PyGithub sends {"input": {...}}
        if "minimizeComment" not in query:
            return 200, {"errors": [{"message": "only minimizeComment is faked"}]}, {}
        subject = variables.get("subjectId") or _first(r'subjectId:\s*"([^"]+)"', query)
        classifier = variables.get("classifier") or _first(r"classifier:\s*(\w+)", query)
        for comment in self.state.comments.values():
            if _node_id("IssueComment", comment["id"]) == subject:
                comment["minimized"] = {"is_minimized": True,
                                        "minimized_reason": str(classifier).lower()}
                return 200, {"data": {"minimizeComment": {"minimizedComment": {
                    "isMinimized": True, "minimizedReason": str(classifier).lower()}}}}, {}
        message = f"Could not resolve to a node with the global id of '{subject}'"
        return 200, {"data": {"minimizeComment": None},
                     "errors": [{"type": "NOT_FOUND", "message": message}]}, {}


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def _first(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(1) if found else None


def _user_id(login: str) -> int:
    """A stable id for a login (GitHub's ids are positive and unique per account)."""
    return 10_000_000 + zlib.crc32(login.encode()) % 90_000_000


def _not_found() -> tuple[int, Any, dict[str, str]]:
    return 404, {"message": "Not Found",
                 "documentation_url": "https://docs.github.com/rest", "status": "404"}, {}


def _invalid(field_name: str, message: str) -> tuple[int, Any, dict[str, str]]:
    return 422, {"message": "Validation Failed",
                 "errors": [{"resource": "IssueComment", "code": "custom",
                             "field": field_name, "message": f"{field_name} {message}"}],
                 "documentation_url": "https://docs.github.com/rest/issues/comments",
                 "status": "422"}, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _answer(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        if parts.path.startswith("/_fake/"):
            status, answer, headers = self._control(parts.path, body)
        else:
            path = parts.path
            if path == fake.graphql_path:
                path = "/graphql"
            elif fake.prefix and path.startswith(fake.prefix + "/"):
                path = path[len(fake.prefix):]
            elif fake.prefix:
                path = "/__outside_prefix__" + path
            authorization = self.headers.get("Authorization") or ""
            authorised = bool(authorization)
            token = authorization.split(" ", 1)[-1]  # "token X" or "Bearer X"
            status, answer, headers = fake.handle(self.command, path, query, body, authorised,
                                                  token)
            with fake.state.lock:
                fake.state.log.append(Request(method=self.command, path=path, query=query,
                                              body=body, status=status, authorised=authorised))
        data = b"" if answer is None else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _control(  # noqa: PLR0911 (one answer per control path)
        self, path: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        fake = self.server.fake
        body = body if isinstance(body, dict) else {}
        if path == "/_fake/requests":
            return 200, [asdict(r) for r in fake.requests], {}
        if path == "/_fake/state":
            return 200, fake.snapshot(), {}
        if path == "/_fake/reset":
            fake.reset()
            return 200, {}, {}
        if path == "/_fake/pulls":
            fake.add_pull(body["repo"], int(body["number"]),
                          head_sha=body.get("head_sha", "0" * 40), head_repo=body.get("head_repo"))
            return 201, {}, {}
        if path == "/_fake/comments":
            cid = fake.add_comment(body["repo"], int(body["number"]), body["body"],
                                   user=body.get("user", "octocat"))
            return 201, {"id": cid}, {}
        if path == "/_fake/tokens":
            if body.get("bad"):
                fake.bad_token(body["token"])
            else:
                fake.add_token(body["token"], User(login=body["login"], id=int(body["id"]),
                                                   type=body.get("type", "User")),
                               installation=bool(body.get("installation")))
            return 201, {}, {}
        if path == "/_fake/faults":
            preset = body.pop("preset", None)
            if preset == "fork":
                fake.fail(Fault.fork())
            elif preset == "secondary-rate-limit":
                fake.fail(Fault.secondary_rate_limit(int(body.get("retry_after", 1))))
            else:
                fake.fail(Fault(**body))
            return 201, {}, {}
        return 404, {"message": "unknown control path"}, {}

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log line (the request log is the record)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local fake of GitHub's REST API.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prefix", default="", help='"/api/v3" to look like GitHub Enterprise')
    parser.add_argument("--pull", action="append", default=[], metavar="OWNER/REPO#N@SHA",
                        help="create a pull request (repeatable); @SHA is its head commit")
    args = parser.parse_args(argv)
    fake = FakeGitHub(port=args.port, prefix=args.prefix)
    for spec in args.pull:
        found = re.fullmatch(r"([^#]+)#(\d+)(?:@([0-9a-f]+))?", spec)
        if not found:
            parser.error(f"--pull {spec!r}: expected OWNER/REPO#N or OWNER/REPO#N@SHA")
        fake.add_pull(found.group(1), int(found.group(2)),
                      head_sha=found.group(3) or "6dcb09b5b57875f334f61aebed695e2e4193db5e")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    print(f"ready {fake.api_url}", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
