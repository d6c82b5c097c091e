"""Small stand-ins for langchain-core 0.3.38, langchain-openai 0.2.9 and langchain-community 0.3.7.

Only the parts that decide whether pydantic can build the models are copied: langchain-core
0.3.38 `language_models/base.py` imports `BaseCache` and `Callbacks` under `if TYPE_CHECKING:`
(with `from __future__ import annotations`) and annotates `cache: Union[BaseCache, bool, None]`
and `callbacks: Callbacks`; `language_models/chat_models.py` imports `BaseCache` and the callback
classes at runtime; `callbacks/base.py` defines `Callbacks = Optional[Union[list[BaseCallbackHandler],
BaseCallbackManager]]`; langchain-openai 0.2.9 `ChatOpenAI(BaseChatOpenAI(BaseChatModel))` with
`model_name: str = Field(default="gpt-3.5-turbo", alias="model")`; langchain-community 0.3.7
`agent_toolkits/sql/toolkit.py` defines `SQLDatabaseToolkit(BaseToolkit)` with `llm: BaseLanguageModel`
and imports neither name (0.3.8 added `from langchain_core.caches import BaseCache as BaseCache` and
`SQLDatabaseToolkit.model_rebuild()`). The models are built by the real pydantic of the test run.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

FILES = {
    "langchain_core/__init__.py": "__version__ = '0.3.38'\n",
    "langchain_core/caches.py": """
        from abc import ABC, abstractmethod


        class BaseCache(ABC):
            @abstractmethod
            def lookup(self, prompt, llm_string): ...
    """,
    "langchain_core/callbacks/__init__.py": """
        from langchain_core.callbacks.base import BaseCallbackHandler, BaseCallbackManager, Callbacks
    """,
    "langchain_core/callbacks/base.py": """
        from __future__ import annotations

        from typing import Optional, Union


        class BaseCallbackHandler:
            pass


        class BaseCallbackManager:
            pass


        Callbacks = Optional[Union[list[BaseCallbackHandler], BaseCallbackManager]]
    """,
    "langchain_core/language_models/__init__.py": """
        from langchain_core.language_models.base import BaseLanguageModel
        from langchain_core.language_models.chat_models import BaseChatModel
    """,
    "langchain_core/language_models/base.py": """
        from __future__ import annotations

        from abc import ABC
        from typing import TYPE_CHECKING, Any, Optional, Union

        from pydantic import BaseModel, ConfigDict, Field

        if TYPE_CHECKING:
            from langchain_core.caches import BaseCache
            from langchain_core.callbacks import Callbacks


        class BaseLanguageModel(BaseModel, ABC):
            model_config = ConfigDict(arbitrary_types_allowed=True)

            cache: Union[BaseCache, bool, None] = Field(default=None, exclude=True)
            verbose: bool = Field(default=False, exclude=True, repr=False)
            callbacks: Callbacks = Field(default=None, exclude=True)
            tags: Optional[list[str]] = Field(default=None, exclude=True)
            metadata: Optional[dict[str, Any]] = Field(default=None, exclude=True)
    """,
    "langchain_core/language_models/chat_models.py": """
        from __future__ import annotations

        from abc import ABC
        from typing import Any, Optional, Union

        from langchain_core.caches import BaseCache
        from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager, Callbacks
        from langchain_core.language_models.base import BaseLanguageModel


        class BaseChatModel(BaseLanguageModel, ABC):
            def _uses_cache(self):
                return isinstance(self.cache, BaseCache)
    """,
    "langchain_openai/__init__.py": "from langchain_openai.chat_models import ChatOpenAI\n",
    "langchain_openai/chat_models/__init__.py": "from langchain_openai.chat_models.base import ChatOpenAI\n",
    "langchain_openai/chat_models/base.py": """
        from __future__ import annotations

        from typing import Any, Dict, List, Optional, Union

        from langchain_core.language_models.chat_models import BaseChatModel
        from pydantic import ConfigDict, Field, SecretStr


        class BaseChatOpenAI(BaseChatModel):
            model_name: str = Field(default="gpt-3.5-turbo", alias="model")
            openai_api_key: Optional[SecretStr] = Field(alias="api_key", default=None)
            model_config = ConfigDict(populate_by_name=True)


        class ChatOpenAI(BaseChatOpenAI):
            pass
    """,
    "langchain_community/__init__.py": "__version__ = '0.3.7'\n",
    "langchain_community/utilities/__init__.py": """
        from langchain_community.utilities.sql_database import SQLDatabase
    """,
    "langchain_community/utilities/sql_database.py": """
        import sqlite3


        class SQLDatabase:
            def __init__(self, connection):
                self._connection = connection

            @classmethod
            def from_uri(cls, database_uri):
                assert database_uri == "sqlite://"
                return cls(sqlite3.connect(":memory:"))
    """,
    "langchain_community/agent_toolkits/__init__.py": """
        from langchain_community.agent_toolkits.sql.toolkit import SQLDatabaseToolkit
    """,
    "langchain_community/agent_toolkits/sql/__init__.py": "",
    "langchain_community/agent_toolkits/sql/toolkit.py": """
        from typing import List

        from langchain_core.language_models import BaseLanguageModel
        from pydantic import BaseModel, ConfigDict, Field

        from langchain_community.utilities.sql_database import SQLDatabase


        class SQLDatabaseToolkit(BaseModel):
            db: SQLDatabase = Field(exclude=True)
            llm: BaseLanguageModel = Field(exclude=True)

            model_config = ConfigDict(arbitrary_types_allowed=True)

            def get_tools(self) -> List[str]:
                return ["sql_db_query", "sql_db_schema", "sql_db_list_tables", "sql_db_query_checker"]
    """,
}


def write_site(folder: Path) -> Path:
    """Write the three packages under `folder` and return it (a PYTHONPATH entry)."""
    for rel, text in FILES.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder
