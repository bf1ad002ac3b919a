"""A real headless Chromium (Debian's package) for the published pages: the DOM after scripts ran, and
the requests a page made (Chromium's own net log). Used by the browser tests; they skip without Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def load(url: str) -> tuple[str, list[str]]:
    """Open ``url`` (file://…#fragment); returns (the DOM after its scripts ran, URLs the page requested).

    Chromium's own background requests (initiator 'not an origin') are not the page's and are left out."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        net_log = Path(profile) / "net.json"
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}/user", f"--log-net-log={net_log}",
                               "--virtual-time-budget=3000", "--dump-dom", url],
                              capture_output=True, text=True, timeout=120, check=True)
        events = json.loads(net_log.read_text(encoding="utf-8"))["events"] if net_log.exists() else []
    requested = sorted({e["params"]["url"] for e in events if "url" in e.get("params", {})
                        and e["params"].get("initiator", "not an origin") != "not an origin"})
    return done.stdout, requested


def screenshot(url: str, target: Path, width: int = 1200, height: int = 1600) -> None:
    """Save a PNG of the page as Chromium renders it."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}/user", "--hide-scrollbars",
                        f"--window-size={width},{height}", f"--screenshot={target}", url],
                       capture_output=True, timeout=120, check=True)
