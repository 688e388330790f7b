"""`mock_kms`: moto's `mock_aws` with the plugin installed, behind every entry point.

One `MockKms` object serves as decorator (functions, generator functions,
coroutine functions, test classes), context manager (sync and async) and
`start()`/`stop()` pair. Every entry point starts one `mock_aws` and stops it on
every exit path, so mocks nest as `mock_aws` does: only the outermost start resets
moto's state, and only the outermost stop removes it.
"""

from __future__ import annotations

import functools
import inspect
import unittest
from collections.abc import Callable, Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from moto import mock_aws

from .plugin import install

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

Decorated = TypeVar("Decorated", bound=Callable[..., Any])
Result = TypeVar("Result")


class MockKms:
    """Activation of moto's `mock_aws` with the plugin, which nests like `mock_aws`."""

    def __init__(self, config: DefaultConfig | None = None) -> None:
        self._config = config
        # One entry per start() on this object that has not been stopped yet.
        self._active: list[Any] = []

    def __repr__(self) -> str:
        return f"MockKms(config={self._config!r}, active={len(self._active)})"

    def start(self) -> None:
        """Install the plugin and start a `mock_aws`. Pair every call with stop()."""
        install()
        mock = mock_aws(config=self._config)
        mock.start()
        self._active.append(mock)

    def stop(self) -> None:
        """Stop the mock of the latest start(). The outermost stop removes state."""
        if not self._active:
            raise RuntimeError(
                "MockKms.stop() was called more times than start() on this object. "
                "Call stop() once for each start()."
            )
        self._active.pop().stop()

    def __enter__(self) -> MockKms:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockKms:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __call__(self, target: Decorated) -> Decorated:
        """Decorate a function or a test class so that it runs inside the mock."""
        decorated: Any
        if inspect.isclass(target):
            decorated = self._decorate_class(target)
        elif inspect.isasyncgenfunction(target):
            raise TypeError(
                f"mock_kms cannot decorate the async generator function "
                f"{target.__qualname__}. Use 'async with mock_kms():' in its body."
            )
        elif inspect.iscoroutinefunction(target):
            decorated = _wrap_coroutine_function(target, self._config)
        elif inspect.isgeneratorfunction(target):
            decorated = _wrap_generator_function(target, self._config)
        elif callable(target):
            decorated = _wrap_function(target, self._config)
        else:
            raise TypeError(
                "mock_kms decorates functions and classes, not "
                f"{type(target).__name__}."
            )
        return cast(Decorated, decorated)

    def _decorate_class(self, cls: type) -> type:
        if issubclass(cls, unittest.TestCase):
            return _decorate_test_case(cls, self._config)
        return _decorate_pytest_class(cls, self._config)


# Each call of a decorated function gets its own MockKms, so that recursive calls,
# or calls from several threads, each stop the mock that they started.


def _wrap_function(
    function: Callable[..., Result], config: DefaultConfig | None
) -> Callable[..., Result]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Result:
        with MockKms(config):
            return function(*args, **kwargs)

    return wrapper


def _wrap_generator_function(
    function: Callable[..., Generator[Any, Any, Result]],
    config: DefaultConfig | None,
) -> Callable[..., Generator[Any, Any, Result]]:
    # The mock must stay active while the generator runs, not only while the
    # generator object is created; pytest yield fixtures rely on this.
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Result]:
        with MockKms(config):
            return (yield from function(*args, **kwargs))

    return wrapper


def _wrap_coroutine_function(
    function: Callable[..., Coroutine[Any, Any, Result]],
    config: DefaultConfig | None,
) -> Callable[..., Coroutine[Any, Any, Result]]:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Result:
        async with MockKms(config):
            return await function(*args, **kwargs)

    return wrapper


def _decorate_test_case(
    cls: type[unittest.TestCase], config: DefaultConfig | None
) -> type[unittest.TestCase]:
    # Start before setUp so that what setUp builds is mocked too, and stop in a
    # cleanup, which unittest runs after tearDown even when setUp or the test
    # fails. IsolatedAsyncioTestCase calls setUp before asyncSetUp, so its async
    # hooks run inside the mock as well.
    original_set_up = cls.setUp

    @functools.wraps(original_set_up)
    def set_up(test: unittest.TestCase) -> None:
        mock = MockKms(config)
        mock.start()
        test.addCleanup(mock.stop)
        original_set_up(test)

    # setattr, because mypy rejects assigning to a method.
    setattr(cls, "setUp", set_up)  # noqa: B010
    return cls


def _decorate_pytest_class(cls: type, config: DefaultConfig | None) -> type:
    # pytest calls setup_method before each test and teardown_method after it,
    # around the test's fixtures that are not autouse.
    original_setup = inspect.getattr_static(cls, "setup_method", None)
    original_teardown = inspect.getattr_static(cls, "teardown_method", None)

    def setup_method(instance: object, method: Callable[..., Any]) -> None:
        mock = MockKms(config)
        mock.start()
        setattr(instance, _CLASS_MOCK_ATTRIBUTE, mock)
        try:
            _call_xunit_method(original_setup, instance, method)
        except BaseException:
            mock.stop()
            raise

    def teardown_method(instance: object, method: Callable[..., Any]) -> None:
        try:
            _call_xunit_method(original_teardown, instance, method)
        finally:
            getattr(instance, _CLASS_MOCK_ATTRIBUTE).stop()

    setattr(cls, "setup_method", setup_method)  # noqa: B010
    setattr(cls, "teardown_method", teardown_method)  # noqa: B010
    return cls


# pytest makes a new instance of the class for each test, so the mock of a test
# can live on its instance.
_CLASS_MOCK_ATTRIBUTE = "_moto_cloudhsm_ks_mock"


def _call_xunit_method(
    descriptor: Any, instance: object, method: Callable[..., Any]
) -> None:
    """Call the class's own setup_method or teardown_method, if any.

    pytest passes the test method only to hooks that take an argument, so this
    does the same.
    """
    if descriptor is None:
        return
    bound = descriptor.__get__(instance, type(instance))
    if inspect.signature(bound).parameters:
        bound(method)
    else:
        bound()


@overload
def mock_kms(
    function: None = None, *, config: DefaultConfig | None = None
) -> MockKms: ...


@overload
def mock_kms(
    function: Decorated, *, config: DefaultConfig | None = None
) -> Decorated: ...


def mock_kms(
    function: Decorated | None = None, *, config: DefaultConfig | None = None
) -> MockKms | Decorated:
    """Mock AWS with the plugin, exactly as `moto.mock_aws` is used.

    `@mock_kms`, `@mock_kms()` and `with mock_kms():` all work, on functions,
    generator functions, coroutine functions, `unittest.TestCase` classes
    (including `IsolatedAsyncioTestCase`) and pytest test classes. `config` is
    moto's `mock_aws` configuration.
    """
    mock = MockKms(config)
    if function is None:
        return mock
    return mock(function)
