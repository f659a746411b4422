"""The tutorial's whole code, as a learner runs it: `reslab run FILE`, pasted at the prompt, piped in.

The code is tests/fixtures/tutorial.py: the code of Lessons/tutorial-zh.txt, from its comment banner
to `print('Predicted:', decode_predictions(preds))`, with the indentation its web page lost put back.
It runs the tutorial's way, in a folder holding tf-keras-written seeded weights under the tutorial's
file name (`resnet50_weights_tf_dim_ordering_tf_kernels.h5`, seed reslab_oracle.FIXTURE_SEEDS) and
a sample image saved as `elephant.jpg` (Lessons/images/rocket.jpg, byte for byte). Keras's own
predictions for that image and those weights (python/reslab_oracle/reference.py) are the oracle:

* the fixture is valid Python, holds exactly the page's statements, and run under tf-keras itself
  (python/reslab_oracle/run_tutorial.py: the `keras` imports are tf_keras's) prints the oracle's
  top-5, so it is the tutorial's network independently of reslab;
* `reslab run`, a bracketed paste at the prompt in tmux, and a pipe into the prompt each print the
  model summary's totals, `Input image shape: (1, 224, 224, 3)` and a `Predicted:` line whose top-5 is
  Keras's, probabilities within 1e-4;
* the page's own code, every line at column 0 and the two prose lines between the `ResNet50` function
  and `if __name__ == '__main__':` included, run with `reslab run`: the same output, and one line
  saying the indentation was restored.

Run: `swift build` then `python -m pytest tests/test_tutorial_code.py` (or set RESLAB_BIN).
"""
import ast
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import pytest
from test_repl_tty import Terminal, at_empty_prompt, show

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

import reslab_oracle  # noqa: E402  (light: TensorFlow is imported by the fixtures, not at collection)

FIXTURE = ROOT / "tests" / "fixtures" / "tutorial.py"
PAGE = ROOT / "Lessons" / "tutorial-zh.txt"
WEIGHTS_NAME = "resnet50_weights_tf_dim_ordering_tf_kernels.h5"  # the name the tutorial loads
IMAGE_NAME = "elephant.jpg"  # the name the tutorial predicts
SAMPLE_IMAGE = "rocket.jpg"  # a JPEG among Lessons/images, the seeds' top-5 well apart on it
TOLERANCE = 1e-4  # max abs difference of a printed probability, reslab vs Keras
RUN_TIMEOUT = 900  # seconds for one run of the whole tutorial
NOTE = (
    "restored the indentation the page lost: 3 function bodies and 1 if-block; "
    "skipped 2 lines that are not Python"
)
TOTALS = ("Total params: 25,636,712", "Trainable params: 25,583,592", "Non-trainable params: 53,120")
INPUT_SHAPE = "Input image shape: (1, 224, 224, 3)"
PRINTED_PREDICTION = re.compile(r"Predicted: \[\[\(")
IDLE_SECONDS = 30  # at the prompt this long with nothing new on the screen: the pasted code has run


def page_section():
    """The code section of the tutorial's page as it shows it, every line at column 0: the comment banner
    before `from __future__ import print_function` to `print('Predicted:', ...)`, prose lines included."""
    lines = PAGE.read_text(encoding="utf-8").splitlines()
    start = lines.index("from __future__ import print_function")
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    end = next(i for i, line in enumerate(lines) if line.startswith("print('Predicted:'"))
    return "\n".join(lines[start:end + 1]) + "\n"


def is_prose(line):
    """A line of the page's text among its code: non-ASCII outside a comment (`图片预测`)."""
    return not line.lstrip().startswith("#") and any(ord(c) > 127 for c in line)


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    """The seeded weights and Keras's predictions for them on `elephant.jpg` (computed once)."""
    from reslab_oracle import reference

    directory = tmp_path_factory.mktemp("tutorial-oracle")
    image = directory / IMAGE_NAME
    shutil.copyfile(ROOT / "Lessons" / "images" / SAMPLE_IMAGE, image)
    seed = reslab_oracle.FIXTURE_SEEDS["tutorial"]
    case = reference.seeded_case("tutorial", seed, str(directory), (str(image),))
    (result,) = case["results"]
    return {"weights": case["weights"], "image": image, "predicted": result["predicted"]}


@pytest.fixture
def folder(tmp_path, oracle):
    """A fresh folder laid out as the tutorial expects: the weights under its file name, `elephant.jpg`."""
    for source, name in ((oracle["weights"], WEIGHTS_NAME), (oracle["image"], IMAGE_NAME)):
        try:
            os.link(source, tmp_path / name)
        except OSError:
            shutil.copyfile(source, tmp_path / name)
    return tmp_path


def reslab_env(folder):
    return {"XDG_CACHE_HOME": str(folder / "cache"), "XDG_STATE_HOME": str(folder / "state")}


def run_reslab(reslab, folder, args, stdin=None):
    return subprocess.run(
        [str(reslab), *args], cwd=folder, input=stdin, capture_output=True, text=True, timeout=RUN_TIMEOUT,
        env=dict(os.environ, **reslab_env(folder)),
    )


def describe(proc):
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.lstrip().startswith("error")]
    return (
        f"exit status {proc.returncode}\n--- the first errors ---\n" + "\n".join(errors[:8])
        + f"\n--- stderr ---\n{proc.stderr[-3000:]}\n--- stdout ---\n{proc.stdout[-3000:]}"
    )


def assert_prints_what_keras_prints(output, oracle, how, totals=TOTALS):
    """The summary's totals, the input's shape, and one `Predicted:` line with Keras's top-5."""
    from reslab_oracle import reference

    for line in (*totals, INPUT_SHAPE):
        assert line in output, f"{how}: no `{line}` in the output:\n{output[-4000:]}"
    groups = reference.parse_predicted(output)
    assert len(groups) == 1, f"{how}: expected one printed `Predicted:` list, found {len(groups)}:\n{output[-4000:]}"
    (got,) = groups
    want = oracle["predicted"]
    assert [(w, l) for w, l, _ in got] == [(w, l) for w, l, _ in want], f"{how}:\n  printed: {got}\n  keras:   {want}"
    for (_, label, p), (_, _, q) in zip(got, want):
        assert abs(p - float(q)) <= TOLERANCE, f"{how}: {label} printed {p}, keras {float(q)} (tolerance {TOLERANCE})"


def finished_running():
    """A screen predicate: the tutorial's prediction is printed and the prompt waits for the next cell, or
    the prompt has waited for IDLE_SECONDS with the screen unchanged (it ran without printing one)."""
    seen = {"screen": None, "since": time.monotonic()}

    def finished(screen):
        now = time.monotonic()
        if screen != seen["screen"]:
            seen.update(screen=screen, since=now)
        return at_empty_prompt(screen) and (PRINTED_PREDICTION.search(screen) or now - seen["since"] > IDLE_SECONDS)

    return finished


# ---------------------------------------------------------------- the fixture itself (Python only)
def test_fixture_is_valid_python():
    ast.parse(FIXTURE.read_text(encoding="utf-8"), filename=str(FIXTURE))


def test_fixture_holds_exactly_the_pages_statements():
    page = [line for line in page_section().splitlines() if line.strip() and not is_prose(line)]
    fixture = FIXTURE.read_text(encoding="utf-8").splitlines()
    statements = [line.strip() for line in fixture if line.strip() and not line.lstrip().startswith("#")]
    assert statements == [line for line in page if not line.startswith("#")]
    assert all(line in fixture for line in page if line.startswith("#")), "the page's comment banner is kept"
    assert len([line for line in page_section().splitlines() if is_prose(line)]) == 2, "the page's 2 prose lines"


def test_fixture_under_tf_keras_prints_the_oracles_prediction(folder, oracle):
    shutil.copyfile(FIXTURE, folder / "tutorial.py")
    proc = subprocess.run(
        [sys.executable, "-m", "reslab_oracle.run_tutorial", "tutorial.py"], cwd=folder, capture_output=True,
        text=True, timeout=RUN_TIMEOUT, env=dict(os.environ, PYTHONPATH=str(ROOT / "python")),
    )
    assert proc.returncode == 0, describe(proc)
    # Keras writes the totals without thousands separators: `Total params: 25636712 (97.80 MB)`.
    keras_totals = tuple(line.replace(",", "") for line in TOTALS)
    assert_prints_what_keras_prints(proc.stdout, oracle, "tf-keras running the fixture", totals=keras_totals)


# ---------------------------------------------------------------- reslab
def test_reslab_run_prints_what_keras_prints(reslab, folder, oracle):
    shutil.copyfile(FIXTURE, folder / "tutorial.py")
    proc = run_reslab(reslab, folder, ["run", "tutorial.py"])
    assert proc.returncode == 0, describe(proc)
    assert_prints_what_keras_prints(proc.stdout, oracle, "reslab run tutorial.py")
    assert "restored the indentation" not in proc.stdout + proc.stderr, "indented code is never rewritten"


def test_piped_into_the_prompt_prints_the_same(reslab, folder, oracle):
    proc = run_reslab(reslab, folder, [], stdin=FIXTURE.read_text(encoding="utf-8"))
    assert proc.returncode == 0, describe(proc)
    assert_prints_what_keras_prints(proc.stdout, oracle, "the tutorial piped into reslab")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_pasted_at_the_prompt_prints_the_same(reslab, folder, oracle):
    state_home = folder / "state"
    state_home.mkdir()
    terminal = Terminal(folder, reslab, state_home)
    try:
        terminal.start(cwd=folder, env=reslab_env(folder))
        # A bracketed paste, as a terminal sends a paste to a program that asked for it; then Enter.
        terminal.tmux("load-buffer", "-b", "tutorial", str(FIXTURE))
        terminal.tmux("paste-buffer", "-p", "-d", "-b", "tutorial", "-t", terminal.session)
        terminal.wait_for(lambda s: "decode_predictions(preds))" in s, "the pasted code on the screen")
        terminal.press("Enter")
        terminal.wait_for(finished_running(), "a printed `Predicted: [[(...` line and the next prompt",
                          timeout=RUN_TIMEOUT)
        history = terminal.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", terminal.session).stdout
        assert "error" not in history.lower(), "the paste ran with errors:\n" + show(history)
        assert_prints_what_keras_prints(history, oracle, "the tutorial pasted at the prompt")
    finally:
        terminal.close()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_typed_line_by_line_at_the_prompt_prints_the_same(reslab, folder, oracle):
    """Each line of the fixture typed with its own indentation after the prompt's pre-indentation, then
    Enter; a blank line ends each block, as in IPython."""
    state_home = folder / "state"
    state_home.mkdir()
    terminal = Terminal(folder, reslab, state_home)
    try:
        terminal.start(cwd=folder, env=reslab_env(folder))
        for line in FIXTURE.read_text(encoding="utf-8").splitlines():
            if line.strip():
                terminal.type(line)
            terminal.press("Enter")
        terminal.press("Enter")  # the blank line that ends the last block
        terminal.wait_for(finished_running(), "a printed `Predicted: [[(...` line and the next prompt",
                          timeout=RUN_TIMEOUT)
        history = terminal.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", terminal.session).stdout
        assert "error" not in history.lower(), "the typed code ran with errors:\n" + show(history)
        assert_prints_what_keras_prints(history, oracle, "the tutorial typed at the prompt")
    finally:
        terminal.close()


def test_the_pages_own_code_runs_with_a_note(reslab, folder, oracle):
    (folder / "tutorial_page.py").write_text(page_section(), encoding="utf-8")
    proc = run_reslab(reslab, folder, ["run", "tutorial_page.py"])
    assert proc.returncode == 0, describe(proc)
    assert_prints_what_keras_prints(proc.stdout, oracle, "reslab run on the page's unindented code")
    notes = [line for line in (proc.stdout + proc.stderr).splitlines() if "restored the indentation" in line]
    assert len(notes) == 1 and NOTE in notes[0], f"expected one line saying `{NOTE}`, got {notes}:\n{describe(proc)}"


def test_load_weights_finds_the_tutorials_file_in_the_cache(reslab, folder, oracle):
    """`model.load_weights("resnet50_weights_tf_dim_ordering_tf_kernels.h5")` with the file not in the
    working folder but in reslab's cache (where `reslab weights download` puts it): the cached copy is
    used, one line says so, and the prediction is the same."""
    cache = folder / "cache" / "reslab"
    cache.mkdir(parents=True)
    os.replace(folder / WEIGHTS_NAME, cache / WEIGHTS_NAME)
    shutil.copyfile(FIXTURE, folder / "tutorial.py")
    proc = run_reslab(reslab, folder, ["run", "tutorial.py"])
    assert proc.returncode == 0, describe(proc)
    notes = [line for line in proc.stdout.splitlines() if "using the verified copy in reslab's cache" in line]
    assert len(notes) == 1, describe(proc)
    assert_prints_what_keras_prints(proc.stdout, oracle, "reslab run with the weights in the cache")


def test_load_weights_without_the_file_anywhere_says_how_to_get_it(reslab, folder):
    (folder / WEIGHTS_NAME).unlink()
    shutil.copyfile(FIXTURE, folder / "tutorial.py")
    proc = run_reslab(reslab, folder, ["run", "tutorial.py"])
    assert proc.returncode == 1, "predict without weights fails"
    assert "reslab weights download" in proc.stdout and "%random_weights model" in proc.stdout, describe(proc)
    errors = proc.stderr.strip().splitlines()
    assert errors and all(re.match(r"tutorial\.py:\d+: error: ", line) for line in errors), proc.stderr
    assert any("has no weights yet" in line for line in errors), proc.stderr


def test_reslab_run_reports_file_and_line_and_goes_on(reslab, tmp_path):
    script = tmp_path / "mistake.py"
    script.write_text(
        "def block(x):\n"
        "    y = x + 1\n"
        "    return undefined_name\n"
        "\n"
        "block(1)\n"
        "print('still here')\n"
    )
    proc = subprocess.run([str(reslab), "run", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"{script}:5: error: in block, line 3: name 'undefined_name' is not defined"
    assert proc.stdout.strip() == "still here"
