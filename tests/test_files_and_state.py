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


# MARK: - Nothing left behind by a download


@pytest.fixture
def endless_server():
    """An HTTP server on 127.0.0.1 that announces 100 MB and sends it slowly, until the client goes."""
    import http.server
    import threading
    import time

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(10**8))
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"x" * 65536)
                    self.wfile.flush()
                    time.sleep(0.02)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/w.h5"
    server.shutdown()
    server.server_close()


def start_download_and_wait_for_its_partial_file(reslab, url, env, cache):
    import time

    proc = subprocess.Popen(
        [str(reslab), "weights", "download", "--url", url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + TIMEOUT
    while not (cache.exists() and any(".partial-" in p.name for p in cache.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    return proc


@pytest.mark.parametrize("signal_number", [2, 15])  # SIGINT, SIGTERM
def test_a_download_stopped_by_a_signal_leaves_no_partial_file_and_no_url_cache(
    reslab, env, tmp_path, endless_server, signal_number
):
    cache = tmp_path / "cache" / "reslab"
    env = dict(env, XDG_DATA_HOME=str(tmp_path / "data"))
    proc = start_download_and_wait_for_its_partial_file(reslab, endless_server, env, cache)
    proc.send_signal(signal_number)
    proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == -signal_number
    assert not cache.exists() or not [p.name for p in cache.iterdir()]
    assert not (tmp_path / "cache" / "org.swift.foundation.URLCache").exists()
    assert not (tmp_path / "data").exists()  # the URL session's cookie storage makes no folder


def test_the_partial_file_of_a_killed_download_is_removed_by_the_next_one(
    reslab, env, tmp_path, endless_server, http_server
):
    import hashlib
    import http.server
    import threading

    cache = tmp_path / "cache" / "reslab"
    proc = start_download_and_wait_for_its_partial_file(reslab, endless_server, env, cache)
    proc.kill()
    proc.communicate(timeout=TIMEOUT)
    assert [p.name for p in cache.iterdir() if ".partial-" in p.name]

    served, base = http_server
    payload = os.urandom(100_000)
    (served / "w.h5").write_bytes(payload)
    done = run(reslab, "weights", "download", "--url", base + "/w.h5", "--md5", hashlib.md5(payload).hexdigest(), env=env)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in cache.iterdir()] == ["resnet50_weights_tf_dim_ordering_tf_kernels.h5"]
    assert not (tmp_path / "cache" / "org.swift.foundation.URLCache").exists()


# MARK: - State kept, or a word when it cannot be


def test_two_sessions_at_once_keep_both_lessons_progress(reslab, env, tmp_path):
    import json

    progress = tmp_path / "state" / "reslab" / "lessons.json"
    moves = tmp_path / "moves.txt"
    moves.write_text("next\nback\n" * 30 + "next\n")
    for _ in range(5):
        sessions = []
        for number in (1, 2):
            with open(moves) as stdin:
                sessions.append(
                    subprocess.Popen(
                        [str(reslab), "lesson", str(number), "--lang", "en"], env=env, stdin=stdin,
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                    )
                )
        for proc in sessions:
            _, errors = proc.communicate(timeout=TIMEOUT)
            assert proc.returncode == 0, errors
        steps = json.loads(progress.read_text())
        assert steps == {"en/1": 1, "en/2": 1}
        progress.unlink()
    assert not [p.name for p in progress.parent.iterdir() if ".partial-" in p.name]


@pytest.mark.parametrize("blocked", ["file-in-the-way", "read-only"])
def test_progress_that_cannot_be_written_is_said_once(reslab, env, tmp_path, blocked):
    state = tmp_path / "state"
    state.mkdir()
    if blocked == "file-in-the-way":
        (state / "reslab").write_text("not a folder")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder")
        state.chmod(0o500)
    try:
        proc = run(reslab, "lesson", "1", "--lang", "en", env=env, stdin="next\nnext\n")
    finally:
        state.chmod(0o700)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stdout.splitlines() if "cannot remember where this lesson is" in line]
    assert len(warnings) == 1, proc.stdout
    assert str(state / "reslab") in warnings[0]
