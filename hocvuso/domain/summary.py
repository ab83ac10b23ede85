"""The province's figures as letter 003 writes them, ready to paste: Vietnamese number
formats (5.435; 85,6%) and its sentence."""

from __future__ import annotations

from datetime import datetime

from hocvuso.domain.counters import Counts
from hocvuso.domain.local_time import VIETNAM
from hocvuso.domain.rates import percent


def number(n: int) -> str:
    """`119285` → `119.285`: a dot between thousands, as Vietnamese official letters."""
    return f"{n:,}".replace(",", ".")


def share(value: float | None) -> str:
    """`73.8` → `73,8%`: a decimal comma; no data when there is no rate."""
    return "không có số liệu" if value is None else f"{value:.1f}".replace(".", ",") + "%"


def summary(counts: Counts, at: datetime) -> dict[str, object]:
    learners, cbccvc = counts["learners"], counts["learners_cbccvc"]
    others = learners - cbccvc  # letter 003's "người dân": every learner not cbccvc
    certified = counts["certificates"]
    rate = percent(certified, learners)
    local = at.astimezone(VIETNAM)
    text = (
        f"Tính đến {local:%H} giờ {local:%M} ngày {local:%d/%m/%Y}: Tổng số tài khoản học "
        f"viên tham gia là {number(learners)} học viên, trong đó có {number(cbccvc)} học "
        f"viên là CBCCVC và {number(others)} học viên là người dân; Tổng số học viên đã "
        f"hoàn thành khóa học và được cấp chứng nhận: {number(certified)} người "
        f"(đạt {share(rate)})."
    )
    return {
        "learners": learners,
        "cbccvc": cbccvc,
        "others": others,
        "certified": certified,
        "certified_percent": rate,
        "formatted": {
            "learners": number(learners),
            "cbccvc": number(cbccvc),
            "others": number(others),
            "certified": number(certified),
            "certified_percent": share(rate),
        },
        "text": text,
    }
