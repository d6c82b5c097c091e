"""chromadb's own code that the fake chromadb releases of two verified-fix tests quote word for word.

`validation_context` is chromadb 1.5.9's (`chromadb/api/models/CollectionCommon.py`, the same from 0.5.17 on): it
appends ` in add.`, ` in query.`, ... to the message of any error a collection method raises.
"""

VALIDATION_CONTEXT = """
import functools


def validation_context(name):
    \"\"\"A decorator that wraps a method with a try-except block that catches
    exceptions and adds the method name to the error message. This allows us to
    provide more context when an error occurs, without rewriting validators.
    \"\"\"

    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                return func(self, *args, **kwargs)
            except Exception as e:
                msg = f"{str(e)} in {name}."
                # add the rest of the args to the error message if they exist
                e.args = (msg,) + e.args[1:] if e.args else ()
                # raise the same error that was caught with the modified message
                raise

        return wrapper

    return decorator
"""
