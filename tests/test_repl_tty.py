"""The `reslab` REPL in a real terminal: tmux runs it in a pseudo-terminal, the test types keys with
`send-keys` and reads the screen with `capture-pane`. Covers what only a terminal shows: Tab
completion, history kept across restarts, and Ctrl-C while typing and while a command runs."""
import os
import re
import shlex
import shutil
import subprocess
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

PROMPT = re.compile(r"In \[(\d+)\]:")
STARTUP_TIMEOUT = 30.0  # the first prompt may wait for the REPL to set itself up
TIMEOUT = 5.0


class Terminal:
    """One tmux server on its own socket, running `reslab` in a 120x40 pane."""

    def __init__(self, tmp_path, reslab, state_home):
        self.reslab = reslab
        self.state_home = state_home
        self.socket = f"reslab-test-{uuid.uuid4().hex[:10]}"
        self.config = tmp_path / "tmux.conf"
        # Keep the pane (and its last screen) after reslab exits, so that exit can be observed.
        self.config.write_text("set -g remain-on-exit on\nset -g history-limit 5000\n")
        self.session = None
        self.runs = 0

    def tmux(self, *args, check=True):
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True, text=True, timeout=10, check=check,
        )

    def start(self, cwd=None, env=None):
        """Starts `reslab` (no arguments) in a fresh session and waits for its first prompt.

        `cwd`: its working directory (the test's own by default); `env`: more environment variables.
        """
        self.runs += 1
        self.session = f"run{self.runs}"
        env = {"XDG_STATE_HOME": str(self.state_home), **(env or {})}
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), str(self.reslab)])
        where = ["-c", str(cwd)] if cwd is not None else []
        self.tmux("new-session", "-d", "-s", self.session, *where, "-x", "120", "-y", "40", command)
        return self.wait_for(lambda s: prompts(s) >= 1, "the first `In [N]:` prompt", STARTUP_TIMEOUT)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-J", "-t", self.session).stdout

    def pane(self, fmt):
        return self.tmux("display-message", "-p", "-t", self.session, fmt).stdout.strip()

    def type(self, text):
        self.tmux("send-keys", "-t", self.session, "-l", text)

    def press(self, *keys):
        self.tmux("send-keys", "-t", self.session, *keys)

    def dead(self):
        return self.pane("#{pane_dead}") == "1"

    def wait_for(self, predicate, what, timeout=TIMEOUT):
        """Polls the screen until `predicate(screen)` holds; fails showing the screen otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if self.dead():
                status = self.pane("#{pane_dead_status}")
                pytest.fail(f"reslab exited (status {status}) while waiting for {what}; the screen:\n"
                            + show(self.screen()))
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; the screen:\n" + show(screen))
            time.sleep(0.05)

    def wait_until(self, condition, what, timeout=TIMEOUT):
        """Polls `condition()` (not the screen) with the same failure report."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; the screen:\n" + show(self.screen()))
            time.sleep(0.05)

    def close(self):
        socket = self.tmux("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
        self.tmux("kill-server", check=False)
        if socket.endswith(self.socket):  # tmux leaves the socket file behind
            try:
                os.unlink(socket)
            except FileNotFoundError:
                pass


def prompts(screen):
    return len(PROMPT.findall(screen))


def last_line(screen):
    lines = screen.rstrip("\n").splitlines()
    return lines[-1] if lines else ""


def show(screen):
    """The screen for a failure message, blank runs squeezed to one line."""
    lines = []
    for line in screen.rstrip().splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip())
    return "\n".join(f"    |{line}" for line in lines or ["<empty screen>"])


def at_empty_prompt(screen):
    """The last line is a prompt with nothing typed after it."""
    match = PROMPT.search(last_line(screen))
    return match is not None and last_line(screen)[match.end():].strip() == ""


@pytest.fixture
def state_home(tmp_path):
    path = tmp_path / "state"
    path.mkdir()
    return path


@pytest.fixture
def terminal(tmp_path, reslab, state_home):
    term = Terminal(tmp_path, reslab, state_home)
    try:
        yield term
    finally:
        term.close()


def test_tab_completes_a_name(terminal):
    terminal.start()
    terminal.type("identity_b")
    terminal.wait_for(lambda s: "identity_b" in last_line(s), "`identity_b` to be typed")
    terminal.press("Tab")
    screen = terminal.wait_for(lambda s: "identity_block" in last_line(s), "Tab to complete `identity_block`")
    assert PROMPT.search(last_line(screen)), show(screen)


def test_history_survives_a_restart(terminal, state_home):
    terminal.start()
    terminal.type("x = 1 + 1")
    terminal.press("Enter")
    terminal.wait_for(lambda s: prompts(s) >= 2 and at_empty_prompt(s), "the next prompt after `x = 1 + 1`")
    terminal.press("C-d")
    terminal.wait_until(terminal.dead, "reslab to exit on Ctrl-D at an empty prompt")
    history = state_home / "reslab" / "history"
    assert history.exists(), f"no history file at {history}"
    assert "x = 1 + 1" in history.read_text(), history.read_text()

    terminal.tmux("kill-session", "-t", terminal.session)
    terminal.start()
    terminal.press("Up")
    screen = terminal.wait_for(lambda s: "x = 1 + 1" in last_line(s), "Up to recall `x = 1 + 1`")
    assert PROMPT.search(last_line(screen)), show(screen)


def test_ctrl_c_while_typing_cancels_the_line(terminal):
    before = prompts(terminal.start())
    terminal.type("this_line_is_cancelled")
    terminal.wait_for(lambda s: "this_line_is_cancelled" in last_line(s), "the text to be typed")
    terminal.press("C-c")
    screen = terminal.wait_for(lambda s: prompts(s) > before and at_empty_prompt(s), "a new empty prompt after Ctrl-C")
    assert not terminal.dead(), "Ctrl-C while typing must not end reslab:\n" + show(screen)
    after = screen[screen.index("this_line_is_cancelled"):]
    assert "error" not in after.lower(), "the cancelled line must not run:\n" + show(screen)


def test_ctrl_c_interrupts_a_running_command(terminal):
    before = prompts(terminal.start())
    prompt_row = int(terminal.pane("#{cursor_y}"))
    terminal.type("%sleep 30")
    terminal.press("Enter")
    # The line is accepted once the cursor leaves the prompt's row: only then is the command running
    # (a Ctrl-C earlier would make the terminal drop the pending Enter).
    terminal.wait_until(lambda: int(terminal.pane("#{cursor_y}")) > prompt_row, "`%sleep 30` to be accepted")
    time.sleep(0.3)
    assert prompts(terminal.screen()) == before, "`%sleep 30` returned at once:\n" + show(terminal.screen())
    terminal.press("C-c")
    started = time.monotonic()
    screen = terminal.wait_for(lambda s: prompts(s) > before and at_empty_prompt(s),
                               "a new prompt within 3 s of Ctrl-C during `%sleep 30`", timeout=3.0)
    assert time.monotonic() - started < 3.0
    output = screen[screen.index("%sleep 30"):]
    assert "interrupted" in output.lower(), "the output should say the command was interrupted:\n" + show(screen)
    assert not terminal.dead()


CONTINUATION = "   ...: "


def test_a_block_is_one_cell_with_pre_indented_lines(terminal, state_home):
    before = prompts(terminal.start())
    terminal.type("def twice(n):")
    terminal.press("Enter")
    screen = terminal.wait_for(lambda s: last_line(s) == CONTINUATION + "    ", "a continuation line indented by 4")
    terminal.type("return 2 * n")
    terminal.press("Enter")
    terminal.wait_for(lambda s: last_line(s) == CONTINUATION + "    ", "the body's indentation kept")
    terminal.press("Enter")  # a blank line ends the block
    terminal.wait_for(lambda s: prompts(s) == before + 1 and at_empty_prompt(s), "the next prompt after the block")
    terminal.type("twice(21)")
    terminal.press("Enter")
    screen = terminal.wait_for(lambda s: "Out[2]: 42" in s, "the function's result as the second cell")
    assert "error" not in screen.lower(), show(screen)
    terminal.press("C-d")
    terminal.wait_until(terminal.dead, "reslab to exit")
    history = (state_home / "reslab" / "history").read_text()
    assert "def twice(n):" in history and "return 2 * n" in history, history


@pytest.mark.parametrize("key", ["C-c", "C-d"])
def test_ctrl_c_or_ctrl_d_on_a_continuation_line_cancels_the_whole_cell(terminal, key):
    before = prompts(terminal.start())
    terminal.type("for i in range(3):")
    terminal.press("Enter")
    terminal.wait_for(lambda s: last_line(s).startswith(CONTINUATION), "a continuation line")
    terminal.type("print('never printed')")
    if key == "C-d":
        terminal.press("Enter")
        terminal.wait_for(lambda s: last_line(s) == CONTINUATION + "    ", "the next continuation line")
    terminal.press(key)
    screen = terminal.wait_for(lambda s: at_empty_prompt(s) and prompts(s) > before, "a new prompt")
    assert PROMPT.search(last_line(screen)).group(1) == "1", "a cancelled cell uses no number:\n" + show(screen)
    assert "never printed\n" not in screen.replace("print('never printed')", ""), show(screen)
    assert not terminal.dead()
