"""NAS-Bench-101 cell search spaces (4, 5 and 7 vertices, at most 9 edges) and subspaces."""

from benchmarks.space.arch import INPUT, OPS, OUTPUT, Arch, InvalidArchError, check_arch, prune
from benchmarks.space.encodings import adjacency_encoding, path_encoding
from benchmarks.space.hashing import hash_module
from benchmarks.space.search_space import SPACES, SearchSpace, get_space
from benchmarks.space.subspace import SubSpace

__all__ = ["INPUT", "OPS", "OUTPUT", "SPACES", "Arch", "InvalidArchError", "SearchSpace",
           "SubSpace", "adjacency_encoding", "check_arch", "get_space", "hash_module",
           "path_encoding", "prune"]
