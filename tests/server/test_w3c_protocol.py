"""The W3C SPARQL 1.1 Protocol tests (../shared/w3c/sparql/sparql11/protocol/manifest.ttl), every one,
read from the manifest with rdflib and sent to a real server.

Each test is a list of HTTP requests (method, path, headers, body) with an expected response
(mf:expectedStatus, and for answers mf:expectedFormat and mf:expectedBoolean). The paths start
with ``/sparql/``, which the manifest says to map to the endpoint: ours is ``/sparql``.

How the expectations map onto a read-only endpoint (``/sparql`` never writes; the graph is
written by the CLI):

- ``query_*`` tests: exactly as the manifest says (2xx, the expected result format and boolean).
- ``bad_query_*`` tests: the manifest expects a 4xx; we also pin the exact status: 405 for PUT,
  415 for a body type other than the two query types, and 400 for the rest (several queries, no
  Content-Type, UTF-16 text, syntax error).
- ``update_*`` tests expect an update to succeed (2xx) and then check its effect with an ASK. On a
  read-only endpoint the correct answer to the update is the refusal, 403 Forbidden, so the first
  request must get 403. The follow-up ASK requests are still sent: they must be answered (2xx,
  boolean) and be *false*, the manifest's expected boolean inverted, because the refused update
  must have had no effect (none of the graphs they ask about is in the test data).
- ``bad_update_*`` tests expect a 4xx for a malformed update. An update is refused before it is
  parsed, so those that are recognisable as updates (an ``update`` parameter, or an
  ``application/sparql-update`` body: GET, several updates, UTF-16, bad syntax, dataset conflict)
  get 403, which is also a correct 4xx here; a 400 would be equally correct and is accepted for
  them. Two cannot be recognised as updates: ``bad_update_wrong_media_type`` (a text/plain body)
  gets 415 and ``bad_update_missing_form_type`` (no Content-Type) gets 400, as the same requests
  carrying a query would.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import httpx
import pytest
import rdflib
from rdflib import RDF, Namespace
from rdflib.collection import Collection

from tests.server.conftest import PROTOCOL_MANIFEST

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")

# exact statuses for the negative tests (see the module docstring)
EXACT_STATUS = {
    "bad_query_method": {405},
    "bad_multiple_queries": {400},
    "bad_query_wrong_media_type": {415},
    "bad_query_missing_form_type": {400},
    "bad_query_missing_direct_type": {400},
    "bad_query_non_utf8": {400},
    "bad_query_syntax": {400},
    "bad_update_get": {403, 400},
    "bad_multiple_updates": {403, 400},
    "bad_update_wrong_media_type": {415},
    "bad_update_missing_form_type": {400},
    "bad_update_non_utf8": {403, 400},
    "bad_update_syntax": {403, 400},
    "bad_update_dataset_conflict": {403, 400},
}

TABULAR_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx", ...
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    label: str
    requests: list[Request] = field(default_factory=list)


def read_manifest() -> list[ProtocolTest]:
    graph = rdflib.Graph().parse(PROTOCOL_MANIFEST, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rsplit("#", 1)[1], str(graph.value(entry, MF.name)))
        action = graph.value(entry, MF.action)
        for node in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(node, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            body = None
            body_node = graph.value(node, HT.body)
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding)
            response = graph.value(node, HT.resp)
            statuses = {str(s).rsplit("#StatusCode", 1)[1].lower() for s in graph.objects(response, MF.expectedStatus)}
            fmt = graph.value(response, MF.expectedFormat)
            boolean = graph.value(response, MF.expectedBoolean)
            path = str(graph.value(node, HT.absolutePath))
            assert path.startswith("/sparql/"), path
            test.requests.append(
                Request(
                    method=str(graph.value(node, HT.methodName)),
                    path=_endpoint_path(path),
                    headers=headers,
                    body=body,
                    statuses=statuses,
                    expected_format=str(fmt) if fmt is not None else None,
                    expected_boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        tests.append(test)
    return tests


def _endpoint_path(path: str) -> str:
    """``/sparql/?query=...`` -> ``/sparql?query=...`` (the manifest's path prefix mapped to our endpoint)."""
    rest = path.removeprefix("/sparql/")
    return "/sparql" + (rest if rest.startswith("?") or not rest else "/" + rest)


TESTS = read_manifest()


def test_the_manifest_is_read_whole() -> None:
    assert len(TESTS) == 34
    assert all(test.requests for test in TESTS)
    assert {t.name for t in TESTS} >= set(EXACT_STATUS)


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _parse_boolean(response: httpx.Response) -> bool:
    media_type = response.headers["content-type"].split(";")[0]
    if media_type == "application/sparql-results+json":
        return json.loads(response.content)["boolean"]
    text = response.text
    assert "<boolean>" in text, text
    return text.split("<boolean>", 1)[1].split("</boolean>", 1)[0].strip() == "true"


def _check_answer(response: httpx.Response, request: Request, expected_boolean: bool | None) -> None:
    media_type = response.headers["content-type"].split(";")[0]
    if request.expected_format == "boolean":
        assert media_type in BOOLEAN_TYPES
        if expected_boolean is not None:
            assert _parse_boolean(response) is expected_boolean
    elif request.expected_format == "tabular":
        assert media_type in TABULAR_TYPES
    elif request.expected_format == "RDF":
        assert media_type in RDF_TYPES
        rdflib.Graph().parse(io.BytesIO(response.content), format=RDF_TYPES[media_type])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(test: ProtocolTest, client: httpx.Client) -> None:
    refused_update = test.name.startswith("update_")
    for index, request in enumerate(test.requests):
        response = client.request(request.method, request.path, headers=request.headers, content=request.body)
        if refused_update and index == 0:
            assert response.status_code == 403, (test.label, response.text)
            assert "read-only" in response.text
            continue
        status = response.status_code
        assert _status_class(status) in request.statuses, (test.label, status, response.text)
        if test.name in EXACT_STATUS:
            assert response.status_code in EXACT_STATUS[test.name], (test.label, response.text)
            assert response.text.strip(), "an error must say what is wrong"
        if response.is_success:
            expected = request.expected_boolean
            if refused_update and expected is not None:
                expected = not expected  # the update was refused, so what it would have written is absent
            _check_answer(response, request, expected)
