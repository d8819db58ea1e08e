"""Prompt morphs: the prompt weights move bar by bar from one mix to another. Pure logic.

A mix is a tuple of (text, weight); weights are relative (`concept.base.mix` normalises the
weighted sum), so both ends of a morph are normalised to sum 1 before they are blended. Over an
n-bar morph, bar k (k = 1..n) plays k/n of the target and (n - k)/n of the old mix; the bars
before it play the old mix, the bars after it the target.
"""

from __future__ import annotations

from dataclasses import dataclass

Prompts = tuple[tuple[str, float], ...]


def normalise(prompts: Prompts) -> Prompts:
    """The same mix with weights summing to 1 (weights are relative, their sum must be > 0)."""
    total = sum(w for _, w in prompts)
    if total <= 0:
        raise ValueError("the prompt weights add up to 0")
    return tuple((text, w / total) for text, w in prompts)


def blend(old: Prompts, new: Prompts, amount: float) -> Prompts:
    """(1 - amount) of `old` and `amount` of `new`, each normalised; the same text's weights
    add up; prompts whose weight comes to 0 are left out. Order: old's texts, then new ones."""
    weights: dict[str, float] = {}
    for text, w in normalise(old):
        weights[text] = weights.get(text, 0.0) + (1.0 - amount) * w
    for text, w in normalise(new):
        weights[text] = weights.get(text, 0.0) + amount * w
    return tuple((text, w) for text, w in weights.items() if w > 0)


def morph_prompts(old: Prompts, target: Prompts, k: int, n: int) -> Prompts:
    """The mix of bar `k` of an `n`-bar morph: k/n of `target`, the rest of `old`.

    k ≤ 0 gives `old` and k ≥ n gives `target`, unchanged (not normalised).
    """
    if n <= 0 or k >= n:
        return target
    if k <= 0:
        return old
    return blend(old, target, k / n)


def strongest(prompts: Prompts, limit: int) -> Prompts:
    """At most `limit` prompts: the heaviest, in their original order (repeated partial morphs
    would otherwise accumulate ever fainter prompts)."""
    if len(prompts) <= limit:
        return prompts
    keep = sorted(range(len(prompts)), key=lambda i: -prompts[i][1])[:limit]
    return tuple(prompts[i] for i in sorted(keep))


@dataclass(frozen=True)
class PromptMorph:
    """A morph from `old` to `target` whose first step (k = 1) is song bar `start`.

    Args:
        old: the mix before the morph.
        target: the mix at its end.
        start: the song bar (0-based) that plays step 1; bar start + bars - 1 plays the target.
        bars: the morph's length n ≥ 1.
    """

    old: Prompts
    target: Prompts
    start: int
    bars: int

    def step(self, bar: int) -> int:
        """k of song bar `bar`: 0 before the morph, `bars` from its last bar on."""
        return min(max(bar - self.start + 1, 0), self.bars)

    def at_step(self, k: int) -> Prompts:
        return morph_prompts(self.old, self.target, k, self.bars)

    def prompts_at(self, bar: int) -> Prompts:
        """The mix song bar `bar` plays."""
        return self.at_step(self.step(bar))

    @property
    def end(self) -> int:
        """The first bar that plays the target."""
        return self.start + self.bars - 1
