"""The register-level listing of fixed-point S-TLLR for Loihi 2 ("microcode").

:func:`microcode_listing` turns an :class:`~lava_stllr.params.STLLRParams` (and a
:class:`~lava_stllr.loihi.layer_fixed.FixedSTLLR`, or the arguments to make one) into a
JSON-serialisable dict with

- the network registers: pre-trace impulse and time constant (and the decay the chip
  applies, ``exp(-1/tau)``), the 3-factor y decay, ``t_epoch``, the neuron decays;
- per layer: the learning rule string and its product series (dependency, factors,
  mantissa, exponent, Lava's stored exponent, the engine's right shift, meaning), the
  weight and threshold scaling (mantissas, exponent, scales), the neuron's per-step integer
  program (membrane, psi with its table, post trace, third factors), the learning-signal
  encoding, the resolution levels and the effective float constants;
- the constraint checks: each value, the Loihi 2 range it was checked against, where the
  range comes from (``lava_stllr.loihi.widths``), and the result.

:func:`format_microcode` renders the listing as a readable text table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.fixed_rule import FLAG_OFFSET
from lava_stllr.loihi.layer_fixed import FixedSTLLR, LayerFixed
from lava_stllr.loihi.neuron_fixed import NeuronRegisters
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.widths import (
    ACCUMULATOR_MAX,
    ACTIVATION_BITS,
    ACTIVATION_SHIFT,
    DECAY_MAX,
    DECAY_UNITY,
    EPOCH_TIME_BITS,
    GRADED_SPIKE_BITS,
    MEMBRANE_MAX,
    NEURON_REGISTER_BITS,
    RULE_CONST_BITS,
    RULE_EXP_MAX,
    RULE_EXP_MIN,
    RULE_MANTISSA_MAX,
    RULE_MANTISSA_MIN,
    THIRD_FACTOR_MAX,
    TRACE_MAX,
    TRACE_TAU_MAX,
    VTH_MAX,
    VTH_SHIFT,
    WEIGHT_EXP_MAX,
    WEIGHT_EXP_MIN,
    WEIGHT_INIT_STEP_MIXED,
    WEIGHT_MAX,
    WEIGHT_MIN,
    Y_TAU_3F,
    int_range,
)
from lava_stllr.params import STLLRParams

FORMAT = "lava-stllr-microcode/1"
_REGISTER_MAX = (1 << (NEURON_REGISTER_BITS - 1)) - 1


@dataclass(frozen=True)
class Check:
    """One constraint check: ``lo <= value <= hi``.

    ``severity`` is ``"error"`` for hard register widths and ``"warning"`` for worst cases
    that the models check (or the engine saturates) at run time.
    """

    name: str
    value: float
    lo: float
    hi: float
    source: str
    severity: str = "error"

    @property
    def ok(self) -> bool:
        """Whether the value lies in the range."""
        return bool(self.lo <= self.value <= self.hi)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable record."""
        return {"name": self.name, "value": _num(self.value),
                "constraint": f"[{_num(self.lo)}, {_num(self.hi)}]", "source": self.source,
                "severity": self.severity, "ok": self.ok}


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _layer_checks(layer: LayerFixed) -> list[Check]:
    i = layer.index
    p = f"layer {i}"
    checks = [Check(f"{p} weight_exp", layer.weight_exp, WEIGHT_EXP_MIN, WEIGHT_EXP_MAX,
                    "WEIGHT_EXP_MIN/MAX (Loihi signed 4-bit weight exponent)")]
    if layer.weights is not None:
        w = np.asarray(layer.weights)
        checks += [
            Check(f"{p} weight mantissa min", int(w.min()), WEIGHT_MIN, WEIGHT_MAX,
                  "WEIGHT_MIN/MAX (constants.W_WEIGHTS_U, weightutils.clip_weights)"),
            Check(f"{p} weight mantissa max", int(w.max()), WEIGHT_MIN, WEIGHT_MAX,
                  "WEIGHT_MIN/MAX (constants.W_WEIGHTS_U, weightutils.clip_weights)"),
            Check(f"{p} odd initial weight mantissas", int(np.sum(w % WEIGHT_INIT_STEP_MIXED)),
                  0, 0, "WEIGHT_INIT_STEP_MIXED (truncate_weights clears the LSB, mixed sign)"),
        ]
        fan = np.maximum(np.where(w > 0, w, 0).sum(axis=1), -np.where(w < 0, w, 0).sum(axis=1))
        worst = float(fan.max()) * 2.0 ** layer.weight_exp
        checks.append(Check(f"{p} a_in with every input active", worst, 0,
                            int_range(ACTIVATION_BITS, True)[1],
                            "ACTIVATION_BITS (LIF a_in int16, Dense a_out precision 16)",
                            "warning"))
    lc = layer.learning
    for k, prod in enumerate(layer.rule.products):
        name = f"{p} product {k} ({prod.role})"
        checks += [
            Check(f"{name} mantissa", prod.mantissa, RULE_MANTISSA_MIN, RULE_MANTISSA_MAX,
                  "RULE_MANTISSA_MIN/MAX (product_series: mantissa in [-8, 7])"),
            Check(f"{name} exponent", prod.exponent, RULE_EXP_MIN, RULE_EXP_MAX,
                  "RULE_EXP_MIN/MAX (product_series: exponent in [-7, 8])"),
        ]
        for f in prod.factors:
            if f.const is not None:
                lo, hi = -(1 << RULE_CONST_BITS), (1 << RULE_CONST_BITS) - 1
                checks.append(Check(f"{name} constant of {f.state_var}", f.const, lo, hi,
                                    "RULE_CONST_BITS (constants.W_CONST)"))
        level = lc.levels.get(prod.role)
        if level is not None:
            checks.append(Check(f"{name} largest update (accumulator units)",
                                level * 2 ** prod.stored_exponent, 0, ACCUMULATOR_MAX,
                                "ACCUMULATOR_MAX (constants.W_ACCUMULATOR_U)", "warning"))
    flag = layer.rule.flag
    checks += [
        Check(f"{p} y1 flag high (64 + F)", FLAG_OFFSET + flag, 0, THIRD_FACTOR_MAX,
              "THIRD_FACTOR_BITS (s_in_y1 precision 7)"),
        Check(f"{p} y1 flag low (64 - F)", FLAG_OFFSET - flag, 0, THIRD_FACTOR_MAX,
              "THIRD_FACTOR_BITS (s_in_y1 precision 7)"),
        Check(f"{p} x1_impulse", layer.rule.x1_impulse, 1, TRACE_MAX,
              "TRACE_MAX (integer impulse, constants.W_TRACE)"),
        Check(f"{p} x1_tau", layer.rule.x1_tau, 0, TRACE_TAU_MAX,
              "TRACE_TAU_BITS (x1_tau precision 8)"),
        Check(f"{p} learning-signal bits", layer.neuron.signal_bits, 2, GRADED_SPIKE_BITS,
              "GRADED_SPIKE_BITS (graded spike payload)"),
    ]
    for name in ("y2", "y3"):
        if name in lc.levels:
            checks.append(Check(f"{p} largest {name}", lc.levels[name], 1, THIRD_FACTOR_MAX,
                                "THIRD_FACTOR_BITS (s_in_y2/y3 precision 7)"))
    sig_max = (1 << (layer.neuron.signal_bits - 1)) - 1
    neuron = layer.neuron
    if isinstance(neuron, NeuronRegisters):
        psi = neuron.psi
        checks += [
            Check(f"{p} vth", neuron.vth, 1, VTH_MAX,
                  "VTH_BITS (PyLifModelBitAcc vth precision 17)"),
            Check(f"{p} vth << 6", neuron.vth_scaled, 1, MEMBRANE_MAX,
                  "MEMBRANE_BITS (24-bit voltage)"),
            Check(f"{p} dv", neuron.dv, 0, DECAY_MAX, "DECAY_BITS (dv precision 12)"),
            Check(f"{p} psi output max", psi.out_max, 1, THIRD_FACTOR_MAX,
                  "THIRD_FACTOR_BITS (psi feeds 7-bit factors)"),
            Check(f"{p} post-trace decay numerator", neuron.lam_post_num, 0, DECAY_UNITY,
                  "DECAY_BITS (12-bit decay numerator)"),
            Check(f"{p} post-trace gain", neuron.trace_gain, 1, DECAY_UNITY,
                  "DECAY_BITS (12-bit gain numerator)"),
        ]
        lam = neuron.lam_post_num / DECAY_UNITY
        if lam < 1:
            bound = (psi.out_max * neuron.trace_gain / DECAY_UNITY + 1.0) / (1.0 - lam)
            checks.append(Check(f"{p} post trace bound", math.floor(bound), 0, TRACE_MAX,
                                "TRACE_BITS (7-bit post trace)"))
        if psi.table:
            top = max(psi.table) << psi.interp_bits
            checks.append(Check(f"{p} psi register", top, 0, _REGISTER_MAX,
                                "NEURON_REGISTER_BITS (24-bit)"))
        else:
            checks.append(Check(f"{p} psi register", psi.cap * psi.slope, 0, _REGISTER_MAX,
                                "NEURON_REGISTER_BITS (24-bit)"))
        if neuron.causal:
            checks.append(Check(f"{p} y2 register", sig_max * psi.out_max * neuron.y2_mult, 0,
                                _REGISTER_MAX, "NEURON_REGISTER_BITS (24-bit)"))
        if neuron.noncausal:
            checks.append(Check(f"{p} y3 register", sig_max * TRACE_MAX * neuron.y3_mult, 0,
                                _REGISTER_MAX, "NEURON_REGISTER_BITS (24-bit)"))
    else:
        checks += [
            Check(f"{p} readout dv", neuron.dv, 0, DECAY_MAX, "DECAY_BITS (dv precision 12)"),
            Check(f"{p} y2 register", sig_max * neuron.y2_mult, 0, _REGISTER_MAX,
                  "NEURON_REGISTER_BITS (24-bit)"),
        ]
    return checks


def constraint_checks(fixed: FixedSTLLR) -> list[Check]:
    """Audit every register of ``fixed`` against the Loihi 2 ranges in ``loihi.widths``."""
    checks = [
        Check("t_epoch", 1, 1, 1, "S-TLLR needs t_epoch = 1 (EPOCH_TIME_BITS: at most"
              f" {(1 << EPOCH_TIME_BITS) - 1})"),
        Check("x1_impulse", fixed.x1_impulse, 1, TRACE_MAX, "TRACE_MAX (constants.W_TRACE)"),
        Check("x1_tau", fixed.x1_tau, 0, TRACE_TAU_MAX, "TRACE_TAU_BITS (x1_tau precision 8)"),
    ]
    for layer in fixed.layers:
        checks += _layer_checks(layer)
    return checks


def _layer_listing(layer: LayerFixed, update: str) -> dict[str, Any]:
    neuron = layer.neuron
    gate = (layer.rule.sample_dw + layer.rule.sample_dt[-1:]) if update == "sample" else ()
    entry: dict[str, Any] = {
        "index": layer.index,
        "kind": "readout" if layer.readout else "lif",
        "weights": {
            "weight_exp": layer.weight_exp, "weight_scale": layer.weight_scale,
            "weight_absmax": layer.weight_absmax, "num_weight_bits": 8, "sign_mode": "mixed",
            "mantissa_step": WEIGHT_INIT_STEP_MIXED,
            "shape": None if layer.weights is None else list(np.shape(layer.weights)),
            "mantissa_range": None if layer.weights is None else
            [int(np.min(layer.weights)), int(np.max(layer.weights))],
        },
        "membrane": {
            "membrane_scale": layer.membrane_scale,
            "activation_shift": ACTIVATION_SHIFT,
        },
        "learning_rule": {
            "update": update, **layer.rule.rule_strings(update), "t_epoch": 1,
            "x1_impulse": layer.rule.x1_impulse,
            "x1_tau": layer.rule.x1_tau, "flag": layer.rule.flag,
            "y1_values": [FLAG_OFFSET - layer.rule.flag, FLAG_OFFSET + layer.rule.flag],
            "products": [p.to_dict() for p in layer.rule.products],
            "gate_products": [p.to_dict() for p in gate],
            "levels": dict(layer.learning.levels),
        },
        "neuron": neuron.to_dict(),
        "signal": {"bits": neuron.signal_bits, "scale": layer.signal_scale,
                   "max": layer.signal_max},
        "effective": dict(layer.effective),
    }
    if isinstance(neuron, NeuronRegisters):
        entry["threshold"] = {"vth": neuron.vth, "vth_shift": VTH_SHIFT,
                              "vth_scaled": neuron.vth_scaled,
                              "theta": neuron.vth_scaled * layer.membrane_scale}
        entry["post_trace"] = {"lam_post_num": neuron.lam_post_num,
                               "trace_gain": neuron.trace_gain,
                               "trace_unit": layer.trace_unit}
        entry["psi"] = {"kind": neuron.psi.kind, "lsb": neuron.psi.lsb,
                        "max_error": neuron.psi.max_error()}
    if update == "sample":  # the bAP carries the gate instead of the spikes
        lines = [x for x in entry["neuron"]["program"] if not x.startswith("bap")]
        entry["neuron"]["program"] = [*lines, "bap = gate   # every neuron, once per sample"
                                      " (step period - 2, no learning signal)"]
    return entry


def microcode_listing(params: STLLRParams, fixed: FixedSTLLR | None = None, *,
                      weights: Sequence[np.ndarray] | None = None,
                      options: QuantizeOptions | None = None,
                      strict: bool = True, update: str = "step") -> dict[str, Any]:
    """The register-level listing of S-TLLR (JSON-serialisable dict).

    Parameters
    ----------
    params : STLLRParams
    fixed : FixedSTLLR, optional
        A quantization result for ``params``; made with ``quantize(params, weights,
        options)`` when omitted (``weight_absmax = 1.0`` when neither weights nor
        ``options.weight_absmax`` are given).
    weights : sequence of float arrays, optional
    options : QuantizeOptions, optional
        Passed to :func:`~lava_stllr.loihi.quantize.quantize` when ``fixed`` is omitted.
    strict : bool
        Raise ``ValueError`` listing every failing error-severity check (default). With
        False the listing is returned with ``"ok": False``.
    update : {"step", "sample"}
        ``"sample"``: the rules of per-sample updates through the synaptic tag (``dt``
        takes the products, ``dw`` the tag at the gate, the post neuron's bAP).

    Raises
    ------
    ValueError
        If the parameters cannot be encoded (from ``quantize``), or, with ``strict``, a
        check fails.
    """
    validate.instance("params", params, STLLRParams)
    validate.choice("update", update, ("step", "sample"))
    if fixed is None:
        options = QuantizeOptions() if options is None else options
        if weights is None and options.weight_absmax is None:
            options = options.replace(weight_absmax=1.0)
        fixed = quantize(params, weights, options)
    elif weights is not None or options is not None:
        raise ValueError("give either fixed or quantize arguments, not both")
    elif fixed.params != params:
        raise ValueError("fixed was quantized from different params")
    checks = constraint_checks(fixed)
    failed = [c for c in checks if not c.ok and c.severity == "error"]
    if failed and strict:
        lines = "; ".join(f"{c.name} = {_num(c.value)} not in [{_num(c.lo)}, {_num(c.hi)}]"
                          f" ({c.source})" for c in failed)
        raise ValueError(f"S-TLLR parameters cannot be encoded for Loihi 2: {lines}")
    return {
        "format": FORMAT,
        "params": params.to_dict(),
        "notes": list(fixed.notes),
        "network": {
            "t_epoch": 1,
            "x1_impulse": fixed.x1_impulse, "x1_tau": fixed.x1_tau,
            "lam_pre": params.lam_pre, "x1_decay_per_step": fixed.lam_pre_eff,
            "pre_trace_max_spikes": fixed.pre_trace_max,
            "y_tau": Y_TAU_3F, "y_decay_per_step": math.exp(-1.0 / Y_TAU_3F),
            "lam_post": params.lam_post, "lam_post_eff": fixed.lam_post_eff,
            "beta": params.beta, "beta_eff": fixed.beta_eff,
        },
        "layers": [_layer_listing(layer, update) for layer in fixed.layers],
        "checks": [c.to_dict() for c in checks],
        "ok": not failed,
    }


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(str(r[k])) for r in [header, *rows]) for k in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths)),
            *(fmt.format(*(str(c) for c in r)) for r in rows)]


def format_microcode(listing: dict[str, Any]) -> str:
    """Render a :func:`microcode_listing` dict as a readable text table."""
    if listing.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} listing")
    p = listing["params"]
    net = listing["network"]
    out = [f"S-TLLR fixed-point listing for Loihi 2 ({FORMAT})",
           "params: " + " ".join(f"{k}={v}" for k, v in p.items()), ""]
    out.append("Network registers")
    out += ["  " + line for line in _table([
        ["x1_impulse", net["x1_impulse"], "integer pre-trace impulse"],
        ["x1_tau", net["x1_tau"],
         f"pre-trace decay exp(-1/tau) = {net['x1_decay_per_step']:.5f} (lam_pre {p['lam_pre']})"],
        ["t_epoch", net["t_epoch"], "one learning epoch per step"],
        ["y_tau", net["y_tau"], f"y decay {net['y_decay_per_step']:.7f} (Loihi3FLearningRule)"],
        ["lam_post", f"{net['lam_post_eff']:.6f}", f"post-trace decay (lam_post {p['lam_post']})"],
        ["beta", f"{net['beta_eff']:.6f}", f"membrane decay (beta {p['beta']})"],
    ], ["register", "value", "meaning"])]
    for note in listing["notes"]:
        out.append(f"  note: {note}")
    for layer in listing["layers"]:
        w, rule = layer["weights"], layer["learning_rule"]
        out += ["", f"Layer {layer['index']} ({layer['kind']})",
                f"  dw = {rule['dw']}",
                *([f"  dt = {rule['dt']}   (synaptic tag tag_1: the products, cleared at the"
                   " gate: the post neuron's bAP, once per sample)"] if "dt" in rule else []),
                f"  flag F = {rule['flag']}: y1 = {rule['y1_values'][1]} if L < 0 else"
                f" {rule['y1_values'][0]}; levels {rule['levels']}"]
        rows = [[k, pr["role"], pr["dependency"], " * ".join(pr["factors"]), pr["mantissa"],
                 pr["exponent"], pr["stored_exponent"], pr["shift"], pr["meaning"]]
                for k, pr in enumerate([*rule["products"], *rule["gate_products"]])]
        out += ["  " + line for line in _table(
            rows, ["#", "term", "dep", "factors", "mant", "exp", "stored", ">>", "meaning"])]
        scal = (f"  weights: weight_exp={w['weight_exp']} scale={w['weight_scale']:.6g}/unit"
                f" (mixed sign, even mantissas)")
        if w["mantissa_range"] is not None:
            scal += f" mantissas in {w['mantissa_range']}"
        out.append(scal)
        if "threshold" in layer:
            th = layer["threshold"]
            out.append(f"  threshold: vth={th['vth']} (vth << {th['vth_shift']} ="
                       f" {th['vth_scaled']}), theta={th['theta']:.6g},"
                       f" membrane {layer['membrane']['membrane_scale']:.4g}/unit")
            ps = layer["psi"]
            out.append(f"  psi: {ps['kind']}, LSB {ps['lsb']:.4g}, max error"
                       f" {ps['max_error']:.4g} ({ps['max_error'] / ps['lsb']:.2f} LSB)")
        sig = layer["signal"]
        out.append(f"  learning signal: {sig['bits']}-bit signed, {sig['scale']:.4g}/unit"
                   f" (|L| <= {sig['max']})")
        out.append("  neuron program (per step):")
        out += [f"    {line}" for line in layer["neuron"]["program"]]
    out += ["", "Constraint checks"]
    rows = [["ok" if c["ok"] else ("WARN" if c["severity"] == "warning" else "FAIL"),
             c["name"], c["value"], c["constraint"], c["source"]] for c in listing["checks"]]
    out += ["  " + line for line in _table(rows, ["", "check", "value", "range", "source"])]
    n_fail = sum(1 for c in listing["checks"] if not c["ok"] and c["severity"] == "error")
    out += ["", "all constraint checks pass" if listing["ok"] else f"{n_fail} check(s) FAIL"]
    return "\n".join(out) + "\n"
