"""Spoken prompts: espeak-ng renders a WAV once per (voice, rate, text); without it the
page is silent and the log says what to install."""

from __future__ import annotations

import logging
import os
import shutil
import wave
from pathlib import Path

import pytest

from gateway.home.speech import Speech


def _need_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        reason = "espeak-ng is not installed (apt-get install espeak-ng; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)


def test_korean_prompt_is_rendered_to_a_playable_wav_once(tmp_path: Path) -> None:
    _need_espeak()
    speech = Speech(tmp_path / "speech")
    name = speech.render("현재의 삶에 대체로 만족하십니까?", "ko")
    assert name is not None
    path = speech.path_of(name)
    assert path is not None
    with wave.open(str(path)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 1.0 < seconds < 10.0  # a short question, really spoken
    mtime = path.stat().st_mtime_ns
    assert speech.render("현재의 삶에 대체로 만족하십니까?", "ko") == name
    assert path.stat().st_mtime_ns == mtime  # served from the cache, not rendered again
    assert list((tmp_path / "speech").iterdir()) == [path]  # no partial files left


def test_cache_names_differ_by_text_and_voice(tmp_path: Path) -> None:
    speech = Speech(tmp_path)
    names = {
        speech.file_name("예", "ko"),
        speech.file_name("아니요", "ko"),
        speech.file_name("예", "en"),
    }
    assert len(names) == 3


def test_missing_espeak_leaves_the_page_silent_and_logs_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.home.speech"):
        speech = Speech(tmp_path, program="espeak-ng-not-installed")
        assert speech.render("안녕하세요", "ko") is None
        assert speech.render("안녕하세요", "ko") is None
    assert not speech.available
    (record,) = caplog.records  # one warning, not one per prompt
    assert "apt-get install espeak-ng" in record.getMessage()


def test_only_rendered_prompts_are_served(tmp_path: Path) -> None:
    speech = Speech(tmp_path)
    (tmp_path / "secret.txt").write_text("x")
    assert speech.path_of("../secret.txt") is None
    assert speech.path_of("secret.txt") is None
    assert speech.path_of("0" * 64 + ".wav") is None  # well formed but not rendered
