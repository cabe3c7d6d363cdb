"""Which regime preset is the lever of which deficit type (seed 003: each deficit has its own
root and remedy; DESIGN.md §3). Written once for the validation suite, the lever_by_type
experiment, the ODD's figures and the tests."""

from __future__ import annotations

LEVER_TARGETS: dict[str, str] = {
    "incentive_only": "unwilling",  # 鼓励激励: W gate (想为)
    "education_only": "unwilling",  # 思想政治建设: W gate, slowly
    "training_only": "unable",  # 教育培训: O gate (会为)
    "promotion_orientation": "afraid",  # 用人导向: Dc gate (敢为)
    "inaction_accountability": "reluctant",  # 问责不作为: E gate (愿为)
    "tolerance_only": "fearful",  # 容错纠错: De gate (害怕为)
}
