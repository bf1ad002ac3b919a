"""rolindex: Chinese rule-of-law government reports -> validated indicators -> composite index.

Importing this package has no side effects and imports no heavy modules.
"""

__version__ = "0.1.0"
