"""The learner's language: with `--lang zh` (or a Chinese LANG) every error reslab prints is Chinese,
with only Keras's own words (names, classes, parameters, code) left in English; `--lang en` is English."""
import os
import re
import subprocess

import pytest

# A session of mistakes a learner makes, one per line.
ERRORS = """\
x = Input(shape=(55, 55, 256))
undefined_thing
y = Conv2D(64, (1, 1), stride=2)(x)
z = Conv2D(64 (1, 1))(x)
n = 3
%path n
a = (1, 2
while True:
    pass
%check identity_block
def identity_block(input_tensor, kernel_size, filters, stage, block):
    filters1, filters2, filters3 = filters
    conv_name_base = 'res' + str(stage) + block + '_branch'
    bn_name_base = 'bn' + str(stage) + block + '_branch'
    x = Conv2D(filters1, (1, 1), name=conv_name_base + '2a')(input_tensor)
    x = BatchNormalization(axis=3, name=bn_name_base + '2a')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters2, kernel_size, name=conv_name_base + '2b')(x)
    x = BatchNormalization(axis=3, name=bn_name_base + '2b')(x)
    x = Activation('relu')(x)
    x = Conv2D(filters3, (1, 1), name=conv_name_base + '2c')(x)
    x = BatchNormalization(axis=3, name=bn_name_base + '2c')(x)
    x = layers.add([x, input_tensor])
    x = Activation('relu')(x)
    return x

%check identity_block
%shapee x
y = Activation(relu)(x)
next
w = layers.add([Conv2D(64, (1, 1))(x), x])
c = Conv2D(0, (1, 1))(x)
p = MaxPooling2D((9, 9))(Input(shape=(4, 4, 3)))
img = image.load_img('missing.jpg', target_size=(224, 224))
"""

# Words an error may keep in English: Keras's and Python's own, and the code it quotes.
KERAS_WORDS = {
    "Input", "Conv2D", "Activation", "Model", "identity_block", "conv_block", "shape", "strides", "stride",
    "filters", "kernel_size", "padding", "activation", "name", "use_bias", "kernel_initializer", "input_shape",
    "relu", "same", "valid", "while", "def", "return", "if", "for", "class", "lambda", "try", "with",
    "Python", "reslab", "Keras", "int", "tuple", "help", "next", "back", "goto", "run", "True", "pass",
    "stage", "block", "add", "MaxPooling2D", "None",
}


def run(reslab, tmp_path, args, env_extra=None):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    env.pop("LC_ALL", None)
    env.pop("LANG", None)
    env.update(env_extra or {})
    proc = subprocess.run(
        [str(reslab), *args], input=ERRORS.encode(), capture_output=True, timeout=120, env=env, cwd=tmp_path
    )
    errors = [line[len("error: "):] for line in proc.stdout.decode().splitlines() if line.startswith("error: ")]
    assert proc.returncode == 1
    assert len(errors) == 15, proc.stdout.decode()
    return errors


def english_words(message):
    """The English words of a message outside quotes, backticks and code it names."""
    unquoted = re.sub(r"'[^']*'|`[^`]*`|%\w+(?: N)?|\w+\([^)]*\)|\([^)]*\)", " ", message)
    # A word starts a run of letters: the "b" of a branch name such as 2b is no English word.
    # An identifier with an underscore or a digit (add_1, res2a_branch2a) is a name in the code, not English.
    words = re.findall(r"(?<![A-Za-z_0-9])[A-Za-z_][A-Za-z_0-9]*", unquoted)
    return [w for w in words if w not in KERAS_WORDS and not re.search(r"[_0-9]", w)]


def has_cjk(text):
    return re.search(r"[\u4e00-\u9fff]", text) is not None


@pytest.mark.parametrize(
    "args,env", [(["--lang", "zh"], {}), ([], {"LANG": "zh_CN.UTF-8"}), ([], {"LC_ALL": "zh_TW.UTF-8"})]
)
def test_errors_in_chinese_keep_only_kerass_words(reslab, tmp_path, args, env):
    for message in run(reslab, tmp_path, args, env):
        assert has_cjk(message), message
        assert english_words(message) == [], message


def test_the_same_session_in_english(reslab, tmp_path):
    errors = run(reslab, tmp_path, ["--lang", "en"], {"LANG": "zh_CN.UTF-8"})
    assert not any(has_cjk(message) for message in errors), errors
    assert errors[0] == "name 'undefined_thing' is not defined"


def test_lang_takes_zh_or_en(reslab, tmp_path):
    proc = subprocess.run([str(reslab), "--lang", "fr"], input=b"", capture_output=True, timeout=60, cwd=tmp_path)
    assert proc.returncode != 0
    assert "fr" in proc.stderr.decode()
