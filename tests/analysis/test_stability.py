"""Point-verdict stability: resampling for replay-sized slices, a normal fit for huge ones."""

from __future__ import annotations

import numpy as np
import pytest

from agent_evals.analysis import stability
from agent_evals.analysis.pairing import LaneTasks, Pairs
from agent_evals.analysis.stability import NORMAL_METHOD, POINT_METHOD, point_stability
from agent_evals.config.models import RollbackOn


def _lane(rng: np.random.Generator, n: int, success: float, tokens: float) -> LaneTasks:
    solved = (rng.random(n) < success).astype(float)
    return LaneTasks(
        keys=np.arange(n),
        success=solved,
        tokens=np.where(solved > 0, rng.lognormal(np.log(tokens), 0.6, n), np.nan),
        review=rng.poisson(1.0, n).astype(float),
        cost=np.full(n, np.nan),
    )


def _pairs(n: int, candidate_success: float, seed: int = 7) -> Pairs:
    rng = np.random.default_rng(seed)
    return Pairs(_lane(rng, n, 0.6, 20000), _lane(rng, n, candidate_success, 20000), 0, 0)


def _stability(pairs: Pairs, observed: dict[str, bool]) -> stability.Stability:
    result = point_stability(
        pairs, RollbackOn(), observed, policy_failed=False, resamples=2000, seed=11
    )
    assert result is not None
    return result


def test_a_huge_slice_is_judged_by_a_normal_fit_that_agrees_with_full_resampling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pairs = _pairs(8000, 0.585)
    observed = {"success": True, "tokens": True, "review": True}
    fitted = _stability(pairs, observed)
    assert fitted.resamples < 2000
    assert fitted.intervals["success"].method.startswith(NORMAL_METHOD)
    monkeypatch.setattr(stability, "_DRAW_BUDGET", 10**12)
    resampled = _stability(pairs, observed)
    assert resampled.resamples == 2000
    assert resampled.intervals["success"].method.startswith(POINT_METHOD)
    for gate in observed:
        assert fitted.gates[gate] == pytest.approx(resampled.gates[gate], abs=0.05)
    assert fitted.decision == pytest.approx(resampled.decision, abs=0.07)


def test_a_huge_slice_far_from_its_thresholds_is_stable_and_one_at_a_threshold_is_noise() -> None:
    clear = _stability(_pairs(200_000, 0.6), {"success": True})
    assert clear.gates["success"] > 0.99
    assert clear.note("success") is not None and "within noise" not in clear.note("success")
    edge = _pairs(200_000, 0.58)
    difference = float(np.mean(edge.candidate.success - edge.incumbent.success))
    at_edge = _stability(edge, {"success": difference >= -0.02})
    assert at_edge.gates["success"] < 0.8
    assert "within noise" in (at_edge.note("success") or "")
