#!/usr/bin/env python3
"""Checks schemas/openapi.yaml and validates live HTTP responses of inzaged against it.

    openapi_validate.py SPEC check
        Validates the spec itself (openapi-spec-validator), every example in it against its
        schema, and the project's own rules: every protected operation documents 401, 403 and
        503 (and 400 when it takes inputs), 401 carries WWW-Authenticate, no parameter that could
        carry a BSN is in a path or query string, and every error response uses the Error schema.

    openapi_validate.py SPEC response METHOD PATH STATUS FILE
        Validates the JSON body in FILE ('-' for stdin) against the schema of response STATUS of
        METHOD PATH. PATH is a template from the spec (/v1/alerts/{id}) or a concrete path
        (/v1/alerts/0a1b2c3d-4e5f6071-8293a4b5-c6d7e8f9, query string ignored).

Exit status: 0 valid, 1 invalid (the errors are printed, one per line, with the JSON path of each),
2 usage error or unreadable input.

As a module: load_spec(path), check_spec(spec) -> [problems], validate_response(spec, method,
path_template, status, body_json) (raises ResponseInvalid), response_errors(...) -> [problems].
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Iterable

try:
    import yaml
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    from openapi_spec_validator import validate as validate_openapi_spec
except ImportError as _e:  # pragma: no cover - environment problem, not a test result
    sys.exit(f"openapi_validate: {_e}; run it with the venv of scripts/python-venv.sh "
             "(tests/api/requirements.txt)")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_MEDIA_TYPE = "application/json"
PROBLEM_MEDIA_TYPE = "application/problem+json"
# Parameter names that would put a BSN (or another citizen identifier) into a URL.
FORBIDDEN_URL_PARAMS = re.compile(r"bsn|burgerservicenummer|subject", re.IGNORECASE)


class ResponseInvalid(Exception):
    """The body does not match the documented response, or the response is not documented."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings (JSON has no date type)."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        spec = yaml.load(f, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: not a YAML mapping")
    return spec


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _deref(spec: dict[str, Any], node: Any) -> Any:
    """Follows local $refs of non-schema objects (responses, parameters, headers, examples)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported: {ref}")
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        if seen > 32:
            raise ValueError(f"$ref loop at {ref}")
    return node


def _validator_for(spec: dict[str, Any], pointer: str) -> Any:
    # The spec itself is the root resource, so '#/components/...' refs inside the schema resolve.
    # Draft 4 semantics (OAS 3.0): nothing next to the $ref at the root is applied.
    root = dict(spec)
    root["$ref"] = "#" + pointer
    return OAS30Validator(root, format_checker=oas30_format_checker)


def _schema_errors(spec: dict[str, Any], pointer: str, instance: Any) -> list[str]:
    validator = _validator_for(spec, pointer)
    problems = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "$" + "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
        )
        problems.append(f"{where}: {error.message}")
    return problems


def find_path_template(spec: dict[str, Any], path: str) -> str | None:
    path = path.split("?", 1)[0]
    paths = spec.get("paths", {})
    if path in paths:
        return path
    for template in paths:
        rx = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(rx, path):
            return template
    return None


def _response_pointer(
    spec: dict[str, Any], method: str, path: str, status: int | str
) -> tuple[str, dict[str, Any]]:
    template = find_path_template(spec, path)
    if template is None:
        raise ResponseInvalid([f"no path in the spec matches {path}"])
    op = spec["paths"][template].get(method.lower())
    if op is None:
        raise ResponseInvalid([f"{method.upper()} {template} is not in the spec"])
    responses = op.get("responses", {})
    status = str(status)
    for key in (status, status[0] + "XX", "default"):
        if key in responses:
            pointer = f"/paths/{_escape(template)}/{method.lower()}/responses/{_escape(key)}"
            return _response_ref(spec, pointer) or pointer, _deref(spec, responses[key])
    raise ResponseInvalid(
        [f"status {status} is not documented for {method.upper()} {template} "
         f"(documented: {', '.join(sorted(responses))})"]
    )


def response_errors(
    spec: dict[str, Any], method: str, path_template: str, status: int | str, body_json: Any
) -> list[str]:
    """Problems of body_json (parsed JSON) as response `status` of METHOD PATH; [] if valid."""
    try:  # pointer: the (final, $ref-followed) response object
        pointer, response = _response_pointer(spec, method, path_template, status)
    except ResponseInvalid as e:
        return e.problems
    content = response.get("content", {})
    media = next((m for m in (JSON_MEDIA_TYPE, PROBLEM_MEDIA_TYPE) if m in content), None)
    if media is None:
        return [f"response {status} of {method.upper()} {path_template} has no JSON body "
                f"(media types: {', '.join(content) or 'none'})"]
    if "schema" not in content[media]:
        return []
    return _schema_errors(spec, f"{pointer}/content/{_escape(media)}/schema", body_json)


def _response_ref(spec: dict[str, Any], pointer: str) -> str | None:
    """The pointer a response at `pointer` finally refers to, or None if it is inline."""
    node: Any = spec
    for part in pointer[1:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    ref = None
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"][1:]
        node = _deref(spec, {"$ref": node["$ref"]})
    return ref


def validate_response(
    spec: dict[str, Any], method: str, path_template: str, status: int | str, body_json: Any
) -> None:
    """Raises ResponseInvalid (with .problems) unless body_json matches the documented response."""
    problems = response_errors(spec, method, path_template, status, body_json)
    if problems:
        raise ResponseInvalid(problems)


def _operations(spec: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for template, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield template, method, item[method]


def _check_examples(spec: dict[str, Any]) -> list[str]:
    problems = []

    def check(where: str, schema_pointer: str, value: Any) -> None:
        for p in _schema_errors(spec, schema_pointer, value):
            problems.append(f"example {where}: {p}")

    for template, method, op in _operations(spec):
        base = f"/paths/{_escape(template)}/{method}"
        label = f"{method.upper()} {template}"
        for i, param in enumerate(op.get("parameters", [])):
            resolved = _deref(spec, param)
            if "example" in resolved:
                ptr = (f"{base}/parameters/{i}/schema" if "$ref" not in param
                       else param["$ref"][1:] + "/schema")
                check(f"{label} parameter {resolved.get('name')}", ptr, resolved["example"])
        holders = []
        if "requestBody" in op:
            holders.append((f"{base}/requestBody", f"{label} request"))
        for status in op.get("responses", {}):
            holders.append((f"{base}/responses/{_escape(status)}", f"{label} {status}"))
        for ptr, where in holders:
            target = _response_ref(spec, ptr) or ptr
            body = _deref(spec, {"$ref": "#" + target})
            for media, mt in body.get("content", {}).items():
                if media != JSON_MEDIA_TYPE or "schema" not in mt:
                    continue
                schema_ptr = f"{target}/content/{_escape(media)}/schema"
                if "example" in mt:
                    check(where, schema_ptr, mt["example"])
                for name, ex in mt.get("examples", {}).items():
                    ex = _deref(spec, ex)
                    if "value" in ex:
                        check(f"{where} ({name})", schema_ptr, ex["value"])
    return problems


def _check_rules(spec: dict[str, Any]) -> list[str]:
    problems = []
    global_security = spec.get("security", [])
    error_ref = "#/components/schemas/Error"
    for template, method, op in _operations(spec):
        label = f"{method.upper()} {template}"
        responses = op.get("responses", {})
        params = [_deref(spec, p) for p in op.get("parameters", [])]
        for p in params:
            if p.get("in") in ("path", "query") and FORBIDDEN_URL_PARAMS.search(p.get("name", "")):
                problems.append(f"{label}: parameter '{p['name']}' in the {p['in']} could carry "
                                "a citizen identifier in a URL")
        protected = bool(op.get("security", global_security))
        if protected:
            required = ["401", "403", "503"]
            if params or "requestBody" in op:
                required.append("400")
            for status in required:
                if status not in responses:
                    problems.append(f"{label}: protected operation does not document {status}")
            if "401" in responses:
                headers = _deref(spec, responses["401"]).get("headers", {})
                if "WWW-Authenticate" not in headers:
                    problems.append(f"{label}: 401 without a WWW-Authenticate header")
            if "x-inzage-roles" not in op:
                problems.append(f"{label}: protected operation without x-inzage-roles")
        if "requestBody" in op and "413" not in responses:
            problems.append(f"{label}: takes a body but does not document 413")
        for status, response in responses.items():
            if not status.startswith(("4", "5")) or template == "/readyz":
                continue
            content = _deref(spec, response).get("content", {})
            # A route of another standard may answer its request errors in that standard's
            # form (the LDV read API: application/problem+json), when the operation says so.
            if status == "400" and PROBLEM_MEDIA_TYPE in content:
                if op.get("x-inzage-problem-json") is not True:
                    problems.append(f"{label}: 400 in {PROBLEM_MEDIA_TYPE} without "
                                    "x-inzage-problem-json")
                continue
            schema = content.get(JSON_MEDIA_TYPE, {}).get("schema", {})
            if schema.get("$ref") != error_ref:
                problems.append(f"{label}: {status} does not use the Error schema")
    return problems


def check_spec(spec: dict[str, Any]) -> list[str]:
    """Problems of the spec: OpenAPI validity first; if valid, examples and project rules."""
    try:
        validate_openapi_spec(spec)
    except Exception as e:  # openapi-spec-validator raises several exception types
        return [f"not a valid OpenAPI document: {e}"]
    return _check_examples(spec) + _check_rules(spec)


def _usage() -> int:
    print(__doc__.strip().split("\n\n")[1] + "\n\n" + __doc__.strip().split("\n\n")[2],
          file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        return _usage()
    try:
        spec = load_spec(argv[0])
    except (OSError, yaml.YAMLError, ValueError) as e:
        print(f"cannot read spec: {e}", file=sys.stderr)
        return 2
    if argv[1] == "check" and len(argv) == 2:
        problems = check_spec(spec)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"{argv[0]}: {len(problems)} problem(s)", file=sys.stderr)
            return 1
        print(f"{argv[0]}: valid OpenAPI {spec.get('openapi')}, examples and rules OK")
        return 0
    if argv[1] == "response" and len(argv) == 6:
        method, path, status, file = argv[2:]
        if not re.fullmatch(r"[1-5][0-9][0-9]", status):
            print(f"bad status: {status}", file=sys.stderr)
            return 2
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
        except OSError as e:
            print(f"cannot read body: {e}", file=sys.stderr)
            return 2
        try:
            body = json.loads(text)
        except json.JSONDecodeError as e:
            print(f"{method.upper()} {path} {status}: body is not JSON: {e}", file=sys.stderr)
            return 1
        problems = response_errors(spec, method, path, status, body)
        for p in problems:
            print(f"{method.upper()} {path} {status}: {p}", file=sys.stderr)
        return 1 if problems else 0
    return _usage()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
