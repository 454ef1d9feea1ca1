# %% [markdown]
# # Training a spiking network online with S-TLLR and DFA, in Lava
#
# `lava_stllr.lavanet.network.STLLRNetwork` builds a complete on-chip-style training network from
# lava-stllr Processes:
#
# ```
# EventSource -> STLLRDense -> STLLRLIF (hidden) -> STLLRDense -> LeakyReadout -> OutputError
#                                   ^                                                  |
#                                   +---------- Dense B (fixed random DFA feedback) ---+
# ```
#
# - the hidden `STLLRLIF` layer and the leaky-integrator `LeakyReadout` drive the learning of
#   their input `STLLRDense` connections every step (plain per-step SGD, batch size 1);
# - `OutputError` computes the cross-entropy error `e[t] = softmax(z[t]) - onehot(label)`
#   each step; the readout learns from `e` directly, the hidden layer from `B e` sent back
#   through a fixed random feedback `Dense` (**direct feedback alignment**, the learning
#   signal that needs no backward pass and runs on chip);
# - the host streams samples and labels in through the sources' pipes and reads one result
#   per sample back; the network is compiled once and runs sample after sample.
#
# By default the data is the embedded synthetic moving-bar event set (no download): four
# classes (bar moving right, left, down, up) on a 16 x 16 x 2 sensor, where only the *timing*
# of the events tells the direction. Set `DATA_DIR` to a folder that holds N-MNIST's
# `Train/<digit>/*.bin` files to train on N-MNIST instead (read with tonic, 578 inputs,
# 10 classes).

# %% tags=["parameters"]
# Parameters (the tests replace this cell to run the notebook at a small size).
DATA_DIR = None      # None: synthetic data; or a folder with N-MNIST's Train/<digit>/*.bin
N_TRAIN = 300        # training samples per epoch
N_VAL = 100          # held-out samples
EPOCHS = 3
HIDDEN = 64          # hidden LIF neurons
LR = 0.005
PRESET = "code_default"
PSI = "triangle"     # pseudo-derivative: on chip it learns much faster than rational
SEED = 0
# synthetic data only
N_CLASSES = 4        # 2..4 motion directions
SIDE = 16            # sensor side in pixels (2 * SIDE**2 inputs)
N_STEPS = 24         # time steps per sample

# %%
import warnings

# tqdm (the library's progress bars, unused here) warns on import without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from lava_stllr.data.cache import materialize
from lava_stllr.data.synthetic import CLASS_NAMES, SyntheticConfig, synthetic_train_val
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams

plt.rcParams["figure.dpi"] = 72  # small figures keep the committed notebooks small
if DATA_DIR is None:
    low = max(0.8, SIDE / N_STEPS)  # slowest bar still crosses the sensor in time
    config = SyntheticConfig(n_classes=N_CLASSES, side=SIDE, n_steps=N_STEPS,
                             speed_range=(low, 2 * low), bar_length_range=(SIDE // 2, SIDE))
    train, val = synthetic_train_val(N_TRAIN, N_VAL, seed=SEED, config=config)
    class_names = CLASS_NAMES[:N_CLASSES]
else:
    from lava_stllr.data.nmnist import load_nmnist_subset

    train_view, val_view = load_nmnist_subset(DATA_DIR, n_train=N_TRAIN, n_val=N_VAL)
    train, val = materialize(train_view), materialize(val_view)  # read and bin once
    class_names = [str(d) for d in range(10)]
print(f"train {len(train)} x {train.n_steps} steps x {train.n_inputs} inputs, "
      f"val {len(val)}, {train.n_classes} classes")
print("training labels per class:", np.bincount(train.labels, minlength=train.n_classes))

# %% [markdown]
# One sample: the events per time step, summed over the two polarities. The network sees
# each input as a binary spike per step (`count > 0`).

# %%
spikes, label = train[0]
side = int(round(np.sqrt(train.n_inputs / 2)))
frames = spikes.reshape(train.n_steps, 2, side, side).sum(axis=1)
shown = np.linspace(0, train.n_steps - 1, 6).astype(int)
fig, axes = plt.subplots(1, len(shown), figsize=(12, 2.4))
for ax, t in zip(axes, shown, strict=True):
    ax.imshow(frames[t], cmap="gray_r", vmin=0, vmax=max(1.0, frames.max()))
    ax.set(title=f"step {t}", xticks=[], yticks=[])
fig.suptitle(f"sample 0, label {label} ({class_names[label]})")
fig.tight_layout()

# %% [markdown]
# ## Build the network
#
# `STLLRNetwork` takes the layer sizes, the steps per sample and an `STLLRParams`. Every
# synaptic connection delays by one step, so the hidden layer runs one step behind the
# input and the readout two; the network appends `gap` blank steps to each sample
# (default `L + 1` for `L` hidden layers) so that no learning signal leaks into the next
# sample. `net.layout` holds everything that fixes the network (sizes, timing, seeds).

# %%
from lava_stllr.lavanet.network import STLLRNetwork

params = STLLRParams.preset(PRESET, lr=LR, psi=PSI)
sizes = (train.n_inputs, HIDDEN, train.n_classes)
net = STLLRNetwork(sizes, n_steps=train.n_steps, params=params, seed=SEED)
lay = net.layout
print(f"sizes {lay.sizes}, {lay.n_steps} steps + gap {lay.gap} = period {lay.period}")
print(f"hidden layer learns from B e delayed by {lay.signal_delay(0)} steps")
initial_weights = net.weights()

# %% [markdown]
# ## Train online
#
# Each epoch plays a shuffled pass over the training set with learning on, then the
# validation set with learning off. `train`/`evaluate` return the readout scores of every
# sample (summed over the learning window), so we get the online training accuracy
# sample by sample for free. The runtime is stopped in `finally` (or use the network as a
# context manager, `with STLLRNetwork(...) as net:`).

# %%
calls = []          # (method, dataset, indices) in play order, for the reference below
history = {"train_acc": [], "val_acc": [], "train_loss": [], "val_loss": []}
online_correct = []
start = time.perf_counter()
try:
    for epoch in range(EPOCHS):
        order = np.random.default_rng(SEED * 1000 + epoch).permutation(len(train))
        result = net.train(train, indices=order, progress=False)
        calls.append(("train", train, order))
        online_correct.extend(result.predictions == result.labels)
        evaluation = net.evaluate(val, progress=False)
        calls.append(("evaluate", val, None))
        history["train_acc"].append(result.accuracy)
        history["train_loss"].append(result.loss)
        history["val_acc"].append(evaluation.accuracy)
        history["val_loss"].append(evaluation.loss)
        print(f"epoch {epoch + 1}: online train acc {result.accuracy:.3f} "
              f"(loss {result.loss:.3f}), val acc {evaluation.accuracy:.3f} "
              f"(loss {evaluation.loss:.3f}), {time.perf_counter() - start:.0f} s")
    lava_weights = net.weights()
finally:
    net.close()
lava_seconds = time.perf_counter() - start
chance = 1.0 / train.n_classes
print(f"final validation accuracy {history['val_acc'][-1]:.3f} (chance {chance:.3f})")

# %% [markdown]
# ## Learning curve

# %%
correct = np.asarray(online_correct, dtype=float)
window = max(1, min(50, len(correct) // 5))
running = np.convolve(correct, np.ones(window) / window, mode="valid")
epochs = np.arange(1, EPOCHS + 1)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
axes[0].plot(np.arange(window, len(correct) + 1), running)
axes[0].axhline(chance, color="0.5", ls="--", label="chance")
axes[0].set(xlabel="training sample", ylabel="accuracy", ylim=(0, 1.02),
            title=f"online accuracy (running mean of {window})")
axes[1].plot(epochs, history["train_acc"], "o-", label="train (online)")
axes[1].plot(epochs, history["val_acc"], "s--", label="validation")
axes[1].axhline(chance, color="0.5", ls="--", label="chance")
axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="accuracy")
axes[2].plot(epochs, history["train_loss"], "o-", label="train (online)")
axes[2].plot(epochs, history["val_loss"], "s--", label="validation")
axes[2].set(xlabel="epoch", ylabel="cross-entropy (nats)", title="loss")
for ax in axes:
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
for ax in axes[1:]:
    ax.set_xticks(epochs)
fig.tight_layout()

# %% [markdown]
# ## The NumPy on-chip reference gives the same weights
#
# `OnChipReference` simulates the same pipeline step by step in NumPy, calling the same
# step functions and programs as the ProcessModels (`lava_stllr/onchip/`), including
# the one-step synaptic delays, the delayed DFA signal and the blank gap steps. Replaying
# the same calls must reproduce the Lava weights and scores (to rounding; the tests require
# 1e-9).

# %%
reference = OnChipReference(lay)
start = time.perf_counter()
for method, dataset, indices in calls:
    getattr(reference, method)(dataset, indices=indices)
numpy_seconds = time.perf_counter() - start
ref_weights = reference.weights()
weight_err = max(float(np.max(np.abs(a - b)))
                 for a, b in zip(lava_weights, ref_weights, strict=True))
weight_change = [float(np.max(np.abs(a - b)))
                 for a, b in zip(lava_weights, initial_weights, strict=True)]
print(f"max |W_lava - W_reference| = {weight_err:.2e}")
print("max |W - W_initial| per layer:", [f"{c:.3f}" for c in weight_change])
print(f"Lava {lava_seconds:.1f} s, NumPy reference {numpy_seconds:.1f} s")
assert weight_err < 1e-9

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, w0, w1, name in zip(axes, initial_weights, lava_weights,
                            ("input -> hidden", "hidden -> readout"), strict=True):
    ax.hist((w1 - w0).ravel(), bins=60, color="tab:orange", log=True)
    ax.set(title=f"{name} {w0.shape[0]}x{w0.shape[1]}", xlabel="W_after - W_before",
           ylabel="count")
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# The Lava network learned online (batch size 1, per-step updates, DFA signal) and the
# NumPy on-chip reference reproduced its weights. For real training runs and parameter
# sweeps, use the batched reference trainer (`lava_stllr.reference.STLLRTrainer`), which is
# orders of magnitude faster than the Lava simulator. Next:
# `03_fixed_point_and_microcode.ipynb` maps the rule onto Loihi 2's integer registers.

# %%
import json

summary = {
    "val_acc": history["val_acc"][-1],
    "train_acc": history["train_acc"][-1],
    "chance": chance,
    "weight_err": weight_err,
    "weight_change": weight_change,
}
print("SUMMARY", json.dumps(summary))
