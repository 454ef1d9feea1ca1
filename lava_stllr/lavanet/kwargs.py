"""Constructor arguments of the Processes an :class:`~lava_stllr.lavanet.network.STLLRNetwork`
builds (the fixed-point layers and seeds; none in float)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lava.utils.weightutils import SignMode

if TYPE_CHECKING:
    from lava_stllr.loihi.network_fixed import FixedNetwork


class FixedKwargs:
    """The fixed-point constructor arguments of the network's Processes (none in float)."""

    def __init__(self, net: FixedNetwork | None) -> None:
        self.net = net

    def dense(self, i: int, recurrent: bool = False) -> dict:
        """``STLLRDense`` ``i`` (``recurrent``: hidden layer ``i``'s recurrent one): its
        quantized layer and learning-rule seed."""
        net = self.net
        if net is None:
            return {}
        seeds = net.recurrent_seeds if recurrent else net.rng_seeds
        return {"fixed": net.layers[i], "rng_seed": seeds[i]}

    def hidden(self, i: int) -> dict:
        """``STLLRLIF`` ``i``: its layer and the rounding shift of its feedback current."""
        net = self.net
        return {} if net is None else {"fixed": net.layers[i],
                                       "signal_shift": net.signal_shift[i]}

    def readout(self) -> dict:
        """``LeakyReadout`` and ``OutputError``: the readout layer."""
        return {} if self.net is None else {"fixed": self.net.layers[-1]}

    def feedback(self) -> dict:
        """Lava ``Dense`` feedback: mixed-sign mantissas, exponent 0 (bit-accurate model)."""
        return {} if self.net is None else {"sign_mode": SignMode.MIXED, "weight_exp": 0}

