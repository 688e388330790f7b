"""Every entry point of `mock_kms`: it mocks, nests, and removes state on every exit."""

from __future__ import annotations

import asyncio
import io
import unittest
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.core.models import MockAWS

from moto_cloudhsm_ks import MockKms, mock_kms
from moto_cloudhsm_ks.keystores.backend import key_store_backends
from moto_cloudhsm_ks.provisioning import provision_key_store

pytest_plugins = ["pytester"]

ACCOUNT = "123456789012"
REGION = "us-east-1"


def store_ids() -> list[str]:
    """Return the IDs of the stores that KMS describes, through the mock."""
    kms = boto3.client("kms", region_name=REGION)
    stores = kms.describe_custom_key_stores()["CustomKeyStores"]
    return [store["CustomKeyStoreId"] for store in stores]


def stored_ids() -> list[str]:
    """Return the IDs of the stores in the plugin's registry, with no mock active."""
    return list(key_store_backends[ACCOUNT][REGION].stores)


def create_store() -> str:
    return provision_key_store(custom_key_store_name="Entry").custom_key_store_id


@pytest.fixture(autouse=True)
def _no_mock_left_active() -> Iterator[None]:
    assert MockAWS._nested_count == 0
    yield
    assert MockAWS._nested_count == 0
    assert stored_ids() == []


def test_decorator_bare() -> None:
    @mock_kms
    def create_and_list() -> tuple[str, list[str]]:
        return create_store(), store_ids()

    store_id, listed = create_and_list()
    assert listed == [store_id]
    assert create_and_list.__name__ == "create_and_list"


def test_decorator_called() -> None:
    @mock_kms()
    def create_and_list() -> tuple[str, list[str]]:
        return create_store(), store_ids()

    store_id, listed = create_and_list()
    assert listed == [store_id]


def test_decorator_with_config() -> None:
    @mock_kms(config={"core": {"reset_boto3_session": True}})
    def create_and_list() -> tuple[str, list[str]]:
        return create_store(), store_ids()

    store_id, listed = create_and_list()
    assert listed == [store_id]


def test_context_manager() -> None:
    with mock_kms() as mock:
        store_id = create_store()
        assert store_ids() == [store_id]
    assert isinstance(mock, MockKms)


def test_async_context_manager() -> None:
    async def create_and_list() -> tuple[str, list[str]]:
        async with mock_kms():
            return create_store(), store_ids()

    store_id, listed = asyncio.run(create_and_list())
    assert listed == [store_id]


def test_coroutine_function() -> None:
    @mock_kms
    async def create_and_list() -> tuple[str, list[str]]:
        await asyncio.sleep(0)
        return create_store(), store_ids()

    store_id, listed = asyncio.run(create_and_list())
    assert listed == [store_id]


def test_generator_function_mocks_while_iterating() -> None:
    @mock_kms
    def stores() -> Iterator[list[str]]:
        create_store()
        yield store_ids()
        yield store_ids()

    iterator = stores()
    assert MockAWS._nested_count == 0
    first = next(iterator)
    assert MockAWS._nested_count == 1
    assert next(iterator) == first
    assert len(first) == 1
    with pytest.raises(StopIteration):
        next(iterator)


def test_start_stop() -> None:
    mock = mock_kms()
    mock.start()
    try:
        store_id = create_store()
        assert store_ids() == [store_id]
    finally:
        mock.stop()


def test_stop_before_start_is_rejected() -> None:
    with pytest.raises(RuntimeError) as info:
        mock_kms().stop()
    assert str(info.value) == (
        "MockKms.stop() was called more times than start() on this object. Call "
        "stop() once for each start()."
    )


def test_async_generator_function_is_rejected() -> None:
    async def stores() -> Any:
        yield []

    with pytest.raises(TypeError) as info:
        mock_kms(stores)
    assert str(info.value) == (
        "mock_kms cannot decorate the async generator function "
        "test_async_generator_function_is_rejected.<locals>.stores. Use 'async "
        "with mock_kms():' in its body."
    )


def test_non_callable_is_rejected() -> None:
    with pytest.raises(TypeError) as info:
        MockKms()(42)
    assert str(info.value) == "mock_kms decorates functions and classes, not int."


def test_context_manager_exit_on_error_removes_stores() -> None:
    with pytest.raises(ValueError, match="application error"), mock_kms():
        create_store()
        raise ValueError("application error")


def test_decorated_function_error_removes_stores() -> None:
    @mock_kms
    def failing() -> None:
        create_store()
        raise ValueError("application error")

    with pytest.raises(ValueError, match="application error"):
        failing()


def test_coroutine_function_error_removes_stores() -> None:
    @mock_kms
    async def failing() -> None:
        create_store()
        raise ValueError("application error")

    with pytest.raises(ValueError, match="application error"):
        asyncio.run(failing())


def test_nested_inner_exit_keeps_outer_state() -> None:
    with mock_kms():
        outer_id = create_store()
        with mock_kms():
            assert store_ids() == [outer_id]
            inner_id = provision_key_store(
                custom_key_store_name="Inner"
            ).custom_key_store_id
        assert store_ids() == [outer_id, inner_id]
    assert stored_ids() == []


def test_nested_decorator_inside_context_manager() -> None:
    @mock_kms
    def inner() -> list[str]:
        return store_ids()

    with mock_kms():
        store_id = create_store()
        assert inner() == [store_id]
        assert store_ids() == [store_id]


def test_same_object_nested() -> None:
    mock = mock_kms()
    with mock:
        store_id = create_store()
        with mock:
            assert store_ids() == [store_id]
        assert store_ids() == [store_id]


def test_nested_inner_error_keeps_outer_state() -> None:
    with mock_kms():
        store_id = create_store()
        with pytest.raises(ValueError, match="inner error"), mock_kms():
            raise ValueError("inner error")
        assert store_ids() == [store_id]


def run_test_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


def test_test_case_class() -> None:
    seen: dict[str, list[str]] = {}

    @mock_kms
    class StoreTest(unittest.TestCase):
        def setUp(self) -> None:
            self.store_id = create_store()

        def test_one(self) -> None:
            seen["one"] = store_ids()
            self.assertEqual(store_ids(), [self.store_id])

        def test_two(self) -> None:
            seen["two"] = store_ids()
            self.assertEqual(store_ids(), [self.store_id])

    result = run_test_case(StoreTest)
    assert result.errors == []
    assert result.failures == []
    assert result.testsRun == 2
    assert len(seen["one"]) == 1
    assert len(seen["two"]) == 1
    assert seen["one"] != seen["two"]


def test_test_case_failures_remove_stores() -> None:
    @mock_kms
    class FailingTest(unittest.TestCase):
        def setUp(self) -> None:
            create_store()
            if self._testMethodName == "test_setup_fails":
                raise RuntimeError("setUp failed")

        def test_setup_fails(self) -> None:
            pass

        def test_body_fails(self) -> None:
            raise RuntimeError("test failed")

    result = run_test_case(FailingTest)
    assert result.testsRun == 2
    assert len(result.errors) == 2


def test_isolated_asyncio_test_case_class() -> None:
    seen: list[list[str]] = []

    @mock_kms
    class AsyncStoreTest(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self) -> None:
            self.store_id = create_store()

        async def test_store(self) -> None:
            await asyncio.sleep(0)
            seen.append(store_ids())
            self.assertEqual(store_ids(), [self.store_id])

    result = run_test_case(AsyncStoreTest)
    assert result.errors == []
    assert result.failures == []
    assert len(seen) == 1


def test_pytest_class(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from moto.core.models import MockAWS
        from moto_cloudhsm_ks import mock_kms
        from moto_cloudhsm_ks.provisioning import provision_key_store


        def store_ids():
            kms = boto3.client("kms", region_name="us-east-1")
            stores = kms.describe_custom_key_stores()["CustomKeyStores"]
            return [store["CustomKeyStoreId"] for store in stores]


        @pytest.fixture
        def store_count():
            return len(store_ids())


        @mock_kms
        class TestStores:
            def setup_method(self, method):
                self.store_id = provision_key_store().custom_key_store_id

            def teardown_method(self):
                assert store_ids() == [self.store_id]

            def test_first(self, store_count):
                assert store_count == 1
                assert store_ids() == [self.store_id]

            def test_second(self):
                assert store_ids() == [self.store_id]


        @mock_kms
        class TestWithoutHooks:
            def test_store(self):
                assert store_ids() == []


        @mock_kms
        class TestFailingSetup:
            def setup_method(self):
                raise RuntimeError("setup failed")

            def test_never_runs(self):
                pass


        def test_no_mock_left():
            assert MockAWS._nested_count == 0
        """
    )
    result = pytester.runpytest(
        "-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: setup failed*"])
