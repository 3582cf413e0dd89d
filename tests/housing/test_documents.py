"""The renovation's approval sheet and archive cover print through the generic documents."""
from __future__ import annotations

from tests.documents.helpers import fetch_pdf, pdf_fonts, pdf_text
from tests.factories import Api
from tests.housing.helpers import APPROVAL, housing_users, make_house, ok, start, to_county_approval
from workflow import clock


def flat(text: str) -> str:
    return "".join(text.split())


def test_sheet_and_cover_carry_the_archive_number_house_and_opinions(client, world):
    housing_users(world)
    apis = {n: Api(client, n) for n in ("clerk", "township", "housing")}
    case_id = start(apis, make_house(world.households[1]))  # 张喆
    to_county_approval(apis, case_id)
    ok(apis["housing"].act(case_id, "county_approve", APPROVAL, opinion="同意原址翻建"))
    number = f"偏岭镇危改字〔{clock.today().year}〕1号"

    sheet = fetch_pdf(apis["township"], f"/cases/{case_id}/sheet.pdf", "renovation_sheet.pdf")
    text = flat(pdf_text(sheet, layout=True))
    assert "农村危房改造审批表" in text and number in text
    assert "张喆" in text and "大房身村3组12号" in text and "D级（整体危险）" in text
    opinions = text[text.index("审核审批意见"):]
    signed = ["【提交改造申请】", "【完成入户核查】", "【登记鉴定结果（C/D级）】",
              "【提交村民评议结果】",
              "【公示期满无异议，报乡镇审核】", "【乡镇审核通过，进行乡镇公示】",
              "【县住建局审批同意，建档立号】同意原址翻建"]
    positions = [opinions.index(r) for r in signed]
    # The steps still to come print as empty rows, in the definition's order.
    later = opinions[positions[-1]:]
    positions += [positions[-1] + later.index(r) for r in
                  ("县级公示", "签订改造协议", "竣工报告", "竣工验收", "补助资金发放", "归档")]
    assert positions == sorted(positions)
    assert "同意原址翻建" in text and "陈住建" in text
    assert not any("Type 3" in line for line in pdf_fonts(sheet))

    cover = flat(pdf_text(fetch_pdf(apis["township"], f"/cases/{case_id}/cover.pdf")))
    assert f"档案编号：{number}" in cover
    assert "县、乡镇、村、农户各存一份" in cover
    for item in ("房屋安全鉴定证书", "村民评议会议记录", "公示照片", "农村危房改造审批表"):
        assert item in cover, item
