"""Verified fixes for solutions/kubeconfig-not-found.md: a Kubernetes client that finds no cluster configuration.

The project does not install the `kubernetes` client (37.0.3 needs Python >= 3.10 and pulls aiohttp, pydantic and
websocket-client), so the tests write a small fake `kubernetes` into tmp_path with the shape of the real release
and its exact messages, copied from kubernetes 37.0.3 (checked the same in 29.0.0 and 35.0.0):
- `kubernetes/config/kube_config.py`: `KUBE_CONFIG_DEFAULT_LOCATION = os.environ.get('KUBECONFIG', '~/.kube/config')`
  read at import; `KubeConfigMerger` keeps only the `:`-separated paths that exist; `_get_kube_config_loader` raises
  `Invalid kube-config file. No configuration found.` when none is left; `ConfigNode.__getitem__` raises
  `Invalid kube-config file. Expected key current-context in <path>` and `get_with_name` `Expected object with name
  ... in <path>/contexts list`; an empty file `Invalid kube-config. <path> file is empty`; `load_kube_config`,
  `new_client_from_config` and `load_and_set` (host from the cluster's server, `Bearer` token from the user);
- `kubernetes/config/incluster_config.py`: `_load_config`'s checks in their order (`Service host/port is not set.`,
  `... is set but empty.`, `Service token file does not exist.`), `kubernetes/config/__init__.py`'s `load_config()`;
- `kubernetes/client`: `Configuration` with the class-level default that `ApiClient()` copies when it is made (host
  '' from 36.0.0, 'http://localhost' up to 35.0.0, chosen per fake version), and a REST call through the real urllib3
  PoolManager of the project venv, so an API object made before loading fails in urllib3 itself
  (`LocationValueError: No host specified.`, as with 37.0.3).
The tests reproduce each error in a child interpreter with a temporary HOME and no KUBECONFIG/KUBERNETES_* variables,
feed each traceback to the matcher, and run the entry's Option 1 (against a local stand-in of the API server) and
Option 4 code.
"""

from __future__ import annotations

import pytest
from answers import assert_answers, confident_answer
from fake_http import json_server
from fake_site import fake_distribution
from pyrun import last_line, run_python

from synapse_skill.matching import matcher

SLUG = "kubeconfig-not-found"

CONFIG_EXCEPTION = """
class ConfigException(Exception):
    pass
"""

KUBE_CONFIG = """
import copy
import os
import platform

import yaml

from kubernetes.client import ApiClient, Configuration
from .config_exception import ConfigException

KUBE_CONFIG_DEFAULT_LOCATION = os.environ.get('KUBECONFIG', '~/.kube/config')
ENV_KUBECONFIG_PATH_SEPARATOR = ';' if platform.system() == 'Windows' else ':'


class ConfigNode(object):
    def __init__(self, name, value, path=None):
        self.name = name
        self.value = value
        self.path = path

    def safe_get(self, key):
        if (isinstance(self.value, list) and isinstance(key, int) or
                key in self.value):
            return self.value[key]

    def __getitem__(self, key):
        v = self.safe_get(key)
        if v is None:
            raise ConfigException(
                'Invalid kube-config file. Expected key %s in %s'
                % (key, self.name))
        if isinstance(v, dict) or isinstance(v, list):
            return ConfigNode('%s/%s' % (self.name, key), v, self.path)
        else:
            return v

    def get_with_name(self, name, safe=False):
        result = None
        for v in self.value:
            if v['name'] == name:
                result = v
        if result is not None:
            return ConfigNode('%s[name=%s]' % (self.name, name), result, self.path)
        if safe:
            return None
        raise ConfigException(
            'Invalid kube-config file. '
            'Expected object with name %s in %s list' % (name, self.name))


class KubeConfigLoader(object):
    def __init__(self, config_dict, active_context=None, **kwargs):
        self._config = config_dict
        self.set_active_context(active_context)

    def set_active_context(self, context_name=None):
        if context_name is None:
            context_name = self._config['current-context']
        self._current_context = self._config['contexts'].get_with_name(context_name)
        user = self._config['users'].get_with_name(self._current_context['context']['user'], safe=True)
        self._user = user['user'] if user else None
        self._cluster = self._config['clusters'].get_with_name(
            self._current_context['context']['cluster'])['cluster']

    def load_and_set(self, client_configuration):
        client_configuration.host = self._cluster['server']
        if self._user is not None and self._user.safe_get('token'):
            client_configuration.api_key['authorization'] = 'Bearer ' + self._user['token']


class KubeConfigMerger:
    def __init__(self, paths):
        self.paths = []
        self.config_merged = None
        for path in paths.split(ENV_KUBECONFIG_PATH_SEPARATOR):
            if path:
                path = os.path.expanduser(path)
                if os.path.exists(path):
                    self.paths.append(path)
                    self.load_config(path)

    @property
    def config(self):
        return self.config_merged

    def load_config(self, path):
        with open(path) as f:
            config = yaml.safe_load(f)
        if config is None:
            raise ConfigException(
                'Invalid kube-config. '
                '%s file is empty' % path)
        if self.config_merged is None:
            config_merged = copy.deepcopy(config)
            for item in ('clusters', 'contexts', 'users'):
                config_merged[item] = []
            self.config_merged = ConfigNode(path, config_merged, path)
        for item in ('clusters', 'contexts', 'users'):
            for new_item in config.get(item, []) or []:
                self.config_merged.value[item].append(new_item)
        if 'current-context' in config:
            self.config_merged.value['current-context'] = config['current-context']


def _get_kube_config_loader(filename=None, config_dict=None, persist_config=False, **kwargs):
    kcfg = KubeConfigMerger(filename)
    if kcfg.config is None:
        raise ConfigException(
            'Invalid kube-config file. '
            'No configuration found.')
    return KubeConfigLoader(config_dict=kcfg.config, **kwargs)


def load_kube_config(config_file=None, context=None, client_configuration=None, persist_config=True):
    if config_file is None:
        config_file = KUBE_CONFIG_DEFAULT_LOCATION
    loader = _get_kube_config_loader(filename=config_file, active_context=context)
    if client_configuration is None:
        config = type.__call__(Configuration)
        loader.load_and_set(config)
        Configuration.set_default(config)
    else:
        loader.load_and_set(client_configuration)


def new_client_from_config(config_file=None, context=None, persist_config=True, client_configuration=None):
    if client_configuration is None:
        client_configuration = type.__call__(Configuration)
    load_kube_config(config_file=config_file, context=context, client_configuration=client_configuration)
    return ApiClient(configuration=client_configuration)
"""

INCLUSTER = """
import os

from kubernetes.client import Configuration
from .config_exception import ConfigException

SERVICE_HOST_ENV_NAME = "KUBERNETES_SERVICE_HOST"
SERVICE_PORT_ENV_NAME = "KUBERNETES_SERVICE_PORT"
SERVICE_TOKEN_FILENAME = "/var/run/secrets/kubernetes.io/serviceaccount/token"
SERVICE_CERT_FILENAME = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"


class InClusterConfigLoader(object):
    def __init__(self, token_filename, cert_filename, environ=os.environ):
        self._token_filename = token_filename
        self._cert_filename = cert_filename
        self._environ = environ

    def load_and_set(self, client_configuration=None):
        try_set_default = False
        if client_configuration is None:
            client_configuration = type.__call__(Configuration)
            try_set_default = True
        self._load_config()
        client_configuration.host = self.host
        if try_set_default:
            Configuration.set_default(client_configuration)

    def _load_config(self):
        if (SERVICE_HOST_ENV_NAME not in self._environ
                or SERVICE_PORT_ENV_NAME not in self._environ):
            raise ConfigException("Service host/port is not set.")

        if (not self._environ[SERVICE_HOST_ENV_NAME]
                or not self._environ[SERVICE_PORT_ENV_NAME]):
            raise ConfigException("Service host/port is set but empty.")

        self.host = "https://%s:%s" % (self._environ[SERVICE_HOST_ENV_NAME], self._environ[SERVICE_PORT_ENV_NAME])

        if not os.path.isfile(self._token_filename):
            raise ConfigException("Service token file does not exist.")


def load_incluster_config(client_configuration=None, try_refresh_token=True):
    InClusterConfigLoader(
        token_filename=SERVICE_TOKEN_FILENAME,
        cert_filename=SERVICE_CERT_FILENAME).load_and_set(client_configuration)
"""

CONFIG_INIT = """
from os.path import exists, expanduser

from .config_exception import ConfigException
from .incluster_config import load_incluster_config
from .kube_config import (KUBE_CONFIG_DEFAULT_LOCATION, load_kube_config, new_client_from_config)


def load_config(**kwargs):
    if "config_file" in kwargs.keys():
        load_kube_config(**kwargs)
    elif exists(expanduser(KUBE_CONFIG_DEFAULT_LOCATION)):
        load_kube_config(**kwargs)
    else:
        print(
            "kube_config_path not provided and "
            "default location ({0}) does not exist. "
            "Using inCluster Config. "
            "This might not work.".format(KUBE_CONFIG_DEFAULT_LOCATION))
        load_incluster_config(**kwargs)
"""

CONFIGURATION = """
import copy


class Configuration:
    _default = None

    def __init__(self, host=None):
        self._base_path = {default_host!r} if host is None else host
        self.api_key = {{}}

    @property
    def host(self):
        return self._base_path

    @host.setter
    def host(self, value):
        self._base_path = value

    @classmethod
    def set_default(cls, default):
        cls._default = default

    @classmethod
    def get_default_copy(cls):
        return copy.deepcopy(cls._default) if cls._default is not None else cls()
"""

API_CLIENT = """
import json
from types import SimpleNamespace

import urllib3

from kubernetes.client.configuration import Configuration


class ApiClient:
    def __init__(self, configuration=None):
        if configuration is None:
            configuration = Configuration.get_default_copy()  # copied now: later loads do not reach it
        self.configuration = configuration
        self.pool_manager = urllib3.PoolManager()

    def call_api(self, path, _request_timeout=None):
        url = self.configuration.host + path
        headers = dict(self.configuration.api_key)
        r = self.pool_manager.request("GET", url, headers=headers, timeout=_request_timeout, retries=urllib3.Retry(total=3, backoff_factor=0))
        return json.loads(r.data, object_hook=lambda d: SimpleNamespace(**d))


class CoreV1Api:
    def __init__(self, api_client=None):
        self.api_client = api_client or ApiClient()

    def list_namespaced_pod(self, namespace, _request_timeout=None):
        return self.api_client.call_api("/api/v1/namespaces/%s/pods" % namespace, _request_timeout)


class AppsV1Api(CoreV1Api):
    pass
"""


def fake_kubernetes(tmp_path, version="37.0.3"):
    """A site folder holding the fake `kubernetes` distribution of `version` (37.0.3: no default host; 35.0.0:
    'http://localhost')."""
    site = tmp_path / f"site-{version}"
    fake_distribution(
        site,
        "kubernetes",
        version,
        {
            "kubernetes/__init__.py": f"__version__ = {version!r}\nimport kubernetes.client\nimport kubernetes.config\n",
            "kubernetes/client/__init__.py": (
                "from kubernetes.client.configuration import Configuration\n"
                "from kubernetes.client.api_client import ApiClient, AppsV1Api, CoreV1Api\n"
            ),
            "kubernetes/client/configuration.py": CONFIGURATION.format(
                default_host="" if version >= "36" else "http://localhost"
            ),
            "kubernetes/client/api_client.py": API_CLIENT,
            "kubernetes/config/__init__.py": CONFIG_INIT,
            "kubernetes/config/config_exception.py": CONFIG_EXCEPTION,
            "kubernetes/config/kube_config.py": KUBE_CONFIG,
            "kubernetes/config/incluster_config.py": INCLUSTER,
        },
    )
    return site


def kubeconfig(server: str, current_context: str | None = "dev") -> str:
    head = f"current-context: {current_context}\n" if current_context is not None else ""
    return (
        "apiVersion: v1\nkind: Config\n" + head + "clusters:\n- name: dev\n"
        f'  cluster: {{server: "{server}"}}\n'
        "users:\n- name: dev\n  user: {token: secret-token}\n"
        "contexts:\n- name: dev\n  context: {cluster: dev, user: dev}\n"
    )


@pytest.fixture
def home(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def child_env(home, **extra):
    """A temporary HOME and none of the variables that would point the client at a cluster."""
    env = {
        "HOME": str(home),
        "KUBECONFIG": None,
        "KUBERNETES_SERVICE_HOST": None,
        "KUBERNETES_SERVICE_PORT": None,
    }
    env.update(extra)
    return env


def run(code, site, home, cwd, **extra):
    return run_python(code, cwd=cwd, path=site, env=child_env(home, **extra), timeout=30)


def test_no_kubeconfig_and_no_pod(entry, index, tmp_path, home):
    site = fake_kubernetes(tmp_path)
    result = run("from kubernetes import config\nconfig.load_kube_config()\n", site, home, tmp_path)
    assert "kubernetes/config/kube_config.py" in result.stderr
    line = last_line(result)
    assert (
        line
        == "kubernetes.config.config_exception.ConfigException: Invalid kube-config file. No configuration found."
    )
    assert line in entry.errors
    assert_answers(index, SLUG, result.stderr)

    # KUBECONFIG pointing at a file that is not there reads the same
    result = run(
        "from kubernetes import config\nconfig.load_kube_config()\n",
        site,
        home,
        tmp_path,
        KUBECONFIG="/nope/config",
    )
    assert last_line(result) == line

    result = run("from kubernetes import config\nconfig.load_incluster_config()\n", site, home, tmp_path)
    assert (
        last_line(result)
        == "kubernetes.config.config_exception.ConfigException: Service host/port is not set."
    )
    assert_answers(index, SLUG, result.stderr)

    # load_config(): the kubeconfig is missing, the message is about the pod
    result = run("from kubernetes import config\nconfig.load_config()\n", site, home, tmp_path)
    assert "default location (~/.kube/config) does not exist. Using inCluster Config." in result.stdout
    assert last_line(result).endswith("Service host/port is not set.")


def test_kubeconfig_present_but_unusable(entry, index, tmp_path, home):
    site = fake_kubernetes(tmp_path)
    (home / ".kube").mkdir()
    cfg = home / ".kube" / "config"
    cfg.write_text(kubeconfig("https://127.0.0.1:6443", current_context=None))
    result = run("from kubernetes import config\nconfig.load_kube_config()\n", site, home, tmp_path)
    assert last_line(result) == (
        f"kubernetes.config.config_exception.ConfigException: Invalid kube-config file. Expected key current-context in {cfg}"
    )
    assert_answers(index, SLUG, result.stderr)

    cfg.write_text(kubeconfig("https://127.0.0.1:6443", current_context='""'))  # kubectl's empty selection
    result = run("from kubernetes import config\nconfig.load_kube_config()\n", site, home, tmp_path)
    assert last_line(result).endswith(f"Expected object with name  in {cfg}/contexts list")
    assert_answers(index, SLUG, result.stderr)

    cfg.write_text("")
    result = run("from kubernetes import config\nconfig.load_kube_config()\n", site, home, tmp_path)
    assert last_line(result).endswith(f"Invalid kube-config. {cfg} file is empty")


def test_kubeconfig_set_after_import_is_ignored(tmp_path, home):
    site = fake_kubernetes(tmp_path)
    good = tmp_path / "cluster.yaml"
    good.write_text(kubeconfig("https://127.0.0.1:6443"))
    code = (
        "import os\nfrom kubernetes import config\n"
        f"os.environ['KUBECONFIG'] = {str(good)!r}\n"
        "config.load_kube_config()\n"
    )
    result = run(code, site, home, tmp_path)
    assert last_line(result).endswith("Invalid kube-config file. No configuration found.")
    # passed as an argument (what Option 2 says), the same file loads
    result = run(
        f"from kubernetes import config\nconfig.load_kube_config(config_file={str(good)!r})\nprint('ok')\n",
        site,
        home,
        tmp_path,
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_client_made_before_loading(entry, index, tmp_path, home):
    site = fake_kubernetes(tmp_path)
    code = "from kubernetes import client\nclient.CoreV1Api().list_namespaced_pod('default')\n"
    result = run(code, site, home, tmp_path)
    assert "urllib3/poolmanager.py" in result.stderr
    assert last_line(result) == "urllib3.exceptions.LocationValueError: No host specified."


@pytest.mark.parametrize(("version", "early_host"), [("37.0.3", "''"), ("35.0.0", "'http://localhost'")])
def test_option4_makes_clients_after_loading(fix_code, tmp_path, home, version, early_host):
    site = fake_kubernetes(tmp_path, version)
    result = run(fix_code(SLUG, 4), site, home, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"made before loading: {early_host}" in result.stdout
    assert "made after loading:  https://127.0.0.1:6443" in result.stdout
    assert "own ApiClient:       https://127.0.0.1:6443" in result.stdout


def pod_server():
    seen = []

    def answer(request):
        seen.append((request.path, request.headers.get("authorization")))
        return 200, {"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {"name": "web-1"}}]}

    return json_server(answer), seen


def test_option1_loads_the_kubeconfig_and_lists_pods(fix_code, tmp_path, home):
    site = fake_kubernetes(tmp_path)
    script = tmp_path / "k8s_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    server, seen = pod_server()
    with server as url:
        # no kubeconfig: a message naming what was looked for, not the in-cluster one
        result = run(script.read_text(), site, home, tmp_path)
        assert result.returncode == 1
        assert f"looked for {home}/.kube/config (HOME={home})" in result.stderr
        assert "KUBERNETES_SERVICE_HOST is unset" in result.stderr
        assert seen == []

        # ~/.kube/config of this HOME
        (home / ".kube").mkdir()
        (home / ".kube" / "config").write_text(kubeconfig(url))
        result = run(script.read_text(), site, home, tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"using kubeconfig {home}/.kube/config -> {url}" in result.stdout
        assert "pods in default: ['web-1']" in result.stdout
        assert seen == [("/api/v1/namespaces/default/pods", "Bearer secret-token")]

        # KUBECONFIG read at call time; a directory in the list is skipped, the file after it used
        other = tmp_path / "ci" / "kubeconfig"
        other.parent.mkdir()
        other.write_text(kubeconfig(url))
        empty_home = tmp_path / "empty-home"
        empty_home.mkdir()
        result = run(script.read_text(), site, empty_home, tmp_path, KUBECONFIG=f"{tmp_path}:{other}")
        assert result.returncode == 0, result.stderr
        assert f"using kubeconfig {other} -> {url}" in result.stdout

    # in a pod without the token mounted: the in-cluster loader's own message
    result = run(
        script.read_text(),
        site,
        empty_home,
        tmp_path,
        KUBERNETES_SERVICE_HOST="10.0.0.1",
        KUBERNETES_SERVICE_PORT="443",
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == "cannot configure the Kubernetes client: Service token file does not exist."
    )


def in_pod(token_file):
    """Code to put before a script: the fake in-cluster loader finds this service-account token (a pod's mount)."""
    return (
        f"import kubernetes.config.incluster_config as ic\nic.SERVICE_TOKEN_FILENAME = {str(token_file)!r}\n"
    )


def test_option1_prefers_the_kubeconfig_asked_for_over_the_pod(fix_code, tmp_path, home):
    """A CI runner or dev container running in Kubernetes has KUBERNETES_SERVICE_HOST and a token: a KUBECONFIG or
    context the user set must still be used, or fail, never be swapped silently for the pod's own cluster."""
    site = fake_kubernetes(tmp_path)
    token = tmp_path / "sa-token"
    token.write_text("runner-token")
    script = in_pod(token) + fix_code(SLUG, 1)
    pod = {
        "KUBERNETES_SERVICE_HOST": "127.0.0.1",
        "KUBERNETES_SERVICE_PORT": "1",
    }  # the runner's API: nothing there
    server, seen = pod_server()
    with server as url:
        target = tmp_path / "deploy" / "kubeconfig"
        target.parent.mkdir()
        target.write_text(kubeconfig(url))
        result = run(script, site, home, tmp_path, KUBECONFIG=str(target), **pod)
        assert result.returncode == 0, result.stderr
        assert f"using kubeconfig {target} -> {url}" in result.stdout
        assert seen == [("/api/v1/namespaces/default/pods", "Bearer secret-token")]

        # ~/.kube/config of this HOME counts too, as for kubectl
        (home / ".kube").mkdir()
        (home / ".kube" / "config").write_text(kubeconfig(url))
        result = run(script, site, home, tmp_path, **pod)
        assert result.returncode == 0, result.stderr
        assert f"using kubeconfig {home}/.kube/config -> {url}" in result.stdout

    empty_home = tmp_path / "empty-home"
    empty_home.mkdir()
    # KUBECONFIG names a file that is not there: an error naming it, not the pod's service account
    result = run(script, site, empty_home, tmp_path, KUBECONFIG="/nope/config", **pod)
    assert result.returncode == 1
    assert "in-cluster" not in result.stdout
    assert "looked for /nope/config" in result.stderr
    assert "KUBECONFIG is set" in result.stderr

    # a context was asked for: in-cluster config has none
    result = run(script, site, empty_home, tmp_path, KUBE_CONTEXT="kind-dev", **pod)
    assert result.returncode == 1
    assert "context 'kind-dev' was asked for" in result.stderr

    # nothing asked for and no file: the pod's service account
    result = run(script, site, empty_home, tmp_path, **pod)
    assert "using in-cluster service account -> https://127.0.0.1:1" in result.stdout


def test_option4_leaves_no_demo_kubeconfig_behind(fix_code, tmp_path, home):
    """The demo kubeconfig holds a token: running the block must not leave it in the temporary folder."""
    site = fake_kubernetes(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for _ in range(2):
        result = run(fix_code(SLUG, 4), site, home, tmp_path, TMPDIR=str(scratch))
        assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []


KUBECTL = """$ kubectl get pods
E1207 22:25:04.178046   18844 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"http://localhost:8080/api?timeout=32s\\": dial tcp 127.0.0.1:8080: connect: connection refused"
E1207 22:25:04.183202   18844 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"http://localhost:8080/api?timeout=32s\\": dial tcp 127.0.0.1:8080: connect: connection refused"
The connection to the server localhost:8080 was refused - did you specify the right host or port?
"""


KUBECTL_OLD = """E0101 10:44:52.091585    7818 memcache.go:265] couldn't get current server API group list: Get "http://localhost:8080/api?timeout=32s": dial tcp [::1]:8080: connect: connection refused
E0101 10:44:52.093011    7818 memcache.go:265] couldn't get current server API group list: Get "http://localhost:8080/api?timeout=32s": dial tcp [::1]:8080: connect: connection refused
The connection to the server localhost:8080 was refused - did you specify the right host or port?
"""

# kubectl v1.32.4 with a kubeconfig whose server is https://127.0.0.1:6443 and nothing listening (k3s, kind or kubeadm
# API server down): the config was found, so this entry must not be the confident answer.
KUBECTL_SERVER_DOWN = """E1207 22:44:21.910008   12138 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"https://127.0.0.1:6443/api?timeout=32s\\": dial tcp 127.0.0.1:6443: connect: connection refused"
E1207 22:44:21.911636   12138 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"https://127.0.0.1:6443/api?timeout=32s\\": dial tcp 127.0.0.1:6443: connect: connection refused"
The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?
"""


def test_matcher_offers_kubectls_full_output_without_asserting_it(index):
    """kubectl 1.31+ wraps the discovery error in "Unhandled Error"; the matcher reads localhost:8080 and 127.0.0.1:6443
    almost alike there, so the whole paste is offered first, not asserted (the last line alone is answered)."""
    hits = matcher.search(index, KUBECTL).hits
    assert hits[0].slug == SLUG
    assert confident_answer(index, KUBECTL_SERVER_DOWN) != SLUG


@pytest.mark.parametrize(
    "text",
    [
        KUBECTL_OLD,
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?",
        'Error: Kubernetes cluster unreachable: Get "http://localhost:8080/version": dial tcp 127.0.0.1:8080: '
        "connect: connection refused",
        'time="2026-12-07T10:00:00Z" level=fatal msg="invalid configuration: no configuration has been provided, '
        'try setting KUBERNETES_MASTER environment variable"',
        "error: current-context is not set",
        '  File "/app/.venv/lib/python3.12/site-packages/kubernetes/client/rest.py", line 244, in request\n'
        "urllib3.exceptions.MaxRetryError: HTTPConnectionPool(host='localhost', port=80): Max retries exceeded with url: "
        "/api/v1/namespaces/default/pods (Caused by NewConnectionError(\"HTTPConnection(host='localhost', port=80): "
        'Failed to establish a new connection: [Errno 111] Connection refused"))',
    ],
)
def test_matcher_answers_the_cli_wordings(index, text):
    assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(entry, index):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
    assert len(entry.not_errors) >= 4
