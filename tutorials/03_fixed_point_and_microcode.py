# %% [markdown]
# # From float to fixed point: Loihi 2 registers and learning-engine microcode
#
# Loihi 2 computes with integers of fixed widths: 8-bit weight mantissas with a shared
# exponent, 24-bit membranes, 7-bit traces and third factors, learning rules written as a
# sum of products with constants `m * 2^e`. `lava_stllr.loihi` maps float S-TLLR onto them:
#
# - `quantize.quantize(params, weights)` chooses every scale and register
#   (`FixedSTLLR`), `dequantize` gives back the float parameters the integers implement;
# - `neuron_fixed.neuron_step` is the fixed-point neuron's per-step integer program
#   (membrane, integer `psi`, post trace, third factors);
# - `engine_replica.bit_approx_learning_step` replicates Lava's bit-approximate learning engine;
# - `microcode.microcode_listing` / `format_microcode` list every register with its
#   constraint check.
#
# This notebook quantizes a small trained network, measures the error of the integer
# `psi`, prints the listing, runs the integer step functions next to the float ones, and,
# compares the float and the fixed-point network over a few epochs of online learning and,
# when the fixed-point Lava models are installed, checks the Lava fixed-point network
# against its NumPy twin bit for bit.

# %% tags=["parameters"]
# Parameters (the tests replace this cell to run the notebook at a small size).
PRESET = "code_default"
PSI = "triangle"     # pseudo-derivative (the on-chip default of lava-stllr train)
LR = 0.005
SIDE = 12            # synthetic sensor side (2 * SIDE**2 inputs)
N_STEPS = 16         # time steps per sample
HIDDEN = 64
N_TRAIN = 300        # training samples of the float and fixed on-chip networks
N_VAL = 100
EPOCHS = 4           # passes of the float vs fixed comparison (section 6)
N_DEMO = 10          # samples streamed through the integer step functions
N_FIXED = 20         # samples for the fixed-point Lava network (when available)
SEED = 0

# %%
import warnings

# tqdm (the library's progress bars, unused here) warns on import without ipywidgets
warnings.filterwarnings("ignore", message="IProgress not found")

# %%
import json

import matplotlib.pyplot as plt
import numpy as np

from lava_stllr.core import psi as psi_float
from lava_stllr.core.engine import stllr_dense_step, synaptic_current
from lava_stllr.core.messages import NeuronState
from lava_stllr.core.psi import psi_kind
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val
from lava_stllr.loihi.bit_approx import EngineRandomStream, bit_approx_dense_activation
from lava_stllr.loihi.conversions import quantize_signal
from lava_stllr.loihi.engine_replica import bit_approx_learning_step
from lava_stllr.loihi.microcode import format_microcode, microcode_listing
from lava_stllr.loihi.neuron_fixed import neuron_step
from lava_stllr.loihi.quantize import dequantize, quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.onchip.programs_float import FloatNeuron
from lava_stllr.params import STLLRParams

plt.rcParams["figure.dpi"] = 72  # small figures keep the committed notebooks small
params = STLLRParams.preset(PRESET, lr=LR, psi=PSI)
low = max(0.8, SIDE / N_STEPS)
config = SyntheticConfig(side=SIDE, n_steps=N_STEPS, speed_range=(low, 2 * low),
                         bar_length_range=(SIDE // 2, SIDE))
train, val = synthetic_train_val(N_TRAIN, N_VAL, seed=SEED, config=config)

# %% [markdown]
# ## 1. Quantize the parameters
#
# Without weights, `quantize` needs the largest weight magnitude per layer
# (`weight_absmax`); `readout_last=True` treats the last layer as the non-spiking readout.
# Some parameters cannot be represented exactly: the pre-trace decay is `exp(-1/tau)` with
# an 8-bit integer `tau`, the decays are numerators over 4096. `dequantize` reports the
# float parameters the integers really implement.

# %%
fx_params = quantize(params, options=QuantizeOptions(weight_absmax=[0.5, 0.5], readout_last=True))
print(f"x1_impulse {fx_params.x1_impulse}, x1_tau {fx_params.x1_tau} "
      f"(lam_pre {params.lam_pre} -> {fx_params.lam_pre_eff:.5f}), "
      f"lam_post -> {fx_params.lam_post_eff:.5f}, beta {params.beta} -> "
      f"{fx_params.beta_eff:.5f}")
for note in fx_params.notes:
    print("note:", note)
effective = dequantize(fx_params).params
print(f"{'':>10} {'float':>10} " + " ".join(f"{'layer ' + str(k):>10}"
                                             for k in range(len(effective))))
for name in ("lam_pre", "lam_post", "beta", "alpha_pre", "alpha_post"):
    row = " ".join(f"{getattr(p, name):>10.5f}" for p in effective)
    print(f"{name:>10} {getattr(params, name):>10.5f} {row}")

# %% [markdown]
# ## 2. Train float weights, then quantize them
#
# We train a small float network with the NumPy on-chip reference (the exact NumPy twin of
# the Lava float network of notebook 02, much faster than the simulator) and quantize its
# weights: each layer gets a weight scale `s_w` (float per mantissa unit, with 2x headroom
# so learning can grow the weights) and a weight exponent; mantissas are even (Loihi's
# mixed-sign weights drop the LSB).

# %%
layout = OnChipLayout((train.n_inputs, HIDDEN, train.n_classes), N_STEPS, params, seed=SEED)
float_net = OnChipReference(layout)
float_net.train(train)
float_eval = float_net.evaluate(val)
float_weights = float_net.weights()
print(f"float network: validation accuracy {float_eval.accuracy:.3f} "
      f"(chance {1 / train.n_classes:.3f})")

fx = quantize(params, float_weights, QuantizeOptions(readout_last=True, beta_out=layout.beta_out))
for layer, w in zip(fx.layers, float_weights, strict=True):
    w_back = layer.weights * layer.weight_scale
    err = np.max(np.abs(w_back - w))
    print(f"layer {layer.index} ({'readout' if layer.readout else 'LIF'}): "
          f"s_w {layer.weight_scale:.3g}, weight_exp {layer.weight_exp}, mantissas in "
          f"[{layer.weights.min()}, {layer.weights.max()}], max |W - W_int*s_w| "
          f"{err:.2g} (<= s_w)")
    assert err <= layer.weight_scale * (1 + 1e-9)

# %% [markdown]
# ## 3. The integer psi and its error
#
# The neuron evaluates `psi` on the integer membrane offset `d = v - (vth << 6)` with shifts,
# one multiply and (for `rational` and `sigmoid`) a small interpolated table; the result is
# 7-bit, one LSB being `peak/127`. Below: float vs integer `psi` for each kind at this
# layer's membrane scale, and the error in LSB against its stated bound.

# %%
fig, axes = plt.subplots(2, 3, figsize=(13, 5.5), sharex="col")
psi_errors = {}
for col, kind in enumerate(("rational", "triangle", "sigmoid")):
    layer = quantize(params.replace(psi=kind), float_weights,
                     QuantizeOptions(readout_last=True)).layers[0]
    spec = layer.psi
    s_v = layer.membrane_scale
    span = 0.08 if kind == "rational" else 1.5   # float membrane offsets u - theta
    d = np.arange(-int(span / s_v), int(span / s_v) + 1, max(1, int(span / s_v) // 2000))
    exact = psi_float(d * s_v, 0.0, kind)
    approx = spec.dequantize(spec(d))
    error_lsb = (approx - exact) / spec.lsb
    psi_errors[kind] = spec.max_error() / spec.lsb
    axes[0, col].plot(d * s_v, exact, label="float psi")
    axes[0, col].plot(d * s_v, approx, "--", label="integer psi")
    axes[0, col].set(title=f"{kind}: max error {psi_errors[kind]:.2f} LSB "
                           f"(bound {psi_kind(kind).error_bound_lsb})")
    axes[0, col].legend(fontsize=8)
    axes[1, col].plot(d * s_v, error_lsb, lw=0.8)
    axes[1, col].set(xlabel="u - theta", ylabel="error (LSB)")
    assert psi_errors[kind] <= psi_kind(kind).error_bound_lsb
fig.tight_layout()

# %% [markdown]
# ## 4. The microcode listing
#
# `microcode_listing` audits every register against the Loihi 2 ranges
# (`lava_stllr/loihi/widths.py`) and raises if one does not fit; `format_microcode` prints
# it. The learning rule is a genuine `Loihi3FLearningRule` string: the sign of the learning
# signal travels in `y1` as a flag (`y1 - 64`), because third factors are unsigned 7-bit.

# %%
listing = microcode_listing(params, fx)
assert listing["ok"]
print(format_microcode(listing))

# %% [markdown]
# The same listing as JSON (the format `lava-stllr microcode --json` prints, there for a
# parameter object without trained weights). Long integer tables (the psi table) are
# abbreviated here for display only.

# %%
def abbreviate(node):
    """Shorten long lists for display."""
    if isinstance(node, dict):
        return {key: abbreviate(value) for key, value in node.items()}
    if isinstance(node, list) and len(node) > 12:
        return node[:6] + [f"... {len(node) - 6} more"]
    if isinstance(node, list):
        return [abbreviate(value) for value in node]
    return node


text = json.dumps(listing)
assert json.loads(text) == listing
print(f"full JSON: {len(text)} characters")
print(json.dumps(abbreviate(listing), indent=1))

# %% [markdown]
# ## 5. Integer step functions next to the float ones
#
# We stream `N_DEMO` validation samples (back to back, as one stream) through the quantized
# hidden layer twice, with the same learning signal (a fixed random value per neuron, like
# a consistent output error):
#
# - **fixed point**: `bit_approx_dense_activation` (the dendritic sum), `neuron_step`
#   (membrane, spikes, integer psi, post trace, third factors `y1, y2, y3`) and
#   `bit_approx_learning_step` (Lava's bit-approximate learning engine, including its
#   stochastic rounding);
# - **float**: the on-chip float step functions with the *dequantized* weights and
#   parameters.
#
# The membranes agree to within the rounding of the integer decay, and spikes on almost
# every (step, neuron). The weights are another matter: a single update (`lr * L * psi *
# trx`) is usually a fraction of one weight LSB, so the engine accumulates it with 7
# fractional bits and rounds stochastically (one random number per step for all synapses).
# The integer weight changes are therefore whole mantissa steps scattered around the float
# ones: correlated, not equal. The integer weights also feed back into the membrane, so the
# two runs slowly drift apart.

# %%
layer = fx.layers[0]
float_params = dequantize(fx).params[0]
neuron_flt = FloatNeuron.from_params(float_params)   # the float program of the same layer
n_post, n_pre = layer.weights.shape
x_stream = (val.spikes[:N_DEMO].reshape(-1, n_pre) > 0)
n_demo_steps = len(x_stream)
rng = np.random.default_rng(SEED)
signal_int = quantize_signal(rng.uniform(-1, 1, n_post), layer)   # integer L
signal = signal_int * layer.signal_scale                           # the same L, float

w_int = layer.weights.astype(np.int32)
w_flt = w_int * layer.weight_scale
w_int0, w_flt0 = w_int.copy(), w_flt.copy()
state, x1 = NeuronState.zeros(n_post), np.zeros(n_pre, dtype=int)
state_flt, trx = neuron_flt.zeros(n_post), np.zeros(n_pre)
a_int, a_flt = np.zeros(n_post, dtype=np.int64), np.zeros(n_post)
engine = EngineRandomStream(rng_seed=0)
trace = {"v_int": [], "v_flt": [], "psi_int": [], "psi_flt": [], "s_int": [], "s_flt": []}
for t in range(n_demo_steps):
    state, out = neuron_step(layer.neuron, state, a_int, signal_int)
    state_flt, step = neuron_flt.step(state_flt, a_flt, signal)
    x = x_stream[t]
    a_int = bit_approx_dense_activation(w_int, x, layer.weight_exp)   # W x, next step
    a_flt = synaptic_current(w_flt, x.astype(float), graded=False)
    w_int, x1 = bit_approx_learning_step(
        w_int, x1, x, out.y, out.bap, layer.rule.products, layer.rule.x1_impulse,
        layer.rule.x1_tau, engine.next())
    trx = stllr_dense_step(w_flt, trx, x.astype(float), step.y2, step.y3,
                           float_params.lam_pre, new_sample=False)
    trace["v_int"].append(state.v * layer.membrane_scale)
    trace["v_flt"].append(state_flt.v)
    trace["psi_int"].append(layer.psi.dequantize(out.psi))
    trace["psi_flt"].append(step.psi)
    trace["s_int"].append(out.spikes)
    trace["s_flt"].append(step.spikes > 0)
trace = {key: np.array(value) for key, value in trace.items()}
spike_agreement = float(np.mean(trace["s_int"] == trace["s_flt"]))
dw_int = (w_int - w_int0) * layer.weight_scale
dw_flt = w_flt - w_flt0
dw_corr = float(np.corrcoef(dw_int.ravel(), dw_flt.ravel())[0, 1])
print(f"{n_demo_steps} steps: spikes agree on {spike_agreement:.1%} of (step, neuron), "
      f"firing rate {trace['s_int'].mean():.3f} (fixed) vs {trace['s_flt'].mean():.3f}")
print(f"weight change: correlation fixed vs float {dw_corr:.3f}, "
      f"max |dW| {np.abs(dw_flt).max():.3g} = {np.abs(dw_flt).max() / layer.weight_scale:.1f}"
      f" weight LSBs")

# %%
neuron = int(np.argmax(trace["s_flt"].sum(axis=0)))
shown = slice(0, min(n_demo_steps, 3 * N_STEPS))
steps = np.arange(n_demo_steps)[shown]
fig, axes = plt.subplots(1, 3, figsize=(14, 3.4))
axes[0].plot(steps, trace["v_flt"][shown, neuron], label="float")
axes[0].plot(steps, trace["v_int"][shown, neuron], "--", label="fixed (dequantized)")
axes[0].set(xlabel="step", ylabel="membrane u (after reset)", title=f"neuron {neuron}")
axes[1].plot(steps, trace["psi_flt"][shown, neuron], label="float")
axes[1].plot(steps, trace["psi_int"][shown, neuron], "--", label="fixed (dequantized)")
axes[1].set(xlabel="step", ylabel="psi", title="secondary activation")
axes[2].scatter(dw_flt.ravel(), dw_int.ravel(), s=4, alpha=0.4)
top = float(np.abs(dw_flt).max())
axes[2].plot([-top, top], [-top, top], color="0.5", lw=0.8)
axes[2].set(xlabel="dW float", ylabel="dW fixed (dequantized)",
            title=f"weight change, r = {dw_corr:.2f}")
for ax in axes[:2]:
    ax.legend(fontsize=8)
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()

# %% [markdown]
# ## 6. Float vs fixed point: does the integer network learn as well?
#
# `OnChipReference(layout, precision="fixed")` runs the integer programs of the Lava
# fixed-point network bit for bit (section 7 checks that), in NumPy and much faster than
# the simulator. Both networks start from the same weights (the fixed one quantizes them),
# see the same samples in the same seeded order for `EPOCHS` epochs of online DFA
# learning, and are validated on the same held-out samples after every epoch.

# %%
curves: dict[str, list[float]] = {}
for precision in ("float", "fixed"):
    net = OnChipReference(layout, precision=precision)
    curves[precision] = []
    for epoch in range(EPOCHS):
        order = np.random.default_rng(SEED * 1000 + epoch).permutation(len(train))
        net.train(train, indices=order)
        curves[precision].append(net.evaluate(val).accuracy)
    print(f"{precision:>5}: validation accuracy per epoch "
          + " ".join(f"{a:.2f}" for a in curves[precision]))

fig, ax = plt.subplots(figsize=(5, 3.2))
epochs = np.arange(1, EPOCHS + 1)
for precision, marker in (("float", "o"), ("fixed", "s")):
    ax.plot(epochs, curves[precision], marker=marker, label=precision)
ax.axhline(1 / train.n_classes, color="grey", ls=":", label="chance")
ax.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0, 1.02), xticks=epochs,
       title=f"{train.n_inputs}-{HIDDEN}-{train.n_classes}, {N_TRAIN} samples, online DFA")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()

# %% [markdown]
# The fixed-point network learns at least as well as the float one here. Lava's
# bit-approximate learning engine rounds products with a stochastic, slightly downward
# bias that acts like weight decay, and the saturating 24-bit membrane bounds the state;
# `benchmarks/bench_fixed_accuracy.py` measures the same comparison on more seeds and on
# N-MNIST.

# %% [markdown]
# ## 7. The fixed-point network in Lava (when available)
#
# The bit-approximate Lava ProcessModels are registered under the Lava model tag `fixed_pt`
# (`process_models/registry.py`). `STLLRNetwork(..., precision="fixed")` quantizes the
# layout's initial weights and DFA feedback (`lava_stllr.loihi.network_fixed`) and builds
# the same network with integer state. The cell below trains it in Lava on `N_FIXED`
# samples (the simulator is slow) and checks its weights and scores against the NumPy
# twin of section 6 trained on the same samples. If this installation has no `fixed_pt`
# models, the cell says so and the notebook carries on.

# %%
from lava_stllr.lavanet.network import STLLRNetwork
from process_models.registry import tags

fixed_summary = None
if "fixed_pt" in tags():
    n_fixed = min(N_FIXED, len(train))
    fixed_net = STLLRNetwork(layout.sizes, n_steps=N_STEPS, params=params, seed=SEED,
                             precision="fixed")
    try:
        fixed_net.train(train, n_samples=n_fixed, progress=False)
        fixed_eval = fixed_net.evaluate(val, progress=False)
        fixed_mantissas = fixed_net.weight_mantissas()
    finally:
        fixed_net.close()

    twin = OnChipReference(layout, precision="fixed")  # bit-exact NumPy twin
    twin.train(train, n_samples=n_fixed)
    twin_eval = twin.evaluate(val)
    bit_exact = all(np.array_equal(a, b) for a, b in
                    zip(fixed_mantissas, twin.weight_mantissas(), strict=True))
    bit_exact &= np.array_equal(fixed_eval.scores, twin_eval.scores)
    print(f"fixed-point Lava network == its NumPy twin after {n_fixed} samples, weights "
          f"and scores bit for bit: {bit_exact}")
    fixed_summary = {"bit_exact": bool(bit_exact), "samples": n_fixed}
else:
    print(f"no fixed_pt ProcessModels registered (tags: {tags()}): skipping the Lava "
          "fixed-point run; sections 1-6 used the same integer programs in NumPy")

# %% [markdown]
# ## Summary
#
# - `quantize` turns float S-TLLR into Loihi 2 registers; `dequantize` shows the small
#   deviations (trace decays, alphas) that the integers really implement.
# - The integer `psi` stays within about one output LSB of the float `psi`.
# - The microcode listing documents every register, the learning-rule products and their
#   range checks, as text and JSON.
# - The integer neuron and learning-engine steps track the float model; with learning,
#   weights move in stochastically rounded mantissa units.
# - Trained online for a few epochs, the fixed-point network reaches the float network's
#   accuracy (here it is ahead), and the Lava fixed-point network is its NumPy twin bit
#   for bit.

# %%
summary = {
    "float_val_acc": float_eval.accuracy,
    "psi_error_lsb": psi_errors,
    "listing_ok": listing["ok"],
    "spike_agreement": spike_agreement,
    "dw_correlation": dw_corr,
    "fixed_weights_changed": bool(np.any(w_int != w_int0)),
    "float_vs_fixed": curves,
    "fixed_network": fixed_summary,
}
print("SUMMARY", json.dumps(summary))
