"""Scenario cards: what each policy preset stands for and what a trainer should watch for.

Each card is (title, what it represents, what to watch) in English and Chinese. The claims in
"watch" are what the model is built to show (docs/DESIGN.md); the run on screen is the test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    title: tuple[str, str]  # (en, zh)
    what: tuple[str, str]
    watch: tuple[str, str]

    def text(self, lang: str) -> tuple[str, str, str]:
        i = 1 if lang == "zh" else 0
        return self.title[i], self.what[i], self.watch[i]


CARDS: dict[str, Card] = {
    "baseline": Card(
        ("Baseline: accountability without tolerance", "基准：只问责、不容错"),
        (
            "The status quo: errors are detected and sanctioned, modest rewards, no mechanism "
            "to exempt honest errors.",
            "现状：发现失误即问责，激励有限，没有对探索性失误的容错免责机制。",
        ),
        (
            "Fear of honest errors grows among those who see colleagues sanctioned; the fearful "
            "(害怕为) and afraid (不敢为) hold back.",
            "看到同事因失误被问责，害怕为、不敢为的干部越来越多地选择不作为。",
        ),
    ),
    "strict_accountability": Card(
        ("Strict accountability (从严问责)", "从严问责"),
        (
            "Errors more often detected (0.5 instead of 0.3), heavier sanctions and a heavier "
            "career cost of a sanction; still no tolerance.",
            "发现概率由0.3提高到0.5，失误问责更重，问责对仕途的影响更大；仍无容错机制。",
        ),
        (
            "Misconduct falls, but initiative falls too: sanctions for honest errors teach "
            "everyone that doing less is safer. Compare it side by side with three_mechanisms.",
            "违纪减少，但担当作为也下降：因失误被问责让大家觉得少做少错。可与三项机制并排对比。",
        ),
    ),
    "incentive_only": Card(
        ("Incentives only (鼓励激励)", "仅鼓励激励"),
        (
            "Bigger, more frequent rewards and a strong weight of initiative in promotion.",
            "加大表彰奖励力度，提拔使用中更看重担当作为。",
        ),
        (
            "The unwilling (不想为) move most; the reluctant (不愿为) and fearful (害怕为) hardly "
            "do: rewards lighten neither the effort nor the feared sanction (see the gate view).",
            "不想为的干部转变最大；不愿为、害怕为的干部变化不大：激励既不减轻做事的辛苦，"
            "也不消除对问责的担忧（见门槛分解图）。",
        ),
    ),
    "tolerance_only": Card(
        ("Fault tolerance only (容错纠错)", "仅容错纠错"),
        (
            "Honest errors in good-faith work are exempted, cases are well screened and the "
            "policy is publicised.",
            "对干事创业中的探索性失误予以免责，甄别准确，并加以宣传。",
        ),
        (
            "Exemptions rise, wrongful sanctions stay low; fear ebbs as cadres see exempted "
            "cases, and initiative of the fearful recovers over months, not at once.",
            "容错免责增多、错误问责很少；干部看到免责案例后顾虑逐步消除，害怕为者的担当作为要数月才恢复。",
        ),
    ),
    "three_mechanisms": Card(
        ("Three mechanisms (三项机制)", "三项机制"),
        (
            "激励 + 容错纠错 + 能上能下 as one package: rewards, well-screened publicised "
            "tolerance with clarification of false accusations, accountability and demotion of "
            "the idle, and a promotion orientation that rewards doers and protects their careers.",
            "激励机制、容错纠错机制、能上能下机制协同推进：奖励实干、精准容错并澄清正名、"
            "问责不作为、不作为者能下，用人导向鼓励担当并为担当者担当。",
        ),
        (
            "Highest initiative with few shielded violations; compare with "
            "strict_accountability on the same population to see the cost of fear.",
            "担当作为最高，而被庇护的违纪很少；在同一批干部上与从严问责对比，可看到恐惧的代价。",
        ),
    ),
    "tolerance_overbroad": Card(
        ("Over-broad tolerance (容错扩大论)", "容错扩大论"),
        (
            "Every error may be claimed as tolerable and screening is poor, so violations are "
            "dressed up as honest errors.",
            "什么失误都往容错里装，甄别把关不严，违纪违规被包装成探索性失误。",
        ),
        (
            "The shielded-misconduct counter climbs and misconduct rises among low-integrity "
            "cadres: tolerance without 三个区分开来 becomes a shield.",
            "被庇护的违纪计数不断上升，低廉洁水平干部的违纪增加：没有“三个区分开来”的容错成了保护伞。",
        ),
    ),
    "tolerance_unpublicised": Card(
        ("Unpublicised tolerance (容错无用论)", "容错无用论"),
        (
            "A sound, well-screened mechanism that nobody hears of and whose cases stay hidden.",
            "机制本身健全、甄别准确，但无人知晓，免责案例也不公开。",
        ),
        (
            "Exemptions happen but initiative barely moves: cadres act on perceived tolerance. "
            "Raise the publicity slider mid-run and watch awareness and initiative follow.",
            "虽有免责，但担当作为几乎不变：干部依据的是对容错的感知。运行中调高宣传力度，观察担当作为随之上升。",
        ),
    ),
    "training_only": Card(
        ("Training only (教育培训)", "仅教育培训"),
        (
            "2% of cadres trained each month; other policies as in the baseline.",
            "每月培训2%的干部，其余政策同基准情景。",
        ),
        (
            "The unable (不会为) shrink and errors per initiative fall; tolerance cannot do this "
            "(容错万能论 is wrong), and training alone does not cure fear.",
            "不会为的干部减少、失误率下降；容错做不到这一点（容错万能论不成立），培训本身也消除不了恐惧。",
        ),
    ),
    "promotion_orientation": Card(
        ("Promotion orientation (用人导向)", "用人导向"),
        (
            "The annual evaluation counts initiative and success instead of punishing every "
            "failure (担当, not 不出事), and exempted or cleared cases stay off the record.",
            "年度考核看担当和实绩，而不是“不出事”；被容错免责或澄清的事项不影响个人考核和使用。",
        ),
        (
            "The afraid (不敢为) gain most: their career-risk gate opens as doers are seen rated "
            "excellent. Other types barely move.",
            "不敢为的干部提升最大：看到担当者被评优，仕途风险的顾虑打消；其他类型变化不大。",
        ),
    ),
    "inaction_accountability": Card(
        ("Accountability for inaction (问责不作为)", "问责不作为"),
        (
            "Idle cadres are caught more often and sanctioned harder (庸懒散拖); error "
            "sanctions as in the baseline.",
            "对庸懒散拖、不作为加大发现和问责力度；对失误的问责同基准情景。",
        ),
        (
            "The reluctant (不愿为) move most: the penalty of idling now outweighs the effort. "
            "Inaction sanctions rise at first, then fall as cadres act.",
            "不愿为的干部变化最大：不作为的代价超过了做事的辛苦。不作为问责先升后降。",
        ),
    ),
    "education_only": Card(
        ("Education (思想政治建设)", "思想政治建设"),
        (
            "Education in ideals and convictions raises inner drive slowly toward a cap.",
            "理想信念教育使干部的内在动力缓慢提高（有上限）。",
        ),
        (
            "The unwilling (不想为) rise slowly over years; nobody else changes much. Education "
            "is slow but cheap: no extra errors from fear or pressure.",
            "不想为的干部在数年间缓慢转变，其他类型变化不大。见效慢，但不会因压力带来额外失误。",
        ),
    ),
}


def card_for(preset: str) -> Card:
    """The preset's card, or a plain one for a preset added without a card."""
    return CARDS.get(
        preset,
        Card((preset, preset), ("A policy preset.", "一个政策情景。"), ("", "")),
    )
