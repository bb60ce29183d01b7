"""Reasons for programs (``"<code>: 中文 / English (detail)"``) and for a person (one language, times in a zone)."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from passes.reasons import MESSAGES, reason, reason_code, reason_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_programs_string_is_unchanged_by_the_detail_for_a_person():
    plain = reason("expired", "valid until 2026-12-01T10:05:00+00:00, checked at 2026-12-01T11:00:00+00:00")
    rich = reason(
        "expired",
        "valid until 2026-12-01T10:05:00+00:00, checked at 2026-12-01T11:00:00+00:00",
        en="valid until {until}, checked at {at}",
        zh="有效期至 {until}，核验于 {at}",
        values={"until": datetime(2026, 12, 1, 10, 5, tzinfo=UTC), "at": datetime(2026, 12, 1, 11, tzinfo=UTC)},
    )
    assert rich == plain and json.dumps([rich]) == json.dumps([plain]) and reason_code(rich) == "expired"
    assert rich.startswith("expired: 通行证已过期 / pass expired (valid until 2026-12-01T10:05:00+00:00")


def test_a_person_reads_one_language_with_times_in_the_zone():
    r = reason(
        "expired",
        "valid until 2026-12-01T10:05:00+00:00, checked at 2026-12-01T11:00:00+00:00",
        en="valid until {until}, checked at {at}",
        zh="有效期至 {until}，核验于 {at}",
        values={"until": datetime(2026, 12, 1, 10, 5, tzinfo=UTC), "at": datetime(2026, 12, 1, 11, tzinfo=UTC)},
    )
    assert reason_text(r, "zh", tz=SHANGHAI) == "通行证已过期（有效期至 2026-12-01 18:05，核验于 2026-12-01 19:00）"
    assert (
        reason_text(r, "en", tz=SHANGHAI) == "pass expired (valid until 2026-12-01 18:05, checked at 2026-12-01 19:00)"
    )
    assert reason_text(r, "en") == (
        "pass expired (valid until 2026-12-01T10:05:00+00:00, checked at 2026-12-01T11:00:00+00:00)"
    )


def test_durations_read_in_the_language():
    r = reason(
        "impossible_travel",
        "detail for programs",
        en="{elapsed} before; the fastest truck needs {fastest}",
        zh="仅在 {elapsed}前；货车最快需要 {fastest}",
        values={"elapsed": timedelta(seconds=12), "fastest": timedelta(seconds=200)},
    )
    assert reason_text(r, "zh").endswith("（仅在 12 秒前；货车最快需要 3 分 20 秒）")
    assert reason_text(r, "en").endswith("(12 s before; the fastest truck needs 3 min 20 s)")


def test_a_stored_string_or_a_detail_without_words_reads_in_either_language():
    stored = json.loads(json.dumps([reason("plate_invalid", "'X1'")]))[0]  # as read back from a scan row
    assert reason_text(stored, "zh") == "输入的车牌号格式无效 ('X1')"
    assert reason_text(stored, "en") == "the typed plate is not a valid plate ('X1')"
    assert reason_text(reason("plate_not_checked"), "zh") == MESSAGES["plate_not_checked"][0]
    assert reason_text("something else: a / b", "zh") == "something else: a / b"


def test_a_reason_survives_pickling_with_its_detail_for_a_person():
    r = reason("revoked", "superseded by 410800000002", en="superseded by {p}", zh="已由 {p} 替换", values={"p": "X"})
    again = pickle.loads(pickle.dumps(r))
    assert again == r and reason_text(again, "zh") == "通行证已被撤销（已由 X 替换）"
