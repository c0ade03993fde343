"""Output safety and process hygiene: no command writes over its inputs, a failed or
interrupted write never reaches the destination, devices stay devices, workers die with
their parent, and what a killed run leaves behind is cleaned by the next one.

Fault injection: a real full disk (a 64 KB tmpfs; needs root, which CI has), faked write,
fsync and close failures, and signals at random moments during a ``--jobs 2`` run.
"""

from __future__ import annotations

import errno
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import read_csv, write_csv
from typer.testing import CliRunner

from kpkclassify import (
    InputError,
    _io,  # its new names are looked up in each test
    classify_file,
)
from kpkclassify.cli import app

runner = CliRunner()
TEXTS = ["petugas minta uang 100rb biar ktp cepat jadi", "ktp saya sudah tiga bulan belum jadi",
         "ayo tolak pungli", "jalan rusak parah", "antre lama sekali lalu calo minta 50rb", ""]


def invoke(*args: object, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def one_error_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("kpkclassify: error: "), result.output
    return lines[0]


def cli(*args: object, **kwargs) -> subprocess.Popen:
    # From the tests' folder: the installed kpkclassify, not whatever the current folder holds.
    return subprocess.Popen([sys.executable, "-m", "kpkclassify", *map(str, args)], cwd=Path(__file__).parent,
                            **kwargs)


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".partial")]


@pytest.fixture()
def small_csv(tmp_path) -> Path:
    return write_csv(tmp_path / "in.csv", ["id", "text"], [[str(i), TEXTS[i % len(TEXTS)]] for i in range(60)])


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """Big enough that a --jobs 2 run takes a second or two after the model is loaded."""
    rows = [[str(i), f"{TEXTS[i % 5]} nomor {i}", "x"] for i in range(20_000)]
    return write_csv(tmp_path_factory.mktemp("big") / "big.csv", ["id", "text", "extra"], rows)


# -- 1, 2 and the rest: an output may never be one of the inputs ---------------------------
def test_train_refuses_to_write_the_model_over_its_data(labelled_csv):
    before = labelled_csv.read_bytes()
    result = invoke("train", labelled_csv, "-o", labelled_csv, "-q")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert str(labelled_csv) in line and "may not overwrite the input" in line and "-o" in line
    assert labelled_csv.read_bytes() == before


def test_train_refuses_a_model_whose_card_would_overwrite_the_data(labelled_csv, tmp_path):
    data = tmp_path / "m.skops.card.json"  # the card of -o m.skops lands on this file
    data.write_bytes(labelled_csv.read_bytes())
    result = invoke("train", data, "-o", tmp_path / "m.skops", "-q")
    assert result.exit_code == 1 and str(data) in one_error_line(result)
    assert data.read_bytes() == labelled_csv.read_bytes() and not (tmp_path / "m.skops").exists()


def test_saving_a_model_over_its_own_training_data_is_refused(labelled_csv):
    from kpkclassify import train

    model = train(labelled_csv, cv=2)
    before = labelled_csv.read_bytes()
    with pytest.raises(InputError, match="may not overwrite the input"):
        model.save(labelled_csv)
    assert labelled_csv.read_bytes() == before


def test_evaluate_refuses_to_write_the_report_over_its_data(labelled_csv, model_path):
    before = labelled_csv.read_bytes()
    result = invoke("evaluate", labelled_csv, "-m", model_path, "--report", labelled_csv)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert str(labelled_csv) in line and "--report" in line
    assert labelled_csv.read_bytes() == before
    assert invoke("evaluate", labelled_csv, "-m", model_path, "--report", model_path).exit_code == 1


@pytest.mark.parametrize("command", ["classify", "suggest", "preprocess"])
def test_every_writer_refuses_its_input_by_any_name(command, small_csv, model_path, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(small_csv)
    hard = tmp_path / "hard.csv"
    os.link(small_csv, hard)
    before = small_csv.read_bytes()
    model = ["-m", model_path] if command != "preprocess" else []
    for output in (small_csv, link, hard):
        result = invoke(command, small_csv, "-o", output, *model)
        assert result.exit_code == 1 and "may not overwrite the input" in one_error_line(result)
    assert small_csv.read_bytes() == before and link.is_symlink()
    if command != "preprocess":  # the model file is an input too
        model_before = model_path.read_bytes()
        assert invoke(command, small_csv, "-o", model_path, *model).exit_code == 1
        assert model_path.read_bytes() == model_before


@pytest.mark.parametrize("command", [["classify", "-", "-q"], ["preprocess", "-"]])
def test_standard_input_redirected_from_the_output_is_refused(command, small_csv, model_path):
    before = small_csv.read_bytes()
    model = ["-m", model_path] if command[0] == "classify" else []
    with open(small_csv, "rb") as stdin:
        proc = cli(*command, "-o", small_csv, *model, stdin=stdin, stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "may not overwrite the input standard input" in err and len(err.strip().splitlines()) == 1
    assert small_csv.read_bytes() == before


def test_standard_output_appended_to_the_input_is_refused(small_csv, model_path):
    before = small_csv.read_bytes()
    with open(small_csv, "ab") as stdout:
        proc = cli("classify", small_csv, "-o", "-", "-m", model_path, "-q", stdout=stdout, stderr=subprocess.PIPE)
        proc.communicate(timeout=60)
    assert proc.returncode == 1 and small_csv.read_bytes() == before


def test_check_outputs_is_the_one_shared_check(tmp_path, small_csv):
    OutputTarget = _io.OutputTarget

    _io.check_outputs([small_csv, "-", None], [tmp_path / "new.csv", "-"])  # distinct: fine
    with pytest.raises(InputError, match=r"--report path"):
        _io.check_outputs([small_csv], [OutputTarget(str(small_csv), "--report")])
    with pytest.raises(InputError, match="may not overwrite"):  # not there yet, same name
        _io.check_outputs([tmp_path / "a" / ".." / "x.csv"], [tmp_path / "x.csv"])
    _io.check_outputs(["/dev/null"], ["/dev/null"])  # devices may be read and written


# -- 6 and 16: the Dask engine checks its files before starting a cluster ------------------
def test_dask_output_pattern_matching_the_inputs_is_refused(tmp_path):
    pytest.importorskip("distributed")
    from kpkclassify.dask import classify_files

    folder = tmp_path / "dk"
    folder.mkdir()
    source = write_csv(folder / "a.csv", ["text"], [[t] for t in TEXTS])
    before = source.read_bytes()
    with pytest.raises(InputError, match="may not overwrite the input"):
        classify_files(str(folder / "*.csv"), str(folder / "part-*.csv"))
    old = write_csv(folder / "part-0.csv", ["text"], [["old"]])  # an earlier run's output, now an input
    with pytest.raises(InputError, match="part-0.csv"):
        classify_files([str(source), str(old)], str(folder / "part-*.csv"))
    assert source.read_bytes() == before


def test_dask_empty_glob_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    result = invoke("classify", tmp_path / "nothing" / "*.csv", "-o", tmp_path / "o" / "p-*.csv", "--engine", "dask")
    assert result.exit_code == 1 and "no file matches" in one_error_line(result)


def test_dask_computes_each_partition_once(tmp_path, model_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import kpkclassify.dask as kdask

    log = tmp_path / "calls.log"
    original = kdask._classify_partition

    def counted(frame, *args):
        with open(log, "a") as fh:  # a file: the task may run in another thread or process
            fh.write("call\n")
        return original(frame, *args)

    monkeypatch.setattr(kdask, "_classify_partition", counted)
    for name in ("a", "b", "c"):
        write_csv(tmp_path / f"{name}.csv", ["text"], [[t] for t in TEXTS])
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    try:
        rows = kdask.classify_files(str(tmp_path / "*.csv"), str(tmp_path / "out" / "part-*.csv"),
                                    model=str(model_path), scheduler=cluster.scheduler_address, blocksize=None)
    finally:
        cluster.close()
    assert rows == 3 * len(TEXTS)
    assert log.read_text().count("call") == 3
    parts = sorted((tmp_path / "out").glob("part-*.csv"))
    assert [len(read_csv(p)) for p in parts] == [len(TEXTS) + 1] * 3 and not partials(tmp_path / "out")


# -- 4 and 16: a failed write never reaches the destination --------------------------------
@pytest.fixture()
def previous(tmp_path) -> Path:
    out = tmp_path / "out.csv"
    out.write_text("the previous good output\n", encoding="utf-8")
    return out


def test_full_disk_during_writes_keeps_the_previous_output(fitted, small_csv, previous, monkeypatch):
    real_write = os.write
    written = [0]

    def filling(fd: int, data) -> int:  # a 2,000-byte disk: what fits is written, then ENOSPC
        room = 2000 - written[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done = real_write(fd, bytes(data[:room]))
        written[0] += done
        return done

    monkeypatch.setattr(os, "write", filling)
    with pytest.raises(_io.OutputError, match=r"cannot write .*out\.csv: No space left on device"):
        classify_file(small_csv, previous, model=fitted, chunk_size=5)
    assert previous.read_text() == "the previous good output\n" and not partials(previous.parent)


@pytest.mark.parametrize("failing", ["fsync", "close"])
def test_failure_at_fsync_or_close_keeps_the_previous_output(failing, fitted, small_csv, previous, monkeypatch):
    real = getattr(os, failing)

    def fail_on_ours(fd: int) -> None:
        name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        real(fd)
        if name.endswith(".partial"):  # a quota or NFS error reported only now
            raise OSError(errno.EDQUOT if failing == "close" else errno.EIO, "injected failure")

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc to recognise the output's descriptor")
    monkeypatch.setattr(os, failing, fail_on_ours)
    with pytest.raises(_io.OutputError, match="cannot write"):
        classify_file(small_csv, previous, model=fitted)
    assert previous.read_text() == "the previous good output\n" and not partials(previous.parent)


@pytest.fixture()
def tiny_disk(tmp_path):
    """A 64 KB tmpfs: a real full disk."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_real_full_disk_is_one_line_and_keeps_the_previous_output(tiny_disk, tmp_path, model_path):
    src = write_csv(tmp_path / "many.csv", ["text"], [[f"{TEXTS[i % 5]} {i}"] for i in range(3000)])
    out = tiny_disk / "out.csv"
    out.write_text("previous\n")
    result = invoke("classify", src, "-o", out, "-m", model_path, "-q")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert f"cannot write {out}: No space left on device" in line and "free some space" in line
    assert out.read_text() == "previous\n" and not partials(tiny_disk)
    fits = write_csv(tmp_path / "few.csv", ["text"], [[t] for t in TEXTS])
    assert invoke("classify", fits, "-o", out, "-m", model_path, "-q").exit_code == 0  # space was freed
    assert len(read_csv(out)) == len(TEXTS) + 1


def test_read_only_folder_is_one_line(tmp_path, small_csv, model_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                                           capture_output=True).returncode:
        pytest.skip("mounting a read-only tmpfs needs root (CI runs as root)")
    try:
        result = invoke("classify", small_csv, "-o", folder / "out.csv", "-m", model_path, "-q")
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
    assert result.exit_code == 1 and "Read-only file system" in one_error_line(result)


def test_permission_denied_is_one_line(small_csv, tmp_path, model_path, monkeypatch):
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".x.partial"))

    monkeypatch.setattr(tempfile, "mkstemp", denied)  # root ignores file modes: fake the refusal
    result = invoke("classify", small_csv, "-o", tmp_path / "out.csv", "-m", model_path, "-q")
    assert result.exit_code == 1
    assert f"cannot write {tmp_path / 'out.csv'}: Permission denied" in one_error_line(result)


@pytest.mark.parametrize("output", ["newdir/out.csv", "newdir/"])
def test_missing_folder_is_one_line_and_leaves_nothing(output, small_csv, tmp_path, model_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = invoke("classify", small_csv, "-o", output, "-m", model_path, "-q")
    assert result.exit_code == 1 and "newdir" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_delimiter_must_be_one_character(small_csv, tmp_path, model_path):
    result = invoke("classify", small_csv, "-o", tmp_path / "o.csv", "-m", model_path, "--delimiter", ";;")
    assert result.exit_code == 2 and "one character" in result.output
    assert invoke("classify", small_csv, "-o", tmp_path / "o.csv", "-m", model_path, "--delimiter", ",",
                  "-q").exit_code == 0


# -- 5: devices, pipes and links stay what they are ----------------------------------------
def test_devices_fifos_and_symlinks_are_written_through(fitted, small_csv, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root (CI runs as root)")
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    link = tmp_path / "to-null"
    link.symlink_to(null)
    for target in (null, link):
        classify_file(small_csv, target, model=fitted)
    assert stat.S_ISCHR(os.lstat(null).st_mode) and link.is_symlink() and not partials(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    classify_file(small_csv, fifo, model=fitted)
    received = reader.communicate(timeout=30)[0]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and len(received.decode().splitlines()) == 61
    real = write_csv(tmp_path / "real.csv", ["x"], [["old"]])
    alias = tmp_path / "alias.csv"
    alias.symlink_to(real)
    classify_file(small_csv, alias, model=fitted)  # the file it points to is replaced, the link stays
    assert alias.is_symlink() and len(read_csv(real)) == 61


def test_dev_stdout_stays_a_link_and_gets_the_output(small_csv, model_path):
    before = os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None
    done = subprocess.run([sys.executable, "-m", "kpkclassify", "classify", str(small_csv), "-o", "/dev/stdout",
                           "-m", str(model_path), "-q"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 61 and done.stdout.startswith("id,text,labels")
    assert (os.readlink("/dev/stdout") if os.path.islink("/dev/stdout") else None) == before


# -- 7: preprocess from standard input is atomic too ---------------------------------------
def test_preprocess_stdin_interrupted_leaves_no_output(tmp_path):
    out = tmp_path / "tokens.txt"
    proc = cli("preprocess", "-", "-o", out, stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("petugas minta uang 100rb\n" * 20_000)  # written, not yet flushed to OUT
    proc.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not (partials(tmp_path) or out.exists()):
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "no output was written" in err
    assert not out.exists() and not partials(tmp_path)


def test_preprocess_stdin_writes_the_output(tmp_path):
    out = tmp_path / "tokens.txt"
    result = invoke("preprocess", "-", "-o", out, input="Udh 3 bln ngurus KTP\nayo tolak pungli\n")
    assert result.exit_code == 0 and out.read_text().splitlines()[0].startswith("sudah")


# -- 14: workers die with their parent; a dead run's leftovers are cleaned -----------------
def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie is dead, just not yet reaped


def _all_gone(pids: set[int], timeout: float = 5.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline and any(_running(p) for p in pids):
        time.sleep(0.05)
    return not any(_running(p) for p in pids)


@pytest.fixture()
def reap():
    """Kill (by pid) any worker a failing test left alive."""
    pids: set[int] = set()
    yield pids
    for pid in pids:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds worker processes through /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGHUP])
def test_workers_die_with_their_parent(signum, big_csv, model_path, tmp_path, fitted, reap):
    out = tmp_path / "out.csv"
    proc = cli("classify", big_csv, "-o", out, "--jobs", "2", "--chunk-size", "500", "-m", model_path, "-q",
               stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 40
    while time.time() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
        time.sleep(0.02)
    workers = _children(proc.pid)
    reap.update(workers)
    assert len(workers) == 2, "the run never started its two workers"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert _all_gone(workers), "workers outlived their parent"
    assert not out.exists()
    if signum == signal.SIGHUP:  # handled like SIGTERM: cleaned up, one line
        assert proc.returncode == 130 and "interrupted; no output was written" in err
        assert not partials(tmp_path)
    classify_file(write_csv(tmp_path / "next.csv", ["text"], [["ayo tolak pungli"]]), tmp_path / "next_out.csv",
                  model=fitted)
    assert not partials(tmp_path), "the next run left the dead run's temporary file"


def test_next_run_removes_only_the_leftovers_of_dead_runs(fitted, small_csv, tmp_path):
    import fcntl

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".out.csv.{ended.pid}.abcd1234.partial"
        running = tmp_path / f".out.csv.{live.pid}.efgh5678.partial"
        locked = tmp_path / f".other.csv.{ended.pid}.ijkl9012.partial"  # a live run in another pid namespace
        foreign = tmp_path / ".notes.partial"
        for path in (stale, running, locked, foreign):
            path.write_text("half")
        with open(locked, "rb") as holder:
            fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
            classify_file(small_csv, tmp_path / "out.csv", model=fitted)
            assert not stale.exists()
            assert running.exists() and locked.exists() and foreign.exists()
    finally:
        live.kill()
        live.wait()
    assert _io.clean_stale_partials(str(tmp_path)) == [str(running)] or not running.exists()


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds worker processes through /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_a_signal_at_a_random_moment_never_harms_the_output(signum, big_csv, model_path, tmp_path, fitted, reap):
    seed = random.randrange(10**6)
    delay = random.Random(seed).uniform(0.0, 1.5)
    context = f"signal {signum.name} {delay:.2f} s after the workers started (seed {seed})"
    out = tmp_path / "out.csv"
    out.write_text("previous,good\n")
    before = big_csv.read_bytes()
    proc = cli("classify", big_csv, "-o", out, "--jobs", "2", "--chunk-size", "500", "-m", model_path, "-q",
               stderr=subprocess.PIPE)
    deadline = time.time() + 40  # the random moment counts from the workers' start: the part that matters
    while time.time() < deadline and len(_children(proc.pid)) < 2 and proc.poll() is None:
        time.sleep(0.01)
    started = time.time()
    while time.time() - started < delay and proc.poll() is None:
        reap.update(_children(proc.pid))
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(signum)
    proc.communicate(timeout=60)
    assert _all_gone(reap), f"orphan workers after {context}"
    assert big_csv.read_bytes() == before, context
    if out.read_text() != "previous,good\n":  # the run finished before the signal
        assert len(read_csv(out)) == 20_001 and read_csv(out)[-1][-1] == "ok", context
    classify_file(write_csv(tmp_path / "next.csv", ["text"], [["ayo tolak pungli"]]), tmp_path / "next_out.csv",
                  model=fitted)
    assert not partials(tmp_path), f"a .partial outlived the next run after {context}"


def test_atomic_output_binary_mode_and_shared_permissions(tmp_path):
    file_mode = _io.file_mode

    with _io.atomic_output(tmp_path / "b.bin", None) as handle:
        handle.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(os.stat(tmp_path / "b.bin").st_mode) == file_mode()  # not mkstemp's 0600
