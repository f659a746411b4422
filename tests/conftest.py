"""Shared fixtures for the end-to-end tests: they run the built `reslab` binary against
independent Python references (tf-keras, PIL, onnxruntime)."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IMAGES = ROOT / "Lessons" / "images"


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
