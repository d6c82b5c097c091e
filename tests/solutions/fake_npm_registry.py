"""A local npm registry for the verified-fix tests: npm, yarn and pnpm install from it without network.

Packuments (`GET /<name>`) and tarballs (`GET /<name>/-/<basename>-<version>.tgz`) are built in memory from
package manifests; the last version listed of a package is its `latest`. Each version's `dist` carries the
`shasum` and `integrity` npm checks.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


def npm_tarball(files: Mapping[str, str]) -> bytes:
    """An npm package tarball: each of `files` (path -> text) under `package/`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{rel}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@contextmanager
def serve_registry(packages: Iterable[tuple[dict, Mapping[str, str]]]) -> Iterator[str]:
    """Serve `packages` ((manifest, files beside package.json) pairs) on 127.0.0.1; yield the registry URL."""
    blobs: dict[str, bytes] = {}
    docs: dict[str, dict] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = unquote(self.path.split("?")[0])
            if path in blobs:
                status, body, kind = 200, blobs[path], "application/octet-stream"
            elif path.lstrip("/") in docs:
                status, body, kind = 200, json.dumps(docs[path.lstrip("/")]).encode(), "application/json"
            else:
                status, body, kind = 404, b'{"error":"Not found"}', "application/json"
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for manifest, files in packages:
        name, version = manifest["name"], manifest["version"]
        blob = npm_tarball({"package.json": json.dumps(manifest), **files})
        path = f"/{name}/-/{name.split('/')[-1]}-{version}.tgz"
        blobs[path] = blob
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()
        doc = docs.setdefault(name, {"name": name, "dist-tags": {}, "versions": {}})
        doc["versions"][version] = dict(
            manifest,
            dist={"tarball": base + path, "shasum": hashlib.sha1(blob).hexdigest(), "integrity": integrity},
        )
        doc["dist-tags"]["latest"] = version
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base + "/"
    finally:
        server.shutdown()
        server.server_close()
