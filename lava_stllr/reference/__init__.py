"""Batched NumPy reference trainers: S-TLLR (BP or DFA learning signal) and BPTT."""

from lava_stllr.reference.bptt import BPTTTrainer
from lava_stllr.reference.stllr import STLLRTrainer
from lava_stllr.reference.trainer import History
from lava_stllr.spec import NetworkSpec, Weights, init_weights

__all__ = ["BPTTTrainer", "History", "NetworkSpec", "STLLRTrainer", "Weights", "init_weights"]
