"""The authors' PyTorch S-TLLR layers on our benchmark shapes, run by another interpreter.

PyTorch is not a dependency of this project (and has no wheel for its Python 3.10 on
every machine): the programs below run in a separate interpreter that has ``torch``,
import ``STLLR_layers.py`` from a checkout of github.com/mapolinario94/S-TLLR
(``models/layers``), train in the authors' pattern (per step: forward, cross-entropy of
the readout, ``backward()``; one Adam step per batch, float32, 2 threads) and print
samples/s, the best of 3 batches after a warm-up one.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

_HEAD = """
import sys, time
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from STLLR_layers import Conv2dSTLLR, LinearSTLLR
torch.manual_seed(0); torch.set_num_threads(2)
B, T = {batch}, {steps}
"""
_TAIL = """
opt = torch.optim.Adam(net.parameters(), 1e-3)
y = torch.randint(0, 10, (B,))
def batch():
    net.reset(); opt.zero_grad()
    for t in range(T):
        F.cross_entropy(net(x[t]), y).backward()
    opt.step()
batch()
best = float("inf")
for _ in range(3):
    s = time.perf_counter(); batch(); best = min(best, time.perf_counter() - s)
print(B / best)
"""
#: 8c5s2-p2-64 on (2, 34, 34), readout 10 (``bench_conv_authors.py``).
CONV_PROGRAM = _HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Conv2dSTLLR(2, 8, 5, stride=2)
        self.l = LinearSTLLR(8 * 7 * 7, 64)
        self.o = LinearSTLLR(64, 10, accumulate=True)
    def reset(self):
        for m in (self.c, self.l, self.o):
            m.reset_state()
    def forward(self, x):
        return self.o(self.l(F.max_pool2d(self.c(x), 2).flatten(1)))
net = Net()
x = (torch.rand(T, B, 2, 34, 34) < 0.05).float()
""" + _TAIL
#: 2312-256-10 (``bench_float32.py``).
DENSE_PROGRAM = _HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.l = LinearSTLLR(2312, 256)
        self.o = LinearSTLLR(256, 10, accumulate=True)
    def reset(self):
        self.l.reset_state(); self.o.reset_state()
    def forward(self, x):
        return self.o(self.l(x))
net = Net()
x = (torch.rand(T, B, 2312) < 0.05).float()
""" + _TAIL


def authors_rate(python: str, src: Path, program: str) -> float:
    """Samples/s that ``program`` (one of the above, formatted) prints when ``python``
    runs it with the authors' layers from ``src``.

    Raises
    ------
    SystemExit
        The program failed (its error output is included).
    """
    if not (Path(src) / "STLLR_layers.py").is_file():
        raise SystemExit(f"{src} has no STLLR_layers.py (give the authors' models/layers)")
    done = subprocess.run([python, "-c", program, str(src)], capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the authors' side failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])
