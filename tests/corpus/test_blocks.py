"""The block structure entries are checked by: headings at the top level, fenced code anywhere."""

from app.corpus.blocks import Fence, Heading, parse


def test_headings_keep_their_inline_source_and_lines_count_after_multibyte_text():
    text = "Intro é ü ✓\n\n## *Fix* `now` ##\n\n### Option 1: use `pip` **here**\nwhy\n```python a=\"b\"\nprint('é')\n```\n"
    assert parse(text) == [
        Heading(2, 2, "*Fix* `now`"),
        Heading(3, 4, "Option 1: use `pip` **here**"),
        Fence(6, 'python a="b"', "print('é')\n"),
    ]
    fence = parse(text)[-1]
    assert (fence.language, fence.attributes) == ("python", 'a="b"')
    assert (Fence(0, "", "").language, Fence(0, "PY3\tnorun=x", "").attributes) == ("", "norun=x")


def test_setext_and_empty_headings_tilde_and_unclosed_fences():
    text = "Setext title\n---\n\n## \n\n~~~bash\nls\n~~~\n\n```python\nnever closed\n"
    assert parse(text) == [
        Heading(2, 0, "Setext title"),
        Heading(2, 3, ""),
        Fence(5, "bash", "ls\n"),
        Fence(9, "python", "never closed\n"),
    ]


def test_a_heading_inside_a_list_or_quote_is_no_section_but_its_code_still_counts():
    text = "- ## not a section\n  ```python\n  x = 1\n  ```\n> ## quoted\n> ```py\n> y = 2\n> ```\n    ## indented code\n"
    assert parse(text) == [Fence(1, "python", "x = 1\n"), Fence(5, "py", "y = 2\n")]
