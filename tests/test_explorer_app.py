"""``oneplan app``: the explorer served by Voilà, loaded in headless Chromium as a planner
would, one slider moved with the mouse.

The browser is the system Chromium, driven over its DevTools protocol with the
``websockets`` library (a Voilà dependency); nothing is downloaded. Every process started
here — the app (Voilà and its kernel) and Chromium with its helpers — is found with psutil
and ended at the end, and the test checks none is left. Set ``ONEPLAN_APP_SCREENSHOT`` to a
path to keep the screenshot taken after the slider move.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from oneplan import cli
from oneplan.reports import explorer as ex

LIB = Path(__file__).resolve().parents[1] / "lib"
START_S = 180          # the app's start and first page (Voilà, a kernel, the first solve)
MOVE_S = 90            # one re-solve after the slider move, with the page's round trips


# --- the command ------------------------------------------------------------------------

def test_app_command_serves_the_explorer_notebook_on_loopback(sample_db):
    args = cli.build_parser().parse_args(
        ["app", "--province", "สุรินทร์", "--port", "8899", "--lang", "en", "--no-browser",
         "--db", str(sample_db)])
    cmd, env = cli.app_command(args)
    assert cmd[1:3] == ["-m", "voila"] and cmd[3].endswith("notebooks/explorer.ipynb")
    assert "--port=8899" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
    assert env[ex.APP_ENV["province_code"]] == "32" and env[ex.APP_ENV["lang"]] == "en"
    assert Path(env["ONEPLAN_DB"]).is_absolute()   # the kernel runs in notebooks/


def test_a_busy_port_is_refused_before_starting(sample_db, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = cli.main(["app", "--port", str(port), "--no-browser", "--db", str(sample_db)])
    assert code == 2
    assert f"พอร์ต {port} ถูกใช้อยู่" in capsys.readouterr().err


def test_app_settings_take_the_parameters_then_the_url_then_oneplan_app():
    env = {"QUERY_STRING": "province=45&lang=en", ex.APP_ENV["province_code"]: "32",
           ex.APP_ENV["fiscal_year"]: "2571"}
    assert ex.app_settings("40", environ=env) == {"province_code": "40", "fiscal_year": 2571,
                                                  "lang": "en"}
    assert ex.app_settings(environ=env)["province_code"] == "45"
    assert ex.app_settings(environ={ex.APP_ENV["province_code"]: "32"}) == {
        "province_code": "32", "fiscal_year": None, "lang": "th"}
    assert ex.app_settings(environ={})["province_code"] == ex.APP_DEFAULT_PROVINCE


def test_the_app_notebook_has_no_code_to_show_but_its_calls():
    cells = json.loads((LIB.parent / "notebooks" / "explorer.ipynb").read_text("utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert len(code) == 2                       # the parameters, then the app
    assert "explorer.app(" in "".join(code[1]["source"])
    assert all(c["cell_type"] == "code" for c in cells)  # Voilà would show markdown
    assert "thai_font_css()" in "".join(code[1]["source"])


# --- the app in a browser ---------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _end(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Terminate ``procs`` (and their children found now), kill what is left after 20 s;
    return the processes still alive (none, or the test fails)."""
    found = {}
    for p in procs:
        try:
            for q in [p, *p.children(recursive=True)]:
                found[q.pid] = q
        except psutil.NoSuchProcess:
            pass
    for p in found.values():
        try:
            p.send_signal(signal.SIGTERM)
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(list(found.values()), timeout=20)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(alive, timeout=10)
    return alive


class DevTools:
    """One page of Chromium over the DevTools protocol (JSON messages on a websocket)."""

    def __init__(self, ws):
        self.ws = ws
        self.n = 0

    def call(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == self.n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expression: str):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")


@pytest.fixture
def app_url(sample_db, tmp_path):
    port = _free_port()
    log = open(tmp_path / "app.log", "wb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(LIB), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "oneplan.cli", "app", "--province", "40", "--port", str(port),
         "--no-browser", "--db", str(sample_db)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    app = psutil.Process(proc.pid)
    try:
        def up():
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "app.log").read_text(errors="replace"))
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        _wait("the app's port", up, START_S)
        yield f"http://127.0.0.1:{port}/"
    finally:
        left = _end([app])
        log.close()
        assert not left, f"app processes left running: {left}"


@pytest.fixture
def page(tmp_path):
    from websockets.sync.client import connect

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium installed")
    profile = tmp_path / "chromium"
    profile.mkdir()
    proc = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-extensions",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
         "--window-size=1280,2600", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp_path)})
    chrome = psutil.Process(proc.pid)
    try:
        active = profile / "DevToolsActivePort"
        _wait("Chromium's DevTools port", lambda: active.is_file() and active.read_text()
              .count("\n") >= 1, 60)
        port = int(active.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(
            f"http://127.0.0.1:{port}/json/list", timeout=30).read())
        tab = next(t for t in targets if t["type"] == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=64 * 2**20, open_timeout=30) as ws:
            tools = DevTools(ws)
            yield tools
            tools.call("Browser.close", timeout=10)
    finally:
        left = _end([chrome])
        assert not left, f"Chromium processes left running: {left}"


RESULT = "document.querySelector('.oneplan-result')?.innerText || ''"
TABLES = "document.querySelectorAll('.oneplan-change table').length"


@pytest.mark.slow
def test_a_planner_moves_the_budget_slider_and_sees_what_changed(app_url, page, tmp_path):
    page.call("Page.enable")
    page.call("Page.navigate", {"url": app_url})
    first = _wait("the explorer's result line", lambda: page.js(RESULT), START_S)
    assert first.startswith("แผนในรายงาน:") or first.startswith("แผนนี้:"), first
    assert page.js(TABLES) == 0                     # nothing changed yet
    labels = page.js("[...document.querySelectorAll('.widget-label')].map(e => e.innerText)")
    assert "งบประมาณต่อปี (ล้านบาท)" in labels and "ความคุ้มค่าต่อบาท" in labels, labels
    assert "จังหวัด" in labels

    # Thai is drawn with the embedded font: this machine has no Thai system font
    page.call("DOM.enable")
    page.call("CSS.enable")
    root = page.call("DOM.getDocument")["root"]["nodeId"]
    node = page.call("DOM.querySelector", {"nodeId": root,
                                           "selector": ".oneplan-result strong"})["nodeId"]
    fonts = page.call("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    thai = [f for f in fonts if "Noto Sans Thai" in f["familyName"]]
    assert thai and thai[0]["isCustomFont"], fonts

    # drag the budget slider's handle to the right, as a planner does with the mouse
    box = page.js("""(() => {
        const s = [...document.querySelectorAll('.widget-slider')].find(
            e => e.querySelector('.widget-label')?.innerText.startsWith('งบประมาณต่อปี'));
        const h = s.querySelector('.noUi-handle').getBoundingClientRect();
        const t = s.querySelector('.noUi-target').getBoundingClientRect();
        return {x: h.x + h.width / 2, y: h.y + h.height / 2, w: t.width,
                value: s.querySelector('.widget-readout').innerText};
    })()""")
    x, y, to = box["x"], box["y"], box["x"] + box["w"] * 0.3
    page.call("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x, "y": y,
                                           "button": "left", "clickCount": 1})
    for i in range(1, 11):
        page.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x + (to - x) * i / 10,
                                               "y": y, "button": "left", "buttons": 1})
    page.call("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": to, "y": y,
                                           "button": "left", "clickCount": 1})

    after = _wait("the result line of the re-solve", lambda: (
        r if (r := page.js(RESULT)) != first and r.startswith("แผนนี้:") else None), MOVE_S)
    _wait("the change tables", lambda: page.js(TABLES) >= 1, 30)
    readout = page.js("""[...document.querySelectorAll('.widget-slider')].find(
        e => e.querySelector('.widget-label')?.innerText.startsWith('งบประมาณต่อปี'))
        .querySelector('.widget-readout').innerText""")
    assert float(readout.replace(",", "")) > float(box["value"].replace(",", ""))
    assert "คำนวณ" in after and "ล้านบาท" in after
    summary = page.js("[...document.querySelectorAll('.oneplan-change-summary')]"
                      ".map(e => e.innerText)")
    assert len(summary) == 1 and summary[0].startswith("เพิ่ม "), summary
    heads = page.js("[...document.querySelectorAll('.oneplan-change h4')].map(e => e.innerText)")
    assert heads == ["เทียบกับแผนในรายงาน (แผนก่อนหน้า)"]   # the first move: one comparison
    _wait("the plan's chart by district", lambda: page.js(
        "document.querySelectorAll('.widget-output img').length"), 30)

    size = page.call("Page.getLayoutMetrics")["cssContentSize"]
    shot = page.call("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000),
                 "scale": 1}})
    import base64

    png = base64.b64decode(shot["data"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "voila.png").write_bytes(png)
    if os.environ.get("ONEPLAN_APP_SCREENSHOT"):
        Path(os.environ["ONEPLAN_APP_SCREENSHOT"]).write_bytes(png)
