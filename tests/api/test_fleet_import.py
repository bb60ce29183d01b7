"""An enterprise's vehicles and crew from a table: the report row by row, nothing stored until confirmed, one
transaction; the enterprise's own dispatcher or a planner only; whole ID numbers never kept or echoed."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from store.models import CrewRow, VehicleRow
from tests.api.test_site_import import ANDORRA

CREW_CSV = (
    "姓名,身份证号,岗位,核酸采样时间,高频接触岗位\n"
    "张三,41080219800101123X,司机,2026-12-01 08:00,否\n"
    "李四,,押运员,2026-12-01 09:30,是\n"
    "王五,410802199001014567,司机,昨天,否\n"
)


def enterprise(client, hp, name: str = "甲物流") -> str:
    r = client.post(
        "/sites",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(ANDORRA)},
            "properties": {"kind": "enterprise", "name": name, "whitelist": True},
        },
        headers=hp,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def stored(app, row) -> int:
    with app.state.baotong.sessions() as s:
        return s.scalar(select(func.count()).select_from(row))


def upload(client, h, site: str, what: str, data: bytes, filename: str):
    return client.post(f"/sites/{site}/{what}/import", files={"file": (filename, data)}, headers=h)


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_vehicles_from_a_spreadsheet_then_confirmed(app, client, auth_headers):
    hp = auth_headers("planner")
    site = enterprise(client, hp)
    client.post(f"/sites/{site}/vehicles", json={"plate": "豫H·00001"}, headers=hp)
    data = xlsx(
        [
            ["车牌号", "车辆归属", "是否外省", "车高（米）", "总质量（吨）"],
            ["豫H12345", "自有", "否", 3.8, 18],
            ["豫H·12345", "外包", "", None, None],  # the same plate, written another way
            ["豫H·00001", "自有", "否", None, None],  # registered already
            ["京A·88888", "挂靠", "是", "高", None],
            ["ABC", "自有", "否", None, None],
        ]
    )
    r = upload(client, hp, site, "vehicles", data, "车辆.xlsx")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["counts"] == {"accepted": 1, "repaired": 0, "rejected": 4}
    a, twice, known, bad_height, bad_plate = report["rows"]
    assert a["status"] == "accepted" and a["feature"]["plate"] == "豫H·12345" and a["feature"]["height_m"] == 3.8
    assert "also on row 2" in twice["reason"]
    assert "already registered" in known["reason"]
    assert "height_m" in bad_height["reason"] and "'高'" in bad_height["reason"]
    assert "plate" in bad_plate["reason"]
    assert stored(app, VehicleRow) == 1  # the report stored nothing
    done = client.post(f"/sites/{site}/vehicles/import/confirm", json={"rows": [a["feature"]]}, headers=hp)
    assert done.status_code == 201, done.text
    assert done.json()["count"] == 1 and done.json()["data"][0]["plate"] == "豫H·12345"
    assert stored(app, VehicleRow) == 2
    # confirming the same again is refused whole, naming the row
    again = client.post(f"/sites/{site}/vehicles/import/confirm", json={"rows": [a["feature"]]}, headers=hp)
    assert again.status_code == 409 and "rows[0]" in again.json()["detail"]
    assert stored(app, VehicleRow) == 2


def test_crew_keep_only_the_id_fragment_and_read_times_in_the_bureaus_zone(app, client, auth_headers):
    hp = auth_headers("planner")
    site = enterprise(client, hp)
    r = upload(client, hp, site, "crew", CREW_CSV.encode("gb18030"), "人员.csv")
    assert r.status_code == 200, r.text
    assert "41080219800101123X" not in r.text and "410802199001014567" not in r.text  # never echoed
    zhang, li, wang = r.json()["rows"]
    assert zhang["status"] == "repaired" and zhang["feature"]["id_last4"] == "123X"
    assert zhang["feature"]["tested_at"] == "2026-12-01T08:00:00+08:00"
    assert any("last 4" in n for n in zhang["notes"]) and any("bureau's zone" in n for n in zhang["notes"])
    assert li["status"] == "rejected" and "id_last4" in li["reason"]
    assert wang["status"] == "rejected" and "昨天" in wang["reason"] and "4567" not in wang["reason"]
    zh = upload(client, {**hp, "Accept-Language": "zh-CN"}, site, "crew", CREW_CSV.encode("gb18030"), "人员.csv")
    zh_rows = zh.json()["rows"]
    assert any("后四位" in n for n in zh_rows[0]["notes"]) and zh_rows[2]["reason"].startswith("第 4 行：")
    done = client.post(f"/sites/{site}/crew/import/confirm", json={"rows": [zhang["feature"]]}, headers=hp)
    assert done.status_code == 201, done.text
    member = done.json()["data"][0]
    assert (member["name"], member["id_last4"], member["role"]) == ("张三", "123X", "司机")
    assert stored(app, CrewRow) == 1


def test_a_bad_row_in_a_confirmation_stores_none(app, client, auth_headers):
    hp = auth_headers("planner")
    site = enterprise(client, hp)
    good = {"plate": "豫H·22222", "ownership": "own", "out_of_province": None}
    bad = {"plate": "nonsense", "ownership": "own"}
    r = client.post(f"/sites/{site}/vehicles/import/confirm", json={"rows": [good, bad]}, headers=hp)
    assert r.status_code == 422 and "rows[1]" in r.json()["detail"]
    twice = client.post(f"/sites/{site}/vehicles/import/confirm", json={"rows": [good, good]}, headers=hp)
    assert twice.status_code == 422 and "twice" in twice.json()["detail"]
    assert stored(app, VehicleRow) == 0


def test_files_that_are_not_tables(client, auth_headers):
    hp = auth_headers("planner")
    site = enterprise(client, hp)
    assert upload(client, hp, site, "crew", b"", "empty.csv").status_code == 422
    assert upload(client, hp, site, "crew", b"name,role\n", "header-only.csv").status_code == 422
    r = upload(client, hp, site, "vehicles", b'{"type": "FeatureCollection", "features": []}', "v.geojson")
    assert r.status_code == 422
    missing = upload(client, hp, site, "vehicles", "归属\n自有\n".encode(), "v.csv")
    assert missing.status_code == 200 and "missing plate" in missing.json()["rows"][0]["reason"]
    assert upload(client, hp, "site-nope", "vehicles", b"plate\nX\n", "v.csv").status_code == 404


def test_only_the_enterprises_own_dispatcher_or_a_planner(app, client, auth_headers):
    from services import users

    hp = auth_headers("planner")
    own, other = enterprise(client, hp, "甲"), enterprise(client, hp, "乙")
    state = app.state.baotong
    with state.sessions() as s:
        token = users.add_user(s, "disp-bound", "dispatcher", state.settings.secret_key, enterprise_id=own)
    bound = {"Authorization": f"Bearer {token}"}
    data = "车牌号\n豫H·33333\n".encode()
    assert upload(client, bound, own, "vehicles", data, "v.csv").status_code == 200
    assert upload(client, bound, other, "vehicles", data, "v.csv").status_code == 403
    body = {"rows": [{"plate": "豫H·33333", "ownership": "own"}]}
    assert client.post(f"/sites/{other}/vehicles/import/confirm", json=body, headers=bound).status_code == 403
    for role in ("county", "checkpoint", "city_approver"):
        assert upload(client, auth_headers(role), own, "vehicles", data, "v.csv").status_code == 403, role
    assert stored(app, VehicleRow) == 0


def test_templates_read_back_by_the_import(client, auth_headers):
    hp = auth_headers("planner")
    site = enterprise(client, hp)
    for what in ("vehicles", "crew"):
        for fmt in ("csv", "xlsx"):
            got = client.get(f"/sites/{what}/import/template.{fmt}")
            assert got.status_code == 200, (what, fmt)
            r = upload(client, hp, site, what, got.content, f"t.{fmt}")
            assert r.status_code == 200, r.text
            assert r.json()["rows"][0]["status"] in ("accepted", "repaired"), r.json()["rows"][0]
    assert client.get("/sites/crew/import/template.pdf").status_code == 404
