"""Output fitted to the terminal, seen in a real one (tmux) at 80 and 140 columns: lesson prose
wraps at word boundaries (between characters in Chinese) within the pane, `%path` and `%compare`
fit 80 columns, and `reslab image` fits its picture to the pane."""
import pathlib
import re
import shlex
import unicodedata

import pytest

from test_repl_tty import Terminal, at_empty_prompt, prompts, show

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLOSING = "，。、：；！？）」』》"
EXITED = "[reslab-exited]"
# Where the lesson starts on the screen: the banner before it is not checked here.
LESSON_START = {"en": "[Lesson 1 · ", "zh": "[第1课 · "}


def display_width(text):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
               for c in text)


class SizedTerminal(Terminal):
    """The helper's terminal, with a pane of any size running `reslab ARGS…`."""

    def run(self, args, columns, rows=40, prompt=True):
        """Starts `reslab ARGS…` in a pane `columns` wide and `rows` high; waits for its prompt if `prompt`."""
        self.runs += 1
        self.session = f"run{self.runs}"
        env = {"XDG_STATE_HOME": str(self.state_home), "XDG_CACHE_HOME": str(self.state_home / "cache")}
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), str(self.reslab), *map(str, args)])
        if not prompt:
            # The shell stays: tmux may drop the last output of a pane whose process has exited.
            command += f"; echo {EXITED}; sleep 60"
        self.tmux("new-session", "-d", "-s", self.session, "-c", str(ROOT), "-x", str(columns), "-y", str(rows),
                  command)
        if prompt:
            self.wait_for(lambda s: prompts(s) >= 1, "the first `In [N]:` prompt", timeout=30.0)

    def history(self, joined):
        """Everything on the pane and above it; `joined`: lines the terminal wrapped are one line again."""
        return self.tmux("capture-pane", "-p", *(["-J"] if joined else []), "-S", "-",
                         "-t", self.session).stdout

    def enter(self, line, shown):
        """Types `line` and waits for `shown` on the screen and an empty prompt under it."""
        self.type(line)
        self.press("Enter")
        return self.wait_for(lambda s: shown in s and at_empty_prompt(s), f"`{shown}` and a prompt after `{line}`")


@pytest.fixture
def terminal(tmp_path, reslab):
    state = tmp_path / "state"
    state.mkdir()
    term = SizedTerminal(tmp_path, reslab, state)
    try:
        yield term
    finally:
        term.close()


def too_wide(lines, columns):
    return [line for line in lines if display_width(line.rstrip()) > columns]


def after(text, marker):
    assert marker in text, text
    return text[text.index(marker):].splitlines()


@pytest.mark.parametrize("columns", [80, 140])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_prose_fits_the_pane_and_breaks_between_words(terminal, lang, columns):
    terminal.run(["lesson", "1", "--lang", lang], columns)
    for step in range(2, 5):
        terminal.enter("next", LESSON_START[lang] + f"{step}/")
    # Lines the terminal had to wrap come back joined: each is one line as printed.
    printed = after(terminal.history(joined=True), LESSON_START[lang])
    assert not too_wide(printed, columns), "lines wider than the pane:\n" + "\n".join(too_wide(printed, columns))
    assert max(map(display_width, printed)) <= min(columns, 100), "prose is kept to 100 columns for reading"
    rows = after(terminal.history(joined=False), LESSON_START[lang])
    lesson = next((ROOT / "Lessons" / lang).glob("01-*.md")).read_text()
    words = set(re.findall(r"[A-Za-z]+", lesson)) | {"In", "Lesson", "type", "run", "it", "next", "for", "the",
                                                     "step", "back", "to", "go"}
    for row in rows:
        # Every English word on the screen is a whole word of the lesson: none was cut at a line end.
        cut = [word for word in re.findall(r"[A-Za-z]+", row) if word not in words]
        assert not cut, f"{cut} in {row!r}:\n" + "\n".join(rows)
        assert not row[:1] or row[0] not in CLOSING, f"a line starts with closing punctuation: {row!r}"
    if columns == 140 and lang == "en":
        assert any(display_width(row) > 90 for row in rows), "on a wide terminal prose uses up to 100 columns"


def test_path_and_compare_fit_80_columns(terminal):
    terminal.run([], 80)
    terminal.enter("x = Input(shape=(55, 55, 256))", "In [2]:")
    terminal.enter("y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')", "In [3]:")
    terminal.enter("%path y", "In [4]:")
    terminal.enter("%compare", "In [5]:")
    printed = after(terminal.history(joined=True), "%path y")
    assert not too_wide(printed, 80), "lines wider than the pane:\n" + "\n".join(too_wide(printed, 80))
    text = "\n".join(line.rstrip() for line in printed)
    assert "│ │ shortcut: 1x1 projection, stride 2\n│ │ res3a_branch1  Conv2D 1x1/2  (None, 28, 28, 512)" in text
    assert "│ res3a_branch2a  Conv2D 1x1/2  (None, 28, 28, 128)" in text
    assert "  res0c_branch2a  Conv2D 1x1/2        (None, 28, 28, 64)   16,448  12,845,056" in text
    assert "         138,368 params, 105,971,712 multiply-adds" in text


def test_path_stays_side_by_side_at_140_columns(terminal):
    terminal.run([], 140)
    terminal.enter("x = Input(shape=(55, 55, 256))", "In [2]:")
    terminal.enter("y = conv_block(x, 3, [128, 128, 512], stage=3, block='a')", "In [3]:")
    terminal.enter("%path y", "In [4]:")
    printed = after(terminal.history(joined=True), "%path y")
    assert not too_wide(printed, 140), "\n".join(too_wide(printed, 140))
    assert any(line.startswith("│ res3a_branch2a ") and line.rstrip().endswith("│ res3a_branch1  Conv2D 1x1/2  (None, 28, 28, 512)")
               for line in printed), show("\n".join(printed))


@pytest.mark.parametrize("columns,rows,picture", [(80, 60, 80), (140, 40, 72), (60, 40, 60)])
def test_image_fits_the_pane(terminal, columns, rows, picture):
    terminal.run(["image", "Lessons/images/chelsea.png"], columns, rows, prompt=False)
    terminal.wait_for(lambda s: EXITED in s, "reslab image to finish")
    screen = terminal.history(joined=True)
    assert "preprocess_input" in screen, show(screen)
    printed = screen[:screen.index(EXITED)].splitlines()
    assert not too_wide(printed, columns), "\n".join(too_wide(printed, columns))
    drawn = [line.rstrip() for line in printed if "▀" in line]
    assert drawn, show(screen)
    assert {len(line) for line in drawn} == {picture}
    assert len(drawn) == picture // 2, "a square picture: half as many rows as columns (each row shows two)"
