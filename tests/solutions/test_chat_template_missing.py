"""Verified fix for solutions/chat-template-missing.md.

The project does not install transformers, so it is a fake in tmp_path, shaped like transformers 5.25.0:
`PreTrainedTokenizerBase.get_chat_template` is copied from the real `tokenization_utils_base.py` (its ValueError
word for word; the same text since 4.45.0), `apply_chat_template` calls it first and renders the template with
jinja2's ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) and `raise_exception`, as
`utils/chat_template_utils.py` does, and `AutoTokenizer.from_pretrained(folder)` reads the template from
`tokenizer_config.json` ("chat_template", a string or a list of named templates) or from `chat_template.jinja`
(read since 4.47.0). Model folders are local: a Llama-3-like base checkpoint without a template, its instruct
sibling (template in chat_template.jinja), an older-format instruct folder (template in tokenizer_config.json,
two named templates) and a ChatML model of another family. The tests reproduce the error in a child interpreter,
then run the entry's own Option 1 script and Option 2 function.
"""

import json
import textwrap
from pathlib import Path

from fake_site import write_files
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "chat-template-missing"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

BASE = """
import json
import os

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

CHAT_TEMPLATE_FILE = "chat_template.jinja"


class AddedToken:
    def __init__(self, content, special=False):
        self.content = content
        self.special = special


def _compile_jinja_template(chat_template):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    jinja_env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    jinja_env.globals["raise_exception"] = raise_exception
    return jinja_env.from_string(chat_template)


class PreTrainedTokenizerBase:
    def __init__(self, **kwargs):
        self.chat_template = kwargs.pop("chat_template", None)
        if isinstance(self.chat_template, (list, tuple)):
            # Chat templates are stored as lists of dicts with fixed key names,
            # we reconstruct that into a single dict while loading them.
            self.chat_template = {template["name"]: template["template"] for template in self.chat_template}
        self._special = {name: kwargs.get(name) for name in ("bos_token", "eos_token", "unk_token", "pad_token")}

    @property
    def bos_token(self):
        return self._special["bos_token"]

    @property
    def eos_token(self):
        return self._special["eos_token"]

    def get_chat_template(self, chat_template=None, tools=None):
        # First, handle the cases when the model has a dict of multiple templates
        if isinstance(self.chat_template, dict):
            template_dict = self.chat_template
            if chat_template is not None and chat_template in template_dict:
                # The user can pass the name of a template to the chat template argument instead of an entire template
                chat_template = template_dict[chat_template]
            elif chat_template is None:
                if tools is not None and "tool_use" in template_dict:
                    chat_template = template_dict["tool_use"]
                elif "default" in template_dict:
                    chat_template = template_dict["default"]
                else:
                    raise ValueError(
                        "This model has multiple chat templates with no default specified! Please either pass a chat "
                        "template or the name of the template you wish to use to the `chat_template` argument. Available "
                        f"template names are {sorted(template_dict.keys())}."
                    )

        elif chat_template is None:
            # These are the cases when the model has a single template
            # priority: `chat_template` argument > `tokenizer.chat_template`
            if self.chat_template is not None:
                chat_template = self.chat_template
            else:
                raise ValueError(
                    "Cannot use chat template functions because tokenizer.chat_template is not set and no template "
                    "argument was passed! For information about writing templates and setting the "
                    "tokenizer.chat_template attribute, please see the documentation at "
                    "https://huggingface.co/docs/transformers/main/en/chat_templating"
                )

        return chat_template

    def apply_chat_template(
        self, conversation, tools=None, chat_template=None, add_generation_prompt=False, tokenize=True, **kwargs
    ):
        chat_template = self.get_chat_template(chat_template, tools)
        if not conversation:
            raise ValueError("Cannot apply chat template to an empty conversation. Provide at least one message.")
        rendered = _compile_jinja_template(chat_template).render(
            messages=conversation,
            tools=tools,
            add_generation_prompt=add_generation_prompt,
            bos_token=self.bos_token,
            eos_token=self.eos_token,
            **kwargs,
        )
        if tokenize:
            return {"input_ids": self.encode(rendered)}
        return rendered

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, **kwargs):
        folder = pretrained_model_name_or_path
        with open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8") as f:
            init_kwargs = json.load(f)
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
            tokenizer_file = json.load(f)
        chat_template_file = os.path.join(folder, CHAT_TEMPLATE_FILE)
        if os.path.isfile(chat_template_file):
            with open(chat_template_file, encoding="utf-8") as chat_template_handle:
                init_kwargs["chat_template"] = chat_template_handle.read()
        init_kwargs.pop("added_tokens_decoder", None)
        init_kwargs.update(kwargs)
        return cls(tokenizer_file=tokenizer_file, **init_kwargs)
"""

FAST = """
from .tokenization_utils_base import AddedToken, PreTrainedTokenizerBase


class PreTrainedTokenizerFast(PreTrainedTokenizerBase):
    def __init__(self, *args, tokenizer_file=None, **kwargs):
        tokenizer_file = tokenizer_file or {"model": {"vocab": {}}, "added_tokens": []}
        self._vocab = dict(tokenizer_file["model"]["vocab"])
        self._added = {t["id"]: AddedToken(t["content"], t.get("special", False)) for t in tokenizer_file["added_tokens"]}
        self._vocab.update({token.content: index for index, token in self._added.items()})
        super().__init__(**kwargs)

    @property
    def added_tokens_decoder(self):
        return dict(sorted(self._added.items()))

    def get_vocab(self):
        return dict(self._vocab)

    def convert_tokens_to_ids(self, token):
        return self._vocab.get(token)

    def encode(self, text):
        return [self._vocab.get(piece, 0) for piece in text.split()]
"""

TRANSFORMERS = {
    "transformers/__init__.py": (
        "__version__ = '5.25.0'\n"
        "from .tokenization_utils_base import PreTrainedTokenizerBase\n"
        "from .tokenization_utils_fast import PreTrainedTokenizerFast\n"
        "from .models.auto.tokenization_auto import AutoTokenizer\n"
    ),
    "transformers/tokenization_utils_base.py": BASE,
    "transformers/tokenization_utils_fast.py": FAST,
    "transformers/models/__init__.py": "",
    "transformers/models/auto/__init__.py": "",
    "transformers/models/auto/tokenization_auto.py": (
        "from ...tokenization_utils_fast import PreTrainedTokenizerFast\n\n\n"
        "class AutoTokenizer:\n"
        "    @classmethod\n"
        "    def from_pretrained(cls, pretrained_model_name_or_path, *inputs, **kwargs):\n"
        "        return PreTrainedTokenizerFast.from_pretrained(pretrained_model_name_or_path, **kwargs)\n"
    ),
}

LLAMA3_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|start_header_id|>{{ message['role'] }}<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>"
    "{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
LLAMA3_TOKENS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
]
QUESTION = "What is the capital of France?"
LLAMA3_PROMPT = (
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
    f"{QUESTION}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
)


def _model(folder: Path, special: list[str], config: dict, jinja: str | None = None) -> Path:
    """A local checkpoint folder: tokenizer.json, tokenizer_config.json and maybe chat_template.jinja."""
    folder.mkdir(parents=True)
    vocab = {"What": 0, "is": 1, "the": 2, "capital": 3, "of": 4, "France?": 5}
    added = [{"id": 100 + i, "content": t, "special": True} for i, t in enumerate(special)]
    (folder / "tokenizer.json").write_text(
        json.dumps({"model": {"vocab": vocab}, "added_tokens": added}), encoding="utf-8"
    )
    decoder = {str(t["id"]): {"content": t["content"], "special": True} for t in added}
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"added_tokens_decoder": decoder, **config}), encoding="utf-8"
    )
    if jinja is not None:
        (folder / "chat_template.jinja").write_text(jinja, encoding="utf-8")
    return folder


def _setup(tmp_path):
    site = write_files(tmp_path / "site", TRANSFORMERS)
    llama = {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}
    models = {
        "base": _model(tmp_path / "Llama-3-8B", LLAMA3_TOKENS, llama),
        "instruct": _model(
            tmp_path / "Llama-3-8B-Instruct",
            LLAMA3_TOKENS,
            {**llama, "eos_token": "<|eot_id|>"},
            LLAMA3_TEMPLATE,
        ),
        "old_instruct": _model(
            tmp_path / "Llama-3-8B-Instruct-old",
            LLAMA3_TOKENS,
            {
                **llama,
                "chat_template": [
                    {"name": "default", "template": LLAMA3_TEMPLATE},
                    {"name": "tool_use", "template": "{{ raise_exception('tools') }}"},
                ],
            },
        ),
        "chatml": _model(
            tmp_path / "OtherFamily-Chat",
            ["<|im_start|>", "<|im_end|>"],
            {"eos_token": "<|im_end|>"},
            CHATML_TEMPLATE,
        ),
    }
    return site, models


MESSAGES = f"messages = [{{'role': 'user', 'content': {QUESTION!r}}}]\n"


def test_reproduces_the_missing_chat_template_error(tmp_path):
    site, models = _setup(tmp_path)
    load = f"from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained({str(models['base'])!r})\n"
    result = run_python(
        load + MESSAGES + "tok.apply_chat_template(messages, add_generation_prompt=True)\n",
        cwd=tmp_path,
        path=site,
    )
    assert result.returncode != 0
    assert "transformers/tokenization_utils_base.py" in result.stderr
    assert "in get_chat_template" in result.stderr
    entry = parse_entry(ENTRY)
    assert last_line(result) == entry.errors[0]
    # the check is about the missing template only: the same base tokenizer renders when given one
    given = run_python(
        load
        + MESSAGES
        + f"print(tok.apply_chat_template(messages, chat_template={LLAMA3_TEMPLATE!r}, tokenize=False,"
        " add_generation_prompt=True), end='')\n",
        cwd=tmp_path,
        path=site,
    )
    assert given.returncode == 0, given.stderr
    assert given.stdout == LLAMA3_PROMPT


def test_option1_fails_early_on_a_base_model_and_renders_with_the_instruct_one(fix_code, tmp_path):
    site, models = _setup(tmp_path)
    code = fix_code(SLUG, 1)
    base = run_python(code, cwd=tmp_path, path=site, args=[str(models["base"])])
    assert base.returncode == 1
    assert "Llama-3-8B ships no chat template: it is a base (pretrained) checkpoint" in base.stderr
    assert "Load the instruct/chat variant of the model" in base.stderr
    assert "Traceback" not in base.stderr
    for name in ("instruct", "old_instruct"):  # chat_template.jinja, or the tokenizer_config.json key
        result = run_python(code, cwd=tmp_path, path=site, args=[str(models[name])])
        assert result.returncode == 0, result.stderr
        assert result.stdout == LLAMA3_PROMPT + "\n"


def test_option2_copies_the_family_template_and_refuses_another_family(fix_code, tmp_path):
    site, models = _setup(tmp_path)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    check = textwrap.dedent(
        f"""
        from transformers import AutoTokenizer
        from fix import copy_chat_template

        {MESSAGES.strip()}
        base = AutoTokenizer.from_pretrained({str(models["base"])!r})
        assert base.chat_template is None
        copy_chat_template(base, {str(models["old_instruct"])!r})  # two named templates: takes "default"
        assert base.chat_template == {LLAMA3_TEMPLATE!r}
        print(base.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), end="")

        other = AutoTokenizer.from_pretrained({str(models["base"])!r})
        try:
            copy_chat_template(other, {str(models["chatml"])!r})
        except ValueError as exc:
            print("|refused:", exc)
        assert other.chat_template is None
        """
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    rendered, refused = result.stdout.split("|refused: ")
    assert rendered == LLAMA3_PROMPT
    assert refused.startswith("the template uses tokens this tokenizer lacks: ['<|im_start|>', '<|im_end|>']")
