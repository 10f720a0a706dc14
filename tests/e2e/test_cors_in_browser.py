"""A browser page on another origin uses the API as a RealWorld frontend does: CORS must let every request
shape through (JSON bodies, the Authorization header, body-less POSTs with a JSON Content-Type, DELETE)."""

import functools
import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.conduit_process import free_port

pytestmark = pytest.mark.e2e

FRONTEND = """<!doctype html><html><body><pre id="result"></pre><script>
const api = new URLSearchParams(location.search).get("api") + "/api";
const name = new URLSearchParams(location.search).get("name");
let token = null;
async function call(method, path, body) {
  const headers = {"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"};
  if (token) headers["Authorization"] = "Token " + token;
  const response = await fetch(api + path, {method, headers, body: body && JSON.stringify(body)});
  const text = await response.text();
  return {status: response.status, body: text ? JSON.parse(text) : null};
}
(async () => {
  const steps = [];
  try {
    const user = {username: name, email: name + "@x.io", password: "password123"};
    const registered = await call("POST", "/users", {user});
    steps.push(["register", registered.status]);
    token = registered.body.user.token;
    steps.push(["current user", (await call("GET", "/user")).status]);
    const article = {title: "From the browser", description: "d", body: "b", tagList: ["cors"]};
    const created = await call("POST", "/articles", {article});
    steps.push(["create article", created.status]);
    const slug = created.body.article.slug;
    steps.push(["update article", (await call("PUT", "/articles/" + slug, {article: {body: "edited"}})).status]);
    steps.push(["favorite", (await call("POST", "/articles/" + slug + "/favorite")).status]);
    steps.push(["list", (await call("GET", "/articles?author=" + name)).body.articlesCount]);
    steps.push(["comment", (await call("POST", "/articles/" + slug + "/comments", {comment: {body: "hi"}})).status]);
    steps.push(["delete article", (await call("DELETE", "/articles/" + slug)).status]);
  } catch (error) {
    steps.push(["error", String(error)]);
  }
  document.getElementById("result").textContent = JSON.stringify(steps);
})();
</script></body></html>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def frontend_origin(tmp_path: Path) -> Iterator[str]:
    """A static page served from another origin (another port), as a separately hosted frontend is."""
    (tmp_path / "index.html").write_text(FRONTEND)
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_frontend_on_another_origin_can_use_every_request_shape(
    browser: webdriver.Chrome, conduit_url: str, frontend_origin: str
) -> None:
    name = f"cors_{uuid.uuid4().hex[:8]}"

    browser.get(f"{frontend_origin}/index.html?api={conduit_url}&name={name}")
    text = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "result").text or False)

    assert json.loads(text) == [
        ["register", 201],
        ["current user", 200],
        ["create article", 201],
        ["update article", 200],
        ["favorite", 200],
        ["list", 1],
        ["comment", 201],
        ["delete article", 204],
    ]
