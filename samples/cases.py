"""Case generation for the sample district: the department and category catalogue, and one year of cases
running through the closed loop (raise → whistle → report in → answer → close → grade), with dispatches.

Split from ``samples.district`` (which builds the geometry and writes the files) to keep both readable.
Everything here is vectorised numpy driven by generators seeded from the district seed, so the output is
identical on every run. The snapshot is taken at the end of the year: cases still running then are open.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from geo.domain.vocabulary import DispatchRole, Rating, Source, Status, Tier

N_CASES = 48_022
DAYS = 365
START = int(np.datetime64("2025-10-31T16:00:00", "s").astype(np.int64))  # 2025-11-01 00:00 Asia/Shanghai
END = START + DAYS * 86400 - 1  # 2026-10-31 23:59:59 local: the snapshot
LOCAL = 8 * 3600  # Asia/Shanghai has no daylight saving
NA = -1  # missing timestamp
HOUR, DAY = 3600, 86400

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁任"
)
GIVEN_CHARS = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕鹏飞宇晨欣怡浩然子涵雪琴淑珍"
)
PHONE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 158 159 177 180 182 183 186 187 188 189 199"
)

DEPARTMENTS = [
    ("CGJ", "城市管理综合行政执法局", "城管局"),
    ("SCJG", "市场监督管理局", "市场监管局"),
    ("ZJJ", "住房和城乡建设局", "住建局"),
    ("GAFJ", "公安分局", "公安分局"),
    ("STHJ", "生态环境分局", "生态环境分局"),
    ("GSGS", "供水公司", "供水公司"),
    ("RLGS", "热力公司", "热力公司"),
    ("RQGS", "燃气公司", "燃气公司"),
    ("GDGS", "供电公司", "供电公司"),
    ("TXYYS", "通信运营商", "运营商"),
    ("JTJ", "交通运输局", "交通局"),
    ("SZZX", "市政公用事业服务中心", "市政中心"),
    ("YLZX", "园林绿化中心", "园林中心"),
    ("WJW", "卫生健康委员会", "卫健委"),
    ("YJJ", "应急管理局", "应急局"),
    ("MZJ", "民政局", "民政局"),
    ("RSJ", "人力资源和社会保障局", "人社局"),
    ("JYJ", "教育局", "教育局"),
    ("XFDD", "消防救援大队", "消防大队"),
    ("ZRZY", "自然资源局", "自然资源局"),
    ("STREET", "各街道办事处", "街道"),
]

#: Median report-in delay (minutes), log-spread, share of whistles forgotten for 15–40 h. Heating, telecoms and
#: housing are the slow ones (yellow, red and discipline cards); the rest use DEFAULT_RESPONSE.
RESPONSE = {
    "RLGS": (85, 1.3, 0.02),
    "TXYYS": (100, 1.3, 0.03),
    "ZJJ": (60, 1.25, 0.015),
    "XFDD": (8, 0.8, 0.0),
    "GAFJ": (12, 0.9, 0.001),
    "GSGS": (15, 0.9, 0.001),
}
DEFAULT_RESPONSE = (22, 1.0, 0.003)

CLASSES = {
    "HJWS": "环境卫生",
    "SRZX": "市容秩序",
    "SZSS": "市政设施",
    "WYGL": "物业管理",
    "AQYH": "安全隐患",
    "MSFW": "民生服务",
}
#: Monthly factors (Jan..Dec) for the seasonal rhythm of each kind of problem.
SEASONS = {
    "flat": [1.0] * 12,
    "summer": [0.7, 0.7, 0.8, 0.9, 1.2, 1.6, 1.8, 1.7, 1.3, 1.0, 0.8, 0.7],
    "heat": [1.0, 0.6, 0.3, 0, 0, 0, 0, 0, 0, 0, 0.6, 1.0],  # heating season Nov 1 – Mar 31
    "winter": [1.5, 1.3, 1.0, 0.8, 0.7, 0.7, 0.7, 0.7, 0.8, 1.0, 1.2, 1.5],
    "rain": [0.5, 0.5, 0.6, 0.8, 1.0, 1.4, 2.0, 1.9, 1.2, 0.8, 0.6, 0.5],
    "build": [0.3, 0.3, 0.7, 1.2, 1.4, 1.4, 1.3, 1.3, 1.3, 1.2, 0.7, 0.4],
    "thaw": [0.8, 1.0, 1.8, 1.8, 1.2, 0.9, 1.0, 1.0, 0.8, 0.8, 0.8, 0.8],
    "wages": [1.8, 1.5, 0.8, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 1.0, 1.8],
    "green": [0.3, 0.3, 0.6, 1.2, 1.5, 1.5, 1.4, 1.3, 1.1, 0.9, 0.5, 0.3],
    "school": [0.6, 0.6, 0.8, 0.8, 0.8, 1.2, 2.0, 2.2, 1.8, 0.6, 0.5, 0.5],
}

# code | name | lead | co | limit | unit | routing | place | hotspot | weight | season | voice
_CATEGORY_TABLE = """
HJWS01|垃圾暴露|CGJ||1|d|territory|street|market|7|summer|patrol
HJWS02|污水外溢|SZZX|GSGS|1|d|owner|street|compound|3|rain|mixed
HJWS03|油烟扰民|STHJ|CGJ;SCJG|3|d|territory|shop|market|4|summer|resident
HJWS04|渣土撒漏|CGJ|JTJ|1|d|territory|street|site|3|build|patrol
HJWS05|噪声扰民|GAFJ|STHJ;CGJ|1|d|territory|home|site|6|summer|resident
SRZX01|占道经营|CGJ|SCJG|1|d|territory|street|market|7|summer|patrol
SRZX02|乱贴乱画|CGJ||2|d|territory|street||3|flat|patrol
SRZX03|违章停车|GAFJ|CGJ|1|d|territory|street|market|8|flat|patrol
SRZX04|违法建设|CGJ|ZRZY;ZJJ|5|d|territory|street|site|3|build|mixed
SZSS01|道路破损|SZZX|JTJ|3|d|owner|street||4|thaw|patrol
SZSS02|井盖缺失破损|SZZX|GSGS;TXYYS;GDGS|2|h|owner|street||2.5|flat|patrol
SZSS03|路灯不亮|SZZX|GDGS|2|d|owner|street||3.5|winter|mixed
SZSS04|管道漏水|GSGS|SZZX|8|h|owner|home|compound|4|winter|mixed
SZSS05|供暖温度不达标|RLGS|ZJJ|1|d|owner|home|compound|12|heat|resident
SZSS06|电力故障|GDGS||4|h|owner|home||2.5|summer|resident
SZSS07|通信线缆脱落|TXYYS|GDGS|3|d|owner|street|compound|2.5|flat|patrol
SZSS08|绿化损毁|YLZX|CGJ|5|d|owner|street||2|green|patrol
WYGL01|物业纠纷|ZJJ|STREET|5|d|territory|home||5|flat|resident
WYGL02|楼道堆物|STREET|XFDD|2|d|territory|home|compound|6|flat|mixed
WYGL03|飞线充电|STREET|XFDD;GDGS|1|d|territory|home|compound|5|summer|mixed
WYGL04|房屋破损|ZJJ|STREET|5|d|owner|home|compound|3|rain|mixed
WYGL05|电梯故障|SCJG|ZJJ|8|h|owner|home||2|flat|resident
AQYH01|燃气隐患|RQGS|XFDD;YJJ|2|h|owner|home|compound|1.5|winter|mixed
AQYH02|消防通道堵塞|XFDD|GAFJ;STREET|1|d|territory|street|compound|3|flat|patrol
AQYH03|施工安全隐患|ZJJ|YJJ|1|d|territory|street|site|1.5|build|mixed
MSFW01|食品安全|SCJG|WJW|3|d|territory|shop|market|3|summer|resident
MSFW02|餐饮无证经营|SCJG|CGJ|5|d|territory|shop|market|2|flat|mixed
MSFW03|欠薪维权|RSJ|ZJJ|5|d|territory|shop|site|2|wages|resident
MSFW04|困难救助|MZJ|STREET|5|d|territory|home||1.5|winter|mixed
MSFW05|入学咨询|JYJ||3|d|territory|home||1|school|resident
MSFW06|公共卫生投诉|WJW||3|d|territory|shop||1|flat|resident
"""

_TEMPLATES = {
    "垃圾暴露": "垃圾箱满溢，垃圾散落地面|路边垃圾堆放多日无人清运|绿化带内有生活垃圾暴露|市场门口垃圾堆积，气味很大",
    "污水外溢": "下水道堵塞，污水漫到路面|化粪池外溢，污水流进小区|雨水井冒污水，行人无法通行",
    "油烟扰民": "楼下饭店油烟直排，熏到住户|烧烤摊油烟大，窗户不敢开|餐馆未装油烟净化设备",
    "渣土撒漏": "渣土车沿路撒漏，尘土飞扬|工地出口路面泥土很多|运输车未苫盖，渣土掉落路面",
    "噪声扰民": "夜间施工噪声大，影响休息|楼下商铺音响声音过大|广场舞音量太大，居民投诉|工地凌晨还在施工",
    "占道经营": "商贩占用人行道摆摊|门店出店经营，占道堆放货物|早市摊位占道，车辆无法通行",
    "乱贴乱画": "墙面张贴小广告|单元门上喷涂办证电话|电线杆上贴满广告",
    "违章停车": "车辆占用人行道停放|车辆堵住小区出入口|路口违停，影响通行|车辆长期占用盲道",
    "违法建设": "楼顶私自加盖彩钢房|一楼住户私自扩建院墙|空地上正在搭建违建房屋",
    "道路破损": "路面塌陷，出现大坑|人行道砖松动破损|道路开裂，车辆颠簸",
    "井盖缺失破损": "井盖缺失，存在安全隐患|井盖破裂下陷|雨水井盖移位，行人易踩空",
    "路灯不亮": "路灯不亮，夜间出行不便|整条路路灯不亮|路灯杆倾斜，灯不亮",
    "管道漏水": "楼内水管漏水，地面积水|自来水管爆裂，路面冒水|暖气管道漏水，楼下被淹",
    "供暖温度不达标": "室内温度不足十六度|暖气不热，家里很冷|单元暖气时冷时热|顶楼住户暖气不热",
    "电力故障": "小区停电，原因不明|楼道电表箱冒火花|单元频繁跳闸停电",
    "通信线缆脱落": "通信线缆垂落到路面|楼外墙线缆脱落，影响通行|废弃线缆缠绕树枝",
    "绿化损毁": "行道树被砍伐|绿地被车辆碾压损毁|树木倒伏，压到围栏",
    "物业纠纷": "物业服务差，卫生无人打扫|物业费收费不合理|物业不维修单元门禁",
    "楼道堆物": "楼道内堆放杂物|楼梯间堆放纸箱木板|消防通道堆放废旧家具",
    "飞线充电": "从楼上拉线给电动车充电|电动车停在楼道内充电|楼道私拉电线充电，存在火灾隐患",
    "房屋破损": "外墙皮脱落，存在坠落风险|楼顶漏雨，屋内墙面发霉|单元楼梯扶手断裂",
    "电梯故障": "电梯经常停运|电梯运行异响，有困人风险|电梯年检过期",
    "燃气隐患": "楼道内有燃气味|燃气管道锈蚀严重|饭店违规使用液化气瓶",
    "消防通道堵塞": "车辆堵塞消防通道|消防通道被杂物占用|消防车道被私设地锁",
    "施工安全隐患": "工地围挡倒塌|脚手架无防护网|基坑周边无安全警示",
    "食品安全": "超市出售过期食品|摊贩售卖来源不明的肉类|饭店后厨卫生条件差",
    "餐饮无证经营": "小吃店无营业执照经营|流动摊点无证售卖熟食|家庭作坊无证加工食品",
    "欠薪维权": "工地拖欠农民工工资|用人单位拖欠工资三个月|施工队老板失联，工资未发",
    "困难救助": "独居老人生活困难，请求帮扶|残疾人家庭申请临时救助|低保户房屋取暖困难",
    "入学咨询": "咨询孩子入学划片问题|随迁子女入学手续咨询|反映学校周边交通安全",
    "公共卫生投诉": "诊所环境卫生差|公共厕所无人保洁|小区出现大量蚊蝇老鼠",
}
SUFFIXES = ["", "", "", "，请尽快处理", "，已持续多日", "，望相关部门处理", "，多次反映未解决"]
REJECT_REASONS = [
    "重复上报，已合并处理",
    "不属于受理范围",
    "信息不全，无法核实",
    "经核实情况不属实",
    "属于民事纠纷，建议通过司法途径解决",
    "已由其他渠道受理",
]
HOTSPOTS = {
    "market": (["新华农贸市场", "海北综合市场", "滨河早市"], (150, 260), 0.40),
    "compound": (["矿务局老家属院", "供电局老小区", "化工厂家属楼", "新华东老旧小区"], (180, 300), 0.35),
    "site": (["凤凰岭棚改项目工地", "滨河新区安置房工地", "千里山路改造工程"], (250, 400), 0.45),
}
#: Problems that often drag on for months (deadline extended: the case is deferred).
HARD = ["违法建设", "物业纠纷", "房屋破损", "欠薪维权", "道路破损", "困难救助", "油烟扰民", "电梯故障"]
SOURCE_ORDER = [Source.GRID_MEMBER, Source.RESIDENT_APP, Source.HOTLINE, Source.VIDEO_PATROL, Source.DEPUTY]
VOICES = {
    "patrol": [0.53, 0.19, 0.12, 0.13, 0.03],
    "mixed": [0.47, 0.27, 0.23, 0.0, 0.03],
    "resident": [0.30, 0.31, 0.36, 0.0, 0.03],
}
#: Hour-of-day profiles (local time): people report in the day time, noise complaints come in the evening.
DAY_HOURS = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4, 6, 6, 5.5, 4, 4, 5, 5.5, 5, 4.5, 3, 2, 1.5, 1, 0.6, 0.3]
)
PATROL_HOURS = np.array([0, 0, 0, 0, 0, 0, 0.2, 2, 6, 8, 8, 6, 3, 4, 7, 8, 7, 5, 2, 0.5, 0.2, 0, 0, 0]) + 0.02
NIGHT_HOURS = np.array(
    [2, 1, 0.5, 0.2, 0.1, 0.1, 0.3, 1, 2, 2.5, 2.5, 2, 2, 2, 2, 2, 2, 2.5, 3, 4, 5.5, 6, 5, 3.5]
)


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    class_code: str
    class_name: str
    lead: str
    co: tuple[str, ...]
    time_limit: int
    time_unit: str  # working_hours | working_days
    routing_rule: str  # owner | territory
    #: home: inside a residential building; shop: in or near a non-residential one; street: outdoors
    place: str
    hotspot: str  # market | compound | site | "" : the kind of hotspot that attracts this category
    weight: float  # relative yearly volume
    season: str
    voice: str  # who usually reports it: patrol | mixed | resident

    @property
    def limit_hours(self) -> float:
        """The approximate time limit in clock hours (working day ≈ 24 h, working hour ≈ 3 h)."""
        return self.time_limit * (24.0 if self.time_unit == "working_days" else 3.0)


def _parse_categories() -> list[Category]:
    """The catalogue as typed records, from the compact table above (one category per line)."""
    rows = []
    for line in _CATEGORY_TABLE.strip().splitlines():
        code, name, lead, co, limit, unit, rule, place, hot, weight, season, voice = line.split("|")
        unit = "working_days" if unit == "d" else "working_hours"
        co_codes = tuple(filter(None, co.split(";")))
        klass = (code[:4], CLASSES[code[:4]])
        rows.append(Category(code, name, *klass, lead, co_codes, int(limit), unit, rule, place, hot,
                             float(weight), season, voice))  # fmt: skip
    return rows


CATEGORIES = _parse_categories()


@dataclass
class DistrictData:
    """What the case generator needs from the district: layers in WGS84 and buildings in metres."""

    grids: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    building_frame: pd.DataFrame  # code, address, households, cx, cy, length, width, angle (metric CRS)
    outline: shapely.Polygon  # metric CRS
    core: np.ndarray
    to_wgs84: Transformer
    seed: int
    scale: float = 1.0  # distances from the core (samples.district.Shape.scale)
    n_cases: int = N_CASES
    number_prefix: str = "HB"  # case numbers: prefix + local date + sequence of the day
    place_prefix: str = ""  # in front of hotspot names (a city's district), e.g. "滨海区"
    #: Address a case outside every footprint by the nearest footprint (True) or, ~30× faster for a city's
    #: millions of cases, by the building whose centre is nearest.
    exact_nearest: bool = True


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct plausible Chinese names (surname + one or two given characters)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        given = "".join(rng.choice(GIVEN_CHARS, size=int(rng.choice([1, 2], p=[0.3, 0.7]))))
        name = str(rng.choice(SURNAMES)) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def phone_numbers(rng: np.random.Generator, n: int) -> list[str]:
    """11-digit mainland mobile numbers."""
    prefixes = rng.choice(PHONE_PREFIXES.split(), size=n)
    tails = rng.integers(0, 10**8, size=n)
    return [f"{p}{t:08d}" for p, t in zip(prefixes, tails)]


def _sample_rows(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """For each i, draw a column index with probabilities proportional to table[row[i]] (vectorised)."""
    cum = np.cumsum(table, axis=1)
    cum = cum / cum[:, -1:]
    return (cum[row] < rng.random(len(row))[:, None]).sum(axis=1)


def _rng(seed: int, step: int) -> np.random.Generator:
    return np.random.default_rng([seed, 100 + step])


def _lognormal(rng: np.random.Generator, median_s: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    """Durations in whole seconds with a long right tail, as real response and handling times have."""
    return np.maximum(60, np.round(median_s * np.exp(rng.normal(0, sigma, n)))).astype(np.int64)


def _cat_attr(name: str) -> np.ndarray:
    return np.array([getattr(c, name) for c in CATEGORIES])


# ------------------------------------------------------------------------------------------ when and what


def day_weights() -> tuple[np.ndarray, np.ndarray]:
    """Relative volume per local day (fewer on weekends and public holidays) and each day's month (0 = Jan)."""
    dates = np.datetime64("2025-11-01") + np.arange(DAYS)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weight = np.array([1.1, 1.08, 1.06, 1.05, 1.04, 0.75, 0.66])[weekday]
    for first, last, factor in (
        ("2026-01-01", "2026-01-03", 0.75),
        ("2026-02-15", "2026-02-23", 0.55),
        ("2026-10-01", "2026-10-07", 0.65),
    ):
        weight[(dates >= np.datetime64(first)) & (dates <= np.datetime64(last))] = factor
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    return weight, month


def sample_when_what(rng: np.random.Generator, n_cases: int = N_CASES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category, source and report time of every case, sorted by report time.

    Day and category are drawn jointly so that each category keeps its own seasonal rhythm."""
    weight, month = day_weights()
    seasons = np.array([SEASONS[c.season] for c in CATEGORIES]).T  # (12, n_categories)
    intensity = weight[:, None] * _cat_attr("weight")[None, :] * seasons[month]
    flat = rng.choice(intensity.size, size=n_cases, p=(intensity / intensity.sum()).ravel())
    day, cat = np.divmod(flat, len(CATEGORIES))
    voices = list(VOICES)
    source = _sample_rows(
        rng, np.array([VOICES[v] for v in voices]), np.array([voices.index(c.voice) for c in CATEGORIES])[cat]
    )
    evening = np.isin(_cat_attr("name")[cat], ["噪声扰民", "油烟扰民"])
    profile = np.where(evening, 2, np.where(source == 0, 1, np.where(source == 3, 3, 0)))
    hours = np.stack([DAY_HOURS, PATROL_HOURS, NIGHT_HOURS, DAY_HOURS + 2.0])
    hour = _sample_rows(rng, hours, profile)
    reported = START + day * DAY + hour * HOUR + rng.integers(0, 60, n_cases) * 60
    order = np.argsort(reported, kind="stable")
    return cat[order], source[order], reported[order]


# ---------------------------------------------------------------------------------------------------- where


def pick_hotspots(frame: pd.DataFrame, core: np.ndarray, rng: np.random.Generator, scale: float = 1.0,
                  prefix: str = "") -> pd.DataFrame:
    """Markets and old compounds in the core, construction sites on the urban fringe, each >= 900 m apart
    (distances times ``scale``; names after ``prefix``)."""
    r = np.hypot(frame["cx"] - core[0], frame["cy"] - core[1]).to_numpy() / scale
    pools = {
        "market": (frame["households"].to_numpy() == 0) & (r < 2000),
        "compound": (frame["households"].to_numpy() > 0) & (r < 2200),
        "site": (r > 2500) & (r < 5000),
    }
    xy = frame[["cx", "cy"]].to_numpy()
    rows = []
    for kind, (names, (s_lo, s_hi), _share) in HOTSPOTS.items():
        picked: list[int] = []
        for i in rng.permutation(np.flatnonzero(pools[kind])):
            if all(np.hypot(*(xy[i] - xy[j])) > 900 for j in picked):
                picked.append(int(i))
            if len(picked) == len(names):
                break
        rows += [
            (kind, prefix + name, xy[i, 0], xy[i, 1], rng.uniform(s_lo, s_hi), rng.uniform(0.6, 1.4))
            for name, i in zip(names, picked)
        ]
    return pd.DataFrame(rows, columns=["kind", "name", "x", "y", "sigma", "weight"])


def planted_spots(data: DistrictData) -> pd.DataFrame:
    """The hotspots the case generator plants (metric x, y): one draw from the district seed, shared by the
    case generator and ``planted_hotspots`` so the committed truth is the truth the cases were made from."""
    return pick_hotspots(data.building_frame, data.core, _rng(data.seed, 2), data.scale, data.place_prefix)


def planted_hotspots(data: DistrictData) -> pd.DataFrame:
    """The planted hotspot centres as a small table for checking hotspot analysis against the truth:
    kind, name, lon, lat (WGS84, 7 decimals), sigma_m (spread of its cases) and categories (';'-joined codes
    of the categories it attracts)."""
    spots = planted_spots(data)
    lon, lat = (_round7(a) for a in data.to_wgs84.transform(spots["x"].to_numpy(), spots["y"].to_numpy()))
    attracted = {k: ";".join(c.code for c in CATEGORIES if c.hotspot == k) for k in HOTSPOTS}
    return pd.DataFrame({"kind": spots["kind"], "name": spots["name"], "lon": lon, "lat": lat,
                         "sigma_m": spots["sigma"].round().astype(int), "categories": spots["kind"].map(attracted)})


def _nearest(tree: shapely.STRtree, x: np.ndarray, y: np.ndarray, near: float | None = None) -> np.ndarray:
    """Index of the nearest tree geometry for each point (first one on ties). ``near``: a distance within which
    most points find theirs; searching that far first prunes the tree (a city's millions of points), and only
    the rest search everywhere, with the same answer."""
    points = shapely.points(x, y)
    result = np.full(len(points), -1)
    if near is not None:
        inp, idx = tree.query_nearest(points, max_distance=near)
        first = np.unique(inp, return_index=True)[1]
        result[inp[first]] = idx[first]
    rest = np.flatnonzero(result < 0)
    inp, idx = tree.query_nearest(points[rest])
    first = np.unique(inp, return_index=True)[1]
    result[rest[inp[first]]] = idx[first]
    return result


def locate(
    rng: np.random.Generator, cat: np.ndarray, frame: pd.DataFrame, spots: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Metric x, y per case, its anchor building and its hotspot (-1 if background).

    Hotspot cases scatter in gaussians around their hotspot; background cases follow the buildings
    (weighted by households for problems at home); 'home' problems lie inside a building footprint."""
    n, kind, place = len(cat), _cat_attr("hotspot")[cat], _cat_attr("place")[cat]
    share = np.array([HOTSPOTS[k][2] if k else 0.0 for k in _cat_attr("hotspot")])[cat]
    hot = rng.random(n) < share
    spot = np.full(n, -1)
    for k in HOTSPOTS:
        mask, idx = hot & (kind == k), np.flatnonzero(spots["kind"] == k)
        spot[mask] = rng.choice(
            idx, mask.sum(), p=spots["weight"].to_numpy()[idx] / spots["weight"].to_numpy()[idx].sum()
        )
    sigma = spots["sigma"].to_numpy()[spot]
    x = np.where(hot, spots["x"].to_numpy()[spot] + rng.normal(0, 1, n) * sigma, 0.0)
    y = np.where(hot, spots["y"].to_numpy()[spot] + rng.normal(0, 1, n) * sigma, 0.0)
    anchor = np.zeros(n, dtype=int)
    anchor[hot] = _nearest(shapely.STRtree(shapely.points(frame["cx"], frame["cy"])), x[hot], y[hot], 100.0)
    households = frame["households"].to_numpy()
    weights = {"home": households + 0.0, "shop": (households == 0) + 0.05, "street": households + 20.0}
    for p, w in weights.items():
        mask = ~hot & (place == p)
        anchor[mask] = rng.choice(len(frame), mask.sum(), p=w / w.sum())
    inside = (place == "home") | ((place == "shop") & (rng.random(n) < 0.5))
    ax, ay = _around(rng, frame, anchor, inside)
    keep = hot & (place == "street")
    return np.where(keep, x, ax), np.where(keep, y, ay), anchor, spot


def _around(
    rng: np.random.Generator, frame: pd.DataFrame, anchor: np.ndarray, inside: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A point inside the anchor's footprint (well clear of its walls) or a few metres to tens of metres
    outside it (streets, pavements)."""
    n = len(anchor)
    b = frame.iloc[anchor]
    cx, cy, length, width, angle = (b[c].to_numpy() for c in ("cx", "cy", "length", "width", "angle"))
    u, v = rng.uniform(-0.4, 0.4, n) * length, rng.uniform(-0.4, 0.4, n) * width
    ix, iy = cx + u * np.cos(angle) - v * np.sin(angle), cy + u * np.sin(angle) + v * np.cos(angle)
    direction = rng.uniform(0, 2 * np.pi, n)
    dist = np.hypot(length, width) / 2 + rng.uniform(4, 40, n)
    ox, oy = cx + dist * np.cos(direction), cy + dist * np.sin(direction)
    return np.where(inside, ix, ox), np.where(inside, iy, oy)


def _round7(values: np.ndarray) -> np.ndarray:
    """Exactly the doubles a reader parses back from the CSV's 7-decimal text."""
    return np.char.mod("%.7f", values).astype(float)


def _within(geoms: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index of the single polygon strictly containing each point, -1 if none (vectorised STRtree query)."""
    inp, idx = shapely.STRtree(geoms).query(shapely.points(lon, lat), predicate="within")
    result = np.full(len(lon), -1)
    result[inp] = idx
    result[np.bincount(inp, minlength=len(lon)) != 1] = -1
    return result


def place_cases(
    data: DistrictData, x: np.ndarray, y: np.ndarray, anchor: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 lon/lat (7 decimals) with the grid and building containing them.

    A point that fell outside the district (or exactly on a grid edge) moves to its anchor building's centre."""
    lon, lat = (_round7(a) for a in data.to_wgs84.transform(x, y))
    grid = _within(data.grids.geometry.values, lon, lat)
    bad = grid < 0
    if bad.any():
        frame = data.building_frame.iloc[anchor[bad]]
        blon, blat = data.to_wgs84.transform(frame["cx"].to_numpy(), frame["cy"].to_numpy())
        lon[bad], lat[bad] = _round7(blon), _round7(blat)
        grid = _within(data.grids.geometry.values, lon, lat)
    if (grid < 0).any():
        raise RuntimeError("a case lies outside every grid")
    return lon, lat, grid, _within(data.buildings.geometry.values, lon, lat)


def addresses(
    rng: np.random.Generator,
    data: DistrictData,
    lon: np.ndarray,
    lat: np.ndarray,
    building: np.ndarray,
    spot: np.ndarray,
    spots: pd.DataFrame,
) -> np.ndarray:
    """The containing building's address, else '<road><number>号附近' of the nearest building; some hotspot
    cases are addressed by the market or site itself ('新华农贸市场东门')."""
    address = data.buildings["address"].to_numpy().astype(object)
    result = np.empty(len(lon), dtype=object)
    inside = building >= 0
    result[inside] = address[building[inside]]
    if data.exact_nearest:
        near = _nearest(shapely.STRtree(data.buildings.geometry.values), lon[~inside], lat[~inside], NEAR_DEGREES)
    else:
        near = _nearest_centre(data, lon[~inside], lat[~inside])
    result[~inside] = np.array([a.split("号")[0] + "号附近" for a in address], dtype=object)[near]
    kinds = np.where(spot >= 0, spots["kind"].to_numpy()[np.maximum(spot, 0)], "")
    named = np.isin(kinds, ["market", "site"]) & (rng.random(len(lon)) < 0.4)
    sides = rng.choice(["东门", "西门", "南侧", "北侧", "门口", "周边"], len(lon))
    spot_names = spots["name"].to_numpy()
    result[named] = [f"{spot_names[s]}{side}" for s, side in zip(spot[named], sides[named])]
    return result


#: ~100 m in degrees: where the building nearest a case outside every footprint almost always lies.
NEAR_DEGREES = 0.001


def _nearest_centre(data: DistrictData, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index of the building whose centre is nearest each point (degrees, longitude shrunk by the latitude)."""
    centres = shapely.get_coordinates(shapely.centroid(data.buildings.geometry.values))
    shrink = np.cos(np.radians(np.mean(centres[:, 1])))
    tree = cKDTree(centres * [shrink, 1.0])
    return tree.query(np.column_stack([lon * shrink, lat]))[1]


# ------------------------------------------------------------------------------------------- the closed loop

COMMUNITY, LEAD, LEADER, REJECTED = 0, 1, 2, -1
TIER_CODES = {
    COMMUNITY: Tier.COMMUNITY.value,
    LEAD: Tier.LEAD_DEPARTMENT.value,
    LEADER: Tier.DISTRICT_LEADER.value,
}


def plan_tiers(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    """Triage: ~1.5 % rejected; facility problems always go to their owner, simple events stay in the community,
    problems with co-departments are now and then led by a deputy district head."""
    n = len(cat)
    owner = _cat_attr("routing_rule")[cat] == "owner"
    has_co = np.array([bool(c.co) for c in CATEGORIES])[cat]
    p_community = np.where(owner, 0.0, 0.55)
    p_leader = np.where(has_co, 0.085, 0.03)
    u = rng.random(n)
    tier = np.where(u < p_community, COMMUNITY, np.where(u < p_community + p_leader, LEADER, LEAD))
    return np.where(rng.random(n) < 0.015, REJECTED, tier)


def plan_dispatches(rng: np.random.Generator, cat: np.ndarray, tier: np.ndarray) -> pd.DataFrame:
    """One lead row per whistled case, plus co-departments: 1–3 for district-leader cases, 1 for a few others."""
    whistled = np.flatnonzero(tier >= LEAD)
    rows = [
        pd.DataFrame(
            {"case": whistled, "dept": _cat_attr("lead")[cat[whistled]], "role": DispatchRole.LEAD.value}
        )
    ]
    wants = np.where(
        tier == LEADER, rng.integers(1, 4, len(tier)), (tier == LEAD) & (rng.random(len(tier)) < 0.04)
    )
    co_cases, co_depts = [], []
    for i in np.flatnonzero(wants > 0):
        c = CATEGORIES[cat[i]]
        pool = list(c.co) or (["STREET"] if c.lead != "STREET" else ["CGJ"])
        for dept in rng.choice(pool, min(int(wants[i]), len(pool)), replace=False):
            co_cases.append(i)
            co_depts.append(str(dept))
    rows.append(pd.DataFrame({"case": co_cases, "dept": co_depts, "role": DispatchRole.CO.value}))
    return pd.concat(rows, ignore_index=True).sort_values(["case", "role"], kind="stable", ignore_index=True)


def _after_hours(rng: np.random.Generator, t: np.ndarray, share: float = 0.7) -> np.ndarray:
    """Most things arriving at night wait for the morning shift: next 08:00 local plus a few minutes."""
    local = t + LOCAL
    hour = (local % DAY) // HOUR
    night = ((hour < 8) | (hour >= 20)) & (rng.random(len(t)) < share)
    morning = local - local % DAY + 8 * HOUR + np.where(hour >= 20, DAY, 0) - LOCAL
    return np.where(night, morning + rng.integers(0, 40 * 60, len(t)), t)


def report_in_delays(rng: np.random.Generator, dept: np.ndarray, whistled: np.ndarray) -> np.ndarray:
    """Whistle → report-in per dispatch: log-normal per department, 2.5 x slower out of office hours (on-call
    staff), plus whistles forgotten for 15–40 h."""
    params = np.array([RESPONSE.get(d, DEFAULT_RESPONSE) for d in dept])
    local = whistled + LOCAL
    weekday = ((local // DAY) + 3) % 7
    hour = (local % DAY) // HOUR
    off_hours = np.where((weekday >= 5) | (hour < 8) | (hour >= 18), 2.5, 1.0)
    median = params[:, 0] * 60 * off_hours
    delay = np.round(median * np.exp(rng.normal(0, 1, len(dept)) * params[:, 1])).astype(np.int64)
    forgotten = rng.random(len(dept)) < params[:, 2]
    return np.maximum(60, np.where(forgotten, rng.integers(15 * HOUR, 40 * HOUR, len(dept)), delay))


def plan_ratings(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether the resident will rate (75 %), the rating (85/10/5 %) and the reworks it took (mostly for the
    unsatisfied, who send the case back)."""
    will_rate = rng.random(n) < 0.75
    rating = rng.choice(3, n, p=[0.85, 0.10, 0.05])
    unsatisfied = will_rate & (rating == 2)
    rework = np.where(
        unsatisfied,
        (rng.random(n) < 0.8) * rng.choice([1, 2], n, p=[0.7, 0.3]),
        (rng.random(n) < 0.03).astype(int),
    )
    return will_rate, rating, rework


def timeline(
    rng: np.random.Generator,
    cat: np.ndarray,
    tier: np.ndarray,
    reported: np.ndarray,
    disp: pd.DataFrame,
    rework: np.ndarray,
    long: np.ndarray,
) -> dict[str, np.ndarray]:
    """Every stage's time as if the case ran to its end; the snapshot then cuts it at END."""
    n = len(cat)
    limit = _cat_attr("limit_hours")[cat] * HOUR
    t = {"accepted": _after_hours(rng, reported + _lognormal(rng, 20 * 60, 0.9, n))}
    t["rejected"] = reported + _lognormal(rng, 3 * HOUR, 0.8, n)
    t["whistled"] = _after_hours(rng, t["accepted"] + _lognormal(rng, 40 * 60, 0.9, n))
    whistled = t["whistled"][disp["case"]]
    disp_rin = whistled + report_in_delays(rng, disp["dept"].to_numpy(), whistled)
    t["reported_in"] = np.full(n, NA, dtype=np.int64)
    np.maximum.at(t["reported_in"], disp["case"].to_numpy(), disp_rin)
    stuck = long * rng.integers(15 * DAY, 100 * DAY, n)  # deferred: the time-limit clock was paused
    handle = _lognormal(rng, limit * 0.35, 0.8, n) + stuck
    redo = rework * rng.integers(DAY, 4 * DAY, n)
    t["first_answer"] = t["reported_in"] + handle
    t["answered"] = t["first_answer"] + redo
    community_close = t["accepted"] + _lognormal(rng, limit * 0.35, 0.8, n) + redo + stuck
    verify = _lognormal(rng, 48 * HOUR, 1.0, n)  # the center checks on site and calls the reporter back
    t["closed"] = np.where(tier == COMMUNITY, community_close, t["answered"] + verify)
    t["rated"] = t["closed"] + _lognormal(rng, 8 * HOUR, 1.0, n)
    # The pause starts when the department has reported in (the community: accepted the case) and lasts
    # `stuck`; resuming moves the deadline by the pause (geo.usecases.case_actions resume), so a case resumed
    # before the snapshot carries its moved deadline, one still paused its first.
    paused_from = np.where(tier == COMMUNITY, t["accepted"], t["reported_in"])
    t["pause_end"] = np.where(long.astype(bool) & (paused_from >= 0), paused_from + stuck, NA)
    resumed = (t["pause_end"] >= 0) & (t["pause_end"] <= END)
    t["deadline"] = reported + limit.astype(np.int64) + np.where(resumed, stuck, 0)
    t["disp_reported_in"] = disp_rin
    return {k: np.where(v >= 0, v - v % 60, NA) for k, v in t.items()}  # platform clock: whole minutes


def snapshot(
    t: dict[str, np.ndarray],
    tier: np.ndarray,
    disp: pd.DataFrame,
    will_rate: np.ndarray,
    rating: np.ndarray,
    rework: np.ndarray,
    long: np.ndarray,
) -> dict[str, np.ndarray]:
    """Cut the timelines at END: stages not reached are empty and the status is the stage the case stands at."""
    n = len(tier)
    dept_tier = tier >= LEAD
    s = {k: np.where(v <= END, v, NA) for k, v in t.items() if k != "deadline"}
    s["deadline"] = t["deadline"]
    s["rejected"] = np.where(tier == REJECTED, s["rejected"], NA)
    for k in ("accepted", "closed"):
        s[k] = np.where(tier != REJECTED, s[k], NA)
    for k in ("whistled", "first_answer", "answered"):
        s[k] = np.where(dept_tier, s[k], NA)
    all_in = np.ones(n, dtype=bool)
    np.logical_and.at(all_in, disp["case"].to_numpy(), s["disp_reported_in"] >= 0)
    s["disp_reported_in"] = np.where(s["whistled"][disp["case"]] >= 0, s["disp_reported_in"], NA)
    s["reported_in"] = np.where(dept_tier & all_in & (s["whistled"] >= 0), s["reported_in"], NA)
    s["rated"] = np.where((s["closed"] >= 0) & will_rate, s["rated"], NA)
    status = _status(s, tier, rating, rework, long, t["pause_end"])
    reworking = status == Status.REWORK.value
    s["answered"] = np.where(reworking, s["first_answer"], s["answered"])
    s["status"] = status
    s["rating"] = np.where(s["rated"] >= 0, np.array([r.value for r in Rating])[rating], "")
    s["rework"] = np.where((s["closed"] >= 0) | reworking, rework, 0)
    return s


def _status(
    s: dict[str, np.ndarray], tier: np.ndarray, rating: np.ndarray, rework: np.ndarray, long: np.ndarray,
    t_pause_end: np.ndarray,
) -> np.ndarray:
    """The status at the snapshot, from the latest stage reached (first matching rule wins)."""
    rules = [
        (tier == REJECTED, np.where(s["rejected"] >= 0, Status.REJECTED.value, Status.REPORTED.value)),
        ((s["rated"] >= 0) & (rating < 2), Status.RATED.value),
        (s["closed"] >= 0, Status.CLOSED.value),
        ((rework > 0) & (s["first_answer"] >= 0), Status.REWORK.value),
        # paused at the snapshot: the pause began and has not ended (a case resumed since is back in the loop)
        (long.astype(bool) & (t_pause_end > END)
         & ((s["reported_in"] >= 0) | (tier == COMMUNITY) & (s["accepted"] >= 0)), Status.DEFERRED.value),
        (s["answered"] >= 0, Status.ANSWERED.value),
        (s["reported_in"] >= 0, Status.REPORTED_IN.value),
        (s["whistled"] >= 0, Status.WHISTLED.value),
        (s["accepted"] >= 0, Status.ACCEPTED.value),
    ]
    status = np.full(len(tier), Status.REPORTED.value, dtype=object)
    for condition, value in reversed(rules):
        status = np.where(condition, value, status)
    return status


def _iso(t: np.ndarray) -> np.ndarray:
    """UTC ISO 8601 with a Z, or empty where the stage was not reached."""
    text = np.char.add(np.datetime_as_string(t.astype("datetime64[s]"), unit="s"), "Z")
    return np.where(t >= 0, text, "")


def _utc(t: np.ndarray) -> pd.DatetimeIndex:
    """Aware UTC times, NaT where the stage was not reached (what a loader reads from the ISO text)."""
    return pd.DatetimeIndex(np.where(t >= 0, t, np.iinfo(np.int64).min).astype("datetime64[s]")).tz_localize("UTC")


def case_numbers(reported: np.ndarray, prefix: str = "HB") -> np.ndarray:
    """HB (``prefix``) + local date + 6-digit sequence of the day, e.g. HB20251101000123 (cases are sorted by
    time)."""
    day = (reported + LOCAL) // DAY
    seq = np.arange(len(day)) - np.searchsorted(day, day) + 1
    dates = np.char.replace(np.datetime_as_string(day.astype("datetime64[D]")), "-", "")
    return np.char.add(np.char.add(prefix, dates), np.char.zfill(seq.astype(str), 6))


def reporters(
    rng: np.random.Generator, source: np.ndarray, grid: np.ndarray, grids: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Grid members report as themselves; residents and deputies come from pools; cameras have no phone."""
    n = len(source)
    residents = np.array(person_names(rng, 6000))
    resident_phones = np.array(phone_numbers(rng, 6000))
    deputies = rng.choice(40, n)
    who = rng.integers(0, 6000, n)
    name = np.where(source == 0, grids["member_name"].to_numpy()[grid], residents[who])
    phone = np.where(source == 0, grids["member_phone"].to_numpy()[grid], resident_phones[who])
    name = np.where(source == 4, residents[deputies], name)
    phone = np.where(source == 4, resident_phones[deputies], phone)
    return np.where(source == 3, "视频巡查", name), np.where(source == 3, "", phone)


def descriptions(rng: np.random.Generator, cat: np.ndarray, source: np.ndarray) -> list[str]:
    """Short category-appropriate texts with a little variety."""
    options = [_TEMPLATES[c.name].split("|") for c in CATEGORIES]
    pick, suffix = rng.random(len(cat)), rng.integers(0, len(SUFFIXES), len(cat))
    return [
        ("视频巡查发现：" if s == 3 else "")
        + options[c][int(p * len(options[c]))]
        + ("" if s == 3 else SUFFIXES[x])
        for c, s, p, x in zip(cat, source, pick, suffix)
    ]


CASE_COLUMNS = [
    "number",
    "category_code",
    "description",
    "source",
    "reporter_name",
    "reporter_phone",
    "lon",
    "lat",
    "address",
    "grid_code",
    "building_code",
    "status",
    "tier",
    "reported_at",
    "accepted_at",
    "whistled_at",
    "reported_in_at",
    "answered_at",
    "closed_at",
    "rated_at",
    "rejected_at",
    "deadline",
    "rating",
    "rework_count",
    "reject_reason",
]


def generate_cases(data: DistrictData, as_text: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One year of cases and their dispatches, as the two CSV tables (columns as written); ``as_text=False``:
    times as aware datetimes instead of ISO text (a city's cases go to the database, never to a file)."""
    stamp = _iso if as_text else _utc
    seed = data.seed
    cat, source, reported = sample_when_what(_rng(seed, 1), data.n_cases)
    spots = planted_spots(data)
    x, y, anchor, spot = locate(_rng(seed, 3), cat, data.building_frame, spots)
    lon, lat, grid, building = place_cases(data, x, y, anchor)
    rng = _rng(seed, 4)
    tier = plan_tiers(rng, cat)
    disp = plan_dispatches(rng, cat, tier)
    will_rate, rating, rework = plan_ratings(rng, len(cat))
    long = (rng.random(len(cat)) < np.where(np.isin(_cat_attr("name")[cat], HARD), 0.45, 0.05)).astype(
        np.int64
    )
    s = snapshot(
        timeline(rng, cat, tier, reported, disp, rework, long), tier, disp, will_rate, rating, rework, long
    )
    s["reported"] = reported
    numbers = case_numbers(reported, data.number_prefix)
    name, phone = reporters(_rng(seed, 5), source, grid, data.grids)
    untriaged = (s["status"] == Status.REPORTED.value) | (tier == REJECTED)
    reasons = _rng(seed, 6).choice(REJECT_REASONS, len(cat))
    cases = pd.DataFrame(
        {
            "number": numbers,
            "category_code": _cat_attr("code")[cat],
            "description": descriptions(_rng(seed, 7), cat, source),
            "source": np.array([v.value for v in SOURCE_ORDER])[source],
            "reporter_name": name,
            "reporter_phone": phone,
            "lon": lon,
            "lat": lat,
            "address": addresses(_rng(seed, 8), data, lon, lat, building, spot, spots),
            "grid_code": data.grids["code"].to_numpy()[grid],
            "building_code": np.where(
                building >= 0, data.buildings["code"].to_numpy()[np.maximum(building, 0)], ""
            ),
            "status": s["status"],
            "tier": np.where(untriaged, "", np.array([TIER_CODES.get(int(v), "") for v in tier])),
            **{
                f"{k}_at": stamp(s[k])
                for k in (
                    "reported",
                    "accepted",
                    "whistled",
                    "reported_in",
                    "answered",
                    "closed",
                    "rated",
                    "rejected",
                )
            },
            "deadline": stamp(s["deadline"]),
            "rating": s["rating"],
            "rework_count": s["rework"].astype(int),
            "reject_reason": np.where(s["status"] == Status.REJECTED.value, reasons, ""),
        }
    )
    return cases[CASE_COLUMNS], dispatch_frame(disp, s, numbers, stamp)


def dispatch_frame(disp: pd.DataFrame, s: dict[str, np.ndarray], numbers: np.ndarray, stamp=_iso) -> pd.DataFrame:
    """Dispatch rows of the cases whistled before the snapshot; only the lead answers."""
    case = disp["case"].to_numpy()
    whistled = s["whistled"][case] >= 0
    lead = disp["role"].to_numpy() == DispatchRole.LEAD.value
    frame = pd.DataFrame(
        {
            "case_number": numbers[case],
            "department_code": disp["dept"].to_numpy(),
            "role": disp["role"].to_numpy(),
            "whistled_at": stamp(s["whistled"][case]),
            "reported_in_at": stamp(s["disp_reported_in"]),
            "answered_at": stamp(np.where(lead, s["answered"][case], NA)),
        }
    )
    return frame[whistled].reset_index(drop=True)
