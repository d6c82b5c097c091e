"""Verified fix for solutions/azure-credential-unavailable.md: Azure's credential chain finds no identity.

The project's .venv has neither azure-identity nor azure-core (with msal and cryptography they are a
sizeable install, and the real chain needs no network to fail), so the tests write a small fake
`azure` package into tmp_path, shaped like azure-identity 1.27.0 / azure-core 1.41.0, the releases the
entry was checked on:
- `azure/core/exceptions.py`: AzureError keeps `message` and prints it; ClientAuthenticationError;
- `azure/identity/_exceptions.py`: CredentialUnavailableError subclasses ClientAuthenticationError;
- `azure/identity/_credentials/chained.py`: ChainedTokenCredential.get_token and _get_error_message
  copied from 1.27.0 (a CredentialUnavailableError is recorded and the next credential tried, any other
  exception ends the chain; the ClientAuthenticationError text is built the same way, footer included);
- `azure/identity/_credentials/default.py`: DefaultAzureCredential with 1.27.0's nine links in order;
  the desktop ones (shared cache, VS Code, PowerShell, azd, broker) and the IMDS probe raise the
  unavailable texts 1.27.0 printed offline (no network, no az, empty HOME);
- `azure/identity/_credentials/environment.py`: EnvironmentCredential uses ClientSecretCredential only
  when AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are all set, else the real unavailable
  text; ClientSecretCredential has no network here and fails as 1.27.0 did offline
  (`Authentication failed: ...`, a ClientAuthenticationError that stops the chain);
- `azure/identity/_credentials/azure_cli.py`: 1.27.0's AzureCliCredential and _run_command logic for
  real: shutil.which('az'), `az account get-access-token --output json --resource R [--tenant T]`
  run with cwd /bin, stderr with 'az login' -> "Please run 'az login' to set up an account",
  JSON output parsed into an AccessToken.
The `az` on PATH is a shell script: one prints azure-cli-core 2.91.0's not-logged-in message to stderr
and exits 1, the other prints a token and logs its arguments. The tests reproduce the errors in a child
interpreter, feed the tracebacks to the matcher, and run the entry's Option 1 and Option 4 code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from fake_site import fake_distribution
from pyrun import last_line, run_python

SLUG = "azure-credential-unavailable"
SCOPE = "https://cognitiveservices.azure.com/.default"
SECRET = "s3cr3t~VALUE.never.printed"

CORE_EXCEPTIONS = """
class AzureError(Exception):
    def __init__(self, message, *args, **kwargs):
        self.inner_exception = kwargs.get("error")
        self.message = str(message)
        super(AzureError, self).__init__(self.message, *args)


class HttpResponseError(AzureError):
    def __init__(self, message=None, response=None, **kwargs):
        self.response = response
        self.status_code = getattr(response, "status_code", None)
        super().__init__(message or "Operation returned an invalid status", **kwargs)


class ClientAuthenticationError(HttpResponseError):
    pass
"""

CORE_CREDENTIALS = """
from typing import NamedTuple


class AccessToken(NamedTuple):
    token: str
    expires_on: int
"""

IDENTITY_EXCEPTIONS = """
from azure.core.exceptions import ClientAuthenticationError


class CredentialUnavailableError(ClientAuthenticationError):
    \"\"\"The credential did not attempt to authenticate because required data or state is unavailable.\"\"\"
"""

IDENTITY_INIT = """
from ._exceptions import CredentialUnavailableError
from ._credentials.azure_cli import AzureCliCredential
from ._credentials.chained import ChainedTokenCredential
from ._credentials.default import DefaultAzureCredential
from ._credentials.environment import ClientSecretCredential, EnvironmentCredential
from ._credentials.managed_identity import ManagedIdentityCredential
from ._credentials.workload_identity import WorkloadIdentityCredential
from ._bearer_token_provider import get_bearer_token_provider
"""

BEARER = """
def get_bearer_token_provider(credential, *scopes):
    def wrapper():
        return credential.get_token(*scopes).token
    return wrapper
"""

CHAINED = '''
import logging

from azure.core.exceptions import ClientAuthenticationError

from .. import CredentialUnavailableError
from .._internal import within_credential_chain

_LOGGER = logging.getLogger(__name__)


def _get_error_message(history):
    attempts = []
    for credential, error in history:
        if hasattr(credential, "_credential_name"):
            credential_name = credential._credential_name
        else:
            credential_name = credential.__class__.__name__
        if error:
            attempts.append("{}: {}".format(credential_name, error))
        else:
            attempts.append(credential_name)
    return """
Attempted credentials:\\n\\t{}""".format(
        "\\n\\t".join(attempts)
    )


class ChainedTokenCredential:
    def __init__(self, *credentials):
        if not credentials:
            raise ValueError("at least one credential is required")
        self._successful_credential = None
        self.credentials = credentials

    def get_token(self, *scopes, claims=None, tenant_id=None, enable_cae=False, **kwargs):
        within_credential_chain.set(True)
        history = []
        for credential in self.credentials:
            try:
                token = credential.get_token(*scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)
                self._successful_credential = credential
                within_credential_chain.set(False)
                return token
            except CredentialUnavailableError as ex:
                history.append((credential, ex.message))
            except Exception as ex:  # pylint: disable=broad-except
                history.append((credential, str(ex)))
                break
        within_credential_chain.set(False)
        attempts = _get_error_message(history)
        message = (
            self.__class__.__name__
            + " failed to retrieve a token from the included credentials."
            + attempts
            + "\\nTo mitigate this issue, please refer to the troubleshooting guidelines here at "
            "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot."
        )
        _LOGGER.warning(message)
        raise ClientAuthenticationError(message=message)
'''

INTERNAL = """
from contextvars import ContextVar

within_credential_chain = ContextVar("within_credential_chain", default=False)
within_dac = ContextVar("within_dac", default=False)
"""

ENVIRONMENT = """
import os

from azure.core.exceptions import ClientAuthenticationError

from .. import CredentialUnavailableError


class ClientSecretCredential:
    def __init__(self, tenant_id, client_id, client_secret, **kwargs):
        if not tenant_id or not client_id or not client_secret:
            raise ValueError("tenant_id, client_id and client_secret are required")
        self._tenant_id = tenant_id

    def get_token(self, *scopes, **kwargs):
        # no network in the tests: what azure-identity 1.27.0 raised offline
        raise ClientAuthenticationError(
            message="Authentication failed: HTTPSConnection(host='login.microsoftonline.com', port=443): "
            "Failed to resolve 'login.microsoftonline.com' ([Errno -3] Temporary failure in name resolution)"
        )


class EnvironmentCredential:
    def __init__(self, **kwargs):
        self._credential = None
        names = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
        if all(os.environ.get(name) for name in names):
            self._credential = ClientSecretCredential(*(os.environ[name] for name in names))

    def get_token(self, *scopes, **kwargs):
        if not self._credential:
            message = (
                "EnvironmentCredential authentication unavailable. Environment variables are not fully configured.\\n"
                "Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot to troubleshoot "
                "this issue."
            )
            raise CredentialUnavailableError(message=message)
        return self._credential.get_token(*scopes, **kwargs)
"""

MANAGED_IDENTITY = """
from .. import CredentialUnavailableError


class ManagedIdentityCredential:
    def __init__(self, *, client_id=None, **kwargs):
        self._client_id = client_id

    def get_token(self, *scopes, **kwargs):
        # 169.254.169.254 does not answer off Azure
        raise CredentialUnavailableError(
            "ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint."
        )
"""

WORKLOAD = """
import os


class WorkloadIdentityCredential:
    def __init__(self, *, tenant_id=None, client_id=None, token_file_path=None, **kwargs):
        tenant_id = tenant_id or os.environ.get("AZURE_TENANT_ID")
        client_id = client_id or os.environ.get("AZURE_CLIENT_ID")
        token_file_path = token_file_path or os.environ.get("AZURE_FEDERATED_TOKEN_FILE")
        missing = [n for n, v in (("tenant_id", tenant_id), ("client_id", client_id), ("token_file_path", token_file_path)) if not v]
        if missing:
            raise ValueError(
                "WorkloadIdentityCredential authentication unavailable. The workload options are not fully "
                "configured. See the troubleshooting guide for more information: "
                "https://aka.ms/azsdk/python/identity/workloadidentitycredential/troubleshoot. "
                "Missing required arguments: " + ", ".join(repr(n) for n in missing) + "."
            )
        self._token_file_path = token_file_path

    def get_token(self, *scopes, **kwargs):
        raise NotImplementedError("not used by the tests")
"""

AZURE_CLI = """
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime

from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from .. import CredentialUnavailableError
from .._internal import within_dac

CLI_NOT_FOUND = "Azure CLI not found on path"
COMMAND_LINE = ["account", "get-access-token", "--output", "json"]
EXECUTABLE_NAME = "az"
NOT_LOGGED_IN = "Please run 'az login' to set up an account"


class AzureCliCredential:
    def __init__(self, *, tenant_id="", additionally_allowed_tenants=None, process_timeout=10):
        self.tenant_id = tenant_id
        self._process_timeout = process_timeout

    def get_token(self, *scopes, claims=None, tenant_id=None, enable_cae=False, **kwargs):
        resource = scopes[0][: -len("/.default")] if scopes[0].endswith("/.default") else scopes[0]
        command_args = COMMAND_LINE + ["--resource", resource]
        tenant = tenant_id or self.tenant_id
        if tenant:
            command_args += ["--tenant", tenant]
        output = _run_command(command_args, self._process_timeout)
        token = parse_token(output)
        if not token:
            message = "Unexpected output from Azure CLI: '{}'.".format(output)
            if within_dac.get():
                raise CredentialUnavailableError(message=message)
            raise ClientAuthenticationError(message=message)
        return token


def parse_token(output):
    try:
        token = json.loads(output)
        if "expires_on" in token:
            return AccessToken(token["accessToken"], int(token["expires_on"]))
        dt = datetime.strptime(token["expiresOn"], "%Y-%m-%d %H:%M:%S.%f")
        return AccessToken(token["accessToken"], int(dt.timestamp()))
    except (KeyError, ValueError):
        return None


def _run_command(command_args, timeout):
    az_path = shutil.which(EXECUTABLE_NAME)
    if not az_path:
        raise CredentialUnavailableError(message=CLI_NOT_FOUND)
    args = [az_path] + command_args
    try:
        kwargs = {
            "stderr": subprocess.PIPE,
            "stdin": subprocess.DEVNULL,
            "cwd": "/bin",
            "universal_newlines": True,
            "timeout": timeout,
            "env": dict(os.environ, AZURE_CORE_NO_COLOR="true"),
        }
        return subprocess.check_output(args, **kwargs)
    except subprocess.CalledProcessError as ex:
        if ex.returncode == 127 or (ex.stderr is not None and ex.stderr.startswith("'az' is not recognized")):
            raise CredentialUnavailableError(message=CLI_NOT_FOUND) from ex
        if ex.stderr is not None and (
            ("az login" in ex.stderr or "az account set" in ex.stderr) and "AADSTS" not in ex.stderr
        ):
            raise CredentialUnavailableError(message=NOT_LOGGED_IN) from ex
        message = ex.stderr or "Failed to invoke Azure CLI"
        if within_dac.get():
            raise CredentialUnavailableError(message=message) from ex
        raise ClientAuthenticationError(message=message) from ex
    except OSError as ex:
        raise CredentialUnavailableError(message="Failed to execute '{}'".format(args[0])) from ex
    except Exception as ex:
        raise CredentialUnavailableError(message="Failed to invoke the Azure CLI") from ex
"""

DEFAULT = """
from .. import CredentialUnavailableError
from .._internal import within_dac
from .azure_cli import AzureCliCredential
from .chained import ChainedTokenCredential
from .environment import EnvironmentCredential
from .managed_identity import ManagedIdentityCredential
from .workload_identity import WorkloadIdentityCredential


class _Unavailable:
    def __init__(self, name, message):
        self._credential_name = name
        self._message = message

    def get_token(self, *scopes, **kwargs):
        raise CredentialUnavailableError(message=self._message)


class _Workload(_Unavailable):
    def __init__(self):
        try:
            self._inner = WorkloadIdentityCredential()
        except ValueError as ex:
            self._inner = None
            super().__init__("WorkloadIdentityCredential", str(ex))
        else:
            self._credential_name = "WorkloadIdentityCredential"

    def get_token(self, *scopes, **kwargs):
        if self._inner is None:
            return super().get_token(*scopes, **kwargs)
        return self._inner.get_token(*scopes, **kwargs)


class DefaultAzureCredential(ChainedTokenCredential):
    def __init__(self, **kwargs):
        super().__init__(
            EnvironmentCredential(),
            _Workload(),
            ManagedIdentityCredential(),
            _Unavailable("SharedTokenCacheCredential",
                         "SharedTokenCacheCredential authentication unavailable. No accounts were found in the cache."),
            _Unavailable("VisualStudioCodeCredential",
                         "VisualStudioCodeCredential requires the 'azure-identity-broker' package to be installed. "
                         "You must also ensure you have the Azure Resources extension installed and have signed in "
                         "to Azure via Visual Studio Code."),
            AzureCliCredential(),
            _Unavailable("AzurePowerShellCredential", "PowerShell is not installed"),
            _Unavailable("AzureDeveloperCliCredential",
                         "Azure Developer CLI could not be found. Please visit https://aka.ms/azure-dev for "
                         "installation instructions and then,once installed, authenticate to your Azure account "
                         "using 'azd auth login'."),
            _Unavailable("BrokerCredential",
                         "InteractiveBrowserBrokerCredential unavailable. The 'azure-identity-broker' package is "
                         "required to use brokered authentication."),
        )

    def get_token(self, *scopes, **kwargs):
        within_dac.set(True)
        try:
            return super().get_token(*scopes, **kwargs)
        finally:
            within_dac.set(False)
"""

NOT_LOGGED_IN_AZ = """#!/bin/sh
echo "ERROR: Please run 'az login' to setup account." >&2
exit 1
"""

LOGGED_IN_AZ = """#!/bin/sh
echo "$@" >> "{log}"
echo '{{"accessToken": "eyJ0eXAi.fake", "expiresOn": "2030-01-01 00:00:00.000000", "expires_on": 1893456000, "tokenType": "Bearer"}}'
"""

AZURE_VARS = (
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_CREDENTIAL_KIND",
    "AZURE_TOKEN_CREDENTIALS",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    fake_distribution(site, "azure-core", "1.41.0", {
        "azure/core/__init__.py": "",
        "azure/core/exceptions.py": CORE_EXCEPTIONS,
        "azure/core/credentials.py": CORE_CREDENTIALS,
    })  # fmt: skip
    fake_distribution(site, "azure-identity", "1.27.0", {
        "azure/identity/__init__.py": IDENTITY_INIT,
        "azure/identity/_exceptions.py": IDENTITY_EXCEPTIONS,
        "azure/identity/_internal.py": INTERNAL,
        "azure/identity/_bearer_token_provider.py": BEARER,
        "azure/identity/_credentials/__init__.py": "",
        "azure/identity/_credentials/chained.py": CHAINED,
        "azure/identity/_credentials/default.py": DEFAULT,
        "azure/identity/_credentials/environment.py": ENVIRONMENT,
        "azure/identity/_credentials/managed_identity.py": MANAGED_IDENTITY,
        "azure/identity/_credentials/workload_identity.py": WORKLOAD,
        "azure/identity/_credentials/azure_cli.py": AZURE_CLI,
    })  # fmt: skip
    return site


def _bin(tmp_path: Path, az: str | None = None) -> Path:
    """A folder for PATH: empty, or holding an `az` script."""
    folder = tmp_path / ("bin-" + ("none" if az is None else str(abs(hash(az)))))
    folder.mkdir(exist_ok=True)
    if az is not None:
        script = folder / "az"
        script.write_text(az, encoding="utf-8")
        script.chmod(0o755)
    return folder


def _env(path: Path, **extra: str) -> dict:
    env: dict = {name: None for name in AZURE_VARS}
    env.update(PATH=str(path), HOME=str(path))
    env.update(extra)
    return env


def _run(code, site, tmp_path, path, cwd=None, args=(), **extra):
    return run_python(code, path=site, cwd=cwd or tmp_path, env=_env(path, **extra), args=args, timeout=30)


CHAIN = f"""
from azure.identity import DefaultAzureCredential
DefaultAzureCredential().get_token({SCOPE!r})
"""

CLI_ALONE = """
from azure.identity import AzureCliCredential
AzureCliCredential().get_token("https://vault.azure.net/.default")
"""


def test_default_credential_without_any_identity_lists_every_link(entry, index, site, tmp_path):
    result = _run(CHAIN, site, tmp_path, _bin(tmp_path))
    assert result.returncode == 1
    tb = result.stderr
    assert 'azure/identity/_credentials/chained.py", line' in tb
    assert (
        "azure.core.exceptions.ClientAuthenticationError: DefaultAzureCredential failed to retrieve a token "
        "from the included credentials.\nAttempted credentials:\n\tEnvironmentCredential: EnvironmentCredential "
        "authentication unavailable. Environment variables are not fully configured.\n"
    ) in tb
    assert (
        "\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint.\n"
        in tb
    )
    assert "\tAzureCliCredential: Azure CLI not found on path\n" in tb
    assert last_line(result) == (
        "To mitigate this issue, please refer to the troubleshooting guidelines here at "
        "https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot."
    )
    for line in ("AzureCliCredential: Azure CLI not found on path", last_line(result)):
        assert line in entry.errors
    assert_answers(index, SLUG, tb[tb.index("Traceback") :])


def test_az_on_path_but_not_logged_in(entry, index, site, tmp_path):
    path = _bin(tmp_path, NOT_LOGGED_IN_AZ)
    chain = _run(CHAIN, site, tmp_path, path)
    assert "\tAzureCliCredential: Please run 'az login' to set up an account\n" in chain.stderr
    alone = _run(CLI_ALONE, site, tmp_path, path)
    assert (
        last_line(alone)
        == "azure.identity._exceptions.CredentialUnavailableError: Please run 'az login' to set up an account"
    )
    assert last_line(alone) in entry.errors
    assert "subprocess.CalledProcessError" in alone.stderr  # raised from the CLI's non-zero exit
    assert_answers(index, SLUG, alone.stderr)


def test_three_variables_end_the_chain_at_environment_credential(site, tmp_path):
    """With all three set, EnvironmentCredential attempts to sign in; two of three are still 'not fully configured'."""
    full = _run(
        CHAIN,
        site,
        tmp_path,
        _bin(tmp_path),
        AZURE_TENANT_ID="t",
        AZURE_CLIENT_ID="c",
        AZURE_CLIENT_SECRET=SECRET,
    )
    assert "Attempted credentials:\n\tEnvironmentCredential: Authentication failed:" in full.stderr
    assert "AzureCliCredential" not in full.stderr
    partial = _run(CHAIN, site, tmp_path, _bin(tmp_path), AZURE_CLIENT_ID="c", AZURE_CLIENT_SECRET=SECRET)
    assert "Environment variables are not fully configured." in partial.stderr


def _option1(fix_code, tmp_path) -> Path:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "azure_credential.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    return work


RUN_SCRIPT = "import runpy, sys; sys.argv = ['azure_credential.py'] + sys.argv[1:]; runpy.run_path('azure_credential.py', run_name='__main__')"


def test_option1_names_the_missing_cli_and_the_missing_login(fix_code, site, tmp_path):
    work = _option1(fix_code, tmp_path)
    no_az = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path), cwd=work)
    assert no_az.returncode == 1, no_az.stderr  # no token: the script's exit status says so
    assert "credential: AzureCliCredential - Azure CLI login, az = NOT FOUND on PATH" in no_az.stdout
    assert "no token: CredentialUnavailableError: Azure CLI not found on path" in no_az.stdout
    assert "fix: az is not on this process's PATH" in no_az.stdout

    logged_out = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path, NOT_LOGGED_IN_AZ), cwd=work)
    assert (
        "no token: CredentialUnavailableError: Please run 'az login' to set up an account"
        in logged_out.stdout
    )
    assert "fix: run `az login`" in logged_out.stdout


def test_option1_gets_a_token_from_the_cli_with_the_tenant(fix_code, site, tmp_path):
    work = _option1(fix_code, tmp_path)
    log = tmp_path / "az-calls.log"
    path = _bin(tmp_path, LOGGED_IN_AZ.format(log=log))
    result = _run(RUN_SCRIPT, site, tmp_path, path, cwd=work, AZURE_TENANT_ID="contoso.onmicrosoft.com")
    assert result.returncode == 0, result.stderr
    assert f"ok: token for {SCOPE}, expires_on=1893456000" in result.stdout
    assert log.read_text().split() == [
        "account", "get-access-token", "--output", "json",
        "--resource", "https://cognitiveservices.azure.com", "--tenant", "contoso.onmicrosoft.com",
    ]  # fmt: skip
    # another scope on the command line (Key Vault)
    vault = _run(RUN_SCRIPT, site, tmp_path, path, cwd=work, args=["https://vault.azure.net/.default"])
    assert "ok: token for https://vault.azure.net/.default" in vault.stdout


def test_option1_picks_a_service_principal_and_prints_no_secret(fix_code, site, tmp_path):
    work = _option1(fix_code, tmp_path)
    partial = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path), cwd=work, AZURE_CLIENT_SECRET=SECRET)
    assert (
        "no token: ValueError: service principal: AZURE_TENANT_ID, AZURE_CLIENT_ID not set" in partial.stdout
    )
    assert "fix: set the missing variables" in partial.stdout
    full = _run(
        RUN_SCRIPT, site, tmp_path, _bin(tmp_path), cwd=work,
        AZURE_TENANT_ID="t", AZURE_CLIENT_ID="c", AZURE_CLIENT_SECRET=SECRET,
    )  # fmt: skip
    assert "set: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET" in full.stdout
    assert "credential: ClientSecretCredential - service principal" in full.stdout
    assert "no token: ClientAuthenticationError: Authentication failed:" in full.stdout
    assert SECRET not in full.stdout + full.stderr + partial.stdout + partial.stderr
    managed = _run(
        RUN_SCRIPT,
        site,
        tmp_path,
        _bin(tmp_path),
        cwd=work,
        IDENTITY_ENDPOINT="http://localhost:8081/msi/token",
    )
    assert "credential: ManagedIdentityCredential - managed identity (system-assigned)" in managed.stdout
    assert "fix: no managed identity here" in managed.stdout


# az's stderr reaches the message as-is (1.27.0 redacts only a JSON "accessToken" field); AADSTS keeps it
# from being read as "not logged in".
LEAKY_AZ = """#!/bin/sh
echo "ERROR: AADSTS50173: The provided grant has expired. token=eyJ0eXAiOiJKV1Qi.eyJhdWQiOiJ4In0.c2lnbmF0dXJl secret=$AZURE_CLIENT_SECRET" >&2
exit 1
"""


def test_option1_exit_status_is_nonzero_without_a_token(fix_code, site, tmp_path):
    """Scripts and CI steps read the exit status: 1 when there is no token, 0 with one."""
    work = _option1(fix_code, tmp_path)
    for az in (None, NOT_LOGGED_IN_AZ):
        result = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path, az), cwd=work)
        assert "no token:" in result.stdout
        assert result.returncode == 1, result.stdout
    bad_kind = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path), cwd=work, AZURE_CREDENTIAL_KIND="bogus")
    assert bad_kind.returncode == 1
    ok = _run(RUN_SCRIPT, site, tmp_path, _bin(tmp_path, LOGGED_IN_AZ.format(log=tmp_path / "l")), cwd=work)
    assert ok.returncode == 0, ok.stderr


def test_option1_masks_tokens_and_the_secret_in_messages(fix_code, site, tmp_path):
    work = _option1(fix_code, tmp_path)
    result = _run(
        RUN_SCRIPT, site, tmp_path, _bin(tmp_path, LEAKY_AZ), cwd=work,
        AZURE_CREDENTIAL_KIND="cli", AZURE_CLIENT_SECRET=SECRET,
    )  # fmt: skip
    assert "no token: ClientAuthenticationError: ERROR: AADSTS50173" in result.stdout
    assert "token=<token>" in result.stdout
    assert "secret=<AZURE_CLIENT_SECRET>" in result.stdout
    assert "eyJ" not in result.stdout
    assert SECRET not in result.stdout


def test_option1_is_importable_by_the_app(fix_code, site, tmp_path):
    work = _option1(fix_code, tmp_path)
    log = tmp_path / "az-calls.log"
    app = (
        "from azure.identity import get_bearer_token_provider\n"
        "from azure_credential import DEFAULT_SCOPE, make_credential\n"
        "credential, why = make_credential()\n"
        "print(get_bearer_token_provider(credential, DEFAULT_SCOPE)())\n"
    )
    result = _run(app, site, tmp_path, _bin(tmp_path, LOGGED_IN_AZ.format(log=log)), cwd=work)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "eyJ0eXAi.fake"
    assert result.stderr == ""  # importing the module runs nothing


def test_option4_chain_lists_only_its_two_links(fix_code, site, tmp_path):
    result = _run(fix_code(SLUG, 4), site, tmp_path, _bin(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "ChainedTokenCredential failed to retrieve a token from the included credentials."
    )
    assert "\tAzureCliCredential: Azure CLI not found on path\n" in result.stdout
    assert "ManagedIdentityCredential" not in result.stdout
    log = tmp_path / "az-calls.log"
    ok = _run(fix_code(SLUG, 4), site, tmp_path, _bin(tmp_path, LOGGED_IN_AZ.format(log=log)))
    assert ok.stdout.strip() == "ok: token expires_on 1893456000"


# Real output, azure-identity 1.27.0 + openai 3.63.0 on CPython 3.11.7, no network, no az (paths shortened).
REAL_OPENAI_TRACEBACK = """Traceback (most recent call last):
  File "/app/agent.py", line 5, in <module>
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
  File "/app/.venv/lib/python3.11/site-packages/openai/_base_client.py", line 1165, in request
    options = self._prepare_options(options)
  File "/app/.venv/lib/python3.11/site-packages/openai/lib/azure.py", line 465, in _get_azure_ad_token
    token = cast(object, provider())
  File "/app/.venv/lib/python3.11/site-packages/azure/identity/_bearer_token_provider.py", line 43, in wrapper
    policy.on_request(request)
  File "/app/.venv/lib/python3.11/site-packages/azure/core/pipeline/policies/_authentication.py", line 132, in _get_token
    return cast(SupportsTokenInfo, self._credential).get_token_info(*scopes, options=options)
  File "/app/.venv/lib/python3.11/site-packages/azure/identity/_credentials/default.py", line 379, in get_token_info
    token_info = cast(SupportsTokenInfo, super()).get_token_info(*scopes, options=options)
  File "/app/.venv/lib/python3.11/site-packages/azure/identity/_credentials/chained.py", line 225, in get_token_info
    raise ClientAuthenticationError(message=message)
azure.core.exceptions.ClientAuthenticationError: DefaultAzureCredential failed to retrieve a token from the included credentials.
Attempted credentials:
\tEnvironmentCredential: EnvironmentCredential authentication unavailable. Environment variables are not fully configured.
Visit https://aka.ms/azsdk/python/identity/environmentcredential/troubleshoot to troubleshoot this issue.
\tWorkloadIdentityCredential: WorkloadIdentityCredential authentication unavailable. The workload options are not fully configured. See the troubleshooting guide for more information: https://aka.ms/azsdk/python/identity/workloadidentitycredential/troubleshoot. Missing required arguments: 'tenant_id', 'client_id', 'token_file_path'.
\tManagedIdentityCredential: ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint.
\tSharedTokenCacheCredential: SharedTokenCacheCredential authentication unavailable. No accounts were found in the cache.
\tAzureCliCredential: Azure CLI not found on path
\tAzurePowerShellCredential: PowerShell is not installed
To mitigate this issue, please refer to the troubleshooting guidelines here at https://aka.ms/azsdk/python/identity/defaultazurecredential/troubleshoot.
"""

# @azure/identity 4.13.1 on Node 20, same empty offline environment (first lines of the error).
REAL_JS = """AggregateAuthenticationError: ChainedTokenCredential authentication failed.
CredentialUnavailableError: EnvironmentCredential is unavailable. No underlying credential could be used. To troubleshoot, visit https://aka.ms/azsdk/js/identity/environmentcredential/troubleshoot.
CredentialUnavailableError: ManagedIdentityCredential: Authentication failed. Message Attempted to use the IMDS endpoint, but it is not available.
CredentialUnavailableError: Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions and then, once installed, authenticate to your Azure account using 'az login'.
"""

REAL_DOTNET = (
    "Unhandled exception. Azure.Identity.CredentialUnavailableException: DefaultAzureCredential failed to retrieve "
    "a token from the included credentials. See the troubleshooting guide for more information. "
    "https://aka.ms/azsdk/net/identity/defaultazurecredential/troubleshoot\n"
    "- EnvironmentCredential authentication unavailable. Environment variables are not fully configured. See the "
    "troubleshooting guide for more information. https://aka.ms/azsdk/net/identity/environmentcredential/troubleshoot\n"
)


@pytest.mark.parametrize(
    "text", [REAL_OPENAI_TRACEBACK, REAL_JS, REAL_DOTNET], ids=["python-openai", "js", "dotnet"]
)
def test_matcher_answers_real_pastes(index, text):
    assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(entry, index):
    assert entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
