"""Write the tutorial notebooks from the cell sources below (and optionally run them).

The notebooks are generated from this file so that their code can be reviewed as plain
Python and regenerated after an API change::

    .venv/bin/python tutorials/make_notebooks.py            # write the three .ipynb files
    .venv/bin/python tutorials/make_notebooks.py --execute  # ... and run them at default
                                                            # size, keeping the outputs

Each notebook starts with one parameter cell (tagged ``parameters``) that holds every size
knob; ``tests/test_tutorials.py`` replaces it to run the notebooks at a small size.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

NOTEBOOKS = {
    "01_stllr_dense_basics.ipynb": "NB1",
    "02_online_dfa_training.ipynb": "NB2",
    "03_fixed_point_and_microcode.ipynb": "NB3",
}


def md(text: str) -> tuple[str, str]:
    """A markdown cell."""
    return "markdown", textwrap.dedent(text).strip("\n")


def code(text: str) -> tuple[str, str]:
    """A code cell."""
    return "code", textwrap.dedent(text).strip("\n")


def params(text: str) -> tuple[str, str]:
    """The parameter cell (tagged ``parameters``)."""
    return "parameters", textwrap.dedent(text).strip("\n")


# ======================================================================================
# 01: one STLLRDense, step by step
# ======================================================================================

NB1 = [
    md("""
    # S-TLLR basics: one learning `STLLRDense`, step by step

    **S-TLLR** (Apolinario & Roy, *STDP-inspired Temporal Local Learning Rule for Spiking
    Neural Networks*, TMLR 2025) trains a spiking network online with a three-factor rule
    whose memory does not grow with the number of time steps. For a synapse from pre neuron
    `j` to post neuron `i` at step `t`:

    ```
    trx_j[t]   = lam_pre  * trx_j[t-1]   + x_j[t]          pre trace (spikes)
    psi_i[t]   = psi(u_i[t])                               secondary activation, near threshold
    trpsi_i[t] = lam_post * trpsi_i[t-1] + psi_i[t]        post trace
    e_ij[t]    = alpha_pre  * psi_i[t]     * trx_j[t]      causal term     (pre before post)
               + alpha_post * trpsi_i[t-1] * x_j[t]        non-causal term (post before pre)
    dW_ij      = -lr * sum_t L_i[t] * e_ij[t]              L: learning signal (third factor)
    ```

    In Lava the rule is split between two Processes, exactly as on Loihi 2's learning
    engine:

    - `STLLRLIF` (the post neurons) integrates the current, spikes, computes `psi`, the post
      trace `trpsi` and sends two *third factors* `y2`, `y3` to its input connection;
    - `STLLRDense` (the learning connection) keeps the pre trace `x1` and applies the
      learning-engine rule `dw = u0 * x1 * y2 + x0 * y3`.

    This notebook builds the smallest such network, drives it with a hand-made spike
    pattern, records every state variable with Lava `Monitor`s, recomputes the S-TLLR
    eligibility from the recordings by hand, and separates the causal and non-causal
    terms. Everything runs in Lava's CPU simulator; the lava-stllr Processes need the run
    config `STLLRSimCfg`, which maps them to their ProcessModels.
    """),
    params("""
    # Parameters (the tests replace this cell to run the notebook at a small size).
    PRESET = "code_default"  # lam_post=0.5, lam_pre=0.8, alpha_post=-0.2, alpha_pre=1
    T_POST = 10              # input step at which the driver input makes the post neuron fire
    MAX_LAG = 6              # one probe input per lag t_pre - t_post in [-MAX_LAG, MAX_LAG]
    N_TAIL = 4               # blank steps after the last probe spike
    LR = 1.0                 # learning rate; with L = -1 below, dW is the summed eligibility
    """),
    code("""
    import matplotlib.pyplot as plt
    import numpy as np
    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.io.source import RingBuffer
    from lava.proc.monitor.process import Monitor

    from lava_stllr.core import psi as psi_fn
    from lava_stllr.params import STLLRParams
    from lava_stllr.processes import STLLRLIF, STLLRDense
    from lava_stllr.run_config import STLLRSimCfg

    params = STLLRParams.preset(PRESET, lr=LR)
    params
    """),
    md("""
    ## A hand-made spike pattern

    One post neuron, and `1 + 2*MAX_LAG` inputs, each spiking exactly once:

    - input 0, the **driver**, has weight `theta + 0.01` and spikes at `T_POST`: its current
      puts the membrane just above threshold, so the post neuron fires there, with a large
      `psi` (the default `rational` psi, `1/(100|u - theta| + 1)^2`, is sharply peaked at the
      threshold, so `psi` is about 0 everywhere else);
    - the **probe** inputs start at weight 0 (they do not change the neuron's activity) and
      spike at `T_POST + lag` for `lag = -MAX_LAG..-1, 1..MAX_LAG`.

    After the run, the weight change of each probe is the S-TLLR eligibility of its pairing:
    a measured STDP window. The learning signal is a constant `L = -1` ("this neuron should
    have fired more"), so `dW = +lr * sum_t e[t]`.
    """),
    code("""
    assert T_POST > MAX_LAG >= 1 and N_TAIL >= 2
    LAGS = np.array([0] + [lag for lag in range(-MAX_LAG, MAX_LAG + 1) if lag != 0])
    N_IN = len(LAGS)                      # input 0 is the driver (lag 0)
    N_RUN = T_POST + MAX_LAG + N_TAIL     # Lava steps of every run
    DRIVE = params.theta + 0.01
    L_VALUE = -1.0

    PATTERN = np.zeros((N_IN, N_RUN))     # RingBuffer data: (inputs, steps)
    PATTERN[np.arange(N_IN), T_POST + LAGS] = 1.0
    W0 = np.zeros((1, N_IN))
    W0[0, 0] = DRIVE

    fig, ax = plt.subplots(figsize=(7, 2.8))
    steps, inputs = np.nonzero(PATTERN.T)
    ax.scatter(steps, inputs, marker="|", s=120, color="k")
    ax.set(xlabel="input step", ylabel="input", title="input pattern (input 0 = driver)",
           yticks=range(N_IN), yticklabels=[f"{i}: lag {lag:+d}" for i, lag in enumerate(LAGS)])
    ax.axvline(T_POST, color="tab:red", alpha=0.3)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    """),
    md("""
    ## The Lava network, with Monitors

    `RingBuffer` (Lava's spike source) plays the pattern into `STLLRDense`, whose output
    current drives one `STLLRLIF`. A second `RingBuffer` feeds the learning signal to the
    neuron's `sig_in`. The neuron sends its third factors back to the synapse's
    `s_in_y2`/`s_in_y3` ports on every step.

    We probe the synapse's `weights` and pre trace `x1`, the neuron's membrane `u` (after
    reset), post trace `trpsi`, spikes and third factors. The runtime is always stopped in a
    `finally` block.
    """),
    code("""
    def run_pairing(run_params: STLLRParams) -> dict[str, np.ndarray]:
        \"\"\"Run the pattern through STLLRDense -> STLLRLIF in Lava; return one row per step.\"\"\"
        source = RingBuffer(data=PATTERN)
        signal = RingBuffer(data=np.full((1, N_RUN), L_VALUE))
        dense = STLLRDense(weights=W0, params=run_params)
        lif = STLLRLIF(n=1, params=run_params)
        source.s_out.connect(dense.s_in)
        dense.a_out.connect(lif.a_in)
        signal.s_out.connect(lif.sig_in)
        lif.y2_out.connect(dense.s_in_y2)
        lif.y3_out.connect(dense.s_in_y3)
        probes = {"w": (dense, "weights"), "x1": (dense, "x1"), "u": (lif, "u"),
                  "trpsi": (lif, "trpsi"), "s": (lif, "s_out"), "y2": (lif, "y2_out"),
                  "y3": (lif, "y3_out")}
        monitors = {}
        for key, (proc, attr) in probes.items():
            monitors[key] = Monitor()
            monitors[key].probe(getattr(proc, attr), N_RUN)
        try:
            source.run(condition=RunSteps(num_steps=N_RUN),
                       run_cfg=STLLRSimCfg(select_tag="floating_pt"))
            rec = {key: np.asarray(monitors[key].get_data()[proc.name][attr], dtype=float)
                   for key, (proc, attr) in probes.items()}
        finally:
            source.stop()
        rec["w"] = rec["w"].reshape(N_RUN, N_IN)
        for key in ("u", "trpsi", "s", "y2", "y3"):
            rec[key] = rec[key].reshape(N_RUN)
        return rec


    rec = run_pairing(params)
    print("post spikes at Lava steps (0-based):", np.flatnonzero(rec["s"]))
    print("weight change per input:", np.round(rec["w"][-1] - W0[0], 5))
    """),
    md("""
    ## Step by step

    Time below is the neuron's step `i` (0-based Lava step). A `Dense`-like connection
    delivers `W x` one step after it receives `x`, so the input of step `t` reaches the
    neuron at step `t + 1`: the driver's spike at input step `T_POST` makes the neuron fire
    at step `T_POST + 1`. In this "neuron time" the pre trace is
    `trx[i] = x1[i - 1]` (the synapse's own trace already holds the spike it just received).

    The neuron computes `psi` on the membrane *before* its reset (`v = u + theta*s` for the
    soft reset). The third factors are

    ```
    y2 = -lr * L * (alpha_pre/lam_pre) * psi
    y3 = -lr * L * (alpha_post * trpsi - (alpha_pre/lam_pre) * psi)
    ```

    (times a tiny gain that cancels the synapse's decay of received y values): with these the
    engine's two products sum to exactly the S-TLLR eligibility in neuron time (see
    `lava_stllr/learning_rule.py`).
    """),
    code("""
    theta = params.theta
    v = rec["u"] + theta * rec["s"]                 # membrane before the reset
    psi = psi_fn(v, theta, params.psi)
    x_nt = np.zeros((N_RUN, N_IN))                  # input as the neuron sees it
    x_nt[1:] = PATTERN.T[:-1]
    trx = np.zeros((N_RUN, N_IN))
    trx[1:] = rec["x1"][:-1]

    probe_pre = int(np.flatnonzero(LAGS == -2)[0])  # a probe that fires 2 steps before post
    probe_post = int(np.flatnonzero(LAGS == 2)[0])  # ... and one that fires 2 steps after
    i = np.arange(N_RUN)
    fig, axes = plt.subplots(5, 1, figsize=(8, 9), sharex=True)
    axes[0].plot(i, v, "o-", ms=5, label="v (before reset)")
    axes[0].axhline(theta, color="0.5", ls="--", label="theta")
    axes[0].set_ylabel("membrane")
    ax_psi = axes[0].twinx()
    ax_psi.plot(i, psi, "s--", ms=3, color="tab:red")
    ax_psi.set_ylabel("psi (red, dashed)", color="tab:red")
    axes[1].plot(i, rec["trpsi"], "o-", ms=3, color="tab:red", label="post trace trpsi")
    for j, name in ((probe_pre, "lag -2"), (probe_post, "lag +2")):
        axes[1].plot(i, trx[:, j], "o-", ms=3, label=f"pre trace trx ({name})")
    axes[1].set_ylabel("traces")
    axes[2].plot(i, rec["y2"], "o-", ms=3, label="y2 (causal)")
    axes[2].plot(i, rec["y3"], "o-", ms=3, label="y3 (non-causal + timing)")
    axes[2].set_ylabel("third factors")
    for j, name in ((0, "driver"), (probe_pre, "lag -2"), (probe_post, "lag +2")):
        axes[3].plot(i, rec["w"][:, j] - W0[0, j], "o-", ms=3, label=name)
    axes[3].set_ylabel("W - W0")
    steps, inputs = np.nonzero(x_nt)
    axes[4].scatter(steps, LAGS[inputs], marker="|", s=80, color="k", label="input spikes")
    axes[4].scatter(np.flatnonzero(rec["s"]), [0] * int(rec["s"].sum()), marker="*", s=150,
                    color="tab:red", label="post spike")
    axes[4].set(ylabel="lag of the input", xlabel="neuron step i", xticks=i[::2])
    for ax in axes:
        ax.legend(loc="upper left", fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    """),
    md("""
    Reading the figure: the driver's current lifts the membrane just above `theta` at step
    `T_POST + 1`; `psi` peaks there and the post trace jumps, then decays by `lam_post` per
    step. The causal factor `y2` is non-zero only while `psi` is, so at that step every
    input with a non-zero pre trace (the driver and the earlier probes) is potentiated. A
    probe that fires *after* the post spike meets the decaying post trace through `y3`; its
    update appears one step before the neuron integrates its current, because the synapse
    applies the non-causal product as soon as it receives the pre spike (same value, one
    step earlier: that is the timing correction of the Lava mapping).

    ## The eligibility by hand, and the two terms

    From the recorded `psi`, `trpsi` and the neuron-time input we compute both S-TLLR terms
    for every step and input, and check that their sum is exactly the weight change the
    Lava synapse applied.
    """),
    code("""
    trpsi_prev = np.concatenate([[0.0], rec["trpsi"][:-1]])
    e_causal = params.alpha_pre * psi[:, None] * trx            # (steps, inputs)
    e_noncausal = params.alpha_post * trpsi_prev[:, None] * x_nt
    dw_causal = -params.lr * L_VALUE * e_causal.sum(axis=0)
    dw_noncausal = -params.lr * L_VALUE * e_noncausal.sum(axis=0)
    dw_lava = rec["w"][-1] - W0[0]

    # the recorded post trace follows its recursion, the pre trace its own
    trpsi_check = np.zeros(N_RUN)
    for k in range(N_RUN):
        trpsi_check[k] = params.lam_post * (trpsi_check[k - 1] if k else 0.0) + psi[k]
    assert np.allclose(trpsi_check, rec["trpsi"], rtol=0, atol=1e-12)
    err_by_hand = float(np.max(np.abs(dw_causal + dw_noncausal - dw_lava)))
    print(f"max |dW(by hand) - dW(Lava)| = {err_by_hand:.2e}")
    assert err_by_hand < 1e-9

    print(f"{'input':>5} {'lag':>4} {'causal':>10} {'non-causal':>11} {'total':>10} {'Lava':>10}")
    for j in np.argsort(LAGS):
        print(f"{j:>5} {LAGS[j]:>+4d} {dw_causal[j]:>10.5f} {dw_noncausal[j]:>11.5f} "
              f"{dw_causal[j] + dw_noncausal[j]:>10.5f} {dw_lava[j]:>10.5f}")
    """),
    md("""
    **Pre before post** (negative lag): the pre trace is still non-zero when the neuron fires
    and `psi` peaks, so the causal term `alpha_pre * psi * trx` potentiates, decaying as
    `lam_pre^|lag|`. **Post before pre** (positive lag): the pre spike meets a post trace that
    decays as `lam_post^(lag-1)`, so the non-causal term has the sign of `alpha_post` (negative
    for this preset: depression).

    The same separation in Lava: run the network again with `alpha_post = 0` (causal term
    only) and with `alpha_pre = 0` (non-causal term only).
    """),
    code("""
    rec_causal = run_pairing(params.replace(alpha_post=0.0))
    rec_noncausal = run_pairing(params.replace(alpha_pre=0.0))
    dw_only_causal = rec_causal["w"][-1] - W0[0]
    dw_only_noncausal = rec_noncausal["w"][-1] - W0[0]
    err_split = float(max(np.max(np.abs(dw_only_causal - dw_causal)),
                          np.max(np.abs(dw_only_noncausal - dw_noncausal))))
    print(f"max |dW(ablation run) - dW(term by hand)| = {err_split:.2e}")
    assert err_split < 1e-9

    order = np.argsort(LAGS)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(LAGS[order], dw_lava[order], "ko-", label="full rule")
    ax.plot(LAGS[order], dw_only_causal[order], "s--", label="alpha_post = 0 (causal)")
    ax.plot(LAGS[order], dw_only_noncausal[order], "^--", label="alpha_pre = 0 (non-causal)")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set(xlabel="lag t_pre - t_post (steps)", ylabel="dW",
           title=f"S-TLLR window, preset {PRESET!r}, L = -1")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    """),
    md("""
    ## The published presets

    The presets differ in their trace decays and in the sign of `alpha_post`:
    `dvs_gesture` (`alpha_post = -1`) gives an antisymmetric, STDP-like window; `shd`
    (`alpha_post = +1`, `lam_pre = 1`) potentiates both orders, and with `lam_pre = 1` the
    causal side does not decay with the lag at all. (We keep the `rational` psi for every
    preset so that only the trace and alpha parameters change; the `triangle` psi of the
    DVS presets is non-zero far below threshold, which adds a background term.)
    """),
    code("""
    windows = {}
    for name in ("code_default", "dvs_gesture", "shd"):
        preset_params = STLLRParams.preset(name, lr=LR, psi="rational")
        windows[name] = run_pairing(preset_params)["w"][-1] - W0[0]

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, dw in windows.items():
        ax.plot(LAGS[order], dw[order], "o-", label=name)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set(xlabel="lag t_pre - t_post (steps)", ylabel="dW", title="windows of the presets")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()

    before, after = LAGS == -1, LAGS == 1
    for name, dw in windows.items():
        print(f"{name:>12}: lag -1 -> {dw[before][0]:+.4f}, lag +1 -> {dw[after][0]:+.4f}")
    """),
    md("""
    ## Summary

    - `STLLRLIF` computes `psi`, the post trace and the third factors; `STLLRDense` keeps the
      pre trace and applies `dw = u0*x1*y2 + x0*y3` (Loihi 2's learning-engine form).
    - The recorded weight changes equal the S-TLLR eligibility computed by hand from the
      recorded states; the causal term rewards pre-before-post pairings, the non-causal term
      (weighted by `alpha_post`) acts on post-before-pre pairings.

    Next: `02_online_dfa_training.ipynb` trains a whole network online with these Processes.
    """),
    code("""
    import json

    summary = {
        "dw_pre_before_post": float(dw_lava[LAGS == -1][0]),
        "dw_post_before_pre": float(dw_lava[LAGS == 1][0]),
        "err_by_hand": err_by_hand,
        "err_split": err_split,
        "weights_changed": bool(np.any(np.abs(dw_lava) > 1e-6)),
    }
    print("SUMMARY", json.dumps(summary))
    """),
]


# ======================================================================================
# 02: online DFA training with STLLRNetwork
# ======================================================================================

NB2 = [
    md("""
    # Training a spiking network online with S-TLLR and DFA, in Lava

    `lava_stllr.network.STLLRNetwork` builds a complete on-chip-style training network from
    lava-stllr Processes:

    ```
    EventSource -> STLLRDense -> STLLRLIF (hidden) -> STLLRDense -> LeakyReadout -> OutputError
                                      ^                                                  |
                                      +---------- Dense B (fixed random DFA feedback) ---+
    ```

    - the hidden `STLLRLIF` layer and the leaky-integrator `LeakyReadout` drive the learning of
      their input `STLLRDense` connections every step (plain per-step SGD, batch size 1);
    - `OutputError` computes the cross-entropy error `e[t] = softmax(z[t]) - onehot(label)`
      each step; the readout learns from `e` directly, the hidden layer from `B e` sent back
      through a fixed random feedback `Dense` (**direct feedback alignment**, the learning
      signal that needs no backward pass and runs on chip);
    - the host streams samples and labels in through the sources' pipes and reads one result
      per sample back; the network is compiled once and runs sample after sample.

    By default the data is the embedded synthetic moving-bar event set (no download): four
    classes (bar moving right, left, down, up) on a 16 x 16 x 2 sensor, where only the *timing*
    of the events tells the direction. Set `DATA_DIR` to a folder that holds N-MNIST's
    `Train/<digit>/*.bin` files to train on N-MNIST instead (read with tonic, 578 inputs,
    10 classes).
    """),
    params("""
    # Parameters (the tests replace this cell to run the notebook at a small size).
    DATA_DIR = None      # None: synthetic data; or a folder with N-MNIST's Train/<digit>/*.bin
    N_TRAIN = 300        # training samples per epoch
    N_VAL = 100          # held-out samples
    EPOCHS = 3
    HIDDEN = 64          # hidden LIF neurons
    LR = 0.005
    PRESET = "code_default"
    SEED = 0
    # synthetic data only
    N_CLASSES = 4        # 2..4 motion directions
    SIDE = 16            # sensor side in pixels (2 * SIDE**2 inputs)
    N_STEPS = 24         # time steps per sample
    """),
    code("""
    import warnings

    # tqdm (the library's progress bars, unused here) warns on import without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    """),
    code("""
    import time

    import matplotlib.pyplot as plt
    import numpy as np

    from lava_stllr.data.cache import materialize
    from lava_stllr.data.synthetic import CLASS_NAMES, SyntheticConfig, synthetic_train_val
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference.onchip import OnChipReference

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
    """),
    md("""
    One sample: the events per time step, summed over the two polarities. The network sees
    each input as a binary spike per step (`count > 0`).
    """),
    code("""
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
    """),
    md("""
    ## Build the network

    `STLLRNetwork` takes the layer sizes, the steps per sample and an `STLLRParams`. Every
    synaptic connection delays by one step, so the hidden layer runs one step behind the
    input and the readout two; the network appends `gap` blank steps to each sample
    (default `L + 1` for `L` hidden layers) so that no learning signal leaks into the next
    sample. `net.layout` holds everything that fixes the network (sizes, timing, seeds).
    """),
    code("""
    from lava_stllr.network import STLLRNetwork

    params = STLLRParams.preset(PRESET, lr=LR)
    sizes = (train.n_inputs, HIDDEN, train.n_classes)
    net = STLLRNetwork(sizes, n_steps=train.n_steps, params=params, seed=SEED)
    lay = net.layout
    print(f"sizes {lay.sizes}, {lay.n_steps} steps + gap {lay.gap} = period {lay.period}")
    print(f"hidden layer learns from B e delayed by {lay.signal_delay(0)} steps")
    initial_weights = net.weights()
    """),
    md("""
    ## Train online

    Each epoch plays a shuffled pass over the training set with learning on, then the
    validation set with learning off. `train`/`evaluate` return the readout scores of every
    sample (summed over the learning window), so we get the online training accuracy
    sample by sample for free. The runtime is stopped in `finally` (or use the network as a
    context manager, `with STLLRNetwork(...) as net:`).
    """),
    code("""
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
    """),
    md("""
    ## Learning curve
    """),
    code("""
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
    """),
    md("""
    ## The NumPy on-chip reference gives the same weights

    `OnChipReference` simulates the same pipeline step by step in NumPy, calling the same
    step functions as the ProcessModels (`lava_stllr/core/process_steps.py`), including
    the one-step synaptic delays, the delayed DFA signal and the blank gap steps. Replaying
    the same calls must reproduce the Lava weights and scores (to rounding; the tests require
    1e-9).
    """),
    code("""
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
    """),
    code("""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    for ax, w0, w1, name in zip(axes, initial_weights, lava_weights,
                                ("input -> hidden", "hidden -> readout"), strict=True):
        ax.hist((w1 - w0).ravel(), bins=60, color="tab:orange", log=True)
        ax.set(title=f"{name} {w0.shape[0]}x{w0.shape[1]}", xlabel="W_after - W_before",
               ylabel="count")
    fig.tight_layout()
    """),
    md("""
    ## Summary

    The Lava network learned online (batch size 1, per-step updates, DFA signal) and the
    NumPy on-chip reference reproduced its weights. For real training runs and parameter
    sweeps, use the batched reference trainer (`lava_stllr.reference.STLLRTrainer`), which is
    orders of magnitude faster than the Lava simulator. Next:
    `03_fixed_point_and_microcode.ipynb` maps the rule onto Loihi 2's integer registers.
    """),
    code("""
    import json

    summary = {
        "val_acc": history["val_acc"][-1],
        "train_acc": history["train_acc"][-1],
        "chance": chance,
        "weight_err": weight_err,
        "weight_change": weight_change,
    }
    print("SUMMARY", json.dumps(summary))
    """),
]


# ======================================================================================
# 03: fixed point and microcode
# ======================================================================================

NB3 = [
    md("""
    # From float to fixed point: Loihi 2 registers and learning-engine microcode

    Loihi 2 computes with integers of fixed widths: 8-bit weight mantissas with a shared
    exponent, 24-bit membranes, 7-bit traces and third factors, learning rules written as a
    sum of products with constants `m * 2^e`. `lava_stllr.loihi` maps float S-TLLR onto them:

    - `quantize.quantize(params, weights)` chooses every scale and register
      (`FixedSTLLR`), `dequantize` gives back the float parameters the integers implement;
    - `neuron_fixed.neuron_step` is the fixed-point neuron's per-step integer program
      (membrane, integer `psi`, post trace, third factors);
    - `engine_replica.bit_approx_learning_step` replicates Lava's bit-approximate learning engine;
    - `microcode.microcode_listing` / `format_microcode` list every register with its
      constraint check.

    This notebook quantizes a small trained network, measures the error of the integer
    `psi`, prints the listing, runs the integer step functions next to the float ones, and,
    when the fixed-point Lava models are installed, runs the fixed-point network in Lava.
    """),
    params("""
    # Parameters (the tests replace this cell to run the notebook at a small size).
    PRESET = "code_default"
    LR = 0.005
    SIDE = 8             # synthetic sensor side (2 * SIDE**2 inputs)
    N_STEPS = 16         # time steps per sample
    HIDDEN = 32
    N_TRAIN = 200        # samples for the float (NumPy on-chip reference) training
    N_VAL = 100
    N_DEMO = 10          # samples streamed through the integer step functions
    N_FIXED = 40         # samples for the fixed-point Lava network (when available)
    SEED = 0
    """),
    code("""
    import warnings

    # tqdm (the library's progress bars, unused here) warns on import without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    """),
    code("""
    import json

    import matplotlib.pyplot as plt
    import numpy as np

    from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val
    from lava_stllr.loihi.bit_approx import (
        EngineRandomStream,
        bit_approx_dense_activation,
    )
    from lava_stllr.loihi.conversions import quantize_signal
    from lava_stllr.loihi.engine_replica import bit_approx_learning_step
    from lava_stllr.loihi.microcode import format_microcode, microcode_listing
    from lava_stllr.loihi.neuron_fixed import NeuronState, neuron_step
    from lava_stllr.loihi.quantize import dequantize, quantize
    from lava_stllr.loihi.quantize_options import QuantizeOptions
    from lava_stllr.core import psi as psi_float
    from lava_stllr.core.process_steps import (
        LIFConfig,
        stllr_dense_step,
        stllr_lif_step,
        synaptic_current,
    )
    from lava_stllr.core.psi_fixed import PSI_ERROR_BOUND_LSB
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference.onchip import OnChipLayout, OnChipReference

    params = STLLRParams.preset(PRESET, lr=LR)
    low = max(0.8, SIDE / N_STEPS)
    config = SyntheticConfig(side=SIDE, n_steps=N_STEPS, speed_range=(low, 2 * low),
                             bar_length_range=(SIDE // 2, SIDE))
    train, val = synthetic_train_val(N_TRAIN, N_VAL, seed=SEED, config=config)
    """),
    md("""
    ## 1. Quantize the parameters

    Without weights, `quantize` needs the largest weight magnitude per layer
    (`weight_absmax`); `readout_last=True` treats the last layer as the non-spiking readout.
    Some parameters cannot be represented exactly: the pre-trace decay is `exp(-1/tau)` with
    an 8-bit integer `tau`, the decays are numerators over 4096. `dequantize` reports the
    float parameters the integers really implement.
    """),
    code("""
    fx_params = quantize(params, options=QuantizeOptions(weight_absmax=[0.5, 0.5],
                                                         readout_last=True))
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
    """),
    md("""
    ## 2. Train float weights, then quantize them

    We train a small float network with the NumPy on-chip reference (the exact NumPy twin of
    the Lava float network of notebook 02, much faster than the simulator) and quantize its
    weights: each layer gets a weight scale `s_w` (float per mantissa unit, with 2x headroom
    so learning can grow the weights) and a weight exponent; mantissas are even (Loihi's
    mixed-sign weights drop the LSB).
    """),
    code("""
    layout = OnChipLayout((train.n_inputs, HIDDEN, train.n_classes), N_STEPS, params, seed=SEED)
    float_net = OnChipReference(layout)
    float_net.train(train)
    float_eval = float_net.evaluate(val)
    float_weights = float_net.weights()
    print(f"float network: validation accuracy {float_eval.accuracy:.3f} "
          f"(chance {1 / train.n_classes:.3f})")

    fx = quantize(params, float_weights,
                  QuantizeOptions(readout_last=True, beta_out=layout.beta_out))
    for layer, w in zip(fx.layers, float_weights, strict=True):
        w_back = layer.weights * layer.weight_scale
        err = np.max(np.abs(w_back - w))
        print(f"layer {layer.index} ({'readout' if layer.readout else 'LIF'}): "
              f"s_w {layer.weight_scale:.3g}, weight_exp {layer.weight_exp}, mantissas in "
              f"[{layer.weights.min()}, {layer.weights.max()}], max |W - W_int*s_w| "
              f"{err:.2g} (<= s_w)")
        assert err <= layer.weight_scale * (1 + 1e-9)
    """),
    md("""
    ## 3. The integer psi and its error

    The neuron evaluates `psi` on the integer membrane offset `d = v - (vth << 6)` with shifts,
    one multiply and (for `rational` and `sigmoid`) a small interpolated table; the result is
    7-bit, one LSB being `peak/127`. Below: float vs integer `psi` for each kind at this
    layer's membrane scale, and the error in LSB against its stated bound.
    """),
    code("""
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
                               f"(bound {PSI_ERROR_BOUND_LSB[kind]})")
        axes[0, col].legend(fontsize=8)
        axes[1, col].plot(d * s_v, error_lsb, lw=0.8)
        axes[1, col].set(xlabel="u - theta", ylabel="error (LSB)")
        assert psi_errors[kind] <= PSI_ERROR_BOUND_LSB[kind]
    fig.tight_layout()
    """),
    md("""
    ## 4. The microcode listing

    `microcode_listing` audits every register against the Loihi 2 ranges
    (`lava_stllr/loihi/widths.py`) and raises if one does not fit; `format_microcode` prints
    it. The learning rule is a genuine `Loihi3FLearningRule` string: the sign of the learning
    signal travels in `y1` as a flag (`y1 - 64`), because third factors are unsigned 7-bit.
    """),
    code("""
    listing = microcode_listing(params, fx)
    assert listing["ok"]
    print(format_microcode(listing))
    """),
    md("""
    The same listing as JSON (the format `lava-stllr microcode --json` prints, there for a
    parameter object without trained weights). Long integer tables (the psi table) are
    abbreviated here for display only.
    """),
    code("""
    def abbreviate(node):
        \"\"\"Shorten long lists for display.\"\"\"
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
    """),
    md("""
    ## 5. Integer step functions next to the float ones

    We stream `N_DEMO` validation samples (back to back, as one stream) through the quantized
    hidden layer twice, with the same learning signal (a fixed random value per neuron, like
    a consistent output error):

    - **fixed point**: `bit_approx_dense_activation` (the dendritic sum), `neuron_step`
      (membrane, spikes, integer psi, post trace, third factors `y1, y2, y3`) and
      `bit_approx_learning_step` (Lava's bit-approximate learning engine, including its
      stochastic rounding);
    - **float**: the on-chip float step functions with the *dequantized* weights and
      parameters.

    The membranes agree to within the rounding of the integer decay, and spikes on almost
    every (step, neuron). The weights are another matter: a single update (`lr * L * psi *
    trx`) is usually a fraction of one weight LSB, so the engine accumulates it with 7
    fractional bits and rounds stochastically (one random number per step for all synapses).
    The integer weight changes are therefore whole mantissa steps scattered around the float
    ones: correlated, not equal. The integer weights also feed back into the membrane, so the
    two runs slowly drift apart.
    """),
    code("""
    layer = fx.layers[0]
    float_params = dequantize(fx).params[0]
    cfg = LIFConfig.from_params(float_params)
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
    u, trpsi, trx = np.zeros(n_post), np.zeros(n_post), np.zeros(n_pre)
    a_int, a_flt = np.zeros(n_post, dtype=np.int64), np.zeros(n_post)
    engine = EngineRandomStream(rng_seed=0)
    trace = {"v_int": [], "v_flt": [], "psi_int": [], "psi_flt": [], "s_int": [], "s_flt": []}
    for t in range(n_demo_steps):
        state, out = neuron_step(layer.neuron, state, a_int, signal_int)
        step = stllr_lif_step(u, trpsi, a_flt, signal, cfg, new_sample=False)
        u, trpsi = step.u, step.trpsi
        x = x_stream[t]
        a_int = bit_approx_dense_activation(w_int, x, layer.weight_exp)   # W x, next step
        a_flt = synaptic_current(w_flt, x.astype(float), graded=False)
        w_int, x1 = bit_approx_learning_step(
            w_int, x1, x, out.y, out.bap, layer.rule.products, layer.rule.x1_impulse,
            layer.rule.x1_tau, engine.next())
        trx = stllr_dense_step(w_flt, trx, x.astype(float), step.y2, step.y3,
                               float_params.lam_pre, new_sample=False)
        trace["v_int"].append(state.v * layer.membrane_scale)
        trace["v_flt"].append(u)
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
    """),
    code("""
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
    """),
    md("""
    ## 6. The fixed-point network in Lava (when available)

    The bit-approximate Lava ProcessModels are registered under the model tag `fixed_pt`
    (`process_models/registry.py`). `STLLRNetwork(..., tag="fixed_pt")` quantizes the
    layout's initial weights and DFA feedback (`lava_stllr.loihi.network_fixed`) and builds
    the same network with integer state; `OnChipReference(layout, precision="fixed")` is its
    bit-exact NumPy twin. The cell below trains the fixed-point network in Lava on `N_FIXED`
    samples, checks it against its twin, and compares it with the float network trained on
    the same samples. If this installation has no `fixed_pt` models, the cell says so and
    the notebook carries on.
    """),
    code("""
    from lava_stllr.network import STLLRNetwork
    from process_models.registry import tags

    fixed_summary = None
    if "fixed_pt" in tags():
        n_fixed = min(N_FIXED, len(train))
        fixed_net = STLLRNetwork(layout.sizes, n_steps=N_STEPS, params=params, seed=SEED,
                                 tag="fixed_pt")
        try:
            fixed_w0 = fixed_net.weights()                 # float view: W_int * s_w
            fixed_net.train(train, n_samples=n_fixed, progress=False)
            fixed_eval = fixed_net.evaluate(val, progress=False)
            fixed_w1 = fixed_net.weights()
            fixed_mantissas = fixed_net.weight_mantissas()
        finally:
            fixed_net.close()

        twin = OnChipReference(layout, precision="fixed")  # bit-exact NumPy twin
        twin.train(train, n_samples=n_fixed)
        twin_eval = twin.evaluate(val)
        bit_exact = all(np.array_equal(a, b) for a, b in
                        zip(fixed_mantissas, twin.weight_mantissas(), strict=True))
        bit_exact &= np.array_equal(fixed_eval.scores, twin_eval.scores)

        float_twin = OnChipReference(layout)               # the float network, same samples
        float_w0 = float_twin.weights()
        float_twin.train(train, n_samples=n_fixed)
        float_twin_eval = float_twin.evaluate(val)
        dw_corr_net = [float(np.corrcoef((f1 - f0).ravel(), (x1 - x0).ravel())[0, 1])
                       for f0, f1, x0, x1 in zip(float_w0, float_twin.weights(), fixed_w0,
                                                 fixed_w1, strict=True)]
        agreement = float(np.mean(fixed_eval.predictions == float_twin_eval.predictions))
        print(f"fixed-point Lava network == its NumPy twin, bit for bit: {bit_exact}")
        print(f"validation accuracy after {n_fixed} samples: fixed {fixed_eval.accuracy:.3f}, "
              f"float {float_twin_eval.accuracy:.3f}; predictions agree on {agreement:.1%}")
        print("correlation of the weight changes, fixed vs float, per layer:",
              [f"{c:.3f}" for c in dw_corr_net])
        fixed_summary = {"bit_exact": bool(bit_exact), "fixed_acc": fixed_eval.accuracy,
                         "float_acc": float_twin_eval.accuracy,
                         "prediction_agreement": agreement, "dw_correlation": dw_corr_net}
    else:
        print(f"no fixed_pt ProcessModels registered (tags: {tags()}): skipping the Lava "
              "fixed-point run; sections 1-5 used the same integer programs in NumPy")
    """),
    md("""
    ## Summary

    - `quantize` turns float S-TLLR into Loihi 2 registers; `dequantize` shows the small
      deviations (trace decays, alphas) that the integers really implement.
    - The integer `psi` stays within about one output LSB of the float `psi`.
    - The microcode listing documents every register, the learning-rule products and their
      range checks, as text and JSON.
    - The integer neuron and learning-engine steps track the float model; with learning,
      weights move in stochastically rounded mantissa units.
    """),
    code("""
    summary = {
        "float_val_acc": float_eval.accuracy,
        "psi_error_lsb": psi_errors,
        "listing_ok": listing["ok"],
        "spike_agreement": spike_agreement,
        "dw_correlation": dw_corr,
        "fixed_weights_changed": bool(np.any(w_int != w_int0)),
        "fixed_network": fixed_summary,
    }
    print("SUMMARY", json.dumps(summary))
    """),
]


def build(cells: list[tuple[str, str]]):
    """A notebook (nbformat v4) from ``(kind, source)`` cells."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for kind, source in cells:
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        elif kind == "parameters":
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    for i, cell in enumerate(nb.cells):  # stable ids keep regenerated files diff-friendly
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(nb, path: Path, timeout: int) -> None:
    """Run ``nb`` in place with the current interpreter's kernel (outputs kept)."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()


def main(argv: list[str] | None = None) -> int:
    """Write (and with ``--execute`` run) the tutorial notebooks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true",
                        help="run each notebook at its default size and keep the outputs")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("names", nargs="*", help="notebooks to write (default: all)")
    args = parser.parse_args(argv)
    import nbformat

    for name, var in NOTEBOOKS.items():
        if args.names and name not in args.names:
            continue
        nb = build(globals()[var])
        path = HERE / name
        if args.execute:
            execute(nb, path, args.timeout)
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
