"""`mock_kms`: moto's `mock_aws` with the plugin installed, behind every entry point.

One `MockKms` object serves as decorator (functions, coroutine functions, test
classes), context manager (sync and async) and `start()`/`stop()` pair.
"""

from __future__ import annotations

import functools
import inspect
import unittest
from collections.abc import Callable
from typing import Any, TypeVar

from moto import mock_aws

from .plugin import install

Target = TypeVar("Target")


class MockKms:
    """Activates moto's `mock_aws` with the plugin; nests like `mock_aws`."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self._config = config
        self._active: list[Any] = []

    def start(self) -> None:
        install()
        mock = mock_aws(config=self._config)  # type: ignore[arg-type]
        mock.start()
        self._active.append(mock)

    def stop(self) -> None:
        if not self._active:
            raise RuntimeError("mock_kms.stop() was called before start().")
        self._active.pop().stop()

    def __enter__(self) -> MockKms:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> MockKms:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()

    def __call__(self, target: Target) -> Target:
        if inspect.isclass(target):
            return self._decorate_class(target)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(target):
            return self._decorate_coroutine_function(target)  # type: ignore[return-value]
        if callable(target):
            return self._decorate_function(target)  # type: ignore[return-value]
        raise TypeError(
            f"mock_kms decorates functions and classes, not {type(target).__name__}."
        )

    def _decorate_function(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper

    def _decorate_coroutine_function(
        self, function: Callable[..., Any]
    ) -> Callable[..., Any]:
        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with self:
                return await function(*args, **kwargs)

        return wrapper

    def _decorate_class(self, cls: type) -> type:
        if issubclass(cls, unittest.TestCase):
            return self._decorate_test_case(cls)
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, MockKms(self._config)(member))
        return cls

    def _decorate_test_case(self, cls: type[unittest.TestCase]) -> type:
        # Start before setUp so fixtures built there are mocked too, and stop in a
        # cleanup, which runs after tearDown even when setUp or the test fails.
        original_set_up = cls.setUp
        config = self._config

        def setUp(test: unittest.TestCase) -> None:  # noqa: N802
            mock = MockKms(config)
            mock.start()
            test.addCleanup(mock.stop)
            original_set_up(test)

        cls.setUp = setUp  # type: ignore[method-assign]
        return cls


def mock_kms(function: Any = None, *, config: dict[str, Any] | None = None) -> Any:
    """Mock AWS with the plugin, exactly as `moto.mock_aws` is used.

    `@mock_kms`, `@mock_kms()` and `with mock_kms():` all work, on functions,
    coroutine functions, `unittest.TestCase` classes and pytest test classes.
    """
    mock = MockKms(config)
    if function is None:
        return mock
    return mock(function)
