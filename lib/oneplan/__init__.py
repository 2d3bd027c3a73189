"""oneplan: decision support for Thai provincial development planning.

All logic lives in this package; the notebooks in ``notebooks/`` only call it.
"""

__version__ = "0.1.0"
