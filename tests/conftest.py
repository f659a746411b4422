"""Shared fixtures for the end-to-end tests: they run the built `reslab` binary against
independent Python references (tf-keras, PIL, onnxruntime)."""
import contextlib
import http.server
import os
import pathlib
import subprocess
import threading
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "Lessons" / "images"
sys.path.insert(0, str(ROOT / "python"))

import reslab_oracle  # noqa: E402  (light: TensorFlow is imported by the fixtures, not at collection)

# The sample images, by file name: every oracle computes Keras's results for all of them at once.
IMAGE_NAMES = sorted(p.name for p in IMAGES.iterdir() if p.suffix in (".png", ".jpg"))


def _reslab_binary() -> pathlib.Path:
    explicit = os.environ.get("RESLAB_BIN")
    if explicit:
        return pathlib.Path(explicit)
    bin_dir = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    return pathlib.Path(bin_dir) / "reslab"


@pytest.fixture(scope="session")
def reslab() -> pathlib.Path:
    """Path of the built `reslab` executable (build it first: `swift build`)."""
    path = _reslab_binary()
    if not path.exists():
        pytest.fail(f"{path} does not exist: run `swift build` first")
    return path


@pytest.fixture(scope="session")
def sample_images() -> dict:
    """The free sample images shipped with the lessons (`Lessons/images`), by file name."""
    return {p.name: p for p in sorted(IMAGES.iterdir()) if p.suffix in (".png", ".jpg")}


@contextlib.contextmanager
def mounted_tmpfs(folder, size):
    """A tmpfs of `size` (mount's notation: `1m`) on the new folder `folder`, unmounted afterwards. It
    needs root (`mount`): the test is skipped where it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture(scope="session", autouse=True)
def cache_home(tmp_path_factory):
    """reslab keeps the kernels it packs from a weight file in its cache directory (120 MB each): the
    tests' go to a folder of the session's own, never the user's. A test may still give its own."""
    folder = tmp_path_factory.mktemp("cache-home")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


# ---------------------------------------------------------------- the oracle: Keras on seeded weights
@pytest.fixture(scope="session")
def oracle_dir(tmp_path_factory):
    """Where the seeded weight files and Keras's results are kept, once per test session."""
    return tmp_path_factory.getbasetemp() / "oracle"


@pytest.fixture(scope="session")
def keras_case(oracle_dir, sample_images):
    """variant -> {"weights": Path, "results": [{"image", "probs", "predicted"}]} (Keras, computed once)."""
    from reslab_oracle import reference

    images = tuple(str(sample_images[name]) for name in IMAGE_NAMES)
    return lambda variant: reference.seeded_case(variant, reslab_oracle.FIXTURE_SEEDS[variant], str(oracle_dir), images)


@pytest.fixture(scope="session")
def keras_model(keras_case):
    """variant -> Keras's model with the seeded weights loaded."""
    from reslab_oracle import reference

    return lambda variant: reference.load_model(variant, keras_case(variant)["weights"], cached=True)


# ---------------------------------------------------------------- a local HTTP server
@pytest.fixture
def http_server(tmp_path):
    """A static file server on 127.0.0.1 (an ephemeral port), stopped after the test."""
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- reslab's GEMM kernel paths
# Each is forced in turn with RESLAB_GEMM_KERNEL; a path this CPU cannot run is skipped, saying so.
GEMM_PATHS = ("avx512", "avx2", "portable")


def _cpu_flags() -> set:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def gemm_path_supported(path: str) -> bool:
    """Whether this CPU runs the path (the features reslab's own check asks for)."""
    flags = _cpu_flags()
    return {"avx512": {"avx512f"} <= flags, "avx2": {"avx2", "fma"} <= flags, "portable": True}[path]


def skip_unless_gemm_path_runs(path: str):
    if not gemm_path_supported(path):
        pytest.skip(f"this CPU cannot run the {path} GEMM kernel")


# One run's peak memory, measured for that run alone: reslab_oracle.measure.
from reslab_oracle.measure import run_measured  # noqa: E402,F401
