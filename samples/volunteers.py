"""The sample district's community forces, generated at load time from one seed (nothing committed): 2,815
volunteers (热心人, the published figure) over the 42 communities in proportion to their households, living
in their community's buildings; a year of tasks — patrols, campaigns, errands and tasks for community-tier
cases — with the volunteers on them and their points ledger, placed so the year ends when it is loaded; and
a few tasks open now in every community, so the phone page has something to sign up for.

Deterministic: the same seed, the same database and the same ``ends_at`` give the same rows. Written through
geo.usecases.volunteer_bulk.load_forces in one transaction. Scale: one street of the published report ran
138 tasks with 1,651 volunteer turns; here each community publishes about 20 a year.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.db.database import Database
from geo.domain.volunteer_points import PointsRule
from geo.domain.volunteers import Availability, LedgerKind, Skill, skills_for_category
from geo.read.volunteer_tasks import community_tier_cases
from geo.usecases.volunteer_bulk import ForcesData, load_forces
from samples.cases import person_names, phone_numbers
from samples.load import SAMPLE_DIR

SEED = 20261730
N_VOLUNTEERS = 2815
TASKS_PER_COMMUNITY = 20  # a year, besides the tasks for cases
CASE_TASKS_PER_COMMUNITY = 6
SURVEY_CRS = "EPSG:4545"  # fixed: the sample must not depend on GRIDGOV_METRIC_CRS
LOADED_BY = "gridgov load-sample"
SKILL_WEIGHTS = {Skill.PATROL: 25, Skill.MEDIATION: 15, Skill.ELDERLY_CARE: 15, Skill.ERRANDS: 12,
                 Skill.CLEANING: 10, Skill.PUBLICITY: 8, Skill.ELECTRICAL: 6, Skill.PLUMBING: 4, Skill.MEDICAL: 3,
                 Skill.LEGAL: 2}
#: kind → (share, headcount range, hours range, local start hours, [(title, skills)])
KINDS = {
    "patrol": (0.45, (2, 4), (1, 3), (9, 19, 20), [("夜间巡查飞线充电", "patrol;electrical"),
                                                   ("楼道堆物巡查", "patrol"), ("消防通道巡查", "patrol")]),
    "campaign": (0.2, (4, 12), (2, 4), (9, 14), [("环境清洁日", "cleaning"), ("政策宣传进楼栋", "publicity"),
                                                 ("义诊进社区", "medical"), ("睦邻集市志愿服务", "publicity;errands")]),
    "errand": (0.35, (1, 2), (1, 2), (9, 10, 14, 15), [("为独居老人代购生活用品", "errands;elderly_care"),
                                                       ("陪同老人就医", "elderly_care"),
                                                       ("帮办养老资格认证", "errands")]),
}
LOCAL = "Asia/Shanghai"  # the sample district's clock
REDEMPTIONS = ["大米一袋（5 kg）@ 社区积分超市", "食用油一桶 @ 惠民粮油店", "洗衣液两瓶 @ 社区积分超市",
               "理发一次 @ 阿杰理发店", "鸡蛋两斤 @ 新华菜市场"]


def load_sample_forces(db: Database, ends_at: datetime, sample_dir: Path = SAMPLE_DIR,
                       seed: int = SEED) -> dict[str, int]:
    """Generate the forces for the district already loaded in ``db`` (its year ending at ``ends_at``)."""
    with db.session() as session:
        cases = community_tier_cases(session, ends_at - timedelta(days=365))
    return load_forces(db, generate(cases, ends_at, sample_dir, seed), LOADED_BY)


def generate(cases: pd.DataFrame, ends_at: datetime, sample_dir: Path = SAMPLE_DIR, seed: int = SEED) -> ForcesData:
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(ends_at).floor("min")
    volunteers = _volunteers(rng, sample_dir, end)
    tasks = pd.concat([_own_tasks(rng, volunteers, end), _case_tasks(rng, cases, end)], ignore_index=True)
    tasks = _numbered(tasks.sort_values(["created_at", "community_code"], kind="stable").reset_index(drop=True))
    assignments = _assignments(rng, tasks, volunteers, end)
    tasks = _settled(tasks, assignments).drop(columns="latest_done")
    ledger = _ledger(rng, tasks, assignments, end)
    columns = ["community_code", "name", "phone", "skills", "availability", "lon", "lat", "grid_code",
               "placed_by", "joined_at"]
    return ForcesData(volunteers[columns], tasks, assignments, ledger)


def _volunteers(rng: np.random.Generator, sample_dir: Path, end: pd.Timestamp) -> pd.DataFrame:
    buildings = gpd.read_file(sample_dir / "district.gpkg", layer="buildings", engine="pyogrio")
    grids = gpd.read_file(sample_dir / "district.gpkg", layer="grids", engine="pyogrio", ignore_geometry=True)
    buildings["community_code"] = buildings["grid_code"].map(grids.set_index("code")["community_code"])
    weights = buildings["households"].astype(float).to_numpy() + 1.0
    home = rng.choice(len(buildings), size=N_VOLUNTEERS, p=weights / weights.sum())
    points = shapely.point_on_surface(buildings.geometry.to_numpy()[home])
    skills, kinds = list(SKILL_WEIGHTS), np.array(list(SKILL_WEIGHTS.values()), float)
    frame = pd.DataFrame({
        "community_code": buildings["community_code"].to_numpy()[home],
        "grid_code": buildings["grid_code"].to_numpy()[home],
        "name": person_names(rng, N_VOLUNTEERS), "phone": _unique_phones(rng, N_VOLUNTEERS),
        "skills": [";".join(str(s) for s in rng.choice(skills, size=rng.integers(1, 4), replace=False,
                                                       p=kinds / kinds.sum())) for _ in range(N_VOLUNTEERS)],
        "availability": [";".join(str(a) for a in rng.choice(list(Availability)[:3], size=rng.integers(1, 3),
                                                              replace=False)) if rng.random() > 0.2
                         else str(Availability.ANYTIME) for _ in range(N_VOLUNTEERS)],
        "lon": shapely.get_x(points).round(7), "lat": shapely.get_y(points).round(7), "placed_by": "home",
        "joined_at": end - pd.to_timedelta(rng.integers(400, 1100, N_VOLUNTEERS), unit="D")})
    x, y = Transformer.from_crs("EPSG:4326", SURVEY_CRS, always_xy=True).transform(frame["lon"], frame["lat"])
    return frame.assign(x=x, y=y).sort_values(["community_code", "joined_at", "phone"]).reset_index(drop=True)


def _unique_phones(rng: np.random.Generator, n: int) -> list[str]:
    phones: list[str] = []
    while len(phones) < n:
        phones = list(dict.fromkeys(phones + phone_numbers(rng, n)))[:n]
    return phones


def _own_tasks(rng: np.random.Generator, volunteers: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """About TASKS_PER_COMMUNITY a year per community at a volunteer's home (the place served), plus two
    upcoming ones per community open now."""
    rows = []
    for community, people in volunteers.groupby("community_code"):
        count = int(rng.poisson(TASKS_PER_COMMUNITY))
        ages = np.concatenate([rng.uniform(2, 365, count), rng.uniform(0.05, 1.5, 2)])
        for n, age in enumerate(ages):
            kind = str(rng.choice(list(KINDS), p=[k[0] for k in KINDS.values()]))
            _, heads, hours, start_hours, titles = KINDS[kind]
            title, skills = titles[rng.integers(len(titles))]
            at = people.iloc[rng.integers(len(people))]
            created = (end - pd.Timedelta(days=float(age))).floor("min")
            lead = pd.Timedelta(hours=float(rng.uniform(3, 60)))
            starts = _at_local_hour(created + lead if n < count else end + lead,  # the last two lie ahead
                                    int(rng.choice(start_hours)))
            rows.append({"community_code": community, "case_number": "", "kind": kind, "title": title,
                         "description": "", "lon": at["lon"], "lat": at["lat"], "address": "", "skills": skills,
                         "created_at": created, "starts_at": starts,
                         "ends_at": starts + pd.Timedelta(hours=int(rng.integers(hours[0], hours[1] + 1))),
                         "latest_done": pd.NaT, "headcount": int(rng.integers(heads[0], heads[1] + 1))})
    return pd.DataFrame(rows)


def _at_local_hour(moment: pd.Timestamp, hour: int) -> pd.Timestamp:
    """The first ``hour`` o'clock (district time) at or after ``moment``: patrols in the evening, errands in
    office hours — as a community would schedule them."""
    local = moment.tz_convert(LOCAL)
    start = local.normalize() + pd.Timedelta(hours=hour)
    return (start if start >= local else start + pd.Timedelta(days=1)).tz_convert("UTC")


def _case_tasks(rng: np.random.Generator, cases: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Tasks for community-tier cases: a few closed ones per community, inside the case's own span (done
    before the case closed), and one for each case still open at triage but the newest of each community
    (which waits for the community to publish it: the demo's first step)."""
    closed = cases[cases["closed_at"].notna() & (cases["closed_at"] > cases["accepted_at"])]
    picked = closed.sample(frac=1.0, random_state=int(rng.integers(1 << 31))).groupby("community_code").head(
        CASE_TASKS_PER_COMMUNITY)
    span = picked["closed_at"] - picked["accepted_at"]
    done = pd.DataFrame({"created_at": picked["accepted_at"] + span * 0.05,
                         "starts_at": picked["accepted_at"] + span * 0.1, "ends_at": picked["accepted_at"] + span * 0.6,
                         "latest_done": picked["accepted_at"] + span * 0.8})
    accepted = cases[cases["status"] == "accepted"].sort_values(["accepted_at", "number"])
    open_ = accepted[accepted.duplicated("community_code", keep="last")]  # each community's newest waits
    starts = _at_local_hour(end + pd.Timedelta(hours=12), 9)
    waiting = pd.DataFrame({"created_at": end - pd.Timedelta(hours=6), "starts_at": starts,
                            "ends_at": starts + pd.Timedelta(hours=2), "latest_done": pd.NaT}, index=open_.index)
    both, times = pd.concat([picked, open_]), pd.concat([done, waiting])
    return pd.DataFrame({
        "community_code": both["community_code"], "case_number": both["number"], "kind": "case",
        "title": "协助处置：" + both["category"].fillna(""), "description": "", "lon": both["lon"], "lat": both["lat"],
        "address": both["address"].fillna(""),
        "skills": [";".join(skills_for_category(c, k)) for c, k in zip(both["category_code"], both["class_code"])],
        "created_at": times["created_at"].dt.floor("min"), "starts_at": times["starts_at"].dt.floor("min"),
        "ends_at": times["ends_at"].dt.ceil("min"), "latest_done": pd.to_datetime(times["latest_done"], utc=True),
        "headcount": rng.integers(1, 4, len(both))}).reset_index(drop=True)


def _numbered(tasks: pd.DataFrame) -> pd.DataFrame:
    """VT + local date of publication + a sequence per day, as geo.usecases.volunteer_tasks numbers them."""
    day = tasks["created_at"].dt.tz_convert(LOCAL).dt.strftime("%Y%m%d")
    sequence = tasks.groupby(day).cumcount() + 1
    return tasks.assign(number="VT" + day + sequence.map("{:06d}".format), created_by="sample:community")


def _assignments(rng: np.random.Generator, tasks: pd.DataFrame, volunteers: pd.DataFrame,
                 end: pd.Timestamp) -> pd.DataFrame:
    """The volunteers on each task: the community's nearest with a fitting skill first (with some chance),
    answering a few hours after publication; past tasks done, future ones partly staffed."""
    project = Transformer.from_crs("EPSG:4326", SURVEY_CRS, always_xy=True)
    tx, ty = project.transform(tasks["lon"].to_numpy(float), tasks["lat"].to_numpy(float))
    by_community = {c: g for c, g in volunteers.groupby("community_code")}
    rows = []
    for i, task in enumerate(tasks.itertuples(index=False)):
        people = by_community[task.community_code]
        people = people[people["joined_at"] < task.created_at]
        fits = people["skills"].map(lambda s, need=set(task.skills.split(";")): bool(need & set(s.split(";"))))
        score = -np.hypot(people["x"] - tx[i], people["y"] - ty[i]) / 800 + fits * 1.5 + rng.gumbel(size=len(people))
        upcoming = task.ends_at > end
        heads = task.headcount if not upcoming else int(rng.integers(0, task.headcount))
        chosen = people.iloc[np.argsort(-score.to_numpy(), kind="stable")[:heads]]
        answered = task.created_at + pd.to_timedelta(np.sort(rng.exponential(3.0, len(chosen))), unit="h")
        latest = min(task.ends_at + pd.Timedelta(minutes=90) if pd.isna(task.latest_done) else task.latest_done,
                     end - pd.Timedelta(minutes=1))
        for phone, at in zip(chosen["phone"], answered):
            at = max(min(at, task.starts_at, end - pd.Timedelta(minutes=1)).floor("min"), task.created_at)
            since = min(max(task.ends_at, at), latest)
            finished = since + (latest - since) * rng.uniform(0.0, 1.0)
            rows.append({"task_number": task.number, "phone": phone, "assigned_at": at,
                         "assigned_by": "sign_up" if rng.random() < 0.4 else "community",
                         "actor": "sample:community", "status": "active" if upcoming else "done",
                         "done_at": pd.NaT if upcoming else max(finished.floor("min"), at), "note": ""})
    frame = pd.DataFrame(rows)
    frame["done_at"] = pd.to_datetime(frame["done_at"], utc=True)
    return frame


def _settled(tasks: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """A task whose window has passed is done when its volunteers are (its last one's time)."""
    last = assignments.groupby("task_number")["done_at"].max()
    done_at = tasks["number"].map(last)
    status = np.where(done_at.notna(), "done", "open")
    return tasks.assign(status=status, done_at=done_at)


def _ledger(rng: np.random.Generator, tasks: pd.DataFrame, assignments: pd.DataFrame,
            end: pd.Timestamp) -> pd.DataFrame:
    """A credit per done assignment by the default rule, in time order; now and then the volunteer redeems
    part of the balance two hours later at a local shop (never more than the balance)."""
    rule = PointsRule()
    window = tasks.set_index("number")[["starts_at", "ends_at"]]
    done = assignments[assignments["status"] == "done"].sort_values(["done_at", "task_number", "phone"])
    rows, balance = [], {}
    for a in done.itertuples(index=False):
        starts, ends = window.loc[a.task_number]
        points = rule.points_for(starts.to_pydatetime(), ends.to_pydatetime(), False)
        rows.append({"phone": a.phone, "at": a.done_at, "kind": str(LedgerKind.TASK), "points": points,
                     "task_number": a.task_number, "assigned": True, "actor": "sample:volunteer", "role": "volunteer",
                     "note": f"base={rule.base} per_hour={rule.per_hour}"})
        balance[a.phone] = balance.get(a.phone, 0) + points
        redeem_at = a.done_at + pd.Timedelta(hours=2)
        if balance[a.phone] >= 40 and rng.random() < 0.3 and redeem_at < end:
            spent = int(min(balance[a.phone], rng.choice([20, 30, 50])))
            balance[a.phone] -= spent
            rows.append({"phone": a.phone, "at": redeem_at, "kind": str(LedgerKind.REDEEM), "points": -spent,
                         "task_number": "", "assigned": False, "actor": "sample:community", "role": "community",
                         "note": str(rng.choice(REDEMPTIONS))})
    return pd.DataFrame(rows)
