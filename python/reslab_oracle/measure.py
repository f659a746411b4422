"""One run's exit status, output and peak resident size, measured for that run alone.

A child forked from a process starts with that process's resident size as its high-water mark (kept
across exec), and the caller may hold TensorFlow. So the run is started by a small Python of its own,
whose child's wait4 usage counts that run alone. The run gets a session of its own, so that a run
past its time is killed whole.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

_MEASURE = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"status": os.waitstatus_to_exitcode(status), "peak_kb": usage.ru_maxrss}, out)
"""


def run_measured(args, stdin=b"", cwd=None, env=None, timeout=300):
    """Runs `args`; returns (exit status, or -signal), stdout, stderr, and that run's own peak resident
    size in kB. Past `timeout` seconds the run is killed and subprocess.TimeoutExpired raised."""
    with tempfile.TemporaryDirectory() as directory:
        result = os.path.join(directory, "result.json")
        proc = subprocess.Popen([sys.executable, "-c", _MEASURE, result, *map(str, args)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        with open(result) as f:
            measured = json.load(f)
    return measured["status"], stdout.decode(errors="replace"), stderr.decode(errors="replace"), measured["peak_kb"]
