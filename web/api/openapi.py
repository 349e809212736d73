"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.
A test checks that its paths and the app's API routes are the same set."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine.models.base import ID_MAX
from engine.status import STATUS_NAMES

from . import bp

JSON = "application/json"
MULTIPART = "multipart/form-data"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/{ERRORS[code][0]}"} for code in codes}


ERRORS = {
    "400": ("BadRequest", "Invalid request; `fields` maps each field path to its problems."),
    "401": ("Unauthorized", "No bearer token, or one that is unknown, revoked or whose account "
                            "is deactivated."),
    "403": ("Forbidden", "The caller's roles and departments do not allow this."),
    "404": ("NotFound", "No such dossier, task, draft, attachment or procedure — or one the "
                        "caller may not see, answered in the same words, so that a guessed "
                        "code or id confirms nothing."),
    "409": ("Conflict", "The task was already completed (`context.completed_by` names who), "
                        "another officer has claimed it (`context.claimed_by`), the dossier "
                        "changed since `expected_revision`, or it is overdue and needs an apology "
                        "slip with a new appointment date first."),
    "413": ("TooLarge", "The request is larger than the server accepts (40 MB)."),
    "422": ("Unprocessable", "The request is well formed but cannot be carried out: the "
                             "workflow could not run the step, or the approving officer's "
                             "signing key or certificate cannot sign (none issued, expired, "
                             "revoked)."),
}

_date_time = {"type": "string", "format": "date-time"}
_date = {"type": "string", "format": "date"}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "status"],
        "properties": {
            "error": {"type": "string", "description": "What went wrong, for a person."},
            "status": {"type": "integer"},
            "fields": {"type": "object", "description": "Field path → problems. Paths of "
                       "form data are relative to `application` or `data`.",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "context": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "PortalStatus": {
        "type": "object", "required": ["code", "name"],
        "description": "The national public-service portal's status (1–10).",
        "properties": {"code": {"type": "integer", "minimum": 1, "maximum": 10},
                       "name": {"type": "string"}},
    },
    "DossierSummary": {
        "type": "object",
        "required": ["code", "procedure", "status", "status_name", "portal_status", "channel",
                     "agency", "applicant_name", "submitted_at", "appointment_date", "overdue"],
        "properties": {
            "code": {"type": "string", "examples": ["UBND-PHK-261123-0001"]},
            "procedure": {"type": "object", "required": ["code", "version", "name_vi", "name_en"],
                          "properties": {"code": {"type": "string"}, "version": {"type": "integer"},
                                         "name_vi": {"type": "string"},
                                         "name_en": {"type": "string"}}},
            "status": {"type": "string", "enum": list(STATUS_NAMES)},
            "status_name": {"type": "object", "required": ["vi", "en"],
                            "properties": {"vi": {"type": "string"}, "en": {"type": "string"}}},
            "portal_status": _ref("PortalStatus"),
            "channel": {"type": "string", "enum": ["online", "counter", "postal"]},
            "agency": {"type": "string"},
            "applicant_name": {"type": ["string", "null"]},
            "submitted_at": _date_time,
            "appointment_date": {**_nullable(_date), "description": "Ngày hẹn trả kết quả, "
                                 "fixed at reception."},
            "overdue": {"type": "boolean"},
        },
    },
    "Dossier": {
        "allOf": [_ref("DossierSummary"), {
            "type": "object",
            "required": ["revision", "received_at", "finished_at", "fee_amount", "application",
                         "open_tasks"],
            "properties": {
                "revision": {"type": "integer", "description": "Pass as `expected_revision`."},
                "received_at": _nullable(_date_time),
                "finished_at": _nullable(_date_time),
                "fee_amount": {"type": "integer", "description": "Đồng."},
                "application": {"type": "object"},
                "open_tasks": {"type": "array", "items": _ref("Task")},
            },
        }],
    },
    "Task": {
        "type": "object",
        "required": ["id", "dossier", "element_id", "name", "role", "department", "form",
                     "assignee", "created_at", "due_date", "acting_for"],
        "properties": {
            "id": {"type": "integer"},
            "dossier": {"type": "string", "description": "The dossier's code."},
            "element_id": {"type": "string"}, "name": {"type": "string"},
            "role": {"type": "string",
                     "enum": ["reception", "specialist", "leader", "citizen"]},
            "department": {"type": "string"},
            "form": {"type": ["string", "null"], "description": "The form (JSON Schema) the "
                     "task's `data` must satisfy."},
            "assignee": {"type": ["string", "null"]},
            "created_at": _date_time,
            "due_date": _nullable(_date),
            "acting_for": {"type": ["string", "null"], "description": "The delegating leader "
                           "the caller acts for, or null."},
        },
    },
    "Procedure": {
        "type": "object",
        "required": ["code", "version", "name_vi", "name_en", "agency", "level",
                     "legal_deadline_working_days", "fees", "documents", "application_schema"],
        "properties": {
            "code": {"type": "string"}, "version": {"type": "integer"},
            "name_vi": {"type": "string"}, "name_en": {"type": "string"},
            "agency": {"type": "string"}, "level": {"type": ["string", "null"]},
            "legal_deadline_working_days": {"type": "integer"},
            "fees": {"type": "object", "required": ["online", "counter", "postal"],
                     "additionalProperties": {"type": "integer"}},
            "documents": {"type": "array", "items": {
                "type": "object", "required": ["code", "name_vi", "required"],
                "properties": {"code": {"type": ["string", "null"]},
                               "name_vi": {"type": ["string", "null"]},
                               "name_en": {"type": ["string", "null"]},
                               "required": {"type": "boolean"}}}},
            "application_schema": {"type": "object", "description": "JSON Schema of "
                                   "`application` when submitting."},
        },
    },
    "SubmitDossier": {
        "type": "object",
        "description": "Either `draft` alone (the draft's application and uploaded documents), "
                       "or `procedure` and `application` (no documents: refused when the "
                       "procedure requires some). Checked as the citizens' form checks it: "
                       "problems are listed in `fields`, form fields by path and missing "
                       "documents as `documents.<code>`.",
        "properties": {
            "draft": {"type": "integer", "minimum": 1, "maximum": ID_MAX,
                      "description": "A draft of the caller (POST /api/v1/drafts)."},
            "procedure": {"type": "string", "examples": ["marital_status"]},
            "channel": {"type": "string", "enum": ["online", "counter", "postal"],
                        "default": "online"},
            "application": {"type": "object", "description": "Satisfies the procedure's "
                            "`application_schema`."},
        },
    },
    "CreateDraft": {
        "type": "object", "required": ["procedure"],
        "properties": {
            "procedure": {"type": "string", "examples": ["marital_status"]},
            "channel": {"type": "string", "enum": ["online", "counter", "postal"],
                        "default": "online"},
            "application": {"type": "object", "default": {}, "description": "The application "
                            "so far; checked only when submitted (`problems` says what is "
                            "missing)."},
        },
    },
    "UpdateDraft": {
        "type": "object",
        "properties": {
            "channel": {"type": "string", "enum": ["online", "counter", "postal"],
                        "default": "online"},
            "application": {"type": "object", "default": {}, "description": "Replaces the "
                            "draft's application."},
        },
    },
    "Attachment": {
        "type": "object",
        "required": ["id", "document", "filename", "media_type", "size", "sha256",
                     "uploaded_at"],
        "properties": {
            "id": {"type": "integer"},
            "document": {"type": "string", "description": "The procedure's document code."},
            "filename": {"type": "string"},
            "media_type": {"type": "string",
                           "enum": ["application/pdf", "image/jpeg", "image/png", "image/heic",
                                    "image/heif"]},
            "size": {"type": "integer", "minimum": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "uploaded_at": _date_time,
            "signatures": {
                "type": ["object", "null"],
                "description": "A PDF's signatures as checked on upload (null for an image): "
                "`reasons` of the file (e.g. `unsigned`), and per signature `signer`, "
                "`organisation`, `signed_at`, `intact`, `trusted` (chains to a configured "
                "root), `pades`, `revocation_checked` and `reasons` (codes such as "
                "`modified`, `untrusted`, `not_pades`, `revoked`).",
            },
            "reused": {"type": ["object", "null"], "description": "Taken from the caller's "
                       "document store: `origin` (issued | uploaded), `item`, `dossier`, "
                       "`number`; an issued result also `verified_at` and `signers`, its "
                       "signature and sha256 checked against the issued record."},
        },
    },
    "StoredDocument": {
        "type": "object",
        "required": ["id", "origin", "kind", "name", "media_type", "size", "sha256", "dossier",
                     "number", "added_at"],
        "properties": {
            "id": {"type": "integer"},
            "origin": {"type": "string", "enum": ["issued", "uploaded"],
                       "description": "A result an agency issued to the caller, or a file "
                                      "they uploaded with an earlier application."},
            "kind": {"type": ["string", "null"], "description": "The document kind key "
                     "(`kind` of a procedure's document) it fits."},
            "name": {"type": "string"},
            "media_type": {"type": "string"},
            "size": {"type": "integer"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "dossier": {"type": ["string", "null"]},
            "number": {"type": ["string", "null"], "description": "The result's số văn bản."},
            "added_at": _date_time,
        },
    },
    "StoreList": {"type": "object", "required": ["items"],
                  "properties": {"items": {"type": "array", "items": _ref("StoredDocument")}}},
    "AttachFromStore": {
        "type": "object", "required": ["document", "item"],
        "properties": {
            "document": {"type": "string", "description": "One of the procedure's document "
                         "codes whose `kind` is the item's."},
            "item": {"type": "integer", "minimum": 1, "maximum": ID_MAX,
                     "description": "An item of GET /api/v1/store."},
        },
    },
    "UploadAttachment": {
        "type": "object", "required": ["document", "file"],
        "properties": {
            "document": {"type": "string", "description": "One of the procedure's document "
                         "codes (`documents` of GET /api/v1/procedures)."},
            "file": {"type": "string", "format": "binary", "contentMediaType":
                     "application/octet-stream", "description": "PDF, JPEG or PNG, by its "
                     "content, at most 10 MB. A document the procedure marks `signed` takes only a "
                     "PDF with a good PAdES signature; otherwise 400 says why."},
        },
    },
    "Draft": {
        "type": "object",
        "required": ["id", "procedure", "channel", "application", "attachments", "problems",
                     "dossier"],
        "properties": {
            "id": {"type": "integer"},
            "procedure": {"type": "string"},
            "channel": {"type": "string", "enum": ["online", "counter", "postal"]},
            "application": {"type": "object"},
            "attachments": {"type": "array", "items": _ref("Attachment")},
            "problems": {"type": "object", "description": "What stops submission now: form "
                         "field path or `documents.<code>` → problems; empty when it can be "
                         "submitted (or was).",
                         "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "dossier": {"type": ["string", "null"], "description": "The dossier's code once "
                        "submitted."},
        },
    },
    "CompleteTask": {
        "type": "object",
        "properties": {
            "data": {"type": "object", "default": {}, "description": "The task form's data."},
            "expected_revision": {"type": "integer", "description": "Refuse (409) if the "
                                  "dossier changed since this revision."},
            "passphrase": {"type": "string", "description": "The passphrase of the caller's "
                           "signing key: required when the decision approves a result that "
                           "the caller signs (\"sign and approve\"); refused (400, field "
                           "`passphrase`) when missing or when it does not open the key. It is "
                           "sealed until the result is signed, then forgotten."},
        },
    },
    "SendMessage": {
        "type": "object", "required": ["name", "correlation"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255,
                     "description": "The BPMN message's name, as the procedure's diagram "
                                    "names it (e.g. `consult_answer`)."},
            "correlation": {
                "type": "object", "minProperties": 1, "additionalProperties": False,
                "properties": {
                    "dossier_code": {"type": "string", "description": "The dossier's code."},
                    "reference": {"type": "string", "description": "The reference the "
                                  "dossier gave the sender (the waiting element's "
                                  "`correlationKey`)."}},
            },
            "payload": {"type": "object", "default": {},
                        "description": "What the message carries; the dossier's next steps "
                                       "read it as `message`. A message that files a new "
                                       "dossier carries the `application`, as the "
                                       "procedure's start form asks."},
            "key": {"type": ["string", "null"], "minLength": 1, "maxLength": 100,
                    "description": "The sender's own identifier of the message: the same key "
                                   "sent again is the same message (it changes nothing, and "
                                   "never files a second dossier). Required for a message "
                                   "that files a dossier."},
        },
    },
    "MessageReceipt": {
        "type": "object", "required": ["id", "name", "status", "dossier"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "status": {"enum": ["delivered", "uncorrelated", "ambiguous"]},
            "dossier": {"type": ["string", "null"],
                        "description": "The dossier that took it, when delivered."},
            "note": {"type": ["string", "null"], "description": "Why it was kept."},
            "started": {"type": "boolean",
                        "description": "The message filed a new dossier (`dossier`)."},
        },
    },
}

for _name, _item in (("DossierPage", "DossierSummary"), ("TaskPage", "Task")):
    SCHEMAS[_name] = {
        "type": "object", "required": ["items", "page", "per_page", "total"],
        "properties": {"items": {"type": "array", "items": _ref(_item)},
                       "page": {"type": "integer", "minimum": 1},
                       "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                       "total": {"type": "integer", "minimum": 0}},
    }
SCHEMAS["ProcedureList"] = {"type": "object", "required": ["items"],
                            "properties": {"items": {"type": "array",
                                                     "items": _ref("Procedure")}}}

PAGING = [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}]

PATHS: dict[str, Any] = {
    "/api/v1/dossiers": {
        "get": {
            "operationId": "listDossiers", "tags": ["dossiers"],
            "summary": "The caller's dossiers, newest first",
            "description": "Citizens: their own. Officers: those with a task for a role and "
                           "department they hold (or act for under a delegation), and for "
                           "reception those of their agency. Auditors and administrators: all.",
            "parameters": PAGING,
            "responses": {"200": _body(_ref("DossierPage"), "One page of dossiers."),
                          **_errors("400", "401")},
        },
        "post": {
            "operationId": "submitDossier", "tags": ["dossiers"],
            "summary": "Submit a dossier (citizens and businesses)",
            "description": "Checked as the citizens' form checks it: the application against "
                           "the procedure's form, and every required document uploaded to "
                           "the draft. A draft is submitted once: submitting it again answers "
                           "200 with the same dossier.",
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("SubmitDossier")}}},
            "responses": {
                "200": {**_body(_ref("Dossier"), "The draft was already submitted: its dossier."),
                        "headers": {"Location": {"schema": {"type": "string"},
                                                 "description": "The dossier's URL."}}},
                "201": {**_body(_ref("Dossier"), "Submitted; `code` identifies it."),
                        "headers": {"Location": {"schema": {"type": "string"},
                                                 "description": "The dossier's URL."}}},
                **_errors("400", "401", "403", "404", "422"),
            },
        },
    },
    "/api/v1/dossiers/{code}": {
        "get": {
            "operationId": "getDossier", "tags": ["dossiers"],
            "summary": "One dossier: status, portal status, appointment date, open tasks",
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _body(_ref("Dossier"), "The dossier."),
                          **_errors("401", "404")},
        },
    },
    "/api/v1/dossiers/{code}/withdrawal": {
        "post": {
            "operationId": "withdrawDossier", "tags": ["dossiers", "messages"],
            "summary": "The applicant withdraws their dossier",
            "description": "Sends the message `rut_ho_so` with the reason to the applicant's "
                           "own dossier, when its workflow waits for it (the procedure's "
                           "diagram decides what follows); otherwise 409. Someone else's "
                           "dossier is 403, or 404 when the caller may not see it.",
            "parameters": [{"name": "code", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "required": ["reason"],
                "properties": {"reason": {"type": "string", "minLength": 1,
                                          "maxLength": 1000}}}}}},
            "responses": {"200": _body({"type": "object", "required": ["message", "dossier"],
                                        "properties": {"message": {"type": "integer"},
                                                       "dossier": _ref("Dossier")}},
                                       "Delivered; the dossier after it."),
                          **_errors("400", "401", "403", "404", "409", "422")},
        },
    },
    "/api/v1/tasks": {
        "get": {
            "operationId": "listTasks", "tags": ["tasks"],
            "summary": "Open tasks for the caller's roles and departments, most urgent first",
            "description": "Includes tasks of leaders who delegated to the caller "
                           "(`acting_for`) and, for applicants, their own tasks "
                           "(e.g. a supplement).",
            "parameters": PAGING,
            "responses": {"200": _body(_ref("TaskPage"), "One page of open tasks."),
                          **_errors("400", "401")},
        },
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask", "tags": ["tasks"],
            "summary": "Complete an open task with its form data",
            "description": "The same rules as the officers' task page: the caller holds the "
                           "task's role and department (or acts for a leader who delegated), "
                           "no colleague has claimed it, the data satisfies the task's form, "
                           "an overdue dossier has its apology slip, and an approval that "
                           "signs the result carries the `passphrase` of the caller's key. "
                           "A task in a dossier the caller may not see is not found (404).",
            "parameters": [_id("task_id")],
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("CompleteTask")}}},
            "responses": {"200": _body(_ref("Dossier"), "The dossier after the step."),
                          **_errors("400", "401", "403", "404", "409", "422")},
        },
    },
    "/api/v1/messages": {
        "post": {
            "operationId": "sendMessage", "tags": ["messages"],
            "summary": "Send a message to the dossier waiting for it (partner systems)",
            "description": "For a partner agency's system (role `partner`). The message goes "
                           "to the one dossier whose workflow waits for a message of this "
                           "name with these keys (200), or is kept for an administrator when "
                           "no dossier, or more than one, waits for it (202): it is never "
                           "lost. A message with no `correlation` files a new dossier of the "
                           "procedure whose diagram starts on a message of that name (201, "
                           "liên thông): its `payload.application` must satisfy that "
                           "procedure's start form and it needs a `key` (422 otherwise, "
                           "with every field's problems, and nothing is created).",
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("SendMessage")}}},
            "responses": {"200": _body(_ref("MessageReceipt"), "Delivered."),
                          "201": _body(_ref("MessageReceipt"),
                                       "A new dossier was filed (the same answer when the "
                                       "same key is sent again)."),
                          "202": _body(_ref("MessageReceipt"), "Kept for an administrator."),
                          **_errors("400", "401", "403", "409", "422")},
        },
    },
    "/api/v1/signals": {
        "post": {
            "operationId": "broadcastSignal", "tags": ["messages"],
            "summary": "Send a signal to every dossier waiting for it (administrators)",
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 255},
                               "payload": {"type": "object", "default": {}}}}}}},
            "responses": {"200": _body({"type": "object", "properties": {
                "name": {"type": "string"},
                "dossiers": {"type": "array", "items": {"type": "string"},
                             "description": "The codes of the dossiers that took it."}}},
                "Delivered to these dossiers."),
                **_errors("400", "401", "403", "409", "422")},
        },
    },
    "/api/v1/drafts": {
        "post": {
            "operationId": "createDraft", "tags": ["drafts"],
            "summary": "Start an application to which documents can be uploaded",
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("CreateDraft")}}},
            "responses": {
                "201": {**_body(_ref("Draft"), "The draft."),
                        "headers": {"Location": {"schema": {"type": "string"},
                                                 "description": "The draft's URL."}}},
                **_errors("400", "401", "403", "404"),
            },
        },
    },
    "/api/v1/drafts/{draft_id}": {
        "get": {
            "operationId": "getDraft", "tags": ["drafts"],
            "summary": "One of the caller's drafts, with its documents and what stops it",
            "parameters": [_id("draft_id")],
            "responses": {"200": _body(_ref("Draft"), "The draft."),
                          **_errors("401", "403", "404")},
        },
        "put": {
            "operationId": "updateDraft", "tags": ["drafts"],
            "summary": "Replace the draft's application (its documents stay)",
            "parameters": [_id("draft_id")],
            "requestBody": {"required": True, "content": {JSON: {"schema": _ref("UpdateDraft")}}},
            "responses": {"200": _body(_ref("Draft"), "The draft."),
                          **_errors("400", "401", "403", "404", "409")},
        },
    },
    "/api/v1/drafts/{draft_id}/attachments": {
        "post": {
            "operationId": "uploadAttachment", "tags": ["drafts"],
            "summary": "Upload one file for one of the procedure's documents",
            "description": "Checked by content as on the citizens' form: a phone's HEIC/HEIF "
                           "photo is kept as a JPEG, its original listed beside it. 409 once "
                           "the draft was submitted.",
            "parameters": [_id("draft_id")],
            "requestBody": {"required": True, "content": {MULTIPART: {
                "schema": _ref("UploadAttachment"),
                "encoding": {"file": {"contentType": "application/pdf, image/jpeg, image/png, "
                                                     "image/heic, image/heif, "
                                                     "application/octet-stream"}}}}},
            "responses": {"201": _body(_ref("Attachment"), "The file, attached to the draft."),
                          **_errors("400", "401", "403", "404", "409", "413")},
        },
    },
    "/api/v1/drafts/{draft_id}/attachments/{attachment_id}": {
        "delete": {
            "operationId": "deleteAttachment", "tags": ["drafts"],
            "summary": "Remove a file from a draft not yet submitted",
            "parameters": [_id("draft_id"), _id("attachment_id")],
            "responses": {"204": {"description": "Removed."},
                          **_errors("401", "403", "404", "409")},
        },
    },
    "/api/v1/drafts/{draft_id}/attachments/from-store": {
        "post": {
            "operationId": "attachFromStore", "tags": ["drafts", "store"],
            "summary": "Attach an item of the caller's document store instead of uploading",
            "description": "By reference: the attachment names the same sha256. An issued "
                           "result is attached only when its bytes hash to the issued record "
                           "and its signatures are valid and include the one recorded at "
                           "issue (400 otherwise, nothing attached). 409 once the draft was "
                           "submitted.",
            "parameters": [_id("draft_id")],
            "requestBody": {"required": True,
                            "content": {JSON: {"schema": _ref("AttachFromStore")}}},
            "responses": {"201": _body(_ref("Attachment"), "The item, attached to the draft."),
                          **_errors("400", "401", "403", "404", "409")},
        },
    },
    "/api/v1/store": {
        "get": {
            "operationId": "listStore", "tags": ["store"],
            "summary": "The caller's document store: issued results and earlier uploads",
            "responses": {"200": _body(_ref("StoreList"), "Newest first."),
                          **_errors("401", "403")},
        },
    },
    "/api/v1/store/{item_id}": {
        "delete": {
            "operationId": "removeStored", "tags": ["store"],
            "summary": "Remove an uploaded file from the store (dossiers keep their files)",
            "description": "409 for an issued result: its record stays.",
            "parameters": [_id("item_id")],
            "responses": {"204": {"description": "Removed."},
                          **_errors("401", "403", "404", "409")},
        },
    },
    "/api/v1/procedures": {
        "get": {
            "operationId": "listProcedures", "tags": ["procedures"],
            "summary": "Deployed procedures (newest version of each)",
            "responses": {"200": _body(_ref("ProcedureList"), "Every deployed procedure."),
                          **_errors("401")},
        },
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapi", "tags": ["meta"], "security": [],
            "summary": "This document",
            "responses": {"200": _body({"type": "object"}, "OpenAPI 3.1 document.")},
        },
    },
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "motcua API",
            "version": "1.0.0",
            "summary": "Dịch vụ công một cửa: dossiers, drafts, tasks and procedures.",
            "description": "Authenticate with `Authorization: Bearer <token>`; a signed-in user "
                           "creates tokens on /quan-tri/token. Errors are JSON objects "
                           "(`Error`).",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from /quan-tri/token."}},
            "schemas": SCHEMAS,
            "parameters": {
                "page": {"name": "page", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "default": 1}},
                "per_page": {"name": "per_page", "in": "query",
                             "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                        "default": 20}},
            },
            "responses": {name: _body(_ref("Error"), text) for name, text in ERRORS.values()},
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
