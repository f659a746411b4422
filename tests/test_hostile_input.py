"""Input made to break reslab, through a pipe, `reslab run FILE` and a terminal: every pathological cell is one
`error:` line naming reslab's limit and the session goes on (never a crash, never a stack overflow), a script too
large to read is one error line, and 40,000 continuation lines make one cell. No time is asserted: the generous
`timeout=` only turns a hang into a failure."""
import os
import pty
import subprocess
import threading

import pytest

from conftest import run_measured

TIMEOUT = 300
ONE_GB_KB = 1024 * 1024  # ru_maxrss is in kilobytes on Linux

HOSTILE_CELLS = {
    "unary chain": "+" * 100_000 + "1",
    "minus chain": "-" * 100_000 + "1",
    "binary chain": "+".join(["1"] * 100_000),
    "attribute chain": "x" + ".shape" * 100_000,
    "subscript chain": "x" + "[0]" * 100_000,
    "call chain": "x" + "()" * 100_000,
    "time inside time": "%time " * 20_000 + "1",
    "nested blocks": "\n".join(" " * i + "if 1:" for i in range(100)) + "\n" + " " * 100 + "pass\n",
    "a cell over the limit": "x = (" + "1," * 600_000 + ")",
    "bracket nesting": "(" * 100_000 + "1" + ")" * 100_000,
    "list nested in a loop": "for i in range(100_000):\n    x = [x]\n",
}


def environment(tmp_path):
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))


def pipe(reslab, tmp_path, data, *args):
    return subprocess.run(
        [str(reslab), *args], input=data, capture_output=True, timeout=TIMEOUT, env=environment(tmp_path),
        cwd=tmp_path)


def error_lines(text):
    return [line for line in text.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize("name", HOSTILE_CELLS)
def test_a_hostile_cell_is_one_error_line_and_the_session_goes_on(reslab, tmp_path, name):
    script = "x = 1\n" + HOSTILE_CELLS[name] + "\nprint('still here')\n"
    proc = pipe(reslab, tmp_path, script.encode())
    out = proc.stdout.decode()
    assert proc.returncode == 1, f"{name}: status {proc.returncode}\n{out[-2000:]}{proc.stderr.decode()[-2000:]}"
    assert len(error_lines(out)) == 1, out[-2000:]
    assert "limit" in error_lines(out)[0] or "deep" in error_lines(out)[0], error_lines(out)[0]
    assert out.rstrip().endswith("still here")


def test_run_file_names_the_line_of_each_hostile_cell(reslab, tmp_path):
    cells = [HOSTILE_CELLS["binary chain"], HOSTILE_CELLS["attribute chain"], HOSTILE_CELLS["time inside time"]]
    path = tmp_path / "hostile.py"
    path.write_text("x = 1\n" + "\n".join(cells) + "\nprint('still here')\n")
    proc = subprocess.run(
        [str(reslab), "run", str(path)], capture_output=True, timeout=TIMEOUT, env=environment(tmp_path),
        cwd=tmp_path)
    errors = [line for line in proc.stderr.decode().splitlines() if ": error: " in line]
    assert proc.returncode == 1
    assert [line.split(":")[1] for line in errors] == ["2", "3", "4"], errors
    assert proc.stdout.decode().strip() == "still here"


def test_forty_thousand_continuation_lines_through_a_pipe_make_one_cell(reslab, tmp_path):
    script = "x = (\n" + "1,\n" * 40_000 + ")\nprint(len(x))\ny = 1 \\\n" + "+ 1 \\\n" * 150 + "+ 1\nprint(y)\n"
    proc = pipe(reslab, tmp_path, script.encode())
    assert proc.returncode == 0, proc.stdout.decode()[-2000:] + proc.stderr.decode()[-2000:]
    assert proc.stdout.decode().split() == ["40000", "152"]


def test_a_script_larger_than_the_limit_is_one_error_line(reslab, tmp_path):
    proc = pipe(reslab, tmp_path, b"1,\n" * 4_000_000)
    assert proc.returncode == 1
    assert proc.stdout.decode() == ""
    assert proc.stderr.decode().count("error: ") == 1 and "10000000" in proc.stderr.decode()


def test_run_dev_zero_ends_with_one_error_line(reslab, tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("needs /dev/zero")
    status, _, stderr, peak = run_measured([reslab, "run", "/dev/zero"], env=environment(tmp_path), timeout=TIMEOUT)
    assert status == 1
    assert stderr.count("error: ") == 1, stderr
    assert peak < ONE_GB_KB


def test_one_huge_line_stays_under_a_gigabyte(reslab, tmp_path):
    status, stdout, _, peak = run_measured(
        [reslab], stdin=b"x = (" + b"1," * 4_900_000 + b")\nprint('still here')\n", cwd=tmp_path,
        env=environment(tmp_path), timeout=TIMEOUT)
    assert status == 1
    assert len(error_lines(stdout)) == 1
    assert peak < ONE_GB_KB


def test_forty_thousand_continuation_lines_typed_at_a_terminal_make_one_cell(reslab, tmp_path):
    master, slave = pty.openpty()
    env = dict(environment(tmp_path), TERM="dumb")
    proc = subprocess.Popen([str(reslab)], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp_path)
    os.close(slave)
    output = bytearray()

    def read():
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            output.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    data = ("x = (\n" + "1,\n" * 40_000 + ")\nprint(len(x) * 2)\nexit()\n").encode()
    for start in range(0, len(data), 1024):
        os.write(master, data[start:start + 1024])
    try:
        proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 0
    assert b"80000" in output, bytes(output[-1000:])
