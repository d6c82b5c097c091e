"""Verified fix for solutions/aws-credentials-not-found.md.

The project's .venv has neither boto3 nor botocore, so both are small fakes in tmp_path, shaped like
boto3 1.44.18 / botocore 1.44.18 (the releases the entry was checked on, whose texts are the same in
botocore 1.20.112 and 1.29.165):
- `botocore/exceptions.py`: BotoCoreError formats its class `fmt` with the keyword arguments, and the
  `fmt` strings of NoCredentialsError, PartialCredentialsError, ProfileNotFound, NoRegionError,
  EndpointConnectionError and ClientError.MSG_TEMPLATE are copied word for word;
- `botocore/session.py`: get_scoped_config raises ProfileNotFound for a named profile that is in neither
  file (session.py), the credential chain is credentials.py's env -> shared-credentials-file ->
  config-file with the env provider dropped when a profile is passed explicitly
  (create_credential_resolver), EnvProvider/_extract_creds_from_mapping raise the partial errors, the
  region comes from region_name, AWS_DEFAULT_REGION (not AWS_REGION: configprovider.py) or the profile,
  and a regional client without one raises NoRegionError (regions.py) while sts falls back to the
  global endpoint;
- a call without credentials raises NoCredentialsError when signing (auth.py); with credentials there is
  no network, so the call raises EndpointConnectionError unless the test hands the fake an STS reply
  (FAKE_AWS_REPLY, a JSON file: a GetCallerIdentity result or an error code and message).
The tests reproduce the errors in a child interpreter with an empty AWS environment, then run the
entry's own Option 1 script in the same situations and check what it reports (and that it never prints
the secret key or the session token).
"""

import json
import os
from pathlib import Path

import pytest
from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "aws-credentials-not-found"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"

EXCEPTIONS = """
class BotoCoreError(Exception):
    fmt = 'An unspecified error occurred'

    def __init__(self, **kwargs):
        msg = self.fmt.format(**kwargs)
        Exception.__init__(self, msg)
        self.kwargs = kwargs


class EndpointConnectionError(BotoCoreError):
    fmt = 'Could not connect to the endpoint URL: "{endpoint_url}"'


class NoCredentialsError(BotoCoreError):
    fmt = 'Unable to locate credentials'


class PartialCredentialsError(BotoCoreError):
    fmt = 'Partial credentials found in {provider}, missing: {cred_var}'


class BaseEndpointResolverError(BotoCoreError):
    pass


class NoRegionError(BaseEndpointResolverError):
    fmt = 'You must specify a region.'


class ProfileNotFound(BotoCoreError):
    fmt = 'The config profile ({profile}) could not be found'


class ClientError(Exception):
    MSG_TEMPLATE = (
        'An error occurred ({error_code}) when calling the {operation_name} '
        'operation{retry_info}: {error_message}'
    )

    def __init__(self, error_response, operation_name):
        error = error_response.get('Error', {})
        msg = self.MSG_TEMPLATE.format(
            error_code=error.get('Code', 'Unknown'),
            error_message=error.get('Message', 'Unknown'),
            operation_name=operation_name,
            retry_info='',
        )
        super().__init__(msg)
        self.response = error_response
        self.operation_name = operation_name
"""

CREDENTIALS = """
from collections import namedtuple

ReadOnlyCredentials = namedtuple('ReadOnlyCredentials', ['access_key', 'secret_key', 'token', 'account_id'])


class Credentials:
    def __init__(self, access_key, secret_key, token=None, method=None, account_id=None):
        self.access_key, self.secret_key, self.token = access_key, secret_key, token
        self.method, self.account_id = method, account_id

    def get_frozen_credentials(self):
        return ReadOnlyCredentials(self.access_key, self.secret_key, self.token, self.account_id)
"""

CONFIG = """
class Config:
    def __init__(self, **kwargs):
        self.kwargs = kwargs
"""

SESSION = """
import configparser
import json
import os

from botocore.credentials import Credentials
from botocore.exceptions import (
    ClientError, EndpointConnectionError, NoCredentialsError, NoRegionError, PartialCredentialsError,
    ProfileNotFound,
)

GLOBAL = {'s3': 'us-east-1', 'sts': 'aws-global'}


def _ini(path, config_file):
    parser = configparser.RawConfigParser()
    parser.read(os.path.expanduser(path))
    out = {}
    for section in parser.sections():
        name = section
        if config_file and section.startswith('profile '):
            name = section[len('profile '):]
        out[name] = dict(parser.items(section))
    return out


class Session:
    def __init__(self):
        self._vars = {}

    def set_config_variable(self, name, value):
        self._vars[name] = value

    def instance_variables(self):
        return dict(self._vars)

    def _files(self):
        config = _ini(os.environ.get('AWS_CONFIG_FILE', '~/.aws/config'), True)
        creds = _ini(os.environ.get('AWS_SHARED_CREDENTIALS_FILE', '~/.aws/credentials'), False)
        return config, creds

    def _build_profile_map(self):
        config, creds = self._files()
        profiles = {name: dict(values) for name, values in config.items()}
        for name, values in creds.items():
            profiles.setdefault(name, {}).update(values)
        return profiles

    @property
    def available_profiles(self):
        return list(self._build_profile_map().keys())

    def get_config_variable(self, name):
        if self._vars.get(name) is not None:
            return self._vars[name]
        if name == 'profile':
            return os.environ.get('AWS_PROFILE') or os.environ.get('AWS_DEFAULT_PROFILE')
        if name == 'region':
            return os.environ.get('AWS_DEFAULT_REGION') or self.get_scoped_config().get('region')
        return None

    def get_scoped_config(self):
        profile_name = self.get_config_variable('profile')
        profile_map = self._build_profile_map()
        if profile_name is None:
            return profile_map.get('default', {})
        elif profile_name not in profile_map:
            raise ProfileNotFound(profile=profile_name)
        return profile_map[profile_name]

    def get_credentials(self):
        profile_name = self.get_config_variable('profile') or 'default'
        if self._vars.get('profile') is None:  # an explicit profile drops the env provider
            access_key = os.environ.get('AWS_ACCESS_KEY_ID', '')
            if access_key:
                secret_key = os.environ.get('AWS_SECRET_ACCESS_KEY', '')
                if not secret_key:
                    raise PartialCredentialsError(provider='env', cred_var='AWS_SECRET_ACCESS_KEY')
                token = os.environ.get('AWS_SESSION_TOKEN') or None
                return Credentials(access_key, secret_key, token, method='env')
        config, creds = self._files()
        for method, mapping in (('shared-credentials-file', creds), ('config-file', config)):
            section = mapping.get(profile_name, {})
            if 'aws_access_key_id' in section:
                if 'aws_secret_access_key' not in section:
                    raise PartialCredentialsError(provider=method, cred_var='aws_secret_access_key')
                return Credentials(
                    section['aws_access_key_id'], section['aws_secret_access_key'],
                    section.get('aws_session_token'), method=method,
                )
        return None

    def create_client(self, service_name, region_name=None, config=None):
        region = region_name or self.get_config_variable('region') or GLOBAL.get(service_name)
        if region is None:
            raise NoRegionError()
        return Client(service_name, region, self.get_credentials())


class Client:
    def __init__(self, service_name, region, credentials):
        self._service, self._region, self._credentials = service_name, region, credentials

    def _make_api_call(self, operation_name):
        if self._credentials is None:
            raise NoCredentialsError()
        reply = os.environ.get('FAKE_AWS_REPLY')
        if not reply:
            host = 'sts.amazonaws.com' if self._region == 'aws-global' else f'{self._service}.{self._region}.amazonaws.com'
            raise EndpointConnectionError(endpoint_url=f'https://{host}/')
        with open(reply, encoding='utf-8') as fh:
            answer = json.load(fh)
        if 'Error' in answer:
            raise ClientError(answer, operation_name)
        return answer

    def get_caller_identity(self):
        return self._make_api_call('GetCallerIdentity')

    def list_buckets(self):
        return self._make_api_call('ListBuckets')
"""

BOTO3 = """
import botocore.session

__version__ = '1.44.18'


class Session:
    def __init__(self, aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None,
                 region_name=None, botocore_session=None, profile_name=None):
        self._session = botocore_session or botocore.session.Session()
        if profile_name is not None:
            self._session.set_config_variable('profile', profile_name)
        if region_name is not None:
            self._session.set_config_variable('region', region_name)
        self._session.get_scoped_config()  # a missing named profile fails here, as in boto3

    @property
    def profile_name(self):
        return self._session.get_config_variable('profile') or 'default'

    @property
    def region_name(self):
        return self._session.get_config_variable('region')

    @property
    def available_profiles(self):
        return self._session.available_profiles

    def get_credentials(self):
        return self._session.get_credentials()

    def client(self, service_name, region_name=None, config=None, **kwargs):
        return self._session.create_client(service_name, region_name=region_name, config=config)


def client(*args, **kwargs):
    return Session().client(*args, **kwargs)
"""

FILES = {
    "botocore/__init__.py": "__version__ = '1.44.18'\n",
    "botocore/exceptions.py": EXCEPTIONS,
    "botocore/credentials.py": CREDENTIALS,
    "botocore/config.py": CONFIG,
    "botocore/session.py": SESSION,
    "boto3/__init__.py": BOTO3,
}


@pytest.fixture
def aws(tmp_path):
    """(site folder, environment) for a child with an empty AWS setup: no keys, no files, no IMDS."""
    site = write_files(tmp_path / "site", FILES)
    home = tmp_path / "home"
    home.mkdir()
    env = {name: None for name in os.environ if name.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(tmp_path / "aws_config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws_credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        FAKE_AWS_REPLY=None,
    )
    return site, env


def _error(text: str) -> str:
    assert text in ENTRY.errors, text
    return text


@pytest.mark.parametrize(
    ("extra", "code", "expected"),
    [
        (
            {},
            "boto3.client('sts').get_caller_identity()",
            "botocore.exceptions.NoCredentialsError: Unable to locate credentials",
        ),
        (
            {"AWS_PROFILE": "dev"},
            "boto3.client('sts')",
            "botocore.exceptions.ProfileNotFound: The config profile (dev) could not be found",
        ),
        (
            {"AWS_REGION": "eu-west-1"},  # boto3 reads AWS_DEFAULT_REGION only
            "boto3.client('bedrock-runtime')",
            "botocore.exceptions.NoRegionError: You must specify a region.",
        ),
        (
            {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_DEFAULT_REGION": "us-east-1"},
            "boto3.client('s3').list_buckets()",
            "botocore.exceptions.PartialCredentialsError: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        ),
    ],
)
def test_reproduces_the_botocore_errors(aws, tmp_path, extra, code, expected):
    site, env = aws
    result = run_python(f"import boto3\n{code}\n", cwd=tmp_path, path=site, env={**env, **extra})
    assert result.returncode != 0
    assert last_line(result) == _error(expected)


def test_reproduces_nothing_wrong_when_configured(aws, tmp_path):
    site, env = aws
    configured = {
        **env,
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = run_python(
        "import boto3\nboto3.client('bedrock-runtime')\nprint('ok')\n",
        cwd=tmp_path,
        path=site,
        env=configured,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _run_option1(aws, tmp_path, extra=None, args=()):
    site, env = aws
    script = tmp_path / "aws_whoami.py"
    script.write_text(ENTRY.fixes[0].code, encoding="utf-8")
    result = run_python(
        "import runpy, sys; sys.argv[0] = 'aws_whoami.py'; runpy.run_path('aws_whoami.py', run_name='__main__')",
        cwd=tmp_path,
        path=site,
        env={**env, **(extra or {})},
        args=args,
    )
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout and TOKEN not in result.stdout
    return result.stdout


def test_option1_names_missing_credentials_and_region(aws, tmp_path):
    out = _run_option1(aws, tmp_path)
    assert "profile: default" in out
    assert "[region] NoRegionError: You must specify a region. -> no region: set AWS_DEFAULT_REGION" in out
    assert (
        "[credentials] NoCredentialsError: Unable to locate credentials -> no provider found credentials"
        in out
    )
    assert "method:" not in out


def test_option1_names_a_missing_profile_and_lists_the_real_ones(aws, tmp_path):
    (tmp_path / "aws_config").write_text("[profile prod]\nregion = eu-west-1\n", encoding="utf-8")
    out = _run_option1(aws, tmp_path, {"AWS_PROFILE": "dev"})
    assert "profiles_found: ['prod']" in out
    assert "[profile] ProfileNotFound: The config profile (dev) could not be found -> AWS_PROFILE" in out
    assert "'AWS_PROFILE': 'dev'" in out  # profile names are shown, key values are not


def test_option1_names_half_a_key_pair(aws, tmp_path):
    out = _run_option1(aws, tmp_path, {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_DEFAULT_REGION": "us-east-1"})
    assert (
        "[credentials] PartialCredentialsError: Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY"
        in out
    )
    assert "'AWS_ACCESS_KEY_ID': 'set'" in out
    assert KEY_ID not in out


def test_option1_reports_an_expired_session_token_without_printing_secrets(aws, tmp_path):
    reply = tmp_path / "reply.json"
    reply.write_text(
        json.dumps(
            {
                "Error": {
                    "Code": "ExpiredToken",
                    "Message": "The security token included in the request is expired",
                }
            }
        ),
        encoding="utf-8",
    )
    keys = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_DEFAULT_REGION": "us-east-1",
        "FAKE_AWS_REPLY": str(reply),
    }
    out = _run_option1(aws, tmp_path, keys)
    assert "method: env" in out
    assert "access_key_id: ...MPLE" in out
    assert "temporary: True" in out
    assert "region: us-east-1" in out
    assert (
        "[sts] ExpiredToken: The security token included in the request is expired -> temporary keys" in out
    )
    assert KEY_ID not in out


def test_option1_explicit_profile_beats_env_keys_and_shows_the_identity(aws, tmp_path):
    (tmp_path / "aws_credentials").write_text(
        "[agent]\naws_access_key_id = AKIAAGENTPROFILE2468\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
        encoding="utf-8",
    )
    reply = tmp_path / "reply.json"
    reply.write_text(
        json.dumps(
            {
                "UserId": "AIDAEXAMPLE",
                "Account": "111122223333",
                "Arn": "arn:aws:iam::111122223333:user/agent",
            }
        ),
        encoding="utf-8",
    )
    stale = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "FAKE_AWS_REPLY": str(reply)}
    out = _run_option1(aws, tmp_path, stale, args=("--profile", "agent", "--region", "eu-central-1"))
    assert "method: shared-credentials-file" in out
    assert "access_key_id: ...2468" in out  # the profile's key, not the env key (...MPLE)
    assert "profile: agent" in out
    assert "region: eu-central-1" in out
    assert "account: 111122223333" in out
    assert out.rstrip().endswith("ok: boto3 has credentials and a region")
    assert "je7MtGbClwBF" not in out


def test_option1_no_sts_makes_no_request(aws, tmp_path):
    keys = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": "us-west-2"}
    out = _run_option1(aws, tmp_path, keys, args=("--no-sts",))
    assert "method: env" in out and "temporary: False" in out
    assert "EndpointConnectionError" not in out
    assert out.rstrip().endswith("ok: boto3 has credentials and a region")
    # and with the request, the offline fake cannot reach STS: the script says so instead of crashing
    out = _run_option1(aws, tmp_path, keys)
    assert (
        '[sts] EndpointConnectionError: Could not connect to the endpoint URL: "https://sts.us-west-2.amazonaws.com/"'
        in out
    )
