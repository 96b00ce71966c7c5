"""Shared fixtures. Self-contained: the wheel test copies this file and the API tests into
a temporary directory and runs them against an installed wheel."""

import os
import random

import pytest


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run the test inside its own temporary directory (Annoy's tests write relative paths)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def rng():
    return random.Random(1234)


def gauss_vectors(rng, n, f):
    return [[rng.gauss(0, 1) for _ in range(f)] for _ in range(n)]


def repo_root():
    """The source checkout's root, or None when the tests run outside it."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", "..", ".."))
    return root if os.path.isdir(os.path.join(root, "tests", "golden")) else None
