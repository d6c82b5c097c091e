"""Verified fix for solutions/vector-dimension-mismatch.md.

The vector stores themselves (chromadb, qdrant-client, faiss) are not project dependencies, so the
mismatch is reproduced the way qdrant-client's local mode computes a query: a numpy dot product of
the stored matrix with a query vector of another length fails. Then the entry's own Option 1 code
runs: it must pass when the embedder's size equals the store's, stop with both sizes (and a
collection name per model) when it does not, and reject an empty embedding as a failed call.
"""

import textwrap

from pyrun import run_python

SLUG = "vector-dimension-mismatch"


def test_reproduces_a_query_with_another_models_size(tmp_path):
    code = textwrap.dedent(
        """
        import numpy as np
        stored = np.random.rand(2, 384).astype("float32")   # indexed with a 384-dim model
        query = np.random.rand(1536).astype("float32")       # queried with a 1536-dim model
        np.dot(stored, query)
        """
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode != 0
    assert "not aligned: 384 (dim 1) != 1536 (dim 0)" in result.stderr


def test_option1_demo_runs_and_catches_the_mismatch(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: 384" in result.stdout
    assert "makes 1536-dim vectors but the store holds 384-dim ones" in result.stdout
    assert "docs-text-embedding-3-small-1536" in result.stdout


def test_option1_helpers_on_matching_mismatching_and_empty_embedders(fix_code, tmp_path):
    (tmp_path / "guard.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = textwrap.dedent(
        """
        import guard

        def model_768(texts):
            return [[0.5] * 768 for _ in texts]

        assert guard.embedding_dim(model_768) == 768
        assert guard.check_dimension(768, model_768, "nomic-embed-text") == 768
        assert guard.check_dimension(None, model_768, "nomic-embed-text") == 768  # empty store
        try:
            guard.check_dimension(1024, model_768, "nomic-embed-text")
        except ValueError as exc:
            assert "768-dim" in str(exc) and "1024-dim" in str(exc), exc
        else:
            raise AssertionError("mismatch not detected")
        try:
            guard.check_dimension(1536, lambda texts: [[] for _ in texts], "broken")
        except RuntimeError as exc:
            assert "empty vector" in str(exc)
        else:
            raise AssertionError("empty embedding not detected")
        name = guard.collection_name("docs", "BAAI/bge-m3", 1024)
        assert name == "docs-baai-bge-m3-1024", name
        long = guard.collection_name("docs", "x" * 200, 3072)
        assert len(long) <= 63 and long.endswith("-3072"), long
        print("helpers ok")
        """
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "helpers ok" in result.stdout
