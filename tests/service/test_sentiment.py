"""Sentiment: a small labelled set of reviews written like real ones (OTA and social media).

The lexicon method must rank every clearly negative review below every clearly positive one,
and give the right label to nearly all of them.
"""

from __future__ import annotations

from scenic_ops.service import sentiment

NEGATIVE = [
    "排了两个多小时的队，工作人员态度恶劣，再也不来了。",
    "厕所又脏又臭，根本没人打扫，太失望了。",
    "门票贵得离谱，里面还要二次收费，感觉被坑了。",
    "景区管理混乱，人挤人，孩子差点走丢。",
    "观光车半天等不到一辆，司机还很不耐烦。",
    "完全名不副实，照片都是修过的，不值这个票价。",
    "索道停运也不提前通知，白跑一趟，非常生气。",
    "餐厅宰客，一碗面八十块，千万别来吃。",
    "客服电话打了十几遍没人接，投诉也没人理。",
    "停车场乱收费，保安还骂人，体验极差。",
    "山路没有护栏，很危险，老人摔倒了也没人管。",
    "预约系统一直出错，到了门口进不去，白白浪费一天。",
    "垃圾遍地，湖水发臭，真不推荐。",
    "讲解员敷衍了事，十分钟就讲完了，太坑了。",
    "网上说有夜景，结果八点就赶人，虚假宣传。",
]

POSITIVE = [
    "风景太美了，空气清新，强烈推荐！",
    "工作人员很热情，还主动帮我们拍照，非常满意。",
    "厕所很干净，指示牌清楚，整体体验很好。",
    "预约入园很方便，刷身份证就进，几乎不用排队。",
    "山顶的日出壮观极了，不虚此行。",
    "观光车班次多，司机耐心，讲解也很专业。",
    "带老人来玩，有无障碍通道和轮椅，特别贴心。",
    "门票性价比很高，值得一去，下次还来。",
    "景色优美，秩序井然，保安也很友善。",
    "游船很舒服，湖光山色像画一样，孩子玩得很开心。",
    "客服回复及时，帮我们改了预约日期，点赞！",
    "古镇很有特色，小吃好吃又实惠，推荐给大家。",
    "秋天的红叶美不胜收，拍了很多照片，很享受。",
    "导览小程序很好用，路线清楚，玩得很轻松。",
    "服务周到，环境整洁，是今年去过最满意的景区。",
]


def test_every_clearly_negative_review_ranks_below_every_clearly_positive_one():
    negative = [sentiment.score(t).score for t in NEGATIVE]
    positive = [sentiment.score(t).score for t in POSITIVE]
    worst_pair = max(negative), min(positive)
    assert worst_pair[0] < worst_pair[1], f"a negative review scored {worst_pair[0]}, a positive one {worst_pair[1]}"


def test_nearly_every_review_gets_the_right_label():
    wrong = [t for t in NEGATIVE if sentiment.score(t).label != "negative"]
    wrong += [t for t in POSITIVE if sentiment.score(t).label != "positive"]
    assert len(wrong) <= 2, wrong


def test_negation_degree_and_contrast_change_the_score():
    assert sentiment.score("不好玩").score < 0 < sentiment.score("好玩").score
    assert sentiment.score("非常失望").score < sentiment.score("有点失望").score
    assert sentiment.score("风景不错，但是服务很差").label == "negative"
    assert sentiment.score("服务很差，不过风景很美").score > sentiment.score("风景不错，但是服务很差").score


def test_a_star_rating_is_blended_in_and_empty_text_is_neutral():
    assert sentiment.score("", None).label == "neutral"
    assert sentiment.score("还行", 1).label == "negative"
    assert sentiment.score("还行", 5).label == "positive"


def test_keywords_and_topics_name_what_the_review_is_about():
    result = sentiment.score("厕所太脏，排队两个小时，门票还贵")
    assert {"sanitation", "queues", "tickets"} <= set(result.topics)
    assert "厕所" in result.keywords
