"""SQLAlchemy models. Import from here so every table is registered on `Base.metadata`."""

from .account_event import AccountEvent
from .apology import ApologySlip, LateMark
from .attachment import Attachment, Draft, Rating
from .base import Base, utcnow
from .calendar_day import CalendarDay
from .delivery import PortalUpdate, SentMessage, Shipment
from .document_store import StoredDocument
from .dossier import Dossier, DossierCodeCounter
from .duty_lease import DutyLease
from .event import Event
from .job import Incident, Job, JobKind, Timer
from .message import Message, MessageWait
from .paper_copy import PaperCopy
from .payment import Payment, PaymentNotice, Refund
from .procedure import Procedure, ProcedureVersion
from .register import RegisterCounter, RegisterEntry
from .reminder import SlaReminder
from .seal import AuditSeal, SealLeaf
from .signing_grant import SigningGrant
from .task import HumanTask
from .user import ApiToken, Delegation, User, UserRole

__all__ = [
    "Attachment", "Draft", "Rating", "ApiToken", "Delegation", "Base", "utcnow", "CalendarDay", "Dossier", "DossierCodeCounter", "Event", "Incident",
    "Job", "JobKind", "Timer", "Procedure", "ProcedureVersion", "HumanTask", "SigningGrant", "User", "UserRole",
    "PortalUpdate", "SentMessage", "Shipment",
    "ApologySlip", "LateMark", "SlaReminder",
    "Payment", "PaymentNotice", "Refund",
    "RegisterCounter", "RegisterEntry", "AuditSeal", "SealLeaf", "AccountEvent",
    "Message", "MessageWait", "DutyLease", "PaperCopy", "StoredDocument",
]
