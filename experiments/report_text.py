"""Every string the report adds to the chart labels, in English and Chinese, in one place.

Labels of outcomes, types, regimes and levers stay in `charts.i18n`; this module holds the
report's prose: the glossary (how each outcome is computed, read from model/metrics.py and the
engine's value formula), key-finding phrases, methods notes per experiment kind, the evaluation
cycle note, and the Chinese question and regime descriptions that manifests carry in English.
"""

from __future__ import annotations

from .charts import i18n

_PER_MONTH = ("per cadre-month", "每名干部每月")

# outcome -> (en, zh): what it counts and how. Rates are per cadre of the group and month
# (model/metrics.py RATES: numerator / group size), averaged over the summary window of a run.
GLOSSARY: dict[str, tuple[str, str]] = {
    "initiative_rate": (
        "Share of cadres who took on a task (acted) in a month.",
        "每月主动承担任务（作为）的干部占比。",
    ),
    "success_rate": (
        "Share of cadres whose act succeeded in a month (acted, no misconduct, task succeeded).",
        "每月作为且成功的干部占比（作为、未违纪、任务成功）。",
    ),
    "error_rate": (
        "Share of cadres who made an honest error in a month: acted in good faith and the task "
        "failed. Counted per cadre, not per act, so more initiative brings more errors.",
        "每月出现无心之失的干部占比：出于公心作为但任务失败。按干部计而非按行为计，"
        "作为越多，差错也越多。",
    ),
    "errors_per_initiative": (
        "Honest errors divided by acts in the month: the error risk of one act.",
        "当月无心之失数除以作为次数：一次作为的出错风险。",
    ),
    "misconduct_rate": (
        "Share of cadres whose act turned self-serving (a violation of discipline or law).",
        "作为转为谋私（违纪违法）的干部占比。",
    ),
    "detected_rate": (
        "Share of cadres whose error or violation was detected by oversight in the month.",
        "当月差错或违纪被监督发现的干部占比。",
    ),
    "sanction_rate": (
        "Share of cadres sanctioned in the month (any grade), for an error, a violation, "
        "inaction or a false accusation that was not cleared.",
        "当月受到问责处分（任一等级）的干部占比，原因可为差错、违纪、不作为或未澄清的诬告。",
    ),
    "tolerated_rate": (
        "Share of cadres whose detected honest error was exempted by the tolerance mechanism.",
        "被发现的无心之失经容错机制免责的干部占比。",
    ),
    "wrongful_sanction_rate": (
        "Share of cadres sanctioned wrongly: a qualifying honest error screened out, or a false "
        "accusation not cleared.",
        "被错误问责的干部占比：符合容错条件的无心之失被误判，或诬告未获澄清。",
    ),
    "shielded_misconduct_rate": (
        "Share of cadres whose detected violation was wrongly exempted as a tolerable error.",
        "被发现的违纪被误作可容之错而免责的干部占比。",
    ),
    "inaction_sanction_rate": (
        "Share of cadres caught idle and sanctioned for inaction (问责不作为).",
        "因不作为被发现并问责的干部占比。",
    ),
    "false_accusation_rate": (
        "Share of cadres who succeeded and were falsely accused (诬告).",
        "作为成功却遭诬告的干部占比。",
    ),
    "recognition_rate": (
        "Share of cadres whose success was recognised and rewarded.",
        "成功作为并获表彰奖励的干部占比。",
    ),
    "mean_perceived_risk": (
        "Mean over cadres of the sanction risk each believes an act carries (0–1).",
        "干部认为一次作为会招致问责的风险（0–1）的均值。",
    ),
    "awareness": (
        "Share of cadres who know the tolerance policy (from publicity or seen cases).",
        "知晓容错政策的干部占比（来自宣传或所见案例）。",
    ),
    "mean_competence": ("Mean competence of cadres (0–1).", "干部能力均值（0–1）。"),
    "mean_error_fear": ("Mean fear of making errors (0–1).", "干部怕出错程度均值（0–1）。"),
    "perceived_detection": (
        "Mean over cadres of the believed chance that a violation is detected (0–1).",
        "干部认为违纪会被查处的概率均值（0–1）。",
    ),
    "value": (
        "Net public value per cadre-month: the mean over all cadres, acting or not, of "
        "1 per success − damage × task difficulty × (1 − share recovered by correction) per "
        "honest error − misconduct_harm per violation (defaults: damage 1, misconduct_harm 2); "
        "an idle cadre adds 0. It is a net: a regime that makes cadres act less loses "
        "successes but also avoids error damage and misconduct harm. Strict accountability can "
        "therefore score higher than the baseline when the errors and violations it deters cost "
        "more than the successes it forgoes — higher net value does not mean more initiative.",
        "净公共价值（每名干部每月）：对全体干部（无论是否作为）取均值，每次成功计 1，"
        "每次无心之失扣 损害系数 × 任务难度 × （1 − 纠错挽回比例），每次违纪扣 违纪危害"
        "（默认损害系数 1，违纪危害 2）；不作为计 0。它是净值：使干部少作为的政策会失去成功，"
        "但也避免了差错损害与违纪危害。因此当从严问责所遏制的差错和违纪之损失大于其放弃的成功时，"
        "其净公共价值可高于基准——净价值更高并不意味着更多主动作为。",
    ),
    "promotion_rate": (
        "Share of cadres promoted in the month (only at evaluation months).",
        "当月获晋升的干部占比（仅在考核月发生）。",
    ),
    "demotion_rate": (
        "Share of cadres demoted in the month (能上能下; only at evaluation months).",
        "当月被降职的干部占比（能上能下；仅在考核月发生）。",
    ),
    "warning_rate": (
        "Share of cadres given a warning talk in the month (only at evaluation months).",
        "当月被提醒谈话的干部占比（仅在考核月发生）。",
    ),
    "share": ("Share of cadres of a type among all cadres.", "某类型干部在全体干部中的占比。"),
}

# The Chinese question of each experiment kind (manifests carry the English description).
QUESTIONS: dict[str, tuple[str, str]] = {
    "compare_regimes": (
        "How do policy regimes compare on initiative, honest errors and misconduct, on common "
        "random numbers?",
        "在共同随机数下，各政策情境在主动作为、无心之失与违纪违法上有何差异？",
    ),
    "lever_by_type": (
        "Which type of cadre does each single lever move most, and is it the type it targets?",
        "每项单一政策杠杆对哪类干部作用最大？是否正是其目标类型？",
    ),
    "crackdown": (
        "How much does a 12-month strict-accountability campaign (从严问责) deter misconduct, "
        "and how fast does the deterrence fade after it ends?",
        "为期12个月的从严问责集中整治能在多大程度上遏制违纪？整治结束后威慑效果消退得多快？",
    ),
    "sweep": (
        "How do the outcomes respond to the levers over their ranges, and which settings are "
        "not beaten on both initiative and honest errors?",
        "各项结果如何随政策杠杆在其取值范围内变化？哪些设置在主动作为与无心之失上不被其他设置同时超越？",
    ),
    "sensitivity": (
        "Which levers and uncertainties explain most of the variation in the outcomes?",
        "哪些政策杠杆与不确定因素解释了结果的大部分变异？",
    ),
    "single": (
        "What do cadres do under this scenario, month by month?",
        "在该情境下，干部逐月如何行为？",
    ),
}

KINDS: dict[str, tuple[str, str]] = {
    "compare_regimes": ("Regime comparison", "政策情境比较"),
    "lever_by_type": ("Lever selectivity by type", "分类型的杠杆选择性"),
    "crackdown": ("Campaign (crackdown) and deterrence", "集中整治与威慑"),
    "sweep": ("Sweep over levers", "政策杠杆扫描"),
    "sensitivity": ("Sensitivity analysis", "敏感性分析"),
    "single": ("Single run", "单次运行"),
}
NETWORKS: dict[str, tuple[str, str]] = {
    "hierarchy": ("hierarchy", "层级结构"),
    "small_world": ("small world", "小世界网络"),
    "scale_free": ("scale free", "无标度网络"),
}
DESIGNS: dict[str, tuple[str, str]] = {
    "grid": ("grid", "网格"),
    "lhs": ("Latin hypercube", "拉丁超立方"),
    "sobol": ("Sobol (Saltelli)", "Sobol（Saltelli）"),
    "morris": ("Morris", "Morris"),
}


def named(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    """`key`'s name in `lang` from one of the tables above (the key itself if unknown)."""
    pair = table.get(key)
    return key if pair is None else pair[i18n.LANGS.index(i18n.check_lang(lang))]


# Chinese descriptions of the policy presets (configs/policy/*.yaml hold the English ones).
REGIME_ZH: dict[str, str] = {
    "baseline": "现状：有问责、无容错，激励适中（即参数默认值）。",
    "education_only": "仅思想政治建设：动机缓慢上升至上限；其余政策同基准。",
    "inaction_accountability": (
        "问责不作为：不作为者更常被发现、处分更重（庸懒散拖）；差错处分同基准。"
    ),
    "incentive_only": "仅鼓励激励：奖励更大更频繁，提拔干事者；无容错。",
    "promotion_orientation": (
        "用人导向：年度考核计入作为与成功，已免责的无心之失不影响仕途（为担当者担当）。"
    ),
    "strict_accountability": "仅从严问责：提高差错与违纪的发现率、处分及仕途代价；无容错。",
    "three_mechanisms": (
        "三项机制：激励、甄别准确且广泛宣传的容错与澄清正名、能上能下、重干事的用人导向。"
    ),
    "tolerance_only": "仅容错纠错：无心之失予以免责，甄别准确且广泛宣传；激励同基准。",
    "tolerance_overbroad": "容错扩大论：所有差错都被申请容错，甄别不严，违纪因此被庇护。",
    "tolerance_unpublicised": "容错无用论：甄别准确但不宣传、案例不可见的容错机制。",
    "training_only": "仅教育培训：每月培训2%的干部；其余政策同基准。",
}

TEXT: dict[str, tuple[str, str]] = {
    "findings": ("Key findings", "主要发现"),
    "glossary": ("Glossary: outcomes and how they are computed", "术语：各项结果及其计算方法"),
    "glossary_window": (
        "Every outcome is tallied per month over a group of cadres (all, a current type, or an "
        "initial cohort) and divided by the group's size. A run's value is the mean over its "
        "summary window (months {a}–{b}: the last {pct}% of the run); summary tables and "
        "findings average runs over replications.",
        "每项结果按月对一组干部（全体、当前类型或初始类型）计数，再除以该组人数。"
        "一次运行的取值为其汇总窗口（第{a}–{b}月，即运行的后{pct}%）内的均值；"
        "汇总表与主要发现再对重复实验取均值。",
    ),
    "cycle_note": (
        "The sawtooth every {cycle} months is the annual evaluation (policy.evaluation.cycle = "
        "{cycle}): promotions, demotions and warnings happen only in those months, and cadres "
        "update their beliefs about whether the organisation rewards those who act at each "
        "one, so the rates jump at every evaluation and drift in between.",
        "每{cycle}个月出现的锯齿形是年度考核（policy.evaluation.cycle = {cycle}）："
        "晋升、降职与提醒谈话只在考核月发生，干部也在每次考核时更新“组织是否奖励干事者”的判断，"
        "因此各比率在每次考核时跳变，其间逐渐漂移。",
    ),
    "one_run": ("one run: no interval", "单次运行：无置信区间"),
    "mean_one": ("Mean (one replication: no interval)", "均值（仅一次重复：无置信区间）"),
    "over_time_one": ("{outcome} over time", "{outcome}随时间的变化"),
    "by_type_one": ("{outcome} by cadre type", "分干部类型的{outcome}"),
    "dose_binned": (
        "mean of design points in {k} bins along the lever (other levers averaged), 95% CI",
        "沿该杠杆分为{k}个区间的设计点均值（其他杠杆取平均），95%置信区间",
    ),
    "org_note": (
        "{shown} of {n} cadres shown (top levels first)",
        "显示{n}名干部中的{shown}名（自上而下）",
    ),
    "regime_word": ("regime", "政策情境"),
    "replications": ("Replications per regime or point", "每个情境或设计点的重复次数"),
    "seeds": ("Seeds", "随机种子"),
    "n_seeds": ("{n} seeds", "{n}个随机种子"),
    "baseline": ("Baseline", "基准"),
    "population": ("Cadres", "干部人数"),
    "network": ("Network", "组织网络"),
    "network_file": ("your org chart: {path}", "自有组织结构图：{path}"),
    "months": ("Months simulated", "模拟月数"),
    "window": ("Summary window", "汇总窗口"),
    "window_months": ("months {a}–{b}", "第{a}–{b}月"),
    "cycle": ("Evaluation cycle", "考核周期"),
    "cycle_months": ("every {cycle} months", "每{cycle}个月"),
    "design_kind": ("Design", "设计"),
    "design_points_n": (
        "{points} points × {reps} replication(s)",
        "{points}个设计点 × {reps}次重复",
    ),
    "levers_row": ("Levers varied", "变动的政策杠杆"),
    "uncertainties_row": ("Uncertainties varied", "变动的不确定因素"),
    "policy_row": ("Policy", "政策"),
    "campaign_row": ("Campaign", "集中整治"),
    "org_title": ("Your organisation", "组织结构"),
    "org_missing": (
        "The org chart file {path} is not found from here, so the network is not drawn.",
        "从此处找不到组织结构图文件 {path}，因此未绘制网络。",
    ),
    "org_sampled": (
        "Drawn at month 0 (initial types); {shown} of {n} cadres shown, from the top levels down.",
        "按第0月（初始类型）绘制；显示{n}名干部中自上而下的{shown}名。",
    ),
    "org_whole": ("Drawn at month 0 (initial types).", "按第0月（初始类型）绘制。"),
    "org_illustrative": (
        "An illustrative organisation of at most {cap} cadres built from the run's network "
        "settings at month 0, not the full population.",
        "依据运行的网络设置在第0月构建的示意组织（至多{cap}名干部），并非全部干部。",
    ),
    "org_example": (
        "The organisation as the configuration builds it with seed {seed}; each replication "
        "builds its own from its seed (random ties differ).",
        "按配置以随机种子{seed}构建的组织；每次重复实验用各自的种子构建（随机联系不同）。",
    ),
    "org_unit": ("Unit", "单位"),
    "org_level": ("Level", "层级"),
    "org_posts": ("Posts", "岗位数"),
    "org_levels": ("Levels", "所在层级"),
    "org_members": ("Members (node ids)", "成员（节点编号）"),
    "units_table": ("Per unit: rates over months {a}–{b}", "分单位：第{a}–{b}月的比率"),
    "levels_table": ("Per level: rates over months {a}–{b}", "分层级：第{a}–{b}月的比率"),
    "org_runs": (
        "mean over each regime's {runs} runs; with several regimes, initiative by regime",
        "各方案 {runs} 次运行的均值；多个方案时按方案列出主动作为率",
    ),
    "rows_shown": ("first {shown} of {n} rows", "共{n}行，显示前{shown}行"),
    # findings
    "initiative_word": ("initiative", "主动作为率"),
    "raises": ("raises {what} by {v}", "使{what}提高 {v}"),
    "lowers": ("lowers {what} by {v}", "使{what}降低 {v}"),
    "no_change": ("{what} does not differ significantly", "{what}无显著差异"),
    "over_baseline": ("over {baseline}", "（相对{baseline}）"),
    "cost_more": (
        "at a cost of {v} more honest errors per cadre-month",
        "代价是每名干部每月多出 {v} 次无心之失",
    ),
    "cost_fewer": (
        "with {v} fewer honest errors per cadre-month",
        "每名干部每月无心之失减少 {v}",
    ),
    "errors_same": ("honest errors do not differ significantly", "无心之失无显著差异"),
    "misconduct_up": ("misconduct is higher by {v}", "违纪违法率高出 {v}"),
    "misconduct_down": ("misconduct is lower by {v}", "违纪违法率低 {v}"),
    "misconduct_same": ("misconduct does not differ significantly", "违纪违法率无显著差异"),
    "value_up": ("net public value is higher by {v}", "净公共价值高出 {v}"),
    "value_down": ("net public value is lower by {v}", "净公共价值低 {v}"),
    "value_same": ("net public value does not differ significantly", "净公共价值无显著差异"),
    "less_but_more_value": (
        "{regime} yields more net public value with less initiative: the error damage and "
        "misconduct harm it deters outweigh the successes it forgoes (see the glossary).",
        "{regime}以更少的主动作为换来更高的净公共价值：它所遏制的差错损害与违纪危害超过了其放弃的成功"
        "（见术语）。",
    ),
    "no_ci": (
        "{regime}: one replication, so no interval and no difference can be called significant "
        "(differences: {diffs}).",
        "{regime}：仅一次重复，无置信区间，任何差异都不能称为显著（差值：{diffs}）。",
    ),
    "finding_end": (".", "。"),
    "and": ("; ", "；"),
    "ci_note": (
        "Numbers are differences to {baseline} in the summary window, paired by seed, with 95% "
        "confidence intervals in brackets; a difference whose interval includes 0 is reported as "
        "not significant.",
        "数值为汇总窗口内与{baseline}按随机种子配对的差值，方括号内为95%置信区间；"
        "区间包含0的差值记为无显著差异。",
    ),
    "sel_finding": (
        "{lever} moves {top} most ({gain} relative initiative gain [{lo}, {hi}]); {verdict}.",
        "{lever}对{top}作用最大（主动作为率相对变化 {gain}［{lo}, {hi}］）；{verdict}。",
    ),
    "sel_not_sig": (
        "{lever}: even the largest relative change ({top}) does not differ significantly from 0.",
        "{lever}：即使变化最大的类型（{top}），其相对变化也与0无显著差异。",
    ),
    "sel_on": ("that is its target type", "正是其目标类型"),
    "sel_off": ("its target type is {target}", "其目标类型为{target}"),
    "sel_none": ("it has no target type", "该杠杆无目标类型"),
    "sel_tie": (
        "{lever}: the largest change ({top}) is not clearly larger than the next type's (ratio "
        "interval includes 1).",
        "{lever}：最大变化（{top}）并不明显大于次大类型（比值区间包含1）。",
    ),
    "campaign_finding": (
        "In the campaign's months {a}–{b}, {outcome} differs by {v} from the same runs "
        "without it{sig}.",
        "整治期第{a}–{b}月，{outcome}与未整治的同种子运行相差 {v}{sig}。",
    ),
    "not_sig": (" (not significant)", "（不显著）"),
    "half_life_finding": (
        "After the campaign, the gap in {outcome} halves within {h} months [{lo}, {hi}].",
        "整治结束后，{outcome}差值在 {h} 个月内减半［{lo}, {hi}］。",
    ),
    "half_life_never": (
        "After the campaign, the gap in {outcome} has not halved by the end of the run "
        "({m} months).",
        "整治结束后，至运行结束（{m}个月）{outcome}差值仍未减半。",
    ),
    "sweep_finding": (
        "Across the sweep, {lever} from {lo} to {hi} goes with {effect} in {outcome} "
        "(linear fit over {n} points, 95% CI){sig}.",
        "在扫描范围内，{lever}由 {lo} 增至 {hi}，{outcome}相应变化 {effect}"
        "（对{n}个设计点的线性拟合，95%置信区间）{sig}。",
    ),
    "sobol_finding": (
        "{param} has the largest total Sobol index for {outcome}: {st} ± {conf}.",
        "{param}对{outcome}的总效应Sobol指数最大：{st} ± {conf}。",
    ),
    "sobol_flagged": (
        " The sweep flags this index ({flags}): about N = {n} base points would settle it.",
        "扫描将该指数标记为（{flags}）：约需 N = {n} 个基础样本点才能确定。",
    ),
    "morris_finding": (
        "{param} has the largest Morris μ* for {outcome}: {mu} ± {conf}.",
        "{param}对{outcome}的Morris μ*最大：{mu} ± {conf}。",
    ),
    "pareto_finding": (
        "{k} of {n} lever settings are on the Pareto front (no other setting is at least as "
        "good on every objective of the sweep and better on one).",
        "{n}个杠杆设置中有{k}个位于帕累托前沿（没有其他设置在扫描的各项目标上都不差且至少一项更好）。",
    ),
    "single_finding": (
        "Over months {a}–{b}, {init} of cadres took initiative in a month, {err} made an honest "
        "error and {mis} committed misconduct; net public value was {val} per cadre-month. "
        "One run: no intervals, so these are not compared with anything.",
        "第{a}–{b}月，每月有 {init} 的干部主动作为，{err} 出现无心之失，{mis} 违纪违法；"
        "净公共价值为每名干部每月 {val}。仅一次运行：无置信区间，不与其他情境比较。",
    ),
    "single_types": (
        "By current type, initiative is highest among {hi} ({hv}) and lowest among {lo} ({lv}).",
        "按当前类型，主动作为率最高的是{hi}（{hv}），最低的是{lo}（{lv}）。",
    ),
    "no_findings": (
        "The folder's tables do not support a finding.",
        "该文件夹的数据表不足以得出结论。",
    ),
}

# Methods note per experiment kind; the common tail names the software.
METHODS: dict[str, tuple[str, str]] = {
    "single": (
        "One simulation run (seed {seeds}) of {steps} months. Summary values are means over the "
        "summary window. With one run there is no replication, so no confidence interval is "
        "shown.",
        "一次模拟运行（随机种子 {seeds}），共{steps}个月。汇总值为汇总窗口内的均值。"
        "仅一次运行、无重复实验，因此不显示置信区间。",
    ),
    "compare_regimes": (
        "Each regime was simulated with {reps} replication(s); every regime uses the same "
        "replicate seeds ({seeds}: common random numbers), so differences to the baseline are "
        "taken replicate by replicate. Values are means over each run's summary window; "
        "intervals are 95% t-intervals across replications (per month in time series).",
        "每个政策情境运行 {reps} 次重复实验；各情境使用相同的重复种子（{seeds}，共同随机数），"
        "因此与基准的差值按重复逐一配对计算。取值为每次运行汇总窗口内的均值；"
        "区间为跨重复实验的95% t置信区间（时间序列逐月计算）。",
    ),
    "lever_by_type": (
        "Every single-lever preset and the baseline were simulated with {reps} replication(s) "
        "on the same seeds ({seeds}). Selectivity is the relative initiative gain per initial "
        "type, x_lever / x_baseline − 1 per replicate (mean and 95% t-interval); the ratio of the "
        "largest change to the next type's has a bootstrap 95% interval over replicates.",
        "每项单一杠杆预设与基准各运行 {reps} 次重复实验，使用相同种子（{seeds}）。"
        "选择性为各初始类型主动作为率的相对变化，逐重复计算 x_杠杆 / x_基准 − 1"
        "（均值及95% t置信区间）；最大变化与次大变化之比给出跨重复的自助法95%区间。",
    ),
    "crackdown": (
        "The campaign arm and the control arm ran with {reps} replication(s) on the same seeds "
        "({seeds}); monthly differences campaign − control are paired by seed, with 95% "
        "t-intervals. Deterrence half-life: {rule}; its interval is a bootstrap over replicates.",
        "整治组与对照组各运行 {reps} 次重复实验，使用相同种子（{seeds}）；逐月差值（整治组 − "
        "对照组）按种子配对，给出95% t置信区间。威慑半衰期：{rule}；其区间为跨重复的自助法区间。",
    ),
    "sweep": (
        "A {design} design of {points} points over the levers, each run with {reps} "
        "replication(s). Charts against one lever show means of points binned along that lever "
        "(all other levers averaged over), with 95% t-intervals of each bin's mean. {interp}The "
        "Pareto front marks points no other point beats on both initiative and honest errors.",
        "在政策杠杆上采用{design}设计，共{points}个设计点，每点重复 {reps} 次。"
        "单杠杆图按该杠杆分箱求设计点均值（其他杠杆取平均），并给出各箱均值的95% t置信区间。"
        "{interp}帕累托前沿标出在主动作为与无心之失两方面都不被其他点同时超越的设计点。",
    ),
    "sensitivity": (
        "A {design} design of {points} base points, each run with {reps} replication(s); "
        "Sobol indices (S1 first order, ST total) or Morris screening (μ*, σ) by SALib, with "
        "their 95% confidence intervals.",
        "采用{design}设计，{points}个基础样本点，每点重复 {reps} 次；由 SALib 计算 Sobol "
        "指数（一阶 S1、总效应 ST）或 Morris 筛选（μ*、σ）及其95%置信区间。",
    ),
    "half_life_rule": (
        "months after month {b} until the mean paired gap first falls below half its mean over "
        "months {a}–{b}",
        "第{b}月之后，配对差值均值首次降到第{a}–{b}月均值一半以下所经过的月数",
    ),
    "interp": (
        "The two-lever heatmap interpolates linearly between sampled points (scipy griddata). ",
        "双杠杆热图在抽样点之间线性插值（scipy griddata）。",
    ),
    "tail": (
        " Produced by cadresim {version}{commit}{libs}.{mixed}",
        "由 cadresim {version}{commit}{libs} 生成。{mixed}",
    ),
}


def t(key: str, lang: str, **fmt: object) -> str:
    """A report string in `lang`: this module's TEXT first, then the chart labels' (i18n)."""
    pair = TEXT.get(key) or METHODS.get(key)
    if pair is None:
        return i18n.text(key, lang, **fmt)
    return pair[i18n.LANGS.index(i18n.check_lang(lang))].format(**fmt)


def glossary(outcome: str, lang: str) -> str:
    pair = GLOSSARY.get(outcome)
    return "" if pair is None else pair[i18n.LANGS.index(i18n.check_lang(lang))]


def question(kind: str, lang: str) -> str | None:
    pair = QUESTIONS.get(kind)
    return None if pair is None else pair[i18n.LANGS.index(i18n.check_lang(lang))]


def regime_description(regime: str, english: str, lang: str) -> str:
    """The preset's description in `lang` (Chinese from REGIME_ZH; else the English one)."""
    if i18n.check_lang(lang) == "zh":
        return REGIME_ZH.get(regime, "")
    return english
