"""What a network is, before anything runs it: dense specs and weights (``network``), conv
specs (``conv``), layer strings (``layers``) and the functions that serve both kinds
(``kinds``). NumPy only."""
