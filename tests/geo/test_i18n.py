"""Bilingual texts and errors, language negotiation, times and durations for people."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from geo.errors import DeploymentError, InvalidInputError, PassRejected, RateLimited
from geo.i18n import (
    Text,
    format_duration,
    format_length,
    format_time,
    parse_accept_language,
    pick_lang,
    risk_zh,
    text_from_json,
    text_in,
    timezone,
    zh_time,
)


def test_text_is_its_english_string_and_carries_chinese():
    t = Text("3 zones crossed", zh="穿过 3 个区域")
    assert t == "3 zones crossed" and str(t) == "3 zones crossed" and f"{t}" == "3 zones crossed"
    assert t.get("zh") == "穿过 3 个区域" and t.get("en") == "3 zones crossed" and t.translated
    assert {t: 1}["3 zones crossed"] == 1
    assert Text("untranslated").get("zh") == "untranslated" and not Text("untranslated").translated
    assert pickle.loads(pickle.dumps(t)).zh == "穿过 3 个区域"
    assert text_from_json(t.to_json()).zh == t.zh
    assert text_in([t, "plain", {"en": "a", "zh": "甲"}], "zh") == ["穿过 3 个区域", "plain", "甲"]


def test_errors_keep_english_and_carry_their_chinese_twin():
    err = InvalidInputError("`risk` was 'x'; expected sealed", zh="风险等级 'x' 无效")
    assert str(err) == "`risk` was 'x'; expected sealed" and err.text("zh") == "风险等级 'x' 无效"
    assert err.text("en") == str(err)
    assert InvalidInputError("no twin").text("zh") == "no twin"  # falls back to English
    assert InvalidInputError(Text("from a text", zh="来自文本")).text("zh") == "来自文本"
    assert DeploymentError("/secret/path is unreadable").text("zh").startswith("部署故障")
    rejected = PassRejected([Text("crew test stale", zh="核酸检测已过期"), Text("off whitelist", zh="不在白名单")])
    assert str(rejected) == "crew test stale; off whitelist" and rejected.text("zh") == "核酸检测已过期；不在白名单"
    limited = RateLimited("wait", retry_after_s=0)
    assert limited.status == 429 and limited.retry_after_s == 1 and InvalidInputError.retry_after_s is None


@pytest.mark.parametrize(
    "header,lang",
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.4,zh-Hans;q=0.8", "zh"),
        ("fr-FR,de;q=0.9", None),
        ("zh;q=0,en", "en"),
        ("", None),
        (None, None),
        ("zh-TW", "zh"),
        ("en;q=bad,zh;q=0.1", "zh"),
    ],
)
def test_accept_language(header, lang):
    assert parse_accept_language(header) == lang


def test_pick_lang():
    assert pick_lang("ZH_cn") == "zh" and pick_lang("en-GB") == "en" and pick_lang("ja") is None


@pytest.mark.parametrize(
    "seconds,zh,en",
    [
        (18, "18 秒", "18 s"),
        (200, "3 分 20 秒", "3 min 20 s"),
        (180, "3 分", "3 min"),
        (3900, "1 小时 5 分", "1 h 5 min"),
        (3600, "1 小时", "1 h"),
        (0.2, "不到 1 秒", "under 1 s"),
        (59.6, "1 分", "1 min"),
        (2 * 86400 + 3 * 3600, "2 天 3 小时", "2 d 3 h"),
    ],
)
def test_durations_read_for_people_never_zero_minutes(seconds, zh, en):
    assert format_duration(seconds, "zh") == zh and format_duration(seconds, "en") == en
    assert "0 min" not in format_duration(seconds, "en")


def test_times_are_shown_in_the_bureau_zone_without_seconds():
    at = datetime(2026, 12, 1, 10, 5, 9, 123456, tzinfo=UTC)
    assert format_time(at, timezone()) == "2026-12-01 18:05"
    assert format_time(at, timezone("Europe/Helsinki"), seconds=True) == "2026-12-01 12:05:09"
    assert format_time(at.replace(tzinfo=None), timezone()) == "2026-12-01 18:05"  # stored UTC
    assert format_time(None, timezone(), empty="—") == "—"
    with pytest.raises(ValueError, match="Mars/Olympus"):
        timezone("Mars/Olympus")


def test_lengths():
    assert format_length(850, "zh") == "850 米" and format_length(12_430, "en") == "12.4 km"


def test_joined_texts_keep_both_languages():
    a, b = Text("The route avoids zones.", zh="路线避开了区域。"), Text(" Hand over at P.", zh="在 P 交接。")
    joined = a + b
    assert joined == "The route avoids zones. Hand over at P." and joined.zh == "路线避开了区域。在 P 交接。"
    grown = Text("x", zh="甲")
    grown += " [1, 2]"
    assert grown == "x [1, 2]" and grown.zh == "甲 [1, 2]"
    assert ("at " + Text("P", zh="某处")).zh == "at 某处"


def test_risk_levels_and_times_for_chinese_messages(monkeypatch):
    assert [risk_zh(r) for r in ("sealed", "controlled", "precaution", "other")] == [
        "封控区",
        "管控区",
        "防范区",
        "other",
    ]
    monkeypatch.delenv("BAOTONG_TIMEZONE", raising=False)
    assert zh_time(datetime(2026, 12, 1, 10, 5, 9, tzinfo=UTC)) == "2026-12-01 18:05"
    monkeypatch.setenv("BAOTONG_TIMEZONE", "UTC")
    assert zh_time(datetime(2026, 12, 1, 10, 5, 9, tzinfo=UTC)) == "2026-12-01 10:05"
