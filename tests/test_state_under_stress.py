"""Nothing lost, nothing left behind, under stress: the history file, lesson progress and a saved notebook
with two sessions at once, with reslab killed (SIGKILL) at random moments while it writes them, on a full
disk and on a read-only one. Each session runs at the prompt in a pseudo-terminal, where the history is kept.
The full and read-only disks are a 1 MB tmpfs, which needs root (`mount`): those tests skip without it."""
import collections
import fcntl
import json
import os
import random
import re
import select
import struct
import subprocess
import termios
import threading
import time

import pytest

from conftest import mounted_tmpfs

TIMEOUT = 30
PROMPT = re.compile(rb"In \[(\d+)\]:")
HISTORY_LIMIT = 1000


class Session:
    """`reslab` at its prompt in a pseudo-terminal; standard error goes to its own file."""

    def __init__(self, reslab, env, cwd, errors):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.errors = errors
        with open(errors, "wb") as stderr:
            self.proc = subprocess.Popen(
                [str(reslab)], stdin=slave, stdout=slave, stderr=stderr, env=env, cwd=cwd, start_new_session=True
            )
        os.close(slave)
        self.master = master
        self.output = bytearray()

    def read_until(self, predicate, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while not predicate(self.output):
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {bytes(self.output[-500:])!r}"
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.master, 1 << 16)
                except OSError:  # the session ended: its side of the terminal is gone
                    self.proc.wait(TIMEOUT)
                    assert predicate(self.output), f"reslab ended before {what}: {bytes(self.output[-500:])!r}"
                    return

    def prompts(self):
        return len(PROMPT.findall(self.output))

    def enter(self, line):
        """Types `line` and Enter, then waits for the next prompt."""
        seen = self.prompts()
        os.write(self.master, line.encode() + b"\r")
        self.read_until(lambda _: self.prompts() > seen, f"the prompt after {line!r}")

    def start(self):
        self.read_until(lambda _: self.prompts() >= 1, "the first prompt")
        return self

    def quit(self):
        os.write(self.master, b"\x04")
        try:
            self.read_until(lambda _: self.proc.poll() is not None, "reslab to leave on Ctrl-D")
        finally:
            self.close()
        assert self.proc.returncode == 0
        return self.output.decode(errors="replace"), self.errors.read_text()

    def kill(self):
        self.proc.kill()
        self.proc.wait(TIMEOUT)
        self.close()

    def close(self):
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.fixture
def env(tmp_path):
    return dict(
        os.environ, XDG_STATE_HOME=str(tmp_path / "state"), XDG_CACHE_HOME=str(tmp_path / "cache"), TERM="xterm",
        LANG="C.UTF-8", LC_ALL="",
    )


def session(reslab, env, cwd, name="session"):
    return Session(reslab, env, cwd, cwd / f"{name}.stderr").start()


def partial_files(*directories):
    return [p for d in directories if d.exists() for p in d.rglob("*") if ".partial-" in p.name]


def fill_history(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))


# MARK: - Two sessions at once


def test_two_sessions_at_the_history_cap_keep_every_entry_of_both(reslab, env, tmp_path):
    history = tmp_path / "state" / "reslab" / "history"
    old = [f"old_{n} = {n}" for n in range(HISTORY_LIMIT)]
    fill_history(history, old)
    rounds = 40
    typed = {name: [f"{name}_{n} = {n}" for n in range(rounds)] for name in ("a", "b")}
    sessions = {name: session(reslab, env, tmp_path, name) for name in typed}
    failures = []

    def type_all(name):
        try:
            for line in typed[name]:
                sessions[name].enter(line)
        except AssertionError as error:
            failures.append(error)

    threads = [threading.Thread(target=type_all, args=(name,)) for name in typed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    for name, running in sessions.items():
        _, errors = running.quit()
        assert errors == "", f"session {name}: {errors}"

    lines = history.read_text().splitlines()
    assert len(lines) == HISTORY_LIMIT
    assert lines[: HISTORY_LIMIT - 2 * rounds] == old[2 * rounds:]
    newest = lines[HISTORY_LIMIT - 2 * rounds:]
    for name, entries in typed.items():
        assert [line for line in newest if line.startswith(name + "_")] == entries
    assert not partial_files(tmp_path)


# MARK: - Killed while writing


def test_a_session_killed_while_writing_leaves_old_or_new_files_and_the_next_one_cleans_up(reslab, env, tmp_path):
    state = tmp_path / "state" / "reslab"
    history, progress, notebook = state / "history", state / "lessons.json", tmp_path / "nb.ipynb"
    # Long lines make each history write take a while, so that a kill often lands in one.
    known = [f"old_{n} = '{'o' * 200}'" for n in range(HISTORY_LIMIT)]
    fill_history(history, known)
    cells = [f"v_{n} = '{'v' * 200}'" for n in range(12)]
    work = [line for n, cell in enumerate(cells) for line in (cell, "next" if n % 2 else "back", "save nb.ipynb")]
    known += ["%lesson 1 en"] + work
    random.seed(11)
    killed_while_writing = collections.Counter()  # by the file being written
    for _ in range(50):
        left_before = set(partial_files(tmp_path))
        running = session(reslab, env, tmp_path)
        running.enter("%lesson 1 en")
        os.write(running.master, "".join(line + "\r" for line in work).encode())
        time.sleep(random.uniform(0, 0.15))
        running.kill()
        for left in set(partial_files(tmp_path)) - left_before:
            killed_while_writing[left.name.split(".partial-")[0]] += 1

        lines = history.read_bytes().split(b"\n")
        assert lines[-1] == b"" and len(lines) == HISTORY_LIMIT + 1, "the history is truncated"
        assert set(line.decode() for line in lines[:-1]) <= set(known), "a history line is spliced"
        if progress.exists():
            steps = json.loads(progress.read_text())
            assert set(steps) == {"en/1"} and steps["en/1"] in (0, 1)
        if notebook.exists():
            assert json.loads(notebook.read_text())["nbformat"] == 4

    running = session(reslab, env, tmp_path)
    for line in ["%lesson 1 en", "next", "x = 1", "save nb.ipynb"]:
        running.enter(line)
    _, errors = running.quit()
    assert errors == ""
    assert not partial_files(tmp_path), "a killed session's partial file was not cleaned up"
    print(f"50 kills left these partial files behind: {dict(killed_while_writing)}")


# MARK: - A full disk, a read-only disk


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs at `tmp_path/disk`, unmounted afterwards."""
    with mounted_tmpfs(tmp_path / "disk", "1m") as disk:
        yield disk


def disk_env(env, disk, language="en"):
    return dict(env, XDG_STATE_HOME=str(disk / "state"), LANG="zh_CN.UTF-8" if language == "zh" else "C.UTF-8")


def snapshot(*paths):
    return {path: path.read_bytes() for path in paths}


def test_on_a_full_disk_history_progress_and_save_each_say_so_once_and_keep_the_old_files(
    reslab, env, tmp_path, small_disk
):
    env = disk_env(env, small_disk)
    work = small_disk / "work"
    work.mkdir()
    first = session(reslab, env, tmp_path, "first")
    for line in ["%lesson 1 en", "next", "x = 1", "save " + str(work / "nb.ipynb")]:
        first.enter(line)
    assert first.quit()[1] == ""
    state = small_disk / "state" / "reslab"
    before = snapshot(state / "history", state / "lessons.json", work / "nb.ipynb")

    filler = os.open(small_disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, b"\0" * 4096):
            pass
    except OSError as full:
        assert full.errno == 28  # ENOSPC
    finally:
        os.close(filler)

    second = session(reslab, env, tmp_path, "second")
    for line in ["%lesson 1 en", "back", "next", "y = 2", "z = 3", "save " + str(work / "nb.ipynb")]:
        second.enter(line)
    output, errors = second.quit()

    assert [line for line in errors.splitlines() if line] == [
        f"warning: cannot save the history to {state / 'history'}: No space left on device"
    ]
    flat = " ".join(output.split())  # the prompt wraps long lines at the terminal's width
    assert flat.count("cannot remember where this lesson is") == 1, output
    assert re.search(r"cannot remember where this lesson is in \S+ \(No space left on device\)", flat), output
    assert len(re.findall(r"error: cannot write '\S+nb.ipynb': No space left on device", flat)) == 1, output
    assert snapshot(*before) == before
    assert not partial_files(small_disk)


@pytest.mark.parametrize("language, reason", [("en", "Read-only file system"), ("zh", "文件系统是只读的")])
@pytest.mark.parametrize("history_exists", [True, False], ids=["history-exists", "no-history-yet"])
def test_read_only_history_and_progress_say_why_in_the_learners_language(
    reslab, env, tmp_path, small_disk, history_exists, language, reason
):
    env = disk_env(env, small_disk, language)
    history = small_disk / "state" / "reslab" / "history"
    if history_exists:
        fill_history(history, ["x = 1"])
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    running = session(reslab, env, tmp_path)
    for line in ["y = 2", "z = 3", "%lesson 1 en", "next", "next"]:
        running.enter(line)
    output, errors = running.quit()

    warnings = [line for line in errors.splitlines() if line]
    assert len(warnings) == 1 and str(history) in warnings[0] and warnings[0].endswith(reason), errors
    # The progress warning, once, in the session's output (wrapped at the terminal's width).
    assert "".join(output.split()).count(reason.replace(" ", "")) == 1, output
    if history_exists:
        assert history.read_text() == "x = 1\n"
    else:
        assert not history.exists()


@pytest.mark.parametrize("kind, reason", [("directory", "it is a directory"), ("fifo", "it is a named pipe")])
def test_a_history_that_cannot_be_read_says_why_at_start(reslab, env, tmp_path, kind, reason):
    history = tmp_path / "state" / "reslab" / "history"
    history.parent.mkdir(parents=True)
    if kind == "directory":
        history.mkdir()
    else:
        os.mkfifo(history)
    running = session(reslab, env, tmp_path)
    running.enter("x = 1")
    _, errors = running.quit()
    warnings = [line for line in errors.splitlines() if line]
    assert len(warnings) == 1 and f"history file {history} unusable: {reason}" in warnings[0], errors
