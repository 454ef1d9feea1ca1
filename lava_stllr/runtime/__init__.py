"""Workarounds for Lava 0.10's CPU runtime, which nobody upstream will fix: bounded stop
and failure reports (``guard``), fork safety (``fork``) and reclaim of the shared memory
killed runs leave behind (``shm``). Used by the Processes' host pipes and the network."""
