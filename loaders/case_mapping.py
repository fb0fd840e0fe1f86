"""Which column means what in a case export, and what its words mean in our vocabularies.

Per-source quirks are data (STYLE.md rule 6): header aliases per role (Chinese hotline systems and English
311 / Open311 exports), status words, source words. The analyst can override any column with
``ROLE=COLUMN``; auto-detection only fills what was not given. A word we do not know is asked once (see
``loaders.case_import``); the analyst maps it to one of ours or to ``FALLBACK`` (待分类), never dropping it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from geo.domain.vocabulary import IMPORTABLE_STATUSES, Source, Status
from loaders.import_messages import MessageError, msg

#: role → header names seen in 12345 hotline, mini-program and grid-system exports (compared normalised:
#: case, spaces, full-width forms and brackets ignored). The first role whose alias matches a header wins.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "source_ref": ("source_ref", "工单编号", "工单号", "事件编号", "案件编号", "诉求编号", "受理编号", "编号",
                   "id", "ticket_id", "case_id", "srnumber", "sr_number", "service_request_id", "request_id",
                   "case_number", "ticket_number", "unique_key"),
    "description": ("description", "诉求内容", "事件描述", "问题描述", "案件描述", "事件内容", "来电内容",
                    "内容", "描述", "details", "descriptor", "request_details", "notes", "comments"),
    "category": ("category", "事件类型", "问题分类", "事件分类", "案件类型", "诉求类型", "事项类型", "类别",
                 "分类", "小类", "request_type", "complaint_type", "service_name", "problem_type", "issue_type",
                 "type"),
    "source": ("source", "来源", "事件来源", "诉求来源", "信息来源", "渠道", "来源渠道", "request_source",
               "channel", "open_data_channel_type", "intake_channel", "method_received", "origin"),
    "reporter_name": ("reporter_name", "联系人", "来电人", "诉求人", "上报人", "反映人", "姓名", "contact_name",
                      "caller_name", "reporter"),
    "reporter_phone": ("reporter_phone", "联系电话", "来电号码", "联系方式", "手机号", "电话", "phone",
                       "phone_number", "contact_phone", "telephone"),
    "lon": ("lon", "lng", "longitude", "经度", "x", "坐标x", "long"),
    "lat": ("lat", "latitude", "纬度", "y", "坐标y"),
    "address": ("address", "地址", "事发地址", "事发地点", "详细地址", "发生地址", "位置", "incident_address",
                "street_address", "full_address"),
    "reported_at": ("reported_at", "上报时间", "受理时间", "来电时间", "登记时间", "反映时间", "创建时间",
                    "发生时间", "时间", "created_date", "created", "date_created", "requested_datetime",
                    "open_date", "opened", "opened_date", "received_date", "date_received", "reported_date"),
    "closed_at": ("closed_at", "办结时间", "结案时间", "完成时间", "关闭时间", "closed_date", "close_date",
                  "date_closed", "closed", "resolved_date", "resolution_date", "completed_date"),
    "status": ("status", "状态", "办理状态", "处理状态", "事件状态", "工单状态", "request_status", "case_status"),
}
ROLES = tuple(HEADER_ALIASES)
REQUIRED_ROLES = ("reported_at",)

#: Status words of the exporting systems → our closed-loop status. Compared after normalise_text.
STATUS_WORDS: dict[str, Status] = {
    **{w: Status.REPORTED for w in ("待受理", "未受理", "已上报", "上报", "新建", "待处理", "未处理", "待分拨")},
    **{w: Status.ACCEPTED for w in ("已受理", "受理", "已立案", "立案", "待派遣", "待派单")},
    **{w: Status.WHISTLED for w in ("已派遣", "已派单", "派单", "已转办", "转办", "已吹哨", "处理中", "办理中",
                                    "处置中", "待签收")},
    **{w: Status.REPORTED_IN for w in ("已签收", "签收", "已应哨", "已接单")},
    **{w: Status.ANSWERED for w in ("已处置", "已答复", "已回复", "已反馈", "待核查", "待回访", "待结案")},
    **{w: Status.CLOSED for w in ("已办结", "办结", "已结案", "结案", "已关闭", "关闭", "已完成", "完成", "已解决")},
    **{w: Status.RATED for w in ("已评价", "已回访", "回访满意")},
    **{w: Status.REJECTED for w in ("不予受理", "不受理", "已驳回", "驳回", "已退回", "退回", "作废", "无效",
                                    "已作废")},
    **{w: Status.REWORK for w in ("返工", "重办", "退回重办")},
    **{w: Status.DEFERRED for w in ("延期", "已延期", "缓办", "挂起")},
    **{w: Status.REOPENED for w in ("重新打开", "重启", "已重启")},
    # English 311 exports: only the words whose meaning is plain; the rest (Pending, Forward …) is asked
    **{w: Status.REPORTED for w in ("new", "submitted")},
    **{w: Status.ACCEPTED for w in ("open", "opened", "acknowledged")},
    **{w: Status.WHISTLED for w in ("in progress", "assigned")},
    **{w: Status.CLOSED for w in ("closed", "resolved", "completed", "done")},
    **{w: Status.REJECTED for w in ("cancelled", "canceled", "rejected", "invalid", "duplicate")},
    **{str(s): s for s in IMPORTABLE_STATUSES},
}

#: Channel words → Source. The mini-program ("随手拍") sends GCJ-02 coordinates; the import's datum says so.
SOURCE_WORDS: dict[str, Source] = {
    **{w: Source.HOTLINE for w in ("12345", "12345热线", "热线", "市民热线", "政务热线", "电话", "hotline")},
    **{w: Source.RESIDENT_APP for w in ("小程序", "随手拍", "微信", "app", "手机app", "居民上报", "网上",
                                        "微信小程序")},
    **{w: Source.GRID_MEMBER for w in ("网格员", "网格员上报", "巡查", "网格巡查", "自行发现")},
    **{w: Source.VIDEO_PATROL for w in ("视频", "视频巡查", "视频监控", "摄像头", "智能发现")},
    **{w: Source.DEPUTY for w in ("代表", "人大代表", "政协委员", "代表委员")},
    # English 311 exports: a phone call is the hotline, an app or web form the resident's own report
    **{w: Source.HOTLINE for w in ("call", "phone", "phone call", "voicemail", "voice mail")},
    **{w: Source.RESIDENT_APP for w in ("mobile app", "mobile", "web", "website", "web form", "online",
                                        "self service")},
    **{str(s): s for s in Source},
}

#: The answer for a word that is none of ours: the case comes in anyway — uncategorised (the center triages
#: it), its status read from its closing time, its source the import's default source.
FALLBACK = "待分类"

_BRACKETS = re.compile(r"[\s()（）\[\]【】:：*_\-]+")


def normalise_text(value: str) -> str:
    """Full-width → ASCII (NFKC), lower case, spaces and brackets dropped: how headers and words compare."""
    return _BRACKETS.sub("", unicodedata.normalize("NFKC", str(value)).lower())


class MappingError(MessageError):
    """A column mapping that cannot work; the message names the bad role or column and the valid ones."""


def detect_mapping(columns: Iterable[str]) -> dict[str, str]:
    """role → column, for every role whose alias matches a header (exact first, then the header containing
    a Chinese alias of two or more characters, e.g. '事件描述(详细)' — English aliases match whole headers
    only: 'lat' is inside 'platform'). One column serves at most one role."""
    columns = list(columns)
    keys = {c: normalise_text(c) for c in columns}
    mapping: dict[str, str] = {}
    for exact in (True, False):
        for role, aliases in HEADER_ALIASES.items():
            if role in mapping:
                continue
            for alias in (normalise_text(a) for a in aliases):
                found = next((c for c in columns if c not in mapping.values() and
                              (keys[c] == alias if exact else _inside(alias, keys[c]))), None)
                if found is not None:
                    mapping[role] = found
                    break
    return mapping


def _inside(alias: str, header: str) -> bool:
    return len(alias) > 1 and not alias.isascii() and alias in header


def parse_column_args(pairs: Iterable[str]) -> dict[str, str]:
    """``["lon=经度X", …]`` → {role: column}; raises MappingError naming a malformed pair or unknown role."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        role, sep, column = pair.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not role or not column:
            raise MappingError(msg("column_arg_malformed", pair=repr(pair)))
        if role not in HEADER_ALIASES:
            raise MappingError(msg("column_arg_role", role=repr(role), pair=repr(pair), roles=", ".join(ROLES)))
        mapping[role] = column
    return mapping


def resolve_mapping(columns: Iterable[str], given: Mapping[str, str]) -> dict[str, str]:
    """The analyst's mapping completed by auto-detection; raises MappingError for a column not in the file,
    a role given an empty column, or a required role left without a column."""
    columns = list(columns)
    for role, column in given.items():
        if role not in HEADER_ALIASES:
            raise MappingError(msg("mapping_unknown_role", role=repr(role), roles=", ".join(ROLES)))
        if column and column not in columns:
            raise MappingError(msg("mapping_no_column", column=repr(column), role=role, columns=", ".join(columns)))
    taken = {c for c in given.values() if c}
    detected = detect_mapping([c for c in columns if c not in taken])
    mapping = {r: c for r, c in {**detected, **given}.items() if c}
    missing = [r for r in REQUIRED_ROLES if r not in mapping]
    if missing:
        raise MappingError(msg("mapping_no_time", roles=", ".join(missing), columns=", ".join(columns)))
    return mapping


def map_words(values: pd.Series, words: Mapping[str, str], default: str | None) -> pd.Series:
    """Each value's vocabulary entry (by normalise_text); '' → ``default``; unknown → None (a rejected row)."""
    table = {normalise_text(k): str(v) for k, v in words.items()}
    unique = pd.Series(values.unique())
    looked_up = {v: (default if v == "" else table.get(normalise_text(v))) for v in unique}
    mapped = values.map(looked_up).astype(object)
    return mapped.where(mapped.notna(), None)


@dataclass(frozen=True)
class CategoryLookup:
    """Our categories by code and by name, plus the analyst's table for other systems' names."""

    by_key: dict[str, int]  # normalised code, name or mapped name → category id
    examples: tuple[str, ...]

    @classmethod
    def build(cls, categories: Iterable[tuple[int, str, str]], table: Mapping[str, str] | None = None):
        """``categories``: (id, code, name). ``table``: outside name → our code or name, or FALLBACK
        (uncategorised); a target that is none of these raises MappingError (a typo in the table must not
        reject a whole file row by row)."""
        categories = list(categories)
        by_key = {normalise_text(code): cid for cid, code, _ in categories}
        by_key.update({normalise_text(name): cid for cid, _, name in categories})
        for outside, ours in (table or {}).items():
            target = -1 if ours == FALLBACK else by_key.get(normalise_text(ours))
            if target is None:
                raise MappingError(msg("category_map_target", theirs=repr(outside), ours=repr(ours)))
            by_key[normalise_text(outside)] = target
        return cls(by_key, tuple(name for _, _, name in categories[:3]))

    def ids(self, values: pd.Series) -> pd.Series:
        """Category id per value; '' → -1 (uncategorised: the center triages it); unknown → -2."""
        unique = pd.Series(values.unique())
        looked_up = {v: (-1 if v == "" else self.by_key.get(normalise_text(v), -2)) for v in unique}
        return values.map(looked_up).astype("int64")
