"""Verified fix for solutions/llm-image-too-large.md: oversized images refused by a Claude stand-in, then shrunk.

Claude cannot be reached here, so a local stand-in of the Messages API (fake_http, on 127.0.0.1) enforces the limits
Anthropic documents and its 400s show: the base64 text of one image at most 5242880 characters (`messages.I.content.J.
image.source.base64: image exceeds 5 MB maximum: N bytes > 5242880 bytes`, checked before decoding), each side at most
8000 px, or 2000 px when the request holds more than 20 images (`... .image.source.base64.data: At least one of the
image dimensions exceed max allowed size[ for many-image requests]: 8000|2000 pixels`, read from the decoded image with
Pillow). It also takes uploads on /v1/files and image blocks that point at them. The real anthropic SDK (2.17.0) sends
the requests and raises the entry's error lines word for word. Then the entry's own code runs: Option 1 shrinks the
history (the stand-in accepts it; aspect ratios kept; every text block arrives unchanged; the caller's list is not
changed; an image nested in a tool_result is shrunk too; a block that is not an image becomes a note; a 16-bit grey PNG
keeps its tones), Option 2 sends a file id (uploaded with the file's own media type), Option 3 replaces older images with a
note, keeps every text and leaves a tool_result without content as it was. A google-genai client against a Gemini
stand-in raises the entry's `Request payload size exceeds the limit: 20971520 bytes.` line.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import os
from pathlib import Path

import pytest
from fake_http import anthropic_client, claude_error, claude_message, genai_client, json_server
from pyrun import script_names

from app.corpus.entries import parse_entry

try:
    from PIL import Image
except ImportError:  # pragma: no cover
    Image = None

SLUG = "llm-image-too-large"
REQUEST_ID = "req_011CXXXX"
MODEL = "claude-sonnet-4-5"
MAX_B64 = 5 * 1024 * 1024
QUESTION = "What is in this photo?  (answer in one line)\n"


def need_pillow():
    if Image is None:
        pytest.fail("needs Pillow (the project's dev extra installs it)")


def sdk_text(message: str) -> str:
    """How anthropic 2.17.0 prints a 400 with that message."""
    return f"400 {message} (request_id: {REQUEST_ID}, path: /v1/messages, type: invalid_request_error)"


# --- the Claude stand-in ----------------------------------------------------------------------------------
def image_problem(body: dict) -> str | None:
    blocks = [
        (i, j, block)
        for i, message in enumerate(body["messages"])
        if isinstance(message["content"], list)
        for j, block in enumerate(message["content"])
        if block.get("type") == "image"
    ]
    many = len(blocks) > 20
    for i, j, block in blocks:
        source = block["source"]
        if source["type"] != "base64":
            continue
        where = f"messages.{i}.content.{j}.image.source.base64"
        if len(source["data"]) > MAX_B64:
            return f"{where}: image exceeds 5 MB maximum: {len(source['data'])} bytes > {MAX_B64} bytes"
        with Image.open(io.BytesIO(base64.b64decode(source["data"]))) as img:
            side = max(img.size)
        if side > 8000:
            return f"{where}.data: At least one of the image dimensions exceed max allowed size: 8000 pixels"
        if many and side > 2000:
            return (
                f"{where}.data: At least one of the image dimensions exceed max allowed size for many-image requests:"
                " 2000 pixels"
            )
    return None


class Claude:
    def __init__(self):
        self.bodies: list[dict] = []
        self.files: dict[str, bytes] = {}

    def __call__(self, request):
        headers = [("request-id", REQUEST_ID)]
        if request.path.startswith("/v1/files"):
            file_id = f"file_{len(self.files) + 1:04d}"
            self.files[file_id] = request.body
            meta = {
                "id": file_id,
                "type": "file",
                "filename": "photo.jpg",
                "mime_type": "image/jpeg",
                "size_bytes": len(request.body),
                "created_at": "2026-12-07T00:00:00Z",
            }
            return 200, meta, headers
        body = request.json()
        self.bodies.append(body)
        problem = image_problem(body)
        if problem:
            return 400, claude_error(problem, REQUEST_ID), headers
        for message in body["messages"]:
            for block in message["content"] if isinstance(message["content"], list) else []:
                source = block.get("source") or {}
                if source.get("type") == "file" and source["file_id"] not in self.files:
                    return 400, claude_error("unknown file_id", REQUEST_ID), headers
        return 200, claude_message(body["model"], [{"type": "text", "text": "A photo."}]), headers


@pytest.fixture
def claude(monkeypatch):
    need_pillow()
    server = Claude()
    with json_server(server) as base:
        client = anthropic_client(base, monkeypatch)
        import anthropic  # importable: anthropic_client checked

        def send(messages):
            return client.messages.create(model=MODEL, max_tokens=64, messages=messages)

        send.error = anthropic.BadRequestError
        send.server = server
        send.client = client
        yield send


@pytest.fixture(scope="module")
def entry():
    return parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")


@pytest.fixture
def option(fix_code):
    return {n: script_names(fix_code(SLUG, n)) for n in (1, 3)}


# --- images -----------------------------------------------------------------------------------------------
def noise_jpeg(width: int, height: int, pad_to: int | None = None) -> bytes:
    """A photo-like JPEG (noise compresses worst); padded after its end marker to an exact size, which decoders ignore."""
    buf = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buf, "JPEG", quality=92)
    data = buf.getvalue()
    if pad_to is not None:
        assert len(data) < pad_to
        data += b"\0" * (pad_to - len(data))
    return data


def flat_png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(buf, "PNG")
    return buf.getvalue()


def image_block(data: bytes, media_type: str) -> dict:
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode()},
    }


def turn(*images: dict, text: str = QUESTION) -> dict:
    return {"role": "user", "content": [*images, {"type": "text", "text": text}]}


def sent_sizes(body: dict) -> list[tuple[int, int]]:
    sizes = []
    for message in body["messages"]:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block.get("type") == "image":
                with Image.open(io.BytesIO(base64.b64decode(block["source"]["data"]))) as img:
                    sizes.append(img.size)
    return sizes


def texts(messages: list[dict]) -> list[str]:
    return [
        block["text"]
        for m in messages
        for block in (
            m["content"] if isinstance(m["content"], list) else [{"type": "text", "text": m["content"]}]
        )
        if block.get("type") == "text"
    ]


# --- the errors -------------------------------------------------------------------------------------------
def test_a_file_under_5_mb_whose_base64_is_over_is_refused(claude, entry, option):
    raw = noise_jpeg(1600, 1200, pad_to=5316636 * 3 // 4)  # 3,987,477 bytes on disk: "under 4 MB"
    assert len(raw) < 4_000_000
    history = [turn(image_block(raw, "image/jpeg"))]
    with pytest.raises(claude.error) as info:
        claude(history)
    message = (
        "messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: 5316636 bytes > 5242880 bytes"
    )
    assert str(info.value) == sdk_text(message)
    assert f"anthropic.BadRequestError: {info.value}" in entry.errors

    before = copy.deepcopy(history)
    fixed = option[1]["shrink_messages"](history)
    assert history == before  # the caller's list is untouched
    assert claude(fixed).content[0].text == "A photo."
    body = claude.server.bodies[-1]
    assert len(body["messages"][0]["content"][0]["source"]["data"]) <= MAX_B64
    (width, height), *_ = sent_sizes(body)
    assert abs(width / height - 1600 / 1200) < 0.01
    assert texts(body["messages"]) == [QUESTION]


def refused_as(claude, entry, history, limit):
    """The stand-in refuses `history` for an image's dimensions with Claude's wording, which the entry lists."""
    with pytest.raises(claude.error) as info:
        claude(history)
    message = (
        "messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed "
        + limit
    )
    assert str(info.value) == sdk_text(message)
    assert f"anthropic.BadRequestError: {info.value}" in entry.errors


@pytest.mark.parametrize("size", [(1440, 8570), (9000, 600)])
def test_a_side_over_8000_px_is_refused_and_fixed(claude, entry, option, size):
    history = [turn(image_block(flat_png(*size), "image/png"))]
    refused_as(claude, entry, history, "size: 8000 pixels")

    claude(option[1]["shrink_messages"](history))
    ((width, height),) = sent_sizes(claude.server.bodies[-1])
    assert max(width, height) <= 8000
    assert abs(width / height - size[0] / size[1]) < 0.01
    assert texts(claude.server.bodies[-1]["messages"]) == [QUESTION]


def many_image_history() -> list[dict]:
    """An agent's 21 screenshots, one per step, with the user's words between them."""
    history = []
    for step in range(21):
        history.append(
            turn(image_block(flat_png(2400, 1350), "image/png"), text=f"step {step}: what changed?")
        )
        history.append({"role": "assistant", "content": f"Step {step} looks fine."})
    history.append(turn(text=QUESTION))
    return history


def test_the_21st_image_over_2000_px_is_refused_and_option1_fixes_it(claude, entry, option):
    history = many_image_history()
    refused_as(claude, entry, history, "size for many-image requests: 2000 pixels")
    assert claude(history[:-4] + history[-2:]).content  # with 20 images the same pictures pass

    fixed = option[1]["shrink_messages"](history)
    claude(fixed)
    sizes = sent_sizes(claude.server.bodies[-1])
    assert len(sizes) == 21
    assert all(max(s) <= 2000 and abs(s[0] / s[1] - 2400 / 1350) < 0.01 for s in sizes)
    assert texts(claude.server.bodies[-1]["messages"]) == texts(history)


def test_option1_nested_tool_result_images_and_undecodable_blocks(option):
    need_pillow()
    shrink = option[1]["shrink_messages"]
    tall = image_block(flat_png(1200, 9000), "image/png")
    history = [
        turn(text="Take a full-page screenshot."),
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "shot", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": [tall]},
                image_block(b"not an image at all", "image/png"),
                {"type": "text", "text": QUESTION},
            ],
        },
    ]
    fixed = shrink(history)
    nested = fixed[2]["content"][0]["content"][0]
    with Image.open(io.BytesIO(base64.b64decode(nested["source"]["data"]))) as img:
        assert max(img.size) <= 8000
    assert fixed[2]["content"][0]["tool_use_id"] == "toolu_1"
    assert fixed[2]["content"][1]["type"] == "text"
    assert fixed[2]["content"][1]["text"].startswith("[an image was removed here")
    assert fixed[2]["content"][2] == {"type": "text", "text": QUESTION}

    small = image_block(flat_png(300, 200), "image/png")
    assert shrink([turn(small)])[0]["content"][0] == small  # an image that fits is sent as it was

    rgba = io.BytesIO()
    Image.new("RGBA", (9000, 100), (0, 0, 0, 0)).save(rgba, "PNG")
    data, media_type = option[1]["fit_image"](rgba.getvalue())
    assert media_type == "image/webp"
    with Image.open(io.BytesIO(data)) as img:
        assert img.mode == "RGBA" and max(img.size) <= 8000


def test_option1_keeps_a_16_bit_grey_picture(option):
    """A 16-bit greyscale PNG (a scan, a depth map) over 8000 px: the re-encoded picture still shows its dark half."""
    need_pillow()
    ramp = b"".join(int(v).to_bytes(2, "little") for v in (i * 65535 // 8999 for i in range(9000)))
    grey = Image.frombytes("I;16", (9000, 40), ramp * 40)
    buf = io.BytesIO()
    grey.save(buf, "PNG")
    with Image.open(io.BytesIO(buf.getvalue())) as opened:
        assert opened.mode.startswith("I")  # Pillow reads it back as a 16-bit image
    data, media_type = option[1]["fit_image"](buf.getvalue())
    assert media_type == "image/jpeg"
    with Image.open(io.BytesIO(data)) as img:
        assert max(img.size) <= 8000
        row = [img.convert("L").getpixel((x, 20)) for x in (0, img.width // 2, img.width - 1)]
    assert row[0] < 20 and 100 < row[1] < 160 and row[2] > 235  # a ramp, not a white strip


def test_option2_sends_a_file_id(claude, fix_code, tmp_path):
    names = script_names(fix_code(SLUG, 2))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(noise_jpeg(1600, 1200, pad_to=4_500_000))
    reply = names["ask_about_file"](claude.client, str(photo), QUESTION, MODEL)
    assert reply.content[0].text == "A photo."
    (file_id,) = claude.server.files
    assert b"Content-Type: image/jpeg" in claude.server.files[file_id]
    sent = claude.server.bodies[-1]["messages"][0]["content"]
    assert sent[0] == {"type": "image", "source": {"type": "file", "file_id": file_id}}
    assert sent[1] == {"type": "text", "text": QUESTION}
    assert len(json.dumps(claude.server.bodies[-1])) < 1000  # no inline bytes

    screenshot = tmp_path / "screen.png"
    screenshot.write_bytes(flat_png(2400, 1350))
    names["ask_about_file"](claude.client, str(screenshot), QUESTION, MODEL)
    assert (
        b"Content-Type: image/png" in claude.server.files["file_0002"]
    )  # uploaded as what it is, not as a JPEG


def test_option3_drops_old_images_and_keeps_text(claude, option):
    history = many_image_history()
    history[-1] = turn(image_block(flat_png(800, 600), "image/png"))
    fixed = option[3]["drop_old_images"](history)
    claude(fixed)
    body = claude.server.bodies[-1]
    assert sent_sizes(body) == [(800, 600)]  # only the last user message keeps its image
    notes = [t for t in texts(body["messages"]) if t.startswith("[an earlier image was removed")]
    assert len(notes) == 21
    assert [t for t in texts(body["messages"]) if t not in notes] == texts(history)

    bare = {"type": "tool_result", "tool_use_id": "toolu_1"}  # a tool_result with no content at all
    stuck = [
        turn(text="Run the check."),
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "check", "input": {}}],
        },
        {"role": "user", "content": [bare, {"type": "text", "text": QUESTION}]},
        {"role": "assistant", "content": "Done."},
        turn(text="Thanks."),
    ]
    assert option[3]["drop_old_images"](stuck)[2]["content"][0] == bare  # no `content: None` added


# --- Gemini -----------------------------------------------------------------------------------------------
def test_gemini_payload_over_20_mb(monkeypatch, entry):
    message = "Request payload size exceeds the limit: 20971520 bytes."

    def gemini(request):
        if len(request.body) > 20971520:
            return 400, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
        return 200, {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}}]}

    with json_server(gemini) as base:
        client = genai_client(base, monkeypatch)
        from google.genai import errors, types

        big = types.Part.from_bytes(data=b"\xff" * 16_000_000, mime_type="image/jpeg")  # 21.3 MB as base64
        with pytest.raises(errors.ClientError) as info:
            client.models.generate_content(model="gemini-2.5-flash", contents=[big, "Describe it."])
        line = f"google.genai.errors.ClientError: {info.value}"
        assert line in entry.errors
        assert message in entry.errors
        small = types.Part.from_bytes(data=b"\xff" * 1_000_000, mime_type="image/jpeg")
        assert (
            client.models.generate_content(model="gemini-2.5-flash", contents=[small, "Describe it."]).text
            == "ok"
        )
