"""Install the plugin's handlers into moto.

Touches moto internals: moto has no plugin API, so this adds methods to moto's
response classes (actions are looked up on the class at every call), registers
default transitions with moto's state manager and adds routes under
`/moto-api/`. Safe to call more than once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import moto
from moto.cloudhsmv2.responses import CloudHSMV2Response
from moto.kms.responses import KmsResponse
from moto.moto_api import state_manager

from .cloudhsm import responses as cloudhsm_responses
from .cloudhsm.models import CLUSTER_MODEL, HSM_MODEL
from .control import register_routes
from .keys.install import install_key_handlers
from .keystores import responses as key_store_responses
from .keystores.models import KEY_STORE_MODEL

# The moto releases this plugin was tested with; see setup.cfg.
TESTED_MOTO_VERSIONS = ("5.2.",)

_install_lock = threading.Lock()
_installed = False

ResponseClass = type[KmsResponse] | type[CloudHSMV2Response]


def _add_new_handlers(
    response_class: ResponseClass, handlers: dict[str, Callable[..., str]]
) -> None:
    for name, handler in handlers.items():
        existing = getattr(response_class, name, None)
        if existing is not None and existing is not handler:
            raise RuntimeError(
                f"moto {moto.__version__} already implements "
                f"{response_class.__name__}.{name}, which moto-cloudhsm-ks also "
                "provides. Install a moto release this plugin supports "
                "(moto>=5.2.5,<5.3) or a moto-cloudhsm-ks release made for this "
                "moto."
            )
        setattr(response_class, name, handler)


def _replace_handlers(
    response_class: ResponseClass, handlers: dict[str, Callable[..., str]]
) -> None:
    for name, handler in handlers.items():
        setattr(response_class, name, handler)


def install() -> None:
    """Teach moto's KMS and cloudhsmv2 mocks the plugin's operations."""
    global _installed
    with _install_lock:
        if _installed:
            return
        if not moto.__version__.startswith(TESTED_MOTO_VERSIONS):
            raise RuntimeError(
                f"moto-cloudhsm-ks supports moto 5.2, but moto {moto.__version__} "
                "is installed. Install moto>=5.2.5,<5.3."
            )
        _add_new_handlers(KmsResponse, key_store_responses.NEW_HANDLERS)
        _add_new_handlers(CloudHSMV2Response, cloudhsm_responses.NEW_HANDLERS)
        _replace_handlers(CloudHSMV2Response, cloudhsm_responses.REPLACED_HANDLERS)
        install_key_handlers()
        for model_name in (CLUSTER_MODEL, HSM_MODEL, KEY_STORE_MODEL):
            state_manager.register_default_transition(
                model_name, transition={"progression": "immediate"}
            )
        register_routes()
        _installed = True
