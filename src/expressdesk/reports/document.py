"""Each report as one document of blocks (key figures, tables, charts) in one language; the page,
the XLSX workbook and the PDF render the same document, so they never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from expressdesk.i18n import translations
from expressdesk.problems.rules import PARTY_NAMES, PROBLEM_KINDS, ProblemType, name_in
from expressdesk.reports import charts
from expressdesk.reports.data import (
    CUSTOMER_FIGURES,
    NATIONAL,
    PERIOD_FIGURES,
    CustomerReport,
    DeskReport,
    NetworkReport,
    PeriodReport,
)
from expressdesk.reports.figures import FIGURES, Kind
from expressdesk.reports.regions import region_label


def translator(locale: str) -> Any:
    return translations(locale).gettext


@dataclass(frozen=True)
class Cell:
    value: float | int | str | None
    kind: Kind | None = None  # None: text
    link: str | None = None
    flag: bool | None = None  # True: meets its target; False: misses it

    def text(self) -> str:
        return fmt(self.value, self.kind)


def fmt(value: float | int | str | None, kind: Kind | None) -> str:
    if value is None:
        return "—"
    if kind is None or isinstance(value, str):
        return str(value)
    if kind is Kind.RATE:
        share = float(value) * 100
        digits = 1 if share >= 10 or share == 0 else (2 if share >= 0.1 else 3)
        return f"{share:.{digits}f}%"
    if kind is Kind.MONEY:
        return f"¥{float(value) / 100:,.2f}"
    if kind in (Kind.HOURS, Kind.SCORE):
        return f"{float(value):,.1f}"
    return f"{int(value):,}"


@dataclass
class KeyFigure:
    key: str
    label: str
    value: Cell
    target: str = ""
    formula: str = ""


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Cell]]


@dataclass
class Chart:
    title: str
    png: bytes


@dataclass
class Document:
    kind: str  # customer, network, period, desk
    title: str
    subtitle: str
    as_of: str
    locale: str
    figures: list[KeyFigure] = field(default_factory=list)
    blocks: list[Table | Chart] = field(default_factory=list)
    filename: str = "report"


def _figure(key: str, value: float | int | None, locale: str) -> KeyFigure:
    f = FIGURES[key]
    target = ""
    flag = None
    if f.target is not None:
        sign = "≥" if f.target.at_least else "≤"
        target = f"{sign} {fmt(f.target.value, Kind.RATE)}"
        flag = f.target.met(value)
    return KeyFigure(key, f.label(locale), Cell(value, f.kind, flag=flag), target, f.formula)


def _cell(key: str, value: float | int | None, link: str | None = None) -> Cell:
    f = FIGURES[key]
    flag = f.target.met(value) if f.target is not None else None
    return Cell(value, f.kind, link, flag)


def _as_of(value: datetime | None, tz: ZoneInfo, locale: str) -> str:
    _ = translator(locale)
    if value is None:
        return str(_("No parcels in this period yet."))
    return str(_("Figures as of %(time)s") % {"time": f"{value.astimezone(tz):%Y-%m-%d %H:%M}"})


def _figure_row(keys: tuple[str, ...], figures: dict[str, float | None],
                link: str | None = None) -> list[Cell]:  # fmt: skip
    return [_cell(k, figures[k], link if k != "volume" else None) for k in keys]


def customer_document(r: CustomerReport, tz: ZoneInfo, locale: str) -> Document:
    _ = translator(locale)
    c = r.customer
    tier = _("Key account") if c.tier == "key" else _("Regular")
    doc = Document(
        "customer", _("Monthly report for %(name)s") % {"name": c.name},
        f"{c.code} · {r.period.name} · {tier}", _as_of(r.as_of, tz, locale), locale,
        filename=f"report-{c.code}-{r.period.name}",
    )  # fmt: skip
    for key in CUSTOMER_FIGURES:
        doc.figures.append(_figure(key, r.total.figures[key], locale))
    if r.previous_volume is not None:
        doc.figures.append(KeyFigure("previous", _("Volume the month before"),
                                     Cell(r.previous_volume, Kind.COUNT)))  # fmt: skip
    doc.blocks.append(
        Chart(
            _("Parcels picked up per day"),
            charts.bars(
                [f"{d:%d}" for d, _n in r.daily],
                [n for _d, n in r.daily],
                _("Parcels picked up per day"),
            ),
        )
    )
    top = r.by_province[:15]
    if top:
        doc.blocks.append(
            Chart(
                _("Volume by destination province"),
                charts.bars(
                    [line.label for line in top],
                    [int(line.counts["shipped"]) for line in top],
                    _("Volume by destination province"),
                    horizontal=True,
                ),
            )
        )
    keys = ("volume", "on_time_rate", "delivery_72h_rate")
    doc.blocks.append(
        Table(
            _("Volume by destination province"),
            [_("Province"), *(FIGURES[k].label(locale) for k in keys)],
            [[Cell(line.label), *_figure_row(keys, line.figures)] for line in r.by_province],
        )
    )
    doc.blocks.append(Table(
        _("Parcels picked up per day"), [_("Day"), FIGURES["volume"].label(locale)],
        [[Cell(f"{d:%Y-%m-%d}"), Cell(n, Kind.COUNT)] for d, n in r.daily],
    ))  # fmt: skip
    return doc


def network_document(r: NetworkReport, tz: ZoneInfo, locale: str) -> Document:
    _ = translator(locale)
    doc = Document("network", _("Network report: delivery against the national targets"),
                   r.period.name, _as_of(r.as_of, tz, locale), locale,
                   filename=f"network-{r.period.name}")  # fmt: skip
    base = f"/reports/network/parcels?month={r.period.name}"
    doc.figures.append(_figure("volume", r.total.figures["volume"], locale))
    for key in NATIONAL:
        doc.figures.append(_figure(key, r.total.figures[key], locale))
    months = [m.key for m in r.trend]
    series = []
    for key in NATIONAL:
        f = FIGURES[key]
        assert f.target is not None
        series.append((f.label(locale), [m.figures[key] for m in r.trend], f.target.value))
    doc.blocks.append(Chart(_("The national targets by month"),
                            charts.against_targets(months, series)))  # fmt: skip
    keys = ("volume", *NATIONAL)
    headers = [FIGURES[k].label(locale) for k in keys]
    doc.blocks.append(
        Table(
            _("By month"),
            [_("Month"), *headers],
            [[Cell(m.key), *_figure_row(keys, m.figures)] for m in r.trend],
        )
    )
    doc.blocks.append(Table(_("By origin outlet"), [_("Outlet"), *headers], [
        [Cell(line.label), *_figure_row(keys, line.figures, f"{base}&{line.link}")]
        for line in r.by_outlet
    ]))  # fmt: skip
    doc.blocks.append(Table(_("By route (origin → destination province)"), [_("Route"), *headers], [
        [Cell(line.label), *_figure_row(keys, line.figures, f"{base}&{line.link}")]
        for line in r.by_route
    ]))  # fmt: skip
    return doc


WEEKDAYS = {"zh": ("一", "二", "三", "四", "五", "六", "日"),
            "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}  # fmt: skip


def period_document(r: PeriodReport, tz: ZoneInfo, locale: str) -> Document:
    _ = translator(locale)
    title = _("Yearly report") if len(r.period.months()) == 12 else _("Quarterly report")
    doc = Document("period", title, r.period.name, _as_of(r.as_of, tz, locale), locale,
                   filename=f"period-{r.period.name}")  # fmt: skip
    for key in PERIOD_FIGURES:
        doc.figures.append(_figure(key, r.total.figures[key], locale))
    months = r.period.months()
    if r.trend:
        doc.blocks.append(Chart(_("Volume trend by region"), charts.lines(
            months, {region_label(k, locale): [v[m] for m in months] for k, v in r.trend.items()},
            _("Volume trend by region"))))  # fmt: skip
    days = WEEKDAYS["zh" if locale.startswith("zh") else "en"]
    doc.blocks.append(Chart(_("Peak seasons: volume by month and weekday"), charts.heat_map(
        months, days, r.heat, _("Peak seasons: volume by month and weekday"))))  # fmt: skip
    keys = PERIOD_FIGURES
    doc.blocks.append(Table(
        _("Region comparison"), [_("Region"), *(FIGURES[k].label(locale) for k in keys)],
        [[Cell(region_label(line.key, locale)), *_figure_row(keys, line.figures)]
         for line in r.regions],
    ))  # fmt: skip
    if r.regions:
        doc.blocks.append(
            Chart(
                _("Region comparison"),
                charts.bars(
                    [region_label(line.key, locale) for line in r.regions],
                    [int(line.counts["shipped"]) for line in r.regions],
                    _("Region comparison"),
                ),
            )
        )
    doc.blocks.append(Table(
        _("Volume trend by region"), [_("Region"), *months],
        [[Cell(region_label(k, locale)), *(Cell(v[m], Kind.COUNT) for m in months)]
         for k, v in r.trend.items()],
    ))  # fmt: skip
    return doc


def _problem_label(key: str, locale: str) -> str:
    try:
        kind = PROBLEM_KINDS[ProblemType(key)]
    except (ValueError, KeyError):
        return key
    return kind.name_zh if locale.startswith("zh") else kind.name_en


def desk_document(r: DeskReport, tz: ZoneInfo, locale: str) -> Document:
    _ = translator(locale)
    doc = Document("desk", _("Service desk report"), r.period.name, "", locale,
                   filename=f"desk-{r.period.name}")  # fmt: skip
    t = r.total
    doc.figures += [
        KeyFigure("received", _("Tickets received"), Cell(t.received, Kind.COUNT)),
        _figure("first_response_hours", t.first_response_hours, locale),
        _figure("resolution_hours", t.resolution_hours, locale),
        _figure("sla_compliance", t.sla_compliance, locale),
        _figure("complaints", r.complaints, locale),
        _figure("complaints_per_10k", r.complaints_per_10k, locale),
        KeyFigure("csat", FIGURES["csat"].label(locale), Cell(t.satisfaction.csat, Kind.SCORE),
                  _("%(n)s answers") % {"n": t.satisfaction.answers}),
        KeyFigure("nps", FIGURES["nps"].label(locale), Cell(t.satisfaction.nps, Kind.SCORE),
                  _("%(n)s answers") % {"n": t.satisfaction.answers}),
    ]  # fmt: skip
    headers = [_("Tickets received"), _("First responses"),
               FIGURES["first_response_hours"].label(locale), _("Resolved"),
               FIGURES["resolution_hours"].label(locale),
               FIGURES["sla_compliance"].label(locale), FIGURES["csat"].label(locale),
               FIGURES["nps"].label(locale), _("Answers")]  # fmt: skip

    def row(a: Any) -> list[Cell]:
        return [Cell(a.received, Kind.COUNT), Cell(a.first_responses, Kind.COUNT),
                Cell(a.first_response_hours, Kind.HOURS), Cell(a.resolutions, Kind.COUNT),
                Cell(a.resolution_hours, Kind.HOURS), _cell("sla_compliance", a.sla_compliance),
                Cell(a.satisfaction.csat, Kind.SCORE), Cell(a.satisfaction.nps, Kind.SCORE),
                Cell(a.satisfaction.answers, Kind.COUNT)]  # fmt: skip

    doc.blocks.append(
        Table(
            _("By agent"),
            [_("Agent"), _("Team"), *headers],
            [[Cell(a.label), Cell(a.team), *row(a)] for a in r.agents],
        )
    )
    doc.blocks.append(
        Table(_("By team"), [_("Team"), *headers], [[Cell(a.label), *row(a)] for a in r.teams])
    )
    if r.problems_by_type:
        labels = [_problem_label(k, locale) for k, _n in r.problems_by_type]
        doc.blocks.append(Chart(_("Problem shipments by type"), charts.bars(
            labels, [n for _k, n in r.problems_by_type], _("Problem shipments by type"),
            horizontal=True)))  # fmt: skip
    doc.blocks.append(Table(_("Problem shipments by type"), [_("Type"), _("Count")], [
        [Cell(_problem_label(k, locale)), Cell(n, Kind.COUNT)] for k, n in r.problems_by_type
    ]))  # fmt: skip
    doc.blocks.append(Table(_("Problem shipments by responsible party"), [_("Party"), _("Count")], [
        [Cell(name_in(PARTY_NAMES, k, locale)), Cell(n, Kind.COUNT)]
        for k, n in r.problems_by_party
    ]))  # fmt: skip
    return doc
