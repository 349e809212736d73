"""Who may use each route of the app: one entry per Flask endpoint.

tests/test_route_inventory.py calls every route as every actor below on seeded data
and checks the answer against this table; an endpoint missing here fails that test.

Actors (the seeded dossiers are of marital_status, agency UBND-PHK: its desk is
MOTCUA, its specialists TUPHAP, its leaders LANHDAO):
  anonymous        no session, no token
  applicant        the citizen who applied for the seeded dossiers
  citizen          another citizen
  reception        the dossiers' one-stop desk (MOTCUA)
  specialist       the dossiers' specialist (TUPHAP)
  leader           the dossiers' leader (LANHDAO)
  reception_other  the desk of another agency
  specialist_other a specialist of another department (QLDT)
  leader_other     the leader of another agency
  auditor, analyst, admin

Seeded values that fill URL parameters and form fields (see the test's seed):
  done           dossier received, reviewed, approved, signed, sent by post; fee paid at the counter
  review         dossier received, its review (TUPHAP) open; an apology slip issued
  supplement     dossier whose review asked the applicant for more; the applicant's task open
  refused        dossier refused at reception after its fee was paid: a refund is due
  review_task, supplement_task, attachment (of done), document (done's signed result),
  payment, refund (references), refund_id, shipment, draft, spare_draft (the applicant's),
  draft_attachment (a file of draft),
  store_item (the applicant's issued result, done's, in their document store),
  stored_upload, spare_upload (files in the applicant's store, to remove),
  delegation (lanhdao's), token (one of the applicant's API tokens), victim (an account
  the admin routes act on), login_name and login_password (an account to sign in as),
  procedure, slip, apology, language, filename, mail, index, paper_copy (one print of done's
  signed result)

Kinds: "page" — HTML; an anonymous caller is sent to /login. "api" — bearer token;
no token is a 401. "demo" — served only in demo mode: every caller gets 404 here.
A refused signed-in caller gets 403, or 404 where the app does not tell that the
thing exists; `hides`: another citizen must get 404 (SECURITY.md: codes are not confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ACTORS = ("anonymous", "applicant", "citizen", "reception", "specialist", "leader",
          "reception_other", "specialist_other", "leader_other", "auditor", "analyst", "admin")

EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
CITIZENS = frozenset({"applicant", "citizen"})
OWN_OFFICERS = frozenset({"reception", "specialist", "leader"})
OFFICERS = OWN_OFFICERS | {"reception_other", "specialist_other", "leader_other"}
OVERSEERS = frozenset({"auditor", "admin"})
NOBODY: frozenset[str] = frozenset()
LEADERS = frozenset({"leader", "leader_other"}) | OVERSEERS  # the leaders' dashboard


@dataclass(frozen=True)
class Route:
    methods: tuple[str, ...]
    allowed: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)  # URL parameter → seeded value
    form: dict[str, str] = field(default_factory=dict)  # body field → seeded value
    kind: str = "page"
    hides: bool = False  # another citizen gets 404: the code or number is not confirmed
    changes_session: bool = False  # the caller signs in again after it


def page(methods: str, allowed: frozenset[str], hides: bool = False, **params: str) -> Route:
    return Route(tuple(methods.split(",")), frozenset(allowed), params, hides=hides)


def api(methods: str, allowed: frozenset[str], hides: bool = False, **params: str) -> Route:
    return Route(tuple(methods.split(",")), frozenset(allowed), params, kind="api", hides=hides)


def demo(methods: str, **params: str) -> Route:
    return Route(tuple(methods.split(",")), NOBODY, params, kind="demo")


# Officers (and overseers) who may look at each seeded dossier.
SEE_DONE = OWN_OFFICERS | OVERSEERS
SEE_REVIEW = frozenset({"reception", "specialist"})
SEE_REFUSED = frozenset({"reception"})

ROUTES: dict[str, Route] = {
    # -- anyone ------------------------------------------------------------------------
    "home": page("GET", EVERYONE),
    "healthz": page("GET", EVERYONE),
    "readyz": page("GET", EVERYONE),
    "metrics": page("GET", EVERYONE),  # loopback clients: every test client is one
    "static": page("GET", EVERYONE, filename="filename"),
    "set_language": page("GET", EVERYONE, code="language"),
    # signs in as another account: the caller's session changes
    "auth.login": Route(("GET", "POST"), EVERYONE, form={"username": "login_name",
                                                         "password": "login_password"},
                        changes_session=True),
    "auth.register": page("GET,POST", EVERYONE),
    "auth.logout": Route(("POST",), SIGNED_IN, changes_session=True),
    "auth.account": page("GET", SIGNED_IN),  # each their own
    "auth.contacts": page("POST", SIGNED_IN),
    "auth.password": Route(("POST",), SIGNED_IN, changes_session=True),
    "citizen.procedures": page("GET", EVERYONE),
    "citizen.procedure": page("GET", EVERYONE, code="procedure"),
    "public.lookup": page("GET", EVERYONE),
    "public.verify": page("GET,POST", EVERYONE),
    # the gateway's return and notification are checked by their signature
    "payments.returned": page("GET", EVERYONE),
    "payments.ipn": page("GET,POST", EVERYONE),
    # the sandbox bank is a party of its own, checking its merchants' signatures
    "sandbox_bank.pay_page": page("GET", EVERYONE),
    "sandbox_bank.confirm": page("POST", EVERYONE),
    "sandbox_bank.api": page("POST", EVERYONE),

    # -- demo mode only ------------------------------------------------------------------
    "demo.mailbox": demo("GET"),
    "demo.mail": demo("GET", mail_id="mail"),
    "demo.mail_source": demo("GET", mail_id="mail"),
    "demo.mail_attachment": demo("GET", mail_id="mail", index="index"),
    "demo.portal": demo("GET"),
    "demo.portal_receive": demo("POST"),

    # -- citizens ------------------------------------------------------------------------
    "citizen.apply": page("GET,POST", CITIZENS, code="procedure"),
    "citizen.my_dossiers": page("GET", CITIZENS),
    "citizen.dossier": page("GET", {"applicant"}, hides=True, code="done"),
    "citizen.receipt": page("GET", {"applicant"}, hides=True, code="done"),
    "citizen.result": page("GET", {"applicant"}, hides=True, code="done", sha256="document"),
    "citizen.rate": page("POST", {"applicant"}, hides=True, code="done"),
    # the seeded dossiers do not wait for a withdrawal: the applicant is answered 409
    "citizen.withdraw": page("POST", {"applicant"}, hides=True, code="done"),
    "citizen.supplement": Route(("POST",), frozenset({"applicant"}), {"code": "supplement"},
                                form={"task": "supplement_task"}, hides=True),
    "citizen.attachment": page("GET", {"applicant"}, hides=True, attachment_id="attachment"),
    "citizen.review": page("GET", {"applicant"}, hides=True, draft_id="draft"),
    "citizen.submit": page("POST", {"applicant"}, hides=True, draft_id="draft"),
    "citizen.dossier_submitted": page("GET", {"applicant"}, hides=True, draft_id="draft"),
    "citizen.delete_draft": page("POST", {"applicant"}, hides=True, draft_id="spare_draft"),
    "citizen.document_store": page("GET", CITIZENS),  # each their own
    "citizen.stored_file": page("GET", {"applicant"}, hides=True, item_id="store_item"),
    "citizen.remove_stored": page("POST", {"applicant"}, hides=True, item_id="stored_upload"),
    "payments.pay": page("POST", {"applicant"}, hides=True, code="done"),
    "payments.receipt": page("GET", SEE_DONE | {"applicant"}, hides=True, reference="payment"),
    "payments.refund_receipt": page("GET", SEE_REFUSED | OVERSEERS | {"applicant"}, hides=True,
                                    reference="refund"),

    # -- officers ------------------------------------------------------------------------
    "board.index": page("GET", OFFICERS | OVERSEERS | {"analyst"}),
    "board.dashboard": page("GET", LEADERS),
    "board.dashboard_figures": page("GET", LEADERS),
    "board.dashboard_json": page("GET", LEADERS),
    "board.dashboard_csv": page("GET", LEADERS),
    "board.monthly_report": page("GET", LEADERS),
    "board.monthly_report_csv": page("GET", LEADERS),
    "officer.inbox": page("GET", OFFICERS),
    "officer.registers": page("GET", OFFICERS | OVERSEERS),
    "officer.walk_in_start": page("GET", {"reception", "reception_other"}),
    "officer.walk_in": page("GET,POST", {"reception"}, procedure_code="procedure"),
    "officer.delegations": page("GET,POST", {"leader", "leader_other"}),
    "officer.revoke_delegation": page("POST", {"leader"}, delegation_id="delegation"),
    "officer.dossier": page("GET", SEE_DONE, code="done"),
    "officer.attachment": page("GET", SEE_DONE, code="done", attachment_id="attachment"),
    "officer.document": page("GET", SEE_DONE, code="done", sha256="document"),
    "officer.document_check": page("GET", SEE_DONE, code="done", sha256="document"),
    "officer.slip": page("GET", SEE_DONE, code="done", kind="slip"),
    "officer.paper_copy": page("GET,POST", {"reception"}, code="done"),
    "officer.paper_copy_record": page("GET", {"reception"}, code="done", copy_id="paper_copy"),
    "officer.paper_copy_pdf": page("GET", {"reception"}, code="done", copy_id="paper_copy"),
    "officer.audit": page("GET", OVERSEERS, code="done"),
    "officer.audit_log": page("GET", OVERSEERS, code="done"),
    "officer.apology_form": page("GET", SEE_REVIEW, code="review"),
    "officer.issue_apology": page("POST", SEE_REVIEW, code="review"),
    "officer.mark_late": page("POST", SEE_REVIEW, code="review"),
    "officer.apology_slip": page("GET", SEE_REVIEW | OVERSEERS, code="review", number="apology"),
    "officer.task": page("GET", {"specialist"}, task_id="review_task"),
    "officer.claim": page("POST", {"specialist"}, task_id="review_task"),
    "officer.release": page("POST", {"specialist"}, task_id="review_task"),
    "officer.complete": page("POST", {"specialist"}, task_id="review_task"),
    # any officer may send a claim of several tasks; each task is checked (the review task:
    # the specialist claims it, the others are told it is not theirs)
    "officer.claim_many": Route(("POST",), OFFICERS, form={"task": "review_task"}),
    # the desk prints several receipts; with none chosen it is sent back to the inbox
    "officer.receipts": page("GET", {"reception", "reception_other"}),
    "payments.take_cash": page("POST", {"reception"}, code="done"),
    "payments.hand_back": page("POST", SEE_REFUSED, refund_id="refund_id"),
    "delivery.shipments": page("GET", {"reception", "reception_other", "admin"}),
    "delivery.delivered": page("POST", {"reception", "admin"}, shipment_id="shipment"),

    # -- process analysts ------------------------------------------------------------------
    "analyst.index": page("GET", {"analyst", "admin", "auditor", "leader", "leader_other"}),
    "analyst.procedure": page("GET", {"analyst", "admin", "auditor", "leader", "leader_other"},
                              code="procedure"),
    "analyst.compare": page("GET", {"analyst", "admin", "auditor", "leader", "leader_other"},
                            code="procedure"),
    "analyst.deploy": page("POST", {"analyst", "admin"}),

    # -- administration ----------------------------------------------------------------------
    "admin.users": page("GET", {"admin"}),
    "admin.new_user": page("GET,POST", {"admin"}),
    "admin.edit_user": page("GET,POST", {"admin"}, user_id="victim"),
    "admin.deactivate": page("POST", {"admin"}, user_id="victim"),
    "admin.reactivate": page("POST", {"admin"}, user_id="victim"),
    "admin.unlock": page("POST", {"admin"}, user_id="victim"),
    "admin.departments": page("GET", {"admin"}),
    "admin.account_log": page("GET", OVERSEERS),
    "admin.tokens": page("GET,POST", SIGNED_IN),  # each their own
    "admin.revoke_token": page("POST", {"applicant"}, token_id="token"),
    "admin.incidents": page("GET", {"admin"}),
    # no incident is seeded: retrying incident 0 answers with a note and goes back to the list
    "admin.retry_incident": page("POST", {"admin"}, incident_id="index"),
    "admin.messages": page("GET", {"admin"}),
    "admin.monitoring": page("GET", {"admin"}),
    # no message is seeded: sending message 0 again answers with a note and goes back to the list
    "admin.redeliver_message": page("POST", {"admin"}, message_id="index"),

    # -- the JSON API ------------------------------------------------------------------------
    "api.openapi": api("GET", EVERYONE),
    "api.list_procedures": api("GET", SIGNED_IN),
    "api.list_dossiers": api("GET", SIGNED_IN),  # each sees the dossiers they may
    "api.list_tasks": api("GET", SIGNED_IN),
    "api.submit_dossier": api("POST", CITIZENS),
    "api.get_dossier": api("GET", SEE_DONE | {"applicant"}, hides=True, code="done"),
    "api.complete_task": api("POST", {"specialist"}, task_id="review_task"),
    # partner agencies' systems send messages; of the actors here only the admin may
    "api.receive_message": api("POST", {"admin"}),
    "api.broadcast_signal": api("POST", {"admin"}),
    "api.withdraw_dossier": api("POST", {"applicant"}, hides=True, code="done"),
    "api.create_draft": api("POST", CITIZENS),
    "api.get_draft": api("GET", {"applicant"}, hides=True, draft_id="draft"),
    "api.update_draft": api("PUT", {"applicant"}, hides=True, draft_id="draft"),
    "api.upload_attachment": api("POST", {"applicant"}, hides=True, draft_id="draft"),
    "api.delete_attachment": api("DELETE", {"applicant"}, hides=True, draft_id="draft",
                                 attachment_id="draft_attachment"),
    "api.attach_stored": api("POST", {"applicant"}, hides=True, draft_id="draft"),
    "api.list_store": api("GET", CITIZENS),  # each their own
    "api.remove_stored": api("DELETE", {"applicant"}, hides=True, item_id="spare_upload"),
}
