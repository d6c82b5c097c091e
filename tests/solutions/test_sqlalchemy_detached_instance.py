"""Verified fixes for solutions/sqlalchemy-detached-instance.md.

Reproduces, with the installed SQLAlchemy and a real SQLite database, each message the entry quotes:
DetachedInstanceError for an expired column after commit ("attribute refresh"), an unloaded relationship
("lazy load") and a deferred column ("deferred load"); `lazy='raise'`; and, with AsyncSession over aiosqlite,
MissingGreenlet wrapped in StatementError for both the expired column and the lazy relationship.
Then runs the entry's code: Option 1 as a script and its functions, Option 2/4/5 on Option 1's models,
Option 3 as a script (aiosqlite). The 2.0 wording `await_only()` cannot be checked here (2.1 is installed).
"""

from __future__ import annotations

import re
import sys
import types

import pytest
from pyrun import run_python
from sqlalchemy import ForeignKey, String, Text, create_engine, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker
from sqlalchemy.orm.exc import DetachedInstanceError

SLUG = "sqlalchemy-detached-instance"


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[list[Article]] = relationship()


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text, deferred=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


@pytest.fixture
def plain_session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine)  # the default: expire_on_commit=True
    engine.dispose()


def test_expired_column_after_commit_is_attribute_refresh(plain_session):
    with plain_session() as session:
        author = Author(name="ada")
        session.add(author)
        session.commit()
    with pytest.raises(DetachedInstanceError) as info:
        author.name  # noqa: B018
    assert re.match(
        r"Instance <Author at 0x[0-9a-f]+> is not bound to a Session; attribute refresh operation cannot proceed",
        str(info.value),
    )


def test_unloaded_relationship_and_deferred_column(plain_session):
    with plain_session() as session:
        session.add(Author(name="ada", posts=[Article(body="text")]))
        session.commit()
    with plain_session() as session:
        author = session.scalars(select(Author)).one()
        article = session.scalars(select(Article)).one()
    with pytest.raises(DetachedInstanceError) as info:
        author.posts  # noqa: B018
    assert re.match(
        r"Parent instance <Author at 0x[0-9a-f]+> is not bound to a Session; lazy load operation of attribute "
        r"'posts' cannot proceed",
        str(info.value),
    )
    with pytest.raises(DetachedInstanceError) as info:
        article.body  # noqa: B018
    assert re.match(
        r"Parent instance <Article at 0x[0-9a-f]+> is not bound to a Session; deferred load operation of "
        r"attribute 'body' cannot proceed",
        str(info.value),
    )


ASYNC_WRONG = """
import asyncio
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    posts: Mapped[list["Post"]] = relationship()


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


async def main():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    Session = async_sessionmaker(engine)
    async with Session() as session:
        user = User(name="ada", posts=[Post(title="hi")])
        session.add(user)
        await session.commit()
        try:
            user.name                      # expired by commit: a refresh would need IO
        except Exception as exc:
            print("EXPIRED", type(exc).__name__, exc)
    async with Session() as session:
        user = (await session.scalars(select(User))).first()
        try:
            user.posts                     # lazy load inside an open AsyncSession
        except Exception as exc:
            print("LAZY", type(exc).__name__, exc)
    await engine.dispose()


asyncio.run(main())
"""


def test_async_session_implicit_io_is_missing_greenlet():
    import aiosqlite  # noqa: F401 (a dev-extra dependency the code below needs)

    result = run_python(ASYNC_WRONG, "-W", "ignore::RuntimeWarning")
    assert result.returncode == 0, result.stderr
    quoted = (
        "(sqlalchemy.exc.MissingGreenlet) greenlet_spawn has not been called; can't call await_() here. "
        "Was IO attempted in an unexpected place?"
    )
    lines = {
        line.split(" ", 1)[0]: line
        for line in result.stdout.splitlines()
        if line.startswith(("EXPIRED", "LAZY"))
    }
    assert lines["EXPIRED"].startswith("EXPIRED StatementError " + quoted)
    assert lines["LAZY"].startswith("LAZY StatementError " + quoted)


def load(fix_code, option: int) -> dict:
    """Run fix option N as a module (not __main__: definitions only); SQLAlchemy resolves its annotations there."""
    name = f"entry_{SLUG.replace('-', '_')}_option_{option}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(fix_code(SLUG, option), f"{SLUG} option {option}", "exec"), module.__dict__)
    finally:
        sys.modules.pop(name, None)
    return module.__dict__


@pytest.fixture
def option1(fix_code):
    return load(fix_code, 1)


def test_option1_script_runs(fix_code):
    result = run_python(fix_code(SLUG, 1))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1 ada", "ada ['hello', 'world']"]


def test_option1_objects_stay_readable_and_the_wrong_setup_fails(option1):
    user = option1["create_user"]("bob", ["x"])
    assert (user.id, user.name) == (1, "bob")
    [listed] = option1["list_users"]()
    assert [p.title for p in listed.posts] == ["x"]

    # The line marked WRONG in the block (default sessionmaker) really fails the same way.
    wrong = sessionmaker(option1["engine"])
    with wrong() as session:
        other = option1["User"](name="eve")
        session.add(other)
        session.commit()
    with pytest.raises(DetachedInstanceError, match="attribute refresh operation cannot proceed"):
        other.name  # noqa: B018
    with option1["SessionLocal"]() as session:
        unloaded = session.scalars(select(option1["User"])).first()
    with pytest.raises(DetachedInstanceError, match="lazy load operation of attribute 'posts'"):
        unloaded.posts  # noqa: B018


def test_option2_returns_plain_data(option1, fix_code):
    namespace = load(fix_code, 2)
    created = option1["create_user"]("ada", ["a", "b"])
    out = namespace["get_user_out"](sessionmaker(option1["engine"]), option1["User"], created.id)
    assert out.model_dump() == {"id": created.id, "name": "ada", "post_titles": ["a", "b"]}


def test_option3_async_script_runs(fix_code):
    import aiosqlite  # noqa: F401 (a dev-extra dependency the code below needs)

    result = run_python(fix_code(SLUG, 3))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ada ['hi']", "['hi']"]
    assert "MissingGreenlet" not in result.stderr


def test_option4_reloads_a_detached_object_by_its_primary_key(option1, fix_code):
    namespace = load(fix_code, 4)
    plain = sessionmaker(option1["engine"])  # default expire_on_commit=True: the refresh() line matters
    option1["create_user"]("ada", ["p1", "p2"])
    with plain() as session:
        detached = session.scalars(select(option1["User"])).one()
    with pytest.raises(DetachedInstanceError):
        detached.posts  # noqa: B018
    user, titles = namespace["rename"](plain, detached, "Ada L.")
    assert titles == ["p1", "p2"]
    assert user.name == "Ada L."  # readable after the session closed, thanks to refresh()
    with plain() as session:
        assert session.get(option1["User"], user.id).name == "Ada L."


def test_option5_raiseload_fails_loudly(option1, fix_code):
    namespace = load(fix_code, 5)
    option1["create_user"]("ada", ["p1"])
    with option1["SessionLocal"]() as session:
        user = session.scalars(namespace["strict_user_query"](option1["User"])).one()
        assert [p.title for p in user.posts] == ["p1"]  # listed in selectinload: loaded
        post = user.posts[0]
        with pytest.raises(
            InvalidRequestError, match=r"^'Post.author' is not available due to lazy='raise'$"
        ):
            post.author  # noqa: B018  # not listed: raiseload("*") on the nested path too
