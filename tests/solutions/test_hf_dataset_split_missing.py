"""Verified fix for solutions/hf-dataset-split-missing.md.

datasets is not installed in this venv (it pulls pyarrow and pandas), so the tests write a small fake `datasets` into
tmp_path with the shape of datasets 5.2.0 (same texts in 1.18.4-5.2.0): `load.py` load_dataset, which builds a builder
and calls `builder.as_dataset` / `as_streaming_dataset`; `arrow_reader.py` with the real `_SUB_SPEC_RE` split-spec
syntax and `_rel_to_abs_instr` raising the real `Unknown split "{split}". Should be one of {list(name2len)}.`;
`builder.py` as_streaming_dataset with the real `Bad split: {split}. Available splits: ...` branches (a sliced split
is refused); `data_files.py` with the real SPLIT_KEYWORDS (dev.csv is the validation split); `dataset_dict.py`
DatasetDict.__getitem__ (a str key is a plain dict lookup); `inspect.py` get_dataset_split_names; `arrow_dataset.py`
class_encode_column, add_column, select and a seeded, stratified train_test_split with the real checks of
utils/stratify.py (a class of one row, fewer test rows than classes) (rows kept as Python values instead of Arrow;
numbers in a CSV come back as ints, as pandas reads them). The tests reproduce the errors in a child interpreter, then
run the entry's own Option 1-3 code against the fake.
"""

import re

from answers import assert_answers, confident_answer
from fake_site import write_files
from pyrun import last_line, run_python

SLUG = "hf-dataset-split-missing"

FAKE_DATASETS = {
    "datasets/__init__.py": """
        __version__ = "5.2.0"
        from .arrow_dataset import Dataset
        from .dataset_dict import DatasetDict
        from .features import ClassLabel, Value
        from .inspect import get_dataset_split_names
        from .iterable_dataset import IterableDataset
        from .load import load_dataset, load_dataset_builder
    """,
    "datasets/features.py": """
        class Value:
            def __init__(self, dtype):
                self.dtype = dtype


        class ClassLabel:
            def __init__(self, names):
                self.names = list(names)
    """,
    "datasets/arrow_dataset.py": """
        import collections
        import math
        import random

        from .features import ClassLabel, Value


        class Dataset:
            def __init__(self, rows, features=None):
                self._rows = list(rows)
                first = self._rows[0] if self._rows else {}
                self.features = features or {
                    k: Value("int64" if isinstance(v, int) else "string") for k, v in first.items()
                }

            @property
            def num_rows(self):
                return len(self._rows)

            @property
            def column_names(self):
                return list(self.features)

            def add_column(self, name, column):
                if name in self.features:
                    raise ValueError(f"Column {name} already in the dataset.")
                rows = [dict(row, **{name: value}) for row, value in zip(self._rows, column)]
                return Dataset(rows, dict(self.features, **{name: Value("int64")}))

            def select(self, indices):
                return Dataset([self._rows[i] for i in indices], self.features)

            def __len__(self):
                return len(self._rows)

            def __getitem__(self, key):
                if isinstance(key, str):
                    if key not in self.features:
                        raise KeyError(f"Column {key} not in the dataset. Current columns in the dataset: {list(self.features)}")
                    return [row[key] for row in self._rows]
                return self._rows[key]

            def class_encode_column(self, column):
                if not isinstance(self.features[column], Value):
                    raise ValueError(
                        f"Class encoding is only supported for Value column, and column {column} is {type(self.features[column]).__name__}."
                    )
                names = sorted({row[column] for row in self._rows})
                rows = [dict(row, **{column: names.index(row[column])}) for row in self._rows]
                return Dataset(rows, dict(self.features, **{column: ClassLabel(names)}))

            def train_test_split(self, test_size=None, train_size=None, shuffle=True, stratify_by_column=None, seed=None):
                from .dataset_dict import DatasetDict

                rnd = random.Random(seed)
                indices = list(range(len(self._rows)))
                n_test = math.ceil(test_size * len(indices))
                if stratify_by_column is not None:
                    if not isinstance(self.features[stratify_by_column], ClassLabel):
                        raise ValueError(
                            f"Stratifying by column is only supported for ClassLabel column, and column {stratify_by_column} is {type(self.features[stratify_by_column]).__name__}."
                        )
                    counts = collections.Counter(row[stratify_by_column] for row in self._rows)
                    if min(counts.values()) < 2:
                        raise ValueError(
                            f"The least populated class in {stratify_by_column} column has only 1"
                            " member, which is too few. The minimum"
                            " number of groups for any class cannot"
                            " be less than 2."
                        )
                    if n_test < len(counts):
                        raise ValueError(
                            "The test_size = %d should be greater or equal to the number of classes = %d"
                            % (n_test, len(counts))
                        )
                    test = []
                    for value in sorted({row[stratify_by_column] for row in self._rows}):
                        group = [i for i in indices if self._rows[i][stratify_by_column] == value]
                        rnd.shuffle(group)
                        test += group[: round(len(group) * test_size)]
                else:
                    rnd.shuffle(indices)
                    test = indices[: round(len(indices) * test_size)]
                chosen = set(test)
                train = [i for i in indices if i not in chosen]
                return DatasetDict(
                    train=Dataset([self._rows[i] for i in train], self.features),
                    test=Dataset([self._rows[i] for i in test], self.features),
                )
    """,
    "datasets/iterable_dataset.py": """
        import itertools


        class IterableDataset:
            def __init__(self, generate):
                self._generate = generate

            def __iter__(self):
                return iter(self._generate())

            def take(self, n):
                return IterableDataset(lambda: itertools.islice(self._generate(), n))

            def skip(self, n):
                return IterableDataset(lambda: itertools.islice(self._generate(), n, None))
    """,
    "datasets/dataset_dict.py": """
        class DatasetDict(dict):
            def __getitem__(self, k):
                if isinstance(k, str) or len(self) == 0:
                    return super().__getitem__(k)
                else:
                    available_suggested_splits = [split for split in ("train", "test", "validation") if split in self]
                    suggested_split = available_suggested_splits[0] if available_suggested_splits else list(self)[0]
                    raise KeyError(
                        f"Invalid key: {k}. Please first select a split. For example: "
                        f"`my_dataset_dictionary['{suggested_split}'][{k}]`. "
                        f"Available splits: {sorted(self)}"
                    )
    """,
    "datasets/data_files.py": """
        import os

        SPLIT_KEYWORDS = {
            "train": ["train", "training"],
            "validation": ["validation", "valid", "dev", "val"],
            "test": ["test", "testing", "eval", "evaluation"],
        }


        def data_files_from_folder(folder):
            files = sorted(f for f in os.listdir(folder) if f.endswith((".csv", ".json", ".jsonl", ".parquet")))
            found = {}
            for split, keywords in SPLIT_KEYWORDS.items():
                hits = [f for f in files if os.path.splitext(f)[0].lower() in keywords]
                if hits:
                    found[split] = [os.path.join(folder, f) for f in hits]
            return found or {"train": [os.path.join(folder, f) for f in files]}


        def sanitize(data_files):
            if isinstance(data_files, (str, os.PathLike)):
                return {"train": [str(data_files)]}
            if isinstance(data_files, (list, tuple)):
                return {"train": [str(f) for f in data_files]}
            return {str(k): [str(v)] if isinstance(v, (str, os.PathLike)) else [str(f) for f in v] for k, v in data_files.items()}
    """,
    "datasets/arrow_reader.py": r'''
        import math
        import re

        _split_re = r"^\w+(\.\w+)*$"

        _SUB_SPEC_RE = re.compile(
            rf"""
        ^
         (?P<split>{_split_re[1:-1]})
         (\[
            ((?P<from>-?[\d_]+)
             (?P<from_pct>%)?)?
            :
            ((?P<to>-?[\d_]+)
             (?P<to_pct>%)?)?
         \])?(\((?P<rounding>[^\)]*)\))?
        $
        """,
            re.X,
        )
        _ADDITION_SEP_RE = re.compile(r"\s*\+\s*")


        def _rel_to_abs_instr(res, name2len):
            split = res.group("split")
            if split not in name2len:
                raise ValueError(f'Unknown split "{split}". Should be one of {list(name2len)}.')
            num_examples = name2len[split]
            pct = bool(res.group("from_pct") or res.group("to_pct"))
            from_ = int(res.group("from")) if res.group("from") else None
            to = int(res.group("to")) if res.group("to") else None
            if pct:
                from_ = 0 if from_ is None else int(round(from_ * num_examples / 100.0))
                to = num_examples if to is None else int(round(to * num_examples / 100.0))
            return split, slice(from_, to)


        class ArrowReader:
            def __init__(self, tables):
                self._tables = tables

            def read(self, spec):
                name2len = {name: len(rows) for name, rows in self._tables.items()}
                rows = []
                for sub in _ADDITION_SEP_RE.split(str(spec)):
                    res = _SUB_SPEC_RE.match(sub)
                    if not res:
                        raise ValueError(f"Unrecognized instruction format: {sub}")
                    split, part = _rel_to_abs_instr(res, name2len)
                    rows += self._tables[split][part]
                return rows
    ''',
    "datasets/builder.py": """
        import csv

        from .arrow_dataset import Dataset
        from .arrow_reader import ArrowReader
        from .dataset_dict import DatasetDict
        from .iterable_dataset import IterableDataset


        def _value(text):
            try:
                return int(text)  # pandas reads a column of numbers as int64
            except ValueError:
                return text


        def _read_csv(paths):
            rows = []
            for path in paths:
                with open(path, newline="", encoding="utf-8") as f:
                    rows += [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(f)]
            return rows


        class DatasetBuilder:
            def __init__(self, data_files):
                self.data_files = data_files  # {split: [paths]}

            def _split_generators(self):
                return dict(self.data_files)

            def as_dataset(self, split=None):
                tables = {name: _read_csv(paths) for name, paths in self._split_generators().items()}
                if split is None:
                    return DatasetDict({name: Dataset(rows) for name, rows in tables.items()})
                return self._as_dataset(tables, split)

            def _as_dataset(self, tables, split):
                return Dataset(ArrowReader(tables).read(split))

            def as_streaming_dataset(self, split=None):
                splits_generators = self._split_generators()
                if split is None:
                    return {name: IterableDataset(lambda p=paths: iter(_read_csv(p))) for name, paths in splits_generators.items()}
                elif str(split) in splits_generators:
                    paths = splits_generators[str(split)]
                    return IterableDataset(lambda: iter(_read_csv(paths)))
                elif "[" in str(split):
                    raise ValueError(f"Bad split: {split}. Available splits: {list(splits_generators)}")
                else:
                    raise ValueError(f"Bad split: {split}. Available splits: {list(splits_generators)}")
    """,
    "datasets/load.py": """
        import os

        from .builder import DatasetBuilder
        from .data_files import data_files_from_folder, sanitize

        _PACKAGED_DATASETS_MODULES = {"csv", "json", "parquet"}


        def load_dataset_builder(path, name=None, data_dir=None, data_files=None, **config_kwargs):
            if path in _PACKAGED_DATASETS_MODULES:
                if data_files is None:
                    raise ValueError("At least one data file must be specified, but got data_files=None")
                return DatasetBuilder(sanitize(data_files))
            if os.path.isdir(path):
                return DatasetBuilder(sanitize(data_files) if data_files else data_files_from_folder(path))
            raise FileNotFoundError(f"Couldn't find any data file at {os.path.abspath(path)}.")


        def load_dataset(path, name=None, data_dir=None, data_files=None, split=None, streaming=False, **config_kwargs):
            builder_instance = load_dataset_builder(path, name, data_dir=data_dir, data_files=data_files, **config_kwargs)
            if streaming:
                return builder_instance.as_streaming_dataset(split=split)
            ds = builder_instance.as_dataset(split=split)
            return ds
    """,
    "datasets/inspect.py": """
        from .load import load_dataset_builder


        def get_dataset_split_names(path, config_name=None, data_files=None, **config_kwargs):
            builder = load_dataset_builder(path, name=config_name, data_files=data_files, **config_kwargs)
            return list(builder._split_generators())
    """,
}

MAKE_DATA = """
import csv, os
os.makedirs("mydata", exist_ok=True)
for name, rows in (("train.csv", 40), ("mydata/train.csv", 40), ("mydata/dev.csv", 10)):
    with open(name, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows([f"row {i}", i % 2] for i in range(rows))
"""


def _site(tmp_path):
    site = write_files(tmp_path / "site", FAKE_DATASETS)
    run_python(MAKE_DATA, cwd=tmp_path)
    return site


def _fails(tmp_path, site, call):
    result = run_python(f"from datasets import load_dataset\n{call}\n", cwd=tmp_path, path=site)
    assert result.returncode != 0, result.stdout
    return result


def test_a_missing_split_raises_the_entrys_errors(tmp_path, entry, index):
    site = _site(tmp_path)
    wrong = _fails(tmp_path, site, 'load_dataset("csv", data_files="train.csv", split="test")')
    assert last_line(wrong) == "ValueError: Unknown split \"test\". Should be one of ['train']."
    assert last_line(wrong) in entry.errors
    assert "datasets/arrow_reader.py" in wrong.stderr and "_rel_to_abs_instr" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)

    # a folder with train.csv and dev.csv: the held-out split is called "validation"
    folder = _fails(tmp_path, site, 'load_dataset("mydata", split="test")')
    assert (
        last_line(folder) == "ValueError: Unknown split \"test\". Should be one of ['train', 'validation']."
    )
    assert last_line(folder) in entry.errors
    assert_answers(index, SLUG, folder.stderr)

    # a slice of a split that is not there fails the same way; a slice of train works
    sliced = _fails(tmp_path, site, 'load_dataset("csv", data_files="train.csv", split="test[:10%]")')
    assert last_line(sliced) == last_line(wrong)
    ok = run_python(
        'from datasets import load_dataset\nprint(load_dataset("csv", data_files="train.csv", split="train[:10%]").num_rows)',
        cwd=tmp_path,
        path=site,
    )
    assert ok.stdout.strip() == "4", ok.stderr


def test_streaming_refuses_missing_and_sliced_splits(tmp_path, entry, index):
    site = _site(tmp_path)
    missing = _fails(
        tmp_path, site, 'load_dataset("csv", data_files="train.csv", split="test", streaming=True)'
    )
    assert last_line(missing) == "ValueError: Bad split: test. Available splits: ['train']"
    assert last_line(missing) in entry.errors
    assert_answers(index, SLUG, missing.stderr)
    sliced = _fails(
        tmp_path, site, 'load_dataset("csv", data_files="train.csv", split="train[:10%]", streaming=True)'
    )
    assert last_line(sliced) == "ValueError: Bad split: train[:10%]. Available splits: ['train']"
    assert last_line(sliced) in entry.errors
    assert_answers(index, SLUG, sliced.stderr)


def test_datasetdict_lookup_is_a_plain_keyerror(tmp_path):
    site = _site(tmp_path)
    result = _fails(tmp_path, site, 'ds = load_dataset("csv", data_files="train.csv")\nds["test"]')
    assert last_line(result) == "KeyError: 'test'"
    assert "datasets/dataset_dict.py" in result.stderr


def test_option1_carves_a_seeded_stratified_test_split(tmp_path, fix_code):
    site = _site(tmp_path)
    code = fix_code(SLUG, 1)
    runs = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        result = run_python(
            code + '\nprint(sorted(ds["test"]["label"]), ds["test"]["text"])',
            cwd=tmp_path / folder,
            path=site,
        )
        assert result.returncode == 0, result.stderr
        runs.append(result.stdout.splitlines())
    first = runs[0]
    assert first[0] == "['train'] {'train': 54, 'test': 6}"
    # both classes, in proportion (20 neg, 40 pos), with the labels the file has
    assert first[1].startswith("['neg', 'neg', 'pos', 'pos', 'pos', 'pos'] ")
    assert runs[0] == runs[1]  # same seed, same rows
    # with a held-out split of its own, the helper takes it instead of splitting train
    held = run_python(
        code + '\nds = train_and_eval("../mydata")\nprint({s: ds[s].num_rows for s in ds})',
        cwd=tmp_path / "a",
        path=site,
    )
    assert held.returncode == 0, held.stderr
    assert held.stdout.splitlines()[-1] == "{'train': 40, 'test': 10}"


def test_option1_without_class_encoding_cannot_stratify(tmp_path, fix_code):
    site = _site(tmp_path)
    code = fix_code(SLUG, 1)
    assert "keyed = keyed.class_encode_column(label)" in code
    code = code.replace("keyed = keyed.class_encode_column(label)", "pass")
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert last_line(result) == (
        "ValueError: Stratifying by column is only supported for ClassLabel column, and column label is Value."
    )


def _write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


def _option1(fix_code, call):
    """Option 1's helper without its demo call, then `call`."""
    code = fix_code(SLUG, 1)
    assert "# yours:" in code
    return code.split("# yours:")[0] + call


def test_option1_split_keeps_every_row_once_and_each_class_share(tmp_path, fix_code):
    site = _site(tmp_path)
    _write_csv(tmp_path / "abc.csv", ["text", "label"], [[f"t{i}", "abc"[i % 3]] for i in range(90)])
    call = (
        'ds = train_and_eval("csv", data_files="abc.csv", label="label", test_size=0.2)\n'
        'train, test = list(ds["train"]["text"]), list(ds["test"]["text"])\n'
        "print(len(train), len(test), len(set(train) & set(test)), len(set(train) | set(test)))\n"
        'print(sorted(ds["test"]["label"]).count("a"), sorted(ds["test"]["label"]).count("b"))\n'
    )
    result = run_python(_option1(fix_code, call), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "72 18 0 90",
        "6 6",
    ]  # no row in both, 30 of each class -> 6 each


def test_option1_returns_the_labels_it_was_given(tmp_path, fix_code):
    # the old helper class-encoded train in place: star ratings 1-5 came back as 0-4, "pos" as 1
    site = _site(tmp_path)
    _write_csv(tmp_path / "stars.csv", ["text", "stars"], [[f"s{i}", 1 + i % 5] for i in range(50)])
    call = (
        'ds = train_and_eval("csv", data_files="stars.csv", label="stars")\n'
        'print(sorted(set(ds["train"]["stars"])), sorted(set(ds["test"]["stars"])))\n'
        'print(type(ds["train"].features["stars"]).__name__)\n'
    )
    result = run_python(_option1(fix_code, call), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["[1, 2, 3, 4, 5] [1, 2, 3, 4, 5]", "Value"]


def test_option1_skips_a_test_split_without_labels(tmp_path, fix_code):
    # GLUE's test splits label every row -1 (huggingface/datasets#5624): the old helper evaluated on them
    site = _site(tmp_path)
    for name, label in (("train", None), ("validation", None), ("test", -1)):
        rows = [[f"{name}{i}", i % 2 if label is None else label] for i in range(20)]
        _write_csv(tmp_path / "glue" / f"{name}.csv", ["text", "label"], rows)
    call = (
        'ds = train_and_eval("glue", label="label")\n'
        'print(ds["test"][0]["text"], sorted(set(ds["test"]["label"])))\n'
        'print(train_and_eval("glue")["test"][0]["text"])\n'
    )
    result = run_python(_option1(fix_code, call), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["validation0 [0, 1]", "test0"]


def test_option1_names_the_class_too_small_to_stratify(tmp_path, fix_code):
    # datasets says only "The least populated class in label column has only 1 member"; the helper names it
    site = _site(tmp_path)
    _write_csv(
        tmp_path / "rare.csv",
        ["text", "label"],
        [[f"r{i}", "rare" if i == 7 else "common"] for i in range(30)],
    )
    result = run_python(
        _option1(fix_code, 'train_and_eval("csv", data_files="rare.csv", label="label")\n'),
        cwd=tmp_path,
        path=site,
    )
    assert result.returncode != 0
    assert last_line(result) == (
        "ValueError: cannot stratify by 'label': ['rare'] have one row each; drop or merge them, or pass label=None"
    )
    # more classes than test rows: datasets' own message says what to change
    _write_csv(tmp_path / "many.csv", ["text", "label"], [[f"m{i}", f"c{i % 8}"] for i in range(40)])
    result = run_python(
        _option1(fix_code, 'train_and_eval("csv", data_files="many.csv", label="label")\n'),
        cwd=tmp_path,
        path=site,
    )
    assert last_line(result) == (
        "ValueError: The test_size = 4 should be greater or equal to the number of classes = 8"
    )


def test_option2_asks_for_the_real_split_name(tmp_path, fix_code):
    site = _site(tmp_path)
    (tmp_path / "run").mkdir()
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path / "run", path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['train', 'validation']", "10 10"]


def test_option3_streams_with_take_and_skip(tmp_path, fix_code):
    site = _site(tmp_path)
    code = fix_code(SLUG, 3)
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "10 90"
    wrong = re.search(r"# WRONG: (load_dataset\(.*\)) ->", code)
    assert wrong is not None
    assert 'split="train[:10%]", streaming=True' in wrong.group(1)


def test_look_alikes_are_not_this_entry(entry, index):
    assert entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
    assert confident_answer(index, "KeyError: 'test'") != SLUG  # a bare dict lookup names no dataset
