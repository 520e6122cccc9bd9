"""consult-keygen: the offline ceremony and the offline share check."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from shamir_mnemonic.wordlist import WORDLIST

from consult.sealed import crypto, keygen


def create(out: Path, threshold: int = 2, count: int = 3, *extra: str) -> int:
    args = ["create", "--threshold", str(threshold), "--trustees", str(count), "--out", str(out)]
    return keygen.main([*args, *extra])


def words_of(path: Path) -> str:
    return keygen.share_words(path.read_text())


@pytest.fixture
def ceremony(tmp_path: Path) -> Path:
    out = tmp_path / "ceremony"
    assert create(out, 2, 3, "--name", "Amina", "Bruno", "--name", "Chen") == 0
    return out


def test_create_writes_one_share_per_trustee_and_the_upload(
    ceremony: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sorted(p.name for p in ceremony.iterdir()) == [
        "share-1.txt",
        "share-2.txt",
        "share-3.txt",
        "upload.json",
    ]
    upload = keygen.read_upload((ceremony / "upload.json").read_text())
    assert (upload.threshold, upload.shares) == (2, 3)
    for number, name in enumerate(["Amina", "Bruno", "Chen"], start=1):
        text = (ceremony / f"share-{number}.txt").read_text()
        assert f"share {number} of 3" in text and f"Trustee: {name}" in text
        assert "safe and secret" in text and upload.key_id in text
        info = crypto.read_share(words_of(ceremony / f"share-{number}.txt"))
        assert (info.identifier, info.number, info.threshold) == (upload.identifier, number, 2)
    capsys.readouterr()
    assert create(ceremony.parent / "second") == 0
    out = capsys.readouterr().out
    assert str(ceremony.parent / "second" / "upload.json") in out and "no secret" in out


def test_any_two_share_files_open_the_uploaded_key(ceremony: Path) -> None:
    upload = keygen.read_upload((ceremony / "upload.json").read_text())
    for pair in ((1, 2), (1, 3), (2, 3)):
        shares = [words_of(ceremony / f"share-{n}.txt") for n in pair]
        opening_key = crypto.combine(shares, upload.identifier, upload.threshold)
        private = crypto.unwrap(upload.wrapped, opening_key, upload.key_id)
        assert crypto.public_of(private) == upload.public


def test_share_files_are_private_to_their_owner(ceremony: Path) -> None:
    for number in (1, 2, 3):
        assert stat.S_IMODE((ceremony / f"share-{number}.txt").stat().st_mode) == 0o600


def test_the_upload_holds_no_share_and_no_private_key(ceremony: Path) -> None:
    text = (ceremony / "upload.json").read_text()
    assert set(json.loads(text)) == set(keygen.FIELDS)
    for number in (1, 2, 3):
        words = words_of(ceremony / f"share-{number}.txt").split()
        # The first four words are the public header; no run of the secret words is there.
        assert not any(" ".join(words[i : i + 2]) in text for i in range(4, len(words) - 1))
        assert not any(f'"{word}"' in text for word in words[4:])


def test_create_refuses_to_overwrite(ceremony: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.read_bytes() for p in ceremony.iterdir()}
    capsys.readouterr()
    assert create(ceremony, 2, 3) == 1
    assert "refusing to overwrite" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in ceremony.iterdir()} == before


def test_create_refuses_impossible_numbers(tmp_path: Path) -> None:
    assert create(tmp_path / "a", 3, 2) == 1
    assert create(tmp_path / "b", 1, 3) == 1
    assert create(tmp_path / "c", 2, 17) == 1
    assert create(tmp_path / "d", 2, 3, "--name", "Only one") == 1
    assert not any(tmp_path.iterdir())


def test_check_a_share_file(ceremony: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upload = keygen.read_upload((ceremony / "upload.json").read_text())
    assert keygen.main(["check", str(ceremony / "share-2.txt")]) == 0
    out = capsys.readouterr().out
    assert f"Ceremony identifier: {upload.identifier}" in out
    assert "Share number: 2" in out and "Shares needed to open: 2" in out
    upload_path = str(ceremony / "upload.json")
    assert keygen.main(["check", str(ceremony / "share-3.txt"), "--upload", upload_path]) == 0
    assert f"It belongs to the ceremony of key {upload.key_id}." in capsys.readouterr().out


def test_check_tells_a_share_of_another_ceremony(
    ceremony: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    assert create(other) == 0
    upload_path = str(ceremony / "upload.json")
    assert keygen.main(["check", str(other / "share-1.txt"), "--upload", upload_path]) == 1
    assert "does NOT belong" in capsys.readouterr().err


def test_check_reads_standard_input(
    ceremony: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    words = words_of(ceremony / "share-1.txt")
    monkeypatch.setattr(sys, "stdin", io.StringIO(words + "\n"))
    assert keygen.main(["check"]) == 0
    assert "Share number: 1" in capsys.readouterr().out
    # Typed with numbers, as copied from paper, it reads the same.
    numbered = " ".join(f"{n}. {w}" for n, w in enumerate(words.split(), start=1))
    monkeypatch.setattr(sys, "stdin", io.StringIO(numbered))
    assert keygen.main(["check"]) == 0


def test_check_prompts_without_echo_on_a_terminal(
    ceremony: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    words = words_of(ceremony / "share-3.txt")
    prompts: list[str] = []
    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr(keygen.getpass, "getpass", lambda prompt: prompts.append(prompt) or words)
    assert keygen.main(["check"]) == 0
    assert prompts and "Share number: 3" in capsys.readouterr().out


def test_a_mistyped_word_fails_the_checksum(
    ceremony: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    words = words_of(ceremony / "share-1.txt").split()
    words[10] = next(w for w in WORDLIST if w != words[10])
    monkeypatch.setattr(sys, "stdin", io.StringIO(" ".join(words)))
    assert keygen.main(["check"]) == 1
    assert "not a valid share" in capsys.readouterr().err


def test_the_share_is_never_taken_from_the_command_line() -> None:
    with pytest.raises(SystemExit) as exit_info:
        keygen.main(["check", "academic", "acid", "acne", "acquire"])
    assert exit_info.value.code == 2


def test_share_files_read_back_exactly() -> None:
    ceremony = crypto.run_ceremony(3, 16)
    for number, share in enumerate(ceremony.shares, start=1):
        assert keygen.share_words(keygen.share_text(ceremony, number)) == share


def test_the_tool_imports_no_web_framework_or_database() -> None:
    code = (
        "import sys, consult.sealed.keygen; "
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug', 'flask_babel') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
