# %% [markdown]
# # An snnTorch network through NIR: fine-tuned on chip with S-TLLR, and back to snnTorch
#
# [NIR](https://github.com/neuromorphs/NIR) is the format the spiking-network frameworks
# share. This notebook takes a network that **snnTorch** trained by BPTT and exported with
# `export_to_nir`, and:
#
# 1. reads it with `lava_stllr.nir.from_nir` and checks that lava-stllr computes what
#    snnTorch computed (the same hidden spikes, the same predictions);
# 2. moves it to a device whose sensor differs (the input channels shifted), where its
#    accuracy falls;
# 3. fine-tunes it **on chip** in Lava with S-TLLR (batch 1, per-step updates, DFA);
# 4. exports the fine-tuned network back with `to_nir(..., target="snntorch")`, the form
#    that snnTorch's `import_from_nir` simulates exactly (its time step, a readout it can
#    build), and reads the file back.
#
# The snnTorch file and snnTorch's own outputs are the interop fixtures of
# `tests/nir/fixtures/` (`make interop` regenerates them with torch, snnTorch and Norse in
# a separate environment; no torch is needed here). The network is snnTorch's standard
# classifier: `Linear(20, 16) -> Leaky -> Linear(16, 3) -> Leaky`, `beta = 0.9`, hidden
# reset to zero, on a 3-class task of 20 input channels and 25 steps (class `c` fires its
# 6 channels at rate 0.4, the others at 0.05).

# %% tags=["parameters"]
# Parameters (the tests replace this cell to run the notebook at a small size).
NIR_DIR = "../tests/nir/fixtures"   # snntorch_zero.nir / .npz (make interop)
SHIFT = 3             # the device's sensor: class channels moved by this many inputs
N_ADAPT = 120         # device recordings per on-chip epoch
N_VAL = 90            # held-out recordings (device and original sensor each)
EPOCHS = 2            # on-chip epochs
LR = 0.01             # on-chip step size (plain per-step SGD)
SEED = 0

# %%
import warnings

# tqdm (the library's progress bars, unused here) warns on import without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

# %%
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.nir import from_nir, read_nir, to_nir, write_nir
from lava_stllr.runs.activity import sample_activity
from lava_stllr.spec.network import Weights

# %% [markdown]
# ## 1. Read snnTorch's graph
#
# snnTorch's `export_to_nir` does not record its time step; it assumes `dt = 1e-4` s
# (`tau = dt/(1 - beta)`), so the import is told. The last `Leaky` becomes lava-stllr's
# leaky readout (its membrane is the output; the import says so). The graph carries no
# S-TLLR rule, so the rule's parameters are lava-stllr's defaults.

# %%
fixtures = Path(NIR_DIR)
net = from_nir(read_nir(fixtures / "snntorch_zero.nir"), dt=1e-4)
with np.load(fixtures / "snntorch_zero.npz") as data:
    snntorch_out = {k: data[k] for k in data.files}
print("network", "-".join(map(str, net.spec.sizes)), f"beta {net.params.beta:.6f}",
      f"theta {net.params.theta}", f"{net.params.reset} reset")
for note in net.notes:
    print("note:", note)

# %% [markdown]
# ## 2. The same spikes as snnTorch
#
# snnTorch recorded its hidden spikes and output membrane on 48 inputs. lava-stllr's
# forward pass (float64; snnTorch runs float32) gives:

# %%
ours = [sample_activity(net.spec, net.params, net.weights, x) for x in snntorch_out["inputs"]]
same_spikes = all(np.array_equal(o["hidden"][0], h)
                  for o, h in zip(ours, snntorch_out["hidden_spikes"], strict=True))
membrane_err = max(float(np.abs(o["readout"] - m).max())
                   for o, m in zip(ours, snntorch_out["output_membrane"], strict=True))
agree = float(np.mean([o["prediction"] == p
                       for o, p in zip(ours, snntorch_out["predictions"], strict=True)]))
print(f"hidden spikes identical: {same_spikes}; largest membrane difference "
      f"{membrane_err:.1e}; same prediction on {agree:.0%} of the inputs")

fig, ax = plt.subplots(figsize=(6, 2.4), dpi=72)
for c in range(3):
    ax.plot(snntorch_out["output_membrane"][0][:, c], lw=3, alpha=0.4, label=f"snnTorch {c}")
    ax.plot(ours[0]["readout"][:, c], "k:", lw=1)
ax.set(xlabel="step", ylabel="output membrane", title="sample 0: snnTorch (wide), "
       "lava-stllr (dotted)")
ax.legend(fontsize=7, ncol=3)
plt.show()

# %% [markdown]
# ## 3. A different sensor, and learning on chip
#
# The device's sensor is mounted `SHIFT` channels off: each class fires channels
# `6c + SHIFT ... 6c + SHIFT + 5` (wrapping around). The offline network has never seen
# that. `STLLRNetwork(weights=...)` starts the Lava network from snnTorch's weights and
# learns on every step with S-TLLR (DFA feedback to the hidden layer, batch size 1).


# %%
def recordings(n: int, seed: int, shift: int) -> ArrayDataset:
    """``n`` recordings of the task, class channels moved by ``shift`` (seeded)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    rates = np.full((n, 1, 20), 0.05)
    for i, c in enumerate(labels):
        rates[i, 0, [(6 * c + shift + j) % 20 for j in range(6)]] = 0.4
    return ArrayDataset((rng.random((n, 25, 20)) < rates).astype(np.uint8), labels, 3)


device_train = recordings(N_ADAPT, SEED + 1, SHIFT)
device_val = recordings(N_VAL, SEED + 2, SHIFT)
original_val = recordings(N_VAL, SEED + 3, 0)
params = dataclasses.replace(net.params, lr=LR)
lava = STLLRNetwork(net.spec.sizes, 25, params=params, beta_out=net.spec.beta_out,
                    weights=net.weights, seed=SEED)
curve = []
start = time.perf_counter()
try:
    curve.append((lava.evaluate(device_val, progress=False).accuracy,
                  lava.evaluate(original_val, progress=False).accuracy))
    for epoch in range(EPOCHS):
        online = lava.train(device_train, progress=False).accuracy
        curve.append((lava.evaluate(device_val, progress=False).accuracy,
                      lava.evaluate(original_val, progress=False).accuracy))
        print(f"epoch {epoch + 1}: online train acc {online:.3f}, device held-out "
              f"{curve[-1][0]:.3f}, original sensor {curve[-1][1]:.3f}")
    tuned = Weights(lava.weights(), [])
finally:
    lava.close()
seconds = time.perf_counter() - start
print(f"before: device {curve[0][0]:.3f}, original sensor {curve[0][1]:.3f}; after "
      f"{EPOCHS} epoch(s) on chip: device {curve[-1][0]:.3f}, original {curve[-1][1]:.3f} "
      f"({seconds:.1f} s in Lava)")

fig, ax = plt.subplots(figsize=(5, 2.6), dpi=72)
ax.plot([c[0] for c in curve], "o-", label="device sensor (held-out)")
ax.plot([c[1] for c in curve], "s--", label="original sensor")
ax.set(xlabel="on-chip epoch", ylabel="accuracy", ylim=(-0.05, 1.05))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The network adapts to the device and, with nothing to remind it, forgets the original
# sensor: on-chip learning follows the data it is given.
#
# ## 4. Back to snnTorch
#
# `target="snntorch"` writes the graph at snnTorch's `dt = 1e-4` s with the readout as a
# LIF that never fires (`v_threshold = inf`): snnTorch 1.0 has no importer for NIR's `LI`,
# and this form gives its `Leaky` the readout's membrane as `mem`. `make interop` checks
# that snnTorch's `import_from_nir` computes lava-stllr's spikes from such a file
# (`tests/nir/test_interop_export.py`). Here the file is read back by lava-stllr.

# %%
out = Path(tempfile.mkdtemp()) / "tuned_for_snntorch.nir"
write_nir(out, to_nir(net.spec, params, tuned, dt=1e-4, target="snntorch"))
back = from_nir(read_nir(out))
same_weights = all(np.array_equal(a, b) for a, b in zip(tuned.arrays(),
                                                        back.weights.arrays(), strict=True))
back_acc = float(np.mean([sample_activity(back.spec, back.params, back.weights, x)[
    "prediction"] == y for x, y in (device_val[i] for i in range(len(device_val)))]))
print(f"wrote {out.name}: readout node {type(read_nir(out).nodes['readout']).__name__}, "
      f"weights back bit for bit: {same_weights}, device held-out accuracy of the file "
      f"{back_acc:.3f}")

# %%
summary = {"same_spikes": same_spikes, "membrane_err": membrane_err, "agree": agree,
           "device_before": curve[0][0], "device_after": curve[-1][0],
           "original_before": curve[0][1], "original_after": curve[-1][1],
           "same_weights": same_weights, "file_device_acc": back_acc}
print("SUMMARY", json.dumps(summary))
