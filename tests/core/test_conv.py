"""Convolution, pooling and the conv S-TLLR update against naive per-element loops."""

import itertools
import math

import numpy as np
import pytest

from lava_stllr.core.conv import (
    col2im,
    conv_backward_input,
    conv_forward,
    conv_stllr_grad,
    conv_weight_grad,
    im2col,
)
from lava_stllr.core.pool import avg_pool, avg_pool_backward, max_pool, max_pool_backward
from lava_stllr.core.psi import PSI_KINDS, psi


def naive_conv(x, w, stride, padding):
    """Six nested loops (plus the batch): the textbook cross-correlation."""
    batch, c_in, height, width = x.shape
    c_out, _, k, _ = w.shape
    h_out = (height + 2 * padding - k) // stride + 1
    w_out = (width + 2 * padding - k) // stride + 1
    y = np.zeros((batch, c_out, h_out, w_out))
    for b in range(batch):
        for co in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    acc = 0.0
                    for ci in range(c_in):
                        for kh in range(k):
                            for kw in range(k):
                                h, v = i * stride + kh - padding, j * stride + kw - padding
                                if 0 <= h < height and 0 <= v < width:
                                    acc += w[co, ci, kh, kw] * x[b, ci, h, v]
                    y[b, co, i, j] = acc
    return y


CASES = [(k, s, p) for k, s, p in itertools.product((1, 2, 3, 5), (1, 2), (0, 1, 2))
         if (9 + 2 * p - k) // s + 1 >= 1]


@pytest.mark.parametrize("kernel,stride,padding", CASES)
def test_conv_forward_equals_naive_loops(kernel, stride, padding):
    rng = np.random.default_rng(kernel * 100 + stride * 10 + padding)
    x = rng.normal(size=(2, 3, 9, 8))
    w = rng.normal(size=(4, 3, kernel, kernel))
    np.testing.assert_allclose(conv_forward(x, w, stride, padding),
                               naive_conv(x, w, stride, padding), rtol=0, atol=1e-12)


@pytest.mark.parametrize("kernel,stride,padding", CASES)
def test_col2im_is_the_adjoint_of_im2col(kernel, stride, padding):
    rng = np.random.default_rng(7 + kernel + stride + padding)
    x = rng.normal(size=(2, 3, 9, 8))
    cols = im2col(x, kernel, stride, padding)
    y = rng.normal(size=cols.shape)
    lhs = float(np.sum(cols * y))
    rhs = float(np.sum(x * col2im(y, x.shape, kernel, stride, padding)))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("kernel,stride,padding", [(3, 2, 1), (5, 1, 2), (2, 2, 0)])
def test_conv_input_and_weight_gradients_are_the_transposes(kernel, stride, padding):
    """<conv(x, w), d> is linear in x and in w: its gradients are the two backward maps."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 7, 7))
    w = rng.normal(size=(4, 3, kernel, kernel))
    d = rng.normal(size=conv_forward(x, w, stride, padding).shape)
    g_x = conv_backward_input(d, w, x.shape, stride, padding)
    g_w = conv_weight_grad(d, im2col(x, kernel, stride, padding)).reshape(w.shape)
    for idx in [(0, 0, 0, 0), (1, 2, 3, 4), (0, 1, 6, 6)]:
        e = np.zeros_like(x)
        e[idx] = 1.0
        assert np.sum(naive_conv(e, w, stride, padding) * d) == pytest.approx(g_x[idx])
    for idx in [(0, 0, 0, 0), (3, 2, kernel - 1, 0)]:
        e = np.zeros_like(w)
        e[idx] = 1.0
        assert np.sum(naive_conv(x, e, stride, padding) * d) == pytest.approx(g_w[idx])


def naive_pool(x, k, kind):
    batch, channels, height, width = x.shape
    y = np.zeros((batch, channels, height // k, width // k))
    arg = np.zeros(y.shape, dtype=int)
    for b, c, i, j in itertools.product(*map(range, y.shape)):
        vals = [x[b, c, i * k + a, j * k + d] for a in range(k) for d in range(k)]
        if kind == "avg":
            y[b, c, i, j] = sum(vals) / len(vals)
        else:
            best = 0
            for n, v in enumerate(vals):
                if v > vals[best]:  # strict: the first maximum wins ties
                    best = n
            y[b, c, i, j], arg[b, c, i, j] = vals[best], best
    return y, arg


def naive_pool_backward(g, x_shape, k, kind, arg):
    out = np.zeros(x_shape)
    for b, c, i, j in itertools.product(*map(range, g.shape)):
        for a in range(k):
            for d in range(k):
                if kind == "avg":
                    out[b, c, i * k + a, j * k + d] += g[b, c, i, j] / k**2
                elif a * k + d == arg[b, c, i, j]:
                    out[b, c, i * k + a, j * k + d] += g[b, c, i, j]
    return out


@pytest.mark.parametrize("kind", ["avg", "max"])
@pytest.mark.parametrize("k,shape", [(2, (2, 3, 8, 8)), (2, (1, 2, 7, 9)), (3, (2, 1, 7, 6))])
@pytest.mark.parametrize("spikes", [False, True])
def test_pooling_forward_and_backward_equal_naive_loops(kind, k, shape, spikes):
    rng = np.random.default_rng(sum(shape) + k)
    # Spike maps: many ties, where the first-maximum rule matters.
    x = (rng.random(shape) < 0.3).astype(float) if spikes else rng.normal(size=shape)
    want, want_arg = naive_pool(x, k, kind)
    g = rng.normal(size=want.shape)
    if kind == "avg":
        got = avg_pool(x, k)
        back = avg_pool_backward(g, k, x.shape)
    else:
        got, arg = max_pool(x, k)
        np.testing.assert_array_equal(arg, want_arg)
        back = max_pool_backward(g, arg, k, x.shape)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    np.testing.assert_allclose(back, naive_pool_backward(g, x.shape, k, kind, want_arg),
                               rtol=0, atol=1e-14)


def naive_psi(d, kind):
    if kind == "rational":
        return 1.0 / (100.0 * abs(d) + 1.0) ** 2
    if kind == "triangle":
        return 0.3 * max(0.0, 1.0 - abs(d))
    sig = 1.0 / (1.0 + math.exp(-4.0 * d))
    return 4.0 * sig * (1.0 - sig)


@pytest.mark.parametrize("psi_kind", sorted(PSI_KINDS))
@pytest.mark.parametrize("alpha_post", [-0.7, 0.0])
def test_conv_stllr_grad_equals_naive_loops(psi_kind, alpha_post):
    rng = np.random.default_rng(len(psi_kind))
    batch, c_in, c_out, size, k, stride, padding = 2, 2, 3, 7, 3, 2, 1
    h_out = (size + 2 * padding - k) // stride + 1
    x = (rng.random((batch, c_in, size, size)) < 0.4).astype(float)
    trx = x + 0.8 * rng.random(x.shape)
    v = rng.normal(0.6, 0.4, (batch, c_out, h_out, h_out))
    psi_post = psi(v, 0.6, psi_kind)
    trpsi_prev = rng.random(v.shape)
    signal = rng.normal(size=v.shape)
    alpha_pre = 0.9
    got = conv_stllr_grad(signal, psi_post, trpsi_prev, trx, x, stride, padding, k,
                          alpha_pre, alpha_post)
    want = np.zeros((c_out, c_in, k, k))
    for co, ci, kh, kw in itertools.product(range(c_out), range(c_in), range(k), range(k)):
        for b, i, j in itertools.product(range(batch), range(h_out), range(h_out)):
            h, w = i * stride + kh - padding, j * stride + kw - padding
            if not (0 <= h < size and 0 <= w < size):
                continue
            p = naive_psi(v[b, co, i, j] - 0.6, psi_kind)
            e = (alpha_pre * p * trx[b, ci, h, w]
                 + alpha_post * trpsi_prev[b, co, i, j] * x[b, ci, h, w])
            want[co, ci, kh, kw] += signal[b, co, i, j] * e
    assert np.abs(want).max() > 0.1
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
