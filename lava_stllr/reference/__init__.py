"""Batched NumPy reference trainers: S-TLLR (BP or DFA learning signal) and BPTT, for
dense networks (:class:`NetworkSpec`) and conv networks (:class:`ConvNetSpec`)."""

from lava_stllr.reference.bptt import BPTTTrainer
from lava_stllr.reference.conv_bptt import ConvBPTTTrainer
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.reference.stllr import STLLRTrainer
from lava_stllr.reference.trainer import History
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.network import NetworkSpec, Weights, init_weights

__all__ = ["BPTTTrainer", "ConvBPTTTrainer", "ConvNetSpec", "ConvSTLLRTrainer", "History",
           "NetworkSpec", "STLLRTrainer", "Weights", "init_weights"]
