"""The types of events a dossier's log holds, each with the shape of its payload.

The values are the strings stored in `events.type`: comparing an `EventType` with a
stored type compares strings, so the stored log does not change.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    # -- inputs: replay feeds exactly these back to the workflow --------------------
    SUBMITTED = "submitted"
    """{data: the application (its `channel` among them), procedure_version, applicant_user}"""
    TASK_COMPLETED = "task_completed"
    """{element_id, task_id, data: the task's form, on_behalf_of?, instance?}"""
    SERVICE_COMPLETED = "service_completed"
    """{element_id, task_id, operator, job_id, attempt, data: the connector's result,
    instance?}"""
    SERVICE_ERROR = "service_error"
    """{element_id, task_id, operator, job_id, attempt, data: {code, message}, instance?}:
    the connector's business error, thrown at the service task as a BPMN error"""
    MESSAGE_RECEIVED = "message_received"
    """{element_id, task_id, message_id, data: {name, payload}}; the actor is the source"""
    SIGNAL_RECEIVED = "signal_received"
    """{element_id, task_id, data: {name, payload}}; the actor is who broadcast it"""
    TIMER_FIRED = "timer_fired"
    """{element_id, task_id, instance?}; `instance`: which of several waiting tasks of the
    element (multi-instance), in the workflow's order"""

    # -- what the workflow produces in answer to an input; replay compares these ----
    TASK_CREATED = "task_created"
    """{element_id, name, role, department}"""
    JOB_QUEUED = "job_queued"
    """{element_id, operator, params}"""
    TIMER_SET = "timer_set"
    """{element_id, due: ISO datetime}"""
    MESSAGE_SENT = "message_sent"
    """{name, payload}: a message the workflow threw for another dossier"""
    SIGNAL_SENT = "signal_sent"
    """{name, payload}: a signal the workflow threw, for the other dossiers waiting on it"""
    STATUS_CHANGED = "status_changed"
    """{from, to: dossier statuses (engine.status)}"""
    CHECKPOINT = "checkpoint"
    """{digest, completed: element ids}"""

    # -- the deadline clock ----------------------------------------------------------
    DEADLINE_SET = "deadline_set"
    """{received_at: ISO datetime, working_days, appointment_date: ISO date}"""
    DEADLINE_EXTENDED = "deadline_extended"
    """{paused_working_days, from, to: ISO dates}"""
    CLOCK_PAUSED = "clock_paused"
    """{status}"""
    CLOCK_RESUMED = "clock_resumed"
    """{paused_working_days}"""

    # -- officers ---------------------------------------------------------------------
    TASK_CLAIMED = "task_claimed"
    """{element_id, task}"""
    TASK_RELEASED = "task_released"
    """{element_id, task}"""
    VIEWED = "viewed"
    """{}"""
    MARKED_LATE = "marked_late"
    """{mark, reason, appointment: ISO date}"""
    APOLOGY_ISSUED = "apology_issued"
    """{slip: its number, reason, from, to: ISO dates, officer, officer_name, job_id}"""
    PAPER_COPY_PRINTED = "paper_copy_printed"
    """{paper_copy, document_sha256, document_number, copies, recipient, fee_per_copy,
    fee_total}: official paper copies of the signed result printed at the desk"""

    # -- jobs and incidents -------------------------------------------------------------
    JOB_WAITING = "job_waiting"
    """{job_id, operator, element_id, reason}"""
    INCIDENT_RAISED = "incident_raised"
    """{source: job or the failed input, job_id?, operator, element_id, attempts, reason}"""
    INCIDENT_RETRIED = "incident_retried"
    """{incident, job_id?, timer_id?}"""
    NOTICE_SENT = "notice_sent"
    """{job_id, kind (the job kind: notice or reminder), template, result}"""
    SHIPMENT_DELIVERED = "shipment_delivered"
    """{tracking_number, carrier}"""

    # -- payments -------------------------------------------------------------------------
    PAYMENT_CANCELLED = "payment_cancelled"
    """{reference, amount, response_code}"""
    PAYMENT_FAILED = "payment_failed"
    """{reference, amount, response_code}"""
    PAYMENT_LATE = "payment_late"
    """Money the gateway took when it could no longer settle the fee:
    {reference, amount, transaction_no, was: the attempt's status before,
    why: fee_settled | not_waiting | attempt_cancelled | attempt_failed, settled_by}"""
    LATE_PAYMENT_REFUNDED = "late_payment_refunded"
    """{reference, refund_reference, amount, gateway_refund_no, job_id}"""
    REFUND_HANDED_BACK = "refund_handed_back"
    """{reference: the refund's, amount}"""


# Events that are inputs: replay feeds exactly these back to the workflow.
INPUT_TYPES = frozenset({EventType.SUBMITTED, EventType.TASK_COMPLETED,
                         EventType.SERVICE_COMPLETED, EventType.SERVICE_ERROR,
                         EventType.MESSAGE_RECEIVED, EventType.SIGNAL_RECEIVED,
                         EventType.TIMER_FIRED})
# Events the workflow itself produces in answer to an input; replay compares them.
MACHINE_TYPES = frozenset({EventType.TASK_CREATED, EventType.JOB_QUEUED, EventType.TIMER_SET,
                           EventType.MESSAGE_SENT, EventType.SIGNAL_SENT,
                           EventType.STATUS_CHANGED, EventType.CHECKPOINT})
