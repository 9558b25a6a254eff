"""Scan ingestion (扫描上传): validate each item on its own, drop re-sends, fold the status.

One bad item never loses the good ones: every item gets its own answer (accepted, duplicate or
rejected with a reason code). Accepted scans are written and the parcels' states updated in the
caller's transaction, which commits before the answer is sent: an acknowledged scan survives a
crash. Flushes, never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from expressdesk.config import Settings
from expressdesk.enums import Product, ShipmentStatus
from expressdesk.models import User
from expressdesk.notify.outbox import StatusChange, on_status_changes
from expressdesk.problems.detect import AcceptedScan, ParcelAfter, from_scans
from expressdesk.tracking import repository
from expressdesk.tracking.checks import ScanResult, check_item, reject
from expressdesk.tracking.eta import estimate_after, promised_by
from expressdesk.tracking.repository import FacilityInfo, NetworkSnapshot
from expressdesk.tracking.rules import ScanFacts, TrackingState, fold, next_status, step
from expressdesk.tracking.scan_types import (
    DECLARATIONS,
    SCAN_RULES,
    STICKY_TERMINAL,
    TERMINAL,
    ScanType,
)
from expressdesk.tracking.schemas import ScanIn
from expressdesk.waybills.products import PRODUCTS
from expressdesk.waybills.repository import take_serials

SCAN_SEQUENCE = "scan_event"
# Scans that can reveal a problem (the rest only can through an anomaly).
REVEALING = frozenset(
    {
        ScanType.PROBLEM,
        ScanType.DELIVERY_FAILED,
        ScanType.ARRIVAL,
        ScanType.LINEHAUL_UNLOAD,
        ScanType.UNBAGGING,
    }
)
# Statuses that end the problems a delivery or a return settles.
ENDINGS = frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED})
ETA_EVENTS = frozenset(
    {
        ScanType.PICKUP,
        ScanType.ARRIVAL,
        ScanType.LINEHAUL_UNLOAD,
        ScanType.OUT_FOR_DELIVERY,
        ScanType.DELIVERY_FAILED,
    }
)


@dataclass
class _Candidate:
    index: int
    scan: ScanIn
    number: str
    facts: ScanFacts
    facility: FacilityInfo | None
    operator_id: int | None
    courier_id: int | None
    courier_name: str | None = None


@dataclass
class IngestReport:
    results: list[ScanResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


def _tiebreak(scan: ScanIn) -> str:
    seq = "" if scan.device_seq is None else f"{scan.device_seq:019d}"
    return f"{scan.device_id or ''}:{seq}:{scan.client_scan_id or ''}"


def state_of(row: Row[Any]) -> TrackingState:
    return TrackingState(
        status=row.status,
        sub_status=row.sub_status,
        reason=row.status_reason,
        status_at=row.status_at,
        facility_id=row.current_facility_id,
        last_key=row.last_event_key,
        last_event_at=row.last_event_at,
        attempts=row.attempts or 0,
        delivered_at=row.delivered_at,
        anomalies=row.anomaly_count or 0,
    )


def facts_of(row: Row[Any]) -> ScanFacts:
    """Rebuild the fold's view of a stored event (the stored sort key keeps its order)."""
    return ScanFacts(
        scan_type=ScanType(row.scan_type),
        event_time=row.event_time,
        facility_id=row.facility_id,
        tiebreak=row.sort_key.split("|", 2)[2],
        reason=row.reason,
        signer_type=row.signer_type,
        problem_code=row.problem_code,
        carrier=row.carrier,
        carrier_status=row.carrier_status,
    )


class ScanIngestor:
    """Ingests batches of scans; the network snapshot is loaded once per ingestor."""

    def __init__(
        self, session: Session, settings: Settings, network: NetworkSnapshot | None = None
    ) -> None:
        self.session = session
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self.network = network or repository.network_snapshot(session)
        # (waybill id, old estimate, new estimate) of this batch, for shippers' webhooks.
        self.eta_revisions: list[tuple[int, datetime | None, datetime]] = []

    def ingest(self, items: Sequence[Any], actor: User, now: datetime) -> IngestReport:
        """Answer every item; write the accepted ones and the parcels' new states.

        Fast path: a re-sent scan is identical to one already folded into its parcel, so its
        sort key is at most the parcel's last key; only such candidates are compared with the
        stored events (loaded for those parcels alone, which also re-fold when a genuinely late
        event arrives). If a scan id nevertheless collides in the database (a device re-using an
        id for another parcel at the same instant), the batch is redone with a global look-up.
        """
        try:
            with self.session.begin_nested():
                return self._ingest(items, actor, now, strict=False)
        except IntegrityError:
            with self.session.begin_nested():
                return self._ingest(items, actor, now, strict=True)

    def _ingest(
        self, items: Sequence[Any], actor: User, now: datetime, *, strict: bool
    ) -> IngestReport:
        results: dict[int, ScanResult] = {}
        parsed: list[tuple[int, ScanIn, str]] = []
        for index, item in enumerate(items):
            result, scan, number = check_item(
                index, item, now, self.network, self.settings.waybill_prefix
            )
            if result is not None:
                results[index] = result
            else:
                assert scan is not None
                parsed.append((index, scan, number))
        parsed = self._drop_repeats(parsed, results, strict)
        people = repository.users_by_username(
            self.session,
            [s.courier for _, s, _ in parsed if s.courier]
            + [s.operator for _, s, _ in parsed if s.operator],
        )
        states = repository.waybill_states(self.session, sorted({n for _, _, n in parsed}))
        by_waybill: dict[int, list[_Candidate]] = defaultdict(list)
        waybills: dict[int, Row[Any]] = {}
        for index, scan, number in parsed:
            candidate_or_result = self._candidate(index, scan, number, states, people, actor)
            if isinstance(candidate_or_result, ScanResult):
                results[index] = candidate_or_result
            else:
                waybill = states[number]
                waybills[waybill.id] = waybill
                by_waybill[waybill.id].append(candidate_or_result)

        # Parcels receiving an event that sorts before their last one: re-sent or late.
        behind = {
            wid
            for wid, cs in by_waybill.items()
            if waybills[wid].last_event_key is not None
            and min(c.facts.sort_key for c in cs) <= waybills[wid].last_event_key
        }
        stored: dict[int, list[Row[Any]]] = defaultdict(list)
        for row in repository.events_of_waybills(self.session, [waybills[w] for w in behind]):
            stored[row.waybill_id].append(row)

        rows: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        anomaly_changes: list[dict[str, Any]] = []
        plans: list[tuple[Row[Any], list[_Candidate], bool]] = []
        revealing: list[AcceptedScan] = []
        parcels: dict[int, ParcelAfter] = {}
        changes: list[StatusChange] = []
        for wid, candidates in by_waybill.items():
            waybill = waybills[wid]
            if wid in behind:
                candidates = self._drop_stored(candidates, stored[wid], results)
            candidates.sort(key=lambda c: c.facts.sort_key)
            kept = self._check_declarations(waybill, candidates, results)
            if kept:
                last = waybill.last_event_key
                plans.append((waybill, kept, last is not None and kept[0].facts.sort_key <= last))
        total = sum(len(kept) for _, kept, _ in plans)
        serials = iter(take_serials(self.session, total, SCAN_SEQUENCE)) if total else iter(())
        steps: list[StatusChange] = []
        for waybill, candidates, refold in plans:
            anomalies: dict[int, str | None]
            if refold:
                old = [(row, facts_of(row)) for row in stored[waybill.id]]
                state, timeline = fold([f for _, f in old] + [c.facts for c in candidates])
                by_fact = {id(f): a for f, a in timeline}
                for row, facts in old:
                    anomaly = by_fact[id(facts)]
                    if anomaly != row.anomaly:
                        anomaly_changes.append(
                            {"b_id": row.id, "b_time": row.event_time, "b_anomaly": anomaly}
                        )
                anomalies = {c.index: by_fact[id(c.facts)] for c in candidates}
                relevant = [f for f, a in timeline if a is None]
            else:
                state = state_of(waybill)
                anomalies = {}
                for c in candidates:
                    before = state.status
                    state, anomaly = step(state, c.facts)
                    anomalies[c.index] = anomaly
                    if state.status != before:  # each step of the life, for shippers' webhooks
                        steps.append(self._change(waybill, before, state.status, c))
                relevant = [c.facts for c in candidates if anomalies[c.index] is None]
            reveals = False
            for c in candidates:
                anomaly = anomalies[c.index]
                rows.append(self._event_row(next(serials), waybill.id, c, anomaly, now))
                if anomaly is not None or c.scan.type in REVEALING:
                    revealing.append(self._accepted(waybill.id, c, anomaly))
                    reveals = True
                results[c.index] = ScanResult(
                    index=c.index,
                    outcome="accepted",
                    client_scan_id=c.scan.client_scan_id,
                    anomaly=anomaly,
                )
            ended_now = state.status in ENDINGS and state.status != waybill.status
            if reveals or ended_now:  # only these concern the problem desk (a hot path)
                parcels[waybill.id] = ParcelAfter(
                    waybill.id,
                    state.status,
                    state.attempts,
                    waybill.dest_facility_id,
                    waybill.dest_area_id,
                    ended_now,
                )
            if steps:
                changes.extend(replace(s, final=False) for s in steps[:-1])
                changes.append(steps[-1])
            elif state.status != waybill.status:  # re-folded: only the outcome is known
                cause = next(
                    (c for c in reversed(candidates) if anomalies.get(c.index) is None),
                    candidates[-1],
                )
                changes.append(
                    self._change(waybill, ShipmentStatus(waybill.status), state.status, cause)
                )
            steps.clear()
            updates.append(self._state_row(waybill, state, relevant))
        repository.insert_events(self.session, rows)
        repository.update_anomalies(self.session, anomaly_changes)
        repository.update_states(self.session, updates)
        from_scans(self.session, revealing, parcels, now, self.settings)
        # Recipients and shippers' webhooks hear about it in the same transaction (the outbox).
        on_status_changes(self.session, changes, now, self.settings)
        if self.eta_revisions:
            from expressdesk.notify.events import on_eta_revised

            on_eta_revised(self.session, self.eta_revisions, now, self.settings)
            self.eta_revisions = []
        return IngestReport([results[i] for i in range(len(items))])

    @staticmethod
    def _change(
        waybill: Row[Any], old: ShipmentStatus, new: ShipmentStatus, cause: _Candidate
    ) -> StatusChange:
        """What the recipient and the shipper are told, and the scan that caused it."""
        scan = cause.scan
        return StatusChange(
            waybill_id=waybill.id,
            old=ShipmentStatus(old),
            new=new,
            at=scan.time,
            courier_id=cause.courier_id,
            courier_phone=scan.courier_phone,
            facility_id=cause.facility.id if cause.facility else None,
            courier_name=cause.courier_name,
            facility_name=cause.facility.name if cause.facility else None,
            pickup_code=scan.pickup_code,
            signer_type=scan.signer_type.value if scan.signer_type else None,
            reason=scan.reason,
        )

    def _drop_repeats(
        self, parsed: list[tuple[int, ScanIn, str]], results: dict[int, ScanResult], strict: bool
    ) -> list[tuple[int, ScanIn, str]]:
        """Repeats inside the batch are duplicates; in strict mode, so is any scan whose client
        id or device sequence is already stored for any parcel."""
        known_ids: set[str] = set()
        known_seqs: set[tuple[str, int]] = set()
        if strict:
            known_ids = repository.existing_client_ids(
                self.session, [s.client_scan_id for _, s, _ in parsed if s.client_scan_id]
            )
            known_seqs = repository.existing_device_seqs(
                self.session,
                [
                    (s.device_id, s.device_seq)
                    for _, s, _ in parsed
                    if s.device_id and s.device_seq is not None
                ],
            )
        kept = []
        for index, scan, number in parsed:
            seq = (
                (scan.device_id, scan.device_seq)
                if scan.device_id and scan.device_seq is not None
                else None
            )
            if (scan.client_scan_id and scan.client_scan_id in known_ids) or (
                seq and seq in known_seqs
            ):
                results[index] = ScanResult(
                    index=index, outcome="duplicate", client_scan_id=scan.client_scan_id
                )
                continue
            if scan.client_scan_id:
                known_ids.add(scan.client_scan_id)
            if seq:
                known_seqs.add(seq)
            kept.append((index, scan, number))
        return kept

    @staticmethod
    def _drop_stored(
        candidates: list[_Candidate], stored: list[Row[Any]], results: dict[int, ScanResult]
    ) -> list[_Candidate]:
        """Candidates already stored for this parcel (same client id or device sequence)."""
        ids = {r.client_scan_id for r in stored if r.client_scan_id}
        seqs = {(r.device_id, r.device_seq) for r in stored if r.device_id}
        kept = []
        for c in candidates:
            scan = c.scan
            if (scan.client_scan_id and scan.client_scan_id in ids) or (
                scan.device_id and (scan.device_id, scan.device_seq) in seqs
            ):
                results[c.index] = ScanResult(
                    index=c.index, outcome="duplicate", client_scan_id=scan.client_scan_id
                )
            else:
                kept.append(c)
        return kept

    # -- item checks -------------------------------------------------------------------------

    def _candidate(
        self,
        index: int,
        scan: ScanIn,
        number: str,
        states: dict[str, Row[Any]],
        people: dict[str, repository.Person],
        actor: User,
    ) -> _Candidate | ScanResult:
        waybill = states.get(number)
        if waybill is None:
            return reject(
                index, scan.client_scan_id, "unknown_waybill", f"waybill: no waybill {number}"
            )
        if scan.time < waybill.created_at - repository.EARLIEST_BEFORE_ORDER:
            return reject(
                index,
                scan.client_scan_id,
                "time_before_order",
                "time: more than 7 days before the order was created",
            )
        courier_id = courier_name = None
        if scan.courier:
            found = people.get(scan.courier)
            if found is None or found.role != "courier":
                return reject(
                    index,
                    scan.client_scan_id,
                    "unknown_courier",
                    f"courier: '{scan.courier}' is not a courier",
                )
            courier_id, courier_name = found.id, found.name
        operator_id = actor.id
        if scan.operator:
            found = people.get(scan.operator)
            if found is None:
                return reject(
                    index,
                    scan.client_scan_id,
                    "unknown_operator",
                    f"operator: no user '{scan.operator}'",
                )
            operator_id = found.id
        facility = self.network.by_code.get(scan.facility) if scan.facility else None
        facts = ScanFacts(
            scan_type=scan.type,
            event_time=scan.time.astimezone(UTC),
            facility_id=facility.id if facility else None,
            tiebreak=_tiebreak(scan),
            reason=scan.reason,
            signer_type=scan.signer_type.value if scan.signer_type else None,
            problem_code=scan.problem_code,
            carrier=scan.carrier,
            carrier_status=scan.carrier_status,
        )
        return _Candidate(
            index, scan, number, facts, facility, operator_id, courier_id, courier_name
        )

    def _check_declarations(
        self, waybill: Row[Any], candidates: list[_Candidate], results: dict[int, ScanResult]
    ) -> list[_Candidate]:
        """Refuse declarations that cannot apply: a parcel that ended cannot end again, and a
        parcel that was picked up cannot be cancelled."""
        status = waybill.status
        kept = []
        for c in candidates:
            kind = c.scan.type
            if (
                kind in DECLARATIONS
                and status in TERMINAL
                and not (status is ShipmentStatus.LOST and kind is not ScanType.DECLARED_LOST)
            ):
                results[c.index] = reject(
                    c.index,
                    c.scan.client_scan_id,
                    "illegal_for_terminal",
                    f"type: the parcel is already {status.value}",
                )
                continue
            if kind is ScanType.CANCELLED and status is not ShipmentStatus.CREATED:
                results[c.index] = reject(
                    c.index,
                    c.scan.client_scan_id,
                    "cannot_cancel_after_pickup",
                    f"type: the parcel is already {status.value}",
                )
                continue
            if status not in STICKY_TERMINAL:
                status = next_status(status, SCAN_RULES[kind].status) or status
            kept.append(c)
        return kept

    @staticmethod
    def _accepted(waybill_id: int, c: _Candidate, anomaly: str | None) -> AcceptedScan:
        return AcceptedScan(
            waybill_id=waybill_id,
            scan_type=c.scan.type,
            reason=c.scan.reason,
            problem_code=c.scan.problem_code,
            anomaly=anomaly,
            facility=c.facility,
            courier_id=c.courier_id,
            operator_id=c.operator_id,
            note=c.scan.note,
        )

    # -- rows --------------------------------------------------------------------------------

    def _event_row(
        self, event_id: int, waybill_id: int, c: _Candidate, anomaly: str | None, now: datetime
    ) -> tuple[Any, ...]:
        """The stored row, in ``repository.EVENT_COLUMNS`` order."""
        scan = c.scan
        offset = scan.time.utcoffset()
        return (
            event_id,
            c.facts.event_time,
            waybill_id,
            scan.type.value,
            int(offset.total_seconds() // 60) if offset is not None else 0,
            now,
            c.facts.sort_key,
            c.facility.id if c.facility else None,
            c.operator_id,
            c.courier_id,
            scan.courier_phone,
            scan.device_id,
            scan.device_seq,
            scan.client_scan_id,
            int(scan.weight_kg * 1000) if scan.weight_kg is not None else None,
            scan.reason,
            scan.signer_type.value if scan.signer_type else None,
            scan.signer_name,
            scan.pickup_code,
            scan.problem_code,
            scan.carrier.upper() if scan.carrier else None,
            scan.carrier_status,
            scan.note,
            anomaly,
        )

    def _state_row(
        self, waybill: Row[Any], state: TrackingState, relevant: list[ScanFacts]
    ) -> tuple[Any, ...]:
        picked_up_at = waybill.picked_up_at
        promise = waybill.promised_by
        arrived = waybill.dest_arrived_at
        dest_id = waybill.dest_facility_id
        for facts in relevant:
            if (
                dest_id is not None
                and facts.facility_id == dest_id
                and facts.scan_type in (ScanType.ARRIVAL, ScanType.LINEHAUL_UNLOAD)
                and (arrived is None or facts.event_time < arrived)
            ):
                arrived = facts.event_time
            if facts.scan_type is ScanType.PICKUP and (
                picked_up_at is None or facts.event_time < picked_up_at
            ):
                picked_up_at = facts.event_time
                promise = promised_by(
                    facts.event_time, PRODUCTS[Product(waybill.product)].promise_hours
                )
        eta = waybill.estimated_delivery_at
        network = self.network
        dest = network.by_id.get(dest_id) if dest_id is not None else None
        # The latest event that tells where the parcel is sets the estimate.
        for facts in sorted(relevant, key=lambda f: f.sort_key, reverse=True):
            if facts.scan_type in ETA_EVENTS:
                here = network.by_id.get(facts.facility_id) if facts.facility_id else None
                revised = estimate_after(
                    facts.scan_type, facts.event_time, here, dest, network.planner, self.tz
                )
                if revised is not None:
                    eta = revised
                    break
        if eta is None and promise is not None:
            eta = promise
        if eta is not None and eta != waybill.estimated_delivery_at:
            self.eta_revisions.append((waybill.id, waybill.estimated_delivery_at, eta))
        # In repository.STATE_FIELDS order, then the id.
        return (
            state.status.value,
            state.sub_status,
            state.reason,
            state.status_at,
            state.facility_id,
            state.last_key,
            state.last_event_at,
            state.attempts,
            state.anomalies,
            state.delivered_at,
            picked_up_at,
            promise,
            eta,
            arrived,
            waybill.id,
        )


def ingest_scans(
    session: Session, items: Sequence[Any], actor: User, now: datetime, settings: Settings
) -> IngestReport:
    """Ingest one batch of scans (the API, the CLI import and the demo all come through here)."""
    return ScanIngestor(session, settings).ingest(items, actor, now)
