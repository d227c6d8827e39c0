"""Screenshots of the MLflow UI path that answers "which batch size gave the best held-out
accuracy, and how much did it vary across replicates?" -> results/ui/*.png.

Starts ``mlflow server`` on a free 127.0.0.1 port over a snapshot of the store (a SQLite
store is copied first, so the store itself is never opened for writing), drives headless
Chromium (Debian's ``chromium`` package, through Playwright) as a user would, and stops the
server. The path, from the experiment's page:

  01-experiment.png  the experiment's page (its runs); the next click, "Views", is outlined
  02-views.png       the Views menu; the next click, the harness's saved view, is outlined
  03-answer.png      every point, best held-out accuracy (test_acc) first, with its spread
                     over replicates beside it (test_acc/std, /ci_low, /ci_high, /n)

The saved view is an experiment tag that `make report` (python -m harness.report) writes.
MLflow 3.17 opens a new browser in its GenAI workflow: the script first picks "Model
training" on the home page, once, as a user does (MLflow remembers the choice).

Needs: apt-get install chromium; pip install -e '.[ui]' (Playwright; never `playwright
install`: the browser is Debian's). `make screenshots` does both checks and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from harness.track.tracking import VIEW_TAG  # how MLflow's UI stores a saved runs-table view

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
OUTLINE = "3px solid #e8590c"  # marks the element the next click goes to
TIMEOUT_MS = 90_000  # a cold page on a 2-core machine takes a while


class ScreenshotError(RuntimeError):
    """A step of the path failed; the message says which and what to do."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snapshot(uri: str, into: Path) -> str:
    """A SQLite store is copied (SQLite's backup API: consistent while a sweep writes) and
    the copy served; any other URI is served as it is."""
    if not uri.startswith("sqlite:///"):
        return uri
    src = Path(uri.removeprefix("sqlite:///").split("?", 1)[0])
    if not src.is_file():
        raise ScreenshotError(f"no MLflow store at {src}: run the sweeps first (make run-all)")
    dst = into / "mlflow.db"
    with sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True) as s, \
            sqlite3.connect(dst) as d:
        s.backup(d)
    return f"sqlite:///{dst}"


@contextmanager
def mlflow_server(uri: str, port: int, log: Path):
    """``mlflow server`` as `make ui` runs it (one worker, no job execution), stopped on
    exit: SIGTERM to its process group, SIGKILL if it lingers."""
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", uri,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    tail = log.read_text()[-2000:]
                    raise ScreenshotError(
                        f"mlflow server did not start on {base}:\n{tail}") from None
                time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def api(base: str, path: str, body: dict | None = None) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{base}/api/2.0/mlflow/{path}", data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def find_view(base: str, experiment: str, name: str) -> tuple[str, str]:
    """(experiment id, saved view id) of the view called ``name`` on ``experiment``."""
    query = urllib.parse.urlencode({"experiment_name": experiment})
    try:
        exp = api(base, f"experiments/get-by-name?{query}")["experiment"]
    except urllib.error.HTTPError as exc:
        raise ScreenshotError(f"no experiment {experiment!r} in the store") from exc
    views = {}
    for tag in exp.get("tags", []):
        if tag["key"].startswith(VIEW_TAG):
            try:
                views[json.loads(tag["value"])["name"]] = tag["key"].removeprefix(VIEW_TAG)
            except (ValueError, KeyError, TypeError):
                continue
    if name not in views:
        raise ScreenshotError(
            f"experiment {experiment!r} has no saved view {name!r} (it has: "
            f"{', '.join(map(repr, views)) or 'none'}); `make report` publishes it")
    return exp["experiment_id"], views[name]


def best_point(base: str, exp_id: str, metric: str) -> str:
    """The answer as the REST API gives it, printed beside the screenshots as a check."""
    runs = api(base, "runs/search", {
        "experiment_ids": [exp_id], "max_results": 1,
        "filter": "tags.`harness.role` = 'point'", "order_by": [f"metrics.`{metric}` DESC"],
    }).get("runs", [])
    if not runs:
        return "no point runs"
    m = {x["key"]: x["value"] for x in runs[0]["data"].get("metrics", [])}
    return (f"best {metric}: {runs[0]['info']['run_name']}: {m.get(metric, float('nan')):.4f}"
            f" (std {m.get(metric + '/std', float('nan')):.4f} over "
            f"{m.get(metric + '/n', float('nan')):.0f} replicates, 95% CI "
            f"[{m.get(metric + '/ci_low', float('nan')):.4f}, "
            f"{m.get(metric + '/ci_high', float('nan')):.4f}])")


def drive(base: str, exp_id: str, view_id: str, metric: str, out: Path, chromium: str,
          viewport: tuple[int, int]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile, \
            sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": viewport[0], "height": viewport[1]})
        ctx.set_default_timeout(TIMEOUT_MS)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()

        def close_assistant() -> None:  # a new browser opens MLflow's Assistant panel
            close = page.locator("[data-component-id='mlflow.assistant.chat_panel.close']")
            if close.count() and close.first.is_visible():
                close.first.click()

        def shot(name: str, *marked: Any, offset: str = "2px") -> None:
            """Screenshot with ``marked`` outlined (the next click, or the answer)."""
            for element in marked:
                element.evaluate(f"e => {{ e.style.setProperty('outline', '{OUTLINE}', "
                                 f"'important'); e.style.outlineOffset = '{offset}'; }}")
            page.mouse.move(1, viewport[1] - 1)  # no hover effects on the table
            page.wait_for_timeout(1500)  # let the grid settle its column widths
            path = out / name
            page.screenshot(path=str(path))
            shots.append(path)
            for element in marked:
                element.evaluate("e => { e.style.outline = ''; }")

        # once per browser: MLflow 3.17 starts in its GenAI workflow, runs live under
        # "Model training" (a choice MLflow keeps in the browser's local storage)
        page.goto(f"{base}/#/", wait_until="load")
        toggle = page.get_by_text("Model training", exact=True).first
        toggle.wait_for()
        close_assistant()
        toggle.click()
        page.wait_for_function(
            "() => (localStorage.getItem('mlflow.workflowType_v1') || '')"
            ".includes('machine_learning')")

        # 01: the experiment's page, as MLflow opens it
        page.goto(f"{base}/#/experiments/{exp_id}", wait_until="load")
        views = page.locator("[data-testid='saved-views-trigger']")
        views.wait_for()
        page.get_by_text("matching runs").wait_for()
        close_assistant()
        shot("01-experiment.png", views)

        # click 1: Views -> 02: the menu with the harness's saved view
        views.click()
        item = page.locator(f"[data-testid='saved-views-item-{view_id}']")
        item.wait_for()
        shot("02-views.png", item, offset="-3px")  # inside: the menu clips the outside

        # click 2: the view -> 03: points ranked by held-out accuracy, spread beside
        item.click()
        page.wait_for_url(f"**viewStateShareKey={view_id}**")
        top = page.locator("[role='row'][row-index='0']")  # the best point: outlined
        top.locator(f"[col-id='metrics.`{metric}/std`']").first.wait_for()
        cells = [top.locator(f"[col-id='{col}']").first for col in
                 ("attributes.`Run Name`", f"metrics.`{metric}`", f"metrics.`{metric}/std`")]
        shot("03-answer.png", *cells, offset="-3px")
        ctx.close()
    return shots


def parse_viewport(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT") from exc
    return w, h


def main(argv: list[str] | None = None) -> int:
    default_store = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{ROOT / 'mlflow.db'}"
    parser = argparse.ArgumentParser(
        prog="python scripts/ui_screenshots.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default=default_store,
                        help="tracking store URI to serve; a SQLite store is copied first "
                             "(default: $MLFLOW_TRACKING_URI, else %(default)s)")
    parser.add_argument("--server", metavar="URL",
                        help="use this running MLflow server (e.g. http://127.0.0.1:5000 "
                             "from `make ui`) instead of starting one over --store")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "ui",
                        help="folder for the PNGs (default: results/ui)")
    parser.add_argument("--port", type=int, default=0,
                        help="port for the server on 127.0.0.1 (default: a free one)")
    parser.add_argument("--experiment", default="batch_size",
                        help="experiment whose page the path starts on (default: %(default)s)")
    parser.add_argument("--view", default="points by held-out accuracy",
                        help="name of the saved runs view the path opens "
                             "(default: %(default)r)")
    parser.add_argument("--metric", default="test_acc",
                        help="the view's ranking metric, for the check printed at the end "
                             "(default: %(default)s)")
    parser.add_argument("--chromium", default="/usr/bin/chromium",
                        help="Chromium binary (default: %(default)s, Debian's package)")
    parser.add_argument("--viewport", type=parse_viewport, default=(1600, 1000),
                        metavar="WxH", help="browser window in CSS pixels (default: 1600x1000)")
    args = parser.parse_args(argv)

    if not Path(args.chromium).is_file():
        print(f"no Chromium at {args.chromium}: apt-get install chromium", file=sys.stderr)
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("Playwright is missing: pip install -e '.[ui]'", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="ui-screenshots-"))
    try:
        if args.server:
            server = nullcontext(args.server.rstrip("/"))
        else:
            server = mlflow_server(snapshot(args.store, tmp), args.port or free_port(),
                                   tmp / "server.log")
        with server as base:
            exp_id, view_id = find_view(base, args.experiment, args.view)
            shots = drive(base, exp_id, view_id, args.metric, args.out, args.chromium,
                          args.viewport)
            answer = best_point(base, exp_id, args.metric)
    except ScreenshotError as exc:
        print(f"ui_screenshots: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for path in shots:
        print(path)
    print(answer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
