"""wellposed: is your sparse architecture a well-posed problem? (docs/python.md)"""
from . import _core  # noqa: F401
