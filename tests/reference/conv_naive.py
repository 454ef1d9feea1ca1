"""A deliberately naive conv S-TLLR trainer: scalar loops over every neuron, synapse and
position, written from DESIGN.md s.2 (the oracle of test_conv_stllr.py; no vectorised code
of the package is used)."""

import itertools
import math

import numpy as np


def naive_psi(d, kind):
    if kind == "rational":
        return 1.0 / (100.0 * abs(d) + 1.0) ** 2
    if kind == "triangle":
        return 0.3 * max(0.0, 1.0 - abs(d))
    sig = 1.0 / (1.0 + math.exp(-4.0 * d))
    return 4.0 * sig * (1.0 - sig)


def parse(text):
    """(kind, args) per token: ('conv', (C, k, s, p)), ('max'|'avg', k), ('dense', n)."""
    out = []
    for tok in text.split("-"):
        if "c" in tok:
            c, rest = tok.split("c")
            k, s, p = rest, "1", "0"
            if "p" in k:
                k, p = k.split("p")
            if "s" in k:
                k, s = k.split("s")
            out.append(("conv", (int(c), int(k), int(s), int(p))))
        elif tok[0] in "pa":
            out.append(("max" if tok[0] == "p" else "avg", int(tok[1:])))
        else:
            out.append(("dense", int(tok)))
    return out


def out_shape(kind, arg, shape):
    if kind == "conv":
        c, k, s, p = arg
        return (c, (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
    if kind == "dense":
        return (arg,)
    return (shape[0], shape[1] // arg, shape[2] // arg)


def conv_reads(h, w, i, j, k, s, p, height, width):
    """Does output (i, j) read input (h, w) through kernel offset (kh, kw)? -> (kh, kw) or None."""
    kh, kw = h + p - i * s, w + p - j * s
    if 0 <= kh < k and 0 <= kw < k and 0 <= h < height and 0 <= w < width:
        return kh, kw
    return None


def first_max(vals):
    best = 0
    for n, v in enumerate(vals):
        if v > vals[best]:
            best = n
    return best


def layer_forward(kind, arg, w, h, in_shape, shape):
    """Synaptic current (LIF layers) or pooled map (pools) of one sample's input ``h``."""
    y = np.zeros(shape)
    if kind == "conv":
        _, k, s, p = arg
        for co, i, j in itertools.product(*map(range, shape)):
            for ci, kh, kw in itertools.product(range(in_shape[0]), range(k), range(k)):
                hh, ww = i * s + kh - p, j * s + kw - p
                if 0 <= hh < in_shape[1] and 0 <= ww < in_shape[2]:
                    y[co, i, j] += w[co, ci, kh, kw] * h[ci, hh, ww]
    elif kind == "dense":
        flat = h.reshape(-1)
        for n in range(shape[0]):
            y[n] = sum(w[n, m] * flat[m] for m in range(flat.size))
    else:
        k = arg
        for c, i, j in itertools.product(*map(range, shape)):
            vals = [h[c, i * k + a, j * k + d] for a in range(k) for d in range(k)]
            y[c, i, j] = vals[first_max(vals)] if kind == "max" else sum(vals) / k**2
    return y


def signal_back(kind, arg, w, h_in, in_shape, shape, delta):
    """Signal at the input of a layer from ``delta`` at its output (one sample)."""
    g = np.zeros(in_shape)
    if kind == "dense":
        flat = np.zeros(int(np.prod(in_shape)))
        for m in range(flat.size):
            flat[m] = sum(w[n, m] * delta[n] for n in range(shape[0]))
        return flat.reshape(in_shape)
    for c, hh, ww in itertools.product(*map(range, in_shape)):
        if kind == "conv":
            _, k, s, p = arg
            for co, i, j in itertools.product(*map(range, shape)):
                off = conv_reads(hh, ww, i, j, k, s, p, in_shape[1], in_shape[2])
                if off is not None:
                    g[c, hh, ww] += w[co, c, off[0], off[1]] * delta[co, i, j]
        else:
            k = arg
            i, j = hh // k, ww // k
            if i >= shape[1] or j >= shape[2]:
                continue
            if kind == "avg":
                g[c, hh, ww] = delta[c, i, j] / k**2
            else:
                vals = [h_in[c, i * k + a, j * k + d] for a in range(k) for d in range(k)]
                if first_max(vals) == (hh - i * k) * k + (ww - j * k):
                    g[c, hh, ww] = delta[c, i, j]
    return g


def naive_train_batch(text, input_shape, n_classes, weights, p, x, labels, signal,
                      feedback, beta_out):
    """Weights after one batch-update of plain SGD, the per-layer spike counts, and the
    window-averaged readout."""
    layers = parse(text)
    shapes = [tuple(input_shape)]
    for kind, arg in layers:
        shapes.append(out_shape(kind, arg, shapes[-1]))
    lif = [i for i, (kind, _) in enumerate(layers) if kind in ("conv", "dense")]
    widx = {i: n for n, i in enumerate(lif)}
    w = [a.copy() for a in weights]
    grads = [np.zeros_like(a) for a in w]
    batch, n_steps = x.shape[:2]
    start = 0 if p.window is None else max(0, n_steps - p.window)
    n_flat = int(np.prod(shapes[-1]))
    scores = np.zeros((batch, n_classes))
    spikes_seen = {i: 0.0 for i in lif}
    for b in range(batch):
        u = {i: np.zeros(shapes[i + 1]) for i in lif}
        trx = {i: np.zeros(shapes[i]) for i in lif}
        trpsi = {i: np.zeros(shapes[i + 1]) for i in lif}
        tr_out = np.zeros(n_flat)
        z = np.zeros(n_classes)
        for t in range(n_steps):
            h = x[b, t].reshape(input_shape)
            ins, psis, trpsi_prev = {}, {}, {}
            for i, (kind, arg) in enumerate(layers):
                ins[i] = h
                out = layer_forward(kind, arg, w[widx[i]] if i in widx else None, h,
                                    shapes[i], shapes[i + 1])
                if i in widx:
                    cur, s, ps = out, np.zeros(shapes[i + 1]), np.zeros(shapes[i + 1])
                    for idx in itertools.product(*map(range, shapes[i + 1])):
                        v = p.beta * u[i][idx] + cur[idx]
                        s[idx] = 1.0 if v > p.theta else 0.0
                        ps[idx] = naive_psi(v - p.theta, p.psi)
                        u[i][idx] = v - p.theta * s[idx] if p.reset == "soft" else v * (
                            1 - s[idx])
                    for idx in itertools.product(*map(range, shapes[i])):
                        trx[i][idx] = p.lam_pre * trx[i][idx] + h[idx]
                    trpsi_prev[i] = trpsi[i].copy()
                    for idx in itertools.product(*map(range, shapes[i + 1])):
                        trpsi[i][idx] = p.lam_post * trpsi[i][idx] + ps[idx]
                    psis[i] = ps
                    spikes_seen[i] += s.sum()
                    h = s
                else:
                    h = out
            flat = h.reshape(-1)
            for m in range(n_flat):
                tr_out[m] = p.lam_pre * tr_out[m] + flat[m]
            for c in range(n_classes):
                z[c] = beta_out * z[c] + sum(w[-1][c, m] * flat[m] for m in range(n_flat))
            if t < start:
                continue
            scores[b] += z
            top = max(z)
            exps = [math.exp(v - top) for v in z]
            err = [exps[c] / sum(exps) - (1.0 if c == labels[b] else 0.0) for c in
                   range(n_classes)]
            err = [e / batch for e in err]
            for c, m in itertools.product(range(n_classes), range(n_flat)):
                grads[-1][c, m] += err[c] * tr_out[m]
            # learning signal at every LIF layer's output
            sig = {}
            if signal == "dfa":
                for i in lif:
                    fb = feedback[i]
                    flat_sig = [sum(fb[n, c] * err[c] for c in range(n_classes))
                                for n in range(fb.shape[0])]
                    sig[i] = np.array(flat_sig).reshape(shapes[i + 1])
            else:
                g = np.array([sum(w[-1][c, m] * err[c] for c in range(n_classes))
                              for m in range(n_flat)]).reshape(shapes[-1])
                for i in range(len(layers) - 1, lif[0] - 1, -1):
                    kind, arg = layers[i]
                    if i in widx:
                        sig[i] = g
                        delta = psis[i] * g
                    else:
                        delta = g
                    if i > lif[0]:
                        g = signal_back(kind, arg, w[widx[i]] if i in widx else None, ins[i],
                                        shapes[i], shapes[i + 1], delta)
            for i in lif:
                kind, arg = layers[i]
                gw, L, ps, tp = grads[widx[i]], sig[i], psis[i], trpsi_prev[i]
                if kind == "dense":
                    xin, tin = ins[i].reshape(-1), trx[i].reshape(-1)
                    for n, m in itertools.product(range(gw.shape[0]), range(gw.shape[1])):
                        gw[n, m] += L[n] * (p.alpha_pre * ps[n] * tin[m]
                                            + p.alpha_post * tp[n] * xin[m])
                    continue
                _, k, s, pad = arg
                c_in, height, width = shapes[i]
                for co, ci, kh, kw in itertools.product(range(gw.shape[0]), range(c_in),
                                                        range(k), range(k)):
                    for oi, oj in itertools.product(*map(range, shapes[i + 1][1:])):
                        hh, ww = oi * s + kh - pad, oj * s + kw - pad
                        if 0 <= hh < height and 0 <= ww < width:
                            gw[co, ci, kh, kw] += L[co, oi, oj] * (
                                p.alpha_pre * ps[co, oi, oj] * trx[i][ci, hh, ww]
                                + p.alpha_post * tp[co, oi, oj] * ins[i][ci, hh, ww])
    # Gradients summed over the batch before one SGD step, as the trainer does.
    new = [a - p.lr * g for a, g in zip(w, grads, strict=True)]
    return new, spikes_seen, scores / (n_steps - start)
