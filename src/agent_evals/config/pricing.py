"""What tokens cost at a configured price; the one place a run or a request is priced."""

from __future__ import annotations

from agent_evals.config.models import Price
from agent_evals.records import TokenUsage


def cost_of(tokens: TokenUsage, price: Price | None) -> float | None:
    """USD for the tokens at the price; ``input`` excludes cached reads. ``None`` when unknown."""
    if price is None or (tokens.input is None and tokens.output is None):
        return None
    read = price.cache_read_per_m_tok
    write = price.cache_write_per_m_tok
    total = (
        (tokens.input or 0) * price.input_per_m_tok
        + (tokens.output or 0) * price.output_per_m_tok
        + (tokens.cache_read or 0) * (price.input_per_m_tok if read is None else read)
        + (tokens.cache_write or 0) * (price.input_per_m_tok if write is None else write)
    )
    return total / 1_000_000
