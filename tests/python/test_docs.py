"""Every ```python block of docs/python.md and README.md runs (each on its own, in a fresh
namespace and a fresh temporary folder), so the documented examples cannot rot.
Blocks that import torch are skipped where PyTorch is not installed."""
import contextlib
import importlib.util
import io
import os
import pathlib
import re

import pytest

SRC = pathlib.Path(os.environ.get("WELLPOSED_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
DOC = SRC / "docs" / "python.md"


def python_blocks(text):
    """(first line number, code) of every fenced ```python block."""
    blocks = []
    for m in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M):
        blocks.append((text[: m.start()].count("\n") + 1, m.group(1)))
    return blocks


BLOCKS = [(DOC, line, code) for line, code in python_blocks(DOC.read_text(encoding="utf-8"))]
BLOCKS += [(SRC / "README.md", line, code) for line, code in python_blocks((SRC / "README.md").read_text(encoding="utf-8"))]


def test_the_doc_has_examples():
    assert len(BLOCKS) >= 5
    assert re.search(r"^## PyTorch$", DOC.read_text(encoding="utf-8"), flags=re.M)


@pytest.mark.parametrize("doc, line, code", BLOCKS, ids=[f"{doc.name}:{line}" for doc, line, _ in BLOCKS])
def test_doc_block_runs(doc, line, code, tmp_path, monkeypatch):
    if re.search(r"^\s*(import torch|from torch|import wellposed\.torch|from wellposed\.torch|from wellposed import torch)",
                 code, flags=re.M) and importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed")
    monkeypatch.chdir(tmp_path)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"{doc}:{line}", "exec"), {"__name__": "__doc_example__"})
