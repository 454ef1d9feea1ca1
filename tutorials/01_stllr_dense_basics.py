# %% [markdown]
# # S-TLLR basics: one learning `STLLRDense`, step by step
#
# **S-TLLR** (Apolinario & Roy, *STDP-inspired Temporal Local Learning Rule for Spiking
# Neural Networks*, TMLR 2025) trains a spiking network online with a three-factor rule
# whose memory does not grow with the number of time steps. For a synapse from pre neuron
# `j` to post neuron `i` at step `t`:
#
# ```
# trx_j[t]   = lam_pre  * trx_j[t-1]   + x_j[t]          pre trace (spikes)
# psi_i[t]   = psi(u_i[t])                               secondary activation, near threshold
# trpsi_i[t] = lam_post * trpsi_i[t-1] + psi_i[t]        post trace
# e_ij[t]    = alpha_pre  * psi_i[t]     * trx_j[t]      causal term     (pre before post)
#            + alpha_post * trpsi_i[t-1] * x_j[t]        non-causal term (post before pre)
# dW_ij      = -lr * sum_t L_i[t] * e_ij[t]              L: learning signal (third factor)
# ```
#
# In Lava the rule is split between two Processes, exactly as on Loihi 2's learning
# engine:
#
# - `STLLRLIF` (the post neurons) integrates the current, spikes, computes `psi`, the post
#   trace `trpsi` and sends two *third factors* `y2`, `y3` to its input connection;
# - `STLLRDense` (the learning connection) keeps the pre trace `x1` and applies the
#   learning-engine rule `dw = u0 * x1 * y2 + x0 * y3`.
#
# This notebook builds the smallest such network, drives it with a hand-made spike
# pattern, records every state variable with Lava `Monitor`s, recomputes the S-TLLR
# eligibility from the recordings by hand, and separates the causal and non-causal
# terms. Everything runs in Lava's CPU simulator; the lava-stllr Processes need the run
# config `STLLRSimCfg`, which maps them to their ProcessModels.

# %% tags=["parameters"]
# Parameters (the tests replace this cell to run the notebook at a small size).
PRESET = "code_default"  # lam_post=0.5, lam_pre=0.8, alpha_post=-0.2, alpha_pre=1
T_POST = 10              # input step at which the driver input makes the post neuron fire
MAX_LAG = 6              # one probe input per lag t_pre - t_post in [-MAX_LAG, MAX_LAG]
N_TAIL = 4               # blank steps after the last probe spike
LR = 1.0                 # learning rate; with L = -1 below, dW is the summed eligibility

# %%
import matplotlib.pyplot as plt
import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.proc.io.source import RingBuffer
from lava.proc.monitor.process import Monitor

from lava_stllr.core import psi as psi_fn
from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, STLLRDense

plt.rcParams["figure.dpi"] = 72  # small figures keep the committed notebooks small
params = STLLRParams.preset(PRESET, lr=LR)
params

# %% [markdown]
# ## A hand-made spike pattern
#
# One post neuron, and `1 + 2*MAX_LAG` inputs, each spiking exactly once:
#
# - input 0, the **driver**, has weight `theta + 0.01` and spikes at `T_POST`: its current
#   puts the membrane just above threshold, so the post neuron fires there, with a large
#   `psi` (the default `rational` psi, `1/(100|u - theta| + 1)^2`, is sharply peaked at the
#   threshold, so `psi` is about 0 everywhere else);
# - the **probe** inputs start at weight 0 (they do not change the neuron's activity) and
#   spike at `T_POST + lag` for `lag = -MAX_LAG..-1, 1..MAX_LAG`.
#
# After the run, the weight change of each probe is the S-TLLR eligibility of its pairing:
# a measured STDP window. The learning signal is a constant `L = -1` ("this neuron should
# have fired more"), so `dW = +lr * sum_t e[t]`.

# %%
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

# %% [markdown]
# ## The Lava network, with Monitors
#
# `RingBuffer` (Lava's spike source) plays the pattern into `STLLRDense`, whose output
# current drives one `STLLRLIF`. A second `RingBuffer` feeds the learning signal to the
# neuron's `sig_in`. The neuron sends its third factors back to the synapse's
# `s_in_y2`/`s_in_y3` ports on every step.
#
# We probe the synapse's `weights` and pre trace `x1`, the neuron's membrane `u` (after
# reset), post trace `trpsi`, spikes and third factors. The runtime is always stopped in a
# `finally` block.

# %%
def run_pairing(run_params: STLLRParams) -> dict[str, np.ndarray]:
    """Run the pattern through STLLRDense -> STLLRLIF in Lava; return one row per step."""
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
                   run_cfg=STLLRSimCfg("float"))
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

# %% [markdown]
# ## Step by step
#
# Time below is the neuron's step `i` (0-based Lava step). A `Dense`-like connection
# delivers `W x` one step after it receives `x`, so the input of step `t` reaches the
# neuron at step `t + 1`: the driver's spike at input step `T_POST` makes the neuron fire
# at step `T_POST + 1`. In this "neuron time" the pre trace is
# `trx[i] = x1[i - 1]` (the synapse's own trace already holds the spike it just received).
#
# The neuron computes `psi` on the membrane *before* its reset (`v = u + theta*s` for the
# soft reset). The third factors are
#
# ```
# y2 = -lr * L * (alpha_pre/lam_pre) * psi
# y3 = -lr * L * (alpha_post * trpsi - (alpha_pre/lam_pre) * psi)
# ```
#
# (times a tiny gain that cancels the synapse's decay of received y values): with these the
# engine's two products sum to exactly the S-TLLR eligibility in neuron time (see
# `lava_stllr/learning_rule.py`).

# %%
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

# %% [markdown]
# Reading the figure: the driver's current lifts the membrane just above `theta` at step
# `T_POST + 1`; `psi` peaks there and the post trace jumps, then decays by `lam_post` per
# step. The causal factor `y2` is non-zero only while `psi` is, so at that step every
# input with a non-zero pre trace (the driver and the earlier probes) is potentiated. A
# probe that fires *after* the post spike meets the decaying post trace through `y3`; its
# update appears one step before the neuron integrates its current, because the synapse
# applies the non-causal product as soon as it receives the pre spike (same value, one
# step earlier: that is the timing correction of the Lava mapping).
#
# ## The eligibility by hand, and the two terms
#
# From the recorded `psi`, `trpsi` and the neuron-time input we compute both S-TLLR terms
# for every step and input, and check that their sum is exactly the weight change the
# Lava synapse applied.

# %%
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

# %% [markdown]
# **Pre before post** (negative lag): the pre trace is still non-zero when the neuron fires
# and `psi` peaks, so the causal term `alpha_pre * psi * trx` potentiates, decaying as
# `lam_pre^|lag|`. **Post before pre** (positive lag): the pre spike meets a post trace that
# decays as `lam_post^(lag-1)`, so the non-causal term has the sign of `alpha_post` (negative
# for this preset: depression).
#
# The same separation in Lava: run the network again with `alpha_post = 0` (causal term
# only) and with `alpha_pre = 0` (non-causal term only).

# %%
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

# %% [markdown]
# ## The published presets
#
# The presets differ in their trace decays and in the sign of `alpha_post`:
# `dvs_gesture` (`alpha_post = -1`) gives an antisymmetric, STDP-like window; `shd`
# (`alpha_post = +1`, `lam_pre = 1`) potentiates both orders, and with `lam_pre = 1` the
# causal side does not decay with the lag at all. (We keep the `rational` psi for every
# preset so that only the trace and alpha parameters change; the `triangle` psi of the
# DVS presets is non-zero far below threshold, which adds a background term.)

# %%
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

# %% [markdown]
# ## Summary
#
# - `STLLRLIF` computes `psi`, the post trace and the third factors; `STLLRDense` keeps the
#   pre trace and applies `dw = u0*x1*y2 + x0*y3` (Loihi 2's learning-engine form).
# - The recorded weight changes equal the S-TLLR eligibility computed by hand from the
#   recorded states; the causal term rewards pre-before-post pairings, the non-causal term
#   (weighted by `alpha_post`) acts on post-before-pre pairings.
#
# Next: `02_online_dfa_training.ipynb` trains a whole network online with these Processes.

# %%
import json

summary = {
    "dw_pre_before_post": float(dw_lava[LAGS == -1][0]),
    "dw_post_before_pre": float(dw_lava[LAGS == 1][0]),
    "err_by_hand": err_by_hand,
    "err_split": err_split,
    "weights_changed": bool(np.any(np.abs(dw_lava) > 1e-6)),
}
print("SUMMARY", json.dumps(summary))
