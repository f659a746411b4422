"""Every lesson stepped as a learner steps it, in a real terminal (tmux) 80 and 140 columns wide, in
both languages, offline: `run` then `next` through every step. No step fails or prints other than
the lesson expects, and nothing reslab prints is wider than the pane (Keras's own lines aside: the
summary table, 98 columns, and the `Predicted:` list, one line as Python prints it). Then `goto`, `back` and a lesson reopened in a new process:
the steps before are replayed, so that `run` finds their variables."""
import re
import subprocess

import pytest

from test_layout_tty import ROOT, display_width, terminal  # noqa: F401 (terminal: the pane fixture)
from test_repl_tty import at_empty_prompt, show

LESSONS = sorted(int(path.name[:2]) for path in (ROOT / "Lessons" / "en").glob("[0-9][0-9]-*.md"))
PROGRESS = {"en": r"\[Lesson {n} · (\d+)/(\d+)\]", "zh": r"\[第{n}课 · (\d+)/(\d+)\]"}
FAILED = ["this cell failed", "the lesson expects", "这一格出错了", "课程期望的输出"]
STEP_TIMEOUT = 90.0  # a step may build two ResNet50s and compare them (%check ResNet50)


@pytest.fixture(scope="module")
def keras_tables(reslab):
    """The lines of Keras's summary tables, numbers left out (a lesson's layer numbers differ)."""
    lines = set()
    for variant in ["tutorial", "keras-applications"]:
        text = subprocess.run([str(reslab), "summary", "--variant", variant], capture_output=True, text=True,
                              timeout=120, check=True).stdout
        lines |= {shape(line) for line in text.splitlines()}
    return lines


def shape(line):
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip()))


def prompt_number(screen):
    numbers = re.findall(r"In \[(\d+)\]:", screen)
    return int(numbers[-1]) if numbers else 0


def step_of(screen, n, lang):
    found = re.findall(PROGRESS[lang].format(n=n), screen)
    assert found, show(screen)
    return tuple(map(int, found[-1]))


def run_step(terminal, number):
    """`run`, then waits for the prompt of the next cell."""
    terminal.type("run")
    terminal.press("Enter")
    return terminal.wait_for(lambda s: prompt_number(s) == number + 1 and at_empty_prompt(s),
                             f"In [{number + 1}] after `run`", STEP_TIMEOUT)


def move(terminal, command, n, lang, step):
    """`next`, `back` or `goto N`, then waits for step `step` of lesson `n`."""
    terminal.type(command)
    terminal.press("Enter")
    marker = re.compile(PROGRESS[lang].format(n=n).replace(r"(\d+)/", f"{step}/", 1))
    return terminal.wait_for(lambda s: marker.search(s) is not None and at_empty_prompt(s),
                             f"step {step} after `{command}`", STEP_TIMEOUT)


@pytest.mark.parametrize("columns", [80, 140])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n", LESSONS)
def test_every_step_works_and_fits_the_pane(terminal, keras_tables, n, lang, columns):
    terminal.run(["lesson", str(n), "--lang", lang], columns, rows=50)
    step, total = step_of(terminal.screen(), n, lang)
    assert step == 1
    while True:
        run_step(terminal, prompt_number(terminal.screen()))
        if step == total:
            break
        step += 1
        move(terminal, "next", n, lang, step)
    # After the last step, `next` offers the next lesson (or, after the last, the list).
    end = "That is the end of this lesson" if lang == "en" else "这一课结束了"
    terminal.type("next")
    terminal.press("Enter")
    terminal.wait_for(lambda s: end in s and at_empty_prompt(s), "the end of the lesson", STEP_TIMEOUT)
    text = terminal.history(joined=True)
    failures = [line for line in text.splitlines() if any(marker in line for marker in FAILED)]
    assert not failures, "\n".join(failures) + "\n" + text[-3000:]
    assert (f"%lesson {n + 1}" if n < LESSONS[-1] else "%lessons") in text.split(end)[-1], text[-1000:]
    # Keras's own lines stay as Keras prints them: its summary table and the tutorial's `Predicted:` list.
    too_wide = [line for line in text.splitlines()
                if display_width(line.rstrip()) > columns and shape(line) not in keras_tables
                and not line.startswith("Predicted: [[")]
    assert not too_wide, "lines wider than the pane:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_goto_back_and_reopening_replay_the_steps_before(terminal, lang):
    # Lesson 3 builds on its own steps: `run` at step 6 needs the tensors of steps 1–5.
    terminal.run(["lesson", "3", "--lang", lang], 80, rows=50)
    screen = move(terminal, "goto 6", 3, lang, 6)
    assert ("(replayed steps 1–5)" if lang == "en" else "（已重新运行第 1–5 步）") in screen, show(screen)
    run_step(terminal, prompt_number(terminal.screen()))
    move(terminal, "back", 3, lang, 5)
    run_step(terminal, prompt_number(terminal.screen()))
    move(terminal, "next", 3, lang, 6)
    terminal.type("exit()")
    terminal.press("Enter")
    terminal.wait_until(terminal.dead, "reslab to exit")
    # A new process: the lesson opens where it was left, after replaying the steps before it.
    terminal.run(["lesson", "3", "--lang", lang], 80, rows=50)
    screen = terminal.screen()
    assert step_of(screen, 3, lang)[0] == 6, show(screen)
    assert ("(replayed steps 1–5)" if lang == "en" else "（已重新运行第 1–5 步）") in screen, show(screen)
    screen = run_step(terminal, prompt_number(screen))
    text = terminal.history(joined=True)
    assert not any(marker in text for marker in FAILED), text[-3000:]
