"""SQLAlchemy models. Import from here so every table is registered on `Base.metadata`."""

from .attachment import Attachment, Draft, Rating
from .base import Base, utcnow
from .calendar_day import CalendarDay
from .dossier import Dossier, DossierCodeCounter
from .event import Event
from .job import Incident, Job, Timer
from .payment import Payment, PaymentNotice, Refund
from .procedure import Procedure, ProcedureVersion
from .task import HumanTask
from .user import ApiToken, Delegation, User, UserRole

__all__ = [
    "Attachment", "Draft", "Rating", "ApiToken", "Delegation", "Base", "utcnow", "CalendarDay", "Dossier", "DossierCodeCounter", "Event", "Incident",
    "Job", "Timer", "Payment", "PaymentNotice", "Refund", "Procedure", "ProcedureVersion", "HumanTask", "User", "UserRole",
]
