"""What ``train`` and ``evaluate`` show while they run: each epoch's line as the epoch ends
(above the bars in a terminal), plain lines and no carriage return when the output is not
a terminal, only the summary with ``--quiet``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lava_stllr.cli import main, progress
from lava_stllr.cli.progress import LineBar, Progress

REPO = Path(__file__).resolve().parents[2]
TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "3",
        "--hidden", "8", "--no-plots"]
EPOCH_LINE = re.compile(r"^  epoch (\d+)(/\d+)?: ")


def _epochs_and_summary(out: str) -> tuple[list[int], int]:
    """The epoch numbers of the epoch lines in order, and the line index of the held-out
    summary (which must come after them)."""
    lines = out.splitlines()
    numbers = [int(m.group(1)) for m in map(EPOCH_LINE.match, lines) if m]
    summary = next(i for i, line in enumerate(lines) if line.startswith("held-out accuracy"))
    last_epoch = max(i for i, line in enumerate(lines) if EPOCH_LINE.match(line))
    assert last_epoch < summary, out
    return numbers, summary


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    """The command with stdout and stderr piped (neither is a terminal)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "lava_stllr.cli", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_piped_reference_training_prints_plain_epoch_lines(tmp_path) -> None:
    proc = _run(["train", *TINY, "--out", str(tmp_path / "run")], timeout=120)
    assert "\r" not in proc.stdout and "\r" not in proc.stderr
    numbers, _ = _epochs_and_summary(proc.stdout)
    assert numbers == [0, 1, 2, 3]  # epoch 0: the held-out score before training
    assert proc.stdout.startswith("training 512-8-4 with S-TLLR")
    assert re.search(r"epoch 1/3: .*\[elapsed .*, ~.* left\]", proc.stdout)
    assert "left]" not in proc.stdout.splitlines()[-4]  # the last epoch: nothing left


@pytest.mark.timeout(300)
def test_piped_lava_training_and_evaluation_print_no_carriage_return(tmp_path) -> None:
    out = tmp_path / "lava"
    proc = _run(["train", "--samples", "8", "--val-samples", "4", "--epochs", "2", "--hidden",
                 "4", "--no-plots", "--out", str(out)], timeout=240)
    assert "\r" not in proc.stdout and "\r" not in proc.stderr
    assert _epochs_and_summary(proc.stdout)[0] == [0, 1, 2]
    proc = _run(["evaluate", str(out), "--backend", "lava", "--precision", "fixed"],
                timeout=240)
    assert "\r" not in proc.stdout + proc.stderr
    assert "fixed point: the Loihi 2 integer models" in proc.stdout


def test_each_epoch_line_is_printed_when_the_epoch_ends(tmp_path, monkeypatch, capsys) -> None:
    from lava_stllr.reference import STLLRTrainer

    events: list[str] = []
    batch, say = STLLRTrainer.train_batch, Progress.say

    def spy_batch(self, x, labels):
        events.append("batch")
        return batch(self, x, labels)

    def spy_say(self, text, out=None):
        events.append(text.strip().split(":")[0])
        say(self, text, out)

    monkeypatch.setattr(STLLRTrainer, "train_batch", spy_batch)
    monkeypatch.setattr(Progress, "say", spy_say)
    assert main(["train", *TINY, "--batch-size", "8", "--out", str(tmp_path / "run")]) == 0
    # 16 samples in batches of 8: two batches per epoch, each epoch's line right after them.
    assert events[0].startswith("training 512-8-4")
    assert events[1:] == ["epoch 0"] + ["batch", "batch", "epoch 1/3", "batch", "batch",
                                   "epoch 2/3", "batch", "batch", "epoch 3/3"]
    printed = capsys.readouterr()
    assert "\r" not in printed.out + printed.err
    numbers, _ = _epochs_and_summary(printed.out)
    assert numbers == [0, 1, 2, 3]  # each once: the summary does not repeat them


def test_epoch_lines_without_a_held_out_set(tmp_path, capsys) -> None:
    args = [*TINY, "--val-samples", "0", "--out", str(tmp_path / "run")]
    assert main(["train", *args]) == 0
    out = capsys.readouterr().out
    assert _epochs_and_summary(out)[0] == [1, 2, 3]  # no held-out set: no epoch 0
    assert ", held-out acc" not in out and "held-out accuracy: n/a" in out


def test_quiet_prints_only_the_summary(tmp_path, monkeypatch, capsys) -> None:
    said: list[str] = []
    monkeypatch.setattr(Progress, "_progress_line", lambda self, text: said.append(text))
    assert main(["train", *TINY, "--quiet", "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr()
    assert printed.err == "" and not said
    lines = printed.out.splitlines()
    assert lines[0].startswith("trained 512-8-4 with S-TLLR")
    assert _epochs_and_summary(printed.out)[0] == [0, 1, 2, 3]


def test_in_a_terminal_epoch_lines_are_written_above_the_bars(tmp_path, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.setattr(progress, "_is_terminal", lambda stream: True)
    written: list[str] = []
    from tqdm.auto import tqdm

    real = tqdm.write
    monkeypatch.setattr(tqdm, "write", lambda s, file=None, **kw: (written.append(s),
                                                                   real(s, file=file, **kw)))
    assert main(["train", *TINY, "--out", str(tmp_path / "run")]) == 0
    assert [EPOCH_LINE.match(s).group(1) for s in written if EPOCH_LINE.match(s)] == \
        ["0", "1", "2", "3"]
    printed = capsys.readouterr()
    assert "epoch 1/3" in printed.err  # the bars, on stderr
    assert _epochs_and_summary(printed.out)[0] == [0, 1, 2, 3]


def test_line_bar_writes_a_line_per_tenth_and_never_a_carriage_return() -> None:
    lines: list[str] = []
    bar = LineBar(total=50, desc="epoch 1/8 train", write=lines.append, min_interval=0)
    for _ in range(50):
        bar.update(1)
        bar.set_postfix(acc="0.500")
    bar.close()
    assert [line.split(": ", 1)[1].split(" samples")[0] for line in lines] == [
        f"{n}/50" for n in range(5, 50, 5)]  # 10% ... 90%; the end is the epoch line's
    assert all("elapsed" in line and "left" in line and "\r" not in line for line in lines)
    assert "acc 0.500" in lines[-1] and lines[0].startswith("  epoch 1/8 train: 5/50")


def test_line_bar_waits_between_lines_and_can_be_disabled() -> None:
    lines: list[str] = []
    bar = LineBar(total=20, desc="x", write=lines.append, min_interval=3600)
    bar.update(19)
    assert lines == []  # a short pass: no line before its result
    off = LineBar(total=20, desc="x", write=lines.append, disable=True, min_interval=0)
    off.update(10)
    assert lines == []


def test_each_mode_hands_the_trainers_its_bars(monkeypatch) -> None:
    monkeypatch.setattr(progress, "_is_terminal", lambda stream: False)
    lines = Progress(quiet=False)
    assert lines.mode == "lines" and lines.live
    bar = lines.bars(total=10, desc="epoch 1/1", disable=False, leave=False)
    assert isinstance(bar, LineBar)
    assert Progress(quiet=True).mode == "quiet" and Progress(quiet=True).bars is False
    monkeypatch.setattr(progress, "_is_terminal", lambda stream: True)
    terminal = Progress(quiet=False)
    assert terminal.mode == "bars" and terminal.bars is True  # the trainers' own tqdm


def test_reference_fit_reports_each_epoch_and_draws_the_given_bars() -> None:
    from lava_stllr.data.synthetic import synthetic_train_val
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference import NetworkSpec, STLLRTrainer

    train, val = synthetic_train_val(n_train=16, n_val=8, seed=0)
    trainer = STLLRTrainer(NetworkSpec((train.n_inputs, 8, train.n_classes)),
                           STLLRParams.preset("code_default"), seed=0)
    seen, bars = [], []

    def factory(**kwargs):
        bars.append(kwargs["desc"])
        return LineBar(kwargs["total"], kwargs["desc"], write=lambda line: None)

    history = trainer.fit(train, val, epochs=2, batch_size=8, progress=factory,
                          on_epoch=lambda h: seen.append((len(h.train_acc), len(h.val_acc))))
    assert seen == [(1, 1), (2, 2)] and len(history.val_acc) == 2
    assert bars == ["epoch 1/2", "epoch 2/2"]


def test_durations_read_well() -> None:
    assert progress.duration(4.25) == "4.2 s" and progress.duration(42) == "42 s"
    assert progress.duration(185) == "3 min 05 s" and progress.duration(3720) == "1 h 02 min"
    assert progress.remaining(10.0, 1, 3) == "~20 s" and progress.remaining(5, 3, 3) == "~0 s"
