"""A valid submission in the JSON API's shape, shared by the API tests on one node and on several."""

from __future__ import annotations

NEW_ERROR = "ollama._types.ResponseError: model 'llama9' not found, try pulling it first"


def valid_submission(**changes) -> dict:
    """A submission the API accepts, with `changes` applied."""
    data = {
        "title": "Ollama says the model is not found",
        "errors": [NEW_ERROR],
        "symptom": "- `ollama.chat(model='llama9')` raises at once",
        "root_cause": "The model was never pulled into this server's store.",
        "fixes": [
            {"title": "Pull it first", "language": "python", "code": "import ollama\nollama.pull('llama3')\n"}
        ],
        "tags": ["ollama"],
    }
    data.update(changes)
    return data
