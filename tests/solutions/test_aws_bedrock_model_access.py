"""Verified fix for solutions/aws-bedrock-model-access.md.

The project installs neither boto3 nor botocore, so both are small fakes in tmp_path:
- `botocore.exceptions.ClientError` is botocore 1.44.18's exceptions.py class word for word (MSG_TEMPLATE
  'An error occurred ({error_code}) when calling the {operation_name} operation{retry_info}: {error_message}',
  `_get_retry_info` for ' (reached max retries: N)'), and `botocore.errorfactory` builds the modeled error
  classes with `type(name, (ClientError,), {})` as botocore 1.44.18 errorfactory.py does, so a traceback names
  `botocore.errorfactory.AccessDeniedException`; the fake runtime raises them the way client.py
  `_make_api_call` does: `raise error_class(parsed_response, operation_name)`.
- The fake `bedrock` client answers `list_foundation_models`, `list_inference_profiles` (paginated with
  nextToken) and `get_foundation_model_availability` with responses shaped like the output shapes of
  botocore 1.44.18 data/bedrock/2023-04-20/service-2.json (FoundationModelSummary, InferenceProfileSummary,
  GetFoundationModelAvailabilityResponse); the same dicts were checked against the real model with
  botocore.stub.Stubber when the entry was written. The service's own message texts are AWS's, quoted as
  seen in public issues.
The tests reproduce the errors in a child interpreter, then run the entry's Option 1 script against the
fake region and assert the id, region and access advice it prints; the id it names is then accepted.
"""

import json
from pathlib import Path

from fake_botocore import CLIENT_ERROR
from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "aws-bedrock-model-access"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

# botocore 1.44.18 errorfactory.py: one class per modeled error shape, created here.
BOTOCORE_ERRORFACTORY = """
from botocore.exceptions import ClientError


def make(names):
    return {name: type(name, (ClientError,), {}) for name in names}
"""

ACCESS_DENIED = "You don't have access to the model with the specified model ID."
INVALID_ID = "The provided model identifier is invalid."
NEEDS_PROFILE = (
    "Invocation of model ID {} with on-demand throughput isn\u2019t supported. "
    "Retry your request with the ID or ARN of an inference profile that contains this model."
)
THROTTLED = "Too many requests, please wait before trying again."

BOTO3 = """
import json
import os

from botocore.errorfactory import make
from botocore.exceptions import ClientError

ERRORS = make(["AccessDeniedException", "ValidationException", "ResourceNotFoundException", "ThrottlingException"])
STATE = json.loads(open(os.environ["FAKE_BEDROCK_STATE"], encoding="utf-8").read())


def _raise(code, message, operation, **metadata):
    response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400, **metadata}}
    raise ERRORS[code](response, operation)


class Bedrock:
    def list_foundation_models(self, **kwargs):
        return {"modelSummaries": STATE["models"]}

    def list_inference_profiles(self, nextToken=None, **kwargs):
        pages = STATE["profile_pages"]
        index = int(nextToken or 0)
        page = {"inferenceProfileSummaries": pages[index]}
        if index + 1 < len(pages):
            page["nextToken"] = str(index + 1)
        return page

    def get_foundation_model_availability(self, modelId):
        if modelId not in STATE["availability"]:
            _raise("ResourceNotFoundException", "Model not found", "GetFoundationModelAvailability")
        return STATE["availability"][modelId]


class OldBedrock:  # botocore < 1.38.43: no get_foundation_model_availability
    list_foundation_models = Bedrock.list_foundation_models
    list_inference_profiles = Bedrock.list_inference_profiles


class BedrockRuntime:
    def _call(self, operation, modelId, **kwargs):
        if STATE.get("throttle"):
            _raise("ThrottlingException", STATE["throttle"], operation, MaxAttemptsReached=True, RetryAttempts=4)
        models = {m["modelId"]: m for m in STATE["models"]}
        profiles = {p["inferenceProfileId"] for page in STATE["profile_pages"] for p in page}
        if modelId not in models and modelId not in profiles:
            _raise("ValidationException", STATE["messages"]["invalid"], operation)
        base = modelId.split(".", 1)[1] if modelId in profiles else modelId
        if STATE["availability"].get(base, {}).get("authorizationStatus") == "NOT_AUTHORIZED":
            _raise("AccessDeniedException", STATE["messages"]["denied"], operation)
        if modelId in models and "ON_DEMAND" not in models[modelId]["inferenceTypesSupported"]:
            _raise("ValidationException", STATE["messages"]["profile"].format(modelId), operation)
        return {"output": {"message": {"role": "assistant", "content": [{"text": "OK from " + modelId}]}}}

    def converse(self, **kwargs):
        return self._call("Converse", **kwargs)

    def converse_stream(self, **kwargs):
        return self._call("ConverseStream", **kwargs)

    def invoke_model(self, **kwargs):
        return self._call("InvokeModel", **kwargs)


def client(name, region_name=None, **kwargs):
    return session.Session(region_name=region_name).client(name)


from boto3 import session  # noqa: E402
"""

BOTO3_SESSION = """
import os


class Session:
    def __init__(self, region_name=None, **kwargs):
        self.region_name = region_name or os.environ.get("AWS_DEFAULT_REGION")

    def client(self, name, **kwargs):
        import boto3

        if name == "bedrock":
            return boto3.OldBedrock() if os.environ.get("FAKE_OLD_BOTOCORE") else boto3.Bedrock()
        if name == "bedrock-runtime":
            return boto3.BedrockRuntime()
        raise ValueError(name)
"""

ARN = "arn:aws:bedrock:{}::foundation-model/{}"
SONNET_V2 = "anthropic.claude-3-5-sonnet-20241022-v2:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
TITAN = "amazon.titan-text-express-v1"


def _model(model_id, inference_types, status="ACTIVE", provider="Anthropic"):
    """A FoundationModelSummary (bedrock 2023-04-20 output shape)."""
    return {
        "modelArn": ARN.format("us-east-1", model_id),
        "modelId": model_id,
        "modelName": model_id.split(".", 1)[1],
        "providerName": provider,
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT"],
        "responseStreamingSupported": True,
        "customizationsSupported": [],
        "inferenceTypesSupported": inference_types,
        "modelLifecycle": {"status": status},
    }


def _profile(prefix, model_id, regions):
    """An InferenceProfileSummary (bedrock 2023-04-20 output shape)."""
    profile_id = f"{prefix}.{model_id}"
    return {
        "inferenceProfileName": f"{prefix.upper()} {model_id}",
        "description": f"Routes requests to {model_id} in {', '.join(regions)}.",
        "inferenceProfileArn": f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{profile_id}",
        "models": [{"modelArn": ARN.format(region, model_id)} for region in regions],
        "inferenceProfileId": profile_id,
        "status": "ACTIVE",
        "type": "SYSTEM_DEFINED",
    }


def _availability(model_id, authorized=True):
    """A GetFoundationModelAvailabilityResponse (bedrock 2023-04-20 output shape)."""
    return {
        "modelId": model_id,
        "agreementAvailability": {"status": "AVAILABLE" if authorized else "NOT_AVAILABLE"},
        "authorizationStatus": "AUTHORIZED" if authorized else "NOT_AUTHORIZED",
        "entitlementAvailability": "AVAILABLE" if authorized else "NOT_AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }


# us-east-1 as the fake service sees it: Sonnet v2 only through profiles (listed on two pages),
# Haiku on demand but not yet granted to this account, Titan Express legacy and granted.
US_EAST_1 = {
    "models": [
        _model(SONNET_V2, ["INFERENCE_PROFILE"]),
        _model(HAIKU, ["ON_DEMAND"]),
        _model(TITAN, ["ON_DEMAND"], status="LEGACY", provider="Amazon"),
    ],
    "profile_pages": [
        [_profile("global", SONNET_V2, ["us-east-1", "eu-west-1", "ap-northeast-1"])],
        [_profile("us", SONNET_V2, ["us-east-1", "us-east-2", "us-west-2"])],
    ],
    "availability": {
        SONNET_V2: _availability(SONNET_V2),
        HAIKU: _availability(HAIKU, authorized=False),
        TITAN: _availability(TITAN),
    },
    "messages": {"invalid": INVALID_ID, "denied": ACCESS_DENIED, "profile": NEEDS_PROFILE},
}


def _site(tmp_path, state=US_EAST_1):
    site = tmp_path / "site"
    files = {
        "botocore/__init__.py": "__version__ = '1.44.18'\n",
        "botocore/exceptions.py": CLIENT_ERROR,
        "botocore/errorfactory.py": BOTOCORE_ERRORFACTORY,
        "boto3/__init__.py": "__version__ = '1.44.18'\n" + BOTO3,
        "boto3/session.py": BOTO3_SESSION,
    }
    write_files(site, files)
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(state), encoding="utf-8")
    return site, {"FAKE_BEDROCK_STATE": str(state_file), "AWS_DEFAULT_REGION": None}


def _call(tmp_path, site, env, operation, model_id):
    code = (
        "import boto3\n"
        "runtime = boto3.client('bedrock-runtime', region_name='us-east-1')\n"
        f"print(runtime.{operation}(modelId={model_id!r}, messages=[])['output']['message']['content'][0]['text'])\n"
    )
    return run_python(code, cwd=tmp_path, path=site, env=env)


def _check(fix_code, tmp_path, site, env, *args, old=False):
    script = tmp_path / "bedrock_model_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    if old:
        env = {**env, "FAKE_OLD_BOTOCORE": "1"}
    code = "import runpy, sys; sys.argv[0] = 'bedrock_model_check.py'; runpy.run_path(sys.argv[0], run_name='__main__')"
    return run_python(code, cwd=tmp_path, path=site, env=env, args=args)


def test_reproduces_the_three_refusals_in_botocore_s_format(tmp_path):
    site, env = _site(tmp_path)

    def signature(operation: str, message: str) -> str:
        [found] = [
            s
            for s in ENTRY.errors
            if s.startswith("botocore.") and f"the {operation} operation: {message}" in s
        ]
        return found

    cases = [  # bare id of a profile-only model, an account without access, a profile of another geography
        (
            "converse",
            SONNET_V2,
            signature("Converse", f"Invocation of model ID {SONNET_V2} with on-demand throughput isn’t"),
        ),
        ("invoke_model", HAIKU, signature("InvokeModel", "You don't have access to the model")),
        (
            "converse_stream",
            "eu." + SONNET_V2,
            signature("ConverseStream", "The provided model identifier is invalid."),
        ),
    ]
    for operation, model_id, signature in cases:
        result = _call(tmp_path, site, env, operation, model_id)
        assert result.returncode != 0
        assert last_line(result) == signature
    # the not_errors look-alike: throttling carries the retry note between operation and message
    throttled = dict(US_EAST_1, throttle=THROTTLED)
    site, env = _site(tmp_path, throttled)
    result = _call(tmp_path, site, env, "invoke_model", HAIKU)
    assert last_line(result) == ENTRY.not_errors[2]


def test_option1_names_the_inference_profile_and_that_id_works(fix_code, tmp_path):
    site, env = _site(tmp_path)
    result = _check(fix_code, tmp_path, site, env, SONNET_V2, "us-east-1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "region: us-east-1" in out
    assert "region_offers: True" in out and "on_demand: False" in out
    # both pages were read, the geography profile comes before the global one
    assert f"profile_ids: ['us.{SONNET_V2}', 'global.{SONNET_V2}']" in out
    assert f"-> call it through an inference profile: modelId='us.{SONNET_V2}'" in out
    assert "no access" not in out
    called = _call(tmp_path, site, env, "converse", f"us.{SONNET_V2}")
    assert called.returncode == 0, called.stderr
    assert called.stdout.strip() == f"OK from us.{SONNET_V2}"


def test_option1_reports_missing_access(fix_code, tmp_path):
    site, env = _site(tmp_path)
    result = _check(fix_code, tmp_path, site, env, HAIKU, "us-east-1")
    assert result.returncode == 0, result.stderr
    assert "on_demand: True" in result.stdout
    assert "'authorization': 'NOT_AUTHORIZED'" in result.stdout
    assert "-> the account has no access to this model yet" in result.stdout
    assert "inference profile" not in result.stdout


def test_option1_unknown_ids_typos_and_foreign_prefixes(fix_code, tmp_path):
    site, env = _site(tmp_path)
    typo = "anthropic.claude-3-5-sonet-20241022-v2:0"
    result = _check(fix_code, tmp_path, site, env, typo, "us-east-1")
    assert result.returncode == 0, result.stderr
    assert "region_offers: False" in result.stdout
    assert f"-> this region does not offer '{typo}'" in result.stdout
    assert f"closest ids here: ['{SONNET_V2}'" in result.stdout

    foreign = f"eu.{SONNET_V2}"
    result = _check(fix_code, tmp_path, site, env, foreign, "us-east-1")
    assert result.returncode == 0, result.stderr
    assert f"base_model_id: {SONNET_V2}" in result.stdout
    assert f"-> call it through an inference profile: modelId='us.{SONNET_V2}'" in result.stdout
    assert f"-> '{foreign}' is not an inference profile in this region" in result.stdout

    # a profile id that exists here is fine as it is
    result = _check(fix_code, tmp_path, site, env, f"us.{SONNET_V2}", "us-east-1")
    assert "is_profile: True" in result.stdout
    assert "-> the region offers it, the id is callable and access looks granted" in result.stdout


def test_option1_legacy_old_botocore_and_usage(fix_code, tmp_path):
    site, env = _site(tmp_path)
    result = _check(fix_code, tmp_path, site, env, TITAN, "us-east-1")
    assert "lifecycle: LEGACY" in result.stdout
    assert "-> the model is LEGACY" in result.stdout

    old = _check(fix_code, tmp_path, site, env, HAIKU, "us-east-1", old=True)
    assert old.returncode == 0, old.stderr
    assert "access: None" in old.stdout  # no availability call before botocore 1.38.43
    assert "-> the region offers it" in old.stdout

    usage = _check(fix_code, tmp_path, site, env)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("Why does Bedrock refuse MODEL_ID in REGION")
