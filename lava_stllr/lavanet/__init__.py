"""The Lava network: :class:`~lava_stllr.lavanet.network.STLLRNetwork` (``network``), its
fused topology (``fused``), conv front-ends (``conv``, ``conv_front_end``) and the run
config that selects the models (``run_config``). Its modules import Lava."""
