"""Every table, imported here so Alembic and the tests see the whole schema."""

from expressdesk.models.customers import (
    AddressBookEntry,
    Customer,
    CustomerContact,
    CustomerNote,
    SurveyResponse,
)
from expressdesk.models.desk import (
    Callback,
    Claim,
    DeskDay,
    DeskRuleValue,
    Search,
    SearchStep,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketWaybill,
)
from expressdesk.models.network import (
    DeliveryArea,
    Facility,
    LinehaulRoute,
    RouteSchedule,
    delivery_area_couriers,
)
from expressdesk.models.notify import (
    DeliveryAttempt,
    NotificationTemplate,
    OptOut,
    OutboxMessage,
    WebhookSubscription,
)
from expressdesk.models.pickups import Pickup
from expressdesk.models.problems import OutletMessage, Problem, ProblemAction, ProblemPhoto
from expressdesk.models.reports import DailyStat, ReportMailing, RollupDay
from expressdesk.models.staff import ApiToken, User, WebSession
from expressdesk.models.tracking import ScanEvent
from expressdesk.models.waybills import (
    NumberSequence,
    RateCard,
    RateCardPrice,
    Waybill,
    ZoneRule,
)

__all__ = [
    "AddressBookEntry",
    "ApiToken",
    "Callback",
    "Claim",
    "Customer",
    "CustomerContact",
    "CustomerNote",
    "DailyStat",
    "DeliveryArea",
    "DeliveryAttempt",
    "DeskDay",
    "DeskRuleValue",
    "Facility",
    "LinehaulRoute",
    "NotificationTemplate",
    "NumberSequence",
    "OptOut",
    "OutboxMessage",
    "OutletMessage",
    "Pickup",
    "Problem",
    "ProblemAction",
    "ProblemPhoto",
    "RateCard",
    "RateCardPrice",
    "ReportMailing",
    "RollupDay",
    "RouteSchedule",
    "ScanEvent",
    "Search",
    "SearchStep",
    "SurveyResponse",
    "Ticket",
    "TicketAttachment",
    "TicketEntry",
    "TicketWaybill",
    "User",
    "Waybill",
    "WebSession",
    "WebhookSubscription",
    "ZoneRule",
    "delivery_area_couriers",
]
