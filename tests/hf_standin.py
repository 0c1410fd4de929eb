"""A stand-in for the Hugging Face Hub on 127.0.0.1, speaking the part of its
HTTP protocol that huggingface_hub's `hf_hub_download`, `get_hf_file_metadata`
and `HfApi.create_repo` / `upload_folder` use (read from huggingface_hub's
own source: file_download.py, _commit_api.py, lfs.py, utils/_http.py):

- `HEAD|GET /{repo}/resolve/{revision}/{path}`: the file at a branch or
  commit, with `X-Repo-Commit`, `ETag` (the git blob sha1 of a regular file;
  the sha256 of an LFS file, also in `X-Linked-Etag` / `X-Linked-Size`),
  `Content-Length`, and `Range` requests (206) for a resumed download;
  `X-Error-Code` RepoNotFound (401), RevisionNotFound / EntryNotFound (404).
- `POST /api/repos/create`, `POST /api/validate-yaml`,
  `POST /api/models/{repo}/preupload/{revision}` (`.h5` and `.png` files go
  by LFS, the rest inline, as the Hub's default .gitattributes has it),
  `POST /{repo}.git/info/lfs/objects/batch` (the "basic" transfer: a PUT to
  an upload address here), `PUT /lfs-upload/{oid}` (checked against its
  sha256), and `POST /api/models/{repo}/commit/{revision}` (ndjson: header,
  file, lfsFile), which makes a new commit and moves the branch.

Xet storage is not spoken: the uploading tests turn huggingface_hub's Xet
path off (HF_HUB_DISABLE_XET), and downloads get no `X-Xet-Hash`, so the
client takes its plain HTTP path. `requests` logs every request as
(method, path); `truncate` holds paths whose GET is cut at half its bytes
(`once` drops the cut after one such answer); `tamper` holds paths served
with one byte changed.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import threading
import urllib.parse
from pathlib import Path

LFS_SUFFIXES = (".h5", ".png")


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubStandIn:
    def __init__(self, token: str = "hf_test_token"):
        self.repos: dict[str, dict] = {}  # repo -> {"commits": {sha: {path: bytes}}, "refs": {branch: sha}}
        self.lfs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []
        self.truncate: dict[str, bool] = {}  # path -> once
        self.tamper: set[str] = set()
        self.token = token
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_HEAD(self):
                stand_in._resolve(self, body=False)

            def do_GET(self):
                stand_in._resolve(self, body=True)

            def do_POST(self):
                stand_in._post(self)

            def do_PUT(self):
                stand_in._put(self)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # === Publishing from the test itself ===

    def commit(self, repo: str, files: dict[str, bytes], branch: str = "main") -> str:
        """A new commit on `branch` with `files` over its parent's; returns its sha."""
        state = self.repos.setdefault(repo, {"commits": {}, "refs": {}})
        parent = state["refs"].get(branch)
        tree = {**(state["commits"][parent] if parent else {}), **files}
        sha = hashlib.sha1(json.dumps([parent, sorted((p, git_blob_sha1(b)) for p, b in tree.items())]).encode()).hexdigest()
        state["commits"][sha] = tree
        state["refs"][branch] = sha
        return sha

    def publish(self, repo: str, folder: Path, branch: str = "main") -> str:
        return self.commit(repo, {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}, branch)

    # === The protocol ===

    def _reply(self, handler, status: int, body: bytes = b"", headers: dict | None = None, send_body: bool = True) -> None:
        handler.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            handler.send_header(key, value)
        handler.end_headers()
        if send_body and body:
            handler.wfile.write(body)

    def _error(self, handler, status: int, code: str, message: str, extra: dict | None = None, send_body: bool = True) -> None:
        body = json.dumps({"error": message}).encode()
        self._reply(handler, status, body, {"X-Error-Code": code, "X-Error-Message": message,
                                            "Content-Type": "application/json", **(extra or {})}, send_body)

    def _resolve(self, handler, body: bool) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        self.requests.append((handler.command, path))
        parts = path.lstrip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return self._error(handler, 404, "EntryNotFound", "not a resolve address", send_body=body)
        repo = f"{parts[0]}/{parts[1]}"
        revision = urllib.parse.unquote(parts[3])
        filename = "/".join(urllib.parse.unquote(p) for p in parts[4:])
        state = self.repos.get(repo)
        if state is None:
            return self._error(handler, 401, "RepoNotFound", f"Repository {repo} not found", send_body=body)
        sha = state["refs"].get(revision) or (revision if revision in state["commits"] else None)
        if sha is None:
            return self._error(handler, 404, "RevisionNotFound", f"Invalid rev id: {revision}", send_body=body)
        data = state["commits"][sha].get(filename)
        if data is None:
            return self._error(handler, 404, "EntryNotFound", f"{filename} does not exist",
                               {"X-Repo-Commit": sha}, send_body=body)
        if path in self.tamper:
            data = data[:-1] + bytes([data[-1] ^ 1])
        headers = {"X-Repo-Commit": sha, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        if filename.endswith(LFS_SUFFIXES):
            oid = hashlib.sha256(data).hexdigest()
            headers.update({"ETag": f'"{oid}"', "X-Linked-Etag": f'"{oid}"', "X-Linked-Size": str(len(data))})
        else:
            headers["ETag"] = f'"{git_blob_sha1(data)}"'
        status, start = 200, 0
        ranged = handler.headers.get("Range")
        if body and ranged and ranged.startswith("bytes="):
            start = int(ranged[len("bytes="):].split("-")[0])
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        chunk = data[start:]
        if not body:
            return self._reply(handler, status, chunk, headers, send_body=False)
        if path in self.truncate:
            if self.truncate[path]:
                del self.truncate[path]
            # The full length announced, the connection closed half way.
            handler.send_response(status)
            for key, value in {"Content-Length": str(len(chunk)), **headers}.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(chunk[: max(len(data) // 2 - start, 0)])
            handler.wfile.flush()
            handler.close_connection = True
            return
        self._reply(handler, status, chunk, headers)

    @staticmethod
    def _body(handler) -> bytes:
        if handler.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        data = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            data += handler.rfile.read(size)
            handler.rfile.readline()
            if size == 0:
                return data

    def _authorized(self, handler) -> bool:
        if handler.headers.get("Authorization") == f"Bearer {self.token}":
            return True
        self._error(handler, 401, "Unauthorized", "Invalid credentials in Authorization header")
        return False

    def _post(self, handler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        self.requests.append(("POST", path))
        body = self._body(handler)
        if path == "/api/validate-yaml":
            return self._reply(handler, 200, b"{}", {"Content-Type": "application/json"})
        if not self._authorized(handler):
            return
        if path == "/api/repos/create":
            payload = json.loads(body)
            repo = f"{payload['organization']}/{payload['name']}"
            if repo in self.repos:
                return self._error(handler, 409, "RepoExists", "You already created this model repo",
                                   {"Content-Type": "application/json"})
            self.repos[repo] = {"commits": {}, "refs": {}}
            answer = {"url": f"{self.url}/{repo}", "name": repo, "id": repo}
            return self._reply(handler, 200, json.dumps(answer).encode(), {"Content-Type": "application/json"})
        parts = path.lstrip("/").split("/")
        if path.endswith(".git/info/lfs/objects/batch"):
            payload = json.loads(body)
            objects = [{"oid": o["oid"], "size": o["size"],
                        "actions": {"upload": {"href": f"{self.url}/lfs-upload/{o['oid']}"}}}
                       for o in payload["objects"] if o["oid"] not in self.lfs]
            answer = {"transfer": "basic", "objects": objects + [{"oid": o["oid"], "size": o["size"]}
                                                                  for o in payload["objects"] if o["oid"] in self.lfs]}
            return self._reply(handler, 200, json.dumps(answer).encode(), {"Content-Type": "application/vnd.git-lfs+json"})
        if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[4] == "preupload":
            files = json.loads(body)["files"]
            answer = {"files": [{"path": f["path"], "uploadMode": "lfs" if f["path"].endswith(LFS_SUFFIXES) else "regular",
                                 "shouldIgnore": False} for f in files]}
            return self._reply(handler, 200, json.dumps(answer).encode(), {"Content-Type": "application/json"})
        if len(parts) >= 6 and parts[:2] == ["api", "models"] and parts[4] == "commit":
            repo = f"{parts[2]}/{parts[3]}"
            branch = urllib.parse.unquote("/".join(parts[5:]))
            if repo not in self.repos:
                return self._error(handler, 404, "RepoNotFound", f"Repository {repo} not found")
            files = {}
            for line in body.decode().splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    files[item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                elif item["key"] == "lfsFile":
                    oid = item["value"]["oid"]
                    if oid not in self.lfs:
                        return self._error(handler, 422, "BadRequest", f"LFS object {oid} was never uploaded")
                    files[item["value"]["path"]] = self.lfs[oid]
            sha = self.commit(repo, files, branch)
            answer = {"commitUrl": f"{self.url}/{repo}/commit/{sha}", "commitOid": sha}
            return self._reply(handler, 200, json.dumps(answer).encode(), {"Content-Type": "application/json"})
        self._error(handler, 404, "NotFound", f"no such endpoint {path}")

    def _put(self, handler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        self.requests.append(("PUT", path))
        data = self._body(handler)
        oid = path.rsplit("/", 1)[-1]
        if not path.startswith("/lfs-upload/") or hashlib.sha256(data).hexdigest() != oid:
            return self._error(handler, 400, "BadRequest", "the body does not match the object id")
        self.lfs[oid] = data
        self._reply(handler, 200)
