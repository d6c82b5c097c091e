"""Verified fix for solutions/aws-iam-access-denied.md.

The project's .venv has neither boto3 nor botocore, so both are small fakes in tmp_path, shaped like
boto3 1.44.18 / botocore 1.44.18, the releases the entry was checked on:
- `botocore/exceptions.py`: ClientError is botocore 1.44.18's class word for word (MSG_TEMPLATE,
  `_get_retry_info`);
- `botocore/parsers.py`: the error parsing of botocore 1.44.18 parsers.py for the protocols used here:
  rest-xml (S3: `<Error><Code>..</Code><Message>..</Message>`, and an empty body, as a HEAD reply has,
  parsed from the status: RestXMLParser._parse_error_from_http_status, Code str(status), Message
  http.client.responses[status]), rest-json (Lambda: the x-amzn-errortype header, cut at ':' and '#'),
  json (DynamoDB: `__type` cut at '#', message from 'message' or 'Message') and query (STS: `<ErrorResponse>`);
- `botocore/client.py`: `_make_api_call` sends the request over HTTP to a local endpoint, parses an error
  reply and raises `error_class(parsed_response, operation_name)`, where the class comes from the
  service's modeled error shapes as errorfactory.py does: in 1.44.18 S3 models `AccessDenied` and
  `NoSuchKey` (so `botocore.errorfactory.AccessDenied`), Lambda, DynamoDB and STS do not model their
  AccessDenied codes (so `botocore.exceptions.ClientError`).
The local endpoint is a tiny AWS that authorizes each call against an identity policy and an SCP, and
answers with AWS's own error bodies and messages (`User: ... is not authorized to perform: ... because no
identity-based policy allows ...`, `... with an explicit deny in a service control policy`, S3's bare
`Access Denied`, 403 instead of 404 for a missing key without s3:ListBucket). The tests reproduce the
errors in a child interpreter, then run the entry's own Option 1 and Option 4 code: the statement Option 1
prints, attached to the identity, makes the refused call succeed and nothing more; an explicit deny is
reported as one no Allow can fix, and indeed the Allow does not fix it.
"""

import fnmatch
import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from answers import assert_answers
from fake_botocore import CLIENT_ERROR
from fake_site import write_files
from pyrun import last_line, run_python

SLUG = "aws-iam-access-denied"
ACCOUNT = "123456789012"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/dev"
DENY_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/DenyWrites"

ERRORFACTORY = """
from botocore.exceptions import ClientError

# modeled error shapes of botocore 1.44.18 (the ones these tests meet)
MODELED = {'s3': ['AccessDenied', 'NoSuchKey', 'NoSuchBucket'], 'lambda': [], 'dynamodb': [], 'sts': []}
_CLASSES = {}


def from_code(service, code):
    if code not in MODELED.get(service, []):
        return ClientError
    return _CLASSES.setdefault(code, type(code, (ClientError,), {}))
"""

PARSERS = """
import http.client
import json
import xml.etree.ElementTree as ET


def _strip(tag):
    return tag.rsplit('}', 1)[-1]


def _xml_fields(node):
    return {_strip(child.tag): (child.text or '') for child in node}


def rest_xml(status, headers, body):
    if not body:  # RestXMLParser._parse_error_from_http_status
        return {'Error': {'Code': str(status), 'Message': http.client.responses.get(status, '')},
                'ResponseMetadata': {'RequestId': headers.get('x-amz-request-id', ''), 'HTTPStatusCode': status}}
    root = ET.fromstring(body)
    error = _xml_fields(root) if _strip(root.tag) == 'Error' else _xml_fields(root.find('.//{*}Error'))
    error.pop('RequestId', None)
    error.pop('HostId', None)
    return {'Error': error, 'ResponseMetadata': {'HTTPStatusCode': status}}


def query(status, headers, body):
    root = ET.fromstring(body)
    error = _xml_fields(root.find('.//{*}Error'))
    return {'Error': error, 'ResponseMetadata': {'HTTPStatusCode': status}}


def json_protocol(status, headers, body):
    doc = json.loads(body or b'{}')
    code = doc.get('__type', str(status))
    if ':' in code:
        code = code.split(':', 1)[0]
    if '#' in code:
        code = code.rsplit('#', 1)[1]
    return {'Error': {'Code': code, 'Message': doc.get('message', doc.get('Message', ''))},
            'ResponseMetadata': {'HTTPStatusCode': status}}


def rest_json(status, headers, body):
    parsed = json_protocol(status, headers, body)
    if 'x-amzn-errortype' in headers:
        parsed['Error']['Code'] = headers['x-amzn-errortype'].split(':', 1)[0].rsplit('#', 1)[-1]
    return parsed
"""

CLIENT = """
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from botocore import errorfactory, parsers

PROTOCOL = {'s3': parsers.rest_xml, 'lambda': parsers.rest_json, 'dynamodb': parsers.json_protocol, 'sts': parsers.query}


class Client:
    def __init__(self, service):
        self._service = service
        self._endpoint = os.environ['FAKE_AWS_ENDPOINT']

    def _make_api_call(self, operation_name, method, path, body=b'', headers=None):
        request = urllib.request.Request(self._endpoint + path, data=body if method in ('PUT', 'POST') else None,
                                         method=method, headers=dict(headers or {}, **{'x-fake-service': self._service}))
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, dict(reply.headers), reply.read()
        except urllib.error.HTTPError as reply:
            status, reply_headers, reply_body = reply.code, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
        parsed_response = PROTOCOL[self._service](status, reply_headers, reply_body)
        error_code = parsed_response.get('Error', {}).get('Code')
        error_class = errorfactory.from_code(self._service, error_code)
        raise error_class(parsed_response, operation_name)

    # s3
    def put_object(self, Bucket, Key, Body=b''):
        self._make_api_call('PutObject', 'PUT', f'/{Bucket}/{Key}', Body if isinstance(Body, bytes) else Body.encode())
        return {}

    def head_object(self, Bucket, Key):
        self._make_api_call('HeadObject', 'HEAD', f'/{Bucket}/{Key}')
        return {'ResponseMetadata': {'HTTPStatusCode': 200}}

    # lambda
    def invoke(self, FunctionName, Payload=b'{}'):
        _, _, body = self._make_api_call('Invoke', 'POST', f'/2015-03-31/functions/{FunctionName}/invocations', Payload)
        return {'StatusCode': 200, 'Payload': body}

    # dynamodb
    def put_item(self, TableName, Item):
        body = json.dumps({'TableName': TableName, 'Item': Item}).encode()
        self._make_api_call('PutItem', 'POST', '/', body, {'x-amz-target': 'DynamoDB_20120810.PutItem'})
        return {}

    # sts
    def get_caller_identity(self):
        _, _, body = self._make_api_call('GetCallerIdentity', 'POST', '/', b'Action=GetCallerIdentity&Version=2011-06-15')
        root = ET.fromstring(body)
        return {name: root.find('.//{*}' + name).text for name in ('Arn', 'UserId', 'Account')}
"""

BOTO3 = """
from boto3 import session

__version__ = '1.44.18'


def client(service_name, **kwargs):
    return session.Session().client(service_name, **kwargs)
"""

BOTO3_SESSION = """
from botocore.client import Client


class Session:
    def client(self, service_name, **kwargs):
        return Client(service_name)
"""

FILES = {
    "botocore/__init__.py": "__version__ = '1.44.18'\n",
    "botocore/exceptions.py": CLIENT_ERROR,
    "botocore/errorfactory.py": ERRORFACTORY,
    "botocore/parsers.py": PARSERS,
    "botocore/client.py": CLIENT,
    "boto3/__init__.py": BOTO3,
    "boto3/session.py": BOTO3_SESSION,
}


class FakeAWS:
    """Authorizes every call as IAM does for one user: an explicit deny (SCP) wins, then an Allow in the
    identity policy is needed; the error bodies are the ones the real services send."""

    def __init__(self):
        self.allow: list[dict] = []  # identity-based policy statements of user/dev
        self.scp_deny: list[dict] = []  # Deny statements of a service control policy
        self.identity_deny: list[
            dict
        ] = []  # Deny statements of the managed policy DENY_POLICY attached to user/dev
        self.vpce_allow: list[dict] | None = (
            None  # the policy of the VPC endpoint the calls go through, if any
        )
        self.objects: dict[str, bytes] = {}

    @staticmethod
    def _matches(statement, action, resource):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        return any(fnmatch.fnmatchcase(action, a) for a in actions) and fnmatch.fnmatchcase(
            resource, statement["Resource"]
        )

    def decide(self, action, resource):
        if any(self._matches(s, action, resource) for s in self.scp_deny):
            return "scp"
        if any(self._matches(s, action, resource) for s in self.identity_deny):
            return "identity-deny"
        if self.vpce_allow is not None and not any(
            self._matches(s, action, resource) for s in self.vpce_allow
        ):
            return "vpce"
        return "allow" if any(self._matches(s, action, resource) for s in self.allow) else "implicit"

    def answer(self, service, method, path, body):
        if service == "sts":
            xml = (
                '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
                f"<Arn>{CALLER}</Arn><UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT}</Account>"
                "</GetCallerIdentityResult></GetCallerIdentityResponse>"
            )
            return 200, {"content-type": "text/xml"}, xml.encode()
        if service == "s3":
            bucket, _, key = path.lstrip("/").partition("/")
            obj, action = (
                f"arn:aws:s3:::{bucket}/{key}",
                "s3:PutObject" if method == "PUT" else "s3:GetObject",
            )
            if self.decide(action, obj) == "allow":
                if method == "PUT":
                    self.objects[f"{bucket}/{key}"] = body
                    return 200, {}, b""
                if f"{bucket}/{key}" in self.objects:
                    return 200, {}, b""
                # a missing key: 404 only for a caller that may list the bucket
                listed = self.decide("s3:ListBucket", f"arn:aws:s3:::{bucket}") == "allow"
                status = 404 if listed else 403
                code, message = (
                    ("NoSuchKey", "The specified key does not exist.")
                    if listed
                    else ("AccessDenied", "Access Denied")
                )
            else:
                status, code, message = 403, "AccessDenied", "Access Denied"
            if method == "HEAD":
                return status, {"x-amz-request-id": "4442587FB7D0A2F9"}, b""
            xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>h=</HostId></Error>'
            return status, {"content-type": "application/xml"}, xml.encode()
        if service == "lambda":
            name = path.split("/")[3]
            arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
            verdict = self.decide("lambda:InvokeFunction", arn)
            if verdict == "allow":
                return 200, {"content-type": "application/json"}, b'{"ok": true}'
            message = self._denied("lambda:InvokeFunction", arn, verdict)
            headers = {
                "content-type": "application/json",
                "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.awsgirapi/",
            }
            return 403, headers, json.dumps({"Message": message}).encode()
        if service == "dynamodb":
            table = json.loads(body)["TableName"]
            arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
            verdict = self.decide("dynamodb:PutItem", arn)
            if verdict == "allow":
                return 200, {"content-type": "application/x-amz-json-1.0"}, b"{}"
            body = {
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "message": self._denied("dynamodb:PutItem", arn, verdict),
            }
            return 400, {"content-type": "application/x-amz-json-1.0"}, json.dumps(body).encode()
        return 500, {}, b""

    @staticmethod
    def _denied(action, arn, verdict):
        why = {
            "scp": "with an explicit deny in a service control policy",
            # AWS appends the denying policy's ARN to identity-based explicit denies
            "identity-deny": f"with an explicit deny in an identity-based policy: {DENY_POLICY}",
            "vpce": f"because no VPC endpoint policy allows the {action} action",
        }.get(verdict, f"because no identity-based policy allows the {action} action")
        return f"User: {CALLER} is not authorized to perform: {action} on resource: {arn} {why}"


@contextmanager
def serve(aws: FakeAWS):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            status, headers, payload = aws.answer(
                self.headers["x-fake-service"], self.command, self.path, body
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_HEAD = _reply

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def aws(tmp_path):
    """(fake AWS, run(code) in a child with the fake boto3/botocore pointed at it, work folder)."""
    site = write_files(tmp_path / "site", FILES)
    work = tmp_path / "work"
    work.mkdir()
    fake = FakeAWS()
    with serve(fake) as url:

        def run(code):
            return run_python(code, cwd=work, path=[site, work], env={"FAKE_AWS_ENDPOINT": url}, timeout=30)

        yield fake, run, work


def _error(entry, text):
    assert text in entry.errors, text
    return text


def test_reproduces_the_refusals_as_botocore_prints_them(aws, entry, index):
    fake, run, _ = aws
    calls = {
        "import boto3\nboto3.client('s3').put_object(Bucket='agent-data', Key='out/report.json', Body=b'{}')": (
            "botocore.errorfactory.AccessDenied: An error occurred (AccessDenied) when calling the PutObject operation: "
            "Access Denied"
        ),
        "import boto3\nboto3.client('s3').head_object(Bucket='agent-data', Key='out/report.json')": (
            "botocore.exceptions.ClientError: An error occurred (403) when calling the HeadObject operation: Forbidden"
        ),
        "import boto3\nboto3.client('lambda').invoke(FunctionName='tool-runner')": (
            "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the Invoke "
            f"operation: User: {CALLER} is not authorized to perform: lambda:InvokeFunction on resource: "
            f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:tool-runner because no identity-based policy allows the "
            "lambda:InvokeFunction action"
        ),
    }
    for code, expected in calls.items():
        result = run(code)
        assert result.returncode == 1
        assert "botocore/client.py" in result.stderr  # raised where botocore raises it
        assert last_line(result) == _error(entry, expected)
        assert_answers(index, SLUG, result.stderr)
    # the same denial under an SCP says so, and the entry answers it too
    fake.scp_deny.append({"Action": "dynamodb:*", "Resource": "*"})
    result = run(
        "import boto3\nboto3.client('dynamodb').put_item(TableName='memory', Item={'k': {'S': 'v'}})"
    )
    assert last_line(result) == _error(
        entry,
        "botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the PutItem operation: "
        f"User: {CALLER} is not authorized to perform: dynamodb:PutItem on resource: "
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/memory with an explicit deny in a service control policy",
    )
    assert_answers(index, SLUG, result.stderr)


def test_option1_runs_as_published(aws, fix_code):
    _, run, _ = aws
    result = run(fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "PutObject: no policy allows it (S3 and older messages do not say which) -> add the statement below to user dev"
    )
    assert json.loads(lines[1])["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::agent-data/out/report.json"}
    ]
    assert "to get 404 instead" in lines[2]
    assert "role agent-role (arn:aws:iam::123456789012:role/agent-role)" in lines[4]
    assert lines[-2].startswith(
        "PutItem: explicit deny in service control policy -> an Allow cannot override a Deny"
    )
    assert lines[-1] == "no Allow statement can fix this"


EXPLAIN_AND_PRINT = """
import json, sys
import boto3
from botocore.exceptions import ClientError
from explain_access_denied import explain_access_denied, is_access_denied, whoami

service, call = sys.argv[1], sys.argv[2]
client = boto3.client(service)
try:
    eval(call)
    print(json.dumps({"ok": True}))
except ClientError as err:
    assert is_access_denied(err), err
    info = explain_access_denied(err, service=service, bucket="agent-data", key="out/report.json", caller_arn=whoami())
    print(json.dumps(info))
"""

PUT = "client.put_object(Bucket='agent-data', Key='out/report.json', Body=b'{}')"
INVOKE = "client.invoke(FunctionName='tool-runner')"


def _explain(run, work, fix_code, service, call):
    (work / "explain_access_denied.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = EXPLAIN_AND_PRINT.replace("sys.argv[1], sys.argv[2]", f"{service!r}, {call!r}")
    result = run(code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("service", "call"), [("s3", PUT), ("lambda", INVOKE)])
def test_option1_statement_fixes_exactly_the_refused_call(aws, fix_code, service, call):
    fake, run, work = aws
    info = _explain(run, work, fix_code, service, call)
    assert info["caller"] == CALLER
    assert info["advice"] == "add the statement below to user dev"
    statements = info["statement"]["Statement"]
    assert len(statements) == 1 and statements[0]["Resource"] != "*"
    fake.allow.extend(statements)  # what `aws iam put-user-policy` would attach
    assert _explain(run, work, fix_code, service, call) == {"ok": True}
    # least privilege: a neighbouring resource is still refused
    other = call.replace("out/report.json", "secrets/keys.json").replace("tool-runner", "admin-tool")
    assert "statement" in _explain(run, work, fix_code, service, other)


def test_option1_says_no_allow_fixes_an_explicit_deny(aws, fix_code):
    fake, run, work = aws
    fake.scp_deny.append({"Action": "s3:PutObject", "Resource": "arn:aws:s3:::agent-data/*"})
    fake.allow.append({"Action": "s3:*", "Resource": "*"})
    put = "client.put_object(Bucket='agent-data', Key='out/report.json', Body=b'{}')"
    # S3 gives no reason: an Allow is proposed, and it is already there, which is Option 2's case
    assert _explain(run, work, fix_code, "s3", put)["reason"].startswith("no policy allows it")
    fake.scp_deny[0] = {"Action": "dynamodb:*", "Resource": "*"}
    call = "client.put_item(TableName='memory', Item={'k': {'S': 'v'}})"
    info = _explain(run, work, fix_code, "dynamodb", call)
    assert info["reason"] == "explicit deny in service control policy"
    assert info["statement"] is None
    assert "an Allow cannot override a Deny" in info["advice"]
    fake.allow.append(
        {"Action": "dynamodb:PutItem", "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/memory"}
    )
    assert "statement" in _explain(run, work, fix_code, "dynamodb", call)  # still refused


OBJECT_EXISTS = """
import boto3
from object_exists import object_exists

s3 = boto3.client('s3')
try:
    print(object_exists(s3, 'agent-data', 'missing.json'))
except PermissionError as err:
    print('PermissionError:', err)
"""


def test_option4_tells_a_missing_key_from_a_refused_one(aws, fix_code):
    fake, run, work = aws
    (work / "object_exists.py").write_text(fix_code(SLUG, 4), encoding="utf-8")
    fake.allow.append({"Action": "s3:GetObject", "Resource": "arn:aws:s3:::agent-data/*"})
    result = run(OBJECT_EXISTS)
    assert result.returncode == 0, result.stderr
    assert re.match(
        r"PermissionError: 403 on HeadObject s3://agent-data/missing.json: .*s3:ListBucket on arn:aws:s3:::agent-data\)",
        result.stdout,
    )
    fake.allow.append({"Action": "s3:ListBucket", "Resource": "arn:aws:s3:::agent-data"})
    result = run(OBJECT_EXISTS)
    assert result.stdout.strip() == "False", result.stderr
    head = run("import boto3\nboto3.client('s3').head_object(Bucket='agent-data', Key='missing.json')")
    assert (
        last_line(head)
        == "botocore.exceptions.ClientError: An error occurred (404) when calling the HeadObject operation: Not Found"
    )


def test_option1_an_explicit_deny_that_names_its_policy_arn_is_still_an_explicit_deny(aws, fix_code):
    """AWS now appends the denying policy's ARN ('... in an identity-based policy: arn:...'); the published regex
    required the policy type to end the message, so it reported 'no policy allows it' and proposed an Allow."""
    fake, run, work = aws
    fake.identity_deny.append({"Action": "dynamodb:*", "Resource": "*"})
    call = "client.put_item(TableName='memory', Item={'k': {'S': 'v'}})"
    info = _explain(run, work, fix_code, "dynamodb", call)
    assert info["reason"] == f"explicit deny in identity-based policy {DENY_POLICY}"
    assert info["statement"] is None
    assert "an Allow cannot override a Deny" in info["advice"] and DENY_POLICY in info["advice"]
    fake.allow.append({"Action": "dynamodb:PutItem", "Resource": "*"})
    assert "reason" in _explain(run, work, fix_code, "dynamodb", call)  # an Allow indeed does not help


def test_option1_names_the_vpc_endpoint_policy_when_it_is_the_one_missing(aws, fix_code):
    fake, run, work = aws
    fake.vpce_allow = [{"Action": "dynamodb:GetItem", "Resource": "*"}]
    fake.allow.append({"Action": "dynamodb:*", "Resource": "*"})  # the identity may already do it
    call = "client.put_item(TableName='memory', Item={'k': {'S': 'v'}})"
    info = _explain(run, work, fix_code, "dynamodb", call)
    assert info["reason"] == "no VPC endpoint policy allows it"
    assert info["advice"].startswith("the VPC endpoint policy must allow it too")
    fake.vpce_allow.extend(info["statement"]["Statement"])  # widening the endpoint's policy is what fixes it
    assert _explain(run, work, fix_code, "dynamodb", call) == {"ok": True}


EXPLAIN_MESSAGES = """
import json, sys
from botocore.exceptions import ClientError
from explain_access_denied import explain_access_denied, is_access_denied

out = []
for code, message, operation, service in json.loads(sys.stdin.read()):
    err = ClientError({"Error": {"Code": code, "Message": message}}, operation)
    info = explain_access_denied(err, service=service, bucket="agent-data", key="out/report.json",
                                 caller_arn="arn:aws:iam::123456789012:user/dev")
    out.append(dict(info, denied=is_access_denied(err)))
print(json.dumps(out))
"""


def _explain_messages(run, work, fix_code, cases):
    (work / "explain_access_denied.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    code = EXPLAIN_MESSAGES.replace("sys.stdin.read()", repr(json.dumps(cases)))
    result = run(code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


USER = f"User: arn:aws:iam::{ACCOUNT}:user/John is not authorized to perform: "


def test_option1_reads_the_other_explicit_deny_wordings(aws, fix_code):
    """Wordings of the IAM user guide's 'Troubleshoot access denied error messages' page and public logs."""
    _, run, work = aws
    cases = [
        (
            "AccessDenied",
            USER + "sts:AssumeRole with an explicit deny in the role trust policy",
            "AssumeRole",
            None,
        ),
        (
            "UnauthorizedOperation",
            "You are not authorized to perform this operation. " + USER + "ec2:RunInstances on resource: "
            f"arn:aws:ec2:ap-south-1:{ACCOUNT}:instance/* with an explicit deny in an identity-based policy: "
            "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3. Encoded authorization failure message: GHi3M",
            "RunInstances",
            None,
        ),
        (
            "AccessDenied",
            USER + "s3:ListAllMyBuckets with an explicit deny in an identity-based policy: "
            f"arn:aws:iam::{ACCOUNT}:policy/enforce-mfa",
            "ListBuckets",
            "s3",
        ),
    ]
    infos = _explain_messages(run, work, fix_code, cases)
    assert [i["statement"] for i in infos] == [None, None, None]
    assert [i["reason"] for i in infos] == [
        "explicit deny in role trust policy",
        "explicit deny in identity-based policy arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
        f"explicit deny in identity-based policy arn:aws:iam::{ACCOUNT}:policy/enforce-mfa",
    ]


def test_option1_sends_a_role_trust_refusal_to_the_trust_policy(aws, fix_code):
    _, run, work = aws
    message = USER + "sts:AssumeRole because no role trust policy allows the sts:AssumeRole action"
    (info,) = _explain_messages(run, work, fix_code, [("AccessDenied", message, "AssumeRole", None)])
    assert info["advice"].startswith("the role's trust policy must name user John as Principal")


def test_option1_grants_s3_bucket_actions_on_the_bucket_arn(aws, fix_code):
    """S3's bare 'Access Denied' to a bucket operation: the statement must name the bucket, not its objects."""
    _, run, work = aws
    cases = [
        ("AccessDenied", "Access Denied", "PutBucketPolicy", "s3"),
        ("AccessDenied", "Access Denied", "ListBuckets", "s3"),
        ("AccessDenied", "Access Denied", "GetObject", "s3"),
    ]
    statements = [i["statement"]["Statement"] for i in _explain_messages(run, work, fix_code, cases)]
    assert statements == [
        [{"Effect": "Allow", "Action": ["s3:PutBucketPolicy"], "Resource": "arn:aws:s3:::agent-data"}],
        [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "*"}],
        [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::agent-data/out/report.json",
            }
        ],
    ]


def test_option1_counts_sns_authorization_error_as_access_denied(aws, entry, fix_code):
    _, run, work = aws
    text = next(e for e in entry.errors if "(AuthorizationError)" in e)
    message = text.split(" operation: ", 1)[1]
    (info,) = _explain_messages(run, work, fix_code, [("AuthorizationError", message, "Publish", "sns")])
    assert info["denied"] is True
    assert info["statement"]["Statement"][0]["Action"] == ["SNS:Publish"]


SIMULATE = """
import json
import simulate_access

calls = []


class Client:
    def __init__(self, name):
        self.name = name

    def get_caller_identity(self):
        return {"Arn": "arn:aws:iam::123456789012:user/admin"}  # whoever runs the script

    def get_role(self, RoleName):
        calls.append(("get_role", RoleName))
        path = "/aws-reserved/sso.amazonaws.com/eu-west-1/" if RoleName.startswith("AWSReservedSSO_") else "/"
        return {"Role": {"Arn": f"arn:aws:iam::123456789012:role{path}{RoleName}"}}

    def simulate_principal_policy(self, **kwargs):
        calls.append(("simulate", kwargs["PolicySourceArn"]))
        return {"EvaluationResults": [{"EvalActionName": kwargs["ActionNames"][0],
                                       "EvalResourceName": kwargs["ResourceArns"][0], "EvalDecision": "implicitDeny"}]}


class Session:
    def client(self, name):
        return Client(name)


for principal in ARGS:
    simulate_access.simulate("s3:PutObject", "arn:aws:s3:::agent-data/out/report.json", principal, session=Session())
print(json.dumps(calls))
"""


def _simulate(run, work, fix_code, principals):
    (work / "simulate_access.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    result = run(SIMULATE.replace("ARGS", repr(principals)))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_option2_simulates_the_refused_identity_not_the_administrator(aws, fix_code):
    """The prose has an administrator run it; the published script simulated whoever ran it (the admin)."""
    _, run, work = aws
    calls = _simulate(run, work, fix_code, [CALLER, None])
    assert calls == [["simulate", CALLER], ["simulate", f"arn:aws:iam::{ACCOUNT}:user/admin"]]


def test_option2_simulates_an_sso_session_as_its_role_with_the_path(aws, fix_code):
    """GetCallerIdentity's session ARN has no path; the role's ARN does (SSO: /aws-reserved/sso.amazonaws.com/...)."""
    _, run, work = aws
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Dev_0123abcd/alice@example.com"
    calls = _simulate(run, work, fix_code, [session])
    assert calls[-1] == [
        "simulate",
        f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Dev_0123abcd",
    ]
