"""A Jupyter server and Debian's Chromium for the tests that click through a real browser: the
learner's JupyterLab (test_browser) and the instructor's Formgrader (test_pipeline).

Chromium is driven by Playwright's Python package (never `playwright install`); `browser_missing()`
says why a test cannot run here, for a skip.
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
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-quic"]
STARTUP_SECONDS = 60


def browser_missing() -> str | None:
    """Why no browser test can run here, or None."""
    if CHROMIUM is None:
        return "no Chromium: `apt-get install chromium` (.ci/run does)"
    if find_spec("playwright") is None:
        return "no playwright package: `pip install -r requirements.txt`"
    return None


def free_port() -> int:
    """A localhost TCP port that nothing listens on now, for the server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyterlab(root: Path, cwd: Path, private: Path,
               lab_settings: dict[str, dict[str, str]] | None = None,
               environment: dict[str, str] | None = None) -> Iterator[str]:
    """JupyterLab serving `root`, started in `cwd` (where an nbgrader_config.py is read), with
    config, data and runtime folders under `private` (nothing read from or written to ~) and the
    given Lab user settings; yields its URL and stops it afterwards."""
    jupyter = private / "jupyter"
    for name, settings in (lab_settings or {}).items():
        path = jupyter / "config" / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(settings))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_DATA_DIR": str(jupyter / "data"), "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
           **(environment or {})}
    port = free_port()
    log = private / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
             "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.root_dir={root}", "--allow-root", "--LabApp.news_url=None"],
            cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(server, url, log)
        yield url
    finally:
        _stop(server)


def _wait_until_answering(server: subprocess.Popen, url: str, log: Path) -> None:
    """Return once the server at `url` answers its status API; raise with its log if it exits or
    takes more than STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=5):
                return
        except OSError:
            time.sleep(0.2)  # polling a port: there is no event to wait on
    raise RuntimeError(f"JupyterLab did not answer at {url}:\n{log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    """Stop the server (it shuts its kernels down); kill its process group if it hangs."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)
