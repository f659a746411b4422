"""`reslab bench --compare`: reslab and its peers (onnxruntime, OpenVINO) take turns on the same graph
and weights, and the output gives each one's median and the ratios. Only the output's structure is
checked, never a time: the machine may be shared."""
import os
import re
import subprocess

import pytest

NUMBER = r"[0-9]+\.[0-9]+"


def bench(reslab, *args, env=None):
    return subprocess.run([str(reslab), "bench", *map(str, args)], capture_output=True, text=True, timeout=600,
                          env=env)


def assert_peer_lines(out, peer, rounds):
    assert re.search(rf"^{peer} \S+: .*same graph and weights, NCHW input$", out, re.M), out
    assert re.search(rf"^{peer}_median_ms={NUMBER} min_ms={NUMBER} max_ms={NUMBER} "
                     rf"block_medians_ms={NUMBER}-{NUMBER} images_per_s={NUMBER}$", out, re.M), out
    ratio = re.search(rf"^ratio reslab/{peer}=({NUMBER}) \(median of the rounds' ratios: ([0-9. ]+)\)$", out, re.M)
    assert ratio, out
    assert len(ratio.group(2).split()) == rounds


def test_compare_onnxruntime_prints_both_medians_and_the_ratio_of_each_round(reslab, keras_case):
    pytest.importorskip("onnxruntime")
    proc = bench(reslab, "--weights", keras_case("tutorial")["weights"], "--runs", 2, "--rounds", 2,
                 "--compare", "onnxruntime")
    assert proc.returncode == 0, proc.stderr
    assert "2 blocks of 2 runs" in proc.stdout and "reslab then each peer in turn" in proc.stdout
    assert re.search(rf"^median_ms={NUMBER} min_ms={NUMBER} max_ms={NUMBER} block_medians_ms=", proc.stdout, re.M)
    assert_peer_lines(proc.stdout, "onnxruntime", rounds=2)


def test_compare_openvino_and_onnxruntime_with_a_batch_prints_images_per_second(reslab, keras_case):
    pytest.importorskip("openvino", reason="openvino is not installed: pip install openvino")
    pytest.importorskip("onnxruntime")
    proc = bench(reslab, "--weights", keras_case("tutorial")["weights"], "--runs", 1, "--rounds", 2, "--batch", 2,
                 "--compare", "openvino,onnxruntime")
    assert proc.returncode == 0, proc.stderr
    assert "batch of 2 images" in proc.stdout
    assert_peer_lines(proc.stdout, "openvino", rounds=2)
    assert_peer_lines(proc.stdout, "onnxruntime", rounds=2)
    assert proc.stdout.index("openvino_median_ms") < proc.stdout.index("onnxruntime_median_ms")


def test_a_missing_peer_package_is_one_line_saying_how_to_install_it(reslab, keras_case, tmp_path):
    (tmp_path / "openvino.py").write_text("raise ImportError('hidden by the test')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    proc = bench(reslab, "--weights", keras_case("tutorial")["weights"], "--runs", 1, "--rounds", 1,
                 "--compare", "openvino", env=env)
    assert proc.returncode == 1, proc
    assert proc.stderr.strip().splitlines() == ["error: openvino is not installed: pip install openvino"]
    assert "median_ms" not in proc.stdout


def test_an_unknown_peer_is_refused_before_anything_runs(reslab):
    proc = bench(reslab, "--weights", "missing.h5", "--compare", "tensorrt")
    assert proc.returncode != 0
    assert "unknown peer 'tensorrt'" in proc.stderr
