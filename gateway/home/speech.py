"""Spoken prompts, rendered at the gateway with offline text-to-speech (``espeak-ng``).

Each prompt is rendered once per (voice, rate, text) into a WAV file named by the SHA-256
of those three, in a cache folder next to the outbox; the home page plays it from
``/speech/<name>.wav``. No cloud service: the prompt text never leaves the home.

Without ``espeak-ng`` the page works silently and the gateway logs, once, what to install.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

# espeak-ng's voices for the page's languages ("espeak-ng --voices=ko" lists "ko").
VOICES: Final = {"ko": "ko", "en": "en"}
# Words per minute: espeak-ng speaks 175 by default ("espeak-ng --help", -s); older
# listeners follow slower speech better, so prompts are rendered at 140 (about 20 %
# slower, the pace of a calm conversation rather than of a news reader).
RATE_WPM: Final = 140
# Rendering one prompt takes well under a second; a stuck process must not hold a page.
RENDER_TIMEOUT_S: Final = 20.0
_NAME: Final = re.compile(r"^[0-9a-f]{64}\.wav$")
INSTALL_HINT: Final = "install it with `apt-get install espeak-ng` (Debian, Raspberry Pi OS)"


class Speech:
    """Renders and caches prompt audio.

    Parameters
    ----------
    folder : pathlib.Path
        Cache folder (created when missing).
    program : str
        The espeak-ng executable (name on PATH or a path).
    """

    def __init__(self, folder: Path, program: str = "espeak-ng") -> None:
        self.folder = folder
        self.program = program
        self._lock = threading.Lock()
        self._warned = False
        self._executable = shutil.which(program)
        if self._executable is None:
            self._warn(f"{program} was not found, so the home page will not speak; {INSTALL_HINT}")

    @property
    def available(self) -> bool:
        """True when espeak-ng can be run."""
        return self._executable is not None

    def _warn(self, message: str) -> None:
        if not self._warned:
            log.warning("spoken prompts off: %s", message)
            self._warned = True

    def file_name(self, text: str, lang: str) -> str:
        """The cache file name of ``text`` spoken in ``lang`` (whether rendered yet or not)."""
        key = f"{VOICES.get(lang, lang)}\0{RATE_WPM}\0{text}".encode()
        return hashlib.sha256(key).hexdigest() + ".wav"

    def render(self, text: str, lang: str) -> str | None:
        """Render ``text`` (once; later calls hit the cache); the file name, or None if silent.

        Never raises: a failed rendering is logged and the page stays silent for it.
        """
        if self._executable is None or not text.strip():
            return None
        name = self.file_name(text, lang)
        target = self.folder / name
        if target.is_file() and target.stat().st_size > 0:
            return name
        with self._lock:
            if target.is_file() and target.stat().st_size > 0:
                return name
            return name if self._run(text, lang, target) else None

    def _run(self, text: str, lang: str, target: Path) -> bool:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._warn(f"cannot create {self.folder} ({exc}); make it writable")
            return False
        partial = target.with_suffix(f".{os.getpid()}.part")
        # Text goes on stdin, not the command line: no argument parsing of user text.
        command = [
            str(self._executable),
            "-v",
            VOICES.get(lang, lang),
            "-s",
            str(RATE_WPM),
            "-w",
            str(partial),
            "--stdin",
        ]
        try:
            done = subprocess.run(
                command,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=RENDER_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning(
                "espeak-ng failed for a %s prompt (%s); that prompt stays silent", lang, exc
            )
            partial.unlink(missing_ok=True)
            return False
        if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
            log.warning(
                "espeak-ng exited %d for a %s prompt (%s); that prompt stays silent; is the "
                "voice installed (espeak-ng --voices=%s)?",
                done.returncode,
                lang,
                done.stderr.decode("utf-8", "replace").strip()[:200],
                VOICES.get(lang, lang),
            )
            partial.unlink(missing_ok=True)
            return False
        # Atomic: a page never fetches a half-written file.
        partial.replace(target)
        return True

    def path_of(self, name: str) -> Path | None:
        """The cached file called ``name`` (as served), or None if not a rendered prompt."""
        if not _NAME.match(name):
            return None
        path = self.folder / name
        return path if path.is_file() else None
