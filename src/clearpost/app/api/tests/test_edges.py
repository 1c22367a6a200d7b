"""The API's answers at its edges: declared error statuses, JSON for wrong methods and
unknown paths, and a chunked body over the limit refused with 413."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from clearpost.app.accounts.models import Role
from clearpost.app.api.base import MAX_BODY_BYTES
from clearpost.app.api.main import api
from clearpost.app.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_openapi_declares_every_error_status_for_every_operation() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/")
    assert "Error" in schema["components"]["schemas"]
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) > 10
    for op in operations:
        assert {"400", "401", "403", "404", "413", "422"} <= set(op["responses"]), op["operationId"]


def test_openapi_document_is_served(client: Client) -> None:
    body = client.get("/api/openapi.json").json()
    any_op = next(iter(next(iter(body["paths"].values())).values()))
    assert any_op["responses"]["413"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_wrong_method_gets_the_json_error_shape(practice, make_user, api_as) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    response = client.call("DELETE", "/api/patients")
    assert response.status_code == 405
    body = response.json()
    assert "DELETE is not allowed" in body["detail"] and body["errors"]["method"]


def test_unknown_api_path_is_json_404(practice, make_user, api_as) -> None:
    response = api_as(make_user(practice, Role.CLINICIAN)).get("/api/no-such-thing")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def _chunked(client, body: bytes):
    """A request whose body comes chunked: no Content-Length at all (the server has
    de-chunked the stream, as gunicorn does)."""
    return client.client.generic(
        "POST",
        "/api/patients",
        data=body,
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(body)},
    )


def test_chunked_body_over_the_limit_is_413(practice, make_user, api_as) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    big = json.dumps({"name": "x" * (MAX_BODY_BYTES + 10), "birth_date": "1990-01-01"})
    response = _chunked(client, big.encode())
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    assert not Patient.objects.exists()


def test_chunked_body_under_the_limit_is_read_not_dropped(practice, make_user, api_as) -> None:
    client = api_as(make_user(practice, Role.CLINICIAN))
    body = json.dumps({"name": "Chunk Ed", "birth_date": "1990-01-01", "record_number": "C1"})
    response = _chunked(client, body.encode())
    assert response.status_code == 201, response.content
    assert Patient.objects.count() == 1
