"""Verified fix for solutions/gradio-removed-api.md.

The project does not install Gradio, so the installs are fakes in tmp_path with the shape of the real
releases (checked on gradio 3.50.2, 5.50.0 and 6.31.0): 6.x has no `gradio.inputs`/`gradio.outputs`,
`Box`, `Variable`, `.style()` or `Component.update()`, its components take explicit keywords
(`Textbox.__init__() got an unexpected keyword argument 'default'`), `Interface(**kwargs)` forwards
unknown keywords through `Blocks` to `BlockContext.__init__`, and `Blocks.launch`/`Blocks.queue` take
no `enable_queue`/`concurrency_count`. 3.50.2 still has `gradio/inputs.py` and swallows unknown
keywords in `**kwargs`. The tests reproduce the real error texts in a child interpreter, then run the
entry's own Option 1 checker (read from the Markdown) on a user's app.
"""

from fake_site import fake_distribution, write_file
from pyrun import last_line, run_args

SLUG = "gradio-removed-api"

GRADIO_6 = """
class BlockContext:
    def __init__(self, elem_id=None, render=True):
        self.elem_id = elem_id

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Blocks(BlockContext):
    def __init__(self, title="Gradio", **kwargs):
        super().__init__(**kwargs)

    def queue(self, status_update_rate="auto", max_size=None, default_concurrency_limit="not_set"):
        return self

    def launch(self, share=None, max_threads=40, prevent_thread_lock=False):
        print("launched")


class Interface(Blocks):
    def __init__(self, fn, inputs, outputs, flagging_mode=None, concurrency_limit="default", **kwargs):
        super().__init__(**kwargs)
        self.flagging_mode = flagging_mode


class Group(BlockContext):
    def __init__(self, visible=True):
        super().__init__()


class Component:
    def __init__(self, value=None, *, label=None, scale=None, container=True, visible=True):
        self.value, self.scale = value, scale


class Textbox(Component):
    def __init__(self, value=None, *, lines=1, placeholder=None, label=None, type="text", buttons=None):
        super().__init__(value, label=label)


class Image(Component):
    def __init__(self, value=None, *, type="numpy", sources=None, label=None, height=None, width=None):
        super().__init__(value, label=label)
        self.sources = sources


class Button(Component):
    def __init__(self, value="Run", *, scale=None, visible=True):
        super().__init__(value, scale=scale)


class Chatbot(Component):
    def __init__(self, value=None, *, height=None, buttons=None, label=None):
        super().__init__(value, label=label)


class State(Component):
    def __init__(self, value=None):
        super().__init__(value)


def update(**kwargs):
    return {"__type__": "update", **kwargs}
"""

GRADIO_3 = """

class Blocks:
    def __init__(self, title="Gradio", **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def queue(self, concurrency_count=1, status_update_rate="auto", max_size=None, **kwargs):
        return self

    def launch(self, enable_queue=None, share=None, prevent_thread_lock=False):
        print("launched")


class Interface(Blocks):
    def __init__(self, fn, inputs, outputs, allow_flagging=None, **kwargs):
        super().__init__()


class Textbox:
    def __init__(self, value="", lines=1, show_copy_button=False, **kwargs):
        pass

    def style(self, **kwargs):
        return self

    @classmethod
    def update(cls, **kwargs):
        return kwargs


class UploadButton(Textbox):
    pass


from gradio import inputs, outputs  # noqa: E402  (last, as they subclass the components)
"""

OLD_APP = """import gradio as gr


def greet(name, picture):
    return "Hello " + name, gr.Textbox.update(visible=True)


demo = gr.Interface(
    fn=greet,
    inputs=[gr.inputs.Textbox(lines=2, default="World"), gr.inputs.Image(source="webcam", type="pil")],
    outputs=[gr.outputs.Textbox(), gr.Textbox()],
    allow_flagging="never",
)
with gr.Blocks() as layout:
    with gr.Box():
        state = gr.Variable()
print("built", demo.flagging_mode, greet("x", None)[1])
"""

MANUAL_APP = """import gradio as gr

with gr.Blocks() as demo:
    run = gr.Button("Run").style(full_width=True)
    chat = gr.Chatbot(type="messages")
    box = gr.Textbox(show_copy_button=True)
demo.queue(concurrency_count=3)
demo.launch(enable_queue=True)
"""


def _gradio_6(tmp_path):
    site = tmp_path / "site6"
    write_file(site / "gradio" / "__init__.py", GRADIO_6)
    fake_distribution(site, "gradio", "6.31.0", top_level="gradio")
    return site


def _gradio_3(tmp_path):
    site = tmp_path / "site3"
    write_file(site / "gradio" / "__init__.py", GRADIO_3)
    write_file(
        site / "gradio" / "inputs.py",
        "import gradio\n\n\nclass Textbox(gradio.Textbox):\n"
        "    def __init__(self, lines=1, placeholder=None, default='', optional=False):\n"
        "        super().__init__(default, lines)\n",
    )
    write_file(site / "gradio" / "outputs.py", "from gradio import Textbox\n")
    fake_distribution(site, "gradio", "3.50.2", top_level="gradio")
    return site


def _app(tmp_path, text, name="app.py"):
    app = tmp_path / name
    app.write_text(text, encoding="utf-8")
    return app


def test_reproduces_the_gradio_6_errors(tmp_path):
    site = _gradio_6(tmp_path)
    cases = {
        "import gradio as gr; gr.inputs.Textbox()": "AttributeError: module 'gradio' has no attribute 'inputs'",
        "import gradio as gr; gr.Box()": "AttributeError: module 'gradio' has no attribute 'Box'",
        "import gradio as gr; gr.Button('x').style(full_width=True)": (
            "AttributeError: 'Button' object has no attribute 'style'. Did you mean: 'scale'?"
        ),
        "import gradio as gr; gr.Textbox(default='x')": (
            "TypeError: Textbox.__init__() got an unexpected keyword argument 'default'"
        ),
        "import gradio as gr; gr.Interface(str, 'text', 'text', allow_flagging='never')": (
            "TypeError: BlockContext.__init__() got an unexpected keyword argument 'allow_flagging'"
        ),
        "import gradio as gr; gr.Blocks().launch(enable_queue=True)": (
            "TypeError: Blocks.launch() got an unexpected keyword argument 'enable_queue'"
        ),
        "import gradio as gr; gr.Blocks().queue(concurrency_count=3)": (
            "TypeError: Blocks.queue() got an unexpected keyword argument 'concurrency_count'"
        ),
    }
    for code, error in cases.items():
        assert last_line(run_args(["-c", code], site, tmp_path)) == error, code


def test_option1_rewrites_the_one_to_one_renames(fix_code, tmp_path):
    site = _gradio_6(tmp_path)
    checker = _app(tmp_path, fix_code(SLUG, 1), "gradio_check.py")
    app = _app(tmp_path, OLD_APP)
    before = run_args([str(app)], site, tmp_path)
    assert last_line(before) == "AttributeError: module 'gradio' has no attribute 'inputs'"

    listed = run_args([str(checker), str(app)], site, tmp_path)
    assert listed.returncode == 1, listed.stderr
    out = listed.stdout
    assert out.startswith("gradio 6.31.0 at ")
    assert f"{app}:5: Textbox.update(...) -> gr.update(...) or return gr.Textbox(...) (removed in 4.0)" in out
    assert f"{app}:10: gr.inputs.Textbox -> gr.Textbox (gradio.inputs removed in 4.0)" in out
    assert f"{app}:10: gr.Textbox() has no default= in gradio 6.31.0: value= (4.0)" in out
    assert f"{app}:10: gr.Image() has no source= in gradio 6.31.0: sources=[...], a list (4.0)" in out
    assert f"{app}:11: gr.outputs.Textbox -> gr.Textbox (gradio.outputs removed in 4.0)" in out
    assert f"{app}:12: gr.Interface() has no allow_flagging= in gradio 6.31.0: flagging_mode=" in out
    assert f"{app}:15: gr.Box -> gr.Group (removed in 4.0)" in out
    assert f"{app}:16: gr.Variable -> gr.State (removed in 4.0)" in out
    assert app.read_text(encoding="utf-8") == OLD_APP  # listing does not write

    written = run_args([str(checker), "--write", str(app)], site, tmp_path)
    assert written.returncode == 1, written.stderr
    text = app.read_text(encoding="utf-8")
    assert 'gr.Textbox(lines=2, value="World"), gr.Image(sources=["webcam"], type="pil")' in text
    assert "outputs=[gr.Textbox(), gr.Textbox()]" in text
    assert 'flagging_mode="never"' in text
    assert "with gr.Group():" in text and "gr.State()" in text
    assert "gr.update(visible=True)" in text

    again = run_args([str(checker), str(app)], site, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "no removed gradio API found" in again.stdout
    after = run_args([str(app)], site, tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == "built never {'__type__': 'update', 'visible': True}"


def test_option1_lists_what_needs_a_manual_edit(fix_code, tmp_path):
    site = _gradio_6(tmp_path)
    checker = _app(tmp_path, fix_code(SLUG, 1), "gradio_check.py")
    app = _app(tmp_path, MANUAL_APP)
    result = run_args([str(checker), "--write", str(app)], site, tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert (
        f"{app}:4: .style() was removed in 4.0: pass its arguments to the constructor (full_width -> scale=1"
        in out
    )
    assert f"{app}:5: gr.Chatbot() has no type= in gradio 6.31.0: remove it" in out
    assert f'{app}:6: gr.Textbox() has no show_copy_button= in gradio 6.31.0: buttons=["copy"] (6.0)' in out
    assert (
        f"{app}:7: .queue() has no concurrency_count= in gradio 6.31.0: concurrency_limit=N on each event"
        in out
    )
    assert (
        f"{app}:8: .launch() has no enable_queue= in gradio 6.31.0: remove it: the queue is always on" in out
    )
    assert app.read_text(encoding="utf-8") == MANUAL_APP  # nothing here has a one-to-one rename


def test_option1_on_gradio_3_names_the_newer_calls(fix_code, tmp_path):
    site = _gradio_3(tmp_path)
    checker = _app(tmp_path, fix_code(SLUG, 1), "gradio_check.py")
    repro = run_args(["-c", "import gradio as gr; gr.DownloadButton"], site, tmp_path)
    assert last_line(repro) == (
        "AttributeError: module 'gradio' has no attribute 'DownloadButton'. Did you mean: 'UploadButton'?"
    )
    new_app = _app(
        tmp_path,
        "import gradio as gr\n\n"
        "with gr.Blocks() as demo:\n"
        "    gr.DownloadButton('get')\n"
        "    gr.Textbox(buttons=['copy'])\n"
        "gr.Interface(str, 'text', 'text', flagging_mode='never')\n",
    )
    result = run_args([str(checker), str(new_app)], site, tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert out.startswith("gradio 3.50.2 at ")
    assert (
        f"{new_app}:4: gr.DownloadButton is not in gradio 3.50.2: newer code needs pip install -U gradio"
        in out
    )
    assert f"{new_app}:5: gr.Textbox() has no buttons= in gradio 3.50.2: needs gradio >= 6.0" in out
    assert f"{new_app}:6: gr.Interface() has no flagging_mode= in gradio 3.50.2: needs gradio >= 5.0" in out
    # the 3.x calls themselves still exist there: nothing to report
    old_app = _app(
        tmp_path,
        "import gradio as gr\n\n"
        "box = gr.inputs.Textbox(lines=2, default='World').style(container=False)\n"
        "gr.Textbox.update(visible=True)\n"
        "demo = gr.Interface(str, box, 'text', allow_flagging='never')\n"
        "demo.queue(concurrency_count=3)\n",
        "old.py",
    )
    result = run_args([str(checker), str(old_app)], site, tmp_path)
    assert "no removed gradio API found" in result.stdout, result.stdout
