"""A local container registry and a Docker-daemon stand-in, for tests/solutions/test_docker_image_pull_failed.py.

`Registry` speaks the Registry HTTP API v2 the way Docker Hub does for a pull: `GET /v2/` answers 401 with a
`WWW-Authenticate: Bearer realm=...,service=...` challenge; `/token` hands out a token (anonymous or with
basic credentials); a manifest request whose token does not cover the repository (private or missing: the
registry does not say which) answers 401 with `error="insufficient_scope"` in the challenge and an
UNAUTHORIZED body; a missing tag answers 404 MANIFEST_UNKNOWN; a rate-limited client gets 429 TOOMANYREQUESTS
with Docker Hub's message; manifests carry `ratelimit-limit` / `ratelimit-remaining` headers.

`Daemon` answers the Engine API calls a pull makes (`/_ping`, `/version`, `POST /images/create`,
`/containers/create`, `/images/{name}/json`) on a unix socket and performs the pull against the registry.
Its error texts are built the way moby builds them, word for word:
- distribution/distribution registry/client/errors.go handleErrorResponse: a bearer challenge with
  `error="insufficient_scope"` becomes errcode DENIED with the code's default message
  (`requested access to the resource is denied`), merged before the body's errors;
- errcode.Error.Error() is `"%s: %s" % (code lowercased with "_" -> " ", message)`;
- moby distribution/errors.go TranslatePullError/notFoundError (moby 19.03 to 28.x, graphdriver store):
  `errors.Wrapf(cause, "pull access denied for %s, repository does not exist or may require 'docker login'")`,
  `"manifest for %s not found"`, `"repository %s not found"`; other registry errors pass through unchanged;
  notFoundError is a 404 of the Engine API, the rest a 500;
- moby distribution/pull_v2.go: `"no matching manifest for %s in the manifest list entries"`, sent in the
  progress stream after `Pulling from`, so the HTTP status is already 200;
- the Engine API error body is {"message": ...}.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socketserver
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
RATE_LIMIT_MESSAGE = (
    "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"
)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """repos: {"library/app": {"tags": {"1.2": ["linux/amd64"]}, "private": False}}; users: {name: password}."""

    def __init__(self, repos: dict, users: dict | None = None):
        self.repos = repos
        self.users = users or {}
        self.rate_limited = False
        self.token_denies = False  # GHCR: no anonymous token at all for a private or missing repository
        self.remaining = 76
        self.tokens: dict[str, tuple[str | None, set[str]]] = {}
        self.blobs: dict[str, tuple[str, bytes]] = {}
        self.manifests: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.manifest_gets = 0
        # Blobs served from elsewhere (object storage, a CDN), as registries do: a 307 to this URL.
        self.blob_store: str | None = None
        self.blob_store_auth: list[str | None] = []  # the Authorization header each blob download carried
        for name, repo in repos.items():
            for tag, platforms in repo["tags"].items():
                self.manifests[(name, tag)] = self._build(platforms, single=repo.get("single", False))

    def _build(self, platforms: list[str], single: bool) -> tuple[str, bytes]:
        entries = []
        for plat in platforms:
            os_, arch, *variant = plat.split("/")
            config = json.dumps(
                {"architecture": arch, "os": os_, **({"variant": variant[0]} if variant else {})}
            )
            config_b = config.encode()
            self.blobs[_digest(config_b)] = (CONFIG, config_b)
            manifest = json.dumps(
                {
                    "schemaVersion": 2,
                    "mediaType": MANIFEST,
                    "config": {"mediaType": CONFIG, "digest": _digest(config_b), "size": len(config_b)},
                    "layers": [],
                }
            ).encode()
            self.blobs[_digest(manifest)] = (MANIFEST, manifest)
            platform = {"architecture": arch, "os": os_, **({"variant": variant[0]} if variant else {})}
            entries.append(
                {
                    "mediaType": MANIFEST,
                    "digest": _digest(manifest),
                    "size": len(manifest),
                    "platform": platform,
                }
            )
            if single:
                return MANIFEST, manifest
        index = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}).encode()
        return INDEX, index

    # --- HTTP --------------------------------------------------------------------------------------
    def handler(registry):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, body=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def errors(self, status, code, message, detail=None, challenge_error=None, scope=None):
                body = json.dumps({"errors": [{"code": code, "message": message, "detail": detail}]}).encode()
                headers = [("Content-Type", "application/json")]
                if status == 401:
                    challenge = f'Bearer realm="{registry.url}/token",service="fake-registry"'
                    if scope:
                        challenge += f',scope="{scope}"'
                    if challenge_error:
                        challenge += f',error="{challenge_error}"'
                    headers.append(("WWW-Authenticate", challenge))
                self.send(status, body, headers)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path.startswith("/store/"):  # the storage a blob redirect points at
                    registry.blob_store_auth.append(self.headers.get("Authorization"))
                    media, data = registry.blobs[url.path[len("/store/") :]]
                    return self.send(200, data, [("Content-Type", media)])
                if url.path == "/token":
                    return self.token(urllib.parse.parse_qs(url.query))
                if url.path == "/v2/":
                    if self._grant() is None:
                        return self.errors(401, "UNAUTHORIZED", "authentication required")
                    return self.send(200, b"{}", [("Content-Type", "application/json")])
                parts = url.path[len("/v2/") :].split("/")
                for kind in ("manifests", "blobs", "tags"):
                    if kind in parts:
                        cut = len(parts) - 1 - parts[::-1].index(kind)
                        name, rest = "/".join(parts[:cut]), parts[cut + 1 :]
                        break
                else:
                    return self.send(404)
                scope = f"repository:{name}:pull"
                grant = self._grant()
                if grant is None:
                    return self.errors(401, "UNAUTHORIZED", "authentication required", scope=scope)
                if name not in grant:
                    detail = [{"Type": "repository", "Class": "", "Name": name, "Action": "pull"}]
                    return self.errors(
                        401, "UNAUTHORIZED", "authentication required", detail, "insufficient_scope", scope
                    )
                if kind == "tags":
                    tags = sorted(registry.repos[name]["tags"])
                    return self.send(
                        200,
                        json.dumps({"name": name, "tags": tags}).encode(),
                        [("Content-Type", "application/json")],
                    )
                if kind == "blobs":
                    if rest[0] not in registry.blobs:
                        return self.errors(404, "BLOB_UNKNOWN", "blob unknown to registry")
                    if registry.blob_store:
                        return self.send(307, headers=[("Location", f"{registry.blob_store}/{rest[0]}")])
                    media, data = registry.blobs[rest[0]]
                    return self.send(200, data, [("Content-Type", media)])
                ref = rest[0]
                limits = []
                if registry.rate_limited and self.command == "GET":
                    return self.errors(429, "TOOMANYREQUESTS", RATE_LIMIT_MESSAGE)
                if self.command == "GET":
                    registry.manifest_gets += 1
                    registry.remaining -= 1
                limits = [
                    ("ratelimit-limit", "100;w=21600"),
                    ("ratelimit-remaining", f"{registry.remaining};w=21600"),
                ]
                found = registry.manifests.get((name, ref))
                if found is None and ref in registry.blobs:
                    found = registry.blobs[ref]
                if found is None:
                    return self.errors(404, "MANIFEST_UNKNOWN", "manifest unknown", {"Tag": ref})
                media, data = found
                headers = [("Content-Type", media), ("Docker-Content-Digest", _digest(data)), *limits]
                return self.send(200, data, headers)

            def token(self, query):
                user = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                    if registry.users.get(name) != password:
                        body = json.dumps({"details": "incorrect username or password"}).encode()
                        return self.send(401, body, [("Content-Type", "application/json")])
                    user = name
                granted = set()
                for scope in query.get("scope", []):
                    _, name, _ = scope.split(":")
                    repo = registry.repos.get(name)
                    if repo is not None and (not repo.get("private") or user is not None):
                        granted.add(name)
                    elif registry.token_denies:
                        return self.errors(403, "DENIED", "requested access to the resource is denied")
                token = secrets.token_hex(8)
                registry.tokens[token] = (user, granted)
                body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
                return self.send(200, body, [("Content-Type", "application/json")])

            def _grant(self):
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer ") or auth[7:] not in registry.tokens:
                    return None
                return registry.tokens[auth[7:]][1]

        return Handler

    @contextmanager
    def serve(self):
        server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.host = f"127.0.0.1:{server.server_address[1]}"
        self.url = f"http://{self.host}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


# --- the daemon side: a pull as moby does it, with moby's error texts ----------------------------------------


class RegistryError(Exception):
    """errcode.Error: Error() is "<code lowercased, _ -> space>: <message>"."""

    def __init__(self, code: str, message: str, status: int):
        self.code, self.message, self.status = code, message, status
        super().__init__(f"{code.lower().replace('_', ' ')}: {message}")


def _challenge(header: str) -> dict:
    params = {}
    for part in header[len("Bearer ") :].split(","):
        key, _, value = part.partition("=")
        params[key.strip()] = value.strip().strip('"')
    return params


def _handle_error_response(err: urllib.error.HTTPError) -> RegistryError:
    """distribution registry/client/errors.go handleErrorResponse, reduced to the first error of the list."""
    header = err.headers.get("WWW-Authenticate", "")
    if header.lower().startswith("bearer "):
        kind = _challenge(header).get("error")
        if kind == "insufficient_scope":
            return RegistryError("DENIED", "requested access to the resource is denied", err.code)
        if kind == "invalid_token":
            return RegistryError("UNAUTHORIZED", "authentication required", err.code)
    body = json.loads(err.read() or b"{}")
    first = (body.get("errors") or [{"code": "UNKNOWN", "message": "unknown error"}])[0]
    return RegistryError(first["code"], first["message"], err.code)


def familiar(name: str, host: str | None) -> str:
    """reference.FamiliarName: docker.io/library/x -> x, docker.io/u/x -> u/x, other hosts keep theirs."""
    if host is None:
        return name[len("library/") :] if name.startswith("library/") else name
    return f"{host}/{name}"


class NotFound(Exception):
    pass


def pull(
    registry_url: str, host: str | None, name: str, tag: str, platform: str, auth: tuple | None, progress
):
    """Pull name:tag (manifest only). Raises NotFound (Engine 404) or RegistryError / RuntimeError (500)."""
    token = None

    def get(path, accept=f"{INDEX}, {MANIFEST}"):
        nonlocal token
        for _ in range(2):
            request = urllib.request.Request(registry_url + path, headers={"Accept": accept})
            if token:
                request.add_header("Authorization", f"Bearer {token}")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.headers.get("Content-Type"), response.read()
            except urllib.error.HTTPError as err:
                header = err.headers.get("WWW-Authenticate", "")
                if err.code == 401 and token is None and header.startswith("Bearer "):
                    params = _challenge(header)
                    query = urllib.parse.urlencode(
                        {"service": params["service"], "scope": f"repository:{name}:pull"}
                    )
                    token_request = urllib.request.Request(f"{params['realm']}?{query}")
                    if auth:
                        basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                        token_request.add_header("Authorization", f"Basic {basic}")
                    with urllib.request.urlopen(token_request, timeout=10) as response:
                        token = json.load(response)["token"]
                    continue
                raise _handle_error_response(err) from None
        raise RuntimeError("unreachable")

    shown = familiar(name, host)
    try:
        media, data = get(f"/v2/{name}/manifests/{tag}")
    except RegistryError as err:
        if err.code == "DENIED":
            raise NotFound(
                f"pull access denied for {shown}, repository does not exist or may require 'docker login': {err}"
            ) from None
        if err.code == "MANIFEST_UNKNOWN":
            raise NotFound(f"manifest for {shown}:{tag} not found: {err}") from None
        if err.code == "NAME_UNKNOWN":
            raise NotFound(f"repository {shown} not found: {err}") from None
        raise
    progress({"status": f"Pulling from {name}", "id": tag})
    if media == INDEX:
        wanted = platform.split("/")
        for entry in json.loads(data)["manifests"]:
            p = entry["platform"]
            have = [p["os"], p["architecture"], *([p["variant"]] if "variant" in p else [])]
            if have[:2] == wanted[:2]:
                break
        else:
            raise ValueError(f"no matching manifest for {platform} in the manifest list entries")
    progress({"status": f"Status: Downloaded newer image for {shown}:{tag}"})


class _UnixServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True  # keep-alive connections of the CLI must not hold up the shutdown
    block_on_close = False


class Daemon:
    """The Engine API on a unix socket; every pull (docker.io, ghcr.io, ...) goes to `registry`.

    `platform` is the daemon's own (e.g. linux/arm64/v8); `auth` the (user, password) it sends to the token service.
    """

    def __init__(self, registry: Registry, platform: str = "linux/amd64", auth: tuple | None = None):
        self.registry, self.platform, self.auth = registry, platform, auth
        self.images: set[str] = set()

    def split(self, image: str, tag: str | None) -> tuple[str | None, str, str]:
        if tag is None:
            image, _, tag = image.partition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
        if image.startswith("docker.io/"):
            image = image[len("docker.io/") :]
        first = image.split("/")[0]
        if "/" in image and ("." in first or ":" in first or first == "localhost"):
            return first, image[len(first) + 1 :], tag or "latest"  # any registry host: served by `registry`
        return None, image if "/" in image else f"library/{image}", tag or "latest"

    def handler(daemon):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def address_string(self):
                return "unix"

            def reply(self, status, payload, kind="application/json"):
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Api-Version", "1.47")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path.endswith("/_ping"):
                    return self.reply(200, b"OK", "text/plain")
                if url.path.endswith("/version"):
                    return self.reply(
                        200, {"ApiVersion": "1.47", "Version": "27.5.1", "MinAPIVersion": "1.24"}
                    )
                if "/images/" in url.path and url.path.endswith("/json"):
                    name = urllib.parse.unquote(url.path.split("/images/", 1)[1][: -len("/json")])
                    if name in daemon.images:
                        return self.reply(200, {"Id": "sha256:" + "0" * 64, "RepoTags": [name]})
                    return self.reply(404, {"message": f"No such image: {name}"})
                return self.reply(404, {"message": "page not found"})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if url.path.endswith("/containers/create"):
                    image = body.get("Image", "")
                    shown = image if ":" in image.rsplit("/", 1)[-1] else f"{image}:latest"
                    if shown in daemon.images:
                        return self.reply(201, {"Id": "c" * 64, "Warnings": []})
                    return self.reply(404, {"message": f"No such image: {shown}"})
                if not url.path.endswith("/images/create"):
                    return self.reply(404, {"message": "page not found"})
                image = query["fromImage"][0]
                host, name, tag = daemon.split(image, (query.get("tag") or [None])[0])
                platform = (query.get("platform") or [daemon.platform])[0]
                lines = []
                try:
                    pull(daemon.registry.url, host, name, tag, platform, daemon.auth, lines.append)
                except NotFound as err:
                    return self.reply(404, {"message": str(err)})
                except RegistryError as err:
                    return self.reply(500, {"message": str(err)})
                except ValueError as err:  # after "Pulling from": in the stream, with status 200
                    lines.append({"errorDetail": {"message": str(err)}, "error": str(err)})
                else:
                    daemon.images.add(f"{familiar(name, host)}:{tag}")
                # a progress stream, chunked like the daemon's: one JSON message per chunk
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Api-Version", "1.47")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for line in lines:
                    data = json.dumps(line).encode() + b"\r\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.write(b"0\r\n\r\n")
                return None

        return Handler

    @contextmanager
    def serve(self, socket_path):
        server = _UnixServer(str(socket_path), self.handler())
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"unix://{socket_path}"
        finally:
            server.shutdown()
            server.server_close()
