# %% [markdown]
# # A conv front-end in Lava with a head that keeps learning on chip
#
# The transfer pattern of on-chip learning systems: train a convolutional spiking network
# offline, deploy it, and let only its last layers adapt on the device to what the device
# sees. This notebook does it end to end with lava-stllr:
#
# 1. train a small conv S-TLLR network (`4c5-p2-32`: 4 kernels of 5x5, 2x2 max pooling,
#    32 LIF neurons, a leaky readout) with the batched trainer (`ConvSTLLRTrainer`, BP
#    signal, Adam);
# 2. export it to lava-dl's netx HDF5 format and check the file by simulating it;
# 3. run it in Lava's CPU simulator: the conv layer as Lava's stock `Conv` Process with
#    `FrontEndLIF` neurons and a `SpikePool`, frozen, under a learning `STLLRDense` head,
#    readout and error path, and check that Lava predicts what the trainer predicts;
# 4. move to a noisier sensor: the offline weights lose accuracy, and the head, learning
#    online in Lava (batch size 1, per-step S-TLLR with DFA), wins part of it back.
#
# **Why the conv layers stay frozen on chip.** Loihi 2's learning engine updates each
# synapse from its own pre and post traces; a convolution shares one kernel across all
# output positions, which the engine has no way to express. Conv layers therefore learn in
# the batched trainer, and run on chip as inference front-ends.
#
# The data is the embedded synthetic moving-bar set (no download): four classes (a bar
# moving right, left, down or up) on a 16 x 16 x 2 sensor, 24 steps of 1 ms.

# %% tags=["parameters"]
# Parameters (the tests replace this cell to run the notebook at a small size).
N_TRAIN = 300        # offline training samples
N_VAL = 100          # held-out samples (clean and noisy sensor each)
N_ADAPT = 300        # noisy-sensor samples per online epoch
EPOCHS = 5           # offline epochs
ADAPT_EPOCHS = 3     # online epochs in Lava
LAYERS = "4c5-p2-32"
LR = 3e-3            # offline (Adam)
LR_ONLINE = 3e-4     # on chip (plain per-step SGD)
NOISE_HZ = 50.0      # background events per pixel per second of the noisy sensor
N_CHECK = 40         # samples checked against the netx file and Lava inference
SEED = 0

# %%
import warnings

# tqdm (the library's progress bars, unused here) warns on import without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

# %%
import dataclasses
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from lava_stllr.data.cache import materialize
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val
from lava_stllr.export import export_netx, read_netx, simulate_netx
from lava_stllr.lavanet.conv import conv_layout, conv_network
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

# %% [markdown]
# ## Data: the lab recordings and the noisy sensor
#
# The offline set and the deployed sensor see the same bars; the deployed sensor also
# emits `NOISE_HZ` background events per pixel per second.

# %%
config = SyntheticConfig()
noisy_config = dataclasses.replace(config, noise_rate_hz=NOISE_HZ)
train, val = (materialize(d) for d in synthetic_train_val(N_TRAIN, N_VAL, SEED, config))
adapt, noisy_val = (materialize(d) for d in
                    synthetic_train_val(N_ADAPT, N_VAL, SEED + 1, noisy_config))
input_shape = (2, config.side, config.side)
chance = 1 / train.n_classes
print(f"{len(train)} training, {len(val)} validation samples of {train.n_steps} steps x "
      f"{train.n_inputs} inputs {input_shape}; noisy sensor: {len(adapt)} + "
      f"{len(noisy_val)}")
print(f"input activity: clean {val.spikes.mean():.3f}, noisy {noisy_val.spikes.mean():.3f} "
      "events per input per step")

# %% [markdown]
# ## 1. Offline: the batched conv trainer
#
# A hard reset (`reset="hard"`) keeps the exported netx file exact (netx neurons reset to
# zero); the triangle pseudo-derivative learns fast on chip later.

# %%
spec = ConvNetSpec.parse(LAYERS, input_shape, train.n_classes)
params = STLLRParams.preset("code_default", lr=LR, reset="hard", psi="triangle")
trainer = ConvSTLLRTrainer(spec, params, signal="bp", optimizer="adam", seed=SEED)
start = time.perf_counter()
history = trainer.fit(train, val, epochs=EPOCHS, batch_size=16, progress=False)
print(f"{spec.label}: {len(spec.weight_shapes)} weight tensors "
      f"{[tuple(s) for s in spec.weight_shapes]}, trained in "
      f"{time.perf_counter() - start:.1f} s")
print("validation accuracy per epoch:", [f"{a:.2f}" for a in history.val_acc])
offline_clean = trainer.evaluate(val)[1]
offline_noisy = trainer.evaluate(noisy_val)[1]
print(f"offline weights: clean sensor {offline_clean:.2f}, noisy sensor {offline_noisy:.2f}")

# %% [markdown]
# ## 2. Export to netx and simulate the file
#
# `export_netx` writes lava-dl's HDF5 layout: a `conv` block (kernel, stride, padding,
# CUBA neuron), the max pool as a depthwise conv block whose neuron fires when any spike
# is in its window, a `flatten` entry, then the dense blocks. Weights become 8-bit
# mantissas. `simulate_netx` runs the file with integer arithmetic.

# %%
check = range(min(N_CHECK, len(val)))
trainer_pred = trainer.predict_scores(val.spikes[list(check)]).argmax(axis=1)
with tempfile.TemporaryDirectory() as folder:
    netx_path = Path(folder) / "conv_front_end.net"
    export_netx(netx_path, spec, params, trainer.weights)
    print("blocks:", [entry["type"] for entry in read_netx(netx_path)])
    netx_pred = np.array([simulate_netx(netx_path, val.spikes[i]).prediction(
        params.window_start(val.n_steps)) for i in check])
netx_agreement = float(np.mean(netx_pred == trainer_pred))
print(f"netx file vs trainer: {netx_agreement:.0%} of {len(check)} predictions agree "
      "(the file holds 8-bit weights; the trainer float64)")

# %% [markdown]
# ## 3. The same network in Lava
#
# `conv_network` splits the trained network: the conv layer becomes a stock Lava `Conv`
# with `FrontEndLIF` neurons and a `SpikePool` (frozen); the dense layer and the readout
# become `STLLRDense` connections into an `STLLRLIF` layer and the fused `OutputLayer`,
# starting from the trained weights. With `lr = 0` nothing learns, and Lava's class scores
# (summed over the learning window) equal the trainer's.

# %%
frozen = dataclasses.replace(params, lr=0.0)
start = time.perf_counter()
with conv_network(spec, trainer.weights, val.n_steps, frozen, seed=SEED) as net:
    lava_run = net.evaluate(val, indices=list(check))
lava_seconds = time.perf_counter() - start
window = val.n_steps - params.window_start(val.n_steps)
lava_scores = np.array(lava_run.scores) / window
trainer_scores = trainer.predict_scores(val.spikes[list(check)])
score_err = float(np.max(np.abs(lava_scores - trainer_scores)))
lava_equals_trainer = bool(np.array_equal(lava_run.predictions, trainer_pred))
print(f"Lava vs trainer: max score difference {score_err:.1e}, same predictions: "
      f"{lava_equals_trainer} ({lava_seconds:.1f} s with start-up)")
assert score_err < 1e-9 and lava_equals_trainer

# %% [markdown]
# ## 4. On the noisy sensor: the head learns online in Lava
#
# Same network, now with `LR_ONLINE`: the hidden `STLLRDense` learns from the DFA signal
# `B e[t]` and the readout from `e[t]` every step; the conv kernels stay as trained.
# The NumPy twin of the on-chip network (`OnChipReference`) runs the same stream, and
# must end with the same head weights.

# %%
online = dataclasses.replace(params, lr=LR_ONLINE)
layout = conv_layout(spec, trainer.weights, val.n_steps, online, seed=SEED)
twin = OnChipReference(layout, precision="float")
curve = {"noisy": [], "clean": []}
start = time.perf_counter()
with conv_network(spec, trainer.weights, val.n_steps, online, seed=SEED) as net:
    kernel_before = net.front.convs[0].weight.get().copy()
    for epoch in range(ADAPT_EPOCHS + 1):
        if epoch:
            net.train(adapt, progress=False)
            twin.train(adapt)
        curve["noisy"].append(net.evaluate(noisy_val).accuracy)
        curve["clean"].append(net.evaluate(val).accuracy)
        print(f"after {epoch} online epoch(s): noisy sensor {curve['noisy'][-1]:.2f}, "
              f"clean {curve['clean'][-1]:.2f}", flush=True)
    head_lava = net.weights()
    kernel_unchanged = bool(np.array_equal(kernel_before, net.front.convs[0].weight.get()))
adapt_seconds = time.perf_counter() - start
head_err = max(float(np.max(np.abs(a - b)))
               for a, b in zip(head_lava, twin.weights(), strict=True))
print(f"Lava vs NumPy twin: max head weight difference {head_err:.1e}; conv kernel "
      f"unchanged: {kernel_unchanged} ({adapt_seconds:.0f} s in Lava)")
assert head_err < 1e-9 and kernel_unchanged

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
epochs = range(ADAPT_EPOCHS + 1)
ax.plot(epochs, curve["noisy"], "o-", label="noisy sensor (online learning data)")
ax.plot(epochs, curve["clean"], "s--", label="clean sensor")
ax.axhline(chance, color="grey", lw=0.8, ls=":", label="chance")
ax.set(xlabel="online epochs in Lava", ylabel="validation accuracy", ylim=(0, 1.02),
       title=f"{spec.label}: frozen conv front-end, head learning on chip")
ax.legend(loc="lower right", fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# The conv network trained offline ran in Lava with the trainer's predictions, its netx
# export was checked by simulation, and its head adapted online to a noisier sensor while
# the conv kernels stayed fixed. For the same pattern from the command line:
# `lava-stllr train --backend reference --layers 4c5-p2-32`, `lava-stllr export RUN`, and
# `lava-stllr evaluate RUN --backend lava`.

# %%
import json

summary = {
    "offline_val_acc": history.val_acc[-1],
    "offline_noisy_acc": offline_noisy,
    "chance": chance,
    "netx_agreement": netx_agreement,
    "lava_score_err": score_err,
    "lava_equals_trainer": lava_equals_trainer,
    "adapt_noisy": curve["noisy"],
    "adapt_clean": curve["clean"],
    "head_err": head_err,
    "kernel_unchanged": kernel_unchanged,
}
print("SUMMARY", json.dumps(summary))
