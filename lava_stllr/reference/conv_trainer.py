"""What the conv trainers add to :class:`ReferenceTrainer`: the conv spec, its weights and
its forward pass. Evaluation, the epoch loop and save/load are the base class's."""

from __future__ import annotations

import numpy as np

from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_network import ConvNetworkState, conv_forward_step, frames
from lava_stllr.reference.trainer import ReferenceTrainer
from lava_stllr.spec.conv import ConvNetSpec, check_conv_weights, init_conv_weights
from lava_stllr.spec.network import Weights


class ConvReferenceTrainer(ReferenceTrainer):
    """Base of the conv trainers. Batches are (B, T, C*H*W), flattened like the datasets
    give them; ``Weights.feedforward`` holds the conv kernels (C_out, C_in, k, k), the
    dense matrices and the readout, in layer order (:attr:`ConvNetSpec.weight_shapes`)."""

    spec_type = ConvNetSpec

    def __init__(self, spec: ConvNetSpec, params: STLLRParams, seed: int = 0,
                 dtype: str | type | np.dtype = "float64", standardize: bool = False):
        super().__init__(spec, params, seed, dtype, standardize)

    def _initial_weights(self) -> Weights:
        return init_conv_weights(self.spec, self.seed)

    def _check_weights(self, weights: Weights) -> None:
        check_conv_weights(self.spec, weights)

    def _saved_spec(self, data: dict) -> ConvNetSpec:
        return ConvNetSpec.from_dict(data)

    def predict_scores(self, x: np.ndarray) -> np.ndarray:
        """Readout averaged over the learning window, (B, n_classes), without learning."""
        maps = frames(self.spec, self._inputs(x))
        batch, n_steps = maps.shape[:2]
        state = ConvNetworkState(self.spec, batch, self.dtype)
        start = self.params.window_start(n_steps)
        scores = np.zeros((batch, self.spec.n_classes), self.dtype)
        for t in range(n_steps):
            conv_forward_step(self.spec, self.params, self.weights, state, maps[:, t])
            if t >= start:
                scores += state.z
        return scores / (n_steps - start)
