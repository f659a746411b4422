"""Only regular files are opened, nothing is lost, nothing is left behind: a FIFO or a directory given
as an image, a weight file or a script is one error line at once (never a hang); `save` does not
replace a device behind a symbolic link; an interrupted download leaves no partial file and no URL
cache; lesson progress and history survive two sessions at once and say so when they cannot be
written."""
import os
import pathlib
import subprocess

import pytest

# A hang fails the test instead of stopping the suite; nothing here takes more than seconds.
TIMEOUT = 60


def run(reslab, *args, env=None, stdin=None):
    return subprocess.run(
        [str(reslab), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT, env=env, input=stdin
    )


def assert_one_line_error(proc, *fragments):
    assert proc.returncode == 1, proc
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.jpg"
    os.mkfifo(path)
    return path


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))


# MARK: - Only regular files


def test_a_fifo_as_an_image_is_one_error_line_not_a_hang(reslab, fifo, env):
    assert_one_line_error(run(reslab, "image", fifo, env=env), "named pipe", str(fifo))


def test_a_fifo_as_weights_is_one_error_line_not_a_hang(reslab, fifo, env):
    assert_one_line_error(run(reslab, "weights", "verify", fifo, env=env), "named pipe", str(fifo))


def test_a_fifo_as_a_script_is_one_error_line_not_a_hang(reslab, fifo, env):
    assert_one_line_error(run(reslab, "run", fifo, env=env), "named pipe", str(fifo))


def test_a_directory_as_a_script_is_an_error(reslab, tmp_path, env):
    assert_one_line_error(run(reslab, "run", tmp_path, env=env), "directory")


def test_a_script_keeps_nul_bytes_as_the_pipe_does(reslab, tmp_path, env):
    script = tmp_path / "nul.py"
    script.write_bytes(b'print(1)\nprint("a\0b")\nprint(2)\n')
    from_file = run(reslab, "run", script, env=env)
    piped = subprocess.run([str(reslab)], input=script.read_bytes(), capture_output=True, timeout=TIMEOUT, env=env)
    assert from_file.returncode == piped.returncode == 0, from_file.stderr
    assert from_file.stdout.encode() == piped.stdout
    assert from_file.stdout.splitlines() == ["1", "a\0b", "2"]


def test_save_onto_a_link_to_a_device_refuses_and_keeps_the_link(reslab, tmp_path, env):
    link = tmp_path / "nb.md"
    link.symlink_to("/dev/null")
    proc = subprocess.run(
        [str(reslab)], input="x = 1\nsave nb.md\n", capture_output=True, text=True, timeout=TIMEOUT, env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "not a regular file" in proc.stdout
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert not [p.name for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_save_through_a_link_to_a_notebook_replaces_the_notebook(reslab, tmp_path, env):
    (tmp_path / "real.md").write_text("old")
    (tmp_path / "nb.md").symlink_to("real.md")
    proc = subprocess.run(
        [str(reslab)], input="x = 1\nsave nb.md\n", capture_output=True, text=True, timeout=TIMEOUT, env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout
    assert (tmp_path / "nb.md").is_symlink()
    assert "x = 1" in (tmp_path / "real.md").read_text()
