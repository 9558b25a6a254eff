"""Every table, imported here so Alembic and the tests see the whole schema."""

from expressdesk.models.customers import Customer, CustomerContact, SurveyResponse
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
from expressdesk.models.problems import OutletMessage, Problem, ProblemAction, ProblemPhoto
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
    "ApiToken",
    "Callback",
    "Claim",
    "Customer",
    "CustomerContact",
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
    "Problem",
    "ProblemAction",
    "ProblemPhoto",
    "RateCard",
    "RateCardPrice",
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
