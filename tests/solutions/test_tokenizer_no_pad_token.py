"""Verified fix for solutions/tokenizer-no-pad-token.md.

The project installs neither transformers nor tokenizers, so both are fakes in tmp_path, shaped like
the real releases the entry was checked on (transformers 4.30.2, 4.57.6, 5.25.0; tokenizers 0.23.3):
`tokenizers.Tokenizer` with `models.WordLevel` and `pre_tokenizers.Whitespace`, and
`transformers.PreTrainedTokenizerFast(tokenizer_object=...)` whose padding check is the one in the real
`tokenization_utils_base.py` (`_get_padding_truncation_strategies`: `pad_token is None or pad_token_id < 0`
raises the ValueError, word for word). The tests reproduce the error in a child interpreter, then run the
entry's own Option 1 code: as a script (its offline demo pads) and as a function applied to a tokenizer and
a model stand-in (pad id mirrored into the model's config and generation config, left padding).
"""

import textwrap
from pathlib import Path

from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "tokenizer-no-pad-token"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

TOKENIZERS = {
    "tokenizers/__init__.py": (
        "from . import models, pre_tokenizers\n\n"
        "__version__ = '0.23.3'\n\n\n"
        "class Tokenizer:\n"
        "    def __init__(self, model):\n"
        "        self.model = model\n"
        "        self.pre_tokenizer = None\n\n"
        "    def encode_ids(self, text):\n"
        "        words = text.split() if self.pre_tokenizer is not None else [text]\n"
        "        return [self.model.token_to_id(word) for word in words]\n\n"
        "    def token_to_id(self, token):\n"
        "        return self.model.vocab.get(token)\n"
    ),
    "tokenizers/models.py": (
        "class WordLevel:\n"
        "    def __init__(self, vocab, unk_token=None):\n"
        "        self.vocab = dict(vocab)\n"
        "        self.unk_token = unk_token\n\n"
        "    def token_to_id(self, token):\n"
        "        return self.vocab.get(token, self.vocab.get(self.unk_token))\n"
    ),
    "tokenizers/pre_tokenizers.py": "class Whitespace:\n    pass\n",
}

# The check and the message as transformers 3.0.2 - 5.25.0 ship them in tokenization_utils_base.py.
BASE = """
from enum import Enum


class PaddingStrategy(Enum):
    LONGEST = "longest"
    MAX_LENGTH = "max_length"
    DO_NOT_PAD = "do_not_pad"


class PreTrainedTokenizerBase:
    padding_side = "right"

    def __init__(self, **kwargs):
        self._special = {name: kwargs.get(name) for name in ("bos_token", "eos_token", "unk_token", "pad_token")}
        self.padding_side = kwargs.pop("padding_side", self.padding_side)

    @property
    def pad_token(self):
        return self._special["pad_token"]

    @pad_token.setter
    def pad_token(self, value):
        self._special["pad_token"] = value

    @property
    def eos_token(self):
        return self._special["eos_token"]

    @property
    def pad_token_id(self):
        return None if self.pad_token is None else self.convert_tokens_to_ids(self.pad_token)

    @property
    def eos_token_id(self):
        return None if self.eos_token is None else self.convert_tokens_to_ids(self.eos_token)

    def _get_padding_truncation_strategies(self, padding=False, max_length=None):
        if padding is True:
            padding_strategy = PaddingStrategy.LONGEST
        elif padding is False:
            padding_strategy = PaddingStrategy.DO_NOT_PAD
        else:
            padding_strategy = PaddingStrategy(padding)
        # Test if we have a padding token
        if padding_strategy != PaddingStrategy.DO_NOT_PAD and (self.pad_token is None or self.pad_token_id < 0):
            raise ValueError(
                "Asking to pad but the tokenizer does not have a padding token. "
                "Please select a token to use as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` "
                "or add a new pad token via `tokenizer.add_special_tokens({'pad_token': '[PAD]'})`."
            )
        return padding_strategy, max_length

    def __call__(self, text, padding=False, max_length=None):
        strategy, max_length = self._get_padding_truncation_strategies(padding, max_length)
        rows = [self._encode(t) for t in ([text] if isinstance(text, str) else text)]
        if strategy == PaddingStrategy.DO_NOT_PAD:
            return {"input_ids": rows, "attention_mask": [[1] * len(r) for r in rows]}
        width = max_length if strategy == PaddingStrategy.MAX_LENGTH else max(len(r) for r in rows)
        ids, masks = [], []
        for row in rows:
            pads = [self.pad_token_id] * (width - len(row))
            fill = [0] * (width - len(row))
            if self.padding_side == "left":
                ids.append(pads + row)
                masks.append(fill + [1] * len(row))
            else:
                ids.append(row + pads)
                masks.append([1] * len(row) + fill)
        return {"input_ids": ids, "attention_mask": masks}
"""

FAST = """
from .tokenization_utils_base import PreTrainedTokenizerBase


class PreTrainedTokenizerFast(PreTrainedTokenizerBase):
    def __init__(self, *args, tokenizer_object=None, **kwargs):
        self._tokenizer = tokenizer_object
        super().__init__(**kwargs)

    def convert_tokens_to_ids(self, token):
        return self._tokenizer.token_to_id(token)

    def _encode(self, text):
        return self._tokenizer.encode_ids(text)
"""

TRANSFORMERS = {
    "transformers/__init__.py": (
        "__version__ = '5.25.0'\n"
        "from .tokenization_utils_base import PreTrainedTokenizerBase\n"
        "from .tokenization_utils_fast import PreTrainedTokenizerFast\n"
    ),
    "transformers/tokenization_utils_base.py": BASE,
    "transformers/tokenization_utils_fast.py": FAST,
}

# A GPT-2/Llama-like tokenizer: eos, unk, no pad token.
MAKE_TOKENIZER = """
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

backend = Tokenizer(models.WordLevel({"<unk>": 0, "</s>": 1, "hello": 2, "world": 3}, unk_token="<unk>"))
backend.pre_tokenizer = pre_tokenizers.Whitespace()
tok = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="</s>", unk_token="<unk>")
"""


def _site(tmp_path):
    site = tmp_path / "site"
    for rel, text in {**TOKENIZERS, **TRANSFORMERS}.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return site


def test_reproduces_the_transformers_padding_error(tmp_path):
    site = _site(tmp_path)
    result = run_python(
        MAKE_TOKENIZER + 'tok(["hello", "hello world"], padding=True)\n', cwd=tmp_path, path=site
    )
    assert result.returncode != 0
    assert "transformers/tokenization_utils_base.py" in result.stderr
    entry = parse_entry(ENTRY)
    assert last_line(result) == entry.errors[0]
    # no padding asked: no error (the check is about padding only)
    assert (
        run_python(MAKE_TOKENIZER + 'tok(["hello", "hello world"])\n', cwd=tmp_path, path=site).returncode
        == 0
    )


def test_option1_script_pads_a_tokenizer_without_pad_token(fix_code, tmp_path):
    site = _site(tmp_path)
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert "pad token before: None" in result.stdout
    assert "pad token after: </s> 1" in result.stdout
    assert "input_ids: [[2, 1], [2, 3]] attention_mask: [[1, 0], [1, 1]]" in result.stdout


def test_option1_function_sets_model_ids_and_left_padding(fix_code, tmp_path):
    site = _site(tmp_path)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    check = MAKE_TOKENIZER + textwrap.dedent(
        """
        from types import SimpleNamespace
        from fix import ensure_pad_token

        text_config = SimpleNamespace(pad_token_id=None)
        config = SimpleNamespace(pad_token_id=None, get_text_config=lambda: text_config)
        model = SimpleNamespace(config=config, generation_config=SimpleNamespace(pad_token_id=None))
        ensure_pad_token(tok, model, padding_side="left")
        assert (config.pad_token_id, text_config.pad_token_id, model.generation_config.pad_token_id) == (1, 1, 1)
        assert tok(["hello", "hello world"], padding=True)["input_ids"] == [[1, 2], [2, 3]]

        old = SimpleNamespace(config=SimpleNamespace(pad_token_id=None))  # no generation_config, no get_text_config
        ensure_pad_token(tok, old)
        assert old.config.pad_token_id == 1

        own = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="</s>", pad_token="<unk>")
        ensure_pad_token(own)
        assert own.pad_token == "<unk>"  # an existing pad token is kept

        bare = PreTrainedTokenizerFast(tokenizer_object=backend)
        try:
            ensure_pad_token(bare)
        except ValueError as exc:
            print("no eos:", exc)
        print("ok")
        """
    )
    result = run_python(check, cwd=tmp_path, path=[site, tmp_path])
    assert result.returncode == 0, result.stderr
    assert "no eos: the tokenizer has no eos_token either" in result.stdout
    assert result.stdout.rstrip().endswith("ok")
