"""Every lesson, in both languages, runs whole with every cell checked (as in CI: no trained
weights, so lesson 6 runs on seeded random weights and says so), and a lesson can be stepped
through at the prompt."""
import os
import pathlib
import subprocess

import pytest

# Every lesson the repository ships, by the number its file name starts with.
LESSONS = sorted(int(p.name.split("-")[0]) for p in (pathlib.Path(__file__).resolve().parent.parent / "Lessons" / "en").glob("*.md"))


def run(reslab, args, tmp_path, stdin=""):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    return subprocess.run(
        [str(reslab), *args], input=stdin, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("number", LESSONS)
def test_lesson_runs_with_every_cell_as_expected(reslab, tmp_path, number, lang):
    proc = run(reslab, ["lesson", str(number), "--lang", lang, "--non-interactive"], tmp_path)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr
    progress = f"[第{number}课 · " if lang == "zh" else f"[Lesson {number} · "
    assert progress in proc.stdout
    assert "FAILED" not in proc.stdout


def test_prediction_lesson_says_the_weights_are_random_without_the_file(reslab, tmp_path):
    proc = run(reslab, ["lesson", "6", "--lang", "en", "--non-interactive"], tmp_path)
    assert proc.returncode == 0
    assert "RANDOM" in proc.stdout


def test_stepping_through_a_lesson_at_the_prompt_is_remembered(reslab, tmp_path):
    first = run(reslab, ["lesson", "2", "--lang", "zh"], tmp_path, stdin="run\nnext\nrun\nz = 1\nnext\n")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "[第2课 · 1/" in first.stdout and "[第2课 · 3/" in first.stdout
    again = run(reslab, ["lesson", "2", "--lang", "zh"], tmp_path, stdin="")
    assert "[第2课 · 3/" in again.stdout, "the lesson opens where it was left"


def test_unknown_lesson_is_a_one_line_error(reslab, tmp_path):
    proc = run(reslab, ["lesson", "42", "--non-interactive"], tmp_path)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1 and "42" in proc.stderr


def test_a_saved_lesson_session_is_a_valid_notebook_with_the_prose(reslab, tmp_path):
    import nbformat

    proc = run(reslab, ["lesson", "2", "--lang", "zh"], tmp_path, stdin="run\nnext\nrun\nsave s.ipynb\nsave s.md\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notebook = nbformat.read(str(tmp_path / "s.ipynb"), as_version=4)
    nbformat.validate(notebook)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds.count("markdown") == 2 and kinds.count("code") == 2, kinds
    for name in ("s.ipynb", "s.md"):
        assert "\x1b" not in (tmp_path / name).read_text() and "\\u001b" not in (tmp_path / name).read_text()
    assert "[第2课 · 1/" in (tmp_path / "s.md").read_text()
