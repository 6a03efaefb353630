"""The commented starter config that ``agent-evals init`` writes."""

from __future__ import annotations

STARTER_CONFIG = """\
# agent-evals release config: the candidate model must earn its place against the incumbent.
release:
  incumbent: gpt-5.3-coder          # the model in service (a key of 'models' below)
  candidate: gpt-5.4-coder          # the model that wants to replace it
  liveCanaryShare: 0.1              # share of live tasks the candidate may take (0 to 1)
  rollbackOn:                       # promotion gates and live rollback rules; null turns one off
    successRateDrop: 0.02           # candidate success may be at most this much lower
    reviewerCommentIncrease: 0.3    # extra reviewer follow-ups per task allowed
    medianTokenMultiplier: 1.25     # candidate median tokens per solved task, x incumbent
    policyFailureCount: 1           # candidate policy failures must stay below this
    costMultiplier: null            # cost per solved task, x incumbent (off unless set)
  evalSlices:                       # the slices every replay gate covers
    - repo-onboarding
    - bugfix-small
    - refactor-medium
    - test-generation
    - migration-risky

models:
  gpt-5.3-coder:
    provider: openai                # openai | anthropic | openai-compatible
    model: gpt-5.3-coder-2026-06-15 # exact upstream id (pin a version, never 'latest')
    baseUrl: http://127.0.0.1:9001/v1
    apiKeyEnv: OPENAI_API_KEY       # the variable holding the key; keys never live here
    price: {inputPerMTok: 1.25, outputPerMTok: 10.0, cacheReadPerMTok: 0.125}
  gpt-5.4-coder:
    provider: openai
    model: gpt-5.4-coder-2026-10-01
    baseUrl: http://127.0.0.1:9001/v1
    apiKeyEnv: OPENAI_API_KEY
    price: {inputPerMTok: 1.25, outputPerMTok: 10.0, cacheReadPerMTok: 0.125}

slices:                             # where each slice's tasks live (relative to this file)
  migration-risky: {path: slices/migration-risky, policySensitive: true, risk: high}

statistics:
  mode: point                       # point | evidence (paired intervals); point prints each
                                    # verdict's stability and flags the unstable as noise
  confidence: 0.95                  # also the live canary's: false rollbacks stay under 5%
  minSamples: 30                    # fewer paired tasks than this prints a low-sample warning
  seed: 20261125                    # resampling seed, printed with every evidence decision
  live:
    finalStep: exposure             # exposure | non-inferiority: what the step to 100% needs
# Live stages without minTasks get what 'agent-evals plan' computes for the thresholds above.
"""
