"""Where a Temporal server is and how to reach it, from flags or environment.

Environment and the Temporal config file are read with ``temporalio.envconfig``
(``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, ``TEMPORAL_PROFILE``,
``TEMPORAL_TLS_CLIENT_CERT_PATH``, ``TEMPORAL_TLS_CLIENT_KEY_PATH``, ...);
explicit settings win over both.
"""

import argparse
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from temporalio.client import Client


class TemporalConnectionSettings(BaseModel):
    """Explicit connection settings; ``None`` fields fall back to environment, then defaults."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = None
    namespace: str | None = None
    api_key: str | None = None
    tls: bool | None = None
    tls_cert_path: str | None = None
    tls_key_path: str | None = None
    tls_server_ca_path: str | None = None
    tls_server_name: str | None = None


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the Temporal connection flags (``--address``, ``--namespace``, TLS, API key)."""
    group = parser.add_argument_group(
        "Temporal connection (default: TEMPORAL_* environment / config file, else localhost:7233)"
    )
    group.add_argument("--address", help="host:port of the Temporal frontend")
    group.add_argument("--namespace", help="Temporal namespace")
    group.add_argument("--api-key", help="API key (implies TLS)")
    group.add_argument("--tls", action="store_true", default=None, help="use TLS")
    group.add_argument("--tls-cert", help="TLS client certificate file (mTLS)")
    group.add_argument("--tls-key", help="TLS client private key file (mTLS)")
    group.add_argument("--tls-ca", help="CA certificate file of the server")
    group.add_argument("--tls-server-name", help="server name to verify in TLS")


def settings_from_arguments(args: argparse.Namespace) -> TemporalConnectionSettings:
    """The flags of :func:`add_connection_arguments` as settings; unset flags fall back to env."""
    return TemporalConnectionSettings(
        address=args.address,
        namespace=args.namespace,
        api_key=args.api_key,
        tls=args.tls,
        tls_cert_path=args.tls_cert,
        tls_key_path=args.tls_key,
        tls_server_ca_path=args.tls_ca,
        tls_server_name=args.tls_server_name,
    )


async def connect(settings: TemporalConnectionSettings | None = None) -> "Client":
    """Connect a Temporal client with the pydantic data converter.

    Needs ``temporalio`` (installed with every package but bert-types itself).
    """
    try:
        from temporalio.client import Client
        from temporalio.contrib.pydantic import pydantic_data_converter
        from temporalio.envconfig import ClientConfigProfile
        from temporalio.service import TLSConfig
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "bert_types.connection.connect needs temporalio: pip install temporalio"
        ) from error

    settings = settings or TemporalConnectionSettings()
    config = ClientConfigProfile.load().to_client_connect_config()
    address = settings.address or config.get("target_host") or "localhost:7233"
    namespace = settings.namespace or config.get("namespace") or "default"
    api_key = settings.api_key or config.get("api_key")
    tls: bool | TLSConfig = config.get("tls") or False
    if settings.tls_cert_path or settings.tls_key_path or settings.tls_server_ca_path:
        tls = TLSConfig(
            client_cert=_read(settings.tls_cert_path),
            client_private_key=_read(settings.tls_key_path),
            server_root_ca_cert=_read(settings.tls_server_ca_path),
            domain=settings.tls_server_name,
        )
    elif settings.tls is not None:
        tls = settings.tls
    elif api_key and tls is False:
        tls = True
    return await Client.connect(
        address,
        namespace=namespace,
        api_key=api_key,
        tls=tls,
        data_converter=pydantic_data_converter,
    )


def _read(path: str | None) -> bytes | None:
    if path is None:
        return None
    with open(path, "rb") as handle:
        return handle.read()
