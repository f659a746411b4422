"""The repository stands alone: a user who clones only it has every file the tests, the lessons and
the scripts read, so nothing in the tree may refer to a path outside it."""
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Places that exist on a developer's machine but not in a user's clone (spelled in parts so that this
# file does not match itself).
OUTSIDE = re.compile("|".join([r"\.\./" + "sha" + "red", "sha" + "red/(?:data|seed)", "/" + "work/", "/opt/" + "swift"]))
# A relative path that climbs: `../x`, `../x/y`.
CLIMB = re.compile(r"(?:\.\./)+[\w.-]+(?:/[\w.-]+)*")


def tracked_text_files():
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # images, weights
        yield path, data.decode("utf-8", errors="replace")


def test_no_file_names_a_place_outside_the_repository():
    found = []
    for path, text in tracked_text_files():
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "files refer to places outside the repository:\n" + "\n".join(found)


def test_no_relative_path_climbs_out_of_the_repository():
    found = []
    for path, text in tracked_text_files():
        for number, line in enumerate(text.splitlines(), 1):
            for match in CLIMB.finditer(line):
                relative = match.group(0)
                # Read from the file's folder or from the repository's root: either must stay inside.
                inside = [
                    (base / relative).resolve().is_relative_to(ROOT) for base in (path.parent, ROOT)
                ]
                if not any(inside):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {relative}")
    assert not found, "relative paths leave the repository:\n" + "\n".join(found)
