"""The prompt's language through a pipe (no terminal): the tutorial's lines, teaching errors,
robustness against garbage, and `save NAME.ipynb` checked with Jupyter's own nbformat."""
import os
import random
import subprocess

import nbformat
import pytest


def session(reslab, script, tmp_path, timeout=120, stdin_bytes=None):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    data = stdin_bytes if stdin_bytes is not None else script.encode()
    return subprocess.run([str(reslab)], input=data, capture_output=True, timeout=timeout, env=env, cwd=tmp_path)


IDENTITY_BLOCK = """\
from keras import layers
input_tensor = Input(shape=(55, 55, 256))
filters1, filters2, filters3 = [64, 64, 256]
conv_name_base = 'res' + str(2) + 'b' + '_branch'
bn_name_base = 'bn' + str(2) + 'b' + '_branch'
x = Conv2D(filters1, (1, 1), name=conv_name_base + '2a')(input_tensor)
x = BatchNormalization(name=bn_name_base + '2a')(x)
x = Activation('relu')(x)
x = Conv2D(filters2, 3, padding='same', name=conv_name_base + '2b')(x)
x = BatchNormalization(name=bn_name_base + '2b')(x)
x = Activation('relu')(x)
x = Conv2D(filters3, (1, 1), name=conv_name_base + '2c')(x)
x = BatchNormalization(name=bn_name_base + '2c')(x)
x = layers.add([x, input_tensor])
x = Activation('relu')(x)
"""


def test_identity_block_line_by_line_ends_at_55x55x256(reslab, tmp_path):
    proc = session(reslab, IDENTITY_BLOCK, tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out + proc.stderr.decode()
    assert "\x1b" not in out and "In [" not in out, "no prompts or escape codes through a pipe"
    lines = out.strip().splitlines()
    assert lines[-1].endswith("(Activation) (None, 55, 55, 256)>"), lines[-1]
    assert "x = <tensor res2b_branch2b (Conv2D) (None, 55, 55, 64)>" in lines


def test_conv_block_of_stage_3(reslab, tmp_path):
    proc = session(reslab, "x = Input(shape=(55, 55, 256))\nconv_block(x, 3, [128, 128, 512], stage=3, block='a')\n", tmp_path)
    assert proc.stdout.decode().strip().endswith("(None, 28, 28, 512)>")


def test_mismatched_identity_block_teaches_and_fails_the_script(reslab, tmp_path):
    proc = session(reslab, "x = Input(shape=(55, 55, 64))\nidentity_block(x, 3, [64, 64, 256], stage=2, block='b')\nx.shape\n", tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 1
    assert "conv_block" in out and "(None, 55, 55, 64)" in out and "(None, 55, 55, 256)" in out
    assert out.strip().endswith("(None, 55, 55, 64)"), "the session goes on after an error"


def test_whole_model_summary_totals(reslab, tmp_path):
    out = session(reslab, "model = ResNet50()\nmodel.summary()\n", tmp_path).stdout.decode()
    assert "Total params: 25,636,712" in out and "Trainable params: 25,583,592" in out and "Non-trainable params: 53,120" in out


def test_multi_line_call_continues_until_the_bracket_closes(reslab, tmp_path):
    out = session(reslab, "x = Input(shape=(8, 8, 3))\ny = Conv2D(16, (3, 3),\n    padding='same')(x)\n", tmp_path).stdout.decode()
    assert "(None, 8, 8, 16)" in out


def test_predict_without_weights_says_how_to_get_them(reslab, tmp_path):
    script = (
        "model = ResNet50()\n"
        "img = image.load_img('%s', target_size=(224, 224))\n"
        "x = preprocess_input(np.expand_dims(image.img_to_array(img), axis=0))\n"
        "preds = model.predict(x)\n"
    ) % (os.path.abspath(os.path.join(os.path.dirname(__file__), "../Lessons/images/chelsea.png")))
    out = session(reslab, script, tmp_path).stdout.decode()
    assert "reslab weights download" in out and "%random_weights" in out


def test_random_weights_are_said_in_every_prediction(reslab, tmp_path, sample_images):
    script = (
        "model = ResNet50()\n%random_weights model 7\n"
        f"img = image.load_img('{sample_images['chelsea.png']}', target_size=(224, 224))\n"
        "x = preprocess_input(np.expand_dims(image.img_to_array(img), axis=0))\n"
        "preds = model.predict(x)\nprint('Predicted:', decode_predictions(preds, top=3))\n"
        "decode_predictions(preds, top=3)\n"
        f"%classify {sample_images['rocket.jpg']} --random\n"
    )
    proc = session(reslab, script, tmp_path, timeout=300)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert out.count("RANDOM") >= 4, out
    assert "Predicted: [[('n" in out


def test_saved_notebook_is_valid_nbformat_4(reslab, tmp_path):
    proc = session(reslab, IDENTITY_BLOCK + "x.shape\nnot_defined\nsave session.ipynb\nsave session.md\n", tmp_path)
    notebook = nbformat.read(str(tmp_path / "session.ipynb"), as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) == IDENTITY_BLOCK.count("\n") + 2
    assert code[-1].outputs[0].output_type == "error"
    assert code[-2].outputs[0].output_type == "execute_result"
    assert code[-2].outputs[0].data["text/plain"].strip() == "(None, 55, 55, 256)"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert "```python" in (tmp_path / "session.md").read_text()


def test_run_file_is_the_same_language(reslab, tmp_path):
    script = tmp_path / "block.py"
    script.write_text(IDENTITY_BLOCK)
    proc = subprocess.run([str(reslab), "run", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("(None, 55, 55, 256)>")


def garbage_lines(seed):
    rng = random.Random(seed)
    base = IDENTITY_BLOCK.splitlines()
    lines = []
    for _ in range(300):
        line = list(rng.choice(base))
        for _ in range(rng.randint(1, 5)):
            pos = rng.randint(0, len(line))
            line.insert(pos, rng.choice("()[]{},.=+-*/%'\"#\\:;@!x0123456789 "))
        lines.append("".join(line))
    lines += ["(" * 5000 + ")" * 5000, "9" * 5000, "[" * 100, "x" * 1_000_000, "%compare 99999 1 1", "%sleep nope"]
    return lines


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_garbage_never_crashes_the_prompt(reslab, tmp_path, seed):
    lines = garbage_lines(seed)
    data = "\n".join(lines).encode() + b"\n\xff\xfe\xc3(invalid utf-8)\n" + b"print('still here')\n"
    proc = session(reslab, None, tmp_path, timeout=300, stdin_bytes=data)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode in (0, 1), err[-2000:]
    assert "Fatal error" not in err and "Backtrac" not in err
    assert proc.stdout.decode(errors="replace").rstrip().endswith("still here")
