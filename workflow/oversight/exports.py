"""Trail exports for auditors: one case or a filtered set, as Excel and as PDF, each case
with the verification code the documents print (账实相符)."""
from __future__ import annotations

import io

from openpyxl import Workbook

from workflow import clock
from workflow.audit.chain import trail
from workflow.auth.models import ROLES
from workflow.cases.models import Case
from workflow.documents import content, render, verify
from workflow.documents.rows import chinese_date
from workflow.engine import store

MAX_CASES = 500
COLUMNS = ("案件编号", "校验码", "案件", "序号", "时间", "办理人", "角色", "地区", "操作", "意见",
           "由环节", "至环节", "填报内容", "哈希")


def trail_xlsx(cases: list[Case]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("审批留痕")
    sheet.append(COLUMNS)
    for case in cases:
        definition = store.by_version(case.definition_version)
        code = verify.display(verify.case_code(case))
        for e in trail(case):
            data = "，".join(f"{k}={v}" for k, v in (e.data or {}).items())
            sheet.append([case.id, code, case.title, e.seq,
                          clock.to_local(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_name,
                          ROLES.get(e.role, e.role), e.jurisdiction_name, e.action_title,
                          e.opinion, definition.state_title(e.from_state) if e.from_state
                          else "", definition.state_title(e.to_state), data, e.hash])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def trail_pdf(cases: list[Case], base_url: str) -> bytes:
    items = [{"case": c, "definition": store.by_version(c.definition_version),
              "events": trail(c), "mark": content.paper_mark(c, base_url)} for c in cases]
    return render.pdf("pdf/trail.html", items=items, ROLES=ROLES,
                      printed_on=chinese_date(clock.today()))
