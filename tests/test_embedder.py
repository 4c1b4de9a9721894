"""The two backends are the same model: the int8 ONNX one (query path) and fp32 torch."""
import numpy as np

from vectorstore.embedder import MiniLMEmbedding

TEXTS = ["North Korea fired around 10 rounds from multiple-launcher rocket systems.",
         "How many rockets did Pyongyang fire?",
         "The passenger train between Moscow and Pyongyang is the longest direct rail trip."]


def test_onnx_and_torch_agree():
    a = MiniLMEmbedding("onnx").encode(TEXTS)
    b = MiniLMEmbedding("torch").encode(TEXTS)
    assert a.shape == b.shape == (3, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-4)
    assert np.all((a * b).sum(1) > 0.99)
    sims_a, sims_b = a @ a.T, b @ b.T
    assert np.abs(sims_a - sims_b).max() < 0.02
    assert sims_a[0, 1] > sims_a[0, 2]  # the model ranks meaning, not noise
