"""Seeded live releases, many at once, judged after every finished task by the real rules.

Each step one task finishes in every release still running; its lane follows the release's
share. The rate rules are ``analysis.live.check_rules`` (what the controller and the router
call), policy is the policy gate, and a stage exit is granted only when
``StageReview.waiting_for`` (the controller's own list) is empty. The seed's rule, for the
"today" rows, is the point ``decide`` on stage windows, as the controller used to call it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from agent_evals.analysis import GATES, GateInput, LaneMetrics, decide
from agent_evals.analysis.live import RuleCheck, RuleName, check_rules, evidence_at
from agent_evals.analysis.results import GateDecision
from agent_evals.analysis.sequential import Moments
from agent_evals.config.models import ReleaseConfig, Stage
from agent_evals.rollout.evaluation import StageReview
from agent_evals.rollout.health import Health, LiveSettings, live_settings
from agent_evals.rollout.state import release_steps


def live_steps(config: ReleaseConfig) -> tuple[Stage, ...]:
    """The release's steps that route live work to the candidate (share above 0)."""
    return tuple(s for s in release_steps(config.release) if s.share > 0)


INCUMBENT_SUCCESS = 0.6
LOG_TOKENS_MEAN, LOG_TOKENS_SD = 10.0, 0.6
REVIEW_MEAN = 1.0
AFTER_DONE = 1_000
RULES: tuple[RuleName, ...] = ("success", "tokens", "review")
NO_METRICS = LaneMetrics(
    n=0, success_rate=None, median_tokens=None, review_comment_avg=None, policy_failures=0
)
STAGE, DONE, ROLLED_BACK = 0, 1, 2


@dataclass(frozen=True)
class Scenario:
    """One live row: traffic rate and how the candidate differs."""

    name: str
    rate: float
    success: float = INCUMBENT_SUCCESS
    tokens: float = 1.0
    policy: bool = False


@dataclass(frozen=True)
class LiveResult:
    """Per release: where it ended and after how many candidate tasks."""

    rolled_before_done: np.ndarray
    rolled_after_done: np.ndarray
    reached_done: np.ndarray
    tasks_at_rollback: np.ndarray
    at_first_check: np.ndarray


@dataclass
class LaneSums:
    """Running moments of every rule for one lane, one element per release."""

    releases: int
    sums: dict[RuleName, list[np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sums = {r: [np.zeros(self.releases) for _ in range(3)] for r in RULES}

    def add(self, rule: RuleName, mask: np.ndarray, values: np.ndarray) -> None:
        """Count ``values`` where ``mask`` in one rule's moments."""
        n, total, squares = self.sums[rule]
        kept = np.where(mask, values, 0.0)
        n += mask
        total += kept
        squares += kept * kept

    def moments(self) -> dict[RuleName, Moments]:
        """Every rule's moments as they stand."""
        return {r: Moments(*s) for r, s in self.sums.items()}


class LiveSim:
    """``releases`` copies of one release, stepped together."""

    def __init__(self, config: ReleaseConfig, scenario: Scenario, releases: int, seed: int):
        self.config, self.scenario, self.releases = config, scenario, releases
        self.rng = np.random.default_rng(seed)
        # The live stages: a shadow step before them (share 0) routes no live work, so it adds
        # no live outcomes to the evidence (it judges tokens on mirrored calls instead).
        self.steps: tuple[Stage, ...] = live_steps(config)
        self.settings: LiveSettings = live_settings(config)
        self.incumbent, self.candidate = LaneSums(releases), LaneSums(releases)
        zeros = np.zeros(releases, dtype=int)
        self.step, self.phase, self.stage_tasks = zeros.copy(), zeros.copy(), zeros.copy()
        self.candidate_tasks, self.after_done = zeros.copy(), zeros.copy()
        self.stage_start = np.zeros(releases)
        self.rolled_in = np.full(releases, -1)
        self.at_rollback = np.full(releases, np.nan)
        self.first_check = np.zeros(releases, dtype=bool)
        self.violation_at = self.rng.integers(1, 50, releases)

    def run(self) -> LiveResult:
        """Step until every release is rolled back or has seen ``AFTER_DONE`` tasks in done."""
        t = 0
        while (active := self.active()).any():
            is_candidate = self.finish_one(active)
            checks = self.check(active, is_candidate)
            self.advance(checks, t / self.scenario.rate)
            t += 1
        done = (self.phase == DONE) | (self.rolled_in == DONE)
        return LiveResult(
            self.rolled_in == STAGE,
            self.rolled_in == DONE,
            done,
            self.at_rollback,
            self.first_check,
        )

    def active(self) -> np.ndarray:
        """Releases still in a stage, or in done short of ``AFTER_DONE`` candidate tasks."""
        return (self.phase == STAGE) | ((self.phase == DONE) & (self.after_done < AFTER_DONE))

    def finish_one(self, active: np.ndarray) -> np.ndarray:
        """One finished task per active release; returns where it was the candidate's."""
        rng, n, scenario = self.rng, self.releases, self.scenario
        shares = np.array([s.share for s in self.steps])
        share = np.where(self.phase == STAGE, shares[np.minimum(self.step, len(shares) - 1)], 1.0)
        is_candidate = active & (rng.random(n) < share)
        ok = rng.random(n) < np.where(is_candidate, scenario.success, INCUMBENT_SUCCESS)
        log_tokens = rng.normal(LOG_TOKENS_MEAN, LOG_TOKENS_SD, n)
        log_tokens += np.where(is_candidate, math.log(scenario.tokens), 0.0)
        review = rng.poisson(REVIEW_MEAN, n).astype(float)
        for lane, mask in (
            (self.incumbent, active & ~is_candidate),
            (self.candidate, is_candidate),
        ):
            lane.add("success", mask, ok.astype(float))
            lane.add("tokens", mask & ok, log_tokens)
            lane.add("review", mask, review)
        self.candidate_tasks += is_candidate
        self.stage_tasks += is_candidate & (self.phase == STAGE)
        self.after_done += is_candidate & (self.phase == DONE)
        return is_candidate

    def check(self, active: np.ndarray, is_candidate: np.ndarray) -> tuple[RuleCheck, ...]:
        """The rate rules and the policy gate after this outcome; roll back where breached."""
        checks = check_rules(
            self.incumbent.moments(),
            self.candidate.moments(),
            self.config.release.rollback_on,
            alpha=self.settings.alpha,
            planned=self.settings.planned,
        )
        harm = np.logical_or.reduce([c.harm for c in checks])
        policy = np.zeros(self.releases, dtype=bool)
        if self.scenario.policy:
            policy = self.policy_breach(is_candidate & (self.candidate_tasks == self.violation_at))
        rolled = active & (harm | policy)
        self.first_check |= policy & rolled
        self.rolled_in[rolled] = self.phase[rolled]
        self.at_rollback[rolled] = self.candidate_tasks[rolled]
        self.phase[rolled] = ROLLED_BACK
        return checks

    def policy_breach(self, violated: np.ndarray) -> np.ndarray:
        """The policy gate on a candidate with one violation, where one happened."""
        if not violated.any():
            return violated
        broken = LaneMetrics(
            n=1, success_rate=1.0, median_tokens=1.0, review_comment_avg=0.0, policy_failures=1
        )
        rules, statistics = self.config.release.rollback_on, self.config.statistics
        verdict = GATES["policy"](GateInput(NO_METRICS, broken, rules, statistics)).verdict
        return violated & (verdict == "fail")

    def advance(self, checks: tuple[RuleCheck, ...], minutes: float) -> None:
        """Move on every release whose stage the controller's own review lets go."""
        index = np.minimum(self.step, len(self.steps) - 1)
        minimums = np.array([s.min_tasks for s in self.steps])[index]
        bakes = np.array([s.min_bake_minutes for s in self.steps])[index]
        baked = minutes - self.stage_start
        maybe = (self.phase == STAGE) & (self.stage_tasks >= minimums) & (baked >= bakes)
        ready = [r for r in np.flatnonzero(maybe) if not self.waits(checks, r, baked[r])]
        self.step[ready] += 1
        self.phase[ready] = np.where(self.step[ready] >= len(self.steps), DONE, STAGE)
        self.stage_start[ready] = minutes
        self.stage_tasks[ready] = 0

    def waits(self, checks: tuple[RuleCheck, ...], release: int, baked: float) -> tuple[str, ...]:
        """``StageReview.waiting_for`` for one release, on its own live evidence."""
        step = int(self.step[release])
        stage, settings = self.steps[step], self.settings
        live = evidence_at(checks, release, alpha=settings.alpha, planned=settings.planned)
        health = Health((), NO_METRICS, NO_METRICS, GateDecision("PROMOTE", (), ()), live)
        last = step == len(self.steps) - 1
        return StageReview(
            health,
            int(self.stage_tasks[release]),
            stage.min_tasks,
            baked,
            stage.min_bake_minutes,
            needs_non_inferiority=last and settings.final_step == "non-inferiority",
        ).waiting_for()


def seed_rule(config: ReleaseConfig, scenario: Scenario, releases: int, seed: int) -> LiveResult:
    """The seed's live rule: point ``decide`` after every outcome on a window reset at each
    stage (rate gates counted from the stage's minimum tasks, 20), a stage advancing only on a
    live scorecard PROMOTE, and after ``done`` a frozen incumbent sample."""
    rng = np.random.default_rng(seed)
    outcome = {k: np.zeros(releases, dtype=bool) for k in ("stage", "done", "reached")}
    for r in range(releases):
        where = SeedRelease(config, scenario, rng).run()
        if where in outcome:
            outcome[where][r] = True
        outcome["reached"][r] = where != "stage"
    nothing = np.zeros(releases, dtype=bool)
    tasks = np.full(releases, np.nan)
    return LiveResult(outcome["stage"], outcome["done"], outcome["reached"], tasks, nothing)


class SeedRelease:
    """One release under the seed's rule, task by task."""

    MIN_TASKS = 20

    def __init__(self, config: ReleaseConfig, scenario: Scenario, rng: np.random.Generator):
        self.config, self.scenario, self.rng = config, scenario, rng
        self.shares = (0.1, 0.25, 0.5, 1.0)
        self.lanes: dict[bool, list[list[float]]] = {False: [[], [], []], True: [[], [], []]}
        self.stage, self.start, self.after = 0, 0.0, 0
        self.window = {False: 0, True: 0}

    def run(self) -> str:
        """``stage`` or ``done`` where it was rolled back, else ``through``."""
        t = 0
        while self.after < AFTER_DONE:
            done = self.stage >= len(self.shares)
            self.finish_one(done)
            t += 1
            status = self.judge(done)
            if status == "BLOCKED":
                return "done" if done else "stage"
            minutes = t / self.scenario.rate
            if not done and status == "PROMOTE" and minutes - self.start >= 30.0:
                self.stage, self.start = self.stage + 1, minutes
                self.window = {lane: len(self.lanes[lane][0]) for lane in (False, True)}
        return "through"

    def finish_one(self, done: bool) -> None:
        """One finished task, routed by the stage's share."""
        rng, scenario = self.rng, self.scenario
        is_candidate = bool(rng.random() < (1.0 if done else self.shares[self.stage]))
        ok = rng.random() < (scenario.success if is_candidate else INCUMBENT_SUCCESS)
        scale = scenario.tokens if is_candidate else 1.0
        tokens = math.exp(rng.normal(LOG_TOKENS_MEAN, LOG_TOKENS_SD)) * scale
        values = (float(ok), tokens if ok else math.nan, float(rng.poisson(REVIEW_MEAN)))
        for column, value in zip(self.lanes[is_candidate], values, strict=True):
            column.append(value)
        self.after += is_candidate and done

    def judge(self, done: bool) -> str:
        """The seed's verdict on the stage window (INCONCLUSIVE below 20 candidate tasks)."""
        incumbent_runs = len(self.lanes[False][0]) - self.window[False]
        start = self.window[False] if incumbent_runs >= self.MIN_TASKS else 0
        candidate = _metrics(self.lanes[True], self.window[True])
        if (candidate.n or 0) < self.MIN_TASKS:
            return "INCONCLUSIVE"
        incumbent = _metrics(self.lanes[False], start)
        return decide(incumbent, candidate, self.config, evidence=False).status


def _metrics(columns: list[list[float]], start: int) -> LaneMetrics:
    success, tokens, review = (np.asarray(c[start:]) for c in columns)
    solved = tokens[~np.isnan(tokens)]
    return LaneMetrics(
        n=int(success.size),
        success_rate=float(success.mean()) if success.size else None,
        median_tokens=float(np.median(solved)) if solved.size else None,
        review_comment_avg=float(review.mean()) if review.size else None,
        policy_failures=0,
    )
