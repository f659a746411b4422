"""Sizes and allocations past reslab's limits, piped into the real binary: each bad cell is one
`error:` line, the session goes on, nothing traps or aborts, and memory stays small."""
import os
import pathlib

from conftest import run_measured

ROOT = pathlib.Path(__file__).resolve().parent.parent
HORSE = ROOT / "Lessons" / "images" / "horse.png"

# Every cell here must fail with one error line (the lines between set up what they need).
BAD_CELLS = [
    "y = ZeroPadding2D((9223372036854775807, 1))(Input(shape=(8, 8, 3)))",
    "y = Conv2D(1, (1, 1), padding='same')(Input(shape=(9223372036854775807, 8, 3)))",
    "y = MaxPooling2D((3, 3), strides=(9223372036854775807, 9223372036854775807), padding='same')"
    "(Input(shape=(9223372036854775807, 8, 3)))",
    "y = Flatten()(Input(shape=(10000000, 10000000, 10000000)))",
    "y = Dense(4611686018427387904)(Input(shape=(4,)))",
    "y = Conv2D(1000000000000, (3, 3))(Input(shape=(8, 8, 3)))",
    "y = Conv2D(1, (3, 3))(ZeroPadding2D((1000000000, 1000000000))(Input(shape=(8, 8, 3))))",
    "y = Conv2D(16384, (8192, 8192), padding='same')(Input(shape=(8192, 8192, 1)))",
    "m = ResNet50(classes=1000000000)",
    f"img = image.load_img('{HORSE}', target_size=(0, 0))",
    f"img = image.load_img('{HORSE}', target_size=(-5, 10))",
    f"img = image.load_img('{HORSE}', target_size=(9223372036854775807, 9223372036854775807))",
    f"img = image.load_img('{HORSE}', target_size=(100000, 100000))",
    "%random_weights big_dense",
    "%random_weights huge_resnet",
    "y = padded.predict(x)",
]
SETUP = [
    "k = Input(shape=(1,))",
    "big_dense = Model(k, Dense(1099511627776)(k))",
    "huge_resnet = ResNet50(input_shape=(100000, 100000, 3))",
    "p = Input(shape=(224, 224, 3))",
    "padded = Model(p, ZeroPadding2D((100000, 100000))(p))",
    "%random_weights padded",
    f"x = np.expand_dims(image.img_to_array(image.load_img('{HORSE}', target_size=(224, 224))), axis=0)",
]


def test_hostile_sizes_are_one_error_line_each_and_the_session_goes_on(reslab, tmp_path):
    script = "\n".join(SETUP + BAD_CELLS + ["print('still here')"]) + "\n"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"))
    env.pop("RESLAB_MEMORY_LIMIT", None)
    (tmp_path / "in.py").write_text(script)
    status, out, stderr, peak = run_measured([reslab], stdin=script.encode(), cwd=tmp_path, env=env)
    out += stderr
    assert status == 1, out  # not a signal (negative) and not success
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == len(BAD_CELLS), out
    assert "still here" in out
    assert peak < 1 << 20, f"peak resident memory {peak} KiB"
